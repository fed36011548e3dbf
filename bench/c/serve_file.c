/*
 * Sends files to one TCP client on 127.0.0.1: listens on a port the system
 * picks, prints it, accepts one connection, writes each file in turn in
 * 64 KiB pieces and exits. The sender of the loopback line benchmarks, a
 * process of its own so that none of its CPU is billed to the reader. (A
 * file named twice is sent twice: the Node readers' first pass warms them
 * up.)
 *
 * Usage: serve_file FILE...
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

/* Writes the file named `name` to `c`; 0, or 2 after saying what failed. */
static int send_file(int c, const char *name) {
    int file = open(name, O_RDONLY);
    if (file < 0) {
        perror(name);
        return 2;
    }
    static char buf[65536];
    ssize_t n;
    while ((n = read(file, buf, sizeof buf)) > 0) {
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(c, buf + off, (size_t)(n - off));
            if (w < 0) {
                perror("serve_file: write");
                return 2;
            }
            off += w;
        }
    }
    if (n < 0) perror(name);
    close(file);
    return n < 0 ? 2 : 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: serve_file FILE...\n");
        return 2;
    }
    /* Every file must open before a client is told where to connect. */
    for (int i = 1; i < argc; i++) {
        if (access(argv[i], R_OK) != 0) {
            perror(argv[i]);
            return 2;
        }
    }
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 1) != 0
        || getsockname(ls, (struct sockaddr *)&a, &len) != 0) {
        perror("serve_file: listen");
        return 2;
    }
    printf("%d\n", ntohs(a.sin_port));
    fflush(stdout);
    int c = accept(ls, NULL, NULL);
    if (c < 0) {
        perror("serve_file: accept");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        if (send_file(c, argv[i]) != 0) return 2;
    }
    close(c);
    return 0;
}
