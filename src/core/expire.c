/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Expiry: the active cycle and the EXPIRE family of commands.
 *
 * Keys carry their TTL inside the kvobj, so there is no second table of
 * expiring keys.  The active cycle walks each db's keyspace with the scan
 * cursor (which tolerates rehashing) and deletes keys whose time has come.
 * Like Redis, it adapts: it keeps going while a large share (> 10%) of the
 * keys with a TTL it sees are expired, and stops when the share is small or
 * its CPU budget for this tick (25% of a cron period) is spent.  Keys no one
 * reads are thus reclaimed without ever stalling the server.
 */
#include "core/db.h"

#define EXPIRE_BUCKETS_PER_LOOP 64
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

void activeExpireCycle(void) {
    if (!server.activeExpireEnabled) return;
    long long start = loopMonoMicros();
    long long budget = (1000000LL / (server.hz > 0 ? server.hz : 10)) * EXPIRE_CPU_PERCENT / 100;
    for (int j = 0; j < server.dbnum; j++) {
        db *d = dbGet(j);
        if (d->expires == 0) continue;
        while (1) {
            expireScan s = {.d = d, .now = server.unixtimeMs};
            /* Visit buckets until we have seen enough keys with a TTL. */
            for (int b = 0; b < EXPIRE_BUCKETS_PER_LOOP && s.withTtl < EXPIRE_TTL_KEYS_PER_LOOP; b++) {
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
