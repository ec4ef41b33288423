/* fuzz_parse.c -- libFuzzer harness for the request parser.
 *
 * The input is parsed as a connection would receive it, twice: whole, and
 * in chunks whose sizes come from the input's first bytes.  Both runs must
 * give the same transcript (requests, empty requests, the error), every
 * argument must lie inside the bytes the parser was given, and the bytes
 * after the last complete request must be what is left over.  The whole
 * input is also split with resp_split_args() at several argument limits.
 * Inputs stay well under the inline limit (libFuzzer's -max_len), where a
 * chunked run may legitimately stop earlier than a whole one. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../resp/resp_parse.h"

/* A result line is at most 32 bytes of header plus the argument bytes
 * (each input byte in at most one argument) and each takes at least one
 * input byte, so 40 bytes per input byte always suffice. */
#define TRANSCRIPT_PER_BYTE 40

struct transcript {
    char *p;
    size_t len, cap;
};

static void note(struct transcript *t, const void *p, size_t n)
{
    if (t->len + n > t->cap)
        abort();
    memcpy(t->p + t->len, p, n);
    t->len += n;
}

/* Record one parse result, checking that its arguments lie in buf[0, len)
 * and end before the consumed bytes. */
static void note_result(struct transcript *t, const struct resp_parser *p,
                        int rc, const char *buf, size_t len, size_t consumed)
{
    char head[32];
    int n = snprintf(head, sizeof(head), "%d:%d:%zu|", rc,
                     rc == RESP_PARSE_DONE ? p->argc : 0, consumed);

    note(t, head, (size_t)n);
    if (rc == RESP_PARSE_ERROR) {
        note(t, p->error, strlen(p->error));
        return;
    }
    if (consumed == 0 || consumed > len)
        abort();
    for (int i = 0; rc == RESP_PARSE_DONE && i < p->argc; i++) {
        const struct resp_arg *a = &p->argv[i];
        if (a->ptr < buf || a->ptr + a->len > buf + consumed)
            abort();
        n = snprintf(head, sizeof(head), "%zu:", a->len);
        note(t, head, (size_t)n);
        note(t, a->ptr, a->len);
    }
}

/* Parse data[0, size) fed in chunks (chunk sizes from sizes[], cycling;
 * none: all at once) into t, as conn.c does: the buffer holds the
 * unparsed tail, grown by each chunk, compacted after each request. */
static void run(const uint8_t *data, size_t size, const uint8_t *sizes,
                size_t nsizes, int unauth, struct transcript *t)
{
    struct resp_parser p;
    char *buf = malloc(size + 1);
    size_t have = 0, fed = 0, k = 0;

    resp_parser_init(&p);
    p.unauthenticated = unauth;
    while (fed < size) {
        size_t chunk = nsizes ? (size_t)sizes[k++ % nsizes] + 1 : size;
        if (chunk > size - fed)
            chunk = size - fed;
        /* A fresh allocation each time, so a stale pointer is caught. */
        char *grown = malloc(have + chunk + 1);
        memcpy(grown, buf, have);
        memcpy(grown + have, data + fed, chunk);
        free(buf);
        buf = grown;
        have += chunk;
        fed += chunk;
        for (;;) {
            size_t consumed = 0;
            int rc = resp_parse_request(&p, buf, have, &consumed);
            if (rc == RESP_PARSE_MORE)
                break;
            note_result(t, &p, rc, buf, have, consumed);
            if (rc == RESP_PARSE_ERROR)
                goto out;
            memmove(buf, buf + consumed, have - consumed);
            have -= consumed;
            if (have == 0)
                break;
        }
    }
out:
    resp_parser_free(&p);
    free(buf);
}

static void split_args(const uint8_t *data, size_t size)
{
    static const int limits[] = {0, 1, 3, 64};
    struct resp_arg args[64];

    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        char *line = malloc(size + 1);
        int too_many;

        memcpy(line, data, size);
        int argc = resp_split_args(line, size, args, limits[i], &too_many);
        if (argc > limits[i] || (argc >= 0 && too_many))
            abort();
        for (int j = 0; j < argc; j++) {
            if (args[j].ptr < line || args[j].ptr + args[j].len > line + size)
                abort();
        }
        free(line);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t cap = (size + 1) * TRANSCRIPT_PER_BYTE + 256;
    struct transcript whole = {malloc(cap), 0, cap};
    struct transcript chunked = {malloc(cap), 0, cap};
    size_t nsizes = 0;
    int unauth = 0;

    /* Header: a flags byte, then up to 8 chunk sizes. */
    if (size > 0) {
        unauth = data[0] & 1;
        nsizes = (data[0] >> 1) & 7;
        data++;
        size--;
    }
    if (nsizes > size)
        nsizes = size;
    const uint8_t *sizes = data;
    data += nsizes;
    size -= nsizes;

    run(data, size, NULL, 0, unauth, &whole);
    run(data, size, sizes, nsizes ? nsizes : 1, unauth, &chunked);
    if (nsizes == 0) {
        static const uint8_t one = 0; /* byte at a time */
        chunked.len = 0;
        run(data, size, &one, 1, unauth, &chunked);
    }
    if (whole.len != chunked.len || memcmp(whole.p, chunked.p, whole.len) != 0)
        abort();
    split_args(data, size);
    free(whole.p);
    free(chunked.p);
    return 0;
}
