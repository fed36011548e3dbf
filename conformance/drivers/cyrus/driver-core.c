/*
 * The case logic the C drivers share: see driver-core.h. Each driver links
 * this with its own I/O layer (driver.c: pipes and the kernel; wasm-driver.c:
 * a table of descriptors in WebAssembly).
 */
#define _GNU_SOURCE
#include "driver-core.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* Who the implementation is: build.sh, build-source.sh and build-wasm.sh say, but for Debian 12's binary. */
#ifndef DRIVER_NAME
#define DRIVER_NAME "cyrus-imapd prot layer, as Debian 12 ships it compiled"
#endif
#ifndef DRIVER_VERSION
#define DRIVER_VERSION "3.6.1"
#endif
#ifndef DRIVER_PROFILE
#define DRIVER_PROFILE "cyrus-3.6"
#endif

struct case_state C;
long g_now;
int g_allow_ub;

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

void *zcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) abort();
    return p;
}

static void *zrealloc(void *p, size_t size) {
    p = realloc(p, size ? size : 1);
    if (!p) abort();
    return p;
}

void abort_case(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(C.error, sizeof C.error, fmt, ap);
    va_end(ap);
    if (!C.active) {
        fprintf(stderr, "cyrus driver: %s\n", C.error);
        abort();
    }
    case_longjmp(C.jb, JUMP_ERROR);
}

void unsupported(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(C.error, sizeof C.error, fmt, ap);
    va_end(ap);
    case_longjmp(C.jb, JUMP_UNSUPPORTED);
}

static void undefined_behaviour(const char *what) {
    if (g_allow_ub) {
        fprintf(stderr, "cyrus driver: case %s, t=%ld: running undefined behaviour on purpose: %s\n", C.id, C.now, what);
        io_undefined_follows(what);
        return;
    }
    abort_case("undefined behaviour in the C code: %s; run under valgrind (CYRUS_DRIVER_VALGRIND=1)", what);
}

/* Latin-1 bytes of a JSON string (UTF-8, code points up to U+00FF). */
static unsigned char *latin1_of(const jv *s, size_t *len) {
    const unsigned char *u = (const unsigned char *)(s && s->type == J_STR ? s->s : "");
    size_t n = s && s->type == J_STR ? s->len : 0;
    unsigned char *out = zcalloc(n + 1, 1);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned c = u[i];
        if (c < 0x80) {
            out[o++] = (unsigned char)c;
            i++;
        } else if ((c & 0xe0) == 0xc0 && i + 1 < n) {
            unsigned cp = ((c & 0x1f) << 6) | (u[i + 1] & 0x3f);
            if (cp > 0xff) {
                free(out);
                abort_case("a byte string holds the character U+%04X, above U+00FF", cp);
            }
            out[o++] = (unsigned char)cp;
            i += 2;
        } else {
            free(out);
            abort_case("a byte string holds a character above U+00FF");
        }
    }
    *len = o;
    return out;
}

/* The first member's name of a step or action, for a message. */
static const char *kind_of(const jv *o) { return o && o->type == J_OBJ && o->len ? o->keys[0] : "(empty)"; }

/* ------------------------------------------------------------------ */
/* The trace                                                           */
/* ------------------------------------------------------------------ */

/* The pending flush becomes an entry of the trace. */
static void settle_flush(void) {
    if (!C.pending) return;
    C.pending = 0;
    if (C.trace.len) sb_str(&C.trace, ",");
    sb_printf(&C.trace, "{\"t\":%ld,\"flush\":", C.pending_t);
    sb_json_cstr(&C.trace, C.streams[C.pending_stream].name);
    sb_str(&C.trace, ",\"data\":");
    sb_json_latin1(&C.trace, (const unsigned char *)C.pending_data.p, C.pending_data.len);
    sb_str(&C.trace, "}");
    C.pending_data.len = 0;
}

static void count_entry(void) {
    if (++C.entries > TRACE_LIMIT) abort_case("the trace passed %d entries", TRACE_LIMIT);
}

/* Appends an entry at this instant, given as the JSON members after "t". */
static void push(const char *members) {
    settle_flush();
    count_entry();
    if (C.trace.len) sb_str(&C.trace, ",");
    sb_printf(&C.trace, "{\"t\":%ld,%s}", C.now, members);
}

void drain_writers(void) {
    if (!C.active) return;
    struct sb out = {0};
    for (size_t i = 0; i < C.nstreams; i++) {
        struct stream *s = &C.streams[i];
        if (s->out_fd < 0) continue;
        out.len = 0;
        io_take_output(s, &out);
        if (out.len == 0) continue;
        /* The peer echoes at once: the bytes are input from this instant. */
        if (s->echo && !s->input_over) io_deliver(s, (const unsigned char *)out.p, out.len);
        if (!(C.pending && C.pending_stream == i && C.pending_t == C.now)) {
            settle_flush();
            count_entry();
            C.pending = 1;
            C.pending_stream = i;
            C.pending_t = C.now;
        }
        sb_add(&C.pending_data, out.p, out.len);
    }
    sb_free(&out);
}

const char *case_trace(void) {
    settle_flush();
    return C.trace.p ? C.trace.p : "";
}

/* ------------------------------------------------------------------ */
/* The clock and the scripted input                                    */
/* ------------------------------------------------------------------ */

/* Delivers every arrival due by `t`, and ends the inputs due by `t`. */
static void deliver_until(long t) {
    for (size_t i = 0; i < C.nstreams; i++) {
        struct stream *s = &C.streams[i];
        if (s->input_over) continue;
        while (s->next_arr < s->narr && s->arr[s->next_arr].at <= t && !(s->has_end && s->arr[s->next_arr].at > s->end)) {
            struct arrival *a = &s->arr[s->next_arr++];
            io_deliver(s, a->data, a->len);
        }
        if (s->has_end && s->end <= t) {
            s->input_over = 1;
            io_end_input(s);
        }
    }
}

long next_change(const struct stream *s) {
    if (s->input_over) return -1;
    long t = -1;
    if (s->next_arr < s->narr && !(s->has_end && s->arr[s->next_arr].at > s->end)) t = s->arr[s->next_arr].at;
    if (s->has_end && (t < 0 || s->end < t)) t = s->end;
    return t;
}

static void outside_step(const jv *st);

/* What meanwhile steps do at a time a callback's spend passed: once the library looks again (its next
   select() or the next step), as the rules make them after the callback's pass. */
static void outside_passed(void) {
    while (C.done_outside < C.noutside && C.outside[C.done_outside].at <= C.now) outside_step(C.outside[C.done_outside++].what);
}

/* The clock moves on while a callback runs: the input due by then is delivered, changes from outside wait. */
static void spend_clock(long t) {
    if (t <= C.now) return;
    drain_writers();
    C.now = t;
    g_now = t;
    deliver_until(t);
}

void advance_clock(long t) {
    if (t <= C.now) return;
    drain_writers();
    /* What meanwhile steps do on the way, each at its time, after the input due then.
       The library learns of it only when it looks again, as after a signal handler. */
    while (C.done_outside < C.noutside && C.outside[C.done_outside].at <= t) {
        struct outside *o = &C.outside[C.done_outside++];
        if (o->at > C.now) {
            C.now = o->at;
            g_now = o->at;
        }
        deliver_until(C.now);
        outside_step(o->what);
    }
    C.now = t;
    g_now = t;
    deliver_until(t);
}

void peer_wait(int fd) {
    if (!C.active || fd < 0) return;
    for (size_t i = 0; i < C.nstreams; i++) {
        struct stream *s = &C.streams[i];
        if (s->out_fd == fd && s->peer_reads_at > C.now) advance_clock(s->peer_reads_at);
    }
}

void blocked(void) {
    drain_writers();
    if (C.read_kind) {
        struct sb m = {0};
        sb_json_cstr(&m, C.read_kind);
        sb_str(&m, ":");
        sb_json_cstr(&m, C.read_stream);
        sb_str(&m, ",\"blocked\":true");
        push(m.p);
        sb_free(&m);
    }
    case_longjmp(C.jb, JUMP_BLOCKED);
}

struct stream *stream_by_input_fd(int fd) {
    for (size_t i = 0; i < C.nstreams; i++)
        if (C.streams[i].in_fd == fd) return &C.streams[i];
    return NULL;
}

/* ------------------------------------------------------------------ */
/* time(), select(), pselect(): the library's clock and sleeps          */
/* ------------------------------------------------------------------ */

time_t time(time_t *t) {
    time_t v = (time_t)g_now;
    if (t) *t = v;
    return v;
}

/* How many of the descriptors in the sets are ready now, as the I/O layer says; with `narrow`, the sets are narrowed to them. */
static int ready_now(int nfds, fd_set *r, fd_set *w, fd_set *e, int narrow) {
    int count = 0;
    fd_set rr, ww, ee;
    FD_ZERO(&rr);
    FD_ZERO(&ww);
    FD_ZERO(&ee);
    for (int fd = 0; fd < nfds; fd++) {
        int rd = r && FD_ISSET(fd, r), wr = w && FD_ISSET(fd, w), ex = e && FD_ISSET(fd, e);
        if (!rd && !wr && !ex) continue;
        if (io_poll(fd, &rd, &wr, &ex) < 0) return -1;
        if (rd) { FD_SET(fd, &rr); count++; }
        if (wr) { FD_SET(fd, &ww); count++; }
        if (ex) { FD_SET(fd, &ee); count++; }
    }
    if (narrow) {
        if (r) *r = rr;
        if (w) *w = ww;
        if (e) *e = ee;
    }
    return count;
}

/* The common part of select() and pselect(): waits on the virtual clock until a descriptor is ready or the deadline (-1: none) passes. */
static int wait_ready(int nfds, fd_set *r, fd_set *w, fd_set *e, long deadline) {
    /* Outside a case (the start-up check): no clock to wait on. */
    if (!C.active) return ready_now(nfds, r, w, e, 1);
    outside_passed();
    int zero_timeout = deadline == C.now;
    /* A flush the library made before it waits may bring input back (echo). */
    if (C.echoing) drain_writers();
    for (;;) {
        int n = ready_now(nfds, r, w, e, 0);
        if (n < 0) return -1;
        if (n > 0) {
            C.spins = 0;
            return ready_now(nfds, r, w, e, 1);
        }
        if (deadline >= 0 && C.now >= deadline) {
            if (zero_timeout) {
                if (C.spin_at != C.now) {
                    C.spin_at = C.now;
                    C.spins = 0;
                }
                if (++C.spins >= SPIN_LIMIT)
                    abort_case("the C wait loop spins at t=%ld: select() called %d times with a zero timeout and "
                               "nothing ready, so no time passes (an event due at the current second keeps the "
                               "loop from sleeping)",
                               C.now, SPIN_LIMIT);
            }
            if (r) FD_ZERO(r);
            if (w) FD_ZERO(w);
            if (e) FD_ZERO(e);
            return 0;
        }
        /* Sleep until the next change of an awaited input, or the deadline. */
        long next = deadline;
        for (int fd = 0; fd < nfds && r; fd++) {
            if (!FD_ISSET(fd, r)) continue;
            struct stream *s = stream_by_input_fd(fd);
            long t = s ? next_change(s) : -1;
            if (t >= 0 && (next < 0 || t < next)) next = t;
        }
        if (next < 0 || next > HORIZON) blocked();
        advance_clock(next);
    }
}

/* How many pselect() calls reached the driver: the start-up check asks. */
long g_pselect_calls;

int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts, const sigset_t *mask) {
    (void)mask;
    g_pselect_calls++;
    if (nfds < 0 || nfds > FD_SETSIZE || (ts && (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L))) {
        errno = EINVAL;
        return -1;
    }
    long deadline = -1;
    if (ts) deadline = (long)(g_now + ts->tv_sec + (ts->tv_nsec > 0 ? 1 : 0));
    return wait_ready(nfds, r, w, e, deadline);
}

int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv) {
    if (nfds < 0 || nfds > FD_SETSIZE || (tv && (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000L))) {
        errno = EINVAL;
        return -1;
    }
    long deadline = -1;
    if (tv) deadline = (long)(g_now + tv->tv_sec + (tv->tv_usec > 0 ? 1 : 0));
    int n = wait_ready(nfds, r, w, e, deadline);
    if (tv && n >= 0) {
        /* Linux leaves the time not slept in the timeval. */
        long left = deadline - g_now;
        tv->tv_sec = left > 0 ? left : 0;
        tv->tv_usec = 0;
    }
    return n;
}

/* The library's host must provide this. */
void fatal(const char *msg, int code) __attribute__((noreturn));
void fatal(const char *msg, int code) {
    abort_case("the C library called fatal(\"%s\", %d)", msg ? msg : "", code);
}

/* ------------------------------------------------------------------ */
/* Events                                                              */
/* ------------------------------------------------------------------ */

/* The live handle at address p: at most one event lives at an address. */
static struct handle_rec *rec_of(struct prot_waitevent *p) {
    for (size_t i = C.nhandles; i-- > 0;)
        if (C.handles[i].ptr == p && C.handles[i].alive) return &C.handles[i];
    return NULL;
}

static struct rock_token *new_token(size_t rec, const jv *value) {
    if (!C.tokens || C.tokens->used == TOKENS_PER_BLOCK) {
        struct token_block *b = zcalloc(1, sizeof *b);
        b->next = C.tokens;
        C.tokens = b;
    }
    struct rock_token *t = &C.tokens->t[C.tokens->used++];
    *t = (struct rock_token){.magic = TOKEN_MAGIC, .rec = rec, .value = value};
    return t;
}

static int event_index(const char *name) {
    for (size_t i = 0; name && i < C.nevents; i++)
        if (strcmp(C.events[i].name, name) == 0) return (int)i;
    abort_case("no event %s", name ? name : "(unnamed)");
}

static struct stream *stream_named(const char *name) {
    for (size_t i = 0; name && i < C.nstreams; i++)
        if (strcmp(C.streams[i].name, name) == 0) return &C.streams[i];
    abort_case("no stream %s", name ? name : "(unnamed)");
}

/* A stream the next operation uses; a freed one is undefined behaviour. */
static struct protstream *live(struct stream *s, const char *op) {
    if (s->closed) {
        char what[256];
        snprintf(what, sizeof what, "%s uses stream %s, which prot_free() has freed", op, s->name);
        undefined_behaviour(what);
    }
    return s->ps;
}

static long mark_from(const jv *spec, long now, long old) {
    const jv *v;
    if ((v = jget(spec, "at"))) return jint(v);
    if ((v = jget(spec, "now"))) return now + jint(v);
    if ((v = jget(spec, "mark"))) return old + jint(v);
    return old;
}

static struct prot_waitevent *on_event(struct protstream *ps, struct prot_waitevent *ev, void *rock);

static size_t list_length(struct protstream *ps) {
    size_t n = 0;
    for (struct prot_waitevent *p = FIELD(ps, OFF_WAITEVENT, struct prot_waitevent *); p; p = p->next) n++;
    return n;
}

static void add_event(int ei, long mark) {
    struct event *e = &C.events[ei];
    struct stream *s = &C.streams[e->stream];
    struct protstream *ps = live(s, "adding an event");
    if (C.nhandles == C.cap_handles) {
        C.cap_handles = C.cap_handles ? 2 * C.cap_handles : 16;
        C.handles = zrealloc(C.handles, C.cap_handles * sizeof *C.handles);
    }
    size_t rec = C.nhandles;
    if (!e->on) {
        /*
         * No callback. prot_addwaitevent() refuses it by adding nothing, and
         * says so only through what it returns: the head of the list (NULL,
         * or another event's handle), not a new event. A library that took
         * it would call through the null pointer once it is due.
         */
        size_t before = list_length(ps);
        prot_addwaitevent(ps, (time_t)mark, NULL, new_token(rec, e->rock));
        if (list_length(ps) == before) {
            drain_writers();
            struct sb m = {0};
            sb_str(&m, "\"refused\":");
            sb_json_cstr(&m, e->name);
            push(m.p);
            sb_free(&m);
            return;
        }
        abort_case("event %s has no callback, and prot_addwaitevent() took it: prot_fill() would call through the "
                   "null pointer once it is due",
                   e->name);
    }
    struct prot_waitevent *h = prot_addwaitevent(ps, (time_t)mark, on_event, new_token(rec, e->rock));
    C.handles[C.nhandles++] = (struct handle_rec){.ptr = h, .event = ei, .alive = 1};
    e->added = 1;
    e->rec = rec;
}

/* The latest handle of an event by name, as the case's scripts and steps use it. */
static size_t handle_of(const char *name) {
    int ei = event_index(name);
    if (!C.events[ei].added) abort_case("event %s was never added", name);
    return C.events[ei].rec;
}

/* A handle whose fields are about to be read or written. */
static struct prot_waitevent *touch(size_t rec, const char *name, const char *op) {
    if (!C.handles[rec].alive) {
        char what[256];
        snprintf(what, sizeof what, "%s event %s, which prot_removewaitevent() has freed", op, name);
        undefined_behaviour(what);
    }
    return C.handles[rec].ptr;
}

static int on_list(struct protstream *ps, struct prot_waitevent *h) {
    for (struct prot_waitevent *p = FIELD(ps, OFF_WAITEVENT, struct prot_waitevent *); p; p = p->next)
        if (p == h) return 1;
    return 0;
}

static void remove_event(struct stream *s, size_t rec) {
    struct protstream *ps = live(s, "removing an event");
    struct handle_rec *r = &C.handles[rec];
    if (!r->alive && C.nhandles > r->freed_at) {
        /* The freed pointer is compared with the list: an event now at its address would go. Whether
           malloc() put one there depends on all the process allocated before, earlier cases included,
           so once any event has been added since, the removal is refused whether or not it did, with
           the same words: the answer is the case's alone. */
        char what[320];
        snprintf(what, sizeof what,
                 "removing event %s through its handle, which prot_removewaitevent() has freed, after event %s was "
                 "added, which malloc() may place at its address",
                 C.events[r->event].name, C.events[C.handles[r->freed_at].event].name);
        undefined_behaviour(what);
    }
    int present = r->alive && on_list(ps, r->ptr);
    prot_removewaitevent(ps, r->ptr);
    if (present) {
        r->alive = 0;
        r->freed_at = C.nhandles;
    }
}

static const jv *pick_script(const jv *on, int firing) {
    if (jlen(on) > 0 && jat(on, 0)->type == J_ARR) {
        size_t n = jlen(on);
        return jat(on, (size_t)firing < n ? (size_t)firing : n - 1);
    }
    return on;
}

/* The callback of every event: runs the event's script for this firing. */
static struct prot_waitevent *on_event(struct protstream *ps, struct prot_waitevent *ev, void *rock) {
    /* prot_fill()'s walk has read ev->next before calling, and reads it after. */
    struct prot_waitevent *walk_next = ev->next;
    struct rock_token *tok = rock;
    if (!tok || tok->magic != TOKEN_MAGIC) abort_case("the library called a wait event callback with a rock the driver never gave");
    size_t self_rec = tok->rec;
    struct handle_rec *r = &C.handles[self_rec];
    if (r->ptr != ev) abort_case("the library called the callback of event %s with another handle", C.events[r->event].name);
    struct event *e = &C.events[r->event];
    struct stream *own = &C.streams[e->stream];
    if (ps != own->ps) abort_case("event %s was called for another stream than its own", e->name);

    drain_writers();
    struct sb m = {0};
    sb_str(&m, "\"fire\":");
    sb_json_cstr(&m, e->name);
    sb_printf(&m, ",\"mark\":%ld", (long)ev->mark);
    if (tok->value) {
        sb_str(&m, ",\"rock\":");
        sb_json_value(&m, tok->value);
    }
    push(m.p);
    sb_free(&m);

    const jv *script = pick_script(e->on, e->firings++);
    for (size_t i = 0; i < jlen(script); i++) {
        const jv *a = jat(script, i), *v;
        if ((v = jget(a, "set-mark"))) {
            const jv *tn = jget(v, "event");
            const char *tname = tn ? jstr(tn) : e->name;
            struct prot_waitevent *t = touch(tn ? handle_of(tname) : self_rec, tname, "set-mark writes the mark of");
            t->mark = (time_t)mark_from(v, C.now, (long)t->mark);
        } else if ((v = jget(a, "remove"))) {
            const char *tname = jstr(v);
            int self = tname && strcmp(tname, "self") == 0;
            size_t t = self ? self_rec : handle_of(tname);
            if (!self && C.handles[t].ptr == walk_next && C.handles[t].alive) {
                char what[256];
                snprintf(what, sizeof what,
                         "the callback of %s removes %s, the event that prot_fill() holds as the next one of its "
                         "pass, which it then reads after free",
                         e->name, tname);
                undefined_behaviour(what);
            }
            remove_event(own, t);
        } else if ((v = jget(a, "add"))) {
            add_event(event_index(jstr(jget(v, "event"))), mark_from(v, C.now, 0));
        } else if ((v = jget(a, "rock"))) {
            touch(self_rec, e->name, "a rock action writes the rock of");
            ev->rock = new_token(self_rec, jnull(v) ? NULL : v);
        } else if (jget(a, "reset-timeout")) {
            prot_resettimeout(live(own, "reset-timeout"));
        } else if ((v = jget(a, "write"))) {
            if (!own->writer) abort_case("event %s writes, but stream %s has no paired writer (flushOnRead)", e->name, own->name);
            size_t len;
            unsigned char *b = latin1_of(v, &len);
            prot_write(own->writer, (const char *)b, (unsigned)len);
            if (own->echo) own->total_in += len; /* it comes back: a line read's buffer must hold it */
            free(b);
        } else if ((v = jget(a, "spend"))) {
            /* The callback takes time: the clock moves on, and the input due meanwhile is delivered. */
            spend_clock(C.now + jint(v));
        } else if (jget(a, "throw")) {
            abort_case("a C callback cannot throw (the case should be tagged throw)");
        } else if ((v = jget(a, "return"))) {
            if (jnull(v)) return NULL;
            /* prot_fill() reads the returned event's mark. */
            touch(self_rec, e->name, "returning");
            return ev;
        } else {
            unsupported("the action %s in the script of %s is not known to this build of the driver", kind_of(a), e->name);
        }
    }
    touch(self_rec, e->name, "returning");
    return ev;
}

/* ------------------------------------------------------------------ */
/* Steps                                                               */
/* ------------------------------------------------------------------ */

/* A read's entry: its kind, its stream, then `members` (its outcome). */
static void push_read(const char *kind, const char *name, const char *members) {
    drain_writers();
    struct sb m = {0};
    sb_json_cstr(&m, kind);
    sb_str(&m, ":");
    sb_json_cstr(&m, name);
    sb_str(&m, ",");
    sb_str(&m, members);
    push(m.p);
    sb_free(&m);
}

/* The entry of a read that returned nothing: would-block, the end, or the error. */
static void push_failure(const char *kind, const char *name, struct protstream *ps) {
    const char *err = prot_error(ps);
    if (!err) return push_read(kind, name, "\"wouldblock\":true");
    if (strcmp(err, EOF_STRING) == 0) return push_read(kind, name, "\"eof\":true");
    struct sb m = {0};
    sb_str(&m, "\"error\":");
    sb_json_cstr(&m, err);
    push_read(kind, name, m.p);
    sb_free(&m);
}

static void push_bytes(const char *kind, const char *name, const char *field, const unsigned char *b, size_t len) {
    struct sb m = {0};
    sb_printf(&m, "\"%s\":", field);
    sb_json_latin1(&m, b, len);
    push_read(kind, name, m.p);
    sb_free(&m);
}

static void push_byte(const char *kind, const char *name, int c) {
    char m[32];
    snprintf(m, sizeof m, "\"byte\":%d", c);
    push_read(kind, name, m);
}

static void begin_read(const char *kind, const char *name) {
    C.read_kind = kind;
    C.read_stream = name;
    C.spins = 0;
}

static void end_read(void) { C.read_kind = C.read_stream = NULL; }

static void step_read_line(const char *name) {
    struct stream *s = stream_named(name);
    struct protstream *ps = live(s, "read-line");
    size_t size = s->total_in + 2;
    unsigned char *buf = C.step_buf = zcalloc(size, 1);
    /* prot_fgets() does not say how long the line is, and lines may hold NULs:
       fill the buffer with a non-NUL byte, and its terminator is the last NUL. */
    memset(buf, 0x5a, size);
    begin_read("read-line", name);
    char *p = prot_fgets((char *)buf, (unsigned)size, ps);
    end_read();
    if (!p) {
        push_failure("read-line", name, ps);
    } else {
        size_t len = size;
        while (len > 0 && buf[len - 1] != 0) len--;
        len = len > 0 ? len - 1 : 0;
        if (len > 0 && buf[len - 1] == '\n') {
            len--;
            if (len > 0 && buf[len - 1] == '\r') len--;
        }
        push_bytes("read-line", name, "line", buf, len);
    }
    free(buf);
    C.step_buf = NULL;
}

/* A byte read (getc), or peek as prot.h's prot_peek() does it: a byte read, then given back. */
static void step_byte(const char *kind, const char *name, int peek) {
    struct stream *s = stream_named(name);
    struct protstream *ps = live(s, kind);
    begin_read(kind, name);
    int c = prot_getc(ps);
    if (peek && c != EOF) prot_ungetc(c, ps);
    end_read();
    if (c == EOF) push_failure(kind, name, ps);
    else push_byte(kind, name, c);
}

/* A read of up to n bytes (prot_read()), or with `exactly` of n bytes, as a server reads a
   literal: prot_read() again until all have come. What a short read-exactly took before the end
   or a would-block is not returned and is gone from the stream (the reference leaves it
   buffered). */
static void step_read(const jv *spec, int exactly) {
    const char *kind = exactly ? "read-exactly" : "read";
    const char *name = jstr(jget(spec, "stream"));
    long n = jint(jget(spec, "n"));
    struct stream *s = stream_named(name);
    struct protstream *ps = live(s, kind);
    if (n <= 0) abort_case("%s of %ld bytes", kind, n);
    unsigned char *buf = C.step_buf = zcalloc((size_t)n, 1);
    begin_read(kind, name);
    long got = 0;
    int r;
    do {
        r = prot_read(ps, (char *)buf + got, (unsigned)(n - got));
        if (r > 0) got += r;
    } while (exactly && r > 0 && got < n);
    end_read();
    if (got == 0 || (exactly && got < n)) push_failure(kind, name, ps);
    else push_bytes(kind, name, "data", buf, (size_t)got);
    free(buf);
    C.step_buf = NULL;
}

/* A line skipped: prot_fgets() into a scratch buffer until what it returns ends with the LF. */
static void step_skip_line(const char *name) {
    struct stream *s = stream_named(name);
    struct protstream *ps = live(s, "skip-line");
    size_t size = s->total_in + 2;
    unsigned char *buf = C.step_buf = zcalloc(size, 1);
    int skipped = 0;
    begin_read("skip-line", name);
    for (;;) {
        /* As for read-line: lines may hold NULs, so the terminator is the last NUL. */
        memset(buf, 0x5a, size);
        if (!prot_fgets((char *)buf, (unsigned)size, ps)) break;
        size_t len = size;
        while (len > 0 && buf[len - 1] != 0) len--;
        if (len >= 2 && buf[len - 2] == '\n') {
            skipped = 1;
            break;
        }
    }
    end_read();
    if (skipped) push_read("skip-line", name, "\"skipped\":true");
    else push_failure("skip-line", name, ps);
    free(buf);
    C.step_buf = NULL;
}

/* The group a select names, made by its first select; NULL for a select without one. */
static struct group *kept_group(const jv *spec) {
    const char *name = jstr(jget(spec, "group"));
    if (!name) return NULL;
    for (size_t k = 0; k < C.ngroups; k++)
        if (strcmp(C.groups[k].name, name) == 0) return &C.groups[k];
    C.groups = zrealloc(C.groups, (C.ngroups + 1) * sizeof *C.groups);
    C.groups[C.ngroups] = (struct group){.name = name, .g = NULL};
    return &C.groups[C.ngroups++];
}

static void step_select(const jv *spec) {
    const jv *names = jget(spec, "streams");
    const jv *to = jget(spec, "timeout");
    struct group *kept = kept_group(spec);
    struct protgroup *g = kept ? kept->g : NULL;
    if (g) {
        for (size_t i = 0; i < jlen(names); i++) live(stream_named(jstr(jat(names, i))), "select");
    } else {
        g = protgroup_new(0);
        /* Freed at teardown if the select never returns, until it is kept. */
        C.step_group = g;
        for (size_t i = 0; i < jlen(names); i++) protgroup_insert(g, live(stream_named(jstr(jat(names, i))), "select"));
        if (kept) {
            kept->g = g;
            C.step_group = NULL;
        }
    }
    struct timeval tv = {0, 0};
    struct timeval *tvp = NULL;
    if (to && !jnull(to)) {
        tv.tv_sec = (time_t)jint(to);
        tvp = &tv;
    }
    struct protgroup *out = NULL;
    begin_read(NULL, NULL);
    int r = prot_select(g, PROT_NO_FD, &out, NULL, tvp);
    end_read();
    if (!kept) {
        protgroup_free(g);
        C.step_group = NULL;
    }
    if (r < 0) {
        int err = errno;
        if (out) protgroup_free(out);
        abort_case("prot_select() failed at t=%ld: %s", C.now, strerror(err));
    }
    struct sb m = {0};
    sb_str(&m, "\"select\":[");
    int first = 1;
    for (size_t i = 0; i < jlen(names); i++) {
        const char *n = jstr(jat(names, i));
        struct protstream *ps = stream_named(n)->ps;
        int in = 0;
        for (size_t k = 0; out && protgroup_getelement(out, k); k++)
            if (protgroup_getelement(out, k) == ps) in = 1;
        int dup = 0;
        for (size_t k = 0; k < i; k++)
            if (strcmp(jstr(jat(names, k)), n) == 0) dup = 1;
        if (in && !dup) {
            if (!first) sb_str(&m, ",");
            first = 0;
            sb_json_cstr(&m, n);
        }
    }
    sb_str(&m, "]");
    if (out) protgroup_free(out);
    drain_writers();
    push(m.p);
    sb_free(&m);
}

static void step_events(const char *name) {
    struct stream *s = stream_named(name);
    struct protstream *ps = live(s, "events");
    struct sb m = {0};
    sb_str(&m, "\"events\":");
    sb_json_cstr(&m, name);
    sb_str(&m, ",\"list\":[");
    /* The list is read once, as the process driver always has: on a freed stream each read is an error valgrind counts. */
    int first = 1;
    for (struct prot_waitevent *p = FIELD(ps, OFF_WAITEVENT, struct prot_waitevent *); p; p = p->next) {
        struct handle_rec *r = rec_of(p);
        char item[512];
        snprintf(item, sizeof item, "%s@%ld", r ? C.events[r->event].name : "?", (long)p->mark);
        if (!first) sb_str(&m, ",");
        first = 0;
        sb_json_cstr(&m, item);
    }
    sb_str(&m, "]");
    drain_writers();
    push(m.p);
    sb_free(&m);
}

#ifdef PROT_FROM_SOURCE
/* The read callback of a read-callback step: traces that it ran. Its rock is the stream. */
static void on_read_callback(struct protstream *ps, void *rock) {
    (void)ps;
    drain_writers();
    struct sb m = {0};
    sb_str(&m, "\"read-callback\":");
    sb_json_cstr(&m, ((struct stream *)rock)->name);
    push(m.p);
    sb_free(&m);
}
#endif

/* A step that may also come from outside, through meanwhile: add-event, remove-event or set-mark. */
static void outside_step(const jv *st) {
    const jv *v;
    if ((v = jget(st, "add-event"))) {
        add_event(event_index(jstr(jget(v, "event"))), mark_from(v, C.now, 0));
    } else if ((v = jget(st, "remove-event"))) {
        /* A name, or {event, stream}: removed through that stream, which may not hold it. */
        const char *name = jstr(v) ? jstr(v) : jstr(jget(v, "event"));
        struct stream *via = jstr(v) ? &C.streams[C.events[event_index(name)].stream] : stream_named(jstr(jget(v, "stream")));
        remove_event(via, handle_of(name));
    } else if ((v = jget(st, "set-mark"))) {
        const char *name = jstr(jget(v, "event"));
        struct prot_waitevent *h = touch(handle_of(name), name, "set-mark writes the mark of");
        h->mark = (time_t)mark_from(v, C.now, (long)h->mark);
    } else {
        unsupported("the step %s is not known to this build of the driver", kind_of(st));
    }
}

static void run_step(const jv *st) {
    const jv *v;
    C.spins = 0;
    outside_passed();
    if ((v = jget(st, "read-line"))) step_read_line(jstr(v));
    else if ((v = jget(st, "getc"))) step_byte("getc", jstr(v), 0);
    else if ((v = jget(st, "read"))) step_read(v, 0);
    else if ((v = jget(st, "peek"))) step_byte("peek", jstr(v), 1);
    /* prot_fill() reads over what is still buffered, so a server calls it through prot_getc(),
       which calls it only when the buffer is empty; the byte goes back: a fill is a peek. */
    else if ((v = jget(st, "fill"))) step_byte("fill", jstr(v), 1);
    else if ((v = jget(st, "skip-line"))) step_skip_line(jstr(v));
    else if ((v = jget(st, "read-exactly"))) step_read(v, 1);
    else if ((v = jget(st, "select"))) step_select(v);
    else if ((v = jget(st, "advance"))) advance_clock(jint(v));
    else if ((v = jget(st, "set-timeout"))) {
        struct stream *s = stream_named(jstr(jget(v, "stream")));
        prot_settimeout(live(s, "set-timeout"), (int)jint(jget(v, "ticks")));
    } else if ((v = jget(st, "reset-timeout"))) {
        prot_resettimeout(live(stream_named(jstr(v)), "reset-timeout"));
    } else if ((v = jget(st, "nonblocking"))) {
        struct stream *s = stream_named(jstr(jget(v, "stream")));
        FIELD(live(s, "nonblocking"), OFF_DONTBLOCK, int) = jtrue(jget(v, "value")) ? 1 : 0;
    } else if (jget(st, "add-event") || jget(st, "remove-event") || jget(st, "set-mark")) {
        outside_step(st);
    } else if ((v = jget(st, "meanwhile"))) {
        long at = jint(jget(v, "at"));
        const jv *what = jget(v, "do");
        if (at <= C.now) {
            outside_step(what);
        } else {
            C.outside = zrealloc(C.outside, (C.noutside + 1) * sizeof *C.outside);
            size_t k = C.noutside++;
            while (k > C.done_outside && C.outside[k - 1].at > at) {
                C.outside[k] = C.outside[k - 1];
                k--;
            }
            C.outside[k] = (struct outside){.at = at, .what = what};
        }
    } else if ((v = jget(st, "events"))) step_events(jstr(v));
    else if ((v = jget(st, "write"))) {
        struct stream *s = stream_named(jstr(jget(v, "stream")));
        live(s, "write");
        if (!s->writer) abort_case("stream %s has no paired writer (flushOnRead)", s->name);
        size_t len;
        unsigned char *b = latin1_of(jget(v, "data"), &len);
        prot_write(s->writer, (const char *)b, (unsigned)len);
        if (s->echo) s->total_in += len; /* it comes back: a line read's buffer must hold it */
        free(b);
    } else if ((v = jget(st, "read-callback"))) {
#ifdef PROT_FROM_SOURCE
        /* A name, or {stream, clear: true} (a null proc takes the callback away); {stream, throw} is tagged throw. */
        struct stream *s = stream_named(jstr(v) ? jstr(v) : jstr(jget(v, "stream")));
        if (jget(v, "throw")) abort_case("a C read callback cannot throw (the case should be tagged throw)");
        if (jget(v, "clear")) prot_setreadcallback(live(s, "read-callback"), NULL, NULL);
        else prot_setreadcallback(live(s, "read-callback"), on_read_callback, s);
#else
        abort_case("read-callback is unsupported: prot_setreadcallback() is not exported by libcyrus.so.0");
#endif
    } else if ((v = jget(st, "close"))) {
        struct stream *s = stream_named(jstr(v));
        prot_free(live(s, "close"));
        s->closed = 1;
    } else {
        unsupported("the step %s is not known to this build of the driver", kind_of(st));
    }
}

/* ------------------------------------------------------------------ */
/* A case                                                              */
/* ------------------------------------------------------------------ */

static void setup(const jv *c) {
    const jv *streams = jget(c, "streams");
    const jv *events = jget(c, "events");
    C.nstreams = jlen(streams);
    C.streams = zcalloc(C.nstreams, sizeof *C.streams);
    for (size_t i = 0; i < C.nstreams; i++) C.streams[i].in_fd = C.streams[i].out_fd = -1;
    for (size_t i = 0; i < C.nstreams; i++) {
        struct stream *s = &C.streams[i];
        const jv *sp = streams->items[i];
        s->name = streams->keys[i];
        const jv *input = jget(sp, "input");
        s->narr = jlen(input);
        s->arr = zcalloc(s->narr, sizeof *s->arr);
        for (size_t k = 0; k < s->narr; k++) {
            const jv *a = jat(input, k);
            s->arr[k].at = jint(jget(a, "at"));
            s->arr[k].data = latin1_of(jget(a, "data"), &s->arr[k].len);
            s->total_in += s->arr[k].len;
        }
        const jv *end = jget(sp, "end");
        if (jisint(end)) {
            s->has_end = 1;
            s->end = jint(end);
        }
        const char *error = jstr(jget(sp, "error"));
        if (error) {
            /* The library reports a failed read() as strerror(errno): find the errno with this text. */
            for (int e = 1; e < 200 && !s->fail_errno; e++)
                if (strcmp(strerror(e), error) == 0) s->fail_errno = e;
            if (!s->fail_errno) abort_case("the input of %s fails with \"%s\", which is the text of no errno here", s->name, error);
        }
        s->echo = jtrue(jget(sp, "echo"));
        s->peer_reads_at = jint(jget(sp, "peerReadsAt"));
        if (s->echo) C.echoing = 1;
        /* The bound of a pipe, for both drivers alike. */
        if (s->total_in > 1048576) abort_case("the input of %s is larger than a pipe can hold", s->name);
        int writer = jtrue(jget(sp, "flushOnRead"));
        io_open(s, writer);
        s->ps = prot_new(s->in_fd, 0);
        long timeout = jint(jget(sp, "timeout"));
        if (timeout > 0) prot_settimeout(s->ps, (int)timeout);
        if (jtrue(jget(sp, "nonBlocking"))) FIELD(s->ps, OFF_DONTBLOCK, int) = 1;
        if (writer) {
            s->writer = prot_new(s->out_fd, 1);
            prot_setflushonread(s->ps, s->writer);
        }
    }
    C.nevents = jlen(events);
    C.events = zcalloc(C.nevents, sizeof *C.events);
    for (size_t i = 0; i < C.nevents; i++) {
        struct event *e = &C.events[i];
        const jv *sp = events->items[i];
        e->name = events->keys[i];
        const jv *on = jget(sp, "on");
        e->on = jnull(on) ? NULL : on;
        const jv *rock = jget(sp, "rock");
        e->rock = rock && !jnull(rock) ? rock : NULL;
        const char *sn = jstr(jget(sp, "stream"));
        e->stream = -1;
        for (size_t k = 0; k < C.nstreams; k++)
            if (sn && strcmp(C.streams[k].name, sn) == 0) e->stream = (int)k;
        if (e->stream < 0) abort_case("event %s names no stream of the case", e->name);
    }
    deliver_until(0);
    for (size_t i = 0; i < C.nevents; i++) {
        const jv *m = jget(events->items[i], "mark");
        if (jisint(m)) add_event((int)i, jint(m));
    }
}

static void teardown(void) {
    free(C.step_buf);
    if (C.step_group) protgroup_free(C.step_group);
    for (size_t i = 0; i < C.nstreams; i++) {
        struct stream *s = &C.streams[i];
        if (s->ps && !s->closed) {
            /* prot_free() leaves the events to the application. */
            struct prot_waitevent *h;
            while ((h = FIELD(s->ps, OFF_WAITEVENT, struct prot_waitevent *))) {
                struct handle_rec *r = rec_of(h);
                if (!r) abort_case("an event the driver never added is on the list of stream %s", s->name);
                remove_event(s, (size_t)(r - C.handles));
            }
            prot_free(s->ps);
        }
        if (s->writer) prot_free(s->writer);
        io_close(s);
        for (size_t k = 0; k < s->narr; k++) free(s->arr[k].data);
        free(s->arr);
    }
    /*
     * The events still on the lists of streams the case freed leak in C.
     * Where valgrind watches, they are left to leak, so that its leak check
     * names them with the case; otherwise the driver frees them, and a long
     * run stays small.
     */
    for (size_t i = 0; i < C.nhandles; i++)
        if (C.handles[i].alive) {
            C.handles[i].alive = 0;
            if (!io_watched()) free(C.handles[i].ptr);
        }
    for (size_t k = 0; k < C.ngroups; k++)
        if (C.groups[k].g) protgroup_free(C.groups[k].g);
    free(C.groups);
    free(C.outside);
    free(C.streams);
    free(C.events);
    free(C.handles);
    while (C.tokens) {
        struct token_block *b = C.tokens;
        C.tokens = b->next;
        free(b);
    }
}

int run_case(const jv *c) {
    /* Every run starts from nothing: the library keeps no state between cases but what is reset here. */
    memset(&C, 0, sizeof C);
    C.spin_at = -1;
    g_now = 0;
    const char *id = jstr(jget(c, "id"));
    C.id = id ? id : "?";
    sb_str(&C.trace, "");
    volatile int how = case_setjmp(C.jb);
    if (how == 0) {
        C.active = 1;
        setup(c);
        const jv *steps = jget(c, "steps");
        for (size_t i = 0; i < jlen(steps); i++) run_step(jat(steps, i));
        drain_writers();
    }
    settle_flush();
    /* A failure while tidying up (an event the driver never added) is the case's error. */
    if (case_setjmp(C.jb) == 0) teardown();
    else how = JUMP_ERROR;
    C.active = 0;
    g_now = 0;
    io_case_ended(C.id);
    return how;
}

void case_done(void) {
    sb_free(&C.trace);
    sb_free(&C.pending_data);
}

/* ------------------------------------------------------------------ */
/* Who the implementation is                                           */
/* ------------------------------------------------------------------ */

/* DEVIATIONS[], made from deviations.yaml; see README.md. */
#include "deviations.h"

struct unsupported {
    const char *tag;
    const char *reason;
};

static const struct unsupported UNSUPPORTED[] = {
    {"throw", "C callbacks cannot throw"},
#ifndef PROT_FROM_SOURCE
    {"read-callback", "prot_setreadcallback() is not exported by Debian's libcyrus.so.0 (it lacks EXPORTED in 3.6.1)"},
#endif
};

/* One declaration as JSON: {"<key>": id, "reason": reason}. */
static void declared_json(struct sb *b, int first, const char *key, const char *id, const char *reason) {
    if (!first) sb_str(b, ",");
    sb_printf(b, "{\"%s\":", key);
    sb_json_cstr(b, id);
    sb_str(b, ",\"reason\":");
    sb_json_cstr(b, reason);
    sb_str(b, "}");
}

void implementation_json(struct sb *b) {
    sb_str(b, "{\"name\":");
    sb_json_cstr(b, DRIVER_NAME);
    sb_str(b, ",\"version\":");
    sb_json_cstr(b, DRIVER_VERSION);
    sb_str(b, ",\"language\":\"C\",\"profile\":");
    sb_json_cstr(b, DRIVER_PROFILE);
    sb_str(b, ",\"deviations\":[");
    int first = 1;
    for (size_t i = 0; DEVIATIONS[i].id; i++) {
        /* valgrind's allocator does not hand a freed block out again at once, so there such a deviation
           does not show and the C trace follows the rule: declaring it would make an unexpected pass. */
        if (io_watched() && DEVIATIONS[i].depends_on_allocator) continue;
        declared_json(b, first, "id", DEVIATIONS[i].id, DEVIATIONS[i].reason);
        first = 0;
    }
    sb_str(b, "],\"unsupported\":[");
    for (size_t i = 0; i < sizeof UNSUPPORTED / sizeof *UNSUPPORTED; i++)
        declared_json(b, i == 0, "tag", UNSUPPORTED[i].tag, UNSUPPORTED[i].reason);
    sb_str(b, "]");
    /* prot_fill() runs events only for a stream with a read timeout or non-blocking (R_NO_TIMEOUT). */
    sb_str(b, ",\"quirks\":[\"events-need-read-timeout\"]}");
}
