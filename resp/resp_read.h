/* resp_read.h -- incremental reader for replies (RESP2 and RESP3).
 *
 * Used by the client library and the tests.  Bytes are fed in as they
 * arrive; resp_reader_next() hands out one complete reply at a time as a
 * tree of struct resp_reply.  The reader does no I/O.  How replies are
 * stored is up to the caller: the default constructors build the tree
 * below, and a caller may install its own (hiredis does the same). */
#ifndef RESP_READ_H
#define RESP_READ_H

#include <stddef.h>

#define RESP_READ_MAX_DEPTH 16

enum resp_type {
    RESP_STRING = 1, /* $ bulk string */
    RESP_SIMPLE,     /* + simple string */
    RESP_ERROR,      /* - error, and ! blob error */
    RESP_INTEGER,    /* : */
    RESP_NIL,        /* _ , $-1, *-1 */
    RESP_ARRAY,      /* * */
    RESP_MAP,        /* % (elements hold keys and values alternately) */
    RESP_SET,        /* ~ */
    RESP_PUSH,       /* > */
    RESP_ATTRIBUTE,  /* | (kept as its own reply before the next one) */
    RESP_DOUBLE,     /* , (str holds the text, dval the value) */
    RESP_BOOL,       /* # (integer holds 0 or 1) */
    RESP_VERBATIM,   /* = (str holds the text after "fmt:", vtype fmt) */
    RESP_BIGNUM      /* ( (str holds the digits) */
};

struct resp_reply {
    enum resp_type type;
    long long integer;
    double dval;
    char *str; /* NUL-terminated copy, also binary-safe with len */
    size_t len;
    char vtype[4];
    struct resp_reply **element;
    size_t elements; /* for a map: 2 * pairs */
};

enum resp_read_status {
    RESP_READ_OK = 0,    /* *out holds a reply */
    RESP_READ_MORE = 1,  /* feed more bytes */
    RESP_READ_ERROR = -1 /* protocol error; the reader is unusable */
};

struct resp_reader; /* opaque */

struct resp_reader *resp_reader_create(void);
void resp_reader_free(struct resp_reader *r);

/* Append bytes received from the server.  Returns 0, or -1 on allocation
 * failure. */
int resp_reader_feed(struct resp_reader *r, const void *p, size_t n);

/* Take the next complete reply, if any.  The caller owns *out and frees it
 * with resp_reply_free(). */
int resp_reader_next(struct resp_reader *r, struct resp_reply **out);

/* Why the reader failed, after RESP_READ_ERROR ("Protocol error, got 'x'
 * as reply type byte"). */
const char *resp_reader_error(const struct resp_reader *r);

void resp_reply_free(struct resp_reply *reply);

#endif
