/* net.c -- socket helpers (see net.h). */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int set_error(char *err, const char *call)
{
    if (err)
        snprintf(err, NET_ERR_LEN, "%s: %s", call, strerror(errno));
    return -1;
}

int net_set_nonblock(char *err, int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return set_error(err, "fcntl(O_NONBLOCK)");
    return 0;
}

int net_set_nodelay(char *err, int fd)
{
    int yes = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes)) < 0)
        return set_error(err, "setsockopt(TCP_NODELAY)");
    return 0;
}

/* Keepalive probes every interval seconds, as Redis sets them: the first
 * after interval, then interval/3 apart, three before giving up. */
int net_set_keepalive(char *err, int fd, int interval)
{
    int yes = 1, idle = interval, gap = interval / 3, count = 3;

    if (gap == 0)
        gap = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof(yes)) < 0)
        return set_error(err, "setsockopt(SO_KEEPALIVE)");
    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) < 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &gap, sizeof(gap)) < 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count)) < 0)
        return set_error(err, "setsockopt(TCP_KEEP*)");
    return 0;
}

int net_tcp_listen(char *err, const char *addr, int port, int backlog)
{
    struct addrinfo hints = {0}, *res, *ai;
    char portstr[8];
    int fd = -1, rc;

    snprintf(portstr, sizeof(portstr), "%d", port);
    hints.ai_family = strchr(addr, ':') ? AF_INET6 : AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    if ((rc = getaddrinfo(addr, portstr, &hints, &res)) != 0) {
        snprintf(err, NET_ERR_LEN, "getaddrinfo(%s): %s", addr,
                 gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        int yes = 1;
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0)
            continue;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
        if (ai->ai_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &yes, sizeof(yes));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
            listen(fd, backlog) == 0 && net_set_nonblock(err, fd) == 0)
            break;
        set_error(err, "bind/listen");
        close(fd);
        fd = -1;
    }
    if (ai == NULL && fd < 0 && err[0] == '\0')
        snprintf(err, NET_ERR_LEN, "no address for %s", addr);
    freeaddrinfo(res);
    return fd;
}

int net_unix_listen(char *err, const char *path, unsigned perm, int backlog)
{
    struct sockaddr_un sa = {0};
    int fd;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        snprintf(err, NET_ERR_LEN, "unix socket path too long: %s", path);
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return set_error(err, "socket(AF_UNIX)");
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, path);
    unlink(path); /* a stale socket from a previous run */
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(fd, backlog) < 0 || net_set_nonblock(err, fd) < 0) {
        set_error(err, "bind/listen(unix)");
        close(fd);
        return -1;
    }
    if (perm && chmod(path, perm) < 0) {
        set_error(err, "chmod");
        close(fd);
        return -1;
    }
    return fd;
}

static int format_addr(const struct sockaddr_storage *ss, char *out, size_t len)
{
    char ip[INET6_ADDRSTRLEN];

    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
        snprintf(out, len, "%s:%d", ip, ntohs(s->sin_port));
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
        snprintf(out, len, "%s:%d", ip, ntohs(s->sin6_port));
    } else {
        const struct sockaddr_un *s = (const struct sockaddr_un *)ss;
        snprintf(out, len, "%s:0", s->sun_path);
    }
    return 0;
}

int net_accept(char *err, int fd, char *peer, size_t peer_len)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int cfd;

    do {
        cfd = accept4(fd, (struct sockaddr *)&ss, &sl,
                      SOCK_NONBLOCK | SOCK_CLOEXEC);
    } while (cfd < 0 && errno == EINTR);
    if (cfd < 0)
        return set_error(err, "accept");
    if (peer)
        format_addr(&ss, peer, peer_len);
    return cfd;
}

int net_sock_name(int fd, char *out, size_t len)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
        return -1;
    return format_addr(&ss, out, len);
}
