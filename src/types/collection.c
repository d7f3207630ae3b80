/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Helpers shared by the collection types (see collection.h): encoding
 * thresholds, COUNT parsing, and the body of HSCAN/SSCAN/ZSCAN.
 */
#include "types/collection.h"

#include <limits.h>

#include "core/db.h"
#include "core/errors.h"
#include "ds/numfmt.h"
#include "net/reply.h"

/* Redis 7.0's compiled-in defaults (redis.conf ships 128 for the hash
 * entries; a server started without a config file reports 512). */
long long hashMaxListpackEntries = 512;
long long hashMaxListpackValue = 64;
long long setMaxIntsetEntries = 512;

int getSignedCountOrReply(client *c, slice s, long long *out) {
    long long v;
    if (!numStrToLL(s.ptr, s.len, &v)) {
        addReplyError(c, ERR_NOT_INT);
        return C_ERR;
    }
    if (v < -LLONG_MAX) {
        addReplyErrorFormat(c, "ERR value is out of range, value must between %lld and %lld",
                            -LLONG_MAX, LLONG_MAX);
        return C_ERR;
    }
    *out = v;
    return C_OK;
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
