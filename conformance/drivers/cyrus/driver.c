/*
 * The conformance driver for the C prot layer of cyrus-imapd, as a process:
 * Debian 12's compiled libcyrus.so.0 and libcyrus_min.so.0 (cyrus-common
 * 3.6.1; build.sh), or lib/prot.c of a release built from source
 * (build-source.sh). It speaks the JSON-lines driver protocol of
 * conformance/DRIVERS.md on standard input and output and runs each case
 * against the real library, through the case logic of driver-core.c; what is
 * here is its I/O layer.
 *
 * Virtual time. This executable defines time(), select(), pselect() (in
 * driver-core.c) and read(). A shared library's calls to these go through
 * the global symbol scope, where the executable comes before libc, so the
 * prot layer reads the driver's virtual clock and "sleeps" in the driver: a
 * sleep moves the clock straight to the next arrival, end of input or
 * timeout. Everything else (poll, fcntl, write, the driver's own I/O) is the
 * real kernel.
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
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "driver-core.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>
#define HAVE_VALGRIND_H 1
#endif
#endif

/* ------------------------------------------------------------------ */
/* Pipes                                                               */
/* ------------------------------------------------------------------ */

/* A stream's pipes: its input (in_fd reads, in_w writes) and its paired writer's (out_fd writes, out_r reads). */
struct pipes {
    int in_w;                /* -1 once the input has ended */
    int out_r;
    int failed;              /* the input has failed: once the pipe is drained, read() fails with fail_errno */
};

static ssize_t real_read(int fd, void *buf, size_t n) { return syscall(SYS_read, fd, buf, n); }

/* A write to a paired writer's pipe whose peer reads later blocks until then, on the virtual clock. */
ssize_t write(int fd, const void *buf, size_t n) {
    peer_wait(fd);
    return syscall(SYS_write, fd, buf, n);
}

static int make_pipe(int p[2], size_t need) {
    if (pipe2(p, O_CLOEXEC) < 0) return -1;
    long want = (long)need + 4096;
    if (want > 65536) {
        if (want > 1048576) want = 1048576;
        if (fcntl(p[1], F_SETPIPE_SZ, (int)want) < 0) { /* keep the default */ }
    }
    return 0;
}

void io_open(struct stream *s, int writer) {
    struct pipes *io = s->io = zcalloc(1, sizeof *io);
    io->in_w = io->out_r = -1;
    int p[2];
    if (make_pipe(p, s->total_in) < 0) abort_case("cannot open a pipe: %s", strerror(errno));
    s->in_fd = p[0];
    io->in_w = p[1];
    if (writer) {
        if (make_pipe(p, 1048576) < 0) abort_case("cannot open a pipe: %s", strerror(errno));
        io->out_r = p[0];
        s->out_fd = p[1];
        fcntl(io->out_r, F_SETFL, fcntl(io->out_r, F_GETFL) | O_NONBLOCK);
    }
}

void io_deliver(struct stream *s, const unsigned char *data, size_t len) {
    struct pipes *io = s->io;
    for (size_t off = 0; off < len;) {
        ssize_t n = write(io->in_w, data + off, len - off);
        if (n < 0) abort_case("cannot write the input of %s into its pipe: %s", s->name, strerror(errno));
        off += (size_t)n;
    }
}

void io_end_input(struct stream *s) {
    struct pipes *io = s->io;
    close(io->in_w);
    io->in_w = -1;
    io->failed = s->fail_errno != 0;
}

void io_take_output(struct stream *s, struct sb *b) {
    struct pipes *io = s->io;
    unsigned char buf[65536];
    for (;;) {
        ssize_t n = real_read(io->out_r, buf, sizeof buf);
        if (n <= 0) break;
        sb_add(b, buf, (size_t)n);
    }
}

void io_close(struct stream *s) {
    struct pipes *io = s->io;
    if (!io) return;
    if (s->in_fd >= 0) close(s->in_fd);
    if (io->in_w >= 0) close(io->in_w);
    if (io->out_r >= 0) close(io->out_r);
    if (s->out_fd >= 0) close(s->out_fd);
    free(io);
    s->io = NULL;
}

/* As the kernel says, with a poll() that does not wait. */
int io_poll(int fd, int *readable, int *writable, int *urgent) {
    struct pollfd p = {.fd = fd, .events = (short)((*readable ? POLLIN : 0) | (*writable ? POLLOUT : 0) | (*urgent ? POLLPRI : 0))};
    if (poll(&p, 1, 0) < 0) return -1;
    if (p.revents & POLLNVAL) {
        errno = EBADF;
        return -1;
    }
    *readable = *readable && (p.revents & (POLLIN | POLLHUP | POLLERR));
    *writable = *writable && (p.revents & (POLLOUT | POLLERR));
    *urgent = *urgent && (p.revents & POLLPRI);
    return 0;
}

/* A read of a stream's pipe with nothing in it moves the clock to its next arrival or end. */
ssize_t read(int fd, void *buf, size_t n) {
    struct stream *s = C.active ? stream_by_input_fd(fd) : NULL;
    if (s) {
        if (C.echoing) drain_writers();
        struct pipes *io = s->io;
        for (;;) {
            int avail = 0;
            if (io->failed && ioctl(fd, FIONREAD, &avail) == 0 && avail == 0) {
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

/* ------------------------------------------------------------------ */
/* valgrind                                                            */
/* ------------------------------------------------------------------ */

int io_watched(void) {
#ifdef HAVE_VALGRIND_H
    return RUNNING_ON_VALGRIND ? 1 : 0;
#else
    return 0;
#endif
}

void io_case_ended(const char *id) {
#ifdef HAVE_VALGRIND_H
    static unsigned errors_before;
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
            VALGRIND_PRINTF("cyrus driver: case %s: %lu bytes in %lu blocks definitely lost (leaked) during the case\n", id,
                            lost - lost_before, lost_blocks - lost_blocks_before);
        lost_before = lost;
        lost_blocks_before = lost_blocks;
        unsigned errors = VALGRIND_COUNT_ERRORS;
        if (errors > errors_before) VALGRIND_PRINTF("cyrus driver: case %s: %u error(s) above\n", id, errors - errors_before);
        errors_before = errors;
    }
#else
    (void)id;
#endif
}

void io_undefined_follows(const char *what) {
#ifdef HAVE_VALGRIND_H
    VALGRIND_PRINTF("cyrus driver: case %s, t=%ld: undefined behaviour follows: %s\n", C.id, C.now, what);
#else
    (void)what;
#endif
}

/* Probe of the start-up check. */
static struct {
    int active;
    int calls;
    int dontblock_seen;
    void *rock_seen;
    struct protstream *stream_seen;
} P;

extern long g_pselect_calls;

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
    g_now = 0;
    struct arrival a = {.at = 7, .data = (unsigned char *)"x", .len = 1};
    CHECK(pipe2(p, O_CLOEXEC) == 0, "cannot open a pipe: %s", strerror(errno));
    struct pipes io = {.in_w = p[1], .out_r = -1};
    struct stream s = {.name = "probe", .arr = &a, .narr = 1, .in_fd = p[0], .out_fd = -1, .io = &io};
    s.ps = prot_new(p[0], 0);
    C.streams = &s;
    C.nstreams = 1;
    /* Should the library's read() not reach the driver, it would block for ever. */
    signal(SIGALRM, on_probe_alarm);
    alarm(10);
    int how = case_setjmp(C.jb);
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
    if (io.in_w >= 0) close(io.in_w);
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

static void answer(struct sb *msg) {
    fwrite(msg->p, 1, msg->len, stdout);
    fputc('\n', stdout);
    fflush(stdout);
    msg->len = 0;
}

static void answer_error(struct sb *msg, const char *prefix, const char *error) {
    sb_str(msg, prefix);
    sb_str(msg, "\"error\":");
    sb_json_cstr(msg, error);
    sb_str(msg, "}");
    answer(msg);
}

int main(void) {
    const char *vg = getenv("CYRUS_DRIVER_VALGRIND");
    g_allow_ub = vg && *vg && strcmp(vg, "0") != 0;
    /* Undefined behaviour runs only where valgrind watches it. */
    if (g_allow_ub && !io_watched()) {
        fprintf(stderr, "cyrus driver: CYRUS_DRIVER_VALGRIND is set but the driver is not running under valgrind "
                        "(start it through run): undefined behaviour stays refused\n");
        g_allow_ub = 0;
    }
    signal(SIGPIPE, SIG_IGN);

    struct sb out = {0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, stdin)) > 0) {
        if (line[len - 1] == '\n') line[--len] = 0;
        if (len == 0) continue;
        const char *err;
        size_t at;
        jv *msg = j_parse(line, (size_t)len, &err, &at);
        if (!msg || msg->type != J_OBJ) {
            fprintf(stderr, "cyrus driver: not a JSON object: %.80s\n", line);
            j_free_all();
            continue;
        }
        const char *cmd = jstr(jget(msg, "cmd"));
        if (cmd && strcmp(cmd, "start") == 0) {
            long v = jint(jget(msg, "version"));
            if (v != PROTOCOL_VERSION) {
                char e[160];
                snprintf(e, sizeof e, "protocol version %ld is not supported; this driver speaks %d", v, PROTOCOL_VERSION);
                answer_error(&out, "{\"ok\":false,", e);
                return 1;
            }
            char why[512] = "";
            if (!self_check(why, sizeof why)) {
                char e[700];
                snprintf(e, sizeof e, "the start-up check of libcyrus.so.0 failed: %s", why);
                sb_printf(&out, "{\"ok\":false,\"version\":%d,", PROTOCOL_VERSION);
                answer_error(&out, "", e);
                return 1;
            }
            sb_printf(&out, "{\"ok\":true,\"version\":%d,\"implementation\":", PROTOCOL_VERSION);
            implementation_json(&out);
            sb_str(&out, "}");
            answer(&out);
        } else if (cmd && strcmp(cmd, "run") == 0) {
            const jv *seq = jget(msg, "seq");
            char prefix[64];
            snprintf(prefix, sizeof prefix, "{\"seq\":%ld,", jint(seq));
            const jv *c = jget(msg, "case");
            if (!c || c->type != J_OBJ) answer_error(&out, prefix, "the request has no case");
            else {
                int how = run_case(c);
                if (how == JUMP_ERROR || how == JUMP_UNSUPPORTED) answer_error(&out, prefix, C.error);
                else {
                    sb_str(&out, prefix);
                    sb_str(&out, "\"trace\":[");
                    sb_str(&out, case_trace());
                    sb_str(&out, "]}");
                    answer(&out);
                }
                case_done();
            }
        } else if (cmd && strcmp(cmd, "stop") == 0) {
            j_free_all();
            break;
        } else {
            fprintf(stderr, "cyrus driver: unknown request: %.80s\n", line);
        }
        j_free_all();
    }
    free(line);
    sb_free(&out);
    return 0;
}
