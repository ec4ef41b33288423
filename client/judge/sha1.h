/* sha1.h -- SHA-1 (RFC 3174), for the WebSocket handshake.
 *
 * SHA-1 is broken for collision resistance; RFC 6455 uses it only to prove
 * that a server understood the handshake, which is all it is for here. */
#ifndef SHA1_H
#define SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_DIGEST_LEN 20
#define SHA1_BLOCK_LEN  64
#define SHA1_HEX_LEN    40

struct sha1_ctx {
    uint32_t h[5];
    uint64_t total; /* message bytes so far */
    unsigned char block[SHA1_BLOCK_LEN];
    size_t block_len; /* bytes buffered in block */
};

void sha1_init(struct sha1_ctx *c);
/* Hash n more bytes (any n, in any number of calls). */
void sha1_update(struct sha1_ctx *c, const void *p, size_t n);
/* Pad, write the digest, and leave c to be re-initialised. */
void sha1_final(struct sha1_ctx *c, unsigned char out[SHA1_DIGEST_LEN]);

/* One-shot digest of p[0..n). */
void sha1(const void *p, size_t n, unsigned char out[SHA1_DIGEST_LEN]);

/* Lower-case hex of a digest, NUL-terminated. */
void sha1_to_hex(const unsigned char digest[SHA1_DIGEST_LEN],
                 char out[SHA1_HEX_LEN + 1]);

#endif
