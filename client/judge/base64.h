/* base64.h -- base64 with the standard alphabet and '=' padding (RFC 4648
 * section 4).  The decoder is strict (section 3.3 and 3.5): no whitespace
 * or other bytes outside the alphabet, length a multiple of 4, padding only
 * at the end, and the unused bits of the last group zero, so every byte
 * string has exactly one accepted encoding. */
#ifndef BASE64_H
#define BASE64_H

#include <stddef.h>

/* Encoded length of n bytes (without a NUL). */
#define BASE64_ENCODED_LEN(n) (((n) + 2) / 3 * 4)
/* Upper bound on the decoded length of n base64 characters. */
#define BASE64_DECODED_MAX(n) ((n) / 4 * 3)

/* Encode in[0..n) into out, which must hold BASE64_ENCODED_LEN(n) + 1
 * bytes; writes a NUL after the text.  Returns the text length. */
size_t base64_encode(const void *in, size_t n, char *out);

/* Decode in[0..n) into out[0..cap).  Returns 0 with the byte count in
 * *out_len, or -1 when the input is not canonical base64 or the result
 * does not fit in cap (out's contents are then unspecified). */
int base64_decode(const char *in, size_t n, void *out, size_t cap,
                  size_t *out_len);

#endif
