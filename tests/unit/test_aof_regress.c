/* test_aof_regress.c -- loading an AOF whose files respd wrote at runtime,
 * in the situations a review found mishandled.
 *
 * - An RDB base is the data as of a rewrite's fork; the incr files after
 *   it may act on a key whose TTL passed since (an APPEND made before the
 *   deadline, with the DEL of its expiry never logged because the server
 *   stopped first).  Such a key must be loaded with its past TTL, as Redis
 *   loads an AOF preamble, so the APPEND extends the old value, which then
 *   expires; dropped while reading the base, the APPEND would create a new
 *   key without a TTL that lives forever.
 * - Keys whose TTL passed are left to the expiry cycle once loaded, as in
 *   Redis: the running server deletes them and logs their DEL.  Deleted
 *   silently at the end of the load, the files would still hold them, and a
 *   later write to the same name (APPEND, RPUSH) would replay on top of the
 *   old value at the next start, then vanish with it.
 * - A value longer than proto-max-bulk-len (written before the limit was
 *   lowered) loads: the limit is for clients, and Redis's loader ignores
 *   it. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../broker/aof.h"
#include "../../broker/bstr.h"
#include "../../broker/cmd.h"
#include "../../broker/db.h"
#include "../../broker/dict.h"
#include "../../broker/log.h"
#include "../../broker/obj.h"
#include "../../broker/rdb.h"
#include "../../broker/server.h"
#include "../../broker/util.h"

#define DATABASES 16
#define BASE1     "appendonly.aof.1.base.rdb"
#define INCR1     "appendonly.aof.1.incr.aof"

static char tmpdir[64];
static char aofdir[128];
static char logpath[128];

static void setup(void)
{
    strcpy(tmpdir, "/tmp/test-aof-regress.XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(aofdir, sizeof(aofdir), "%s/appendonlydir", tmpdir);
    snprintf(logpath, sizeof(logpath), "%s/log", tmpdir);
    cr_assert_eq(mkdir(aofdir, 0755), 0);

    server.pid = getpid();
    server.databases = DATABASES;
    server.hash_max_listpack_entries = 512;
    server.hash_max_listpack_value = 64;
    server.list_max_listpack_size = -2;
    server.proto_max_bulk_len = 512LL * 1024 * 1024;
    server.dir = tmpdir;
    server.aof_filename = "appendonly.aof";
    server.aof_dirname = "appendonlydir";
    server.aof_load_truncated = 1;
    server.verbosity = LL_DEBUG;
    db_init_all(DATABASES);
    cmd_init();
    rdb_set_compression(1);
    cr_assert_eq(log_open(logpath), 0);
}

static void teardown(void)
{
    char cmd[128];
    log_open(NULL);
    db_free_all();
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(aof_regress, .init = setup, .fini = teardown);

/* ---- files -------------------------------------------------------------- */

static bstr cmd(bstr s, int argc, ...)
{
    va_list ap;

    s = bstr_catf(s, "*%d\r\n", argc);
    va_start(ap, argc);
    for (int i = 0; i < argc; i++) {
        const char *a = va_arg(ap, const char *);
        s = bstr_catf(s, "$%zu\r\n", strlen(a));
        s = bstr_cat_cstr(s, a);
        s = bstr_cat(s, "\r\n", 2);
    }
    va_end(ap);
    return s;
}

static void write_aof(const char *name, const void *p, size_t n)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", aofdir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fwrite(p, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}

static void write_manifest(const char *text)
{
    write_aof("appendonly.aof.manifest", text, strlen(text));
}

/* The keyspace as it is now, as the RDB base of an AOF. */
static void save_rdb_base(const char *name)
{
    char path[PATH_MAX], err[RDB_ERR_LEN];
    snprintf(path, sizeof(path), "%s/%s", aofdir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert(fd >= 0);
    rdb_set_aof_base(1);
    cr_assert_eq(rdb_save_to_fd(fd, err), 0, "%s", err);
    rdb_set_aof_base(0);
    cr_assert_eq(close(fd), 0);
}

static void load_ok(void)
{
    struct aof_manifest m;
    aof_manifest_init(&m);
    enum aof_load_result rc = aof_load(&m);
    aof_manifest_free(&m);
    cr_assert_eq(rc, AOF_LOAD_OK, "aof_load returned %d", rc);
}

/* The string at key in database 0, or NULL (the caller frees it). */
static char *string_at(const char *key)
{
    struct dict_entry *e = dict_find(db_get(0)->keys, key, strlen(key));
    if (e == NULL)
        return NULL;
    char buf[24];
    size_t len;
    const char *p = obj_str(e->v.ptr, buf, &len);
    return strndup(p, len);
}

/* key is gone, or still there only as what its TTL already ended: the
 * server sees nothing, and its expiry cycle logs the DEL. */
static void assert_expired_or_gone(const char *key, const char *old_value)
{
    char *v = string_at(key);
    if (v != NULL) {
        cr_assert_str_eq(v, old_value, "%s came back as a new key", key);
        cr_assert(db_key_is_expired(db_get(0), key, strlen(key)),
                  "%s=%s lives on", key, v);
    }
    free(v);
}

/* ---- an RDB base and the TTLs in it ------------------------------------ */

Test(aof_regress, an_rdb_base_keeps_an_expired_key_for_the_commands_after_it)
{
    long long past = util_mstime() - 5000;
    db_add(db_get(0), "k", 1, obj_string("old", 3));
    db_set_expire(db_get(0), "k", 1, past);
    db_add(db_get(0), "alive", 5, obj_string("1", 1));
    save_rdb_base(BASE1);
    db_flush(-1);

    bstr incr = cmd(bstr_empty(0), 2, "SELECT", "0");
    incr = cmd(incr, 3, "APPEND", "k", "x");
    write_aof(INCR1, incr, bstr_len(incr));
    bstr_free(incr);
    write_manifest("file " BASE1 " seq 1 type b\n"
                   "file " INCR1 " seq 1 type i\n");

    load_ok();
    assert_expired_or_gone("k", "oldx");
    char *alive = string_at("alive");
    cr_assert_not_null(alive);
    cr_assert_str_eq(alive, "1");
    free(alive);
}

/* ---- expired keys after the load --------------------------------------- */

/* The key whose TTL passed must not vanish silently: whatever deletes it
 * has to be the running server's expiry, which logs a DEL.  So after the
 * load it is still there, expired (Redis: "the expiry cycle"). */
Test(aof_regress, a_key_whose_ttl_passed_is_left_to_the_expiry_cycle)
{
    char past[32];
    snprintf(past, sizeof(past), "%lld", util_mstime() - 5000);
    bstr incr = cmd(bstr_empty(0), 2, "SELECT", "0");
    incr = cmd(incr, 5, "SET", "k", "old", "PXAT", past);
    write_aof(INCR1, incr, bstr_len(incr));
    bstr_free(incr);
    write_manifest("file " INCR1 " seq 1 type i\n");

    load_ok();
    char *v = string_at("k");
    cr_assert_not_null(v, "k was deleted without a DEL in the AOF");
    cr_assert_str_eq(v, "old");
    free(v);
    cr_assert(db_key_is_expired(db_get(0), "k", 1));
    /* Reads never see it. */
    cr_assert_null(db_lookup_read(db_get(0), "k", 1, 0));
}

/* ---- limits meant for clients ------------------------------------------ */

Test(aof_regress, a_value_longer_than_proto_max_bulk_len_loads)
{
    size_t n = 5000;
    char *big = malloc(n + 1);
    memset(big, 'v', n);
    big[n] = '\0';
    bstr incr = cmd(bstr_empty(0), 2, "SELECT", "0");
    incr = cmd(incr, 3, "SET", "big", big);
    write_aof(INCR1, incr, bstr_len(incr));
    bstr_free(incr);
    write_manifest("file " INCR1 " seq 1 type i\n");
    /* Lowered after the value was written (CONFIG SET proto-max-bulk-len
     * takes effect at once; its minimum is 1mb in Redis, scaled down). */
    server.proto_max_bulk_len = 1024;

    load_ok();
    char *v = string_at("big");
    cr_assert_not_null(v);
    cr_assert_str_eq(v, big);
    free(v);
    free(big);
}
