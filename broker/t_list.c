/* t_list.c -- the list commands, blocking ones included.
 *
 * Values are lists (qlist.h) created with the fill list-max-listpack-size
 * had at the time, as Redis fixes it per list.  A list that becomes empty
 * is deleted by the command that emptied it, so no empty list is ever
 * visible.  Replies stream elements straight from the list's nodes into
 * the reply buffer; pushes and pops allocate nothing but node growth.
 *
 * Every change calls db_signal_modified().  A push into an existing list
 * also calls blocked_signal_key(); a new list gets it from db_add().
 *
 * Blocking commands (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP) first act as
 * their non-blocking form on the first of their keys holding data, in
 * argument order.  Inside EXEC they never block: with no data they answer
 * what a timeout would, except that BLMOVE and BRPOPLPUSH answer LMOVE's
 * nil, as Redis does.  Otherwise the client waits (blocked.h) and
 * list_serve_blocked() later re-reads its request to take from the key
 * that received data.
 *
 * Argument errors come in Redis's order: for most commands the numbers and
 * keywords are checked before the key's type; LINDEX and LSET look at the
 * key first. */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "blocked.h"
#include "cmd.h" /* before t_list.h, which needs struct cmd */
#include "conn.h"
#include "db.h"
#include "notify.h"
#include "obj.h"
#include "prop.h"
#include "qlist.h"
#include "reply.h"
#include "server.h"
#include "t_list.h"
#include "util.h"

#define LIST_ERR_POSITIVE "ERR value is out of range, must be positive"
#define LIST_ERR_INDEX    "ERR index out of range"
#define LIST_ERR_NUMKEYS  "ERR numkeys should be greater than 0"
#define LIST_ERR_COUNT    "ERR count should be greater than 0"
#define LIST_ERR_RANK                                                          \
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from "     \
    "the second ... or use negative to start from the end of the list"
#define LIST_ERR_LPOS_COUNT  "ERR COUNT can't be negative"
#define LIST_ERR_LPOS_MAXLEN "ERR MAXLEN can't be negative"

/* Elements up to this size are copied on the stack when LMOVE moves one
 * within a single list. */
#define LIST_MOVE_STACK 128

#define LIST_PUSH_COMPLEXITY                                                   \
    "O(1) for each element added, so O(N) to add N elements when the "         \
    "command is called with multiple arguments."
#define LIST_MPOP_COMPLEXITY                                                   \
    "O(N+M) where N is the number of provided keys and M is the number of "    \
    "elements returned."

/* The blocking commands, told apart when a waiter is served. */
enum list_blocking {
    LIST_BLPOP,
    LIST_BRPOP,
    LIST_BLMOVE,
    LIST_BRPOPLPUSH,
    LIST_BLMPOP,
    LIST_NOT_BLOCKING
};

/* LMPOP's and BLMPOP's arguments after numkeys. */
struct list_mpop {
    int first_key; /* index of the first key in argv */
    int numkeys;
    int where;
    long long count;
};

/* ---- helpers ------------------------------------------------------------ */

static struct qlist *list_ql(const struct obj *o)
{
    return o->v.data;
}

/* LEFT or RIGHT to QLIST_HEAD or QLIST_TAIL; -1 for anything else. */
static int list_parse_where(const struct resp_arg *a)
{
    if (util_arg_is(a, "left"))
        return QLIST_HEAD;
    if (util_arg_is(a, "right"))
        return QLIST_TAIL;
    return -1;
}

static int list_parse_ll(const struct resp_arg *a, long long *v)
{
    return util_str2ll(a->ptr, a->len, v);
}

/* Find key as a list.  Returns 0 with *o the list, or NULL when the key
 * does not exist; replies WRONGTYPE and returns -1 for another type. */
static int list_lookup(struct conn *c, const struct resp_arg *key, int write,
                       struct obj **o)
{
    *o = write ? db_lookup_write(c->db, key->ptr, key->len)
               : db_lookup_read(c->db, key->ptr, key->len, 0);
    if (*o != NULL && (*o)->type != OBJ_LIST) {
        reply_error(c, ERR_WRONGTYPE);
        return -1;
    }
    return 0;
}

/* A new empty list object with the configured fill. */
static struct obj *list_create(void)
{
    struct obj *o = obj_list_create();
    qlist_set_fill(list_ql(o), server.list_max_listpack_size);
    return o;
}

/* Report the list event `event` about key (notify.h). */
static void list_notify(struct conn *c, const char *event, const char *key,
                        size_t klen)
{
    notify_keyspace_event(NOTIFY_LIST, event, key, klen, c->db->id);
}

/* The event names of a push and a pop at where. */
static const char *list_push_event(int where)
{
    return where == QLIST_HEAD ? "lpush" : "rpush";
}

static const char *list_pop_event(int where)
{
    return where == QLIST_HEAD ? "lpop" : "rpop";
}

/* After removing from the list o at key with the command's event: signal
 * and report the change, and delete the key if the list is now empty (o is
 * then freed), reporting that as "del" after the event, as Redis does. */
static void list_removed(struct conn *c, struct obj *o, const char *key,
                         size_t klen, const char *event)
{
    db_signal_modified(c->db, key, klen);
    list_notify(c, event, key, klen);
    if (qlist_len(list_ql(o)) == 0) {
        /* Reported first: key may be a string the deletion frees. */
        notify_keyspace_event(NOTIFY_GENERIC, "del", key, klen, c->db->id);
        db_delete(c->db, key, klen);
    }
}

/* Push p[0..n) at where of the list at key (o, or NULL to create it).
 * Either way, waiters on the key are signalled. */
static void list_push_to(struct conn *c, struct obj *o,
                         const struct resp_arg *key, int where, const void *p,
                         size_t n)
{
    if (o == NULL) {
        o = list_create();
        qlist_push(list_ql(o), where, p, n);
        db_add(c->db, key->ptr, key->len, o);
    } else {
        qlist_push(list_ql(o), where, p, n);
        blocked_signal_key(c->db, key->ptr, key->len);
    }
    db_signal_modified(c->db, key->ptr, key->len);
    list_notify(c, list_push_event(where), key->ptr, key->len);
}

/* Reply with up to count elements popped from where of the list o at key,
 * as an array, and delete the key if that empties it. */
static void list_pop_reply(struct conn *c, struct obj *o, const char *key,
                           size_t klen, int where, long long count)
{
    struct qlist *ql = list_ql(o);
    struct qlist_entry e;

    if ((unsigned long long)count > qlist_len(ql))
        count = (long long)qlist_len(ql);
    reply_array(c, count);
    for (long long i = 0; i < count; i++) {
        qlist_peek(ql, where, &e);
        reply_bulk(c, e.ptr, e.len);
        qlist_pop(ql, where);
    }
    list_removed(c, o, key, klen, list_pop_event(where));
}

/* Pop one element from where of the non-empty list o at key and reply
 * [key, element], as BLPOP does. */
static void list_pop_reply_keyed(struct conn *c, struct obj *o, const char *key,
                                 size_t klen, int where)
{
    struct qlist *ql = list_ql(o);
    struct qlist_entry e;

    qlist_peek(ql, where, &e);
    reply_array(c, 2);
    reply_bulk(c, key, klen);
    reply_bulk(c, e.ptr, e.len);
    qlist_pop(ql, where);
    list_removed(c, o, key, klen, list_pop_event(where));
}

/* ---- what the AOF logs -------------------------------------------------- */

/* A blocking command is logged as the plain command its effect amounts to,
 * in Redis 7.0's forms: in place of the running command, or for a client
 * served later, as an entry of its own after the command that woke it. */
static void list_log_effect(struct conn *c, int served, int argc,
                            const struct resp_arg *argv)
{
    if (served)
        prop_also(c->db->id, argc, argv);
    else
        prop_rewrite(c, argc, argv);
}

/* LPOP or RPOP key, with the number of elements popped unless count < 0
 * (BLPOP and BRPOP pop one, and log it without a count). */
static void list_log_pop(struct conn *c, int served, int where, const char *key,
                         size_t klen, long long count)
{
    struct resp_arg argv[3] = {PROP_LIT("LPOP"), {(char *)key, klen}};
    char n[24];
    int argc = 2;

    if (where == QLIST_TAIL)
        argv[0] = PROP_LIT("RPOP");
    if (count >= 0) {
        argv[2].ptr = n;
        argv[2].len = (size_t)util_ll2str(n, sizeof(n), count);
        argc = 3;
    }
    list_log_effect(c, served, argc, argv);
}

/* LMOVE src dst from to, or RPOPLPUSH src dst when from is NULL. */
static void list_log_move(struct conn *c, int served,
                          const struct resp_arg *src,
                          const struct resp_arg *dst,
                          const struct resp_arg *from,
                          const struct resp_arg *to)
{
    struct resp_arg argv[5] = {PROP_LIT("RPOPLPUSH"), *src, *dst};

    if (from == NULL) {
        list_log_effect(c, served, 3, argv);
        return;
    }
    argv[0] = PROP_LIT("LMOVE");
    argv[3] = *from;
    argv[4] = *to;
    list_log_effect(c, served, 5, argv);
}

/* ---- pushes and pops ---------------------------------------------------- */

/* Push argv[2..] one by one at where; existing_only for the X forms,
 * which leave a missing key alone.  Replies the new length. */
static void list_push_generic(struct conn *c, int where, int existing_only)
{
    const struct resp_arg *key = &c->argv[1];
    struct obj *o;

    if (list_lookup(c, key, 1, &o) != 0)
        return;
    if (o == NULL && existing_only) {
        reply_int(c, 0);
        return;
    }
    int j = 2;
    if (o == NULL) {
        o = list_create();
        for (; j < c->argc; j++)
            qlist_push(list_ql(o), where, c->argv[j].ptr, c->argv[j].len);
        db_add(c->db, key->ptr, key->len, o);
    } else {
        for (; j < c->argc; j++)
            qlist_push(list_ql(o), where, c->argv[j].ptr, c->argv[j].len);
        blocked_signal_key(c->db, key->ptr, key->len);
    }
    db_signal_modified(c->db, key->ptr, key->len);
    list_notify(c, list_push_event(where), key->ptr, key->len);
    reply_int(c, (long long)qlist_len(list_ql(o)));
}

/* LPUSH key element [element ...] */
static void lpush_command(struct conn *c)
{
    list_push_generic(c, QLIST_HEAD, 0);
}

/* RPUSH key element [element ...] */
static void rpush_command(struct conn *c)
{
    list_push_generic(c, QLIST_TAIL, 0);
}

/* LPUSHX key element [element ...] */
static void lpushx_command(struct conn *c)
{
    list_push_generic(c, QLIST_HEAD, 1);
}

/* RPUSHX key element [element ...] */
static void rpushx_command(struct conn *c)
{
    list_push_generic(c, QLIST_TAIL, 1);
}

/* LPOP and RPOP: one element (a bulk, nil for a missing key), or with a
 * count an array (a null array for a missing key, empty for count 0).  The
 * count is checked before the key. */
static void list_pop_generic(struct conn *c, int where)
{
    const struct resp_arg *key = &c->argv[1];
    long long count = -1;
    struct obj *o;

    if (c->argc > 3) {
        reply_arity_error(c);
        return;
    }
    if (c->argc == 3 &&
        (list_parse_ll(&c->argv[2], &count) != 0 || count < 0)) {
        reply_error(c, LIST_ERR_POSITIVE);
        return;
    }
    if (list_lookup(c, key, 1, &o) != 0)
        return;
    if (o == NULL) {
        if (count < 0)
            reply_null(c);
        else
            reply_null_array(c);
        return;
    }
    if (count == 0) {
        reply_array(c, 0);
    } else if (count > 0) {
        list_pop_reply(c, o, key->ptr, key->len, where, count);
    } else {
        struct qlist_entry e;
        qlist_peek(list_ql(o), where, &e);
        reply_bulk(c, e.ptr, e.len);
        qlist_pop(list_ql(o), where);
        list_removed(c, o, key->ptr, key->len, list_pop_event(where));
    }
}

/* LPOP key [count] */
static void lpop_command(struct conn *c)
{
    list_pop_generic(c, QLIST_HEAD);
}

/* RPOP key [count] */
static void rpop_command(struct conn *c)
{
    list_pop_generic(c, QLIST_TAIL);
}

/* ---- reading ------------------------------------------------------------ */

/* LLEN key */
static void llen_command(struct conn *c)
{
    struct obj *o;

    if (list_lookup(c, &c->argv[1], 0, &o) != 0)
        return;
    reply_int(c, o == NULL ? 0 : (long long)qlist_len(list_ql(o)));
}

/* Clamp a start/stop pair (negative from the end) to the list's indexes.
 * Returns the number of elements in the range, 0 when it is empty. */
static long long list_clamp_range(long long len, long long *start,
                                  long long *stop)
{
    if (*start < 0)
        *start = len + *start;
    if (*stop < 0)
        *stop = len + *stop;
    if (*start < 0)
        *start = 0;
    if (*start > *stop || *start >= len)
        return 0;
    if (*stop >= len)
        *stop = len - 1;
    return *stop - *start + 1;
}

/* LRANGE key start stop */
static void lrange_command(struct conn *c)
{
    long long start, stop;
    struct obj *o;

    if (list_parse_ll(&c->argv[2], &start) != 0 ||
        list_parse_ll(&c->argv[3], &stop) != 0) {
        reply_error(c, ERR_NOT_INT);
        return;
    }
    if (list_lookup(c, &c->argv[1], 0, &o) != 0)
        return;
    if (o == NULL) {
        reply_array(c, 0);
        return;
    }

    struct qlist *ql = list_ql(o);
    long long n = list_clamp_range((long long)qlist_len(ql), &start, &stop);
    struct qlist_iter it;
    struct qlist_entry e;

    reply_array(c, n);
    qlist_iter_init(&it, ql, start, QLIST_TAIL);
    for (long long i = 0; i < n && qlist_iter_next(&it, &e); i++)
        reply_bulk(c, e.ptr, e.len);
}

/* LINDEX key index
 * The key is looked at before the index is parsed, as in Redis. */
static void lindex_command(struct conn *c)
{
    struct qlist_entry e;
    long long index;
    struct obj *o;

    if (list_lookup(c, &c->argv[1], 0, &o) != 0)
        return;
    if (o == NULL) {
        reply_null(c);
        return;
    }
    if (list_parse_ll(&c->argv[2], &index) != 0) {
        reply_error(c, ERR_NOT_INT);
        return;
    }
    if (qlist_index(list_ql(o), index, &e) != 0)
        reply_null(c);
    else
        reply_bulk(c, e.ptr, e.len);
}

/* LPOS's options. */
struct list_lpos {
    long long rank;
    long long count; /* -1: not given */
    long long maxlen;
};

/* Apply one LPOS option, name followed by val.  Returns NULL, or the
 * error to reply (a syntax error for an unknown name). */
static const char *list_lpos_option(const struct resp_arg *name,
                                    const struct resp_arg *val,
                                    struct list_lpos *opt)
{
    long long v;
    int bad = list_parse_ll(val, &v) != 0;

    if (util_arg_is(name, "rank")) {
        if (bad)
            return ERR_NOT_INT;
        if (v == 0)
            return LIST_ERR_RANK;
        opt->rank = v;
    } else if (util_arg_is(name, "count")) {
        if (bad || v < 0)
            return LIST_ERR_LPOS_COUNT;
        opt->count = v;
    } else if (util_arg_is(name, "maxlen")) {
        if (bad || v < 0)
            return LIST_ERR_LPOS_MAXLEN;
        opt->maxlen = v;
    } else {
        return ERR_SYNTAX;
    }
    return NULL;
}

/* Parse LPOS's options in argv[3..], in order, replying the first error.
 * Returns 0, or -1 after an error reply. */
static int list_parse_lpos(struct conn *c, struct list_lpos *opt)
{
    opt->rank = 1;
    opt->count = -1;
    opt->maxlen = 0;
    for (int j = 3; j < c->argc; j += 2) {
        const char *err =
            j + 1 == c->argc
                ? ERR_SYNTAX
                : list_lpos_option(&c->argv[j], &c->argv[j + 1], opt);
        if (err != NULL) {
            reply_error(c, err);
            return -1;
        }
    }
    return 0;
}

/* Scan the list for elem as LPOS does, replying each matching index (an
 * array when a count was given, else the first match or nil).  RANK
 * -9223372036854775808 cannot be negated: Redis then takes every match
 * from the tail whatever the count, and so does this. */
static void list_lpos_scan(struct conn *c, struct qlist *ql,
                           const struct resp_arg *elem,
                           const struct list_lpos *opt)
{
    int dir = opt->rank < 0 ? QLIST_HEAD : QLIST_TAIL;
    int unbounded = opt->rank == LLONG_MIN;
    long long rank = unbounded ? 1 : opt->rank < 0 ? -opt->rank : opt->rank;
    long long matches = 0, found = 0, scanned = 0;
    size_t handle = 0;
    struct qlist_iter it;
    struct qlist_entry e;

    if (opt->count >= 0)
        handle = reply_defer_len(c);
    qlist_iter_init(&it, ql, dir == QLIST_TAIL ? 0 : -1, dir);
    while ((opt->maxlen == 0 || scanned < opt->maxlen) &&
           qlist_iter_next(&it, &e)) {
        scanned++;
        if (e.len != elem->len || memcmp(e.ptr, elem->ptr, e.len) != 0 ||
            ++matches < rank)
            continue;
        found++;
        reply_int(c, it.index);
        if (opt->count < 0 ||
            (!unbounded && opt->count > 0 && found >= opt->count))
            break;
    }
    if (opt->count >= 0)
        reply_set_deferred_len(c, handle, '*', found);
    else if (found == 0)
        reply_null(c);
}

/* LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
static void lpos_command(struct conn *c)
{
    struct list_lpos opt;
    struct obj *o;

    if (list_parse_lpos(c, &opt) != 0)
        return;
    if (list_lookup(c, &c->argv[1], 0, &o) != 0)
        return;
    if (o == NULL) {
        if (opt.count >= 0)
            reply_array(c, 0);
        else
            reply_null(c);
        return;
    }
    list_lpos_scan(c, list_ql(o), &c->argv[2], &opt);
}

/* ---- changing elements -------------------------------------------------- */

/* LSET key index element
 * The key is looked at before the index is parsed, as in Redis. */
static void lset_command(struct conn *c)
{
    const struct resp_arg *key = &c->argv[1];
    long long index;
    struct obj *o;

    if (list_lookup(c, key, 1, &o) != 0)
        return;
    if (o == NULL) {
        reply_error(c, ERR_NO_KEY);
        return;
    }
    if (list_parse_ll(&c->argv[2], &index) != 0) {
        reply_error(c, ERR_NOT_INT);
        return;
    }
    if (qlist_replace(list_ql(o), index, c->argv[3].ptr, c->argv[3].len) != 0) {
        reply_error(c, LIST_ERR_INDEX);
        return;
    }
    db_signal_modified(c->db, key->ptr, key->len);
    list_notify(c, "lset", key->ptr, key->len);
    reply_ok(c);
}

/* LINSERT key BEFORE | AFTER pivot element
 * Replies the new length, 0 for a missing key, -1 when pivot is absent. */
static void linsert_command(struct conn *c)
{
    const struct resp_arg *key = &c->argv[1], *pivot = &c->argv[3];
    struct qlist_iter it;
    struct qlist_entry e;
    int after;
    struct obj *o;

    if (util_arg_is(&c->argv[2], "after")) {
        after = 1;
    } else if (util_arg_is(&c->argv[2], "before")) {
        after = 0;
    } else {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    if (list_lookup(c, key, 1, &o) != 0)
        return;
    if (o == NULL) {
        reply_int(c, 0);
        return;
    }

    qlist_iter_init(&it, list_ql(o), 0, QLIST_TAIL);
    while (qlist_iter_next(&it, &e)) {
        if (e.len == pivot->len && memcmp(e.ptr, pivot->ptr, e.len) == 0) {
            qlist_iter_insert(&it, after, c->argv[4].ptr, c->argv[4].len);
            db_signal_modified(c->db, key->ptr, key->len);
            list_notify(c, "linsert", key->ptr, key->len);
            reply_int(c, (long long)qlist_len(list_ql(o)));
            return;
        }
    }
    reply_int(c, -1);
}

/* LREM key count element
 * count > 0: the first count matches from the head; < 0: from the tail;
 * 0: all.  Replies how many were removed. */
static void lrem_command(struct conn *c)
{
    const struct resp_arg *key = &c->argv[1], *elem = &c->argv[3];
    struct qlist_iter it;
    struct qlist_entry e;
    long long count;
    struct obj *o;

    if (list_parse_ll(&c->argv[2], &count) != 0) {
        reply_error(c, ERR_NOT_INT);
        return;
    }
    if (list_lookup(c, key, 1, &o) != 0)
        return;
    if (o == NULL) {
        reply_int(c, 0);
        return;
    }

    /* |LLONG_MIN| does not fit a long long. */
    unsigned long long limit =
        count < 0 ? 0 - (unsigned long long)count : (unsigned long long)count;
    unsigned long long removed = 0;
    qlist_iter_init(&it, list_ql(o), count < 0 ? -1 : 0,
                    count < 0 ? QLIST_HEAD : QLIST_TAIL);
    while ((limit == 0 || removed < limit) && qlist_iter_next(&it, &e)) {
        if (e.len == elem->len && memcmp(e.ptr, elem->ptr, e.len) == 0) {
            qlist_iter_delete(&it);
            removed++;
        }
    }
    if (removed > 0)
        list_removed(c, o, key->ptr, key->len, "lrem");
    reply_int(c, (long long)removed);
}

/* LTRIM key start stop
 * An existing key counts as modified even when nothing is removed, as in
 * Redis (a WATCH on it fires). */
static void ltrim_command(struct conn *c)
{
    const struct resp_arg *key = &c->argv[1];
    long long start, stop;
    struct obj *o;

    if (list_parse_ll(&c->argv[2], &start) != 0 ||
        list_parse_ll(&c->argv[3], &stop) != 0) {
        reply_error(c, ERR_NOT_INT);
        return;
    }
    if (list_lookup(c, key, 1, &o) != 0)
        return;
    if (o != NULL) {
        struct qlist *ql = list_ql(o);
        long long len = (long long)qlist_len(ql);
        long long keep = list_clamp_range(len, &start, &stop);
        if (keep == 0) {
            qlist_delete_range(ql, 0, len);
        } else {
            qlist_delete_range(ql, stop + 1, len - stop - 1);
            qlist_delete_range(ql, 0, start);
        }
        list_removed(c, o, key->ptr, key->len, "ltrim");
    }
    reply_ok(c);
}

/* ---- moving between lists ----------------------------------------------- */

/* LMOVE's work once the source is known to hold data: move the element at
 * end from of the list so (at key src) to end to of the list at dst, and
 * reply with it.  A dst of another type gets WRONGTYPE and nothing moves. */
static void list_move(struct conn *c, struct obj *so,
                      const struct resp_arg *src, const struct resp_arg *dst,
                      int from, int to)
{
    struct obj *dobj = db_lookup_write(c->db, dst->ptr, dst->len);
    char stack[LIST_MOVE_STACK];
    struct qlist_entry e;

    if (dobj != NULL && dobj->type != OBJ_LIST) {
        reply_error(c, ERR_WRONGTYPE);
        return;
    }
    qlist_peek(list_ql(so), from, &e);
    if (dobj != so) {
        list_push_to(c, dobj, dst, to, e.ptr, e.len);
        reply_bulk(c, e.ptr, e.len);
        qlist_pop(list_ql(so), from);
        list_removed(c, so, src->ptr, src->len, list_pop_event(from));
        return;
    }

    /* Within one list the push may move the node the element lies in:
     * push a copy, then pop the original (which leaves the same list as
     * popping first would). */
    char *copy = e.len <= sizeof(stack) ? stack : xmalloc(e.len);
    size_t len = e.len;
    memcpy(copy, e.ptr, len);
    list_push_to(c, so, dst, to, copy, len);
    qlist_pop(list_ql(so), from);
    list_notify(c, list_pop_event(from), src->ptr, src->len);
    reply_bulk(c, copy, len);
    if (copy != stack)
        xfree(copy);
}

/* LMOVE and RPOPLPUSH once the directions are known: nil when src does not
 * exist (dst is not looked at then). */
static void list_move_generic(struct conn *c, int from, int to)
{
    struct obj *so;

    if (list_lookup(c, &c->argv[1], 1, &so) != 0)
        return;
    if (so == NULL) {
        reply_null(c);
        return;
    }
    list_move(c, so, &c->argv[1], &c->argv[2], from, to);
}

/* LMOVE source destination LEFT | RIGHT LEFT | RIGHT */
static void lmove_command(struct conn *c)
{
    int from = list_parse_where(&c->argv[3]);
    int to = list_parse_where(&c->argv[4]);

    if (from < 0 || to < 0) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    list_move_generic(c, from, to);
}

/* RPOPLPUSH source destination */
static void rpoplpush_command(struct conn *c)
{
    list_move_generic(c, QLIST_TAIL, QLIST_HEAD);
}

/* Parse numkeys (at argv[idx]), the direction and COUNT of LMPOP and
 * BLMPOP into *m.  Returns NULL, or the error to reply. */
static const char *list_parse_mpop(const struct conn *c, int idx,
                                   struct list_mpop *m)
{
    long long numkeys;

    if (list_parse_ll(&c->argv[idx], &numkeys) != 0 || numkeys <= 0)
        return LIST_ERR_NUMKEYS;
    /* The direction must follow the keys. */
    if (numkeys > c->argc - idx - 2)
        return ERR_SYNTAX;
    m->first_key = idx + 1;
    m->numkeys = (int)numkeys;

    int where_idx = idx + 1 + m->numkeys;
    m->where = list_parse_where(&c->argv[where_idx]);
    if (m->where < 0)
        return ERR_SYNTAX;
    m->count = -1;
    for (int j = where_idx + 1; j < c->argc; j++) {
        if (m->count != -1 || j + 1 == c->argc ||
            !util_arg_is(&c->argv[j], "count"))
            return ERR_SYNTAX;
        j++;
        if (list_parse_ll(&c->argv[j], &m->count) != 0 || m->count <= 0)
            return LIST_ERR_COUNT;
    }
    if (m->count == -1)
        m->count = 1;
    return NULL;
}

/* How many elements a pop of count takes from the list o. */
static long long list_popped(const struct obj *o, long long count)
{
    unsigned long long len = qlist_len(list_ql(o));

    return (unsigned long long)count > len ? (long long)len : count;
}

/* Pop from the first of m's keys that holds a list with elements, replying
 * [key, [elements]].  Returns 1 when it replied (that, or WRONGTYPE for a
 * key of another type met first), 0 when no key has data. */
static int list_mpop_first(struct conn *c, const struct list_mpop *m)
{
    for (int j = m->first_key; j < m->first_key + m->numkeys; j++) {
        const struct resp_arg *key = &c->argv[j];
        struct obj *o;
        if (list_lookup(c, key, 1, &o) != 0)
            return 1;
        if (o == NULL)
            continue;
        if (prop_enabled())
            list_log_pop(c, 0, m->where, key->ptr, key->len,
                         list_popped(o, m->count));
        reply_array(c, 2);
        reply_bulk(c, key->ptr, key->len);
        list_pop_reply(c, o, key->ptr, key->len, m->where, m->count);
        return 1;
    }
    return 0;
}

/* LMPOP numkeys key [key ...] LEFT | RIGHT [COUNT count] */
static void lmpop_command(struct conn *c)
{
    struct list_mpop m;
    const char *err = list_parse_mpop(c, 1, &m);

    if (err != NULL) {
        reply_error(c, err);
        return;
    }
    if (!list_mpop_first(c, &m))
        reply_null_array(c);
}

/* ---- blocking ----------------------------------------------------------- */

/* No data for a blocking command: answer as a timeout inside EXEC (nil for
 * BLMOVE and BRPOPLPUSH, a null array for the others), else wait. */
static void list_block(struct conn *c, const struct resp_arg *keys, int nkeys,
                       long long deadline, int nil_bulk)
{
    if (c->flags & CONN_IN_EXEC) {
        if (nil_bulk)
            reply_null(c);
        else
            reply_null_array(c);
        return;
    }
    blocked_block(c, keys, nkeys, deadline, list_serve_blocked);
}

/* BLPOP and BRPOP: the timeout is checked first, then the keys in order;
 * the first holding a list with elements is popped from, and a key of
 * another type met before it is WRONGTYPE. */
static void list_bpop_generic(struct conn *c, int where)
{
    long long deadline;

    if (blocked_parse_timeout(c, &c->argv[c->argc - 1], &deadline) != 0)
        return;
    for (int j = 1; j < c->argc - 1; j++) {
        const struct resp_arg *key = &c->argv[j];
        struct obj *o;
        if (list_lookup(c, key, 1, &o) != 0)
            return;
        if (o != NULL) {
            list_pop_reply_keyed(c, o, key->ptr, key->len, where);
            if (prop_enabled())
                list_log_pop(c, 0, where, key->ptr, key->len, -1);
            return;
        }
    }
    list_block(c, &c->argv[1], c->argc - 2, deadline, 0);
}

/* BLPOP key [key ...] timeout */
static void blpop_command(struct conn *c)
{
    list_bpop_generic(c, QLIST_HEAD);
}

/* BRPOP key [key ...] timeout */
static void brpop_command(struct conn *c)
{
    list_bpop_generic(c, QLIST_TAIL);
}

/* BLMOVE and BRPOPLPUSH once the directions are known; the timeout is at
 * argv[tidx]. */
static void list_bmove_generic(struct conn *c, int from, int to, int tidx)
{
    long long deadline;
    struct obj *so;

    if (blocked_parse_timeout(c, &c->argv[tidx], &deadline) != 0)
        return;
    if (list_lookup(c, &c->argv[1], 1, &so) != 0)
        return;
    if (so == NULL) {
        list_block(c, &c->argv[1], 1, deadline, 1);
        return;
    }
    list_move(c, so, &c->argv[1], &c->argv[2], from, to);
    /* Nothing is logged when the destination's type stopped the move: it
     * changed no data. */
    if (prop_enabled())
        list_log_move(c, 0, &c->argv[1], &c->argv[2],
                      tidx == 5 ? &c->argv[3] : NULL,
                      tidx == 5 ? &c->argv[4] : NULL);
}

/* BLMOVE source destination LEFT | RIGHT LEFT | RIGHT timeout */
static void blmove_command(struct conn *c)
{
    int from = list_parse_where(&c->argv[3]);
    int to = list_parse_where(&c->argv[4]);

    if (from < 0 || to < 0) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    list_bmove_generic(c, from, to, 5);
}

/* BRPOPLPUSH source destination timeout */
static void brpoplpush_command(struct conn *c)
{
    list_bmove_generic(c, QLIST_TAIL, QLIST_HEAD, 3);
}

/* BLMPOP timeout numkeys key [key ...] LEFT | RIGHT [COUNT count]
 * The timeout is checked after the other arguments, as in Redis. */
static void blmpop_command(struct conn *c)
{
    struct list_mpop m;
    const char *err = list_parse_mpop(c, 2, &m);
    long long deadline;

    if (err != NULL) {
        reply_error(c, err);
        return;
    }
    if (blocked_parse_timeout(c, &c->argv[1], &deadline) != 0)
        return;
    if (!list_mpop_first(c, &m))
        list_block(c, &c->argv[m.first_key], m.numkeys, deadline, 0);
}

/* Which blocking command a request is. */
static enum list_blocking list_blocking_kind(const struct resp_arg *name)
{
    static const char *const names[] = {"blpop", "brpop", "blmove",
                                        "brpoplpush", "blmpop"};

    for (int i = 0; i < (int)(sizeof(names) / sizeof(*names)); i++)
        if (util_eq_ci(name->ptr, name->len, names[i]))
            return (enum list_blocking)i;
    return LIST_NOT_BLOCKING;
}

/* Serve a client blocked in BLMOVE (lmove) or BRPOPLPUSH from the list so
 * at src.  The move is logged with the directions spelled "left" and
 * "right", as Redis 7.0 logs a served BLMOVE, unless the destination's
 * type stopped it. */
static void list_serve_move(struct conn *c, struct obj *so,
                            const struct resp_arg *src, int lmove)
{
    const struct resp_arg names[2] = {PROP_LIT("left"), PROP_LIT("right")};
    int from = lmove ? list_parse_where(&c->argv[3]) : QLIST_TAIL;
    int to = lmove ? list_parse_where(&c->argv[4]) : QLIST_HEAD;
    long long dirty = server.dirty;

    list_move(c, so, src, &c->argv[2], from, to);
    if (server.dirty == dirty || !prop_enabled())
        return;
    list_log_move(c, 1, src, &c->argv[2],
                  lmove ? &names[from == QLIST_HEAD ? 0 : 1] : NULL,
                  lmove ? &names[to == QLIST_HEAD ? 0 : 1] : NULL);
}

/* See t_list.h.  A key that now holds another type leaves the client
 * waiting, as in Redis 7.0; a BLMOVE whose destination holds another type
 * is served WRONGTYPE (it replied, so it returns 1) and nothing moves. */
int list_serve_blocked(struct conn *c, const char *key, size_t klen)
{
    struct obj *o = db_lookup_write(c->db, key, klen);
    struct resp_arg src = {.ptr = (char *)key, .len = klen};
    enum list_blocking kind = list_blocking_kind(&c->argv[0]);
    struct list_mpop m;
    long long count;
    int where;

    if (o == NULL || o->type != OBJ_LIST)
        return 0;
    switch (kind) {
    case LIST_BLPOP:
    case LIST_BRPOP:
        where = kind == LIST_BLPOP ? QLIST_HEAD : QLIST_TAIL;
        list_pop_reply_keyed(c, o, key, klen, where);
        if (prop_enabled())
            list_log_pop(c, 1, where, key, klen, -1);
        return 1;
    case LIST_BLMOVE:
    case LIST_BRPOPLPUSH:
        list_serve_move(c, o, &src, kind == LIST_BLMOVE);
        return 1;
    case LIST_BLMPOP:
        /* The request was checked when it blocked. */
        list_parse_mpop(c, 2, &m);
        count = list_popped(o, m.count);
        reply_array(c, 2);
        reply_bulk(c, key, klen);
        list_pop_reply(c, o, key, klen, m.where, m.count);
        if (prop_enabled())
            list_log_pop(c, 1, m.where, key, klen, count);
        return 1;
    default:
        return 0;
    }
}

/* ---- the command table -------------------------------------------------- */

struct cmd list_commands[] = {
    {.name = "lpush",
     .proc = lpush_command,
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl_categories = "@write @list @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "list",
     .since = "1.0.0",
     .summary = "Prepend one or multiple elements to a list",
     .complexity = LIST_PUSH_COMPLEXITY},
    {.name = "rpush",
     .proc = rpush_command,
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl_categories = "@write @list @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "list",
     .since = "1.0.0",
     .summary = "Append one or multiple elements to a list",
     .complexity = LIST_PUSH_COMPLEXITY},
    {.name = "lpushx",
     .proc = lpushx_command,
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl_categories = "@write @list @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "list",
     .since = "2.2.0",
     .summary = "Prepend an element to a list, only if the list exists",
     .complexity = LIST_PUSH_COMPLEXITY},
    {.name = "rpushx",
     .proc = rpushx_command,
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl_categories = "@write @list @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "list",
     .since = "2.2.0",
     .summary = "Append an element to a list, only if the list exists",
     .complexity = LIST_PUSH_COMPLEXITY},
    {.name = "lpop",
     .proc = lpop_command,
     .arity = -2,
     .flags = CMD_WRITE | CMD_FAST,
     .acl_categories = "@write @list @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "list",
     .since = "1.0.0",
     .summary = "Remove and get the first elements in a list",
     .complexity = "O(N) where N is the number of elements returned"},
    {.name = "rpop",
     .proc = rpop_command,
     .arity = -2,
     .flags = CMD_WRITE | CMD_FAST,
     .acl_categories = "@write @list @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "list",
     .since = "1.0.0",
     .summary = "Remove and get the last elements in a list",
     .complexity = "O(N) where N is the number of elements returned"},
    {.name = "llen",
     .proc = llen_command,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .acl_categories = "@read @list @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "list",
     .since = "1.0.0",
     .summary = "Get the length of a list",
     .complexity = "O(1)"},
    {.name = "lrange",
     .proc = lrange_command,
     .arity = 4,
     .flags = CMD_READONLY,
     .acl_categories = "@read @list @slow",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "list",
     .since = "1.0.0",
     .summary = "Get a range of elements from a list",
     .complexity = "O(S+N) where S is the distance of start offset from HEAD "
                   "for small lists, from nearest end (HEAD or TAIL) for "
                   "large lists; and N is the number of elements in the "
                   "specified range."},
    {.name = "lindex",
     .proc = lindex_command,
     .arity = 3,
     .flags = CMD_READONLY,
     .acl_categories = "@read @list @slow",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "list",
     .since = "1.0.0",
     .summary = "Get an element from a list by its index",
     .complexity = "O(N) where N is the number of elements to traverse to "
                   "get to the element at index. This makes asking for the "
                   "first or the last element of the list O(1)."},
    {.name = "lset",
     .proc = lset_command,
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .acl_categories = "@write @list @slow",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "list",
     .since = "1.0.0",
     .summary = "Set the value of an element in a list by its index",
     .complexity = "O(N) where N is the length of the list. Setting either "
                   "the first or the last element of the list is O(1)."},
    {.name = "linsert",
     .proc = linsert_command,
     .arity = 5,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .acl_categories = "@write @list @slow",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "list",
     .since = "2.2.0",
     .summary = "Insert an element before or after another element in a "
                "list",
     .complexity = "O(N) where N is the number of elements to traverse "
                   "before seeing the value pivot. This means that "
                   "inserting somewhere on the left end on the list (head) "
                   "can be considered O(1) and inserting somewhere on the "
                   "right end (tail) is O(N)."},
    {.name = "lrem",
     .proc = lrem_command,
     .arity = 4,
     .flags = CMD_WRITE,
     .acl_categories = "@write @list @slow",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "list",
     .since = "1.0.0",
     .summary = "Remove elements from a list",
     .complexity = "O(N+M) where N is the length of the list and M is the "
                   "number of elements removed."},
    {.name = "ltrim",
     .proc = ltrim_command,
     .arity = 4,
     .flags = CMD_WRITE,
     .acl_categories = "@write @list @slow",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "list",
     .since = "1.0.0",
     .summary = "Trim a list to the specified range",
     .complexity = "O(N) where N is the number of elements to be removed by "
                   "the operation."},
    {.name = "lpos",
     .proc = lpos_command,
     .arity = -3,
     .flags = CMD_READONLY,
     .acl_categories = "@read @list @slow",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "list",
     .since = "6.0.6",
     .summary = "Return the index of matching elements on a list",
     .complexity = "O(N) where N is the number of elements in the list, for "
                   "the average case. When searching for elements near the "
                   "head or the tail of the list, or when the MAXLEN option "
                   "is provided, the command may run in constant time."},
    {.name = "lmove",
     .proc = lmove_command,
     .arity = 5,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .acl_categories = "@write @list @slow",
     .first_key = 1,
     .last_key = 2,
     .key_step = 1,
     .group = "list",
     .since = "6.2.0",
     .summary = "Pop an element from a list, push it to another list and "
                "return it",
     .complexity = "O(1)"},
    {.name = "rpoplpush",
     .proc = rpoplpush_command,
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .acl_categories = "@write @list @slow",
     .first_key = 1,
     .last_key = 2,
     .key_step = 1,
     .group = "list",
     .since = "1.2.0",
     .summary = "Remove the last element in a list, prepend it to another "
                "list and return it",
     .complexity = "O(1)"},
    {.name = "lmpop",
     .proc = lmpop_command,
     .arity = -4,
     .flags = CMD_WRITE,
     .acl_categories = "@write @list @slow",
     .first_key = 0,
     .last_key = 0,
     .key_step = 0,
     .group = "list",
     .since = "7.0.0",
     .summary = "Pop elements from a list",
     .complexity = LIST_MPOP_COMPLEXITY},
    {.name = "blpop",
     .proc = blpop_command,
     .arity = -3,
     .flags = CMD_WRITE | CMD_NOSCRIPT | CMD_BLOCKING,
     .acl_categories = "@write @list @slow @blocking",
     .first_key = 1,
     .last_key = -2,
     .key_step = 1,
     .group = "list",
     .since = "2.0.0",
     .summary = "Remove and get the first element in a list, or block until "
                "one is available",
     .complexity = "O(N) where N is the number of provided keys."},
    {.name = "brpop",
     .proc = brpop_command,
     .arity = -3,
     .flags = CMD_WRITE | CMD_NOSCRIPT | CMD_BLOCKING,
     .acl_categories = "@write @list @slow @blocking",
     .first_key = 1,
     .last_key = -2,
     .key_step = 1,
     .group = "list",
     .since = "2.0.0",
     .summary = "Remove and get the last element in a list, or block until "
                "one is available",
     .complexity = "O(N) where N is the number of provided keys."},
    {.name = "blmove",
     .proc = blmove_command,
     .arity = 6,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT | CMD_BLOCKING,
     .acl_categories = "@write @list @slow @blocking",
     .first_key = 1,
     .last_key = 2,
     .key_step = 1,
     .group = "list",
     .since = "6.2.0",
     .summary = "Pop an element from a list, push it to another list and "
                "return it; or block until one is available",
     .complexity = "O(1)"},
    {.name = "brpoplpush",
     .proc = brpoplpush_command,
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT | CMD_BLOCKING,
     .acl_categories = "@write @list @slow @blocking",
     .first_key = 1,
     .last_key = 2,
     .key_step = 1,
     .group = "list",
     .since = "2.2.0",
     .summary = "Pop an element from a list, push it to another list and "
                "return it; or block until one is available",
     .complexity = "O(1)"},
    {.name = "blmpop",
     .proc = blmpop_command,
     .arity = -5,
     .flags = CMD_WRITE | CMD_BLOCKING,
     .acl_categories = "@write @list @slow @blocking",
     .first_key = 0,
     .last_key = 0,
     .key_step = 0,
     .group = "list",
     .since = "7.0.0",
     .summary = "Pop elements from a list, or block until one is available",
     .complexity = LIST_MPOP_COMPLEXITY},
    {0}};
