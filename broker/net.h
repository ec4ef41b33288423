/* net.h -- socket helpers.  Each returns a descriptor or 0 on success, and
 * -1 on failure with "call: strerror" written into err (NET_ERR_LEN). */
#ifndef NET_H
#define NET_H

#include <stddef.h>

#define NET_ERR_LEN  256
#define NET_ADDR_LEN 64 /* "ip:port" or a unix socket path, shortened */

int net_tcp_listen(char *err, const char *addr, int port, int backlog);
int net_unix_listen(char *err, const char *path, unsigned perm, int backlog);
/* Accept one connection; -1 with errno EAGAIN when none is waiting. */
int net_accept(char *err, int fd, char *peer, size_t peer_len);
int net_set_nonblock(char *err, int fd);
int net_set_nodelay(char *err, int fd);
int net_set_keepalive(char *err, int fd, int interval);
/* "ip:port" of the local end of a connected socket. */
int net_sock_name(int fd, char *out, size_t len);

#endif
