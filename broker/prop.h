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

/* A resp_arg naming a string literal, for the argv arrays handed to
 * prop_rewrite() and prop_also(). */
#define PROP_LIT(s) ((struct resp_arg){(char *)(s), sizeof(s) - 1})

/* Nonzero while commands must be logged (the AOF is on or starting). */
int prop_enabled(void);

/* Log argv (copied) instead of the running command's own arguments. May be
 * called more than once: the last call wins.  For the common rewrite
 * shapes the helpers below build argv themselves. */
void prop_rewrite(struct conn *c, int argc, const struct resp_arg *argv);
/* Log the running command with argument i replaced by p[0..len) (copied);
 * the first call starts from the command's own arguments, later ones edit
 * the same copy (EXPIRE -> PEXPIREAT: argument 0, then 2). */
void prop_rewrite_arg(struct conn *c, int i, const char *p, size_t len);
/* Log nothing for the running command even though it changed data (it
 * logged its effect through prop_also instead). */
void prop_prevent(struct conn *c);
/* Log the running command even though server.dirty did not rise (FLUSHDB
 * and FLUSHALL of empty databases, as Redis forces them into the AOF). */
void prop_force(struct conn *c);
/* Log one more entry for database db, in order, within the running
 * top-level command's group (or alone, outside any command: active
 * expiry).  argv is copied. */
void prop_also(int db, int argc, const struct resp_arg *argv);
/* prop_also of "DEL key" (an expired key). */
void prop_del(int db, const char *key, size_t klen);

/* cmd_call() brackets every call with these; nested calls (EXEC's queue)
 * add their entries to the outermost one's group. */
void prop_call_begin(struct conn *c);
void prop_call_end(struct conn *c, const struct cmd *cmd,
                   long long dirty_before);
/* Emit the group to the AOF once the top-level command and the clients it
 * unblocked are done (the end of cmd_dispatch, which is where blocked
 * clients are served; one that times out or is unblocked without data
 * changes nothing and logs nothing). */
void prop_flush(void);

#endif
