/* SPDX-License-Identifier: BSD-3-Clause
 *
 * BITFIELD and BITFIELD_RO: integers of 1 to 64 bits (unsigned up to 63,
 * so every value fits a RESP integer) at any bit offset of a string.
 *
 *   BITFIELD key [GET type offset] [SET type offset value]
 *                [INCRBY type offset increment] [OVERFLOW WRAP|SAT|FAIL] ...
 *
 * The whole argument list is parsed before anything runs (so a bad
 * argument anywhere leaves the key untouched), then the key is looked up
 * once: for reading when every operation is a GET, otherwise grown up to
 * the highest bit any write reaches.  OVERFLOW applies to the operations
 * after it.  The operations then run in order, one reply each (nil for an
 * OVERFLOW FAIL that refused to write).
 *
 * Cost: O(1) per operation plus the growth of the string, amortised.
 * Notification: one "setbit" event when any write changed the value.
 */
#include <string.h>

#include "core/args.h"
#include "core/db.h"
#include "core/errors.h"
#include "core/notify.h"
#include "ds/bitmap.h"
#include "ds/numfmt.h"
#include "net/reply.h"
#include "types/bitops.h"

#define ERR_BITFIELD_TYPE                                                                          \
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "    \
    "i64 is."

#define BF_GET 0
#define BF_SET 1
#define BF_INCRBY 2

typedef struct bitfieldOp {
    uint64_t offset;
    int64_t value; /* SET value or INCRBY increment */
    int opcode;
    int overflow; /* BITMAP_WRAP / SAT / FAIL */
    int bits;
    bool sign;
} bitfieldOp;

/* Parses "i<bits>" (1..64) or "u<bits>" (1..63).  Like Redis, the number
 * is read up to the first NUL byte. */
static int parseTypeOrReply(client *c, slice arg, bool *sign, int *bits) {
    long long n;
    size_t len = arg.len ? strnlen(arg.ptr + 1, arg.len - 1) : 0;
    if (arg.len == 0 || (arg.ptr[0] != 'i' && arg.ptr[0] != 'u') ||
        !numStrToLL(arg.ptr + 1, len, &n) || n < 1 || n > (arg.ptr[0] == 'i' ? 64 : 63)) {
        addReplyError(c, ERR_BITFIELD_TYPE);
        return C_ERR;
    }
    *sign = arg.ptr[0] == 'i';
    *bits = (int)n;
    return C_OK;
}

/* Parses the operations after the key into a new array ('*count'
 * entries; the caller frees it).  'readonly' tells whether they are all
 * GETs and '*maxbit' is the highest bit a write reaches.  Returns NULL
 * after replying on the first bad argument. */
static bitfieldOp *parseOpsOrReply(client *c, int *count, bool *readonly, uint64_t *maxbit) {
    bitfieldOp *ops = tmalloc(sizeof(*ops) * (size_t)(c->argc / 3 + 1));
    int n = 0, overflow = BITMAP_WRAP;
    *readonly = true;
    *maxbit = 0;
    for (int j = 2; j < c->argc; j++) {
        int left = c->argc - j - 1;
        slice sub = c->argv[j];
        int opcode;
        if (sliceIs(sub, "get") && left >= 2) {
            opcode = BF_GET;
        } else if (sliceIs(sub, "set") && left >= 3) {
            opcode = BF_SET;
        } else if (sliceIs(sub, "incrby") && left >= 3) {
            opcode = BF_INCRBY;
        } else if (sliceIs(sub, "overflow") && left >= 1) {
            slice kind = c->argv[++j];
            if (sliceIs(kind, "wrap")) {
                overflow = BITMAP_WRAP;
            } else if (sliceIs(kind, "sat")) {
                overflow = BITMAP_SAT;
            } else if (sliceIs(kind, "fail")) {
                overflow = BITMAP_FAIL;
            } else {
                addReplyError(c, "ERR Invalid OVERFLOW type specified");
                goto fail;
            }
            continue;
        } else {
            addReplyError(c, ERR_SYNTAX);
            goto fail;
        }
        bitfieldOp *op = &ops[n];
        op->opcode = opcode;
        op->overflow = overflow;
        op->value = 0;
        if (parseTypeOrReply(c, c->argv[j + 1], &op->sign, &op->bits) == C_ERR) goto fail;
        if (getBitOffsetOrReply(c, c->argv[j + 2], true, op->bits, &op->offset) == C_ERR) goto fail;
        if (opcode != BF_GET) {
            *readonly = false;
            uint64_t top = op->offset + (uint64_t)op->bits - 1;
            if (top > *maxbit) *maxbit = top;
            long long v;
            if (getLongLongOrReply(c, c->argv[j + 3], &v, NULL) == C_ERR) goto fail;
            op->value = v;
        }
        n++;
        j += opcode == BF_GET ? 2 : 3;
    }
    *count = n;
    return ops;
fail:
    tfree(ops);
    return NULL;
}

/* Runs one SET or INCRBY on 'buf' and replies.  Returns true when the
 * stored value changed (or 'grew' says the string itself did). */
static bool runWrite(client *c, const bitfieldOp *op, unsigned char *buf, size_t len, bool grew) {
    int over;
    if (op->sign) {
        int64_t old = bitmapGetSignedField(buf, len, op->offset, op->bits), nv = 0;
        if (op->opcode == BF_INCRBY)
            over = bitmapAddSigned(old, op->value, op->bits, op->overflow, &nv);
        else
            over = bitmapAddSigned(op->value, 0, op->bits, op->overflow, &nv);
        if (over && op->overflow == BITMAP_FAIL) {
            addReplyNull(c);
            return false;
        }
        addReplyLongLong(c, op->opcode == BF_INCRBY ? nv : old);
        bitmapSetField(buf, op->offset, op->bits, (uint64_t)nv);
        return grew || old != nv;
    }
    uint64_t old = bitmapGetField(buf, len, op->offset, op->bits), nv = 0;
    if (op->opcode == BF_INCRBY)
        over = bitmapAddUnsigned(old, op->value, op->bits, op->overflow, &nv);
    else
        over = bitmapAddUnsigned((uint64_t)op->value, 0, op->bits, op->overflow, &nv);
    if (over && op->overflow == BITMAP_FAIL) {
        addReplyNull(c);
        return false;
    }
    addReplyLongLong(c, (long long)(op->opcode == BF_INCRBY ? nv : old));
    bitmapSetField(buf, op->offset, op->bits, nv);
    return grew || old != nv;
}

static void bitfieldGeneric(client *c, bool roCommand) {
    int count;
    bool readonly;
    uint64_t maxbit;
    bitfieldOp *ops = parseOpsOrReply(c, &count, &readonly, &maxbit);
    if (!ops) return;
    slice key = c->argv[1];
    const unsigned char *rbuf = NULL;
    unsigned char *wbuf = NULL;
    size_t len = 0;
    bool grew = false;
    char ibuf[32];
    if (readonly) {
        bool wrong;
        kvobj *kv = lookupReadTyped(c, key, OBJ_STRING, &wrong);
        if (wrong) goto done;
        if (kv) {
            const char *p;
            len = kvStringBytes(kv, ibuf, &p);
            rbuf = (const unsigned char *)p;
        }
    } else {
        if (roCommand) {
            addReplyError(c, "ERR BITFIELD_RO only supports the GET subcommand");
            goto done;
        }
        sbuf *s = lookupStringForBitWrite(c, key, maxbit, &grew);
        if (!s) goto done;
        wbuf = (unsigned char *)s->buf;
        rbuf = wbuf;
        len = s->len;
    }
    addReplyArrayLen(c, count);
    int changes = 0;
    for (int j = 0; j < count; j++) {
        const bitfieldOp *op = &ops[j];
        if (op->opcode == BF_GET) {
            if (op->sign)
                addReplyLongLong(c, bitmapGetSignedField(rbuf, len, op->offset, op->bits));
            else
                addReplyLongLong(c, (long long)bitmapGetField(rbuf, len, op->offset, op->bits));
        } else if (runWrite(c, op, wbuf, len, grew)) {
            changes++;
        }
    }
    if (changes) {
        keyModified(c, key, NOTIFY_STRING, "setbit");
    }
done:
    tfree(ops);
}

void bitfieldCommand(client *c) {
    bitfieldGeneric(c, false);
}

void bitfieldroCommand(client *c) {
    bitfieldGeneric(c, true);
}
