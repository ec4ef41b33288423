/* admin.h -- server commands: INFO TIME LASTSAVE SHUTDOWN MONITOR DEBUG. */
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

/* The text INFO answers for the given section names ("default" when none,
 * "all", "everything", or names such as "server", "keyspace"). Caller frees
 * the bstr. */
char *admin_info_text(int argc, const char **names, const size_t *lens);

/* Take one sample of the counters behind INFO's instantaneous_ops_per_sec
 * and instantaneous_*_kbps; call from the cron every 100 ms. */
void admin_sample_metrics(void);

/* Count an error reply for INFO errorstats; msg is the error without its
 * leading '-' ("ERR syntax error"). */
void admin_count_error(const char *msg, size_t len);

/* Forget errorstats and the instantaneous samples (CONFIG RESETSTAT). */
void admin_reset_stats(void);

#endif
