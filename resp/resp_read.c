/* resp_read.c -- incremental reader for RESP2 and RESP3 replies.
 *
 * How a reply is read.  Bytes are appended to an internal buffer; `pos`
 * marks the first byte not yet turned into a reply object.  Each call to
 * resp_reader_next() reads items (a scalar, or the header of an aggregate)
 * one after the other, and every complete item is converted at once: its
 * bytes are copied into a struct resp_reply and `pos` moves past them, so
 * nothing is ever parsed twice.  Aggregates still waiting for elements sit
 * on a stack of frames (at most RESP_READ_MAX_DEPTH); a finished item is
 * appended to the frame on top, and full frames are popped.  When the stack
 * empties the root reply is complete and handed out.
 *
 * Two bits of state make byte-at-a-time feeding linear: `scan` remembers
 * how much of an unfinished line has already been searched for its CR, and
 * a bulk whose "$<len>" header is read waits in `bulk_type`/`bulk_len`
 * for its payload without re-reading the header.
 *
 * Memory follows what actually arrived: a bulk is copied once its payload
 * is complete and an aggregate's element array grows as elements arrive,
 * so a declared "*1000000000" or "$1000000000" allocates nothing big.
 *
 * Attributes ("|") at the top level are handed out as their own reply, in
 * front of the reply they describe.  An attribute nested inside an
 * aggregate has nowhere to go in struct resp_reply, so it is read and
 * dropped; a caller that needs those would need a field for them. */
#include "resp_read.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READ_BUF_MIN_CAP 1024
/* Longest text accepted for a double; "%.17g" needs 24, and a server
 * printing every digit of DBL_MIN needs a few hundred. */
#define READ_DOUBLE_MAX 400
/* Element arrays start this small and double, up to the declared count. */
#define READ_ELEMENTS_MIN_CAP 4

struct read_frame {
    struct resp_reply *agg; /* aggregate waiting for elements */
    size_t want;            /* elements it declared (2 * pairs for maps) */
    size_t cap;             /* allocated slots in agg->element */
    int detached;           /* nested attribute: dropped when complete */
};

struct resp_reader {
    char *buf;
    size_t len, cap;
    size_t pos;      /* start of the next unread item */
    size_t scan;     /* bytes after the type byte searched for CR */
    int bulk_type;   /* type byte of a bulk whose header is read, or 0 */
    size_t bulk_len; /* its payload length */
    struct read_frame stack[RESP_READ_MAX_DEPTH];
    int depth;
    struct resp_reply *root; /* reply being built, owned by the reader */
    int failed;
    char error[128];
};

struct resp_reader *resp_reader_create(void)
{
    return calloc(1, sizeof(struct resp_reader));
}

/* Free the partially built reply: the root owns every attached element;
 * detached attributes on the stack are owned by their frame. */
static void drop_partial(struct resp_reader *r)
{
    for (int i = 0; i < r->depth; i++) {
        if (r->stack[i].detached)
            resp_reply_free(r->stack[i].agg);
    }
    r->depth = 0;
    resp_reply_free(r->root);
    r->root = NULL;
}

void resp_reader_free(struct resp_reader *r)
{
    if (r == NULL)
        return;
    drop_partial(r);
    free(r->buf);
    free(r);
}

void resp_reply_free(struct resp_reply *reply)
{
    if (reply == NULL)
        return;
    for (size_t i = 0; i < reply->elements; i++)
        resp_reply_free(reply->element[i]);
    free(reply->element);
    free(reply->str);
    free(reply);
}

const char *resp_reader_error(const struct resp_reader *r)
{
    return r->error;
}

/* Record a protocol error; the reader stays failed from now on and every
 * later call returns RESP_READ_ERROR. */
static int read_fail(struct resp_reader *r, const char *msg)
{
    snprintf(r->error, sizeof(r->error), "%s", msg);
    r->failed = 1;
    drop_partial(r);
    return RESP_READ_ERROR;
}

/* Drop consumed bytes when they are at least half the buffer, so moving
 * the rest costs no more than what was consumed (amortised linear). */
static void compact(struct resp_reader *r)
{
    if (r->pos == 0 || r->pos < r->len - r->pos)
        return;
    memmove(r->buf, r->buf + r->pos, r->len - r->pos);
    r->len -= r->pos;
    r->pos = 0;
}

/* Append n bytes, growing the buffer geometrically.  Returns 0, or -1 when
 * memory is short (the reader is then unchanged).  Bytes fed after a
 * protocol error are ignored. */
int resp_reader_feed(struct resp_reader *r, const void *p, size_t n)
{
    if (r->failed || n == 0)
        return 0;
    compact(r);
    if (r->cap - r->len < n) {
        size_t cap = r->cap < READ_BUF_MIN_CAP ? READ_BUF_MIN_CAP : r->cap;
        char *buf;

        if (n > SIZE_MAX / 2 - r->len)
            return -1;
        while (cap - r->len < n)
            cap *= 2;
        buf = realloc(r->buf, cap);
        if (buf == NULL)
            return -1;
        r->buf = buf;
        r->cap = cap;
    }
    memcpy(r->buf + r->len, p, n);
    r->len += n;
    return 0;
}

/* Parse a whole decimal integer as Redis's strict parser does: optional
 * '-', no '+', no spaces, no leading zeros, no "-0", within long long.
 * Returns 0 with *out set, or -1. */
static int parse_ll(const char *s, size_t n, long long *out)
{
    unsigned long long v = 0, limit;
    size_t i = 0;
    int neg = 0;

    if (n == 1 && s[0] == '0') {
        *out = 0;
        return 0;
    }
    if (n > 0 && s[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i >= n || s[i] < '1' || s[i] > '9')
        return -1;
    limit = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
    for (; i < n; i++) {
        unsigned d = (unsigned char)s[i] - '0';

        if (d > 9 || v > (limit - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = neg ? (long long)(0ULL - v) : (long long)v;
    return 0;
}

static struct resp_reply *new_reply(enum resp_type type)
{
    struct resp_reply *reply = calloc(1, sizeof(*reply));

    if (reply != NULL)
        reply->type = type;
    return reply;
}

/* A reply holding a NUL-terminated copy of s[0..n), or NULL when memory is
 * short. */
static struct resp_reply *new_string_reply(enum resp_type type, const char *s,
                                           size_t n)
{
    struct resp_reply *reply = new_reply(type);

    if (reply == NULL)
        return NULL;
    reply->str = malloc(n + 1);
    if (reply->str == NULL) {
        free(reply);
        return NULL;
    }
    memcpy(reply->str, s, n);
    reply->str[n] = '\0';
    reply->len = n;
    return reply;
}

/* Find the end of the line whose type byte is at pos.  On RESP_READ_OK
 * *n is the length of the text between the type byte and the CRLF.  A CR
 * must be followed by LF and a bare LF is refused: RESP lines carry
 * neither. */
static int find_line(struct resp_reader *r, size_t *n)
{
    const char *text = r->buf + r->pos + 1;
    size_t avail = r->len - r->pos - 1;

    for (; r->scan < avail; r->scan++) {
        if (text[r->scan] == '\n')
            return read_fail(r, "Protocol error, bad line terminator");
        if (text[r->scan] == '\r')
            break;
    }
    if (r->scan + 1 >= avail)
        return RESP_READ_MORE;
    if (text[r->scan + 1] != '\n')
        return read_fail(r, "Protocol error, bad line terminator");
    *n = r->scan;
    return RESP_READ_OK;
}

/* Move past a finished line of text length n. */
static void skip_line(struct resp_reader *r, size_t n)
{
    r->pos += n + 3;
    r->scan = 0;
}

/* Text of a double as RESP3 allows it: inf/-inf/nan (with optional sign)
 * or a decimal number strtod consumes entirely.  Hex floats and spaces,
 * which strtod would accept, are refused. */
static int parse_double(const char *s, size_t n, double *out)
{
    char text[READ_DOUBLE_MAX + 1];
    char *end;

    if (n == 0 || n > READ_DOUBLE_MAX)
        return -1;
    memcpy(text, s, n);
    text[n] = '\0';
    if (strspn(text, "0123456789.eE+-") != n) {
        const char *word = text + (text[0] == '-' || text[0] == '+');

        if (strcmp(word, "inf") != 0 && strcmp(word, "nan") != 0)
            return -1;
    }
    errno = 0;
    *out = strtod(text, &end);
    if (end != text + n || (errno == ERANGE && *out != 0.0))
        return -1;
    return 0;
}

/* Big numbers are an optional '-' and at least one digit. */
static int valid_bignum(const char *s, size_t n)
{
    size_t i = n > 0 && s[0] == '-';

    if (i >= n)
        return 0;
    for (; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
    }
    return 1;
}

/* Line items that carry text: simple strings, errors, nulls, big numbers.
 * Returns RESP_READ_OK with *out set, or RESP_READ_ERROR. */
static int text_reply(struct resp_reader *r, char type, const char *s, size_t n,
                      struct resp_reply **out)
{
    switch (type) {
    case '+':
        *out = new_string_reply(RESP_SIMPLE, s, n);
        break;
    case '-':
        *out = new_string_reply(RESP_ERROR, s, n);
        break;
    case '_':
        if (n != 0)
            return read_fail(r, "Protocol error, bad null value");
        *out = new_reply(RESP_NIL);
        break;
    default: /* '(' */
        if (!valid_bignum(s, n))
            return read_fail(r, "Protocol error, bad big number value");
        *out = new_string_reply(RESP_BIGNUM, s, n);
        break;
    }
    return *out == NULL ? read_fail(r, "Out of memory") : RESP_READ_OK;
}

/* Line items that carry a number: integers, doubles, booleans. */
static int number_reply(struct resp_reader *r, char type, const char *s,
                        size_t n, struct resp_reply **out)
{
    long long v;
    double d;

    if (type == ':') {
        if (parse_ll(s, n, &v) != 0)
            return read_fail(r, "Protocol error, bad integer value");
        *out = new_reply(RESP_INTEGER);
    } else if (type == ',') {
        if (parse_double(s, n, &d) != 0)
            return read_fail(r, "Protocol error, bad double value");
        *out = new_string_reply(RESP_DOUBLE, s, n);
    } else { /* '#' */
        if (n != 1 || (s[0] != 't' && s[0] != 'f'))
            return read_fail(r, "Protocol error, bad bool value");
        v = s[0] == 't';
        *out = new_reply(RESP_BOOL);
    }
    if (*out == NULL)
        return read_fail(r, "Out of memory");
    if (type == ',')
        (*out)->dval = d;
    else
        (*out)->integer = v;
    return RESP_READ_OK;
}

static enum resp_type aggregate_type(char type)
{
    switch (type) {
    case '%':
        return RESP_MAP;
    case '~':
        return RESP_SET;
    case '>':
        return RESP_PUSH;
    case '|':
        return RESP_ATTRIBUTE;
    default:
        return RESP_ARRAY;
    }
}

/* The header of an aggregate.  *want is the number of elements to read
 * (twice the count for maps and attributes); only arrays have a null form
 * ("*-1", a RESP2 null array). */
static int aggregate_reply(struct resp_reader *r, char type, const char *s,
                           size_t n, struct resp_reply **out, size_t *want)
{
    long long count;

    if (parse_ll(s, n, &count) != 0 || count < -1 ||
        (count == -1 && type != '*'))
        return read_fail(r, "Protocol error, bad aggregate length");
    if (count == -1) {
        *out = new_reply(RESP_NIL);
    } else {
        *out = new_reply(aggregate_type(type));
        *want = (size_t)count * (type == '%' || type == '|' ? 2 : 1);
    }
    return *out == NULL ? read_fail(r, "Out of memory") : RESP_READ_OK;
}

/* The payload of a bulk, blob error or verbatim string whose header has
 * been read.  Waits (RESP_READ_MORE) until payload and CRLF are all in. */
static int bulk_body(struct resp_reader *r, struct resp_reply **out)
{
    const char *s = r->buf + r->pos;
    size_t n = r->bulk_len;
    int verbatim = r->bulk_type == '=';

    if (r->len - r->pos < n + 2)
        return RESP_READ_MORE;
    if (s[n] != '\r' || s[n + 1] != '\n')
        return read_fail(r, "Protocol error, bad bulk string terminator");
    if (verbatim && s[3] != ':')
        return read_fail(r, "Protocol error, bad verbatim string format");

    if (verbatim)
        *out = new_string_reply(RESP_VERBATIM, s + 4, n - 4);
    else
        *out = new_string_reply(r->bulk_type == '$' ? RESP_STRING : RESP_ERROR,
                                s, n);
    if (*out == NULL)
        return read_fail(r, "Out of memory");
    if (verbatim)
        memcpy((*out)->vtype, s, 3);
    r->pos += n + 2;
    r->bulk_type = 0;
    return RESP_READ_OK;
}

/* The "$<len>" (or "!", "=") header line of length n.  "$-1" is the RESP2
 * null; a verbatim string needs at least its "fmt:" prefix. */
static int bulk_header(struct resp_reader *r, char type, const char *s,
                       size_t n, struct resp_reply **out)
{
    long long len;

    if (parse_ll(s, n, &len) != 0 || len < -1 || (len == -1 && type != '$') ||
        (len > 0 && (unsigned long long)len > SIZE_MAX - 2))
        return read_fail(r, "Protocol error, bad bulk string length");
    if (type == '=' && len < 4)
        return read_fail(r, "Protocol error, bad verbatim string format");
    skip_line(r, n);
    if (len == -1) {
        *out = new_reply(RESP_NIL);
        return *out == NULL ? read_fail(r, "Out of memory") : RESP_READ_OK;
    }
    r->bulk_type = type;
    r->bulk_len = (size_t)len;
    return bulk_body(r, out);
}

/* Quote the offending type byte so that control bytes stay readable. */
static int bad_type(struct resp_reader *r, unsigned char type)
{
    char shown[8], msg[64];

    if (type == '\r')
        snprintf(shown, sizeof(shown), "\\r");
    else if (type == '\n')
        snprintf(shown, sizeof(shown), "\\n");
    else if (isprint(type))
        snprintf(shown, sizeof(shown), "%c", type);
    else
        snprintf(shown, sizeof(shown), "\\x%02x", type);
    snprintf(msg, sizeof(msg), "Protocol error, got '%s' as reply type byte",
             shown);
    return read_fail(r, msg);
}

/* Read the next complete item at pos: a scalar, or an aggregate header with
 * *want elements to follow.  RESP_READ_MORE consumes nothing that would
 * need re-parsing. */
static int read_item(struct resp_reader *r, struct resp_reply **out,
                     size_t *want)
{
    const char *s;
    size_t n;
    char type;
    int rc;

    *want = 0;
    if (r->bulk_type != 0)
        return bulk_body(r, out);
    if (r->pos >= r->len)
        return RESP_READ_MORE;
    type = r->buf[r->pos];
    if (type == '\0' || strchr("+-:,#_($!=*%~>|", type) == NULL)
        return bad_type(r, (unsigned char)type);
    rc = find_line(r, &n);
    if (rc != RESP_READ_OK)
        return rc;

    s = r->buf + r->pos + 1;
    if (type == '$' || type == '!' || type == '=')
        return bulk_header(r, type, s, n, out);
    if (strchr("*%~>|", type) != NULL)
        rc = aggregate_reply(r, type, s, n, out, want);
    else if (type == ':' || type == ',' || type == '#')
        rc = number_reply(r, type, s, n, out);
    else
        rc = text_reply(r, type, s, n, out);
    if (rc == RESP_READ_OK)
        skip_line(r, n);
    return rc;
}

/* Append child to the aggregate of frame f, growing the element array by
 * doubling but never beyond what the aggregate declared. */
static int append_child(struct read_frame *f, struct resp_reply *child)
{
    struct resp_reply *agg = f->agg;

    if (agg->elements == f->cap) {
        size_t cap = f->cap == 0 ? READ_ELEMENTS_MIN_CAP : f->cap * 2;
        struct resp_reply **element;

        if (cap > f->want)
            cap = f->want;
        element = realloc(agg->element, cap * sizeof(*element));
        if (element == NULL)
            return -1;
        agg->element = element;
        f->cap = cap;
    }
    agg->element[agg->elements++] = child;
    return 0;
}

/* Pop every frame whose aggregate is complete.  Returns 1 when that
 * completes the root reply, else 0. */
static int pop_complete(struct resp_reader *r)
{
    while (r->depth > 0) {
        struct read_frame *top = &r->stack[r->depth - 1];

        if (top->agg->elements < top->want)
            return 0;
        r->depth--;
        if (top->detached)
            resp_reply_free(top->agg);
    }
    return 1;
}

/* Attach a freshly read item to the reply tree and, for a non-empty
 * aggregate, open a frame for its elements.  Returns 1 when the root reply
 * is complete, 0 when more items are needed, RESP_READ_ERROR on failure
 * (the item is freed either way). */
static int place_item(struct resp_reader *r, struct resp_reply *item,
                      size_t want)
{
    int detached = item->type == RESP_ATTRIBUTE && r->depth > 0;

    if (r->depth == 0) {
        r->root = item;
    } else if (!detached && append_child(&r->stack[r->depth - 1], item) != 0) {
        resp_reply_free(item);
        return read_fail(r, "Out of memory");
    }
    if (want == 0) {
        if (detached)
            resp_reply_free(item);
        return pop_complete(r);
    }

    if (r->depth == RESP_READ_MAX_DEPTH) {
        if (detached)
            resp_reply_free(item);
        return read_fail(r, "Protocol error, aggregates nested too deeply");
    }
    r->stack[r->depth++] = (struct read_frame){
        .agg = item, .want = want, .cap = 0, .detached = detached};
    return 0;
}

/* Read items until one whole reply is complete.  The reply tree is built
 * as items arrive, so a reply split over many feeds is parsed once. */
int resp_reader_next(struct resp_reader *r, struct resp_reply **out)
{
    struct resp_reply *item;
    size_t want;
    int rc;

    if (r->failed)
        return RESP_READ_ERROR;
    for (;;) {
        rc = read_item(r, &item, &want);
        if (rc != RESP_READ_OK)
            return rc;
        rc = place_item(r, item, want);
        if (rc == RESP_READ_ERROR)
            return rc;
        if (rc == 1) {
            *out = r->root;
            r->root = NULL;
            return RESP_READ_OK;
        }
    }
}
