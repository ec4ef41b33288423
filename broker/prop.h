/* prop.h -- what the AOF logs for each command that changed data.
 *
 * A command is logged as it was called unless it says otherwise: commands
 * whose effect depends on when or how they ran log their effect instead
 * (relative TTLs as absolute ones, INCRBYFLOAT as the SET of its result,
 * a blocking pop as the plain pop it performed).  Keys deleted by expiry
 * log a DEL.  Everything one top-level command caused (its own entry, the
 * DELs of keys it found expired, the commands of an EXEC, the pops of the
 * clients it woke) is emitted together, as MULTI ... EXEC when there is
 * more than one entry or the command was EXEC, so a reload applies all or
 * nothing of it.
 *
 * Nothing here runs while the AOF is off: prop_enabled() is checked first
 * and costs one comparison per command. */
#ifndef PROP_H
#define PROP_H

#include "../resp/resp_parse.h"

struct conn;
struct cmd;

/* Nonzero while commands must be logged (the AOF is on or starting). */
int prop_enabled(void);

/* Log argv (copied) instead of the running command's own arguments. May be
 * called more than once: the last call wins.  For the common rewrite
 * shapes the helpers below build argv themselves. */
void prop_rewrite(struct conn *c, int argc, const struct resp_arg *argv);
/* Log nothing for the running command even though it changed data (it
 * logged its effect through prop_also instead). */
void prop_prevent(struct conn *c);
/* Log one more entry for database db, in order, within the running
 * top-level command's group (or alone, outside any command: active
 * expiry).  argv is copied. */
void prop_also(int db, int argc, const struct resp_arg *argv);
/* prop_also of "DEL key" (an expired key). */
void prop_del(int db, const char *key, size_t klen);

/* cmd_call() brackets every call with these; nested calls (EXEC's queue)
 * add their entries to the outermost one's group. */
void prop_call_begin(struct conn *c);
void prop_call_end(struct conn *c, const struct cmd *cmd, long long dirty_before);
/* Emit the group to the AOF once the top-level command and the clients it
 * unblocked are done (cmd_dispatch, the blocked-client timeout path). */
void prop_flush(void);

#endif
