/* server.h -- the server's global state: configuration, clients, stats.
 *
 * There is one server per process, reached through the global `server`.
 * Fields under "configuration" are set by config.c from the config file,
 * the command line and CONFIG SET; the rest is runtime state. */
#ifndef SERVER_H
#define SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RESPD_VERSION                                                          \
    "7.0.15" /* the Redis version whose behaviour we match                     \
              */
#define RESPD_NAME              "respd"
#define SERVER_HZ               10 /* cron runs per second */
#define SERVER_MAX_BIND         16
#define SERVER_CONFIG_FD_MARGIN 32  /* descriptors kept for listeners, logs */
#define SERVER_EV_MARGIN        128 /* event loop slots beyond maxclients */

struct ev_loop;
struct conn;

/* client-output-buffer-limit, per class of client. */
enum {
    CONN_CLASS_NORMAL = 0,
    CONN_CLASS_REPLICA,
    CONN_CLASS_PUBSUB,
    CONN_CLASS_COUNT
};

/* A `save <seconds> <changes>` rule: snapshot when at least `changes`
 * writes happened and `seconds` passed since the last save. */
struct save_param {
    long long seconds;
    long long changes;
};

/* appendfsync */
enum { AOF_FSYNC_NO = 0, AOF_FSYNC_ALWAYS = 1, AOF_FSYNC_EVERYSEC = 2 };

struct obuf_limit {
    long long hard_bytes; /* 0: none */
    long long soft_bytes; /* 0: none */
    long long soft_seconds;
};

struct server {
    /* Configuration. */
    int port;
    char *bind[SERVER_MAX_BIND];
    int bind_count;
    char *unixsocket;
    unsigned unixsocketperm;
    char *requirepass; /* NULL: no password */
    int maxclients;
    int databases;
    int timeout;       /* seconds idle before a client is closed; 0: never */
    int tcp_keepalive; /* seconds */
    int tcp_backlog;
    int verbosity; /* log level */
    char *logfile; /* "" for stdout */
    char *dir;
    int daemonize;
    char *pidfile;
    long long proto_max_bulk_len;
    long long client_query_buffer_limit;
    struct obuf_limit obuf_limits[CONN_CLASS_COUNT];
    int hz;
    int active_expire_enabled;           /* DEBUG SET-ACTIVE-EXPIRE */
    long long hash_max_listpack_entries; /* small hashes stay packed up */
    long long hash_max_listpack_value;   /* to this many pairs this big */
    int list_max_listpack_size;          /* > 0: entries per node; < 0: -1..-5
                                            for 4..64 KiB nodes, as Redis */
    int notify_keyspace_events;          /* NOTIFY_* classes (notify.h) */
    char *config_file; /* absolute path, NULL when started without one */

    /* Snapshots (snapshot.c, rdb.c). */
    struct save_param *save_params; /* the save rules, none: no automatic */
    int save_params_count;
    char *dbfilename;
    int rdb_compression;
    int rdb_checksum;
    int rdb_save_incremental_fsync;
    int stop_writes_on_bgsave_err;

    /* Append-only file (aof.c). */
    int aof_enabled;    /* the appendonly directive */
    char *aof_filename; /* appendfilename: the base of every file name */
    char *aof_dirname;  /* appenddirname, inside dir */
    int aof_fsync;      /* AOF_FSYNC_* */
    int aof_no_fsync_on_rewrite;
    int aof_rewrite_perc;
    long long aof_rewrite_min_size;
    int aof_load_truncated;
    int aof_use_rdb_preamble;
    int aof_rewrite_incremental_fsync;
    int aof_timestamp_enabled; /* accepted only as no */

    /* Runtime. */
    pid_t pid;
    struct ev_loop *loop;
    int listen_fds[SERVER_MAX_BIND];
    int listen_count;
    int unix_fd;
    struct conn *clients;        /* doubly linked list of all clients */
    struct conn *pending_writes; /* clients with replies to send */
    struct conn *current;        /* client whose command is running */
    int monitors;                /* clients in MONITOR mode */
    long long connected_clients;
    uint64_t next_client_id;
    long long start_ms;
    char run_id[41];
    long long dirty;    /* changes since the last save */
    long long lastsave; /* Unix time of the last save, seconds */
    int shutdown_asap;  /* set by SIGTERM/SIGINT */
    int sigint_count;
    long long cron_loops;
    long long cmd_time_ms; /* clock when the current command began */
    int loading;           /* replaying the AOF: no key expires (Redis) */

    /* Statistics (INFO stats). */
    long long stat_connections;
    long long stat_commands;
    long long stat_rejected_conn;
    long long stat_expired_keys;
    long long stat_expire_cycle_us;
    long long stat_keyspace_hits;
    long long stat_keyspace_misses;
    long long stat_net_input_bytes;
    long long stat_net_output_bytes;
    long long stat_total_reads;  /* read() calls on client sockets */
    long long stat_total_writes; /* write() calls on client sockets */
    long long stat_total_error_replies;
    long long stat_unexpected_error_replies;
    long long stat_client_qbuf_limit_disconnections;
    size_t stat_peak_memory;
    size_t stat_startup_memory; /* used memory when ready to serve */
    long long stat_reset_ms;    /* CONFIG RESETSTAT */
};

extern struct server server;

/* Apply the configuration defaults (before parsing any config). */
void server_init_config(void);

/* Close every client and listener, remove the pid file, exit. */
void server_shutdown(int exit_code);
/* Listen on the current port and bind addresses instead of the old ones
 * (CONFIG SET port/bind).  On failure nothing listens, the reason is in err
 * (NET_ERR_LEN bytes) and -1 is returned: call again with the old values. */
int server_rebind(char *err);

/* SHUTDOWN's options, as flags for server_prepare_shutdown(). */
#define SHUTDOWN_NOSAVE 1
#define SHUTDOWN_SAVE   2
#define SHUTDOWN_NOW    4
#define SHUTDOWN_FORCE  8

/* Prepare shutdown from a command or signal (flags: SHUTDOWN_*): stop a
 * running child, make the data durable (a final snapshot when save rules
 * exist or SAVE is given, unless NOSAVE; the AOF flushed and closed).
 * Returns 0 when the server may exit, or -1 if it must keep running (a
 * save failed without FORCE; logged). */
int server_prepare_shutdown(int flags);

#endif
