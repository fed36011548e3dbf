/*
 * Timers in real time in the C prot layer of cyrus-imapd (Debian 12's
 * libcyrus.so.0, cyrus-common 3.6.1), on the schedule of bench/timers.ts.
 *
 *   timers K WARM FIRINGS
 *
 * One stream reads an empty pipe whose write end stays open, with a read
 * timeout far away, so prot_fill() runs its wait loop: run the due events,
 * then select() until the earliest mark. K events hang on it, event i
 * planned at start+1+i, start+1+i+K, start+1+i+2K, ...: one due every
 * tick whatever K. A firing re-arms its event for its next planned mark,
 * or for the next tick if lateness put that in the past. After WARM
 * firings the CPU time of the process is read, after FIRINGS more it is
 * read again and the write end is closed, so the read ends; the program
 * prints one JSON line: {"k":..,"firings":..,"cpuNs":..,"wallNs":..,
 * "sleeps":..,"p50LateMs":..,"p99LateMs":..,"firingsPerWakeup":..,
 * "warmCpuMs":..,"error":".."} about the FIRINGS measured firings.
 *
 * The library counts time in whole seconds of time(). This executable
 * defines time() as whole milliseconds of CLOCK_MONOTONIC, and select()
 * and pselect() as the system's, their timeouts read in the same unit (a
 * library "second" waits a millisecond); the library's calls bind to them
 * (-rdynamic). The library only ever takes differences of time() values
 * (marks, the timeout to the earliest of them), which it hands to
 * select(), so it runs unchanged, on real waits, with 1 ms ticks: the
 * clock of bench/timers.ts, a timer firing once time() >= its mark, at
 * least the whole ticks it waited for after it was armed.
 *
 * Nothing here comes from the Cyrus sources.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "../../conformance/drivers/cyrus/libcyrus.h"

static long g_k, g_warm, g_firings;
static int g_wfd = -1;
static long g_n;            /* firings so far */
static long *g_late;        /* lateness of each measured firing, in ticks */
static long g_wakeups;      /* ticks in which measured firings ran */
static long g_last_now = -1;
static struct timespec g_cpu0, g_cpu_warm, g_cpu_end, g_wall_warm, g_wall_end;
static long g_sleeps_warm, g_sleeps_end;

void fatal(const char *msg, int code) __attribute__((noreturn));
void fatal(const char *msg, int code) {
    fprintf(stderr, "timers: the C library called fatal(\"%s\", %d)\n", msg ? msg : "", code);
    exit(70);
}

static long long mono_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

time_t time(time_t *t) {
    time_t now = (time_t)(mono_ns() / 1000000);
    if (t) *t = now;
    return now;
}

typedef int select_fn(int, fd_set *, fd_set *, fd_set *, struct timeval *);
typedef int pselect_fn(int, fd_set *, fd_set *, fd_set *, const struct timespec *, const sigset_t *);

int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv) {
    static select_fn *real;
    if (!real) real = (select_fn *)dlsym(RTLD_NEXT, "select");
    if (!tv) return real(nfds, r, w, e, NULL);
    /* tv_sec ticks of a millisecond, tv_usec millionths of one. */
    long long ns = (long long)tv->tv_sec * 1000000LL + tv->tv_usec;
    struct timeval real_tv = { .tv_sec = ns / 1000000000LL, .tv_usec = (ns % 1000000000LL) / 1000 };
    int n = real(nfds, r, w, e, &real_tv);
    long long left = (long long)real_tv.tv_sec * 1000000000LL + (long long)real_tv.tv_usec * 1000;
    tv->tv_sec = left / 1000000;
    tv->tv_usec = left % 1000000;
    return n;
}

int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts, const sigset_t *mask) {
    static pselect_fn *real;
    if (!real) real = (pselect_fn *)dlsym(RTLD_NEXT, "pselect");
    if (!ts) return real(nfds, r, w, e, NULL, mask);
    long long ns = (long long)ts->tv_sec * 1000000LL + ts->tv_nsec / 1000;
    struct timespec real_ts = { .tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL };
    return real(nfds, r, w, e, &real_ts, mask);
}

static long voluntary_switches(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_nvcsw;
}

static struct prot_waitevent *fire(struct protstream *s, struct prot_waitevent *ev, void *rock) {
    (void)s;
    long now = (long)time(NULL);
    long *due = rock;
    if (g_n >= g_warm + g_firings) {
        /* Done: the read ends with the pipe; nothing more is due. */
        ev->mark = now + 1000000000L;
        return ev;
    }
    if (g_n >= g_warm) {
        g_late[g_n - g_warm] = now - (long)ev->mark;
        if (now != g_last_now) g_wakeups++;
    }
    g_last_now = now;
    g_n++;
    if (g_n == g_warm) {
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &g_cpu_warm);
        clock_gettime(CLOCK_MONOTONIC, &g_wall_warm);
        g_sleeps_warm = voluntary_switches();
    }
    if (g_n == g_warm + g_firings) {
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &g_cpu_end);
        clock_gettime(CLOCK_MONOTONIC, &g_wall_end);
        g_sleeps_end = voluntary_switches();
        close(g_wfd);
        g_wfd = -1;
        ev->mark = now + 1000000000L;
        return ev;
    }
    *due += g_k;
    ev->mark = *due > now + 1 ? *due : now + 1;
    return ev;
}

static int by_value(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* The nearest-rank percentile `p` of the sorted `v`, as bench/timers.ts takes it. */
static long percentile(const long *v, long n, double p) {
    long i = (long)ceil(p / 100.0 * (double)n) - 1;
    return v[i < 0 ? 0 : i];
}

static long long diff_ns(struct timespec a, struct timespec b) {
    return (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: timers K WARM FIRINGS\n");
        return 2;
    }
    g_k = atol(argv[1]);
    g_warm = atol(argv[2]);
    g_firings = atol(argv[3]);
    if (g_k < 1 || g_warm < 0 || g_firings < 1) {
        fprintf(stderr, "timers: K and FIRINGS must be positive, WARM at least 0\n");
        return 2;
    }
    int p[2];
    if (pipe(p) < 0) {
        perror("pipe");
        return 1;
    }
    g_wfd = p[1];
    g_late = calloc((size_t)g_firings, sizeof *g_late);
    long *due = calloc((size_t)g_k, sizeof *due);
    if (!g_late || !due) {
        perror("calloc");
        return 1;
    }
    struct protstream *s = prot_new(p[0], 0);
    prot_settimeout(s, 1000000000);
    long start = (long)time(NULL);
    for (long i = 0; i < g_k; i++) {
        due[i] = start + 1 + i;
        prot_addwaitevent(s, due[i], fire, &due[i]);
    }
    /* With no warm-up, measuring starts here. */
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &g_cpu0);
    g_cpu_warm = g_cpu0;
    clock_gettime(CLOCK_MONOTONIC, &g_wall_warm);
    g_sleeps_warm = voluntary_switches();
    int c = prot_getc(s);
    if (c != EOF) {
        fprintf(stderr, "timers: read a byte (%d) from an empty pipe\n", c);
        return 1;
    }
    const char *err = prot_error(s);
    qsort(g_late, (size_t)g_firings, sizeof *g_late, by_value);
    printf("{\"k\":%ld,\"firings\":%ld,\"cpuNs\":%lld,\"wallNs\":%lld,\"sleeps\":%ld,\"p50LateMs\":%ld,\"p99LateMs\":%ld,"
           "\"firingsPerWakeup\":%.6f,\"warmCpuMs\":%.3f,\"error\":\"%s\"}\n",
           g_k, g_n - g_warm, diff_ns(g_cpu_warm, g_cpu_end), diff_ns(g_wall_warm, g_wall_end), g_sleeps_end - g_sleeps_warm,
           percentile(g_late, g_firings, 50), percentile(g_late, g_firings, 99), (double)g_firings / (double)g_wakeups,
           (double)diff_ns(g_cpu0, g_cpu_warm) / 1e6, err ? err : "");
    return 0;
}
