/* config_cmds.c -- CONFIG GET, SET, RESETSTAT and HELP over the directive
 * table of config.c.
 *
 * CONFIG SET is atomic over its pairs: every name is checked first, the old
 * values are kept as text, the new ones are set, and only then do the side
 * effects (apply hooks) run.  Any failure sets the old texts back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "config_table.h"
#include "conn.h"
#include "info.h"
#include "log.h"
#include "reply.h"
#include "server.h"
#include "util.h"

/* ------------------------------------------------------------------------
 * CONFIG GET */

struct config_match {
    const struct config_def *def;
    const char *key; /* the name as the reply gives it */
    size_t key_len;
};

static int config_has_glob(const char *p, size_t n)
{
    return memchr(p, '*', n) || memchr(p, '?', n) || memchr(p, '[', n);
}

/* Add the directives pattern names to m[0..n), once each, and return the
 * new count.  A name without glob characters is looked up and answered
 * with the client's spelling, as Redis does; a pattern answers with the
 * table's names, in table order. */
static int config_get_add(const struct resp_arg *pattern,
                          struct config_match *m, int n, char *seen)
{
    const char *p = pattern->ptr;
    size_t len = pattern->len;

    if (!config_has_glob(p, len)) {
        const struct config_def *d = config_find(p, len);
        if (d && !seen[d - config_defs]) {
            seen[d - config_defs] = 1;
            m[n++] = (struct config_match){d, p, len};
        }
        return n;
    }
    for (int i = 0; i < config_ndefs; i++) {
        const char *name = config_defs[i].name;
        if (seen[i] || !util_glob_match(p, len, name, strlen(name), 1))
            continue;
        seen[i] = 1;
        m[n++] = (struct config_match){&config_defs[i], name, strlen(name)};
    }
    return n;
}

/* CONFIG GET parameter [parameter ...] */
static void config_get_command(struct conn *c)
{
    struct config_match *m = xmalloc(sizeof(*m) * (size_t)config_ndefs);
    char *seen = xcalloc((size_t)config_ndefs, 1);
    int n = 0;

    for (int i = 2; i < c->argc; i++)
        n = config_get_add(&c->argv[i], m, n, seen);
    reply_map(c, n);
    for (int i = 0; i < n; i++) {
        bstr v = config_format(m[i].def);
        reply_bulk(c, m[i].key, m[i].key_len);
        reply_bulk(c, v, bstr_len(v));
        bstr_free(v);
    }
    xfree(m);
    xfree(seen);
}

/* ------------------------------------------------------------------------
 * CONFIG SET */

struct config_change {
    const struct config_def *def;
    const struct resp_arg *name; /* as the client typed it */
    char *value;                 /* NUL-terminated copy */
    bstr old;                    /* the value before, to restore */
    int changed;
};

/* enable-protected-configs: "local" allows loopback and unix clients. */
static int config_protected_allowed(const struct conn *c)
{
    if (config_protected == PROTECTED_YES)
        return 1;
    if (config_protected != PROTECTED_LOCAL)
        return 0;
    return (c->flags & CONN_UNIX_SOCKET) || strncmp(c->addr, "127.", 4) == 0 ||
           strncmp(c->addr, "::1:", 4) == 0 ||
           strncmp(c->addr, "[::1]:", 6) == 0;
}

/* Why directive d, named at position i, may not be set; NULL if it may. */
static const char *config_refusal(struct conn *c,
                                  const struct config_change *ch, int i,
                                  const struct config_def *d)
{
    if (d->flags & CF_IMMUTABLE)
        return "can't set immutable config";
    if ((d->flags & CF_PROTECTED) && !config_protected_allowed(c))
        return "can't set protected config";
    for (int j = 0; j < i; j++)
        if (ch[j].def == d)
            return "duplicate parameter";
    return NULL;
}

/* Resolve and check every name before anything changes.  The first bad
 * name wins, as in Redis.  Returns 0, or -1 after replying the error. */
static int config_set_check(struct conn *c, struct config_change *ch, int n)
{
    for (int i = 0; i < n; i++) {
        const struct resp_arg *name = &c->argv[2 + 2 * i];
        const struct resp_arg *value = &c->argv[3 + 2 * i];
        const struct config_def *d = config_find(name->ptr, name->len);
        if (d == NULL) {
            reply_errorf(c,
                         "ERR Unknown option or number of arguments for "
                         "CONFIG SET - '%.*s'",
                         (int)name->len, name->ptr);
            return -1;
        }
        const char *why = config_refusal(c, ch, i, d);
        if (why) {
            reply_errorf(c,
                         "ERR CONFIG SET failed (possibly related to "
                         "argument '%.*s') - %s",
                         (int)name->len, name->ptr, why);
            return -1;
        }
        ch[i] = (struct config_change){
            d, name, config_strndup(value->ptr, value->len), NULL, 0};
    }
    return 0;
}

/* Set the first n changes back to the values they had. */
static void config_restore(struct config_change *ch, int n)
{
    for (int i = 0; i < n; i++) {
        const char *ignored;
        if (ch[i].old)
            config_set_text(ch[i].def, ch[i].old, &ignored);
    }
}

static void config_set_error(struct conn *c, const char *name, const char *why)
{
    if (why)
        reply_errorf(c,
                     "ERR CONFIG SET failed (possibly related to argument "
                     "'%s') - %s",
                     name, why);
    else
        reply_errorf(c,
                     "ERR CONFIG SET failed (possibly related to argument "
                     "'%s')",
                     name);
}

/* Set every value, keeping the old ones.  Returns the index of the change
 * that failed (all restored, *why set), or -1. */
static int config_set_values(struct config_change *ch, int n, const char **why)
{
    for (int i = 0; i < n; i++)
        ch[i].old = config_format(ch[i].def);
    for (int i = 0; i < n; i++) {
        int rc = config_set_text(ch[i].def, ch[i].value, why);
        if (rc == SET_FAILED) {
            config_restore(ch, i);
            return i;
        }
        ch[i].changed = rc == SET_CHANGED;
    }
    return -1;
}

/* Whether an earlier changed directive shares ch[i]'s apply hook (port and
 * bind do): each hook runs once. */
static int config_apply_seen(const struct config_change *ch, int i)
{
    for (int j = 0; j < i; j++)
        if (ch[j].changed && ch[j].def->apply == ch[i].def->apply)
            return 1;
    return 0;
}

/* Run the apply hooks of the changed directives.  On a failure the old
 * values are set back and the hooks that ran, the failed one included, run
 * again so their effects follow; returns the index of the change whose hook
 * failed, or -1. */
static int config_apply_all(struct config_change *ch, int n, const char **why)
{
    for (int i = 0; i < n; i++) {
        if (!ch[i].changed || !ch[i].def->apply || config_apply_seen(ch, i))
            continue;
        if (ch[i].def->apply(why) == 0)
            continue;
        log_msg(LL_WARNING,
                "CONFIG SET: applying the new %s failed, the previous "
                "configuration is restored",
                ch[i].def->name);
        config_restore(ch, n);
        /* The failed hook runs again too: it may have undone part of the
         * old state (the listeners close before the new ones open). */
        for (int j = 0; j <= i; j++) {
            const char *ignored;
            if (ch[j].changed && ch[j].def->apply && !config_apply_seen(ch, j))
                ch[j].def->apply(&ignored);
        }
        return i;
    }
    return -1;
}

/* CONFIG SET parameter value [parameter value ...] */
static void config_set_command(struct conn *c)
{
    if (c->argc % 2 != 0) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    int n = (c->argc - 2) / 2, bad;
    struct config_change *ch = xcalloc((size_t)n, sizeof(*ch));
    const char *why = NULL;
    char msg[CONFIG_MSG_LEN];

    if (config_set_check(c, ch, n) == 0) {
        bad = config_set_values(ch, n, &why);
        if (bad < 0)
            bad = config_apply_all(ch, n, &why);
        if (why) /* copied: restoring may reuse a setter's buffer */
            snprintf(msg, sizeof(msg), "%s", why);
        if (bad < 0)
            reply_ok(c);
        else
            config_set_error(c, ch[bad].def->name, why ? msg : NULL);
    }
    for (int i = 0; i < n; i++) {
        xfree(ch[i].value);
        if (ch[i].old)
            bstr_free(ch[i].old);
    }
    xfree(ch);
}

/* ------------------------------------------------------------------------
 * CONFIG RESETSTAT, CONFIG HELP */

static void config_reset_cmd_stats(struct cmd *cmd)
{
    cmd->calls = cmd->usec = cmd->rejected_calls = cmd->failed_calls = 0;
    if (cmd->subcmds == NULL)
        return;
    for (struct cmd *sub = cmd->subcmds; sub->name; sub++)
        config_reset_cmd_stats(sub);
}

/* The counters INFO stats shows; peak memory is kept, as in Redis. */
static void config_reset_server_stats(void)
{
    server.stat_connections = 0;
    server.stat_commands = 0;
    server.stat_rejected_conn = 0;
    server.stat_expired_keys = 0;
    server.stat_expire_cycle_us = 0;
    server.stat_keyspace_hits = 0;
    server.stat_keyspace_misses = 0;
    server.stat_net_input_bytes = 0;
    server.stat_net_output_bytes = 0;
    server.stat_total_reads = 0;
    server.stat_total_writes = 0;
    server.stat_total_error_replies = 0;
    server.stat_unexpected_error_replies = 0;
    server.stat_client_qbuf_limit_disconnections = 0;
    server.stat_reset_ms = util_mstime();
}

/* CONFIG RESETSTAT */
static void config_resetstat_command(struct conn *c)
{
    config_reset_server_stats();
    info_reset_stats();
    for (int i = 0; i < cmd_count(); i++)
        config_reset_cmd_stats(cmd_at(i));
    reply_ok(c);
}

/* CONFIG HELP */
static void config_help_command(struct conn *c)
{
    static const char *lines[] = {
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their "
        "values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        NULL};

    reply_help(c, "CONFIG", lines);
}

#define CONFIG_ADMIN_FLAGS (CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)

static struct cmd config_subcommands[] = {
    {.name = "get",
     .proc = config_get_command,
     .arity = -3,
     .flags = CONFIG_ADMIN_FLAGS,
     .acl_categories = "@admin @slow @dangerous",
     .group = "server",
     .since = "2.0.0",
     .summary = "Get the values of configuration parameters",
     .complexity =
         "O(N) when N is the number of configuration parameters provided"},
    {.name = "set",
     .proc = config_set_command,
     .arity = -4,
     .flags = CONFIG_ADMIN_FLAGS,
     .acl_categories = "@admin @slow @dangerous",
     .group = "server",
     .since = "2.0.0",
     .summary = "Set configuration parameters to the given values",
     .complexity =
         "O(N) when N is the number of configuration parameters provided"},
    {.name = "resetstat",
     .proc = config_resetstat_command,
     .arity = 2,
     .flags = CONFIG_ADMIN_FLAGS,
     .acl_categories = "@admin @slow @dangerous",
     .group = "server",
     .since = "2.0.0",
     .summary = "Reset the stats returned by INFO",
     .complexity = "O(1)"},
    {.name = "help",
     .proc = config_help_command,
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE,
     .acl_categories = "@slow",
     .group = "server",
     .since = "5.0.0",
     .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
    {0}};

struct cmd config_commands[] = {
    {.name = "config",
     .proc = NULL,
     .arity = -2,
     .acl_categories = "@slow",
     .group = "server",
     .since = "2.0.0",
     .summary = "A container for server configuration commands",
     .complexity = "Depends on subcommand.",
     .subcmds = config_subcommands},
    {0}};
