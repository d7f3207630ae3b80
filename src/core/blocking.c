/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Blocking operations: clients parked on keys, woken in arrival order.
 *
 *   waitTables[dbid]: hashtable  key -> waitKey
 *   waitKey:  [client A node] <-> [client B node] <-> ...   (FIFO)
 *   client->bstate: blockState { ops, priv, deadline, nodes[nkeys] }
 *
 * Each blocked client owns one waitNode per distinct key it waits on, so
 * unblocking is O(keys) and needs no search.  signalKeyAsReady appends the
 * waitKey to a ready queue (once); blockingProcessReady serves the queue
 * after the command that pushed finishes, so a transaction or script wakes
 * waiters with the final state of the key.  Serving a key walks its waiters
 * in order and asks each one's 'serve' callback, re-reading the key every
 * time, until the key is gone: exactly Redis 7.0's first come, first
 * served, with wrong-type keys leaving clients waiting.
 *
 * Deadlines sit in a binary min-heap; one event-loop timer is kept armed
 * for the earliest, so a timeout fires within a millisecond or so instead
 * of at the next cron tick (Redis 7.0 answers up to 100 ms late at hz 10).
 *
 * A blocked client's further input is not executed (net/conn.c stops its
 * input loop while CLIENT_BLOCKED is set; bytes keep arriving into its
 * buffer).  Once unblocked it joins a resume queue whose pending commands
 * run from blockingProcessReady when no other command is on the stack.
 * Everything a waiter needs is copied at block time: the query buffer the
 * original arguments pointed into keeps changing while it waits.
 */
#include "core/blocking.h"

#include <string.h>

#include "core/args.h"
#include "core/db.h"
#include "core/errors.h"
#include "core/propagate.h"
#include "net/conn.h"
#include "net/reply.h"
#include "server/slowlog.h"

typedef struct waitKey waitKey;

typedef struct waitNode {
    struct waitNode *prev, *next;
    waitKey *wk;
    client *c;
} waitNode;

struct waitKey {
    void *next; /* hashtable chain: must be first */
    waitNode *head, *tail;
    waitKey *readyNext;
    db *db;
    bool ready; /* in the ready queue */
    int pins;   /* > 0 while being served: not freed even if empty */
    size_t len;
    char key[];
};

typedef struct blockState {
    client *c;
    const blockOps *ops;
    void *priv;
    long long deadline; /* unix ms, 0 = none */
    size_t heapIdx;     /* position in the deadline heap, or NOT_IN_HEAP */
    waitNode *nodes;
    int nnodes;
    /* Resume queue (unblocked clients whose pending input must run). */
    struct blockState *rprev, *rnext;
    bool queued;
} blockState;

#define NOT_IN_HEAP ((size_t)-1)

static hashtable **waitTables; /* per db id, created on first use */
static int waitTablesCount;
static waitKey *readyHead, *readyTail;
static blockState **heap;
static size_t heapLen, heapCap;
static blockState *resumeHead, *resumeTail;
static size_t numBlocked;
static long long timerId = -1, timerAt;
static bool serving, resuming;

static const void *waitKeyKey(const void *e, size_t *len) {
    const waitKey *wk = e;
    *len = wk->len;
    return wk->key;
}

static const htType waitKeyType = {waitKeyKey, NULL};

static hashtable *tableFor(int dbid, bool create) {
    if (dbid >= waitTablesCount) {
        if (!create) return NULL;
        int n = server.dbnum > dbid ? server.dbnum : dbid + 1;
        waitTables = trealloc(waitTables, sizeof(hashtable *) * (size_t)n);
        for (int j = waitTablesCount; j < n; j++) waitTables[j] = NULL;
        waitTablesCount = n;
    }
    if (!waitTables[dbid] && create) waitTables[dbid] = htCreate(&waitKeyType);
    return waitTables[dbid];
}

size_t blockedClientCount(void) { return numBlocked; }

size_t blockedClientWithDeadlineCount(void) { return heapLen; }

/* ---- deadline heap ---- */

static void heapSet(size_t i, blockState *bs) {
    heap[i] = bs;
    bs->heapIdx = i;
}

static void heapUp(size_t i) {
    blockState *bs = heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (heap[p]->deadline <= bs->deadline) break;
        heapSet(i, heap[p]);
        i = p;
    }
    heapSet(i, bs);
}

static void heapDown(size_t i) {
    blockState *bs = heap[i];
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        long long best = bs->deadline;
        if (l < heapLen && heap[l]->deadline < best) {
            m = l;
            best = heap[l]->deadline;
        }
        if (l + 1 < heapLen && heap[l + 1]->deadline < best) m = l + 1;
        if (m == i) break;
        heapSet(i, heap[m]);
        i = m;
    }
    heapSet(i, bs);
}

static void heapPush(blockState *bs) {
    if (heapLen == heapCap) {
        heapCap = heapCap ? heapCap * 2 : 16;
        heap = trealloc(heap, sizeof(*heap) * heapCap);
    }
    heapSet(heapLen++, bs);
    heapUp(heapLen - 1);
}

static void heapRemove(blockState *bs) {
    size_t i = bs->heapIdx;
    bs->heapIdx = NOT_IN_HEAP;
    blockState *lastOne = heap[--heapLen];
    if (i == heapLen) return;
    heapSet(i, lastOne);
    heapUp(i);
    heapDown(lastOne->heapIdx);
}

/* ---- timer for the earliest deadline ---- */

static long long deadlineTimerProc(eventLoop *el, long long id, void *data) {
    (void)el;
    (void)id;
    (void)data;
    timerId = -1;
    updateCachedTime();
    blockingProcessReady();
    return LOOP_NOMORE;
}

/* Keeps one loop timer armed at the earliest deadline, if any. */
static void scheduleDeadlineTimer(void) {
    if (!server.el) return;
    if (heapLen == 0) {
        if (timerId != -1) loopDelTimer(server.el, timerId);
        timerId = -1;
        return;
    }
    long long at = heap[0]->deadline;
    if (timerId != -1 && timerAt == at) return;
    if (timerId != -1) loopDelTimer(server.el, timerId);
    long long ms = at - mstime();
    timerId = loopAddTimer(server.el, ms > 0 ? ms : 0, deadlineTimerProc, NULL);
    timerAt = at;
}

/* ---- waiting and unblocking ---- */

static void freeWaitKeyIfUnused(waitKey *wk) {
    if (wk->head || wk->ready || wk->pins) return;
    htUnlink(tableFor(wk->db->id, false), wk->key, wk->len);
    tfree(wk);
}

void blockForKeys(client *c, const blockOps *ops, const slice *keys, int nkeys,
                  long long deadline, void *priv) {
    blockState *bs = c->bstate;
    if (!bs) {
        bs = c->bstate = tcalloc(sizeof(*bs));
        bs->c = c;
        bs->heapIdx = NOT_IN_HEAP;
    }
    bs->ops = ops;
    bs->priv = priv;
    bs->deadline = deadline;
    bs->nodes = tmalloc(sizeof(waitNode) * (size_t)nkeys);
    bs->nnodes = 0;
    hashtable *t = tableFor(c->db->id, true);
    for (int j = 0; j < nkeys; j++) {
        waitKey *wk = htFind(t, keys[j].ptr, keys[j].len);
        if (!wk) {
            wk = tmalloc(sizeof(*wk) + keys[j].len);
            wk->next = NULL;
            wk->head = wk->tail = NULL;
            wk->readyNext = NULL;
            wk->db = c->db;
            wk->ready = false;
            wk->pins = 0;
            wk->len = keys[j].len;
            memcpy(wk->key, keys[j].ptr, keys[j].len);
            htAddNew(t, wk);
        } else if (wk->tail && wk->tail->c == c) {
            continue; /* the same key twice in one command */
        }
        waitNode *n = &bs->nodes[bs->nnodes++];
        n->c = c;
        n->wk = wk;
        n->next = NULL;
        n->prev = wk->tail;
        if (wk->tail)
            wk->tail->next = n;
        else
            wk->head = n;
        wk->tail = n;
    }
    if (deadline) heapPush(bs);
    c->flags |= CLIENT_BLOCKED;
    numBlocked++;
    scheduleDeadlineTimer();
}

static void queueResume(blockState *bs) {
    if (bs->queued) return;
    bs->queued = true;
    /* Input that arrives meanwhile waits too, so queued clients run in
     * the order they were released (CLIENT UNPAUSE keeps arrival order). */
    bs->c->flags |= CLIENT_RESUMING;
    bs->rnext = NULL;
    bs->rprev = resumeTail;
    if (resumeTail)
        resumeTail->rnext = bs;
    else
        resumeHead = bs;
    resumeTail = bs;
}

static void dequeueResume(blockState *bs) {
    if (!bs->queued) return;
    bs->c->flags &= ~CLIENT_RESUMING;
    if (bs->rprev)
        bs->rprev->rnext = bs->rnext;
    else
        resumeHead = bs->rnext;
    if (bs->rnext)
        bs->rnext->rprev = bs->rprev;
    else
        resumeTail = bs->rprev;
    bs->queued = false;
}

/* Ends the wait of 'c' (which has replied already or is going away):
 * leaves every key's queue and the heap, frees the private arguments.
 * With 'resume' its pending input will run from blockingProcessReady. */
static void unblockClient(client *c, bool resume) {
    blockState *bs = c->bstate;
    for (int j = 0; j < bs->nnodes; j++) {
        waitNode *n = &bs->nodes[j];
        waitKey *wk = n->wk;
        if (n->prev)
            n->prev->next = n->next;
        else
            wk->head = n->next;
        if (n->next)
            n->next->prev = n->prev;
        else
            wk->tail = n->prev;
        freeWaitKeyIfUnused(wk);
    }
    tfree(bs->nodes);
    bs->nodes = NULL;
    bs->nnodes = 0;
    if (bs->heapIdx != NOT_IN_HEAP) heapRemove(bs);
    tfree(bs->priv);
    bs->priv = NULL;
    bs->ops = NULL;
    slowlogBlockedDiscard(c); /* unless served, a wait is not logged */
    /* The wait counts as interaction: the idle timeout must not close the
     * client between its reply and the write of that reply. */
    c->lastInteraction = server.unixtimeMs;
    c->flags &= ~CLIENT_BLOCKED;
    numBlocked--;
    if (resume) queueResume(bs);
}

void blockingResumeLater(client *c) {
    blockState *bs = c->bstate;
    if (!bs) {
        bs = c->bstate = tcalloc(sizeof(*bs));
        bs->c = c;
        bs->heapIdx = NOT_IN_HEAP;
    }
    queueResume(bs);
}

void blockingClientFree(client *c) {
    blockState *bs = c->bstate;
    if (!bs) return;
    if (c->flags & CLIENT_BLOCKED) unblockClient(c, false);
    dequeueResume(bs);
    tfree(bs);
    c->bstate = NULL;
    scheduleDeadlineTimer();
}

/* Replies the timeout result to 'c' (still blocked). */
static void replyTimeout(client *c) {
    blockState *bs = c->bstate;
    if (bs->ops->timeout)
        bs->ops->timeout(c, bs->priv);
    else
        addReplyNullArray(c);
}


/* ---- readiness and serving ---- */

void signalKeyAsReady(db *d, const char *key, size_t len) {
    if (numBlocked == 0) return;
    hashtable *t = tableFor(d->id, false);
    if (!t) return;
    waitKey *wk = htFind(t, key, len);
    if (!wk || wk->ready) return;
    wk->ready = true;
    wk->readyNext = NULL;
    if (readyTail)
        readyTail->readyNext = wk;
    else
        readyHead = wk;
    readyTail = wk;
}

static void signalOne(void *priv, void *entry) {
    db *d = priv;
    waitKey *wk = entry;
    if (dbFind(d, wk->key, wk->len)) signalKeyAsReady(d, wk->key, wk->len);
}

void blockingSignalDb(db *d) {
    hashtable *t = tableFor(d->id, false);
    if (!t || htSize(t) == 0) return;
    uint64_t cursor = 0;
    do {
        cursor = htScan(t, cursor, signalOne, d);
    } while (cursor);
}

/* Offers 'wk' to its waiters in arrival order, re-reading the key for
 * each (serving one may delete it). */
static void serveKey(waitKey *wk) {
    wk->pins++;
    waitNode *n = wk->head;
    while (n) {
        /* Each client has one node per key, so unblocking 'c' leaves 'next'
         * (another client's) in place. */
        waitNode *next = n->next;
        client *c = n->c;
        /* Serving one client is one execution unit of the propagation
         * stream; the serve callbacks say how it replays (LPOP for BLPOP,
         * XCLAIM for XREADGROUP, ...). */
        propFrame frame;
        propagateCallBegin(&frame);
        kvobj *kv = lookupKeyWrite(wk->db, wk->key, wk->len);
        blockState *bs = c->bstate;
        slice key = {wk->key, wk->len};
        bool done = false;
        long long errors = server.stat.totalErrorReplies;
        long long start = ustime();
        client *outer = server.currentClient;
        server.currentClient = c;
        if (kv && kv->type == (uint32_t)bs->ops->type) {
            done = bs->ops->serve(c, kv, key, bs->priv);
        } else if (bs->ops->keyGone) {
            done = bs->ops->keyGone(c, key, bs->priv);
        }
        server.currentClient = outer;
        propagateCallEnd(&frame, NULL);
        if (done) {
            /* Charged as Redis 7.0's updateStatsOnUnblock: the first run
             * plus serving, to commandstats and the slow log. */
            slowlogBlockedEnd(c, ustime() - start, server.stat.totalErrorReplies != errors);
            unblockClient(c, true);
        }
        n = next;
    }
    wk->pins--;
    freeWaitKeyIfUnused(wk);
}

static void serveReadyKeys(void) {
    while (readyHead) {
        waitKey *wk = readyHead;
        readyHead = wk->readyNext;
        if (!readyHead) readyTail = NULL;
        wk->ready = false;
        wk->readyNext = NULL;
        serveKey(wk);
    }
}

static void expireDeadlines(void) {
    if (heapLen == 0) return;
    long long now = mstime();
    while (heapLen && heap[0]->deadline <= now) {
        client *c = heap[0]->c;
        replyTimeout(c);
        unblockClient(c, true);
    }
}

/* Runs the commands that arrived while the resumed clients were blocked. */
static void resumeClients(void) {
    resuming = true;
    while (resumeHead) {
        blockState *bs = resumeHead;
        dequeueResume(bs);
        processPendingInput(bs->c); /* may free the client */
    }
    resuming = false;
}

void blockingProcessReady(void) {
    /* While a script serves events (server.busyReply), nothing may run
     * that changes the data it is working on. */
    if (serving || server.busyReply) return;
    serving = true;
    serveReadyKeys();
    expireDeadlines();
    serving = false;
    /* Input of unblocked clients runs only outside any command, and its
     * commands serve keys themselves through processCommand. */
    if (!resuming && !server.currentClient) resumeClients();
    scheduleDeadlineTimer();
}

/* ---- CLIENT UNBLOCK ---- */

/* CLIENT UNBLOCK client-id [TIMEOUT|ERROR]: ends the wait of a blocked
 * client as if it timed out (its command's timeout reply) or with the
 * UNBLOCKED error.  Replies 1, or 0 when no client with that id is
 * blocked.  The reason is checked before the id, as in Redis 7.0. */
void clientUnblockCommand(client *c) {
    bool asError = false;
    if (c->argc > 4) {
        int n = (int)(c->argv[1].len < 128 ? c->argv[1].len : 128);
        addReplyErrorFormat(
            c, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try CLIENT HELP.",
            n, c->argv[1].ptr);
        return;
    }
    if (c->argc == 4) {
        if (sliceIs(c->argv[3], "error")) {
            asError = true;
        } else if (!sliceIs(c->argv[3], "timeout")) {
            addReplyError(c, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
            return;
        }
    }
    long long id;
    if (getLongLongOrReply(c, c->argv[2], &id, NULL) == C_ERR) return;
    client *target = server.clients;
    while (target && !(target->id == (uint64_t)id && (target->flags & CLIENT_BLOCKED)))
        target = target->next;
    if (!target || id <= 0) {
        addReplyLongLong(c, 0);
        return;
    }
    if (asError)
        addReplyError(target, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
    else
        replyTimeout(target);
    /* Redis 7.0 counts every CLIENT UNBLOCK as a failed call, even TIMEOUT,
     * and logs it in the slow log. */
    slowlogBlockedEnd(target, 0, true);
    unblockClient(target, true);
    addReplyLongLong(c, 1);
}
