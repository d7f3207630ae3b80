/* SPDX-License-Identifier: BSD-3-Clause
 *
 * CLIENT PAUSE timeout [WRITE|ALL] and CLIENT UNPAUSE.
 *
 * A pause has a type and an end time.  A new CLIENT PAUSE while one is in
 * force keeps the stricter type and the later end (Redis 7.0's rule: a
 * pause is never shortened or relaxed except by UNPAUSE).  While it lasts:
 *
 *   ALL    every command of every client waits (CLIENT UNPAUSE included,
 *          as in Redis 7.0: only the timeout ends an ALL pause early for
 *          clients that are already connected);
 *   WRITE  commands that may change the dataset or reach replicas wait:
 *          writes, PUBLISH, PFCOUNT, EVAL/FCALL of scripts not declared
 *          no-writes, and EXEC of a transaction holding any of those;
 *
 * and under both, keys are neither expired (a read treats an expired key
 * as missing but leaves it; the active cycle skips) nor evicted.  Monitors
 * are exempt, as replicas are in Redis.
 *
 * A held command is not parsed out of its client's query buffer: the input
 * loop rewinds to it, the client is flagged CLIENT_POSTPONED and queued
 * here, and when the pause ends every held client is handed in arrival
 * order to the blocking module's resume queue, which re-parses and runs
 * its input outside any command.  A loop timer fires at the end time, so
 * clients resume on time rather than at the next cron tick.
 *
 * Holding and releasing are O(1) per client (release O(held)); freeing a
 * held client is O(held).
 */
#include "core/pause.h"

#include <limits.h>
#include <string.h>

#include "core/args.h"
#include "core/blocking.h"
#include "core/command.h"
#include "core/errors.h"
#include "core/multi.h"
#include "net/reply.h"

int pauseType = PAUSE_OFF;
static long long pauseEnd;    /* unix ms */
static long long pauseTimer = -1;
static client **held;
static size_t heldCount, heldCap;

size_t pausePostponedCount(void) { return heldCount; }

/* Hands every held client back to the resume queue, oldest first. */
static void releaseHeld(void) {
    for (size_t j = 0; j < heldCount; j++) {
        held[j]->flags &= ~CLIENT_POSTPONED;
        blockingResumeLater(held[j]);
    }
    heldCount = 0;
    tfree(held);
    held = NULL;
    heldCap = 0;
}

static void endPause(void) {
    pauseType = PAUSE_OFF;
    pauseEnd = 0;
    if (pauseTimer != -1 && server.el) loopDelTimer(server.el, pauseTimer);
    pauseTimer = -1;
    releaseHeld();
}

static long long pauseTimerProc(eventLoop *el, long long id, void *data) {
    (void)el;
    (void)id;
    (void)data;
    pauseTimer = -1;
    updateCachedTime();
    if (pauseType != PAUSE_OFF && mstime() >= pauseEnd) {
        endPause();
        blockingProcessReady(); /* run the released clients now */
        return LOOP_NOMORE;
    }
    long long left = pauseEnd - mstime();
    pauseTimer = id;
    return left > 0 ? left : 1;
}

bool pauseActive(void) {
    if (pauseType == PAUSE_OFF) return false;
    if (pauseEnd <= mstime()) {
        endPause();
        return false;
    }
    return true;
}

bool pauseHolds(client *c, const command *cmd) {
    if (pauseType == PAUSE_OFF || (c->flags & (CLIENT_MONITOR | CLIENT_FAKE))) return false;
    if (!pauseActive()) return false;
    if (pauseType == PAUSE_ALL) return true;
    const uint64_t mask = CMD_WRITE | CMD_MAY_REPLICATE;
    if (cmd->proc == execCommand) return (multiQueuedFlags(c) & mask) != 0;
    return (commandCallFlags(c, cmd) & mask) != 0;
}

void pausePostpone(client *c) {
    if (heldCount == heldCap) {
        heldCap = heldCap ? heldCap * 2 : 8;
        held = trealloc(held, sizeof(client *) * heldCap);
    }
    held[heldCount++] = c;
    c->flags |= CLIENT_POSTPONED;
}

void pauseClientFree(client *c) {
    if (!(c->flags & CLIENT_POSTPONED)) return;
    for (size_t j = 0; j < heldCount; j++) {
        if (held[j] != c) continue;
        memmove(held + j, held + j + 1, sizeof(client *) * (heldCount - j - 1));
        heldCount--;
        break;
    }
    c->flags &= ~CLIENT_POSTPONED;
    if (heldCount == 0) {
        tfree(held);
        held = NULL;
        heldCap = 0;
    }
}

/* CLIENT PAUSE timeout [WRITE|ALL]: 'timeout' in milliseconds.  The mode
 * is checked before the timeout, as in Redis 7.0. */
void clientPauseCommand(client *c) {
    if (c->argc > 4) {
        addReplySubcommandArityError(c);
        return;
    }
    int type = PAUSE_ALL;
    if (c->argc == 4) {
        if (sliceIs(c->argv[3], "write")) {
            type = PAUSE_WRITE;
        } else if (!sliceIs(c->argv[3], "all")) {
            addReplyError(c, "ERR CLIENT PAUSE mode must be WRITE or ALL");
            return;
        }
    }
    long long ms;
    if (getLongLongOrReply(c, c->argv[2], &ms, "ERR timeout is not an integer or out of range") ==
        C_ERR)
        return;
    if (ms < 0) {
        addReplyError(c, ERR_TIMEOUT_NEG);
        return;
    }
    long long now = mstime();
    /* A timeout of 0 ends at once; one past the end of time saturates. */
    long long end = ms > LLONG_MAX - now ? LLONG_MAX : now + ms;
    if (ms == 0) end = 0;
    pauseActive(); /* drop an expired pause first */
    if (type > pauseType) pauseType = type;
    if (end > pauseEnd) pauseEnd = end;
    if (pauseEnd <= now) {
        endPause();
    } else if (server.el) {
        if (pauseTimer != -1) loopDelTimer(server.el, pauseTimer);
        long long left = pauseEnd - now;
        /* Far-future ends re-arm the timer in steps (it takes an int-sized delay). */
        pauseTimer = loopAddTimer(server.el, left > INT_MAX ? INT_MAX : left, pauseTimerProc, NULL);
    }
    addReplyOK(c);
}

/* CLIENT UNPAUSE: ends the pause; held clients run once this command
 * returns. */
void clientUnpauseCommand(client *c) {
    if (pauseType != PAUSE_OFF) endPause();
    addReplyOK(c);
}
