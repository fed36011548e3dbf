/*
 * The C prot layer of cyrus-imapd in WebAssembly: the driver that
 * build-wasm.sh links with lib/prot.c of a release built from Debian's
 * source, so that a page (the site's playground) or a test in Node runs a
 * case against the C original with no process and no pipes.
 *
 * It follows driver.c (the process driver) step for step, with two
 * boundaries of its own:
 *
 * - Input and output. Instead of JSON lines on stdin and stdout (there is no
 *   jansson for WebAssembly), the host calls two exported functions:
 *   wd_info() answers what the start message would, and wd_run(json) takes
 *   one case as the JSON of the driver protocol's `run` request (the case
 *   object alone) and answers {"trace": [...]}, {"error": "..."} or, for a
 *   step or action this build does not know, {"unsupported": "..."}. A small
 *   JSON reader and writer of its own do the rest.
 * - Descriptors. WebAssembly has no kernel pipes (emscripten's pipes never
 *   report the end of input), so each stream's input and paired writer are
 *   descriptors of a table here: read(), write(), select(), pselect() and
 *   nonblock() (in place of lib/nonblock_fcntl.c) act on that table, on the
 *   virtual clock, as driver.c's interposed calls act on pipes. time() is the
 *   virtual clock, as there.
 *
 * Undefined behaviour in the C code is always refused here: there is no
 * valgrind to watch it. Nothing here comes from the Cyrus sources.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "prot-source.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#else
#define EMSCRIPTEN_KEEPALIVE
#endif

#ifndef DRIVER_NAME
#define DRIVER_NAME "cyrus-imapd prot layer in WebAssembly"
#endif
#ifndef DRIVER_VERSION
#define DRIVER_VERSION "unknown"
#endif
#ifndef DRIVER_PROFILE
#define DRIVER_PROFILE "cyrus"
#endif

#define EOF_STRING "end of file reached"
#define FIELD(s, off, type) (*(type *)((char *)(s) + (off)))

/* The same limits as driver.c. */
#define HORIZON 1000000L
#define SPIN_LIMIT 10000
#define TRACE_LIMIT 200000

/* ------------------------------------------------------------------ */
/* Growing byte strings                                                */
/* ------------------------------------------------------------------ */

struct sb {
    char *p;
    size_t len, cap;
};

static void sb_need(struct sb *b, size_t more) {
    if (b->len + more + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) abort();
    b->p = p;
    b->cap = cap;
}

static void sb_add(struct sb *b, const void *s, size_t n) {
    sb_need(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void sb_str(struct sb *b, const char *s) { sb_add(b, s, strlen(s)); }

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    sb_need(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static void sb_free(struct sb *b) {
    free(b->p);
    *b = (struct sb){0};
}

/* A JSON string of UTF-8 text. */
static void sb_json_utf8(struct sb *b, const char *s, size_t n) {
    sb_add(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            sb_add(b, e, 2);
        } else if (c < 0x20 || c == 0x7f) {
            sb_printf(b, "\\u%04x", c);
        } else {
            sb_add(b, &s[i], 1);
        }
    }
    sb_add(b, "\"", 1);
}

static void sb_json_cstr(struct sb *b, const char *s) { sb_json_utf8(b, s, strlen(s)); }

/* A JSON string of Latin-1 bytes (each byte is the code point of the same value). */
static void sb_json_latin1(struct sb *b, const unsigned char *s, size_t n) {
    sb_add(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            sb_add(b, e, 2);
        } else if (c < 0x20 || c >= 0x7f) {
            sb_printf(b, "\\u%04x", c);
        } else {
            sb_add(b, &s[i], 1);
        }
    }
    sb_add(b, "\"", 1);
}

/* ------------------------------------------------------------------ */
/* A small JSON reader: the case the host sends                        */
/* ------------------------------------------------------------------ */

enum jtype { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };

typedef struct jv {
    enum jtype type;
    long num;                /* J_NUM, when integral */
    int integral;
    const char *raw;         /* J_NUM: its text, echoed as it came */
    size_t rawlen;
    char *s;                 /* J_STR: UTF-8, NUL-terminated (may hold NULs) */
    size_t len;              /* J_STR: bytes; J_ARR, J_OBJ: members */
    char **keys;             /* J_OBJ */
    struct jv **items;       /* J_ARR, J_OBJ */
    struct jv *next_alloc;
} jv;

static jv *j_all;            /* every value of the case, freed at its end */

struct jparse {
    const char *p, *end;
    const char *err;
};

static jv *j_new(enum jtype t) {
    jv *v = calloc(1, sizeof *v);
    if (!v) abort();
    v->type = t;
    v->next_alloc = j_all;
    j_all = v;
    return v;
}

static void j_free_all(void) {
    while (j_all) {
        jv *v = j_all;
        j_all = v->next_alloc;
        if (v->type == J_OBJ)
            for (size_t i = 0; i < v->len; i++) free(v->keys[i]);
        free(v->keys);
        free(v->items);
        free(v->s);
        free(v);
    }
}

static void j_ws(struct jparse *j) {
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

static void utf8_put(struct sb *b, unsigned cp) {
    char u[4];
    size_t n;
    if (cp < 0x80) { u[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { u[0] = (char)(0xc0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 0x3f)); n = 2; }
    else if (cp < 0x10000) { u[0] = (char)(0xe0 | (cp >> 12)); u[1] = (char)(0x80 | ((cp >> 6) & 0x3f)); u[2] = (char)(0x80 | (cp & 0x3f)); n = 3; }
    else { u[0] = (char)(0xf0 | (cp >> 18)); u[1] = (char)(0x80 | ((cp >> 12) & 0x3f)); u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); u[3] = (char)(0x80 | (cp & 0x3f)); n = 4; }
    sb_add(b, u, n);
}

static int hex4(const char *p, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

/* A string at j->p (its opening quote), into b. */
static int j_string(struct jparse *j, struct sb *b) {
    j->p++;
    while (j->p < j->end && *j->p != '"') {
        char c = *j->p++;
        if (c != '\\') {
            sb_add(b, &c, 1);
            continue;
        }
        if (j->p >= j->end) break;
        char e = *j->p++;
        switch (e) {
        case '"': case '\\': case '/': sb_add(b, &e, 1); break;
        case 'b': sb_add(b, "\b", 1); break;
        case 'f': sb_add(b, "\f", 1); break;
        case 'n': sb_add(b, "\n", 1); break;
        case 'r': sb_add(b, "\r", 1); break;
        case 't': sb_add(b, "\t", 1); break;
        case 'u': {
            unsigned cp;
            if (j->end - j->p < 4 || !hex4(j->p, &cp)) { j->err = "a bad \\u escape"; return 0; }
            j->p += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u') {
                unsigned lo;
                if (hex4(j->p + 2, &lo) && lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    j->p += 6;
                }
            }
            utf8_put(b, cp);
            break;
        }
        default: j->err = "a bad escape"; return 0;
        }
    }
    if (j->p >= j->end) { j->err = "an unterminated string"; return 0; }
    j->p++;
    return 1;
}

static jv *j_value(struct jparse *j, int depth) {
    j_ws(j);
    if (j->p >= j->end) { j->err = "unexpected end"; return NULL; }
    if (depth > 64) { j->err = "nested too deep"; return NULL; }
    char c = *j->p;
    if (c == '{' || c == '[') {
        int obj = c == '{';
        jv *v = j_new(obj ? J_OBJ : J_ARR);
        size_t cap = 0;
        j->p++;
        j_ws(j);
        if (j->p < j->end && *j->p == (obj ? '}' : ']')) { j->p++; return v; }
        for (;;) {
            char *key = NULL;
            if (obj) {
                j_ws(j);
                if (j->p >= j->end || *j->p != '"') { j->err = "an object key is not a string"; return NULL; }
                struct sb k = {0};
                sb_add(&k, "", 0);
                if (!j_string(j, &k)) { sb_free(&k); return NULL; }
                key = k.p;
                j_ws(j);
                if (j->p >= j->end || *j->p != ':') { free(key); j->err = "a missing ':'"; return NULL; }
                j->p++;
            }
            jv *item = j_value(j, depth + 1);
            if (!item) { free(key); return NULL; }
            if (v->len == cap) {
                cap = cap ? 2 * cap : 8;
                v->items = realloc(v->items, cap * sizeof *v->items);
                if (obj) v->keys = realloc(v->keys, cap * sizeof *v->keys);
                if (!v->items || (obj && !v->keys)) abort();
            }
            if (obj) v->keys[v->len] = key;
            v->items[v->len++] = item;
            j_ws(j);
            if (j->p < j->end && *j->p == ',') { j->p++; continue; }
            if (j->p < j->end && *j->p == (obj ? '}' : ']')) { j->p++; return v; }
            j->err = obj ? "a missing ',' or '}'" : "a missing ',' or ']'";
            return NULL;
        }
    }
    if (c == '"') {
        struct sb s = {0};
        sb_add(&s, "", 0);
        if (!j_string(j, &s)) { sb_free(&s); return NULL; }
        jv *v = j_new(J_STR);
        v->s = s.p;
        v->len = s.len;
        return v;
    }
    static const struct { const char *word; enum jtype t; } words[] = {{"null", J_NULL}, {"true", J_TRUE}, {"false", J_FALSE}};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i].word);
        if ((size_t)(j->end - j->p) >= n && memcmp(j->p, words[i].word, n) == 0) {
            j->p += n;
            return j_new(words[i].t);
        }
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        const char *start = j->p;
        int integral = 1;
        if (*j->p == '-') j->p++;
        while (j->p < j->end && ((*j->p >= '0' && *j->p <= '9') || *j->p == '.' || *j->p == 'e' || *j->p == 'E' || *j->p == '+' || *j->p == '-')) {
            if (*j->p == '.' || *j->p == 'e' || *j->p == 'E') integral = 0;
            j->p++;
        }
        jv *v = j_new(J_NUM);
        v->raw = start;
        v->rawlen = (size_t)(j->p - start);
        v->integral = integral;
        v->num = integral ? strtol(start, NULL, 10) : (long)strtod(start, NULL);
        return v;
    }
    j->err = "an unexpected character";
    return NULL;
}

static jv *jget(const jv *o, const char *key) {
    if (!o || o->type != J_OBJ) return NULL;
    for (size_t i = 0; i < o->len; i++)
        if (strcmp(o->keys[i], key) == 0) return o->items[i];
    return NULL;
}

static const char *jstr(const jv *v) { return v && v->type == J_STR ? v->s : NULL; }
static long jint(const jv *v) { return v && v->type == J_NUM ? v->num : 0; }
static size_t jlen(const jv *v) { return v && (v->type == J_ARR || v->type == J_OBJ) ? v->len : 0; }
static jv *jat(const jv *v, size_t i) { return v && v->type == J_ARR && i < v->len ? v->items[i] : NULL; }
static int jtrue(const jv *v) { return v && v->type == J_TRUE; }
static int jnull(const jv *v) { return v && v->type == J_NULL; }
static int jisint(const jv *v) { return v && v->type == J_NUM && v->integral; }

/* A value as JSON again (a rock goes back into the trace as it came). */
static void sb_json_value(struct sb *b, const jv *v) {
    switch (v->type) {
    case J_NULL: sb_str(b, "null"); break;
    case J_TRUE: sb_str(b, "true"); break;
    case J_FALSE: sb_str(b, "false"); break;
    case J_NUM: sb_add(b, v->raw, v->rawlen); break;
    case J_STR: sb_json_utf8(b, v->s, v->len); break;
    case J_ARR:
    case J_OBJ:
        sb_str(b, v->type == J_ARR ? "[" : "{");
        for (size_t i = 0; i < v->len; i++) {
            if (i) sb_str(b, ",");
            if (v->type == J_OBJ) {
                sb_json_cstr(b, v->keys[i]);
                sb_str(b, ":");
            }
            sb_json_value(b, v->items[i]);
        }
        sb_str(b, v->type == J_ARR ? "]" : "}");
        break;
    }
}

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
    int in_fd, out_fd;       /* descriptors of the table below; out_fd is -1 without a paired writer */
    struct arrival *arr;
    size_t narr, next_arr;
    int has_end;
    long end;
    int ended;               /* the end of input was delivered */
    size_t total_in;
    int fail_errno;          /* the input fails at `end` with this error instead of ending, or 0 */
    int echo;                /* what the paired writer hands on comes back as input */
    struct sb q;             /* delivered input; read up to qoff */
    size_t qoff;
    struct sb out;           /* what the paired writer wrote, not yet traced */
    struct protstream *ps;
    struct protstream *writer;
    int closed;
};

struct event {
    const char *name;
    int stream;
    const jv *rock;          /* NULL for null */
    const jv *on;
    int firings;
    int added;
    size_t rec;
};

struct handle_rec {
    struct prot_waitevent *ptr;
    int event;
    int alive;
};

#define TOKEN_MAGIC 0x70726f74u
struct rock_token {
    unsigned magic;
    size_t rec;
    const jv *value;
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

struct group {
    const char *name;
    struct protgroup *g;
};

struct outside {
    long at;
    const jv *what;
};

/* The descriptor table: a stream's input, or its paired writer's output. */
#define FD_FIRST 3
#define FD_COUNT 256
struct vfd {
    int used;
    int stream;
    int out;
    int nonblock;
};

enum jump { JUMP_NONE, JUMP_BLOCKED, JUMP_ERROR, JUMP_UNSUPPORTED };

static struct {
    int active;
    const char *id;
    long now;
    struct sb trace;
    size_t entries;
    /* the last entry, while it is a flush that later output of the same instant extends */
    int pending;
    size_t pending_stream;
    long pending_t;
    struct sb pending_data;
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
    size_t noutside, done_outside;
    int echoing;
    struct protgroup *step_group;
    struct vfd fds[FD_COUNT];
    jmp_buf jb;
    char error[1024];
    const char *read_kind;
    const char *read_stream;
    long spin_at;
    long spins;
} C;

static long g_now;

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static void *zcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) abort();
    return p;
}

static void abort_case(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void abort_case(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(C.error, sizeof C.error, fmt, ap);
    va_end(ap);
    if (!C.active) abort();
    longjmp(C.jb, JUMP_ERROR);
}

/* A step or action this build does not know: the case is not run, rather than run wrongly. */
static void unsupported(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void unsupported(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(C.error, sizeof C.error, fmt, ap);
    va_end(ap);
    longjmp(C.jb, JUMP_UNSUPPORTED);
}

static void undefined_behaviour(const char *what) {
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
            if (cp > 0xff) { free(out); abort_case("a byte string holds the character U+%04X, above U+00FF", cp); }
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

/* The pending flush becomes an entry of the trace. */
static void settle_flush(void) {
    if (!C.pending) return;
    C.pending = 0;
    if (C.entries) sb_str(&C.trace, ",");
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

/* Appends an entry, given as the JSON members after "t". */
static void push(const char *members) {
    settle_flush();
    count_entry();
    if (C.entries > 1) sb_str(&C.trace, ",");
    sb_printf(&C.trace, "{\"t\":%ld,%s}", C.now, members);
}

/* What the paired writers wrote, as `flush` entries at this instant. */
static void drain_writers(void) {
    if (!C.active) return;
    for (size_t i = 0; i < C.nstreams; i++) {
        struct stream *s = &C.streams[i];
        if (s->out.len == 0) continue;
        if (!(C.pending && C.pending_stream == i && C.pending_t == C.now)) {
            settle_flush();
            count_entry();
            C.pending = 1;
            C.pending_stream = i;
            C.pending_t = C.now;
        }
        sb_add(&C.pending_data, s->out.p, s->out.len);
        /* The peer echoes at once: the bytes are input from this instant. */
        if (s->echo && !s->ended) sb_add(&s->q, s->out.p, s->out.len);
        s->out.len = 0;
    }
}

/* ------------------------------------------------------------------ */
/* The clock and the scripted input                                    */
/* ------------------------------------------------------------------ */

static void deliver_until(long t) {
    for (size_t i = 0; i < C.nstreams; i++) {
        struct stream *s = &C.streams[i];
        if (s->ended) continue;
        while (s->next_arr < s->narr && s->arr[s->next_arr].at <= t &&
               !(s->has_end && s->arr[s->next_arr].at > s->end)) {
            struct arrival *a = &s->arr[s->next_arr++];
            sb_add(&s->q, a->data, a->len);
        }
        if (s->has_end && s->end <= t) s->ended = 1;
    }
}

static long next_change(const struct stream *s) {
    if (s->ended) return -1;
    long t = -1;
    if (s->next_arr < s->narr && !(s->has_end && s->arr[s->next_arr].at > s->end)) t = s->arr[s->next_arr].at;
    if (s->has_end && (t < 0 || s->end < t)) t = s->end;
    return t;
}

static void outside_step(const jv *st);

static void advance_clock(long t) {
    if (t <= C.now) return;
    drain_writers();
    /* As driver.c: what meanwhile steps do on the way, each at its time, after the input due then. */
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

static void blocked(void) __attribute__((noreturn));
static void blocked(void) {
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
    longjmp(C.jb, JUMP_BLOCKED);
}

/* ------------------------------------------------------------------ */
/* The descriptor table and the calls the library makes on it          */
/* ------------------------------------------------------------------ */

static struct vfd *vfd_of(int fd) {
    if (fd < FD_FIRST || fd >= FD_COUNT || !C.fds[fd].used) return NULL;
    return &C.fds[fd];
}

static int vfd_open(int stream, int out) {
    for (int fd = FD_FIRST; fd < FD_COUNT; fd++)
        if (!C.fds[fd].used) {
            C.fds[fd] = (struct vfd){.used = 1, .stream = stream, .out = out};
            return fd;
        }
    abort_case("more streams than the descriptor table holds");
}

/* Readable: input waiting, or its end reached (as a pipe whose writer closed). */
static int vfd_readable(const struct vfd *v) {
    const struct stream *s = &C.streams[v->stream];
    return !v->out && (s->q.len > s->qoff || s->ended);
}

time_t time(time_t *t) {
    time_t v = (time_t)g_now;
    if (t) *t = v;
    return v;
}

/* lib/nonblock.h: the driver's table keeps the flag that fcntl() keeps for a pipe. */
void nonblock(int fd, int mode) {
    struct vfd *v = vfd_of(fd);
    if (v) v->nonblock = mode != 0;
}

static int ready_now(int nfds, fd_set *r, fd_set *w, fd_set *e, int narrow) {
    int count = 0;
    fd_set rr, ww, ee;
    FD_ZERO(&rr);
    FD_ZERO(&ww);
    FD_ZERO(&ee);
    for (int fd = 0; fd < nfds; fd++) {
        int wr = r && FD_ISSET(fd, r), ww_ = w && FD_ISSET(fd, w), we = e && FD_ISSET(fd, e);
        if (!wr && !ww_ && !we) continue;
        struct vfd *v = vfd_of(fd);
        if (!v) {
            errno = EBADF;
            return -1;
        }
        if (wr && vfd_readable(v)) { FD_SET(fd, &rr); count++; }
        if (ww_ && v->out) { FD_SET(fd, &ww); count++; }
    }
    if (narrow) {
        if (r) *r = rr;
        if (w) *w = ww;
        if (e) *e = ee;
    }
    return count;
}

static int wait_ready(int nfds, fd_set *r, fd_set *w, fd_set *e, long deadline) {
    if (!C.active) return ready_now(nfds, r, w, e, 1);
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
        long next = deadline;
        for (int fd = 0; fd < nfds && r; fd++) {
            if (!FD_ISSET(fd, r)) continue;
            struct vfd *v = vfd_of(fd);
            long t = v && !v->out ? next_change(&C.streams[v->stream]) : -1;
            if (t >= 0 && (next < 0 || t < next)) next = t;
        }
        if (next < 0 || next > HORIZON) blocked();
        advance_clock(next);
    }
}

int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts, const sigset_t *mask) {
    (void)mask;
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
        long left = deadline - g_now;
        tv->tv_sec = left > 0 ? left : 0;
        tv->tv_usec = 0;
    }
    return n;
}

ssize_t read(int fd, void *buf, size_t n) {
    struct vfd *v = vfd_of(fd);
    if (!v || v->out) {
        errno = EBADF;
        return -1;
    }
    struct stream *s = &C.streams[v->stream];
    if (C.echoing) drain_writers();
    if (s->ended && s->fail_errno && s->q.len == s->qoff) {
        /* Everything that came before the failure has been read. */
        errno = s->fail_errno;
        return -1;
    }
    while (!vfd_readable(v)) {
        if (v->nonblock) {
            errno = EAGAIN;
            return -1;
        }
        long t = next_change(s);
        if (t < 0 || t > HORIZON) blocked();
        advance_clock(t);
    }
    if (s->ended && s->fail_errno && s->q.len == s->qoff) {
        errno = s->fail_errno;
        return -1;
    }
    size_t have = s->q.len - s->qoff;
    if (n > have) n = have;
    if (n) memcpy(buf, s->q.p + s->qoff, n);
    s->qoff += n;
    return (ssize_t)n;
}

ssize_t write(int fd, const void *buf, size_t n) {
    struct vfd *v = vfd_of(fd);
    if (!v || !v->out) {
        errno = EBADF;
        return -1;
    }
    sb_add(&C.streams[v->stream].out, buf, n);
    return (ssize_t)n;
}

void fatal(const char *msg, int code) __attribute__((noreturn));
void fatal(const char *msg, int code) {
    abort_case("the C library called fatal(\"%s\", %d)", msg ? msg : "", code);
}

/* ------------------------------------------------------------------ */
/* Events                                                              */
/* ------------------------------------------------------------------ */

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

static void add_event(int ei, long mark) {
    struct event *e = &C.events[ei];
    struct stream *s = &C.streams[e->stream];
    struct protstream *ps = live(s, "adding an event");
    if (C.nhandles == C.cap_handles) {
        C.cap_handles = C.cap_handles ? 2 * C.cap_handles : 16;
        C.handles = realloc(C.handles, C.cap_handles * sizeof *C.handles);
        if (!C.handles) abort();
    }
    size_t rec = C.nhandles;
    struct prot_waitevent *h = prot_addwaitevent(ps, (time_t)mark, on_event, new_token(rec, e->rock));
    C.handles[C.nhandles++] = (struct handle_rec){.ptr = h, .event = ei, .alive = 1};
    e->added = 1;
    e->rec = rec;
}

static size_t handle_of(const char *name) {
    int ei = event_index(name);
    if (!C.events[ei].added) abort_case("event %s was never added", name);
    return C.events[ei].rec;
}

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

static const jv *pick_script(const jv *on, int firing) {
    if (jlen(on) > 0 && jat(on, 0)->type == J_ARR) {
        size_t n = jlen(on);
        return jat(on, (size_t)firing < n ? (size_t)firing : n - 1);
    }
    return on;
}

/* The first member's name of a step or action, for a message. */
static const char *kind_of(const jv *o) { return o && o->type == J_OBJ && o->len ? o->keys[0] : "(empty)"; }

static struct prot_waitevent *on_event(struct protstream *ps, struct prot_waitevent *ev, void *rock) {
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
        } else if (jget(a, "throw")) {
            abort_case("a C callback cannot throw (the case should be tagged throw)");
        } else if ((v = jget(a, "return"))) {
            if (jnull(v)) return NULL;
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

/* A read's entry: `members` follow the kind and the stream's name. */
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
    unsigned char *buf = zcalloc(size, 1);
    /* Lines may hold NULs: the buffer is filled with a non-NUL byte, and the line ends at its last NUL. */
    memset(buf, 0x5a, size);
    begin_read("read-line", name);
    char *p = prot_fgets((char *)buf, (unsigned)size, ps);
    end_read();
    if (!p) {
        free(buf);
        return push_failure("read-line", name, ps);
    }
    size_t len = size;
    while (len > 0 && buf[len - 1] != 0) len--;
    len = len > 0 ? len - 1 : 0;
    if (len > 0 && buf[len - 1] == '\n') {
        len--;
        if (len > 0 && buf[len - 1] == '\r') len--;
    }
    push_bytes("read-line", name, "line", buf, len);
    free(buf);
}

static void step_getc(const char *name) {
    struct stream *s = stream_named(name);
    struct protstream *ps = live(s, "getc");
    begin_read("getc", name);
    int c = prot_getc(ps);
    end_read();
    if (c == EOF) return push_failure("getc", name, ps);
    char m[32];
    snprintf(m, sizeof m, "\"byte\":%d", c);
    push_read("getc", name, m);
}

static void step_read(const jv *spec) {
    const char *name = jstr(jget(spec, "stream"));
    long n = jint(jget(spec, "n"));
    struct stream *s = stream_named(name);
    struct protstream *ps = live(s, "read");
    if (n <= 0) abort_case("read of %ld bytes", n);
    unsigned char *buf = zcalloc((size_t)n, 1);
    begin_read("read", name);
    int got = prot_read(ps, (char *)buf, (unsigned)n);
    end_read();
    if (got <= 0) push_failure("read", name, ps);
    else push_bytes("read", name, "data", buf, (size_t)got);
    free(buf);
}

/* The group a select names, made by its first select; NULL for a select without one. */
static struct group *kept_group(const jv *spec) {
    const char *name = jstr(jget(spec, "group"));
    if (!name) return NULL;
    for (size_t k = 0; k < C.ngroups; k++)
        if (strcmp(C.groups[k].name, name) == 0) return &C.groups[k];
    C.groups = realloc(C.groups, (C.ngroups + 1) * sizeof *C.groups);
    if (!C.groups) abort();
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
        for (size_t i = 0; i < jlen(names); i++) protgroup_insert(g, live(stream_named(jstr(jat(names, i))), "select"));
        if (kept) kept->g = g;
        else C.step_group = g; /* freed at teardown if a callback ends the run inside the select */
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
            sb_json_cstr(&m, n);
            first = 0;
        }
    }
    sb_str(&m, "]");
    if (out) protgroup_free(out);
    drain_writers();
    push(m.p);
    sb_free(&m);
}

/* Peek as prot.h's prot_peek() does it: a byte read, then given back. */
static void step_peek(const char *name) {
    struct stream *s = stream_named(name);
    struct protstream *ps = live(s, "peek");
    begin_read("peek", name);
    int c = prot_getc(ps);
    if (c != EOF) prot_ungetc(c, ps);
    end_read();
    if (c == EOF) return push_failure("peek", name, ps);
    char m[32];
    snprintf(m, sizeof m, "\"byte\":%d", c);
    push_read("peek", name, m);
}

static void step_events(const char *name) {
    struct stream *s = stream_named(name);
    struct protstream *ps = live(s, "events");
    struct sb m = {0};
    sb_str(&m, "\"events\":");
    sb_json_cstr(&m, name);
    sb_str(&m, ",\"list\":[");
    for (struct prot_waitevent *p = FIELD(ps, OFF_WAITEVENT, struct prot_waitevent *); p; p = p->next) {
        struct handle_rec *r = rec_of(p);
        char item[512];
        snprintf(item, sizeof item, "%s@%ld", r ? C.events[r->event].name : "?", (long)p->mark);
        if (p != FIELD(ps, OFF_WAITEVENT, struct prot_waitevent *)) sb_str(&m, ",");
        sb_json_cstr(&m, item);
    }
    sb_str(&m, "]");
    drain_writers();
    push(m.p);
    sb_free(&m);
}

static void on_read_callback(struct protstream *ps, void *rock) {
    (void)ps;
    drain_writers();
    struct sb m = {0};
    sb_str(&m, "\"read-callback\":");
    sb_json_cstr(&m, ((struct stream *)rock)->name);
    push(m.p);
    sb_free(&m);
}

/* A step that may also come from outside, through meanwhile: add-event, remove-event or set-mark. */
static void outside_step(const jv *st) {
    const jv *v;
    if ((v = jget(st, "add-event"))) {
        add_event(event_index(jstr(jget(v, "event"))), mark_from(v, C.now, 0));
    } else if ((v = jget(st, "remove-event"))) {
        /* A name, or {event, stream}: removed through that stream, which may not hold it. */
        const char *name = v->type == J_STR ? jstr(v) : jstr(jget(v, "event"));
        struct stream *via = v->type == J_STR ? &C.streams[C.events[event_index(name)].stream] : stream_named(jstr(jget(v, "stream")));
        remove_event(via, handle_of(name));
    } else if ((v = jget(st, "set-mark"))) {
        const char *name = jstr(jget(v, "event"));
        struct prot_waitevent *h = touch(handle_of(name), name, "set-mark writes the mark of");
        h->mark = (time_t)mark_from(v, C.now, (long)h->mark);
    } else {
        unsupported("the step %s is not known to this build of the driver from outside", kind_of(st));
    }
}

static void run_step(const jv *st) {
    const jv *v;
    C.spins = 0;
    if ((v = jget(st, "read-line"))) step_read_line(jstr(v));
    else if ((v = jget(st, "getc"))) step_getc(jstr(v));
    else if ((v = jget(st, "read"))) step_read(v);
    else if ((v = jget(st, "select"))) step_select(v);
    else if ((v = jget(st, "advance"))) {
        long t = jint(v);
        if (t > C.now) advance_clock(t);
    } else if ((v = jget(st, "set-timeout"))) {
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
            C.outside = realloc(C.outside, (C.noutside + 1) * sizeof *C.outside);
            if (!C.outside) abort();
            size_t k = C.noutside++;
            while (k > C.done_outside && C.outside[k - 1].at > at) {
                C.outside[k] = C.outside[k - 1];
                k--;
            }
            C.outside[k] = (struct outside){.at = at, .what = what};
        }
    } else if ((v = jget(st, "peek"))) step_peek(jstr(v));
    else if ((v = jget(st, "events"))) step_events(jstr(v));
    else if ((v = jget(st, "write"))) {
        struct stream *s = stream_named(jstr(jget(v, "stream")));
        live(s, "write");
        if (!s->writer) abort_case("stream %s has no paired writer (flushOnRead)", s->name);
        size_t len;
        unsigned char *b = latin1_of(jget(v, "data"), &len);
        prot_write(s->writer, (const char *)b, (unsigned)len);
        if (s->echo) s->total_in += len;
        free(b);
    } else if ((v = jget(st, "read-callback"))) {
        struct stream *s = stream_named(jstr(v));
        prot_setreadcallback(live(s, "read-callback"), on_read_callback, s);
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
    for (size_t i = 0; i < C.nstreams; i++) {
        struct stream *s = &C.streams[i];
        const jv *sp = streams->items[i];
        s->name = streams->keys[i];
        s->in_fd = s->out_fd = -1;
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
        const jv *error = jget(sp, "error");
        if (error) {
            /* The library reports a failed read() as strerror(errno): find the errno with this text. */
            const char *want = jstr(error);
            for (int e = 1; e < 200 && !s->fail_errno; e++)
                if (want && strcmp(strerror(e), want) == 0) s->fail_errno = e;
            if (!s->fail_errno) abort_case("the input of %s fails with \"%s\", which is the text of no errno here", s->name, want ? want : "");
        }
        s->echo = jtrue(jget(sp, "echo"));
        if (s->echo) C.echoing = 1;
        /* The same bound as a pipe of driver.c. */
        if (s->total_in > 1048576) abort_case("the input of %s is larger than a pipe can hold", s->name);
        sb_need(&s->q, s->total_in);
        s->in_fd = vfd_open((int)i, 0);
        s->ps = prot_new(s->in_fd, 0);
        long timeout = jint(jget(sp, "timeout"));
        if (timeout > 0) prot_settimeout(s->ps, (int)timeout);
        if (jtrue(jget(sp, "nonBlocking"))) FIELD(s->ps, OFF_DONTBLOCK, int) = 1;
        if (jtrue(jget(sp, "flushOnRead"))) {
            s->out_fd = vfd_open((int)i, 1);
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
        e->on = jget(sp, "on");
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
    if (C.step_group) protgroup_free(C.step_group);
    for (size_t i = 0; i < C.nstreams; i++) {
        struct stream *s = &C.streams[i];
        if (s->ps && !s->closed) {
            struct prot_waitevent *h;
            while ((h = FIELD(s->ps, OFF_WAITEVENT, struct prot_waitevent *))) {
                struct handle_rec *r = rec_of(h);
                if (!r) break; /* cannot happen: every event on a list was added by the driver */
                remove_event(s, (size_t)(r - C.handles));
            }
            prot_free(s->ps);
        }
        if (s->writer) prot_free(s->writer);
        for (size_t k = 0; k < s->narr; k++) free(s->arr[k].data);
        free(s->arr);
        sb_free(&s->q);
        sb_free(&s->out);
    }
    for (size_t i = 0; i < C.nhandles; i++)
        if (C.handles[i].alive) {
            C.handles[i].alive = 0;
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
}

static struct sb g_answer;

/*
 * Runs one case, given as JSON (the case object of the driver protocol's run
 * request), and answers {"trace": [...]}, {"error": "..."} or
 * {"unsupported": "..."}. The answer lives until the next call.
 */
EMSCRIPTEN_KEEPALIVE const char *wd_run(const char *json) {
    sb_free(&g_answer);
    struct jparse j = {.p = json, .end = json + strlen(json)};
    jv *c = j_value(&j, 0);
    if (c) j_ws(&j);
    if (!c || j.p != j.end || c->type != J_OBJ) {
        sb_str(&g_answer, "{\"error\":");
        char msg[160];
        snprintf(msg, sizeof msg, "the case is not a JSON object: %s at offset %ld", j.err ? j.err : "trailing text",
                 (long)(j.p - json));
        sb_json_cstr(&g_answer, msg);
        sb_str(&g_answer, "}");
        j_free_all();
        return g_answer.p;
    }
    /* Every run starts from nothing: the library keeps no state between cases but what is reset here. */
    memset(&C, 0, sizeof C);
    C.spin_at = -1;
    g_now = 0;
    const char *id = jstr(jget(c, "id"));
    C.id = id ? id : "?";
    sb_str(&C.trace, "");
    volatile int how = setjmp(C.jb);
    if (how == 0) {
        C.active = 1;
        setup(c);
        const jv *steps = jget(c, "steps");
        for (size_t i = 0; i < jlen(steps); i++) run_step(jat(steps, i));
        drain_writers();
    }
    settle_flush();
    C.active = 0;
    teardown();
    g_now = 0;
    if (how == JUMP_ERROR || how == JUMP_UNSUPPORTED) {
        sb_str(&g_answer, how == JUMP_ERROR ? "{\"error\":" : "{\"unsupported\":");
        sb_json_cstr(&g_answer, C.error);
        sb_str(&g_answer, "}");
    } else {
        sb_str(&g_answer, "{\"trace\":[");
        sb_add(&g_answer, C.trace.p, C.trace.len);
        sb_str(&g_answer, "]}");
    }
    sb_free(&C.trace);
    sb_free(&C.pending_data);
    j_free_all();
    return g_answer.p;
}

#include "deviations.h"

/*
 * What the start answer of driver.c says of a build from source: name,
 * version, profile, deviations, unsupported tags and quirks, as JSON.
 */
EMSCRIPTEN_KEEPALIVE const char *wd_info(void) {
    sb_free(&g_answer);
    sb_str(&g_answer, "{\"name\":");
    sb_json_cstr(&g_answer, DRIVER_NAME);
    sb_str(&g_answer, ",\"version\":");
    sb_json_cstr(&g_answer, DRIVER_VERSION);
    sb_str(&g_answer, ",\"language\":\"C\",\"profile\":");
    sb_json_cstr(&g_answer, DRIVER_PROFILE);
    sb_str(&g_answer, ",\"deviations\":[");
    for (size_t i = 0; DEVIATIONS[i].id; i++) {
        if (i) sb_str(&g_answer, ",");
        sb_str(&g_answer, "{\"id\":");
        sb_json_cstr(&g_answer, DEVIATIONS[i].id);
        sb_str(&g_answer, ",\"reason\":");
        sb_json_cstr(&g_answer, DEVIATIONS[i].reason);
        sb_str(&g_answer, "}");
    }
    sb_str(&g_answer, "],\"unsupported\":[{\"tag\":\"throw\",\"reason\":\"C callbacks cannot throw\"}],"
                      "\"quirks\":[\"events-need-read-timeout\"]}");
    return g_answer.p;
}
