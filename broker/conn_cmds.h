/* conn_cmds.h -- connection commands: PING ECHO QUIT RESET HELLO AUTH
 * CLIENT. */
#ifndef CONN_CMDS_H
#define CONN_CMDS_H

struct cmd;

extern struct cmd conn_commands[];

#endif
