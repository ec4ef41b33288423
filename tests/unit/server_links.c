/* server_links.c -- what server.c would provide to the modules under test.
 *
 * server.c (main, start-up, shutdown) is not in the unit tests' library,
 * but the modules reach its global `server` and, through the command
 * tables, a few of its functions.  The tests set the fields they need;
 * no test reaches the functions, so they abort if one ever does. */
#include <stdlib.h>

#include "../../broker/server.h"

struct server server;

void server_shutdown(int exit_code)
{
    (void)exit_code;
    abort();
}

int server_prepare_shutdown(int flags)
{
    (void)flags;
    abort();
}

int server_rebind(char *err)
{
    (void)err;
    abort();
}
