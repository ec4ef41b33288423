/* utf8.h -- UTF-8 validation (RFC 3629), whole or incremental.
 *
 * Valid means: shortest form only (no overlongs such as C0 80), no UTF-16
 * surrogates (ED A0 80 .. ED BF BF), nothing above U+10FFFF.  The
 * incremental decoder lets a WebSocket text message be checked fragment by
 * fragment, with a character split across fragments. */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>

struct utf8_decoder {
    unsigned char need; /* continuation bytes still expected */
    unsigned char lo;   /* allowed range of the next continuation byte */
    unsigned char hi;
    unsigned char bad; /* sticky: an invalid byte was seen */
};

void utf8_init(struct utf8_decoder *d);

/* Feed n more bytes.  Returns 0 while everything fed so far is a valid
 * prefix of UTF-8 text, -1 from the first invalid byte on (sticky). */
int utf8_feed(struct utf8_decoder *d, const void *p, size_t n);

/* 1 if everything fed is valid and ends on a character boundary. */
int utf8_complete(const struct utf8_decoder *d);

/* 1 if p[0..n) is valid UTF-8, else 0. */
int utf8_valid(const void *p, size_t n);

/* Length (1 to 4) of the valid character starting at p[0] within
 * p[0..n), or 0 when none starts there (n == 0, a stray continuation byte,
 * an invalid or truncated sequence). */
size_t utf8_char_len(const void *p, size_t n);

#endif
