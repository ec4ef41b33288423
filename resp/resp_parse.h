/* resp_parse.h -- incremental parser for client requests.
 *
 * Requests arrive either in multibulk form ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
 * or inline form ("GET k\r\n", what telnet users type).  The parser works on
 * a buffer owned by the caller and never copies argument bytes: once a
 * request is complete, each argument points into that buffer.  Inline
 * arguments are unquoted in place, which is why the buffer is not const.
 *
 * Parsing is incremental: when the buffer ends mid-request the parser keeps
 * its position and resumes from there on the next call, so a request that
 * arrives one byte at a time costs linear time.  The caller may move or grow
 * the buffer between calls (positions are kept as offsets), but must keep
 * the bytes from the start of the current request onwards. */
#ifndef RESP_PARSE_H
#define RESP_PARSE_H

#include <stddef.h>

/* Redis's defaults for the protocol limits. */
#define RESP_MAX_BULK_LEN_DEFAULT                                              \
    (512LL * 1024 * 1024) /* proto-max-bulk-len                                \
                           */
/* Arguments per request.  Redis 6 refused more than 1,048,576; Redis 7
 * accepts up to INT_MAX.  respd keeps the 1,048,576 bound: nothing real
 * sends more, and docs/commands.md lists it as a difference. */
#define RESP_MAX_MULTIBULK_LEN (1024 * 1024)
#define RESP_MAX_INLINE_LEN    (64 * 1024) /* inline line */
/* Limits while a client has not authenticated, as Redis 7 enforces them. */
#define RESP_UNAUTH_MAX_MULTIBULK_LEN 10
#define RESP_UNAUTH_MAX_BULK_LEN      16384

enum resp_parse_status {
    RESP_PARSE_DONE = 0,   /* one request complete: argv/argc are valid */
    RESP_PARSE_MORE = 1,   /* need more bytes */
    RESP_PARSE_ERROR = -1, /* protocol error: resp_parser.error says why */
    RESP_PARSE_EMPTY = 2   /* an empty line or "*0": consumed, no request */
};

struct resp_arg {
    char *ptr; /* into the caller's buffer; not NUL-terminated */
    size_t len;
};

struct resp_parser {
    /* Limits, set by the caller before parsing (resp_parser_init sets
     * Redis's defaults). */
    long long max_bulk_len;
    long long max_multibulk_len;
    /* Set while the client has not authenticated: the limits above are then
     * Redis's small unauthenticated ones, and so are the error texts. */
    int unauthenticated;

    /* Result of the last RESP_PARSE_DONE. */
    struct resp_arg *argv;
    int argc;

    /* Human readable reason of the last RESP_PARSE_ERROR, in Redis's words
     * without the leading "ERR " ("Protocol error: invalid bulk length"). */
    char error[128];

    /* Internal state. */
    int kind;                 /* 0 unknown, '*' multibulk, 'i' inline */
    long long multibulk_left; /* arguments still to read */
    long long bulk_len;       /* -1 while reading a "$<len>" header */
    size_t pos;               /* where parsing resumes, from request start */
    size_t seen;              /* buffer length at the last call */
    size_t *arg_off;          /* argument offsets while incomplete */
    int argv_cap;
};

void resp_parser_init(struct resp_parser *p);
void resp_parser_free(struct resp_parser *p);

/* Give back an argument array grown past max_cap entries by one big
 * request, when no request is in progress. */
void resp_parser_shrink(struct resp_parser *p, int max_cap);

/* Forget any partial request, keeping the limits. */
void resp_parser_reset(struct resp_parser *p);

/* Parse one request from buf[0..len), where buf starts at the first byte of
 * the request (the parser's offsets are relative to it).  On RESP_PARSE_DONE
 * and RESP_PARSE_EMPTY *consumed is set to the request's length; the caller
 * drops those bytes before the next call.  On RESP_PARSE_MORE nothing is
 * consumed yet.  The argv array stays valid until the next call. */
int resp_parse_request(struct resp_parser *p, char *buf, size_t len,
                       size_t *consumed);

/* How many more bytes the request being parsed needs at least, for a reader
 * that sizes its next read; 0 when unknown. */
size_t resp_parser_bytes_wanted(const struct resp_parser *p);

/* Strict decimal parse of s[0..n) as Redis's string2ll: an optional '-',
 * no '+', no spaces, no leading zeros, no overflow.  Returns 0 or -1. */
int resp_str2ll(const char *s, size_t n, long long *out);

/* Split a line into arguments as redis-cli and redis.conf do: whitespace
 * separates, "double quotes" understand \n \r \t \b \a \\ \" and \xHH,
 * 'single quotes' only \'.  Unquoting happens in place in line[0..len).
 * Returns the argument count, or -1 on unbalanced quotes or when more than
 * max_args arguments are found (with *too_many set). */
int resp_split_args(char *line, size_t len, struct resp_arg *out, int max_args,
                    int *too_many);

#endif
