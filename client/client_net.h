/* client_net.h -- sockets for the client library: connecting with a
 * deadline and waiting on a descriptor.  Internal to client/; callers use
 * client.h.  Every descriptor returned is non-blocking and close-on-exec.
 * Failures fill a caller's buffer with "call: reason" and a client.h error
 * code; nothing here logs. */
#ifndef CLIENT_NET_H
#define CLIENT_NET_H

#include <stddef.h>

/* Milliseconds of a monotonic clock. */
long long client_net_now_ms(void);

/* Connect to host:port (any address getaddrinfo gives, in order) or, when
 * unix_path is set, to that unix socket, giving up after timeout_ms in all
 * (0: no limit).  Returns the descriptor, or -1 with *code set to
 * CLIENT_ERR_IO, CLIENT_ERR_TIMEOUT or CLIENT_ERR_OTHER and err filled. */
int client_net_connect(const char *host, int port, const char *unix_path,
                       int timeout_ms, int *code, char *err, size_t errlen);

/* Make fd non-blocking and close-on-exec.  Returns 0 or -1 (errno). */
int client_net_prepare(int fd);

/* poll() fd for events for up to timeout_ms (0: no limit), retrying on
 * EINTR without extending the wait.  Returns the revents (> 0), 0 on
 * timeout, -1 on a poll error (errno). */
int client_net_wait(int fd, short events, int timeout_ms);

#endif
