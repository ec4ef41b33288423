/* test_judge_sha1.c -- SHA-1 against the RFC 3174 test vectors, and
 * base64 against the RFC 4648 section 10 vectors (client/judge/sha1.h,
 * client/judge/base64.h).
 *
 * The padding-boundary digests (message lengths around 55, 56 and 64
 * bytes, where the length field moves into an extra block) were computed
 * with Python's hashlib, an independent implementation. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "../../client/judge/base64.h"
#include "../../client/judge/sha1.h"
#include "guard.h"

/* Hash p[0..n) repeated `times` times and compare with hex. */
static void expect_digest(const char *p, size_t n, long times, const char *hex)
{
    struct sha1_ctx c;
    unsigned char d[SHA1_DIGEST_LEN];
    char got[SHA1_HEX_LEN + 1];

    sha1_init(&c);
    for (long i = 0; i < times; i++)
        sha1_update(&c, p, n);
    sha1_final(&c, d);
    sha1_to_hex(d, got);
    cr_assert_str_eq(got, hex, "%ld x %zu bytes", times, n);
}

Test(judge_sha1, rfc3174_test1_abc)
{
    expect_digest("abc", 3, 1, "a9993e364706816aba3e25717850c26c9cd0d89d");
}

Test(judge_sha1, rfc3174_test2_two_blocks)
{
    static const char s[] =
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

    expect_digest(s, sizeof(s) - 1, 1,
                  "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

Test(judge_sha1, rfc3174_test3_a_million_a)
{
    expect_digest("a", 1, 1000000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    /* The same million bytes in one call. */
    {
        char *m = malloc(1000000);
        unsigned char d[SHA1_DIGEST_LEN];
        char got[SHA1_HEX_LEN + 1];

        memset(m, 'a', 1000000);
        sha1(m, 1000000, d);
        sha1_to_hex(d, got);
        cr_assert_str_eq(got, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
        free(m);
    }
}

Test(judge_sha1, rfc3174_test4_ten_times_64_bytes)
{
    static const char s[] =
        "0123456701234567012345670123456701234567012345670123456701234567";

    expect_digest(s, sizeof(s) - 1, 10,
                  "dea356a2cddd90c7a7ecedc5ebb563934f460452");
}

Test(judge_sha1, empty_message)
{
    expect_digest("", 0, 1, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

Test(judge_sha1, pangram)
{
    static const char s[] = "The quick brown fox jumps over the lazy dog";

    expect_digest(s, sizeof(s) - 1, 1,
                  "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
}

Test(judge_sha1, padding_boundaries)
{
    static const struct {
        size_t n;
        const char *hex;
    } cases[] = {
        {55, "ddf57317ef34bfee3b6df83d359098930eb278bc"},
        {56, "a0d492bb0fc889d0eca3bc137066ab6f4f74f369"},
        {63, "c55856749bef509bdfe6bfebfc7bf4e793e82132"},
        {64, "bede92be29c3874e1b54ddc77988d606fc857a8e"},
        {65, "b05a80522b053d6dc7e0a517d0e70212c7dad11f"},
        {119, "504e27376a6e0f0dba8295b85cb25dc4dfa17d23"},
        {120, "82134b02fb3f702491be9bed581eeab59334acb2"},
        {128, "a09133e6730ffe899efb70204cb5646cd5dc24ee"},
    };
    char msg[128];

    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (char)((i * 7 + 3) & 0xff);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_digest(msg, cases[i].n, 1, cases[i].hex);
}

/* Any split of the input into two updates gives the one-shot digest, and
 * the hash never reads past its input (guard page). */
Test(judge_sha1, split_updates_match_one_shot)
{
    char msg[200];
    unsigned char whole[SHA1_DIGEST_LEN], parts[SHA1_DIGEST_LEN];

    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (char)(i * 13 + 1);
    sha1(msg, sizeof(msg), whole);
    for (size_t at = 0; at <= sizeof(msg); at++) {
        struct guard_buf a, b;
        struct sha1_ctx c;

        guard_place(&a, msg, at);
        guard_place(&b, msg + at, sizeof(msg) - at);
        sha1_init(&c);
        sha1_update(&c, a.data, a.len);
        sha1_update(&c, b.data, b.len);
        sha1_final(&c, parts);
        cr_assert(memcmp(whole, parts, SHA1_DIGEST_LEN) == 0, "split at %zu",
                  at);
        guard_release(&a);
        guard_release(&b);
    }
}

/* ---- base64 ---- */

static const struct {
    const char *plain;
    const char *encoded;
} rfc4648[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

Test(judge_base64, rfc4648_encode)
{
    for (size_t i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
        char out[16];
        size_t n =
            base64_encode(rfc4648[i].plain, strlen(rfc4648[i].plain), out);

        cr_assert_str_eq(out, rfc4648[i].encoded);
        cr_assert_eq(n, strlen(rfc4648[i].encoded));
        cr_assert_eq(n, BASE64_ENCODED_LEN(strlen(rfc4648[i].plain)));
    }
}

Test(judge_base64, rfc4648_decode)
{
    for (size_t i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
        const char *e = rfc4648[i].encoded;
        struct guard_buf g;
        char out[16];
        size_t n = 99;

        guard_place(&g, e, strlen(e));
        cr_assert_eq(base64_decode(g.data, g.len, out, sizeof(out), &n), 0,
                     "%s", e);
        cr_assert_eq(n, strlen(rfc4648[i].plain));
        cr_assert(memcmp(out, rfc4648[i].plain, n) == 0);
        guard_release(&g);
    }
}

Test(judge_base64, all_byte_values_round_trip)
{
    unsigned char in[256], back[256];
    char enc[BASE64_ENCODED_LEN(256) + 1];

    for (int i = 0; i < 256; i++)
        in[i] = (unsigned char)i;
    for (size_t n = 0; n <= sizeof(in); n++) {
        size_t len = base64_encode(in, n, enc), got;

        cr_assert_eq(base64_decode(enc, len, back, sizeof(back), &got), 0);
        cr_assert_eq(got, n);
        cr_assert(memcmp(in, back, n) == 0, "length %zu", n);
    }
    base64_encode(in + 0xf8, 8, enc);
    cr_assert_str_eq(enc, "+Pn6+/z9/v8=", "'+' and '/' of the alphabet");
}

Test(judge_base64, non_canonical_input_is_refused)
{
    static const char *bad[] = {
        "Zg",       /* no padding */
        "Zg=",      /* short padding */
        "Zg==Zg==", /* padding inside */
        "Zh==",     /* unused bits set */
        "Zm9=",     /* unused bits set */
        "====",     "Z===", "Zm9v\n", "Zm 9v",
        "Zm9v====", "Zm-v", "Zm_v",   "Zg=a",
    };
    unsigned char out[16];
    size_t n;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(
            base64_decode(bad[i], strlen(bad[i]), out, sizeof(out), &n), -1,
            "accepted \"%s\"", bad[i]);
}

Test(judge_base64, decode_respects_the_output_capacity)
{
    unsigned char out[6];
    size_t n;

    cr_assert_eq(base64_decode("Zm9vYmFy", 8, out, 6, &n), 0);
    cr_assert_eq(n, 6);
    cr_assert_eq(base64_decode("Zm9vYmFy", 8, out, 5, &n), -1);
    cr_assert_eq(base64_decode("Zm9vYg==", 8, out, 4, &n), 0);
    cr_assert_eq(base64_decode("Zm9vYg==", 8, out, 3, &n), -1);
}
