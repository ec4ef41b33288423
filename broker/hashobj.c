/* hashobj.c -- the hash type's representation (see hashobj.h).
 *
 * The packed ("listpack") form is one allocation: a small header, then the
 * items field1 value1 field2 value2 ... back to back.  Each item starts
 * with a tag byte:
 *
 *   0x00-0xEF  a string of that many bytes (0-239) follows
 *   0xF0-0xF3  a little-endian integer of 1, 2, 4 or 8 bytes follows
 *   0xF4       a 4-byte little-endian length, then the string
 *
 * A string is packed as an integer exactly when it is the canonical decimal
 * form of a 64-bit integer ("12", not "012" or "+12"), so that printing the
 * integer gives back the very bytes stored.  That makes the choice of form
 * a function of the bytes alone, and lets a search compare an integer item
 * only with a key that is an integer, and a string item only with one that
 * is not.
 *
 * The hashtable form is a dict whose keys are the fields and whose values
 * are bstrs, updated in place when the new value fits. */
#include "hashobj.h"

#include <assert.h>
#include <string.h>

#include "bstr.h"
#include "dict.h"
#include "server.h"
#include "util.h"

#define PACK_STR_MAX_SHORT 0xEF /* longest string with a one-byte tag */
#define PACK_TAG_INT8      0xF0
#define PACK_TAG_INT16     0xF1
#define PACK_TAG_INT32     0xF2
#define PACK_TAG_INT64     0xF3
#define PACK_TAG_STR32     0xF4
#define PACK_INITIAL_CAP   32
#define PACK_INT_MAX_CHARS 20 /* "-9223372036854775808" */

struct hash_pack {
    uint32_t count; /* pairs */
    uint32_t used;  /* bytes of items[] in use */
    uint32_t cap;   /* bytes allocated for items[] */
    unsigned char items[];
};

/* A field or value about to be searched for or stored, with its integer
 * form worked out once. */
struct pack_item {
    const char *p;
    size_t n;
    int is_int;
    long long v;
};

static void hash_free_value(void *v)
{
    bstr_free(v);
}

static const struct dict_type hash_dict_type = {.owns_keys = 1,
                                                .free_val = hash_free_value};

/* A dict that only indexes fields owned by a hash (random sampling). */
static const struct dict_type hash_index_type = {.owns_keys = 0,
                                                 .free_val = NULL};

/* --- packed items ------------------------------------------------------ */

static void item_prepare(struct pack_item *it, const char *p, size_t n)
{
    char buf[32];

    it->p = p;
    it->n = n;
    it->is_int = n > 0 && n <= PACK_INT_MAX_CHARS &&
                 util_str2ll(p, n, &it->v) == 0 &&
                 util_ll2str(buf, sizeof(buf), it->v) == (int)n &&
                 memcmp(buf, p, n) == 0;
}

/* Bytes of the integer part of an int item with this tag. */
static size_t int_width(unsigned char tag)
{
    return (size_t)1 << (tag - PACK_TAG_INT8);
}

static unsigned char int_tag(long long v)
{
    if (v >= INT8_MIN && v <= INT8_MAX)
        return PACK_TAG_INT8;
    if (v >= INT16_MIN && v <= INT16_MAX)
        return PACK_TAG_INT16;
    if (v >= INT32_MIN && v <= INT32_MAX)
        return PACK_TAG_INT32;
    return PACK_TAG_INT64;
}

static uint32_t read_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* Total bytes of the item at p, tag included. */
static size_t item_size(const unsigned char *p)
{
    if (*p <= PACK_STR_MAX_SHORT)
        return 1 + (size_t)*p;
    if (*p == PACK_TAG_STR32)
        return 5 + (size_t)read_u32(p + 1);
    return 1 + int_width(*p);
}

/* Bytes that storing it would take. */
static size_t item_need(const struct pack_item *it)
{
    if (it->is_int)
        return 1 + int_width(int_tag(it->v));
    return it->n <= PACK_STR_MAX_SHORT ? 1 + it->n : 5 + it->n;
}

static void item_write(unsigned char *dst, const struct pack_item *it)
{
    if (it->is_int) {
        unsigned char tag = int_tag(it->v);
        uint64_t u = (uint64_t)it->v;

        *dst++ = tag;
        for (size_t i = 0; i < int_width(tag); i++, u >>= 8)
            dst[i] = (unsigned char)(u & 0xFF);
        return;
    }
    if (it->n <= PACK_STR_MAX_SHORT) {
        *dst++ = (unsigned char)it->n;
    } else {
        *dst++ = PACK_TAG_STR32;
        for (int i = 0; i < 4; i++)
            *dst++ = (unsigned char)((it->n >> (8 * i)) & 0xFF);
    }
    if (it->n)
        memcpy(dst, it->p, it->n);
}

/* The value of an int item, sign-extended from its width. */
static long long item_int(const unsigned char *p)
{
    size_t w = int_width(*p);
    uint64_t u = 0;

    for (size_t i = 0; i < w; i++)
        u |= (uint64_t)p[1 + i] << (8 * i);
    if (w < 8 && (u >> (8 * w - 1)) & 1)
        u |= ~(uint64_t)0 << (8 * w);
    return (long long)u;
}

/* The bytes of the item at p: into the item, or digits written to buf
 * (24 bytes) for an int item. */
static void item_view(const unsigned char *p, char *buf, const char **s,
                      size_t *n)
{
    if (*p <= PACK_STR_MAX_SHORT) {
        *s = (const char *)p + 1;
        *n = *p;
    } else if (*p == PACK_TAG_STR32) {
        *s = (const char *)p + 5;
        *n = read_u32(p + 1);
    } else {
        *n = (size_t)util_ll2str(buf, 24, item_int(p));
        *s = buf;
    }
}

static int item_matches(const unsigned char *p, const struct pack_item *it)
{
    if (*p >= PACK_TAG_INT8 && *p <= PACK_TAG_INT64)
        return it->is_int && item_int(p) == it->v;
    if (it->is_int)
        return 0;

    const char *s;
    size_t n;
    item_view(p, NULL, &s, &n);
    return n == it->n && (n == 0 || memcmp(s, it->p, n) == 0);
}

/* --- the packed hash --------------------------------------------------- */

static struct hash_pack *pack_of(const struct obj *o)
{
    return o->v.data;
}

static struct hash_pack *pack_new(void)
{
    struct hash_pack *hp = xmalloc(sizeof(*hp) + PACK_INITIAL_CAP);

    hp->count = 0;
    hp->used = 0;
    hp->cap = PACK_INITIAL_CAP;
    return hp;
}

/* The field item matching f, or NULL. */
static unsigned char *pack_find(struct hash_pack *hp, const struct pack_item *f)
{
    unsigned char *p = hp->items, *end = hp->items + hp->used;

    while (p < end) {
        if (item_matches(p, f))
            return p;
        p += item_size(p);
        p += item_size(p);
    }
    return NULL;
}

/* Make room for the pack to hold need bytes of items, growing by at least
 * half so that appends cost amortised O(1); stores the moved pack back
 * into o and returns it. */
static struct hash_pack *pack_reserve(struct obj *o, size_t need)
{
    struct hash_pack *hp = pack_of(o);

    if (need <= hp->cap)
        return hp;
    size_t cap = (size_t)hp->cap + hp->cap / 2;
    if (cap < need)
        cap = need;
    hp = xrealloc(hp, sizeof(*hp) + cap);
    hp->cap = (uint32_t)cap;
    o->v.data = hp;
    return hp;
}

/* Give back memory once the pack uses under a quarter of it. */
static void pack_maybe_shrink(struct obj *o)
{
    struct hash_pack *hp = pack_of(o);

    if (hp->cap <= PACK_INITIAL_CAP || hp->used >= hp->cap / 4)
        return;
    size_t cap = hp->used * 2 < PACK_INITIAL_CAP ? PACK_INITIAL_CAP
                                                 : (size_t)hp->used * 2;
    hp = xrealloc(hp, sizeof(*hp) + cap);
    hp->cap = (uint32_t)cap;
    o->v.data = hp;
}

/* Replace the item at offset off, old bytes long, by it, moving the tail. */
static void pack_replace_item(struct obj *o, size_t off, size_t old,
                              const struct pack_item *it)
{
    size_t need = item_need(it);
    struct hash_pack *hp = pack_reserve(o, pack_of(o)->used - old + need);
    unsigned char *p = hp->items + off;

    if (need != old)
        memmove(p + need, p + old, hp->used - off - old);
    item_write(p, it);
    hp->used = (uint32_t)(hp->used - old + need);
}

/* Set f to v in a packed hash; returns 1 if the field is new. */
static int pack_set(struct obj *o, const struct pack_item *f,
                    const struct pack_item *v)
{
    struct hash_pack *hp = pack_of(o);
    unsigned char *p = pack_find(hp, f);

    if (p != NULL) {
        unsigned char *val = p + item_size(p);
        pack_replace_item(o, (size_t)(val - hp->items), item_size(val), v);
        return 0;
    }

    size_t fneed = item_need(f);
    hp = pack_reserve(o, hp->used + fneed + item_need(v));
    item_write(hp->items + hp->used, f);
    item_write(hp->items + hp->used + fneed, v);
    hp->used = (uint32_t)(hp->used + fneed + item_need(v));
    hp->count++;
    return 1;
}

static int pack_delete(struct obj *o, const struct pack_item *f)
{
    struct hash_pack *hp = pack_of(o);
    unsigned char *p = pack_find(hp, f);

    if (p == NULL)
        return 0;
    size_t off = (size_t)(p - hp->items);
    size_t pair = item_size(p);
    pair += item_size(p + pair);
    memmove(p, p + pair, hp->used - off - pair);
    hp->used = (uint32_t)(hp->used - pair);
    hp->count--;
    pack_maybe_shrink(o);
    return 1;
}

/* Fill e from the pair at p; returns the offset just past it. */
static size_t pack_entry(const struct hash_pack *hp, size_t off,
                         struct hashobj_entry *e)
{
    const unsigned char *p = hp->items + off;
    size_t fsize = item_size(p);

    item_view(p, e->fbuf, &e->field, &e->field_len);
    item_view(p + fsize, e->vbuf, &e->value, &e->value_len);
    return off + fsize + item_size(p + fsize);
}

/* The offset of pair number index. */
static size_t pack_seek(const struct hash_pack *hp, size_t index)
{
    const unsigned char *p = hp->items;

    for (size_t i = 0; i < index; i++) {
        p += item_size(p);
        p += item_size(p);
    }
    return (size_t)(p - hp->items);
}

/* --- the hashtable ----------------------------------------------------- */

static struct dict *dict_of(const struct obj *o)
{
    return o->v.data;
}

static void ht_entry(const struct dict_entry *de, struct hashobj_entry *e)
{
    e->field = de->key;
    e->field_len = bstr_len(de->key);
    e->value = de->v.ptr;
    e->value_len = bstr_len(de->v.ptr);
}

/* Store v into an existing value bstr when it fits without wasting more
 * than half of it; otherwise a new one.  Returns the value to keep. */
static bstr ht_update_value(bstr old, const char *v, size_t vlen)
{
    size_t cap = bstr_hdr(old)->cap;

    if (vlen <= cap && cap <= 2 * vlen + 16) {
        if (vlen)
            memmove(old, v, vlen);
        bstr_set_len(old, vlen);
        return old;
    }
    bstr_free(old);
    return bstr_new(v, vlen);
}

static int ht_set(struct obj *o, const char *f, size_t flen, const char *v,
                  size_t vlen)
{
    struct dict *d = dict_of(o);
    struct dict_entry *de = dict_find(d, f, flen);

    if (de != NULL) {
        de->v.ptr = ht_update_value(de->v.ptr, v, vlen);
        return 0;
    }
    de = dict_add(d, bstr_new(f, flen));
    de->v.ptr = bstr_new(v, vlen);
    return 1;
}

/* --- public interface -------------------------------------------------- */

struct obj *hashobj_create(void)
{
    return obj_new(OBJ_HASH, OBJ_ENC_LISTPACK, pack_new());
}

void hashobj_free(struct obj *o)
{
    if (o->encoding == OBJ_ENC_LISTPACK)
        xfree(o->v.data);
    else
        dict_free(o->v.data);
    o->v.data = NULL;
}

size_t hashobj_len(const struct obj *o)
{
    if (o->encoding == OBJ_ENC_LISTPACK)
        return pack_of(o)->count;
    return dict_size(dict_of(o));
}

size_t hashobj_alloc_size(const struct obj *o)
{
    if (o->encoding == OBJ_ENC_LISTPACK)
        return sizeof(struct hash_pack) + pack_of(o)->cap;

    struct dict *d = dict_of(o);
    struct dict_iter it;
    struct dict_entry *de;
    size_t n = sizeof(*d) + dict_overhead(d);

    dict_iter_start(&it, d);
    while ((de = dict_iter_next(&it)) != NULL)
        n +=
            sizeof(*de) + bstr_alloc_size(de->key) + bstr_alloc_size(de->v.ptr);
    dict_iter_end(&it);
    return n;
}

int hashobj_get(struct obj *o, const char *f, size_t flen,
                struct hashobj_entry *e)
{
    if (o->encoding == OBJ_ENC_LISTPACK) {
        struct hash_pack *hp = pack_of(o);
        struct pack_item key;

        item_prepare(&key, f, flen);
        unsigned char *p = pack_find(hp, &key);
        if (p == NULL)
            return -1;
        pack_entry(hp, (size_t)(p - hp->items), e);
        return 0;
    }

    struct dict_entry *de = dict_find(dict_of(o), f, flen);
    if (de == NULL)
        return -1;
    ht_entry(de, e);
    return 0;
}

void hashobj_convert(struct obj *o)
{
    if (o->encoding != OBJ_ENC_LISTPACK)
        return;

    struct hash_pack *hp = pack_of(o);
    struct dict *d = dict_create(&hash_dict_type);
    struct hashobj_entry e;

    for (size_t off = 0; off < hp->used;) {
        off = pack_entry(hp, off, &e);
        struct dict_entry *de = dict_add(d, bstr_new(e.field, e.field_len));
        de->v.ptr = bstr_new(e.value, e.value_len);
    }
    xfree(hp);
    o->v.data = d;
    o->encoding = OBJ_ENC_HT;
}

/* Would storing a pair of these sizes in the packed hash break a limit
 * other than the entry count? */
static int pack_too_long(const struct obj *o, size_t flen, size_t vlen)
{
    long long max = server.hash_max_listpack_value;

    if ((long long)flen > max || (long long)vlen > max)
        return 1;
    return (size_t)pack_of(o)->used + flen + vlen + 10 > HASHOBJ_PACK_MAX;
}

int hashobj_set(struct obj *o, const char *f, size_t flen, const char *v,
                size_t vlen)
{
    if (o->encoding == OBJ_ENC_LISTPACK && pack_too_long(o, flen, vlen))
        hashobj_convert(o);
    if (o->encoding != OBJ_ENC_LISTPACK)
        return ht_set(o, f, flen, v, vlen);

    struct pack_item fi, vi;
    item_prepare(&fi, f, flen);
    item_prepare(&vi, v, vlen);
    int added = pack_set(o, &fi, &vi);
    if ((long long)pack_of(o)->count > server.hash_max_listpack_entries)
        hashobj_convert(o);
    return added;
}

int hashobj_delete(struct obj *o, const char *f, size_t flen)
{
    if (o->encoding == OBJ_ENC_LISTPACK) {
        struct pack_item key;

        item_prepare(&key, f, flen);
        return pack_delete(o, &key);
    }
    return dict_delete(dict_of(o), f, flen);
}

int hashobj_random(struct obj *o, struct hashobj_entry *e)
{
    if (o->encoding == OBJ_ENC_LISTPACK) {
        struct hash_pack *hp = pack_of(o);

        if (hp->count == 0)
            return -1;
        pack_entry(hp, pack_seek(hp, util_random_u64() % hp->count), e);
        return 0;
    }

    struct dict_entry *de = dict_random(dict_of(o));
    if (de == NULL)
        return -1;
    ht_entry(de, e);
    return 0;
}

/* Selection sampling (Knuth's algorithm S): one pass in storage order,
 * taking each entry with probability wanted / remaining, which yields
 * exactly count entries, every subset equally likely. */
static void random_unique_pass(struct obj *o, size_t count,
                               hashobj_visit_fn *fn, void *data)
{
    struct hashobj_iter it;
    struct hashobj_entry e;
    size_t remaining = hashobj_len(o);

    hashobj_iter_init(&it, o);
    while (count > 0 && hashobj_iter_next(&it, &e)) {
        if (util_random_u64() % remaining < count) {
            fn(data, &e);
            count--;
        }
        remaining--;
    }
    hashobj_iter_end(&it);
}

/* Random picks until count distinct ones are found, for a count small
 * against the hash (so few picks are repeats); a dict indexing the fields
 * already visited rejects the repeats. */
static void random_unique_picks(struct obj *o, size_t count,
                                hashobj_visit_fn *fn, void *data)
{
    struct dict *seen = dict_create(&hash_index_type);
    struct hashobj_entry e;

    while (dict_size(seen) < count) {
        struct dict_entry *de = dict_random(dict_of(o));
        if (dict_find(seen, de->key, bstr_len(de->key)) != NULL)
            continue;
        dict_add(seen, de->key);
        ht_entry(de, &e);
        fn(data, &e);
    }
    dict_free(seen);
}

void hashobj_random_unique(struct obj *o, size_t count, hashobj_visit_fn *fn,
                           void *data)
{
    assert(count < hashobj_len(o));
    if (o->encoding == OBJ_ENC_HT && count <= hashobj_len(o) / 3)
        random_unique_picks(o, count, fn, data);
    else
        random_unique_pass(o, count, fn, data);
}

/* Adapts dict_scan()'s callback to a hashobj visitor. */
struct scan_adapter {
    hashobj_visit_fn *fn;
    void *data;
};

static void scan_visit(void *data, struct dict_entry *de)
{
    struct scan_adapter *sa = data;
    struct hashobj_entry e;

    ht_entry(de, &e);
    sa->fn(sa->data, &e);
}

uint64_t hashobj_scan(struct obj *o, uint64_t cursor, hashobj_visit_fn *fn,
                      void *data)
{
    if (o->encoding == OBJ_ENC_HT) {
        struct scan_adapter sa = {fn, data};
        return dict_scan(dict_of(o), cursor, scan_visit, &sa);
    }

    struct hashobj_iter it;
    struct hashobj_entry e;
    hashobj_iter_init(&it, o);
    while (hashobj_iter_next(&it, &e))
        fn(data, &e);
    hashobj_iter_end(&it);
    return 0;
}

void hashobj_iter_init(struct hashobj_iter *it, struct obj *o)
{
    it->o = o;
    it->pos = 0;
    if (o->encoding == OBJ_ENC_HT)
        dict_iter_start(&it->di, dict_of(o));
}

int hashobj_iter_next(struct hashobj_iter *it, struct hashobj_entry *e)
{
    if (it->o->encoding == OBJ_ENC_LISTPACK) {
        struct hash_pack *hp = pack_of(it->o);

        if (it->pos >= hp->used)
            return 0;
        it->pos = pack_entry(hp, it->pos, e);
        return 1;
    }

    struct dict_entry *de = dict_iter_next(&it->di);
    if (de == NULL)
        return 0;
    ht_entry(de, e);
    return 1;
}

void hashobj_iter_end(struct hashobj_iter *it)
{
    if (it->o->encoding == OBJ_ENC_HT)
        dict_iter_end(&it->di);
}
