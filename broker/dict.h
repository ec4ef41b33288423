/* dict.h -- hash table keyed by binary strings, with incremental rehashing.
 *
 * Keys are bstrs.  Values are a pointer or a 64-bit integer (the expires
 * table stores deadlines in place).  The table doubles when the number of
 * entries reaches its size and halves when it falls under a tenth; in both
 * cases the entries move a few buckets at a time (on each operation and
 * from the server's cron), so no single command pays for a whole rehash.
 *
 * Scanning uses Redis's reverse-binary cursor, which visits every entry
 * present for the whole scan at least once even while the table grows or
 * shrinks between calls. */
#ifndef DICT_H
#define DICT_H

#include <stddef.h>
#include <stdint.h>

#include "bstr.h"

struct dict_entry {
    bstr key;
    union {
        void *ptr;
        int64_t s64;
    } v;
    struct dict_entry *next;
};

struct dict_type {
    int owns_keys;            /* free keys with the entry */
    void (*free_val)(void *); /* NULL: values are not owned */
};

struct dict_table {
    struct dict_entry **buckets;
    size_t size; /* power of two, or 0 */
    size_t used;
};

struct dict {
    const struct dict_type *type;
    struct dict_table t[2];
    long rehash_idx;  /* -1 when not rehashing */
    int pause_rehash; /* > 0 while a safe iteration runs */
};

typedef void dict_scan_fn(void *data, struct dict_entry *e);

struct dict *dict_create(const struct dict_type *type);
void dict_free(struct dict *d);
/* Remove every entry, calling the destructors; the dict stays usable. */
void dict_clear(struct dict *d);

size_t dict_size(const struct dict *d);

struct dict_entry *dict_find(struct dict *d, const void *key, size_t klen);
/* Insert a key that must not exist yet.  The dict takes ownership of key if
 * its type owns keys.  Returns the new entry. */
struct dict_entry *dict_add(struct dict *d, bstr key);
/* Unlink and destroy the entry for key.  Returns 1 if found. */
int dict_delete(struct dict *d, const void *key, size_t klen);
/* Unlink the entry without calling the value destructor; the caller frees
 * it with dict_free_unlinked(). */
struct dict_entry *dict_unlink(struct dict *d, const void *key, size_t klen);
void dict_free_unlinked(struct dict *d, struct dict_entry *e);

/* A random entry, or NULL if empty.  Not uniform (bucket chains bias it),
 * as Redis's dictGetRandomKey. */
struct dict_entry *dict_random(struct dict *d);

/* Visit the entries of one cursor step; returns the next cursor, 0 when the
 * scan is complete. */
uint64_t dict_scan(struct dict *d, uint64_t cursor, dict_scan_fn *fn,
                   void *data);

/* Do n steps of incremental rehashing; returns 1 if more remain. */
int dict_rehash(struct dict *d, int n);
/* Rehash for about ms milliseconds; returns the steps done. */
int dict_rehash_ms(struct dict *d, int ms);
/* Make room for at least n entries at once (a load that knows how many
 * keys follow), so that inserting them never rehashes.  Does nothing while
 * a rehash runs or when the table is already large enough. */
void dict_expand(struct dict *d, size_t n);
/* Shrink the table if it became sparse. */
void dict_maybe_shrink(struct dict *d);

/* Iteration over every entry; entries may be deleted during it (rehashing
 * is paused until dict_iter_end()). */
struct dict_iter {
    struct dict *d;
    int table;
    long index;
    struct dict_entry *entry, *next;
};

void dict_iter_start(struct dict_iter *it, struct dict *d);
struct dict_entry *dict_iter_next(struct dict_iter *it);
void dict_iter_end(struct dict_iter *it);

/* Bytes used by the tables themselves (not keys or values), for INFO. */
size_t dict_overhead(const struct dict *d);

#endif
