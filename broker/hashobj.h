/* hashobj.h -- the hash type's representation.
 *
 * A small hash is one packed array of field/value pairs (the "listpack"
 * encoding: one allocation, linear search, a few bytes of overhead per
 * pair).  When it grows past hash-max-listpack-entries pairs, or a field
 * or value longer than hash-max-listpack-value bytes is stored, it is
 * converted once to a dict (the "hashtable" encoding), as Redis does; it
 * never converts back.  The thresholds are server.hash_max_listpack_*,
 * read on every write, so CONFIG SET applies to the next write.
 *
 * Entries handed out (struct hashobj_entry) point into the hash, or into
 * the entry's own buffers for items packed as integers, and are valid
 * until the hash is next modified. */
#ifndef HASHOBJ_H
#define HASHOBJ_H

#include <stddef.h>
#include <stdint.h>

#include "dict.h"
#include "obj.h"

/* A packed hash is converted before it would pass this many bytes, however
 * high the thresholds are set (Redis's listpack has the same safety cap). */
#define HASHOBJ_PACK_MAX (1u << 30)

struct hashobj_entry {
    const char *field;
    size_t field_len;
    const char *value;
    size_t value_len;
    char fbuf[24], vbuf[24]; /* digits of integer-encoded items */
};

/* Called once per entry by the visiting functions below. */
typedef void hashobj_visit_fn(void *data, const struct hashobj_entry *e);

/* A new empty hash object (listpack encoded). */
struct obj *hashobj_create(void);
/* Free the hash's contents; obj_free() frees the object itself. */
void hashobj_free(struct obj *o);
size_t hashobj_len(const struct obj *o);
/* Bytes allocated for the hash's contents (MEMORY USAGE); O(n) for the
 * hashtable encoding. */
size_t hashobj_alloc_size(const struct obj *o);

/* Returns 0 with *e filled (field and value valid until the hash changes),
 * or -1 if the field is absent. */
int hashobj_get(struct obj *o, const char *f, size_t flen,
                struct hashobj_entry *e);
/* Set field to value; returns 1 if the field is new, 0 if updated.
 * Converts the encoding when a threshold is crossed: before storing a
 * field or value longer than the value threshold, after adding the pair
 * that takes the count past the entries threshold.  f and v must not
 * point into the hash itself (it may move). */
int hashobj_set(struct obj *o, const char *f, size_t flen, const char *v,
                size_t vlen);
/* Returns 1 if deleted.  The caller deletes a hash that becomes empty. */
int hashobj_delete(struct obj *o, const char *f, size_t flen);
/* Convert a listpack-encoded hash to the hashtable encoding (no-op when
 * it already is one). */
void hashobj_convert(struct obj *o);

/* One entry chosen at random (uniformly for listpack; for hashtable with
 * the bias of dict_random()).  Returns 0, or -1 if the hash is empty. */
int hashobj_random(struct obj *o, struct hashobj_entry *e);
/* Visit count distinct entries chosen at random; count must be below the
 * hash's length.  The hash must not change during the visit. */
void hashobj_random_unique(struct obj *o, size_t count, hashobj_visit_fn *fn,
                           void *data);

/* One step of an incremental scan (HSCAN).  For the hashtable encoding, a
 * step of dict_scan() with its guarantees; the listpack encoding is
 * visited whole.  Returns the next cursor, 0 when complete. */
uint64_t hashobj_scan(struct obj *o, uint64_t cursor, hashobj_visit_fn *fn,
                      void *data);

/* Iteration in storage order: insertion order for listpack (an updated
 * field keeps its place), the dict's order for hashtable.  The hash must
 * not change between init and end. */
struct hashobj_iter {
    struct obj *o;
    size_t pos; /* listpack: offset of the next pair */
    struct dict_iter di;
};
void hashobj_iter_init(struct hashobj_iter *it, struct obj *o);
/* Returns 1 with *e filled, 0 at the end. */
int hashobj_iter_next(struct hashobj_iter *it, struct hashobj_entry *e);
void hashobj_iter_end(struct hashobj_iter *it);

#endif
