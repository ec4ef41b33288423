/* runner.h -- compile and run one submission against a problem's tests.
 *
 * runner_judge() makes a fresh private directory (mkdtemp of
 * "respd-judge-<pid>-XXXXXX" under opts->tmp_dir, $TMPDIR or /tmp),
 * writes the source there, compiles it when the language needs that, runs
 * it once per test and removes the directory again, whatever happened
 * (only a judge killed meanwhile leaves it: see runner_sweep()).  It keeps
 * no global state, so any number of processes or threads may judge at
 * once.
 *
 * Each program run is a fork/exec child that, before exec:
 *   - gets its own process group (the parent kills the whole group) and
 *     SIGKILL as its parent-death signal (it dies with the judge);
 *   - reads the test's input on stdin (test->input, written to a file)
 *     and writes stdout and stderr to files, all in the submission's
 *     directory, which is also its cwd;
 *   - gets RLIMIT_CPU (the time limit rounded up to whole seconds, plus
 *     one, as a backstop) and an ITIMER_PROF timer just past the time
 *     limit (millisecond precision; timers survive exec), RLIMIT_AS (memory
 *     limit plus the language's as_slack_mb, see below), RLIMIT_STACK
 *     (the memory limit), RLIMIT_FSIZE (output_max, or twice the expected
 *     output when that is more: a program that writes more gets SIGXFSZ
 *     or EFBIG), RLIMIT_NOFILE 64, RLIMIT_CORE 0 and
 *     RLIMIT_NPROC 1 (no fork, no threads; not enforced for root);
 *   - has every signal reset to its default and unblocked, every file
 *     descriptor above 2 closed, and a fixed environment (PATH
 *     RUNNER_PATH, HOME and TMPDIR its directory, LANG C.UTF-8).
 * The parent enforces a wall-clock limit of 3 * time limit + 1000 ms (a
 * program that sleeps or blocks uses no CPU; the margin is wide because a
 * busy machine gives each program only part of a CPU) by killing the
 * process group, and reaps the child with wait4() for its CPU time and
 * peak RSS.
 *
 * Memory: RLIMIT_AS limits address space, not resident memory, and every
 * program maps more than it touches (libc and the loader about 3 MiB; the
 * python interpreter about 14 MiB before running a line, plus allocator
 * arenas reserved ahead of use), so each language adds as_slack_mb to the
 * problem's limit: 16 for c, 64 for python.  Peak memory is ru_maxrss.
 * Linux carries the resident high-water mark of the forked copy of the
 * caller across exec, so the figure is never below the caller's own RSS
 * at fork: keep worker processes small (a few MiB) or small programs
 * show the worker's size.  A program that hits the limit sees malloc fail
 * or MemoryError; that is reported as MLE when its peak RSS passed the
 * limit or when a python program died of MemoryError, and otherwise as
 * what it looked like (usually RE: SIGSEGV on the NULL pointer).
 *
 * Time: ITIMER_PROF fires 5 ms past the limit and is exact; time_ms comes
 * from rusage, whose user/system split is sampled, so a program stopped
 * by the timer can show a time_ms somewhat below the limit (seen: 914 ms
 * for a 1000 ms limit).  The verdict follows the
 * timer.
 *
 * Verdict of one test, first rule that applies:
 *   TLE  killed by the wall clock, SIGXCPU or SIGPROF, or CPU time over
 *        the limit (even if it then exited cleanly);
 *   OLE  stdout or stderr reached output_max (SIGXFSZ, or it died on the
 *        write error);
 *   MLE  as described above;
 *   RE   killed by any other signal (detail "SIGSEGV", ...) or nonzero
 *        exit status (detail "exit status 3");
 *   WA   output differs from the expected output under
 *        runner_output_matches();
 *   AC   otherwise.
 * The overall verdict is CE if compiling failed, IE if the runner itself
 * failed (mkdtemp, fork, a missing compiler, an unknown language), and
 * otherwise that of the first test that is not AC (AC if none).  Tests run
 * in order and, unless opts->run_all, judging stops at the first test that
 * is not AC: the remaining tests would not change the verdict and a
 * solution that times out on every test would hold a worker for ntests
 * times its limit.
 *
 * What this does NOT protect against (a hardened sandbox is a separate
 * piece of work): the program runs as the worker's user with the worker's
 * file system view, so it can read anything that user can (including the
 * tests' expected outputs), write anywhere that user can (RLIMIT_FSIZE
 * caps each file, not their number), use the network, and when the
 * worker runs as root escape RLIMIT_NPROC (fork bombs) and raise its own
 * limits.  A process that leaves the process group (setsid) outlives the
 * kill.  It can see other processes and signal those of the same user.
 * Namespaces, seccomp, cgroups (for memory and pids) and an unprivileged
 * user per run would close these holes.
 *
 * Callers must not set SIGCHLD to SIG_IGN or reap children with
 * wait(-1)/waitpid(-1) on another thread: the runner waits for its own
 * pids. */
#ifndef RUNNER_H
#define RUNNER_H

#include <stddef.h>

#include "problem.h"

/* PATH in the child's environment and where compilers and interpreters
 * are looked up (first match wins). */
#define RUNNER_PATH "/usr/local/bin:/usr/bin:/bin"
/* Default cap on each of stdout and stderr, per test. */
#define RUNNER_OUTPUT_MAX (8L * 1024 * 1024)
/* Cap on runner_result.message (compiler output, stderr, reason). */
#define RUNNER_MESSAGE_MAX 4096
/* Limits for the compiler itself. */
#define RUNNER_COMPILE_TIME_MS   15000
#define RUNNER_COMPILE_MEMORY_MB 1024
#define RUNNER_DETAIL_LEN        64
#define RUNNER_VERSION_LEN       128

enum runner_verdict {
    RUNNER_AC,  /* accepted */
    RUNNER_WA,  /* wrong answer */
    RUNNER_TLE, /* time limit exceeded */
    RUNNER_MLE, /* memory limit exceeded */
    RUNNER_OLE, /* output limit exceeded */
    RUNNER_RE,  /* runtime error */
    RUNNER_CE,  /* compilation error */
    RUNNER_IE   /* internal error: the judge failed, not the program */
};

/* One entry of the language table.  argv templates use "{src}" for the
 * source file and "{exe}" for the compiled program (both plain names in
 * the submission's directory). */
struct runner_lang {
    const char *name;                /* as submitted: "c", "python" */
    const char *display;             /* for people: "Python 3" */
    const char *source_name;         /* "main.c" */
    const char *const *compile_argv; /* NULL: nothing to compile */
    const char *const *run_argv;
    const char *const *version_argv; /* prints the version, first line */
    int as_slack_mb; /* added to the memory limit for RLIMIT_AS */
};

struct runner_test_result {
    char name[PROBLEM_ID_MAX]; /* the test's name, "01" */
    enum runner_verdict verdict;
    int time_ms;     /* CPU time, user + system (what the limit is on) */
    int wall_ms;     /* wall-clock time from fork to exit */
    long memory_kb;  /* peak resident set size (ru_maxrss) */
    int exit_status; /* when it exited: its status; -1 if signalled */
    int signal;      /* the signal that ended it, 0 if none */
    /* Why, for people: RE "SIGSEGV" or "exit status 1", TLE "cpu time"
     * or "wall clock", MLE "over 64 MiB", OLE "stdout over 8388608
     * bytes"; "" for AC and WA. */
    char detail[RUNNER_DETAIL_LEN];
};

struct runner_result {
    enum runner_verdict verdict; /* overall, as described above */
    size_t ntests;               /* tests in the problem */
    size_t nrun;                 /* entries in tests[] (tests actually run) */
    size_t npassed;              /* of those, how many were AC */
    struct runner_test_result *tests; /* nrun entries, in order */
    long time_ms;                     /* sum of the tests' CPU time */
    long wall_ms;                     /* sum of the tests' wall time */
    long memory_kb;                   /* the largest peak RSS of any test */
    /* NUL-terminated, at most RUNNER_MESSAGE_MAX bytes (a cut message ends
     * in "\n[truncated]"), or NULL: CE the compiler's output; RE/MLE/OLE
     * the failing test's stderr, if any; IE what failed. */
    char *message;
};

struct runner_opts {
    const char *tmp_dir; /* parent of the per-submission directories;
                            NULL: $TMPDIR, or /tmp */
    int run_all;         /* run every test instead of stopping at the
                            first that is not AC */
    long output_max;     /* per-test cap on stdout and stderr in bytes;
                            0: RUNNER_OUTPUT_MAX */
};

/* "AC", "WA", "TLE", "MLE", "OLE", "RE", "CE", "IE" ("IE" for a value out
 * of range), and the long form: "Accepted", "Wrong Answer", ... */
const char *runner_verdict_name(enum runner_verdict v);
const char *runner_verdict_text(enum runner_verdict v);

/* The language table, in a fixed order: runner_lang_at(i) for i below
 * runner_lang_count(); NULL when out of range. */
size_t runner_lang_count(void);
const struct runner_lang *runner_lang_at(size_t i);
/* The language called name ("c", "python"), or NULL. */
const struct runner_lang *runner_lang_find(const char *name);

/* Run the language's version command (a child process, up to 5 s) and
 * put the first line of its output in buf.  Returns 0, or -1 with a
 * reason in buf.  Slow enough (a fork and exec) that callers should ask
 * once at start and keep the answer. */
int runner_lang_version(const struct runner_lang *lang, char *buf, size_t len);

/* Judge code (code_len bytes; may contain NULs) written in language lang
 * (by name) against every test of p.  opts may be NULL (defaults).
 * Always fills *res (release it with runner_result_free()) and returns
 * res->verdict; an internal failure is RUNNER_IE with res->message
 * saying what failed.  Blocks for as long as the tests take. */
enum runner_verdict runner_judge(const struct problem *p, const char *lang,
                                 const char *code, size_t code_len,
                                 const struct runner_opts *opts,
                                 struct runner_result *res);
void runner_result_free(struct runner_result *res);

/* Remove what judges that died mid-submission (kill -9, a crash) left in
 * tmp_dir (NULL: $TMPDIR, or /tmp): the directories are named after the
 * judging pid, and those of pids no longer alive go.  Directories of live
 * processes are never touched, so any worker may call this at start while
 * others judge.  Assumes tmp_dir is not shared across pid namespaces.
 * Returns how many were removed, or -1 when tmp_dir cannot be read. */
int runner_sweep(const char *tmp_dir);

/* The comparison rule for WA: got matches want when, after removing the
 * blanks (space, tab, '\r') at the end of every line and then every empty
 * line at the end, both are byte for byte the same.  A missing final
 * newline does not matter; blanks or blank lines elsewhere do.  Returns 1
 * on a match, 0 otherwise. */
int runner_output_matches(const char *got, size_t got_len, const char *want,
                          size_t want_len);

#endif
