/* t_list.h -- list commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN
 * LRANGE LINDEX LSET LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP, and the
 * blocking BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP. */
#ifndef T_LIST_H
#define T_LIST_H

#include <stddef.h>

#include "cmd.h"

struct conn;

extern struct cmd list_commands[];

/* The serve function blocking list commands register with blocked.h: c is
 * blocked by one of the B* commands above (its request is in c->argv);
 * take from the list at key as that command does, reply, and return 1, or
 * return 0 if the key holds no list with elements. */
int list_serve_blocked(struct conn *c, const char *key, size_t klen);

#endif
