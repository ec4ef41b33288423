/* judge.c -- configuration, logging and sockets shared by bin/judge's
 * roles (see judge.h). */
#include "judge.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "problem.h"

#define JUDGE_LOG_MAX 1024 /* longer lines are cut */
#define JUDGE_BACKLOG 511

static char log_role = '?';
static int log_level_min = 1;
static volatile sig_atomic_t stop_requested;

void judge_config_default(struct judge_config *cfg, const char *role)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->role = role;
    snprintf(cfg->broker_host, sizeof(cfg->broker_host), "127.0.0.1");
    cfg->broker_port = JUDGE_BROKER_PORT;
    snprintf(cfg->listen_host, sizeof(cfg->listen_host), "127.0.0.1");
    cfg->listen_port =
        strcmp(role, "notify") == 0 ? JUDGE_NOTIFY_PORT : JUDGE_API_PORT;
    cfg->problems_dir = PROBLEM_DEFAULT_DIR;
    cfg->lease_ms = JUDGE_LEASE_MS;
    cfg->max_inflight = JUDGE_MAX_INFLIGHT;
    cfg->max_queue = JUDGE_MAX_QUEUE;
    cfg->recent = JUDGE_RECENT;
    cfg->max_conns = JUDGE_MAX_CONNS;
    cfg->request_timeout_ms = JUDGE_REQUEST_TIMEOUT_MS;
    cfg->idle_timeout_ms = JUDGE_IDLE_TIMEOUT_MS;
    cfg->access_log = 1;
}

int judge_parse_addr(const char *s, char *host, size_t hostcap, int *port)
{
    const char *colon;
    const char *h = s;
    size_t hlen;

    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (end == NULL || end[1] != ':')
            return -1;
        h = s + 1;
        hlen = (size_t)(end - h);
        colon = end + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL)
            return -1;
        hlen = (size_t)(colon - s);
    }
    char *endp;
    errno = 0;
    long p = strtol(colon + 1, &endp, 10);
    if (colon[1] == '\0' || *endp != '\0' || errno != 0 || p < 0 || p > 65535 ||
        hlen + 1 > hostcap)
        return -1;
    if (hlen == 0) {
        snprintf(host, hostcap, "127.0.0.1");
    } else {
        memcpy(host, h, hlen);
        host[hlen] = '\0';
    }
    *port = (int)p;
    return 0;
}

void judge_log_init(const char *role)
{
    log_role =
        (char)(role[0] >= 'a' && role[0] <= 'z' ? role[0] - 32 : role[0]);
    const char *v = getenv("JUDGE_LOG_LEVEL");
    if (v != NULL && v[0] >= '0' && v[0] <= '3')
        log_level_min = v[0] - '0';
}

/* The whole line goes out in one write(), so lines from the worker's two
 * threads never interleave. */
void judge_log(int level, const char *fmt, ...)
{
    static const char level_chars[] = ".-*#";
    char line[JUDGE_LOG_MAX];
    struct timeval tv;
    struct tm tm;
    char date[64];
    va_list ap;

    if (level < log_level_min)
        return;
    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    strftime(date, sizeof(date), "%d %b %Y %H:%M:%S", &tm);
    int n = snprintf(line, sizeof(line), "%d:%c %s.%03d %c ", (int)getpid(),
                     log_role, date, (int)(tv.tv_usec / 1000),
                     level_chars[level & 3]);
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (size_t)m;
    if (len > sizeof(line) - 2)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    for (size_t off = 0; off < len;) {
        ssize_t w = write(STDOUT_FILENO, line + off, len - off);
        if (w <= 0)
            return; /* nowhere to report a failing log */
        off += (size_t)w;
    }
}

long long judge_time_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long judge_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The port fd is bound to, or -1. */
static int bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return -1;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return -1;
}

int judge_listen(const char *host, int port, int *bound, char *err,
                 size_t errlen)
{
    struct addrinfo hints = {0}, *res, *ai;
    char service[16];
    int fd = -1, one = 1, rc;

    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(service, sizeof(service), "%d", port);
    rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "getaddrinfo %s: %s", host, gai_strerror(rc));
        return -1;
    }
    snprintf(err, errlen, "no address for %s", host);
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family,
                    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            snprintf(err, errlen, "socket: %s", strerror(errno));
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
            listen(fd, JUDGE_BACKLOG) == 0)
            break;
        snprintf(err, errlen, "bind %s:%d: %s", host, port, strerror(errno));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    *bound = fd >= 0 ? bound_port(fd) : -1;
    return fd;
}

struct client *judge_broker_connect(const struct judge_config *cfg)
{
    struct client_opts o = {0};

    o.host = cfg->broker_host;
    o.port = cfg->broker_port;
    o.connect_timeout_ms = JUDGE_BROKER_CONNECT_MS;
    o.io_timeout_ms = JUDGE_BROKER_IO_MS;
    o.password = cfg->broker_password;
    return client_connect(&o);
}

static int valid_chars(const char *s, size_t n, size_t max, const char *extra)
{
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || (c != '\0' && strchr(extra, c))))
            return 0;
    }
    return 1;
}

int judge_valid_user(const char *s, size_t n)
{
    return valid_chars(s, n, JUDGE_USER_MAX, "._@-");
}

int judge_valid_id(const char *s, size_t n)
{
    return valid_chars(s, n, JUDGE_ID_MAX - 1, "._-");
}

void judge_new_id(char out[JUDGE_ID_MAX])
{
    unsigned char r[8];
    unsigned long long x = 0;

    if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
        /* No entropy source: fall back to what differs between
         * processes and calls. */
        static unsigned counter;
        x = ((unsigned long long)getpid() << 32) ^
            (unsigned long long)judge_mono_ms() ^
            ((unsigned long long)++counter << 48);
    } else {
        for (size_t i = 0; i < sizeof(r); i++)
            x = x << 8 | r[i];
    }
    snprintf(out, JUDGE_ID_MAX, "%lld-%016llx", judge_time_ms(), x);
}

void judge_key(char out[JUDGE_KEY_MAX], const char *prefix, const char *name,
               const char *suffix)
{
    snprintf(out, JUDGE_KEY_MAX, "%s%s%s", prefix, name, suffix);
}

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

void judge_catch_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

int judge_stopping(void)
{
    return stop_requested != 0;
}

void judge_format_peer(const struct sockaddr_storage *ss, char *out, size_t cap)
{
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;

    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
        port = ntohs(a->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
        port = ntohs(a->sin6_port);
    }
    snprintf(out, cap, "%s:%d", host, port);
}
