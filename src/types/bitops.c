/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Bitmap commands on string values: SETBIT, GETBIT, BITCOUNT, BITPOS and
 * BITOP (BITFIELD lives in types/bitfield.c).  A bitmap is an ordinary
 * string; bit N is bit 7 - N%8 of byte N/8 (ds/bitmap.h draws it).
 *
 * Writers (SETBIT, BITFIELD) need the value as a raw, growable buffer:
 * lookupStringForBitWrite converts an int or embstr value to raw once and
 * then zero-pads it in place, with the sbuf's amortised growth, so setting
 * ever higher bits costs O(1) amortised per call, not a copy of the
 * string.  Offsets are limited to proto-max-bulk-len bytes (2^32 bits by
 * default), as in Redis.
 *
 * Cost: SETBIT/GETBIT O(1); BITCOUNT and BITPOS O(N) in the bytes of the
 * range, a word at a time (popcount instruction where available); BITOP
 * O(N) in the total bytes of the sources plus one allocation of the
 * result, which is stored raw (Redis's encoding for it).
 */
#include "types/bitops.h"

#include <string.h>

#include "core/args.h"
#include "core/db.h"
#include "core/errors.h"
#include "core/notify.h"
#include "ds/bitmap.h"
#include "ds/numfmt.h"
#include "net/reply.h"

#define ERR_BIT_OFFSET "ERR bit offset is not an integer or out of range"
#define ERR_BIT_VALUE "ERR bit is not an integer or out of range"
/* Redis aborts when such an allocation fails; we refuse the command. */
#define ERR_BIT_NOMEM "ERR Insufficient memory, failed allocating the string"

int getBitOffsetOrReply(client *c, slice arg, bool hash, int bits, uint64_t *out) {
    bool byField = hash && bits > 0 && arg.len > 0 && arg.ptr[0] == '#';
    long long v;
    if (!numStrToLL(arg.ptr + byField, arg.len - byField, &v)) {
        addReplyError(c, ERR_BIT_OFFSET);
        return C_ERR;
    }
    /* Redis multiplies in signed 64-bit arithmetic; a product that wraps
     * negative is refused below, as there. */
    if (byField) v = (long long)((unsigned long long)v * (unsigned long long)bits);
    if (v < 0 || (v >> 3) >= server.protoMaxBulkLen) {
        addReplyError(c, ERR_BIT_OFFSET);
        return C_ERR;
    }
    *out = (uint64_t)v;
    return C_OK;
}

sbuf *lookupStringForBitWrite(client *c, slice key, uint64_t maxbit, bool *dirty) {
    bool wrong;
    kvobj *kv = lookupWriteTyped(c, key, OBJ_STRING, &wrong);
    if (wrong) return NULL;
    size_t need = (size_t)(maxbit >> 3) + 1;
    sbuf *s;
    *dirty = false;
    if (!kv) {
        s = sbufTryNewZero(need);
        if (s) dbAdd(c->db, kvNewPtr(key.ptr, key.len, OBJ_STRING, OBJ_ENC_RAW, s, -1));
        *dirty = true;
    } else if (kv->encoding == OBJ_ENC_RAW) {
        sbuf *old = kvStringForWrite(kv);
        size_t olen = old->len;
        s = sbufTryGrowZero(old, need);
        if (s) {
            kvSetPtr(kv, s);
            *dirty = s->len != olen;
        }
    } else {
        /* Redis unshares int and embstr values into raw ones before any
         * bit write, whether or not the bits change. */
        char buf[32];
        const char *p;
        size_t olen = kvStringBytes(kv, buf, &p);
        s = sbufTryNewZero(need > olen ? need : olen);
        if (s) {
            memcpy(s->buf, p, olen);
            dbReplace(c->db, kv,
                      kvNewPtr(key.ptr, key.len, OBJ_STRING, OBJ_ENC_RAW, s, kvGetExpire(kv)),
                      false);
            *dirty = need > olen;
        }
    }
    if (!s) addReplyError(c, ERR_BIT_NOMEM);
    return s;
}

/* SETBIT key offset value: replies the bit's previous value.  As in Redis
 * 7.0, a write that changes nothing (same bit, no growth) is no change: no
 * event, no WATCH invalidation. */
void setbitCommand(client *c) {
    uint64_t offset;
    long long on;
    if (getBitOffsetOrReply(c, c->argv[2], false, 0, &offset) == C_ERR) return;
    if (getLongLongOrReply(c, c->argv[3], &on, ERR_BIT_VALUE) == C_ERR) return;
    if (on & ~1LL) {
        addReplyError(c, ERR_BIT_VALUE);
        return;
    }
    bool dirty;
    slice key = c->argv[1];
    sbuf *s = lookupStringForBitWrite(c, key, offset, &dirty);
    if (!s) return;
    unsigned char *byte = (unsigned char *)s->buf + (offset >> 3);
    unsigned mask = 1u << (7 - (offset & 7));
    int old = (*byte & mask) != 0;
    if (dirty || old != on) {
        *byte = (unsigned char)(on ? (*byte | mask) : (*byte & ~mask));
        keyModified(c, key, NOTIFY_STRING, "setbit");
    }
    addReplyLongLong(c, old);
}

/* GETBIT key offset: 0 past the end of the string or for a missing key. */
void getbitCommand(client *c) {
    uint64_t offset;
    if (getBitOffsetOrReply(c, c->argv[2], false, 0, &offset) == C_ERR) return;
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_STRING, &wrong);
    if (wrong) return;
    int bit = 0;
    if (kv) {
        char buf[32];
        const char *p;
        size_t len = kvStringBytes(kv, buf, &p);
        if ((offset >> 3) < len) bit = ((unsigned char)p[offset >> 3] >> (7 - (offset & 7))) & 1;
    }
    addReplyLongLong(c, bit);
}

/* Parses the optional BYTE|BIT unit of BITCOUNT/BITPOS into '*isBit'. */
static int parseUnitOrReply(client *c, slice arg, bool *isBit) {
    if (sliceIs(arg, "bit")) {
        *isBit = true;
    } else if (sliceIs(arg, "byte")) {
        *isBit = false;
    } else {
        addReplyError(c, ERR_SYNTAX);
        return C_ERR;
    }
    return C_OK;
}

/* Turns a [start, end] range given in bytes or bits (negative counting
 * from the end) into an inclusive bit range of a 'len'-byte string.
 * Returns false when it is empty. */
static bool bitRange(long long start, long long end, bool isBit, size_t len, uint64_t *first,
                     uint64_t *last) {
    long long total = isBit ? (long long)len * 8 : (long long)len;
    if (start < 0) start += total;
    if (end < 0) end += total;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= total) end = total - 1;
    if (start > end) return false;
    *first = isBit ? (uint64_t)start : (uint64_t)start * 8;
    *last = isBit ? (uint64_t)end : (uint64_t)end * 8 + 7;
    return true;
}

/* BITCOUNT key [start end [BYTE|BIT]].  Redis looks the key up before
 * reading the range: a missing key is 0 whatever follows, and a range of
 * two negative indexes in reverse order is 0 before the unit is read. */
void bitcountCommand(client *c) {
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_STRING, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyLongLong(c, 0);
        return;
    }
    char buf[32];
    const char *p;
    size_t len = kvStringBytes(kv, buf, &p);
    long long start = 0, end = -1;
    bool isBit = false;
    if (c->argc == 4 || c->argc == 5) {
        if (getLongLongOrReply(c, c->argv[2], &start, NULL) == C_ERR) return;
        if (getLongLongOrReply(c, c->argv[3], &end, NULL) == C_ERR) return;
        if (start < 0 && end < 0 && start > end) {
            addReplyLongLong(c, 0);
            return;
        }
        if (c->argc == 5 && parseUnitOrReply(c, c->argv[4], &isBit) == C_ERR) return;
    } else if (c->argc != 2) {
        addReplyError(c, ERR_SYNTAX);
        return;
    }
    uint64_t first, last;
    if (!bitRange(start, end, isBit, len, &first, &last)) {
        addReplyLongLong(c, 0);
        return;
    }
    addReplyLongLong(c, (long long)bitmapCountRange((const unsigned char *)p, first, last));
}

/* BITPOS key bit [start [end [BYTE|BIT]]].  A missing key is all zeros:
 * -1 for a 1, 0 for a 0.  Looking for a 0 without an explicit end treats
 * the string as zero-padded on the right, so "no 0 in the range" answers
 * the first bit after it; with an explicit end it answers -1. */
void bitposCommand(client *c) {
    long long bit;
    if (getLongLongOrReply(c, c->argv[2], &bit, NULL) == C_ERR) return;
    if (bit != 0 && bit != 1) {
        addReplyError(c, "ERR The bit argument must be 1 or 0.");
        return;
    }
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_STRING, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyLongLong(c, bit ? -1 : 0);
        return;
    }
    char buf[32];
    const char *p;
    size_t len = kvStringBytes(kv, buf, &p);
    long long start = 0, end = -1;
    bool isBit = false, endGiven = false;
    if (c->argc >= 4 && c->argc <= 6) {
        if (getLongLongOrReply(c, c->argv[3], &start, NULL) == C_ERR) return;
        if (c->argc == 6 && parseUnitOrReply(c, c->argv[5], &isBit) == C_ERR) return;
        if (c->argc >= 5) {
            if (getLongLongOrReply(c, c->argv[4], &end, NULL) == C_ERR) return;
            endGiven = true;
        }
    } else if (c->argc != 3) {
        addReplyError(c, ERR_SYNTAX);
        return;
    }
    uint64_t first, last;
    if (!bitRange(start, end, isBit, len, &first, &last)) {
        addReplyLongLong(c, -1);
        return;
    }
    int64_t pos = bitmapFindRange((const unsigned char *)p, first, last, (int)bit);
    if (pos < 0 && bit == 0 && !endGiven) pos = (int64_t)last + 1;
    addReplyLongLong(c, pos);
}

/* BITOP AND|OR|XOR|NOT destkey key [key ...].  Missing sources are empty
 * strings; the result is as long as the longest source and replaces the
 * destination (its TTL goes), or deletes it when every source is empty. */
void bitopCommand(client *c) {
    slice opname = c->argv[1], dest = c->argv[2];
    int op;
    if (sliceIs(opname, "and"))
        op = BITMAP_AND;
    else if (sliceIs(opname, "or"))
        op = BITMAP_OR;
    else if (sliceIs(opname, "xor"))
        op = BITMAP_XOR;
    else if (sliceIs(opname, "not"))
        op = BITMAP_NOT;
    else {
        addReplyError(c, ERR_SYNTAX);
        return;
    }
    if (op == BITMAP_NOT && c->argc != 4) {
        addReplyError(c, "ERR BITOP NOT must be called with a single source key.");
        return;
    }
    size_t n = (size_t)c->argc - 3;
    const unsigned char **src = tmalloc(n * sizeof(*src));
    size_t *lens = tmalloc(n * sizeof(*lens));
    /* Int values are formatted into these: 32 bytes per source. */
    char(*ints)[32] = tmalloc(n * sizeof(*ints));
    size_t maxlen = 0;
    for (size_t j = 0; j < n; j++) {
        bool wrong;
        kvobj *kv = lookupReadTyped(c, c->argv[j + 3], OBJ_STRING, &wrong);
        if (wrong) goto done;
        src[j] = NULL;
        lens[j] = 0;
        if (kv) {
            const char *p;
            lens[j] = kvStringBytes(kv, ints[j], &p);
            src[j] = (const unsigned char *)p;
        }
        if (lens[j] > maxlen) maxlen = lens[j];
    }
    if (maxlen) {
        /* Computed into a fresh buffer: a source may be the destination. */
        sbuf *res = sbufTryNewZero(maxlen);
        if (!res) {
            addReplyError(c, ERR_BIT_NOMEM);
            goto done;
        }
        bitmapOp(op, (unsigned char *)res->buf, maxlen, src, lens, n);
        lookupWrite(c, dest); /* lazy expiry of the old destination, as SET does */
        dbSet(c->db, kvNewPtr(dest.ptr, dest.len, OBJ_STRING, OBJ_ENC_RAW, res, -1));
        keyModified(c, dest, NOTIFY_STRING, "set");
    } else {
        dbDeleteNotify(c, dest);
    }
    addReplyLongLong(c, (long long)maxlen);
done:
    tfree(ints);
    tfree(lens);
    tfree(src);
}
