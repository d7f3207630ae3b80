/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The SCAN family's shared parts (see scan.h): cursor and option parsing,
 * the bounded collecting walk, the MATCH filter and the reply header.
 */
#include "core/scan.h"

#include <limits.h>
#include <string.h>

#include "core/args.h"
#include "core/errors.h"
#include "ds/glob.h"
#include "net/reply.h"

int parseScanCursorOrReply(client *c, slice s, uint64_t *cursor) {
    /* Redis parses with strtoul on a NUL-terminated string, so bytes after
     * an embedded NUL are ignored, an empty string is cursor 0, a sign is
     * allowed and "-1" wraps to the largest cursor. */
    size_t len = s.len;
    const char *nul = memchr(s.ptr, '\0', len);
    if (nul) len = (size_t)(nul - s.ptr);
    const char *p = s.ptr, *end = s.ptr + len;
    if (len == 0) {
        *cursor = 0;
        return C_OK;
    }
    bool neg = false;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    uint64_t v = 0;
    bool digits = false, overflow = false;
    while (p < end && *p >= '0' && *p <= '9') {
        unsigned d = (unsigned)(*p++ - '0');
        if (v > (UINT64_MAX - d) / 10) overflow = true;
        v = v * 10 + d;
        digits = true;
    }
    if (!digits || p != end || overflow) {
        addReplyError(c, "ERR invalid cursor");
        return C_ERR;
    }
    *cursor = neg ? (uint64_t)0 - v : v;
    return C_OK;
}

int parseScanOptionsOrReply(client *c, int first, bool allowType, scanOpts *opts) {
    opts->count = 10;
    opts->usePattern = false;
    opts->pattern = (slice){NULL, 0};
    opts->hasType = false;
    opts->type = (slice){NULL, 0};
    for (int j = first; j < c->argc; j++) {
        bool more = j + 1 < c->argc;
        slice a = c->argv[j];
        if (sliceIs(a, "count") && more) {
            long long v;
            if (getLongLongOrReply(c, c->argv[j + 1], &v, NULL) == C_ERR) return C_ERR;
            if (v < 1) {
                addReplyError(c, ERR_SYNTAX);
                return C_ERR;
            }
            opts->count = v > LONG_MAX ? LONG_MAX : (long)v;
            j++;
        } else if (sliceIs(a, "match") && more) {
            opts->pattern = c->argv[j + 1];
            /* "*" matches everything: skip the matcher. */
            opts->usePattern = !(opts->pattern.len == 1 && opts->pattern.ptr[0] == '*');
            j++;
        } else if (allowType && sliceIs(a, "type") && more) {
            opts->type = c->argv[j + 1];
            opts->hasType = true;
            j++;
        } else {
            addReplyError(c, ERR_SYNTAX);
            return C_ERR;
        }
    }
    return C_OK;
}

bool scanMatches(const scanOpts *opts, const void *p, size_t len) {
    return !opts->usePattern || globMatch(opts->pattern.ptr, opts->pattern.len, p, len, false);
}

static void scanBatchAdd(void *priv, void *entry) {
    scanBatch *b = priv;
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->items = trealloc(b->items, b->cap * sizeof(*b->items));
    }
    b->items[b->n++] = entry;
}

uint64_t scanStepHashtable(void *table, uint64_t cursor, htScanFn *fn, void *priv) {
    return htScan(table, cursor, fn, priv);
}

uint64_t scanCollect(scanStepFn *step, void *table, uint64_t cursor, long count, size_t perEntry,
                     scanBatch *b) {
    long maxIterations = count > LONG_MAX / 10 ? LONG_MAX : count * 10;
    do {
        cursor = step(table, cursor, scanBatchAdd, b);
    } while (cursor && maxIterations-- && b->n * perEntry < (size_t)count);
    return cursor;
}

void addReplyScanCursor(client *c, uint64_t cursor) {
    addReplyArrayLen(c, 2);
    /* Redis prints the unsigned cursor through a signed conversion; a walk
     * only returns cursors below its table's size, so both read the same. */
    addReplyBulkLongLong(c, (long long)cursor);
}

void addReplyEmptyScan(client *c) {
    addReplyScanCursor(c, 0);
    addReplyArrayLen(c, 0);
}
