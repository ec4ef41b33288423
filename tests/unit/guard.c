/* guard.c -- test buffers that end right before an inaccessible page. */
#include "guard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Round n up to whole pages, map them plus one, and revoke access to the
 * last page.  The data is copied so that it ends exactly where the guard
 * page begins; an empty buffer points at the guard page itself. */
void guard_place(struct guard_buf *g, const void *p, size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t data_len = (n + page - 1) / page * page;
    char *map;

    map = mmap(NULL, data_len + page, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) {
        perror("guard_place: mmap");
        abort();
    }
    if (mprotect(map + data_len, page, PROT_NONE) != 0) {
        perror("guard_place: mprotect");
        abort();
    }
    g->map = map;
    g->map_len = data_len + page;
    g->data = map + data_len - n;
    g->len = n;
    if (n > 0)
        memcpy(g->data, p, n);
}

void guard_release(struct guard_buf *g)
{
    if (g->map != NULL)
        munmap(g->map, g->map_len);
    memset(g, 0, sizeof(*g));
}
