/* ev.c -- the event loop over epoll, with a heap of timers (see ev.h). */
#include "ev.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "util.h"

#define EV_MAX_EVENTS_PER_WAIT 1024

struct ev_file {
    int mask;
    ev_file_fn *read_fn, *write_fn;
    void *read_data, *write_data;
};

struct ev_timer {
    long long when_us; /* monotonic */
    int heap_index;    /* position in loop->heap, -1 while running */
    ev_timer_fn *fn;
    void *data;
};

struct ev_loop {
    int epfd;
    int setsize;
    struct ev_file *files;
    struct epoll_event *fired;
    int stop;
    ev_hook_fn *before_sleep;

    /* Min-heap ordered by when_us. */
    struct ev_timer **heap;
    int heap_len, heap_cap;
};

struct ev_loop *ev_create(int setsize)
{
    struct ev_loop *loop = xcalloc(1, sizeof(*loop));
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd < 0) {
        xfree(loop);
        return NULL;
    }
    loop->setsize = setsize;
    loop->files = xcalloc((size_t)setsize, sizeof(*loop->files));
    loop->fired = xcalloc(EV_MAX_EVENTS_PER_WAIT, sizeof(*loop->fired));
    return loop;
}

void ev_destroy(struct ev_loop *loop)
{
    if (loop == NULL)
        return;
    close(loop->epfd);
    xfree(loop->files);
    xfree(loop->fired);
    for (int i = 0; i < loop->heap_len; i++)
        xfree(loop->heap[i]);
    xfree(loop->heap);
    xfree(loop);
}

int ev_resize(struct ev_loop *loop, int setsize)
{
    for (int fd = setsize; fd < loop->setsize; fd++)
        if (loop->files[fd].mask != EV_NONE)
            return -1;
    loop->files = xrealloc(loop->files, (size_t)setsize * sizeof(*loop->files));
    for (int fd = loop->setsize; fd < setsize; fd++)
        loop->files[fd].mask = EV_NONE;
    loop->setsize = setsize;
    return 0;
}

int ev_setsize(struct ev_loop *loop)
{
    return loop->setsize;
}

static uint32_t epoll_mask(int mask)
{
    uint32_t ev = 0;
    if (mask & EV_READABLE)
        ev |= EPOLLIN;
    if (mask & EV_WRITABLE)
        ev |= EPOLLOUT;
    return ev;
}

int ev_add(struct ev_loop *loop, int fd, int mask, ev_file_fn *fn, void *data)
{
    if (fd < 0 || fd >= loop->setsize) {
        errno = ERANGE;
        return -1;
    }
    struct ev_file *f = &loop->files[fd];
    struct epoll_event ee = {0};
    int op = f->mask == EV_NONE ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;

    ee.events = epoll_mask(f->mask | mask);
    ee.data.fd = fd;
    if (epoll_ctl(loop->epfd, op, fd, &ee) < 0)
        return -1;
    f->mask |= mask;
    if (mask & EV_READABLE) {
        f->read_fn = fn;
        f->read_data = data;
    }
    if (mask & EV_WRITABLE) {
        f->write_fn = fn;
        f->write_data = data;
    }
    return 0;
}

void ev_del(struct ev_loop *loop, int fd, int mask)
{
    if (fd < 0 || fd >= loop->setsize)
        return;
    struct ev_file *f = &loop->files[fd];
    if ((f->mask & mask) == 0)
        return;
    struct epoll_event ee = {0};
    int left = f->mask & ~mask;

    ee.events = epoll_mask(left);
    ee.data.fd = fd;
    /* Failure means the descriptor is already gone; nothing to undo. */
    epoll_ctl(loop->epfd, left ? EPOLL_CTL_MOD : EPOLL_CTL_DEL, fd, &ee);
    f->mask = left;
}

int ev_mask(struct ev_loop *loop, int fd)
{
    if (fd < 0 || fd >= loop->setsize)
        return EV_NONE;
    return loop->files[fd].mask;
}

static void heap_place(struct ev_loop *loop, int i, struct ev_timer *t)
{
    loop->heap[i] = t;
    t->heap_index = i;
}

static void heap_up(struct ev_loop *loop, int i)
{
    struct ev_timer *t = loop->heap[i];
    while (i > 0) {
        int parent = (i - 1) / 2;
        if (loop->heap[parent]->when_us <= t->when_us)
            break;
        heap_place(loop, i, loop->heap[parent]);
        i = parent;
    }
    heap_place(loop, i, t);
}

static void heap_down(struct ev_loop *loop, int i)
{
    struct ev_timer *t = loop->heap[i];
    for (;;) {
        int l = 2 * i + 1, r = l + 1, min = l;
        if (l >= loop->heap_len)
            break;
        if (r < loop->heap_len &&
            loop->heap[r]->when_us < loop->heap[l]->when_us)
            min = r;
        if (loop->heap[min]->when_us >= t->when_us)
            break;
        heap_place(loop, i, loop->heap[min]);
        i = min;
    }
    heap_place(loop, i, t);
}

static void heap_remove(struct ev_loop *loop, struct ev_timer *t)
{
    int i = t->heap_index;
    struct ev_timer *last = loop->heap[--loop->heap_len];

    t->heap_index = -1;
    if (last == t)
        return;
    heap_place(loop, i, last);
    heap_down(loop, i);
    heap_up(loop, last->heap_index);
}

static void heap_insert(struct ev_loop *loop, struct ev_timer *t)
{
    if (loop->heap_len == loop->heap_cap) {
        loop->heap_cap = loop->heap_cap ? loop->heap_cap * 2 : 16;
        loop->heap =
            xrealloc(loop->heap, (size_t)loop->heap_cap * sizeof(*loop->heap));
    }
    loop->heap[loop->heap_len] = t;
    t->heap_index = loop->heap_len++;
    heap_up(loop, t->heap_index);
}

struct ev_timer *ev_timer_add(struct ev_loop *loop, long long ms,
                              ev_timer_fn *fn, void *data)
{
    struct ev_timer *t = xmalloc(sizeof(*t));
    t->when_us = util_monotonic_us() + ms * 1000;
    t->fn = fn;
    t->data = data;
    heap_insert(loop, t);
    return t;
}

void ev_timer_del(struct ev_loop *loop, struct ev_timer *t)
{
    if (t->heap_index >= 0)
        heap_remove(loop, t);
    xfree(t);
}

static void run_timers(struct ev_loop *loop)
{
    long long now = util_monotonic_us();

    /* Only timers due before this pass began run, so a timer re-arming
     * itself with 0 ms cannot keep the loop here. */
    while (loop->heap_len > 0 && loop->heap[0]->when_us <= now) {
        struct ev_timer *t = loop->heap[0];
        heap_remove(loop, t);
        long long again = t->fn(loop, t, t->data);
        if (again == EV_TIMER_DONE) {
            xfree(t);
            continue;
        }
        t->when_us = util_monotonic_us() + again * 1000;
        heap_insert(loop, t);
    }
}

static int wait_timeout_ms(struct ev_loop *loop)
{
    if (loop->heap_len == 0)
        return 1000;
    long long delta = loop->heap[0]->when_us - util_monotonic_us();
    if (delta <= 0)
        return 0;
    return (int)((delta + 999) / 1000);
}

static void dispatch(struct ev_loop *loop, struct epoll_event *ee)
{
    int fd = ee->data.fd;
    struct ev_file *f = &loop->files[fd];
    int fired_read = 0;

    if ((f->mask & EV_READABLE) &&
        (ee->events & (EPOLLIN | EPOLLERR | EPOLLHUP))) {
        f->read_fn(loop, fd, f->read_data, EV_READABLE);
        fired_read = 1;
    }
    /* The read callback may have closed fd or removed the write event. */
    f = &loop->files[fd];
    if ((f->mask & EV_WRITABLE) &&
        (ee->events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        if (!fired_read || f->write_fn != f->read_fn ||
            f->write_data != f->read_data)
            f->write_fn(loop, fd, f->write_data, EV_WRITABLE);
    }
}

void ev_run(struct ev_loop *loop)
{
    loop->stop = 0;
    while (!loop->stop) {
        if (loop->before_sleep)
            loop->before_sleep(loop);
        int n = epoll_wait(loop->epfd, loop->fired, EV_MAX_EVENTS_PER_WAIT,
                           wait_timeout_ms(loop));
        for (int i = 0; i < n; i++)
            dispatch(loop, &loop->fired[i]);
        run_timers(loop);
    }
}

void ev_stop(struct ev_loop *loop)
{
    loop->stop = 1;
}

void ev_set_before_sleep(struct ev_loop *loop, ev_hook_fn *fn)
{
    loop->before_sleep = fn;
}
