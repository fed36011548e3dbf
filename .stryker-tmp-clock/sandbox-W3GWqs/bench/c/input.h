/*
 * What the line-counting programs share: where the input comes from and how
 * the result is reported.
 *
 * With no argument a program reads standard input (a pipe from cat); with
 * one, a TCP port on 127.0.0.1 it connects to (bench/c/serve_file sends the
 * file there). Each prints "<lines> <cpu ns>": the lines it counted and the
 * CPU time (user + system) it used from open_input() on, by getrusage(),
 * so that its figure is the reading process's CPU as the Node contenders
 * report theirs, without the start-up of the process (linking libcyrus takes
 * some 15 ms of CPU).
 */
#ifndef BENCH_INPUT_H
#define BENCH_INPUT_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static unsigned long long cpu_ns(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (unsigned long long)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000000000ULL
        + (unsigned long long)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1000ULL;
}

static unsigned long long cpu_start;

static int open_input(int argc, char **argv) {
    cpu_start = cpu_ns();
    if (argc < 2) return 0;
    int port = atoi(argv[1]);
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "%s: %s is not a TCP port\n", argv[0], argv[1]);
        exit(2);
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("connect");
        exit(2);
    }
    return fd;
}

static void report(unsigned long long lines) {
    printf("%llu %llu\n", lines, cpu_ns() - cpu_start);
}

/*
 * The line count of a reader with fgets's contract, whose longer lines come
 * in pieces: a piece ending in LF ends a line, and an unterminated last
 * piece at the end of input is a line too.
 */
struct line_count {
    unsigned long long lines;
    int partial;
};

static inline void count_piece(struct line_count *c, const char *piece) {
    size_t n = strlen(piece);
    c->partial = !(n > 0 && piece[n - 1] == '\n');
    if (!c->partial) c->lines++;
}

static inline void report_count(const struct line_count *c) {
    report(c->lines + (unsigned long long)c->partial);
}

#endif
