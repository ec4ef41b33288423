/* rdb.h -- the keyspace in Redis 7.0's snapshot format (RDB version 10).
 *
 * A dump written here loads in redis-server 7.0 and one written by it loads
 * here, for the types respd has: strings, lists (written as quicklists of
 * listpacks) and hashes (a listpack when small, field/value pairs when
 * large).  Loading also reads the older list and hash layouts Redis wrote
 * before 7.0 (plain lists, ziplists, quicklists of ziplists, zipmaps);
 * any other type (sets, sorted sets, streams, modules, functions) stops
 * the load with a message naming it. */
#ifndef RDB_H
#define RDB_H

#include <stdint.h>
#include <stdio.h>

#define RDB_VERSION 10
#define RDB_ERR_LEN 256 /* size of the err buffers below */

/* Compress strings longer than 20 bytes with LZF (Redis's rdbcompression,
 * on by default). */
void rdb_set_compression(int on);

/* Take rdbcompression, rdbchecksum and rdb-save-incremental-fsync from the
 * server's configuration.  Until it is called (unit tests) compression and
 * checksums are on and incremental fsync off.  With rdbchecksum no, dumps
 * are written with a checksum of 0 and loads skip verification. */
void rdb_apply_config(void);
/* fdatasync() every 4 MB while writing (rdb-save-incremental-fsync; an AOF
 * rewrite sets aof-rewrite-incremental-fsync here instead). */
void rdb_set_incremental_fsync(int on);
/* Loading replaces keys that already exist instead of failing (DEBUG
 * RELOAD MERGE). */
void rdb_set_load_replace(int on);
/* Loading keeps keys whose TTL has passed, with that TTL, instead of
 * skipping them: for the RDB base of an AOF, whose incr files may act on
 * them afterwards (as Redis loads an AOF preamble). */
void rdb_set_load_keep_expired(int on);

/* Write aof-base 1 in the header: the dump is the base of an AOF. */
void rdb_set_aof_base(int on);

/* Long saves and loads report how far they got, about every
 * RDB_PROGRESS_MS: keys written of all keys (saving), or bytes read of the
 * file (loading).  NULL, the default, reports nothing.  rdb.c does not log;
 * the caller's function does. */
#define RDB_PROGRESS_MS 2000
typedef void rdb_progress_fn(int saving, unsigned long long done,
                             unsigned long long total);
void rdb_set_progress(rdb_progress_fn *fn);

/* Write every database (0 .. server.databases - 1) to fd as one complete
 * RDB file, ending with its CRC64.  Returns 0, or -1 with errno set and
 * the reason in err (a write error: the file is then incomplete).  fd is
 * not closed, nor synced except by incremental fsync. */
int rdb_save_to_fd(int fd, char *err);

/* Load the RDB file at path into the keyspace, skipping keys whose TTL has
 * passed.  Returns 0, or -1 with the reason in err (unreadable or corrupt
 * file, unsupported type, a key that already exists); on failure the keys
 * loaded before the error stay in the keyspace, so callers at start-up
 * should exit, as Redis does. */
int rdb_load_file(const char *path, char *err);

/* The same from fp's current position, reading at most size bytes; on
 * success *consumed (when not NULL) is the length of the RDB data, which
 * ends after its checksum: an AOF base may go on with commands there. */
int rdb_load_fp(FILE *fp, uint64_t size, char *err, uint64_t *consumed);

/* Keys stored and keys skipped as expired by the last load (INFO's
 * rdb_last_load_keys_loaded and rdb_last_load_keys_expired). */
struct rdb_load_stats {
    long long keys_loaded;
    long long keys_expired;
    /* From the auxiliary fields, for the start-up log ("" or -1 when the
     * file has none). */
    char redis_ver[32];
    long long ctime;    /* when it was written, Unix seconds */
    long long used_mem; /* the writer's used memory, bytes */
};
const struct rdb_load_stats *rdb_last_load_stats(void);

#endif
