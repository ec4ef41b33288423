/* child.h -- the one forked child a server may have at a time.
 *
 * BGSAVE and BGREWRITEAOF each fork a child that writes the data as it was
 * at the fork (copy-on-write) while the parent goes on serving.  As in
 * Redis, at most one child runs; a request for the other kind waits
 * ("scheduled") until it ends.  The cron reaps it with waitpid() and hands
 * the exit status to the module that started it. */
#ifndef CHILD_H
#define CHILD_H

#include <sys/types.h>

enum child_type { CHILD_NONE = 0, CHILD_RDB, CHILD_AOF };

/* Fork a child of the given type.  In the child: returns 0 after closing
 * the listeners and client sockets; the caller writes its file and ends
 * with child_exit().  In the parent: returns the child's pid, or -1 with
 * errno (nothing started). */
pid_t child_fork(enum child_type type);
/* End the child: exit status 0 on success, 1 on failure, without running
 * the parent's atexit handlers. */
void child_exit(int ok) __attribute__((noreturn));

enum child_type child_active(void);
pid_t child_pid(void);
long long child_start_ms(void);

/* From the cron: reap an ended child and call rdb's or aof's done hook. */
void child_reap(void);
/* Kill the running child (shutdown, SAVE's and FLUSHALL's sake) and wait
 * for it; its done hook is told it was killed. */
void child_kill(void);

#endif
