/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The propagation stream (see propagate.h for the producer and consumer
 * API).  Commands of the current execution unit wait in 'pending', each
 * one allocation:
 *
 *   propOp { dbid, targets, argc, argv -> [slice 0 .. slice argc-1][bytes] }
 *
 * When the outermost frame closes, the unit is emitted: MULTI (in the
 * first command's db), the commands, EXEC (in the last one's), each
 * consumer getting a SELECT first whenever a command's db is not the one
 * its stream has selected.  MULTI and EXEC go to every consumer that gets
 * at least one command of the unit.
 *
 * Nothing is copied while no consumer is registered: producers still run
 * (their cost is a few slices on the stack), the dirty counter still
 * counts, but the stream is dropped at the door.
 */
#include "core/propagate.h"

#include <stdio.h>
#include <string.h>

typedef struct propOp {
    int dbid; /* -1: no database (MULTI, EXEC) */
    int targets;
    int argc;
    slice *argv; /* one allocation: argc slices, then the bytes */
} propOp;

static propConsumer *consumers;
static int consumerTargets; /* union of the consumers' targets */
static int targetMask = PROP_ALL; /* propagateSetTargetMask */
static propFrame *current;  /* innermost open frame, NULL outside commands */
static propOp *pending;
static int npending, pendingCap;

static void recomputeTargets(void) {
    consumerTargets = 0;
    for (propConsumer *pc = consumers; pc; pc = pc->next) consumerTargets |= pc->targets;
}

void propagateAddConsumer(propConsumer *pc) {
    pc->next = consumers;
    consumers = pc;
    recomputeTargets();
}

void propagateRemoveConsumer(propConsumer *pc) {
    for (propConsumer **p = &consumers; *p; p = &(*p)->next) {
        if (*p == pc) {
            *p = pc->next;
            pc->next = NULL;
            break;
        }
    }
    recomputeTargets();
}

bool propagateWanted(void) { return consumers != NULL; }

/* ---- emitting ---- */

static void feedOne(propConsumer *pc, int dbid, int argc, const slice *argv) {
    if (dbid >= 0 && dbid != pc->selectedDb) {
        char buf[24];
        slice sel[2] = {propArgStr("SELECT"), propArgLongLong(buf, dbid)};
        pc->feed(pc, 2, sel);
        pc->selectedDb = dbid;
    }
    pc->feed(pc, argc, argv);
}

/* Hands the pending unit to every consumer and empties it. */
static void emitPending(void) {
    if (npending == 0) return;
    slice multi = propArgStr("MULTI"), exec = propArgStr("EXEC");
    bool wrap = npending > 1;
    for (propConsumer *pc = consumers; pc; pc = pc->next) {
        int first = -1, last = -1;
        for (int j = 0; j < npending; j++) {
            if (!(pending[j].targets & pc->targets)) continue;
            if (first < 0) first = j;
            last = j;
        }
        if (first < 0) continue;
        if (wrap) feedOne(pc, pending[first].dbid, 1, &multi);
        for (int j = first; j <= last; j++)
            if (pending[j].targets & pc->targets)
                feedOne(pc, pending[j].dbid, pending[j].argc, pending[j].argv);
        if (wrap) feedOne(pc, pending[last].dbid, 1, &exec);
    }
    for (int j = 0; j < npending; j++) tfree(pending[j].argv);
    npending = 0;
}

static void appendOp(int dbid, int argc, const slice *argv, int targets) {
    targets &= targetMask;
    if (!(targets & consumerTargets)) return;
    if (npending == pendingCap) {
        pendingCap = pendingCap ? pendingCap * 2 : 8;
        pending = trealloc(pending, sizeof(propOp) * (size_t)pendingCap);
    }
    size_t bytes = 0;
    for (int j = 0; j < argc; j++) bytes += argv[j].len;
    slice *copy = tmalloc(sizeof(slice) * (size_t)argc + bytes);
    char *p = (char *)(copy + argc);
    for (int j = 0; j < argc; j++) {
        if (argv[j].len) memcpy(p, argv[j].ptr, argv[j].len);
        copy[j].ptr = p;
        copy[j].len = argv[j].len;
        p += argv[j].len;
    }
    pending[npending++] = (propOp){dbid, targets, argc, copy};
    if (!current) emitPending();
}

/* ---- frames ---- */

void propagateCallBegin(propFrame *f) {
    f->parent = current;
    f->dirtyBefore = server.dirty;
    f->replaced = false;
    current = f;
}

void propagateCallEnd(propFrame *f, client *c) {
    serverAssert(current == f);
    if (server.dirty != f->dirtyBefore && !f->replaced) {
        if (c) {
            appendOp(c->db->id, c->argc, c->argv, PROP_ALL);
        } else if (consumers) {
            /* Serving code changed the dataset without saying how it
             * replays, so the AOF and replicas would differ from the
             * dataset.  A bug, but not one to take the server down for;
             * the replay tests catch it. */
            serverLog(LL_WARNING, "BUG: a change made outside a command was not propagated");
        }
    }
    current = f->parent;
    if (!current) emitPending();
}

void propagateAs(client *c, int argc, const slice *argv) {
    if (current) current->replaced = true;
    appendOp(c->db->id, argc, argv, PROP_ALL);
}

void propagateSuppress(client *c) {
    (void)c;
    if (current) current->replaced = true;
}

void propagateAlso(int dbid, int argc, const slice *argv, int targets) {
    appendOp(dbid, argc, argv, targets);
}

void propagateDeletion(int dbid, const char *key, size_t len, bool lazy) {
    if (!consumers) return;
    slice argv[2] = {propArgStr(lazy ? "UNLINK" : "DEL"), {(char *)key, len}};
    appendOp(dbid, 2, argv, PROP_ALL);
}

int propagateSetTargetMask(int targets) {
    int old = targetMask;
    targetMask = targets;
    return old;
}

/* ---- encoding ---- */

sbuf *propagateCatResp(sbuf *s, int argc, const slice *argv) {
    char head[32];
    int n = snprintf(head, sizeof(head), "*%d\r\n", argc);
    s = sbufCat(s, head, (size_t)n);
    for (int j = 0; j < argc; j++) {
        n = snprintf(head, sizeof(head), "$%zu\r\n", argv[j].len);
        s = sbufCat(s, head, (size_t)n);
        s = sbufCat(s, argv[j].ptr, argv[j].len);
        s = sbufCat(s, "\r\n", 2);
    }
    return s;
}

slice propArgStr(const char *s) { return (slice){(char *)s, strlen(s)}; }

slice propArgLongLong(char *buf, long long v) {
    int n = snprintf(buf, 24, "%lld", v);
    return (slice){buf, (size_t)n};
}
