/* cmd.c -- the command table and dispatch (see cmd.h). */
#include "cmd.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "admin.h"
#include "blocked.h"
#include "command.h"
#include "config.h"
#include "conn.h"
#include "conn_cmds.h"
#include "dict.h"
#include "info.h"
#include "keys.h"
#include "multi.h"
#include "prop.h"
#include "pubsub.h"
#include "reply.h"
#include "server.h"
#include "snapshot.h"
#include "t_hash.h"
#include "t_list.h"
#include "t_string.h"
#include "util.h"

#define CMD_NAME_MAX     64 /* longer names cannot be commands */
#define UNKNOWN_ARGS_MAX 128

/* Every module's fragment, in the order COMMAND lists them. */
static struct cmd *const fragments[] = {
    string_commands,      list_commands,   hash_commands,   keys_commands,
    multi_commands,       pubsub_commands, conn_commands,   admin_commands,
    persistence_commands, info_commands,   config_commands, command_commands,
};

static struct cmd **table; /* top-level commands */
static int table_len;
static struct dict *by_name;
static const struct dict_type by_name_type = {.owns_keys = 1, .free_val = NULL};

static void init_subcommands(struct cmd *parent)
{
    for (struct cmd *s = parent->subcmds; s && s->name; s++) {
        s->parent = parent;
        snprintf(s->fullname, sizeof(s->fullname), "%s|%s", parent->name,
                 s->name);
    }
}

/* Mark the top-level commands named in names[0..n) with flag. */
static void flag_commands(const char *const *names, size_t n, uint32_t flag)
{
    for (size_t i = 0; i < n; i++) {
        struct cmd *cmd = cmd_lookup(names[i], strlen(names[i]));
        if (cmd)
            cmd->flags |= flag;
    }
}

/* Redis 7.0's lists: what a RESP2 client may send while subscribed (its
 * connection carries pushed messages, so only commands whose replies
 * cannot be mistaken for one), and what runs at once inside MULTI instead
 * of being queued (it acts on the transaction itself). */
static void flag_special_commands(void)
{
    static const char *const subscribed_ok[] = {
        "ping",         "subscribe",    "ssubscribe",
        "unsubscribe",  "sunsubscribe", "psubscribe",
        "punsubscribe", "quit",         "reset"};
    static const char *const runs_in_multi[] = {"exec",  "discard", "multi",
                                                "watch", "quit",    "reset"};

    flag_commands(subscribed_ok, sizeof(subscribed_ok) / sizeof(char *),
                  CMD_SUBSCRIBED_OK);
    flag_commands(runs_in_multi, sizeof(runs_in_multi) / sizeof(char *),
                  CMD_RUNS_IN_MULTI);
}

void cmd_init(void)
{
    size_t nfrag = sizeof(fragments) / sizeof(fragments[0]);
    int count = 0;

    for (size_t f = 0; f < nfrag; f++)
        for (struct cmd *c = fragments[f]; c->name; c++)
            count++;
    table = xmalloc((size_t)count * sizeof(*table));
    by_name = dict_create(&by_name_type);

    for (size_t f = 0; f < nfrag; f++) {
        for (struct cmd *c = fragments[f]; c->name; c++) {
            snprintf(c->fullname, sizeof(c->fullname), "%s", c->name);
            init_subcommands(c);
            table[table_len++] = c;
            struct dict_entry *e =
                dict_add(by_name, bstr_new(c->name, strlen(c->name)));
            e->v.ptr = c;
        }
    }
    flag_special_commands();
}

int cmd_count(void)
{
    return table_len;
}

struct cmd *cmd_at(int i)
{
    return i >= 0 && i < table_len ? table[i] : NULL;
}

struct cmd *cmd_lookup(const char *name, size_t len)
{
    char lower[CMD_NAME_MAX];

    if (len >= sizeof(lower))
        return NULL;
    for (size_t i = 0; i < len; i++) {
        char ch = name[i];
        lower[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    }
    struct dict_entry *e = dict_find(by_name, lower, len);
    return e ? e->v.ptr : NULL;
}

static struct cmd *find_subcommand(struct cmd *parent, const char *name,
                                   size_t len)
{
    for (struct cmd *s = parent->subcmds; s->name; s++)
        if (strlen(s->name) == len && strncasecmp(s->name, name, len) == 0)
            return s;
    return NULL;
}

/* "ERR unknown command 'foo', with args beginning with: 'a' 'b' ", built as
 * Redis builds it: names and arguments are C strings there, so each stops
 * at a NUL byte, and the argument list stops growing past 128 bytes. */
static void reply_unknown_command(struct conn *c)
{
    char args[UNKNOWN_ARGS_MAX * 2 + 8];
    size_t used = 0;

    for (int i = 1; i < c->argc && used < UNKNOWN_ARGS_MAX; i++) {
        const struct resp_arg *a = &c->argv[i];
        size_t n = strnlen(a->ptr, a->len);
        if (n > UNKNOWN_ARGS_MAX - used)
            n = UNKNOWN_ARGS_MAX - used;
        used += (size_t)snprintf(args + used, sizeof(args) - used, "'%.*s' ",
                                 (int)n, a->ptr);
    }
    args[used] = '\0';
    size_t nlen = strnlen(c->argv[0].ptr, c->argv[0].len);
    if (nlen > 128)
        nlen = 128;
    reply_errorf(c, "ERR unknown command '%.*s', with args beginning with: %s",
                 (int)nlen, c->argv[0].ptr, args);
}

/* Refuse c's command with err, counted as a rejected call.  A refused
 * EXEC ends the transaction instead (multi_exec_refused). */
static void reject(struct conn *c, struct cmd *cmd, const char *err)
{
    cmd->rejected_calls++;
    if (cmd->parent == NULL && strcmp(cmd->name, "exec") == 0)
        multi_exec_refused(c, err);
    else
        reply_error(c, err);
}

/* While persistence is failing (snapshot_deny_write_error), Redis 7.0
 * refuses writes, an EXEC whose queue holds one, and PING (so that a
 * health check notices). */
static int denied_by_disk_error(const struct conn *c, const struct cmd *cmd)
{
    if (cmd->flags & CMD_WRITE)
        return 1;
    if (cmd->parent != NULL)
        return 0;
    if (strcmp(cmd->name, "ping") == 0)
        return 1;
    return strcmp(cmd->name, "exec") == 0 && (c->flags & CONN_MULTI) &&
           (multi_queued_flags(c) & CMD_WRITE);
}

/* Checks every command passes before running.  Returns 0 to run it, -1
 * when an error reply was sent instead. */
static int check_command(struct conn *c, struct cmd *top, struct cmd *cmd)
{
    if (cmd == NULL) {
        c->cmd = top;
        if (top == NULL)
            reply_unknown_command(c);
        else
            reply_subcommand_error(c);
        return -1;
    }
    c->cmd = cmd;
    if ((cmd->arity > 0 && c->argc != cmd->arity) || c->argc < -cmd->arity ||
        cmd->proc == NULL) {
        char err[128];
        snprintf(err, sizeof(err),
                 "ERR wrong number of arguments for '%s' command",
                 cmd->fullname);
        reject(c, cmd, err);
        return -1;
    }
    if (server.requirepass != NULL && !(c->flags & CONN_AUTHENTICATED) &&
        !(cmd->flags & CMD_NO_AUTH)) {
        reject(c, cmd, ERR_NOAUTH);
        return -1;
    }
    if ((c->flags & CONN_MULTI) && (cmd->flags & CMD_NO_MULTI)) {
        reject(c, cmd, "ERR Command not allowed inside a transaction");
        return -1;
    }
    const char *disk_err = snapshot_deny_write_error();
    if (disk_err != NULL && denied_by_disk_error(c, cmd)) {
        reject(c, cmd, disk_err);
        return -1;
    }
    if (c->pubsub_subs > 0 && c->proto == 2 &&
        !(cmd->flags & CMD_SUBSCRIBED_OK)) {
        char err[192];
        snprintf(err, sizeof(err),
                 "ERR Can't execute '%s': only (P|S)SUBSCRIBE / "
                 "(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this "
                 "context",
                 cmd->fullname);
        reject(c, cmd, err);
        return -1;
    }
    /* Redis treats a MONITOR connection like a replica's. */
    if ((c->flags & CONN_MONITOR) &&
        (cmd->flags & (CMD_READONLY | CMD_WRITE))) {
        reject(c, cmd, "ERR Replica can't interact with the keyspace");
        return -1;
    }
    return 0;
}

void cmd_call(struct conn *c, struct cmd *cmd)
{
    /* As in Redis, a call fails only through errors after the last nested
     * call (EXEC's queue) took its own: EXEC does not fail because a
     * command in it did.  CONFIG RESETSTAT lowers the counter: only a rise
     * is a failure. */
    static long long errors_seen;
    long long start = util_monotonic_us();
    long long outer_time = server.cmd_time_ms;
    long long dirty_before = server.dirty;
    /* Decided once, so that a call turning the AOF on or off (CONFIG SET
     * appendonly) is bracketed by both hooks or by neither. */
    int prop = prop_enabled();

    errors_seen = server.stat_total_error_replies;
    c->cmd = cmd;
    /* A transaction runs on one clock, set when EXEC starts. */
    if (outer_time == 0)
        server.cmd_time_ms = util_mstime();
    if (prop)
        prop_call_begin(c);
    cmd->proc(c);
    if (prop)
        prop_call_end(c, cmd, dirty_before);
    long long duration = util_monotonic_us() - start;
    server.cmd_time_ms = outer_time;

    cmd->calls++;
    cmd->usec += duration;
    if (server.stat_total_error_replies > errors_seen)
        cmd->failed_calls++;
    errors_seen = server.stat_total_error_replies;
    server.stat_commands++;
    c->last_cmd = cmd;

    if (server.monitors > 0 && !(cmd->flags & (CMD_SKIP_MONITOR | CMD_ADMIN)))
        admin_feed_monitors(c);
}

void cmd_dispatch(struct conn *c)
{
    struct cmd *top = cmd_lookup(c->argv[0].ptr, c->argv[0].len);
    struct cmd *cmd = top;

    if (top && top->subcmds && c->argc >= 2)
        cmd = find_subcommand(top, c->argv[1].ptr, c->argv[1].len);
    if (check_command(c, top, cmd) != 0) {
        multi_flag_error(c);
        return;
    }
    if ((c->flags & CONN_MULTI) && !(cmd->flags & CMD_RUNS_IN_MULTI)) {
        multi_queue(c);
        return;
    }

    cmd_call(c, cmd);
    /* Waiters are served once the command (or the whole EXEC) is done, so
     * they see its complete effect, as in Redis. */
    blocked_serve_ready_keys();
    /* The command's entries and the pops of the waiters it served go to
     * the AOF together. */
    prop_flush();
}
