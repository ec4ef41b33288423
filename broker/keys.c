/* keys.c -- commands on keys of any type.
 *
 * These commands never look inside a value: they delete, rename, list and
 * scan keys, manage TTLs, and answer questions about the stored object.
 * They follow Redis 7.0 in the details that clients can see:
 *
 * - Lookups that only inspect a key (EXISTS, TYPE, TTL, OBJECT) do not
 *   refresh its LRU clock but do count keyspace hits and misses; TOUCH is a
 *   normal read.  Commands that change a key use write lookups, which never
 *   count hits or misses.  Every lookup deletes the key first when its TTL
 *   has passed.
 * - KEYS hides expired keys without deleting them; SCAN deletes the expired
 *   keys it meets.
 * - Options compared with strcasecmp() in Redis, and texts it prints with
 *   %s, end at the first NUL byte of the argument, because Redis's
 *   arguments are C strings there.  util_arg_cstr_len() reproduces that. */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "bstr.h"
#include "cmd.h"
#include "keys.h"
#include "server.h"
#include "snapshot.h"
#include "conn.h"
#include "db.h"
#include "dict.h"
#include "notify.h"
#include "obj.h"
#include "prop.h"
#include "reply.h"
#include "util.h"

/* Redis shares the string objects for the integers 0..9999 and reports them
 * with this reference count (INT_MAX). */
#define KEYS_SHARED_INTEGERS 10000
#define KEYS_SHARED_REFCOUNT 2147483647LL

/* Which conditions EXPIRE and friends were given. */
#define EXPIRE_NX (1 << 0)
#define EXPIRE_XX (1 << 1)
#define EXPIRE_GT (1 << 2)
#define EXPIRE_LT (1 << 3)

/* --- DEL, UNLINK, EXISTS, TOUCH, TYPE --- */

/* Delete every named key; replies the number that existed.  An expired key
 * is removed by the lookup and not counted.  UNLINK frees synchronously
 * too: the values are freed inline, which is what Redis does for small
 * values anyway. */
static void del_generic(struct conn *c)
{
    long long deleted = 0;

    for (int j = 1; j < c->argc; j++) {
        const char *key = c->argv[j].ptr;
        size_t klen = c->argv[j].len;

        if (db_lookup_write(c->db, key, klen) == NULL)
            continue;
        db_delete(c->db, key, klen);
        db_signal_modified(c->db, key, klen);
        notify_keyspace_event(NOTIFY_GENERIC, "del", key, klen, c->db->id);
        deleted++;
    }
    reply_int(c, deleted);
}

/* DEL key [key ...] */
static void del_command(struct conn *c)
{
    del_generic(c);
}

/* UNLINK key [key ...] */
static void unlink_command(struct conn *c)
{
    del_generic(c);
}

/* Count the named keys that exist, repeats included.  EXISTS does not
 * refresh the LRU clock; TOUCH does, which is its whole purpose. */
static void count_existing(struct conn *c, int lookup_flags)
{
    long long found = 0;

    for (int j = 1; j < c->argc; j++) {
        if (db_lookup_read(c->db, c->argv[j].ptr, c->argv[j].len,
                           lookup_flags) != NULL)
            found++;
    }
    reply_int(c, found);
}

/* EXISTS key [key ...] */
static void exists_command(struct conn *c)
{
    count_existing(c, DB_LOOKUP_NOTOUCH);
}

/* TOUCH key [key ...] */
static void touch_command(struct conn *c)
{
    count_existing(c, 0);
}

/* TYPE key */
static void type_command(struct conn *c)
{
    struct obj *o = db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len,
                                   DB_LOOKUP_NOTOUCH);

    reply_simple(c, o ? obj_type_name(o) : "none");
}

/* --- KEYS, SCAN, RANDOMKEY, DBSIZE --- */

/* KEYS pattern
 *
 * Expired keys are left in place (deleting while iterating the whole
 * keyspace is what SCAN is for) but not listed. */
static void keys_command(struct conn *c)
{
    const char *pat = c->argv[1].ptr;
    size_t plen = c->argv[1].len;
    int all = plen == 1 && pat[0] == '*';
    size_t handle = reply_defer_len(c);
    long long n = 0;
    struct dict_iter it;
    struct dict_entry *e;

    dict_iter_start(&it, c->db->keys);
    while ((e = dict_iter_next(&it)) != NULL) {
        size_t klen = bstr_len(e->key);

        if (!all && !util_glob_match(pat, plen, e->key, klen, 0))
            continue;
        if (db_key_is_expired(c->db, e->key, klen))
            continue;
        reply_bulk(c, e->key, klen);
        n++;
    }
    dict_iter_end(&it);
    reply_set_deferred_len(c, handle, '*', n);
}

int keys_parse_scan_opts(struct conn *c, int first, int allow_type,
                         struct scan_opts *o)
{
    o->count = KEYS_SCAN_DEFAULT_COUNT;
    o->pat = o->type = NULL;
    for (int i = first; i < c->argc; i += 2) {
        const struct resp_arg *opt = &c->argv[i], *val;

        if (i + 1 >= c->argc) {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
        val = &c->argv[i + 1];
        if (util_arg_is(opt, "count")) {
            if (util_str2ll(val->ptr, val->len, &o->count) != 0) {
                reply_error(c, ERR_NOT_INT);
                return -1;
            }
            if (o->count < 1) {
                reply_error(c, ERR_SYNTAX);
                return -1;
            }
        } else if (util_arg_is(opt, "match")) {
            /* "*" matches everything: no need to match at all. */
            int all = val->len == 1 && val->ptr[0] == '*';
            o->pat = all ? NULL : val->ptr;
            o->plen = val->len;
        } else if (allow_type && util_arg_is(opt, "type")) {
            o->type = val->ptr;
            o->tlen = util_arg_cstr_len(val);
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    return 0;
}

/* Keys collected by the dict_scan() callback. */
struct scan_keys {
    bstr *keys;
    size_t n, cap;
};

static void scan_collect(void *data, struct dict_entry *e)
{
    struct scan_keys *sk = data;

    if (sk->n == sk->cap) {
        sk->cap = sk->cap ? sk->cap * 2 : 16;
        sk->keys = xrealloc(sk->keys, sk->cap * sizeof(*sk->keys));
    }
    sk->keys[sk->n++] = e->key;
}

/* Step the cursor until count keys are collected, the scan is complete,
 * or count * 10 steps found nothing more (as Redis bounds the work of one
 * call on a sparse table).  Returns the next cursor. */
static uint64_t scan_steps(struct dict *d, uint64_t cursor, long long count,
                           struct scan_keys *sk)
{
    long long max_steps = count > LLONG_MAX / 10 ? LLONG_MAX : count * 10;

    do {
        cursor = dict_scan(d, cursor, scan_collect, sk);
    } while (cursor && max_steps-- && sk->n < (unsigned long long)count);
    return cursor;
}

/* Delete a collected key found expired, through a lookup so that it counts
 * as Redis counts it (read: a keyspace miss; always: an expired key).  The
 * lookup frees the dict's copy of the name while still using it, so it is
 * handed a copy. */
static void scan_expire_key(struct conn *c, bstr key, int read)
{
    bstr name = bstr_dup(key);

    if (read)
        db_lookup_read(c->db, name, bstr_len(name), DB_LOOKUP_NOTOUCH);
    else
        db_lookup_write(c->db, name, bstr_len(name));
    bstr_free(name);
}

/* Reply one collected key under a TYPE filter; returns 1 if replied.
 * Like Redis, the type is found with a read lookup, which counts a hit or
 * a miss and deletes an expired key, whose type is then "none".  Such a
 * key passes "TYPE none" (Redis lists it). */
static int scan_emit_typed(struct conn *c, const struct scan_opts *o, bstr key)
{
    size_t klen = bstr_len(key);
    struct obj *v;

    if (db_key_is_expired(c->db, key, klen)) {
        int pass = util_eq_ci(o->type, o->tlen, "none");

        if (pass)
            reply_bulk(c, key, klen);
        scan_expire_key(c, key, 1);
        return pass;
    }
    v = db_lookup_read(c->db, key, klen, DB_LOOKUP_NOTOUCH);
    if (!util_eq_ci(o->type, o->tlen, obj_type_name(v)))
        return 0;
    reply_bulk(c, key, klen);
    return 1;
}

/* Reply one collected key without a TYPE filter; returns 1 if replied.
 * An expired key is deleted instead, without counting a keyspace miss. */
static int scan_emit(struct conn *c, bstr key)
{
    size_t klen = bstr_len(key);

    if (db_key_is_expired(c->db, key, klen)) {
        scan_expire_key(c, key, 0);
        return 0;
    }
    reply_bulk(c, key, klen);
    return 1;
}

/* Reply the collected keys that pass the filters.  The bstrs belong to the
 * dict; deleting one expired key leaves the others valid.  Returns how
 * many were replied. */
static long long scan_reply_keys(struct conn *c, const struct scan_opts *o,
                                 const struct scan_keys *sk)
{
    long long n = 0;

    for (size_t i = 0; i < sk->n; i++) {
        bstr key = sk->keys[i];

        if (o->pat && !util_glob_match(o->pat, o->plen, key, bstr_len(key), 0))
            continue;
        n += o->type ? scan_emit_typed(c, o, key) : scan_emit(c, key);
    }
    return n;
}

/* SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] */
static void scan_command(struct conn *c)
{
    struct scan_opts opts;
    struct scan_keys sk = {NULL, 0, 0};
    uint64_t cursor;
    size_t handle;

    if (util_parse_cursor(&c->argv[1], &cursor) != 0) {
        reply_error(c, "ERR invalid cursor");
        return;
    }
    if (keys_parse_scan_opts(c, 2, 1, &opts) != 0)
        return;

    cursor = scan_steps(c->db->keys, cursor, opts.count, &sk);

    /* Redis prints the unsigned cursor as a signed number. */
    reply_array(c, 2);
    reply_bulk_ll(c, (long long)cursor);
    handle = reply_defer_len(c);
    reply_set_deferred_len(c, handle, '*', scan_reply_keys(c, &opts, &sk));
    xfree(sk.keys);
}

/* RANDOMKEY */
static void randomkey_command(struct conn *c)
{
    bstr key = db_random_key(c->db);

    if (key == NULL)
        reply_null(c);
    else
        reply_bulk(c, key, bstr_len(key));
}

/* DBSIZE
 *
 * Counts expired keys that no lookup or expiry cycle has removed yet, as
 * Redis does. */
static void dbsize_command(struct conn *c)
{
    reply_int(c, (long long)db_size(c->db));
}

/* --- RENAME, RENAMENX --- */

/* Give src's value and TTL to dst, which must not exist, and delete src.
 * The value object moves rather than being copied. */
static void rename_move(struct db *db, const struct resp_arg *src,
                        const struct resp_arg *dst)
{
    long long when = db_get_expire(db, src->ptr, src->len);
    struct obj *val = db_take(db, src->ptr, src->len);

    db_add(db, dst->ptr, dst->len, val);
    if (when != -1)
        db_set_expire(db, dst->ptr, dst->len, when);
}

/* Rename argv[1] to argv[2]; with nx only when argv[2] does not exist.
 * Renaming a key onto itself changes nothing but still needs the key to
 * exist (RENAMENX then answers 0, as Redis 3.2 and later). */
static void rename_generic(struct conn *c, int nx)
{
    const struct resp_arg *src = &c->argv[1], *dst = &c->argv[2];
    int same =
        src->len == dst->len && memcmp(src->ptr, dst->ptr, src->len) == 0;
    struct obj *val = db_lookup_write(c->db, src->ptr, src->len);

    if (val == NULL) {
        reply_error(c, ERR_NO_KEY);
        return;
    }
    if (same) {
        nx ? reply_int(c, 0) : reply_ok(c);
        return;
    }
    if (db_lookup_write(c->db, dst->ptr, dst->len) != NULL) {
        if (nx) {
            reply_int(c, 0);
            return;
        }
        db_delete(c->db, dst->ptr, dst->len);
    }

    rename_move(c->db, src, dst);
    db_signal_modified(c->db, src->ptr, src->len);
    db_signal_modified(c->db, dst->ptr, dst->len);
    notify_keyspace_event(NOTIFY_GENERIC, "rename_from", src->ptr, src->len,
                          c->db->id);
    notify_keyspace_event(NOTIFY_GENERIC, "rename_to", dst->ptr, dst->len,
                          c->db->id);
    /* Both keys changed, but Redis counts a rename as one change. */
    server.dirty--;
    nx ? reply_int(c, 1) : reply_ok(c);
}

/* RENAME key newkey */
static void rename_command(struct conn *c)
{
    rename_generic(c, 0);
}

/* RENAMENX key newkey */
static void renamenx_command(struct conn *c)
{
    rename_generic(c, 1);
}

/* --- EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, PERSIST --- */

/* Parse the NX XX GT LT options from argv[3] on into *flags.  Replies the
 * error and returns -1 on an unknown option or an impossible mix. */
static int expire_parse_flags(struct conn *c, int *flags)
{
    *flags = 0;
    for (int j = 3; j < c->argc; j++) {
        const struct resp_arg *a = &c->argv[j];

        if (util_arg_is(a, "nx")) {
            *flags |= EXPIRE_NX;
        } else if (util_arg_is(a, "xx")) {
            *flags |= EXPIRE_XX;
        } else if (util_arg_is(a, "gt")) {
            *flags |= EXPIRE_GT;
        } else if (util_arg_is(a, "lt")) {
            *flags |= EXPIRE_LT;
        } else {
            reply_errorf(c, "ERR Unsupported option %.*s",
                         (int)util_arg_cstr_len(a), a->ptr);
            return -1;
        }
    }
    if ((*flags & EXPIRE_NX) && (*flags & ~EXPIRE_NX)) {
        reply_error(c, "ERR NX and XX, GT or LT options at the same time "
                       "are not compatible");
        return -1;
    }
    if ((*flags & EXPIRE_GT) && (*flags & EXPIRE_LT)) {
        reply_error(c, "ERR GT and LT options at the same time are not "
                       "compatible");
        return -1;
    }
    return 0;
}

/* May a key whose deadline is current (-1: none) get the deadline when?
 * No TTL counts as an infinite one: GT never beats it, LT always does. */
static int expire_allowed(int flags, long long current, long long when)
{
    if ((flags & EXPIRE_NX) && current != -1)
        return 0;
    if ((flags & EXPIRE_XX) && current == -1)
        return 0;
    if ((flags & EXPIRE_GT) && (current == -1 || when <= current))
        return 0;
    if ((flags & EXPIRE_LT) && current != -1 && when >= current)
        return 0;
    return 1;
}

/* Turn argv[2] into an absolute deadline in ms: argv[2] seconds (or ms)
 * after basetime.  Replies the error and returns -1 when argv[2] is not an
 * integer or the deadline does not fit a long long. */
static int expire_deadline(struct conn *c, const char *name, long long basetime,
                           int in_seconds, long long *when)
{
    if (util_str2ll(c->argv[2].ptr, c->argv[2].len, when) != 0) {
        reply_error(c, ERR_NOT_INT);
        return -1;
    }
    if (in_seconds) {
        if (*when > LLONG_MAX / 1000 || *when < LLONG_MIN / 1000)
            goto overflow;
        *when *= 1000;
    }
    if (*when > LLONG_MAX - basetime)
        goto overflow;
    *when += basetime;
    return 0;

overflow:
    reply_errorf(c, "ERR invalid expire time in '%s' command", name);
    return -1;
}

/* Log an EXPIRE-family change as Redis 7.0 does, so that a reload never
 * extends the TTL: DEL key when the deadline had passed, else PEXPIREAT
 * key <deadline ms> with the command's own options.  PEXPIREAT itself is
 * logged as it was called. */
static void expire_propagate(struct conn *c, int gone, long long when,
                             int absolute_ms)
{
    char ms[24];

    if (gone) {
        struct resp_arg argv[2] = {PROP_LIT("DEL"), c->argv[1]};
        prop_rewrite(c, 2, argv);
        return;
    }
    if (absolute_ms)
        return;
    int n = util_ll2str(ms, sizeof(ms), when);
    prop_rewrite_arg(c, 0, "PEXPIREAT", 9);
    prop_rewrite_arg(c, 2, ms, (size_t)n);
}

/* The worker of the four EXPIRE commands.  Replies 1 when the deadline was
 * set, 0 when the key is missing or a condition refused it.  A deadline
 * already past deletes the key (and still answers 1). */
static void expire_generic(struct conn *c, const char *name, long long basetime,
                           int in_seconds)
{
    const char *key = c->argv[1].ptr;
    size_t klen = c->argv[1].len;
    long long when;
    int flags;

    if (expire_parse_flags(c, &flags) != 0 ||
        expire_deadline(c, name, basetime, in_seconds, &when) != 0)
        return;

    if (db_lookup_write(c->db, key, klen) == NULL ||
        !expire_allowed(flags, db_get_expire(c->db, key, klen), when)) {
        reply_int(c, 0);
        return;
    }

    /* A deadline already past deletes the key: Redis reports that as a
     * "del", not as an expiry.  Not while the AOF loads: the key is kept
     * with its past TTL for the commands after it, as in Redis. */
    int gone = when <= server.cmd_time_ms && !server.loading;
    if (gone)
        db_delete(c->db, key, klen);
    else
        db_set_expire(c->db, key, klen, when);
    db_signal_modified(c->db, key, klen);
    notify_keyspace_event(NOTIFY_GENERIC, gone ? "del" : "expire", key, klen,
                          c->db->id);
    if (prop_enabled())
        expire_propagate(c, gone, when, basetime == 0 && !in_seconds);
    reply_int(c, 1);
}

/* EXPIRE key seconds [NX | XX | GT | LT] */
static void expire_command(struct conn *c)
{
    expire_generic(c, "expire", server.cmd_time_ms, 1);
}

/* PEXPIRE key milliseconds [NX | XX | GT | LT] */
static void pexpire_command(struct conn *c)
{
    expire_generic(c, "pexpire", server.cmd_time_ms, 0);
}

/* EXPIREAT key unix-time-seconds [NX | XX | GT | LT] */
static void expireat_command(struct conn *c)
{
    expire_generic(c, "expireat", 0, 1);
}

/* PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT] */
static void pexpireat_command(struct conn *c)
{
    expire_generic(c, "pexpireat", 0, 0);
}

/* PERSIST key */
static void persist_command(struct conn *c)
{
    const char *key = c->argv[1].ptr;
    size_t klen = c->argv[1].len;

    if (db_lookup_write(c->db, key, klen) == NULL ||
        !db_remove_expire(c->db, key, klen)) {
        reply_int(c, 0);
        return;
    }
    db_signal_modified(c->db, key, klen);
    notify_keyspace_event(NOTIFY_GENERIC, "persist", key, klen, c->db->id);
    reply_int(c, 1);
}

/* --- TTL, PTTL, EXPIRETIME, PEXPIRETIME --- */

/* Reply the key's remaining TTL (or its deadline, when absolute), in ms or
 * in seconds rounded to the nearest; -2 for a missing key, -1 for a key
 * without TTL.  Rounding is done unsigned so that the largest deadline,
 * LLONG_MAX ms, rounds up as it does in Redis instead of overflowing. */
static void ttl_generic(struct conn *c, int in_ms, int absolute)
{
    const char *key = c->argv[1].ptr;
    size_t klen = c->argv[1].len;
    long long when, ttl;

    if (db_lookup_read(c->db, key, klen, DB_LOOKUP_NOTOUCH) == NULL) {
        reply_int(c, -2);
        return;
    }
    when = db_get_expire(c->db, key, klen);
    if (when == -1) {
        reply_int(c, -1);
        return;
    }
    ttl = absolute ? when : when - server.cmd_time_ms;
    if (ttl < 0)
        ttl = 0;
    if (!in_ms)
        ttl = (long long)(((unsigned long long)ttl + 500) / 1000);
    reply_int(c, ttl);
}

/* TTL key */
static void ttl_command(struct conn *c)
{
    ttl_generic(c, 0, 0);
}

/* PTTL key */
static void pttl_command(struct conn *c)
{
    ttl_generic(c, 1, 0);
}

/* EXPIRETIME key */
static void expiretime_command(struct conn *c)
{
    ttl_generic(c, 0, 1);
}

/* PEXPIRETIME key */
static void pexpiretime_command(struct conn *c)
{
    ttl_generic(c, 1, 1);
}

/* --- FLUSHDB, FLUSHALL, SWAPDB --- */

/* Check the optional ASYNC | SYNC argument.  Both flush synchronously:
 * freeing in a background thread would only matter for huge databases.
 * Replies the error and returns -1 on anything else. */
static int flush_check_mode(struct conn *c)
{
    if (c->argc == 1)
        return 0;
    if (c->argc == 2 &&
        (util_arg_is(&c->argv[1], "sync") || util_arg_is(&c->argv[1], "async")))
        return 0;
    reply_error(c, ERR_SYNTAX);
    return -1;
}

/* FLUSHDB [ASYNC | SYNC] */
static void flushdb_command(struct conn *c)
{
    if (flush_check_mode(c) != 0)
        return;
    server.dirty += db_flush(c->db->id);
    if (prop_enabled())
        prop_force(c);
    reply_ok(c);
}

/* FLUSHALL [ASYNC | SYNC] */
static void flushall_command(struct conn *c)
{
    if (flush_check_mode(c) != 0)
        return;
    server.dirty += db_flush(-1);
    snapshot_flushall();
    if (prop_enabled())
        prop_force(c);
    reply_ok(c);
}

/* Parse a database index that must fit an int (the range is checked
 * later, with its own error).  Returns 0 or -1. */
static int parse_db_index(const struct resp_arg *a, int *out)
{
    long long v;

    if (util_str2ll(a->ptr, a->len, &v) != 0 || v < INT_MIN || v > INT_MAX)
        return -1;
    *out = (int)v;
    return 0;
}

/* SWAPDB index1 index2 */
static void swapdb_command(struct conn *c)
{
    int a, b;

    if (parse_db_index(&c->argv[1], &a) != 0) {
        reply_error(c, "ERR invalid first DB index");
        return;
    }
    if (parse_db_index(&c->argv[2], &b) != 0) {
        reply_error(c, "ERR invalid second DB index");
        return;
    }
    if (a < 0 || a >= server.databases || b < 0 || b >= server.databases) {
        reply_error(c, ERR_DB_INDEX);
        return;
    }
    if (a != b)
        db_swap(a, b);
    server.dirty++;
    reply_ok(c);
}

/* --- OBJECT --- */

/* The value of argv[2] for an OBJECT subcommand, looked up without
 * refreshing its LRU clock (else IDLETIME would always answer 0).  Replies
 * a null and returns NULL when the key does not exist. */
static struct obj *object_lookup(struct conn *c)
{
    struct obj *o = db_lookup_read(c->db, c->argv[2].ptr, c->argv[2].len,
                                   DB_LOOKUP_NOTOUCH);

    if (o == NULL)
        reply_null(c);
    return o;
}

/* OBJECT ENCODING key */
static void object_encoding_command(struct conn *c)
{
    struct obj *o = object_lookup(c);

    if (o != NULL)
        reply_bulk_cstr(c, obj_encoding_name(o));
}

/* OBJECT REFCOUNT key
 *
 * respd never shares a value between keys, so every count is 1, except
 * that Redis keeps one shared object for each integer 0..9999 and reports
 * those with its "shared" count; an int-encoded value in that range is
 * what such a shared object would be, so it gets the same answer. */
static void object_refcount_command(struct conn *c)
{
    struct obj *o = object_lookup(c);

    if (o == NULL)
        return;
    if (o->type == OBJ_STRING && o->encoding == OBJ_ENC_INT && o->v.ival >= 0 &&
        o->v.ival < KEYS_SHARED_INTEGERS)
        reply_int(c, KEYS_SHARED_REFCOUNT);
    else
        reply_int(c, 1);
}

/* OBJECT IDLETIME key */
static void object_idletime_command(struct conn *c)
{
    struct obj *o = object_lookup(c);

    if (o != NULL)
        reply_int(c, obj_idle_ms(o) / 1000);
}

/* OBJECT FREQ key
 *
 * respd has no LFU eviction policy, so it never tracks access frequency
 * and answers as Redis does under an LRU or no-eviction policy. */
static void object_freq_command(struct conn *c)
{
    if (object_lookup(c) == NULL)
        return;
    reply_error(c, "ERR An LFU maxmemory policy is not selected, access "
                   "frequency not tracked. Please note that when switching "
                   "between policies at runtime LRU and LFU data will take "
                   "some time to adjust.");
}

/* OBJECT HELP */
static void object_help_command(struct conn *c)
{
    static const char *lines[] = {
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to "
        "store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned "
        "integer is",
        "    proportional to the logarithm of the recent access frequency "
        "of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated "
        "number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with "
        "the specified",
        "    <key>.",
        NULL};

    reply_help(c, "OBJECT", lines);
}

/* --- The command table --- */

static struct cmd object_subcommands[] = {
    {.name = "encoding",
     .proc = object_encoding_command,
     .arity = 3,
     .flags = CMD_READONLY,
     .acl_categories = "@keyspace @read @slow",
     .first_key = 2,
     .last_key = 2,
     .key_step = 1,
     .group = "generic",
     .since = "2.2.3",
     .summary = "Inspect the internal encoding of a Redis object",
     .complexity = "O(1)"},
    {.name = "freq",
     .proc = object_freq_command,
     .arity = 3,
     .flags = CMD_READONLY,
     .acl_categories = "@keyspace @read @slow",
     .first_key = 2,
     .last_key = 2,
     .key_step = 1,
     .group = "generic",
     .since = "4.0.0",
     .summary = "Get the logarithmic access frequency counter of a Redis "
                "object",
     .complexity = "O(1)"},
    {.name = "help",
     .proc = object_help_command,
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE,
     .acl_categories = "@keyspace @slow",
     .group = "generic",
     .since = "6.2.0",
     .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
    {.name = "idletime",
     .proc = object_idletime_command,
     .arity = 3,
     .flags = CMD_READONLY,
     .acl_categories = "@keyspace @read @slow",
     .first_key = 2,
     .last_key = 2,
     .key_step = 1,
     .group = "generic",
     .since = "2.2.3",
     .summary = "Get the time since a Redis object was last accessed",
     .complexity = "O(1)"},
    {.name = "refcount",
     .proc = object_refcount_command,
     .arity = 3,
     .flags = CMD_READONLY,
     .acl_categories = "@keyspace @read @slow",
     .first_key = 2,
     .last_key = 2,
     .key_step = 1,
     .group = "generic",
     .since = "2.2.3",
     .summary = "Get the number of references to the value of the key",
     .complexity = "O(1)"},
    {0}};

struct cmd keys_commands[] = {
    {.name = "del",
     .proc = del_command,
     .arity = -2,
     .flags = CMD_WRITE,
     .acl_categories = "@keyspace @write @slow",
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .group = "generic",
     .since = "1.0.0",
     .summary = "Delete a key",
     .complexity = "O(N) where N is the number of keys that will be "
                   "removed. When a key to remove holds a value other than "
                   "a string, the individual complexity for this key is "
                   "O(M) where M is the number of elements in the list, "
                   "set, sorted set or hash. Removing a single key that "
                   "holds a string value is O(1)."},
    {.name = "unlink",
     .proc = unlink_command,
     .arity = -2,
     .flags = CMD_WRITE | CMD_FAST,
     .acl_categories = "@keyspace @write @fast",
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .group = "generic",
     .since = "4.0.0",
     .summary = "Delete a key asynchronously in another thread. Otherwise "
                "it is just as DEL, but non blocking.",
     .complexity = "O(1) for each key removed regardless of its size. Then "
                   "the command does O(N) work in a different thread in "
                   "order to reclaim memory, where N is the number of "
                   "allocations the deleted objects where composed of."},
    {.name = "exists",
     .proc = exists_command,
     .arity = -2,
     .flags = CMD_READONLY | CMD_FAST,
     .acl_categories = "@keyspace @read @fast",
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .group = "generic",
     .since = "1.0.0",
     .summary = "Determine if a key exists",
     .complexity = "O(N) where N is the number of keys to check."},
    {.name = "type",
     .proc = type_command,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .acl_categories = "@keyspace @read @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "generic",
     .since = "1.0.0",
     .summary = "Determine the type stored at key",
     .complexity = "O(1)"},
    {.name = "keys",
     .proc = keys_command,
     .arity = 2,
     .flags = CMD_READONLY,
     .acl_categories = "@keyspace @read @slow @dangerous",
     .group = "generic",
     .since = "1.0.0",
     .summary = "Find all keys matching the given pattern",
     .complexity = "O(N) with N being the number of keys in the database, "
                   "under the assumption that the key names in the "
                   "database and the given pattern have limited length."},
    {.name = "scan",
     .proc = scan_command,
     .arity = -2,
     .flags = CMD_READONLY,
     .acl_categories = "@keyspace @read @slow",
     .group = "generic",
     .since = "2.8.0",
     .summary = "Incrementally iterate the keys space",
     .complexity = "O(1) for every call. O(N) for a complete iteration, "
                   "including enough command calls for the cursor to "
                   "return back to 0. N is the number of elements inside "
                   "the collection."},
    {.name = "rename",
     .proc = rename_command,
     .arity = 3,
     .flags = CMD_WRITE,
     .acl_categories = "@keyspace @write @slow",
     .first_key = 1,
     .last_key = 2,
     .key_step = 1,
     .group = "generic",
     .since = "1.0.0",
     .summary = "Rename a key",
     .complexity = "O(1)"},
    {.name = "renamenx",
     .proc = renamenx_command,
     .arity = 3,
     .flags = CMD_WRITE | CMD_FAST,
     .acl_categories = "@keyspace @write @fast",
     .first_key = 1,
     .last_key = 2,
     .key_step = 1,
     .group = "generic",
     .since = "1.0.0",
     .summary = "Rename a key, only if the new key does not exist",
     .complexity = "O(1)"},
    {.name = "expire",
     .proc = expire_command,
     .arity = -3,
     .flags = CMD_WRITE | CMD_FAST,
     .acl_categories = "@keyspace @write @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "generic",
     .since = "1.0.0",
     .summary = "Set a key's time to live in seconds",
     .complexity = "O(1)"},
    {.name = "pexpire",
     .proc = pexpire_command,
     .arity = -3,
     .flags = CMD_WRITE | CMD_FAST,
     .acl_categories = "@keyspace @write @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "generic",
     .since = "2.6.0",
     .summary = "Set a key's time to live in milliseconds",
     .complexity = "O(1)"},
    {.name = "expireat",
     .proc = expireat_command,
     .arity = -3,
     .flags = CMD_WRITE | CMD_FAST,
     .acl_categories = "@keyspace @write @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "generic",
     .since = "1.2.0",
     .summary = "Set the expiration for a key as a UNIX timestamp",
     .complexity = "O(1)"},
    {.name = "pexpireat",
     .proc = pexpireat_command,
     .arity = -3,
     .flags = CMD_WRITE | CMD_FAST,
     .acl_categories = "@keyspace @write @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "generic",
     .since = "2.6.0",
     .summary = "Set the expiration for a key as a UNIX timestamp "
                "specified in milliseconds",
     .complexity = "O(1)"},
    {.name = "ttl",
     .proc = ttl_command,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .acl_categories = "@keyspace @read @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "generic",
     .since = "1.0.0",
     .summary = "Get the time to live for a key in seconds",
     .complexity = "O(1)"},
    {.name = "pttl",
     .proc = pttl_command,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .acl_categories = "@keyspace @read @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "generic",
     .since = "2.6.0",
     .summary = "Get the time to live for a key in milliseconds",
     .complexity = "O(1)"},
    {.name = "persist",
     .proc = persist_command,
     .arity = 2,
     .flags = CMD_WRITE | CMD_FAST,
     .acl_categories = "@keyspace @write @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "generic",
     .since = "2.2.0",
     .summary = "Remove the expiration from a key",
     .complexity = "O(1)"},
    {.name = "expiretime",
     .proc = expiretime_command,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .acl_categories = "@keyspace @read @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "generic",
     .since = "7.0.0",
     .summary = "Get the expiration Unix timestamp for a key",
     .complexity = "O(1)"},
    {.name = "pexpiretime",
     .proc = pexpiretime_command,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .acl_categories = "@keyspace @read @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "generic",
     .since = "7.0.0",
     .summary = "Get the expiration Unix timestamp for a key in "
                "milliseconds",
     .complexity = "O(1)"},
    {.name = "randomkey",
     .proc = randomkey_command,
     .arity = 1,
     .flags = CMD_READONLY,
     .acl_categories = "@keyspace @read @slow",
     .group = "generic",
     .since = "1.0.0",
     .summary = "Return a random key from the keyspace",
     .complexity = "O(1)"},
    {.name = "touch",
     .proc = touch_command,
     .arity = -2,
     .flags = CMD_READONLY | CMD_FAST,
     .acl_categories = "@keyspace @read @fast",
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .group = "generic",
     .since = "3.2.1",
     .summary = "Alters the last access time of a key(s). Returns the "
                "number of existing keys specified.",
     .complexity = "O(N) where N is the number of keys that will be "
                   "touched."},
    {.name = "dbsize",
     .proc = dbsize_command,
     .arity = 1,
     .flags = CMD_READONLY | CMD_FAST,
     .acl_categories = "@keyspace @read @fast",
     .group = "server",
     .since = "1.0.0",
     .summary = "Return the number of keys in the selected database",
     .complexity = "O(1)"},
    {.name = "flushdb",
     .proc = flushdb_command,
     .arity = -1,
     .flags = CMD_WRITE,
     .acl_categories = "@keyspace @write @slow @dangerous",
     .group = "server",
     .since = "1.0.0",
     .summary = "Remove all keys from the current database",
     .complexity = "O(N) where N is the number of keys in the selected "
                   "database"},
    {.name = "flushall",
     .proc = flushall_command,
     .arity = -1,
     .flags = CMD_WRITE,
     .acl_categories = "@keyspace @write @slow @dangerous",
     .group = "server",
     .since = "1.0.0",
     .summary = "Remove all keys from all databases",
     .complexity = "O(N) where N is the total number of keys in all "
                   "databases"},
    {.name = "swapdb",
     .proc = swapdb_command,
     .arity = 3,
     .flags = CMD_WRITE | CMD_FAST,
     .acl_categories = "@keyspace @write @fast @dangerous",
     .group = "server",
     .since = "4.0.0",
     .summary = "Swaps two Redis databases",
     .complexity = "O(N) where N is the count of clients watching or "
                   "blocking on keys from both databases."},
    {.name = "object",
     .proc = NULL,
     .arity = -2,
     .flags = 0,
     .acl_categories = "@slow",
     .group = "generic",
     .since = "2.2.3",
     .summary = "A container for object introspection commands",
     .complexity = "Depends on subcommand.",
     .subcmds = object_subcommands},
    {0}};
