/* command.h -- COMMAND and its subcommands: COUNT INFO DOCS LIST GETKEYS
 * GETKEYSANDFLAGS HELP, in Redis 7.0's reply shapes. */
#ifndef COMMAND_H
#define COMMAND_H

#include "cmd.h"

/* The table fragment for cmd.c: the COMMAND container and its
 * subcommands, terminated by an entry with a NULL name. */
extern struct cmd command_commands[];

#endif
