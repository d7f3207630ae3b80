/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Sorted-set commands that touch single members or the ends of a set:
 * ZADD, ZINCRBY, ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK, the pops
 * (ZPOPMIN, ZPOPMAX, ZMPOP and the blocking BZPOPMIN, BZPOPMAX, BZMPOP),
 * ZRANDMEMBER and ZSCAN.  Argument checks run in Redis 7.0's order, so the
 * same bad command gets the same error.
 *
 * Costs: member operations O(log N) on large sets, O(N) on compact ones
 * (N at most zset-max-listpack-entries); pops O(M log N) for M members;
 * ZRANDMEMBER O(M log N); ZSCAN O(1) per call plus the members returned.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/args.h"
#include "core/blocking.h"
#include "core/db.h"
#include "core/errors.h"
#include "core/notify.h"
#include "core/propagate.h"
#include "ds/numfmt.h"
#include "net/reply.h"
#include "types/collection.h"
#include "types/zset.h"

#define ZSET_MIN 0
#define ZSET_MAX 1

/* ---- ZADD / ZINCRBY ---- */

/* ZADD and ZINCRBY ('flags' ZADD_IN_INCR for the latter). */
static void zaddGeneric(client *c, int flags) {
    slice key = c->argv[1];
    int scoreIdx = 2;
    bool ch = false;
    while (scoreIdx < c->argc) {
        slice opt = c->argv[scoreIdx];
        if (sliceIs(opt, "nx"))
            flags |= ZADD_IN_NX;
        else if (sliceIs(opt, "xx"))
            flags |= ZADD_IN_XX;
        else if (sliceIs(opt, "ch"))
            ch = true;
        else if (sliceIs(opt, "incr"))
            flags |= ZADD_IN_INCR;
        else if (sliceIs(opt, "gt"))
            flags |= ZADD_IN_GT;
        else if (sliceIs(opt, "lt"))
            flags |= ZADD_IN_LT;
        else
            break;
        scoreIdx++;
    }
    bool incr = flags & ZADD_IN_INCR, nx = flags & ZADD_IN_NX, xx = flags & ZADD_IN_XX;
    bool gt = flags & ZADD_IN_GT, lt = flags & ZADD_IN_LT;
    int elements = c->argc - scoreIdx;
    if (elements % 2 || elements == 0) {
        addReplyError(c, ERR_SYNTAX);
        return;
    }
    elements /= 2;
    if (nx && xx) {
        addReplyError(c, "ERR XX and NX options at the same time are not compatible");
        return;
    }
    if ((gt && nx) || (lt && nx) || (gt && lt)) {
        addReplyError(c, "ERR GT, LT, and/or NX options at the same time are not compatible");
        return;
    }
    if (incr && elements > 1) {
        addReplyError(c, "ERR INCR option supports a single increment-element pair");
        return;
    }
    /* Parse every score first: the command applies fully or not at all. */
    double small[16];
    double *scores = elements <= 16 ? small : tmalloc(sizeof(double) * (size_t)elements);
    for (int j = 0; j < elements; j++) {
        if (getDoubleOrReply(c, c->argv[scoreIdx + j * 2], &scores[j], NULL) == C_ERR) goto done;
    }
    bool wrong;
    kvobj *kv = lookupWriteTyped(c, key, OBJ_ZSET, &wrong);
    if (wrong) goto done;
    int added = 0, updated = 0, processed = 0;
    double score = 0;
    if (!kv) {
        if (xx) goto reply;
        kv = zsetNewKv(key.ptr, key.len, c->argv[scoreIdx + 1].len);
        /* Wakes blocked clients once this command ends.  Adding to an
         * existing set does not: in Redis 7.0 only a new key does. */
        dbAdd(c->db, kv);
    }
    for (int j = 0; j < elements; j++) {
        slice m = c->argv[scoreIdx + 1 + j * 2];
        int out;
        double newScore = 0;
        if (!zsetAdd(kv, scores[j], m.ptr, m.len, flags, &out, &newScore)) {
            addReplyError(c, "ERR resulting score is not a number (NaN)");
            goto notify;
        }
        if (out & ZADD_OUT_ADDED) added++;
        if (out & ZADD_OUT_UPDATED) updated++;
        if (!(out & ZADD_OUT_NOP)) processed++;
        score = newScore;
    }
reply:
    if (incr) {
        if (processed)
            addReplyDouble(c, score);
        else
            addReplyNull(c);
    } else {
        addReplyLongLong(c, ch ? added + updated : added);
    }
notify:
    if (added || updated) {
        keyModified(c, key, NOTIFY_ZSET, incr ? "zincr" : "zadd");
    }
done:
    if (scores != small) tfree(scores);
}

void zaddCommand(client *c) {
    zaddGeneric(c, 0);
}

void zincrbyCommand(client *c) {
    zaddGeneric(c, ZADD_IN_INCR);
}

/* ---- ZREM ---- */

void zremCommand(client *c) {
    slice key = c->argv[1];
    bool wrong;
    kvobj *kv = lookupWriteTyped(c, key, OBJ_ZSET, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyLongLong(c, 0);
        return;
    }
    long long deleted = 0;
    bool removed = false;
    for (int j = 2; j < c->argc; j++) {
        if (zsetDel(kv, c->argv[j].ptr, c->argv[j].len)) deleted++;
        if (zsetLength(kv) == 0) {
            dbDelete(c->db, key.ptr, key.len, false);
            removed = true;
            break;
        }
    }
    if (deleted) {
        keyModified(c, key, NOTIFY_ZSET, "zrem");
        if (removed) notifyKeyspaceEvent(NOTIFY_GENERIC, "del", key.ptr, key.len, c->db->id);
    }
    addReplyLongLong(c, deleted);
}

/* ---- reads of single members ---- */

void zcardCommand(client *c) {
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_ZSET, &wrong);
    if (wrong) return;
    addReplyLongLong(c, kv ? (long long)zsetLength(kv) : 0);
}

/* ZSCORE and ZMSCORE ('multi': an array with one score per member; ZSCORE's
 * arity leaves exactly one). */
static void zmscoreGeneric(client *c, bool multi) {
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_ZSET, &wrong);
    if (wrong) return;
    if (multi) addReplyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        double score;
        if (kv && zsetScore(kv, c->argv[j].ptr, c->argv[j].len, &score))
            addReplyDouble(c, score);
        else
            addReplyNull(c);
    }
}

void zscoreCommand(client *c) {
    zmscoreGeneric(c, false);
}

void zmscoreCommand(client *c) {
    zmscoreGeneric(c, true);
}

/* ZRANK and ZREVRANK, with Redis 7.2's optional WITHSCORE (the reply is
 * then [rank, score], or a null array for a missing member). */
static void zrankGeneric(client *c, bool rev) {
    bool withScore = false;
    if (c->argc > 4) {
        addReplyErrorArity(c);
        return;
    }
    if (c->argc == 4) {
        if (!sliceIs(c->argv[3], "withscore")) {
            addReplyError(c, ERR_SYNTAX);
            return;
        }
        withScore = true;
    }
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_ZSET, &wrong);
    if (wrong) return;
    double score;
    long long rank = kv ? zsetRank(kv, c->argv[2].ptr, c->argv[2].len, rev, &score) : -1;
    if (rank < 0) {
        if (withScore)
            addReplyNullArray(c);
        else
            addReplyNull(c);
        return;
    }
    if (withScore) {
        addReplyArrayLen(c, 2);
        addReplyLongLong(c, rank);
        addReplyDouble(c, score);
    } else {
        addReplyLongLong(c, rank);
    }
}

void zrankCommand(client *c) {
    zrankGeneric(c, false);
}

void zrevrankCommand(client *c) {
    zrankGeneric(c, true);
}

/* ---- pops ---- */

/* The pop shared by ZPOPMIN/ZPOPMAX, ZMPOP and the blocking pops: takes
 * up to 'count' (-1: one, flat reply) members from the 'where' end of the
 * first existing key among 'keys'.  'emitKey' puts the key name in the
 * reply (blocking pops, ZMPOP); 'nested' replies pairs as 2-element arrays
 * ([key, [[m, s], ...]] when emitKey); 'nilWhenEmpty' replies a null array
 * rather than an empty one when no key exists.  Replies WRONGTYPE on the
 * first key of another type.  '*popped' (optional) tells whether anything
 * was popped. */
static void genericZpop(client *c, const slice *keys, int nkeys, int where, bool emitKey,
                        long long count, bool nested, bool nilWhenEmpty, bool *popped) {
    if (popped) *popped = false;
    kvobj *kv = NULL;
    slice key = {NULL, 0};
    for (int j = 0; j < nkeys; j++) {
        bool wrong;
        key = keys[j];
        kv = lookupWriteTyped(c, key, OBJ_ZSET, &wrong);
        if (wrong) return;
        if (kv) break;
    }
    if (!kv) {
        if (nilWhenEmpty)
            addReplyNullArray(c);
        else
            addReplyEmptyArray(c);
        return;
    }
    if (count == 0) {
        addReplyEmptyArray(c);
        return;
    }
    if (count == -1) count = 1;
    long long len = (long long)zsetLength(kv);
    long long n = count > len ? len : count;
    if (!nested && !emitKey) {
        addReplyArrayLen(c, n * 2);
    } else if (nested && !emitKey) {
        addReplyArrayLen(c, n);
    } else if (!nested && emitKey) {
        addReplyArrayLen(c, n * 2 + 1);
        addReplyBulkSlice(c, key);
    } else {
        addReplyArrayLen(c, 2);
        addReplyBulkSlice(c, key);
        addReplyArrayLen(c, n);
    }
    for (long long j = 0; j < n; j++) {
        size_t rank = where == ZSET_MAX ? zsetLength(kv) - 1 : 0;
        zmember m;
        zsetAtRank(kv, rank, &m);
        if (nested) addReplyArrayLen(c, 2);
        addReplyBulk(c, m.ptr, m.len);
        addReplyDouble(c, m.score);
        zsetDeleteRanks(kv, rank, 1);
    }
    keyModified(c, key, NOTIFY_ZSET, where == ZSET_MAX ? "zpopmax" : "zpopmin");
    /* Every pop (ZMPOP, the blocking ones) replays as ZPOPMIN/ZPOPMAX of
     * the one key and the count it took. */
    char nbuf[24];
    slice prop[3] = {propArgStr(where == ZSET_MAX ? "ZPOPMAX" : "ZPOPMIN"), key,
                     propArgLongLong(nbuf, n)};
    propagateAs(c, 3, prop);
    if (zsetLength(kv) == 0) {
        dbDelete(c->db, key.ptr, key.len, false);
        notifyKeyspaceEvent(NOTIFY_GENERIC, "del", key.ptr, key.len, c->db->id);
    }
    if (popped) *popped = true;
}

static void zpopMinMax(client *c, int where) {
    if (c->argc > 3) {
        addReplyError(c, ERR_SYNTAX);
        return;
    }
    long long count = -1;
    /* Redis words both a non-number and a negative count this way. */
    if (c->argc == 3 &&
        getPositiveLongOrReply(c, c->argv[2], &count,
                               "ERR value is out of range, must be positive") == C_ERR)
        return;
    /* RESP3 nests the pairs only when a count was given. */
    bool nested = c->resp > 2 && count != -1;
    genericZpop(c, &c->argv[1], 1, where, false, count, nested, false, NULL);
}

void zpopminCommand(client *c) {
    zpopMinMax(c, ZSET_MIN);
}

void zpopmaxCommand(client *c) {
    zpopMinMax(c, ZSET_MAX);
}

/* Parses "numkeys key... MIN|MAX [COUNT n]" starting at argv['numkeysIdx']
 * (ZMPOP, BZMPOP).  C_ERR after replying. */
static int parseMpopOrReply(client *c, int numkeysIdx, long long *numkeys, int *where,
                            long long *count) {
    if (getRangeLongOrReply(c, c->argv[numkeysIdx], 1, LONG_MAX, numkeys,
                            "ERR numkeys should be greater than 0") == C_ERR)
        return C_ERR;
    /* MIN|MAX must follow the keys (compared without computing past the
     * argument count, which could overflow). */
    if (*numkeys >= c->argc - numkeysIdx - 1) {
        addReplyError(c, ERR_SYNTAX);
        return C_ERR;
    }
    long long whereIdx = numkeysIdx + *numkeys + 1;
    if (sliceIs(c->argv[whereIdx], "min")) {
        *where = ZSET_MIN;
    } else if (sliceIs(c->argv[whereIdx], "max")) {
        *where = ZSET_MAX;
    } else {
        addReplyError(c, ERR_SYNTAX);
        return C_ERR;
    }
    *count = -1;
    for (long long j = whereIdx + 1; j < c->argc; j++) {
        bool more = j + 1 < c->argc;
        if (*count == -1 && sliceIs(c->argv[j], "count") && more) {
            j++;
            if (getRangeLongOrReply(c, c->argv[j], 1, LONG_MAX, count,
                                    "ERR count should be greater than 0") == C_ERR)
                return C_ERR;
        } else {
            addReplyError(c, ERR_SYNTAX);
            return C_ERR;
        }
    }
    if (*count == -1) *count = 1;
    return C_OK;
}

void zmpopCommand(client *c) {
    long long numkeys, count;
    int where;
    if (parseMpopOrReply(c, 1, &numkeys, &where, &count) == C_ERR) return;
    genericZpop(c, c->argv + 2, (int)numkeys, where, true, count, true, true, NULL);
}

/* What a blocked BZPOPMIN/BZPOPMAX/BZMPOP client will pop once a key
 * gets members: the end, how many (-1: one, flat reply), and BZMPOP's
 * nested reply shape. */
typedef struct zpopBlock {
    int where;
    long long count;
    bool nested;
} zpopBlock;

/* Pops for a waiting client from 'key', which just became a sorted set:
 * the same call, and so the same reply and events, as the immediate path. */
static bool zpopServe(client *c, kvobj *kv, slice key, void *priv) {
    (void)kv;
    zpopBlock *b = priv;
    genericZpop(c, &key, 1, b->where, true, b->count, b->nested, b->nested, NULL);
    return true;
}

/* Keys that turn into another type leave the client waiting (Redis 7.0);
 * timeouts reply a null array. */
static const blockOps zpopBlockOps = {OBJ_ZSET, zpopServe, NULL, NULL};

/* The blocking pops.  Pops at once when any key holds a sorted set;
 * otherwise a client in MULTI or a script gets the timeout reply (a null
 * array) right away, and any other client waits on all the keys. */
static void blockingZpop(client *c, const slice *keys, int nkeys, int where, int timeoutIdx,
                         long long count, bool nested) {
    long long deadline;
    if (getTimeoutOrReply(c, c->argv[timeoutIdx], &deadline) == C_ERR) return;
    for (int j = 0; j < nkeys; j++) {
        bool wrong;
        kvobj *kv = lookupWriteTyped(c, keys[j], OBJ_ZSET, &wrong);
        if (wrong) return;
        if (!kv) continue;
        genericZpop(c, &keys[j], 1, where, true, count, nested, nested, NULL);
        return;
    }
    if (c->flags & CLIENT_DENY_BLOCKING) {
        addReplyNullArray(c);
        return;
    }
    zpopBlock *b = tmalloc(sizeof(*b));
    b->where = where;
    b->count = count;
    b->nested = nested;
    blockForKeys(c, &zpopBlockOps, keys, nkeys, deadline, b);
}

void bzpopminCommand(client *c) {
    blockingZpop(c, c->argv + 1, c->argc - 2, ZSET_MIN, c->argc - 1, -1, false);
}

void bzpopmaxCommand(client *c) {
    blockingZpop(c, c->argv + 1, c->argc - 2, ZSET_MAX, c->argc - 1, -1, false);
}

void bzmpopCommand(client *c) {
    long long numkeys, count;
    int where;
    if (parseMpopOrReply(c, 2, &numkeys, &where, &count) == C_ERR) return;
    blockingZpop(c, c->argv + 3, (int)numkeys, where, 1, count, true);
}

/* ---- ZRANDMEMBER ---- */

/* Above this many members per requested one, distinct picks are drawn at
 * random and deduplicated; below it, the whole set is copied and random
 * members are dropped instead (Redis's ZRANDMEMBER_SUB_STRATEGY_MUL). */
#define ZRANDMEMBER_SUB_STRATEGY_MUL 3

static size_t randomRank(size_t n) {
    uint64_t r = ((uint64_t)random() << 31) ^ (uint64_t)random();
    return (size_t)(r % n);
}

/* ZRANDMEMBER with a count: 'l' < 0 allows repeats, otherwise up to 'l'
 * distinct members. */
static void zrandmemberWithCount(client *c, long long l, bool withScores) {
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_ZSET, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyEmptyArray(c);
        return;
    }
    size_t size = zsetLength(kv);
    bool uniq = l >= 0;
    unsigned long long count = uniq ? (unsigned long long)l : (unsigned long long)-l;
    if (count == 0) {
        addReplyEmptyArray(c);
        return;
    }
    zmember m;
    zsetPicker pk;
    /* Repeats allowed (negative count), or a single pick. */
    if (!uniq || count == 1) {
        addReplyArrayLen(c, (long long)(withScores && c->resp == 2 ? count * 2 : count));
        zsetPickerInit(&pk, kv);
        while (count--) {
            zsetPick(&pk, randomRank(size), &m);
            zsetReplyMember(c, &m, withScores);
        }
        zsetPickerRelease(&pk);
        return;
    }
    size_t n = count < size ? (size_t)count : size;
    addReplyArrayLen(c, (long long)(withScores && c->resp == 2 ? n * 2 : n));
    if (count >= size) {
        /* The whole set, highest first: Redis walks its sources backwards. */
        zsetIter it;
        zsetIterInit(&it, kv, size - 1, true);
        while (zsetIterNext(&it, &m))
            zsetReplyMember(c, &m, withScores);
        zsetIterRelease(&it);
        return;
    }
    zsetPickerInit(&pk, kv);
    if (count * ZRANDMEMBER_SUB_STRATEGY_MUL > size) {
        /* Most of the set: a partial Fisher-Yates shuffle of all ranks. */
        size_t *ranks = tmalloc(sizeof(size_t) * size);
        for (size_t j = 0; j < size; j++)
            ranks[j] = j;
        for (size_t j = 0; j < n; j++) {
            size_t k = j + randomRank(size - j);
            size_t t = ranks[j];
            ranks[j] = ranks[k];
            ranks[k] = t;
            zsetPick(&pk, ranks[j], &m);
            zsetReplyMember(c, &m, withScores);
        }
        tfree(ranks);
        zsetPickerRelease(&pk);
        return;
    }
    /* A small part of a big set: random draws, repeats rejected. */
    pickSet seen;
    pickSetInit(&seen, n);
    for (size_t j = 0; j < n;) {
        size_t r = randomRank(size);
        if (!pickSetAdd(&seen, r)) continue;
        zsetPick(&pk, r, &m);
        zsetReplyMember(c, &m, withScores);
        j++;
    }
    pickSetRelease(&seen);
    zsetPickerRelease(&pk);
}

void zrandmemberCommand(client *c) {
    if (c->argc >= 3) {
        long long l;
        bool withScores;
        if (getRandomCountArgsOrReply(c, "withscores", &l, &withScores) == C_ERR) return;
        zrandmemberWithCount(c, l, withScores);
        return;
    }
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_ZSET, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyNull(c);
        return;
    }
    zmember m;
    zsetAtRank(kv, randomRank(zsetLength(kv)), &m);
    addReplyBulk(c, m.ptr, m.len);
}

/* ---- ZSCAN ---- */

/* ZSCAN over a compact set: every member, with the score as the listpack
 * stores it. */
typedef struct compactScan {
    client *c;
    const scanOpts *opt;
    long long n;
} compactScan;

static void compactScanCb(void *priv, const char *m, size_t len, const char *score, size_t slen) {
    compactScan *cs = priv;
    if (!scanMatches(cs->opt, m, len)) return;
    addReplyBulk(cs->c, m, len);
    addReplyBulk(cs->c, score, slen);
    cs->n += 2;
}

static long long zscanCompact(client *c, kvobj *kv, const scanOpts *o) {
    compactScan cs = {c, o, 0};
    zsetForEachCompact(kv, compactScanCb, &cs);
    return cs.n;
}

static uint64_t zscanStep(void *table, uint64_t cursor, htScanFn *fn, void *priv) {
    return zidxScan(table, cursor, fn, priv);
}

static long long zscanEntry(client *c, void *entry, const scanOpts *o) {
    zentry *e = entry;
    if (!scanMatches(o, zentryMember(e), zentryLen(e))) return 0;
    char buf[NUMFMT_DBL_BUF];
    addReplyBulk(c, zentryMember(e), zentryLen(e));
    addReplyBulk(c, buf, numDoubleToStr(buf, sizeof(buf), e->score));
    return 2;
}

/* A member counts one toward COUNT, as in Redis 7.0 (and as HSCAN counts
 * a field), so a ZSCAN call returns about COUNT members. */
static const collectionScanType zsetScanType = {
    OBJ_ZSET, OBJ_ENC_LISTPACK, zscanCompact, zscanStep, 1, zscanEntry,
};

void zscanCommand(client *c) {
    collectionScanCommand(c, &zsetScanType);
}
