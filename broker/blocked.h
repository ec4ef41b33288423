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
 *      ever handed to a client that is gone. */
#ifndef BLOCKED_H
#define BLOCKED_H

#include <stddef.h>

#include "../resp/resp_parse.h"

struct conn;
struct db;

/* Offer key (in c's db) to the blocked client c.  Returns 1 if c was served
 * (it replied; the caller unblocks it), 0 if the key has nothing for it. */
typedef int blocked_serve_fn(struct conn *c, const char *key, size_t klen);

/* How a client stops waiting without data. */
enum blocked_end { BLOCKED_TIMEOUT, BLOCKED_UNBLOCK_ERROR, BLOCKED_GONE };

/* Per-client state, embedded in struct conn. */
struct blocked_state {
    blocked_serve_fn *serve; /* NULL while not blocked */
    long long deadline_ms;   /* absolute Unix ms, 0: no timeout */
    void *timer;             /* the deadline's ev timer, or NULL */
    int nkeys;
    char **keys;             /* bstrs, the keys waited on */
    int argc;                /* the blocking request, copied */
    struct resp_arg *argv;
    char *argbuf;            /* one allocation backing argv */
};

/* Parse a timeout in seconds (decimal allowed) into an absolute deadline in
 * ms (0 for "forever").  On error replies "ERR timeout is negative" or "ERR
 * timeout is not a float or out of range" and returns -1. */
int blocked_parse_timeout(struct conn *c, const struct resp_arg *arg,
                          long long *deadline_ms);

/* Block c on keys[0..nkeys) until served or deadline_ms.  c->argv is
 * copied so the command can be served later from the copy. */
void blocked_block(struct conn *c, const struct resp_arg *keys, int nkeys,
                   long long deadline_ms, blocked_serve_fn *serve);

/* End c's wait without data (see enum blocked_end). */
void blocked_unblock(struct conn *c, enum blocked_end how);

int blocked_is_blocked(const struct conn *c);

/* A key of db may now hold data for waiters. */
void blocked_signal_key(struct db *db, const char *key, size_t klen);
/* Signal every key of db that has waiters and now exists (SWAPDB,
 * FLUSHALL leave waiters to be re-examined). */
void blocked_signal_db(struct db *db);
/* Serve waiters of every ready key, as described above. */
void blocked_serve_ready_keys(void);
/* Clients unblocked since the last call may have more requests in their
 * query buffers: process them (conn_resume_input).  Called before the loop
 * sleeps, never from inside a command, so serving never nests. */
void blocked_process_unblocked(void);

/* Number of blocked clients (INFO blocked_clients). */
long long blocked_count(void);

#endif
