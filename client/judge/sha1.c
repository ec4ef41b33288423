/* sha1.c -- SHA-1 as RFC 3174 section 6.1 specifies it: 80 rounds over a
 * 16-word block expanded to 80 words, big-endian throughout. */
#include "sha1.h"

#include <string.h>

static uint32_t rol32(uint32_t x, int n)
{
    return (x << n) | (x >> (32 - n));
}

static uint32_t load_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           (uint32_t)p[3];
}

static void store_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* The round function and constant of round t (RFC 3174 section 5). */
static uint32_t round_f(int t, uint32_t b, uint32_t c, uint32_t d, uint32_t *k)
{
    if (t < 20) {
        *k = 0x5A827999;
        return (b & c) | (~b & d);
    }
    if (t < 40) {
        *k = 0x6ED9EBA1;
        return b ^ c ^ d;
    }
    if (t < 60) {
        *k = 0x8F1BBCDC;
        return (b & c) | (b & d) | (c & d);
    }
    *k = 0xCA62C1D6;
    return b ^ c ^ d;
}

static void process_block(uint32_t h[5], const unsigned char *block)
{
    uint32_t w[80];
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];

    for (int t = 0; t < 16; t++)
        w[t] = load_be32(block + 4 * t);
    for (int t = 16; t < 80; t++)
        w[t] = rol32(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);

    for (int t = 0; t < 80; t++) {
        uint32_t k;
        uint32_t f = round_f(t, b, c, d, &k);
        uint32_t temp = rol32(a, 5) + f + e + w[t] + k;

        e = d;
        d = c;
        c = rol32(b, 30);
        b = a;
        a = temp;
    }

    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

void sha1_init(struct sha1_ctx *c)
{
    c->h[0] = 0x67452301;
    c->h[1] = 0xEFCDAB89;
    c->h[2] = 0x98BADCFE;
    c->h[3] = 0x10325476;
    c->h[4] = 0xC3D2E1F0;
    c->total = 0;
    c->block_len = 0;
}

void sha1_update(struct sha1_ctx *c, const void *p, size_t n)
{
    const unsigned char *in = p;

    c->total += n;
    if (c->block_len > 0) {
        size_t take = SHA1_BLOCK_LEN - c->block_len;

        if (take > n)
            take = n;
        memcpy(c->block + c->block_len, in, take);
        c->block_len += take;
        in += take;
        n -= take;
        if (c->block_len < SHA1_BLOCK_LEN)
            return;
        process_block(c->h, c->block);
        c->block_len = 0;
    }

    while (n >= SHA1_BLOCK_LEN) {
        process_block(c->h, in);
        in += SHA1_BLOCK_LEN;
        n -= SHA1_BLOCK_LEN;
    }
    memcpy(c->block, in, n);
    c->block_len = n;
}

/* Padding: a 1 bit, zeros up to 56 bytes mod 64, then the message length
 * in bits as a 64-bit big-endian number. */
void sha1_final(struct sha1_ctx *c, unsigned char out[SHA1_DIGEST_LEN])
{
    uint64_t bits = c->total * 8;

    c->block[c->block_len++] = 0x80;
    if (c->block_len > SHA1_BLOCK_LEN - 8) {
        memset(c->block + c->block_len, 0, SHA1_BLOCK_LEN - c->block_len);
        process_block(c->h, c->block);
        c->block_len = 0;
    }
    memset(c->block + c->block_len, 0, SHA1_BLOCK_LEN - 8 - c->block_len);
    store_be32(c->block + 56, (uint32_t)(bits >> 32));
    store_be32(c->block + 60, (uint32_t)bits);
    process_block(c->h, c->block);

    for (int i = 0; i < 5; i++)
        store_be32(out + 4 * i, c->h[i]);
    memset(c, 0, sizeof(*c));
}

void sha1(const void *p, size_t n, unsigned char out[SHA1_DIGEST_LEN])
{
    struct sha1_ctx c;

    sha1_init(&c);
    sha1_update(&c, p, n);
    sha1_final(&c, out);
}

void sha1_to_hex(const unsigned char digest[SHA1_DIGEST_LEN],
                 char out[SHA1_HEX_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";

    for (int i = 0; i < SHA1_DIGEST_LEN; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 0xf];
    }
    out[SHA1_HEX_LEN] = '\0';
}
