/* admin.h -- server commands: TIME LASTSAVE SHUTDOWN MONITOR DEBUG. */
#ifndef ADMIN_H
#define ADMIN_H

#include <stddef.h>

#include "cmd.h"

extern struct cmd admin_commands[];

struct conn;

/* Send a line about the command c has just run to every MONITOR client
 * (called by cmd_dispatch, after the command, for commands without
 * CMD_SKIP_MONITOR or CMD_ADMIN, as Redis 7 does). */
void admin_feed_monitors(struct conn *c);

#endif
