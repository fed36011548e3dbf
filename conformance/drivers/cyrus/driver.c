/*
 * The conformance driver for the C prot layer of cyrus-imapd, as Debian 12
 * ships it compiled (libcyrus.so.0 and libcyrus_min.so.0 of cyrus-common
 * 3.6.1). It speaks the JSON-lines driver protocol of conformance/DRIVERS.md
 * and runs each case against the real library.
 *
 * Virtual time. This executable defines time(), select(), pselect() and
 * read(). A shared library's calls to these go through the global symbol
 * scope, where the executable comes before libc, so the prot layer reads
 * the driver's virtual clock and "sleeps" in the driver: a sleep moves the
 * clock straight to the next arrival, end of input or timeout. Everything
 * else (poll, fcntl, write, the driver's own I/O) is the real kernel.
 *
 * Input. Each stream of a case reads a pipe; the driver writes each arrival
 * into the pipe when the clock reaches it, and closes the pipe at the end
 * of the input. A paired writer (flushOnRead) writes into another pipe that
 * the driver reads back before the clock moves and before each trace entry,
 * so that a flush is traced at the virtual time the library wrote it.
 *
 * Nothing here comes from the Cyrus sources: the few prototypes and the
 * layout of struct prot_waitevent are declared in libcyrus.h, and the
 * offsets into struct protstream that the driver needs are checked at
 * start-up.
 *
 * See README.md beside this file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>
#define HAVE_VALGRIND_H 1
#endif
#endif

/* ------------------------------------------------------------------ */
/* The library's interface                                            */
/* ------------------------------------------------------------------ */

#ifdef PROT_FROM_SOURCE
/* Built by build-source.sh against a source tree: offsets from its prot.h. */
#include "prot-source.h"
#else
/* Debian's compiled library, which ships no header. */
#include "libcyrus.h"

/*
 * Offsets into Debian 12's struct protstream (built with TLS and zlib). They
 * were read from the machine code of prot_fill() and prot_addwaitevent(),
 * and are checked at start-up against what the library itself does.
 */
#define OFF_FD ((size_t)0x1c)        /* int: the descriptor given to prot_new() */
#define OFF_DONTBLOCK ((size_t)0xac) /* int: non-blocking mode */
#define OFF_READ_TIMEOUT ((size_t)0xb4) /* int: set by prot_settimeout() */
#define OFF_TIMEOUT_MARK ((size_t)0xb8) /* time_t: set by prot_settimeout() */
#endif

/* What the start answer calls this build (build-source.sh sets all three). */
#ifndef DRIVER_NAME
#define DRIVER_NAME "cyrus-imapd prot layer, as Debian 12 ships it compiled"
#endif
#ifndef DRIVER_VERSION
#define DRIVER_VERSION "3.6.1"
#endif
#ifndef DRIVER_PROFILE
#define DRIVER_PROFILE "cyrus-3.6"
#endif

#define EOF_STRING "end of file reached"

#define FIELD(s, off, type) (*(type *)((char *)(s) + (off)))

/* ------------------------------------------------------------------ */
/* Limits                                                              */
/* ------------------------------------------------------------------ */

/* Virtual time a case may not pass (as the runner's interpreter). */
#define HORIZON 1000000L
/* Zero-timeout selects at one instant, with nothing ready, that count as a spin. */
#define SPIN_LIMIT 10000
/* Trace entries a case may produce. */
#define TRACE_LIMIT 200000

/* ------------------------------------------------------------------ */
/* State of the case being run                                         */
/* ------------------------------------------------------------------ */

struct arrival {
    long at;
    unsigned char *data;
    size_t len;
};

struct stream {
    const char *name;
    int in_r, in_w;          /* the input pipe; in_w is -1 once the input has ended */
    struct arrival *arr;
    size_t narr, next_arr;
    int has_end;
    long end;
    size_t total_in;
    int fail_errno;          /* the input fails at `end` with this error instead of ending, or 0 */
    int failed;              /* it has: once the pipe is drained, read() fails with fail_errno */
    int echo;                /* what the paired writer hands on comes back as input */
    int out_r, out_w;        /* the paired writer's pipe, or -1 */
    struct protstream *ps;
    struct protstream *writer;
    int closed;              /* freed by a close step */
};

struct event {
    const char *name;
    int stream;
    json_t *rock;            /* borrowed from the case; NULL for null */
    json_t *on;
    int firings;
    int added;               /* whether prot_addwaitevent() ever returned a handle for it */
    size_t rec;              /* then the index of its latest handle in C.handles */
};

/*
 * Every handle the library returned, alive while it is on its list. A handle
 * is known by its index here, never by its address alone: once freed, its
 * memory may hold the next event that malloc() places there.
 */
struct handle_rec {
    struct prot_waitevent *ptr;
    int event;
    int alive;
};

/*
 * The rock the driver gives the library for each handle: the index of the
 * handle and the case's rock. The callback learns which handle it runs for
 * from it, so that an event at a reused address is never taken for the one
 * freed there before. Tokens live until the case ends.
 */
#define TOKEN_MAGIC 0x70726f74u
struct rock_token {
    unsigned magic;
    size_t rec;
    json_t *value;           /* the case's rock, borrowed; NULL for null */
};

/*
 * Tokens come from blocks of the driver's own, not one malloc() each: a
 * malloc() of the driver's between the library's free() of an event and its
 * malloc() of the next would change which memory the next event gets, and
 * so whether a stale handle finds it, from one allocator to another.
 */
#define TOKENS_PER_BLOCK 256
struct token_block {
    struct token_block *next;
    size_t used;
    struct rock_token t[TOKENS_PER_BLOCK];
};

/* A group kept across the selects that name it. */
struct group {
    const char *name;
    struct protgroup *g;
};

/* What a meanwhile step does from outside once the clock reaches `at`. */
struct outside {
    long at;
    json_t *what;            /* borrowed from the case */
};

enum jump { JUMP_NONE, JUMP_BLOCKED, JUMP_ERROR };

static struct {
    int active;
    const char *id;
    long now;
    json_t *trace;
    struct stream *streams;
    size_t nstreams;
    struct event *events;
    size_t nevents;
    struct handle_rec *handles;
    size_t nhandles, cap_handles;
    struct token_block *tokens; /* every token of the case, to free at its end */
    struct group *groups;
    size_t ngroups;
    struct outside *outside;   /* in time order; the first `done_outside` are done */
    int echoing;               /* some stream echoes: its writer is read back before each wait */
    size_t noutside, done_outside;
    sigjmp_buf jb;
    char error[1024];
    /* the step in progress, for a `blocked` entry */
    const char *read_kind;
    const char *read_stream;
    /* spin detection */
    long spin_at;
    long spins;
    /* what the step in progress allocated, freed by teardown() when the step
       does not return (a blocked read); so that valgrind's leak check after
       each case sees the C layer's leaks alone */
    unsigned char *step_buf;
    struct protgroup *step_group;
} C;

static long g_now;            /* the virtual clock, also outside cases */
static int g_allow_ub;        /* CYRUS_DRIVER_VALGRIND: run undefined behaviour */
static long g_pselect_calls;  /* for the start-up check */

/* Probe of the start-up check. */
static struct {
    int active;
    struct protstream *ps;
    int calls;
    int dontblock_seen;
    void *rock_seen;
    struct protstream *stream_seen;
} P;

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("cyrus driver: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void *zcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) die("out of memory");
    return p;
}

/* Ends the case with an error answer. */
static void abort_case(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void abort_case(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(C.error, sizeof C.error, fmt, ap);
    va_end(ap);
    if (!C.active) die("%s", C.error);
    siglongjmp(C.jb, JUMP_ERROR);
}

static void undefined_behaviour(const char *what) {
    if (g_allow_ub) {
        fprintf(stderr, "cyrus driver: case %s, t=%ld: running undefined behaviour on purpose: %s\n", C.id, C.now, what);
#ifdef HAVE_VALGRIND_H
        VALGRIND_PRINTF("cyrus driver: case %s, t=%ld: undefined behaviour follows: %s\n", C.id, C.now, what);
#endif
        return;
    }
    abort_case("undefined behaviour in the C code: %s; run under valgrind (CYRUS_DRIVER_VALGRIND=1)", what);
}

/* Latin-1 bytes from a JSON string (UTF-8, code points up to U+00FF). */
static unsigned char *latin1_from_json(json_t *s, size_t *len) {
    const unsigned char *u = (const unsigned char *)json_string_value(s);
    size_t n = json_string_length(s);
    unsigned char *out = zcalloc(n + 1, 1);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned c = u[i];
        if (c < 0x80) {
            out[o++] = (unsigned char)c;
            i++;
        } else if ((c & 0xe0) == 0xc0 && i + 1 < n) {
            unsigned cp = ((c & 0x1f) << 6) | (u[i + 1] & 0x3f);
            if (cp > 0xff) abort_case("a byte string holds the character U+%04X, above U+00FF", cp);
            out[o++] = (unsigned char)cp;
            i += 2;
        } else {
            abort_case("a byte string holds a character above U+00FF");
        }
    }
    *len = o;
    return out;
}

/* A JSON string (UTF-8) of Latin-1 bytes. */
static json_t *json_from_latin1(const unsigned char *b, size_t len) {
    char *u = zcalloc(2 * len + 1, 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (b[i] < 0x80) u[o++] = (char)b[i];
        else {
            u[o++] = (char)(0xc0 | (b[i] >> 6));
            u[o++] = (char)(0x80 | (b[i] & 0x3f));
        }
    }
    json_t *j = json_stringn(u, o);
    free(u);
    return j;
}

static ssize_t real_read(int fd, void *buf, size_t n) { return syscall(SYS_read, fd, buf, n); }

static void push(json_t *entry) {
    if (json_array_size(C.trace) >= TRACE_LIMIT) {
        json_decref(entry);
        abort_case("the trace passed %d entries", TRACE_LIMIT);
    }
    json_array_append_new(C.trace, entry);
}

/* Reads back what the paired writers handed on, as `flush` entries at this instant. */
static void drain_writers(void) {
    if (!C.active) return;
    for (size_t i = 0; i < C.nstreams; i++) {
        struct stream *s = &C.streams[i];
        if (s->out_r < 0) continue;
        unsigned char buf[65536];
        for (;;) {
            ssize_t n = real_read(s->out_r, buf, sizeof buf);
            if (n <= 0) break;
            /* The peer echoes at once: the bytes are input from this instant. */
            for (ssize_t off = 0; s->echo && s->in_w >= 0 && off < n;) {
                ssize_t w = write(s->in_w, buf + off, (size_t)(n - off));
                if (w < 0) abort_case("cannot echo into the input of %s: %s", s->name, strerror(errno));
                off += w;
            }
            json_t *last = json_array_size(C.trace) ? json_array_get(C.trace, json_array_size(C.trace) - 1) : NULL;
            json_t *lf = last ? json_object_get(last, "flush") : NULL;
            if (lf && strcmp(json_string_value(lf), s->name) == 0 &&
                json_integer_value(json_object_get(last, "t")) == C.now) {
                json_t *old = json_object_get(last, "data");
                size_t olen;
                unsigned char *ob = latin1_from_json(old, &olen);
                unsigned char *nb = zcalloc(olen + (size_t)n, 1);
                memcpy(nb, ob, olen);
                memcpy(nb + olen, buf, (size_t)n);
                json_object_set_new(last, "data", json_from_latin1(nb, olen + (size_t)n));
                free(ob);
                free(nb);
            } else {
                push(json_pack("{sI ss so}", "t", (json_int_t)C.now, "flush", s->name,
                               "data", json_from_latin1(buf, (size_t)n)));
            }
        }
    }
}

/* ------------------------------------------------------------------ */
/* The clock and the scripted input                                    */
/* ------------------------------------------------------------------ */

/* Writes every arrival due by `t` into its pipe, and ends the inputs due by `t`. */
static void deliver_until(long t) {
    for (size_t i = 0; i < C.nstreams; i++) {
        struct stream *s = &C.streams[i];
        if (s->in_w < 0) continue;
        while (s->next_arr < s->narr && s->arr[s->next_arr].at <= t &&
               !(s->has_end && s->arr[s->next_arr].at > s->end)) {
            struct arrival *a = &s->arr[s->next_arr++];
            size_t off = 0;
            while (off < a->len) {
                ssize_t n = write(s->in_w, a->data + off, a->len - off);
                if (n < 0) abort_case("cannot write the input of %s into its pipe: %s", s->name, strerror(errno));
                off += (size_t)n;
            }
        }
        if (s->has_end && s->end <= t) {
            close(s->in_w);
            s->in_w = -1;
            s->failed = s->fail_errno != 0;
        }
    }
}

/* The next instant after now at which the input of `s` changes, or -1. */
static long next_change(const struct stream *s) {
    if (s->in_w < 0) return -1;
    long t = -1;
    if (s->next_arr < s->narr && !(s->has_end && s->arr[s->next_arr].at > s->end)) t = s->arr[s->next_arr].at;
    if (s->has_end && (t < 0 || s->end < t)) t = s->end;
    return t;
}

static void outside_step(json_t *st);

static void advance_clock(long t) {
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

/* The read in progress can never complete: trace it and end the case. */
static void blocked(void) __attribute__((noreturn));
static void blocked(void) {
    drain_writers();
    if (C.read_kind)
        push(json_pack("{sI ss sb}", "t", (json_int_t)C.now, C.read_kind, C.read_stream, "blocked", 1));
    siglongjmp(C.jb, JUMP_BLOCKED);
}

static struct stream *stream_by_input_fd(int fd) {
    for (size_t i = 0; i < C.nstreams; i++)
        if (C.streams[i].in_r == fd) return &C.streams[i];
    return NULL;
}

/* ------------------------------------------------------------------ */
/* The interposed system calls                                         */
/* ------------------------------------------------------------------ */

time_t time(time_t *t) {
    time_t v = (time_t)g_now;
    if (t) *t = v;
    return v;
}

/* How many of the descriptors in the sets are ready now, as the kernel says; the sets are narrowed to them. */
static int ready_now(int nfds, fd_set *r, fd_set *w, fd_set *e, int narrow) {
    int count = 0;
    fd_set rr, ww, ee;
    FD_ZERO(&rr);
    FD_ZERO(&ww);
    FD_ZERO(&ee);
    for (int fd = 0; fd < nfds; fd++) {
        short want = 0;
        if (r && FD_ISSET(fd, r)) want |= POLLIN;
        if (w && FD_ISSET(fd, w)) want |= POLLOUT;
        if (e && FD_ISSET(fd, e)) want |= POLLPRI;
        if (!want) continue;
        struct pollfd p = {.fd = fd, .events = want};
        if (poll(&p, 1, 0) < 0) return -1;
        if (p.revents & POLLNVAL) {
            errno = EBADF;
            return -1;
        }
        if ((want & POLLIN) && (p.revents & (POLLIN | POLLHUP | POLLERR))) { FD_SET(fd, &rr); count++; }
        if ((want & POLLOUT) && (p.revents & (POLLOUT | POLLERR))) { FD_SET(fd, &ww); count++; }
        if ((want & POLLPRI) && (p.revents & POLLPRI)) { FD_SET(fd, &ee); count++; }
    }
    if (narrow) {
        if (r) *r = rr;
        if (w) *w = ww;
        if (e) *e = ee;
    }
    return count;
}

/*
 * The common part of select() and pselect(): waits on the virtual clock
 * until a descriptor is ready or the deadline (-1: none) passes.
 */
static int wait_ready(int nfds, fd_set *r, fd_set *w, fd_set *e, long deadline) {
    if (!C.active) {
        /* Outside a case (the start-up check): no clock to wait on. */
        int n = ready_now(nfds, r, w, e, 1);
        return n;
    }
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

ssize_t read(int fd, void *buf, size_t n) {
    struct stream *s = C.active ? stream_by_input_fd(fd) : NULL;
    if (s) {
        if (C.echoing) drain_writers();
        for (;;) {
            int avail = 0;
            if (s->failed && ioctl(fd, FIONREAD, &avail) == 0 && avail == 0) {
                /* Everything that came before the failure has been read. */
                errno = s->fail_errno;
                return -1;
            }
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (poll(&p, 1, 0) < 0) return -1;
            if (p.revents & (POLLIN | POLLHUP | POLLERR)) break;
            int fl = fcntl(fd, F_GETFL);
            if (fl >= 0 && (fl & O_NONBLOCK)) break; /* the kernel answers EAGAIN */
            long t = next_change(s);
            if (t < 0 || t > HORIZON) blocked();
            advance_clock(t);
        }
    }
    return real_read(fd, buf, n);
}

/* The library's host must provide this. */
void fatal(const char *msg, int code) __attribute__((noreturn));
void fatal(const char *msg, int code) {
    if (C.active) abort_case("the C library called fatal(\"%s\", %d)", msg ? msg : "", code);
    die("the C library called fatal(\"%s\", %d)", msg ? msg : "", code);
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

static struct rock_token *new_token(size_t rec, json_t *value) {
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
    for (size_t i = 0; i < C.nevents; i++)
        if (strcmp(C.events[i].name, name) == 0) return (int)i;
    abort_case("no event %s", name);
}

static struct stream *stream_named(const char *name) {
    for (size_t i = 0; i < C.nstreams; i++)
        if (strcmp(C.streams[i].name, name) == 0) return &C.streams[i];
    abort_case("no stream %s", name);
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

static long mark_from(json_t *spec, long now, long old) {
    json_t *v;
    if ((v = json_object_get(spec, "at"))) return (long)json_integer_value(v);
    if ((v = json_object_get(spec, "now"))) return now + (long)json_integer_value(v);
    if ((v = json_object_get(spec, "mark"))) return old + (long)json_integer_value(v);
    return old;
}

static struct prot_waitevent *on_event(struct protstream *ps, struct prot_waitevent *ev, void *rock);

static void add_event(int ei, long mark) {
    struct event *e = &C.events[ei];
    struct stream *s = &C.streams[e->stream];
    struct protstream *ps = live(s, "adding an event");
    if (C.nhandles == C.cap_handles) {
        C.cap_handles = C.cap_handles ? 2 * C.cap_handles : 16;
        C.handles = realloc(C.handles, C.cap_handles * sizeof *C.handles);
        if (!C.handles) die("out of memory");
    }
    size_t rec = C.nhandles;
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
    if (!r->alive) {
        /* The freed pointer is compared with the list: an event now at its address would go. */
        struct handle_rec *holder = rec_of(r->ptr);
        if (holder) {
            char what[320];
            snprintf(what, sizeof what,
                     "removing event %s through its handle, which prot_removewaitevent() has freed and whose memory "
                     "event %s now holds",
                     C.events[r->event].name, C.events[holder->event].name);
            undefined_behaviour(what);
        }
    }
    int present = r->alive && on_list(ps, r->ptr);
    prot_removewaitevent(ps, r->ptr);
    if (present) r->alive = 0;
}

static json_t *pick_script(json_t *on, int firing) {
    if (json_array_size(on) > 0 && json_is_array(json_array_get(on, 0))) {
        size_t n = json_array_size(on);
        size_t i = (size_t)firing < n ? (size_t)firing : n - 1;
        return json_array_get(on, i);
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
    int ei = r->event;
    struct event *e = &C.events[ei];
    struct stream *own = &C.streams[e->stream];
    if (ps != own->ps) abort_case("event %s was called for another stream than its own", e->name);

    drain_writers();
    json_t *entry = json_pack("{sI ss sI}", "t", (json_int_t)C.now, "fire", e->name, "mark", (json_int_t)ev->mark);
    if (tok->value) json_object_set(entry, "rock", tok->value);
    push(entry);

    json_t *script = pick_script(e->on, e->firings++);
    size_t i;
    json_t *a;
    json_array_foreach(script, i, a) {
        json_t *v;
        if ((v = json_object_get(a, "set-mark"))) {
            json_t *tn = json_object_get(v, "event");
            const char *tname = tn ? json_string_value(tn) : e->name;
            struct prot_waitevent *t = touch(tn ? handle_of(tname) : self_rec, tname, "set-mark writes the mark of");
            t->mark = (time_t)mark_from(v, C.now, (long)t->mark);
        } else if ((v = json_object_get(a, "remove"))) {
            const char *tname = json_string_value(v);
            int self = strcmp(tname, "self") == 0;
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
        } else if ((v = json_object_get(a, "add"))) {
            const char *aname = json_string_value(json_object_get(v, "event"));
            add_event(event_index(aname), mark_from(v, C.now, 0));
        } else if ((v = json_object_get(a, "rock"))) {
            touch(self_rec, e->name, "a rock action writes the rock of");
            ev->rock = new_token(self_rec, json_is_null(v) ? NULL : v);
        } else if (json_object_get(a, "reset-timeout")) {
            prot_resettimeout(live(own, "reset-timeout"));
        } else if ((v = json_object_get(a, "write"))) {
            if (!own->writer) abort_case("event %s writes, but stream %s has no paired writer (flushOnRead)", e->name, own->name);
            size_t len;
            unsigned char *b = latin1_from_json(v, &len);
            prot_write(own->writer, (const char *)b, (unsigned)len);
            if (own->echo) own->total_in += len; /* it comes back: a line read's buffer must hold it */
            free(b);
        } else if (json_object_get(a, "throw")) {
            abort_case("a C callback cannot throw (the case should be tagged throw)");
        } else if ((v = json_object_get(a, "return"))) {
            if (json_is_null(v)) return NULL;
            /* prot_fill() reads the returned event's mark. */
            touch(self_rec, e->name, "returning");
            return ev;
        } else {
            abort_case("unknown action in the script of %s", e->name);
        }
    }
    touch(self_rec, e->name, "returning");
    return ev;
}

/* ------------------------------------------------------------------ */
/* Steps                                                               */
/* ------------------------------------------------------------------ */

static void push_read(const char *kind, const char *name, json_t *result_key_value_obj) {
    drain_writers();
    json_t *entry = json_pack("{sI ss}", "t", (json_int_t)C.now, kind, name);
    json_object_update(entry, result_key_value_obj);
    json_decref(result_key_value_obj);
    push(entry);
}

/* The outcome of a read that returned nothing. */
static json_t *failure(struct protstream *ps) {
    const char *err = prot_error(ps);
    if (!err) return json_pack("{sb}", "wouldblock", 1);
    if (strcmp(err, EOF_STRING) == 0) return json_pack("{sb}", "eof", 1);
    return json_pack("{ss}", "error", err);
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
        push_read("read-line", name, failure(ps));
    } else {
        size_t len = size;
        while (len > 0 && buf[len - 1] != 0) len--;
        len = len > 0 ? len - 1 : 0;
        if (len > 0 && buf[len - 1] == '\n') {
            len--;
            if (len > 0 && buf[len - 1] == '\r') len--;
        }
        push_read("read-line", name, json_pack("{so}", "line", json_from_latin1(buf, len)));
    }
    free(buf);
    C.step_buf = NULL;
}

static void step_getc(const char *name) {
    struct stream *s = stream_named(name);
    struct protstream *ps = live(s, "getc");
    begin_read("getc", name);
    int c = prot_getc(ps);
    end_read();
    if (c == EOF) push_read("getc", name, failure(ps));
    else push_read("getc", name, json_pack("{sI}", "byte", (json_int_t)c));
}

static void step_read(json_t *spec) {
    const char *name = json_string_value(json_object_get(spec, "stream"));
    long n = (long)json_integer_value(json_object_get(spec, "n"));
    struct stream *s = stream_named(name);
    struct protstream *ps = live(s, "read");
    if (n <= 0) abort_case("read of %ld bytes", n);
    unsigned char *buf = C.step_buf = zcalloc((size_t)n, 1);
    begin_read("read", name);
    int got = prot_read(ps, (char *)buf, (unsigned)n);
    end_read();
    if (got <= 0) push_read("read", name, failure(ps));
    else push_read("read", name, json_pack("{so}", "data", json_from_latin1(buf, (size_t)got)));
    free(buf);
    C.step_buf = NULL;
}

/* The group a select names, made by its first select; NULL for a select without one. */
static struct group *kept_group(json_t *spec) {
    json_t *gn = json_object_get(spec, "group");
    if (!gn) return NULL;
    const char *name = json_string_value(gn);
    for (size_t k = 0; k < C.ngroups; k++)
        if (strcmp(C.groups[k].name, name) == 0) return &C.groups[k];
    C.groups = realloc(C.groups, (C.ngroups + 1) * sizeof *C.groups);
    if (!C.groups) die("out of memory");
    C.groups[C.ngroups] = (struct group){.name = name, .g = NULL};
    return &C.groups[C.ngroups++];
}

static void step_select(json_t *spec) {
    json_t *names = json_object_get(spec, "streams");
    json_t *to = json_object_get(spec, "timeout");
    struct group *kept = kept_group(spec);
    struct protgroup *g = kept ? kept->g : NULL;
    size_t i;
    json_t *n;
    if (g) {
        json_array_foreach(names, i, n) live(stream_named(json_string_value(n)), "select");
    } else {
        g = protgroup_new(0);
        json_array_foreach(names, i, n) protgroup_insert(g, live(stream_named(json_string_value(n)), "select"));
        if (kept) kept->g = g;
        else C.step_group = g; /* freed at teardown if a callback ends the run inside the select */
    }
    struct timeval tv = {0, 0};
    struct timeval *tvp = NULL;
    if (to && !json_is_null(to)) {
        tv.tv_sec = (time_t)json_integer_value(to);
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
    json_t *ready = json_array();
    json_array_foreach(names, i, n) {
        struct protstream *ps = stream_named(json_string_value(n))->ps;
        int in = 0;
        for (size_t k = 0; out && protgroup_getelement(out, k); k++)
            if (protgroup_getelement(out, k) == ps) in = 1;
        int dup = 0;
        for (size_t k = 0; k < i; k++)
            if (strcmp(json_string_value(json_array_get(names, k)), json_string_value(n)) == 0) dup = 1;
        if (in && !dup) json_array_append(ready, n);
    }
    if (out) protgroup_free(out);
    drain_writers();
    push(json_pack("{sI so}", "t", (json_int_t)C.now, "select", ready));
}

/* Peek as prot.h's prot_peek() does it: a byte read, then given back. */
static void step_peek(const char *name) {
    struct stream *s = stream_named(name);
    struct protstream *ps = live(s, "peek");
    begin_read("peek", name);
    int c = prot_getc(ps);
    if (c != EOF) prot_ungetc(c, ps);
    end_read();
    if (c == EOF) push_read("peek", name, failure(ps));
    else push_read("peek", name, json_pack("{sI}", "byte", (json_int_t)c));
}

static void step_events(const char *name) {
    struct stream *s = stream_named(name);
    struct protstream *ps = live(s, "events");
    json_t *list = json_array();
    for (struct prot_waitevent *p = FIELD(ps, OFF_WAITEVENT, struct prot_waitevent *); p; p = p->next) {
        struct handle_rec *r = rec_of(p);
        char item[512];
        snprintf(item, sizeof item, "%s@%ld", r ? C.events[r->event].name : "?", (long)p->mark);
        json_array_append_new(list, json_string(item));
    }
    drain_writers();
    push(json_pack("{sI ss so}", "t", (json_int_t)C.now, "events", name, "list", list));
}

#ifdef PROT_FROM_SOURCE
/* The read callback of a read-callback step: traces that it ran. Its rock is the stream. */
static void on_read_callback(struct protstream *ps, void *rock) {
    (void)ps;
    drain_writers();
    push(json_pack("{sI ss}", "t", (json_int_t)C.now, "read-callback", ((struct stream *)rock)->name));
}
#endif

/* A step that may also come from outside, through meanwhile: add-event, remove-event or set-mark. */
static void outside_step(json_t *st) {
    json_t *v;
    if ((v = json_object_get(st, "add-event"))) {
        add_event(event_index(json_string_value(json_object_get(v, "event"))), mark_from(v, C.now, 0));
    } else if ((v = json_object_get(st, "remove-event"))) {
        /* A name, or {event, stream}: removed through that stream, which may not hold it. */
        const char *name = json_is_string(v) ? json_string_value(v) : json_string_value(json_object_get(v, "event"));
        struct stream *via = json_is_string(v) ? &C.streams[C.events[event_index(name)].stream]
                                               : stream_named(json_string_value(json_object_get(v, "stream")));
        remove_event(via, handle_of(name));
    } else if ((v = json_object_get(st, "set-mark"))) {
        const char *name = json_string_value(json_object_get(v, "event"));
        struct prot_waitevent *h = touch(handle_of(name), name, "set-mark writes the mark of");
        h->mark = (time_t)mark_from(v, C.now, (long)h->mark);
    } else {
        abort_case("unknown step from outside");
    }
}

static void run_step(json_t *st) {
    json_t *v;
    C.spins = 0;
    if ((v = json_object_get(st, "read-line"))) step_read_line(json_string_value(v));
    else if ((v = json_object_get(st, "getc"))) step_getc(json_string_value(v));
    else if ((v = json_object_get(st, "read"))) step_read(v);
    else if ((v = json_object_get(st, "select"))) step_select(v);
    else if ((v = json_object_get(st, "advance"))) {
        long t = (long)json_integer_value(v);
        if (t > C.now) advance_clock(t);
    } else if ((v = json_object_get(st, "set-timeout"))) {
        struct stream *s = stream_named(json_string_value(json_object_get(v, "stream")));
        prot_settimeout(live(s, "set-timeout"), (int)json_integer_value(json_object_get(v, "ticks")));
    } else if ((v = json_object_get(st, "reset-timeout"))) {
        prot_resettimeout(live(stream_named(json_string_value(v)), "reset-timeout"));
    } else if ((v = json_object_get(st, "nonblocking"))) {
        struct stream *s = stream_named(json_string_value(json_object_get(v, "stream")));
        FIELD(live(s, "nonblocking"), OFF_DONTBLOCK, int) = json_is_true(json_object_get(v, "value")) ? 1 : 0;
    } else if (json_object_get(st, "add-event") || json_object_get(st, "remove-event") || json_object_get(st, "set-mark")) {
        outside_step(st);
    } else if ((v = json_object_get(st, "meanwhile"))) {
        long at = (long)json_integer_value(json_object_get(v, "at"));
        json_t *what = json_object_get(v, "do");
        if (at <= C.now) {
            outside_step(what);
        } else {
            C.outside = realloc(C.outside, (C.noutside + 1) * sizeof *C.outside);
            if (!C.outside) die("out of memory");
            size_t k = C.noutside++;
            while (k > C.done_outside && C.outside[k - 1].at > at) {
                C.outside[k] = C.outside[k - 1];
                k--;
            }
            C.outside[k] = (struct outside){.at = at, .what = what};
        }
    } else if ((v = json_object_get(st, "peek"))) step_peek(json_string_value(v));
    else if ((v = json_object_get(st, "events"))) step_events(json_string_value(v));
    else if ((v = json_object_get(st, "write"))) {
        struct stream *s = stream_named(json_string_value(json_object_get(v, "stream")));
        live(s, "write");
        if (!s->writer) abort_case("stream %s has no paired writer (flushOnRead)", s->name);
        size_t len;
        unsigned char *b = latin1_from_json(json_object_get(v, "data"), &len);
        prot_write(s->writer, (const char *)b, (unsigned)len);
        if (s->echo) s->total_in += len; /* it comes back: a line read's buffer must hold it */
        free(b);
    } else if ((v = json_object_get(st, "read-callback"))) {
#ifdef PROT_FROM_SOURCE
        struct stream *s = stream_named(json_string_value(v));
        prot_setreadcallback(live(s, "read-callback"), on_read_callback, s);
#else
        abort_case("read-callback is unsupported: prot_setreadcallback() is not exported by libcyrus.so.0");
#endif
    } else if ((v = json_object_get(st, "close"))) {
        struct stream *s = stream_named(json_string_value(v));
        prot_free(live(s, "close"));
        s->closed = 1;
    } else {
        abort_case("unknown step");
    }
}

/* ------------------------------------------------------------------ */
/* A case                                                              */
/* ------------------------------------------------------------------ */

static int make_pipe(int p[2], size_t need) {
    if (pipe2(p, O_CLOEXEC) < 0) return -1;
    long want = (long)need + 4096;
    if (want > 65536) {
        if (want > 1048576) want = 1048576;
        if (fcntl(p[1], F_SETPIPE_SZ, (int)want) < 0) { /* keep the default */ }
    }
    return 0;
}

static void setup(json_t *c) {
    json_t *streams = json_object_get(c, "streams");
    json_t *events = json_object_get(c, "events");
    C.nstreams = json_object_size(streams);
    C.streams = zcalloc(C.nstreams, sizeof *C.streams);
    for (size_t k = 0; k < C.nstreams; k++)
        C.streams[k].in_r = C.streams[k].in_w = C.streams[k].out_r = C.streams[k].out_w = -1;
    const char *key;
    json_t *sp;
    size_t i = 0;
    json_object_foreach(streams, key, sp) {
        struct stream *s = &C.streams[i++];
        s->name = key;
        json_t *input = json_object_get(sp, "input");
        s->narr = json_array_size(input);
        s->arr = zcalloc(s->narr, sizeof *s->arr);
        for (size_t k = 0; k < s->narr; k++) {
            json_t *a = json_array_get(input, k);
            s->arr[k].at = (long)json_integer_value(json_object_get(a, "at"));
            s->arr[k].data = latin1_from_json(json_object_get(a, "data"), &s->arr[k].len);
            s->total_in += s->arr[k].len;
        }
        json_t *end = json_object_get(sp, "end");
        if (end && json_is_integer(end)) {
            s->has_end = 1;
            s->end = (long)json_integer_value(end);
        }
        json_t *error = json_object_get(sp, "error");
        if (error) {
            /* The library reports a failed read() as strerror(errno): find the errno with this text. */
            const char *want = json_string_value(error);
            for (int e = 1; e < 200 && !s->fail_errno; e++)
                if (strcmp(strerror(e), want) == 0) s->fail_errno = e;
            if (!s->fail_errno) abort_case("the input of %s fails with \"%s\", which is the text of no errno here", s->name, want);
        }
        s->echo = json_is_true(json_object_get(sp, "echo"));
        if (s->echo) C.echoing = 1;
        int p[2];
        if (s->total_in > 1048576) abort_case("the input of %s is larger than a pipe can hold", s->name);
        if (make_pipe(p, s->total_in) < 0) abort_case("cannot open a pipe: %s", strerror(errno));
        s->in_r = p[0];
        s->in_w = p[1];
        s->ps = prot_new(s->in_r, 0);
        long timeout = (long)json_integer_value(json_object_get(sp, "timeout"));
        if (timeout > 0) prot_settimeout(s->ps, (int)timeout);
        if (json_is_true(json_object_get(sp, "nonBlocking"))) FIELD(s->ps, OFF_DONTBLOCK, int) = 1;
        if (json_is_true(json_object_get(sp, "flushOnRead"))) {
            if (make_pipe(p, 1048576) < 0) abort_case("cannot open a pipe: %s", strerror(errno));
            s->out_r = p[0];
            s->out_w = p[1];
            fcntl(s->out_r, F_SETFL, fcntl(s->out_r, F_GETFL) | O_NONBLOCK);
            s->writer = prot_new(s->out_w, 1);
            prot_setflushonread(s->ps, s->writer);
        }
    }
    C.nevents = json_object_size(events);
    C.events = zcalloc(C.nevents, sizeof *C.events);
    i = 0;
    json_object_foreach(events, key, sp) {
        struct event *e = &C.events[i++];
        e->name = key;
        e->on = json_object_get(sp, "on");
        json_t *rock = json_object_get(sp, "rock");
        e->rock = rock && !json_is_null(rock) ? rock : NULL;
        const char *sn = json_string_value(json_object_get(sp, "stream"));
        e->stream = -1;
        for (size_t k = 0; k < C.nstreams; k++)
            if (sn && strcmp(C.streams[k].name, sn) == 0) e->stream = (int)k;
        if (e->stream < 0) abort_case("event %s names no stream of the case", key);
    }
    deliver_until(0);
    i = 0;
    json_object_foreach(events, key, sp) {
        json_t *m = json_object_get(sp, "mark");
        if (m && json_is_integer(m)) add_event((int)i, (long)json_integer_value(m));
        i++;
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
                if (!r) die("an event the driver never added is on the list of stream %s", s->name);
                remove_event(s, (size_t)(r - C.handles));
            }
            prot_free(s->ps);
        }
        if (s->writer) prot_free(s->writer);
        if (s->in_r >= 0) close(s->in_r);
        if (s->in_w >= 0) close(s->in_w);
        if (s->out_r >= 0) close(s->out_r);
        if (s->out_w >= 0) close(s->out_w);
        for (size_t k = 0; k < s->narr; k++) free(s->arr[k].data);
        free(s->arr);
    }
    /*
     * The events still on the lists of streams the case freed leak in C. Under
     * valgrind they are left to leak, so that its leak check names them with
     * the case; otherwise the driver frees them, and a long run stays small.
     */
    for (size_t i = 0; i < C.nhandles; i++)
        if (C.handles[i].alive) {
            C.handles[i].alive = 0;
#ifdef HAVE_VALGRIND_H
            if (RUNNING_ON_VALGRIND) continue;
#endif
            free(C.handles[i].ptr);
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
    C.streams = NULL;
    C.events = NULL;
    C.handles = NULL;
    C.groups = NULL;
    C.outside = NULL;
    C.ngroups = C.noutside = C.done_outside = 0;
    C.nstreams = C.nevents = C.nhandles = C.cap_handles = 0;
}

/* Runs a case; returns the answer (trace or error). */
static json_t *run_case(json_t *c, json_int_t seq) {
    memset(&C, 0, sizeof C);
    C.trace = json_array();
    C.spin_at = -1;
    g_now = 0;
    const char *id = json_string_value(json_object_get(c, "id"));
    C.id = id ? id : "?";
#ifdef HAVE_VALGRIND_H
    unsigned errors_before = VALGRIND_COUNT_ERRORS;
#endif
    int how = sigsetjmp(C.jb, 1);
    if (how == 0) {
        C.active = 1;
        setup(c);
        size_t i;
        json_t *st;
        json_array_foreach(json_object_get(c, "steps"), i, st) run_step(st);
        drain_writers();
    } else if (how == JUMP_BLOCKED) {
        /* The trace ends with the blocked read. */
    }
    C.active = 0;
    teardown();
    g_now = 0;
#ifdef HAVE_VALGRIND_H
    if (RUNNING_ON_VALGRIND) {
        /*
         * A leak check of what this case added: the blocks it left allocated
         * with no pointer to them, such as the events of a stream it freed.
         * Counted as errors too when run with --errors-for-leak-kinds=definite.
         */
        static unsigned long lost_before, lost_blocks_before;
        unsigned long lost, dubious, reachable, suppressed;
        unsigned long lost_blocks, dubious_blocks, reachable_blocks, suppressed_blocks;
        VALGRIND_DO_ADDED_LEAK_CHECK;
        VALGRIND_COUNT_LEAKS(lost, dubious, reachable, suppressed);
        VALGRIND_COUNT_LEAK_BLOCKS(lost_blocks, dubious_blocks, reachable_blocks, suppressed_blocks);
        (void)dubious, (void)reachable, (void)suppressed, (void)dubious_blocks, (void)reachable_blocks, (void)suppressed_blocks;
        if (lost > lost_before)
            VALGRIND_PRINTF("cyrus driver: case %s: %lu bytes in %lu blocks definitely lost (leaked) during the case\n",
                            id ? id : "?", lost - lost_before, lost_blocks - lost_blocks_before);
        lost_before = lost;
        lost_blocks_before = lost_blocks;
        unsigned errors = VALGRIND_COUNT_ERRORS - errors_before;
        if (errors) VALGRIND_PRINTF("cyrus driver: case %s: %u error(s) above\n", id ? id : "?", errors);
    }
#endif
    json_t *answer;
    if (how == JUMP_ERROR) {
        answer = json_pack("{sI ss}", "seq", seq, "error", C.error);
        json_decref(C.trace);
    } else {
        answer = json_pack("{sI so}", "seq", seq, "trace", C.trace);
    }
    C.trace = NULL;
    return answer;
}

/* ------------------------------------------------------------------ */
/* The start-up check of the offsets and of the interposition          */
/* ------------------------------------------------------------------ */

static struct prot_waitevent *probe_event(struct protstream *ps, struct prot_waitevent *ev, void *rock) {
    P.calls++;
    P.stream_seen = ps;
    P.dontblock_seen = FIELD(ps, OFF_DONTBLOCK, int);
    P.rock_seen = rock;
    ev->mark = (time_t)(g_now + 100); /* not due again, and no negative sleep */
    return ev;
}

static void on_probe_alarm(int sig) {
    (void)sig;
    static const char msg[] = "cyrus driver: the start-up check hangs in a blocking read: the library's read() "
                              "does not reach the driver's\n";
    ssize_t n = write(2, msg, sizeof msg - 1);
    (void)n;
    _exit(1);
}

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            snprintf(why, whylen, __VA_ARGS__);                            \
            return 0;                                                      \
        }                                                                  \
    } while (0)

/*
 * Checks that the library behaves as the driver assumes: its calls reach the
 * interposed clock, select and read, and the offsets into struct protstream
 * and the layout of struct prot_waitevent are those of this build.
 */
static int self_check(char *why, size_t whylen) {
    static int tag1, tag2;
    int p[2];
    CHECK(pipe2(p, O_CLOEXEC) == 0, "cannot open a pipe: %s", strerror(errno));
    g_now = 1000;
    struct protstream *ps = prot_new(p[0], 0);
    CHECK(FIELD(ps, OFF_FD, int) == p[0], "struct protstream: fd is not at offset %#zx", OFF_FD);
    CHECK(FIELD(ps, OFF_DONTBLOCK, int) == 0, "struct protstream: a new stream has a non-zero int at %#zx (dontblock)", OFF_DONTBLOCK);
    CHECK(FIELD(ps, OFF_WAITEVENT, void *) == NULL, "struct protstream: a new stream has a non-null pointer at %#zx (waitevent)", (size_t)OFF_WAITEVENT);

    prot_settimeout(ps, 37);
    CHECK(FIELD(ps, OFF_READ_TIMEOUT, int) == 37, "struct protstream: prot_settimeout(s, 37) did not set the int at %#zx", OFF_READ_TIMEOUT);
    CHECK(FIELD(ps, OFF_TIMEOUT_MARK, time_t) == 1037,
          "prot_settimeout(s, 37) at virtual time 1000 set the timeout mark to %ld, not 1037: the library does not call the driver's time()",
          (long)FIELD(ps, OFF_TIMEOUT_MARK, time_t));
    prot_settimeout(ps, 0);

    struct prot_waitevent *e1 = prot_addwaitevent(ps, 999, probe_event, &tag1);
    struct prot_waitevent *e2 = prot_addwaitevent(ps, 5000, probe_event, &tag2);
    CHECK(e1 && e2, "prot_addwaitevent() returned NULL");
    CHECK(FIELD(ps, OFF_WAITEVENT, struct prot_waitevent *) == e1,
          "struct protstream: the head of the event list is not at offset %#zx", (size_t)OFF_WAITEVENT);
    CHECK(e1->mark == 999 && e1->proc == probe_event && e1->rock == &tag1 && e1->next == e2 && e2->next == NULL,
          "struct prot_waitevent is not {mark, proc, rock, next}");

    /* prot_flush() of a read stream switches dontblock on, drains, and switches it off. */
    P.active = 1;
    long selects = g_pselect_calls;
    prot_flush(ps);
    P.active = 0;
    CHECK(P.calls == 1, "prot_flush() in non-blocking mode ran the due event %d times, not once", P.calls);
    CHECK(P.stream_seen == ps && P.rock_seen == &tag1, "the callback did not get its stream and rock");
    CHECK(P.dontblock_seen == 1,
          "struct protstream: the int at %#zx was %d, not 1, while prot_flush() had the stream non-blocking",
          OFF_DONTBLOCK, P.dontblock_seen);
    CHECK(FIELD(ps, OFF_DONTBLOCK, int) == 0, "struct protstream: the int at %#zx (dontblock) is not 0 after prot_flush()", OFF_DONTBLOCK);
    CHECK(g_pselect_calls > selects, "the library's select did not reach the driver's pselect()");
    CHECK(e1->mark == 1100, "the callback's new mark did not stick");

    /* Writing the flag makes reads non-blocking: one pass, then EOF with no error. */
    FIELD(ps, OFF_DONTBLOCK, int) = 1;
    e1->mark = 1000;
    int c = prot_getc(ps);
    CHECK(c == EOF && prot_error(ps) == NULL && P.calls == 2,
          "setting the int at %#zx did not make prot_getc() run one pass and return EOF without an error",
          OFF_DONTBLOCK);
    FIELD(ps, OFF_DONTBLOCK, int) = 0;

    prot_removewaitevent(ps, e1);
    CHECK(FIELD(ps, OFF_WAITEVENT, struct prot_waitevent *) == e2, "prot_removewaitevent() did not unlink the head");
    prot_removewaitevent(ps, e2);
    CHECK(FIELD(ps, OFF_WAITEVENT, struct prot_waitevent *) == NULL, "prot_removewaitevent() left the list non-empty");
    prot_free(ps);
    close(p[0]);
    close(p[1]);

    /* A blocking read without timeout reaches the driver's read() and its clock. */
    memset(&C, 0, sizeof C);
    C.trace = json_array();
    g_now = 0;
    struct arrival a = {.at = 7, .data = (unsigned char *)"x", .len = 1};
    struct stream s = {.name = "probe", .arr = &a, .narr = 1, .out_r = -1, .out_w = -1};
    CHECK(pipe2(p, O_CLOEXEC) == 0, "cannot open a pipe: %s", strerror(errno));
    s.in_r = p[0];
    s.in_w = p[1];
    s.ps = prot_new(p[0], 0);
    C.streams = &s;
    C.nstreams = 1;
    /* Should the library's read() not reach the driver, it would block for ever. */
    signal(SIGALRM, on_probe_alarm);
    alarm(10);
    int how = sigsetjmp(C.jb, 1);
    if (how == 0) {
        C.active = 1;
        c = prot_getc(s.ps);
    } else {
        c = -2;
    }
    C.active = 0;
    alarm(0);
    signal(SIGALRM, SIG_DFL);
    prot_free(s.ps);
    close(p[0]);
    if (s.in_w >= 0) close(s.in_w);
    json_decref(C.trace);
    long t = C.now;
    memset(&C, 0, sizeof C);
    g_now = 0;
    CHECK(c == 'x' && t == 7, "a blocking prot_getc() did not wait on the driver's read() for input arriving at 7 (got %d at %ld)", c, t);
    return 1;
}

/* ------------------------------------------------------------------ */
/* The protocol                                                        */
/* ------------------------------------------------------------------ */

#define PROTOCOL_VERSION 2

struct declared {
    const char *id;
    const char *reason;
};

/* DEVIATIONS[], made from deviations.yaml; see README.md. */
#include "deviations.h"

static const struct declared UNSUPPORTED[] = {
    {"throw", "C callbacks cannot throw"},
#ifndef PROT_FROM_SOURCE
    {"read-callback", "prot_setreadcallback() is not exported by Debian's libcyrus.so.0 (it lacks EXPORTED in 3.6.1)"},
#endif
};

static void answer(json_t *msg) {
    char *s = json_dumps(msg, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (!s) die("cannot encode an answer");
    fputs(s, stdout);
    fputc('\n', stdout);
    fflush(stdout);
    free(s);
    json_decref(msg);
}

static json_t *implementation(void) {
    json_t *dev = json_array();
    for (size_t i = 0; DEVIATIONS[i].id; i++) {
#ifdef HAVE_VALGRIND_H
        /* valgrind's allocator does not hand a freed block out again at once, so there such a deviation
           does not show and the C trace follows the rule: declaring it would make an unexpected pass. */
        if (RUNNING_ON_VALGRIND && DEVIATIONS[i].depends_on_allocator) continue;
#endif
        json_array_append_new(dev, json_pack("{ss ss}", "id", DEVIATIONS[i].id, "reason", DEVIATIONS[i].reason));
    }
    json_t *uns = json_array();
    for (size_t i = 0; i < sizeof UNSUPPORTED / sizeof *UNSUPPORTED; i++)
        json_array_append_new(uns, json_pack("{ss ss}", "tag", UNSUPPORTED[i].id, "reason", UNSUPPORTED[i].reason));
    /* prot_fill() runs events only for a stream with a read timeout or non-blocking (R_NO_TIMEOUT). */
    json_t *quirks = json_pack("[s]", "events-need-read-timeout");
    return json_pack("{ss ss ss ss so so so}", "name", DRIVER_NAME, "version", DRIVER_VERSION, "language", "C",
                     "profile", DRIVER_PROFILE, "deviations", dev, "unsupported", uns, "quirks", quirks);
}

int main(void) {
    const char *vg = getenv("CYRUS_DRIVER_VALGRIND");
    g_allow_ub = vg && *vg && strcmp(vg, "0") != 0;
#ifdef HAVE_VALGRIND_H
    /* Undefined behaviour runs only where valgrind watches it. */
    if (g_allow_ub && !RUNNING_ON_VALGRIND) {
        fprintf(stderr, "cyrus driver: CYRUS_DRIVER_VALGRIND is set but the driver is not running under valgrind "
                        "(start it through run): undefined behaviour stays refused\n");
        g_allow_ub = 0;
    }
#endif
    signal(SIGPIPE, SIG_IGN);

    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, stdin)) > 0) {
        if (line[len - 1] == '\n') line[--len] = 0;
        if (len == 0) continue;
        json_error_t jerr;
        json_t *msg = json_loadb(line, (size_t)len, JSON_ALLOW_NUL, &jerr);
        if (!msg || !json_is_object(msg)) {
            fprintf(stderr, "cyrus driver: not a JSON object: %.80s\n", line);
            json_decref(msg);
            continue;
        }
        const char *cmd = json_string_value(json_object_get(msg, "cmd"));
        if (cmd && strcmp(cmd, "start") == 0) {
            json_int_t v = json_integer_value(json_object_get(msg, "version"));
            if (v != PROTOCOL_VERSION) {
                char err[160];
                snprintf(err, sizeof err, "protocol version %lld is not supported; this driver speaks %d", (long long)v, PROTOCOL_VERSION);
                answer(json_pack("{sb ss}", "ok", 0, "error", err));
                return 1;
            }
            char why[512] = "";
            if (!self_check(why, sizeof why)) {
                char err[700];
                snprintf(err, sizeof err, "the start-up check of libcyrus.so.0 failed: %s", why);
                answer(json_pack("{sb sI ss}", "ok", 0, "version", (json_int_t)PROTOCOL_VERSION, "error", err));
                return 1;
            }
            answer(json_pack("{sb sI so}", "ok", 1, "version", (json_int_t)PROTOCOL_VERSION, "implementation", implementation()));
        } else if (cmd && strcmp(cmd, "run") == 0) {
            json_int_t seq = json_integer_value(json_object_get(msg, "seq"));
            json_t *c = json_object_get(msg, "case");
            if (!json_is_object(c)) answer(json_pack("{sI ss}", "seq", seq, "error", "the request has no case"));
            else answer(run_case(c, seq));
        } else if (cmd && strcmp(cmd, "stop") == 0) {
            json_decref(msg);
            break;
        } else {
            fprintf(stderr, "cyrus driver: unknown request: %.80s\n", line);
        }
        json_decref(msg);
    }
    free(line);
    return 0;
}
