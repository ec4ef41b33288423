/* dict.c -- hash table with incremental rehashing (see dict.h).
 *
 * While rehashing, entries live in t[0] (buckets below rehash_idx already
 * moved) and t[1]; lookups try both, inserts go to t[1].  Each operation
 * moves one bucket; the cron moves more under a time budget. */
#include "dict.h"

#include <string.h>

#include "util.h"

#define DICT_INITIAL_SIZE 4
#define DICT_MIN_FILL     10 /* shrink below 1/10 used */
#define DICT_EMPTY_VISITS 10

static int is_rehashing(const struct dict *d)
{
    return d->rehash_idx != -1;
}

static void table_reset(struct dict_table *t)
{
    t->buckets = NULL;
    t->size = 0;
    t->used = 0;
}

struct dict *dict_create(const struct dict_type *type)
{
    struct dict *d = xmalloc(sizeof(*d));
    d->type = type;
    table_reset(&d->t[0]);
    table_reset(&d->t[1]);
    d->rehash_idx = -1;
    d->pause_rehash = 0;
    return d;
}

static void free_entry(struct dict *d, struct dict_entry *e)
{
    if (d->type->owns_keys)
        bstr_free(e->key);
    if (d->type->free_val && e->v.ptr)
        d->type->free_val(e->v.ptr);
    xfree(e);
}

static void table_clear(struct dict *d, struct dict_table *t)
{
    for (size_t i = 0; i < t->size && t->used > 0; i++) {
        struct dict_entry *e = t->buckets[i];
        while (e) {
            struct dict_entry *next = e->next;
            free_entry(d, e);
            t->used--;
            e = next;
        }
    }
    xfree(t->buckets);
    table_reset(t);
}

void dict_clear(struct dict *d)
{
    table_clear(d, &d->t[0]);
    table_clear(d, &d->t[1]);
    d->rehash_idx = -1;
}

void dict_free(struct dict *d)
{
    if (d == NULL)
        return;
    dict_clear(d);
    xfree(d);
}

size_t dict_size(const struct dict *d)
{
    return d->t[0].used + d->t[1].used;
}

/* Start moving to a table of the given size (a power of two). */
static void resize_to(struct dict *d, size_t size)
{
    struct dict_table *t = d->t[0].size == 0 ? &d->t[0] : &d->t[1];
    t->buckets = xcalloc(size, sizeof(*t->buckets));
    t->size = size;
    t->used = 0;
    if (t == &d->t[1])
        d->rehash_idx = 0;
}

static size_t next_power(size_t n)
{
    size_t s = DICT_INITIAL_SIZE;
    while (s < n)
        s *= 2;
    return s;
}

static void expand_if_needed(struct dict *d)
{
    if (is_rehashing(d))
        return;
    if (d->t[0].size == 0)
        resize_to(d, DICT_INITIAL_SIZE);
    else if (d->t[0].used >= d->t[0].size)
        resize_to(d, next_power(d->t[0].used + 1));
}

void dict_expand(struct dict *d, size_t n)
{
    if (is_rehashing(d) || n <= d->t[0].size)
        return;
    if (d->t[0].used == 0 && d->t[0].size > 0)
        table_clear(d, &d->t[0]);
    resize_to(d, next_power(n));
}

void dict_maybe_shrink(struct dict *d)
{
    if (is_rehashing(d) || d->t[0].size <= DICT_INITIAL_SIZE)
        return;
    if (d->t[0].used * DICT_MIN_FILL < d->t[0].size)
        resize_to(d, next_power(d->t[0].used));
}

int dict_rehash(struct dict *d, int n)
{
    int empty_visits = n * DICT_EMPTY_VISITS;

    if (!is_rehashing(d))
        return 0;
    while (n-- > 0 && d->t[0].used > 0) {
        while (d->t[0].buckets[d->rehash_idx] == NULL) {
            d->rehash_idx++;
            if (--empty_visits == 0)
                return 1;
        }
        struct dict_entry *e = d->t[0].buckets[d->rehash_idx];
        while (e) {
            struct dict_entry *next = e->next;
            uint64_t h = util_hash(e->key, bstr_len(e->key));
            size_t idx = h & (d->t[1].size - 1);
            e->next = d->t[1].buckets[idx];
            d->t[1].buckets[idx] = e;
            d->t[0].used--;
            d->t[1].used++;
            e = next;
        }
        d->t[0].buckets[d->rehash_idx] = NULL;
        d->rehash_idx++;
    }

    if (d->t[0].used == 0) {
        xfree(d->t[0].buckets);
        d->t[0] = d->t[1];
        table_reset(&d->t[1]);
        d->rehash_idx = -1;
        return 0;
    }
    return 1;
}

int dict_rehash_ms(struct dict *d, int ms)
{
    long long start = util_monotonic_us();
    int steps = 0;

    if (d->pause_rehash > 0)
        return 0;
    while (dict_rehash(d, 100)) {
        steps += 100;
        if (util_monotonic_us() - start > ms * 1000LL)
            break;
    }
    return steps;
}

static void rehash_step(struct dict *d)
{
    if (d->pause_rehash == 0)
        dict_rehash(d, 1);
}

static int key_eq(const struct dict_entry *e, const void *key, size_t klen)
{
    return bstr_len(e->key) == klen && memcmp(e->key, key, klen) == 0;
}

/* The link (bucket slot or a predecessor's next) pointing at key's entry,
 * or NULL; *table is set to the table holding it.  Both lookups and
 * removals start here. */
static struct dict_entry **find_link(struct dict *d, const void *key,
                                     size_t klen, int *table)
{
    if (dict_size(d) == 0)
        return NULL;
    if (is_rehashing(d))
        rehash_step(d);

    uint64_t h = util_hash(key, klen);
    for (int t = 0; t <= 1; t++) {
        if (d->t[t].size == 0)
            break;
        struct dict_entry **link = &d->t[t].buckets[h & (d->t[t].size - 1)];
        for (; *link; link = &(*link)->next) {
            if (key_eq(*link, key, klen)) {
                *table = t;
                return link;
            }
        }
        if (!is_rehashing(d))
            break;
    }
    return NULL;
}

struct dict_entry *dict_find(struct dict *d, const void *key, size_t klen)
{
    int t;
    struct dict_entry **link = find_link(d, key, klen, &t);
    return link ? *link : NULL;
}

struct dict_entry *dict_add(struct dict *d, bstr key)
{
    if (is_rehashing(d))
        rehash_step(d);
    expand_if_needed(d);

    struct dict_table *t = is_rehashing(d) ? &d->t[1] : &d->t[0];
    size_t idx = util_hash(key, bstr_len(key)) & (t->size - 1);
    struct dict_entry *e = xmalloc(sizeof(*e));
    e->key = key;
    e->v.ptr = NULL;
    e->next = t->buckets[idx];
    t->buckets[idx] = e;
    t->used++;
    return e;
}

struct dict_entry *dict_unlink(struct dict *d, const void *key, size_t klen)
{
    int t;
    struct dict_entry **link = find_link(d, key, klen, &t);
    if (link == NULL)
        return NULL;
    struct dict_entry *e = *link;
    *link = e->next;
    d->t[t].used--;
    return e;
}

void dict_free_unlinked(struct dict *d, struct dict_entry *e)
{
    if (d->type->owns_keys)
        bstr_free(e->key);
    xfree(e);
}

int dict_delete(struct dict *d, const void *key, size_t klen)
{
    struct dict_entry *e = dict_unlink(d, key, klen);
    if (e == NULL)
        return 0;
    free_entry(d, e);
    return 1;
}

struct dict_entry *dict_random(struct dict *d)
{
    unsigned long long r;
    struct dict_entry *e = NULL;

    if (dict_size(d) == 0)
        return NULL;
    if (is_rehashing(d))
        rehash_step(d);
    do {
        r = util_random_u64();
        if (is_rehashing(d)) {
            /* Buckets below rehash_idx of t[0] are empty. */
            size_t span = d->t[0].size + d->t[1].size - (size_t)d->rehash_idx;
            size_t i = (size_t)d->rehash_idx + r % span;
            e = i >= d->t[0].size ? d->t[1].buckets[i - d->t[0].size]
                                  : d->t[0].buckets[i];
        } else {
            e = d->t[0].buckets[r & (d->t[0].size - 1)];
        }
    } while (e == NULL);

    size_t len = 0;
    for (struct dict_entry *x = e; x; x = x->next)
        len++;
    r = util_random_u64();
    for (size_t skip = r % len; skip > 0; skip--)
        e = e->next;
    return e;
}

static uint64_t rev64(uint64_t v)
{
    uint64_t r = 0;
    for (int i = 0; i < 64; i++) {
        r = (r << 1) | (v & 1);
        v >>= 1;
    }
    return r;
}

static void scan_bucket(struct dict_entry *e, dict_scan_fn *fn, void *data)
{
    while (e) {
        struct dict_entry *next = e->next;
        fn(data, e);
        e = next;
    }
}

/* Increment the cursor's bits above the mask in reverse order: the walk
 * visits a bucket and, implicitly, all its expansions in a larger table,
 * so a resize between calls neither skips nor (much) repeats entries. */
static uint64_t next_cursor(uint64_t v, uint64_t mask)
{
    v |= ~mask;
    v = rev64(v);
    v++;
    return rev64(v);
}

uint64_t dict_scan(struct dict *d, uint64_t v, dict_scan_fn *fn, void *data)
{
    if (dict_size(d) == 0)
        return 0;
    d->pause_rehash++;

    if (!is_rehashing(d)) {
        uint64_t m0 = d->t[0].size - 1;
        scan_bucket(d->t[0].buckets[v & m0], fn, data);
        v = next_cursor(v, m0);
    } else {
        struct dict_table *small = &d->t[0], *big = &d->t[1];
        if (small->size > big->size) {
            small = &d->t[1];
            big = &d->t[0];
        }
        uint64_t m0 = small->size - 1, m1 = big->size - 1;
        scan_bucket(small->buckets[v & m0], fn, data);
        /* Every bucket of the big table that expands this small one. */
        do {
            scan_bucket(big->buckets[v & m1], fn, data);
            v = next_cursor(v, m1);
        } while (v & (m0 ^ m1));
    }

    d->pause_rehash--;
    return v;
}

void dict_iter_start(struct dict_iter *it, struct dict *d)
{
    it->d = d;
    it->table = 0;
    it->index = -1;
    it->entry = NULL;
    it->next = NULL;
    d->pause_rehash++;
}

struct dict_entry *dict_iter_next(struct dict_iter *it)
{
    struct dict *d = it->d;

    while (it->next == NULL) {
        struct dict_table *t = &d->t[it->table];
        it->index++;
        if ((size_t)it->index >= t->size) {
            if (it->table == 1 || !is_rehashing(d))
                return NULL;
            it->table = 1;
            it->index = 0;
            t = &d->t[1];
            if (t->size == 0)
                return NULL;
        }
        it->next = t->buckets[it->index];
    }
    it->entry = it->next;
    it->next = it->entry->next; /* the caller may delete entry */
    return it->entry;
}

void dict_iter_end(struct dict_iter *it)
{
    it->d->pause_rehash--;
}

size_t dict_overhead(const struct dict *d)
{
    return sizeof(*d) +
           (d->t[0].size + d->t[1].size) * sizeof(struct dict_entry *) +
           dict_size(d) * sizeof(struct dict_entry);
}
