/* hardening.c -- regressions for crashes, hangs and memory errors found by
 * fuzzing the server.
 *
 * Each test drives the server into a state that used to crash it, spin it
 * or read freed memory, then checks that it still answers and, where Redis
 * defines an outcome, that it is Redis's (checked against redis-server
 * 7.0.15 with RESPD=/usr/bin/redis-server).  Some of these only fail
 * loudly in a sanitizer build (make CFLAGS="-fsanitize=address,undefined
 * ..."); in a normal build they still check the behaviour around them. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

/* Redis gives up on a pattern nested deeper than this many '*'. */
#define GLOB_NESTING_LIMIT 1000
#define DEEP_STARS         (1000 * 1000)
#define LONG_KEY_LEN       (2 * DEEP_STARS)
#define CLOSING_VALUE_LEN  (3900 * 1024) /* under the 4 MiB read pause */
#define SPIN_WINDOW_MS     1000
#define SPIN_MAX_CPU_MS    300 /* a spinning loop burns the whole window */
/* Enough 1 KB messages to fill the socket and queue far more than the 64
 * segments one writev() takes, but under the 4 MiB read pause. */
#define PUBSUB_MESSAGES    5000
#define PUBSUB_PAYLOAD_LEN 1000

static struct hs_server srv;
static struct hs_client cli;

static void setup(void)
{
    cr_assert_eq(hs_start(&srv, NULL), 0, "server did not start");
    cr_assert_eq(hs_connect(&srv, &cli), 0, "cannot connect");
}

static void teardown(void)
{
    hs_close(&cli);
    hs_stop(&srv);
}

TestSuite(hardening, .init = setup, .fini = teardown, .timeout = 60);

static void assert_server_answers(void)
{
    cr_assert(hs_alive(&srv), "the server died");
    hs_cmd(&cli, "PING", NULL);
    hs_assert_reply(&cli, "+PONG\r\n");
}

/* Send one request of argc binary-safe arguments. */
static void send_argv(int argc, const char *const *argv, const size_t *lens)
{
    char *req = NULL;
    size_t len = 0;

    hs_encode(&req, &len, argc, argv, lens);
    cr_assert_eq(hs_send(&cli, req, len), 0);
    free(req);
}

/* A string of n bytes repeating unit. */
static char *repeat(const char *unit, size_t n)
{
    size_t ulen = strlen(unit);
    char *s = malloc(n + 1);

    for (size_t i = 0; i < n; i++)
        s[i] = unit[i % ulen];
    s[n] = '\0';
    return s;
}

/* Each '*' of a glob pattern used to recurse once, so KEYS with a pattern
 * of a million stars overflowed the stack. */
Test(hardening, keys_with_a_million_stars_does_not_crash)
{
    char *key = repeat("a", LONG_KEY_LEN), *pat = repeat("*a", 2 * DEEP_STARS);
    const char *set[] = {"SET", key, "v"}, *keys[] = {"KEYS", pat};
    const size_t set_lens[] = {3, LONG_KEY_LEN, 1};
    const size_t keys_lens[] = {4, 2 * DEEP_STARS};

    send_argv(3, set, set_lens);
    hs_assert_reply(&cli, "+OK\r\n");
    send_argv(2, keys, keys_lens);
    hs_assert_reply(&cli, "*0\r\n");
    assert_server_answers();
    free(key);
    free(pat);
}

/* Up to the nesting limit a deep pattern still matches, past it not: the
 * limit Redis 7.0 applies. */
Test(hardening, glob_nesting_limit_is_redis_s)
{
    char *key = repeat("a", 3000);
    char *fits = repeat("*a", 2 * GLOB_NESTING_LIMIT);
    char *deeper = repeat("*a", 2 * (GLOB_NESTING_LIMIT + 1));
    static const char want[] = "*1\r\n$3000\r\n";
    struct hs_reply r;

    hs_cmd(&cli, "SET", key, "v", NULL);
    hs_assert_reply(&cli, "+OK\r\n");
    hs_cmd(&cli, "KEYS", fits, NULL);
    cr_assert_eq(hs_read_reply(&cli, HS_TIMEOUT_MS, &r), HS_OK);
    cr_assert(strncmp(r.raw, want, sizeof(want) - 1) == 0, "got %s",
              hs_escape(r.raw, r.raw_len, 40));
    hs_reply_free(&r);
    hs_cmd(&cli, "KEYS", deeper, NULL);
    hs_assert_reply(&cli, "*0\r\n");
    free(key);
    free(fits);
    free(deeper);
}

/* CPU time (user + system) the server has used, in ms. */
static long server_cpu_ms(void)
{
    char path[64], buf[1024];
    unsigned long utime, stime;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)srv.pid);
    f = fopen(path, "r");
    cr_assert(f != NULL);
    cr_assert(fgets(buf, sizeof(buf), f) != NULL);
    fclose(f);
    /* Fields 14 and 15, counted after the ")" that ends the name. */
    const char *p = strrchr(buf, ')');
    cr_assert(p != NULL);
    cr_assert_eq(sscanf(p + 2,
                        "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
                        "%lu %lu",
                        &utime, &stime),
                 2);
    return (long)((utime + stime) * 1000 / (unsigned long)sysconf(_SC_CLK_TCK));
}

/* A socket with a tiny receive buffer, so replies pile up in the server. */
static int connect_small_window(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)srv.port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0), small = 4096;

    cr_assert(fd >= 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

/* A client that QUITs behind a big reply it does not read, then keeps
 * sending, left the server's level-triggered loop woken at once forever:
 * the closing client's socket stayed readable and was never read. */
Test(hardening, closing_client_that_keeps_sending_does_not_spin_the_loop)
{
    char *value = repeat("x", CLOSING_VALUE_LEN);
    const char *set[] = {"SET", "big", value};
    const size_t lens[] = {3, 3, CLOSING_VALUE_LEN};
    static const char req[] = "GET big\r\nQUIT\r\nPING\r\n";

    send_argv(3, set, lens);
    hs_assert_reply(&cli, "+OK\r\n");
    free(value);

    int fd = connect_small_window();
    cr_assert_eq(write(fd, req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
    hs_sleep_ms(300);
    /* Bytes the server will never read, keeping the socket readable. */
    cr_assert_eq(write(fd, "PING\r\n", 6), 6);
    hs_sleep_ms(100);

    long before = server_cpu_ms();
    hs_sleep_ms(SPIN_WINDOW_MS);
    long used = server_cpu_ms() - before;
    cr_assert(used < SPIN_MAX_CPU_MS,
              "the server used %ld ms of CPU in %d ms while idle", used,
              SPIN_WINDOW_MS);
    close(fd);
    assert_server_answers();
}

/* RANDOMKEY deleting an expired key handed WATCH the freed key string, so
 * the watching transaction could miss that its key went away. */
Test(hardening, randomkey_expiring_a_watched_key_aborts_the_transaction)
{
    struct hs_client other;

    hs_cmd(&cli, "DEBUG", "SET-ACTIVE-EXPIRE", "0", NULL);
    hs_assert_reply(&cli, "+OK\r\n");
    hs_cmd(&cli, "SET", "watched-key-name", "v", "PX", "100", NULL);
    hs_assert_reply(&cli, "+OK\r\n");
    hs_cmd(&cli, "WATCH", "watched-key-name", NULL);
    hs_assert_reply(&cli, "+OK\r\n");
    hs_sleep_ms(200);

    cr_assert_eq(hs_connect(&srv, &other), 0);
    hs_cmd(&other, "RANDOMKEY", NULL);
    hs_assert_reply(&other, "$-1\r\n");
    hs_close(&other);

    hs_cmd(&cli, "MULTI", NULL);
    hs_assert_reply(&cli, "+OK\r\n");
    hs_cmd(&cli, "PING", NULL);
    hs_assert_reply(&cli, "+QUEUED\r\n");
    hs_cmd(&cli, "EXEC", NULL);
    hs_assert_reply(&cli, "*-1\r\n");
}

/* The active expiry cycle summed TTLs in a long long, which keys expiring
 * at the end of time overflowed (undefined behaviour). */
Test(hardening, keys_expiring_at_the_end_of_time_survive_the_expiry_cycle)
{
    char key[16];

    for (int i = 0; i < 30; i++) {
        snprintf(key, sizeof(key), "forever%d", i);
        hs_cmd(&cli, "SET", key, "v", "PXAT", "9223372036854775807", NULL);
        hs_assert_reply(&cli, "+OK\r\n");
    }
    hs_sleep_ms(500); /* several cron ticks */
    assert_server_answers();
    hs_cmd(&cli, "PTTL", "forever0", NULL);
    struct hs_reply r;
    cr_assert_eq(hs_read_reply(&cli, HS_TIMEOUT_MS, &r), HS_OK);
    cr_assert_eq(r.reply->type, RESP_INTEGER);
    cr_assert_gt(r.reply->integer, 0);
    hs_reply_free(&r);
}

/* Published messages queued for a subscriber that does not read, then its
 * own reply: more queued segments than one writev() takes let the reply
 * buffer's bytes overtake the segments left out, and the byte accounting
 * then dropped messages. */
Test(hardening, subscriber_replies_stay_behind_many_queued_messages)
{
    struct hs_client pub;
    char payload[PUBSUB_PAYLOAD_LEN + 16], *req = NULL;
    size_t len = 0;
    struct hs_reply r;

    hs_cmd(&cli, "SUBSCRIBE", "ch", NULL);
    cr_assert_eq(hs_read_reply(&cli, HS_TIMEOUT_MS, &r), HS_OK);
    hs_reply_free(&r);

    cr_assert_eq(hs_connect(&srv, &pub), 0);
    for (int i = 0; i < PUBSUB_MESSAGES; i++) {
        int n = snprintf(payload, sizeof(payload), "%d:", i);
        memset(payload + n, 'm', PUBSUB_PAYLOAD_LEN - (size_t)n);
        const char *argv[] = {"PUBLISH", "ch", payload};
        const size_t lens[] = {7, 2, PUBSUB_PAYLOAD_LEN};
        hs_encode(&req, &len, 3, argv, lens);
    }
    cr_assert_eq(hs_send(&pub, req, len), 0);
    free(req);
    for (int i = 0; i < PUBSUB_MESSAGES; i++)
        hs_assert_reply(&pub, ":1\r\n");
    hs_close(&pub);

    /* Answered into the reply buffer, behind everything queued. */
    hs_send_str(&cli, "PING\r\n");
    hs_sleep_ms(200);
    for (int i = 0; i < PUBSUB_MESSAGES; i++) {
        cr_assert_eq(hs_read_reply(&cli, HS_TIMEOUT_MS, &r), HS_OK,
                     "message %d missing", i);
        cr_assert_eq(r.reply->type, RESP_ARRAY);
        cr_assert_eq(r.reply->elements, 3, "message %d: %s", i,
                     hs_escape(r.raw, r.raw_len, 60));
        cr_assert_eq(atoi(r.reply->element[2]->str), i, "got %s for %d",
                     hs_escape(r.raw, r.raw_len, 60), i);
        hs_reply_free(&r);
    }
    hs_assert_reply(&cli, "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
}
