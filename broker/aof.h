/* aof.h -- the append-only file, in Redis 7's multi-part layout.
 *
 * Files, all inside dir/appenddirname/ and named after appendfilename:
 *   appendonly.aof.manifest      which files make up the AOF, in order
 *   appendonly.aof.<n>.base.rdb  the base: a snapshot (RDB format), or
 *   appendonly.aof.<n>.base.aof  the base as commands (aof-use-rdb-preamble
 *                                no)
 *   appendonly.aof.<n>.incr.aof  the commands that came after the base
 * Loading replays the base, then every incr file in manifest order.
 *
 * Writing: commands that changed data reach aof_feed() (through prop.c)
 * already rewritten into their logged form; they accumulate in a buffer
 * that aof_flush() writes to the last incr file before the event loop
 * sleeps, ahead of any client reply (see aof.c for the fsync policies).
 *
 * Rewriting (BGREWRITEAOF, or automatically when the AOF has grown): the
 * parent opens a new incr file and lists it in the manifest, then a forked
 * child writes the current data as a new base; when it succeeds the
 * manifest swaps to the new base plus the incr files opened since, and the
 * older files are deleted. */
#ifndef AOF_H
#define AOF_H

#include <stddef.h>
#include <sys/types.h>

#include "../resp/resp_parse.h"
#include "bstr.h"

/* Where the AOF stands (INFO's aof_enabled is aof_state != AOF_OFF). */
enum aof_state {
    AOF_OFF = 0,
    AOF_ON,          /* appending */
    AOF_WAIT_REWRITE /* turned on by CONFIG SET: waits for its first base */
};

/* ---- the manifest (aof_manifest.c) ------------------------------------- */

enum aof_file_type {
    AOF_FILE_BASE = 'b',
    AOF_FILE_HISTORY = 'h', /* replaced by a rewrite, to be deleted */
    AOF_FILE_INCR = 'i'
};

struct aof_file {
    char *name; /* inside the AOF directory */
    long long seq;
    enum aof_file_type type;
};

struct aof_manifest {
    struct aof_file *base; /* NULL when there is none yet */
    struct aof_file *incr; /* in order, oldest first */
    int incr_count;
    struct aof_file *history;
    int history_count;
    long long base_seq; /* highest base sequence number used */
    long long incr_seq; /* highest incr sequence number used */
};

#define AOF_MANIFEST_ERR_LEN 256

void aof_manifest_init(struct aof_manifest *m);
void aof_manifest_free(struct aof_manifest *m);
struct aof_manifest *aof_manifest_dup(const struct aof_manifest *m);

/* Parse a manifest's text (as Redis 7 writes it: lines of
 * "file <name> seq <n> type <b|h|i>", '#' comments, names quoted when they
 * need it).  What Redis 7.0 refuses is refused, with its message: an empty
 * text, a blank line, a last line without its newline, a name with a '/'.
 * Returns 0, or -1 with the reason in err (AOF_MANIFEST_ERR_LEN bytes) and
 * m emptied. */
int aof_manifest_parse(struct aof_manifest *m, const char *text, size_t len,
                       char *err);
/* The manifest's text: the base, then history, then incr files. */
bstr aof_manifest_format(const struct aof_manifest *m);

/* Read path; 0, 1 when the file does not exist (m left empty), -1 with
 * err on a read or parse error. */
int aof_manifest_load(struct aof_manifest *m, const char *path, char *err);
/* Write m to path atomically: a temporary file in the same directory,
 * fsynced, renamed over path, then the directory fsynced.  0 or -1 with
 * err. */
int aof_manifest_save(const struct aof_manifest *m, const char *path,
                      char *err);

/* Name and list a new base (the old one becomes history) or a new incr
 * file; the returned name is m's (valid while m is).  rdb: base written
 * in RDB format. */
const char *aof_manifest_new_base(struct aof_manifest *m, const char *prefix,
                                  int rdb);
const char *aof_manifest_new_incr(struct aof_manifest *m, const char *prefix);
/* Turn every incr file except the last `keep` into history. */
void aof_manifest_incr_to_history(struct aof_manifest *m, int keep);
/* Forget the history entries (after their files were deleted). */
void aof_manifest_clear_history(struct aof_manifest *m);

/* "<dir>/<name>" into out (PATH_MAX bytes). */
void aof_path_join(char *out, const char *dir, const char *name);

/* ---- the running AOF (aof.c) ------------------------------------------ */

/* At start-up, after loading: open (creating when needed) the AOF for
 * appending when appendonly is yes.  Exits with a log line on failure, as
 * Redis does.  As Redis, it creates appenddirname when missing; when the
 * AOF has neither a base nor an incr file it writes a base of the data
 * loaded so far ("Creating AOF base file ... on server start"); it opens
 * the last incr file for appending, or a new one ("Creating AOF incr file
 * ... on server start"), persists the manifest, and deletes history files.
 * With appendonly no it only reads the manifest (BGREWRITEAOF may need it)
 * and deletes history files.
 *
 * The manifest is read from its file, as aof_load() left it: aof_load()
 * persists whatever it changes (an old-style AOF it moved into the
 * directory), so the caller need not hand its copy over.  Call it
 * whatever appendonly says (Redis reads the manifest at every start-up);
 * a manifest that cannot be read exits, as in Redis. */
void aof_open_on_start(void);

/* Append one logged command for database db (a SELECT is written first
 * when db is not the last one written).  Does nothing while the AOF is
 * off, and in AOF_WAIT_REWRITE until its rewrite child is forked (the
 * child's base holds everything before that); from the fork on, as in
 * Redis 7.0, commands go to a temporary incr file that becomes the first
 * incr file once the base is in place. */
void aof_feed(int db, int argc, const struct resp_arg *argv);

/* Before the event loop sleeps, ahead of the replies: write the buffer,
 * and fsync as appendfsync says.  force: write even while a background
 * fsync is slow (at shutdown). */
void aof_flush(int force);

/* With appendfsync always, replies must wait for the write and fsync of
 * what their command logged: nonzero while some is still buffered. */
int aof_replies_must_wait(void);

/* Periodic work from the cron: retry failed writes, everysec fsync,
 * automatic rewrite, deleting history files. */
void aof_cron(void);

/* A forked child of ours ended (child.c calls this for AOF children). */
void aof_child_done(int exitcode, int bysignal);

/* Start a background rewrite; 0 or -1 (logged).  Used by BGREWRITEAOF,
 * the automatic rewrite and CONFIG SET appendonly yes. */
int aof_rewrite_background(void);
/* CONFIG SET appendonly changed (server.aof_enabled holds the new value):
 * start or stop appending.  0, or -1 with *err. */
int aof_apply_appendonly(const char **err);

/* At shutdown: kill a rewrite child (removing its temporary files), write
 * and fsync everything, and wait for the background jobs.  Returns 0, or
 * -1 when the data could not be made durable (logged; Redis exits
 * anyway). */
int aof_shutdown(void);

/* Write the whole keyspace as commands (a base in AOF format) to fd, as
 * Redis 7.0 does: SELECT, SET, RPUSH / HMSET in batches of 64 items,
 * PEXPIREAT (aof_base.c).  0 or -1 with err (RDB_ERR_LEN bytes).  Runs in
 * the rewrite child. */
int aof_write_keyspace(int fd, char *err);
/* Write a complete base file at path: RDB with aof-base set when rdb, else
 * commands; through temp-rewriteaof-<pid>.aof in the working directory,
 * fsynced, then renamed to path.  0, or -1 (logged, nothing left behind). */
int aof_write_base(const char *path, int rdb);

enum aof_state aof_get_state(void);
/* The last write failed, or with everysec the last background fsync
 * (INFO aof_last_write_status:err, and "-MISCONF Errors writing to the
 * AOF file: <text>" replies to writes): the error text (strerror), or NULL
 * when the AOF is off or writes succeed. */
const char *aof_write_error(void);

/* INFO persistence's AOF lines in Redis 7.0.15's order: aof_enabled ...
 * aof_last_cow_size, then module_fork_in_progress and
 * module_fork_last_cow_size (always 0; Redis prints them there), and when
 * appendonly is yes aof_current_size ... aof_delayed_fsync. */
bstr aof_info(bstr out);

/* BGREWRITEAOF */
struct conn;
void aof_bgrewriteaof_command(struct conn *c);

/* ---- loading (aof_load.c) --------------------------------------------- */

/* Results of aof_load(). */
enum aof_load_result {
    AOF_LOAD_OK = 0,
    AOF_LOAD_NOT_EXIST, /* no manifest and no files: nothing loaded */
    AOF_LOAD_EMPTY,     /* files exist but hold no commands */
    AOF_LOAD_FAILED     /* damaged: start-up must stop (logged) */
};

/* Load the AOF described by the manifest in dir/appenddirname (and, with
 * no manifest, a single old-style dir/appendfilename, upgraded as Redis 7
 * does).  m receives the manifest.  Logs progress, truncation warnings and
 * the file and offset of any damage. */
enum aof_load_result aof_load(struct aof_manifest *m);

#endif
