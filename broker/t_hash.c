/* t_hash.c -- the hash commands.
 *
 * Values are hash objects (hashobj.h), which choose between the packed
 * "listpack" and the "hashtable" encoding by themselves.  Writers create
 * the hash when the key is missing (HSET, HSETNX, HINCRBY, HINCRBYFLOAT)
 * and delete it when the last field goes (HDEL), so no empty hash is ever
 * stored, as in Redis.
 *
 * Error precedence follows Redis 7.0: argument parsing that needs no key
 * (HINCRBY's increment, HRANDFIELD's count, HSCAN's cursor) comes first,
 * then the key's type, then what depends on the stored value.  HSCAN on a
 * missing key answers an empty scan before its options are even read. */
#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "cmd.h" /* before t_hash.h, which needs struct cmd */
#include "conn.h"
#include "db.h"
#include "notify.h"
#include "hashobj.h"
#include "keys.h"
#include "obj.h"
#include "prop.h"
#include "reply.h"
#include "server.h"
#include "t_hash.h"
#include "util.h"

#define HASH_ERR_NOT_INT    "ERR hash value is not an integer"
#define HASH_ERR_NOT_FLOAT  "ERR hash value is not a float"
#define HASH_ERR_NAN_INCR   "ERR value is NaN or Infinity"
#define HASH_ERR_NAN_RESULT "ERR increment would produce NaN or Infinity"
#define HASH_ERR_RANGE      "ERR value is out of range"
#define HASH_ERR_COUNT_RANGE                                                   \
    "ERR value is out of range, value must between -9223372036854775807 "      \
    "and 9223372036854775807"
#define HASH_ERR_CURSOR "ERR invalid cursor"

/* Redis refuses floats written with this many characters or more. */
#define HASH_MAX_LD_CHARS 5120
/* HRANDFIELD with a negative count can ask for ~2^62 replies.  Redis
 * builds them until memory runs out; here a client whose unsent replies
 * pass this size is disconnected instead, as Redis does to a client over
 * its output buffer limit. */
#define HASH_RANDFIELD_REPLY_MAX   ((size_t)1 << 30)
#define HASH_RANDFIELD_CHECK_EVERY 1024

#define HASH_SCAN_COMPLEXITY                                                   \
    "O(1) for every call. O(N) for a complete iteration, including enough "    \
    "command calls for the cursor to return back to 0. N is the number of "    \
    "elements inside the collection.."
#define HASH_HSET_COMPLEXITY                                                   \
    "O(1) for each field/value pair added, so O(N) to add N field/value "      \
    "pairs when the command is called with multiple field/value pairs."

/* --- helpers ----------------------------------------------------------- */

/* The hash at argv[1] for a reader.  Returns NULL when the key is missing
 * (*err = 0, nothing replied) or holds another type (*err = 1, WRONGTYPE
 * replied). */
static struct obj *hash_lookup_read(struct conn *c, int *err)
{
    const struct resp_arg *key = &c->argv[1];
    struct obj *o = db_lookup_read(c->db, key->ptr, key->len, 0);

    *err = o != NULL && o->type != OBJ_HASH;
    if (*err) {
        reply_error(c, ERR_WRONGTYPE);
        return NULL;
    }
    return o;
}

/* The hash at argv[1] for a writer, as hash_lookup_read(). */
static struct obj *hash_lookup_write(struct conn *c, int *err)
{
    const struct resp_arg *key = &c->argv[1];
    struct obj *o = db_lookup_write(c->db, key->ptr, key->len);

    *err = o != NULL && o->type != OBJ_HASH;
    if (*err) {
        reply_error(c, ERR_WRONGTYPE);
        return NULL;
    }
    return o;
}

/* The hash at argv[1], created empty and stored when missing.  Returns
 * NULL after replying WRONGTYPE.  The caller must store a field before the
 * command ends (an empty hash must not stay in the keyspace). */
static struct obj *hash_lookup_create(struct conn *c)
{
    const struct resp_arg *key = &c->argv[1];
    int err;
    struct obj *o = hash_lookup_write(c, &err);

    if (o == NULL && !err) {
        o = hashobj_create();
        db_add(c->db, key->ptr, key->len, o);
    }
    return o;
}

/* Signal a change of the hash at argv[1] and report it as the hash event
 * `event` (notify.h). */
static void hash_signal(struct conn *c, const char *event)
{
    db_signal_modified(c->db, c->argv[1].ptr, c->argv[1].len);
    notify_keyspace_event(NOTIFY_HASH, event, c->argv[1].ptr, c->argv[1].len,
                          c->db->id);
}

/* The entry for the field f of o, or -1 when o is NULL or lacks it. */
static int hash_get(struct obj *o, const struct resp_arg *f,
                    struct hashobj_entry *e)
{
    if (o == NULL)
        return -1;
    return hashobj_get(o, f->ptr, f->len, e);
}

/* --- HSET HMSET HSETNX ------------------------------------------------- */

/* HSET key field value [field value ...]
 * HMSET key field value [field value ...]
 * HSET answers the number of fields added, HMSET OK.  An odd number of
 * arguments fails the arity check, as Redis words it. */
static void hash_set_generic(struct conn *c, int reply_added)
{
    long long added = 0;

    if (c->argc % 2 == 1) {
        reply_arity_error(c);
        return;
    }
    struct obj *o = hash_lookup_create(c);
    if (o == NULL)
        return;
    for (int j = 2; j < c->argc; j += 2) {
        const struct resp_arg *f = &c->argv[j], *v = &c->argv[j + 1];
        added += hashobj_set(o, f->ptr, f->len, v->ptr, v->len);
    }
    if (reply_added)
        reply_int(c, added);
    else
        reply_ok(c);
    hash_signal(c, "hset");
}

static void hset_command(struct conn *c)
{
    hash_set_generic(c, 1);
}

static void hmset_command(struct conn *c)
{
    hash_set_generic(c, 0);
}

/* HSETNX key field value */
static void hsetnx_command(struct conn *c)
{
    const struct resp_arg *f = &c->argv[2], *v = &c->argv[3];
    struct hashobj_entry e;
    struct obj *o = hash_lookup_create(c);

    if (o == NULL)
        return;
    if (hashobj_get(o, f->ptr, f->len, &e) == 0) {
        reply_int(c, 0);
        return;
    }
    hashobj_set(o, f->ptr, f->len, v->ptr, v->len);
    reply_int(c, 1);
    hash_signal(c, "hset");
}

/* --- readers of single fields ------------------------------------------ */

/* HGET key field */
static void hget_command(struct conn *c)
{
    struct hashobj_entry e;
    int err;
    struct obj *o = hash_lookup_read(c, &err);

    if (err)
        return;
    if (hash_get(o, &c->argv[2], &e) != 0)
        reply_null(c);
    else
        reply_bulk(c, e.value, e.value_len);
}

/* HMGET key field [field ...]
 * A missing key answers a nil for every field. */
static void hmget_command(struct conn *c)
{
    struct hashobj_entry e;
    int err;
    struct obj *o = hash_lookup_read(c, &err);

    if (err)
        return;
    reply_array(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        if (hash_get(o, &c->argv[j], &e) != 0)
            reply_null(c);
        else
            reply_bulk(c, e.value, e.value_len);
    }
}

/* HLEN key */
static void hlen_command(struct conn *c)
{
    int err;
    struct obj *o = hash_lookup_read(c, &err);

    if (!err)
        reply_int(c, o ? (long long)hashobj_len(o) : 0);
}

/* HSTRLEN key field */
static void hstrlen_command(struct conn *c)
{
    struct hashobj_entry e;
    int err;
    struct obj *o = hash_lookup_read(c, &err);

    if (err)
        return;
    if (hash_get(o, &c->argv[2], &e) != 0)
        reply_int(c, 0);
    else
        reply_int(c, (long long)e.value_len);
}

/* HEXISTS key field */
static void hexists_command(struct conn *c)
{
    struct hashobj_entry e;
    int err;
    struct obj *o = hash_lookup_read(c, &err);

    if (!err)
        reply_int(c, hash_get(o, &c->argv[2], &e) == 0);
}

/* --- HDEL -------------------------------------------------------------- */

/* HDEL key field [field ...]
 * Answers how many fields existed; deletes the key once it is empty. */
static void hdel_command(struct conn *c)
{
    const struct resp_arg *key = &c->argv[1];
    long long deleted = 0;
    int err, gone = 0;
    struct obj *o = hash_lookup_write(c, &err);

    if (o == NULL) {
        if (!err)
            reply_int(c, 0);
        return;
    }
    for (int j = 2; j < c->argc; j++) {
        const struct resp_arg *f = &c->argv[j];

        deleted += hashobj_delete(o, f->ptr, f->len);
        if (hashobj_len(o) == 0) {
            db_delete(c->db, key->ptr, key->len);
            gone = 1;
            break;
        }
    }
    if (deleted)
        hash_signal(c, "hdel");
    if (gone)
        notify_keyspace_event(NOTIFY_GENERIC, "del", key->ptr, key->len,
                              c->db->id);
    reply_int(c, deleted);
}

/* --- HGETALL HKEYS HVALS ----------------------------------------------- */

#define HASH_WANT_FIELDS 1
#define HASH_WANT_VALUES 2

/* Reply every field, value or both (a map, in RESP3) in storage order.  A
 * missing key answers an empty aggregate of the same kind. */
static void hash_getall_generic(struct conn *c, int want)
{
    struct hashobj_iter it;
    struct hashobj_entry e;
    int err;
    struct obj *o = hash_lookup_read(c, &err);

    if (err)
        return;
    long long len = o ? (long long)hashobj_len(o) : 0;
    if (want == (HASH_WANT_FIELDS | HASH_WANT_VALUES))
        reply_map(c, len);
    else
        reply_array(c, len);
    if (o == NULL)
        return;

    hashobj_iter_init(&it, o);
    while (hashobj_iter_next(&it, &e)) {
        if (want & HASH_WANT_FIELDS)
            reply_bulk(c, e.field, e.field_len);
        if (want & HASH_WANT_VALUES)
            reply_bulk(c, e.value, e.value_len);
    }
    hashobj_iter_end(&it);
}

/* HGETALL key */
static void hgetall_command(struct conn *c)
{
    hash_getall_generic(c, HASH_WANT_FIELDS | HASH_WANT_VALUES);
}

/* HKEYS key */
static void hkeys_command(struct conn *c)
{
    hash_getall_generic(c, HASH_WANT_FIELDS);
}

/* HVALS key */
static void hvals_command(struct conn *c)
{
    hash_getall_generic(c, HASH_WANT_VALUES);
}

/* --- HINCRBY HINCRBYFLOAT ---------------------------------------------- */

/* HINCRBY key field increment
 * A missing field counts as 0.  The hash is created before the stored
 * value is looked at, as Redis does; that can only matter for a new key,
 * whose field is then missing, so no empty hash is left behind. */
static void hincrby_command(struct conn *c)
{
    const struct resp_arg *f = &c->argv[2];
    long long incr, value = 0;
    struct hashobj_entry e;
    char buf[24];

    if (util_str2ll(c->argv[3].ptr, c->argv[3].len, &incr) != 0) {
        reply_error(c, ERR_NOT_INT);
        return;
    }
    struct obj *o = hash_lookup_create(c);
    if (o == NULL)
        return;
    if (hashobj_get(o, f->ptr, f->len, &e) == 0 &&
        util_str2ll(e.value, e.value_len, &value) != 0) {
        reply_error(c, HASH_ERR_NOT_INT);
        return;
    }
    if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) ||
        (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
        reply_error(c, ERR_OVERFLOW);
        return;
    }
    value += incr;
    int n = util_ll2str(buf, sizeof(buf), value);
    hashobj_set(o, f->ptr, f->len, buf, (size_t)n);
    reply_int(c, value);
    hash_signal(c, "hincrby");
}

/* Parse a long double as Redis's string2ld: what strtold takes whole, no
 * leading space, no NaN, fewer than HASH_MAX_LD_CHARS characters and no
 * NUL byte.  Returns 0 or -1. */
static int hash_parse_ld(const char *p, size_t n, long double *out)
{
    if (n >= HASH_MAX_LD_CHARS || memchr(p, '\0', n) != NULL)
        return -1;
    return util_str2ld(p, n, out);
}

/* Store the formatted sum of the field's value and incr and reply it.
 * Replies an error instead when the stored value is not a float or the
 * sum is not finite. */
static void hash_incr_float(struct conn *c, struct obj *o, long double incr)
{
    const struct resp_arg *f = &c->argv[2];
    long double value = 0;
    struct hashobj_entry e;
    char buf[UTIL_LD_STR_LEN];

    if (hashobj_get(o, f->ptr, f->len, &e) == 0 &&
        hash_parse_ld(e.value, e.value_len, &value) != 0) {
        reply_error(c, HASH_ERR_NOT_FLOAT);
        return;
    }
    value += incr;
    if (isnan(value) || isinf(value)) {
        reply_error(c, HASH_ERR_NAN_RESULT);
        return;
    }
    /* A finite long double prints in well under UTIL_LD_STR_LEN bytes. */
    int n = util_ld2str(buf, sizeof(buf), value);
    assert(n > 0);
    hashobj_set(o, f->ptr, f->len, buf, (size_t)n);
    reply_bulk(c, buf, (size_t)n);
    hash_signal(c, "hincrbyfloat");
    /* Logged as the HSET of the result, as Redis 7.0 does: float
     * precision and formatting could differ where the AOF is replayed. */
    if (prop_enabled()) {
        struct resp_arg result = {buf, (size_t)n};
        struct resp_arg argv[4] = {PROP_LIT("HSET"), c->argv[1], *f, result};
        prop_rewrite(c, 4, argv);
    }
}

/* HINCRBYFLOAT key field increment
 * An infinite increment ("inf" parses) is refused before the key is
 * looked at. */
static void hincrbyfloat_command(struct conn *c)
{
    long double incr;

    if (hash_parse_ld(c->argv[3].ptr, c->argv[3].len, &incr) != 0) {
        reply_error(c, ERR_NOT_FLOAT);
        return;
    }
    if (isinf(incr)) {
        reply_error(c, HASH_ERR_NAN_INCR);
        return;
    }
    struct obj *o = hash_lookup_create(c);
    if (o != NULL)
        hash_incr_float(c, o, incr);
}

/* --- HRANDFIELD -------------------------------------------------------- */

struct randfield_reply {
    struct conn *c;
    int withvalues;
};

/* Reply one entry: the field, or with WITHVALUES the field and value, as
 * a pair of its own in RESP3. */
static void randfield_emit(void *data, const struct hashobj_entry *e)
{
    const struct randfield_reply *r = data;

    if (r->withvalues && r->c->proto > 2)
        reply_array(r->c, 2);
    reply_bulk(r->c, e->field, e->field_len);
    if (r->withvalues)
        reply_bulk(r->c, e->value, e->value_len);
}

/* The header of an answer of count entries. */
static void randfield_header(struct randfield_reply *r,
                             unsigned long long count)
{
    if (r->withvalues && r->c->proto == 2)
        reply_array(r->c, (long long)(count * 2));
    else
        reply_array(r->c, (long long)count);
}

/* count independent picks, repeats allowed.  Stops and disconnects the
 * client when the replies grow past HASH_RANDFIELD_REPLY_MAX. */
static void randfield_repeats(struct randfield_reply *r, struct obj *o,
                              unsigned long long count)
{
    struct hashobj_entry e;

    randfield_header(r, count);
    for (unsigned long long i = 0; i < count; i++) {
        if (i % HASH_RANDFIELD_CHECK_EVERY == 0 && i > 0 &&
            conn_reply_pending(r->c) > HASH_RANDFIELD_REPLY_MAX) {
            conn_close_async(r->c);
            return;
        }
        hashobj_random(o, &e);
        randfield_emit(r, &e);
    }
}

/* Every entry, in storage order. */
static void randfield_all(struct randfield_reply *r, struct obj *o)
{
    struct hashobj_iter it;
    struct hashobj_entry e;

    randfield_header(r, hashobj_len(o));
    hashobj_iter_init(&it, o);
    while (hashobj_iter_next(&it, &e))
        randfield_emit(r, &e);
    hashobj_iter_end(&it);
}

/* HRANDFIELD with a count: a negative count allows repeats (and 1 is
 * served the same way); a count at least the size answers the whole hash;
 * otherwise count distinct entries. */
static void randfield_with_count(struct conn *c, long long count,
                                 int withvalues)
{
    struct randfield_reply r = {c, withvalues};
    int err;
    struct obj *o = hash_lookup_read(c, &err);

    if (err)
        return;
    if (o == NULL || count == 0) {
        reply_array(c, 0);
        return;
    }
    unsigned long long n = count < 0 ? 0ULL - (unsigned long long)count
                                     : (unsigned long long)count;
    size_t size = hashobj_len(o);
    if (count < 0 || n == 1) {
        randfield_repeats(&r, o, n);
    } else if (n >= size) {
        randfield_all(&r, o);
    } else {
        randfield_header(&r, n);
        hashobj_random_unique(o, (size_t)n, randfield_emit, &r);
    }
}

/* Parse HRANDFIELD's count and WITHVALUES in Redis's order: the count
 * must be an integer other than LLONG_MIN, then no argument but
 * WITHVALUES may follow, then with WITHVALUES the count must stay within
 * +-LLONG_MAX / 2 (twice as many replies).  Replies the error and returns
 * -1 on failure. */
static int randfield_parse(struct conn *c, long long *count, int *withvalues)
{
    *withvalues = c->argc == 4;
    if (util_str2ll(c->argv[2].ptr, c->argv[2].len, count) != 0) {
        reply_error(c, ERR_NOT_INT);
        return -1;
    }
    if (*count == LLONG_MIN) {
        reply_error(c, HASH_ERR_COUNT_RANGE);
        return -1;
    }
    if (c->argc > 4 ||
        (*withvalues && !util_arg_is(&c->argv[3], "withvalues"))) {
        reply_error(c, ERR_SYNTAX);
        return -1;
    }
    if (*withvalues && (*count < -LLONG_MAX / 2 || *count > LLONG_MAX / 2)) {
        reply_error(c, HASH_ERR_RANGE);
        return -1;
    }
    return 0;
}

/* HRANDFIELD key [count [WITHVALUES]]
 * Without a count: one field, or nil. */
static void hrandfield_command(struct conn *c)
{
    struct hashobj_entry e;
    long long count;
    int withvalues, err;

    if (c->argc >= 3) {
        if (randfield_parse(c, &count, &withvalues) == 0)
            randfield_with_count(c, count, withvalues);
        return;
    }

    struct obj *o = hash_lookup_read(c, &err);
    if (err)
        return;
    if (o == NULL || hashobj_random(o, &e) != 0)
        reply_null(c);
    else
        reply_bulk(c, e.field, e.field_len);
}

/* --- HSCAN ------------------------------------------------------------- */

/* Pairs collected by one HSCAN call on a hashtable.  They point into the
 * dict, which does not change while the command runs. */
struct hscan_pairs {
    const struct scan_opts *opts;
    struct hscan_pair {
        const char *f, *v;
        size_t flen, vlen;
    } * pairs;
    size_t n, cap;
    size_t items; /* fields and values visited, matching or not */
};

static int hscan_matches(const struct scan_opts *o,
                         const struct hashobj_entry *e)
{
    return o->pat == NULL ||
           util_glob_match(o->pat, o->plen, e->field, e->field_len, 0);
}

static void hscan_collect(void *data, const struct hashobj_entry *e)
{
    struct hscan_pairs *hp = data;

    hp->items += 2;
    if (!hscan_matches(hp->opts, e))
        return;
    if (hp->n == hp->cap) {
        hp->cap = hp->cap ? hp->cap * 2 : 16;
        hp->pairs = xrealloc(hp->pairs, hp->cap * sizeof(*hp->pairs));
    }
    hp->pairs[hp->n++] =
        (struct hscan_pair){e->field, e->value, e->field_len, e->value_len};
}

/* One HSCAN call on a hashtable: step the cursor until count items
 * (fields and values both count, as in Redis) were visited, the scan is
 * complete, or count * 10 steps were made. */
static void hscan_table(struct conn *c, struct obj *o, uint64_t cursor,
                        const struct scan_opts *opts)
{
    struct hscan_pairs hp = {opts, NULL, 0, 0, 0};
    long long max_steps =
        opts->count > LLONG_MAX / 10 ? LLONG_MAX : opts->count * 10;

    do {
        cursor = hashobj_scan(o, cursor, hscan_collect, &hp);
    } while (cursor && max_steps-- &&
             hp.items < (unsigned long long)opts->count);

    /* Redis prints the unsigned cursor as a signed number. */
    reply_array(c, 2);
    reply_bulk_ll(c, (long long)cursor);
    reply_array(c, (long long)hp.n * 2);
    for (size_t i = 0; i < hp.n; i++) {
        reply_bulk(c, hp.pairs[i].f, hp.pairs[i].flen);
        reply_bulk(c, hp.pairs[i].v, hp.pairs[i].vlen);
    }
    xfree(hp.pairs);
}

struct hscan_stream {
    struct conn *c;
    const struct scan_opts *opts;
    long long n;
};

static void hscan_emit(void *data, const struct hashobj_entry *e)
{
    struct hscan_stream *s = data;

    if (!hscan_matches(s->opts, e))
        return;
    reply_bulk(s->c, e->field, e->field_len);
    reply_bulk(s->c, e->value, e->value_len);
    s->n += 2;
}

/* A listpack hash is answered whole, with cursor 0, whatever the cursor
 * given, as Redis does; the pairs are replied as they are visited. */
static void hscan_packed(struct conn *c, struct obj *o,
                         const struct scan_opts *opts)
{
    struct hscan_stream s = {c, opts, 0};

    reply_array(c, 2);
    reply_bulk(c, "0", 1);
    size_t handle = reply_defer_len(c);
    uint64_t next = hashobj_scan(o, 0, hscan_emit, &s);
    assert(next == 0);
    reply_set_deferred_len(c, handle, '*', s.n);
}

/* HSCAN key cursor [MATCH pattern] [COUNT count] */
static void hscan_command(struct conn *c)
{
    struct scan_opts opts;
    uint64_t cursor;
    int err;

    if (util_parse_cursor(&c->argv[2], &cursor) != 0) {
        reply_error(c, HASH_ERR_CURSOR);
        return;
    }
    struct obj *o = hash_lookup_read(c, &err);
    if (err)
        return;
    if (o == NULL) {
        reply_array(c, 2);
        reply_bulk(c, "0", 1);
        reply_array(c, 0);
        return;
    }
    if (keys_parse_scan_opts(c, 3, 0, &opts) != 0)
        return;
    if (o->encoding == OBJ_ENC_LISTPACK)
        hscan_packed(c, o, &opts);
    else
        hscan_table(c, o, cursor, &opts);
}

/* --- the command table ------------------------------------------------- */

struct cmd hash_commands[] = {
    {.name = "hset",
     .proc = hset_command,
     .arity = -4,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl_categories = "@write @hash @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "hash",
     .since = "2.0.0",
     .summary = "Set the string value of a hash field",
     .complexity = HASH_HSET_COMPLEXITY},
    {.name = "hsetnx",
     .proc = hsetnx_command,
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl_categories = "@write @hash @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "hash",
     .since = "2.0.0",
     .summary =
         "Set the value of a hash field, only if the field does not exist",
     .complexity = "O(1)"},
    {.name = "hget",
     .proc = hget_command,
     .arity = 3,
     .flags = CMD_READONLY | CMD_FAST,
     .acl_categories = "@read @hash @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "hash",
     .since = "2.0.0",
     .summary = "Get the value of a hash field",
     .complexity = "O(1)"},
    {.name = "hmset",
     .proc = hmset_command,
     .arity = -4,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl_categories = "@write @hash @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "hash",
     .since = "2.0.0",
     .summary = "Set multiple hash fields to multiple values",
     .complexity = "O(N) where N is the number of fields being set."},
    {.name = "hmget",
     .proc = hmget_command,
     .arity = -3,
     .flags = CMD_READONLY | CMD_FAST,
     .acl_categories = "@read @hash @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "hash",
     .since = "2.0.0",
     .summary = "Get the values of all the given hash fields",
     .complexity = "O(N) where N is the number of fields being requested."},
    {.name = "hdel",
     .proc = hdel_command,
     .arity = -3,
     .flags = CMD_WRITE | CMD_FAST,
     .acl_categories = "@write @hash @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "hash",
     .since = "2.0.0",
     .summary = "Delete one or more hash fields",
     .complexity = "O(N) where N is the number of fields to be removed."},
    {.name = "hlen",
     .proc = hlen_command,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .acl_categories = "@read @hash @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "hash",
     .since = "2.0.0",
     .summary = "Get the number of fields in a hash",
     .complexity = "O(1)"},
    {.name = "hstrlen",
     .proc = hstrlen_command,
     .arity = 3,
     .flags = CMD_READONLY | CMD_FAST,
     .acl_categories = "@read @hash @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "hash",
     .since = "3.2.0",
     .summary = "Get the length of the value of a hash field",
     .complexity = "O(1)"},
    {.name = "hexists",
     .proc = hexists_command,
     .arity = 3,
     .flags = CMD_READONLY | CMD_FAST,
     .acl_categories = "@read @hash @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "hash",
     .since = "2.0.0",
     .summary = "Determine if a hash field exists",
     .complexity = "O(1)"},
    {.name = "hgetall",
     .proc = hgetall_command,
     .arity = 2,
     .flags = CMD_READONLY,
     .acl_categories = "@read @hash @slow",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "hash",
     .since = "2.0.0",
     .summary = "Get all the fields and values in a hash",
     .complexity = "O(N) where N is the size of the hash."},
    {.name = "hkeys",
     .proc = hkeys_command,
     .arity = 2,
     .flags = CMD_READONLY,
     .acl_categories = "@read @hash @slow",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "hash",
     .since = "2.0.0",
     .summary = "Get all the fields in a hash",
     .complexity = "O(N) where N is the size of the hash."},
    {.name = "hvals",
     .proc = hvals_command,
     .arity = 2,
     .flags = CMD_READONLY,
     .acl_categories = "@read @hash @slow",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "hash",
     .since = "2.0.0",
     .summary = "Get all the values in a hash",
     .complexity = "O(N) where N is the size of the hash."},
    {.name = "hincrby",
     .proc = hincrby_command,
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl_categories = "@write @hash @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "hash",
     .since = "2.0.0",
     .summary =
         "Increment the integer value of a hash field by the given number",
     .complexity = "O(1)"},
    {.name = "hincrbyfloat",
     .proc = hincrbyfloat_command,
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl_categories = "@write @hash @fast",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "hash",
     .since = "2.6.0",
     .summary = "Increment the float value of a hash field by the given amount",
     .complexity = "O(1)"},
    {.name = "hrandfield",
     .proc = hrandfield_command,
     .arity = -2,
     .flags = CMD_READONLY,
     .acl_categories = "@read @hash @slow",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "hash",
     .since = "6.2.0",
     .summary = "Get one or multiple random fields from a hash",
     .complexity = "O(N) where N is the number of fields returned"},
    {.name = "hscan",
     .proc = hscan_command,
     .arity = -3,
     .flags = CMD_READONLY,
     .acl_categories = "@read @hash @slow",
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "hash",
     .since = "2.8.0",
     .summary = "Incrementally iterate hash fields and associated values",
     .complexity = HASH_SCAN_COMPLEXITY},
    {0}};
