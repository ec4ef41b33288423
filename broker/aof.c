/* aof.c -- the running append-only file: appending, fsync policies,
 * rewrites, turning it on and off (the files are described in aof.h).
 *
 * Appending.  aof_feed() turns each logged command into RESP in a buffer;
 * aof_flush(), from before_sleep() ahead of the client replies, writes the
 * whole buffer with one write() per loop iteration, then:
 *   always    fdatasync() at once in the main thread: one fsync for every
 *             client served in the iteration (group commit); replies wait
 *             for it (conn.c asks aof_replies_must_wait()).
 *   everysec  at most once a second, an fsync queued to the bio thread.
 *             While one is still running, the next write is postponed, for
 *             at most two seconds, then done anyway (aof_delayed_fsync).
 *   no        never: the kernel flushes when it likes.
 * A failed or short write keeps the unwritten data in the buffer (a short
 * write is first truncated away), marks the AOF failing (writes then get
 * -MISCONF) and is retried every second from the cron; with always the
 * server exits instead, since it can no longer keep its promise.
 *
 * Rewriting.  aof_rewrite_background() flushes, opens a new incr file,
 * persists a manifest listing it, and forks.  From that moment new writes
 * go to the new incr file, while the child writes the data as of the fork
 * to temp-rewriteaof-bg-<pid>.aof.  When the child succeeds,
 * aof_child_done() renames that file to the new base, turns the old base
 * and every incr file but the new one into history, persists the
 * manifest, then deletes the history files.  Until the manifest is
 * renamed into place the old set of files is complete, and after it the
 * new one is: no acknowledged write is lost across the switch.  A failed
 * rewrite leaves the extra incr file listed, which costs nothing.  When
 * the last write failed, what is still buffered predates the fork (the
 * new base holds it): it first goes to an incr file of its own, which the
 * rewrite retires with the old ones, never after the new base.
 *
 * Turning it on at runtime (CONFIG SET appendonly yes) cannot append to
 * the old files, which may be stale: the state is AOF_WAIT_REWRITE until a
 * rewrite's base exists.  As in Redis 7.0, the writes made while that
 * first child runs go to a temporary incr file, temp-<appendfilename>.incr,
 * which becomes the first incr file when the base is installed.
 *
 * Paths are relative: the server runs in `dir` (config.c chdir()s there),
 * the AOF files are in appenddirname, and the rewrite child's temporary
 * files in dir itself, as Redis has them. */
#include "aof.h"

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

#include "../resp/resp_write.h"
#include "bio.h"
#include "child.h"
#include "conn.h"
#include "log.h"
#include "reply.h"
#include "server.h"
#include "util.h"

#define AOF_WRITE_LOG_ERROR_RATE 30   /* seconds between write error logs */
#define AOF_POSTPONE_MAX_S       2    /* everysec: longest write delay */
#define AOF_BUF_KEEP             4000 /* a flushed buffer this small stays */
/* After this many failed rewrites in a row, automatic ones back off: 1,
 * 2, 4 ... minutes, up to an hour, as Redis. */
#define AOF_REWRITE_LIMIT_THRESHOLD   3
#define AOF_REWRITE_LIMIT_MAX_MINUTES 60

static struct {
    enum aof_state state;
    struct aof_manifest m;
    int m_loaded;
    int fd;              /* the incr file being appended to, or -1 */
    struct resp_buf buf; /* commands not written yet */
    int selected_db;     /* database of the last command buffered; -1: none */
    int buf_db;          /* database in effect where buf starts: -1 when buf
                          * starts with its SELECT, -2 unknown (a partial write
                          * stayed in the file) */

    long long current_size;    /* bytes of the whole AOF (INFO) */
    long long last_incr_size;  /* bytes of the file fd */
    long long base_size;       /* current_size after the last rewrite */
    long long fsync_offset;    /* current_size at the last fsync */
    long long last_fsync;      /* seconds */
    long long postponed_since; /* seconds; 0: no write postponed */
    unsigned long delayed_fsync;

    int write_failed; /* the last write failed: retried from the cron */
    int write_errno;
    long long write_error_logged; /* seconds */
    int fsync_error_logged;       /* a failed bio fsync was logged */
    long long cron_second;

    pid_t child; /* our rewrite child, or 0 */
    int child_rdb;
    int killing; /* child_kill() from here: its done hook does nothing */
    int rewrite_scheduled;
    long long rewrite_start; /* seconds, -1 when none runs */
    long long rewrite_last;  /* duration of the last one, -1: none yet */
    int rewrite_failed;      /* the last rewrite failed */
    long long rewrites;
    long long rewrite_failures; /* consecutive */
    int limit_minutes;
    long long limit_until;
} aof = {
    .fd = -1,
    .selected_db = -1,
    .buf_db = -1,
    .rewrite_start = -1,
    .rewrite_last = -1,
};

static long long now_s(void)
{
    return (long long)time(NULL);
}

static size_t buf_len(void)
{
    return aof.buf.len;
}

static void buf_clear(void)
{
    if (aof.buf.cap < AOF_BUF_KEEP) {
        aof.buf.len = 0;
        return;
    }
    resp_buf_free(&aof.buf);
}

/* ---- files ------------------------------------------------------------ */

static void file_path(char *out, const char *name)
{
    aof_path_join(out, server.aof_dirname, name);
}

static void manifest_path(char *out)
{
    char name[PATH_MAX];
    snprintf(name, sizeof(name), "%s.manifest", server.aof_filename);
    file_path(out, name);
}

/* The file that collects writes while AOF_WAIT_REWRITE waits for its base. */
static void temp_incr_name(char *out, size_t cap)
{
    snprintf(out, cap, "temp-%s.incr", server.aof_filename);
}

static long long file_size(const char *name)
{
    char path[PATH_MAX];
    struct stat st;

    file_path(path, name);
    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

/* Create appenddirname when missing.  0, or -1 with errno. */
static int ensure_dir(void)
{
    struct stat st;

    if (mkdir(server.aof_dirname, 0755) == 0)
        return 0;
    if (errno != EEXIST)
        return -1;
    if (stat(server.aof_dirname, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

static int persist_manifest(const struct aof_manifest *m)
{
    char path[PATH_MAX], err[AOF_MANIFEST_ERR_LEN];

    manifest_path(path);
    if (aof_manifest_save(m, path, err) == 0)
        return 0;
    log_msg(LL_WARNING, "%s", err);
    return -1;
}

/* Read the manifest from disk unless we have it.  0, or -1 (logged). */
static int ensure_manifest(void)
{
    char path[PATH_MAX], err[AOF_MANIFEST_ERR_LEN];

    if (aof.m_loaded)
        return 0;
    manifest_path(path);
    if (aof_manifest_load(&aof.m, path, err) < 0) {
        log_msg(LL_WARNING, "%s", err);
        return -1;
    }
    aof.m_loaded = 1;
    return 0;
}

/* Take over *m (the struct itself stays the caller's). */
static void manifest_replace(struct aof_manifest *m)
{
    aof_manifest_free(&aof.m);
    aof.m = *m;
    aof_manifest_init(m);
    aof.m_loaded = 1;
}

/* Delete the files the manifest lists as history, then forget them. */
static void delete_history_files(void)
{
    char path[PATH_MAX];

    if (aof.m.history_count == 0)
        return;
    for (int i = 0; i < aof.m.history_count; i++) {
        log_msg(LL_NOTICE, "Removing the history file %s in the background",
                aof.m.history[i].name);
        file_path(path, aof.m.history[i].name);
        bio_unlink(path);
    }
    aof_manifest_clear_history(&aof.m);
    /* A failure leaves history entries whose files are gone: loading
     * skips history, so that only costs another try next time. */
    persist_manifest(&aof.m);
}

/* Close the AOF descriptor without waiting: an fsync queued for it runs
 * first (bio keeps the order). */
static void close_fd(int fsync_first)
{
    if (aof.fd < 0)
        return;
    if (fsync_first)
        bio_fsync(aof.fd);
    bio_close(aof.fd);
    aof.fd = -1;
}

/* Give up the temporary incr file of AOF_WAIT_REWRITE and what was
 * buffered for it: the next rewrite's base will hold that data. */
static void drop_temp_incr(void)
{
    char name[PATH_MAX], path[PATH_MAX];

    close_fd(0);
    temp_incr_name(name, sizeof(name));
    file_path(path, name);
    unlink(path);
    buf_clear();
    aof.last_incr_size = 0;
}

/* ---- start-up ---------------------------------------------------------- */

/* The base of an empty AOF: the data loaded so far (Redis writes one at
 * start-up so the AOF is always a base plus incr files). */
static void create_base_on_start(void)
{
    char path[PATH_MAX];
    const char *name = aof_manifest_new_base(&aof.m, server.aof_filename,
                                             server.aof_use_rdb_preamble);

    file_path(path, name);
    if (aof_write_base(path, server.aof_use_rdb_preamble) != 0)
        exit(1);
    log_msg(LL_NOTICE, "Creating AOF base file %s on server start", name);
}

void aof_open_on_start(void)
{
    char path[PATH_MAX];

    if (ensure_manifest() != 0)
        exit(1);
    if (!server.aof_enabled) {
        delete_history_files();
        return;
    }
    aof.state = AOF_ON;
    bio_init();
    if (ensure_dir() != 0) {
        log_msg(LL_WARNING, "Can't open or create append-only dir %s: %s",
                server.aof_dirname, strerror(errno));
        exit(1);
    }

    /* What was loaded: the base and every incr file. */
    aof.base_size = aof.m.base ? file_size(aof.m.base->name) : 0;
    aof.current_size = aof.base_size;
    for (int i = 0; i < aof.m.incr_count; i++)
        aof.current_size += file_size(aof.m.incr[i].name);

    int had_incr = aof.m.incr_count > 0;
    if (aof.m.base == NULL && !had_incr)
        create_base_on_start();
    if (!had_incr)
        aof_manifest_new_incr(&aof.m, server.aof_filename);

    const char *name = aof.m.incr[aof.m.incr_count - 1].name;
    file_path(path, name);
    aof.fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (aof.fd < 0) {
        log_msg(LL_WARNING, "Can't open the append-only file %s: %s", path,
                strerror(errno));
        exit(1);
    }
    if (persist_manifest(&aof.m) != 0)
        exit(1);
    aof.last_incr_size = file_size(name);
    aof.fsync_offset = aof.current_size;
    aof.last_fsync = now_s();
    log_msg(LL_NOTICE, "%s AOF incr file %s on server start",
            had_incr ? "Opening" : "Creating", name);
    delete_history_files();
}

/* ---- appending --------------------------------------------------------- */

static void buf_cat_select(int db)
{
    util_check_resp(resp_w_aggregate(&aof.buf, 2, '*', 2));
    util_check_resp(resp_w_bulk(&aof.buf, "SELECT", 6));
    util_check_resp(resp_w_bulk_ll(&aof.buf, db));
}

void aof_feed(int db, int argc, const struct resp_arg *argv)
{
    /* AOF_WAIT_REWRITE appends only while its rewrite child runs: before
     * the fork the child's base will hold everything. */
    if (aof.state == AOF_OFF || (aof.state == AOF_WAIT_REWRITE && !aof.child))
        return;
    if (buf_len() == 0)
        aof.buf_db = db == aof.selected_db ? db : -1;
    if (db != aof.selected_db) {
        buf_cat_select(db);
        aof.selected_db = db;
    }
    util_check_resp(resp_w_aggregate(&aof.buf, 2, '*', argc));
    for (int i = 0; i < argc; i++)
        util_check_resp(resp_w_bulk(&aof.buf, argv[i].ptr, argv[i].len));
}

/* write() until everything is written or an error: the bytes written, or
 * -1 when none were. */
static ssize_t write_fully(int fd, const char *p, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = write(fd, p + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return done ? (ssize_t)done : -1;
        if (n == 0) {
            errno = ENOSPC;
            break;
        }
        done += (size_t)n;
    }
    return (ssize_t)done;
}

static void exit_on_always_error(void)
{
    /* The replies of reads and writes that saw this data may already be
     * queued, and the data cannot be taken back: the promise that what a
     * client saw is on disk can only be kept by stopping. */
    log_msg(LL_WARNING, "Can't recover from AOF write error when the AOF "
                        "fsync policy is 'always'. Exiting...");
    exit(1);
}

/* A write of len bytes wrote only `written` (-1: nothing). */
static void write_failed(ssize_t written, size_t len, long long now)
{
    int can_log = now - aof.write_error_logged > AOF_WRITE_LOG_ERROR_RATE;

    if (can_log)
        aof.write_error_logged = now;
    if (written == -1) {
        if (can_log)
            log_msg(LL_WARNING, "Error writing to the AOF file: %s",
                    strerror(errno));
        aof.write_errno = errno;
    } else {
        if (can_log)
            log_msg(LL_WARNING,
                    "Short write while writing to the AOF file: "
                    "(nwritten=%lld, expected=%lld)",
                    (long long)written, (long long)len);
        /* Cut the partial command off, so the file stays loadable and the
         * retry writes the whole buffer again. */
        if (ftruncate(aof.fd, aof.last_incr_size) == -1) {
            if (can_log)
                log_msg(LL_WARNING,
                        "Could not remove short write from the append-only "
                        "file.  Redis may refuse to load the AOF the next "
                        "time it starts.  ftruncate: %s",
                        strerror(errno));
        } else {
            written = -1;
        }
        aof.write_errno = ENOSPC;
    }
    if (server.aof_fsync == AOF_FSYNC_ALWAYS)
        exit_on_always_error();

    aof.write_failed = 1;
    if (written > 0) {
        /* What stayed in the file must not be written twice. */
        aof.current_size += written;
        aof.last_incr_size += written;
        resp_buf_consume(&aof.buf, (size_t)written);
        aof.buf_db = -2;
    }
}

/* After a write (or with nothing to write but data not yet synced). */
static void fsync_as_configured(long long now, int sync_in_progress)
{
    /* no-appendfsync-on-rewrite: a child writing gigabytes would make the
     * fsync stall; the data is only as safe as with appendfsync no. */
    if (server.aof_no_fsync_on_rewrite && child_active() != CHILD_NONE)
        return;
    if (server.aof_fsync == AOF_FSYNC_ALWAYS) {
        if (fdatasync(aof.fd) == -1) {
            log_msg(LL_WARNING,
                    "Can't persist AOF for fsync error when the AOF fsync "
                    "policy is 'always': %s. Exiting...",
                    strerror(errno));
            exit(1);
        }
        aof.fsync_offset = aof.current_size;
        aof.last_fsync = now;
    } else if (server.aof_fsync == AOF_FSYNC_EVERYSEC && now > aof.last_fsync) {
        if (!sync_in_progress) {
            bio_fsync(aof.fd);
            aof.fsync_offset = aof.current_size;
        }
        aof.last_fsync = now;
    }
}

/* everysec: whether to postpone the write because an fsync still runs. */
static int postpone_write(long long now)
{
    if (aof.postponed_since == 0) {
        aof.postponed_since = now;
        return 1;
    }
    if (now - aof.postponed_since < AOF_POSTPONE_MAX_S)
        return 1;
    aof.delayed_fsync++;
    log_msg(LL_NOTICE,
            "Asynchronous AOF fsync is taking too long (disk is busy?). "
            "Writing the AOF buffer without waiting for fsync to complete, "
            "this may slow down Redis.");
    return 0;
}

void aof_flush(int force)
{
    /* Called before every sleep of the loop: with the AOF off this must
     * cost nothing, so the clock is read only past this check. */
    if (aof.fd < 0)
        return;

    long long now = now_s();
    int everysec = server.aof_fsync == AOF_FSYNC_EVERYSEC;
    size_t len = buf_len();
    if (len == 0) {
        /* everysec fsyncs after writes; data written in the last second
         * before writes stopped still needs its fsync. */
        if (everysec && aof.fsync_offset != aof.current_size &&
            now > aof.last_fsync && bio_fsync_pending() == 0)
            fsync_as_configured(now, 0);
        return;
    }

    int sync_in_progress = everysec && bio_fsync_pending() > 0;
    if (sync_in_progress && !force && postpone_write(now))
        return;

    ssize_t written = write_fully(aof.fd, aof.buf.data, len);
    aof.postponed_since = 0;
    if (written != (ssize_t)len) {
        write_failed(written, len, now);
        return;
    }
    if (aof.write_failed) {
        log_msg(LL_WARNING,
                "AOF write error looks solved, Redis can write again.");
        aof.write_failed = 0;
    }
    aof.current_size += written;
    aof.last_incr_size += written;
    buf_clear();
    fsync_as_configured(now, sync_in_progress);
}

int aof_replies_must_wait(void)
{
    return aof.fd >= 0 && server.aof_fsync == AOF_FSYNC_ALWAYS && buf_len() > 0;
}

/* ---- rewriting --------------------------------------------------------- */

/* The rewrite child: write the base, exit. */
static void rewrite_child(int rdb) __attribute__((noreturn));
static void rewrite_child(int rdb)
{
    char tmp[64];

    snprintf(tmp, sizeof(tmp), "temp-rewriteaof-bg-%d.aof", (int)getpid());
    if (aof_write_base(tmp, rdb) != 0)
        child_exit(0);
    log_msg(LL_NOTICE, "Successfully created the temporary AOF base file %s",
            tmp);
    child_exit(1);
}

static void remove_temp_files(pid_t pid)
{
    char tmp[64];

    snprintf(tmp, sizeof(tmp), "temp-rewriteaof-bg-%d.aof", (int)pid);
    bio_unlink(tmp);
    snprintf(tmp, sizeof(tmp), "temp-rewriteaof-%d.aof", (int)pid);
    bio_unlink(tmp);
}

/* Start appending to a new incr file (or, in AOF_WAIT_REWRITE, to the
 * temporary one), listed in a persisted manifest before anything is
 * written to it.  Nothing to do while the AOF is off.  0, or -1 (logged,
 * nothing changed). */
static int open_new_incr(void)
{
    char name[PATH_MAX], path[PATH_MAX];
    struct aof_manifest *next = NULL;

    if (aof.state == AOF_OFF)
        return 0;
    if (aof.state == AOF_WAIT_REWRITE) {
        temp_incr_name(name, sizeof(name));
    } else {
        next = aof_manifest_dup(&aof.m);
        snprintf(name, sizeof(name), "%s",
                 aof_manifest_new_incr(next, server.aof_filename));
    }
    file_path(path, name);
    int fd =
        open(path, O_WRONLY | O_TRUNC | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        log_msg(LL_WARNING, "Can't open the append-only file %s: %s", name,
                strerror(errno));
        goto fail;
    }
    if (next && persist_manifest(next) != 0) {
        close(fd);
        unlink(path);
        goto fail;
    }
    log_msg(LL_NOTICE, "Creating AOF incr file %s on background rewrite", name);

    /* The old file is complete: everything buffered was flushed into it
     * (and with always, synced) before we got here. */
    close_fd(1);
    aof.fsync_offset = aof.current_size;
    aof.last_fsync = now_s();
    aof.fd = fd;
    aof.last_incr_size = 0;
    if (next) {
        manifest_replace(next);
        xfree(next);
    }
    return 0;

fail:
    if (next) {
        aof_manifest_free(next);
        xfree(next);
    }
    return -1;
}

/* The AOF write is failing and the buffer holds commands from before the
 * fork to come, whose effect the new base will hold: appended to the incr
 * file opened for the rewrite, they would be replayed after that base, a
 * second time.  They get an incr file of their own before it instead,
 * starting with the SELECT they had in the old file, which a successful
 * rewrite turns into history with the older files.  0, or -1 (logged)
 * when that file cannot be written either. */
static int flush_to_own_incr(void)
{
    if (aof.state != AOF_ON || aof.buf_db == -2) {
        log_msg(LL_WARNING, "Can't rewrite the AOF while writing it fails");
        return -1;
    }
    if (aof.buf_db >= 0) {
        struct resp_buf rest = aof.buf;
        resp_buf_init(&aof.buf);
        buf_cat_select(aof.buf_db);
        util_check_resp(resp_buf_append(&aof.buf, rest.data, rest.len));
        resp_buf_free(&rest);
        aof.buf_db = -1;
    }
    log_msg(LL_NOTICE, "Writing the AOF buffer to a new incr file before the "
                       "rewrite, as the last write failed");
    if (open_new_incr() != 0)
        return -1;
    aof_flush(1);
    if (buf_len() > 0) {
        log_msg(LL_WARNING, "Can't rewrite the AOF while writing it fails");
        return -1;
    }
    return 0;
}

int aof_rewrite_background(void)
{
    if (child_active() != CHILD_NONE)
        return -1;
    if (ensure_manifest() != 0) {
        aof.rewrite_failed = 1;
        return -1;
    }
    if (ensure_dir() != 0) {
        log_msg(LL_WARNING, "Can't open or create append-only dir %s: %s",
                server.aof_dirname, strerror(errno));
        aof.rewrite_failed = 1;
        return -1;
    }
    aof_flush(1);
    if (buf_len() > 0 && flush_to_own_incr() != 0) {
        /* Counted, so automatic rewrites back off instead of opening an
         * incr file every cron tick. */
        aof.rewrite_failed = 1;
        aof.rewrite_failures++;
        return -1;
    }
    /* The new file starts with a SELECT. */
    aof.selected_db = -1;
    if (open_new_incr() != 0) {
        aof.rewrite_failed = 1;
        return -1;
    }
    aof.rewrites++;

    int rdb = server.aof_use_rdb_preamble;
    pid_t pid = child_fork(CHILD_AOF);
    if (pid == 0)
        rewrite_child(rdb);
    if (pid < 0) {
        aof.rewrite_failed = 1;
        log_msg(LL_WARNING,
                "Can't rewrite append only file in background: fork: %s",
                strerror(errno));
        return -1;
    }
    log_msg(LL_NOTICE,
            "Background append only file rewriting started by "
            "pid %ld",
            (long)pid);
    aof.child = pid;
    aof.child_rdb = rdb;
    aof.rewrite_scheduled = 0;
    aof.rewrite_start = now_s();
    return 0;
}

/* Stop our rewrite child, if one runs, and remove its files. */
static void kill_rewrite_child(void)
{
    if (aof.child == 0)
        return;
    log_msg(LL_NOTICE, "Killing running AOF rewrite child: %ld",
            (long)aof.child);
    aof.killing = 1;
    if (child_active() == CHILD_AOF)
        child_kill();
    aof.killing = 0;
    remove_temp_files(aof.child);
    aof.child = 0;
    aof.rewrite_start = -1;
}

/* The child wrote temp-rewriteaof-bg-<pid>.aof: make it the base.  0, or
 * -1 (logged) with the manifest and the files in use unchanged. */
static int install_rewrite(pid_t pid)
{
    char tmp[64], base_path[PATH_MAX], incr_path[PATH_MAX] = "";
    struct aof_manifest *next = aof_manifest_dup(&aof.m);
    const char *base =
        aof_manifest_new_base(next, server.aof_filename, aof.child_rdb);

    snprintf(tmp, sizeof(tmp), "temp-rewriteaof-bg-%d.aof", (int)pid);
    file_path(base_path, base);
    if (rename(tmp, base_path) == -1) {
        log_msg(LL_WARNING,
                "Error trying to rename the temporary AOF base file %s "
                "into %s: %s",
                tmp, base_path, strerror(errno));
        goto fail;
    }
    log_msg(LL_NOTICE,
            "Successfully renamed the temporary AOF base file %s into %s", tmp,
            base);

    if (aof.state == AOF_WAIT_REWRITE) {
        char temp_name[PATH_MAX], temp_path[PATH_MAX];
        temp_incr_name(temp_name, sizeof(temp_name));
        file_path(temp_path, temp_name);
        const char *incr = aof_manifest_new_incr(next, server.aof_filename);
        file_path(incr_path, incr);
        if (rename(temp_path, incr_path) == -1) {
            log_msg(LL_WARNING,
                    "Error trying to rename the temporary AOF incr file %s "
                    "into %s: %s",
                    temp_path, incr_path, strerror(errno));
            bio_unlink(base_path);
            goto fail;
        }
        log_msg(LL_NOTICE,
                "Successfully renamed the temporary AOF incr file %s into %s",
                temp_name, incr);
    }

    /* Everything before the file we append to now is in the new base. */
    aof_manifest_incr_to_history(next, aof.fd >= 0 ? 1 : 0);
    if (persist_manifest(next) != 0) {
        bio_unlink(base_path);
        if (incr_path[0])
            bio_unlink(incr_path);
        goto fail;
    }
    manifest_replace(next);
    xfree(next);

    if (aof.fd >= 0) {
        aof.current_size = file_size(aof.m.base->name) + aof.last_incr_size;
        aof.base_size = aof.current_size;
        aof.fsync_offset = aof.current_size;
        aof.last_fsync = now_s();
    }
    delete_history_files();
    return 0;

fail:
    aof_manifest_free(next);
    xfree(next);
    return -1;
}

static void rewrite_result(int ok)
{
    aof.rewrite_failed = !ok;
    aof.rewrite_failures = ok ? 0 : aof.rewrite_failures + 1;
}

void aof_child_done(int exitcode, int bysignal)
{
    pid_t pid = aof.child;

    if (aof.killing || pid == 0)
        return;
    if (!bysignal && exitcode == 0) {
        log_msg(LL_NOTICE, "Background AOF rewrite terminated with success");
        int ok = install_rewrite(pid) == 0;
        rewrite_result(ok);
        if (ok) {
            log_msg(LL_NOTICE, "Background AOF rewrite finished successfully");
            if (aof.state == AOF_WAIT_REWRITE)
                aof.state = AOF_ON;
        }
    } else if (!bysignal) {
        rewrite_result(0);
        log_msg(LL_WARNING, "Background AOF rewrite terminated with error");
    } else {
        /* SIGUSR1 is how a child is stopped on purpose, as in Redis. */
        if (bysignal != SIGUSR1)
            rewrite_result(0);
        log_msg(LL_WARNING, "Background AOF rewrite terminated by signal %d",
                bysignal);
    }

    remove_temp_files(pid);
    aof.child = 0;
    aof.rewrite_last = now_s() - aof.rewrite_start;
    aof.rewrite_start = -1;
    /* Still waiting for a first base: try again. */
    if (aof.state == AOF_WAIT_REWRITE) {
        drop_temp_incr();
        aof.rewrite_scheduled = 1;
    }
}

/* After repeated failures automatic rewrites wait longer and longer. */
static int rewrite_limited(long long now)
{
    if (aof.rewrite_failures < AOF_REWRITE_LIMIT_THRESHOLD) {
        aof.limit_minutes = 0;
        aof.limit_until = 0;
        return 0;
    }
    if (aof.limit_until != 0) {
        if (now < aof.limit_until)
            return 1;
        aof.limit_until = 0;
        return 0;
    }
    aof.limit_minutes = aof.limit_minutes ? aof.limit_minutes * 2 : 1;
    if (aof.limit_minutes > AOF_REWRITE_LIMIT_MAX_MINUTES)
        aof.limit_minutes = AOF_REWRITE_LIMIT_MAX_MINUTES;
    aof.limit_until = now + aof.limit_minutes * 60LL;
    log_msg(LL_WARNING,
            "Background AOF rewrite has repeatedly failed and triggered the "
            "limit, will retry in %d minutes",
            aof.limit_minutes);
    return 1;
}

/* auto-aof-rewrite-percentage / -min-size: the growth since the last
 * rewrite, measured against its result. */
static void maybe_auto_rewrite(long long now)
{
    if (aof.state != AOF_ON || child_active() != CHILD_NONE ||
        server.aof_rewrite_perc == 0 ||
        aof.current_size <= server.aof_rewrite_min_size)
        return;
    long long base = aof.base_size ? aof.base_size : 1;
    long long growth = aof.current_size * 100 / base - 100;
    if (growth < server.aof_rewrite_perc || rewrite_limited(now))
        return;
    log_msg(LL_NOTICE, "Starting automatic rewriting of AOF on %lld%% growth",
            growth);
    aof_rewrite_background();
}

/* A failing background fsync is logged once, when it starts failing. */
static void check_fsync_error(void)
{
    int e = bio_fsync_errno();

    if (e != 0 && !aof.fsync_error_logged && aof.state != AOF_OFF)
        log_msg(LL_WARNING, "Fail to fsync the AOF file: %s", strerror(e));
    aof.fsync_error_logged = e != 0;
}

void aof_cron(void)
{
    long long now = now_s();

    if (child_active() == CHILD_NONE && aof.rewrite_scheduled &&
        !rewrite_limited(now))
        aof_rewrite_background();
    maybe_auto_rewrite(now);

    if (aof.state != AOF_OFF && aof.postponed_since)
        aof_flush(0);
    if (now == aof.cron_second)
        return;
    aof.cron_second = now;
    if (aof.state != AOF_OFF && aof.write_failed)
        aof_flush(0);
    check_fsync_error();
}

/* BGREWRITEAOF */
void aof_bgrewriteaof_command(struct conn *c)
{
    if (aof.child != 0) {
        reply_error(c, "ERR Background append only file rewriting already in "
                       "progress");
    } else if (child_active() != CHILD_NONE || (c->flags & CONN_IN_EXEC)) {
        aof.rewrite_scheduled = 1;
        /* Asked for by hand: not held back by earlier failures. */
        aof.rewrite_failures = 0;
        reply_simple(c, "Background append only file rewriting scheduled");
    } else if (aof_rewrite_background() == 0) {
        reply_simple(c, "Background append only file rewriting started");
    } else {
        reply_error(c, "ERR Can't execute an AOF background rewriting. Please "
                       "check the server logs for more information.");
    }
}

/* ---- on and off -------------------------------------------------------- */

static int start_appending(void)
{
    int in_exec = server.current && (server.current->flags & CONN_IN_EXEC);

    if (ensure_manifest() != 0)
        return -1;
    aof.state = AOF_WAIT_REWRITE;
    if (child_active() != CHILD_NONE && aof.child == 0) {
        aof.rewrite_scheduled = 1;
        log_msg(LL_WARNING,
                "AOF was enabled but there is already another background "
                "operation. An AOF background was scheduled to start when "
                "possible.");
    } else if (in_exec) {
        aof.rewrite_scheduled = 1;
        log_msg(LL_WARNING,
                "AOF was enabled during a transaction. An AOF background was "
                "scheduled to start when possible.");
    } else {
        /* A running rewrite did not collect the writes since its fork. */
        if (aof.child != 0) {
            log_msg(LL_WARNING,
                    "AOF was enabled but there is already an AOF rewriting "
                    "in background. Stopping background AOF and starting a "
                    "rewrite now.");
            kill_rewrite_child();
        }
        if (aof_rewrite_background() != 0) {
            drop_temp_incr();
            aof.state = AOF_OFF;
            log_msg(LL_WARNING,
                    "Redis needs to enable the AOF but can't trigger a "
                    "background AOF rewrite operation. Check the above logs "
                    "for more info about the error.");
            return -1;
        }
    }
    aof.last_fsync = now_s();
    bio_init();
    if (bio_fsync_errno() != 0) {
        log_msg(LL_WARNING,
                "AOF reopen, just ignore the AOF fsync error in bio job");
        bio_fsync_errno_clear();
    }
    if (aof.write_failed) {
        log_msg(LL_WARNING, "AOF reopen, just ignore the last error.");
        aof.write_failed = 0;
    }
    return 0;
}

static void stop_appending(void)
{
    int waiting = aof.state == AOF_WAIT_REWRITE;

    aof_flush(1);
    if (aof.fd >= 0) {
        if (fdatasync(aof.fd) == -1) {
            log_msg(LL_WARNING, "Fail to fsync the AOF file: %s",
                    strerror(errno));
        } else {
            aof.fsync_offset = aof.current_size;
            aof.last_fsync = now_s();
        }
    }
    if (waiting)
        drop_temp_incr();
    close_fd(0);
    aof.selected_db = -1;
    aof.state = AOF_OFF;
    aof.rewrite_scheduled = 0;
    aof.last_incr_size = 0;
    kill_rewrite_child();
    buf_clear();
}

int aof_apply_appendonly(const char **err)
{
    if (!server.aof_enabled && aof.state != AOF_OFF) {
        stop_appending();
    } else if (server.aof_enabled && aof.state == AOF_OFF) {
        if (start_appending() != 0) {
            *err = "Unable to turn on AOF. Check server logs.";
            return -1;
        }
    }
    return 0;
}

int aof_shutdown(void)
{
    int rc = 0;

    if (aof.child != 0) {
        log_msg(LL_WARNING, "There is a child rewriting the AOF. Killing it!");
        kill_rewrite_child();
    }
    if (aof.state != AOF_OFF && aof.fd >= 0) {
        log_msg(LL_NOTICE, "Calling fsync() on the AOF file.");
        aof_flush(1);
        if (buf_len() > 0)
            rc = -1;
        if (fdatasync(aof.fd) == -1) {
            log_msg(LL_WARNING, "Fail to fsync the AOF file: %s.",
                    strerror(errno));
            rc = -1;
        }
    }
    if (aof.state == AOF_WAIT_REWRITE)
        drop_temp_incr();
    bio_drain();
    return rc;
}

/* ---- state ------------------------------------------------------------- */

enum aof_state aof_get_state(void)
{
    return aof.state;
}

const char *aof_write_error(void)
{
    if (aof.state == AOF_OFF)
        return NULL;
    if (aof.write_failed)
        return strerror(aof.write_errno);
    int e = bio_fsync_errno();
    return e ? strerror(e) : NULL;
}

bstr aof_info(bstr out)
{
    long long now = now_s();

    out = bstr_catf(
        out,
        "aof_enabled:%d\r\naof_rewrite_in_progress:%d\r\n"
        "aof_rewrite_scheduled:%d\r\naof_last_rewrite_time_sec:%lld\r\n"
        "aof_current_rewrite_time_sec:%lld\r\n"
        "aof_last_bgrewrite_status:%s\r\naof_rewrites:%lld\r\n"
        "aof_rewrites_consecutive_failures:%lld\r\n"
        "aof_last_write_status:%s\r\naof_last_cow_size:0\r\n"
        "module_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n",
        aof.state != AOF_OFF, aof.child != 0, aof.rewrite_scheduled,
        aof.rewrite_last, aof.child ? now - aof.rewrite_start : -1,
        aof.rewrite_failed ? "err" : "ok", aof.rewrites, aof.rewrite_failures,
        aof.write_failed || bio_fsync_errno() ? "err" : "ok");
    if (!server.aof_enabled)
        return out;
    return bstr_catf(out,
                     "aof_current_size:%lld\r\naof_base_size:%lld\r\n"
                     "aof_pending_rewrite:%d\r\naof_buffer_length:%zu\r\n"
                     "aof_pending_bio_fsync:%d\r\naof_delayed_fsync:%lu\r\n",
                     aof.current_size, aof.base_size, aof.rewrite_scheduled,
                     buf_len(), bio_fsync_pending(), aof.delayed_fsync);
}
