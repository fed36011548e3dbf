/*
 * The floor of line counting in C: read() 64 KiB at a time and count the
 * LFs with memchr(), touching no line. Input and output as input.h says.
 */
#include <string.h>

#include "input.h"

int main(int argc, char **argv) {
    int fd = open_input(argc, argv);
    static char buf[65536];
    unsigned long long lines = 0;
    int partial = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        const char *p = buf, *end = buf + n;
        const char *nl;
        while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
            lines++;
            p = nl + 1;
        }
        partial = p < end;
    }
    if (n < 0) {
        perror("read");
        return 2;
    }
    report(lines + (unsigned long long)partial);
    return 0;
}
