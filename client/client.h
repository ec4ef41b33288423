/* client.h -- a small blocking client for respd and Redis.
 *
 * One struct client is one connection (TCP or unix socket).  Commands go
 * out as argument vectors, binary-safe, in RESP; replies come back as
 * trees of struct resp_reply (resp/resp_read.h), which the caller frees
 * with resp_reply_free().
 *
 * Errors are sticky: the first failure (I/O, timeout, protocol) records a
 * code and a short message in the connection, and every later call returns
 * at once with that error until client_reconnect() succeeds.  An error
 * *reply* from the server ("-ERR ...") is not a connection error: it is a
 * reply of type RESP_ERROR.  The library never logs, never exits and
 * never raises signals (SIGPIPE is avoided with MSG_NOSIGNAL).
 *
 * Pipelining: client_append() queues commands in the output buffer,
 * client_read_reply() flushes it and reads the replies one by one, in
 * order.  client_command() is append + read of one reply.
 *
 * Subscriber mode: after SUBSCRIBE/PSUBSCRIBE, client_read_reply() yields
 * each pushed message (an array "message", channel, payload) in turn; a
 * read timeout (io_timeout_ms, or client_set_timeout) returns NULL with
 * CLIENT_ERR_TIMEOUT, which for a subscriber is not sticky: waiting again
 * is allowed. */
#ifndef CLIENT_H
#define CLIENT_H

#include <stddef.h>

#include "../resp/resp_read.h"

#define CLIENT_ERRSTR_LEN 128

enum client_error {
    CLIENT_OK = 0,
    CLIENT_ERR_IO,       /* connect, read or write failed (errno text) */
    CLIENT_ERR_EOF,      /* the server closed the connection */
    CLIENT_ERR_PROTOCOL, /* the server sent bytes that are not RESP */
    CLIENT_ERR_TIMEOUT,  /* connect or I/O timeout */
    CLIENT_ERR_AUTH,     /* AUTH or SELECT on connect was refused */
    CLIENT_ERR_OTHER     /* bad arguments, out of memory */
};

struct client_opts {
    const char *host;       /* "127.0.0.1" when NULL */
    int port;               /* 6379 when 0 */
    const char *unix_path;  /* when set, used instead of host and port */
    int connect_timeout_ms; /* 0: no limit */
    int io_timeout_ms;      /* per read/write wait; 0: no limit */
    const char *user;       /* AUTH user password, when both set */
    const char *password;   /* AUTH password (with user, if any) */
    int db;                 /* SELECT db after connecting, when > 0 */
};

struct client;

/* Connect (and AUTH, SELECT) as o says; o is copied.  Returns a client
 * even on failure (check client_err()), NULL only when out of memory. */
struct client *client_connect(const struct client_opts *o);
void client_free(struct client *c);

/* Drop the connection and connect again with the same options, clearing
 * a sticky error.  Returns 0 or -1 (error recorded). */
int client_reconnect(struct client *c);
/* Try client_reconnect() up to attempts times (0: forever), sleeping
 * base_ms, doubling each time up to max_ms, between tries. */
int client_reconnect_backoff(struct client *c, int attempts, int base_ms,
                             int max_ms);

/* The sticky error: a code (CLIENT_OK when none) and a message. */
int client_err(const struct client *c);
const char *client_errstr(const struct client *c);

/* Change the I/O timeout (ms, 0: none) for the following calls; blocking
 * commands set it to their own timeout plus a margin. */
void client_set_timeout(struct client *c, int io_timeout_ms);

/* Queue one command: argc arguments, argv[i] of argvlen[i] bytes (argvlen
 * NULL: NUL-terminated strings).  Returns 0 or -1. */
int client_append_argv(struct client *c, int argc, const char *const *argv,
                       const size_t *argvlen);
/* Queue one command given as NUL-terminated strings, ending with NULL:
 * client_append(c, "SET", key, value, NULL). */
int client_append(struct client *c, ...);

/* Send what is queued and read the next reply.  NULL on a connection
 * error (see client_err()). */
struct resp_reply *client_read_reply(struct client *c);

/* append + read: one command, one reply.  NULL on a connection error. */
struct resp_reply *client_command_argv(struct client *c, int argc,
                                       const char *const *argv,
                                       const size_t *argvlen);
struct resp_reply *client_command(struct client *c, ...);

/* The socket, for callers that wait on it with poll()/epoll themselves
 * (a subscriber inside an event loop), -1 when not connected; and whether
 * buffered, already-read replies are waiting (so poll() would not wake). */
int client_fd(const struct client *c);
int client_has_buffered_reply(const struct client *c);

/* --- additions to the interface above ------------------------------------ */

/* Wrap an already connected socket (a socketpair in tests, a descriptor
 * handed over by a parent): the client owns fd from now on and closes it
 * in client_free(), even when NULL is returned (out of memory).  AUTH and
 * SELECT run as o says (o may be NULL); host, port and unix_path are
 * ignored, and client_reconnect() fails with CLIENT_ERR_OTHER. */
struct client *client_from_fd(int fd, const struct client_opts *o);

/* Send everything queued without reading a reply (replies that arrive
 * meanwhile are buffered).  Returns 0 or -1. */
int client_flush(struct client *c);

/* Read without waiting: send what is queued, take what the socket already
 * has, and hand out one complete reply if there is one.  Returns 1 with
 * *out set, 0 when no complete reply has arrived yet (not an error), -1 on
 * a connection error.  For callers that poll() client_fd() themselves. */
int client_try_read_reply(struct client *c, struct resp_reply **out);

/* The current I/O timeout in ms (0: none). */
int client_timeout(const struct client *c);

/* What client_set_block_timeout() adds to a blocking command's own
 * timeout, for the round trip and a busy server. */
#define CLIENT_BLOCK_MARGIN_MS 1000

/* Set the I/O timeout for a blocking command (BRPOP, BLMOVE, ...) whose
 * own timeout is seconds: seconds plus CLIENT_BLOCK_MARGIN_MS, or no limit
 * when seconds <= 0 (the command blocks forever).  Put the previous value
 * (client_timeout()) back afterwards. */
void client_set_block_timeout(struct client *c, double seconds);

/* Whether the connection is in subscriber mode: a SUBSCRIBE, PSUBSCRIBE
 * or SSUBSCRIBE was sent and the confirmations so far leave at least one
 * subscription (or have not all come yet). */
int client_is_subscribed(const struct client *c);

#endif
