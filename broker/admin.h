/* admin.h -- server commands: INFO TIME LASTSAVE SHUTDOWN MONITOR DEBUG. */
#ifndef ADMIN_H
#define ADMIN_H

struct cmd;

extern struct cmd admin_commands[];

/* The text INFO answers for the given section names ("default" when none,
 * "all", "everything", or names such as "server", "keyspace"). Caller frees
 * the bstr. */
char *admin_info_text(int argc, const char **names, const size_t *lens);

#endif
