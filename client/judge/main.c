/* main.c -- bin/judge: the judge pipeline's three roles in one binary.
 *
 *   judge api    [options]   HTTP API: submissions in, records out
 *   judge worker [options]   takes submissions off the queue, judges them
 *   judge notify [options]   WebSocket server pushing verdicts to users
 *
 * The flow and the broker's keys are described in docs/judge.md. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "judge.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: judge api|worker|notify [options]\n"
            "\n"
            "  --broker HOST:PORT   the broker (default 127.0.0.1:%d)\n"
            "  --password PASS      AUTH with this password\n"
            "  --listen HOST:PORT   api: 127.0.0.1:%d, notify: "
            "127.0.0.1:%d\n"
            "  --problems DIR       problems directory (api, worker; "
            "default %s)\n"
            "  --id NAME            worker: its id (default "
            "<hostname>-<pid>)\n"
            "  --lease-ms N         worker: lease time to live (default "
            "%d)\n"
            "  --tmp-dir DIR        worker: where programs run (default "
            "$TMPDIR or /tmp)\n"
            "  --max-inflight N     api: unfinished submissions per user "
            "(default %d)\n"
            "  --max-queue N        api: queue length cap (default %d)\n"
            "  --recent N           api, notify: submissions kept per "
            "user (default %d,\n"
            "                       at most %d)\n"
            "  --max-conns N        api, notify: connections (default "
            "%d)\n"
            "  --request-timeout-ms N  api: a request must arrive whole "
            "within N ms\n"
            "                       (408); notify: the handshake (default "
            "%d)\n"
            "  --idle-timeout-ms N  api: idle keep-alive connections close; "
            "notify:\n"
            "                       sockets must identify by then (default "
            "%d)\n"
            "  --no-access-log      api: no line per request\n"
            "  -h, --help           this text\n",
            JUDGE_BROKER_PORT, JUDGE_API_PORT, JUDGE_NOTIFY_PORT,
            "client/judge/problems", JUDGE_LEASE_MS, JUDGE_MAX_INFLIGHT,
            JUDGE_MAX_QUEUE, JUDGE_RECENT, JUDGE_RECENT_MAX, JUDGE_MAX_CONNS,
            JUDGE_REQUEST_TIMEOUT_MS, JUDGE_IDLE_TIMEOUT_MS);
}

/* The options that take a number, with their range and where it goes
 * (an int or a long member of struct judge_config). */
static const struct num_option {
    const char *name;
    long min, max;
    size_t offset;
    int is_long;
} num_options[] = {
    {"--lease-ms", 300, 3600000, offsetof(struct judge_config, lease_ms), 0},
    {"--max-inflight", 1, 1000000, offsetof(struct judge_config, max_inflight),
     0},
    {"--max-queue", 1, 1000000000, offsetof(struct judge_config, max_queue), 1},
    {"--recent", 1, JUDGE_RECENT_MAX, offsetof(struct judge_config, recent), 0},
    {"--max-conns", 1, 1000000, offsetof(struct judge_config, max_conns), 0},
    {"--request-timeout-ms", 100, 3600000,
     offsetof(struct judge_config, request_timeout_ms), 0},
    {"--idle-timeout-ms", 100, 3600000,
     offsetof(struct judge_config, idle_timeout_ms), 0},
};

/* Parse val as a decimal in o's range into its member of cfg.  Returns 0
 * or -1. */
static int set_number(struct judge_config *cfg, const struct num_option *o,
                      const char *val)
{
    char *end;

    errno = 0;
    long v = strtol(val, &end, 10);
    if (val[0] == '\0' || *end != '\0' || errno != 0 || v < o->min ||
        v > o->max)
        return -1;
    if (o->is_long)
        *(long *)((char *)cfg + o->offset) = v;
    else
        *(int *)((char *)cfg + o->offset) = (int)v;
    return 0;
}

/* Apply an option with a value that is not a number.  Returns 0, -1 for a
 * bad value, -2 for an unknown option. */
static int set_string(struct judge_config *cfg, const char *opt,
                      const char *val)
{
    if (strcmp(opt, "--broker") == 0) {
        if (judge_parse_addr(val, cfg->broker_host, sizeof(cfg->broker_host),
                             &cfg->broker_port) != 0 ||
            cfg->broker_port == 0)
            return -1;
    } else if (strcmp(opt, "--listen") == 0) {
        if (judge_parse_addr(val, cfg->listen_host, sizeof(cfg->listen_host),
                             &cfg->listen_port) != 0)
            return -1;
    } else if (strcmp(opt, "--id") == 0 || strcmp(opt, "--worker") == 0) {
        if (!judge_valid_id(val, strlen(val)))
            return -1;
        cfg->worker_id = val;
    } else if (strcmp(opt, "--password") == 0) {
        cfg->broker_password = val;
    } else if (strcmp(opt, "--problems") == 0) {
        cfg->problems_dir = val;
    } else if (strcmp(opt, "--tmp-dir") == 0) {
        cfg->tmp_dir = val;
    } else {
        return -2;
    }
    return 0;
}

/* Apply option argv[*i] (and its value) to cfg.  Returns 0, or -1 after
 * printing what is wrong. */
static int parse_option(struct judge_config *cfg, int argc, char **argv, int *i)
{
    const char *opt = argv[*i];
    int rc = -2;

    if (strcmp(opt, "--no-access-log") == 0) {
        cfg->access_log = 0;
        return 0;
    }
    if (strncmp(opt, "--", 2) == 0 && *i + 1 >= argc) {
        fprintf(stderr, "judge: %s needs a value\n", opt);
        return -1;
    }
    const char *val = *i + 1 < argc ? argv[*i + 1] : "";
    for (size_t k = 0; k < sizeof(num_options) / sizeof(num_options[0]); k++)
        if (strcmp(opt, num_options[k].name) == 0)
            rc = set_number(cfg, &num_options[k], val);
    if (rc == -2)
        rc = set_string(cfg, opt, val);
    if (rc == -2) {
        fprintf(stderr, "judge: unknown option %s (see judge --help)\n", opt);
        return -1;
    }
    if (rc < 0) {
        fprintf(stderr, "judge: bad value for %s: '%s'\n", opt, val);
        return -1;
    }
    ++*i;
    return 0;
}

int main(int argc, char **argv)
{
    struct judge_config cfg;

    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *role = argv[1];
    if (strcmp(role, "-h") == 0 || strcmp(role, "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(role, "api") != 0 && strcmp(role, "worker") != 0 &&
        strcmp(role, "notify") != 0) {
        fprintf(stderr, "judge: unknown role '%s'\n", role);
        usage(stderr);
        return 2;
    }
    judge_config_default(&cfg, role);
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (parse_option(&cfg, argc, argv, &i) < 0)
            return 2;
    }
    judge_log_init(role);
    judge_catch_signals();
    if (strcmp(role, "api") == 0)
        return api_run(&cfg);
    if (strcmp(role, "worker") == 0)
        return worker_run(&cfg);
    return notify_run(&cfg);
}
