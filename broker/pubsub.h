/* pubsub.h -- publish/subscribe: channels, patterns and shard channels.
 *
 * A client subscribes by channel name, by glob pattern or by shard channel
 * (which on a single node is a second, separate namespace of channels).
 * PUBLISH formats each message frame once per protocol version (and per
 * matching pattern) and queues a reference to it on every receiver. */
#ifndef PUBSUB_H
#define PUBSUB_H

#include <stddef.h>

#include "cmd.h"

struct conn;

/* Subscription kinds, also the index into pubsub_counts()'s result. */
enum { PUBSUB_CHANNEL = 0, PUBSUB_PATTERN, PUBSUB_SHARD, PUBSUB_KINDS };

extern struct cmd pubsub_commands[];

/* Deliver msg on channel ch to its subscribers and to the clients whose
 * patterns match ch (keyspace notifications use this too).  Returns the
 * number of deliveries made, as PUBLISH answers. */
long long pubsub_publish(const char *ch, size_t chlen, const char *msg,
                         size_t mlen);

/* Drop every subscription of c without sending confirmations (RESET, and
 * when c is freed).  Leaves c->pubsub_subs at 0. */
void pubsub_unsubscribe_all(struct conn *c);

/* c's subscriptions of each kind, for CLIENT LIST's sub, psub and ssub. */
void pubsub_counts(const struct conn *c, int out[PUBSUB_KINDS]);

/* Channels, patterns and shard channels with at least one subscriber, for
 * INFO. */
size_t pubsub_total(int kind);

#endif
