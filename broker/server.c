/* server.c -- start-up, the cron, signals and shutdown.
 *
 * main() loads the configuration, opens the listeners, loads the data
 * (the AOF when appendonly is yes, else the snapshot), and runs the event
 * loop.  Connections that arrive while the data loads wait in the listen
 * backlog until it is done (Redis accepts them and answers -LOADING).
 * Everything periodic (active expiry, incremental rehashing, idle clients,
 * reaping a finished BGSAVE or rewrite child, the save rules, a shutdown
 * requested by a signal) happens in server_cron(), a timer that fires `hz`
 * times a second.  Replies are flushed in before_sleep(), once per loop
 * iteration for all clients.
 *
 * Shutdown (SHUTDOWN, SIGTERM, SIGINT) goes through
 * server_prepare_shutdown(), which stops a running child and makes the
 * data durable as Redis decides; when that fails the server keeps running
 * (unless FORCE), and otherwise server_shutdown() exits. */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "aof.h"
#include "child.h"
#include "cmd.h"
#include "config.h"
#include "conn.h"
#include "db.h"
#include "ev.h"
#include "info.h"
#include "log.h"
#include "net.h"
#include "snapshot.h"
#include "util.h"

#define EXPIRE_CYCLE_CPU_PERCENT 25

struct server server;

void server_init_config(void)
{
    server.pid = getpid();
    server.unix_fd = -1;
    server.next_client_id = 1;
    server.active_expire_enabled = 1;
    server.start_ms = util_mstime();
    server.stat_reset_ms = server.start_ms;
    server.lastsave = time(NULL);

    unsigned char rnd[20];
    util_random_bytes(rnd, sizeof(rnd));
    for (size_t i = 0; i < sizeof(rnd); i++)
        snprintf(server.run_id + 2 * i, 3, "%02x", rnd[i]);

    uint8_t seed[16];
    util_random_bytes(seed, sizeof(seed));
    util_hash_seed(seed);
}

static void remove_pidfile(void)
{
    if (server.pidfile && server.pidfile[0])
        unlink(server.pidfile);
}

void server_shutdown(int exit_code)
{
    for (int i = 0; i < server.listen_count; i++)
        close(server.listen_fds[i]);
    if (server.unix_fd >= 0) {
        close(server.unix_fd);
        unlink(server.unixsocket);
    }
    conn_free_all();
    if (server.pidfile && server.pidfile[0]) {
        log_msg(LL_NOTICE, "Removing the pid file.");
        remove_pidfile();
    }
    log_msg(LL_WARNING, "%s is now ready to exit, bye bye...", RESPD_NAME);
    exit(exit_code);
}

/* A running AOF rewrite is killed: the AOF being appended is complete
 * without it.  Except when that AOF does not exist yet (appendonly was
 * just turned on and its first base is being written): then exiting would
 * lose the data, and only FORCE may.  Returns 0, or -1 to stay up. */
static int shutdown_aof_child(int force)
{
    if (child_active() != CHILD_AOF)
        return 0;
    if (aof_get_state() == AOF_WAIT_REWRITE) {
        if (!force) {
            log_msg(LL_WARNING, "Writing initial AOF, can't exit.");
            return -1;
        }
        log_msg(LL_WARNING, "Writing initial AOF. Exit anyway.");
    }
    log_msg(LL_WARNING, "There is a child rewriting the AOF. Killing it!");
    child_kill();
    return 0;
}

/* As Redis 7.0's prepareForShutdown: kill a BGSAVE child (its dump would
 * race with the final one), flush the AOF, save a final snapshot when
 * save rules exist (or SAVE) unless NOSAVE, then close the AOF.  A failed
 * save keeps the server running unless FORCE. */
int server_prepare_shutdown(int flags)
{
    int force = flags & SHUTDOWN_FORCE;

    log_msg(LL_WARNING, "User requested shutdown...");
    if (child_active() == CHILD_RDB) {
        log_msg(LL_WARNING, "There is a child saving an .rdb. Killing it!");
        child_kill();
    }
    if (aof_get_state() != AOF_OFF) {
        if (shutdown_aof_child(force) != 0)
            goto refused;
        aof_flush(1);
    }
    if ((server.save_params_count > 0 && !(flags & SHUTDOWN_NOSAVE)) ||
        (flags & SHUTDOWN_SAVE)) {
        log_msg(LL_NOTICE, "Saving the final RDB snapshot before exiting.");
        if (snapshot_save() != 0) {
            if (!force) {
                log_msg(LL_WARNING, "Error trying to save the DB, can't exit.");
                goto refused;
            }
            log_msg(LL_WARNING, "Error trying to save the DB. Exit anyway.");
        }
    }
    /* Last, once nothing can refuse the shutdown any more: the file stays
     * open and appended to if the server keeps running. */
    aof_shutdown();
    return 0;

refused:
    log_msg(LL_WARNING, "Errors trying to shut down the server. Check the "
                        "logs for more information.");
    server.shutdown_asap = 0;
    return -1;
}

static void on_shutdown_signal(int sig)
{
    /* A second SIGINT means the user does not want to wait. */
    if (server.shutdown_asap && sig == SIGINT) {
        log_from_signal(LL_WARNING, "You insist... exiting now.");
        remove_pidfile();
        _exit(1);
    }
    log_from_signal(LL_WARNING,
                    sig == SIGINT ? "Received SIGINT scheduling shutdown..."
                                  : "Received SIGTERM scheduling shutdown...");
    server.shutdown_asap = 1;
}

static void setup_signals(void)
{
    struct sigaction sa = {0};

    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_shutdown_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

static long long server_cron(struct ev_loop *loop, struct ev_timer *t,
                             void *data)
{
    long long now = util_mstime();
    int hz = server.hz > 0 ? server.hz : SERVER_HZ;

    server.cron_loops++;
    if (server.shutdown_asap && server_prepare_shutdown(0) == 0)
        server_shutdown(0);

    /* A child that ended is reaped before the save rules look for work. */
    child_reap();
    snapshot_cron();
    aof_cron();

    long long period_us = 1000000 / hz;
    if (server.active_expire_enabled)
        db_active_expire_cycle(period_us * EXPIRE_CYCLE_CPU_PERCENT / 100);
    db_rehash_step();
    conn_cron(now);
    info_sample_metrics();

    size_t used = util_used_memory();
    if (used > server.stat_peak_memory)
        server.stat_peak_memory = used;
    return 1000 / hz;
}

/* The AOF first: with appendfsync always a reply may only leave once what
 * its command logged is written and fsynced.  Flushing replies can run
 * commands (a client whose replies drained resumes its input), hence the
 * loop: conn_flush_all() stops at their log entries, written next. */
static void before_sleep(struct ev_loop *loop)
{
    do {
        aof_flush(0);
        conn_flush_all();
    } while (server.pending_writes && aof_replies_must_wait());
}

/* Raise the descriptor limit for maxclients, or lower maxclients to what
 * the system allows, as Redis does. */
static void adjust_open_files_limit(void)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)server.maxclients + SERVER_CONFIG_FD_MARGIN;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
        return;
    rlim_t old = rl.rlim_cur;
    rl.rlim_cur = want;
    if (rl.rlim_max < want)
        rl.rlim_max = want;
    if (setrlimit(RLIMIT_NOFILE, &rl) == 0) {
        log_msg(LL_NOTICE,
                "Increased maximum number of open files to %llu "
                "(it was originally set to %llu).",
                (unsigned long long)want, (unsigned long long)old);
        return;
    }
    rl.rlim_cur = rl.rlim_max = old;
    int fit = (int)old - SERVER_CONFIG_FD_MARGIN;
    if (fit < 1)
        fit = 1;
    log_msg(LL_WARNING,
            "Server can't set maximum open files to %llu because "
            "of OS error: %s. Current maximum open files is %llu. maxclients "
            "has been reduced to %d to compensate for low ulimit.",
            (unsigned long long)want, strerror(errno), (unsigned long long)old,
            fit);
    server.maxclients = fit;
}

/* Open a listener for every bind address into fds.  An address with a
 * leading '-' is optional: failing to bind it (no IPv6, say) is only a
 * warning.  Any other failure closes what was opened, writes the reason
 * into err (NET_ERR_LEN) and returns -1. */
static int open_tcp_listeners(int *fds, int *count, char *err)
{
    *count = 0;
    for (int i = 0; i < server.bind_count && server.port != 0; i++) {
        const char *addr = server.bind[i];
        int optional = addr[0] == '-';
        if (optional)
            addr++;
        char why[NET_ERR_LEN] = "";
        int fd = net_tcp_listen(why, addr, server.port, server.tcp_backlog);
        if (fd >= 0) {
            fds[(*count)++] = fd;
            continue;
        }
        log_msg(LL_WARNING,
                "Warning: Could not create server TCP listening "
                "socket %s:%d: %s",
                addr, server.port, why);
        if (!optional) {
            snprintf(err, NET_ERR_LEN, "%s:%d: %s", addr, server.port, why);
            goto fail;
        }
    }
    if (server.port != 0 && *count == 0) {
        snprintf(err, NET_ERR_LEN, "no address to listen on");
        goto fail;
    }
    return 0;

fail:
    while (*count > 0)
        close(fds[--(*count)]);
    return -1;
}

static void watch_tcp_listeners(void)
{
    for (int i = 0; i < server.listen_count; i++)
        ev_add(server.loop, server.listen_fds[i], EV_READABLE, conn_accept_tcp,
               NULL);
}

/* The old listeners close first: the new set may share an address with
 * them (dropping "-::1" from bind keeps 127.0.0.1).  On failure config.c
 * restores the old values and calls this again, reopening them. */
int server_rebind(char *err)
{
    for (int i = 0; i < server.listen_count; i++) {
        ev_del(server.loop, server.listen_fds[i], EV_READABLE);
        close(server.listen_fds[i]);
    }
    server.listen_count = 0;
    if (open_tcp_listeners(server.listen_fds, &server.listen_count, err) != 0)
        return -1;
    watch_tcp_listeners();
    return 0;
}

static int open_listeners(void)
{
    char err[NET_ERR_LEN];

    if (open_tcp_listeners(server.listen_fds, &server.listen_count, err) != 0)
        return -1;
    watch_tcp_listeners();

    if (server.unixsocket && server.unixsocket[0]) {
        err[0] = '\0';
        server.unix_fd = net_unix_listen(
            err, server.unixsocket, server.unixsocketperm, server.tcp_backlog);
        if (server.unix_fd < 0) {
            log_msg(LL_WARNING, "Failed opening Unix socket: %s", err);
            return -1;
        }
        ev_add(server.loop, server.unix_fd, EV_READABLE, conn_accept_unix,
               NULL);
    }
    return 0;
}

static void daemonize(void)
{
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "Can't fork to daemonize: %s\n", strerror(errno));
        exit(1);
    }
    if (pid > 0)
        exit(0);
    setsid();
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO)
            close(fd);
    }
}

static void write_pidfile(void)
{
    FILE *f = fopen(server.pidfile, "w");
    if (f == NULL) {
        log_msg(LL_WARNING, "Failed to write PID file: %s", strerror(errno));
        return;
    }
    fprintf(f, "%d\n", (int)getpid());
    fclose(f);
}

int main(int argc, char **argv)
{
    server_init_config();
    config_load(argc, argv);

    if (server.daemonize)
        daemonize();
    server.pid = getpid();
    if (log_open(server.logfile) != 0) {
        fprintf(stderr, "Can't open the log file: %s\n", strerror(errno));
        exit(1);
    }
    log_msg(LL_WARNING, "oO0OoO0OoO0Oo %s is starting oO0OoO0OoO0Oo",
            RESPD_NAME);
    log_msg(LL_WARNING, "%s version=%s, bits=%d, pid=%d, just started",
            RESPD_NAME, RESPD_VERSION, (int)(sizeof(long) * 8),
            (int)server.pid);
    if (argc > 1)
        log_msg(LL_WARNING, "Configuration loaded");
    else
        log_msg(LL_WARNING,
                "Warning: no config file specified, using the "
                "default config. In order to specify a config file use %s "
                "/path/to/respd.conf",
                argv[0]);

    adjust_open_files_limit();
    setup_signals();
    server.loop = ev_create(server.maxclients + SERVER_EV_MARGIN);
    if (server.loop == NULL) {
        log_msg(LL_WARNING, "Failed creating the event loop: %s",
                strerror(errno));
        exit(1);
    }
    db_init_all(server.databases);
    cmd_init();
    if (open_listeners() != 0) {
        log_msg(LL_WARNING, "Failed listening on port %d (tcp), aborting.",
                server.port);
        exit(1);
    }
    if (server.pidfile && server.pidfile[0])
        write_pidfile();

    ev_timer_add(server.loop, 1, server_cron, NULL);
    ev_set_before_sleep(server.loop, before_sleep);
    log_msg(LL_NOTICE, "Running mode=standalone, port=%d.", server.port);
    log_msg(LL_WARNING, "Server initialized");
    server.stat_startup_memory = util_used_memory();
    snapshot_load_on_start();
    aof_open_on_start();
    log_msg(LL_NOTICE, "Ready to accept connections");
    ev_run(server.loop);
    return 0;
}
