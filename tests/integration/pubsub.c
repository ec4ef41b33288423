/* pubsub.c -- publish/subscribe over real connections: fan-out to many
 * subscribers in publish order, channel and pattern overlap, unsubscribe,
 * subscribers that leave or stop reading, RESP3 push frames.  Each
 * behaviour is Redis 7.0's; the same tests pass against redis-server. */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

#define FAN_SUBSCRIBERS 1000
#define FAN_MESSAGES    10000
#define FAN_BATCH       200 /* PUBLISHes pipelined before reading */
#define FRAME_MAX       64
#define SLOW_MSG_LEN    (16 * 1024)
#define SLOW_MESSAGES   2000 /* 32 MB for a subscriber that never reads */
#define RSS_GROWTH_KB   (64 * 1024)

static struct hs_server srv;
static struct hs_client pub;

static void setup(void)
{
    cr_assert_eq(hs_start(&srv, NULL), 0, "server did not start");
    cr_assert_eq(hs_connect(&srv, &pub), 0);
}

static void teardown(void)
{
    hs_close(&pub);
    hs_stop(&srv);
}

TestSuite(pubsub, .init = setup, .fini = teardown, .timeout = 120);

static void subscribe_one(struct hs_client *c, const char *verb,
                          const char *name, int count)
{
    char want[256];

    cr_assert_eq(hs_cmd(c, verb, name, NULL), 0);
    snprintf(want, sizeof(want), "*3\r\n$%zu\r\n%s\r\n$%zu\r\n%s\r\n:%d\r\n",
             strlen(verb), verb, strlen(name), name, count);
    hs_assert_reply(c, want);
}

/* The frame a RESP2 subscriber of "bcast" receives for message i. */
static int fan_frame(char *out, int i)
{
    return snprintf(out, FRAME_MAX,
                    "*3\r\n$7\r\nmessage\r\n$5\r\nbcast\r\n$7\r\nm%06d\r\n", i);
}

struct fan_reader {
    int fd;
    int msg;    /* next message expected */
    int offset; /* bytes of it already matched */
};

/* Read what fd has and check it against the expected stream.  Returns 0,
 * or -1 on a mismatch or a closed connection. */
static int fan_consume(struct fan_reader *r)
{
    char buf[65536], frame[FRAME_MAX];
    ssize_t n = read(r->fd, buf, sizeof(buf));

    if (n <= 0)
        return n < 0 && errno == EAGAIN ? 0 : -1;
    for (ssize_t i = 0; i < n;) {
        int flen = fan_frame(frame, r->msg);
        int take = flen - r->offset;
        if (take > n - i)
            take = (int)(n - i);
        if (memcmp(buf + i, frame + r->offset, (size_t)take) != 0)
            return -1;
        i += take;
        r->offset += take;
        if (r->offset == flen) {
            r->msg++;
            r->offset = 0;
        }
    }
    return 0;
}

/* Read every subscriber until each has every message or the deadline. */
static int fan_drain(struct fan_reader *r, struct pollfd *pfd, int n, int want,
                     int timeout_ms)
{
    long long deadline = hs_now_ms() + timeout_ms;
    int done = 0;

    while (hs_now_ms() < deadline) {
        done = 0;
        for (int i = 0; i < n; i++) {
            pfd[i].fd = r[i].msg < want ? r[i].fd : -1;
            pfd[i].events = POLLIN;
            done += r[i].msg >= want;
        }
        if (done == n)
            return 0;
        if (poll(pfd, (nfds_t)n, 100) < 0)
            return -1;
        for (int i = 0; i < n; i++)
            if ((pfd[i].revents & (POLLIN | POLLHUP)) &&
                fan_consume(&r[i]) != 0)
                return -1;
    }
    return -1;
}

static void send_publishes(int from, int count, const char *want_reply)
{
    char *req = NULL, msg[16];
    size_t len = 0;

    for (int i = from; i < from + count; i++) {
        const char *argv[] = {"PUBLISH", "bcast", msg};
        size_t lens[] = {7, 5, 7};
        snprintf(msg, sizeof(msg), "m%06d", i);
        hs_encode(&req, &len, 3, argv, lens);
    }
    cr_assert_eq(hs_send(&pub, req, len), 0);
    free(req);
    for (int i = 0; i < count; i++)
        hs_assert_reply(&pub, want_reply);
}

Test(pubsub, every_subscriber_gets_every_message_in_publish_order)
{
    static struct hs_client subs[FAN_SUBSCRIBERS];
    static struct fan_reader readers[FAN_SUBSCRIBERS];
    static struct pollfd pfd[FAN_SUBSCRIBERS];
    char want[32];

    for (int i = 0; i < FAN_SUBSCRIBERS; i++) {
        cr_assert_eq(hs_connect(&srv, &subs[i]), 0, "client %d", i);
        subscribe_one(&subs[i], "subscribe", "bcast", 1);
        readers[i].fd = subs[i].fd;
    }
    snprintf(want, sizeof(want), ":%d\r\n", FAN_SUBSCRIBERS);
    for (int m = 0; m < FAN_MESSAGES; m += FAN_BATCH) {
        send_publishes(m, FAN_BATCH, want);
        /* Drain as we go, as WebSocket servers would. */
        cr_assert_eq(
            fan_drain(readers, pfd, FAN_SUBSCRIBERS, m + FAN_BATCH, 10000), 0,
            "a subscriber missed or misordered a message");
    }
    for (int i = 0; i < FAN_SUBSCRIBERS; i++) {
        cr_assert_eq(readers[i].msg, FAN_MESSAGES);
        hs_close(&subs[i]);
    }
}

Test(pubsub, channel_and_pattern_subscriptions_both_deliver)
{
    struct hs_client sub;

    cr_assert_eq(hs_connect(&srv, &sub), 0);
    subscribe_one(&sub, "subscribe", "news", 1);
    subscribe_one(&sub, "psubscribe", "n*", 2);
    hs_cmd(&pub, "PUBLISH", "news", "hi", NULL);
    hs_assert_reply(&pub, ":2\r\n");
    hs_assert_reply(&sub, "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
    hs_assert_reply(&sub, "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n"
                          "$2\r\nhi\r\n");
    hs_cmd(&pub, "PUBLISH", "nope", "x", NULL);
    hs_assert_reply(&pub, ":1\r\n");
    hs_assert_reply(&sub, "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnope\r\n"
                          "$1\r\nx\r\n");
    hs_close(&sub);
}

Test(pubsub, unsubscribe_some_channels_then_all)
{
    struct hs_client sub;

    cr_assert_eq(hs_connect(&srv, &sub), 0);
    subscribe_one(&sub, "subscribe", "a", 1);
    subscribe_one(&sub, "subscribe", "b", 2);
    subscribe_one(&sub, "subscribe", "c", 3);
    hs_cmd(&sub, "UNSUBSCRIBE", "b", NULL);
    hs_assert_reply(&sub, "*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:2\r\n");
    hs_cmd(&pub, "PUBLISH", "b", "x", NULL);
    hs_assert_reply(&pub, ":0\r\n");
    hs_cmd(&pub, "PUBLISH", "c", "y", NULL);
    hs_assert_reply(&pub, ":1\r\n");
    hs_assert_reply(&sub, "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\ny\r\n");

    /* Leaving everything confirms each channel, the count falling to 0;
     * Redis's order is its dict's, so only the counts are fixed. */
    hs_cmd(&sub, "UNSUBSCRIBE", NULL);
    for (int left = 1; left >= 0; left--) {
        struct hs_reply r;
        char tail[16];
        cr_assert_eq(hs_read_reply(&sub, HS_TIMEOUT_MS, &r), HS_OK);
        snprintf(tail, sizeof(tail), ":%d\r\n", left);
        cr_assert(strncmp(r.raw, "*3\r\n$11\r\nunsubscribe\r\n", 22) == 0);
        cr_assert(strcmp(r.raw + r.raw_len - strlen(tail), tail) == 0);
        hs_reply_free(&r);
    }
    hs_cmd(&pub, "PUBLISH", "a", "z", NULL);
    hs_assert_reply(&pub, ":0\r\n");
    /* Out of the subscribed context: ordinary commands work again. */
    hs_cmd(&sub, "PING", NULL);
    hs_assert_reply(&sub, "+PONG\r\n");
    hs_close(&sub);
}

Test(pubsub, a_subscriber_leaving_mid_stream_does_not_disturb_others)
{
    struct hs_client subs[3];
    struct fan_reader readers[2];
    struct pollfd pfd[2];

    for (int i = 0; i < 3; i++) {
        cr_assert_eq(hs_connect(&srv, &subs[i]), 0);
        subscribe_one(&subs[i], "subscribe", "bcast", 1);
    }
    for (int i = 0; i < 2; i++)
        readers[i] = (struct fan_reader){.fd = subs[i].fd};
    send_publishes(0, 50, ":3\r\n");
    hs_close(&subs[2]);
    /* The server notices the close when it next reads the socket. */
    for (int tries = 0; tries < 100; tries++) {
        struct hs_reply r;
        hs_cmd(&pub, "PUBSUB", "NUMSUB", "bcast", NULL);
        cr_assert_eq(hs_read_reply(&pub, HS_TIMEOUT_MS, &r), HS_OK);
        int gone = strstr(r.raw, ":2\r\n") != NULL;
        hs_reply_free(&r);
        if (gone)
            break;
        hs_sleep_ms(10);
    }
    send_publishes(50, 50, ":2\r\n");
    cr_assert_eq(fan_drain(readers, pfd, 2, 100, 5000), 0);
    hs_close(&subs[0]);
    hs_close(&subs[1]);
}

/* Queue message i of SLOW_MSG_LEN bytes without waiting for replies. */
static void send_big_publish(char *msg, int i)
{
    const char *argv[] = {"PUBLISH", "slow", msg};
    size_t lens[] = {7, 4, SLOW_MSG_LEN};
    char *req = NULL;
    size_t len = 0;

    memset(msg, 'a' + i % 26, SLOW_MSG_LEN);
    hs_encode(&req, &len, 3, argv, lens);
    cr_assert_eq(hs_send(&pub, req, len), 0);
    free(req);
}

Test(pubsub, a_subscriber_that_never_reads_is_cut_at_the_limit)
{
    struct hs_client stuck, reader;
    char *msg = malloc(SLOW_MSG_LEN);
    int small = 4096, ones = 0;
    long rss_before;

    hs_cmd(&pub, "CONFIG", "SET", "client-output-buffer-limit",
           "pubsub 1mb 256kb 1", NULL);
    hs_assert_reply(&pub, "+OK\r\n");
    cr_assert_eq(hs_connect(&srv, &stuck), 0);
    setsockopt(stuck.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    cr_assert_eq(hs_connect(&srv, &reader), 0);
    subscribe_one(&stuck, "subscribe", "slow", 1);
    subscribe_one(&reader, "subscribe", "slow", 1);
    rss_before = hs_rss_kb(&srv);

    for (int i = 0; i < SLOW_MESSAGES; i++) {
        struct hs_reply r;
        send_big_publish(msg, i);
        cr_assert_eq(hs_read_reply(&pub, HS_TIMEOUT_MS, &r), HS_OK);
        ones += strcmp(r.raw, ":1\r\n") == 0;
        hs_reply_free(&r);
        /* The reading subscriber keeps receiving, in order. */
        cr_assert_eq(hs_read_reply(&reader, HS_TIMEOUT_MS, &r), HS_OK);
        cr_assert_eq(r.raw_len, 37 + SLOW_MSG_LEN, "message %d", i);
        cr_assert_eq(r.raw[r.raw_len - 3], 'a' + i % 26);
        hs_reply_free(&r);
    }
    cr_assert_gt(ones, 0, "the stuck subscriber was never disconnected");
    cr_assert_lt(hs_rss_kb(&srv) - rss_before, RSS_GROWTH_KB);
    char *log = hs_log(&srv);
    cr_assert(strstr(log, "scheduled to be closed ASAP for overcoming of "
                          "output buffer limits") != NULL,
              "no log line");
    free(log);
    free(msg);
    hs_close(&stuck);
    hs_close(&reader);
}

Test(pubsub, resp3_push_frames_mix_with_ordinary_replies)
{
    struct hs_client sub;
    struct hs_reply r;

    cr_assert_eq(hs_connect(&srv, &sub), 0);
    hs_cmd(&sub, "HELLO", "3", NULL);
    cr_assert_eq(hs_read_reply(&sub, HS_TIMEOUT_MS, &r), HS_OK);
    hs_reply_free(&r);
    hs_cmd(&sub, "SUBSCRIBE", "ch", NULL);
    hs_assert_reply(&sub, ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
    hs_cmd(&sub, "SET", "k", "v", NULL);
    hs_assert_reply(&sub, "+OK\r\n");

    hs_cmd(&pub, "PUBLISH", "ch", "one", NULL);
    hs_assert_reply(&pub, ":1\r\n");
    hs_cmd(&sub, "GET", "k", NULL);
    hs_assert_reply(&sub, ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$3\r\none\r\n");
    hs_assert_reply(&sub, "$1\r\nv\r\n");

    /* Publishing to itself: the push comes before the command's reply. */
    hs_cmd(&sub, "PUBLISH", "ch", "two", NULL);
    hs_assert_reply(&sub, ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$3\r\ntwo\r\n");
    hs_assert_reply(&sub, ":1\r\n");
    hs_cmd(&sub, "PING", NULL);
    hs_assert_reply(&sub, "+PONG\r\n");
    hs_close(&sub);
}
