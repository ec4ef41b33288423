/* t_hash.h -- hash commands: HSET HSETNX HGET HMSET HMGET HDEL HLEN HSTRLEN
 * HEXISTS HGETALL HKEYS HVALS HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN. */
#ifndef T_HASH_H
#define T_HASH_H

#include "cmd.h"

extern struct cmd hash_commands[];

#endif
