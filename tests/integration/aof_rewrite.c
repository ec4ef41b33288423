/* aof_rewrite.c -- the running AOF: rewrites, turning it on and off,
 * write errors, INFO persistence.
 *
 * Behaviour and texts are redis-server 7.0.15's, checked by running these
 * tests against it (RESPD=/usr/bin/redis-server):
 * - BGREWRITEAOF forks a child that writes the data as a new base
 *   (appendonlydir/appendonly.aof.<n>.base.rdb, or .base.aof of commands
 *   with aof-use-rdb-preamble no) while new writes go to a new incr file;
 *   then the manifest lists only the new base and that incr file and the
 *   older files are deleted.  A second BGREWRITEAOF meanwhile is refused,
 *   one during a BGSAVE or inside MULTI is scheduled.
 * - No acknowledged write is lost: writes made while the child runs
 *   survive a restart, and a crash (SIGKILL) before the rewrite ends.
 * - CONFIG SET appendonly yes starts a rewrite whose base becomes the
 *   AOF; writes made meanwhile go to temp-appendonly.aof.incr, renamed to
 *   the first incr file once the base exists.  appendonly no stops
 *   appending.
 * - The AOF is rewritten by itself once it grew by auto-aof-rewrite-
 *   percentage over at least auto-aof-rewrite-min-size.
 * - A failing AOF write (here: the incr file is /dev/full) makes writes
 *   fail with -MISCONF until a write succeeds again; with appendfsync
 *   always the server exits instead.
 *
 * To catch a rewrite in the middle, tests stop the rewrite child with
 * SIGSTOP (its pid is in the log line "Background append only file
 * rewriting started by pid N") and let it go on with SIGCONT; commands
 * pipelined in one write are all served before the server looks at its
 * child again. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define BIG_KEYS      200000 /* enough for a child to run a while */
#define MSET_PAIRS    1000
#define WAIT_MS       10000
#define DURING_WRITES 500

TestSuite(aof_rewrite, .timeout = 90);

/* ---- requests ----------------------------------------------------------- */

static void send_args(struct hs_client *c, int argc, const char *const *argv)
{
    char *req = NULL;
    size_t len = 0;

    hs_encode(&req, &len, argc, argv, NULL);
    cr_assert_eq(hs_send(c, req, len), 0, "send %s failed", argv[0]);
    free(req);
}

/* The reply to one request (arguments NULL-terminated); the caller frees
 * it with hs_reply_free(). */
static struct hs_reply call(struct hs_client *c, ...)
{
    const char *argv[HS_MAX_ARGS];
    int argc = 0;
    struct hs_reply r;
    va_list ap;

    va_start(ap, c);
    for (const char *s; (s = va_arg(ap, const char *)) != NULL;)
        if (argc < HS_MAX_ARGS)
            argv[argc++] = s;
    va_end(ap);
    send_args(c, argc, argv);
    cr_assert_eq(hs_read_reply(c, WAIT_MS, &r), HS_OK, "no reply to %s",
                 argv[0]);
    return r;
}

#define expect_reply(c, want, ...)                                             \
    do {                                                                       \
        cr_assert_eq(hs_cmd((c), __VA_ARGS__, NULL), 0);                       \
        hs_assert_reply((c), want);                                            \
    } while (0)

/* The value of field in an INFO reply's text, as a string the caller
 * frees, or NULL when the field is absent. */
static char *field_of(const char *info, const char *field)
{
    char want[64];

    snprintf(want, sizeof(want), "\r\n%s:", field);
    const char *p = strstr(info, want);
    if (p == NULL)
        return NULL;
    p += strlen(want);
    return strndup(p, strcspn(p, "\r\n"));
}

static long long ll_of(const char *info, const char *field)
{
    char *v = field_of(info, field);
    cr_assert_not_null(v, "no %s in INFO persistence", field);
    long long n = atoll(v);
    free(v);
    return n;
}

/* The value of field in INFO persistence now (see field_of). */
static char *info_field(struct hs_client *c, const char *field)
{
    struct hs_reply r = call(c, "INFO", "persistence", NULL);

    cr_assert_eq(r.reply->type, RESP_STRING);
    char *value = field_of(r.reply->str, field);
    hs_reply_free(&r);
    return value;
}

static long long info_ll(struct hs_client *c, const char *field)
{
    char *v = info_field(c, field);
    cr_assert_not_null(v, "no %s in INFO persistence", field);
    long long n = atoll(v);
    free(v);
    return n;
}

static void assert_info(struct hs_client *c, const char *field,
                        const char *want)
{
    char *v = info_field(c, field);
    cr_assert_not_null(v, "no %s in INFO persistence", field);
    cr_assert_str_eq(v, want, "%s", field);
    free(v);
}

/* Wait until no rewrite runs or is scheduled and `rewrites` were started
 * in all (all three read from one INFO). */
static void wait_rewrites(struct hs_client *c, long long rewrites)
{
    long long deadline = hs_now_ms() + WAIT_MS;

    while (hs_now_ms() < deadline) {
        struct hs_reply r = call(c, "INFO", "persistence", NULL);
        const char *info = r.reply->str;
        int done = ll_of(info, "aof_rewrite_in_progress") == 0 &&
                   ll_of(info, "aof_rewrite_scheduled") == 0 &&
                   ll_of(info, "aof_rewrites") >= rewrites;
        hs_reply_free(&r);
        if (done)
            return;
        hs_sleep_ms(20);
    }
    cr_assert_fail("rewrite %lld did not finish", rewrites);
}

/* ---- data --------------------------------------------------------------- */

static void key_name(char *out, size_t cap, const char *prefix, int i)
{
    snprintf(out, cap, "%s:%d", prefix, i);
}

static void value_of(char *out, size_t cap, int i)
{
    snprintf(out, cap, "value-%d-padding-padding-padding-padding", i);
}

/* SET prefix:i for i in [from, to), with MSETs of MSET_PAIRS pairs, all
 * pipelined in one write. */
static void write_keys(struct hs_client *c, const char *prefix, int from,
                       int to)
{
    static char keys[MSET_PAIRS][32], vals[MSET_PAIRS][64];
    const char *argv[1 + 2 * MSET_PAIRS];
    char *req = NULL;
    size_t len = 0;
    int commands = 0;

    for (int i = from; i < to; commands++) {
        int argc = 0;
        argv[argc++] = "MSET";
        for (int j = 0; j < MSET_PAIRS && i < to; j++, i++) {
            key_name(keys[j], sizeof(keys[j]), prefix, i);
            value_of(vals[j], sizeof(vals[j]), i);
            argv[argc++] = keys[j];
            argv[argc++] = vals[j];
        }
        hs_encode(&req, &len, argc, argv, NULL);
    }
    cr_assert_eq(hs_send(c, req, len), 0);
    free(req);
    for (int i = 0; i < commands; i++)
        hs_assert_reply(c, "+OK\r\n");
}

/* Every prefix:i for i in [from, to) holds its value. */
static void check_keys(struct hs_client *c, const char *prefix, int from,
                       int to)
{
    static char keys[MSET_PAIRS][32];
    const char *argv[1 + MSET_PAIRS];
    char want[64];

    for (int i = from; i < to;) {
        int argc = 0, first = i;
        argv[argc++] = "MGET";
        for (int j = 0; j < MSET_PAIRS && i < to; j++, i++) {
            key_name(keys[j], sizeof(keys[j]), prefix, i);
            argv[argc++] = keys[j];
        }
        send_args(c, argc, argv);
        struct hs_reply r;
        cr_assert_eq(hs_read_reply(c, WAIT_MS, &r), HS_OK);
        cr_assert_eq(r.reply->type, RESP_ARRAY);
        for (size_t j = 0; j < r.reply->elements; j++) {
            const struct resp_reply *e = r.reply->element[j];
            value_of(want, sizeof(want), first + (int)j);
            cr_assert_eq(e->type, RESP_STRING, "%s:%d is missing", prefix,
                         first + (int)j);
            cr_assert_str_eq(e->str, want, "%s:%d", prefix, first + (int)j);
        }
        hs_reply_free(&r);
    }
}

/* Keys of every type, with and without TTLs, in several databases. */
static void write_every_type(struct hs_client *c)
{
    char item[32], field[32], count[16];

    expect_reply(c, "+OK\r\n", "SET", "str", "a string value");
    expect_reply(c, "+OK\r\n", "SET", "int", "-12345");
    expect_reply(c, "+OK\r\n", "SET", "bin", "\x01\x02 \xff");
    expect_reply(c, "+OK\r\n", "SET", "ttl", "v", "PXAT", "4000000000000");
    for (int i = 0; i < 200; i++) {
        snprintf(item, sizeof(item), "item-%d", i);
        snprintf(field, sizeof(field), "field-%d", i);
        snprintf(count, sizeof(count), ":%d\r\n", i + 1);
        expect_reply(c, count, "RPUSH", "biglist", item);
        expect_reply(c, ":1\r\n", "HSET", "bighash", field, item);
    }
    expect_reply(c, ":3\r\n", "RPUSH", "small", "a", "1", "c");
    expect_reply(c, ":2\r\n", "HSET", "packed", "f", "v", "n", "7");
    expect_reply(c, ":1\r\n", "PEXPIREAT", "packed", "4000000000000");
    expect_reply(c, "+OK\r\n", "SELECT", "3");
    expect_reply(c, "+OK\r\n", "SET", "in3", "three");
    expect_reply(c, ":2\r\n", "LPUSH", "list3", "x", "y");
    expect_reply(c, "+OK\r\n", "SELECT", "0");
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append the elements of an array reply to out, sorted when asked. */
static char *cat_elements(char *out, const struct resp_reply *r, int sorted)
{
    size_t n = r->elements;
    char **items = calloc(n ? n : 1, sizeof(*items));
    size_t len = strlen(out);

    for (size_t i = 0; i < n; i++) {
        if (sorted && i + 1 < n) {
            /* field=value pairs of HGETALL */
            size_t need = r->element[i]->len + r->element[i + 1]->len + 2;
            items[i / 2] = malloc(need);
            snprintf(items[i / 2], need, "%s=%s", r->element[i]->str,
                     r->element[i + 1]->str);
            i++;
            continue;
        }
        items[i] = strdup(r->element[i]->str);
    }
    size_t count = sorted ? n / 2 : n;
    if (sorted)
        qsort(items, count, sizeof(*items), cmp_str);
    for (size_t i = 0; i < count; i++) {
        out = realloc(out, len + strlen(items[i]) + 2);
        len += (size_t)sprintf(out + len, " %s", items[i]);
        free(items[i]);
    }
    free(items);
    return out;
}

/* A description of databases 0..3: every key, its type, value and
 * deadline, sorted; the caller frees it. */
static char *describe(struct hs_client *c)
{
    char *out = strdup(""), db[8];

    for (int d = 0; d < 4; d++) {
        snprintf(db, sizeof(db), "%d", d);
        expect_reply(c, "+OK\r\n", "SELECT", db);
        struct hs_reply keys = call(c, "KEYS", "*", NULL);
        char **names = calloc(keys.reply->elements + 1, sizeof(*names));
        for (size_t i = 0; i < keys.reply->elements; i++)
            names[i] = keys.reply->element[i]->str;
        qsort(names, keys.reply->elements, sizeof(*names), cmp_str);
        for (size_t i = 0; i < keys.reply->elements; i++) {
            struct hs_reply t = call(c, "TYPE", names[i], NULL);
            struct hs_reply when = call(c, "PEXPIRETIME", names[i], NULL);
            struct hs_reply v =
                strcmp(t.reply->str, "string") == 0
                    ? call(c, "GET", names[i], NULL)
                : strcmp(t.reply->str, "list") == 0
                    ? call(c, "LRANGE", names[i], "0", "-1", NULL)
                    : call(c, "HGETALL", names[i], NULL);
            size_t len = strlen(out);
            out = realloc(out, len + strlen(names[i]) + 64);
            sprintf(out + len, "\n%d %s %s %lld", d, names[i], t.reply->str,
                    when.reply->integer);
            if (v.reply->type == RESP_STRING) {
                len = strlen(out);
                out = realloc(out, len + v.reply->len + 2);
                sprintf(out + len, " %s", v.reply->str);
            } else {
                out = cat_elements(out, v.reply,
                                   strcmp(t.reply->str, "hash") == 0);
            }
            hs_reply_free(&t);
            hs_reply_free(&when);
            hs_reply_free(&v);
        }
        free(names);
        hs_reply_free(&keys);
    }
    expect_reply(c, "+OK\r\n", "SELECT", "0");
    return out;
}

/* ---- files, log, processes ---------------------------------------------- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0, got;

    if (f == NULL)
        return NULL;
    do {
        cap = cap ? cap * 2 : 4096;
        buf = realloc(buf, cap + 1);
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (n == cap);
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static char *manifest(const struct hs_server *s)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/appendonlydir/appendonly.aof.manifest",
             s->dir);
    char *text = read_file(path, NULL);
    cr_assert_not_null(text, "no manifest");
    return text;
}

static void assert_manifest(const struct hs_server *s, const char *want)
{
    char *text = manifest(s);
    cr_assert_str_eq(text, want);
    free(text);
}

/* The names in a directory, sorted, space-separated; the caller frees. */
static char *list_dir(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    char *names[64];
    int n = 0;

    cr_assert_not_null(d, "cannot open %s", path);
    while ((e = readdir(d)) != NULL && n < 64)
        if (e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof(*names), cmp_str);
    char *out = calloc(1, 4096);
    for (int i = 0; i < n; i++) {
        if (i)
            strcat(out, " ");
        strncat(out, names[i], 4096 - strlen(out) - 2);
        free(names[i]);
    }
    return out;
}

static void assert_aof_dir(const struct hs_server *s, const char *want)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/appendonlydir", s->dir);
    char *names = list_dir(path);
    cr_assert_str_eq(names, want);
    free(names);
}

/* No temp-rewriteaof-* file in dir: what a rewrite child leaves there. */
static void assert_no_temp_files(const struct hs_server *s)
{
    char *names = list_dir(s->dir);
    cr_assert_null(strstr(names, "temp-"), "left behind in dir: %s", names);
    free(names);
}

/* The log once it contains needle, waiting up to WAIT_MS; the caller
 * frees it. */
static char *log_with(const struct hs_server *s, const char *needle)
{
    long long deadline = hs_now_ms() + WAIT_MS;

    for (;;) {
        char *log = hs_log(s);
        if (log != NULL && strstr(log, needle) != NULL)
            return log;
        free(log);
        cr_assert(hs_now_ms() < deadline, "no \"%s\" in the log", needle);
        hs_sleep_ms(5);
    }
}

static void assert_logged(const struct hs_server *s, const char *needle)
{
    free(log_with(s, needle));
}

/* The pid of the rewrite child started last. */
static pid_t rewrite_child(const struct hs_server *s)
{
    static const char started[] =
        "Background append only file rewriting started by pid ";
    char *log = log_with(s, started);
    const char *p = log, *last = NULL;
    while ((p = strstr(p, started)) != NULL)
        last = p++;
    pid_t pid = (pid_t)atol(last + strlen(started));
    free(log);
    return pid;
}

/* The state letter of a process in /proc (R, S, T, Z, ...), or 0. */
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
    const char *p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : 0;
}

/* Stop the rewrite child where it is: the rewrite stays in progress until
 * SIGCONT. */
static pid_t stop_rewrite_child(const struct hs_server *s)
{
    pid_t child = rewrite_child(s);

    cr_assert_eq(kill(child, SIGSTOP), 0);
    for (int i = 0; i < 200 && proc_state(child) != 'T'; i++)
        hs_sleep_ms(5);
    cr_assert_eq(proc_state(child), 'T',
                 "the rewrite child %d ended before it could be stopped; "
                 "make BIG_KEYS larger",
                 (int)child);
    return child;
}

/* Listening starts before loading: once PING is answered the data is
 * loaded and the AOF open (redis-server answers -LOADING until then). */
static void wait_loaded(struct hs_client *c)
{
    long long deadline = hs_now_ms() + WAIT_MS;

    for (;;) {
        struct hs_reply r = call(c, "PING", NULL);
        int loading = r.reply->type == RESP_ERROR &&
                      strncmp(r.reply->str, "LOADING", 7) == 0;
        cr_assert(loading || strcmp(r.raw, "+PONG\r\n") == 0, "PING: %s",
                  r.raw);
        hs_reply_free(&r);
        if (!loading)
            return;
        cr_assert(hs_now_ms() < deadline, "still loading");
        hs_sleep_ms(10);
    }
}

static void start(struct hs_server *s, struct hs_client *c, ...)
{
    const char *extra[HS_MAX_ARGS];
    int n = 0;
    va_list ap;

    va_start(ap, c);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL;)
        extra[n++] = a;
    va_end(ap);
    extra[n] = NULL;
    cr_assert_eq(hs_start_argv(s, extra), 0, "server did not start");
    cr_assert_eq(hs_connect(s, c), 0);
    wait_loaded(c);
}

static void restart(struct hs_server *s, struct hs_client *c)
{
    hs_close(c);
    cr_assert_eq(hs_terminate(s), 0, "the server did not exit cleanly");
    cr_assert_eq(hs_restart(s, "--appendonly", "yes", NULL), 0,
                 "server did not restart");
    cr_assert_eq(hs_connect(s, c), 0);
    wait_loaded(c);
}

/* ---- BGREWRITEAOF ------------------------------------------------------- */

Test(aof_rewrite, a_second_bgrewriteaof_while_one_runs_is_refused)
{
    struct hs_server s;
    struct hs_client c;

    start(&s, &c, "--appendonly", "yes", NULL);
    expect_reply(&c, "+OK\r\n", "SET", "k", "v");
    /* Both in one write: the first child cannot have been reaped yet. */
    cr_assert_eq(hs_send_str(&c, "BGREWRITEAOF\r\nBGREWRITEAOF\r\n"), 0);
    hs_assert_reply(&c, "+Background append only file rewriting started\r\n");
    hs_assert_reply(&c, "-ERR Background append only file rewriting already "
                        "in progress\r\n");
    wait_rewrites(&c, 1);
    assert_info(&c, "aof_rewrites", "1");
    assert_info(&c, "aof_last_bgrewrite_status", "ok");
    hs_close(&c);
    hs_stop(&s);
}

Test(aof_rewrite, a_rewrite_leaves_only_the_new_base_and_incr_file)
{
    struct hs_server s;
    struct hs_client c;

    start(&s, &c, "--appendonly", "yes", NULL);
    assert_manifest(&s, "file appendonly.aof.1.base.rdb seq 1 type b\n"
                        "file appendonly.aof.1.incr.aof seq 1 type i\n");
    assert_logged(&s, "Creating AOF base file appendonly.aof.1.base.rdb on "
                      "server start");
    assert_logged(&s, "Creating AOF incr file appendonly.aof.1.incr.aof on "
                      "server start");
    expect_reply(&c, ":3\r\n", "RPUSH", "l", "a", "b", "c");

    expect_reply(&c, "+Background append only file rewriting started\r\n",
                 "BGREWRITEAOF");
    wait_rewrites(&c, 1);
    assert_manifest(&s, "file appendonly.aof.2.base.rdb seq 2 type b\n"
                        "file appendonly.aof.2.incr.aof seq 2 type i\n");
    assert_logged(&s, "Background AOF rewrite finished successfully");
    /* The history files are deleted in the background. */
    for (int i = 0; i < 100; i++) {
        char path[128];
        snprintf(path, sizeof(path),
                 "%s/appendonlydir/appendonly.aof.1."
                 "incr.aof",
                 s.dir);
        if (access(path, F_OK) != 0)
            break;
        hs_sleep_ms(10);
    }
    assert_aof_dir(&s, "appendonly.aof.2.base.rdb appendonly.aof.2.incr.aof "
                       "appendonly.aof.manifest");
    assert_no_temp_files(&s);
    char *log = hs_log(&s);
    cr_assert_not_null(strstr(log, "Creating AOF incr file appendonly.aof.2."
                                   "incr.aof on background rewrite"));
    cr_assert_not_null(strstr(log, "Successfully renamed the temporary AOF "
                                   "base file temp-rewriteaof-bg-"));
    cr_assert_not_null(strstr(log, "Removing the history file appendonly.aof."
                                   "1.base.rdb in the background"));
    free(log);

    /* The base holds the data, and the server goes on appending. */
    expect_reply(&c, ":4\r\n", "RPUSH", "l", "d");
    restart(&s, &c);
    expect_reply(&c, "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n",
                 "LRANGE", "l", "0", "-1");
    hs_close(&c);
    hs_stop(&s);
}

Test(aof_rewrite, without_the_rdb_preamble_the_base_is_commands)
{
    struct hs_server s;
    struct hs_client c;
    char path[128];

    start(&s, &c, "--appendonly", "yes", "--aof-use-rdb-preamble", "no", NULL);
    expect_reply(&c, "+OK\r\n", "SET", "k", "v");
    expect_reply(&c, "+Background append only file rewriting started\r\n",
                 "BGREWRITEAOF");
    wait_rewrites(&c, 1);
    assert_manifest(&s, "file appendonly.aof.2.base.aof seq 2 type b\n"
                        "file appendonly.aof.2.incr.aof seq 2 type i\n");
    snprintf(path, sizeof(path), "%s/appendonlydir/appendonly.aof.2.base.aof",
             s.dir);
    char *base = read_file(path, NULL);
    cr_assert_not_null(base);
    cr_assert_str_eq(base, "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
                           "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
    free(base);
    hs_close(&c);
    hs_stop(&s);
}

static void every_type_survives(const char *preamble)
{
    struct hs_server s;
    struct hs_client c;

    start(&s, &c, "--appendonly", "yes", "--aof-use-rdb-preamble", preamble,
          NULL);
    write_every_type(&c);
    char *before = describe(&c);
    expect_reply(&c, "+Background append only file rewriting started\r\n",
                 "BGREWRITEAOF");
    wait_rewrites(&c, 1);
    restart(&s, &c);
    char *after = describe(&c);
    cr_assert_str_eq(after, before);
    free(before);
    free(after);
    hs_close(&c);
    hs_stop(&s);
}

Test(aof_rewrite, every_type_is_equal_after_a_rewrite_and_a_restart)
{
    every_type_survives("yes");
}

Test(aof_rewrite, every_type_is_equal_after_a_command_base_and_a_restart)
{
    every_type_survives("no");
}

Test(aof_rewrite, writes_during_a_rewrite_go_to_the_new_incr_file)
{
    struct hs_server s;
    struct hs_client c;

    start(&s, &c, "--appendonly", "yes", NULL);
    write_keys(&c, "k", 0, BIG_KEYS);
    expect_reply(&c, "+Background append only file rewriting started\r\n",
                 "BGREWRITEAOF");
    pid_t child = stop_rewrite_child(&s);
    assert_manifest(&s, "file appendonly.aof.1.base.rdb seq 1 type b\n"
                        "file appendonly.aof.1.incr.aof seq 1 type i\n"
                        "file appendonly.aof.2.incr.aof seq 2 type i\n");
    write_keys(&c, "during", 0, DURING_WRITES);
    assert_info(&c, "aof_rewrite_in_progress", "1");

    kill(child, SIGCONT);
    wait_rewrites(&c, 1);
    assert_manifest(&s, "file appendonly.aof.2.base.rdb seq 2 type b\n"
                        "file appendonly.aof.2.incr.aof seq 2 type i\n");
    write_keys(&c, "after", 0, DURING_WRITES);
    restart(&s, &c);
    check_keys(&c, "k", 0, BIG_KEYS);
    check_keys(&c, "during", 0, DURING_WRITES);
    check_keys(&c, "after", 0, DURING_WRITES);
    hs_close(&c);
    hs_stop(&s);
}

Test(aof_rewrite, a_crash_during_a_rewrite_loses_no_acknowledged_write)
{
    struct hs_server s;
    struct hs_client c;

    start(&s, &c, "--appendonly", "yes", "--appendfsync", "always", NULL);
    write_keys(&c, "k", 0, BIG_KEYS);
    expect_reply(&c, "+Background append only file rewriting started\r\n",
                 "BGREWRITEAOF");
    pid_t child = stop_rewrite_child(&s);
    write_keys(&c, "during", 0, DURING_WRITES);

    hs_close(&c);
    hs_kill(&s);
    kill(child, SIGKILL);
    /* The old base and incr file, and the new incr file, hold it all. */
    assert_manifest(&s, "file appendonly.aof.1.base.rdb seq 1 type b\n"
                        "file appendonly.aof.1.incr.aof seq 1 type i\n"
                        "file appendonly.aof.2.incr.aof seq 2 type i\n");
    cr_assert_eq(hs_restart(&s, "--appendonly", "yes", NULL), 0);
    cr_assert_eq(hs_connect(&s, &c), 0);
    wait_loaded(&c);
    check_keys(&c, "k", 0, BIG_KEYS);
    check_keys(&c, "during", 0, DURING_WRITES);
    hs_close(&c);
    hs_stop(&s);
}

Test(aof_rewrite, a_failed_rewrite_is_reported_and_its_files_removed)
{
    struct hs_server s;
    struct hs_client c;

    start(&s, &c, "--appendonly", "yes", NULL);
    write_keys(&c, "k", 0, BIG_KEYS);
    expect_reply(&c, "+Background append only file rewriting started\r\n",
                 "BGREWRITEAOF");
    pid_t child = stop_rewrite_child(&s);
    kill(child, SIGKILL);
    assert_logged(&s, "Background AOF rewrite terminated by signal 9");
    wait_rewrites(&c, 1);
    assert_info(&c, "aof_last_bgrewrite_status", "err");
    assert_info(&c, "aof_rewrites_consecutive_failures", "1");
    /* The incr file opened for the rewrite stays: it holds what came
     * since. */
    assert_manifest(&s, "file appendonly.aof.1.base.rdb seq 1 type b\n"
                        "file appendonly.aof.1.incr.aof seq 1 type i\n"
                        "file appendonly.aof.2.incr.aof seq 2 type i\n");
    write_keys(&c, "after", 0, DURING_WRITES);
    for (int i = 0; i < 100; i++) {
        char *names = list_dir(s.dir);
        int left = strstr(names, "temp-") != NULL;
        free(names);
        if (!left)
            break;
        hs_sleep_ms(10);
    }
    assert_no_temp_files(&s);

    /* The next one succeeds and clears the failure. */
    expect_reply(&c, "+Background append only file rewriting started\r\n",
                 "BGREWRITEAOF");
    wait_rewrites(&c, 2);
    assert_info(&c, "aof_last_bgrewrite_status", "ok");
    assert_info(&c, "aof_rewrites_consecutive_failures", "0");
    assert_manifest(&s, "file appendonly.aof.2.base.rdb seq 2 type b\n"
                        "file appendonly.aof.3.incr.aof seq 3 type i\n");
    restart(&s, &c);
    check_keys(&c, "k", 0, BIG_KEYS);
    check_keys(&c, "after", 0, DURING_WRITES);
    hs_close(&c);
    hs_stop(&s);
}

Test(aof_rewrite, bgrewriteaof_during_a_bgsave_is_scheduled_then_runs)
{
    struct hs_server s;
    struct hs_client c;

    start(&s, &c, "--appendonly", "yes", NULL);
    write_keys(&c, "k", 0, 20000);
    cr_assert_eq(hs_send_str(&c, "BGSAVE\r\nBGREWRITEAOF\r\n"), 0);
    hs_assert_reply(&c, "+Background saving started\r\n");
    hs_assert_reply(&c, "+Background append only file rewriting scheduled\r\n");
    wait_rewrites(&c, 1);
    assert_info(&c, "aof_last_bgrewrite_status", "ok");
    assert_manifest(&s, "file appendonly.aof.2.base.rdb seq 2 type b\n"
                        "file appendonly.aof.2.incr.aof seq 2 type i\n");
    hs_close(&c);
    hs_stop(&s);
}

Test(aof_rewrite, the_scheduled_rewrite_shows_in_info)
{
    struct hs_server s;
    struct hs_client c;
    struct hs_reply r;

    start(&s, &c, "--appendonly", "yes", NULL);
    write_keys(&c, "k", 0, 20000);
    cr_assert_eq(hs_send_str(&c, "BGSAVE\r\nBGREWRITEAOF\r\n"
                                 "INFO persistence\r\n"),
                 0);
    hs_assert_reply(&c, "+Background saving started\r\n");
    hs_assert_reply(&c, "+Background append only file rewriting scheduled\r\n");
    cr_assert_eq(hs_read_reply(&c, WAIT_MS, &r), HS_OK);
    cr_assert_not_null(strstr(r.reply->str, "\r\naof_rewrite_scheduled:1\r\n"));
    cr_assert_not_null(strstr(r.reply->str, "\r\naof_pending_rewrite:1\r\n"));
    cr_assert_not_null(
        strstr(r.reply->str, "\r\naof_rewrite_in_progress:0\r\n"));
    hs_reply_free(&r);
    wait_rewrites(&c, 1);
    hs_close(&c);
    hs_stop(&s);
}

Test(aof_rewrite, bgrewriteaof_in_a_transaction_is_scheduled)
{
    struct hs_server s;
    struct hs_client c;

    start(&s, &c, "--appendonly", "yes", NULL);
    expect_reply(&c, "+OK\r\n", "MULTI");
    expect_reply(&c, "+QUEUED\r\n", "BGREWRITEAOF");
    expect_reply(&c,
                 "*1\r\n+Background append only file rewriting scheduled\r\n",
                 "EXEC");
    wait_rewrites(&c, 1);
    assert_manifest(&s, "file appendonly.aof.2.base.rdb seq 2 type b\n"
                        "file appendonly.aof.2.incr.aof seq 2 type i\n");
    hs_close(&c);
    hs_stop(&s);
}

/* As Redis 7: the AOF directory then holds a base and no incr file, which
 * a later start with appendonly yes loads. */
Test(aof_rewrite, bgrewriteaof_with_appendonly_off_writes_a_base_only)
{
    struct hs_server s;
    struct hs_client c;

    start(&s, &c, NULL);
    expect_reply(&c, "+OK\r\n", "SET", "k", "v");
    expect_reply(&c, "+Background append only file rewriting started\r\n",
                 "BGREWRITEAOF");
    wait_rewrites(&c, 1);
    assert_manifest(&s, "file appendonly.aof.1.base.rdb seq 1 type b\n");
    assert_aof_dir(&s, "appendonly.aof.1.base.rdb appendonly.aof.manifest");
    assert_info(&c, "aof_enabled", "0");

    restart(&s, &c);
    expect_reply(&c, "$1\r\nv\r\n", "GET", "k");
    assert_manifest(&s, "file appendonly.aof.1.base.rdb seq 1 type b\n"
                        "file appendonly.aof.1.incr.aof seq 1 type i\n");
    assert_logged(&s, "Creating AOF incr file appendonly.aof.1.incr.aof on "
                      "server start");
    hs_close(&c);
    hs_stop(&s);
}

/* ---- appendonly at runtime ---------------------------------------------- */

Test(aof_rewrite, config_set_appendonly_yes_keeps_the_writes_made_meanwhile)
{
    struct hs_server s;
    struct hs_client c;
    struct hs_reply r;

    start(&s, &c, NULL);
    write_keys(&c, "k", 0, 20000);
    /* In one write: the SET runs while the first base is being written. */
    cr_assert_eq(hs_send_str(&c, "*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n"
                                 "$10\r\nappendonly\r\n$3\r\nyes\r\n"
                                 "SET during 1\r\nINFO persistence\r\n"),
                 0);
    hs_assert_reply(&c, "+OK\r\n");
    hs_assert_reply(&c, "+OK\r\n");
    cr_assert_eq(hs_read_reply(&c, WAIT_MS, &r), HS_OK);
    cr_assert_not_null(strstr(r.reply->str, "\r\naof_enabled:1\r\n"));
    cr_assert_not_null(
        strstr(r.reply->str, "\r\naof_rewrite_in_progress:1\r\n"));
    hs_reply_free(&r);
    assert_logged(&s, "Creating AOF incr file temp-appendonly.aof.incr on "
                      "background rewrite");

    wait_rewrites(&c, 1);
    assert_logged(&s, "Successfully renamed the temporary AOF incr file "
                      "temp-appendonly.aof.incr into "
                      "appendonly.aof.1.incr.aof");
    assert_manifest(&s, "file appendonly.aof.1.base.rdb seq 1 type b\n"
                        "file appendonly.aof.1.incr.aof seq 1 type i\n");
    assert_aof_dir(&s, "appendonly.aof.1.base.rdb appendonly.aof.1.incr.aof "
                       "appendonly.aof.manifest");
    expect_reply(&c, "+OK\r\n", "SET", "after", "2");

    restart(&s, &c);
    check_keys(&c, "k", 0, 20000);
    expect_reply(&c, "$1\r\n1\r\n", "GET", "during");
    expect_reply(&c, "$1\r\n2\r\n", "GET", "after");
    hs_close(&c);
    hs_stop(&s);
}

Test(aof_rewrite, config_set_appendonly_yes_during_a_bgsave_waits_for_it)
{
    struct hs_server s;
    struct hs_client c;

    start(&s, &c, NULL);
    write_keys(&c, "k", 0, 20000);
    cr_assert_eq(hs_send_str(&c, "BGSAVE\r\n*4\r\n$6\r\nCONFIG\r\n$3\r\nSET"
                                 "\r\n$10\r\nappendonly\r\n$3\r\nyes\r\n"),
                 0);
    hs_assert_reply(&c, "+Background saving started\r\n");
    hs_assert_reply(&c, "+OK\r\n");
    assert_logged(&s, "AOF was enabled but there is already another "
                      "background operation. An AOF background was "
                      "scheduled to start when possible.");
    wait_rewrites(&c, 1);
    assert_info(&c, "aof_enabled", "1");
    assert_manifest(&s, "file appendonly.aof.1.base.rdb seq 1 type b\n"
                        "file appendonly.aof.1.incr.aof seq 1 type i\n");
    expect_reply(&c, "+OK\r\n", "SET", "after", "1");
    restart(&s, &c);
    check_keys(&c, "k", 0, 20000);
    expect_reply(&c, "$1\r\n1\r\n", "GET", "after");
    hs_close(&c);
    hs_stop(&s);
}

Test(aof_rewrite, config_set_appendonly_yes_fails_without_a_directory)
{
    struct hs_server s;
    struct hs_client c;
    char path[128];

    start(&s, &c, NULL);
    snprintf(path, sizeof(path), "%s/appendonlydir", s.dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fclose(f);
    expect_reply(&c,
                 "-ERR CONFIG SET failed (possibly related to argument "
                 "'appendonly') - Unable to turn on AOF. Check server "
                 "logs.\r\n",
                 "CONFIG", "SET", "appendonly", "yes");
    assert_logged(&s, "Can't open or create append-only dir appendonlydir: "
                      "Not a directory");
    assert_info(&c, "aof_enabled", "0");
    assert_info(&c, "aof_last_bgrewrite_status", "err");
    expect_reply(&c, "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n", "CONFIG", "GET",
                 "appendonly");
    hs_close(&c);
    hs_stop(&s);
}

Test(aof_rewrite, config_set_appendonly_no_stops_appending)
{
    struct hs_server s;
    struct hs_client c;
    char path[128];
    size_t before, after;

    start(&s, &c, "--appendonly", "yes", NULL);
    expect_reply(&c, "+OK\r\n", "SET", "k", "1");
    expect_reply(&c, "+OK\r\n", "CONFIG", "SET", "appendonly", "no");
    snprintf(path, sizeof(path), "%s/appendonlydir/appendonly.aof.1.incr.aof",
             s.dir);
    free(read_file(path, &before));
    cr_assert_gt(before, 0);
    expect_reply(&c, "+OK\r\n", "SET", "k", "2");
    expect_reply(&c, "$1\r\n2\r\n", "GET", "k");
    free(read_file(path, &after));
    cr_assert_eq(after, before, "appended after appendonly no");
    assert_info(&c, "aof_enabled", "0");
    char *size = info_field(&c, "aof_current_size");
    cr_assert_null(size, "aof_current_size shown with appendonly no");

    /* On again: a new base of the current data. */
    expect_reply(&c, "+OK\r\n", "CONFIG", "SET", "appendonly", "yes");
    wait_rewrites(&c, 1);
    assert_manifest(&s, "file appendonly.aof.2.base.rdb seq 2 type b\n"
                        "file appendonly.aof.2.incr.aof seq 2 type i\n");
    restart(&s, &c);
    expect_reply(&c, "$1\r\n2\r\n", "GET", "k");
    hs_close(&c);
    hs_stop(&s);
}

Test(aof_rewrite, appendonly_no_during_a_rewrite_kills_it)
{
    struct hs_server s;
    struct hs_client c;

    start(&s, &c, "--appendonly", "yes", NULL);
    write_keys(&c, "k", 0, 20000);
    cr_assert_eq(hs_send_str(&c, "BGREWRITEAOF\r\n*4\r\n$6\r\nCONFIG\r\n"
                                 "$3\r\nSET\r\n$10\r\nappendonly\r\n"
                                 "$2\r\nno\r\n"),
                 0);
    hs_assert_reply(&c, "+Background append only file rewriting started\r\n");
    hs_assert_reply(&c, "+OK\r\n");
    assert_info(&c, "aof_rewrite_in_progress", "0");
    assert_info(&c, "aof_enabled", "0");
    assert_logged(&s, "Killing running AOF rewrite child");
    for (int i = 0; i < 100; i++) {
        char *names = list_dir(s.dir);
        int left = strstr(names, "temp-") != NULL;
        free(names);
        if (!left)
            break;
        hs_sleep_ms(10);
    }
    assert_no_temp_files(&s);
    hs_close(&c);
    hs_stop(&s);
}

Test(aof_rewrite, shutdown_during_a_rewrite_removes_its_temporary_file)
{
    struct hs_server s;
    struct hs_client c;

    start(&s, &c, "--appendonly", "yes", NULL);
    write_keys(&c, "k", 0, 20000);
    /* SHUTDOWN runs right after the fork; as in Redis, the server exits
     * without flushing the replies still queued. */
    cr_assert_eq(hs_send_str(&c, "BGREWRITEAOF\r\nSHUTDOWN\r\n"), 0);
    cr_assert_neq(hs_wait_closed(&c, WAIT_MS), HS_TIMEOUT);
    hs_close(&c);
    cr_assert_eq(hs_wait_exit(&s, WAIT_MS), 0);
    cr_assert(WIFEXITED(s.status) && WEXITSTATUS(s.status) == 0);
    assert_logged(&s, "Background append only file rewriting started by pid");
    assert_logged(&s, "There is a child rewriting the AOF. Killing it!");
    assert_no_temp_files(&s);
    cr_assert_eq(hs_restart(&s, "--appendonly", "yes", NULL), 0);
    cr_assert_eq(hs_connect(&s, &c), 0);
    wait_loaded(&c);
    check_keys(&c, "k", 0, 20000);
    hs_close(&c);
    hs_stop(&s);
}

/* ---- automatic rewrite -------------------------------------------------- */

Test(aof_rewrite, the_aof_is_rewritten_once_it_grew_enough)
{
    struct hs_server s;
    struct hs_client c;
    char *big = malloc(200 * 1024 + 1);

    start(&s, &c, "--appendonly", "yes", "--auto-aof-rewrite-min-size", "100kb",
          "--auto-aof-rewrite-percentage", "100", NULL);
    /* Under the minimum size: no rewrite, however large the growth. */
    write_keys(&c, "small", 0, 100);
    hs_sleep_ms(300);
    assert_info(&c, "aof_rewrites", "0");

    /* One command, so that it is all in the file when the cron looks;
     * random letters, which LZF does not shrink in the RDB base. */
    for (int i = 0; i < 200 * 1024; i++)
        big[i] = (char)('a' + rand() % 26);
    big[200 * 1024] = '\0';
    expect_reply(&c, "+OK\r\n", "SET", "big", big);
    assert_logged(&s, "Starting automatic rewriting of AOF on ");
    wait_rewrites(&c, 1);
    long long base = info_ll(&c, "aof_base_size");
    cr_assert_gt(base, 150 * 1024);
    cr_assert_eq(info_ll(&c, "aof_current_size"), base);

    /* Less than 100% more: no second rewrite. */
    write_keys(&c, "more", 0, 500);
    hs_sleep_ms(300);
    assert_info(&c, "aof_rewrites", "1");
    free(big);
    hs_close(&c);
    hs_stop(&s);
}

/* ---- write errors ------------------------------------------------------- */

/* Make the incr file the next rewrite opens a link to /dev/full, where
 * every write fails with ENOSPC. */
static void next_incr_is_dev_full(const struct hs_server *s, int seq)
{
    char path[160];
    snprintf(path, sizeof(path), "%s/appendonlydir/appendonly.aof.%d.incr.aof",
             s->dir, seq);
    cr_assert_eq(symlink("/dev/full", path), 0, "symlink: %s", strerror(errno));
}

Test(aof_rewrite, a_full_disk_refuses_writes_until_a_write_succeeds)
{
    struct hs_server s;
    struct hs_client c;

    start(&s, &c, "--appendonly", "yes", NULL);
    expect_reply(&c, "+OK\r\n", "SET", "before", "1");
    next_incr_is_dev_full(&s, 2);
    expect_reply(&c, "+Background append only file rewriting started\r\n",
                 "BGREWRITEAOF");
    wait_rewrites(&c, 1);

    /* The write that fails was already acknowledged (everysec); it stays
     * buffered, and the writes after it are refused. */
    expect_reply(&c, "+OK\r\n", "SET", "kept", "1");
    expect_reply(&c,
                 "-MISCONF Errors writing to the AOF file: No space left "
                 "on device\r\n",
                 "SET", "refused", "1");
    assert_info(&c, "aof_last_write_status", "err");
    cr_assert_gt(info_ll(&c, "aof_buffer_length"), 0);
    expect_reply(&c, "$1\r\n1\r\n", "GET", "kept");
    assert_logged(&s, "Error writing to the AOF file: No space left on "
                      "device");

    /* A rewrite moves appending to a new incr file, where the buffer
     * goes. */
    expect_reply(&c, "+Background append only file rewriting started\r\n",
                 "BGREWRITEAOF");
    wait_rewrites(&c, 2);
    assert_logged(&s, "AOF write error looks solved, Redis can write again.");
    assert_info(&c, "aof_last_write_status", "ok");
    expect_reply(&c, "+OK\r\n", "SET", "after", "1");
    restart(&s, &c);
    expect_reply(&c, "$1\r\n1\r\n", "GET", "before");
    expect_reply(&c, "$1\r\n1\r\n", "GET", "kept");
    expect_reply(&c, "$1\r\n1\r\n", "GET", "after");
    expect_reply(&c, "$-1\r\n", "GET", "refused");
    hs_close(&c);
    hs_stop(&s);
}

Test(aof_rewrite, with_appendfsync_always_a_write_error_exits)
{
    struct hs_server s;
    struct hs_client c;

    start(&s, &c, "--appendonly", "yes", "--appendfsync", "always", NULL);
    next_incr_is_dev_full(&s, 2);
    expect_reply(&c, "+Background append only file rewriting started\r\n",
                 "BGREWRITEAOF");
    wait_rewrites(&c, 1);
    cr_assert_eq(hs_cmd(&c, "SET", "k", "v", NULL), 0);
    /* No reply: it would promise a write that is not on disk. */
    cr_assert_eq(hs_wait_closed(&c, WAIT_MS), HS_EOF);
    cr_assert_eq(hs_wait_exit(&s, WAIT_MS), 0);
    cr_assert(WIFEXITED(s.status) && WEXITSTATUS(s.status) == 1);
    assert_logged(&s, "Can't recover from AOF write error when the AOF fsync "
                      "policy is 'always'. Exiting...");
    hs_close(&c);
    hs_stop(&s);
}

/* ---- INFO --------------------------------------------------------------- */

/* The names of the lines from aof_enabled to the end of the section. */
static char *aof_info_names(struct hs_client *c)
{
    struct hs_reply r = call(c, "INFO", "persistence", NULL);
    const char *p = strstr(r.reply->str, "aof_enabled:");
    char *out = calloc(1, 2048);

    cr_assert_not_null(p);
    while (*p) {
        size_t n = strcspn(p, ":");
        strncat(out, p, n);
        strcat(out, " ");
        p = strstr(p, "\r\n");
        if (p == NULL)
            break;
        p += 2;
    }
    hs_reply_free(&r);
    return out;
}

#define AOF_FIXED_FIELDS                                                       \
    "aof_enabled aof_rewrite_in_progress aof_rewrite_scheduled "               \
    "aof_last_rewrite_time_sec aof_current_rewrite_time_sec "                  \
    "aof_last_bgrewrite_status aof_rewrites "                                  \
    "aof_rewrites_consecutive_failures aof_last_write_status "                 \
    "aof_last_cow_size module_fork_in_progress module_fork_last_cow_size "

Test(aof_rewrite, info_has_redis_aof_fields_in_order_with_the_aof_on)
{
    struct hs_server s;
    struct hs_client c;

    start(&s, &c, "--appendonly", "yes", NULL);
    char *names = aof_info_names(&c);
    cr_assert_str_eq(names, AOF_FIXED_FIELDS
                     "aof_current_size aof_base_size aof_pending_rewrite "
                     "aof_buffer_length aof_pending_bio_fsync "
                     "aof_delayed_fsync ");
    free(names);
    assert_info(&c, "aof_enabled", "1");
    assert_info(&c, "aof_rewrite_in_progress", "0");
    assert_info(&c, "aof_last_rewrite_time_sec", "-1");
    assert_info(&c, "aof_current_rewrite_time_sec", "-1");
    assert_info(&c, "aof_last_bgrewrite_status", "ok");
    assert_info(&c, "aof_last_write_status", "ok");
    assert_info(&c, "aof_base_size", "0");
    assert_info(&c, "aof_delayed_fsync", "0");

    /* SELECT 0 and the SET, as Redis counts them. */
    expect_reply(&c, "+OK\r\n", "SET", "a", "1");
    assert_info(&c, "aof_current_size", "50");
    assert_info(&c, "aof_buffer_length", "0");
    hs_close(&c);
    hs_stop(&s);
}

Test(aof_rewrite, info_has_only_the_fixed_aof_fields_with_the_aof_off)
{
    struct hs_server s;
    struct hs_client c;

    start(&s, &c, NULL);
    char *names = aof_info_names(&c);
    cr_assert_str_eq(names, AOF_FIXED_FIELDS);
    free(names);
    assert_info(&c, "aof_enabled", "0");
    assert_info(&c, "aof_rewrites", "0");
    hs_close(&c);
    hs_stop(&s);
}
