/* test_aof_roundtrip.c -- random datasets through an AOF base and back.
 *
 * Each round builds a random keyspace (strings of every encoding, lists
 * and hashes of every size class and both hash encodings, binary keys and
 * values, TTLs to come and TTLs already past, over several databases),
 * writes it as an AOF base with aof_write_base() -- the commands of
 * aof_write_keyspace(), or with aof-use-rdb-preamble an RDB base --
 * empties the keyspace, replays the AOF directory with aof_load(), and
 * compares the two keyspaces key by key: database, name, type, encoding,
 * exact TTL, and contents (list order; hash pairs, in order while
 * listpack-encoded).  A string's encoding is the one a SET of its value
 * gives (an APPENDed string is raw in memory and comes back as SET makes
 * it).  Keys whose TTL passed come back with it, left to the expiry of the
 * running server.  The rounds' seed is printed when one fails. */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../broker/aof.h"
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
#define ROUNDS    6

static char tmpdir[64];
static char aofdir[128];
static uint64_t seed, state;

static void setup(void)
{
    char logpath[128];

    strcpy(tmpdir, "/tmp/test-aof-roundtrip.XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(aofdir, sizeof(aofdir), "%s/appendonlydir", tmpdir);
    snprintf(logpath, sizeof(logpath), "%s/log", tmpdir);
    cr_assert_eq(mkdir(aofdir, 0755), 0);
    /* aof_write_base() writes its temporary file in the working directory,
     * as the server (which runs in `dir`) does. */
    cr_assert_eq(chdir(tmpdir), 0);

    server.pid = getpid();
    server.databases = DATABASES;
    server.hash_max_listpack_entries = 512;
    server.hash_max_listpack_value = 64;
    server.list_max_listpack_size = -2;
    server.proto_max_bulk_len = 512LL * 1024 * 1024;
    server.dir = tmpdir;
    server.aof_filename = "appendonly.aof";
    server.aof_dirname = "appendonlydir";
    server.aof_load_truncated = 0;
    server.aof_rewrite_incremental_fsync = 0;
    server.verbosity = LL_WARNING;
    db_init_all(DATABASES);
    cmd_init();
    rdb_set_compression(1);
    cr_assert_eq(log_open(logpath), 0);

    seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    state = seed ? seed : 1;
}

static void teardown(void)
{
    char cmd[128];
    log_open(NULL);
    db_free_all();
    cr_assert_eq(chdir("/"), 0);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(aof_roundtrip, .init = setup, .fini = teardown);

/* ---- randomness (xorshift64*, reproducible from the seed) ---------------- */

static uint64_t next_u64(void)
{
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 2685821657736338717ULL;
}

static unsigned rnd(unsigned n)
{
    return (unsigned)(next_u64() % n);
}

/* A value of a random kind into buf (room for max + 64 bytes; the fixed
 * ones may pass max): integers at the encodings' edges and look-alikes
 * that are not canonical, short and long text, bytes RESP must carry
 * verbatim (CR, LF, NUL, '$', '*'). */
static size_t random_value(char *buf, size_t max)
{
    static const char *fixed[] = {
        "0",
        "-1",
        "127",
        "-128",
        "32767",
        "-32768",
        "2147483647",
        "-2147483648",
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775808",
        "007",
        "-0",
        "+1",
        " 1",
        "1.5",
        "",
        "\r\n",
        "$3\r\n",
        "*1\r\n$1\r\nx\r\n",
    };
    size_t nfixed = sizeof(fixed) / sizeof(fixed[0]), n;

    switch (rnd(6)) {
    case 0:
        strcpy(buf, fixed[rnd((unsigned)nfixed)]);
        return strlen(buf);
    case 1:
        return (size_t)snprintf(buf, max + 64, "%lld",
                                (long long)next_u64() >> rnd(63));
    case 2: /* long and compressible */
        n = max > 45 ? 45 + rnd((unsigned)(max - 45)) : max;
        for (size_t i = 0; i < n; i++)
            buf[i] = "abcab"[i % 5];
        return n;
    case 3: /* binary */
        n = rnd((unsigned)max + 1);
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)next_u64();
        return n;
    default:
        n = 1 + rnd(30);
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)('a' + rnd(26));
        return n;
    }
}

/* A TTL: none (-1) mostly, else one to come or one already past. */
static long long random_ttl(void)
{
    switch (rnd(8)) {
    case 0:
        return util_mstime() + 1000000 + rnd(1000000);
    case 1:
        return util_mstime() - 1 - rnd(100000);
    default:
        return -1;
    }
}

static void add_key(struct db *db, const char *key, size_t klen, struct obj *o,
                    long long ttl)
{
    if (dict_find(db->keys, key, klen) != NULL) {
        obj_free(o);
        return;
    }
    db_add(db, key, klen, o);
    if (ttl != -1)
        db_set_expire(db, key, klen, ttl);
}

static struct obj *random_string(char *buf, size_t cap)
{
    size_t n = random_value(buf, rnd(3) ? 64 : cap - 64);
    switch (rnd(3)) {
    case 0: /* as APPEND leaves it */
        return obj_string_raw(bstr_new(buf, n));
    default:
        return obj_string(buf, n);
    }
}

/* Items counts around the batching of 64 per RPUSH / HMSET, and beyond. */
static size_t random_count(void)
{
    static const size_t edges[] = {1,   2,   63,  64,  65, 127,
                                   128, 129, 511, 512, 513};
    switch (rnd(4)) {
    case 0:
        return edges[rnd(sizeof(edges) / sizeof(edges[0]))];
    case 1:
        return 1 + rnd(3000);
    default:
        return 1 + rnd(40);
    }
}

static struct obj *random_list(char *buf, size_t cap)
{
    struct obj *o = obj_list_create();
    size_t n = random_count(), max = rnd(8) == 0 ? cap - 64 : 40 + rnd(300);
    for (size_t i = 0; i < n; i++) {
        size_t len = random_value(buf, max);
        qlist_push(o->v.data, rnd(2) ? QLIST_TAIL : QLIST_HEAD, buf, len);
    }
    return o;
}

static struct obj *random_hash(char *buf, size_t cap)
{
    struct obj *o = hashobj_create();
    char field[160];
    size_t n = random_count(), max = rnd(4) == 0 ? 200 : 40;
    for (size_t i = 0; i < n; i++) {
        size_t flen = random_value(field, rnd(4) == 0 ? 80 : 20);
        /* Distinct, whatever the random part. */
        flen += (size_t)snprintf(field + flen, sizeof(field) - flen, "#%zu", i);
        size_t vlen = random_value(buf, max);
        hashobj_set(o, field, flen, buf, vlen);
    }
    return o;
}

/* About keys keys of every type over a few databases. */
static void random_dataset(int keys)
{
    size_t cap = 12000;
    char *buf = malloc(cap), key[64];

    for (int i = 0; i < keys; i++) {
        struct db *db = db_get(rnd(3) == 0 ? (int)rnd(DATABASES) : 0);
        size_t klen;
        if (rnd(5) == 0) {
            klen = random_value(key, 20); /* binary, empty, int-like */
            klen += (size_t)snprintf(key + klen, sizeof(key) - klen, "%d", i);
        } else {
            klen = (size_t)snprintf(key, sizeof(key), "k:%d", i);
        }
        struct obj *o;
        switch (rnd(5)) {
        case 0:
        case 1:
            o = random_string(buf, cap);
            break;
        case 2:
            o = random_list(buf, cap);
            break;
        default:
            o = random_hash(buf, cap);
            break;
        }
        add_key(db, key, klen, o, random_ttl());
    }
    free(buf);
}

/* ---- describing the keyspace --------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bstr describe_contents(bstr s, struct obj *o)
{
    if (o->type == OBJ_LIST) {
        struct qlist_iter it;
        struct qlist_entry e;
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
            pairs[i] = bstr_cat_repr(bstr_empty(0), e.field, e.field_len);
            pairs[i] = bstr_cat(pairs[i], "=", 1);
            pairs[i] = bstr_cat_repr(pairs[i], e.value, e.value_len);
            i++;
        }
        hashobj_iter_end(&it);
        cr_assert_eq(i, n);
        /* A listpack keeps its order; a dict has none worth comparing. */
        if (o->encoding != OBJ_ENC_LISTPACK)
            qsort(pairs, n, sizeof(*pairs), cmp_str);
        for (i = 0; i < n; i++) {
            s = bstr_catf(s, " %s", pairs[i]);
            bstr_free(pairs[i]);
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

/* A string's encoding as a SET of its value makes it. */
static const char *set_encoding(struct obj *o)
{
    char buf[24];
    size_t len;
    const char *p = obj_str(o, buf, &len);
    struct obj *canon = obj_string(p, len);
    const char *name = obj_encoding_name(canon);
    obj_free(canon);
    return name;
}

static bstr describe_key(struct db *db, bstr key, struct obj *o)
{
    bstr s = bstr_catf(bstr_empty(0), "%d ", db->id);
    s = bstr_cat_repr(s, key, bstr_len(key));
    s = bstr_catf(s, " %s %s ttl=%lld", obj_type_name(o),
                  o->type == OBJ_STRING ? set_encoding(o)
                                        : obj_encoding_name(o),
                  db_get_expire(db, key, bstr_len(key)));
    return describe_contents(s, o);
}

/* Every key, one sorted line each; *count gets the number of keys. */
static char *describe_all(size_t *count)
{
    size_t n = 0, cap = 64;
    bstr *lines = malloc(cap * sizeof(*lines));
    for (int i = 0; i < DATABASES; i++) {
        struct db *db = db_get(i);
        struct dict_iter it;
        struct dict_entry *e;
        dict_iter_start(&it, db->keys);
        while ((e = dict_iter_next(&it)) != NULL) {
            if (n == cap)
                lines = realloc(lines, (cap *= 2) * sizeof(*lines));
            lines[n++] = describe_key(db, e->key, e->v.ptr);
        }
        dict_iter_end(&it);
    }
    qsort(lines, n, sizeof(*lines), cmp_str);
    bstr all = bstr_empty(0);
    for (size_t i = 0; i < n; i++) {
        all = bstr_catf(all, "%s\n", lines[i]);
        bstr_free(lines[i]);
    }
    free(lines);
    char *out = malloc(bstr_len(all) + 1);
    memcpy(out, all, bstr_len(all) + 1);
    bstr_free(all);
    *count = n;
    return out;
}

/* Fail naming the first line that differs (the whole texts are large). */
static void assert_same(const char *before, const char *after, int round,
                        const char *how)
{
    const char *b = before, *a = after;
    int line = 1;

    while (*b && *b == *a) {
        if (*b == '\n')
            line++;
        b++;
        a++;
    }
    if (*b == '\0' && *a == '\0')
        return;
    const char *bl = before, *al = after;
    for (const char *p = before; p < b; p++)
        if (*p == '\n')
            bl = p + 1;
    for (const char *p = after; p < a; p++)
        if (*p == '\n')
            al = p + 1;
    cr_assert_fail("%s, round %d, seed %llu: line %d differs:\n"
                   "before: %.300s\nafter:  %.300s",
                   how, round, (unsigned long long)seed, line, bl, al);
}

/* ---- the round trip ------------------------------------------------------ */

static void write_manifest(const char *text)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/appendonly.aof.manifest", aofdir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    cr_assert_eq(fputs(text, f) >= 0, 1);
    cr_assert_eq(fclose(f), 0);
}

/* Write the keyspace as base seq, forget it, load it back, compare. */
static void round_trip(int round, int rdb)
{
    char name[64], path[PATH_MAX], manifest[128];
    size_t before_n, after_n;

    char *before = describe_all(&before_n);
    snprintf(name, sizeof(name), "appendonly.aof.%d.base.%s", round + 1,
             rdb ? "rdb" : "aof");
    snprintf(path, sizeof(path), "%s/%s", aofdir, name);
    cr_assert_eq(aof_write_base(path, rdb), 0, "aof_write_base failed");
    snprintf(name, sizeof(name), "temp-rewriteaof-%d.aof", (int)getpid());
    cr_assert_neq(access(name, F_OK), 0, "%s left behind", name);
    snprintf(manifest, sizeof(manifest),
             "file appendonly.aof.%d.base.%s seq %d type b\n", round + 1,
             rdb ? "rdb" : "aof", round + 1);
    write_manifest(manifest);

    db_flush(-1);
    struct aof_manifest m;
    aof_manifest_init(&m);
    enum aof_load_result rc = aof_load(&m);
    aof_manifest_free(&m);
    cr_assert(rc == AOF_LOAD_OK || (rc == AOF_LOAD_EMPTY && before_n == 0),
              "aof_load returned %d (round %d, seed %llu)", rc, round,
              (unsigned long long)seed);

    char *after = describe_all(&after_n);
    assert_same(before, after, round, rdb ? "rdb base" : "command base");
    cr_assert_eq(after_n, before_n);
    free(before);
    free(after);
}

Test(aof_roundtrip, random_datasets_round_trip_through_a_command_base)
{
    for (int round = 0; round < ROUNDS; round++) {
        db_flush(-1);
        random_dataset(round == 0 ? 0 : 30 * round);
        round_trip(round, 0);
    }
}

Test(aof_roundtrip, random_datasets_round_trip_through_an_rdb_base)
{
    for (int round = 0; round < ROUNDS; round++) {
        db_flush(-1);
        random_dataset(round == 0 ? 0 : 30 * round);
        round_trip(round, 1);
    }
}

/* The commands themselves, as aof_write_keyspace() writes them into any
 * descriptor, replayed as an incr file. */
Test(aof_roundtrip, the_keyspace_as_commands_replays_as_an_incr_file)
{
    char path[PATH_MAX], err[RDB_ERR_LEN] = "";
    size_t before_n, after_n;

    random_dataset(120);
    char *before = describe_all(&before_n);
    snprintf(path, sizeof(path), "%s/appendonly.aof.1.incr.aof", aofdir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    cr_assert_eq(aof_write_keyspace(fileno(f), err), 0, "%s", err);
    cr_assert_eq(fclose(f), 0);
    write_manifest("file appendonly.aof.1.incr.aof seq 1 type i\n");

    db_flush(-1);
    struct aof_manifest m;
    aof_manifest_init(&m);
    cr_assert_eq(aof_load(&m), AOF_LOAD_OK, "seed %llu",
                 (unsigned long long)seed);
    aof_manifest_free(&m);
    char *after = describe_all(&after_n);
    assert_same(before, after, 0, "incr file");
    cr_assert_eq(after_n, before_n);
    free(before);
    free(after);
}
