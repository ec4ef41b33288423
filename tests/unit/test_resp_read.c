/* test_resp_read.c -- the reply reader.
 *
 * Each case is fed whole, one byte at a time, and split in two at every
 * offset, with resp_reader_next() called after every feed until it wants
 * more, the way a client library drives it.  Fed bytes come from a guard
 * region (see guard.h) so an over-read of the caller's memory crashes.
 *
 * A run is summarised as a transcript of the replies it produced:
 *   $'bulk'  +'simple'  -'error'  :42  nil  ,'1.5'=1.5  #t  #f
 *   ('123')  ='txt:text'  *[a b]  %{k v}  ~[a]  >[a]  |{k v}
 * replies separated by spaces, and "<error: text>" when the reader fails
 * (nothing is read after that).  Bytes outside printable ASCII, quotes and
 * backslashes are shown as \xHH. */
#include <criterion/criterion.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../resp/resp_read.h"
#include "guard.h"

static void render_text(FILE *out, const char *p, size_t n)
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

static void render_reply(FILE *out, const struct resp_reply *r);

static void render_elements(FILE *out, const struct resp_reply *r,
                            const char *open, const char *close)
{
    fputs(open, out);
    for (size_t i = 0; i < r->elements; i++) {
        if (i > 0)
            fputc(' ', out);
        render_reply(out, r->element[i]);
    }
    fputs(close, out);
}

/* Also checks that every string is NUL-terminated at its length. */
static void render_reply(FILE *out, const struct resp_reply *r)
{
    static const char sigil[] = {[RESP_STRING] = '$',
                                 [RESP_SIMPLE] = '+',
                                 [RESP_ERROR] = '-',
                                 [RESP_BIGNUM] = '('};

    switch (r->type) {
    case RESP_STRING:
    case RESP_SIMPLE:
    case RESP_ERROR:
    case RESP_BIGNUM:
        cr_assert_eq(r->str[r->len], '\0');
        fputc(sigil[r->type], out);
        render_text(out, r->str, r->len);
        if (r->type == RESP_BIGNUM)
            fputc(')', out);
        break;
    case RESP_VERBATIM:
        cr_assert_eq(r->str[r->len], '\0');
        fprintf(out, "='%s:", r->vtype);
        render_text(out, r->str, r->len);
        break;
    case RESP_DOUBLE:
        fputc(',', out);
        render_text(out, r->str, r->len);
        fprintf(out, "=%.17g", r->dval);
        break;
    case RESP_INTEGER:
        fprintf(out, ":%lld", r->integer);
        break;
    case RESP_BOOL:
        fputs(r->integer ? "#t" : "#f", out);
        break;
    case RESP_NIL:
        fputs("nil", out);
        break;
    case RESP_ARRAY:
        render_elements(out, r, "*[", "]");
        break;
    case RESP_MAP:
        render_elements(out, r, "%{", "}");
        break;
    case RESP_SET:
        render_elements(out, r, "~[", "]");
        break;
    case RESP_PUSH:
        render_elements(out, r, ">[", "]");
        break;
    case RESP_ATTRIBUTE:
        render_elements(out, r, "|{", "}");
        break;
    }
}

/* Take every complete reply.  Returns -1 once the reader has failed. */
static int drain(struct resp_reader *rd, FILE *out, int *count)
{
    struct resp_reply *reply;
    int rc;

    while ((rc = resp_reader_next(rd, &reply)) == RESP_READ_OK) {
        if ((*count)++ > 0)
            fputc(' ', out);
        render_reply(out, reply);
        resp_reply_free(reply);
    }
    if (rc == RESP_READ_MORE)
        return 0;
    cr_assert_eq(rc, RESP_READ_ERROR);
    fprintf(out, "%s<error: %s>", *count > 0 ? " " : "", resp_reader_error(rd));
    return -1;
}

/* Feed in[0..n) in pieces ending at cuts[0..ncuts) and return the
 * malloc'd transcript. */
static char *run_feeds(const char *in, size_t n, const size_t *cuts,
                       size_t ncuts)
{
    struct resp_reader *rd = resp_reader_create();
    char *text = NULL;
    size_t text_len = 0, have = 0;
    FILE *out = open_memstream(&text, &text_len);
    int count = 0;

    cr_assert_not_null(rd);
    for (size_t i = 0; i < ncuts; i++) {
        struct guard_buf g;

        guard_place(&g, in + have, cuts[i] - have);
        cr_assert_eq(resp_reader_feed(rd, g.data, g.len), 0);
        guard_release(&g);
        have = cuts[i];
        if (drain(rd, out, &count) != 0)
            break;
    }
    resp_reader_free(rd);
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

static void check_ex(const char *in, size_t n, const char *expected)
{
    size_t *cuts = calloc(n + 1, sizeof(*cuts));

    expect_transcript("whole", n, run_feeds(in, n, &n, 1), expected);
    for (size_t i = 0; i < n; i++)
        cuts[i] = i + 1;
    expect_transcript("byte by byte", 1, run_feeds(in, n, cuts, n), expected);
    for (size_t at = 1; at < n; at++) {
        size_t two[2] = {at, n};

        expect_transcript("split at", at, run_feeds(in, n, two, 2), expected);
    }
    free(cuts);
}

#define CHECK(in, expected) check_ex(in, sizeof(in) - 1, expected)

/* ---- scalars ----------------------------------------------------------- */

Test(resp_read, bulk_string)
{
    CHECK("$5\r\nhello\r\n", "$'hello'");
    CHECK("$0\r\n\r\n", "$''");
}

Test(resp_read, bulk_string_is_binary_safe)
{
    CHECK("$5\r\na\0\r\nb\r\n", "$'a\\x00\\x0d\\x0ab'");
}

Test(resp_read, simple_string)
{
    CHECK("+OK\r\n", "+'OK'");
    CHECK("+\r\n", "+''");
}

Test(resp_read, error)
{
    CHECK("-ERR unknown command\r\n", "-'ERR unknown command'");
}

Test(resp_read, blob_error_is_an_error_reply)
{
    CHECK("!22\r\nSYNTAX invalid\r\nsyntax\r\n",
          "-'SYNTAX invalid\\x0d\\x0asyntax'");
}

Test(resp_read, integers_including_the_extremes)
{
    CHECK(":0\r\n", ":0");
    CHECK(":-42\r\n", ":-42");
    CHECK(":9223372036854775807\r\n", ":9223372036854775807");
    CHECK(":-9223372036854775808\r\n", ":-9223372036854775808");
}

Test(resp_read, resp3_null)
{
    CHECK("_\r\n", "nil");
}

Test(resp_read, resp2_null_bulk_and_null_array_are_nil)
{
    CHECK("$-1\r\n", "nil");
    CHECK("*-1\r\n", "nil");
}

Test(resp_read, doubles_keep_their_text_and_value)
{
    CHECK(",1.5\r\n", ",'1.5'=1.5");
    CHECK(",0.10000000000000001\r\n",
          ",'0.10000000000000001'=0.10000000000000001");
    CHECK(",-3\r\n", ",'-3'=-3");
    CHECK(",1.2345678901234568e+17\r\n",
          ",'1.2345678901234568e+17'=1.2345678901234568e+17");
}

Test(resp_read, double_infinities_and_nan)
{
    CHECK(",inf\r\n", ",'inf'=inf");
    CHECK(",-inf\r\n", ",'-inf'=-inf");
    CHECK(",nan\r\n", ",'nan'=nan");
    CHECK(",-nan\r\n", ",'-nan'=-nan");
}

Test(resp_read, booleans)
{
    CHECK("#t\r\n", "#t");
    CHECK("#f\r\n", "#f");
}

Test(resp_read, verbatim_string_splits_off_its_format)
{
    CHECK("=29\r\ntxt:This is a verbatim\nstring\r\n",
          "='txt:'This is a verbatim\\x0astring'");
    CHECK("=4\r\nmkd:\r\n", "='mkd:''");
}

Test(resp_read, big_numbers_keep_their_digits)
{
    CHECK("(1234567999999999999999999999999999999\r\n",
          "('1234567999999999999999999999999999999')");
    CHECK("(-12\r\n", "('-12')");
}

/* ---- aggregates -------------------------------------------------------- */

Test(resp_read, array_of_scalars)
{
    CHECK("*3\r\n:0\r\n:1\r\n:2\r\n", "*[:0 :1 :2]");
}

Test(resp_read, empty_aggregates)
{
    CHECK("*0\r\n", "*[]");
    CHECK("%0\r\n", "%{}");
    CHECK("~0\r\n", "~[]");
}

/* DEBUG PROTOCOL map in RESP3. */
Test(resp_read, map_holds_keys_and_values_alternately)
{
    CHECK("%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n", "%{:0 #f :1 #t :2 #f}");
}

Test(resp_read, set)
{
    CHECK("~2\r\n+a\r\n+b\r\n", "~[+'a' +'b']");
}

/* DEBUG PROTOCOL push: the push, then the command's reply. */
Test(resp_read, push_then_reply)
{
    CHECK(">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n"
          "$40\r\nSome real reply following the push reply\r\n",
          ">[$'server-cpu-usage' :42] "
          "$'Some real reply following the push reply'");
}

/* DEBUG PROTOCOL attrib: the attribute is its own reply before the one it
 * describes. */
Test(resp_read, top_level_attribute_is_its_own_reply)
{
    CHECK("|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n"
          "$39\r\nSome real reply following the attribute\r\n",
          "|{$'key-popularity' *[$'key:123' :90]} "
          "$'Some real reply following the attribute'");
}

Test(resp_read, attribute_inside_an_aggregate_is_dropped)
{
    CHECK("*2\r\n:1\r\n|1\r\n+ttl\r\n:3600\r\n:2\r\n", "*[:1 :2]");
    CHECK("*1\r\n|1\r\n+a\r\n|1\r\n+b\r\n:0\r\n:2\r\n:3\r\n", "*[:3]");
    CHECK("*1\r\n|0\r\n:1\r\n", "*[:1]");
}

Test(resp_read, nested_aggregates_of_every_kind)
{
    CHECK("*3\r\n%1\r\n+k\r\n~2\r\n:1\r\n:2\r\n*0\r\n*1\r\n_\r\n",
          "*[%{+'k' ~[:1 :2]} *[] *[nil]]");
}

Test(resp_read, nulls_inside_an_array)
{
    CHECK("*3\r\n$-1\r\n*-1\r\n_\r\n", "*[nil nil nil]");
}

Test(resp_read, pipelined_replies_come_out_in_order)
{
    CHECK("+OK\r\n:1\r\n$1\r\nx\r\n*1\r\n:2\r\n", "+'OK' :1 $'x' *[:2]");
}

Test(resp_read, incomplete_reply_waits_for_more)
{
    CHECK("*2\r\n:1\r\n", "");
    CHECK("$5\r\nhel", "");
    CHECK("$5\r\nhello\r", "");
    CHECK("+OK", "");
    CHECK("+OK\r", "");
}

Test(resp_read, sixteen_levels_of_nesting_are_accepted)
{
    CHECK("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n"
          "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:7\r\n",
          "*[*[*[*[*[*[*[*[*[*[*[*[*[*[*[*[:7]]]]]]]]]]]]]]]]");
}

Test(resp_read, seventeen_levels_of_nesting_are_refused)
{
    CHECK("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n"
          "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:7\r\n",
          "<error: Protocol error, aggregates nested too deeply>");
}

Test(resp_read, empty_aggregates_do_not_count_as_nesting)
{
    CHECK("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n"
          "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*0\r\n",
          "*[*[*[*[*[*[*[*[*[*[*[*[*[*[*[*[*[]]]]]]]]]]]]]]]]]");
}

/* ---- protocol errors --------------------------------------------------- */

Test(resp_read, unknown_type_byte_is_quoted_in_the_error)
{
    CHECK("?x\r\n", "<error: Protocol error, got '?' as reply type byte>");
    CHECK("\r\n", "<error: Protocol error, got '\\r' as reply type byte>");
    CHECK("\n", "<error: Protocol error, got '\\n' as reply type byte>");
    CHECK("\x01", "<error: Protocol error, got '\\x01' as reply type byte>");
    CHECK("\0", "<error: Protocol error, got '\\x00' as reply type byte>");
}

Test(resp_read, error_after_good_replies_keeps_them)
{
    CHECK("+OK\r\n:1\r\nx",
          "+'OK' :1 <error: Protocol error, got 'x' as reply type byte>");
}

Test(resp_read, bad_type_inside_an_aggregate_is_an_error)
{
    CHECK("*2\r\n:1\r\n@\r\n",
          "<error: Protocol error, got '@' as reply type byte>");
}

Test(resp_read, integers_are_parsed_strictly)
{
    const char *err = "<error: Protocol error, bad integer value>";

    CHECK(":\r\n", err);
    CHECK(":abc\r\n", err);
    CHECK(":01\r\n", err);
    CHECK(":+1\r\n", err);
    CHECK(":-0\r\n", err);
    CHECK(": 1\r\n", err);
    CHECK(":1 \r\n", err);
    CHECK(":9223372036854775808\r\n", err);
    CHECK(":-9223372036854775809\r\n", err);
}

Test(resp_read, bulk_lengths_are_parsed_strictly)
{
    const char *err = "<error: Protocol error, bad bulk string length>";

    CHECK("$\r\n", err);
    CHECK("$abc\r\n", err);
    CHECK("$-2\r\n", err);
    CHECK("$01\r\nx\r\n", err);
    CHECK("$+1\r\nx\r\n", err);
    CHECK("!-1\r\n", err);
    CHECK("=-1\r\n", err);
}

Test(resp_read, bulk_must_end_in_crlf)
{
    CHECK("$3\r\nabcXY", "<error: Protocol error, bad bulk string terminator>");
    CHECK("$3\r\nabc\rX",
          "<error: Protocol error, bad bulk string terminator>");
}

Test(resp_read, verbatim_needs_a_three_letter_format_and_colon)
{
    const char *err = "<error: Protocol error, bad verbatim string format>";

    CHECK("=3\r\ntxt\r\n", err);
    CHECK("=5\r\ntxt-a\r\n", err);
}

Test(resp_read, aggregate_lengths_are_parsed_strictly)
{
    const char *err = "<error: Protocol error, bad aggregate length>";

    CHECK("*abc\r\n", err);
    CHECK("*-2\r\n", err);
    CHECK("*01\r\n", err);
    CHECK("%-1\r\n", err);
    CHECK("~-1\r\n", err);
    CHECK(">\r\n", err);
}

Test(resp_read, doubles_are_parsed_strictly)
{
    const char *err = "<error: Protocol error, bad double value>";

    CHECK(",\r\n", err);
    CHECK(",abc\r\n", err);
    CHECK(", 1\r\n", err);
    CHECK(",0x10\r\n", err);
    CHECK(",1e400\r\n", err);
    CHECK(",infinity\r\n", err);
    CHECK(",1.5x\r\n", err);
}

Test(resp_read, booleans_are_t_or_f_only)
{
    const char *err = "<error: Protocol error, bad bool value>";

    CHECK("#x\r\n", err);
    CHECK("#tt\r\n", err);
    CHECK("#\r\n", err);
}

Test(resp_read, null_line_must_be_empty)
{
    CHECK("_x\r\n", "<error: Protocol error, bad null value>");
}

Test(resp_read, big_numbers_are_digits_only)
{
    const char *err = "<error: Protocol error, bad big number value>";

    CHECK("(\r\n", err);
    CHECK("(-\r\n", err);
    CHECK("(12a\r\n", err);
}

Test(resp_read, lines_end_in_crlf_only)
{
    const char *err = "<error: Protocol error, bad line terminator>";

    CHECK("+OK\rX", err);
    CHECK("+O\nK\r\n", err);
    CHECK(":1\n", err);
}

/* ---- reader lifecycle and cost ----------------------------------------- */

Test(resp_read, errors_are_sticky)
{
    struct resp_reader *rd = resp_reader_create();
    struct resp_reply *reply = NULL;

    cr_assert_eq(resp_reader_feed(rd, "?\r\n", 3), 0);
    cr_assert_eq(resp_reader_next(rd, &reply), RESP_READ_ERROR);
    cr_assert_eq(resp_reader_feed(rd, "+OK\r\n", 5), 0);
    cr_assert_eq(resp_reader_next(rd, &reply), RESP_READ_ERROR);
    cr_assert_null(reply);
    resp_reader_free(rd);
}

Test(resp_read, next_without_input_wants_more)
{
    struct resp_reader *rd = resp_reader_create();
    struct resp_reply *reply = NULL;

    cr_assert_eq(resp_reader_next(rd, &reply), RESP_READ_MORE);
    cr_assert_eq(resp_reader_feed(rd, "", 0), 0);
    cr_assert_eq(resp_reader_next(rd, &reply), RESP_READ_MORE);
    resp_reader_free(rd);
}

/* The partial tree belongs to the reader (checked for leaks under
 * valgrind or ASan). */
Test(resp_read, freeing_mid_reply_releases_the_partial_tree)
{
    struct resp_reader *rd = resp_reader_create();
    struct resp_reply *reply = NULL;
    const char in[] = "*3\r\n$3\r\nabc\r\n*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n";

    cr_assert_eq(resp_reader_feed(rd, in, sizeof(in) - 1), 0);
    cr_assert_eq(resp_reader_next(rd, &reply), RESP_READ_MORE);
    resp_reader_free(rd);
    resp_reply_free(NULL);
}

static size_t heap_in_use(void)
{
    return mallinfo2().uordblks;
}

/* Memory follows the bytes that arrived, never a declared size. */
Test(resp_read, declared_sizes_do_not_allocate)
{
    struct resp_reader *rd = resp_reader_create();
    struct resp_reply *reply = NULL;
    size_t before = heap_in_use();

    cr_assert_eq(resp_reader_feed(rd, "*1000000000\r\n:1\r\n", 17), 0);
    cr_assert_eq(resp_reader_next(rd, &reply), RESP_READ_MORE);
    cr_assert_eq(resp_reader_feed(rd, "$1000000000\r\nab", 15), 0);
    cr_assert_eq(resp_reader_next(rd, &reply), RESP_READ_MORE);
    cr_assert_lt(heap_in_use() - before, 1 << 20);
    resp_reader_free(rd);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) +
           (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Feed in[0..n) one byte at a time, asking for a reply after each byte;
 * returns the number of replies. */
static int feed_bytewise(const char *in, size_t n)
{
    struct resp_reader *rd = resp_reader_create();
    struct resp_reply *reply;
    int replies = 0;

    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(resp_reader_feed(rd, in + i, 1), 0);
        while (resp_reader_next(rd, &reply) == RESP_READ_OK) {
            replies++;
            resp_reply_free(reply);
        }
    }
    resp_reader_free(rd);
    return replies;
}

/* A quadratic reader would take minutes on these at one byte per call. */
Test(resp_read, byte_at_a_time_feeding_is_linear, .timeout = 20)
{
    size_t n = 2 << 20, used = 0;
    char *in = malloc(n + 64);
    struct timespec t0;

    in[used++] = '+';
    memset(in + used, 'a', n);
    used += n;
    memcpy(in + used, "\r\n", 2);
    used += 2;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cr_assert_eq(feed_bytewise(in, used), 1);
    cr_assert_lt(seconds_since(&t0), 5.0);
    free(in);
}

Test(resp_read, byte_at_a_time_large_array_is_linear, .timeout = 20)
{
    size_t count = 200000, used;
    char *in = malloc(count * 8 + 32);
    struct timespec t0;

    used = (size_t)sprintf(in, "*%zu\r\n", count);
    for (size_t i = 0; i < count; i++)
        used += (size_t)sprintf(in + used, "$1\r\nx\r\n");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cr_assert_eq(feed_bytewise(in, used), 1);
    cr_assert_lt(seconds_since(&t0), 5.0);
    free(in);
}

Test(resp_read, big_bulk_fed_in_pieces_is_read_whole)
{
    struct resp_reader *rd = resp_reader_create();
    struct resp_reply *reply = NULL;
    static char payload[300000];

    memset(payload, 'q', sizeof(payload));
    cr_assert_eq(resp_reader_feed(rd, "$300000\r\n", 9), 0);
    for (size_t i = 0; i < sizeof(payload); i += 1000) {
        cr_assert_eq(resp_reader_next(rd, &reply), RESP_READ_MORE);
        cr_assert_eq(resp_reader_feed(rd, payload + i, 1000), 0);
    }
    cr_assert_eq(resp_reader_feed(rd, "\r\n", 2), 0);
    cr_assert_eq(resp_reader_next(rd, &reply), RESP_READ_OK);
    cr_assert_eq(reply->type, RESP_STRING);
    cr_assert_eq(reply->len, sizeof(payload));
    cr_assert(memcmp(reply->str, payload, sizeof(payload)) == 0);
    resp_reply_free(reply);
    resp_reader_free(rd);
}
