/* log.c -- the broker's log, in Redis's line format (see log.h). */
#include "log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

#define LOG_MAX_LEN 1024 /* longer messages are cut, as in Redis */

static const char level_chars[] = ".-*#";
static int log_fd = STDOUT_FILENO;

int log_open(const char *path)
{
    if (path == NULL || path[0] == '\0') {
        if (log_fd != STDOUT_FILENO)
            close(log_fd);
        log_fd = STDOUT_FILENO;
        return 0;
    }
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    if (log_fd != STDOUT_FILENO)
        close(log_fd);
    log_fd = fd;
    return 0;
}

/* Format "pid:M 03 Dec 2026 10:00:00.123 * " into buf; returns length.
 * The role is C in a forked child (BGSAVE, AOF rewrite), M otherwise. */
static int format_prefix(char *buf, size_t cap, int level)
{
    struct timeval tv;
    struct tm tm;
    char date[64];

    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(date, sizeof(date), "%d %b %Y %H:%M:%S", &tm);
    date[n] = '\0';
    pid_t pid = getpid();
    return snprintf(buf, cap, "%d:%c %s.%03d %c ", (int)pid,
                    pid == server.pid ? 'M' : 'C', date,
                    (int)(tv.tv_usec / 1000), level_chars[level & 3]);
}

static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(log_fd, p, n);
        if (w <= 0)
            return; /* nowhere to report a failing log */
        p += w;
        n -= (size_t)w;
    }
}

void log_msg(int level, const char *fmt, ...)
{
    char line[LOG_MAX_LEN + 128];
    va_list ap;

    if (level < server.verbosity)
        return;
    int n = format_prefix(line, sizeof(line), level);
    va_start(ap, fmt);
    int m = vsnprintf(line + n, LOG_MAX_LEN, fmt, ap);
    va_end(ap);
    if (m < 0)
        return;
    if (m >= LOG_MAX_LEN)
        m = LOG_MAX_LEN - 1;
    n += m;
    line[n++] = '\n';
    write_all(line, (size_t)n);
}

/* Append the decimal digits of v to line at *n. */
static void append_digits(char *line, size_t *n, long long v)
{
    char digits[24];
    int d = 0;

    do {
        digits[d++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    while (d > 0)
        line[(*n)++] = digits[--d];
}

/* No stdio, no locale-dependent calls, no allocation: only what is safe in
 * a signal handler.  Redis's format for these lines:
 * "pid:signal-handler (unix-seconds) message". */
void log_from_signal(int level, const char *msg)
{
    char line[256];
    size_t n = 0;

    if (level < server.verbosity)
        return;
    append_digits(line, &n, (long long)getpid());
    memcpy(line + n, ":signal-handler (", 17);
    n += 17;
    append_digits(line, &n, (long long)time(NULL));
    memcpy(line + n, ") ", 2);
    n += 2;
    size_t len = strlen(msg);
    if (len > sizeof(line) - n - 1)
        len = sizeof(line) - n - 1;
    memcpy(line + n, msg, len);
    n += len;
    line[n++] = '\n';
    write_all(line, n);
}
