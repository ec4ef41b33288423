/* http.c -- HTTP/1.1 request parser and response writer (see http.h).
 *
 * The parser walks the request once per call with a cursor.  Each step
 * returns OK, MORE (the bytes ran out) or ERR (req->status set); running
 * out of bytes at the header-section cap turns MORE into 431, so a client
 * cannot make a server buffer an endless header. */
#include "http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum step { STEP_OK, STEP_MORE, STEP_ERR };

struct cursor {
    const char *buf;
    size_t end; /* bytes available to the header section */
    size_t pos;
    int at_cap; /* end is the header cap, not the data's end */
    struct http_request *req;
    const struct http_limits *lim;
};

static void set_error(struct http_request *req, int status, const char *fmt,
                      ...)
{
    va_list ap;

    req->status = status;
    va_start(ap, fmt);
    vsnprintf(req->error, sizeof(req->error), fmt, ap);
    va_end(ap);
}

/* The byte at the cursor is wrong where `what` was expected. */
static enum step bad_byte(struct cursor *c, const char *what)
{
    set_error(c->req, 400, "invalid byte 0x%02x in %s at offset %zu",
              (unsigned char)c->buf[c->pos], what, c->pos);
    return STEP_ERR;
}

/* The bytes ran out: more are needed, unless the cap was reached. */
static enum step out_of_bytes(struct cursor *c)
{
    if (!c->at_cap)
        return STEP_MORE;
    set_error(c->req, 431, "header section over %zu bytes",
              c->lim->max_header_bytes);
    return STEP_ERR;
}

/* RFC 9110 5.6.2 tchar. */
static int is_tchar(unsigned char ch)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
        (ch >= '0' && ch <= '9'))
        return 1;
    return ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

/* Header value bytes: field-vchar, obs-text, SP, HTAB. */
static int is_value_byte(unsigned char ch)
{
    return ch == '\t' || (ch >= 0x20 && ch != 0x7f);
}

/* Consume a line ending (CRLF or LF) at the cursor. */
static enum step line_end(struct cursor *c, const char *what)
{
    if (c->pos >= c->end)
        return out_of_bytes(c);
    if (c->buf[c->pos] == '\n') {
        c->pos++;
        return STEP_OK;
    }
    if (c->buf[c->pos] != '\r')
        return bad_byte(c, what);
    if (c->pos + 1 >= c->end)
        return out_of_bytes(c);
    if (c->buf[c->pos + 1] != '\n') {
        c->pos++;
        return bad_byte(c, "line ending after CR");
    }
    c->pos += 2;
    return STEP_OK;
}

/* RFC 9112 2.2: empty lines before the request line are ignored. */
static enum step skip_empty_lines(struct cursor *c)
{
    while (c->pos < c->end &&
           (c->buf[c->pos] == '\r' || c->buf[c->pos] == '\n')) {
        enum step s = line_end(c, "empty line");

        if (s != STEP_OK)
            return s;
    }
    return c->pos < c->end ? STEP_OK : out_of_bytes(c);
}

static enum step parse_method(struct cursor *c)
{
    size_t start = c->pos;

    while (c->pos < c->end && is_tchar((unsigned char)c->buf[c->pos]))
        c->pos++;
    if (c->pos >= c->end)
        return out_of_bytes(c);
    if (c->buf[c->pos] != ' ' || c->pos == start)
        return bad_byte(c, "method");
    c->req->method = c->buf + start;
    c->req->method_len = c->pos - start;
    c->pos++;
    return STEP_OK;
}

static enum step parse_target(struct cursor *c)
{
    struct http_request *req = c->req;
    size_t start = c->pos;
    const char *q;

    while (c->pos < c->end && c->buf[c->pos] > 0x20 && c->buf[c->pos] < 0x7f) {
        c->pos++;
        if (c->pos - start > c->lim->max_target_len) {
            set_error(req, 414, "request target over %zu bytes",
                      c->lim->max_target_len);
            return STEP_ERR;
        }
    }
    if (c->pos >= c->end)
        return out_of_bytes(c);
    if (c->buf[c->pos] != ' ' || c->pos == start)
        return bad_byte(c, "request target");

    req->target = c->buf + start;
    req->target_len = c->pos - start;
    q = memchr(req->target, '?', req->target_len);
    req->path = req->target;
    req->path_len = q != NULL ? (size_t)(q - req->target) : req->target_len;
    if (q != NULL) {
        req->query = q + 1;
        req->query_len = req->target_len - req->path_len - 1;
    }
    c->pos++;
    return STEP_OK;
}

/* "HTTP/" DIGIT "." DIGIT, then the line end.  Only 1.0 and 1.1 are
 * served; another well-formed version is 505. */
static enum step parse_version(struct cursor *c)
{
    static const char shape[] = "HTTP/9.9";
    size_t start = c->pos;
    int major, minor;
    enum step s;

    for (size_t i = 0; i < sizeof(shape) - 1; i++, c->pos++) {
        unsigned char ch;

        if (c->pos >= c->end)
            return out_of_bytes(c);
        ch = (unsigned char)c->buf[c->pos];
        if (shape[i] == '9' ? !(ch >= '0' && ch <= '9') : ch != shape[i])
            return bad_byte(c, "HTTP version");
    }
    major = c->buf[start + 5] - '0';
    minor = c->buf[start + 7] - '0';

    /* The line end comes first, so that "HTTP/2.0\r\r" is 400 however
     * its bytes are split across reads. */
    s = line_end(c, "request line");
    if (s != STEP_OK)
        return s;
    if (major != 1 || minor > 1) {
        set_error(c->req, 505, "HTTP version %d.%d is not supported", major,
                  minor);
        return STEP_ERR;
    }
    c->req->minor_version = minor;
    return STEP_OK;
}

/* One "Name: value" line, stored in req->headers. */
static enum step parse_header_line(struct cursor *c)
{
    struct http_request *req = c->req;
    struct http_header *h;
    size_t name_start = c->pos, value_start, value_end;
    enum step s;

    if (req->num_headers == HTTP_MAX_HEADERS) {
        set_error(req, 431, "more than %d header lines", HTTP_MAX_HEADERS);
        return STEP_ERR;
    }
    while (c->pos < c->end && is_tchar((unsigned char)c->buf[c->pos]))
        c->pos++;
    if (c->pos >= c->end)
        return out_of_bytes(c);
    if (c->buf[c->pos] != ':' || c->pos == name_start)
        return bad_byte(c, "header name");
    h = &req->headers[req->num_headers];
    h->name = c->buf + name_start;
    h->name_len = c->pos - name_start;
    c->pos++;

    while (c->pos < c->end && (c->buf[c->pos] == ' ' || c->buf[c->pos] == '\t'))
        c->pos++;
    value_start = c->pos;
    while (c->pos < c->end && is_value_byte((unsigned char)c->buf[c->pos]))
        c->pos++;
    value_end = c->pos;
    if (c->pos < c->end && c->buf[c->pos] != '\r' && c->buf[c->pos] != '\n')
        return bad_byte(c, "header value");
    s = line_end(c, "header value");
    if (s != STEP_OK)
        return s;

    while (value_end > value_start &&
           (c->buf[value_end - 1] == ' ' || c->buf[value_end - 1] == '\t'))
        value_end--;
    h->value = c->buf + value_start;
    h->value_len = value_end - value_start;
    req->num_headers++;
    return STEP_OK;
}

static enum step parse_headers(struct cursor *c)
{
    for (;;) {
        enum step s;

        if (c->pos >= c->end)
            return out_of_bytes(c);
        if (c->buf[c->pos] == '\r' || c->buf[c->pos] == '\n')
            return line_end(c, "end of headers");
        if (c->buf[c->pos] == ' ' || c->buf[c->pos] == '\t') {
            set_error(c->req, 400,
                      "line folding or whitespace before a header name at "
                      "offset %zu",
                      c->pos);
            return STEP_ERR;
        }
        s = parse_header_line(c);
        if (s != STEP_OK)
            return s;
    }
}

static int name_is(const struct http_header *h, const char *name)
{
    return strlen(name) == h->name_len &&
           strncasecmp(h->name, name, h->name_len) == 0;
}

/* Call fn on each comma-separated element of v[0..n), trimmed of
 * whitespace (empty elements skipped); stop at the first nonzero return
 * and return it. */
static int for_each_token(const char *v, size_t n,
                          int (*fn)(const char *tok, size_t len, void *arg),
                          void *arg)
{
    size_t i = 0;

    while (i < n) {
        size_t start, end;
        int r;

        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        start = i;
        while (i < n && v[i] != ',')
            i++;
        end = i;
        while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
            end--;
        if (end > start && (r = fn(v + start, end - start, arg)) != 0)
            return r;
    }
    return 0;
}

static int token_matches(const char *tok, size_t len, void *arg)
{
    const char *want = arg;

    return strlen(want) == len && strncasecmp(tok, want, len) == 0;
}

/* Read a Content-Length value: 0 with *v set, 1 when it is a number over
 * max (*v unset), -1 when it is not 1*DIGIT. */
static int read_length(const struct http_header *h, size_t max, size_t *v)
{
    size_t n = 0;
    int big = 0;

    if (h->value_len == 0)
        return -1;
    for (size_t j = 0; j < h->value_len; j++) {
        unsigned d = (unsigned char)h->value[j] - '0';

        if (d > 9)
            return -1;
        if (n > (max - d) / 10 || max < d)
            big = 1;
        else
            n = n * 10 + d;
    }
    if (!big)
        *v = n;
    return big;
}

/* Content-Length: 1*DIGIT, every occurrence the same value. */
static enum step check_content_length(struct http_request *req,
                                      const struct http_limits *lim,
                                      int *has_length)
{
    for (size_t i = 0; i < req->num_headers; i++) {
        const struct http_header *h = &req->headers[i];
        size_t v = 0;
        int r;

        if (!name_is(h, "Content-Length"))
            continue;
        r = read_length(h, lim->max_body_bytes, &v);
        if (r < 0) {
            set_error(req, 400, "invalid Content-Length \"%.*s\"",
                      (int)(h->value_len < 32 ? h->value_len : 32), h->value);
            return STEP_ERR;
        }
        if (*has_length && (r > 0 || v != req->body_len)) {
            set_error(req, 400, "conflicting Content-Length headers");
            return STEP_ERR;
        }
        if (r > 0) {
            set_error(req, 413, "body over %zu bytes", lim->max_body_bytes);
            return STEP_ERR;
        }
        req->body_len = v;
        *has_length = 1;
    }
    return STEP_OK;
}

struct te_scan {
    int codings;
    int chunked_count;
    int last_is_chunked;
};

static int note_coding(const char *tok, size_t len, void *arg)
{
    struct te_scan *t = arg;
    int chunked = token_matches(tok, len, "chunked");

    t->codings++;
    t->chunked_count += chunked;
    t->last_is_chunked = chunked;
    return 0;
}

/* RFC 9112 6.1 and 6.3: with Content-Length, in HTTP/1.0, or when chunked
 * is not the final coding, the framing cannot be trusted (400); plain
 * chunked is refused with 411 so that the client resends with a length;
 * codings besides chunked are not implemented (501). */
static enum step check_transfer_encoding(struct http_request *req,
                                         int has_length)
{
    struct te_scan t = {0, 0, 0};
    int present = 0;

    for (size_t i = 0; i < req->num_headers; i++) {
        if (!name_is(&req->headers[i], "Transfer-Encoding"))
            continue;
        present = 1;
        for_each_token(req->headers[i].value, req->headers[i].value_len,
                       note_coding, &t);
    }
    if (!present)
        return STEP_OK;
    if (has_length) {
        set_error(req, 400, "both Transfer-Encoding and Content-Length");
        return STEP_ERR;
    }
    if (req->minor_version == 0 || !t.last_is_chunked || t.chunked_count > 1) {
        set_error(req, 400, "invalid Transfer-Encoding");
        return STEP_ERR;
    }
    if (t.codings > 1) {
        set_error(req, 501, "unsupported transfer coding");
        return STEP_ERR;
    }
    set_error(req, 411,
              "chunked bodies are not supported: send "
              "Content-Length");
    return STEP_ERR;
}

/* Checks that need the whole header section, and the keep-alive rule. */
static enum step check_headers(struct http_request *req,
                               const struct http_limits *lim)
{
    int hosts = 0, has_length = 0;
    const struct http_header *expect;

    for (size_t i = 0; i < req->num_headers; i++)
        hosts += name_is(&req->headers[i], "Host");
    if (hosts > 1 || (hosts == 0 && req->minor_version == 1)) {
        set_error(req, 400,
                  hosts ? "more than one Host header" : "missing Host header");
        return STEP_ERR;
    }
    if (check_content_length(req, lim, &has_length) != STEP_OK)
        return STEP_ERR;
    if (check_transfer_encoding(req, has_length) != STEP_OK)
        return STEP_ERR;
    if (req->body_len > lim->max_body_bytes) {
        set_error(req, 413, "body over %zu bytes", lim->max_body_bytes);
        return STEP_ERR;
    }

    if (req->minor_version == 1)
        req->keep_alive = !http_header_has_token(req, "Connection", "close");
    else
        req->keep_alive =
            http_header_has_token(req, "Connection", "keep-alive");
    expect = http_find_header(req, "Expect");
    req->expect_continue = req->minor_version == 1 && expect != NULL &&
                           expect->value_len == 12 &&
                           strncasecmp(expect->value, "100-continue", 12) == 0;
    return STEP_OK;
}

void http_limits_default(struct http_limits *lim)
{
    lim->max_header_bytes = HTTP_MAX_HEADER_BYTES_DEFAULT;
    lim->max_target_len = HTTP_MAX_TARGET_LEN_DEFAULT;
    lim->max_body_bytes = HTTP_MAX_BODY_BYTES_DEFAULT;
}

static void reset_request(struct http_request *req)
{
    req->method = req->target = req->path = req->query = NULL;
    req->method_len = req->target_len = req->path_len = req->query_len = 0;
    req->minor_version = 0;
    req->num_headers = 0;
    req->body = NULL;
    req->body_len = 0;
    req->header_len = 0;
    req->keep_alive = 0;
    req->expect_continue = 0;
    req->status = 0;
    req->error[0] = '\0';
}

static long step_result(enum step s)
{
    return s == STEP_MORE ? HTTP_PARSE_MORE : HTTP_PARSE_ERROR;
}

long http_parse_request(struct http_request *req, const char *buf, size_t len,
                        const struct http_limits *lim)
{
    struct http_limits defaults;
    struct cursor c;
    enum step s;

    if (lim == NULL) {
        http_limits_default(&defaults);
        lim = &defaults;
    }
    reset_request(req);
    c.buf = buf;
    c.pos = 0;
    c.at_cap = len >= lim->max_header_bytes;
    c.end = c.at_cap ? lim->max_header_bytes : len;
    c.req = req;
    c.lim = lim;

    if ((s = skip_empty_lines(&c)) != STEP_OK ||
        (s = parse_method(&c)) != STEP_OK ||
        (s = parse_target(&c)) != STEP_OK ||
        (s = parse_version(&c)) != STEP_OK ||
        (s = parse_headers(&c)) != STEP_OK)
        return step_result(s);
    if (check_headers(req, lim) != STEP_OK)
        return HTTP_PARSE_ERROR;

    req->header_len = c.pos;
    if (len - c.pos < req->body_len)
        return HTTP_PARSE_MORE;
    req->body = buf + c.pos;
    return (long)(c.pos + req->body_len);
}

const struct http_header *http_find_header(const struct http_request *req,
                                           const char *name)
{
    for (size_t i = 0; i < req->num_headers; i++)
        if (name_is(&req->headers[i], name))
            return &req->headers[i];
    return NULL;
}

int http_header_has_token(const struct http_request *req, const char *name,
                          const char *token)
{
    for (size_t i = 0; i < req->num_headers; i++) {
        const struct http_header *h = &req->headers[i];

        if (name_is(h, name) && for_each_token(h->value, h->value_len,
                                               token_matches, (void *)token))
            return 1;
    }
    return 0;
}

int http_method_is(const struct http_request *req, const char *m)
{
    return req->method != NULL && strlen(m) == req->method_len &&
           memcmp(req->method, m, req->method_len) == 0;
}

const char *http_status_reason(int status)
{
    static const struct {
        int status;
        const char *reason;
    } reasons[] = {
        {100, "Continue"},
        {101, "Switching Protocols"},
        {200, "OK"},
        {201, "Created"},
        {202, "Accepted"},
        {204, "No Content"},
        {301, "Moved Permanently"},
        {302, "Found"},
        {304, "Not Modified"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {408, "Request Timeout"},
        {409, "Conflict"},
        {411, "Length Required"},
        {413, "Content Too Large"},
        {414, "URI Too Long"},
        {415, "Unsupported Media Type"},
        {417, "Expectation Failed"},
        {422, "Unprocessable Content"},
        {426, "Upgrade Required"},
        {429, "Too Many Requests"},
        {431, "Request Header Fields Too Large"},
        {500, "Internal Server Error"},
        {501, "Not Implemented"},
        {502, "Bad Gateway"},
        {503, "Service Unavailable"},
        {504, "Gateway Timeout"},
        {505, "HTTP Version Not Supported"},
    };

    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (reasons[i].status == status)
            return reasons[i].reason;
    return "Unknown";
}

/* Two decimal digits of v % 100. */
static void put2(char *out, unsigned v)
{
    out[0] = (char)('0' + v / 10 % 10);
    out[1] = (char)('0' + v % 10);
}

void http_format_date(time_t t, char out[30])
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed",
                                    "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr",
                                       "May", "Jun", "Jul", "Aug",
                                       "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    unsigned year;

    gmtime_r(&t, &tm);
    year = (unsigned)(tm.tm_year + 1900) % 10000;
    memcpy(out, days[(unsigned)tm.tm_wday % 7], 3);
    out[3] = ',';
    out[4] = ' ';
    put2(out + 5, (unsigned)tm.tm_mday);
    out[7] = ' ';
    memcpy(out + 8, months[(unsigned)tm.tm_mon % 12], 3);
    out[11] = ' ';
    put2(out + 12, year / 100);
    put2(out + 14, year % 100);
    out[16] = ' ';
    put2(out + 17, (unsigned)tm.tm_hour);
    out[19] = ':';
    put2(out + 20, (unsigned)tm.tm_min);
    out[22] = ':';
    put2(out + 23, (unsigned)tm.tm_sec);
    memcpy(out + 25, " GMT", 5);
}

/* Bounded appends for http_write_head(): each returns -1 once out is
 * full, and no NUL is ever needed. */
struct head_buf {
    char *out;
    size_t cap;
    size_t len;
    int full;
};

static void put(struct head_buf *b, const char *s, size_t n)
{
    if (b->full || b->cap - b->len < n) {
        b->full = 1;
        return;
    }
    memcpy(b->out + b->len, s, n);
    b->len += n;
}

static void put_str(struct head_buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void put_num(struct head_buf *b, unsigned long long v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%llu", v);

    put(b, tmp, (size_t)n);
}

long http_write_head(char *out, size_t cap, int status,
                     const char *content_type, size_t content_length,
                     int keep_alive, const char *extra_headers)
{
    int interim = status >= 100 && status < 200;
    struct head_buf b = {out, cap, 0, 0};

    put_str(&b, "HTTP/1.1 ");
    put_num(&b, (unsigned long long)(status < 0 ? 0 : status));
    put_str(&b, " ");
    put_str(&b, http_status_reason(status));
    put_str(&b, "\r\n");
    if (content_type != NULL) {
        put_str(&b, "Content-Type: ");
        put_str(&b, content_type);
        put_str(&b, "\r\n");
    }
    if (!interim && status != 204 && status != 304) {
        put_str(&b, "Content-Length: ");
        put_num(&b, content_length);
        put_str(&b, "\r\n");
    }
    if (!interim)
        put_str(&b, keep_alive ? "Connection: keep-alive\r\n"
                               : "Connection: close\r\n");
    if (extra_headers != NULL)
        put_str(&b, extra_headers);
    put_str(&b, "\r\n");
    return b.full ? -1 : (long)b.len;
}

void http_out_init(struct http_out *o)
{
    o->data = NULL;
    o->len = 0;
    o->cap = 0;
    o->failed = 0;
}

void http_out_free(struct http_out *o)
{
    free(o->data);
    http_out_init(o);
}

/* Make room for n more bytes. */
static int out_reserve(struct http_out *o, size_t n)
{
    size_t cap;
    char *p;

    if (o->failed)
        return -1;
    if (o->cap - o->len >= n)
        return 0;
    cap = o->cap ? o->cap : 256;
    while (cap - o->len < n) {
        if (cap > ((size_t)-1) / 2)
            goto fail;
        cap *= 2;
    }
    p = realloc(o->data, cap);
    if (p == NULL)
        goto fail;
    o->data = p;
    o->cap = cap;
    return 0;
fail:
    o->failed = 1;
    return -1;
}

int http_out_append(struct http_out *o, const void *p, size_t n)
{
    if (out_reserve(o, n) < 0)
        return -1;
    if (n > 0)
        memcpy(o->data + o->len, p, n);
    o->len += n;
    return 0;
}

int http_out_response(struct http_out *o, int status, const char *content_type,
                      const char *body, size_t body_len, int keep_alive,
                      const char *extra_headers, int omit_body)
{
    size_t need = 160 + (content_type ? strlen(content_type) : 0) +
                  (extra_headers ? strlen(extra_headers) : 0);
    long n;

    if (out_reserve(o, need) < 0)
        return -1;
    n = http_write_head(o->data + o->len, o->cap - o->len, status, content_type,
                        body_len, keep_alive, extra_headers);
    if (n < 0) {
        o->failed = 1;
        return -1;
    }
    o->len += (size_t)n;
    if (omit_body || body_len == 0)
        return 0;
    return http_out_append(o, body, body_len);
}
