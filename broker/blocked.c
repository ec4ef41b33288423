/* blocked.c -- clients blocked on keys (see blocked.h for the lifecycle).
 *
 * Structures, per database index (not per keyspace: SWAPDB exchanges the
 * keys of two databases but their waiters stay where they blocked, as in
 * Redis):
 *   - waiting: key -> the FIFO queue of clients blocked on it.  Each client
 *     owns one queue node per key it waits on, so unblocking it unlinks it
 *     from every queue in O(keys), whatever the queues' lengths.
 *   - ready: the keys currently on the ready list, so that a key pushed to
 *     a hundred times by one command is served once.
 * The ready list itself is global and in signal order, which is the order
 * in which keys are served: a client waiting on several keys gets the one
 * that received data first, even inside one EXEC.
 *
 * A served, timed-out or CLIENT UNBLOCKed client replies at once and goes
 * on the resume list, and a 0 ms timer is armed: the loop fires it after
 * the events of its current pass, and blocked_process_unblocked() then
 * runs the clients' pipelined requests.  That is where Redis runs its
 * unblocked clients (before sleeping), and it needs no hook in the core. */
#include "blocked.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include "conn.h"
#include "db.h"
#include "dict.h"
#include "ev.h"
#include "obj.h"
#include "reply.h"
#include "server.h"
#include "util.h"

/* Deadlines further away than this (about 30 years) get no timer: the
 * event loop's clock in microseconds would overflow, and such a client
 * waits forever for every practical purpose, as Redis's does when its
 * deadline overflows. */
#define BLOCKED_MAX_TIMER_MS (1000LL * 1000 * 1000 * 1000)

#define ERR_UNBLOCKED "UNBLOCKED client unblocked via CLIENT UNBLOCK"

struct key_queue;

/* One client in one key's queue. */
struct blocked_waiter {
    struct conn *c;
    struct key_queue *queue;
    struct blocked_waiter *prev, *next;
};

struct key_queue {
    bstr key; /* the waiting dict's own key string */
    struct blocked_waiter *head, *tail;
};

struct ready_key {
    int db_id;
    bstr key;
    struct ready_key *next;
};

struct blocked_db {
    struct dict *waiting; /* key -> struct key_queue */
    struct dict *ready;   /* keys on the ready list, no values */
};

static const struct dict_type waiting_type = {.owns_keys = 1,
                                              .free_val = xfree};
static const struct dict_type ready_type = {.owns_keys = 1, .free_val = NULL};

static struct blocked_db *bdbs;
static int bdb_count;
static struct ready_key *ready_head, *ready_tail;
static long long blocked_clients, timeout_clients;
static int serving; /* inside blocked_serve_ready_keys() */

/* Clients to resume, in the order they were unblocked. */
static struct conn *resume_head, *resume_tail;
static struct ev_timer *resume_timer;

/* --- timeouts ----------------------------------------------------------- */

/* Seconds in decimal, as Redis 7.0 reads them: a long double, in ms
 * rounded up, so "0.0001" is 1 ms and "-0.0005" is 0 (forever).  A value
 * too large for a long long is "negative" (what the conversion yields on
 * x86-64, where Redis runs), and a deadline past the end of time means no
 * deadline (Redis's overflows and never fires). */
int blocked_parse_timeout(struct conn *c, const struct resp_arg *arg,
                          long long *deadline_ms)
{
    long double secs, ms;
    long long now = server.cmd_time_ms ? server.cmd_time_ms : util_mstime();

    if (util_str2ld(arg->ptr, arg->len, &secs) != 0) {
        reply_error(c, "ERR timeout is not a float or out of range");
        return -1;
    }
    ms = ceill(secs * 1000.0L);
    if (!(ms < 9223372036854775808.0L) || ms < 0) {
        reply_error(c, "ERR timeout is negative");
        return -1;
    }
    if ((long long)ms == 0)
        *deadline_ms = 0;
    else if ((long long)ms > LLONG_MAX - now)
        *deadline_ms = LLONG_MAX;
    else
        *deadline_ms = now + (long long)ms;
    return 0;
}

static long long on_deadline(struct ev_loop *loop, struct ev_timer *t,
                             void *data)
{
    struct conn *c = data;

    /* The loop frees the timer once this returns. */
    c->bstate.timer = NULL;
    blocked_unblock(c, BLOCKED_TIMEOUT);
    return EV_TIMER_DONE;
}

static void arm_deadline(struct conn *c, long long deadline_ms)
{
    long long ms = deadline_ms - util_mstime();

    c->bstate.deadline_ms = deadline_ms;
    if (deadline_ms == 0)
        return;
    timeout_clients++;
    if (ms > BLOCKED_MAX_TIMER_MS)
        return;
    c->bstate.timer =
        ev_timer_add(server.loop, ms > 0 ? ms : 0, on_deadline, c);
}

static void disarm_deadline(struct conn *c)
{
    if (c->bstate.deadline_ms != 0)
        timeout_clients--;
    if (c->bstate.timer != NULL)
        ev_timer_del(server.loop, c->bstate.timer);
    c->bstate.timer = NULL;
    c->bstate.deadline_ms = 0;
}

/* --- resuming unblocked clients ----------------------------------------- */

static long long on_resume(struct ev_loop *loop, struct ev_timer *t, void *data)
{
    /* Still set while the clients run, so that those they unblock join
     * this pass instead of arming another timer. */
    blocked_process_unblocked();
    resume_timer = NULL;
    return EV_TIMER_DONE;
}

static void resume_later(struct conn *c)
{
    struct blocked_state *b = &c->bstate;

    b->resume_pending = 1;
    b->resume_next = NULL;
    b->resume_prev = resume_tail;
    if (resume_tail)
        resume_tail->bstate.resume_next = c;
    else
        resume_head = c;
    resume_tail = c;
    if (resume_timer == NULL)
        resume_timer = ev_timer_add(server.loop, 0, on_resume, NULL);
}

static void resume_unlink(struct conn *c)
{
    struct blocked_state *b = &c->bstate;

    if (b->resume_prev)
        b->resume_prev->bstate.resume_next = b->resume_next;
    else
        resume_head = b->resume_next;
    if (b->resume_next)
        b->resume_next->bstate.resume_prev = b->resume_prev;
    else
        resume_tail = b->resume_prev;
    b->resume_prev = b->resume_next = NULL;
    b->resume_pending = 0;
}

void blocked_process_unblocked(void)
{
    while (resume_head != NULL) {
        struct conn *c = resume_head;
        resume_unlink(c);
        conn_resume_input(c);
    }
}

/* --- queues ------------------------------------------------------------- */

static struct blocked_db *bdb_for(const struct db *db)
{
    if (bdbs == NULL) {
        bdb_count = server.databases;
        bdbs = xcalloc((size_t)bdb_count, sizeof(*bdbs));
        for (int i = 0; i < bdb_count; i++) {
            bdbs[i].waiting = dict_create(&waiting_type);
            bdbs[i].ready = dict_create(&ready_type);
        }
    }
    assert(db->id >= 0 && db->id < bdb_count);
    return &bdbs[db->id];
}

static struct key_queue *queue_get(struct blocked_db *bdb,
                                   const struct resp_arg *key)
{
    struct dict_entry *e = dict_find(bdb->waiting, key->ptr, key->len);

    if (e == NULL) {
        struct key_queue *q = xcalloc(1, sizeof(*q));
        e = dict_add(bdb->waiting, bstr_new(key->ptr, key->len));
        e->v.ptr = q;
        q->key = e->key;
    }
    return e->v.ptr;
}

static void queue_append(struct key_queue *q, struct blocked_waiter *w)
{
    w->queue = q;
    w->next = NULL;
    w->prev = q->tail;
    if (q->tail)
        q->tail->next = w;
    else
        q->head = w;
    q->tail = w;
}

/* Unlink w; a queue left empty goes with its dict entry. */
static void queue_remove(struct blocked_db *bdb, struct blocked_waiter *w)
{
    struct key_queue *q = w->queue;

    if (w->prev)
        w->prev->next = w->next;
    else
        q->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        q->tail = w->prev;
    if (q->head == NULL)
        dict_delete(bdb->waiting, q->key, bstr_len(q->key));
}

/* Copy c's request into one allocation: the argv array, then the bytes of
 * each argument, NUL-terminated as the parser leaves them. */
static void copy_request(struct conn *c)
{
    size_t bytes = (size_t)c->argc * sizeof(struct resp_arg);
    struct resp_arg *argv;
    char *p;

    for (int i = 0; i < c->argc; i++)
        bytes += c->argv[i].len + 1;
    argv = xmalloc(bytes);
    p = (char *)(argv + c->argc);
    for (int i = 0; i < c->argc; i++) {
        memcpy(p, c->argv[i].ptr, c->argv[i].len);
        p[c->argv[i].len] = '\0';
        argv[i].ptr = p;
        argv[i].len = c->argv[i].len;
        p += c->argv[i].len + 1;
    }
    c->bstate.argc = c->argc;
    c->bstate.argv = argv;
}

void blocked_block(struct conn *c, const struct resp_arg *keys, int nkeys,
                   long long deadline_ms, blocked_serve_fn *serve)
{
    struct blocked_state *b = &c->bstate;
    struct blocked_db *bdb = bdb_for(c->db);

    assert(b->serve == NULL && !b->resume_pending && nkeys > 0);
    b->serve = serve;
    b->waiters = xmalloc((size_t)nkeys * sizeof(*b->waiters));
    b->nwaiters = 0;
    for (int i = 0; i < nkeys; i++) {
        struct key_queue *q = queue_get(bdb, &keys[i]);
        /* c's nodes go in one after another, so a repeated key finds c at
         * the tail of its queue. */
        if (q->tail != NULL && q->tail->c == c)
            continue;
        struct blocked_waiter *w = &b->waiters[b->nwaiters++];
        w->c = c;
        queue_append(q, w);
    }
    copy_request(c);
    arm_deadline(c, deadline_ms);
    blocked_clients++;
}

/* Take c out of every queue and forget its request and deadline. */
static void detach(struct conn *c)
{
    struct blocked_state *b = &c->bstate;
    struct blocked_db *bdb = bdb_for(c->db);

    for (int i = 0; i < b->nwaiters; i++)
        queue_remove(bdb, &b->waiters[i]);
    xfree(b->waiters);
    xfree(b->argv);
    b->waiters = NULL;
    b->nwaiters = 0;
    b->argv = NULL;
    b->argc = 0;
    b->serve = NULL;
    disarm_deadline(c);
    blocked_clients--;
}

void blocked_unblock(struct conn *c, enum blocked_end how)
{
    if (c->bstate.serve == NULL) {
        if (how == BLOCKED_GONE && c->bstate.resume_pending)
            resume_unlink(c);
        return;
    }
    if (how == BLOCKED_TIMEOUT)
        reply_null_array(c);
    else if (how == BLOCKED_UNBLOCK_ERROR)
        reply_error(c, ERR_UNBLOCKED);
    detach(c);
    if (how != BLOCKED_GONE)
        resume_later(c);
}

int blocked_is_blocked(const struct conn *c)
{
    return c->bstate.serve != NULL || c->bstate.resume_pending;
}

int blocked_is_waiting(const struct conn *c)
{
    return c->bstate.serve != NULL;
}

/* --- signalling and serving --------------------------------------------- */

void blocked_signal_key(struct db *db, const char *key, size_t klen)
{
    struct blocked_db *bdb;
    struct ready_key *rk;

    /* Called on every list creation: the common case has no waiters. */
    if (blocked_clients == 0)
        return;
    bdb = bdb_for(db);
    if (dict_find(bdb->waiting, key, klen) == NULL ||
        dict_find(bdb->ready, key, klen) != NULL)
        return;
    dict_add(bdb->ready, bstr_new(key, klen));
    rk = xmalloc(sizeof(*rk));
    rk->db_id = db->id;
    rk->key = bstr_new(key, klen);
    rk->next = NULL;
    if (ready_tail)
        ready_tail->next = rk;
    else
        ready_head = rk;
    ready_tail = rk;
}

void blocked_signal_db(struct db *db)
{
    struct dict_iter it;
    struct dict_entry *e;

    if (blocked_clients == 0)
        return;
    dict_iter_start(&it, bdb_for(db)->waiting);
    while ((e = dict_iter_next(&it)) != NULL) {
        size_t klen = bstr_len(e->key);
        struct dict_entry *val = dict_find(db->keys, e->key, klen);
        if (val != NULL && ((struct obj *)val->v.ptr)->type == OBJ_LIST)
            blocked_signal_key(db, e->key, klen);
    }
    dict_iter_end(&it);
}

/* Offer key to c with c's own request in place, as if c were running it
 * now (replies and statistics go to c).  Returns what the serve function
 * returned. */
static int offer(struct conn *c, const char *key, size_t klen)
{
    struct conn *saved_current = server.current;
    int saved_argc = c->argc;
    struct resp_arg *saved_argv = c->argv;
    int served;

    server.current = c;
    c->argc = c->bstate.argc;
    c->argv = c->bstate.argv;
    served = c->bstate.serve(c, key, klen);
    c->argc = saved_argc;
    c->argv = saved_argv;
    server.current = saved_current;
    return served;
}

/* Serve the waiters of one ready key, first blocked first, while it has
 * something for them.  A served client leaves every queue, so the next
 * waiter is always the head. */
static void serve_key(struct ready_key *rk)
{
    struct blocked_db *bdb = &bdbs[rk->db_id];
    size_t klen = bstr_len(rk->key);

    /* Off the ready set first: serving may make this key ready again. */
    dict_delete(bdb->ready, rk->key, klen);
    for (;;) {
        struct dict_entry *e = dict_find(bdb->waiting, rk->key, klen);
        if (e == NULL)
            return;
        struct conn *c = ((struct key_queue *)e->v.ptr)->head->c;
        /* A killed client is freed only after this pass: it is gone
         * already and must not take data. */
        if (c->flags & CONN_CLOSE_ASAP) {
            blocked_unblock(c, BLOCKED_GONE);
            continue;
        }
        if (!offer(c, rk->key, klen))
            return;
        detach(c);
        resume_later(c);
    }
}

void blocked_serve_ready_keys(void)
{
    long long saved_time;

    if (ready_head == NULL || serving)
        return;
    serving = 1;
    /* One clock for the whole pass, so a key expiring meanwhile does not
     * vanish between two waiters' lookups. */
    saved_time = server.cmd_time_ms;
    if (server.cmd_time_ms == 0)
        server.cmd_time_ms = util_mstime();
    while (ready_head != NULL) {
        struct ready_key *rk = ready_head;
        ready_head = rk->next;
        if (ready_head == NULL)
            ready_tail = NULL;
        serve_key(rk);
        bstr_free(rk->key);
        xfree(rk);
    }
    server.cmd_time_ms = saved_time;
    serving = 0;
}

long long blocked_count(void)
{
    return blocked_clients;
}

long long blocked_timeout_count(void)
{
    return timeout_clients;
}
