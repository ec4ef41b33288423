/* test_judge_ws.c -- the WebSocket handshake, frame reader and frame
 * writer (client/judge/ws.h) against RFC 6455, starting from its own
 * examples (sections 1.3 and 5.7).
 *
 * Reader cases are byte strings fed to one struct ws_reader three ways:
 * whole, one byte at a time, and split in two at every offset (large
 * frames at every n-th offset).  The input buffer models a connection's:
 * received bytes are appended, each ws_read() sees it from the first
 * unconsumed byte, consumed bytes are dropped after the event is used, and
 * the buffer moves to a fresh guard region (tests/unit/guard.h) at every
 * change so an over-read crashes.  The events form a transcript that must
 * not depend on how the bytes were split:
 *   text'Hello'  binary'..'  ping'..'  pong'..'   a message (/N: N frames)
 *   binary(65536 bytes, sum 1234)                 a long one, summarised
 *   close(1000,'bye')                             a close frame
 *   <1002>                                        an error, its close code
 *   <more>                                        bytes of a partial frame */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../client/judge/http.h"
#include "../../client/judge/ws.h"
#include "guard.h"

/* The mask key of RFC 6455 5.7's masked examples. */
static const unsigned char rfc_mask[4] = {0x37, 0xfa, 0x21, 0x3d};

static void render_bytes(FILE *out, const unsigned char *p, size_t n)
{
    fputc('\'', out);
    for (size_t i = 0; i < n; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\'' && p[i] != '\\')
            fputc(p[i], out);
        else
            fprintf(out, "\\x%02x", p[i]);
    }
    fputc('\'', out);
}

static void render_message(FILE *out, const struct ws_message *m)
{
    static const char *names[16] = {[WS_OP_TEXT] = "text",
                                    [WS_OP_BINARY] = "binary",
                                    [WS_OP_CLOSE] = "close",
                                    [WS_OP_PING] = "ping",
                                    [WS_OP_PONG] = "pong"};

    cr_assert_not_null(names[m->opcode & 15], "opcode %d", m->opcode);
    fputs(names[m->opcode], out);
    if (m->opcode == WS_OP_CLOSE) {
        fprintf(out, "(%d,", m->close_code);
        render_bytes(out, m->reason, m->reason_len);
        fputc(')', out);
        return;
    }
    if (m->len <= 40) {
        cr_assert(m->len == 0 || m->data != NULL);
        render_bytes(out, m->data, m->len);
    } else {
        unsigned long sum = 0;

        for (size_t i = 0; i < m->len; i++)
            sum = sum * 31 + m->data[i];
        fprintf(out, "(%zu bytes, sum %lu)", m->len, sum % 100000);
    }
    if (m->fragments > 1)
        fprintf(out, "/%d", m->fragments);
}

static void move_buffer(struct guard_buf *g, size_t skip,
                        const unsigned char *extra, size_t n)
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

/* Read events until the reader wants more.  0 to go on, -1 after an
 * error. */
static int drain(struct ws_reader *r, struct guard_buf *g, FILE *out)
{
    for (;;) {
        struct ws_message m;
        size_t consumed = 99;
        int rc = ws_read(r, (unsigned char *)g->data, g->len, &consumed, &m);

        cr_assert_leq(consumed, g->len);
        if (rc == WS_READ_ERROR) {
            cr_assert_neq(r->error[0], '\0');
            fprintf(out, "<%d>", r->close_code);
            return -1;
        }
        if (rc == WS_READ_MESSAGE)
            render_message(out, &m);
        move_buffer(g, consumed, NULL, 0);
        if (rc == WS_READ_MORE)
            return 0;
        cr_assert_gt(consumed, 0, "a message consumes its frame");
    }
}

struct setup {
    enum ws_role role;
    size_t max_message; /* 0: the default */
};

static char *run_feeds(const struct setup *s, const unsigned char *in, size_t n,
                       const size_t *cuts, size_t ncuts)
{
    struct ws_reader r;
    struct guard_buf g;
    char *text = NULL;
    size_t text_len = 0, have = 0;
    FILE *out = open_memstream(&text, &text_len);
    int failed = 0;

    ws_reader_init(&r, s->role);
    if (s->max_message > 0)
        r.max_message = s->max_message;
    guard_place(&g, NULL, 0);
    for (size_t i = 0; i < ncuts && !failed; i++) {
        move_buffer(&g, 0, in + have, cuts[i] - have);
        have = cuts[i];
        failed = drain(&r, &g, out) != 0;
    }
    if (!failed && g.len > 0)
        fputs("<more>", out);
    if (failed) {
        struct ws_message m;
        size_t consumed;

        cr_assert_eq(
            ws_read(&r, (unsigned char *)"\x81\x80xxxx", 6, &consumed, &m),
            WS_READ_ERROR, "errors are sticky");
    }
    guard_release(&g);
    ws_reader_free(&r);
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

static void check_ex(const struct setup *s, const unsigned char *in, size_t n,
                     const char *expected, size_t step)
{
    size_t *cuts = malloc((n / step + 2) * sizeof(*cuts));
    size_t ncuts = 0;

    expect_transcript("whole", n, run_feeds(s, in, n, &n, 1), expected);
    for (size_t at = step; at < n; at += step)
        cuts[ncuts++] = at;
    cuts[ncuts++] = n;
    expect_transcript("in chunks of", step, run_feeds(s, in, n, cuts, ncuts),
                      expected);
    for (size_t at = step; at < n; at += step) {
        size_t two[2] = {at, n};

        expect_transcript("split at", at, run_feeds(s, in, n, two, 2),
                          expected);
    }
    free(cuts);
}

static const struct setup server = {WS_ROLE_SERVER, 0};
static const struct setup client = {WS_ROLE_CLIENT, 0};

#define CHECK_AS(setup, in, expected)                                          \
    check_ex(setup, (const unsigned char *)(in), sizeof(in) - 1, expected, 1)

/* A growing byte string of frames, for building cases. */
struct frames {
    unsigned char *p;
    size_t len;
};

/* Append a frame: masked with rfc_mask when masked, else not. */
static void add(struct frames *f, int fin, int op, const void *payload,
                size_t n, int masked)
{
    long w;

    f->p = realloc(f->p, f->len + n + WS_MAX_FRAME_HEADER);
    w = ws_write_frame(f->p + f->len, n + WS_MAX_FRAME_HEADER, fin, op, payload,
                       n, masked ? rfc_mask : NULL);
    cr_assert_gt(w, 0);
    f->len += (size_t)w;
}

/* Append raw bytes (for frames the writer refuses to produce). */
static void add_raw(struct frames *f, const void *p, size_t n)
{
    f->p = realloc(f->p, f->len + n);
    memcpy(f->p + f->len, p, n);
    f->len += n;
}

static void check_frames(const struct setup *s, struct frames *f,
                         const char *expected, size_t step)
{
    check_ex(s, f->p, f->len, expected, step);
    free(f->p);
    f->p = NULL;
    f->len = 0;
}

/* ---- handshake ---- */

Test(judge_ws, rfc_accept_key)
{
    char accept[WS_ACCEPT_LEN + 1];

    ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", 24, accept);
    cr_assert_str_eq(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

/* Parse an upgrade request and run the check on it. */
static int handshake(const char *request, struct ws_handshake *hs)
{
    struct http_request req;
    long n = http_parse_request(&req, request, strlen(request), NULL);

    cr_assert_eq(n, (long)strlen(request), "bad test request: %s", req.error);
    return ws_handshake_check(&req, hs);
}

Test(judge_ws, rfc_opening_handshake)
{
    static const char request[] =
        "GET /chat HTTP/1.1\r\n"
        "Host: server.example.com\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Origin: http://example.com\r\n"
        "Sec-WebSocket-Protocol: chat, superchat\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n";
    static const char answer[] = "HTTP/1.1 101 Switching Protocols\r\n"
                                 "Upgrade: websocket\r\n"
                                 "Connection: Upgrade\r\n"
                                 "Sec-WebSocket-Accept: "
                                 "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    struct ws_handshake hs;
    char out[256];
    long n;

    cr_assert_eq(handshake(request, &hs), 0, "%s", hs.error);
    cr_assert_eq(hs.status, 0);
    cr_assert_str_eq(hs.accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    n = ws_write_accept(out, sizeof(out), &hs);
    cr_assert_eq(n, (long)sizeof(answer) - 1);
    cr_assert(memcmp(out, answer, (size_t)n) == 0);
    cr_assert_eq(ws_write_accept(out, (size_t)n, &hs), n);
    cr_assert_eq(ws_write_accept(out, (size_t)n - 1, &hs), -1);
}

Test(judge_ws, browser_style_headers_are_accepted)
{
    struct ws_handshake hs;

    cr_assert_eq(handshake("GET /ws HTTP/1.1\r\nHost: h\r\n"
                           "Connection: keep-alive, Upgrade\r\n"
                           "Upgrade: WebSocket\r\n"
                           "sec-websocket-version: 13\r\n"
                           "sec-websocket-key: AQIDBAUGBwgJCgsMDQ4PEA==\r\n"
                           "Sec-WebSocket-Extensions: permessage-deflate\r\n"
                           "\r\n",
                           &hs),
                 0, "%s", hs.error);
}

static void expect_rejected(const char *request, int bad_version)
{
    struct ws_handshake hs;
    char out[512];
    long n;

    cr_assert_eq(handshake(request, &hs), 400, "accepted %s", request);
    cr_assert_eq(hs.status, 400);
    cr_assert_not_null(hs.error);
    cr_assert_eq(hs.bad_version, bad_version, "%s", request);

    n = ws_write_reject(out, sizeof(out), &hs);
    cr_assert_gt(n, 0);
    out[n] = '\0';
    cr_assert(strncmp(out, "HTTP/1.1 400 Bad Request\r\n", 26) == 0);
    cr_assert_not_null(strstr(out, "Connection: close\r\n"));
    cr_assert_eq(strstr(out, "Sec-WebSocket-Version: 13\r\n") != NULL,
                 bad_version);
    cr_assert_not_null(strstr(out, hs.error), "the reason is the body");
    cr_assert_eq(ws_write_reject(out, (size_t)n - 1, &hs), -1);
}

#define UPGRADE_HEADERS                                                        \
    "Host: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
#define KEY_HEADER     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
#define VERSION_HEADER "Sec-WebSocket-Version: 13\r\n"

Test(judge_ws, bad_handshakes_are_400)
{
    expect_rejected(
        "POST / HTTP/1.1\r\n" UPGRADE_HEADERS KEY_HEADER VERSION_HEADER
        "Content-Length: 0\r\n\r\n",
        0);
    expect_rejected(
        "GET / HTTP/1.0\r\n" UPGRADE_HEADERS KEY_HEADER VERSION_HEADER "\r\n",
        0);
    expect_rejected(
        "GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\n" KEY_HEADER
            VERSION_HEADER "\r\n",
        0);
    expect_rejected("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\n"
                    "Connection: Upgrade\r\n" KEY_HEADER VERSION_HEADER "\r\n",
                    0);
    expect_rejected("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
                    "Connection: keep-alive\r\n" KEY_HEADER VERSION_HEADER
                    "\r\n",
                    0);
    expect_rejected("GET / HTTP/1.1\r\n" UPGRADE_HEADERS VERSION_HEADER "\r\n",
                    0);
    /* Keys that are not 16 bytes in canonical base64. */
    expect_rejected("GET / HTTP/1.1\r\n" UPGRADE_HEADERS VERSION_HEADER
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZQ==\r\n\r\n",
                    0);
    expect_rejected("GET / HTTP/1.1\r\n" UPGRADE_HEADERS VERSION_HEADER
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ\r\n\r\n",
                    0);
    expect_rejected("GET / HTTP/1.1\r\n" UPGRADE_HEADERS VERSION_HEADER
                    "Sec-WebSocket-Key: !GhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                    0);
    expect_rejected("GET / HTTP/1.1\r\n" UPGRADE_HEADERS VERSION_HEADER
                        KEY_HEADER KEY_HEADER "\r\n",
                    0);
}

Test(judge_ws, other_versions_are_400_naming_13)
{
    expect_rejected("GET / HTTP/1.1\r\n" UPGRADE_HEADERS KEY_HEADER
                    "Sec-WebSocket-Version: 8\r\n\r\n",
                    1);
    expect_rejected("GET / HTTP/1.1\r\n" UPGRADE_HEADERS KEY_HEADER
                    "Sec-WebSocket-Version: 13, 8\r\n\r\n",
                    1);
    expect_rejected("GET / HTTP/1.1\r\n" UPGRADE_HEADERS KEY_HEADER "\r\n", 1);
}

/* ---- reading: the RFC 6455 5.7 examples ---- */

Test(judge_ws, rfc_masked_hello)
{
    CHECK_AS(&server, "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58",
             "text'Hello'");
}

Test(judge_ws, rfc_unmasked_hello_to_a_client)
{
    CHECK_AS(&client, "\x81\x05\x48\x65\x6c\x6c\x6f", "text'Hello'");
}

Test(judge_ws, rfc_fragmented_hello_to_a_client)
{
    CHECK_AS(&client, "\x01\x03\x48\x65\x6c\x80\x02\x6c\x6f", "text'Hello'/2");
}

Test(judge_ws, rfc_ping_and_masked_pong)
{
    CHECK_AS(&client, "\x89\x05\x48\x65\x6c\x6c\x6f", "ping'Hello'");
    CHECK_AS(&server, "\x8a\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58",
             "pong'Hello'");
}

static unsigned char *pattern(size_t n)
{
    unsigned char *p = malloc(n);

    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 7 + i / 256);
    return p;
}

static char *summary(const unsigned char *p, size_t n, int fragments)
{
    unsigned long sum = 0;
    char *s = malloc(64);

    for (size_t i = 0; i < n; i++)
        sum = sum * 31 + p[i];
    if (fragments > 1)
        sprintf(s, "binary(%zu bytes, sum %lu)/%d", n, sum % 100000, fragments);
    else
        sprintf(s, "binary(%zu bytes, sum %lu)", n, sum % 100000);
    return s;
}

Test(judge_ws, rfc_256_and_64k_binary_lengths)
{
    unsigned char *p = pattern(65536);
    struct frames f = {NULL, 0};
    char *want;

    /* 256 bytes: the 16-bit length form, "0x82 0x7E 0x0100". */
    add_raw(&f, "\x82\x7e\x01\x00", 4);
    add_raw(&f, p, 256);
    want = summary(p, 256, 1);
    check_frames(&client, &f, want, 1);
    free(want);

    /* 64 KiB: the 64-bit form, "0x82 0x7F 0x0000000000010000". */
    add_raw(&f, "\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10);
    add_raw(&f, p, 65536);
    want = summary(p, 65536, 1);
    check_frames(&client, &f, want, 4099);
    free(want);

    /* The same from a client, masked. */
    add(&f, 1, WS_OP_BINARY, p, 65536, 1);
    want = summary(p, 65536, 1);
    check_frames(&server, &f, want, 4099);
    free(want);
    free(p);
}

/* ---- reading: messages ---- */

Test(judge_ws, masked_messages_of_each_kind)
{
    struct frames f = {NULL, 0};

    add(&f, 1, WS_OP_TEXT, "{\"userId\":\"u1\"}", 15, 1);
    add(&f, 1, WS_OP_BINARY, "\x00\xff\x80", 3, 1);
    add(&f, 1, WS_OP_PING, "", 0, 1);
    add(&f, 1, WS_OP_TEXT, "", 0, 1);
    add(&f, 1, WS_OP_TEXT, "caf\xc3\xa9", 5, 1);
    check_frames(&server, &f,
                 "text'{\"userId\":\"u1\"}'binary'\\x00\\xff\\x80'ping''"
                 "text''text'caf\\xc3\\xa9'",
                 1);
}

Test(judge_ws, fragments_are_reassembled)
{
    struct frames f = {NULL, 0};
    unsigned char *p = pattern(3000);
    char *want;

    add(&f, 0, WS_OP_TEXT, "He", 2, 1);
    add(&f, 0, WS_OP_CONTINUATION, "", 0, 1);
    add(&f, 0, WS_OP_CONTINUATION, "ll", 2, 1);
    add(&f, 1, WS_OP_CONTINUATION, "o", 1, 1);
    add(&f, 1, WS_OP_TEXT, "next", 4, 1);
    check_frames(&server, &f, "text'Hello'/4text'next'", 1);

    add(&f, 0, WS_OP_BINARY, p, 1000, 1);
    add(&f, 0, WS_OP_CONTINUATION, p + 1000, 1000, 1);
    add(&f, 1, WS_OP_CONTINUATION, p + 2000, 1000, 1);
    want = summary(p, 3000, 3);
    check_frames(&server, &f, want, 7);
    free(want);
    free(p);

    /* A message of empty fragments only. */
    add(&f, 0, WS_OP_BINARY, "", 0, 1);
    add(&f, 1, WS_OP_CONTINUATION, "", 0, 1);
    check_frames(&server, &f, "binary''/2", 1);
}

Test(judge_ws, control_frames_between_fragments)
{
    struct frames f = {NULL, 0};

    add(&f, 0, WS_OP_TEXT, "Hel", 3, 1);
    add(&f, 1, WS_OP_PING, "p1", 2, 1);
    add(&f, 0, WS_OP_CONTINUATION, "l", 1, 1);
    add(&f, 1, WS_OP_PONG, "", 0, 1);
    add(&f, 1, WS_OP_PING, "p2", 2, 1);
    add(&f, 1, WS_OP_CONTINUATION, "o", 1, 1);
    check_frames(&server, &f, "ping'p1'pong''ping'p2'text'Hello'/3", 1);

    /* A close in the middle of a message is reported at once. */
    add(&f, 0, WS_OP_TEXT, "Hel", 3, 1);
    add_raw(&f, "\x88\x82", 2);
    add_raw(&f, rfc_mask, 4);
    add_raw(&f, (unsigned char[]){0x03 ^ 0x37, 0xe9 ^ 0xfa}, 2);
    check_frames(&server, &f, "close(1001,'')", 1);
}

Test(judge_ws, utf8_split_across_fragments)
{
    struct frames f = {NULL, 0};

    /* U+1F600 cut in the middle, and U+00E9 over three frames. */
    add(&f, 0, WS_OP_TEXT, "a\xf0\x9f", 3, 1);
    add(&f, 1, WS_OP_CONTINUATION, "\x98\x80z", 3, 1);
    add(&f, 0, WS_OP_TEXT, "\xc3", 1, 1);
    add(&f, 0, WS_OP_CONTINUATION, "", 0, 1);
    add(&f, 1, WS_OP_CONTINUATION, "\xa9", 1, 1);
    check_frames(&server, &f,
                 "text'a\\xf0\\x9f\\x98\\x80z'/2text'\\xc3\\xa9'/3", 1);
}

Test(judge_ws, close_frames)
{
    struct frames f = {NULL, 0};

    add(&f, 1, WS_OP_CLOSE,
        "\x03\xe8"
        "bye",
        5, 1);
    check_frames(&server, &f, "close(1000,'bye')", 1);
    add(&f, 1, WS_OP_CLOSE, "", 0, 1);
    check_frames(&server, &f, "close(1005,'')", 1);

    static const int valid[] = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010,
                                1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999};
    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
        unsigned char p[2] = {(unsigned char)(valid[i] >> 8),
                              (unsigned char)valid[i]};
        char want[32];

        add(&f, 1, WS_OP_CLOSE, p, 2, 1);
        sprintf(want, "close(%d,'')", valid[i]);
        check_frames(&server, &f, want, 1);
    }
    add(&f, 1, WS_OP_CLOSE, "\x0f\xa0\xc3\xa9", 4, 1);
    check_frames(&server, &f, "close(4000,'\\xc3\\xa9')", 1);
}

/* ---- reading: errors and their close codes ---- */

Test(judge_ws, reserved_bits_are_1002)
{
    CHECK_AS(&server, "\xc1\x80\x00\x00\x00\x00", "<1002>");
    CHECK_AS(&server, "\xa1\x80\x00\x00\x00\x00", "<1002>");
    CHECK_AS(&server, "\x91\x80\x00\x00\x00\x00", "<1002>");
    /* Found from the first byte alone. */
    CHECK_AS(&server, "\xc1", "<1002>");
}

Test(judge_ws, unknown_opcodes_are_1002)
{
    static const int ops[] = {3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf};

    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        unsigned char b[6] = {(unsigned char)(0x80 | ops[i]), 0x80, 0, 0, 0, 0};

        check_ex(&server, b, sizeof(b), "<1002>", 1);
    }
}

Test(judge_ws, masking_direction_is_enforced)
{
    CHECK_AS(&server, "\x81\x05Hello", "<1002>");
    CHECK_AS(&client, "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", "<1002>");
}

Test(judge_ws, control_frame_rules_are_1002)
{
    struct frames f = {NULL, 0};
    unsigned char big[126];

    memset(big, 'x', sizeof(big));
    /* A fragmented ping. */
    add_raw(&f, "\x09\x80\x00\x00\x00\x00", 6);
    check_frames(&server, &f, "<1002>", 1);
    /* A ping of 126 bytes (the 16-bit length form). */
    add_raw(&f, "\x89\xfe\x00\x7e", 4);
    add_raw(&f, rfc_mask, 4);
    add_raw(&f, big, sizeof(big));
    check_frames(&server, &f, "<1002>", 1);
    /* 125 bytes is the most a control frame may carry. */
    add(&f, 1, WS_OP_PONG, big, 125, 1);
    check_frames(&server, &f, "pong(125 bytes, sum 98040)", 1);
}

Test(judge_ws, fragment_sequence_errors_are_1002)
{
    struct frames f = {NULL, 0};

    add(&f, 1, WS_OP_CONTINUATION, "x", 1, 1);
    check_frames(&server, &f, "<1002>", 1);

    add(&f, 0, WS_OP_TEXT, "a", 1, 1);
    add(&f, 1, WS_OP_TEXT, "b", 1, 1);
    check_frames(&server, &f, "<1002>", 1);

    add(&f, 0, WS_OP_BINARY, "a", 1, 1);
    add(&f, 0, WS_OP_BINARY, "b", 1, 1);
    check_frames(&server, &f, "<1002>", 1);

    /* A finished message leaves nothing to continue. */
    add(&f, 0, WS_OP_TEXT, "a", 1, 1);
    add(&f, 1, WS_OP_CONTINUATION, "b", 1, 1);
    add(&f, 1, WS_OP_CONTINUATION, "c", 1, 1);
    check_frames(&server, &f, "text'ab'/2<1002>", 1);
}

Test(judge_ws, lengths_must_be_minimal_and_63_bit)
{
    CHECK_AS(&server, "\x82\xfe\x00\x7d", "<1002>");
    CHECK_AS(&server, "\x82\xff\x00\x00\x00\x00\x00\x00\xff\xff", "<1002>");
    CHECK_AS(&server, "\x82\xff\x80\x00\x00\x00\x00\x00\x00\x00", "<1002>");
}

Test(judge_ws, close_payload_errors)
{
    static const int invalid[] = {0,    999,  1004, 1005, 1006, 1015,
                                  1016, 1100, 2000, 2999, 5000, 65535};
    struct frames f = {NULL, 0};

    add(&f, 1, WS_OP_CLOSE, "\x03", 1, 1);
    check_frames(&server, &f, "<1002>", 1);
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        unsigned char p[2] = {(unsigned char)(invalid[i] >> 8),
                              (unsigned char)invalid[i]};

        add(&f, 1, WS_OP_CLOSE, p, 2, 1);
        check_frames(&server, &f, "<1002>", 1);
    }
    add(&f, 1, WS_OP_CLOSE, "\x03\xe8\xc3", 3, 1);
    check_frames(&server, &f, "<1007>", 1);
}

Test(judge_ws, invalid_utf8_text_is_1007)
{
    struct frames f = {NULL, 0};

    add(&f, 1, WS_OP_TEXT, "ab\xff", 3, 1);
    check_frames(&server, &f, "<1007>", 1);
    add(&f, 1, WS_OP_TEXT, "\xed\xa0\x80", 3, 1);
    check_frames(&server, &f, "<1007>", 1);
    add(&f, 1, WS_OP_TEXT, "\xc0\x80", 2, 1);
    check_frames(&server, &f, "<1007>", 1);
    /* Binary messages may hold anything. */
    add(&f, 1, WS_OP_BINARY, "ab\xff", 3, 1);
    check_frames(&server, &f, "binary'ab\\xff'", 1);
}

Test(judge_ws, invalid_utf8_fails_before_the_last_fragment)
{
    struct frames f = {NULL, 0};

    add(&f, 0, WS_OP_TEXT, "ok", 2, 1);
    add(&f, 0, WS_OP_CONTINUATION, "\xf8", 1, 1);
    check_frames(&server, &f, "<1007>", 1);

    /* A message that ends inside a character. */
    add(&f, 0, WS_OP_TEXT, "ok", 2, 1);
    add(&f, 1, WS_OP_CONTINUATION, "\xe2\x82", 2, 1);
    check_frames(&server, &f, "<1007>", 1);
}

Test(judge_ws, message_size_cap_is_1009)
{
    const struct setup capped = {WS_ROLE_SERVER, 10};
    struct frames f = {NULL, 0};

    add(&f, 1, WS_OP_TEXT, "0123456789", 10, 1);
    check_frames(&capped, &f, "text'0123456789'", 1);
    add(&f, 1, WS_OP_TEXT, "0123456789a", 11, 1);
    check_frames(&capped, &f, "<1009>", 1);

    /* The fragments count together. */
    add(&f, 0, WS_OP_TEXT, "01234", 5, 1);
    add(&f, 1, WS_OP_CONTINUATION, "56789", 5, 1);
    check_frames(&capped, &f, "text'0123456789'/2", 1);
    add(&f, 0, WS_OP_TEXT, "01234", 5, 1);
    add(&f, 0, WS_OP_CONTINUATION, "56789", 5, 1);
    add(&f, 1, WS_OP_CONTINUATION, "a", 1, 1);
    check_frames(&capped, &f, "<1009>", 1);

    /* Known from the header, before the payload is sent. */
    add_raw(&f, "\x82\xff\x00\x00\x00\x01\x00\x00\x00\x00", 10);
    check_frames(&server, &f, "<1009>", 1);
}

Test(judge_ws, bytes_wanted_after_a_header)
{
    struct ws_reader r;
    struct ws_message m;
    unsigned char buf[8] = {0x82, 0xfe, 0x01, 0x00, 1, 2, 3, 4};
    size_t consumed;

    ws_reader_init(&r, WS_ROLE_SERVER);
    cr_assert_eq(ws_read(&r, buf, 1, &consumed, &m), WS_READ_MORE);
    cr_assert_eq(ws_reader_bytes_wanted(&r), 0);
    cr_assert_eq(ws_read(&r, buf, 8, &consumed, &m), WS_READ_MORE);
    cr_assert_eq(consumed, 0);
    cr_assert_eq(ws_reader_bytes_wanted(&r), 8 + 256);
    ws_reader_free(&r);
}

Test(judge_ws, error_reasons_are_given)
{
    struct ws_reader r;
    struct ws_message m;
    size_t consumed;

    ws_reader_init(&r, WS_ROLE_SERVER);
    cr_assert_eq(
        ws_read(&r, (unsigned char *)"\x81\x05Hello", 7, &consumed, &m),
        WS_READ_ERROR);
    cr_assert_eq(r.close_code, WS_CLOSE_PROTOCOL_ERROR);
    cr_assert_str_eq(r.error, "unmasked client frame");
    ws_reader_free(&r);
}

/* ---- writing ---- */

static void expect_frame(long n, const unsigned char *out, const char *want,
                         size_t want_len)
{
    cr_assert_eq(n, (long)want_len);
    cr_assert(memcmp(out, want, want_len) == 0);
}

#define EXPECT_FRAME(n, out, lit) expect_frame(n, out, lit, sizeof(lit) - 1)

Test(judge_ws, writer_produces_the_rfc_examples)
{
    unsigned char out[70000];
    unsigned char *p = pattern(65536);

    EXPECT_FRAME(
        ws_write_frame(out, sizeof(out), 1, WS_OP_TEXT, "Hello", 5, NULL), out,
        "\x81\x05\x48\x65\x6c\x6c\x6f");
    EXPECT_FRAME(
        ws_write_frame(out, sizeof(out), 1, WS_OP_TEXT, "Hello", 5, rfc_mask),
        out, "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
    EXPECT_FRAME(
        ws_write_frame(out, sizeof(out), 0, WS_OP_TEXT, "Hel", 3, NULL), out,
        "\x01\x03\x48\x65\x6c");
    EXPECT_FRAME(
        ws_write_frame(out, sizeof(out), 1, WS_OP_CONTINUATION, "lo", 2, NULL),
        out, "\x80\x02\x6c\x6f");
    EXPECT_FRAME(
        ws_write_frame(out, sizeof(out), 1, WS_OP_PING, "Hello", 5, NULL), out,
        "\x89\x05\x48\x65\x6c\x6c\x6f");
    EXPECT_FRAME(
        ws_write_frame(out, sizeof(out), 1, WS_OP_PONG, "Hello", 5, rfc_mask),
        out, "\x8a\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");

    cr_assert_eq(
        ws_write_frame(out, sizeof(out), 1, WS_OP_BINARY, p, 256, NULL),
        4 + 256);
    cr_assert(memcmp(out, "\x82\x7e\x01\x00", 4) == 0);
    cr_assert(memcmp(out + 4, p, 256) == 0);
    cr_assert_eq(
        ws_write_frame(out, sizeof(out), 1, WS_OP_BINARY, p, 65536, NULL),
        10 + 65536);
    cr_assert(memcmp(out, "\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10) == 0);
    cr_assert(memcmp(out + 10, p, 65536) == 0);
    free(p);
}

Test(judge_ws, length_forms_switch_at_126_and_65536)
{
    unsigned char h[WS_MAX_FRAME_HEADER];

    cr_assert_eq(ws_frame_header(h, 1, WS_OP_BINARY, 125, NULL), 2);
    cr_assert_eq(h[1], 125);
    cr_assert_eq(ws_frame_header(h, 1, WS_OP_BINARY, 126, NULL), 4);
    cr_assert(h[1] == 126 && h[2] == 0 && h[3] == 126);
    cr_assert_eq(ws_frame_header(h, 1, WS_OP_BINARY, 65535, NULL), 4);
    cr_assert_eq(ws_frame_header(h, 1, WS_OP_BINARY, 65536, NULL), 10);
    cr_assert_eq(ws_frame_header(h, 1, WS_OP_BINARY, 65536, rfc_mask), 14);
    cr_assert(h[1] == (0x80 | 127) && memcmp(h + 10, rfc_mask, 4) == 0);
}

Test(judge_ws, writer_refuses_bad_control_frames_and_short_buffers)
{
    unsigned char out[300], big[126] = {0};

    cr_assert_eq(
        ws_write_frame(out, sizeof(out), 1, WS_OP_PING, big, 126, NULL), -1);
    cr_assert_eq(ws_write_frame(out, sizeof(out), 0, WS_OP_PING, "x", 1, NULL),
                 -1);
    cr_assert_eq(
        ws_write_frame(out, sizeof(out), 1, WS_OP_PING, big, 125, NULL), 127);
    cr_assert_eq(ws_write_frame(out, 6, 1, WS_OP_TEXT, "Hello", 5, NULL), -1);
    cr_assert_eq(ws_write_frame(out, 7, 1, WS_OP_TEXT, "Hello", 5, NULL), 7);
    cr_assert_eq(ws_write_frame(out, 1, 1, WS_OP_TEXT, "", 0, NULL), -1);
}

Test(judge_ws, close_frames_written)
{
    unsigned char out[200];
    char reason[141];
    long n;

    EXPECT_FRAME(ws_write_close(out, sizeof(out), 1000, "bye", 3, NULL), out,
                 "\x88\x05\x03\xe8"
                 "bye");
    EXPECT_FRAME(ws_write_close(out, sizeof(out), 0, "ignored", 7, NULL), out,
                 "\x88\x00");
    EXPECT_FRAME(ws_write_close(out, sizeof(out), WS_CLOSE_MESSAGE_TOO_BIG,
                                NULL, 0, NULL),
                 out, "\x88\x02\x03\xf1");
    cr_assert_eq(ws_write_close(out, sizeof(out), 1005, NULL, 0, NULL), -1);
    cr_assert_eq(ws_write_close(out, sizeof(out), 999, NULL, 0, NULL), -1);

    /* 70 two-byte characters: 123 bytes would cut one, so 122 are kept. */
    for (int i = 0; i < 70; i++)
        memcpy(reason + 2 * i, "\xc3\xa9", 2);
    n = ws_write_close(out, sizeof(out), 1001, reason, 140, NULL);
    cr_assert_eq(n, 2 + 2 + 122);
    cr_assert_eq(out[1], 124);
    cr_assert(memcmp(out + 4, reason, 122) == 0);

    /* ASCII is cut at exactly 123 bytes. */
    memset(reason, 'r', 140);
    n = ws_write_close(out, sizeof(out), 1001, reason, 140, NULL);
    cr_assert_eq(n, 2 + 125);

    /* An invalid byte ends the reason. */
    EXPECT_FRAME(ws_write_close(out, sizeof(out), 1000,
                                "ab\xff"
                                "cd",
                                5, NULL),
                 out,
                 "\x88\x04\x03\xe8"
                 "ab");
}

/* What the writer produces (masked, as a client would) reads back. */
Test(judge_ws, written_frames_read_back)
{
    unsigned char out[200];
    struct ws_reader r;
    struct ws_message m;
    size_t consumed;
    long n;

    n = ws_write_close(out, sizeof(out), 4321, "done", 4, rfc_mask);
    ws_reader_init(&r, WS_ROLE_SERVER);
    cr_assert_eq(ws_read(&r, out, (size_t)n, &consumed, &m), WS_READ_MESSAGE);
    cr_assert_eq(consumed, (size_t)n);
    cr_assert_eq(m.opcode, WS_OP_CLOSE);
    cr_assert_eq(m.close_code, 4321);
    cr_assert(m.reason_len == 4 && memcmp(m.reason, "done", 4) == 0);
    ws_reader_free(&r);
}
