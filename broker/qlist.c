/* qlist.c -- the list representation (see qlist.h).
 *
 * Entries.  Each entry is a tag, a payload and then the length of those
 * two written backwards, so that a node can be walked in both directions:
 *
 *   0xxxxxxx                  integer 0..127
 *   10LLLLLL <L bytes>        string of up to 63 bytes
 *   110vvvvv v                integer -4096..4095 (13-bit two's complement)
 *   1110LLLL L <L bytes>      string of up to 4095 bytes
 *   0xF0 <8-byte L> <L bytes> any longer string
 *   0xF1..0xF4 <2/3/4/8 bytes> integers, little-endian
 *
 * Only canonical decimal integers ("12", never "012" or "+1") are stored as
 * integers, so printing one back gives the bytes the client sent.  The
 * trailing length uses 7 bits a byte: its last byte holds the lowest bits,
 * and a byte with the high bit set says another one lies to its left.  A
 * one-byte element thus costs 3 bytes, a small integer 2.
 *
 * Nodes.  A node's entries occupy buf[start, start + bytes) of cap bytes;
 * free room may lie on either side.  Pushes and pops at a node's head are
 * therefore O(1) like at its tail, and when the buffer must be moved or
 * grown all free room goes to the end being pushed to.  An insertion or a
 * removal in the middle moves the shorter side.  Pops never reallocate;
 * removals in the middle give back room when a buffer is mostly empty.
 *
 * Like Redis's quicklist, nodes are not merged when deletions thin them
 * out: a list that had most of its middle removed keeps more, smaller nodes
 * than a fresh one would.  Inserting into a full node splits it at the
 * insertion point. */
#include "qlist.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "util.h"

#define QLIST_MIN_CAP    16   /* first buffer of a node */
#define QLIST_SHRINK_MIN 1024 /* smaller buffers are never shrunk */

#define TAG_STR6  0x80 /* 10LLLLLL */
#define TAG_INT13 0xC0 /* 110vvvvv */
#define TAG_STR12 0xE0 /* 1110LLLL */
#define TAG_STR64 0xF0
#define TAG_INT16 0xF1
#define TAG_INT24 0xF2
#define TAG_INT32 0xF3
#define TAG_INT64 0xF4

struct qlist_node {
    struct qlist_node *prev, *next;
    unsigned char *buf;
    size_t start, bytes, cap;
    size_t count;
};

struct qlist {
    struct qlist_node *head, *tail;
    size_t len;
    size_t nodes;
    size_t buf_bytes; /* sum of the nodes' cap */
    int fill;
};

/* An element ready to be written: its encoding and sizes. */
struct qlist_enc {
    const unsigned char *str; /* NULL when stored as an integer */
    size_t slen;
    long long ival;
    size_t size;  /* tag and payload */
    size_t total; /* size plus the trailing length */
};

/* ---- entries ------------------------------------------------------------ */

static size_t backlen_size(size_t size)
{
    size_t n = 1;

    while (size >= 128) {
        size >>= 7;
        n++;
    }
    return n;
}

static void put_le(unsigned char *d, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        d[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *s, int n)
{
    uint64_t v = 0;

    for (int i = 0; i < n; i++)
        v |= (uint64_t)s[i] << (8 * i);
    return v;
}

/* Bytes of tag and payload an integer needs. */
static size_t int_size(long long v)
{
    if (v >= 0 && v <= 127)
        return 1;
    if (v >= -4096 && v <= 4095)
        return 2;
    if (v >= INT16_MIN && v <= INT16_MAX)
        return 3;
    if (v >= -(1LL << 23) && v < (1LL << 23))
        return 4;
    if (v >= INT32_MIN && v <= INT32_MAX)
        return 5;
    return 9;
}

/* Choose the encoding of p[0..n): an integer when the bytes are a canonical
 * one, else a string. */
static void enc_prepare(struct qlist_enc *q, const void *p, size_t n)
{
    long long v;

    if (n > 0 && n <= 20 && util_str2ll(p, n, &v) == 0) {
        q->str = NULL;
        q->ival = v;
        q->size = int_size(v);
    } else {
        q->str = p;
        q->slen = n;
        q->size = n + (n < 64 ? 1 : n < 4096 ? 2 : 9);
    }
    q->total = q->size + backlen_size(q->size);
}

/* The tag of an integer needing size bytes of tag and payload (3 or more). */
static unsigned char int_tag(size_t size)
{
    switch (size) {
    case 3:
        return TAG_INT16;
    case 4:
        return TAG_INT24;
    case 5:
        return TAG_INT32;
    default:
        return TAG_INT64;
    }
}

static unsigned char *write_int(unsigned char *d, long long v, size_t size)
{
    uint64_t u = (uint64_t)v;

    if (size == 1) {
        *d++ = (unsigned char)v;
    } else if (size == 2) {
        *d++ = (unsigned char)(TAG_INT13 | ((u >> 8) & 0x1F));
        *d++ = (unsigned char)(u & 0xFF);
    } else {
        *d++ = int_tag(size);
        put_le(d, u, (int)size - 1);
        d += size - 1;
    }
    return d;
}

/* Write q's entry at d (q->total bytes). */
static void enc_write(unsigned char *d, const struct qlist_enc *q)
{
    size_t n = q->slen;

    if (q->str == NULL) {
        d = write_int(d, q->ival, q->size);
    } else {
        if (n < 64) {
            *d++ = (unsigned char)(TAG_STR6 | n);
        } else if (n < 4096) {
            *d++ = (unsigned char)(TAG_STR12 | (n >> 8));
            *d++ = (unsigned char)(n & 0xFF);
        } else {
            *d++ = TAG_STR64;
            put_le(d, n, 8);
            d += 8;
        }
        memcpy(d, q->str, n);
        d += n;
    }

    size_t k = backlen_size(q->size);
    for (size_t i = 0; i < k; i++) {
        unsigned char b = (unsigned char)((q->size >> (7 * i)) & 0x7F);
        d[k - 1 - i] = (unsigned char)(b | (i + 1 < k ? 0x80 : 0));
    }
}

/* Tag and payload size of the entry starting at e. */
static size_t entry_head_size(const unsigned char *e)
{
    unsigned char t = e[0];

    if (t < TAG_STR6)
        return 1;
    if (t < TAG_INT13)
        return 1 + (size_t)(t & 0x3F);
    if (t < TAG_STR12)
        return 2;
    if (t < TAG_STR64)
        return 2 + (((size_t)(t & 0x0F) << 8) | e[1]);
    switch (t) {
    case TAG_STR64:
        return 9 + (size_t)get_le(e + 1, 8);
    case TAG_INT16:
        return 3;
    case TAG_INT24:
        return 4;
    case TAG_INT32:
        return 5;
    default:
        assert(t == TAG_INT64);
        return 9;
    }
}

/* Whole size of the entry starting at e. */
static size_t entry_size(const unsigned char *e)
{
    size_t s = entry_head_size(e);
    return s + backlen_size(s);
}

/* Whole size of the entry that ends just before end. */
static size_t entry_prev_size(const unsigned char *end)
{
    size_t size = 0;
    int shift = 0;
    unsigned char b;

    do {
        b = *--end;
        size |= (size_t)(b & 0x7F) << shift;
        shift += 7;
    } while (b & 0x80);
    return size + backlen_size(size);
}

static long long decode_int(const unsigned char *e)
{
    unsigned char t = e[0];

    if (t < TAG_STR6)
        return t;
    if (t < TAG_STR12) {
        long long u = ((long long)(t & 0x1F) << 8) | e[1];
        return u >= 4096 ? u - 8192 : u;
    }

    int n = t == TAG_INT16 ? 2 : t == TAG_INT24 ? 3 : t == TAG_INT32 ? 4 : 8;
    uint64_t u = get_le(e + 1, n);
    if (n < 8 && (u >> (8 * n - 1)) & 1)
        u |= ~(uint64_t)0 << (8 * n);
    return (long long)u;
}

static void entry_decode(const unsigned char *e, struct qlist_entry *out)
{
    unsigned char t = e[0];

    if (t >= TAG_STR6 && t < TAG_INT13) {
        out->ptr = (const char *)e + 1;
        out->len = t & 0x3F;
    } else if (t >= TAG_STR12 && t < TAG_STR64) {
        out->ptr = (const char *)e + 2;
        out->len = ((size_t)(t & 0x0F) << 8) | e[1];
    } else if (t == TAG_STR64) {
        out->ptr = (const char *)e + 9;
        out->len = (size_t)get_le(e + 1, 8);
    } else {
        int n = util_ll2str(out->buf, sizeof(out->buf), decode_int(e));
        out->ptr = out->buf;
        out->len = (size_t)n;
    }
}

/* ---- nodes -------------------------------------------------------------- */

static unsigned char *node_base(const struct qlist_node *n)
{
    return n->buf + n->start;
}

/* Offset of the last entry of a non-empty node. */
static size_t node_last_offset(const struct qlist_node *n)
{
    return n->bytes - entry_prev_size(node_base(n) + n->bytes);
}

/* Offset of the i-th entry of n (i < count), walked from the nearer end. */
static size_t node_offset_of(const struct qlist_node *n, size_t i)
{
    const unsigned char *base = node_base(n);
    size_t off = 0;

    if (i <= n->count / 2) {
        while (i-- > 0)
            off += entry_size(base + off);
    } else {
        off = n->bytes;
        for (size_t k = n->count - i; k > 0; k--)
            off -= entry_prev_size(base + off);
    }
    return off;
}

/* The most bytes of entries a node may hold, for the list's fill. */
static size_t node_limit(const struct qlist *ql)
{
    if (ql->fill >= 0)
        return QLIST_NODE_BYTES;
    int level = ql->fill < -5 ? 5 : -ql->fill;
    return (size_t)4096 << (level - 1);
}

/* May n take one more entry of total bytes?  An empty node takes anything,
 * so an element bigger than the limit gets a node of its own. */
static int node_allows(const struct qlist *ql, const struct qlist_node *n,
                       size_t total)
{
    if (n->count == 0)
        return 1;
    if (n->bytes + total > node_limit(ql))
        return 0;
    return ql->fill < 0 || n->count < (size_t)ql->fill;
}

/* Link a new empty node after (or before) at, or as the only node when at
 * is NULL. */
static struct qlist_node *node_new(struct qlist *ql, struct qlist_node *at,
                                   int after)
{
    struct qlist_node *n = xcalloc(1, sizeof(*n));

    if (at == NULL) {
        ql->head = ql->tail = n;
    } else if (after) {
        n->prev = at;
        n->next = at->next;
        if (at->next != NULL)
            at->next->prev = n;
        else
            ql->tail = n;
        at->next = n;
    } else {
        n->next = at;
        n->prev = at->prev;
        if (at->prev != NULL)
            at->prev->next = n;
        else
            ql->head = n;
        at->prev = n;
    }
    ql->nodes++;
    return n;
}

/* Unlink and free a node (its entries are no longer counted). */
static void node_free(struct qlist *ql, struct qlist_node *n)
{
    if (n->prev != NULL)
        n->prev->next = n->next;
    else
        ql->head = n->next;
    if (n->next != NULL)
        n->next->prev = n->prev;
    else
        ql->tail = n->prev;
    ql->nodes--;
    ql->buf_bytes -= n->cap;
    xfree(n->buf);
    xfree(n);
}

/* Move n's entries into a new buffer of newcap bytes, leaving a gap of sz
 * bytes at offset off, with the entries at new_start.  Returns the gap. */
static unsigned char *node_rebuffer(struct qlist *ql, struct qlist_node *n,
                                    size_t newcap, size_t new_start, size_t off,
                                    size_t sz)
{
    unsigned char *buf = xmalloc(newcap);

    if (n->bytes > 0) { /* an empty node may have no buffer yet */
        const unsigned char *base = node_base(n);
        memcpy(buf + new_start, base, off);
        memcpy(buf + new_start + off + sz, base + off, n->bytes - off);
    }
    xfree(n->buf);
    ql->buf_bytes += newcap - n->cap;
    n->buf = buf;
    n->cap = newcap;
    n->start = new_start;
    n->bytes += sz;
    return buf + new_start + off;
}

/* Grow n's buffer (doubling, up to the node limit) to open a gap of sz
 * bytes at off.  A head push puts all free room before the entries. */
static unsigned char *node_grow_open(struct qlist *ql, struct qlist_node *n,
                                     size_t off, size_t sz)
{
    size_t need = n->bytes + sz;
    size_t limit = node_limit(ql);
    size_t cap = n->cap < QLIST_MIN_CAP ? QLIST_MIN_CAP : n->cap * 2;

    while (cap < need)
        cap *= 2;
    if (cap > limit)
        cap = need > limit ? need : limit;

    int at_head = off == 0 && n->bytes > 0;
    return node_rebuffer(ql, n, cap, at_head ? cap - need : 0, off, sz);
}

/* Open a gap of sz bytes at off by moving entries within a buffer whose
 * free room (on both sides together) is enough. */
static unsigned char *node_shift_open(struct qlist_node *n, size_t off,
                                      size_t sz)
{
    unsigned char *base = node_base(n);
    size_t after = n->cap - n->start - n->bytes;

    if (off == 0) {
        /* All free room before the entries, for the pushes to come. */
        size_t to = n->cap - n->bytes;
        memmove(n->buf + to, base, n->bytes);
        n->start = to - sz;
    } else if (off == n->bytes) {
        memmove(n->buf, base, n->bytes);
        n->start = 0;
    } else if (after >= sz && (n->bytes - off <= off || n->start < sz)) {
        memmove(base + off + sz, base + off, n->bytes - off);
    } else if (n->start >= sz) {
        memmove(base - sz, base, off);
        n->start -= sz;
    } else {
        /* Neither side alone has the room: pack to the buffer's start. */
        memmove(n->buf, base, off);
        memmove(n->buf + off + sz, base + off, n->bytes - off);
        n->start = 0;
    }
    n->bytes += sz;
    return node_base(n) + off;
}

/* Make room for sz bytes at offset off of n's entries (off == bytes: at
 * the end).  Returns where the new bytes go; n->bytes includes them. */
static unsigned char *node_open_gap(struct qlist *ql, struct qlist_node *n,
                                    size_t off, size_t sz)
{
    size_t after = n->cap - n->start - n->bytes;

    if (off == 0 && n->bytes > 0 && n->start >= sz) {
        n->start -= sz;
        n->bytes += sz;
        return node_base(n);
    }
    if (off == n->bytes && after >= sz) {
        n->bytes += sz;
        return node_base(n) + off;
    }
    if (n->start + after >= sz)
        return node_shift_open(n, off, sz);
    return node_grow_open(ql, n, off, sz);
}

/* Remove bytes [off, off + sz) of n's entries, moving the shorter side. */
static void node_close_gap(struct qlist_node *n, size_t off, size_t sz)
{
    unsigned char *base = node_base(n);
    size_t tail = n->bytes - off - sz;

    if (off < tail) {
        memmove(base + sz, base, off);
        n->start += sz;
    } else {
        memmove(base + off, base + off + sz, tail);
    }
    n->bytes -= sz;
    if (n->bytes == 0)
        n->start = 0;
}

/* Give back most of a buffer that is less than a quarter used. */
static void node_maybe_shrink(struct qlist *ql, struct qlist_node *n)
{
    if (n->cap <= QLIST_SHRINK_MIN || n->bytes >= n->cap / 4)
        return;

    size_t cap = n->bytes * 2 < QLIST_MIN_CAP ? QLIST_MIN_CAP : n->bytes * 2;
    node_rebuffer(ql, n, cap, 0, n->bytes, 0);
}

/* ---- list operations ---------------------------------------------------- */

/* Write q's entry at offset at of n. */
static void write_entry(struct qlist *ql, struct qlist_node *n, size_t at,
                        const struct qlist_enc *q)
{
    enc_write(node_open_gap(ql, n, at, q->total), q);
    n->count++;
    ql->len++;
}

/* Remove the entry of sz bytes at offset off of n, freeing n when it
 * empties.  shrink: give back buffer room (not for pops at the ends, which
 * must never allocate). */
static void remove_entry(struct qlist *ql, struct qlist_node *n, size_t off,
                         size_t sz, int shrink)
{
    node_close_gap(n, off, sz);
    n->count--;
    ql->len--;
    if (n->count == 0)
        node_free(ql, n);
    else if (shrink)
        node_maybe_shrink(ql, n);
}

/* Index (negative from the tail) to 0..len-1.  Returns -1 if out of range. */
static int normalize_index(const struct qlist *ql, long long index, size_t *out)
{
    if (index < 0)
        index += (long long)ql->len;
    if (index < 0 || (unsigned long long)index >= ql->len)
        return -1;
    *out = (size_t)index;
    return 0;
}

/* The node and offset of the entry at index (< len), walking from the
 * nearer end of the list. */
static void locate(const struct qlist *ql, size_t index, struct qlist_node **np,
                   size_t *offp)
{
    struct qlist_node *n;
    size_t i;

    if (index < ql->len / 2) {
        n = ql->head;
        i = index;
        while (i >= n->count) {
            i -= n->count;
            n = n->next;
        }
    } else {
        size_t back = ql->len - 1 - index;
        n = ql->tail;
        while (back >= n->count) {
            back -= n->count;
            n = n->prev;
        }
        i = n->count - 1 - back;
    }
    *np = n;
    *offp = node_offset_of(n, i);
}

/* Move the entries of n from offset off on (0 < off < bytes) into a new
 * node after n.  Returns the new node. */
static struct qlist_node *node_split(struct qlist *ql, struct qlist_node *n,
                                     size_t off)
{
    struct qlist_node *m = node_new(ql, n, 1);
    const unsigned char *base = node_base(n);
    size_t moved = n->bytes - off;

    for (size_t o = off; o < n->bytes; o += entry_size(base + o))
        m->count++;
    m->buf = xmalloc(moved);
    m->cap = moved;
    ql->buf_bytes += moved;
    memcpy(m->buf, base + off, moved);
    m->bytes = moved;
    n->bytes = off;
    n->count -= m->count;
    return m;
}

/* The neighbour of n on one side if it can take total more bytes, else a
 * new node there. */
static struct qlist_node *neighbour_or_new(struct qlist *ql,
                                           struct qlist_node *n, int after,
                                           size_t total)
{
    struct qlist_node *nb = after ? n->next : n->prev;

    if (nb != NULL && node_allows(ql, nb, total))
        return nb;
    return node_new(ql, n, after);
}

/* Insert q's entry so that it precedes the entry at offset off of n (off ==
 * n->bytes: so that it follows n's last entry).  A full node hands the
 * entry to a neighbour at its ends, or is split.  Returns the node the
 * entry landed in and sets *landed to its offset there. */
static struct qlist_node *insert_at(struct qlist *ql, struct qlist_node *n,
                                    size_t off, const struct qlist_enc *q,
                                    size_t *landed)
{
    struct qlist_node *target = n;
    size_t at = off;

    if (!node_allows(ql, n, q->total)) {
        if (off == n->bytes) {
            target = neighbour_or_new(ql, n, 1, q->total);
            at = 0;
        } else if (off == 0) {
            target = neighbour_or_new(ql, n, 0, q->total);
            at = target->bytes;
        } else {
            struct qlist_node *m = node_split(ql, n, off);
            if (node_allows(ql, n, q->total)) {
                at = n->bytes;
            } else if (node_allows(ql, m, q->total)) {
                target = m;
                at = 0;
            } else {
                target = node_new(ql, n, 1);
                at = 0;
            }
        }
    }
    write_entry(ql, target, at, q);
    *landed = at;
    return target;
}

struct qlist *qlist_create(void)
{
    struct qlist *ql = xcalloc(1, sizeof(*ql));
    ql->fill = QLIST_DEFAULT_FILL;
    return ql;
}

void qlist_set_fill(struct qlist *ql, int fill)
{
    ql->fill = fill;
}

void qlist_free(struct qlist *ql)
{
    if (ql == NULL)
        return;
    struct qlist_node *n = ql->head;
    while (n != NULL) {
        struct qlist_node *next = n->next;
        xfree(n->buf);
        xfree(n);
        n = next;
    }
    xfree(ql);
}

size_t qlist_len(const struct qlist *ql)
{
    return ql->len;
}

size_t qlist_alloc_size(const struct qlist *ql)
{
    return sizeof(*ql) + ql->nodes * sizeof(struct qlist_node) + ql->buf_bytes;
}

size_t qlist_node_count(const struct qlist *ql)
{
    return ql->nodes;
}

void qlist_push(struct qlist *ql, int where, const void *p, size_t n)
{
    struct qlist_enc q;
    struct qlist_node *node = where == QLIST_HEAD ? ql->head : ql->tail;

    enc_prepare(&q, p, n);
    if (node == NULL || !node_allows(ql, node, q.total))
        node = node_new(ql, node, where == QLIST_TAIL);
    write_entry(ql, node, where == QLIST_HEAD ? 0 : node->bytes, &q);
}

int qlist_peek(struct qlist *ql, int where, struct qlist_entry *e)
{
    struct qlist_node *n = where == QLIST_HEAD ? ql->head : ql->tail;

    if (n == NULL)
        return -1;
    size_t off = where == QLIST_HEAD ? 0 : node_last_offset(n);
    entry_decode(node_base(n) + off, e);
    return 0;
}

int qlist_pop(struct qlist *ql, int where)
{
    struct qlist_node *n = where == QLIST_HEAD ? ql->head : ql->tail;

    if (n == NULL)
        return -1;
    if (where == QLIST_HEAD) {
        remove_entry(ql, n, 0, entry_size(node_base(n)), 0);
    } else {
        size_t sz = entry_prev_size(node_base(n) + n->bytes);
        remove_entry(ql, n, n->bytes - sz, sz, 0);
    }
    return 0;
}

int qlist_index(struct qlist *ql, long long index, struct qlist_entry *e)
{
    struct qlist_node *n;
    size_t i, off;

    if (normalize_index(ql, index, &i) != 0)
        return -1;
    locate(ql, i, &n, &off);
    entry_decode(node_base(n) + off, e);
    return 0;
}

int qlist_replace(struct qlist *ql, long long index, const void *p, size_t n)
{
    struct qlist_node *node;
    struct qlist_enc q;
    size_t i, off, landed;

    if (normalize_index(ql, index, &i) != 0)
        return -1;
    locate(ql, i, &node, &off);
    enc_prepare(&q, p, n);

    size_t old = entry_size(node_base(node) + off);
    node_close_gap(node, off, old);
    if (node->count == 1 || node->bytes + q.total <= node_limit(ql)) {
        enc_write(node_open_gap(ql, node, off, q.total), &q);
        node_maybe_shrink(ql, node);
    } else {
        /* Too big for its node: insert it as new where the old one was. */
        node->count--;
        ql->len--;
        insert_at(ql, node, off, &q, &landed);
    }
    return 0;
}

void qlist_delete_range(struct qlist *ql, long long start, long long count)
{
    struct qlist_node *n;
    size_t off;

    if (start < 0 || count <= 0 || (unsigned long long)start >= ql->len)
        return;
    size_t left = ql->len - (size_t)start;
    if ((unsigned long long)count < left)
        left = (size_t)count;

    locate(ql, (size_t)start, &n, &off);
    while (left > 0) {
        struct qlist_node *next = n->next;
        if (off == 0 && left >= n->count) {
            left -= n->count;
            ql->len -= n->count;
            node_free(ql, n);
        } else {
            const unsigned char *base = node_base(n);
            size_t end = off, k = 0;
            while (k < left && end < n->bytes) {
                end += entry_size(base + end);
                k++;
            }
            node_close_gap(n, off, end - off);
            n->count -= k;
            ql->len -= k;
            left -= k;
            /* Entries remain: those before off, or after the range. */
            node_maybe_shrink(ql, n);
        }
        n = next;
        off = 0;
    }
}

/* ---- iteration ---------------------------------------------------------- */

void qlist_iter_init(struct qlist_iter *it, struct qlist *ql, long long start,
                     int direction)
{
    struct qlist_node *n;
    size_t i, off;

    it->ql = ql;
    it->direction = direction;
    it->positioned = 1;
    it->node = NULL;
    it->offset = 0;
    it->index = start;
    if (normalize_index(ql, start, &i) != 0)
        return;
    locate(ql, i, &n, &off);
    it->node = n;
    it->offset = off;
    it->index = (long long)i;
}

/* Step from the current entry to the next one in the iteration's
 * direction. */
static void iter_advance(struct qlist_iter *it)
{
    struct qlist_node *n = it->node;

    if (n == NULL)
        return;
    if (it->direction == QLIST_TAIL) {
        it->offset += entry_size(node_base(n) + it->offset);
        if (it->offset >= n->bytes) {
            it->node = n->next;
            it->offset = 0;
        }
        it->index++;
    } else {
        if (it->offset == 0) {
            it->node = n->prev;
            if (it->node != NULL)
                it->offset = node_last_offset(it->node);
        } else {
            it->offset -= entry_prev_size(node_base(n) + it->offset);
        }
        it->index--;
    }
}

int qlist_iter_next(struct qlist_iter *it, struct qlist_entry *e)
{
    if (!it->positioned)
        iter_advance(it);
    if (it->node == NULL) {
        it->positioned = 1;
        return 0;
    }
    it->positioned = 0;
    entry_decode(node_base(it->node) + it->offset, e);
    return 1;
}

void qlist_iter_delete(struct qlist_iter *it)
{
    struct qlist_node *n = it->node;
    size_t off = it->offset;

    assert(!it->positioned && n != NULL);
    size_t sz = entry_size(node_base(n) + off);
    if (it->direction == QLIST_TAIL) {
        struct qlist_node *next = n->next;
        int was_last = off + sz == n->bytes;
        remove_entry(it->ql, n, off, sz, 1);
        if (was_last) {
            it->node = next;
            it->offset = 0;
        }
    } else {
        struct qlist_node *pn = n;
        size_t poff = 0;
        if (off == 0) {
            pn = n->prev;
            if (pn != NULL)
                poff = node_last_offset(pn);
        } else {
            poff = off - entry_prev_size(node_base(n) + off);
        }
        remove_entry(it->ql, n, off, sz, 1);
        it->node = pn;
        it->offset = poff;
        it->index--;
    }
    it->positioned = 1;
}

void qlist_iter_insert(struct qlist_iter *it, int after, const void *p,
                       size_t n)
{
    struct qlist_node *node = it->node;
    struct qlist_enc q;
    size_t off = it->offset, landed;

    assert(!it->positioned && node != NULL);
    enc_prepare(&q, p, n);
    if (after)
        off += entry_size(node_base(node) + off);
    struct qlist_node *ln = insert_at(it->ql, node, off, &q, &landed);

    if (after == (it->direction == QLIST_TAIL)) {
        /* The new element is next in line: make it current to skip it. */
        it->node = ln;
        it->offset = landed;
    } else if (after) {
        /* Towards the head, after the current entry: it precedes the new
         * element. */
        if (landed > 0) {
            it->node = ln;
            it->offset = landed - entry_prev_size(node_base(ln) + landed);
        } else {
            it->node = ln->prev;
            it->offset = node_last_offset(ln->prev);
        }
    } else if (landed + q.total < ln->bytes) {
        it->node = ln;
        it->offset = landed + q.total;
    } else {
        it->node = ln->next;
        it->offset = 0;
    }
    if (it->direction == QLIST_TAIL)
        it->index++;
}
