/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Sorted-set range commands: ZRANGE (BYSCORE, BYLEX, REV, LIMIT,
 * WITHSCORES) and its older spellings ZREVRANGE, ZRANGEBYSCORE,
 * ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX; ZRANGESTORE; ZCOUNT,
 * ZLEXCOUNT; ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX.
 *
 * Every range becomes a rank interval first (zsetScoreRanks,
 * zsetLexRanks), so LIMIT's offset is a rank jump rather than a walk and
 * the reply length is known before the first member is sent: O(log N + M)
 * on large sets.  Option parsing and its errors follow Redis 7.0's
 * zrangeGenericCommand, quirks included (a negative LIMIT offset gives an
 * empty result, a negative count means "all", "LIMIT x -1" is accepted
 * without BYSCORE/BYLEX).
 */
#include <limits.h>
#include <string.h>

#include "core/args.h"
#include "core/db.h"
#include "core/errors.h"
#include "core/notify.h"
#include "net/reply.h"
#include "types/zset.h"

#define RANGE_AUTO 0
#define RANGE_RANK 1
#define RANGE_SCORE 2
#define RANGE_LEX 3

#define DIR_AUTO 0
#define DIR_FORWARD 1
#define DIR_REVERSE 2

/* Where a range goes: to the client, or into a new sorted set (ZRANGESTORE). */
typedef struct rangeSink {
    client *c;
    bool withScores;
    slice dst;    /* ZRANGESTORE destination */
    kvobj *store; /* the set being built, or NULL for a client reply */
} rangeSink;

/* Emits ranks [first .. first+n) going up, or [first .. first-n) going
 * down when 'rev', from 'kv' to 'sink'.  The client reply header comes
 * first. */
static void emitRanks(rangeSink *sink, kvobj *kv, size_t first, size_t n, bool rev) {
    client *c = sink->c;
    if (!sink->store) {
        addReplyArrayLen(c, (long long)(sink->withScores && c->resp == 2 ? n * 2 : n));
    }
    if (n == 0) return;
    zsetIter it;
    zmember m;
    zsetIterInit(&it, kv, first, rev);
    for (size_t j = 0; j < n && zsetIterNext(&it, &m); j++) {
        if (sink->store) {
            int out;
            zsetAdd(sink->store, m.score, m.ptr, m.len, 0, &out, NULL);
        } else {
            zsetReplyMember(c, &m, sink->withScores);
        }
    }
    zsetIterRelease(&it);
}

/* Ends a ZRANGESTORE: stores the built set (replacing whatever the
 * destination held) or deletes the destination when the result is empty,
 * and replies with the result's size. */
static void finishStore(rangeSink *sink) {
    client *c = sink->c;
    slice dst = sink->dst;
    size_t n = sink->store ? zsetLength(sink->store) : 0;
    if (n > 0) {
        lookupWrite(c, dst); /* lets an expired destination go first */
        /* Wakes blocked clients only when the key is new (see zsetops.c). */
        dbSet(c->db, sink->store);
        sink->store = NULL;
        addReplyLongLong(c, (long long)n);
        keyModified(c, dst, NOTIFY_ZSET, "zrangestore");
        return;
    }
    if (sink->store) kvFree(sink->store);
    sink->store = NULL;
    addReplyLongLong(c, 0);
    dbDeleteNotify(c, dst);
}

/* Normalizes 'start'/'end' (negative counts from the end) against 'len'.
 * Returns false when the range is empty. */
static bool clampRankRange(long long *start, long long *end, long long len) {
    if (*start < 0) *start = len + *start;
    if (*end < 0) *end = len + *end;
    if (*start < 0) *start = 0;
    if (*start > *end || *start >= len) return false;
    if (*end >= len) *end = len - 1;
    return true;
}

/* A range argument pair, parsed as one RANGE_* type. */
typedef struct rangeSpec {
    int type;
    long long start, end; /* RANGE_RANK */
    zscoreRange score;    /* RANGE_SCORE */
    zlexRange lex;        /* RANGE_LEX */
} rangeSpec;

/* Parses argv['minIdx'] and argv['maxIdx'] as a range of 'type' into '*r'.
 * Replies Redis's error for that kind of range and returns C_ERR when
 * either is invalid. */
static int parseRangeOrReply(client *c, int type, int minIdx, int maxIdx, rangeSpec *r) {
    r->type = type;
    if (type == RANGE_RANK) {
        if (getLongLongOrReply(c, c->argv[minIdx], &r->start, NULL) == C_ERR) return C_ERR;
        return getLongLongOrReply(c, c->argv[maxIdx], &r->end, NULL);
    }
    if (type == RANGE_SCORE) {
        if (zsetParseScoreRange(c->argv[minIdx], c->argv[maxIdx], &r->score) == C_OK) return C_OK;
        addReplyError(c, "ERR min or max is not a float");
        return C_ERR;
    }
    if (zsetParseLexRange(c->argv[minIdx], c->argv[maxIdx], &r->lex) == C_OK) return C_OK;
    addReplyError(c, "ERR min or max not valid string range item");
    return C_ERR;
}

/* The forward rank interval [*lo, *hi) of 'r' in 'kv'.  'rev' picks the
 * direction of a compact lex scan (see zsetLexRanks); a rank range is
 * always read as forward ranks here. */
static void rangeRanks(kvobj *kv, const rangeSpec *r, bool rev, size_t *lo, size_t *hi) {
    *lo = *hi = 0;
    if (r->type == RANGE_RANK) {
        long long start = r->start, end = r->end;
        if (clampRankRange(&start, &end, (long long)zsetLength(kv))) {
            *lo = (size_t)start;
            *hi = (size_t)end + 1;
        }
    } else if (r->type == RANGE_SCORE) {
        zsetScoreRanks(kv, &r->score, lo, hi);
    } else {
        zsetLexRanks(kv, &r->lex, rev, lo, hi);
    }
}

/* Applies LIMIT 'offset' 'limit' to the rank interval [lo, hi) and emits
 * it, from the low end or (rev) the high end. */
static void emitInterval(rangeSink *sink, kvobj *kv, size_t lo, size_t hi, long long offset,
                         long long limit, bool rev) {
    size_t count = hi - lo;
    size_t n = 0;
    size_t skip = 0;
    if (offset >= 0 && (unsigned long long)offset < count) {
        skip = (size_t)offset;
        n = count - skip;
        if (limit >= 0 && (unsigned long long)limit < n) n = (size_t)limit;
    }
    emitRanks(sink, kv, rev ? hi - 1 - skip : lo + skip, n, rev);
}

/* The ZRANGE family.  'argStart' is the source key's index; 'store' for
 * ZRANGESTORE; 'type'/'dir' are fixed by the older commands and AUTO for
 * ZRANGE and ZRANGESTORE, which take BYSCORE/BYLEX/REV. */
static void zrangeGeneric(client *c, int argStart, bool store, int type, int dir) {
    slice key = c->argv[argStart];
    int minIdx = argStart + 1, maxIdx = argStart + 2;
    bool withScores = false;
    long long offset = 0, limit = -1;
    for (int j = argStart + 3; j < c->argc; j++) {
        int left = c->argc - j - 1;
        slice a = c->argv[j];
        if (!store && sliceIs(a, "withscores")) {
            withScores = true;
        } else if (sliceIs(a, "limit") && left >= 2) {
            if (getLongLongOrReply(c, c->argv[j + 1], &offset, NULL) == C_ERR ||
                getLongLongOrReply(c, c->argv[j + 2], &limit, NULL) == C_ERR)
                return;
            j += 2;
        } else if (dir == DIR_AUTO && sliceIs(a, "rev")) {
            dir = DIR_REVERSE;
        } else if (type == RANGE_AUTO && sliceIs(a, "bylex")) {
            type = RANGE_LEX;
        } else if (type == RANGE_AUTO && sliceIs(a, "byscore")) {
            type = RANGE_SCORE;
        } else {
            addReplyError(c, ERR_SYNTAX);
            return;
        }
    }
    if (dir == DIR_AUTO) dir = DIR_FORWARD;
    if (type == RANGE_AUTO) type = RANGE_RANK;
    /* Redis tests the count, not the presence of LIMIT: "LIMIT 0 -1" passes. */
    if (limit != -1 && type == RANGE_RANK) {
        addReplyError(c, "ERR syntax error, LIMIT is only supported in combination with either "
                         "BYSCORE or BYLEX");
        return;
    }
    if (withScores && type == RANGE_LEX) {
        addReplyError(c, "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        return;
    }
    bool rev = dir == DIR_REVERSE;
    if (rev && (type == RANGE_SCORE || type == RANGE_LEX)) {
        int t = maxIdx; /* the range is given as max, min */
        maxIdx = minIdx;
        minIdx = t;
    }
    rangeSpec r;
    if (parseRangeOrReply(c, type, minIdx, maxIdx, &r) == C_ERR) return;
    rangeSink sink = {c, withScores || store, {NULL, 0}, NULL};
    if (store) sink.dst = c->argv[1];
    bool wrong;
    kvobj *kv = lookupReadTyped(c, key, OBJ_ZSET, &wrong);
    if (wrong) return;
    if (!kv) {
        if (store)
            finishStore(&sink);
        else
            addReplyEmptyArray(c);
        return;
    }
    if (type == RANGE_RANK) {
        long long len = (long long)zsetLength(kv), start = r.start, end = r.end;
        size_t n = clampRankRange(&start, &end, len) ? (size_t)(end - start + 1) : 0;
        /* Redis sizes the destination by the known result length: more
         * members than the entries threshold start large (so a -0 among
         * them stays -0); otherwise it starts compact. */
        if (store)
            sink.store = n > (unsigned long long)zsetMaxListpackEntries
                             ? zsetNewLargeKv(sink.dst.ptr, sink.dst.len)
                             : zsetNewCompactKv(sink.dst.ptr, sink.dst.len);
        emitRanks(&sink, kv, n == 0 ? 0 : rev ? (size_t)(len - 1 - start) : (size_t)start, n, rev);
    } else {
        /* The length is not known in advance: start compact. */
        if (store) sink.store = zsetNewCompactKv(sink.dst.ptr, sink.dst.len);
        size_t lo, hi;
        rangeRanks(kv, &r, rev, &lo, &hi);
        emitInterval(&sink, kv, lo, hi, offset, limit, rev);
    }
    if (store) finishStore(&sink);
}

void zrangeCommand(client *c) {
    zrangeGeneric(c, 1, false, RANGE_AUTO, DIR_AUTO);
}

void zrangestoreCommand(client *c) {
    zrangeGeneric(c, 2, true, RANGE_AUTO, DIR_AUTO);
}

void zrevrangeCommand(client *c) {
    zrangeGeneric(c, 1, false, RANGE_RANK, DIR_REVERSE);
}

void zrangebyscoreCommand(client *c) {
    zrangeGeneric(c, 1, false, RANGE_SCORE, DIR_FORWARD);
}

void zrevrangebyscoreCommand(client *c) {
    zrangeGeneric(c, 1, false, RANGE_SCORE, DIR_REVERSE);
}

void zrangebylexCommand(client *c) {
    zrangeGeneric(c, 1, false, RANGE_LEX, DIR_FORWARD);
}

void zrevrangebylexCommand(client *c) {
    zrangeGeneric(c, 1, false, RANGE_LEX, DIR_REVERSE);
}

/* ---- counts ---- */

/* ZCOUNT and ZLEXCOUNT: the size of a score or lex range. */
static void zcountGeneric(client *c, int type) {
    rangeSpec r;
    if (parseRangeOrReply(c, type, 2, 3, &r) == C_ERR) return;
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_ZSET, &wrong);
    if (wrong) return;
    size_t lo = 0, hi = 0;
    if (kv) rangeRanks(kv, &r, false, &lo, &hi);
    addReplyLongLong(c, (long long)(hi - lo));
}

void zcountCommand(client *c) {
    zcountGeneric(c, RANGE_SCORE);
}

void zlexcountCommand(client *c) {
    zcountGeneric(c, RANGE_LEX);
}

/* ---- range removal ---- */

static const char *const zremrangeEvents[] = {
    [RANGE_RANK] = "zremrangebyrank",
    [RANGE_SCORE] = "zremrangebyscore",
    [RANGE_LEX] = "zremrangebylex",
};

/* ZREMRANGEBYRANK / BYSCORE / BYLEX. */
static void zremrangeGeneric(client *c, int type) {
    slice key = c->argv[1];
    rangeSpec r;
    if (parseRangeOrReply(c, type, 2, 3, &r) == C_ERR) return;
    bool wrong;
    kvobj *kv = lookupWriteTyped(c, key, OBJ_ZSET, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyLongLong(c, 0);
        return;
    }
    size_t lo, hi;
    rangeRanks(kv, &r, false, &lo, &hi);
    size_t deleted = hi - lo;
    zsetDeleteRanks(kv, lo, deleted);
    bool removed = false;
    if (zsetLength(kv) == 0) {
        dbDelete(c->db, key.ptr, key.len, false);
        removed = true;
    }
    if (deleted) {
        keyModified(c, key, NOTIFY_ZSET, zremrangeEvents[type]);
        if (removed) notifyKeyspaceEvent(NOTIFY_GENERIC, "del", key.ptr, key.len, c->db->id);
    }
    addReplyLongLong(c, (long long)deleted);
}

void zremrangebyrankCommand(client *c) {
    zremrangeGeneric(c, RANGE_RANK);
}

void zremrangebyscoreCommand(client *c) {
    zremrangeGeneric(c, RANGE_SCORE);
}

void zremrangebylexCommand(client *c) {
    zremrangeGeneric(c, RANGE_LEX);
}
