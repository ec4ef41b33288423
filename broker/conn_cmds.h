/* conn_cmds.h -- connection commands: PING ECHO QUIT RESET HELLO AUTH
 * SELECT CLIENT. */
#ifndef CONN_CMDS_H
#define CONN_CMDS_H

#include "bstr.h"

#include "cmd.h"

extern struct cmd conn_commands[];

struct conn;

/* One line of CLIENT LIST / CLIENT INFO describing c, in Redis's field
 * order, appended to *out (which may move). */
void conn_describe(struct conn *c, bstr *out);

#endif
