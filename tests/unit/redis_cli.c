/* redis_cli.c -- reaching a real redis-server from unit tests. */
#include "redis_cli.h"

#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../broker/util.h"

#define CLI_OUTPUT_MAX (1 << 16)

int unit_have(const char *program)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", program);
    return system(cmd) == 0;
}

int unit_free_port(void)
{
    for (;;) {
        int port = 7000 + (int)(util_random_u64() % 3000);
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
        close(fd);
        if (ok)
            return port;
    }
}

char *unit_cli(int port, const char *args)
{
    char cmdline[1024], *out = calloc(1, CLI_OUTPUT_MAX);
    snprintf(cmdline, sizeof(cmdline), "redis-cli -p %d %s 2>&1", port, args);
    FILE *p = popen(cmdline, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, CLI_OUTPUT_MAX - 1, p);
    pclose(p);
    while (n > 0 && out[n - 1] == '\n')
        out[--n] = '\0';
    return out;
}
