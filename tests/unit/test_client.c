/* test_client.c -- the client library against a scripted fake server.
 *
 * The fake server is a thread at the other end of a socketpair (or of a
 * unix socket it listens on) that plays a script: read exactly these
 * request bytes, send these reply bytes, close, and so on.  A mismatch is
 * recorded, not asserted, and checked once the thread has finished
 * (Criterion asserts only from the test's own thread).
 *
 * To split a reply stream at a chosen byte, the server sends the first
 * part, then waits until the client's socket has nothing left unread
 * (FIONREAD on the client's end), then sends the rest: the client is then
 * sure to have received the two parts in two reads.
 *
 * Replies are compared as transcripts:
 *   $'bulk'  +'simple'  -'error'  :42  nil  ,1.5  #t  *[a b]  %{k v}
 *   ~[a]  >[a]
 * with bytes outside printable ASCII shown as \xHH. */
#include <criterion/criterion.h>

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../../client/client.h"

#define FS_WAIT_MS     5000 /* the fake server's limit on any one wait */
#define FS_FAILURE_LEN 1024
#define PIPELINE_N     1000
#define DEADLOCK_N     4000 /* 4 MB each way, far past socket buffers */
#define DEADLOCK_VAL   1000

/* --- the fake server ----------------------------------------------------- */

enum fs_kind {
    FS_EXPECT,      /* read exactly these bytes */
    FS_SEND,        /* write these bytes */
    FS_SEND_SPLIT,  /* write arg bytes, wait until read, write the rest */
    FS_SEND_BYTES,  /* write one byte at a time, each read before the next */
    FS_SLEEP,       /* sleep arg ms */
    FS_CLOSE,       /* close the connection */
    FS_EXPECT_EOF,  /* the client closes without sending anything more */
    FS_DISCARD_EOF, /* read and drop everything until the client closes */
    FS_LISTEN,      /* start listening on the unix socket path */
    FS_ACCEPT       /* take the next connection on the unix socket */
};

struct fs_step {
    enum fs_kind kind;
    const char *data;
    size_t len;
    int arg;
};

#define EXPECT(lit)                                                            \
    {                                                                          \
        FS_EXPECT, lit, sizeof(lit) - 1, 0                                     \
    }
#define SEND(lit)                                                              \
    {                                                                          \
        FS_SEND, lit, sizeof(lit) - 1, 0                                       \
    }
#define SLEEP(ms)                                                              \
    {                                                                          \
        FS_SLEEP, NULL, 0, ms                                                  \
    }
#define STEP(kind)                                                             \
    {                                                                          \
        kind, NULL, 0, 0                                                       \
    }
#define DATA(kind, p, n, a)                                                    \
    {                                                                          \
        kind, p, n, a                                                          \
    }

struct fake_server {
    int fd;      /* the server's end of the connection */
    int peer_fd; /* the client's end, for FIONREAD; -1 when unknown */
    int listen_fd;
    char path[108];
    const struct fs_step *steps;
    size_t nsteps;
    pthread_t thread;
    char failure[FS_FAILURE_LEN];
};

static const char *escape(const char *p, size_t n)
{
    static char bufs[4][512];
    static int next;
    char *out = bufs[next++ % 4];
    size_t o = 0;

    for (size_t i = 0; i < n && o < sizeof(bufs[0]) - 8; i++) {
        unsigned char ch = (unsigned char)p[i];

        if (ch >= 0x20 && ch < 0x7f && ch != '\\')
            out[o++] = (char)ch;
        else
            o += (size_t)snprintf(out + o, 5, "\\x%02x", ch);
    }
    out[o] = '\0';
    return out;
}

static void fs_fail(struct fake_server *fs, const char *what)
{
    if (fs->failure[0] == '\0')
        snprintf(fs->failure, sizeof(fs->failure), "fake server: %.*s",
                 FS_FAILURE_LEN - 16, what);
}

/* Read up to n bytes within FS_WAIT_MS.  Returns the count, 0 at EOF, -1
 * on timeout or error. */
static ssize_t fs_read(struct fake_server *fs, char *buf, size_t n)
{
    struct pollfd pfd = {.fd = fs->fd, .events = POLLIN};

    if (poll(&pfd, 1, FS_WAIT_MS) != 1)
        return -1;
    return read(fs->fd, buf, n);
}

static void fs_expect(struct fake_server *fs, const struct fs_step *st)
{
    char *got = malloc(st->len + 1);
    size_t have = 0;
    char why[FS_FAILURE_LEN];

    cr_assert_not_null(got);
    while (have < st->len) {
        ssize_t n = fs_read(fs, got + have, st->len - have);

        if (n <= 0)
            break;
        have += (size_t)n;
    }
    if (have != st->len || memcmp(got, st->data, st->len) != 0) {
        snprintf(why, sizeof(why), "expected \"%s\", got \"%s\"",
                 escape(st->data, st->len), escape(got, have));
        fs_fail(fs, why);
    }
    free(got);
}

static void fs_write(struct fake_server *fs, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fs->fd, p, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fs_fail(fs, "write failed");
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

/* Wait until the client has read everything sent so far. */
static void fs_wait_drained(struct fake_server *fs)
{
    struct timespec pause = {0, 20000};

    for (int i = 0; i < FS_WAIT_MS * 50; i++) {
        int unread = 0;

        if (ioctl(fs->peer_fd, FIONREAD, &unread) != 0 || unread == 0)
            return;
        nanosleep(&pause, NULL);
    }
    fs_fail(fs, "the client never read what was sent");
}

/* Read until EOF; with keep == 0 any byte is a failure. */
static void fs_until_eof(struct fake_server *fs, int keep)
{
    char buf[65536];
    ssize_t n;

    while ((n = fs_read(fs, buf, sizeof(buf))) > 0)
        if (!keep) {
            char why[FS_FAILURE_LEN];

            snprintf(why, sizeof(why), "unexpected bytes \"%s\"",
                     escape(buf, (size_t)n));
            fs_fail(fs, why);
        }
    if (n < 0)
        fs_fail(fs, "the client did not close the connection");
}

static void fs_listen(struct fake_server *fs)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};

    memcpy(sa.sun_path, fs->path, strlen(fs->path) + 1);
    fs->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (bind(fs->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(fs->listen_fd, 8) != 0)
        fs_fail(fs, "cannot listen");
}

static void fs_accept(struct fake_server *fs)
{
    struct pollfd pfd = {.fd = fs->listen_fd, .events = POLLIN};

    if (fs->fd >= 0)
        close(fs->fd);
    fs->fd = -1;
    if (poll(&pfd, 1, FS_WAIT_MS) != 1) {
        fs_fail(fs, "no connection to accept");
        return;
    }
    fs->fd = accept(fs->listen_fd, NULL, NULL);
}

static void fs_run_step(struct fake_server *fs, const struct fs_step *st)
{
    switch (st->kind) {
    case FS_EXPECT:
        fs_expect(fs, st);
        break;
    case FS_SEND:
        fs_write(fs, st->data, st->len);
        break;
    case FS_SEND_SPLIT:
        fs_write(fs, st->data, (size_t)st->arg);
        fs_wait_drained(fs);
        fs_write(fs, st->data + st->arg, st->len - (size_t)st->arg);
        break;
    case FS_SEND_BYTES:
        for (size_t i = 0; i < st->len && fs->failure[0] == '\0'; i++) {
            fs_write(fs, st->data + i, 1);
            fs_wait_drained(fs);
        }
        break;
    case FS_SLEEP: {
        struct timespec ts = {st->arg / 1000, (st->arg % 1000) * 1000000L};

        nanosleep(&ts, NULL);
        break;
    }
    case FS_CLOSE:
        close(fs->fd);
        fs->fd = -1;
        break;
    case FS_EXPECT_EOF:
    case FS_DISCARD_EOF:
        fs_until_eof(fs, st->kind == FS_DISCARD_EOF);
        break;
    case FS_LISTEN:
        fs_listen(fs);
        break;
    case FS_ACCEPT:
        fs_accept(fs);
        break;
    }
}

static void *fs_main(void *arg)
{
    struct fake_server *fs = arg;

    for (size_t i = 0; i < fs->nsteps && fs->failure[0] == '\0'; i++)
        fs_run_step(fs, &fs->steps[i]);
    return NULL;
}

static void fs_init(struct fake_server *fs, const struct fs_step *steps,
                    size_t n)
{
    memset(fs, 0, sizeof(*fs));
    fs->fd = fs->peer_fd = fs->listen_fd = -1;
    fs->steps = steps;
    fs->nsteps = n;
}

/* Start a fake server on a socketpair; returns the client's end. */
static int fs_start_pair(struct fake_server *fs, const struct fs_step *steps,
                         size_t n)
{
    int sv[2];

    fs_init(fs, steps, n);
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    fs->fd = sv[0];
    fs->peer_fd = sv[1];
    cr_assert_eq(pthread_create(&fs->thread, NULL, fs_main, fs), 0);
    return sv[1];
}

/* Start a fake server that listens on a unix socket (its first step is
 * FS_LISTEN, or it listens now when listen_now is set). */
static void fs_start_unix(struct fake_server *fs, const struct fs_step *steps,
                          size_t n, int listen_now)
{
    fs_init(fs, steps, n);
    snprintf(fs->path, sizeof(fs->path), "/tmp/test-client-%d.sock",
             (int)getpid());
    unlink(fs->path);
    if (listen_now)
        fs_listen(fs);
    cr_assert_eq(pthread_create(&fs->thread, NULL, fs_main, fs), 0);
}

/* Wait for the script to end, then assert it went as written. */
static void fs_finish(struct fake_server *fs)
{
    pthread_join(fs->thread, NULL);
    if (fs->fd >= 0)
        close(fs->fd);
    if (fs->listen_fd >= 0)
        close(fs->listen_fd);
    if (fs->path[0] != '\0')
        unlink(fs->path);
    cr_assert(fs->failure[0] == '\0', "%s", fs->failure);
}

#define N_STEPS(a) (sizeof(a) / sizeof((a)[0]))

/* A client on a socketpair with the script steps, as opts say. */
static struct client *start_pair(struct fake_server *fs,
                                 const struct fs_step *steps, size_t n,
                                 const struct client_opts *opts)
{
    int fd = fs_start_pair(fs, steps, n);
    struct client *c = client_from_fd(fd, opts);

    cr_assert_not_null(c);
    return c;
}

/* --- transcripts --------------------------------------------------------- */

static void render(FILE *out, const struct resp_reply *r);

static void render_text(FILE *out, const char *p, size_t n)
{
    fprintf(out, "'%s'", escape(p, n));
}

static void render_list(FILE *out, const struct resp_reply *r, const char *open,
                        const char *close)
{
    fputs(open, out);
    for (size_t i = 0; i < r->elements; i++) {
        if (i > 0)
            fputc(' ', out);
        render(out, r->element[i]);
    }
    fputs(close, out);
}

static void render(FILE *out, const struct resp_reply *r)
{
    switch (r->type) {
    case RESP_STRING:
        fputc('$', out);
        render_text(out, r->str, r->len);
        break;
    case RESP_SIMPLE:
        fputc('+', out);
        render_text(out, r->str, r->len);
        break;
    case RESP_ERROR:
        fputc('-', out);
        render_text(out, r->str, r->len);
        break;
    case RESP_INTEGER:
        fprintf(out, ":%lld", r->integer);
        break;
    case RESP_NIL:
        fputs("nil", out);
        break;
    case RESP_DOUBLE:
        fprintf(out, ",%g", r->dval);
        break;
    case RESP_BOOL:
        fputs(r->integer ? "#t" : "#f", out);
        break;
    case RESP_ARRAY:
        render_list(out, r, "*[", "]");
        break;
    case RESP_MAP:
        render_list(out, r, "%{", "}");
        break;
    case RESP_SET:
        render_list(out, r, "~[", "]");
        break;
    case RESP_PUSH:
        render_list(out, r, ">[", "]");
        break;
    default:
        fprintf(out, "?%d", (int)r->type);
    }
}

/* The transcript of r, in a rotating static buffer; r is freed. */
static const char *show(struct resp_reply *r)
{
    static char bufs[4][2048];
    static int next;
    char *buf = bufs[next++ % 4];
    FILE *out = fmemopen(buf, sizeof(bufs[0]), "w");

    cr_assert_not_null(out);
    if (r == NULL)
        fputs("(null)", out);
    else
        render(out, r);
    fclose(out);
    resp_reply_free(r);
    return buf;
}

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define assert_reply(c, want)                                                  \
    do {                                                                       \
        const char *got_ = show(client_read_reply(c));                         \
        cr_assert_str_eq(got_, want, "reply %s, want %s (error %d: %s)", got_, \
                         want, client_err(c), client_errstr(c));               \
    } while (0)

TestSuite(client, .timeout = 30);

/* --- encoding and pipelining --------------------------------------------- */

Test(client, argv_is_encoded_byte_for_byte_with_binary_arguments)
{
    static const struct fs_step steps[] = {
        EXPECT("*4\r\n$3\r\nSET\r\n$4\r\nk\0ey\r\n$7\r\nv\r\nal\0\n\r\n"
               "$0\r\n\r\n"),
        SEND("+OK\r\n")};
    const char *argv[] = {"SET", "k\0ey", "v\r\nal\0\n", ""};
    const size_t lens[] = {3, 4, 7, 0};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), NULL);

    cr_assert_eq(client_append_argv(c, 4, argv, lens), 0);
    assert_reply(c, "+'OK'");
    fs_finish(&fs);
    client_free(c);
}

Test(client, argv_without_lengths_takes_nul_terminated_strings)
{
    static const struct fs_step steps[] = {
        EXPECT("*3\r\n$4\r\nECHO\r\n$5\r\nhello\r\n$0\r\n\r\n"),
        SEND("$5\r\nhello\r\n")};
    const char *argv[] = {"ECHO", "hello", ""};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), NULL);

    cr_assert_str_eq(show(client_command_argv(c, 3, argv, NULL)), "$'hello'");
    fs_finish(&fs);
    client_free(c);
}

Test(client, variadic_commands_take_any_number_of_arguments)
{
    char want[512];
    int n = snprintf(want, sizeof(want), "*20\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n");
    struct fs_step steps[] = {DATA(FS_EXPECT, want, 0, 0), SEND(":18\r\n"),
                              EXPECT("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"),
                              SEND("$-1\r\n")};
    struct fake_server fs;
    struct client *c;

    for (int i = 0; i < 18; i++)
        n += snprintf(want + n, sizeof(want) - (size_t)n, "$1\r\n%c\r\n",
                      'a' + i);
    steps[0].len = (size_t)n;
    c = start_pair(&fs, steps, N_STEPS(steps), NULL);
    cr_assert_eq(client_append(c, "RPUSH", "l", "a", "b", "c", "d", "e", "f",
                               "g", "h", "i", "j", "k", "l", "m", "n", "o", "p",
                               "q", "r", NULL),
                 0);
    assert_reply(c, ":18");
    cr_assert_str_eq(show(client_command(c, "GET", "key", NULL)), "nil");
    fs_finish(&fs);
    client_free(c);
}

Test(client, appended_commands_wait_in_the_buffer_until_a_read)
{
    static const struct fs_step steps[] = {
        EXPECT("*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\na\r\n"),
        SEND("+PONG\r\n$1\r\na\r\n")};
    struct timespec pause = {0, 50 * 1000000};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), NULL);
    int unread = -1;

    cr_assert_eq(client_append(c, "PING", NULL), 0);
    cr_assert_eq(client_append(c, "ECHO", "a", NULL), 0);
    nanosleep(&pause, NULL);
    cr_assert_eq(ioctl(fs.fd, FIONREAD, &unread), 0);
    cr_assert_eq(unread, 0, "%d bytes sent before any read", unread);
    assert_reply(c, "+'PONG'");
    assert_reply(c, "$'a'");
    fs_finish(&fs);
    client_free(c);
}

Test(client, flush_sends_without_waiting_for_a_reply)
{
    static const struct fs_step steps[] = {EXPECT("*1\r\n$4\r\nPING\r\n"),
                                           SEND("+PONG\r\n")};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), NULL);

    cr_assert_eq(client_append(c, "PING", NULL), 0);
    cr_assert_eq(client_flush(c), 0);
    pthread_join(fs.thread, NULL); /* the server got PING and answered */
    cr_assert(fs.failure[0] == '\0', "%s", fs.failure);
    fs.nsteps = 0;
    cr_assert_eq(pthread_create(&fs.thread, NULL, fs_main, &fs), 0);
    assert_reply(c, "+'PONG'");
    fs_finish(&fs);
    client_free(c);
}

/* The bytes of n INCR requests and of their n replies. */
static void incr_stream(int n, char **req, size_t *req_len, char **rep,
                        size_t *rep_len)
{
    static const char one[] = "*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n";
    FILE *out;

    *req = malloc((size_t)n * (sizeof(one) - 1));
    cr_assert_not_null(*req);
    for (int i = 0; i < n; i++)
        memcpy(*req + (size_t)i * (sizeof(one) - 1), one, sizeof(one) - 1);
    *req_len = (size_t)n * (sizeof(one) - 1);

    out = open_memstream(rep, rep_len);
    for (int i = 1; i <= n; i++)
        fprintf(out, ":%d\r\n", i);
    fclose(out);
}

Test(client, pipelined_commands_get_their_replies_in_order)
{
    char *req, *rep;
    size_t req_len, rep_len;
    struct fake_server fs;
    struct client *c;

    incr_stream(PIPELINE_N, &req, &req_len, &rep, &rep_len);
    {
        struct fs_step steps[] = {DATA(FS_EXPECT, req, req_len, 0),
                                  DATA(FS_SEND, rep, rep_len, 0)};

        c = start_pair(&fs, steps, N_STEPS(steps), NULL);
        for (int i = 0; i < PIPELINE_N; i++)
            cr_assert_eq(client_append(c, "INCR", "n", NULL), 0);
        for (int i = 1; i <= PIPELINE_N; i++) {
            struct resp_reply *r = client_read_reply(c);

            cr_assert_not_null(r, "reply %d: %s", i, client_errstr(c));
            cr_assert_eq(r->type, RESP_INTEGER);
            cr_assert_eq(r->integer, i);
            resp_reply_free(r);
        }
        fs_finish(&fs);
    }
    cr_assert_eq(client_has_buffered_reply(c), 0);
    client_free(c);
    free(req);
    free(rep);
}

/* The server answers each request before reading the next, so once its
 * replies fill the socket it stops reading: a client that wrote the whole
 * pipeline before reading anything would wait forever. */
Test(client, a_pipeline_larger_than_socket_buffers_does_not_deadlock)
{
    struct fs_step *steps = calloc(2 * DEADLOCK_N, sizeof(*steps));
    char val[DEADLOCK_VAL + 1], req[DEADLOCK_VAL + 64], rep[DEADLOCK_VAL + 64];
    int req_len, rep_len;
    struct client_opts o = {.io_timeout_ms = 5000};
    struct fake_server fs;
    struct client *c;

    memset(val, 'v', DEADLOCK_VAL);
    val[DEADLOCK_VAL] = '\0';
    req_len = snprintf(req, sizeof(req),
                       "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n%s\r\n",
                       DEADLOCK_VAL, val);
    rep_len = snprintf(rep, sizeof(rep), "$%d\r\n%s\r\n", DEADLOCK_VAL, val);
    for (int i = 0; i < DEADLOCK_N; i++) {
        steps[2 * i] = (struct fs_step)DATA(FS_EXPECT, req, (size_t)req_len, 0);
        steps[2 * i + 1] =
            (struct fs_step)DATA(FS_SEND, rep, (size_t)rep_len, 0);
    }
    c = start_pair(&fs, steps, 2 * DEADLOCK_N, &o);

    for (int i = 0; i < DEADLOCK_N; i++)
        cr_assert_eq(client_append(c, "SET", "k", val, NULL), 0);
    for (int i = 0; i < DEADLOCK_N; i++) {
        struct resp_reply *r = client_read_reply(c);

        cr_assert_not_null(r, "reply %d: %s", i, client_errstr(c));
        cr_assert_eq(r->len, DEADLOCK_VAL);
        resp_reply_free(r);
    }
    fs_finish(&fs);
    client_free(c);
    free(steps);
}

/* --- reading replies ----------------------------------------------------- */

/* Replies of many shapes, and what each reads as. */
static const char split_stream[] =
    "+OK\r\n"
    "$6\r\nhe\0l\r\n\r\n"
    ":-42\r\n"
    "$-1\r\n"
    "*2\r\n$1\r\na\r\n*1\r\n:1\r\n"
    "-ERR bad thing\r\n"
    "%1\r\n+k\r\n,1.5\r\n"
    "_\r\n"
    "#t\r\n"
    "*-1\r\n"
    "*0\r\n"
    "$0\r\n\r\n"
    ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$3\r\nabc\r\n";
static const char *const split_want[] = {"+'OK'",
                                         "$'he\\x00l\\x0d\\x0a'",
                                         ":-42",
                                         "nil",
                                         "*[$'a' *[:1]]",
                                         "-'ERR bad thing'",
                                         "%{+'k' ,1.5}",
                                         "nil",
                                         "#t",
                                         "nil",
                                         "*[]",
                                         "$''",
                                         ">[$'message' $'ch' $'abc']"};
#define SPLIT_N (sizeof(split_want) / sizeof(split_want[0]))

/* Send SPLIT_N PINGs and check the replies step (a FS_SEND_* of
 * split_stream) delivers. */
static void check_split(struct fs_step send)
{
    char req[SPLIT_N * 16];
    size_t req_len = 0;
    struct fake_server fs;
    struct client *c;

    for (size_t i = 0; i < SPLIT_N; i++) {
        memcpy(req + req_len, "*1\r\n$4\r\nPING\r\n", 14);
        req_len += 14;
    }
    {
        struct fs_step steps[] = {DATA(FS_EXPECT, req, req_len, 0), send};

        c = start_pair(&fs, steps, N_STEPS(steps), NULL);
        for (size_t i = 0; i < SPLIT_N; i++)
            cr_assert_eq(client_append(c, "PING", NULL), 0);
        for (size_t i = 0; i < SPLIT_N; i++) {
            const char *got = show(client_read_reply(c));

            cr_assert_str_eq(got, split_want[i],
                             "split at %d, reply %zu: %s, want %s (%s)",
                             send.arg, i, got, split_want[i], client_errstr(c));
        }
        fs_finish(&fs);
    }
    client_free(c);
}

Test(client, replies_split_at_every_byte_read_the_same)
{
    for (size_t k = 1; k < sizeof(split_stream) - 1; k++)
        check_split((struct fs_step)DATA(FS_SEND_SPLIT, split_stream,
                                         sizeof(split_stream) - 1, (int)k));
}

Test(client, replies_arriving_one_byte_at_a_time_read_the_same)
{
    check_split((struct fs_step)DATA(FS_SEND_BYTES, split_stream,
                                     sizeof(split_stream) - 1, 0));
}

Test(client, attributes_are_skipped_before_the_reply_they_describe)
{
    static const struct fs_step steps[] = {
        EXPECT("*1\r\n$4\r\nPING\r\n"), SEND("|1\r\n+ttl\r\n:3\r\n+PONG\r\n")};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), NULL);

    cr_assert_str_eq(show(client_command(c, "PING", NULL)), "+'PONG'");
    fs_finish(&fs);
    client_free(c);
}

Test(client, a_second_reply_already_read_is_reported_as_buffered)
{
    static const struct fs_step steps[] = {
        EXPECT("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n"),
        SEND("+A\r\n+B\r\n")};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), NULL);

    client_append(c, "PING", NULL);
    client_append(c, "PING", NULL);
    cr_assert_eq(client_has_buffered_reply(c), 0);
    assert_reply(c, "+'A'");
    cr_assert_eq(client_has_buffered_reply(c), 1);
    assert_reply(c, "+'B'");
    cr_assert_eq(client_has_buffered_reply(c), 0);
    fs_finish(&fs);
    client_free(c);
}

Test(client, try_read_returns_zero_until_a_whole_reply_is_in)
{
    static const struct fs_step steps[] = {EXPECT("*1\r\n$4\r\nPING\r\n"),
                                           SLEEP(200), SEND("+PO"), SLEEP(100),
                                           SEND("NG\r\n")};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), NULL);
    struct resp_reply *r = NULL;
    int rc, tries = 0;

    client_append(c, "PING", NULL);
    cr_assert_eq(client_try_read_reply(c, &r), 0);
    cr_assert_null(r);
    cr_assert_eq(client_err(c), CLIENT_OK);
    while ((rc = client_try_read_reply(c, &r)) == 0 && tries++ < 100) {
        struct pollfd pfd = {.fd = client_fd(c), .events = POLLIN};

        cr_assert_eq(poll(&pfd, 1, 2000), 1);
    }
    cr_assert_eq(rc, 1, "%s", client_errstr(c));
    cr_assert_geq(tries, 2, "the partial reply was handed out");
    cr_assert_str_eq(show(r), "+'PONG'");
    fs_finish(&fs);
    client_free(c);
}

/* --- errors -------------------------------------------------------------- */

Test(client, read_timeout_is_sticky_outside_subscriber_mode)
{
    static const struct fs_step steps[] = {EXPECT("*1\r\n$4\r\nPING\r\n"),
                                           STEP(FS_EXPECT_EOF)};
    struct client_opts o = {.io_timeout_ms = 100};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), &o);
    long long t0 = now_ms(), ms;

    cr_assert_null(client_command(c, "PING", NULL));
    ms = now_ms() - t0;
    cr_assert(ms >= 90 && ms < 2000, "timed out after %lld ms", ms);
    cr_assert_eq(client_err(c), CLIENT_ERR_TIMEOUT);
    cr_assert_str_eq(client_errstr(c), "read timed out");
    cr_assert_eq(client_fd(c), -1);

    t0 = now_ms();
    cr_assert_null(client_command(c, "PING", NULL));
    cr_assert_lt(now_ms() - t0, 50);
    cr_assert_eq(client_err(c), CLIENT_ERR_TIMEOUT);
    fs_finish(&fs); /* and nothing more was sent */
    client_free(c);
}

Test(client, write_timeout_when_the_server_does_not_read)
{
    static const struct fs_step steps[] = {SLEEP(500), STEP(FS_DISCARD_EOF)};
    struct client_opts o = {.io_timeout_ms = 100};
    size_t big = 16 << 20;
    char *val = malloc(big);
    const char *argv[] = {"SET", "k", val};
    const size_t lens[] = {3, 1, big};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), &o);
    long long t0;

    memset(val, 'x', big);
    cr_assert_eq(client_append_argv(c, 3, argv, lens), 0);
    t0 = now_ms();
    cr_assert_eq(client_flush(c), -1);
    cr_assert_lt(now_ms() - t0, 450);
    cr_assert_eq(client_err(c), CLIENT_ERR_TIMEOUT);
    cr_assert_str_eq(client_errstr(c), "write timed out");
    fs_finish(&fs);
    client_free(c);
    free(val);
}

Test(client, eof_in_the_middle_of_a_reply_is_a_sticky_eof)
{
    static const struct fs_step steps[] = {
        EXPECT("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"), SEND("$10\r\nabc"),
        STEP(FS_CLOSE)};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), NULL);

    cr_assert_null(client_command(c, "GET", "k", NULL));
    cr_assert_eq(client_err(c), CLIENT_ERR_EOF);
    cr_assert_str_eq(client_errstr(c), "server closed the connection");
    cr_assert_null(client_command(c, "PING", NULL));
    cr_assert_eq(client_err(c), CLIENT_ERR_EOF);
    cr_assert_eq(client_append(c, "PING", NULL), -1);
    fs_finish(&fs);
    client_free(c);
}

Test(client, bytes_that_are_not_resp_are_a_sticky_protocol_error)
{
    static const struct fs_step steps[] = {
        EXPECT("*1\r\n$4\r\nPING\r\n"), SEND("?what\r\n"), STEP(FS_EXPECT_EOF)};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), NULL);

    cr_assert_null(client_command(c, "PING", NULL));
    cr_assert_eq(client_err(c), CLIENT_ERR_PROTOCOL);
    cr_assert(strstr(client_errstr(c), "Protocol error") != NULL, "%s",
              client_errstr(c));
    cr_assert_eq(client_fd(c), -1);
    cr_assert_null(client_command(c, "PING", NULL));
    cr_assert_eq(client_err(c), CLIENT_ERR_PROTOCOL);
    fs_finish(&fs); /* the second PING never went out */
    client_free(c);
}

Test(client, a_protocol_error_after_a_good_reply_comes_with_the_next_read)
{
    static const struct fs_step steps[] = {
        EXPECT("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n"),
        SEND("+PONG\r\n?x\r\n")};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), NULL);

    client_append(c, "PING", NULL);
    client_append(c, "PING", NULL);
    assert_reply(c, "+'PONG'");
    cr_assert_eq(client_err(c), CLIENT_OK);
    cr_assert_eq(client_has_buffered_reply(c), 1, "poll() would not wake");
    assert_reply(c, "(null)");
    cr_assert_eq(client_err(c), CLIENT_ERR_PROTOCOL);
    fs_finish(&fs);
    client_free(c);
}

Test(client, an_error_reply_is_a_reply_not_a_connection_error)
{
    static const struct fs_step steps[] = {
        EXPECT("*1\r\n$3\r\nFOO\r\n"), SEND("-ERR unknown command 'FOO'\r\n"),
        EXPECT("*1\r\n$4\r\nPING\r\n"), SEND("+PONG\r\n")};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), NULL);

    cr_assert_str_eq(show(client_command(c, "FOO", NULL)),
                     "-'ERR unknown command 'FOO''");
    cr_assert_eq(client_err(c), CLIENT_OK);
    cr_assert_str_eq(show(client_command(c, "PING", NULL)), "+'PONG'");
    fs_finish(&fs);
    client_free(c);
}

Test(client, bad_arguments_fail_the_call_only)
{
    static const struct fs_step steps[] = {EXPECT("*1\r\n$4\r\nPING\r\n"),
                                           SEND("+PONG\r\n")};
    const char *with_null[] = {"SET", NULL};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), NULL);

    cr_assert_eq(client_append_argv(c, 0, NULL, NULL), -1);
    cr_assert_eq(client_err(c), CLIENT_ERR_OTHER);
    cr_assert_null(client_command_argv(c, 2, with_null, NULL));
    cr_assert_eq(client_err(c), CLIENT_ERR_OTHER);
    cr_assert_eq(client_append(c, NULL), -1);
    cr_assert_str_eq(show(client_command(c, "PING", NULL)), "+'PONG'");
    cr_assert_eq(client_err(c), CLIENT_OK);
    fs_finish(&fs); /* nothing of the bad calls was sent */
    client_free(c);
}

Test(client, block_timeout_adds_the_margin_and_zero_means_no_limit)
{
    struct client *c = client_from_fd(-1, NULL);

    cr_assert_not_null(c);
    cr_assert_eq(client_err(c), CLIENT_ERR_OTHER);
    client_set_block_timeout(c, 1.5);
    cr_assert_eq(client_timeout(c), 1500 + CLIENT_BLOCK_MARGIN_MS);
    client_set_block_timeout(c, 0);
    cr_assert_eq(client_timeout(c), 0);
    client_set_timeout(c, 250);
    cr_assert_eq(client_timeout(c), 250);
    client_set_timeout(c, -5);
    cr_assert_eq(client_timeout(c), 0);
    client_free(c);
}

/* --- subscriber mode ----------------------------------------------------- */

Test(client, a_subscriber_reads_messages_one_by_one)
{
    static const struct fs_step steps[] = {
        EXPECT("*3\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n$1\r\nb\r\n"),
        SEND("*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
             "*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"),
        SEND("*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nm1\r\n"
             "*3\r\n$7\r\nmessage\r\n$1\r\nb\r\n$2\r\nm2\r\n"
             "*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$3\r\nm\0\n\r\n"),
        EXPECT("*1\r\n$11\r\nUNSUBSCRIBE\r\n"),
        SEND("*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n"
             "*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:0\r\n")};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), NULL);

    cr_assert_eq(client_append(c, "SUBSCRIBE", "a", "b", NULL), 0);
    cr_assert_eq(client_is_subscribed(c), 1);
    assert_reply(c, "*[$'subscribe' $'a' :1]");
    assert_reply(c, "*[$'subscribe' $'b' :2]");
    assert_reply(c, "*[$'message' $'a' $'m1']");
    assert_reply(c, "*[$'message' $'b' $'m2']");
    assert_reply(c, "*[$'message' $'a' $'m\\x00\\x0a']");
    cr_assert_eq(client_is_subscribed(c), 1);
    cr_assert_eq(client_append(c, "UNSUBSCRIBE", NULL), 0);
    assert_reply(c, "*[$'unsubscribe' $'a' :1]");
    cr_assert_eq(client_is_subscribed(c), 1);
    assert_reply(c, "*[$'unsubscribe' $'b' :0]");
    cr_assert_eq(client_is_subscribed(c), 0);
    fs_finish(&fs);
    client_free(c);
}

Test(client, a_read_timeout_is_not_sticky_for_a_subscriber)
{
    static const struct fs_step steps[] = {
        EXPECT("*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n"),
        SEND("*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"), SLEEP(400),
        SEND("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nlater\r\n")};
    struct client_opts o = {.io_timeout_ms = 100};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), &o);
    long long t0;

    cr_assert_eq(client_append(c, "SUBSCRIBE", "ch", NULL), 0);
    assert_reply(c, "*[$'subscribe' $'ch' :1]");
    t0 = now_ms();
    cr_assert_null(client_read_reply(c));
    cr_assert_geq(now_ms() - t0, 90);
    cr_assert_eq(client_err(c), CLIENT_ERR_TIMEOUT);
    cr_assert_geq(client_fd(c), 0, "the connection was dropped");

    client_set_timeout(c, 3000);
    assert_reply(c, "*[$'message' $'ch' $'later']");
    cr_assert_eq(client_err(c), CLIENT_OK);
    fs_finish(&fs);
    client_free(c);
}

Test(client, resp3_push_messages_are_subscriber_messages_too)
{
    static const struct fs_step steps[] = {
        EXPECT("*2\r\n$10\r\nPSUBSCRIBE\r\n$2\r\nc*\r\n"),
        SEND(">3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:1\r\n"
             ">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\ncx\r\n$2\r\nhi\r\n"),
        SLEEP(300), SEND(">3\r\n$7\r\nmessage\r\n$2\r\ncx\r\n$2\r\nyo\r\n")};
    struct client_opts o = {.io_timeout_ms = 100};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), &o);

    cr_assert_eq(client_append(c, "PSUBSCRIBE", "c*", NULL), 0);
    assert_reply(c, ">[$'psubscribe' $'c*' :1]");
    assert_reply(c, ">[$'pmessage' $'c*' $'cx' $'hi']");
    assert_reply(c, "(null)");
    cr_assert_eq(client_err(c), CLIENT_ERR_TIMEOUT);
    client_set_timeout(c, 3000);
    assert_reply(c, ">[$'message' $'cx' $'yo']");
    fs_finish(&fs);
    client_free(c);
}

Test(client, a_refused_subscribe_does_not_enter_subscriber_mode)
{
    static const struct fs_step steps[] = {
        EXPECT("*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n"),
        SEND("-NOAUTH Authentication required.\r\n"), STEP(FS_EXPECT_EOF)};
    struct client_opts o = {.io_timeout_ms = 100};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), &o);

    cr_assert_str_eq(show(client_command(c, "SUBSCRIBE", "ch", NULL)),
                     "-'NOAUTH Authentication required.'");
    cr_assert_eq(client_is_subscribed(c), 0);
    assert_reply(c, "(null)");
    cr_assert_eq(client_err(c), CLIENT_ERR_TIMEOUT);
    cr_assert_eq(client_fd(c), -1, "the timeout was not sticky");
    fs_finish(&fs);
    client_free(c);
}

/* --- connecting: AUTH, SELECT, reconnection ------------------------------ */

Test(client, connect_sends_auth_with_user_then_select)
{
    static const struct fs_step steps[] = {
        EXPECT("*3\r\n$4\r\nAUTH\r\n$5\r\nalice\r\n$6\r\nsecret\r\n"),
        SEND("+OK\r\n"),
        EXPECT("*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n"),
        SEND("+OK\r\n"),
        EXPECT("*1\r\n$4\r\nPING\r\n"),
        SEND("+PONG\r\n")};
    struct client_opts o = {.user = "alice", .password = "secret", .db = 3};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), &o);

    cr_assert_eq(client_err(c), CLIENT_OK, "%s", client_errstr(c));
    cr_assert_str_eq(show(client_command(c, "PING", NULL)), "+'PONG'");
    fs_finish(&fs);
    client_free(c);
}

Test(client, auth_without_a_user_sends_the_password_alone)
{
    static const struct fs_step steps[] = {
        EXPECT("*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n"), SEND("+OK\r\n"),
        EXPECT("*1\r\n$4\r\nPING\r\n"), SEND("+PONG\r\n")};
    struct client_opts o = {.password = "secret"};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), &o);

    cr_assert_str_eq(show(client_command(c, "PING", NULL)), "+'PONG'");
    fs_finish(&fs);
    client_free(c);
}

Test(client, a_user_without_a_password_sends_no_auth)
{
    static const struct fs_step steps[] = {EXPECT("*1\r\n$4\r\nPING\r\n"),
                                           SEND("+PONG\r\n")};
    struct client_opts o = {.user = "alice"};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), &o);

    cr_assert_str_eq(show(client_command(c, "PING", NULL)), "+'PONG'");
    fs_finish(&fs);
    client_free(c);
}

Test(client, a_refused_auth_is_a_sticky_auth_error)
{
    static const struct fs_step steps[] = {
        EXPECT("*2\r\n$4\r\nAUTH\r\n$5\r\nwrong\r\n"),
        SEND("-WRONGPASS invalid username-password pair\r\n"),
        STEP(FS_EXPECT_EOF)};
    struct client_opts o = {.password = "wrong", .db = 1};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), &o);

    cr_assert_eq(client_err(c), CLIENT_ERR_AUTH);
    cr_assert_str_eq(client_errstr(c),
                     "AUTH: WRONGPASS invalid username-password pair");
    cr_assert_eq(client_fd(c), -1);
    cr_assert_null(client_command(c, "PING", NULL));
    cr_assert_eq(client_err(c), CLIENT_ERR_AUTH);
    fs_finish(&fs); /* no SELECT, no PING */
    client_free(c);
}

Test(client, a_refused_select_is_an_auth_error)
{
    static const struct fs_step steps[] = {
        EXPECT("*2\r\n$6\r\nSELECT\r\n$2\r\n99\r\n"),
        SEND("-ERR DB index is out of range\r\n"), STEP(FS_EXPECT_EOF)};
    struct client_opts o = {.db = 99};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), &o);

    cr_assert_eq(client_err(c), CLIENT_ERR_AUTH);
    cr_assert_str_eq(client_errstr(c), "SELECT: ERR DB index is out of range");
    fs_finish(&fs);
    client_free(c);
}

Test(client, connecting_to_a_closed_port_is_an_io_error)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct client_opts o = {.host = "127.0.0.1", .connect_timeout_ms = 2000};
    struct client *c;

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    o.port = ntohs(sa.sin_port); /* bound, not listening: refused */
    c = client_connect(&o);
    cr_assert_eq(client_err(c), CLIENT_ERR_IO);
    cr_assert(strstr(client_errstr(c), "Connection refused") != NULL, "%s",
              client_errstr(c));
    cr_assert_eq(client_fd(c), -1);
    client_free(c);
    close(fd);
}

Test(client, connecting_to_a_missing_unix_socket_is_an_io_error)
{
    struct client_opts o = {.unix_path = "/tmp/test-client-none.sock"};
    struct client *c = client_connect(&o);

    cr_assert_eq(client_err(c), CLIENT_ERR_IO);
    cr_assert_str_eq(client_errstr(c), "connect /tmp/test-client-none.sock: "
                                       "No such file or directory");
    client_free(c);
}

/* A listener whose accept queue is full drops new SYNs, so a connect to
 * it hangs: what the connect timeout is for. */
Test(client, connect_gives_up_at_the_connect_timeout)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof(sa);
    int lfd = socket(AF_INET, SOCK_STREAM, 0), fillers[4];
    struct client_opts o = {.host = "127.0.0.1", .connect_timeout_ms = 200};
    struct client *c;
    long long t0, ms;

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    cr_assert_eq(listen(lfd, 0), 0);
    cr_assert_eq(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
    for (int i = 0; i < 4; i++) {
        fillers[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        connect(fillers[i], (struct sockaddr *)&sa, sizeof(sa));
    }
    o.port = ntohs(sa.sin_port);
    t0 = now_ms();
    c = client_connect(&o);
    ms = now_ms() - t0;
    cr_assert_eq(client_err(c), CLIENT_ERR_TIMEOUT, "%s", client_errstr(c));
    cr_assert(ms >= 190 && ms < 2000, "gave up after %lld ms", ms);
    cr_assert(strstr(client_errstr(c), "timed out") != NULL);
    client_free(c);
    for (int i = 0; i < 4; i++)
        close(fillers[i]);
    close(lfd);
}

Test(client, reconnect_runs_auth_and_select_again)
{
    static const struct fs_step steps[] = {
        STEP(FS_ACCEPT),   EXPECT("*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n"),
        SEND("+OK\r\n"),   EXPECT("*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n"),
        SEND("+OK\r\n"),   EXPECT("*1\r\n$4\r\nPING\r\n"),
        SEND("+PONG\r\n"), STEP(FS_CLOSE),
        STEP(FS_ACCEPT),   EXPECT("*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n"),
        SEND("+OK\r\n"),   EXPECT("*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n"),
        SEND("+OK\r\n"),   EXPECT("*1\r\n$4\r\nPING\r\n"),
        SEND("+PONG\r\n")};
    struct fake_server fs;
    struct client_opts o = {.password = "pw", .db = 2, .io_timeout_ms = 2000};
    struct client *c;
    int err;

    fs_start_unix(&fs, steps, N_STEPS(steps), 1);
    o.unix_path = fs.path;
    c = client_connect(&o);
    cr_assert_eq(client_err(c), CLIENT_OK, "%s", client_errstr(c));
    cr_assert_str_eq(show(client_command(c, "PING", NULL)), "+'PONG'");
    cr_assert_null(client_command(c, "PING", NULL));
    err = client_err(c);
    cr_assert(err == CLIENT_ERR_EOF || err == CLIENT_ERR_IO, "%d %s", err,
              client_errstr(c));
    cr_assert_eq(client_reconnect(c), 0, "%s", client_errstr(c));
    cr_assert_eq(client_err(c), CLIENT_OK);
    cr_assert_str_eq(show(client_command(c, "PING", NULL)), "+'PONG'");
    fs_finish(&fs);
    client_free(c);
}

Test(client, a_client_made_from_a_descriptor_cannot_reconnect)
{
    static const struct fs_step steps[] = {STEP(FS_EXPECT_EOF)};
    struct fake_server fs;
    struct client *c = start_pair(&fs, steps, N_STEPS(steps), NULL);

    cr_assert_eq(client_reconnect(c), -1);
    cr_assert_eq(client_err(c), CLIENT_ERR_OTHER);
    fs_finish(&fs);
    client_free(c);
}

Test(client, reconnect_backoff_gives_up_after_its_attempts)
{
    struct client_opts o = {.unix_path = "/tmp/test-client-none.sock"};
    struct client *c = client_connect(&o);
    long long t0 = now_ms(), ms;

    cr_assert_eq(client_reconnect_backoff(c, 3, 30, 40), -1);
    ms = now_ms() - t0;
    cr_assert(ms >= 70 && ms < 1000, "%lld ms for sleeps of 30 and 40", ms);
    cr_assert_eq(client_err(c), CLIENT_ERR_IO);
    client_free(c);
}

Test(client, reconnect_backoff_waits_for_the_server_to_come_back)
{
    static const struct fs_step steps[] = {
        SLEEP(200), STEP(FS_LISTEN), STEP(FS_ACCEPT),
        EXPECT("*1\r\n$4\r\nPING\r\n"), SEND("+PONG\r\n")};
    struct fake_server fs;
    struct client_opts o = {.io_timeout_ms = 2000};
    struct client *c;
    long long t0 = now_ms();

    fs_start_unix(&fs, steps, N_STEPS(steps), 0);
    o.unix_path = fs.path;
    c = client_connect(&o);
    cr_assert_eq(client_err(c), CLIENT_ERR_IO);
    cr_assert_eq(client_reconnect_backoff(c, 0, 10, 50), 0, "%s",
                 client_errstr(c));
    cr_assert_geq(now_ms() - t0, 150);
    cr_assert_str_eq(show(client_command(c, "PING", NULL)), "+'PONG'");
    fs_finish(&fs);
    client_free(c);
}

Test(client, reconnect_backoff_stops_at_a_refused_password)
{
    static const struct fs_step steps[] = {
        STEP(FS_ACCEPT),
        EXPECT("*2\r\n$4\r\nAUTH\r\n$1\r\nx\r\n"),
        SEND("-WRONGPASS no\r\n"),
        STEP(FS_ACCEPT),
        EXPECT("*2\r\n$4\r\nAUTH\r\n$1\r\nx\r\n"),
        SEND("-WRONGPASS no\r\n")};
    struct fake_server fs;
    struct client_opts o = {.password = "x", .io_timeout_ms = 2000};
    struct client *c;

    fs_start_unix(&fs, steps, N_STEPS(steps), 1);
    o.unix_path = fs.path;
    c = client_connect(&o);
    cr_assert_eq(client_err(c), CLIENT_ERR_AUTH);
    cr_assert_eq(client_reconnect_backoff(c, 0, 10, 10), -1);
    cr_assert_eq(client_err(c), CLIENT_ERR_AUTH);
    fs_finish(&fs); /* exactly one more connection */
    client_free(c);
}
