/* SPDX-License-Identifier: BSD-3-Clause
 *
 * eventloop: a small single-threaded reactor over epoll plus millisecond
 * timers.  File events are kept in an array indexed by fd (sized at
 * creation for maxclients plus headroom), so registering and dispatching is
 * O(1).  Timers are few (the server cron, a handful of others) and live in
 * an unsorted list; finding the nearest is O(timers).
 *
 * One iteration: beforeSleep hook, epoll_wait until the nearest timer,
 * dispatch readable then writable handlers per fd, then due timers.
 */
#ifndef TERN_NET_EVENTLOOP_H
#define TERN_NET_EVENTLOOP_H

#include <stdbool.h>

#define LOOP_NONE 0
#define LOOP_READABLE 1
#define LOOP_WRITABLE 2
#define LOOP_NOMORE -1

typedef struct eventLoop eventLoop;
typedef void loopFileProc(eventLoop *el, int fd, void *data, int mask);
/* Returns the milliseconds until it should run again, or LOOP_NOMORE. */
typedef long long loopTimerProc(eventLoop *el, long long id, void *data);
typedef void loopHookProc(eventLoop *el);

/* New loop able to watch fds below 'setsize'.  Returns NULL on failure. */
eventLoop *loopCreate(int setsize);
void loopRelease(eventLoop *el);
int loopSetSize(const eventLoop *el);
/* Changes how many fds the loop can watch to 'setsize'.  Returns 0, or -1
 * (nothing changed) when a watched fd is at or above the new size. */
int loopResize(eventLoop *el, int setsize);

/* Watches 'fd' for 'mask' events, calling 'proc(el, fd, data, mask)'.
 * Returns 0, or -1 when 'fd' is out of range or epoll refuses it. */
int loopAddFile(eventLoop *el, int fd, int mask, loopFileProc *proc, void *data);
/* Stops watching 'mask' events on 'fd'. */
void loopDelFile(eventLoop *el, int fd, int mask);
int loopFileMask(const eventLoop *el, int fd);

/* Schedules 'proc' after 'ms' milliseconds; returns the timer id. */
long long loopAddTimer(eventLoop *el, long long ms, loopTimerProc *proc, void *data);
void loopDelTimer(eventLoop *el, long long id);

void loopSetBeforeSleep(eventLoop *el, loopHookProc *hook);
void loopSetAfterSleep(eventLoop *el, loopHookProc *hook);
/* One pass over the file events that are ready now, without waiting,
 * running no timers and no hooks (a long command serving clients while it
 * runs).  Returns the number of events handled. */
int loopPollOnce(eventLoop *el);
/* Runs until loopStop. */
void loopRun(eventLoop *el);
void loopStop(eventLoop *el);

/* Monotonic clock helpers. */
long long loopMonoMicros(void);

#endif
