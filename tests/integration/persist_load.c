/* persist_load.c -- rewrites and snapshots under a write load: the data on
 * disk is the data in memory.
 *
 * A dump of a server is its whole keyspace read back through commands: per
 * database every key (SCAN), its type, its value (GET, LRANGE, HGETALL
 * with the pairs sorted) and whether it has a TTL, one sorted line per key.
 * Two servers hold the same data when their dumps are equal.
 *
 * - BGREWRITEAOF several times while one client pipelines a random write
 *   load of every type (strings, counters, lists, hashes, TTLs long and
 *   short, transactions, SELECT, SWAPDB) and another is served by BLMOVE
 *   as the load pushes: with both base formats and every appendfsync
 *   policy, the live dump equals the dump after a restart from the AOF.
 * - BGSAVE in the middle of a pipelined load of transactions (each ends
 *   with INCR seq): after a restart from dump.rdb with appendonly no, seq
 *   says how many transactions the dump holds, and the dump equals that of
 *   a fresh server that ran exactly those transactions.
 *
 * The load is random from a seed printed with any failure. */
#include <criterion/criterion.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define WAIT_MS    10000
#define DBS        4   /* databases the load writes */
#define BATCH      200 /* requests per pipelined write of the load */
#define REWRITES   4
#define SHORT_TTL  80    /* ms, the longest short TTL of the load */
#define TXNS       20000 /* transactions of the BGSAVE test */
#define PRELOAD    20000 /* keys that make a fork's child work a while */
#define PRELOAD_DB "8"

TestSuite(persist_load, .timeout = 120);

/* ---- randomness ---------------------------------------------------------- */

struct rng {
    uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 2685821657736338717ULL;
}

static unsigned rng_below(struct rng *r, unsigned n)
{
    return (unsigned)(rng_next(r) % n);
}

static uint64_t new_seed(void)
{
    uint64_t s = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 24) ^
                 (uint64_t)hs_now_ms();
    return s ? s : 1;
}

/* ---- a growing byte string ------------------------------------------------
 */

struct text {
    char *p;
    size_t len, cap;
};

static void text_add(struct text *t, const void *p, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->p = realloc(t->p, t->cap);
    }
    memcpy(t->p + t->len, p, n);
    t->len += n;
    t->p[t->len] = '\0';
}

static void text_addf(struct text *t, const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    text_add(t, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* Bytes as printable text: \xHH for anything else, and for '\\'. */
static void text_add_escaped(struct text *t, const char *p, size_t n)
{
    text_add(t, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
            text_add(t, p + i, 1);
        else
            text_addf(t, "\\x%02x", c);
    }
    text_add(t, "\"", 1);
}

/* ---- the random load ------------------------------------------------------
 */

/* Where the load is: the request bytes, and how many replies they ask. */
struct load {
    struct rng rng;
    struct text req;
    int replies;
    int short_ttls; /* PX of at most SHORT_TTL ms allowed */
};

static void emit(struct load *l, int argc, const char *const *argv,
                 const size_t *lens)
{
    hs_encode(&l->req.p, &l->req.len, argc, argv, lens);
    l->req.cap = l->req.len; /* hs_encode reallocs as it likes */
    l->replies++;
}

#define EMIT(l, ...)                                                           \
    do {                                                                       \
        const char *argv_[] = {__VA_ARGS__};                                   \
        emit((l), (int)(sizeof(argv_) / sizeof(argv_[0])), argv_, NULL);       \
    } while (0)

/* A value: digits, text, long runs, or bytes RESP must carry verbatim. */
static void random_value(struct load *l, char *buf, size_t *len)
{
    static const char *fixed[] = {"0",   "-1",   "9223372036854775807",
                                  "",    "\r\n", "*1\r\n$1\r\nx\r\n",
                                  "007", "1.5"};
    size_t n;

    switch (rng_below(&l->rng, 6)) {
    case 0:
        strcpy(buf, fixed[rng_below(&l->rng, 8)]);
        *len = strlen(buf);
        return;
    case 1:
        *len = (size_t)snprintf(buf, 32, "%u", rng_below(&l->rng, 100000));
        return;
    case 2:
        n = 40 + rng_below(&l->rng, 200);
        for (size_t i = 0; i < n; i++)
            buf[i] = "abcab"[i % 5];
        *len = n;
        return;
    case 3:
        n = rng_below(&l->rng, 24);
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)rng_next(&l->rng);
        *len = n;
        return;
    default:
        n = 1 + rng_below(&l->rng, 12);
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)('a' + rng_below(&l->rng, 26));
        *len = n;
    }
}

static void key_of(struct load *l, char *out, const char *prefix, unsigned n)
{
    snprintf(out, 32, "%s:%u", prefix, rng_below(&l->rng, n));
}

/* One random write request (or a few, for MULTI ... EXEC). */
static void random_write(struct load *l, int in_multi)
{
    char k[32], k2[32], v[256], f[32], num[32];
    size_t vlen;
    unsigned op = rng_below(&l->rng, 40);

    random_value(l, v, &vlen);
    key_of(l, k, "s", 60);
    key_of(l, f, "f", 30);
    snprintf(num, sizeof(num), "%u", 1 + rng_below(&l->rng, 5));
    switch (op) {
    case 0:
    case 1:
    case 2: {
        const char *argv[] = {"SET", k, v};
        size_t lens[] = {3, strlen(k), vlen};
        emit(l, 3, argv, lens);
        return;
    }
    case 3: {
        const char *argv[] = {"SET", k, v, "EX", "100000"};
        size_t lens[] = {3, strlen(k), vlen, 2, 6};
        emit(l, 5, argv, lens);
        return;
    }
    case 4:
        if (l->short_ttls) {
            char ms[16];
            key_of(l, k, "t", 30);
            snprintf(ms, sizeof(ms), "%u", 1 + rng_below(&l->rng, SHORT_TTL));
            EMIT(l, "SET", k, "short", "PX", ms);
        } else {
            EMIT(l, "SET", k, "kept", "KEEPTTL");
        }
        return;
    case 5: {
        const char *argv[] = {"APPEND", k, v};
        size_t lens[] = {6, strlen(k), vlen};
        emit(l, 3, argv, lens);
        return;
    }
    case 6:
        EMIT(l, "SETRANGE", k, num, "xyz");
        return;
    case 7:
        key_of(l, k2, "s", 60);
        EMIT(l, "MSET", k, "m1", k2, "m2");
        return;
    case 8:
        EMIT(l, "GETDEL", k);
        return;
    case 9:
        EMIT(l, "GETEX", k, rng_below(&l->rng, 2) ? "PERSIST" : "EX", "5000");
        return;
    case 10:
        key_of(l, k, "n", 20);
        EMIT(l, "INCR", k);
        return;
    case 11:
        key_of(l, k, "n", 20);
        EMIT(l, "INCRBYFLOAT", k, "1.25");
        return;
    case 12:
        key_of(l, k, "n", 20);
        EMIT(l, "DECRBY", k, num);
        return;
    case 13:
        key_of(l, k, "l", 30);
        EMIT(l, "DEL", k);
        return;
    case 14:
        EMIT(l, "EXPIRE", k, "100000");
        return;
    case 15:
        EMIT(l, "PERSIST", k);
        return;
    case 16:
        key_of(l, k2, "s", 60);
        EMIT(l, "RENAME", k, k2);
        return;
    case 17:
    case 18:
    case 19: {
        key_of(l, k, "l", 30);
        const char *argv[] = {rng_below(&l->rng, 2) ? "RPUSH" : "LPUSH", k, v,
                              "x"};
        size_t lens[] = {5, strlen(k), vlen, 1};
        emit(l, 4, argv, lens);
        return;
    }
    case 20:
        key_of(l, k, "l", 30);
        EMIT(l, rng_below(&l->rng, 2) ? "LPOP" : "RPOP", k);
        return;
    case 21:
        key_of(l, k, "l", 30);
        EMIT(l, "LPOP", k, num);
        return;
    case 22:
        key_of(l, k, "l", 30);
        EMIT(l, "LSET", k, "0", "set");
        return;
    case 23:
        key_of(l, k, "l", 30);
        EMIT(l, "LTRIM", k, "0", "20");
        return;
    case 24:
        key_of(l, k, "l", 30);
        EMIT(l, "LREM", k, "0", "x");
        return;
    case 25:
        key_of(l, k, "l", 30);
        EMIT(l, "LINSERT", k, "BEFORE", "x", "ins");
        return;
    case 26:
        key_of(l, k, "l", 30);
        key_of(l, k2, "l", 30);
        EMIT(l, "LMOVE", k, k2, "LEFT", "RIGHT");
        return;
    case 27:
        key_of(l, k, "l", 30);
        key_of(l, k2, "l", 30);
        EMIT(l, "RPOPLPUSH", k, k2);
        return;
    case 28:
        EMIT(l, "RPUSH", "bq:src", "job");
        return;
    case 29:
    case 30:
    case 31: {
        key_of(l, k, "h", 30);
        const char *argv[] = {"HSET", k, f, v};
        size_t lens[] = {4, strlen(k), strlen(f), vlen};
        emit(l, 4, argv, lens);
        return;
    }
    case 32:
        key_of(l, k, "h", 30);
        EMIT(l, "HDEL", k, f);
        return;
    case 33:
        key_of(l, k, "h", 30);
        EMIT(l, "HINCRBY", k, "cnt", num);
        return;
    case 34:
        key_of(l, k, "h", 30);
        EMIT(l, "HINCRBYFLOAT", k, "flt", "0.5");
        return;
    case 35:
        key_of(l, k, "h", 30);
        EMIT(l, "HSETNX", k, f, "nx");
        return;
    case 36:
        key_of(l, k, "h", 30);
        EMIT(l, "PEXPIREAT", k, "99999999999999");
        return;
    case 37:
        if (!in_multi) {
            /* Mostly away from database 0, where a missing SELECT in a
             * new incr file would put the commands after it. */
            unsigned d = rng_below(&l->rng, 7);
            snprintf(num, sizeof(num), "%u", d < 6 ? 1 + d % (DBS - 1) : 0);
            EMIT(l, "SELECT", num);
            return;
        }
        EMIT(l, "INCR", "n:0");
        return;
    case 38:
        if (!in_multi && rng_below(&l->rng, 10) == 0) {
            EMIT(l, "SWAPDB", "1", "2");
            return;
        }
        EMIT(l, "DEL", k);
        return;
    default:
        if (in_multi) {
            EMIT(l, "SET", k, "in-multi");
            return;
        }
        EMIT(l, "MULTI");
        for (unsigned i = 0, n = 1 + rng_below(&l->rng, 4); i < n; i++)
            random_write(l, 1);
        EMIT(l, "EXEC");
    }
}

/* ---- dumps ----------------------------------------------------------------
 */

static struct hs_reply call_argv(struct hs_client *c, int argc,
                                 const char *const *argv)
{
    char *req = NULL;
    size_t len = 0;
    struct hs_reply r;

    hs_encode(&req, &len, argc, argv, NULL);
    cr_assert_eq(hs_send(c, req, len), 0, "send %s", argv[0]);
    free(req);
    cr_assert_eq(hs_read_reply(c, WAIT_MS, &r), HS_OK, "no reply to %s",
                 argv[0]);
    return r;
}

#define CALL(c, ...)                                                           \
    ({                                                                         \
        const char *argv_[] = {__VA_ARGS__};                                   \
        call_argv((c), (int)(sizeof(argv_) / sizeof(argv_[0])), argv_);        \
    })

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One key's line (without the database), or NULL when it is gone. */
static char *dump_key(struct hs_client *c, const char *key, size_t klen)
{
    char kbuf[256];
    struct text t = {0};

    cr_assert_lt(klen, sizeof(kbuf));
    memcpy(kbuf, key, klen);
    kbuf[klen] = '\0';
    struct hs_reply type = CALL(c, "TYPE", kbuf);
    const char *ty = type.reply->str;
    if (strcmp(ty, "none") == 0) {
        hs_reply_free(&type);
        return NULL;
    }
    text_add_escaped(&t, key, klen);
    text_addf(&t, " %s", ty);
    struct hs_reply v;
    if (strcmp(ty, "string") == 0) {
        v = CALL(c, "GET", kbuf);
        text_add(&t, " ", 1);
        text_add_escaped(&t, v.reply->str, v.reply->len);
    } else if (strcmp(ty, "list") == 0) {
        v = CALL(c, "LRANGE", kbuf, "0", "-1");
        for (size_t i = 0; i < v.reply->elements; i++) {
            text_add(&t, " ", 1);
            text_add_escaped(&t, v.reply->element[i]->str,
                             v.reply->element[i]->len);
        }
    } else {
        cr_assert_str_eq(ty, "hash", "unexpected type of %s", kbuf);
        v = CALL(c, "HGETALL", kbuf);
        size_t n = v.reply->elements / 2;
        char **pairs = calloc(n + 1, sizeof(*pairs));
        for (size_t i = 0; i < n; i++) {
            struct text p = {0};
            struct resp_reply *f = v.reply->element[2 * i];
            struct resp_reply *val = v.reply->element[2 * i + 1];
            text_add_escaped(&p, f->str, f->len);
            text_add(&p, "=", 1);
            text_add_escaped(&p, val->str, val->len);
            pairs[i] = p.p;
        }
        qsort(pairs, n, sizeof(*pairs), cmp_line);
        for (size_t i = 0; i < n; i++) {
            text_addf(&t, " %s", pairs[i]);
            free(pairs[i]);
        }
        free(pairs);
    }
    hs_reply_free(&v);
    hs_reply_free(&type);
    struct hs_reply ttl = CALL(c, "PTTL", kbuf);
    text_addf(&t, " %s", ttl.reply->integer > 0 ? "ttl" : "-");
    hs_reply_free(&ttl);
    return t.p;
}

/* The whole keyspace (databases 0 .. DBS-1) as sorted lines; *keys gets
 * the key count.  The caller frees it. */
static char *dump(const struct hs_server *s, int *keys)
{
    struct hs_client c;
    struct text all = {0};
    char db[8];

    *keys = 0;
    cr_assert_eq(hs_connect(s, &c), 0);
    for (int d = 0; d < DBS; d++) {
        snprintf(db, sizeof(db), "%d", d);
        struct hs_reply r = CALL(&c, "SELECT", db);
        hs_reply_free(&r);
        size_t n = 0, cap = 64;
        char **lines = malloc(cap * sizeof(*lines));
        char cursor[32] = "0";
        do {
            struct hs_reply sc = CALL(&c, "SCAN", cursor, "COUNT", "1000");
            struct resp_reply *ks = sc.reply->element[1];
            snprintf(cursor, sizeof(cursor), "%s", sc.reply->element[0]->str);
            for (size_t i = 0; i < ks->elements; i++) {
                char *line =
                    dump_key(&c, ks->element[i]->str, ks->element[i]->len);
                if (line == NULL)
                    continue;
                if (n == cap)
                    lines = realloc(lines, (cap *= 2) * sizeof(*lines));
                lines[n++] = line;
            }
            hs_reply_free(&sc);
        } while (strcmp(cursor, "0") != 0);
        qsort(lines, n, sizeof(*lines), cmp_line);
        for (size_t i = 0; i < n; i++) {
            text_addf(&all, "%d ", d);
            text_add(&all, lines[i], strlen(lines[i]));
            text_add(&all, "\n", 1);
            free(lines[i]);
        }
        free(lines);
        *keys += (int)n;
    }
    hs_close(&c);
    if (all.p == NULL)
        text_add(&all, "", 0);
    return all.p;
}

/* Fail naming the first line that differs. */
static void assert_same_dump(const char *want, const char *got, uint64_t seed,
                             const char *what)
{
    const char *w = want, *g = got;
    int line = 1;

    while (*w && *w == *g) {
        if (*w == '\n')
            line++;
        w++;
        g++;
    }
    if (*w == '\0' && *g == '\0')
        return;
    while (w > want && w[-1] != '\n')
        w--;
    while (g > got && g[-1] != '\n')
        g--;
    cr_assert_fail("%s (seed %llu): line %d differs\nexpected: %.400s\n"
                   "got:      %.400s",
                   what, (unsigned long long)seed, line, w, g);
}

/* A field of INFO persistence, as a string the caller frees. */
static char *info_str(struct hs_client *c, const char *field)
{
    char want[64];
    struct hs_reply r = CALL(c, "INFO", "persistence");

    snprintf(want, sizeof(want), "\r\n%s:", field);
    const char *p = strstr(r.reply->str, want);
    cr_assert_not_null(p, "no %s in INFO", field);
    p += strlen(want);
    char *v = strndup(p, strcspn(p, "\r\n"));
    hs_reply_free(&r);
    return v;
}

static long long info_ll(struct hs_client *c, const char *field)
{
    char *v = info_str(c, field);
    long long n = atoll(v);
    free(v);
    return n;
}

/* Keys enough that a fork's child takes a moment, pipelined, in database
 * PRELOAD_DB (outside the dumps: DBSIZE checks them). */
static void preload(struct hs_client *c)
{
    char *req = NULL, val[128];
    size_t len = 0;
    int sent = 0;
    const char *select[] = {"SELECT", PRELOAD_DB}, *back[] = {"SELECT", "0"};

    hs_encode(&req, &len, 2, select, NULL);

    memset(val, 'p', sizeof(val) - 1);
    val[sizeof(val) - 1] = '\0';
    for (int i = 0; i < PRELOAD; i += 500, sent++) {
        const char *argv[1 + 2 * 500];
        static char keys[500][32];
        int argc = 0;
        argv[argc++] = "MSET";
        for (int j = 0; j < 500; j++) {
            snprintf(keys[j], sizeof(keys[j]), "pre:%d", i + j);
            argv[argc++] = keys[j];
            argv[argc++] = val;
        }
        hs_encode(&req, &len, argc, argv, NULL);
    }
    hs_encode(&req, &len, 2, back, NULL);
    cr_assert_eq(hs_send(c, req, len), 0);
    free(req);
    for (int i = 0; i < sent + 2; i++)
        hs_assert_reply(c, "+OK\r\n");
}

static long long dbsize_of(struct hs_client *c, const char *db)
{
    struct hs_reply r = CALL(c, "SELECT", db);
    hs_reply_free(&r);
    r = CALL(c, "DBSIZE");
    long long n = r.reply->integer;
    hs_reply_free(&r);
    r = CALL(c, "SELECT", "0");
    hs_reply_free(&r);
    return n;
}

/* ---- the load's threads ---------------------------------------------------
 */

struct writer {
    const struct hs_server *srv;
    uint64_t seed;
    atomic_int stop;
    atomic_long done; /* requests answered */
    int failed;       /* the connection broke, or a reply was not RESP */
    char why[128];
};

static void *write_load(void *arg)
{
    struct writer *w = arg;
    struct hs_client c;
    struct load l = {.rng = {w->seed}, .short_ttls = 1};

    if (hs_connect(w->srv, &c) != 0) {
        w->failed = 1;
        snprintf(w->why, sizeof(w->why), "writer: connect");
        return NULL;
    }
    while (!atomic_load(&w->stop)) {
        l.req.len = 0;
        l.replies = 0;
        while (l.replies < BATCH)
            random_write(&l, 0);
        if (hs_send(&c, l.req.p, l.req.len) != 0) {
            w->failed = 1;
            snprintf(w->why, sizeof(w->why), "writer: send");
            break;
        }
        for (int i = 0; i < l.replies; i++) {
            struct hs_reply r;
            int rc = hs_read_reply(&c, WAIT_MS, &r);
            if (rc != HS_OK) {
                w->failed = 1;
                snprintf(w->why, sizeof(w->why), "writer: reply %d: %d", i, rc);
                goto out;
            }
            if (r.reply->type == RESP_ERROR &&
                strncmp(r.reply->str, "MISCONF", 7) == 0) {
                w->failed = 1;
                snprintf(w->why, sizeof(w->why), "writer: %.100s",
                         r.reply->str);
            }
            hs_reply_free(&r);
        }
        atomic_fetch_add(&w->done, l.replies);
    }
out:
    free(l.req.p);
    hs_close(&c);
    return NULL;
}

/* Served by the load's RPUSH bq:src: each move is logged as LMOVE. */
static void *block_load(void *arg)
{
    struct writer *w = arg;
    struct hs_client c;

    if (hs_connect(w->srv, &c) != 0)
        return NULL;
    while (!atomic_load(&w->stop)) {
        const char *argv[] = {"BLMOVE", "bq:src", "bq:dst",
                              "RIGHT",  "LEFT",   "0.05"};
        char *req = NULL;
        size_t len = 0;
        struct hs_reply r;
        hs_encode(&req, &len, 6, argv, NULL);
        int ok = hs_send(&c, req, len) == 0 &&
                 hs_read_reply(&c, WAIT_MS, &r) == HS_OK;
        free(req);
        if (!ok)
            break;
        hs_reply_free(&r);
    }
    hs_close(&c);
    return NULL;
}

/* ---- BGREWRITEAOF under load ----------------------------------------------
 */

static const char *const aof_args[] = {"--appendonly", "yes", NULL};

/* BGREWRITEAOF between two writes to database 3, pipelined in one send so
 * that no other client's command comes between: the last command of the
 * old incr file and the first of the new one are both in database 3, so
 * the new file needs its own SELECT. */
static void start_rewrite_between_writes(struct hs_client *c, int i)
{
    char before[32], after[32], *req = NULL;
    size_t len = 0;
    const char *select3[] = {"SELECT", "3"}, *select0[] = {"SELECT", "0"};
    const char *set1[] = {"SET", before, "1"}, *set2[] = {"SET", after, "2"};
    const char *rewrite[] = {"BGREWRITEAOF"};

    snprintf(before, sizeof(before), "marker:%d:before", i);
    snprintf(after, sizeof(after), "marker:%d:after", i);
    hs_encode(&req, &len, 2, select3, NULL);
    hs_encode(&req, &len, 3, set1, NULL);
    hs_encode(&req, &len, 1, rewrite, NULL);
    hs_encode(&req, &len, 3, set2, NULL);
    hs_encode(&req, &len, 2, select0, NULL);
    cr_assert_eq(hs_send(c, req, len), 0);
    free(req);
    hs_assert_reply(c, "+OK\r\n");
    hs_assert_reply(c, "+OK\r\n");
    hs_assert_reply(c, "+Background append only file rewriting started\r\n");
    hs_assert_reply(c, "+OK\r\n");
    hs_assert_reply(c, "+OK\r\n");
}

/* One phase: rewrites under the load, then the live dump against the
 * dump after a restart.  The restart replays the incr file of the last
 * rewrite, so each phase checks one more switch. */
static void rewrites_then_restart(struct hs_server *s, int first)
{
    static const char *fsyncs[] = {"everysec", "always", "no", "everysec"};
    struct hs_client c;
    struct writer w = {.srv = s, .seed = new_seed()};
    pthread_t wt, bt;

    cr_assert_eq(hs_connect(s, &c), 0);
    long long rewrites = info_ll(&c, "aof_rewrites");
    cr_assert_eq(pthread_create(&wt, NULL, write_load, &w), 0);
    cr_assert_eq(pthread_create(&bt, NULL, block_load, &w), 0);
    hs_sleep_ms(100);

    for (int i = first; i < first + REWRITES / 2; i++) {
        struct hs_reply r =
            CALL(&c, "CONFIG", "SET", "aof-use-rdb-preamble",
                 i % 2 ? "no" : "yes", "appendfsync", fsyncs[i]);
        hs_reply_free(&r);
        long done = atomic_load(&w.done);
        start_rewrite_between_writes(&c, i);
        rewrites++;
        long long deadline = hs_now_ms() + WAIT_MS;
        while (info_ll(&c, "aof_rewrite_in_progress") != 0 ||
               info_ll(&c, "aof_rewrites") < rewrites) {
            cr_assert_lt(hs_now_ms(), deadline, "rewrite %d hangs", i + 1);
            hs_sleep_ms(10);
        }
        char *status = info_str(&c, "aof_last_bgrewrite_status");
        cr_assert_str_eq(status, "ok", "rewrite %d", i + 1);
        free(status);
        /* The load went on while the child ran. */
        cr_assert_gt(atomic_load(&w.done), done, "no writes during rewrite %d",
                     i + 1);
        hs_sleep_ms(100);
    }
    atomic_store(&w.stop, 1);
    pthread_join(wt, NULL);
    pthread_join(bt, NULL);
    cr_assert_eq(w.failed, 0, "%s (seed %llu)", w.why,
                 (unsigned long long)w.seed);
    cr_assert_gt(atomic_load(&w.done), 5 * BATCH);
    /* The short TTLs have passed: no key expires between the dumps. */
    hs_sleep_ms(SHORT_TTL + 50);

    int live_keys, restarted_keys;
    char *live = dump(s, &live_keys);
    hs_close(&c);
    cr_assert_eq(hs_terminate(s), 0);
    cr_assert_eq(hs_restart(s, "--appendonly", "yes", NULL), 0);
    char *restarted = dump(s, &restarted_keys);
    assert_same_dump(live, restarted, w.seed, "after a restart from the AOF");
    cr_assert_eq(restarted_keys, live_keys);
    cr_assert_gt(live_keys, 100);
    cr_assert_eq(hs_connect(s, &c), 0);
    cr_assert_eq(dbsize_of(&c, PRELOAD_DB), PRELOAD);
    hs_close(&c);
    free(live);
    free(restarted);
}

Test(persist_load, bgrewriteaof_under_a_write_load_then_restart_is_equal)
{
    struct hs_server s;
    struct hs_client c;

    cr_assert_eq(hs_start_argv(&s, aof_args), 0);
    cr_assert_eq(hs_connect(&s, &c), 0);
    preload(&c);
    hs_close(&c);
    rewrites_then_restart(&s, 0);
    rewrites_then_restart(&s, REWRITES / 2);
    hs_stop(&s);
}

/* ---- BGSAVE under load ----------------------------------------------------
 */

/* TXNS transactions: MULTI, INCR seq in database 0, SELECT of a random
 * database, a few random writes (TTLs long enough to outlive the test),
 * EXEC.  off[i] is where transaction i starts in l->req, nrep[i] how many
 * replies it asks for. */
static void transactions(struct load *l, size_t *off, int *nrep)
{
    char db[8];

    for (int i = 0; i < TXNS; i++) {
        off[i] = l->req.len;
        int before = l->replies;
        EMIT(l, "MULTI");
        EMIT(l, "SELECT", "0");
        EMIT(l, "INCR", "seq");
        snprintf(db, sizeof(db), "%u", rng_below(&l->rng, DBS));
        EMIT(l, "SELECT", db);
        for (unsigned k = 0, n = 1 + rng_below(&l->rng, 3); k < n; k++)
            random_write(l, 1);
        EMIT(l, "EXEC");
        nrep[i] = l->replies - before;
    }
    off[TXNS] = l->req.len;
}

struct sender {
    struct hs_client *c;
    const char *p;
    size_t len;
    int failed;
};

static void *send_all(void *arg)
{
    struct sender *s = arg;
    s->failed = hs_send(s->c, s->p, s->len) != 0;
    return NULL;
}

/* Send p[0, len) from a thread while reading `replies` replies here (a
 * load this big would fill both directions' socket buffers otherwise). */
static void pipeline(struct hs_client *c, const char *p, size_t len,
                     long replies, atomic_long *read_so_far)
{
    struct sender s = {.c = c, .p = p, .len = len};
    pthread_t t;

    cr_assert_eq(pthread_create(&t, NULL, send_all, &s), 0);
    for (long i = 0; i < replies; i++) {
        struct hs_reply r;
        cr_assert_eq(hs_read_reply(c, WAIT_MS, &r), HS_OK, "reply %ld", i);
        cr_assert_neq(r.reply->type, RESP_ERROR, "reply %ld: %s", i,
                      r.reply->str);
        hs_reply_free(&r);
        if (read_so_far)
            atomic_store(read_so_far, i + 1);
    }
    pthread_join(t, NULL);
    cr_assert_eq(s.failed, 0);
}

struct bg_load {
    struct hs_client *c;
    const char *p;
    size_t len;
    long replies;
};

static void *run_pipeline(void *arg)
{
    struct bg_load *b = arg;
    pipeline(b->c, b->p, b->len, b->replies, NULL);
    return NULL;
}

static long long seq_of(struct hs_client *c)
{
    struct hs_reply r = CALL(c, "GET", "seq");
    long long n = r.reply->type == RESP_STRING ? atoll(r.reply->str) : 0;
    hs_reply_free(&r);
    return n;
}

Test(persist_load, bgsave_under_a_load_of_transactions_holds_a_prefix_of_them)
{
    struct hs_server s, ref;
    struct hs_client load, other;
    uint64_t seed = new_seed();
    struct load l = {.rng = {seed}, .short_ttls = 0};
    size_t *off = malloc((TXNS + 1) * sizeof(*off));
    int *nrep = malloc(TXNS * sizeof(*nrep));
    long total = 0;

    transactions(&l, off, nrep);
    for (int i = 0; i < TXNS; i++)
        total += nrep[i];

    cr_assert_eq(hs_start(&s, NULL), 0);
    cr_assert_eq(hs_connect(&s, &load), 0);
    cr_assert_eq(hs_connect(&s, &other), 0);
    struct bg_load b = {&load, l.req.p, off[TXNS], total};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, run_pipeline, &b), 0);
    /* In the middle of the load. */
    long long deadline = hs_now_ms() + WAIT_MS, before;
    while ((before = seq_of(&other)) < TXNS / 10) {
        cr_assert_lt(hs_now_ms(), deadline, "the load does not start");
        hs_sleep_ms(1);
    }
    struct hs_reply r = CALL(&other, "BGSAVE");
    cr_assert_str_eq(r.reply->str, "Background saving started");
    hs_reply_free(&r);
    long long after = seq_of(&other);
    pthread_join(t, NULL);
    while (info_ll(&other, "rdb_bgsave_in_progress") != 0) {
        cr_assert_lt(hs_now_ms(), deadline, "BGSAVE hangs");
        hs_sleep_ms(10);
    }
    char *status = info_str(&other, "rdb_last_bgsave_status");
    cr_assert_str_eq(status, "ok");
    free(status);
    hs_close(&load);
    hs_close(&other);

    /* From dump.rdb (appendonly no): n transactions, each whole. */
    hs_kill(&s);
    cr_assert_eq(hs_restart(&s, NULL), 0);
    cr_assert_eq(hs_connect(&s, &other), 0);
    long long n = seq_of(&other);
    hs_close(&other);
    /* The fork came between the two reads of seq, before the end. */
    cr_assert(n >= before && n <= after && n < TXNS,
              "dump holds %lld transactions (BGSAVE between %lld and %lld "
              "of %d)",
              n, before, after, TXNS);
    int keys, ref_keys;
    char *saved = dump(&s, &keys);

    /* A fresh server that ran exactly those n transactions. */
    cr_assert_eq(hs_start(&ref, NULL), 0);
    cr_assert_eq(hs_connect(&ref, &load), 0);
    long replies = 0;
    for (long long i = 0; i < n; i++)
        replies += nrep[i];
    pipeline(&load, l.req.p, off[n], replies, NULL);
    hs_close(&load);
    char *expected = dump(&ref, &ref_keys);
    assert_same_dump(expected, saved, seed, "dump.rdb after BGSAVE under load");
    cr_assert_eq(keys, ref_keys);
    cr_assert_gt(keys, 50);

    free(saved);
    free(expected);
    free(off);
    free(nrep);
    free(l.req.p);
    hs_stop(&ref);
    hs_stop(&s);
}
