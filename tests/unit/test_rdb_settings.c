/* test_rdb_settings.c -- rdb.c under the server's settings.
 *
 * rdb_apply_config() takes rdbcompression, rdbchecksum and
 * rdb-save-incremental-fsync from the configuration: a dump written with
 * rdbchecksum no ends with a checksum of 0 and loading then verifies
 * nothing; rdbcompression no stores long strings as they are.  Loading
 * can replace existing keys (DEBUG RELOAD MERGE), reports the dump's
 * auxiliary fields, and a failed write leaves errno set for the caller's
 * log line. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../broker/db.h"
#include "../../broker/obj.h"
#include "../../broker/rdb.h"
#include "../../broker/server.h"

#define DATABASES 16

static char tmpdir[64];
static char dump_path[128];

static void set_config(int compression, int checksum, int fsync)
{
    server.rdb_compression = compression;
    server.rdb_checksum = checksum;
    server.rdb_save_incremental_fsync = fsync;
    rdb_apply_config();
}

static void setup(void)
{
    server.databases = DATABASES;
    server.hash_max_listpack_entries = 512;
    server.hash_max_listpack_value = 64;
    server.list_max_listpack_size = -2;
    db_init_all(DATABASES);
    set_config(1, 1, 0);
    strcpy(tmpdir, "/tmp/test-rdb-settings.XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(dump_path, sizeof(dump_path), "%s/dump.rdb", tmpdir);
}

static void teardown(void)
{
    char cmd[128];
    rdb_set_load_replace(0);
    set_config(1, 1, 0);
    db_free_all();
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(rdb_settings, .init = setup, .fini = teardown);

static void set_string(const char *key, const char *val, size_t n)
{
    struct db *db = db_get(0);
    db_delete(db, key, strlen(key));
    db_add(db, key, strlen(key), obj_string(val, n));
}

/* The value of key in database 0 as a malloc'd C string, NULL if none. */
static char *get_string(const char *key)
{
    struct obj *o = db_lookup_read(db_get(0), key, strlen(key), 0);
    char buf[32];
    size_t len;
    if (o == NULL)
        return NULL;
    const char *p = obj_str(o, buf, &len);
    return strndup(p, len);
}

static void save(void)
{
    char err[RDB_ERR_LEN] = "";
    int fd = open(dump_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert(fd >= 0);
    cr_assert_eq(rdb_save_to_fd(fd, err), 0, "save: %s", err);
    close(fd);
}

static long long file_size(void)
{
    struct stat st;
    cr_assert_eq(stat(dump_path, &st), 0);
    return (long long)st.st_size;
}

/* The stored checksum: the last 8 bytes, little endian. */
static unsigned long long stored_checksum(void)
{
    unsigned char b[8];
    FILE *f = fopen(dump_path, "rb");
    cr_assert_not_null(f);
    cr_assert_eq(fseek(f, -8, SEEK_END), 0);
    cr_assert_eq(fread(b, 1, 8, f), 8);
    fclose(f);
    unsigned long long v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | b[i];
    return v;
}

static void flip_last_byte(void)
{
    FILE *f = fopen(dump_path, "r+b");
    cr_assert_not_null(f);
    cr_assert_eq(fseek(f, -1, SEEK_END), 0);
    int ch = fgetc(f);
    cr_assert_eq(fseek(f, -1, SEEK_END), 0);
    fputc(ch ^ 1, f);
    fclose(f);
}

Test(rdb_settings, rdbchecksum_no_writes_a_zero_checksum)
{
    set_string("k", "v", 1);
    save();
    cr_assert_neq(stored_checksum(), 0);
    set_config(1, 0, 0);
    save();
    cr_assert_eq(stored_checksum(), 0);
}

Test(rdb_settings, rdbchecksum_no_loads_without_verifying)
{
    char err[RDB_ERR_LEN];

    set_string("k", "v", 1);
    save();
    flip_last_byte();
    db_flush(-1);
    cr_assert_eq(rdb_load_file(dump_path, err), -1);
    cr_assert_not_null(strstr(err, "Wrong RDB checksum expected: ("), "%s",
                       err);
    cr_assert_not_null(strstr(err, "Aborting now."), "%s", err);

    db_flush(-1);
    set_config(1, 0, 0);
    cr_assert_eq(rdb_load_file(dump_path, err), 0, "%s", err);
    char *v = get_string("k");
    cr_assert_str_eq(v, "v");
    free(v);
}

Test(rdb_settings, a_zero_checksum_loads_with_rdbchecksum_yes)
{
    char err[RDB_ERR_LEN];

    set_string("k", "v", 1);
    set_config(1, 0, 0);
    save();
    set_config(1, 1, 0);
    db_flush(-1);
    cr_assert_eq(rdb_load_file(dump_path, err), 0, "%s", err);
}

Test(rdb_settings, rdbcompression_no_stores_strings_as_they_are)
{
    char value[10000];
    memset(value, 'a', sizeof(value));

    set_string("k", value, sizeof(value));
    save();
    cr_assert_lt(file_size(), 1000);
    set_config(0, 1, 0);
    save();
    cr_assert_gt(file_size(), (long long)sizeof(value));

    char err[RDB_ERR_LEN];
    db_flush(-1);
    cr_assert_eq(rdb_load_file(dump_path, err), 0, "%s", err);
    char *v = get_string("k");
    cr_assert_eq(strlen(v), sizeof(value));
    cr_assert_eq(memcmp(v, value, sizeof(value)), 0);
    free(v);
}

/* 6 MB crosses the 4 MB incremental fsync mark. */
Test(rdb_settings, incremental_fsync_writes_a_complete_dump)
{
    char key[32], err[RDB_ERR_LEN];
    char *value = malloc(64 * 1024);
    for (int i = 0; i < 64 * 1024; i++)
        value[i] = (char)(i * 7919 % 251);

    set_config(0, 1, 1);
    for (int i = 0; i < 96; i++) {
        snprintf(key, sizeof(key), "big:%d", i);
        value[0] = (char)i;
        set_string(key, value, 64 * 1024);
    }
    save();
    cr_assert_gt(file_size(), 6 * 1024 * 1024);
    db_flush(-1);
    cr_assert_eq(rdb_load_file(dump_path, err), 0, "%s", err);
    cr_assert_eq(db_size(db_get(0)), 96);
    free(value);
}

Test(rdb_settings, a_failed_write_sets_errno)
{
    char err[RDB_ERR_LEN] = "";
    int fd = open("/dev/full", O_WRONLY);
    cr_assert(fd >= 0);

    set_string("k", "v", 1);
    errno = 0;
    cr_assert_eq(rdb_save_to_fd(fd, err), -1);
    cr_assert_eq(errno, ENOSPC);
    cr_assert_str_eq(err, "Write error saving DB on disk: No space left on "
                          "device");
    close(fd);
}

Test(rdb_settings, loading_replaces_existing_keys_when_asked)
{
    char err[RDB_ERR_LEN];

    set_string("k", "from-dump", 9);
    save();
    set_string("k", "in-memory", 9);
    set_string("other", "kept", 4);
    cr_assert_eq(rdb_load_file(dump_path, err), -1);
    cr_assert_not_null(strstr(err, "Duplicate key 'k'"), "%s", err);

    rdb_set_load_replace(1);
    cr_assert_eq(rdb_load_file(dump_path, err), 0, "%s", err);
    char *v = get_string("k"), *w = get_string("other");
    cr_assert_str_eq(v, "from-dump");
    cr_assert_str_eq(w, "kept");
    free(v);
    free(w);
}

Test(rdb_settings, loading_reports_the_auxiliary_fields)
{
    char err[RDB_ERR_LEN];
    long long now = (long long)time(NULL);

    set_string("k", "v", 1);
    save();
    db_flush(-1);
    cr_assert_eq(rdb_load_file(dump_path, err), 0, "%s", err);
    const struct rdb_load_stats *st = rdb_last_load_stats();
    cr_assert_str_eq(st->redis_ver, RESPD_VERSION);
    cr_assert(st->ctime >= now - 5 && st->ctime <= now + 5, "ctime %lld",
              st->ctime);
    cr_assert_gt(st->used_mem, 0);
    cr_assert_eq(st->keys_loaded, 1);
}
