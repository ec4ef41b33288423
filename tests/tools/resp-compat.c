/* resp-compat -- differential tester: sends the same requests to two servers
 * (a = respd, b = the reference redis-server) and compares the replies.
 *
 *   resp-compat --a host:port --b host:port [--timeout MS] [-v]
 *               script.txt ...
 *
 * Each script runs on fresh connections after a FLUSHALL on both servers.
 * Every line is one request; replies are compared as raw bytes, so any
 * difference in type, spacing or error wording is a failure.  The reply
 * boundary is found by a small framing scanner here; each reply is also fed
 * to resp_read's reader, which must agree that it is exactly one reply (a
 * cheap cross-check of the reader on real traffic).  The script format is
 * described in tests/compat/README.md.
 *
 * Output: one block per difference (script, line, request, both replies
 * escaped), a summary per script and a last line "N passed, N failed".
 * Exits 0 only when every line matched. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../resp/resp_parse.h"
#include "../../resp/resp_read.h"
#include "../../resp/resp_write.h"

#define DEFAULT_TIMEOUT_MS 2000
/* How long to watch for a close (or stray bytes) after the replies of a
 * !raw line: long after a protocol error, where both must close, short
 * otherwise, where both must stay quiet. */
#define CLOSE_WAIT_MS 2000
#define QUIET_WAIT_MS 50
/* With no reply expected, a close or an error may take a little longer. */
#define SILENT_WAIT_MS  300
#define PRINT_LIMIT     600 /* reply bytes shown per side on a difference */
#define READ_CHUNK      16384
#define MAX_RAW_REPLIES 1000

enum io_status { IO_OK, IO_CLOSED, IO_TIMEOUT, IO_BAD };

enum cmp_mode { CMP_EXACT, CMP_UNORDERED, CMP_PAIRS, CMP_TYPE };

/* What a connection did after the expected replies of a !raw line. */
enum after_state { AFTER_OPEN, AFTER_CLOSED, AFTER_DATA };

struct peer {
    char label[8]; /* "a" or "b" */
    char host[256];
    char port[16];
    int fd;             /* -1 when closed */
    struct resp_buf in; /* received bytes not yet taken as replies */
};

/* One reply as received: raw bytes, or why there are none. */
struct reply {
    enum io_status status;
    char *data;
    size_t len;
};

struct ctx {
    struct peer peer[2];
    int timeout_ms;
    int verbose;
    int passed, failed;
    const char *script; /* name for messages */
    int lineno;
    const char *line; /* the script line being run, as written */
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- framing ------------------------------------------------------------ */

/* Parse the decimal number in p[0..n) strictly (optional '-', digits).
 * Returns 0 and sets *out, or -1. */
static int parse_ll(const char *p, size_t n, long long *out)
{
    long long v = 0;
    size_t i = 0;
    int neg = 0;

    if (n > 0 && p[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i == n || n - i > 18)
        return -1;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    *out = neg ? -v : v;
    return 0;
}

/* Length of the header line at p (up to and including CRLF), 0 if the line
 * is not complete yet. */
static size_t line_len(const char *p, size_t n)
{
    const char *cr = n > 1 ? memchr(p, '\r', n - 1) : NULL;

    while (cr != NULL && cr[1] != '\n') {
        size_t off = (size_t)(cr - p) + 1;
        cr = n - off > 1 ? memchr(p + off, '\r', n - off - 1) : NULL;
    }
    return cr == NULL ? 0 : (size_t)(cr - p) + 2;
}

static int is_aggregate(char type)
{
    return strchr("*~>%|", type) != NULL;
}

/* Number of child frames of the aggregate whose header is p[0..hdr), or -1
 * for a null array. */
static long long child_count(const char *p, size_t hdr)
{
    long long count;

    if (parse_ll(p + 1, hdr - 3, &count) < 0)
        return -2;
    if (p[0] == '%' || p[0] == '|')
        count *= 2;
    return count;
}

/* Length of the complete RESP2/RESP3 frame at p[0..n): > 0 when complete,
 * 0 when more bytes are needed, -1 when the bytes are not RESP. */
static long long frame_len(const char *p, size_t n, int depth)
{
    size_t hdr = n > 0 ? line_len(p, n) : 0;
    long long count, len, off;

    if (hdr == 0)
        return 0;
    if (strchr("+-:_,#(", p[0]) != NULL)
        return (long long)hdr;
    if (strchr("$!=", p[0]) != NULL) {
        if (parse_ll(p + 1, hdr - 3, &len) < 0 || len < -1 ||
            (len == -1 && p[0] != '$'))
            return -1;
        if (len == -1)
            return (long long)hdr;
        if (n < hdr + (size_t)len + 2)
            return 0;
        if (p[hdr + len] != '\r' || p[hdr + len + 1] != '\n')
            return -1;
        return (long long)hdr + len + 2;
    }
    if (!is_aggregate(p[0]) || depth > RESP_READ_MAX_DEPTH)
        return -1;
    count = child_count(p, hdr);
    if (count == -1 && p[0] == '*')
        return (long long)hdr;
    if (count < 0)
        return -1;
    for (off = (long long)hdr; count > 0; count--) {
        long long child = frame_len(p + off, n - (size_t)off, depth + 1);
        if (child <= 0)
            return child;
        off += child;
    }
    return off;
}

/* Check that resp_read's reader sees exactly one reply in p[0..n).  Returns
 * NULL when it does, or a static description of the disagreement. */
static const char *reader_disagrees(const char *p, size_t n)
{
    struct resp_reader *r = resp_reader_create();
    struct resp_reply *reply = NULL;
    const char *why = NULL;

    if (r == NULL || resp_reader_feed(r, p, n) < 0) {
        why = "resp_read: out of memory";
    } else if (resp_reader_next(r, &reply) != RESP_READ_OK) {
        why = "resp_read did not return a complete reply";
    } else {
        resp_reply_free(reply);
        reply = NULL;
        if (resp_reader_next(r, &reply) != RESP_READ_MORE)
            why = "resp_read found more than one reply";
        if (reply != NULL)
            resp_reply_free(reply);
    }
    if (r != NULL)
        resp_reader_free(r);
    return why;
}

/* --- connections -------------------------------------------------------- */

static void peer_drop(struct peer *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
    p->in.len = 0;
}

/* Wait until fd is ready for events or the deadline passes.  Returns 1 when
 * ready, 0 on timeout. */
static int wait_fd(int fd, short events, long long deadline)
{
    for (;;) {
        long long left = deadline - now_ms();
        struct pollfd pfd = {.fd = fd, .events = events};
        int rc = poll(&pfd, 1, left > 0 ? (int)left : 0);
        if (rc > 0)
            return 1;
        if (rc == 0 || errno != EINTR)
            return 0;
    }
}

/* Connect one address without blocking past the deadline.  Returns the
 * non-blocking socket or -1. */
static int connect_addr(const struct addrinfo *ai, long long deadline)
{
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    int err = 0, one = 1;
    socklen_t elen = sizeof(err);

    if (fd < 0)
        return -1;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 &&
        (errno != EINPROGRESS || !wait_fd(fd, POLLOUT, deadline) ||
         getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err != 0)) {
        close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/* Open a fresh connection for p.  Returns 0, or -1 with a message printed. */
static int peer_connect(struct peer *p, int timeout_ms)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
    long long deadline = now_ms() + timeout_ms;
    int rc;

    peer_drop(p);
    rc = getaddrinfo(p->host, p->port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "resp-compat: %s:%s: %s\n", p->host, p->port,
                gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai != NULL && p->fd < 0; ai = ai->ai_next)
        p->fd = connect_addr(ai, deadline);
    freeaddrinfo(res);
    if (p->fd < 0) {
        fprintf(stderr, "resp-compat: cannot connect to %s (%s:%s)\n", p->label,
                p->host, p->port);
        return -1;
    }
    return 0;
}

/* Write all of data.  A peer that closed or reset is not an error here:
 * the caller learns it when reading the reply. */
static void peer_send(struct peer *p, const char *data, size_t len,
                      long long deadline)
{
    while (len > 0 && p->fd >= 0) {
        ssize_t n = send(p->fd, data, len, MSG_NOSIGNAL);
        if (n > 0) {
            data += n;
            len -= (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            if (!wait_fd(p->fd, POLLOUT, deadline))
                return;
        } else {
            return;
        }
    }
}

/* Read what is available into p->in, waiting until the deadline for the
 * first byte.  IO_OK when bytes arrived, IO_CLOSED when the peer closed or
 * reset (the socket is then closed, buffered bytes kept), IO_TIMEOUT. */
static enum io_status peer_fill(struct peer *p, long long deadline)
{
    for (;;) {
        if (p->fd < 0)
            return IO_CLOSED;
        if (resp_buf_reserve(&p->in, READ_CHUNK) < 0)
            abort();
        ssize_t n = recv(p->fd, p->in.data + p->in.len, READ_CHUNK, 0);
        if (n > 0) {
            p->in.len += (size_t)n;
            return IO_OK;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            if (!wait_fd(p->fd, POLLIN, deadline))
                return IO_TIMEOUT;
            continue;
        }
        close(p->fd);
        p->fd = -1;
        return IO_CLOSED;
    }
}

/* Take the next reply from p into *out (a malloc'd copy of its bytes).  On
 * IO_BAD the unparseable bytes are copied instead. */
static void peer_read_reply(struct peer *p, int timeout_ms, struct reply *out)
{
    long long deadline = now_ms() + timeout_ms;

    for (;;) {
        long long n = frame_len(p->in.data, p->in.len, 0);
        if (n != 0) {
            out->status = n > 0 ? IO_OK : IO_BAD;
            out->len = n > 0 ? (size_t)n : p->in.len;
            out->data = malloc(out->len + 1);
            if (out->data == NULL)
                abort();
            memcpy(out->data, p->in.data, out->len);
            resp_buf_consume(&p->in, out->len);
            return;
        }
        out->status = peer_fill(p, deadline);
        if (out->status != IO_OK) {
            out->data = NULL;
            out->len = 0;
            return;
        }
    }
}

/* After the replies of a !raw line, watch both peers for up to window_ms:
 * each either closes, sends more bytes, or stays open and quiet. */
static void watch_after(struct peer *peers, int window_ms,
                        enum after_state st[2])
{
    long long deadline = now_ms() + window_ms;
    int i, open, closed, extended = 0;

    do {
        struct pollfd pfd[2];
        open = closed = 0;
        for (i = 0; i < 2; i++) {
            st[i] = peers[i].in.len > 0 ? AFTER_DATA
                    : peers[i].fd < 0   ? AFTER_CLOSED
                                        : AFTER_OPEN;
            pfd[i].fd = st[i] == AFTER_OPEN ? peers[i].fd : -1;
            pfd[i].events = POLLIN;
            open += st[i] == AFTER_OPEN;
            closed += st[i] == AFTER_CLOSED;
        }
        /* One closed: give the other as long as a close may take. */
        if (closed > 0 && !extended) {
            deadline = now_ms() + CLOSE_WAIT_MS;
            extended = 1;
        }
        long long left = deadline - now_ms();
        if (open == 0 || left <= 0 || poll(pfd, 2, (int)left) <= 0)
            return;
        for (i = 0; i < 2; i++)
            if (pfd[i].revents != 0)
                peer_fill(&peers[i], now_ms());
    } while (1);
}

/* --- reporting ---------------------------------------------------------- */

/* Print p[0..n) with control and non-ASCII bytes escaped, at most limit
 * bytes of it. */
static void print_escaped(const char *p, size_t n, size_t limit)
{
    size_t i;

    for (i = 0; i < n && i < limit; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\r')
            fputs("\\r", stdout);
        else if (c == '\n')
            fputs("\\n", stdout);
        else if (c == '\t')
            fputs("\\t", stdout);
        else if (c == '\\')
            fputs("\\\\", stdout);
        else if (c < 32 || c > 126)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    if (n > limit)
        printf("... (%zu bytes in all)", n);
}

static void print_reply(const struct peer *p, const struct reply *r)
{
    static const char *what[] = {"", "<connection closed, no reply>",
                                 "<no reply: timed out>", "<not RESP> "};

    printf("    %s (%s:%s): %s", p->label, p->host, p->port, what[r->status]);
    if (r->status == IO_OK || r->status == IO_BAD)
        print_escaped(r->data, r->len, PRINT_LIMIT);
    putchar('\n');
}

/* Count one failure and print its heading: script, line and request. */
static void fail_heading(struct ctx *x, const char *why)
{
    x->failed++;
    printf("FAIL %s:%d: %.200s\n    %s\n", x->script, x->lineno, x->line, why);
}

static void fail_replies(struct ctx *x, const char *why, const struct reply *r)
{
    fail_heading(x, why);
    print_reply(&x->peer[0], &r[0]);
    print_reply(&x->peer[1], &r[1]);
}

static void pass(struct ctx *x)
{
    x->passed++;
    if (x->verbose)
        printf("ok %s:%d: %.200s\n", x->script, x->lineno, x->line);
}

/* --- comparing ---------------------------------------------------------- */

static int buf_cmp(const void *pa, const void *pb)
{
    const struct resp_buf *a = pa, *b = pb;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->data, b->data, n);

    if (c != 0)
        return c;
    return a->len < b->len ? -1 : a->len > b->len;
}

/* Append to out a canonical form of the complete frame p[0..n) in which the
 * children of every aggregate are sorted, so that two aggregates holding
 * the same elements in another order compare equal.  With group 2 the
 * children are sorted as (key, value) pairs; maps always are. */
static void canonical(struct resp_buf *out, const char *p, size_t n, int group)
{
    size_t hdr = line_len(p, n), off = hdr;
    long long count = is_aggregate(p[0]) ? child_count(p, hdr) : -1;
    struct resp_buf *child;
    long long i;

    if (count <= 0) {
        resp_buf_append(out, p, n);
        return;
    }
    if (p[0] == '%' || p[0] == '|')
        group = 2;
    if (count % group != 0)
        group = 1;
    child = calloc((size_t)(count / group), sizeof(*child));
    if (child == NULL)
        abort();
    for (i = 0; i < count; i++) {
        long long len = frame_len(p + off, n - off, 1);
        canonical(&child[i / group], p + off, (size_t)len, 1);
        off += (size_t)len;
    }
    qsort(child, (size_t)(count / group), sizeof(*child), buf_cmp);
    resp_buf_append(out, p, hdr);
    for (i = 0; i < count / group; i++) {
        resp_buf_append(out, child[i].data, child[i].len);
        resp_buf_free(&child[i]);
    }
    free(child);
}

/* Compare two received replies under mode; 1 when they match. */
static int replies_match(const struct reply *a, const struct reply *b,
                         enum cmp_mode mode)
{
    struct resp_buf ca, cb;
    int same;

    if (a->status != IO_OK || b->status != IO_OK)
        return a->status == b->status && a->status == IO_CLOSED;
    if (mode == CMP_TYPE)
        return a->data[0] == b->data[0];
    if (mode == CMP_EXACT)
        return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
    resp_buf_init(&ca);
    resp_buf_init(&cb);
    canonical(&ca, a->data, a->len, mode == CMP_PAIRS ? 2 : 1);
    canonical(&cb, b->data, b->len, mode == CMP_PAIRS ? 2 : 1);
    same = buf_cmp(&ca, &cb) == 0;
    resp_buf_free(&ca);
    resp_buf_free(&cb);
    return same;
}

/* Run the reader cross-check on both replies; 1 when it agrees. */
static int reader_agrees(struct ctx *x, const struct reply *r)
{
    int i;

    for (i = 0; i < 2; i++) {
        if (r[i].status != IO_OK)
            continue;
        const char *why = reader_disagrees(r[i].data, r[i].len);
        if (why != NULL) {
            fail_replies(x, why, r);
            return 0;
        }
    }
    return 1;
}

static void free_replies(struct reply *r)
{
    free(r[0].data);
    free(r[1].data);
    r[0].data = r[1].data = NULL;
}

/* --- running lines ------------------------------------------------------ */

/* Make sure both peers are connected; if either is not, both get fresh
 * connections so they start from the same state.  Returns 0 or -1. */
static int ensure_connected(struct ctx *x)
{
    if (x->peer[0].fd >= 0 && x->peer[1].fd >= 0)
        return 0;
    if (peer_connect(&x->peer[0], x->timeout_ms) < 0 ||
        peer_connect(&x->peer[1], x->timeout_ms) < 0) {
        fail_heading(x, "could not connect");
        return -1;
    }
    return 0;
}

static void send_both(struct ctx *x, const char *data, size_t len)
{
    long long deadline = now_ms() + x->timeout_ms;

    peer_send(&x->peer[0], data, len, deadline);
    peer_send(&x->peer[1], data, len, deadline);
}

static void read_both(struct ctx *x, struct reply *r)
{
    peer_read_reply(&x->peer[0], x->timeout_ms, &r[0]);
    peer_read_reply(&x->peer[1], x->timeout_ms, &r[1]);
}

/* Compare the replies r[0] and r[1] under mode.  Returns 1 on a match.
 * On a difference prints it and drops both connections: a peer that sent
 * too many or too few replies would otherwise shift every later line. */
static int compare_pair(struct ctx *x, enum cmp_mode mode, struct reply *r)
{
    int ok = replies_match(&r[0], &r[1], mode);

    if (x->verbose && r[1].status == IO_OK) {
        printf("    %s: ", x->peer[1].label);
        print_escaped(r[1].data, r[1].len, 160);
        putchar('\n');
    }
    if (!ok)
        fail_replies(x, "replies differ", r);
    else
        ok = reader_agrees(x, r);
    if (!ok) {
        peer_drop(&x->peer[0]);
        peer_drop(&x->peer[1]);
    }
    return ok;
}

static int exchange_one(struct ctx *x, enum cmp_mode mode, struct reply *r)
{
    read_both(x, r);
    return compare_pair(x, mode, r);
}

/* After the one reply of a command: bytes already waiting beyond it mean a
 * peer sent more than one reply.  Returns 1 when neither did. */
static int no_extra_bytes(struct ctx *x)
{
    if (x->peer[0].in.len == 0 && x->peer[1].in.len == 0)
        return 1;
    fail_heading(x, "more than one reply to one request");
    for (int i = 0; i < 2; i++) {
        printf("    %s extra: ", x->peer[i].label);
        print_escaped(x->peer[i].in.data, x->peer[i].in.len, PRINT_LIMIT);
        putchar('\n');
    }
    peer_drop(&x->peer[0]);
    peer_drop(&x->peer[1]);
    return 0;
}

static int both_closed(const struct reply *r)
{
    return r[0].status == IO_CLOSED && r[1].status == IO_CLOSED;
}

/* Append a multibulk request for argv to req. */
static void build_request(struct resp_buf *req, const struct resp_arg *argv,
                          int argc)
{
    char head[32];
    int i, n;

    n = snprintf(head, sizeof(head), "*%d\r\n", argc);
    resp_buf_append(req, head, (size_t)n);
    for (i = 0; i < argc; i++) {
        n = snprintf(head, sizeof(head), "$%zu\r\n", argv[i].len);
        resp_buf_append(req, head, (size_t)n);
        resp_buf_append(req, argv[i].ptr, argv[i].len);
        resp_buf_append(req, "\r\n", 2);
    }
}

/* Send req to both peers and compare the replies.  When both connections
 * turn out to be closed already (the line before was QUIT, say), the
 * request is retried once on fresh connections: "no reply from either"
 * must not pass as a match. */
static void command_exchange(struct ctx *x, const struct resp_buf *req,
                             enum cmp_mode mode)
{
    struct reply r[2] = {{0}};

    send_both(x, req->data, req->len);
    read_both(x, r);
    if (both_closed(r)) {
        peer_drop(&x->peer[0]);
        peer_drop(&x->peer[1]);
        if (ensure_connected(x) < 0)
            return;
        send_both(x, req->data, req->len);
        read_both(x, r);
    }
    if (compare_pair(x, mode, r) && no_extra_bytes(x))
        pass(x);
    free_replies(r);
}

/* Run a command line (text after any marker): split it like redis-cli,
 * send it as a multibulk request to both peers, compare the replies. */
static void run_command(struct ctx *x, const char *text, enum cmp_mode mode)
{
    size_t len = strlen(text);
    char *copy = strdup(text);
    struct resp_arg *argv = calloc(len + 1, sizeof(*argv));
    struct resp_buf req;
    int too_many, argc;

    if (copy == NULL || argv == NULL)
        abort();
    argc = resp_split_args(copy, len, argv, (int)len + 1, &too_many);
    resp_buf_init(&req);
    if (argc < 0) {
        fail_heading(x, "script error: unbalanced quotes");
    } else if (argc > 0 && ensure_connected(x) == 0) {
        build_request(&req, argv, argc);
        command_exchange(x, &req, mode);
    }
    resp_buf_free(&req);
    free(argv);
    free(copy);
}

static int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode one escape starting at s (just after the backslash) into out.
 * Returns the number of source bytes used, or 0 for an unknown escape. */
static size_t decode_escape(const char *s, struct resp_buf *out)
{
    static const char from[] = "rnt0ab\\\"e", to[] = "\r\n\t\0\a\b\\\"\033";
    const char *hit = s[0] != '\0' ? strchr(from, s[0]) : NULL;
    char c;

    if (hit != NULL) {
        resp_buf_append(out, &to[hit - from], 1);
        return 1;
    }
    if (s[0] == 'x' && hex_digit(s[1]) >= 0 && hex_digit(s[2]) >= 0) {
        c = (char)(hex_digit(s[1]) * 16 + hex_digit(s[2]));
        resp_buf_append(out, &c, 1);
        return 3;
    }
    if (s[0] == '(') {
        /* \(COUNT)c: the byte c repeated COUNT times. */
        char *end;
        long count = strtol(s + 1, &end, 10);
        if (end == s + 1 || *end != ')' || end[1] == '\0' || count < 0 ||
            count > 64L * 1024 * 1024)
            return 0;
        for (long i = 0; i < count; i++)
            resp_buf_append(out, end + 1, 1);
        return (size_t)(end + 2 - s);
    }
    return 0;
}

/* Decode the escaped bytes of a !raw line into out.  Returns 0 or -1. */
static int decode_raw(const char *s, struct resp_buf *out)
{
    while (*s != '\0') {
        if (*s != '\\') {
            resp_buf_append(out, s++, 1);
            continue;
        }
        size_t used = decode_escape(s + 1, out);
        if (used == 0)
            return -1;
        s += 1 + used;
    }
    return 0;
}

/* Compare how both peers ended a !raw exchange: both closed, or both open
 * and quiet.  Bytes beyond the expected replies are a failure either way.
 * Returns 1 when they agree. */
static int compare_after(struct ctx *x, int window_ms)
{
    static const char *what[] = {"stays open", "closes the connection",
                                 "sends more than the expected replies"};
    enum after_state st[2];
    char why[160];

    watch_after(x->peer, window_ms, st);
    if (st[0] == st[1] && st[0] != AFTER_DATA)
        return 1;
    snprintf(why, sizeof(why), "after the replies, a %s and b %s", what[st[0]],
             what[st[1]]);
    fail_heading(x, why);
    for (int i = 0; i < 2; i++) {
        printf("    %s pending: ", x->peer[i].label);
        print_escaped(x->peer[i].in.data, x->peer[i].in.len, PRINT_LIMIT);
        putchar('\n');
    }
    return 0;
}

static int is_protocol_error(const struct reply *r)
{
    return r->status == IO_OK && r->len > 19 &&
           memcmp(r->data, "-ERR Protocol error", 19) == 0;
}

/* Run a !raw line: send the bytes as they are, compare `nreplies` replies,
 * then check that both peers close (after a protocol error) or both stay
 * open.  Connections that closed are replaced before the next line. */
static void run_raw(struct ctx *x, const char *text, long nreplies)
{
    struct resp_buf raw;
    struct reply r[2] = {{0}};
    int ok = 1, proto_error = 0;

    resp_buf_init(&raw);
    if (decode_raw(text, &raw) < 0) {
        fail_heading(x, "script error: bad escape in !raw");
    } else if (ensure_connected(x) == 0) {
        send_both(x, raw.data, raw.len);
        for (long i = 0; i < nreplies && ok; i++) {
            ok = exchange_one(x, CMP_EXACT, r);
            proto_error |= is_protocol_error(&r[0]) || is_protocol_error(&r[1]);
            free_replies(r);
        }
        if (ok)
            ok = compare_after(x, proto_error     ? CLOSE_WAIT_MS
                                  : nreplies == 0 ? SILENT_WAIT_MS
                                                  : QUIET_WAIT_MS);
        if (ok)
            pass(x);
        if (!ok || x->peer[0].fd < 0 || x->peer[1].fd < 0) {
            peer_drop(&x->peer[0]);
            peer_drop(&x->peer[1]);
        }
    }
    resp_buf_free(&raw);
}

/* Parse "NAME rest" markers.  Returns the text after "!name " when line
 * starts with that marker, else NULL. */
static const char *marker(const char *line, const char *name)
{
    size_t n = strlen(name);

    if (line[0] != '!' || strncmp(line + 1, name, n) != 0)
        return NULL;
    if (line[n + 1] == '\0')
        return line + n + 1;
    return line[n + 1] == ' ' ? line + n + 2 : NULL;
}

/* Parse the count of a "!replies N" line; -1 when it is not one. */
static long replies_count(const char *line)
{
    const char *arg = line != NULL ? marker(line, "replies") : NULL;
    char *end;
    long n;

    if (arg == NULL)
        return -1;
    n = strtol(arg, &end, 10);
    return end != arg && *end == '\0' && n >= 0 && n <= MAX_RAW_REPLIES ? n
                                                                        : -1;
}

/* Run line i of the script; returns how many lines it used (a !raw line
 * takes a following "!replies N" with it). */
static int run_line(struct ctx *x, char **lines, int nlines, int i)
{
    const char *line = lines[i], *arg;
    long n;

    x->lineno = i + 1;
    x->line = line;
    if (line[0] == '#' || line[strspn(line, " \t")] == '\0')
        return 1;
    if (line[0] != '!') {
        run_command(x, line, CMP_EXACT);
    } else if ((arg = marker(line, "unordered")) != NULL) {
        run_command(x, arg, CMP_UNORDERED);
    } else if ((arg = marker(line, "pairs")) != NULL) {
        run_command(x, arg, CMP_PAIRS);
    } else if ((arg = marker(line, "type")) != NULL) {
        run_command(x, arg, CMP_TYPE);
    } else if ((arg = marker(line, "sleep")) != NULL) {
        usleep((useconds_t)strtol(arg, NULL, 10) * 1000);
    } else if (marker(line, "reconnect") != NULL) {
        peer_drop(&x->peer[0]);
        peer_drop(&x->peer[1]);
    } else if ((arg = marker(line, "raw")) != NULL) {
        n = replies_count(i + 1 < nlines ? lines[i + 1] : NULL);
        run_raw(x, arg, n < 0 ? 1 : n);
        return n < 0 ? 1 : 2;
    } else {
        fail_heading(x, "script error: unknown marker, or !replies not "
                        "right after a !raw line");
    }
    return 1;
}

/* Read a whole file into a NUL-terminated buffer split into lines (LF or
 * CRLF ends a line).  Returns the line count, or -1. */
static int load_lines(const char *path, char **text, char ***lines)
{
    FILE *f = fopen(path, "rb");
    struct resp_buf b;
    char chunk[4096], *s, *end;
    size_t n;
    int count = 0, cap = 0;

    if (f == NULL)
        return -1;
    resp_buf_init(&b);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        resp_buf_append(&b, chunk, n);
    fclose(f);
    resp_buf_append(&b, "", 1);
    *text = b.data;
    *lines = NULL;
    end = b.data + b.len - 1; /* the NUL appended above */
    for (s = b.data; s < end;) {
        char *nl = memchr(s, '\n', (size_t)(end - s));
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            *lines = realloc(*lines, (size_t)cap * sizeof(**lines));
            if (*lines == NULL)
                abort();
        }
        (*lines)[count++] = s;
        if (nl == NULL)
            break;
        *nl = '\0';
        if (nl > s && nl[-1] == '\r')
            nl[-1] = '\0';
        s = nl + 1;
    }
    return count;
}

/* Start a script on fresh connections with both keyspaces empty.  Returns
 * 0, or -1 after counting a failure. */
static int script_setup(struct ctx *x)
{
    static const struct reply ok = {IO_OK, "+OK\r\n", 5};
    struct resp_arg flush = {"FLUSHALL", 8};
    struct resp_buf req;
    struct reply r[2] = {{0}};
    int good;

    x->lineno = 0;
    x->line = "(setup: FLUSHALL)";
    peer_drop(&x->peer[0]);
    peer_drop(&x->peer[1]);
    if (ensure_connected(x) < 0)
        return -1;
    resp_buf_init(&req);
    build_request(&req, &flush, 1);
    send_both(x, req.data, req.len);
    resp_buf_free(&req);
    read_both(x, r);
    good = replies_match(&r[0], &ok, CMP_EXACT) &&
           replies_match(&r[1], &ok, CMP_EXACT);
    if (!good)
        fail_replies(x, "FLUSHALL did not answer +OK", r);
    free_replies(r);
    return good ? 0 : -1;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

static void run_script(struct ctx *x, const char *path)
{
    int passed = x->passed, failed = x->failed;
    char *text, **lines;
    int n = load_lines(path, &text, &lines), i;

    x->script = base_name(path);
    if (n < 0) {
        x->lineno = 0;
        x->line = "";
        fail_heading(x, "cannot read the script");
        return;
    }
    if (script_setup(x) == 0)
        for (i = 0; i < n;)
            i += run_line(x, lines, n, i);
    printf("script %s: %d passed, %d failed\n", x->script, x->passed - passed,
           x->failed - failed);
    free(lines);
    free(text);
}

/* --- command line ------------------------------------------------------- */

/* Fill a peer from "host:port" (the last colon splits, so "[::1]:7000" and
 * "::1:7000" work).  Returns 0 or -1. */
static int parse_peer(struct peer *p, const char *label, const char *spec)
{
    const char *colon = spec != NULL ? strrchr(spec, ':') : NULL;
    size_t hlen;

    if (colon == NULL || colon == spec || colon[1] == '\0')
        return -1;
    hlen = (size_t)(colon - spec);
    if (spec[0] == '[' && colon[-1] == ']') {
        spec++;
        hlen -= 2;
    }
    if (hlen >= sizeof(p->host) || strlen(colon + 1) >= sizeof(p->port))
        return -1;
    memcpy(p->host, spec, hlen);
    p->host[hlen] = '\0';
    strcpy(p->port, colon + 1);
    snprintf(p->label, sizeof(p->label), "%s", label);
    p->fd = -1;
    resp_buf_init(&p->in);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: resp-compat --a host:port --b host:port "
                    "[--timeout ms] [-v] script.txt ...\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct ctx x = {.timeout_ms = DEFAULT_TIMEOUT_MS};
    int i, have_a = 0, have_b = 0, first_script = 0;

    signal(SIGPIPE, SIG_IGN);
    for (i = 1; i < argc && first_script == 0; i++) {
        if (strcmp(argv[i], "--a") == 0 && i + 1 < argc)
            have_a = parse_peer(&x.peer[0], "a", argv[++i]) == 0;
        else if (strcmp(argv[i], "--b") == 0 && i + 1 < argc)
            have_b = parse_peer(&x.peer[1], "b", argv[++i]) == 0;
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            x.timeout_ms = atoi(argv[++i]);
        else if (strcmp(argv[i], "-v") == 0)
            x.verbose = 1;
        else if (argv[i][0] == '-')
            return usage();
        else
            first_script = i;
    }
    if (!have_a || !have_b || first_script == 0 || x.timeout_ms <= 0)
        return usage();
    for (i = first_script; i < argc; i++)
        run_script(&x, argv[i]);
    /* Freed so that a LeakSanitizer build of the tool exits cleanly. */
    for (i = 0; i < 2; i++) {
        peer_drop(&x.peer[i]);
        resp_buf_free(&x.peer[i].in);
    }
    printf("%d passed, %d failed\n", x.passed, x.failed);
    return x.failed > 0 || x.passed == 0 ? 1 : 0;
}
