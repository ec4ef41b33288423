/* test_judge_json.c -- the judge's JSON reader and writer
 * (client/judge/json.h), against RFC 8259.
 *
 * Reader cases are given as input and the tree rendered back compactly:
 *   null true false        literals
 *   5 -1.5e3               a number, as its source text
 *   'text'                 a string, bytes outside printable ASCII (and
 *                          quote, backslash) as \xHH
 *   [a,b] {'k':v}          containers
 * Inputs are placed against a guard page (tests/unit/guard.h) so that a
 * read past the end crashes; rejected inputs are checked for the offset
 * the error names. */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../client/judge/json.h"
#include "../../client/judge/utf8.h"
#include "guard.h"

static void render_bytes(FILE *out, const char *p, size_t n)
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

/* Render v, checking the tree's own invariants on the way. */
static void render(FILE *out, const struct json_value *v)
{
    size_t n = 0;

    switch (v->type) {
    case JSON_NULL:
    case JSON_TRUE:
    case JSON_FALSE:
        fputs(json_type_name(v->type), out);
        return;
    case JSON_NUMBER:
        cr_assert_eq(strlen(v->str), v->len);
        fputs(v->str, out);
        return;
    case JSON_STRING:
        cr_assert_eq(v->str[v->len], '\0', "strings are NUL-terminated");
        render_bytes(out, v->str, v->len);
        return;
    case JSON_ARRAY:
    case JSON_OBJECT:
        fputc(v->type == JSON_ARRAY ? '[' : '{', out);
        for (const struct json_value *c = v->child; c != NULL; c = c->next) {
            if (n++ > 0)
                fputc(',', out);
            if (v->type == JSON_OBJECT) {
                cr_assert_not_null(c->key);
                cr_assert_eq(c->key[c->key_len], '\0');
                render_bytes(out, c->key, c->key_len);
                fputc(':', out);
            } else {
                cr_assert_null(c->key);
            }
            render(out, c);
        }
        cr_assert_eq(n, v->count, "count %zu, %zu children", v->count, n);
        fputc(v->type == JSON_ARRAY ? ']' : '}', out);
        return;
    }
    cr_assert_fail("bad type %d", v->type);
}

static void check_ok_n(const char *in, size_t n, const char *expected)
{
    struct guard_buf g;
    struct json_error err = {0, ""};
    struct json_value *root;
    char *text = NULL;
    size_t text_len = 0;
    FILE *out;

    guard_place(&g, in, n);
    root = json_parse(g.data, g.len, NULL, &err);
    cr_assert_not_null(root, "rejected %s: %s", in, err.message);
    cr_assert_null(root->key);
    out = open_memstream(&text, &text_len);
    render(out, root);
    fclose(out);
    cr_assert_str_eq(text, expected, "input %s", in);
    free(text);
    json_free(root);
    guard_release(&g);
}

/* Reject in[0..n) with an error at `offset`. */
static void check_bad_lim(const struct json_limits *lim, const char *in,
                          size_t n, size_t offset)
{
    struct guard_buf g;
    struct json_error err = {0, ""};
    struct json_value *root;

    guard_place(&g, in, n);
    root = json_parse(g.data, g.len, lim, &err);
    cr_assert_null(root, "accepted \"%s\"", in);
    cr_assert_neq(err.message[0], '\0');
    cr_assert_eq(err.offset, offset, "\"%s\": offset %zu (%s), expected %zu",
                 in, err.offset, err.message, offset);
    guard_release(&g);
}

#define OK(in, expected) check_ok_n(in, sizeof(in) - 1, expected)
#define BAD(in, offset)  check_bad_lim(NULL, in, sizeof(in) - 1, offset)

/* ---- reader: accepted documents ---- */

Test(judge_json, scalars_at_top_level)
{
    OK("null", "null");
    OK("true", "true");
    OK("false", "false");
    OK("0", "0");
    OK("\"\"", "''");
    OK(" \t\r\n 42 \n", "42");
}

Test(judge_json, containers)
{
    OK("[]", "[]");
    OK("{}", "{}");
    OK("[ ]", "[]");
    OK("{ \"a\" : [1, {\"b\": null}], \"c\": {} }",
       "{'a':[1,{'b':null}],'c':{}}");
    OK("[[[]],[[],[]]]", "[[[]],[[],[]]]");
}

Test(judge_json, the_submission_shape)
{
    OK("{\"problemId\":\"two-sum\",\"lang\":\"c\",\"code\":\"int main(void)"
       "{\\n\\treturn 0;\\n}\\n\",\"userId\":\"u1\"}",
       "{'problemId':'two-sum','lang':'c','code':'int main(void){\\x0a"
       "\\x09return 0;\\x0a}\\x0a','userId':'u1'}");
}

Test(judge_json, numbers)
{
    OK("[0,-0,1,-1,10,1.5,-1.5e10,1E+2,1e-2,0.0e0,123456789012345678901234]",
       "[0,-0,1,-1,10,1.5,-1.5e10,1E+2,1e-2,0.0e0,123456789012345678901234]");
}

Test(judge_json, number_values)
{
    struct json_value *v = json_parse("[1.5e3, -0.25, 1e-400]", 22, NULL, NULL);

    cr_assert_not_null(v);
    cr_assert_eq(json_at(v, 0)->num, 1500.0);
    cr_assert_eq(json_at(v, 1)->num, -0.25);
    cr_assert_eq(json_at(v, 2)->num, 0.0, "underflow reads as zero");
    json_free(v);
}

Test(judge_json, simple_escapes)
{
    OK("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"",
       "'\" \\x5c / \\x08 \\x0c \\x0a \\x0d \\x09'");
}

Test(judge_json, unicode_escapes_become_utf8)
{
    OK("\"\\u0041\\u00e9\\u20AC\\uFFFF\"", "'A\\xc3\\xa9\\xe2\\x82\\xac\\xef"
                                           "\\xbf\\xbf'");
    /* U+1F600 as a surrogate pair, and U+10FFFF, the last code point. */
    OK("\"\\ud83d\\ude00|\\uDBFF\\uDFFF\"",
       "'\\xf0\\x9f\\x98\\x80|\\xf4\\x8f\\xbf\\xbf'");
    /* An escaped NUL is kept, and the length says where the string ends. */
    OK("\"a\\u0000b\"", "'a\\x00b'");
}

Test(judge_json, raw_utf8_is_kept)
{
    OK("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
       "'caf\\xc3\\xa9 \\xe2\\x82\\xac \\xf0\\x9f\\x98\\x80'");
    OK("{\"\xc3\xa9\":1}", "{'\\xc3\\xa9':1}");
}

/* ---- reader: rejected documents ---- */

Test(judge_json, empty_and_whitespace_only)
{
    BAD("", 0);
    BAD("   ", 3);
}

Test(judge_json, trailing_garbage)
{
    BAD("1 2", 2);
    BAD("{}x", 2);
    BAD("[]]", 2);
    BAD("null,", 4);
}

Test(judge_json, no_bom_comments_or_single_quotes)
{
    BAD("\xef\xbb\xbf{}", 0);
    BAD("[1 /* c */]", 3);
    BAD("{'a':1}", 1);
    BAD("{a:1}", 1);
}

Test(judge_json, bad_literals)
{
    BAD("True", 0);
    BAD("nul", 0);
    BAD("nulll", 4);
    BAD("[tru]", 1);
    BAD("NaN", 0);
    BAD("Infinity", 0);
}

Test(judge_json, bad_numbers)
{
    BAD("01", 1);
    BAD("-01", 2);
    BAD("+1", 0);
    BAD(".5", 0);
    BAD("1.", 2);
    BAD("1.e5", 2);
    BAD("1e", 2);
    BAD("1e+", 3);
    BAD("-", 1);
    BAD("-a", 1);
    BAD("0x10", 1);
    BAD("[1e400]", 1);
    BAD("-1e400", 0);
}

Test(judge_json, bad_structure)
{
    BAD("[1,]", 3);
    BAD("{\"a\":1,}", 7);
    BAD("[1 2]", 3);
    BAD("{\"a\" 1}", 5);
    BAD("{\"a\":}", 5);
    BAD("{1:2}", 1);
    BAD("[", 1);
    BAD("[1", 2);
    BAD("{\"a\":1", 6);
    BAD("{\"a\":[1}", 7);
    BAD(",", 0);
}

Test(judge_json, bad_strings)
{
    BAD("\"abc", 4);
    BAD("\"a\tb\"", 2);
    BAD("\"a\nb\"", 2);
    BAD("\"\x01\"", 1);
    BAD("\"a\\x\"", 3);
    BAD("\"\\a\"", 2);
    BAD("\"\\u12\"", 5);
    BAD("\"\\u12G4\"", 5);
    BAD("\"\\", 2);
}

Test(judge_json, lone_surrogates)
{
    BAD("\"\\ud83d\"", 1);
    BAD("\"\\ude00\"", 1);
    BAD("\"\\ud83d\\u0041\"", 1);
    BAD("\"\\ud83dx\"", 1);
    BAD("\"\\ud83d\\ud83d\"", 1);
    BAD("\"ab\\uDC00\"", 3);
}

Test(judge_json, invalid_raw_utf8)
{
    BAD("\"\x80\"", 1);
    BAD("\"a\xc0\x80\"", 2);
    BAD("\"\xc1\xbf\"", 1);
    BAD("\"\xe0\x80\xaf\"", 1);
    BAD("\"\xed\xa0\x80\"", 1);
    BAD("\"\xf4\x90\x80\x80\"", 1);
    BAD("\"\xf5\x80\x80\x80\"", 1);
    BAD("\"\xe2\x82\"", 1);
    BAD("\"\xe2\x82", 1);
    BAD("\"\xff\"", 1);
}

Test(judge_json, duplicate_member_names)
{
    BAD("{\"a\":1,\"a\":2}", 7);
    BAD("{\"a\":1,\"\\u0061\":2}", 7);
    BAD("[{\"x\":{\"k\":1,\"j\":2,\"k\":3}}]", 19);
    /* The same name in different objects is fine. */
    OK("{\"a\":{\"a\":1},\"b\":{\"a\":2}}", "{'a':{'a':1},'b':{'a':2}}");
}

Test(judge_json, every_prefix_of_a_document_is_incomplete)
{
    static const char doc[] = "{\"a\":[1,-2.5e3,true,null,\"x\\u00e9\\ud83d"
                              "\\ude00\"],\"b\":{\"c\":false}}";

    check_ok_n(doc, sizeof(doc) - 1,
               "{'a':[1,-2.5e3,true,null,'x\\xc3\\xa9\\xf0\\x9f\\x98\\x80'],"
               "'b':{'c':false}}");
    for (size_t n = 0; n < sizeof(doc) - 1; n++) {
        struct guard_buf g;
        struct json_error err;

        guard_place(&g, doc, n);
        cr_assert_null(json_parse(g.data, g.len, NULL, &err), "prefix %zu", n);
        guard_release(&g);
    }
}

Test(judge_json, error_messages_name_the_byte)
{
    struct json_error err;

    cr_assert_null(json_parse("{\"a\":tru}", 9, NULL, &err));
    cr_assert_eq(err.offset, 5);
    cr_assert_str_eq(err.message,
                     "invalid byte 0x74 at offset 5, expected a value");
    cr_assert_null(json_parse("[1", 2, NULL, &err));
    cr_assert_str_eq(err.message, "unexpected end of input at offset 2, "
                                  "expected ',' or ']'");
    /* err may be NULL. */
    cr_assert_null(json_parse("x", 1, NULL, NULL));
}

/* ---- reader: limits ---- */

Test(judge_json, depth_limit)
{
    struct json_limits lim;
    struct json_value *v;

    json_limits_default(&lim);
    lim.max_depth = 3;
    v = json_parse("[[{\"a\":1}]]", 11, &lim, NULL);
    cr_assert_not_null(v);
    json_free(v);
    check_bad_lim(&lim, "[[[[1]]]]", 9, 3);
    check_bad_lim(&lim, "{\"a\":[{\"b\":[]}]}", 16, 11);
}

Test(judge_json, default_depth_limit)
{
    char deep[2 * JSON_MAX_DEPTH_DEFAULT + 4];
    struct json_value *v;
    size_t n = JSON_MAX_DEPTH_DEFAULT;

    memset(deep, '[', n);
    memset(deep + n, ']', n);
    v = json_parse(deep, 2 * n, NULL, NULL);
    cr_assert_not_null(v);
    json_free(v);

    memset(deep, '[', n + 1);
    memset(deep + n + 1, ']', n + 1);
    check_bad_lim(NULL, deep, 2 * n + 2, n);
}

Test(judge_json, value_count_limit)
{
    struct json_limits lim;
    struct json_value *v;

    json_limits_default(&lim);
    lim.max_values = 3;
    v = json_parse("[1,2]", 5, &lim, NULL);
    cr_assert_not_null(v);
    json_free(v);
    check_bad_lim(&lim, "[1,2,3]", 7, 5);
    check_bad_lim(&lim, "{\"a\":{\"b\":{},\"c\":1}}", 20, 17);
}

Test(judge_json, length_limit)
{
    struct json_limits lim;
    struct json_value *v;

    json_limits_default(&lim);
    lim.max_len = 7;
    v = json_parse("\"12345\"", 7, &lim, NULL);
    cr_assert_not_null(v);
    json_free(v);
    check_bad_lim(&lim, "\"123456\"", 8, 7);
}

/* ---- reader: lookups ---- */

Test(judge_json, typed_member_lookups)
{
    static const char doc[] =
        "{\"s\":\"str\",\"i\":42,\"neg\":-7,\"f\":4.5,\"e\":1e2,\"t\":true,"
        "\"n\":null,\"big\":9223372036854775807,\"over\":9223372036854775808,"
        "\"min\":-9223372036854775808,\"arr\":[10,20,30]}";
    struct json_value *v = json_parse(doc, sizeof(doc) - 1, NULL, NULL);
    long long i;
    double d;
    size_t len;
    int b;

    cr_assert_not_null(v);
    cr_assert_str_eq(json_get_string(v, "s", &len), "str");
    cr_assert_eq(len, 3);
    cr_assert_null(json_get_string(v, "i", NULL), "not a string");
    cr_assert_null(json_get_string(v, "missing", NULL));

    cr_assert_eq(json_get_int(v, "i", &i), 0);
    cr_assert_eq(i, 42);
    cr_assert_eq(json_get_int(v, "neg", &i), 0);
    cr_assert_eq(i, -7);
    cr_assert_eq(json_get_int(v, "f", &i), -1, "4.5 is not an integer");
    cr_assert_eq(json_get_int(v, "e", &i), -1, "1e2 is not written as one");
    cr_assert_eq(json_get_int(v, "big", &i), 0);
    cr_assert_eq(i, 9223372036854775807LL);
    cr_assert_eq(json_get_int(v, "over", &i), -1);
    cr_assert_eq(json_get_int(v, "min", &i), 0);
    cr_assert_eq(i, -9223372036854775807LL - 1);
    cr_assert_eq(json_get_int(v, "s", &i), -1);

    cr_assert_eq(json_get_number(v, "f", &d), 0);
    cr_assert_eq(d, 4.5);
    cr_assert_eq(json_get_number(v, "e", &d), 0);
    cr_assert_eq(d, 100.0);
    cr_assert_eq(json_get_number(v, "t", &d), -1);

    cr_assert_eq(json_get_bool(v, "t", &b), 0);
    cr_assert_eq(b, 1);
    cr_assert_eq(json_get_bool(v, "n", &b), -1);
    cr_assert_eq(json_get(v, "n")->type, JSON_NULL);

    cr_assert_eq(json_get(v, "arr")->count, 3);
    cr_assert_eq(json_at(json_get(v, "arr"), 2)->num, 30.0);
    cr_assert_null(json_at(json_get(v, "arr"), 3));
    cr_assert_null(json_at(v, 0), "an object is not an array");
    cr_assert_null(json_get(json_get(v, "arr"), "s"), "nor the reverse");
    cr_assert_null(json_get(NULL, "s"));
    json_free(v);
}

Test(judge_json, lookup_by_decoded_name_and_offsets)
{
    static const char doc[] = " {\"us\\u0065rId\" : \"u\\u00e9\"}";
    struct json_value *v = json_parse(doc, sizeof(doc) - 1, NULL, NULL);
    const struct json_value *m;

    cr_assert_not_null(v);
    cr_assert_eq(v->offset, 1);
    m = json_get(v, "userId");
    cr_assert_not_null(m);
    cr_assert_eq(m->offset, 18);
    cr_assert_str_eq(m->str, "u\xc3\xa9");
    cr_assert_null(json_get(v, "userid"), "names are case-sensitive");
    json_free(v);
}

/* ---- writer ---- */

static void expect_written(struct json_writer *w, const char *expected)
{
    size_t len;
    const char *got = json_writer_result(w, &len);

    cr_assert_not_null(got, "the writer failed");
    cr_assert_eq(len, strlen(expected), "got %s", got);
    cr_assert_str_eq(got, expected);
}

Test(judge_json, writer_builds_a_record)
{
    struct json_writer w;

    json_writer_init(&w);
    json_write_object_begin(&w);
    json_write_kv_string(&w, "id", "42");
    json_write_kv_string(&w, "status", "DONE");
    json_write_kv_int(&w, "timeMs", 17);
    json_write_kv_bool(&w, "ok", 1);
    json_write_kv_null(&w, "error");
    json_write_key(&w, "tests");
    json_write_array_begin(&w);
    for (int i = 0; i < 2; i++) {
        json_write_object_begin(&w);
        json_write_kv_int(&w, "n", i);
        json_write_kv_string(&w, "verdict", i ? "WA" : "AC");
        json_write_object_end(&w);
    }
    json_write_array_end(&w);
    json_write_key(&w, "empty");
    json_write_array_begin(&w);
    json_write_array_end(&w);
    cr_assert_eq(json_write_object_end(&w), 0);
    expect_written(&w, "{\"id\":\"42\",\"status\":\"DONE\",\"timeMs\":17,"
                       "\"ok\":true,\"error\":null,\"tests\":[{\"n\":0,"
                       "\"verdict\":\"AC\"},{\"n\":1,\"verdict\":\"WA\"}],"
                       "\"empty\":[]}");
    json_writer_free(&w);
}

Test(judge_json, writer_escapes_strings)
{
    struct json_writer w;

    json_writer_init(&w);
    json_write_string_n(&w, "a\"b\\c/\n\r\t\b\f\x01\x1f\x7f\0z", 16);
    expect_written(&w, "\"a\\\"b\\\\c/\\n\\r\\t\\b\\f\\u0001\\u001f\x7f"
                       "\\u0000z\"");
    json_writer_reset(&w);
    json_write_string(&w, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    expect_written(&w, "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    json_writer_free(&w);
}

Test(judge_json, writer_replaces_invalid_utf8_byte_by_byte)
{
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"\xff", "\"\xef\xbf\xbd\""},
        {"a\x80z", "\"a\xef\xbf\xbdz\""},
        /* Overlong, surrogate, above U+10FFFF: each byte replaced. */
        {"\xc0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\""},
        {"\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""},
        {"\xf4\x90\x80\x80",
         "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""},
        /* A truncated sequence, then a valid character. */
        {"\xe2\x82\xc3\xa9", "\"\xef\xbf\xbd\xef\xbf\xbd\xc3\xa9\""},
        {"\xe2\x82", "\"\xef\xbf\xbd\xef\xbf\xbd\""},
    };
    struct json_writer w;

    json_writer_init(&w);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_writer_reset(&w);
        json_write_string(&w, cases[i].in);
        expect_written(&w, cases[i].out);
    }
    json_writer_free(&w);
}

Test(judge_json, writer_numbers)
{
    struct json_writer w;

    json_writer_init(&w);
    json_write_array_begin(&w);
    json_write_int(&w, 0);
    json_write_int(&w, -9223372036854775807LL - 1);
    json_write_double(&w, 0.1);
    json_write_double(&w, 1.5);
    json_write_double(&w, -0.0);
    json_write_double(&w, 1e300);
    json_write_double(&w, 1.0 / 3.0);
    json_write_double(&w, NAN);
    json_write_double(&w, INFINITY);
    json_write_array_end(&w);
    expect_written(&w, "[0,-9223372036854775808,0.1,1.5,-0,1e+300,"
                       "0.3333333333333333,null,null]");
    json_writer_free(&w);
}

Test(judge_json, writer_raw_values)
{
    struct json_writer w;

    json_writer_init(&w);
    json_write_object_begin(&w);
    json_write_key(&w, "record");
    json_write_raw(&w, "{\"a\":[1]}", 9);
    json_write_key(&w, "n");
    json_write_raw(&w, "3", 1);
    json_write_object_end(&w);
    expect_written(&w, "{\"record\":{\"a\":[1]},\"n\":3}");
    json_writer_free(&w);
}

Test(judge_json, writer_misuse_fails_sticky)
{
    struct json_writer w;

    json_writer_init(&w);
    json_write_object_begin(&w);
    cr_assert_eq(json_write_int(&w, 1), -1, "a value without a key");
    cr_assert_eq(json_write_key(&w, "a"), -1, "sticky");
    cr_assert_null(json_writer_result(&w, NULL));

    json_writer_reset(&w);
    json_write_array_begin(&w);
    cr_assert_eq(json_write_key(&w, "a"), -1, "a key in an array");

    json_writer_reset(&w);
    json_write_array_begin(&w);
    cr_assert_eq(json_write_object_end(&w), -1, "mismatched end");

    json_writer_reset(&w);
    json_write_object_begin(&w);
    json_write_key(&w, "a");
    cr_assert_eq(json_write_object_end(&w), -1, "a key without a value");

    json_writer_reset(&w);
    json_write_object_begin(&w);
    json_write_key(&w, "a");
    cr_assert_eq(json_write_key(&w, "b"), -1, "two keys in a row");

    json_writer_reset(&w);
    json_write_int(&w, 1);
    cr_assert_eq(json_write_int(&w, 2), -1, "two top-level values");

    json_writer_reset(&w);
    cr_assert_eq(json_write_array_end(&w), -1, "end with nothing open");

    json_writer_reset(&w);
    json_write_array_begin(&w);
    cr_assert_null(json_writer_result(&w, NULL), "still open");
    json_writer_reset(&w);
    cr_assert_null(json_writer_result(&w, NULL), "nothing written");
    json_writer_free(&w);
}

Test(judge_json, writer_depth_limit)
{
    struct json_writer w;

    json_writer_init(&w);
    for (int i = 0; i < JSON_WRITER_MAX_DEPTH; i++)
        cr_assert_eq(json_write_array_begin(&w), 0);
    cr_assert_eq(json_write_array_begin(&w), -1);
    json_writer_reset(&w);
    for (int i = 0; i < JSON_WRITER_MAX_DEPTH; i++)
        json_write_array_begin(&w);
    for (int i = 0; i < JSON_WRITER_MAX_DEPTH; i++)
        cr_assert_eq(json_write_array_end(&w), 0);
    cr_assert_not_null(json_writer_result(&w, NULL));
    json_writer_free(&w);
}

/* Whatever bytes a string holds, the writer's output is JSON the reader
 * accepts, and valid UTF-8 comes back unchanged. */
Test(judge_json, writer_output_reads_back)
{
    unsigned seed = 12345;
    struct json_writer w;
    int valid = 0;

    json_writer_init(&w);
    for (int round = 0; round < 2000; round++) {
        char s[40];
        size_t n = (size_t)(round % 40);
        const char *text;
        size_t len;
        struct json_value *v;
        struct json_error err;

        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245 + 12345;
            /* Mostly ASCII and controls, some high bytes. */
            s[i] = (char)(round % 3 == 0 ? (seed >> 16) & 0xff
                                         : (seed >> 16) & 0x7f);
        }
        if (round % 5 == 0 && n >= 4)
            memcpy(s, "\xf0\x9f\x98\x80", 4);
        json_writer_reset(&w);
        json_write_object_begin(&w);
        json_write_key_n(&w, s, n);
        json_write_string_n(&w, s, n);
        json_write_object_end(&w);
        text = json_writer_result(&w, &len);
        cr_assert_not_null(text);

        v = json_parse(text, len, NULL, &err);
        cr_assert_not_null(v, "round %d: %s in %s", round, err.message, text);
        cr_assert_eq(v->count, 1);
        if (utf8_valid(s, n)) {
            const struct json_value *m = v->child;

            cr_assert_eq(m->len, n);
            cr_assert(memcmp(m->str, s, n) == 0, "round %d", round);
            cr_assert(m->key_len == n && memcmp(m->key, s, n) == 0);
            valid++;
        }
        json_free(v);
    }
    cr_assert_gt(valid, 500, "enough valid strings to compare");
    json_writer_free(&w);
}
