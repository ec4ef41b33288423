/* conn_cmds.c -- commands about the connection itself: PING ECHO QUIT RESET
 * SELECT AUTH HELLO and the CLIENT family.
 *
 * Authentication follows Redis 7's model with a single user, "default":
 * when requirepass is unset the default user has "nopass" and any password
 * is accepted for it; when set, only that password is.  Other usernames
 * never exist, so AUTH and HELLO AUTH with them always fail WRONGPASS.
 *
 * CLIENT SETINFO and CLIENT NO-TOUCH are Redis 7.2 additions that 7.0.15
 * lacks; they are here because node-redis and ioredis send SETINFO on every
 * connect, and they behave as 7.2 does.  CLIENT PAUSE, UNPAUSE, REPLY and
 * TRACKING are not implemented (they answer the unknown subcommand
 * error): each needs support in the dispatcher or the reply path that
 * respd does not have yet. */
#include <stdint.h>
#include <string.h>

#include "blocked.h"
#include "bstr.h"
#include "cmd.h" /* before conn_cmds.h, which needs struct cmd */
#include "conn.h"
#include "conn_cmds.h"
#include "db.h"
#include "ev.h"
#include "pubsub.h"
#include "reply.h"
#include "server.h"
#include "util.h"

/* Client types, as CLIENT LIST TYPE and CLIENT KILL TYPE name them. */
enum client_type {
    CLIENT_TYPE_NORMAL,
    CLIENT_TYPE_REPLICA,
    CLIENT_TYPE_PUBSUB,
    CLIENT_TYPE_MASTER
};

#define DEFAULT_USER "default"
#define ERR_INVALID_NAME                                                       \
    "ERR Client names cannot contain spaces, newlines or special "             \
    "characters."

/* --- PING ECHO QUIT RESET SELECT ---------------------------------------- */

/* PING [message]
 * A subscribed RESP2 client gets ["pong", message or ""]: on its
 * connection a lone +PONG could not be told apart from pushed data. */
static void ping_command(struct conn *c)
{
    if (c->argc > 2) {
        reply_arity_error(c);
        return;
    }
    if (c->pubsub_subs > 0 && c->proto == 2) {
        reply_array(c, 2);
        reply_bulk_cstr(c, "pong");
        if (c->argc == 2)
            reply_bulk(c, c->argv[1].ptr, c->argv[1].len);
        else
            reply_bulk(c, "", 0);
        return;
    }
    if (c->argc == 2)
        reply_bulk(c, c->argv[1].ptr, c->argv[1].len);
    else
        reply_simple(c, "PONG");
}

/* ECHO message */
static void echo_command(struct conn *c)
{
    reply_bulk(c, c->argv[1].ptr, c->argv[1].len);
}

/* QUIT: the OK is flushed, then the connection closes. */
static void quit_command(struct conn *c)
{
    reply_ok(c);
    c->flags |= CONN_CLOSE_AFTER_REPLY;
}

/* RESET */
static void reset_command(struct conn *c)
{
    conn_reset_state(c);
    reply_simple(c, "RESET");
}

/* SELECT index.  The index must be a strict integer, then fit an int (each
 * with its own error, as Redis's getIntFromObjectOrReply words them),
 * before the range of databases is checked. */
static void select_command(struct conn *c)
{
    long long id;

    if (util_str2ll(c->argv[1].ptr, c->argv[1].len, &id) != 0) {
        reply_error(c, ERR_NOT_INT);
        return;
    }
    if (id < INT32_MIN || id > INT32_MAX) {
        reply_error(c, "ERR value is out of range, value must between "
                       "-2147483648 and 2147483647");
        return;
    }
    if (id < 0 || id >= server.databases) {
        reply_error(c, ERR_DB_INDEX);
        return;
    }
    c->db_id = (int)id;
    c->db = db_get((int)id);
    reply_ok(c);
}

/* --- AUTH HELLO --------------------------------------------------------- */

static int password_required(void)
{
    return server.requirepass != NULL && server.requirepass[0] != '\0';
}

static int conn_is_authenticated(const struct conn *c)
{
    return (c->flags & CONN_AUTHENTICATED) || !password_required();
}

/* Compare a password in time that does not depend on where the first
 * difference is, so response times do not reveal a prefix of it. */
static int password_matches(const struct resp_arg *given, const char *want)
{
    size_t want_len = strlen(want);
    size_t n = given->len > want_len ? given->len : want_len;
    unsigned diff = given->len != want_len;

    for (size_t i = 0; i < n; i++) {
        unsigned char a = i < given->len ? (unsigned char)given->ptr[i] : 0;
        unsigned char b = i < want_len ? (unsigned char)want[i] : 0;
        diff |= a ^ b;
    }
    return diff == 0;
}

/* Check user/pass against the only user, "default" (usernames are case
 * sensitive, as in Redis).  On success the connection is authenticated and
 * 0 returned; on failure WRONGPASS is replied and -1 returned. */
static int auth_user(struct conn *c, const struct resp_arg *user,
                     const struct resp_arg *pass)
{
    int ok = user->len == strlen(DEFAULT_USER) &&
             memcmp(user->ptr, DEFAULT_USER, user->len) == 0;

    if (ok && password_required())
        ok = password_matches(pass, server.requirepass);
    if (!ok) {
        reply_error(c, ERR_WRONGPASS);
        return -1;
    }
    c->flags |= CONN_AUTHENTICATED;
    return 0;
}

/* AUTH [username] password */
static void auth_command(struct conn *c)
{
    struct resp_arg user = {(char *)DEFAULT_USER, strlen(DEFAULT_USER)};

    if (c->argc > 3) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    if (c->argc == 2 && !password_required()) {
        reply_error(c, "ERR AUTH <password> called without any password "
                       "configured for the default user. Are you sure "
                       "your configuration is correct?");
        return;
    }
    if (c->argc == 3)
        user = c->argv[1];
    if (auth_user(c, &user, &c->argv[c->argc - 1]) == 0)
        reply_ok(c);
}

/* A client name (or lib-name, lib-ver) may only hold the printable ASCII
 * characters other than space: CLIENT LIST separates fields by spaces and
 * lines by newlines. */
static int name_is_valid(const struct resp_arg *a)
{
    for (size_t i = 0; i < a->len; i++) {
        if (a->ptr[i] < '!' || a->ptr[i] > '~')
            return 0;
    }
    return 1;
}

/* Replace *slot by a copy of a, or clear it when a is empty. */
static void set_attr(bstr *slot, const struct resp_arg *a)
{
    if (*slot)
        bstr_free(*slot);
    *slot = a->len ? bstr_new(a->ptr, a->len) : NULL;
}

struct hello_opts {
    long long proto;
    const struct resp_arg *user, *pass;
};

/* Parse HELLO's arguments into o.  Redis 7.0 works in argument order and
 * stops at the first problem, and it renames the client as soon as it
 * meets SETNAME: the name stays even when a later option is bad or the
 * authentication fails (7.2 changed this; 7.0.15 is the reference).
 * Returns 0, or -1 after replying an error. */
static int hello_parse(struct conn *c, struct hello_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->proto = c->proto;
    if (c->argc >= 2 &&
        util_str2ll(c->argv[1].ptr, c->argv[1].len, &o->proto) != 0) {
        reply_error(c, "ERR Protocol version is not an integer or out of "
                       "range");
        return -1;
    }
    if (o->proto < 2 || o->proto > 3) {
        reply_error(c, "NOPROTO unsupported protocol version");
        return -1;
    }
    for (int j = 2; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        const struct resp_arg *a = &c->argv[j];

        if (util_arg_is(a, "auth") && more >= 2) {
            o->user = &c->argv[j + 1];
            o->pass = &c->argv[j + 2];
            j += 2;
        } else if (util_arg_is(a, "setname") && more >= 1) {
            const struct resp_arg *name = &c->argv[++j];

            if (!name_is_valid(name)) {
                reply_error(c, ERR_INVALID_NAME);
                return -1;
            }
            set_attr(&c->name, name);
        } else {
            reply_errorf(c, "ERR Syntax error in HELLO option '%.*s'",
                         (int)a->len, a->ptr);
            return -1;
        }
    }
    return 0;
}

/* The map HELLO answers, in the protocol just selected. */
static void hello_reply(struct conn *c)
{
    reply_map(c, 7);
    reply_bulk_cstr(c, "server");
    reply_bulk_cstr(c, "redis");
    reply_bulk_cstr(c, "version");
    reply_bulk_cstr(c, RESPD_VERSION);
    reply_bulk_cstr(c, "proto");
    reply_int(c, c->proto);
    reply_bulk_cstr(c, "id");
    reply_int(c, (long long)c->id);
    reply_bulk_cstr(c, "mode");
    reply_bulk_cstr(c, "standalone");
    reply_bulk_cstr(c, "role");
    reply_bulk_cstr(c, "master");
    reply_bulk_cstr(c, "modules");
    reply_array(c, 0);
}

/* HELLO [protover [AUTH username password] [SETNAME clientname]] */
static void hello_command(struct conn *c)
{
    struct hello_opts o;

    if (hello_parse(c, &o) != 0)
        return;
    if (o.user && auth_user(c, o.user, o.pass) != 0)
        return;
    if (!conn_is_authenticated(c)) {
        reply_error(c, "NOAUTH HELLO must be called with the client already "
                       "authenticated, otherwise the HELLO AUTH <user> "
                       "<pass> option can be used to authenticate the "
                       "client and select the RESP protocol version at the "
                       "same time");
        return;
    }
    c->proto = (int)o.proto;
    hello_reply(c);
}

/* --- CLIENT LIST / INFO ------------------------------------------------- */

/* The flags field of CLIENT LIST, with Redis's letters and order.  Monitor
 * clients are 'O' (Redis's 'M' means a master link). */
static void describe_flags(const struct conn *c, char *out)
{
    char *p = out;

    if (c->flags & CONN_MONITOR)
        *p++ = 'O';
    if (c->pubsub_subs > 0)
        *p++ = 'P';
    if (c->flags & CONN_MULTI)
        *p++ = 'x';
    if (blocked_is_waiting(c))
        *p++ = 'b';
    if (c->flags & CONN_DIRTY_CAS)
        *p++ = 'd';
    if (c->flags & CONN_CLOSE_AFTER_REPLY)
        *p++ = 'c';
    if (c->flags & CONN_CLOSE_ASAP)
        *p++ = 'A';
    if (c->flags & CONN_UNIX_SOCKET)
        *p++ = 'U';
    if (c->flags & CONN_NO_EVICT)
        *p++ = 'e';
    if (c->flags & CONN_NO_TOUCH)
        *p++ = 'T';
    if (p == out)
        *p++ = 'N';
    *p = '\0';
}

static void describe_events(const struct conn *c, char *out)
{
    int mask = c->fd >= 0 ? ev_mask(server.loop, c->fd) : 0;
    char *p = out;

    if (mask & EV_READABLE)
        *p++ = 'r';
    if (mask & EV_WRITABLE)
        *p++ = 'w';
    *p = '\0';
}

/* Bytes of the request being run, or of the one a blocked client waits
 * with (Redis keeps it as the client's argv). */
static size_t argv_mem(const struct conn *c)
{
    int waiting = blocked_is_waiting(c);
    const struct resp_arg *argv = waiting ? c->bstate.argv : c->argv;
    int argc = waiting ? c->bstate.argc : c->argc;
    size_t n = 0;

    for (int i = 0; i < argc; i++)
        n += argv[i].len;
    return n;
}

/* Memory the connection holds: the struct, its buffers, its strings. */
static size_t conn_mem(const struct conn *c)
{
    size_t n = sizeof(*c) + c->qcap + c->reply.cap + argv_mem(c);

    n += (size_t)c->parser.argv_cap * sizeof(struct resp_arg);
    if (c->name)
        n += bstr_alloc_size(c->name);
    return n;
}

static const char *str_or_empty(const char *s)
{
    return s ? s : "";
}

void conn_describe(struct conn *c, bstr *out)
{
    char flags[16], events[4];
    int subs[PUBSUB_KINDS];
    long long now = util_mstime();
    const struct cmd *last = c->cmd ? c->cmd : c->last_cmd;
    size_t qbuf = c->qlen - c->qpos;

    describe_flags(c, flags);
    describe_events(c, events);
    pubsub_counts(c, subs);
    *out = bstr_catf(*out,
                     "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld "
                     "idle=%lld flags=%s db=%d sub=%d psub=%d ssub=%d "
                     "multi=%d qbuf=%zu qbuf-free=%zu argv-mem=%zu "
                     "multi-mem=0 ",
                     (unsigned long long)c->id, c->addr, c->laddr, c->fd,
                     str_or_empty(c->name), (now - c->ctime) / 1000,
                     (now - c->last_interaction) / 1000, flags, c->db_id,
                     subs[PUBSUB_CHANNEL], subs[PUBSUB_PATTERN],
                     subs[PUBSUB_SHARD],
                     (c->flags & CONN_MULTI) ? c->mstate.count : -1, qbuf,
                     c->qcap - c->qlen, argv_mem(c));
    *out =
        bstr_catf(*out,
                  "rbs=%zu rbp=%zu obl=%zu oll=0 omem=0 tot-mem=%zu "
                  "events=%s cmd=%s user=" DEFAULT_USER " redir=-1 "
                  "resp=%d lib-name=%s lib-ver=%s",
                  c->reply.cap, c->reply.cap, c->reply.len - c->sent,
                  conn_mem(c), events, last ? last->fullname : "NULL", c->proto,
                  str_or_empty(c->lib_name), str_or_empty(c->lib_ver));
}

static int client_type_by_name(const struct resp_arg *a)
{
    if (util_arg_is(a, "normal"))
        return CLIENT_TYPE_NORMAL;
    if (util_arg_is(a, "slave") || util_arg_is(a, "replica"))
        return CLIENT_TYPE_REPLICA;
    if (util_arg_is(a, "pubsub"))
        return CLIENT_TYPE_PUBSUB;
    if (util_arg_is(a, "master"))
        return CLIENT_TYPE_MASTER;
    return -1;
}

/* A client with any subscription (RESP2 or RESP3) is of the pub/sub type,
 * as in Redis; every other one is normal (MONITOR clients count as normal
 * in Redis too, and respd has no replicas or masters). */
static int client_type_of(const struct conn *c)
{
    return c->pubsub_subs > 0 ? CLIENT_TYPE_PUBSUB : CLIENT_TYPE_NORMAL;
}

/* A client being killed is gone for every later command, even while its
 * socket waits to be closed. */
static int conn_is_live(const struct conn *c)
{
    return !(c->flags & CONN_CLOSE_ASAP);
}

/* The oldest client: CLIENT LIST shows clients in the order they came. */
static struct conn *oldest_client(void)
{
    struct conn *c = server.clients;

    while (c && c->next)
        c = c->next;
    return c;
}

static bstr describe_line(bstr out, struct conn *c)
{
    conn_describe(c, &out);
    return bstr_cat(out, "\n", 1);
}

static bstr list_by_type(int type)
{
    bstr out = bstr_empty(256);

    for (struct conn *o = oldest_client(); o; o = o->prev) {
        if (conn_is_live(o) && (type < 0 || client_type_of(o) == type))
            out = describe_line(out, o);
    }
    return out;
}

/* CLIENT LIST ID id [id ...]: lines in the order of the ids given; ids of
 * no client are skipped.  Returns NULL after replying an error. */
static bstr list_by_ids(struct conn *c)
{
    bstr out = bstr_empty(256);

    for (int j = 3; j < c->argc; j++) {
        long long id;
        struct conn *o;

        if (util_str2ll(c->argv[j].ptr, c->argv[j].len, &id) != 0) {
            bstr_free(out);
            reply_error(c, "ERR Invalid client ID");
            return NULL;
        }
        o = id > 0 ? conn_by_id((uint64_t)id) : NULL;
        if (o && conn_is_live(o))
            out = describe_line(out, o);
    }
    return out;
}

/* CLIENT LIST [TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id ...] */
static void client_list_command(struct conn *c)
{
    bstr out;

    if (c->argc == 2) {
        out = list_by_type(-1);
    } else if (c->argc == 4 && util_arg_is(&c->argv[2], "type")) {
        int type = client_type_by_name(&c->argv[3]);

        if (type < 0) {
            reply_errorf(c, "ERR Unknown client type '%.*s'",
                         (int)c->argv[3].len, c->argv[3].ptr);
            return;
        }
        out = list_by_type(type);
    } else if (c->argc > 3 && util_arg_is(&c->argv[2], "id")) {
        if ((out = list_by_ids(c)) == NULL)
            return;
    } else {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    reply_verbatim(c, out, bstr_len(out));
    bstr_free(out);
}

/* CLIENT INFO */
static void client_info_command(struct conn *c)
{
    bstr out = describe_line(bstr_empty(256), c);

    reply_verbatim(c, out, bstr_len(out));
    bstr_free(out);
}

/* --- CLIENT KILL -------------------------------------------------------- */

struct kill_filter {
    const struct resp_arg *addr, *laddr;
    long long id; /* 0: any */
    int type;     /* -1: any */
    int skipme;
};

static int arg_eq_str(const struct resp_arg *a, const char *s)
{
    return a->len == strlen(s) && memcmp(a->ptr, s, a->len) == 0;
}

/* Parse one "option value" pair of the new CLIENT KILL form into f.
 * Returns 0, or -1 after replying an error. */
static int kill_parse_option(struct conn *c, const struct resp_arg *opt,
                             const struct resp_arg *val, struct kill_filter *f)
{
    if (util_arg_is(opt, "id")) {
        if (util_str2ll(val->ptr, val->len, &f->id) != 0 || f->id < 1) {
            reply_error(c, "ERR client-id should be greater than 0");
            return -1;
        }
    } else if (util_arg_is(opt, "type")) {
        if ((f->type = client_type_by_name(val)) < 0) {
            reply_errorf(c, "ERR Unknown client type '%.*s'", (int)val->len,
                         val->ptr);
            return -1;
        }
    } else if (util_arg_is(opt, "addr")) {
        f->addr = val;
    } else if (util_arg_is(opt, "laddr")) {
        f->laddr = val;
    } else if (util_arg_is(opt, "user")) {
        if (!arg_eq_str(val, DEFAULT_USER)) {
            reply_errorf(c, "ERR No such user '%.*s'", (int)val->len, val->ptr);
            return -1;
        }
    } else if (util_arg_is(opt, "skipme") && util_arg_is(val, "yes")) {
        f->skipme = 1;
    } else if (util_arg_is(opt, "skipme") && util_arg_is(val, "no")) {
        f->skipme = 0;
    } else {
        reply_error(c, ERR_SYNTAX);
        return -1;
    }
    return 0;
}

/* Fill f from c's arguments: the old form is CLIENT KILL addr (which may
 * kill the caller itself), the new one a list of option/value pairs.
 * Returns 0, or -1 after replying an error. */
static int kill_parse(struct conn *c, struct kill_filter *f)
{
    memset(f, 0, sizeof(*f));
    f->type = -1;
    if (c->argc == 3) {
        f->addr = &c->argv[2];
        return 0;
    }
    f->skipme = 1;
    for (int i = 2; i < c->argc; i += 2) {
        if (i + 1 >= c->argc) {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
        if (kill_parse_option(c, &c->argv[i], &c->argv[i + 1], f) != 0)
            return -1;
    }
    return 0;
}

static int kill_matches(const struct kill_filter *f, struct conn *o,
                        struct conn *self)
{
    if (!conn_is_live(o))
        return 0;
    if (f->addr && !arg_eq_str(f->addr, o->addr))
        return 0;
    if (f->laddr && !arg_eq_str(f->laddr, o->laddr))
        return 0;
    if (f->id && (uint64_t)f->id != o->id)
        return 0;
    if (f->type >= 0 && client_type_of(o) != f->type)
        return 0;
    return !(f->skipme && o == self);
}

/* Close every client f matches; the caller itself only once its reply is
 * written.  Returns the number of clients killed. */
static long long kill_matching(const struct kill_filter *f, struct conn *c)
{
    long long killed = 0;

    for (struct conn *o = server.clients; o; o = o->next) {
        if (!kill_matches(f, o, c))
            continue;
        killed++;
        if (o == c)
            c->flags |= CONN_CLOSE_AFTER_REPLY;
        else
            conn_close_async(o);
    }
    return killed;
}

/* CLIENT KILL ip:port
 * CLIENT KILL [ID id] [TYPE type] [USER user] [ADDR ip:port]
 *             [LADDR ip:port] [SKIPME yes|no] */
static void client_kill_command(struct conn *c)
{
    struct kill_filter f;
    long long killed;

    if (kill_parse(c, &f) != 0)
        return;
    killed = kill_matching(&f, c);
    if (c->argc > 3)
        reply_int(c, killed);
    else if (killed == 0)
        reply_error(c, "ERR No such client");
    else
        reply_ok(c);
}

/* --- other CLIENT subcommands ------------------------------------------- */

/* CLIENT ID */
static void client_id_command(struct conn *c)
{
    reply_int(c, (long long)c->id);
}

/* CLIENT SETNAME connection-name (empty removes the name) */
static void client_setname_command(struct conn *c)
{
    if (!name_is_valid(&c->argv[2])) {
        reply_error(c, ERR_INVALID_NAME);
        return;
    }
    set_attr(&c->name, &c->argv[2]);
    reply_ok(c);
}

/* CLIENT GETNAME */
static void client_getname_command(struct conn *c)
{
    if (c->name)
        reply_bulk(c, c->name, bstr_len(c->name));
    else
        reply_null(c);
}

/* CLIENT SETINFO LIB-NAME libname | LIB-VER libver (Redis 7.2).  The error
 * names the attribute as the client spelled it. */
static void client_setinfo_command(struct conn *c)
{
    const struct resp_arg *attr = &c->argv[2], *val = &c->argv[3];
    bstr *slot;

    if (util_arg_is(attr, "lib-name")) {
        slot = &c->lib_name;
    } else if (util_arg_is(attr, "lib-ver")) {
        slot = &c->lib_ver;
    } else {
        reply_errorf(c, "ERR Unrecognized option '%.*s'", (int)attr->len,
                     attr->ptr);
        return;
    }
    if (!name_is_valid(val)) {
        reply_errorf(c,
                     "ERR %.*s cannot contain spaces, newlines or special "
                     "characters.",
                     (int)attr->len, attr->ptr);
        return;
    }
    set_attr(slot, val);
    reply_ok(c);
}

/* Set or clear flag on c from an ON/OFF argument, replying OK or a syntax
 * error. */
static void set_flag_on_off(struct conn *c, const struct resp_arg *a, int flag)
{
    if (util_arg_is(a, "on")) {
        c->flags |= flag;
    } else if (util_arg_is(a, "off")) {
        c->flags &= ~flag;
    } else {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    reply_ok(c);
}

/* CLIENT NO-EVICT ON|OFF */
static void client_no_evict_command(struct conn *c)
{
    set_flag_on_off(c, &c->argv[2], CONN_NO_EVICT);
}

/* CLIENT NO-TOUCH ON|OFF (Redis 7.2): while on, the client's reads leave
 * the keys' access time alone. */
static void client_no_touch_command(struct conn *c)
{
    set_flag_on_off(c, &c->argv[2], CONN_NO_TOUCH);
}

/* CLIENT UNBLOCK client-id [TIMEOUT|ERROR]: end another client's blocking
 * pop as if it timed out, or with the UNBLOCKED error.  :1 if it was
 * blocked, :0 otherwise.  The reason is checked before the id, and a
 * request of five or more arguments is the generic subcommand error, as in
 * Redis 7.0. */
static void client_unblock_command(struct conn *c)
{
    enum blocked_end how = BLOCKED_TIMEOUT;
    long long id;
    struct conn *target;

    if (c->argc > 4) {
        reply_errorf(c,
                     "ERR unknown subcommand or wrong number of arguments "
                     "for '%.*s'. Try CLIENT HELP.",
                     (int)c->argv[1].len, c->argv[1].ptr);
        return;
    }
    if (c->argc == 4) {
        if (util_arg_is(&c->argv[3], "error")) {
            how = BLOCKED_UNBLOCK_ERROR;
        } else if (!util_arg_is(&c->argv[3], "timeout")) {
            reply_error(c, "ERR CLIENT UNBLOCK reason should be TIMEOUT or "
                           "ERROR");
            return;
        }
    }
    if (util_str2ll(c->argv[2].ptr, c->argv[2].len, &id) != 0) {
        reply_error(c, ERR_NOT_INT);
        return;
    }
    target = id > 0 ? conn_by_id((uint64_t)id) : NULL;
    if (target == NULL || !conn_is_live(target) ||
        !blocked_is_waiting(target)) {
        reply_int(c, 0);
        return;
    }
    blocked_unblock(target, how);
    reply_int(c, 1);
}

/* CLIENT GETREDIR: -1, as tracking is never on. */
static void client_getredir_command(struct conn *c)
{
    reply_int(c, -1);
}

/* CLIENT TRACKINGINFO, for a client without tracking (the only kind). */
static void client_trackinginfo_command(struct conn *c)
{
    reply_map(c, 3);
    reply_bulk_cstr(c, "flags");
    reply_set(c, 1);
    reply_bulk_cstr(c, "off");
    reply_bulk_cstr(c, "redirect");
    reply_int(c, -1);
    reply_bulk_cstr(c, "prefixes");
    reply_array(c, 0);
}

/* CLIENT CACHING YES|NO: refused, as tracking is never on. */
static void client_caching_command(struct conn *c)
{
    reply_error(c, "ERR CLIENT CACHING can be called only when the client "
                   "is in tracking mode with OPTIN or OPTOUT mode enabled");
}

/* Redis 7.0.15's text, word for word, including the subcommands respd does
 * not implement, so CLIENT HELP answers as the real server does. */
static const char *client_help_lines[] = {
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT "
    "modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is "
    "enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    NULL};

/* CLIENT HELP */
static void client_help_command(struct conn *c)
{
    reply_help(c, "CLIENT", client_help_lines);
}

/* --- the table ---------------------------------------------------------- */

#define CONN_FLAGS_NOAUTH                                                      \
    (CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH |         \
     CMD_ALLOW_BUSY)
#define CLIENT_FLAGS       (CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)
#define CLIENT_ADMIN_FLAGS (CMD_ADMIN | CLIENT_FLAGS)
#define CLIENT_ACL         "@slow @connection"
#define CLIENT_ADMIN_ACL   "@admin @slow @dangerous @connection"

static struct cmd client_subcommands[] = {
    {.name = "caching",
     .proc = client_caching_command,
     .arity = 3,
     .flags = CLIENT_FLAGS,
     .acl_categories = CLIENT_ACL,
     .group = "connection",
     .since = "6.0.0",
     .summary = "Instruct the server about tracking or not keys in the next "
                "request",
     .complexity = "O(1)"},
    {.name = "getname",
     .proc = client_getname_command,
     .arity = 2,
     .flags = CLIENT_FLAGS,
     .acl_categories = CLIENT_ACL,
     .group = "connection",
     .since = "2.6.9",
     .summary = "Get the current connection name",
     .complexity = "O(1)"},
    {.name = "getredir",
     .proc = client_getredir_command,
     .arity = 2,
     .flags = CLIENT_FLAGS,
     .acl_categories = CLIENT_ACL,
     .group = "connection",
     .since = "6.0.0",
     .summary = "Get tracking notifications redirection client ID if any",
     .complexity = "O(1)"},
    {.name = "help",
     .proc = client_help_command,
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE,
     .acl_categories = CLIENT_ACL,
     .group = "connection",
     .since = "5.0.0",
     .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
    {.name = "id",
     .proc = client_id_command,
     .arity = 2,
     .flags = CLIENT_FLAGS,
     .acl_categories = CLIENT_ACL,
     .group = "connection",
     .since = "5.0.0",
     .summary = "Returns the client ID for the current connection",
     .complexity = "O(1)"},
    {.name = "info",
     .proc = client_info_command,
     .arity = 2,
     .flags = CLIENT_FLAGS,
     .acl_categories = CLIENT_ACL,
     .group = "connection",
     .since = "6.2.0",
     .summary = "Returns information about the current client connection.",
     .complexity = "O(1)"},
    {.name = "kill",
     .proc = client_kill_command,
     .arity = -3,
     .flags = CLIENT_ADMIN_FLAGS,
     .acl_categories = CLIENT_ADMIN_ACL,
     .group = "connection",
     .since = "2.4.0",
     .summary = "Kill the connection of a client",
     .complexity = "O(N) where N is the number of client connections"},
    {.name = "list",
     .proc = client_list_command,
     .arity = -2,
     .flags = CLIENT_ADMIN_FLAGS,
     .acl_categories = CLIENT_ADMIN_ACL,
     .group = "connection",
     .since = "2.4.0",
     .summary = "Get the list of client connections",
     .complexity = "O(N) where N is the number of client connections"},
    {.name = "no-evict",
     .proc = client_no_evict_command,
     .arity = 3,
     .flags = CLIENT_ADMIN_FLAGS,
     .acl_categories = CLIENT_ADMIN_ACL,
     .group = "connection",
     .since = "7.0.0",
     .summary = "Set client eviction mode for the current connection",
     .complexity = "O(1)"},
    {.name = "no-touch",
     .proc = client_no_touch_command,
     .arity = 3,
     .flags = CLIENT_FLAGS,
     .acl_categories = CLIENT_ACL,
     .group = "connection",
     .since = "7.2.0",
     .summary = "Controls whether commands sent by the client affect the "
                "LRU/LFU of accessed keys.",
     .complexity = "O(1)"},
    {.name = "setinfo",
     .proc = client_setinfo_command,
     .arity = 4,
     .flags = CLIENT_FLAGS,
     .acl_categories = CLIENT_ACL,
     .group = "connection",
     .since = "7.2.0",
     .summary = "Sets information specific to the client or connection.",
     .complexity = "O(1)"},
    {.name = "setname",
     .proc = client_setname_command,
     .arity = 3,
     .flags = CLIENT_FLAGS,
     .acl_categories = CLIENT_ACL,
     .group = "connection",
     .since = "2.6.9",
     .summary = "Set the current connection name",
     .complexity = "O(1)"},
    {.name = "trackinginfo",
     .proc = client_trackinginfo_command,
     .arity = 2,
     .flags = CLIENT_FLAGS,
     .acl_categories = CLIENT_ACL,
     .group = "connection",
     .since = "6.2.0",
     .summary = "Return information about server assisted client side "
                "caching for the current connection",
     .complexity = "O(1)"},
    {.name = "unblock",
     .proc = client_unblock_command,
     .arity = -3,
     .flags = CLIENT_ADMIN_FLAGS,
     .acl_categories = CLIENT_ADMIN_ACL,
     .group = "connection",
     .since = "5.0.0",
     .summary = "Unblock a client blocked in a blocking command from a "
                "different connection",
     .complexity = "O(log N) where N is the number of client connections"},
    {0}};

struct cmd conn_commands[] = {
    {.name = "ping",
     .proc = ping_command,
     .arity = -1,
     .flags = CMD_FAST,
     .acl_categories = "@fast @connection",
     .group = "connection",
     .since = "1.0.0",
     .summary = "Ping the server",
     .complexity = "O(1)"},
    {.name = "echo",
     .proc = echo_command,
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE | CMD_FAST,
     .acl_categories = "@fast @connection",
     .group = "connection",
     .since = "1.0.0",
     .summary = "Echo the given string",
     .complexity = "O(1)"},
    {.name = "quit",
     .proc = quit_command,
     .arity = -1,
     .flags = CONN_FLAGS_NOAUTH,
     .acl_categories = "@fast @connection",
     .group = "connection",
     .since = "1.0.0",
     .summary = "Close the connection",
     .complexity = "O(1)"},
    {.name = "reset",
     .proc = reset_command,
     .arity = 1,
     .flags = CONN_FLAGS_NOAUTH,
     .acl_categories = "@fast @connection",
     .group = "connection",
     .since = "6.2.0",
     .summary = "Reset the connection",
     .complexity = "O(1)"},
    {.name = "select",
     .proc = select_command,
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE | CMD_FAST,
     .acl_categories = "@fast @connection",
     .group = "connection",
     .since = "1.0.0",
     .summary = "Change the selected database for the current connection",
     .complexity = "O(1)"},
    {.name = "auth",
     .proc = auth_command,
     .arity = -2,
     .flags = CONN_FLAGS_NOAUTH,
     .acl_categories = "@fast @connection",
     .group = "connection",
     .since = "1.0.0",
     .summary = "Authenticate to the server",
     .complexity =
         "O(N) where N is the number of passwords defined for the user"},
    {.name = "hello",
     .proc = hello_command,
     .arity = -1,
     .flags = CONN_FLAGS_NOAUTH,
     .acl_categories = "@fast @connection",
     .group = "connection",
     .since = "6.0.0",
     .summary = "Handshake with Redis",
     .complexity = "O(1)"},
    {.name = "client",
     .proc = NULL,
     .arity = -2,
     .flags = 0,
     .acl_categories = "@slow",
     .group = "connection",
     .since = "2.4.0",
     .summary = "A container for client connection commands",
     .complexity = "Depends on subcommand.",
     .subcmds = client_subcommands},
    {0}};
