/* db.c -- the keyspace (see db.h). */
#include "db.h"

#include <limits.h>
#include <string.h>

#include "blocked.h"
#include "cmd.h"
#include "conn.h"
#include "multi.h"
#include "notify.h"
#include "prop.h"
#include "server.h"
#include "util.h"

/* Active expiry, as Redis: sample this many keys with a TTL per database
 * and round; if more than a quarter were expired, do another round. */
#define EXPIRE_SAMPLES        20
#define EXPIRE_REPEAT_PERCENT 25
#define REHASH_MS_PER_CRON    1

static const struct dict_type keys_type = {.owns_keys = 1,
                                           .free_val = obj_free_void};
/* Shares the key strings of the keys dict; values are deadlines. */
static const struct dict_type expires_type = {.owns_keys = 0, .free_val = NULL};

static struct db *dbs;
static int db_count;
static int expire_next_db; /* where the next active cycle starts */

void db_init_all(int count)
{
    dbs = xcalloc((size_t)count, sizeof(*dbs));
    db_count = count;
    for (int i = 0; i < count; i++) {
        dbs[i].keys = dict_create(&keys_type);
        dbs[i].expires = dict_create(&expires_type);
        dbs[i].id = i;
    }
}

void db_free_all(void)
{
    for (int i = 0; i < db_count; i++) {
        dict_free(dbs[i].expires);
        dict_free(dbs[i].keys);
        dict_free(dbs[i].watched_keys);
    }
    xfree(dbs);
    dbs = NULL;
    db_count = 0;
}

struct db *db_get(int id)
{
    return id >= 0 && id < db_count ? &dbs[id] : NULL;
}

long long db_get_expire(struct db *db, const char *key, size_t klen)
{
    if (dict_size(db->expires) == 0)
        return -1;
    struct dict_entry *e = dict_find(db->expires, key, klen);
    return e ? e->v.s64 : -1;
}

int db_key_is_expired(struct db *db, const char *key, size_t klen)
{
    long long when = db_get_expire(db, key, klen);
    /* While the AOF is replayed nothing expires, as in Redis: a later
     * command of the file may still act on the key (aof_load.c). */
    if (when < 0 || server.loading)
        return 0;
    long long now = server.cmd_time_ms ? server.cmd_time_ms : util_mstime();
    return now > when;
}

/* An expired key goes: a change for WATCH (as in Redis 7.0), but not a
 * write that counts towards the next save.  The AOF logs it as a DEL,
 * within the running command's entries or (active expiry) alone. */
static void delete_expired(struct db *db, const char *key, size_t klen)
{
    server.stat_expired_keys++;
    if (prop_enabled())
        prop_del(db->id, key, klen);
    db_delete(db, key, klen);
    notify_keyspace_event(NOTIFY_EXPIRED, "expired", key, klen, db->id);
    multi_touch_key(db, key, klen);
}

/* delete_expired() for a key string owned by the keys dict, which the
 * deletion frees while WATCH still needs the name: pass a copy. */
static void delete_expired_owned(struct db *db, const char *key)
{
    char buf[256];
    size_t klen = bstr_len(key);

    if (klen <= sizeof(buf)) {
        memcpy(buf, key, klen);
        delete_expired(db, buf, klen);
    } else {
        bstr copy = bstr_dup(key);
        delete_expired(db, copy, klen);
        bstr_free(copy);
    }
}

/* Delete key if its TTL has passed; returns 1 if it did. */
static int expire_if_needed(struct db *db, const char *key, size_t klen)
{
    if (!db_key_is_expired(db, key, klen))
        return 0;
    delete_expired(db, key, klen);
    return 1;
}

/* CLIENT NO-TOUCH: the client's reads leave the LRU clock alone, except
 * TOUCH itself, whose whole point is to touch (as Redis 7.2). */
static int client_wants_no_touch(void)
{
    const struct conn *c = server.current;
    return c && (c->flags & CONN_NO_TOUCH) && c->cmd &&
           strcmp(c->cmd->name, "touch") != 0;
}

static struct obj *lookup(struct db *db, const char *key, size_t klen,
                          int flags)
{
    /* key may be the dict's own string: after an expiry it is gone. */
    if (expire_if_needed(db, key, klen))
        return NULL;
    struct dict_entry *e = dict_find(db->keys, key, klen);
    if (e == NULL)
        return NULL;
    struct obj *o = e->v.ptr;
    if (!(flags & DB_LOOKUP_NOTOUCH) && !client_wants_no_touch())
        o->lru = obj_lru_clock();
    return o;
}

struct obj *db_lookup_read(struct db *db, const char *key, size_t klen,
                           int flags)
{
    struct obj *o = lookup(db, key, klen, flags);
    if (o) {
        server.stat_keyspace_hits++;
    } else {
        server.stat_keyspace_misses++;
        notify_keyspace_event(NOTIFY_KEY_MISS, "keymiss", key, klen, db->id);
    }
    return o;
}

struct obj *db_lookup_write(struct db *db, const char *key, size_t klen)
{
    return lookup(db, key, klen, 0);
}

void db_add(struct db *db, const char *key, size_t klen, struct obj *val)
{
    struct dict_entry *e = dict_add(db->keys, bstr_new(key, klen));
    e->v.ptr = val;
    notify_keyspace_event(NOTIFY_NEW, "new", key, klen, db->id);
    /* A new list may be what blocked clients wait for (a push creating it,
     * RENAME, a BLMOVE destination). */
    if (val->type == OBJ_LIST)
        blocked_signal_key(db, key, klen);
}

void db_overwrite(struct db *db, const char *key, size_t klen, struct obj *val)
{
    struct dict_entry *e = dict_find(db->keys, key, klen);
    obj_free(e->v.ptr);
    e->v.ptr = val;
}

void db_set(struct db *db, const char *key, size_t klen, struct obj *val,
            int keep_ttl)
{
    struct dict_entry *e = dict_find(db->keys, key, klen);
    if (e == NULL) {
        db_add(db, key, klen, val);
        return;
    }
    obj_free(e->v.ptr);
    e->v.ptr = val;
    if (!keep_ttl)
        db_remove_expire(db, key, klen);
}

int db_delete(struct db *db, const char *key, size_t klen)
{
    /* The expires entry borrows the key string: drop it first. */
    if (dict_size(db->expires) > 0)
        dict_delete(db->expires, key, klen);
    return dict_delete(db->keys, key, klen);
}

struct obj *db_take(struct db *db, const char *key, size_t klen)
{
    if (dict_size(db->expires) > 0)
        dict_delete(db->expires, key, klen);
    struct dict_entry *e = dict_unlink(db->keys, key, klen);
    if (e == NULL)
        return NULL;
    struct obj *val = e->v.ptr;
    dict_free_unlinked(db->keys, e);
    return val;
}

void db_set_expire(struct db *db, const char *key, size_t klen,
                   long long when_ms)
{
    struct dict_entry *k = dict_find(db->keys, key, klen);
    if (k == NULL)
        return;
    struct dict_entry *e = dict_find(db->expires, key, klen);
    if (e == NULL)
        e = dict_add(db->expires, k->key);
    e->v.s64 = when_ms;
}

int db_remove_expire(struct db *db, const char *key, size_t klen)
{
    if (dict_size(db->expires) == 0)
        return 0;
    return dict_delete(db->expires, key, klen);
}

size_t db_size(const struct db *db)
{
    return dict_size(db->keys);
}

long long db_flush(int id)
{
    long long removed = 0;
    int from = id < 0 ? 0 : id, to = id < 0 ? db_count - 1 : id;

    for (int i = from; i <= to; i++) {
        multi_touch_db(&dbs[i], NULL);
        removed += (long long)dict_size(dbs[i].keys);
        dict_clear(dbs[i].expires);
        dict_clear(dbs[i].keys);
        dbs[i].avg_ttl = 0;
    }
    return removed;
}

/* The contents move; what clients wait for and watch stays with the index,
 * so both sides are re-examined afterwards. */
void db_swap(int a, int b)
{
    multi_touch_db(&dbs[a], &dbs[b]);
    multi_touch_db(&dbs[b], &dbs[a]);
    struct db tmp = dbs[a];
    dbs[a].keys = dbs[b].keys;
    dbs[a].expires = dbs[b].expires;
    dbs[a].avg_ttl = dbs[b].avg_ttl;
    dbs[b].keys = tmp.keys;
    dbs[b].expires = tmp.expires;
    dbs[b].avg_ttl = tmp.avg_ttl;
    blocked_signal_db(&dbs[a]);
    blocked_signal_db(&dbs[b]);
}

bstr db_random_key(struct db *db)
{
    /* Every expired key drawn is deleted, so this ends: at worst when the
     * database is empty. */
    for (;;) {
        struct dict_entry *e = dict_random(db->keys);
        if (e == NULL)
            return NULL;
        if (!db_key_is_expired(db, e->key, bstr_len(e->key)))
            return e->key;
        delete_expired_owned(db, e->key);
    }
}

/* One round over db: sample keys with a TTL, delete the expired ones.
 * Returns how many of the sampled keys had expired, and the sample size in
 * *sampled. */
static int expire_round(struct db *db, long long now, int *sampled)
{
    int expired = 0;
    long long ttl_sum = 0;
    int ttl_samples = 0;

    *sampled = 0;
    for (int i = 0; i < EXPIRE_SAMPLES && dict_size(db->expires) > 0; i++) {
        struct dict_entry *e = dict_random(db->expires);
        (*sampled)++;
        if (now > e->v.s64) {
            delete_expired_owned(db, e->key);
            expired++;
        } else {
            /* Saturate: TTLs near LLONG_MAX (PXAT 9223372036854775807)
             * would overflow the sum. */
            long long ttl = e->v.s64 - now;
            ttl_sum = ttl_sum > LLONG_MAX - ttl ? LLONG_MAX : ttl_sum + ttl;
            ttl_samples++;
        }
    }
    if (ttl_samples > 0) {
        long long avg = ttl_sum / ttl_samples;
        /* A running average, weighted towards the past like Redis's. */
        db->avg_ttl = db->avg_ttl ? (db->avg_ttl / 50) * 49 + avg / 50 : avg;
    }
    return expired;
}

void db_active_expire_cycle(long long budget_us)
{
    long long start = util_monotonic_us();
    long long now = util_mstime();

    for (int n = 0; n < db_count; n++) {
        struct db *db = &dbs[(expire_next_db + n) % db_count];
        int sampled, expired;
        do {
            if (dict_size(db->expires) == 0) {
                db->avg_ttl = 0;
                break;
            }
            expired = expire_round(db, now, &sampled);
            if (util_monotonic_us() - start > budget_us) {
                expire_next_db = (db->id + 1) % db_count;
                goto out;
            }
        } while (expired * 100 > sampled * EXPIRE_REPEAT_PERCENT);
    }
    expire_next_db = 0;
out:
    server.stat_expire_cycle_us += util_monotonic_us() - start;
}

void db_rehash_step(void)
{
    for (int i = 0; i < db_count; i++) {
        dict_maybe_shrink(dbs[i].keys);
        dict_maybe_shrink(dbs[i].expires);
        dict_rehash_ms(dbs[i].keys, REHASH_MS_PER_CRON);
        dict_rehash_ms(dbs[i].expires, REHASH_MS_PER_CRON);
    }
}

void db_signal_modified(struct db *db, const char *key, size_t klen)
{
    server.dirty++;
    multi_touch_key(db, key, klen);
}
