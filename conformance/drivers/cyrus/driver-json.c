/* The JSON of the C drivers: see driver-json.h. */
#include "driver-json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sb_reserve(struct sb *b, size_t more) {
    if (b->len + more + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) abort();
    b->p = p;
    b->cap = cap;
}

void sb_add(struct sb *b, const void *s, size_t n) {
    sb_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

void sb_str(struct sb *b, const char *s) { sb_add(b, s, strlen(s)); }

void sb_printf(struct sb *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    sb_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sb_free(struct sb *b) {
    free(b->p);
    *b = (struct sb){0};
}

/* A JSON string of UTF-8 text. */
void sb_json_utf8(struct sb *b, const char *s, size_t n) {
    sb_add(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            sb_add(b, e, 2);
        } else if (c < 0x20 || c == 0x7f) {
            sb_printf(b, "\\u%04x", c);
        } else {
            sb_add(b, &s[i], 1);
        }
    }
    sb_add(b, "\"", 1);
}

void sb_json_cstr(struct sb *b, const char *s) { sb_json_utf8(b, s, strlen(s)); }

/* A JSON string of Latin-1 bytes (each byte is the code point of the same value). */
void sb_json_latin1(struct sb *b, const unsigned char *s, size_t n) {
    sb_add(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            sb_add(b, e, 2);
        } else if (c < 0x20 || c >= 0x7f) {
            sb_printf(b, "\\u%04x", c);
        } else {
            sb_add(b, &s[i], 1);
        }
    }
    sb_add(b, "\"", 1);
}

/* ------------------------------------------------------------------ */
/* A small JSON reader: the case the host sends                        */
/* ------------------------------------------------------------------ */

static jv *j_all;            /* every value of the case, freed at its end */

struct jparse {
    const char *p, *end;
    const char *err;
};

static jv *j_new(enum jtype t) {
    jv *v = calloc(1, sizeof *v);
    if (!v) abort();
    v->type = t;
    v->next_alloc = j_all;
    j_all = v;
    return v;
}

void j_free_all(void) {
    while (j_all) {
        jv *v = j_all;
        j_all = v->next_alloc;
        if (v->type == J_OBJ)
            for (size_t i = 0; i < v->len; i++) free(v->keys[i]);
        free(v->keys);
        free(v->items);
        free(v->s);
        free(v);
    }
}

static void j_ws(struct jparse *j) {
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

static void utf8_put(struct sb *b, unsigned cp) {
    char u[4];
    size_t n;
    if (cp < 0x80) { u[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { u[0] = (char)(0xc0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 0x3f)); n = 2; }
    else if (cp < 0x10000) { u[0] = (char)(0xe0 | (cp >> 12)); u[1] = (char)(0x80 | ((cp >> 6) & 0x3f)); u[2] = (char)(0x80 | (cp & 0x3f)); n = 3; }
    else { u[0] = (char)(0xf0 | (cp >> 18)); u[1] = (char)(0x80 | ((cp >> 12) & 0x3f)); u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); u[3] = (char)(0x80 | (cp & 0x3f)); n = 4; }
    sb_add(b, u, n);
}

static int hex4(const char *p, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

/* A string at j->p (its opening quote), into b. */
static int j_string(struct jparse *j, struct sb *b) {
    j->p++;
    while (j->p < j->end && *j->p != '"') {
        char c = *j->p++;
        if (c != '\\') {
            sb_add(b, &c, 1);
            continue;
        }
        if (j->p >= j->end) break;
        char e = *j->p++;
        switch (e) {
        case '"': case '\\': case '/': sb_add(b, &e, 1); break;
        case 'b': sb_add(b, "\b", 1); break;
        case 'f': sb_add(b, "\f", 1); break;
        case 'n': sb_add(b, "\n", 1); break;
        case 'r': sb_add(b, "\r", 1); break;
        case 't': sb_add(b, "\t", 1); break;
        case 'u': {
            unsigned cp;
            if (j->end - j->p < 4 || !hex4(j->p, &cp)) { j->err = "a bad \\u escape"; return 0; }
            j->p += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u') {
                unsigned lo;
                if (hex4(j->p + 2, &lo) && lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    j->p += 6;
                }
            }
            utf8_put(b, cp);
            break;
        }
        default: j->err = "a bad escape"; return 0;
        }
    }
    if (j->p >= j->end) { j->err = "an unterminated string"; return 0; }
    j->p++;
    return 1;
}

static jv *j_value(struct jparse *j, int depth) {
    j_ws(j);
    if (j->p >= j->end) { j->err = "unexpected end"; return NULL; }
    if (depth > 64) { j->err = "nested too deep"; return NULL; }
    char c = *j->p;
    if (c == '{' || c == '[') {
        int obj = c == '{';
        jv *v = j_new(obj ? J_OBJ : J_ARR);
        size_t cap = 0;
        j->p++;
        j_ws(j);
        if (j->p < j->end && *j->p == (obj ? '}' : ']')) { j->p++; return v; }
        for (;;) {
            char *key = NULL;
            if (obj) {
                j_ws(j);
                if (j->p >= j->end || *j->p != '"') { j->err = "an object key is not a string"; return NULL; }
                struct sb k = {0};
                sb_add(&k, "", 0);
                if (!j_string(j, &k)) { sb_free(&k); return NULL; }
                key = k.p;
                j_ws(j);
                if (j->p >= j->end || *j->p != ':') { free(key); j->err = "a missing ':'"; return NULL; }
                j->p++;
            }
            jv *item = j_value(j, depth + 1);
            if (!item) { free(key); return NULL; }
            if (v->len == cap) {
                cap = cap ? 2 * cap : 8;
                v->items = realloc(v->items, cap * sizeof *v->items);
                if (obj) v->keys = realloc(v->keys, cap * sizeof *v->keys);
                if (!v->items || (obj && !v->keys)) abort();
            }
            if (obj) v->keys[v->len] = key;
            v->items[v->len++] = item;
            j_ws(j);
            if (j->p < j->end && *j->p == ',') { j->p++; continue; }
            if (j->p < j->end && *j->p == (obj ? '}' : ']')) { j->p++; return v; }
            j->err = obj ? "a missing ',' or '}'" : "a missing ',' or ']'";
            return NULL;
        }
    }
    if (c == '"') {
        struct sb s = {0};
        sb_add(&s, "", 0);
        if (!j_string(j, &s)) { sb_free(&s); return NULL; }
        jv *v = j_new(J_STR);
        v->s = s.p;
        v->len = s.len;
        return v;
    }
    static const struct { const char *word; enum jtype t; } words[] = {{"null", J_NULL}, {"true", J_TRUE}, {"false", J_FALSE}};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i].word);
        if ((size_t)(j->end - j->p) >= n && memcmp(j->p, words[i].word, n) == 0) {
            j->p += n;
            return j_new(words[i].t);
        }
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        const char *start = j->p;
        int integral = 1;
        if (*j->p == '-') j->p++;
        while (j->p < j->end && ((*j->p >= '0' && *j->p <= '9') || *j->p == '.' || *j->p == 'e' || *j->p == 'E' || *j->p == '+' || *j->p == '-')) {
            if (*j->p == '.' || *j->p == 'e' || *j->p == 'E') integral = 0;
            j->p++;
        }
        jv *v = j_new(J_NUM);
        v->raw = start;
        v->rawlen = (size_t)(j->p - start);
        v->integral = integral;
        v->num = integral ? strtol(start, NULL, 10) : (long)strtod(start, NULL);
        return v;
    }
    j->err = "an unexpected character";
    return NULL;
}

jv *jget(const jv *o, const char *key) {
    if (!o || o->type != J_OBJ) return NULL;
    for (size_t i = 0; i < o->len; i++)
        if (strcmp(o->keys[i], key) == 0) return o->items[i];
    return NULL;
}

const char *jstr(const jv *v) { return v && v->type == J_STR ? v->s : NULL; }
long jint(const jv *v) { return v && v->type == J_NUM ? v->num : 0; }
size_t jlen(const jv *v) { return v && (v->type == J_ARR || v->type == J_OBJ) ? v->len : 0; }
jv *jat(const jv *v, size_t i) { return v && v->type == J_ARR && i < v->len ? v->items[i] : NULL; }
int jtrue(const jv *v) { return v && v->type == J_TRUE; }
int jnull(const jv *v) { return v && v->type == J_NULL; }
int jisint(const jv *v) { return v && v->type == J_NUM && v->integral; }

/* A value as JSON again (a rock goes back into the trace as it came). */
void sb_json_value(struct sb *b, const jv *v) {
    switch (v->type) {
    case J_NULL: sb_str(b, "null"); break;
    case J_TRUE: sb_str(b, "true"); break;
    case J_FALSE: sb_str(b, "false"); break;
    case J_NUM: sb_add(b, v->raw, v->rawlen); break;
    case J_STR: sb_json_utf8(b, v->s, v->len); break;
    case J_ARR:
    case J_OBJ:
        sb_str(b, v->type == J_ARR ? "[" : "{");
        for (size_t i = 0; i < v->len; i++) {
            if (i) sb_str(b, ",");
            if (v->type == J_OBJ) {
                sb_json_cstr(b, v->keys[i]);
                sb_str(b, ":");
            }
            sb_json_value(b, v->items[i]);
        }
        sb_str(b, v->type == J_ARR ? "]" : "}");
        break;
    }
}

jv *j_parse(const char *text, size_t n, const char **err, size_t *offset) {
    struct jparse j = {.p = text, .end = text + n};
    jv *v = j_value(&j, 0);
    if (v) {
        j_ws(&j);
        if (j.p != j.end) {
            j.err = "text after the value";
            v = NULL;
        }
    }
    if (!v) {
        *err = j.err ? j.err : "not JSON";
        *offset = (size_t)(j.p - text);
    }
    return v;
}
