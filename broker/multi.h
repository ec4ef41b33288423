/* multi.h -- transactions: MULTI EXEC DISCARD WATCH UNWATCH.
 *
 * After MULTI, cmd_dispatch hands every request but EXEC, DISCARD, MULTI,
 * WATCH, QUIT and RESET to multi_queue(), which answers +QUEUED (or the
 * error that makes EXEC answer -EXECABORT).  EXEC runs the queue with no
 * other client in between, then blocked keys are served once for the whole
 * transaction.
 *
 * WATCH remembers keys per database with the clients watching them; any
 * change to such a key (db_signal_modified, expiry, FLUSHDB, FLUSHALL,
 * SWAPDB) marks its watchers so that their EXEC answers a null array. */
#ifndef MULTI_H
#define MULTI_H

#include <stddef.h>

#include "cmd.h"

struct conn;
struct db;

/* Per-client state, embedded in struct conn. */
struct multi_state {
    int count, cap;
    struct multi_cmd *cmds; /* queued requests, copied */
    int nwatched;
    void *watched; /* the client's watched keys (multi.c's own type) */
};

extern struct cmd multi_commands[];

/* Queue c's current request (after MULTI). */
void multi_queue(struct conn *c);
/* A queueing error (unknown command, arity): EXEC will abort. */
void multi_flag_error(struct conn *c);
/* EXEC itself was refused before running (wrong arity, NOAUTH; err as
 * the refusal would read): discard c's transaction and watches and answer
 * "-EXECABORT Transaction discarded because of: ...", as Redis 7.0 does
 * with or without MULTI. */
void multi_exec_refused(struct conn *c, const char *err);

/* Keys changed: mark their watchers. */
void multi_touch_key(struct db *db, const char *key, size_t klen);
/* db is about to be emptied (FLUSHDB, FLUSHALL) or swapped with
 * replaced_with (SWAPDB; NULL otherwise): mark the watchers of every key of
 * db that exists in either, as Redis 7.0 does. */
void multi_touch_db(struct db *db, struct db *replaced_with);
/* At EXEC: has a key watched while alive expired since?  (Redis aborts the
 * transaction then, even if nothing deleted the key yet.) */
int multi_watched_key_expired(struct conn *c);

/* The CMD_* flags of c's queued commands, or'ed together. */
uint32_t multi_queued_flags(const struct conn *c);

/* Forget c's queue and watched keys (DISCARD, RESET, disconnect). */
void multi_reset(struct conn *c);

#endif
