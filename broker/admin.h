/* admin.h -- server commands: INFO TIME LASTSAVE SHUTDOWN MONITOR DEBUG. */
#ifndef ADMIN_H
#define ADMIN_H

struct cmd;

extern struct cmd admin_commands[];

struct conn;

/* Send a line about the command c is about to run to every MONITOR client
 * (called by cmd_dispatch for commands without CMD_SKIP_MONITOR). */
void admin_feed_monitors(struct conn *c);

/* The text INFO answers for the given section names ("default" when none,
 * "all", "everything", or names such as "server", "keyspace"). Caller frees
 * the bstr. */
char *admin_info_text(int argc, const char **names, const size_t *lens);

#endif
