/* pipeline.c -- requests arrive however TCP slices them.
 *
 * Redis answers every complete request in a read, in order, and keeps a
 * partial one until the rest arrives, whether that is one byte later or in
 * several large chunks.  Values are binary-safe. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define PIPELINE_COUNT   1000
#define BIG_VALUE_LEN    (300 * 1024)
#define BIG_VALUE_CHUNKS 6

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

TestSuite(pipeline, .init = setup, .fini = teardown, .timeout = 60);

/* Send bytes one send() at a time with a pause, so the server sees each
 * in its own read. */
static void send_byte_by_byte(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(hs_send(&cli, p + i, 1), 0);
        hs_sleep_ms(1);
    }
}

Test(pipeline, thousand_commands_in_one_write_are_answered_in_order)
{
    char *req = NULL, want[32];
    size_t len = 0;
    const char *argv[] = {"INCR", "counter"};

    for (int i = 0; i < PIPELINE_COUNT; i++)
        hs_encode(&req, &len, 2, argv, NULL);
    cr_assert_eq(hs_send(&cli, req, len), 0);
    free(req);

    for (int i = 1; i <= PIPELINE_COUNT; i++) {
        snprintf(want, sizeof(want), ":%d\r\n", i);
        hs_assert_reply(&cli, want);
    }
}

Test(pipeline, mixed_inline_and_multibulk_requests_in_one_write)
{
    hs_send_str(&cli, "PING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
                      "GET k\r\n*1\r\n$4\r\nPING\r\n");
    hs_assert_reply(&cli, "+PONG\r\n");
    hs_assert_reply(&cli, "+OK\r\n");
    hs_assert_reply(&cli, "$1\r\nv\r\n");
    hs_assert_reply(&cli, "+PONG\r\n");
}

Test(pipeline, multibulk_request_sent_one_byte_at_a_time)
{
    const char *set = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
    const char *get = "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n";

    send_byte_by_byte(set, strlen(set));
    hs_assert_reply(&cli, "+OK\r\n");
    send_byte_by_byte(get, strlen(get));
    hs_assert_reply(&cli, "$5\r\nvalue\r\n");
}

Test(pipeline, inline_request_sent_one_byte_at_a_time)
{
    const char *req = "SET key \"two words\"\r\nGET key\r\n";

    send_byte_by_byte(req, strlen(req));
    hs_assert_reply(&cli, "+OK\r\n");
    hs_assert_reply(&cli, "$9\r\ntwo words\r\n");
}

Test(pipeline, nothing_is_answered_before_the_request_is_complete)
{
    struct hs_reply r;

    hs_send_str(&cli, "*2\r\n$4\r\nECHO\r\n$5\r\nhel");
    cr_assert_eq(hs_read_reply(&cli, 300, &r), HS_TIMEOUT,
                 "a reply came for an incomplete request");
    hs_send_str(&cli, "lo\r\n");
    hs_assert_reply(&cli, "$5\r\nhello\r\n");
}

Test(pipeline, large_set_arriving_in_chunks_is_stored_whole)
{
    char *value = malloc(BIG_VALUE_LEN), *req = NULL;
    const char *argv[] = {"SET", "big", value};
    size_t lens[] = {3, 3, BIG_VALUE_LEN}, len = 0, chunk;
    struct hs_reply r;

    for (size_t i = 0; i < BIG_VALUE_LEN; i++)
        value[i] = (char)('a' + i % 26);
    hs_encode(&req, &len, 3, argv, lens);
    chunk = len / BIG_VALUE_CHUNKS + 1;
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;

        cr_assert_eq(hs_send(&cli, req + off, n), 0);
        hs_sleep_ms(20);
    }
    hs_assert_reply(&cli, "+OK\r\n");

    hs_cmd(&cli, "GET", "big", NULL);
    cr_assert_eq(hs_read_reply(&cli, HS_TIMEOUT_MS, &r), HS_OK);
    cr_assert_eq(r.reply->type, RESP_STRING);
    cr_assert_eq(r.reply->len, BIG_VALUE_LEN);
    cr_assert(memcmp(r.reply->str, value, BIG_VALUE_LEN) == 0);
    hs_reply_free(&r);
    free(req);
    free(value);
}

Test(pipeline, values_with_nul_cr_and_lf_are_binary_safe)
{
    static const char value[] = "a\0b\r\nc\r\n$3\r\n*1\r\n\0\n\r";
    static const char key[] = "k\0\r\n";
    const char *set[] = {"SET", key, value}, *get[] = {"GET", key};
    size_t set_lens[] = {3, sizeof(key) - 1, sizeof(value) - 1};
    size_t get_lens[] = {3, sizeof(key) - 1};
    char *req = NULL, want[64];
    size_t len = 0;
    int n;

    hs_encode(&req, &len, 3, set, set_lens);
    hs_encode(&req, &len, 2, get, get_lens);
    hs_send(&cli, req, len);
    free(req);

    hs_assert_reply(&cli, "+OK\r\n");
    n = snprintf(want, sizeof(want), "$%zu\r\n", sizeof(value) - 1);
    memcpy(want + n, value, sizeof(value) - 1);
    memcpy(want + n + sizeof(value) - 1, "\r\n", 2);
    cr_assert_null(hs_check_reply(&cli, want, (size_t)n + sizeof(value) + 1));
}

Test(pipeline, replies_to_a_pipeline_split_mid_request_stay_in_order)
{
    char *req = NULL, want[64];
    size_t len = 0, half;

    for (int i = 0; i < 100; i++) {
        char num[16];
        const char *argv[] = {"ECHO", num};

        snprintf(num, sizeof(num), "msg-%d", i);
        hs_encode(&req, &len, 2, argv, NULL);
    }
    half = len / 2 + 3; /* inside a request, not on a boundary */
    hs_send(&cli, req, half);
    hs_sleep_ms(50);
    hs_send(&cli, req + half, len - half);
    free(req);

    for (int i = 0; i < 100; i++) {
        char num[16];

        snprintf(num, sizeof(num), "msg-%d", i);
        snprintf(want, sizeof(want), "$%zu\r\n%s\r\n", strlen(num), num);
        hs_assert_reply(&cli, want);
    }
}
