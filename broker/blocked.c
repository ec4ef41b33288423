/* blocked.c -- clients blocked on keys (see blocked.h).  First cut: the
 * interface links; the queues arrive next. */
#include "blocked.h"

#include <limits.h>

#include "conn.h"
#include "reply.h"
#include "server.h"
#include "util.h"

int blocked_parse_timeout(struct conn *c, const struct resp_arg *arg,
                          long long *deadline_ms)
{
    long double secs;
    long long ms;

    if (util_str2ld(arg->ptr, arg->len, &secs) != 0) {
        reply_error(c, "ERR timeout is not a float or out of range");
        return -1;
    }
    ms = (long long)(secs * 1000.0L);
    if (ms < 0) {
        reply_error(c, "ERR timeout is negative");
        return -1;
    }
    *deadline_ms = ms > 0 ? util_mstime() + ms : 0;
    return 0;
}

void blocked_block(struct conn *c, const struct resp_arg *keys, int nkeys,
                   long long deadline_ms, blocked_serve_fn *serve)
{
    reply_null_array(c);
}

void blocked_unblock(struct conn *c, enum blocked_end how)
{
}

int blocked_is_blocked(const struct conn *c)
{
    return 0;
}

void blocked_signal_key(struct db *db, const char *key, size_t klen)
{
}

void blocked_signal_db(struct db *db)
{
}

void blocked_serve_ready_keys(void)
{
}

long long blocked_count(void)
{
    return 0;
}

void blocked_process_unblocked(void)
{
}
