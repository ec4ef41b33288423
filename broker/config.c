/* config.c -- the directive table, config files and command-line options,
 * (CONFIG GET/SET/RESETSTAT/HELP are config_cmds.c's).
 *
 * Every directive is one row of config_defs[]: its type, where it lives in
 * `server`, its default written as it would be in a file, its limits and
 * flags.  Values always travel as text: defaults, file lines, command-line
 * options, CONFIG SET and the backups CONFIG SET keeps all go through the
 * per-type setters, and CONFIG GET goes through the per-type formatters.
 * The few directives that are not a plain number, boolean, enum or string
 * (bind, save, dir) bring their own setter and formatter.
 *
 * Loading follows redis-server: the file (every file, for a glob pattern),
 * then standard input, then the command-line options turned into lines are
 * joined into one text and parsed line by line.  `include` parses another
 * file on the spot, so line numbers restart inside it.  The first bad line
 * ends the process with the line and the reason on stderr. */
#include "config.h"

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../resp/resp_parse.h"
#include "aof.h"
#include "bstr.h"
#include "config_table.h"
#include "ev.h"
#include "log.h"
#include "net.h"
#include "notify.h"
#include "server.h"
#include "util.h"

/* Redis has no limit and recurses until the stack ends; a loop of includes
 * is a mistake, so stop at a depth no real layout needs. */
#define CONFIG_MAX_INCLUDE_DEPTH 16
/* Redis clamps hz into this range whatever is asked. */
#define CONFIG_MIN_HZ 1
#define CONFIG_MAX_HZ 500
/* Redis refuses memory values with more digits than this. */
#define CONFIG_MAX_MEM_DIGITS 127

/* Where the lines being parsed come from, for error messages: lines
 * 1..name_lines belong to the file `name`; later ones (standard input,
 * command-line options) are reported without a file, as Redis does. */
struct config_source {
    const char *name;
    int name_lines;
};

int config_protected; /* enable-protected-configs: no, yes, local */

static const struct config_enum loglevel_enum[] = {{"debug", LL_DEBUG},
                                                   {"verbose", LL_VERBOSE},
                                                   {"notice", LL_NOTICE},
                                                   {"warning", LL_WARNING},
                                                   {NULL, 0}};

static const struct config_enum protected_enum[] = {{"no", PROTECTED_NO},
                                                    {"yes", PROTECTED_YES},
                                                    {"local", PROTECTED_LOCAL},
                                                    {NULL, 0}};

static config_setter bind_set, save_set, dir_set, notify_set;
static config_formatter bind_format, save_format, dir_format, notify_format;
static config_setter obuf_set;
static config_formatter obuf_format;
static config_applier apply_listeners, apply_maxclients, apply_hz;
static config_applier apply_appendonly;
static config_checker check_aof_timestamp;

static const struct config_enum appendfsync_enum[] = {
    {"everysec", AOF_FSYNC_EVERYSEC},
    {"always", AOF_FSYNC_ALWAYS},
    {"no", AOF_FSYNC_NO},
    {NULL, 0}};

/* The directives, with Redis 7.0's types, defaults, limits and
 * mutability.  bind's default is the loopback pair that redis.conf ships
 * with, not redis-server's built-in "* -::*": respd listens only locally
 * unless told otherwise.  One directive per row reads best as a table, so
 * clang-format leaves it alone. */
#define IMM CF_IMMUTABLE
/* clang-format off */
const struct config_def config_defs[] = {
    {.name = "port", .type = CONFIG_INT, .var = &server.port,
     .def = "6379", .min = 0, .max = 65535, .apply = apply_listeners},
    {.name = "bind", .type = CONFIG_SPECIAL, .flags = CF_MULTI_ARG,
     .def = "127.0.0.1 -::1", .set = bind_set, .format = bind_format,
     .apply = apply_listeners},
    {.name = "unixsocket", .type = CONFIG_STRING,
     .flags = IMM | CF_EMPTY_NULL, .var = &server.unixsocket, .def = ""},
    {.name = "unixsocketperm", .type = CONFIG_INT,
     .flags = IMM | CF_UNSIGNED | CF_OCTAL, .var = &server.unixsocketperm,
     .def = "0", .min = 0, .max = 0777},
    {.name = "requirepass", .type = CONFIG_STRING, .flags = CF_EMPTY_NULL,
     .var = &server.requirepass, .def = ""},
    {.name = "maxclients", .type = CONFIG_INT, .flags = CF_UNSIGNED,
     .var = &server.maxclients, .def = "10000", .min = 1, .max = UINT_MAX,
     .apply = apply_maxclients},
    {.name = "databases", .type = CONFIG_INT, .flags = IMM,
     .var = &server.databases, .def = "16", .min = 1, .max = INT_MAX},
    {.name = "timeout", .type = CONFIG_INT, .flags = CF_UNSIGNED,
     .var = &server.timeout, .def = "0", .min = 0, .max = INT_MAX},
    {.name = "tcp-keepalive", .type = CONFIG_INT,
     .var = &server.tcp_keepalive, .def = "300", .min = 0, .max = INT_MAX},
    {.name = "tcp-backlog", .type = CONFIG_INT, .flags = IMM,
     .var = &server.tcp_backlog, .def = "511", .min = 0, .max = INT_MAX},
    {.name = "loglevel", .type = CONFIG_ENUM, .var = &server.verbosity,
     .def = "notice", .enums = loglevel_enum},
    {.name = "logfile", .type = CONFIG_STRING, .flags = IMM,
     .var = &server.logfile, .def = ""},
    {.name = "dir", .type = CONFIG_SPECIAL, .flags = CF_PROTECTED,
     .def = ".", .set = dir_set, .format = dir_format},
    {.name = "daemonize", .type = CONFIG_BOOL, .flags = IMM,
     .var = &server.daemonize, .def = "no"},
    {.name = "pidfile", .type = CONFIG_STRING, .flags = IMM | CF_EMPTY_NULL,
     .var = &server.pidfile, .def = ""},
    {.name = "proto-max-bulk-len", .type = CONFIG_LL, .flags = CF_MEMORY,
     .var = &server.proto_max_bulk_len, .def = "512mb",
     .min = 1024 * 1024, .max = LONG_MAX},
    {.name = "client-query-buffer-limit", .type = CONFIG_LL,
     .flags = CF_MEMORY, .var = &server.client_query_buffer_limit,
     .def = "1gb", .min = 1024 * 1024, .max = LONG_MAX},
    {.name = "client-output-buffer-limit", .type = CONFIG_SPECIAL,
     .flags = CF_MULTI_ARG,
     .def = "normal 0 0 0 slave 268435456 67108864 60 "
            "pubsub 33554432 8388608 60",
     .set = obuf_set, .format = obuf_format},
    {.name = "hz", .type = CONFIG_INT, .var = &server.hz, .def = "10",
     .min = 0, .max = INT_MAX, .apply = apply_hz},
    /* The ziplist names are Redis 7's aliases of the listpack ones: two
     * rows over one variable. */
    {.name = "hash-max-listpack-entries", .type = CONFIG_LL,
     .var = &server.hash_max_listpack_entries, .def = "512",
     .min = 0, .max = LLONG_MAX},
    {.name = "hash-max-ziplist-entries", .type = CONFIG_LL,
     .var = &server.hash_max_listpack_entries, .def = "512",
     .min = 0, .max = LLONG_MAX},
    {.name = "hash-max-listpack-value", .type = CONFIG_LL,
     .var = &server.hash_max_listpack_value, .def = "64",
     .min = 0, .max = LLONG_MAX},
    {.name = "hash-max-ziplist-value", .type = CONFIG_LL,
     .var = &server.hash_max_listpack_value, .def = "64",
     .min = 0, .max = LLONG_MAX},
    {.name = "list-max-listpack-size", .type = CONFIG_INT,
     .var = &server.list_max_listpack_size, .def = "-2",
     .min = INT_MIN, .max = INT_MAX},
    {.name = "list-max-ziplist-size", .type = CONFIG_INT,
     .var = &server.list_max_listpack_size, .def = "-2",
     .min = INT_MIN, .max = INT_MAX},
    {.name = "save", .type = CONFIG_SPECIAL, .flags = CF_MULTI_ARG,
     .def = "3600 1 300 100 60 10000", .set = save_set,
     .format = save_format},
    {.name = "dbfilename", .type = CONFIG_STRING,
     .flags = CF_PROTECTED | CF_BASENAME, .var = &server.dbfilename,
     .def = "dump.rdb"},
    {.name = "rdbcompression", .type = CONFIG_BOOL,
     .var = &server.rdb_compression, .def = "yes"},
    {.name = "rdbchecksum", .type = CONFIG_BOOL, .flags = IMM,
     .var = &server.rdb_checksum, .def = "yes"},
    {.name = "rdb-save-incremental-fsync", .type = CONFIG_BOOL,
     .var = &server.rdb_save_incremental_fsync, .def = "yes"},
    {.name = "stop-writes-on-bgsave-error", .type = CONFIG_BOOL,
     .var = &server.stop_writes_on_bgsave_err, .def = "yes"},
    {.name = "appendonly", .type = CONFIG_BOOL, .var = &server.aof_enabled,
     .def = "no", .apply = apply_appendonly},
    {.name = "appendfilename", .type = CONFIG_STRING,
     .flags = IMM | CF_BASENAME, .var = &server.aof_filename,
     .def = "appendonly.aof"},
    {.name = "appenddirname", .type = CONFIG_STRING,
     .flags = IMM | CF_BASENAME, .var = &server.aof_dirname,
     .def = "appendonlydir"},
    {.name = "appendfsync", .type = CONFIG_ENUM, .var = &server.aof_fsync,
     .def = "everysec", .enums = appendfsync_enum},
    {.name = "no-appendfsync-on-rewrite", .type = CONFIG_BOOL,
     .var = &server.aof_no_fsync_on_rewrite, .def = "no"},
    {.name = "auto-aof-rewrite-percentage", .type = CONFIG_INT,
     .var = &server.aof_rewrite_perc, .def = "100", .min = 0,
     .max = INT_MAX},
    {.name = "auto-aof-rewrite-min-size", .type = CONFIG_LL,
     .flags = CF_MEMORY, .var = &server.aof_rewrite_min_size,
     .def = "64mb", .min = 0, .max = LLONG_MAX},
    {.name = "aof-load-truncated", .type = CONFIG_BOOL,
     .var = &server.aof_load_truncated, .def = "yes"},
    {.name = "aof-use-rdb-preamble", .type = CONFIG_BOOL,
     .var = &server.aof_use_rdb_preamble, .def = "yes"},
    {.name = "aof-rewrite-incremental-fsync", .type = CONFIG_BOOL,
     .var = &server.aof_rewrite_incremental_fsync, .def = "yes"},
    {.name = "aof-timestamp-enabled", .type = CONFIG_BOOL,
     .var = &server.aof_timestamp_enabled, .def = "no",
     .check = check_aof_timestamp},
    {.name = "notify-keyspace-events", .type = CONFIG_SPECIAL, .def = "",
     .set = notify_set, .format = notify_format},
    {.name = "enable-protected-configs", .type = CONFIG_ENUM, .flags = IMM,
     .var = &config_protected, .def = "no", .enums = protected_enum},
};
/* clang-format on */
#undef IMM

#define CONFIG_NDEFS ((int)(sizeof(config_defs) / sizeof(config_defs[0])))
const int config_ndefs = CONFIG_NDEFS;

/* ------------------------------------------------------------------------
 * Lookup and small helpers */

/* The directive named p[0..n), case-insensitively, or NULL. */
const struct config_def *config_find(const char *p, size_t n)
{
    for (int i = 0; i < CONFIG_NDEFS; i++)
        if (util_eq_ci(p, n, config_defs[i].name))
            return &config_defs[i];
    return NULL;
}

/* The bytes trimmed around config lines and file names. */
static int config_is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bstr config_bstr(const char *s)
{
    return bstr_new(s, strlen(s));
}

char *config_strndup(const char *p, size_t n)
{
    char *s = xmalloc(n + 1);

    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* Split s (NUL-terminated, modified) at every single space, as CONFIG SET
 * splits the value of a multi-argument directive: "" gives no argument,
 * "a  b" gives "a", "", "b".  Returns the count; *out is a new array. */
static int config_split_spaces(char *s, char ***out)
{
    int n = 0;

    if (*s == '\0') {
        *out = xmalloc(sizeof(char *));
        return 0;
    }
    for (const char *p = s; *p; p++)
        n += *p == ' ';
    char **argv = xmalloc(sizeof(char *) * (size_t)(n + 1));
    n = 0;
    argv[n++] = s;
    for (char *p = s; *p; p++) {
        if (*p == ' ') {
            *p = '\0';
            argv[n++] = p + 1;
        }
    }
    *out = argv;
    return n;
}

/* Split line[0..len) as redis.conf lines are split (quotes, escapes) into
 * NUL-terminated arguments.  *work and *argv are new allocations the
 * caller frees, even on failure.  Returns the count, or -1 on unbalanced
 * quotes. */
static int config_split_line(const char *line, size_t len, char **work,
                             char ***argv)
{
    /* Each argument takes at least one byte and a separator, so this many
     * slots can never run out. */
    int cap = (int)(len / 2) + 2, too_many;
    struct resp_arg *args = xmalloc(sizeof(*args) * (size_t)cap);

    *work = config_strndup(line, len);
    *argv = xmalloc(sizeof(char *) * (size_t)cap);
    int argc = resp_split_args(*work, len, args, cap, &too_many);

    /* Unquoting never lets an argument reach the byte after it, so ending
     * each with a NUL leaves the others intact. */
    for (int i = 0; i < argc; i++) {
        args[i].ptr[args[i].len] = '\0';
        (*argv)[i] = args[i].ptr;
    }
    xfree(args);
    return argc;
}

/* ------------------------------------------------------------------------
 * Numbers */

/* Parse a memory value as Redis does: up to 127 digits, then an optional
 * unit among b k kb m mb g gb in any case (k is 1000, kb 1024).  Returns
 * 0, or -1 for anything else, including a sign.  Like Redis, too many
 * digits saturate and the unit multiplies modulo 2^64; both land outside
 * every directive's limits. */
static int config_memtoull(const char *s, unsigned long long *out)
{
    static const struct {
        const char *unit;
        unsigned long long mul;
    } units[] = {{"", 1},           {"b", 1},
                 {"k", 1000},       {"kb", 1024},
                 {"m", 1000000},    {"mb", 1024 * 1024},
                 {"g", 1000000000}, {"gb", 1024ULL * 1024 * 1024}};
    const char *u = s;
    unsigned long long v = 0;

    while (*u >= '0' && *u <= '9')
        u++;
    if (u - s > CONFIG_MAX_MEM_DIGITS)
        return -1;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcasecmp(u, units[i].unit) != 0)
            continue;
        for (const char *p = s; p < u; p++) {
            unsigned d = (unsigned)(*p - '0');
            v = v > (ULLONG_MAX - d) / 10 ? ULLONG_MAX : v * 10 + d;
        }
        *out = v * units[i].mul;
        return 0;
    }
    return -1;
}

/* Parse s for the numeric directive d into *out; 0, or -1 with *err. */
static int config_num_parse(const struct config_def *d, const char *s,
                            long long *out, const char **err)
{
    if (d->flags & CF_MEMORY) {
        unsigned long long v;
        if (config_memtoull(s, &v) == 0) {
            *out = (long long)v; /* past LLONG_MAX turns negative: refused */
            return 0;
        }
        *err = "argument must be a memory value";
        return -1;
    }
    if (d->flags & CF_OCTAL) {
        char *end;
        errno = 0;
        *out = strtoll(s, &end, 8);
        if (errno == 0 && *end == '\0')
            return 0;
        *err = "argument couldn't be parsed as an octal number";
        return -1;
    }
    if (util_str2ll(s, strlen(s), out) == 0)
        return 0;
    *err = "argument couldn't be parsed into an integer";
    return -1;
}

/* Check v against d's limits, with Redis's message (and its unsigned view
 * of negative numbers for unsigned directives).  0, or -1 with *err. */
static int config_num_bounds(const struct config_def *d, long long v,
                             const char **err)
{
    static char msg[CONFIG_MSG_LEN];
    unsigned long long u = (unsigned long long)v;
    unsigned long long lo = (unsigned long long)d->min;
    unsigned long long hi = (unsigned long long)d->max;

    if (d->flags & CF_UNSIGNED) {
        if (u >= lo && u <= hi)
            return 0;
        snprintf(msg, sizeof(msg),
                 (d->flags & CF_OCTAL)
                     ? "argument must be between %llo and %llo inclusive"
                     : "argument must be between %llu and %llu inclusive",
                 lo, hi);
    } else {
        if (v >= d->min && v <= d->max)
            return 0;
        snprintf(msg, sizeof(msg),
                 "argument must be between %lld and %lld inclusive", d->min,
                 d->max);
    }
    *err = msg;
    return -1;
}

/* Store v into d's variable; SET_CHANGED or SET_UNCHANGED. */
static int config_num_store(const struct config_def *d, long long v)
{
    if (d->type == CONFIG_LL) {
        long long *p = d->var;
        if (*p == v)
            return SET_UNCHANGED;
        *p = v;
        return SET_CHANGED;
    }

    /* Only maxclients allows more than INT_MAX; the descriptor limit cuts
     * it far lower anyway. */
    int *p = d->var, iv = v > INT_MAX ? INT_MAX : (int)v;
    if (*p == iv)
        return SET_UNCHANGED;
    *p = iv;
    return SET_CHANGED;
}

static int config_num_set(const struct config_def *d, const char *s,
                          const char **err)
{
    long long v;

    if (config_num_parse(d, s, &v, err) != 0 ||
        config_num_bounds(d, v, err) != 0)
        return SET_FAILED;
    if (d->check && d->check(v, err) != 0)
        return SET_FAILED;
    return config_num_store(d, v);
}

static bstr config_num_format(const struct config_def *d)
{
    long long v = d->type == CONFIG_LL ? *(long long *)d->var : *(int *)d->var;

    if (d->flags & CF_OCTAL)
        return bstr_catf(bstr_empty(0), "%llo", (unsigned long long)v);
    if (d->flags & CF_MEMORY)
        return bstr_catf(bstr_empty(0), "%llu", (unsigned long long)v);
    return bstr_from_ll(v);
}

/* ------------------------------------------------------------------------
 * Booleans, enums, strings */

static int config_bool_set(const struct config_def *d, const char *s,
                           const char **err)
{
    int *p = d->var, v;

    if (strcasecmp(s, "yes") == 0) {
        v = 1;
    } else if (strcasecmp(s, "no") == 0) {
        v = 0;
    } else {
        *err = "argument must be 'yes' or 'no'";
        return SET_FAILED;
    }
    if (d->check && d->check(v, err) != 0)
        return SET_FAILED;
    if (*p == v)
        return SET_UNCHANGED;
    *p = v;
    return SET_CHANGED;
}

/* The message Redis gives for a bad enum value: every accepted name. */
static const char *config_enum_error(const struct config_def *d)
{
    static char msg[CONFIG_MSG_LEN];
    size_t n = (size_t)snprintf(msg, sizeof(msg), "%s",
                                "argument(s) must be one of the following: ");

    for (const struct config_enum *e = d->enums; e->name; e++) {
        n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%s%s",
                              e == d->enums ? "" : ", ", e->name);
        if (n >= sizeof(msg))
            break;
    }
    return msg;
}

static int config_enum_set(const struct config_def *d, const char *s,
                           const char **err)
{
    int *p = d->var;

    for (const struct config_enum *e = d->enums; e->name; e++) {
        if (strcasecmp(s, e->name) != 0)
            continue;
        if (*p == e->value)
            return SET_UNCHANGED;
        *p = e->value;
        return SET_CHANGED;
    }
    *err = config_enum_error(d);
    return SET_FAILED;
}

static bstr config_enum_format(const struct config_def *d)
{
    int v = *(int *)d->var;

    for (const struct config_enum *e = d->enums; e->name; e++)
        if (e->value == v)
            return config_bstr(e->name);
    return bstr_empty(0);
}

/* Redis's words for a file name given as a path: "dbfilename can't be a
 * path, just a filename", "appenddirname ... just a dirname". */
static const char *config_basename_error(const struct config_def *d)
{
    static char msg[CONFIG_MSG_LEN];
    int is_dir = strstr(d->name, "dir") != NULL;

    snprintf(msg, sizeof(msg), "%s can't be a path, just a %s", d->name,
             is_dir ? "dirname" : "filename");
    return msg;
}

static int config_string_set(const struct config_def *d, const char *s,
                             const char **err)
{
    char **p = d->var;

    if ((d->flags & CF_BASENAME) && strchr(s, '/') != NULL) {
        *err = config_basename_error(d);
        return SET_FAILED;
    }

    if ((d->flags & CF_EMPTY_NULL) && s[0] == '\0')
        s = NULL;
    if (*p == s || (*p && s && strcmp(*p, s) == 0))
        return SET_UNCHANGED;
    xfree(*p);
    *p = s ? xstrdup(s) : NULL;
    return SET_CHANGED;
}

/* ------------------------------------------------------------------------
 * Generic set and format */

/* Set d from argv[0..argc) (exactly one argument unless multi-argument).
 * Returns an enum config_set_result. */
static int config_set_args(const struct config_def *d, char **argv, int argc,
                           const char **err)
{
    switch (d->type) {
    case CONFIG_BOOL:
        return config_bool_set(d, argv[0], err);
    case CONFIG_INT:
    case CONFIG_LL:
        return config_num_set(d, argv[0], err);
    case CONFIG_ENUM:
        return config_enum_set(d, argv[0], err);
    case CONFIG_STRING:
        return config_string_set(d, argv[0], err);
    case CONFIG_SPECIAL:
        return d->set(d, argv, argc, err);
    }
    return SET_FAILED;
}

/* Set d from one text value, the way CONFIG SET passes it: split at single
 * spaces for multi-argument directives.  Used for defaults, CONFIG SET and
 * restoring backups. */
int config_set_text(const struct config_def *d, const char *text,
                    const char **err)
{
    char *copy = xstrdup(text), **argv, *one[1] = {copy};
    int argc = 1, rc;

    if (d->flags & CF_MULTI_ARG) {
        argc = config_split_spaces(copy, &argv);
        rc = config_set_args(d, argv, argc, err);
        xfree(argv);
    } else {
        rc = config_set_args(d, one, argc, err);
    }
    xfree(copy);
    return rc;
}

/* d's current value as CONFIG GET answers it; the caller frees it. */
bstr config_format(const struct config_def *d)
{
    switch (d->type) {
    case CONFIG_BOOL:
        return config_bstr(*(int *)d->var ? "yes" : "no");
    case CONFIG_INT:
    case CONFIG_LL:
        return config_num_format(d);
    case CONFIG_ENUM:
        return config_enum_format(d);
    case CONFIG_STRING: {
        char *s = *(char **)d->var;
        return config_bstr(s ? s : "");
    }
    case CONFIG_SPECIAL:
        return d->format(d);
    }
    return bstr_empty(0);
}

/* ------------------------------------------------------------------------
 * Special directives */

/* bind addr [addr ...]: a single "" means no address. */
static int bind_set(const struct config_def *d, char **argv, int argc,
                    const char **err)
{
    int same;

    if (argc > SERVER_MAX_BIND) {
        *err = "Too many bind addresses specified.";
        return SET_FAILED;
    }
    if (argc == 1 && argv[0][0] == '\0')
        argc = 0;
    same = argc == server.bind_count;
    for (int i = 0; same && i < argc; i++)
        same = strcmp(argv[i], server.bind[i]) == 0;
    if (same)
        return SET_UNCHANGED;

    for (int i = 0; i < server.bind_count; i++)
        xfree(server.bind[i]);
    for (int i = 0; i < argc; i++)
        server.bind[i] = xstrdup(argv[i]);
    server.bind_count = argc;
    return SET_CHANGED;
}

static bstr bind_format(const struct config_def *d)
{
    bstr s = bstr_empty(0);

    for (int i = 0; i < server.bind_count; i++) {
        if (i > 0)
            s = bstr_cat(s, " ", 1);
        s = bstr_cat_cstr(s, server.bind[i]);
    }
    return s;
}

/* save [seconds changes ...]: validated as Redis does (pairs, seconds at
 * least 1, changes at least 0), then the rules replace the old ones; ""
 * removes them all, which turns automatic snapshots off. */
static int save_set(const struct config_def *d, char **argv, int argc,
                    const char **err)
{
    if (argc == 1 && argv[0][0] == '\0')
        argc = 0;
    if (argc % 2 != 0) {
        *err = "Invalid save parameters";
        return SET_FAILED;
    }
    struct save_param *params =
        xmalloc(sizeof(*params) * (size_t)(argc / 2 + 1));
    for (int i = 0; i < argc; i++) {
        char *end;
        long long v = strtoll(argv[i], &end, 10);
        if (*end != '\0' || end == argv[i] || v < (i % 2 == 0 ? 1 : 0)) {
            xfree(params);
            *err = "Invalid save parameters";
            return SET_FAILED;
        }
        if (i % 2 == 0)
            params[i / 2].seconds = v;
        else
            params[i / 2].changes = v;
    }
    int count = argc / 2;
    if (count == server.save_params_count &&
        (count == 0 || memcmp(params, server.save_params,
                              sizeof(*params) * (size_t)count) == 0)) {
        xfree(params);
        return SET_UNCHANGED;
    }
    xfree(server.save_params);
    server.save_params = params;
    server.save_params_count = count;
    return SET_CHANGED;
}

static bstr save_format(const struct config_def *d)
{
    bstr s = bstr_empty(0);

    for (int i = 0; i < server.save_params_count; i++)
        s = bstr_catf(s, "%s%lld %lld", i > 0 ? " " : "",
                      server.save_params[i].seconds,
                      server.save_params[i].changes);
    return s;
}

static const char *const obuf_class_names[CONN_CLASS_COUNT] = {
    [CONN_CLASS_NORMAL] = "normal",
    [CONN_CLASS_REPLICA] = "slave",
    [CONN_CLASS_PUBSUB] = "pubsub"};

/* The class named s ("replica" is an alias of "slave"), or -1. */
static int obuf_class(const char *s)
{
    if (strcasecmp(s, "replica") == 0)
        return CONN_CLASS_REPLICA;
    for (int i = 0; i < CONN_CLASS_COUNT; i++)
        if (strcasecmp(s, obuf_class_names[i]) == 0)
            return i;
    return -1;
}

/* client-output-buffer-limit [<class> <hard> <soft> <soft-seconds>] ...:
 * every group is checked before any is stored, so a bad one changes
 * nothing; classes not named keep their limits. */
static int obuf_set(const struct config_def *d, char **argv, int argc,
                    const char **err)
{
    struct obuf_limit lim[CONN_CLASS_COUNT];

    if (argc == 1 && argv[0][0] == '\0')
        argc = 0;
    if (argc % 4 != 0) {
        *err = "Wrong number of arguments in buffer limit configuration.";
        return SET_FAILED;
    }
    memcpy(lim, server.obuf_limits, sizeof(lim));
    for (int i = 0; i < argc; i += 4) {
        int cls = obuf_class(argv[i]);
        unsigned long long hard, soft;
        char *end;
        long long secs = strtoll(argv[i + 3], &end, 10);

        if (cls < 0) {
            *err = "Invalid client class specified in buffer limit "
                   "configuration.";
            return SET_FAILED;
        }
        if (config_memtoull(argv[i + 1], &hard) != 0 ||
            config_memtoull(argv[i + 2], &soft) != 0 || *end != '\0' ||
            end == argv[i + 3] || secs < 0 || hard > LLONG_MAX ||
            soft > LLONG_MAX) {
            *err = "Error in hard, soft or soft_seconds setting in buffer "
                   "limit configuration.";
            return SET_FAILED;
        }
        lim[cls].hard_bytes = (long long)hard;
        lim[cls].soft_bytes = (long long)soft;
        lim[cls].soft_seconds = secs;
    }
    if (memcmp(lim, server.obuf_limits, sizeof(lim)) == 0)
        return SET_UNCHANGED;
    memcpy(server.obuf_limits, lim, sizeof(lim));
    return SET_CHANGED;
}

/* "normal 0 0 0 slave ... pubsub ...", in bytes, as CONFIG GET shows it. */
static bstr obuf_format(const struct config_def *d)
{
    bstr s = bstr_empty(0);

    for (int i = 0; i < CONN_CLASS_COUNT; i++) {
        const struct obuf_limit *l = &server.obuf_limits[i];
        s = bstr_catf(s, "%s%s %lld %lld %lld", i > 0 ? " " : "",
                      obuf_class_names[i], l->hard_bytes, l->soft_bytes,
                      l->soft_seconds);
    }
    return s;
}

/* dir path: changes the working directory at once, as Redis does, so
 * later relative paths (includes, the pid file) start from it. */
static int dir_set(const struct config_def *d, char **argv, int argc,
                   const char **err)
{
    char cwd[PATH_MAX];

    if (argc != 1) {
        *err = "wrong number of arguments";
        return SET_FAILED;
    }
    if (chdir(argv[0]) != 0) {
        *err = strerror(errno);
        return SET_FAILED;
    }
    xfree(server.dir);
    server.dir = xstrdup(getcwd(cwd, sizeof(cwd)) ? cwd : argv[0]);
    return SET_CHANGED;
}

static bstr dir_format(const struct config_def *d)
{
    char cwd[PATH_MAX];

    return config_bstr(getcwd(cwd, sizeof(cwd)) ? cwd : "");
}

/* notify-keyspace-events: class letters (notify.h), "" for none. */
static int notify_set(const struct config_def *d, char **argv, int argc,
                      const char **err)
{
    int flags;

    if (argc != 1) {
        *err = "wrong number of arguments";
        return SET_FAILED;
    }
    flags = notify_flags_parse(argv[0], strlen(argv[0]));
    if (flags < 0) {
        *err = NOTIFY_ERR_FLAGS;
        return SET_FAILED;
    }
    server.notify_keyspace_events = flags;
    return SET_CHANGED;
}

static bstr notify_format(const struct config_def *d)
{
    char buf[NOTIFY_FLAGS_MAX];
    size_t n = notify_flags_format(server.notify_keyspace_events, buf);

    return bstr_new(buf, n);
}

/* Timestamp annotations in the AOF are not written: only "no". */
static int check_aof_timestamp(long long v, const char **err)
{
    if (v == 0)
        return 0;
    *err = "respd does not write AOF timestamp annotations: only "
           "aof-timestamp-enabled no is accepted";
    return -1;
}

/* Turning appendonly on starts a rewrite that becomes the new AOF; off
 * closes it (aof.c). */
static int apply_appendonly(const char **err)
{
    if (server.loop == NULL)
        return 0;
    return aof_apply_appendonly(err);
}

/* ------------------------------------------------------------------------
 * Apply hooks: side effects of CONFIG SET */

/* Moving the listeners needs the socket set-up that lives in server.c.
 * Until it offers an entry point to rebind, a changed port or bind is
 * refused and the old value stays; setting the current value succeeds,
 * since unchanged values skip this hook. */
static int apply_listeners(const char **err)
{
    static char msg[NET_ERR_LEN];

    if (server.loop == NULL || server_rebind(msg) == 0)
        return 0;
    *err = msg;
    return -1;
}

/* Raise RLIMIT_NOFILE to at least want if it is lower: to want, or else to
 * the hard limit.  Returns the soft limit in effect afterwards. */
static long long config_raise_fd_limit(long long want)
{
    struct rlimit rl, up;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1024; /* what Redis assumes when it cannot ask */
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= (rlim_t)want)
        return want;

    up.rlim_cur = (rlim_t)want;
    up.rlim_max = rl.rlim_max;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (rlim_t)want)
        up.rlim_max = (rlim_t)want; /* allowed with CAP_SYS_RESOURCE */
    if (setrlimit(RLIMIT_NOFILE, &up) == 0)
        return want;

    up.rlim_cur = up.rlim_max = rl.rlim_max;
    if (rl.rlim_max > rl.rlim_cur && setrlimit(RLIMIT_NOFILE, &up) == 0)
        return (long long)rl.rlim_max;
    return (long long)rl.rlim_cur;
}

/* Every client needs a descriptor, beside the listeners and the log: refuse
 * a maxclients the system cannot give, naming the largest that would do. */
static int apply_maxclients(const char **err)
{
    static char msg[CONFIG_MSG_LEN];
    long long need = (long long)server.maxclients + SERVER_CONFIG_FD_MARGIN;
    long long have = config_raise_fd_limit(need);

    if (have >= need) {
        /* Every descriptor needs a slot in the event loop. */
        int slots = server.maxclients + SERVER_EV_MARGIN;
        if (server.loop && ev_setsize(server.loop) < slots)
            ev_resize(server.loop, slots);
        return 0;
    }
    snprintf(msg, sizeof(msg),
             "The operating system is not able to handle the specified "
             "number of clients, try with %lld",
             have - SERVER_CONFIG_FD_MARGIN);
    *err = msg;
    return -1;
}

/* Redis keeps the cron frequency between 1 and 500 whatever is asked. */
static int apply_hz(const char **err)
{
    if (server.hz < CONFIG_MIN_HZ)
        server.hz = CONFIG_MIN_HZ;
    if (server.hz > CONFIG_MAX_HZ)
        server.hz = CONFIG_MAX_HZ;
    return 0;
}

/* ------------------------------------------------------------------------
 * Reading configuration text */

static void config_parse_text(bstr text, const struct config_source *src,
                              int depth);

/* Print redis-server's fatal configuration error and exit(1).  line is the
 * offending line (NULL for errors found after parsing). */
static void config_fatal(const struct config_source *src, int lineno,
                         const char *line, const char *reason)
{
    fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (Redis %s) ***\n",
            RESPD_VERSION);
    if (line) {
        if (src->name && lineno <= src->name_lines)
            fprintf(stderr, "Reading the configuration file %s, at line %d\n",
                    src->name, lineno);
        else
            fprintf(stderr, "Reading the configuration file, at line %d\n",
                    lineno);
        fprintf(stderr, ">>> '%s'\n", line);
    }
    fprintf(stderr, "%s\n", reason);
    exit(1);
}

static bstr config_read_stream(bstr text, FILE *fp)
{
    char buf[4096];
    size_t n;

    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
        text = bstr_cat(text, buf, n);
    return text;
}

/* Append the file at path to text; exits as redis-server does when it
 * cannot be opened. */
static bstr config_read_file(bstr text, const char *path)
{
    FILE *fp = fopen(path, "r");

    if (fp == NULL) {
        log_msg(LL_WARNING, "Fatal error, can't open config file '%s': %s",
                path, strerror(errno));
        exit(1);
    }
    text = config_read_stream(text, fp);
    fclose(fp);
    return text;
}

/* Append the file at path, or every file a glob pattern matches (none is
 * fine: an empty conf.d directory may be included). */
static bstr config_read_path(bstr text, const char *path)
{
    glob_t g;

    if (strpbrk(path, "*?[") == NULL)
        return config_read_file(text, path);
    if (glob(path, 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++)
            text = config_read_file(text, g.gl_pathv[i]);
        globfree(&g);
    }
    return text;
}

/* include path: parse the file now, with its own line numbers.  Returns
 * NULL, or the reason to refuse the include line. */
static const char *config_include(const char *path, int depth)
{
    struct config_source src = {path, INT_MAX};

    if (depth > CONFIG_MAX_INCLUDE_DEPTH)
        return "Too many nested includes (an include loop?)";
    bstr text = config_read_path(bstr_empty(0), path);
    config_parse_text(text, &src, depth);
    bstr_free(text);
    return NULL;
}

/* Set d from the arguments after its name on a file line.  A multi-argument
 * directive given one non-empty argument splits it again, so that
 * `--bind "a b"` works like `bind a b`.  NULL, or the reason. */
static const char *config_set_from_line(const struct config_def *d, char **argv,
                                        int argc)
{
    const char *err = "wrong number of arguments";
    int rc;

    if (!(d->flags & CF_MULTI_ARG) && argc != 1)
        return err;
    if ((d->flags & CF_MULTI_ARG) && argc == 1 && argv[0][0] != '\0') {
        char *work, **split;
        int n = config_split_line(argv[0], strlen(argv[0]), &work, &split);
        rc = config_set_args(d, split, n < 0 ? 0 : n, &err);
        xfree(work);
        xfree(split);
    } else {
        rc = config_set_args(d, argv, argc, &err);
    }
    return rc == SET_FAILED ? err : NULL;
}

/* Execute one split line.  NULL, or the reason it is refused. */
static const char *config_directive(char **argv, int argc, int depth)
{
    const struct config_def *d = config_find(argv[0], strlen(argv[0]));

    if (d)
        return config_set_from_line(d, argv + 1, argc - 1);
    if (strcasecmp(argv[0], "include") == 0 && argc == 2)
        return config_include(argv[1], depth + 1);
    return "Bad directive or wrong number of arguments";
}

/* Parse one line (NUL-terminated at line[len]); blank lines and comments
 * are skipped; a bad line is fatal. */
static void config_parse_line(char *line, size_t len,
                              const struct config_source *src, int lineno,
                              int depth)
{
    const char *err = NULL;
    char *work, **argv;

    while (len > 0 && config_is_blank(line[len - 1]))
        line[--len] = '\0';
    while (len > 0 && config_is_blank(line[0])) {
        line++;
        len--;
    }
    if (len == 0 || line[0] == '#')
        return;

    int argc = config_split_line(line, len, &work, &argv);
    if (argc < 0)
        err = "Unbalanced quotes in configuration line";
    else if (argc > 0)
        err = config_directive(argv, argc, depth);
    if (err)
        config_fatal(src, lineno, line, err);
    xfree(work);
    xfree(argv);
}

/* Parse text (modified) line by line. */
static void config_parse_text(bstr text, const struct config_source *src,
                              int depth)
{
    char *line = text, *end = text + bstr_len(text);
    int lineno = 0;

    if (line == end)
        return;
    for (;;) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        char *stop = nl ? nl : end;
        *stop = '\0';
        config_parse_line(line, (size_t)(stop - line), src, ++lineno, depth);
        if (nl == NULL)
            return;
        line = nl + 1;
    }
}

/* Lines in text, counting a last line without a newline. */
static int config_count_lines(const char *text, size_t len)
{
    int n = 0;

    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n';
    return n + (len > 0 && text[len - 1] != '\n');
}

/* Load the file (if any), standard input (if asked) and the options text,
 * joined as redis-server joins them, so line numbers match its own. */
static void config_load_text(const char *file, int from_stdin,
                             const char *options)
{
    struct config_source src = {file, 0};
    bstr text = bstr_empty(0);

    if (file)
        text = config_read_path(text, file);
    src.name_lines = config_count_lines(text, bstr_len(text));
    if (from_stdin) {
        log_msg(LL_WARNING, "Reading config from stdin");
        text = config_read_stream(text, stdin);
    }
    text = bstr_cat_cstr(text, "\n");
    text = bstr_cat_cstr(text, options);
    config_parse_text(text, &src, 0);
    bstr_free(text);
}

/* ------------------------------------------------------------------------
 * The command line */

static void config_version(void)
{
    printf("respd server v=%s sha=00000000:0 malloc=libc bits=%d "
           "build=0000000000000000\n",
           RESPD_VERSION, (int)(sizeof(long) * 8));
    exit(0);
}

static void config_usage(void)
{
    fprintf(stderr, "Usage: ./respd [/path/to/respd.conf] [options] [-]\n"
                    "       ./respd - (read config from stdin)\n"
                    "       ./respd -v or --version\n"
                    "       ./respd -h or --help\n"
                    "\n"
                    "Examples:\n"
                    "       ./respd (run the server with default conf)\n"
                    "       echo 'port 7777' | ./respd -\n"
                    "       ./respd /etc/respd/6379.conf\n"
                    "       ./respd --port 7777\n"
                    "       ./respd /etc/myrespd.conf --loglevel verbose -\n"
                    "       ./respd /etc/myrespd.conf --loglevel verbose\n");
    exit(1);
}

/* path made absolute against the working directory, with leading "../"
 * folded into it, as Redis records its config file.  A new string. */
static char *config_abs_path(const char *path)
{
    char cwd[PATH_MAX + 1];
    size_t n, len;

    while (config_is_blank(*path))
        path++;
    n = strlen(path);
    while (n > 0 && config_is_blank(path[n - 1]))
        n--;
    if (path[0] == '/' || getcwd(cwd, sizeof(cwd) - 1) == NULL)
        return config_strndup(path, n);

    len = strlen(cwd);
    if (cwd[len - 1] != '/')
        cwd[len++] = '/';
    while (n >= 3 && strncmp(path, "../", 3) == 0) {
        path += 3;
        n -= 3;
        if (len > 1) { /* drop the last component, never the root */
            len--;
            while (cwd[len - 1] != '/')
                len--;
        }
    }
    char *abs = xmalloc(len + n + 1);

    memcpy(abs, cwd, len);
    memcpy(abs + len, path, n);
    abs[len + n] = '\0';
    return abs;
}

/* Arguments in an option name such as "--port 6380" (one argument). */
static int config_count_args(const char *s)
{
    char *work, **argv;
    int argc = config_split_line(s, strlen(s), &work, &argv);

    xfree(work);
    xfree(argv);
    return argc;
}

/* Append the option name argv[j] ("--port") as the start of a new line.
 * *have_value tells whether the line already holds a value; `--save`
 * without one (last, or followed by another option) means `save ""`. */
static bstr config_option_name(bstr opts, int argc, char **argv, int j,
                               int *have_value)
{
    if (bstr_len(opts) > 0)
        opts = bstr_cat(opts, "\n", 1);
    opts = bstr_cat_cstr(opts, argv[j] + 2);
    opts = bstr_cat(opts, " ", 1);
    *have_value = config_count_args(argv[j]) != 1;
    if (*have_value || strcasecmp(argv[j], "--save") != 0)
        return opts;

    int next_is_option =
        j != argc - 1 && argv[j + 1][0] == '-' && argv[j + 1][1] == '-';
    if (next_is_option || j == argc - 1)
        opts = bstr_cat_cstr(opts, "\"\"");
    *have_value = next_is_option;
    return opts;
}

/* Turn argv[j..argc) into configuration lines, as redis-server does: each
 * "--name" starts a line, the values after it are appended quoted.  A "-"
 * first or last asks for the config on standard input. */
static bstr config_options(int argc, char **argv, int j, int *from_stdin)
{
    bstr opts = bstr_empty(0);
    int have_value = 1;

    for (; j < argc; j++) {
        const char *a = argv[j];
        if (a[0] == '-' && a[1] == '\0' && (j == 1 || j == argc - 1)) {
            *from_stdin = 1;
        } else if (have_value && a[0] == '-' && a[1] == '-') {
            opts = config_option_name(opts, argc, argv, j, &have_value);
        } else {
            opts = bstr_cat_repr(opts, a, strlen(a));
            opts = bstr_cat(opts, " ", 1);
            have_value = 1;
        }
    }
    return opts;
}

/* Set every directive to its default. */
static void config_apply_defaults(void)
{
    for (int i = 0; i < CONFIG_NDEFS; i++) {
        const char *err = NULL;
        int rc = config_set_text(&config_defs[i], config_defs[i].def, &err);
        if (rc == SET_FAILED) {
            fprintf(stderr, "respd: bad default for %s: %s\n",
                    config_defs[i].name, err);
            abort();
        }
    }
}

/* The command line after argv[0]: -v, -h, the file, the options. */
static void config_load_argv(int argc, char **argv)
{
    int j = 1, from_stdin = 0;

    if (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--version") == 0)
        config_version();
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
        config_usage();

    /* As redis-server: a first argument not starting with '-' is the file. */
    if (argv[1][0] != '-') {
        xfree(server.config_file);
        server.config_file = config_abs_path(argv[1]);
        j = 2;
    }
    bstr opts = config_options(argc, argv, j, &from_stdin);
    config_load_text(server.config_file, from_stdin, opts);
    bstr_free(opts);
}

void config_load(int argc, char **argv)
{
    config_apply_defaults();
    if (argc >= 2)
        config_load_argv(argc, argv);

    /* What Redis checks once everything is read. */
    apply_hz(NULL);
    if (log_open(server.logfile) != 0) {
        char reason[CONFIG_MSG_LEN];
        snprintf(reason, sizeof(reason), "Can't open the log file: %s",
                 strerror(errno));
        config_fatal(NULL, 0, NULL, reason);
    }
}
