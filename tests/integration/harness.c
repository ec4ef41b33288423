/* harness.c -- start, watch and talk to a server under test.  See
 * harness.h. */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HS_START_ATTEMPTS  8 /* ports tried when another process wins one */
#define HS_READ_CHUNK      (64 * 1024)
#define HS_FRAME_MAX_COUNT (1LL << 32) /* aggregate sizes we accept */

/* --- time and text ------------------------------------------------------ */

long long hs_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void hs_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

const char *hs_escape(const void *p, size_t n, size_t max)
{
    static char bufs[4][1024];
    static int next;
    char *out = bufs[next++ % 4];
    const unsigned char *s = p;
    size_t o = 0;

    for (size_t i = 0; i < n && o < sizeof(bufs[0]) - 16; i++) {
        if (i == max) {
            o += snprintf(out + o, 16, "...(%zu)", n);
            break;
        }
        if (s[i] == '\r')
            o += snprintf(out + o, 3, "\\r");
        else if (s[i] == '\n')
            o += snprintf(out + o, 3, "\\n");
        else if (s[i] < 32 || s[i] >= 127 || s[i] == '\\')
            o += snprintf(out + o, 5, "\\x%02x", s[i]);
        else
            out[o++] = (char)s[i];
    }
    out[o] = '\0';
    return out;
}

/* --- which server ------------------------------------------------------- */

const char *hs_server_path(void)
{
    static char path[PATH_MAX];
    char self[PATH_MAX];
    const char *env = getenv("RESPD");
    ssize_t n;

    if (env != NULL && *env != '\0')
        return env;
    if (path[0] != '\0')
        return path;

    /* The Makefile builds both binaries into the same $(BIN). */
    n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n < 0)
        return "bin/respd";
    self[n] = '\0';
    snprintf(path, sizeof(path), "%s/respd", dirname(self));
    return path;
}

int hs_is_redis(void)
{
    return strstr(hs_server_path(), "redis-server") != NULL;
}

/* --- starting and stopping ---------------------------------------------- */

/* A port in [HS_PORT_MIN, HS_PORT_MAX] nobody listens on right now.  Another
 * process may still take it before the server binds, hence the retries in
 * hs_start_argv(). */
static int pick_free_port(void)
{
    static int seeded;

    if (!seeded) {
        srand((unsigned)(getpid() ^ hs_now_ms()));
        seeded = 1;
    }
    for (int tries = 0; tries < 1000; tries++) {
        int port = HS_PORT_MIN + rand() % (HS_PORT_MAX - HS_PORT_MIN + 1);
        struct sockaddr_in sa = {.sin_family = AF_INET,
                                 .sin_port = htons((uint16_t)port)};
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        int ok;

        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
        close(fd);
        if (ok)
            return port;
    }
    return -1;
}

/* Many-clients tests need more descriptors than the usual soft limit of
 * 1024, for the test and (inherited) for the server. */
static void raise_fd_limit(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* Fill argv for the server: binary, port, loopback bind, the options Redis
 * needs to match respd's defaults, then the test's own.  Returns argc. */
static int build_argv(const char **argv, char *port_str, const char *dir,
                      const char *const *extra)
{
    static const char *const redis_opts[] = {"--enable-debug-command", "yes",
                                             NULL};
    int argc = 0;

    argv[argc++] = hs_server_path();
    argv[argc++] = "--port";
    argv[argc++] = port_str;
    argv[argc++] = "--bind";
    argv[argc++] = "127.0.0.1";
    argv[argc++] = "--dir";
    argv[argc++] = dir;
    argv[argc++] = "--save";
    argv[argc++] = "";
    argv[argc++] = "--appendonly";
    argv[argc++] = "no";
    for (int i = 0; hs_is_redis() && redis_opts[i] != NULL; i++)
        argv[argc++] = redis_opts[i];
    for (int i = 0; extra != NULL && extra[i] != NULL; i++)
        if (argc < HS_MAX_ARGS - 1)
            argv[argc++] = extra[i];
    argv[argc] = NULL;
    return argc;
}

/* Fork and exec the server with output to log_fd.  The child asks to be
 * killed when the test process dies, so a crashed test leaves no server
 * behind. */
static pid_t spawn(const char **argv, int log_fd)
{
    pid_t parent = getpid();
    pid_t pid = fork();

    if (pid != 0)
        return pid;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    close(log_fd);
    execv(argv[0], (char *const *)argv);
    fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* One connection attempt; returns a connected descriptor or -1. */
static int connect_port(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Wait until the server accepts a connection.  Returns 0, or -1 if it
 * exited first or the deadline passed. */
/* Whether the server's log says it is ready.  A connection alone does not
 * prove it is ours: another process may have taken the port first, and
 * then our server fails to bind and exits while the other one answers. */
static int log_says_ready(const struct hs_server *s)
{
    char *log = hs_log(s);
    int ready = log != NULL && strstr(log, "Ready to accept connections");

    free(log);
    return ready;
}

static int wait_ready(struct hs_server *s)
{
    long long deadline = hs_now_ms() + HS_START_TIMEOUT_MS;

    while (hs_now_ms() < deadline) {
        int fd;

        if (!hs_alive(s))
            return -1;
        fd = log_says_ready(s) ? connect_port(s->port) : -1;
        if (fd >= 0) {
            close(fd);
            if (hs_alive(s))
                return 0;
        }
        hs_sleep_ms(10);
    }
    return -1;
}

/* Whether the log says the port was already taken. */
static int log_says_port_in_use(const struct hs_server *s)
{
    char *log = hs_log(s);
    int in_use = log != NULL && strstr(log, "in use") != NULL;

    free(log);
    return in_use;
}

/* Start once on a fresh port.  Returns 0, 1 when the port was taken by
 * someone else (worth another try), -1 on any other failure. */
static int start_once(struct hs_server *s, const char *const *extra)
{
    const char *argv[HS_MAX_ARGS];
    char port_str[16];
    int log_fd, in_use;

    s->port = pick_free_port();
    if (s->port < 0)
        return -1;
    snprintf(port_str, sizeof(port_str), "%d", s->port);
    snprintf(s->log_path, sizeof(s->log_path), "/tmp/hs-%d-%d.log",
             (int)getpid(), s->port);
    log_fd = open(s->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (log_fd < 0)
        return -1;
    build_argv(argv, port_str, s->dir, extra);
    s->pid = spawn(argv, log_fd);
    close(log_fd);
    if (s->pid < 0)
        return -1;
    if (wait_ready(s) == 0)
        return 0;

    hs_wait_exit(s, 0);
    in_use = log_says_port_in_use(s);
    if (!in_use) {
        char *log = hs_log(s);

        fprintf(stderr, "harness: %s did not start:\n%s\n", argv[0],
                log != NULL ? log : "");
        free(log);
    }
    hs_terminate(s);
    return in_use ? 1 : -1;
}

/* Start in s->dir (already made) with up to HS_START_ATTEMPTS ports. */
static int start_in_dir(struct hs_server *s, const char *const *extra)
{
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();
    for (int i = 0; i < HS_START_ATTEMPTS; i++) {
        int rc = start_once(s, extra);

        if (rc <= 0)
            return rc;
    }
    return -1;
}

int hs_start_argv(struct hs_server *s, const char *const *extra)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->dir, sizeof(s->dir), "/tmp/hs-dir-XXXXXX");
    if (mkdtemp(s->dir) == NULL) {
        fprintf(stderr, "harness: mkdtemp: %s\n", strerror(errno));
        s->dir[0] = '\0';
        return -1;
    }
    int rc = start_in_dir(s, extra);
    if (rc != 0)
        hs_stop(s);
    return rc;
}

/* Collect a NULL-terminated variadic argument list into extra. */
static void collect_args(const char **extra, va_list ap)
{
    int n = 0;

    for (const char *a; (a = va_arg(ap, const char *)) != NULL;)
        if (n < HS_MAX_ARGS - 1)
            extra[n++] = a;
    extra[n] = NULL;
}

int hs_start(struct hs_server *s, ...)
{
    const char *extra[HS_MAX_ARGS];
    va_list ap;

    va_start(ap, s);
    collect_args(extra, ap);
    va_end(ap);
    return hs_start_argv(s, extra);
}

int hs_restart(struct hs_server *s, ...)
{
    const char *extra[HS_MAX_ARGS];
    va_list ap;

    if (s->pid > 0 || s->dir[0] == '\0')
        return -1;
    va_start(ap, s);
    collect_args(extra, ap);
    va_end(ap);
    if (s->log_path[0] != '\0' && getenv("HS_KEEP_LOGS") == NULL)
        unlink(s->log_path);
    return start_in_dir(s, extra);
}

void hs_kill(struct hs_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        hs_wait_exit(s, HS_STOP_TIMEOUT_MS);
    }
}

/* Remove s->dir and everything in it (files only: servers make at most one
 * level of subdirectories, the AOF's). */
static void remove_dir(const char *dir)
{
    char cmd[128];

    if (dir[0] == '\0' || strncmp(dir, "/tmp/hs-dir-", 12) != 0)
        return;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "harness: could not remove %s\n", dir);
}

int hs_alive(struct hs_server *s)
{
    return hs_wait_exit(s, 0) != 0;
}

int hs_wait_exit(struct hs_server *s, int timeout_ms)
{
    long long deadline = hs_now_ms() + timeout_ms;

    if (s->pid <= 0)
        return 0;
    for (;;) {
        pid_t r = waitpid(s->pid, &s->status, WNOHANG);

        if (r == s->pid || (r < 0 && errno == ECHILD)) {
            s->pid = 0;
            return 0;
        }
        if (hs_now_ms() >= deadline)
            return -1;
        hs_sleep_ms(5);
    }
}

int hs_stop(struct hs_server *s)
{
    int rc = hs_terminate(s);

    if (s->log_path[0] != '\0' && getenv("HS_KEEP_LOGS") == NULL)
        unlink(s->log_path);
    s->log_path[0] = '\0';
    remove_dir(s->dir);
    s->dir[0] = '\0';
    return rc;
}

int hs_terminate(struct hs_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        if (hs_wait_exit(s, HS_STOP_TIMEOUT_MS) != 0) {
            fprintf(stderr, "harness: server %d ignored SIGTERM, killing\n",
                    (int)s->pid);
            kill(s->pid, SIGKILL);
            hs_wait_exit(s, HS_STOP_TIMEOUT_MS);
        }
    }
    if (WIFEXITED(s->status))
        return WEXITSTATUS(s->status);
    return -1;
}

long hs_rss_kb(const struct hs_server *s)
{
    char path[64], line[256];
    long kb = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)s->pid);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

char *hs_log(const struct hs_server *s)
{
    FILE *f = fopen(s->log_path, "r");
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];

    if (f == NULL)
        return NULL;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            text = realloc(text, cap);
        }
        memcpy(text + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (text == NULL)
        text = calloc(1, 1);
    else
        text[len] = '\0';
    return text;
}

/* --- clients ------------------------------------------------------------ */

int hs_connect(const struct hs_server *s, struct hs_client *c)
{
    int one = 1;

    memset(c, 0, sizeof(*c));
    c->fd = connect_port(s->port);
    if (c->fd < 0)
        return -1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->reader = resp_reader_create();
    return c->reader != NULL ? 0 : -1;
}

void hs_close(struct hs_client *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    if (c->reader != NULL)
        resp_reader_free(c->reader);
    c->reader = NULL;
    free(c->buf);
    c->buf = NULL;
    c->start = c->len = c->cap = 0;
}

int hs_send(struct hs_client *c, const void *p, size_t n)
{
    const char *s = p;

    while (n > 0) {
        ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

int hs_send_str(struct hs_client *c, const char *s)
{
    return hs_send(c, s, strlen(s));
}

/* Append n bytes to a growing malloc'd buffer. */
static void buf_append(char **buf, size_t *len, size_t *cap, const void *p,
                       size_t n)
{
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *buf = realloc(*buf, *cap);
        if (*buf == NULL)
            abort();
    }
    memcpy(*buf + *len, p, n);
    *len += n;
}

void hs_encode(char **out, size_t *out_len, int argc, const char *const *argv,
               const size_t *lens)
{
    /* The buffer's real size, so that building a pipeline request by
     * request grows it geometrically instead of reallocating (and, under
     * AddressSanitizer, copying) all of it on every call. */
    size_t cap = *out != NULL ? malloc_usable_size(*out) : 0;
    char head[32];
    int n;

    n = snprintf(head, sizeof(head), "*%d\r\n", argc);
    buf_append(out, out_len, &cap, head, (size_t)n);
    for (int i = 0; i < argc; i++) {
        size_t len = lens != NULL ? lens[i] : strlen(argv[i]);

        n = snprintf(head, sizeof(head), "$%zu\r\n", len);
        buf_append(out, out_len, &cap, head, (size_t)n);
        buf_append(out, out_len, &cap, argv[i], len);
        buf_append(out, out_len, &cap, "\r\n", 2);
    }
}

int hs_cmd(struct hs_client *c, ...)
{
    const char *argv[HS_MAX_ARGS];
    char *req = NULL;
    size_t len = 0;
    int argc = 0, rc;
    va_list ap;

    va_start(ap, c);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL;)
        if (argc < HS_MAX_ARGS)
            argv[argc++] = a;
    va_end(ap);
    hs_encode(&req, &len, argc, argv, NULL);
    rc = hs_send(c, req, len);
    free(req);
    return rc;
}

/* --- framing and reading replies ----------------------------------------- */

/* Parse the decimal number in p[0..n) strictly (an optional '-', digits).
 * Returns 0, or -1 if it is not one. */
static int parse_ll(const char *p, size_t n, long long *out)
{
    long long v = 0;
    int neg = n > 0 && p[0] == '-';
    size_t i = (size_t)neg;

    if (i == n || n > 20)
        return -1;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    *out = neg ? -v : v;
    return 0;
}

/* Whether type byte t is one of set (a NUL byte never is). */
static int type_in(char t, const char *set)
{
    return t != '\0' && strchr(set, t) != NULL;
}

/* Skip a bulk payload of count bytes and its CRLF at *pos.  Returns 1, 0
 * when incomplete, -1 when the CRLF is missing. */
static int skip_payload(const char *p, size_t n, size_t *pos, long long count)
{
    if (count < 0)
        return 1; /* a null bulk has no payload */
    if (*pos + (size_t)count + 2 > n)
        return 0;
    if (p[*pos + count] != '\r' || p[*pos + count + 1] != '\n')
        return -1;
    *pos += (size_t)count + 2;
    return 1;
}

/* Frame the item (a scalar, a bulk, or an aggregate's header) at *pos,
 * moving *pos past it and adding the elements an aggregate announces to
 * *owed.  Returns 1, 0 when incomplete, -1 when it is not RESP. */
static int frame_item(const char *p, size_t n, size_t *pos, long long *owed)
{
    const char *line = p + *pos, *eol;
    long long count;

    eol = *pos < n ? memchr(line, '\n', n - *pos) : NULL;
    if (eol == NULL)
        return 0;
    if (eol == line || eol[-1] != '\r')
        return -1;
    *pos = (size_t)(eol - p) + 1;
    if (type_in(line[0], "+-:_,#("))
        return 1;
    if (parse_ll(line + 1, (size_t)(eol - line - 2), &count) != 0 ||
        count < -1 || count > HS_FRAME_MAX_COUNT)
        return -1;
    if (type_in(line[0], "$!="))
        return skip_payload(p, n, pos, count);
    if (type_in(line[0], "*~>"))
        *owed += count > 0 ? count : 0;
    else if (type_in(line[0], "%|"))
        *owed += count > 0 ? 2 * count : 0;
    else
        return -1;
    return 1;
}

/* Length of the one complete reply at the start of p[0..n): > 0 when
 * complete, 0 when more bytes are needed, -1 when the bytes are not RESP.
 * Aggregates are framed by counting the elements still owed, which needs no
 * recursion.  An attribute ('|') at the top is a frame of its own, as
 * resp_read.h hands it out separately; a nested one describes the element
 * after it instead of taking its place. */
static long long frame_len(const char *p, size_t n)
{
    size_t pos = 0;
    long long owed = 1;

    while (owed > 0) {
        int rc;

        if (pos >= n)
            return 0;
        if (!(p[pos] == '|' && pos > 0))
            owed--;
        rc = frame_item(p, n, &pos, &owed);
        if (rc <= 0)
            return rc;
    }
    return (long long)pos;
}

/* Receive what is available within timeout_ms into c->buf.  Returns HS_OK
 * when bytes came, else HS_TIMEOUT, HS_EOF or HS_BAD. */
static int fill(struct hs_client *c, int timeout_ms)
{
    struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
    ssize_t r;
    int pr;

    if (c->start > 0 && c->start * 2 >= c->len) {
        memmove(c->buf, c->buf + c->start, c->len - c->start);
        c->len -= c->start;
        c->start = 0;
    }
    if (c->cap - c->len < HS_READ_CHUNK) {
        c->cap = c->cap * 2 + HS_READ_CHUNK;
        c->buf = realloc(c->buf, c->cap);
        if (c->buf == NULL)
            abort();
    }
    do
        pr = poll(&pfd, 1, timeout_ms < 0 ? 0 : timeout_ms);
    while (pr < 0 && errno == EINTR);
    if (pr == 0)
        return HS_TIMEOUT;
    r = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
    if (r == 0 || (r < 0 && errno == ECONNRESET))
        return HS_EOF;
    if (r < 0)
        return HS_BAD;
    c->len += (size_t)r;
    return HS_OK;
}

/* Hand the framed bytes to the reader and take its reply. */
static int parse_frame(struct hs_client *c, size_t n, struct hs_reply *out)
{
    const char *frame = c->buf + c->start;

    out->reply = NULL;
    if (resp_reader_feed(c->reader, frame, n) != 0 ||
        resp_reader_next(c->reader, &out->reply) != RESP_READ_OK) {
        fprintf(stderr, "harness: resp_read rejected %s: %s\n",
                hs_escape(frame, n, 200), resp_reader_error(c->reader));
        return HS_BAD;
    }
    out->raw = malloc(n + 1);
    if (out->raw == NULL)
        abort();
    memcpy(out->raw, frame, n);
    out->raw[n] = '\0';
    out->raw_len = n;
    c->start += n;
    return HS_OK;
}

int hs_read_reply(struct hs_client *c, int timeout_ms, struct hs_reply *out)
{
    long long deadline = hs_now_ms() + timeout_ms;

    memset(out, 0, sizeof(*out));
    for (;;) {
        /* No buffer before the first fill: nothing framed yet. */
        long long n =
            c->buf ? frame_len(c->buf + c->start, c->len - c->start) : 0;
        int rc;

        if (n < 0) {
            fprintf(stderr, "harness: not RESP: %s\n",
                    hs_escape(c->buf + c->start, c->len - c->start, 200));
            return HS_BAD;
        }
        if (n > 0)
            return parse_frame(c, (size_t)n, out);
        rc = fill(c, (int)(deadline - hs_now_ms()));
        if (rc != HS_OK)
            return rc;
    }
}

void hs_reply_free(struct hs_reply *r)
{
    if (r->reply != NULL)
        resp_reply_free(r->reply);
    free(r->raw);
    memset(r, 0, sizeof(*r));
}

static const char *status_name(int rc)
{
    switch (rc) {
    case HS_TIMEOUT:
        return "timed out";
    case HS_EOF:
        return "connection closed";
    case HS_BAD:
        return "malformed reply or socket error";
    }
    return "ok";
}

const char *hs_check_reply(struct hs_client *c, const char *want,
                           size_t want_len)
{
    static char why[2048];
    struct hs_reply r;
    int rc = hs_read_reply(c, HS_TIMEOUT_MS, &r);

    if (rc != HS_OK) {
        snprintf(why, sizeof(why), "expected \"%s\": %s",
                 hs_escape(want, want_len, 300), status_name(rc));
        return why;
    }
    if (r.raw_len == want_len && memcmp(r.raw, want, want_len) == 0) {
        hs_reply_free(&r);
        return NULL;
    }
    snprintf(why, sizeof(why), "expected \"%s\", got \"%s\"",
             hs_escape(want, want_len, 300), hs_escape(r.raw, r.raw_len, 300));
    hs_reply_free(&r);
    return why;
}

int hs_wait_closed(struct hs_client *c, int timeout_ms)
{
    long long deadline = hs_now_ms() + timeout_ms;

    if (c->len > c->start)
        return HS_OK;
    for (;;) {
        int rc = fill(c, (int)(deadline - hs_now_ms()));

        if (rc == HS_EOF || rc == HS_BAD)
            return HS_EOF;
        if (rc == HS_TIMEOUT)
            return HS_TIMEOUT;
        if (c->len > c->start)
            return HS_OK;
    }
}
