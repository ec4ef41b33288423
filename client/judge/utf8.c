/* utf8.c -- UTF-8 validation.
 *
 * A lead byte fixes how many continuation bytes follow and, for E0, ED, F0
 * and F4, a narrower range for the first of them: that narrowing is what
 * refuses overlong forms (E0 80..9F, F0 80..8F), surrogates (ED A0..BF)
 * and code points above U+10FFFF (F4 90..BF).  C0, C1 and F5..FF never
 * start a valid character. */
#include "utf8.h"

/* Set d up for the continuation bytes of lead byte c; -1 if c cannot start
 * a character. */
static int start_char(struct utf8_decoder *d, unsigned char c)
{
    d->lo = 0x80;
    d->hi = 0xBF;
    if (c < 0x80) {
        d->need = 0;
    } else if (c >= 0xC2 && c <= 0xDF) {
        d->need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        d->need = 2;
        if (c == 0xE0)
            d->lo = 0xA0;
        else if (c == 0xED)
            d->hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        d->need = 3;
        if (c == 0xF0)
            d->lo = 0x90;
        else if (c == 0xF4)
            d->hi = 0x8F;
    } else {
        return -1;
    }
    return 0;
}

void utf8_init(struct utf8_decoder *d)
{
    d->need = 0;
    d->lo = 0x80;
    d->hi = 0xBF;
    d->bad = 0;
}

int utf8_feed(struct utf8_decoder *d, const void *p, size_t n)
{
    const unsigned char *s = p;

    if (d->bad)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];

        if (d->need == 0) {
            if (c < 0x80)
                continue;
            if (start_char(d, c) < 0) {
                d->bad = 1;
                return -1;
            }
            continue;
        }
        if (c < d->lo || c > d->hi) {
            d->bad = 1;
            return -1;
        }
        d->need--;
        d->lo = 0x80;
        d->hi = 0xBF;
    }
    return 0;
}

int utf8_complete(const struct utf8_decoder *d)
{
    return !d->bad && d->need == 0;
}

int utf8_valid(const void *p, size_t n)
{
    struct utf8_decoder d;

    utf8_init(&d);
    return utf8_feed(&d, p, n) == 0 && utf8_complete(&d);
}

size_t utf8_char_len(const void *p, size_t n)
{
    const unsigned char *s = p;
    struct utf8_decoder d;
    size_t len;

    if (n == 0)
        return 0;
    utf8_init(&d);
    if (start_char(&d, s[0]) < 0)
        return 0;
    len = 1 + (size_t)d.need;
    if (len > n)
        return 0;
    if (utf8_feed(&d, s + 1, len - 1) < 0)
        return 0;
    return len;
}
