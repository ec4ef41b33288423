/* t_string.h -- string commands: GET SET SETNX SETEX PSETEX MGET MSET MSETNX
 * GETSET GETDEL GETEX APPEND STRLEN INCR DECR INCRBY DECRBY INCRBYFLOAT
 * GETRANGE SETRANGE. */
#ifndef T_STRING_H
#define T_STRING_H

#include "cmd.h"

extern struct cmd string_commands[];

#endif
