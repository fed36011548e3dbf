/*
 * The C server of the select-over-sockets benchmark (bench/select-sockets.ts):
 * accepts N loopback TCP connections, then waits on all of them at once and
 * answers every line it reads, until told to quit. The driver
 * (select_driver.c, another process) makes one connection at a time
 * readable.
 *
 * Lines and answers:
 *   x     -> ok          (the work being measured)
 *   cpu   -> the CPU time this process has used, user + system, in µs
 *   quit  -> bye, then exit
 *
 * How it waits, by MODE:
 *   prot    Debian 12's libcyrus (cyrus-common 3.6.1): a read and a write
 *           protstream per connection, prot_select over the group of read
 *           streams, prot_fgets, prot_write and prot_flush, as a Cyrus
 *           server does. select(2) underneath: N up to FD_SETSIZE (1024).
 *   select  select(2) over the connections, read(2), memchr, write(2): the
 *           plain C loop. N up to FD_SETSIZE.
 *   epoll   epoll_wait(2), level-triggered, then the same reads and writes:
 *           what a C server past FD_SETSIZE uses, and what Node's libuv
 *           waits with.
 *
 * Usage: select_server MODE N
 * Prints the port it listens on (127.0.0.1) on stdout, then serves.
 *
 * Nothing here comes from the Cyrus sources: the prototypes come from
 * conformance/drivers/cyrus/libcyrus.h, as the driver's do.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../conformance/drivers/cyrus/libcyrus.h"
#include "select_common.h"

void fatal(const char *msg, int code) __attribute__((noreturn));
void fatal(const char *msg, int code) {
    fprintf(stderr, "select_server: the library called fatal(\"%s\", %d)\n", msg ? msg : "", code);
    exit(2);
}

static void die(const char *what) {
    fprintf(stderr, "select_server: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* The answer to a line, into out; its length. Exits after answering quit. */
static int answer(const char *line, size_t len, char *out, size_t size, int *quit) {
    if (len == 1 && line[0] == 'x') return snprintf(out, size, "ok\r\n");
    if (len == 3 && memcmp(line, "cpu", 3) == 0) {
        struct rusage ru;
        if (getrusage(RUSAGE_SELF, &ru) < 0) die("getrusage");
        long long us = (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
        return snprintf(out, size, "%lld\r\n", us);
    }
    if (len == 4 && memcmp(line, "quit", 4) == 0) {
        *quit = 1;
        return snprintf(out, size, "bye\r\n");
    }
    fprintf(stderr, "select_server: unexpected line \"%.*s\"\n", (int)len, line);
    exit(1);
}

static void write_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0) {
            if (errno == EINTR) continue;
            die("write");
        }
        buf += w;
        len -= (size_t)w;
    }
}

/* Per connection, for select and epoll: what was read of a line not yet ended. */
struct conn {
    int fd;
    size_t len;
    char buf[64];
};

/* Reads what is there, answers every whole line; 0 when the peer closed. */
static int serve(struct conn *c, int *quit) {
    ssize_t r = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
    if (r < 0) {
        if (errno == EINTR || errno == EAGAIN) return 1;
        die("read");
    }
    if (r == 0) return 0;
    c->len += (size_t)r;
    char out[64];
    size_t at = 0;
    char *nl;
    while ((nl = memchr(c->buf + at, '\n', c->len - at)) != NULL) {
        size_t end = (size_t)(nl - c->buf);
        size_t len = end - at;
        if (len > 0 && c->buf[end - 1] == '\r') len--;
        int n = answer(c->buf + at, len, out, sizeof out, quit);
        write_all(c->fd, out, (size_t)n);
        at = end + 1;
    }
    if (at == 0 && c->len == sizeof c->buf) { fprintf(stderr, "select_server: line too long\n"); exit(1); }
    memmove(c->buf, c->buf + at, c->len - at);
    c->len -= at;
    return 1;
}

/*
 * A read stream's connection. The protstream is opaque (its descriptor is
 * not ours to read), so the streams are sorted by address once and found by
 * binary search: O(log N) per wake-up, as the other modes find theirs in
 * O(1), and not a scan that would bill C for a loop of this program's.
 */
struct byptr {
    struct protstream *s;
    long i;
};

static int cmp_byptr(const void *a, const void *b) {
    const struct protstream *x = ((const struct byptr *)a)->s, *y = ((const struct byptr *)b)->s;
    return x < y ? -1 : x > y;
}

static long index_of(const struct byptr *v, long n, const struct protstream *s) {
    long lo = 0, hi = n - 1;
    while (lo <= hi) {
        long mid = lo + (hi - lo) / 2;
        if (v[mid].s == s) return v[mid].i;
        if (v[mid].s < s) lo = mid + 1; else hi = mid - 1;
    }
    fprintf(stderr, "select_server: prot_select reported a stream not in the group\n");
    exit(1);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s prot|select|epoll N\n", argv[0]);
        return 1;
    }
    const char *mode = argv[1];
    long n = atol(argv[2]);
    int prot = strcmp(mode, "prot") == 0, sel = strcmp(mode, "select") == 0, ep = strcmp(mode, "epoll") == 0;
    if (!prot && !sel && !ep) { fprintf(stderr, "select_server: mode must be prot, select or epoll\n"); return 1; }
    if (n <= 0) { fprintf(stderr, "select_server: bad N\n"); return 1; }
    if (!ep && n > FD_SETSIZE - 16) {
        fprintf(stderr, "select_server: N=%ld: select(2) takes descriptors below FD_SETSIZE=%d\n", n, FD_SETSIZE);
        return 3;
    }
    if (raise_fd_limit((rlim_t)n + 64) < 0) die("setrlimit");

    struct sockaddr_in addr;
    socklen_t alen = sizeof addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0) die("socket");
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
    if (listen(lfd, 4096) < 0) die("listen");
    if (getsockname(lfd, (struct sockaddr *)&addr, &alen) < 0) die("getsockname");
    printf("%d\n", ntohs(addr.sin_port));
    fflush(stdout);

    struct conn *conns = calloc((size_t)n, sizeof *conns);
    if (!conns) die("calloc");
    int maxfd = -1;
    for (long i = 0; i < n; i++) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) die("accept");
        conns[i].fd = fd;
        if (fd > maxfd) maxfd = fd;
    }
    close(lfd);
    int quit = 0;

    if (prot) {
        struct protstream **in = calloc((size_t)n, sizeof *in), **out = calloc((size_t)n, sizeof *out);
        struct byptr *byptr = calloc((size_t)n, sizeof *byptr);
        if (!in || !out || !byptr) die("calloc");
        struct protgroup *g = protgroup_new((size_t)n);
        for (long i = 0; i < n; i++) {
            in[i] = prot_new(conns[i].fd, 0);
            out[i] = prot_new(conns[i].fd, 1);
            protgroup_insert(g, in[i]);
            byptr[i] = (struct byptr){in[i], i};
        }
        qsort(byptr, (size_t)n, sizeof *byptr, cmp_byptr);
        char line[64], reply[64];
        while (!quit) {
            struct protgroup *ready = NULL;
            int got = prot_select(g, PROT_NO_FD, &ready, NULL, NULL);
            if (got < 0) die("prot_select");
            for (int j = 0; j < got; j++) {
                struct protstream *s = protgroup_getelement(ready, (size_t)j);
                long i = index_of(byptr, n, s);
                if (!prot_fgets(line, sizeof line, s)) { fprintf(stderr, "select_server: connection %ld ended\n", i); return 1; }
                size_t len = strcspn(line, "\r\n");
                int r = answer(line, len, reply, sizeof reply, &quit);
                prot_write(out[i], reply, (unsigned)r);
                prot_flush(out[i]);
            }
            protgroup_free(ready);
        }
        return 0;
    }

    if (sel) {
        fd_set all, rd;
        FD_ZERO(&all);
        /* The connection of each descriptor: the loop goes from what select reports to the connection. */
        struct conn **byfd = calloc((size_t)maxfd + 1, sizeof *byfd);
        if (!byfd) die("calloc");
        for (long i = 0; i < n; i++) { FD_SET(conns[i].fd, &all); byfd[conns[i].fd] = &conns[i]; }
        while (!quit) {
            rd = all;
            int got = select(maxfd + 1, &rd, NULL, NULL, NULL);
            if (got < 0) { if (errno == EINTR) continue; die("select"); }
            for (int fd = 0; fd <= maxfd && got > 0; fd++) {
                if (!FD_ISSET(fd, &rd)) continue;
                got--;
                if (!serve(byfd[fd], &quit)) { fprintf(stderr, "select_server: a connection ended\n"); return 1; }
            }
        }
        return 0;
    }

    int efd = epoll_create1(0);
    if (efd < 0) die("epoll_create1");
    for (long i = 0; i < n; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &conns[i]};
        if (epoll_ctl(efd, EPOLL_CTL_ADD, conns[i].fd, &ev) < 0) die("epoll_ctl");
    }
    struct epoll_event evs[64];
    while (!quit) {
        int got = epoll_wait(efd, evs, 64, -1);
        if (got < 0) { if (errno == EINTR) continue; die("epoll_wait"); }
        for (int j = 0; j < got; j++)
            if (!serve(evs[j].data.ptr, &quit)) { fprintf(stderr, "select_server: a connection ended\n"); return 1; }
    }
    return 0;
}
