/* http.h -- HTTP/1.1 request parser and response writer, no I/O.
 *
 * The parser reads one request from a buffer the caller owns and never
 * allocates or copies: the method, target, header names and values and the
 * body all point into that buffer.  It is not incremental: the caller
 * appends received bytes and calls http_parse_request() again from the
 * start of the request, which costs at most max_header_bytes of rescanning
 * per call.  A call consumes exactly one request, so pipelined requests are
 * handled by dropping the consumed bytes (or advancing the buffer pointer)
 * and calling again.
 *
 * What is accepted (RFC 9110/9112):
 *   - request line "METHOD SP target SP HTTP/1.x" with single spaces; the
 *     method is a token (any token: the application answers 405/501), the
 *     target is 1+ visible ASCII bytes (origin-form "/path?query", or "*",
 *     or absolute-form), versions HTTP/1.0 and HTTP/1.1;
 *   - empty lines before the request line are skipped (RFC 9112 2.2);
 *   - lines end in CRLF or a bare LF; a bare CR is an error;
 *   - header "Name: value" with the name a token directly followed by ':',
 *     optional whitespace around the value trimmed, value bytes HTAB, SP,
 *     0x21-0x7e and 0x80-0xff; obsolete line folding is refused (400);
 *   - HTTP/1.1 requires exactly one Host header (RFC 9112 3.2: 400 if
 *     missing or repeated); HTTP/1.0 may omit it;
 *   - the body is framed by Content-Length only (1*DIGIT; repeated
 *     headers must agree).  Transfer-Encoding is not supported:
 *     "chunked" alone is refused with 411 Length Required (the client can
 *     resend with a Content-Length), other codings before a final chunked
 *     ("gzip, chunked") with 501, and framing RFC 9112 6.1/6.3 calls
 *     faulty with 400: Transfer-Encoding together with Content-Length
 *     (request smuggling), in HTTP/1.0, or with chunked missing, repeated
 *     or not last.
 *
 * Errors and the status code the caller should answer (then close):
 *   400 malformed request line, header, Content-Length, Host or
 *       Transfer-Encoding framing
 *   411 Transfer-Encoding: chunked
 *   413 Content-Length over max_body_bytes (known as soon as the headers
 *       are in, before the body arrives)
 *   414 request target longer than max_target_len
 *   431 header section (request line included) over max_header_bytes,
 *       or more than HTTP_MAX_HEADERS header lines
 *   501 a transfer coding other than chunked ("gzip, chunked")
 *   505 a well-formed version other than HTTP/1.0 and HTTP/1.1
 * An error is reported as soon as the bytes seen prove it, even when the
 * request is incomplete (a bad method byte fails before the line ends).
 *
 * Keep-alive: an HTTP/1.1 request keeps the connection open unless a
 * Connection header lists "close"; an HTTP/1.0 request closes it unless a
 * Connection header lists "keep-alive" (tokens are case-insensitive and
 * comma-separated, across all Connection headers).  After an error the
 * caller should close. */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <time.h>

/* Default limits (struct http_limits; a NULL limits pointer means these). */
#define HTTP_MAX_HEADER_BYTES_DEFAULT (16 * 1024) /* request line + headers */
#define HTTP_MAX_TARGET_LEN_DEFAULT   (8 * 1024)
#define HTTP_MAX_BODY_BYTES_DEFAULT   (1024 * 1024)
/* Header lines per request; more is 431.  Fixed: struct http_request holds
 * them in an array. */
#define HTTP_MAX_HEADERS 64
/* Size of struct http_request.error. */
#define HTTP_ERROR_LEN 96

/* The interim answer to "Expect: 100-continue" (see expect_continue). */
#define HTTP_CONTINUE_RESPONSE "HTTP/1.1 100 Continue\r\n\r\n"

/* Return values of http_parse_request() other than a byte count. */
#define HTTP_PARSE_ERROR (-1) /* req->status and req->error say why */
#define HTTP_PARSE_MORE  (-2) /* incomplete: append bytes and call again */

struct http_limits {
    size_t max_header_bytes; /* request line + headers + blank line */
    size_t max_target_len;   /* request target; keep < max_header_bytes */
    size_t max_body_bytes;   /* Content-Length cap */
};

struct http_header {
    const char *name; /* as sent (compare case-insensitively) */
    size_t name_len;
    const char *value; /* surrounding whitespace trimmed; may be empty */
    size_t value_len;
};

/* One parsed request.  No string is NUL-terminated; all point into the
 * buffer given to http_parse_request() and live as long as it does. */
struct http_request {
    const char *method; /* "GET", "POST", ... (case-sensitive token) */
    size_t method_len;
    const char *target; /* the request target as sent */
    size_t target_len;
    const char *path; /* target up to '?' (all of it without one) */
    size_t path_len;
    const char *query; /* after '?', NULL when there is no '?' */
    size_t query_len;
    int minor_version; /* 0 for HTTP/1.0, 1 for HTTP/1.1 */

    struct http_header headers[HTTP_MAX_HEADERS];
    size_t num_headers;

    /* Content-Length framing: body_len is the Content-Length (0 without
     * one); body points at the body once it is complete (DONE), else
     * NULL. */
    const char *body;
    size_t body_len;

    /* Bytes of skipped empty lines + request line + headers + blank line.
     * Set once the header section is complete: on HTTP_PARSE_MORE a
     * nonzero header_len means only the body is missing, and every field
     * above except body is already valid (a server sends
     * HTTP_CONTINUE_RESPONSE at that point when expect_continue is set). */
    size_t header_len;

    int keep_alive;      /* 1: keep the connection open after answering */
    int expect_continue; /* "Expect: 100-continue" was sent (HTTP/1.1) */

    /* On HTTP_PARSE_ERROR: the status code to answer (400, 411, 413, 414,
     * 431, 501, 505) and a short reason quoting the offending byte and its
     * offset, e.g. "invalid byte 0x01 in header value at offset 31". */
    int status;
    char error[HTTP_ERROR_LEN];
};

/* Growable output buffer for responses.  Zero-initialise (or
 * http_out_init) before use; failed is sticky after an allocation failure
 * and every later append is then a no-op. */
struct http_out {
    char *data;
    size_t len;
    size_t cap;
    int failed;
};

/* Fill *lim with the _DEFAULT limits. */
void http_limits_default(struct http_limits *lim);

/* Parse one request from buf[0..len), where buf starts at the first byte
 * of the request.  lim may be NULL for the defaults.  Returns the number of
 * bytes the request occupies (header_len + body_len, > 0) when it is
 * complete, HTTP_PARSE_MORE when more bytes are needed, HTTP_PARSE_ERROR
 * with req->status and req->error set when the bytes cannot start a valid
 * request or exceed a limit.  *req is overwritten on every call. */
long http_parse_request(struct http_request *req, const char *buf, size_t len,
                        const struct http_limits *lim);

/* The first header named name (case-insensitive, NUL-terminated), or NULL.
 */
const struct http_header *http_find_header(const struct http_request *req,
                                           const char *name);

/* 1 if any header named name holds token in its comma-separated list
 * (case-insensitive, whitespace around elements ignored), else 0.  For
 * "Connection: keep-alive, Upgrade" both tokens are found. */
int http_header_has_token(const struct http_request *req, const char *name,
                          const char *token);

/* 1 if the method is exactly m (NUL-terminated), else 0. */
int http_method_is(const struct http_request *req, const char *m);

/* The reason phrase for a status code ("Not Found"); "Unknown" for codes
 * it does not know. */
const char *http_status_reason(int status);

/* Write an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", 29 chars + NUL)
 * for t into out, for a Date header. */
void http_format_date(time_t t, char out[30]);

/* Write a response head into out[0..cap):
 *   "HTTP/1.1 <status> <reason>\r\n"
 *   "Content-Type: <content_type>\r\n"          (when content_type != NULL)
 *   "Content-Length: <content_length>\r\n"  (except for 1xx, 204 and 304)
 *   "Connection: keep-alive\r\n" or "Connection: close\r\n"  (except 1xx)
 *   extra_headers verbatim   (when != NULL: whole "Name: value\r\n" lines)
 *   "\r\n"
 * The body, if any, is the caller's to send after it (not at all for HEAD
 * requests).  Returns the length written, or -1 if it does not fit (out's
 * contents are then unspecified).  No NUL terminator is written. */
long http_write_head(char *out, size_t cap, int status,
                     const char *content_type, size_t content_length,
                     int keep_alive, const char *extra_headers);

void http_out_init(struct http_out *o);
void http_out_free(struct http_out *o);

/* Append n bytes to o.  Returns 0, or -1 (and sets failed) when out of
 * memory. */
int http_out_append(struct http_out *o, const void *p, size_t n);

/* Append a whole response to o: the head as http_write_head() writes it
 * with Content-Length body_len, then body[0..body_len) unless omit_body
 * (set for HEAD requests; the head still says body_len).  Returns 0 or -1
 * when out of memory (failed set). */
int http_out_response(struct http_out *o, int status, const char *content_type,
                      const char *body, size_t body_len, int keep_alive,
                      const char *extra_headers, int omit_body);

#endif
