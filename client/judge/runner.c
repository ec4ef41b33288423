/* runner.c -- compile a submission and run it on each test, with limits.
 *
 * The lifecycle of one runner_judge() call:
 *   1. mkdtemp a private directory and write the source into it;
 *   2. compile (languages with compile_argv), output to compile.txt;
 *   3. for each test: truncate stdout.txt and stderr.txt, spawn the
 *      program (spawn_run), classify what happened (classify), and stop at
 *      the first failure unless run_all;
 *   4. remove the directory (remove_tree), in every case.
 * What the child gets before exec, and what that does not protect against,
 * is in runner.h. */
#include "runner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ARGV_MAX        16
#define EXE_NAME        "main"
#define WALL_FACTOR     3
#define WALL_SLACK_MS   1000
#define VERSION_WAIT_MS 5000
#define NOFILE_LIMIT    64
#define COMPILE_FSIZE   (64L * 1024 * 1024)
#define TRUNCATED_MARK  "\n[truncated]"
#define DIR_PREFIX      "respd-judge-"

/* ---- the language table -------------------------------------------------- */

static const char *const c_compile[] = {"gcc",   "-O2",   "-std=c11", "-o",
                                        "{exe}", "{src}", "-lm",      NULL};
static const char *const c_run[] = {"./{exe}", NULL};
static const char *const c_version[] = {"gcc", "--version", NULL};

/* -I: ignore PYTHON* variables and the user's site directory, so the
 * worker's environment cannot change how submissions run. */
static const char *const py_run[] = {"python3", "-I", "-B", "{src}", NULL};
static const char *const py_version[] = {"python3", "--version", NULL};

static const struct runner_lang langs[] = {
    {"c", "C11 (gcc -O2 -lm)", "main.c", c_compile, c_run, c_version, 16},
    /* python maps about 14 MiB before running a line, and its allocator
     * reserves arenas ahead of use. */
    {"python", "Python 3", "main.py", NULL, py_run, py_version, 64},
};

#define NLANGS (sizeof(langs) / sizeof(langs[0]))

size_t runner_lang_count(void)
{
    return NLANGS;
}

const struct runner_lang *runner_lang_at(size_t i)
{
    return i < NLANGS ? &langs[i] : NULL;
}

const struct runner_lang *runner_lang_find(const char *name)
{
    for (size_t i = 0; name != NULL && i < NLANGS; i++)
        if (strcmp(langs[i].name, name) == 0)
            return &langs[i];
    return NULL;
}

/* ---- verdicts and signals ---------------------------------------------- */

static const char *const verdict_names[] = {"AC",  "WA", "TLE", "MLE",
                                            "OLE", "RE", "CE",  "IE"};
static const char *const verdict_texts[] = {"Accepted",
                                            "Wrong Answer",
                                            "Time Limit Exceeded",
                                            "Memory Limit Exceeded",
                                            "Output Limit Exceeded",
                                            "Runtime Error",
                                            "Compilation Error",
                                            "Internal Error"};

const char *runner_verdict_name(enum runner_verdict v)
{
    return (unsigned)v <= RUNNER_IE ? verdict_names[v] : "IE";
}

const char *runner_verdict_text(enum runner_verdict v)
{
    return (unsigned)v <= RUNNER_IE ? verdict_texts[v] : "Internal Error";
}

static const struct {
    int sig;
    const char *name;
} signal_names[] = {
    {SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"},
    {SIGILL, "SIGILL"},   {SIGTRAP, "SIGTRAP"}, {SIGABRT, "SIGABRT"},
    {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},   {SIGKILL, "SIGKILL"},
    {SIGUSR1, "SIGUSR1"}, {SIGSEGV, "SIGSEGV"}, {SIGUSR2, "SIGUSR2"},
    {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"},
    {SIGXCPU, "SIGXCPU"}, {SIGXFSZ, "SIGXFSZ"}, {SIGPROF, "SIGPROF"},
    {SIGSYS, "SIGSYS"},
};

static void signal_name(int sig, char *buf, size_t len)
{
    for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]);
         i++) {
        if (signal_names[i].sig == sig) {
            snprintf(buf, len, "%s", signal_names[i].name);
            return;
        }
    }
    snprintf(buf, len, "signal %d", sig);
}

/* ---- output comparison ------------------------------------------------- */

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Length of s once blanks at line ends and empty lines at the end are
 * dropped; the lines themselves are compared by next_line(). */
static size_t trimmed_len(const char *s, size_t n)
{
    while (n > 0 && (is_blank(s[n - 1]) || s[n - 1] == '\n'))
        n--;
    return n;
}

/* The line starting at *pos in s[0..n): set *line_len to its length
 * without trailing blanks and move *pos past its newline. */
static const char *next_line(const char *s, size_t n, size_t *pos,
                             size_t *line_len)
{
    const char *line = s + *pos;
    const char *nl = memchr(line, '\n', n - *pos);
    size_t len = nl != NULL ? (size_t)(nl - line) : n - *pos;

    *pos += len + (nl != NULL);
    while (len > 0 && is_blank(line[len - 1]))
        len--;
    *line_len = len;
    return line;
}

int runner_output_matches(const char *got, size_t got_len, const char *want,
                          size_t want_len)
{
    size_t gn = trimmed_len(got, got_len), wn = trimmed_len(want, want_len);
    size_t gp = 0, wp = 0;

    while (gp < gn && wp < wn) {
        size_t gl, wl;
        const char *g = next_line(got, gn, &gp, &gl);
        const char *w = next_line(want, wn, &wp, &wl);

        if (gl != wl || memcmp(g, w, gl) != 0)
            return 0;
    }
    return gp >= gn && wp >= wn;
}

/* ---- small helpers ----------------------------------------------------- */

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Replace res->message by the printf-style text (cut to
 * RUNNER_MESSAGE_MAX). */
static void set_message(struct runner_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_message(struct runner_result *res, const char *fmt, ...)
{
    va_list ap;

    free(res->message);
    res->message = malloc(RUNNER_MESSAGE_MAX + 1);
    if (res->message == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(res->message, RUNNER_MESSAGE_MAX + 1, fmt, ap);
    va_end(ap);
}

/* Make res->message a copy of the first bytes of file fd (compiler output,
 * a program's stderr), marked when cut; no message when it is empty. */
static void message_from_fd(struct runner_result *res, int fd)
{
    size_t keep = RUNNER_MESSAGE_MAX - strlen(TRUNCATED_MARK);
    char *buf = malloc(RUNNER_MESSAGE_MAX + 1);
    ssize_t n;

    if (buf == NULL)
        return;
    n = pread(fd, buf, RUNNER_MESSAGE_MAX + 1, 0);
    if (n <= 0) {
        free(buf);
        return;
    }
    if ((size_t)n > RUNNER_MESSAGE_MAX) {
        /* Cut before a UTF-8 continuation byte, not through a character
         * (gcc quotes names with U+2018 and U+2019). */
        while (keep > 0 && ((unsigned char)buf[keep] & 0xC0) == 0x80)
            keep--;
        strcpy(buf + keep, TRUNCATED_MARK);
    } else
        buf[n] = '\0';
    free(res->message);
    res->message = buf;
}

/* Find prog along RUNNER_PATH (or, for "./name", in dir) and write its
 * path into out.  Returns 0 or -1. */
static int resolve_exe(const char *prog, const char *dir, char *out, size_t len)
{
    const char *p = RUNNER_PATH;

    if (strncmp(prog, "./", 2) == 0) {
        return (size_t)snprintf(out, len, "%s/%s", dir, prog + 2) < len ? 0
                                                                        : -1;
    }
    while (*p != '\0') {
        size_t n = strcspn(p, ":");
        if ((size_t)snprintf(out, len, "%.*s/%s", (int)n, p, prog) < len &&
            access(out, X_OK) == 0)
            return 0;
        p += n + (p[n] == ':');
    }
    return -1;
}

/* Expand one argv template into argv (pointers into the template and
 * lang's names, which outlive it). */
static void expand_argv(const char *const *tmpl, const struct runner_lang *lang,
                        char **argv)
{
    int i;

    for (i = 0; tmpl[i] != NULL && i < ARGV_MAX - 1; i++) {
        const char *a = tmpl[i];
        if (strcmp(a, "{src}") == 0)
            a = lang->source_name;
        else if (strcmp(a, "{exe}") == 0)
            a = EXE_NAME;
        else if (strcmp(a, "./{exe}") == 0)
            a = "./" EXE_NAME;
        argv[i] = (char *)a;
    }
    argv[i] = NULL;
}

/* ---- spawning one child ------------------------------------------------ */

struct spawn_spec {
    char exe[PATH_MAX];
    char **argv;
    char **envp;
    const char *cwd;
    int in_fd, out_fd, err_fd;
    long cpu_ms;      /* CPU limit; 0: none */
    long wall_ms;     /* wall-clock limit, enforced by the parent */
    long as_bytes;    /* RLIMIT_AS; 0: leave it */
    long stack_bytes; /* RLIMIT_STACK; 0: leave it */
    long fsize_bytes; /* RLIMIT_FSIZE; 0: leave it */
    int no_fork;      /* RLIMIT_NPROC 1 */
    pid_t parent;     /* the judging process, for the death signal */
};

struct spawn_outcome {
    int status; /* as from wait4 */
    struct rusage ru;
    long wall_ms;
    int wall_killed; /* the parent killed it at the wall-clock limit */
};

static void set_limit(int resource, rlim_t soft, rlim_t hard)
{
    struct rlimit r = {soft, hard};

    setrlimit(resource, &r);
}

/* Put fds[0..3] on descriptors 0..3 (3 close-on-exec) whatever numbers
 * they have now, and close everything above.  They go through numbers
 * above 9 first so that no dup2 overwrites a source not yet moved. */
static int child_fds(const int fds[4])
{
    int high[4];

    for (int i = 0; i < 4; i++)
        if ((high[i] = fcntl(fds[i], F_DUPFD, 10)) < 0)
            return -1;
    for (int i = 0; i < 3; i++)
        if (dup2(high[i], i) < 0)
            return -1;
    if (dup3(high[3], 3, O_CLOEXEC) < 0)
        return -1;
    if (syscall(SYS_close_range, 4U, ~0U, 0U) != 0)
        for (int fd = 4; fd < 65536; fd++)
            close(fd);
    return 0;
}

/* The child between fork and exec.  Only async-signal-safe calls, since
 * the parent may have other threads (one could hold malloc's lock).  An
 * exec failure is reported to the parent as an errno on descriptor 3,
 * which exec closes on success. */
static void child_exec(const struct spawn_spec *s, int err_pipe)
{
    int fds[4] = {s->in_fd, s->out_fd, s->err_fd, err_pipe};
    struct sigaction dfl;
    sigset_t none;
    int e;

    /* Die with the judging thread: a worker killed mid-test must not
     * leave a sleeping program behind.  The check after it closes the
     * race with a parent that died before the prctl. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != s->parent)
        _exit(127);
    setpgid(0, 0);
    dfl.sa_handler = SIG_DFL;
    dfl.sa_flags = 0;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &dfl, NULL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    if (child_fds(fds) != 0)
        goto fail;
    err_pipe = 3;
    if (chdir(s->cwd) != 0)
        goto fail;
    set_limit(RLIMIT_CORE, 0, 0);
    set_limit(RLIMIT_NOFILE, NOFILE_LIMIT, NOFILE_LIMIT);
    if (s->cpu_ms > 0) {
        rlim_t sec = (rlim_t)(s->cpu_ms + 999) / 1000 + 1;
        struct itimerval it = {{0, 0}, {0, 0}};

        set_limit(RLIMIT_CPU, sec, sec + 1);
        it.it_value.tv_sec = (s->cpu_ms + 5) / 1000;
        it.it_value.tv_usec = (s->cpu_ms + 5) % 1000 * 1000;
        setitimer(ITIMER_PROF, &it, NULL);
    }
    if (s->as_bytes > 0)
        set_limit(RLIMIT_AS, (rlim_t)s->as_bytes, (rlim_t)s->as_bytes);
    if (s->stack_bytes > 0)
        set_limit(RLIMIT_STACK, (rlim_t)s->stack_bytes, (rlim_t)s->stack_bytes);
    if (s->fsize_bytes > 0)
        set_limit(RLIMIT_FSIZE, (rlim_t)s->fsize_bytes, (rlim_t)s->fsize_bytes);
    if (s->no_fork)
        set_limit(RLIMIT_NPROC, 1, 1);
    execve(s->exe, s->argv, s->envp);
fail:
    e = errno;
    if (write(err_pipe, &e, sizeof(e)) < 0)
        _exit(126);
    _exit(127);
}

/* Wait for pid until it exits or the wall-clock deadline passes (then
 * kill its group), kill whatever is left in its group, and reap it.  The
 * exit is first observed without reaping (WNOWAIT), so the group id
 * cannot be reused by the time of the kill.  Returns 0 or -1 (the child
 * was reaped by someone else). */
static int wait_child(pid_t pid, long start, long wall_ms,
                      struct spawn_outcome *o)
{
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

    for (;;) {
        siginfo_t si;
        long left;
        int rc;

        si.si_pid = 0;
        rc = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT);
        if ((rc == 0 && si.si_pid == pid) || (rc != 0 && errno == ECHILD))
            break;
        left = start + wall_ms - now_ms();
        if (left <= 0) {
            kill(-pid, SIGKILL);
            o->wall_killed = 1;
            break;
        }
        if (pidfd >= 0) {
            struct pollfd pfd = {pidfd, POLLIN, 0};
            poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
        } else {
            struct timespec ts = {0, 2 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    o->wall_ms = now_ms() - start;
    kill(-pid, SIGKILL);
    if (pidfd >= 0)
        close(pidfd);
    for (;;) {
        if (wait4(pid, &o->status, 0, &o->ru) == pid)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

/* Run s to completion.  Returns 0 with *o filled, or -1 with a reason in
 * err (nothing could be run, or the child was lost). */
static int spawn_run(struct spawn_spec *s, struct spawn_outcome *o, char *err,
                     size_t errlen)
{
    int pipefd[2], child_errno = 0;
    ssize_t n;
    long start;
    pid_t pid;

    memset(o, 0, sizeof(*o));
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    s->parent = getpid();
    start = now_ms();
    pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(pipefd[0]);
        close(pipefd[1]);
        return -1;
    }
    if (pid == 0)
        child_exec(s, pipefd[1]);
    close(pipefd[1]);

    /* Returns at exec (the pipe closes) or with the child's errno; either
     * way the child has its own process group by then. */
    do
        n = read(pipefd[0], &child_errno, sizeof(child_errno));
    while (n < 0 && errno == EINTR);
    close(pipefd[0]);
    if (wait_child(pid, start, s->wall_ms, o) != 0) {
        snprintf(err, errlen, "wait4: %s", strerror(errno));
        return -1;
    }
    if (n == (ssize_t)sizeof(child_errno)) {
        snprintf(err, errlen, "starting %.200s: %s", s->exe,
                 strerror(child_errno));
        return -1;
    }
    return 0;
}

static long cpu_ms(const struct rusage *ru)
{
    return (long)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000 +
           (ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1000;
}

/* ---- one submission ---------------------------------------------------- */

struct judge_ctx {
    const struct problem *p;
    const struct runner_lang *lang;
    struct runner_result *res;
    int run_all;
    long output_max;
    char dir[PATH_MAX];
    char home_env[PATH_MAX + 8];
    char tmp_env[PATH_MAX + 8];
    char *envp[5];
    int out_fd, err_fd; /* stdout.txt, stderr.txt (compile.txt) */
};

/* Create path in the submission's directory, truncated, read-write.
 * Returns the descriptor or -1. */
static int open_work_file(const struct judge_ctx *jc, const char *name)
{
    char path[PATH_MAX + 32];

    snprintf(path, sizeof(path), "%s/%s", jc->dir, name);
    return open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

/* Write n bytes of data to a new file name in the directory.  Returns 0
 * or -1 (errno set). */
static int write_work_file(const struct judge_ctx *jc, const char *name,
                           const char *data, size_t n)
{
    int fd = open_work_file(jc, name);
    size_t done = 0;

    if (fd < 0)
        return -1;
    while (done < n) {
        ssize_t w = write(fd, data + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        done += (size_t)w;
    }
    return close(fd);
}

static int open_read_only(const struct judge_ctx *jc, const char *name)
{
    char path[PATH_MAX + 32];

    snprintf(path, sizeof(path), "%s/%s", jc->dir, name);
    return open(path, O_RDONLY | O_CLOEXEC);
}

/* Fill the parts of a spec every child shares: program, argv, env, cwd.
 * Returns 0, or -1 with res->message set (IE). */
static int spec_init(struct judge_ctx *jc, struct spawn_spec *s,
                     const char *const *tmpl, char **argv)
{
    memset(s, 0, sizeof(*s));
    expand_argv(tmpl, jc->lang, argv);
    if (resolve_exe(argv[0], jc->dir, s->exe, sizeof(s->exe)) != 0) {
        set_message(jc->res, "%s not found in %s", argv[0], RUNNER_PATH);
        return -1;
    }
    s->argv = argv;
    s->envp = jc->envp;
    s->cwd = jc->dir;
    return 0;
}

/* Compile the source.  Returns RUNNER_AC when it compiled, RUNNER_CE
 * (message: the compiler's output) or RUNNER_IE. */
static enum runner_verdict compile(struct judge_ctx *jc)
{
    struct spawn_spec s;
    struct spawn_outcome o;
    char *argv[ARGV_MAX], err[256];
    int fd;

    if (spec_init(jc, &s, jc->lang->compile_argv, argv) != 0)
        return RUNNER_IE;
    if ((fd = open_work_file(jc, "compile.txt")) < 0 ||
        (s.in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
        set_message(jc->res, "open: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return RUNNER_IE;
    }
    s.out_fd = s.err_fd = fd;
    s.cpu_ms = RUNNER_COMPILE_TIME_MS;
    s.wall_ms = RUNNER_COMPILE_TIME_MS + WALL_SLACK_MS;
    s.as_bytes = RUNNER_COMPILE_MEMORY_MB * 1024L * 1024;
    s.fsize_bytes = COMPILE_FSIZE;
    if (spawn_run(&s, &o, err, sizeof(err)) != 0) {
        set_message(jc->res, "compile: %s", err);
        close(s.in_fd);
        close(fd);
        return RUNNER_IE;
    }
    close(s.in_fd);
    if (WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0) {
        close(fd);
        return RUNNER_AC;
    }
    message_from_fd(jc->res, fd);
    close(fd);
    if (o.wall_killed || WIFSIGNALED(o.status))
        set_message(jc->res, "the compiler was stopped after %d ms",
                    RUNNER_COMPILE_TIME_MS);
    else if (jc->res->message == NULL)
        set_message(jc->res, "the compiler exited with status %d",
                    WEXITSTATUS(o.status));
    return RUNNER_CE;
}

/* Read the program's stdout (at most cap bytes) and compare it with the
 * expected output.  Returns RUNNER_AC, RUNNER_WA or RUNNER_IE. */
static enum runner_verdict check_output(struct judge_ctx *jc,
                                        const struct problem_test *t, long size)
{
    char *buf = malloc((size_t)size + 1);
    ssize_t n;
    int same;

    if (buf == NULL) {
        set_message(jc->res, "out of memory reading the output");
        return RUNNER_IE;
    }
    n = size > 0 ? pread(jc->out_fd, buf, (size_t)size, 0) : 0;
    if (n < 0) {
        set_message(jc->res, "reading the output: %s", strerror(errno));
        free(buf);
        return RUNNER_IE;
    }
    same = runner_output_matches(buf, (size_t)n, t->output, t->output_len);
    free(buf);
    return same ? RUNNER_AC : RUNNER_WA;
}

/* Does the program's stderr (its first RUNNER_MESSAGE_MAX bytes) say it
 * ran out of memory?  Only python says so in a recognisable way. */
static int said_memory_error(const struct judge_ctx *jc)
{
    char buf[RUNNER_MESSAGE_MAX + 1];
    ssize_t n;

    if (strcmp(jc->lang->name, "python") != 0)
        return 0;
    n = pread(jc->err_fd, buf, RUNNER_MESSAGE_MAX, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return strstr(buf, "MemoryError") != NULL;
}

/* The verdict of a finished run, by the rules in runner.h; fills r's
 * detail.  RUNNER_IE when the output could not be read. */
static enum runner_verdict classify(struct judge_ctx *jc,
                                    const struct problem_test *t,
                                    const struct spawn_outcome *o, long cap,
                                    struct runner_test_result *r)
{
    int sig = WIFSIGNALED(o->status) ? WTERMSIG(o->status) : 0;
    int failed = sig != 0 || WEXITSTATUS(o->status) != 0;
    struct stat out_st, err_st;

    if (fstat(jc->out_fd, &out_st) != 0 || fstat(jc->err_fd, &err_st) != 0) {
        set_message(jc->res, "fstat: %s", strerror(errno));
        return RUNNER_IE;
    }
    if (o->wall_killed || sig == SIGXCPU || sig == SIGPROF ||
        r->time_ms > jc->p->time_limit_ms) {
        snprintf(r->detail, sizeof(r->detail), "%s",
                 o->wall_killed ? "wall clock" : "cpu time");
        return RUNNER_TLE;
    }
    if (sig == SIGXFSZ || out_st.st_size >= cap || err_st.st_size >= cap) {
        snprintf(r->detail, sizeof(r->detail), "%s over %ld bytes",
                 out_st.st_size >= cap ? "stdout" : "stderr", cap);
        return RUNNER_OLE;
    }
    if (r->memory_kb > jc->p->memory_limit_mb * 1024L ||
        (failed && said_memory_error(jc))) {
        snprintf(r->detail, sizeof(r->detail), "over %d MiB",
                 jc->p->memory_limit_mb);
        return RUNNER_MLE;
    }
    if (sig != 0) {
        signal_name(sig, r->detail, sizeof(r->detail));
        return RUNNER_RE;
    }
    if (failed) {
        snprintf(r->detail, sizeof(r->detail), "exit status %d",
                 WEXITSTATUS(o->status));
        return RUNNER_RE;
    }
    return check_output(jc, t, (long)out_st.st_size);
}

/* Run test t and fill r.  Returns r->verdict. */
static enum runner_verdict run_test(struct judge_ctx *jc,
                                    const struct problem_test *t,
                                    struct runner_test_result *r)
{
    struct spawn_spec s;
    struct spawn_outcome o;
    char *argv[ARGV_MAX], err[256];
    long mem = jc->p->memory_limit_mb * 1024L * 1024;
    long cap = jc->output_max;

    snprintf(r->name, sizeof(r->name), "%s", t->name);
    r->verdict = RUNNER_IE;
    r->exit_status = -1;
    /* A correct answer longer than the cap would otherwise be OLE. */
    if ((long)t->output_len * 2 + 1 > cap)
        cap = (long)t->output_len * 2 + 1;
    if (spec_init(jc, &s, jc->lang->run_argv, argv) != 0)
        return RUNNER_IE;
    /* The files' offsets are shared with the previous test's child. */
    if (ftruncate(jc->out_fd, 0) != 0 || ftruncate(jc->err_fd, 0) != 0 ||
        lseek(jc->out_fd, 0, SEEK_SET) != 0 ||
        lseek(jc->err_fd, 0, SEEK_SET) != 0 ||
        write_work_file(jc, "stdin.txt", t->input, t->input_len) != 0 ||
        (s.in_fd = open_read_only(jc, "stdin.txt")) < 0) {
        set_message(jc->res, "test %s: input: %s", t->name, strerror(errno));
        return RUNNER_IE;
    }
    s.out_fd = jc->out_fd;
    s.err_fd = jc->err_fd;
    s.cpu_ms = jc->p->time_limit_ms;
    /* Generous: under load a program gets a fraction of a CPU, and the
     * wall clock is only there for programs that do not use one. */
    s.wall_ms = WALL_FACTOR * (long)jc->p->time_limit_ms + WALL_SLACK_MS;
    s.as_bytes = mem + jc->lang->as_slack_mb * 1024L * 1024;
    s.stack_bytes = mem;
    s.fsize_bytes = cap;
    s.no_fork = 1;
    if (spawn_run(&s, &o, err, sizeof(err)) != 0) {
        set_message(jc->res, "test %s: %s", t->name, err);
        close(s.in_fd);
        return RUNNER_IE;
    }
    close(s.in_fd);

    r->time_ms = (int)cpu_ms(&o.ru);
    r->wall_ms = (int)o.wall_ms;
    r->memory_kb = o.ru.ru_maxrss;
    if (WIFSIGNALED(o.status))
        r->signal = WTERMSIG(o.status);
    else
        r->exit_status = WEXITSTATUS(o.status);
    r->verdict = classify(jc, t, &o, cap, r);
    /* The message is the first failing test's, as is the verdict. */
    if ((r->verdict == RUNNER_RE || r->verdict == RUNNER_MLE ||
         r->verdict == RUNNER_OLE) &&
        jc->res->message == NULL)
        message_from_fd(jc->res, jc->err_fd);
    return r->verdict;
}

/* Run the tests in order, stopping at the first failure unless run_all;
 * the overall verdict is the first failure's. */
static enum runner_verdict run_tests(struct judge_ctx *jc)
{
    struct runner_result *res = jc->res;
    enum runner_verdict overall = RUNNER_AC;

    jc->out_fd = open_work_file(jc, "stdout.txt");
    jc->err_fd = open_work_file(jc, "stderr.txt");
    if (jc->out_fd < 0 || jc->err_fd < 0) {
        set_message(res, "open: %s", strerror(errno));
        overall = RUNNER_IE;
    }
    for (size_t i = 0; overall != RUNNER_IE && i < jc->p->ntests; i++) {
        struct runner_test_result *r = &res->tests[res->nrun++];
        enum runner_verdict v = run_test(jc, &jc->p->tests[i], r);

        res->time_ms += r->time_ms;
        res->wall_ms += r->wall_ms;
        if (r->memory_kb > res->memory_kb)
            res->memory_kb = r->memory_kb;
        if (v == RUNNER_AC)
            res->npassed++;
        else if (overall == RUNNER_AC || v == RUNNER_IE)
            overall = v;
        if (v != RUNNER_AC && !jc->run_all)
            break;
    }
    if (jc->out_fd >= 0)
        close(jc->out_fd);
    if (jc->err_fd >= 0)
        close(jc->err_fd);
    return overall;
}

/* Remove name (relative to parent_fd) and, for a directory, everything in
 * it.  Directories are made accessible first, since the program may have
 * removed their permissions.  Returns 0 or -1. */
static int remove_at(int parent_fd, const char *name, int depth)
{
    struct dirent *de;
    DIR *d;
    int fd;

    if (unlinkat(parent_fd, name, 0) == 0 || errno == ENOENT)
        return 0;
    if ((errno != EISDIR && errno != EPERM) || depth > 64)
        return -1;
    fchmodat(parent_fd, name, 0700, 0);
    fd = openat(parent_fd, name,
                O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || (d = fdopendir(fd)) == NULL) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            remove_at(dirfd(d), de->d_name, depth + 1);
    closedir(d);
    return unlinkat(parent_fd, name, AT_REMOVEDIR);
}

/* Make the submission's directory and environment.  Returns 0, or -1
 * with res->message set. */
static int ctx_init(struct judge_ctx *jc, const struct runner_opts *opts)
{
    const char *tmp = opts != NULL ? opts->tmp_dir : NULL;

    if (tmp == NULL)
        tmp = getenv("TMPDIR");
    if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    jc->run_all = opts != NULL && opts->run_all;
    jc->output_max = opts != NULL && opts->output_max > 0 ? opts->output_max
                                                          : RUNNER_OUTPUT_MAX;
    if ((size_t)snprintf(jc->dir, sizeof(jc->dir),
                         "%s/" DIR_PREFIX "%ld-XXXXXX", tmp,
                         (long)getpid()) >= sizeof(jc->dir) ||
        mkdtemp(jc->dir) == NULL) {
        set_message(jc->res, "mkdtemp in %s: %s", tmp, strerror(errno));
        jc->dir[0] = '\0';
        return -1;
    }
    snprintf(jc->home_env, sizeof(jc->home_env), "HOME=%s", jc->dir);
    snprintf(jc->tmp_env, sizeof(jc->tmp_env), "TMPDIR=%s", jc->dir);
    jc->envp[0] = (char *)"PATH=" RUNNER_PATH;
    jc->envp[1] = jc->home_env;
    jc->envp[2] = jc->tmp_env;
    jc->envp[3] = (char *)"LANG=C.UTF-8";
    jc->envp[4] = NULL;
    return 0;
}

/* Steps 1-3 of the lifecycle in the header comment, in the directory
 * ctx_init made. */
static enum runner_verdict judge_in_dir(struct judge_ctx *jc, const char *code,
                                        size_t code_len)
{
    enum runner_verdict v;

    if (write_work_file(jc, jc->lang->source_name, code, code_len) != 0) {
        set_message(jc->res, "writing the source: %s", strerror(errno));
        return RUNNER_IE;
    }
    if (jc->lang->compile_argv != NULL) {
        v = compile(jc);
        if (v != RUNNER_AC)
            return v;
    }
    return run_tests(jc);
}

enum runner_verdict runner_judge(const struct problem *p, const char *lang,
                                 const char *code, size_t code_len,
                                 const struct runner_opts *opts,
                                 struct runner_result *res)
{
    struct judge_ctx jc;

    memset(res, 0, sizeof(*res));
    memset(&jc, 0, sizeof(jc));
    res->verdict = RUNNER_IE;
    res->ntests = p->ntests;
    jc.p = p;
    jc.res = res;
    jc.out_fd = jc.err_fd = -1;
    jc.lang = runner_lang_find(lang);
    if (jc.lang == NULL) {
        set_message(res, "unknown language '%s'", lang ? lang : "(null)");
        return res->verdict;
    }
    res->tests = calloc(p->ntests > 0 ? p->ntests : 1, sizeof(*res->tests));
    if (res->tests == NULL) {
        set_message(res, "out of memory");
        return res->verdict;
    }
    if (ctx_init(&jc, opts) != 0)
        return res->verdict;
    res->verdict = judge_in_dir(&jc, code, code_len);
    /* A directory that cannot be removed (the program made something
     * undeletable in it) leaves litter in tmp_dir but does not change a
     * verdict already reached. */
    remove_at(AT_FDCWD, jc.dir, 0);
    if (res->verdict != RUNNER_CE && res->verdict != RUNNER_IE &&
        res->verdict != RUNNER_RE && res->verdict != RUNNER_MLE &&
        res->verdict != RUNNER_OLE) {
        free(res->message);
        res->message = NULL;
    }
    return res->verdict;
}

void runner_result_free(struct runner_result *res)
{
    free(res->tests);
    free(res->message);
    memset(res, 0, sizeof(*res));
}

/* ---- version ----------------------------------------------------------- */

int runner_lang_version(const struct runner_lang *lang, char *buf, size_t len)
{
    struct judge_ctx jc;
    struct runner_result res;
    struct spawn_spec s;
    struct spawn_outcome o;
    char *argv[ARGV_MAX], err[256];
    int pipefd[2];
    ssize_t n;

    memset(&jc, 0, sizeof(jc));
    memset(&res, 0, sizeof(res));
    jc.lang = lang;
    jc.res = &res;
    strcpy(jc.dir, "/");
    jc.envp[0] = (char *)"PATH=" RUNNER_PATH;
    jc.envp[1] = (char *)"LANG=C.UTF-8";
    if (spec_init(&jc, &s, lang->version_argv, argv) != 0) {
        snprintf(buf, len, "%s", res.message ? res.message : "not found");
        free(res.message);
        return -1;
    }
    if (pipe2(pipefd, O_CLOEXEC) != 0 ||
        (s.in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
        snprintf(buf, len, "pipe: %s", strerror(errno));
        return -1;
    }
    s.out_fd = s.err_fd = pipefd[1];
    s.wall_ms = VERSION_WAIT_MS;
    n = spawn_run(&s, &o, err, sizeof(err));
    close(s.in_fd);
    close(pipefd[1]);
    if (n != 0) {
        close(pipefd[0]);
        snprintf(buf, len, "%s", err);
        return -1;
    }
    n = read(pipefd[0], buf, len - 1);
    close(pipefd[0]);
    if (n <= 0 || !WIFEXITED(o.status) || WEXITSTATUS(o.status) != 0) {
        snprintf(buf, len, "%s --version failed", argv[0]);
        return -1;
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

/* ---- leftovers of dead judges ------------------------------------------ */

/* The pid in a directory name DIR_PREFIX "<pid>-XXXXXX", or 0 when the
 * name is not one of ours. */
static pid_t dir_owner(const char *name)
{
    const char *p = name + strlen(DIR_PREFIX);
    long pid = 0;

    if (strncmp(name, DIR_PREFIX, strlen(DIR_PREFIX)) != 0)
        return 0;
    for (; *p >= '0' && *p <= '9' && pid < 100000000; p++)
        pid = pid * 10 + (*p - '0');
    return *p == '-' && strlen(p) == 7 ? (pid_t)pid : 0;
}

int runner_sweep(const char *tmp_dir)
{
    struct dirent *de;
    int removed = 0;
    DIR *d;

    if (tmp_dir == NULL)
        tmp_dir = getenv("TMPDIR");
    if (tmp_dir == NULL || tmp_dir[0] == '\0')
        tmp_dir = "/tmp";
    if ((d = opendir(tmp_dir)) == NULL)
        return -1;
    while ((de = readdir(d)) != NULL) {
        pid_t pid = dir_owner(de->d_name);

        /* EPERM means a live process of another user: not ours to judge. */
        if (pid <= 0 || pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH)
            continue;
        if (remove_at(dirfd(d), de->d_name, 0) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}
