/* db.h -- the keyspace: numbered logical databases of keys and their TTLs.
 *
 * Each database is two dicts, as in Redis: keys to values, and the keys
 * that have a TTL to their deadline in milliseconds.  The expires dict shares
 * the key strings of the main dict.
 *
 * Expiry happens two ways.  Lazily: every lookup first checks the key's
 * deadline and deletes it when past, so no command ever sees an expired key.
 * Actively: db_active_expire_cycle(), called from the server cron, samples
 * keys with a TTL and deletes the expired ones, under a time budget, so that
 * keys nobody reads again do not stay in memory. */
#ifndef DB_H
#define DB_H

#include <stddef.h>

#include "dict.h"
#include "obj.h"

struct db {
    struct dict *keys;
    struct dict *expires;
    int id;
    long long avg_ttl;         /* estimate for INFO keyspace */
    struct dict *watched_keys; /* key -> clients WATCHing it (multi.c) */
};

/* Lookup flags. */
#define DB_LOOKUP_NOTOUCH 1 /* do not update the LRU clock */

void db_init_all(int count);
void db_free_all(void);
struct db *db_get(int id);

/* Find a key's value, deleting it first when expired.  Read lookups count
 * keyspace hits and misses for INFO stats; write lookups do not. */
struct obj *db_lookup_read(struct db *db, const char *key, size_t klen,
                           int flags);
struct obj *db_lookup_write(struct db *db, const char *key, size_t klen);

/* Add a key that does not exist (the caller checked). Takes ownership of
 * val. */
void db_add(struct db *db, const char *key, size_t klen, struct obj *val);
/* Set a key whether or not it exists, freeing any old value.  The TTL is
 * dropped unless keep_ttl. */
void db_set(struct db *db, const char *key, size_t klen, struct obj *val,
            int keep_ttl);
/* Replace the value of an existing key, keeping its TTL. */
void db_overwrite(struct db *db, const char *key, size_t klen, struct obj *val);
/* Remove a key and its TTL and hand its value to the caller (RENAME moves
 * values instead of copying them).  NULL if the key does not exist. */
struct obj *db_take(struct db *db, const char *key, size_t klen);
/* Delete a key and its TTL; returns 1 if it existed. */
int db_delete(struct db *db, const char *key, size_t klen);

/* TTLs, as absolute Unix times in ms. -1: the key has no TTL. */
void db_set_expire(struct db *db, const char *key, size_t klen,
                   long long when_ms);
long long db_get_expire(struct db *db, const char *key, size_t klen);
int db_remove_expire(struct db *db, const char *key, size_t klen);

size_t db_size(const struct db *db);
/* Empty one database (or all, with id -1); returns keys removed. */
long long db_flush(int id);
/* Exchange the contents of two databases (SWAPDB). */
void db_swap(int a, int b);

/* A random key that is not expired, or NULL when the db is empty. The
 * result is valid until the next keyspace change. */
bstr db_random_key(struct db *db);

/* Active expiry: run under a budget of about budget_us microseconds. */
void db_active_expire_cycle(long long budget_us);
/* A slice of incremental rehashing for every db, from the cron. */
void db_rehash_step(void);

/* Has the key's TTL passed?  (The key is not deleted.) */
int db_key_is_expired(struct db *db, const char *key, size_t klen);

/* Called on every change of a key, for what later watches keys. Counts the
 * change in server.dirty. */
void db_signal_modified(struct db *db, const char *key, size_t klen);

#endif
