/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Stream commands on entries: XADD, XLEN, XRANGE, XREVRANGE, XDEL, XTRIM
 * and XSETID.  Argument checks run in Redis 7.0's order, with its error
 * texts, so the same bad command gets the same error.
 *
 * Costs: XADD O(fields) plus trimming; XRANGE O(log N + M) for M entries
 * (plus the entries skipped inside the first node); XDEL O(log N + node
 * entries) per id; XTRIM O(removed nodes + one node).
 */
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

/* XADD/XTRIM options, as parsed by parseAddTrimOrReply. */
typedef struct addTrimArgs {
    streamTrimArgs trim;
    int trimArgIdx;   /* argv index of the MAXLEN/MINID value */
    bool idGiven;     /* XADD: an id other than "*" */
    bool seqGiven;    /* XADD: not the "ms-*" form */
    bool noMkstream;  /* XADD NOMKSTREAM */
    streamID id;      /* XADD: the given id */
} addTrimArgs;

/* True when 's' reads as the C string 'lit' (Redis compares these
 * arguments as C strings, so a NUL ends them). */
static bool cstrEquals(slice s, const char *lit) {
    size_t n = strnlen(s.ptr, s.len);
    return n == strlen(lit) && memcmp(s.ptr, lit, n) == 0;
}

/* Parses the options of XADD ('xadd') or XTRIM starting at argv[2].
 * Returns the index of XADD's id argument (the argument after the options
 * for XTRIM), or -1 after replying an error. */
static int parseAddTrimOrReply(client *c, addTrimArgs *a, bool xadd) {
    memset(a, 0, sizeof(*a));
    bool limitGiven = false;
    int i = 2;
    for (; i < c->argc; i++) {
        int more = c->argc - 1 - i;
        slice opt = c->argv[i];
        if (xadd && cstrEquals(opt, "*")) {
            break;
        } else if ((sliceIs(opt, "maxlen") || sliceIs(opt, "minid")) && more) {
            bool maxlen = sliceIs(opt, "maxlen");
            if (a->trim.strategy != STREAM_TRIM_NONE) {
                addReplyError(c, "ERR syntax error, MAXLEN and MINID options at the same time are "
                                 "not compatible");
                return -1;
            }
            a->trim.approx = false;
            slice next = c->argv[i + 1];
            if (more >= 2 && cstrEquals(next, "~")) {
                a->trim.approx = true;
                i++;
            } else if (more >= 2 && cstrEquals(next, "=")) {
                i++;
            }
            if (maxlen) {
                if (getLongLongOrReply(c, c->argv[i + 1], &a->trim.maxlen, NULL) == C_ERR)
                    return -1;
                if (a->trim.maxlen < 0) {
                    addReplyError(c, "ERR The MAXLEN argument must be >= 0.");
                    return -1;
                }
                a->trim.strategy = STREAM_TRIM_MAXLEN;
            } else {
                if (streamParseIDOrReply(c, c->argv[i + 1], &a->trim.minid, 0, true, NULL) ==
                    C_ERR)
                    return -1;
                a->trim.strategy = STREAM_TRIM_MINID;
            }
            i++;
            a->trimArgIdx = i;
        } else if (sliceIs(opt, "limit") && more) {
            if (getLongLongOrReply(c, c->argv[i + 1], &a->trim.limit, NULL) == C_ERR) return -1;
            if (a->trim.limit < 0) {
                addReplyError(c, "ERR The LIMIT argument must be >= 0.");
                return -1;
            }
            limitGiven = true;
            i++;
        } else if (xadd && sliceIs(opt, "nomkstream")) {
            a->noMkstream = true;
        } else if (xadd) {
            /* Not an option: it must be the id. */
            if (streamParseIDOrReply(c, opt, &a->id, 0, true, &a->seqGiven) == C_ERR) return -1;
            a->idGiven = true;
            break;
        } else {
            addReplyError(c, ERR_SYNTAX);
            return -1;
        }
    }
    if (a->trim.limit && a->trim.strategy == STREAM_TRIM_NONE) {
        addReplyError(c, "ERR syntax error, LIMIT cannot be used without specifying a trimming "
                         "strategy");
        return -1;
    }
    if (!xadd && a->trim.strategy == STREAM_TRIM_NONE) {
        addReplyError(c, "ERR syntax error, XTRIM must be called with a trimming strategy");
        return -1;
    }
    if (limitGiven) {
        if (!a->trim.approx) {
            addReplyError(c, "ERR syntax error, LIMIT cannot be used without the special ~ option");
            return -1;
        }
    } else if (a->trim.approx) {
        /* Bounded work by default: about 100 nodes. */
        a->trim.limit = 100 * streamNodeMaxEntries;
        if (a->trim.limit <= 0) a->trim.limit = 10000;
        if (a->trim.limit > 1000000) a->trim.limit = 1000000;
    } else {
        a->trim.limit = 0;
    }
    return i;
}

/* The exact trim an approximate one amounts to: trimming only ever takes
 * entries from the front, so "MAXLEN = <length left>" removes the same
 * ones on replay whatever the node sizes there.  Writes 3 arguments at
 * 'argv' (the number in 'buf'). */
static void exactTrimArgs(const stream *s, char *buf, slice *argv) {
    argv[0] = propArgStr("MAXLEN");
    argv[1] = propArgStr("=");
    argv[2] = propArgLongLong(buf, (long long)s->length);
}

/* XADD replays with the id it got (an auto id depends on the clock) and
 * an exact trim; NOMKSTREAM and LIMIT have done their part. */
static void propagateXadd(client *c, const addTrimArgs *a, int idpos, streamID id,
                          const stream *s) {
    if (!propagateWanted()) { /* nobody listens; still not replayed as sent */
        propagateSuppress(c);
        return;
    }
    int nfv = c->argc - idpos - 1;
    slice *argv = tmalloc(sizeof(slice) * (size_t)(nfv + 6));
    char lenbuf[24], idbuf[STREAM_ID_STR];
    int n = 0;
    argv[n++] = c->argv[0];
    argv[n++] = c->argv[1];
    if (a->trim.approx) {
        exactTrimArgs(s, lenbuf, argv + n);
        n += 3;
    } else if (a->trim.strategy != STREAM_TRIM_NONE) {
        argv[n++] = propArgStr(a->trim.strategy == STREAM_TRIM_MAXLEN ? "MAXLEN" : "MINID");
        argv[n++] = propArgStr("=");
        argv[n++] = c->argv[a->trimArgIdx];
    }
    argv[n++] = (slice){idbuf, streamIDToStr(id, idbuf)};
    for (int j = idpos + 1; j < c->argc; j++) argv[n++] = c->argv[j];
    propagateAs(c, n, argv);
    tfree(argv);
}

/* XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id
 * field value [field value ...]. */
void xaddCommand(client *c) {
    addTrimArgs a;
    int idpos = parseAddTrimOrReply(c, &a, true);
    if (idpos < 0) return;
    int fieldPos = idpos + 1;
    if (c->argc - fieldPos < 2 || (c->argc - fieldPos) % 2 == 1) {
        addReplyErrorArity(c);
        return;
    }
    /* Refuse 0-0 before the key could be created. */
    if (a.idGiven && a.seqGiven && streamIDIsZero(a.id)) {
        addReplyError(c, "ERR The ID specified in XADD must be greater than 0-0");
        return;
    }
    slice key = c->argv[1];
    bool wrong;
    kvobj *kv = lookupWriteTyped(c, key, OBJ_STREAM, &wrong);
    if (wrong) return;
    if (!kv) {
        if (a.noMkstream) {
            addReplyNull(c);
            return;
        }
        kv = streamNewKv(key.ptr, key.len);
        dbAdd(c->db, kv);
    }
    stream *s = streamOf(kv);
    if (streamIDCompare(s->last, STREAMID_MAX) == 0) {
        addReplyError(c, "ERR The stream has exhausted the last possible ID, unable to add more "
                         "items");
        return;
    }
    streamID id;
    const slice *fv = &c->argv[fieldPos];
    size_t nfields = (size_t)(c->argc - fieldPos) / 2;
    if (!streamNextID(s, a.idGiven ? &a.id : NULL, a.seqGiven, &id) ||
        streamIDCompare(id, s->last) <= 0) {
        addReplyError(c, "ERR The ID specified in XADD is equal or smaller than the target stream "
                         "top item");
        return;
    }
    if (!streamElementsFit(fv, nfields)) {
        addReplyError(c, "ERR Elements are too large to be stored");
        return;
    }
    streamAppend(s, id, fv, nfields);
    addReplyStreamID(c, id);
    keyModified(c, key, NOTIFY_STREAM, "xadd");
    if (a.trim.strategy != STREAM_TRIM_NONE && streamTrim(s, &a.trim))
        notifyKeyspaceEvent(NOTIFY_STREAM, "xtrim", key.ptr, key.len, c->db->id);
    propagateXadd(c, &a, idpos, id, s);
    /* New data: clients blocked in XREAD/XREADGROUP on the key. */
    signalKeyAsReady(c->db, key.ptr, key.len);
}

/* XLEN key. */
void xlenCommand(client *c) {
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_STREAM, &wrong);
    if (wrong) return;
    addReplyLongLong(c, kv ? (long long)streamOf(kv)->length : 0);
}

/* XRANGE key start end [COUNT n] and XREVRANGE key end start [COUNT n]:
 * incomplete start ids get sequence 0, end ids the largest; "(" makes a
 * bound exclusive. */
static void xrangeGenericCommand(client *c, bool rev) {
    slice startArg = rev ? c->argv[3] : c->argv[2];
    slice endArg = rev ? c->argv[2] : c->argv[3];
    streamID start, end;
    bool ex;
    if (streamParseIntervalIDOrReply(c, startArg, &start, &ex, 0) == C_ERR) return;
    if (ex && !streamIDIncr(&start)) {
        addReplyError(c, "ERR invalid start ID for the interval");
        return;
    }
    if (streamParseIntervalIDOrReply(c, endArg, &end, &ex, UINT64_MAX) == C_ERR) return;
    if (ex && !streamIDDecr(&end)) {
        addReplyError(c, "ERR invalid end ID for the interval");
        return;
    }
    long long count = -1;
    for (int j = 4; j < c->argc; j++) {
        if (sliceIs(c->argv[j], "count") && j + 1 < c->argc) {
            if (getLongLongOrReply(c, c->argv[j + 1], &count, NULL) == C_ERR) return;
            if (count < 0) count = 0;
            j++;
        } else {
            addReplyError(c, ERR_SYNTAX);
            return;
        }
    }
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_STREAM, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyEmptyArray(c);
        return;
    }
    /* Redis's quirk: COUNT 0 on an existing stream is a null array. */
    if (count == 0) {
        addReplyNullArray(c);
        return;
    }
    streamReplyRange(c, streamOf(kv), &start, &end, count == -1 ? 0 : (size_t)count, rev, false);
}

void xrangeCommand(client *c) { xrangeGenericCommand(c, false); }

void xrevrangeCommand(client *c) { xrangeGenericCommand(c, true); }

/* XDEL key id [id ...]: flags the entries deleted; replies how many
 * existed. */
void xdelCommand(client *c) {
    slice key = c->argv[1];
    bool wrong;
    kvobj *kv = lookupWriteTyped(c, key, OBJ_STREAM, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyLongLong(c, 0);
        return;
    }
    stream *s = streamOf(kv);
    /* Every id parses before any is deleted. */
    int n = c->argc - 2;
    streamID small[16];
    streamID *ids = n <= 16 ? small : tmalloc(sizeof(streamID) * (size_t)n);
    for (int j = 0; j < n; j++) {
        if (streamParseIDOrReply(c, c->argv[j + 2], &ids[j], 0, true, NULL) == C_ERR) goto done;
    }
    long long deleted = 0;
    bool firstDeleted = false;
    for (int j = 0; j < n; j++) {
        if (!streamDeleteEntry(s, ids[j])) continue;
        if (streamIDCompare(ids[j], s->first) == 0) firstDeleted = true;
        if (streamIDCompare(ids[j], s->maxDeleted) > 0) s->maxDeleted = ids[j];
        deleted++;
    }
    if (deleted) {
        if (s->length == 0)
            s->first = STREAMID_MIN;
        else if (firstDeleted)
            streamEdgeID(s, true, false, &s->first);
        keyModified(c, key, NOTIFY_STREAM, "xdel");
    }
    addReplyLongLong(c, deleted);
done:
    if (ids != small) tfree(ids);
}

/* XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]. */
void xtrimCommand(client *c) {
    addTrimArgs a;
    if (parseAddTrimOrReply(c, &a, false) < 0) return;
    slice key = c->argv[1];
    bool wrong;
    kvobj *kv = lookupWriteTyped(c, key, OBJ_STREAM, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyLongLong(c, 0);
        return;
    }
    long long deleted = streamTrim(streamOf(kv), &a.trim);
    if (deleted) {
        keyModified(c, key, NOTIFY_STREAM, "xtrim");
        if (a.trim.approx) {
            char buf[24];
            slice prop[5] = {c->argv[0], key};
            exactTrimArgs(streamOf(kv), buf, prop + 2);
            propagateAs(c, 5, prop);
        }
    }
    addReplyLongLong(c, deleted);
}

/* XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID id]. */
void xsetidCommand(client *c) {
    streamID id, maxDeleted = STREAMID_MIN;
    long long entriesAdded = -1;
    if (streamParseIDOrReply(c, c->argv[2], &id, 0, true, NULL) == C_ERR) return;
    for (int i = 3; i < c->argc; i += 2) {
        int more = c->argc - 1 - i;
        if (sliceIs(c->argv[i], "entriesadded") && more) {
            if (getLongLongOrReply(c, c->argv[i + 1], &entriesAdded, NULL) == C_ERR) return;
            if (entriesAdded < 0) {
                addReplyError(c, "ERR entries_added must be positive");
                return;
            }
        } else if (sliceIs(c->argv[i], "maxdeletedid") && more) {
            if (streamParseIDOrReply(c, c->argv[i + 1], &maxDeleted, 0, true, NULL) == C_ERR)
                return;
            if (streamIDCompare(id, maxDeleted) < 0) {
                addReplyError(c, "ERR The ID specified in XSETID is smaller than the provided "
                                 "max_deleted_entry_id");
                return;
            }
        } else {
            addReplyError(c, ERR_SYNTAX);
            return;
        }
    }
    slice key = c->argv[1];
    bool wrong;
    kvobj *kv = lookupWriteTyped(c, key, OBJ_STREAM, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyError(c, ERR_NO_SUCH_KEY);
        return;
    }
    stream *s = streamOf(kv);
    if (s->length > 0) {
        streamID top;
        streamEdgeID(s, false, false, &top);
        if (streamIDCompare(id, top) < 0) {
            addReplyError(c, "ERR The ID specified in XSETID is smaller than the target stream top "
                             "item");
            return;
        }
        if (entriesAdded != -1 && s->length > (uint64_t)entriesAdded) {
            addReplyError(c, "ERR The entries_added specified in XSETID is smaller than the target "
                             "stream length");
            return;
        }
    }
    s->last = id;
    if (entriesAdded != -1) s->entriesAdded = (uint64_t)entriesAdded;
    if (!streamIDIsZero(maxDeleted)) s->maxDeleted = maxDeleted;
    addReplyOK(c);
    keyModified(c, key, NOTIFY_STREAM, "xsetid");
}
