/* admin.c -- server commands: TIME LASTSAVE SHUTDOWN MONITOR DEBUG, and
 * the MONITOR feed (INFO is info.c's).
 *
 * DEBUG implements the subcommands tests need: SLEEP, SET-ACTIVE-EXPIRE,
 * PROTOCOL, LOG, ERROR, RELOAD and HELP.  Redis refuses DEBUG unless
 * enable-debug-command allows it; respd has no such setting yet and always
 * accepts it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bstr.h"
#include "cmd.h"
#include "admin.h"
#include "conn.h"
#include "db.h"
#include "log.h"
#include "outq.h"
#include "rdb.h"
#include "reply.h"
#include "server.h"
#include "snapshot.h"
#include "util.h"

/* SHUTDOWN's options are server.h's SHUTDOWN_* bits, and this one, which
 * is never passed on. */
#define SHUTDOWN_ABORT 16

/* --- TIME LASTSAVE ------------------------------------------------------ */

/* TIME */
static void time_command(struct conn *c)
{
    long long us = util_ustime();

    reply_array(c, 2);
    reply_bulk_ll(c, us / 1000000);
    reply_bulk_ll(c, us % 1000000);
}

/* LASTSAVE */
static void lastsave_command(struct conn *c)
{
    reply_int(c, server.lastsave);
}

/* --- SHUTDOWN ----------------------------------------------------------- */

static int shutdown_option(const struct resp_arg *a)
{
    if (util_eq_ci(a->ptr, a->len, "nosave"))
        return SHUTDOWN_NOSAVE;
    if (util_eq_ci(a->ptr, a->len, "save"))
        return SHUTDOWN_SAVE;
    if (util_eq_ci(a->ptr, a->len, "now"))
        return SHUTDOWN_NOW;
    if (util_eq_ci(a->ptr, a->len, "force"))
        return SHUTDOWN_FORCE;
    if (util_eq_ci(a->ptr, a->len, "abort"))
        return SHUTDOWN_ABORT;
    return -1;
}

/* Parse SHUTDOWN's options into *flags.  Returns 0, or -1 after replying a
 * syntax error: an unknown option, ABORT with any other, or both SAVE and
 * NOSAVE. */
static int shutdown_parse(struct conn *c, int *flags)
{
    *flags = 0;
    for (int i = 1; i < c->argc; i++) {
        int opt = shutdown_option(&c->argv[i]);

        if (opt < 0) {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
        *flags |= opt;
    }
    if (((*flags & SHUTDOWN_ABORT) && *flags != SHUTDOWN_ABORT) ||
        ((*flags & SHUTDOWN_SAVE) && (*flags & SHUTDOWN_NOSAVE))) {
        reply_error(c, ERR_SYNTAX);
        return -1;
    }
    return 0;
}

/* SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]
 *
 * A final snapshot is written when save rules exist or SAVE is given,
 * unless NOSAVE (server_prepare_shutdown).  If it fails the server keeps
 * running and says so, unless FORCE.  respd has no replicas to wait for,
 * so a shutdown is never left in progress (NOW changes nothing) and ABORT
 * always finds none.  On success the process exits and the client sees
 * the connection close, with no reply, as with Redis. */
static void shutdown_command(struct conn *c)
{
    int flags;

    if (shutdown_parse(c, &flags) != 0)
        return;
    if (flags & SHUTDOWN_ABORT) {
        reply_error(c, "ERR No shutdown in progress.");
        return;
    }
    if (server_prepare_shutdown(flags) != 0) {
        reply_error(c, "ERR Errors trying to SHUTDOWN. Check logs.");
        return;
    }
    server_shutdown(0);
}

/* --- MONITOR ------------------------------------------------------------ */

/* MONITOR.  Asked again by a client already monitoring, Redis answers
 * nothing at all, and so does respd. */
static void monitor_command(struct conn *c)
{
    /* Checked first, as Redis does. */
    if (c->flags & CONN_IN_EXEC) {
        reply_error(c, "ERR MONITOR isn't allowed for DENY BLOCKING client");
        return;
    }
    if (c->flags & CONN_MONITOR)
        return;
    c->flags |= CONN_MONITOR;
    server.monitors++;
    reply_ok(c);
}

/* Is argument i of HELLO a username or password?  Only options parsed
 * before the first bad one are hidden, as Redis hides them while parsing;
 * a bad protocol version hides nothing. */
static int hello_arg_secret(const struct conn *c, int i)
{
    long long ver;

    if (c->argc < 2 || util_str2ll(c->argv[1].ptr, c->argv[1].len, &ver) != 0 ||
        ver < 2 || ver > 3)
        return 0;
    for (int j = 2; j < c->argc; j++) {
        const struct resp_arg *a = &c->argv[j];
        int more = c->argc - 1 - j;

        if (util_eq_ci(a->ptr, a->len, "auth") && more >= 2) {
            if (i == j + 1 || i == j + 2)
                return 1;
            j += 2;
        } else if (util_eq_ci(a->ptr, a->len, "setname") && more >= 1) {
            j++;
        } else {
            break;
        }
    }
    return 0;
}

/* Passwords never reach MONITOR: AUTH's arguments (unless AUTH refused
 * them as a syntax error first) and HELLO's AUTH pair show as
 * "(redacted)". */
static int arg_secret(const struct conn *c, int i)
{
    const struct resp_arg *name = &c->argv[0];

    if (util_eq_ci(name->ptr, name->len, "auth"))
        return i >= 1 && c->argc <= 3;
    if (util_eq_ci(name->ptr, name->len, "hello"))
        return hello_arg_secret(c, i);
    return 0;
}

/* "+1701611111.123456 [0 127.0.0.1:5555] \"set\" \"k\"\r\n" */
/* A MONITOR line stays well inside a bstr's 4 GiB. */
#define MONITOR_LINE_MAX (BSTR_MAX_LEN / 2)

static bstr monitor_line(const struct conn *c)
{
    long long us = util_ustime();
    bstr line = bstr_empty(128);

    line = bstr_catf(line, "+%lld.%06lld [%d ", us / 1000000, us % 1000000,
                     c->db_id);
    if (c->flags & CONN_UNIX_SOCKET)
        line = bstr_catf(line, "unix:%s] ", server.unixsocket);
    else
        line = bstr_catf(line, "%s] ", c->addr);
    for (int i = 0; i < c->argc; i++) {
        if (i > 0)
            line = bstr_cat(line, " ", 1);
        size_t worst = c->argv[i].len * 4 + 2; /* every byte as \xHH */
        if (arg_secret(c, i))
            line = bstr_cat_cstr(line, "\"(redacted)\"");
        else if (worst > MONITOR_LINE_MAX - bstr_len(line))
            /* Quoted in full it could outgrow what a bstr holds. */
            line = bstr_catf(line, "\"(%zu bytes)\"", c->argv[i].len);
        else
            line = bstr_cat_repr(line, c->argv[i].ptr, c->argv[i].len);
    }
    return bstr_cat(line, "\r\n", 2);
}

void admin_feed_monitors(struct conn *c)
{
    bstr line;

    if (server.monitors == 0)
        return;
    line = monitor_line(c);
    /* One copy shared by every monitor's output queue. */
    struct shared_reply *shared = shared_reply_create(line, bstr_len(line));
    bstr_free(line);
    for (struct conn *m = server.clients; m; m = m->next)
        if (m->flags & CONN_MONITOR)
            reply_shared(m, shared);
    shared_reply_release(shared);
}

/* --- DEBUG -------------------------------------------------------------- */

/* A NUL-terminated copy of an argument, for strtod and atoi as Redis parses
 * DEBUG's numbers: loosely, garbage reads as 0. */
static void arg_cstr(const struct resp_arg *a, char *buf, size_t cap)
{
    size_t n = a->len < cap - 1 ? a->len : cap - 1;

    memcpy(buf, a->ptr, n);
    buf[n] = '\0';
}

/* DEBUG SLEEP seconds: the whole server stops, as in Redis. */
static void debug_sleep(struct conn *c)
{
    char buf[64];
    long long us;
    struct timespec ts;

    arg_cstr(&c->argv[2], buf, sizeof(buf));
    us = (long long)(strtod(buf, NULL) * 1000000);
    if (us > 0) {
        ts.tv_sec = us / 1000000;
        ts.tv_nsec = (us % 1000000) * 1000;
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
    reply_ok(c);
}

/* DEBUG SET-ACTIVE-EXPIRE 0|1 */
static void debug_set_active_expire(struct conn *c)
{
    char buf[32];

    arg_cstr(&c->argv[2], buf, sizeof(buf));
    server.active_expire_enabled = atoi(buf);
    reply_ok(c);
}

/* DEBUG LOG message */
static void debug_log(struct conn *c)
{
    log_msg(LL_WARNING, "DEBUG LOG: %.*s", (int)c->argv[2].len, c->argv[2].ptr);
    reply_ok(c);
}

/* DEBUG ERROR message: the message, as it is, as an error reply. */
static void debug_error(struct conn *c)
{
    reply_errorf(c, "%.*s", (int)c->argv[2].len, c->argv[2].ptr);
}

/* DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save the dump, empty the
 * databases and load the dump back, as Redis does, unless told otherwise.
 * NOFLUSH without MERGE fails on the first key that already exists (Redis
 * exits there); the keys loaded before it stay. */
static void debug_reload(struct conn *c)
{
    int merge = 0, flush = 1, save = 1;
    char err[RDB_ERR_LEN];

    for (int i = 2; i < c->argc; i++) {
        const struct resp_arg *a = &c->argv[i];
        if (util_eq_ci(a->ptr, a->len, "merge")) {
            merge = 1;
        } else if (util_eq_ci(a->ptr, a->len, "noflush")) {
            flush = 0;
        } else if (util_eq_ci(a->ptr, a->len, "nosave")) {
            save = 0;
        } else {
            reply_error(c, "ERR DEBUG RELOAD only supports the MERGE, "
                           "NOFLUSH and NOSAVE options.");
            return;
        }
    }
    if (save && snapshot_save() != 0) {
        reply_error(c, "ERR");
        return;
    }
    if (flush)
        db_flush(-1);
    rdb_set_load_replace(merge);
    int rc = snapshot_load_dump(err);
    rdb_set_load_replace(0);
    if (rc != 0) {
        log_msg(LL_WARNING, "%s", err);
        reply_error(c, "ERR Error trying to load the RDB dump");
        return;
    }
    log_msg(LL_WARNING, "DB reloaded by DEBUG RELOAD");
    reply_ok(c);
}

static void protocol_map(struct conn *c)
{
    reply_map(c, 3);
    for (int i = 0; i < 3; i++) {
        reply_int(c, i);
        reply_bool(c, i == 1);
    }
}

/* The RESP3 types reply.h has no writer for: attribute and big number. */
static void protocol_attrib(struct conn *c)
{
    static const char attr[] = "|1\r\n$14\r\nkey-popularity\r\n*2\r\n"
                               "$7\r\nkey:123\r\n:90\r\n";

    if (c->proto >= 3)
        reply_raw(c, attr, sizeof(attr) - 1);
    reply_bulk_cstr(c, "Some real reply following the attribute");
}

static void protocol_bignum(struct conn *c)
{
    static const char digits[] = "1234567999999999999999999999999999999";

    if (c->proto >= 3) {
        reply_raw(c, "(", 1);
        reply_raw(c, digits, sizeof(digits) - 1);
        reply_raw(c, "\r\n", 2);
    } else {
        reply_bulk_cstr(c, digits);
    }
}

static void protocol_push(struct conn *c)
{
    if (c->proto < 3) {
        reply_error(c, "ERR RESP2 is not supported by this command");
        return;
    }
    reply_push(c, 2);
    reply_bulk_cstr(c, "server-cpu-usage");
    reply_int(c, 42);
    reply_bulk_cstr(c, "Some real reply following the push reply");
}

static void protocol_sequence(struct conn *c, int set)
{
    if (set)
        reply_set(c, 3);
    else
        reply_array(c, 3);
    for (int i = 0; i < 3; i++)
        reply_int(c, i);
}

/* A switch over names: each type is one or two writer calls. */
static int protocol_simple(struct conn *c, const struct resp_arg *t)
{
    if (util_eq_ci(t->ptr, t->len, "string"))
        reply_bulk_cstr(c, "Hello World");
    else if (util_eq_ci(t->ptr, t->len, "integer"))
        reply_int(c, 12345);
    else if (util_eq_ci(t->ptr, t->len, "double"))
        reply_double(c, 3.141);
    else if (util_eq_ci(t->ptr, t->len, "null"))
        reply_null(c);
    else if (util_eq_ci(t->ptr, t->len, "verbatim"))
        reply_verbatim(c, "This is a verbatim\nstring", 25);
    else if (util_eq_ci(t->ptr, t->len, "true"))
        reply_bool(c, 1);
    else if (util_eq_ci(t->ptr, t->len, "false"))
        reply_bool(c, 0);
    else
        return -1;
    return 0;
}

/* DEBUG PROTOCOL type: a sample reply of each RESP type, for testing
 * clients. */
static void debug_protocol(struct conn *c)
{
    const struct resp_arg *t = &c->argv[2];

    if (protocol_simple(c, t) == 0)
        return;
    if (util_eq_ci(t->ptr, t->len, "array"))
        protocol_sequence(c, 0);
    else if (util_eq_ci(t->ptr, t->len, "set"))
        protocol_sequence(c, 1);
    else if (util_eq_ci(t->ptr, t->len, "map"))
        protocol_map(c);
    else if (util_eq_ci(t->ptr, t->len, "bignum"))
        protocol_bignum(c);
    else if (util_eq_ci(t->ptr, t->len, "attrib"))
        protocol_attrib(c);
    else if (util_eq_ci(t->ptr, t->len, "push"))
        protocol_push(c);
    else
        reply_error(c, "ERR Wrong protocol type name. Please use one of the "
                       "following: string|integer|double|bignum|null|array|"
                       "set|map|attrib|push|verbatim|true|false");
}

/* Redis's text for the subcommands respd implements. */
static const char *debug_help_lines[] = {
    "ERROR <string>",
    "    Return a Redis protocol error with <string> as message. Useful for "
    "clients",
    "    unit tests to simulate Redis errors.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: "
    "string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, "
    "verbatim,",
    "    true, false.",
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Valid <option> "
    "values:",
    "    * MERGE: conflicting keys will be loaded from RDB.",
    "    * NOFLUSH: the existing database will not be removed before load, "
    "but",
    "      conflicting keys will generate an exception and kill the server.",
    "    * NOSAVE: the database will be loaded from an existing RDB file.",
    "    Examples:",
    "    * DEBUG RELOAD: verify that the server is able to persist, flush and "
    "reload",
    "      the database.",
    "    * DEBUG RELOAD NOSAVE: replace the current database with the "
    "contents of an",
    "      existing RDB file.",
    "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing "
    "RDB",
    "      file to the database.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are "
    "not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables "
    "back the",
    "    default.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    NULL};

static void debug_help(struct conn *c)
{
    reply_help(c, "DEBUG", debug_help_lines);
}

struct debug_sub {
    const char *name;
    int argc; /* the whole request's: exactly n, or at least -n */
    void (*proc)(struct conn *c);
};

static const struct debug_sub debug_subs[] = {
    {"help", 2, debug_help},
    {"sleep", 3, debug_sleep},
    {"set-active-expire", 3, debug_set_active_expire},
    {"protocol", 3, debug_protocol},
    {"log", 3, debug_log},
    {"error", 3, debug_error},
    {"reload", -2, debug_reload},
    {NULL, 0, NULL}};

/* DEBUG subcommand [argument ...] */
static void debug_command(struct conn *c)
{
    const struct resp_arg *sub = &c->argv[1];

    for (const struct debug_sub *d = debug_subs; d->name; d++) {
        int argc_ok = d->argc < 0 ? c->argc >= -d->argc : c->argc == d->argc;
        if (argc_ok && util_eq_ci(sub->ptr, sub->len, d->name)) {
            d->proc(c);
            return;
        }
    }
    reply_errorf(c,
                 "ERR unknown subcommand or wrong number of arguments for "
                 "'%.*s'. Try DEBUG HELP.",
                 (int)(sub->len > 128 ? 128 : sub->len), sub->ptr);
}

/* --- the table ---------------------------------------------------------- */

#define ADMIN_ACL "@admin @slow @dangerous"

struct cmd admin_commands[] = {
    {.name = "time",
     .proc = time_command,
     .arity = 1,
     .flags = CMD_LOADING | CMD_STALE | CMD_FAST,
     .acl_categories = "@fast",
     .group = "server",
     .since = "2.6.0",
     .summary = "Return the current server time",
     .complexity = "O(1)"},
    {.name = "lastsave",
     .proc = lastsave_command,
     .arity = 1,
     .flags = CMD_LOADING | CMD_STALE | CMD_FAST,
     .acl_categories = "@admin @fast @dangerous",
     .group = "server",
     .since = "1.0.0",
     .summary = "Get the UNIX time stamp of the last successful save to disk",
     .complexity = "O(1)"},
    {.name = "shutdown",
     .proc = shutdown_command,
     .arity = -1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE |
              CMD_NO_MULTI | CMD_ALLOW_BUSY,
     .acl_categories = ADMIN_ACL,
     .group = "server",
     .since = "1.0.0",
     .summary = "Synchronously save the dataset to disk and then shut down "
                "the server",
     .complexity = "O(N) when saving, where N is the total number of keys "
                   "in all databases when saving data, otherwise O(1)"},
    {.name = "monitor",
     .proc = monitor_command,
     .arity = 1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl_categories = ADMIN_ACL,
     .group = "server",
     .since = "1.0.0",
     .summary = "Listen for all requests received by the server in real "
                "time",
     .complexity = NULL},
    {.name = "debug",
     .proc = debug_command,
     .arity = -2,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl_categories = ADMIN_ACL,
     .group = "server",
     .since = "1.0.0",
     .summary = "A container for debugging commands",
     .complexity = "Depends on subcommand."},
    {0}};
