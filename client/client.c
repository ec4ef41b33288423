/* client.c -- a blocking client connection: requests out, replies in.
 *
 * Life of a connection.  client_connect() copies the options, connects
 * (client_net.c) and runs the handshake: AUTH, then SELECT, each waiting
 * for its reply.  Commands are encoded into `out` as RESP multibulk
 * requests and stay there until a read or a flush sends them, which is
 * all pipelining is.  Replies are read into resp_read.h's reader and
 * handed out one at a time.
 *
 * The socket is non-blocking and every wait goes through poll() bounded by
 * io_timeout_ms, so a timeout is per wait: a reply that keeps trickling in
 * never times out, a silent server does.  While the output is being
 * written, replies that arrive are read too (into the reader, not handed
 * out yet): a server that answers before it has read a whole pipeline and
 * stops reading once its own output backs up would otherwise deadlock
 * with us.
 *
 * After each reply is handed out, the next complete one, if already
 * buffered, is parsed into `ahead`.  That is what client_has_buffered_reply()
 * reports: a caller polling the socket would not be woken for it.
 *
 * Errors.  A sticky error (I/O, EOF, protocol, timeout, refused handshake)
 * closes the socket, drops what is buffered and makes every call fail at
 * once until client_reconnect().  A transient error (bad arguments, out of
 * memory while queueing, a read timeout while subscribed) is reported by
 * client_err() until the next call, which clears it.  A read timeout is
 * sticky outside subscriber mode because the late reply would otherwise
 * be taken for the answer to the next command.
 *
 * Subscriber mode is tracked from what goes out and what comes back:
 * sending [P|S]SUBSCRIBE counts the confirmations owed, and each
 * confirmation carries the number of subscriptions left (Redis counts
 * channels and patterns together, shard channels apart). */
#include "client.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../resp/resp_write.h"
#include "client_net.h"

#define CLIENT_DEFAULT_HOST "127.0.0.1"
#define CLIENT_DEFAULT_PORT 6379
#define CLIENT_READ_CHUNK   (16 * 1024)
/* An output buffer grown past this by a big pipeline is released once
 * sent, so one burst does not pin its memory for the connection's life. */
#define CLIENT_OUT_KEEP (64 * 1024)
/* Arguments of client_append() collected on the stack; more use malloc. */
#define CLIENT_STACK_ARGS 16

struct client {
    struct client_opts opts; /* its strings point to the copies below */
    char *host, *unix_path, *user, *password;
    int from_fd; /* made by client_from_fd(): cannot reconnect */
    int fd;      /* -1 when not connected */
    int io_timeout_ms;

    int err; /* enum client_error */
    int err_sticky;
    char errstr[CLIENT_ERRSTR_LEN];

    struct resp_buf out; /* queued requests; out_sent bytes already sent */
    size_t out_sent;
    struct resp_reader *reader;
    struct resp_reply *ahead; /* next complete reply, parsed early */
    int ahead_failed;         /* the bytes after the last reply are bad */

    long long sub_pending; /* subscribe confirmations still owed */
    long long sub_regular; /* channels and patterns, as last confirmed */
    long long sub_shard;   /* shard channels, as last confirmed */
};

/* --- errors and the connection's state ---------------------------------- */

/* Close the socket and forget everything tied to it: queued requests,
 * buffered replies, subscriptions. */
static void drop_connection(struct client *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    resp_reader_free(c->reader);
    c->reader = NULL;
    resp_reply_free(c->ahead);
    c->ahead = NULL;
    c->ahead_failed = 0;
    resp_buf_free(&c->out);
    c->out_sent = 0;
    c->sub_pending = c->sub_regular = c->sub_shard = 0;
}

/* Record an error and return -1.  The first sticky error wins and closes
 * the connection; a transient one lasts until the next call. */
static int set_error(struct client *c, int code, int sticky, const char *fmt,
                     ...) __attribute__((format(printf, 4, 5)));

static int set_error(struct client *c, int code, int sticky, const char *fmt,
                     ...)
{
    va_list ap;

    if (c->err_sticky)
        return -1;
    c->err = code;
    c->err_sticky = sticky;
    va_start(ap, fmt);
    vsnprintf(c->errstr, sizeof(c->errstr), fmt, ap);
    va_end(ap);
    if (sticky)
        drop_connection(c);
    return -1;
}

static int fail_io(struct client *c, const char *call)
{
    return set_error(c, CLIENT_ERR_IO, 1, "%s: %s", call, strerror(errno));
}

/* Start of every call: fail at once on a sticky error, clear a transient
 * one.  Returns 0 or -1. */
static int begin_call(struct client *c)
{
    if (c->err_sticky)
        return -1;
    c->err = CLIENT_OK;
    c->errstr[0] = '\0';
    return 0;
}

int client_err(const struct client *c)
{
    return c->err;
}

const char *client_errstr(const struct client *c)
{
    return c->errstr;
}

int client_fd(const struct client *c)
{
    return c->fd;
}

int client_has_buffered_reply(const struct client *c)
{
    return c->ahead != NULL || c->ahead_failed;
}

int client_is_subscribed(const struct client *c)
{
    return c->sub_pending > 0 || c->sub_regular > 0 || c->sub_shard > 0;
}

void client_set_timeout(struct client *c, int io_timeout_ms)
{
    c->io_timeout_ms = io_timeout_ms > 0 ? io_timeout_ms : 0;
}

int client_timeout(const struct client *c)
{
    return c->io_timeout_ms;
}

void client_set_block_timeout(struct client *c, double seconds)
{
    double ms = seconds * 1000 + CLIENT_BLOCK_MARGIN_MS;

    if (!(seconds > 0))
        c->io_timeout_ms = 0;
    else
        c->io_timeout_ms = ms >= INT_MAX ? INT_MAX : (int)ms;
}

/* --- subscriber mode ----------------------------------------------------- */

static int name_is(const char *name, size_t len, const char *want)
{
    return len == strlen(want) && strncasecmp(name, want, len) == 0;
}

/* Count the confirmations a [P|S]SUBSCRIBE being queued will bring. */
static void note_request(struct client *c, int argc, const char *const *argv,
                         const size_t *argvlen)
{
    size_t len = argvlen != NULL ? argvlen[0] : strlen(argv[0]);

    if (name_is(argv[0], len, "subscribe") ||
        name_is(argv[0], len, "psubscribe") ||
        name_is(argv[0], len, "ssubscribe"))
        c->sub_pending += argc - 1;
}

/* Follow subscriber mode through a reply being handed out: confirmations
 * ("subscribe", channel, count), RESET's "+RESET", and an error that may
 * be the refusal of a SUBSCRIBE (its confirmations will never come). */
static void track_subscriptions(struct client *c, const struct resp_reply *r)
{
    const struct resp_reply *kind, *count;
    int shard, sub;

    if (r->type == RESP_SIMPLE && strcmp(r->str, "RESET") == 0) {
        c->sub_pending = c->sub_regular = c->sub_shard = 0;
        return;
    }
    if (r->type == RESP_ERROR && c->sub_regular == 0 && c->sub_shard == 0)
        c->sub_pending = 0;
    if (r->type != RESP_PUSH &&
        !(r->type == RESP_ARRAY && client_is_subscribed(c)))
        return;
    if (r->elements != 3 || r->element[0]->type != RESP_STRING ||
        r->element[2]->type != RESP_INTEGER)
        return;

    kind = r->element[0];
    count = r->element[2];
    sub = name_is(kind->str, kind->len, "subscribe") ||
          name_is(kind->str, kind->len, "psubscribe") ||
          name_is(kind->str, kind->len, "ssubscribe");
    shard = name_is(kind->str, kind->len, "ssubscribe") ||
            name_is(kind->str, kind->len, "sunsubscribe");
    if (!sub && !shard && !name_is(kind->str, kind->len, "unsubscribe") &&
        !name_is(kind->str, kind->len, "punsubscribe"))
        return;
    if (sub && c->sub_pending > 0)
        c->sub_pending--;
    if (shard)
        c->sub_shard = count->integer;
    else
        c->sub_regular = count->integer;
}

/* --- reading and writing ------------------------------------------------- */

/* One recv() into the reader.  Returns 1 when bytes came, 0 when none
 * were waiting, -1 on EOF or an error (recorded). */
static int read_some(struct client *c)
{
    char buf[CLIENT_READ_CHUNK];
    ssize_t n;

    do
        n = recv(c->fd, buf, sizeof(buf), 0);
    while (n < 0 && errno == EINTR);
    if (n > 0) {
        if (resp_reader_feed(c->reader, buf, (size_t)n) != 0)
            return set_error(c, CLIENT_ERR_OTHER, 1, "out of memory");
        return 1;
    }
    if (n == 0)
        return set_error(c, CLIENT_ERR_EOF, 1, "server closed the connection");
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return 0;
    return fail_io(c, "recv");
}

/* Send all queued requests, reading replies that arrive meanwhile (see
 * the top of the file).  Returns 0 or -1. */
static int flush_out(struct client *c)
{
    while (c->out_sent < c->out.len) {
        ssize_t n = send(c->fd, c->out.data + c->out_sent,
                         c->out.len - c->out_sent, MSG_NOSIGNAL);
        int ev;

        if (n >= 0) {
            c->out_sent += (size_t)n;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return fail_io(c, "send");

        ev = client_net_wait(c->fd, POLLOUT | POLLIN, c->io_timeout_ms);
        if (ev == 0)
            return set_error(c, CLIENT_ERR_TIMEOUT, 1, "write timed out");
        if (ev < 0)
            return fail_io(c, "poll");
        if ((ev & POLLIN) && read_some(c) < 0)
            return -1;
    }
    if (c->out.cap > CLIENT_OUT_KEEP)
        resp_buf_free(&c->out);
    c->out.len = 0;
    c->out_sent = 0;
    return 0;
}

/* The next complete reply from the reader, attributes skipped (they
 * describe a reply rather than answer a command, and passing them on would
 * break the one-reply-per-command count pipelining relies on).  Returns 1
 * with *out set, 0 when more bytes are needed, -1 on bad bytes. */
static int reader_next(struct resp_reader *r, struct resp_reply **out)
{
    for (;;) {
        int rc = resp_reader_next(r, out);

        if (rc == RESP_READ_ERROR)
            return -1;
        if (rc == RESP_READ_MORE)
            return 0;
        if ((*out)->type != RESP_ATTRIBUTE)
            return 1;
        resp_reply_free(*out);
    }
}

/* Parse the next buffered reply into c->ahead, if one is complete. */
static void fill_ahead(struct client *c)
{
    struct resp_reply *r = NULL;
    int rc;

    if (c->ahead != NULL || c->ahead_failed || c->reader == NULL)
        return;
    rc = reader_next(c->reader, &r);
    if (rc > 0)
        c->ahead = r;
    else if (rc < 0)
        c->ahead_failed = 1; /* reported when the caller reads it */
}

/* The next reply already received: 1 with *out set, 0 when none is
 * complete, -1 on a protocol error (recorded). */
static int take_reply(struct client *c, struct resp_reply **out)
{
    int rc;

    if (c->ahead != NULL) {
        *out = c->ahead;
        c->ahead = NULL;
        return 1;
    }
    rc = reader_next(c->reader, out);
    if (rc < 0)
        return set_error(c, CLIENT_ERR_PROTOCOL, 1, "%s",
                         resp_reader_error(c->reader));
    return rc;
}

/* Hand a reply to the caller: note what it says about subscriptions and
 * parse the one after it if it is already here. */
static struct resp_reply *deliver(struct client *c, struct resp_reply *r)
{
    track_subscriptions(c, r);
    fill_ahead(c);
    return r;
}

int client_flush(struct client *c)
{
    if (begin_call(c) != 0 || flush_out(c) != 0)
        return -1;
    fill_ahead(c);
    return 0;
}

struct resp_reply *client_read_reply(struct client *c)
{
    struct resp_reply *r;
    int rc;

    if (begin_call(c) != 0 || flush_out(c) != 0)
        return NULL;
    while ((rc = take_reply(c, &r)) == 0) {
        int ev = client_net_wait(c->fd, POLLIN, c->io_timeout_ms);

        if (ev == 0) {
            set_error(c, CLIENT_ERR_TIMEOUT, !client_is_subscribed(c),
                      "read timed out");
            return NULL;
        }
        if (ev < 0) {
            fail_io(c, "poll");
            return NULL;
        }
        if (read_some(c) < 0)
            return NULL;
    }
    return rc > 0 ? deliver(c, r) : NULL;
}

int client_try_read_reply(struct client *c, struct resp_reply **out)
{
    struct resp_reply *r;
    int rc;

    *out = NULL;
    if (begin_call(c) != 0 || flush_out(c) != 0)
        return -1;
    for (;;) {
        rc = take_reply(c, &r);
        if (rc < 0)
            return -1;
        if (rc > 0) {
            *out = deliver(c, r);
            return 1;
        }
        rc = read_some(c);
        if (rc <= 0)
            return rc;
    }
}

/* --- commands ------------------------------------------------------------ */

int client_append_argv(struct client *c, int argc, const char *const *argv,
                       const size_t *argvlen)
{
    size_t saved;

    if (begin_call(c) != 0)
        return -1;
    if (argc <= 0 || argv == NULL)
        return set_error(c, CLIENT_ERR_OTHER, 0, "no command given");
    for (int i = 0; i < argc; i++)
        if (argv[i] == NULL)
            return set_error(c, CLIENT_ERR_OTHER, 0, "argument %d is NULL", i);

    saved = c->out.len;
    if (resp_w_aggregate(&c->out, 2, '*', argc) != 0)
        goto oom;
    for (int i = 0; i < argc; i++) {
        size_t len = argvlen != NULL ? argvlen[i] : strlen(argv[i]);

        if (resp_w_bulk(&c->out, argv[i], len) != 0)
            goto oom;
    }
    note_request(c, argc, argv, argvlen);
    return 0;

oom:
    c->out.len = saved; /* no half request left behind */
    return set_error(c, CLIENT_ERR_OTHER, 0, "out of memory");
}

/* Queue the NULL-terminated argument list ap.  Returns 0 or -1. */
static int append_va(struct client *c, va_list ap)
{
    const char *stack_argv[CLIENT_STACK_ARGS] = {NULL}, **argv = stack_argv;
    va_list count_ap;
    int argc = 0, rc;

    va_copy(count_ap, ap);
    while (va_arg(count_ap, const char *) != NULL)
        argc++;
    va_end(count_ap);

    if (argc > CLIENT_STACK_ARGS) {
        argv = malloc(sizeof(*argv) * (size_t)argc);
        if (argv == NULL) {
            if (begin_call(c) == 0)
                set_error(c, CLIENT_ERR_OTHER, 0, "out of memory");
            return -1;
        }
    }
    for (int i = 0; i < argc; i++)
        argv[i] = va_arg(ap, const char *);
    rc = client_append_argv(c, argc, argv, NULL);
    if (argv != stack_argv)
        free(argv);
    return rc;
}

int client_append(struct client *c, ...)
{
    va_list ap;
    int rc;

    va_start(ap, c);
    rc = append_va(c, ap);
    va_end(ap);
    return rc;
}

struct resp_reply *client_command_argv(struct client *c, int argc,
                                       const char *const *argv,
                                       const size_t *argvlen)
{
    if (client_append_argv(c, argc, argv, argvlen) != 0)
        return NULL;
    return client_read_reply(c);
}

struct resp_reply *client_command(struct client *c, ...)
{
    va_list ap;
    int rc;

    va_start(ap, c);
    rc = append_va(c, ap);
    va_end(ap);
    return rc != 0 ? NULL : client_read_reply(c);
}

/* --- connecting ---------------------------------------------------------- */

/* Send one handshake command and insist on a non-error reply; a refusal
 * becomes the sticky CLIENT_ERR_AUTH.  Returns 0 or -1. */
static int handshake_step(struct client *c, const char *what, int argc,
                          const char *const *argv)
{
    struct resp_reply *r = client_command_argv(c, argc, argv, NULL);

    if (r == NULL)
        return -1;
    if (r->type == RESP_ERROR) {
        set_error(c, CLIENT_ERR_AUTH, 1, "%s: %s", what, r->str);
        resp_reply_free(r);
        return -1;
    }
    resp_reply_free(r);
    return 0;
}

/* AUTH and SELECT as the options say, under the configured I/O timeout
 * (whatever client_set_timeout() chose since applies again afterwards). */
static int handshake(struct client *c)
{
    const struct client_opts *o = &c->opts;
    int saved = c->io_timeout_ms, rc = 0;
    char db[16];

    c->io_timeout_ms = o->io_timeout_ms > 0 ? o->io_timeout_ms : 0;
    if (o->password != NULL && o->user != NULL) {
        const char *argv[] = {"AUTH", o->user, o->password};

        rc = handshake_step(c, "AUTH", 3, argv);
    } else if (o->password != NULL) {
        const char *argv[] = {"AUTH", o->password};

        rc = handshake_step(c, "AUTH", 2, argv);
    }
    if (rc == 0 && o->db > 0) {
        const char *argv[] = {"SELECT", db};

        snprintf(db, sizeof(db), "%d", o->db);
        rc = handshake_step(c, "SELECT", 2, argv);
    }
    c->io_timeout_ms = saved;
    return rc;
}

/* Set up the per-connection state for descriptor fd and run the
 * handshake.  Returns 0 or -1 (recorded; fd is closed). */
static int attach(struct client *c, int fd)
{
    c->fd = fd;
    c->reader = resp_reader_create();
    if (c->reader == NULL)
        return set_error(c, CLIENT_ERR_OTHER, 1, "out of memory");
    return handshake(c);
}

static int open_connection(struct client *c)
{
    char err[CLIENT_ERRSTR_LEN];
    int code = CLIENT_ERR_IO;
    int fd =
        client_net_connect(c->opts.host, c->opts.port, c->opts.unix_path,
                           c->opts.connect_timeout_ms, &code, err, sizeof(err));

    if (fd < 0)
        return set_error(c, code, 1, "%s", err);
    return attach(c, fd);
}

/* Copy s into *copy; 0, or -1 when out of memory. */
static int copy_str(const char *s, char **copy)
{
    *copy = NULL;
    if (s == NULL)
        return 0;
    *copy = strdup(s);
    return *copy == NULL ? -1 : 0;
}

/* A client holding a copy of o (defaults filled in), not connected. */
static struct client *client_alloc(const struct client_opts *o)
{
    static const struct client_opts none;
    struct client *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return NULL;
    c->fd = -1;
    resp_buf_init(&c->out);
    c->opts = o != NULL ? *o : none;
    if (copy_str(c->opts.host != NULL ? c->opts.host : CLIENT_DEFAULT_HOST,
                 &c->host) != 0 ||
        copy_str(c->opts.unix_path, &c->unix_path) != 0 ||
        copy_str(c->opts.user, &c->user) != 0 ||
        copy_str(c->opts.password, &c->password) != 0) {
        client_free(c);
        return NULL;
    }
    c->opts.host = c->host;
    c->opts.unix_path = c->unix_path;
    c->opts.user = c->user;
    c->opts.password = c->password;
    if (c->opts.port <= 0)
        c->opts.port = CLIENT_DEFAULT_PORT;
    client_set_timeout(c, c->opts.io_timeout_ms);
    return c;
}

struct client *client_connect(const struct client_opts *o)
{
    struct client *c = client_alloc(o);

    if (c != NULL)
        open_connection(c);
    return c;
}

struct client *client_from_fd(int fd, const struct client_opts *o)
{
    struct client *c = client_alloc(o);

    if (c == NULL) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    c->from_fd = 1;
    if (fd < 0) {
        set_error(c, CLIENT_ERR_OTHER, 1, "bad descriptor %d", fd);
        return c;
    }
    if (client_net_prepare(fd) != 0) {
        c->fd = fd;
        fail_io(c, "fcntl");
        return c;
    }
    attach(c, fd);
    return c;
}

void client_free(struct client *c)
{
    if (c == NULL)
        return;
    drop_connection(c);
    free(c->host);
    free(c->unix_path);
    free(c->user);
    free(c->password);
    free(c);
}

int client_reconnect(struct client *c)
{
    drop_connection(c);
    c->err = CLIENT_OK;
    c->err_sticky = 0;
    c->errstr[0] = '\0';
    if (c->from_fd)
        return set_error(c, CLIENT_ERR_OTHER, 1,
                         "cannot reconnect a client made from a descriptor");
    return open_connection(c);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Retrying helps when the server is down or restarting (I/O, EOF,
 * timeout, a garbled stream); a refused password or a bad option does not
 * get better by waiting, so those end the loop at once. */
int client_reconnect_backoff(struct client *c, int attempts, int base_ms,
                             int max_ms)
{
    int delay = base_ms > 0 ? base_ms : 0;

    if (max_ms < delay)
        max_ms = delay;
    for (int i = 1;; i++) {
        if (client_reconnect(c) == 0)
            return 0;
        if (c->err == CLIENT_ERR_AUTH || c->err == CLIENT_ERR_OTHER)
            return -1;
        if (attempts > 0 && i >= attempts)
            return -1;
        sleep_ms(delay);
        delay = delay > max_ms / 2 ? max_ms : delay * 2;
    }
}
