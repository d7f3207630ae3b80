/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Random members: SPOP (propagated as the SREMs it did) and SRANDMEMBER,
 * with and without a count.
 *
 * Costs: O(1) without a count; with a count O(n + count) at worst.
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

/* ---- random members ---- */

/* Picks 'count' distinct positions out of 'n' by selection sampling into
 * 'out' (ascending).  O(n). */
static void samplePositions(size_t n, size_t count, uint32_t *out) {
    size_t got = 0;
    for (size_t j = 0; j < n && got < count; j++)
        if ((size_t)random() % (n - j) < count - got) out[got++] = (uint32_t)j;
}

static void shuffleInts(long long *v, size_t n) {
    for (size_t j = n; j > 1; j--) {
        size_t k = (size_t)random() % j;
        long long t = v[j - 1];
        v[j - 1] = v[k];
        v[k] = t;
    }
}

/* A SPOP replays as the SREM of the members it took: they are gathered
 * as they are popped and sent SPOP_PROP_BATCH to a command (Redis batches
 * them the same way).  Nothing is gathered when no one consumes the
 * propagation stream. */
#define SPOP_PROP_BATCH 1024

typedef struct spopProp {
    client *c;
    slice key;
    bool on;
    int n;
    sbuf *bytes; /* the batch's members back to back */
    size_t lens[SPOP_PROP_BATCH];
} spopProp;

static void spopPropInit(spopProp *p, client *c, slice key) {
    p->c = c;
    p->key = key;
    p->on = propagateWanted();
    p->n = 0;
    p->bytes = NULL;
}

static void spopPropFlush(spopProp *p) {
    if (p->n == 0) return;
    slice *argv = tmalloc(sizeof(slice) * (size_t)(p->n + 2));
    argv[0] = propArgStr("SREM");
    argv[1] = p->key;
    size_t off = 0;
    for (int j = 0; j < p->n; j++) {
        argv[j + 2] = (slice){p->bytes->buf + off, p->lens[j]};
        off += p->lens[j];
    }
    propagateAs(p->c, p->n + 2, argv);
    tfree(argv);
    sbufFree(p->bytes);
    p->bytes = NULL;
    p->n = 0;
}

static void spopPropAdd(spopProp *p, const char *m, size_t len) {
    if (!p->on) return;
    if (!p->bytes) p->bytes = sbufNewCap(256);
    p->bytes = sbufCat(p->bytes, m, len);
    p->lens[p->n++] = len;
    if (p->n == SPOP_PROP_BATCH) spopPropFlush(p);
}

static void spopPropAddInt(spopProp *p, long long v) {
    char buf[24];
    slice s = propArgLongLong(buf, v);
    spopPropAdd(p, s.ptr, s.len);
}

/* SPOP key count with 0 < count < size. */
static void spopSome(client *c, kvobj *kv, slice key, size_t count) {
    spopProp prop;
    spopPropInit(&prop, c, key);
    setVal sv = setValOf(kv);
    size_t size = setValSize(&sv), remaining = size - count;
    /* Popping few: random picks; popping most: keep a random few instead
     * (Redis's SPOP_MOVE_STRATEGY_MUL of 5). */
    bool popFew = remaining * 5 > count;
    addReplySetLen(c, (long long)count);
    if (sv.enc == OBJ_ENC_INTSET) {
        /* One pass: choose the positions, reply them, compact the rest. */
        intset *is = sv.ptr;
        uint32_t *pos = tmalloc(sizeof(uint32_t) * count);
        samplePositions(size, count, pos);
        long long *popped = tmalloc(sizeof(long long) * count);
        for (size_t k = 0; k < count; k++)
            popped[k] = intsetGet(is, pos[k]);
        kvSetPtr(kv, intsetRemovePositions(is, pos, count));
        /* Redis replies few pops in pick order and many in set order. */
        if (popFew) shuffleInts(popped, count);
        for (size_t k = 0; k < count; k++) {
            addReplyBulkLongLong(c, popped[k]);
            spopPropAddInt(&prop, popped[k]);
        }
        spopPropFlush(&prop);
        tfree(popped);
        tfree(pos);
        return;
    }
    hashtable *ht = sv.ptr;
    if (popFew) {
        while (count--) {
            setMember *m = htRandom(ht);
            htUnlink(ht, m->data, m->len);
            addReplyBulk(c, m->data, m->len);
            spopPropAdd(&prop, m->data, m->len);
            tfree(m);
        }
        spopPropFlush(&prop);
        return;
    }
    /* Move the members that stay into a new table; reply the old one. */
    hashtable *keep = htCreate(&setMemberType);
    while (remaining--) {
        setMember *m = htRandom(ht);
        htUnlink(ht, m->data, m->len);
        htAddNew(keep, m);
    }
    htIterator it;
    htIterInit(&it, ht, false);
    setMember *m;
    while ((m = htNext(&it))) {
        addReplyBulk(c, m->data, m->len);
        spopPropAdd(&prop, m->data, m->len);
    }
    htIterRelease(&it);
    spopPropFlush(&prop);
    htRelease(ht);
    kvSetPtr(kv, keep);
}

void spopCommand(client *c) {
    slice key = c->argv[1];
    if (c->argc > 3) {
        addReplyError(c, ERR_SYNTAX);
        return;
    }
    bool wrong;
    if (c->argc == 3) {
        long long count;
        if (getPositiveLongOrReply(c, c->argv[2], &count,
                                   "ERR value is out of range, must be positive") == C_ERR)
            return;
        kvobj *kv = lookupWriteTyped(c, key, OBJ_SET, &wrong);
        if (wrong) return;
        if (!kv || count == 0) {
            addReplySetLen(c, 0);
            return;
        }
        size_t size = setLength(kvGetPtr(kv), kv->encoding);
        keyModified(c, key, NOTIFY_SET, "spop");
        if ((unsigned long long)count >= size) {
            sunionDiffGeneric(c, &key, 1, NULL, SET_OP_UNION);
            setDeleteEmptied(c, key);
            slice prop[2] = {propArgStr("DEL"), key};
            propagateAs(c, 2, prop);
        } else {
            spopSome(c, kv, key, (size_t)count);
        }
        return;
    }
    kvobj *kv = lookupWriteTyped(c, key, OBJ_SET, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyNull(c);
        return;
    }
    setVal sv = setValOf(kv);
    setElem e = setValRandom(&sv);
    char buf[24];
    slice prop[3] = {propArgStr("SREM"), key, {(char *)e.s, e.len}};
    if (e.isInt) prop[2] = propArgLongLong(buf, e.v);
    /* Before the member's bytes go away with it. */
    propagateAs(c, 3, prop);
    if (e.isInt) {
        addReplyBulkLongLong(c, e.v);
        kvSetPtr(kv, intsetRemove(sv.ptr, e.v, NULL));
    } else {
        addReplyBulk(c, e.s, e.len);
        htDelete(sv.ptr, e.s, e.len); /* frees the bytes 'e' pointed at */
    }
    keyModified(c, key, NOTIFY_SET, "spop");
    if (setLength(kvGetPtr(kv), kv->encoding) == 0) setDeleteEmptied(c, key);
}

static void addReplyPickedMember(void *priv, void *entry) {
    setMember *m = entry;
    addReplyBulk(priv, m->data, m->len);
}

/* SRANDMEMBER key count with 1 < count < size: distinct members. */
static void srandmemberDistinct(client *c, setVal *sv, size_t count) {
    size_t size = setValSize(sv);
    addReplyArrayLen(c, (long long)count);
    if (sv->enc == OBJ_ENC_INTSET) {
        uint32_t *pos = tmalloc(sizeof(uint32_t) * count);
        long long *vals = tmalloc(sizeof(long long) * count);
        samplePositions(size, count, pos);
        for (size_t k = 0; k < count; k++)
            vals[k] = intsetGet(sv->ptr, pos[k]);
        shuffleInts(vals, count);
        for (size_t k = 0; k < count; k++)
            addReplyBulkLongLong(c, vals[k]);
        tfree(vals);
        tfree(pos);
        return;
    }
    pickDistinctEntries(sv->ptr, count, addReplyPickedMember, c);
}

void srandmemberCommand(client *c) {
    if (c->argc > 3) {
        addReplyError(c, ERR_SYNTAX);
        return;
    }
    bool wrong;
    if (c->argc == 3) {
        long long l;
        if (getSignedCountOrReply(c, c->argv[2], &l) == C_ERR) return;
        kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_SET, &wrong);
        if (wrong) return;
        if (!kv || l == 0) {
            addReplyEmptyArray(c);
            return;
        }
        bool uniq = l > 0;
        unsigned long long count = uniq ? (unsigned long long)l : (unsigned long long)-l;
        setVal sv = setValOf(kv);
        if (!uniq || count == 1) {
            addReplyArrayLen(c, (long long)count);
            while (count--) {
                setElem e = setValRandom(&sv);
                addReplySetElem(c, &e);
                if (c->flags & CLIENT_CLOSE_ASAP) break;
            }
            return;
        }
        if (count >= setValSize(&sv)) {
            /* The whole set in its own order, as an array (unlike SPOP,
             * which replies a freshly built set). */
            addReplyArrayLen(c, (long long)setValSize(&sv));
            setIter it;
            setElem e;
            setIterInit(&it, sv);
            while (setIterNext(&it, &e))
                addReplySetElem(c, &e);
            setIterRelease(&it);
            return;
        }
        srandmemberDistinct(c, &sv, (size_t)count);
        return;
    }
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_SET, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyNull(c);
        return;
    }
    setVal sv = setValOf(kv);
    setElem e = setValRandom(&sv);
    addReplySetElem(c, &e);
}
