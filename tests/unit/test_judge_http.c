/* test_judge_http.c -- the judge's HTTP/1.1 request parser and response
 * writer (client/judge/http.h), against RFC 9110/9112.
 *
 * A case is a byte string fed to the parser three ways: whole, one byte at
 * a time, and split in two at every offset.  Feeding models a server's
 * input buffer: received bytes are appended, each parse sees the buffer
 * from the first byte of the current request, and a parsed request's bytes
 * are dropped before the next parse.  The buffer moves to a fresh guard
 * region (tests/unit/guard.h) at every change, so its last byte always sits
 * right before an inaccessible page and an over-read crashes the test.
 *
 * Each run is summarised as a transcript, which must be the same for all
 * ways of feeding:
 *   [GET /a?b 1.1 'Host'='x' body='...' keep]   a request (keep or close)
 *   <431>                                      an error (the status code)
 *   <more>                                     bytes of a partial request
 * Bytes outside printable ASCII (and quote, backslash) print as \xHH. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../client/judge/http.h"
#include "guard.h"

static void render_bytes(FILE *out, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];

        if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
            fputc(c, out);
        else
            fprintf(out, "\\x%02x", c);
    }
}

static void assert_inside(const char *p, size_t n, const char *buf, size_t len,
                          const char *what)
{
    cr_assert(p >= buf && p + n <= buf + len, "%s points outside the request",
              what);
}

/* Append a parsed request, checking that every field lies inside the bytes
 * it consumed. */
static void render_request(FILE *out, const struct http_request *r,
                           const char *buf, size_t consumed)
{
    assert_inside(r->method, r->method_len, buf, consumed, "method");
    assert_inside(r->target, r->target_len, buf, consumed, "target");
    cr_assert(r->path == r->target);
    cr_assert(r->header_len + r->body_len == consumed);

    fputc('[', out);
    render_bytes(out, r->method, r->method_len);
    fputc(' ', out);
    render_bytes(out, r->target, r->target_len);
    fprintf(out, " 1.%d", r->minor_version);
    for (size_t i = 0; i < r->num_headers; i++) {
        const struct http_header *h = &r->headers[i];

        assert_inside(h->name, h->name_len, buf, consumed, "header name");
        assert_inside(h->value, h->value_len, buf, consumed, "header value");
        fputs(" '", out);
        render_bytes(out, h->name, h->name_len);
        fputs("'='", out);
        render_bytes(out, h->value, h->value_len);
        fputc('\'', out);
    }
    if (r->body_len > 0) {
        assert_inside(r->body, r->body_len, buf, consumed, "body");
        fputs(" body='", out);
        render_bytes(out, r->body, r->body_len);
        fputc('\'', out);
    }
    fputs(r->keep_alive ? " keep]" : " close]", out);
}

/* Replace the buffer with a fresh guard region holding its bytes from skip
 * on plus extra[0..n). */
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

/* Parse until the buffer holds no complete request.  0 to go on, -1 after
 * an error. */
static int drain(struct guard_buf *g, const struct http_limits *lim, FILE *out)
{
    for (;;) {
        struct http_request req;
        long n = http_parse_request(&req, g->data, g->len, lim);

        if (n == HTTP_PARSE_MORE)
            return 0;
        if (n == HTTP_PARSE_ERROR) {
            cr_assert(req.error[0] != '\0', "an error without a reason");
            fprintf(out, "<%d>", req.status);
            return -1;
        }
        cr_assert(n > 0 && (size_t)n <= g->len, "consumed %ld of %zu", n,
                  g->len);
        render_request(out, &req, g->data, (size_t)n);
        move_buffer(g, (size_t)n, NULL, 0);
    }
}

/* Feed in[0..n) in pieces ending at cuts[0..ncuts) (ascending, the last
 * one n); returns the malloc'd transcript. */
static char *run_feeds(const struct http_limits *lim, const char *in, size_t n,
                       const size_t *cuts, size_t ncuts)
{
    struct guard_buf g;
    char *text = NULL;
    size_t text_len = 0, have = 0;
    FILE *out = open_memstream(&text, &text_len);
    int failed = 0;

    guard_place(&g, NULL, 0);
    for (size_t i = 0; i < ncuts && !failed; i++) {
        move_buffer(&g, 0, in + have, cuts[i] - have);
        have = cuts[i];
        failed = drain(&g, lim, out) != 0;
    }
    if (!failed && g.len > 0)
        fputs("<more>", out);
    guard_release(&g);
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

/* Check a case whole, in chunks of step bytes, and split in two at every
 * step-th offset. */
static void check_ex(const struct http_limits *lim, const char *in, size_t n,
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

#define CHECK(in, expected) check_ex(NULL, in, sizeof(in) - 1, expected, 1)
#define CHECK_LIM(lim, in, expected)                                           \
    check_ex(lim, in, sizeof(in) - 1, expected, 1)

/* Parse a whole request once, for tests that look at fields. */
static long parse_once(struct http_request *req, const char *s)
{
    return http_parse_request(req, s, strlen(s), NULL);
}

/* ---- well-formed requests ---- */

Test(judge_http, simple_get)
{
    CHECK("GET / HTTP/1.1\r\nHost: a\r\n\r\n", "[GET / 1.1 'Host'='a' keep]");
}

Test(judge_http, post_with_content_length_body)
{
    CHECK("POST /submissions HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n"
          "\r\n{\"a\":\"b\r\n\"}",
          "[POST /submissions 1.1 'Host'='x' 'Content-Length'='11' "
          "body='{\"a\":\"b\\x0d\\x0a\"}' keep]");
}

Test(judge_http, pipelined_requests_each_consume_exactly_one)
{
    CHECK("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
          "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz"
          "GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
          "[GET /a 1.1 'Host'='x' keep]"
          "[POST /b 1.1 'Host'='x' 'Content-Length'='3' body='xyz' keep]"
          "[GET /c 1.1 'Host'='x' 'Connection'='close' close]");
}

Test(judge_http, partial_second_request_is_left_over)
{
    CHECK("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTT",
          "[GET /a 1.1 'Host'='x' keep]<more>");
    CHECK("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab",
          "<more>");
}

Test(judge_http, body_bytes_are_not_parsed_as_a_request)
{
    CHECK("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 16\r\n\r\n"
          "GET / HTTP/1.1\r\n",
          "[POST / 1.1 'Host'='x' 'Content-Length'='16' "
          "body='GET / HTTP/1.1\\x0d\\x0a' keep]");
}

Test(judge_http, header_values_trimmed_and_may_be_empty)
{
    CHECK("GET / HTTP/1.1\r\nHost:a\r\nX-A: \t v  w \t\r\nX-B:\r\nX-C:  \r\n"
          "\r\n",
          "[GET / 1.1 'Host'='a' 'X-A'='v  w' 'X-B'='' 'X-C'='' keep]");
}

Test(judge_http, obs_text_in_values_is_accepted)
{
    CHECK("GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\xff\r\n\r\n",
          "[GET / 1.1 'Host'='a' 'X'='caf\\xc3\\xa9\\xff' keep]");
}

Test(judge_http, bare_lf_line_endings_are_accepted)
{
    CHECK("GET / HTTP/1.1\nHost: a\nX: y\n\n",
          "[GET / 1.1 'Host'='a' 'X'='y' keep]");
}

Test(judge_http, empty_lines_before_the_request_line_are_skipped)
{
    CHECK("\r\n\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
          "[GET / 1.1 'Host'='a' keep]");
    /* An extra CRLF after a body (old clients) costs nothing either. */
    CHECK("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx\r\n"
          "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
          "[POST / 1.1 'Host'='a' 'Content-Length'='1' body='x' keep]"
          "[GET / 1.1 'Host'='a' keep]");
}

Test(judge_http, any_token_is_a_method)
{
    CHECK("get / HTTP/1.1\r\nHost: a\r\n\r\n", "[get / 1.1 'Host'='a' keep]");
    CHECK("M-SEARCH * HTTP/1.1\r\nHost: a\r\n\r\n",
          "[M-SEARCH * 1.1 'Host'='a' keep]");
}

Test(judge_http, path_and_query_are_split_at_the_first_question_mark)
{
    struct http_request req;

    cr_assert_gt(parse_once(&req, "GET /p/1?a=b?c HTTP/1.1\r\nHost: h\r\n\r\n"),
                 0);
    cr_assert_eq(req.path_len, 4);
    cr_assert(memcmp(req.path, "/p/1", 4) == 0);
    cr_assert_eq(req.query_len, 5);
    cr_assert(memcmp(req.query, "a=b?c", 5) == 0);

    cr_assert_gt(parse_once(&req, "GET /p HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
    cr_assert_null(req.query);
    cr_assert_eq(req.path_len, 2);

    cr_assert_gt(parse_once(&req, "GET /p? HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
    cr_assert_not_null(req.query);
    cr_assert_eq(req.query_len, 0);
}

Test(judge_http, http10_needs_no_host)
{
    CHECK("GET / HTTP/1.0\r\n\r\n", "[GET / 1.0 close]");
}

/* ---- keep-alive ---- */

Test(judge_http, keep_alive_http11_default_and_close)
{
    CHECK("GET / HTTP/1.1\r\nHost: a\r\n\r\n", "[GET / 1.1 'Host'='a' keep]");
    CHECK("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
          "[GET / 1.1 'Host'='a' 'Connection'='close' close]");
    CHECK("GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, CLOSE\r\n\r\n",
          "[GET / 1.1 'Host'='a' 'Connection'='Keep-Alive, CLOSE' close]");
    /* Another Connection header line counts too. */
    CHECK("GET / HTTP/1.1\r\nConnection: upgrade\r\nHost: a\r\n"
          "connection: ,close,\r\n\r\n",
          "[GET / 1.1 'Connection'='upgrade' 'Host'='a' "
          "'connection'=',close,' close]");
    /* A token that only contains "close" is not "close". */
    CHECK("GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n",
          "[GET / 1.1 'Host'='a' 'Connection'='closed' keep]");
}

Test(judge_http, keep_alive_http10_needs_the_header)
{
    CHECK("GET / HTTP/1.0\r\n\r\n", "[GET / 1.0 close]");
    CHECK("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
          "[GET / 1.0 'Connection'='keep-alive' keep]");
    CHECK("GET / HTTP/1.0\r\nConnection: foo , KEEP-ALIVE\r\n\r\n",
          "[GET / 1.0 'Connection'='foo , KEEP-ALIVE' keep]");
    CHECK("GET / HTTP/1.0\r\nKeep-Alive: timeout=5\r\n\r\n",
          "[GET / 1.0 'Keep-Alive'='timeout=5' close]");
}

/* ---- bad request lines ---- */

Test(judge_http, bad_request_lines_are_400)
{
    CHECK("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", "<400>");
    CHECK("GET /  HTTP/1.1\r\nHost: a\r\n\r\n", "<400>");
    CHECK(" GET / HTTP/1.1\r\nHost: a\r\n\r\n", "<400>");
    CHECK("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", "<400>");
    CHECK("GET /\r\n\r\n", "<400>");
    CHECK("GET / http/1.1\r\nHost: a\r\n\r\n", "<400>");
    CHECK("GET / HTTP/1.10\r\nHost: a\r\n\r\n", "<400>");
    CHECK("GET / HTTP/11\r\nHost: a\r\n\r\n", "<400>");
    CHECK("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", "<400>");
    CHECK("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", "<400>");
    CHECK("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", "<400>");
    CHECK("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", "<400>");
    CHECK("GET / HTTP/1.1\rHost: a\r\n\r\n", "<400>");
}

Test(judge_http, unknown_versions_are_505)
{
    CHECK("GET / HTTP/2.0\r\nHost: a\r\n\r\n", "<505>");
    CHECK("GET / HTTP/1.2\r\nHost: a\r\n\r\n", "<505>");
    CHECK("GET / HTTP/0.9\r\n\r\n", "<505>");
    /* A broken line end after an unknown version is still 400. */
    CHECK("GET / HTTP/2.0\r\r\n", "<400>");
}

Test(judge_http, errors_are_found_before_the_request_ends)
{
    struct http_request req;

    cr_assert_eq(http_parse_request(&req, "G\x01", 2, NULL), HTTP_PARSE_ERROR);
    cr_assert_eq(req.status, 400);
    cr_assert_str_eq(req.error, "invalid byte 0x01 in method at offset 1");

    cr_assert_eq(http_parse_request(&req, "GET / HTTP/1.1\r\nHo st", 21, NULL),
                 HTTP_PARSE_ERROR);
    cr_assert_str_eq(req.error,
                     "invalid byte 0x20 in header name at offset 18");
}

/* ---- bad headers ---- */

Test(judge_http, bad_header_lines_are_400)
{
    CHECK("GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n", "<400>");
    CHECK("GET / HTTP/1.1\r\nHost : a\r\n\r\n", "<400>");
    CHECK("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", "<400>");
    CHECK("GET / HTTP/1.1\r\nHost: a\r\n: empty-name\r\n\r\n", "<400>");
    CHECK("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n", "<400>");
    CHECK("GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n", "<400>");
    CHECK("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", "<400>");
    CHECK("GET / HTTP/1.1\r\nHost: a\r\n\r\r\n", "<400>");
    CHECK("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", "<400>");
}

Test(judge_http, obsolete_line_folding_is_400)
{
    CHECK("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", "<400>");
    CHECK("GET / HTTP/1.1\r\n\tHost: a\r\n\r\n", "<400>");
}

Test(judge_http, host_is_required_once_in_http11)
{
    CHECK("GET / HTTP/1.1\r\n\r\n", "<400>");
    CHECK("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", "<400>");
    CHECK("GET / HTTP/1.0\r\nHost: a\r\nHOST: b\r\n\r\n", "<400>");
}

/* ---- body framing ---- */

Test(judge_http, content_length_must_be_digits)
{
    CHECK("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n", "<400>");
    CHECK("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", "<400>");
    CHECK("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\nx", "<400>");
    CHECK("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", "<400>");
    CHECK("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", "<400>");
    CHECK("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1,1\r\n\r\nx",
          "<400>");
}

Test(judge_http, repeated_content_length_must_agree)
{
    CHECK("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n"
          "content-length: 2\r\n\r\nab",
          "[POST / 1.1 'Host'='a' 'Content-Length'='2' 'content-length'='2' "
          "body='ab' keep]");
    CHECK("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n"
          "Content-Length: 3\r\n\r\nabc",
          "<400>");
}

Test(judge_http, content_length_zero_and_leading_zeros)
{
    CHECK("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
          "[POST / 1.1 'Host'='a' 'Content-Length'='0' keep]");
    CHECK("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 002\r\n\r\nab",
          "[POST / 1.1 'Host'='a' 'Content-Length'='002' body='ab' keep]");
}

Test(judge_http, chunked_is_411)
{
    CHECK("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
          "1\r\nx\r\n0\r\n\r\n",
          "<411>");
    CHECK("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n",
          "<411>");
}

Test(judge_http, other_transfer_codings_are_501)
{
    CHECK("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n"
          "\r\n",
          "<501>");
    CHECK("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n"
          "Transfer-Encoding: chunked\r\n\r\n",
          "<501>");
}

Test(judge_http, faulty_transfer_encoding_framing_is_400)
{
    CHECK("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
          "<400>");
    CHECK("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n"
          "\r\n",
          "<400>");
    CHECK("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked,chunked\r\n"
          "\r\n",
          "<400>");
    CHECK("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
          "Content-Length: 3\r\n\r\nabc",
          "<400>");
    CHECK("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", "<400>");
}

Test(judge_http, headers_complete_while_the_body_is_missing)
{
    static const char s[] = "POST /s HTTP/1.1\r\nHost: a\r\n"
                            "Expect: 100-Continue\r\nContent-Length: 4\r\n\r\n";
    struct http_request req;

    cr_assert_eq(http_parse_request(&req, s, sizeof(s) - 1, NULL),
                 HTTP_PARSE_MORE);
    cr_assert_eq(req.header_len, sizeof(s) - 1);
    cr_assert_eq(req.body_len, 4);
    cr_assert_null(req.body);
    cr_assert(req.expect_continue);
    cr_assert(http_method_is(&req, "POST"));

    /* Before the blank line, the header section is not complete yet. */
    cr_assert_eq(http_parse_request(&req, s, sizeof(s) - 3, NULL),
                 HTTP_PARSE_MORE);
    cr_assert_eq(req.header_len, 0);
}

Test(judge_http, expect_continue_only_in_http11)
{
    struct http_request req;

    cr_assert_gt(parse_once(&req, "POST / HTTP/1.0\r\nExpect: 100-continue"
                                  "\r\nContent-Length: 0\r\n\r\n"),
                 0);
    cr_assert_not(req.expect_continue);
    cr_assert_gt(parse_once(&req, "POST / HTTP/1.1\r\nHost: a\r\n\r\n"), 0);
    cr_assert_not(req.expect_continue);
}

/* ---- limits ---- */

/* Small limits, so that transcripts stay readable. */
static const struct http_limits small = {
    .max_header_bytes = 48, .max_target_len = 8, .max_body_bytes = 5};

Test(judge_http, header_section_up_to_the_cap_is_accepted)
{
    /* 48 bytes exactly: request line 16, Host 9, X 21, blank line 2. */
    CHECK_LIM(&small,
              "GET / HTTP/1.1\r\nHost: a\r\nX: 0123456789abcdef\r\n\r\n",
              "[GET / 1.1 'Host'='a' 'X'='0123456789abcdef' keep]");
}

Test(judge_http, header_section_over_the_cap_is_431)
{
    CHECK_LIM(&small,
              "GET / HTTP/1.1\r\nHost: a\r\nX: 0123456789abcdefg\r\n\r\n",
              "<431>");
    /* Without an end in sight the cap is hit as soon as 48 bytes are in. */
    CHECK_LIM(&small,
              "GET / HTTP/1.1\r\nHost: a\r\nX: 0123456789abcdef0123456789",
              "<431>");
    /* Empty lines before the request count too. */
    CHECK_LIM(&small,
              "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
              "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n",
              "<431>");
}

Test(judge_http, request_target_over_its_cap_is_414)
{
    CHECK_LIM(&small, "GET /1234567 HTTP/1.1\r\nHost: a\r\n\r\n",
              "[GET /1234567 1.1 'Host'='a' keep]");
    CHECK_LIM(&small, "GET /12345678 HTTP/1.1\r\nHost: a\r\n\r\n", "<414>");
    /* Known before the target ends. */
    CHECK_LIM(&small, "GET /123456789", "<414>");
}

Test(judge_http, body_over_its_cap_is_413_before_it_arrives)
{
    CHECK_LIM(&small,
              "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"
              "abcde",
              "[POST / 1.1 'Host'='a' 'Content-Length'='5' body='abcde' "
              "keep]");
    CHECK_LIM(&small, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\n",
              "<413>");
    CHECK("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
          "99999999999999999999999999\r\n\r\n",
          "<413>");
}

Test(judge_http, too_many_header_lines_is_431)
{
    char buf[4096];
    size_t n = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: a\r\n");
    struct http_request req;

    for (int i = 1; i < HTTP_MAX_HEADERS; i++)
        n += (size_t)sprintf(buf + n, "X%d: %d\r\n", i, i);
    memcpy(buf + n, "\r\n", 3);
    cr_assert_eq(http_parse_request(&req, buf, n + 2, NULL), (long)(n + 2));
    cr_assert_eq(req.num_headers, HTTP_MAX_HEADERS);

    n += (size_t)sprintf(buf + n, "Y: y\r\n\r\n");
    cr_assert_eq(http_parse_request(&req, buf, n, NULL), HTTP_PARSE_ERROR);
    cr_assert_eq(req.status, 431);
}

/* The default caps, on requests built to sit right at them. */
static char *request_with_header_bytes(size_t total, size_t *len)
{
    static const char head[] = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
    size_t fixed = sizeof(head) - 1 + 4; /* value's CRLF + blank line */
    char *s = malloc(total + 1);

    cr_assert_gt(total, fixed);
    memcpy(s, head, sizeof(head) - 1);
    memset(s + sizeof(head) - 1, 'v', total - fixed);
    memcpy(s + total - 4, "\r\n\r\n", 5);
    *len = total;
    return s;
}

static void expect_status_split(const char *s, size_t len, long want_rc,
                                int want_status)
{
    struct guard_buf g;
    struct http_request req;
    long rc;

    guard_place(&g, s, len);
    rc = http_parse_request(&req, g.data, g.len, NULL);
    cr_assert_eq(rc, want_rc, "rc %ld, expected %ld", rc, want_rc);
    if (rc == HTTP_PARSE_ERROR)
        cr_assert_eq(req.status, want_status);
    guard_release(&g);

    /* Every prefix is either incomplete or, past the cap, the same error. */
    for (size_t at = 1; at < len; at += 509) {
        guard_place(&g, s, at);
        rc = http_parse_request(&req, g.data, g.len, NULL);
        if (at < HTTP_MAX_HEADER_BYTES_DEFAULT)
            cr_assert_eq(rc, HTTP_PARSE_MORE, "prefix %zu: rc %ld", at, rc);
        else
            cr_assert(rc == HTTP_PARSE_ERROR && req.status == want_status,
                      "prefix %zu: rc %ld status %d", at, rc, req.status);
        guard_release(&g);
    }
}

Test(judge_http, default_header_cap)
{
    size_t len;
    char *s = request_with_header_bytes(HTTP_MAX_HEADER_BYTES_DEFAULT, &len);

    expect_status_split(s, len, (long)len, 0);
    free(s);
    s = request_with_header_bytes(HTTP_MAX_HEADER_BYTES_DEFAULT + 1, &len);
    expect_status_split(s, len, HTTP_PARSE_ERROR, 431);
    free(s);
}

Test(judge_http, default_target_cap)
{
    size_t n = HTTP_MAX_TARGET_LEN_DEFAULT;
    char *s = malloc(n + 64);
    struct http_request req;
    size_t len;

    memcpy(s, "GET /", 5);
    memset(s + 5, 'p', n - 1);
    len = 4 + n + (size_t)sprintf(s + 4 + n, " HTTP/1.1\r\nHost: a\r\n\r\n");
    cr_assert_eq(http_parse_request(&req, s, len, NULL), (long)len);
    cr_assert_eq(req.target_len, n);

    memset(s + 5, 'p', n);
    len = 5 + n + (size_t)sprintf(s + 5 + n, " HTTP/1.1\r\nHost: a\r\n\r\n");
    cr_assert_eq(http_parse_request(&req, s, len, NULL), HTTP_PARSE_ERROR);
    cr_assert_eq(req.status, 414);
    free(s);
}

Test(judge_http, default_body_cap)
{
    char head[128];
    struct http_request req;
    int n = sprintf(head,
                    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n"
                    "\r\n",
                    HTTP_MAX_BODY_BYTES_DEFAULT);

    cr_assert_eq(http_parse_request(&req, head, (size_t)n, NULL),
                 HTTP_PARSE_MORE);
    cr_assert_eq(req.header_len, (size_t)n);
    n = sprintf(head,
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n",
                HTTP_MAX_BODY_BYTES_DEFAULT + 1);
    cr_assert_eq(http_parse_request(&req, head, (size_t)n, NULL),
                 HTTP_PARSE_ERROR);
    cr_assert_eq(req.status, 413);
}

/* ---- header lookups ---- */

Test(judge_http, find_header_ignores_case)
{
    struct http_request req;
    const struct http_header *h;

    cr_assert_gt(parse_once(&req, "GET / HTTP/1.1\r\nHost: a\r\n"
                                  "content-TYPE: text/plain\r\nX: 1\r\nx: 2\r\n"
                                  "\r\n"),
                 0);
    h = http_find_header(&req, "Content-Type");
    cr_assert_not_null(h);
    cr_assert_eq(h->value_len, 10);
    cr_assert(memcmp(h->value, "text/plain", 10) == 0);
    h = http_find_header(&req, "X");
    cr_assert(h != NULL && h->value[0] == '1', "the first one wins");
    cr_assert_null(http_find_header(&req, "Content"));
    cr_assert_null(http_find_header(&req, "Content-Type-X"));
}

Test(judge_http, header_token_lists)
{
    struct http_request req;

    cr_assert_gt(parse_once(&req, "GET / HTTP/1.1\r\nHost: a\r\n"
                                  "Connection: keep-alive,  Upgrade \r\n"
                                  "Upgrade: WebSocket\r\n\r\n"),
                 0);
    cr_assert(http_header_has_token(&req, "connection", "upgrade"));
    cr_assert(http_header_has_token(&req, "Connection", "keep-alive"));
    cr_assert(http_header_has_token(&req, "Upgrade", "websocket"));
    cr_assert_not(http_header_has_token(&req, "Connection", "keep"));
    cr_assert_not(http_header_has_token(&req, "Connection", "alive,  Upgrade"));
    cr_assert_not(http_header_has_token(&req, "Host", "b"));
}

/* ---- responses ---- */

Test(judge_http, write_head_with_body_headers)
{
    char out[256];
    long n = http_write_head(out, sizeof(out), 202, "application/json", 12, 1,
                             "X-A: 1\r\nX-B: 2\r\n");
    static const char want[] = "HTTP/1.1 202 Accepted\r\n"
                               "Content-Type: application/json\r\n"
                               "Content-Length: 12\r\n"
                               "Connection: keep-alive\r\n"
                               "X-A: 1\r\nX-B: 2\r\n"
                               "\r\n";

    cr_assert_eq(n, (long)sizeof(want) - 1);
    cr_assert(memcmp(out, want, (size_t)n) == 0, "got %.*s", (int)n, out);
}

Test(judge_http, write_head_without_length_for_204_304_and_1xx)
{
    char out[256];
    long n = http_write_head(out, sizeof(out), 204, NULL, 0, 0, NULL);

    cr_assert_eq(n, (long)strlen("HTTP/1.1 204 No Content\r\n"
                                 "Connection: close\r\n\r\n"));
    cr_assert(memcmp(out,
                     "HTTP/1.1 204 No Content\r\nConnection: close\r\n"
                     "\r\n",
                     (size_t)n) == 0);
    n = http_write_head(out, sizeof(out), 304, NULL, 9, 1, NULL);
    cr_assert(n > 0 && memmem(out, (size_t)n, "Content-Length", 14) == NULL);
    n = http_write_head(out, sizeof(out), 100, NULL, 0, 1, NULL);
    cr_assert_eq(n, (long)strlen(HTTP_CONTINUE_RESPONSE));
    cr_assert(memcmp(out, HTTP_CONTINUE_RESPONSE, (size_t)n) == 0);
}

Test(judge_http, write_head_refuses_a_short_buffer)
{
    char out[256];
    long need =
        http_write_head(out, sizeof(out), 404, "text/plain", 3, 0, "X: y\r\n");

    cr_assert_gt(need, 0);
    for (long cap = 0; cap < need; cap++)
        cr_assert_eq(http_write_head(out, (size_t)cap, 404, "text/plain", 3, 0,
                                     "X: y\r\n"),
                     -1, "cap %ld", cap);
    cr_assert_eq(
        http_write_head(out, (size_t)need, 404, "text/plain", 3, 0, "X: y\r\n"),
        need);
}

Test(judge_http, out_response_appends_head_and_body)
{
    struct http_out o;
    static const char want[] = "HTTP/1.1 200 OK\r\n"
                               "Content-Type: text/plain\r\n"
                               "Content-Length: 5\r\n"
                               "Connection: close\r\n\r\nhello"
                               "HTTP/1.1 200 OK\r\n"
                               "Content-Length: 5\r\n"
                               "Connection: keep-alive\r\n\r\n";

    http_out_init(&o);
    cr_assert_eq(
        http_out_response(&o, 200, "text/plain", "hello", 5, 0, NULL, 0), 0);
    /* A HEAD answer: the length of the body that a GET would get. */
    cr_assert_eq(http_out_response(&o, 200, NULL, "hello", 5, 1, NULL, 1), 0);
    cr_assert_eq(o.len, sizeof(want) - 1);
    cr_assert(memcmp(o.data, want, o.len) == 0, "got %.*s", (int)o.len, o.data);
    http_out_free(&o);
    cr_assert_null(o.data);
}

Test(judge_http, out_grows_for_large_bodies)
{
    struct http_out o;
    size_t n = 300000;
    char *body = malloc(n);

    memset(body, 'b', n);
    http_out_init(&o);
    cr_assert_eq(http_out_response(&o, 200, "application/octet-stream", body, n,
                                   1, NULL, 0),
                 0);
    cr_assert(o.len > n);
    cr_assert(memcmp(o.data + o.len - n, body, n) == 0);
    cr_assert_not_null(memmem(o.data, o.len, "Content-Length: 300000\r\n", 24));
    http_out_free(&o);
    free(body);
}

Test(judge_http, status_reasons)
{
    cr_assert_str_eq(http_status_reason(200), "OK");
    cr_assert_str_eq(http_status_reason(431),
                     "Request Header Fields Too Large");
    cr_assert_str_eq(http_status_reason(429), "Too Many Requests");
    cr_assert_str_eq(http_status_reason(599), "Unknown");
}

Test(judge_http, imf_fixdate)
{
    char out[30];

    /* RFC 9110 5.6.7's example. */
    http_format_date(784111777, out);
    cr_assert_str_eq(out, "Sun, 06 Nov 1994 08:49:37 GMT");
    http_format_date(0, out);
    cr_assert_str_eq(out, "Thu, 01 Jan 1970 00:00:00 GMT");
}
