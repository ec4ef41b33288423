/* snapshot.c -- SAVE, BGSAVE, save rules, MISCONF and restarts from
 * dump.rdb, as Redis 7.0 behaves.
 *
 * Restart tests fill every database with each type in each of its
 * encodings (integers, short and long strings, binary values; small and
 * multi-node lists; small and large hashes; TTLs), take a digest of the
 * whole keyspace through ordinary commands (type, encoding, absolute
 * expiry time, value), restart the server on the same directory and
 * compare digests.
 *
 * A BGSAVE child is made to stay "in progress" for as long as a test needs
 * by stopping it with SIGSTOP: its pid is in the log line that announces
 * it, and the dataset is large enough (32 MB that neither compresses nor
 * checksums quickly) that the child is still working when the signal
 * lands.  Tests check that it did (the process is in state T).
 *
 * RESPD=/usr/bin/redis-server runs these tests against Redis itself. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define HEAVY_KEYS      32
#define HEAVY_VALUE_LEN (1024 * 1024)
#define WAIT_MS         8000
#define LOAD_WRITES     20000

static const char misconf[] =
    "-MISCONF Redis is configured to save RDB snapshots, but it's currently "
    "unable to persist to disk. Commands that may modify the data set are "
    "disabled, because this instance is configured to report errors during "
    "writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). "
    "Please check the Redis logs for details about the RDB error.\r\n";

static struct hs_server srv;
static struct hs_client cli;

/* dir and dbfilename are protected configs in Redis 7: tests move them. */
#define SERVER_OPTS "--enable-protected-configs", "yes"

static void setup(void)
{
    cr_assert_eq(hs_start(&srv, SERVER_OPTS, NULL), 0, "server did not start");
    cr_assert_eq(hs_connect(&srv, &cli), 0);
}

static void teardown(void)
{
    hs_close(&cli);
    hs_stop(&srv);
}

TestSuite(snapshot, .init = setup, .fini = teardown, .timeout = 60);

/* --- talking to the server ------------------------------------------- */

/* Send argv (NULL-terminated; lens may be NULL for C strings) and return
 * the reply; the caller frees it. */
static struct hs_reply callv(struct hs_client *c, const char *const *argv,
                             const size_t *lens)
{
    struct hs_reply r;
    char *req = NULL;
    size_t len = 0;
    int argc = 0;

    while (argv[argc] != NULL)
        argc++;
    hs_encode(&req, &len, argc, argv, lens);
    cr_assert_eq(hs_send(c, req, len), 0);
    free(req);
    cr_assert_eq(hs_read_reply(c, HS_TIMEOUT_MS, &r), HS_OK, "no reply to %s",
                 argv[0]);
    return r;
}

#define CALL(c, ...) callv((c), (const char *const[]){__VA_ARGS__, NULL}, NULL)

/* Assert the exact reply to a command. */
#define EXPECT(c, want, ...)                                                   \
    do {                                                                       \
        struct hs_reply r_ = CALL((c), __VA_ARGS__);                           \
        cr_assert_str_eq(r_.raw, (want));                                      \
        hs_reply_free(&r_);                                                    \
    } while (0)

static long long call_int(struct hs_client *c, const char *const *argv)
{
    struct hs_reply r = callv(c, argv, NULL);
    cr_assert_eq(r.reply->type, RESP_INTEGER, "%s answered %s", argv[0],
                 hs_escape(r.raw, r.raw_len, 200));
    long long v = r.reply->integer;
    hs_reply_free(&r);
    return v;
}

#define CALL_INT(c, ...) call_int((c), (const char *const[]){__VA_ARGS__, NULL})

/* The value of one INFO field, as a string the caller frees. */
static char *info_field(struct hs_client *c, const char *name)
{
    struct hs_reply r = CALL(c, "INFO", "persistence");
    char pat[128];

    cr_assert_eq(r.reply->type, RESP_STRING);
    snprintf(pat, sizeof(pat), "\r\n%s:", name);
    const char *p = strstr(r.reply->str, pat);
    cr_assert_not_null(p, "no %s in INFO", name);
    p += strlen(pat);
    char *v = strndup(p, strcspn(p, "\r"));
    hs_reply_free(&r);
    return v;
}

static long long info_ll(struct hs_client *c, const char *name)
{
    char *v = info_field(c, name);
    long long n = atoll(v);
    free(v);
    return n;
}

static void assert_info(struct hs_client *c, const char *name, const char *want)
{
    char *v = info_field(c, name);
    cr_assert_str_eq(v, want, "INFO %s", name);
    free(v);
}

/* Send every request in buf and check that none of n replies is an
 * error. */
static void pipeline(struct hs_client *c, char *buf, size_t len, int n)
{
    cr_assert_eq(hs_send(c, buf, len), 0);
    free(buf);
    for (int i = 0; i < n; i++) {
        struct hs_reply r;
        cr_assert_eq(hs_read_reply(c, HS_TIMEOUT_MS, &r), HS_OK);
        cr_assert_neq(r.reply->type, RESP_ERROR, "reply %d: %s", i, r.raw);
        hs_reply_free(&r);
    }
}

/* --- the log and the files ------------------------------------------- */

static int log_count(const char *needle)
{
    char *log = hs_log(&srv);
    int n = 0;

    for (const char *p = log; p && (p = strstr(p, needle)); p++)
        n++;
    free(log);
    return n;
}

/* Wait until needle appears at least n times in the log. */
static void wait_log(const char *needle, int n)
{
    long long deadline = hs_now_ms() + WAIT_MS;

    while (log_count(needle) < n) {
        cr_assert_lt(hs_now_ms(), deadline, "no \"%s\" (x%d) in the log:\n%s",
                     needle, n, hs_log(&srv));
        hs_sleep_ms(20);
    }
}

static void dir_path(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", srv.dir, name);
}

static int dir_has(const char *name)
{
    char path[256];
    dir_path(path, sizeof(path), name);
    return access(path, F_OK) == 0;
}

/* redis-server accepts connections while it loads and answers -LOADING;
 * respd loads before it serves.  Wait for the data either way. */
static void wait_loaded(void)
{
    for (int i = 0; i < 500; i++) {
        struct hs_reply r = CALL(&cli, "PING");
        int loading = strncmp(r.raw, "-LOADING", 8) == 0;
        hs_reply_free(&r);
        if (!loading)
            return;
        hs_sleep_ms(10);
    }
    cr_assert_fail("still loading");
}

/* Start the stopped server again on its directory, with extra options
 * (NULL-terminated) after the usual ones. */
static void restart_with(const char *const *extra)
{
    const char *argv[16] = {SERVER_OPTS};
    int n = 2;
    for (int i = 0; extra[i] != NULL && n < 15; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    hs_close(&cli);
    cr_assert_eq(hs_restart(&srv, argv[0], argv[1], argv[2], argv[3], argv[4],
                            argv[5], NULL),
                 0, "restart failed");
    cr_assert_eq(hs_connect(&srv, &cli), 0);
    wait_loaded();
}

static void restart(void)
{
    restart_with((const char *const[]){NULL});
}

static void kill_and_restart(void)
{
    hs_kill(&srv);
    restart();
}

/* SHUTDOWN with the given option (or none): the connection closes and the
 * server exits with status 0. */
static void shutdown_server(const char *opt)
{
    if (opt)
        hs_cmd(&cli, "SHUTDOWN", opt, NULL);
    else
        hs_cmd(&cli, "SHUTDOWN", NULL);
    cr_assert_eq(hs_wait_closed(&cli, HS_TIMEOUT_MS), HS_EOF);
    cr_assert_eq(hs_wait_exit(&srv, WAIT_MS), 0, "still running");
    cr_assert(WIFEXITED(srv.status) && WEXITSTATUS(srv.status) == 0,
              "status 0x%x", srv.status);
}

/* --- the dataset -------------------------------------------------------- */

static unsigned long long rng_state = 42;

static unsigned char rng_byte(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned char)(rng_state >> 56);
}

static void fill_random(char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (char)rng_byte();
}

/* Every type in each of its encodings, in databases 0, 1 and 9. */
static void populate(struct hs_client *c)
{
    char big[100 * 1024], bin[4096], raw[101], key[32], val[128];
    char *req = NULL;
    size_t len = 0;
    int n = 0;

    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)('a' + i % 7);
    fill_random(bin, sizeof(bin));
    memset(raw, 'r', sizeof(raw) - 1);
    raw[100] = '\0';

    EXPECT(c, "+OK\r\n", "MSET", "s:int", "12345", "s:neg", "-7", "s:max",
           "9223372036854775807", "s:embstr", "hello", "s:raw", raw, "s:empty",
           "", "s:zeros", "007", "s:huge-int",
           "123456789012345678901234567890");
    struct hs_reply r =
        callv(c, (const char *const[]){"SET", "s:big", big, NULL},
              (const size_t[]){3, 5, sizeof(big)});
    hs_reply_free(&r);
    r = callv(c, (const char *const[]){"SET", "s:bin", bin, NULL},
              (const size_t[]){3, 5, sizeof(bin)});
    hs_reply_free(&r);

    EXPECT(c, ":14\r\n", "RPUSH", "l:ints", "0", "127", "128", "-4096", "4095",
           "32767", "-32768", "8388607", "2147483647", "-2147483648",
           "9223372036854775807", "-9223372036854775808",
           "12345678901234567890", "007");
    EXPECT(c, ":3\r\n", "RPUSH", "l:small", "a", "b", "c");
    for (int i = 0; i < 5000; i++) {
        snprintf(val, sizeof(val), "item:%d", i);
        const char *argv[] = {"RPUSH", "l:large", val};
        hs_encode(&req, &len, 3, argv, NULL);
        n++;
    }
    for (int i = 0; i < 3; i++) {
        const char *argv[] = {"RPUSH", "l:bigelems", big};
        const size_t lens[] = {5, 10, 20000 + (size_t)i};
        hs_encode(&req, &len, 3, argv, lens);
        n++;
    }
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "f%d", i);
        snprintf(val, sizeof(val), "%d", i * 7);
        const char *argv[] = {"HSET", "h:large", key, val};
        hs_encode(&req, &len, 4, argv, NULL);
        n++;
    }
    pipeline(c, req, len, n);

    EXPECT(c, ":4\r\n", "HSET", "h:small", "name", "respd", "n", "42", "neg",
           "-1", "empty", "");
    EXPECT(c, ":2\r\n", "HSET", "h:bigval", "short", "x", "long", raw);

    EXPECT(c, "+OK\r\n", "SET", "t:str", "v", "PX", "3600000");
    EXPECT(c, ":1\r\n", "RPUSH", "t:list", "x");
    EXPECT(c, ":1\r\n", "PEXPIRE", "t:list", "7200000");
    EXPECT(c, ":1\r\n", "HSET", "t:hash", "f", "v");
    EXPECT(c, ":1\r\n", "EXPIREAT", "t:hash", "4102444800");
    EXPECT(c, "+OK\r\n", "SET", "t:gone", "v", "PX", "1");

    EXPECT(c, "+OK\r\n", "SELECT", "1");
    EXPECT(c, "+OK\r\n", "SET", "x", "in db 1");
    EXPECT(c, "+OK\r\n", "SELECT", "9");
    EXPECT(c, ":2\r\n", "RPUSH", "x", "in", "db 9");
    EXPECT(c, "+OK\r\n", "SELECT", "0");
    hs_sleep_ms(5); /* t:gone has expired */
}

/* A printable, unambiguous form of bytes. */
static void put_bytes(FILE *out, const char *p, size_t n)
{
    fprintf(out, "%zu:", n);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '\\')
            fputc(ch, out);
        else
            fprintf(out, "\\x%02x", ch);
    }
    fputc(' ', out);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The elements of an array reply, as put_bytes text, in order or sorted
 * (pairs kept together when pairs is set). */
static void put_elements(FILE *out, struct resp_reply *a, int sort, int pairs)
{
    size_t step = pairs ? 2 : 1, n = a->elements / step;
    char **items = calloc(n ? n : 1, sizeof(*items));

    for (size_t i = 0; i < n; i++) {
        size_t len;
        FILE *f = open_memstream(&items[i], &len);
        for (size_t j = 0; j < step; j++) {
            struct resp_reply *e = a->element[i * step + j];
            put_bytes(f, e->str, e->len);
        }
        fclose(f);
    }
    if (sort)
        qsort(items, n, sizeof(*items), cmp_str);
    for (size_t i = 0; i < n; i++) {
        fputs(items[i], out);
        free(items[i]);
    }
    free(items);
}

static void digest_key(struct hs_client *c, FILE *out, const char *key)
{
    struct hs_reply type = CALL(c, "TYPE", key);
    struct hs_reply enc = CALL(c, "OBJECT", "ENCODING", key);
    long long when = CALL_INT(c, "PEXPIRETIME", key);

    fprintf(out, "%s %s %s %lld ", key, type.reply->str, enc.reply->str, when);
    struct hs_reply v;
    if (strcmp(type.reply->str, "string") == 0) {
        v = CALL(c, "GET", key);
        put_bytes(out, v.reply->str, v.reply->len);
    } else if (strcmp(type.reply->str, "list") == 0) {
        v = CALL(c, "LRANGE", key, "0", "-1");
        put_elements(out, v.reply, 0, 0);
    } else {
        cr_assert_str_eq(type.reply->str, "hash");
        v = CALL(c, "HGETALL", key);
        put_elements(out, v.reply, 1, 1);
    }
    fputc('\n', out);
    hs_reply_free(&v);
    hs_reply_free(&type);
    hs_reply_free(&enc);
}

/* Every key of every database, sorted, with type, encoding, expiry time
 * and value.  The caller frees the text. */
static char *digest(struct hs_client *c)
{
    char *text;
    size_t len;
    FILE *out = open_memstream(&text, &len);

    for (int db = 0; db < 16; db++) {
        char dbs[8];
        snprintf(dbs, sizeof(dbs), "%d", db);
        EXPECT(c, "+OK\r\n", "SELECT", dbs);
        struct hs_reply keys = CALL(c, "KEYS", "*");
        char **names = calloc(keys.reply->elements + 1, sizeof(*names));
        for (size_t i = 0; i < keys.reply->elements; i++)
            names[i] = keys.reply->element[i]->str;
        qsort(names, keys.reply->elements, sizeof(*names), cmp_str);
        for (size_t i = 0; i < keys.reply->elements; i++) {
            fprintf(out, "db%d ", db);
            digest_key(c, out, names[i]);
        }
        free(names);
        hs_reply_free(&keys);
    }
    EXPECT(c, "+OK\r\n", "SELECT", "0");
    fclose(out);
    return text;
}

/* --- a BGSAVE child held in progress ------------------------------------ */

/* HEAVY_KEYS incompressible values of HEAVY_VALUE_LEN bytes. */
static void populate_heavy(struct hs_client *c)
{
    char *val = malloc(HEAVY_VALUE_LEN), key[32], *req = NULL;
    size_t len = 0;

    for (int i = 0; i < HEAVY_KEYS; i++) {
        fill_random(val, HEAVY_VALUE_LEN);
        snprintf(key, sizeof(key), "heavy:%d", i);
        const char *argv[] = {"SET", key, val};
        const size_t lens[] = {3, strlen(key), HEAVY_VALUE_LEN};
        hs_encode(&req, &len, 3, argv, lens);
    }
    free(val);
    pipeline(c, req, len, HEAVY_KEYS);
}

/* The state letter in /proc/<pid>/stat, or 0 if the process is gone. */
static char proc_state(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : 0;
}

/* The pid in the last line of the log that has needle just before it. */
static pid_t logged_pid(const char *needle)
{
    char *log = hs_log(&srv), *last = NULL;

    for (char *p = log; p && (p = strstr(p, needle)); p++)
        last = p;
    cr_assert_not_null(last, "no \"%s\" in the log:\n%s", needle, log);
    pid_t pid = (pid_t)atol(last + strlen(needle));
    free(log);
    return pid;
}

static pid_t bgsave_child_pid(void)
{
    return logged_pid("Background saving started by pid ");
}

static void stop_child(pid_t pid)
{
    cr_assert_eq(kill(pid, SIGSTOP), 0);
    for (int i = 0; i < 100 && proc_state(pid) != 'T'; i++)
        hs_sleep_ms(5);
    cr_assert_eq(proc_state(pid), 'T', "child %d was not stopped in time",
                 (int)pid);
}

/* The AOF rewrite child started by the last command, stopped. */
static pid_t stop_rewrite_child(void)
{
    pid_t pid =
        logged_pid("Background append only file rewriting started by pid ");
    stop_child(pid);
    return pid;
}

/* Start a BGSAVE of the heavy dataset and stop its child once it has
 * created its temporary file.  Returns the child's pid. */
static pid_t start_stopped_bgsave(struct hs_client *c)
{
    char temp[64];

    populate_heavy(c);
    EXPECT(c, "+Background saving started\r\n", "BGSAVE");
    pid_t pid = bgsave_child_pid();
    snprintf(temp, sizeof(temp), "temp-%d.rdb", (int)pid);
    for (int i = 0; i < 1000 && !dir_has(temp) && proc_state(pid) != 0; i++)
        hs_sleep_ms(1);
    stop_child(pid);
    return pid;
}

static void wait_bgsave_done(struct hs_client *c)
{
    long long deadline = hs_now_ms() + WAIT_MS;
    while (info_ll(c, "rdb_bgsave_in_progress") != 0) {
        cr_assert_lt(hs_now_ms(), deadline, "BGSAVE still running");
        hs_sleep_ms(10);
    }
}

/* Make every later BGSAVE and SAVE fail: dir becomes a directory that is
 * then removed, so no temporary file can be created in it. */
static void break_dir(struct hs_client *c)
{
    char sub[256];
    dir_path(sub, sizeof(sub), "gone");
    cr_assert_eq(mkdir(sub, 0755), 0);
    EXPECT(c, "+OK\r\n", "CONFIG", "SET", "dir", sub);
    cr_assert_eq(rmdir(sub), 0);
}

static void failed_bgsave(struct hs_client *c)
{
    break_dir(c);
    EXPECT(c, "+Background saving started\r\n", "BGSAVE");
    wait_log("Background saving error", 1);
    wait_bgsave_done(c);
    assert_info(c, "rdb_last_bgsave_status", "err");
}

/* --- SAVE and BGSAVE ----------------------------------------------------- */

Test(snapshot, save_answers_ok_and_writes_dbfilename)
{
    EXPECT(&cli, "+OK\r\n", "SET", "k", "v");
    cr_assert(!dir_has("dump.rdb"));
    EXPECT(&cli, "+OK\r\n", "SAVE");
    cr_assert(dir_has("dump.rdb"));
    assert_info(&cli, "rdb_changes_since_last_save", "0");
    assert_info(&cli, "rdb_saves", "1");
    cr_assert_eq(log_count("DB saved on disk"), 1);
}

Test(snapshot, save_writes_the_configured_dbfilename)
{
    EXPECT(&cli, "+OK\r\n", "CONFIG", "SET", "dbfilename", "other.rdb");
    EXPECT(&cli, "+OK\r\n", "SAVE");
    cr_assert(dir_has("other.rdb"));
    cr_assert(!dir_has("dump.rdb"));
}

Test(snapshot, bgsave_answers_started_and_the_dump_appears)
{
    EXPECT(&cli, "+OK\r\n", "SET", "k", "v");
    EXPECT(&cli, "+Background saving started\r\n", "BGSAVE");
    wait_log("Background saving terminated with success", 1);
    wait_bgsave_done(&cli);
    cr_assert(dir_has("dump.rdb"));
    assert_info(&cli, "rdb_last_bgsave_status", "ok");
    assert_info(&cli, "rdb_changes_since_last_save", "0");
    assert_info(&cli, "rdb_current_bgsave_time_sec", "-1");
    cr_assert_geq(info_ll(&cli, "rdb_last_bgsave_time_sec"), 0);
    assert_info(&cli, "rdb_saves", "1");
    pid_t pid = bgsave_child_pid();
    char name[64];
    snprintf(name, sizeof(name), "temp-%d.rdb", (int)pid);
    cr_assert(!dir_has(name), "%s left behind", name);
}

Test(snapshot, bgsave_with_bad_arguments_is_a_syntax_error)
{
    EXPECT(&cli, "-ERR syntax error\r\n", "BGSAVE", "later");
    EXPECT(&cli, "-ERR syntax error\r\n", "BGSAVE", "SCHEDULE", "x");
    EXPECT(&cli, "-ERR wrong number of arguments for 'save' command\r\n",
           "SAVE", "x");
}

Test(snapshot, save_is_refused_inside_multi)
{
    EXPECT(&cli, "+OK\r\n", "MULTI");
    EXPECT(&cli, "-ERR Command not allowed inside a transaction\r\n", "SAVE");
    EXPECT(&cli, "+QUEUED\r\n", "BGSAVE");
    EXPECT(&cli,
           "-EXECABORT Transaction discarded because of previous errors.\r\n",
           "EXEC");
}

Test(snapshot, bgsave_inside_exec_is_scheduled_and_then_runs)
{
    EXPECT(&cli, "+OK\r\n", "MULTI");
    EXPECT(&cli, "+QUEUED\r\n", "BGSAVE");
    EXPECT(&cli, "*1\r\n+Background saving scheduled\r\n", "EXEC");
    wait_log("Background saving terminated with success", 1);
    cr_assert(dir_has("dump.rdb"));
}

Test(snapshot, save_and_bgsave_are_refused_while_a_bgsave_runs)
{
    pid_t pid = start_stopped_bgsave(&cli);

    EXPECT(&cli, "-ERR Background save already in progress\r\n", "SAVE");
    EXPECT(&cli, "-ERR Background save already in progress\r\n", "BGSAVE");
    EXPECT(&cli, "-ERR Background save already in progress\r\n", "BGSAVE",
           "SCHEDULE");
    assert_info(&cli, "rdb_bgsave_in_progress", "1");
    cr_assert_geq(info_ll(&cli, "rdb_current_bgsave_time_sec"), 0);
    kill(pid, SIGCONT);
    wait_bgsave_done(&cli);
    assert_info(&cli, "rdb_last_bgsave_status", "ok");
    assert_info(&cli, "rdb_current_bgsave_time_sec", "-1");
}

Test(snapshot, bgsave_dump_holds_the_data_as_at_the_fork)
{
    EXPECT(&cli, "+OK\r\n", "SET", "before", "1");
    pid_t pid = start_stopped_bgsave(&cli);

    EXPECT(&cli, "+OK\r\n", "SET", "after", "1");
    EXPECT(&cli, ":1\r\n", "DEL", "before");
    EXPECT(&cli, ":1\r\n", "DEL", "heavy:0");
    kill(pid, SIGCONT);
    wait_bgsave_done(&cli);
    /* What changed while the child ran is not saved yet. */
    assert_info(&cli, "rdb_changes_since_last_save", "3");

    kill_and_restart();
    EXPECT(&cli, "$1\r\n1\r\n", "GET", "before");
    EXPECT(&cli, ":0\r\n", "EXISTS", "after");
    EXPECT(&cli, ":1\r\n", "EXISTS", "heavy:0");
    cr_assert_eq(CALL_INT(&cli, "DBSIZE"), HEAVY_KEYS + 1);
}

/* BGSAVE arrives somewhere inside a pipeline of transactions: the dump
 * holds a prefix of them, each one whole. */
Test(snapshot, bgsave_under_a_write_load_saves_a_consistent_prefix)
{
    struct hs_client other;
    char *req = NULL, key[32], val[32];
    size_t len = 0;

    cr_assert_eq(hs_connect(&srv, &other), 0);
    for (int i = 0; i < LOAD_WRITES; i++) {
        snprintf(key, sizeof(key), "k:%d", i);
        snprintf(val, sizeof(val), "%d", i);
        const char *multi[] = {"MULTI"}, *exec[] = {"EXEC"};
        const char *set[] = {"SET", key, val};
        const char *last[] = {"SET", "last", val};
        const char *push[] = {"RPUSH", "log", val};
        hs_encode(&req, &len, 1, multi, NULL);
        hs_encode(&req, &len, 3, set, NULL);
        hs_encode(&req, &len, 3, last, NULL);
        hs_encode(&req, &len, 3, push, NULL);
        hs_encode(&req, &len, 1, exec, NULL);
    }
    cr_assert_eq(hs_send(&cli, req, len), 0);
    free(req);
    hs_sleep_ms(2);
    EXPECT(&other, "+Background saving started\r\n", "BGSAVE");
    for (int i = 0; i < 5 * LOAD_WRITES; i++) {
        struct hs_reply r;
        cr_assert_eq(hs_read_reply(&cli, HS_TIMEOUT_MS, &r), HS_OK);
        hs_reply_free(&r);
    }
    wait_bgsave_done(&other);
    assert_info(&other, "rdb_last_bgsave_status", "ok");
    hs_close(&other);

    kill_and_restart();
    long long keys = CALL_INT(&cli, "DBSIZE");
    if (keys == 0)
        return; /* saved before the first write: an empty prefix */
    struct hs_reply last = CALL(&cli, "GET", "last");
    cr_assert_eq(last.reply->type, RESP_STRING, "no 'last' in %lld keys", keys);
    long long n = atoll(last.reply->str);
    hs_reply_free(&last);
    cr_assert_eq(keys, n + 3, "last=%lld, %lld keys", n, keys);
    cr_assert_eq(CALL_INT(&cli, "LLEN", "log"), n + 1);
    snprintf(key, sizeof(key), "k:%lld", n);
    cr_assert_eq(CALL_INT(&cli, "EXISTS", key), 1);
    snprintf(key, sizeof(key), "k:%lld", n + 1);
    cr_assert_eq(CALL_INT(&cli, "EXISTS", key), 0);
    /* Not only the counts: every value of the prefix, the log in order. */
    struct hs_reply log = CALL(&cli, "LRANGE", "log", "0", "-1");
    cr_assert_eq(log.reply->elements, (size_t)n + 1);
    for (long long i = 0; i <= n; i++) {
        snprintf(val, sizeof(val), "%lld", i);
        cr_assert_str_eq(log.reply->element[i]->str, val, "log[%lld]", i);
    }
    hs_reply_free(&log);
    for (long long i = 0; i <= n; i++) {
        snprintf(key, sizeof(key), "k:%lld", i);
        snprintf(val, sizeof(val), "%lld", i);
        struct hs_reply v = CALL(&cli, "GET", key);
        cr_assert_eq(v.reply->type, RESP_STRING, "%s missing", key);
        cr_assert_str_eq(v.reply->str, val, "%s", key);
        hs_reply_free(&v);
    }
}

Test(snapshot, a_killed_bgsave_child_is_a_failure_and_leaves_no_temp_file)
{
    pid_t pid = start_stopped_bgsave(&cli);
    char name[64];

    snprintf(name, sizeof(name), "temp-%d.rdb", (int)pid);
    cr_assert(dir_has(name));
    kill(pid, SIGKILL);
    wait_log("Background saving terminated by signal 9", 1);
    wait_bgsave_done(&cli);
    assert_info(&cli, "rdb_last_bgsave_status", "err");
    cr_assert(!dir_has(name), "%s left behind", name);
    cr_assert(!dir_has("dump.rdb"));
    /* No save rules: nothing is refused. */
    EXPECT(&cli, "+OK\r\n", "SET", "k", "v");
}

Test(snapshot, lastsave_changes_after_a_save)
{
    long long before = CALL_INT(&cli, "LASTSAVE");
    cr_assert_eq(info_ll(&cli, "rdb_last_save_time"), before);
    hs_sleep_ms(1100);
    EXPECT(&cli, "+OK\r\n", "SAVE");
    long long after = CALL_INT(&cli, "LASTSAVE");
    cr_assert_gt(after, before);
    cr_assert_eq(info_ll(&cli, "rdb_last_save_time"), after);
}

/* --- restarts ------------------------------------------------------------ */

Test(snapshot, restart_after_save_keeps_every_type_encoding_and_ttl)
{
    populate(&cli);
    char *want = digest(&cli);
    EXPECT(&cli, "+OK\r\n", "SAVE");
    kill_and_restart();

    char *got = digest(&cli);
    cr_assert_str_eq(got, want);
    cr_assert_eq(log_count("DB loaded from disk"), 1);
    cr_assert_eq(log_count("Done loading RDB, keys loaded: "), 1);
    free(want);
    free(got);
}

Test(snapshot, restart_after_shutdown_with_save_rules_keeps_everything)
{
    populate(&cli);
    char *want = digest(&cli);
    EXPECT(&cli, "+OK\r\n", "CONFIG", "SET", "save", "3600 1000000");
    shutdown_server(NULL);
    cr_assert(dir_has("dump.rdb"));
    char *log = hs_log(&srv);
    cr_assert_not_null(strstr(log, "User requested shutdown...\n"));
    cr_assert_not_null(
        strstr(log, "Saving the final RDB snapshot before exiting.\n"));
    cr_assert_not_null(strstr(log, "DB saved on disk\n"));
    free(log);
    restart();

    char *got = digest(&cli);
    cr_assert_str_eq(got, want);
    free(want);
    free(got);
}

Test(snapshot, sigterm_with_save_rules_saves_first)
{
    EXPECT(&cli, "+OK\r\n", "CONFIG", "SET", "save", "3600 1000000");
    EXPECT(&cli, "+OK\r\n", "SET", "k", "kept");
    hs_close(&cli);
    cr_assert_eq(hs_terminate(&srv), 0);
    restart();
    EXPECT(&cli, "$4\r\nkept\r\n", "GET", "k");
}

Test(snapshot, shutdown_nosave_does_not_save)
{
    EXPECT(&cli, "+OK\r\n", "CONFIG", "SET", "save", "3600 1");
    EXPECT(&cli, "+OK\r\n", "SET", "k", "v");
    shutdown_server("NOSAVE");
    cr_assert(!dir_has("dump.rdb"));
    restart();
    cr_assert_eq(CALL_INT(&cli, "DBSIZE"), 0);
}

Test(snapshot, shutdown_without_save_rules_saves_only_when_asked)
{
    EXPECT(&cli, "+OK\r\n", "SET", "k", "v");
    shutdown_server(NULL);
    cr_assert(!dir_has("dump.rdb"));
    restart();
    cr_assert_eq(CALL_INT(&cli, "DBSIZE"), 0);

    EXPECT(&cli, "+OK\r\n", "SET", "k", "v");
    shutdown_server("SAVE");
    restart();
    EXPECT(&cli, "$1\r\nv\r\n", "GET", "k");
}

Test(snapshot, shutdown_kills_a_running_bgsave)
{
    pid_t pid = start_stopped_bgsave(&cli);
    char name[64];

    snprintf(name, sizeof(name), "temp-%d.rdb", (int)pid);
    hs_cmd(&cli, "SHUTDOWN", "NOSAVE", NULL);
    /* Redis does not wait for the child: let a stopped one go on. */
    hs_sleep_ms(50);
    kill(pid, SIGCONT);
    cr_assert_eq(hs_wait_closed(&cli, HS_TIMEOUT_MS), HS_EOF);
    cr_assert_eq(hs_wait_exit(&srv, WAIT_MS), 0);
    cr_assert_eq(log_count("There is a child saving an .rdb. Killing it!"), 1);
    for (int i = 0; i < 100 && proc_state(pid) != 0; i++)
        hs_sleep_ms(10);
    cr_assert(!dir_has(name), "%s left behind", name);
}

Test(snapshot, a_failed_final_save_keeps_the_server_running)
{
    EXPECT(&cli, "+OK\r\n", "CONFIG", "SET", "save", "3600 1000000");
    EXPECT(&cli, "+OK\r\n", "SET", "k", "v");
    break_dir(&cli);
    EXPECT(&cli, "-ERR Errors trying to SHUTDOWN. Check logs.\r\n", "SHUTDOWN");
    EXPECT(&cli, "+PONG\r\n", "PING");
    cr_assert_eq(log_count("Error trying to save the DB, can't exit."), 1);

    kill(srv.pid, SIGTERM);
    wait_log("Errors trying to shut down the server. Check the logs for more "
             "information.",
             2);
    EXPECT(&cli, "$1\r\nv\r\n", "GET", "k");

    shutdown_server("FORCE");
    cr_assert_eq(log_count("Error trying to save the DB. Exit anyway."), 1);
}

/* --- save rules and MISCONF --------------------------------------------- */

Test(snapshot, a_save_rule_starts_a_bgsave)
{
    EXPECT(&cli, "+OK\r\n", "CONFIG", "SET", "save", "1 1");
    EXPECT(&cli, "+OK\r\n", "SET", "k", "v");
    wait_log("1 changes in 1 seconds. Saving...", 1);
    wait_log("Background saving terminated with success", 1);
    wait_bgsave_done(&cli);
    assert_info(&cli, "rdb_changes_since_last_save", "0");
    cr_assert(dir_has("dump.rdb"));
}

Test(snapshot, a_failed_bgsave_refuses_writes_and_ping_with_misconf)
{
    EXPECT(&cli, "+OK\r\n", "CONFIG", "SET", "save", "3600 1000000");
    EXPECT(&cli, "+OK\r\n", "SET", "k", "v");
    failed_bgsave(&cli);

    EXPECT(&cli, misconf, "SET", "k", "w");
    EXPECT(&cli, misconf, "DEL", "k");
    EXPECT(&cli, misconf, "FLUSHALL");
    EXPECT(&cli, misconf, "PING");
    EXPECT(&cli, "$1\r\nv\r\n", "GET", "k");
    EXPECT(&cli, "-ERR\r\n", "SAVE");

    /* Queued writes fail at once and doom the transaction. */
    EXPECT(&cli, "+OK\r\n", "MULTI");
    EXPECT(&cli, misconf, "SET", "k", "w");
    EXPECT(&cli,
           "-EXECABORT Transaction discarded because of previous errors.\r\n",
           "EXEC");
}

Test(snapshot, exec_of_queued_writes_is_refused_after_a_failed_bgsave)
{
    EXPECT(&cli, "+OK\r\n", "CONFIG", "SET", "save", "3600 1000000");
    EXPECT(&cli, "+OK\r\n", "MULTI");
    EXPECT(&cli, "+QUEUED\r\n", "SET", "k", "w");
    struct hs_client other;
    cr_assert_eq(hs_connect(&srv, &other), 0);
    failed_bgsave(&other);
    hs_close(&other);

    char want[1024];
    snprintf(want, sizeof(want),
             "-EXECABORT Transaction discarded because of: %s", misconf + 1);
    EXPECT(&cli, want, "EXEC");
    EXPECT(&cli, "$-1\r\n", "GET", "k");

    /* Without a write queued, EXEC runs. */
    EXPECT(&cli, "+OK\r\n", "MULTI");
    EXPECT(&cli, "+QUEUED\r\n", "GET", "k");
    EXPECT(&cli, "*1\r\n$-1\r\n", "EXEC");
}

Test(snapshot, misconf_lifts_with_a_successful_bgsave_or_the_settings)
{
    char dir[256];

    EXPECT(&cli, "+OK\r\n", "CONFIG", "SET", "save", "3600 1000000");
    failed_bgsave(&cli);
    EXPECT(&cli, misconf, "SET", "k", "v");

    EXPECT(&cli, "+OK\r\n", "CONFIG", "SET", "stop-writes-on-bgsave-error",
           "no");
    EXPECT(&cli, "+OK\r\n", "SET", "k", "v");
    EXPECT(&cli, "+OK\r\n", "CONFIG", "SET", "stop-writes-on-bgsave-error",
           "yes");
    EXPECT(&cli, misconf, "SET", "k", "v");
    EXPECT(&cli, "+OK\r\n", "CONFIG", "SET", "save", "");
    EXPECT(&cli, "+OK\r\n", "SET", "k", "v");
    EXPECT(&cli, "+OK\r\n", "CONFIG", "SET", "save", "3600 1000000");
    EXPECT(&cli, misconf, "SET", "k", "v");

    dir_path(dir, sizeof(dir), "");
    EXPECT(&cli, "+OK\r\n", "CONFIG", "SET", "dir", dir);
    EXPECT(&cli, "+Background saving started\r\n", "BGSAVE");
    wait_log("Background saving terminated with success", 1);
    wait_bgsave_done(&cli);
    assert_info(&cli, "rdb_last_bgsave_status", "ok");
    EXPECT(&cli, "+OK\r\n", "SET", "k", "w");
    EXPECT(&cli, "+PONG\r\n", "PING");
}

Test(snapshot, a_failed_save_rule_waits_before_trying_again, .timeout = 60)
{
    EXPECT(&cli, "+OK\r\n", "CONFIG", "SET", "save", "1 1");
    break_dir(&cli);
    EXPECT(&cli, "+OK\r\n", "SET", "k", "v");
    wait_log("Background saving error", 1);
    long long failed_at = hs_now_ms();
    EXPECT(&cli, misconf, "SET", "k", "v");

    hs_sleep_ms(3000);
    cr_assert_eq(log_count("1 changes in 1 seconds. Saving..."), 1,
                 "retried within 3 s");
    wait_log("1 changes in 1 seconds. Saving...", 2);
    cr_assert_lt(hs_now_ms() - failed_at, 7500);
}

/* --- FLUSHALL, DEBUG RELOAD, the settings -------------------------------- */

Test(snapshot, flushall_with_save_rules_saves_the_empty_dataset)
{
    EXPECT(&cli, "+OK\r\n", "SET", "k", "v");
    EXPECT(&cli, "+OK\r\n", "SAVE");
    EXPECT(&cli, "+OK\r\n", "CONFIG", "SET", "save", "3600 1000000");
    EXPECT(&cli, "+OK\r\n", "SET", "k2", "v");
    EXPECT(&cli, "+OK\r\n", "FLUSHALL");
    assert_info(&cli, "rdb_changes_since_last_save", "0");
    cr_assert_eq(log_count("DB saved on disk"), 2);
    kill_and_restart();
    cr_assert_eq(CALL_INT(&cli, "DBSIZE"), 0);
}

Test(snapshot, flushall_without_save_rules_leaves_the_dump)
{
    EXPECT(&cli, "+OK\r\n", "SET", "k", "v");
    EXPECT(&cli, "+OK\r\n", "SAVE");
    EXPECT(&cli, "+OK\r\n", "FLUSHALL");
    kill_and_restart();
    EXPECT(&cli, "$1\r\nv\r\n", "GET", "k");
}

Test(snapshot, flushall_kills_a_running_bgsave_without_an_error)
{
    pid_t pid = start_stopped_bgsave(&cli);

    EXPECT(&cli, "+OK\r\n", "CONFIG", "SET", "save", "3600 1000000");
    EXPECT(&cli, "+OK\r\n", "FLUSHALL");
    kill(pid, SIGCONT); /* Redis does not wait for the child */
    wait_log("Background saving terminated by signal 10", 1);
    wait_bgsave_done(&cli);
    assert_info(&cli, "rdb_last_bgsave_status", "ok");
    EXPECT(&cli, "+OK\r\n", "SET", "k", "v");
}

Test(snapshot, debug_reload_keeps_the_data)
{
    populate(&cli);
    char *want = digest(&cli);
    EXPECT(&cli, "+OK\r\n", "DEBUG", "RELOAD");
    char *got = digest(&cli);
    cr_assert_str_eq(got, want);
    free(want);
    free(got);
}

Test(snapshot, debug_reload_nosave_goes_back_to_the_dump)
{
    EXPECT(&cli, "+OK\r\n", "SET", "k", "saved");
    EXPECT(&cli, "+OK\r\n", "SAVE");
    EXPECT(&cli, "+OK\r\n", "SET", "k", "changed");
    EXPECT(&cli, "+OK\r\n", "SET", "new", "x");
    EXPECT(&cli, "+OK\r\n", "DEBUG", "RELOAD", "NOSAVE");
    EXPECT(&cli, "$5\r\nsaved\r\n", "GET", "k");
    EXPECT(&cli, ":0\r\n", "EXISTS", "new");

    EXPECT(&cli, "+OK\r\n", "SET", "k", "changed");
    EXPECT(&cli, "+OK\r\n", "SET", "new", "x");
    EXPECT(&cli, "+OK\r\n", "DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE");
    EXPECT(&cli, "$5\r\nsaved\r\n", "GET", "k");
    EXPECT(&cli, "$1\r\nx\r\n", "GET", "new");
    EXPECT(&cli,
           "-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE "
           "options.\r\n",
           "DEBUG", "RELOAD", "FAST");
}

/* The last 8 bytes of dump.rdb, as a little-endian number. */
static unsigned long long dump_checksum(void)
{
    char path[256];
    unsigned char b[8];
    dir_path(path, sizeof(path), "dump.rdb");
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    cr_assert_eq(fseek(f, -8, SEEK_END), 0);
    cr_assert_eq(fread(b, 1, 8, f), 8);
    fclose(f);
    unsigned long long v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | b[i];
    return v;
}

static long long dump_size(void)
{
    char path[256];
    struct stat st;
    dir_path(path, sizeof(path), "dump.rdb");
    cr_assert_eq(stat(path, &st), 0);
    return (long long)st.st_size;
}

/* rdbchecksum cannot change at runtime (Redis 7: immutable). */
Test(snapshot, rdbchecksum_no_writes_a_zero_checksum_that_still_loads)
{
    EXPECT(&cli, "+OK\r\n", "SET", "k", "v");
    EXPECT(&cli, "+OK\r\n", "SAVE");
    cr_assert_neq(dump_checksum(), 0);
    hs_kill(&srv);
    restart_with((const char *const[]){"--rdbchecksum", "no", NULL});
    EXPECT(&cli, "$1\r\nv\r\n", "GET", "k");
    EXPECT(&cli, "+OK\r\n", "SET", "k", "w");
    EXPECT(&cli, "+OK\r\n", "SAVE");
    cr_assert_eq(dump_checksum(), 0);
    kill_and_restart();
    EXPECT(&cli, "$1\r\nw\r\n", "GET", "k");
}

Test(snapshot, rdbcompression_no_stores_long_strings_as_they_are)
{
    char value[10001];
    memset(value, 'a', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';

    EXPECT(&cli, "+OK\r\n", "SET", "k", value);
    EXPECT(&cli, "+OK\r\n", "SAVE");
    cr_assert_lt(dump_size(), 1000);
    EXPECT(&cli, "+OK\r\n", "CONFIG", "SET", "rdbcompression", "no");
    EXPECT(&cli, "+OK\r\n", "SAVE");
    cr_assert_gt(dump_size(), 10000);
    kill_and_restart();
    struct hs_reply r = CALL(&cli, "GET", "k");
    cr_assert_str_eq(r.reply->str, value);
    hs_reply_free(&r);
}

/* --- with an AOF rewrite child ------------------------------------------- */

Test(snapshot, bgsave_during_an_aof_rewrite_waits_only_when_scheduled)
{
    EXPECT(&cli, "+OK\r\n", "CONFIG", "SET", "appendonly", "yes");
    wait_log("Background AOF rewrite finished successfully", 1);
    populate_heavy(&cli);
    EXPECT(&cli, "+Background append only file rewriting started\r\n",
           "BGREWRITEAOF");
    pid_t pid = stop_rewrite_child();

    EXPECT(&cli,
           "-ERR Another child process is active (AOF?): can't BGSAVE right "
           "now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever "
           "possible.\r\n",
           "BGSAVE");
    EXPECT(&cli, "+Background saving scheduled\r\n", "BGSAVE", "SCHEDULE");
    assert_info(&cli, "rdb_bgsave_in_progress", "0");
    EXPECT(&cli, "+OK\r\n", "SAVE"); /* only a BGSAVE child stops SAVE */
    cr_assert_eq(log_count("Background saving started"), 0);

    kill(pid, SIGCONT);
    wait_log("Background saving terminated with success", 1);
    cr_assert_eq(log_count("Background saving started"), 1);
}

Test(snapshot, shutdown_kills_an_aof_rewrite_and_keeps_the_aof)
{
    EXPECT(&cli, "+OK\r\n", "CONFIG", "SET", "appendonly", "yes");
    wait_log("Background AOF rewrite finished successfully", 1);
    EXPECT(&cli, "+OK\r\n", "SET", "k", "v");
    populate_heavy(&cli);
    EXPECT(&cli, "+Background append only file rewriting started\r\n",
           "BGREWRITEAOF");
    pid_t pid = stop_rewrite_child();

    hs_cmd(&cli, "SHUTDOWN", NULL);
    hs_sleep_ms(50);
    kill(pid, SIGCONT); /* Redis waits for the killed child */
    cr_assert_eq(hs_wait_closed(&cli, HS_TIMEOUT_MS), HS_EOF);
    cr_assert_eq(hs_wait_exit(&srv, WAIT_MS), 0);
    cr_assert_eq(log_count("There is a child rewriting the AOF. Killing it!"),
                 1);
    restart_with((const char *const[]){"--appendonly", "yes", NULL});
    EXPECT(&cli, "$1\r\nv\r\n", "GET", "k");
    cr_assert_eq(CALL_INT(&cli, "DBSIZE"), HEAVY_KEYS + 1);
}

/* Turned on at runtime, the AOF exists only once its first rewrite is
 * done: exiting before would lose the data. */
Test(snapshot, shutdown_while_the_first_aof_is_written_needs_force)
{
    populate_heavy(&cli);
    EXPECT(&cli, "+OK\r\n", "CONFIG", "SET", "appendonly", "yes");
    pid_t pid = stop_rewrite_child();

    EXPECT(&cli, "-ERR Errors trying to SHUTDOWN. Check logs.\r\n", "SHUTDOWN");
    cr_assert_eq(log_count("Writing initial AOF, can't exit."), 1);
    hs_cmd(&cli, "SHUTDOWN", "FORCE", NULL);
    hs_sleep_ms(50);
    kill(pid, SIGCONT);
    cr_assert_eq(hs_wait_closed(&cli, HS_TIMEOUT_MS), HS_EOF);
    cr_assert_eq(hs_wait_exit(&srv, WAIT_MS), 0);
    cr_assert_eq(log_count("Writing initial AOF. Exit anyway."), 1);
}

/* --- start-up with a bad dump -------------------------------------------- */

/* Replace dump.rdb with n bytes, restart, and expect the server to exit
 * with status 1; returns its log. */
static char *restart_with_dump(const void *bytes, size_t n)
{
    char path[256];
    hs_close(&cli);
    hs_terminate(&srv);
    dir_path(path, sizeof(path), "dump.rdb");
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(bytes, 1, n, f), n);
    fclose(f);
    /* It may or may not be seen listening before it gives up. */
    hs_restart(&srv, SERVER_OPTS, NULL);
    cr_assert_eq(hs_wait_exit(&srv, WAIT_MS), 0, "still running");
    cr_assert(WIFEXITED(srv.status) && WEXITSTATUS(srv.status) == 1,
              "status 0x%x", srv.status);
    return hs_log(&srv);
}

/* dump.rdb as the server wrote it, in a malloc'd buffer. */
static char *read_dump(size_t *n)
{
    char path[256], *buf;
    dir_path(path, sizeof(path), "dump.rdb");
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    buf = malloc(*n);
    cr_assert_eq(fread(buf, 1, *n, f), *n);
    fclose(f);
    return buf;
}

Test(snapshot, a_truncated_dump_stops_startup)
{
    size_t n;
    EXPECT(&cli, ":3\r\n", "RPUSH", "l", "a", "b", "c");
    EXPECT(&cli, "+OK\r\n", "SAVE");
    char *dump = read_dump(&n);
    char *log = restart_with_dump(dump, n - 12);
    cr_assert_not_null(strstr(log, "Short read or OOM loading DB. "
                                   "Unrecoverable error, aborting now."),
                       "log:\n%s", log);
    free(log);
    free(dump);
}

Test(snapshot, a_dump_with_a_bad_checksum_stops_startup)
{
    size_t n;
    EXPECT(&cli, "+OK\r\n", "SET", "k", "v");
    EXPECT(&cli, "+OK\r\n", "SAVE");
    char *dump = read_dump(&n);
    dump[n - 1] ^= 1;
    char *log = restart_with_dump(dump, n);
    cr_assert_not_null(strstr(log, "Wrong RDB checksum expected: ("),
                       "log:\n%s", log);
    free(log);
    free(dump);
}

Test(snapshot, a_dump_with_a_set_stops_startup_naming_the_type)
{
    static const char dump[] = "REDIS0010"
                               "\xfe\x00"       /* SELECTDB 0 */
                               "\x02\x01s\x01m" /* a set s = {m} */
                               "\xff"
                               "\0\0\0\0\0\0\0\0"; /* no checksum */
    if (hs_is_redis())
        cr_skip_test("redis-server loads sets");
    char *log = restart_with_dump(dump, sizeof(dump) - 1);
    cr_assert_not_null(strstr(log, "set values are not supported"), "log:\n%s",
                       log);
    free(log);
}
