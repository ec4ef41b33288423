/* guard.h -- test buffers that end right before an inaccessible page.
 *
 * A parser that reads one byte past the data it was given touches the
 * PROT_NONE page and the test crashes with SIGSEGV instead of passing by
 * luck, the technique picohttpparser's tests use. */
#ifndef GUARD_H
#define GUARD_H

#include <stddef.h>

struct guard_buf {
    char *data; /* the caller's bytes; data + len is the guard page */
    size_t len;
    char *map; /* start of the mapping */
    size_t map_len;
};

/* Map a writable region holding a copy of p[0..n) whose last byte is
 * followed by a PROT_NONE page.  Aborts the test process on failure. */
void guard_place(struct guard_buf *g, const void *p, size_t n);

/* Unmap a region placed by guard_place() (no-op on a zeroed struct). */
void guard_release(struct guard_buf *g);

#endif
