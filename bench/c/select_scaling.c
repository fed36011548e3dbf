/*
 * Benchmark: the C prot_select of Debian 12's libcyrus (cyrus-common 3.6.1),
 * over N pipe-backed read streams of which one at a time becomes ready.
 *
 * Per iteration: write one byte into a randomly chosen pipe, prot_select()
 * over the whole group with a zero timeout, check that exactly that stream
 * is reported, read the byte back with prot_getc(). CPU time
 * (CLOCK_PROCESS_CPUTIME_ID) is taken around the prot_select call alone and
 * around the whole iteration (write + select + getc); both are reported.
 *
 * N is limited by FD_SETSIZE (1024): prot_select builds an fd_set and calls
 * select(2), so every read descriptor must be < 1024. The read ends are kept
 * low and the write ends moved above 1024 (F_DUPFD), so N = 1000 fits; N =
 * 10,000 cannot run against this library at all (FD_SET past FD_SETSIZE is
 * undefined behaviour, and glibc's fortified FD_SET aborts).
 *
 * Usage: select_scaling N ITERATIONS ROUNDS [SEED]
 * Prints one JSON object per round on stdout.
 *
 * Nothing here comes from the Cyrus sources: the prototypes come from
 * conformance/drivers/cyrus/libcyrus.h, as the driver's do.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "../../conformance/drivers/cyrus/libcyrus.h"
#include "select_common.h"

void fatal(const char *msg, int code) __attribute__((noreturn));
void fatal(const char *msg, int code) {
    fprintf(stderr, "select_scaling: the library called fatal(\"%s\", %d)\n", msg ? msg : "", code);
    exit(2);
}

static void die(const char *what) {
    fprintf(stderr, "select_scaling: %s: %s\n", what, strerror(errno));
    exit(1);
}

static double cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s N ITERATIONS ROUNDS [SEED]\n", argv[0]);
        return 1;
    }
    long n = atol(argv[1]), iters = atol(argv[2]), rounds = atol(argv[3]);
    rng_state = argc > 4 ? strtoull(argv[4], NULL, 10) : 0x9E3779B97F4A7C15ULL;
    if (rng_state == 0) rng_state = 1;
    if (n <= 0 || iters <= 0 || rounds <= 0) { fprintf(stderr, "bad arguments\n"); return 1; }
    if (n > FD_SETSIZE - 16) {
        fprintf(stderr, "select_scaling: N=%ld: prot_select uses select(2), read fds must stay below FD_SETSIZE=%d\n",
                n, FD_SETSIZE);
        return 3;
    }

    /* Room for N low read ends and N write ends moved above FD_SETSIZE. */
    if (raise_fd_limit((rlim_t)FD_SETSIZE + (rlim_t)n + 64) < 0) die("setrlimit");

    int *rfd = calloc((size_t)n, sizeof *rfd), *wfd = calloc((size_t)n, sizeof *wfd);
    struct protstream **ps = calloc((size_t)n, sizeof *ps);
    if (!rfd || !wfd || !ps) die("calloc");
    struct protgroup *g = protgroup_new((size_t)n);
    for (long i = 0; i < n; i++) {
        int p[2];
        if (pipe(p) < 0) die("pipe");
        int hi = fcntl(p[1], F_DUPFD, FD_SETSIZE);
        if (hi < 0) die("fcntl F_DUPFD");
        close(p[1]);
        if (p[0] >= FD_SETSIZE) { fprintf(stderr, "read fd %d >= FD_SETSIZE\n", p[0]); return 1; }
        rfd[i] = p[0];
        wfd[i] = hi;
        ps[i] = prot_new(p[0], 0);
        protgroup_insert(g, ps[i]);
    }

    long warm = iters / 10 + 1;
    for (long r = -1; r < rounds; r++) {
        long count = r < 0 ? warm : iters; /* round -1 is a warm-up, not printed */
        double sel = 0, t0 = cpu_ns();
        for (long k = 0; k < count; k++) {
            long i = (long)(rng() % (uint64_t)n);
            char b = 'x';
            if (write(wfd[i], &b, 1) != 1) die("write");
            struct timeval tv = {0, 0};
            struct protgroup *out = NULL;
            double s0 = cpu_ns();
            int got = prot_select(g, PROT_NO_FD, &out, NULL, &tv);
            sel += cpu_ns() - s0;
            if (got != 1 || !out || protgroup_getelement(out, 0) != ps[i]) {
                fprintf(stderr, "select_scaling: prot_select returned %d, not the one ready stream %ld\n", got, i);
                return 1;
            }
            protgroup_free(out);
            if (prot_getc(ps[i]) != 'x') { fprintf(stderr, "prot_getc: wrong byte\n"); return 1; }
        }
        double total = cpu_ns() - t0;
        if (r >= 0)
            printf("{\"n\":%ld,\"round\":%ld,\"iterations\":%ld,\"selectUs\":%.4f,\"iterationUs\":%.4f}\n",
                   n, r, count, sel / count / 1e3, total / count / 1e3);
    }
    fflush(stdout);

    for (long i = 0; i < n; i++) { prot_free(ps[i]); close(rfd[i]); close(wfd[i]); }
    protgroup_free(g);
    free(rfd); free(wfd); free(ps);
    return 0;
}
