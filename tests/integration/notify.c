/* notify.c -- keyspace notifications (notify-keyspace-events).
 *
 * A subscriber connection PSUBSCRIBEs to '__key*__:*' and a second
 * connection runs commands.  After each step the commands connection
 * publishes a marker on SYNC_CHANNEL, which the same pattern matches, so
 * the subscriber reads exactly the frames the step produced and then the
 * marker: no timeouts decide what "nothing more" means.  Every expected
 * sequence was read from redis-server 7.0.15 with the same steps. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define SYNC_CHANNEL "__key__:sync"
#define MAX_EVENTS   32

static struct hs_server srv;
static struct hs_client sub, cli;

/* One expected notification: the key's event on both channels. */
struct event {
    const char *key, *name;
    int db;
};

static void cmd_ok(const char *const *argv, int argc)
{
    char *req = NULL;
    size_t len = 0;
    struct hs_reply r;

    hs_encode(&req, &len, argc, argv, NULL);
    cr_assert_eq(hs_send(&cli, req, len), 0);
    free(req);
    cr_assert_eq(hs_read_reply(&cli, HS_TIMEOUT_MS, &r), HS_OK);
    cr_assert_neq(r.reply->type, RESP_ERROR, "%s: %s", argv[0], r.raw);
    hs_reply_free(&r);
}

#define CMD(...)                                                               \
    do {                                                                       \
        const char *argv_[] = {__VA_ARGS__};                                   \
        cmd_ok(argv_, (int)(sizeof(argv_) / sizeof(argv_[0])));                \
    } while (0)

static void set_flags(const char *flags)
{
    CMD("CONFIG", "SET", "notify-keyspace-events", flags);
}

static void setup(void)
{
    cr_assert_eq(hs_start(&srv, NULL), 0, "server did not start");
    cr_assert_eq(hs_connect(&srv, &sub), 0);
    cr_assert_eq(hs_connect(&srv, &cli), 0);
    hs_cmd(&sub, "PSUBSCRIBE", "__key*__:*", NULL);
    hs_assert_reply(&sub, "*3\r\n$10\r\npsubscribe\r\n$10\r\n__key*__:*\r\n"
                          ":1\r\n");
    set_flags("KEA");
}

static void teardown(void)
{
    hs_close(&sub);
    hs_close(&cli);
    hs_stop(&srv);
}

TestSuite(notify, .init = setup, .fini = teardown, .timeout = 30);

/* Read one pmessage frame; fills channel and message (static copies). */
static void read_frame(char *ch, size_t chcap, char *msg, size_t mcap)
{
    struct hs_reply r;

    cr_assert_eq(hs_read_reply(&sub, HS_TIMEOUT_MS, &r), HS_OK,
                 "no notification arrived");
    cr_assert_eq(r.reply->type, RESP_ARRAY, "%s", r.raw);
    cr_assert_eq(r.reply->elements, 4, "%s", r.raw);
    snprintf(ch, chcap, "%s", r.reply->element[2]->str);
    snprintf(msg, mcap, "%s", r.reply->element[3]->str);
    hs_reply_free(&r);
}

static void expect_frame(const char *want_ch, const char *want_msg)
{
    char ch[256], msg[256];

    read_frame(ch, sizeof(ch), msg, sizeof(msg));
    cr_assert_str_eq(ch, want_ch);
    cr_assert_str_eq(msg, want_msg);
}

/* The subscriber receives exactly events[0..n) (keyspace frame, then
 * keyevent frame, for each), then the marker. */
static void expect_events(const struct event *ev, int n)
{
    char ch[256];

    CMD("PUBLISH", SYNC_CHANNEL, "end");
    for (int i = 0; i < n; i++) {
        snprintf(ch, sizeof(ch), "__keyspace@%d__:%s", ev[i].db, ev[i].key);
        expect_frame(ch, ev[i].name);
        snprintf(ch, sizeof(ch), "__keyevent@%d__:%s", ev[i].db, ev[i].name);
        expect_frame(ch, ev[i].key);
    }
    expect_frame(SYNC_CHANNEL, "end");
}

#define EXPECT(...)                                                            \
    do {                                                                       \
        const struct event ev_[] = {__VA_ARGS__};                              \
        expect_events(ev_, (int)(sizeof(ev_) / sizeof(ev_[0])));               \
    } while (0)
#define EXPECT_NONE() expect_events(NULL, 0)

Test(notify, config_get_answers_canonical_order)
{
    hs_cmd(&cli, "CONFIG", "GET", "notify-keyspace-events", NULL);
    hs_assert_reply(&cli,
                    "*2\r\n$22\r\nnotify-keyspace-events\r\n$3\r\nAKE\r\n");
}

Test(notify, set_reports_set_and_expire)
{
    CMD("SET", "a", "1");
    CMD("SET", "a", "2", "EX", "100");
    CMD("SET", "a", "3", "NX");
    EXPECT({"a", "set", 0}, {"a", "set", 0}, {"a", "expire", 0});
}

Test(notify, short_ttl_reports_expired)
{
    CMD("SET", "k", "v", "PX", "50");
    hs_sleep_ms(300);
    CMD("GET", "k");
    EXPECT({"k", "set", 0}, {"k", "expire", 0}, {"k", "expired", 0});
}

Test(notify, del_reports_each_deleted_key)
{
    CMD("MSET", "a", "1", "b", "2");
    CMD("DEL", "a", "nothere", "b");
    EXPECT({"a", "set", 0}, {"b", "set", 0}, {"a", "del", 0}, {"b", "del", 0});
}

Test(notify, rename_reports_from_then_to)
{
    CMD("SET", "a", "1");
    CMD("RENAME", "a", "b");
    CMD("RENAME", "b", "b");
    EXPECT({"a", "set", 0}, {"a", "rename_from", 0}, {"b", "rename_to", 0});
}

Test(notify, expire_persist_and_past_deadline)
{
    CMD("SET", "k", "v");
    CMD("EXPIRE", "k", "1000");
    CMD("PERSIST", "k");
    CMD("PERSIST", "k");
    CMD("EXPIRE", "k", "-1");
    EXPECT({"k", "set", 0}, {"k", "expire", 0}, {"k", "persist", 0},
           {"k", "del", 0});
}

Test(notify, string_updates_use_redis_event_names)
{
    CMD("INCR", "n");
    CMD("DECRBY", "n", "2");
    CMD("INCRBYFLOAT", "n", "1.5");
    CMD("APPEND", "n", "x");
    CMD("SETRANGE", "n", "0", "y");
    CMD("SETRANGE", "n", "0", "");
    CMD("GETDEL", "n");
    CMD("GETDEL", "n");
    EXPECT({"n", "incrby", 0}, {"n", "incrby", 0}, {"n", "incrbyfloat", 0},
           {"n", "append", 0}, {"n", "setrange", 0}, {"n", "del", 0});
}

Test(notify, getex_reports_ttl_changes)
{
    CMD("SET", "k", "v");
    CMD("GETEX", "k", "EX", "100");
    CMD("GETEX", "k", "PERSIST");
    CMD("GETEX", "k");
    CMD("GETEX", "k", "PXAT", "1");
    EXPECT({"k", "set", 0}, {"k", "expire", 0}, {"k", "persist", 0},
           {"k", "del", 0});
}

Test(notify, lpush_rpop_and_del_when_empty)
{
    CMD("LPUSH", "L", "a", "b");
    CMD("RPUSH", "L", "c");
    CMD("RPOP", "L");
    CMD("LPOP", "L", "0");
    CMD("RPOP", "L", "5");
    EXPECT({"L", "lpush", 0}, {"L", "rpush", 0}, {"L", "rpop", 0},
           {"L", "rpop", 0}, {"L", "del", 0});
}

Test(notify, list_edits)
{
    CMD("RPUSH", "L", "a", "b", "c");
    CMD("LSET", "L", "0", "z");
    CMD("LINSERT", "L", "BEFORE", "z", "y");
    CMD("LINSERT", "L", "BEFORE", "nothere", "y");
    CMD("LREM", "L", "1", "y");
    CMD("LREM", "L", "1", "qq");
    CMD("LTRIM", "L", "0", "0");
    CMD("LTRIM", "L", "5", "10");
    EXPECT({"L", "rpush", 0}, {"L", "lset", 0}, {"L", "linsert", 0},
           {"L", "lrem", 0}, {"L", "ltrim", 0}, {"L", "ltrim", 0},
           {"L", "del", 0});
}

Test(notify, lmove_reports_push_then_pop)
{
    CMD("RPUSH", "L", "a", "b");
    CMD("LMOVE", "L", "M", "LEFT", "RIGHT");
    CMD("RPOPLPUSH", "L", "M");
    CMD("LMOVE", "M", "M", "LEFT", "LEFT");
    EXPECT({"L", "rpush", 0}, {"M", "rpush", 0}, {"L", "lpop", 0},
           {"M", "lpush", 0}, {"L", "rpop", 0}, {"L", "del", 0},
           {"M", "lpush", 0}, {"M", "lpop", 0});
}

Test(notify, served_blocking_pop_reports_like_a_pop)
{
    struct hs_client b;
    struct hs_reply r;

    cr_assert_eq(hs_connect(&srv, &b), 0);
    hs_cmd(&b, "BLMOVE", "L", "M", "LEFT", "RIGHT", "5", NULL);
    hs_sleep_ms(100);
    CMD("RPUSH", "L", "a");
    cr_assert_eq(hs_read_reply(&b, HS_TIMEOUT_MS, &r), HS_OK);
    hs_reply_free(&r);
    hs_cmd(&b, "BLPOP", "M", "5", NULL);
    cr_assert_eq(hs_read_reply(&b, HS_TIMEOUT_MS, &r), HS_OK);
    hs_reply_free(&r);
    hs_close(&b);
    EXPECT({"L", "rpush", 0}, {"M", "rpush", 0}, {"L", "lpop", 0},
           {"L", "del", 0}, {"M", "lpop", 0}, {"M", "del", 0});
}

Test(notify, hset_hdel_and_del_when_empty)
{
    CMD("HSET", "H", "a", "1", "b", "2");
    CMD("HSET", "H", "a", "1");
    CMD("HSETNX", "H", "a", "1");
    CMD("HINCRBY", "H", "n", "1");
    CMD("HINCRBYFLOAT", "H", "f", "1.5");
    CMD("HDEL", "H", "zz");
    CMD("HDEL", "H", "a", "b", "n");
    CMD("HDEL", "H", "f");
    EXPECT({"H", "hset", 0}, {"H", "hset", 0}, {"H", "hincrby", 0},
           {"H", "hincrbyfloat", 0}, {"H", "hdel", 0}, {"H", "hdel", 0},
           {"H", "del", 0});
}

Test(notify, flush_and_swapdb_report_nothing)
{
    CMD("SET", "x", "1");
    CMD("SWAPDB", "0", "1");
    CMD("FLUSHALL");
    CMD("FLUSHDB");
    EXPECT({"x", "set", 0});
}

Test(notify, new_class_reports_key_creation)
{
    set_flags("KEAn");
    CMD("SET", "a", "1");
    CMD("SET", "a", "2");
    CMD("RENAME", "a", "b");
    CMD("HINCRBY", "h", "f", "1");
    EXPECT({"a", "new", 0}, {"a", "set", 0}, {"a", "set", 0}, {"b", "new", 0},
           {"a", "rename_from", 0}, {"b", "rename_to", 0}, {"h", "new", 0},
           {"h", "hincrby", 0});
}

Test(notify, keymiss_class_reports_read_misses)
{
    set_flags("KEAm");
    CMD("GET", "nope");
    CMD("DEL", "nope");
    CMD("LRANGE", "nope2", "0", "-1");
    EXPECT({"nope", "keymiss", 0}, {"nope2", "keymiss", 0});
}

Test(notify, classes_filter_events)
{
    set_flags("Kl");
    CMD("SET", "s", "1");
    CMD("LPUSH", "L", "a");
    CMD("DEL", "L");
    set_flags("E$");
    CMD("SET", "s", "2");
    CMD("PUBLISH", SYNC_CHANNEL, "end");
    expect_frame("__keyspace@0__:L", "lpush");
    expect_frame("__keyevent@0__:set", "s");
    expect_frame(SYNC_CHANNEL, "end");
}

Test(notify, selected_database_is_in_the_channel)
{
    CMD("SELECT", "3");
    CMD("SET", "k", "v");
    EXPECT({"k", "set", 3});
}

Test(notify, empty_flags_publish_nothing)
{
    set_flags("");
    CMD("SET", "a", "1", "PX", "20");
    CMD("LPUSH", "L", "x");
    CMD("RPOP", "L");
    CMD("HSET", "H", "f", "v");
    CMD("DEL", "H");
    hs_sleep_ms(100);
    CMD("GET", "a");
    EXPECT_NONE();
}

/* With notifications on and nobody subscribed, writes answer as usual and
 * each event is a publish to nobody. */
Test(notify, unsubscribed_keyspace_writes_work)
{
    struct hs_reply r;

    hs_cmd(&sub, "PUNSUBSCRIBE", NULL);
    cr_assert_eq(hs_read_reply(&sub, HS_TIMEOUT_MS, &r), HS_OK);
    hs_reply_free(&r);
    for (int i = 0; i < 100; i++)
        CMD("INCR", "n");
    hs_cmd(&cli, "GET", "n", NULL);
    hs_assert_reply(&cli, "$3\r\n100\r\n");
}
