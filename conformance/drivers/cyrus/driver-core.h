/*
 * The case logic of the C drivers, shared by driver.c (a process speaking
 * the driver protocol over pipes) and wasm-driver.c (WebAssembly, with a
 * table of descriptors in place of pipes): the state of a case, its events
 * and their callback scripts, its steps, setup and teardown, the trace, the
 * virtual clock and the time(), select() and pselect() the library calls.
 * What moves bytes (a stream's input and its paired writer's output) is the
 * I/O layer's, each driver's own, behind the io_* functions declared last.
 *
 * Nothing here comes from the Cyrus sources.
 */
#ifndef PROT_EVENTS_DRIVER_CORE_H
#define PROT_EVENTS_DRIVER_CORE_H

#include <setjmp.h>
#include <stddef.h>
#include <sys/select.h>

#include "driver-json.h"

#ifdef PROT_FROM_SOURCE
/* Built against a source tree: its own prot.h, offsets from the compiler. */
#include "prot-source.h"
#else
/* Debian's compiled library: no header ships, so libcyrus.h declares what is used. */
#include "libcyrus.h"
/* Offsets into Debian 12's struct protstream, read from the library's machine code; checked at start-up. */
#define OFF_FD ((size_t)0x1c)           /* int: the descriptor given to prot_new() */
#define OFF_DONTBLOCK ((size_t)0xac)    /* int: non-blocking mode */
#define OFF_READ_TIMEOUT ((size_t)0xb4) /* int: set by prot_settimeout() */
#define OFF_TIMEOUT_MARK ((size_t)0xb8) /* time_t: set by prot_settimeout() */
#endif

#define FIELD(s, off, type) (*(type *)((char *)(s) + (off)))
#define EOF_STRING "end of file reached"

/* Virtual time a case may not pass: the runner's horizon. */
#define HORIZON 1000000L
/* Zero-timeout selects at one instant with nothing ready that make a spin. */
#define SPIN_LIMIT 1000
/* Entries a trace may hold. */
#define TRACE_LIMIT 200000

#ifdef __EMSCRIPTEN__
typedef jmp_buf case_jmp_buf;
#define case_setjmp(b) setjmp(b)
#define case_longjmp(b, v) longjmp(b, v)
#else
typedef sigjmp_buf case_jmp_buf;
#define case_setjmp(b) sigsetjmp(b, 1)
#define case_longjmp(b, v) siglongjmp(b, v)
#endif

struct arrival {
    long at;
    unsigned char *data;
    size_t len;
};

struct stream {
    const char *name;
    int in_fd;               /* what prot_new(fd, 0) reads: the I/O layer's descriptor */
    int out_fd;              /* what the paired writer, prot_new(fd, 1), writes; -1 without one */
    struct arrival *arr;
    size_t narr, next_arr;
    int has_end;
    long end;
    int input_over;          /* the end of the input (or its failure) has been delivered */
    size_t total_in;
    int fail_errno;          /* the input fails at `end` with this error instead of ending, or 0 */
    int echo;                /* what the paired writer hands on comes back as input */
    long peer_reads_at;      /* the peer reads the paired writer's output from this time on (peerReadsAt) */
    struct protstream *ps;
    struct protstream *writer;
    int closed;              /* freed by a close step */
    void *io;                /* the I/O layer's own state of the stream */
};

struct event {
    const char *name;
    int stream;
    const jv *rock;          /* borrowed from the case; NULL for null */
    const jv *on;            /* NULL (JSON null) for an event without a callback */
    int firings;
    int added;               /* whether prot_addwaitevent() ever returned a handle for it */
    size_t rec;              /* then the index of its latest handle in C.handles */
};

/*
 * Every handle the library returned, alive while it is on its list. A handle
 * is known by its index here, never by its address alone: once freed, its
 * memory may hold the next event that malloc() places there.
 */
struct handle_rec {
    struct prot_waitevent *ptr;
    int event;
    int alive;
    size_t freed_at; /* once freed: how many handles the case had made then */
};

/*
 * The rock the driver gives the library for each handle: the index of the
 * handle and the case's rock. The callback learns which handle it runs for
 * from it, so that an event at a reused address is never taken for the one
 * freed there before. Tokens live until the case ends.
 */
#define TOKEN_MAGIC 0x70726f74u
struct rock_token {
    unsigned magic;
    size_t rec;
    const jv *value;         /* the case's rock, borrowed; NULL for null */
};

/*
 * Tokens come from blocks of the driver's own, not one malloc() each: a
 * malloc() of the driver's between the library's free() of an event and its
 * malloc() of the next would change which memory the next event gets, and
 * so whether a stale handle finds it, from one allocator to another.
 */
#define TOKENS_PER_BLOCK 256
struct token_block {
    struct token_block *next;
    size_t used;
    struct rock_token t[TOKENS_PER_BLOCK];
};

/* A group kept across the selects that name it. */
struct group {
    const char *name;
    struct protgroup *g;
};

/* What a meanwhile step does from outside once the clock reaches `at`. */
struct outside {
    long at;
    const jv *what;
};

/* How a case ended early. */
enum jump { JUMP_NONE, JUMP_BLOCKED, JUMP_ERROR, JUMP_UNSUPPORTED };

/* The case being run. */
struct case_state {
    int active;
    const char *id;
    long now;
    struct sb trace;         /* the entries so far, comma-separated */
    size_t entries;
    /* the last entry, while it is a flush that later output of the same instant extends */
    int pending;
    size_t pending_stream;
    long pending_t;
    struct sb pending_data;
    struct stream *streams;
    size_t nstreams;
    struct event *events;
    size_t nevents;
    struct handle_rec *handles;
    size_t nhandles, cap_handles;
    struct token_block *tokens; /* every token of the case, to free at its end */
    struct group *groups;
    size_t ngroups;
    struct outside *outside; /* in time order; the first `done_outside` are done */
    size_t noutside, done_outside;
    int echoing;             /* some stream echoes: its writer is read back before each wait */
    case_jmp_buf jb;
    char error[1024];
    /* the read in progress, for a `blocked` entry */
    const char *read_kind;
    const char *read_stream;
    /* spin detection */
    long spin_at;
    long spins;
    /* what the step in progress allocated, freed by teardown() when the step does not return (a blocked read) */
    unsigned char *step_buf;
    struct protgroup *step_group;
};

extern struct case_state C;
/* The virtual clock, also outside cases (the start-up check). */
extern long g_now;
/* Undefined behaviour of the C code runs (under valgrind) instead of being refused. */
extern int g_allow_ub;

void *zcalloc(size_t n, size_t size);
/* Ends the case with an error answer. */
void abort_case(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* A step or an action this driver does not know: the case is not run, rather than run wrongly. */
void unsupported(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* The next instant at which the input of `s` changes, or -1. */
long next_change(const struct stream *s);
/* Lets the clock run to t: what meanwhile steps do on the way, and the input due. */
void advance_clock(long t);
/* A write to `fd`: when it is a paired writer's whose peer reads later, the
   clock first moves to then, as a blocking write to that peer would wait. */
void peer_wait(int fd);
/* The read in progress can never complete: trace it and end the case. */
void blocked(void) __attribute__((noreturn));
/* Reads back what the paired writers handed on, as `flush` entries at this instant (and echoes it). */
void drain_writers(void);
/* The stream whose input the descriptor is, or NULL. */
struct stream *stream_by_input_fd(int fd);

/*
 * Runs the case `c` (the case object of a run request): JUMP_NONE or
 * JUMP_BLOCKED with the trace in case_trace(), or JUMP_ERROR or
 * JUMP_UNSUPPORTED with the reason in C.error. case_done() frees it all.
 */
int run_case(const jv *c);
/* The trace entries, comma-separated: the inside of the trace's array. */
const char *case_trace(void);
void case_done(void);

/* The start answer's implementation object: name, version, deviations, unsupported tags, quirks. */
void implementation_json(struct sb *b);

/* ---- the I/O layer, each driver's own ---------------------------------- */

/* Opens what the stream reads (its input) and, with `writer`, what its paired writer writes into. */
void io_open(struct stream *s, int writer);
/* Delivers bytes to the stream's input. */
void io_deliver(struct stream *s, const unsigned char *data, size_t len);
/* The input ends (or, with s->fail_errno, fails): reads get EOF (or that errno) once the rest is read. */
void io_end_input(struct stream *s);
/* Takes what the paired writer has handed on since the last call, into b. */
void io_take_output(struct stream *s, struct sb *b);
/* Frees what io_open() opened. */
void io_close(struct stream *s);
/* Whether a descriptor is ready now: each flag asked is cleared unless it is ready to read, write, or has urgent data. -1 with errno for a bad descriptor. */
int io_poll(int fd, int *readable, int *writable, int *urgent);
/* Whether undefined behaviour is watched (valgrind): events left on freed streams leak on purpose then. */
int io_watched(void);
/* Told, before it runs, of undefined behaviour that a case runs on purpose (valgrind's log names it). */
void io_undefined_follows(const char *what);
/* Told when a case ends, with its id (valgrind's leak check per case). */
void io_case_ended(const char *id);

#endif
