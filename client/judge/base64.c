/* base64.c -- RFC 4648 base64, strict decoding. */
#include "base64.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encode(const void *in, size_t n, char *out)
{
    const unsigned char *p = in;
    size_t o = 0;

    for (; n >= 3; p += 3, n -= 3) {
        unsigned long v = (unsigned long)p[0] << 16 | p[1] << 8 | p[2];

        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
        out[o++] = alphabet[v & 63];
    }
    if (n > 0) {
        unsigned long v = (unsigned long)p[0] << 16;

        if (n == 2)
            v |= (unsigned long)p[1] << 8;
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = n == 2 ? alphabet[v >> 6 & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

/* The 6-bit value of an alphabet character, or -1. */
static int sextet(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decode one 4-character group; the last group may end in "=" or "==".
 * Returns the bytes it yields (1-3), or -1. */
static int decode_group(const char *g, int last, unsigned char out[3])
{
    int pad = 0;
    unsigned long v = 0;

    if (last && g[3] == '=')
        pad = g[2] == '=' ? 2 : 1;
    for (int i = 0; i < 4 - pad; i++) {
        int s = sextet(g[i]);

        if (s < 0)
            return -1;
        v = v << 6 | (unsigned long)s;
    }
    v <<= 6 * pad;

    /* Canonical form: the bits the padding leaves unused must be zero. */
    if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0))
        return -1;
    out[0] = (unsigned char)(v >> 16);
    out[1] = (unsigned char)(v >> 8);
    out[2] = (unsigned char)v;
    return 3 - pad;
}

int base64_decode(const char *in, size_t n, void *out, size_t cap,
                  size_t *out_len)
{
    unsigned char *o = out;
    size_t len = 0;

    if (n % 4 != 0)
        return -1;
    for (size_t i = 0; i < n; i += 4) {
        unsigned char bytes[3];
        int got = decode_group(in + i, i + 4 == n, bytes);

        if (got < 0 || len + (size_t)got > cap)
            return -1;
        for (int j = 0; j < got; j++)
            o[len++] = bytes[j];
    }
    *out_len = len;
    return 0;
}
