/*
 * The C prot layer of cyrus-imapd in WebAssembly: the driver that
 * build-wasm.sh links with lib/prot.c of a release built from Debian's
 * source, so that a page (the site's playground) or a test in Node runs a
 * case against the C original with no process and no pipes.
 *
 * The case logic is driver.c's, shared in driver-core.c; what is here is
 * the I/O layer of WebAssembly:
 *
 * - Input and output. Instead of JSON lines on stdin and stdout, the host
 *   calls two exported functions: wd_info() answers what the start message
 *   would, and wd_run(json) takes one case as the JSON of the driver
 *   protocol's `run` request (the case object alone) and answers
 *   {"trace": [...]}, {"error": "..."} or, for a step or action this build
 *   does not know, {"unsupported": "..."}.
 * - Descriptors. WebAssembly has no kernel pipes (emscripten's pipes never
 *   report the end of input), so each stream's input and paired writer are
 *   descriptors of a table here: read(), write() and nonblock() (in place of
 *   lib/nonblock_fcntl.c) act on that table, and driver-core.c's select()
 *   and pselect() ask it what is ready, on the virtual clock, as driver.c's
 *   calls act on pipes.
 *
 * Undefined behaviour in the C code is always refused here: there is no
 * valgrind to watch it. Nothing here comes from the Cyrus sources.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver-core.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#else
#define EMSCRIPTEN_KEEPALIVE
#endif

/* ------------------------------------------------------------------ */
/* The descriptor table and the calls the library makes on it          */
/* ------------------------------------------------------------------ */

/* A stream's bytes: its delivered input, read up to qoff, and what its paired writer wrote, not yet taken. */
struct queues {
    struct sb q;
    size_t qoff;
    int ended;               /* the end of the input (or its failure) was delivered */
    struct sb out;
};

/* A descriptor: a stream's input, or its paired writer's output. */
#define FD_FIRST 3
#define FD_COUNT 256
struct vfd {
    int used;
    int stream;
    int out;
    int nonblock;
};

static struct vfd fds[FD_COUNT];

static struct vfd *vfd_of(int fd) {
    if (fd < FD_FIRST || fd >= FD_COUNT || !fds[fd].used) return NULL;
    return &fds[fd];
}

static int vfd_open(int stream, int out) {
    for (int fd = FD_FIRST; fd < FD_COUNT; fd++)
        if (!fds[fd].used) {
            fds[fd] = (struct vfd){.used = 1, .stream = stream, .out = out};
            return fd;
        }
    abort_case("more streams than the descriptor table holds");
}

static struct queues *queues_of(const struct vfd *v) { return C.streams[v->stream].io; }

/* Readable: input waiting, or its end reached (as a pipe whose writer closed). */
static int vfd_readable(const struct vfd *v) {
    const struct queues *io = queues_of(v);
    return !v->out && (io->q.len > io->qoff || io->ended);
}

void io_open(struct stream *s, int writer) {
    struct queues *io = s->io = zcalloc(1, sizeof *io);
    /* Room for the whole input now: no allocation of the driver's while the case runs its events. */
    sb_reserve(&io->q, s->total_in);
    int index = (int)(s - C.streams);
    s->in_fd = vfd_open(index, 0);
    if (writer) s->out_fd = vfd_open(index, 1);
}

void io_deliver(struct stream *s, const unsigned char *data, size_t len) { sb_add(&((struct queues *)s->io)->q, data, len); }

void io_end_input(struct stream *s) { ((struct queues *)s->io)->ended = 1; }

void io_take_output(struct stream *s, struct sb *b) {
    struct queues *io = s->io;
    if (io->out.len == 0) return;
    sb_add(b, io->out.p, io->out.len);
    io->out.len = 0;
}

void io_close(struct stream *s) {
    struct queues *io = s->io;
    if (!io) return;
    if (vfd_of(s->in_fd)) fds[s->in_fd].used = 0;
    if (vfd_of(s->out_fd)) fds[s->out_fd].used = 0;
    sb_free(&io->q);
    sb_free(&io->out);
    free(io);
    s->io = NULL;
}

int io_poll(int fd, int *readable, int *writable, int *urgent) {
    struct vfd *v = vfd_of(fd);
    if (!v) {
        errno = EBADF;
        return -1;
    }
    *readable = *readable && vfd_readable(v);
    *writable = *writable && v->out;
    *urgent = 0;
    return 0;
}

int io_watched(void) { return 0; }

void io_undefined_follows(const char *what) { (void)what; }

void io_case_ended(const char *id) { (void)id; }

/* lib/nonblock.h: the driver's table keeps the flag that fcntl() keeps for a pipe. */
void nonblock(int fd, int mode) {
    struct vfd *v = vfd_of(fd);
    if (v) v->nonblock = mode != 0;
}

/* A read of a stream's input with nothing in it moves the clock to its next arrival or end. */
ssize_t read(int fd, void *buf, size_t n) {
    struct vfd *v = vfd_of(fd);
    if (!v || v->out) {
        errno = EBADF;
        return -1;
    }
    struct stream *s = &C.streams[v->stream];
    struct queues *io = s->io;
    if (C.echoing) drain_writers();
    while (!vfd_readable(v)) {
        if (v->nonblock) {
            errno = EAGAIN;
            return -1;
        }
        long t = next_change(s);
        if (t < 0 || t > HORIZON) blocked();
        advance_clock(t);
    }
    if (io->ended && s->fail_errno && io->q.len == io->qoff) {
        /* Everything that came before the failure has been read. */
        errno = s->fail_errno;
        return -1;
    }
    size_t have = io->q.len - io->qoff;
    if (n > have) n = have;
    if (n) memcpy(buf, io->q.p + io->qoff, n);
    io->qoff += n;
    return (ssize_t)n;
}

ssize_t write(int fd, const void *buf, size_t n) {
    struct vfd *v = vfd_of(fd);
    if (!v || !v->out) {
        errno = EBADF;
        return -1;
    }
    peer_wait(fd);
    sb_add(&((struct queues *)C.streams[v->stream].io)->out, buf, n);
    return (ssize_t)n;
}

/* ------------------------------------------------------------------ */
/* The exported functions                                              */
/* ------------------------------------------------------------------ */

static struct sb g_answer;

/*
 * Runs one case, given as JSON (the case object of the driver protocol's run
 * request), and answers {"trace": [...]}, {"error": "..."} or
 * {"unsupported": "..."}. The answer lives until the next call.
 */
EMSCRIPTEN_KEEPALIVE const char *wd_run(const char *json) {
    sb_free(&g_answer);
    const char *err;
    size_t at;
    jv *c = j_parse(json, strlen(json), &err, &at);
    if (!c || c->type != J_OBJ) {
        char msg[160];
        snprintf(msg, sizeof msg, "the case is not a JSON object: %s at offset %zu", c ? "not an object" : err, c ? (size_t)0 : at);
        sb_str(&g_answer, "{\"error\":");
        sb_json_cstr(&g_answer, msg);
        sb_str(&g_answer, "}");
        j_free_all();
        return g_answer.p;
    }
    memset(fds, 0, sizeof fds);
    int how = run_case(c);
    if (how == JUMP_ERROR || how == JUMP_UNSUPPORTED) {
        sb_str(&g_answer, how == JUMP_ERROR ? "{\"error\":" : "{\"unsupported\":");
        sb_json_cstr(&g_answer, C.error);
        sb_str(&g_answer, "}");
    } else {
        sb_str(&g_answer, "{\"trace\":[");
        sb_str(&g_answer, case_trace());
        sb_str(&g_answer, "]}");
    }
    case_done();
    j_free_all();
    return g_answer.p;
}

/* What the start answer of driver.c says of a build from source, as JSON. */
EMSCRIPTEN_KEEPALIVE const char *wd_info(void) {
    sb_free(&g_answer);
    implementation_json(&g_answer);
    return g_answer.p;
}
