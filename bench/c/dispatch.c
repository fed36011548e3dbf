/*
 * Wait-event dispatch in the C prot layer of cyrus-imapd (Debian 12's
 * libcyrus.so.0, cyrus-common 3.6.1), under a virtual clock.
 *
 *   dispatch K TICKS
 *
 * One stream reads an empty pipe whose write end stays open, with a read
 * timeout far away, so prot_fill() runs its wait loop: run the due events,
 * then select() until the earliest mark. K events hang on it, event i due
 * at start+1+i; each callback counts a firing and moves its own mark to
 * time(NULL) + K, so exactly one event fires per tick. After TICKS ticks of
 * virtual time the write end is closed, the read sees end of file and the
 * program prints one JSON line: {"k":..,"ticks":..,"firings":..,"ns":..,
 * "cpuNs":..,"selects":..}, ns being the monotonic wall time of the read
 * alone and cpuNs the process's CPU time over the same read (adding the
 * events is not timed).
 *
 * Virtual time, as conformance/drivers/cyrus/driver.c does it: this
 * executable defines time(), select() and pselect(); the library's calls
 * bind to them (-rdynamic), so a "sleep" moves the clock to its deadline at
 * once. read() is the kernel's: the library only reads once select() has
 * said the pipe is ready, which happens when it has been closed.
 *
 * Adding K events with prot_addwaitevent() walks the list to its end each
 * time (O(K^2) in all, minutes at K = 100000), so each event is added to an
 * empty list with prot_addwaitevent() and linked onto the tail here: the
 * resulting list is the one K appends would build, in the same order. The
 * offset of the list head is the driver's, checked after every add.
 *
 * Nothing here comes from the Cyrus sources.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "../../conformance/drivers/cyrus/libcyrus.h"

#define HEAD(s) (*(struct prot_waitevent **)((char *)(s) + OFF_WAITEVENT))

static long g_now = 1000;
static long g_end;
static long g_k;
static int g_wfd = -1;
static int g_rfd = -1;
static unsigned long long g_firings, g_selects;
static int g_spins;

void fatal(const char *msg, int code) __attribute__((noreturn));
void fatal(const char *msg, int code) {
    fprintf(stderr, "dispatch: the C library called fatal(\"%s\", %d)\n", msg ? msg : "", code);
    exit(70);
}

time_t time(time_t *t) {
    if (t) *t = (time_t)g_now;
    return (time_t)g_now;
}

/* Sleeps on the virtual clock until `deadline` (-1: none); the pipe becomes ready at g_end. */
static int wait_ready(int nfds, fd_set *r, fd_set *w, fd_set *e, long deadline) {
    g_selects++;
    if (g_rfd < 0 || g_rfd >= nfds || !r || !FD_ISSET(g_rfd, r)) {
        fprintf(stderr, "dispatch: select() without the stream's descriptor\n");
        exit(70);
    }
    if (deadline < 0 || deadline > g_end) deadline = g_end;
    if (deadline == g_now && g_now < g_end) {
        if (++g_spins > 1000) {
            fprintf(stderr, "dispatch: select() spins at t=%ld\n", g_now);
            exit(70);
        }
    } else {
        g_spins = 0;
    }
    g_now = deadline;
    if (w) FD_ZERO(w);
    if (e) FD_ZERO(e);
    if (g_now >= g_end) {
        if (g_wfd >= 0) {
            close(g_wfd);
            g_wfd = -1;
        }
        FD_ZERO(r);
        FD_SET(g_rfd, r);
        return 1;
    }
    FD_ZERO(r);
    return 0;
}

int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts, const sigset_t *mask) {
    (void)mask;
    long deadline = -1;
    if (ts) deadline = g_now + ts->tv_sec + (ts->tv_nsec > 0 ? 1 : 0);
    return wait_ready(nfds, r, w, e, deadline);
}

int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv) {
    long deadline = -1;
    if (tv) deadline = g_now + tv->tv_sec + (tv->tv_usec > 0 ? 1 : 0);
    int n = wait_ready(nfds, r, w, e, deadline);
    if (tv) {
        long left = deadline - g_now;
        tv->tv_sec = left > 0 ? left : 0;
        tv->tv_usec = 0;
    }
    return n;
}

static struct prot_waitevent *reschedule(struct protstream *s, struct prot_waitevent *ev, void *rock) {
    (void)s;
    (void)rock;
    g_firings++;
    ev->mark = time(NULL) + g_k;
    return ev;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: dispatch K TICKS\n");
        return 2;
    }
    g_k = atol(argv[1]);
    long ticks = atol(argv[2]);
    if (g_k < 1 || ticks < 1) {
        fprintf(stderr, "dispatch: K and TICKS must be positive\n");
        return 2;
    }
    int p[2];
    if (pipe(p) < 0) {
        perror("pipe");
        return 1;
    }
    g_rfd = p[0];
    g_wfd = p[1];
    long start = g_now;
    g_end = start + ticks;
    struct protstream *s = prot_new(g_rfd, 0);
    prot_settimeout(s, 1000000000);
    struct prot_waitevent *tail = NULL;
    for (long i = 0; i < g_k; i++) {
        struct prot_waitevent *head = HEAD(s);
        HEAD(s) = NULL;
        struct prot_waitevent *ev = prot_addwaitevent(s, start + 1 + i, reschedule, NULL);
        if (!ev || HEAD(s) != ev || ev->next != NULL) {
            fprintf(stderr, "dispatch: the list head is not at offset 0x%x\n", OFF_WAITEVENT);
            return 1;
        }
        HEAD(s) = head ? head : ev;
        if (tail) tail->next = ev;
        tail = ev;
    }
    struct timespec t0, t1, c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int c = prot_getc(s);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    if (c != EOF) {
        fprintf(stderr, "dispatch: read a byte (%d) from an empty pipe\n", c);
        return 1;
    }
    const char *err = prot_error(s);
    long long ns = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    long long cpu_ns = (long long)(c1.tv_sec - c0.tv_sec) * 1000000000LL + (c1.tv_nsec - c0.tv_nsec);
    printf("{\"k\":%ld,\"ticks\":%ld,\"firings\":%llu,\"ns\":%lld,\"cpuNs\":%lld,\"selects\":%llu,\"end\":%ld,\"error\":\"%s\"}\n",
           g_k, g_now - start, g_firings, ns, cpu_ns, g_selects, g_now, err ? err : "");
    return 0;
}
