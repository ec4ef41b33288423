/* redis_cli.h -- reaching a real redis-server from unit tests.
 *
 * The codec tests exchange files with the installed redis-server: they
 * start it on a free loopback port and drive it with redis-cli. */
#ifndef REDIS_CLI_H
#define REDIS_CLI_H

/* Whether program is on the PATH (the interop tests skip without it). */
int unit_have(const char *program);

/* A loopback port in 7000-9999 that nothing listens on right now. */
int unit_free_port(void);

/* Run redis-cli -p port with args (shell words); returns its output with
 * trailing newlines removed, which the caller frees. */
char *unit_cli(int port, const char *args);

#endif
