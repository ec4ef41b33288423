/* json.c -- strict JSON reader and JSON writer (see json.h).
 *
 * The reader is a recursive descent parser run twice over the text.  The
 * first pass validates and counts values and decoded string bytes; the
 * block for the tree is then allocated once and the second pass fills it.
 * Only the second pass can see two things the first cannot check cheaply:
 * duplicate member names (compared decoded) and numbers that overflow a
 * double, so it can still fail, and then frees the block. */
#include "json.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

struct parser {
    const char *text;
    size_t len;
    size_t pos;
    const struct json_limits *lim;
    struct json_error *err;
    int failed;
    int depth;

    /* Counts from the first pass (values, string bytes with their NULs). */
    size_t values;
    size_t str_bytes;

    /* Second pass: where nodes and strings go (NULL in the first). */
    struct json_value *nodes;
    size_t nodes_used;
    char *strings;
    size_t str_used;
};

static int fail_at(struct parser *p, size_t offset, const char *fmt, ...)
{
    va_list ap;

    if (p->failed)
        return -1;
    p->failed = 1;
    if (p->err == NULL)
        return -1;
    p->err->offset = offset;
    va_start(ap, fmt);
    vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
    va_end(ap);
    return -1;
}

/* The byte at the cursor (or the end of input) is not what was expected. */
static int fail_here(struct parser *p, const char *expected)
{
    if (p->pos >= p->len)
        return fail_at(p, p->pos,
                       "unexpected end of input at offset %zu, expected %s",
                       p->pos, expected);
    return fail_at(p, p->pos, "invalid byte 0x%02x at offset %zu, expected %s",
                   (unsigned char)p->text[p->pos], p->pos, expected);
}

static void skip_ws(struct parser *p)
{
    while (p->pos < p->len) {
        char c = p->text[p->pos];

        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

static int peek(const struct parser *p)
{
    return p->pos < p->len ? (unsigned char)p->text[p->pos] : -1;
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Read the 4 hex digits of a \u escape whose 'u' is at p->pos - 1. */
static long read_hex4(struct parser *p)
{
    long v = 0;

    for (int i = 0; i < 4; i++) {
        int h = hex_value(peek(p));

        if (h < 0) {
            fail_here(p, "a hex digit");
            return -1;
        }
        v = v << 4 | h;
        p->pos++;
    }
    return v;
}

/* Encode code point cp as UTF-8 into out (when not NULL); returns the
 * byte count. */
static size_t put_utf8(char *out, unsigned long cp)
{
    unsigned char b[4];
    size_t n;

    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | cp >> 6);
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xE0 | cp >> 12);
        b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (unsigned char)(0xF0 | cp >> 18);
        b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        b[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    if (out != NULL)
        memcpy(out, b, n);
    return n;
}

/* A \u escape (the backslash and 'u' already consumed), a surrogate pair
 * taking two escapes.  Returns the code point or -1. */
static long read_unicode_escape(struct parser *p)
{
    size_t start = p->pos - 2;
    long hi = read_hex4(p), lo;

    if (hi < 0)
        return -1;
    if (hi >= 0xDC00 && hi <= 0xDFFF) {
        fail_at(p, start, "lone low surrogate \\u%04lX at offset %zu", hi,
                start);
        return -1;
    }
    if (hi < 0xD800 || hi > 0xDBFF)
        return hi;
    if (p->pos + 1 >= p->len || p->text[p->pos] != '\\' ||
        p->text[p->pos + 1] != 'u') {
        fail_at(p, start, "lone high surrogate \\u%04lX at offset %zu", hi,
                start);
        return -1;
    }
    p->pos += 2;
    lo = read_hex4(p);
    if (lo < 0)
        return -1;
    if (lo < 0xDC00 || lo > 0xDFFF) {
        fail_at(p, start, "lone high surrogate \\u%04lX at offset %zu", hi,
                start);
        return -1;
    }
    return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
}

/* One escape sequence after its backslash; writes its bytes at out (when
 * not NULL).  Returns the byte count, or -1. */
static long read_escape(struct parser *p, char *out)
{
    static const char from[] = "\"\\/bfnrt";
    static const char to[] = "\"\\/\b\f\n\r\t";
    int c = peek(p);
    const char *hit;
    long cp;

    if (c == 'u') {
        p->pos++;
        cp = read_unicode_escape(p);
        return cp < 0 ? -1 : (long)put_utf8(out, (unsigned long)cp);
    }
    hit = c > 0 ? strchr(from, c) : NULL;
    if (hit == NULL) {
        fail_here(p, "an escape character");
        return -1;
    }
    if (out != NULL)
        *out = to[hit - from];
    p->pos++;
    return 1;
}

/* A string whose opening quote is at the cursor.  Decodes into out when
 * not NULL (room for the decoded text is guaranteed by the first pass).
 * Returns 0 with the decoded length in *n, or -1. */
static int read_string(struct parser *p, char *out, size_t *n)
{
    size_t len = 0;

    p->pos++;
    for (;;) {
        int c = peek(p);

        if (c == '"') {
            p->pos++;
            *n = len;
            return 0;
        }
        if (c < 0x20) {
            fail_here(p, "a string character or '\"'");
            return -1;
        }
        if (c == '\\') {
            long k;

            p->pos++;
            k = read_escape(p, out != NULL ? out + len : NULL);
            if (k < 0)
                return -1;
            len += (size_t)k;
        } else {
            size_t k =
                c < 0x80 ? 1 : utf8_char_len(p->text + p->pos, p->len - p->pos);

            if (k == 0) {
                fail_at(p, p->pos, "invalid UTF-8 byte 0x%02x at offset %zu", c,
                        p->pos);
                return -1;
            }
            if (out != NULL)
                memcpy(out + len, p->text + p->pos, k);
            p->pos += k;
            len += k;
        }
    }
}

/* Claim a node (second pass) or just count it (first pass). */
static struct json_value *new_value(struct parser *p, enum json_type type,
                                    size_t offset)
{
    struct json_value *v;

    if (p->nodes == NULL) {
        if (++p->values > p->lim->max_values)
            fail_at(p, offset, "more than %zu values at offset %zu",
                    p->lim->max_values, offset);
        return NULL;
    }
    v = &p->nodes[p->nodes_used++];
    memset(v, 0, sizeof(*v));
    v->type = type;
    v->offset = offset;
    return v;
}

/* Room for a string of n bytes plus NUL (second pass), or count it. */
static char *string_space(struct parser *p, size_t n)
{
    char *s;

    if (p->strings == NULL) {
        p->str_bytes += n + 1;
        return NULL;
    }
    s = p->strings + p->str_used;
    p->str_used += n + 1;
    return s;
}

/* Parse a string into the string area; returns it (NULL in the first
 * pass) with its length, or sets p->failed. */
static const char *parse_string_value(struct parser *p, size_t *n)
{
    size_t start = p->pos, len;
    char *dst;

    /* Measure first: the area takes exactly the decoded length. */
    if (read_string(p, NULL, &len) < 0)
        return NULL;
    dst = string_space(p, len);
    if (dst == NULL)
        return NULL;
    p->pos = start;
    read_string(p, dst, &len);
    dst[len] = '\0';
    *n = len;
    return dst;
}

static int skip_digits(struct parser *p)
{
    size_t start = p->pos;

    while (p->pos < p->len && p->text[p->pos] >= '0' && p->text[p->pos] <= '9')
        p->pos++;
    return p->pos > start;
}

static int parse_number(struct parser *p, struct json_value *v)
{
    size_t start = p->pos, n;
    char *copy, *end;

    if (peek(p) == '-')
        p->pos++;
    if (peek(p) == '0')
        p->pos++;
    else if (!skip_digits(p))
        return fail_here(p, "a digit");
    if (peek(p) == '.') {
        p->pos++;
        if (!skip_digits(p))
            return fail_here(p, "a digit after '.'");
    }
    if (peek(p) == 'e' || peek(p) == 'E') {
        p->pos++;
        if (peek(p) == '+' || peek(p) == '-')
            p->pos++;
        if (!skip_digits(p))
            return fail_here(p, "a digit in the exponent");
    }

    n = p->pos - start;
    copy = string_space(p, n);
    if (copy == NULL)
        return 0;
    memcpy(copy, p->text + start, n);
    copy[n] = '\0';
    v->str = copy;
    v->len = n;
    errno = 0;
    v->num = strtod(copy, &end);
    if (errno == ERANGE && isinf(v->num))
        return fail_at(p, start, "number out of range at offset %zu", start);
    return 0;
}

static int match_literal(struct parser *p, const char *word)
{
    size_t n = strlen(word);

    if (p->len - p->pos < n || memcmp(p->text + p->pos, word, n) != 0)
        return 0;
    p->pos += n;
    return 1;
}

static int parse_value(struct parser *p, struct json_value *v);

/* Parse a container's children after its opening bracket; object members
 * come as "key": value.  Children are linked in order.  0 or -1. */
static int parse_children(struct parser *p, struct json_value *parent,
                          int is_object)
{
    struct json_value *last = NULL;
    int close = is_object ? '}' : ']';

    skip_ws(p);
    if (peek(p) == close) {
        p->pos++;
        return 0;
    }
    for (;;) {
        const char *key = NULL;
        size_t key_len = 0, offset;
        struct json_value *child;

        skip_ws(p);
        if (is_object) {
            if (peek(p) != '"')
                return fail_here(p, "a member name");
            offset = p->pos;
            key = parse_string_value(p, &key_len);
            if (p->failed)
                return -1;
            for (struct json_value *m = parent ? parent->child : NULL; m;
                 m = m->next)
                if (m->key_len == key_len && memcmp(m->key, key, key_len) == 0)
                    return fail_at(p, offset,
                                   "duplicate member name at offset %zu",
                                   offset);
            skip_ws(p);
            if (peek(p) != ':')
                return fail_here(p, "':'");
            p->pos++;
            skip_ws(p);
        }

        child = new_value(p, JSON_NULL, p->pos);
        if (p->failed || parse_value(p, child) < 0)
            return -1;
        if (child != NULL) {
            child->key = key;
            child->key_len = key_len;
            if (last == NULL)
                parent->child = child;
            else
                last->next = child;
            last = child;
            parent->count++;
        }

        skip_ws(p);
        if (peek(p) == close) {
            p->pos++;
            return 0;
        }
        if (peek(p) != ',')
            return fail_here(p, is_object ? "',' or '}'" : "',' or ']'");
        p->pos++;
    }
}

/* Parse the value at the cursor into v (NULL in the first pass), whose
 * node new_value() has already claimed.  0 or -1 (p->failed set). */
static int parse_value(struct parser *p, struct json_value *v)
{
    int c = peek(p);
    struct json_value scratch;
    struct json_value *t = v != NULL ? v : &scratch;

    t->offset = p->pos;
    if (c == '{' || c == '[') {
        if (++p->depth > p->lim->max_depth)
            return fail_at(p, p->pos, "nesting deeper than %d at offset %zu",
                           p->lim->max_depth, p->pos);
        t->type = c == '{' ? JSON_OBJECT : JSON_ARRAY;
        p->pos++;
        parse_children(p, v, c == '{');
        p->depth--;
    } else if (c == '"') {
        t->type = JSON_STRING;
        t->str = parse_string_value(p, &t->len);
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        t->type = JSON_NUMBER;
        parse_number(p, t);
    } else if (match_literal(p, "true")) {
        t->type = JSON_TRUE;
    } else if (match_literal(p, "false")) {
        t->type = JSON_FALSE;
    } else if (match_literal(p, "null")) {
        t->type = JSON_NULL;
    } else {
        return fail_here(p, "a value");
    }
    return p->failed ? -1 : 0;
}

/* One pass over the whole text: a value surrounded by whitespace. */
static struct json_value *parse_document(struct parser *p)
{
    struct json_value *root;

    p->pos = 0;
    p->depth = 0;
    skip_ws(p);
    root = new_value(p, JSON_NULL, p->pos);
    if (p->failed)
        return NULL;
    parse_value(p, root);
    if (p->failed)
        return NULL;
    skip_ws(p);
    if (p->pos < p->len)
        fail_here(p, "the end of input");
    return root;
}

void json_limits_default(struct json_limits *lim)
{
    lim->max_len = JSON_MAX_LEN_DEFAULT;
    lim->max_depth = JSON_MAX_DEPTH_DEFAULT;
    lim->max_values = JSON_MAX_VALUES_DEFAULT;
}

struct json_value *json_parse(const char *text, size_t len,
                              const struct json_limits *lim,
                              struct json_error *err)
{
    struct json_limits defaults;
    struct parser p;
    struct json_value *root;
    void *block;

    if (lim == NULL) {
        json_limits_default(&defaults);
        lim = &defaults;
    }
    memset(&p, 0, sizeof(p));
    p.text = text;
    p.len = len;
    p.lim = lim;
    p.err = err;
    if (len > lim->max_len) {
        fail_at(&p, lim->max_len, "document over %zu bytes", lim->max_len);
        return NULL;
    }

    parse_document(&p);
    if (p.failed)
        return NULL;

    /* Nodes first, strings after them: the block's alignment suits both. */
    block = malloc(p.values * sizeof(struct json_value) + p.str_bytes);
    if (block == NULL) {
        fail_at(&p, 0, "out of memory");
        return NULL;
    }
    p.nodes = block;
    p.strings = (char *)block + p.values * sizeof(struct json_value);
    root = parse_document(&p);
    if (p.failed) {
        free(block);
        return NULL;
    }
    return root;
}

void json_free(struct json_value *root)
{
    free(root);
}

const struct json_value *json_get(const struct json_value *obj, const char *key)
{
    size_t n = strlen(key);

    if (obj == NULL || obj->type != JSON_OBJECT)
        return NULL;
    for (const struct json_value *m = obj->child; m != NULL; m = m->next)
        if (m->key_len == n && memcmp(m->key, key, n) == 0)
            return m;
    return NULL;
}

const struct json_value *json_at(const struct json_value *arr, size_t i)
{
    const struct json_value *e;

    if (arr == NULL || arr->type != JSON_ARRAY || i >= arr->count)
        return NULL;
    for (e = arr->child; i > 0; i--)
        e = e->next;
    return e;
}

const char *json_get_string(const struct json_value *obj, const char *key,
                            size_t *len)
{
    const struct json_value *v = json_get(obj, key);

    if (v == NULL || v->type != JSON_STRING)
        return NULL;
    if (len != NULL)
        *len = v->len;
    return v->str;
}

int json_get_number(const struct json_value *obj, const char *key, double *out)
{
    const struct json_value *v = json_get(obj, key);

    if (v == NULL || v->type != JSON_NUMBER)
        return -1;
    *out = v->num;
    return 0;
}

int json_value_int(const struct json_value *v, long long *out)
{
    long long n;
    char *end;

    if (v == NULL || v->type != JSON_NUMBER || strcspn(v->str, ".eE") != v->len)
        return -1;
    errno = 0;
    n = strtoll(v->str, &end, 10);
    if (errno == ERANGE || *end != '\0')
        return -1;
    *out = n;
    return 0;
}

int json_get_int(const struct json_value *obj, const char *key, long long *out)
{
    return json_value_int(json_get(obj, key), out);
}

int json_get_bool(const struct json_value *obj, const char *key, int *out)
{
    const struct json_value *v = json_get(obj, key);

    if (v == NULL || (v->type != JSON_TRUE && v->type != JSON_FALSE))
        return -1;
    *out = v->type == JSON_TRUE;
    return 0;
}

const char *json_type_name(enum json_type t)
{
    switch (t) {
    case JSON_NULL:
        return "null";
    case JSON_FALSE:
        return "false";
    case JSON_TRUE:
        return "true";
    case JSON_NUMBER:
        return "number";
    case JSON_STRING:
        return "string";
    case JSON_ARRAY:
        return "array";
    case JSON_OBJECT:
        return "object";
    }
    return "unknown";
}

/* ---- writer ---- */

void json_writer_init(struct json_writer *w)
{
    memset(w, 0, sizeof(*w));
}

void json_writer_free(struct json_writer *w)
{
    free(w->buf);
    json_writer_init(w);
}

void json_writer_reset(struct json_writer *w)
{
    char *buf = w->buf;
    size_t cap = w->cap;

    json_writer_init(w);
    w->buf = buf;
    w->cap = cap;
    if (buf != NULL)
        buf[0] = '\0';
}

/* Room for n more bytes and the NUL. */
static int reserve(struct json_writer *w, size_t n)
{
    size_t cap;
    char *p;

    if (w->failed)
        return -1;
    if (w->cap - w->len > n)
        return 0;
    cap = w->cap ? w->cap : 128;
    while (cap - w->len <= n) {
        if (cap > ((size_t)-1) / 2) {
            w->failed = 1;
            return -1;
        }
        cap *= 2;
    }
    p = realloc(w->buf, cap);
    if (p == NULL) {
        w->failed = 1;
        return -1;
    }
    w->buf = p;
    w->cap = cap;
    return 0;
}

static int emit(struct json_writer *w, const char *s, size_t n)
{
    if (reserve(w, n) < 0)
        return -1;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
    return 0;
}

static int misuse(struct json_writer *w)
{
    w->failed = 1;
    return -1;
}

/* Whatever a value needs before it: a comma in an array, nothing after a
 * key; refuses a value where none is allowed. */
static int before_value(struct json_writer *w)
{
    int top = w->depth - 1;

    if (w->failed)
        return -1;
    if (w->depth == 0)
        return w->done ? misuse(w) : 0;
    if (w->kind[top] == 'o') {
        if (!w->after_key[top])
            return misuse(w);
        w->after_key[top] = 0;
        return 0;
    }
    if (w->has_items[top] && emit(w, ",", 1) < 0)
        return -1;
    w->has_items[top] = 1;
    return 0;
}

static void after_value(struct json_writer *w)
{
    if (w->depth == 0)
        w->done = 1;
}

/* Write the escape of one ASCII byte that cannot appear raw in a string
 * (a quote, a backslash or a control byte). */
static int emit_escape(struct json_writer *w, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    static const char from[] = "\"\\\b\f\n\r\t";
    static const char to[] = "\"\\bfnrt";
    const char *at = c != '\0' ? strchr(from, c) : NULL;
    char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};

    if (at == NULL)
        return emit(w, esc, sizeof(esc));
    esc[1] = to[at - from];
    return emit(w, esc, 2);
}

/* Write s[0..n) as a JSON string literal (the rules are in json.h). */
static int write_escaped(struct json_writer *w, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    if (emit(w, "\"", 1) < 0)
        return -1;
    while (i < n) {
        size_t run = i, k;

        /* Copy the longest stretch that needs no escaping at once. */
        while (run < n && u[run] >= 0x20 && u[run] != '"' && u[run] != '\\' &&
               u[run] < 0x80)
            run++;
        if (run > i && emit(w, s + i, run - i) < 0)
            return -1;
        i = run;
        if (i == n)
            break;
        if (u[i] < 0x80) {
            if (emit_escape(w, u[i]) < 0)
                return -1;
            i++;
            continue;
        }
        k = utf8_char_len(u + i, n - i);
        if (k == 0 ? emit(w, "\xEF\xBF\xBD", 3) : emit(w, s + i, k))
            return -1;
        i += k ? k : 1;
    }
    return emit(w, "\"", 1);
}

static int begin(struct json_writer *w, char kind)
{
    if (before_value(w) < 0)
        return -1;
    if (w->depth == JSON_WRITER_MAX_DEPTH)
        return misuse(w);
    if (emit(w, kind == 'o' ? "{" : "[", 1) < 0)
        return -1;
    w->kind[w->depth] = kind;
    w->has_items[w->depth] = 0;
    w->after_key[w->depth] = 0;
    w->depth++;
    return 0;
}

static int end(struct json_writer *w, char kind)
{
    int top = w->depth - 1;

    if (w->failed)
        return -1;
    if (w->depth == 0 || w->kind[top] != kind || w->after_key[top])
        return misuse(w);
    if (emit(w, kind == 'o' ? "}" : "]", 1) < 0)
        return -1;
    w->depth--;
    after_value(w);
    return 0;
}

int json_write_object_begin(struct json_writer *w)
{
    return begin(w, 'o');
}

int json_write_object_end(struct json_writer *w)
{
    return end(w, 'o');
}

int json_write_array_begin(struct json_writer *w)
{
    return begin(w, 'a');
}

int json_write_array_end(struct json_writer *w)
{
    return end(w, 'a');
}

int json_write_key_n(struct json_writer *w, const char *key, size_t n)
{
    int top = w->depth - 1;

    if (w->failed)
        return -1;
    if (w->depth == 0 || w->kind[top] != 'o' || w->after_key[top])
        return misuse(w);
    if (w->has_items[top] && emit(w, ",", 1) < 0)
        return -1;
    w->has_items[top] = 1;
    if (write_escaped(w, key, n) < 0 || emit(w, ":", 1) < 0)
        return -1;
    w->after_key[top] = 1;
    return 0;
}

int json_write_key(struct json_writer *w, const char *key)
{
    return json_write_key_n(w, key, strlen(key));
}

/* A value that is a plain run of bytes (number, literal, raw JSON). */
static int write_scalar(struct json_writer *w, const char *s, size_t n)
{
    if (before_value(w) < 0 || emit(w, s, n) < 0)
        return -1;
    after_value(w);
    return 0;
}

int json_write_string_n(struct json_writer *w, const char *s, size_t n)
{
    if (before_value(w) < 0 || write_escaped(w, s, n) < 0)
        return -1;
    after_value(w);
    return 0;
}

int json_write_string(struct json_writer *w, const char *s)
{
    return json_write_string_n(w, s, strlen(s));
}

int json_write_int(struct json_writer *w, long long v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%lld", v);

    return write_scalar(w, tmp, (size_t)n);
}

/* The shortest of %.15g, %.16g and %.17g that reads back as v; %.17g
 * always does for a finite double. */
int json_write_double(struct json_writer *w, double v)
{
    char tmp[32];
    int n = 0;

    if (!isfinite(v))
        return write_scalar(w, "null", 4);
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    return write_scalar(w, tmp, (size_t)n);
}

int json_write_bool(struct json_writer *w, int v)
{
    return v ? write_scalar(w, "true", 4) : write_scalar(w, "false", 5);
}

int json_write_null(struct json_writer *w)
{
    return write_scalar(w, "null", 4);
}

int json_write_raw(struct json_writer *w, const char *json, size_t n)
{
    return write_scalar(w, json, n);
}

int json_write_kv_string(struct json_writer *w, const char *key, const char *s)
{
    if (json_write_key(w, key) < 0)
        return -1;
    return json_write_string(w, s);
}

int json_write_kv_string_n(struct json_writer *w, const char *key,
                           const char *s, size_t n)
{
    if (json_write_key(w, key) < 0)
        return -1;
    return json_write_string_n(w, s, n);
}

int json_write_kv_int(struct json_writer *w, const char *key, long long v)
{
    if (json_write_key(w, key) < 0)
        return -1;
    return json_write_int(w, v);
}

int json_write_kv_bool(struct json_writer *w, const char *key, int v)
{
    if (json_write_key(w, key) < 0)
        return -1;
    return json_write_bool(w, v);
}

int json_write_kv_null(struct json_writer *w, const char *key)
{
    if (json_write_key(w, key) < 0)
        return -1;
    return json_write_null(w);
}

const char *json_writer_result(const struct json_writer *w, size_t *len)
{
    if (w->failed || w->depth != 0 || !w->done)
        return NULL;
    if (len != NULL)
        *len = w->len;
    return w->buf;
}
