/* expire.c -- active expiry.
 *
 * Redis removes expired keys in the background even if nobody touches
 * them: the cron samples keys with a TTL and deletes the expired ones, so
 * 10,000 short-lived keys that are never read are gone within a second or
 * two and are counted in INFO's expired_keys. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define KEY_COUNT          10000
#define EXPIRY_DEADLINE_MS 2000

static struct hs_server srv;
static struct hs_client cli;

static void setup(void)
{
    cr_assert_eq(hs_start(&srv, NULL), 0, "server did not start");
    cr_assert_eq(hs_connect(&srv, &cli), 0);
}

static void teardown(void)
{
    hs_close(&cli);
    hs_stop(&srv);
}

TestSuite(expire, .init = setup, .fini = teardown, .timeout = 30);

/* SET KEY_COUNT keys with PX ttl_ms in one pipeline. */
static void set_keys_with_ttl(const char *ttl_ms)
{
    char *req = NULL, key[32];
    size_t len = 0;

    for (int i = 0; i < KEY_COUNT; i++) {
        const char *argv[] = {"SET", key, "v", "PX", ttl_ms};

        snprintf(key, sizeof(key), "volatile:%d", i);
        hs_encode(&req, &len, 5, argv, NULL);
    }
    cr_assert_eq(hs_send(&cli, req, len), 0);
    free(req);
    for (int i = 0; i < KEY_COUNT; i++)
        hs_assert_reply(&cli, "+OK\r\n");
}

static long long dbsize(void)
{
    struct hs_reply r;
    long long n;

    hs_cmd(&cli, "DBSIZE", NULL);
    cr_assert_eq(hs_read_reply(&cli, HS_TIMEOUT_MS, &r), HS_OK);
    cr_assert_eq(r.reply->type, RESP_INTEGER);
    n = r.reply->integer;
    hs_reply_free(&r);
    return n;
}

/* Wait until DBSIZE is 0; returns the milliseconds it took, or -1. */
static long long wait_empty(long long limit_ms)
{
    long long t0 = hs_now_ms();

    while (hs_now_ms() - t0 <= limit_ms) {
        if (dbsize() == 0)
            return hs_now_ms() - t0;
        hs_sleep_ms(50);
    }
    return -1;
}

Test(expire, unread_keys_with_px_50_are_removed_within_2s)
{
    long long took;

    set_keys_with_ttl("50");
    took = wait_empty(EXPIRY_DEADLINE_MS);
    cr_assert_geq(took, 0, "DBSIZE still %lld after %d ms", dbsize(),
                  EXPIRY_DEADLINE_MS);
}

Test(expire, actively_expired_keys_are_counted_in_info)
{
    struct hs_reply r;

    set_keys_with_ttl("50");
    cr_assert_geq(wait_empty(EXPIRY_DEADLINE_MS), 0);
    hs_cmd(&cli, "INFO", "stats", NULL);
    cr_assert_eq(hs_read_reply(&cli, HS_TIMEOUT_MS, &r), HS_OK);
    cr_assert_not_null(strstr(r.reply->str, "\r\nexpired_keys:10000\r\n"),
                       "INFO stats: %s", r.reply->str);
    hs_reply_free(&r);
}

Test(expire, keys_with_a_future_expiry_are_kept)
{
    set_keys_with_ttl("100000");
    hs_sleep_ms(500);
    cr_assert_eq(dbsize(), KEY_COUNT);
}
