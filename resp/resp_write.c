/* resp_write.c -- formatting replies into a growable byte buffer.
 *
 * Every writer computes the exact size of what it appends, reserves it once
 * and then copies, so a buffer with enough capacity never reallocates and a
 * failed allocation leaves the buffer exactly as it was.  RESP3-only types
 * are degraded for RESP2 clients the way Redis 7.0 does it (see
 * resp_write.h). */
#include "resp_write.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Smallest capacity handed out, so tiny replies don't reallocate at every
 * byte. */
#define RESP_BUF_MIN_CAP 64

/* Room for a type byte, a 20-digit length with its sign and a CRLF. */
#define RESP_HDR_MAX 24

/* "%.17g" of any double fits in 24 characters ("-1.2345678901234567e-308"
 * is 24); keep some slack. */
#define RESP_DOUBLE_MAX 32

void resp_buf_init(struct resp_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void resp_buf_free(struct resp_buf *b)
{
    free(b->data);
    resp_buf_init(b);
}

/* Grow the capacity geometrically (doubling) so that appending n bytes one
 * reply at a time costs amortised O(n).  Returns 0, or -1 with the buffer
 * untouched when the size overflows or realloc fails. */
int resp_buf_reserve(struct resp_buf *b, size_t n)
{
    size_t need, cap;
    char *data;

    if (b->cap - b->len >= n)
        return 0;
    if (n > (size_t)-1 - b->len)
        return -1;
    need = b->len + n;
    cap = b->cap < RESP_BUF_MIN_CAP ? RESP_BUF_MIN_CAP : b->cap;
    while (cap < need)
        cap = cap > (size_t)-1 / 2 ? need : cap * 2;

    data = realloc(b->data, cap);
    if (data == NULL)
        return -1;
    b->data = data;
    b->cap = cap;
    return 0;
}

int resp_buf_append(struct resp_buf *b, const void *p, size_t n)
{
    if (resp_buf_reserve(b, n) != 0)
        return -1;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

/* Drop the first n bytes, keeping the capacity.  Consuming everything is
 * the common case after a complete socket write and costs nothing. */
void resp_buf_consume(struct resp_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

/* Pairs of decimal digits "00".."99", so the conversion below does one
 * division per two digits. */
static const char digit_pairs[201] = "0001020304050607080910111213141516171819"
                                     "2021222324252627282930313233343536373839"
                                     "4041424344454647484950515253545556575859"
                                     "6061626364656667686970717273747576777879"
                                     "8081828384858687888990919293949596979899";

/* Write the digits of v into out, returning their count.  No NUL. */
static int ull2str(char *out, unsigned long long v)
{
    char tmp[20];
    int i = 20, n;

    while (v >= 100) {
        unsigned idx = (unsigned)(v % 100) * 2;
        v /= 100;
        tmp[--i] = digit_pairs[idx + 1];
        tmp[--i] = digit_pairs[idx];
    }
    if (v >= 10) {
        tmp[--i] = digit_pairs[v * 2 + 1];
        tmp[--i] = digit_pairs[v * 2];
    } else {
        tmp[--i] = (char)('0' + v);
    }
    n = 20 - i;
    memcpy(out, tmp + i, (size_t)n);
    return n;
}

/* Decimal form of v, NUL-terminated in out (at least 21 bytes).  The
 * magnitude is taken in unsigned arithmetic so LLONG_MIN works. */
int resp_ll2str(char *out, long long v)
{
    int n;

    if (v < 0) {
        out[0] = '-';
        n = 1 + ull2str(out + 1, 0ULL - (unsigned long long)v);
    } else {
        n = ull2str(out, (unsigned long long)v);
    }
    out[n] = '\0';
    return n;
}

/* Append "<type><v>\r\n".  The header is built on the stack so the buffer
 * is touched only once. */
static int write_header(struct resp_buf *b, char type, long long v)
{
    char hdr[RESP_HDR_MAX];
    int n;

    hdr[0] = type;
    n = 1 + resp_ll2str(hdr + 1, v);
    hdr[n++] = '\r';
    hdr[n++] = '\n';
    return resp_buf_append(b, hdr, (size_t)n);
}

/* Append "<type><payload>\r\n" with a single reservation. */
static int write_line(struct resp_buf *b, char type, const void *p, size_t n)
{
    char *dst;

    if (n > (size_t)-1 - 3 || resp_buf_reserve(b, n + 3) != 0)
        return -1;
    dst = b->data + b->len;
    dst[0] = type;
    if (n > 0)
        memcpy(dst + 1, p, n);
    dst[n + 1] = '\r';
    dst[n + 2] = '\n';
    b->len += n + 3;
    return 0;
}

/* Append "<type><n>\r\n<prefix><payload>\r\n", the shape shared by bulk
 * and verbatim strings; the length counts prefix and payload.  One
 * reservation, so failure leaves the buffer unchanged. */
static int write_blob(struct resp_buf *b, char type, const char *prefix,
                      size_t plen, const void *p, size_t n)
{
    char hdr[RESP_HDR_MAX];
    size_t total, hlen;
    char *dst;

    if (n > (size_t)-1 - plen - 2 * RESP_HDR_MAX)
        return -1;
    hdr[0] = type;
    hlen = 1 + (size_t)resp_ll2str(hdr + 1, (long long)(plen + n));
    hdr[hlen++] = '\r';
    hdr[hlen++] = '\n';
    total = hlen + plen + n + 2;
    if (resp_buf_reserve(b, total) != 0)
        return -1;

    dst = b->data + b->len;
    memcpy(dst, hdr, hlen);
    if (plen > 0)
        memcpy(dst + hlen, prefix, plen);
    if (n > 0)
        memcpy(dst + hlen + plen, p, n);
    memcpy(dst + hlen + plen + n, "\r\n", 2);
    b->len += total;
    return 0;
}

int resp_w_simple(struct resp_buf *b, const char *s, size_t n)
{
    return write_line(b, '+', s, n);
}

int resp_w_error(struct resp_buf *b, const char *s, size_t n)
{
    return write_line(b, '-', s, n);
}

int resp_w_int(struct resp_buf *b, long long v)
{
    return write_header(b, ':', v);
}

int resp_w_bulk(struct resp_buf *b, const void *p, size_t n)
{
    return write_blob(b, '$', NULL, 0, p, n);
}

/* An integer sent as a bulk string, as Redis does for e.g. CONFIG GET. */
int resp_w_bulk_ll(struct resp_buf *b, long long v)
{
    char digits[21];
    int n = resp_ll2str(digits, v);

    return write_blob(b, '$', NULL, 0, digits, (size_t)n);
}

/* Aggregate header.  RESP2 has only arrays: a map becomes an array of 2n
 * elements, sets and pushes become arrays, and an attribute is not sent at
 * all (Redis drops it for RESP2 clients, so this writes nothing and the
 * caller must skip the attribute's elements too).  An unknown type is a
 * caller bug and fails with -1. */
int resp_w_aggregate(struct resp_buf *b, int proto, char type, long long n)
{
    switch (type) {
    case '*':
        return write_header(b, '*', n);
    case '%':
        return proto == 2 ? write_header(b, '*', n * 2)
                          : write_header(b, '%', n);
    case '~':
    case '>':
        return write_header(b, proto == 2 ? '*' : type, n);
    case '|':
        return proto == 2 ? 0 : write_header(b, '|', n);
    default:
        return -1;
    }
}

int resp_w_null(struct resp_buf *b, int proto)
{
    if (proto == 2)
        return resp_buf_append(b, "$-1\r\n", 5);
    return resp_buf_append(b, "_\r\n", 3);
}

int resp_w_null_array(struct resp_buf *b, int proto)
{
    if (proto == 2)
        return resp_buf_append(b, "*-1\r\n", 5);
    return resp_buf_append(b, "_\r\n", 3);
}

int resp_w_bool(struct resp_buf *b, int proto, int v)
{
    if (proto == 2)
        return resp_buf_append(b, v ? ":1\r\n" : ":0\r\n", 4);
    return resp_buf_append(b, v ? "#t\r\n" : "#f\r\n", 4);
}

/* Redis 7.0 prints doubles with "%.17g" and no trimming (ZSCORE of 0.1 is
 * "0.10000000000000001"; 7.2 moved to the shortest form).  Infinities are
 * spelled explicitly because libcs disagree; NaN keeps glibc's text, which
 * is "-nan" for 0/0 exactly as the real server sends it. */
int resp_w_double(struct resp_buf *b, int proto, double v)
{
    char text[RESP_DOUBLE_MAX];
    int n;

    if (isinf(v)) {
        n = v > 0 ? 3 : 4;
        memcpy(text, v > 0 ? "inf" : "-inf", (size_t)n);
    } else {
        n = snprintf(text, sizeof(text), "%.17g", v);
        if (n < 0 || (size_t)n >= sizeof(text))
            return -1;
    }

    if (proto == 2)
        return write_blob(b, '$', NULL, 0, text, (size_t)n);
    return write_line(b, ',', text, (size_t)n);
}

/* "=<len>\r\n<fmt>:<text>\r\n" where len counts "fmt:"; RESP2 clients get
 * the text alone as a bulk string. */
int resp_w_verbatim(struct resp_buf *b, int proto, const char *fmt,
                    const void *p, size_t n)
{
    char prefix[4];

    if (proto == 2)
        return write_blob(b, '$', NULL, 0, p, n);
    memcpy(prefix, fmt, 3);
    prefix[3] = ':';
    return write_blob(b, '=', prefix, sizeof(prefix), p, n);
}

int resp_w_bignum(struct resp_buf *b, int proto, const char *digits, size_t n)
{
    if (proto == 2)
        return write_blob(b, '$', NULL, 0, digits, n);
    return write_line(b, '(', digits, n);
}
