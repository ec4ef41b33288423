/* test_hashobj.c -- the hash representation against a simple model.
 *
 * The model is an array of field/value pairs in insertion order, searched
 * linearly: obviously right, and it also gives the order Redis's listpack
 * keeps (new fields at the end, an updated field in its place).  Random
 * sequences of set, delete and get run on both, and after every step the
 * hash must hold exactly the model's pairs; while it is listpack encoded
 * its iteration order must be the model's order too.
 *
 * The encoding must switch exactly where Redis 7.0.15 switches it (checked
 * with OBJECT ENCODING on the real server): once the count goes past
 * hash-max-listpack-entries (default 512), or before a field or value
 * longer than hash-max-listpack-value (default 64) bytes is stored; never
 * back.  The thresholds are read at every write. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../broker/hashobj.h"
#include "../../broker/obj.h"
#include "../../broker/server.h"

#define DEFAULT_ENTRIES 512
#define DEFAULT_VALUE   64

struct model_pair {
    char *f, *v;
    size_t flen, vlen;
};

struct model {
    struct model_pair *pairs;
    size_t n, cap;
};

static void set_limits(long long entries, long long value)
{
    server.hash_max_listpack_entries = entries;
    server.hash_max_listpack_value = value;
}

static char *copy(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static long model_find(const struct model *m, const char *f, size_t flen)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->pairs[i].flen == flen && memcmp(m->pairs[i].f, f, flen) == 0)
            return (long)i;
    return -1;
}

static int model_set(struct model *m, const char *f, size_t flen, const char *v,
                     size_t vlen)
{
    long i = model_find(m, f, flen);

    if (i >= 0) {
        free(m->pairs[i].v);
        m->pairs[i].v = copy(v, vlen);
        m->pairs[i].vlen = vlen;
        return 0;
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->pairs = realloc(m->pairs, m->cap * sizeof(*m->pairs));
    }
    m->pairs[m->n++] =
        (struct model_pair){copy(f, flen), copy(v, vlen), flen, vlen};
    return 1;
}

static int model_delete(struct model *m, const char *f, size_t flen)
{
    long i = model_find(m, f, flen);

    if (i < 0)
        return 0;
    free(m->pairs[i].f);
    free(m->pairs[i].v);
    memmove(&m->pairs[i], &m->pairs[i + 1],
            (m->n - (size_t)i - 1) * sizeof(*m->pairs));
    m->n--;
    return 1;
}

static void model_free(struct model *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->pairs[i].f);
        free(m->pairs[i].v);
    }
    free(m->pairs);
}

/* Every model pair is found with its value, and iteration visits exactly
 * the model's pairs: in its order while packed, in any order (each once)
 * as a hashtable. */
static void check_same(struct obj *o, const struct model *m)
{
    struct hashobj_entry e;
    struct hashobj_iter it;
    char *seen = calloc(m->n + 1, 1);
    size_t visited = 0;

    cr_assert_eq(hashobj_len(o), m->n);
    for (size_t i = 0; i < m->n; i++) {
        const struct model_pair *p = &m->pairs[i];
        cr_assert_eq(hashobj_get(o, p->f, p->flen, &e), 0, "field %s", p->f);
        cr_assert_eq(e.value_len, p->vlen, "field %s", p->f);
        cr_assert(memcmp(e.value, p->v, p->vlen) == 0, "field %s", p->f);
    }
    hashobj_iter_init(&it, o);
    while (hashobj_iter_next(&it, &e)) {
        long i = model_find(m, e.field, e.field_len);
        cr_assert(i >= 0, "iteration gave an unknown field");
        cr_assert(!seen[i], "iteration gave a field twice");
        if (o->encoding == OBJ_ENC_LISTPACK)
            cr_assert_eq((size_t)i, visited, "packed order differs");
        seen[i] = 1;
        cr_assert_eq(e.value_len, m->pairs[i].vlen);
        cr_assert(memcmp(e.value, m->pairs[i].v, e.value_len) == 0);
        visited++;
    }
    hashobj_iter_end(&it);
    cr_assert_eq(visited, m->n);
    free(seen);
}

/* Fields and values that exercise every packed form: integers at each
 * width boundary, non-canonical integers (kept as text), empty and binary
 * strings. */
static const char *const special[] = {"0",
                                      "-1",
                                      "1",
                                      "127",
                                      "128",
                                      "-128",
                                      "-129",
                                      "32767",
                                      "32768",
                                      "-32768",
                                      "-32769",
                                      "2147483647",
                                      "2147483648",
                                      "-2147483649",
                                      "9223372036854775807",
                                      "-9223372036854775808",
                                      "9223372036854775808",
                                      "007",
                                      "-0",
                                      "+1",
                                      " 1",
                                      "1.5",
                                      "",
                                      "a",
                                      "field",
                                      "0x10",
                                      "1e3"};
#define NSPECIAL (sizeof(special) / sizeof(special[0]))

/* A random string into buf: a special one, a short name from a small pool
 * (so sets hit existing fields), or random bytes of up to maxlen. */
static size_t random_string(char *buf, size_t maxlen, unsigned pool)
{
    switch (rand() % 4) {
    case 0: {
        const char *s = special[rand() % NSPECIAL];
        memcpy(buf, s, strlen(s));
        return strlen(s);
    }
    case 1:
        return (size_t)snprintf(buf, 32, "f%u", (unsigned)rand() % pool);
    case 2:
        return (size_t)snprintf(buf, 32, "%d", rand() % (int)pool);
    default: {
        size_t n = (size_t)rand() % (maxlen + 1);
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)(rand() % 256);
        return n;
    }
    }
}

/* Run steps random operations, checking against the model after each.
 * Returns the encoding the hash ended in. */
static int random_run(unsigned seed, int steps, unsigned pool, size_t maxlen,
                      int delete_weight)
{
    struct obj *o = hashobj_create();
    struct model m = {0};
    char f[256], v[256];
    struct hashobj_entry e;

    srand(seed);
    for (int step = 0; step < steps; step++) {
        size_t flen = random_string(f, maxlen, pool);
        int op = rand() % 10;

        if (op < delete_weight) {
            cr_assert_eq(hashobj_delete(o, f, flen), model_delete(&m, f, flen));
        } else if (op == 9) {
            long i = model_find(&m, f, flen);
            cr_assert_eq(hashobj_get(o, f, flen, &e), i < 0 ? -1 : 0);
        } else {
            size_t vlen = random_string(v, maxlen, pool);
            cr_assert_eq(hashobj_set(o, f, flen, v, vlen),
                         model_set(&m, f, flen, v, vlen));
        }
        if (step % 16 == 0 || m.n < 40)
            check_same(o, &m);
    }
    check_same(o, &m);
    int encoding = o->encoding;
    obj_free(o);
    model_free(&m);
    return encoding;
}

Test(hashobj, random_small_hashes_stay_packed_and_match_the_model)
{
    set_limits(DEFAULT_ENTRIES, 250);
    for (unsigned seed = 1; seed <= 20; seed++)
        cr_assert_eq(random_run(seed, 400, 30, 60, 3), OBJ_ENC_LISTPACK);
}

Test(hashobj, random_growth_across_the_entries_threshold)
{
    set_limits(DEFAULT_ENTRIES, DEFAULT_VALUE);
    for (unsigned seed = 100; seed <= 103; seed++)
        cr_assert_eq(random_run(seed, 3000, 2000, 40, 1), OBJ_ENC_HT);
}

Test(hashobj, random_values_across_the_length_threshold)
{
    int converted = 0;

    set_limits(DEFAULT_ENTRIES, DEFAULT_VALUE);
    for (unsigned seed = 200; seed <= 210; seed++)
        converted += random_run(seed, 300, 40, 100, 3) == OBJ_ENC_HT;
    cr_assert_gt(converted, 5);
}

Test(hashobj, random_with_a_tiny_entries_limit)
{
    set_limits(4, DEFAULT_VALUE);
    for (unsigned seed = 300; seed <= 320; seed++)
        cr_assert_eq(random_run(seed, 200, 10, 20, 4), OBJ_ENC_HT);
}

/* Add the new pairs f<from>..f<to - 1> with integer values. */
static void fill_range(struct obj *o, int from, int to)
{
    char f[32], v[32];

    for (int i = from; i < to; i++) {
        int flen = snprintf(f, sizeof(f), "f%d", i);
        int vlen = snprintf(v, sizeof(v), "%d", i);
        cr_assert_eq(hashobj_set(o, f, (size_t)flen, v, (size_t)vlen), 1);
    }
}

static void fill(struct obj *o, int n)
{
    fill_range(o, 0, n);
}

Test(hashobj, converts_after_the_513th_entry_at_the_default)
{
    struct obj *o = hashobj_create();

    set_limits(DEFAULT_ENTRIES, DEFAULT_VALUE);
    fill(o, 512);
    cr_assert_eq(o->encoding, OBJ_ENC_LISTPACK);
    cr_assert_str_eq(obj_encoding_name(o), "listpack");
    /* Updating at the limit does not convert. */
    hashobj_set(o, "f0", 2, "zero", 4);
    cr_assert_eq(o->encoding, OBJ_ENC_LISTPACK);
    hashobj_set(o, "f512", 4, "512", 3);
    cr_assert_eq(o->encoding, OBJ_ENC_HT);
    cr_assert_str_eq(obj_encoding_name(o), "hashtable");
    cr_assert_eq(hashobj_len(o), 513);
    obj_free(o);
}

Test(hashobj, converts_exactly_past_each_entries_limit)
{
    for (int limit = 0; limit <= 20; limit++) {
        struct obj *o = hashobj_create();

        set_limits(limit, DEFAULT_VALUE);
        fill(o, limit);
        cr_assert_eq(o->encoding, OBJ_ENC_LISTPACK, "limit %d", limit);
        fill_range(o, limit, limit + 1);
        cr_assert_eq(o->encoding, OBJ_ENC_HT, "limit %d", limit);
        obj_free(o);
    }
}

Test(hashobj, a_value_of_64_bytes_stays_packed_and_65_converts)
{
    char v[65];
    struct obj *o = hashobj_create();

    set_limits(DEFAULT_ENTRIES, DEFAULT_VALUE);
    memset(v, 'v', sizeof(v));
    hashobj_set(o, "a", 1, v, 64);
    hashobj_set(o, v, 64, "1", 1);
    cr_assert_eq(o->encoding, OBJ_ENC_LISTPACK);
    hashobj_set(o, "b", 1, v, 65);
    cr_assert_eq(o->encoding, OBJ_ENC_HT);
    obj_free(o);
}

Test(hashobj, a_field_of_65_bytes_converts)
{
    char f[65];
    struct obj *o = hashobj_create();

    set_limits(DEFAULT_ENTRIES, DEFAULT_VALUE);
    memset(f, 'f', sizeof(f));
    hashobj_set(o, f, 65, "", 0);
    cr_assert_eq(o->encoding, OBJ_ENC_HT);
    obj_free(o);
}

Test(hashobj, a_value_limit_of_zero_keeps_only_empty_strings_packed)
{
    struct obj *o = hashobj_create();

    set_limits(DEFAULT_ENTRIES, 0);
    hashobj_set(o, "", 0, "", 0);
    cr_assert_eq(o->encoding, OBJ_ENC_LISTPACK);
    hashobj_set(o, "a", 1, "", 0);
    cr_assert_eq(o->encoding, OBJ_ENC_HT);
    obj_free(o);
}

Test(hashobj, new_limits_apply_to_the_next_write_not_to_reads)
{
    struct hashobj_entry e;
    struct obj *o = hashobj_create();

    set_limits(DEFAULT_ENTRIES, DEFAULT_VALUE);
    fill(o, 10);
    set_limits(4, DEFAULT_VALUE);
    cr_assert_eq(hashobj_get(o, "f3", 2, &e), 0);
    cr_assert_eq(o->encoding, OBJ_ENC_LISTPACK);
    hashobj_delete(o, "f9", 2);
    cr_assert_eq(o->encoding, OBJ_ENC_LISTPACK);
    /* Even an update converts, as HSET of an existing field does. */
    hashobj_set(o, "f0", 2, "x", 1);
    cr_assert_eq(o->encoding, OBJ_ENC_HT);
    obj_free(o);
}

Test(hashobj, never_converts_back)
{
    struct obj *o = hashobj_create();
    char f[32];

    set_limits(8, DEFAULT_VALUE);
    fill(o, 9);
    cr_assert_eq(o->encoding, OBJ_ENC_HT);
    for (int i = 0; i < 8; i++) {
        int n = snprintf(f, sizeof(f), "f%d", i);
        cr_assert_eq(hashobj_delete(o, f, (size_t)n), 1);
    }
    cr_assert_eq(hashobj_len(o), 1);
    cr_assert_eq(o->encoding, OBJ_ENC_HT);
    obj_free(o);
}

Test(hashobj, conversion_keeps_every_pair)
{
    struct model m = {0};
    struct obj *o = hashobj_create();

    set_limits(DEFAULT_ENTRIES, DEFAULT_VALUE);
    for (size_t i = 0; i < NSPECIAL; i++) {
        const char *s = special[i];
        hashobj_set(o, s, strlen(s), special[NSPECIAL - 1 - i],
                    strlen(special[NSPECIAL - 1 - i]));
        model_set(&m, s, strlen(s), special[NSPECIAL - 1 - i],
                  strlen(special[NSPECIAL - 1 - i]));
    }
    check_same(o, &m);
    hashobj_convert(o);
    cr_assert_eq(o->encoding, OBJ_ENC_HT);
    check_same(o, &m);
    obj_free(o);
    model_free(&m);
}

Test(hashobj, integer_looking_strings_come_back_byte_for_byte)
{
    struct hashobj_entry e;
    struct obj *o = hashobj_create();

    set_limits(DEFAULT_ENTRIES, DEFAULT_VALUE);
    for (size_t i = 0; i < NSPECIAL; i++)
        hashobj_set(o, special[i], strlen(special[i]), special[i],
                    strlen(special[i]));
    cr_assert_eq(hashobj_len(o), NSPECIAL);
    for (size_t i = 0; i < NSPECIAL; i++) {
        cr_assert_eq(hashobj_get(o, special[i], strlen(special[i]), &e), 0);
        cr_assert_eq(e.field_len, strlen(special[i]));
        cr_assert(memcmp(e.field, special[i], e.field_len) == 0);
        cr_assert_eq(e.value_len, strlen(special[i]));
        cr_assert(memcmp(e.value, special[i], e.value_len) == 0);
    }
    /* "7" and "007" are different fields. */
    cr_assert_eq(hashobj_get(o, "7", 1, &e), -1);
    cr_assert_eq(hashobj_get(o, "+1", 2, &e), 0);
    cr_assert_eq(hashobj_delete(o, "1", 1), 1);
    cr_assert_eq(hashobj_get(o, "+1", 2, &e), 0);
    cr_assert_eq(hashobj_get(o, " 1", 2, &e), 0);
    obj_free(o);
}

Test(hashobj, long_strings_stay_packed_under_a_high_value_limit)
{
    static char big[70000];
    struct hashobj_entry e;
    struct obj *o = hashobj_create();

    set_limits(DEFAULT_ENTRIES, 100000);
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)('a' + i % 26);
    size_t lens[] = {238, 239, 240, 255, 256, 65535, 65536, 70000};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
        hashobj_set(o, big, lens[i], big + 1, lens[i] - 1);
    cr_assert_eq(o->encoding, OBJ_ENC_LISTPACK);
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        cr_assert_eq(hashobj_get(o, big, lens[i], &e), 0);
        cr_assert_eq(e.value_len, lens[i] - 1);
        cr_assert(memcmp(e.value, big + 1, e.value_len) == 0);
    }
    /* Shrinking a value in place keeps the pairs after it intact. */
    hashobj_set(o, big, 238, "x", 1);
    cr_assert_eq(hashobj_get(o, big, 70000, &e), 0);
    cr_assert_eq(e.value_len, 69999);
    obj_free(o);
}

Test(hashobj, random_entries_exist_and_cover_a_small_hash)
{
    const char *fields[] = {"a", "b", "c", "d"};
    int hits[4] = {0};
    struct hashobj_entry e;
    struct obj *o = hashobj_create();

    set_limits(DEFAULT_ENTRIES, DEFAULT_VALUE);
    cr_assert_eq(hashobj_random(o, &e), -1);
    for (int i = 0; i < 4; i++)
        hashobj_set(o, fields[i], 1, "v", 1);
    for (int round = 0; round < 2; round++) {
        memset(hits, 0, sizeof(hits));
        for (int i = 0; i < 400; i++) {
            cr_assert_eq(hashobj_random(o, &e), 0);
            cr_assert_eq(e.field_len, 1);
            hits[e.field[0] - 'a']++;
        }
        for (int i = 0; i < 4; i++)
            cr_assert_gt(hits[i], 0, "field %s never drawn", fields[i]);
        hashobj_convert(o);
    }
    obj_free(o);
}

struct unique_check {
    struct model *m;
    char *seen;
    size_t n;
};

static void unique_visit(void *data, const struct hashobj_entry *e)
{
    struct unique_check *u = data;
    long i = model_find(u->m, e->field, e->field_len);

    cr_assert(i >= 0);
    cr_assert(!u->seen[i], "a field was picked twice");
    cr_assert_eq(e->value_len, u->m->pairs[i].vlen);
    u->seen[i] = 1;
    u->n++;
}

/* Draw count distinct entries from a hash of size pairs in the given
 * encoding and check they are distinct members. */
static void check_unique(size_t size, size_t count, int table)
{
    struct model m = {0};
    struct obj *o = hashobj_create();
    char f[32];

    set_limits(DEFAULT_ENTRIES, DEFAULT_VALUE);
    for (size_t i = 0; i < size; i++) {
        int n = snprintf(f, sizeof(f), "field:%zu", i);
        hashobj_set(o, f, (size_t)n, f, (size_t)n);
        model_set(&m, f, (size_t)n, f, (size_t)n);
    }
    if (table)
        hashobj_convert(o);
    struct unique_check u = {&m, calloc(size, 1), 0};
    hashobj_random_unique(o, count, unique_visit, &u);
    cr_assert_eq(u.n, count, "size %zu count %zu", size, count);
    free(u.seen);
    obj_free(o);
    model_free(&m);
}

Test(hashobj, random_unique_gives_distinct_members)
{
    size_t cases[][2] = {{5, 1},      {5, 4},      {100, 10}, {100, 33},
                         {100, 34},   {100, 99},   {2000, 3}, {2000, 666},
                         {2000, 667}, {2000, 1999}};

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_unique(cases[i][0], cases[i][1], 0);
        check_unique(cases[i][0], cases[i][1], 1);
    }
}

static void scan_visit(void *data, const struct hashobj_entry *e)
{
    struct unique_check *u = data;
    long i = model_find(u->m, e->field, e->field_len);

    cr_assert(i >= 0);
    if (!u->seen[i])
        u->n++;
    u->seen[i] = 1;
}

Test(hashobj, a_full_scan_visits_every_entry)
{
    for (int table = 0; table <= 1; table++) {
        struct model m = {0};
        struct obj *o = hashobj_create();
        char f[32];

        set_limits(DEFAULT_ENTRIES, DEFAULT_VALUE);
        for (int i = 0; i < 300; i++) {
            int n = snprintf(f, sizeof(f), "k%d", i);
            hashobj_set(o, f, (size_t)n, "v", 1);
            model_set(&m, f, (size_t)n, "v", 1);
        }
        if (table)
            hashobj_convert(o);
        struct unique_check u = {&m, calloc(m.n, 1), 0};
        uint64_t cursor = 0;
        int calls = 0;
        do {
            cursor = hashobj_scan(o, cursor, scan_visit, &u);
            calls++;
        } while (cursor != 0);
        cr_assert_eq(u.n, m.n);
        if (!table)
            cr_assert_eq(calls, 1, "a packed hash is scanned whole");
        free(u.seen);
        obj_free(o);
        model_free(&m);
    }
}

Test(hashobj, alloc_size_grows_with_the_contents)
{
    struct obj *o = hashobj_create();
    size_t empty = hashobj_alloc_size(o);

    set_limits(DEFAULT_ENTRIES, DEFAULT_VALUE);
    fill(o, 100);
    size_t packed = hashobj_alloc_size(o);
    cr_assert_gt(packed, empty);
    hashobj_convert(o);
    cr_assert_gt(hashobj_alloc_size(o), packed);
    obj_free(o);
}
