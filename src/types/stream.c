/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The stream value layer: creating and freeing streams, ids (parsing,
 * formatting, generation), appending, deleting, trimming and walking
 * entries, and replying ranges.  See stream.h for the structure.
 *
 * Node boundaries follow Redis 7.0 exactly: a new node starts when the
 * tail node's Redis listpack size plus the new entry's raw bytes reaches
 * stream-node-max-bytes, or its entries (deleted ones included) reach
 * stream-node-max-entries; a node whose last live entry is deleted is
 * dropped.  Approximate trimming removes whole nodes only, so these rules
 * decide what "MAXLEN ~ 1000" leaves, and they match Redis's.
 */
#include "types/stream.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/args.h"
#include "core/errors.h"
#include "ds/alloc.h"
#include "ds/numfmt.h"
#include "net/reply.h"

long long streamNodeMaxBytes = 4096;
long long streamNodeMaxEntries = 100;

/* ---- construction ---- */

static stream *streamNew(void) {
    stream *s = tcalloc(sizeof(*s));
    s->nodes = idtNew();
    return s;
}

kvobj *streamNewKv(const char *key, size_t klen) {
    return kvNewPtr(key, klen, OBJ_STREAM, OBJ_ENC_STREAM, streamNew(), -1);
}

static void freeNode(void *n) { snFree(n); }

static void streamFree(stream *s) {
    idtFree(s->nodes, freeNode);
    streamFreeGroups(s);
    tfree(s);
}

static stream *streamDup(const stream *src) {
    stream *s = streamNew();
    idtIter it;
    for (bool ok = idtSeekFirst(src->nodes, &it); ok; ok = idtNext(&it)) {
        streamNode *n = idtIterVal(&it);
        idtInsert(s->nodes, n->master, snDup(n));
    }
    s->length = src->length;
    s->first = src->first;
    s->last = src->last;
    s->maxDeleted = src->maxDeleted;
    s->entriesAdded = src->entriesAdded;
    streamDupGroups(s, src);
    return s;
}

/* ---- ids ---- */

size_t streamIDToStr(streamID id, char *buf) {
    char tmp[20];
    size_t n = 0, k;
    uint64_t v = id.ms;
    k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (k) buf[n++] = tmp[--k];
    buf[n++] = '-';
    v = id.seq;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (k) buf[n++] = tmp[--k];
    buf[n] = '\0';
    return n;
}

void addReplyStreamID(client *c, streamID id) {
    char buf[STREAM_ID_STR];
    size_t n = streamIDToStr(id, buf);
    addReplyBulk(c, buf, n);
}

int streamParseIDOrReply(client *c, slice s, streamID *id, uint64_t missingSeq, bool strict,
                         bool *seqGiven) {
    /* Redis copies the argument into a 128-byte C string, so bytes after
     * a NUL are ignored and longer arguments are invalid. */
    char buf[128];
    if (s.len > sizeof(buf) - 1) goto invalid;
    memcpy(buf, s.ptr, s.len);
    buf[s.len] = '\0';
    if (strict && (buf[0] == '-' || buf[0] == '+') && buf[1] == '\0') goto invalid;
    if (seqGiven) *seqGiven = true;
    if (buf[0] == '-' && buf[1] == '\0') {
        *id = STREAMID_MIN;
        return C_OK;
    }
    if (buf[0] == '+' && buf[1] == '\0') {
        *id = STREAMID_MAX;
        return C_OK;
    }
    unsigned long long ms, seq;
    char *dash = strchr(buf, '-');
    if (dash) *dash = '\0';
    if (!numStrToULL(buf, strlen(buf), &ms)) goto invalid;
    if (dash) {
        const char *rest = dash + 1;
        if (seqGiven && rest[0] == '*' && rest[1] == '\0') {
            seq = 0;
            *seqGiven = false;
        } else if (!numStrToULL(rest, strlen(rest), &seq)) {
            goto invalid;
        }
    } else {
        seq = missingSeq;
    }
    id->ms = ms;
    id->seq = seq;
    return C_OK;
invalid:
    if (c) addReplyError(c, "ERR Invalid stream ID specified as stream command argument");
    return C_ERR;
}

int streamParseIntervalIDOrReply(client *c, slice s, streamID *id, bool *exclusive,
                                 uint64_t missingSeq) {
    *exclusive = s.len > 1 && s.ptr[0] == '(';
    if (*exclusive) {
        slice rest = {s.ptr + 1, s.len - 1};
        return streamParseIDOrReply(c, rest, id, missingSeq, true, NULL);
    }
    return streamParseIDOrReply(c, s, id, missingSeq, false, NULL);
}

bool streamNextID(const stream *s, const streamID *given, bool seqGiven, streamID *out) {
    if (given) {
        if (seqGiven) {
            *out = *given;
        } else if (s->last.ms == given->ms) {
            if (s->last.seq == UINT64_MAX) return false;
            *out = s->last;
            out->seq++;
        } else {
            *out = *given;
        }
        return true;
    }
    /* Never go back in time, even when the clock does. */
    uint64_t ms = (uint64_t)mstime();
    if (ms > s->last.ms) {
        out->ms = ms;
        out->seq = 0;
        return true;
    }
    *out = s->last;
    return streamIDIncr(out);
}

/* ---- appending ---- */

bool streamElementsFit(const slice *fv, size_t nfields) {
    size_t total = 0;
    for (size_t j = 0; j < 2 * nfields; j++) total += fv[j].len;
    return total <= SN_MAX_BYTES;
}

void streamAppend(stream *s, streamID id, const slice *fv, size_t nfields) {
    snStr small[32];
    snStr *args = 2 * nfields <= 32 ? small : tmalloc(sizeof(snStr) * 2 * nfields);
    size_t total = 0;
    for (size_t j = 0; j < 2 * nfields; j++) {
        args[j].ptr = fv[j].ptr;
        args[j].len = fv[j].len;
        total += fv[j].len;
    }
    idtIter it;
    streamNode *tail = idtSeekLast(s->nodes, &it) ? idtIterVal(&it) : NULL;
    if (tail) {
        size_t maxBytes = (size_t)streamNodeMaxBytes;
        if (maxBytes == 0 || maxBytes > SN_MAX_BYTES) maxBytes = SN_MAX_BYTES;
        if (snRedisBytes(tail) + total >= maxBytes ||
            (streamNodeMaxEntries &&
             (long long)tail->count + tail->deleted >= streamNodeMaxEntries)) {
            /* The node is closed: give back its spare room. */
            streamNode *shrunk = snShrink(tail);
            if (shrunk != tail) idtIterSetVal(&it, shrunk);
            tail = NULL;
        }
    }
    if (tail) {
        streamNode *n = snAppend(tail, id, args, nfields, false);
        if (n != tail) idtIterSetVal(&it, n);
    } else {
        idtInsert(s->nodes, id, snNew(id, args, nfields));
    }
    if (args != small) tfree(args);
    s->length++;
    s->entriesAdded++;
    s->last = id;
    if (s->length == 1) s->first = id;
}

/* ---- lookup and deletion ---- */

/* Finds entry 'id' (deleted or not): its node in '*node' and the entry in
 * '*e'.  False when absent. */
static bool findEntry(stream *s, streamID id, idtIter *it, streamNode **node, snEntry *e) {
    if (!idtSeekLE(s->nodes, it, id)) return false;
    streamNode *n = idtIterVal(it);
    if (streamIDCompare(n->last, id) < 0) return false;
    for (bool ok = snFirst(n, e); ok; ok = snNext(n, e)) {
        int cmp = streamIDCompare(e->id, id);
        if (cmp == 0) {
            *node = n;
            return true;
        }
        if (cmp > 0) break;
    }
    return false;
}

bool streamEntryExists(stream *s, streamID id) {
    idtIter it;
    streamNode *n;
    snEntry e;
    return findEntry(s, id, &it, &n, &e) && !e.deleted;
}

bool streamDeleteEntry(stream *s, streamID id) {
    idtIter it;
    streamNode *n;
    snEntry e;
    if (!findEntry(s, id, &it, &n, &e) || e.deleted) return false;
    snMarkDeleted(n, &e);
    if (n->count == 0) {
        idtRemove(s->nodes, n->master);
        snFree(n);
    }
    s->length--;
    return true;
}

bool streamEdgeID(stream *s, bool first, bool tombstones, streamID *out) {
    streamIter it;
    streamIterStart(&it, s, NULL, NULL, !first);
    it.skipDeleted = !tombstones;
    uint32_t nf;
    bool found = streamIterNext(&it, out, &nf);
    streamIterStop(&it);
    return found;
}

/* ---- trimming ---- */

long long streamTrim(stream *s, const streamTrimArgs *a) {
    if (a->strategy == STREAM_TRIM_NONE) return 0;
    long long deleted = 0;
    idtIter it;
    while (idtSeekFirst(s->nodes, &it)) {
        if (a->strategy == STREAM_TRIM_MAXLEN && s->length <= (uint64_t)a->maxlen) break;
        streamNode *n = idtIterVal(&it);
        long long entries = n->count;
        /* Bounded work per call (LIMIT, or the default of "~"). */
        if (a->limit && deleted + entries > a->limit) break;
        bool removeNode;
        if (a->strategy == STREAM_TRIM_MAXLEN)
            removeNode = s->length - (uint64_t)entries >= (uint64_t)a->maxlen;
        else
            removeNode = streamIDCompare(n->last, a->minid) < 0;
        if (removeNode) {
            idtRemove(s->nodes, n->master);
            snFree(n);
            s->length -= (uint64_t)entries;
            deleted += entries;
            continue;
        }
        if (a->approx) break;
        /* Flag entries deleted from the start of this node; the node keeps
         * at least one live entry, so it stays. */
        snEntry e;
        for (bool ok = snFirst(n, &e); ok; ok = snNext(n, &e)) {
            bool stop = a->strategy == STREAM_TRIM_MAXLEN
                            ? s->length <= (uint64_t)a->maxlen
                            : streamIDCompare(e.id, a->minid) >= 0;
            if (stop) break;
            if (!e.deleted) {
                snMarkDeleted(n, &e);
                s->length--;
                deleted++;
            }
        }
        break;
    }
    if (s->length == 0)
        s->first = STREAMID_MIN;
    else if (deleted)
        streamEdgeID(s, true, false, &s->first);
    return deleted;
}

/* ---- iteration ---- */

void streamIterStart(streamIter *it, stream *s, const streamID *start, const streamID *end,
                     bool rev) {
    it->s = s;
    it->start = start ? *start : STREAMID_MIN;
    it->end = end ? *end : STREAMID_MAX;
    it->rev = rev;
    it->skipDeleted = true;
    it->started = it->done = false;
    it->node = NULL;
    it->pos = it->small;
    it->posCap = sizeof(it->small) / sizeof(it->small[0]);
    it->npos = it->ipos = 0;
}

void streamIterStop(streamIter *it) {
    if (it->pos != it->small) tfree(it->pos);
    it->pos = it->small;
}

/* Moves to the next node in the walk's direction; false past the end. */
static bool iterNextNode(streamIter *it) {
    bool ok;
    if (!it->started) {
        it->started = true;
        if (!it->rev) {
            ok = (!streamIDIsZero(it->start) && idtSeekLE(it->s->nodes, &it->ti, it->start)) ||
                 idtSeekFirst(it->s->nodes, &it->ti);
        } else {
            ok = streamIDCompare(it->end, STREAMID_MAX) == 0
                     ? idtSeekLast(it->s->nodes, &it->ti)
                     : idtSeekLE(it->s->nodes, &it->ti, it->end);
        }
    } else {
        ok = it->rev ? idtPrev(&it->ti) : idtNext(&it->ti);
    }
    if (!ok) {
        it->node = NULL;
        return false;
    }
    it->node = idtIterVal(&it->ti);
    if (it->rev) {
        size_t n = (size_t)it->node->count + it->node->deleted;
        if (n > it->posCap) {
            if (it->pos != it->small) tfree(it->pos);
            it->pos = tmalloc(sizeof(snPos) * n);
            it->posCap = n;
        }
        it->npos = snCollect(it->node, it->pos);
        it->ipos = it->npos;
    }
    return true;
}

bool streamIterNext(streamIter *it, streamID *id, uint32_t *nfields) {
    if (it->done) return false;
    for (;;) {
        bool have;
        if (!it->node) {
            if (!iterNextNode(it)) break;
            if (it->rev) {
                have = it->ipos > 0;
                if (have) snAt(it->node, it->pos[--it->ipos], &it->e);
            } else {
                /* Skip nodes that end before the range (the first one may). */
                if (streamIDCompare(it->node->last, it->start) < 0) {
                    it->node = NULL;
                    continue;
                }
                have = snFirst(it->node, &it->e);
            }
        } else if (it->rev) {
            have = it->ipos > 0;
            if (have) snAt(it->node, it->pos[--it->ipos], &it->e);
        } else {
            have = snNext(it->node, &it->e);
        }
        if (!have) {
            it->node = NULL;
            continue;
        }
        const snEntry *e = &it->e;
        if (!it->rev) {
            if (streamIDCompare(e->id, it->start) < 0) continue;
            if (streamIDCompare(e->id, it->end) > 0) break;
        } else {
            if (streamIDCompare(e->id, it->end) > 0) continue;
            if (streamIDCompare(e->id, it->start) < 0) break;
        }
        if (e->deleted && it->skipDeleted) continue;
        *id = e->id;
        *nfields = e->nfields;
        return true;
    }
    it->done = true;
    return false;
}

void streamIterFields(streamIter *it, snFieldIter *fi) { snFields(it->node, &it->e, fi); }

/* ---- replies ---- */

void streamReplyIterEntry(client *c, streamIter *it, streamID id, uint32_t nfields) {
    addReplyArrayLen(c, 2);
    addReplyStreamID(c, id);
    addReplyArrayLen(c, (long long)nfields * 2);
    snFieldIter fi;
    streamIterFields(it, &fi);
    for (uint32_t j = 0; j < nfields; j++) {
        const char *f, *v;
        size_t fl, vl;
        snFieldNext(&fi, &f, &fl, &v, &vl);
        addReplyBulk(c, f, fl);
        addReplyBulk(c, v, vl);
    }
}

size_t streamReplyRange(client *c, stream *s, const streamID *start, const streamID *end,
                        size_t count, bool rev, bool raw) {
    void *dl = raw ? NULL : addReplyDeferredLen(c);
    streamIter it;
    streamIterStart(&it, s, start, end, rev);
    size_t n = 0;
    streamID id;
    uint32_t nf;
    while (streamIterNext(&it, &id, &nf)) {
        streamReplyIterEntry(c, &it, id, nf);
        if (++n == count) break;
    }
    streamIterStop(&it);
    if (dl) setDeferredArrayLen(c, dl, (long long)n);
    return n;
}

/* ---- type registration ---- */

static void streamFreeValue(void *ptr, int encoding) { streamFree(ptr); }

static void *streamDupValue(const void *ptr, int encoding) { return streamDup(ptr); }

/* MEMORY USAGE: the stream, its index, its nodes (the mean of the first
 * 'samples' nodes times their number; all when 0) and its groups. */
static size_t streamValueMemory(const void *ptr, int encoding, size_t samples) {
    const stream *s = ptr;
    size_t total = tallocSize(s) + idtMemory(s->nodes);
    size_t nodes = idtSize(s->nodes), seen = 0, bytes = 0;
    idtIter it;
    for (bool ok = idtSeekFirst(s->nodes, &it); ok && (!samples || seen < samples);
         ok = idtNext(&it)) {
        bytes += snAllocSize(idtIterVal(&it));
        seen++;
    }
    if (seen) total += seen == nodes ? bytes : (size_t)((double)bytes / (double)seen * (double)nodes);
    return total + streamGroupsMemory(s);
}

static size_t streamLengthOf(const void *ptr, int encoding) {
    return (size_t)((const stream *)ptr)->length;
}

/* DEBUG DIGEST-VALUE: as Redis, each entry's "ms.seq" then its fields and
 * values, in order; consumer groups do not take part. */
static void streamDigest(const void *ptr, int encoding,
                         void (*mix)(void *state, const void *p, size_t len), void *state) {
    streamIter it;
    streamIterStart(&it, (stream *)ptr, NULL, NULL, false);
    streamID id;
    uint32_t nf;
    while (streamIterNext(&it, &id, &nf)) {
        char buf[STREAM_ID_STR];
        size_t n = streamIDToStr(id, buf);
        for (size_t j = 0; j < n; j++)
            if (buf[j] == '-') buf[j] = '.';
        mix(state, buf, n);
        snFieldIter fi;
        streamIterFields(&it, &fi);
        for (uint32_t j = 0; j < nf; j++) {
            const char *f, *v;
            size_t fl, vl;
            snFieldNext(&fi, &f, &fl, &v, &vl);
            mix(state, f, fl);
            mix(state, v, vl);
        }
    }
    streamIterStop(&it);
}

static const objTypeOps streamTypeOps = {"stream",        streamFreeValue, streamDupValue,
                                         streamValueMemory, streamLengthOf, streamDigest};

void streamRegisterType(void) { objRegisterType(OBJ_STREAM, &streamTypeOps); }
