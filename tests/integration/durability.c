/* durability.c -- acknowledged writes survive a crash.
 *
 * With appendfsync always a reply is only sent once the write it
 * acknowledges is on disk, so a server killed with SIGKILL at any moment
 * must, after a restart, hold every write a client saw acknowledged (and
 * possibly some it sent but never saw acknowledged).  Each round writes a
 * pipelined load of strings, list pushes, hash fields and counter
 * increments, kills the server at a random moment, restarts it on the same
 * directory and checks every acknowledged write, and the rounds before.
 *
 * SIGKILL ends the process, not the machine: what reached the kernel
 * survives it whether or not it was fsynced.  What this test catches is a
 * reply sent before its write left the server's own buffer (it fails at
 * once if replies are flushed ahead of the AOF); the fsync itself is
 * checked by tracing system calls, not by a test. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define ROUNDS       20
#define BATCH        40 /* requests per pipelined write */
#define MAX_ACKS     200000
#define KILL_MIN_MS  30
#define KILL_SPAN_MS 220
#define MGET_KEYS    500 /* keys checked per MGET */

struct killer {
    pid_t pid;
    int delay_ms;
};

static void *kill_later(void *arg)
{
    struct killer *k = arg;

    hs_sleep_ms(k->delay_ms);
    kill(k->pid, SIGKILL);
    return NULL;
}

/* What one round saw acknowledged. */
struct round_acks {
    int sets;    /* SET d:<round>:<i> <i> for i < sets */
    int pushes;  /* RPUSH l:<round> <i> */
    int hfields; /* HSET h:<round> f<i> <i> */
    int incrs;   /* INCR c:<round> */
    int sent_incrs;
};

/* Append the 4 requests of step i of the load to *buf. */
static void encode_step(char **buf, size_t *len, int round, int i)
{
    char key[64], key2[64], val[32], field[32];
    snprintf(val, sizeof(val), "%d", i);

    snprintf(key, sizeof(key), "d:%d:%d", round, i);
    const char *set[] = {"SET", key, val};
    hs_encode(buf, len, 3, set, NULL);

    snprintf(key2, sizeof(key2), "l:%d", round);
    const char *push[] = {"RPUSH", key2, val};
    hs_encode(buf, len, 3, push, NULL);

    snprintf(key2, sizeof(key2), "h:%d", round);
    snprintf(field, sizeof(field), "f%d", i);
    const char *hset[] = {"HSET", key2, field, val};
    hs_encode(buf, len, 4, hset, NULL);

    snprintf(key2, sizeof(key2), "c:%d", round);
    const char *incr[] = {"INCR", key2};
    hs_encode(buf, len, 2, incr, NULL);
}

/* Write until the connection breaks; count the acknowledged requests. */
static void write_until_killed(struct hs_server *s, int round,
                               struct round_acks *acks)
{
    struct hs_client c;
    cr_assert_eq(hs_connect(s, &c), 0);
    memset(acks, 0, sizeof(*acks));

    for (int step = 0; step < MAX_ACKS; step += BATCH) {
        char *buf = NULL;
        size_t len = 0;
        for (int i = step; i < step + BATCH; i++)
            encode_step(&buf, &len, round, i);
        int sent = hs_send(&c, buf, len);
        free(buf);
        if (sent != 0)
            break;
        acks->sent_incrs += BATCH;

        for (int r = 0; r < BATCH * 4; r++) {
            struct hs_reply rep;
            if (hs_read_reply(&c, HS_TIMEOUT_MS, &rep) != HS_OK)
                goto done;
            cr_assert_neq(rep.reply->type, RESP_ERROR, "%s", rep.raw);
            switch (r % 4) {
            case 0:
                acks->sets++;
                break;
            case 1:
                acks->pushes++;
                break;
            case 2:
                acks->hfields++;
                break;
            default:
                acks->incrs++;
                break;
            }
            hs_reply_free(&rep);
        }
    }
done:
    hs_close(&c);
}

static long long int_reply(struct hs_client *c, const char *const *argv,
                           int argc)
{
    char *buf = NULL;
    size_t len = 0;
    struct hs_reply rep;

    hs_encode(&buf, &len, argc, argv, NULL);
    cr_assert_eq(hs_send(c, buf, len), 0);
    free(buf);
    cr_assert_eq(hs_read_reply(c, HS_TIMEOUT_MS, &rep), HS_OK);
    long long v = rep.reply->type == RESP_INTEGER  ? rep.reply->integer
                  : rep.reply->type == RESP_STRING ? atoll(rep.reply->str)
                                                   : -1;
    hs_reply_free(&rep);
    return v;
}

/* SET d:<round>:<i> for i in [from, to) are all there, by one MGET. */
static void check_sets(struct hs_client *c, int round, int from, int to)
{
    static char keys[MGET_KEYS][32];
    const char *argv[MGET_KEYS + 1] = {"MGET"};
    char *buf = NULL;
    size_t len = 0;
    struct hs_reply rep;

    for (int i = from; i < to; i++) {
        snprintf(keys[i - from], sizeof(keys[0]), "d:%d:%d", round, i);
        argv[1 + i - from] = keys[i - from];
    }
    hs_encode(&buf, &len, 1 + to - from, argv, NULL);
    cr_assert_eq(hs_send(c, buf, len), 0);
    free(buf);
    cr_assert_eq(hs_read_reply(c, HS_TIMEOUT_MS, &rep), HS_OK);
    cr_assert_eq(rep.reply->elements, (size_t)(to - from));
    for (int i = from; i < to; i++) {
        const struct resp_reply *e = rep.reply->element[i - from];
        cr_assert(e->type == RESP_STRING && atoi(e->str) == i,
                  "round %d: d:%d:%d lost", round, round, i);
    }
    hs_reply_free(&rep);
}

/* Every acknowledged write of the round is there. */
static void check_round(struct hs_client *c, int round,
                        const struct round_acks *a)
{
    char key[64];

    for (int i = 0; i < a->sets; i += MGET_KEYS)
        check_sets(c, round, i,
                   i + MGET_KEYS < a->sets ? i + MGET_KEYS : a->sets);
    snprintf(key, sizeof(key), "l:%d", round);
    const char *llen[] = {"LLEN", key};
    cr_assert_geq(int_reply(c, llen, 2), a->pushes, "round %d: pushes lost",
                  round);
    snprintf(key, sizeof(key), "h:%d", round);
    const char *hlen[] = {"HLEN", key};
    cr_assert_geq(int_reply(c, hlen, 2), a->hfields,
                  "round %d: hash fields lost", round);
    snprintf(key, sizeof(key), "c:%d", round);
    const char *get[] = {"GET", key};
    long long n = int_reply(c, get, 2);
    cr_assert(n >= a->incrs && n <= a->sent_incrs,
              "round %d: counter %lld, %d acknowledged, %d sent", round, n,
              a->incrs, a->sent_incrs);
}

Test(durability, kill9_keeps_every_acknowledged_write_with_fsync_always,
     .timeout = 240)
{
    static struct round_acks acks[ROUNDS];
    struct hs_server s;

    cr_assert_eq(
        hs_start(&s, "--appendonly", "yes", "--appendfsync", "always", NULL),
        0);
    srand((unsigned)getpid());
    for (int round = 0; round < ROUNDS; round++) {
        struct killer k = {s.pid, KILL_MIN_MS + rand() % KILL_SPAN_MS};
        pthread_t t;
        pthread_create(&t, NULL, kill_later, &k);
        write_until_killed(&s, round, &acks[round]);
        pthread_join(t, NULL);
        hs_kill(&s);
        cr_assert(acks[round].sets > 0, "round %d: nothing acknowledged",
                  round);

        cr_assert_eq(hs_restart(&s, "--appendonly", "yes", "--appendfsync",
                                "always", NULL),
                     0, "round %d: restart failed", round);
        struct hs_client c;
        cr_assert_eq(hs_connect(&s, &c), 0);
        for (int r = 0; r <= round; r++)
            check_round(&c, r, &acks[r]);
        hs_close(&c);
    }
    hs_stop(&s);
}
