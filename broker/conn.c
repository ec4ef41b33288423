/* conn.c -- client connections: accept, read, parse, execute, write (see
 * conn.h for the life of a request). */
#include "conn.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "aof.h"
#include "cmd.h"
#include "db.h"
#include "ev.h"
#include "log.h"
#include "pubsub.h"
#include "reply.h"
#include "server.h"
#include "util.h"

#define ERR_MAXCLIENTS "-ERR max number of clients reached\r\n"

static void conn_read(struct ev_loop *loop, int fd, void *data, int mask);
static void conn_write_ready(struct ev_loop *loop, int fd, void *data,
                             int mask);

static struct conn *conn_alloc(int fd, int flags)
{
    struct conn *c = xcalloc(1, sizeof(*c));

    c->fd = fd;
    c->id = server.next_client_id++;
    c->flags = flags;
    if (server.requirepass == NULL)
        c->flags |= CONN_AUTHENTICATED;
    c->proto = 2;
    c->db = db_get(0);
    c->ctime = c->last_interaction = util_mstime();
    resp_parser_init(&c->parser);
    resp_buf_init(&c->reply);
    return c;
}

static struct conn *conn_create(int fd, int flags)
{
    struct conn *c = conn_alloc(fd, flags);

    c->next = server.clients;
    if (server.clients)
        server.clients->prev = c;
    server.clients = c;
    server.connected_clients++;
    return c;
}

struct conn *conn_create_fake(void)
{
    /* Takes a client id as any client does, as Redis's fake client does. */
    return conn_alloc(-1, CONN_FAKE | CONN_AUTHENTICATED);
}

void conn_discard_replies(struct conn *c)
{
    outq_free(&c->outq);
    c->reply.len = c->sent = 0;
}

static void pending_unlink(struct conn *c)
{
    if (!(c->flags & CONN_PENDING_WRITE))
        return;
    if (c->pending_prev)
        c->pending_prev->pending_next = c->pending_next;
    else
        server.pending_writes = c->pending_next;
    if (c->pending_next)
        c->pending_next->pending_prev = c->pending_prev;
    c->pending_prev = c->pending_next = NULL;
    c->flags &= ~CONN_PENDING_WRITE;
}

void conn_free(struct conn *c)
{
    if (blocked_is_blocked(c))
        blocked_unblock(c, BLOCKED_GONE);
    multi_reset(c);
    pubsub_unsubscribe_all(c);
    pending_unlink(c);
    if (c->fd >= 0) {
        ev_del(server.loop, c->fd, EV_READABLE | EV_WRITABLE);
        close(c->fd);
    }
    if (!(c->flags & CONN_FAKE)) {
        if (c->prev)
            c->prev->next = c->next;
        else
            server.clients = c->next;
        if (c->next)
            c->next->prev = c->prev;
        server.connected_clients--;
    }
    if (c->flags & CONN_MONITOR)
        server.monitors--;

    resp_parser_free(&c->parser);
    outq_free(&c->outq);
    resp_buf_free(&c->reply);
    xfree(c->qbuf);
    bstr_free(c->name);
    bstr_free(c->lib_name);
    bstr_free(c->lib_ver);
    xfree(c);
}

void conn_free_all(void)
{
    while (server.clients)
        conn_free(server.clients);
}

void conn_close_async(struct conn *c)
{
    c->flags |= CONN_CLOSE_ASAP;
    conn_mark_pending(c);
}

struct conn *conn_by_id(uint64_t id)
{
    for (struct conn *c = server.clients; c; c = c->next)
        if (c->id == id)
            return c;
    return NULL;
}

size_t conn_reply_pending(const struct conn *c)
{
    return c->outq.bytes + c->reply.len - c->sent;
}

void conn_check_output_limit(struct conn *c)
{
    int cls = c->pubsub_subs > 0 ? CONN_CLASS_PUBSUB : CONN_CLASS_NORMAL;
    const struct obuf_limit *l = &server.obuf_limits[cls];
    long long used = (long long)conn_reply_pending(c);
    int over = l->hard_bytes > 0 && used >= l->hard_bytes;

    if (l->soft_bytes > 0 && used >= l->soft_bytes) {
        long long now = util_mstime();
        if (c->obuf_soft_since == 0)
            c->obuf_soft_since = now;
        else if (now - c->obuf_soft_since >= l->soft_seconds * 1000)
            over = 1;
    } else {
        c->obuf_soft_since = 0;
    }
    if (!over || (c->flags & (CONN_CLOSE_ASAP | CONN_FAKE)))
        return;
    log_msg(LL_WARNING,
            "Client id=%llu addr=%s scheduled to be closed ASAP for "
            "overcoming of output buffer limits.",
            (unsigned long long)c->id, c->addr);
    conn_close_async(c);
}

void conn_mark_pending(struct conn *c)
{
    /* A fake client has nowhere to write: its replies are discarded. */
    if (c->flags & (CONN_PENDING_WRITE | CONN_FAKE))
        return;
    c->flags |= CONN_PENDING_WRITE;
    c->pending_prev = NULL;
    c->pending_next = server.pending_writes;
    if (server.pending_writes)
        server.pending_writes->pending_prev = c;
    server.pending_writes = c;
}

/* Refuse a connection past maxclients with Redis's error, written straight
 * to the socket: the client never becomes a struct conn. */
static void reject_connection(int fd)
{
    ssize_t w = write(fd, ERR_MAXCLIENTS, sizeof(ERR_MAXCLIENTS) - 1);
    (void)w; /* best effort: the connection closes either way */
    close(fd);
    server.stat_rejected_conn++;
}

static void accept_common(int fd, int flags, const char *peer)
{
    char err[NET_ERR_LEN];

    if (server.connected_clients >= server.maxclients) {
        reject_connection(fd);
        return;
    }
    if (!(flags & CONN_UNIX_SOCKET)) {
        net_set_nodelay(err, fd);
        if (server.tcp_keepalive > 0)
            net_set_keepalive(err, fd, server.tcp_keepalive);
    }
    struct conn *c = conn_create(fd, flags);
    if (ev_add(server.loop, fd, EV_READABLE, conn_read, c) < 0) {
        log_msg(LL_WARNING,
                "Error registering fd event for the new client: "
                "%s (fd=%d)",
                strerror(errno), fd);
        conn_free(c);
        return;
    }
    snprintf(c->addr, sizeof(c->addr), "%s", peer);
    if (flags & CONN_UNIX_SOCKET)
        snprintf(c->laddr, sizeof(c->laddr), "%s:0", server.unixsocket);
    else
        net_sock_name(fd, c->laddr, sizeof(c->laddr));
    server.stat_connections++;
    log_msg(LL_VERBOSE, "Accepted %s", c->addr);
}

static void accept_loop(int lfd, int flags)
{
    char err[NET_ERR_LEN], peer[NET_ADDR_LEN];

    for (int i = 0; i < CONN_MAX_ACCEPTS; i++) {
        int fd = net_accept(err, lfd, peer, sizeof(peer));
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                log_msg(LL_WARNING, "Accepting client connection: %s", err);
            return;
        }
        accept_common(fd, flags, peer);
    }
}

void conn_accept_tcp(struct ev_loop *loop, int fd, void *data, int mask)
{
    accept_loop(fd, 0);
}

void conn_accept_unix(struct ev_loop *loop, int fd, void *data, int mask)
{
    accept_loop(fd, CONN_UNIX_SOCKET);
}

/* Stop reading from c until its replies drain (back-pressure). */
static void pause_reading(struct conn *c)
{
    if (c->flags & CONN_READ_PAUSED)
        return;
    c->flags |= CONN_READ_PAUSED;
    ev_del(server.loop, c->fd, EV_READABLE);
}

static void protocol_error(struct conn *c)
{
    log_msg(LL_VERBOSE, "Protocol error (%s) from client: id=%llu addr=%s",
            c->parser.error, (unsigned long long)c->id, c->addr);
    reply_errorf(c, "ERR %s", c->parser.error);
    c->flags |= CONN_CLOSE_AFTER_REPLY;
    c->qpos = c->qlen;
    resp_parser_reset(&c->parser);
}

/* Set the parser's limits from the configuration and the client's state:
 * before AUTH a client may only send small requests, as in Redis 7. */
static void set_parser_limits(struct conn *c)
{
    /* A string cannot outgrow a bstr, whatever proto-max-bulk-len says. */
    c->parser.max_bulk_len = server.proto_max_bulk_len < BSTR_MAX_LEN
                                 ? server.proto_max_bulk_len
                                 : BSTR_MAX_LEN;
    c->parser.unauthenticated =
        server.requirepass != NULL && !(c->flags & CONN_AUTHENTICATED);
}

/* Execute every complete request in the query buffer, unless replies are
 * piling up unread or the client is closing. */
static void conn_process_input(struct conn *c)
{
    c->flags |= CONN_EXECUTING;
    while (c->qpos < c->qlen) {
        if (c->flags & (CONN_CLOSE_AFTER_REPLY | CONN_CLOSE_ASAP))
            break;
        /* A blocked client's next request waits for its pop to finish. */
        if (blocked_is_blocked(c))
            break;
        if (conn_reply_pending(c) > CONN_REPLY_PAUSE) {
            pause_reading(c);
            break;
        }
        set_parser_limits(c);

        size_t consumed = 0;
        int rc = resp_parse_request(&c->parser, c->qbuf + c->qpos,
                                    c->qlen - c->qpos, &consumed);
        if (rc == RESP_PARSE_MORE)
            break;
        if (rc == RESP_PARSE_ERROR) {
            protocol_error(c);
            break;
        }
        if (rc == RESP_PARSE_DONE) {
            c->argc = c->parser.argc;
            c->argv = c->parser.argv;
            server.current = c;
            cmd_dispatch(c);
            server.current = NULL;
            c->argc = 0;
            c->argv = NULL;
        }
        c->qpos += consumed;
    }
    c->flags &= ~CONN_EXECUTING;

    /* Keep the unparsed tail at the front of the buffer. */
    if (c->qpos == c->qlen) {
        c->qpos = c->qlen = 0;
    } else if (c->qpos > 0) {
        memmove(c->qbuf, c->qbuf + c->qpos, c->qlen - c->qpos);
        c->qlen -= c->qpos;
        c->qpos = 0;
    }
}

/* How much to read next.  Normally CONN_IOBUF_LEN; for a big argument, up
 * to what it still needs but at most as much again as already buffered, so
 * memory grows with bytes received, never with a length only declared. */
static size_t read_size(const struct conn *c)
{
    size_t want = resp_parser_bytes_wanted(&c->parser);
    size_t have = c->qlen - c->qpos;
    if (want <= CONN_IOBUF_LEN)
        return CONN_IOBUF_LEN;
    size_t limit = have > CONN_IOBUF_LEN ? have : CONN_IOBUF_LEN;
    return want < limit ? want : limit;
}

static void ensure_qbuf(struct conn *c, size_t room)
{
    if (c->qcap - c->qlen >= room)
        return;
    size_t cap = c->qlen + room;
    c->qbuf = xrealloc(c->qbuf, cap);
    c->qcap = cap;
}

static void conn_read(struct ev_loop *loop, int fd, void *data, int mask)
{
    struct conn *c = data;

    /* Nothing more will run for a closing client, but what it still sends
     * is read and dropped: left unread, epoll (level-triggered) would wake
     * the loop for it at once, forever, and closing a socket with unread
     * input resets the connection, losing the last replies on the way. */
    if (c->flags & (CONN_CLOSE_AFTER_REPLY | CONN_CLOSE_ASAP)) {
        char sink[CONN_IOBUF_LEN];
        ssize_t n = read(fd, sink, sizeof(sink));
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            conn_free(c);
        return;
    }
    size_t want = read_size(c);
    ensure_qbuf(c, want);

    ssize_t n = read(fd, c->qbuf + c->qlen, want);
    server.stat_total_reads++;
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return;
        log_msg(LL_VERBOSE, "Reading from client: %s", strerror(errno));
        conn_free(c);
        return;
    }
    if (n == 0) {
        log_msg(LL_VERBOSE, "Client closed connection id=%llu addr=%s",
                (unsigned long long)c->id, c->addr);
        conn_free(c);
        return;
    }
    c->qlen += (size_t)n;
    if (c->qlen > c->qbuf_peak)
        c->qbuf_peak = c->qlen;
    c->last_interaction = util_mstime();
    server.stat_net_input_bytes += n;

    if ((long long)(c->qlen - c->qpos) > server.client_query_buffer_limit) {
        log_msg(LL_WARNING,
                "Closing client that reached max query buffer "
                "length: id=%llu addr=%s qbuf=%zu",
                (unsigned long long)c->id, c->addr, c->qlen - c->qpos);
        server.stat_client_qbuf_limit_disconnections++;
        conn_free(c);
        return;
    }
    conn_process_input(c);
}

/* Write what the socket takes in one call.  Returns 0, or -1 when the
 * client had to be freed. */
static int write_pending(struct conn *c)
{
    size_t left = conn_reply_pending(c);
    if (left == 0)
        return 0;

    /* One system call for everything queued, shared messages included. */
    struct iovec iov[CONN_MAX_IOV];
    int niov = outq_iov(&c->outq, iov, CONN_MAX_IOV - 1);
    /* The reply buffer comes after the whole queue: with segments left
     * out of this call, its bytes would overtake them. */
    if (niov == c->outq.count && c->reply.len > c->sent) {
        iov[niov].iov_base = c->reply.data + c->sent;
        iov[niov].iov_len = c->reply.len - c->sent;
        niov++;
    }
    ssize_t n = writev(c->fd, iov, niov);
    server.stat_total_writes++;
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return 0;
        log_msg(LL_VERBOSE, "Error writing to client: %s", strerror(errno));
        conn_free(c);
        return -1;
    }
    c->reply_bytes_total += n;
    size_t from_queue = (size_t)n < c->outq.bytes ? (size_t)n : c->outq.bytes;
    outq_consume(&c->outq, from_queue);
    /* The reply buffer only counts once the queue ahead of it is empty. */
    if (c->outq.bytes == 0)
        c->sent += (size_t)n - from_queue;
    server.stat_net_output_bytes += n;
    if (n > 0)
        c->last_interaction = util_mstime();

    if (c->sent == c->reply.len) {
        c->reply.len = c->sent = 0;
        /* Keep a buffer that big replies grew, so the next one does not
         * regrow it from nothing; release_idle_buffers() returns it once
         * the client goes quiet.  Only a huge one goes at once. */
        if (c->reply.cap > CONN_REPLY_KEEP_MAX)
            resp_buf_free(&c->reply);
    } else if (c->sent > c->reply.len / 2) {
        resp_buf_consume(&c->reply, c->sent);
        c->sent = 0;
    }
    return 0;
}

/* After a write: finish closing, wait for writability, or resume reading.
 * Returns -1 if c was freed. */
static int after_write(struct conn *c)
{
    size_t left = conn_reply_pending(c);

    if (left == 0 && (c->flags & CONN_CLOSE_AFTER_REPLY)) {
        conn_free(c);
        return -1;
    }
    int has_write_event = ev_mask(server.loop, c->fd) & EV_WRITABLE;
    if (left > 0 && !has_write_event)
        ev_add(server.loop, c->fd, EV_WRITABLE, conn_write_ready, c);
    else if (left == 0 && has_write_event)
        ev_del(server.loop, c->fd, EV_WRITABLE);

    if ((c->flags & CONN_READ_PAUSED) && left < CONN_REPLY_RESUME) {
        c->flags &= ~CONN_READ_PAUSED;
        ev_add(server.loop, c->fd, EV_READABLE, conn_read, c);
        conn_process_input(c);
    }
    return 0;
}

static void conn_write_ready(struct ev_loop *loop, int fd, void *data, int mask)
{
    struct conn *c = data;

    if (c->flags & CONN_CLOSE_ASAP) {
        conn_free(c);
        return;
    }
    /* appendfsync always: replies to commands of this iteration wait for
     * their AOF write and fsync in before_sleep(); the event is level
     * triggered and fires again after it. */
    if (aof_replies_must_wait())
        return;
    if (write_pending(c) == 0)
        after_write(c);
}

void conn_flush_all(void)
{
    /* A client resumed by after_write() runs commands here; with
     * appendfsync always their replies must wait for the AOF, so the loop
     * stops and before_sleep() flushes the AOF and calls again. */
    while (server.pending_writes && !aof_replies_must_wait()) {
        struct conn *c = server.pending_writes;
        pending_unlink(c);
        if (c->flags & CONN_CLOSE_ASAP) {
            conn_free(c);
            continue;
        }
        /* A client already waiting for writability is served there. */
        if (ev_mask(server.loop, c->fd) & EV_WRITABLE)
            continue;
        if (write_pending(c) == 0)
            after_write(c);
    }
}

void conn_resume_input(struct conn *c)
{
    if (!(c->flags & CONN_EXECUTING))
        conn_process_input(c);
}

void conn_reset_state(struct conn *c)
{
    multi_reset(c);
    pubsub_unsubscribe_all(c);
    c->db_id = 0;
    c->db = db_get(0);
    c->proto = 2;
    bstr_free(c->name);
    c->name = NULL;
    if (c->flags & CONN_MONITOR) {
        c->flags &= ~CONN_MONITOR;
        server.monitors--;
    }
    c->flags &= ~(CONN_NO_EVICT | CONN_NO_TOUCH);
    if (server.requirepass != NULL)
        c->flags &= ~CONN_AUTHENTICATED;
}

/* Give memory back: an oversized empty query buffer at once, any empty
 * buffer of a client quiet for a while (10,000 idle clients would
 * otherwise pin 16 KiB each), an argument array one huge request grew. */
static void release_idle_buffers(struct conn *c, long long now_ms)
{
    int idle = now_ms - c->last_interaction > CONN_IDLE_RELEASE_MS;

    if (c->qlen == 0 && c->qbuf && (idle || c->qcap > CONN_QBUF_KEEP)) {
        xfree(c->qbuf);
        c->qbuf = NULL;
        c->qcap = 0;
    }
    if (conn_reply_pending(c) == 0 && c->reply.cap > 0 && idle)
        resp_buf_free(&c->reply);
    resp_parser_shrink(&c->parser, CONN_ARGV_KEEP);
}

void conn_cron(long long now_ms)
{
    struct conn *next;

    for (struct conn *c = server.clients; c; c = next) {
        next = c->next;
        /* Blocked clients wait as long as their own timeout says. */
        if (server.timeout > 0 && !(c->flags & CONN_MONITOR) &&
            !blocked_is_blocked(c) &&
            now_ms - c->last_interaction > server.timeout * 1000LL) {
            log_msg(LL_VERBOSE, "Closing idle client");
            conn_free(c);
            continue;
        }
        release_idle_buffers(c, now_ms);
        c->qbuf_peak = c->qlen;
    }
}
