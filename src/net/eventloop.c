/* SPDX-License-Identifier: BSD-3-Clause
 *
 * eventloop implementation over epoll.  See eventloop.h.
 */
#include "net/eventloop.h"

#include <errno.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "ds/alloc.h"

typedef struct fileEvent {
    int mask;
    loopFileProc *rproc, *wproc;
    void *rdata, *wdata;
} fileEvent;

typedef struct timerEvent {
    long long id;
    long long when; /* monotonic microseconds */
    loopTimerProc *proc;
    void *data;
    bool deleted;
    struct timerEvent *next;
} timerEvent;

struct eventLoop {
    int epfd;
    int setsize;
    fileEvent *events;
    struct epoll_event *fired;
    timerEvent *timers;
    long long nextTimerId;
    bool stop;
    loopHookProc *beforeSleep, *afterSleep;
};

long long loopMonoMicros(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

eventLoop *loopCreate(int setsize) {
    eventLoop *el = tcalloc(sizeof(*el));
    el->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (el->epfd == -1) {
        tfree(el);
        return NULL;
    }
    el->setsize = setsize;
    el->events = tcalloc(sizeof(fileEvent) * (size_t)setsize);
    el->fired = tcalloc(sizeof(struct epoll_event) * (size_t)setsize);
    return el;
}

void loopRelease(eventLoop *el) {
    if (!el) return;
    close(el->epfd);
    timerEvent *t = el->timers;
    while (t) {
        timerEvent *n = t->next;
        tfree(t);
        t = n;
    }
    tfree(el->events);
    tfree(el->fired);
    tfree(el);
}

int loopSetSize(const eventLoop *el) { return el->setsize; }

int loopResize(eventLoop *el, int setsize) {
    if (setsize == el->setsize) return 0;
    for (int fd = setsize; fd < el->setsize; fd++)
        if (el->events[fd].mask != LOOP_NONE) return -1;
    el->events = trealloc(el->events, sizeof(fileEvent) * (size_t)setsize);
    el->fired = trealloc(el->fired, sizeof(struct epoll_event) * (size_t)setsize);
    for (int fd = el->setsize; fd < setsize; fd++) el->events[fd].mask = LOOP_NONE;
    el->setsize = setsize;
    return 0;
}

static int updateEpoll(eventLoop *el, int fd, int oldmask, int mask) {
    struct epoll_event ee = {0};
    ee.data.fd = fd;
    if (mask & LOOP_READABLE) ee.events |= EPOLLIN;
    if (mask & LOOP_WRITABLE) ee.events |= EPOLLOUT;
    int op = oldmask == LOOP_NONE ? EPOLL_CTL_ADD : (mask == LOOP_NONE ? EPOLL_CTL_DEL : EPOLL_CTL_MOD);
    return epoll_ctl(el->epfd, op, fd, &ee);
}

int loopAddFile(eventLoop *el, int fd, int mask, loopFileProc *proc, void *data) {
    if (fd < 0 || fd >= el->setsize) return -1;
    fileEvent *fe = &el->events[fd];
    int newmask = fe->mask | mask;
    if (newmask != fe->mask && updateEpoll(el, fd, fe->mask, newmask) == -1) return -1;
    fe->mask = newmask;
    if (mask & LOOP_READABLE) {
        fe->rproc = proc;
        fe->rdata = data;
    }
    if (mask & LOOP_WRITABLE) {
        fe->wproc = proc;
        fe->wdata = data;
    }
    return 0;
}

void loopDelFile(eventLoop *el, int fd, int mask) {
    if (fd < 0 || fd >= el->setsize) return;
    fileEvent *fe = &el->events[fd];
    if (fe->mask == LOOP_NONE) return;
    int newmask = fe->mask & ~mask;
    if (newmask != fe->mask) updateEpoll(el, fd, fe->mask, newmask);
    fe->mask = newmask;
}

int loopFileMask(const eventLoop *el, int fd) {
    if (fd < 0 || fd >= el->setsize) return 0;
    return el->events[fd].mask;
}

long long loopAddTimer(eventLoop *el, long long ms, loopTimerProc *proc, void *data) {
    timerEvent *t = tmalloc(sizeof(*t));
    t->id = el->nextTimerId++;
    t->when = loopMonoMicros() + ms * 1000;
    t->proc = proc;
    t->data = data;
    t->deleted = false;
    t->next = el->timers;
    el->timers = t;
    return t->id;
}

void loopDelTimer(eventLoop *el, long long id) {
    for (timerEvent *t = el->timers; t; t = t->next)
        if (t->id == id) t->deleted = true;
}

void loopSetBeforeSleep(eventLoop *el, loopHookProc *hook) { el->beforeSleep = hook; }
void loopSetAfterSleep(eventLoop *el, loopHookProc *hook) { el->afterSleep = hook; }
void loopStop(eventLoop *el) { el->stop = true; }

static int msUntilNextTimer(eventLoop *el) {
    long long nearest = -1;
    for (timerEvent *t = el->timers; t; t = t->next)
        if (!t->deleted && (nearest == -1 || t->when < nearest)) nearest = t->when;
    if (nearest == -1) return 1000;
    long long us = nearest - loopMonoMicros();
    if (us <= 0) return 0;
    return (int)((us + 999) / 1000);
}

static void processTimers(eventLoop *el) {
    long long now = loopMonoMicros();
    /* Timers added by a handler run on the next iteration at the earliest:
     * they are prepended, so stopping at the old head excludes them. */
    timerEvent **link = &el->timers;
    while (*link) {
        timerEvent *t = *link;
        if (t->deleted) {
            *link = t->next;
            tfree(t);
            continue;
        }
        if (t->when <= now) {
            long long again = t->proc(el, t->id, t->data);
            if (again == LOOP_NOMORE)
                t->deleted = true;
            else
                t->when = loopMonoMicros() + again * 1000;
        }
        link = &t->next;
    }
}

static void dispatchFired(eventLoop *el, int n) {
    for (int j = 0; j < n; j++) {
        struct epoll_event *e = &el->fired[j];
        int fd = e->data.fd;
        fileEvent *fe = &el->events[fd];
        /* Errors and hangups wake both sides so handlers see EOF. */
        if ((fe->mask & LOOP_READABLE) && (e->events & (EPOLLIN | EPOLLERR | EPOLLHUP))) {
            fe->rproc(el, fd, fe->rdata, LOOP_READABLE);
        }
        fe = &el->events[fd]; /* the handler may have changed it */
        if ((fe->mask & LOOP_WRITABLE) && (e->events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            fe->wproc(el, fd, fe->wdata, LOOP_WRITABLE);
    }
}

int loopPollOnce(eventLoop *el) {
    int n = epoll_wait(el->epfd, el->fired, el->setsize, 0);
    if (n <= 0) return 0;
    dispatchFired(el, n);
    return n;
}

void loopRun(eventLoop *el) {
    el->stop = false;
    while (!el->stop) {
        if (el->beforeSleep) el->beforeSleep(el);
        if (el->stop) break;
        int n = epoll_wait(el->epfd, el->fired, el->setsize, msUntilNextTimer(el));
        if (el->afterSleep) el->afterSleep(el);
        if (n > 0) dispatchFired(el, n);
        if (n < 0 && errno != EINTR) break;
        processTimers(el);
    }
}
