/* test_aof_load.c -- loading the AOF at start-up (aof_load).
 *
 * Each test writes an AOF directory by hand (a manifest, an RDB or RESP
 * base, incr files) into a temporary dir, runs aof_load() on an empty
 * keyspace and compares the keyspace, described as sorted text lines, with
 * what the files say.  The log goes to a file in the same directory, so
 * the lines Redis 7.0 would log can be checked too.
 *
 * Truncation is tried at every offset of a small file: with
 * aof-load-truncated yes the load succeeds with exactly the commands (and
 * whole transactions) before the cut, and the file is cut back to a command
 * boundary; with no, every cut inside a command fails and leaves the file
 * alone.  A damaged header byte anywhere fails naming its offset.  Files
 * written by the real redis-server 7.0.15 are generated and loaded when it
 * is installed (skipped otherwise). */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../broker/aof.h"
#include "redis_cli.h"

#include "../../broker/bstr.h"
#include "../../broker/cmd.h"
#include "../../broker/db.h"
#include "../../broker/dict.h"
#include "../../broker/hashobj.h"
#include "../../broker/log.h"
#include "../../broker/obj.h"
#include "../../broker/qlist.h"
#include "../../broker/rdb.h"
#include "../../broker/server.h"
#include "../../broker/util.h"

#define DATABASES 16
#define INCR1     "appendonly.aof.1.incr.aof"
#define MANIFEST1 "file " INCR1 " seq 1 type i\n"

static char tmpdir[64];
static char aofdir[128];
static char logpath[128];

static void setup(void)
{
    strcpy(tmpdir, "/tmp/test-aof-load.XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(aofdir, sizeof(aofdir), "%s/appendonlydir", tmpdir);
    snprintf(logpath, sizeof(logpath), "%s/log", tmpdir);

    server.pid = getpid();
    server.databases = DATABASES;
    server.hash_max_listpack_entries = 512;
    server.hash_max_listpack_value = 64;
    server.list_max_listpack_size = -2;
    server.proto_max_bulk_len = 512LL * 1024 * 1024;
    server.dir = tmpdir;
    server.aof_filename = "appendonly.aof";
    server.aof_dirname = "appendonlydir";
    server.aof_load_truncated = 1;
    server.verbosity = LL_DEBUG;
    db_init_all(DATABASES);
    cmd_init();
    rdb_set_compression(1);
    cr_assert_eq(log_open(logpath), 0);
}

static int redis_port; /* a redis-server this test started, or 0 */

static void teardown(void)
{
    char cmd[128];
    if (redis_port > 0) {
        snprintf(cmd, sizeof(cmd),
                 "redis-cli -p %d shutdown nosave >/dev/null 2>&1", redis_port);
        if (system(cmd) != 0)
            fprintf(stderr, "could not stop redis-server on %d\n", redis_port);
    }
    log_open(NULL);
    db_free_all();
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(aof_load, .init = setup, .fini = teardown);

/* ---- building files ---------------------------------------------------- */

/* Append one command, arguments as C strings ending with NULL. */
static bstr cmd(bstr s, const char *first, ...)
{
    const char *args[32];
    int argc = 0;
    va_list ap;

    va_start(ap, first);
    for (const char *a = first; a != NULL; a = va_arg(ap, const char *))
        args[argc++] = a;
    va_end(ap);
    s = bstr_catf(s, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++)
        s = bstr_catf(s, "$%zu\r\n%s\r\n", strlen(args[i]), args[i]);
    return s;
}

static void write_path(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fwrite(p, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}

static void aof_path(char *out, const char *name)
{
    snprintf(out, PATH_MAX, "%s/%s", aofdir, name);
}

static void write_aof(const char *name, const void *p, size_t n)
{
    char path[PATH_MAX];
    mkdir(aofdir, 0755);
    aof_path(path, name);
    write_path(path, p, n);
}

static void write_manifest(const char *text)
{
    write_aof("appendonly.aof.manifest", text, strlen(text));
}

/* The whole of a file, NUL-terminated (NULL if it does not exist). */
static char *read_path(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    bstr s = bstr_empty(0);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        s = bstr_cat(s, buf, n);
    fclose(f);
    if (len)
        *len = bstr_len(s);
    char *out = malloc(bstr_len(s) + 1);
    memcpy(out, s, bstr_len(s) + 1);
    bstr_free(s);
    return out;
}

static long long aof_size(const char *name)
{
    char path[PATH_MAX];
    struct stat st;
    aof_path(path, name);
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static void clear_log(void)
{
    cr_assert_eq(truncate(logpath, 0), 0);
}

static void assert_log_has(const char *needle)
{
    char *log = read_path(logpath, NULL);
    cr_assert_not_null(log);
    cr_assert(strstr(log, needle) != NULL, "the log lacks \"%s\":\n%s", needle,
              log);
    free(log);
}

static void assert_log_lacks(const char *needle)
{
    char *log = read_path(logpath, NULL);
    cr_assert_not_null(log);
    cr_assert(strstr(log, needle) == NULL, "the log has \"%s\":\n%s", needle,
              log);
    free(log);
}

/* Load the AOF, expecting rc; returns the manifest's file count. */
static int load_expect(enum aof_load_result want)
{
    struct aof_manifest m;
    aof_manifest_init(&m);
    enum aof_load_result rc = aof_load(&m);
    char *log = read_path(logpath, NULL);
    cr_assert_eq(rc, want, "aof_load returned %d, not %d; log:\n%s", rc, want,
                 log ? log : "");
    free(log);
    int n = m.incr_count + (m.base != NULL);
    aof_manifest_free(&m);
    return n;
}

/* ---- the keyspace ------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bstr describe_value(bstr s, struct obj *o)
{
    if (o->type == OBJ_LIST) {
        struct qlist_iter it;
        struct qlist_entry e;
        s = bstr_cat_cstr(s, " list");
        qlist_iter_init(&it, o->v.data, 0, QLIST_TAIL);
        while (qlist_iter_next(&it, &e)) {
            s = bstr_cat(s, " ", 1);
            s = bstr_cat_repr(s, e.ptr, e.len);
        }
        return s;
    }
    if (o->type == OBJ_HASH) {
        size_t n = hashobj_len(o), i = 0;
        bstr *pairs = calloc(n + 1, sizeof(*pairs));
        struct hashobj_iter it;
        struct hashobj_entry e;
        hashobj_iter_init(&it, o);
        while (hashobj_iter_next(&it, &e)) {
            pairs[i] = bstr_cat(bstr_empty(0), e.field, e.field_len);
            pairs[i] = bstr_cat(pairs[i], "=", 1);
            pairs[i] = bstr_cat(pairs[i], e.value, e.value_len);
            i++;
        }
        hashobj_iter_end(&it);
        qsort(pairs, i, sizeof(*pairs), cmp_str);
        s = bstr_cat_cstr(s, " hash");
        for (size_t k = 0; k < i; k++) {
            s = bstr_catf(s, " %s", pairs[k]);
            bstr_free(pairs[k]);
        }
        free(pairs);
        return s;
    }
    char buf[24];
    size_t len;
    const char *p = obj_str(o, buf, &len);
    s = bstr_cat(s, " ", 1);
    return bstr_cat_repr(s, p, len);
}

/* Every key as "db key value[ ttl]", sorted, one per line; the caller
 * frees it.  Keys whose TTL passed are listed too (nothing deletes them
 * here): the loader must have done it. */
static char *describe_all(void)
{
    size_t n = 0, cap = 16;
    char **lines = malloc(cap * sizeof(*lines));
    for (int i = 0; i < DATABASES; i++) {
        struct db *db = db_get(i);
        struct dict_iter it;
        struct dict_entry *e;
        dict_iter_start(&it, db->keys);
        while ((e = dict_iter_next(&it)) != NULL) {
            bstr s = bstr_catf(bstr_empty(0), "%d %s", i, e->key);
            s = describe_value(s, e->v.ptr);
            if (db_get_expire(db, e->key, bstr_len(e->key)) != -1)
                s = bstr_cat_cstr(s, " ttl");
            if (n == cap)
                lines = realloc(lines, (cap *= 2) * sizeof(*lines));
            lines[n++] = strdup(s);
            bstr_free(s);
        }
        dict_iter_end(&it);
    }
    qsort(lines, n, sizeof(*lines), cmp_str);
    bstr all = bstr_empty(0);
    for (size_t i = 0; i < n; i++) {
        all = bstr_catf(all, "%s\n", lines[i]);
        free(lines[i]);
    }
    free(lines);
    char *out = strdup(all);
    bstr_free(all);
    return out;
}

static void assert_keyspace(const char *want)
{
    char *got = describe_all();
    cr_assert_str_eq(got, want);
    free(got);
}

static void save_rdb(const char *name)
{
    char path[PATH_MAX], err[RDB_ERR_LEN];
    mkdir(aofdir, 0755);
    aof_path(path, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert(fd >= 0);
    rdb_set_aof_base(1);
    cr_assert_eq(rdb_save_to_fd(fd, err), 0, "%s", err);
    rdb_set_aof_base(0);
    close(fd);
}

/* A small dataset over two databases, as objects. */
static void small_dataset(void)
{
    struct db *db0 = db_get(0), *db2 = db_get(2);
    struct obj *l = obj_list_create();
    qlist_push(l->v.data, QLIST_TAIL, "x", 1);
    qlist_push(l->v.data, QLIST_TAIL, "y", 1);
    struct obj *h = hashobj_create();
    hashobj_set(h, "f", 1, "v", 1);
    db_add(db0, "s1", 2, obj_string("a", 1));
    db_add(db0, "l", 1, l);
    db_add(db0, "h", 1, h);
    db_add(db2, "t", 1, obj_string("tv", 2));
    db_set_expire(db2, "t", 1, util_mstime() + 1000000);
}

/* ---- multi-part loads -------------------------------------------------- */

Test(aof_load, an_rdb_base_and_incr_files_load_in_order)
{
    small_dataset();
    save_rdb("appendonly.aof.1.base.rdb");
    db_flush(-1);

    bstr i1 = cmd(bstr_empty(0), "SELECT", "0", NULL);
    i1 = cmd(i1, "SET", "s1", "b", NULL);
    i1 = cmd(i1, "RPUSH", "l", "z", NULL);
    i1 = cmd(i1, "SELECT", "2", NULL);
    i1 = cmd(i1, "SET", "in2", "v", NULL);
    /* A new file starts in database 0, as Redis gives each its client. */
    bstr i2 = cmd(bstr_empty(0), "HSET", "h", "g", "w", NULL);
    i2 = cmd(i2, "SET", "back0", "v", NULL);
    write_aof(INCR1, i1, bstr_len(i1));
    write_aof("appendonly.aof.2.incr.aof", i2, bstr_len(i2));
    write_manifest("file appendonly.aof.1.base.rdb seq 1 type b\n"
                   "file appendonly.aof.1.incr.aof seq 1 type i\n"
                   "file appendonly.aof.2.incr.aof seq 2 type i\n");

    cr_assert_eq(load_expect(AOF_LOAD_OK), 3);
    assert_keyspace("0 back0 \"v\"\n"
                    "0 h hash f=v g=w\n"
                    "0 l list \"x\" \"y\" \"z\"\n"
                    "0 s1 \"b\"\n"
                    "2 in2 \"v\"\n"
                    "2 t \"tv\" ttl\n");
    assert_log_has("Reading RDB base file on AOF loading...");
    assert_log_has("Done loading RDB, keys loaded: 4, keys expired: 0.");
    assert_log_has("DB loaded from base file appendonly.aof.1.base.rdb: ");
    assert_log_has("DB loaded from incr file appendonly.aof.1.incr.aof: ");
    assert_log_has("DB loaded from incr file appendonly.aof.2.incr.aof: ");
    bstr_free(i1);
    bstr_free(i2);
}

Test(aof_load, an_aof_base_and_an_incr_file_load_in_order)
{
    char when[32];
    snprintf(when, sizeof(when), "%lld", util_mstime() + 1000000);
    bstr base = cmd(bstr_empty(0), "SELECT", "0", NULL);
    base = cmd(base, "SET", "s", "1", NULL);
    base = cmd(base, "RPUSH", "l", "a", "b", NULL);
    base = cmd(base, "HMSET", "h", "f", "v", "g", "w", NULL);
    base = cmd(base, "PEXPIREAT", "h", when, NULL);
    bstr incr = cmd(bstr_empty(0), "SELECT", "0", NULL);
    incr = cmd(incr, "INCR", "s", NULL);
    incr = cmd(incr, "LPOP", "l", NULL);
    write_aof("appendonly.aof.1.base.aof", base, bstr_len(base));
    write_aof(INCR1, incr, bstr_len(incr));
    write_manifest("file appendonly.aof.1.base.aof seq 1 type b\n" MANIFEST1);

    load_expect(AOF_LOAD_OK);
    assert_keyspace("0 h hash f=v g=w ttl\n"
                    "0 l list \"b\"\n"
                    "0 s \"2\"\n");
    assert_log_has("DB loaded from base file appendonly.aof.1.base.aof: ");
    assert_log_has("DB loaded from incr file appendonly.aof.1.incr.aof: ");
    assert_log_lacks("Reading RDB");
    bstr_free(base);
    bstr_free(incr);
}

Test(aof_load, commands_after_an_rdb_base_are_replayed)
{
    small_dataset();
    save_rdb("appendonly.aof.1.base.rdb");
    db_flush(-1);
    char path[PATH_MAX];
    aof_path(path, "appendonly.aof.1.base.rdb");
    FILE *f = fopen(path, "ab");
    bstr tail = cmd(bstr_empty(0), "SET", "tail", "1", NULL);
    fwrite(tail, 1, bstr_len(tail), f);
    fclose(f);
    write_manifest("file appendonly.aof.1.base.rdb seq 1 type b\n");

    load_expect(AOF_LOAD_OK);
    assert_keyspace("0 h hash f=v\n"
                    "0 l list \"x\" \"y\"\n"
                    "0 s1 \"a\"\n"
                    "0 tail \"1\"\n"
                    "2 t \"tv\" ttl\n");
    bstr_free(tail);
}

Test(aof_load, no_manifest_and_no_file_is_not_exist)
{
    load_expect(AOF_LOAD_NOT_EXIST);
    mkdir(aofdir, 0755);
    load_expect(AOF_LOAD_NOT_EXIST);
    assert_keyspace("");
}

Test(aof_load, files_of_zero_bytes_are_empty)
{
    write_aof("appendonly.aof.1.base.aof", "", 0);
    write_aof(INCR1, "", 0);
    write_manifest("file appendonly.aof.1.base.aof seq 1 type b\n" MANIFEST1);
    load_expect(AOF_LOAD_EMPTY);
    assert_log_lacks("DB loaded from");

    /* An empty base with commands after it is an ordinary load. */
    bstr incr = cmd(bstr_empty(0), "SET", "a", "1", NULL);
    write_aof(INCR1, incr, bstr_len(incr));
    load_expect(AOF_LOAD_OK);
    assert_keyspace("0 a \"1\"\n");
    assert_log_lacks("DB loaded from base file");
    assert_log_has("DB loaded from incr file appendonly.aof.1.incr.aof: ");
    bstr_free(incr);
}

Test(aof_load, a_listed_file_that_is_missing_fails)
{
    write_aof("appendonly.aof.1.base.aof", "", 0);
    write_manifest("file appendonly.aof.1.base.aof seq 1 type b\n" MANIFEST1);
    load_expect(AOF_LOAD_FAILED);
    assert_log_has("Unable to obtain the AOF file appendonly.aof.1.incr.aof "
                   "length. stat: No such file or directory");
}

Test(aof_load, a_damaged_manifest_fails)
{
    write_manifest("file appendonly.aof.1.incr.aof seq 1 type z\n");
    load_expect(AOF_LOAD_FAILED);
    assert_log_has("*** FATAL AOF MANIFEST FILE ERROR ***");
    assert_log_has("Unknown AOF file type");
}

/* ---- truncation at every offset ---------------------------------------- */

/* One step of the file: a command, a transaction, or an annotation. */
struct unit {
    bstr bytes;
    const char *adds; /* keyspace lines it adds, or NULL */
    int counts;       /* adds one to the counter ctr */
    int transaction;  /* MULTI ... EXEC */
    size_t multi_len; /* length of its MULTI command */
    int annotation;
    size_t start, end; /* offsets in the file */
};

#define UNITS 11

/* Commands of every shape, two transactions and annotations in between;
 * fills u and returns the file. */
static bstr build_units(struct unit *u)
{
    char big[301];
    memset(big, 'q', 300);
    big[300] = '\0';
    memset(u, 0, sizeof(*u) * UNITS);

    u[0].bytes = cmd(bstr_empty(0), "SET", "k0", "v0", NULL);
    u[0].adds = "0 k0 \"v0\"";
    u[1].bytes = bstr_cat_cstr(bstr_empty(0), "#TS:1700000000\r\n");
    u[1].annotation = 1;
    u[2].bytes = cmd(bstr_empty(0), "RPUSH", "list", "a", "b", NULL);
    u[2].adds = "0 list list \"a\" \"b\"";
    u[3].bytes = cmd(bstr_empty(0), "MULTI", NULL);
    u[3].multi_len = bstr_len(u[3].bytes);
    u[3].bytes = cmd(u[3].bytes, "SET", "m1", "x", NULL);
    u[3].bytes = cmd(u[3].bytes, "INCR", "ctr", NULL);
    u[3].bytes = cmd(u[3].bytes, "EXEC", NULL);
    u[3].adds = "0 m1 \"x\"";
    u[3].counts = u[3].transaction = 1;
    u[4].bytes = cmd(bstr_empty(0), "HSET", "h", "f", "v", NULL);
    u[4].adds = "0 h hash f=v";
    u[5].bytes = bstr_cat_cstr(bstr_empty(0), "# a note\n");
    u[5].annotation = 1;
    u[6].bytes = cmd(bstr_empty(0), "MULTI", NULL);
    u[6].multi_len = bstr_len(u[6].bytes);
    u[6].bytes = cmd(u[6].bytes, "SET", "m2", "y", NULL);
    u[6].bytes = cmd(u[6].bytes, "INCR", "ctr", NULL);
    u[6].bytes = cmd(u[6].bytes, "EXEC", NULL);
    u[6].adds = "0 m2 \"y\"";
    u[6].counts = u[6].transaction = 1;
    u[7].bytes = cmd(bstr_empty(0), "SET", "big", big, NULL);
    bstr line = bstr_catf(bstr_empty(0), "0 big \"%s\"", big);
    static char big_line[400];
    snprintf(big_line, sizeof(big_line), "%s", line);
    bstr_free(line);
    u[7].adds = big_line;
    u[8].bytes = cmd(bstr_empty(0), "SELECT", "1", NULL);
    u[9].bytes = cmd(bstr_empty(0), "SET", "k9", "v9", NULL);
    u[9].adds = "1 k9 \"v9\"";
    u[10].bytes = cmd(bstr_empty(0), "DEL", "k9", NULL);
    u[10].adds = "-1 k9 \"v9\"";

    bstr file = bstr_empty(0);
    for (int i = 0; i < UNITS; i++) {
        u[i].start = bstr_len(file);
        file = bstr_cat(file, u[i].bytes, bstr_len(u[i].bytes));
        u[i].end = bstr_len(file);
    }
    return file;
}

static void free_units(struct unit *u)
{
    for (int i = 0; i < UNITS; i++)
        bstr_free(u[i].bytes);
}

/* The keyspace after the units that end at or before cut. */
static char *expected_after(const struct unit *u, size_t cut)
{
    const char *lines[UNITS + 1];
    int n = 0, counter = 0;
    static char ctr[32];

    for (int i = 0; i < UNITS && u[i].end <= cut; i++) {
        counter += u[i].counts;
        if (u[i].adds && u[i].adds[0] == '-') {
            for (int k = 0; k < n; k++)
                if (strcmp(lines[k], u[i].adds + 1) == 0)
                    lines[k] = lines[--n];
        } else if (u[i].adds) {
            lines[n++] = u[i].adds;
        }
    }
    if (counter > 0) {
        snprintf(ctr, sizeof(ctr), "0 ctr \"%d\"", counter);
        lines[n++] = ctr;
    }
    qsort(lines, (size_t)n, sizeof(*lines), cmp_str);
    bstr s = bstr_empty(0);
    for (int i = 0; i < n; i++)
        s = bstr_catf(s, "%s\n", lines[i]);
    char *out = strdup(s);
    bstr_free(s);
    return out;
}

/* Where the loader cuts a file ending at cut back to: cut itself when it
 * falls between units or inside an annotation; else the end of the last
 * command before the unit it splits, or the start of a transaction whose
 * MULTI is complete. */
static size_t expected_cut(const struct unit *u, size_t cut)
{
    size_t last_cmd_end = 0;

    for (int i = 0; i < UNITS; i++) {
        if (cut <= u[i].start)
            return cut; /* between units */
        if (u[i].annotation) {
            if (cut <= u[i].end)
                return cut; /* an annotation cut short is no damage */
            continue;
        }
        if (cut >= u[i].end) {
            last_cmd_end = u[i].end;
            continue;
        }
        if (u[i].transaction && cut >= u[i].start + u[i].multi_len)
            return u[i].start;
        return last_cmd_end;
    }
    return cut;
}

static void load_cut(const char *file, size_t cut)
{
    db_flush(-1);
    clear_log();
    write_aof(INCR1, file, cut);
    write_manifest(MANIFEST1);
}

Test(aof_load, a_cut_at_every_offset_loads_the_commands_before_it)
{
    struct unit u[UNITS];
    bstr file = build_units(u);

    for (size_t cut = 0; cut <= bstr_len(file); cut++) {
        load_cut(file, cut);
        load_expect(cut == 0 ? AOF_LOAD_EMPTY : AOF_LOAD_OK);
        char *want = expected_after(u, cut), *got = describe_all();
        cr_assert_str_eq(got, want, "cut at %zu:\n%s---\n%s", cut, got, want);
        free(want);
        free(got);
        size_t at = expected_cut(u, cut);
        cr_assert_eq(aof_size(INCR1), (long long)at, "cut at %zu: size %lld",
                     cut, aof_size(INCR1));
        if (at != cut) {
            char line[128];
            snprintf(line, sizeof(line),
                     "!!! Truncating the AOF " INCR1 " at offset %zu !!!", at);
            assert_log_has("!!! Warning: short read while loading the AOF "
                           "file " INCR1 "!!!");
            assert_log_has(line);
            assert_log_has("AOF " INCR1 " loaded anyway because "
                           "aof-load-truncated is enabled");
        }
    }
    free_units(u);
    bstr_free(file);
}

Test(aof_load, with_aof_load_truncated_no_every_cut_inside_a_command_fails)
{
    struct unit u[UNITS];
    bstr file = build_units(u);

    server.aof_load_truncated = 0;
    for (size_t cut = 0; cut <= bstr_len(file); cut++) {
        load_cut(file, cut);
        int clean = expected_cut(u, cut) == cut;
        load_expect(!clean     ? AOF_LOAD_FAILED
                    : cut == 0 ? AOF_LOAD_EMPTY
                               : AOF_LOAD_OK);
        cr_assert_eq(aof_size(INCR1), (long long)cut, "cut at %zu", cut);
        if (clean) {
            char *want = expected_after(u, cut), *got = describe_all();
            cr_assert_str_eq(got, want, "cut at %zu:\n%s---\n%s", cut, got,
                             want);
            free(want);
            free(got);
        } else {
            assert_log_has("Unexpected end of file reading the append only "
                           "file " INCR1 ". You can: 1) Make a backup of "
                           "your AOF file, then use ./redis-check-aof --fix "
                           "<filename.manifest>. 2) Alternatively you can "
                           "set the 'aof-load-truncated' configuration "
                           "option to yes and restart the server.");
        }
    }
    free_units(u);
    bstr_free(file);
}

Test(aof_load, a_cut_file_that_is_not_the_last_fails_and_is_left_alone)
{
    bstr base = cmd(bstr_empty(0), "SET", "a", "1", NULL);
    base = cmd(base, "SET", "b", "2", NULL);
    bstr incr = cmd(bstr_empty(0), "SET", "c", "3", NULL);
    write_aof("appendonly.aof.1.base.aof", base, bstr_len(base) - 5);
    write_aof(INCR1, incr, bstr_len(incr));
    write_manifest("file appendonly.aof.1.base.aof seq 1 type b\n" MANIFEST1);

    load_expect(AOF_LOAD_FAILED);
    assert_log_has("!!! Warning: short read while loading the AOF file "
                   "appendonly.aof.1.base.aof!!!");
    assert_log_has("Fatal error: the truncated file is not the last file");
    assert_log_lacks("Truncating");
    cr_assert_eq(aof_size("appendonly.aof.1.base.aof"),
                 (long long)bstr_len(base) - 5);
    bstr_free(base);
    bstr_free(incr);
}

Test(aof_load, an_unfinished_transaction_at_the_end_is_reverted)
{
    bstr f = cmd(bstr_empty(0), "SET", "a", "1", NULL);
    size_t multi_at = bstr_len(f);
    f = cmd(f, "MULTI", NULL);
    f = cmd(f, "SET", "b", "1", NULL);
    f = cmd(f, "INCR", "c", NULL);
    write_aof(INCR1, f, bstr_len(f));
    write_manifest(MANIFEST1);

    load_expect(AOF_LOAD_OK);
    assert_keyspace("0 a \"1\"\n");
    cr_assert_eq(aof_size(INCR1), (long long)multi_at);
    assert_log_has(
        "Revert incomplete MULTI/EXEC transaction in AOF file " INCR1);
    assert_log_has("!!! Truncating the AOF " INCR1 " at offset 27 !!!");
    bstr_free(f);
}

/* Redis 7.0 cuts such a file after the last complete command, leaving a
 * MULTI without EXEC that swallows what is appended later; the whole
 * transaction goes here. */
Test(aof_load, a_cut_inside_a_transaction_drops_all_of_it)
{
    bstr f = cmd(bstr_empty(0), "SET", "a", "1", NULL);
    f = cmd(f, "MULTI", NULL);
    f = cmd(f, "SET", "b", "1", NULL);
    f = bstr_cat_cstr(f, "*3\r\n$3\r\nSE");
    write_aof(INCR1, f, bstr_len(f));
    write_manifest(MANIFEST1);

    load_expect(AOF_LOAD_OK);
    assert_keyspace("0 a \"1\"\n");
    cr_assert_eq(aof_size(INCR1), 27);
    bstr_free(f);
}

/* ---- damage ------------------------------------------------------------ */

/* A file whose every header byte but the '\n' (which Redis skips
 * unchecked, and so do we) is replaced in turn: each load fails naming
 * that byte's offset, and the file is left alone. */
Test(aof_load, a_damaged_header_byte_fails_naming_its_offset)
{
    bstr f = cmd(bstr_empty(0), "SET", "a", "1", NULL);
    f = cmd(f, "RPUSH", "list", "x", "y", NULL);
    f = cmd(f, "SET", "c", "3", NULL);
    size_t len = bstr_len(f);
    char *damaged = malloc(len);
    int tried = 0;

    for (size_t at = 0; at < len; at++) {
        /* Header bytes: a line that starts with '*' or '$'. */
        size_t line = at;
        while (line > 0 && f[line - 1] != '\n')
            line--;
        if ((f[line] != '*' && f[line] != '$') || f[at] == '\n')
            continue;
        memcpy(damaged, f, len);
        damaged[at] = 'X';
        for (int truncated = 0; truncated <= 1; truncated++) {
            server.aof_load_truncated = truncated;
            load_cut(damaged, len);
            load_expect(AOF_LOAD_FAILED);
            char want[160];
            snprintf(want, sizeof(want),
                     "Damage in the AOF file " INCR1 " at offset %zu: ", at);
            assert_log_has(want);
            assert_log_has("Bad file format reading the append only file " INCR1
                           ": make a backup of your AOF file, then use "
                           "./redis-check-aof --fix <filename.manifest>");
            cr_assert_eq(aof_size(INCR1), (long long)len);
        }
        tried++;
    }
    cr_assert_gt(tried, 20);
    free(damaged);
    bstr_free(f);
}

/* A NUL byte in a header keeps the parser waiting for the line's end; near
 * the end of the file that must still read as damage, not as a cut. */
Test(aof_load, a_nul_byte_in_a_last_header_is_damage_not_a_cut)
{
    bstr f = cmd(bstr_empty(0), "SET", "a", "1", NULL);
    size_t at = bstr_len(f) + 5; /* the '3' of "$3" */
    f = cmd(f, "SET", "b", "2", NULL);
    f[at] = '\0';
    write_aof(INCR1, f, bstr_len(f));
    write_manifest(MANIFEST1);

    load_expect(AOF_LOAD_FAILED);
    char want[128];
    snprintf(want, sizeof(want),
             "Damage in the AOF file " INCR1 " at offset %zu", at);
    assert_log_has(want);
    cr_assert_eq(aof_size(INCR1), (long long)bstr_len(f));
    bstr_free(f);
}

Test(aof_load, a_line_that_is_not_a_command_fails)
{
    bstr f = cmd(bstr_empty(0), "SET", "a", "1", NULL);
    f = bstr_cat_cstr(f, "SET b 1\r\n");
    write_aof(INCR1, f, bstr_len(f));
    write_manifest(MANIFEST1);
    load_expect(AOF_LOAD_FAILED);
    assert_log_has("Damage in the AOF file " INCR1 " at offset 27: ");

    bstr g = cmd(bstr_empty(0), "SET", "a", "1", NULL);
    g = bstr_cat_cstr(g, "*0\r\n");
    write_aof(INCR1, g, bstr_len(g));
    load_expect(AOF_LOAD_FAILED);
    assert_log_has("Bad file format reading the append only file " INCR1);
    bstr_free(f);
    bstr_free(g);
}

Test(aof_load, a_damaged_rdb_base_fails)
{
    small_dataset();
    save_rdb("appendonly.aof.1.base.rdb");
    db_flush(-1);
    long long size = aof_size("appendonly.aof.1.base.rdb");
    char path[PATH_MAX];
    aof_path(path, "appendonly.aof.1.base.rdb");
    cr_assert_eq(truncate(path, size - 3), 0);
    write_manifest("file appendonly.aof.1.base.rdb seq 1 type b\n");

    load_expect(AOF_LOAD_FAILED);
    assert_log_has("Error reading the RDB base file appendonly.aof.1.base.rdb, "
                   "AOF loading aborted");
}

Test(aof_load, an_unknown_command_stops_the_load)
{
    bstr f = cmd(bstr_empty(0), "SET", "a", "1", NULL);
    f = cmd(f, "FOOBA", "b", NULL);
    write_aof(INCR1, f, bstr_len(f));
    write_manifest(MANIFEST1);
    load_expect(AOF_LOAD_FAILED);
    assert_log_has(
        "Unknown command 'FOOBA' reading the append only file " INCR1);
    assert_log_has("The unknown command is at offset 27 of " INCR1);

    bstr g = cmd(bstr_empty(0), "CONFIG", "NOSUCH", NULL);
    write_aof(INCR1, g, bstr_len(g));
    load_expect(AOF_LOAD_FAILED);
    assert_log_has("Unknown command 'CONFIG' reading the append only file");
    bstr_free(f);
    bstr_free(g);
}

/* As Redis: an error reply is logged and the replay goes on. */
Test(aof_load, an_error_reply_is_logged_and_loading_goes_on)
{
    bstr f = cmd(bstr_empty(0), "RPUSH", "a", "1", NULL);
    f = cmd(f, "INCR", "a", NULL);
    f = cmd(f, "SET", "b", "1", "FOO", NULL);
    f = cmd(f, "SET", "c", "1", NULL);
    write_aof(INCR1, f, bstr_len(f));
    write_manifest(MANIFEST1);

    load_expect(AOF_LOAD_OK);
    assert_keyspace("0 a list \"1\"\n0 c \"1\"\n");
    assert_log_has("== CRITICAL == This server is sending an error to its "
                   "AOF-loading-client: '-WRONGTYPE Operation against a key "
                   "holding the wrong kind of value' after processing the "
                   "command 'incr'");
    assert_log_has("== CRITICAL == This server is sending an error to its "
                   "AOF-loading-client: '-ERR syntax error' after processing "
                   "the command 'set'");
    bstr_free(f);
}

Test(aof_load, annotations_are_skipped)
{
    bstr f = bstr_cat_cstr(bstr_empty(0), "#TS:1700000000\r\n");
    f = cmd(f, "SET", "a", "1", NULL);
    /* One longer than a read, so it spans chunks. */
    f = bstr_cat_cstr(f, "#");
    for (int i = 0; i < 3 * 1024 * 1024 / 64; i++)
        f = bstr_cat_cstr(f, "0123456789012345678901234567890123456789"
                             "012345678901234567890123");
    f = bstr_cat_cstr(f, "\n");
    f = cmd(f, "SET", "b", "2", NULL);
    f = bstr_cat_cstr(f, "#an annotation cut short");
    write_aof(INCR1, f, bstr_len(f));
    write_manifest(MANIFEST1);

    load_expect(AOF_LOAD_OK);
    assert_keyspace("0 a \"1\"\n0 b \"2\"\n");
    cr_assert_eq(aof_size(INCR1), (long long)bstr_len(f));
    bstr_free(f);
}

Test(aof_load, an_argument_larger_than_a_read_loads_and_may_be_cut)
{
    size_t n = 3 * 1024 * 1024 + 17;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)('a' + i % 26);
    big[n] = '\0';
    bstr f = cmd(bstr_empty(0), "SET", "a", "1", NULL);
    size_t first = bstr_len(f);
    f = cmd(f, "SET", "big", big, NULL);
    f = cmd(f, "SET", "c", "3", NULL);
    write_aof(INCR1, f, bstr_len(f));
    write_manifest(MANIFEST1);

    load_expect(AOF_LOAD_OK);
    struct obj *o = db_lookup_read(db_get(0), "big", 3, DB_LOOKUP_NOTOUCH);
    cr_assert_not_null(o);
    char buf[24];
    size_t len;
    const char *p = obj_str(o, buf, &len);
    cr_assert_eq(len, n);
    cr_assert(memcmp(p, big, n) == 0);
    cr_assert_not_null(db_lookup_read(db_get(0), "c", 1, DB_LOOKUP_NOTOUCH));

    /* Cut in the middle of the big argument. */
    load_cut(f, first + n / 2);
    load_expect(AOF_LOAD_OK);
    assert_keyspace("0 a \"1\"\n");
    cr_assert_eq(aof_size(INCR1), (long long)first);
    free(big);
    bstr_free(f);
}

/* ---- the old single-file AOF ------------------------------------------- */

Test(aof_load, an_old_style_aof_is_moved_into_the_directory)
{
    char old[PATH_MAX], moved[PATH_MAX], manifest[PATH_MAX];
    snprintf(old, sizeof(old), "%s/appendonly.aof", tmpdir);
    bstr f = cmd(bstr_empty(0), "SET", "a", "1", NULL);
    f = cmd(f, "RPUSH", "l", "x", NULL);
    write_path(old, f, bstr_len(f));

    load_expect(AOF_LOAD_OK);
    assert_keyspace("0 a \"1\"\n0 l list \"x\"\n");
    assert_log_has("Successfully migrated an old-style AOF file "
                   "(appendonly.aof) into the AOF directory (appendonlydir).");
    assert_log_has("DB loaded from base file appendonly.aof: ");
    aof_path(moved, "appendonly.aof");
    aof_path(manifest, "appendonly.aof.manifest");
    cr_assert_eq(access(old, F_OK), -1);
    char *text = read_path(moved, NULL);
    cr_assert_str_eq(text, f);
    free(text);
    text = read_path(manifest, NULL);
    cr_assert_str_eq(text, "file appendonly.aof seq 1 type b\n");
    free(text);

    /* The next start loads it from the directory. */
    db_flush(-1);
    clear_log();
    load_expect(AOF_LOAD_OK);
    assert_keyspace("0 a \"1\"\n0 l list \"x\"\n");
    assert_log_lacks("migrated");
    bstr_free(f);
}

Test(aof_load, an_old_style_aof_with_an_rdb_preamble_loads_its_tail)
{
    char old[PATH_MAX];
    small_dataset();
    save_rdb("preamble");
    db_flush(-1);
    aof_path(old, "preamble");
    size_t len;
    char *rdb = read_path(old, &len);
    unlink(old);
    rmdir(aofdir);
    bstr f = bstr_cat(bstr_empty(0), rdb, len);
    f = cmd(f, "SELECT", "0", NULL);
    f = cmd(f, "SET", "tail", "1", NULL);
    snprintf(old, sizeof(old), "%s/appendonly.aof", tmpdir);
    write_path(old, f, bstr_len(f));

    load_expect(AOF_LOAD_OK);
    assert_keyspace("0 h hash f=v\n"
                    "0 l list \"x\" \"y\"\n"
                    "0 s1 \"a\"\n"
                    "0 tail \"1\"\n"
                    "2 t \"tv\" ttl\n");
    assert_log_has("Reading RDB preamble from AOF file...");
    assert_log_has("Reading the remaining AOF tail...");
    free(rdb);
    bstr_free(f);
}

/* A crash between writing the manifest and moving the file: the next
 * start finishes the move. */
Test(aof_load, an_interrupted_migration_is_finished)
{
    char old[PATH_MAX];
    snprintf(old, sizeof(old), "%s/appendonly.aof", tmpdir);
    bstr f = cmd(bstr_empty(0), "SET", "a", "1", NULL);
    write_path(old, f, bstr_len(f));
    write_manifest("file appendonly.aof seq 1 type b\n");

    load_expect(AOF_LOAD_OK);
    assert_keyspace("0 a \"1\"\n");
    assert_log_has("Successfully migrated an old-style AOF file");
    cr_assert_eq(access(old, F_OK), -1);
    bstr_free(f);
}

Test(aof_load, an_old_style_file_is_ignored_beside_a_manifest)
{
    char old[PATH_MAX];
    snprintf(old, sizeof(old), "%s/appendonly.aof", tmpdir);
    bstr f = cmd(bstr_empty(0), "SET", "old", "1", NULL);
    write_path(old, f, bstr_len(f));
    bstr g = cmd(bstr_empty(0), "SET", "new", "1", NULL);
    write_aof(INCR1, g, bstr_len(g));
    write_manifest(MANIFEST1);

    load_expect(AOF_LOAD_OK);
    assert_keyspace("0 new \"1\"\n");
    cr_assert_eq(access(old, F_OK), 0);
    bstr_free(f);
    bstr_free(g);
}

/* ---- what replaying does ----------------------------------------------- */

/* Nothing expires while loading (as in Redis), so a command after the
 * deadline still finds the key with its TTL instead of recreating it
 * without one.  What has expired is left, expired, to the running server's
 * expiry (which logs its DEL), as in Redis: reads never see it. */
Test(aof_load, keys_expire_only_once_everything_is_loaded)
{
    char past[32], future[32];
    snprintf(past, sizeof(past), "%lld", util_mstime() - 10000);
    snprintf(future, sizeof(future), "%lld", util_mstime() + 1000000);
    bstr f = cmd(bstr_empty(0), "SET", "k", "v", "PXAT", past, NULL);
    f = cmd(f, "APPEND", "k", "x", NULL);
    f = cmd(f, "RPUSH", "l", "a", NULL);
    f = cmd(f, "PEXPIREAT", "l", past, NULL);
    f = cmd(f, "RPUSH", "l", "b", NULL);
    f = cmd(f, "SET", "alive", "1", "PXAT", future, NULL);
    write_aof(INCR1, f, bstr_len(f));
    write_manifest(MANIFEST1);

    load_expect(AOF_LOAD_OK);
    assert_keyspace("0 alive \"1\" ttl\n"
                    "0 k \"vx\" ttl\n"
                    "0 l list \"a\" \"b\" ttl\n");
    cr_assert_eq(db_get_expire(db_get(0), "alive", 5), atoll(future));
    cr_assert_eq(db_get_expire(db_get(0), "k", 1), atoll(past));
    cr_assert_eq(server.loading, 0);
    cr_assert_null(db_lookup_read(db_get(0), "k", 1, 0));
    cr_assert_null(db_lookup_read(db_get(0), "l", 1, 0));
    cr_assert_eq(server.stat_expired_keys, 2);
    bstr_free(f);
}

Test(aof_load, a_blocking_command_in_the_file_does_not_block)
{
    bstr f = cmd(bstr_empty(0), "BLPOP", "nothing", "0", NULL);
    f = cmd(f, "BLMOVE", "none", "dst", "LEFT", "RIGHT", "0", NULL);
    f = cmd(f, "RPUSH", "src", "a", NULL);
    f = cmd(f, "BLMOVE", "src", "dst", "LEFT", "RIGHT", "0", NULL);
    f = cmd(f, "SET", "after", "1", NULL);
    write_aof(INCR1, f, bstr_len(f));
    write_manifest(MANIFEST1);

    load_expect(AOF_LOAD_OK);
    assert_keyspace("0 after \"1\"\n0 dst list \"a\"\n");
    bstr_free(f);
}

Test(aof_load, replayed_commands_count_in_no_statistics)
{
    bstr f = cmd(bstr_empty(0), "SET", "a", "1", NULL);
    f = cmd(f, "MULTI", NULL);
    f = cmd(f, "INCR", "a", NULL);
    f = cmd(f, "EXEC", NULL);
    write_aof(INCR1, f, bstr_len(f));
    write_manifest(MANIFEST1);

    load_expect(AOF_LOAD_OK);
    assert_keyspace("0 a \"2\"\n");
    cr_assert_eq(cmd_lookup("set", 3)->calls, 0);
    cr_assert_eq(cmd_lookup("incr", 4)->calls, 0);
    cr_assert_eq(cmd_lookup("exec", 4)->calls, 0);
    cr_assert_eq(server.stat_commands, 0);
    bstr_free(f);
}

Test(aof_load, a_long_load_logs_its_progress)
{
    bstr f = cmd(bstr_empty(0), "DEBUG", "SLEEP", "1.1", NULL);
    f = cmd(f, "DEBUG", "SLEEP", "1.1", NULL);
    /* The clock is read every few dozen commands. */
    for (int i = 0; i < 200; i++)
        f = cmd(f, "SET", "a", "1", NULL);
    write_aof(INCR1, f, bstr_len(f));
    write_manifest(MANIFEST1);

    load_expect(AOF_LOAD_OK);
    assert_log_has("Loading the AOF: 0.0 of 0.0 MB (");
    assert_log_has(" seconds, reading " INCR1);
    bstr_free(f);
}

/* ---- files written by redis-server 7.0.15 ------------------------------ */

static void cli_do(int port, const char *args)
{
    free(unit_cli(port, args));
}

static int start_redis(const char *extra)
{
    char cmdline[512];
    int port = unit_free_port();
    snprintf(cmdline, sizeof(cmdline),
             "redis-server --port %d --bind 127.0.0.1 --dir %s --save '' "
             "--appendonly yes --daemonize yes --logfile %s/redis.log %s",
             port, tmpdir, tmpdir, extra);
    cr_assert_eq(system(cmdline), 0);
    redis_port = port;
    for (int i = 0; i < 100; i++) {
        char *out = unit_cli(port, "ping");
        int up = strcmp(out, "PONG") == 0;
        free(out);
        if (up)
            return port;
        usleep(50000);
    }
    cr_assert_fail("redis-server did not start");
    return -1;
}

static void wait_rewrite_done(int port)
{
    for (int i = 0; i < 200; i++) {
        char *out = unit_cli(port, "info persistence");
        int done = strstr(out, "aof_rewrite_in_progress:0") &&
                   strstr(out, "aof_rewrite_scheduled:0");
        free(out);
        if (done)
            return;
        usleep(50000);
    }
    cr_assert_fail("the rewrite did not finish");
}

/* Data in every shape respd has, a rewrite in the middle so that there is
 * a base and an incr file, then SHUTDOWN (which fsyncs). */
static void redis_writes_an_aof(const char *extra)
{
    int port = start_redis(extra);
    cli_do(port, "set s hello");
    cli_do(port, "set n 12345");
    cli_do(port, "rpush l a b c");
    cli_do(port, "hset h f v g w");
    cli_do(port, "set t v ex 100000");
    cli_do(port, "-n 3 set in3 x");
    cli_do(port, "bgrewriteaof");
    wait_rewrite_done(port);
    cli_do(port, "incr n");
    cli_do(port, "lpop l");
    cli_do(port, "incrbyfloat f 1.5");
    cli_do(port, "expire s 100000");
    cli_do(port, "hset h i x");
    cli_do(port, "rpush src 1");
    cli_do(port, "blmove src dst left right 0");
    char *out = unit_cli(port, "eval \"redis.call('set','e','1')\" 0");
    free(out);
    out = unit_cli(port, "shutdown");
    free(out);
    for (int i = 0; i < 100; i++) {
        out = unit_cli(port, "ping");
        int down = strcmp(out, "PONG") != 0;
        free(out);
        if (down) {
            redis_port = 0;
            break;
        }
        usleep(50000);
    }
    cr_assert_eq(redis_port, 0, "redis-server did not shut down");
}

static const char redis_keyspace[] = "0 dst list \"1\"\n"
                                     "0 e \"1\"\n"
                                     "0 f \"1.5\"\n"
                                     "0 h hash f=v g=w i=x\n"
                                     "0 l list \"b\" \"c\"\n"
                                     "0 n \"12346\"\n"
                                     "0 s \"hello\" ttl\n"
                                     "0 t \"v\" ttl\n"
                                     "3 in3 \"x\"\n";

Test(aof_load, what_redis_server_writes_with_an_rdb_base_loads)
{
    if (!unit_have("redis-server") || !unit_have("redis-cli"))
        cr_skip_test("redis-server is not installed");
    redis_writes_an_aof("");
    cr_assert_eq(load_expect(AOF_LOAD_OK), 2);
    assert_keyspace(redis_keyspace);
    assert_log_has("Reading RDB base file on AOF loading...");
    assert_log_has("Loading RDB produced by version 7.0.15");
    assert_log_has("DB loaded from base file appendonly.aof.2.base.rdb: ");
    assert_log_has("DB loaded from incr file appendonly.aof.2.incr.aof: ");
}

Test(aof_load, what_redis_server_writes_with_an_aof_base_loads)
{
    if (!unit_have("redis-server") || !unit_have("redis-cli"))
        cr_skip_test("redis-server is not installed");
    redis_writes_an_aof("--aof-use-rdb-preamble no");
    cr_assert_eq(load_expect(AOF_LOAD_OK), 2);
    assert_keyspace(redis_keyspace);
    assert_log_has("DB loaded from base file appendonly.aof.2.base.aof: ");
    assert_log_lacks("Reading RDB");
}
