/* outq.c -- output segments ahead of a client's reply buffer (outq.h). */
#include "outq.h"

#include <string.h>

#include "util.h"

struct outq_seg {
    struct outq_seg *next;
    struct shared_reply *shared; /* a shared block, or NULL for own */
    struct resp_buf own;         /* moved reply-buffer bytes */
    size_t own_from;             /* where own's unsent bytes start */
};

struct shared_reply *shared_reply_create(const void *p, size_t n)
{
    struct shared_reply *s = xmalloc(sizeof(*s) + n);
    s->refcount = 1;
    s->len = n;
    memcpy(s->data, p, n);
    return s;
}

void shared_reply_release(struct shared_reply *s)
{
    if (--s->refcount == 0)
        xfree(s);
}

static void append(struct outq *q, struct outq_seg *seg, size_t bytes)
{
    seg->next = NULL;
    if (q->tail)
        q->tail->next = seg;
    else
        q->head = seg;
    q->tail = seg;
    q->bytes += bytes;
    q->count++;
}

void outq_push_shared(struct outq *q, struct shared_reply *s)
{
    struct outq_seg *seg = xmalloc(sizeof(*seg));
    s->refcount++;
    seg->shared = s;
    resp_buf_init(&seg->own);
    seg->own_from = 0;
    append(q, seg, s->len);
}

void outq_push_buf(struct outq *q, struct resp_buf *b, size_t from)
{
    struct outq_seg *seg = xmalloc(sizeof(*seg));
    seg->shared = NULL;
    seg->own = *b;
    seg->own_from = from;
    resp_buf_init(b);
    append(q, seg, seg->own.len - from);
}

static const char *seg_data(const struct outq_seg *seg, size_t *len)
{
    if (seg->shared) {
        *len = seg->shared->len;
        return seg->shared->data;
    }
    *len = seg->own.len - seg->own_from;
    return seg->own.data + seg->own_from;
}

int outq_iov(const struct outq *q, struct iovec *iov, int max)
{
    int n = 0;
    size_t skip = q->head_off;

    for (struct outq_seg *seg = q->head; seg && n < max; seg = seg->next) {
        size_t len;
        const char *p = seg_data(seg, &len);
        iov[n].iov_base = (char *)p + skip;
        iov[n].iov_len = len - skip;
        skip = 0;
        n++;
    }
    return n;
}

static void seg_free(struct outq_seg *seg)
{
    if (seg->shared)
        shared_reply_release(seg->shared);
    else
        resp_buf_free(&seg->own);
    xfree(seg);
}

void outq_consume(struct outq *q, size_t n)
{
    q->bytes -= n;
    while (n > 0 && q->head) {
        size_t len;
        seg_data(q->head, &len);
        size_t left = len - q->head_off;
        if (n < left) {
            q->head_off += n;
            return;
        }
        n -= left;
        struct outq_seg *done = q->head;
        q->head = done->next;
        if (q->head == NULL)
            q->tail = NULL;
        q->head_off = 0;
        q->count--;
        seg_free(done);
    }
}

void outq_free(struct outq *q)
{
    while (q->head) {
        struct outq_seg *next = q->head->next;
        seg_free(q->head);
        q->head = next;
    }
    q->tail = NULL;
    q->bytes = q->head_off = 0;
    q->count = 0;
}
