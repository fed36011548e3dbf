/*
 * Counts the lines on standard input with the C prot layer of cyrus-imapd
 * (Debian 12's libcyrus.so.0, cyrus-common 3.6.1): prot_new(open_input(argc, argv), 0), then
 * prot_fgets() into an 8 KiB buffer until it returns NULL. Prints the count.
 *
 * A line longer than the buffer comes back in pieces; only a piece that
 * ends in '\n' (or the unterminated last piece at end of input) is counted
 * as a line, so the count equals `wc -l` plus one for an unterminated tail.
 * Input and output as input.h says.
 *
 * Nothing here comes from the Cyrus sources: the prototypes come from
 * libcyrus.h, and fatal() is defined because the library expects its host to.
 */
#include "input.h"

#include "../../conformance/drivers/cyrus/libcyrus.h"

void fatal(const char *msg, int code) __attribute__((noreturn));
void fatal(const char *msg, int code) {
    fprintf(stderr, "fgets_count: the C library called fatal(\"%s\", %d)\n", msg ? msg : "", code);
    exit(code ? code : 75);
}

int main(int argc, char **argv) {
    static char buf[8192];
    struct protstream *s = prot_new(open_input(argc, argv), 0);
    if (!s) {
        fprintf(stderr, "fgets_count: prot_new failed\n");
        return 1;
    }
    struct line_count c = { 0, 0 };
    while (prot_fgets(buf, sizeof buf, s)) count_piece(&c, buf);
    report_count(&c);
    return 0;
}
