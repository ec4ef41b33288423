/* t_string.c -- the string commands.
 *
 * Values are string objects (obj.h) whose encoding follows Redis: what a
 * client stores goes through obj_string(), which picks int, embstr or raw;
 * INCR and friends store int objects and update them in place; APPEND and
 * SETRANGE turn the value raw and grow it in place.
 *
 * SET and GETEX share an option parser that works on the arguments where
 * they lie, so the hot commands (GET, SET, INCR, MGET, MSET) allocate
 * nothing but the stored object.  Expire times given relative to now are
 * made absolute with server.cmd_time_ms, so a command sees one clock.
 *
 * Error precedence matters for compatibility and mirrors Redis: syntax
 * errors first, then the expire value, then the key's type (GETEX alone
 * looks at the key before the expire value). */
#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bstr.h"
#include "cmd.h" /* before t_string.h, which needs struct cmd */
#include "conn.h"
#include "db.h"
#include "notify.h"
#include "obj.h"
#include "prop.h"
#include "reply.h"
#include "server.h"
#include "t_string.h"
#include "util.h"

/* Options of SET and GETEX. */
#define STR_NX         (1 << 0)
#define STR_XX         (1 << 1)
#define STR_GET        (1 << 2)
#define STR_KEEPTTL    (1 << 3)
#define STR_PERSIST    (1 << 4)
#define STR_EX         (1 << 5)
#define STR_PX         (1 << 6)
#define STR_EXAT       (1 << 7)
#define STR_PXAT       (1 << 8)
#define STR_ANY_EXPIRE (STR_EX | STR_PX | STR_EXAT | STR_PXAT)

/* Which command an option is valid for. */
#define STR_FOR_SET   (1 << 0)
#define STR_FOR_GETEX (1 << 1)

/* Redis refuses floats written with this many characters or more. */
#define STR_MAX_LD_CHARS 5120

#define STR_ERR_OFFSET "ERR offset is out of range"
#define STR_ERR_TOO_BIG                                                        \
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
#define STR_ERR_FLOAT_RANGE   "ERR increment would produce NaN or Infinity"
#define STR_ERR_DECR_OVERFLOW "ERR decrement would overflow"

#define STR_GETRANGE_COMPLEXITY                                                \
    "O(N) where N is the length of the returned string. The complexity is "    \
    "ultimately determined by the returned length, but because creating a "    \
    "substring from an existing string is very cheap, it can be considered "   \
    "O(1) for small strings."

struct str_option {
    const char *name;
    int flag;
    int valid_for;
    int conflicts; /* options it cannot be combined with, in any order */
    int takes_value;
};

/* The options and the combinations Redis refuses with a syntax error.  NX
 * may repeat, as may EX after EX; only the pairs below clash. */
static const struct str_option str_options[] = {
    {"nx", STR_NX, STR_FOR_SET, STR_XX, 0},
    {"xx", STR_XX, STR_FOR_SET, STR_NX, 0},
    {"get", STR_GET, STR_FOR_SET, 0, 0},
    {"keepttl", STR_KEEPTTL, STR_FOR_SET, STR_PERSIST | STR_ANY_EXPIRE, 0},
    {"persist", STR_PERSIST, STR_FOR_GETEX, STR_KEEPTTL | STR_ANY_EXPIRE, 0},
    {"ex", STR_EX, STR_FOR_SET | STR_FOR_GETEX,
     STR_KEEPTTL | STR_PERSIST | (STR_ANY_EXPIRE & ~STR_EX), 1},
    {"px", STR_PX, STR_FOR_SET | STR_FOR_GETEX,
     STR_KEEPTTL | STR_PERSIST | (STR_ANY_EXPIRE & ~STR_PX), 1},
    {"exat", STR_EXAT, STR_FOR_SET | STR_FOR_GETEX,
     STR_KEEPTTL | STR_PERSIST | (STR_ANY_EXPIRE & ~STR_EXAT), 1},
    {"pxat", STR_PXAT, STR_FOR_SET | STR_FOR_GETEX,
     STR_KEEPTTL | STR_PERSIST | (STR_ANY_EXPIRE & ~STR_PXAT), 1},
    {NULL, 0, 0, 0, 0}};

/* How a SET-like command answers: SET's OK and nil, or SETNX's 1 and 0. */
enum str_set_replies { STR_REPLY_OK_NULL, STR_REPLY_ONE_ZERO };

/* One SET-like request, with its arguments still in the query buffer. */
struct str_set_req {
    int flags;
    const struct resp_arg *key;
    const struct resp_arg *val;
    const struct resp_arg *expire; /* NULL: no expire option */
    enum str_set_replies replies;
};

/* Report a string event about key (notify.h). */
static void str_notify(struct conn *c, int type, const char *event,
                       const struct resp_arg *key)
{
    notify_keyspace_event(type, event, key->ptr, key->len, c->db->id);
}

/* The option an argument names, or NULL. */
static const struct str_option *str_find_option(const struct resp_arg *a)
{
    for (const struct str_option *o = str_options; o->name != NULL; o++) {
        if (util_arg_is(a, o->name))
            return o;
    }
    return NULL;
}

/* Parse the options in c->argv[first..argc) for the command kind (one of
 * STR_FOR_*) into *flags and *expire (the value of the last EX/PX/EXAT/
 * PXAT, or NULL).  Replies a syntax error and returns -1 on an unknown
 * option, one invalid for the command, a clash or a missing value. */
static int str_parse_options(struct conn *c, int first, int kind, int *flags,
                             const struct resp_arg **expire)
{
    *flags = 0;
    *expire = NULL;
    for (int j = first; j < c->argc; j++) {
        const struct str_option *o = str_find_option(&c->argv[j]);
        if (o == NULL || !(o->valid_for & kind) || (*flags & o->conflicts) ||
            (o->takes_value && j + 1 == c->argc)) {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
        *flags |= o->flag;
        if (o->takes_value)
            *expire = &c->argv[++j];
    }
    return 0;
}

/* Reply "invalid expire time" as Redis words it for the running command. */
static void str_reply_bad_expire(struct conn *c)
{
    reply_errorf(c, "ERR invalid expire time in '%s' command", c->cmd->name);
}

/* Turn an expire argument into an absolute Unix time in ms: flags tell the
 * unit (EX and EXAT are seconds) and whether it counts from now (EX, PX).
 * Replies an error and returns -1 when it is not an integer, not positive,
 * or would overflow. */
static int str_expire_to_ms(struct conn *c, const struct resp_arg *arg,
                            int flags, long long *when_ms)
{
    long long v;
    int seconds = flags & (STR_EX | STR_EXAT);

    if (util_str2ll(arg->ptr, arg->len, &v) != 0) {
        reply_error(c, ERR_NOT_INT);
        return -1;
    }
    if (v <= 0 || (seconds && v > LLONG_MAX / 1000)) {
        str_reply_bad_expire(c);
        return -1;
    }
    if (seconds)
        v *= 1000;
    if (flags & (STR_EX | STR_PX)) {
        if (v > LLONG_MAX - server.cmd_time_ms) {
            str_reply_bad_expire(c);
            return -1;
        }
        v += server.cmd_time_ms;
    }
    *when_ms = v;
    return 0;
}

/* Reply with the string at key, or nil when missing.  Returns -1 (after
 * replying WRONGTYPE) when the key holds another type, 0 otherwise. */
static int str_reply_get(struct conn *c, const struct resp_arg *key)
{
    struct obj *o = db_lookup_read(c->db, key->ptr, key->len, 0);

    if (o == NULL) {
        reply_null(c);
        return 0;
    }
    if (o->type != OBJ_STRING) {
        reply_error(c, ERR_WRONGTYPE);
        return -1;
    }
    reply_bulk_obj(c, o);
    return 0;
}

/* The reply when NX or XX stopped a SET. */
static void str_reply_not_set(struct conn *c, enum str_set_replies replies)
{
    if (replies == STR_REPLY_ONE_ZERO)
        reply_int(c, 0);
    else
        reply_null(c);
}

/* Log SET as called minus its GET options, which only concerned the
 * reply (Redis 7.0 drops every argument after the value that is GET). */
static void str_set_propagate_without_get(struct conn *c)
{
    struct resp_arg stack[16] = {{0}}, *argv = stack;
    int argc = 0;

    if (c->argc > (int)(sizeof(stack) / sizeof(stack[0])))
        argv = xmalloc((size_t)c->argc * sizeof(*argv));
    for (int j = 0; j < c->argc; j++)
        if (j < 3 || !util_arg_is(&c->argv[j], "get"))
            argv[argc++] = c->argv[j];
    prop_rewrite(c, argc, argv);
    if (argv != stack)
        xfree(argv);
}

/* Log a SET-like command as Redis 7.0 does: with an expire time as
 * SET key value PXAT <deadline ms> (relative times made absolute; NX, XX
 * and GET dropped, since the write happened); without one, as called
 * minus GET. */
static void str_set_propagate(struct conn *c, const struct str_set_req *r,
                              long long when_ms)
{
    char ms[24];

    if (r->expire) {
        int n = util_ll2str(ms, sizeof(ms), when_ms);
        struct resp_arg when = {ms, (size_t)n};
        struct resp_arg set[5] = {PROP_LIT("SET"), *r->key, *r->val,
                                  PROP_LIT("PXAT"), when};
        prop_rewrite(c, 5, set);
    } else if (r->flags & STR_GET) {
        str_set_propagate_without_get(c);
    }
}

/* What SET, SETNX, SETEX and PSETEX share: validate the expire time, answer
 * the old value for GET, honour NX/XX, store the value (dropping the TTL
 * unless KEEPTTL) and set the new TTL.  An absolute time in the past is set
 * as it is, so the key expires on its next access, as in Redis 7.0. */
static void str_set_generic(struct conn *c, const struct str_set_req *r)
{
    const struct resp_arg *key = r->key;
    long long when_ms = 0;

    if (r->expire && str_expire_to_ms(c, r->expire, r->flags, &when_ms) != 0)
        return;
    if ((r->flags & STR_GET) && str_reply_get(c, key) != 0)
        return;

    int found = db_lookup_write(c->db, key->ptr, key->len) != NULL;
    if (((r->flags & STR_NX) && found) || ((r->flags & STR_XX) && !found)) {
        if (!(r->flags & STR_GET))
            str_reply_not_set(c, r->replies);
        return;
    }

    struct obj *val = obj_string(r->val->ptr, r->val->len);
    db_set(c->db, key->ptr, key->len, val, r->flags & STR_KEEPTTL);
    if (r->expire)
        db_set_expire(c->db, key->ptr, key->len, when_ms);
    db_signal_modified(c->db, key->ptr, key->len);
    str_notify(c, NOTIFY_STRING, "set", key);
    if (r->expire)
        str_notify(c, NOTIFY_GENERIC, "expire", key);
    if (prop_enabled())
        str_set_propagate(c, r, when_ms);

    if (r->flags & STR_GET)
        return;
    if (r->replies == STR_REPLY_ONE_ZERO)
        reply_int(c, 1);
    else
        reply_ok(c);
}

/* GET key */
static void get_command(struct conn *c)
{
    str_reply_get(c, &c->argv[1]);
}

/* SET key value [NX | XX] [GET] [EX seconds | PX milliseconds |
 *     EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL] */
static void set_command(struct conn *c)
{
    struct str_set_req r = {
        .key = &c->argv[1], .val = &c->argv[2], .replies = STR_REPLY_OK_NULL};

    if (str_parse_options(c, 3, STR_FOR_SET, &r.flags, &r.expire) != 0)
        return;
    str_set_generic(c, &r);
}

/* SETNX key value */
static void setnx_command(struct conn *c)
{
    struct str_set_req r = {.flags = STR_NX,
                            .key = &c->argv[1],
                            .val = &c->argv[2],
                            .replies = STR_REPLY_ONE_ZERO};

    str_set_generic(c, &r);
}

/* SETEX key seconds value */
static void setex_command(struct conn *c)
{
    struct str_set_req r = {.flags = STR_EX,
                            .key = &c->argv[1],
                            .val = &c->argv[3],
                            .expire = &c->argv[2],
                            .replies = STR_REPLY_OK_NULL};

    str_set_generic(c, &r);
}

/* PSETEX key milliseconds value */
static void psetex_command(struct conn *c)
{
    struct str_set_req r = {.flags = STR_PX,
                            .key = &c->argv[1],
                            .val = &c->argv[3],
                            .expire = &c->argv[2],
                            .replies = STR_REPLY_OK_NULL};

    str_set_generic(c, &r);
}

/* GETSET key value */
static void getset_command(struct conn *c)
{
    const struct resp_arg *key = &c->argv[1];

    if (str_reply_get(c, key) != 0)
        return;
    struct obj *val = obj_string(c->argv[2].ptr, c->argv[2].len);
    db_set(c->db, key->ptr, key->len, val, 0);
    db_signal_modified(c->db, key->ptr, key->len);
    str_notify(c, NOTIFY_STRING, "set", key);
    /* Logged as the SET it amounts to, as Redis 7.0 does. */
    if (prop_enabled())
        prop_rewrite_arg(c, 0, "SET", 3);
}

/* GETDEL key */
static void getdel_command(struct conn *c)
{
    const struct resp_arg *key = &c->argv[1];

    if (str_reply_get(c, key) != 0)
        return;
    if (db_delete(c->db, key->ptr, key->len)) {
        db_signal_modified(c->db, key->ptr, key->len);
        str_notify(c, NOTIFY_GENERIC, "del", key);
        if (prop_enabled()) {
            struct resp_arg argv[2] = {PROP_LIT("DEL"), *key};
            prop_rewrite(c, 2, argv);
        }
    }
}

/* Log GETEX's change as the command it amounts to (Redis 7.0 never logs
 * GETEX itself): DEL key, PEXPIREAT key <deadline ms> or PERSIST key. */
static void str_getex_propagate(struct conn *c, const char *event,
                                long long when_ms)
{
    struct resp_arg argv[3] = {PROP_LIT("DEL"), c->argv[1]};
    char ms[24];
    int argc = 2;

    if (strcmp(event, "expire") == 0) {
        int n = util_ll2str(ms, sizeof(ms), when_ms);
        argv[0] = PROP_LIT("PEXPIREAT");
        argv[2] = (struct resp_arg){ms, (size_t)n};
        argc = 3;
    } else if (strcmp(event, "persist") == 0) {
        argv[0] = PROP_LIT("PERSIST");
    }
    prop_rewrite(c, argc, argv);
}

/* Apply GETEX's TTL change to an existing key: a deadline already past
 * deletes the key (only EXAT and PXAT can give one), PERSIST drops the
 * TTL.  Signals the key only when something changed. */
static void str_getex_apply(struct conn *c, int flags, long long when_ms)
{
    const struct resp_arg *key = &c->argv[1];
    const char *event = NULL;

    if ((flags & (STR_EXAT | STR_PXAT)) && when_ms <= server.cmd_time_ms) {
        db_delete(c->db, key->ptr, key->len);
        event = "del";
    } else if (flags & STR_ANY_EXPIRE) {
        db_set_expire(c->db, key->ptr, key->len, when_ms);
        event = "expire";
    } else if (flags & STR_PERSIST) {
        if (db_remove_expire(c->db, key->ptr, key->len))
            event = "persist";
    }
    if (event) {
        db_signal_modified(c->db, key->ptr, key->len);
        str_notify(c, NOTIFY_GENERIC, event, key);
        if (prop_enabled())
            str_getex_propagate(c, event, when_ms);
    }
}

/* GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds |
 *     PXAT unix-time-milliseconds | PERSIST]
 * A missing key answers nil before the expire value is even looked at. */
static void getex_command(struct conn *c)
{
    const struct resp_arg *key = &c->argv[1], *expire;
    long long when_ms = 0;
    int flags;

    if (str_parse_options(c, 2, STR_FOR_GETEX, &flags, &expire) != 0)
        return;
    struct obj *o = db_lookup_read(c->db, key->ptr, key->len, 0);
    if (o == NULL) {
        reply_null(c);
        return;
    }
    if (o->type != OBJ_STRING) {
        reply_error(c, ERR_WRONGTYPE);
        return;
    }
    if (expire && str_expire_to_ms(c, expire, flags, &when_ms) != 0)
        return;
    reply_bulk_obj(c, o);
    str_getex_apply(c, flags, when_ms);
}

/* MGET key [key ...]
 * Keys that are missing or hold another type answer nil. */
static void mget_command(struct conn *c)
{
    reply_array(c, c->argc - 1);
    for (int j = 1; j < c->argc; j++) {
        struct obj *o =
            db_lookup_read(c->db, c->argv[j].ptr, c->argv[j].len, 0);
        if (o == NULL || o->type != OBJ_STRING)
            reply_null(c);
        else
            reply_bulk_obj(c, o);
    }
}

/* Store every key/value pair of MSET and MSETNX (later pairs win). */
static void str_set_pairs(struct conn *c)
{
    for (int j = 1; j < c->argc; j += 2) {
        const struct resp_arg *key = &c->argv[j], *val = &c->argv[j + 1];
        db_set(c->db, key->ptr, key->len, obj_string(val->ptr, val->len), 0);
        db_signal_modified(c->db, key->ptr, key->len);
        str_notify(c, NOTIFY_STRING, "set", key);
    }
}

/* MSET key value [key value ...] */
static void mset_command(struct conn *c)
{
    if (c->argc % 2 == 0) {
        reply_arity_error(c);
        return;
    }
    str_set_pairs(c);
    reply_ok(c);
}

/* MSETNX key value [key value ...]
 * Sets nothing and answers 0 when any of the keys exists. */
static void msetnx_command(struct conn *c)
{
    if (c->argc % 2 == 0) {
        reply_arity_error(c);
        return;
    }
    for (int j = 1; j < c->argc; j += 2) {
        if (db_lookup_write(c->db, c->argv[j].ptr, c->argv[j].len) != NULL) {
            reply_int(c, 0);
            return;
        }
    }
    str_set_pairs(c);
    reply_int(c, 1);
}

/* Refuse (replying the error) a string that would grow past
 * proto-max-bulk-len, or past what a bstr can hold.  Returns 0 when the
 * size is allowed. */
static int str_check_size(struct conn *c, unsigned long long size)
{
    if (size > (unsigned long long)server.proto_max_bulk_len ||
        size > BSTR_MAX_LEN) {
        reply_error(c, STR_ERR_TOO_BIG);
        return -1;
    }
    return 0;
}

/* The string at key for a write, or NULL when missing.  Replies WRONGTYPE
 * and sets *err when the key holds another type. */
static struct obj *str_lookup_write(struct conn *c, int *err)
{
    struct obj *o = db_lookup_write(c->db, c->argv[1].ptr, c->argv[1].len);

    *err = 0;
    if (o != NULL && o->type != OBJ_STRING) {
        reply_error(c, ERR_WRONGTYPE);
        *err = 1;
    }
    return o;
}

/* APPEND key value
 * A new key gets the value with its natural encoding; an existing one
 * becomes raw, even when appending nothing, as in Redis. */
static void append_command(struct conn *c)
{
    const struct resp_arg *key = &c->argv[1], *val = &c->argv[2];
    size_t total;
    int err;

    struct obj *o = str_lookup_write(c, &err);
    if (err)
        return;
    if (o == NULL) {
        db_add(c->db, key->ptr, key->len, obj_string(val->ptr, val->len));
        total = val->len;
    } else {
        if (str_check_size(c, (unsigned long long)obj_strlen(o) + val->len))
            return;
        bstr s = bstr_cat(obj_raw_bstr(o), val->ptr, val->len);
        obj_raw_set(o, s);
        total = bstr_len(s);
    }
    db_signal_modified(c->db, key->ptr, key->len);
    str_notify(c, NOTIFY_STRING, "append", key);
    reply_int(c, (long long)total);
}

/* STRLEN key */
static void strlen_command(struct conn *c)
{
    struct obj *o = db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len, 0);

    if (o == NULL)
        reply_int(c, 0);
    else if (o->type != OBJ_STRING)
        reply_error(c, ERR_WRONGTYPE);
    else
        reply_int(c, (long long)obj_strlen(o));
}

/* Add incr to the integer at c->argv[1] (0 when missing), keeping its TTL,
 * and reply the result.  An int-encoded value is updated in place. */
static void str_incr_by(struct conn *c, long long incr)
{
    const struct resp_arg *key = &c->argv[1];
    long long value = 0;
    int err;

    struct obj *o = str_lookup_write(c, &err);
    if (err)
        return;
    if (o != NULL && obj_get_ll(o, &value) != 0) {
        reply_error(c, ERR_NOT_INT);
        return;
    }
    if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) ||
        (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
        reply_error(c, ERR_OVERFLOW);
        return;
    }
    value += incr;

    if (o != NULL && o->encoding == OBJ_ENC_INT)
        o->v.ival = value;
    else if (o != NULL)
        db_overwrite(c->db, key->ptr, key->len, obj_string_ll(value));
    else
        db_add(c->db, key->ptr, key->len, obj_string_ll(value));
    db_signal_modified(c->db, key->ptr, key->len);
    str_notify(c, NOTIFY_STRING, "incrby", key);
    reply_int(c, value);
}

/* Parse the increment argument c->argv[2], replying the error on failure. */
static int str_parse_incr(struct conn *c, long long *incr)
{
    if (util_str2ll(c->argv[2].ptr, c->argv[2].len, incr) != 0) {
        reply_error(c, ERR_NOT_INT);
        return -1;
    }
    return 0;
}

/* INCR key */
static void incr_command(struct conn *c)
{
    str_incr_by(c, 1);
}

/* DECR key */
static void decr_command(struct conn *c)
{
    str_incr_by(c, -1);
}

/* INCRBY key increment */
static void incrby_command(struct conn *c)
{
    long long incr;

    if (str_parse_incr(c, &incr) == 0)
        str_incr_by(c, incr);
}

/* DECRBY key decrement
 * The most negative decrement has no positive counterpart. */
static void decrby_command(struct conn *c)
{
    long long decr;

    if (str_parse_incr(c, &decr) != 0)
        return;
    if (decr == LLONG_MIN) {
        reply_error(c, STR_ERR_DECR_OVERFLOW);
        return;
    }
    str_incr_by(c, -decr);
}

/* A float from p[0..n) as Redis reads one: what strtold takes, no leading
 * space, no NaN, fewer than STR_MAX_LD_CHARS characters, and no NUL byte
 * (strtold would stop there and take "1\0junk" for 1). */
static int str_parse_ld(const char *p, size_t n, long double *out)
{
    if (n >= STR_MAX_LD_CHARS || memchr(p, '\0', n) != NULL)
        return -1;
    return util_str2ld(p, n, out);
}

/* The float value of a string object. */
static int str_obj_ld(const struct obj *o, long double *out)
{
    char buf[24];
    size_t n;

    if (o->encoding == OBJ_ENC_INT) {
        *out = (long double)o->v.ival;
        return 0;
    }
    const char *p = obj_str(o, buf, &n);
    return str_parse_ld(p, n, out);
}

/* INCRBYFLOAT key increment
 * The result is stored as its text, never int encoded (Redis keeps "3"
 * from INCRBYFLOAT as an embstr). */
static void incrbyfloat_command(struct conn *c)
{
    const struct resp_arg *key = &c->argv[1];
    long double value = 0, incr;
    char buf[UTIL_LD_STR_LEN];
    int err;

    struct obj *o = str_lookup_write(c, &err);
    if (err)
        return;
    if ((o != NULL && str_obj_ld(o, &value) != 0) ||
        str_parse_ld(c->argv[2].ptr, c->argv[2].len, &incr) != 0) {
        reply_error(c, ERR_NOT_FLOAT);
        return;
    }
    value += incr;
    if (isnan(value) || isinf(value)) {
        reply_error(c, STR_ERR_FLOAT_RANGE);
        return;
    }

    /* A finite long double prints in well under UTIL_LD_STR_LEN bytes. */
    int n = util_ld2str(buf, sizeof(buf), value);
    assert(n > 0);
    struct obj *val = obj_string_text(buf, (size_t)n);
    if (o != NULL)
        db_overwrite(c->db, key->ptr, key->len, val);
    else
        db_add(c->db, key->ptr, key->len, val);
    db_signal_modified(c->db, key->ptr, key->len);
    str_notify(c, NOTIFY_STRING, "incrbyfloat", key);
    /* Logged as the SET of the result, as Redis 7.0 does: float precision
     * and formatting could differ where the AOF is replayed. */
    if (prop_enabled()) {
        struct resp_arg result = {buf, (size_t)n};
        struct resp_arg argv[4] = {PROP_LIT("SET"), *key, result,
                                   PROP_LIT("KEEPTTL")};
        prop_rewrite(c, 4, argv);
    }
    reply_bulk(c, buf, (size_t)n);
}

/* Reply the bytes of s[0..len) between start and end (inclusive, negative
 * counting from the end), clamped as Redis 7 does: both negative with
 * start after end gives an empty string before any clamping. */
static void str_reply_range(struct conn *c, const char *s, long long len,
                            long long start, long long end)
{
    if (start < 0 && end < 0 && start > end) {
        reply_bulk(c, "", 0);
        return;
    }
    if (start < 0)
        start += len;
    if (end < 0)
        end += len;
    if (start < 0)
        start = 0;
    if (end < 0)
        end = 0;
    if (end >= len)
        end = len - 1;
    if (len == 0 || start > end)
        reply_bulk(c, "", 0);
    else
        reply_bulk(c, s + start, (size_t)(end - start + 1));
}

/* GETRANGE key start end
 * SUBSTR key start end (its old name)
 * A missing key answers an empty string, not nil. */
static void getrange_command(struct conn *c)
{
    long long start, end;
    char buf[24];
    size_t len;

    if (util_str2ll(c->argv[2].ptr, c->argv[2].len, &start) != 0 ||
        util_str2ll(c->argv[3].ptr, c->argv[3].len, &end) != 0) {
        reply_error(c, ERR_NOT_INT);
        return;
    }
    struct obj *o = db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len, 0);
    if (o == NULL) {
        reply_bulk(c, "", 0);
        return;
    }
    if (o->type != OBJ_STRING) {
        reply_error(c, ERR_WRONGTYPE);
        return;
    }
    const char *s = obj_str(o, buf, &len);
    str_reply_range(c, s, (long long)len, start, end);
}

/* A new raw string of size zero bytes, for SETRANGE past the end of a
 * missing key.  Allocated exactly: such strings are often large. */
static bstr str_zeros(size_t size)
{
    bstr s = bstr_empty(size);

    memset(s, 0, size);
    bstr_set_len(s, size);
    return s;
}

/* Write val at offset of the raw string of o, padding with zero bytes;
 * returns the new length. */
static size_t str_write_at(struct obj *o, size_t offset,
                           const struct resp_arg *val)
{
    bstr s = obj_raw_bstr(o);
    size_t old_len = bstr_len(s), end = offset + val->len;

    if (end > old_len) {
        s = bstr_reserve(s, end);
        memset(s + old_len, 0, end - old_len);
        bstr_set_len(s, end);
        obj_raw_set(o, s);
    }
    memcpy(s + offset, val->ptr, val->len);
    return bstr_len(s);
}

/* SETRANGE key offset value
 * Writing nothing never creates the key nor changes the encoding; it just
 * answers the current length. */
static void setrange_command(struct conn *c)
{
    const struct resp_arg *key = &c->argv[1], *val = &c->argv[3];
    long long offset;
    int err;

    if (util_str2ll(c->argv[2].ptr, c->argv[2].len, &offset) != 0) {
        reply_error(c, ERR_NOT_INT);
        return;
    }
    if (offset < 0) {
        reply_error(c, STR_ERR_OFFSET);
        return;
    }
    struct obj *o = str_lookup_write(c, &err);
    if (err)
        return;
    if (val->len == 0) {
        reply_int(c, o ? (long long)obj_strlen(o) : 0);
        return;
    }
    if (str_check_size(c, (unsigned long long)offset + val->len) != 0)
        return;
    if (o == NULL) {
        o = obj_string_raw(str_zeros((size_t)offset + val->len));
        db_add(c->db, key->ptr, key->len, o);
    }
    size_t len = str_write_at(o, (size_t)offset, val);
    db_signal_modified(c->db, key->ptr, key->len);
    str_notify(c, NOTIFY_STRING, "setrange", key);
    reply_int(c, (long long)len);
}

/* LCS options. */
struct str_lcs_opts {
    int want_len, want_idx, with_match_len;
    long long min_match_len;
};

/* The dynamic programming table of LCS: cell (i, j) holds the length of
 * the longest common subsequence of a[0..i) and b[0..j). */
struct str_lcs {
    const char *a, *b;
    uint32_t alen, blen;
    uint32_t *table; /* (alen + 1) rows of (blen + 1) cells */
};

static uint32_t *str_lcs_cell(const struct str_lcs *l, uint32_t i, uint32_t j)
{
    return &l->table[(size_t)i * (l->blen + 1) + j];
}

/* Parse LCS's options from c->argv[3..].  Replies the error and returns -1
 * on an unknown option, a bad MINMATCHLEN, or LEN together with IDX. */
static int str_lcs_parse(struct conn *c, struct str_lcs_opts *o)
{
    memset(o, 0, sizeof(*o));
    for (int j = 3; j < c->argc; j++) {
        const struct resp_arg *a = &c->argv[j];
        if (util_arg_is(a, "idx")) {
            o->want_idx = 1;
        } else if (util_arg_is(a, "len")) {
            o->want_len = 1;
        } else if (util_arg_is(a, "withmatchlen")) {
            o->with_match_len = 1;
        } else if (util_arg_is(a, "minmatchlen") && j + 1 < c->argc) {
            j++;
            if (util_str2ll(c->argv[j].ptr, c->argv[j].len,
                            &o->min_match_len) != 0) {
                reply_error(c, ERR_NOT_INT);
                return -1;
            }
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    if (o->want_idx && o->want_len) {
        reply_error(c, "ERR If you want both the length and indexes, please "
                       "just use IDX.");
        return -1;
    }
    return 0;
}

/* Allocate and fill the table.  The table is transient and may be large,
 * so, as Redis does, its size is bounded by proto-max-bulk-len and a failed
 * allocation is an error reply rather than the abort of xmalloc.  Returns
 * -1 after replying the error. */
static int str_lcs_build(struct conn *c, struct str_lcs *l)
{
    unsigned long long cells =
        (unsigned long long)(l->alen + 1) * (l->blen + 1);

    /* Divide rather than multiply: cells * 4 can wrap for two strings of
     * 2 GiB each. */
    if (cells >
        (unsigned long long)server.proto_max_bulk_len / sizeof(uint32_t)) {
        reply_error(c, "ERR Insufficient memory, transient memory for LCS "
                       "exceeds proto-max-bulk-len");
        return -1;
    }
    l->table = malloc((size_t)cells * sizeof(uint32_t));
    if (l->table == NULL) {
        reply_error(c, "ERR Insufficient memory, failed allocating "
                       "transient memory for LCS");
        return -1;
    }
    for (uint32_t i = 0; i <= l->alen; i++) {
        for (uint32_t j = 0; j <= l->blen; j++) {
            uint32_t v = 0;
            if (i > 0 && j > 0 && l->a[i - 1] == l->b[j - 1])
                v = *str_lcs_cell(l, i - 1, j - 1) + 1;
            else if (i > 0 && j > 0)
                v = *str_lcs_cell(l, i - 1, j) > *str_lcs_cell(l, i, j - 1)
                        ? *str_lcs_cell(l, i - 1, j)
                        : *str_lcs_cell(l, i, j - 1);
            *str_lcs_cell(l, i, j) = v;
        }
    }
    return 0;
}

/* One run of matching bytes found walking the table back. */
struct str_lcs_range {
    uint32_t a_start, a_end, b_start, b_end;
};

/* Reply one IDX match: [[a_start, a_end], [b_start, b_end], (len)]. */
static void str_lcs_reply_range(struct conn *c, const struct str_lcs_range *r,
                                int with_len)
{
    reply_array(c, 2 + with_len);
    reply_array(c, 2);
    reply_int(c, r->a_start);
    reply_int(c, r->a_end);
    reply_array(c, 2);
    reply_int(c, r->b_start);
    reply_int(c, r->b_end);
    if (with_len)
        reply_int(c, r->a_end - r->a_start + 1);
}

/* Reply a finished run of matches when IDX asked for runs that long;
 * returns how many runs were replied (0 or 1). */
static int str_lcs_end_run(struct conn *c, const struct str_lcs_opts *o,
                           const struct str_lcs_range *r)
{
    if (!o->want_idx || r->a_end - r->a_start + 1 < o->min_match_len)
        return 0;
    str_lcs_reply_range(c, r, o->with_match_len);
    return 1;
}

/* Walk the table from its end back to a border, writing the common
 * subsequence into out (when not NULL, sized for it) and, when o asks for
 * IDX, replying each run of contiguous matches long enough, last run first
 * (Redis's order).  Returns the number of runs replied. */
static long long str_lcs_walk(struct conn *c, const struct str_lcs *l,
                              const struct str_lcs_opts *o, char *out)
{
    uint32_t i = l->alen, j = l->blen, k = *str_lcs_cell(l, i, j);
    struct str_lcs_range r = {0};
    int in_run = 0;
    long long runs = 0;

    while (i > 0 && j > 0) {
        if (l->a[i - 1] != l->b[j - 1]) {
            if (*str_lcs_cell(l, i - 1, j) > *str_lcs_cell(l, i, j - 1))
                i--;
            else
                j--;
            if (in_run)
                runs += str_lcs_end_run(c, o, &r);
            in_run = 0;
            continue;
        }
        /* Walking back, a run only ever grows at its start. */
        i--;
        j--;
        if (out != NULL)
            out[--k] = l->a[i];
        if (!in_run)
            r = (struct str_lcs_range){i, i, j, j};
        r.a_start = i;
        r.b_start = j;
        in_run = 1;
        if (i == 0 || j == 0)
            runs += str_lcs_end_run(c, o, &r);
    }
    return runs;
}

/* Reply what the options asked for from a built table. */
static void str_lcs_reply(struct conn *c, const struct str_lcs *l,
                          const struct str_lcs_opts *o)
{
    uint32_t len = *str_lcs_cell(l, l->alen, l->blen);

    if (o->want_len) {
        reply_int(c, len);
    } else if (o->want_idx) {
        reply_map(c, 2);
        reply_bulk_cstr(c, "matches");
        size_t handle = reply_defer_len(c);
        long long runs = str_lcs_walk(c, l, o, NULL);
        reply_set_deferred_len(c, handle, '*', runs);
        reply_bulk_cstr(c, "len");
        reply_int(c, len);
    } else {
        char *out = xmalloc(len + 1);
        str_lcs_walk(c, l, o, out);
        reply_bulk(c, out, len);
        xfree(out);
    }
}

/* The string value at key, or "" when missing; -1 when another type.
 * buf (24 bytes) holds the digits of an int-encoded value. */
static int str_lcs_value(struct conn *c, const struct resp_arg *key, char *buf,
                         const char **p, size_t *n)
{
    struct obj *o = db_lookup_read(c->db, key->ptr, key->len, 0);

    *p = "";
    *n = 0;
    if (o == NULL)
        return 0;
    if (o->type != OBJ_STRING)
        return -1;
    *p = obj_str(o, buf, n);
    return 0;
}

/* LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN] */
static void lcs_command(struct conn *c)
{
    char abuf[24], bbuf[24];
    size_t alen, blen;
    struct str_lcs_opts o;
    struct str_lcs l = {0};

    int aerr = str_lcs_value(c, &c->argv[1], abuf, &l.a, &alen);
    int berr = str_lcs_value(c, &c->argv[2], bbuf, &l.b, &blen);
    if (aerr || berr) {
        reply_error(c, "ERR The specified keys must contain string values");
        return;
    }
    if (str_lcs_parse(c, &o) != 0)
        return;
    if (alen >= UINT32_MAX - 1 || blen >= UINT32_MAX - 1) {
        reply_error(c, "ERR String too long for LCS");
        return;
    }
    l.alen = (uint32_t)alen;
    l.blen = (uint32_t)blen;
    if (str_lcs_build(c, &l) != 0)
        return;
    str_lcs_reply(c, &l, &o);
    free(l.table);
}

struct cmd string_commands[] = {
    {.name = "get",
     .proc = get_command,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .acl_categories = "@read @string @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "string",
     .since = "1.0.0",
     .summary = "Get the value of a key",
     .complexity = "O(1)"},
    {.name = "set",
     .proc = set_command,
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .acl_categories = "@write @string @slow",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "string",
     .since = "1.0.0",
     .summary = "Set the string value of a key",
     .complexity = "O(1)"},
    {.name = "setnx",
     .proc = setnx_command,
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl_categories = "@write @string @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "string",
     .since = "1.0.0",
     .summary = "Set the value of a key, only if the key does not exist",
     .complexity = "O(1)"},
    {.name = "setex",
     .proc = setex_command,
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .acl_categories = "@write @string @slow",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "string",
     .since = "2.0.0",
     .summary = "Set the value and expiration of a key",
     .complexity = "O(1)"},
    {.name = "psetex",
     .proc = psetex_command,
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .acl_categories = "@write @string @slow",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "string",
     .since = "2.6.0",
     .summary = "Set the value and expiration in milliseconds of a key",
     .complexity = "O(1)"},
    {.name = "mget",
     .proc = mget_command,
     .arity = -2,
     .flags = CMD_READONLY | CMD_FAST,
     .acl_categories = "@read @string @fast",
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .group = "string",
     .since = "1.0.0",
     .summary = "Get the values of all the given keys",
     .complexity = "O(N) where N is the number of keys to retrieve."},
    {.name = "mset",
     .proc = mset_command,
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .acl_categories = "@write @string @slow",
     .first_key = 1,
     .last_key = -1,
     .key_step = 2,
     .group = "string",
     .since = "1.0.1",
     .summary = "Set multiple keys to multiple values",
     .complexity = "O(N) where N is the number of keys to set."},
    {.name = "msetnx",
     .proc = msetnx_command,
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .acl_categories = "@write @string @slow",
     .first_key = 1,
     .last_key = -1,
     .key_step = 2,
     .group = "string",
     .since = "1.0.1",
     .summary = "Set multiple keys to multiple values, only if none of the "
                "keys exist",
     .complexity = "O(N) where N is the number of keys to set."},
    {.name = "getset",
     .proc = getset_command,
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl_categories = "@write @string @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "string",
     .since = "1.0.0",
     .summary = "Set the string value of a key and return its old value",
     .complexity = "O(1)"},
    {.name = "getdel",
     .proc = getdel_command,
     .arity = 2,
     .flags = CMD_WRITE | CMD_FAST,
     .acl_categories = "@write @string @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "string",
     .since = "6.2.0",
     .summary = "Get the value of a key and delete the key",
     .complexity = "O(1)"},
    {.name = "getex",
     .proc = getex_command,
     .arity = -2,
     .flags = CMD_WRITE | CMD_FAST,
     .acl_categories = "@write @string @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "string",
     .since = "6.2.0",
     .summary = "Get the value of a key and optionally set its expiration",
     .complexity = "O(1)"},
    {.name = "append",
     .proc = append_command,
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl_categories = "@write @string @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "string",
     .since = "2.0.0",
     .summary = "Append a value to a key",
     .complexity = "O(1). The amortized time complexity is O(1) assuming "
                   "the appended value is small and the already present "
                   "value is of any size, since the dynamic string library "
                   "used by Redis will double the free space available on "
                   "every reallocation."},
    {.name = "strlen",
     .proc = strlen_command,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .acl_categories = "@read @string @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "string",
     .since = "2.2.0",
     .summary = "Get the length of the value stored in a key",
     .complexity = "O(1)"},
    {.name = "incr",
     .proc = incr_command,
     .arity = 2,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl_categories = "@write @string @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "string",
     .since = "1.0.0",
     .summary = "Increment the integer value of a key by one",
     .complexity = "O(1)"},
    {.name = "decr",
     .proc = decr_command,
     .arity = 2,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl_categories = "@write @string @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "string",
     .since = "1.0.0",
     .summary = "Decrement the integer value of a key by one",
     .complexity = "O(1)"},
    {.name = "incrby",
     .proc = incrby_command,
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl_categories = "@write @string @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "string",
     .since = "1.0.0",
     .summary = "Increment the integer value of a key by the given amount",
     .complexity = "O(1)"},
    {.name = "decrby",
     .proc = decrby_command,
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl_categories = "@write @string @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "string",
     .since = "1.0.0",
     .summary = "Decrement the integer value of a key by the given number",
     .complexity = "O(1)"},
    {.name = "incrbyfloat",
     .proc = incrbyfloat_command,
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl_categories = "@write @string @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "string",
     .since = "2.6.0",
     .summary = "Increment the float value of a key by the given amount",
     .complexity = "O(1)"},
    {.name = "getrange",
     .proc = getrange_command,
     .arity = 4,
     .flags = CMD_READONLY,
     .acl_categories = "@read @string @slow",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "string",
     .since = "2.4.0",
     .summary = "Get a substring of the string stored at a key",
     .complexity = STR_GETRANGE_COMPLEXITY},
    {.name = "substr",
     .proc = getrange_command,
     .arity = 4,
     .flags = CMD_READONLY,
     .acl_categories = "@read @string @slow",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "string",
     .since = "1.0.0",
     .summary = "Get a substring of the string stored at a key",
     .complexity = STR_GETRANGE_COMPLEXITY},
    {.name = "setrange",
     .proc = setrange_command,
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .acl_categories = "@write @string @slow",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "string",
     .since = "2.2.0",
     .summary = "Overwrite part of a string at key starting at the "
                "specified offset",
     .complexity = "O(1), not counting the time taken to copy the new "
                   "string in place. Usually, this string is very small so "
                   "the amortized complexity is O(1). Otherwise, complexity "
                   "is O(M) with M being the length of the value argument."},
    {.name = "lcs",
     .proc = lcs_command,
     .arity = -3,
     .flags = CMD_READONLY,
     .acl_categories = "@read @string @slow",
     .first_key = 1,
     .last_key = 2,
     .key_step = 1,
     .group = "string",
     .since = "7.0.0",
     .summary = "Find longest common substring",
     .complexity = "O(N*M) where N and M are the lengths of s1 and s2, "
                   "respectively"},
    {0}};
