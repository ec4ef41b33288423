/* judge.c -- the judge pipeline end to end: a broker (respd, or
 * redis-server for the _redis tests), `judge api`, two `judge worker`s
 * and `judge notify`, each on a free loopback port, driven the way a user
 * would: HTTP for submitting, a WebSocket for verdicts.
 *
 * The WebSocket client here is deliberately minimal (RFC 6455 client
 * side: the handshake with the RFC's sample key, whose accept value the
 * RFC gives, masked text frames out, unmasked frames in).  Records are
 * checked with plain string searches: the judge writes compact JSON
 * ("key":value, no spaces), and this binary does not link the judge's
 * JSON reader.
 *
 * bin/judge is looked up next to this binary (both are built into $BIN);
 * the problems come from client/judge/problems under the working
 * directory (the repository root, where make and tests/run-all.sh run),
 * or from $JUDGE_PROBLEMS. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../client/client.h"
#include "harness.h"

#define JT_LEASE_MS   "1000" /* workers' lease: how fast death is seen */
#define JT_START_MS   10000  /* for a process to start listening */
#define JT_VERDICT_MS 20000  /* for a verdict to arrive */
#define JT_MAX_PROCS  8
#define JT_MAX_MSGS   256
#define JT_WS_BUF     (1 << 20)
#define JT_HTTP_BUF   (1 << 20)
#define JT_CHANNEL    "problem_done"
/* RFC 6455 section 1.3: this key's Sec-WebSocket-Accept. */
#define JT_WS_KEY    "dGhlIHNhbXBsZSBub25jZQ=="
#define JT_WS_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

/* Solutions for problem a-plus-b (read two integers, print the sum). */
static const char AC_C[] = "#include <stdio.h>\n"
                           "int main(void)\n"
                           "{\n"
                           "    long long a, b;\n"
                           "    if (scanf(\"%lld %lld\", &a, &b) != 2)\n"
                           "        return 1;\n"
                           "    printf(\"%lld\\n\", a + b);\n"
                           "    return 0;\n"
                           "}\n";
static const char WA_PY[] = "a, b = map(int, input().split())\n"
                            "print(a - b)\n";
/* Correct, but sleeps 1.5 s (wall clock, no CPU) before its first test:
 * long enough to kill the worker running it.  The marker file lives in
 * the submission's private directory, so each attempt sleeps once. */
static const char SLOW_PY[] = "import os, time\n"
                              "if not os.path.exists('slept'):\n"
                              "    open('slept', 'w').close()\n"
                              "    time.sleep(1.5)\n"
                              "a, b = map(int, input().split())\n"
                              "print(a + b)\n";

struct jt_proc {
    pid_t pid;
    char name[32];
    char log[PATH_MAX];
};

struct jt_ws {
    int fd;
    unsigned char *buf;
    size_t len;
    char *msgs[JT_MAX_MSGS];
    int nmsgs;
    int ctl_opcode; /* the last control frame received, 0: none */
    unsigned char ctl[126];
    size_t ctl_len;
    int eof; /* the server closed the connection */
};

static struct hs_server broker;
static struct jt_proc procs[JT_MAX_PROCS];
static int nprocs;
static char logdir[64];
static char rundir[80]; /* the workers' --tmp-dir: <logdir>/run */
static int broker_port; /* what --broker points the roles at */
static int api_port;
static struct client *rc; /* commands to the broker */

/* ---- processes ------------------------------------------------------------
 */

static const char *judge_path(void)
{
    static char path[PATH_MAX];
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

    if (n < 0)
        return "bin/judge";
    self[n] = '\0';
    snprintf(path, sizeof(path), "%s/judge", dirname(self));
    return path;
}

static const char *problems_dir(void)
{
    const char *env = getenv("JUDGE_PROBLEMS");

    return env && *env ? env : "client/judge/problems";
}

/* Print every log so far to stderr: called before an assertion fails, so
 * that the report says what the processes saw. */
static void dump_logs(void)
{
    char buf[4096];

    for (int i = 0; i < nprocs; i++) {
        FILE *f = fopen(procs[i].log, "r");
        fprintf(stderr, "---- %s (pid %d) ----\n", procs[i].name,
                (int)procs[i].pid);
        while (f && fgets(buf, sizeof(buf), f))
            fputs(buf, stderr);
        if (f)
            fclose(f);
    }
}

#define jt_assert(cond, ...)                                                   \
    do {                                                                       \
        if (!(cond))                                                           \
            dump_logs();                                                       \
        cr_assert(cond, __VA_ARGS__);                                          \
    } while (0)

static int tcp_connect(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static int proc_alive(const struct jt_proc *p)
{
    return p->pid > 0 && waitpid(p->pid, NULL, WNOHANG) == 0;
}

/* Start argv[0] with its output in its own log, remembered for teardown.
 * The child dies with the test process. */
static struct jt_proc *spawn_proc(const char *name, const char *const *argv)
{
    cr_assert(nprocs < JT_MAX_PROCS);
    struct jt_proc *p = &procs[nprocs++];
    snprintf(p->name, sizeof(p->name), "%s", name);
    snprintf(p->log, sizeof(p->log), "%s/%s.log", logdir, name);
    pid_t parent = getpid();
    p->pid = fork();
    cr_assert(p->pid >= 0);
    if (p->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int fd = open(p->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return p;
}

/* spawn_proc for bin/judge with args (NULL-terminated). */
static struct jt_proc *spawn_judge(const char *name, const char *const *args)
{
    const char *argv[32];
    int argc = 0;

    argv[argc++] = judge_path();
    for (int i = 0; args[i] != NULL && argc < 31; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    return spawn_proc(name, argv);
}

/* The port a role logged "<role> listening on 127.0.0.1:<port>" with,
 * or 0 while it has not. */
static int logged_port(const struct jt_proc *p, const char *role)
{
    char needle[64], line[1024];
    int port = 0;
    FILE *f = fopen(p->log, "r");

    snprintf(needle, sizeof(needle), "%s listening on 127.0.0.1:", role);
    while (f && port == 0 && fgets(line, sizeof(line), f)) {
        char *at = strstr(line, needle);
        if (at)
            port = atoi(at + strlen(needle));
    }
    if (f)
        fclose(f);
    return port;
}

/* Start a listening role (api or notify) on a port of the kernel's choice
 * (--listen 127.0.0.1:0, read back from its log: a port picked here could
 * be taken by a parallel test before the role binds it).  Returns the
 * port. */
static int start_server_role(const char *role, const char *name,
                             const char *const *extra)
{
    char brk[32];

    snprintf(brk, sizeof(brk), "127.0.0.1:%d", broker_port);
    const char *args[24] = {role,          "--broker",    brk,
                            "--listen",    "127.0.0.1:0", "--problems",
                            problems_dir()};
    int n = 7;
    for (int i = 0; extra && extra[i] && n < 23; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    struct jt_proc *p = spawn_judge(name, args);
    long long deadline = hs_now_ms() + JT_START_MS;
    while (hs_now_ms() < deadline && proc_alive(p)) {
        int port = logged_port(p, role);
        if (port > 0)
            return port;
        hs_sleep_ms(10);
    }
    dump_logs();
    cr_assert_fail("judge %s did not start", role);
    return -1;
}

static struct jt_proc *start_worker(const char *id)
{
    char brk[32];

    snprintf(brk, sizeof(brk), "127.0.0.1:%d", broker_port);
    const char *args[] = {"worker",    "--broker",   brk,
                          "--id",      id,           "--lease-ms",
                          JT_LEASE_MS, "--problems", problems_dir(),
                          "--tmp-dir", rundir,       NULL};
    return spawn_judge(id, args);
}

/* Wait until p's log has a line containing text; 1 if it came. */
static int wait_log(const struct jt_proc *p, const char *text, int ms)
{
    char line[1024];
    long long deadline = hs_now_ms() + ms;

    for (;;) {
        FILE *f = fopen(p->log, "r");
        int found = 0;
        while (f && !found && fgets(line, sizeof(line), f))
            found = strstr(line, text) != NULL;
        if (f)
            fclose(f);
        if (found)
            return 1;
        if (hs_now_ms() >= deadline || !proc_alive(p))
            return 0;
        hs_sleep_ms(10);
    }
}

/* ---- fixture ---------------------------------------------------------------
 */

/* What every test needs before starting anything. */
static void prepare(void)
{
    srand((unsigned)(getpid() ^ hs_now_ms()));
    snprintf(logdir, sizeof(logdir), "/tmp/judge-test.XXXXXX");
    cr_assert(mkdtemp(logdir) != NULL);
    snprintf(rundir, sizeof(rundir), "%s/run", logdir);
    cr_assert(mkdir(rundir, 0700) == 0);
    cr_assert(access(judge_path(), X_OK) == 0, "%s is missing", judge_path());
    cr_assert(access(problems_dir(), R_OK) == 0,
              "%s is missing (run from the repository root)", problems_dir());
}

static void connect_rc(int port)
{
    struct client_opts o = {0};

    o.port = port;
    o.io_timeout_ms = 5000;
    rc = client_connect(&o);
    cr_assert(rc != NULL && client_err(rc) == CLIENT_OK, "broker: %s",
              rc ? client_errstr(rc) : "out of memory");
}

/* The process_id INFO reports on rc's server. */
static int broker_pid(void)
{
    struct resp_reply *r = client_command(rc, "INFO", "server", NULL);
    int pid = -1;

    cr_assert(r != NULL && r->type == RESP_STRING, "INFO: %s",
              client_errstr(rc));
    const char *at = strstr(r->str, "process_id:");
    if (at)
        pid = atoi(at + 11);
    resp_reply_free(r);
    return pid;
}

/* Start the broker under test and connect rc to it.  The harness picks a
 * port that was free a moment before; a parallel test's server may have
 * won it meanwhile, in which case this test would share that server: the
 * process id tells, and another port is tried. */
static void start_broker(void)
{
    prepare();
    for (int tries = 0; tries < 5; tries++) {
        cr_assert_eq(hs_start(&broker, NULL), 0, "%s did not start",
                     hs_server_path());
        broker_port = broker.port;
        connect_rc(broker_port);
        if (broker_pid() == (int)broker.pid)
            return;
        client_free(rc);
        rc = NULL;
        hs_stop(&broker);
    }
    cr_assert_fail("no broker of our own after 5 tries");
}

/* Use redis-server as the broker from now on (this test process only). */
static void use_redis(void)
{
    const char *paths[] = {"/usr/bin/redis-server",
                           "/usr/local/bin/redis-server", NULL};

    for (int i = 0; paths[i]; i++)
        if (access(paths[i], X_OK) == 0) {
            setenv("RESPD", paths[i], 1);
            return;
        }
    cr_assert_fail("redis-server is not installed (make test-deps)");
}

/* nftw callback: remove one entry, carrying on past failures. */
static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* Entries in directory path (-1 if it cannot be read). */
static int dir_entries(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *de;
    int n = 0;

    if (d == NULL)
        return -1;
    while ((de = readdir(d)) != NULL)
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* Wait until the workers' directory is empty: every submission's
 * directory removed, by its judge or by a sweep.  Returns its entries. */
static int wait_rundir_empty(int ms)
{
    long long deadline = hs_now_ms() + ms;
    int n;

    while ((n = dir_entries(rundir)) != 0 && hs_now_ms() < deadline)
        hs_sleep_ms(20);
    return n;
}

static void teardown(void)
{
    for (int i = 0; i < nprocs; i++)
        if (procs[i].pid > 0)
            kill(procs[i].pid, SIGTERM);
    for (int i = 0; i < nprocs; i++) {
        long long deadline = hs_now_ms() + 3000;
        while (procs[i].pid > 0 && proc_alive(&procs[i]) &&
               hs_now_ms() < deadline)
            hs_sleep_ms(10);
        if (procs[i].pid > 0 && proc_alive(&procs[i])) {
            kill(procs[i].pid, SIGKILL);
            waitpid(procs[i].pid, NULL, 0);
        }
        unlink(procs[i].log);
    }
    nprocs = 0;
    client_free(rc);
    rc = NULL;
    hs_stop(&broker);
    /* Whatever the processes left (a worker killed mid-run leaves its
     * submission's directory): the test run leaves nothing in /tmp. */
    if (logdir[0])
        nftw(logdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    logdir[0] = rundir[0] = '\0';
}

TestSuite(judge, .fini = teardown, .timeout = 90);

/* ---- broker helpers ------------------------------------------------------ */

/* An integer reply (LLEN, GET of a number; nil is 0). */
static long long broker_int(const char *cmd, const char *a, const char *b)
{
    struct resp_reply *r = client_command(rc, cmd, a, b, NULL);
    long long v = -1;

    cr_assert(r != NULL, "broker: %s", client_errstr(rc));
    if (r->type == RESP_INTEGER)
        v = r->integer;
    else if (r->type == RESP_STRING)
        v = atoll(r->str);
    else if (r->type == RESP_NIL)
        v = 0;
    resp_reply_free(r);
    return v;
}

static char *broker_hget(const char *key, const char *field)
{
    struct resp_reply *r = client_command(rc, "HGET", key, field, NULL);
    char *v = NULL;

    cr_assert(r != NULL, "broker: %s", client_errstr(rc));
    if (r->type == RESP_STRING)
        v = strdup(r->str);
    resp_reply_free(r);
    return v;
}

/* The broker's count of subscribers to problem_done. */
static long long numsub(void)
{
    struct resp_reply *r =
        client_command(rc, "PUBSUB", "NUMSUB", JT_CHANNEL, NULL);
    long long n = -1;

    cr_assert(r != NULL && r->type == RESP_ARRAY && r->elements == 2);
    if (r->element[1]->type == RESP_INTEGER)
        n = r->element[1]->integer;
    resp_reply_free(r);
    return n;
}

/* A second connection subscribed to problem_done. */
static struct client *subscribe_channel(void)
{
    struct client_opts o = {0};

    o.port = broker_port;
    o.io_timeout_ms = 5000;
    struct client *s = client_connect(&o);
    cr_assert(s != NULL && client_err(s) == CLIENT_OK);
    struct resp_reply *r = client_command(s, "SUBSCRIBE", JT_CHANNEL, NULL);
    cr_assert(r != NULL && r->type == RESP_ARRAY);
    resp_reply_free(r);
    return s;
}

/* How many messages on the channel within ms mention submission id. */
static int count_published(struct client *s, const char *id, int ms)
{
    char needle[128];
    int n = 0;
    long long deadline = hs_now_ms() + ms;

    snprintf(needle, sizeof(needle), "\"id\":\"%s\"", id);
    client_set_timeout(s, 100);
    while (hs_now_ms() < deadline) {
        struct resp_reply *r = client_read_reply(s);
        if (r == NULL) {
            cr_assert_eq(client_err(s), CLIENT_ERR_TIMEOUT, "%s",
                         client_errstr(s));
            continue;
        }
        if (r->type == RESP_ARRAY && r->elements == 3 &&
            r->element[2]->type == RESP_STRING &&
            strstr(r->element[2]->str, needle))
            n++;
        resp_reply_free(r);
    }
    return n;
}

/* ---- HTTP ------------------------------------------------------------------
 */

static void send_all(int fd, const void *p, size_t n)
{
    const char *s = p;

    while (n > 0) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        cr_assert(w > 0, "send: %s", strerror(errno));
        s += w;
        n -= (size_t)w;
    }
}

/* Read until the peer closes or ms pass; returns the bytes (NUL-ended). */
static char *read_until_close(int fd, int ms, size_t *len)
{
    char *buf = malloc(JT_HTTP_BUF);
    size_t n = 0;
    long long deadline = hs_now_ms() + ms;

    cr_assert(buf != NULL);
    while (n < JT_HTTP_BUF - 1) {
        struct pollfd pfd = {fd, POLLIN, 0};
        long long left = deadline - hs_now_ms();
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            break;
        ssize_t r = recv(fd, buf + n, JT_HTTP_BUF - 1 - n, 0);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* One request on a fresh connection ("Connection: close").  Returns the
 * status; *body (when body != NULL) gets the response body to free. */
static int http(const char *method, const char *path, const char *json,
                char **body)
{
    char head[512];
    int fd = tcp_connect(api_port);

    cr_assert(fd >= 0, "cannot connect to the api");
    size_t blen = json ? strlen(json) : 0;
    int hl = snprintf(head, sizeof(head),
                      "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Content-Type: application/json\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                      method, path, blen);
    send_all(fd, head, (size_t)hl);
    if (blen)
        send_all(fd, json, blen);
    char *resp = read_until_close(fd, 10000, NULL);
    close(fd);
    int status = 0;
    sscanf(resp, "HTTP/1.1 %d", &status);
    char *b = strstr(resp, "\r\n\r\n");
    if (body)
        *body = strdup(b ? b + 4 : "");
    free(resp);
    return status;
}

/* s as a JSON string literal, quotes included (malloc'd). */
static char *json_quote(const char *s)
{
    char *out = malloc(strlen(s) * 6 + 3), *o = out;

    *o++ = '"';
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') {
            *o++ = '\\';
            *o++ = *s;
        } else if (*s == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        } else {
            *o++ = *s;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

/* The string value of "key":"..." in a compact JSON text, or "". */
static void json_field(const char *json, const char *key, char *out, size_t cap)
{
    char needle[64];

    snprintf(needle, sizeof(needle), "\"%s\":\"", key);
    const char *p = json ? strstr(json, needle) : NULL;
    size_t n = 0;
    if (p != NULL)
        for (p += strlen(needle); *p && *p != '"' && n + 1 < cap; p++)
            out[n++] = *p;
    out[n] = '\0';
}

/* The integer value of "key":N, or -1. */
static long long json_int(const char *json, const char *key)
{
    char needle[64];

    snprintf(needle, sizeof(needle), "\"%s\":", key);
    const char *p = json ? strstr(json, needle) : NULL;
    return p ? atoll(p + strlen(needle)) : -1;
}

/* POST a submission; asserts 202 and returns its id in id[64]. */
static void submit(const char *user, const char *problem, const char *lang,
                   const char *code, char id[64])
{
    char *q = json_quote(code), *body;
    char *json = malloc(strlen(q) + 256);

    sprintf(json,
            "{\"problemId\":\"%s\",\"lang\":\"%s\",\"code\":%s,"
            "\"userId\":\"%s\"}",
            problem, lang, q, user);
    int status = http("POST", "/submissions", json, &body);
    jt_assert(status == 202, "POST /submissions: %d %s", status, body);
    json_field(body, "id", id, 64);
    cr_assert(id[0] != '\0', "no id in %s", body);
    free(body);
    free(json);
    free(q);
}

/* Poll GET /submissions/<id> until its status is want; returns the
 * record (to free). */
static char *wait_status(const char *id, const char *want, int ms)
{
    char path[128], status[32];
    long long deadline = hs_now_ms() + ms;

    snprintf(path, sizeof(path), "/submissions/%s", id);
    for (;;) {
        char *body;
        int code = http("GET", path, NULL, &body);
        json_field(body, "status", status, sizeof(status));
        if (code == 200 && strcmp(status, want) == 0)
            return body;
        free(body);
        jt_assert(hs_now_ms() < deadline, "%s never became %s (last %s)", id,
                  want, status);
        hs_sleep_ms(20);
    }
}

/* ---- WebSocket
 * --------------------------------------------------------------- */

/* Send one frame: FIN when fin, masked (as a client must) when masked,
 * a payload of up to 65535 bytes. */
static void ws_send_frame(struct jt_ws *ws, int fin, int opcode, int masked,
                          const void *p, size_t n)
{
    static const unsigned char mask[4] = {0x37, 0xfa, 0x21, 0x3d};
    const unsigned char *s = p;
    unsigned char *frame = malloc(n + 8);
    size_t h = 0;

    cr_assert(n <= 0xffff && frame != NULL);
    frame[h++] = (fin ? 0x80 : 0) | (unsigned char)opcode;
    if (n < 126) {
        frame[h++] = (masked ? 0x80 : 0) | (unsigned char)n;
    } else {
        frame[h++] = (masked ? 0x80 : 0) | 126;
        frame[h++] = (unsigned char)(n >> 8);
        frame[h++] = (unsigned char)n;
    }
    if (masked) {
        memcpy(frame + h, mask, 4);
        h += 4;
    }
    for (size_t i = 0; i < n; i++)
        frame[h + i] = masked ? s[i] ^ mask[i % 4] : s[i];
    send_all(ws->fd, frame, h + n);
    free(frame);
}

/* Send one masked, unfragmented frame. */
static void ws_send(struct jt_ws *ws, int opcode, const void *p, size_t n)
{
    ws_send_frame(ws, 1, opcode, 1, p, n);
}

static void ws_send_text(struct jt_ws *ws, const char *text)
{
    ws_send(ws, 0x1, text, strlen(text));
}

/* Open a WebSocket to notify and identify as user (unless NULL). */
static void ws_open(struct jt_ws *ws, int port, const char *user)
{
    static const char req[] = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Key: " JT_WS_KEY "\r\n"
                              "Sec-WebSocket-Version: 13\r\n\r\n";
    char ident[128];

    memset(ws, 0, sizeof(*ws));
    ws->buf = malloc(JT_WS_BUF);
    ws->fd = tcp_connect(port);
    cr_assert(ws->fd >= 0 && ws->buf != NULL);
    send_all(ws->fd, req, sizeof(req) - 1);
    long long deadline = hs_now_ms() + 5000;
    char *end = NULL;
    while (end == NULL && hs_now_ms() < deadline) {
        struct pollfd pfd = {ws->fd, POLLIN, 0};
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        ssize_t r = recv(ws->fd, ws->buf + ws->len, JT_WS_BUF - 1 - ws->len, 0);
        cr_assert(r > 0, "notify closed during the handshake");
        ws->len += (size_t)r;
        ws->buf[ws->len] = '\0';
        end = strstr((char *)ws->buf, "\r\n\r\n");
    }
    cr_assert(end != NULL, "no handshake answer");
    cr_assert(strncmp((char *)ws->buf, "HTTP/1.1 101 ", 13) == 0, "%s",
              ws->buf);
    cr_assert(strstr((char *)ws->buf,
                     "Sec-WebSocket-Accept: " JT_WS_ACCEPT "\r\n") != NULL,
              "%s", ws->buf);
    size_t head = (size_t)(end + 4 - (char *)ws->buf);
    memmove(ws->buf, ws->buf + head, ws->len - head);
    ws->len -= head;
    if (user == NULL)
        return;
    snprintf(ident, sizeof(ident), "{\"userId\": \"%s\"}", user);
    ws_send_text(ws, ident);
}

static void ws_close(struct jt_ws *ws)
{
    for (int i = 0; i < ws->nmsgs; i++)
        free(ws->msgs[i]);
    if (ws->fd >= 0)
        close(ws->fd);
    free(ws->buf);
    memset(ws, 0, sizeof(*ws));
    ws->fd = -1;
}

/* Take the complete frames in ws->buf; text messages go to ws->msgs. */
static void ws_parse(struct jt_ws *ws)
{
    for (;;) {
        if (ws->len < 2)
            return;
        unsigned char *b = ws->buf;
        cr_assert((b[1] & 0x80) == 0, "a server frame must not be masked");
        uint64_t n = b[1] & 0x7f;
        size_t off = 2;
        if (n == 126) {
            if (ws->len < 4)
                return;
            n = (uint64_t)b[2] << 8 | b[3];
            off = 4;
        } else if (n == 127) {
            if (ws->len < 10)
                return;
            n = 0;
            for (int i = 0; i < 8; i++)
                n = n << 8 | b[2 + i];
            off = 10;
        }
        if (ws->len < off + n)
            return;
        int opcode = b[0] & 0x0f;
        cr_assert(b[0] & 0x80, "the judge sends unfragmented messages");
        if (opcode == 0x1 && ws->nmsgs < JT_MAX_MSGS) {
            char *m = malloc(n + 1);
            memcpy(m, b + off, n);
            m[n] = '\0';
            ws->msgs[ws->nmsgs++] = m;
        } else if (opcode >= 0x8) {
            cr_assert(n <= 125, "control frames carry at most 125 bytes");
            ws->ctl_opcode = opcode;
            memcpy(ws->ctl, b + off, n);
            ws->ctl_len = n;
        }
        memmove(ws->buf, ws->buf + off + n, ws->len - off - n);
        ws->len -= off + n;
    }
}

/* Read frames for up to ms. */
static void ws_poll(struct jt_ws *ws, int ms)
{
    long long deadline = hs_now_ms() + ms;

    for (;;) {
        long long left = deadline - hs_now_ms();
        struct pollfd pfd = {ws->fd, POLLIN, 0};
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            return;
        ssize_t r = recv(ws->fd, ws->buf + ws->len, JT_WS_BUF - ws->len, 0);
        if (r <= 0) {
            ws->eof = 1;
            return;
        }
        ws->len += (size_t)r;
        ws_parse(ws);
    }
}

/* How many DONE records for id arrived. */
static int ws_count_done(const struct jt_ws *ws, const char *id)
{
    char needle[128];
    int n = 0;

    snprintf(needle, sizeof(needle), "{\"id\":\"%s\"", id);
    for (int i = 0; i < ws->nmsgs; i++)
        if (strncmp(ws->msgs[i], needle, strlen(needle)) == 0 &&
            strstr(ws->msgs[i], "\"status\":\"DONE\""))
            n++;
    return n;
}

/* Wait for the DONE record of id on ws; returns it (owned by ws). */
static const char *ws_wait_done(struct jt_ws *ws, const char *id, int ms)
{
    char needle[128];
    long long deadline = hs_now_ms() + ms;

    snprintf(needle, sizeof(needle), "{\"id\":\"%s\"", id);
    for (;;) {
        for (int i = 0; i < ws->nmsgs; i++)
            if (strncmp(ws->msgs[i], needle, strlen(needle)) == 0 &&
                strstr(ws->msgs[i], "\"status\":\"DONE\""))
                return ws->msgs[i];
        jt_assert(hs_now_ms() < deadline, "no verdict for %s on the socket",
                  id);
        ws_poll(ws, 50);
    }
}

static void assert_verdict(const char *rec, const char *verdict)
{
    char v[16];

    json_field(rec, "verdict", v, sizeof(v));
    jt_assert(strcmp(v, verdict) == 0, "verdict %s, expected %s: %s", v,
              verdict, rec);
}

/* ---- the whole pipeline
 * ------------------------------------------------------ */

/* respd (or redis), api, workers w1 and w2, notify: the notify port. */
static int start_pipeline(void)
{
    start_broker();
    api_port = start_server_role("api", "api", NULL);
    start_worker("w1");
    start_worker("w2");
    return start_server_role("notify", "notify", NULL);
}

/* The scenario of the issue: verdicts over the WebSocket, then a worker
 * killed with SIGKILL in the middle of a job. */
static void run_pipeline(void)
{
    struct jt_ws ws;
    char user[32], ac[64], wa[64], slow[64], worker[32], key[128];

    int notify_port = start_pipeline();
    struct client *sub = subscribe_channel();
    snprintf(user, sizeof(user), "user-%d", (int)getpid());
    ws_open(&ws, notify_port, user);

    /* An accepted and a wrong answer, each pushed once. */
    submit(user, "a-plus-b", "c", AC_C, ac);
    submit(user, "a-plus-b", "python", WA_PY, wa);
    const char *rec = ws_wait_done(&ws, ac, JT_VERDICT_MS);
    assert_verdict(rec, "AC");
    json_field(rec, "userId", key, sizeof(key));
    cr_assert_str_eq(key, user);
    json_field(rec, "problemId", key, sizeof(key));
    cr_assert_str_eq(key, "a-plus-b");
    json_field(rec, "lang", key, sizeof(key));
    cr_assert_str_eq(key, "c");
    cr_assert_eq(json_int(rec, "passed"), json_int(rec, "total"));
    cr_assert(strstr(rec, "\"tests\":[{\"name\":\"01\"") != NULL, "%s", rec);
    cr_assert(strstr(rec, "\"code\"") == NULL, "records carry no code");
    assert_verdict(ws_wait_done(&ws, wa, JT_VERDICT_MS), "WA");

    /* The API serves the same record as the socket got. */
    char path[128], *body;
    snprintf(path, sizeof(path), "/submissions/%s", ac);
    cr_assert_eq(http("GET", path, NULL, &body), 200);
    cr_assert_str_eq(body, rec);
    free(body);

    /* kill -9 the worker running a job: the reaper gives it to the other
     * worker, and it is judged (and published) exactly once. */
    submit(user, "a-plus-b", "python", SLOW_PY, slow);
    free(wait_status(slow, "RUNNING", JT_VERDICT_MS));
    snprintf(key, sizeof(key), "submission:%s", slow);
    char *w = broker_hget(key, "worker");
    cr_assert(w != NULL);
    snprintf(worker, sizeof(worker), "%s", w);
    free(w);
    struct jt_proc *victim = NULL;
    for (int i = 0; i < nprocs; i++)
        if (strcmp(procs[i].name, worker) == 0)
            victim = &procs[i];
    cr_assert(victim != NULL, "unknown worker %s", worker);
    kill(victim->pid, SIGKILL);
    waitpid(victim->pid, NULL, 0);
    victim->pid = 0;

    rec = ws_wait_done(&ws, slow, JT_VERDICT_MS);
    assert_verdict(rec, "AC");
    cr_assert_eq(json_int(rec, "attempts"), 2, "%s", rec);
    json_field(rec, "worker", key, sizeof(key));
    cr_assert(strcmp(key, worker) != 0, "judged by the dead worker: %s", rec);

    /* Exactly one final record per submission on the channel. */
    int n_ac = 0, n_wa = 0, n_slow = 0, same_slow = 0;
    {
        char na[128], nw[128], ns[128];
        snprintf(na, sizeof(na), "\"id\":\"%s\"", ac);
        snprintf(nw, sizeof(nw), "\"id\":\"%s\"", wa);
        snprintf(ns, sizeof(ns), "\"id\":\"%s\"", slow);
        long long deadline = hs_now_ms() + 1500;
        client_set_timeout(sub, 100);
        while (hs_now_ms() < deadline) {
            struct resp_reply *r = client_read_reply(sub);
            if (r == NULL)
                continue;
            if (r->type == RESP_ARRAY && r->elements == 3) {
                const char *m = r->element[2]->str;
                n_ac += strstr(m, na) != NULL;
                n_wa += strstr(m, nw) != NULL;
                n_slow += strstr(m, ns) != NULL;
                if (strstr(m, ns) != NULL)
                    same_slow = strcmp(m, rec) == 0;
            }
            resp_reply_free(r);
        }
    }
    jt_assert(n_ac == 1 && n_wa == 1 && n_slow == 1,
              "published: ac %d, wa %d, slow %d", n_ac, n_wa, n_slow);
    cr_assert(same_slow, "the channel and the socket carry the same record");
    ws_poll(&ws, 200);
    cr_assert_eq(ws_count_done(&ws, slow), 1);
    cr_assert_eq(ws_count_done(&ws, ac), 1);

    /* Nothing left behind: queue, processing lists, in-flight count. */
    cr_assert_eq(broker_int("LLEN", "submissions", NULL), 0);
    cr_assert_eq(broker_int("LLEN", "processing:w1", NULL), 0);
    cr_assert_eq(broker_int("LLEN", "processing:w2", NULL), 0);
    snprintf(key, sizeof(key), "user:%s:inflight", user);
    cr_assert_eq(broker_int("GET", key, NULL), 0);

    /* The killed worker's submission directory was swept by the reaper
     * of the other; the other judges removed their own. */
    int left = wait_rundir_empty(3000);
    jt_assert(left == 0, "%d entries left in %s", left, rundir);
    client_free(sub);
    ws_close(&ws);
}

Test(judge, pipeline_on_respd)
{
    run_pipeline();
}

Test(judge, pipeline_on_redis)
{
    use_redis();
    run_pipeline();
}

/* ---- narrower behaviours
 * ------------------------------------------------------ */

/* A verdict published before the socket identified is not lost: the
 * snapshot on identification carries it, once. */
Test(judge, snapshot_sends_verdicts_from_before_identifying)
{
    struct jt_ws ws;
    char id[64];

    int notify_port = start_pipeline();
    submit("early-bird", "a-plus-b", "python", WA_PY, id);
    free(wait_status(id, "DONE", JT_VERDICT_MS));
    ws_open(&ws, notify_port, "early-bird");
    assert_verdict(ws_wait_done(&ws, id, 5000), "WA");
    ws_poll(&ws, 300);
    cr_assert_eq(ws_count_done(&ws, id), 1);
    ws_close(&ws);
}

/* Two notify processes side by side: each forwards to its own sockets. */
Test(judge, two_notify_processes_both_forward)
{
    struct jt_ws a, b;
    char id[64];

    int port1 = start_pipeline();
    int port2 = start_server_role("notify", "notify2", NULL);
    ws_open(&a, port1, "shared");
    ws_open(&b, port2, "shared");
    ws_poll(&a, 100);
    ws_poll(&b, 100);
    cr_assert_eq(numsub(), 2, "one subscriber connection per notify");
    submit("shared", "a-plus-b", "c", AC_C, id);
    assert_verdict(ws_wait_done(&a, id, JT_VERDICT_MS), "AC");
    assert_verdict(ws_wait_done(&b, id, JT_VERDICT_MS), "AC");
    ws_close(&a);
    ws_close(&b);
}

/* A job delivered twice while the first delivery is still running: both
 * workers judge it, one verdict is written and published. */
Test(judge, duplicate_delivery_gives_one_verdict)
{
    char id[64], key[128];

    start_pipeline();
    struct client *sub = subscribe_channel();
    submit("twice", "a-plus-b", "python", SLOW_PY, id);
    free(wait_status(id, "RUNNING", JT_VERDICT_MS));
    cr_assert_eq(broker_int("LPUSH", "submissions", id), 1);
    free(wait_status(id, "DONE", JT_VERDICT_MS));
    int n = count_published(sub, id, 3000);
    jt_assert(n == 1, "published %d times", n);
    snprintf(key, sizeof(key), "submission:%s", id);
    char *attempts = broker_hget(key, "attempts");
    cr_assert_str_eq(attempts, "2", "both deliveries were taken");
    free(attempts);
    snprintf(key, sizeof(key), "user:twice:inflight");
    cr_assert_eq(broker_int("GET", key, NULL), 0, "decremented once");
    cr_assert_eq(broker_int("LLEN", "processing:w1", NULL), 0);
    cr_assert_eq(broker_int("LLEN", "processing:w2", NULL), 0);
    client_free(sub);
}

/* A submission whose workers kept dying (3 attempts used) ends as IE. */
Test(judge, third_failed_attempt_gives_internal_error)
{
    char id[64], key[128];

    start_broker();
    api_port = start_server_role("api", "api", NULL);
    submit("unlucky", "a-plus-b", "c", AC_C, id);
    snprintf(key, sizeof(key), "submission:%s", id);
    struct resp_reply *r =
        client_command(rc, "HSET", key, "attempts", "3", NULL);
    cr_assert(r != NULL && r->type == RESP_INTEGER);
    resp_reply_free(r);
    start_worker("w1");
    char *rec = wait_status(id, "DONE", JT_VERDICT_MS);
    assert_verdict(rec, "IE");
    cr_assert(strstr(rec, "3 attempts") != NULL, "%s", rec);
    free(rec);
}

/* Bad submissions get 400 with a JSON error and write nothing. */
Test(judge, api_rejects_bad_submissions)
{
    static const char *const bad[] = {
        "{\"problemId\":",
        "[1,2]",
        "{\"problemId\":\"nope\",\"lang\":\"c\",\"code\":\"x\",\"userId\":"
        "\"u\"}",
        "{\"problemId\":\"a-plus-b\",\"lang\":\"cobol\",\"code\":\"x\","
        "\"userId\":\"u\"}",
        "{\"problemId\":\"a-plus-b\",\"lang\":\"c\",\"userId\":\"u\"}",
        "{\"problemId\":\"a-plus-b\",\"lang\":\"c\",\"code\":\"x\","
        "\"userId\":\"no spaces\"}",
        NULL};
    char *body;

    start_broker();
    api_port = start_server_role("api", "api", NULL);
    for (int i = 0; bad[i]; i++) {
        int status = http("POST", "/submissions", bad[i], &body);
        cr_assert_eq(status, 400, "%s -> %d %s", bad[i], status, body);
        cr_assert(strncmp(body, "{\"error\":\"", 10) == 0, "%s", body);
        free(body);
    }

    /* Code over 64 KiB. */
    size_t big = 64 * 1024 + 1;
    char *code = malloc(big + 1);
    memset(code, 'x', big);
    code[big] = '\0';
    char *json = malloc(big + 256);
    sprintf(json,
            "{\"problemId\":\"a-plus-b\",\"lang\":\"c\",\"code\":\"%s\","
            "\"userId\":\"u\"}",
            code);
    cr_assert_eq(http("POST", "/submissions", json, &body), 400, "%s", body);
    cr_assert(strstr(body, "over the limit") != NULL, "%s", body);
    free(body);
    free(json);
    free(code);

    cr_assert_eq(broker_int("LLEN", "submissions", NULL), 0);
    cr_assert_eq(broker_int("DBSIZE", NULL, NULL), 0, "nothing written");
}

/* The caps: per-user submissions in flight (429), queue length (503). */
Test(judge, api_caps_answer_429_and_503)
{
    const char *const extra[] = {"--max-inflight", "2", "--max-queue", "3",
                                 NULL};
    char id[64], *body;
    char json[256];

    start_broker();
    api_port = start_server_role("api", "api", extra);
    submit("greedy", "a-plus-b", "python", WA_PY, id);
    submit("greedy", "a-plus-b", "python", WA_PY, id);
    /* No worker runs: the record stays PENDING, without a verdict. */
    snprintf(json, sizeof(json), "/submissions/%s", id);
    cr_assert_eq(http("GET", json, NULL, &body), 200);
    cr_assert(strstr(body, "\"userId\":\"greedy\",\"problemId\":\"a-plus-b\","
                           "\"lang\":\"python\",\"status\":\"PENDING\"") &&
                  strstr(body, "\"attempts\":0") &&
                  !strstr(body, "\"verdict\""),
              "%s", body);
    free(body);
    snprintf(json, sizeof(json),
             "{\"problemId\":\"a-plus-b\",\"lang\":\"python\",\"code\":"
             "\"print(1)\",\"userId\":\"%s\"}",
             "greedy");
    cr_assert_eq(http("POST", "/submissions", json, &body), 429, "%s", body);
    free(body);
    submit("other", "a-plus-b", "python", WA_PY, id);
    snprintf(json, sizeof(json),
             "{\"problemId\":\"a-plus-b\",\"lang\":\"python\",\"code\":"
             "\"print(1)\",\"userId\":\"%s\"}",
             "third");
    cr_assert_eq(http("POST", "/submissions", json, &body), 503, "%s", body);
    cr_assert(strstr(body, "queue is full") != NULL, "%s", body);
    free(body);
    cr_assert_eq(broker_int("LLEN", "submissions", NULL), 3);
}

/* Broker down: 503; once it is up again the api recovers by itself. */
Test(judge, api_answers_503_while_the_broker_is_down)
{
    char *body, port[16];
    const char *json = "{\"problemId\":\"a-plus-b\",\"lang\":\"c\",\"code\":"
                       "\"int main(){}\",\"userId\":\"u\"}";

    start_broker();
    api_port = start_server_role("api", "api", NULL);
    client_free(rc);
    rc = NULL;
    hs_kill(&broker);
    cr_assert_eq(http("POST", "/submissions", json, &body), 503, "%s", body);
    cr_assert(strstr(body, "broker unavailable") != NULL, "%s", body);
    free(body);
    cr_assert_eq(http("GET", "/health", NULL, &body), 503, "%s", body);
    free(body);

    /* A new broker on the same port, so that --broker still points at it
     * (a parallel test could take the port in between: the pid check
     * tells). */
    snprintf(port, sizeof(port), "%d", broker_port);
    const char *argv[] = {hs_server_path(), "--port", port, "--save", "",
                          "--dir",          logdir,   NULL};
    struct jt_proc *b = spawn_proc("broker", argv);
    long long deadline = hs_now_ms() + JT_START_MS;
    int fd;
    while ((fd = tcp_connect(broker_port)) < 0 && proc_alive(b) &&
           hs_now_ms() < deadline)
        hs_sleep_ms(10);
    jt_assert(fd >= 0, "the broker did not start");
    close(fd);
    connect_rc(broker_port);
    cr_assert_eq(broker_pid(), (int)b->pid, "port %d taken meanwhile",
                 broker_port);

    /* The api retries the broker at most every 200 ms: a client honouring
     * Retry-After gets through. */
    int status = 0;
    deadline = hs_now_ms() + 3000;
    while (status != 202 && hs_now_ms() < deadline) {
        status = http("POST", "/submissions", json, &body);
        free(body);
        if (status != 202)
            hs_sleep_ms(50);
    }
    jt_assert(status == 202, "still %d after the broker came up", status);
    cr_assert_eq(broker_int("LLEN", "submissions", NULL), 1);
    cr_assert_eq(http("GET", "/health", NULL, &body), 200, "%s", body);
    free(body);
}

/* GET endpoints (each request in the access log), keep-alive with two
 * pipelined requests, 404 and 405. */
Test(judge, api_serves_problems_and_keeps_connections_alive)
{
    char *body;
    static const char two[] = "GET /problems HTTP/1.1\r\nHost: x\r\n\r\n"
                              "GET /languages HTTP/1.1\r\nHost: x\r\n"
                              "Connection: close\r\n\r\n";

    start_broker();
    struct jt_proc *api = &procs[nprocs];
    api_port = start_server_role("api", "api", NULL);
    cr_assert_eq(http("GET", "/problems", NULL, &body), 200);
    jt_assert(wait_log(api, "\"GET /problems HTTP/1.1\" 200 ", 1000),
              "no access log line for the request");
    cr_assert(strstr(body, "{\"id\":\"a-plus-b\",\"title\":") != NULL, "%s",
              body);
    free(body);
    cr_assert_eq(http("GET", "/problems/a-plus-b", NULL, &body), 200);
    cr_assert(strstr(body, "\"statement\":\"") != NULL, "%s", body);
    cr_assert(strstr(body, "\"samples\":[{\"name\":\"01\"") != NULL, "%s",
              body);
    free(body);
    cr_assert_eq(http("GET", "/languages", NULL, &body), 200);
    cr_assert(strstr(body, "\"name\":\"c\"") && strstr(body, "\"python\""),
              "%s", body);
    free(body);
    cr_assert_eq(http("GET", "/problems/nope", NULL, &body), 404);
    free(body);
    cr_assert_eq(http("GET", "/submissions/nope", NULL, &body), 404);
    free(body);
    cr_assert_eq(http("DELETE", "/submissions", NULL, &body), 405);
    free(body);

    int fd = tcp_connect(api_port);
    send_all(fd, two, sizeof(two) - 1);
    char *resp = read_until_close(fd, 5000, NULL);
    close(fd);
    char *second = strstr(resp + 1, "HTTP/1.1 200 OK\r\n");
    cr_assert(strncmp(resp, "HTTP/1.1 200 OK\r\n", 17) == 0, "%s", resp);
    cr_assert(second != NULL, "one connection, two answers: %s", resp);
    cr_assert(strstr(resp, "Connection: keep-alive") < second);
    cr_assert(strstr(second, "Connection: close") != NULL);
    free(resp);
}

/* notify answers a request that is not a WebSocket handshake with 400. */
Test(judge, notify_refuses_a_bad_handshake)
{
    static const char plain[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

    start_broker();
    int port = start_server_role("notify", "notify", NULL);
    int fd = tcp_connect(port);
    send_all(fd, plain, sizeof(plain) - 1);
    char *resp = read_until_close(fd, 5000, NULL);
    close(fd);
    cr_assert(strncmp(resp, "HTTP/1.1 400 ", 13) == 0, "%s", resp);
    free(resp);
}

/* Control frames: a ping gets its pong, a close its echo and the end of
 * the connection; a text message that is not an identification gets an
 * error and the socket stays. */
Test(judge, notify_answers_ping_close_and_bad_messages)
{
    struct jt_ws ws;
    static const unsigned char close_1000[] = {0x03, 0xe8, 'b', 'y', 'e'};

    start_broker();
    int port = start_server_role("notify", "notify", NULL);
    ws_open(&ws, port, NULL);
    ws_send_text(&ws, "hello");
    ws_send_text(&ws, "{\"userId\": \"pinger\"}");
    ws_send_text(&ws, "{\"userId\": \"pinger\"}");
    long long deadline = hs_now_ms() + 5000;
    while (ws.nmsgs < 2 && hs_now_ms() < deadline)
        ws_poll(&ws, 50);
    cr_assert_eq(ws.nmsgs, 2);
    cr_assert(strncmp(ws.msgs[0], "{\"error\":\"expected", 18) == 0, "%s",
              ws.msgs[0]);
    cr_assert_str_eq(ws.msgs[1], "{\"error\":\"already identified\"}");

    ws_send(&ws, 0x9, "hi", 2);
    deadline = hs_now_ms() + 5000;
    while (ws.ctl_opcode != 0xA && hs_now_ms() < deadline)
        ws_poll(&ws, 50);
    cr_assert_eq(ws.ctl_opcode, 0xA, "pong");
    cr_assert_eq(ws.ctl_len, 2);
    cr_assert_eq(memcmp(ws.ctl, "hi", 2), 0);

    ws_send(&ws, 0x8, close_1000, sizeof(close_1000));
    deadline = hs_now_ms() + 5000;
    while (!ws.eof && hs_now_ms() < deadline)
        ws_poll(&ws, 50);
    cr_assert_eq(ws.ctl_opcode, 0x8, "close echoed");
    cr_assert(ws.ctl_len >= 2 && ws.ctl[0] == 0x03 && ws.ctl[1] == 0xe8);
    cr_assert(ws.eof, "then the connection ends");
    ws_close(&ws);
}

/* ---- leftovers, timeouts, caps -------------------------------------------
 */

/* A worker starting up removes the submission directories that judges
 * killed mid-run left in its --tmp-dir, and only those of dead processes
 * (runner_sweep). */
Test(judge, a_starting_worker_removes_what_dead_judges_left)
{
    char dead[PATH_MAX], live[PATH_MAX], file[PATH_MAX + 16];
    pid_t pid = fork();

    if (pid == 0)
        _exit(0);
    cr_assert(pid > 0);
    waitpid(pid, NULL, 0); /* a pid that was a process and is not now */
    start_broker();
    snprintf(dead, sizeof(dead), "%s/respd-judge-%d-Ab3dEf", rundir, (int)pid);
    snprintf(live, sizeof(live), "%s/respd-judge-%d-Gh5iJk", rundir,
             (int)getpid());
    cr_assert(mkdir(dead, 0700) == 0 && mkdir(live, 0700) == 0);
    snprintf(file, sizeof(file), "%s/main.py", dead);
    fclose(fopen(file, "w"));

    struct jt_proc *w = start_worker("w1");
    jt_assert(wait_log(w, "worker w1 ready", JT_START_MS), "no ready line");
    cr_assert(access(dead, F_OK) != 0, "%s is still there", dead);
    cr_assert(access(live, F_OK) == 0, "a live process's directory went");
    jt_assert(wait_log(w, "removed 1 submission directory", 0),
              "the sweep is logged");
}

/* Send without asserting: the server may have closed already. */
static void send_quietly(int fd, const void *p, size_t n)
{
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

    (void)w;
}

/* Read until the peer closes (1) or ms pass (0); what came is in *out
 * (NUL-terminated, to free). */
static int read_to_eof(int fd, int ms, char **out)
{
    char *buf = malloc(JT_HTTP_BUF);
    size_t n = 0;
    int closed = 0;
    long long deadline = hs_now_ms() + ms;

    cr_assert(buf != NULL);
    while (!closed && n < JT_HTTP_BUF - 1) {
        struct pollfd pfd = {fd, POLLIN, 0};
        long long left = deadline - hs_now_ms();
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            break;
        ssize_t r = recv(fd, buf + n, JT_HTTP_BUF - 1 - n, 0);
        if (r > 0)
            n += (size_t)r;
        else
            closed = 1; /* EOF, or a reset: gone either way */
    }
    buf[n] = '\0';
    *out = buf;
    return closed;
}

/* A request that has not arrived whole --request-timeout-ms after its
 * first byte gets 408 and the connection closes, though bytes keep
 * trickling in; a keep-alive connection left idle, and one that never
 * sends a byte, close after --idle-timeout-ms. */
Test(judge, api_timeouts_close_slow_and_idle_connections)
{
    const char *const extra[] = {"--request-timeout-ms", "400",
                                 "--idle-timeout-ms", "900", NULL};
    static const char head[] = "GET /problems HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    static const char whole[] = "GET /problems HTTP/1.1\r\nHost: x\r\n\r\n";
    char *resp = NULL;

    start_broker();
    struct jt_proc *api = &procs[nprocs];
    api_port = start_server_role("api", "api", extra);

    /* Slow: one more header byte every 50 ms, never the end. */
    int fd = tcp_connect(api_port);
    long long t0 = hs_now_ms();
    send_all(fd, head, sizeof(head) - 1);
    int closed = 0;
    while (!closed && hs_now_ms() - t0 < 5000) {
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, 50) > 0)
            closed = read_to_eof(fd, 3000, &resp);
        else
            send_quietly(fd, "a", 1);
    }
    long long ms = hs_now_ms() - t0;
    close(fd);
    cr_assert(closed, "a slow request kept its connection %lld ms", ms);
    cr_assert(strncmp(resp, "HTTP/1.1 408 ", 13) == 0, "%s", resp);
    cr_assert(strstr(resp, "Connection: close\r\n") != NULL, "%s", resp);
    cr_assert(ms >= 400 && ms < 3000, "408 after %lld ms", ms);
    free(resp);
    jt_assert(wait_log(api, "\"-\" 408 ", 1000), "no access log line");

    /* Idle after an answer on a keep-alive connection. */
    fd = tcp_connect(api_port);
    t0 = hs_now_ms();
    send_all(fd, whole, sizeof(whole) - 1);
    closed = read_to_eof(fd, 5000, &resp);
    ms = hs_now_ms() - t0;
    close(fd);
    cr_assert(closed, "an idle keep-alive connection stayed open");
    cr_assert(strncmp(resp, "HTTP/1.1 200 ", 13) == 0, "%s", resp);
    cr_assert(strstr(resp, "Connection: keep-alive\r\n") != NULL, "%s", resp);
    cr_assert(ms >= 900 && ms < 4000, "closed after %lld ms", ms);
    free(resp);

    /* Silent from the start. */
    fd = tcp_connect(api_port);
    t0 = hs_now_ms();
    closed = read_to_eof(fd, 5000, &resp);
    ms = hs_now_ms() - t0;
    close(fd);
    cr_assert(closed, "a silent connection stayed open");
    cr_assert_str_eq(resp, "");
    cr_assert(ms >= 900 && ms < 4000, "closed after %lld ms", ms);
    free(resp);
}

/* The request size caps: a body over 512 KiB is refused from its
 * Content-Length (413), a header section over 16 KiB is 431, a target
 * over 2 KiB is 414; each closes the connection and writes nothing. */
Test(judge, api_refuses_oversized_requests)
{
    static const char big_body[] = "POST /submissions HTTP/1.1\r\nHost: x\r\n"
                                   "Content-Length: 600000\r\n\r\n";
    static const char head_start[] = "GET /problems HTTP/1.1\r\nHost: x\r\n"
                                     "X-Big: ";
    static const char target_start[] = "GET /problems/";
    static const char target_end[] = " HTTP/1.1\r\nHost: x\r\n\r\n";
    size_t hl = strlen(head_start), tl = strlen(target_start);
    char *big_head = malloc(hl + 17000 + 5);
    char *big_target = malloc(tl + 3000 + sizeof(target_end));
    char *resp;

    cr_assert(big_head != NULL && big_target != NULL);
    memcpy(big_head, head_start, hl);
    memset(big_head + hl, 'a', 17000);
    strcpy(big_head + hl + 17000, "\r\n\r\n");
    memcpy(big_target, target_start, tl);
    memset(big_target + tl, 'p', 3000);
    strcpy(big_target + tl + 3000, target_end);
    start_broker();
    api_port = start_server_role("api", "api", NULL);

    const char *reqs[] = {big_body, big_head, big_target};
    const char *want[] = {"HTTP/1.1 413 ", "HTTP/1.1 431 ", "HTTP/1.1 414 "};
    for (int i = 0; i < 3; i++) {
        int fd = tcp_connect(api_port);
        send_all(fd, reqs[i], strlen(reqs[i]));
        int closed = read_to_eof(fd, 5000, &resp);
        close(fd);
        cr_assert(strncmp(resp, want[i], 13) == 0, "%s", resp);
        cr_assert(strstr(resp, "{\"error\":") != NULL, "%s", resp);
        cr_assert(closed, "the connection stayed open after %s", want[i]);
        free(resp);
    }
    free(big_head);
    free(big_target);
    cr_assert_eq(broker_int("DBSIZE", NULL, NULL), 0, "nothing written");
}

/* notify closes a connection whose handshake has not come within
 * --request-timeout-ms, and a WebSocket that has not identified within
 * --idle-timeout-ms (with close code 1008). */
Test(judge, notify_closes_sockets_that_do_not_handshake_or_identify)
{
    const char *const extra[] = {"--request-timeout-ms", "400",
                                 "--idle-timeout-ms", "900", NULL};
    struct jt_ws ws;
    char *resp;

    start_broker();
    int port = start_server_role("notify", "notify", extra);
    int fd = tcp_connect(port);
    long long t0 = hs_now_ms();
    send_all(fd, "GET / HTTP/1.1\r\n", 16);
    int closed = read_to_eof(fd, 5000, &resp);
    long long ms = hs_now_ms() - t0;
    close(fd);
    cr_assert(closed, "a half handshake kept its connection");
    cr_assert(ms >= 400 && ms < 3000, "closed after %lld ms", ms);
    free(resp);

    t0 = hs_now_ms();
    ws_open(&ws, port, NULL);
    while (!ws.eof && hs_now_ms() - t0 < 5000)
        ws_poll(&ws, 50);
    ms = hs_now_ms() - t0;
    cr_assert(ws.eof, "an anonymous socket stayed open");
    cr_assert_eq(ws.ctl_opcode, 0x8, "a close frame first");
    cr_assert(ws.ctl_len >= 2 && (ws.ctl[0] << 8 | ws.ctl[1]) == 1008);
    cr_assert(ms >= 900 && ms < 4000, "closed after %lld ms", ms);
    ws_close(&ws);
}

/* notify holds one subscriber connection however many sockets it has, and
 * forwards a verdict to every socket of its user and to no other. */
Test(judge, notify_forwards_to_every_socket_of_the_user_only)
{
    struct jt_ws a1, a2, b;
    char id[64];

    int port = start_pipeline();
    ws_open(&a1, port, "fan");
    ws_open(&a2, port, "fan");
    ws_open(&b, port, "bystander");
    ws_poll(&a1, 50);
    ws_poll(&a2, 50);
    ws_poll(&b, 50);
    cr_assert_eq(numsub(), 1, "one subscriber connection for 3 sockets");
    submit("fan", "a-plus-b", "python", WA_PY, id);
    assert_verdict(ws_wait_done(&a1, id, JT_VERDICT_MS), "WA");
    assert_verdict(ws_wait_done(&a2, id, JT_VERDICT_MS), "WA");
    ws_poll(&b, 300);
    cr_assert_eq(b.nmsgs, 0, "another user's socket got %s", b.msgs[0]);
    ws_close(&a1);
    ws_close(&a2);
    ws_close(&b);
}

/* Wait for the next text message on ws; returns it (owned by ws). */
static const char *ws_next_text(struct jt_ws *ws, int ms)
{
    int have = ws->nmsgs;
    long long deadline = hs_now_ms() + ms;

    while (ws->nmsgs == have && !ws->eof && hs_now_ms() < deadline)
        ws_poll(ws, 50);
    cr_assert(ws->nmsgs > have, "no message came");
    return ws->msgs[have];
}

/* Wait for the server to close ws; returns the close code it sent. */
static int ws_wait_close(struct jt_ws *ws, int ms)
{
    long long deadline = hs_now_ms() + ms;

    while (!ws->eof && hs_now_ms() < deadline)
        ws_poll(ws, 50);
    cr_assert(ws->eof, "the socket stayed open");
    cr_assert_eq(ws->ctl_opcode, 0x8, "no close frame before the end");
    cr_assert(ws->ctl_len >= 2);
    return ws->ctl[0] << 8 | ws->ctl[1];
}

/* RFC 6455 on a live notify: an identification in fragments with a ping
 * between them, or in a binary frame, counts; a message over 4 KiB is
 * closed with 1009, an unmasked frame with 1002, invalid UTF-8 with 1007. */
Test(judge, notify_reassembles_fragments_and_enforces_the_protocol)
{
    static const char ident[] = "{\"userId\": \"frag\"}";
    struct jt_ws ws;
    char big[5000];

    start_broker();
    int port = start_server_role("notify", "notify", NULL);

    ws_open(&ws, port, NULL);
    ws_send_frame(&ws, 0, 0x1, 1, ident, 6);
    ws_send(&ws, 0x9, "mid", 3);
    ws_send_frame(&ws, 0, 0x0, 1, ident + 6, 6);
    ws_send_frame(&ws, 1, 0x0, 1, ident + 12, sizeof(ident) - 13);
    ws_send_text(&ws, ident);
    cr_assert_str_eq(ws_next_text(&ws, 5000),
                     "{\"error\":\"already identified\"}");
    cr_assert_eq(ws.ctl_opcode, 0xA, "the ping between fragments: a pong");
    cr_assert(ws.ctl_len == 3 && memcmp(ws.ctl, "mid", 3) == 0);
    ws_close(&ws);

    ws_open(&ws, port, NULL);
    ws_send(&ws, 0x2, ident, sizeof(ident) - 1);
    ws_send_text(&ws, ident);
    cr_assert_str_eq(ws_next_text(&ws, 5000),
                     "{\"error\":\"already identified\"}");
    ws_close(&ws);

    ws_open(&ws, port, NULL);
    memset(big, 'x', sizeof(big));
    ws_send(&ws, 0x1, big, sizeof(big));
    cr_assert_eq(ws_wait_close(&ws, 5000), 1009);
    ws_close(&ws);

    ws_open(&ws, port, NULL);
    ws_send_frame(&ws, 1, 0x1, 0, ident, sizeof(ident) - 1);
    cr_assert_eq(ws_wait_close(&ws, 5000), 1002);
    ws_close(&ws);

    ws_open(&ws, port, NULL);
    ws_send(&ws, 0x1, "{\"userId\": \"\xff\"}", 16);
    cr_assert_eq(ws_wait_close(&ws, 5000), 1007);
    ws_close(&ws);
}

/* Close the broker's one subscribed connection (CLIENT KILL ID: respd
 * does not count subscribers as TYPE pubsub). */
static void kill_subscriber(void)
{
    struct resp_reply *r = client_command(rc, "CLIENT", "LIST", NULL);
    char id[32] = "";

    cr_assert(r != NULL && r->type == RESP_STRING);
    for (char *line = r->str; line != NULL && line[0] != '\0';) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        if (strstr(line, " sub=1 ") != NULL && strncmp(line, "id=", 3) == 0)
            sscanf(line + 3, "%31[0-9]", id);
        line = end ? end + 1 : NULL;
    }
    resp_reply_free(r);
    cr_assert(id[0] != '\0', "no subscribed connection");
    r = client_command(rc, "CLIENT", "KILL", "ID", id, NULL);
    cr_assert(r != NULL && r->type == RESP_INTEGER && r->integer == 1);
    resp_reply_free(r);
}

/* When notify's subscriber connection drops, whatever was published in
 * the gap is gone from the channel: on resubscribing notify sends every
 * identified socket a fresh snapshot, and forwards from the new
 * subscription. */
Test(judge, notify_resends_a_snapshot_after_losing_its_subscription)
{
    static const char rec2[] = "{\"id\":\"gap-2\",\"userId\":\"gap\","
                               "\"status\":\"DONE\",\"verdict\":\"WA\"}";
    struct jt_ws ws;

    start_broker();
    int port = start_server_role("notify", "notify", NULL);
    ws_open(&ws, port, "gap");
    long long deadline = hs_now_ms() + 5000;
    while (numsub() != 1 && hs_now_ms() < deadline)
        hs_sleep_ms(10);
    ws_poll(&ws, 100);
    cr_assert_eq(ws.nmsgs, 0, "nothing to send yet: %s", ws.msgs[0]);

    /* A verdict written while notify is not listening (never published). */
    struct resp_reply *r =
        client_command(rc, "HSET", "submission:gap-1", "id", "gap-1", "userId",
                       "gap", "problemId", "a-plus-b", "lang", "c", "status",
                       "DONE", "verdict", "AC", NULL);
    cr_assert(r != NULL && r->type == RESP_INTEGER);
    resp_reply_free(r);
    cr_assert_eq(broker_int("LPUSH", "user:gap:submissions", "gap-1"), 1);
    kill_subscriber();

    assert_verdict(ws_wait_done(&ws, "gap-1", 5000), "AC");
    deadline = hs_now_ms() + 5000;
    while (numsub() != 1 && hs_now_ms() < deadline)
        hs_sleep_ms(10);
    cr_assert_eq(broker_int("PUBLISH", JT_CHANNEL, rec2), 1);
    assert_verdict(ws_wait_done(&ws, "gap-2", 5000), "WA");
    ws_poll(&ws, 200);
    cr_assert_eq(ws_count_done(&ws, "gap-1"), 1);
    ws_close(&ws);
}

/* --recent is capped at what a socket remembers (64 final records), the
 * memory that keeps a snapshot from repeating a verdict. */
Test(judge, recent_is_capped_at_what_notify_can_deduplicate)
{
    const char *const too_many[] = {"notify", "--recent", "65", NULL};
    const char *const most[] = {"--recent", "64", NULL};
    int status = 0;

    start_broker();
    struct jt_proc *p = spawn_judge("notify65", too_many);
    cr_assert_eq(waitpid(p->pid, &status, 0), p->pid);
    p->pid = 0;
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2,
              "judge notify --recent 65 exited with %d", status);
    cr_assert(start_server_role("notify", "notify", most) > 0);
}
