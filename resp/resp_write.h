/* resp_write.h -- formatting replies into a growable byte buffer.
 *
 * The writer knows both protocol versions.  Types RESP3 added (null, map,
 * set, double, boolean, verbatim string, push, big number) are written with
 * their RESP2 equivalent when proto is 2, exactly as Redis degrades them:
 * a null is "$-1" (or "*-1" for a null array), a map is a flat array of
 * twice the length, a double is a bulk string, a boolean is an integer.
 *
 * Every function appends to a struct resp_buf and returns 0, or -1 when
 * memory could not be allocated (the buffer is then unchanged). */
#ifndef RESP_WRITE_H
#define RESP_WRITE_H

#include <stddef.h>

struct resp_buf {
    char *data;
    size_t len;
    size_t cap;
};

void resp_buf_init(struct resp_buf *b);
void resp_buf_free(struct resp_buf *b);

/* Make room for at least n more bytes. */
int resp_buf_reserve(struct resp_buf *b, size_t n);
int resp_buf_append(struct resp_buf *b, const void *p, size_t n);
/* Drop the first n bytes (already written to a socket). */
void resp_buf_consume(struct resp_buf *b, size_t n);

int resp_w_simple(struct resp_buf *b, const char *s, size_t n); /* +s */
int resp_w_error(struct resp_buf *b, const char *s, size_t n);  /* -s */
int resp_w_int(struct resp_buf *b, long long v);                /* :v */
int resp_w_bulk(struct resp_buf *b, const void *p, size_t n);   /* $n s */
int resp_w_bulk_ll(struct resp_buf *b, long long v);
/* Aggregate headers: type is '*' array, '%' map, '~' set, '>' push, '|'
 * attribute.  For a map n counts pairs. */
int resp_w_aggregate(struct resp_buf *b, int proto, char type, long long n);
int resp_w_null(struct resp_buf *b, int proto);       /* _ or $-1 */
int resp_w_null_array(struct resp_buf *b, int proto); /* _ or *-1 */
int resp_w_bool(struct resp_buf *b, int proto, int v);
/* A double the way Redis 7.0 prints it: "%.17g", and "inf" / "-inf" for
 * infinities (in RESP3 as ",inf"). */
int resp_w_double(struct resp_buf *b, int proto, double v);
/* Verbatim string (=len\r\nfmt:text), a bulk string in RESP2.  fmt is
 * three characters such as "txt". */
int resp_w_verbatim(struct resp_buf *b, int proto, const char *fmt,
                    const void *p, size_t n);
int resp_w_bignum(struct resp_buf *b, int proto, const char *digits, size_t n);

/* Write the decimal form of v into out (at least 21 bytes), returning the
 * length.  Shared with the broker, which needs the same digits. */
int resp_ll2str(char *out, long long v);

#endif
