/* backpressure.c -- a client that sends and never reads.
 *
 * Redis 7 keeps producing replies for such a client until its output
 * buffer limit (none for normal clients by default) so its memory grows
 * with the replies.  respd instead stops reading a client whose unsent
 * replies pass CONN_REPLY_PAUSE (conn.h): memory stays bounded, everyone
 * else is served, and the paused client gets every reply, in order, once
 * it reads.  Against the real Redis this test is skipped. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "harness.h"

#define VALUE_LEN    (10 * 1024)
#define KEY_COUNT    10
#define GET_COUNT    200000
#define RSS_BOUND_KB (100 * 1024) /* growth allowed while paused */
#define STALL_MS     500          /* no write progress: the server paused */

static struct hs_server srv;
static struct hs_client watcher, greedy;

static void setup(void)
{
    cr_assert_eq(hs_start(&srv, NULL), 0, "server did not start");
    cr_assert_eq(hs_connect(&srv, &watcher), 0);
    cr_assert_eq(hs_connect(&srv, &greedy), 0);
}

static void teardown(void)
{
    hs_close(&watcher);
    hs_close(&greedy);
    hs_stop(&srv);
}

TestSuite(backpressure, .init = setup, .fini = teardown, .timeout = 180);

/* Store KEY_COUNT keys "k0".."k9" whose 10 KB values start with the key's
 * digit, so each reply shows which GET it answers. */
static void store_values(void)
{
    char *value = malloc(VALUE_LEN), key[8];

    for (int k = 0; k < KEY_COUNT; k++) {
        const char *argv[] = {"SET", key, value};
        size_t lens[] = {3, 2, VALUE_LEN};
        char *req = NULL;
        size_t len = 0;

        snprintf(key, sizeof(key), "k%d", k);
        memset(value, '0' + k, VALUE_LEN);
        hs_encode(&req, &len, 3, argv, lens);
        hs_send(&watcher, req, len);
        free(req);
        hs_assert_reply(&watcher, "+OK\r\n");
    }
    free(value);
}

/* The GET k(i % 10) requests for i in [0, GET_COUNT). */
static char *build_gets(size_t *len)
{
    char *req = NULL;

    *len = 0;
    for (int i = 0; i < GET_COUNT; i++) {
        char key[8];
        const char *argv[] = {"GET", key};

        snprintf(key, sizeof(key), "k%d", i % KEY_COUNT);
        hs_encode(&req, len, 2, argv, NULL);
    }
    return req;
}

/* Write without blocking until everything is sent or nothing more is taken
 * for STALL_MS.  Returns the bytes sent. */
static size_t send_until_stalled(const char *req, size_t len)
{
    size_t off = 0;
    long long last_progress = hs_now_ms();

    while (off < len && hs_now_ms() - last_progress < STALL_MS) {
        ssize_t w =
            send(greedy.fd, req + off, len - off, MSG_DONTWAIT | MSG_NOSIGNAL);

        if (w > 0) {
            off += (size_t)w;
            last_progress = hs_now_ms();
        } else {
            cr_assert(w < 0 && errno == EAGAIN, "send failed: %s",
                      strerror(errno));
            hs_sleep_ms(10);
        }
    }
    return off;
}

/* Largest RSS seen over a second. */
static long peak_rss_kb(void)
{
    long peak = 0;

    for (int i = 0; i < 10; i++) {
        long kb = hs_rss_kb(&srv);

        peak = kb > peak ? kb : peak;
        hs_sleep_ms(100);
    }
    return peak;
}

/* Read all GET_COUNT replies, pushing the unsent rest of the pipeline as
 * the socket takes it, and check each answers its own GET. */
static void read_all_replies(const char *req, size_t len, size_t off)
{
    for (int i = 0; i < GET_COUNT; i++) {
        struct hs_reply r;
        int rc;

        if (off < len) {
            ssize_t w = send(greedy.fd, req + off, len - off,
                             MSG_DONTWAIT | MSG_NOSIGNAL);

            off += w > 0 ? (size_t)w : 0;
        }
        rc = hs_read_reply(&greedy, 10000, &r);
        cr_assert_eq(rc, HS_OK, "reply %d of %d missing", i, GET_COUNT);
        cr_assert(r.reply->type == RESP_STRING && r.reply->len == VALUE_LEN &&
                      r.reply->str[0] == '0' + i % KEY_COUNT,
                  "reply %d is not the value of k%d: %s", i, i % KEY_COUNT,
                  hs_escape(r.raw, r.raw_len, 40));
        hs_reply_free(&r);
    }
}

/* Bring the greedy client to the stalled state: values stored, as much
 * of the pipeline sent as the server takes.  *sent is how much. */
static char *stall_greedy_client(size_t *len, size_t *sent)
{
    char *req;

    store_values();
    req = build_gets(len);
    *sent = send_until_stalled(req, *len);
    return req;
}

Test(backpressure, client_that_never_reads_costs_bounded_memory)
{
    size_t len, sent;
    char *req;
    long base, peak;

    if (hs_is_redis())
        cr_skip_test("redis-server buffers replies without limit");
    base = hs_rss_kb(&srv);
    req = stall_greedy_client(&len, &sent);
    peak = peak_rss_kb();
    cr_assert_lt(peak - base, RSS_BOUND_KB,
                 "RSS grew by %ld KiB with %zu of %zu request bytes sent",
                 peak - base, sent, len);
    free(req);
}

Test(backpressure, other_clients_are_served_while_one_never_reads)
{
    size_t len, sent;
    char *req;

    if (hs_is_redis())
        cr_skip_test("redis-server buffers replies without limit");
    req = stall_greedy_client(&len, &sent);
    hs_send_str(&watcher, "PING\r\n");
    hs_assert_reply(&watcher, "+PONG\r\n");
    hs_cmd(&watcher, "STRLEN", "k3", NULL);
    hs_assert_reply(&watcher, ":10240\r\n");
    free(req);
}

Test(backpressure, client_that_finally_reads_gets_every_reply_in_order)
{
    size_t len, sent;
    char *req;

    if (hs_is_redis())
        cr_skip_test("redis-server buffers replies without limit");
    req = stall_greedy_client(&len, &sent);
    hs_sleep_ms(500);
    read_all_replies(req, len, sent);
    free(req);
}
