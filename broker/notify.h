/* notify.h -- keyspace notifications, as Redis's notify-keyspace-events.
 *
 * A command that changes a key (and a read that misses one) reports an
 * event of one class; when the class is enabled in
 * server.notify_keyspace_events the event is published on
 * `__keyspace@<db>__:<key>` (message: the event name) and/or
 * `__keyevent@<db>__:<event>` (message: the key), as Redis 7.0 does. */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <stddef.h>

/* Event classes; the values and letters are Redis's. */
#define NOTIFY_KEYSPACE (1 << 0)  /* K */
#define NOTIFY_KEYEVENT (1 << 1)  /* E */
#define NOTIFY_GENERIC  (1 << 2)  /* g */
#define NOTIFY_STRING   (1 << 3)  /* $ */
#define NOTIFY_LIST     (1 << 4)  /* l */
#define NOTIFY_SET      (1 << 5)  /* s */
#define NOTIFY_HASH     (1 << 6)  /* h */
#define NOTIFY_ZSET     (1 << 7)  /* z */
#define NOTIFY_EXPIRED  (1 << 8)  /* x */
#define NOTIFY_EVICTED  (1 << 9)  /* e */
#define NOTIFY_STREAM   (1 << 10) /* t */
#define NOTIFY_KEY_MISS (1 << 11) /* m */
#define NOTIFY_LOADED   (1 << 12) /* modules only, no letter */
#define NOTIFY_MODULE   (1 << 13) /* d */
#define NOTIFY_NEW      (1 << 14) /* n */
/* 'A': every type class; m and n are left out, as in Redis. */
#define NOTIFY_ALL                                                             \
    (NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | \
     NOTIFY_ZSET | NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM |           \
     NOTIFY_MODULE)

/* Longest text notify_flags_format() writes, with its NUL. */
#define NOTIFY_FLAGS_MAX 16

/* The error text of a bad class letter, in Redis's words. */
#define NOTIFY_ERR_FLAGS "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."

/* Publish event `event` (class `type`) about key[0..klen) of database dbid,
 * if the configuration asks for it.  Costs one test when it does not. */
void notify_keyspace_event(int type, const char *event, const char *key,
                           size_t klen, int dbid);

/* The flags of a notify-keyspace-events text, or -1 for an unknown
 * letter. */
int notify_flags_parse(const char *s, size_t n);
/* Write flags as CONFIG GET shows them ("AKE") into buf, which holds
 * NOTIFY_FLAGS_MAX bytes; returns the length. */
size_t notify_flags_format(int flags, char *buf);

#endif
