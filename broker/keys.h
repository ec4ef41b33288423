/* keys.h -- commands on keys of any type: DEL UNLINK EXISTS TYPE KEYS SCAN
 * RENAME RENAMENX EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL PERSIST
 * EXPIRETIME PEXPIRETIME RANDOMKEY TOUCH DBSIZE FLUSHDB FLUSHALL SWAPDB
 * OBJECT. */
#ifndef KEYS_H
#define KEYS_H

#include <stddef.h>

#include "cmd.h"

extern struct cmd keys_commands[];

struct conn;

#define KEYS_SCAN_DEFAULT_COUNT 10

/* The options of one SCAN-family call. */
struct scan_opts {
    long long count;
    const char *pat; /* NULL: everything matches */
    size_t plen;
    const char *type; /* SCAN's TYPE, NULL: every type */
    size_t tlen;
};

/* Parse [MATCH pattern] [COUNT count] (and [TYPE type] when allow_type,
 * which only SCAN takes) from argv[first] on, in any order, the last of a
 * kind winning.  Replies Redis's error and returns -1 on a bad option. */
int keys_parse_scan_opts(struct conn *c, int first, int allow_type,
                         struct scan_opts *o);

#endif
