/* hashobj.h -- the hash type's representation.
 *
 * A small hash is one packed array of field/value pairs (the "listpack"
 * encoding: one allocation, linear search, a few bytes of overhead per
 * pair).  When it grows past hash-max-listpack-entries pairs, or a field
 * or value longer than hash-max-listpack-value bytes is stored, it is
 * converted once to a dict (the "hashtable" encoding), as Redis does; it
 * never converts back.  The thresholds are server.hash_max_listpack_*. */
#ifndef HASHOBJ_H
#define HASHOBJ_H

#include <stddef.h>

#include "obj.h"

struct hashobj_entry {
    const char *field;
    size_t field_len;
    const char *value;
    size_t value_len;
    char fbuf[24], vbuf[24]; /* digits of integer-encoded items */
};

/* A new empty hash object (listpack encoded). */
struct obj *hashobj_create(void);
/* Free the hash's contents; obj_free() frees the object itself. */
void hashobj_free(struct obj *o);
size_t hashobj_len(const struct obj *o);
size_t hashobj_alloc_size(const struct obj *o);

/* Returns 0 with *e filled (field and value valid until the hash changes),
 * or -1 if the field is absent. */
int hashobj_get(struct obj *o, const char *f, size_t flen,
                struct hashobj_entry *e);
/* Set field to value; returns 1 if the field is new, 0 if updated.
 * Converts the encoding when a threshold is crossed. */
int hashobj_set(struct obj *o, const char *f, size_t flen, const char *v,
                size_t vlen);
/* Returns 1 if deleted. */
int hashobj_delete(struct obj *o, const char *f, size_t flen);

/* Iteration in storage order. */
struct hashobj_iter {
    struct obj *o;
    size_t pos;
    void *state[4];
};
void hashobj_iter_init(struct hashobj_iter *it, struct obj *o);
int hashobj_iter_next(struct hashobj_iter *it, struct hashobj_entry *e);
void hashobj_iter_end(struct hashobj_iter *it);

#endif
