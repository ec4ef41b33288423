/* aof_load.c -- start-up from an AOF directory prepared by hand, as Redis
 * 7.0 loads it.
 *
 * Each test starts the server once (appendonly no) for a directory, stops
 * it, writes the AOF files into the directory, restarts it with appendonly
 * yes and checks the data through ordinary commands and the log lines
 * Redis writes: which files were loaded, the warnings of a truncated tail,
 * the message naming the file and offset of damage (start-up then stops
 * with status 1), the move of an old single-file AOF into the directory.
 *
 * RESPD=/usr/bin/redis-server runs them against Redis 7.0.15, except the
 * lines respd adds (the offset of damage) and the whole-transaction cut
 * (Redis cuts after the last complete command). */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define WAIT_MS 8000
#define INCR1   "appendonly.aof.1.incr.aof"

static struct hs_server srv;

static void setup(void)
{
    cr_assert_eq(hs_start(&srv, NULL), 0, "server did not start");
    hs_terminate(&srv);
}

static void teardown(void)
{
    hs_stop(&srv);
}

TestSuite(aof_load, .init = setup, .fini = teardown, .timeout = 60);

/* ---- files ------------------------------------------------------------- */

/* Append one command of C-string arguments (NULL last) to *buf. */
static void add_cmd(char **buf, size_t *len, ...)
{
    const char *argv[HS_MAX_ARGS];
    int argc = 0;
    va_list ap;

    va_start(ap, len);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL;)
        argv[argc++] = a;
    va_end(ap);
    hs_encode(buf, len, argc, argv, NULL);
}

static void path_in_dir(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", srv.dir, name);
}

static void write_file(const char *name, const void *p, size_t n)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/appendonlydir", srv.dir);
    mkdir(path, 0755);
    path_in_dir(path, sizeof(path), name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fwrite(p, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}

static long long file_size(const char *name)
{
    char path[256];
    struct stat st;
    path_in_dir(path, sizeof(path), name);
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* Restart with appendonly yes and wait until the load is over: the
 * listeners may open before it (Redis answers -LOADING meanwhile), so a
 * PONG is awaited before the log is read. */
static void restart_ok(void)
{
    struct hs_client c;
    cr_assert_eq(hs_restart(&srv, "--appendonly", "yes", NULL), 0,
                 "server did not start");
    cr_assert_eq(hs_connect(&srv, &c), 0);
    for (int i = 0; i < WAIT_MS / 10; i++) {
        struct hs_reply r;
        cr_assert_eq(hs_send_str(&c, "PING\r\n"), 0);
        cr_assert_eq(hs_read_reply(&c, HS_TIMEOUT_MS, &r), HS_OK);
        int pong = strcmp(r.raw, "+PONG\r\n") == 0;
        hs_reply_free(&r);
        if (pong) {
            hs_close(&c);
            return;
        }
        hs_sleep_ms(10);
    }
    cr_assert_fail("the load did not finish");
}

/* Restart and expect start-up to stop with status 1; returns the log. */
static char *restart_fails(const char *truncated)
{
    hs_restart(&srv, "--appendonly", "yes", "--aof-load-truncated", truncated,
               NULL);
    cr_assert_eq(hs_wait_exit(&srv, WAIT_MS), 0, "still running");
    cr_assert(WIFEXITED(srv.status) && WEXITSTATUS(srv.status) == 1,
              "status 0x%x", srv.status);
    return hs_log(&srv);
}

static void assert_has(const char *log, const char *needle)
{
    cr_assert(strstr(log, needle) != NULL, "the log lacks \"%s\":\n%s", needle,
              log);
}

static void assert_log_has(const char *needle)
{
    char *log = hs_log(&srv);
    cr_assert_not_null(log);
    assert_has(log, needle);
    free(log);
}

static void assert_log_lacks(const char *needle)
{
    char *log = hs_log(&srv);
    cr_assert_not_null(log);
    cr_assert(strstr(log, needle) == NULL, "the log has \"%s\":\n%s", needle,
              log);
    free(log);
}

/* ---- checking the data -------------------------------------------------- */

static void expect(struct hs_client *c, const char *want, ...)
{
    const char *argv[HS_MAX_ARGS];
    int argc = 0;
    va_list ap;
    char *buf = NULL;
    size_t len = 0;

    va_start(ap, want);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL;)
        argv[argc++] = a;
    va_end(ap);
    hs_encode(&buf, &len, argc, argv, NULL);
    cr_assert_eq(hs_send(c, buf, len), 0);
    free(buf);
    const char *why = hs_check_reply(c, want, strlen(want));
    cr_assert(why == NULL, "%s: %s", argv[0], why);
}

/* ---- tests -------------------------------------------------------------- */

Test(aof_load, a_base_and_incr_files_load_in_order)
{
    char *base = NULL, *i1 = NULL, *i2 = NULL;
    size_t nb = 0, n1 = 0, n2 = 0;
    add_cmd(&base, &nb, "SELECT", "0", NULL);
    add_cmd(&base, &nb, "SET", "s", "base", NULL);
    add_cmd(&base, &nb, "RPUSH", "l", "a", "b", NULL);
    add_cmd(&base, &nb, "HSET", "h", "f", "v", NULL);
    add_cmd(&i1, &n1, "SELECT", "0", NULL);
    add_cmd(&i1, &n1, "SET", "s", "incr1", NULL);
    add_cmd(&i1, &n1, "MULTI", NULL);
    add_cmd(&i1, &n1, "RPUSH", "l", "c", NULL);
    add_cmd(&i1, &n1, "SELECT", "5", NULL);
    add_cmd(&i1, &n1, "SET", "in5", "x", NULL);
    add_cmd(&i1, &n1, "EXEC", NULL);
    add_cmd(&i2, &n2, "SELECT", "0", NULL);
    add_cmd(&i2, &n2, "HSET", "h", "g", "w", NULL);
    write_file("appendonlydir/appendonly.aof.1.base.aof", base, nb);
    write_file("appendonlydir/" INCR1, i1, n1);
    write_file("appendonlydir/appendonly.aof.2.incr.aof", i2, n2);
    const char *manifest = "file appendonly.aof.1.base.aof seq 1 type b\n"
                           "file appendonly.aof.1.incr.aof seq 1 type i\n"
                           "file appendonly.aof.2.incr.aof seq 2 type i\n";
    write_file("appendonlydir/appendonly.aof.manifest", manifest,
               strlen(manifest));

    restart_ok();
    struct hs_client c;
    cr_assert_eq(hs_connect(&srv, &c), 0);
    expect(&c, "$5\r\nincr1\r\n", "GET", "s", NULL);
    expect(&c, "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", "LRANGE", "l", "0",
           "-1", NULL);
    expect(&c, ":2\r\n", "HLEN", "h", NULL);
    expect(&c, "+OK\r\n", "SELECT", "5", NULL);
    expect(&c, "$1\r\nx\r\n", "GET", "in5", NULL);
    hs_close(&c);
    assert_log_has("DB loaded from base file appendonly.aof.1.base.aof: ");
    assert_log_has("DB loaded from incr file appendonly.aof.1.incr.aof: ");
    assert_log_has("DB loaded from incr file appendonly.aof.2.incr.aof: ");
    assert_log_has("DB loaded from append only file: ");
    free(base);
    free(i1);
    free(i2);
}

/* A crash mid-write: the partial command is cut off with Redis's warnings,
 * and what is written next goes after the last complete command. */
Test(aof_load, a_truncated_tail_is_trimmed_and_appending_goes_on)
{
    char *f = NULL;
    size_t n = 0;
    add_cmd(&f, &n, "SELECT", "0", NULL);
    add_cmd(&f, &n, "SET", "a", "1", NULL);
    size_t complete = n;
    add_cmd(&f, &n, "SET", "b", "2", NULL);
    write_file("appendonlydir/" INCR1, f, n - 4);
    const char *manifest = "file " INCR1 " seq 1 type i\n";
    write_file("appendonlydir/appendonly.aof.manifest", manifest,
               strlen(manifest));

    restart_ok();
    char line[128];
    snprintf(line, sizeof(line),
             "!!! Truncating the AOF " INCR1 " at offset %zu !!!", complete);
    assert_log_has("!!! Warning: short read while loading the AOF file " INCR1
                   "!!!");
    assert_log_has(line);
    assert_log_has("AOF " INCR1 " loaded anyway because aof-load-truncated "
                   "is enabled");
    struct hs_client c;
    cr_assert_eq(hs_connect(&srv, &c), 0);
    expect(&c, "$1\r\n1\r\n", "GET", "a", NULL);
    expect(&c, "$-1\r\n", "GET", "b", NULL);
    expect(&c, "+OK\r\n", "SET", "c", "3", NULL);
    hs_close(&c);
    cr_assert_eq(hs_terminate(&srv), 0);

    /* The next start finds a clean file holding a and c. */
    restart_ok();
    assert_log_lacks("short read");
    cr_assert_eq(hs_connect(&srv, &c), 0);
    expect(&c, "$1\r\n1\r\n", "GET", "a", NULL);
    expect(&c, "$1\r\n3\r\n", "GET", "c", NULL);
    hs_close(&c);
    cr_assert_gt(file_size("appendonlydir/" INCR1), (long long)complete);
    free(f);
}

Test(aof_load, damage_mid_file_stops_start_up_naming_the_file_and_offset)
{
    char *f = NULL;
    size_t n = 0;
    add_cmd(&f, &n, "SET", "a", "1", NULL);
    size_t at = n + 4; /* the '$' of the next command's first argument */
    add_cmd(&f, &n, "SET", "b", "2", NULL);
    add_cmd(&f, &n, "SET", "c", "3", NULL);
    f[at] = '?';
    write_file("appendonlydir/" INCR1, f, n);
    const char *manifest = "file " INCR1 " seq 1 type i\n";
    write_file("appendonlydir/appendonly.aof.manifest", manifest,
               strlen(manifest));

    char *log = restart_fails("yes");
    assert_has(log, "Bad file format reading the append only file " INCR1
                    ": make a backup of your AOF file, then use "
                    "./redis-check-aof --fix <filename.manifest>");
    if (!hs_is_redis()) {
        char want[128];
        snprintf(want, sizeof(want),
                 "Damage in the AOF file " INCR1 " at offset %zu: ", at);
        assert_has(log, want);
    }
    cr_assert_eq(file_size("appendonlydir/" INCR1), (long long)n);
    free(log);
    free(f);
}

Test(aof_load, with_aof_load_truncated_no_a_truncated_tail_stops_start_up)
{
    char *f = NULL;
    size_t n = 0;
    add_cmd(&f, &n, "SET", "a", "1", NULL);
    add_cmd(&f, &n, "SET", "b", "2", NULL);
    write_file("appendonlydir/" INCR1, f, n - 1);
    const char *manifest = "file " INCR1 " seq 1 type i\n";
    write_file("appendonlydir/appendonly.aof.manifest", manifest,
               strlen(manifest));

    char *log = restart_fails("no");
    assert_has(log, "Unexpected end of file reading the append only file " INCR1
                    ". You can: 1) Make a backup of your AOF file, then use "
                    "./redis-check-aof --fix <filename.manifest>. 2) "
                    "Alternatively you can set the 'aof-load-truncated' "
                    "configuration option to yes and restart the server.");
    cr_assert_eq(file_size("appendonlydir/" INCR1), (long long)n - 1);
    free(log);
    free(f);
}

Test(aof_load, an_unknown_command_stops_start_up)
{
    char *f = NULL;
    size_t n = 0;
    add_cmd(&f, &n, "NOSUCHCOMMAND", "a", NULL);
    write_file("appendonlydir/" INCR1, f, n);
    const char *manifest = "file " INCR1 " seq 1 type i\n";
    write_file("appendonlydir/appendonly.aof.manifest", manifest,
               strlen(manifest));

    char *log = restart_fails("yes");
    assert_has(log, "Unknown command 'NOSUCHCOMMAND' reading the append only "
                    "file " INCR1);
    free(log);
    free(f);
}

Test(aof_load, an_old_style_aof_is_moved_into_the_directory)
{
    char *f = NULL;
    size_t n = 0;
    add_cmd(&f, &n, "SELECT", "0", NULL);
    add_cmd(&f, &n, "SET", "old", "style", NULL);
    char path[256];
    path_in_dir(path, sizeof(path), "appendonly.aof");
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp);
    cr_assert_eq(fwrite(f, 1, n, fp), n);
    fclose(fp);

    restart_ok();
    assert_log_has("Successfully migrated an old-style AOF file "
                   "(appendonly.aof) into the AOF directory (appendonlydir).");
    assert_log_has("DB loaded from base file appendonly.aof: ");
    cr_assert_eq(file_size("appendonly.aof"), -1);
    cr_assert_eq(file_size("appendonlydir/appendonly.aof"), (long long)n);
    struct hs_client c;
    cr_assert_eq(hs_connect(&srv, &c), 0);
    expect(&c, "$5\r\nstyle\r\n", "GET", "old", NULL);
    expect(&c, "+OK\r\n", "SET", "new", "1", NULL);
    hs_close(&c);
    cr_assert_eq(hs_terminate(&srv), 0);

    restart_ok();
    assert_log_lacks("migrated");
    cr_assert_eq(hs_connect(&srv, &c), 0);
    expect(&c, "$5\r\nstyle\r\n", "GET", "old", NULL);
    expect(&c, "$1\r\n1\r\n", "GET", "new", NULL);
    hs_close(&c);
    free(f);
}

/* A TTL that passed while the server was down: the key is gone once the
 * server is up, even though later commands of the file touched it. */
Test(aof_load, keys_whose_ttl_passed_are_gone_after_start_up)
{
    char *f = NULL;
    size_t n = 0;
    add_cmd(&f, &n, "SET", "gone", "v", "PXAT", "1000", NULL);
    add_cmd(&f, &n, "APPEND", "gone", "x", NULL);
    add_cmd(&f, &n, "SET", "kept", "v", "PXAT", "99999999999999", NULL);
    write_file("appendonlydir/" INCR1, f, n);
    const char *manifest = "file " INCR1 " seq 1 type i\n";
    write_file("appendonlydir/appendonly.aof.manifest", manifest,
               strlen(manifest));

    restart_ok();
    struct hs_client c;
    cr_assert_eq(hs_connect(&srv, &c), 0);
    expect(&c, "$-1\r\n", "GET", "gone", NULL);
    expect(&c, ":99999999999999\r\n", "PEXPIRETIME", "kept", NULL);
    /* Loaded expired keys are left to the expiry of the running server
     * (which logs their DEL), as in Redis: the GET above deleted it. */
    expect(&c, ":1\r\n", "DBSIZE", NULL);
    hs_close(&c);
    free(f);
}
