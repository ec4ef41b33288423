/* prop.c -- what the AOF logs for each command (see prop.h).
 *
 * Lifecycle of one group:
 *   1. cmd_call() of a top-level command calls prop_call_begin(): the
 *      group opens.  EXEC's queued commands nest inside it.
 *   2. While a call runs, the command may replace its logged form
 *      (prop_rewrite, prop_rewrite_arg), suppress it (prop_prevent), force
 *      it (prop_force), and anything may add entries (prop_also: expired
 *      keys' DELs, the pops of served blocked clients).
 *   3. prop_call_end() appends the call's own entry when server.dirty rose
 *      (or the call forced it), after the entries the call added while it
 *      ran, so a lazily expired key's DEL comes before the command that
 *      found it expired.
 *   4. cmd_dispatch() serves the clients the command unblocked, whose pops
 *      join the still open group, then calls prop_flush(): the entries go
 *      to aof_feed(), wrapped in MULTI ... EXEC when there is more than one
 *      or the top-level command was EXEC.
 * Outside a group (active expiry from the cron) prop_also() feeds the AOF
 * at once, one entry at a time.
 *
 * Storage: the arguments of every entry of the group are copied into one
 * byte buffer, with a span array and an entry array beside it; all three
 * keep their capacity from one group to the next, so a command costs no
 * allocation once they have grown to the usual size.  Offsets rather than
 * pointers, because the byte buffer moves when it grows. */
#include "prop.h"

#include <assert.h>
#include <string.h>

#include "aof.h"
#include "cmd.h"
#include "conn.h"
#include "db.h"
#include "server.h"
#include "util.h"

/* Calls nest at most twice (EXEC and one queued command); a little room
 * beyond that costs nothing. */
#define PROP_MAX_DEPTH 4
/* A group's byte buffer larger than this is freed after the flush instead
 * of kept: one huge MSET should not pin its size for the process's life. */
#define PROP_KEEP_BYTES (1024 * 1024)
#define PROP_KEEP_SPANS 4096

/* One argument: bytes [off, off + len) of the byte buffer. */
struct prop_span {
    size_t off, len;
};

/* One logged command: spans [first, first + argc). */
struct prop_entry {
    int db;
    int argc;
    size_t first;
};

/* What one running call has asked for. */
struct prop_level {
    int rewrite_argc; /* -1: log the command's own arguments */
    size_t rewrite_first;
    int prevented;
    int forced;
};

static struct {
    char *bytes;
    size_t nbytes, cap_bytes;
    struct prop_span *spans;
    size_t nspans, cap_spans;
    struct prop_entry *entries;
    size_t nentries, cap_entries;
    struct resp_arg *scratch; /* one entry's argv, built for aof_feed */
    size_t cap_scratch;

    int open;    /* a top-level call's group collects entries */
    int is_exec; /* ...and that call was EXEC */
    int depth;
    struct prop_level levels[PROP_MAX_DEPTH];
} g;

static const struct cmd *exec_cmd;

int prop_enabled(void)
{
    /* Commands replayed from the AOF itself are not logged again. */
    return aof_get_state() != AOF_OFF && !server.loading;
}

/* --- the group's storage ------------------------------------------------ */

/* Grow *p (an array of size-byte items with capacity *cap) to hold need
 * items. */
static void grow(void **p, size_t *cap, size_t need, size_t size)
{
    size_t n = *cap ? *cap : 16;

    if (need <= *cap)
        return;
    while (n < need)
        n *= 2;
    *p = xrealloc(*p, n * size);
    *cap = n;
}

/* Copy argv's bytes into the buffer as new spans; returns the first. */
static size_t store_args(int argc, const struct resp_arg *argv)
{
    size_t first = g.nspans, total = 0;

    for (int i = 0; i < argc; i++)
        total += argv[i].len;
    grow((void **)&g.bytes, &g.cap_bytes, g.nbytes + total, 1);
    grow((void **)&g.spans, &g.cap_spans, g.nspans + (size_t)argc,
         sizeof(*g.spans));
    for (int i = 0; i < argc; i++) {
        struct prop_span *s = &g.spans[g.nspans++];
        s->off = g.nbytes;
        s->len = argv[i].len;
        if (argv[i].len > 0)
            memcpy(g.bytes + g.nbytes, argv[i].ptr, argv[i].len);
        g.nbytes += argv[i].len;
    }
    return first;
}

static void add_entry(int db, int argc, size_t first)
{
    grow((void **)&g.entries, &g.cap_entries, g.nentries + 1,
         sizeof(*g.entries));
    g.entries[g.nentries++] = (struct prop_entry){db, argc, first};
}

/* The argv of an entry, pointing into the byte buffer until it next
 * grows. */
static const struct resp_arg *entry_argv(const struct prop_entry *e)
{
    grow((void **)&g.scratch, &g.cap_scratch, (size_t)e->argc,
         sizeof(*g.scratch));
    for (int i = 0; i < e->argc; i++) {
        const struct prop_span *s = &g.spans[e->first + (size_t)i];
        g.scratch[i].ptr = g.bytes + s->off;
        g.scratch[i].len = s->len;
    }
    return g.scratch;
}

/* Empty the group, giving back storage that a rare huge group grew. */
static void reset_group(void)
{
    if (g.cap_bytes > PROP_KEEP_BYTES) {
        xfree(g.bytes);
        g.bytes = NULL;
        g.cap_bytes = 0;
    }
    if (g.cap_spans > PROP_KEEP_SPANS) {
        xfree(g.spans);
        xfree(g.scratch);
        g.spans = NULL;
        g.scratch = NULL;
        g.cap_spans = g.cap_scratch = 0;
    }
    g.nbytes = g.nspans = g.nentries = 0;
    g.is_exec = 0;
}

/* --- what a call asks for ----------------------------------------------- */

/* The running call's level, or NULL outside any call (a blocked client
 * being served, the cron). */
static struct prop_level *current_level(void)
{
    return g.depth > 0 ? &g.levels[g.depth - 1] : NULL;
}

void prop_rewrite(struct conn *c, int argc, const struct resp_arg *argv)
{
    struct prop_level *l = current_level();

    if (l == NULL)
        return;
    l->rewrite_first = store_args(argc, argv);
    l->rewrite_argc = argc;
}

void prop_rewrite_arg(struct conn *c, int i, const char *p, size_t len)
{
    struct prop_level *l = current_level();
    struct resp_arg arg = {(char *)p, len};

    if (l == NULL)
        return;
    if (l->rewrite_argc < 0)
        prop_rewrite(c, c->argc, c->argv);
    assert(i >= 0 && i < l->rewrite_argc);
    /* The old bytes stay in the buffer unused until the flush. */
    struct prop_span *s = &g.spans[store_args(1, &arg)];
    g.spans[l->rewrite_first + (size_t)i] = *s;
    g.nspans--;
}

void prop_prevent(struct conn *c)
{
    struct prop_level *l = current_level();

    if (l != NULL)
        l->prevented = 1;
}

void prop_force(struct conn *c)
{
    struct prop_level *l = current_level();

    if (l != NULL)
        l->forced = 1;
}

void prop_also(int db, int argc, const struct resp_arg *argv)
{
    if (!g.open) {
        aof_feed(db, argc, argv);
        return;
    }
    add_entry(db, argc, store_args(argc, argv));
}

void prop_del(int db, const char *key, size_t klen)
{
    struct resp_arg argv[2] = {PROP_LIT("DEL"), {(char *)key, klen}};

    prop_also(db, 2, argv);
}

/* --- the calls ---------------------------------------------------------- */

void prop_call_begin(struct conn *c)
{
    struct prop_level *l;

    if (g.depth == 0) {
        /* A top-level call whose group nobody flushed (cmd_call from
         * outside cmd_dispatch) is complete by now. */
        if (g.open)
            prop_flush();
        g.open = 1;
    }
    assert(g.depth < PROP_MAX_DEPTH);
    l = &g.levels[g.depth++];
    l->rewrite_argc = -1;
    l->prevented = 0;
    l->forced = 0;
}

void prop_call_end(struct conn *c, const struct cmd *cmd,
                   long long dirty_before)
{
    struct prop_level *l;

    /* The AOF turned on during this call: its begin was skipped. */
    if (g.depth == 0)
        return;
    l = &g.levels[--g.depth];
    if (exec_cmd == NULL)
        exec_cmd = cmd_lookup("exec", 4);
    /* EXEC's entries are those of its commands, logged as they ran. */
    if (cmd == exec_cmd) {
        if (g.depth == 0)
            g.is_exec = 1;
        return;
    }
    if (l->prevented || (server.dirty <= dirty_before && !l->forced))
        return;
    if (l->rewrite_argc >= 0)
        add_entry(c->db->id, l->rewrite_argc, l->rewrite_first);
    else
        add_entry(c->db->id, c->argc, store_args(c->argc, c->argv));
}

void prop_flush(void)
{
    static const struct resp_arg multi = PROP_LIT("MULTI");
    static const struct resp_arg exec = PROP_LIT("EXEC");
    size_t n = g.nentries;
    int wrap;

    if (!g.open)
        return;
    g.open = 0;
    wrap = n > 1 || (n == 1 && g.is_exec);
    /* MULTI goes to the first entry's database and EXEC to the last's, so
     * any SELECT comes before MULTI and none between the last entry and
     * EXEC, as Redis writes them. */
    if (wrap)
        aof_feed(g.entries[0].db, 1, &multi);
    for (size_t i = 0; i < n; i++)
        aof_feed(g.entries[i].db, g.entries[i].argc, entry_argv(&g.entries[i]));
    if (wrap)
        aof_feed(g.entries[n - 1].db, 1, &exec);
    reset_group();
}
