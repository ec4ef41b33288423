/* multi.c -- transactions: MULTI EXEC DISCARD WATCH UNWATCH (see multi.h).
 *
 * Queued requests are copied (the query buffer moves on while a transaction
 * is built): one allocation per request holds its argument array and
 * bytes.  WATCH keeps, per database, a dict from key to the clients
 * watching it, and per client the list of its watched keys, so that a
 * change to a key finds its watchers with one lookup and a client that
 * goes away finds its keys without a scan. */
#include "multi.h"

#include <string.h>

#include "admin.h"
#include "conn.h"
#include "db.h"
#include "dict.h"
#include "reply.h"
#include "server.h"
#include "util.h"

struct multi_cmd {
    struct cmd *cmd;
    int argc;
    struct resp_arg *argv; /* argv and bytes in one allocation */
};

/* A key c watches.  expired: the key was already logically expired when
 * WATCH ran, so its deletion by expiry is not a change (Redis 7.0). */
struct watched_key {
    struct db *db;
    bstr key;
    int expired;
};

struct watched_list {
    int count, cap;
    struct watched_key *keys;
};

/* The clients watching one key, in the per-db dict. */
struct watchers {
    int count, cap;
    struct conn **clients;
};

static void free_watchers(void *p)
{
    struct watchers *w = p;
    xfree(w->clients);
    xfree(w);
}

static const struct dict_type watchers_type = {.owns_keys = 1,
                                               .free_val = free_watchers};

/* Copy c's current request into one allocation. */
static void copy_request(struct conn *c, struct multi_cmd *mc)
{
    size_t bytes = 0;
    for (int i = 0; i < c->argc; i++)
        bytes += c->argv[i].len;

    struct resp_arg *argv =
        xmalloc(sizeof(*argv) * (size_t)c->argc + (bytes ? bytes : 1));
    char *p = (char *)(argv + c->argc);
    for (int i = 0; i < c->argc; i++) {
        memcpy(p, c->argv[i].ptr, c->argv[i].len);
        argv[i].ptr = p;
        argv[i].len = c->argv[i].len;
        p += c->argv[i].len;
    }
    mc->cmd = (struct cmd *)c->cmd;
    mc->argc = c->argc;
    mc->argv = argv;
}

void multi_queue(struct conn *c)
{
    struct multi_state *ms = &c->mstate;

    /* A doomed transaction keeps nothing: a client pipelining without
     * reading the replies could otherwise queue without bound. */
    if (c->flags & (CONN_DIRTY_CAS | CONN_DIRTY_EXEC)) {
        reply_simple(c, "QUEUED");
        return;
    }
    if (ms->count == ms->cap) {
        ms->cap = ms->cap ? ms->cap * 2 : 8;
        ms->cmds = xrealloc(ms->cmds, (size_t)ms->cap * sizeof(*ms->cmds));
    }
    copy_request(c, &ms->cmds[ms->count++]);
    reply_simple(c, "QUEUED");
}

void multi_flag_error(struct conn *c)
{
    if (c->flags & CONN_MULTI)
        c->flags |= CONN_DIRTY_EXEC;
}

void multi_exec_refused(struct conn *c, const char *err)
{
    /* Redis words its own refusals without an error code. */
    if (strncmp(err, "ERR ", 4) == 0)
        err += 4;
    multi_reset(c);
    reply_errorf(c, "EXECABORT Transaction discarded because of: %s", err);
    /* Never called, yet shown to MONITOR, as in Redis. */
    if (server.monitors > 0)
        admin_feed_monitors(c);
}

uint32_t multi_queued_flags(const struct conn *c)
{
    uint32_t flags = 0;

    for (int i = 0; i < c->mstate.count; i++)
        flags |= c->mstate.cmds[i].cmd->flags;
    return flags;
}

static void discard_queue(struct conn *c)
{
    struct multi_state *ms = &c->mstate;

    for (int i = 0; i < ms->count; i++)
        xfree(ms->cmds[i].argv);
    xfree(ms->cmds);
    ms->cmds = NULL;
    ms->count = ms->cap = 0;
    c->flags &= ~(CONN_MULTI | CONN_DIRTY_CAS | CONN_DIRTY_EXEC);
}

/* --- WATCH bookkeeping --- */

static struct watched_list *watched_of(struct conn *c)
{
    if (c->mstate.watched == NULL)
        c->mstate.watched = xcalloc(1, sizeof(struct watched_list));
    return c->mstate.watched;
}

static void watchers_remove(struct watchers *w, struct conn *c)
{
    for (int i = 0; i < w->count; i++) {
        if (w->clients[i] == c) {
            memmove(&w->clients[i], &w->clients[i + 1],
                    (size_t)(w->count - i - 1) * sizeof(*w->clients));
            w->count--;
            return;
        }
    }
}

static void unwatch_all(struct conn *c)
{
    struct watched_list *wl = c->mstate.watched;
    if (wl == NULL)
        return;
    for (int i = 0; i < wl->count; i++) {
        struct watched_key *wk = &wl->keys[i];
        struct dict_entry *e =
            dict_find(wk->db->watched_keys, wk->key, bstr_len(wk->key));
        struct watchers *w = e->v.ptr;
        watchers_remove(w, c);
        if (w->count == 0)
            dict_delete(wk->db->watched_keys, wk->key, bstr_len(wk->key));
        bstr_free(wk->key);
    }
    xfree(wl->keys);
    xfree(wl);
    c->mstate.watched = NULL;
    c->mstate.nwatched = 0;
}

static int is_watching(struct watched_list *wl, struct db *db,
                       const struct resp_arg *key)
{
    for (int i = 0; i < wl->count; i++)
        if (wl->keys[i].db == db && bstr_len(wl->keys[i].key) == key->len &&
            memcmp(wl->keys[i].key, key->ptr, key->len) == 0)
            return 1;
    return 0;
}

static void watch_key(struct conn *c, const struct resp_arg *key)
{
    struct watched_list *wl = watched_of(c);
    struct db *db = c->db;

    if (is_watching(wl, db, key))
        return;
    if (db->watched_keys == NULL)
        db->watched_keys = dict_create(&watchers_type);
    struct dict_entry *e = dict_find(db->watched_keys, key->ptr, key->len);
    if (e == NULL) {
        e = dict_add(db->watched_keys, bstr_new(key->ptr, key->len));
        e->v.ptr = xcalloc(1, sizeof(struct watchers));
    }
    struct watchers *w = e->v.ptr;
    if (w->count == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 4;
        w->clients = xrealloc(w->clients, (size_t)w->cap * sizeof(*w->clients));
    }
    w->clients[w->count++] = c;

    if (wl->count == wl->cap) {
        wl->cap = wl->cap ? wl->cap * 2 : 4;
        wl->keys = xrealloc(wl->keys, (size_t)wl->cap * sizeof(*wl->keys));
    }
    struct watched_key *wk = &wl->keys[wl->count++];
    wk->db = db;
    wk->key = bstr_new(key->ptr, key->len);
    wk->expired = db_key_is_expired(db, key->ptr, key->len);
    c->mstate.nwatched = wl->count;
}

static struct watched_key *find_watched(struct conn *c, struct db *db,
                                        const char *key, size_t klen)
{
    struct watched_list *wl = c->mstate.watched;
    for (int i = 0; wl && i < wl->count; i++)
        if (wl->keys[i].db == db && bstr_len(wl->keys[i].key) == klen &&
            memcmp(wl->keys[i].key, key, klen) == 0)
            return &wl->keys[i];
    return NULL;
}

/* Mark c's transaction as failed by a change to a watched key.  Its other
 * keys no longer matter: stop watching them at once, as Redis does. */
static void mark_dirty(struct conn *c)
{
    c->flags |= CONN_DIRTY_CAS;
    unwatch_all(c);
}

void multi_touch_key(struct db *db, const char *key, size_t klen)
{
    if (db->watched_keys == NULL || dict_size(db->watched_keys) == 0)
        return;
    struct dict_entry *e = dict_find(db->watched_keys, key, klen);
    if (e == NULL)
        return;

    /* mark_dirty() edits this very list: collect the victims first. */
    struct watchers *w = e->v.ptr;
    int n = w->count;
    struct conn **victims = xmalloc(sizeof(*victims) * (size_t)n);
    int nv = 0;
    for (int i = 0; i < n; i++) {
        struct conn *c = w->clients[i];
        struct watched_key *wk = find_watched(c, db, key, klen);
        if (wk && wk->expired) {
            /* Deleting a key that was already expired at WATCH time is no
             * change; any other change is. */
            if (dict_find(db->keys, key, klen) == NULL) {
                wk->expired = 0;
                continue;
            }
        }
        victims[nv++] = c;
    }
    for (int i = 0; i < nv; i++)
        mark_dirty(victims[i]);
    xfree(victims);
}

/* Whether emptying db (or swapping it with replaced_with) changes key for
 * c, as Redis 7.0 decides it: a key c watched when it was already expired
 * changes only if it comes back alive from the other database; a missing
 * key replaced by an expired one becomes such a key instead of a change. */
static int db_change_breaks_watch(struct conn *c, struct db *db,
                                  struct db *replaced_with, const bstr key,
                                  int exists_in_db)
{
    size_t klen = bstr_len(key);
    struct watched_key *wk = find_watched(c, db, key, klen);
    int in_other =
        replaced_with && dict_find(replaced_with->keys, key, klen) != NULL;

    if (wk == NULL)
        return 0;
    if (wk->expired) {
        if (!in_other) {
            wk->expired = 0;
            return 0;
        }
        return !db_key_is_expired(replaced_with, key, klen);
    }
    if (!exists_in_db && db_key_is_expired(replaced_with, key, klen)) {
        wk->expired = 1;
        return 0;
    }
    return 1;
}

void multi_touch_db(struct db *db, struct db *replaced_with)
{
    if (db->watched_keys == NULL || dict_size(db->watched_keys) == 0)
        return;

    /* Collect first: marking a client unwatches its keys, which edits the
     * dict being walked. */
    int cap = 16, n = 0;
    struct conn **victims = xmalloc(sizeof(*victims) * (size_t)cap);
    struct dict_iter it;
    struct dict_entry *e;

    dict_iter_start(&it, db->watched_keys);
    while ((e = dict_iter_next(&it)) != NULL) {
        size_t klen = bstr_len(e->key);
        int exists = dict_find(db->keys, e->key, klen) != NULL;
        if (!exists && (replaced_with == NULL ||
                        dict_find(replaced_with->keys, e->key, klen) == NULL))
            continue;
        struct watchers *w = e->v.ptr;
        for (int i = 0; i < w->count; i++) {
            if (!db_change_breaks_watch(w->clients[i], db, replaced_with,
                                        e->key, exists))
                continue;
            if (n == cap) {
                cap *= 2;
                victims = xrealloc(victims, sizeof(*victims) * (size_t)cap);
            }
            victims[n++] = w->clients[i];
        }
    }
    dict_iter_end(&it);
    for (int i = 0; i < n; i++)
        if (!(victims[i]->flags & CONN_DIRTY_CAS))
            mark_dirty(victims[i]);
    xfree(victims);
}

int multi_watched_key_expired(struct conn *c)
{
    struct watched_list *wl = c->mstate.watched;
    for (int i = 0; wl && i < wl->count; i++) {
        struct watched_key *wk = &wl->keys[i];
        if (!wk->expired &&
            db_key_is_expired(wk->db, wk->key, bstr_len(wk->key)))
            return 1;
    }
    return 0;
}

void multi_reset(struct conn *c)
{
    discard_queue(c);
    unwatch_all(c);
}

/* --- commands --- */

/* MULTI */
static void multi_command(struct conn *c)
{
    if (c->flags & CONN_MULTI) {
        reply_error(c, "ERR MULTI calls can not be nested");
        return;
    }
    c->flags |= CONN_MULTI;
    reply_ok(c);
}

/* DISCARD */
static void discard_command(struct conn *c)
{
    if (!(c->flags & CONN_MULTI)) {
        reply_error(c, "ERR DISCARD without MULTI");
        return;
    }
    multi_reset(c);
    reply_ok(c);
}

/* Run the queued requests in order, each as if it had just arrived but
 * with no other client in between. */
static void exec_queue(struct conn *c)
{
    struct multi_state *ms = &c->mstate;
    int argc = c->argc;
    struct resp_arg *argv = c->argv;
    const struct cmd *exec_cmd = c->cmd;

    reply_array(c, ms->count);
    c->flags |= CONN_IN_EXEC;
    for (int i = 0; i < ms->count; i++) {
        c->argc = ms->cmds[i].argc;
        c->argv = ms->cmds[i].argv;
        cmd_call(c, ms->cmds[i].cmd);
    }
    c->flags &= ~CONN_IN_EXEC;
    c->argc = argc;
    c->argv = argv;
    c->cmd = exec_cmd;
}

/* EXEC */
static void exec_command(struct conn *c)
{
    if (!(c->flags & CONN_MULTI)) {
        reply_error(c, "ERR EXEC without MULTI");
        return;
    }
    if (c->flags & CONN_DIRTY_EXEC) {
        reply_error(c, "EXECABORT Transaction discarded because of previous "
                       "errors.");
        multi_reset(c);
        return;
    }
    if ((c->flags & CONN_DIRTY_CAS) || multi_watched_key_expired(c)) {
        reply_null_array(c);
        multi_reset(c);
        return;
    }
    /* Nothing the transaction does may abort it now. */
    unwatch_all(c);
    exec_queue(c);
    discard_queue(c);
}

/* WATCH key [key ...] */
static void watch_command(struct conn *c)
{
    if (c->flags & CONN_MULTI) {
        reply_error(c, "ERR WATCH inside MULTI is not allowed");
        return;
    }
    /* A transaction already doomed need not track more keys. */
    if (!(c->flags & CONN_DIRTY_CAS))
        for (int i = 1; i < c->argc; i++)
            watch_key(c, &c->argv[i]);
    reply_ok(c);
}

/* UNWATCH */
static void unwatch_command(struct conn *c)
{
    unwatch_all(c);
    c->flags &= ~CONN_DIRTY_CAS;
    reply_ok(c);
}

struct cmd multi_commands[] = {
    {.name = "multi",
     .proc = multi_command,
     .arity = 1,
     .flags =
         CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
     .acl_categories = "@fast @transaction",
     .group = "transactions",
     .since = "1.2.0",
     .summary = "Mark the start of a transaction block",
     .complexity = "O(1)"},
    {.name = "exec",
     .proc = exec_command,
     .arity = 1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl_categories = "@slow @transaction",
     .group = "transactions",
     .since = "1.2.0",
     .summary = "Execute all commands issued after MULTI",
     .complexity = "Depends on commands in the transaction"},
    {.name = "discard",
     .proc = discard_command,
     .arity = 1,
     .flags =
         CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
     .acl_categories = "@fast @transaction",
     .group = "transactions",
     .since = "2.0.0",
     .summary = "Discard all commands issued after MULTI",
     .complexity = "O(N), when N is the number of queued commands"},
    {.name = "watch",
     .proc = watch_command,
     .arity = -2,
     .flags =
         CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
     .acl_categories = "@fast @transaction",
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .group = "transactions",
     .since = "2.2.0",
     .summary = "Watch the given keys to determine execution of the "
                "MULTI/EXEC block",
     .complexity = "O(1) for every key."},
    {.name = "unwatch",
     .proc = unwatch_command,
     .arity = 1,
     .flags =
         CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
     .acl_categories = "@fast @transaction",
     .group = "transactions",
     .since = "2.2.0",
     .summary = "Forget about all watched keys",
     .complexity = "O(1)"},
    {0}};
