/* SPDX-License-Identifier: BSD-3-Clause
 *
 * String and counter commands: SET and its variants (SETNX, SETEX, PSETEX,
 * GETSET, MSET, MSETNX), the readers (GET, MGET, STRLEN, GETRANGE/SUBSTR,
 * LCS), GETEX and GETDEL, the in-place editors (APPEND, SETRANGE) and the
 * counters (INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT).
 *
 * Values live inside the key's kvobj (see core/object.h), and the encoding
 * each command leaves behind is the one Redis 7.0 reports in OBJECT
 * ENCODING:
 *
 *   SET, SETNX, SETEX, PSETEX, GETSET,   canonical integer of <= 20 chars: int,
 *   MSET, MSETNX, APPEND on a new key    <= 44 bytes: embstr, longer: raw
 *   INCR, DECR, INCRBY, DECRBY           int
 *   INCRBYFLOAT                          embstr (raw past 44 bytes), never int
 *   APPEND on an existing key, SETRANGE  raw (an sbuf of its own)
 *   GETEX, GETDEL, reads                 unchanged
 *
 * Cost: every command is O(1) except the ones that copy or scan the value:
 * APPEND and SETRANGE O(M) in the bytes written (amortised: a raw value
 * grows in place, doubling), GETRANGE O(N) in the bytes returned, MGET/MSET
 * O(keys), and LCS O(N*M) time and 4*(N+1)*(M+1) bytes of transient memory,
 * which is refused past proto-max-bulk-len as Redis does.
 *
 * Allocation: the common paths allocate only the kvobj they store (SET) or
 * nothing at all (INCR on an int value updates it in place; APPEND to a raw
 * value grows its sbuf in place).  Sizes a client picks without sending the
 * bytes (a SETRANGE offset, an APPEND to a large value) use the try
 * allocators, so a silly request gets an error instead of aborting the
 * server.
 */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "core/args.h"
#include "core/command.h"
#include "core/db.h"
#include "core/errors.h"
#include "core/notify.h"
#include "core/propagate.h"
#include "ds/numfmt.h"
#include "net/conn.h"
#include "net/reply.h"

#define SET_NX (1 << 0)
#define SET_XX (1 << 1)
#define SET_GET (1 << 2)
#define SET_KEEPTTL (1 << 3)
#define SET_EX (1 << 4)
#define SET_PX (1 << 5)
#define SET_EXAT (1 << 6)
#define SET_PXAT (1 << 7)
#define SET_PERSIST (1 << 8) /* GETEX PERSIST */
#define SET_EXPIRE_ANY (SET_EX | SET_PX | SET_EXAT | SET_PXAT)

/* Redis aborts when such an allocation fails; we refuse the command. */
#define ERR_STRING_NOMEM "ERR Insufficient memory, failed allocating the string"

/* Converts an expire argument in the unit implied by 'flags' to an
 * absolute unix time in ms, with Redis's validation and error text. */
static int parseExpireOrReply(client *c, slice arg, int flags, long long *when) {
    long long v;
    if (getLongLongOrReply(c, arg, &v, NULL) == C_ERR) return C_ERR;
    bool seconds = flags & (SET_EX | SET_EXAT);
    if (v <= 0 || (seconds && v > LLONG_MAX / 1000)) {
        addReplyErrorFormat(c, ERR_INVALID_EXPIRE, commandFullName(c->cmd));
        return C_ERR;
    }
    if (seconds) v *= 1000;
    if (flags & (SET_EX | SET_PX)) {
        if (v > LLONG_MAX - commandTimeMs()) {
            addReplyErrorFormat(c, ERR_INVALID_EXPIRE, commandFullName(c->cmd));
            return C_ERR;
        }
        v += commandTimeMs();
    }
    *when = v;
    return C_OK;
}

/* Parses SET/GETEX options from argv[first..].  'allowed' limits which
 * flags the command takes.  As in Redis, repeating an option is fine (the
 * last expire wins) but combining two that exclude each other (NX and XX,
 * two different expire kinds, an expire with KEEPTTL or PERSIST) is a
 * syntax error.  Returns C_OK with '*flags' and '*expireArg'. */
static int parseSetOptions(client *c, int first, int allowed, int *flags, slice *expireArg) {
    *flags = 0;
    for (int j = first; j < c->argc; j++) {
        slice a = c->argv[j];
        int f = *flags;
        int opt = 0, excludes = 0;
        if (sliceIs(a, "nx")) {
            opt = SET_NX, excludes = SET_XX;
        } else if (sliceIs(a, "xx")) {
            opt = SET_XX, excludes = SET_NX;
        } else if (sliceIs(a, "get")) {
            opt = SET_GET;
        } else if (sliceIs(a, "keepttl")) {
            opt = SET_KEEPTTL, excludes = SET_PERSIST | SET_EXPIRE_ANY;
        } else if (sliceIs(a, "persist")) {
            opt = SET_PERSIST, excludes = SET_KEEPTTL | SET_EXPIRE_ANY;
        } else if (j + 1 < c->argc) {
            opt = sliceIs(a, "ex")     ? SET_EX
                  : sliceIs(a, "px")   ? SET_PX
                  : sliceIs(a, "exat") ? SET_EXAT
                  : sliceIs(a, "pxat") ? SET_PXAT
                                       : 0;
            excludes = (SET_EXPIRE_ANY & ~opt) | SET_KEEPTTL | SET_PERSIST;
        }
        if (!opt || !(allowed & opt) || (f & excludes)) {
            addReplyError(c, ERR_SYNTAX);
            return C_ERR;
        }
        *flags |= opt;
        if (opt & SET_EXPIRE_ANY) *expireArg = c->argv[++j];
    }
    return C_OK;
}

/* Stores 'val' under 'key' as a fresh string with TTL 'when' (-1 none),
 * replacing 'old' when the key exists ('old' is invalid afterwards).  A
 * big argument read into a buffer of its own becomes the value as it is
 * (it is longer than any int or embstr), so a 256 MB SET copies nothing. */
static void storeString(client *c, kvobj *old, slice key, slice val, long long when) {
    sbuf *own = val.len > OBJ_EMBSTR_MAX ? clientTakeArgBuffer(c, val) : NULL;
    kvobj *kv = own ? kvNewPtr(key.ptr, key.len, OBJ_STRING, OBJ_ENC_RAW, own, when)
                    : kvNewString(key.ptr, key.len, val.ptr, val.len, when);
    if (old)
        dbReplace(c->db, old, kv, false);
    else
        dbAdd(c->db, kv);
}

/* The core of SET, SETNX, SETEX, PSETEX.  'expireArg' is read when one of
 * the expire flags is set.  'intReply' selects SETNX's :1/:0 replies over
 * +OK/nil.  The order of checks is Redis's: expire value, then GET (which
 * replies WRONGTYPE or the old value), then NX/XX. */
static void setGeneric(client *c, int flags, slice key, slice val, slice expireArg, bool intReply) {
    long long when = -1;
    if ((flags & SET_EXPIRE_ANY) && parseExpireOrReply(c, expireArg, flags, &when) == C_ERR) return;
    kvobj *old;
    if (flags & SET_GET) {
        bool wrong;
        old = lookupReadTyped(c, key, OBJ_STRING, &wrong);
        if (wrong) return;
        if (old)
            addReplyBulkKv(c, old);
        else
            addReplyNull(c);
    } else {
        old = lookupWrite(c, key);
    }
    if ((flags & SET_NX && old) || (flags & SET_XX && !old)) {
        if (intReply)
            addReplyLongLong(c, 0);
        else if (!(flags & SET_GET))
            addReplyNull(c);
        return;
    }
    if ((flags & SET_KEEPTTL) && old) when = kvGetExpire(old);
    storeString(c, old, key, val, when);
    keyModified(c, key, NOTIFY_STRING, "set");
    if (flags & SET_EXPIRE_ANY) {
        notifyKeyspaceEvent(NOTIFY_GENERIC, "expire", key.ptr, key.len, c->db->id);
        /* A relative time would mean a later expiry when replayed. */
        char buf[24];
        slice prop[5] = {propArgStr("SET"), key, val, propArgStr("PXAT"), propArgLongLong(buf, when)};
        propagateAs(c, 5, prop);
    }
    if (intReply)
        addReplyLongLong(c, 1);
    else if (!(flags & SET_GET))
        addReplyOK(c);
}

void setCommand(client *c) {
    int flags = 0;
    slice expireArg = {NULL, 0};
    if (c->argc > 3 &&
        parseSetOptions(c, 3, SET_NX | SET_XX | SET_GET | SET_KEEPTTL | SET_EXPIRE_ANY, &flags,
                        &expireArg) == C_ERR)
        return;
    setGeneric(c, flags, c->argv[1], c->argv[2], expireArg, false);
}

void setnxCommand(client *c) {
    slice none = {NULL, 0};
    setGeneric(c, SET_NX, c->argv[1], c->argv[2], none, true);
}

void setexCommand(client *c) {
    setGeneric(c, SET_EX, c->argv[1], c->argv[3], c->argv[2], false);
}

void psetexCommand(client *c) {
    setGeneric(c, SET_PX, c->argv[1], c->argv[3], c->argv[2], false);
}

void getCommand(client *c) {
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_STRING, &wrong);
    if (wrong) return;
    if (!kv)
        addReplyNull(c);
    else
        addReplyBulkKv(c, kv);
}

void getsetCommand(client *c) {
    bool wrong;
    slice key = c->argv[1];
    kvobj *old = lookupReadTyped(c, key, OBJ_STRING, &wrong);
    if (wrong) return;
    if (old)
        addReplyBulkKv(c, old);
    else
        addReplyNull(c);
    storeString(c, old, key, c->argv[2], -1); /* GETSET drops the TTL, like SET */
    keyModified(c, key, NOTIFY_STRING, "set");
}

/* GETEX key [EX s | PX ms | EXAT ts | PXAT ms-ts | PERSIST].  Redis checks
 * the option syntax first, then the key (a missing key replies nil even
 * with an invalid expire), then the expire value.  An EXAT/PXAT in the past
 * deletes the key after replying its value. */
void getexCommand(client *c) {
    int flags = 0;
    slice expireArg = {NULL, 0};
    if (parseSetOptions(c, 2, SET_EXPIRE_ANY | SET_PERSIST, &flags, &expireArg) == C_ERR) return;
    bool wrong;
    slice key = c->argv[1];
    kvobj *kv = lookupReadTyped(c, key, OBJ_STRING, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyNull(c);
        return;
    }
    long long when = -1;
    if ((flags & SET_EXPIRE_ANY) && parseExpireOrReply(c, expireArg, flags, &when) == C_ERR) return;
    addReplyBulkKv(c, kv);
    if (flags & SET_EXPIRE_ANY) {
        /* Only EXAT/PXAT can name a past time (EX/PX must be positive). */
        setExpireOrDelete(c, kv, key, when);
    } else if ((flags & SET_PERSIST) && kvGetExpire(kv) >= 0) {
        dbSetExpire(c->db, kv, -1);
        keyModified(c, key, NOTIFY_GENERIC, "persist");
        slice prop[2] = {propArgStr("PERSIST"), key};
        propagateAs(c, 2, prop);
    }
}

void getdelCommand(client *c) {
    bool wrong;
    slice key = c->argv[1];
    kvobj *kv = lookupReadTyped(c, key, OBJ_STRING, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyNull(c);
        return;
    }
    addReplyBulkKv(c, kv);
    dbDelete(c->db, key.ptr, key.len, server.lazyfreeLazyUserDel);
    keyModified(c, key, NOTIFY_GENERIC, "del");
}

/* MGET: a nil for each missing key and each key of another type. */
void mgetCommand(client *c) {
    addReplyArrayLen(c, c->argc - 1);
    for (int j = 1; j < c->argc; j++) {
        kvobj *kv = lookupRead(c, c->argv[j]);
        if (!kv || kv->type != OBJ_STRING)
            addReplyNull(c);
        else
            addReplyBulkKv(c, kv);
    }
}

/* MSET and MSETNX.  MSETNX sets nothing and replies 0 when any key exists;
 * a key named twice is simply written twice (the last value wins). */
static void msetGeneric(client *c, bool nx) {
    if (c->argc % 2 == 0) {
        addReplyErrorArity(c);
        return;
    }
    if (nx) {
        for (int j = 1; j < c->argc; j += 2) {
            if (lookupWrite(c, c->argv[j])) {
                addReplyLongLong(c, 0);
                return;
            }
        }
    }
    for (int j = 1; j < c->argc; j += 2) {
        slice key = c->argv[j];
        storeString(c, lookupWrite(c, key), key, c->argv[j + 1], -1);
        keyModified(c, key, NOTIFY_STRING, "set");
    }
    if (nx)
        addReplyLongLong(c, 1);
    else
        addReplyOK(c);
}

void msetCommand(client *c) {
    msetGeneric(c, false);
}

void msetnxCommand(client *c) {
    msetGeneric(c, true);
}

void strlenCommand(client *c) {
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_STRING, &wrong);
    if (wrong) return;
    addReplyLongLong(c, kv ? (long long)kvStringLen(kv) : 0);
}

/* Replies "string exceeds maximum allowed size" unless a string of 'size'
 * bytes plus 'extra' more stays within proto-max-bulk-len. */
static int checkStringLengthOrReply(client *c, unsigned long long size, unsigned long long extra) {
    unsigned long long max = (unsigned long long)server.protoMaxBulkLen;
    if (size > max || extra > max - size) {
        addReplyError(c, ERR_STRING_TOO_LONG);
        return C_ERR;
    }
    return C_OK;
}

/* Turns the int or embstr value of 'kv' into a raw one of at least 'len'
 * bytes (the old bytes first, zeros after), swapping the new kvobj into the
 * keyspace.  Returns its sbuf, or NULL (and 'kv' untouched) when memory
 * runs out. */
static sbuf *unshareAsRaw(client *c, kvobj *kv, slice key, size_t len) {
    char buf[32];
    const char *p;
    size_t olen = kvStringBytes(kv, buf, &p);
    sbuf *s = sbufTryNewZero(len > olen ? len : olen);
    if (!s) return NULL;
    memcpy(s->buf, p, olen);
    kvobj *n = kvNewPtr(key.ptr, key.len, OBJ_STRING, OBJ_ENC_RAW, s, kvGetExpire(kv));
    dbReplace(c->db, kv, n, false);
    return s;
}

/* APPEND: a new key gets the value as SET would encode it; an existing
 * value becomes raw and grows in place. */
void appendCommand(client *c) {
    bool wrong;
    slice key = c->argv[1], val = c->argv[2];
    kvobj *kv = lookupWriteTyped(c, key, OBJ_STRING, &wrong);
    if (wrong) return;
    size_t total;
    if (!kv) {
        storeString(c, NULL, key, val, -1);
        total = val.len;
    } else {
        size_t olen = kvStringLen(kv);
        if (checkStringLengthOrReply(c, olen, val.len) == C_ERR) return;
        sbuf *s;
        if (kv->encoding == OBJ_ENC_RAW) {
            s = sbufTryMakeRoom(kvStringForWrite(kv), val.len);
            if (s) kvSetPtr(kv, s);
        } else {
            s = unshareAsRaw(c, kv, key, olen + val.len);
            if (s) sbufSetLen(s, olen);
        }
        if (!s) {
            addReplyError(c, ERR_STRING_NOMEM);
            return;
        }
        memcpy(s->buf + olen, val.ptr, val.len);
        sbufSetLen(s, olen + val.len);
        total = s->len;
    }
    keyModified(c, key, NOTIFY_STRING, "append");
    addReplyLongLong(c, (long long)total);
}

/* SETRANGE key offset value.  Writing nothing changes nothing (and creates
 * no key); otherwise the value becomes raw, zero-padded up to 'offset'. */
void setrangeCommand(client *c) {
    long long offset;
    slice key = c->argv[1], val = c->argv[3];
    if (getLongLongOrReply(c, c->argv[2], &offset, NULL) == C_ERR) return;
    if (offset < 0) {
        addReplyError(c, "ERR offset is out of range");
        return;
    }
    bool wrong;
    kvobj *kv = lookupWriteTyped(c, key, OBJ_STRING, &wrong);
    if (wrong) return;
    size_t olen = kv ? kvStringLen(kv) : 0;
    if (val.len == 0) {
        addReplyLongLong(c, (long long)olen);
        return;
    }
    if (checkStringLengthOrReply(c, (unsigned long long)offset, val.len) == C_ERR) return;
    size_t end = (size_t)offset + val.len;
    sbuf *s;
    if (!kv) {
        s = sbufTryNewZero(end);
        if (s) dbAdd(c->db, kvNewPtr(key.ptr, key.len, OBJ_STRING, OBJ_ENC_RAW, s, -1));
    } else if (kv->encoding == OBJ_ENC_RAW) {
        s = sbufTryGrowZero(kvStringForWrite(kv), end);
        if (s) kvSetPtr(kv, s);
    } else {
        s = unshareAsRaw(c, kv, key, end);
    }
    if (!s) {
        addReplyError(c, ERR_STRING_NOMEM);
        return;
    }
    memcpy(s->buf + offset, val.ptr, val.len);
    keyModified(c, key, NOTIFY_STRING, "setrange");
    addReplyLongLong(c, (long long)s->len);
}

/* GETRANGE (and SUBSTR) key start end, both inclusive, negative counting
 * from the end, clamped to the string.  A missing key is an empty string. */
void getrangeCommand(client *c) {
    long long start, end;
    if (getLongLongOrReply(c, c->argv[2], &start, NULL) == C_ERR) return;
    if (getLongLongOrReply(c, c->argv[3], &end, NULL) == C_ERR) return;
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_STRING, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyBulk(c, "", 0);
        return;
    }
    char buf[32];
    const char *p;
    long long len = (long long)kvStringBytes(kv, buf, &p);
    /* Redis quirk kept: two negative indexes in reverse order are empty
     * even when clamping would have made them overlap. */
    if (start < 0 && end < 0 && start > end) {
        addReplyBulk(c, "", 0);
        return;
    }
    if (start < 0) start += len; /* no overflow: the signs differ */
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= len) end = len - 1;
    if (len == 0 || start > end)
        addReplyBulk(c, "", 0);
    else
        addReplyBulk(c, p + start, (size_t)(end - start + 1));
}

/* ---- counters ---- */

/* INCR/DECR/INCRBY/DECRBY: adds 'incr' to the integer at 'key'.  An int
 * value is updated in place, so a counter costs no allocation per call. */
static void incrDecr(client *c, long long incr) {
    bool wrong;
    slice key = c->argv[1];
    kvobj *kv = lookupWriteTyped(c, key, OBJ_STRING, &wrong);
    if (wrong) return;
    long long value = 0;
    if (kv) {
        if (kv->encoding == OBJ_ENC_INT) {
            value = kvGetInt(kv);
        } else {
            char buf[32];
            const char *p;
            size_t len = kvStringBytes(kv, buf, &p);
            if (!numStrToLL(p, len, &value)) {
                addReplyError(c, ERR_NOT_INT);
                return;
            }
        }
    }
    if (__builtin_add_overflow(value, incr, &value)) {
        addReplyError(c, ERR_OVERFLOW);
        return;
    }
    if (kv && kv->encoding == OBJ_ENC_INT) {
        memcpy(kvValuePtr(kv), &value, 8); /* in place: no allocation */
    } else {
        kvobj *n = kvNewInt(key.ptr, key.len, value, kv ? kvGetExpire(kv) : -1);
        if (kv)
            dbReplace(c->db, kv, n, false);
        else
            dbAdd(c->db, n);
    }
    keyModified(c, key, NOTIFY_STRING, "incrby");
    addReplyLongLong(c, value);
}

void incrCommand(client *c) {
    incrDecr(c, 1);
}

void decrCommand(client *c) {
    incrDecr(c, -1);
}

void incrbyCommand(client *c) {
    long long incr;
    if (getLongLongOrReply(c, c->argv[2], &incr, NULL) == C_ERR) return;
    incrDecr(c, incr);
}

void decrbyCommand(client *c) {
    long long decr;
    if (getLongLongOrReply(c, c->argv[2], &decr, NULL) == C_ERR) return;
    if (decr == LLONG_MIN) { /* its negation does not exist */
        addReplyError(c, "ERR decrement would overflow");
        return;
    }
    incrDecr(c, -decr);
}

/* INCRBYFLOAT: long double arithmetic, stored and replied in the human
 * format of numLongDoubleToStr.  Redis reads the stored value before the
 * increment; both give the same error text when invalid. */
void incrbyfloatCommand(client *c) {
    bool wrong;
    slice key = c->argv[1];
    kvobj *kv = lookupWriteTyped(c, key, OBJ_STRING, &wrong);
    if (wrong) return;
    long double value = 0, incr;
    if (kv) {
        if (kv->encoding == OBJ_ENC_INT) {
            value = (long double)kvGetInt(kv);
        } else {
            char buf[32];
            const char *p;
            size_t len = kvStringBytes(kv, buf, &p);
            if (!numStrToLongDouble(p, len, &value)) {
                addReplyError(c, ERR_NOT_FLOAT);
                return;
            }
        }
    }
    if (getLongDoubleOrReply(c, c->argv[2], &incr, NULL) == C_ERR) return;
    value += incr;
    if (isnan(value) || isinf(value)) {
        addReplyError(c, "ERR increment would produce NaN or Infinity");
        return;
    }
    char out[NUMFMT_LDBL_BUF];
    size_t len = numLongDoubleToStr(out, sizeof(out), value);
    kvobj *n = kvNewStringNoInt(key.ptr, key.len, out, len, kv ? kvGetExpire(kv) : -1);
    if (kv)
        dbReplace(c->db, kv, n, false);
    else
        dbAdd(c->db, n);
    keyModified(c, key, NOTIFY_STRING, "incrbyfloat");
    /* Replayed as the result, not the sum: float formatting and long
     * double precision may differ where it is replayed. */
    slice prop[4] = {propArgStr("SET"), key, {out, len}, propArgStr("KEEPTTL")};
    propagateAs(c, 4, prop);
    addReplyBulk(c, out, len);
}

/* ---- LCS ---- */

/* Sends one IDX match: [[a-start, a-end], [b-start, b-end], (len)]. */
static void addReplyLcsMatch(client *c, uint32_t aStart, uint32_t bStart, uint32_t len,
                             bool withLen) {
    addReplyArrayLen(c, withLen ? 3 : 2);
    addReplyArrayLen(c, 2);
    addReplyLongLong(c, aStart);
    addReplyLongLong(c, aStart + len - 1);
    addReplyArrayLen(c, 2);
    addReplyLongLong(c, bStart);
    addReplyLongLong(c, bStart + len - 1);
    if (withLen) addReplyLongLong(c, len);
}

/* LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN].
 *
 * Classic dynamic programming: T[i][j] is the LCS length of the first i
 * bytes of A and the first j of B.  The walk back from T[|A|][|B|] picks
 * the common subsequence; whenever the bytes differ it steps back in A
 * only if that keeps a strictly longer LCS, else in B.  That tie rule and
 * the order of the ranges (from the end of the strings towards the start)
 * decide which of several equally long answers is returned, and must stay
 * as they are to match Redis.  A range is a run of matches adjacent in both
 * strings; IDX reports the runs at least MINMATCHLEN long. */
void lcsCommand(client *c) {
    kvobj *ka = lookupRead(c, c->argv[1]);
    kvobj *kb = lookupRead(c, c->argv[2]);
    if ((ka && ka->type != OBJ_STRING) || (kb && kb->type != OBJ_STRING)) {
        addReplyError(c, "ERR The specified keys must contain string values");
        return;
    }
    bool getLen = false, getIdx = false, withMatchLen = false;
    long long minMatchLen = 0;
    for (int j = 3; j < c->argc; j++) {
        slice o = c->argv[j];
        if (sliceIs(o, "idx")) {
            getIdx = true;
        } else if (sliceIs(o, "len")) {
            getLen = true;
        } else if (sliceIs(o, "withmatchlen")) {
            withMatchLen = true;
        } else if (sliceIs(o, "minmatchlen") && j + 1 < c->argc) {
            if (getLongLongOrReply(c, c->argv[++j], &minMatchLen, NULL) == C_ERR) return;
            if (minMatchLen < 0) minMatchLen = 0;
        } else {
            addReplyError(c, ERR_SYNTAX);
            return;
        }
    }
    if (getIdx && getLen) {
        addReplyError(c, "ERR If you want both the length and indexes, please just use IDX.");
        return;
    }
    char bufa[32], bufb[32];
    const char *a = "", *b = "";
    size_t alen = ka ? kvStringBytes(ka, bufa, &a) : 0;
    size_t blen = kb ? kvStringBytes(kb, bufb, &b) : 0;
    if (alen >= UINT32_MAX - 1 || blen >= UINT32_MAX - 1) {
        addReplyError(c, "ERR String too long for LCS");
        return;
    }
    /* Both lengths are below 2^32, so the product fits in 64 bits. */
    unsigned long long cells = (unsigned long long)(alen + 1) * (blen + 1);
    unsigned long long bytes = cells * sizeof(uint32_t);
    if (bytes / sizeof(uint32_t) != cells || bytes > (unsigned long long)server.protoMaxBulkLen) {
        addReplyError(
            c, "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
        return;
    }
    uint32_t *t = ttrymalloc((size_t)bytes);
    if (!t) {
        addReplyError(c, "ERR Insufficient memory, failed allocating transient memory for LCS");
        return;
    }
    size_t w = blen + 1; /* row width */
#define T(i, j) t[(size_t)(i)*w + (j)]
    for (size_t j = 0; j <= blen; j++)
        T(0, j) = 0;
    for (size_t i = 1; i <= alen; i++) {
        T(i, 0) = 0;
        for (size_t j = 1; j <= blen; j++) {
            if (a[i - 1] == b[j - 1])
                T(i, j) = T(i - 1, j - 1) + 1;
            else
                T(i, j) = T(i - 1, j) > T(i, j - 1) ? T(i - 1, j) : T(i, j - 1);
        }
    }
    uint32_t total = T(alen, blen);
    if (getLen) {
        tfree(t);
        addReplyLongLong(c, total);
        return;
    }
    char *seq = getIdx ? NULL : tmalloc(total ? total : 1);
    void *arrayLen = NULL;
    long long ranges = 0;
    if (getIdx) {
        addReplyMapLen(c, 2);
        addReplyBulkCStr(c, "matches");
        arrayLen = addReplyDeferredLen(c);
    }
    /* Walk back.  'run' counts the matches of the current range, which
     * starts (going backwards) at aStart/bStart. */
    size_t i = alen, j = blen, fill = total;
    uint32_t run = 0, aStart = 0, bStart = 0;
    while (i > 0 && j > 0) {
        if (a[i - 1] == b[j - 1]) {
            if (seq) seq[--fill] = a[i - 1];
            i--, j--;
            aStart = (uint32_t)i, bStart = (uint32_t)j;
            run++;
            if (i > 0 && j > 0) continue; /* the range may extend further back */
        } else if (T(i - 1, j) > T(i, j - 1)) {
            i--;
        } else {
            j--;
        }
        if (run) {
            if (getIdx && run >= minMatchLen) {
                addReplyLcsMatch(c, aStart, bStart, run, withMatchLen);
                ranges++;
            }
            run = 0;
        }
    }
#undef T
    tfree(t);
    if (getIdx) {
        setDeferredArrayLen(c, arrayLen, ranges);
        addReplyBulkCStr(c, "len");
        addReplyLongLong(c, total);
    } else {
        addReplyBulk(c, seq, total);
        tfree(seq);
    }
}
