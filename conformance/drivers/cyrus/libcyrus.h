/*
 * The part of libcyrus.so.0 (cyrus-imapd 3.6.1, Debian 12) that the driver
 * and the C benchmarks call, declared here because the package ships no
 * headers. Written for this project from the library's exported symbols and
 * its documented behaviour; the layout of struct prot_waitevent is the one
 * the wait-event contract gives the application.
 *
 * A host of the library must also define `void fatal(const char *, int)`.
 */
#ifndef PROT_EVENTS_LIBCYRUS_H
#define PROT_EVENTS_LIBCYRUS_H

#include <stddef.h>
#include <sys/time.h>
#include <time.h>

struct protstream; /* opaque; the driver checks the two offsets it needs */
struct protgroup;  /* opaque */
struct prot_waitevent;

typedef struct prot_waitevent *waitevent_proc(struct protstream *s, struct prot_waitevent *ev, void *rock);

/* The list entry of a wait event: the application owns the handle's fields. */
struct prot_waitevent {
    time_t mark;
    waitevent_proc *proc;
    void *rock;
    struct prot_waitevent *next;
};

extern struct protstream *prot_new(int fd, int write);
extern int prot_free(struct protstream *s);
extern int prot_settimeout(struct protstream *s, int timeout);
extern int prot_resettimeout(struct protstream *s);
extern int prot_setflushonread(struct protstream *s, struct protstream *flushs);
extern struct prot_waitevent *prot_addwaitevent(struct protstream *s, time_t mark, waitevent_proc *proc, void *rock);
extern void prot_removewaitevent(struct protstream *s, struct prot_waitevent *event);
extern const char *prot_error(struct protstream *s);
extern int prot_getc(struct protstream *s);
extern int prot_ungetc(int c, struct protstream *s);
extern int prot_read(struct protstream *s, char *buf, unsigned size);
extern char *prot_fgets(char *buf, unsigned size, struct protstream *s);
extern int prot_write(struct protstream *s, const char *buf, unsigned len);
extern int prot_flush(struct protstream *s);
extern int prot_select(struct protgroup *readstreams, int extra_read_fd, struct protgroup **out,
                       int *extra_read_flag, struct timeval *timeout);
extern struct protgroup *protgroup_new(size_t size);
extern void protgroup_free(struct protgroup *group);
extern void protgroup_insert(struct protgroup *group, struct protstream *item);
extern struct protstream *protgroup_getelement(struct protgroup *group, size_t element);

#define PROT_NO_FD (-1)

/*
 * The head of a stream's event list: its offset in Debian 12's struct
 * protstream (built with TLS and zlib), read from the machine code of
 * prot_addwaitevent(). The driver and the dispatch benchmark each check it
 * at start-up against what the library itself does. A build against another
 * release's library defines its own (build.sh: Debian 11's is 0xf0).
 */
#ifndef OFF_WAITEVENT
#define OFF_WAITEVENT 0x100 /* struct prot_waitevent * */
#endif

#endif
