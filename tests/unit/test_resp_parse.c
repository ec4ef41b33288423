/* test_resp_parse.c -- the request parser against redis-server 7.0.15.
 *
 * Every expected outcome below was checked against a real redis-server
 * 7.0.15 over a raw socket (error texts are what it sends after "-ERR ").
 *
 * Each case is fed three ways: whole, one byte at a time, and split in two
 * at every offset.  Feeding models a connection's query buffer: received
 * bytes are appended, the parser always sees the buffer from the start of
 * the current request, and consumed requests are dropped.  The buffer is
 * moved to a fresh guard region at every append, so the last received byte
 * always sits right before a PROT_NONE page and any over-read crashes.
 *
 * A run is summarised as a transcript: "['GET' 'k']" for a request (bytes
 * outside printable ASCII, quote and backslash as \xHH), "<empty>" for
 * RESP_PARSE_EMPTY, "<error: text>" for an error (parsing stops there, as
 * the server closes the connection), and a final "<more>" when bytes of an
 * unfinished request are left over. */
#include <criterion/criterion.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../resp/resp_parse.h"
#include "guard.h"

/* Limits for a case; a NULL pointer means resp_parser_init's defaults. */
struct limits {
    long long max_bulk_len;
    long long max_multibulk_len;
    int unauthenticated;
};

static void render_arg(FILE *out, const char *p, size_t n)
{
    fputc('\'', out);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];

        if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
            fputc(c, out);
        else
            fprintf(out, "\\x%02x", c);
    }
    fputc('\'', out);
}

/* Append the request just parsed to the transcript, checking that every
 * argument lies inside the request's bytes buf[0..consumed). */
static void render_request(FILE *out, const struct resp_parser *p,
                           const char *buf, size_t consumed)
{
    fputc('[', out);
    for (int i = 0; i < p->argc; i++) {
        const struct resp_arg *a = &p->argv[i];

        cr_assert(a->ptr >= buf && a->ptr + a->len <= buf + consumed,
                  "argument %d points outside the request", i);
        if (i > 0)
            fputc(' ', out);
        render_arg(out, a->ptr, a->len);
    }
    fputc(']', out);
}

/* Replace the query buffer by a fresh guard region holding its bytes from
 * `skip` on plus extra[0..n): what a caller does when it drops a consumed
 * request or appends a read, except that the bytes always move. */
static void move_buffer(struct guard_buf *g, size_t skip, const char *extra,
                        size_t n)
{
    size_t keep = g->len - skip;
    char *tmp = malloc(keep + n + 1);
    struct guard_buf fresh;

    memcpy(tmp, g->data + skip, keep);
    if (n > 0)
        memcpy(tmp + keep, extra, n);
    guard_place(&fresh, tmp, keep + n);
    free(tmp);
    guard_release(g);
    *g = fresh;
}

/* Parse what the buffer holds until the parser wants more.  Returns 0 to
 * go on feeding, -1 after an error. */
static int drain(struct resp_parser *p, struct guard_buf *g, FILE *out)
{
    for (;;) {
        size_t consumed = 0;
        int rc = resp_parse_request(p, g->data, g->len, &consumed);

        if (rc == RESP_PARSE_MORE)
            return 0;
        if (rc == RESP_PARSE_ERROR) {
            fprintf(out, "<error: %s>", p->error);
            return -1;
        }
        cr_assert(consumed > 0 && consumed <= g->len,
                  "consumed %zu of %zu bytes", consumed, g->len);
        if (rc == RESP_PARSE_DONE)
            render_request(out, p, g->data, consumed);
        else
            fputs("<empty>", out);
        move_buffer(g, consumed, NULL, 0);
    }
}

/* Feed in[0..n) in pieces ending at cuts[0..ncuts) (ascending, the last one
 * n) and return the malloc'd transcript. */
static char *run_feeds(const struct limits *lim, const char *in, size_t n,
                       const size_t *cuts, size_t ncuts)
{
    struct resp_parser p;
    struct guard_buf g;
    char *text = NULL;
    size_t text_len = 0, have = 0;
    FILE *out = open_memstream(&text, &text_len);
    int failed = 0;

    resp_parser_init(&p);
    if (lim != NULL) {
        p.max_bulk_len = lim->max_bulk_len;
        p.max_multibulk_len = lim->max_multibulk_len;
        p.unauthenticated = lim->unauthenticated;
    }
    guard_place(&g, NULL, 0);
    for (size_t i = 0; i < ncuts && !failed; i++) {
        move_buffer(&g, 0, in + have, cuts[i] - have);
        have = cuts[i];
        failed = drain(&p, &g, out) != 0;
    }
    if (!failed && g.len > 0)
        fputs("<more>", out);
    guard_release(&g);
    resp_parser_free(&p);
    fclose(out);
    return text;
}

static void expect_transcript(const char *how, size_t at, char *got,
                              const char *expected)
{
    cr_assert_str_eq(got, expected, "fed %s %zu: got %s, expected %s", how, at,
                     got, expected);
    free(got);
}

/* Check one case fed whole, in chunks of `step` bytes, and split in two at
 * every step-th offset (step 1 for ordinary cases; large inputs use a
 * bigger step to stay fast). */
static void check_ex(const struct limits *lim, const char *in, size_t n,
                     const char *expected, size_t step)
{
    size_t *cuts = malloc((n / step + 2) * sizeof(*cuts));
    size_t ncuts = 0;

    expect_transcript("whole", n, run_feeds(lim, in, n, &n, 1), expected);

    for (size_t at = step; at < n; at += step)
        cuts[ncuts++] = at;
    cuts[ncuts++] = n;
    expect_transcript("in chunks of", step, run_feeds(lim, in, n, cuts, ncuts),
                      expected);

    for (size_t at = step; at < n; at += step) {
        size_t two[2] = {at, n};

        expect_transcript("split at", at, run_feeds(lim, in, n, two, 2),
                          expected);
    }
    free(cuts);
}

/* For string literals, binary-safe (the length comes from sizeof). */
#define CHECK(in, expected) check_ex(NULL, in, sizeof(in) - 1, expected, 1)
#define CHECK_LIM(lim, in, expected)                                           \
    check_ex(lim, in, sizeof(in) - 1, expected, 1)

/* A run of n copies of c after prefix, for the size-limit cases. */
static char *repeat_after(const char *prefix, char c, size_t n, size_t *len)
{
    size_t plen = strlen(prefix);
    char *s = malloc(plen + n + 1);

    memcpy(s, prefix, plen);
    memset(s + plen, c, n);
    s[plen + n] = '\0';
    *len = plen + n;
    return s;
}

static void check_repeat(const char *prefix, char c, size_t n,
                         const char *expected)
{
    size_t len;
    char *in = repeat_after(prefix, c, n, &len);

    check_ex(NULL, in, len, expected, 4099);
    free(in);
}

/* ---- multibulk requests ------------------------------------------------ */

Test(resp_parse, multibulk_request_yields_its_arguments)
{
    CHECK("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", "['GET' 'k']");
}

Test(resp_parse, multibulk_empty_bulk_is_an_empty_argument)
{
    CHECK("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n", "['SET' 'k' '']");
}

Test(resp_parse, multibulk_arguments_are_binary_safe)
{
    CHECK("*2\r\n$4\r\nECHO\r\n$6\r\na\0\r\nb\n\r\n",
          "['ECHO' 'a\\x00\\x0d\\x0ab\\x0a']");
}

Test(resp_parse, bulk_payload_that_looks_like_a_header_is_data)
{
    CHECK("*2\r\n$4\r\nECHO\r\n$9\r\n\r\n$1\r\nx\r\n\r\n",
          "['ECHO' '\\x0d\\x0a$1\\x0d\\x0ax\\x0d\\x0a']");
}

Test(resp_parse, two_bytes_after_a_bulk_are_skipped_unchecked_like_redis)
{
    CHECK("*1\r\n$4\r\nPINGxx", "['PING']");
}

Test(resp_parse, incomplete_multibulk_request_waits_for_more)
{
    CHECK("*2\r\n$3\r\nGET\r\n$1\r\n", "<more>");
    CHECK("*2\r\n$3\r\nGET\r\n$1\r\nk\r", "<more>");
    CHECK("*1\r\nab", "<more>");
}

Test(resp_parse, pipelined_multibulk_requests_come_out_one_by_one)
{
    CHECK("*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
          "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n",
          "['PING']['GET' 'k']['SET' 'k' 'v']");
}

Test(resp_parse, pipeline_ending_mid_request_keeps_the_rest_pending)
{
    CHECK("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPI", "['PING']<more>");
}

Test(resp_parse, pipelined_inline_and_multibulk_requests_mix)
{
    CHECK("PING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\nECHO y\n",
          "['PING']['ECHO' 'x']['ECHO' 'y']");
}

Test(resp_parse, multibulk_count_zero_is_empty)
{
    CHECK("*0\r\n", "<empty>");
    CHECK("*0\r\n*1\r\n$4\r\nPING\r\n", "<empty>['PING']");
}

Test(resp_parse, negative_multibulk_count_is_empty_like_redis)
{
    CHECK("*-1\r\n", "<empty>");
    CHECK("*-5\r\n*1\r\n$4\r\nPING\r\n", "<empty>['PING']");
}

/* respd keeps Redis 6's bound of 1,048,576 arguments (Redis 7 waits for up
 * to INT_MAX); docs/commands.md lists the difference. */
Test(resp_parse, multibulk_count_up_to_one_mebi_is_accepted_by_default)
{
    CHECK("*1048576\r\n", "<more>");
}

Test(resp_parse, multibulk_count_above_one_mebi_is_invalid)
{
    CHECK("*1048577\r\n", "<error: Protocol error: invalid multibulk length>");
    CHECK("*2147483648\r\n",
          "<error: Protocol error: invalid multibulk length>");
    CHECK("*9223372036854775808\r\n",
          "<error: Protocol error: invalid multibulk length>");
}

Test(resp_parse, multibulk_count_above_the_configured_limit_is_invalid)
{
    struct limits lim = {RESP_MAX_BULK_LEN_DEFAULT, 3, 0};

    CHECK_LIM(&lim, "*3\r\n", "<more>");
    CHECK_LIM(&lim, "*4\r\n",
              "<error: Protocol error: invalid multibulk length>");
}

Test(resp_parse, malformed_multibulk_counts_are_invalid)
{
    const char *err = "<error: Protocol error: invalid multibulk length>";

    CHECK("*abc\r\n", err);
    CHECK("*\r\n", err);
    CHECK("*+1\r\n", err);
    CHECK("*01\r\n", err);
    CHECK("*-0\r\n", err);
    CHECK("* 1\r\n", err);
    CHECK("*1 \r\n", err);
    CHECK("*1x\r\n", err);
}

/* Redis looks for the CR only, so a lone LF belongs to the count. */
Test(resp_parse, multibulk_count_ends_at_cr_not_at_a_bare_lf)
{
    CHECK("*1\n$4\r\nPING\r\n",
          "<error: Protocol error: invalid multibulk length>");
}

Test(resp_parse, error_after_a_good_request_keeps_the_good_one)
{
    CHECK("*1\r\n$4\r\nPING\r\n*1x\r\n",
          "['PING']<error: Protocol error: invalid multibulk length>");
}

Test(resp_parse, malformed_bulk_lengths_are_invalid)
{
    const char *err = "<error: Protocol error: invalid bulk length>";

    CHECK("*1\r\n$abc\r\n", err);
    CHECK("*1\r\n$\r\n", err);
    CHECK("*1\r\n$-1\r\n", err);
    CHECK("*1\r\n$-2\r\n", err);
    CHECK("*1\r\n$-0\r\n", err);
    CHECK("*1\r\n$+4\r\nPING\r\n", err);
    CHECK("*1\r\n$04\r\nPING\r\n", err);
    CHECK("*1\r\n$4\nPING\r\n", err);
    CHECK("*1\r\n$9223372036854775808\r\n", err);
}

Test(resp_parse, bulk_up_to_proto_max_bulk_len_waits_for_its_payload)
{
    CHECK("*1\r\n$536870912\r\n", "<more>");
}

Test(resp_parse, bulk_above_proto_max_bulk_len_is_invalid)
{
    CHECK("*1\r\n$536870913\r\n",
          "<error: Protocol error: invalid bulk length>");
}

Test(resp_parse, declared_2gib_bulk_is_invalid_with_default_limit)
{
    CHECK("*1\r\n$2147483648\r\n",
          "<error: Protocol error: invalid bulk length>");
    CHECK("*1\r\n$2000000000\r\n",
          "<error: Protocol error: invalid bulk length>");
}

Test(resp_parse, argument_not_starting_with_dollar_is_quoted_in_the_error)
{
    CHECK("*2\r\n$3\r\nGET\r\nx\r\n",
          "<error: Protocol error: expected '$', got 'x'>");
    CHECK("*1\r\n:4\r\nPING\r\n",
          "<error: Protocol error: expected '$', got ':'>");
    CHECK("*1\r\n\xff\r\n",
          "<error: Protocol error: expected '$', got '\xff'>");
}

/* Redis turns line breaks in error texts into spaces. */
Test(resp_parse, line_break_instead_of_dollar_is_shown_as_a_space)
{
    CHECK("*2\r\n$3\r\nGET\r\n\r\n",
          "<error: Protocol error: expected '$', got ' '>");
    CHECK("*1\r\n\n\r\n", "<error: Protocol error: expected '$', got ' '>");
}

/* Redis finds the CR with strchr(), which stops at a NUL: such a header
 * line waits for more input. */
Test(resp_parse, nul_byte_in_a_header_line_hides_its_cr_like_redis)
{
    CHECK("*1\r\n\0\r\n", "<more>");
}

Test(resp_parse, count_line_of_64k_without_cr_waits)
{
    check_repeat("*", '1', 65535, "<more>");
}

Test(resp_parse, count_line_over_64k_without_cr_is_too_big)
{
    check_repeat("*", '1', 65536,
                 "<error: Protocol error: too big mbulk count string>");
}

/* The limit counts from the "$" line, where Redis's read position is. */
Test(resp_parse, bulk_length_line_of_64k_without_cr_waits)
{
    check_repeat("*1\r\n$", '1', 65535, "<more>");
}

Test(resp_parse, bulk_length_line_over_64k_without_cr_is_too_big)
{
    check_repeat("*1\r\n$", '1', 65536,
                 "<error: Protocol error: too big bulk count string>");
}

/* ---- unauthenticated limits -------------------------------------------- */

Test(resp_parse, unauthenticated_client_gets_at_most_10_arguments)
{
    struct limits lim = {RESP_MAX_BULK_LEN_DEFAULT, RESP_MAX_MULTIBULK_LEN, 1};

    CHECK_LIM(&lim, "*10\r\n", "<more>");
    CHECK_LIM(&lim, "*11\r\n",
              "<error: Protocol error: unauthenticated multibulk length>");
}

Test(resp_parse, unauthenticated_client_gets_bulks_of_at_most_16k)
{
    struct limits lim = {RESP_MAX_BULK_LEN_DEFAULT, RESP_MAX_MULTIBULK_LEN, 1};

    CHECK_LIM(&lim, "*1\r\n$16384\r\n", "<more>");
    CHECK_LIM(&lim, "*1\r\n$16385\r\n",
              "<error: Protocol error: unauthenticated bulk length>");
}

/* ---- inline requests --------------------------------------------------- */

Test(resp_parse, inline_request_splits_on_spaces)
{
    CHECK("SET k v\r\n", "['SET' 'k' 'v']");
    CHECK("  PING   \r\n", "['PING']");
    CHECK("ECHO \t x\r\n", "['ECHO' 'x']");
}

Test(resp_parse, inline_request_may_end_in_a_bare_lf)
{
    CHECK("PING\n", "['PING']");
}

/* Only one CR is stripped; a second one is whitespace to the splitter. */
Test(resp_parse, inline_cr_inside_the_line_separates_arguments)
{
    CHECK("ECHO a\r\r\n", "['ECHO' 'a']");
    CHECK("ECHO a\rb\r\n", "['ECHO' 'a' 'b']");
}

Test(resp_parse, empty_inline_lines_are_empty)
{
    CHECK("\r\n", "<empty>");
    CHECK("\n", "<empty>");
    CHECK("   \r\n", "<empty>");
    CHECK("\r\n\r\nPING\r\n", "<empty><empty>['PING']");
}

Test(resp_parse, inline_request_without_newline_waits)
{
    CHECK("PING", "<more>");
    CHECK("PING\r", "<more>");
}

Test(resp_parse, double_quoted_inline_args_understand_escapes)
{
    CHECK("ECHO \"\\x41\\n\"\r\n", "['ECHO' 'A\\x0a']");
    CHECK("ECHO \"\\x4a\\x4A\"\r\n", "['ECHO' 'JJ']");
    CHECK("ECHO \"\\r\\t\\b\\a\\\\\\\"\"\r\n",
          "['ECHO' '\\x0d\\x09\\x08\\x07\\x5c\"']");
    CHECK("ECHO \"a b\" c\r\n", "['ECHO' 'a b' 'c']");
}

Test(resp_parse, unknown_escapes_in_double_quotes_give_the_letter)
{
    CHECK("ECHO \"\\q\"\r\n", "['ECHO' 'q']");
    CHECK("ECHO \"\\xZZ\"\r\n", "['ECHO' 'xZZ']");
    CHECK("ECHO \"\\x4\"\r\n", "['ECHO' 'x4']");
}

Test(resp_parse, single_quoted_inline_args_only_unescape_the_quote)
{
    CHECK("ECHO 'a\\'b'\r\n", "['ECHO' 'a\\x27b']");
    CHECK("ECHO 'a\\nb'\r\n", "['ECHO' 'a\\x5cnb']");
    CHECK("ECHO 'a\"b'\r\n", "['ECHO' 'a\"b']");
}

Test(resp_parse, other_quote_kind_is_literal_inside_quotes)
{
    CHECK("ECHO \"a'b\"\r\n", "['ECHO' 'a\\x27b']");
}

Test(resp_parse, empty_quotes_are_an_empty_argument)
{
    CHECK("ECHO \"\"\r\n", "['ECHO' '']");
    CHECK("ECHO ''\r\n", "['ECHO' '']");
}

Test(resp_parse, quotes_may_start_inside_a_token)
{
    CHECK("ECHO a\"b c\"\r\n", "['ECHO' 'ab c']");
}

Test(resp_parse, pipelined_inline_requests_with_quotes)
{
    CHECK("echo \"\\x41\\n\"\r\nECHO 'a\\'b'\r\n",
          "['echo' 'A\\x0a']['ECHO' 'a\\x27b']");
}

Test(resp_parse, unbalanced_quotes_are_a_protocol_error)
{
    const char *err = "<error: Protocol error: unbalanced quotes in request>";

    CHECK("set a \"b\r\n", err);
    CHECK("set a 'b\r\n", err);
}

Test(resp_parse, closing_quote_must_be_followed_by_a_space)
{
    const char *err = "<error: Protocol error: unbalanced quotes in request>";

    CHECK("set a \"b\"c\r\n", err);
    CHECK("ECHO x 'a'b\r\n", err);
    CHECK("ECHO \"a\"\"b\"\r\n", err);
}

/* Redis looks for the newline with strchr(), which stops at a NUL. */
Test(resp_parse, nul_byte_in_an_inline_line_hides_its_newline_like_redis)
{
    CHECK("ECHO\0x\r\n", "<more>");
}

Test(resp_parse, inline_line_of_64k_without_newline_waits)
{
    check_repeat("", 'a', 65536, "<more>");
}

Test(resp_parse, inline_line_over_64k_without_newline_is_too_big)
{
    check_repeat("", 'a', 65537,
                 "<error: Protocol error: too big inline request>");
}

/* ---- resource use ------------------------------------------------------ */

/* A declared bulk is not allocated (the payload stays in the caller's
 * buffer), and the parser's hint is what is left of it, not a wrapped-around
 * or inflated number. */
Test(resp_parse, huge_declared_bulk_allocates_nothing_and_wants_the_rest)
{
    char in[] = "*1\r\n$2000000000\r\nabc";
    struct resp_parser p;
    size_t consumed = 0, wanted;
    size_t before = mallinfo2().uordblks;

    resp_parser_init(&p);
    p.max_bulk_len = 4LL << 30;
    cr_assert_eq(resp_parse_request(&p, in, sizeof(in) - 1, &consumed),
                 RESP_PARSE_MORE);
    wanted = resp_parser_bytes_wanted(&p);
    cr_assert(wanted >= 1 && wanted <= 2000000000 + 2 - 3, "bytes wanted %zu",
              wanted);
    cr_assert_lt(mallinfo2().uordblks - before, 1 << 20);
    resp_parser_free(&p);
}

/* Argument storage follows the arguments that arrived, not the count a
 * client declares. */
Test(resp_parse, million_declared_arguments_allocate_only_what_arrived)
{
    char in[] = "*1048576\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";
    struct resp_parser p;
    size_t consumed = 0;
    size_t before = mallinfo2().uordblks;

    resp_parser_init(&p);
    cr_assert_eq(resp_parse_request(&p, in, sizeof(in) - 1, &consumed),
                 RESP_PARSE_MORE);
    cr_assert_leq(p.argv_cap, 64, "argv_cap %d", p.argv_cap);
    cr_assert_lt(mallinfo2().uordblks - before, 1 << 20);
    resp_parser_free(&p);
}

Test(resp_parse, bytes_wanted_counts_the_rest_of_the_current_bulk)
{
    char in[] = "*2\r\n$3\r\nGET\r\n$10\r\nabcd";
    struct resp_parser p;
    size_t consumed = 0;

    resp_parser_init(&p);
    cr_assert_eq(resp_parse_request(&p, in, sizeof(in) - 1, &consumed),
                 RESP_PARSE_MORE);
    cr_assert_eq(resp_parser_bytes_wanted(&p), 10 + 2 - 4);
    resp_parser_free(&p);
}

Test(resp_parse, reset_forgets_a_partial_request)
{
    char part[] = "*2\r\n$3\r\nGET\r\n";
    char next[] = "PING\r\n";
    struct resp_parser p;
    size_t consumed = 0;

    resp_parser_init(&p);
    cr_assert_eq(resp_parse_request(&p, part, sizeof(part) - 1, &consumed),
                 RESP_PARSE_MORE);
    resp_parser_reset(&p);
    cr_assert_eq(resp_parse_request(&p, next, sizeof(next) - 1, &consumed),
                 RESP_PARSE_DONE);
    cr_assert_eq(consumed, sizeof(next) - 1);
    cr_assert_eq(p.argc, 1);
    resp_parser_free(&p);
}

/* ---- resp_split_args --------------------------------------------------- */

Test(resp_split_args, returns_the_argument_count)
{
    char line[] = "set 'a b' \"c\\x41\"";
    struct resp_arg args[4];
    int too_many = -1;

    cr_assert_eq(resp_split_args(line, sizeof(line) - 1, args, 4, &too_many),
                 3);
    cr_assert_eq(too_many, 0);
    cr_assert_eq(args[1].len, 3);
    cr_assert(memcmp(args[1].ptr, "a b", 3) == 0);
    cr_assert_eq(args[2].len, 2);
    cr_assert(memcmp(args[2].ptr, "cA", 2) == 0);
}

Test(resp_split_args, more_arguments_than_allowed_sets_too_many)
{
    char line[] = "a b c";
    struct resp_arg args[2];
    int too_many = 0;

    cr_assert_eq(resp_split_args(line, sizeof(line) - 1, args, 2, &too_many),
                 -1);
    cr_assert_eq(too_many, 1);
}

Test(resp_split_args, unbalanced_quotes_return_minus_one)
{
    char line[] = "a \"b";
    struct resp_arg args[4];
    int too_many = 0;

    cr_assert_eq(resp_split_args(line, sizeof(line) - 1, args, 4, &too_many),
                 -1);
    cr_assert_eq(too_many, 0);
}

Test(resp_split_args, empty_line_has_no_arguments)
{
    char line[] = "   ";
    struct resp_arg args[1];
    int too_many = 0;

    cr_assert_eq(resp_split_args(line, 3, args, 1, &too_many), 0);
}

/* Append in[0..n) to a growing buffer one byte at a time, parsing after
 * each byte as a connection would; returns the requests parsed. */
static int parse_bytewise(const char *in, size_t n)
{
    struct resp_parser p;
    char *buf = malloc(n);
    size_t len = 0, consumed;
    int requests = 0;

    resp_parser_init(&p);
    for (size_t i = 0; i < n; i++) {
        buf[len++] = in[i];
        int rc = resp_parse_request(&p, buf, len, &consumed);

        cr_assert_neq(rc, RESP_PARSE_ERROR, "%s", p.error);
        if (rc == RESP_PARSE_DONE) {
            requests++;
            memmove(buf, buf + consumed, len - consumed);
            len -= consumed;
        }
    }
    resp_parser_free(&p);
    free(buf);
    return requests;
}

/* A parser that rescanned the request from its start at every call would
 * need minutes here. */
Test(resp_parse, byte_at_a_time_big_bulk_is_linear, .timeout = 20)
{
    size_t n = 4 << 20, used;
    char *in = malloc(n + 64);

    used = (size_t)sprintf(in, "*2\r\n$4\r\nECHO\r\n$%zu\r\n", n);
    memset(in + used, 'v', n);
    used += n;
    memcpy(in + used, "\r\n", 2);
    cr_assert_eq(parse_bytewise(in, used + 2), 1);
    free(in);
}

Test(resp_parse, byte_at_a_time_many_arguments_is_linear, .timeout = 20)
{
    size_t count = 200000, used;
    char *in = malloc(count * 8 + 32);

    used = (size_t)sprintf(in, "*%zu\r\n", count);
    for (size_t i = 0; i < count; i++)
        used += (size_t)sprintf(in + used, "$1\r\nx\r\n");
    cr_assert_eq(parse_bytewise(in, used), 1);
    free(in);
}

Test(resp_parse, byte_at_a_time_long_inline_line_is_linear, .timeout = 20)
{
    size_t n = 60000;
    char *in = malloc(n + 8);

    memcpy(in, "ECHO ", 5);
    memset(in + 5, 'w', n);
    memcpy(in + 5 + n, "\r\n", 2);
    cr_assert_eq(parse_bytewise(in, n + 7), 1);
    free(in);
}
