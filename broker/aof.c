/* aof.c -- placeholder while the AOF writer is being written (replaced
 * entirely by the real module). */
#include "aof.h"

int aof_apply_appendonly(const char **err)
{
    *err = "appendonly is being implemented";
    return -1;
}
