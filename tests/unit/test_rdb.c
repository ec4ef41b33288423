/* test_rdb.c -- the RDB codec: round trips, corrupt input, Redis interop.
 *
 * A dataset is described as text (per key: database, name, type,
 * encoding, TTL and contents, pairs of a hashtable-encoded hash sorted;
 * the lines sorted), so "the same keyspace" is a string comparison.
 * Round trips save random datasets of every type, size and encoding
 * through a temporary file, empty the keyspace, load the file and compare
 * descriptions.  Every truncation of a small dump must fail to load,
 * without crashing.  Dumps written in the layouts Redis used before 7.0
 * (plain lists, ziplists, zipmaps) are built by hand here.  Interop runs
 * the real redis-check-rdb and redis-server 7.0.15 on our dumps, and loads
 * the dumps redis-server writes (skipped when they are not installed). */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "redis_cli.h"

#include "../../broker/bstr.h"
#include "../../broker/db.h"
#include "../../broker/hashobj.h"
#include "../../broker/obj.h"
#include "../../broker/qlist.h"
#include "../../broker/rdb.h"
#include "../../broker/server.h"
#include "../../broker/util.h"

#define DATABASES 16

static char tmpdir[64];
static char dump_path[128];

static void setup(void)
{
    server.databases = DATABASES;
    server.hash_max_listpack_entries = 512;
    server.hash_max_listpack_value = 64;
    server.list_max_listpack_size = -2;
    db_init_all(DATABASES);
    rdb_set_compression(1);
    strcpy(tmpdir, "/tmp/test-rdb.XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(dump_path, sizeof(dump_path), "%s/dump.rdb", tmpdir);
}

static void teardown(void)
{
    char cmd[128];
    db_free_all();
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(rdb, .init = setup, .fini = teardown);

/* ---- describing the keyspace --------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bstr describe_list(bstr s, struct obj *o)
{
    struct qlist_iter it;
    struct qlist_entry e;
    qlist_iter_init(&it, o->v.data, 0, QLIST_TAIL);
    while (qlist_iter_next(&it, &e)) {
        s = bstr_cat(s, " ", 1);
        s = bstr_cat_repr(s, e.ptr, e.len);
    }
    return s;
}

static bstr describe_hash(bstr s, struct obj *o)
{
    size_t n = hashobj_len(o), i = 0;
    bstr *pairs = calloc(n ? n : 1, sizeof(*pairs));
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
    if (o->encoding != OBJ_ENC_LISTPACK)
        qsort(pairs, n, sizeof(*pairs), cmp_str);
    for (i = 0; i < n; i++) {
        s = bstr_catf(s, " %s", pairs[i]);
        bstr_free(pairs[i]);
    }
    free(pairs);
    return s;
}

static bstr describe_key(struct db *db, bstr key, struct obj *o)
{
    bstr s = bstr_catf(bstr_empty(0), "%d ", db->id);
    s = bstr_cat_repr(s, key, bstr_len(key));
    s = bstr_catf(s, " %s %s ttl=%lld", obj_type_name(o), obj_encoding_name(o),
                  db_get_expire(db, key, bstr_len(key)));
    if (o->type == OBJ_LIST)
        return describe_list(s, o);
    if (o->type == OBJ_HASH)
        return describe_hash(s, o);
    char buf[24];
    size_t len;
    const char *p = obj_str(o, buf, &len);
    s = bstr_cat(s, " ", 1);
    return bstr_cat_repr(s, p, len);
}

/* The whole keyspace as sorted lines; the caller frees it. */
static char *describe_all(void)
{
    size_t n = 0, cap = 16;
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
    char *out = strdup(all);
    bstr_free(all);
    return out;
}

/* ---- building datasets --------------------------------------------------- */

static unsigned rnd(unsigned n)
{
    return (unsigned)(util_random_u64() % n);
}

/* An element of a random kind (buf has room for max + 64 bytes; the
 * fixed ones may pass max): integers at every encoding's edges,
 * integer look-alikes that are not canonical, short and long text,
 * compressible runs, binary bytes. */
static size_t random_elem(char *buf, size_t max)
{
    static const char *fixed[] = {
        "0",
        "-1",
        "127",
        "128",
        "-128",
        "-129",
        "4095",
        "-4096",
        "32767",
        "-32768",
        "32768",
        "8388607",
        "-8388608",
        "2147483647",
        "-2147483648",
        "2147483648",
        "9223372036854775807",
        "-9223372036854775808",
        "007",
        "-0",
        "+1",
        " 1",
        "1 ",
        "",
    };
    size_t nfixed = sizeof(fixed) / sizeof(fixed[0]), n;
    switch (rnd(6)) {
    case 0:
        strcpy(buf, fixed[rnd((unsigned)nfixed)]);
        return strlen(buf);
    case 1:
        return (size_t)snprintf(buf, max, "%lld",
                                (long long)util_random_u64() >> rnd(63));
    case 2: /* compressible */
        n = max > 21 ? 21 + rnd((unsigned)(max - 21)) : max;
        for (size_t i = 0; i < n; i++)
            buf[i] = "abcab"[i % 5 + (rnd(50) == 0)];
        return n;
    case 3: /* binary, incompressible */
        n = rnd((unsigned)max);
        util_random_bytes(buf, n);
        return n;
    default:
        n = 1 + rnd(30);
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)('a' + rnd(26));
        return n;
    }
}

static void add_key(struct db *db, const char *name, struct obj *o,
                    long long ttl_ms)
{
    db_add(db, name, strlen(name), o);
    if (ttl_ms > 0)
        db_set_expire(db, name, strlen(name), util_mstime() + ttl_ms);
}

static struct obj *random_list(size_t n, size_t max_elem)
{
    struct obj *o = obj_list_create();
    char *buf = malloc(max_elem + 64);
    for (size_t i = 0; i < n; i++) {
        size_t len = random_elem(buf, max_elem);
        qlist_push(o->v.data, QLIST_TAIL, buf, len);
    }
    free(buf);
    return o;
}

static struct obj *random_hash(size_t n, size_t max_elem)
{
    struct obj *o = hashobj_create();
    char *f = malloc(max_elem + 64), *v = malloc(max_elem + 64);
    for (size_t i = 0; i < n; i++) {
        size_t flen = random_elem(f, max_elem);
        flen += (size_t)sprintf(f + flen, "#%zu", i); /* distinct */
        size_t vlen = random_elem(v, max_elem);
        hashobj_set(o, f, flen, v, vlen);
    }
    free(f);
    free(v);
    return o;
}

/* Strings, lists and hashes of every size class, some with TTLs, spread
 * over a few databases. */
static void random_dataset(int scale)
{
    char name[64], buf[4096];
    for (int i = 0; i < 40 * scale; i++) {
        struct db *db = db_get(rnd(4) == 0 ? (int)rnd(DATABASES) : 0);
        long long ttl = rnd(3) == 0 ? 1000000 + rnd(1000000) : 0;
        snprintf(name, sizeof(name), "k%d:%u", i, rnd(1000));
        if (i % 10 == 3)
            snprintf(name, sizeof(name), "%d", i * 1000); /* int-like key */
        struct obj *o;
        switch (rnd(5)) {
        case 0:
        case 1: {
            size_t n = random_elem(buf, rnd(2) ? 64 : sizeof(buf));
            o = obj_string(buf, n);
            break;
        }
        case 2:
            o = random_list(1 + rnd(rnd(4) == 0 ? 5000 : 20), 40 + rnd(300));
            break;
        case 3:
            o = random_hash(1 + rnd(40), 40);
            break;
        default:
            o = random_hash(1 + rnd(rnd(3) == 0 ? 1500 : 100), 100);
            break;
        }
        add_key(db, name, o, ttl);
    }
}

/* ---- saving and loading -------------------------------------------------- */

static void save_to(const char *path)
{
    char err[RDB_ERR_LEN] = "";
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert(fd >= 0);
    cr_assert_eq(rdb_save_to_fd(fd, err), 0, "save: %s", err);
    close(fd);
}

static void load_ok(const char *path)
{
    char err[RDB_ERR_LEN] = "";
    cr_assert_eq(rdb_load_file(path, err), 0, "load %s: %s", path, err);
}

/* Save, empty the keyspace, load, and expect the same description. */
static void assert_round_trip(void)
{
    char *before = describe_all();
    save_to(dump_path);
    db_flush(-1);
    load_ok(dump_path);
    char *after = describe_all();
    cr_assert_str_eq(after, before);
    free(before);
    free(after);
}

Test(rdb, empty_keyspace_round_trips)
{
    assert_round_trip();
    cr_assert_eq(db_size(db_get(0)), 0);
}

Test(rdb, random_datasets_round_trip_with_compression)
{
    for (int round = 0; round < 6; round++) {
        db_flush(-1);
        random_dataset(1 + round);
        assert_round_trip();
    }
}

/* The RESIZEDB counts size the tables before the keys arrive, as Redis
 * does, so a load never rehashes (each rehash step would also make every
 * insert search two tables). */
Test(rdb, loading_sizes_the_tables_from_the_announced_counts)
{
    char name[32];

    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof(name), "k%d", i);
        add_key(db_get(3), name, obj_string(name, strlen(name)),
                i % 2 ? 100000 : -1);
    }
    save_to(dump_path);
    db_flush(-1);
    dict_maybe_shrink(db_get(3)->keys);
    load_ok(dump_path);
    const struct dict *keys = db_get(3)->keys, *exp = db_get(3)->expires;
    cr_assert_eq(dict_size(keys), 5000);
    cr_assert_eq(keys->rehash_idx, -1, "the load rehashed the keys");
    cr_assert_eq(exp->rehash_idx, -1, "the load rehashed the TTLs");
    cr_assert_geq(keys->t[0].size, 5000);
    cr_assert_geq(exp->t[0].size, 2500);
}

Test(rdb, random_datasets_round_trip_without_compression)
{
    rdb_set_compression(0);
    for (int round = 0; round < 3; round++) {
        db_flush(-1);
        random_dataset(2);
        assert_round_trip();
    }
}

Test(rdb, every_string_encoding_round_trips)
{
    static const char *values[] = {
        "0",
        "-128",
        "127",
        "-32768",
        "32767",
        "-2147483648",
        "2147483647",
        "2147483648",
        "-9223372036854775808",
        "007",
        "1.5",
        "",
        "short text",
        "compress me compress me compress me compress me",
    };
    char big[100000];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)('a' + (i / 7) % 26);
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        char name[16];
        snprintf(name, sizeof(name), "s%zu", i);
        add_key(db_get(0), name, obj_string(values[i], strlen(values[i])), 0);
    }
    add_key(db_get(0), "big", obj_string(big, sizeof(big)), 5000);
    assert_round_trip();
}

Test(rdb, lists_across_node_sizes_round_trip)
{
    static const size_t sizes[] = {1, 2, 100, 1000, 20000};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        char name[16];
        snprintf(name, sizeof(name), "l%zu", sizes[i]);
        add_key(db_get(1), name, random_list(sizes[i], 60), 0);
    }
    struct obj *huge = obj_list_create();
    char elem[20000];
    memset(elem, 'z', sizeof(elem));
    qlist_push(huge->v.data, QLIST_TAIL, "a", 1);
    qlist_push(huge->v.data, QLIST_TAIL, elem, sizeof(elem));
    qlist_push(huge->v.data, QLIST_TAIL, "b", 1);
    add_key(db_get(1), "huge-elements", huge, 0);
    assert_round_trip();
}

Test(rdb, small_and_large_hashes_keep_their_encoding)
{
    add_key(db_get(2), "small", random_hash(10, 20), 0);
    add_key(db_get(2), "many", random_hash(600, 20), 0);
    struct obj *wide = hashobj_create();
    char v[65];
    memset(v, 'v', sizeof(v));
    hashobj_set(wide, "f", 1, v, sizeof(v));
    add_key(db_get(2), "wide", wide, 0);
    cr_assert_eq(
        ((struct obj *)dict_find(db_get(2)->keys, "many", 4)->v.ptr)->encoding,
        OBJ_ENC_HT);
    assert_round_trip();
    struct obj *small = dict_find(db_get(2)->keys, "small", 5)->v.ptr;
    cr_assert_eq(small->encoding, OBJ_ENC_LISTPACK);
}

Test(rdb, expired_keys_are_not_loaded)
{
    add_key(db_get(0), "live", obj_string("1", 1), 100000);
    add_key(db_get(0), "dead", obj_string("1", 1), 0);
    db_set_expire(db_get(0), "dead", 4, util_mstime() - 1000);
    save_to(dump_path);
    db_flush(-1);
    load_ok(dump_path);
    cr_assert_eq(db_size(db_get(0)), 1);
    cr_assert_not_null(dict_find(db_get(0)->keys, "live", 4));
}

Test(rdb, loading_an_existing_key_is_an_error)
{
    char err[RDB_ERR_LEN];
    add_key(db_get(0), "k", obj_string("v", 1), 0);
    save_to(dump_path);
    cr_assert_eq(rdb_load_file(dump_path, err), -1);
    cr_assert(strstr(err, "Duplicate key") != NULL, "%s", err);
}

/* ---- corrupt input ------------------------------------------------------- */

static size_t read_file(const char *path, char **out)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    *out = malloc((size_t)n + 1);
    cr_assert_eq(fread(*out, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return (size_t)n;
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(p, 1, n, f), n);
    fclose(f);
}

static void small_dataset(void)
{
    char long_text[200];
    memset(long_text, 'q', sizeof(long_text));
    add_key(db_get(0), "int", obj_string("12345", 5), 100000);
    add_key(db_get(0), "lzf", obj_string(long_text, sizeof(long_text)), 0);
    add_key(db_get(0), "list", random_list(30, 20), 0);
    add_key(db_get(5), "hash", random_hash(5, 10), 0);
    /* A hashtable-encoded hash without a large file. */
    server.hash_max_listpack_entries = 4;
    add_key(db_get(5), "bighash", random_hash(6, 5), 0);
    server.hash_max_listpack_entries = 512;
}

Test(rdb, every_truncation_is_an_error)
{
    char *data, err[RDB_ERR_LEN], *trunc_path = dump_path;
    small_dataset();
    save_to(dump_path);
    size_t n = read_file(dump_path, &data);
    for (size_t len = 0; len < n; len++) {
        write_file(trunc_path, data, len);
        db_flush(-1);
        cr_assert_eq(rdb_load_file(trunc_path, err), -1,
                     "truncated at %zu of %zu loaded", len, n);
        cr_assert_neq(err[0], '\0');
    }
    free(data);
}

Test(rdb, a_flipped_byte_never_crashes_and_a_payload_flip_fails)
{
    char *data, err[RDB_ERR_LEN];
    small_dataset();
    save_to(dump_path);
    size_t n = read_file(dump_path, &data);
    for (size_t at = 9; at < n; at++) {
        data[at] ^= 0x5a;
        write_file(dump_path, data, n);
        db_flush(-1);
        int rc = rdb_load_file(dump_path, err);
        /* A flip in the data breaks the checksum, one in the checksum
         * makes it mismatch: either way the load must fail. */
        cr_assert_eq(rc, -1, "flip at %zu of %zu loaded", at, n);
        data[at] ^= 0x5a;
    }
    free(data);
}

Test(rdb, a_missing_file_is_an_error)
{
    char err[RDB_ERR_LEN];
    cr_assert_eq(rdb_load_file("/nonexistent/dump.rdb", err), -1);
    cr_assert(strstr(err, "/nonexistent/dump.rdb") != NULL, "%s", err);
}

/* ---- hand-built files in older layouts ------------------------------------
 */

struct file_buf {
    unsigned char p[4096];
    size_t n;
};

static void fb_put(struct file_buf *b, const void *p, size_t n)
{
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void fb_byte(struct file_buf *b, unsigned c)
{
    b->p[b->n++] = (unsigned char)c;
}

/* A length-prefixed string (short: one length byte). */
static void fb_str(struct file_buf *b, const void *p, size_t n)
{
    cr_assert(n < 64);
    fb_byte(b, (unsigned)n);
    fb_put(b, p, n);
}

/* A ziplist of short strings and small integers ("#n" is the integer n,
 * in its int16 encoding, or 4-bit immediate when 0..12). */
static size_t ziplist(unsigned char *out, const char **items, size_t count)
{
    size_t n = 10, prev = 0;
    for (size_t i = 0; i < count; i++) {
        size_t start = n;
        out[n++] = (unsigned char)prev;
        if (items[i][0] == '#') {
            int v = atoi(items[i] + 1);
            if (v >= 0 && v <= 12) {
                out[n++] = (unsigned char)(0xF1 + v);
            } else {
                out[n++] = 0xC0;
                out[n++] = (unsigned char)(v & 0xff);
                out[n++] = (unsigned char)((v >> 8) & 0xff);
            }
        } else {
            size_t len = strlen(items[i]);
            out[n++] = (unsigned char)len;
            memcpy(out + n, items[i], len);
            n += len;
        }
        prev = n - start;
    }
    out[n++] = 0xFF;
    for (int i = 0; i < 4; i++)
        out[i] = (unsigned char)(n >> (8 * i));
    memset(out + 4, 0, 4); /* the tail offset is not needed to read */
    out[8] = (unsigned char)count;
    out[9] = 0;
    return n;
}

static void fb_header(struct file_buf *b)
{
    b->n = 0;
    fb_put(b, "REDIS0006", 9);
    fb_byte(b, 0xFE);
    fb_byte(b, 0);
}

/* End marker and a zero checksum ("not computed"). */
static void fb_finish(struct file_buf *b)
{
    fb_byte(b, 0xFF);
    for (int i = 0; i < 8; i++)
        fb_byte(b, 0);
    write_file(dump_path, b->p, b->n);
}

static void fb_ziplist_value(struct file_buf *b, const char **items,
                             size_t count)
{
    unsigned char zl[512];
    size_t n = ziplist(zl, items, count);
    fb_str(b, zl, n);
}

static const char *old_items[] = {"a", "#7", "bcd", "#-300", "#1000", "e"};
#define OLD_COUNT 6

static void assert_key(const char *key, const char *expected)
{
    struct dict_entry *e = dict_find(db_get(0)->keys, key, strlen(key));
    cr_assert_not_null(e, "%s missing", key);
    bstr d = describe_key(db_get(0), e->key, e->v.ptr);
    cr_assert_str_eq(d, expected);
    bstr_free(d);
}

Test(rdb, old_list_layouts_load)
{
    struct file_buf b;
    fb_header(&b);
    fb_byte(&b, 1); /* RDB_TYPE_LIST */
    fb_str(&b, "plain", 5);
    fb_byte(&b, 2);
    fb_str(&b, "x", 1);
    fb_byte(&b, 0xC0); /* int8 encoded -5 */
    fb_byte(&b, 0xFB);
    fb_byte(&b, 10); /* RDB_TYPE_LIST_ZIPLIST */
    fb_str(&b, "zl", 2);
    fb_ziplist_value(&b, old_items, OLD_COUNT);
    fb_byte(&b, 14); /* RDB_TYPE_LIST_QUICKLIST */
    fb_str(&b, "ql", 2);
    fb_byte(&b, 2);
    fb_ziplist_value(&b, old_items, 2);
    fb_ziplist_value(&b, old_items + 2, 4);
    fb_finish(&b);

    load_ok(dump_path);
    assert_key("plain", "0 \"plain\" list quicklist ttl=-1 \"x\" \"-5\"");
    const char *six = " \"a\" \"7\" \"bcd\" \"-300\" \"1000\" \"e\"";
    char want[128];
    snprintf(want, sizeof(want), "0 \"zl\" list quicklist ttl=-1%s", six);
    assert_key("zl", want);
    snprintf(want, sizeof(want), "0 \"ql\" list quicklist ttl=-1%s", six);
    assert_key("ql", want);
}

Test(rdb, old_hash_layouts_load)
{
    static const unsigned char zipmap[] = {2,   1, 'f', 2,   1, 'v', 'w',
                                           '!', 2, 'g', 'g', 0, 0,   0xFF};
    struct file_buf b;
    fb_header(&b);
    fb_byte(&b, 13); /* RDB_TYPE_HASH_ZIPLIST */
    fb_str(&b, "hz", 2);
    fb_ziplist_value(&b, old_items, OLD_COUNT);
    fb_byte(&b, 9); /* RDB_TYPE_HASH_ZIPMAP */
    fb_str(&b, "zm", 2);
    fb_str(&b, zipmap, sizeof(zipmap));
    fb_finish(&b);

    load_ok(dump_path);
    assert_key("hz", "0 \"hz\" hash listpack ttl=-1 \"a\"=\"7\" "
                     "\"bcd\"=\"-300\" \"1000\"=\"e\"");
    assert_key("zm", "0 \"zm\" hash listpack ttl=-1 \"f\"=\"vw\" \"gg\"=\"\"");
}

Test(rdb, a_ziplist_hash_with_a_duplicate_field_is_rejected)
{
    static const char *dup[] = {"f", "1", "f", "2"};
    char err[RDB_ERR_LEN];
    struct file_buf b;
    fb_header(&b);
    fb_byte(&b, 13);
    fb_str(&b, "h", 1);
    fb_ziplist_value(&b, dup, 4);
    fb_finish(&b);
    cr_assert_eq(rdb_load_file(dump_path, err), -1);
    cr_assert(strstr(err, "Duplicate") != NULL, "%s", err);
}

Test(rdb, unsupported_types_are_named)
{
    static const struct {
        int type;
        const char *name;
    } cases[] = {{2, "set"}, {3, "sorted set"}, {15, "stream"}, {7, "module"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[RDB_ERR_LEN];
        struct file_buf b;
        fb_header(&b);
        fb_byte(&b, (unsigned)cases[i].type);
        fb_str(&b, "k", 1);
        fb_byte(&b, 0);
        fb_finish(&b);
        cr_assert_eq(rdb_load_file(dump_path, err), -1);
        cr_assert(strstr(err, cases[i].name) != NULL, "%s", err);
    }
}

Test(rdb, a_newer_rdb_version_is_refused)
{
    char err[RDB_ERR_LEN];
    write_file(dump_path, "REDIS0011\xff", 10);
    cr_assert_eq(rdb_load_file(dump_path, err), -1);
    cr_assert(strstr(err, "version 11") != NULL, "%s", err);
}

/* ---- interop with the real Redis 7.0 ------------------------------------- */

static void cli_expect(int port, const char *args, const char *expected)
{
    char *out = unit_cli(port, args);
    cr_assert_str_eq(out, expected, "redis-cli %s", args);
    free(out);
}

/* Start redis-server on tmpdir/dump.rdb (loading it if present); fails
 * the test, with the server's log, when it does not come up. */
static int start_redis(void)
{
    char cmd[512];
    int port = unit_free_port();
    snprintf(cmd, sizeof(cmd),
             "redis-server --port %d --bind 127.0.0.1 --dir %s --dbfilename "
             "dump.rdb --save '' --appendonly no --daemonize yes "
             "--logfile %s/redis.log",
             port, tmpdir, tmpdir);
    cr_assert_eq(system(cmd), 0);
    for (int i = 0; i < 100; i++) {
        char *out = unit_cli(port, "ping");
        int up = strcmp(out, "PONG") == 0;
        free(out);
        if (up)
            return port;
        usleep(50000);
    }
    snprintf(cmd, sizeof(cmd), "cat %s/redis.log", tmpdir);
    cr_assert_eq(system(cmd), 0);
    cr_assert_fail("redis-server did not start");
    return -1;
}

static void stop_redis(int port)
{
    char *out = unit_cli(port, "shutdown nosave");
    free(out);
}

/* RESP for one command of argc arguments. */
static void resp_cmd(FILE *f, int argc, const char **argv, const size_t *lens)
{
    fprintf(f, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        fprintf(f, "$%zu\r\n", lens[i]);
        fwrite(argv[i], 1, lens[i], f);
        fputs("\r\n", f);
    }
}

static void resp_kv(FILE *f, const char *cmd, bstr key, const char *a,
                    size_t alen, const char *b, size_t blen)
{
    const char *argv[] = {cmd, key, a, b};
    size_t lens[] = {strlen(cmd), bstr_len(key), alen, blen};
    resp_cmd(f, b != NULL ? 4 : 3, argv, lens);
}

/* The commands that rebuild one key in redis-server. */
static void resp_key(FILE *f, struct db *db, bstr key, struct obj *o)
{
    if (o->type == OBJ_LIST) {
        struct qlist_iter it;
        struct qlist_entry e;
        qlist_iter_init(&it, o->v.data, 0, QLIST_TAIL);
        while (qlist_iter_next(&it, &e))
            resp_kv(f, "RPUSH", key, e.ptr, e.len, NULL, 0);
    } else if (o->type == OBJ_HASH) {
        struct hashobj_iter it;
        struct hashobj_entry e;
        hashobj_iter_init(&it, o);
        while (hashobj_iter_next(&it, &e))
            resp_kv(f, "HSET", key, e.field, e.field_len, e.value, e.value_len);
        hashobj_iter_end(&it);
    } else {
        char buf[24];
        size_t len;
        const char *p = obj_str(o, buf, &len);
        resp_kv(f, "SET", key, p, len, NULL, 0);
    }
    long long when = db_get_expire(db, key, bstr_len(key));
    if (when != -1) {
        char t[24];
        int n = snprintf(t, sizeof(t), "%lld", when);
        resp_kv(f, "PEXPIREAT", key, t, (size_t)n, NULL, 0);
    }
}

/* Write the keyspace as RESP commands to path. */
static void keyspace_to_resp(const char *path)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    for (int i = 0; i < DATABASES; i++) {
        struct db *db = db_get(i);
        struct dict_iter it;
        struct dict_entry *e;
        char id[8];
        int n = snprintf(id, sizeof(id), "%d", i);
        const char *argv[] = {"SELECT", id};
        size_t lens[] = {6, (size_t)n};
        resp_cmd(f, 2, argv, lens);
        dict_iter_start(&it, db->keys);
        while ((e = dict_iter_next(&it)) != NULL)
            resp_key(f, db, e->key, e->v.ptr);
        dict_iter_end(&it);
    }
    fclose(f);
}

static void known_keys(void)
{
    char big[3000];
    memset(big, 'x', sizeof(big));
    add_key(db_get(0), "int", obj_string("-12345", 6), 0);
    add_key(db_get(0), "big", obj_string(big, sizeof(big)), 100000);
    add_key(db_get(0), "list", random_list(3000, 50), 0);
    struct obj *h = hashobj_create();
    hashobj_set(h, "f", 1, "v", 1);
    add_key(db_get(0), "small-hash", h, 0);
    add_key(db_get(0), "big-hash", random_hash(700, 10), 0);
    add_key(db_get(9), "in-nine", obj_string("9", 1), 0);
}

Test(rdb, redis_check_rdb_accepts_our_dumps)
{
    if (!unit_have("redis-check-rdb"))
        cr_skip_test("redis-check-rdb is not installed");
    char cmd[256];
    known_keys();
    random_dataset(4);
    save_to(dump_path);
    snprintf(cmd, sizeof(cmd), "redis-check-rdb %s >%s/check.log 2>&1",
             dump_path, tmpdir);
    int rc = system(cmd);
    if (rc != 0) {
        snprintf(cmd, sizeof(cmd), "cat %s/check.log", tmpdir);
        cr_assert_eq(system(cmd), 0);
    }
    cr_assert_eq(rc, 0, "redis-check-rdb failed");
}

Test(rdb, redis_server_loads_our_dump_with_the_same_contents)
{
    if (!unit_have("redis-server") || !unit_have("redis-cli"))
        cr_skip_test("redis-server is not installed");
    known_keys();
    random_dataset(4);
    char *before = describe_all();
    char dbsize[32];
    snprintf(dbsize, sizeof(dbsize), "%zu", db_size(db_get(0)));
    save_to(dump_path);

    int port = start_redis();
    cli_expect(port, "dbsize", dbsize);
    cli_expect(port, "get int", "-12345");
    cli_expect(port, "strlen big", "3000");
    cli_expect(port, "llen list", "3000");
    cli_expect(port, "object encoding small-hash", "listpack");
    cli_expect(port, "object encoding big-hash", "hashtable");
    cli_expect(port, "hget small-hash f", "v");
    cli_expect(port, "-n 9 get in-nine", "9");
    char *ttl = unit_cli(port, "pttl big");
    cr_assert(atoi(ttl) > 99000, "ttl %s", ttl);
    free(ttl);
    cli_expect(port, "save", "OK");
    stop_redis(port);

    /* What redis-server wrote back must be what we started with. */
    db_flush(-1);
    load_ok(dump_path);
    char *after = describe_all();
    cr_assert_str_eq(after, before);
    free(before);
    free(after);
}

Test(rdb, we_load_what_redis_server_saves)
{
    if (!unit_have("redis-server") || !unit_have("redis-cli"))
        cr_skip_test("redis-server is not installed");
    char cmd[512], resp_path[128];
    known_keys();
    random_dataset(4);
    char *before = describe_all();
    snprintf(resp_path, sizeof(resp_path), "%s/commands.resp", tmpdir);
    keyspace_to_resp(resp_path);

    int port = start_redis();
    snprintf(cmd, sizeof(cmd), "redis-cli -p %d --pipe <%s >/dev/null", port,
             resp_path);
    cr_assert_eq(system(cmd), 0, "redis-cli --pipe failed");
    cli_expect(port, "save", "OK");
    stop_redis(port);

    db_flush(-1);
    load_ok(dump_path);
    char *after = describe_all();
    cr_assert_str_eq(after, before);
    free(before);
    free(after);
}

Test(rdb, a_set_in_a_redis_dump_stops_the_load_naming_the_type)
{
    if (!unit_have("redis-server") || !unit_have("redis-cli"))
        cr_skip_test("redis-server is not installed");
    char err[RDB_ERR_LEN];
    int port = start_redis();
    cli_expect(port, "sadd s a b", "2");
    cli_expect(port, "save", "OK");
    stop_redis(port);
    cr_assert_eq(rdb_load_file(dump_path, err), -1);
    cr_assert(strstr(err, "set") != NULL, "%s", err);
}
