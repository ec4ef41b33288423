/* harness.h -- drive a server under test from integration tests.
 *
 * A test starts the server as a child process on a free loopback port
 * (hs_start), talks raw RESP to it over ordinary sockets (hs_connect,
 * hs_send, hs_read_reply), looks at it from outside (hs_rss_kb, hs_log) and
 * stops it (hs_stop).  Nothing here links the broker: the server is only
 * ever reached through its socket, its signals and /proc.
 *
 * Which server runs: $RESPD if set, else the respd binary next to the test
 * binary.  Setting RESPD=/usr/bin/redis-server runs the same tests against
 * the real Redis, which is how the expected texts were checked; the harness
 * then adds the options Redis needs to behave like respd (no persistence,
 * DEBUG enabled).
 *
 * A reply is read as raw bytes first: the harness frames exactly one RESP
 * reply on its own, then hands those bytes to resp_read.h's reader, so a
 * test gets both the exact bytes on the wire and the parsed tree. */
#ifndef HARNESS_H
#define HARNESS_H

#include <stddef.h>
#include <sys/types.h>

#include "../../resp/resp_read.h"

#define HS_TIMEOUT_MS       5000 /* default wait for one reply */
#define HS_START_TIMEOUT_MS 10000
#define HS_STOP_TIMEOUT_MS  10000
#define HS_PORT_MIN         7000
#define HS_PORT_MAX         9999
#define HS_MAX_ARGS         64

/* Results of the reading functions. */
enum hs_status {
    HS_OK = 0,
    HS_TIMEOUT = 1, /* nothing complete within the timeout */
    HS_EOF = 2,     /* the server closed the connection */
    HS_BAD = 3,     /* bytes that are not RESP, or a socket error */
};

struct hs_server {
    pid_t pid; /* 0 once reaped */
    int port;
    int status; /* wait() status once reaped */
    char log_path[64];
    char dir[64]; /* the server's --dir, a fresh temporary directory */
};

struct hs_client {
    int fd;
    struct resp_reader *reader;
    char *buf; /* received bytes not yet handed out: buf[start, len) */
    size_t start, len, cap;
};

struct hs_reply {
    struct resp_reply *reply; /* parsed by resp_read.h */
    char *raw;                /* the exact bytes, NUL-terminated too */
    size_t raw_len;
};

/* Path of the server binary under test (see above). */
const char *hs_server_path(void);
/* Whether the server under test is the real redis-server. */
int hs_is_redis(void);

/* Start the server with extra command-line arguments (a NULL-terminated
 * list, e.g. "--timeout", "1", NULL) on a free port, and wait until it
 * accepts connections.  stdout and stderr go to s->log_path.  The server
 * runs in a new temporary directory, s->dir, with persistence off (--save
 * "" --appendonly no, which the extra arguments may override).  Returns 0,
 * or -1 with a reason on stderr. */
int hs_start(struct hs_server *s, ...) __attribute__((sentinel));
int hs_start_argv(struct hs_server *s, const char *const *extra);

/* Send SIGTERM and wait for exit (SIGKILL after HS_STOP_TIMEOUT_MS).
 * Returns the exit status, or -1 if the server died from a signal.  The
 * log file and s->dir are removed.  Safe to call twice. */
int hs_stop(struct hs_server *s);

/* For restart tests: stop the server but keep s->dir (and the log) --
 * hs_terminate with SIGTERM, returning the exit status as hs_stop does;
 * hs_kill with SIGKILL, as a crash -- then hs_restart starts it again in
 * the same directory with new extra arguments (and a new port).  hs_stop
 * cleans up at the end as usual. */
int hs_terminate(struct hs_server *s);
void hs_kill(struct hs_server *s);
int hs_restart(struct hs_server *s, ...) __attribute__((sentinel));
/* Wait up to timeout_ms for the server to exit on its own.  Returns 0 once
 * it has exited (s->status holds the wait status), -1 on timeout. */
int hs_wait_exit(struct hs_server *s, int timeout_ms);
/* Whether the server process is still running. */
int hs_alive(struct hs_server *s);
/* Resident set size in KiB from /proc/PID/status, or -1. */
long hs_rss_kb(const struct hs_server *s);
/* The server's log so far, NUL-terminated; the caller frees it. */
char *hs_log(const struct hs_server *s);

/* Open a TCP connection to the server.  Returns 0 or -1. */
int hs_connect(const struct hs_server *s, struct hs_client *c);
void hs_close(struct hs_client *c);

/* Write all n bytes (blocking).  Returns 0, or -1 if the connection broke. */
int hs_send(struct hs_client *c, const void *p, size_t n);
int hs_send_str(struct hs_client *c, const char *s);
/* Send one multibulk request from NUL-terminated arguments, NULL last. */
int hs_cmd(struct hs_client *c, ...) __attribute__((sentinel));
/* Append a multibulk request of argc binary-safe arguments to *out (a
 * malloc'd buffer of *out_len bytes, which may move). */
void hs_encode(char **out, size_t *out_len, int argc, const char *const *argv,
               const size_t *lens);

/* Read exactly one reply, waiting up to timeout_ms.  On HS_OK the caller
 * frees *out with hs_reply_free(). */
int hs_read_reply(struct hs_client *c, int timeout_ms, struct hs_reply *out);
void hs_reply_free(struct hs_reply *r);
/* Read one reply and compare its bytes with want[0..want_len).  Returns
 * NULL on a match, else a description of what came instead (a static
 * buffer, overwritten by the next call). */
const char *hs_check_reply(struct hs_client *c, const char *want,
                           size_t want_len);
/* Wait up to timeout_ms for the server to close the connection.  Returns
 * HS_EOF when it did with nothing else sent, HS_OK if more bytes came
 * first, HS_TIMEOUT if it stayed open. */
int hs_wait_closed(struct hs_client *c, int timeout_ms);

/* Printable form of bytes (\r, \n, \xHH), shortened past max bytes, in one
 * of a few rotating static buffers. */
const char *hs_escape(const void *p, size_t n, size_t max);
/* Milliseconds of a monotonic clock. */
long long hs_now_ms(void);
void hs_sleep_ms(int ms);

/* Criterion helper: assert that the next reply on c is exactly `want`. */
#define hs_assert_reply(c, want)                                               \
    do {                                                                       \
        const char *hs_why_ = hs_check_reply((c), (want), strlen(want));       \
        cr_assert(hs_why_ == NULL, "%s", hs_why_);                             \
    } while (0)

#endif
