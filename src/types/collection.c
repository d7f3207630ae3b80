/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Helpers shared by the collection types (see collection.h): encoding
 * thresholds, COUNT parsing, table memory estimates, distinct random
 * picks, and the body of HSCAN/SSCAN/ZSCAN.
 */
#include "types/collection.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/args.h"
#include "core/db.h"
#include "core/errors.h"
#include "net/reply.h"

/* Redis 7.0's compiled-in defaults (redis.conf ships 128 for the hash
 * entries; a server started without a config file reports 512). */
long long hashMaxListpackEntries = 512;
long long hashMaxListpackValue = 64;
long long setMaxIntsetEntries = 512;

int getSignedCountOrReply(client *c, slice s, long long *out) {
    return getRangeLongOrReply(c, s, -LLONG_MAX, LLONG_MAX, out, NULL);
}

size_t tableMemoryUsage(hashtable *ht, size_t samples) {
    size_t total = htOverheadBytes(ht), seen = 0, bytes = 0, n = htSize(ht);
    htIterator it;
    htIterInit(&it, ht, false);
    void *e;
    while ((samples == 0 || seen < samples) && (e = htNext(&it))) {
        bytes += tallocSize(e);
        seen++;
    }
    htIterRelease(&it);
    if (seen) total += (size_t)((double)bytes / (double)seen * (double)n);
    return total;
}

int getRandomCountArgsOrReply(client *c, const char *withWord, long long *count, bool *with) {
    if (getSignedCountOrReply(c, c->argv[2], count) == C_ERR) return C_ERR;
    *with = false;
    if (c->argc > 4 || (c->argc == 4 && !sliceIs(c->argv[3], withWord))) {
        addReplyError(c, ERR_SYNTAX);
        return C_ERR;
    }
    if (c->argc == 4) {
        *with = true;
        /* The flat RESP2 reply doubles the count: keep it in range. */
        if (*count < -LLONG_MAX / 2 || *count > LLONG_MAX / 2) {
            addReplyError(c, "ERR value is out of range");
            return C_ERR;
        }
    }
    return C_OK;
}

void pickSetInit(pickSet *ps, size_t n) {
    size_t cap = 16;
    int bits = 4;
    while (cap < n * 2) {
        cap <<= 1;
        bits++;
    }
    ps->slots = tmalloc(cap * sizeof(*ps->slots));
    memset(ps->slots, 0xFF, cap * sizeof(*ps->slots));
    ps->mask = cap - 1;
    ps->shift = 64 - bits;
}

bool pickSetAdd(pickSet *ps, uintptr_t v) {
    /* Fibonacci hashing takes the product's high bits, which spreads both
     * aligned addresses and small consecutive ranks. */
    size_t i = (size_t)(((uint64_t)v * 0x9E3779B97F4A7C15ULL) >> ps->shift);
    while (ps->slots[i] != UINTPTR_MAX) {
        if (ps->slots[i] == v) return false;
        i = (i + 1) & ps->mask;
    }
    ps->slots[i] = v;
    return true;
}

void pickSetRelease(pickSet *ps) {
    tfree(ps->slots);
    ps->slots = NULL;
}

void pickDistinctEntries(hashtable *ht, size_t count, void (*fn)(void *priv, void *entry),
                         void *priv) {
    size_t size = htSize(ht);
    if (count * 3 > size) {
        void **all = tmalloc(sizeof(*all) * size);
        size_t n = 0;
        htIterator it;
        htIterInit(&it, ht, false);
        void *e;
        while ((e = htNext(&it)))
            all[n++] = e;
        htIterRelease(&it);
        for (size_t j = 0; j < count; j++) {
            size_t k = j + (size_t)random() % (n - j);
            void *t = all[j];
            all[j] = all[k];
            all[k] = t;
            fn(priv, all[j]);
        }
        tfree(all);
        return;
    }
    pickSet seen;
    pickSetInit(&seen, count);
    for (size_t got = 0; got < count;) {
        void *e = htRandom(ht);
        if (!pickSetAdd(&seen, (uintptr_t)e)) continue;
        fn(priv, e);
        got++;
    }
    pickSetRelease(&seen);
}

void collectionScanCommand(client *c, const collectionScanType *t) {
    uint64_t cursor;
    if (parseScanCursorOrReply(c, c->argv[2], &cursor) == C_ERR) return;
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], t->type, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyEmptyScan(c);
        return;
    }
    scanOpts o;
    if (parseScanOptionsOrReply(c, 3, false, &o) == C_ERR) return;
    bool compact = (int)kv->encoding == t->compactEncoding;
    scanBatch b = {NULL, 0, 0};
    /* Small encodings answer in one call, cursor 0 (as Redis). */
    cursor = compact ? 0 : scanCollect(t->step, kvGetPtr(kv), cursor, o.count, t->perEntry, &b);
    addReplyScanCursor(c, cursor);
    void *h = addReplyDeferredLen(c);
    long long n = 0;
    if (compact) n = t->replyCompact(c, kv, &o);
    for (size_t j = 0; j < b.n; j++)
        n += t->replyEntry(c, b.items[j], &o);
    setDeferredArrayLen(c, h, n);
    tfree(b.items);
}
