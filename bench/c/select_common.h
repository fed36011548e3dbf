/*
 * What the select benchmarks' programs share: a generator that gives every
 * run, and every server, the same sequence of connections to wake, and
 * room for the descriptors they hold.
 */
#ifndef BENCH_SELECT_COMMON_H
#define BENCH_SELECT_COMMON_H

#include <stdint.h>
#include <sys/resource.h>

/* xorshift64*: a fixed-seed generator, the same sequence on every run. */
static uint64_t rng_state;
static inline uint64_t rng(void) {
    uint64_t x = rng_state;
    x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
    rng_state = x;
    return x * 2685821657736338717ULL;
}

/* Raises the soft limit on open descriptors to `want`, or to the hard limit if that is lower; -1 on failure. */
static inline int raise_fd_limit(rlim_t want) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) return -1;
    if (rl.rlim_cur >= want) return 0;
    rl.rlim_cur = want <= rl.rlim_max ? want : rl.rlim_max;
    return setrlimit(RLIMIT_NOFILE, &rl);
}

#endif
