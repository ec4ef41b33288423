/* loop.c -- the epoll event loop of the api and notify servers (see
 * loop.h). */
#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "judge.h"

/* The longest wait between two checks of the stop flag: a signal that
 * lands just before epoll_wait() does not interrupt it. */
#define JLOOP_MAX_WAIT_MS 250

struct jloop_watch {
    jloop_fd_fn *fn;
    void *data;
    unsigned events;
    int active;
};

struct jloop {
    int epfd;
    struct jloop_watch *watch; /* indexed by descriptor */
    int nwatch;
    jloop_tick_fn *tick_fn;
    void *tick_data;
    int tick_ms;
    long long next_tick;
    int stop;
};

struct jloop *jloop_create(void)
{
    struct jloop *l = calloc(1, sizeof(*l));

    if (l == NULL)
        return NULL;
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (l->epfd < 0) {
        free(l);
        return NULL;
    }
    l->tick_ms = JLOOP_MAX_WAIT_MS;
    return l;
}

void jloop_free(struct jloop *l)
{
    if (l == NULL)
        return;
    close(l->epfd);
    free(l->watch);
    free(l);
}

static uint32_t epoll_mask(unsigned events)
{
    uint32_t m = 0;

    if (events & JLOOP_READ)
        m |= EPOLLIN | EPOLLRDHUP;
    if (events & JLOOP_WRITE)
        m |= EPOLLOUT;
    return m;
}

/* Make room for descriptor fd in l->watch.  Returns 0 or -1. */
static int grow(struct jloop *l, int fd)
{
    if (fd < l->nwatch)
        return 0;
    int n = l->nwatch ? l->nwatch : 64;
    while (n <= fd)
        n *= 2;
    struct jloop_watch *w = realloc(l->watch, (size_t)n * sizeof(*w));
    if (w == NULL) {
        errno = ENOMEM;
        return -1;
    }
    memset(w + l->nwatch, 0, (size_t)(n - l->nwatch) * sizeof(*w));
    l->watch = w;
    l->nwatch = n;
    return 0;
}

int jloop_add(struct jloop *l, int fd, unsigned events, jloop_fd_fn *fn,
              void *data)
{
    struct epoll_event ev = {0};

    if (fd < 0 || grow(l, fd) < 0)
        return -1;
    ev.events = epoll_mask(events);
    ev.data.fd = fd;
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
        return -1;
    l->watch[fd] = (struct jloop_watch){fn, data, events, 1};
    return 0;
}

int jloop_set(struct jloop *l, int fd, unsigned events)
{
    struct epoll_event ev = {0};

    if (fd < 0 || fd >= l->nwatch || !l->watch[fd].active) {
        errno = EBADF;
        return -1;
    }
    if (l->watch[fd].events == events)
        return 0;
    ev.events = epoll_mask(events);
    ev.data.fd = fd;
    if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
        return -1;
    l->watch[fd].events = events;
    return 0;
}

void jloop_del(struct jloop *l, int fd)
{
    if (fd < 0 || fd >= l->nwatch || !l->watch[fd].active)
        return;
    epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
    l->watch[fd].active = 0;
}

void jloop_set_tick(struct jloop *l, int interval_ms, jloop_tick_fn *fn,
                    void *data)
{
    l->tick_fn = fn;
    l->tick_data = data;
    l->tick_ms = interval_ms > 0 ? interval_ms : JLOOP_MAX_WAIT_MS;
    l->next_tick = judge_mono_ms() + l->tick_ms;
}

void jloop_stop(struct jloop *l)
{
    l->stop = 1;
}

static void dispatch(struct jloop *l, const struct epoll_event *ev)
{
    int fd = ev->data.fd;
    unsigned ready = 0;

    if (fd >= l->nwatch || !l->watch[fd].active)
        return;
    if (ev->events & (EPOLLIN | EPOLLRDHUP))
        ready |= JLOOP_READ;
    if (ev->events & EPOLLOUT)
        ready |= JLOOP_WRITE;
    if (ev->events & (EPOLLERR | EPOLLHUP))
        ready |= JLOOP_READ | JLOOP_WRITE;
    l->watch[fd].fn(l, fd, ready, l->watch[fd].data);
}

int jloop_run(struct jloop *l)
{
    struct epoll_event evs[JLOOP_MAX_EVENTS];

    l->stop = 0;
    if (l->next_tick == 0)
        l->next_tick = judge_mono_ms() + l->tick_ms;
    while (!l->stop && !judge_stopping()) {
        long long now = judge_mono_ms();
        long long wait = l->next_tick - now;
        if (wait < 0)
            wait = 0;
        if (wait > JLOOP_MAX_WAIT_MS)
            wait = JLOOP_MAX_WAIT_MS;
        int n = epoll_wait(l->epfd, evs, JLOOP_MAX_EVENTS, (int)wait);
        if (n < 0 && errno != EINTR)
            return -1;
        for (int i = 0; i < n && !l->stop; i++)
            dispatch(l, &evs[i]);
        now = judge_mono_ms();
        if (now >= l->next_tick) {
            l->next_tick = now + l->tick_ms;
            if (l->tick_fn != NULL)
                l->tick_fn(l, l->tick_data);
        }
    }
    return 0;
}
