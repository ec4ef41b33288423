/* fuzz_read.c -- libFuzzer harness for the reply reader.
 *
 * The input is fed to a reader whole and, to a second reader, in chunks
 * whose sizes come from the input's first bytes.  Both must hand out the
 * same replies and then agree on needing more bytes or on the error.
 * Every reply tree is checked while it is rendered: strings are
 * NUL-terminated, maps hold pairs, nesting stays within the limit. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../resp/resp_read.h"

struct render {
    char *p;
    size_t len, cap;
};

static void put(struct render *r, const void *p, size_t n)
{
    if (r->len + n > r->cap) {
        r->cap = (r->len + n) * 2;
        r->p = realloc(r->p, r->cap);
    }
    memcpy(r->p + r->len, p, n);
    r->len += n;
}

static void render_reply(struct render *r, const struct resp_reply *x,
                         int depth)
{
    char head[64];
    int n;

    if (depth > RESP_READ_MAX_DEPTH)
        abort();
    n = snprintf(head, sizeof(head), "(%d %lld %zu %zu ", (int)x->type,
                 x->integer, x->len, x->elements);
    put(r, head, (size_t)n);
    if (x->str != NULL) {
        if (x->str[x->len] != '\0')
            abort();
        put(r, x->str, x->len);
    }
    if (x->type == RESP_MAP && x->elements % 2 != 0)
        abort();
    if (x->elements > 0 && x->element == NULL)
        abort();
    for (size_t i = 0; i < x->elements; i++)
        render_reply(r, x->element[i], depth + 1);
    put(r, ")", 1);
}

/* Feed data in chunks (sizes cycling through sizes[0, nsizes), each plus
 * one; nsizes 0: all at once), taking every reply as soon as it is
 * complete, and render what came out into r. */
static void run(const uint8_t *data, size_t size, const uint8_t *sizes,
                size_t nsizes, struct render *r)
{
    struct resp_reader *rd = resp_reader_create();
    size_t fed = 0, k = 0;
    int rc = RESP_READ_MORE;

    while (fed < size && rc != RESP_READ_ERROR) {
        size_t chunk = nsizes ? (size_t)sizes[k++ % nsizes] + 1 : size;
        if (chunk > size - fed)
            chunk = size - fed;
        if (resp_reader_feed(rd, data + fed, chunk) != 0)
            abort();
        fed += chunk;
        for (;;) {
            struct resp_reply *reply = NULL;
            rc = resp_reader_next(rd, &reply);
            if (rc != RESP_READ_OK)
                break;
            render_reply(r, reply, 0);
            resp_reply_free(reply);
        }
    }
    if (rc == RESP_READ_ERROR) {
        const char *why = resp_reader_error(rd);
        put(r, "E", 1);
        put(r, why, strlen(why));
    }
    resp_reader_free(rd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct render whole = {0}, chunked = {0};
    size_t nsizes = 0;

    /* Header: the number of chunk sizes (0-7; 0 means a byte at a time),
     * then the sizes. */
    if (size > 0) {
        nsizes = data[0] & 7;
        data++;
        size--;
    }
    if (nsizes > size)
        nsizes = size;
    const uint8_t *sizes = data;
    static const uint8_t one = 0;
    data += nsizes;
    size -= nsizes;

    run(data, size, NULL, 0, &whole);
    if (nsizes > 0)
        run(data, size, sizes, nsizes, &chunked);
    else
        run(data, size, &one, 1, &chunked);
    if (whole.len != chunked.len ||
        (whole.len > 0 && memcmp(whole.p, chunked.p, whole.len) != 0))
        abort();
    free(whole.p);
    free(chunked.p);
    return 0;
}
