/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Expiry: the active cycle and the EXPIRE family of commands (EXPIRE,
 * PEXPIRE, EXPIREAT, PEXPIREAT with NX/XX/GT/LT; TTL, PTTL, EXPIRETIME,
 * PEXPIRETIME; PERSIST), all O(1).
 *
 * Keys carry their TTL inside the kvobj, so there is no second table of
 * expiring keys.  The active cycle walks each db's keyspace with the scan
 * cursor (which tolerates rehashing) and deletes keys whose time has come.
 * Like Redis, it adapts: it keeps going while a large share (> 10%) of the
 * keys with a TTL it sees are expired, and stops when the share is small or
 * its CPU budget for this tick (25% of a cron period) is spent.  Keys no one
 * reads are thus reclaimed without ever stalling the server.
 *
 * Since the walk covers every key, not only those with a TTL, one loop
 * visits as many buckets as it takes to meet about 20 keys with a TTL on
 * average (at most 16384, well under a millisecond).  A db where few keys
 * expire is thus still swept in a bounded number of ticks: 1M keys of
 * which ten have a TTL take about 64 ticks (6 s at hz 10) per pass.
 */
#include <limits.h>
#include <string.h>

#include "core/args.h"
#include "core/command.h"
#include "core/db.h"
#include "core/errors.h"
#include "core/notify.h"
#include "core/pause.h"
#include "core/propagate.h"
#include "net/reply.h"

#define EXPIRE_MIN_BUCKETS_PER_LOOP 64
#define EXPIRE_MAX_BUCKETS_PER_LOOP 16384
#define EXPIRE_TTL_KEYS_PER_LOOP 20
#define EXPIRE_ACCEPTABLE_STALE 10 /* percent */
#define EXPIRE_CPU_PERCENT 25

typedef struct expireScan {
    db *d;
    long long now;
    int withTtl;
    int expired;
    kvobj *doomed[512];
    int ndoomed;
} expireScan;

static void expireScanCb(void *priv, void *entry) {
    expireScan *s = priv;
    kvobj *kv = entry;
    if (!(kv->flags & KV_FLAG_EXPIRE)) return;
    s->withTtl++;
    if (kvGetExpire(kv) <= s->now && s->ndoomed < (int)(sizeof(s->doomed) / sizeof(s->doomed[0])))
        s->doomed[s->ndoomed++] = kv;
}

/* Buckets one loop of the cycle may visit in 'd' (see the file comment). */
static long bucketsPerLoop(const db *d) {
    size_t want = htBuckets(d->keys) * EXPIRE_TTL_KEYS_PER_LOOP / (d->expires ? d->expires : 1);
    if (want < EXPIRE_MIN_BUCKETS_PER_LOOP) return EXPIRE_MIN_BUCKETS_PER_LOOP;
    if (want > EXPIRE_MAX_BUCKETS_PER_LOOP) return EXPIRE_MAX_BUCKETS_PER_LOOP;
    return (long)want;
}

void activeExpireCycle(void) {
    /* CLIENT PAUSE freezes the dataset: keys expire once it ends. */
    if (!server.activeExpireEnabled || pauseActive()) return;
    long long start = loopMonoMicros();
    long long budget = (1000000LL / (server.hz > 0 ? server.hz : 10)) * EXPIRE_CPU_PERCENT / 100;
    for (int j = 0; j < server.dbnum; j++) {
        db *d = dbGet(j);
        if (d->expires == 0) continue;
        while (1) {
            expireScan s = {.d = d, .now = server.unixtimeMs};
            /* Visit buckets until we have seen enough keys with a TTL. */
            long maxBuckets = bucketsPerLoop(d);
            for (long b = 0; b < maxBuckets && s.withTtl < EXPIRE_TTL_KEYS_PER_LOOP; b++) {
                d->expireCursor = htScan(d->keys, d->expireCursor, expireScanCb, &s);
                if (d->expireCursor == 0) break;
            }
            for (int k = 0; k < s.ndoomed; k++) dbExpireKey(d, s.doomed[k]);
            s.expired = s.ndoomed;
            if (d->expires == 0 || s.withTtl == 0) break;
            if (s.expired * 100 <= s.withTtl * EXPIRE_ACCEPTABLE_STALE) break;
            if (loopMonoMicros() - start > budget) return;
        }
    }
}

/* ---- EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT ---- */

#define EXPIRE_NX (1 << 0)
#define EXPIRE_XX (1 << 1)
#define EXPIRE_GT (1 << 2)
#define EXPIRE_LT (1 << 3)

/* Parses the NX/XX/GT/LT options after the time argument.  Unknown words
 * are reported before incompatible combinations, as Redis does. */
static int parseExpireFlagsOrReply(client *c, int *flags) {
    *flags = 0;
    for (int j = 3; j < c->argc; j++) {
        slice a = c->argv[j];
        if (sliceIs(a, "nx")) {
            *flags |= EXPIRE_NX;
        } else if (sliceIs(a, "xx")) {
            *flags |= EXPIRE_XX;
        } else if (sliceIs(a, "gt")) {
            *flags |= EXPIRE_GT;
        } else if (sliceIs(a, "lt")) {
            *flags |= EXPIRE_LT;
        } else {
            /* Redis formats the option as a C string: it stops at a NUL. */
            size_t len = strnlen(a.ptr, a.len);
            addReplyErrorFormat(c, "ERR Unsupported option %.*s", (int)(len < 400 ? len : 400),
                                a.ptr);
            return C_ERR;
        }
    }
    int f = *flags;
    if ((f & EXPIRE_NX) && (f & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT))) {
        addReplyError(c, "ERR NX and XX, GT or LT options at the same time are not compatible");
        return C_ERR;
    }
    if ((f & EXPIRE_GT) && (f & EXPIRE_LT)) {
        addReplyError(c, "ERR GT and LT options at the same time are not compatible");
        return C_ERR;
    }
    return C_OK;
}

void setExpireOrDelete(client *c, kvobj *kv, slice key, long long when) {
    char buf[24];
    if (when <= commandTimeMs()) {
        dbDelete(c->db, key.ptr, key.len, false);
        keyModified(c, key, NOTIFY_GENERIC, "del");
        slice prop[2] = {propArgStr("DEL"), key};
        propagateAs(c, 2, prop);
    } else {
        dbSetExpire(c->db, kv, when);
        keyModified(c, key, NOTIFY_GENERIC, "expire");
        /* Absolute, so the replay expires the key at the same moment. */
        slice prop[3] = {propArgStr("PEXPIREAT"), key, propArgLongLong(buf, when)};
        propagateAs(c, 3, prop);
    }
}

/* The EXPIRE family.  'basetime' is added to the argument (the current
 * time for relative forms, 0 for the AT forms); 'seconds' says the unit.
 * A time already in the past deletes the key (reply 1, event "del"). */
static void expireGeneric(client *c, long long basetime, bool seconds) {
    slice key = c->argv[1];
    int flags;
    long long when;
    if (parseExpireFlagsOrReply(c, &flags) == C_ERR) return;
    if (getLongLongOrReply(c, c->argv[2], &when, NULL) == C_ERR) return;
    /* Negative times are allowed; only overflow of the unit conversion or
     * of the addition is an error. */
    if (seconds) {
        if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) {
            addReplyErrorFormat(c, ERR_INVALID_EXPIRE, commandFullName(c->cmd));
            return;
        }
        when *= 1000;
    }
    if (when > LLONG_MAX - basetime) {
        addReplyErrorFormat(c, ERR_INVALID_EXPIRE, commandFullName(c->cmd));
        return;
    }
    when += basetime;

    kvobj *kv = lookupWrite(c, key);
    if (!kv) {
        addReplyLongLong(c, 0);
        return;
    }
    long long current = kvGetExpire(kv);
    /* No TTL counts as an infinite one: GT never beats it, LT always does. */
    if (((flags & EXPIRE_NX) && current != -1) || ((flags & EXPIRE_XX) && current == -1) ||
        ((flags & EXPIRE_GT) && (current == -1 || when <= current)) ||
        ((flags & EXPIRE_LT) && current != -1 && when >= current)) {
        addReplyLongLong(c, 0);
        return;
    }
    setExpireOrDelete(c, kv, key, when);
    addReplyLongLong(c, 1);
}

void expireCommand(client *c) { expireGeneric(c, commandTimeMs(), true); }

void pexpireCommand(client *c) { expireGeneric(c, commandTimeMs(), false); }

void expireatCommand(client *c) { expireGeneric(c, 0, true); }

void pexpireatCommand(client *c) { expireGeneric(c, 0, false); }

/* ---- TTL / PTTL / EXPIRETIME / PEXPIRETIME / PERSIST ---- */

/* -2 for a missing key, -1 without TTL, else the remaining time ('abs'
 * false, never below 0) or the absolute unix time ('abs' true), in ms or
 * rounded to the nearest second. */
static void ttlGeneric(client *c, bool ms, bool abs) {
    slice key = c->argv[1];
    kvobj *kv = lookupKeyReadWithFlags(c->db, key.ptr, key.len, LOOKUP_NOTOUCH);
    if (!kv) {
        addReplyLongLong(c, -2);
        return;
    }
    long long expire = kvGetExpire(kv);
    if (expire == -1) {
        addReplyLongLong(c, -1);
        return;
    }
    long long t = abs ? expire : expire - commandTimeMs();
    if (t < 0) t = 0;
    /* Rounded in unsigned arithmetic: t + 500 may exceed LLONG_MAX (Redis
     * prints the mathematically right value there too). */
    addReplyLongLong(c, ms ? t : (long long)(((unsigned long long)t + 500) / 1000));
}

void ttlCommand(client *c) { ttlGeneric(c, false, false); }

void pttlCommand(client *c) { ttlGeneric(c, true, false); }

void expiretimeCommand(client *c) { ttlGeneric(c, false, true); }

void pexpiretimeCommand(client *c) { ttlGeneric(c, true, true); }

void persistCommand(client *c) {
    slice key = c->argv[1];
    kvobj *kv = lookupWrite(c, key);
    if (!kv || kvGetExpire(kv) == -1) {
        addReplyLongLong(c, 0);
        return;
    }
    dbSetExpire(c->db, kv, -1);
    keyModified(c, key, NOTIFY_GENERIC, "persist");
    addReplyLongLong(c, 1);
}
