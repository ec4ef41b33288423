/* test_aof_base.c -- writing an AOF base (aof_base.c).
 *
 * With aof-use-rdb-preamble no, a rewrite writes the data as the commands
 * redis-server 7.0.15 writes, byte for byte (checked against the
 * appendonlydir/appendonly.aof.<n>.base.aof it wrote after BGREWRITEAOF
 * for the same keys): per database with keys a SELECT, then per key a SET,
 * or RPUSH / HMSET carrying at most 64 items each, followed by PEXPIREAT
 * when the key has a TTL, even one already past.  With the preamble the
 * base is an RDB file with aof-base 1 in its header, which loads back.
 * Either way the file appears under its final name only once complete. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../broker/aof.h"
#include "../../broker/bstr.h"
#include "../../broker/db.h"
#include "../../broker/hashobj.h"
#include "../../broker/obj.h"
#include "../../broker/qlist.h"
#include "../../broker/rdb.h"
#include "../../broker/server.h"

#define DATABASES 16

static char tmpdir[64];

static void setup(void)
{
    server.databases = DATABASES;
    server.hash_max_listpack_entries = 512;
    server.hash_max_listpack_value = 64;
    server.list_max_listpack_size = -2;
    server.aof_rewrite_incremental_fsync = 1;
    server.verbosity = 4; /* quiet: nothing passes */
    db_init_all(DATABASES);
    rdb_set_compression(1);
    strcpy(tmpdir, "/tmp/test-aof-base.XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    /* aof_write_base() writes its temporary file in the working
     * directory, as the server (which runs in `dir`) does. */
    cr_assert_eq(chdir(tmpdir), 0);
}

static void teardown(void)
{
    char cmd[128];
    db_free_all();
    cr_assert_eq(chdir("/"), 0);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(aof_base, .init = setup, .fini = teardown);

/* ---- building keys and expected commands -------------------------------- */

static void add_string(int db, const char *key, const char *val)
{
    db_add(db_get(db), key, strlen(key), obj_string(val, strlen(val)));
}

static void add_list(int db, const char *key, int n)
{
    struct obj *o = obj_list_create();
    char item[16];

    for (int i = 0; i < n; i++) {
        int len = snprintf(item, sizeof(item), "%d", i);
        qlist_push(o->v.data, QLIST_TAIL, item, (size_t)len);
    }
    db_add(db_get(db), key, strlen(key), o);
}

static void add_hash(int db, const char *key, int n)
{
    struct obj *o = hashobj_create();
    char f[16], v[16];

    for (int i = 0; i < n; i++) {
        snprintf(f, sizeof(f), "f%d", i);
        snprintf(v, sizeof(v), "v%d", i);
        hashobj_set(o, f, strlen(f), v, strlen(v));
    }
    db_add(db_get(db), key, strlen(key), o);
}

/* Append one command in RESP, from NUL-terminated arguments. */
static bstr resp(bstr s, int argc, ...)
{
    va_list ap;

    s = bstr_catf(s, "*%d\r\n", argc);
    va_start(ap, argc);
    for (int i = 0; i < argc; i++) {
        const char *a = va_arg(ap, const char *);
        s = bstr_catf(s, "$%zu\r\n%s\r\n", strlen(a), a);
    }
    va_end(ap);
    return s;
}

/* RPUSH key from..to-1 (numbers as items). */
static bstr resp_rpush(bstr s, const char *key, int from, int to)
{
    s = bstr_catf(s, "*%d\r\n$5\r\nRPUSH\r\n$%zu\r\n%s\r\n", 2 + to - from,
                  strlen(key), key);
    for (int i = from; i < to; i++) {
        char item[16];
        int len = snprintf(item, sizeof(item), "%d", i);
        s = bstr_catf(s, "$%d\r\n%s\r\n", len, item);
    }
    return s;
}

static bstr resp_hmset(bstr s, const char *key, int from, int to)
{
    s = bstr_catf(s, "*%d\r\n$5\r\nHMSET\r\n$%zu\r\n%s\r\n",
                  2 + 2 * (to - from), strlen(key), key);
    for (int i = from; i < to; i++) {
        char f[16], v[16];
        snprintf(f, sizeof(f), "f%d", i);
        snprintf(v, sizeof(v), "v%d", i);
        s = bstr_catf(s, "$%zu\r\n%s\r\n$%zu\r\n%s\r\n", strlen(f), f,
                      strlen(v), v);
    }
    return s;
}

/* The whole contents of a file. */
static bstr slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char buf[4096];
    size_t n;

    cr_assert_not_null(f, "cannot open %s", path);
    bstr s = bstr_empty(0);
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        s = bstr_cat(s, buf, n);
    fclose(f);
    return s;
}

/* What aof_write_keyspace() writes, through a file. */
static bstr keyspace_commands(void)
{
    char err[RDB_ERR_LEN] = "";
    int fd = open("out.aof", O_WRONLY | O_CREAT | O_TRUNC, 0644);

    cr_assert_geq(fd, 0);
    cr_assert_eq(aof_write_keyspace(fd, err), 0, "%s", err);
    close(fd);
    return slurp("out.aof");
}

static void assert_same_bytes(bstr got, bstr want)
{
    cr_assert_eq(bstr_len(got), bstr_len(want), "length %zu, want %zu",
                 bstr_len(got), bstr_len(want));
    cr_assert_eq(memcmp(got, want, bstr_len(want)), 0, "got %s", got);
}

static int dir_entries(void)
{
    DIR *d = opendir(".");
    struct dirent *e;
    int n = 0;

    cr_assert_not_null(d);
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* ---- commands ---------------------------------------------------------- */

Test(aof_base, an_empty_keyspace_writes_nothing)
{
    bstr got = keyspace_commands();
    cr_assert_eq(bstr_len(got), 0);
    bstr_free(got);
}

Test(aof_base, a_string_is_a_select_and_a_set)
{
    add_string(0, "greeting", "hello world");
    bstr want = resp(bstr_empty(0), 2, "SELECT", "0");
    want = resp(want, 3, "SET", "greeting", "hello world");

    bstr got = keyspace_commands();
    assert_same_bytes(got, want);
    bstr_free(got);
    bstr_free(want);
}

Test(aof_base, an_integer_encoded_string_is_written_as_its_digits)
{
    add_string(3, "n", "-12345");
    bstr want = resp(bstr_empty(0), 2, "SELECT", "3");
    want = resp(want, 3, "SET", "n", "-12345");

    bstr got = keyspace_commands();
    assert_same_bytes(got, want);
    bstr_free(got);
    bstr_free(want);
}

Test(aof_base, a_ttl_follows_its_key_as_pexpireat)
{
    add_string(0, "s", "v");
    db_set_expire(db_get(0), "s", 1, 4000000000000LL);
    bstr want = resp(bstr_empty(0), 2, "SELECT", "0");
    want = resp(want, 3, "SET", "s", "v");
    want = resp(want, 3, "PEXPIREAT", "s", "4000000000000");

    bstr got = keyspace_commands();
    assert_same_bytes(got, want);
    bstr_free(got);
    bstr_free(want);
}

/* As Redis 7.0: the loader, not the writer, drops keys already expired. */
Test(aof_base, a_key_whose_ttl_passed_is_written_with_it)
{
    add_string(0, "old", "v");
    db_set_expire(db_get(0), "old", 3, 1000);
    bstr want = resp(bstr_empty(0), 2, "SELECT", "0");
    want = resp(want, 3, "SET", "old", "v");
    want = resp(want, 3, "PEXPIREAT", "old", "1000");

    bstr got = keyspace_commands();
    assert_same_bytes(got, want);
    bstr_free(got);
    bstr_free(want);
}

Test(aof_base, a_list_is_rpush_commands_of_at_most_64_items)
{
    add_list(1, "l", 130);
    bstr want = resp(bstr_empty(0), 2, "SELECT", "1");
    want = resp_rpush(want, "l", 0, 64);
    want = resp_rpush(want, "l", 64, 128);
    want = resp_rpush(want, "l", 128, 130);

    bstr got = keyspace_commands();
    assert_same_bytes(got, want);
    bstr_free(got);
    bstr_free(want);
}

Test(aof_base, a_list_of_exactly_64_items_is_one_command)
{
    add_list(0, "l", 64);
    bstr want = resp(bstr_empty(0), 2, "SELECT", "0");
    want = resp_rpush(want, "l", 0, 64);

    bstr got = keyspace_commands();
    assert_same_bytes(got, want);
    bstr_free(got);
    bstr_free(want);
}

Test(aof_base, a_hash_is_hmset_commands_of_at_most_64_pairs)
{
    add_hash(2, "h", 70);
    bstr want = resp(bstr_empty(0), 2, "SELECT", "2");
    want = resp_hmset(want, "h", 0, 64);
    want = resp_hmset(want, "h", 64, 70);

    bstr got = keyspace_commands();
    assert_same_bytes(got, want);
    bstr_free(got);
    bstr_free(want);
}

Test(aof_base, each_database_with_keys_gets_its_select_in_order)
{
    add_string(5, "five", "5");
    add_string(0, "zero", "0");
    add_string(15, "last", "15");
    bstr want = resp(bstr_empty(0), 2, "SELECT", "0");
    want = resp(want, 3, "SET", "zero", "0");
    want = resp(want, 2, "SELECT", "5");
    want = resp(want, 3, "SET", "five", "5");
    want = resp(want, 2, "SELECT", "15");
    want = resp(want, 3, "SET", "last", "15");

    bstr got = keyspace_commands();
    assert_same_bytes(got, want);
    bstr_free(got);
    bstr_free(want);
}

Test(aof_base, binary_keys_and_values_are_written_as_they_are)
{
    struct db *db = db_get(0);
    db_add(db, "k\0\r\n", 4, obj_string("\r\n\0\xff", 4));

    static const char set[] = "*3\r\n$3\r\nSET\r\n$4\r\nk\0\r\n\r\n"
                              "$4\r\n\r\n\0\xff\r\n";
    bstr got = keyspace_commands();
    bstr want = resp(bstr_empty(0), 2, "SELECT", "0");
    want = bstr_cat(want, set, sizeof(set) - 1);
    assert_same_bytes(got, want);
    bstr_free(got);
    bstr_free(want);
}

/* A big keyspace crosses the writer's chunks and incremental fsyncs. */
Test(aof_base, a_large_keyspace_is_written_completely)
{
    char key[32], val[128];
    memset(val, 'x', sizeof(val) - 1);
    val[sizeof(val) - 1] = '\0';
    for (int i = 0; i < 50000; i++) {
        snprintf(key, sizeof(key), "key:%06d", i);
        add_string(0, key, val);
    }
    bstr got = keyspace_commands();
    /* SELECT 0, then 50000 SETs of the same shape. */
    size_t one_set =
        strlen("*3\r\n$3\r\nSET\r\n$10\r\nkey:000000\r\n$127\r\n") + 127 + 2;
    cr_assert_eq(bstr_len(got), 23 + 50000 * one_set);
    bstr_free(got);
}

Test(aof_base, a_write_error_is_reported_with_its_reason)
{
    char err[RDB_ERR_LEN] = "";
    int fd = open("/dev/full", O_WRONLY);

    cr_assert_geq(fd, 0);
    add_string(0, "k", "v");
    cr_assert_eq(aof_write_keyspace(fd, err), -1);
    cr_assert(strstr(err, "No space left on device") != NULL, "%s", err);
    close(fd);
}

/* ---- base files --------------------------------------------------------- */

Test(aof_base, a_command_base_file_holds_the_commands_and_nothing_is_left)
{
    add_list(0, "l", 3);
    cr_assert_eq(mkdir("appendonlydir", 0755), 0);
    cr_assert_eq(aof_write_base("appendonlydir/appendonly.aof.1.base.aof", 0),
                 0);

    bstr got = slurp("appendonlydir/appendonly.aof.1.base.aof");
    bstr want = resp(bstr_empty(0), 2, "SELECT", "0");
    want = resp_rpush(want, "l", 0, 3);
    assert_same_bytes(got, want);
    cr_assert_eq(dir_entries(), 1, "a temporary file was left behind");
    bstr_free(got);
    bstr_free(want);
}

Test(aof_base, an_rdb_base_says_aof_base_and_loads_back)
{
    char err[RDB_ERR_LEN] = "";

    add_string(0, "s", "v");
    add_list(2, "l", 100);
    add_hash(3, "h", 10);
    db_set_expire(db_get(0), "s", 1, 4000000000000LL);
    cr_assert_eq(aof_write_base("base.rdb", 1), 0);

    bstr got = slurp("base.rdb");
    cr_assert_eq(memcmp(got, "REDIS0010", 9), 0);
    cr_assert_not_null(memmem(got, bstr_len(got),
                              "\x08"
                              "aof-base\xc0\x01",
                              11),
                       "no aof-base 1 in the header");
    bstr_free(got);

    db_flush(-1);
    cr_assert_eq(rdb_load_file("base.rdb", err), 0, "%s", err);
    cr_assert_eq(db_size(db_get(0)), 1);
    cr_assert_eq(db_get_expire(db_get(0), "s", 1), 4000000000000LL);
    struct obj *l = db_lookup_read(db_get(2), "l", 1, DB_LOOKUP_NOTOUCH);
    cr_assert_not_null(l);
    cr_assert_eq(qlist_len(l->v.data), 100);
    struct obj *h = db_lookup_read(db_get(3), "h", 1, DB_LOOKUP_NOTOUCH);
    cr_assert_not_null(h);
    cr_assert_eq(hashobj_len(h), 10);
}

Test(aof_base, writing_a_base_that_cannot_be_placed_leaves_nothing)
{
    add_string(0, "k", "v");
    cr_assert_eq(aof_write_base("missing-dir/appendonly.aof.1.base.aof", 0),
                 -1);
    cr_assert_eq(dir_entries(), 0, "the temporary file was left behind");
}
