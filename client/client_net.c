/* client_net.c -- connecting with a deadline, and waiting on a socket.
 *
 * A connect is started non-blocking and finished with poll(), so one
 * deadline bounds the whole attempt: name resolution aside (getaddrinfo
 * has no timeout of its own; a numeric address resolves at once), every
 * address tried shares the time left.  The descriptor stays non-blocking
 * afterwards; client.c waits with client_net_wait() before each read and
 * write, which is how the I/O timeouts work. */
#include "client_net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

long long client_net_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int client_net_prepare(int fd)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    fl = fcntl(fd, F_GETFD);
    if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
        return -1;
    return 0;
}

/* Milliseconds left before deadline (a client_net_now_ms() value, 0 for
 * none) as a poll() timeout: -1 without a deadline, 0 once it passed. */
static int poll_timeout(long long deadline)
{
    long long left;

    if (deadline == 0)
        return -1;
    left = deadline - client_net_now_ms();
    if (left <= 0)
        return 0;
    return left > 1000000000 ? 1000000000 : (int)left;
}

/* Like client_net_wait(), with an absolute deadline (0: none). */
static int wait_until(int fd, short events, long long deadline)
{
    struct pollfd pfd = {.fd = fd, .events = events};

    for (;;) {
        int n = poll(&pfd, 1, poll_timeout(deadline));

        if (n > 0)
            return pfd.revents;
        if (n == 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

int client_net_wait(int fd, short events, int timeout_ms)
{
    long long deadline = 0;

    if (timeout_ms > 0)
        deadline = client_net_now_ms() + timeout_ms;
    return wait_until(fd, events, deadline);
}

/* Finish a connect() on the non-blocking fd by the deadline.  Returns 0,
 * or -1 with *code (CLIENT_ERR_IO or CLIENT_ERR_TIMEOUT) and errno set. */
static int finish_connect(int fd, const struct sockaddr *sa, socklen_t salen,
                          long long deadline, int *code)
{
    int soerr = 0, ev;
    socklen_t len = sizeof(soerr);

    *code = CLIENT_ERR_IO;
    if (connect(fd, sa, salen) == 0)
        return 0;
    if (errno != EINPROGRESS && errno != EINTR)
        return -1;

    ev = wait_until(fd, POLLOUT, deadline);
    if (ev == 0) {
        *code = CLIENT_ERR_TIMEOUT;
        errno = ETIMEDOUT;
        return -1;
    }
    if (ev < 0)
        return -1;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
        return -1;
    if (soerr != 0) {
        errno = soerr;
        return -1;
    }
    return 0;
}

/* One attempt on one address.  Returns the descriptor or -1 (*code and
 * errno set). */
static int connect_addr(const struct addrinfo *ai, long long deadline,
                        int *code)
{
    int fd =
        socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
               ai->ai_protocol);
    int one = 1, saved;

    *code = CLIENT_ERR_IO;
    if (fd < 0)
        return -1;
    if (finish_connect(fd, ai->ai_addr, ai->ai_addrlen, deadline, code) != 0) {
        saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    /* Requests are written whole, so Nagle only ever delays them; keepalive
     * lets a subscriber waiting without a timeout notice a dead peer. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    return fd;
}

static int connect_tcp(const char *host, int port, long long deadline,
                       int *code, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM};
    struct addrinfo *list, *ai;
    char service[16];
    int rc, fd = -1;

    snprintf(service, sizeof(service), "%d", port);
    rc = getaddrinfo(host, service, &hints, &list);
    if (rc != 0) {
        *code = CLIENT_ERR_IO;
        snprintf(err, errlen, "getaddrinfo %s: %s", host, gai_strerror(rc));
        return -1;
    }
    for (ai = list; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = connect_addr(ai, deadline, code);
        if (fd < 0 && *code == CLIENT_ERR_TIMEOUT)
            break;
    }
    if (fd < 0)
        snprintf(err, errlen, "connect %s:%d: %s", host, port,
                 *code == CLIENT_ERR_TIMEOUT ? "timed out" : strerror(errno));
    freeaddrinfo(list);
    return fd;
}

static int connect_unix(const char *path, long long deadline, int *code,
                        char *err, size_t errlen)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd, saved;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        *code = CLIENT_ERR_OTHER;
        snprintf(err, errlen, "connect %s: path too long", path);
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    *code = CLIENT_ERR_IO;
    if (fd >= 0 && finish_connect(fd, (struct sockaddr *)&sa, sizeof(sa),
                                  deadline, code) == 0)
        return fd;

    saved = errno;
    if (fd >= 0)
        close(fd);
    snprintf(err, errlen, "connect %s: %s", path,
             *code == CLIENT_ERR_TIMEOUT ? "timed out" : strerror(saved));
    return -1;
}

int client_net_connect(const char *host, int port, const char *unix_path,
                       int timeout_ms, int *code, char *err, size_t errlen)
{
    long long deadline = 0;

    if (timeout_ms > 0)
        deadline = client_net_now_ms() + timeout_ms;
    if (unix_path != NULL)
        return connect_unix(unix_path, deadline, code, err, errlen);
    return connect_tcp(host, port, deadline, code, err, errlen);
}
