/* config.h -- configuration: redis.conf files, command-line options and
 * CONFIG GET/SET/RESETSTAT.
 *
 * Syntax as redis-server: one directive per line, arguments split like
 * redis-cli input (quotes and escapes), '#' comments, `include path`.  The
 * command line is `respd [config-file] [--name value ...]`, where a file
 * name of "-" reads the config from standard input, and the options are
 * applied after the file as if they were its last lines.
 *
 * Every directive lives in one table with its type, default, limits and
 * whether CONFIG SET may change it; config_load() applies defaults, then the
 * file, then the options.  A bad directive stops start-up with the file,
 * line and reason, as redis-server prints them. */
#ifndef CONFIG_H
#define CONFIG_H

struct conn;
#include "cmd.h"

/* Parse the command line and load the configuration into `server`.  On a
 * configuration error prints the reason to stderr and exits with status 1,
 * as redis-server does. */
void config_load(int argc, char **argv);

/* The CONFIG container: GET, SET, RESETSTAT, HELP (config_cmds.c). */
extern struct cmd config_commands[];

#endif
