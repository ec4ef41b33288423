/* child.c -- the one forked child a server may have at a time (child.h).
 *
 * Lifecycle: child_fork() forks; the child drops what belongs to the
 * parent (listening and client sockets, signal handlers, the pid file)
 * and writes its file, then leaves through child_exit().  The parent
 * remembers the child's pid and type; the cron calls child_reap(), which
 * collects the exit status with a non-blocking waitpid() and hands it to
 * the done hook of the module that started the child (snapshot.c for
 * CHILD_RDB, aof.c for CHILD_AOF), then forgets the child.
 *
 * A child is stopped with SIGUSR1 (child_kill), which its default
 * disposition turns into an exit by that signal; the done hooks treat
 * SIGUSR1 as "killed on purpose", not as a failed save, as Redis does. */
#include "child.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aof.h"
#include "conn.h"
#include "log.h"
#include "rdb.h"
#include "server.h"
#include "snapshot.h"
#include "util.h"

static enum child_type active_type = CHILD_NONE;
static pid_t active_pid = -1;
static long long active_start_ms;

enum child_type child_active(void)
{
    return active_type;
}

pid_t child_pid(void)
{
    return active_pid;
}

long long child_start_ms(void)
{
    return active_start_ms;
}

/* In the new child: nothing of the parent's serving may go on here.  Its
 * sockets are closed (the parent keeps its own copies open; close() only
 * drops this process's reference, where shutdown() would end the
 * connection for both), its signal handlers are replaced by the default
 * actions, so SIGTERM, SIGINT and SIGUSR1 simply end the child, and the pid
 * file is forgotten, as it is the parent's to remove.  The AOF's
 * descriptor stays open but is never written here: the child writes only
 * its own file and leaves with _exit(), which flushes no stdio buffer. */
static void child_setup(void)
{
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);

    for (int i = 0; i < server.listen_count; i++)
        close(server.listen_fds[i]);
    server.listen_count = 0;
    if (server.unix_fd >= 0)
        close(server.unix_fd);
    server.unix_fd = -1;
    for (struct conn *c = server.clients; c; c = c->next)
        if (c->fd >= 0)
            close(c->fd);
    server.pidfile = NULL;
}

pid_t child_fork(enum child_type type)
{
    if (active_type != CHILD_NONE) {
        errno = EBUSY;
        return -1;
    }
    /* Both kinds of child may write RDB data: they use the rdb* settings
     * as they are at the fork, whatever CONFIG SET did since the last
     * save. */
    rdb_apply_config();

    long long start = util_mstime();
    pid_t pid = fork();
    if (pid == 0) {
        child_setup();
        return 0;
    }
    if (pid < 0)
        return -1;
    active_type = type;
    active_pid = pid;
    active_start_ms = start;
    return pid;
}

void child_exit(int ok)
{
    _exit(ok ? 0 : 1);
}

/* Hand a wait() status to the done hook, then forget the child (the hook
 * still sees child_pid(), to remove the child's temporary file). */
static void child_finish(int status)
{
    int exitcode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    int bysignal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;

    if (active_type == CHILD_RDB)
        snapshot_child_done(exitcode, bysignal);
    else if (active_type == CHILD_AOF)
        aof_child_done(exitcode, bysignal);
    active_type = CHILD_NONE;
    active_pid = -1;
    active_start_ms = 0;
}

void child_reap(void)
{
    int status = 0;

    if (active_type == CHILD_NONE)
        return;
    pid_t pid = waitpid(active_pid, &status, WNOHANG);
    if (pid == 0 || (pid < 0 && errno == EINTR))
        return;
    if (pid < 0) {
        /* The child is gone without a status to collect (ECHILD): count
         * it as failed rather than waiting for it forever. */
        log_msg(LL_WARNING,
                "waitpid() returned an error: %s. child_type: %s, "
                "child_pid = %d",
                strerror(errno), active_type == CHILD_RDB ? "RDB" : "AOF",
                (int)active_pid);
        status = 1 << 8; /* as if it had exited with status 1 */
    }
    child_finish(status);
}

void child_kill(void)
{
    /* A wait() status meaning "ended by SIGUSR1": what the hook is told if
     * the child cannot be waited for (it is gone already). */
    int status = SIGUSR1;

    if (active_type == CHILD_NONE)
        return;
    if (kill(active_pid, SIGUSR1) == 0) {
        /* A stopped child would keep the signal pending forever. */
        kill(active_pid, SIGCONT);
        int st;
        pid_t pid;
        while ((pid = waitpid(active_pid, &st, 0)) < 0 && errno == EINTR)
            ;
        if (pid == active_pid)
            status = st;
    }
    child_finish(status);
}
