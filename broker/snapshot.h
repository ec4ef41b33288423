/* snapshot.h -- SAVE, BGSAVE and the save rules, around rdb.c's format.
 *
 * A snapshot is written to "temp-<pid>.rdb" in dir, fsynced, renamed over
 * dbfilename, and the directory fsynced: a failed or interrupted save
 * never damages the previous dump.  BGSAVE writes it in a forked child
 * (child.h); the cron starts one when a `save` rule is met.  While the last
 * background save failed and stop-writes-on-bgsave-error is yes, writes
 * are refused with -MISCONF. */
#ifndef SNAPSHOT_H
#define SNAPSHOT_H

#include "bstr.h"
#include "cmd.h"

struct conn;

/* Write dbfilename now, in this process.  0 or -1 (logged). */
int snapshot_save(void);
/* Fork a child that writes dbfilename.  0 or -1 (logged). */
int snapshot_save_background(void);

/* At start-up: load the AOF when appendonly is yes, else dbfilename when it
 * exists.  Exits with Redis's log lines when the data cannot be loaded. */
void snapshot_load_on_start(void);

/* Log what Redis logs from a loaded RDB's auxiliary fields: the version
 * that wrote it, its age, the memory it used (also for an AOF's base). */
struct rdb_load_stats;
void snapshot_log_rdb_origin(const struct rdb_load_stats *st);

/* From the cron: the save rules, a scheduled BGSAVE. */
void snapshot_cron(void);
/* The child started by snapshot_save_background() ended. */
void snapshot_child_done(int exitcode, int bysignal);

/* FLUSHALL emptied every database: as Redis 7.0, kill a running BGSAVE
 * (it would write back what was flushed) and, when save rules exist, save
 * the empty dataset at once (which resets dirty, as any save does). */
void snapshot_flushall(void);

/* Load dbfilename into the keyspace (DEBUG RELOAD; start-up uses it too),
 * logging where the dump came from and what was loaded.  0, or -1 with
 * the reason in err (RDB_ERR_LEN bytes). */
int snapshot_load_dump(char *err);

/* The error reply for a write command while persistence is failing
 * (MISCONF for a failed BGSAVE or AOF write), or NULL to let it run. */
const char *snapshot_deny_write_error(void);

/* INFO persistence: loading, rdb_* lines (then aof_info). */
bstr snapshot_info(bstr out);

/* SAVE, BGSAVE [SCHEDULE] */
void save_command(struct conn *c);
void bgsave_command(struct conn *c);

/* SAVE, BGSAVE and BGREWRITEAOF (whose handler is aof.c's). */
extern struct cmd persistence_commands[];

#endif
