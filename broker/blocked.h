/* blocked.h -- clients blocked on keys (BLPOP and friends).
 *
 * Lifecycle:
 *   1. A blocking command finds no data and calls blocked_block(): the
 *      client is put at the tail of the waiters of each of its keys, its
 *      request is copied (its query buffer moves on), and reading its
 *      further requests stops until it is unblocked.
 *   2. A command that adds data to a key that may have waiters (a push, a
 *      new list created by db_add, RENAME, SWAPDB) calls
 *      blocked_signal_key().  Nothing is served yet.
 *   3. After the command, or the whole EXEC, finishes, cmd_dispatch calls
 *      blocked_serve_ready_keys(): for each ready key in the order it was
 *      signalled, its waiters in the order they blocked are offered the
 *      key through the serve function they blocked with, until the key has
 *      nothing left for them.  A served client is unblocked and its
 *      remaining input is processed.  Serving may push elsewhere (BLMOVE),
 *      which signals more keys; the loop runs until no key is ready.
 *   4. A deadline (a timer), CLIENT UNBLOCK, or the client disconnecting
 *      unblocks it without data: the first two reply as a timeout (or the
 *      UNBLOCKED error), the last removes it everywhere, so no element is
 *      ever handed to a client that is gone.
 *   5. The remaining input of a client unblocked by 3 or 4 runs once the
 *      event loop has handled the events of its current pass, as Redis
 *      runs its unblocked clients before sleeping: never nested inside
 *      the command that woke it, whose own pipeline goes on first. */
#ifndef BLOCKED_H
#define BLOCKED_H

#include <stddef.h>

#include "../resp/resp_parse.h"

struct conn;
struct db;
struct ev_timer;
struct blocked_waiter;

/* Offer key (in c's db) to the blocked client c, whose blocking request is
 * in c->argv during the call.  Returns 1 if c was served (it replied, data
 * or an error such as WRONGTYPE; the caller unblocks it), 0 if the key has
 * nothing for it (then it has nothing for the key's other waiters either,
 * and none is offered it). */
typedef int blocked_serve_fn(struct conn *c, const char *key, size_t klen);

/* How a client stops waiting without data. */
enum blocked_end { BLOCKED_TIMEOUT, BLOCKED_UNBLOCK_ERROR, BLOCKED_GONE };

/* Per-client state, embedded in struct conn.  Only blocked.c changes it
 * (CLIENT LIST reads the copied request of a waiting client). */
struct blocked_state {
    blocked_serve_fn *serve; /* NULL while not blocked */
    long long deadline_ms;   /* absolute Unix ms, 0: no timeout */
    struct ev_timer *timer;  /* the deadline's timer, or NULL */
    int nwaiters;
    struct blocked_waiter *waiters; /* c's node in each of its keys' queues */
    int argc;                       /* the blocking request, copied: */
    struct resp_arg *argv;          /* argv and its bytes, one allocation */
    /* Unblocked, waiting for the pass that runs its remaining input. */
    int resume_pending;
    struct conn *resume_prev, *resume_next;
};

/* Parse a timeout in seconds (decimal allowed) into an absolute deadline in
 * ms (0 for "forever").  On error replies "ERR timeout is negative" or "ERR
 * timeout is not a float or out of range" and returns -1. */
int blocked_parse_timeout(struct conn *c, const struct resp_arg *arg,
                          long long *deadline_ms);

/* Block c on keys[0..nkeys) until served or deadline_ms.  c->argv is
 * copied so the command can be served later from the copy.  A key given
 * twice is waited on once. */
void blocked_block(struct conn *c, const struct resp_arg *keys, int nkeys,
                   long long deadline_ms, blocked_serve_fn *serve);

/* End c's wait without data (see enum blocked_end).  BLOCKED_GONE also
 * cancels a pending resumption, so the caller may free c afterwards. */
void blocked_unblock(struct conn *c, enum blocked_end how);

/* Whether c waits on keys, or was just unblocked and its further requests
 * still wait for their turn (lifecycle step 5).  Either way its input must
 * not be executed now, and it must not be freed without blocked_unblock(c,
 * BLOCKED_GONE). */
int blocked_is_blocked(const struct conn *c);
/* Whether c waits on keys (CLIENT LIST's 'b' flag, CLIENT UNBLOCK). */
int blocked_is_waiting(const struct conn *c);

/* A key of db may now hold data for waiters. */
void blocked_signal_key(struct db *db, const char *key, size_t klen);
/* Signal every key of db that has waiters and now holds a list (SWAPDB,
 * FLUSHALL leave waiters to be re-examined). */
void blocked_signal_db(struct db *db);
/* Serve waiters of every ready key, as described above. */
void blocked_serve_ready_keys(void);

/* Clients unblocked since the last call may have more requests in their
 * query buffers: process them (conn_resume_input), including those of
 * clients that this unblocks in turn.  blocked.c runs it from a 0 ms timer
 * of its own; calling it before the loop sleeps as well is harmless.
 * Never from inside a command, so serving never nests. */
void blocked_process_unblocked(void);

/* Number of blocked clients (INFO blocked_clients), and of those with a
 * deadline (INFO clients_in_timeout_table). */
long long blocked_count(void);
long long blocked_timeout_count(void);

#endif
