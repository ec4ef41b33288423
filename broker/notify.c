/* notify.c -- keyspace notifications (see notify.h).
 *
 * An event is two PUBLISHes at most, both through pubsub_publish(), so a
 * notification reaches subscribers exactly as a client's PUBLISH would:
 * channel and pattern subscribers alike, in order with other messages.
 * The channel names are built on the stack for ordinary key lengths; only
 * a key longer than NOTIFY_STACK_CHANNEL bytes costs an allocation. */
#include "notify.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "pubsub.h"
#include "server.h"
#include "util.h"

#define NOTIFY_STACK_CHANNEL 256
/* "__keyspace@" + a database number + "__:" */
#define NOTIFY_PREFIX_MAX 32

/* The class of one notify-keyspace-events letter, or 0. */
static int notify_letter_flag(char c)
{
    static const char letters[] = "g$lshzxeKEtmdnA";
    static const int flags[] = {
        NOTIFY_GENERIC,  NOTIFY_STRING,   NOTIFY_LIST,    NOTIFY_SET,
        NOTIFY_HASH,     NOTIFY_ZSET,     NOTIFY_EXPIRED, NOTIFY_EVICTED,
        NOTIFY_KEYSPACE, NOTIFY_KEYEVENT, NOTIFY_STREAM,  NOTIFY_KEY_MISS,
        NOTIFY_MODULE,   NOTIFY_NEW,      NOTIFY_ALL};
    const char *p = c ? strchr(letters, c) : NULL;

    return p ? flags[p - letters] : 0;
}

int notify_flags_parse(const char *s, size_t n)
{
    int flags = 0;

    for (size_t i = 0; i < n; i++) {
        int f = notify_letter_flag(s[i]);
        if (f == 0)
            return -1;
        flags |= f;
    }
    return flags;
}

/* Redis prints 'A' for the whole type set and then leaves out 'n' too,
 * although the flag stays set: "KEAn" reads back as "AKE". */
size_t notify_flags_format(int flags, char *buf)
{
    static const char type_letters[] = "g$lshzxetdn";
    static const int type_flags[] = {
        NOTIFY_GENERIC, NOTIFY_STRING, NOTIFY_LIST,    NOTIFY_SET,
        NOTIFY_HASH,    NOTIFY_ZSET,   NOTIFY_EXPIRED, NOTIFY_EVICTED,
        NOTIFY_STREAM,  NOTIFY_MODULE, NOTIFY_NEW};
    size_t n = 0;

    if ((flags & NOTIFY_ALL) == NOTIFY_ALL) {
        buf[n++] = 'A';
    } else {
        for (size_t i = 0; i < sizeof(type_flags) / sizeof(int); i++)
            if (flags & type_flags[i])
                buf[n++] = type_letters[i];
    }
    if (flags & NOTIFY_KEYSPACE)
        buf[n++] = 'K';
    if (flags & NOTIFY_KEYEVENT)
        buf[n++] = 'E';
    if (flags & NOTIFY_KEY_MISS)
        buf[n++] = 'm';
    buf[n] = '\0';
    return n;
}

/* Publish msg on prefix + name, building the channel on the stack when it
 * fits. */
static void notify_publish(const char *prefix, size_t plen, const char *name,
                           size_t nlen, const char *msg, size_t mlen)
{
    char stack[NOTIFY_STACK_CHANNEL];
    size_t len = plen + nlen;
    char *ch = len <= sizeof(stack) ? stack : xmalloc(len);

    memcpy(ch, prefix, plen);
    memcpy(ch + plen, name, nlen);
    pubsub_publish(ch, len, msg, mlen);
    if (ch != stack)
        xfree(ch);
}

void notify_keyspace_event(int type, const char *event, const char *key,
                           size_t klen, int dbid)
{
    int flags = server.notify_keyspace_events;
    char prefix[NOTIFY_PREFIX_MAX];
    size_t elen;
    int plen;

    if (!(flags & type))
        return;
    elen = strlen(event);
    if (flags & NOTIFY_KEYSPACE) {
        plen = snprintf(prefix, sizeof(prefix), "__keyspace@%d__:", dbid);
        notify_publish(prefix, (size_t)plen, key, klen, event, elen);
    }
    if (flags & NOTIFY_KEYEVENT) {
        plen = snprintf(prefix, sizeof(prefix), "__keyevent@%d__:", dbid);
        notify_publish(prefix, (size_t)plen, event, elen, key, klen);
    }
}
