/*
 * The driver of the select-over-sockets benchmark (bench/select-sockets.ts):
 * opens N loopback TCP connections to a server (select_server.c or a Node
 * server of bench/select-sockets-server.ts), then, WAKEUPS times, writes
 * the line "x" on one connection chosen at random and waits for its answer
 * before the next: the server finds exactly one of its N connections
 * readable at each wake-up.
 *
 * Around the measured wake-ups it asks the server for its own CPU time (the
 * line "cpu" on the first connection), and times them on the monotonic
 * clock, so the server's CPU per wake-up and the wall time of a wake-up
 * (the round trip) come from one run. WARMUP wake-ups go first, unmeasured.
 * It ends by sending "quit".
 *
 * Usage: select_driver PORT N WARMUP WAKEUPS SEED
 * Prints one JSON object on stdout.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "select_common.h"

static void die(const char *what) {
    fprintf(stderr, "select_driver: %s: %s\n", what, strerror(errno));
    exit(1);
}

static double now_ns(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Sends a line on fd and reads its answer (one line) into buf, without its line end. */
static void ask(int fd, const char *line, char *buf, size_t size) {
    size_t len = strlen(line);
    if (write(fd, line, len) != (ssize_t)len) die("write");
    size_t got = 0;
    for (;;) {
        ssize_t r = read(fd, buf + got, size - 1 - got);
        if (r < 0) { if (errno == EINTR) continue; die("read"); }
        if (r == 0) { fprintf(stderr, "select_driver: the server closed a connection\n"); exit(1); }
        got += (size_t)r;
        if (buf[got - 1] == '\n') break;
        if (got == size - 1) { fprintf(stderr, "select_driver: answer too long\n"); exit(1); }
    }
    buf[got] = 0;
    buf[strcspn(buf, "\r\n")] = 0;
}

static void wakeups(const int *fd, long n, long count) {
    char buf[64];
    for (long k = 0; k < count; k++) {
        long i = (long)(rng() % (uint64_t)n);
        ask(fd[i], "x\r\n", buf, sizeof buf);
        if (strcmp(buf, "ok") != 0) { fprintf(stderr, "select_driver: answer \"%s\", not ok\n", buf); exit(1); }
    }
}

static double server_cpu_us(int fd) {
    char buf[64];
    ask(fd, "cpu\r\n", buf, sizeof buf);
    char *end;
    double us = strtod(buf, &end);
    if (end == buf || *end != 0) { fprintf(stderr, "select_driver: cpu answer \"%s\"\n", buf); exit(1); }
    return us;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s PORT N WARMUP WAKEUPS SEED\n", argv[0]);
        return 1;
    }
    int port = atoi(argv[1]);
    long n = atol(argv[2]), warmup = atol(argv[3]), count = atol(argv[4]);
    rng_state = strtoull(argv[5], NULL, 10);
    if (rng_state == 0) rng_state = 1;
    if (port <= 0 || n <= 0 || warmup < 0 || count <= 0) { fprintf(stderr, "select_driver: bad arguments\n"); return 1; }

    if (raise_fd_limit((rlim_t)n + 64) < 0) die("setrlimit");
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((uint16_t)port);
    int *fd = calloc((size_t)n, sizeof *fd);
    if (!fd) die("calloc");
    for (long i = 0; i < n; i++) {
        fd[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (fd[i] < 0) die("socket");
        if (connect(fd[i], (struct sockaddr *)&addr, sizeof addr) < 0) die("connect");
        int one = 1;
        if (setsockopt(fd[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) die("setsockopt TCP_NODELAY");
    }

    wakeups(fd, n, warmup);
    double cpu0 = server_cpu_us(fd[0]);
    double d0 = now_ns(CLOCK_PROCESS_CPUTIME_ID), t0 = now_ns(CLOCK_MONOTONIC);
    wakeups(fd, n, count);
    double t1 = now_ns(CLOCK_MONOTONIC), d1 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    double cpu1 = server_cpu_us(fd[0]);
    char buf[64];
    ask(fd[0], "quit\r\n", buf, sizeof buf);
    printf("{\"n\":%ld,\"wakeups\":%ld,\"serverCpuUs\":%.0f,\"wallUs\":%.3f,\"driverCpuUs\":%.3f}\n", n, count, cpu1 - cpu0, (t1 - t0) / 1e3,
           (d1 - d0) / 1e3);
    fflush(stdout);
    for (long i = 0; i < n; i++) close(fd[i]);
    free(fd);
    return 0;
}
