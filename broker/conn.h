/* conn.h -- client connections.
 *
 * Life of a request: the socket becomes readable; conn_read() reads once
 * into the query buffer (sized by what the parser still needs, never by a
 * length the client merely declared); every complete request in the buffer
 * is parsed in place and executed by cmd_dispatch(), whose replies are
 * appended to the client's reply buffer.  Before the loop waits again,
 * conn_flush_all() writes each client's replies with one write() call; only
 * what the socket did not take is left for a writable event.
 *
 * Back-pressure: when a client's unsent replies pass CONN_REPLY_PAUSE
 * bytes, its remaining requests wait and its socket is not read until the
 * replies drain, so a client that never reads costs bounded memory.
 *
 * A connection that must go away while a command still uses it (QUIT,
 * CLIENT KILL of itself, a protocol error) is flagged and freed after its
 * last reply is flushed. */
#ifndef CONN_H
#define CONN_H

#include <stddef.h>
#include <stdint.h>

#include "../resp/resp_parse.h"
#include "../resp/resp_write.h"
#include "blocked.h"
#include "bstr.h"
#include "multi.h"
#include "net.h"
#include "outq.h"

#define CONN_IOBUF_LEN       (16 * 1024)        /* a normal read */
#define CONN_REPLY_PAUSE     (4 * 1024 * 1024)  /* stop reading above this */
#define CONN_REPLY_RESUME    (1024 * 1024)      /* read again below this */
#define CONN_MAX_IOV         64                 /* segments per writev() */
#define CONN_MAX_ACCEPTS     1000               /* accept() calls per wake-up */
#define CONN_QBUF_KEEP       (64 * 1024)        /* larger empty buffers go */
#define CONN_REPLY_KEEP_MAX  (16 * 1024 * 1024) /* freed after a write */
#define CONN_ARGV_KEEP       1024               /* parser argv kept up to */
#define CONN_IDLE_RELEASE_MS 2000               /* idle clients drop buffers */

/* Flags. */
#define CONN_CLOSE_AFTER_REPLY (1 << 0) /* QUIT, protocol error */
#define CONN_CLOSE_ASAP        (1 << 1) /* killed: drop without flushing */
#define CONN_AUTHENTICATED     (1 << 2)
#define CONN_MONITOR           (1 << 3)
#define CONN_UNIX_SOCKET       (1 << 4)
#define CONN_PENDING_WRITE     (1 << 5) /* on the pending-writes list */
#define CONN_READ_PAUSED       (1 << 6) /* back-pressure */
#define CONN_NO_EVICT          (1 << 7)
#define CONN_NO_TOUCH          (1 << 8)
#define CONN_EXECUTING         (1 << 9)  /* inside conn_process_input() */
#define CONN_IN_EXEC           (1 << 10) /* running EXEC's queue */
#define CONN_MULTI             (1 << 11) /* between MULTI and EXEC */
#define CONN_DIRTY_CAS         (1 << 12) /* a watched key changed */
#define CONN_DIRTY_EXEC        (1 << 13) /* queueing failed: EXECABORT */
#define CONN_FAKE              (1 << 14) /* no socket: conn_create_fake() */

struct cmd;
struct ev_loop;

struct conn {
    int fd;
    uint64_t id;
    int flags;
    int proto; /* 2 or 3 */
    int db_id;
    struct db *db;

    char addr[NET_ADDR_LEN];  /* peer "ip:port" */
    char laddr[NET_ADDR_LEN]; /* local end */
    bstr name;                /* CLIENT SETNAME, or NULL */
    bstr lib_name, lib_ver;   /* CLIENT SETINFO */

    /* Query buffer: bytes [qpos, qlen) are not parsed yet. */
    char *qbuf;
    size_t qlen, qcap, qpos;
    size_t qbuf_peak;
    struct resp_parser parser;

    /* The request being executed. */
    int argc;
    struct resp_arg *argv;
    const struct cmd *cmd, *last_cmd;

    /* Output not yet written, in order: the segments of outq (shared
     * pub/sub messages, and replies queued before them), then
     * reply.data[sent, reply.len). */
    struct outq outq;
    struct resp_buf reply;
    size_t sent;
    long long obuf_soft_since; /* ms, when the soft limit was passed */
    int pubsub_subs;           /* channels + patterns + shard channels */

    long long ctime;            /* creation, ms */
    long long last_interaction; /* ms, for the idle timeout */
    long long reply_bytes_total;

    struct multi_state mstate;   /* MULTI queue and WATCHed keys */
    struct blocked_state bstate; /* what a blocked client waits for */

    /* Links in the server's client list and the pending-write list. */
    struct conn *prev, *next;
    struct conn *pending_prev, *pending_next;
};

/* Accept handlers for the listening sockets. */
void conn_accept_tcp(struct ev_loop *loop, int fd, void *data, int mask);
void conn_accept_unix(struct ev_loop *loop, int fd, void *data, int mask);

/* A client with no socket, for running commands read from a file (the AOF
 * loader), as Redis's fake client: authenticated, on database 0, not on
 * the client list (CLIENT LIST, INFO clients and the cron never see it),
 * never queued for writing.  Its replies stay in c->reply until
 * conn_discard_replies().  Free it with conn_free(). */
struct conn *conn_create_fake(void);
/* Drop every reply queued for c (a fake client, after each command). */
void conn_discard_replies(struct conn *c);

/* Free a client now (socket closed, unlinked).  Must not be called on the
 * client whose command is running: use conn_close_async(). */
void conn_free(struct conn *c);
/* Close after the current command, without flushing replies. */
void conn_close_async(struct conn *c);

/* Execute what c has in its query buffer (a client just unblocked). */
void conn_resume_input(struct conn *c);

/* Close c (asynchronously, with Redis's log line) if its pending output
 * passed its class's client-output-buffer-limit. */
void conn_check_output_limit(struct conn *c);

/* Queue c for writing before the loop sleeps. */
void conn_mark_pending(struct conn *c);
/* Write pending replies of every client, before the loop sleeps. */
void conn_flush_all(void);

/* Find a client by id, or NULL. */
struct conn *conn_by_id(uint64_t id);

/* Periodic work over all clients, from the cron: close those idle longer
 * than the timeout directive, give back oversized idle buffers. */
void conn_cron(long long now_ms);

/* Bytes of replies queued and not yet written. */
size_t conn_reply_pending(const struct conn *c);

/* Free every client (at shutdown). */
void conn_free_all(void);

/* Reset the connection state as RESET does (db 0, RESP2, name cleared,
 * monitor off, unauthenticated if a password is set). */
void conn_reset_state(struct conn *c);

#endif
