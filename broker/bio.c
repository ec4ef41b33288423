/* bio.c -- the background thread for slow file system calls (see bio.h).
 *
 * One thread serves one FIFO queue.  Order matters and is kept: a close
 * queued after an fsync of the same descriptor runs after it, so the main
 * thread can hand over an AOF descriptor with bio_fsync() then
 * bio_close() and never touch it again, and no job ever works on a
 * descriptor number that was already closed and reused.
 *
 * The main thread only takes the mutex to append a job (a few
 * instructions), never while a job runs, so a disk that takes seconds to
 * fsync never stalls the event loop.  The pending-fsync count and the
 * last fsync error are atomics the main thread reads without the lock.
 *
 * The thread blocks every signal, so SIGTERM and SIGINT keep reaching the
 * main thread.  A forked child (BGSAVE, BGREWRITEAOF) has no bio thread
 * and must not queue jobs; it never does. */
#include "bio.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

enum bio_op { BIO_OP_FSYNC, BIO_OP_CLOSE, BIO_OP_UNLINK };

struct bio_job {
    enum bio_op op;
    int fd;
    char *path; /* BIO_OP_UNLINK */
    struct bio_job *next;
};

static pthread_once_t bio_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t bio_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bio_work = PTHREAD_COND_INITIALIZER; /* job queued */
static pthread_cond_t bio_idle = PTHREAD_COND_INITIALIZER; /* queue empty */
static struct bio_job *bio_head, *bio_tail;
static int bio_running; /* a job was taken off the queue and runs */
static int bio_started;

static atomic_int bio_fsyncs_pending;
static atomic_int bio_last_fsync_errno;

static void bio_run(struct bio_job *job)
{
    switch (job->op) {
    case BIO_OP_FSYNC:
        /* EBADF and EINVAL mean the descriptor cannot be synced (a pipe,
         * or /dev/null), not that data was lost, as Redis judges it. */
        if (fdatasync(job->fd) == -1 && errno != EBADF && errno != EINVAL)
            atomic_store(&bio_last_fsync_errno, errno);
        else
            atomic_store(&bio_last_fsync_errno, 0);
        atomic_fetch_sub(&bio_fsyncs_pending, 1);
        break;
    case BIO_OP_CLOSE:
        close(job->fd);
        break;
    case BIO_OP_UNLINK:
        unlink(job->path);
        break;
    }
}

static void *bio_main(void *arg)
{
    sigset_t all;

    (void)arg;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);

    pthread_mutex_lock(&bio_lock);
    for (;;) {
        while (bio_head == NULL)
            pthread_cond_wait(&bio_work, &bio_lock);
        struct bio_job *job = bio_head;
        bio_head = job->next;
        if (bio_head == NULL)
            bio_tail = NULL;
        bio_running = 1;
        pthread_mutex_unlock(&bio_lock);

        bio_run(job);
        xfree(job->path);
        xfree(job);

        pthread_mutex_lock(&bio_lock);
        bio_running = 0;
        if (bio_head == NULL)
            pthread_cond_broadcast(&bio_idle);
    }
    return NULL;
}

static void bio_start(void)
{
    pthread_attr_t attr;
    pthread_t tid;

    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&tid, &attr, bio_main, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        log_msg(LL_WARNING, "Fatal: Can't initialize Background Jobs: %s",
                strerror(rc));
        exit(1);
    }
    bio_started = 1;
}

void bio_init(void)
{
    pthread_once(&bio_once, bio_start);
}

static void bio_push(enum bio_op op, int fd, const char *path)
{
    struct bio_job *job = xcalloc(1, sizeof(*job));

    bio_init();
    job->op = op;
    job->fd = fd;
    job->path = path ? xstrdup(path) : NULL;
    if (op == BIO_OP_FSYNC)
        atomic_fetch_add(&bio_fsyncs_pending, 1);

    pthread_mutex_lock(&bio_lock);
    if (bio_tail)
        bio_tail->next = job;
    else
        bio_head = job;
    bio_tail = job;
    pthread_cond_signal(&bio_work);
    pthread_mutex_unlock(&bio_lock);
}

void bio_fsync(int fd)
{
    bio_push(BIO_OP_FSYNC, fd, NULL);
}

void bio_close(int fd)
{
    bio_push(BIO_OP_CLOSE, fd, NULL);
}

void bio_unlink(const char *path)
{
    bio_push(BIO_OP_UNLINK, -1, path);
}

int bio_fsync_pending(void)
{
    return atomic_load(&bio_fsyncs_pending);
}

int bio_fsync_errno(void)
{
    return atomic_load(&bio_last_fsync_errno);
}

void bio_fsync_errno_clear(void)
{
    atomic_store(&bio_last_fsync_errno, 0);
}

void bio_drain(void)
{
    if (!bio_started)
        return;
    pthread_mutex_lock(&bio_lock);
    while (bio_head != NULL || bio_running)
        pthread_cond_wait(&bio_idle, &bio_lock);
    pthread_mutex_unlock(&bio_lock);
}
