/* api.c -- `judge api`: the HTTP/1.1 server in front of the pipeline
 * (its endpoints are in api_routes.c).
 *
 * One thread runs an event loop (loop.h) over non-blocking sockets;
 * requests are parsed with http.h, pipelined requests answered in order,
 * keep-alive honoured.  Each connection has caps (http.h limits, output
 * backlog) and timeouts, enforced by api_tick: a request must arrive whole
 * within --request-timeout-ms of its first byte (else 408, then close), an
 * idle keep-alive connection is closed after --idle-timeout-ms, a peer
 * that stops reading after API_WRITE_TIMEOUT_MS without progress.  Every
 * answer is logged as one access log line. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api.h"
#include "runner.h"

#define API_MAX_BODY         (512 * 1024) /* JSON with escaped code */
#define API_MAX_HEADER       (16 * 1024)
#define API_MAX_TARGET       2048
#define API_READ_CHUNK       (16 * 1024)
#define API_OUT_HIGH         (1024 * 1024) /* stop reading above this */
#define API_WRITE_TIMEOUT_MS 10000
#define API_TICK_MS          500
#define API_TICK_MIN_MS      20
#define API_LOG_TARGET_MAX   200

struct api_conn {
    struct api *api;
    int fd;
    char peer[64];
    char *in;
    size_t in_len;
    size_t in_cap;
    struct http_out out;
    size_t out_sent;
    long long req_start; /* first byte of the pending request, 0: none */
    long long last_io;
    int close_after; /* close once the output is flushed */
    int continue_sent;
    struct api_conn *prev;
    struct api_conn *next;
};

/* Queue r on c as the answer to req (NULL after a parse error) and log
 * the request. */
static void send_reply(struct api *api, struct api_conn *c,
                       const struct http_request *req, struct api_reply *r,
                       long long started)
{
    size_t len = 0;
    const char *body = json_writer_result(&r->body, &len);
    int head_only = req != NULL && http_method_is(req, "HEAD");

    if (body == NULL) {
        api_reply_error(r, 500, "out of memory");
        body = json_writer_result(&r->body, &len);
        if (body == NULL) {
            body = "{}";
            len = 2;
        }
    }
    if (req == NULL || !req->keep_alive)
        c->close_after = 1;
    http_out_response(&c->out, r->status, "application/json", body, len,
                      !c->close_after, r->extra[0] ? r->extra : NULL,
                      head_only);
    if (!api->cfg->access_log)
        return;
    double ms = (double)(judge_mono_ms() - started);
    if (req == NULL) {
        judge_log(2, "%s \"-\" %d %zu %.0fms", c->peer, r->status, len, ms);
        return;
    }
    size_t tlen = req->target_len < API_LOG_TARGET_MAX ? req->target_len
                                                       : API_LOG_TARGET_MAX;
    judge_log(2, "%s \"%.*s %.*s HTTP/1.%d\" %d %zu %.0fms", c->peer,
              (int)req->method_len, req->method, (int)tlen, req->target,
              req->minor_version, r->status, len, ms);
}

/* ---- connections -------------------------------------------------------- */

static void conn_close(struct api *api, struct api_conn *c)
{
    jloop_del(api->loop, c->fd);
    close(c->fd);
    if (c->prev)
        c->prev->next = c->next;
    else
        api->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    api->nconns--;
    free(c->in);
    http_out_free(&c->out);
    free(c);
}

static size_t pending_output(const struct api_conn *c)
{
    return c->out.len - c->out_sent;
}

/* Write what is pending.  Returns 0, or -1 when the peer is gone. */
static int conn_flush(struct api_conn *c)
{
    while (pending_output(c) > 0) {
        ssize_t n = send(c->fd, c->out.data + c->out_sent, pending_output(c),
                         MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0)
            return -1;
        c->out_sent += (size_t)n;
        c->last_io = judge_mono_ms();
    }
    if (pending_output(c) == 0) {
        c->out.len = 0;
        c->out_sent = 0;
    }
    return c->out.failed ? -1 : 0;
}

/* Answer every complete request in c's input, in order. */
static void conn_process(struct api *api, struct api_conn *c)
{
    struct http_request req;

    while (c->in_len > 0 && !c->close_after &&
           pending_output(c) < API_OUT_HIGH) {
        long long started = judge_mono_ms();
        long n = http_parse_request(&req, c->in, c->in_len, &api->limits);
        if (n == HTTP_PARSE_MORE) {
            if (req.header_len > 0 && req.expect_continue &&
                !c->continue_sent) {
                http_out_append(&c->out, HTTP_CONTINUE_RESPONSE,
                                strlen(HTTP_CONTINUE_RESPONSE));
                c->continue_sent = 1;
            }
            return;
        }
        struct api_reply r;
        api_reply_init(&r);
        if (n == HTTP_PARSE_ERROR) {
            api_reply_error(&r, req.status, "%s", req.error);
            send_reply(api, c, NULL, &r, started);
            json_writer_free(&r.body);
            c->in_len = 0;
            return;
        }
        api_route(api, &req, &r);
        send_reply(api, c, &req, &r, started);
        json_writer_free(&r.body);
        memmove(c->in, c->in + n, c->in_len - (size_t)n);
        c->in_len -= (size_t)n;
        c->continue_sent = 0;
        c->req_start = c->in_len > 0 ? judge_mono_ms() : 0;
    }
}

/* Read what the socket has.  Returns 0, 1 at end of input, -1 on error. */
static int conn_read(struct api *api, struct api_conn *c)
{
    size_t max = API_MAX_HEADER + API_MAX_BODY;

    for (;;) {
        if (c->in_cap - c->in_len < API_READ_CHUNK / 4 && c->in_cap < max) {
            size_t cap = c->in_cap ? c->in_cap * 2 : API_READ_CHUNK;
            if (cap > max)
                cap = max;
            char *in = realloc(c->in, cap);
            if (in == NULL)
                return -1;
            c->in = in;
            c->in_cap = cap;
        }
        if (c->in_len == c->in_cap)
            return 0; /* full: answer what is there first */
        ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n <= 0)
            return n == 0 ? 1 : -1;
        if (c->in_len == 0)
            c->req_start = judge_mono_ms();
        c->in_len += (size_t)n;
        c->last_io = judge_mono_ms();
    }
}

static void conn_event(struct jloop *l, int fd, unsigned events, void *data)
{
    struct api_conn *c = data;
    struct api *api = c->api;
    int eof = 0;
    if ((events & JLOOP_WRITE) && conn_flush(c) < 0) {
        conn_close(api, c);
        return;
    }
    if ((events & JLOOP_READ) && !c->close_after &&
        pending_output(c) < API_OUT_HIGH) {
        int rc = conn_read(api, c);
        if (rc < 0) {
            conn_close(api, c);
            return;
        }
        eof = rc == 1;
    }
    conn_process(api, c);
    if (eof)
        c->close_after = 1; /* answer what came, then close */
    if (conn_flush(c) < 0 || (c->close_after && pending_output(c) == 0)) {
        conn_close(api, c);
        return;
    }
    unsigned want = 0;
    if (!c->close_after && pending_output(c) < API_OUT_HIGH)
        want |= JLOOP_READ;
    if (pending_output(c) > 0)
        want |= JLOOP_WRITE;
    jloop_set(l, fd, want);
}

static void accept_event(struct jloop *l, int fd, unsigned events, void *data)
{
    static const char busy[] =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json"
        "\r\nContent-Length: 33\r\nConnection: close\r\n\r\n"
        "{\"error\":\"too many connections\"}";
    struct api *api = data;

    for (;;) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        int cfd = accept4(fd, (struct sockaddr *)&ss, &sl,
                          SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0)
            return; /* EAGAIN, or EMFILE and friends: retry next wake */
        if (api->nconns >= api->cfg->max_conns) {
            ssize_t w = send(cfd, busy, sizeof(busy) - 1, MSG_NOSIGNAL);
            (void)w;
            close(cfd);
            continue;
        }
        struct api_conn *c = calloc(1, sizeof(*c));
        if (c == NULL || jloop_add(l, cfd, JLOOP_READ, conn_event, c) < 0) {
            free(c);
            close(cfd);
            continue;
        }
        c->api = api;
        c->fd = cfd;
        judge_format_peer(&ss, c->peer, sizeof(c->peer));
        c->last_io = judge_mono_ms();
        http_out_init(&c->out);
        c->next = api->conns;
        if (api->conns)
            api->conns->prev = c;
        api->conns = c;
        api->nconns++;
    }
}

/* Every api_tick_ms(): enforce the timeouts of the overview (so each
 * fires up to one tick late). */
static void api_tick(struct jloop *l, void *data)
{
    struct api *api = data;
    const struct judge_config *cfg = api->cfg;
    long long now = judge_mono_ms();
    struct api_conn *next;

    for (struct api_conn *c = api->conns; c != NULL; c = next) {
        next = c->next;
        if (pending_output(c) > 0) {
            if (now - c->last_io > API_WRITE_TIMEOUT_MS)
                conn_close(api, c);
        } else if (c->req_start &&
                   now - c->req_start > cfg->request_timeout_ms) {
            struct api_reply r;
            api_reply_init(&r);
            api_reply_error(&r, 408, "request not received in time");
            send_reply(api, c, NULL, &r, now);
            json_writer_free(&r.body);
            if (conn_flush(c) < 0 || pending_output(c) == 0)
                conn_close(api, c);
            else
                jloop_set(l, c->fd, JLOOP_WRITE);
        } else if (c->in_len == 0 && now - c->last_io > cfg->idle_timeout_ms) {
            conn_close(api, c);
        }
    }
}

/* ---- start-up ----------------------------------------------------------- */

/* How often api_tick runs: API_TICK_MS, or often enough that a short
 * timeout (tests use a few hundred ms) fires at most a quarter late. */
static int api_tick_ms(const struct judge_config *cfg)
{
    int t = cfg->request_timeout_ms < cfg->idle_timeout_ms
                ? cfg->request_timeout_ms
                : cfg->idle_timeout_ms;

    t /= 4;
    if (t < API_TICK_MIN_MS)
        return API_TICK_MIN_MS;
    return t > API_TICK_MS ? API_TICK_MS : t;
}

static void api_free(struct api *api)
{
    while (api->conns)
        conn_close(api, api->conns);
    if (api->listen_fd >= 0)
        close(api->listen_fd);
    jloop_free(api->loop);
    client_free(api->broker);
    problem_set_free(api->problems);
    free(api->problems_json);
    free(api->languages_json);
}

int api_run(const struct judge_config *cfg)
{
    struct api api = {0};
    char err[PROBLEM_ERRSTR_LEN];
    int port;

    api.cfg = cfg;
    api.listen_fd = -1;
    api.limits.max_header_bytes = API_MAX_HEADER;
    api.limits.max_target_len = API_MAX_TARGET;
    api.limits.max_body_bytes = API_MAX_BODY;
    api.problems = problem_set_load(cfg->problems_dir, err, sizeof(err));
    if (api.problems == NULL) {
        judge_log(3, "cannot load problems: %s", err);
        return 1;
    }
    if (api_build_static(&api) < 0 || (api.loop = jloop_create()) == NULL) {
        judge_log(3, "out of memory");
        api_free(&api);
        return 1;
    }
    api.listen_fd = judge_listen(cfg->listen_host, cfg->listen_port, &port, err,
                                 sizeof(err));
    if (api.listen_fd < 0 || jloop_add(api.loop, api.listen_fd, JLOOP_READ,
                                       accept_event, &api) < 0) {
        judge_log(3, "cannot listen: %s", err);
        api_free(&api);
        return 1;
    }
    jloop_set_tick(api.loop, api_tick_ms(cfg), api_tick, &api);
    if (api_broker_get(&api) != NULL)
        judge_log(2, "connected to broker %s:%d", cfg->broker_host,
                  cfg->broker_port);
    judge_log(2, "api listening on %s:%d, %zu problems", cfg->listen_host, port,
              problem_set_count(api.problems));
    int rc = jloop_run(api.loop);
    judge_log(2, "api stopping");
    api_free(&api);
    return rc < 0 ? 1 : 0;
}
