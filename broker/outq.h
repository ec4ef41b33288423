/* outq.h -- output that waits ahead of a client's reply buffer.
 *
 * Most replies go into the client's own reply buffer (conn.h).  A message
 * published to many subscribers is formatted once into a shared_reply, a
 * reference-counted block of bytes, and each subscriber's queue holds a
 * reference to it instead of a copy.  To keep every byte in order, the
 * queue holds segments written before the reply buffer: references to
 * shared blocks, and reply-buffer contents moved (not copied) into a
 * segment when a shared block is queued behind them. */
#ifndef OUTQ_H
#define OUTQ_H

#include <stddef.h>
#include <sys/uio.h>

#include "../resp/resp_write.h"

struct shared_reply {
    int refcount;
    size_t len;
    char data[];
};

struct outq_seg;

struct outq {
    struct outq_seg *head, *tail;
    size_t bytes;    /* unsent bytes in all segments */
    size_t head_off; /* bytes of the head segment already written */
    int count;
};

/* A block holding a copy of p[0..n), with one reference, the caller's. */
struct shared_reply *shared_reply_create(const void *p, size_t n);
void shared_reply_release(struct shared_reply *s);

/* Queue a reference to s (the queue takes its own). */
void outq_push_shared(struct outq *q, struct shared_reply *s);
/* Queue b's bytes from offset from on, taking over b's memory; b is left
 * empty and initialised. */
void outq_push_buf(struct outq *q, struct resp_buf *b, size_t from);

/* Fill iov with up to max segments' unsent bytes; returns the count. */
int outq_iov(const struct outq *q, struct iovec *iov, int max);
/* n bytes (at most q->bytes) were written: drop what is done. */
void outq_consume(struct outq *q, size_t n);
void outq_free(struct outq *q);

#endif
