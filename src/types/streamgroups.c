/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Consumer groups: the group, consumer and pending-entry records of a
 * stream (see stream.h), the reads that deliver entries to a consumer
 * (shared by XREADGROUP and its blocking form), the lag arithmetic of
 * XINFO, and the commands XGROUP, XACK, XPENDING, XCLAIM and XAUTOCLAIM.
 *
 * Groups and consumers are kept in arrays sorted by name (bytewise, a
 * prefix first), which is the order Redis lists them in (its radix tree
 * order): lookup is a binary search, creating one moves the pointers after
 * it.  A pending entry (streamNACK) is owned by its group's PEL and also
 * indexed in its consumer's PEL; acknowledging removes it from both.
 *
 * Argument checks run in Redis 7.0's order, and error texts are its own.
 */
#include <limits.h>
#include <string.h>

#include "core/args.h"
#include "core/blocking.h"
#include "core/db.h"
#include "core/errors.h"
#include "core/notify.h"
#include "core/propagate.h"
#include "ds/alloc.h"
#include "net/reply.h"
#include "types/stream.h"

/* ---- sorted arrays of named records ---- */

/* Compares name 'a'/'alen' with 'b'/'blen' bytewise, a prefix first. */
static int nameCompare(const char *a, size_t alen, const char *b, size_t blen) {
    int cmp = memcmp(a, b, alen < blen ? alen : blen);
    if (cmp) return cmp;
    return alen < blen ? -1 : alen > blen;
}

/* Position of 'name' in the sorted groups of 's' (or where it would go). */
static size_t groupSlot(const stream *s, const char *name, size_t len, bool *found) {
    size_t lo = 0, hi = s->ngroups;
    *found = false;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const streamCG *g = s->groups[mid];
        int cmp = nameCompare(g->name, g->nameLen, name, len);
        if (cmp == 0) {
            *found = true;
            return mid;
        }
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t consumerSlot(const streamCG *cg, const char *name, size_t len, bool *found) {
    size_t lo = 0, hi = cg->nconsumers;
    *found = false;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const streamConsumer *sc = cg->consumers[mid];
        int cmp = nameCompare(sc->name, sc->nameLen, name, len);
        if (cmp == 0) {
            *found = true;
            return mid;
        }
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Inserts 'item' at 'pos' of the pointer array '*arr' ('*n' used, '*cap'
 * allocated). */
static void ptrArrayInsert(void ***arr, size_t *n, size_t *cap, size_t pos, void *item) {
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 4;
        *arr = trealloc(*arr, sizeof(void *) * *cap);
    }
    memmove(&(*arr)[pos + 1], &(*arr)[pos], sizeof(void *) * (*n - pos));
    (*arr)[pos] = item;
    (*n)++;
}

static void ptrArrayRemove(void **arr, size_t *n, size_t pos) {
    memmove(&arr[pos], &arr[pos + 1], sizeof(void *) * (*n - pos - 1));
    (*n)--;
}

/* ---- records ---- */

static streamNACK *nackNew(streamConsumer *consumer) {
    streamNACK *nack = tmalloc(sizeof(*nack));
    nack->deliveryTime = mstime();
    nack->deliveryCount = 1;
    nack->consumer = consumer;
    return nack;
}

static void nackFree(void *nack) { tfree(nack); }

static void consumerFree(streamConsumer *sc) {
    idtFree(sc->pel, NULL); /* the group's PEL owns the records */
    tfree(sc);
}

static void groupFree(streamCG *cg) {
    idtFree(cg->pel, nackFree);
    for (size_t j = 0; j < cg->nconsumers; j++) consumerFree(cg->consumers[j]);
    tfree(cg->consumers);
    tfree(cg);
}

void streamFreeGroups(stream *s) {
    for (size_t j = 0; j < s->ngroups; j++) groupFree(s->groups[j]);
    tfree(s->groups);
    s->groups = NULL;
    s->ngroups = s->groupsCap = 0;
}

streamCG *streamLookupCG(stream *s, const char *name, size_t len) {
    bool found;
    size_t pos = groupSlot(s, name, len, &found);
    return found ? s->groups[pos] : NULL;
}

streamCG *streamCreateCG(stream *s, const char *name, size_t len, streamID id,
                         long long entriesRead) {
    bool found;
    size_t pos = groupSlot(s, name, len, &found);
    if (found) return NULL;
    streamCG *cg = tcalloc(sizeof(*cg) + len);
    cg->lastId = id;
    cg->entriesRead = entriesRead;
    cg->pel = idtNew();
    cg->nameLen = len;
    memcpy(cg->name, name, len);
    ptrArrayInsert((void ***)&s->groups, &s->ngroups, &s->groupsCap, pos, cg);
    return cg;
}

/* Removes group 'name' (present) from 's' and frees it. */
static void streamDestroyCG(stream *s, streamCG *cg) {
    bool found;
    size_t pos = groupSlot(s, cg->name, cg->nameLen, &found);
    ptrArrayRemove((void **)s->groups, &s->ngroups, pos);
    groupFree(cg);
}

streamConsumer *streamLookupConsumer(streamCG *cg, const char *name, size_t len, bool refresh) {
    bool found;
    size_t pos = consumerSlot(cg, name, len, &found);
    if (!found) return NULL;
    streamConsumer *sc = cg->consumers[pos];
    if (refresh) sc->seenTime = mstime();
    return sc;
}

streamConsumer *streamCreateConsumer(streamCG *cg, const char *name, size_t len) {
    bool found;
    size_t pos = consumerSlot(cg, name, len, &found);
    if (found) return NULL;
    streamConsumer *sc = tmalloc(sizeof(*sc) + len);
    sc->seenTime = mstime();
    sc->pel = idtNew();
    sc->nameLen = len;
    memcpy(sc->name, name, len);
    ptrArrayInsert((void ***)&cg->consumers, &cg->nconsumers, &cg->consumersCap, pos, sc);
    return sc;
}

/* Deletes consumer 'sc' of 'cg' together with its pending entries. */
static void streamDelConsumer(streamCG *cg, streamConsumer *sc) {
    idtIter it;
    for (bool ok = idtSeekFirst(sc->pel, &it); ok; ok = idtNext(&it))
        nackFree(idtRemove(cg->pel, idtIterId(&it)));
    bool found;
    size_t pos = consumerSlot(cg, sc->name, sc->nameLen, &found);
    ptrArrayRemove((void **)cg->consumers, &cg->nconsumers, pos);
    consumerFree(sc);
}

void streamDupGroups(stream *dst, const stream *src) {
    for (size_t g = 0; g < src->ngroups; g++) {
        const streamCG *cg = src->groups[g];
        streamCG *ncg = streamCreateCG(dst, cg->name, cg->nameLen, cg->lastId, cg->entriesRead);
        for (size_t j = 0; j < cg->nconsumers; j++) {
            const streamConsumer *sc = cg->consumers[j];
            streamConsumer *nsc = streamCreateConsumer(ncg, sc->name, sc->nameLen);
            nsc->seenTime = sc->seenTime;
            idtIter it;
            for (bool ok = idtSeekFirst(sc->pel, &it); ok; ok = idtNext(&it)) {
                const streamNACK *nack = idtIterVal(&it);
                streamNACK *copy = tmalloc(sizeof(*copy));
                *copy = *nack;
                copy->consumer = nsc;
                idtInsert(ncg->pel, idtIterId(&it), copy);
                idtInsert(nsc->pel, idtIterId(&it), copy);
            }
        }
    }
}

size_t streamGroupsMemory(const stream *s) {
    size_t total = s->groups ? tallocSize(s->groups) : 0;
    for (size_t g = 0; g < s->ngroups; g++) {
        const streamCG *cg = s->groups[g];
        total += tallocSize(cg) + idtMemory(cg->pel);
        idtIter it;
        if (idtSeekFirst(cg->pel, &it)) total += idtSize(cg->pel) * tallocSize(idtIterVal(&it));
        if (cg->consumers) total += tallocSize(cg->consumers);
        for (size_t j = 0; j < cg->nconsumers; j++)
            total += tallocSize(cg->consumers[j]) + idtMemory(cg->consumers[j]->pel);
    }
    return total;
}

/* ---- lag ---- */

bool streamRangeHasTombstones(stream *s, streamID start, const streamID *end) {
    if (!s->length || streamIDIsZero(s->maxDeleted)) return false;
    if (streamIDCompare(s->first, s->maxDeleted) > 0) return false;
    streamID e = end ? *end : STREAMID_MAX;
    return streamIDCompare(start, s->maxDeleted) <= 0 && streamIDCompare(s->maxDeleted, e) <= 0;
}

long long streamEstimateDistanceFromFirstEverEntry(stream *s, streamID id) {
    if (!s->entriesAdded) return 0;
    if (!s->length && streamIDCompare(id, s->last) < 1) return (long long)s->entriesAdded;
    int cmpLast = streamIDCompare(id, s->last);
    if (cmpLast == 0) return (long long)s->entriesAdded;
    if (cmpLast > 0) return SCG_INVALID_ENTRIES_READ;
    int cmpFirst = streamIDCompare(id, s->first);
    if (streamIDIsZero(s->maxDeleted) || streamIDCompare(s->maxDeleted, s->first) < 0) {
        if (cmpFirst < 0) return (long long)(s->entriesAdded - s->length);
        if (cmpFirst == 0) return (long long)(s->entriesAdded - s->length + 1);
    }
    return SCG_INVALID_ENTRIES_READ;
}

bool streamGroupLag(stream *s, streamCG *cg, long long *lag) {
    if (!s->entriesAdded) {
        *lag = 0;
        return true;
    }
    if (cg->entriesRead != SCG_INVALID_ENTRIES_READ &&
        !streamRangeHasTombstones(s, cg->lastId, NULL)) {
        *lag = (long long)s->entriesAdded - cg->entriesRead;
        return true;
    }
    long long read = streamEstimateDistanceFromFirstEverEntry(s, cg->lastId);
    if (read == SCG_INVALID_ENTRIES_READ) return false;
    *lag = (long long)s->entriesAdded - read;
    return true;
}

/* ---- delivering to consumers ---- */

/* Records 'id' as pending for 'consumer', taking it from whoever had it. */
static void deliverPending(streamCG *cg, streamConsumer *consumer, streamID id) {
    streamNACK *nack = idtFind(cg->pel, id);
    if (!nack) {
        nack = nackNew(consumer);
        idtInsert(cg->pel, id, nack);
        idtInsert(consumer->pel, id, nack);
        return;
    }
    /* XGROUP SETID can move the group back over entries already pending. */
    idtRemove(nack->consumer->pel, id);
    nack->consumer = consumer;
    nack->deliveryTime = mstime();
    nack->deliveryCount = 1;
    idtInsert(consumer->pel, id, nack);
}

/* ---- propagation ---- */

void streamPropagateClaim(client *c, slice key, const streamCG *cg, streamID id,
                          const streamNACK *nack) {
    server.dirty++;
    if (!propagateWanted()) { /* nobody listens; still not replayed as sent */
        propagateSuppress(c);
        return;
    }
    char idbuf[STREAM_ID_STR], lastbuf[STREAM_ID_STR], timebuf[24], countbuf[24];
    slice argv[14] = {propArgStr("XCLAIM"),
                      key,
                      {(char *)cg->name, cg->nameLen},
                      {(char *)nack->consumer->name, nack->consumer->nameLen},
                      propArgStr("0"),
                      {idbuf, streamIDToStr(id, idbuf)},
                      propArgStr("TIME"),
                      propArgLongLong(timebuf, nack->deliveryTime),
                      propArgStr("RETRYCOUNT"),
                      propArgLongLong(countbuf, nack->deliveryCount),
                      propArgStr("FORCE"),
                      propArgStr("JUSTID"),
                      propArgStr("LASTID"),
                      {lastbuf, streamIDToStr(cg->lastId, lastbuf)}};
    propagateAs(c, 14, argv);
}

void streamPropagateGroupId(client *c, slice key, const streamCG *cg) {
    server.dirty++;
    if (!propagateWanted()) { /* nobody listens; still not replayed as sent */
        propagateSuppress(c);
        return;
    }
    char idbuf[STREAM_ID_STR], readbuf[24];
    slice argv[7] = {propArgStr("XGROUP"),
                     propArgStr("SETID"),
                     key,
                     {(char *)cg->name, cg->nameLen},
                     {idbuf, streamIDToStr(cg->lastId, idbuf)},
                     propArgStr("ENTRIESREAD"),
                     propArgLongLong(readbuf, cg->entriesRead)};
    propagateAs(c, 7, argv);
}

void streamPropagateConsumer(client *c, slice key, const streamCG *cg, slice consumer) {
    server.dirty++;
    slice argv[5] = {propArgStr("XGROUP"), propArgStr("CREATECONSUMER"), key,
                     {(char *)cg->name, cg->nameLen}, consumer};
    propagateAs(c, 5, argv);
}

size_t streamReplyGroupNew(client *c, slice key, stream *s, streamCG *cg,
                           streamConsumer *consumer, streamID start, size_t count, bool noack) {
    void *dl = addReplyDeferredLen(c);
    streamIter it;
    streamIterStart(&it, s, &start, NULL, false);
    size_t n = 0;
    streamID id;
    uint32_t nf;
    bool moved = false;
    while (streamIterNext(&it, &id, &nf)) {
        if (streamIDCompare(id, cg->lastId) > 0) {
            moved = true;
            /* Keep the read counter exact while no tombstone lies ahead;
             * otherwise re-derive it (it may become unknown). */
            if (cg->entriesRead != SCG_INVALID_ENTRIES_READ &&
                !streamRangeHasTombstones(s, id, NULL))
                cg->entriesRead++;
            else if (s->entriesAdded)
                cg->entriesRead = streamEstimateDistanceFromFirstEverEntry(s, id);
            cg->lastId = id;
        }
        streamReplyIterEntry(c, &it, id, nf);
        if (!noack) {
            deliverPending(cg, consumer, id);
            streamPropagateClaim(c, key, cg, id, idtFind(cg->pel, id));
        }
        if (++n == count) break;
    }
    streamIterStop(&it);
    /* XCLAIM's LASTID moves the id but not the read counter. */
    if (moved) streamPropagateGroupId(c, key, cg);
    setDeferredArrayLen(c, dl, (long long)n);
    return n;
}

/* Replies entry 'id' alone ([id, [fields...]]); false when it is gone. */
static bool replyOneEntry(client *c, stream *s, streamID id) {
    return streamReplyRange(c, s, &id, &id, 1, false, true) == 1;
}

size_t streamReplyConsumerHistory(client *c, slice key, stream *s, streamCG *cg,
                                  streamConsumer *consumer, streamID start, size_t count) {
    void *dl = addReplyDeferredLen(c);
    size_t n = 0;
    idtIter it;
    for (bool ok = idtSeekGE(consumer->pel, &it, start); ok && (!count || n < count);
         ok = idtNext(&it)) {
        streamID id = idtIterId(&it);
        if (replyOneEntry(c, s, id)) {
            streamNACK *nack = idtIterVal(&it);
            nack->deliveryTime = mstime();
            nack->deliveryCount++;
            /* Redis 7.0 leaves these redeliveries out of the stream, so
             * its replicas' delivery counts drift; ours replay them. */
            streamPropagateClaim(c, key, cg, id, nack);
        } else {
            /* Deleted from the stream while pending: the id with a nil. */
            addReplyArrayLen(c, 2);
            addReplyStreamID(c, id);
            addReplyNullArray(c);
        }
        n++;
    }
    setDeferredArrayLen(c, dl, (long long)n);
    return n;
}

/* ---- shared helpers ---- */

void addReplySubcommandArgsError(client *c) {
    char upper[64];
    size_t j, len = c->argv[0].len;
    for (j = 0; j < len && j < sizeof(upper) - 1; j++) {
        char ch = c->argv[0].ptr[j];
        upper[j] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 32) : ch;
    }
    upper[j] = '\0';
    slice sub = c->argv[1];
    int sublen = (int)strnlen(sub.ptr, sub.len < 128 ? sub.len : 128);
    addReplyErrorFormat(c,
                        "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try %s "
                        "HELP.",
                        sublen, sub.ptr, upper);
}

/* Length of 's' as a C string (Redis formats names with %s). */
static int cstrLen(slice s) { return (int)strnlen(s.ptr, s.len); }

static void replyNoGroup(client *c, slice key, slice group) {
    addReplyErrorFormat(c, "NOGROUP No such key '%.*s' or consumer group '%.*s'", cstrLen(key),
                        key.ptr, cstrLen(group), group.ptr);
}

/* Looks up a consumer, creating it (with its keyspace event) if needed. */
static streamConsumer *lookupOrCreateConsumer(client *c, streamCG *cg, slice key, slice name) {
    streamConsumer *sc = streamLookupConsumer(cg, name.ptr, name.len, true);
    if (!sc) {
        sc = streamCreateConsumer(cg, name.ptr, name.len);
        notifyKeyspaceEvent(NOTIFY_STREAM, "xgroup-createconsumer", key.ptr, key.len, c->db->id);
    }
    return sc;
}

/* ---- XGROUP ---- */

/* A change to group metadata: the keyspace event and one change in
 * server.dirty, without the WATCH signal (Redis 7.0 does not signal group
 * changes either).  The command replays as sent. */
static void groupChanged(client *c, slice key, const char *event) {
    notifyKeyspaceEvent(NOTIFY_STREAM, event, key.ptr, key.len, c->db->id);
    server.dirty++;
}

static const char *xgroupHelp[] = {
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    NULL};

/* Every XGROUP subcommand: one body, as in Redis, so that option, key and
 * group errors come in the same order whatever the subcommand. */
void xgroupCommand(client *c) {
    slice opt = c->argv[1];
    bool create = sliceIs(opt, "create"), setid = sliceIs(opt, "setid");
    bool mkstream = false;
    long long entriesRead = SCG_INVALID_ENTRIES_READ;
    kvobj *kv = NULL;
    stream *s = NULL;
    streamCG *cg = NULL;
    if (c->argc >= 4) {
        for (int i = 5; i < c->argc;) {
            if (create && sliceIs(c->argv[i], "mkstream")) {
                mkstream = true;
                i++;
            } else if ((create || setid) && sliceIs(c->argv[i], "entriesread") &&
                       i + 1 < c->argc) {
                if (getLongLongOrReply(c, c->argv[i + 1], &entriesRead, NULL) == C_ERR) return;
                if (entriesRead < 0 && entriesRead != SCG_INVALID_ENTRIES_READ) {
                    addReplyError(c, "ERR value for ENTRIESREAD must be positive or -1");
                    return;
                }
                i += 2;
            } else {
                addReplySubcommandArgsError(c);
                return;
            }
        }
        bool wrong;
        kv = lookupWriteTyped(c, c->argv[2], OBJ_STREAM, &wrong);
        if (wrong) return;
        if (kv) s = streamOf(kv);
    }
    slice key = c->argc >= 4 ? c->argv[2] : (slice){NULL, 0};
    slice gname = c->argc >= 4 ? c->argv[3] : (slice){NULL, 0};
    if (c->argc >= 4 && !mkstream) {
        if (!s) {
            addReplyError(c, "ERR The XGROUP subcommand requires the key to exist. Note that for "
                             "CREATE you may want to use the MKSTREAM option to create an empty "
                             "stream automatically.");
            return;
        }
        cg = streamLookupCG(s, gname.ptr, gname.len);
        if (!cg && (setid || sliceIs(opt, "createconsumer") || sliceIs(opt, "delconsumer"))) {
            addReplyErrorFormat(c, "NOGROUP No such consumer group '%.*s' for key name '%.*s'",
                                cstrLen(gname), gname.ptr, cstrLen(key), key.ptr);
            return;
        }
    }

    if (c->argc == 2 && sliceIs(opt, "help")) {
        addReplyHelp(c, xgroupHelp);
    } else if (create && c->argc >= 5 && c->argc <= 8) {
        streamID id;
        if (sliceIs(c->argv[4], "$")) {
            id = s ? s->last : STREAMID_MIN;
        } else if (streamParseIDOrReply(c, c->argv[4], &id, 0, true, NULL) == C_ERR) {
            return;
        }
        if (!s) {
            /* MKSTREAM, now that nothing can fail. */
            kv = streamNewKv(key.ptr, key.len);
            dbAdd(c->db, kv);
            s = streamOf(kv);
            keyModified(c, key, 0, NULL);
        }
        if (streamCreateCG(s, gname.ptr, gname.len, id, entriesRead)) {
            addReplyOK(c);
            groupChanged(c, key, "xgroup-create");
        } else {
            addReplyError(c, "BUSYGROUP Consumer Group name already exists");
        }
    } else if (setid && (c->argc == 5 || c->argc == 7)) {
        streamID id;
        if (sliceIs(c->argv[4], "$")) {
            id = s->last;
        } else if (streamParseIDOrReply(c, c->argv[4], &id, 0, false, NULL) == C_ERR) {
            return;
        }
        cg->lastId = id;
        cg->entriesRead = entriesRead;
        addReplyOK(c);
        groupChanged(c, key, "xgroup-setid");
    } else if (sliceIs(opt, "destroy") && c->argc == 4) {
        if (cg) {
            streamDestroyCG(s, cg);
            addReplyLongLong(c, 1);
            groupChanged(c, key, "xgroup-destroy");
            /* Clients blocked in XREADGROUP on it get NOGROUP. */
            signalKeyAsReady(c->db, key.ptr, key.len);
        } else {
            addReplyLongLong(c, 0);
        }
    } else if (sliceIs(opt, "createconsumer") && c->argc == 5) {
        slice name = c->argv[4];
        bool created = false;
        if (!streamLookupConsumer(cg, name.ptr, name.len, false)) {
            streamCreateConsumer(cg, name.ptr, name.len);
            groupChanged(c, key, "xgroup-createconsumer");
            created = true;
        }
        addReplyLongLong(c, created);
    } else if (sliceIs(opt, "delconsumer") && c->argc == 5) {
        slice name = c->argv[4];
        long long pending = 0;
        streamConsumer *sc = streamLookupConsumer(cg, name.ptr, name.len, false);
        if (sc) {
            pending = (long long)idtSize(sc->pel);
            streamDelConsumer(cg, sc);
            groupChanged(c, key, "xgroup-delconsumer");
        }
        addReplyLongLong(c, pending);
    } else {
        addReplySubcommandArgsError(c);
    }
}

/* ---- XACK ---- */

/* Parses argv[from..argc) as strict ids into a new array ('*ids' must be
 * freed with tfree unless it is 'small').  C_ERR after replying (or
 * silently with 'c' NULL). */
static int parseIdsOrReply(client *c, int from, streamID *small, size_t smallCap,
                           streamID **ids) {
    size_t n = (size_t)(c->argc - from);
    *ids = n <= smallCap ? small : tmalloc(sizeof(streamID) * n);
    for (int j = from; j < c->argc; j++) {
        if (streamParseIDOrReply(c, c->argv[j], &(*ids)[j - from], 0, true, NULL) == C_ERR) {
            if (*ids != small) tfree(*ids);
            *ids = NULL;
            return C_ERR;
        }
    }
    return C_OK;
}

/* XACK key group id [id ...]: removes the ids from the group's pending
 * list; replies how many were pending. */
void xackCommand(client *c) {
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_STREAM, &wrong);
    if (wrong) return;
    streamCG *cg = kv ? streamLookupCG(streamOf(kv), c->argv[2].ptr, c->argv[2].len) : NULL;
    if (!cg) {
        addReplyLongLong(c, 0);
        return;
    }
    /* All ids parse before any is acknowledged: all or nothing. */
    streamID small[16], *ids;
    if (parseIdsOrReply(c, 3, small, 16, &ids) == C_ERR) return;
    long long acked = 0;
    for (int j = 3; j < c->argc; j++) {
        streamID id = ids[j - 3];
        streamNACK *nack = idtRemove(cg->pel, id);
        if (nack) {
            idtRemove(nack->consumer->pel, id);
            nackFree(nack);
            acked++;
        }
    }
    if (ids != small) tfree(ids);
    server.dirty += acked;
    addReplyLongLong(c, acked);
}

/* ---- XPENDING ---- */

/* XPENDING key group [[IDLE min-idle] start end count [consumer]]. */
void xpendingCommand(client *c) {
    bool summary = c->argc == 3;
    slice key = c->argv[1], gname = c->argv[2];
    streamID start = STREAMID_MIN, end = STREAMID_MAX;
    long long count = 0, minIdle = 0;
    slice consumerName = {NULL, 0};
    bool haveConsumer = false;
    if (c->argc != 3 && (c->argc < 6 || c->argc > 9)) {
        addReplyError(c, ERR_SYNTAX);
        return;
    }
    if (c->argc >= 6) {
        int at = 3;
        if (sliceIs(c->argv[3], "idle")) {
            if (getLongLongOrReply(c, c->argv[4], &minIdle, NULL) == C_ERR) return;
            if (c->argc < 8) {
                addReplyError(c, ERR_SYNTAX);
                return;
            }
            at += 2;
        }
        if (getLongLongOrReply(c, c->argv[at + 2], &count, NULL) == C_ERR) return;
        if (count < 0) count = 0;
        bool ex;
        if (streamParseIntervalIDOrReply(c, c->argv[at], &start, &ex, 0) == C_ERR) return;
        if (ex && !streamIDIncr(&start)) {
            addReplyError(c, "ERR invalid start ID for the interval");
            return;
        }
        if (streamParseIntervalIDOrReply(c, c->argv[at + 1], &end, &ex, UINT64_MAX) == C_ERR)
            return;
        if (ex && !streamIDDecr(&end)) {
            addReplyError(c, "ERR invalid end ID for the interval");
            return;
        }
        if (at + 3 < c->argc) {
            consumerName = c->argv[at + 3];
            haveConsumer = true;
        }
    }
    bool wrong;
    kvobj *kv = lookupReadTyped(c, key, OBJ_STREAM, &wrong);
    if (wrong) return;
    streamCG *cg = kv ? streamLookupCG(streamOf(kv), gname.ptr, gname.len) : NULL;
    if (!cg) {
        replyNoGroup(c, key, gname);
        return;
    }
    if (summary) {
        addReplyArrayLen(c, 4);
        addReplyLongLong(c, (long long)idtSize(cg->pel));
        idtIter it;
        if (!idtSeekFirst(cg->pel, &it)) {
            addReplyNull(c);
            addReplyNull(c);
            addReplyNullArray(c);
            return;
        }
        addReplyStreamID(c, idtIterId(&it));
        idtSeekLast(cg->pel, &it);
        addReplyStreamID(c, idtIterId(&it));
        void *dl = addReplyDeferredLen(c);
        long long n = 0;
        for (size_t j = 0; j < cg->nconsumers; j++) {
            streamConsumer *sc = cg->consumers[j];
            if (idtSize(sc->pel) == 0) continue;
            addReplyArrayLen(c, 2);
            addReplyBulk(c, sc->name, sc->nameLen);
            addReplyBulkLongLong(c, (long long)idtSize(sc->pel));
            n++;
        }
        setDeferredArrayLen(c, dl, n);
        return;
    }
    idtree *pel = cg->pel;
    if (haveConsumer) {
        streamConsumer *sc = streamLookupConsumer(cg, consumerName.ptr, consumerName.len, false);
        if (!sc) {
            addReplyArrayLen(c, 0);
            return;
        }
        pel = sc->pel;
    }
    long long now = mstime();
    void *dl = addReplyDeferredLen(c);
    long long n = 0;
    idtIter it;
    for (bool ok = idtSeekGE(pel, &it, start); count && ok && streamIDCompare(idtIterId(&it), end) <= 0;
         ok = idtNext(&it)) {
        streamNACK *nack = idtIterVal(&it);
        long long idle = now - nack->deliveryTime;
        if (minIdle && idle < minIdle) continue;
        n++;
        count--;
        addReplyArrayLen(c, 4);
        addReplyStreamID(c, idtIterId(&it));
        addReplyBulk(c, nack->consumer->name, nack->consumer->nameLen);
        addReplyLongLong(c, idle < 0 ? 0 : idle);
        addReplyLongLong(c, nack->deliveryCount);
    }
    setDeferredArrayLen(c, dl, n);
}

/* ---- XCLAIM / XAUTOCLAIM ---- */

/* Gives pending entry 'id' ('nack') to 'consumer' with delivery time
 * 'when'; the count is set to 'retry' (>= 0) or incremented unless
 * 'justid'. */
static void claimEntry(streamConsumer *consumer, streamID id, streamNACK *nack,
                       long long when, long long retry, bool justid) {
    if (nack->consumer != consumer && nack->consumer) idtRemove(nack->consumer->pel, id);
    nack->deliveryTime = when;
    if (retry >= 0)
        nack->deliveryCount = retry;
    else if (!justid)
        nack->deliveryCount++;
    if (nack->consumer != consumer) {
        idtInsert(consumer->pel, id, nack);
        nack->consumer = consumer;
    }
}

/* Drops pending entry 'id' whose stream entry no longer exists. */
static void dropPending(streamCG *cg, streamID id, streamNACK *nack) {
    idtRemove(cg->pel, id);
    if (nack->consumer) idtRemove(nack->consumer->pel, id);
    nackFree(nack);
}

/* XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms]
 * [TIME unix-ms] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID id]. */
void xclaimCommand(client *c) {
    slice key = c->argv[1], gname = c->argv[2];
    bool wrong;
    kvobj *kv = lookupReadTyped(c, key, OBJ_STREAM, &wrong);
    if (wrong) return;
    stream *s = kv ? streamOf(kv) : NULL;
    streamCG *cg = s ? streamLookupCG(s, gname.ptr, gname.len) : NULL;
    if (!cg) {
        replyNoGroup(c, key, gname);
        return;
    }
    long long minIdle;
    if (getLongLongOrReply(c, c->argv[4], &minIdle, "ERR Invalid min-idle-time argument for XCLAIM") ==
        C_ERR)
        return;
    if (minIdle < 0) minIdle = 0;
    /* Ids run until the first argument that is not one; options follow. */
    size_t cap = (size_t)(c->argc - 5);
    streamID small[16];
    streamID *ids = cap <= 16 ? small : tmalloc(sizeof(streamID) * cap);
    int j = 5;
    for (; j < c->argc; j++)
        if (streamParseIDOrReply(NULL, c->argv[j], &ids[j - 5], 0, true, NULL) == C_ERR) break;
    int nids = j - 5;
    long long now = mstime(), deliveryTime = -1, retry = -1;
    bool force = false, justid = false;
    streamID lastId = STREAMID_MIN;
    for (; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        slice o = c->argv[j];
        if (sliceIs(o, "force")) {
            force = true;
        } else if (sliceIs(o, "justid")) {
            justid = true;
        } else if (sliceIs(o, "idle") && more) {
            j++;
            if (getLongLongOrReply(c, c->argv[j], &deliveryTime,
                                   "ERR Invalid IDLE option argument for XCLAIM") == C_ERR)
                goto cleanup;
            deliveryTime = now - deliveryTime;
        } else if (sliceIs(o, "time") && more) {
            j++;
            if (getLongLongOrReply(c, c->argv[j], &deliveryTime,
                                   "ERR Invalid TIME option argument for XCLAIM") == C_ERR)
                goto cleanup;
        } else if (sliceIs(o, "retrycount") && more) {
            j++;
            if (getLongLongOrReply(c, c->argv[j], &retry,
                                   "ERR Invalid RETRYCOUNT option argument for XCLAIM") == C_ERR)
                goto cleanup;
        } else if (sliceIs(o, "lastid") && more) {
            j++;
            if (streamParseIDOrReply(c, c->argv[j], &lastId, 0, true, NULL) == C_ERR) goto cleanup;
        } else {
            addReplyErrorFormat(c, "ERR Unrecognized XCLAIM option '%.*s'", cstrLen(o), o.ptr);
            goto cleanup;
        }
    }
    bool lastMoved = streamIDCompare(lastId, cg->lastId) > 0;
    if (lastMoved) cg->lastId = lastId;
    /* A bogus time (negative, or in the future) becomes now rather than
     * an error: clients compute it from their own clocks. */
    if (deliveryTime == -1 || deliveryTime < 0 || deliveryTime > now) deliveryTime = now;

    streamConsumer *consumer = NULL;
    void *dl = addReplyDeferredLen(c);
    long long n = 0;
    for (int k = 0; k < nids; k++) {
        streamID id = ids[k];
        streamNACK *nack = idtFind(cg->pel, id);
        if (!streamEntryExists(s, id)) {
            if (nack) {
                streamPropagateClaim(c, key, cg, id, nack); /* replays as the drop */
                dropPending(cg, id, nack);
            }
            continue;
        }
        if (force && !nack) {
            nack = nackNew(NULL);
            idtInsert(cg->pel, id, nack);
        }
        if (!nack) continue;
        /* A record FORCE just made has no owner and no idle time to check. */
        if (nack->consumer && minIdle && now - nack->deliveryTime < minIdle) continue;
        if (!consumer) consumer = lookupOrCreateConsumer(c, cg, key, c->argv[3]);
        claimEntry(consumer, id, nack, deliveryTime, retry, justid);
        streamPropagateClaim(c, key, cg, id, nack);
        if (justid)
            addReplyStreamID(c, id);
        else
            replyOneEntry(c, s, id);
        n++;
    }
    setDeferredArrayLen(c, dl, n);
    if (lastMoved) streamPropagateGroupId(c, key, cg);
    /* The claims above are what XCLAIM replays as ('IDLE' is relative). */
    propagateSuppress(c);
cleanup:
    if (ids != small) tfree(ids);
}

/* XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]:
 * claims up to COUNT pending entries idle long enough, scanning at most
 * 10 x COUNT records from 'start'; replies the next start, the claimed
 * entries, and the ids dropped because their entries were deleted. */
void xautoclaimCommand(client *c) {
    slice key = c->argv[1], gname = c->argv[2];
    long long minIdle;
    if (getLongLongOrReply(c, c->argv[4], &minIdle,
                           "ERR Invalid min-idle-time argument for XAUTOCLAIM") == C_ERR)
        return;
    if (minIdle < 0) minIdle = 0;
    streamID start;
    bool ex;
    if (streamParseIntervalIDOrReply(c, c->argv[5], &start, &ex, 0) == C_ERR) return;
    if (ex && !streamIDIncr(&start)) {
        addReplyError(c, "ERR invalid start ID for the interval");
        return;
    }
    long long count = 100;
    bool justid = false;
    const long long attemptsFactor = 10;
    for (int j = 6; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        if (sliceIs(c->argv[j], "count") && more) {
            long long maxCount = LONG_MAX / (long long)sizeof(streamID);
            if (getRangeLongOrReply(c, c->argv[j + 1], 1, maxCount, &count,
                                    "ERR COUNT must be > 0") == C_ERR)
                return;
            j++;
        } else if (sliceIs(c->argv[j], "justid")) {
            justid = true;
        } else {
            addReplyError(c, ERR_SYNTAX);
            return;
        }
    }
    bool wrong;
    kvobj *kv = lookupReadTyped(c, key, OBJ_STREAM, &wrong);
    if (wrong) return;
    stream *s = kv ? streamOf(kv) : NULL;
    streamCG *cg = s ? streamLookupCG(s, gname.ptr, gname.len) : NULL;
    if (!cg) {
        replyNoGroup(c, key, gname);
        return;
    }
    /* Claimed and dropped ids are collected first: the reply starts with
     * the cursor, known only at the end. */
    streamID *ids = ttrymalloc(sizeof(streamID) * (size_t)count);
    if (!ids) {
        addReplyError(c, "ERR Insufficient memory, failed allocating transient memory, COUNT too "
                         "high.");
        return;
    }
    long long attempts = count * attemptsFactor;
    streamConsumer *consumer = NULL;
    long long now = mstime();
    size_t nclaimed = 0, ndeleted = 0, total = (size_t)count;
    idtIter it;
    bool ok = idtSeekGE(cg->pel, &it, start);
    while (attempts-- && count && ok) {
        streamID id = idtIterId(&it);
        streamNACK *nack = idtIterVal(&it);
        if (!streamEntryExists(s, id)) {
            /* Deleted entries fill the array from its end. */
            streamPropagateClaim(c, key, cg, id, nack); /* replays as the drop */
            dropPending(cg, id, nack);
            ids[total - 1 - ndeleted++] = id;
            count--;
            ok = idtSeekGE(cg->pel, &it, id);
            continue;
        }
        if (minIdle && now - nack->deliveryTime < minIdle) {
            ok = idtNext(&it);
            continue;
        }
        if (!consumer) consumer = lookupOrCreateConsumer(c, cg, key, c->argv[3]);
        claimEntry(consumer, id, nack, now, -1, justid);
        streamPropagateClaim(c, key, cg, id, nack);
        ids[nclaimed++] = id;
        count--;
        ok = idtNext(&it);
    }
    /* The cursor: the record after the last one looked at, or 0-0. */
    addReplyArrayLen(c, 3);
    addReplyStreamID(c, ok ? idtIterId(&it) : STREAMID_MIN);
    addReplyArrayLen(c, (long long)nclaimed);
    for (size_t k = 0; k < nclaimed; k++) {
        if (justid)
            addReplyStreamID(c, ids[k]);
        else
            replyOneEntry(c, s, ids[k]);
    }
    addReplyArrayLen(c, (long long)ndeleted);
    for (size_t k = 0; k < ndeleted; k++) addReplyStreamID(c, ids[total - 1 - k]);
    tfree(ids);
    propagateSuppress(c);
}
