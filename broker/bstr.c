/* bstr.c -- binary-safe strings with a length header (see bstr.h). */
#include "bstr.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Lengths are 32-bit.  Configuration keeps every value below the limit
 * (proto-max-bulk-len tops out at BSTR_MAX_LEN), so a longer string is a
 * bug, not a client's doing: stop rather than truncate. */
static void check_len(size_t n)
{
    if (n > BSTR_MAX_LEN) {
        fprintf(stderr, "respd: string of %zu bytes exceeds the limit\n", n);
        abort();
    }
}

static bstr alloc_with_cap(size_t cap)
{
    check_len(cap);
    struct bstr_hdr *h = xmalloc(sizeof(*h) + cap + 1);
    h->len = 0;
    h->cap = (uint32_t)cap;
    return (char *)(h + 1);
}

bstr bstr_new(const void *p, size_t n)
{
    bstr s = alloc_with_cap(n);
    if (n)
        memcpy(s, p, n);
    bstr_set_len(s, n);
    return s;
}

bstr bstr_from_ll(long long v)
{
    char buf[32];
    int n = util_ll2str(buf, sizeof(buf), v);
    return bstr_new(buf, (size_t)n);
}

bstr bstr_dup(const char *s)
{
    return bstr_new(s, bstr_len(s));
}

void bstr_free(bstr s)
{
    if (s)
        xfree(bstr_hdr(s));
}

/* Grow geometrically below 1 MiB and by 1 MiB steps above, as a string
 * that keeps being appended to (APPEND in a loop) needs amortised O(1). */
bstr bstr_reserve(bstr s, size_t n)
{
    struct bstr_hdr *h = bstr_hdr(s);
    if (n <= h->cap)
        return s;
    check_len(n);
    size_t cap = n < 1024 * 1024 ? n * 2 : n + 1024 * 1024;
    if (cap > BSTR_MAX_LEN)
        cap = BSTR_MAX_LEN;
    h = xrealloc(h, sizeof(*h) + cap + 1);
    h->cap = (uint32_t)cap;
    return (char *)(h + 1);
}

bstr bstr_cat(bstr s, const void *p, size_t n)
{
    size_t len = bstr_len(s);
    s = bstr_reserve(s, len + n);
    memcpy(s + len, p, n);
    bstr_set_len(s, len + n);
    return s;
}

void bstr_set_len(bstr s, size_t n)
{
    bstr_hdr(s)->len = (uint32_t)n;
    s[n] = '\0';
}

size_t bstr_alloc_size(const char *s)
{
    return sizeof(struct bstr_hdr) + bstr_hdr(s)->cap + 1;
}

bstr bstr_empty(size_t cap)
{
    bstr s = alloc_with_cap(cap);
    bstr_set_len(s, 0);
    return s;
}

bstr bstr_cat_cstr(bstr s, const char *str)
{
    return bstr_cat(s, str, strlen(str));
}

bstr bstr_catf(bstr s, const char *fmt, ...)
{
    va_list ap;
    size_t len = bstr_len(s);
    size_t room = bstr_hdr(s)->cap - len;

    va_start(ap, fmt);
    int n = vsnprintf(s + len, room + 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return s;
    if ((size_t)n > room) {
        s = bstr_reserve(s, len + (size_t)n);
        va_start(ap, fmt);
        vsnprintf(s + len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    bstr_set_len(s, len + (size_t)n);
    return s;
}

bstr bstr_cat_repr(bstr s, const void *p, size_t n)
{
    const unsigned char *c = p;

    s = bstr_cat(s, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        switch (c[i]) {
        case '\\':
            s = bstr_cat(s, "\\\\", 2);
            break;
        case '"':
            s = bstr_cat(s, "\\\"", 2);
            break;
        case '\n':
            s = bstr_cat(s, "\\n", 2);
            break;
        case '\r':
            s = bstr_cat(s, "\\r", 2);
            break;
        case '\t':
            s = bstr_cat(s, "\\t", 2);
            break;
        case '\a':
            s = bstr_cat(s, "\\a", 2);
            break;
        case '\b':
            s = bstr_cat(s, "\\b", 2);
            break;
        default:
            if (c[i] >= 0x20 && c[i] < 0x7f) {
                s = bstr_cat(s, &c[i], 1);
            } else {
                /* Not bstr_catf: a printf per byte made MONITOR of one
                 * 50 MB binary value stall the server for seconds. */
                static const char digits[] = "0123456789abcdef";
                char hex[4] = {'\\', 'x', digits[c[i] >> 4], digits[c[i] & 15]};
                s = bstr_cat(s, hex, 4);
            }
        }
    }
    return bstr_cat(s, "\"", 1);
}
