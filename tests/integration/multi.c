/* multi.c -- transactions seen from several connections.
 *
 * What one connection alone can show (replies, EXECABORT, errors inside
 * EXEC, RESP3 shapes) is in tests/compat/multi.txt.  Here: a key WATCHed
 * by one client and changed by another, by every kind of write and by
 * expiry, as Redis 7.0 decides it; EXEC running with no other client in
 * between; clients that go away in the middle of a transaction; what
 * MONITOR shows; and how INFO counts transactions.  Every expected reply
 * was checked against redis-server 7.0.15 (RESPD=/usr/bin/redis-server). */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define EXPIRY_WAIT_MS    2000 /* active expiry removes a key within this */
#define DISCONNECT_ROUNDS 300
#define QUEUED_PER_ROUND  50
#define RSS_GROWTH_MAX_KB (8 * 1024)
#define ATOMIC_INCRS      1000

static struct hs_server srv;
static struct hs_client a, b; /* a watches and transacts; b interferes */

static void setup(void)
{
    cr_assert_eq(hs_start(&srv, NULL), 0, "server did not start");
    cr_assert_eq(hs_connect(&srv, &a), 0);
    cr_assert_eq(hs_connect(&srv, &b), 0);
}

static void teardown(void)
{
    hs_close(&a);
    hs_close(&b);
    hs_stop(&srv);
}

TestSuite(multi, .init = setup, .fini = teardown, .timeout = 60);

/* --- helpers ------------------------------------------------------------ */

/* Send one request (arguments NULL-terminated) and return its reply; the
 * caller frees it with hs_reply_free(). */
static struct hs_reply vcall(struct hs_client *c, va_list ap)
{
    const char *argv[HS_MAX_ARGS];
    int argc = 0;
    char *req = NULL;
    size_t len = 0;
    struct hs_reply r;

    for (const char *s; (s = va_arg(ap, const char *)) != NULL;)
        if (argc < HS_MAX_ARGS)
            argv[argc++] = s;
    hs_encode(&req, &len, argc, argv, NULL);
    cr_assert_eq(hs_send(c, req, len), 0, "send %s failed", argv[0]);
    free(req);
    cr_assert_eq(hs_read_reply(c, HS_TIMEOUT_MS, &r), HS_OK, "no reply to %s",
                 argv[0]);
    return r;
}

static struct hs_reply call(struct hs_client *c, ...) __attribute__((sentinel));
static struct hs_reply call(struct hs_client *c, ...)
{
    va_list ap;

    va_start(ap, c);
    struct hs_reply r = vcall(c, ap);
    va_end(ap);
    return r;
}

/* Send a request and ignore what it answers (setup steps). */
static void run(struct hs_client *c, ...) __attribute__((sentinel));
static void run(struct hs_client *c, ...)
{
    va_list ap;

    va_start(ap, c);
    struct hs_reply r = vcall(c, ap);
    va_end(ap);
    hs_reply_free(&r);
}

/* Send a request and require the exact reply bytes want. */
static void expect(struct hs_client *c, const char *want, ...)
    __attribute__((sentinel));
static void expect(struct hs_client *c, const char *want, ...)
{
    va_list ap;

    va_start(ap, want);
    struct hs_reply r = vcall(c, ap);
    va_end(ap);
    cr_assert(r.raw_len == strlen(want) && memcmp(r.raw, want, r.raw_len) == 0,
              "want %s, got %s", hs_escape(want, strlen(want), 200),
              hs_escape(r.raw, r.raw_len, 200));
    hs_reply_free(&r);
}

/* c runs MULTI, PING, EXEC: the transaction ran (want_ran) or the EXEC
 * answered a null array because a watched key changed. */
static void exec_ping(struct hs_client *c, int want_ran)
{
    expect(c, "+OK\r\n", "MULTI", NULL);
    expect(c, "+QUEUED\r\n", "PING", NULL);
    expect(c, want_ran ? "*1\r\n+PONG\r\n" : "*-1\r\n", "EXEC", NULL);
}

static void assert_exec_aborted(struct hs_client *c)
{
    exec_ping(c, 0);
}

static void assert_exec_runs(struct hs_client *c)
{
    exec_ping(c, 1);
}

/* Whether the server knows the command (lists and hashes arrive later). */
static int has_command(const char *name)
{
    struct hs_reply r = call(&b, "COMMAND", "INFO", name, NULL);
    int known = r.reply->type == RESP_ARRAY && r.reply->elements == 1 &&
                r.reply->element[0]->type == RESP_ARRAY;

    hs_reply_free(&r);
    return known;
}

static long long int_reply(struct hs_client *c, ...) __attribute__((sentinel));
static long long int_reply(struct hs_client *c, ...)
{
    va_list ap;

    va_start(ap, c);
    struct hs_reply r = vcall(c, ap);
    va_end(ap);
    cr_assert_eq(r.reply->type, RESP_INTEGER, "not an integer: %s",
                 hs_escape(r.raw, r.raw_len, 200));
    long long v = r.reply->integer;
    hs_reply_free(&r);
    return v;
}

/* Wait until the active expiry cycle has removed every key of b's db
 * (DBSIZE does not expire keys itself). */
static void wait_actively_expired(void)
{
    long long t0 = hs_now_ms();

    while (int_reply(&b, "DBSIZE", NULL) != 0) {
        cr_assert_lt(hs_now_ms() - t0, EXPIRY_WAIT_MS,
                     "active expiry left the key");
        hs_sleep_ms(20);
    }
}

/* A key w that is logically expired but still stored: active expiry off,
 * PX 50, then a pause. */
static void make_expired_but_present(void)
{
    expect(&b, "+OK\r\n", "DEBUG", "SET-ACTIVE-EXPIRE", "0", NULL);
    expect(&b, "+OK\r\n", "SET", "w", "v", "PX", "50", NULL);
    hs_sleep_ms(100);
    cr_assert_eq(int_reply(&b, "DBSIZE", NULL), 1);
}

/* --- writes by another client break the watch ---------------------------- */

Test(multi, set_by_another_client_aborts_exec)
{
    run(&b, "SET", "w", "1", NULL);
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    run(&b, "SET", "w", "2", NULL);
    assert_exec_aborted(&a);
    expect(&a, "$1\r\n2\r\n", "GET", "w", NULL);
}

Test(multi, same_value_written_again_still_aborts_exec)
{
    run(&b, "SET", "w", "1", NULL);
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    run(&b, "SET", "w", "1", NULL);
    assert_exec_aborted(&a);
}

Test(multi, del_by_another_client_aborts_exec)
{
    run(&b, "SET", "w", "1", NULL);
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, ":1\r\n", "DEL", "w", NULL);
    assert_exec_aborted(&a);
}

Test(multi, expire_by_another_client_aborts_exec)
{
    run(&b, "SET", "w", "1", NULL);
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, ":1\r\n", "EXPIRE", "w", "1000", NULL);
    assert_exec_aborted(&a);
}

Test(multi, persist_by_another_client_aborts_exec)
{
    run(&b, "SET", "w", "1", "EX", "1000", NULL);
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, ":1\r\n", "PERSIST", "w", NULL);
    assert_exec_aborted(&a);
}

Test(multi, rename_from_the_watched_key_aborts_exec)
{
    run(&b, "SET", "w", "1", NULL);
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, "+OK\r\n", "RENAME", "w", "elsewhere", NULL);
    assert_exec_aborted(&a);
}

Test(multi, rename_onto_the_watched_key_aborts_exec)
{
    run(&b, "SET", "other", "1", NULL);
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, "+OK\r\n", "RENAME", "other", "w", NULL);
    assert_exec_aborted(&a);
}

Test(multi, flushdb_by_another_client_aborts_exec)
{
    run(&b, "SET", "w", "1", NULL);
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, "+OK\r\n", "FLUSHDB", NULL);
    assert_exec_aborted(&a);
}

Test(multi, flushall_from_another_db_aborts_exec)
{
    expect(&a, "+OK\r\n", "SELECT", "3", NULL);
    run(&a, "SET", "w", "1", NULL);
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, "+OK\r\n", "FLUSHALL", NULL);
    assert_exec_aborted(&a);
}

Test(multi, flush_of_a_db_without_the_key_leaves_exec_alone)
{
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    run(&b, "SET", "unrelated", "1", NULL);
    expect(&b, "+OK\r\n", "FLUSHDB", NULL);
    expect(&b, "+OK\r\n", "FLUSHALL", NULL);
    assert_exec_runs(&a);
}

Test(multi, swapdb_with_the_key_on_either_side_aborts_exec)
{
    run(&b, "SET", "w", "1", NULL);
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, "+OK\r\n", "SWAPDB", "0", "1", NULL);
    assert_exec_aborted(&a);

    /* Now w exists only in db 1: swapping it back into db 0 changes it. */
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, "+OK\r\n", "SWAPDB", "1", "0", NULL);
    assert_exec_aborted(&a);
}

Test(multi, swapdb_of_two_dbs_without_the_key_leaves_exec_alone)
{
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    run(&b, "SET", "other", "1", NULL);
    expect(&b, "+OK\r\n", "SWAPDB", "0", "1", NULL);
    assert_exec_runs(&a);
}

Test(multi, incr_by_another_client_aborts_exec)
{
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, ":1\r\n", "INCR", "w", NULL);
    assert_exec_aborted(&a);
}

Test(multi, append_by_another_client_aborts_exec)
{
    run(&b, "SET", "w", "1", NULL);
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, ":2\r\n", "APPEND", "w", "x", NULL);
    assert_exec_aborted(&a);
}

Test(multi, mset_by_another_client_aborts_exec)
{
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, "+OK\r\n", "MSET", "x", "1", "w", "2", NULL);
    assert_exec_aborted(&a);
}

Test(multi, lpush_by_another_client_aborts_exec)
{
    if (!has_command("lpush"))
        cr_skip_test("LPUSH is not implemented yet");
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, ":1\r\n", "LPUSH", "w", "x", NULL);
    assert_exec_aborted(&a);
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, "$1\r\nx\r\n", "RPOP", "w", NULL);
    assert_exec_aborted(&a);
}

Test(multi, hset_by_another_client_aborts_exec)
{
    if (!has_command("hset"))
        cr_skip_test("HSET is not implemented yet");
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, ":1\r\n", "HSET", "w", "f", "v", NULL);
    assert_exec_aborted(&a);
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, ":1\r\n", "HDEL", "w", "f", NULL);
    assert_exec_aborted(&a);
}

Test(multi, writes_that_change_nothing_leave_exec_alone)
{
    run(&b, "SET", "w", "1", NULL);
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, "$-1\r\n", "SET", "w", "2", "NX", NULL);
    expect(&b, ":0\r\n", "PERSIST", "w", NULL);
    expect(&b, "+OK\r\n", "RENAME", "w", "w", NULL);
    expect(&b, ":0\r\n", "DEL", "missing", NULL);
    expect(&b, "$1\r\n1\r\n", "GET", "w", NULL);
    assert_exec_runs(&a);
}

Test(multi, a_key_of_the_same_name_in_another_db_is_another_key)
{
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, "+OK\r\n", "SELECT", "1", NULL);
    expect(&b, "+OK\r\n", "SET", "w", "1", NULL);
    assert_exec_runs(&a);
}

Test(multi, missing_key_created_by_another_client_aborts_exec)
{
    expect(&a, "+OK\r\n", "WATCH", "missing", NULL);
    expect(&b, "+OK\r\n", "SET", "missing", "now", NULL);
    assert_exec_aborted(&a);
}

Test(multi, every_client_watching_the_key_is_aborted)
{
    struct hs_client c;

    cr_assert_eq(hs_connect(&srv, &c), 0);
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&c, "+OK\r\n", "WATCH", "other", "w", NULL);
    expect(&b, ":1\r\n", "INCR", "w", NULL);
    assert_exec_aborted(&a);
    assert_exec_aborted(&c);
    hs_close(&c);
}

Test(multi, one_changed_key_of_several_watched_aborts_exec)
{
    expect(&a, "+OK\r\n", "WATCH", "k1", "k2", NULL);
    expect(&a, "+OK\r\n", "WATCH", "k3", NULL);
    expect(&b, ":1\r\n", "INCR", "k3", NULL);
    assert_exec_aborted(&a);
}

Test(multi, another_transaction_writing_the_key_aborts_exec)
{
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, "+OK\r\n", "MULTI", NULL);
    expect(&b, "+QUEUED\r\n", "SET", "w", "from-b", NULL);
    expect(&b, "*1\r\n+OK\r\n", "EXEC", NULL);
    assert_exec_aborted(&a);
}

Test(multi, change_while_queueing_aborts_exec)
{
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&a, "+OK\r\n", "MULTI", NULL);
    expect(&a, "+QUEUED\r\n", "SET", "w", "from-a", NULL);
    expect(&b, "+OK\r\n", "SET", "w", "from-b", NULL);
    expect(&a, "*-1\r\n", "EXEC", NULL);
    expect(&a, "$6\r\nfrom-b\r\n", "GET", "w", NULL);
}

/* --- expiry ------------------------------------------------------------- */

Test(multi, key_removed_by_active_expiry_after_watch_aborts_exec)
{
    expect(&b, "+OK\r\n", "SET", "w", "v", "PX", "50", NULL);
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    wait_actively_expired();
    assert_exec_aborted(&a);
}

Test(multi, key_expired_but_still_stored_at_exec_aborts_exec)
{
    expect(&b, "+OK\r\n", "DEBUG", "SET-ACTIVE-EXPIRE", "0", NULL);
    expect(&b, "+OK\r\n", "SET", "w", "v", "PX", "50", NULL);
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    hs_sleep_ms(100);
    cr_assert_eq(int_reply(&b, "DBSIZE", NULL), 1, "the key should be stored");
    assert_exec_aborted(&a);
}

Test(multi, key_removed_by_another_clients_read_after_expiry_aborts_exec)
{
    expect(&b, "+OK\r\n", "DEBUG", "SET-ACTIVE-EXPIRE", "0", NULL);
    expect(&b, "+OK\r\n", "SET", "w", "v", "PX", "50", NULL);
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    hs_sleep_ms(100);
    expect(&b, "$-1\r\n", "GET", "w", NULL);
    cr_assert_eq(int_reply(&b, "DBSIZE", NULL), 0);
    assert_exec_aborted(&a);
}

Test(multi, key_already_expired_at_watch_is_no_change)
{
    make_expired_but_present();
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    assert_exec_runs(&a);
}

Test(multi, removal_of_a_key_expired_at_watch_is_no_change)
{
    make_expired_but_present();
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, "$-1\r\n", "GET", "w", NULL); /* deletes it */
    assert_exec_runs(&a);
}

Test(multi, active_expiry_of_a_key_expired_at_watch_is_no_change)
{
    make_expired_but_present();
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, "+OK\r\n", "DEBUG", "SET-ACTIVE-EXPIRE", "1", NULL);
    wait_actively_expired();
    assert_exec_runs(&a);
}

Test(multi, key_expired_at_watch_then_recreated_aborts_exec)
{
    make_expired_but_present();
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, "+OK\r\n", "SET", "w", "again", NULL);
    assert_exec_aborted(&a);
}

Test(multi, flushdb_of_a_key_expired_at_watch_is_no_change)
{
    make_expired_but_present();
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, "+OK\r\n", "FLUSHDB", NULL);
    assert_exec_runs(&a);
}

Test(multi, swapdb_bringing_a_live_key_over_an_expired_one_aborts_exec)
{
    make_expired_but_present();
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, "+OK\r\n", "SELECT", "1", NULL);
    expect(&b, "+OK\r\n", "SET", "w", "live", NULL);
    expect(&b, "+OK\r\n", "SWAPDB", "0", "1", NULL);
    assert_exec_aborted(&a);
}

Test(multi, swapdb_bringing_an_expired_key_over_a_missing_one_is_no_change)
{
    expect(&b, "+OK\r\n", "SELECT", "1", NULL);
    make_expired_but_present();
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, "+OK\r\n", "SWAPDB", "0", "1", NULL);
    assert_exec_runs(&a);
}

/* --- forgetting watches ------------------------------------------------- */

Test(multi, discard_forgets_the_watched_keys)
{
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&a, "+OK\r\n", "MULTI", NULL);
    expect(&a, "+OK\r\n", "DISCARD", NULL);
    expect(&b, "+OK\r\n", "SET", "w", "1", NULL);
    assert_exec_runs(&a);
}

Test(multi, unwatch_forgets_the_watched_keys)
{
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&a, "+OK\r\n", "UNWATCH", NULL);
    expect(&b, "+OK\r\n", "SET", "w", "1", NULL);
    assert_exec_runs(&a);
}

Test(multi, exec_forgets_the_watched_keys)
{
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    assert_exec_runs(&a);
    expect(&b, "+OK\r\n", "SET", "w", "1", NULL);
    assert_exec_runs(&a);
}

/* --- atomicity ---------------------------------------------------------- */

Test(multi, other_clients_are_answered_while_a_transaction_is_queued)
{
    expect(&a, "+OK\r\n", "MULTI", NULL);
    expect(&a, "+QUEUED\r\n", "SET", "k", "from-a", NULL);
    expect(&b, "$-1\r\n", "GET", "k", NULL);
    expect(&b, "+OK\r\n", "SET", "k", "from-b", NULL);
    expect(&a, "+QUEUED\r\n", "GET", "k", NULL);
    expect(&b, "$6\r\nfrom-b\r\n", "GET", "k", NULL);
    expect(&a, "*2\r\n+OK\r\n$6\r\nfrom-a\r\n", "EXEC", NULL);
}

/* a's EXEC pauses in the middle (DEBUG SLEEP); b's request, sent during
 * the pause, is answered only after the whole transaction. */
Test(multi, nothing_runs_between_the_queued_commands)
{
    expect(&a, "+OK\r\n", "MULTI", NULL);
    expect(&a, "+QUEUED\r\n", "SET", "k", "first", NULL);
    expect(&a, "+QUEUED\r\n", "DEBUG", "SLEEP", "0.3", NULL);
    expect(&a, "+QUEUED\r\n", "GET", "k", NULL);
    expect(&a, "+QUEUED\r\n", "SET", "k", "last", NULL);
    cr_assert_eq(hs_cmd(&a, "EXEC", NULL), 0);
    hs_sleep_ms(100);
    cr_assert_eq(hs_cmd(&b, "SET", "k", "from-b", NULL), 0);
    cr_assert_eq(hs_cmd(&b, "GET", "k", NULL), 0);

    hs_assert_reply(&a, "*4\r\n+OK\r\n+OK\r\n$5\r\nfirst\r\n+OK\r\n");
    hs_assert_reply(&b, "+OK\r\n");
    hs_assert_reply(&b, "$6\r\nfrom-b\r\n");
}

/* b reads the counter while a's EXEC of ATOMIC_INCRS increments runs: it
 * sees none of them or all of them. */
Test(multi, another_client_sees_all_of_a_transaction_or_none)
{
    char *req = NULL, n[16], want[32];
    size_t len = 0;
    const char *multi[] = {"MULTI"}, *incr[] = {"INCR", "n"},
               *exec[] = {"EXEC"};

    hs_encode(&req, &len, 1, multi, NULL);
    for (int i = 0; i < ATOMIC_INCRS; i++)
        hs_encode(&req, &len, 2, incr, NULL);
    hs_encode(&req, &len, 1, exec, NULL);
    cr_assert_eq(hs_send(&a, req, len), 0);
    free(req);
    for (int i = 0; i < 20; i++) {
        struct hs_reply r = call(&b, "GET", "n", NULL);
        cr_assert(r.reply->type == RESP_NIL ||
                      (r.reply->type == RESP_STRING &&
                       atoi(r.reply->str) == ATOMIC_INCRS),
                  "b saw %s", hs_escape(r.raw, r.raw_len, 100));
        hs_reply_free(&r);
    }

    hs_assert_reply(&a, "+OK\r\n");
    for (int i = 0; i < ATOMIC_INCRS; i++)
        hs_assert_reply(&a, "+QUEUED\r\n");
    struct hs_reply r;
    cr_assert_eq(hs_read_reply(&a, HS_TIMEOUT_MS, &r), HS_OK);
    cr_assert_eq(r.reply->elements, ATOMIC_INCRS);
    cr_assert_eq(r.reply->element[ATOMIC_INCRS - 1]->integer, ATOMIC_INCRS);
    hs_reply_free(&r);
    snprintf(n, sizeof(n), "%d", ATOMIC_INCRS);
    snprintf(want, sizeof(want), "$%zu\r\n%s\r\n", strlen(n), n);
    expect(&b, want, "GET", "n", NULL);
}

/* Redis runs a transaction on the clock of its start: a key alive when
 * EXEC begins stays alive to its last command, however long it takes. */
Test(multi, keys_do_not_expire_in_the_middle_of_exec)
{
    expect(&a, "+OK\r\n", "SET", "k", "v", "PX", "300", NULL);
    expect(&a, "+OK\r\n", "MULTI", NULL);
    expect(&a, "+QUEUED\r\n", "GET", "k", NULL);
    expect(&a, "+QUEUED\r\n", "DEBUG", "SLEEP", "0.5", NULL);
    expect(&a, "+QUEUED\r\n", "GET", "k", NULL);
    expect(&a, "*3\r\n$1\r\nv\r\n+OK\r\n$1\r\nv\r\n", "EXEC", NULL);
    expect(&a, "$-1\r\n", "GET", "k", NULL);
}

Test(multi, blocking_pop_inside_exec_does_not_block)
{
    if (!has_command("blpop"))
        cr_skip_test("BLPOP is not implemented yet");
    expect(&a, "+OK\r\n", "MULTI", NULL);
    expect(&a, "+QUEUED\r\n", "BLPOP", "empty", "0", NULL);
    expect(&a, "+QUEUED\r\n", "PING", NULL);
    expect(&a, "*2\r\n*-1\r\n+PONG\r\n", "EXEC", NULL);
}

/* --- clients that go away ----------------------------------------------- */

/* Connections that WATCH, queue and vanish leave nothing behind: the
 * watched key can be written afterwards (no dangling watcher) and memory
 * stays flat. */
Test(multi, clients_disconnecting_inside_multi_leak_nothing)
{
    long rss_before = -1;

    for (int round = 0; round < DISCONNECT_ROUNDS; round++) {
        struct hs_client c;
        char *req = NULL;
        size_t len = 0;
        const char *watch[] = {"WATCH", "w", "other"}, *multi[] = {"MULTI"},
                   *set[] = {"SET", "k", "a value to copy into the queue"};

        cr_assert_eq(hs_connect(&srv, &c), 0);
        hs_encode(&req, &len, 3, watch, NULL);
        hs_encode(&req, &len, 1, multi, NULL);
        for (int i = 0; i < QUEUED_PER_ROUND; i++)
            hs_encode(&req, &len, 3, set, NULL);
        cr_assert_eq(hs_send(&c, req, len), 0);
        free(req);
        hs_assert_reply(&c, "+OK\r\n");
        hs_assert_reply(&c, "+OK\r\n");
        for (int i = 0; i < QUEUED_PER_ROUND; i++)
            hs_assert_reply(&c, "+QUEUED\r\n");
        hs_close(&c);
        /* Written after the watcher left: must not touch it. */
        expect(&b, "+OK\r\n", "SET", "w", "x", NULL);
        if (round == DISCONNECT_ROUNDS / 3)
            rss_before = hs_rss_kb(&srv);
    }
    expect(&b, "+PONG\r\n", "PING", NULL);
    cr_assert(hs_alive(&srv));
    long rss_after = hs_rss_kb(&srv);
    cr_assert_lt(rss_after - rss_before, RSS_GROWTH_MAX_KB,
                 "RSS grew from %ld to %ld KiB", rss_before, rss_after);
    expect(&b, "$-1\r\n", "GET", "k", NULL);
}

/* --- MONITOR ------------------------------------------------------------ */

/* The next MONITOR line without its "+<time> [<db> <addr>] " prefix, in a
 * static buffer. */
static const char *monitor_line(struct hs_client *m)
{
    static char line[256];
    struct hs_reply r;

    cr_assert_eq(hs_read_reply(m, HS_TIMEOUT_MS, &r), HS_OK, "no MONITOR line");
    const char *p = strstr(r.reply->str, "] ");
    snprintf(line, sizeof(line), "%s", p ? p + 2 : r.reply->str);
    hs_reply_free(&r);
    return line;
}

/* MONITOR shows MULTI when it arrives, the queued commands when EXEC runs
 * them, then EXEC; also DISCARD, WATCH, UNWATCH, and an EXEC that aborts.
 * Requests refused while queueing were never run and are not shown. */
Test(multi, monitor_shows_a_transaction_as_redis_does)
{
    struct hs_client m;
    static const char *const want[] = {
        "\"MULTI\"",   "\"SET\" \"k\" \"1\"", "\"INCR\" \"k\"",
        "\"EXEC\"",    "\"WATCH\" \"k\"",     "\"MULTI\"",
        "\"DISCARD\"", "\"UNWATCH\"",         "\"MULTI\"",
        "\"EXEC\"",    "\"EXEC\" \"extra\"",  "\"PING\""};

    cr_assert_eq(hs_connect(&srv, &m), 0);
    expect(&m, "+OK\r\n", "MONITOR", NULL);
    expect(&a, "+OK\r\n", "MULTI", NULL);
    expect(&a, "+QUEUED\r\n", "SET", "k", "1", NULL);
    expect(&a, "+QUEUED\r\n", "INCR", "k", NULL);
    expect(&a, "*2\r\n+OK\r\n:2\r\n", "EXEC", NULL);
    expect(&a, "+OK\r\n", "WATCH", "k", NULL);
    expect(&a, "+OK\r\n", "MULTI", NULL);
    expect(&a, "+QUEUED\r\n", "GET", "k", NULL);
    expect(&a, "+OK\r\n", "DISCARD", NULL);
    expect(&a, "+OK\r\n", "UNWATCH", NULL);
    expect(&a, "+OK\r\n", "MULTI", NULL);
    run(&a, "NOSUCHCOMMAND", NULL);
    run(&a, "GET", NULL);
    run(&a, "EXEC", NULL);
    run(&a, "EXEC", "extra", NULL);
    expect(&a, "+PONG\r\n", "PING", NULL);

    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const char *got = monitor_line(&m);
        cr_assert_str_eq(got, want[i], "MONITOR line %zu", i);
    }
    hs_close(&m);
}

/* --- INFO --------------------------------------------------------------- */

/* The value of field (e.g. "failed_calls") on the INFO line that starts
 * with prefix (e.g. "cmdstat_exec:"), or -1 if there is no such line. */
static long long info_field(const char *section, const char *prefix,
                            const char *field)
{
    struct hs_reply r = call(&b, "INFO", section, NULL);
    char needle[96];
    long long v = -1;

    snprintf(needle, sizeof(needle), "\r\n%s", prefix);
    const char *line = strstr(r.reply->str, needle);
    if (line != NULL) {
        const char *end = strstr(line + 2, "\r\n");
        snprintf(needle, sizeof(needle), "%s=", field);
        const char *f = strstr(line, needle);
        if (f != NULL && (end == NULL || f < end))
            v = atoll(f + strlen(needle));
    }
    hs_reply_free(&r);
    return v;
}

static long long cmdstat(const char *cmd, const char *field)
{
    char prefix[64];

    snprintf(prefix, sizeof(prefix), "cmdstat_%s:", cmd);
    return info_field("commandstats", prefix, field);
}

static long long errorstat(const char *code)
{
    char prefix[64];

    snprintf(prefix, sizeof(prefix), "errorstat_%s:", code);
    return info_field("errorstats", prefix, "count");
}

Test(multi, queued_commands_are_counted_when_exec_runs_them)
{
    expect(&a, "+OK\r\n", "MULTI", NULL);
    expect(&a, "+QUEUED\r\n", "SET", "k", "v", NULL);
    cr_assert_eq(cmdstat("set", "calls"), -1, "SET counted while queued");
    expect(&a, "*1\r\n+OK\r\n", "EXEC", NULL);
    cr_assert_eq(cmdstat("set", "calls"), 1);
    cr_assert_eq(cmdstat("multi", "calls"), 1);
    cr_assert_eq(cmdstat("exec", "calls"), 1);
}

Test(multi, discarded_commands_are_never_counted)
{
    expect(&a, "+OK\r\n", "MULTI", NULL);
    expect(&a, "+QUEUED\r\n", "SET", "k", "v", NULL);
    expect(&a, "+OK\r\n", "DISCARD", NULL);
    cr_assert_eq(cmdstat("set", "calls"), -1);
    cr_assert_eq(cmdstat("discard", "calls"), 1);
}

Test(multi, error_inside_exec_fails_that_command_not_exec)
{
    run(&a, "SET", "str", "abc", NULL);
    expect(&a, "+OK\r\n", "MULTI", NULL);
    expect(&a, "+QUEUED\r\n", "INCR", "str", NULL);
    expect(&a, "+QUEUED\r\n", "PING", NULL);
    expect(&a,
           "*2\r\n-ERR value is not an integer or out of range\r\n"
           "+PONG\r\n",
           "EXEC", NULL);
    cr_assert_eq(cmdstat("incr", "calls"), 1);
    cr_assert_eq(cmdstat("incr", "failed_calls"), 1);
    cr_assert_eq(cmdstat("exec", "calls"), 1);
    cr_assert_eq(cmdstat("exec", "failed_calls"), 0);
    cr_assert_eq(errorstat("ERR"), 1);
}

Test(multi, queueing_errors_are_rejections_and_exec_fails_with_execabort)
{
    expect(&a, "+OK\r\n", "MULTI", NULL);
    run(&a, "GET", NULL);
    run(&a, "NOSUCHCOMMAND", NULL);
    expect(&a, "+QUEUED\r\n", "SET", "k", "v", NULL);
    expect(&a,
           "-EXECABORT Transaction discarded because of previous errors.\r\n",
           "EXEC", NULL);
    cr_assert_eq(cmdstat("get", "rejected_calls"), 1);
    cr_assert_eq(cmdstat("get", "calls"), 0);
    cr_assert_eq(cmdstat("set", "calls"), -1);
    cr_assert_eq(cmdstat("exec", "calls"), 1);
    cr_assert_eq(cmdstat("exec", "failed_calls"), 1);
    cr_assert_eq(cmdstat("exec", "rejected_calls"), 0);
    cr_assert_eq(errorstat("ERR"), 2);
    cr_assert_eq(errorstat("EXECABORT"), 1);
}

Test(multi, exec_with_arguments_is_rejected_and_discards_the_transaction)
{
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&a, "+OK\r\n", "MULTI", NULL);
    expect(&a, "+QUEUED\r\n", "SET", "k", "v", NULL);
    expect(&a,
           "-EXECABORT Transaction discarded because of: wrong number of "
           "arguments for 'exec' command\r\n",
           "EXEC", "extra", NULL);
    expect(&a, "-ERR EXEC without MULTI\r\n", "EXEC", NULL);
    expect(&a, "$-1\r\n", "GET", "k", NULL);
    cr_assert_eq(cmdstat("exec", "rejected_calls"), 1);
    cr_assert_eq(cmdstat("exec", "failed_calls"), 1);
    cr_assert_eq(errorstat("EXECABORT"), 1);
    /* The watch went with the transaction. */
    expect(&b, "+OK\r\n", "SET", "w", "1", NULL);
    assert_exec_runs(&a);
}

Test(multi, aborted_by_watch_exec_is_no_error)
{
    expect(&a, "+OK\r\n", "WATCH", "w", NULL);
    expect(&b, "+OK\r\n", "SET", "w", "1", NULL);
    assert_exec_aborted(&a);
    cr_assert_eq(cmdstat("exec", "failed_calls"), 0);
    cr_assert_eq(cmdstat("ping", "calls"), -1);
    cr_assert_eq(errorstat("EXECABORT"), -1);
}

/* --- authentication ----------------------------------------------------- */

Test(multi, exec_without_auth_reports_noauth_as_execabort)
{
    struct hs_client c;

    expect(&b, "+OK\r\n", "CONFIG", "SET", "requirepass", "secret", NULL);
    cr_assert_eq(hs_connect(&srv, &c), 0);
    expect(&c,
           "-EXECABORT Transaction discarded because of: NOAUTH "
           "Authentication required.\r\n",
           "EXEC", NULL);
    expect(&c, "-NOAUTH Authentication required.\r\n", "MULTI", NULL);
    expect(&c, "+OK\r\n", "AUTH", "secret", NULL);
    cr_assert_eq(errorstat("EXECABORT"), 1);
    cr_assert_eq(errorstat("NOAUTH"), 1);
    cr_assert_eq(cmdstat("exec", "rejected_calls"), 1);
    hs_close(&c);
}
