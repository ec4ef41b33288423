/* aof_load.c -- replaying the AOF at start-up (see aof.h).
 *
 * The manifest names the files: the base, then the incr files in order.
 * Each file is replayed through its own fake client (conn_create_fake):
 * first an RDB part when the file starts with "REDIS" (an RDB base, or an
 * old single-file AOF with an RDB preamble), then commands in RESP, read in
 * large chunks, parsed by resp_parse.h and run through cmd_dispatch() as a
 * client's would be.  MULTI ... EXEC goes through the normal transaction
 * code, so the commands of a transaction run only at its EXEC and one cut
 * short by a crash never half-applies.  Lines starting with '#' are
 * annotations (Redis's timestamps) and are skipped.
 *
 * Damage: only the last file may end in the middle of a command (a crash
 * during a write).  With aof-load-truncated yes that file is cut back to
 * its last complete command, or to before the MULTI of a transaction left
 * open, with Redis's warnings, and loading goes on.  Anything else -- a
 * byte that breaks the format, a cut in a file that is not the last,
 * aof-load-truncated no -- fails with Redis's message and a line naming
 * the file and the offset.  A file is truncated only when the load then
 * succeeds (Redis 7.0 cuts a base that is not the last file and then
 * fails, losing the commands after the cut).
 *
 * While replaying, server.loading is set and nothing expires, as in Redis:
 * a later command of the file may still act on a key whose TTL passed
 * (deleting it early would let an APPEND recreate it without its TTL);
 * an RDB base keeps such keys too.  Once loaded they are left, expired,
 * to the running server's expiry, which logs their DEL.  The
 * AOF is still off (aof_open_on_start runs after this), so what is
 * replayed is not logged again, and the replay counts in no command
 * statistics, as in Redis.  The caller logs "DB loaded from append only
 * file" (snapshot_load_on_start), as Redis's loadDataFromDisk does. */
#include "aof.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../resp/resp_read.h"
#include "cmd.h"
#include "conn.h"
#include "log.h"
#include "rdb.h"
#include "server.h"
#include "snapshot.h"
#include "util.h"

#define LOAD_CHUNK         (1024 * 1024) /* bytes per read */
#define LOAD_PROGRESS_MS   2000          /* a progress line this often */
#define LOAD_CLOCK_EVERY   64            /* commands between clock reads */
#define LOAD_HEADER_DIGITS 20            /* longer lengths are damage */

/* How one file ended. */
enum file_result {
    FILE_OK,
    FILE_EMPTY,     /* zero bytes */
    FILE_TRUNCATED, /* cut back to its last complete command */
    FILE_FAILED     /* logged */
};

/* Progress over all the files of one load. */
struct load_progress {
    long long total_bytes;
    long long done_bytes; /* of the files before the current one */
    long long start_us;
    long long last_report_us;
};

/* One file being replayed.  buf[pos, len) holds bytes not parsed yet;
 * buf[0] is at offset base in the file. */
struct file_load {
    const char *name; /* as the manifest names it, for the log */
    char path[PATH_MAX];
    int last;      /* the last file: the only one that may be cut short */
    int old_style; /* a pre-7.0 single-file AOF */
    FILE *fp;
    long long size;

    char *buf;
    size_t cap, len, pos;
    long long base;
    int in_annotation; /* skipping a '#' line to its end */

    struct resp_parser parser;
    struct conn *client;
    long long valid_up_to; /* end of the last complete command */
    long long multi_at;    /* where the open MULTI starts, -1: none */
    long long commands;    /* run so far */
    struct load_progress *progress;
};

/* ---- reading ---------------------------------------------------------- */

/* Read the next chunk after buf's bytes, with room for at least want more
 * (a big argument).  Already parsed bytes are dropped first; the parser's
 * offsets are relative to the request it is in, which moves to buf[0].
 * Returns the bytes read, 0 at the end of the file, -1 on a read error. */
static long long fill(struct file_load *fl, size_t want)
{
    if (fl->pos > 0) {
        memmove(fl->buf, fl->buf + fl->pos, fl->len - fl->pos);
        fl->base += (long long)fl->pos;
        fl->len -= fl->pos;
        fl->pos = 0;
    }
    size_t room = want > LOAD_CHUNK ? want : LOAD_CHUNK;
    /* Never more than the file still holds: a damaged length must not
     * make us allocate what it claims. */
    long long left = fl->size - (fl->base + (long long)fl->len);
    if (left >= 0 && (long long)room > left)
        room = left > 0 ? (size_t)left : 1;
    if (fl->cap - fl->len < room) {
        fl->cap = fl->len + room;
        fl->buf = xrealloc(fl->buf, fl->cap);
    }
    size_t n = fread(fl->buf + fl->len, 1, room, fl->fp);
    if (n == 0)
        return ferror(fl->fp) ? -1 : 0;
    fl->len += n;
    return (long long)n;
}

/* ---- the format, for diagnostics ------------------------------------- */

/* Scan the digits of a header line from *i to its '\r' and the byte after
 * it.  Returns 0 with *value set and *i past the line, 1 when the bytes end
 * first, -1 with *i at the byte that cannot be there. */
static int scan_header_number(const char *buf, size_t len, size_t *i,
                              long long *value)
{
    size_t start = *i;
    long long v = 0;

    for (; *i < len; (*i)++) {
        char ch = buf[*i];
        if (ch == '\r' && *i > start) {
            if (*i + 1 >= len)
                return 1;
            *i += 2;
            *value = v;
            return 0;
        }
        if (ch < '0' || ch > '9' || *i - start >= LOAD_HEADER_DIGITS ||
            (*i == start + 1 && buf[start] == '0'))
            return -1;
        v = v * 10 + (ch - '0');
    }
    return 1;
}

/* The offset in buf[0..len) of the first byte that breaks the multibulk
 * grammar of the request starting at buf[0], or -1 when every byte fits (a
 * complete request, or the beginning of one the file cut short).  Lenient
 * where the parser is: the byte after each '\r' and the two after an
 * argument are not checked. */
static long long grammar_break(const char *buf, size_t len)
{
    size_t i = 1;
    long long count, n;

    if (len == 0)
        return -1;
    if (buf[0] != '*')
        return 0;
    int rc = scan_header_number(buf, len, &i, &count);
    if (rc != 0)
        return rc > 0 ? -1 : (long long)i;
    if (count == 0)
        return 1;
    for (long long k = 0; k < count; k++) {
        if (i >= len)
            return -1;
        if (buf[i] != '$')
            return (long long)i;
        i++;
        rc = scan_header_number(buf, len, &i, &n);
        if (rc != 0)
            return rc > 0 ? -1 : (long long)i;
        if ((unsigned long long)n >= len - i + 2)
            return -1;
        i += (size_t)n + 2;
    }
    return -1;
}

/* ---- logging ---------------------------------------------------------- */

static void log_bad_format(struct file_load *fl, long long offset,
                           const char *why)
{
    log_msg(LL_WARNING, "Damage in the AOF file %s at offset %lld: %s",
            fl->name, offset, why);
    log_msg(LL_WARNING,
            "Bad file format reading the append only file %s: make a "
            "backup of your AOF file, then use ./redis-check-aof --fix "
            "<filename.manifest>",
            fl->name);
}

/* Log every error in the replies to the fake client, as Redis does when
 * its AOF client gets one (the replay goes on: the file is what the
 * server did, and an error it answered then is answered again). */
static void log_reply_errors_in(const struct resp_reply *r, const char *cmd)
{
    if (r->type == RESP_ERROR) {
        log_msg(LL_WARNING,
                "== CRITICAL == This server is sending an error to its "
                "AOF-loading-client: '-%.*s' after processing the command "
                "'%s'",
                (int)r->len, r->str, cmd);
        server.stat_unexpected_error_replies++;
    }
    for (size_t i = 0; i < r->elements; i++)
        log_reply_errors_in(r->element[i], cmd);
}

static void log_reply_errors(struct conn *c)
{
    struct resp_reader *rd = resp_reader_create();
    struct resp_reply *r;
    const char *cmd = c->cmd ? c->cmd->fullname : "<unknown>";

    resp_reader_feed(rd, c->reply.data, c->reply.len);
    while (resp_reader_next(rd, &r) == RESP_READ_OK) {
        log_reply_errors_in(r, cmd);
        resp_reply_free(r);
    }
    resp_reader_free(rd);
}

static void report_progress(struct file_load *fl)
{
    struct load_progress *p = fl->progress;
    long long now = util_monotonic_us();

    if (now - p->last_report_us < LOAD_PROGRESS_MS * 1000LL)
        return;
    p->last_report_us = now;
    long long done = p->done_bytes + fl->base + (long long)fl->pos;
    log_msg(LL_NOTICE,
            "Loading the AOF: %.1f of %.1f MB (%d%%) in %.1f seconds, "
            "reading %s",
            done / 1048576.0, p->total_bytes / 1048576.0,
            p->total_bytes > 0 ? (int)(done * 100 / p->total_bytes) : 100,
            (now - p->start_us) / 1e6, fl->name);
}

/* ---- running commands ------------------------------------------------- */

/* Is argv a command of the table (a subcommand, for a container)?  Redis
 * stops loading at one that is not. */
static int known_command(const struct resp_arg *argv, int argc)
{
    struct cmd *cmd = cmd_lookup(argv[0].ptr, argv[0].len);

    if (cmd == NULL)
        return 0;
    if (cmd->subcmds == NULL || argc < 2)
        return 1;
    for (struct cmd *s = cmd->subcmds; s->name; s++)
        if (util_eq_ci(argv[1].ptr, argv[1].len, s->name))
            return 1;
    return 0;
}

/* Run the parsed request that starts at file offset at.  Returns 0, or -1
 * (logged) for a command the server does not know. */
static int run_command(struct file_load *fl, long long at)
{
    struct conn *c = fl->client;
    int argc = fl->parser.argc;
    struct resp_arg *argv = fl->parser.argv;

    if (!known_command(argv, argc)) {
        log_msg(LL_WARNING,
                "Unknown command '%.*s' reading the append only file %s",
                (int)util_arg_cstr_len(&argv[0]), argv[0].ptr, fl->name);
        log_msg(LL_WARNING, "The unknown command is at offset %lld of %s", at,
                fl->name);
        return -1;
    }
    int was_in_multi = c->flags & CONN_MULTI;
    long long errors = server.stat_total_error_replies;

    /* The fake client must never block: it runs each command as EXEC runs
     * its queue, where a blocking command that finds nothing answers as a
     * timeout (Redis's AOF client has CLIENT_DENY_BLOCKING for this). */
    c->flags |= CONN_IN_EXEC;
    c->argc = argc;
    c->argv = argv;
    struct conn *saved_current = server.current;
    server.current = c;
    cmd_dispatch(c);
    server.current = saved_current;
    c->argc = 0;
    c->argv = NULL;
    c->flags &= ~(CONN_IN_EXEC | CONN_CLOSE_AFTER_REPLY | CONN_CLOSE_ASAP);

    if (server.stat_total_error_replies > errors)
        log_reply_errors(c);
    conn_discard_replies(c);

    if (!was_in_multi && (c->flags & CONN_MULTI))
        fl->multi_at = at;
    else if (!(c->flags & CONN_MULTI))
        fl->multi_at = -1;
    return 0;
}

/* ---- the end of a file ------------------------------------------------ */

static void log_cut(struct file_load *fl, long long partial_at,
                    const char *more)
{
    log_msg(LL_WARNING,
            "The AOF file %s ends at offset %lld in the middle of the %s "
            "starting at offset %lld%s",
            fl->name, fl->size, fl->multi_at >= 0 ? "transaction" : "command",
            fl->multi_at >= 0 ? fl->multi_at : partial_at, more);
}

/* The file ends before its last request (or transaction) is complete:
 * partial begins at offset partial_at.  Cut it back to valid_up_to (to
 * the MULTI of an open transaction), or fail, as aof-load-truncated and
 * the file's place decide. */
static enum file_result short_read(struct file_load *fl, long long partial_at)
{
    long long cut = fl->multi_at >= 0 ? fl->multi_at : fl->valid_up_to;

    if (fl->multi_at >= 0)
        log_msg(LL_WARNING,
                "Revert incomplete MULTI/EXEC transaction in AOF file %s",
                fl->name);
    if (!server.aof_load_truncated) {
        log_cut(fl, partial_at, "");
        log_msg(LL_WARNING,
                "Unexpected end of file reading the append only file %s. "
                "You can: 1) Make a backup of your AOF file, then use "
                "./redis-check-aof --fix <filename.manifest>. 2) "
                "Alternatively you can set the 'aof-load-truncated' "
                "configuration option to yes and restart the server.",
                fl->name);
        return FILE_FAILED;
    }
    log_msg(LL_WARNING,
            "!!! Warning: short read while loading the AOF file %s!!!",
            fl->name);
    if (!fl->last) {
        log_cut(fl, partial_at, ", and it is not the last file");
        log_msg(LL_WARNING,
                "Fatal error: the truncated file is not the last file");
        return FILE_FAILED;
    }
    log_msg(LL_WARNING, "!!! Truncating the AOF %s at offset %lld !!!",
            fl->name, cut);
    if (truncate(fl->path, cut) != 0) {
        log_msg(LL_WARNING, "Error truncating the AOF file %s: %s", fl->name,
                strerror(errno));
        return FILE_FAILED;
    }
    log_msg(LL_WARNING,
            "AOF %s loaded anyway because aof-load-truncated is enabled",
            fl->name);
    return FILE_TRUNCATED;
}

/* At the end of the file: a clean end, a cut, or damage. */
static enum file_result at_end(struct file_load *fl)
{
    long long at = fl->base + (long long)fl->pos;

    if (fl->pos == fl->len || fl->in_annotation) {
        if (fl->multi_at >= 0)
            return short_read(fl, fl->multi_at);
        return FILE_OK;
    }
    /* The parser waits for more; only a true beginning of a request is a
     * cut (a NUL byte in a header would also leave it waiting). */
    long long bad = grammar_break(fl->buf + fl->pos, fl->len - fl->pos);
    if (bad >= 0) {
        log_bad_format(fl, at + bad, "not a RESP multibulk request");
        return FILE_FAILED;
    }
    return short_read(fl, at);
}

/* ---- one file --------------------------------------------------------- */

/* Skip an annotation line ('#' to '\n'); it may span chunks. */
static void skip_annotation(struct file_load *fl)
{
    char *p = fl->buf + fl->pos;
    char *nl = memchr(p, '\n', fl->len - fl->pos);

    fl->in_annotation = nl == NULL;
    fl->pos = nl ? (size_t)(nl - fl->buf) + 1 : fl->len;
}

/* Parse and run every request after the RDB part.  Returns how the file
 * ended. */
static enum file_result replay_commands(struct file_load *fl)
{
    size_t want = 0;

    for (;;) {
        if (fl->pos == fl->len || want > 0) {
            long long n = fill(fl, want);
            if (n < 0) {
                log_msg(LL_WARNING,
                        "Unrecoverable error reading the append only file "
                        "%s: %s",
                        fl->name, strerror(errno));
                return FILE_FAILED;
            }
            if (n == 0)
                return at_end(fl);
            want = 0;
            report_progress(fl);
        }
        if (fl->in_annotation || fl->buf[fl->pos] == '#') {
            skip_annotation(fl);
            continue;
        }
        long long at = fl->base + (long long)fl->pos;
        if (fl->buf[fl->pos] != '*') {
            log_bad_format(fl, at, "a command must start with '*'");
            return FILE_FAILED;
        }
        size_t consumed = 0;
        int rc = resp_parse_request(&fl->parser, fl->buf + fl->pos,
                                    fl->len - fl->pos, &consumed);
        if (rc == RESP_PARSE_MORE) {
            want = resp_parser_bytes_wanted(&fl->parser);
            if (want == 0)
                want = 1;
            continue;
        }
        if (rc != RESP_PARSE_DONE) {
            long long bad = grammar_break(fl->buf + fl->pos, fl->len - fl->pos);
            log_bad_format(fl, bad >= 0 ? at + bad : at,
                           rc == RESP_PARSE_EMPTY ? "a command of no arguments"
                                                  : fl->parser.error);
            return FILE_FAILED;
        }
        if (run_command(fl, at) != 0)
            return FILE_FAILED;
        fl->pos += consumed;
        fl->valid_up_to = fl->base + (long long)fl->pos;
        if (++fl->commands % LOAD_CLOCK_EVERY == 0)
            report_progress(fl);
    }
}

/* The RDB part at the start of the file.  Returns 0 with the file
 * positioned after it, or -1 (logged). */
static int load_rdb_part(struct file_load *fl)
{
    char err[RDB_ERR_LEN];
    uint64_t consumed = 0;

    log_msg(LL_NOTICE, fl->old_style
                           ? "Reading RDB preamble from AOF file..."
                           : "Reading RDB base file on AOF loading...");
    /* Expired keys are kept, as Redis keeps those of an AOF preamble: a
     * command after the base may act on one (an APPEND made before its
     * deadline); dropped here, it would recreate the key without a TTL. */
    rdb_set_load_keep_expired(1);
    int rc = rdb_load_fp(fl->fp, (uint64_t)fl->size, err, &consumed);
    rdb_set_load_keep_expired(0);
    const struct rdb_load_stats *st = rdb_last_load_stats();
    snapshot_log_rdb_origin(st);
    if (rc != 0) {
        log_msg(LL_WARNING, "%s", err);
        log_msg(LL_WARNING,
                fl->old_style ? "Error reading the RDB preamble of the AOF "
                                "file %s, AOF loading aborted"
                              : "Error reading the RDB base file %s, AOF "
                                "loading aborted",
                fl->name);
        return -1;
    }
    log_msg(LL_NOTICE,
            "Done loading RDB, keys loaded: %lld, keys expired: "
            "%lld.",
            st->keys_loaded, st->keys_expired);
    if (fseeko(fl->fp, (off_t)consumed, SEEK_SET) != 0) {
        log_msg(LL_WARNING,
                "Unrecoverable error reading the append only file %s: %s",
                fl->name, strerror(errno));
        return -1;
    }
    fl->base = fl->valid_up_to = (long long)consumed;
    if (fl->old_style)
        log_msg(LL_NOTICE, "Reading the remaining AOF tail...");
    return 0;
}

/* Whether the file starts with an RDB signature; rewinds either way. */
static int starts_with_rdb(FILE *fp)
{
    char sig[5];
    int rdb = fread(sig, 1, sizeof(sig), fp) == sizeof(sig) &&
              memcmp(sig, "REDIS", 5) == 0;
    rewind(fp);
    return rdb;
}

static enum file_result load_file_body(struct file_load *fl)
{
    if (starts_with_rdb(fl->fp) && load_rdb_part(fl) != 0)
        return FILE_FAILED;
    return replay_commands(fl);
}

/* Replay one file of the AOF directory. */
static enum file_result load_file(const char *dir, const char *name, int last,
                                  struct load_progress *progress)
{
    struct file_load fl = {
        .name = name, .last = last, .multi_at = -1, .progress = progress};
    struct stat st;

    aof_path_join(fl.path, dir, name);
    fl.old_style = strcmp(name, server.aof_filename) == 0;
    fl.fp = fopen(fl.path, "rb");
    if (fl.fp == NULL || fstat(fileno(fl.fp), &st) != 0) {
        log_msg(LL_WARNING,
                "Fatal error: can't open the append log file %s for "
                "reading: %s",
                name, strerror(errno));
        if (fl.fp)
            fclose(fl.fp);
        return FILE_FAILED;
    }
    fl.size = (long long)st.st_size;
    if (fl.size == 0) {
        fclose(fl.fp);
        return FILE_EMPTY;
    }

    resp_parser_init(&fl.parser);
    /* proto-max-bulk-len is for clients, and may have been lowered since
     * the file was written: as Redis, the loader does not apply it (fill()
     * never allocates more than the file holds). */
    fl.parser.max_bulk_len = BSTR_MAX_LEN;
    fl.client = conn_create_fake();
    enum file_result rc = load_file_body(&fl);

    /* Freeing the client discards a transaction left open. */
    conn_free(fl.client);
    resp_parser_free(&fl.parser);
    xfree(fl.buf);
    fclose(fl.fp);
    progress->done_bytes += fl.size;
    return rc;
}

/* ---- the manifest and the old single file ----------------------------- */

static void aof_dir_path(char *out)
{
    aof_path_join(out, server.dir ? server.dir : ".", server.aof_dirname);
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Redis 7's upgrade of an AOF from before 7.0: dir/appendfilename becomes
 * the base of a manifest in the AOF directory.  The manifest is written
 * before the file moves; a crash between the two is seen at the next start
 * (a manifest naming only that base, which is not there yet) and the move
 * is done then.  Returns 0, or -1 (logged). */
static int upgrade_old_style(struct aof_manifest *m, const char *aofdir,
                             const char *manifest_path, const char *old_path)
{
    char err[AOF_MANIFEST_ERR_LEN], to[PATH_MAX];

    if (mkdir(aofdir, 0755) != 0 && errno != EEXIST) {
        log_msg(LL_WARNING, "Can't open or create append-only dir %s: %s",
                server.aof_dirname, strerror(errno));
        return -1;
    }
    if (m->base) {
        xfree(m->base->name);
        xfree(m->base);
    }
    m->base = xmalloc(sizeof(*m->base));
    *m->base =
        (struct aof_file){xstrdup(server.aof_filename), 1, AOF_FILE_BASE};
    m->base_seq = 1;
    if (aof_manifest_save(m, manifest_path, err) != 0) {
        log_msg(LL_WARNING, "%s", err);
        return -1;
    }
    aof_path_join(to, aofdir, server.aof_filename);
    if (rename(old_path, to) != 0) {
        log_msg(LL_WARNING,
                "Error trying to move the old AOF file %s into "
                "dir %s: %s",
                server.aof_filename, server.aof_dirname, strerror(errno));
        return -1;
    }
    log_msg(LL_NOTICE,
            "Successfully migrated an old-style AOF file (%s) into the AOF "
            "directory (%s).",
            server.aof_filename, server.aof_dirname);
    return 0;
}

/* Whether dir/appendfilename is an AOF from before 7.0 to upgrade: there is
 * no AOF directory, or no manifest, or an upgrade was cut short (the
 * manifest names only that base and the file has not moved yet). */
static int needs_upgrade(const struct aof_manifest *m, const char *aofdir,
                         const char *old_path)
{
    char moved[PATH_MAX];

    if (!is_file(old_path))
        return 0;
    if (!is_dir(aofdir) || (m->base == NULL && m->incr_count == 0))
        return 1;
    aof_path_join(moved, aofdir, server.aof_filename);
    return m->base != NULL && m->incr_count == 0 &&
           strcmp(m->base->name, server.aof_filename) == 0 && !is_file(moved);
}

/* Read the manifest into m, upgrading an old single file first.  Returns
 * 0, or -1 (logged). */
static int read_manifest(struct aof_manifest *m, const char *aofdir)
{
    char manifest_path[PATH_MAX], old_path[PATH_MAX];
    char err[AOF_MANIFEST_ERR_LEN];
    bstr name = bstr_catf(bstr_empty(0), "%s.manifest", server.aof_filename);

    aof_path_join(manifest_path, aofdir, name);
    bstr_free(name);
    if (aof_manifest_load(m, manifest_path, err) < 0) {
        log_msg(LL_WARNING, "*** FATAL AOF MANIFEST FILE ERROR ***");
        log_msg(LL_WARNING, "%s", err);
        return -1;
    }
    aof_path_join(old_path, server.dir ? server.dir : ".", server.aof_filename);
    if (needs_upgrade(m, aofdir, old_path))
        return upgrade_old_style(m, aofdir, manifest_path, old_path);
    return 0;
}

/* The base and incr files in loading order: how many, and the i-th. */
static int file_count(const struct aof_manifest *m)
{
    return m->incr_count + (m->base != NULL);
}

static const char *file_name(const struct aof_manifest *m, int i)
{
    if (m->base)
        return i == 0 ? m->base->name : m->incr[i - 1].name;
    return m->incr[i].name;
}

/* The sum of the sizes of the base and incr files.  Returns it, or -1
 * (logged) when one of them is missing. */
static long long total_size(const struct aof_manifest *m, const char *aofdir)
{
    long long total = 0;

    for (int i = 0; i < file_count(m); i++) {
        const char *name = file_name(m, i);
        char path[PATH_MAX];
        struct stat st;
        aof_path_join(path, aofdir, name);
        if (stat(path, &st) != 0) {
            log_msg(LL_WARNING,
                    "Unable to obtain the AOF file %s length. stat: %s", name,
                    strerror(errno));
            return -1;
        }
        total += (long long)st.st_size;
    }
    return total;
}

/* ---- statistics ------------------------------------------------------- */

/* What a replay must not change: the command statistics. */
struct saved_stats {
    struct cmd **cmds;
    long long (*vals)[4];
    int count;
    long long stat_commands;
};

static void stats_add(struct saved_stats *s, struct cmd *c, int *cap)
{
    if (s->count == *cap) {
        *cap = *cap ? *cap * 2 : 256;
        s->cmds = xrealloc(s->cmds, sizeof(*s->cmds) * (size_t)*cap);
        s->vals = xrealloc(s->vals, sizeof(*s->vals) * (size_t)*cap);
    }
    s->cmds[s->count] = c;
    s->vals[s->count][0] = c->calls;
    s->vals[s->count][1] = c->usec;
    s->vals[s->count][2] = c->rejected_calls;
    s->vals[s->count][3] = c->failed_calls;
    s->count++;
}

static void stats_save(struct saved_stats *s)
{
    int cap = 0;

    memset(s, 0, sizeof(*s));
    for (int i = 0; i < cmd_count(); i++) {
        struct cmd *c = cmd_at(i);
        stats_add(s, c, &cap);
        for (struct cmd *sub = c->subcmds; sub && sub->name; sub++)
            stats_add(s, sub, &cap);
    }
    s->stat_commands = server.stat_commands;
}

static void stats_restore(struct saved_stats *s)
{
    for (int i = 0; i < s->count; i++) {
        struct cmd *c = s->cmds[i];
        c->calls = s->vals[i][0];
        c->usec = s->vals[i][1];
        c->rejected_calls = s->vals[i][2];
        c->failed_calls = s->vals[i][3];
    }
    server.stat_commands = s->stat_commands;
    xfree(s->cmds);
    xfree(s->vals);
}

/* ---- the whole load --------------------------------------------------- */

/* Replay the base and the incr files in order. */
static enum aof_load_result load_files(const struct aof_manifest *m,
                                       const char *aofdir,
                                       struct load_progress *progress)
{
    int n = file_count(m);

    for (int i = 0; i < n; i++) {
        int is_base = m->base && i == 0;
        const char *name = file_name(m, i);
        long long start = util_ustime();
        enum file_result rc = load_file(aofdir, name, i == n - 1, progress);

        if (rc == FILE_FAILED)
            return AOF_LOAD_FAILED;
        if (rc != FILE_EMPTY)
            log_msg(LL_NOTICE, "DB loaded from %s file %s: %.3f seconds",
                    is_base ? "base" : "incr", name,
                    (double)(util_ustime() - start) / 1e6);
    }
    return AOF_LOAD_OK;
}

enum aof_load_result aof_load(struct aof_manifest *m)
{
    char aofdir[PATH_MAX];

    aof_dir_path(aofdir);
    if (read_manifest(m, aofdir) != 0)
        return AOF_LOAD_FAILED;
    if (m->base == NULL && m->incr_count == 0)
        return AOF_LOAD_NOT_EXIST;

    long long total = total_size(m, aofdir);
    if (total < 0)
        return AOF_LOAD_FAILED;
    if (total == 0)
        return AOF_LOAD_EMPTY;

    struct load_progress progress = {.total_bytes = total,
                                     .start_us = util_monotonic_us()};
    progress.last_report_us = progress.start_us;
    struct saved_stats stats;
    stats_save(&stats);
    server.loading = 1;
    enum aof_load_result rc = load_files(m, aofdir, &progress);
    server.loading = 0;
    stats_restore(&stats);
    /* Keys whose TTL passed stay, expired, for the expiry cycle of the
     * running server, as in Redis: it logs their DEL.  Deleted here,
     * unlogged, they would come back at the next start under a later
     * write to the same name (APPEND, RPUSH) and vanish with it. */
    return rc;
}
