/*
 * The JSON of the C drivers: a growing string to write answers into, and a
 * small reader for the requests (the driver protocol's messages, each case
 * within them). driver.c and wasm-driver.c both speak JSON through it, so
 * that the case logic they share (driver-core.c) has one JSON API and no
 * library to link (there is no jansson for WebAssembly).
 */
#ifndef PROT_EVENTS_DRIVER_JSON_H
#define PROT_EVENTS_DRIVER_JSON_H

#include <stddef.h>

/* A growing byte string, always NUL-terminated once written to. */
struct sb {
    char *p;
    size_t len, cap;
};

/* Room for `more` bytes more, so that adding them allocates nothing. */
void sb_reserve(struct sb *b, size_t more);
void sb_add(struct sb *b, const void *s, size_t n);
void sb_str(struct sb *b, const char *s);
void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_free(struct sb *b);
/* A JSON string of UTF-8 text, of a C string, of Latin-1 bytes (each byte the code point of its value). */
void sb_json_utf8(struct sb *b, const char *s, size_t n);
void sb_json_cstr(struct sb *b, const char *s);
void sb_json_latin1(struct sb *b, const unsigned char *s, size_t n);

enum jtype { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };

/* A JSON value read. Numbers keep their text (a rock goes back as it came), which points into the input. */
typedef struct jv {
    enum jtype type;
    long num;                /* J_NUM, when integral */
    int integral;
    const char *raw;         /* J_NUM: its text */
    size_t rawlen;
    char *s;                 /* J_STR: UTF-8, NUL-terminated (may hold NULs) */
    size_t len;              /* J_STR: bytes; J_ARR, J_OBJ: members */
    char **keys;             /* J_OBJ */
    struct jv **items;       /* J_ARR, J_OBJ */
    struct jv *next_alloc;
} jv;

/*
 * Reads one JSON value filling text[0..n) (whitespace around it allowed);
 * NULL with *err set when it is not one. Every value read lives until
 * j_free_all(); the text must outlive them.
 */
jv *j_parse(const char *text, size_t n, const char **err, size_t *offset);
void j_free_all(void);

jv *jget(const jv *o, const char *key);
const char *jstr(const jv *v);
long jint(const jv *v);
size_t jlen(const jv *v);
jv *jat(const jv *v, size_t i);
int jtrue(const jv *v);
int jnull(const jv *v);
int jisint(const jv *v);
/* A value as JSON again. */
void sb_json_value(struct sb *b, const jv *v);

#endif
