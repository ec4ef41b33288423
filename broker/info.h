/* info.h -- INFO and the statistics only it reports: instantaneous
 * metrics and errorstats. */
#ifndef INFO_H
#define INFO_H

#include <stddef.h>

#include "cmd.h"

extern struct cmd info_commands[];

/* Take one sample of the counters behind INFO's instantaneous_ops_per_sec
 * and instantaneous_*_kbps; called from the cron. */
void info_sample_metrics(void);

/* Count an error reply for INFO errorstats; msg is the error without its
 * leading '-' ("ERR syntax error"). */
void info_count_error(const char *msg, size_t len);

/* Forget errorstats and the instantaneous samples (CONFIG RESETSTAT). */
void info_reset_stats(void);

#endif
