/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Set commands on one set (SADD SREM SISMEMBER SMISMEMBER SCARD SMOVE)
 * and SSCAN, over the value layer of types/set.h.
 *
 * Costs: SADD/SREM/SISMEMBER O(1) on hashtable, O(log n) search plus O(n)
 * memmove on intset; SSCAN O(1) per call, O(n) for a whole iteration.
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

/* ---- single-set commands ---- */

void saddCommand(client *c) {
    bool wrong;
    slice key = c->argv[1];
    kvobj *kv = lookupWriteTyped(c, key, OBJ_SET, &wrong);
    if (wrong) return;
    setVal sv;
    kv = setOrCreate(c, kv, key, c->argv[2], &sv);
    long long added = 0;
    for (int j = 2; j < c->argc; j++) {
        setElem e = elemOfSlice(c->argv[j]);
        added += setValAdd(&sv, &e);
    }
    setValStore(kv, sv);
    if (added) {
        keyModified(c, key, NOTIFY_SET, "sadd");
    }
    addReplyLongLong(c, added);
}

void sremCommand(client *c) {
    bool wrong;
    slice key = c->argv[1];
    kvobj *kv = lookupWriteTyped(c, key, OBJ_SET, &wrong);
    if (wrong) return;
    long long deleted = 0;
    bool emptied = false;
    if (kv) {
        setVal sv = setValOf(kv);
        for (int j = 2; j < c->argc; j++) {
            setElem e = elemOfSlice(c->argv[j]);
            if (!setValRemove(&sv, &e)) continue;
            deleted++;
            if (setValSize(&sv) == 0) {
                emptied = true;
                break;
            }
        }
        setValStore(kv, sv);
    }
    if (deleted) {
        keyModified(c, key, NOTIFY_SET, "srem");
        if (emptied) setDeleteEmptied(c, key);
    }
    addReplyLongLong(c, deleted);
}

/* SISMEMBER and SMISMEMBER ('multi': an array with one answer per member;
 * SISMEMBER's arity leaves exactly one). */
static void sismemberGeneric(client *c, bool multi) {
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_SET, &wrong);
    if (wrong) return;
    setVal sv = kv ? setValOf(kv) : (setVal){0, NULL};
    if (multi) addReplyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        setElem e = elemOfSlice(c->argv[j]);
        addReplyLongLong(c, kv && setValContains(&sv, &e));
    }
}

void sismemberCommand(client *c) {
    sismemberGeneric(c, false);
}

void smismemberCommand(client *c) {
    sismemberGeneric(c, true);
}

void scardCommand(client *c) {
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_SET, &wrong);
    if (wrong) return;
    addReplyLongLong(c, kv ? (long long)setLength(kvGetPtr(kv), kv->encoding) : 0);
}

void smoveCommand(client *c) {
    slice src = c->argv[1], dst = c->argv[2];
    kvobj *srcKv = lookupWrite(c, src);
    kvobj *dstKv = lookupWrite(c, dst);
    /* A missing source answers 0 before any type check (Redis 7.0). */
    if (!srcKv) {
        addReplyLongLong(c, 0);
        return;
    }
    if (srcKv->type != OBJ_SET || (dstKv && dstKv->type != OBJ_SET)) {
        addReplyError(c, ERR_WRONGTYPE);
        return;
    }
    setElem e = elemOfSlice(c->argv[3]);
    setVal srcSv = setValOf(srcKv);
    if (srcKv == dstKv) {
        addReplyLongLong(c, setValContains(&srcSv, &e));
        return;
    }
    if (!setValRemove(&srcSv, &e)) {
        addReplyLongLong(c, 0);
        return;
    }
    setValStore(srcKv, srcSv);
    keyModified(c, src, NOTIFY_SET, "srem");
    if (setValSize(&srcSv) == 0) setDeleteEmptied(c, src);
    setVal dstSv;
    dstKv = setOrCreate(c, dstKv, dst, c->argv[3], &dstSv);
    bool added = setValAdd(&dstSv, &e);
    setValStore(dstKv, dstSv);
    if (added) {
        keyModified(c, dst, NOTIFY_SET, "sadd");
    }
    addReplyLongLong(c, 1);
}

/* ---- SSCAN ---- */

static long long sscanCompact(client *c, kvobj *kv, const scanOpts *o) {
    intset *is = kvGetPtr(kv);
    long long n = 0;
    for (uint32_t j = 0; j < intsetLength(is); j++) {
        char buf[NUMFMT_LL_MAX];
        size_t len = numLLToStr(buf, sizeof(buf), intsetGet(is, j));
        if (!scanMatches(o, buf, len)) continue;
        addReplyBulk(c, buf, len);
        n++;
    }
    return n;
}

static long long sscanEntry(client *c, void *entry, const scanOpts *o) {
    setMember *m = entry;
    if (!scanMatches(o, m->data, m->len)) return 0;
    addReplyBulk(c, m->data, m->len);
    return 1;
}

static const collectionScanType setScanType = {
    OBJ_SET, OBJ_ENC_INTSET, sscanCompact, scanStepHashtable, 1, sscanEntry,
};

void sscanCommand(client *c) {
    collectionScanCommand(c, &setScanType);
}
