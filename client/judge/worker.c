/* worker.c -- `judge worker`: take submissions off the queue and judge
 * them, reliably.
 *
 * The life of a job, as this worker sees it:
 *   1. BLMOVE submissions -> processing:<me>: the id is never only in
 *      this process's memory, so a crash cannot lose it.
 *   2. take(): under WATCH submission:<id>, skip it if already DONE (a
 *      second delivery), else count the attempt and mark it RUNNING.  The
 *      JUDGE_MAX_ATTEMPTS+1-th delivery is not judged: it ends as IE, so a
 *      submission that kills every worker that runs it stops circulating.
 *   3. runner_judge() (runner.h), for as long as the tests take.
 *   4. finish(): under WATCH again, if nobody wrote a verdict meanwhile,
 *      one MULTI/EXEC sets the verdict fields and status DONE, decrements
 *      the user's in-flight counter and PUBLISHes the final record on
 *      problem_done.  If the hash changed in between, EXEC does nothing
 *      and the check runs again, so of two workers that judged the same
 *      job exactly one writes and publishes.  WATCH works the same on
 *      respd and Redis; no script is needed.
 *   5. LREM processing:<me> the id.
 *
 * Liveness: a second thread, with its own broker connection, keeps the
 * key lease:<me> alive (SET ... PX lease_ms, every lease_ms/3) and the
 * hash `workers` listing this worker.  The same thread is the reaper: a
 * worker in `workers` whose lease has expired is dead (or cut off), and
 * its processing list goes back to the head of the queue, one LMOVE per
 * job, atomically, so two reapers never duplicate a job.  A worker cut
 * off for longer than its lease may thus see its job judged elsewhere
 * too; step 4 keeps that to one verdict.
 *
 * At start a worker waits for any live lease on its id (a previous
 * incarnation's runs out; a live duplicate never does, and is logged)
 * and puts back what its previous incarnation left in processing:<me>.
 *
 * Files: a judge killed mid-run leaves its submission's directory in
 * --tmp-dir (runner.h).  A worker removes those of dead processes with
 * runner_sweep() at start, and again whenever its reaper finds a dead
 * worker, which on one machine is usually the one that left them. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "judge.h"
#include "json.h"
#include "problem.h"
#include "record.h"
#include "runner.h"

#define WORKER_BLOCK_S     1   /* BLMOVE timeout: how often to look up */
#define WORKER_TX_RETRIES  16  /* WATCH conflicts in a row before failing */
#define WORKER_BACKOFF_MIN 100 /* ms between reconnection attempts ... */
#define WORKER_BACKOFF_MAX 2000

struct worker {
    const struct judge_config *cfg;
    struct problem_set *problems;
    char id[JUDGE_ID_MAX];
    char token[64]; /* our lease's value: tells us from a namesake */
    char lease_key[JUDGE_KEY_MAX];
    char proc_key[JUDGE_KEY_MAX];
    struct client *main; /* queue and records (main thread) */
    struct client *beat; /* lease and reaper (heartbeat thread) */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int quit;              /* under lock: the heartbeat should end */
    volatile int conflict; /* another process holds our id */
};

/* Outcome of take(). */
enum take_result { TAKE_JUDGE, TAKE_SKIP, TAKE_GIVE_UP, TAKE_FAILED };

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    nanosleep(&ts, NULL); /* a signal cuts it short, which is wanted */
}

static int stopping(const struct worker *w)
{
    return judge_stopping() || w->conflict;
}

/* Reconnect c while it has an error, backing off, until it works (0) or
 * the worker is stopping (-1). */
static int broker_ready(struct worker *w, struct client *c)
{
    int delay = WORKER_BACKOFF_MIN, logged = 0;

    while (client_err(c) != CLIENT_OK) {
        if (stopping(w))
            return -1;
        if (!logged)
            judge_log(3, "broker connection lost (%s); reconnecting",
                      client_errstr(c));
        logged = 1;
        if (client_reconnect(c) == 0)
            break;
        sleep_ms(delay);
        delay = delay * 2 > WORKER_BACKOFF_MAX ? WORKER_BACKOFF_MAX : delay * 2;
    }
    if (logged)
        judge_log(2, "broker connection back");
    return 0;
}

static int is_ok(const struct resp_reply *r)
{
    return r != NULL && r->type == RESP_SIMPLE && strcmp(r->str, "OK") == 0;
}

/* One command whose reply is not needed beyond "did it run". */
static int command_ok(struct client *c, ...)
{
    const char *argv[8];
    int argc = 0;
    va_list ap;

    va_start(ap, c);
    while (argc < 8 && (argv[argc] = va_arg(ap, const char *)) != NULL)
        argc++;
    va_end(ap);
    struct resp_reply *r = client_command_argv(c, argc, argv, NULL);
    int ok = r != NULL && r->type != RESP_ERROR;
    resp_reply_free(r);
    return ok ? 0 : -1;
}

/* ---- the queue ---------------------------------------------------------- */

/* Move every job of processing list key back to the head of the queue.
 * Returns how many moved, or -1 on a broker failure. */
static int requeue_all(struct client *c, const char *key)
{
    int moved = 0;

    for (;;) {
        struct resp_reply *r = client_command(c, "LMOVE", key, JUDGE_QUEUE,
                                              "RIGHT", "RIGHT", NULL);
        if (r == NULL)
            return -1;
        int more = r->type == RESP_STRING;
        resp_reply_free(r);
        if (!more)
            return moved;
        moved++;
    }
}

/* WATCH key, then HGETALL key into *rec.  Returns the number of fields
 * (0: no such hash) or -1 on a broker failure. */
static int watch_and_read(struct client *c, const char *key, struct record *rec)
{
    struct resp_reply *rw, *rh;

    record_init(rec);
    client_append(c, "WATCH", key, NULL);
    client_append(c, "HGETALL", key, NULL);
    rw = client_read_reply(c);
    rh = rw ? client_read_reply(c) : NULL;
    int n = is_ok(rw) && rh != NULL ? record_from_reply(rec, rh) : -1;
    resp_reply_free(rw);
    resp_reply_free(rh);
    return n;
}

/* Read the replies to what the caller queued: MULTI, ncmd commands,
 * EXEC.  Returns 1 when EXEC ran them, 0 when WATCH aborted it, -1
 * otherwise (connection failure or a refused command; the caller then
 * resets the connection). */
static int read_transaction(struct client *c, int ncmd)
{
    int rc = 1;

    for (int i = 0; i < ncmd + 1; i++) {
        struct resp_reply *r = client_read_reply(c);
        if (r == NULL)
            return -1;
        int want_ok = i == 0;
        if ((want_ok && !is_ok(r)) ||
            (!want_ok && (r->type != RESP_SIMPLE || strcmp(r->str, "QUEUED"))))
            rc = -1;
        resp_reply_free(r);
    }
    struct resp_reply *exec = client_read_reply(c);
    if (exec == NULL)
        return -1;
    if (rc == 1 && exec->type == RESP_NIL)
        rc = 0;
    else if (exec->type != RESP_ARRAY)
        rc = -1;
    resp_reply_free(exec);
    return rc;
}

/* A transaction went wrong in a way that leaves the connection's WATCH or
 * MULTI state unknown: start over on a fresh connection. */
static void reset_connection(struct client *c)
{
    if (client_err(c) == CLIENT_OK)
        client_reconnect(c);
}

/* Step 2 of the overview for job id, filling *rec with its record. */
static enum take_result take(struct worker *w, const char *key, const char *id,
                             struct record *rec)
{
    static const enum record_field mark[] = {REC_STATUS, REC_WORKER,
                                             REC_STARTED, REC_ATTEMPTS};
    struct client *c = w->main;

    for (int i = 0; i < WORKER_TX_RETRIES; i++) {
        int n = watch_and_read(c, key, rec);
        if (n <= 0 || record_is(rec, REC_STATUS, RECORD_DONE)) {
            resp_reply_free(client_command(c, "UNWATCH", NULL));
            if (n < 0 && client_err(c) != CLIENT_OK)
                return TAKE_FAILED;
            judge_log(n < 0 ? 3 : 2, "job %s: %s, dropped", id,
                      n < 0    ? "its record is unreadable"
                      : n == 0 ? "no such submission"
                               : "already judged");
            return TAKE_SKIP;
        }
        long long attempts = record_get_int(rec, REC_ATTEMPTS, 0) + 1;
        if (attempts > JUDGE_MAX_ATTEMPTS) {
            resp_reply_free(client_command(c, "UNWATCH", NULL));
            return TAKE_GIVE_UP;
        }
        if (record_set_str(rec, REC_STATUS, RECORD_RUNNING) < 0 ||
            record_set_str(rec, REC_WORKER, w->id) < 0 ||
            record_set_int(rec, REC_STARTED, judge_time_ms()) < 0 ||
            record_set_int(rec, REC_ATTEMPTS, attempts) < 0) {
            resp_reply_free(client_command(c, "UNWATCH", NULL));
            return TAKE_FAILED;
        }
        client_append(c, "MULTI", NULL);
        record_append_hset(c, key, rec, mark, sizeof(mark) / sizeof(mark[0]));
        client_append(c, "EXEC", NULL);
        int rc = read_transaction(c, 1);
        if (rc == 1)
            return TAKE_JUDGE;
        record_free(rec);
        if (rc < 0) {
            reset_connection(c);
            return TAKE_FAILED;
        }
    }
    return TAKE_FAILED;
}

/* ---- verdicts ----------------------------------------------------------- */

/* The tests array of a result, as JSON (NULL when out of memory); the
 * caller frees it. */
static char *tests_json(const struct runner_result *res)
{
    struct json_writer jw;

    json_writer_init(&jw);
    json_write_array_begin(&jw);
    for (size_t i = 0; i < res->nrun; i++) {
        const struct runner_test_result *t = &res->tests[i];
        json_write_object_begin(&jw);
        json_write_kv_string(&jw, "name", t->name);
        json_write_kv_string(&jw, "verdict", runner_verdict_name(t->verdict));
        json_write_kv_int(&jw, "timeMs", t->time_ms);
        json_write_kv_int(&jw, "wallMs", t->wall_ms);
        json_write_kv_int(&jw, "memoryKb", t->memory_kb);
        json_write_kv_string(&jw, "detail", t->detail);
        json_write_object_end(&jw);
    }
    json_write_array_end(&jw);
    const char *s = json_writer_result(&jw, NULL);
    char *copy = s ? strdup(s) : NULL;
    json_writer_free(&jw);
    return copy;
}

/* Fill the verdict fields of *fin from a runner result.  Returns 0/-1. */
static int fill_verdict(struct record *fin, const struct runner_result *res)
{
    char *tests = tests_json(res);
    int rc = tests == NULL ? -1 : 0;

    if (rc == 0)
        rc = record_set_str(fin, REC_TESTS, tests);
    free(tests);
    if (rc == 0 && res->message != NULL)
        rc = record_set_str(fin, REC_MESSAGE, res->message);
    if (rc == 0 &&
        (record_set_str(fin, REC_VERDICT, runner_verdict_name(res->verdict)) <
             0 ||
         record_set_int(fin, REC_PASSED, (long long)res->npassed) < 0 ||
         record_set_int(fin, REC_TOTAL, (long long)res->ntests) < 0 ||
         record_set_int(fin, REC_TIME, res->time_ms) < 0 ||
         record_set_int(fin, REC_MEMORY, res->memory_kb) < 0))
        rc = -1;
    return rc;
}

/* An IE verdict with a message, for jobs the worker cannot judge. */
static int fill_internal_error(struct record *fin, size_t ntests,
                               const char *message)
{
    if (record_set_str(fin, REC_VERDICT, runner_verdict_name(RUNNER_IE)) < 0 ||
        record_set_int(fin, REC_PASSED, 0) < 0 ||
        record_set_int(fin, REC_TOTAL, (long long)ntests) < 0 ||
        record_set_int(fin, REC_TIME, 0) < 0 ||
        record_set_int(fin, REC_MEMORY, 0) < 0 ||
        record_set_str(fin, REC_TESTS, "[]") < 0 ||
        record_set_str(fin, REC_MESSAGE, message) < 0)
        return -1;
    return 0;
}

/* The fields the final write sets, besides status: copied from fin. */
static const enum record_field final_fields[] = {
    REC_VERDICT, REC_PASSED,  REC_TOTAL,    REC_TIME,   REC_MEMORY,
    REC_TESTS,   REC_MESSAGE, REC_FINISHED, REC_WORKER, REC_STATUS};
#define NFINAL (sizeof(final_fields) / sizeof(final_fields[0]))

/* Merge fin's final fields into cur (the record as it is now). */
static int merge_final(struct record *cur, const struct record *fin,
                       const char *worker_id)
{
    for (size_t i = 0; i < NFINAL; i++) {
        enum record_field f = final_fields[i];
        size_t len;
        const char *v = record_get(fin, f, &len);
        if (v != NULL && record_set(cur, f, v, len) < 0)
            return -1;
    }
    if (record_set_str(cur, REC_STATUS, RECORD_DONE) < 0 ||
        record_set_str(cur, REC_WORKER, worker_id) < 0 ||
        record_set_int(cur, REC_FINISHED, judge_time_ms()) < 0)
        return -1;
    return 0;
}

/* Queue MULTI, the final HSET, DECR of the user's counter, PUBLISH of the
 * record, EXEC.  Returns the commands between MULTI and EXEC, or -1. */
static int append_final(struct client *c, const char *key,
                        const struct record *cur)
{
    char countkey[JUDGE_KEY_MAX];
    struct json_writer jw;
    size_t len;

    json_writer_init(&jw);
    record_write_json(cur, &jw);
    const char *json = json_writer_result(&jw, &len);
    if (json == NULL) {
        json_writer_free(&jw);
        return -1;
    }
    const char *user = record_get(cur, REC_USER, NULL);
    judge_key(countkey, JUDGE_USER_PREFIX, user ? user : "", JUDGE_USER_COUNT);
    const char *pub[] = {"PUBLISH", JUDGE_CHANNEL, json};
    const size_t publen[] = {7, strlen(JUDGE_CHANNEL), len};
    client_append(c, "MULTI", NULL);
    record_append_hset(c, key, cur, final_fields, NFINAL);
    client_append(c, "DECR", countkey, NULL);
    client_append_argv(c, 3, pub, publen);
    int rc = client_append(c, "EXEC", NULL);
    json_writer_free(&jw);
    return rc < 0 ? -1 : 3;
}

/* Step 4 of the overview: write fin's verdict unless one is already
 * there.  Retries across reconnections; returns 0 when the job is over
 * (written now or before), -1 when the worker is stopping. */
static int finish(struct worker *w, const char *key, const char *id,
                  const struct record *fin)
{
    struct client *c = w->main;
    struct record cur;

    for (int i = 0;; i++) {
        if (broker_ready(w, c) < 0)
            return -1;
        int n = watch_and_read(c, key, &cur);
        if (n <= 0 || record_is(&cur, REC_STATUS, RECORD_DONE)) {
            resp_reply_free(client_command(c, "UNWATCH", NULL));
            record_free(&cur);
            if (n < 0 && client_err(c) != CLIENT_OK)
                continue;
            if (n < 0)
                judge_log(3,
                          "job %s: its record became unreadable; "
                          "verdict dropped",
                          id);
            if (n > 0)
                judge_log(2,
                          "job %s: a verdict was written meanwhile by "
                          "another delivery; ours is dropped",
                          id);
            return 0;
        }
        int ncmd = merge_final(&cur, fin, w->id) == 0
                       ? append_final(c, key, &cur)
                       : -1;
        int rc = ncmd > 0 ? read_transaction(c, ncmd) : -1;
        if (rc == 1)
            judge_log(2, "job %s: %s, %s/%s tests, %s ms, %s KiB", id,
                      record_get(&cur, REC_VERDICT, NULL),
                      record_get(&cur, REC_PASSED, NULL),
                      record_get(&cur, REC_TOTAL, NULL),
                      record_get(&cur, REC_TIME, NULL),
                      record_get(&cur, REC_MEMORY, NULL));
        record_free(&cur);
        if (rc == 1)
            return 0;
        if (rc < 0) {
            if (ncmd < 0) {
                judge_log(3, "job %s: out of memory", id);
                sleep_ms(WORKER_BACKOFF_MAX);
            }
            reset_connection(c);
        }
        if (i >= WORKER_TX_RETRIES)
            sleep_ms(WORKER_BACKOFF_MIN); /* heavy contention: slow down */
    }
}

/* Judge rec (RUNNING, ours) and put the verdict fields in *fin. */
static void judge_record(struct worker *w, const struct record *rec,
                         struct record *fin)
{
    const char *pid = record_get(rec, REC_PROBLEM, NULL);
    const char *lang = record_get(rec, REC_LANG, NULL);
    size_t code_len;
    const char *code = record_get(rec, REC_CODE, &code_len);
    const struct problem *p = pid ? problem_set_find(w->problems, pid) : NULL;
    struct runner_opts opts = {0};
    struct runner_result res;
    char msg[160];

    if (p == NULL || lang == NULL || code == NULL) {
        snprintf(msg, sizeof(msg), "%s",
                 p == NULL ? "this worker does not have the problem"
                           : "the record has no lang or code");
        fill_internal_error(fin, p ? p->ntests : 0, msg);
        return;
    }
    opts.tmp_dir = w->cfg->tmp_dir;
    runner_judge(p, lang, code, code_len, &opts, &res);
    if (fill_verdict(fin, &res) < 0)
        fill_internal_error(fin, p->ntests, "out of memory");
    runner_result_free(&res);
}

/* Take, judge and finish one job.  Returns 1 when it is over (and may
 * leave processing:<me>), 0 when it must go back to the queue. */
static int do_job(struct worker *w, const char *id)
{
    char key[JUDGE_KEY_MAX], msg[160];
    struct record rec, fin;
    int over = 1;

    judge_key(key, JUDGE_SUB_PREFIX, id, "");
    record_init(&fin);
    enum take_result t = take(w, key, id, &rec);
    if (t == TAKE_FAILED) {
        record_free(&rec);
        return 0;
    }
    if (t == TAKE_JUDGE) {
        judge_log(2, "job %s: judging (%s, %s, attempt %s)", id,
                  record_get(&rec, REC_PROBLEM, NULL),
                  record_get(&rec, REC_LANG, NULL),
                  record_get(&rec, REC_ATTEMPTS, NULL));
        judge_record(w, &rec, &fin);
    } else if (t == TAKE_GIVE_UP) {
        const char *pid = record_get(&rec, REC_PROBLEM, NULL);
        const struct problem *p =
            pid ? problem_set_find(w->problems, pid) : NULL;
        snprintf(msg, sizeof(msg),
                 "given up after %d attempts: every worker judging it "
                 "stopped before a verdict",
                 JUDGE_MAX_ATTEMPTS);
        judge_log(3, "job %s: %s", id, msg);
        fill_internal_error(&fin, p ? p->ntests : 0, msg);
    }
    if (t != TAKE_SKIP && finish(w, key, id, &fin) < 0)
        over = 0;
    record_free(&rec);
    record_free(&fin);
    return over;
}

/* ---- the heartbeat and the reaper ---------------------------------------- */

/* Remove what dead judges left in the runner's directory (see the
 * overview).  Safe while this or other workers judge: directories of live
 * processes stay. */
static void sweep_tmp(struct worker *w)
{
    int n = runner_sweep(w->cfg->tmp_dir);

    if (n > 0)
        judge_log(2, "removed %d submission director%s left by dead judges", n,
                  n == 1 ? "y" : "ies");
    else if (n < 0)
        judge_log(3, "cannot read %s to remove leftovers of dead judges",
                  w->cfg->tmp_dir ? w->cfg->tmp_dir
                                  : "the temporary directory");
}

/* Return the jobs of every registered worker whose lease has expired. */
static void reap(struct worker *w)
{
    struct client *c = w->beat;
    struct resp_reply *ids = client_command(c, "HKEYS", JUDGE_WORKERS, NULL);
    char lease[JUDGE_KEY_MAX], proc[JUDGE_KEY_MAX];
    int reaped = 0; /* a dead worker was found: sweep after it */

    if (ids == NULL || ids->type != RESP_ARRAY) {
        resp_reply_free(ids);
        return;
    }
    for (size_t i = 0; i < ids->elements; i++) {
        const struct resp_reply *e = ids->element[i];
        if (e->type != RESP_STRING || strcmp(e->str, w->id) == 0 ||
            !judge_valid_id(e->str, e->len))
            continue;
        judge_key(lease, JUDGE_LEASE_PREFIX, e->str, "");
        struct resp_reply *ex = client_command(c, "EXISTS", lease, NULL);
        int alive = ex == NULL || ex->type != RESP_INTEGER || ex->integer;
        resp_reply_free(ex);
        if (alive)
            continue;
        judge_key(proc, JUDGE_PROC_PREFIX, e->str, "");
        int n = requeue_all(c, proc);
        if (n > 0)
            judge_log(2,
                      "reaper: worker %s's lease expired; %d job(s) "
                      "back in the queue",
                      e->str, n);
        /* A worker coming back re-registers on its next beat. */
        if (n >= 0)
            command_ok(c, "HDEL", JUDGE_WORKERS, e->str, NULL);
        reaped |= n >= 0;
    }
    resp_reply_free(ids);
    if (reaped)
        sweep_tmp(w);
}

/* Renew the lease and the registration, then reap. */
static void beat(struct worker *w)
{
    struct client *c = w->beat;
    char px[16], now[24];

    if (client_err(c) != CLIENT_OK && client_reconnect(c) < 0)
        return;
    snprintf(px, sizeof(px), "%d", w->cfg->lease_ms);
    snprintf(now, sizeof(now), "%lld", judge_time_ms());
    client_append(c, "SET", w->lease_key, w->token, "PX", px, "GET", NULL);
    client_append(c, "HSET", JUDGE_WORKERS, w->id, now, NULL);
    struct resp_reply *r1 = client_read_reply(c);
    struct resp_reply *r2 = r1 ? client_read_reply(c) : NULL;
    if (r1 != NULL && r1->type == RESP_NIL)
        judge_log(3,
                  "our lease had expired: jobs in %s may have been "
                  "handed to another worker",
                  w->proc_key);
    else if (r1 != NULL && r1->type == RESP_STRING &&
             strcmp(r1->str, w->token) != 0) {
        judge_log(3, "another process runs as worker %s; stopping", w->id);
        w->conflict = 1;
    }
    resp_reply_free(r1);
    resp_reply_free(r2);
    if (!w->conflict)
        reap(w);
}

static void *beat_thread(void *arg)
{
    struct worker *w = arg;
    int interval = w->cfg->lease_ms / 3;

    pthread_mutex_lock(&w->lock);
    while (!w->quit) {
        pthread_mutex_unlock(&w->lock);
        beat(w);
        pthread_mutex_lock(&w->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += interval / 1000;
        until.tv_nsec += (long)(interval % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!w->quit &&
               pthread_cond_timedwait(&w->wake, &w->lock, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* Start the heartbeat with SIGINT and SIGTERM blocked in it, so that they
 * reach the main thread (whose sleeps they cut short).  Returns 0/-1. */
static int start_beat(struct worker *w)
{
    sigset_t block, old;

    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int rc = pthread_create(&w->thread, NULL, beat_thread, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc == 0 ? 0 : -1;
}

static void stop_beat(struct worker *w)
{
    pthread_mutex_lock(&w->lock);
    w->quit = 1;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
}

/* ---- start and stop ------------------------------------------------------ */

static void default_id(char out[JUDGE_ID_MAX])
{
    char host[64] = "worker";

    gethostname(host, sizeof(host) - 1);
    host[sizeof(host) - 1] = '\0';
    for (char *p = host; *p; p++)
        if (!judge_valid_id(p, 1))
            *p = '-';
    snprintf(out, JUDGE_ID_MAX, "%.40s-%d", host, (int)getpid());
}

/* Take our lease, waiting while another holder's is alive.  Returns 0, or
 * -1 when stopping first. */
static int acquire_lease(struct worker *w)
{
    char px[16];
    int logged = 0;

    snprintf(px, sizeof(px), "%d", w->cfg->lease_ms);
    for (;;) {
        if (broker_ready(w, w->main) < 0)
            return -1;
        struct resp_reply *r = client_command(w->main, "SET", w->lease_key,
                                              w->token, "NX", "PX", px, NULL);
        int ok = is_ok(r), answered = r != NULL;
        resp_reply_free(r);
        if (ok)
            return 0;
        if (!logged && answered)
            judge_log(3,
                      "%s is held: waiting for the previous worker %s to "
                      "stop or its lease to expire",
                      w->lease_key, w->id);
        logged |= answered;
        if (judge_stopping())
            return -1;
        sleep_ms(w->cfg->lease_ms / 4);
    }
}

/* Put back whatever sits in our processing list (a previous incarnation's
 * jobs, or one we could not finish).  Returns 0, -1 when stopping. */
static int requeue_own(struct worker *w)
{
    for (;;) {
        if (broker_ready(w, w->main) < 0)
            return -1;
        int n = requeue_all(w->main, w->proc_key);
        if (n > 0)
            judge_log(2, "put %d unfinished job(s) of %s back in the queue", n,
                      w->id);
        if (n >= 0)
            return 0;
    }
}

/* Wait for one job and handle it.  Returns 0, or -1 when stopping. */
static int serve_one(struct worker *w)
{
    if (broker_ready(w, w->main) < 0)
        return -1;
    int saved = client_timeout(w->main);
    client_set_block_timeout(w->main, WORKER_BLOCK_S);
    struct resp_reply *r =
        client_command(w->main, "BLMOVE", JUDGE_QUEUE, w->proc_key, "RIGHT",
                       "LEFT", "1", NULL);
    client_set_timeout(w->main, saved);
    if (r == NULL) /* it may have moved a job whose id we never saw */
        return requeue_own(w);
    if (r->type != RESP_STRING) {
        if (r != NULL && r->type == RESP_ERROR) {
            judge_log(3, "BLMOVE: %s", r->str);
            sleep_ms(WORKER_BACKOFF_MAX);
        }
        resp_reply_free(r);
        return 0;
    }
    char id[JUDGE_ID_MAX];
    snprintf(id, sizeof(id), "%s", r->str);
    int valid = judge_valid_id(r->str, r->len);
    resp_reply_free(r);
    if (valid && !do_job(w, id))
        return requeue_own(w);
    if (!valid)
        judge_log(3, "dropping a malformed id from the queue");
    for (;;) {
        if (broker_ready(w, w->main) < 0)
            return -1;
        if (command_ok(w->main, "LREM", w->proc_key, "1", id, NULL) == 0)
            return 0;
        if (client_err(w->main) == CLIENT_OK) {
            /* An error reply (the key is not a list): retrying cannot help.
             * The id stays behind; if it is ever delivered again, the
             * conditional final write keeps its verdict single. */
            judge_log(3, "LREM %s failed; leaving %s there", w->proc_key, id);
            sleep_ms(WORKER_BACKOFF_MAX);
            return 0;
        }
    }
}

static void worker_free(struct worker *w)
{
    client_free(w->main);
    client_free(w->beat);
    problem_set_free(w->problems);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
}

int worker_run(const struct judge_config *cfg)
{
    struct worker w = {0};
    char err[PROBLEM_ERRSTR_LEN];

    w.cfg = cfg;
    pthread_mutex_init(&w.lock, NULL);
    pthread_cond_init(&w.wake, NULL);
    if (cfg->worker_id)
        snprintf(w.id, sizeof(w.id), "%s", cfg->worker_id);
    else
        default_id(w.id);
    judge_new_id(w.token);
    judge_key(w.lease_key, JUDGE_LEASE_PREFIX, w.id, "");
    judge_key(w.proc_key, JUDGE_PROC_PREFIX, w.id, "");
    w.problems = problem_set_load(cfg->problems_dir, err, sizeof(err));
    w.main = judge_broker_connect(cfg);
    w.beat = judge_broker_connect(cfg);
    if (w.problems == NULL || w.main == NULL || w.beat == NULL) {
        judge_log(3, "cannot start: %s", w.problems ? "out of memory" : err);
        worker_free(&w);
        return 1;
    }
    judge_log(2, "worker %s starting: broker %s:%d, %zu problems, lease %d ms",
              w.id, cfg->broker_host, cfg->broker_port,
              problem_set_count(w.problems), cfg->lease_ms);
    sweep_tmp(&w);
    if (acquire_lease(&w) < 0 || requeue_own(&w) < 0 || start_beat(&w) < 0) {
        worker_free(&w);
        return judge_stopping() ? 0 : 1;
    }
    judge_log(2, "worker %s ready", w.id);
    while (!stopping(&w) && serve_one(&w) == 0)
        ;
    stop_beat(&w);
    if (!w.conflict && client_err(w.main) == CLIENT_OK &&
        requeue_all(w.main, w.proc_key) >= 0) {
        command_ok(w.main, "DEL", w.lease_key, NULL);
        command_ok(w.main, "HDEL", JUDGE_WORKERS, w.id, NULL);
    }
    judge_log(2, "worker %s stopped", w.id);
    int rc = w.conflict ? 1 : 0;
    worker_free(&w);
    return rc;
}
