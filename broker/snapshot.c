/* snapshot.c -- SAVE, BGSAVE, the save rules and start-up loading
 * (snapshot.h), as Redis 7.0 runs them.
 *
 * Writing a dump: "temp-<pid>.rdb" is created in dir (the working
 * directory: CONFIG SET dir changes it at once), filled by rdb.c, fsynced,
 * closed, renamed over dbfilename, and the directory fsynced so the rename
 * itself survives a crash.  Any failure removes the temporary file and
 * leaves the previous dump as it was.
 *
 * SAVE writes in the server process.  BGSAVE forks (child.h): the child
 * writes the data as it was at the fork and exits 0 or 1; the cron reaps
 * it and snapshot_child_done() records the outcome.  Changes made while
 * the child ran are not in its dump, so a successful BGSAVE leaves dirty
 * at the changes made since the fork, not at 0.
 *
 * Save rules (`save <seconds> <changes>`): the cron starts a BGSAVE when
 * some rule has at least `changes` changes and more than `seconds` seconds
 * since the last successful save.  After a failed BGSAVE the rules wait
 * SNAPSHOT_RETRY_DELAY seconds before trying again, so a full disk is not
 * hammered ten times a second.  While the last BGSAVE failed, save rules
 * exist and stop-writes-on-bgsave-error is yes, writes get -MISCONF.
 *
 * Not measured: copy-on-write sizes (Redis reads them from the child
 * through a pipe) are reported as 0, and no progress counters are kept
 * while a child saves (current_save_keys_*). */
#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aof.h"
#include "child.h"
#include "cmd.h"
#include "conn.h"
#include "db.h"
#include "log.h"
#include "rdb.h"
#include "reply.h"
#include "server.h"
#include "util.h"

#define SNAPSHOT_RETRY_DELAY 5 /* seconds after a failed BGSAVE (Redis's) */
#define SNAPSHOT_TEMP_LEN    64

static const char misconf_rdb[] =
    "MISCONF Redis is configured to save RDB snapshots, but it's currently "
    "unable to persist to disk. Commands that may modify the data set are "
    "disabled, because this instance is configured to report errors during "
    "writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). "
    "Please check the Redis logs for details about the RDB error.";

static int last_bgsave_ok = 1;
static long long last_bgsave_try;     /* Unix seconds of the last BGSAVE */
static long long dirty_before_bgsave; /* server.dirty at the fork */
static int bgsave_scheduled;          /* BGSAVE SCHEDULE, or inside EXEC */
static long long save_time_start = -1;
static long long save_time_last = -1; /* seconds the last BGSAVE took */
static long long stat_saves;          /* rdb_saves */

/* ---- writing a dump --------------------------------------------------- */

static void temp_name(char *buf, pid_t pid)
{
    snprintf(buf, SNAPSHOT_TEMP_LEN, "temp-%d.rdb", (int)pid);
}

static const char *cwd_or_unknown(char *buf, size_t cap)
{
    return getcwd(buf, cap) ? buf : "unknown";
}

/* Log a failed step of writing tmp, remove it, and return -1. */
static int write_failed(const char *tmp, int fd, const char *op, int err)
{
    log_msg(LL_WARNING, "Write error saving DB on disk(%s): %s", op,
            strerror(err));
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return -1;
}

/* Write the whole dataset to dbfilename through a temporary file named
 * after this process.  Returns 0, or -1 (logged, the temporary file
 * removed, the old dump untouched).  Runs in the server or in a child. */
static int write_dump(void)
{
    char tmp[SNAPSHOT_TEMP_LEN], cwd[PATH_MAX], err[RDB_ERR_LEN];

    temp_name(tmp, getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int saved = errno;
        log_msg(LL_WARNING,
                "Failed opening the temp RDB file %s (in server root dir %s) "
                "for saving: %s",
                tmp, cwd_or_unknown(cwd, sizeof(cwd)), strerror(saved));
        return -1;
    }
    if (rdb_save_to_fd(fd, err) != 0)
        return write_failed(tmp, fd, "rdbSaveRio", errno);
    if (fsync(fd) != 0)
        return write_failed(tmp, fd, "fsync", errno);
    if (close(fd) != 0)
        return write_failed(tmp, -1, "fclose", errno);
    if (rename(tmp, server.dbfilename) != 0) {
        int saved = errno;
        log_msg(LL_WARNING,
                "Error moving temp DB file %s on the final destination %s "
                "(in server root dir %s): %s",
                tmp, server.dbfilename, cwd_or_unknown(cwd, sizeof(cwd)),
                strerror(saved));
        unlink(tmp);
        return -1;
    }
    if (util_fsync_dir_of(server.dbfilename) != 0)
        return write_failed(tmp, -1, "fsyncFileDir", errno);
    log_msg(LL_NOTICE, "DB saved on disk");
    return 0;
}

int snapshot_save(void)
{
    rdb_apply_config();
    if (write_dump() != 0)
        return -1;
    server.dirty = 0;
    server.lastsave = time(NULL);
    last_bgsave_ok = 1;
    return 0;
}

int snapshot_save_background(void)
{
    if (child_active() != CHILD_NONE)
        return -1;
    stat_saves++;
    dirty_before_bgsave = server.dirty;
    last_bgsave_try = time(NULL);

    pid_t pid = child_fork(CHILD_RDB);
    if (pid == 0)
        child_exit(write_dump() == 0);
    if (pid < 0) {
        last_bgsave_ok = 0;
        log_msg(LL_WARNING, "Can't save in background: fork: %s",
                strerror(errno));
        return -1;
    }
    log_msg(LL_NOTICE, "Background saving started by pid %ld", (long)pid);
    save_time_start = time(NULL);
    return 0;
}

void snapshot_child_done(int exitcode, int bysignal)
{
    if (!bysignal && exitcode == 0) {
        log_msg(LL_NOTICE, "Background saving terminated with success");
        server.dirty -= dirty_before_bgsave;
        server.lastsave = time(NULL);
        last_bgsave_ok = 1;
    } else if (!bysignal) {
        log_msg(LL_WARNING, "Background saving error");
        last_bgsave_ok = 0;
    } else {
        char tmp[SNAPSHOT_TEMP_LEN];
        log_msg(LL_WARNING, "Background saving terminated by signal %d",
                bysignal);
        temp_name(tmp, child_pid());
        unlink(tmp);
        /* SIGUSR1 is how the server itself stops a child: not an error. */
        if (bysignal != SIGUSR1)
            last_bgsave_ok = 0;
    }
    save_time_last = time(NULL) - save_time_start;
    save_time_start = -1;
}

void snapshot_flushall(void)
{
    if (child_active() == CHILD_RDB)
        child_kill();
    if (server.save_params_count > 0)
        snapshot_save();
}

/* ---- the cron --------------------------------------------------------- */

/* After a failed BGSAVE, automatic ones wait a little. */
static int may_retry(long long now)
{
    return last_bgsave_ok || now - last_bgsave_try > SNAPSHOT_RETRY_DELAY;
}

void snapshot_cron(void)
{
    long long now = time(NULL);

    for (int i = 0;
         i < server.save_params_count && child_active() == CHILD_NONE; i++) {
        const struct save_param *sp = &server.save_params[i];
        if (server.dirty >= sp->changes &&
            now - server.lastsave > sp->seconds && may_retry(now)) {
            log_msg(LL_NOTICE, "%lld changes in %lld seconds. Saving...",
                    sp->changes, sp->seconds);
            snapshot_save_background();
            break;
        }
    }
    if (bgsave_scheduled && child_active() == CHILD_NONE && may_retry(now) &&
        snapshot_save_background() == 0)
        bgsave_scheduled = 0;
}

/* ---- loading at start-up ---------------------------------------------- */

void snapshot_log_rdb_origin(const struct rdb_load_stats *st)
{
    if (st->redis_ver[0])
        log_msg(LL_NOTICE, "Loading RDB produced by version %s", st->redis_ver);
    if (st->ctime >= 0) {
        long long age = (long long)time(NULL) - st->ctime;
        log_msg(LL_NOTICE, "RDB age %lld seconds", age < 0 ? 0 : age);
    }
    if (st->used_mem >= 0)
        log_msg(LL_NOTICE, "RDB memory usage when created %.2f Mb",
                (double)st->used_mem / (1024 * 1024));
}

int snapshot_load_dump(char *err)
{
    rdb_apply_config();
    int rc = rdb_load_file(server.dbfilename, err);
    const struct rdb_load_stats *st = rdb_last_load_stats();

    snapshot_log_rdb_origin(st);
    if (rc == 0)
        log_msg(LL_NOTICE,
                "Done loading RDB, keys loaded: %lld, keys expired: %lld.",
                st->keys_loaded, st->keys_expired);
    return rc;
}

/* Load dbfilename if there is one; exit(1) when it cannot be loaded, with
 * Redis's lines for the common cases. */
static void load_dump_on_start(void)
{
    char err[RDB_ERR_LEN];
    struct stat sb;
    long long start = util_ustime();

    if (stat(server.dbfilename, &sb) != 0 && errno == ENOENT)
        return;
    if (snapshot_load_dump(err) == 0) {
        log_msg(LL_NOTICE, "DB loaded from disk: %.3f seconds",
                (double)(util_ustime() - start) / 1000000);
        return;
    }
    if (strncmp(err, "Can't open ", 11) == 0) {
        log_msg(LL_WARNING, "Fatal error loading the DB: %s. Exiting.", err);
    } else if (strncmp(err, "Short read", 10) == 0) {
        log_msg(LL_WARNING, "Short read or OOM loading DB. Unrecoverable "
                            "error, aborting now.");
        log_msg(LL_WARNING, "%s", err);
    } else {
        log_msg(LL_WARNING, "%s", err);
        log_msg(LL_WARNING,
                "Terminating server after rdb file reading failure.");
    }
    exit(1);
}

/* rdb.c's progress reports, as log lines: for a dump or an AOF base being
 * loaded, and for a snapshot or a base being written (in the child). */
static void log_rdb_progress(int saving, unsigned long long done,
                             unsigned long long total)
{
    int pct = total > 0 ? (int)(done * 100 / total) : 100;

    if (saving)
        log_msg(LL_NOTICE, "Writing the RDB: %llu of %llu keys (%d%%)", done,
                total, pct);
    else
        log_msg(LL_NOTICE, "Loading the RDB: %.1f of %.1f MB (%d%%)",
                (double)done / (1024 * 1024), (double)total / (1024 * 1024),
                pct);
}

void snapshot_load_on_start(void)
{
    rdb_set_progress(log_rdb_progress);
    if (!server.aof_enabled) {
        load_dump_on_start();
        return;
    }

    /* The RDB preamble of an AOF base is read with the rdb* settings. */
    rdb_apply_config();
    long long start = util_ustime();
    struct aof_manifest m;
    aof_manifest_init(&m);
    enum aof_load_result rc = aof_load(&m);
    aof_manifest_free(&m);
    if (rc == AOF_LOAD_FAILED)
        exit(1);
    if (rc != AOF_LOAD_NOT_EXIST)
        log_msg(LL_NOTICE, "DB loaded from append only file: %.3f seconds",
                (double)(util_ustime() - start) / 1000000);
}

/* ---- MISCONF and INFO ------------------------------------------------- */

const char *snapshot_deny_write_error(void)
{
    static char aof_err[256];

    if (!last_bgsave_ok && server.stop_writes_on_bgsave_err &&
        server.save_params_count > 0)
        return misconf_rdb;
    if (aof_get_state() != AOF_OFF) {
        const char *why = aof_write_error();
        if (why != NULL) {
            snprintf(aof_err, sizeof(aof_err),
                     "MISCONF Errors writing to the AOF file: %s", why);
            return aof_err;
        }
    }
    return NULL;
}

bstr snapshot_info(bstr out)
{
    long long now = time(NULL);
    int running = child_active() == CHILD_RDB;
    const struct rdb_load_stats *st = rdb_last_load_stats();

    return bstr_catf(
        out,
        "# Persistence\r\nloading:0\r\nasync_loading:0\r\n"
        "current_cow_peak:0\r\ncurrent_cow_size:0\r\n"
        "current_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\n"
        "current_save_keys_processed:0\r\ncurrent_save_keys_total:0\r\n"
        "rdb_changes_since_last_save:%lld\r\nrdb_bgsave_in_progress:%d\r\n"
        "rdb_last_save_time:%lld\r\nrdb_last_bgsave_status:%s\r\n"
        "rdb_last_bgsave_time_sec:%lld\r\n"
        "rdb_current_bgsave_time_sec:%lld\r\n"
        "rdb_saves:%lld\r\nrdb_last_cow_size:0\r\n"
        "rdb_last_load_keys_expired:%lld\r\n"
        "rdb_last_load_keys_loaded:%lld\r\n",
        server.dirty, running, server.lastsave, last_bgsave_ok ? "ok" : "err",
        save_time_last, running ? now - save_time_start : -1, stat_saves,
        st->keys_expired, st->keys_loaded);
}

/* ---- commands --------------------------------------------------------- */

/* SAVE */
void save_command(struct conn *c)
{
    if (child_active() == CHILD_RDB) {
        reply_error(c, "ERR Background save already in progress");
        return;
    }
    stat_saves++;
    if (snapshot_save() == 0)
        reply_ok(c);
    else
        reply_error(c, "ERR");
}

/* BGSAVE [SCHEDULE]
 *
 * With another child running (an AOF rewrite), SCHEDULE (or being inside
 * EXEC, where nothing may fail late) defers the BGSAVE to the cron. */
void bgsave_command(struct conn *c)
{
    int schedule = 0;

    if (c->argc > 1) {
        if (c->argc != 2 ||
            !util_eq_ci(c->argv[1].ptr, c->argv[1].len, "schedule")) {
            reply_error(c, ERR_SYNTAX);
            return;
        }
        schedule = 1;
    }
    int in_exec = (c->flags & CONN_IN_EXEC) != 0;
    if (child_active() == CHILD_RDB) {
        reply_error(c, "ERR Background save already in progress");
    } else if (child_active() != CHILD_NONE || in_exec) {
        if (schedule || in_exec) {
            bgsave_scheduled = 1;
            reply_simple(c, "Background saving scheduled");
        } else {
            reply_error(c, "ERR Another child process is active (AOF?): "
                           "can't BGSAVE right now. Use BGSAVE SCHEDULE in "
                           "order to schedule a BGSAVE whenever possible.");
        }
    } else if (snapshot_save_background() == 0) {
        reply_simple(c, "Background saving started");
    } else {
        reply_error(c, "ERR");
    }
}

#define PERSISTENCE_ACL "@admin @slow @dangerous"

struct cmd persistence_commands[] = {
    {.name = "save",
     .proc = save_command,
     .arity = 1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_MULTI,
     .acl_categories = PERSISTENCE_ACL,
     .group = "server",
     .since = "1.0.0",
     .summary = "Synchronously save the dataset to disk",
     .complexity = "O(N) where N is the total number of keys in all "
                   "databases"},
    {.name = "bgsave",
     .proc = bgsave_command,
     .arity = -1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT,
     .acl_categories = PERSISTENCE_ACL,
     .group = "server",
     .since = "1.0.0",
     .summary = "Asynchronously save the dataset to disk",
     .complexity = "O(1)"},
    {.name = "bgrewriteaof",
     .proc = aof_bgrewriteaof_command,
     .arity = 1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT,
     .acl_categories = PERSISTENCE_ACL,
     .group = "server",
     .since = "1.0.0",
     .summary = "Asynchronously rewrite the append-only file",
     .complexity = "O(1)"},
    {0}};
