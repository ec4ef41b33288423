/* main.c -- bin/judge: the judge pipeline's three roles in one binary.
 *
 *   judge api    [options]   HTTP API: submissions in, records out
 *   judge worker [options]   takes submissions off the queue, judges them
 *   judge notify [options]   WebSocket server pushing verdicts to users
 *
 * The flow and the broker's keys are described in docs/judge.md. */
#include <errno.h>
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
            "user (default %d)\n"
            "  --max-conns N        api, notify: connections (default "
            "%d)\n"
            "  --no-access-log      api: no line per request\n"
            "  -h, --help           this text\n",
            JUDGE_BROKER_PORT, JUDGE_API_PORT, JUDGE_NOTIFY_PORT,
            "client/judge/problems", JUDGE_LEASE_MS, JUDGE_MAX_INFLIGHT,
            JUDGE_MAX_QUEUE, JUDGE_RECENT, JUDGE_MAX_CONNS);
}

/* Parse a decimal in [min, max].  Returns 0 or -1. */
static int parse_long(const char *s, long min, long max, long *out)
{
    char *end;

    errno = 0;
    long v = strtol(s, &end, 10);
    if (s[0] == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Apply option argv[*i] (and its value) to cfg.  Returns 0, or -1 after
 * printing what is wrong. */
static int parse_option(struct judge_config *cfg, int argc, char **argv, int *i)
{
    const char *opt = argv[*i];
    long v;

    if (strcmp(opt, "--no-access-log") == 0) {
        cfg->access_log = 0;
        return 0;
    }
    if (*i + 1 >= argc) {
        fprintf(stderr, "judge: %s needs a value\n", opt);
        return -1;
    }
    const char *val = argv[++*i];
    if (strcmp(opt, "--broker") == 0) {
        if (judge_parse_addr(val, cfg->broker_host, sizeof(cfg->broker_host),
                             &cfg->broker_port) == 0 &&
            cfg->broker_port > 0)
            return 0;
    } else if (strcmp(opt, "--listen") == 0) {
        if (judge_parse_addr(val, cfg->listen_host, sizeof(cfg->listen_host),
                             &cfg->listen_port) == 0)
            return 0;
    } else if (strcmp(opt, "--password") == 0) {
        cfg->broker_password = val;
        return 0;
    } else if (strcmp(opt, "--problems") == 0) {
        cfg->problems_dir = val;
        return 0;
    } else if (strcmp(opt, "--id") == 0 || strcmp(opt, "--worker") == 0) {
        if (judge_valid_id(val, strlen(val))) {
            cfg->worker_id = val;
            return 0;
        }
    } else if (strcmp(opt, "--tmp-dir") == 0) {
        cfg->tmp_dir = val;
        return 0;
    } else if (strcmp(opt, "--lease-ms") == 0) {
        if (parse_long(val, 300, 3600000, &v) == 0) {
            cfg->lease_ms = (int)v;
            return 0;
        }
    } else if (strcmp(opt, "--max-inflight") == 0) {
        if (parse_long(val, 1, 1000000, &v) == 0) {
            cfg->max_inflight = (int)v;
            return 0;
        }
    } else if (strcmp(opt, "--max-queue") == 0) {
        if (parse_long(val, 1, 1000000000, &v) == 0) {
            cfg->max_queue = v;
            return 0;
        }
    } else if (strcmp(opt, "--recent") == 0) {
        if (parse_long(val, 1, 1000, &v) == 0) {
            cfg->recent = (int)v;
            return 0;
        }
    } else if (strcmp(opt, "--max-conns") == 0) {
        if (parse_long(val, 1, 1000000, &v) == 0) {
            cfg->max_conns = (int)v;
            return 0;
        }
    } else {
        fprintf(stderr, "judge: unknown option %s (see judge --help)\n", opt);
        return -1;
    }
    fprintf(stderr, "judge: bad value for %s: '%s'\n", opt, val);
    return -1;
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
