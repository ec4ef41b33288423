/* test_resp_write.c -- the reply writer, byte for byte.
 *
 * Expected bytes are what redis-server 7.0.15 sends (checked over a raw
 * socket with HELLO 2 / HELLO 3, ZSCORE, DEBUG PROTOCOL and EVAL). */
#include <criterion/criterion.h>

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../resp/resp_write.h"

static struct resp_buf buf;

static void setup(void)
{
    resp_buf_init(&buf);
}

static void teardown(void)
{
    resp_buf_free(&buf);
}

TestSuite(resp_write, .init = setup, .fini = teardown);

/* Compare the whole buffer with a literal, binary-safe, then empty it so a
 * test can check several writes in turn. */
static void expect_bytes(const char *expected, size_t n)
{
    cr_assert_eq(buf.len, n, "length %zu, expected %zu (\"%.*s\")", buf.len, n,
                 (int)buf.len, buf.data);
    cr_assert(memcmp(buf.data, expected, n) == 0, "got \"%.*s\"", (int)buf.len,
              buf.data);
    buf.len = 0;
}

#define EXPECT(lit) expect_bytes(lit, sizeof(lit) - 1)

/* ---- the buffer -------------------------------------------------------- */

Test(resp_write, new_buffer_is_empty)
{
    cr_assert_eq(buf.len, 0);
    cr_assert_eq(buf.cap, 0);
    cr_assert_null(buf.data);
}

Test(resp_write, append_adds_bytes_at_the_end)
{
    cr_assert_eq(resp_buf_append(&buf, "ab", 2), 0);
    cr_assert_eq(resp_buf_append(&buf, "c\0d", 3), 0);
    EXPECT("abc\0d");
}

Test(resp_write, reserve_never_reallocates_when_capacity_suffices)
{
    char *data;

    cr_assert_eq(resp_buf_reserve(&buf, 100), 0);
    data = buf.data;
    cr_assert_geq(buf.cap, 100);
    for (size_t i = 0; i < buf.cap; i++)
        cr_assert_eq(resp_buf_append(&buf, "x", 1), 0);
    cr_assert_eq(buf.data, data);
    cr_assert_eq(resp_buf_reserve(&buf, 0), 0);
    cr_assert_eq(buf.data, data);
}

Test(resp_write, growth_at_least_doubles_the_capacity)
{
    size_t grows = 0, cap = 0;

    for (int i = 0; i < 1 << 20; i++) {
        cr_assert_eq(resp_buf_append(&buf, "x", 1), 0);
        if (buf.cap != cap) {
            cr_assert(cap == 0 || buf.cap >= 2 * cap, "%zu -> %zu", cap,
                      buf.cap);
            cap = buf.cap;
            grows++;
        }
    }
    cr_assert_leq(grows, 21);
}

Test(resp_write, reserve_grows_to_fit_a_large_request_at_once)
{
    cr_assert_eq(resp_buf_append(&buf, "ab", 2), 0);
    cr_assert_eq(resp_buf_reserve(&buf, 100000), 0);
    cr_assert_geq(buf.cap - buf.len, 100000);
    EXPECT("ab");
}

Test(resp_write, impossible_reservation_fails_and_leaves_the_buffer_alone)
{
    char *data;
    size_t cap;

    cr_assert_eq(resp_buf_append(&buf, "abc", 3), 0);
    data = buf.data;
    cap = buf.cap;
    cr_assert_eq(resp_buf_reserve(&buf, SIZE_MAX), -1);
    cr_assert_eq(resp_buf_reserve(&buf, SIZE_MAX - 2), -1);
    cr_assert_eq(resp_w_bulk(&buf, "x", SIZE_MAX - 8), -1);
    cr_assert_eq(buf.data, data);
    cr_assert_eq(buf.cap, cap);
    EXPECT("abc");
}

Test(resp_write, consume_drops_the_front_and_keeps_the_rest)
{
    char *data;

    cr_assert_eq(resp_buf_append(&buf, "hello world", 11), 0);
    data = buf.data;
    resp_buf_consume(&buf, 6);
    cr_assert_eq(buf.data, data);
    EXPECT("world");
}

Test(resp_write, consume_of_everything_or_more_empties_the_buffer)
{
    cr_assert_eq(resp_buf_append(&buf, "abc", 3), 0);
    resp_buf_consume(&buf, 3);
    cr_assert_eq(buf.len, 0);
    cr_assert_eq(resp_buf_append(&buf, "abc", 3), 0);
    resp_buf_consume(&buf, 10);
    cr_assert_eq(buf.len, 0);
    cr_assert_gt(buf.cap, 0);
}

Test(resp_write, consume_of_nothing_changes_nothing)
{
    cr_assert_eq(resp_buf_append(&buf, "abc", 3), 0);
    resp_buf_consume(&buf, 0);
    EXPECT("abc");
}

Test(resp_write, free_returns_to_the_empty_state)
{
    cr_assert_eq(resp_buf_append(&buf, "abc", 3), 0);
    resp_buf_free(&buf);
    cr_assert_null(buf.data);
    cr_assert_eq(buf.len, 0);
    cr_assert_eq(buf.cap, 0);
}

/* ---- scalars ----------------------------------------------------------- */

Test(resp_write, simple_string)
{
    cr_assert_eq(resp_w_simple(&buf, "OK", 2), 0);
    EXPECT("+OK\r\n");
    cr_assert_eq(resp_w_simple(&buf, "", 0), 0);
    EXPECT("+\r\n");
}

Test(resp_write, error_is_written_after_a_dash)
{
    const char *e = "ERR unknown command 'x'";

    cr_assert_eq(resp_w_error(&buf, e, strlen(e)), 0);
    EXPECT("-ERR unknown command 'x'\r\n");
}

Test(resp_write, integers_including_the_extremes)
{
    cr_assert_eq(resp_w_int(&buf, 0), 0);
    EXPECT(":0\r\n");
    cr_assert_eq(resp_w_int(&buf, -1), 0);
    EXPECT(":-1\r\n");
    cr_assert_eq(resp_w_int(&buf, 1234567), 0);
    EXPECT(":1234567\r\n");
    cr_assert_eq(resp_w_int(&buf, LLONG_MAX), 0);
    EXPECT(":9223372036854775807\r\n");
    cr_assert_eq(resp_w_int(&buf, LLONG_MIN), 0);
    EXPECT(":-9223372036854775808\r\n");
}

Test(resp_write, bulk_string_is_binary_safe)
{
    cr_assert_eq(resp_w_bulk(&buf, "a\0\r\nb", 5), 0);
    EXPECT("$5\r\na\0\r\nb\r\n");
}

Test(resp_write, empty_bulk_string)
{
    cr_assert_eq(resp_w_bulk(&buf, "", 0), 0);
    EXPECT("$0\r\n\r\n");
    cr_assert_eq(resp_w_bulk(&buf, NULL, 0), 0);
    EXPECT("$0\r\n\r\n");
}

Test(resp_write, bulk_string_of_many_digits_of_length)
{
    static char big[123456];

    memset(big, 'z', sizeof(big));
    cr_assert_eq(resp_w_bulk(&buf, big, sizeof(big)), 0);
    cr_assert_eq(buf.len, 9 + sizeof(big) + 2);
    cr_assert(memcmp(buf.data, "$123456\r\nzz", 11) == 0);
    cr_assert(memcmp(buf.data + buf.len - 3, "z\r\n", 3) == 0);
}

Test(resp_write, integer_as_bulk_string)
{
    cr_assert_eq(resp_w_bulk_ll(&buf, 0), 0);
    EXPECT("$1\r\n0\r\n");
    cr_assert_eq(resp_w_bulk_ll(&buf, -42), 0);
    EXPECT("$3\r\n-42\r\n");
    cr_assert_eq(resp_w_bulk_ll(&buf, LLONG_MIN), 0);
    EXPECT("$20\r\n-9223372036854775808\r\n");
}

/* ---- aggregates -------------------------------------------------------- */

Test(resp_write, array_header_is_the_same_in_both_protocols)
{
    cr_assert_eq(resp_w_aggregate(&buf, 2, '*', 3), 0);
    EXPECT("*3\r\n");
    cr_assert_eq(resp_w_aggregate(&buf, 3, '*', 0), 0);
    EXPECT("*0\r\n");
}

/* CONFIG GET maxmemory: "%1" in RESP3, "*2" in RESP2. */
Test(resp_write, map_counts_pairs_in_resp3_and_elements_in_resp2)
{
    cr_assert_eq(resp_w_aggregate(&buf, 3, '%', 7), 0);
    EXPECT("%7\r\n");
    cr_assert_eq(resp_w_aggregate(&buf, 2, '%', 7), 0);
    EXPECT("*14\r\n");
}

Test(resp_write, set_is_an_array_in_resp2)
{
    cr_assert_eq(resp_w_aggregate(&buf, 3, '~', 3), 0);
    EXPECT("~3\r\n");
    cr_assert_eq(resp_w_aggregate(&buf, 2, '~', 3), 0);
    EXPECT("*3\r\n");
}

Test(resp_write, push_is_an_array_in_resp2)
{
    cr_assert_eq(resp_w_aggregate(&buf, 3, '>', 2), 0);
    EXPECT(">2\r\n");
    cr_assert_eq(resp_w_aggregate(&buf, 2, '>', 2), 0);
    EXPECT("*2\r\n");
}

/* DEBUG PROTOCOL attrib sends only the reply to RESP2 clients. */
Test(resp_write, attribute_is_written_in_resp3_and_dropped_in_resp2)
{
    cr_assert_eq(resp_w_aggregate(&buf, 3, '|', 1), 0);
    EXPECT("|1\r\n");
    cr_assert_eq(resp_w_aggregate(&buf, 2, '|', 1), 0);
    cr_assert_eq(buf.len, 0);
}

Test(resp_write, unknown_aggregate_type_fails_without_writing)
{
    cr_assert_eq(resp_w_aggregate(&buf, 3, '$', 1), -1);
    cr_assert_eq(buf.len, 0);
}

/* ---- RESP3 types and their RESP2 forms --------------------------------- */

Test(resp_write, null_is_underscore_in_resp3_and_null_bulk_in_resp2)
{
    cr_assert_eq(resp_w_null(&buf, 3), 0);
    EXPECT("_\r\n");
    cr_assert_eq(resp_w_null(&buf, 2), 0);
    EXPECT("$-1\r\n");
}

/* LPOP nokey 2 and BLPOP timeouts. */
Test(resp_write, null_array_is_underscore_in_resp3_and_star_minus_one_in_2)
{
    cr_assert_eq(resp_w_null_array(&buf, 3), 0);
    EXPECT("_\r\n");
    cr_assert_eq(resp_w_null_array(&buf, 2), 0);
    EXPECT("*-1\r\n");
}

Test(resp_write, bool_is_hash_t_f_in_resp3_and_one_zero_in_resp2)
{
    cr_assert_eq(resp_w_bool(&buf, 3, 1), 0);
    EXPECT("#t\r\n");
    cr_assert_eq(resp_w_bool(&buf, 3, 0), 0);
    EXPECT("#f\r\n");
    cr_assert_eq(resp_w_bool(&buf, 2, 7), 0);
    EXPECT(":1\r\n");
    cr_assert_eq(resp_w_bool(&buf, 2, 0), 0);
    EXPECT(":0\r\n");
}

Test(resp_write, double_resp3_uses_percent_17g_like_redis_7_0)
{
    cr_assert_eq(resp_w_double(&buf, 3, 1.5), 0);
    EXPECT(",1.5\r\n");
    cr_assert_eq(resp_w_double(&buf, 3, 0.1), 0);
    EXPECT(",0.10000000000000001\r\n");
    cr_assert_eq(resp_w_double(&buf, 3, 3), 0);
    EXPECT(",3\r\n");
    cr_assert_eq(resp_w_double(&buf, 3, 3.141), 0);
    EXPECT(",3.141\r\n");
}

Test(resp_write, double_resp2_is_a_bulk_string_of_the_same_text)
{
    cr_assert_eq(resp_w_double(&buf, 2, 1.5), 0);
    EXPECT("$3\r\n1.5\r\n");
    cr_assert_eq(resp_w_double(&buf, 2, 0.1), 0);
    EXPECT("$19\r\n0.10000000000000001\r\n");
}

Test(resp_write, double_exponent_forms_match_zscore)
{
    cr_assert_eq(resp_w_double(&buf, 3, 1e300), 0);
    EXPECT(",1.0000000000000001e+300\r\n");
    cr_assert_eq(resp_w_double(&buf, 3, 123456789012345678.0), 0);
    EXPECT(",1.2345678901234568e+17\r\n");
    cr_assert_eq(resp_w_double(&buf, 2, 1e-5), 0);
    EXPECT("$22\r\n1.0000000000000001e-05\r\n");
}

Test(resp_write, negative_zero_keeps_its_sign)
{
    cr_assert_eq(resp_w_double(&buf, 3, -0.0), 0);
    EXPECT(",-0\r\n");
    cr_assert_eq(resp_w_double(&buf, 2, -0.0), 0);
    EXPECT("$2\r\n-0\r\n");
}

Test(resp_write, infinities_are_spelled_inf_and_minus_inf)
{
    cr_assert_eq(resp_w_double(&buf, 3, INFINITY), 0);
    EXPECT(",inf\r\n");
    cr_assert_eq(resp_w_double(&buf, 3, -INFINITY), 0);
    EXPECT(",-inf\r\n");
    cr_assert_eq(resp_w_double(&buf, 2, INFINITY), 0);
    EXPECT("$3\r\ninf\r\n");
    cr_assert_eq(resp_w_double(&buf, 2, -INFINITY), 0);
    EXPECT("$4\r\n-inf\r\n");
}

/* Redis prints NaN with glibc's "%.17g", sign included: EVAL "return
 * {double=0/0}" gives ",-nan" because 0/0 is a negative NaN on x86. */
Test(resp_write, nan_is_printed_with_its_sign_as_glibc_does)
{
    cr_assert_eq(resp_w_double(&buf, 3, NAN), 0);
    EXPECT(",nan\r\n");
    cr_assert_eq(resp_w_double(&buf, 3, -NAN), 0);
    EXPECT(",-nan\r\n");
    cr_assert_eq(resp_w_double(&buf, 2, -NAN), 0);
    EXPECT("$4\r\n-nan\r\n");
}

/* DEBUG PROTOCOL verbatim. */
Test(resp_write, verbatim_string_counts_its_format_prefix)
{
    const char *s = "This is a verbatim\nstring";

    cr_assert_eq(resp_w_verbatim(&buf, 3, "txt", s, strlen(s)), 0);
    EXPECT("=29\r\ntxt:This is a verbatim\nstring\r\n");
    cr_assert_eq(resp_w_verbatim(&buf, 3, "mkd", "", 0), 0);
    EXPECT("=4\r\nmkd:\r\n");
}

Test(resp_write, verbatim_string_is_a_plain_bulk_in_resp2)
{
    const char *s = "This is a verbatim\nstring";

    cr_assert_eq(resp_w_verbatim(&buf, 2, "txt", s, strlen(s)), 0);
    EXPECT("$25\r\nThis is a verbatim\nstring\r\n");
}

/* DEBUG PROTOCOL bignum. */
Test(resp_write, big_number_is_paren_in_resp3_and_bulk_in_resp2)
{
    const char *d = "1234567999999999999999999999999999999";

    cr_assert_eq(resp_w_bignum(&buf, 3, d, strlen(d)), 0);
    EXPECT("(1234567999999999999999999999999999999\r\n");
    cr_assert_eq(resp_w_bignum(&buf, 2, d, strlen(d)), 0);
    EXPECT("$37\r\n1234567999999999999999999999999999999\r\n");
}

Test(resp_write, writes_append_after_existing_bytes)
{
    cr_assert_eq(resp_w_aggregate(&buf, 3, '%', 1), 0);
    cr_assert_eq(resp_w_bulk(&buf, "maxmemory", 9), 0);
    cr_assert_eq(resp_w_bulk_ll(&buf, 0), 0);
    EXPECT("%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");
}

/* ---- resp_ll2str ------------------------------------------------------- */

static void expect_ll2str(long long v)
{
    char got[21], want[32];
    int n = resp_ll2str(got, v);

    snprintf(want, sizeof(want), "%lld", v);
    cr_assert_str_eq(got, want);
    cr_assert_eq((size_t)n, strlen(want));
}

Test(resp_ll2str, matches_printf_at_the_extremes)
{
    expect_ll2str(0);
    expect_ll2str(-1);
    expect_ll2str(9);
    expect_ll2str(10);
    expect_ll2str(-10);
    expect_ll2str(99);
    expect_ll2str(100);
    expect_ll2str(LLONG_MAX);
    expect_ll2str(LLONG_MIN);
    expect_ll2str(LLONG_MIN + 1);
}

Test(resp_ll2str, matches_printf_at_every_power_of_ten_boundary)
{
    long long p = 1;

    for (int i = 0; i < 18; i++, p *= 10) {
        expect_ll2str(p);
        expect_ll2str(p - 1);
        expect_ll2str(p + 1);
        expect_ll2str(-p);
        expect_ll2str(-p + 1);
    }
}

Test(resp_ll2str, matches_printf_on_a_spread_of_values)
{
    unsigned long long x = 88172645463325252ULL;

    for (int i = 0; i < 100000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        expect_ll2str((long long)(x >> (i % 64)));
        expect_ll2str((long long)x);
    }
}
