/* info.c -- INFO, and the statistics only it reports.
 *
 * INFO mirrors Redis 7.0.15 field for field, in its order, so tools that
 * parse it (redis-cli --stat, ioredis's ready check, exporters) find every
 * line they expect.  Fields respd can measure are measured (Persistence
 * comes from snapshot.c and aof.c); fields about features respd lacks
 * (replication, Lua, defragmentation) carry the value Redis shows when
 * that feature is idle or off.  Per-command latency histograms are not
 * kept, so the Latencystats section is only its header. */
#include "info.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "aof.h"
#include "blocked.h"
#include "bstr.h"
#include "conn.h"
#include "db.h"
#include "dict.h"
#include "obj.h"
#include "pubsub.h"
#include "reply.h"
#include "server.h"
#include "snapshot.h"
#include "util.h"

/* Instantaneous metrics: Redis averages the last 16 samples taken every
 * 100 ms. */
#define METRIC_SAMPLES 16
enum metric {
    METRIC_COMMANDS,
    METRIC_NET_INPUT,
    METRIC_NET_OUTPUT,
    METRIC_COUNT
};

/* Distinct error codes errorstats counts; past this, new codes are
 * ignored so a client sending odd errors cannot grow the table. */
#define ERRORSTATS_MAX 128
#define ERROR_CODE_MAX 32

struct metric_track {
    long long last_value, last_ms;
    long long samples[METRIC_SAMPLES];
    int idx;
};

static struct metric_track metrics[METRIC_COUNT];

struct error_count {
    char code[ERROR_CODE_MAX + 1];
    long long count;
};

static struct error_count errors[ERRORSTATS_MAX];
static int error_kinds;

/* --- statistics fed from elsewhere -------------------------------------- */

static long long metric_value(int m)
{
    switch (m) {
    case METRIC_COMMANDS:
        return server.stat_commands;
    case METRIC_NET_INPUT:
        return server.stat_net_input_bytes;
    default:
        return server.stat_net_output_bytes;
    }
}

void info_sample_metrics(void)
{
    long long now = util_mstime();

    for (int m = 0; m < METRIC_COUNT; m++) {
        struct metric_track *t = &metrics[m];
        long long value = metric_value(m), elapsed = now - t->last_ms;

        if (t->last_ms && elapsed > 0)
            t->samples[t->idx] = (value - t->last_value) * 1000 / elapsed;
        t->idx = (t->idx + 1) % METRIC_SAMPLES;
        t->last_value = value;
        t->last_ms = now;
    }
}

static double metric_average(int m)
{
    long long sum = 0;

    for (int i = 0; i < METRIC_SAMPLES; i++)
        sum += metrics[m].samples[i];
    return (double)sum / METRIC_SAMPLES;
}

/* Errors are counted by their code, the first word ("ERR", "WRONGTYPE");
 * a message whose first space is not within 32 bytes counts as ERR, as in
 * Redis. */
void info_count_error(const char *msg, size_t len)
{
    const char *space =
        memchr(msg, ' ', len < ERROR_CODE_MAX ? len : ERROR_CODE_MAX);
    size_t n = space ? (size_t)(space - msg) : 3;
    const char *code = space ? msg : "ERR";
    int i;

    for (i = 0; i < error_kinds; i++) {
        if (strlen(errors[i].code) == n && memcmp(errors[i].code, code, n) == 0)
            break;
    }
    if (i == error_kinds) {
        if (error_kinds == ERRORSTATS_MAX)
            return;
        memcpy(errors[i].code, code, n);
        errors[i].code[n] = '\0';
        error_kinds++;
    }
    errors[i].count++;
}

void info_reset_stats(void)
{
    memset(metrics, 0, sizeof(metrics));
    memset(errors, 0, sizeof(errors));
    error_kinds = 0;
}

/* --- INFO helpers ------------------------------------------------------- */

/* "1.04M" for 1089168, as Redis's bytesToHuman prints sizes. */
static const char *human_bytes(char *buf, size_t cap, unsigned long long n)
{
    static const char units[] = "KMGTP";
    double d = (double)n;
    int u = -1;

    while (u < 4 && d >= 1024) {
        d /= 1024;
        u++;
    }
    if (u < 0)
        snprintf(buf, cap, "%lluB", n);
    else
        snprintf(buf, cap, "%.2f%c", d, units[u]);
    return buf;
}

static size_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0, resident = 0;

    if (f == NULL)
        return 0;
    if (fscanf(f, "%lu %lu", &pages, &resident) != 2)
        resident = 0;
    fclose(f);
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

static double ratio(double a, double b)
{
    return b > 0 ? a / b : 0;
}

/* --- INFO sections ------------------------------------------------------ */

/* A build id stable for one binary: a hash of when it was compiled. */
static unsigned long long build_id(void)
{
    const char *s = __DATE__ " " __TIME__;
    unsigned long long h = 1469598103934665603ULL;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static bstr info_server(bstr out)
{
    struct utsname name;
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    long long now_us = util_ustime();
    long long uptime = (now_us / 1000 - server.start_ms) / 1000;

    exe[n > 0 ? n : 0] = '\0';
    uname(&name);
    out =
        bstr_catf(out,
                  "# Server\r\n"
                  "redis_version:%s\r\nredis_git_sha1:00000000\r\n"
                  "redis_git_dirty:0\r\nredis_build_id:%llx\r\n"
                  "redis_mode:standalone\r\nos:%s %s %s\r\n"
                  "arch_bits:%d\r\nmonotonic_clock:POSIX clock_gettime\r\n"
                  "multiplexing_api:epoll\r\natomicvar_api:c11-builtin\r\n"
                  "gcc_version:%d.%d.%d\r\nprocess_id:%d\r\n"
                  "process_supervised:no\r\nrun_id:%s\r\n",
                  RESPD_VERSION, build_id(), name.sysname, name.release,
                  name.machine, (int)sizeof(long) * 8, __GNUC__, __GNUC_MINOR__,
                  __GNUC_PATCHLEVEL__, (int)getpid(), server.run_id);
    return bstr_catf(out,
                     "tcp_port:%d\r\nserver_time_usec:%lld\r\n"
                     "uptime_in_seconds:%lld\r\nuptime_in_days:%lld\r\n"
                     "hz:%d\r\nconfigured_hz:%d\r\nlru_clock:%u\r\n"
                     "executable:%s\r\nconfig_file:%s\r\n"
                     "io_threads_active:0\r\n",
                     server.port, now_us, uptime, uptime / 86400, server.hz,
                     server.hz, obj_lru_clock(), exe,
                     server.config_file ? server.config_file : "");
}

static bstr info_clients(bstr out)
{
    size_t max_in = 0, max_out = 0;

    for (struct conn *c = server.clients; c; c = c->next) {
        if (c->qbuf_peak > max_in)
            max_in = c->qbuf_peak;
        if (conn_reply_pending(c) > max_out)
            max_out = conn_reply_pending(c);
    }
    return bstr_catf(out,
                     "# Clients\r\nconnected_clients:%lld\r\n"
                     "cluster_connections:0\r\nmaxclients:%d\r\n"
                     "client_recent_max_input_buffer:%zu\r\n"
                     "client_recent_max_output_buffer:%zu\r\n"
                     "blocked_clients:%lld\r\ntracking_clients:0\r\n"
                     "clients_in_timeout_table:%lld\r\n",
                     server.connected_clients, server.maxclients, max_in,
                     max_out, blocked_count(), blocked_timeout_count());
}

/* What INFO memory derives from the allocator and the kernel. */
struct mem_info {
    size_t used, peak, rss, overhead, clients;
    size_t allocated, active, resident;
};

/* Memory not holding keys and values: client buffers and the tables of
 * the dicts. */
static void mem_overhead(struct mem_info *m)
{
    m->clients = 0;
    for (struct conn *c = server.clients; c; c = c->next)
        m->clients += sizeof(*c) + c->qcap + c->reply.cap;
    m->overhead = m->clients;
    for (int i = 0; i < server.databases; i++) {
        struct db *db = db_get(i);

        m->overhead += dict_overhead(db->keys) + dict_overhead(db->expires);
    }
}

static void mem_collect(struct mem_info *m)
{
    struct mallinfo2 mi = mallinfo2();

    m->used = util_used_memory();
    if (m->used > server.stat_peak_memory)
        server.stat_peak_memory = m->used;
    m->peak = server.stat_peak_memory;
    m->rss = rss_bytes();
    m->allocated = mi.uordblks + mi.hblkhd;
    m->active = mi.arena + mi.hblkhd;
    m->resident = m->rss;
    mem_overhead(m);
}

static bstr info_memory_usage(bstr out, const struct mem_info *m)
{
    char h1[32], h2[32], h3[32];
    size_t dataset = m->used > m->overhead ? m->used - m->overhead : 0;

    return bstr_catf(
        out,
        "# Memory\r\nused_memory:%zu\r\nused_memory_human:%s\r\n"
        "used_memory_rss:%zu\r\nused_memory_rss_human:%s\r\n"
        "used_memory_peak:%zu\r\nused_memory_peak_human:%s\r\n"
        "used_memory_peak_perc:%.2f%%\r\nused_memory_overhead:%zu\r\n"
        "used_memory_startup:%zu\r\nused_memory_dataset:%zu\r\n"
        "used_memory_dataset_perc:%.2f%%\r\nallocator_allocated:%zu\r\n"
        "allocator_active:%zu\r\nallocator_resident:%zu\r\n",
        m->used, human_bytes(h1, sizeof(h1), m->used), m->rss,
        human_bytes(h2, sizeof(h2), m->rss), m->peak,
        human_bytes(h3, sizeof(h3), m->peak),
        ratio((double)m->used * 100, (double)m->peak), m->overhead,
        server.stat_startup_memory, dataset,
        ratio((double)dataset * 100, (double)m->used), m->allocated, m->active,
        m->resident);
}

/* respd has no scripting engine; these are the values of a Redis with no
 * scripts or functions loaded. */
static bstr info_memory_scripts(bstr out)
{
    char h[32];
    long long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    unsigned long long total = (unsigned long long)pages * page;

    return bstr_catf(out,
                     "total_system_memory:%llu\r\n"
                     "total_system_memory_human:%s\r\n"
                     "used_memory_lua:32768\r\nused_memory_vm_eval:32768\r\n"
                     "used_memory_lua_human:32.00K\r\n"
                     "used_memory_scripts_eval:0\r\n"
                     "number_of_cached_scripts:0\r\nnumber_of_functions:0\r\n"
                     "number_of_libraries:0\r\n"
                     "used_memory_vm_functions:33792\r\n"
                     "used_memory_vm_total:66560\r\n"
                     "used_memory_vm_total_human:65.00K\r\n"
                     "used_memory_functions:200\r\nused_memory_scripts:200\r\n"
                     "used_memory_scripts_human:200B\r\n"
                     "maxmemory:0\r\nmaxmemory_human:0B\r\n"
                     "maxmemory_policy:noeviction\r\n",
                     total, human_bytes(h, sizeof(h), total));
}

static bstr info_memory_frag(bstr out, const struct mem_info *m)
{
    long long alloc = (long long)m->allocated, active = (long long)m->active;
    long long resident = (long long)m->resident, rss = (long long)m->rss;
    long long used = (long long)m->used;

    return bstr_catf(
        out,
        "allocator_frag_ratio:%.2f\r\nallocator_frag_bytes:%lld\r\n"
        "allocator_rss_ratio:%.2f\r\nallocator_rss_bytes:%lld\r\n"
        "rss_overhead_ratio:%.2f\r\nrss_overhead_bytes:%lld\r\n"
        "mem_fragmentation_ratio:%.2f\r\nmem_fragmentation_bytes:%lld\r\n"
        "mem_not_counted_for_evict:0\r\nmem_replication_backlog:0\r\n"
        "mem_total_replication_buffers:0\r\nmem_clients_slaves:0\r\n"
        "mem_clients_normal:%zu\r\nmem_cluster_links:0\r\n"
        "mem_aof_buffer:0\r\nmem_allocator:libc\r\n"
        "active_defrag_running:0\r\nlazyfree_pending_objects:0\r\n"
        "lazyfreed_objects:0\r\n",
        ratio((double)active, (double)alloc), active - alloc,
        ratio((double)resident, (double)active), resident - active,
        ratio((double)rss, (double)resident), rss - resident,
        ratio((double)rss, (double)used), rss - used, m->clients);
}

static bstr info_memory(bstr out)
{
    struct mem_info m;

    mem_collect(&m);
    out = info_memory_usage(out, &m);
    out = info_memory_scripts(out);
    return info_memory_frag(out, &m);
}

/* snapshot.c's lines, then aof.c's (which end with the module_fork_*
 * lines: Redis prints them between the AOF's fixed lines and those it only
 * shows while appendonly is on). */
static bstr info_persistence(bstr out)
{
    out = snapshot_info(out);
    return aof_info(out);
}

static bstr info_stats_traffic(bstr out)
{
    return bstr_catf(
        out,
        "# Stats\r\ntotal_connections_received:%lld\r\n"
        "total_commands_processed:%lld\r\n"
        "instantaneous_ops_per_sec:%lld\r\n"
        "total_net_input_bytes:%lld\r\ntotal_net_output_bytes:%lld\r\n"
        "total_net_repl_input_bytes:0\r\ntotal_net_repl_output_bytes:0\r\n"
        "instantaneous_input_kbps:%.2f\r\n"
        "instantaneous_output_kbps:%.2f\r\n"
        "instantaneous_input_repl_kbps:0.00\r\n"
        "instantaneous_output_repl_kbps:0.00\r\n"
        "rejected_connections:%lld\r\n"
        "sync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\n",
        server.stat_connections, server.stat_commands,
        (long long)metric_average(METRIC_COMMANDS), server.stat_net_input_bytes,
        server.stat_net_output_bytes, metric_average(METRIC_NET_INPUT) / 1024,
        metric_average(METRIC_NET_OUTPUT) / 1024, server.stat_rejected_conn);
}

static bstr info_stats_keys(bstr out)
{
    return bstr_catf(
        out,
        "expired_keys:%lld\r\nexpired_stale_perc:0.00\r\n"
        "expired_time_cap_reached_count:0\r\n"
        "expire_cycle_cpu_milliseconds:%lld\r\n"
        "evicted_keys:0\r\nevicted_clients:0\r\n"
        "total_eviction_exceeded_time:0\r\n"
        "current_eviction_exceeded_time:0\r\n"
        "keyspace_hits:%lld\r\nkeyspace_misses:%lld\r\n"
        "pubsub_channels:%zu\r\npubsub_patterns:%zu\r\n"
        "pubsubshard_channels:%zu\r\nlatest_fork_usec:0\r\ntotal_forks:0\r\n"
        "migrate_cached_sockets:0\r\nslave_expires_tracked_keys:0\r\n"
        "active_defrag_hits:0\r\nactive_defrag_misses:0\r\n"
        "active_defrag_key_hits:0\r\nactive_defrag_key_misses:0\r\n"
        "total_active_defrag_time:0\r\ncurrent_active_defrag_time:0\r\n"
        "tracking_total_keys:0\r\ntracking_total_items:0\r\n"
        "tracking_total_prefixes:0\r\n",
        server.stat_expired_keys, server.stat_expire_cycle_us / 1000,
        server.stat_keyspace_hits, server.stat_keyspace_misses,
        pubsub_total(PUBSUB_CHANNEL), pubsub_total(PUBSUB_PATTERN),
        pubsub_total(PUBSUB_SHARD));
}

static bstr info_stats(bstr out)
{
    out = info_stats_traffic(out);
    out = info_stats_keys(out);
    return bstr_catf(out,
                     "unexpected_error_replies:%lld\r\n"
                     "total_error_replies:%lld\r\n"
                     "dump_payload_sanitizations:0\r\n"
                     "total_reads_processed:%lld\r\n"
                     "total_writes_processed:%lld\r\n"
                     "io_threaded_reads_processed:0\r\n"
                     "io_threaded_writes_processed:0\r\n"
                     "reply_buffer_shrinks:0\r\nreply_buffer_expands:0\r\n",
                     server.stat_unexpected_error_replies,
                     server.stat_total_error_replies, server.stat_total_reads,
                     server.stat_total_writes);
}

/* The replication id: random per process, as Redis makes it at start. */
static const char *replid(void)
{
    static char id[41];

    if (id[0] == '\0') {
        unsigned char rnd[20];

        util_random_bytes(rnd, sizeof(rnd));
        for (size_t i = 0; i < sizeof(rnd); i++)
            snprintf(id + 2 * i, 3, "%02x", rnd[i]);
    }
    return id;
}

static bstr info_replication(bstr out)
{
    return bstr_catf(out,
                     "# Replication\r\nrole:master\r\nconnected_slaves:0\r\n"
                     "master_failover_state:no-failover\r\n"
                     "master_replid:%s\r\n"
                     "master_replid2:0000000000000000000000000000000000000000"
                     "\r\nmaster_repl_offset:0\r\nsecond_repl_offset:-1\r\n"
                     "repl_backlog_active:0\r\nrepl_backlog_size:1048576\r\n"
                     "repl_backlog_first_byte_offset:0\r\n"
                     "repl_backlog_histlen:0\r\n",
                     replid());
}

static bstr cat_cpu(bstr out, const char *name, const struct timeval *tv)
{
    return bstr_catf(out, "%s:%ld.%06ld\r\n", name, (long)tv->tv_sec,
                     (long)tv->tv_usec);
}

static bstr info_cpu(bstr out)
{
    struct rusage self, children, thread;

    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    getrusage(RUSAGE_THREAD, &thread);
    out = bstr_cat_cstr(out, "# CPU\r\n");
    out = cat_cpu(out, "used_cpu_sys", &self.ru_stime);
    out = cat_cpu(out, "used_cpu_user", &self.ru_utime);
    out = cat_cpu(out, "used_cpu_sys_children", &children.ru_stime);
    out = cat_cpu(out, "used_cpu_user_children", &children.ru_utime);
    out = cat_cpu(out, "used_cpu_sys_main_thread", &thread.ru_stime);
    return cat_cpu(out, "used_cpu_user_main_thread", &thread.ru_utime);
}

static bstr info_modules(bstr out)
{
    return bstr_cat_cstr(out, "# Modules\r\n");
}

static bstr cat_cmdstat(bstr out, const struct cmd *cmd)
{
    if (!cmd->calls && !cmd->failed_calls && !cmd->rejected_calls)
        return out;
    return bstr_catf(out,
                     "cmdstat_%s:calls=%lld,usec=%lld,usec_per_call=%.2f,"
                     "rejected_calls=%lld,failed_calls=%lld\r\n",
                     cmd->fullname[0] ? cmd->fullname : cmd->name, cmd->calls,
                     cmd->usec, ratio((double)cmd->usec, (double)cmd->calls),
                     cmd->rejected_calls, cmd->failed_calls);
}

/* Commands that ran or were refused, subcommands as "client|list". */
static bstr info_commandstats(bstr out)
{
    out = bstr_cat_cstr(out, "# Commandstats\r\n");
    for (int i = 0; i < cmd_count(); i++) {
        const struct cmd *cmd = cmd_at(i);

        out = cat_cmdstat(out, cmd);
        for (const struct cmd *s = cmd->subcmds; s && s->name; s++)
            out = cat_cmdstat(out, s);
    }
    return out;
}

static int compare_error_codes(const void *a, const void *b)
{
    return strcmp(((const struct error_count *)a)->code,
                  ((const struct error_count *)b)->code);
}

/* Error codes in byte order, as Redis lists them. */
static bstr info_errorstats(bstr out)
{
    qsort(errors, (size_t)error_kinds, sizeof(errors[0]), compare_error_codes);
    out = bstr_cat_cstr(out, "# Errorstats\r\n");
    for (int i = 0; i < error_kinds; i++)
        out = bstr_catf(out, "errorstat_%s:count=%lld\r\n", errors[i].code,
                        errors[i].count);
    return out;
}

static bstr info_latencystats(bstr out)
{
    return bstr_cat_cstr(out, "# Latencystats\r\n");
}

static bstr info_cluster(bstr out)
{
    return bstr_cat_cstr(out, "# Cluster\r\ncluster_enabled:0\r\n");
}

static bstr info_keyspace(bstr out)
{
    out = bstr_cat_cstr(out, "# Keyspace\r\n");
    for (int i = 0; i < server.databases; i++) {
        struct db *db = db_get(i);
        size_t keys = db_size(db);

        if (keys == 0)
            continue;
        out = bstr_catf(out, "db%d:keys=%zu,expires=%zu,avg_ttl=%lld\r\n", i,
                        keys, dict_size(db->expires), db->avg_ttl);
    }
    return out;
}

/* --- INFO --------------------------------------------------------------- */

struct info_section {
    const char *name, *alias;
    int in_default; /* part of INFO without arguments */
    bstr (*gen)(bstr out);
};

/* In the order INFO prints them, whatever order they were asked in. */
static const struct info_section info_sections[] = {
    {"server", NULL, 1, info_server},
    {"clients", NULL, 1, info_clients},
    {"memory", NULL, 1, info_memory},
    {"persistence", NULL, 1, info_persistence},
    {"stats", NULL, 1, info_stats},
    {"replication", NULL, 1, info_replication},
    {"cpu", NULL, 1, info_cpu},
    {"modules", "module_list", 1, info_modules},
    {"commandstats", NULL, 0, info_commandstats},
    {"errorstats", NULL, 1, info_errorstats},
    {"latencystats", NULL, 0, info_latencystats},
    {"cluster", NULL, 1, info_cluster},
    {"keyspace", NULL, 1, info_keyspace},
};

#define INFO_SECTIONS (sizeof(info_sections) / sizeof(info_sections[0]))

/* Mark in want[] the sections one INFO argument names.  Unknown names
 * select nothing, as in Redis. */
static void info_select(const char *name, size_t len, int *want)
{
    int all =
        util_eq_ci(name, len, "all") || util_eq_ci(name, len, "everything");
    int dflt = util_eq_ci(name, len, "default");

    for (size_t i = 0; i < INFO_SECTIONS; i++) {
        const struct info_section *s = &info_sections[i];

        if (all || (dflt && s->in_default) || util_eq_ci(name, len, s->name) ||
            (s->alias && util_eq_ci(name, len, s->alias)))
            want[i] = 1;
    }
}

/* The text INFO answers for the given section names ("default" when none,
 * "all", "everything", or names such as "server", "keyspace").  The caller
 * frees the bstr. */
static bstr info_text(int argc, const char **names, const size_t *lens)
{
    int want[INFO_SECTIONS] = {0};
    bstr out = bstr_empty(4096);
    int first = 1;

    if (argc == 0)
        info_select("default", 7, want);
    for (int i = 0; i < argc; i++)
        info_select(names[i], lens[i], want);
    for (size_t i = 0; i < INFO_SECTIONS; i++) {
        if (!want[i])
            continue;
        if (!first)
            out = bstr_cat(out, "\r\n", 2);
        out = info_sections[i].gen(out);
        first = 0;
    }
    return out;
}

/* INFO [section [section ...]] */
static void info_command(struct conn *c)
{
    int n = c->argc - 1;
    const char **names = xmalloc(sizeof(*names) * (size_t)(n + 1));
    size_t *lens = xmalloc(sizeof(*lens) * (size_t)(n + 1));

    for (int i = 0; i < n; i++) {
        names[i] = c->argv[i + 1].ptr;
        lens[i] = c->argv[i + 1].len;
    }
    bstr text = info_text(n, names, lens);
    reply_verbatim(c, text, bstr_len(text));
    bstr_free(text);
    xfree(names);
    xfree(lens);
}

struct cmd info_commands[] = {
    {.name = "info",
     .proc = info_command,
     .arity = -1,
     .flags = CMD_LOADING | CMD_STALE,
     .acl_categories = "@slow @dangerous",
     .group = "server",
     .since = "1.0.0",
     .summary = "Get information and statistics about the server",
     .complexity = "O(1)"},
    {0}};
