/* SPDX-License-Identifier: BSD-3-Clause
 *
 * String commands.  Values live inside the key's kvobj (see object.h):
 * integers as int64, short strings embedded, long ones in an sbuf.  Every
 * command here is O(1) except those that copy or scan the value (APPEND,
 * GETRANGE, SETRANGE, LCS: O(length)).
 *
 * Counters update an int-encoded value in place, so INCR on an existing
 * counter allocates nothing.
 */
#include <limits.h>
#include <string.h>

#include "core/args.h"
#include "core/command.h"
#include "core/db.h"
#include "core/errors.h"
#include "core/notify.h"
#include "ds/numfmt.h"
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

/* Converts an expire argument in the unit implied by 'flags' to an
 * absolute unix time in ms, with Redis's validation and error text. */
int parseExpireOrReply(client *c, slice arg, int flags, long long *when) {
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
 * flags the command takes.  Returns C_OK with '*flags' and '*expireArg'. */
static int parseSetOptions(client *c, int first, int allowed, int *flags, slice *expireArg) {
    *flags = 0;
    for (int j = first; j < c->argc; j++) {
        slice a = c->argv[j];
        bool hasNext = j + 1 < c->argc;
        int f = *flags;
        if ((allowed & SET_NX) && sliceIs(a, "nx") && !(f & SET_XX)) {
            *flags |= SET_NX;
        } else if ((allowed & SET_XX) && sliceIs(a, "xx") && !(f & SET_NX)) {
            *flags |= SET_XX;
        } else if ((allowed & SET_GET) && sliceIs(a, "get")) {
            *flags |= SET_GET;
        } else if ((allowed & SET_KEEPTTL) && sliceIs(a, "keepttl") &&
                   !(f & (SET_PERSIST | SET_EX | SET_EXAT | SET_PX | SET_PXAT))) {
            *flags |= SET_KEEPTTL;
        } else if ((allowed & SET_PERSIST) && sliceIs(a, "persist") &&
                   !(f & (SET_EX | SET_EXAT | SET_PX | SET_PXAT | SET_KEEPTTL))) {
            *flags |= SET_PERSIST;
        } else if (hasNext && !(f & (SET_KEEPTTL | SET_PERSIST | SET_EX | SET_EXAT | SET_PX | SET_PXAT)) &&
                   (sliceIs(a, "ex") || sliceIs(a, "px") || sliceIs(a, "exat") || sliceIs(a, "pxat"))) {
            *flags |= sliceIs(a, "ex") ? SET_EX : sliceIs(a, "px") ? SET_PX : sliceIs(a, "exat") ? SET_EXAT : SET_PXAT;
            *expireArg = c->argv[++j];
        } else {
            addReplyError(c, ERR_SYNTAX);
            return C_ERR;
        }
    }
    return C_OK;
}

/* The core of SET, SETNX, SETEX, PSETEX.  'expireArg' is used when one of
 * the expire flags is set.  'okReply'/'abortReply' select the reply style:
 * NULL means the usual +OK / nil. */
static void setGeneric(client *c, int flags, slice key, slice val, slice expireArg,
                       bool intReply) {
    long long when = -1;
    if ((flags & (SET_EX | SET_PX | SET_EXAT | SET_PXAT)) &&
        parseExpireOrReply(c, expireArg, flags, &when) == C_ERR)
        return;
    kvobj *old = lookupWrite(c, key);
    if (flags & SET_GET) {
        if (old && old->type != OBJ_STRING) {
            addReplyError(c, ERR_WRONGTYPE);
            return;
        }
        if (old)
            addReplyBulkKv(c, old);
        else
            addReplyNull(c);
    }
    if ((flags & SET_NX && old) || (flags & SET_XX && !old)) {
        if (intReply)
            addReplyLongLong(c, 0);
        else if (!(flags & SET_GET))
            addReplyNull(c);
        return;
    }
    if ((flags & SET_KEEPTTL) && old) when = kvGetExpire(old);
    kvobj *kv = kvNewString(key.ptr, key.len, val.ptr, val.len, when);
    if (old)
        dbReplace(c->db, old, kv, false);
    else
        dbAdd(c->db, kv);
    signalModifiedKey(c, c->db, key.ptr, key.len);
    notifyKeyspaceEvent(NOTIFY_STRING, "set", key.ptr, key.len, c->db->id);
    if (when >= 0) notifyKeyspaceEvent(NOTIFY_GENERIC, "expire", key.ptr, key.len, c->db->id);
    if (intReply)
        addReplyLongLong(c, 1);
    else if (!(flags & SET_GET))
        addReplyOK(c);
}

void setCommand(client *c) {
    int flags;
    slice expireArg = {NULL, 0};
    if (parseSetOptions(c, 3, SET_NX | SET_XX | SET_GET | SET_KEEPTTL | SET_EX | SET_PX | SET_EXAT | SET_PXAT,
                        &flags, &expireArg) == C_ERR)
        return;
    setGeneric(c, flags, c->argv[1], c->argv[2], expireArg, false);
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

/* INCR/DECR/INCRBY/DECRBY: adds 'incr' to the integer at 'key'. */
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
    if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) ||
        (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
        addReplyError(c, ERR_OVERFLOW);
        return;
    }
    value += incr;
    if (kv && kv->encoding == OBJ_ENC_INT) {
        memcpy(kvValuePtr(kv), &value, 8); /* in place: no allocation */
    } else {
        kvobj *n = kvNewInt(key.ptr, key.len, value, kv ? kvGetExpire(kv) : -1);
        if (kv)
            dbReplace(c->db, kv, n, false);
        else
            dbAdd(c->db, n);
    }
    signalModifiedKey(c, c->db, key.ptr, key.len);
    notifyKeyspaceEvent(NOTIFY_STRING, "incrby", key.ptr, key.len, c->db->id);
    addReplyLongLong(c, value);
}

void incrCommand(client *c) { incrDecr(c, 1); }
