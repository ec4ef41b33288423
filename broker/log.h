/* log.h -- the broker's log, in Redis's line format:
 *   pid:role day month year hh:mm:ss.mmm level-char message
 * e.g. "4242:M 03 Dec 2026 10:00:00.123 * Ready to accept connections".
 * Level characters: '.' debug, '-' verbose, '*' notice, '#' warning. */
#ifndef LOG_H
#define LOG_H

enum log_level { LL_DEBUG = 0, LL_VERBOSE, LL_NOTICE, LL_WARNING };

/* Log at level, if it passes the configured loglevel. */
void log_msg(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Safe to call from a signal handler: no stdio, no allocation. */
void log_from_signal(int level, const char *msg);
/* Reopen the log file (after config load or CONFIG SET logfile). */
int log_open(const char *path);

#endif
