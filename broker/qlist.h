/* qlist.h -- the list type's representation: a deque of packed chunks.
 *
 * A list is a doubly linked sequence of nodes; each node holds a run of
 * elements packed back to back in one buffer (length-prefixed bytes, small
 * integers encoded compactly).  Pushing and popping at either end touch
 * only the end node: O(1).  Millions of small elements cost a few bytes of
 * overhead each instead of a pointer, a header and an allocation apiece.
 * Access by index walks nodes (O(n / elements per node)), as Redis's
 * quicklist does.
 *
 * How big a node may grow is the list's fill, Redis's list-max-listpack-
 * size: -1..-5 limit a node to 4, 8, 16, 32 or 64 KiB of packed entries
 * (-2, 8 KiB, is the default); a positive fill limits it to that many
 * entries (and 8 KiB).  An element larger than the limit gets a node of
 * its own.
 *
 * Entries handed out (struct qlist_entry) point into a node and are valid
 * until the list is next modified. */
#ifndef QLIST_H
#define QLIST_H

#include <stddef.h>

#define QLIST_HEAD         0
#define QLIST_TAIL         1
#define QLIST_DEFAULT_FILL (-2) /* 8 KiB nodes */
/* The default fill's limit, and the cap for a positive fill. */
#define QLIST_NODE_BYTES 8192

struct qlist;

struct qlist_entry {
    const char *ptr; /* the element's bytes (into the node, or into buf) */
    size_t len;
    char buf[24]; /* digits of an element stored as an integer */
};

/* A new empty list with the default fill. */
struct qlist *qlist_create(void);
/* Set the fill (see above) nodes created from now on obey; Redis fixes it
 * when a list is created, so CONFIG SET changes only new lists. */
void qlist_set_fill(struct qlist *ql, int fill);
void qlist_free(struct qlist *ql);
size_t qlist_len(const struct qlist *ql);
/* Bytes allocated by the list, for memory accounting. */
size_t qlist_alloc_size(const struct qlist *ql);
/* Number of nodes (for tests and DEBUG-style introspection). */
size_t qlist_node_count(const struct qlist *ql);

void qlist_push(struct qlist *ql, int where, const void *p, size_t n);
/* The element at an end, without removing it.  Returns 0, or -1 if the list
 * is empty. */
int qlist_peek(struct qlist *ql, int where, struct qlist_entry *e);
/* Remove the element at an end.  Returns 0, or -1 if empty. */
int qlist_pop(struct qlist *ql, int where);

/* Element at index (negative counts from the tail, -1 is the last).
 * Returns 0, or -1 when out of range. */
int qlist_index(struct qlist *ql, long long index, struct qlist_entry *e);
/* Replace the element at index (negative as above).  Returns 0, or -1 when
 * out of range. */
int qlist_replace(struct qlist *ql, long long index, const void *p, size_t n);
/* Remove count elements starting at index start (0-based, >= 0); what lies
 * beyond the end is ignored. */
void qlist_delete_range(struct qlist *ql, long long start, long long count);

/* Iteration from an index (negative counts from the tail) towards the tail
 * (QLIST_TAIL) or the head (QLIST_HEAD).  The iterator may delete the entry
 * it just returned, or insert next to it; any other change to the list
 * invalidates it.  it->index is the index of the entry last returned. */
struct qlist_iter {
    struct qlist *ql;
    void *node;    /* node of the current entry; NULL past the end */
    size_t offset; /* the current entry's offset in the node's entries */
    int direction;
    long long index;
    int positioned; /* node/offset is the next entry to return, not the
                       one last returned (at the start, after a delete) */
};

void qlist_iter_init(struct qlist_iter *it, struct qlist *ql, long long start,
                     int direction);
/* Returns 1 with *e set, or 0 at the end. */
int qlist_iter_next(struct qlist_iter *it, struct qlist_entry *e);
/* Delete the entry just returned; the next call returns the one after it
 * (in the iteration's direction). */
void qlist_iter_delete(struct qlist_iter *it);
/* Insert before (after == 0, towards the head) or after (towards the tail)
 * the entry just returned.  Iteration goes on past the new element: it is
 * never returned by this iterator. */
void qlist_iter_insert(struct qlist_iter *it, int after, const void *p,
                       size_t n);

#endif
