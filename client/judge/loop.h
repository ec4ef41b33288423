/* loop.h -- a small epoll event loop for the api and notify servers.
 *
 * One loop per thread.  A descriptor is watched for readability and/or
 * writability with a callback; a periodic tick runs a second callback
 * (timeouts, reconnecting).  jloop_run() returns after jloop_stop() or
 * once judge_stopping() says SIGINT/SIGTERM arrived (checked at least
 * every tick).
 *
 * Callbacks may add, change and remove any descriptor, their own
 * included.  A descriptor removed during a batch of events gets no more
 * callbacks from that batch; if its number is reused at once (accept()
 * after close()), the new watcher may see one spurious wake-up, so
 * callbacks treat readiness as a hint (non-blocking I/O, EAGAIN). */
#ifndef LOOP_H
#define LOOP_H

#define JLOOP_READ       1u
#define JLOOP_WRITE      2u
#define JLOOP_MAX_EVENTS 256 /* per epoll_wait() */

struct jloop;

/* events: what is ready (JLOOP_READ, JLOOP_WRITE; errors and hang-ups
 * are reported as both, so the next read or write sees them). */
typedef void jloop_fd_fn(struct jloop *l, int fd, unsigned events, void *data);
typedef void jloop_tick_fn(struct jloop *l, void *data);

/* NULL when out of memory or epoll_create1 fails. */
struct jloop *jloop_create(void);
/* Closes the epoll descriptor, not the watched ones. */
void jloop_free(struct jloop *l);

/* Watch fd for events with fn(data).  Returns 0 or -1 (errno). */
int jloop_add(struct jloop *l, int fd, unsigned events, jloop_fd_fn *fn,
              void *data);
/* Change what fd is watched for.  Returns 0 or -1 (errno). */
int jloop_set(struct jloop *l, int fd, unsigned events);
/* Stop watching fd (before closing it). */
void jloop_del(struct jloop *l, int fd);

/* Call fn(data) about every interval_ms (one tick function per loop). */
void jloop_set_tick(struct jloop *l, int interval_ms, jloop_tick_fn *fn,
                    void *data);

/* Run until jloop_stop() or a stop signal.  Returns 0, or -1 if
 * epoll_wait failed (errno). */
int jloop_run(struct jloop *l);
void jloop_stop(struct jloop *l);

#endif
