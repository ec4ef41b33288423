/* pubsub.c -- publish/subscribe (see pubsub.h).
 *
 * Every subscription is one struct ps_sub, linked twice: into its topic's
 * list of subscribers (the order PUBLISH delivers in, which is the order
 * clients subscribed) and into its client's list of subscriptions of that
 * kind (the order an argument-less UNSUBSCRIBE leaves them in).  Either
 * side removes it in O(1) once found through a dict:
 *
 *   topics[kind]      name -> struct ps_topic, one per name with at least
 *                     one subscriber; an unused name has no entry, so a
 *                     message nobody listens to costs one lookup
 *   pattern_list      the pattern topics, which PUBLISH matches one by one
 *   clients           client id -> struct ps_client, its subscriptions by
 *                     name; kept here, not in struct conn, so a client
 *                     that never subscribes carries nothing but the
 *                     count conn.c reads (c->pubsub_subs)
 *
 * A published message is formatted at most once per protocol version for
 * the channel's subscribers, and once per version for each matching
 * pattern, into shared blocks that every receiver's output queue
 * references (outq.h).  Frames are built in one scratch buffer that stays
 * allocated between messages. */
#include "pubsub.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "conn.h"
#include "dict.h"
#include "outq.h"
#include "reply.h"
#include "util.h"

struct ps_topic;

struct ps_sub {
    struct ps_topic *topic;
    struct conn *c;
    struct ps_sub *tprev, *tnext; /* the topic's subscribers */
    struct ps_sub *cprev, *cnext; /* the client's subscriptions */
};

struct ps_topic {
    bstr name; /* the key of its entry in topics[kind], owned there */
    int kind;
    long long count;
    struct ps_sub *head, *tail;
    struct ps_topic *prev, *next; /* patterns only: pattern_list */
};

struct ps_client {
    struct dict *by_name[PUBSUB_KINDS]; /* name -> ps_sub; NULL until used */
    struct ps_sub *head[PUBSUB_KINDS], *tail[PUBSUB_KINDS];
    int count[PUBSUB_KINDS];
};

static const struct dict_type owned_keys = {.owns_keys = 1, .free_val = NULL};

static struct dict *topics[PUBSUB_KINDS];
static struct ps_topic *pattern_list;
static struct dict *clients;
static struct resp_buf scratch;

static const char *const sub_verbs[PUBSUB_KINDS] = {"subscribe", "psubscribe",
                                                    "ssubscribe"};
static const char *const unsub_verbs[PUBSUB_KINDS] = {
    "unsubscribe", "punsubscribe", "sunsubscribe"};

static struct dict *lazy_dict(struct dict **d)
{
    if (*d == NULL)
        *d = dict_create(&owned_keys);
    return *d;
}

/* c's state, created on first use when create is set; NULL otherwise. */
static struct ps_client *client_state(const struct conn *c, int create)
{
    struct dict_entry *e;

    if (clients == NULL && !create)
        return NULL;
    e = dict_find(lazy_dict(&clients), &c->id, sizeof(c->id));
    if (e)
        return e->v.ptr;
    if (!create)
        return NULL;
    e = dict_add(clients, bstr_new(&c->id, sizeof(c->id)));
    e->v.ptr = xcalloc(1, sizeof(struct ps_client));
    return e->v.ptr;
}

static void client_state_free(const struct conn *c, struct ps_client *pc)
{
    for (int k = 0; k < PUBSUB_KINDS; k++)
        if (pc->by_name[k])
            dict_free(pc->by_name[k]);
    dict_delete(clients, &c->id, sizeof(c->id));
    xfree(pc);
}

/* The topic for name, created (and for patterns, listed) if missing. */
static struct ps_topic *topic_get(int kind, const char *name, size_t len)
{
    struct dict *d = lazy_dict(&topics[kind]);
    struct dict_entry *e = dict_find(d, name, len);

    if (e)
        return e->v.ptr;
    struct ps_topic *t = xcalloc(1, sizeof(*t));
    e = dict_add(d, bstr_new(name, len));
    e->v.ptr = t;
    t->name = e->key;
    t->kind = kind;
    if (kind == PUBSUB_PATTERN) {
        t->next = pattern_list;
        if (pattern_list)
            pattern_list->prev = t;
        pattern_list = t;
    }
    return t;
}

/* Free a topic whose last subscriber left. */
static void topic_drop(struct ps_topic *t)
{
    if (t->kind == PUBSUB_PATTERN) {
        if (t->prev)
            t->prev->next = t->next;
        else
            pattern_list = t->next;
        if (t->next)
            t->next->prev = t->prev;
    }
    struct dict_entry *e =
        dict_unlink(topics[t->kind], t->name, bstr_len(t->name));
    dict_free_unlinked(topics[t->kind], e);
    xfree(t);
}

/* Subscribe c to name.  Returns 1 if it is new, 0 if c already had it. */
static int sub_add(struct conn *c, int kind, const char *name, size_t len)
{
    struct ps_client *pc = client_state(c, 1);
    struct dict *mine = lazy_dict(&pc->by_name[kind]);

    if (dict_find(mine, name, len))
        return 0;
    struct ps_topic *t = topic_get(kind, name, len);
    struct ps_sub *s = xcalloc(1, sizeof(*s));
    s->topic = t;
    s->c = c;
    s->tprev = t->tail;
    if (t->tail)
        t->tail->tnext = s;
    else
        t->head = s;
    t->tail = s;
    t->count++;

    s->cprev = pc->tail[kind];
    if (pc->tail[kind])
        pc->tail[kind]->cnext = s;
    else
        pc->head[kind] = s;
    pc->tail[kind] = s;
    dict_add(mine, bstr_new(name, len))->v.ptr = s;
    pc->count[kind]++;
    c->pubsub_subs++;
    return 1;
}

/* Unlink s from both lists and free it (and its topic, if now unused).
 * The client's state stays even when empty: pubsub_unsubscribe_all()
 * frees it. */
static void sub_remove(struct ps_client *pc, struct ps_sub *s)
{
    struct ps_topic *t = s->topic;
    int kind = t->kind;

    if (s->tprev)
        s->tprev->tnext = s->tnext;
    else
        t->head = s->tnext;
    if (s->tnext)
        s->tnext->tprev = s->tprev;
    else
        t->tail = s->tprev;
    if (s->cprev)
        s->cprev->cnext = s->cnext;
    else
        pc->head[kind] = s->cnext;
    if (s->cnext)
        s->cnext->cprev = s->cprev;
    else
        pc->tail[kind] = s->cprev;

    dict_delete(pc->by_name[kind], t->name, bstr_len(t->name));
    pc->count[kind]--;
    s->c->pubsub_subs--;
    if (--t->count == 0)
        topic_drop(t);
    xfree(s);
}

/* The running count a confirmation carries: shard subscriptions count
 * apart from the others, as in Redis 7.0. */
static int confirm_count(const struct ps_client *pc, int kind)
{
    if (pc == NULL)
        return 0;
    if (kind == PUBSUB_SHARD)
        return pc->count[PUBSUB_SHARD];
    return pc->count[PUBSUB_CHANNEL] + pc->count[PUBSUB_PATTERN];
}

static void reply_confirm_head(struct conn *c, const char *verb,
                               const char *name, size_t len)
{
    reply_push(c, 3);
    reply_bulk_cstr(c, verb);
    if (name)
        reply_bulk(c, name, len);
    else
        reply_null(c);
}

/* SUBSCRIBE channel [channel ...]
 * PSUBSCRIBE pattern [pattern ...]
 * SSUBSCRIBE shardchannel [shardchannel ...] */
static void subscribe_generic(struct conn *c, int kind)
{
    for (int i = 1; i < c->argc; i++) {
        sub_add(c, kind, c->argv[i].ptr, c->argv[i].len);
        reply_confirm_head(c, sub_verbs[kind], c->argv[i].ptr, c->argv[i].len);
        reply_int(c, confirm_count(client_state(c, 0), kind));
    }
}

/* Leave every subscription of one kind, confirming each; a client that
 * had none gets one confirmation with a null name. */
static void unsubscribe_kind_all(struct conn *c, int kind)
{
    struct ps_client *pc = client_state(c, 0);

    if (pc == NULL || pc->head[kind] == NULL) {
        reply_confirm_head(c, unsub_verbs[kind], NULL, 0);
        reply_int(c, confirm_count(pc, kind));
        return;
    }
    while (pc->head[kind]) {
        struct ps_sub *s = pc->head[kind];
        /* The name goes out before the removal frees it. */
        reply_confirm_head(c, unsub_verbs[kind], s->topic->name,
                           bstr_len(s->topic->name));
        sub_remove(pc, s);
        reply_int(c, confirm_count(pc, kind));
    }
}

/* UNSUBSCRIBE [channel ...]
 * PUNSUBSCRIBE [pattern ...]
 * SUNSUBSCRIBE [shardchannel ...] */
static void unsubscribe_generic(struct conn *c, int kind)
{
    if (c->argc == 1) {
        unsubscribe_kind_all(c, kind);
        return;
    }
    struct ps_client *pc = client_state(c, 0);
    for (int i = 1; i < c->argc; i++) {
        const struct resp_arg *a = &c->argv[i];
        struct dict_entry *e = NULL;
        if (pc && pc->by_name[kind])
            e = dict_find(pc->by_name[kind], a->ptr, a->len);
        if (e)
            sub_remove(pc, e->v.ptr);
        reply_confirm_head(c, unsub_verbs[kind], a->ptr, a->len);
        reply_int(c, confirm_count(pc, kind));
    }
}

void pubsub_unsubscribe_all(struct conn *c)
{
    struct ps_client *pc;

    if (c->pubsub_subs == 0 || (pc = client_state(c, 0)) == NULL)
        return;
    for (int k = 0; k < PUBSUB_KINDS; k++)
        while (pc->head[k])
            sub_remove(pc, pc->head[k]);
    client_state_free(c, pc);
}

void pubsub_counts(const struct conn *c, int out[PUBSUB_KINDS])
{
    const struct ps_client *pc = c->pubsub_subs > 0 ? client_state(c, 0) : NULL;

    for (int k = 0; k < PUBSUB_KINDS; k++)
        out[k] = pc ? pc->count[k] : 0;
}

size_t pubsub_total(int kind)
{
    return topics[kind] ? dict_size(topics[kind]) : 0;
}

/* --- Delivery ------------------------------------------------------------ */

/* One message frame in protocol proto, as a new shared block: [verb,
 * pattern (pmessage only), channel, message]. */
static struct shared_reply *frame_build(int proto, const char *verb,
                                        const struct ps_topic *pattern,
                                        const char *ch, size_t chlen,
                                        const char *msg, size_t mlen)
{
    int rc;

    scratch.len = 0;
    rc = resp_w_aggregate(&scratch, proto, '>', pattern ? 4 : 3);
    rc |= resp_w_bulk(&scratch, verb, strlen(verb));
    if (pattern)
        rc |= resp_w_bulk(&scratch, pattern->name, bstr_len(pattern->name));
    rc |= resp_w_bulk(&scratch, ch, chlen);
    rc |= resp_w_bulk(&scratch, msg, mlen);
    if (rc != 0) {
        fprintf(stderr, "respd: out of memory formatting a message\n");
        abort();
    }
    return shared_reply_create(scratch.data, scratch.len);
}

/* Queue the message on every subscriber of t, formatting each protocol's
 * frame on first need.  Returns the number of receivers. */
static long long deliver(const struct ps_topic *t, const char *verb,
                         const char *ch, size_t chlen, const char *msg,
                         size_t mlen)
{
    struct shared_reply *frames[2] = {NULL, NULL};
    const struct ps_topic *pattern = t->kind == PUBSUB_PATTERN ? t : NULL;
    long long n = 0;

    for (const struct ps_sub *s = t->head; s; s = s->tnext) {
        int v = s->c->proto == 3;
        if (frames[v] == NULL)
            frames[v] =
                frame_build(v ? 3 : 2, verb, pattern, ch, chlen, msg, mlen);
        reply_shared(s->c, frames[v]);
        n++;
    }
    for (int v = 0; v < 2; v++)
        if (frames[v])
            shared_reply_release(frames[v]);
    return n;
}

long long pubsub_publish(const char *ch, size_t chlen, const char *msg,
                         size_t mlen)
{
    long long n = 0;
    struct dict_entry *e = NULL;

    if (topics[PUBSUB_CHANNEL])
        e = dict_find(topics[PUBSUB_CHANNEL], ch, chlen);
    if (e)
        n += deliver(e->v.ptr, "message", ch, chlen, msg, mlen);
    for (const struct ps_topic *p = pattern_list; p; p = p->next)
        if (util_glob_match(p->name, bstr_len(p->name), ch, chlen, 0))
            n += deliver(p, "pmessage", ch, chlen, msg, mlen);
    return n;
}

static long long shard_publish(const char *ch, size_t chlen, const char *msg,
                               size_t mlen)
{
    struct dict_entry *e = NULL;

    if (topics[PUBSUB_SHARD])
        e = dict_find(topics[PUBSUB_SHARD], ch, chlen);
    return e ? deliver(e->v.ptr, "smessage", ch, chlen, msg, mlen) : 0;
}

/* --- Commands ------------------------------------------------------------ */

static void subscribe_command(struct conn *c)
{
    subscribe_generic(c, PUBSUB_CHANNEL);
}

static void psubscribe_command(struct conn *c)
{
    subscribe_generic(c, PUBSUB_PATTERN);
}

/* Redis refuses SSUBSCRIBE where a client may not block, which includes
 * a running EXEC (SUBSCRIBE and PSUBSCRIBE are let through there). */
static void ssubscribe_command(struct conn *c)
{
    if (c->flags & CONN_IN_EXEC) {
        reply_error(c, "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING "
                       "client");
        return;
    }
    subscribe_generic(c, PUBSUB_SHARD);
}

static void unsubscribe_command(struct conn *c)
{
    unsubscribe_generic(c, PUBSUB_CHANNEL);
}

static void punsubscribe_command(struct conn *c)
{
    unsubscribe_generic(c, PUBSUB_PATTERN);
}

static void sunsubscribe_command(struct conn *c)
{
    unsubscribe_generic(c, PUBSUB_SHARD);
}

/* PUBLISH channel message */
static void publish_command(struct conn *c)
{
    reply_int(c, pubsub_publish(c->argv[1].ptr, c->argv[1].len, c->argv[2].ptr,
                                c->argv[2].len));
}

/* SPUBLISH shardchannel message */
static void spublish_command(struct conn *c)
{
    reply_int(c, shard_publish(c->argv[1].ptr, c->argv[1].len, c->argv[2].ptr,
                               c->argv[2].len));
}

/* The names in topics[kind] matching the optional pattern argument, in
 * the dict's order (Redis's order is its own dict's, so clients cannot
 * rely on it). */
static void reply_topic_names(struct conn *c, int kind)
{
    const struct resp_arg *pat = c->argc == 3 ? &c->argv[2] : NULL;
    long long n = 0;
    struct dict_iter it;
    struct dict_entry *e;

    if (c->argc > 3) {
        reply_errorf(c,
                     "ERR unknown subcommand or wrong number of arguments "
                     "for '%.*s'. Try PUBSUB HELP.",
                     (int)c->argv[1].len, c->argv[1].ptr);
        return;
    }
    size_t handle = reply_defer_len(c);
    if (topics[kind]) {
        dict_iter_start(&it, topics[kind]);
        while ((e = dict_iter_next(&it)) != NULL) {
            if (pat && !util_glob_match(pat->ptr, pat->len, e->key,
                                        bstr_len(e->key), 0))
                continue;
            reply_bulk(c, e->key, bstr_len(e->key));
            n++;
        }
        dict_iter_end(&it);
    }
    reply_set_deferred_len(c, handle, '*', n);
}

/* Pairs of name and subscriber count for the names given. */
static void reply_topic_counts(struct conn *c, int kind)
{
    reply_array(c, (long long)(c->argc - 2) * 2);
    for (int i = 2; i < c->argc; i++) {
        const struct resp_arg *a = &c->argv[i];
        struct dict_entry *e =
            topics[kind] ? dict_find(topics[kind], a->ptr, a->len) : NULL;
        reply_bulk(c, a->ptr, a->len);
        reply_int(c, e ? ((struct ps_topic *)e->v.ptr)->count : 0);
    }
}

/* PUBSUB CHANNELS [pattern] */
static void pubsub_channels_command(struct conn *c)
{
    reply_topic_names(c, PUBSUB_CHANNEL);
}

/* PUBSUB SHARDCHANNELS [pattern] */
static void pubsub_shardchannels_command(struct conn *c)
{
    reply_topic_names(c, PUBSUB_SHARD);
}

/* PUBSUB NUMSUB [channel ...] */
static void pubsub_numsub_command(struct conn *c)
{
    reply_topic_counts(c, PUBSUB_CHANNEL);
}

/* PUBSUB SHARDNUMSUB [shardchannel ...] */
static void pubsub_shardnumsub_command(struct conn *c)
{
    reply_topic_counts(c, PUBSUB_SHARD);
}

/* PUBSUB NUMPAT: distinct patterns with a subscriber. */
static void pubsub_numpat_command(struct conn *c)
{
    reply_int(c, (long long)pubsub_total(PUBSUB_PATTERN));
}

/* PUBSUB HELP */
static void pubsub_help_command(struct conn *c)
{
    static const char *lines[] = {
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> "
        "(default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, "
        "excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a "
        "<pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level "
        "channel(s)",
        NULL};

    reply_help(c, "PUBSUB", lines);
}

#define PS_FLAGS     (CMD_PUBSUB | CMD_LOADING | CMD_STALE)
#define PS_SUB_FLAGS (PS_FLAGS | CMD_NOSCRIPT)

static struct cmd pubsub_subcommands[] = {
    {.name = "channels",
     .proc = pubsub_channels_command,
     .arity = -2,
     .flags = PS_FLAGS,
     .acl_categories = "@pubsub @slow",
     .group = "pubsub",
     .since = "2.8.0",
     .summary = "List active channels",
     .complexity = "O(N) where N is the number of active channels, and "
                   "assuming constant time pattern matching (relatively "
                   "short channels and patterns)"},
    {.name = "help",
     .proc = pubsub_help_command,
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE,
     .acl_categories = "@slow",
     .group = "pubsub",
     .since = "6.2.0",
     .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
    {.name = "numpat",
     .proc = pubsub_numpat_command,
     .arity = 2,
     .flags = PS_FLAGS,
     .acl_categories = "@pubsub @slow",
     .group = "pubsub",
     .since = "2.8.0",
     .summary = "Get the count of unique patterns pattern subscriptions",
     .complexity = "O(1)"},
    {.name = "numsub",
     .proc = pubsub_numsub_command,
     .arity = -2,
     .flags = PS_FLAGS,
     .acl_categories = "@pubsub @slow",
     .group = "pubsub",
     .since = "2.8.0",
     .summary = "Get the count of subscribers for channels",
     .complexity = "O(N) for the NUMSUB subcommand, where N is the number "
                   "of requested channels"},
    {.name = "shardchannels",
     .proc = pubsub_shardchannels_command,
     .arity = -2,
     .flags = PS_FLAGS,
     .acl_categories = "@pubsub @slow",
     .group = "pubsub",
     .since = "7.0.0",
     .summary = "List active shard channels",
     .complexity = "O(N) where N is the number of active shard channels, "
                   "and assuming constant time pattern matching (relatively "
                   "short shard channels)."},
    {.name = "shardnumsub",
     .proc = pubsub_shardnumsub_command,
     .arity = -2,
     .flags = PS_FLAGS,
     .acl_categories = "@pubsub @slow",
     .group = "pubsub",
     .since = "7.0.0",
     .summary = "Get the count of subscribers for shard channels",
     .complexity = "O(N) for the SHARDNUMSUB subcommand, where N is the "
                   "number of requested shard channels"},
    {0}};

struct cmd pubsub_commands[] = {
    {.name = "psubscribe",
     .proc = psubscribe_command,
     .arity = -2,
     .flags = PS_SUB_FLAGS,
     .acl_categories = "@pubsub @slow",
     .group = "pubsub",
     .since = "2.0.0",
     .summary = "Listen for messages published to channels matching the "
                "given patterns",
     .complexity = "O(N) where N is the number of patterns the client is "
                   "already subscribed to."},
    {.name = "publish",
     .proc = publish_command,
     .arity = 3,
     .flags = PS_FLAGS | CMD_FAST,
     .acl_categories = "@pubsub @fast",
     .group = "pubsub",
     .since = "2.0.0",
     .summary = "Post a message to a channel",
     .complexity = "O(N+M) where N is the number of clients subscribed to "
                   "the receiving channel and M is the total number of "
                   "subscribed patterns (by any client)."},
    {.name = "pubsub",
     .proc = NULL,
     .arity = -2,
     .acl_categories = "@slow",
     .group = "pubsub",
     .since = "2.8.0",
     .summary = "A container for Pub/Sub commands",
     .complexity = "Depends on subcommand.",
     .subcmds = pubsub_subcommands},
    {.name = "punsubscribe",
     .proc = punsubscribe_command,
     .arity = -1,
     .flags = PS_SUB_FLAGS,
     .acl_categories = "@pubsub @slow",
     .group = "pubsub",
     .since = "2.0.0",
     .summary = "Stop listening for messages posted to channels matching "
                "the given patterns",
     .complexity = "O(N+M) where N is the number of patterns the client is "
                   "already subscribed and M is the number of total "
                   "patterns subscribed in the system (by any client)."},
    {.name = "spublish",
     .proc = spublish_command,
     .arity = 3,
     .flags = PS_FLAGS | CMD_FAST,
     .acl_categories = "@pubsub @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "pubsub",
     .since = "7.0.0",
     .summary = "Post a message to a shard channel",
     .complexity = "O(N) where N is the number of clients subscribed to the "
                   "receiving shard channel."},
    {.name = "ssubscribe",
     .proc = ssubscribe_command,
     .arity = -2,
     .flags = PS_SUB_FLAGS,
     .acl_categories = "@pubsub @slow",
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .group = "pubsub",
     .since = "7.0.0",
     .summary = "Listen for messages published to the given shard channels",
     .complexity = "O(N) where N is the number of shard channels to "
                   "subscribe to."},
    {.name = "subscribe",
     .proc = subscribe_command,
     .arity = -2,
     .flags = PS_SUB_FLAGS,
     .acl_categories = "@pubsub @slow",
     .group = "pubsub",
     .since = "2.0.0",
     .summary = "Listen for messages published to the given channels",
     .complexity = "O(N) where N is the number of channels to subscribe to."},
    {.name = "sunsubscribe",
     .proc = sunsubscribe_command,
     .arity = -1,
     .flags = PS_SUB_FLAGS,
     .acl_categories = "@pubsub @slow",
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .group = "pubsub",
     .since = "7.0.0",
     .summary = "Stop listening for messages posted to the given shard "
                "channels",
     .complexity = "O(N) where N is the number of clients already subscribed "
                   "to a shard channel."},
    {.name = "unsubscribe",
     .proc = unsubscribe_command,
     .arity = -1,
     .flags = PS_SUB_FLAGS,
     .acl_categories = "@pubsub @slow",
     .group = "pubsub",
     .since = "2.0.0",
     .summary = "Stop listening for messages posted to the given channels",
     .complexity = "O(N) where N is the number of clients already subscribed "
                   "to a channel."},
    {0}};
