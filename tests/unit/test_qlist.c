/* test_qlist.c -- the list representation against a plain array model.
 *
 * Random sequences of every operation (pushes and pops at both ends, index,
 * replace, delete_range, iteration in both directions with deletes and
 * inserts) run on a qlist and on an array of strings side by side; after
 * each step the whole list is compared, walked both ways.  They run at
 * sizes that cross node boundaries: a handful of elements, exactly one
 * node, many nodes, and elements bigger than a node, for byte-limited fills
 * (Redis's list-max-listpack-size -1..-5) and count-limited ones.  Elements
 * include integers at every encoding boundary and strings that look like
 * integers but are not canonical ("007", "-0", "+1"), which must come back
 * byte for byte. */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../broker/qlist.h"
#include "../../broker/util.h"

/* ---- the model ---------------------------------------------------------- */

struct elem {
    char *p;
    size_t n;
};

struct model {
    struct elem *v;
    size_t len, cap;
};

static void model_insert(struct model *m, size_t at, const char *p, size_t n)
{
    if (m->len == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->v = realloc(m->v, m->cap * sizeof(*m->v));
    }
    memmove(m->v + at + 1, m->v + at, (m->len - at) * sizeof(*m->v));
    m->v[at].p = malloc(n + 1);
    memcpy(m->v[at].p, p, n);
    m->v[at].n = n;
    m->len++;
}

static void model_delete(struct model *m, size_t at, size_t count)
{
    for (size_t i = at; i < at + count; i++)
        free(m->v[i].p);
    memmove(m->v + at, m->v + at + count,
            (m->len - at - count) * sizeof(*m->v));
    m->len -= count;
}

static void model_free(struct model *m)
{
    model_delete(m, 0, m->len);
    free(m->v);
}

/* ---- random elements ---------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static size_t rng_below(size_t n)
{
    return n == 0 ? 0 : (size_t)(rng() % n);
}

/* Integers around each boundary of the packed encodings. */
static const char int_edges[] =
    "0 1 127 128 -1 -4096 -4097 4095 4096 32767 32768 -32768 -32769 "
    "8388607 8388608 -8388608 -8388609 2147483647 2147483648 -2147483648 "
    "-2147483649 1000000007 -42 9223372036854775807 -9223372036854775808";

/* Copy the i-th of int_edges into buf.  Returns its length, 0 past the
 * last. */
static size_t int_edge(size_t i, char *buf)
{
    const char *p = int_edges;

    for (; i > 0 && *p != '\0'; i--) {
        p += strcspn(p, " ");
        if (*p == ' ')
            p++;
    }
    size_t n = strcspn(p, " ");
    memcpy(buf, p, n);
    return n;
}

/* Strings that must not be mistaken for integers; random_elem() adds a
 * NUL byte followed by "1". */
static const char *const not_ints[] = {
    "007",  "-0",  "+1", " 1", "1 ", "", "9223372036854775808",
    "0x10", "1e3", "-",  "--1"};
#define NNOT_INTS (sizeof(not_ints) / sizeof(*not_ints))

/* Fill buf with a random element: mostly small, sometimes a number, an
 * edge case, or a string of up to max_len bytes.  Returns its length. */
static size_t random_elem(char *buf, size_t max_len)
{
    size_t kind = rng_below(10);

    if (kind < 3)
        return (size_t)snprintf(buf, 32, "%lld",
                                (long long)(rng() % 20000) - 10000);
    if (kind == 3)
        return int_edge(rng_below(25), buf);
    if (kind == 4) {
        size_t i = rng_below(NNOT_INTS + 1);
        if (i == NNOT_INTS) {
            memcpy(buf, "\0001", 2);
            return 2;
        }
        memcpy(buf, not_ints[i], strlen(not_ints[i]));
        return strlen(not_ints[i]);
    }

    size_t n = kind < 8 ? rng_below(12) : rng_below(max_len + 1);
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)('a' + rng_below(26));
    /* The length boundaries of the string encodings. */
    if (kind == 9 && max_len >= 4097) {
        static const size_t lens[] = {63, 64, 4095, 4096, 4097};
        n = lens[rng_below(5)];
        memset(buf, 'L', n);
    }
    return n;
}

/* ---- checking ----------------------------------------------------------- */

static void expect_entry(const struct qlist_entry *e, const struct elem *x,
                         const char *what, size_t i)
{
    cr_assert_eq(e->len, x->n, "%s %zu: length %zu, expected %zu", what, i,
                 e->len, x->n);
    cr_assert(memcmp(e->ptr, x->p, x->n) == 0, "%s %zu: bytes differ", what, i);
}

/* The whole list, walked both ways, and its ends. */
static void check_all(struct qlist *ql, const struct model *m)
{
    struct qlist_iter it;
    struct qlist_entry e;
    size_t i = 0;

    cr_assert_eq(qlist_len(ql), m->len);
    qlist_iter_init(&it, ql, 0, QLIST_TAIL);
    while (qlist_iter_next(&it, &e)) {
        cr_assert_lt(i, m->len, "forward walk longer than the model");
        cr_assert_eq(it.index, (long long)i);
        expect_entry(&e, &m->v[i], "forward", i);
        i++;
    }
    cr_assert_eq(i, m->len, "forward walk gave %zu of %zu", i, m->len);

    qlist_iter_init(&it, ql, -1, QLIST_HEAD);
    while (qlist_iter_next(&it, &e)) {
        cr_assert_gt(i, 0, "backward walk longer than the model");
        i--;
        cr_assert_eq(it.index, (long long)i);
        expect_entry(&e, &m->v[i], "backward", i);
    }
    cr_assert_eq(i, 0);

    if (m->len == 0) {
        cr_assert_eq(qlist_peek(ql, QLIST_HEAD, &e), -1);
        cr_assert_eq(qlist_peek(ql, QLIST_TAIL, &e), -1);
        cr_assert_eq(qlist_node_count(ql), 0);
    }
}

/* ---- the random operations ---------------------------------------------- */

struct run {
    struct qlist *ql;
    struct model m;
    char *buf;
    size_t max_len;
};

static void op_push(struct run *r)
{
    size_t n = random_elem(r->buf, r->max_len);
    int where = rng_below(2) ? QLIST_HEAD : QLIST_TAIL;

    qlist_push(r->ql, where, r->buf, n);
    model_insert(&r->m, where == QLIST_HEAD ? 0 : r->m.len, r->buf, n);
}

static void op_pop(struct run *r)
{
    struct qlist_entry e;
    int where = rng_below(2) ? QLIST_HEAD : QLIST_TAIL;

    if (r->m.len == 0) {
        cr_assert_eq(qlist_pop(r->ql, where), -1);
        return;
    }
    size_t at = where == QLIST_HEAD ? 0 : r->m.len - 1;
    cr_assert_eq(qlist_peek(r->ql, where, &e), 0);
    expect_entry(&e, &r->m.v[at], "peek", at);
    cr_assert_eq(qlist_pop(r->ql, where), 0);
    model_delete(&r->m, at, 1);
}

/* A random index, negative half of the time, sometimes out of range. */
static long long random_index(size_t len, size_t *at, int *valid)
{
    long long span = (long long)len + 2;
    long long i = (long long)rng_below((size_t)span * 2) - span;
    long long norm = i < 0 ? i + (long long)len : i;

    *valid = norm >= 0 && norm < (long long)len;
    *at = *valid ? (size_t)norm : 0;
    return i;
}

static void op_index(struct run *r)
{
    struct qlist_entry e;
    size_t at;
    int valid;
    long long i = random_index(r->m.len, &at, &valid);

    cr_assert_eq(qlist_index(r->ql, i, &e), valid ? 0 : -1, "index %lld", i);
    if (valid)
        expect_entry(&e, &r->m.v[at], "index", at);
}

static void op_replace(struct run *r)
{
    size_t at;
    int valid;
    long long i = random_index(r->m.len, &at, &valid);
    size_t n = random_elem(r->buf, r->max_len);

    cr_assert_eq(qlist_replace(r->ql, i, r->buf, n), valid ? 0 : -1);
    if (valid) {
        model_delete(&r->m, at, 1);
        model_insert(&r->m, at, r->buf, n);
    }
}

static void op_delete_range(struct run *r)
{
    size_t start = rng_below(r->m.len + 2);
    size_t count = rng_below(r->m.len / 4 + 3);

    qlist_delete_range(r->ql, (long long)start, (long long)count);
    if (start < r->m.len) {
        if (count > r->m.len - start)
            count = r->m.len - start;
        model_delete(&r->m, start, count);
    }
}

/* Walk from a random index in a random direction, deleting or inserting
 * next to some entries, and check the entries the walk returns. */
static void op_iterate(struct run *r)
{
    struct qlist_iter it;
    struct qlist_entry e;
    int dir = rng_below(2) ? QLIST_HEAD : QLIST_TAIL;
    size_t at;
    int valid;
    long long start = random_index(r->m.len, &at, &valid);
    size_t steps = rng_below(r->m.len + 1);

    qlist_iter_init(&it, r->ql, start, dir);
    if (!valid) {
        cr_assert_eq(qlist_iter_next(&it, &e), 0);
        return;
    }
    for (size_t s = 0; s < steps && qlist_iter_next(&it, &e); s++) {
        cr_assert_eq(it.index, (long long)at);
        expect_entry(&e, &r->m.v[at], "iterate", at);

        size_t act = rng_below(8);
        if (act == 0) {
            qlist_iter_delete(&it);
            model_delete(&r->m, at, 1);
        } else if (act == 1) {
            int after = (int)rng_below(2);
            size_t n = random_elem(r->buf, r->max_len);
            qlist_iter_insert(&it, after, r->buf, n);
            model_insert(&r->m, after ? at + 1 : at, r->buf, n);
            /* The new element is skipped: it becomes the current entry
             * when it lies in the walk's way, else the returned entry
             * stays current (moved up by one if the insert preceded it). */
            if (after == (dir == QLIST_TAIL))
                at = after ? at + 1 : at;
            else if (!after)
                at++;
        }
        if (act != 0 || dir == QLIST_HEAD) {
            if (dir == QLIST_TAIL)
                at++;
            else if (at-- == 0)
                break;
        }
    }
}

/* Run nops random operations on a list of fill, with pushes weighted so
 * the list hovers around target elements. */
static void run_random(uint64_t seed, int fill, size_t target, size_t max_len,
                       int nops)
{
    struct run r = {.ql = qlist_create(), .max_len = max_len};

    rng_state = seed;
    r.buf = malloc(max_len + 64);
    qlist_set_fill(r.ql, fill);
    for (int i = 0; i < nops; i++) {
        size_t op = rng_below(20);
        if (op < 8)
            op = r.m.len < target ? 0 : 1;
        else
            op = 2 + rng_below(6);
        switch (op) {
        case 0:
            op_push(&r);
            break;
        case 1:
            op_pop(&r);
            break;
        case 2:
            op_index(&r);
            break;
        case 3:
            op_replace(&r);
            break;
        case 4:
            if (rng_below(4) == 0)
                op_delete_range(&r);
            break;
        default:
            op_iterate(&r);
            break;
        }
        if (i % 16 == 0 || r.m.len < 8)
            check_all(r.ql, &r.m);
    }
    check_all(r.ql, &r.m);
    qlist_free(r.ql);
    model_free(&r.m);
    free(r.buf);
}

static const int fills[] = {-2, -1, -5, 1, 2, 4, 0, 128, -7};
#define NFILLS (sizeof(fills) / sizeof(*fills))

TestSuite(qlist, .timeout = 120);

Test(qlist, random_ops_on_tiny_lists_match_the_model)
{
    for (size_t f = 0; f < NFILLS; f++)
        run_random(0x1234 + f, fills[f], 4, 40, 3000);
}

Test(qlist, random_ops_around_one_node_match_the_model)
{
    /* About one node: 8 KiB of 3..14-byte entries, or a few entries. */
    for (size_t f = 0; f < NFILLS; f++)
        run_random(0x5678 + f, fills[f], fills[f] == -2 ? 1200 : 6, 40, 6000);
}

Test(qlist, random_ops_on_many_nodes_match_the_model)
{
    for (size_t f = 0; f < NFILLS; f++)
        run_random(0x9abc + f, fills[f], 3000, 300, 8000);
}

Test(qlist, random_ops_with_elements_larger_than_a_node_match_the_model)
{
    for (size_t f = 0; f < NFILLS; f++)
        run_random(0xdef0 + f, fills[f], 60, 70000, 1500);
}

/* ---- node boundaries, exactly ------------------------------------------- */

Test(qlist, a_byte_limited_node_holds_8_kib_of_entries)
{
    struct qlist *ql = qlist_create();

    /* "x" packs into 3 bytes: 2730 of them are 8190 bytes, one node. */
    for (int i = 0; i < 2730; i++)
        qlist_push(ql, QLIST_TAIL, "x", 1);
    cr_assert_eq(qlist_node_count(ql), 1);
    qlist_push(ql, QLIST_TAIL, "x", 1);
    cr_assert_eq(qlist_node_count(ql), 2);
    qlist_push(ql, QLIST_HEAD, "y", 1);
    cr_assert_eq(qlist_node_count(ql), 3);
    qlist_free(ql);
}

Test(qlist, a_count_limited_node_holds_fill_entries)
{
    struct qlist *ql = qlist_create();

    qlist_set_fill(ql, 4);
    for (int i = 0; i < 4; i++)
        qlist_push(ql, QLIST_HEAD, "abc", 3);
    cr_assert_eq(qlist_node_count(ql), 1);
    qlist_push(ql, QLIST_HEAD, "abc", 3);
    cr_assert_eq(qlist_node_count(ql), 2);
    qlist_free(ql);
}

Test(qlist, an_element_larger_than_a_node_gets_its_own_node)
{
    struct qlist *ql = qlist_create();
    size_t big = 3 * QLIST_NODE_BYTES;
    char *p = malloc(big);
    struct qlist_entry e;

    memset(p, 'B', big);
    qlist_push(ql, QLIST_TAIL, "a", 1);
    qlist_push(ql, QLIST_TAIL, p, big);
    qlist_push(ql, QLIST_TAIL, "c", 1);
    cr_assert_eq(qlist_node_count(ql), 3);
    cr_assert_eq(qlist_index(ql, 1, &e), 0);
    cr_assert_eq(e.len, big);
    cr_assert(memcmp(e.ptr, p, big) == 0);

    /* Replacing it with something small keeps the list intact. */
    cr_assert_eq(qlist_replace(ql, 1, "b", 1), 0);
    cr_assert_eq(qlist_index(ql, 1, &e), 0);
    cr_assert_eq(e.len, 1);
    cr_assert_eq(e.ptr[0], 'b');
    free(p);
    qlist_free(ql);
}

Test(qlist, integers_come_back_as_the_digits_sent)
{
    struct qlist *ql = qlist_create();
    struct qlist_entry e;
    char buf[32];

    size_t n;
    for (size_t i = 0; (n = int_edge(i, buf)) > 0; i++) {
        qlist_push(ql, QLIST_TAIL, buf, n);
        cr_assert_eq(qlist_peek(ql, QLIST_TAIL, &e), 0);
        cr_assert_eq(e.len, n);
        cr_assert(memcmp(e.ptr, buf, n) == 0, "%.*s", (int)n, buf);
    }
    qlist_free(ql);
}

Test(qlist, small_integers_pack_into_two_bytes)
{
    struct qlist *ql = qlist_create();

    /* 0..127 take 2 bytes: 4096 of them fill one 8 KiB node exactly. */
    for (int i = 0; i < 4096; i++)
        qlist_push(ql, QLIST_TAIL, "7", 1);
    cr_assert_eq(qlist_node_count(ql), 1);
    qlist_push(ql, QLIST_TAIL, "7", 1);
    cr_assert_eq(qlist_node_count(ql), 2);
    qlist_free(ql);
}

Test(qlist, an_empty_list_has_nothing_to_pop_index_or_iterate)
{
    struct qlist *ql = qlist_create();
    struct qlist_iter it;
    struct qlist_entry e;

    qlist_iter_init(&it, ql, 0, QLIST_TAIL);
    cr_assert_eq(qlist_iter_next(&it, &e), 0);
    cr_assert_eq(qlist_pop(ql, QLIST_HEAD), -1);
    cr_assert_eq(qlist_index(ql, 0, &e), -1);
    qlist_push(ql, QLIST_TAIL, "a", 1);
    qlist_iter_init(&it, ql, 1, QLIST_TAIL);
    cr_assert_eq(qlist_iter_next(&it, &e), 0);
    qlist_iter_init(&it, ql, -2, QLIST_HEAD);
    cr_assert_eq(qlist_iter_next(&it, &e), 0);
    qlist_free(ql);
}

Test(qlist, deleting_every_entry_while_iterating_empties_the_list)
{
    for (int dir = 0; dir < 2; dir++) {
        struct qlist *ql = qlist_create();
        struct qlist_iter it;
        struct qlist_entry e;

        for (int i = 0; i < 20000; i++)
            qlist_push(ql, QLIST_TAIL, "element", 7);
        qlist_iter_init(&it, ql, dir == QLIST_TAIL ? 0 : -1, dir);
        while (qlist_iter_next(&it, &e))
            qlist_iter_delete(&it);
        cr_assert_eq(qlist_len(ql), 0);
        cr_assert_eq(qlist_node_count(ql), 0);
        qlist_free(ql);
    }
}

/* ---- memory ------------------------------------------------------------- */

Test(qlist, two_million_small_elements_cost_under_16_bytes_each)
{
    const size_t n = 2000000;
    char buf[32];
    size_t before = util_used_memory();
    struct qlist *ql = qlist_create();

    for (size_t i = 0; i < n; i++) {
        /* Small strings and small numbers, as queues of ids hold. */
        size_t len =
            i % 2 ? (size_t)snprintf(buf, sizeof(buf), "%zu", i % 1000)
                  : (size_t)snprintf(buf, sizeof(buf), "job:%zu", i % 100);
        qlist_push(ql, i % 3 ? QLIST_TAIL : QLIST_HEAD, buf, len);
    }
    size_t used = util_used_memory() - before;
    double per = (double)used / (double)n;
    double accounted = (double)qlist_alloc_size(ql) / (double)n;
    cr_log_info("%.2f bytes per element (%.2f accounted)", per, accounted);
    cr_assert_lt(per, 16.0, "%.2f bytes per element", per);
    cr_assert_lt(accounted, 16.0);
    cr_assert_eq(qlist_len(ql), n);

    for (size_t i = 0; i < n; i++)
        cr_assert_eq(qlist_pop(ql, i % 2 ? QLIST_TAIL : QLIST_HEAD), 0);
    cr_assert_eq(qlist_len(ql), 0);
    cr_assert_eq(qlist_node_count(ql), 0);
    cr_assert_lt(util_used_memory() - before, 4096,
                 "popping everything gives the memory back");
    qlist_free(ql);
}
