/* lifecycle.c -- start-up log and shutdown on signals.
 *
 * Redis logs "pid:role dd Mon yyyy hh:mm:ss.mmm level message" lines; at
 * start-up they name the version, pid and port.  SIGTERM and SIGINT
 * schedule a clean shutdown (exit status 0, logged); a second SIGINT while
 * the shutdown is pending exits at once. */
#include <criterion/criterion.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

#define LOG_LINE_RE                                                            \
    "^[0-9]+:[XCSM] [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|"    \
    "Dec) [0-9]{4} [0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{3} [-.*#] .+$"
/* What a signal handler logs, with Unix seconds instead of a date (it may
 * not call the date functions). */
#define SIGNAL_LINE_RE "^[0-9]+:signal-handler \\([0-9]+\\) .+$"

static struct hs_server srv;

static void setup(void)
{
    cr_assert_eq(hs_start(&srv, NULL), 0, "server did not start");
}

static void teardown(void)
{
    hs_stop(&srv);
}

TestSuite(lifecycle, .init = setup, .fini = teardown, .timeout = 30);

/* The log once it contains `needle`, waiting up to a second for it. */
static char *log_with(const char *needle)
{
    for (int i = 0; i < 100; i++) {
        char *log = hs_log(&srv);

        if (log != NULL && strstr(log, needle) != NULL)
            return log;
        free(log);
        hs_sleep_ms(10);
    }
    return hs_log(&srv);
}

/* Check every line of log against Redis's formats and the pid; returns
 * the number of lines. */
static int assert_log_format(char *log, pid_t pid)
{
    char prefix[32];
    regex_t line_re, signal_re;
    int lines = 0;

    cr_assert_eq(regcomp(&line_re, LOG_LINE_RE, REG_EXTENDED | REG_NOSUB), 0);
    cr_assert_eq(regcomp(&signal_re, SIGNAL_LINE_RE, REG_EXTENDED | REG_NOSUB),
                 0);
    snprintf(prefix, sizeof(prefix), "%d:", (int)pid);
    for (char *line = strtok(log, "\n"); line != NULL;
         line = strtok(NULL, "\n"), lines++) {
        cr_assert(regexec(&line_re, line, 0, NULL, 0) == 0 ||
                      regexec(&signal_re, line, 0, NULL, 0) == 0,
                  "log line not in Redis's format: \"%s\"", line);
        cr_assert(strncmp(line, prefix, strlen(prefix)) == 0,
                  "log line without the server's pid %d: \"%s\"", (int)pid,
                  line);
    }
    regfree(&line_re);
    regfree(&signal_re);
    return lines;
}

Test(lifecycle, every_startup_log_line_has_redis_format)
{
    char *log = log_with("Ready to accept connections");

    cr_assert_gt(assert_log_format(log, srv.pid), 0, "nothing logged");
    free(log);
}

Test(lifecycle, every_shutdown_log_line_has_redis_format)
{
    pid_t pid = srv.pid;
    char *log;

    kill(srv.pid, SIGTERM);
    cr_assert_eq(hs_wait_exit(&srv, 5000), 0, "still running 5 s after TERM");
    log = hs_log(&srv);
    assert_log_format(log, pid);
    free(log);
}

Test(lifecycle, startup_log_names_version_pid_and_port)
{
    char *log = log_with("Ready to accept connections");
    char pid[32], port[32];

    snprintf(pid, sizeof(pid), "pid=%d", (int)srv.pid);
    snprintf(port, sizeof(port), "port=%d", srv.port);
    cr_assert_not_null(strstr(log, "version=7.0.15"), "log: %s", log);
    cr_assert_not_null(strstr(log, pid), "no \"%s\" in log: %s", pid, log);
    cr_assert_not_null(strstr(log, port), "no \"%s\" in log: %s", port, log);
    cr_assert_not_null(strstr(log, "Ready to accept connections"));
    free(log);
}

Test(lifecycle, sigterm_exits_with_status_0_and_closes_clients)
{
    struct hs_client c;

    cr_assert_eq(hs_connect(&srv, &c), 0);
    hs_send_str(&c, "PING\r\n");
    hs_assert_reply(&c, "+PONG\r\n");
    kill(srv.pid, SIGTERM);
    cr_assert_eq(hs_wait_exit(&srv, 5000), 0, "still running 5 s after TERM");
    cr_assert(WIFEXITED(srv.status) && WEXITSTATUS(srv.status) == 0,
              "exit status 0x%x", srv.status);
    cr_assert_eq(hs_wait_closed(&c, HS_TIMEOUT_MS), HS_EOF);
    hs_close(&c);
}

Test(lifecycle, sigterm_shutdown_is_logged)
{
    char *log;

    kill(srv.pid, SIGTERM);
    cr_assert_eq(hs_wait_exit(&srv, 5000), 0, "still running 5 s after TERM");
    log = hs_log(&srv);
    cr_assert_not_null(strstr(log, "Received SIGTERM scheduling shutdown..."),
                       "log: %s", log);
    cr_assert_not_null(strstr(log, "ready to exit, bye bye..."), "log: %s",
                       log);
    free(log);
}

Test(lifecycle, sigint_exits_with_status_0_and_is_logged)
{
    char *log;

    kill(srv.pid, SIGINT);
    cr_assert_eq(hs_wait_exit(&srv, 5000), 0, "still running 5 s after INT");
    cr_assert(WIFEXITED(srv.status) && WEXITSTATUS(srv.status) == 0,
              "exit status 0x%x", srv.status);
    log = hs_log(&srv);
    cr_assert_not_null(strstr(log, "Received SIGINT scheduling shutdown..."),
                       "log: %s", log);
    free(log);
}

Test(lifecycle, second_sigint_during_a_busy_command_exits_at_once)
{
    struct hs_client c;
    long long t0;

    cr_assert_eq(hs_connect(&srv, &c), 0);
    hs_cmd(&c, "DEBUG", "SLEEP", "5", NULL);
    hs_sleep_ms(200);
    t0 = hs_now_ms();
    kill(srv.pid, SIGINT);
    hs_sleep_ms(20);
    kill(srv.pid, SIGINT);
    cr_assert_eq(hs_wait_exit(&srv, 1500), 0,
                 "still running 1.5 s after two SIGINTs");
    cr_assert_lt(hs_now_ms() - t0, 1500);
    hs_close(&c);
}
