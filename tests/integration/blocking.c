/* blocking.c -- blocking list pops (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP)
 * and CLIENT UNBLOCK, with several connections, against the rules of Redis
 * 7.0: who is served, in which order, when, and what a timeout, an unblock,
 * a disconnection or a change of the key does to the waiters.  Every
 * expected reply was checked against redis-server 7.0.15 (RESPD=
 * /usr/bin/redis-server).
 *
 * Connections race each other, so a test that needs clients blocked in a
 * given order waits, between two of them, until INFO reports the first one
 * blocked (wait_blocked). */
#include <criterion/criterion.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define SILENCE_MS      150  /* how long "no reply" is watched for */
#define WAIT_BLOCKED_MS 5000 /* for INFO to show the clients blocked */
#define MANY_WAITERS    1000
#define MANY_ELEMENTS   100000
#define POPS_PER_WAITER (MANY_ELEMENTS / MANY_WAITERS)
#define MAX_PUSH_BATCH  19

static struct hs_server srv;

static void start_server(void)
{
    cr_assert_eq(hs_start(&srv, NULL), 0, "server did not start");
}

static void stop_server(void)
{
    hs_stop(&srv);
}

TestSuite(blocking, .init = start_server, .fini = stop_server, .timeout = 60);

/* --- helpers ------------------------------------------------------------ */

static void open_client(struct hs_client *c)
{
    cr_assert_eq(hs_connect(&srv, c), 0, "cannot connect");
}

/* The integer field `name` of INFO's reply on c, or -1. */
static long long info_field(struct hs_client *c, const char *name)
{
    struct hs_reply r;
    char pat[64];
    const char *p;
    long long v = -1;

    hs_cmd(c, "INFO", "clients", NULL);
    cr_assert_eq(hs_read_reply(c, HS_TIMEOUT_MS, &r), HS_OK);
    snprintf(pat, sizeof(pat), "\r\n%s:", name);
    p = strstr(r.raw, pat);
    if (p != NULL)
        v = atoll(p + strlen(pat));
    hs_reply_free(&r);
    return v;
}

/* Wait until the server reports n blocked clients (asked through c). */
static void wait_blocked(struct hs_client *c, long long n)
{
    long long deadline = hs_now_ms() + WAIT_BLOCKED_MS;
    long long now_blocked;

    while ((now_blocked = info_field(c, "blocked_clients")) != n) {
        cr_assert(hs_now_ms() < deadline,
                  "expected %lld blocked clients, server reports %lld", n,
                  now_blocked);
        hs_sleep_ms(2);
    }
}

/* Nothing arrives on c for a while. */
static void assert_silent(struct hs_client *c)
{
    struct hs_reply r;
    int rc = hs_read_reply(c, SILENCE_MS, &r);

    if (rc == HS_OK) {
        const char *got = hs_escape(r.raw, r.raw_len, 200);
        hs_reply_free(&r);
        cr_assert_fail("expected no reply yet, got \"%s\"", got);
    }
    cr_assert_eq(rc, HS_TIMEOUT, "connection failed while waiting");
}

/* The reply BLPOP and BRPOP give: key and element. */
static const char *pair_reply(const char *key, const char *val)
{
    static char buf[256];

    snprintf(buf, sizeof(buf), "*2\r\n$%zu\r\n%s\r\n$%zu\r\n%s\r\n",
             strlen(key), key, strlen(val), val);
    return buf;
}

static const char *bulk_reply(const char *val)
{
    static char buf[256];

    snprintf(buf, sizeof(buf), "$%zu\r\n%s\r\n", strlen(val), val);
    return buf;
}

static long long client_id(struct hs_client *c)
{
    struct hs_reply r;
    long long id;

    hs_cmd(c, "CLIENT", "ID", NULL);
    cr_assert_eq(hs_read_reply(c, HS_TIMEOUT_MS, &r), HS_OK);
    id = r.reply->integer;
    hs_reply_free(&r);
    return id;
}

static void skip_reply(struct hs_client *c)
{
    struct hs_reply r;

    cr_assert_eq(hs_read_reply(c, HS_TIMEOUT_MS, &r), HS_OK);
    hs_reply_free(&r);
}

static void use_resp3(struct hs_client *c)
{
    hs_cmd(c, "HELLO", "3", NULL);
    skip_reply(c);
}

/* The flags field of c's line in CLIENT LIST (asked through asker). */
static void client_flags(struct hs_client *asker, long long id, char *out,
                         size_t cap)
{
    struct hs_reply r;
    char pat[48];
    const char *line, *flags;

    hs_cmd(asker, "CLIENT", "LIST", NULL);
    cr_assert_eq(hs_read_reply(asker, HS_TIMEOUT_MS, &r), HS_OK);
    snprintf(pat, sizeof(pat), "id=%lld ", id);
    line = strstr(r.raw, pat);
    cr_assert(line != NULL, "client %lld not listed", id);
    flags = strstr(line, " flags=");
    cr_assert(flags != NULL);
    flags += strlen(" flags=");
    snprintf(out, cap, "%.*s", (int)strcspn(flags, " "), flags);
    hs_reply_free(&r);
}

/* --- who is served ------------------------------------------------------ */

Test(blocking, waiters_of_one_key_are_served_in_the_order_they_blocked)
{
    struct hs_client w[3], p;
    char val[8];

    open_client(&p);
    for (int i = 0; i < 3; i++) {
        open_client(&w[i]);
        hs_cmd(&w[i], "BLPOP", "q", "0", NULL);
        wait_blocked(&p, i + 1);
    }
    for (int i = 0; i < 3; i++) {
        snprintf(val, sizeof(val), "v%d", i);
        hs_cmd(&p, "RPUSH", "q", val, NULL);
        hs_assert_reply(&p, ":1\r\n");
        hs_assert_reply(&w[i], pair_reply("q", val));
        for (int j = i + 1; j < 3; j++)
            assert_silent(&w[j]);
    }
    hs_cmd(&p, "EXISTS", "q", NULL);
    hs_assert_reply(&p, ":0\r\n");
}

Test(blocking, one_push_of_several_elements_serves_several_waiters_in_order)
{
    struct hs_client w[3], p;

    open_client(&p);
    for (int i = 0; i < 3; i++) {
        open_client(&w[i]);
        hs_cmd(&w[i], "BRPOP", "q", "0", NULL);
        wait_blocked(&p, i + 1);
    }
    hs_cmd(&p, "LPUSH", "q", "a", "b", NULL);
    hs_assert_reply(&p, ":2\r\n");
    hs_assert_reply(&w[0], pair_reply("q", "a"));
    hs_assert_reply(&w[1], pair_reply("q", "b"));
    assert_silent(&w[2]);
    wait_blocked(&p, 1);
}

Test(blocking, a_client_on_several_keys_is_served_by_the_first_to_get_data)
{
    struct hs_client w, p;

    open_client(&w);
    open_client(&p);
    hs_cmd(&w, "BLPOP", "k1", "k2", "k3", "0", NULL);
    wait_blocked(&p, 1);
    hs_cmd(&p, "RPUSH", "k3", "x", NULL);
    hs_assert_reply(&p, ":1\r\n");
    hs_assert_reply(&w, pair_reply("k3", "x"));

    /* Unblocked from every key: a later push to another stays there. */
    hs_cmd(&p, "RPUSH", "k1", "y", NULL);
    hs_assert_reply(&p, ":1\r\n");
    assert_silent(&w);
    hs_cmd(&p, "LLEN", "k1", NULL);
    hs_assert_reply(&p, ":1\r\n");
}

Test(blocking, data_already_present_is_taken_from_the_first_key_holding_it)
{
    struct hs_client c;

    open_client(&c);
    hs_cmd(&c, "RPUSH", "k2", "x", NULL);
    hs_assert_reply(&c, ":1\r\n");
    hs_cmd(&c, "RPUSH", "k3", "y", NULL);
    hs_assert_reply(&c, ":1\r\n");
    hs_cmd(&c, "BLPOP", "k1", "k3", "k2", "0", NULL);
    hs_assert_reply(&c, pair_reply("k3", "y"));
    hs_cmd(&c, "BRPOP", "k1", "k2", "k3", "0", NULL);
    hs_assert_reply(&c, pair_reply("k2", "x"));
}

Test(blocking, a_key_given_twice_is_waited_on_once)
{
    struct hs_client w, p;

    open_client(&w);
    open_client(&p);
    hs_cmd(&w, "BLPOP", "k", "k", "0", NULL);
    wait_blocked(&p, 1);
    hs_cmd(&p, "RPUSH", "k", "1", "2", NULL);
    hs_assert_reply(&p, ":2\r\n");
    hs_assert_reply(&w, pair_reply("k", "1"));
    hs_cmd(&p, "LRANGE", "k", "0", "-1", NULL);
    hs_assert_reply(&p, "*1\r\n$1\r\n2\r\n");
}

Test(blocking, a_push_in_another_database_does_not_wake_the_waiter)
{
    struct hs_client w, p;

    open_client(&w);
    open_client(&p);
    hs_cmd(&w, "SELECT", "1", NULL);
    hs_assert_reply(&w, "+OK\r\n");
    hs_cmd(&w, "BLPOP", "k", "0", NULL);
    wait_blocked(&p, 1);
    hs_cmd(&p, "RPUSH", "k", "db0", NULL);
    hs_assert_reply(&p, ":1\r\n");
    assert_silent(&w);
    hs_cmd(&p, "SELECT", "1", NULL);
    hs_assert_reply(&p, "+OK\r\n");
    hs_cmd(&p, "RPUSH", "k", "db1", NULL);
    hs_assert_reply(&p, ":1\r\n");
    hs_assert_reply(&w, pair_reply("k", "db1"));
}

Test(blocking, blmpop_wakes_with_up_to_count_elements_of_the_first_key)
{
    struct hs_client w, p;

    open_client(&w);
    open_client(&p);
    hs_cmd(&w, "BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "2", NULL);
    wait_blocked(&p, 1);
    hs_cmd(&p, "RPUSH", "b", "1", "2", "3", NULL);
    hs_assert_reply(&p, ":3\r\n");
    hs_assert_reply(&w, "*2\r\n$1\r\nb\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n");
}

/* --- pipelines behind a blocked pop ------------------------------------- */

Test(blocking, requests_pipelined_after_a_blocking_pop_run_once_it_is_served)
{
    struct hs_client w, p;

    open_client(&w);
    open_client(&p);
    hs_send_str(&w, "BLPOP k 0\r\nPING\r\nLLEN k\r\n");
    wait_blocked(&p, 1);
    assert_silent(&w);
    hs_cmd(&p, "RPUSH", "k", "a", "b", NULL);
    hs_assert_reply(&p, ":2\r\n");
    hs_assert_reply(&w, pair_reply("k", "a"));
    hs_assert_reply(&w, "+PONG\r\n");
    hs_assert_reply(&w, ":1\r\n");
}

/* One push of two elements with A (two pops pipelined) and then B waiting:
 * A's second pop runs only after the push is served, so B gets the second
 * element and A blocks again. */
Test(blocking, a_served_clients_next_pop_does_not_overtake_other_waiters)
{
    struct hs_client a, b, p;

    open_client(&a);
    open_client(&b);
    open_client(&p);
    hs_send_str(&a, "BLPOP k 0\r\nBLPOP k 0\r\n");
    wait_blocked(&p, 1);
    hs_cmd(&b, "BLPOP", "k", "0", NULL);
    wait_blocked(&p, 2);
    hs_cmd(&p, "RPUSH", "k", "1", "2", NULL);
    hs_assert_reply(&p, ":2\r\n");
    hs_assert_reply(&a, pair_reply("k", "1"));
    hs_assert_reply(&b, pair_reply("k", "2"));
    wait_blocked(&p, 1);
    hs_cmd(&p, "RPUSH", "k", "3", NULL);
    hs_assert_reply(&p, ":1\r\n");
    hs_assert_reply(&a, pair_reply("k", "3"));
}

/* --- timeouts ----------------------------------------------------------- */

static long long timed_pop(struct hs_client *c, const char *timeout,
                           const char *want)
{
    long long start = hs_now_ms();

    hs_cmd(c, "BRPOP", "empty", timeout, NULL);
    hs_assert_reply(c, want);
    return hs_now_ms() - start;
}

Test(blocking, a_fractional_timeout_expires_with_a_null_array)
{
    struct hs_client c;
    long long took;

    open_client(&c);
    took = timed_pop(&c, "0.1", "*-1\r\n");
    cr_assert(took >= 95 && took < 600, "0.1 s timeout took %lld ms", took);
    took = timed_pop(&c, "0.25", "*-1\r\n");
    cr_assert(took >= 245 && took < 750, "0.25 s timeout took %lld ms", took);
}

Test(blocking, a_timeout_in_resp3_is_a_null)
{
    struct hs_client c;
    long long took;

    open_client(&c);
    use_resp3(&c);
    took = timed_pop(&c, "0.1", "_\r\n");
    cr_assert(took >= 95 && took < 600, "0.1 s timeout took %lld ms", took);
}

/* BLPOP, BRPOP, BLMOVE, BRPOPLPUSH and BLMPOP all time out the same way. */
static void every_blocking_command_times_out_with(int resp3, const char *want)
{
    static const char *const cmds[][8] = {
        {"BLPOP", "x", "0.05", NULL},
        {"BRPOP", "x", "y", "0.05", NULL},
        {"BLMOVE", "x", "y", "LEFT", "RIGHT", "0.05", NULL},
        {"BRPOPLPUSH", "x", "y", "0.05", NULL},
        {"BLMPOP", "0.05", "1", "x", "LEFT", NULL},
    };
    enum { N = sizeof(cmds) / sizeof(cmds[0]) };
    struct hs_client c[N];
    char *buf;
    size_t len;

    for (int i = 0; i < N; i++) {
        int argc = 0;
        size_t lens[8];

        open_client(&c[i]);
        if (resp3)
            use_resp3(&c[i]);
        while (cmds[i][argc] != NULL) {
            lens[argc] = strlen(cmds[i][argc]);
            argc++;
        }
        buf = NULL;
        len = 0;
        hs_encode(&buf, &len, argc, cmds[i], lens);
        hs_send(&c[i], buf, len);
        free(buf);
    }
    for (int i = 0; i < N; i++)
        hs_assert_reply(&c[i], want);
}

Test(blocking, every_blocking_command_times_out_with_a_null_array_in_resp2)
{
    every_blocking_command_times_out_with(0, "*-1\r\n");
}

Test(blocking, every_blocking_command_times_out_with_a_null_in_resp3)
{
    every_blocking_command_times_out_with(1, "_\r\n");
}

Test(blocking, a_zero_timeout_waits_until_data_arrives)
{
    struct hs_client w, p;

    open_client(&w);
    open_client(&p);
    hs_cmd(&w, "BLPOP", "k", "0", NULL);
    wait_blocked(&p, 1);
    hs_sleep_ms(300);
    assert_silent(&w);
    hs_cmd(&p, "LPUSH", "k", "late", NULL);
    hs_assert_reply(&p, ":1\r\n");
    hs_assert_reply(&w, pair_reply("k", "late"));
}

/* The deadline goes with the wait: no second reply comes at the time the
 * timeout would have expired. */
Test(blocking, a_waiter_served_or_unblocked_before_its_deadline_hears_no_more)
{
    struct hs_client a, b, p;
    char id[32];

    open_client(&a);
    open_client(&b);
    open_client(&p);
    snprintf(id, sizeof(id), "%lld", client_id(&b));
    hs_cmd(&a, "BLPOP", "k", "0.2", NULL);
    hs_cmd(&b, "BLPOP", "other", "0.2", NULL);
    wait_blocked(&p, 2);
    hs_cmd(&p, "RPUSH", "k", "v", NULL);
    hs_assert_reply(&p, ":1\r\n");
    hs_assert_reply(&a, pair_reply("k", "v"));
    hs_cmd(&p, "CLIENT", "UNBLOCK", id, "ERROR", NULL);
    hs_assert_reply(&p, ":1\r\n");
    hs_assert_reply(&b, "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
    hs_sleep_ms(150);
    assert_silent(&a);
    assert_silent(&b);
}

Test(blocking, a_waiter_that_disconnects_before_its_deadline_is_forgotten)
{
    struct hs_client gone, p;

    open_client(&gone);
    open_client(&p);
    hs_cmd(&gone, "BLPOP", "k", "0.1", NULL);
    wait_blocked(&p, 1);
    hs_close(&gone);
    wait_blocked(&p, 0);
    hs_sleep_ms(200);
    hs_cmd(&p, "PING", NULL);
    hs_assert_reply(&p, "+PONG\r\n");
    cr_assert_eq(info_field(&p, "clients_in_timeout_table"), 0);
}

/* Redis rounds the timeout up to whole milliseconds: a tiny positive one
 * expires at once, a tiny negative one is 0, "forever". */
Test(blocking, timeouts_round_up_to_a_millisecond)
{
    struct hs_client w, p;

    open_client(&w);
    open_client(&p);
    timed_pop(&w, "0.0001", "*-1\r\n");
    hs_cmd(&w, "BLPOP", "k", "-0.0005", NULL);
    wait_blocked(&p, 1);
    hs_sleep_ms(100);
    assert_silent(&w);
    hs_cmd(&p, "RPUSH", "k", "v", NULL);
    hs_assert_reply(&p, ":1\r\n");
    hs_assert_reply(&w, pair_reply("k", "v"));
}

Test(blocking, timeouts_that_are_not_numbers_or_negative_are_refused)
{
    static const char *const not_float[] = {"abc", "", " 1", "1 ", "nan", "1s"};
    static const char *const negative[] = {
        "-1",   "-0.5",  "-0.0010001",          "inf",
        "-inf", "1e400", "9223372036854775807", "9223372036854775808e-3"};
    struct hs_client c;

    open_client(&c);
    for (size_t i = 0; i < sizeof(not_float) / sizeof(not_float[0]); i++) {
        hs_cmd(&c, "BLPOP", "k", not_float[i], NULL);
        hs_assert_reply(&c, "-ERR timeout is not a float or out of range\r\n");
    }
    for (size_t i = 0; i < sizeof(negative) / sizeof(negative[0]); i++) {
        hs_cmd(&c, "BRPOP", "k", negative[i], NULL);
        hs_assert_reply(&c, "-ERR timeout is negative\r\n");
    }
    hs_cmd(&c, "BLMOVE", "a", "b", "LEFT", "LEFT", "-1", NULL);
    hs_assert_reply(&c, "-ERR timeout is negative\r\n");
    hs_cmd(&c, "BLMPOP", "x", "1", "a", "LEFT", NULL);
    hs_assert_reply(&c, "-ERR timeout is not a float or out of range\r\n");
}

/* Checked while the client still waits: once served it is idle like any
 * other, and Redis's cron may close it before its reply is written. */
Test(blocking, the_idle_timeout_does_not_close_a_blocked_client)
{
    struct hs_client w, idle, p;
    char flags[16];
    long long id;

    hs_stop(&srv);
    cr_assert_eq(hs_start(&srv, "--timeout", "1", NULL), 0);
    open_client(&w);
    open_client(&idle);
    id = client_id(&w);
    hs_cmd(&w, "BLPOP", "k", "0", NULL);
    wait_blocked(&idle, 1);
    cr_assert_eq(hs_wait_closed(&idle, 4000), HS_EOF,
                 "the idle client should have been closed");
    hs_sleep_ms(300);
    open_client(&p);
    cr_assert_eq(info_field(&p, "blocked_clients"), 1);
    client_flags(&p, id, flags, sizeof(flags));
    cr_assert_str_eq(flags, "b");
}

/* --- CLIENT UNBLOCK ----------------------------------------------------- */

Test(blocking, client_unblock_answers_the_waiter_as_a_timeout)
{
    struct hs_client w, p;
    char id[32];

    open_client(&w);
    open_client(&p);
    snprintf(id, sizeof(id), "%lld", client_id(&w));
    hs_send_str(&w, "BLPOP k 0\r\nPING\r\n");
    wait_blocked(&p, 1);
    hs_cmd(&p, "CLIENT", "UNBLOCK", id, NULL);
    hs_assert_reply(&p, ":1\r\n");
    hs_assert_reply(&w, "*-1\r\n");
    hs_assert_reply(&w, "+PONG\r\n");

    hs_cmd(&w, "BLMOVE", "a", "b", "LEFT", "LEFT", "0", NULL);
    wait_blocked(&p, 1);
    hs_cmd(&p, "CLIENT", "UNBLOCK", id, "TIMEOUT", NULL);
    hs_assert_reply(&p, ":1\r\n");
    hs_assert_reply(&w, "*-1\r\n");
    wait_blocked(&p, 0);
}

Test(blocking, client_unblock_error_answers_the_waiter_unblocked)
{
    struct hs_client w, p;
    char id[32];

    open_client(&w);
    open_client(&p);
    use_resp3(&w);
    snprintf(id, sizeof(id), "%lld", client_id(&w));
    hs_cmd(&w, "BRPOP", "k", "100", NULL);
    wait_blocked(&p, 1);
    hs_cmd(&p, "CLIENT", "UNBLOCK", id, "error", NULL);
    hs_assert_reply(&p, ":1\r\n");
    hs_assert_reply(&w, "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
    wait_blocked(&p, 0);

    /* Gone from the queue: the next push stays in the list. */
    hs_cmd(&p, "RPUSH", "k", "v", NULL);
    hs_assert_reply(&p, ":1\r\n");
    assert_silent(&w);
}

Test(blocking, client_unblock_of_a_client_not_blocked_answers_zero)
{
    struct hs_client c;
    char id[32];

    open_client(&c);
    snprintf(id, sizeof(id), "%lld", client_id(&c));
    hs_cmd(&c, "CLIENT", "UNBLOCK", id, NULL);
    hs_assert_reply(&c, ":0\r\n");
    hs_cmd(&c, "CLIENT", "UNBLOCK", "999999", "ERROR", NULL);
    hs_assert_reply(&c, ":0\r\n");
}

Test(blocking, client_unblock_checks_its_arguments_as_redis)
{
    struct hs_client c;

    open_client(&c);
    hs_cmd(&c, "CLIENT", "UNBLOCK", "1", "soon", NULL);
    hs_assert_reply(&c, "-ERR CLIENT UNBLOCK reason should be TIMEOUT or "
                        "ERROR\r\n");
    hs_cmd(&c, "CLIENT", "UNBLOCK", "abc", "soon", NULL);
    hs_assert_reply(&c, "-ERR CLIENT UNBLOCK reason should be TIMEOUT or "
                        "ERROR\r\n");
    hs_cmd(&c, "CLIENT", "UNBLOCK", "abc", NULL);
    hs_assert_reply(&c, "-ERR value is not an integer or out of range\r\n");
    hs_cmd(&c, "CLIENT", "UNBLOCK", "1", "error", "x", NULL);
    hs_assert_reply(&c, "-ERR unknown subcommand or wrong number of "
                        "arguments for 'UNBLOCK'. Try CLIENT HELP.\r\n");
    hs_cmd(&c, "CLIENT", "unblock", NULL);
    hs_assert_reply(&c, "-ERR wrong number of arguments for 'client|unblock' "
                        "command\r\n");
}

/* --- clients that go away ----------------------------------------------- */

Test(blocking, a_disconnected_waiter_never_takes_an_element)
{
    struct hs_client gone, w, p;

    open_client(&gone);
    open_client(&w);
    open_client(&p);
    hs_cmd(&gone, "BLPOP", "q", "0", NULL);
    wait_blocked(&p, 1);
    hs_cmd(&w, "BLPOP", "q", "0", NULL);
    wait_blocked(&p, 2);
    hs_close(&gone);
    wait_blocked(&p, 1);
    hs_cmd(&p, "RPUSH", "q", "x", "y", NULL);
    hs_assert_reply(&p, ":2\r\n");
    hs_assert_reply(&w, pair_reply("q", "x"));
    hs_cmd(&p, "LRANGE", "q", "0", "-1", NULL);
    hs_assert_reply(&p, "*1\r\n$1\r\ny\r\n");
}

/* The kill and the push arrive in one read: the killed waiter must not be
 * handed the element even if its socket is closed only afterwards. */
Test(blocking, a_killed_waiter_never_takes_an_element)
{
    struct hs_client killed, w, p;
    char id[32], *buf = NULL;
    size_t len = 0;

    open_client(&killed);
    open_client(&w);
    open_client(&p);
    snprintf(id, sizeof(id), "%lld", client_id(&killed));
    hs_cmd(&killed, "BLPOP", "q", "0", NULL);
    wait_blocked(&p, 1);
    hs_cmd(&w, "BLPOP", "q", "0", NULL);
    wait_blocked(&p, 2);

    const char *kill[] = {"CLIENT", "KILL", "ID", id};
    const char *push[] = {"RPUSH", "q", "x"};
    size_t kill_lens[] = {6, 4, 2, strlen(id)}, push_lens[] = {5, 1, 1};
    hs_encode(&buf, &len, 4, kill, kill_lens);
    hs_encode(&buf, &len, 3, push, push_lens);
    hs_send(&p, buf, len);
    free(buf);
    hs_assert_reply(&p, ":1\r\n");
    hs_assert_reply(&p, ":1\r\n");
    hs_assert_reply(&w, pair_reply("q", "x"));
    cr_assert_eq(hs_wait_closed(&killed, HS_TIMEOUT_MS), HS_EOF);
    hs_cmd(&p, "EXISTS", "q", NULL);
    hs_assert_reply(&p, ":0\r\n");
}

/* --- BLMOVE chains ------------------------------------------------------ */

Test(blocking, blmove_into_a_key_with_waiters_wakes_them_in_a_chain)
{
    struct hs_client a, b, c, p;

    open_client(&a);
    open_client(&b);
    open_client(&c);
    open_client(&p);
    hs_cmd(&a, "BLMOVE", "s1", "s2", "LEFT", "RIGHT", "0", NULL);
    hs_cmd(&b, "BRPOPLPUSH", "s2", "s3", "0", NULL);
    hs_cmd(&c, "BLPOP", "s3", "0", NULL);
    wait_blocked(&p, 3);
    hs_cmd(&p, "RPUSH", "s1", "v", NULL);
    hs_assert_reply(&p, ":1\r\n");
    hs_assert_reply(&a, bulk_reply("v"));
    hs_assert_reply(&b, bulk_reply("v"));
    hs_assert_reply(&c, pair_reply("s3", "v"));
    hs_cmd(&p, "EXISTS", "s1", "s2", "s3", NULL);
    hs_assert_reply(&p, ":0\r\n");
}

Test(blocking, blmove_of_a_list_onto_itself_keeps_serving_its_waiters)
{
    struct hs_client a, b, p;

    open_client(&a);
    open_client(&b);
    open_client(&p);
    hs_cmd(&a, "BLMOVE", "r", "r", "LEFT", "RIGHT", "0", NULL);
    wait_blocked(&p, 1);
    hs_cmd(&b, "BLPOP", "r", "0", NULL);
    wait_blocked(&p, 2);
    hs_cmd(&p, "RPUSH", "r", "1", "2", NULL);
    hs_assert_reply(&p, ":2\r\n");
    hs_assert_reply(&a, bulk_reply("1"));
    hs_assert_reply(&b, pair_reply("r", "2"));
    hs_cmd(&p, "LRANGE", "r", "0", "-1", NULL);
    hs_assert_reply(&p, "*1\r\n$1\r\n1\r\n");
}

/* Redis 7.0 answers WRONGTYPE to the BLMOVE waiter, leaves the element,
 * and goes on with the next waiter. */
Test(blocking, blmove_to_a_destination_of_another_type_answers_wrongtype)
{
    struct hs_client a, b, p;

    open_client(&a);
    open_client(&b);
    open_client(&p);
    hs_cmd(&p, "SET", "dst", "string", NULL);
    hs_assert_reply(&p, "+OK\r\n");
    hs_cmd(&a, "BLMOVE", "k", "dst", "LEFT", "RIGHT", "0", NULL);
    wait_blocked(&p, 1);
    hs_cmd(&b, "BLPOP", "k", "0", NULL);
    wait_blocked(&p, 2);
    hs_cmd(&p, "RPUSH", "k", "e", NULL);
    hs_assert_reply(&p, ":1\r\n");
    hs_assert_reply(&a, "-WRONGTYPE Operation against a key holding the "
                        "wrong kind of value\r\n");
    hs_assert_reply(&b, pair_reply("k", "e"));
    wait_blocked(&p, 0);
}

/* --- the key changing under its waiters --------------------------------- */

Test(blocking, set_of_a_waited_key_leaves_the_waiter_waiting)
{
    struct hs_client w, p;

    open_client(&w);
    open_client(&p);
    hs_cmd(&w, "BLPOP", "k", "0", NULL);
    wait_blocked(&p, 1);
    hs_cmd(&p, "SET", "k", "string", NULL);
    hs_assert_reply(&p, "+OK\r\n");
    assert_silent(&w);
    hs_cmd(&p, "LPUSH", "k", "v", NULL);
    hs_assert_reply(&p, "-WRONGTYPE Operation against a key holding the "
                        "wrong kind of value\r\n");
    hs_cmd(&p, "DEL", "k", NULL);
    hs_assert_reply(&p, ":1\r\n");
    assert_silent(&w);
    hs_cmd(&p, "LPUSH", "k", "v", NULL);
    hs_assert_reply(&p, ":1\r\n");
    hs_assert_reply(&w, pair_reply("k", "v"));
}

Test(blocking, rename_of_a_list_onto_a_waited_key_serves_the_waiter)
{
    struct hs_client w, p;

    open_client(&w);
    open_client(&p);
    hs_cmd(&w, "BLPOP", "dst", "0", NULL);
    wait_blocked(&p, 1);
    hs_cmd(&p, "RPUSH", "src", "v1", "v2", NULL);
    hs_assert_reply(&p, ":2\r\n");
    assert_silent(&w);
    hs_cmd(&p, "RENAME", "src", "dst", NULL);
    hs_assert_reply(&p, "+OK\r\n");
    hs_assert_reply(&w, pair_reply("dst", "v1"));
    hs_cmd(&p, "LRANGE", "dst", "0", "-1", NULL);
    hs_assert_reply(&p, "*1\r\n$2\r\nv2\r\n");
}

Test(blocking, flushall_leaves_the_waiters_waiting)
{
    struct hs_client w, p;

    open_client(&w);
    open_client(&p);
    hs_cmd(&w, "BLPOP", "k", "0", NULL);
    wait_blocked(&p, 1);
    hs_cmd(&p, "FLUSHALL", NULL);
    hs_assert_reply(&p, "+OK\r\n");
    assert_silent(&w);
    wait_blocked(&p, 1);
    hs_cmd(&p, "RPUSH", "k", "z", NULL);
    hs_assert_reply(&p, ":1\r\n");
    hs_assert_reply(&w, pair_reply("k", "z"));
}

/* The waiter stays with its database number; SWAPDB brings it a list. */
Test(blocking, swapdb_serves_waiters_of_a_key_that_now_holds_a_list)
{
    struct hs_client w, p;

    open_client(&w);
    open_client(&p);
    hs_cmd(&w, "BLPOP", "k", "0", NULL);
    wait_blocked(&p, 1);
    hs_cmd(&p, "SELECT", "1", NULL);
    hs_assert_reply(&p, "+OK\r\n");
    hs_cmd(&p, "RPUSH", "k", "from1", "second", NULL);
    hs_assert_reply(&p, ":2\r\n");
    assert_silent(&w);
    hs_cmd(&p, "SWAPDB", "0", "1", NULL);
    hs_assert_reply(&p, "+OK\r\n");
    hs_assert_reply(&w, pair_reply("k", "from1"));
    hs_cmd(&p, "SELECT", "0", NULL);
    hs_assert_reply(&p, "+OK\r\n");
    hs_cmd(&p, "LRANGE", "k", "0", "-1", NULL);
    hs_assert_reply(&p, "*1\r\n$6\r\nsecond\r\n");
}

Test(blocking, a_key_of_another_type_is_wrongtype_at_once_without_blocking)
{
    struct hs_client c;

    open_client(&c);
    hs_cmd(&c, "SET", "s", "1", NULL);
    hs_assert_reply(&c, "+OK\r\n");
    hs_cmd(&c, "RPUSH", "l", "1", NULL);
    hs_assert_reply(&c, ":1\r\n");
    hs_cmd(&c, "BLPOP", "s", "l", "0", NULL);
    hs_assert_reply(&c, "-WRONGTYPE Operation against a key holding the "
                        "wrong kind of value\r\n");
    hs_cmd(&c, "BLPOP", "missing", "s", "0", NULL);
    hs_assert_reply(&c, "-WRONGTYPE Operation against a key holding the "
                        "wrong kind of value\r\n");
}

/* --- transactions ------------------------------------------------------- */

static void exec_pushes(struct hs_client *p, const char *k1, const char *v1,
                        const char *k2, const char *v2)
{
    hs_cmd(p, "MULTI", NULL);
    hs_assert_reply(p, "+OK\r\n");
    hs_cmd(p, "RPUSH", k1, v1, NULL);
    hs_assert_reply(p, "+QUEUED\r\n");
    hs_cmd(p, "RPUSH", k2, v2, NULL);
    hs_assert_reply(p, "+QUEUED\r\n");
    hs_cmd(p, "EXEC", NULL);
    hs_assert_reply(p, "*2\r\n:1\r\n:1\r\n");
}

Test(blocking, inside_exec_the_key_pushed_first_serves_a_client_on_both)
{
    struct hs_client w, p;

    open_client(&w);
    open_client(&p);
    hs_cmd(&w, "BLPOP", "a", "b", "0", NULL);
    wait_blocked(&p, 1);
    exec_pushes(&p, "b", "vb", "a", "va");
    hs_assert_reply(&w, pair_reply("b", "vb"));
}

/* Two BLMOVE waiters move into one list: its order is the serving order,
 * which is the order of the pushes inside EXEC. */
Test(blocking, waiters_of_two_keys_pushed_in_one_exec_are_served_in_push_order)
{
    struct hs_client a, b, p;

    open_client(&a);
    open_client(&b);
    open_client(&p);
    hs_cmd(&a, "BLMOVE", "a", "out", "LEFT", "RIGHT", "0", NULL);
    wait_blocked(&p, 1);
    hs_cmd(&b, "BLMOVE", "b", "out", "LEFT", "RIGHT", "0", NULL);
    wait_blocked(&p, 2);
    exec_pushes(&p, "b", "1", "a", "2");
    hs_assert_reply(&a, bulk_reply("2"));
    hs_assert_reply(&b, bulk_reply("1"));
    hs_cmd(&p, "LRANGE", "out", "0", "-1", NULL);
    hs_assert_reply(&p, "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
}

Test(blocking, waiters_are_woken_only_after_the_whole_exec)
{
    struct hs_client w, p;

    open_client(&w);
    open_client(&p);
    hs_cmd(&w, "BLPOP", "q", "0", NULL);
    wait_blocked(&p, 1);
    hs_cmd(&p, "MULTI", NULL);
    hs_assert_reply(&p, "+OK\r\n");
    hs_cmd(&p, "RPUSH", "q", "x", NULL);
    hs_assert_reply(&p, "+QUEUED\r\n");
    hs_cmd(&p, "LPOP", "q", NULL);
    hs_assert_reply(&p, "+QUEUED\r\n");
    hs_cmd(&p, "EXEC", NULL);
    hs_assert_reply(&p, "*2\r\n:1\r\n$1\r\nx\r\n");
    assert_silent(&w);
    hs_cmd(&p, "RPUSH", "q", "y", NULL);
    hs_assert_reply(&p, ":1\r\n");
    hs_assert_reply(&w, pair_reply("q", "y"));
}

Test(blocking, a_blocking_pop_inside_multi_acts_as_its_non_blocking_form)
{
    struct hs_client c, p;

    open_client(&c);
    open_client(&p);
    hs_cmd(&c, "MULTI", NULL);
    hs_assert_reply(&c, "+OK\r\n");
    hs_cmd(&c, "BLPOP", "none", "0", NULL);
    hs_assert_reply(&c, "+QUEUED\r\n");
    hs_cmd(&c, "BLMOVE", "none", "other", "LEFT", "LEFT", "0", NULL);
    hs_assert_reply(&c, "+QUEUED\r\n");
    hs_cmd(&c, "EXEC", NULL);
    hs_assert_reply(&c, "*2\r\n*-1\r\n$-1\r\n");
    cr_assert_eq(info_field(&p, "blocked_clients"), 0);
}

/* --- introspection ------------------------------------------------------ */

Test(blocking, info_and_client_list_show_blocked_clients)
{
    struct hs_client w[2], p;
    char flags[16];
    long long id = 0;

    open_client(&p);
    cr_assert_eq(info_field(&p, "blocked_clients"), 0);
    for (int i = 0; i < 2; i++) {
        open_client(&w[i]);
        id = client_id(&w[i]);
    }
    hs_cmd(&w[0], "BLPOP", "k", "0", NULL);
    hs_cmd(&w[1], "BRPOP", "k", "j", "30", NULL);
    wait_blocked(&p, 2);
    cr_assert_eq(info_field(&p, "clients_in_timeout_table"), 1);
    client_flags(&p, id, flags, sizeof(flags));
    cr_assert_str_eq(flags, "b");

    hs_cmd(&p, "RPUSH", "j", "v", NULL);
    hs_assert_reply(&p, ":1\r\n");
    hs_assert_reply(&w[1], pair_reply("j", "v"));
    cr_assert_eq(info_field(&p, "blocked_clients"), 1);
    cr_assert_eq(info_field(&p, "clients_in_timeout_table"), 0);
    client_flags(&p, id, flags, sizeof(flags));
    cr_assert_str_eq(flags, "N");
}

/* --- many clients ------------------------------------------------------- */

struct delivery {
    struct hs_client *waiters;
    unsigned char *seen; /* per element */
    long long *last;     /* per waiter: the last element it got */
    int *received;       /* per waiter */
    long long delivered;
};

/* Take every complete reply waiter i has, checking each element is new
 * and larger than the waiter's previous one. */
static void collect(struct delivery *d, int i)
{
    struct hs_reply r;

    while (hs_read_reply(&d->waiters[i], 0, &r) == HS_OK) {
        cr_assert(r.reply->type == RESP_ARRAY && r.reply->elements == 2,
                  "unexpected reply %s", hs_escape(r.raw, r.raw_len, 100));
        long long v = atoll(r.reply->element[1]->str);
        cr_assert(v >= 0 && v < MANY_ELEMENTS, "bad element %lld", v);
        cr_assert(!d->seen[v], "element %lld delivered twice", v);
        cr_assert(v > d->last[i], "waiter %d got %lld after %lld", i, v,
                  d->last[i]);
        d->seen[v] = 1;
        d->last[i] = v;
        d->received[i]++;
        d->delivered++;
        hs_reply_free(&r);
    }
}

/* Push every element with RPUSH, in batches of 1 to MAX_PUSH_BATCH. */
static void push_all(struct hs_client *p, long long *requests)
{
    char *buf = NULL, vals[MAX_PUSH_BATCH][16];
    const char *argv[MAX_PUSH_BATCH + 2] = {"RPUSH", "q"};
    size_t len = 0, lens[MAX_PUSH_BATCH + 2] = {5, 1};
    int next = 0, batch = 1;

    *requests = 0;
    while (next < MANY_ELEMENTS) {
        int n = 0;
        for (; n < batch && next < MANY_ELEMENTS; n++, next++) {
            lens[n + 2] =
                (size_t)snprintf(vals[n], sizeof(vals[n]), "%d", next);
            argv[n + 2] = vals[n];
        }
        hs_encode(&buf, &len, n + 2, argv, lens);
        (*requests)++;
        batch = batch % MAX_PUSH_BATCH + 1;
    }
    cr_assert_eq(hs_send(p, buf, len), 0);
    free(buf);
}

/* Drain replies from every connection until all elements arrived and the
 * pusher has all its replies. */
static void deliver_all(struct delivery *d, struct hs_client *p,
                        long long push_requests)
{
    struct pollfd *pfd = calloc(MANY_WAITERS + 1, sizeof(*pfd));
    long long deadline = hs_now_ms() + 40000, push_replies = 0;
    struct hs_reply r;

    for (int i = 0; i < MANY_WAITERS; i++)
        pfd[i] = (struct pollfd){.fd = d->waiters[i].fd, .events = POLLIN};
    pfd[MANY_WAITERS] = (struct pollfd){.fd = p->fd, .events = POLLIN};
    while (d->delivered < MANY_ELEMENTS || push_replies < push_requests) {
        cr_assert(hs_now_ms() < deadline,
                  "only %lld elements delivered, %lld push replies",
                  d->delivered, push_replies);
        if (poll(pfd, MANY_WAITERS + 1, 1000) <= 0)
            continue;
        for (int i = 0; i < MANY_WAITERS; i++)
            if (pfd[i].revents)
                collect(d, i);
        if (pfd[MANY_WAITERS].revents) {
            while (hs_read_reply(p, 0, &r) == HS_OK) {
                cr_assert_eq(r.reply->type, RESP_INTEGER);
                push_replies++;
                hs_reply_free(&r);
            }
        }
    }
    free(pfd);
}

/* 1,000 clients wait on one list with 100 pops each pipelined; 100,000
 * elements pushed in batches reach them each exactly once, every client
 * seeing them in push order, and nothing is left over. */
Test(blocking, thousand_waiters_share_a_hundred_thousand_pushes_exactly_once,
     .timeout = 60)
{
    static struct hs_client waiters[MANY_WAITERS];
    static unsigned char seen[MANY_ELEMENTS];
    static long long last[MANY_WAITERS];
    static int received[MANY_WAITERS];
    struct delivery d = {waiters, seen, last, received, 0};
    struct hs_client p;
    char *pops = NULL;
    size_t pops_len = 0, lens[] = {5, 1, 1};
    const char *pop[] = {"BLPOP", "q", "0"};
    long long push_requests;

    for (int i = 0; i < POPS_PER_WAITER; i++)
        hs_encode(&pops, &pops_len, 3, pop, lens);
    open_client(&p);
    for (int i = 0; i < MANY_WAITERS; i++) {
        open_client(&waiters[i]);
        cr_assert_eq(hs_send(&waiters[i], pops, pops_len), 0);
        last[i] = -1;
    }
    free(pops);
    wait_blocked(&p, MANY_WAITERS);

    push_all(&p, &push_requests);
    deliver_all(&d, &p, push_requests);
    for (int i = 0; i < MANY_WAITERS; i++)
        cr_assert_eq(received[i], POPS_PER_WAITER, "waiter %d got %d", i,
                     received[i]);
    hs_cmd(&p, "EXISTS", "q", NULL);
    hs_assert_reply(&p, ":0\r\n");
    cr_assert_eq(info_field(&p, "blocked_clients"), 0);
    for (int i = 0; i < MANY_WAITERS; i++)
        hs_close(&waiters[i]);
}
