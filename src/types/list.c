/* SPDX-License-Identifier: BSD-3-Clause
 *
 * List commands, blocking ones included.  A list value is a chunklist
 * (ds/chunklist.h): packed chunks of entries in a doubly linked list, so
 * pushes and pops at either end are O(1), LINDEX/LSET/LRANGE skip whole
 * chunks from the nearer end, and the middle costs O(chunk).  OBJECT
 * ENCODING says "quicklist" for every list, as Redis 7.0 does.
 *
 * A list never exists empty: the command that removes the last element
 * deletes the key (and fires "del" after its own event).  Commands that
 * add elements call signalKeyAsReady so blocked BLPOP/BLMOVE/BLMPOP
 * clients are served once the command (or the EXEC around it) finishes.
 *
 * The blocking commands run the same code as their non-blocking forms when
 * a list is there; otherwise they copy what they need (direction, count,
 * destination key) into a listBlock and park the client with blockForKeys.
 * listServe later replays the immediate path for the key that got data.
 *
 * Argument checks come in Redis 7.0's order (which differs per command:
 * LRANGE parses indexes before the key lookup, LINDEX and LSET after it),
 * so every error reply matches byte for byte.
 */
#include "types/list.h"

#include <limits.h>
#include <string.h>

#include "core/args.h"
#include "core/blocking.h"
#include "core/command.h"
#include "core/db.h"
#include "core/errors.h"
#include "core/notify.h"
#include "core/propagate.h"
#include "ds/chunklist.h"
#include "ds/numfmt.h"
#include "net/reply.h"

int listMaxListpackSize = -2;
int listCompressDepth = 0;

#define ERR_ELEMENT_TOO_LARGE "ERR Element too large"

static inline chunklist *listOf(const kvobj *kv) { return kvGetPtr(kv); }

static void addReplyEntry(client *c, const clEntry *e) {
    if (e->str)
        addReplyBulk(c, e->str, e->len);
    else
        addReplyBulkLongLong(c, e->val);
}

/* Creates an empty list at 'key' in 'd' and returns its kvobj. */
static kvobj *listCreateKey(db *d, slice key) {
    chunklist *l = clCreate(listMaxListpackSize);
    kvobj *kv = kvNewPtr(key.ptr, key.len, OBJ_LIST, OBJ_ENC_QUICKLIST, l, -1);
    dbAdd(d, kv);
    return kv;
}

/* After elements left the list 'kv' at 'key': fires 'event', deletes the
 * key when the list is now empty (firing "del"), and touches WATCH.
 * 'kv' is invalid afterwards. */
static void listElementsRemoved(client *c, db *d, kvobj *kv, slice key, const char *event) {
    keyModifiedIn(c, d, key.ptr, key.len, NOTIFY_LIST, event);
    if (clLength(listOf(kv)) == 0) {
        dbDelete(d, key.ptr, key.len, false);
        notifyKeyspaceEvent(NOTIFY_GENERIC, "del", key.ptr, key.len, d->id);
    }
}

static const char *popEvent(int where) { return where == CL_HEAD ? "lpop" : "rpop"; }
static const char *pushEvent(int where) { return where == CL_HEAD ? "lpush" : "rpush"; }

/* Replies 'n' elements as an array, starting at 'start' and going towards
 * the tail, or towards the head with 'reverse'. */
static void addReplyListRange(client *c, const chunklist *l, size_t start, size_t n,
                              bool reverse) {
    addReplyArrayLen(c, (long long)n);
    clIter it;
    clIterInit(&it, l, start, reverse ? CL_TAIL : CL_HEAD);
    clEntry e;
    while (n-- && clIterNext(&it, &e)) addReplyEntry(c, &e);
}

/* Every pop replays as LPOP/RPOP of the one key it took from ('count'
 * elements, or one without a count when 'count' is 0): LMPOP, BLPOP and
 * BLMPOP name several keys and a timeout the replay must not depend on. */
static void propagatePop(client *c, slice key, int where, size_t count) {
    char buf[24];
    slice argv[3] = {propArgStr(where == CL_HEAD ? "LPOP" : "RPOP"), key,
                     propArgLongLong(buf, (long long)count)};
    propagateAs(c, count ? 3 : 2, argv);
}

/* Pops up to 'count' elements from one end of the list at 'key' and
 * replies them as an array in pop order; handles events and deletion. */
static void popRangeAndReply(client *c, db *d, kvobj *kv, slice key, int where, size_t count) {
    chunklist *l = listOf(kv);
    size_t llen = clLength(l);
    size_t n = count < llen ? count : llen;
    if (where == CL_HEAD) {
        addReplyListRange(c, l, 0, n, false);
        clDeleteRange(l, 0, n);
    } else {
        addReplyListRange(c, l, llen - 1, n, true);
        clDeleteRange(l, llen - n, n);
    }
    propagatePop(c, key, where, n);
    listElementsRemoved(c, d, kv, key, popEvent(where));
}

/* Pops one element and replies [key, element] (BLPOP/BRPOP). */
static void popOneWithKeyAndReply(client *c, db *d, kvobj *kv, slice key, int where) {
    chunklist *l = listOf(kv);
    clEntry e;
    clPeek(l, where, &e);
    addReplyArrayLen(c, 2);
    addReplyBulkSlice(c, key);
    addReplyEntry(c, &e);
    clPopDiscard(l, where);
    propagatePop(c, key, where, 0);
    listElementsRemoved(c, d, kv, key, popEvent(where));
}

/* Pops up to 'count' and replies [key, [elements]] (LMPOP/BLMPOP). */
static void popRangeWithKeyAndReply(client *c, db *d, kvobj *kv, slice key, int where,
                                    size_t count) {
    addReplyArrayLen(c, 2);
    addReplyBulkSlice(c, key);
    popRangeAndReply(c, d, kv, key, where, count);
}

/* Moves one element from 'src' (at 'srcKey', non-empty) to 'dst' (at
 * 'dstKey', NULL if absent; the caller checked its type) and replies it.
 * 'src' and 'dst' may be the same list. */
static void listMoveAndReply(client *c, db *d, kvobj *src, slice srcKey, kvobj *dst,
                             slice dstKey, int from, int to) {
    chunklist *sl = listOf(src);
    clEntry e;
    clPeek(sl, from, &e);
    /* Copy the element out: popping may free the chunk it lives in, and
     * the destination may be the same list. */
    char ibuf[CL_INT_BUF], small[128];
    const unsigned char *p;
    size_t len = clEntryBytes(&e, ibuf, &p);
    char *val = len <= sizeof(small) ? small : tmalloc(len);
    memcpy(val, p, len);
    clPopDiscard(sl, from);
    if (!dst) dst = listCreateKey(d, dstKey);
    clPush(listOf(dst), to, val, len);
    keyModifiedIn(c, d, dstKey.ptr, dstKey.len, NOTIFY_LIST, pushEvent(to));
    signalKeyAsReady(d, dstKey.ptr, dstKey.len);
    addReplyBulk(c, val, len);
    if (val != small) tfree(val);
    /* BLMOVE and BRPOPLPUSH replay as the move they made. */
    slice prop[5] = {propArgStr("LMOVE"), srcKey, dstKey,
                     propArgStr(from == CL_HEAD ? "LEFT" : "RIGHT"),
                     propArgStr(to == CL_HEAD ? "LEFT" : "RIGHT")};
    propagateAs(c, 5, prop);
    listElementsRemoved(c, d, src, srcKey, popEvent(from));
}

/* Parses LEFT|RIGHT. */
static int getListPositionOrReply(client *c, slice s, int *where) {
    if (sliceIs(s, "left")) {
        *where = CL_HEAD;
    } else if (sliceIs(s, "right")) {
        *where = CL_TAIL;
    } else {
        addReplyError(c, ERR_SYNTAX);
        return C_ERR;
    }
    return C_OK;
}

/* ---- push ---- */

/* LPUSH/RPUSH/LPUSHX/RPUSHX: 'xx' pushes only onto an existing list. */
static void pushGenericCommand(client *c, int where, bool xx) {
    for (int j = 2; j < c->argc; j++) {
        if (c->argv[j].len > CL_MAX_ELEMENT) {
            addReplyError(c, ERR_ELEMENT_TOO_LARGE);
            return;
        }
    }
    slice key = c->argv[1];
    bool wrong;
    kvobj *kv = lookupWriteTyped(c, key, OBJ_LIST, &wrong);
    if (wrong) return;
    if (!kv) {
        if (xx) {
            addReplyLongLong(c, 0);
            return;
        }
        kv = listCreateKey(c->db, key);
    }
    chunklist *l = listOf(kv);
    for (int j = 2; j < c->argc; j++) clPush(l, where, c->argv[j].ptr, c->argv[j].len);
    addReplyLongLong(c, (long long)clLength(l));
    keyModified(c, key, NOTIFY_LIST, pushEvent(where));
    signalKeyAsReady(c->db, key.ptr, key.len);
}

/* LPUSH key element [element ...]: O(1) per element. */
void lpushCommand(client *c) { pushGenericCommand(c, CL_HEAD, false); }
/* RPUSH key element [element ...]: O(1) per element. */
void rpushCommand(client *c) { pushGenericCommand(c, CL_TAIL, false); }
/* LPUSHX key element [element ...]: like LPUSH, only onto an existing list. */
void lpushxCommand(client *c) { pushGenericCommand(c, CL_HEAD, true); }
/* RPUSHX key element [element ...]: like RPUSH, only onto an existing list. */
void rpushxCommand(client *c) { pushGenericCommand(c, CL_TAIL, true); }

/* ---- pop ---- */

/* LPOP/RPOP key [count]: one element as a bulk, or with a count an array
 * (null array for a missing key, empty array for count 0). */
static void popGenericCommand(client *c, int where) {
    if (c->argc > 3) {
        addReplyErrorArity(c);
        return;
    }
    bool hasCount = c->argc == 3;
    long long count = 0;
    if (hasCount && getPositiveLongOrReply(c, c->argv[2], &count,
                                           "ERR value is out of range, must be positive") == C_ERR)
        return;
    slice key = c->argv[1];
    bool wrong;
    kvobj *kv = lookupWriteTyped(c, key, OBJ_LIST, &wrong);
    if (wrong) return;
    if (!kv) {
        if (hasCount)
            addReplyNullArray(c);
        else
            addReplyNull(c);
        return;
    }
    if (hasCount && count == 0) {
        addReplyEmptyArray(c);
        return;
    }
    if (!hasCount) {
        chunklist *l = listOf(kv);
        clEntry e;
        clPeek(l, where, &e);
        addReplyEntry(c, &e);
        clPopDiscard(l, where);
        listElementsRemoved(c, c->db, kv, key, popEvent(where));
        return;
    }
    popRangeAndReply(c, c->db, kv, key, where, (size_t)count);
}

/* LPOP key [count]: O(count). */
void lpopCommand(client *c) { popGenericCommand(c, CL_HEAD); }
/* RPOP key [count]: O(count). */
void rpopCommand(client *c) { popGenericCommand(c, CL_TAIL); }

/* ---- reads ---- */

/* LLEN key: O(1). */
void llenCommand(client *c) {
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_LIST, &wrong);
    if (wrong) return;
    addReplyLongLong(c, kv ? (long long)clLength(listOf(kv)) : 0);
}

/* LINDEX key index: O(distance from the nearer end / chunk size + 16). */
void lindexCommand(client *c) {
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_LIST, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyNull(c);
        return;
    }
    long long idx;
    if (getLongLongOrReply(c, c->argv[2], &idx, NULL) == C_ERR) return;
    clEntry e;
    if (clIndex(listOf(kv), idx, &e))
        addReplyEntry(c, &e);
    else
        addReplyNull(c);
}

/* LRANGE key start stop: O(skip to start + elements returned). */
void lrangeCommand(client *c) {
    long long start, end;
    if (getLongLongOrReply(c, c->argv[2], &start, NULL) == C_ERR ||
        getLongLongOrReply(c, c->argv[3], &end, NULL) == C_ERR)
        return;
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_LIST, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyEmptyArray(c);
        return;
    }
    chunklist *l = listOf(kv);
    long long llen = (long long)clLength(l);
    if (start < 0) start += llen;
    if (end < 0) end += llen;
    if (start < 0) start = 0;
    if (start > end || start >= llen) {
        addReplyEmptyArray(c);
        return;
    }
    if (end >= llen) end = llen - 1;
    addReplyListRange(c, l, (size_t)start, (size_t)(end - start + 1), false);
}

/* LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]: O(N). */
void lposCommand(client *c) {
    long long rank = 1, count = -1, maxlen = 0;
    for (int j = 3; j < c->argc; j++) {
        bool more = j + 1 < c->argc;
        if (sliceIs(c->argv[j], "rank") && more) {
            if (getLongLongOrReply(c, c->argv[++j], &rank, NULL) == C_ERR) return;
            if (rank == 0) {
                addReplyError(c, "ERR RANK can't be zero: use 1 to start from the first match, 2 "
                                 "from the second ... or use negative to start from the end of "
                                 "the list");
                return;
            }
        } else if (sliceIs(c->argv[j], "count") && more) {
            if (getPositiveLongOrReply(c, c->argv[++j], &count, "ERR COUNT can't be negative") ==
                C_ERR)
                return;
        } else if (sliceIs(c->argv[j], "maxlen") && more) {
            if (getPositiveLongOrReply(c, c->argv[++j], &maxlen, "ERR MAXLEN can't be negative") ==
                C_ERR)
                return;
        } else {
            addReplyError(c, ERR_SYNTAX);
            return;
        }
    }
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_LIST, &wrong);
    if (wrong) return;
    if (!kv) {
        if (count != -1)
            addReplyEmptyArray(c);
        else
            addReplyNull(c);
        return;
    }
    chunklist *l = listOf(kv);
    size_t llen = clLength(l);
    int dir = CL_HEAD;
    /* The matches to skip before reporting.  Redis 7.0 negates a negative
     * rank, so RANK LLONG_MIN stays negative there: it then reports from
     * the first match from the tail and COUNT never stops it. */
    unsigned long long skip;
    bool countLimits = count > 0;
    if (rank < 0) {
        dir = CL_TAIL;
        if (rank == LLONG_MIN) {
            skip = 0;
            countLimits = false;
        } else {
            skip = (unsigned long long)(-rank) - 1;
        }
    } else {
        skip = (unsigned long long)rank - 1;
    }
    clNeedle needle;
    clNeedleInit(&needle, c->argv[2].ptr, c->argv[2].len);
    void *h = count != -1 ? addReplyDeferredLen(c) : NULL;
    long long found = 0;
    unsigned long long matches = 0;
    clIter it;
    clIterInit(&it, l, dir == CL_HEAD ? 0 : llen - 1, dir);
    clEntry e;
    for (size_t index = 0; (maxlen == 0 || (long long)index < maxlen) && clIterNext(&it, &e);
         index++) {
        if (!clMatches(&e, &needle) || matches++ < skip) continue;
        long long pos = dir == CL_HEAD ? (long long)index : (long long)(llen - index - 1);
        if (!h) {
            addReplyLongLong(c, pos);
            return;
        }
        addReplyLongLong(c, pos);
        found++;
        if (countLimits && found >= count) break;
    }
    if (h)
        setDeferredArrayLen(c, h, found);
    else
        addReplyNull(c);
}

/* ---- changes in the middle ---- */

/* LSET key index element: O(distance / chunk size + chunk size). */
void lsetCommand(client *c) {
    bool wrong;
    kvobj *kv = lookupWriteTyped(c, c->argv[1], OBJ_LIST, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyError(c, ERR_NO_SUCH_KEY);
        return;
    }
    long long idx;
    if (getLongLongOrReply(c, c->argv[2], &idx, NULL) == C_ERR) return;
    slice val = c->argv[3];
    if (val.len > CL_MAX_ELEMENT) {
        addReplyError(c, ERR_ELEMENT_TOO_LARGE);
        return;
    }
    chunklist *l = listOf(kv);
    long long llen = (long long)clLength(l);
    if (idx < 0) idx += llen;
    if (idx < 0 || idx >= llen) {
        addReplyError(c, ERR_OUT_OF_RANGE);
        return;
    }
    clReplaceAt(l, (size_t)idx, val.ptr, val.len);
    addReplyOK(c);
    keyModified(c, c->argv[1], NOTIFY_LIST, "lset");
}

/* LINSERT key BEFORE|AFTER pivot element: O(distance to the pivot). */
void linsertCommand(client *c) {
    bool after;
    if (sliceIs(c->argv[2], "after")) {
        after = true;
    } else if (sliceIs(c->argv[2], "before")) {
        after = false;
    } else {
        addReplyError(c, ERR_SYNTAX);
        return;
    }
    if (c->argv[4].len > CL_MAX_ELEMENT) {
        addReplyError(c, ERR_ELEMENT_TOO_LARGE);
        return;
    }
    bool wrong;
    kvobj *kv = lookupWriteTyped(c, c->argv[1], OBJ_LIST, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyLongLong(c, 0);
        return;
    }
    chunklist *l = listOf(kv);
    clNeedle needle;
    clNeedleInit(&needle, c->argv[3].ptr, c->argv[3].len);
    clIter it;
    clIterInit(&it, l, 0, CL_HEAD);
    clEntry e;
    size_t idx = 0;
    bool found = false;
    while (clIterNext(&it, &e)) {
        if (clMatches(&e, &needle)) {
            found = true;
            break;
        }
        idx++;
    }
    if (!found) {
        addReplyLongLong(c, -1);
        return;
    }
    clInsertAt(l, idx + (after ? 1 : 0), c->argv[4].ptr, c->argv[4].len);
    keyModified(c, c->argv[1], NOTIFY_LIST, "linsert");
    addReplyLongLong(c, (long long)clLength(l));
}

/* LREM key count element: O(N), one pass and one compaction per chunk. */
void lremCommand(client *c) {
    long long count;
    if (getLongLongOrReply(c, c->argv[2], &count, NULL) == C_ERR) return;
    bool wrong;
    slice key = c->argv[1];
    kvobj *kv = lookupWriteTyped(c, key, OBJ_LIST, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyLongLong(c, 0);
        return;
    }
    clNeedle needle;
    clNeedleInit(&needle, c->argv[3].ptr, c->argv[3].len);
    size_t removed;
    if (count < 0)
        removed = clRemoveEqual(listOf(kv), &needle, CL_TAIL, 0ULL - (unsigned long long)count);
    else
        removed = clRemoveEqual(listOf(kv), &needle, CL_HEAD, (size_t)count);
    if (removed) listElementsRemoved(c, c->db, kv, key, "lrem");
    addReplyLongLong(c, (long long)removed);
}

/* LTRIM key start stop: O(elements removed). */
void ltrimCommand(client *c) {
    long long start, end;
    if (getLongLongOrReply(c, c->argv[2], &start, NULL) == C_ERR ||
        getLongLongOrReply(c, c->argv[3], &end, NULL) == C_ERR)
        return;
    bool wrong;
    slice key = c->argv[1];
    kvobj *kv = lookupWriteTyped(c, key, OBJ_LIST, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyOK(c);
        return;
    }
    chunklist *l = listOf(kv);
    long long llen = (long long)clLength(l), ltrim, rtrim;
    if (start < 0) start += llen;
    if (end < 0) end += llen;
    if (start < 0) start = 0;
    if (start > end || start >= llen) {
        ltrim = llen; /* everything goes */
        rtrim = 0;
    } else {
        if (end >= llen) end = llen - 1;
        ltrim = start;
        rtrim = llen - end - 1;
    }
    clDeleteRange(l, 0, (size_t)ltrim);
    clDeleteRange(l, clLength(l) - (size_t)rtrim, (size_t)rtrim);
    listElementsRemoved(c, c->db, kv, key, "ltrim");
    addReplyOK(c);
}

/* ---- moves ---- */

/* LMOVE/RPOPLPUSH core: pops from argv[1], pushes to argv[2]. */
static void lmoveGeneric(client *c, int from, int to) {
    bool wrong;
    kvobj *src = lookupWriteTyped(c, c->argv[1], OBJ_LIST, &wrong);
    if (wrong) return;
    if (!src) {
        addReplyNull(c);
        return;
    }
    kvobj *dst = lookupWriteTyped(c, c->argv[2], OBJ_LIST, &wrong);
    if (wrong) return;
    listMoveAndReply(c, c->db, src, c->argv[1], dst, c->argv[2], from, to);
}

/* LMOVE source destination LEFT|RIGHT LEFT|RIGHT: O(1). */
void lmoveCommand(client *c) {
    int from, to;
    if (getListPositionOrReply(c, c->argv[3], &from) == C_ERR ||
        getListPositionOrReply(c, c->argv[4], &to) == C_ERR)
        return;
    lmoveGeneric(c, from, to);
}

/* RPOPLPUSH source destination: LMOVE source destination RIGHT LEFT. */
void rpoplpushCommand(client *c) { lmoveGeneric(c, CL_TAIL, CL_HEAD); }

/* ---- LMPOP and the blocking commands ---- */

enum { BLOCK_POP, BLOCK_MPOP, BLOCK_MOVE };

/* What a blocked list client will do, copied out of its arguments. */
typedef struct listBlock {
    int kind;
    int where, whereto;
    size_t count;
    size_t targetLen;
    char target[]; /* BLMOVE destination key */
} listBlock;

static bool listServe(client *c, kvobj *kv, slice key, void *priv) {
    listBlock *b = priv;
    switch (b->kind) {
        case BLOCK_POP: popOneWithKeyAndReply(c, c->db, kv, key, b->where); break;
        case BLOCK_MPOP: popRangeWithKeyAndReply(c, c->db, kv, key, b->where, b->count); break;
        default: {
            slice dkey = {b->target, b->targetLen};
            kvobj *dst = lookupKeyWrite(c->db, dkey.ptr, dkey.len);
            if (dst && dst->type != OBJ_LIST) {
                /* Redis 7.0 unblocks the client with the error and leaves
                 * the element where it was. */
                addReplyError(c, ERR_WRONGTYPE);
                break;
            }
            listMoveAndReply(c, c->db, kv, key, dst, dkey, b->where, b->whereto);
            break;
        }
    }
    return true;
}

/* Timeouts reply a null array for every list command, BLMOVE included. */
static const blockOps listBlockOps = {OBJ_LIST, listServe, NULL, NULL};

static listBlock *newListBlock(int kind, int where, int whereto, size_t count, slice target) {
    listBlock *b = tmalloc(sizeof(*b) + target.len);
    b->kind = kind;
    b->where = where;
    b->whereto = whereto;
    b->count = count;
    b->targetLen = target.len;
    if (target.len) memcpy(b->target, target.ptr, target.len);
    return b;
}

/* BLPOP/BRPOP key [key ...] timeout. */
static void blockingPopGenericCommand(client *c, int where) {
    long long deadline;
    if (getTimeoutOrReply(c, c->argv[c->argc - 1], &deadline) == C_ERR) return;
    for (int j = 1; j < c->argc - 1; j++) {
        kvobj *kv = lookupWrite(c, c->argv[j]);
        if (!kv) continue;
        if (kv->type != OBJ_LIST) {
            addReplyError(c, ERR_WRONGTYPE);
            return;
        }
        popOneWithKeyAndReply(c, c->db, kv, c->argv[j], where);
        return;
    }
    /* Inside EXEC or a script nothing can arrive: answer as a timeout. */
    if (c->flags & CLIENT_DENY_BLOCKING) {
        addReplyNullArray(c);
        return;
    }
    slice none = {NULL, 0};
    blockForKeys(c, &listBlockOps, c->argv + 1, c->argc - 2, deadline,
                 newListBlock(BLOCK_POP, where, 0, 1, none));
}

/* BLPOP key [key ...] timeout: O(number of keys). */
void blpopCommand(client *c) { blockingPopGenericCommand(c, CL_HEAD); }
/* BRPOP key [key ...] timeout: O(number of keys). */
void brpopCommand(client *c) { blockingPopGenericCommand(c, CL_TAIL); }

/* BLMOVE/BRPOPLPUSH core: 'timeoutArg' is parsed after the directions. */
static void blmoveGeneric(client *c, int from, int to, slice timeoutArg) {
    long long deadline;
    if (getTimeoutOrReply(c, timeoutArg, &deadline) == C_ERR) return;
    bool wrong;
    kvobj *src = lookupWriteTyped(c, c->argv[1], OBJ_LIST, &wrong);
    if (wrong) return;
    if (src) {
        kvobj *dst = lookupWriteTyped(c, c->argv[2], OBJ_LIST, &wrong);
        if (wrong) return;
        listMoveAndReply(c, c->db, src, c->argv[1], dst, c->argv[2], from, to);
        return;
    }
    if (c->flags & CLIENT_DENY_BLOCKING) {
        addReplyNull(c);
        return;
    }
    blockForKeys(c, &listBlockOps, c->argv + 1, 1, deadline,
                 newListBlock(BLOCK_MOVE, from, to, 1, c->argv[2]));
}

/* BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout: O(1). */
void blmoveCommand(client *c) {
    int from, to;
    if (getListPositionOrReply(c, c->argv[3], &from) == C_ERR ||
        getListPositionOrReply(c, c->argv[4], &to) == C_ERR)
        return;
    blmoveGeneric(c, from, to, c->argv[5]);
}

/* BRPOPLPUSH source destination timeout: BLMOVE ... RIGHT LEFT. */
void brpoplpushCommand(client *c) { blmoveGeneric(c, CL_TAIL, CL_HEAD, c->argv[3]); }

/* LMPOP/BLMPOP: numkeys at argv[numkeysIdx], then the keys, LEFT|RIGHT and
 * an optional COUNT.  BLMPOP passes the index of its timeout ('timeoutIdx',
 * 0 for LMPOP), which is parsed only after everything else, as Redis does:
 * `BLMPOP -1 1 k LEFT COUNT 0` is a count error, not a timeout error. */
static void mpopGenericCommand(client *c, int numkeysIdx, int timeoutIdx) {
    long long numkeys, count = -1, deadline = 0;
    bool block = timeoutIdx > 0;
    if (getRangeLongOrReply(c, c->argv[numkeysIdx], 1, LONG_MAX, &numkeys,
                            "ERR numkeys should be greater than 0") == C_ERR)
        return;
    if (numkeys >= c->argc - numkeysIdx - 1) {
        addReplyError(c, ERR_SYNTAX);
        return;
    }
    int whereIdx = numkeysIdx + (int)numkeys + 1, where;
    if (getListPositionOrReply(c, c->argv[whereIdx], &where) == C_ERR) return;
    for (int j = whereIdx + 1; j < c->argc; j++) {
        if (count == -1 && sliceIs(c->argv[j], "count") && j + 1 < c->argc) {
            if (getRangeLongOrReply(c, c->argv[++j], 1, LONG_MAX, &count,
                                    "ERR count should be greater than 0") == C_ERR)
                return;
        } else {
            addReplyError(c, ERR_SYNTAX);
            return;
        }
    }
    if (count == -1) count = 1;
    if (block && getTimeoutOrReply(c, c->argv[timeoutIdx], &deadline) == C_ERR) return;
    slice *keys = c->argv + numkeysIdx + 1;
    for (int j = 0; j < (int)numkeys; j++) {
        kvobj *kv = lookupWrite(c, keys[j]);
        if (!kv) continue;
        if (kv->type != OBJ_LIST) {
            addReplyError(c, ERR_WRONGTYPE);
            return;
        }
        popRangeWithKeyAndReply(c, c->db, kv, keys[j], where, (size_t)count);
        return;
    }
    if (!block || (c->flags & CLIENT_DENY_BLOCKING)) {
        addReplyNullArray(c);
        return;
    }
    slice none = {NULL, 0};
    blockForKeys(c, &listBlockOps, keys, (int)numkeys, deadline,
                 newListBlock(BLOCK_MPOP, where, 0, (size_t)count, none));
}

/* LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]. */
void lmpopCommand(client *c) { mpopGenericCommand(c, 1, 0); }

/* BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]. */
void blmpopCommand(client *c) { mpopGenericCommand(c, 2, 1); }

/* ---- type registration ---- */

static void listFreeValue(void *ptr, int encoding) { clRelease(ptr); }

static void *listDupValue(const void *ptr, int encoding) { return clDup(ptr); }

static size_t listValueMemory(const void *ptr, int encoding, size_t samples) {
    return clMemoryUsage(ptr);
}

static size_t listLengthOf(const void *ptr, int encoding) { return clLength(ptr); }

static void listDigest(const void *ptr, int encoding,
                       void (*mix)(void *state, const void *p, size_t len), void *state) {
    clIter it;
    clIterInit(&it, ptr, 0, CL_HEAD);
    clEntry e;
    while (clIterNext(&it, &e)) {
        char buf[CL_INT_BUF];
        const unsigned char *p;
        size_t len = clEntryBytes(&e, buf, &p);
        mix(state, p, len);
    }
}

static const objTypeOps listTypeOps = {"list", listFreeValue, listDupValue, listValueMemory,
                                       listLengthOf, listDigest};

void listRegisterType(void) { objRegisterType(OBJ_LIST, &listTypeOps); }
