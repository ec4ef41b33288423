/* resp_parse.c -- incremental parser for client requests (see resp_parse.h).
 *
 * The parser mirrors what redis-server accepts, including its leniencies:
 * the two bytes after a bulk's payload are skipped without being checked,
 * and an inline line may end in "\n" alone.  Error texts are Redis 7's. */
#include "resp_parse.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARGV_INITIAL_CAP 8

enum { KIND_UNKNOWN = 0, KIND_MULTIBULK = '*', KIND_INLINE = 'i' };

static int next_arg(char **s, char *end, struct resp_arg *out);
static char *line_end(char *line, size_t len);

void resp_parser_init(struct resp_parser *p)
{
    memset(p, 0, sizeof(*p));
    p->max_bulk_len = RESP_MAX_BULK_LEN_DEFAULT;
    p->max_multibulk_len = RESP_MAX_MULTIBULK_LEN;
    p->bulk_len = -1;
}

void resp_parser_free(struct resp_parser *p)
{
    free(p->argv);
    free(p->arg_off);
    p->argv = NULL;
    p->arg_off = NULL;
    p->argv_cap = 0;
}

void resp_parser_shrink(struct resp_parser *p, int max_cap)
{
    if (p->argv_cap > max_cap && p->kind == KIND_UNKNOWN)
        resp_parser_free(p);
}

void resp_parser_reset(struct resp_parser *p)
{
    p->kind = KIND_UNKNOWN;
    p->multibulk_left = 0;
    p->bulk_len = -1;
    p->pos = 0;
    p->seen = 0;
    p->argc = 0;
}

/* Make room for n arguments.  Growth follows the arguments actually parsed,
 * never a declared count, so a request claiming a million arguments costs
 * nothing until they arrive. */
static int ensure_argv(struct resp_parser *p, size_t n)
{
    if (n <= (size_t)p->argv_cap)
        return 0;
    size_t cap = p->argv_cap ? (size_t)p->argv_cap : ARGV_INITIAL_CAP;
    while (cap < n)
        cap *= 2;
    if (cap > INT_MAX)
        return -1;
    struct resp_arg *argv = realloc(p->argv, cap * sizeof(*argv));
    if (argv == NULL)
        return -1;
    p->argv = argv;
    size_t *off = realloc(p->arg_off, cap * sizeof(*off));
    if (off == NULL)
        return -1;
    p->arg_off = off;
    p->argv_cap = (int)cap;
    return 0;
}

static int fail(struct resp_parser *p, const char *msg)
{
    snprintf(p->error, sizeof(p->error), "Protocol error: %s", msg);
    return RESP_PARSE_ERROR;
}

int resp_str2ll(const char *s, size_t n, long long *out)
{
    size_t i = 0;
    int neg = 0;
    unsigned long long v = 0;

    if (n == 0 || n > 20)
        return -1;
    if (n == 1 && s[0] == '0') {
        *out = 0;
        return 0;
    }
    if (s[0] == '-') {
        neg = 1;
        if (++i == n)
            return -1;
    }
    if (s[i] < '1' || s[i] > '9')
        return -1;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        if (v > (ULLONG_MAX - (unsigned)(s[i] - '0')) / 10)
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (neg) {
        if (v > (unsigned long long)LLONG_MAX + 1)
            return -1;
        *out = (long long)(0 - v);
    } else {
        if (v > LLONG_MAX)
            return -1;
        *out = (long long)v;
    }
    return 0;
}

/* Find the "\r\n"-terminated header line starting at p->pos.  Returns the
 * offset of the '\r', or -1 when the line is not complete; *too_big is set
 * when no '\r' came within the inline size limit (what Redis refuses).
 * Redis looks for the '\r' with strchr(), so a NUL byte hides it; so it
 * does here, and such a line waits for more input as it would there. */
static long find_header_end(const char *buf, size_t len, size_t pos,
                            int *too_big)
{
    *too_big = 0;
    const char *cr = memchr(buf + pos, '\r', len - pos);
    size_t upto = cr ? (size_t)(cr - buf) : len;
    if (memchr(buf + pos, '\0', upto - pos) != NULL)
        cr = NULL;
    if (cr == NULL) {
        if (len - pos > RESP_MAX_INLINE_LEN)
            *too_big = 1;
        return -1;
    }
    if ((size_t)(cr - buf) + 1 >= len)
        return -1; /* the '\n' has not arrived */
    return cr - buf;
}

/* Parse the "*<count>\r\n" header.  Returns RESP_PARSE_MORE to go on with
 * the arguments, or a final status. */
static int parse_multibulk_header(struct resp_parser *p, char *buf, size_t len)
{
    int too_big;
    long cr = find_header_end(buf, len, p->pos, &too_big);
    if (cr < 0)
        return too_big ? fail(p, "too big mbulk count string")
                       : RESP_PARSE_MORE;

    long long count;
    int ok =
        resp_str2ll(buf + p->pos + 1, (size_t)cr - p->pos - 1, &count) == 0;
    if (ok && p->unauthenticated && count > RESP_UNAUTH_MAX_MULTIBULK_LEN)
        return fail(p, "unauthenticated multibulk length");
    if (!ok || count > p->max_multibulk_len)
        return fail(p, "invalid multibulk length");

    p->pos = (size_t)cr + 2;
    if (count <= 0)
        return RESP_PARSE_EMPTY;
    p->multibulk_left = count;
    p->argc = 0;
    return RESP_PARSE_MORE;
}

/* Parse one "$<len>\r\n" header.  Returns RESP_PARSE_DONE when the length
 * is known, or a status to return to the caller. */
static int parse_bulk_header(struct resp_parser *p, char *buf, size_t len)
{
    int too_big;
    long cr = find_header_end(buf, len, p->pos, &too_big);
    if (cr < 0)
        return too_big ? fail(p, "too big bulk count string") : RESP_PARSE_MORE;

    if (buf[p->pos] != '$') {
        char c = buf[p->pos];
        /* Redis replaces line breaks in error texts with spaces. */
        if (c == '\r' || c == '\n')
            c = ' ';
        snprintf(p->error, sizeof(p->error),
                 "Protocol error: expected '$', got '%c'", c);
        return RESP_PARSE_ERROR;
    }

    long long n;
    int ok = resp_str2ll(buf + p->pos + 1, (size_t)cr - p->pos - 1, &n) == 0;
    if (ok && p->unauthenticated && n > RESP_UNAUTH_MAX_BULK_LEN)
        return fail(p, "unauthenticated bulk length");
    if (!ok || n < 0 || n > p->max_bulk_len)
        return fail(p, "invalid bulk length");

    p->pos = (size_t)cr + 2;
    p->bulk_len = n;
    return RESP_PARSE_DONE;
}

static int parse_multibulk(struct resp_parser *p, char *buf, size_t len)
{
    if (p->multibulk_left == 0) {
        int rc = parse_multibulk_header(p, buf, len);
        if (rc != RESP_PARSE_MORE || p->multibulk_left == 0)
            return rc; /* done, failed, or the header line is incomplete */
    }

    while (p->multibulk_left > 0) {
        if (p->bulk_len < 0) {
            int rc = parse_bulk_header(p, buf, len);
            if (rc != RESP_PARSE_DONE)
                return rc;
        }
        if (len - p->pos < (size_t)p->bulk_len + 2)
            return RESP_PARSE_MORE;
        if (ensure_argv(p, (size_t)p->argc + 1) != 0)
            return fail(p, "out of memory");
        p->arg_off[p->argc] = p->pos;
        p->argv[p->argc].len = (size_t)p->bulk_len;
        p->argc++;
        p->pos += (size_t)p->bulk_len + 2;
        p->bulk_len = -1;
        p->multibulk_left--;
    }

    for (int i = 0; i < p->argc; i++)
        p->argv[i].ptr = buf + p->arg_off[i];
    return RESP_PARSE_DONE;
}

/* The first '\n' at or after pos, or NULL.  Redis searches the line with
 * strchr(), so a NUL byte hides every newline after it; we do the same, so
 * such a request waits for more input exactly as it would there. */
static char *find_inline_end(char *buf, size_t *pos, size_t len)
{
    char *nl = memchr(buf + *pos, '\n', len - *pos);
    size_t upto = nl ? (size_t)(nl - buf) : len;
    char *nul = memchr(buf + *pos, '\0', upto - *pos);

    /* Resume the next search where this one stopped. */
    *pos = nul ? (size_t)(nul - buf) : upto;
    return nul ? NULL : nl;
}

static int parse_inline(struct resp_parser *p, char *buf, size_t len)
{
    char *nl = find_inline_end(buf, &p->pos, len);
    if (nl == NULL) {
        if (len > RESP_MAX_INLINE_LEN)
            return fail(p, "too big inline request");
        return RESP_PARSE_MORE;
    }

    size_t line_len = (size_t)(nl - buf);
    size_t consumed = line_len + 1;
    if (line_len > 0 && buf[line_len - 1] == '\r')
        line_len--;

    /* argv grows with the arguments found, as for multibulk requests. */
    char *s = buf, *end = line_end(buf, line_len);
    struct resp_arg arg;
    int argc = 0, rc;
    while ((rc = next_arg(&s, end, &arg)) == 1) {
        if (ensure_argv(p, (size_t)argc + 1) != 0)
            return fail(p, "out of memory");
        p->argv[argc++] = arg;
    }
    if (rc < 0)
        return fail(p, "unbalanced quotes in request");
    p->argc = argc;
    p->pos = consumed;
    return argc == 0 ? RESP_PARSE_EMPTY : RESP_PARSE_DONE;
}

int resp_parse_request(struct resp_parser *p, char *buf, size_t len,
                       size_t *consumed)
{
    int rc;

    if (len == 0)
        return RESP_PARSE_MORE;
    if (p->kind == KIND_UNKNOWN)
        p->kind = buf[0] == '*' ? KIND_MULTIBULK : KIND_INLINE;

    p->seen = len;
    if (p->kind == KIND_MULTIBULK)
        rc = parse_multibulk(p, buf, len);
    else
        rc = parse_inline(p, buf, len);

    if (rc == RESP_PARSE_DONE || rc == RESP_PARSE_EMPTY) {
        *consumed = p->pos;
        int argc = p->argc;
        resp_parser_reset(p);
        p->argc = rc == RESP_PARSE_DONE ? argc : 0;
    }
    return rc;
}

size_t resp_parser_bytes_wanted(const struct resp_parser *p)
{
    if (p->kind != KIND_MULTIBULK || p->bulk_len < 0)
        return 0;
    size_t need = (size_t)p->bulk_len + 2;
    size_t have = p->seen > p->pos ? p->seen - p->pos : 0;
    return need > have ? need - have : 0;
}

/* After a closing quote at s - 1: Redis wants a space or the end of the
 * line next.  Stores where reading and writing go on; 0, or -1. */
static int close_quote(char *s, const char *end, char **src, char *d,
                       char **dst)
{
    if (s < end && !isspace((unsigned char)*s))
        return -1;
    *src = s;
    *dst = d;
    return 0;
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Unquote a "double quoted" token starting after the quote at *src,
 * writing into *dst.  Returns 0 at the closing quote (consumed), -1 when the
 * line ends first or the closing quote is followed by a non-space. */
static int unquote_double(char **src, char **dst, const char *end)
{
    char *s = *src, *d = *dst;

    while (s < end) {
        if (*s == '\\' && s + 3 < end && s[1] == 'x' && hex_value(s[2]) >= 0 &&
            hex_value(s[3]) >= 0) {
            *d++ = (char)(hex_value(s[2]) * 16 + hex_value(s[3]));
            s += 4;
        } else if (*s == '\\' && s + 1 < end) {
            char c = s[1];
            switch (c) {
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case 't':
                c = '\t';
                break;
            case 'b':
                c = '\b';
                break;
            case 'a':
                c = '\a';
                break;
            default:
                break;
            }
            *d++ = c;
            s += 2;
        } else if (*s == '"') {
            return close_quote(s + 1, end, src, d, dst);
        } else {
            *d++ = *s++;
        }
    }
    return -1;
}

static int unquote_single(char **src, char **dst, const char *end)
{
    char *s = *src, *d = *dst;

    while (s < end) {
        if (*s == '\\' && s + 1 < end && s[1] == '\'') {
            *d++ = '\'';
            s += 2;
        } else if (*s == '\'') {
            return close_quote(s + 1, end, src, d, dst);
        } else {
            *d++ = *s++;
        }
    }
    return -1;
}

/* Split off the next argument of [*s, end): skip blanks, unquote in place
 * (unquoted bytes and quoted sections may alternate inside one token:
 * a"b c" is "ab c"; the output never overtakes the input).  Returns 1 with
 * *out set, 0 at the end of the line, -1 on unbalanced quotes. */
static int next_arg(char **s, char *end, struct resp_arg *out)
{
    char *p = *s;

    while (p < end && isspace((unsigned char)*p))
        p++;
    if (p == end)
        return 0;

    char *start = p, *d = p;
    for (;;) {
        if (p == end || *p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
            break;
        if (*p == '"' || *p == '\'') {
            int q = *p++;
            int rc = q == '"' ? unquote_double(&p, &d, end)
                              : unquote_single(&p, &d, end);
            if (rc != 0)
                return -1;
            break;
        }
        *d++ = *p++;
    }
    out->ptr = start;
    out->len = (size_t)(d - start);
    *s = p;
    return 1;
}

/* Like the C-string splitting redis-cli and redis.conf use, a NUL byte
 * ends the line. */
static char *line_end(char *line, size_t len)
{
    char *end = memchr(line, '\0', len);
    return end ? end : line + len;
}

int resp_split_args(char *line, size_t len, struct resp_arg *out, int max_args,
                    int *too_many)
{
    char *s = line, *end = line_end(line, len);
    struct resp_arg arg;
    int argc = 0, rc;

    *too_many = 0;
    while ((rc = next_arg(&s, end, &arg)) == 1) {
        if (argc == max_args) {
            *too_many = 1;
            return -1;
        }
        out[argc++] = arg;
    }
    return rc < 0 ? -1 : argc;
}
