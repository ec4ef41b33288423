/* notify.c -- `judge notify`: push verdicts to users over WebSocket.
 *
 * A client opens a WebSocket (RFC 6455, ws.h) and sends one text message,
 * {"userId": "..."}.  From then on it receives, as text messages, the
 * records (record.h) of that user's submissions:
 *   1. at once, a snapshot: the records listed in user:<id>:submissions
 *      (the api keeps the newest JUDGE_RECENT there, unfinished ones
 *      included), oldest first, as the broker has them now;
 *   2. then every final record published on problem_done for that user.
 * Which closes the race between submitting and subscribing: this process
 * is subscribed before it takes any snapshot, so a verdict published
 * after the snapshot arrives on the channel, and one published before is
 * in the snapshot.  A verdict can be in both (published while the
 * snapshot was read); each socket remembers the ids it has been sent as
 * DONE (the last NOTIFY_SENT_MAX) and gets each final record once.
 * After the subscriber connection drops, whatever was published in the
 * gap is lost from the channel, so on resubscribing every identified
 * socket gets a fresh snapshot, deduplicated the same way.
 *
 * One subscriber connection serves every socket (users are found in a
 * hash table), and a second connection reads the snapshots,
 * synchronously: like the api (api.c), a stalled broker stalls this loop
 * for up to JUDGE_BROKER_IO_MS.  Several notify processes can run side
 * by side; each gets every message and forwards it to its own sockets.
 *
 * Per socket: the handshake must arrive within --request-timeout-ms of
 * connecting (else the socket is closed), the identification within
 * --idle-timeout-ms (else close 1008); messages from clients are
 * capped at NOTIFY_MAX_MESSAGE; a client that does not read and lets
 * NOTIFY_OUT_MAX bytes pile up is disconnected; idle sockets get a ping
 * every NOTIFY_PING_MS (a dead peer then shows up as a write error). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "judge.h"
#include "json.h"
#include "loop.h"
#include "record.h"
#include "ws.h"

#define NOTIFY_MAX_HEADER  8192
#define NOTIFY_MAX_MESSAGE 4096
#define NOTIFY_OUT_MAX     (1024 * 1024)
#define NOTIFY_READ_CHUNK  4096
#define NOTIFY_PING_MS     30000
#define NOTIFY_TICK_MS     250
#define NOTIFY_RETRY_MS    200
#define NOTIFY_SENT_MAX    JUDGE_RECENT_MAX
#define NOTIFY_BUCKETS     4096 /* of the user table; chains grow */

enum nconn_state { NC_HTTP, NC_WS, NC_CLOSING };

struct nuser;

struct nconn {
    struct notify *n;
    int fd;
    char peer[64];
    enum nconn_state state;
    int doomed; /* close as soon as possible, without flushing */
    unsigned char *in;
    size_t in_len;
    size_t in_cap;
    unsigned char *out;
    size_t out_len;
    size_t out_sent;
    size_t out_cap;
    struct ws_reader rd;
    struct nuser *user; /* NULL until identified */
    struct nconn *u_prev;
    struct nconn *u_next;
    struct nconn *prev;
    struct nconn *next;
    long long opened;
    long long last_io;
    int need_snapshot;
    char sent[NOTIFY_SENT_MAX][JUDGE_ID_MAX]; /* ring of DONE ids sent */
    int nsent;
};

struct nuser {
    char id[JUDGE_USER_MAX + 1];
    struct nconn *conns;
    struct nuser *next;
};

struct notify {
    const struct judge_config *cfg;
    struct jloop *loop;
    int listen_fd;
    struct client *sub;
    int sub_fd; /* watched descriptor of sub, -1 when down */
    long long sub_retry_at;
    struct client *query;
    long long query_retry_at;
    struct nconn *conns;
    int nconns;
    struct nuser *users[NOTIFY_BUCKETS];
};

/* ---- users -------------------------------------------------------------- */

static unsigned user_hash(const char *s)
{
    unsigned h = 2166136261u; /* FNV-1a */

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % NOTIFY_BUCKETS;
}

static struct nuser *user_find(struct notify *n, const char *id)
{
    for (struct nuser *u = n->users[user_hash(id)]; u; u = u->next)
        if (strcmp(u->id, id) == 0)
            return u;
    return NULL;
}

/* Put c on the list of user id (created on first use).  Returns 0/-1. */
static int user_attach(struct notify *n, struct nconn *c, const char *id)
{
    struct nuser *u = user_find(n, id);

    if (u == NULL) {
        u = calloc(1, sizeof(*u));
        if (u == NULL)
            return -1;
        snprintf(u->id, sizeof(u->id), "%s", id);
        unsigned h = user_hash(id);
        u->next = n->users[h];
        n->users[h] = u;
    }
    c->user = u;
    c->u_prev = NULL;
    c->u_next = u->conns;
    if (u->conns)
        u->conns->u_prev = c;
    u->conns = c;
    return 0;
}

/* Take c off its user's list, dropping the user with its last socket. */
static void user_detach(struct notify *n, struct nconn *c)
{
    struct nuser *u = c->user;

    if (u == NULL)
        return;
    if (c->u_prev)
        c->u_prev->u_next = c->u_next;
    else
        u->conns = c->u_next;
    if (c->u_next)
        c->u_next->u_prev = c->u_prev;
    c->user = NULL;
    if (u->conns != NULL)
        return;
    struct nuser **p = &n->users[user_hash(u->id)];
    while (*p != u)
        p = &(*p)->next;
    *p = u->next;
    free(u);
}

/* ---- sockets ------------------------------------------------------------ */

static void conn_free(struct nconn *c)
{
    struct notify *n = c->n;

    jloop_del(n->loop, c->fd);
    close(c->fd);
    user_detach(n, c);
    if (c->prev)
        c->prev->next = c->next;
    else
        n->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    n->nconns--;
    ws_reader_free(&c->rd);
    free(c->in);
    free(c->out);
    free(c);
}

static size_t pending(const struct nconn *c)
{
    return c->out_len - c->out_sent;
}

/* Append bytes to c's output; a socket whose backlog would pass
 * NOTIFY_OUT_MAX is doomed instead.  Returns 0/-1. */
static int out_append(struct nconn *c, const void *p, size_t len)
{
    if (c->doomed)
        return -1;
    if (c->out_sent > 0 && c->out_sent == c->out_len)
        c->out_len = c->out_sent = 0;
    if (pending(c) + len > NOTIFY_OUT_MAX) {
        judge_log(3, "%s: not reading its messages; disconnected", c->peer);
        c->doomed = 1;
        return -1;
    }
    if (c->out_len + len > c->out_cap) {
        if (c->out_sent > 0) { /* c->out is still NULL before the first */
            memmove(c->out, c->out + c->out_sent, pending(c));
            c->out_len -= c->out_sent;
            c->out_sent = 0;
        }
        size_t cap = c->out_cap ? c->out_cap : 1024;
        while (cap < c->out_len + len)
            cap *= 2;
        unsigned char *out = realloc(c->out, cap);
        if (out == NULL) {
            c->doomed = 1;
            return -1;
        }
        c->out = out;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, p, len);
    c->out_len += len;
    return 0;
}

/* Queue one unfragmented frame. */
static int send_frame(struct nconn *c, int opcode, const void *p, size_t len)
{
    unsigned char head[WS_MAX_FRAME_HEADER];
    size_t h = ws_frame_header(head, 1, opcode, len, NULL);

    if (out_append(c, head, h) < 0)
        return -1;
    return out_append(c, p, len);
}

static void send_text(struct nconn *c, const char *s, size_t len)
{
    if (c->state == NC_WS)
        send_frame(c, WS_OP_TEXT, s, len);
}

static void send_error(struct nconn *c, const char *msg)
{
    struct json_writer w;
    size_t len;

    json_writer_init(&w);
    json_write_object_begin(&w);
    json_write_kv_string(&w, "error", msg);
    json_write_object_end(&w);
    const char *s = json_writer_result(&w, &len);
    if (s != NULL)
        send_text(c, s, len);
    json_writer_free(&w);
}

/* Send a close frame and stop reading; the socket closes once it is
 * flushed. */
static void send_close(struct nconn *c, int code, const char *reason)
{
    unsigned char frame[WS_MAX_CONTROL_PAYLOAD + WS_MAX_FRAME_HEADER];
    long len = ws_write_close(frame, sizeof(frame), code, reason,
                              reason ? strlen(reason) : 0, NULL);

    if (c->state == NC_WS && len > 0)
        out_append(c, frame, (size_t)len);
    c->state = NC_CLOSING;
}

/* Write what is pending.  Returns 0, or -1 when the peer is gone. */
static int conn_flush(struct nconn *c)
{
    while (pending(c) > 0) {
        ssize_t w = send(c->fd, c->out + c->out_sent, pending(c), MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (w <= 0)
            return -1;
        c->out_sent += (size_t)w;
        c->last_io = judge_mono_ms();
    }
    c->out_len = c->out_sent = 0;
    return 0;
}

/* After c changed: flush, then close it or set what to wait for.  c may
 * be freed on return. */
static void conn_update(struct nconn *c)
{
    if (c->doomed || conn_flush(c) < 0 ||
        (c->state == NC_CLOSING && pending(c) == 0)) {
        conn_free(c);
        return;
    }
    unsigned want = c->state == NC_CLOSING ? 0 : JLOOP_READ;
    if (pending(c) > 0)
        want |= JLOOP_WRITE;
    jloop_set(c->n->loop, c->fd, want);
}

/* ---- what was sent ------------------------------------------------------ */

/* Whether c was sent the final record of id.  The ring holds the last
 * NOTIFY_SENT_MAX final records c got.  A snapshot holds the user's
 * --recent newest submissions (at most JUDGE_RECENT_MAX); for one of
 * them to have left the ring, NOTIFY_SENT_MAX other final records of the
 * user must have come after it, nearly all of newer submissions (only
 * those in flight with it can be older), which would have pushed it out
 * of the --recent newest.  So a snapshot repeats nothing unless
 * --max-inflight is close to NOTIFY_SENT_MAX. */
static int was_sent(const struct nconn *c, const char *id)
{
    int n = c->nsent < NOTIFY_SENT_MAX ? c->nsent : NOTIFY_SENT_MAX;

    for (int i = 0; i < n; i++)
        if (strcmp(c->sent[i], id) == 0)
            return 1;
    return 0;
}

static void mark_sent(struct nconn *c, const char *id)
{
    snprintf(c->sent[c->nsent % NOTIFY_SENT_MAX], JUDGE_ID_MAX, "%s", id);
    c->nsent++;
}

/* Send one record (JSON text) to c unless it is a final record c already
 * has. */
static void deliver(struct nconn *c, const char *id, int done, const char *json,
                    size_t len)
{
    if (done) {
        if (was_sent(c, id))
            return;
        mark_sent(c, id);
    }
    send_text(c, json, len);
}

/* ---- the broker --------------------------------------------------------- */

/* The connection for snapshots, reconnecting at most every
 * NOTIFY_RETRY_MS.  NULL when the broker is unreachable. */
static struct client *query_get(struct notify *n)
{
    long long now = judge_mono_ms();

    if (n->query != NULL && client_err(n->query) == CLIENT_OK)
        return n->query;
    if (now < n->query_retry_at)
        return NULL;
    if (n->query == NULL)
        n->query = judge_broker_connect(n->cfg);
    else
        client_reconnect(n->query);
    if (n->query != NULL && client_err(n->query) == CLIENT_OK)
        return n->query;
    n->query_retry_at = now + NOTIFY_RETRY_MS;
    return NULL;
}

/* Pipeline HGETALL submission:<id> for each id in ids (a LRANGE reply)
 * and read the replies.  Returns them (ids->elements entries; free each
 * and the array), or NULL when the broker failed or memory ran out. */
static struct resp_reply **read_records(struct client *q,
                                        const struct resp_reply *ids)
{
    char key[JUDGE_KEY_MAX];
    struct resp_reply **recs = calloc(ids->elements + 1, sizeof(*recs));
    int ok = recs != NULL;

    for (size_t i = 0; i < ids->elements; i++) {
        const struct resp_reply *e = ids->element[i];
        judge_key(key, JUDGE_SUB_PREFIX, e->type == RESP_STRING ? e->str : "",
                  "");
        client_append(q, "HGETALL", key, NULL);
    }
    /* Every reply is read, kept or not, so that the connection stays in
     * step with its requests. */
    for (size_t i = 0; i < ids->elements; i++) {
        struct resp_reply *r = client_read_reply(q);
        if (r == NULL) {
            ok = 0;
            break;
        }
        if (recs != NULL)
            recs[i] = r;
        else
            resp_reply_free(r);
    }
    if (!ok && recs != NULL) {
        for (size_t i = 0; i < ids->elements; i++)
            resp_reply_free(recs[i]);
        free(recs);
        recs = NULL;
    }
    return recs;
}

/* Send c the record in reply (an HGETALL answer), if it is one. */
static void deliver_reply(struct nconn *c, const struct resp_reply *reply)
{
    struct record rec;
    struct json_writer w;
    size_t len;

    record_init(&rec);
    json_writer_init(&w);
    if (record_from_reply(&rec, reply) > 0 &&
        record_get(&rec, REC_ID, NULL) != NULL &&
        record_write_json(&rec, &w) == 0) {
        const char *json = json_writer_result(&w, &len);
        deliver(c, record_get(&rec, REC_ID, NULL),
                record_is(&rec, REC_STATUS, RECORD_DONE), json, len);
    }
    json_writer_free(&w);
    record_free(&rec);
}

/* Send c the snapshot of its user's submissions (see the overview).
 * Leaves c->need_snapshot set when the broker could not be read. */
static void snapshot(struct notify *n, struct nconn *c)
{
    char key[JUDGE_KEY_MAX], stop[16];
    struct client *q = query_get(n);

    if (q == NULL || c->user == NULL)
        return;
    judge_key(key, JUDGE_USER_PREFIX, c->user->id, JUDGE_USER_LIST);
    snprintf(stop, sizeof(stop), "%d", n->cfg->recent - 1);
    struct resp_reply *ids = client_command(q, "LRANGE", key, "0", stop, NULL);
    struct resp_reply **recs =
        ids != NULL && ids->type == RESP_ARRAY ? read_records(q, ids) : NULL;

    /* The list is newest first; send oldest first. */
    for (size_t i = recs != NULL ? ids->elements : 0; i-- > 0;) {
        deliver_reply(c, recs[i]);
        resp_reply_free(recs[i]);
    }
    if (recs != NULL)
        c->need_snapshot = 0;
    free(recs);
    resp_reply_free(ids);
}

/* Forward one message from problem_done to the sockets of its user. */
static void fan_out(struct notify *n, const char *payload, size_t len)
{
    struct json_value *doc = json_parse(payload, len, NULL, NULL);
    const char *user = json_get_string(doc, "userId", NULL);
    const char *id = json_get_string(doc, "id", NULL);
    const char *status = json_get_string(doc, "status", NULL);
    struct nuser *u = user && id ? user_find(n, user) : NULL;
    struct nconn *next;

    if (u != NULL) {
        int done = status != NULL && strcmp(status, RECORD_DONE) == 0;
        /* conn_update may free c, and u with its last socket. */
        for (struct nconn *c = u->conns; c != NULL; c = next) {
            next = c->u_next;
            deliver(c, id, done, payload, len);
            conn_update(c);
        }
    }
    json_free(doc);
}

static void sub_down(struct notify *n)
{
    if (n->sub_fd >= 0)
        jloop_del(n->loop, n->sub_fd);
    n->sub_fd = -1;
    n->sub_retry_at = judge_mono_ms() + NOTIFY_RETRY_MS;
    judge_log(3,
              "subscriber connection lost: %s; verdicts wait until it is "
              "back",
              n->sub ? client_errstr(n->sub) : "out of memory");
}

/* Handle every message the subscriber connection has.  */
static void sub_drain(struct notify *n)
{
    struct resp_reply *r;
    int rc;

    while ((rc = client_try_read_reply(n->sub, &r)) == 1) {
        if ((r->type == RESP_ARRAY || r->type == RESP_PUSH) &&
            r->elements == 3 && r->element[0]->type == RESP_STRING &&
            strcmp(r->element[0]->str, "message") == 0 &&
            r->element[2]->type == RESP_STRING)
            fan_out(n, r->element[2]->str, r->element[2]->len);
        resp_reply_free(r);
    }
    if (rc < 0)
        sub_down(n);
}

static void sub_event(struct jloop *l, int fd, unsigned events, void *data)
{
    sub_drain(data);
}

/* (Re)connect the subscriber and SUBSCRIBE; then every identified socket
 * is due a snapshot. */
static void sub_connect(struct notify *n)
{
    if (n->sub == NULL)
        n->sub = judge_broker_connect(n->cfg);
    else
        client_reconnect(n->sub);
    struct resp_reply *r =
        n->sub && client_err(n->sub) == CLIENT_OK
            ? client_command(n->sub, "SUBSCRIBE", JUDGE_CHANNEL, NULL)
            : NULL;
    int ok = r != NULL && (r->type == RESP_ARRAY || r->type == RESP_PUSH) &&
             r->elements == 3 && r->element[0]->type == RESP_STRING &&
             strcmp(r->element[0]->str, "subscribe") == 0;
    resp_reply_free(r);
    if (!ok ||
        jloop_add(n->loop, client_fd(n->sub), JLOOP_READ, sub_event, n) < 0) {
        if (n->sub && client_err(n->sub) == CLIENT_OK)
            client_reconnect(n->sub); /* drop a half-made subscription */
        n->sub_retry_at = judge_mono_ms() + NOTIFY_RETRY_MS;
        return;
    }
    n->sub_fd = client_fd(n->sub);
    judge_log(2, "subscribed to %s on %s:%d", JUDGE_CHANNEL,
              n->cfg->broker_host, n->cfg->broker_port);
    for (struct nconn *c = n->conns; c != NULL; c = c->next)
        if (c->user != NULL)
            c->need_snapshot = 1;
    sub_drain(n);
}

/* ---- the WebSocket conversation ----------------------------------------- */

/* A text (or binary) message: the identification {"userId": "..."}. */
static void identify(struct notify *n, struct nconn *c, const char *p,
                     size_t len)
{
    size_t ulen;
    struct json_value *doc = json_parse(p, len, NULL, NULL);
    const char *user = json_get_string(doc, "userId", &ulen);

    if (c->user != NULL)
        send_error(c, "already identified");
    else if (user == NULL || !judge_valid_user(user, ulen))
        send_error(c, "expected {\"userId\": \"...\"} with 1 to 64 of "
                      "A-Z a-z 0-9 . _ @ -");
    else if (user_attach(n, c, user) < 0)
        send_close(c, WS_CLOSE_INTERNAL_ERROR, "out of memory");
    else {
        judge_log(1, "%s identified as %s", c->peer, user);
        c->need_snapshot = 1;
        snapshot(n, c);
    }
    json_free(doc);
}

static void on_message(struct notify *n, struct nconn *c,
                       const struct ws_message *m)
{
    switch (m->opcode) {
    case WS_OP_TEXT:
    case WS_OP_BINARY:
        identify(n, c, (const char *)m->data, m->len);
        break;
    case WS_OP_PING:
        send_frame(c, WS_OP_PONG, m->data, m->len);
        break;
    case WS_OP_CLOSE:
        send_close(c, m->close_code == WS_CLOSE_NO_STATUS ? 0 : m->close_code,
                   NULL);
        break;
    default: /* pong */
        break;
    }
}

static void drop_input(struct nconn *c, size_t n)
{
    memmove(c->in, c->in + n, c->in_len - n);
    c->in_len -= n;
}

/* Read every complete frame in c's input. */
static void ws_process(struct notify *n, struct nconn *c)
{
    while (c->state == NC_WS && c->in_len > 0 && !c->doomed) {
        struct ws_message m;
        size_t used = 0;
        int rc = ws_read(&c->rd, c->in, c->in_len, &used, &m);
        if (rc == WS_READ_MESSAGE)
            on_message(n, c, &m);
        else if (rc == WS_READ_ERROR)
            send_close(c, c->rd.close_code, c->rd.error);
        drop_input(c, used);
        if (rc == WS_READ_MORE)
            return;
    }
}

/* The opening handshake: answer 101 and switch to frames, or 400. */
static void http_process(struct notify *n, struct nconn *c)
{
    struct http_limits lim = {NOTIFY_MAX_HEADER, NOTIFY_MAX_HEADER / 2, 0};
    struct http_request req;
    struct ws_handshake hs;
    char head[512];

    long used = http_parse_request(&req, (const char *)c->in, c->in_len, &lim);
    if (used == HTTP_PARSE_MORE)
        return;
    if (used == HTTP_PARSE_ERROR) {
        long h = http_write_head(head, sizeof(head), req.status, "text/plain",
                                 strlen(req.error), 0, NULL);
        if (h > 0 && out_append(c, head, (size_t)h) == 0)
            out_append(c, req.error, strlen(req.error));
        c->state = NC_CLOSING;
        return;
    }
    long h = ws_handshake_check(&req, &hs) == 0
                 ? ws_write_accept(head, sizeof(head), &hs)
                 : ws_write_reject(head, sizeof(head), &hs);
    if (h > 0)
        out_append(c, head, (size_t)h);
    if (hs.status != 0 || h <= 0) {
        judge_log(1, "%s: handshake refused: %s", c->peer,
                  hs.error ? hs.error : "no room for the answer");
        c->state = NC_CLOSING;
        return;
    }
    drop_input(c, (size_t)used);
    c->state = NC_WS;
    ws_process(n, c); /* frames sent right behind the handshake */
}

/* Read what the socket has.  Returns 0, 1 at end of input, -1 on error. */
static int conn_read(struct nconn *c)
{
    size_t max = c->state == NC_HTTP
                     ? NOTIFY_MAX_HEADER
                     : NOTIFY_MAX_MESSAGE + 2 * WS_MAX_FRAME_HEADER;

    for (;;) {
        if (c->in_len == c->in_cap) {
            if (c->in_cap >= max)
                return 0; /* the parsers report what is too big */
            size_t cap = c->in_cap ? c->in_cap * 2 : NOTIFY_READ_CHUNK;
            unsigned char *in = realloc(c->in, cap);
            if (in == NULL)
                return -1;
            c->in = in;
            c->in_cap = cap;
        }
        ssize_t r = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (r <= 0)
            return r == 0 ? 1 : -1;
        c->in_len += (size_t)r;
        c->last_io = judge_mono_ms();
    }
}

static void conn_event(struct jloop *l, int fd, unsigned events, void *data)
{
    struct nconn *c = data;

    if ((events & JLOOP_READ) && c->state != NC_CLOSING) {
        int rc = conn_read(c);
        if (rc != 0)
            c->doomed = 1; /* the peer is gone (or out of memory) */
        else if (c->state == NC_HTTP)
            http_process(c->n, c);
        else
            ws_process(c->n, c);
    }
    conn_update(c);
}

static void accept_event(struct jloop *l, int fd, unsigned events, void *data)
{
    struct notify *n = data;

    for (;;) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        int cfd = accept4(fd, (struct sockaddr *)&ss, &sl,
                          SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0)
            return;
        if (n->nconns >= n->cfg->max_conns) {
            close(cfd);
            continue;
        }
        struct nconn *c = calloc(1, sizeof(*c));
        if (c == NULL || jloop_add(l, cfd, JLOOP_READ, conn_event, c) < 0) {
            free(c);
            close(cfd);
            continue;
        }
        c->n = n;
        c->fd = cfd;
        c->state = NC_HTTP;
        judge_format_peer(&ss, c->peer, sizeof(c->peer));
        c->opened = c->last_io = judge_mono_ms();
        ws_reader_init(&c->rd, WS_ROLE_SERVER);
        c->rd.max_message = NOTIFY_MAX_MESSAGE;
        c->next = n->conns;
        if (n->conns)
            n->conns->prev = c;
        n->conns = c;
        n->nconns++;
    }
}

/* Every NOTIFY_TICK_MS: resubscribe, retry snapshots, timeouts, pings. */
static void notify_tick(struct jloop *l, void *data)
{
    struct notify *n = data;
    long long now = judge_mono_ms();
    struct nconn *next;

    if (n->sub_fd < 0 && now >= n->sub_retry_at)
        sub_connect(n);
    for (struct nconn *c = n->conns; c != NULL; c = next) {
        next = c->next;
        if (c->state == NC_HTTP && now - c->opened > n->cfg->request_timeout_ms)
            c->doomed = 1;
        else if (c->state == NC_WS && c->user == NULL &&
                 now - c->opened > n->cfg->idle_timeout_ms)
            send_close(c, WS_CLOSE_POLICY_VIOLATION, "identify first");
        else if (c->state == NC_WS && c->need_snapshot && n->sub_fd >= 0)
            snapshot(n, c);
        else if (c->state == NC_WS && now - c->last_io > NOTIFY_PING_MS) {
            send_frame(c, WS_OP_PING, NULL, 0);
            c->last_io = now;
        } else
            continue;
        conn_update(c);
    }
}

static void notify_free(struct notify *n)
{
    while (n->conns)
        conn_free(n->conns);
    if (n->listen_fd >= 0)
        close(n->listen_fd);
    client_free(n->sub);
    client_free(n->query);
    jloop_free(n->loop);
}

int notify_run(const struct judge_config *cfg)
{
    struct notify *n = calloc(1, sizeof(*n));
    char err[256];
    int port;

    if (n == NULL || (n->loop = jloop_create()) == NULL) {
        judge_log(3, "out of memory");
        free(n);
        return 1;
    }
    n->cfg = cfg;
    n->sub_fd = -1;
    n->listen_fd = judge_listen(cfg->listen_host, cfg->listen_port, &port, err,
                                sizeof(err));
    if (n->listen_fd < 0 ||
        jloop_add(n->loop, n->listen_fd, JLOOP_READ, accept_event, n) < 0) {
        judge_log(3, "cannot listen: %s", err);
        notify_free(n);
        free(n);
        return 1;
    }
    jloop_set_tick(n->loop, NOTIFY_TICK_MS, notify_tick, n);
    sub_connect(n);
    if (n->sub_fd < 0)
        judge_log(3, "broker %s:%d unreachable; retrying", cfg->broker_host,
                  cfg->broker_port);
    judge_log(2, "notify listening on %s:%d", cfg->listen_host, port);
    int rc = jloop_run(n->loop);
    judge_log(2, "notify stopping");
    notify_free(n);
    free(n);
    return rc < 0 ? 1 : 0;
}
