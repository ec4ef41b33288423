/* aof_base.c -- writing an AOF base: the whole keyspace as one file.
 *
 * A base is a snapshot of the data at one moment, from which the incr files
 * replay what came after.  It is written either in RDB format (aof-use-rdb-
 * preamble yes, rdb.c with aof-base set in its header) or, as here, as the
 * shortest commands that rebuild every key: SELECT per database, then per
 * key a SET, or RPUSH / HMSET with at most AOF_REWRITE_ITEMS_PER_CMD items
 * each (a huge list is many commands, never one unbounded request), and a
 * PEXPIREAT for a key with a TTL.  That is what Redis 7.0 writes, byte for
 * byte; like Redis, keys whose TTL already passed are written too (with
 * their past deadline), and the loader drops them.
 *
 * Both run in the rewrite child, or in the server itself at start-up when
 * an AOF has to be created: nothing here touches the running AOF. */
#include "aof.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "dict.h"
#include "hashobj.h"
#include "log.h"
#include "obj.h"
#include "qlist.h"
#include "rdb.h"
#include "../resp/resp_write.h"
#include "server.h"
#include "util.h"

#define AOF_REWRITE_ITEMS_PER_CMD 64
#define AOF_WRITE_CHUNK           (64 * 1024)       /* write() calls of this */
#define AOF_AUTOSYNC_BYTES        (4 * 1024 * 1024) /* incremental fsync */

struct kw {
    int fd;
    struct resp_buf out; /* not yet written */
    long long unsynced;  /* bytes written since the last fdatasync */
    int failed;
    char *err;
};

static void kw_fail(struct kw *w, const char *what)
{
    if (w->failed)
        return;
    w->failed = 1;
    snprintf(w->err, RDB_ERR_LEN, "%s: %s", what, strerror(errno));
}

static void kw_flush(struct kw *w)
{
    size_t off = 0, len = w->out.len;

    while (!w->failed && off < len) {
        ssize_t n = write(w->fd, w->out.data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = ENOSPC;
            kw_fail(w, "write");
            break;
        }
        off += (size_t)n;
    }
    w->unsynced += (long long)off;
    w->out.len = 0;

    /* aof-rewrite-incremental-fsync: push the data to disk as it goes, so
     * the final fsync does not have to flush gigabytes at once. */
    if (!w->failed && server.aof_rewrite_incremental_fsync &&
        w->unsynced >= AOF_AUTOSYNC_BYTES) {
        if (fdatasync(w->fd) != 0)
            kw_fail(w, "fdatasync");
        w->unsynced = 0;
    }
}

static void kw_bulk(struct kw *w, const char *p, size_t n)
{
    util_check_resp(resp_w_bulk(&w->out, p, n));
}

static void kw_bulk_ll(struct kw *w, long long v)
{
    util_check_resp(resp_w_bulk_ll(&w->out, v));
}

/* "*<argc>\r\n" and the command name. */
static void kw_command(struct kw *w, long long argc, const char *name)
{
    util_check_resp(resp_w_aggregate(&w->out, 2, '*', argc));
    kw_bulk(w, name, strlen(name));
}

static void kw_maybe_flush(struct kw *w)
{
    if (w->out.len >= AOF_WRITE_CHUNK)
        kw_flush(w);
}

static long long min_ll(long long a, long long b)
{
    return a < b ? a : b;
}

static void write_list(struct kw *w, bstr key, struct qlist *ql)
{
    long long left = (long long)qlist_len(ql), in_cmd = 0;
    struct qlist_iter it;
    struct qlist_entry e;

    qlist_iter_init(&it, ql, 0, QLIST_TAIL);
    while (qlist_iter_next(&it, &e)) {
        if (in_cmd == 0) {
            in_cmd = min_ll(left, AOF_REWRITE_ITEMS_PER_CMD);
            kw_command(w, 2 + in_cmd, "RPUSH");
            kw_bulk(w, key, bstr_len(key));
        }
        kw_bulk(w, e.ptr, e.len);
        left--;
        in_cmd--;
        kw_maybe_flush(w);
    }
}

static void write_hash(struct kw *w, bstr key, struct obj *o)
{
    long long left = (long long)hashobj_len(o), in_cmd = 0;
    struct hashobj_iter it;
    struct hashobj_entry e;

    hashobj_iter_init(&it, o);
    while (hashobj_iter_next(&it, &e)) {
        if (in_cmd == 0) {
            in_cmd = min_ll(left, AOF_REWRITE_ITEMS_PER_CMD);
            kw_command(w, 2 + 2 * in_cmd, "HMSET");
            kw_bulk(w, key, bstr_len(key));
        }
        kw_bulk(w, e.field, e.field_len);
        kw_bulk(w, e.value, e.value_len);
        left--;
        in_cmd--;
        kw_maybe_flush(w);
    }
    hashobj_iter_end(&it);
}

static void write_key(struct kw *w, struct db *db, bstr key, struct obj *o)
{
    if (o->type == OBJ_LIST) {
        write_list(w, key, o->v.data);
    } else if (o->type == OBJ_HASH) {
        write_hash(w, key, o);
    } else {
        char buf[24];
        size_t len;
        const char *s = obj_str(o, buf, &len);
        kw_command(w, 3, "SET");
        kw_bulk(w, key, bstr_len(key));
        kw_bulk(w, s, len);
    }

    long long when = db_get_expire(db, key, bstr_len(key));
    if (when != -1) {
        kw_command(w, 3, "PEXPIREAT");
        kw_bulk(w, key, bstr_len(key));
        kw_bulk_ll(w, when);
    }
    kw_maybe_flush(w);
}

int aof_write_keyspace(int fd, char *err)
{
    struct kw w = {.fd = fd, .err = err};

    for (int i = 0; i < server.databases && !w.failed; i++) {
        struct db *db = db_get(i);
        if (db == NULL || dict_size(db->keys) == 0)
            continue;
        kw_command(&w, 2, "SELECT");
        kw_bulk_ll(&w, i);

        struct dict_iter it;
        struct dict_entry *e;
        dict_iter_start(&it, db->keys);
        while (!w.failed && (e = dict_iter_next(&it)) != NULL)
            write_key(&w, db, e->key, e->v.ptr);
        dict_iter_end(&it);
    }
    kw_flush(&w);
    resp_buf_free(&w.out);
    return w.failed ? -1 : 0;
}

/* The base's contents into fd, in the format asked for. */
static int write_contents(int fd, int rdb, char *err)
{
    if (!rdb)
        return aof_write_keyspace(fd, err);
    rdb_set_aof_base(1);
    int rc = rdb_save_to_fd(fd, err);
    rdb_set_aof_base(0);
    return rc;
}

int aof_write_base(const char *path, int rdb)
{
    char tmp[64], err[RDB_ERR_LEN] = "";

    /* Not the name the rewrite child's result has (temp-rewriteaof-bg-):
     * this is the child's own scratch file. */
    snprintf(tmp, sizeof(tmp), "temp-rewriteaof-%d.aof", (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        log_msg(LL_WARNING,
                "Opening the temp file for AOF rewrite in "
                "rewriteAppendOnlyFile(): %s",
                strerror(errno));
        return -1;
    }
    int ok = write_contents(fd, rdb, err) == 0;
    if (ok && fsync(fd) != 0) {
        snprintf(err, sizeof(err), "fsync: %s", strerror(errno));
        ok = 0;
    }
    if (close(fd) != 0 && ok) {
        snprintf(err, sizeof(err), "close: %s", strerror(errno));
        ok = 0;
    }
    if (!ok) {
        log_msg(LL_WARNING, "Write error writing append only file on disk: %s",
                err);
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) == -1) {
        log_msg(LL_WARNING,
                "Error moving temp append only file on the final "
                "destination: %s",
                strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
