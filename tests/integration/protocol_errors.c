/* protocol_errors.c -- malformed requests.
 *
 * Redis answers a protocol error with one "-ERR Protocol error: ..." reply
 * and closes that connection after it; other clients never notice.  The
 * texts below were checked against redis-server 7.0.15 (run these tests
 * with RESPD=/usr/bin/redis-server).  A declared length is only a promise:
 * memory follows the bytes that actually arrived. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define MB             (1024L * 1024)
#define FLOOD_CLIENTS  100
#define GARBAGE_ROUNDS 50
#define GARBAGE_LEN    4096

static struct hs_server srv;
static struct hs_client watcher; /* connected all along, must keep working */

static void setup(void)
{
    cr_assert_eq(hs_start(&srv, NULL), 0, "server did not start");
    cr_assert_eq(hs_connect(&srv, &watcher), 0);
    hs_send_str(&watcher, "PING\r\n");
    hs_assert_reply(&watcher, "+PONG\r\n");
}

static void teardown(void)
{
    hs_close(&watcher);
    hs_stop(&srv);
}

TestSuite(protocol_errors, .init = setup, .fini = teardown, .timeout = 60);

/* The watcher is still served correctly. */
static void assert_watcher_served(void)
{
    hs_cmd(&watcher, "SET", "watch", "still-here", NULL);
    hs_assert_reply(&watcher, "+OK\r\n");
    hs_cmd(&watcher, "GET", "watch", NULL);
    hs_assert_reply(&watcher, "$10\r\nstill-here\r\n");
}

/* Send bytes on a fresh connection; expect exactly `want` back, then the
 * connection closed, and the watcher unaffected. */
static void assert_protocol_error(const void *bytes, size_t n, const char *want)
{
    struct hs_client c;

    cr_assert_eq(hs_connect(&srv, &c), 0);
    cr_assert_eq(hs_send(&c, bytes, n), 0);
    hs_assert_reply(&c, want);
    cr_assert_eq(hs_wait_closed(&c, HS_TIMEOUT_MS), HS_EOF,
                 "connection not closed after \"%s\"",
                 hs_escape(want, strlen(want), 100));
    hs_close(&c);
    assert_watcher_served();
}

static void assert_protocol_error_str(const char *bytes, const char *want)
{
    assert_protocol_error(bytes, strlen(bytes), want);
}

/* A header line of n bytes after its type byte with no CRLF. */
static char *endless_header(const char *prefix, size_t n)
{
    size_t plen = strlen(prefix);
    char *p = malloc(plen + n);

    memcpy(p, prefix, plen);
    memset(p + plen, '1', n);
    return p;
}

Test(protocol_errors, negative_bulk_length_is_invalid_bulk_length)
{
    assert_protocol_error_str("*1\r\n$-5\r\n",
                              "-ERR Protocol error: invalid bulk length\r\n");
}

Test(protocol_errors, null_bulk_in_a_request_is_invalid_bulk_length)
{
    assert_protocol_error_str("*1\r\n$-1\r\n",
                              "-ERR Protocol error: invalid bulk length\r\n");
}

Test(protocol_errors, non_numeric_bulk_length_is_invalid_bulk_length)
{
    assert_protocol_error_str("*1\r\n$abc\r\n",
                              "-ERR Protocol error: invalid bulk length\r\n");
}

Test(protocol_errors, bulk_length_with_spaces_is_invalid_bulk_length)
{
    assert_protocol_error_str("*1\r\n$ 4\r\nPING\r\n",
                              "-ERR Protocol error: invalid bulk length\r\n");
}

Test(protocol_errors, bulk_header_ended_by_lf_alone_is_invalid_bulk_length)
{
    assert_protocol_error_str("*1\r\n$4\nPING\r\n",
                              "-ERR Protocol error: invalid bulk length\r\n");
}

Test(protocol_errors, declared_2gib_bulk_is_invalid_bulk_length)
{
    assert_protocol_error_str("*1\r\n$2147483648\r\n",
                              "-ERR Protocol error: invalid bulk length\r\n");
}

Test(protocol_errors, bulk_just_above_512mb_is_invalid_bulk_length)
{
    assert_protocol_error_str("*1\r\n$536870913\r\n",
                              "-ERR Protocol error: invalid bulk length\r\n");
}

Test(protocol_errors, non_numeric_count_is_invalid_multibulk_length)
{
    assert_protocol_error_str(
        "*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n");
}

Test(protocol_errors, count_with_trailing_junk_is_invalid_multibulk_length)
{
    assert_protocol_error_str(
        "*1x\r\n", "-ERR Protocol error: invalid multibulk length\r\n");
}

Test(protocol_errors, count_with_plus_sign_is_invalid_multibulk_length)
{
    assert_protocol_error_str(
        "*+1\r\n", "-ERR Protocol error: invalid multibulk length\r\n");
}

Test(protocol_errors, count_above_int_max_is_invalid_multibulk_length)
{
    assert_protocol_error_str(
        "*2147483648\r\n", "-ERR Protocol error: invalid multibulk length\r\n");
}

/* Redis 7.0 takes any count up to INT_MAX and waits for the arguments;
 * only what arrives costs memory. */
/* respd keeps Redis 6's bound of 1,048,576 arguments; Redis 7 would wait
 * for up to INT_MAX (docs/commands.md lists the difference). */
Test(protocol_errors, count_of_one_mebi_waits_for_its_arguments)
{
    struct hs_client c;
    struct hs_reply r;
    int rc;

    cr_assert_eq(hs_connect(&srv, &c), 0);
    hs_send_str(&c, "*1048576\r\n$4\r\nPING\r\n");
    rc = hs_read_reply(&c, 300, &r);
    cr_assert_eq(rc, HS_TIMEOUT, "expected no reply yet, got %s",
                 rc == HS_OK ? hs_escape(r.raw, r.raw_len, 100) : "EOF");
    hs_close(&c);
    assert_watcher_served();
}

Test(protocol_errors, count_above_one_mebi_is_an_invalid_multibulk_length)
{
    assert_protocol_error_str(
        "*1048577\r\n$4\r\nPING\r\n",
        "-ERR Protocol error: invalid multibulk length\r\n");
}

Test(protocol_errors, argument_without_dollar_is_reported_with_its_byte)
{
    assert_protocol_error_str("*1\r\nx\r\n",
                              "-ERR Protocol error: expected '$', got 'x'\r\n");
}

Test(protocol_errors, inline_request_with_open_double_quote_is_unbalanced)
{
    assert_protocol_error_str(
        "SET \"foo bar\r\n",
        "-ERR Protocol error: unbalanced quotes in request\r\n");
}

Test(protocol_errors, inline_request_with_open_single_quote_is_unbalanced)
{
    assert_protocol_error_str(
        "SET 'foo\r\n",
        "-ERR Protocol error: unbalanced quotes in request\r\n");
}

Test(protocol_errors, inline_line_over_64kb_without_newline_is_too_big)
{
    char *p = endless_header("A", 70000);

    assert_protocol_error(p, 70001,
                          "-ERR Protocol error: too big inline request\r\n");
    free(p);
}

Test(protocol_errors, count_line_over_64kb_without_crlf_is_too_big)
{
    char *p = endless_header("*", 70000);

    assert_protocol_error(
        p, 70001, "-ERR Protocol error: too big mbulk count string\r\n");
    free(p);
}

Test(protocol_errors, bulk_length_line_over_64kb_without_crlf_is_too_big)
{
    char *p = endless_header("*1\r\n$", 70000);

    assert_protocol_error(p, 70005,
                          "-ERR Protocol error: too big bulk count string\r\n");
    free(p);
}

Test(protocol_errors, requests_before_the_error_are_still_answered)
{
    struct hs_client c;

    cr_assert_eq(hs_connect(&srv, &c), 0);
    hs_send_str(&c, "*1\r\n$4\r\nPING\r\n*1\r\n$-3\r\n");
    hs_assert_reply(&c, "+PONG\r\n");
    hs_assert_reply(&c, "-ERR Protocol error: invalid bulk length\r\n");
    cr_assert_eq(hs_wait_closed(&c, HS_TIMEOUT_MS), HS_EOF);
    hs_close(&c);
}

Test(protocol_errors, negative_count_is_ignored_like_redis)
{
    struct hs_client c;

    cr_assert_eq(hs_connect(&srv, &c), 0);
    hs_send_str(&c, "*-5\r\n*0\r\n\r\n\r\nPING\r\n");
    hs_assert_reply(&c, "+PONG\r\n");
    hs_close(&c);
}

Test(protocol_errors, unauthenticated_client_may_not_declare_11_arguments)
{
    struct hs_server locked;
    struct hs_client c;

    cr_assert_eq(hs_start(&locked, "--requirepass", "secret", NULL), 0);
    cr_assert_eq(hs_connect(&locked, &c), 0);
    hs_send_str(&c, "*11\r\n");
    hs_assert_reply(
        &c, "-ERR Protocol error: unauthenticated multibulk length\r\n");
    cr_assert_eq(hs_wait_closed(&c, HS_TIMEOUT_MS), HS_EOF);
    hs_close(&c);
    hs_stop(&locked);
}

Test(protocol_errors, unauthenticated_client_may_not_declare_16kb_bulks)
{
    struct hs_server locked;
    struct hs_client c;

    cr_assert_eq(hs_start(&locked, "--requirepass", "secret", NULL), 0);
    cr_assert_eq(hs_connect(&locked, &c), 0);
    hs_send_str(&c, "*1\r\n$16385\r\n");
    hs_assert_reply(&c, "-ERR Protocol error: unauthenticated bulk length\r\n");
    cr_assert_eq(hs_wait_closed(&c, HS_TIMEOUT_MS), HS_EOF);
    hs_close(&c);
    hs_stop(&locked);
}

/* Read whatever a garbage connection gets for a moment: every reply must be
 * valid RESP, and a protocol error must be the last thing sent. */
static void drain_garbage_replies(struct hs_client *c)
{
    struct hs_reply r;
    int rc;

    while ((rc = hs_read_reply(c, 100, &r)) == HS_OK) {
        int fatal = strncmp(r.raw, "-ERR Protocol error", 19) == 0;

        hs_reply_free(&r);
        if (fatal) {
            cr_assert_eq(hs_wait_closed(c, HS_TIMEOUT_MS), HS_EOF);
            return;
        }
    }
    cr_assert_neq(rc, HS_BAD, "garbage produced a malformed reply");
}

Test(protocol_errors, random_binary_garbage_never_hurts_the_server)
{
    char garbage[GARBAGE_LEN];
    static const char leads[] = "*$AP\r";

    srand(12345);
    for (int round = 0; round < GARBAGE_ROUNDS; round++) {
        struct hs_client c;

        for (size_t i = 0; i < sizeof(garbage); i++)
            garbage[i] = (char)(rand() & 0xff);
        garbage[0] = leads[round % (sizeof(leads) - 1)];
        cr_assert_eq(hs_connect(&srv, &c), 0);
        hs_send(&c, garbage, sizeof(garbage));
        drain_garbage_replies(&c);
        hs_close(&c);
        cr_assert(hs_alive(&srv), "server died on garbage round %d", round);
    }
    assert_watcher_served();
}

/* RSS once it stops changing by more than 1 MB over 100 ms. */
static long settled_rss_kb(void)
{
    long prev = hs_rss_kb(&srv), now = prev;

    for (int i = 0; i < 30; i++) {
        hs_sleep_ms(100);
        now = hs_rss_kb(&srv);
        if (labs(now - prev) < 1024)
            break;
        prev = now;
    }
    return now;
}

Test(protocol_errors, declared_512mb_bulk_costs_only_what_arrived)
{
    struct hs_client c;
    char *chunk = malloc(MB);
    long before, after;

    memset(chunk, 'x', MB);
    before = settled_rss_kb();
    cr_assert_eq(hs_connect(&srv, &c), 0);
    hs_send_str(&c, "*1\r\n$536870000\r\n");
    cr_assert_eq(hs_send(&c, chunk, MB), 0);
    after = settled_rss_kb();
    cr_assert_lt(after - before, 32 * 1024,
                 "RSS grew by %ld KiB for 1 MB received", after - before);
    assert_watcher_served();
    hs_close(&c);
    free(chunk);
}

Test(protocol_errors, declared_mebi_arguments_cost_only_what_arrived)
{
    struct hs_client c;
    struct hs_reply r;
    char *req = malloc(10000 * 7);
    long before, after;

    for (int i = 0; i < 10000; i++)
        memcpy(req + i * 7, "$1\r\na\r\n", 7);
    before = settled_rss_kb();
    cr_assert_eq(hs_connect(&srv, &c), 0);
    hs_send_str(&c, "*1048576\r\n");
    hs_send(&c, req, 10000 * 7);
    after = settled_rss_kb();
    cr_assert_eq(hs_read_reply(&c, 100, &r), HS_TIMEOUT,
                 "the request was refused or answered");
    cr_assert_lt(after - before, 32 * 1024,
                 "RSS grew by %ld KiB for 10000 arguments received",
                 after - before);
    assert_watcher_served();
    hs_close(&c);
    free(req);
}

Test(protocol_errors, hundred_clients_declaring_500mb_bulks_stay_bounded)
{
    static struct hs_client c[FLOOD_CLIENTS];
    char chunk[4096];
    long before, after;

    memset(chunk, 'y', sizeof(chunk));
    before = settled_rss_kb();
    for (int i = 0; i < FLOOD_CLIENTS; i++) {
        cr_assert_eq(hs_connect(&srv, &c[i]), 0);
        hs_send_str(&c[i], "*2\r\n$3\r\nSET\r\n$524288000\r\n");
        hs_send(&c[i], chunk, sizeof(chunk));
    }
    after = settled_rss_kb();
    cr_assert_lt(after - before, 64 * 1024,
                 "RSS grew by %ld KiB for %d clients sending 4 KB each",
                 after - before, FLOOD_CLIENTS);
    assert_watcher_served();
    for (int i = 0; i < FLOOD_CLIENTS; i++)
        hs_close(&c[i]);
}
