/* SPDX-License-Identifier: BSD-3-Clause
 *
 * XREAD and XREADGROUP, immediate and blocking (BLOCK ms through
 * core/blocking.c).  One body parses both, in Redis 7.0's order, and
 * serves each stream that has something after the requested id; when none
 * has and BLOCK was given, the client waits with its ids resolved ("$"
 * becomes the stream's last id now, ">" the group's last id when served)
 * until an XADD makes one of the keys servable, FIFO among waiters.
 *
 * Like Redis 7.0: a blocked XREADGROUP whose group is destroyed gets
 * NOGROUP, one whose stream is deleted (or replaced by another type) gets
 * UNBLOCKED; inside MULTI/EXEC a read that would block replies a null
 * array at once; without COUNT a blocked read is served at most 1000
 * entries.
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
#include "ds/numfmt.h"
#include "net/reply.h"
#include "types/stream.h"

#define XREAD_BLOCKED_DEFAULT_COUNT 1000

/* What a blocked XREAD/XREADGROUP remembers (argv does not survive). */
typedef struct xreadWait {
    size_t count;
    bool noack;
    int nkeys;
    char *group, *consumer; /* XREADGROUP only (point into 'buf') */
    size_t groupLen, consumerLen;
    streamID *ids;          /* per key: deliver entries after this */
    slice *keys;            /* per key (point into 'buf') */
    char buf[];
} xreadWait;

static xreadWait *newWait(client *c, int streamsArg, int nkeys, const streamID *ids, size_t count,
                          slice group, slice consumer, bool noack) {
    size_t bytes = group.len + consumer.len;
    for (int j = 0; j < nkeys; j++) bytes += c->argv[streamsArg + j].len;
    size_t idsOff = sizeof(xreadWait) + bytes;
    idsOff = (idsOff + 15) & ~(size_t)15;
    size_t keysOff = idsOff + sizeof(streamID) * (size_t)nkeys;
    xreadWait *w = tmalloc(keysOff + sizeof(slice) * (size_t)nkeys);
    w->count = count;
    w->noack = noack;
    w->nkeys = nkeys;
    w->ids = (streamID *)((char *)w + idsOff);
    w->keys = (slice *)((char *)w + keysOff);
    char *p = w->buf;
    w->group = p;
    w->groupLen = group.len;
    if (group.len) memcpy(p, group.ptr, group.len);
    p += group.len;
    w->consumer = p;
    w->consumerLen = consumer.len;
    if (consumer.len) memcpy(p, consumer.ptr, consumer.len);
    p += consumer.len;
    for (int j = 0; j < nkeys; j++) {
        slice k = c->argv[streamsArg + j];
        memcpy(p, k.ptr, k.len);
        w->keys[j].ptr = p;
        w->keys[j].len = k.len;
        p += k.len;
        w->ids[j] = ids[j];
    }
    if (!group.ptr) w->group = NULL;
    return w;
}

/* Replies the header of one stream's part of the reply: RESP2 arrays
 * [key, entries], RESP3 a map key -> entries. */
static void replyStreamKey(client *c, slice key) {
    if (c->resp == 2) addReplyArrayLen(c, 2);
    addReplyBulkSlice(c, key);
}

/* Looks up (or creates, with its event and its propagation) the reading
 * consumer. */
static streamConsumer *readingConsumer(client *c, streamCG *cg, slice key, const char *name,
                                       size_t len) {
    streamConsumer *sc = streamLookupConsumer(cg, name, len, true);
    if (!sc) {
        sc = streamCreateConsumer(cg, name, len);
        notifyKeyspaceEvent(NOTIFY_STREAM, "xgroup-createconsumer", key.ptr, key.len, c->db->id);
        streamPropagateConsumer(c, key, cg, (slice){(char *)name, len});
    }
    return sc;
}

/* ---- blocking ---- */

static bool xreadServe(client *c, kvobj *kv, slice key, void *priv) {
    xreadWait *w = priv;
    stream *s = streamOf(kv);
    int k = 0;
    while (k < w->nkeys && !(w->keys[k].len == key.len && memcmp(w->keys[k].ptr, key.ptr, key.len) == 0))
        k++;
    if (k == w->nkeys) return false;
    streamID gt = w->ids[k];
    streamCG *cg = NULL;
    if (w->group) {
        cg = streamLookupCG(s, w->group, w->groupLen);
        if (!cg) {
            addReplyError(c, "NOGROUP the consumer group this client was blocked on no longer "
                             "exists");
            return true;
        }
        gt = cg->lastId;
    }
    if (streamIDCompare(s->last, gt) <= 0) return false;
    streamID start = gt;
    streamIDIncr(&start);
    streamConsumer *consumer = NULL;
    if (cg) consumer = readingConsumer(c, cg, key, w->consumer, w->consumerLen);
    if (c->resp == 2) {
        addReplyArrayLen(c, 1);
        addReplyArrayLen(c, 2);
    } else {
        addReplyMapLen(c, 1);
    }
    addReplyBulkSlice(c, key);
    if (cg)
        streamReplyGroupNew(c, key, s, cg, consumer, start, w->count, w->noack);
    else
        streamReplyRange(c, s, &start, NULL, w->count, false, false);
    return true;
}

/* A group reader's stream went away: its wait ends with UNBLOCKED. */
static bool xreadKeyGone(client *c, slice key, void *priv) {
    xreadWait *w = priv;
    (void)key;
    if (!w->group) return false;
    addReplyError(c, "UNBLOCKED the stream key no longer exists");
    return true;
}

static const blockOps xreadBlockOps = {OBJ_STREAM, xreadServe, NULL, xreadKeyGone};

/* ---- XREAD / XREADGROUP ---- */

/* Parses BLOCK's milliseconds into an absolute deadline (0 = forever). */
static int getMsTimeoutOrReply(client *c, slice s, long long *deadline) {
    long long ms;
    if (getLongLongOrReply(c, s, &ms, "ERR timeout is not an integer or out of range") == C_ERR)
        return C_ERR;
    if (ms < 0) {
        addReplyError(c, ERR_TIMEOUT_NEG);
        return C_ERR;
    }
    long long now = mstime();
    *deadline = (ms == 0 || ms > LLONG_MAX - now) ? 0 : now + ms;
    return C_OK;
}

static void xreadGenericCommand(client *c, bool group) {
    long long deadline = -1, count = 0;
    int streamsArg = 0, nstreams = 0;
    bool noack = false;
    slice gname = {NULL, 0}, cname = {NULL, 0};
    for (int i = 1; i < c->argc; i++) {
        int more = c->argc - i - 1;
        slice o = c->argv[i];
        if (sliceIs(o, "block") && more) {
            if (c->flags & CLIENT_SCRIPT) {
                /* Refused outright in scripts, as Redis does (elsewhere a
                 * client that may not block just gets a timeout). */
                addReplyErrorFormat(c, "ERR %.*s command is not allowed with BLOCK option from scripts",
                                    (int)c->argv[0].len, c->argv[0].ptr);
                return;
            }
            i++;
            if (getMsTimeoutOrReply(c, c->argv[i], &deadline) == C_ERR) return;
        } else if (sliceIs(o, "count") && more) {
            i++;
            if (getLongLongOrReply(c, c->argv[i], &count, NULL) == C_ERR) return;
            if (count < 0) count = 0;
        } else if (sliceIs(o, "streams") && more) {
            streamsArg = i + 1;
            nstreams = c->argc - streamsArg;
            if (nstreams % 2) {
                addReplyError(c, "ERR Unbalanced XREAD list of streams: for each stream key an "
                                 "ID or '$' must be specified.");
                return;
            }
            nstreams /= 2;
            break;
        } else if (sliceIs(o, "group") && more >= 2) {
            if (!group) {
                addReplyError(c, "ERR The GROUP option is only supported by XREADGROUP. You "
                                 "called XREAD instead.");
                return;
            }
            gname = c->argv[i + 1];
            cname = c->argv[i + 2];
            i += 2;
        } else if (sliceIs(o, "noack")) {
            if (!group) {
                addReplyError(c, "ERR The NOACK option is only supported by XREADGROUP. You "
                                 "called XREAD instead.");
                return;
            }
            noack = true;
        } else {
            addReplyError(c, ERR_SYNTAX);
            return;
        }
    }
    if (streamsArg == 0) {
        addReplyError(c, ERR_SYNTAX);
        return;
    }
    if (group && !gname.ptr) {
        addReplyError(c, "ERR Missing GROUP option for XREADGROUP");
        return;
    }

    streamID smallIds[8];
    streamCG *smallGroups[8];
    streamID *ids = nstreams <= 8 ? smallIds : tmalloc(sizeof(streamID) * (size_t)nstreams);
    streamCG **groups = NULL;
    if (gname.ptr)
        groups = nstreams <= 8 ? smallGroups : tmalloc(sizeof(streamCG *) * (size_t)nstreams);
    for (int j = 0; j < nstreams; j++) {
        slice key = c->argv[streamsArg + j], arg = c->argv[streamsArg + nstreams + j];
        bool wrong;
        kvobj *kv = lookupReadTyped(c, key, OBJ_STREAM, &wrong);
        if (wrong) goto cleanup;
        if (gname.ptr) {
            streamCG *cg = kv ? streamLookupCG(streamOf(kv), gname.ptr, gname.len) : NULL;
            if (!cg) {
                addReplyErrorFormat(c,
                                    "NOGROUP No such key '%.*s' or consumer group '%.*s' in "
                                    "XREADGROUP with GROUP option",
                                    (int)strnlen(key.ptr, key.len), key.ptr,
                                    (int)strnlen(gname.ptr, gname.len), gname.ptr);
                goto cleanup;
            }
            groups[j] = cg;
        }
        if (arg.len == 1 && arg.ptr[0] == '$') {
            if (group) {
                addReplyError(c, "ERR The $ ID is meaningless in the context of XREADGROUP: you "
                                 "want to read the history of this consumer by specifying a "
                                 "proper ID, or use the > ID to get new messages. The $ ID would "
                                 "just return an empty result set.");
                goto cleanup;
            }
            ids[j] = kv ? streamOf(kv)->last : STREAMID_MIN;
            continue;
        }
        if (arg.len == 1 && arg.ptr[0] == '>') {
            if (!group) {
                addReplyError(c, "ERR The > ID can be specified only when calling XREADGROUP "
                                 "using the GROUP <group> <consumer> option.");
                goto cleanup;
            }
            /* The group's last id, read when served. */
            ids[j] = STREAMID_MAX;
            continue;
        }
        if (streamParseIDOrReply(c, arg, &ids[j], 0, true, NULL) == C_ERR) goto cleanup;
    }

    /* Serve what can be served now. */
    long long served = 0;
    void *dl = NULL;
    for (int j = 0; j < nstreams; j++) {
        slice key = c->argv[streamsArg + j];
        kvobj *kv = lookupKeyRead(c->db, key.ptr, key.len);
        if (!kv) continue;
        stream *s = streamOf(kv);
        streamID gt = ids[j];
        bool now = false, history = false;
        if (groups) {
            if (streamIDCompare(gt, STREAMID_MAX) != 0) {
                /* An explicit id: the consumer's own history. */
                now = history = true;
            } else if (s->length) {
                streamID maxid;
                streamEdgeID(s, false, false, &maxid);
                if (streamIDCompare(maxid, groups[j]->lastId) > 0) {
                    now = true;
                    gt = groups[j]->lastId;
                }
            }
        } else if (s->length) {
            streamID maxid;
            streamEdgeID(s, false, false, &maxid);
            now = streamIDCompare(maxid, gt) > 0;
        }
        if (!now) continue;
        if (++served == 1) dl = addReplyDeferredLen(c);
        streamID start = gt;
        streamIDIncr(&start);
        replyStreamKey(c, key);
        if (groups) {
            streamConsumer *sc = readingConsumer(c, groups[j], key, cname.ptr, cname.len);
            if (history)
                streamReplyConsumerHistory(c, key, s, groups[j], sc, start, (size_t)count);
            else
                streamReplyGroupNew(c, key, s, groups[j], sc, start, (size_t)count, noack);
        } else {
            streamReplyRange(c, s, &start, NULL, (size_t)count, false, false);
        }
    }
    if (served) {
        if (c->resp == 2)
            setDeferredArrayLen(c, dl, served);
        else
            setDeferredMapLen(c, dl, served);
        goto cleanup;
    }
    if (deadline != -1 && !(c->flags & CLIENT_DENY_BLOCKING)) {
        xreadWait *w = newWait(c, streamsArg, nstreams, ids,
                               count ? (size_t)count : XREAD_BLOCKED_DEFAULT_COUNT, gname, cname,
                               noack);
        blockForKeys(c, &xreadBlockOps, w->keys, nstreams, deadline, w);
        goto cleanup;
    }
    /* Nothing to serve and no (allowed) BLOCK: as a timeout. */
    addReplyNullArray(c);
cleanup:
    /* A group read replays as the claims and group moves it propagated. */
    if (group) propagateSuppress(c);
    if (ids != smallIds) tfree(ids);
    if (groups && groups != smallGroups) tfree(groups);
}

/* XREAD [COUNT count] [BLOCK ms] STREAMS key [key ...] id [id ...]. */
void xreadCommand(client *c) { xreadGenericCommand(c, false); }

/* XREADGROUP GROUP group consumer [COUNT count] [BLOCK ms] [NOACK]
 * STREAMS key [key ...] id [id ...]. */
void xreadgroupCommand(client *c) { xreadGenericCommand(c, true); }
