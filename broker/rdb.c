/* rdb.c -- Redis 7.0's RDB format (version 10): save and load.
 *
 * File layout: "REDIS0010", auxiliary fields (0xFA name value), then per
 * non-empty database 0xFE <db> 0xFB <keys> <keys with a TTL> and its keys,
 * each as [0xFC <ms, 8 bytes LE>] <type byte> <key> <value>; then 0xFF and
 * the CRC64 (Jones polynomial, reflected) of everything before it, 8 bytes
 * little endian.  A stored checksum of 0 means "not computed".
 *
 * Lengths take 1, 2, 5 or 9 bytes (the top two bits of the first byte say
 * which; 0b11 marks a specially encoded string instead: an integer of 8,
 * 16 or 32 bits, or LZF-compressed bytes).  Compact values are written as
 * a string holding a listpack (lists: one per quicklist node; small
 * hashes: alternating fields and values).
 *
 * The loader reads through a FILE and never trusts a length: every string
 * must fit in what is left of the file, and every packed blob is
 * validated entry by entry before its contents are used, so a truncated or
 * corrupt file is an error, never a crash or a huge allocation. */
#include "rdb.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "dict.h"
#include "hashobj.h"
#include "obj.h"
#include "qlist.h"
#include "server.h"
#include "util.h"

/* Type bytes and opcodes, as Redis numbers them. */
enum {
    RDB_TYPE_STRING = 0,
    RDB_TYPE_LIST = 1,
    RDB_TYPE_HASH = 4,
    RDB_TYPE_HASH_ZIPMAP = 9,
    RDB_TYPE_LIST_ZIPLIST = 10,
    RDB_TYPE_HASH_ZIPLIST = 13,
    RDB_TYPE_LIST_QUICKLIST = 14,
    RDB_TYPE_HASH_LISTPACK = 16,
    RDB_TYPE_LIST_QUICKLIST_2 = 18,
    RDB_OP_MODULE_AUX = 0xF5,
    RDB_OP_FUNCTION_PRE_GA = 0xF6,
    RDB_OP_FUNCTION2 = 0xF7,
    RDB_OP_IDLE = 0xF8,
    RDB_OP_FREQ = 0xF9,
    RDB_OP_AUX = 0xFA,
    RDB_OP_RESIZEDB = 0xFB,
    RDB_OP_EXPIRETIME_MS = 0xFC,
    RDB_OP_EXPIRETIME = 0xFD,
    RDB_OP_SELECTDB = 0xFE,
    RDB_OP_EOF = 0xFF
};

#define RDB_ENC_INT8  0
#define RDB_ENC_INT16 1
#define RDB_ENC_INT32 2
#define RDB_ENC_LZF   3

#define QUICKLIST_NODE_PLAIN  1
#define QUICKLIST_NODE_PACKED 2

#define RDB_LZF_MIN_LEN  21 /* Redis compresses strings longer than 20 */
#define LZF_HASH_BITS    14
#define LZF_MAX_OFFSET   8192
#define LZF_MAX_LITERAL  32
#define LZF_MAX_MATCH    264
#define LZF_MAX_RATIO    100 /* output bytes per input byte, generously */
#define WRITE_BUF_SIZE   (64 * 1024)
#define PACK_INT_MAX_LEN 20 /* longest decimal that may be packed as int */
#define AUTOSYNC_BYTES   (4 * 1024 * 1024) /* incremental fsync, as Redis */

static int compression = 1;
static int checksum = 1;
static int incremental_fsync;
static int load_replace;      /* loading replaces existing keys */
static int load_keep_expired; /* loading an AOF base: expired keys stay */
static int aof_base; /* the aof-base aux field: writing an AOF's base */
static struct rdb_load_stats last_load;

void rdb_set_compression(int on)
{
    compression = on;
}

void rdb_apply_config(void)
{
    compression = server.rdb_compression;
    checksum = server.rdb_checksum;
    incremental_fsync = server.rdb_save_incremental_fsync;
}

void rdb_set_incremental_fsync(int on)
{
    incremental_fsync = on;
}

void rdb_set_load_replace(int on)
{
    load_replace = on;
}

void rdb_set_load_keep_expired(int on)
{
    load_keep_expired = on;
}

/* A key's smallest form in a file: type, a 1-byte name, a 1-byte value. */
#define RDB_MIN_KEY_BYTES 4

/* Keys between two looks at the clock for progress reports. */
#define PROGRESS_EVERY_KEYS 1024

static rdb_progress_fn *progress_fn;

void rdb_set_progress(rdb_progress_fn *fn)
{
    progress_fn = fn;
}

/* Count one key; report when RDB_PROGRESS_MS passed since the last report
 * (*last_ms, 0 before the first). */
static void progress_tick(int saving, unsigned long long *keys,
                          unsigned long long done, unsigned long long total,
                          long long *last_ms)
{
    if (progress_fn == NULL || ++*keys % PROGRESS_EVERY_KEYS != 0)
        return;
    long long now = util_monotonic_us() / 1000;
    if (*last_ms == 0) {
        *last_ms = now;
    } else if (now - *last_ms >= RDB_PROGRESS_MS) {
        *last_ms = now;
        progress_fn(saving, done, total);
    }
}

void rdb_set_aof_base(int on)
{
    aof_base = on;
}

const struct rdb_load_stats *rdb_last_load_stats(void)
{
    return &last_load;
}

/* ---- CRC64 (Jones), as Redis's crc64.c computes it ------------------- */

#define CRC64_POLY_REFLECTED 0x95ac9329ac4bc9b5ULL

static uint64_t crc64_table[256];

static void crc64_init(void)
{
    if (crc64_table[1] != 0)
        return;
    for (unsigned i = 0; i < 256; i++) {
        uint64_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ CRC64_POLY_REFLECTED : c >> 1;
        crc64_table[i] = c;
    }
}

static uint64_t crc64_update(uint64_t crc, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        crc = crc64_table[(crc ^ s[i]) & 0xff] ^ (crc >> 8);
    return crc;
}

/* ---- little-endian helpers ------------------------------------------- */

static uint64_t get_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void put_le(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++, v >>= 8)
        p[i] = (unsigned char)(v & 0xff);
}

/* Sign-extend the low bits of v. */
static int64_t sign_extend(uint64_t v, int bits)
{
    uint64_t m = 1ULL << (bits - 1);
    v &= bits == 64 ? ~0ULL : (1ULL << bits) - 1;
    return (int64_t)((v ^ m) - m);
}

/* Does p[0..n) spell a long long exactly as Redis prints it? */
static int canonical_ll(const char *p, size_t n, long long *v)
{
    return n > 0 && n <= PACK_INT_MAX_LEN && util_str2ll(p, n, v) == 0;
}

/* ---- LZF -------------------------------------------------------------- */

static unsigned lzf_hash(const unsigned char *p)
{
    uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    return (v * 2654435761u) >> (32 - LZF_HASH_BITS);
}

/* Append a literal run of n (1..32) bytes; returns the new out length, or
 * 0 when it does not fit in cap. */
static size_t lzf_literal(unsigned char *out, size_t o, size_t cap,
                          const unsigned char *p, size_t n)
{
    if (o + 1 + n > cap)
        return 0;
    out[o++] = (unsigned char)(n - 1);
    memcpy(out + o, p, n);
    return o + n;
}

static size_t lzf_backref(unsigned char *out, size_t o, size_t cap, size_t off,
                          size_t len)
{
    size_t l = len - 2;
    if (o + (l < 7 ? 2 : 3) > cap)
        return 0;
    if (l < 7) {
        out[o++] = (unsigned char)(l << 5 | off >> 8);
    } else {
        out[o++] = (unsigned char)(7 << 5 | off >> 8);
        out[o++] = (unsigned char)(l - 7);
    }
    out[o++] = (unsigned char)(off & 0xff);
    return o;
}

/* Compress in[0..n) into out[0..cap) in LZF's format (literal runs and
 * back-references of up to 8 KiB), finding matches through table (of
 * 1 << LZF_HASH_BITS slots; stale contents are harmless, every candidate
 * is verified).  Returns the compressed length, or 0 if it does not fit. */
static size_t lzf_compress(const unsigned char *in, size_t n,
                           unsigned char *out, size_t cap, uint32_t *table)
{
    size_t ip = 0, lit = 0, o = 0;
    while (ip < n) {
        size_t len = 0, ref = 0;
        if (ip + 3 <= n) {
            unsigned h = lzf_hash(in + ip);
            ref = table[h];
            table[h] = (uint32_t)ip;
            if (ref < ip && ip - ref <= LZF_MAX_OFFSET &&
                memcmp(in + ref, in + ip, 3) == 0) {
                len = 3;
                while (len < LZF_MAX_MATCH && ip + len < n &&
                       in[ref + len] == in[ip + len])
                    len++;
            }
        }
        if (len == 0) {
            if (++lit == LZF_MAX_LITERAL) {
                o = lzf_literal(out, o, cap, in + ip + 1 - lit, lit);
                lit = 0;
                if (o == 0)
                    return 0;
            }
            ip++;
            continue;
        }
        if (lit > 0 && (o = lzf_literal(out, o, cap, in + ip - lit, lit)) == 0)
            return 0;
        lit = 0;
        if ((o = lzf_backref(out, o, cap, ip - ref - 1, len)) == 0)
            return 0;
        ip += len;
    }
    if (lit > 0)
        o = lzf_literal(out, o, cap, in + n - lit, lit);
    return o;
}

/* Decompress in[0..n) into exactly out_len bytes at out.  Returns 0, or -1
 * when the data is corrupt or does not produce exactly out_len bytes. */
static int lzf_decompress(const unsigned char *in, size_t n, unsigned char *out,
                          size_t out_len)
{
    size_t ip = 0, op = 0;
    while (ip < n) {
        unsigned ctrl = in[ip++];
        if (ctrl < 32) {
            size_t run = ctrl + 1;
            if (ip + run > n || op + run > out_len)
                return -1;
            memcpy(out + op, in + ip, run);
            ip += run;
            op += run;
            continue;
        }
        size_t len = ctrl >> 5;
        if (len == 7 && ip < n)
            len += in[ip++];
        if (ip >= n)
            return -1;
        size_t back = ((size_t)(ctrl & 0x1f) << 8 | in[ip++]) + 1;
        len += 2;
        if (back > op || op + len > out_len)
            return -1;
        for (size_t i = 0; i < len; i++, op++)
            out[op] = out[op - back];
    }
    return op == out_len ? 0 : -1;
}

/* ---- listpack encoding ------------------------------------------------ */

struct pack_buf {
    unsigned char *p;
    size_t len, cap;
    size_t count;
};

static unsigned char *pack_grow(struct pack_buf *b, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    unsigned char *at = b->p + b->len;
    b->len += n;
    return at;
}

/* Start an empty listpack (header: total bytes, element count). */
static void pack_reset(struct pack_buf *b)
{
    b->len = 0;
    b->count = 0;
    pack_grow(b, 6);
}

/* The listpack header and element encoding of an integer; returns its
 * size in buf. */
static size_t pack_int_encoding(unsigned char *buf, long long v)
{
    if (v >= 0 && v <= 127) {
        buf[0] = (unsigned char)v;
        return 1;
    }
    if (v >= -4096 && v <= 4095) {
        uint64_t u = (uint64_t)v & 0x1fff;
        buf[0] = (unsigned char)(0xC0 | u >> 8);
        buf[1] = (unsigned char)(u & 0xff);
        return 2;
    }
    int bytes = v >= -32768 && v <= 32767          ? 2
                : v >= -8388608 && v <= 8388607    ? 3
                : v >= INT32_MIN && v <= INT32_MAX ? 4
                                                   : 8;
    buf[0] = (unsigned char)(bytes == 2   ? 0xF1
                             : bytes == 3 ? 0xF2
                             : bytes == 4 ? 0xF3
                                          : 0xF4);
    put_le(buf + 1, (uint64_t)v, bytes);
    return (size_t)bytes + 1;
}

static size_t pack_str_header(unsigned char *buf, size_t n)
{
    if (n < 64) {
        buf[0] = (unsigned char)(0x80 | n);
        return 1;
    }
    if (n < 4096) {
        buf[0] = (unsigned char)(0xE0 | n >> 8);
        buf[1] = (unsigned char)(n & 0xff);
        return 2;
    }
    buf[0] = 0xF0;
    put_le(buf + 1, n, 4);
    return 5;
}

/* Bytes of the back-length of an entry of l bytes (Redis's thresholds). */
static size_t pack_backlen_size(size_t l)
{
    return l <= 127        ? 1
           : l < 16383     ? 2
           : l < 2097151   ? 3
           : l < 268435455 ? 4
                           : 5;
}

/* The back-length: the entry's size, 7 bits a byte, most significant
 * first; every byte but the first has the high bit set, so a reader going
 * backwards knows where it ends. */
static void pack_put_backlen(unsigned char *p, size_t l)
{
    size_t n = pack_backlen_size(l);
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)(l >> (7 * (n - 1 - i)) & 127);
        p[i] = i == 0 ? b : (unsigned char)(b | 128);
    }
}

/* Append one element, packed as an integer when it spells one. */
static void pack_append(struct pack_buf *b, const char *s, size_t n)
{
    unsigned char hdr[9];
    long long v;
    size_t h, data = 0;
    if (canonical_ll(s, n, &v)) {
        h = pack_int_encoding(hdr, v);
    } else {
        h = pack_str_header(hdr, n);
        data = n;
    }
    size_t l = h + data;
    unsigned char *at = pack_grow(b, l + pack_backlen_size(l));
    memcpy(at, hdr, h);
    if (data > 0)
        memcpy(at + h, s, data);
    pack_put_backlen(at + l, l);
    b->count++;
}

/* Close the listpack: the end byte, then the header. */
static void pack_finish(struct pack_buf *b)
{
    *pack_grow(b, 1) = 0xFF;
    put_le(b->p, b->len, 4);
    put_le(b->p + 4, b->count > 65535 ? 65535 : b->count, 2);
}

/* ---- writer ----------------------------------------------------------- */

struct rdb_writer {
    int fd;
    int failed;
    int saved_errno; /* of the failed write */
    uint64_t crc;
    size_t used;
    size_t unsynced; /* bytes written since the last incremental fsync */
    unsigned char buf[WRITE_BUF_SIZE];
    uint32_t lzf_table[1 << LZF_HASH_BITS];
    unsigned char *lzf_out; /* scratch for compressed strings */
    size_t lzf_cap;
    struct pack_buf pack;
    char *err;
    unsigned long long keys_done, keys_total; /* progress reports */
    long long progress_ms;
};

static void writer_fail(struct rdb_writer *w, int err)
{
    w->saved_errno = err;
    snprintf(w->err, RDB_ERR_LEN, "Write error saving DB on disk: %s",
             strerror(err));
    w->failed = 1;
}

/* Write the buffer out; with incremental fsync, make every 4 MB durable
 * as it goes, so the final fsync has little left to do and the kernel
 * never holds a whole dump of dirty pages. */
static void writer_flush(struct rdb_writer *w)
{
    size_t off = 0;
    while (!w->failed && off < w->used) {
        ssize_t n = write(w->fd, w->buf + off, w->used - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            writer_fail(w, n < 0 ? errno : ENOSPC);
        else
            off += (size_t)n;
    }
    w->unsynced += w->used;
    w->used = 0;
    if (!w->failed && incremental_fsync && w->unsynced >= AUTOSYNC_BYTES) {
        if (fdatasync(w->fd) != 0)
            writer_fail(w, errno);
        w->unsynced = 0;
    }
}

static void put_bytes(struct rdb_writer *w, const void *p, size_t n)
{
    const unsigned char *s = p;
    if (checksum)
        w->crc = crc64_update(w->crc, s, n);
    while (n > 0 && !w->failed) {
        size_t room = WRITE_BUF_SIZE - w->used;
        size_t k = n < room ? n : room;
        memcpy(w->buf + w->used, s, k);
        w->used += k;
        s += k;
        n -= k;
        if (w->used == WRITE_BUF_SIZE)
            writer_flush(w);
    }
}

static void put_byte(struct rdb_writer *w, unsigned char b)
{
    put_bytes(w, &b, 1);
}

/* A length: 6 bits in one byte, 14 bits in two, else a marker byte and a
 * big-endian 32- or 64-bit number. */
static void put_len(struct rdb_writer *w, uint64_t len)
{
    unsigned char b[9];
    if (len < 64) {
        put_byte(w, (unsigned char)len);
    } else if (len < 16384) {
        b[0] = (unsigned char)(0x40 | len >> 8);
        b[1] = (unsigned char)(len & 0xff);
        put_bytes(w, b, 2);
    } else {
        int wide = len > UINT32_MAX;
        b[0] = wide ? 0x81 : 0x80;
        for (int i = 0, n = wide ? 8 : 4; i < n; i++)
            b[1 + i] = (unsigned char)(len >> (8 * (n - 1 - i)));
        put_bytes(w, b, wide ? 9 : 5);
    }
}

/* The integer encodings of a string: returns 1 if v was written as one. */
static int put_int_string(struct rdb_writer *w, long long v)
{
    unsigned char b[5];
    int n = v >= -128 && v <= 127              ? 1
            : v >= -32768 && v <= 32767        ? 2
            : v >= INT32_MIN && v <= INT32_MAX ? 4
                                               : 0;
    if (n == 0)
        return 0;
    b[0] = (unsigned char)(0xC0 | (n == 1   ? RDB_ENC_INT8
                                   : n == 2 ? RDB_ENC_INT16
                                            : RDB_ENC_INT32));
    put_le(b + 1, (uint64_t)v, n);
    put_bytes(w, b, (size_t)n + 1);
    return 1;
}

/* LZF form of a string, when compression saves at least 4 bytes: returns
 * 1 if written. */
static int put_lzf_string(struct rdb_writer *w, const char *s, size_t n)
{
    if (w->lzf_cap < n) {
        w->lzf_cap = n;
        w->lzf_out = xrealloc(w->lzf_out, n);
    }
    size_t c = lzf_compress((const unsigned char *)s, n, w->lzf_out, n - 4,
                            w->lzf_table);
    if (c == 0)
        return 0;
    put_byte(w, 0xC0 | RDB_ENC_LZF);
    put_len(w, c);
    put_len(w, n);
    put_bytes(w, w->lzf_out, c);
    return 1;
}

/* A string in the smallest form Redis would choose: an integer encoding
 * for short canonical integers, LZF for longer strings, else raw. */
static void put_string(struct rdb_writer *w, const char *s, size_t n)
{
    long long v;
    if (n <= 11 && canonical_ll(s, n, &v) && put_int_string(w, v))
        return;
    if (compression && n >= RDB_LZF_MIN_LEN && put_lzf_string(w, s, n))
        return;
    put_len(w, n);
    put_bytes(w, s, n);
}

static void put_aux(struct rdb_writer *w, const char *name, const char *val)
{
    put_byte(w, RDB_OP_AUX);
    put_string(w, name, strlen(name));
    put_string(w, val, strlen(val));
}

static void put_aux_ll(struct rdb_writer *w, const char *name, long long v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", v);
    put_aux(w, name, buf);
}

/* ---- saving values ---------------------------------------------------- */

static void put_pack(struct rdb_writer *w)
{
    pack_finish(&w->pack);
    put_string(w, (const char *)w->pack.p, w->pack.len);
}

/* A list as a quicklist of listpacks, one per qlist node, so the dump
 * keeps the node boundaries the list has in memory. */
static void save_list(struct rdb_writer *w, struct qlist *ql)
{
    struct qlist_iter it;
    struct qlist_entry e;
    void *node = NULL;

    put_len(w, qlist_node_count(ql));
    qlist_iter_init(&it, ql, 0, QLIST_TAIL);
    while (qlist_iter_next(&it, &e)) {
        if (it.node != node) {
            if (node != NULL)
                put_pack(w);
            node = it.node;
            put_len(w, QUICKLIST_NODE_PACKED);
            pack_reset(&w->pack);
        }
        pack_append(&w->pack, e.ptr, e.len);
    }
    if (node != NULL)
        put_pack(w);
}

static void save_hash(struct rdb_writer *w, struct obj *o)
{
    struct hashobj_iter it;
    struct hashobj_entry e;
    int packed = o->encoding == OBJ_ENC_LISTPACK;

    if (packed)
        pack_reset(&w->pack);
    else
        put_len(w, hashobj_len(o));
    hashobj_iter_init(&it, o);
    while (hashobj_iter_next(&it, &e)) {
        if (packed) {
            pack_append(&w->pack, e.field, e.field_len);
            pack_append(&w->pack, e.value, e.value_len);
        } else {
            put_string(w, e.field, e.field_len);
            put_string(w, e.value, e.value_len);
        }
    }
    hashobj_iter_end(&it);
    if (packed)
        put_pack(w);
}

/* One key: its TTL, type, name and value. */
static void save_key(struct rdb_writer *w, struct db *db, bstr key,
                     struct obj *o)
{
    long long when = db_get_expire(db, key, bstr_len(key));
    if (when != -1) {
        unsigned char b[8];
        put_le(b, (uint64_t)when, 8);
        put_byte(w, RDB_OP_EXPIRETIME_MS);
        put_bytes(w, b, 8);
    }
    unsigned char type =
        o->type == OBJ_LIST ? RDB_TYPE_LIST_QUICKLIST_2
        : o->type == OBJ_HASH
            ? (o->encoding == OBJ_ENC_LISTPACK ? RDB_TYPE_HASH_LISTPACK
                                               : RDB_TYPE_HASH)
            : RDB_TYPE_STRING;
    put_byte(w, type);
    put_string(w, key, bstr_len(key));
    if (o->type == OBJ_LIST) {
        save_list(w, o->v.data);
    } else if (o->type == OBJ_HASH) {
        save_hash(w, o);
    } else {
        char buf[24];
        size_t len;
        const char *s = obj_str(o, buf, &len);
        put_string(w, s, len);
    }
}

static void save_db(struct rdb_writer *w, struct db *db)
{
    struct dict_iter it;
    struct dict_entry *e;

    put_byte(w, RDB_OP_SELECTDB);
    put_len(w, (uint64_t)db->id);
    put_byte(w, RDB_OP_RESIZEDB);
    put_len(w, dict_size(db->keys));
    put_len(w, dict_size(db->expires));
    dict_iter_start(&it, db->keys);
    while ((e = dict_iter_next(&it)) != NULL && !w->failed) {
        save_key(w, db, e->key, e->v.ptr);
        progress_tick(1, &w->keys_done, w->keys_done + 1, w->keys_total,
                      &w->progress_ms);
    }
    dict_iter_end(&it);
}

/* The auxiliary fields Redis 7.0 writes for a plain SAVE. */
static void save_header(struct rdb_writer *w)
{
    char magic[16];
    snprintf(magic, sizeof(magic), "REDIS%04d", RDB_VERSION);
    put_bytes(w, magic, 9);
    put_aux(w, "redis-ver", RESPD_VERSION);
    put_aux_ll(w, "redis-bits", (long long)sizeof(void *) * 8);
    put_aux_ll(w, "ctime", (long long)time(NULL));
    put_aux_ll(w, "used-mem", (long long)util_used_memory());
    put_aux_ll(w, "aof-base", aof_base);
}

int rdb_save_to_fd(int fd, char *err)
{
    struct rdb_writer *w = xcalloc(1, sizeof(*w));
    w->fd = fd;
    w->err = err;
    crc64_init();

    for (int i = 0; i < server.databases; i++)
        if (db_get(i) != NULL)
            w->keys_total += dict_size(db_get(i)->keys);
    save_header(w);
    for (int i = 0; i < server.databases && !w->failed; i++) {
        struct db *db = db_get(i);
        if (db != NULL && dict_size(db->keys) > 0)
            save_db(w, db);
    }
    put_byte(w, RDB_OP_EOF);
    unsigned char b[8];
    put_le(b, w->crc, 8);
    put_bytes(w, b, 8);
    writer_flush(w);

    int failed = w->failed, saved_errno = w->saved_errno;
    xfree(w->lzf_out);
    xfree(w->pack.p);
    xfree(w);
    if (failed)
        errno = saved_errno;
    return failed ? -1 : 0;
}

/* ---- reader ----------------------------------------------------------- */

struct rdb_reader {
    FILE *fp;
    uint64_t crc;
    uint64_t left; /* bytes not yet read from the file */
    uint64_t offset;
    char *err;
};

/* Record the first error only; returns -1 for the caller to pass on. */
static int load_error(struct rdb_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int load_error(struct rdb_reader *r, const char *fmt, ...)
{
    if (r->err[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, RDB_ERR_LEN, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int short_read(struct rdb_reader *r)
{
    return load_error(r,
                      "Short read loading DB at offset %llu "
                      "(truncated file?)",
                      (unsigned long long)r->offset);
}

static int get_bytes(struct rdb_reader *r, void *p, size_t n)
{
    if (n > r->left || fread(p, 1, n, r->fp) != n)
        return short_read(r);
    if (checksum)
        r->crc = crc64_update(r->crc, p, n);
    r->left -= n;
    r->offset += n;
    return 0;
}

static int get_byte(struct rdb_reader *r, unsigned char *b)
{
    return get_bytes(r, b, 1);
}

/* A length, or with *encoded set the string encoding (RDB_ENC_*) that a
 * 0b11 first byte announces.  Returns 0 or -1. */
static int get_len_enc(struct rdb_reader *r, uint64_t *len, int *encoded)
{
    unsigned char b[8];
    *encoded = 0;
    if (get_byte(r, b) < 0)
        return -1;
    int kind = b[0] >> 6;
    if (kind == 3) {
        *encoded = 1;
        *len = b[0] & 0x3f;
        return 0;
    }
    if (kind == 0) {
        *len = b[0] & 0x3f;
        return 0;
    }
    if (kind == 1) {
        *len = (uint64_t)(b[0] & 0x3f) << 8;
        if (get_byte(r, b) < 0)
            return -1;
        *len |= b[0];
        return 0;
    }
    int n = b[0] == 0x80 ? 4 : b[0] == 0x81 ? 8 : 0;
    if (n == 0)
        return load_error(r, "Unknown length encoding 0x%02x at offset %llu",
                          b[0], (unsigned long long)r->offset - 1);
    if (get_bytes(r, b, (size_t)n) < 0)
        return -1;
    *len = 0;
    for (int i = 0; i < n; i++)
        *len = *len << 8 | b[i];
    return 0;
}

static int get_len(struct rdb_reader *r, uint64_t *len)
{
    int encoded;
    if (get_len_enc(r, len, &encoded) < 0)
        return -1;
    if (encoded)
        return load_error(r,
                          "Unexpected string encoding where a length "
                          "belongs, at offset %llu",
                          (unsigned long long)r->offset - 1);
    return 0;
}

static int get_lzf_string(struct rdb_reader *r, bstr *out)
{
    uint64_t clen, ulen;
    if (get_len(r, &clen) < 0 || get_len(r, &ulen) < 0)
        return -1;
    if (clen > r->left)
        return short_read(r);
    if (ulen > BSTR_MAX_LEN || ulen > clen * LZF_MAX_RATIO)
        return load_error(r, "Invalid LZF lengths at offset %llu",
                          (unsigned long long)r->offset);
    unsigned char *in = xmalloc(clen ? clen : 1);
    bstr s = bstr_empty(ulen);
    int rc = get_bytes(r, in, clen);
    if (rc == 0 && lzf_decompress(in, clen, (unsigned char *)s, ulen) < 0)
        rc = load_error(r, "Invalid LZF compressed string at offset %llu",
                        (unsigned long long)r->offset);
    xfree(in);
    if (rc < 0) {
        bstr_free(s);
        return -1;
    }
    bstr_set_len(s, ulen);
    *out = s;
    return 0;
}

static int get_int_string(struct rdb_reader *r, int enc, bstr *out)
{
    unsigned char b[4];
    int n = enc == RDB_ENC_INT8 ? 1 : enc == RDB_ENC_INT16 ? 2 : 4;
    if (get_bytes(r, b, (size_t)n) < 0)
        return -1;
    *out = bstr_from_ll(sign_extend(get_le(b, n), 8 * n));
    return 0;
}

/* A string in any of its encodings, as a new bstr. */
static int get_string(struct rdb_reader *r, bstr *out)
{
    uint64_t len;
    int encoded;
    if (get_len_enc(r, &len, &encoded) < 0)
        return -1;
    if (encoded && len <= RDB_ENC_INT32)
        return get_int_string(r, (int)len, out);
    if (encoded && len == RDB_ENC_LZF)
        return get_lzf_string(r, out);
    if (encoded)
        return load_error(r, "Unknown string encoding %d at offset %llu",
                          (int)len, (unsigned long long)r->offset - 1);
    if (len > r->left)
        return short_read(r);
    bstr s = bstr_empty(len);
    if (get_bytes(r, s, len) < 0) {
        bstr_free(s);
        return -1;
    }
    bstr_set_len(s, len);
    *out = s;
    return 0;
}

/* ---- packed blobs: listpack, ziplist, zipmap -------------------------- */

enum pack_kind { PACK_LISTPACK, PACK_ZIPLIST, PACK_ZIPMAP };

struct pack_iter {
    enum pack_kind kind;
    const unsigned char *p, *end; /* next entry; the end marker */
    int zipmap_value;             /* zipmap: next item is a value */
    const char *ptr;              /* the item returned */
    size_t len;
    char buf[24];
};

static void pack_item_int(struct pack_iter *it, int64_t v)
{
    it->len = (size_t)util_ll2str(it->buf, sizeof(it->buf), v);
    it->ptr = it->buf;
}

/* Decode the listpack entry at it->p, checking that it and its back-length
 * lie before the end marker.  Returns 1, or -1 if corrupt. */
static int listpack_next(struct pack_iter *it)
{
    const unsigned char *p = it->p;
    size_t room = (size_t)(it->end - p), h = 1, data = 0, intlen = 0;
    unsigned b = p[0];
    if (b < 0x80) {
        pack_item_int(it, b);
    } else if ((b & 0xC0) == 0x80) {
        data = b & 0x3f;
    } else if ((b & 0xE0) == 0xC0) {
        h = 2;
        intlen = 1;
    } else if ((b & 0xF0) == 0xE0) {
        h = 2;
        data = room < 2 ? 0 : (size_t)(b & 0x0f) << 8 | p[1];
    } else if (b == 0xF0) {
        h = 5;
        data = room < 5 ? 0 : (size_t)get_le(p + 1, 4);
    } else if (b >= 0xF1 && b <= 0xF4) {
        intlen = b == 0xF4 ? 8 : b - 0xF1 + 2;
        h = 1 + intlen;
    } else {
        return -1;
    }
    size_t l = h + data;
    if (l > room || pack_backlen_size(l) > room - l)
        return -1;
    if (intlen == 1)
        pack_item_int(it, sign_extend((uint64_t)(b & 0x1f) << 8 | p[1], 13));
    else if (intlen > 1)
        pack_item_int(it,
                      sign_extend(get_le(p + 1, (int)intlen), (int)intlen * 8));
    else if (b >= 0x80) {
        it->ptr = (const char *)p + h;
        it->len = data;
    }
    size_t bl = pack_backlen_size(l), back = 0;
    for (size_t i = 0; i < bl; i++)
        back = back << 7 | (p[l + i] & 127);
    if (back != l)
        return -1;
    it->p = p + l + bl;
    return 1;
}

/* Decode the ziplist entry at it->p (after its previous-length field).
 * Returns 1, or -1 if corrupt. */
static int ziplist_next(struct pack_iter *it)
{
    const unsigned char *p = it->p;
    size_t room = (size_t)(it->end - p);
    size_t pl = p[0] < 254 ? 1 : 5;
    if (p[0] == 255 || pl + 1 > room)
        return -1;
    p += pl;
    room -= pl;
    unsigned b = p[0];
    size_t h = 1, data = 0;
    int intlen = -1;
    if (b >> 6 == 0) {
        data = b & 0x3f;
    } else if (b >> 6 == 1) {
        h = 2;
        data = room < 2 ? 0 : (size_t)(b & 0x3f) << 8 | p[1];
    } else if (b == 0x80) {
        h = 5;
        data = room < 5 ? 0
                        : (size_t)p[1] << 24 | (size_t)p[2] << 16 |
                              (size_t)p[3] << 8 | p[4];
    } else if (b == 0xC0 || b == 0xD0 || b == 0xE0 || b == 0xF0 || b == 0xFE) {
        intlen = b == 0xC0   ? 2
                 : b == 0xD0 ? 4
                 : b == 0xE0 ? 8
                 : b == 0xF0 ? 3
                             : 1;
        h = 1 + (size_t)intlen;
    } else if (b >= 0xF1 && b <= 0xFD) {
        intlen = 0;
    } else {
        return -1;
    }
    if (h + data > room)
        return -1;
    if (intlen == 0)
        pack_item_int(it, (int64_t)(b & 0x0f) - 1);
    else if (intlen > 0)
        pack_item_int(it, sign_extend(get_le(p + 1, intlen), intlen * 8));
    else {
        it->ptr = (const char *)p + h;
        it->len = data;
    }
    it->p = p + h + data;
    return 1;
}

/* A zipmap length: one byte below 254, or 254 and 4 bytes.  Returns the
 * bytes used, 0 if corrupt. */
static size_t zipmap_len(const unsigned char *p, size_t room, size_t *len)
{
    if (room < 1 || p[0] == 255)
        return 0;
    if (p[0] < 254) {
        *len = p[0];
        return 1;
    }
    if (room < 5)
        return 0;
    *len = (size_t)get_le(p + 1, 4);
    return 5;
}

/* Keys and values alternate; a value carries a "free" byte count and that
 * much padding after it.  Returns 1, or -1 if corrupt. */
static int zipmap_next(struct pack_iter *it)
{
    const unsigned char *p = it->p;
    size_t room = (size_t)(it->end - p), len, n = zipmap_len(p, room, &len);
    size_t free_bytes = 0;
    if (n == 0)
        return -1;
    if (it->zipmap_value) {
        if (n + 1 > room)
            return -1;
        free_bytes = p[n++];
    }
    if (len > room - n || free_bytes > room - n - len)
        return -1;
    it->ptr = (const char *)p + n;
    it->len = len;
    it->p = p + n + len + free_bytes;
    it->zipmap_value = !it->zipmap_value;
    return 1;
}

/* Check the blob's header and end marker and set up iteration.  Returns
 * 0, or -1 if the header does not describe the blob. */
static int pack_iter_init(struct pack_iter *it, enum pack_kind kind,
                          const unsigned char *blob, size_t n)
{
    size_t hdr = kind == PACK_LISTPACK ? 6 : kind == PACK_ZIPLIST ? 10 : 1;
    memset(it, 0, sizeof(*it));
    it->kind = kind;
    if (n < hdr + 1 || blob[n - 1] != 0xFF)
        return -1;
    if (kind != PACK_ZIPMAP && get_le(blob, 4) != n)
        return -1;
    it->p = blob + hdr;
    it->end = blob + n - 1;
    return 0;
}

/* The next item.  Returns 1, 0 at the end marker, -1 if corrupt. */
static int pack_iter_next(struct pack_iter *it)
{
    if (it->p == it->end)
        return it->zipmap_value ? -1 : 0;
    if (it->kind == PACK_LISTPACK)
        return listpack_next(it);
    return it->kind == PACK_ZIPLIST ? ziplist_next(it) : zipmap_next(it);
}

/* ---- loading values --------------------------------------------------- */

/* Append every item of a packed blob to a list, or add them as field/value
 * pairs to a hash.  Returns 0, or -1 (corrupt blob, duplicate field). */
static int load_pack_items(struct rdb_reader *r, struct obj *o,
                           enum pack_kind kind, bstr blob)
{
    struct pack_iter it;
    char *field = NULL;
    size_t flen = 0, items = 0;
    int rc;
    if (pack_iter_init(&it, kind, (const unsigned char *)blob, bstr_len(blob)) <
        0)
        return load_error(r, "Corrupt packed value header");
    while ((rc = pack_iter_next(&it)) == 1) {
        items++;
        if (o->type == OBJ_LIST) {
            qlist_push(o->v.data, QLIST_TAIL, it.ptr, it.len);
        } else if (field == NULL) {
            field = bstr_new(it.ptr, it.len);
            flen = it.len;
        } else {
            rc = hashobj_set(o, field, flen, it.ptr, it.len) == 1 ? 0 : -2;
            bstr_free(field);
            field = NULL;
            if (rc < 0)
                break;
        }
    }
    bstr_free(field);
    if (rc == -2)
        return load_error(r, "Duplicate hash fields detected");
    if (rc < 0 || field != NULL || (o->type == OBJ_HASH && items % 2))
        return load_error(r, "Corrupt packed value");
    return 0;
}

/* A string holding a packed blob, loaded into o. */
static int load_blob(struct rdb_reader *r, struct obj *o, enum pack_kind kind)
{
    bstr blob;
    if (get_string(r, &blob) < 0)
        return -1;
    int rc = load_pack_items(r, o, kind, blob);
    bstr_free(blob);
    return rc;
}

static struct obj *new_list(void)
{
    struct obj *o = obj_list_create();
    if (server.list_max_listpack_size != 0)
        qlist_set_fill(o->v.data, server.list_max_listpack_size);
    return o;
}

/* RDB_TYPE_LIST: a count, then the elements. */
static int load_plain_list(struct rdb_reader *r, struct obj *o)
{
    uint64_t n;
    if (get_len(r, &n) < 0)
        return -1;
    for (uint64_t i = 0; i < n; i++) {
        bstr s;
        if (get_string(r, &s) < 0)
            return -1;
        qlist_push(o->v.data, QLIST_TAIL, s, bstr_len(s));
        bstr_free(s);
    }
    return 0;
}

/* Quicklists: a node count, then per node a packed blob (version 2 adds a
 * container byte before each: plain nodes hold one element as is). */
static int load_quicklist(struct rdb_reader *r, struct obj *o, int version2)
{
    uint64_t nodes, container = QUICKLIST_NODE_PACKED;
    if (get_len(r, &nodes) < 0)
        return -1;
    for (uint64_t i = 0; i < nodes; i++) {
        if (version2 && get_len(r, &container) < 0)
            return -1;
        if (container == QUICKLIST_NODE_PLAIN) {
            bstr s;
            if (get_string(r, &s) < 0)
                return -1;
            qlist_push(o->v.data, QLIST_TAIL, s, bstr_len(s));
            bstr_free(s);
        } else if (container != QUICKLIST_NODE_PACKED) {
            return load_error(r,
                              "Quicklist integrity check failed: unknown "
                              "container %llu",
                              (unsigned long long)container);
        } else if (load_blob(r, o, version2 ? PACK_LISTPACK : PACK_ZIPLIST) <
                   0) {
            return -1;
        }
    }
    return 0;
}

/* RDB_TYPE_HASH: a pair count, then fields and values. */
static int load_plain_hash(struct rdb_reader *r, struct obj *o)
{
    uint64_t n;
    if (get_len(r, &n) < 0)
        return -1;
    for (uint64_t i = 0; i < n; i++) {
        bstr f, v;
        if (get_string(r, &f) < 0)
            return -1;
        if (get_string(r, &v) < 0) {
            bstr_free(f);
            return -1;
        }
        int added = hashobj_set(o, f, bstr_len(f), v, bstr_len(v));
        bstr_free(f);
        bstr_free(v);
        if (!added)
            return load_error(r, "Duplicate hash fields detected");
    }
    return 0;
}

static const char *unsupported_type_name(int type)
{
    switch (type) {
    case 2:
    case 11:
    case 20:
        return "set";
    case 3:
    case 5:
    case 12:
    case 17:
        return "sorted set";
    case 6:
    case 7:
        return "module";
    case 15:
    case 19:
    case 21:
        return "stream";
    default:
        return NULL;
    }
}

static int load_string_value(struct rdb_reader *r, struct obj **out)
{
    bstr s;
    if (get_string(r, &s) < 0)
        return -1;
    if (bstr_len(s) > OBJ_EMBSTR_MAX_LEN) {
        *out = obj_string_raw(s);
    } else {
        *out = obj_string(s, bstr_len(s));
        bstr_free(s);
    }
    return 0;
}

/* A value of the given type byte.  Returns 0 with *out set, or -1. */
static int load_value(struct rdb_reader *r, int type, struct obj **out)
{
    if (type == RDB_TYPE_STRING)
        return load_string_value(r, out);

    int is_list = type == RDB_TYPE_LIST || type == RDB_TYPE_LIST_ZIPLIST ||
                  type == RDB_TYPE_LIST_QUICKLIST ||
                  type == RDB_TYPE_LIST_QUICKLIST_2;
    int is_hash = type == RDB_TYPE_HASH || type == RDB_TYPE_HASH_ZIPMAP ||
                  type == RDB_TYPE_HASH_ZIPLIST ||
                  type == RDB_TYPE_HASH_LISTPACK;
    if (!is_list && !is_hash) {
        const char *name = unsupported_type_name(type);
        if (name != NULL)
            return load_error(r,
                              "Can't load RDB type %d: %s values are not "
                              "supported by " RESPD_NAME,
                              type, name);
        return load_error(r, "Unknown RDB value type %d at offset %llu", type,
                          (unsigned long long)r->offset - 1);
    }

    struct obj *o = is_list ? new_list() : hashobj_create();
    int rc = type == RDB_TYPE_LIST               ? load_plain_list(r, o)
             : type == RDB_TYPE_LIST_ZIPLIST     ? load_blob(r, o, PACK_ZIPLIST)
             : type == RDB_TYPE_LIST_QUICKLIST   ? load_quicklist(r, o, 0)
             : type == RDB_TYPE_LIST_QUICKLIST_2 ? load_quicklist(r, o, 1)
             : type == RDB_TYPE_HASH             ? load_plain_hash(r, o)
             : type == RDB_TYPE_HASH_ZIPMAP      ? load_blob(r, o, PACK_ZIPMAP)
             : type == RDB_TYPE_HASH_ZIPLIST     ? load_blob(r, o, PACK_ZIPLIST)
                                             : load_blob(r, o, PACK_LISTPACK);
    if (rc < 0) {
        obj_free(o);
        return -1;
    }
    *out = o;
    return 0;
}

static int value_is_empty(struct obj *o)
{
    if (o->type == OBJ_LIST)
        return qlist_len(o->v.data) == 0;
    return o->type == OBJ_HASH && hashobj_len(o) == 0;
}

/* One key of the given type byte, with the TTL read before it (-1: none).
 * Expired and empty keys are dropped, as Redis drops them, except that an
 * AOF base keeps its expired keys (load_keep_expired), as Redis loads an
 * AOF preamble: the incr files after it may still act on them. */
static int load_key(struct rdb_reader *r, struct db *db, int type,
                    long long expire_ms, long long now_ms)
{
    bstr key;
    struct obj *o = NULL;
    if (get_string(r, &key) < 0)
        return -1;
    if (load_value(r, type, &o) < 0) {
        bstr_free(key);
        return -1;
    }
    size_t klen = bstr_len(key);
    int rc = 0;
    if ((expire_ms != -1 && expire_ms < now_ms && !load_keep_expired) ||
        value_is_empty(o)) {
        obj_free(o);
        last_load.keys_expired += expire_ms != -1;
    } else if (!load_replace && dict_find(db->keys, key, klen) != NULL) {
        obj_free(o);
        rc = load_error(r, "Duplicate key '%.64s' in DB %d", key, db->id);
    } else {
        if (load_replace)
            db_delete(db, key, klen);
        db_add(db, key, klen, o);
        if (expire_ms != -1)
            db_set_expire(db, key, klen, expire_ms);
        last_load.keys_loaded++;
    }
    bstr_free(key);
    return rc;
}

/* ---- the file --------------------------------------------------------- */

static int load_header(struct rdb_reader *r)
{
    char magic[10] = {0};
    if (get_bytes(r, magic, 9) < 0)
        return -1;
    if (memcmp(magic, "REDIS", 5) != 0)
        return load_error(r, "Wrong signature trying to load DB from file");
    int version = atoi(magic + 5);
    if (version < 1 || version > RDB_VERSION)
        return load_error(r, "Can't handle RDB format version %d", version);
    return 0;
}

/* After 0xFF: the stored checksum must match (0 means none was computed;
 * with rdbchecksum no nothing is verified). */
static int load_checksum(struct rdb_reader *r)
{
    uint64_t expected = r->crc;
    unsigned char b[8];
    if (get_bytes(r, b, 8) < 0)
        return -1;
    uint64_t stored = get_le(b, 8);
    if (checksum && stored != 0 && stored != expected)
        return load_error(r,
                          "Wrong RDB checksum expected: (%llx) but got "
                          "(%llx). Aborting now.",
                          (unsigned long long)stored,
                          (unsigned long long)expected);
    return 0;
}

/* Keep the auxiliary fields the start-up log reports. */
static void note_aux(bstr name, bstr val)
{
    long long v;
    size_t n = bstr_len(val);

    if (strcmp(name, "redis-ver") == 0)
        snprintf(last_load.redis_ver, sizeof(last_load.redis_ver), "%.*s",
                 (int)n, val);
    else if (strcmp(name, "ctime") == 0 && util_str2ll(val, n, &v) == 0)
        last_load.ctime = v;
    else if (strcmp(name, "used-mem") == 0 && util_str2ll(val, n, &v) == 0)
        last_load.used_mem = v;
}

/* The opcodes that are not keys.  Returns 1 for end of file, 0 to go on,
 * -1 on error. */
static int load_opcode(struct rdb_reader *r, int op, struct db **db,
                       long long *expire_ms)
{
    unsigned char b[8];
    uint64_t a, c;
    bstr s1, s2;
    switch (op) {
    case RDB_OP_EOF:
        return load_checksum(r) < 0 ? -1 : 1;
    case RDB_OP_SELECTDB:
        if (get_len(r, &a) < 0)
            return -1;
        if (a >= (uint64_t)server.databases || (*db = db_get((int)a)) == NULL)
            return load_error(r,
                              "FATAL: Data file was created with a Redis "
                              "server configured to handle more than %d "
                              "databases. Exiting\n",
                              server.databases);
        return 0;
    case RDB_OP_RESIZEDB:
        if (get_len(r, &a) < 0 || get_len(r, &c) < 0)
            return -1;
        /* Size the tables for the keys announced, as Redis does, so the
         * load never rehashes; a key takes at least RDB_MIN_KEY_BYTES of
         * the file, which bounds what a damaged count can ask for. */
        if (*db != NULL) {
            uint64_t most = r->left / RDB_MIN_KEY_BYTES;
            dict_expand((*db)->keys, (size_t)(a < most ? a : most));
            dict_expand((*db)->expires, (size_t)(c < most ? c : most));
        }
        return 0;
    case RDB_OP_EXPIRETIME_MS:
    case RDB_OP_EXPIRETIME:
        if (get_bytes(r, b, op == RDB_OP_EXPIRETIME ? 4 : 8) < 0)
            return -1;
        *expire_ms = op == RDB_OP_EXPIRETIME
                         ? (long long)sign_extend(get_le(b, 4), 32) * 1000
                         : (long long)get_le(b, 8);
        return 0;
    case RDB_OP_IDLE:
        return get_len(r, &a);
    case RDB_OP_FREQ:
        return get_byte(r, b);
    case RDB_OP_AUX:
        if (get_string(r, &s1) < 0)
            return -1;
        if (get_string(r, &s2) < 0) {
            bstr_free(s1);
            return -1;
        }
        note_aux(s1, s2);
        bstr_free(s1);
        bstr_free(s2);
        return 0;
    case RDB_OP_MODULE_AUX:
        return load_error(r, "Can't load module auxiliary data: modules are "
                             "not supported by " RESPD_NAME);
    default: /* RDB_OP_FUNCTION2, RDB_OP_FUNCTION_PRE_GA */
        return load_error(r, "Can't load functions: functions are not "
                             "supported by " RESPD_NAME);
    }
}

/* Opcodes and keys until the end marker. */
static int load_body(struct rdb_reader *r)
{
    struct db *db = db_get(0);
    long long expire_ms = -1, now_ms = util_mstime();
    unsigned long long keys = 0;
    long long progress_ms = 0;
    for (;;) {
        unsigned char op;
        if (get_byte(r, &op) < 0)
            return -1;
        if (op >= RDB_OP_MODULE_AUX) {
            int rc = load_opcode(r, op, &db, &expire_ms);
            if (rc != 0)
                return rc < 0 ? -1 : 0;
            continue;
        }
        if (db == NULL)
            return load_error(r, "No database to load keys into");
        if (load_key(r, db, op, expire_ms, now_ms) < 0)
            return -1;
        expire_ms = -1;
        progress_tick(0, &keys, r->offset, r->offset + r->left, &progress_ms);
    }
}

int rdb_load_fp(FILE *fp, uint64_t size, char *err, uint64_t *consumed)
{
    struct rdb_reader r = {.err = err, .fp = fp, .left = size};
    err[0] = '\0';
    crc64_init();
    memset(&last_load, 0, sizeof(last_load));
    last_load.ctime = last_load.used_mem = -1;

    int rc = load_header(&r) < 0 ? -1 : load_body(&r);
    if (consumed)
        *consumed = r.offset;
    return rc;
}

int rdb_load_file(const char *path, char *err)
{
    struct stat st;
    FILE *fp = fopen(path, "rb");

    if (fp == NULL || fstat(fileno(fp), &st) < 0) {
        snprintf(err, RDB_ERR_LEN, "Can't open %s: %s", path, strerror(errno));
        if (fp != NULL)
            fclose(fp);
        return -1;
    }
    int rc = rdb_load_fp(fp, (uint64_t)st.st_size, err, NULL);
    fclose(fp);
    return rc;
}
