/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Set algebra: SINTER, SUNION, SDIFF, their STORE forms, SINTERCARD and
 * SMEMBERS (an intersection of one), following Redis 7.0 step by step
 * where it shows (see types/set.c).
 *
 * Costs: SINTER O(n*m) for the smallest n; SUNION/SDIFF O(total members).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "core/args.h"
#include "core/command.h"
#include "core/db.h"
#include "core/errors.h"
#include "core/notify.h"
#include "core/propagate.h"
#include "ds/intset.h"
#include "ds/numfmt.h"
#include "net/reply.h"
#include "types/collection.h"
#include "types/set.h"
#include "types/zset.h"

/* ---- algebra ---- */

/* Looks up the 'n' keys as sets into 'sets' (a missing key gives a NULL
 * ptr).  Replies WRONGTYPE and returns C_ERR when one is not a set; every
 * key is checked even after a missing one, as Redis. */
static int lookupSetsOrReply(client *c, slice *keys, int n, bool forWrite, setVal *sets) {
    for (int j = 0; j < n; j++) {
        kvobj *kv = forWrite ? lookupWrite(c, keys[j]) : lookupRead(c, keys[j]);
        if (!kv) {
            sets[j] = (setVal){0, NULL};
            continue;
        }
        if (kv->type != OBJ_SET) {
            addReplyError(c, ERR_WRONGTYPE);
            return C_ERR;
        }
        sets[j] = setValOf(kv);
    }
    return C_OK;
}

/* SINTER, SINTERSTORE, SINTERCARD and SMEMBERS.  With 'dst' the result is
 * stored there; with 'cardOnly' only counted, stopping at 'limit' (0 = no
 * limit). */
static void sinterGeneric(client *c, slice *keys, int n, slice *dst, bool cardOnly,
                          long long limit) {
    setVal *sets = tmalloc(sizeof(setVal) * (size_t)n);
    if (lookupSetsOrReply(c, keys, n, dst != NULL, sets) == C_ERR) {
        tfree(sets);
        return;
    }
    bool empty = false;
    for (int j = 0; j < n; j++)
        empty |= sets[j].ptr == NULL;
    if (empty) {
        tfree(sets);
        if (dst) {
            dbDeleteNotify(c, *dst);
            addReplyLongLong(c, 0);
        } else if (cardOnly) {
            addReplyLongLong(c, 0);
        } else {
            addReplySetLen(c, 0);
        }
        return;
    }
    /* Smallest first (insertion sort: stable, and n is small). */
    for (int j = 1; j < n; j++) {
        setVal t = sets[j];
        int k = j;
        for (; k > 0 && setValSize(&sets[k - 1]) > setValSize(&t); k--)
            sets[k] = sets[k - 1];
        sets[k] = t;
    }
    setVal result = {0, NULL};
    void *deferred = NULL;
    if (dst)
        result = setValNewIntset();
    else if (!cardOnly)
        deferred = addReplyDeferredLen(c);
    long long card = 0;
    setIter it;
    setElem e;
    setIterInit(&it, sets[0]);
    while (setIterNext(&it, &e)) {
        int j = 1;
        for (; j < n; j++) {
            if (sets[j].ptr == sets[0].ptr) continue;
            if (!setValContains(&sets[j], &e)) break;
        }
        if (j < n) continue;
        if (cardOnly) {
            card++;
            if (limit && card >= limit) break;
        } else if (dst) {
            setValAdd(&result, &e);
        } else {
            addReplySetElem(c, &e);
            card++;
        }
    }
    setIterRelease(&it);
    tfree(sets);
    if (cardOnly)
        addReplyLongLong(c, card);
    else if (dst)
        setStoreResult(c, *dst, &result, "sinterstore");
    else
        setDeferredSetLen(c, deferred, card);
}

void sinterCommand(client *c) {
    sinterGeneric(c, c->argv + 1, c->argc - 1, NULL, false, 0);
}

void smembersCommand(client *c) {
    sinterGeneric(c, c->argv + 1, 1, NULL, false, 0);
}

void sinterstoreCommand(client *c) {
    sinterGeneric(c, c->argv + 2, c->argc - 2, &c->argv[1], false, 0);
}

void sintercardCommand(client *c) {
    long long numkeys, limit = 0;
    if (getRangeLongOrReply(c, c->argv[1], 1, LLONG_MAX, &numkeys,
                            "ERR numkeys should be greater than 0") == C_ERR)
        return;
    if (numkeys > c->argc - 2) {
        addReplyError(c, "ERR Number of keys can't be greater than number of args");
        return;
    }
    for (int j = 2 + (int)numkeys; j < c->argc; j++) {
        if (sliceIs(c->argv[j], "limit") && j + 1 < c->argc) {
            j++;
            if (getPositiveLongOrReply(c, c->argv[j], &limit, "ERR LIMIT can't be negative") ==
                C_ERR)
                return;
        } else {
            addReplyError(c, ERR_SYNTAX);
            return;
        }
    }
    sinterGeneric(c, c->argv + 2, (int)numkeys, NULL, true, limit);
}

/* SUNION, SDIFF and their STORE forms, and the whole-set replies of
 * SPOP/SRANDMEMBER.  The result is built as a set of its own (starting as an
 * intset), then replied in its order or stored at 'dst'. */
void sunionDiffGeneric(client *c, slice *keys, int n, slice *dst, int op) {
    setVal *sets = tmalloc(sizeof(setVal) * (size_t)n);
    if (lookupSetsOrReply(c, keys, n, dst != NULL, sets) == C_ERR) {
        tfree(sets);
        return;
    }
    bool sameset = false;
    for (int j = 1; j < n; j++)
        if (sets[0].ptr && sets[j].ptr == sets[0].ptr) sameset = true;
    int algo = 0;
    if (op == SET_OP_DIFF && sets[0].ptr && !sameset) {
        /* Algorithm 1 walks the first set and probes the others: about
         * n*|s0|/2 work.  Algorithm 2 copies the first set and removes the
         * members of the others: sum(|sj|).  Same choice as Redis, which
         * matters beyond speed: algorithm 2 can push the intermediate
         * result past the intset limit and leave a hashtable behind. */
        long long one = 0, two = 0;
        for (int j = 0; j < n; j++) {
            if (!sets[j].ptr) continue;
            one += (long long)setValSize(&sets[0]);
            two += (long long)setValSize(&sets[j]);
        }
        one /= 2;
        algo = one <= two ? 1 : 2;
        if (algo == 1) {
            /* Probe the biggest sets first: members leave sooner. */
            for (int j = 2; j < n; j++) {
                setVal t = sets[j];
                int k = j;
                for (; k > 1 && setValSize(&sets[k - 1]) < setValSize(&t); k--)
                    sets[k] = sets[k - 1];
                sets[k] = t;
            }
        }
    }
    setVal result = setValNewIntset();
    setIter it;
    setElem e;
    if (op == SET_OP_UNION) {
        for (int j = 0; j < n; j++) {
            if (!sets[j].ptr) continue;
            setIterInit(&it, sets[j]);
            while (setIterNext(&it, &e))
                setValAdd(&result, &e);
            setIterRelease(&it);
        }
    } else if (algo == 1) {
        setIterInit(&it, sets[0]);
        while (setIterNext(&it, &e)) {
            int j = 1;
            for (; j < n; j++) {
                if (!sets[j].ptr) continue;
                if (sets[j].ptr == sets[0].ptr || setValContains(&sets[j], &e)) break;
            }
            if (j == n) setValAdd(&result, &e);
        }
        setIterRelease(&it);
    } else if (algo == 2) {
        for (int j = 0; j < n; j++) {
            if (!sets[j].ptr) continue;
            setIterInit(&it, sets[j]);
            while (setIterNext(&it, &e)) {
                if (j == 0)
                    setValAdd(&result, &e);
                else
                    setValRemove(&result, &e);
            }
            setIterRelease(&it);
            if (setValSize(&result) == 0) break;
        }
    }
    tfree(sets);
    if (dst) {
        setStoreResult(c, *dst, &result, op == SET_OP_UNION ? "sunionstore" : "sdiffstore");
        return;
    }
    addReplySetLen(c, (long long)setValSize(&result));
    setIterInit(&it, result);
    while (setIterNext(&it, &e))
        addReplySetElem(c, &e);
    setIterRelease(&it);
    setValFree(&result);
}

void sunionCommand(client *c) {
    sunionDiffGeneric(c, c->argv + 1, c->argc - 1, NULL, SET_OP_UNION);
}

void sdiffCommand(client *c) {
    sunionDiffGeneric(c, c->argv + 1, c->argc - 1, NULL, SET_OP_DIFF);
}

void sunionstoreCommand(client *c) {
    sunionDiffGeneric(c, c->argv + 2, c->argc - 2, &c->argv[1], SET_OP_UNION);
}

void sdiffstoreCommand(client *c) {
    sunionDiffGeneric(c, c->argv + 2, c->argc - 2, &c->argv[1], SET_OP_DIFF);
}
