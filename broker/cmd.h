/* cmd.h -- the command table and dispatch.
 *
 * Each command has a handler that finds its arguments in c->argv and
 * replies through reply.h.  cmd_dispatch() does what every command shares:
 * lookup (case-insensitive), subcommand lookup for containers such as
 * CLIENT, arity, authentication, then the call and its statistics. */
#ifndef CMD_H
#define CMD_H

#include <stddef.h>
#include <stdint.h>

struct conn;

typedef void cmd_proc(struct conn *c);

/* Flags, named as COMMAND INFO reports them. */
#define CMD_WRITE        (1 << 0)
#define CMD_READONLY     (1 << 1)
#define CMD_DENYOOM      (1 << 2)
#define CMD_ADMIN        (1 << 3)
#define CMD_PUBSUB       (1 << 4)
#define CMD_NOSCRIPT     (1 << 5)
#define CMD_BLOCKING     (1 << 6)
#define CMD_LOADING      (1 << 7)
#define CMD_STALE        (1 << 8)
#define CMD_FAST         (1 << 9)
#define CMD_NO_AUTH      (1 << 10)
#define CMD_SKIP_MONITOR (1 << 11)
#define CMD_NO_MULTI     (1 << 12)
#define CMD_ALLOW_BUSY   (1 << 13)
/* respd's own, set by cmd_init from Redis's lists; COMMAND shows neither. */
#define CMD_SUBSCRIBED_OK (1 << 24) /* allowed to a subscribed RESP2 client */
#define CMD_RUNS_IN_MULTI (1 << 25) /* runs inside MULTI, never queued */

struct cmd {
    const char *name; /* lower case; "setname" for CLIENT SETNAME */
    cmd_proc *proc;   /* NULL for a container of subcommands */
    int arity;        /* n: exactly n args; -n: at least n */
    uint32_t flags;
    const char *acl_categories; /* "@write @string @slow", for COMMAND */
    int first_key, last_key, key_step;
    const char *group; /* "string", "generic", "connection", "server" */
    const char *since; /* Redis version that introduced it */
    const char *summary;
    const char *complexity;
    struct cmd *subcmds; /* terminated by an entry with a NULL name */

    /* Filled at start-up. */
    struct cmd *parent;
    char fullname[48]; /* "client|setname" */
    long long calls, usec, rejected_calls, failed_calls;
};

/* Build lookup structures; call once before serving. */
void cmd_init(void);

/* Find a top-level command by name, case-insensitively. */
struct cmd *cmd_lookup(const char *name, size_t len);

/* Execute the request in c->argv.  Always produces exactly one reply (or
 * none for QUIT-like commands that close). */
void cmd_dispatch(struct conn *c);

/* Run an already checked command with c->argv: the call, its statistics
 * and the MONITOR feed (EXEC runs its queue through this). */
void cmd_call(struct conn *c, struct cmd *cmd);

/* Number of top-level commands, and iteration for COMMAND and INFO
 * commandstats. */
int cmd_count(void);
struct cmd *cmd_at(int i);

#endif
