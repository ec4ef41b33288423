/* bstr.h -- binary-safe strings with a length header.
 *
 * A bstr is a char pointer to bytes that are always followed by a NUL (so
 * they can be handed to libc), preceded by a small header holding the
 * length and the allocated capacity.  Keys, hash fields and raw string
 * values are bstrs.  Lengths are 32-bit: one string is at most 4 GiB - 1,
 * which is above proto-max-bulk-len's default of 512 MiB. */
#ifndef BSTR_H
#define BSTR_H

#include <stddef.h>
#include <stdint.h>

#define BSTR_MAX_LEN (UINT32_MAX - 1)

typedef char *bstr;

struct bstr_hdr {
    uint32_t len;
    uint32_t cap; /* bytes available for content, NUL excluded */
};

static inline struct bstr_hdr *bstr_hdr(const char *s)
{
    return (struct bstr_hdr *)(void *)(s - sizeof(struct bstr_hdr));
}

static inline size_t bstr_len(const char *s)
{
    return bstr_hdr(s)->len;
}

/* New string holding a copy of p[0..n).  Aborts on out-of-memory, like every
 * allocation in the broker (see xmalloc in util.h). */
bstr bstr_new(const void *p, size_t n);
bstr bstr_from_ll(long long v);
bstr bstr_empty(size_t cap);
void bstr_free(bstr s);
bstr bstr_dup(const char *s);

/* Grow the capacity to at least n bytes, keeping content; may move it. */
bstr bstr_reserve(bstr s, size_t n);
bstr bstr_cat(bstr s, const void *p, size_t n);
bstr bstr_cat_cstr(bstr s, const char *str);
/* Append printf-formatted text. */
bstr bstr_catf(bstr s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append p[0..n) quoted and escaped as Redis's sdscatrepr does ("a\n\x01"),
 * for MONITOR lines and error messages. */
bstr bstr_cat_repr(bstr s, const void *p, size_t n);
/* Set the length (<= capacity) and write the trailing NUL. */
void bstr_set_len(bstr s, size_t n);
/* Bytes allocated for s, header included. */
size_t bstr_alloc_size(const char *s);

#endif
