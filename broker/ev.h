/* ev.h -- the event loop: file events over epoll, and timers.
 *
 * One loop runs the whole server.  A file descriptor can have a read and a
 * write callback; both are level triggered.  Timers fire after a delay in
 * milliseconds and are kept in a binary heap; each timer knows its place
 * in the heap, so adding or deleting one of thousands (one per blocked
 * client) costs O(log n).  A timer callback returns the delay until it
 * fires again, or EV_TIMER_DONE to be removed (and freed). */
#ifndef EV_H
#define EV_H

#define EV_NONE     0
#define EV_READABLE 1
#define EV_WRITABLE 2

#define EV_TIMER_DONE -1

struct ev_loop;
struct ev_timer;

typedef void ev_file_fn(struct ev_loop *loop, int fd, void *data, int mask);
typedef long long ev_timer_fn(struct ev_loop *loop, struct ev_timer *t,
                              void *data);
typedef void ev_hook_fn(struct ev_loop *loop);

/* A loop for file descriptors below setsize.  Returns NULL on failure. */
struct ev_loop *ev_create(int setsize);
void ev_destroy(struct ev_loop *loop);
/* Allow descriptors below setsize (CONFIG SET maxclients).  Fails with -1
 * if a registered descriptor would not fit. */
int ev_resize(struct ev_loop *loop, int setsize);
int ev_setsize(struct ev_loop *loop);

/* Register fn for the events in mask on fd, keeping other registrations.
 * Returns 0, or -1 with errno set. */
int ev_add(struct ev_loop *loop, int fd, int mask, ev_file_fn *fn, void *data);
void ev_del(struct ev_loop *loop, int fd, int mask);
int ev_mask(struct ev_loop *loop, int fd);

/* A timer firing in ms milliseconds.  The handle stays valid until the
 * timer is deleted or its callback returns EV_TIMER_DONE. */
struct ev_timer *ev_timer_add(struct ev_loop *loop, long long ms,
                              ev_timer_fn *fn, void *data);
/* Cancel a pending timer (not from inside its own callback: return
 * EV_TIMER_DONE there instead). */
void ev_timer_del(struct ev_loop *loop, struct ev_timer *t);

/* Called before each wait for events (flushing replies happens here). */
void ev_set_before_sleep(struct ev_loop *loop, ev_hook_fn *fn);

/* Run until ev_stop(). */
void ev_run(struct ev_loop *loop);
void ev_stop(struct ev_loop *loop);

#endif
