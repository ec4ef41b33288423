/* judge.h -- what bin/judge's three roles share: the configuration, the
 * broker's key and channel names, logging, and socket helpers.
 *
 * bin/judge api|worker|notify (main.c) fills a struct judge_config from
 * the command line and calls api_run(), worker_run() or notify_run().
 * The pipeline, the keys below and its guarantees are described in
 * docs/judge.md. */
#ifndef JUDGE_H
#define JUDGE_H

#include <stddef.h>

#include "../client.h"

/* Keys and channels in the broker. */
#define JUDGE_QUEUE        "submissions"  /* list of ids waiting */
#define JUDGE_CHANNEL      "problem_done" /* final records, JSON */
#define JUDGE_WORKERS      "workers"      /* hash: worker id -> last beat */
#define JUDGE_SUB_PREFIX   "submission:"  /* hash per submission */
#define JUDGE_PROC_PREFIX  "processing:"  /* list per worker: its jobs */
#define JUDGE_LEASE_PREFIX "lease:"       /* string per live worker */
#define JUDGE_USER_PREFIX  "user:"        /* user:<id>:submissions, ... */
#define JUDGE_USER_LIST    ":submissions" /* recent ids, newest first */
#define JUDGE_USER_COUNT   ":inflight"    /* submissions not yet DONE */

/* Limits on the names that go into keys. */
#define JUDGE_USER_MAX 64 /* userId: 1..64 of [A-Za-z0-9._@-] */
#define JUDGE_ID_MAX   64 /* submission and worker ids */
#define JUDGE_KEY_MAX  (JUDGE_ID_MAX + JUDGE_USER_MAX + 32)

/* Defaults. */
#define JUDGE_BROKER_PORT       6379
#define JUDGE_API_PORT          3000
#define JUDGE_NOTIFY_PORT       8080
#define JUDGE_CODE_MAX          (64 * 1024) /* bytes of source code */
#define JUDGE_MAX_ATTEMPTS      3           /* deliveries before IE */
#define JUDGE_LEASE_MS          5000
#define JUDGE_MAX_INFLIGHT      5     /* per user */
#define JUDGE_MAX_QUEUE         10000 /* ids waiting in JUDGE_QUEUE */
#define JUDGE_RECENT            20    /* ids kept per user, for notify */
#define JUDGE_MAX_CONNS         1024
#define JUDGE_BROKER_CONNECT_MS 500
#define JUDGE_BROKER_IO_MS      2000
/* The most --recent may be: each notify socket remembers this many final
 * records sent, so that a snapshot never repeats one (notify.c). */
#define JUDGE_RECENT_MAX 64
/* api: a request must arrive whole within this of its first byte (408);
 * notify: the WebSocket handshake, within this of connecting. */
#define JUDGE_REQUEST_TIMEOUT_MS 10000
/* api: an idle keep-alive connection is closed after this; notify: a
 * socket that has not identified by then is closed (1008). */
#define JUDGE_IDLE_TIMEOUT_MS 30000

struct judge_config {
    const char *role; /* "api", "worker", "notify" */
    char broker_host[256];
    int broker_port;
    const char *broker_password;
    char listen_host[256];
    int listen_port;
    const char *problems_dir;
    const char *worker_id; /* NULL: <hostname>-<pid> */
    const char *tmp_dir;   /* for the runner; NULL: $TMPDIR or /tmp */
    int lease_ms;
    int max_inflight;
    long max_queue;
    int recent;
    int max_conns;
    int request_timeout_ms; /* JUDGE_REQUEST_TIMEOUT_MS */
    int idle_timeout_ms;    /* JUDGE_IDLE_TIMEOUT_MS */
    int access_log;         /* api: one line per request */
};

/* Fill *cfg with the defaults for role (listen port by role). */
void judge_config_default(struct judge_config *cfg, const char *role);

/* Split "host:port" (or "[v6]:port", or ":port" for the default host)
 * into host[0..hostcap) and *port.  Returns 0, or -1 if malformed. */
int judge_parse_addr(const char *s, char *host, size_t hostcap, int *port);

/* Log one line to stdout in Redis's format, "pid:R date level message",
 * R being the role's first letter (A, W, N).  level: 0 debug, 1 verbose,
 * 2 notice, 3 warning. */
void judge_log_init(const char *role);
void judge_log(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Milliseconds of the wall clock (for records) and of a monotonic clock
 * (for timeouts). */
long long judge_time_ms(void);
long long judge_mono_ms(void);

/* A listening TCP socket on host:port (port 0: any free port), non-blocking
 * and close-on-exec; *bound gets the port it listens on.  Returns the
 * descriptor or -1 with "call: reason" in err. */
int judge_listen(const char *host, int port, int *bound, char *err,
                 size_t errlen);

/* Connect to the broker as cfg says (connect and I/O timeouts set).  The
 * result may carry an error (client_err()); NULL only when out of memory. */
struct client *judge_broker_connect(const struct judge_config *cfg);

/* Whether s[0..n) may be a userId (1..JUDGE_USER_MAX of [A-Za-z0-9._@-])
 * or an id (submission or worker, 1..JUDGE_ID_MAX-1 of [A-Za-z0-9._-]). */
int judge_valid_user(const char *s, size_t n);
int judge_valid_id(const char *s, size_t n);

/* A fresh submission id, "<ms since epoch>-<16 hex digits>", unique
 * across processes without asking the broker.  out holds JUDGE_ID_MAX. */
void judge_new_id(char out[JUDGE_ID_MAX]);

/* snprintf a key into out[JUDGE_KEY_MAX]: prefix + name + suffix. */
void judge_key(char out[JUDGE_KEY_MAX], const char *prefix, const char *name,
               const char *suffix);

/* 1 once SIGINT or SIGTERM has arrived (judge_catch_signals installs the
 * handlers, without SA_RESTART, and ignores SIGPIPE). */
void judge_catch_signals(void);
int judge_stopping(void);

/* The roles. Each returns the process exit status. */
int api_run(const struct judge_config *cfg);
int worker_run(const struct judge_config *cfg);
int notify_run(const struct judge_config *cfg);

/* "ip:port" of a peer address (IPv4 or IPv6) into out, for log lines;
 * "?:0" for another family. */
struct sockaddr_storage;
void judge_format_peer(const struct sockaddr_storage *ss, char *out,
                       size_t cap);

#endif
