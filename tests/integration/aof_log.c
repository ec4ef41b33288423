/* aof_log.c -- what the append-only file records for each command.
 *
 * The server runs with appendonly yes and appendfsync always in a
 * directory of its own; each test notes where the incremental AOF file
 * ends, runs commands, and compares what was appended with the exact
 * commands expected, in RESP.  The forms are Redis 7.0.15's, checked by
 * running redis-server 7.0.15 with the same commands and reading its
 * appendonlydir/ (deadlines aside, which depend on the clock): relative
 * expiries become absolute (PEXPIREAT, SET ... PXAT), a deadline already
 * past becomes DEL, GETEX and GETDEL become what they did, INCRBYFLOAT and
 * HINCRBYFLOAT the SET or HSET of their result, a blocking pop the plain
 * pop it performed, an expired key a DEL, and a write that changed nothing
 * is not logged at all.
 *
 * Two groupings are respd's own (prop.h): a transaction is always written
 * between MULTI and EXEC, even with a single write (Redis 7.0 leaves a
 * lone write bare), and the pops of clients a command unblocked join that
 * command's MULTI ... EXEC (Redis 7.0 writes them after it, bare).  Those
 * tests expect Redis's form when run against it (RESPD=redis-server), so
 * the whole file checks both servers. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define LOG_MAX_ENTRIES 64
#define LOG_MAX_ARGS    16
#define LOG_WAIT_MS     3000 /* active expiry logs its DEL within this */
#define BLOCK_WAIT_MS   2000
/* Deadlines far enough ahead (2096) to stay in the future, and one past. */
#define FAR_SECONDS "4000000000"
#define FAR_MS      "4000000000000"

static struct hs_server srv;
static struct hs_client cli;
static char dir[64];

/* --- the server and its directory ---------------------------------------- */

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    char sub[512];

    if (d == NULL) {
        unlink(path);
        return;
    }
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
        remove_tree(sub);
    }
    closedir(d);
    rmdir(path);
}

/* The reply to one request (arguments NULL-terminated); the caller frees
 * it. */
static struct hs_reply call(struct hs_client *c, ...)
{
    const char *argv[HS_MAX_ARGS];
    int argc = 0;
    char *req = NULL;
    size_t len = 0;
    struct hs_reply r;
    va_list ap;

    va_start(ap, c);
    for (const char *s; (s = va_arg(ap, const char *)) != NULL;)
        if (argc < HS_MAX_ARGS)
            argv[argc++] = s;
    va_end(ap);
    hs_encode(&req, &len, argc, argv, NULL);
    cr_assert_eq(hs_send(c, req, len), 0, "send %s failed", argv[0]);
    free(req);
    cr_assert_eq(hs_read_reply(c, HS_TIMEOUT_MS, &r), HS_OK, "no reply to %s",
                 argv[0]);
    return r;
}

/* Send a request and check its reply is exactly want. */
#define expect_reply(want, ...)                                                \
    do {                                                                       \
        cr_assert_eq(hs_cmd(&cli, __VA_ARGS__, NULL), 0);                      \
        hs_assert_reply(&cli, want);                                           \
    } while (0)

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/aof-log-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(hs_start(&srv, "--dir", dir, "--appendonly", "yes",
                          "--appendfsync", "always", NULL),
                 0, "server did not start");
    cr_assert_eq(hs_connect(&srv, &cli), 0);
    /* The file's first entry comes after a SELECT 0; tests start after
     * it, in database 0. */
    expect_reply("+OK\r\n", "SET", "warmup", "1");
}

static void teardown(void)
{
    hs_close(&cli);
    hs_stop(&srv);
    remove_tree(dir);
}

TestSuite(aof_log, .init = setup, .fini = teardown, .timeout = 30);

/* --- reading the log ----------------------------------------------------- */

/* Path of the newest incremental file (the highest sequence number among
 * appendonlydir/appendonly.aof.<n>.incr.aof), or "" when there is none
 * yet. */
static void incr_path(char *out, size_t cap)
{
    char aofdir[96];
    long best = -1;
    DIR *d;
    struct dirent *e;

    out[0] = '\0';
    snprintf(aofdir, sizeof(aofdir), "%s/appendonlydir", dir);
    d = opendir(aofdir);
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        long seq;
        int end = 0;
        if (sscanf(e->d_name, "appendonly.aof.%ld.incr.aof%n", &seq, &end) ==
                1 &&
            e->d_name[end] == '\0' && seq > best) {
            best = seq;
            snprintf(out, cap, "%s/%s", aofdir, e->d_name);
        }
    }
    closedir(d);
}

/* The bytes of the incr file from offset `from` on (NUL-terminated);
 * *len receives their count.  The caller frees. */
static char *read_log(long from, size_t *len)
{
    char path[512];
    FILE *f;
    char *buf;
    long size;

    incr_path(path, sizeof(path));
    *len = 0;
    f = path[0] ? fopen(path, "rb") : NULL;
    if (f == NULL)
        return calloc(1, 1);
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    if (size < from)
        from = size;
    buf = malloc((size_t)(size - from) + 1);
    fseek(f, from, SEEK_SET);
    *len = fread(buf, 1, (size_t)(size - from), f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* Where the log ends now. */
static long log_mark(void)
{
    size_t len;
    char *all = read_log(0, &len);

    free(all);
    return (long)len;
}

struct entry {
    int argc;
    char *argv[LOG_MAX_ARGS];
};

/* Parse p[0..n) as a sequence of RESP arrays of bulk strings, in exactly
 * the form Redis writes (no other types, nothing in between).  Returns
 * the number of entries, or -1 with why filled. */
static int parse_log(const char *p, size_t n, struct entry *out, char *why)
{
    size_t pos = 0;
    int count = 0;

    while (pos < n) {
        struct entry *e = &out[count];
        int used;
        if (count == LOG_MAX_ENTRIES ||
            sscanf(p + pos, "*%d\r\n%n", &e->argc, &used) != 1 || e->argc < 1 ||
            e->argc > LOG_MAX_ARGS) {
            sprintf(why, "bad array header at %zu", pos);
            return -1;
        }
        pos += (size_t)used;
        for (int i = 0; i < e->argc; i++) {
            size_t len;
            if (sscanf(p + pos, "$%zu\r\n%n", &len, &used) != 1 ||
                pos + (size_t)used + len + 2 > n ||
                memcmp(p + pos + used + len, "\r\n", 2) != 0) {
                sprintf(why, "bad bulk string at %zu", pos);
                return -1;
            }
            e->argv[i] = strndup(p + pos + used, len);
            pos += (size_t)used + len + 2;
        }
        count++;
    }
    return count;
}

/* The RESP Redis writes for entry e (to compare bytes with the log's). */
static size_t encode_entry(const struct entry *e, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "*%d\r\n", e->argc);

    for (int i = 0; i < e->argc; i++)
        n += (size_t)snprintf(out + n, cap - n, "$%zu\r\n%s\r\n",
                              strlen(e->argv[i]), e->argv[i]);
    return n;
}

/* Whether the logged argument got matches the expected token want: the
 * same text, or for "~N" a deadline N ms after a moment in [t0, t1]. */
static int arg_matches(const char *got, const char *want, long long t0,
                       long long t1)
{
    char *end;
    long long v, delta;

    if (want[0] != '~')
        return strcmp(got, want) == 0;
    delta = atoll(want + 1);
    v = strtoll(got, &end, 10);
    return *end == '\0' && v >= t0 + delta && v <= t1 + delta;
}

/* Whether entry e is the space-separated command want. */
static int entry_matches(const struct entry *e, const char *want, long long t0,
                         long long t1)
{
    char copy[512], *save = NULL, *tok;
    int i = 0;

    snprintf(copy, sizeof(copy), "%s", want);
    for (tok = strtok_r(copy, " ", &save); tok != NULL;
         tok = strtok_r(NULL, " ", &save), i++)
        if (i >= e->argc || !arg_matches(e->argv[i], tok, t0, t1))
            return 0;
    return i == e->argc;
}

static void free_entries(struct entry *es, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < es[i].argc; j++)
            free(es[i].argv[j]);
}

/* The log since mark as text, one command per line, for messages. */
static const char *describe(const struct entry *es, int n)
{
    static char text[4096];
    size_t used = 0;

    text[0] = '\0';
    for (int i = 0; i < n && used < sizeof(text) - 64; i++) {
        for (int j = 0; j < es[i].argc; j++)
            used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%s",
                                     j ? " " : "", es[i].argv[j]);
        used += (size_t)snprintf(text + used, sizeof(text) - used, " | ");
    }
    return text;
}

/* Assert that what was logged since mark is exactly the commands in the
 * NULL-terminated list (space-separated arguments; "~N" a deadline N ms
 * after a moment in [t0, t1]), in RESP byte for byte. */
static void expect_log_v(long mark, long long t0, long long t1, va_list ap)
{
    struct entry es[LOG_MAX_ENTRIES];
    char why[128] = "", enc[4096];
    size_t len, at = 0;
    char *raw = read_log(mark, &len);
    int n = parse_log(raw, len, es, why), i = 0;
    const char *want;

    cr_assert(n >= 0, "log is not RESP (%s): %s", why,
              hs_escape(raw, len, 300));
    for (i = 0; i < n; i++) {
        size_t m = encode_entry(&es[i], enc, sizeof(enc));
        cr_assert(m <= len - at && memcmp(raw + at, enc, m) == 0,
                  "entry %d is not in Redis's exact form", i);
        at += m;
    }
    for (i = 0; (want = va_arg(ap, const char *)) != NULL; i++) {
        cr_assert(i < n, "log ends before \"%s\"; logged: %s", want,
                  describe(es, n));
        cr_assert(entry_matches(&es[i], want, t0, t1),
                  "entry %d: expected \"%s\"; logged: %s", i, want,
                  describe(es, n));
    }
    cr_assert_eq(i, n, "logged more than expected: %s", describe(es, n));
    free_entries(es, n);
    free(raw);
}

static void expect_log_timed(long mark, long long t0, long long t1, ...)
{
    va_list ap;

    va_start(ap, t1);
    expect_log_v(mark, t0, t1, ap);
    va_end(ap);
}

/* expect_log_timed() for logs without deadlines. */
static void expect_log(long mark, ...)
{
    va_list ap;

    va_start(ap, mark);
    expect_log_v(mark, 0, 0, ap);
    va_end(ap);
}

/* Wall-clock milliseconds, the clock deadlines are expressed in. */
static long long wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- helpers for expiry and blocking ------------------------------------- */

/* Set key with a 1 ms TTL and wait until it has expired, with active
 * expiry off so that only a lookup deletes it. */
static void set_expired(const char *key)
{
    expect_reply("+OK\r\n", "DEBUG", "SET-ACTIVE-EXPIRE", "0");
    expect_reply("+OK\r\n", "SET", key, "v", "PX", "1");
    hs_sleep_ms(5);
}

static long long blocked_clients(void)
{
    struct hs_reply r = call(&cli, "INFO", "clients", NULL);
    const char *p = strstr(r.raw, "\r\nblocked_clients:");
    long long n = p ? atoll(p + strlen("\r\nblocked_clients:")) : -1;

    hs_reply_free(&r);
    return n;
}

/* Send a blocking request on c and wait until the server has blocked
 * n clients. */
static void block_on(struct hs_client *c, long long n, ...)
{
    const char *argv[HS_MAX_ARGS];
    int argc = 0;
    char *req = NULL;
    size_t len = 0;
    long long deadline = hs_now_ms() + BLOCK_WAIT_MS;
    va_list ap;

    va_start(ap, n);
    for (const char *s; (s = va_arg(ap, const char *)) != NULL;)
        argv[argc++] = s;
    va_end(ap);
    hs_encode(&req, &len, argc, argv, NULL);
    cr_assert_eq(hs_send(c, req, len), 0);
    free(req);
    while (blocked_clients() != n) {
        cr_assert(hs_now_ms() < deadline, "%s did not block", argv[0]);
        hs_sleep_ms(2);
    }
}

/* --- expiries become absolute -------------------------------------------- */

Test(aof_log, expire_and_pexpire_are_logged_as_pexpireat_with_options)
{
    expect_reply("+OK\r\n", "SET", "k", "v");
    long mark = log_mark();
    long long t0 = wall_ms();
    expect_reply(":1\r\n", "EXPIRE", "k", "100");
    expect_reply(":1\r\n", "pexpire", "k", "5000", "lt");
    long long t1 = wall_ms();
    expect_log_timed(mark, t0, t1, "PEXPIREAT k ~100000",
                     "PEXPIREAT k ~5000 lt", NULL);
}

Test(aof_log, expireat_is_logged_in_ms_and_pexpireat_as_called)
{
    expect_reply("+OK\r\n", "SET", "k", "v");
    long mark = log_mark();
    expect_reply(":1\r\n", "EXPIREAT", "k", FAR_SECONDS, "LT");
    expect_reply(":1\r\n", "pexpireat", "k", FAR_MS);
    expect_log(mark, "PEXPIREAT k " FAR_MS " LT", "pexpireat k " FAR_MS, NULL);
}

Test(aof_log, expire_with_a_past_deadline_is_logged_as_del)
{
    expect_reply("+OK\r\n", "SET", "a", "v");
    expect_reply("+OK\r\n", "SET", "b", "v");
    long mark = log_mark();
    expect_reply(":1\r\n", "EXPIRE", "a", "-1");
    expect_reply(":1\r\n", "EXPIREAT", "b", "1");
    expect_log(mark, "DEL a", "DEL b", NULL);
}

Test(aof_log, set_with_an_expiry_is_logged_as_set_pxat_without_options)
{
    long mark = log_mark();
    long long t0 = wall_ms();
    expect_reply("+OK\r\n", "SET", "a", "1", "EX", "100");
    expect_reply("$-1\r\n", "set", "b", "2", "nx", "px", "5000", "get");
    expect_reply("$1\r\n2\r\n", "SET", "b", "3", "EXAT", FAR_SECONDS, "XX",
                 "GET");
    expect_reply("+OK\r\n", "set", "c", "4", "pxat", FAR_MS);
    long long t1 = wall_ms();
    expect_log_timed(mark, t0, t1, "SET a 1 PXAT ~100000", "SET b 2 PXAT ~5000",
                     "SET b 3 PXAT " FAR_MS, "SET c 4 PXAT " FAR_MS, NULL);
}

Test(aof_log, setex_and_psetex_are_logged_as_set_pxat)
{
    long mark = log_mark();
    long long t0 = wall_ms();
    expect_reply("+OK\r\n", "SETEX", "a", "100", "x");
    expect_reply("+OK\r\n", "PSETEX", "b", "2500", "y");
    long long t1 = wall_ms();
    expect_log_timed(mark, t0, t1, "SET a x PXAT ~100000", "SET b y PXAT ~2500",
                     NULL);
}

Test(aof_log, set_without_expiry_is_logged_as_called_minus_get)
{
    long mark = log_mark();
    expect_reply("+OK\r\n", "set", "k", "1", "KEEPTTL");
    expect_reply("$1\r\n1\r\n", "set", "k", "2", "xx", "get", "GET");
    expect_reply(":1\r\n", "SETNX", "n", "1");
    expect_log(mark, "set k 1 KEEPTTL", "set k 2 xx", "SETNX n 1", NULL);
}

Test(aof_log, getex_is_logged_as_pexpireat_persist_or_del)
{
    expect_reply("+OK\r\n", "SET", "k", "v");
    long mark = log_mark();
    long long t0 = wall_ms();
    expect_reply("$1\r\nv\r\n", "GETEX", "k", "EX", "100");
    long long t1 = wall_ms();
    expect_reply("$1\r\nv\r\n", "GETEX", "k", "PERSIST");
    expect_reply("$1\r\nv\r\n", "GETEX", "k", "PXAT", FAR_MS);
    expect_reply("$1\r\nv\r\n", "GETEX", "k", "EXAT", "1");
    expect_log_timed(mark, t0, t1, "PEXPIREAT k ~100000", "PERSIST k",
                     "PEXPIREAT k " FAR_MS, "DEL k", NULL);
}

Test(aof_log, getdel_is_logged_as_del_and_getset_as_set)
{
    expect_reply("+OK\r\n", "SET", "k", "v");
    long mark = log_mark();
    expect_reply("$1\r\nv\r\n", "getset", "k", "w");
    expect_reply("$1\r\nw\r\n", "GETDEL", "k");
    expect_log(mark, "SET k w", "DEL k", NULL);
}

/* --- float increments become their results ------------------------------- */

Test(aof_log, incrbyfloat_is_logged_as_set_of_the_result_keepttl)
{
    long mark = log_mark();
    expect_reply("$3\r\n1.5\r\n", "INCRBYFLOAT", "f", "1.5");
    expect_reply("$1\r\n3\r\n", "INCRBYFLOAT", "f", "1.5");
    expect_log(mark, "SET f 1.5 KEEPTTL", "SET f 3 KEEPTTL", NULL);
}

Test(aof_log, hincrbyfloat_is_logged_as_hset_of_the_result)
{
    long mark = log_mark();
    expect_reply("$3\r\n2.5\r\n", "HINCRBYFLOAT", "h", "x", "2.5");
    expect_reply("$3\r\n2.6\r\n", "HINCRBYFLOAT", "h", "x", "0.1");
    expect_log(mark, "HSET h x 2.5", "HSET h x 2.6", NULL);
}

/* --- blocking pops become plain pops ------------------------------------- */

Test(aof_log, blocking_pops_served_at_once_are_logged_as_plain_pops)
{
    expect_reply(":6\r\n", "RPUSH", "l", "a", "b", "c", "d", "e", "f");
    long mark = log_mark();
    expect_reply("*2\r\n$1\r\nl\r\n$1\r\na\r\n", "BLPOP", "l", "0");
    expect_reply("*2\r\n$1\r\nl\r\n$1\r\nf\r\n", "BRPOP", "none", "l", "0");
    expect_reply("$1\r\nb\r\n", "BLMOVE", "l", "d", "LEFT", "Right", "0");
    expect_reply("$1\r\ne\r\n", "BRPOPLPUSH", "l", "d", "0");
    expect_reply("*2\r\n$1\r\nl\r\n*2\r\n$1\r\nc\r\n$1\r\nd\r\n", "BLMPOP", "0",
                 "1", "l", "LEFT", "COUNT", "10");
    expect_reply("*2\r\n$1\r\nd\r\n*1\r\n$1\r\nb\r\n", "LMPOP", "1", "d",
                 "RIGHT");
    expect_log(mark, "LPOP l", "RPOP l", "LMOVE l d LEFT Right",
               "RPOPLPUSH l d", "LPOP l 2", "RPOP d 1", NULL);
}

Test(aof_log, a_pop_served_later_joins_the_group_of_the_push)
{
    struct hs_client b, c;

    cr_assert_eq(hs_connect(&srv, &b), 0);
    cr_assert_eq(hs_connect(&srv, &c), 0);
    block_on(&b, 1, "BLPOP", "q", "0", NULL);
    block_on(&c, 2, "BRPOP", "q", "0", NULL);
    long mark = log_mark();
    expect_reply(":3\r\n", "RPUSH", "q", "x", "y", "z");
    hs_assert_reply(&b, "*2\r\n$1\r\nq\r\n$1\r\nx\r\n");
    hs_assert_reply(&c, "*2\r\n$1\r\nq\r\n$1\r\nz\r\n");
    if (hs_is_redis())
        expect_log(mark, "RPUSH q x y z", "LPOP q", "RPOP q", NULL);
    else
        expect_log(mark, "MULTI", "RPUSH q x y z", "LPOP q", "RPOP q", "EXEC",
                   NULL);
    hs_close(&b);
    hs_close(&c);
}

Test(aof_log, moves_and_counted_pops_served_later_log_their_effect)
{
    struct hs_client b, c, d;

    cr_assert_eq(hs_connect(&srv, &b), 0);
    cr_assert_eq(hs_connect(&srv, &c), 0);
    cr_assert_eq(hs_connect(&srv, &d), 0);
    block_on(&b, 1, "BLMPOP", "0", "1", "dst", "RIGHT", "COUNT", "5", NULL);
    block_on(&c, 2, "BLMOVE", "src", "dst", "LEFT", "Left", "0", NULL);
    block_on(&d, 3, "BRPOPLPUSH", "src", "dst", "0", NULL);
    long mark = log_mark();
    expect_reply(":2\r\n", "LPUSH", "src", "p", "q");
    hs_assert_reply(&c, "$1\r\nq\r\n");
    hs_assert_reply(&d, "$1\r\np\r\n");
    hs_assert_reply(&b, "*2\r\n$3\r\ndst\r\n*2\r\n$1\r\nq\r\n$1\r\np\r\n");
    /* A served BLMOVE spells its directions as Redis 7.0 logs them. */
    if (hs_is_redis())
        expect_log(mark, "LPUSH src p q", "LMOVE src dst left left",
                   "RPOPLPUSH src dst", "RPOP dst 2", NULL);
    else
        expect_log(mark, "MULTI", "LPUSH src p q", "LMOVE src dst left left",
                   "RPOPLPUSH src dst", "RPOP dst 2", "EXEC", NULL);
    hs_close(&b);
    hs_close(&c);
    hs_close(&d);
}

Test(aof_log, a_blocked_client_that_times_out_logs_nothing)
{
    struct hs_client b;

    cr_assert_eq(hs_connect(&srv, &b), 0);
    long mark = log_mark();
    cr_assert_eq(hs_cmd(&b, "BLPOP", "q", "0.05", NULL), 0);
    hs_assert_reply(&b, "*-1\r\n");
    expect_reply("+OK\r\n", "SET", "after", "1");
    expect_log(mark, "SET after 1", NULL);
    hs_close(&b);
}

/* --- transactions -------------------------------------------------------- */

Test(aof_log, a_transaction_logs_its_writes_between_multi_and_exec)
{
    expect_reply("+OK\r\n", "SET", "s", "x");
    long mark = log_mark();
    expect_reply("+OK\r\n", "MULTI");
    expect_reply("+QUEUED\r\n", "SET", "a", "1");
    expect_reply("+QUEUED\r\n", "GET", "a");
    expect_reply("+QUEUED\r\n", "INCR", "a");
    expect_reply("+QUEUED\r\n", "LPUSH", "s", "x");
    expect_reply("+QUEUED\r\n", "DEL", "missing");
    expect_reply("*5\r\n+OK\r\n$1\r\n1\r\n:2\r\n-WRONGTYPE Operation against "
                 "a key holding the wrong kind of value\r\n:0\r\n",
                 "EXEC");
    expect_log(mark, "MULTI", "SET a 1", "INCR a", "EXEC", NULL);
}

Test(aof_log, a_transaction_with_one_write_is_still_wrapped)
{
    long mark = log_mark();
    expect_reply("+OK\r\n", "MULTI");
    expect_reply("+QUEUED\r\n", "SET", "a", "1");
    expect_reply("*1\r\n+OK\r\n", "EXEC");
    if (hs_is_redis())
        expect_log(mark, "SET a 1", NULL);
    else
        expect_log(mark, "MULTI", "SET a 1", "EXEC", NULL);
}

Test(aof_log, read_only_or_discarded_transactions_log_nothing)
{
    long mark = log_mark();
    expect_reply("+OK\r\n", "MULTI");
    expect_reply("+QUEUED\r\n", "GET", "a");
    expect_reply("+QUEUED\r\n", "DEL", "missing");
    expect_reply("*2\r\n$-1\r\n:0\r\n", "EXEC");
    expect_reply("+OK\r\n", "MULTI");
    expect_reply("+QUEUED\r\n", "SET", "a", "1");
    expect_reply("+OK\r\n", "DISCARD");
    expect_log(mark, NULL);
}

Test(aof_log, rewrites_inside_a_transaction_keep_their_database)
{
    long mark = log_mark();
    long long t0 = wall_ms();
    expect_reply("+OK\r\n", "MULTI");
    expect_reply("+QUEUED\r\n", "SET", "m", "1", "EX", "100");
    expect_reply("+QUEUED\r\n", "SELECT", "2");
    expect_reply("+QUEUED\r\n", "INCRBYFLOAT", "m", "2");
    expect_reply("*3\r\n+OK\r\n+OK\r\n$1\r\n2\r\n", "EXEC");
    long long t1 = wall_ms();
    /* SELECT is written as the database changes, inside MULTI. */
    expect_log_timed(mark, t0, t1, "MULTI", "SET m 1 PXAT ~100000", "SELECT 2",
                     "SET m 2 KEEPTTL", "EXEC", NULL);
}

/* --- expired keys -------------------------------------------------------- */

Test(aof_log, a_key_expired_by_a_read_is_logged_as_del)
{
    set_expired("k");
    long mark = log_mark();
    expect_reply("$-1\r\n", "GET", "k");
    expect_log(mark, "DEL k", NULL);
}

Test(aof_log, a_write_to_an_expired_key_is_wrapped_with_its_del)
{
    set_expired("k");
    long mark = log_mark();
    expect_reply("+OK\r\n", "set", "k", "w");
    expect_log(mark, "MULTI", "DEL k", "set k w", "EXEC", NULL);
}

Test(aof_log, a_key_expired_in_another_database_is_deleted_there)
{
    expect_reply("+OK\r\n", "SELECT", "1");
    set_expired("k");
    expect_reply("+OK\r\n", "SELECT", "0");
    expect_reply("+OK\r\n", "SET", "x", "1");
    long mark = log_mark();
    expect_reply("+OK\r\n", "SELECT", "1");
    expect_reply(":0\r\n", "EXISTS", "k");
    expect_log(mark, "SELECT 1", "DEL k", NULL);
}

Test(aof_log, a_key_expired_by_the_cron_is_logged_as_del_alone)
{
    long long deadline = hs_now_ms() + LOG_WAIT_MS;
    size_t len;
    char *raw;

    expect_reply("+OK\r\n", "SET", "k", "v", "PX", "1");
    long after_set = log_mark();
    /* Never looked up again: only active expiry can delete it. */
    while (log_mark() == after_set) {
        cr_assert(hs_now_ms() < deadline, "the expired key was not logged");
        hs_sleep_ms(10);
    }
    raw = read_log(after_set, &len);
    cr_assert_str_eq(raw, "*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n");
    free(raw);
}

/* --- writes that change nothing ------------------------------------------ */

Test(aof_log, writes_that_change_nothing_are_not_logged)
{
    expect_reply("+OK\r\n", "SET", "s", "1");
    expect_reply(":1\r\n", "RPUSH", "l", "a");
    long mark = log_mark();
    expect_reply(":0\r\n", "DEL", "missing");
    expect_reply("$-1\r\n", "SET", "s", "2", "NX");
    expect_reply("$-1\r\n", "SET", "missing", "2", "XX");
    expect_reply(":0\r\n", "EXPIRE", "missing", "10");
    expect_reply(":0\r\n", "EXPIRE", "s", "10", "XX");
    expect_reply(":0\r\n", "PERSIST", "s");
    expect_reply("$1\r\n1\r\n", "GETEX", "s");
    expect_reply("$-1\r\n", "GETDEL", "missing");
    expect_reply("$-1\r\n", "LPOP", "missing");
    expect_reply("*0\r\n", "LPOP", "l", "0");
    expect_reply(":0\r\n", "MSETNX", "s", "x", "t", "y");
    expect_reply(":0\r\n", "HDEL", "missing", "f");
    expect_reply("+OK\r\n", "RENAME", "s", "s");
    expect_reply("-WRONGTYPE Operation against a key holding the wrong kind "
                 "of value\r\n",
                 "LPUSH", "s", "x");
    expect_reply("-ERR value is not an integer or out of range\r\n", "INCRBY",
                 "s", "x");
    expect_reply("-WRONGTYPE Operation against a key holding the wrong kind "
                 "of value\r\n",
                 "BLMOVE", "l", "s", "LEFT", "LEFT", "0");
    expect_reply("+OK\r\n", "SET", "end", "1");
    expect_log(mark, "SET end 1", NULL);
}

/* --- commands logged as called ------------------------------------------- */

Test(aof_log, flushes_are_logged_even_on_empty_databases)
{
    long mark = log_mark();
    expect_reply("+OK\r\n", "FLUSHDB");
    expect_reply("+OK\r\n", "flushdb");
    expect_reply("+OK\r\n", "FLUSHALL", "SYNC");
    expect_reply("+OK\r\n", "FLUSHALL");
    expect_reply("+OK\r\n", "SWAPDB", "0", "0");
    expect_log(mark, "FLUSHDB", "flushdb", "FLUSHALL SYNC", "FLUSHALL",
               "SWAPDB 0 0", NULL);
}

Test(aof_log, ordinary_writes_are_logged_as_called)
{
    long mark = log_mark();
    expect_reply("+OK\r\n", "mset", "a", "1", "b", "2");
    expect_reply(":1\r\n", "Del", "a", "missing");
    expect_reply("+OK\r\n", "RENAME", "b", "c");
    expect_reply(":2\r\n", "HSET", "h", "f", "1", "g", "2");
    expect_reply(":3\r\n", "LPUSH", "l", "x", "y", "z");
    expect_reply("+OK\r\n", "LTRIM", "l", "0", "0");
    expect_log(mark, "mset a 1 b 2", "Del a missing", "RENAME b c",
               "HSET h f 1 g 2", "LPUSH l x y z", "LTRIM l 0 0", NULL);
}
