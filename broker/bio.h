/* bio.h -- one background thread for the slow system calls of the AOF.
 *
 * fsync() on a busy disk can take seconds and close() of the last link to
 * a big file frees its blocks synchronously; both would stall the event
 * loop.  The main thread queues them here instead and never waits, except
 * that bio_fsync_pending() lets appendfsync everysec postpone writes while
 * an fsync is still running (Redis's two-second rule, in aof.c).  Jobs
 * run one at a time, in the order they were queued. */
#ifndef BIO_H
#define BIO_H

/* Start the thread (done on first use too). */
void bio_init(void);
/* Queue fsync(fd) (fdatasync). */
void bio_fsync(int fd);
/* Queue close(fd). */
void bio_close(int fd);
/* Queue unlink(path) (copied). */
void bio_unlink(const char *path);
/* fsync jobs queued or running. */
int bio_fsync_pending(void);
/* The errno of the last background fsync when it failed, 0 when it
 * succeeded (appendfsync everysec: INFO aof_last_write_status and -MISCONF
 * report it, as Redis's aof_bio_fsync_status).  Cleared by the next fsync
 * that succeeds, or by bio_fsync_errno_clear() (the AOF turned on again). */
int bio_fsync_errno(void);
void bio_fsync_errno_clear(void);
/* Wait until every queued job is done (shutdown). */
void bio_drain(void);

#endif
