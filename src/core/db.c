/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Keyspace storage: each db is one hashtable of kvobj entries (key and
 * value in one allocation, TTL inside the entry).  Lookups apply lazy
 * expiry: a key past its TTL is deleted the moment anyone touches it, so a
 * client never sees it.  Keys nobody touches are reclaimed by the active
 * cycle in core/expire.c.
 *
 * Every change to a key goes through dbAdd/dbReplace/dbSet/dbDelete so that
 * the expires counter stays right, and the command then calls keyModified
 * (WATCH, keyspace event, dirty counter: the one write path).  A key found
 * expired is deleted here and its deletion propagated as DEL.
 */
#include "core/db.h"

#include "core/blocking.h"
#include "core/errors.h"
#include "core/multi.h"
#include "core/notify.h"
#include "core/pause.h"
#include "core/propagate.h"
#include "net/reply.h"

static const void *kvEntryKey(const void *e, size_t *len) {
    const kvobj *kv = e;
    *len = kvKeyLen(kv);
    return kvKey(kv);
}

static void kvEntryFree(void *e) { kvFree(e); }

static const htType keyspaceType = {kvEntryKey, kvEntryFree};

void dbInitAll(void) {
    server.dbs = tcalloc(sizeof(db) * (size_t)server.dbnum);
    for (int j = 0; j < server.dbnum; j++) {
        server.dbs[j].keys = htCreate(&keyspaceType);
        server.dbs[j].id = j;
    }
}

void dbFreeAll(void) {
    if (!server.dbs) return;
    for (int j = 0; j < server.dbnum; j++) htRelease(server.dbs[j].keys);
    tfree(server.dbs);
    server.dbs = NULL;
}

db *dbGet(int id) { return &server.dbs[id]; }

size_t dbSize(const db *d) { return htSize(d->keys); }

bool kvIsExpired(const kvobj *kv) {
    if (!(kv->flags & KV_FLAG_EXPIRE)) return false;
    return kvGetExpire(kv) <= commandTimeMs();
}

void dbExpireKey(db *d, kvobj *kv) {
    size_t klen = kvKeyLen(kv);
    char small[256];
    /* The key bytes live inside 'kv'; copy them before it is freed. */
    char *key = klen <= sizeof(small) ? small : tmalloc(klen);
    memcpy(key, kvKey(kv), klen);
    htUnlink(d->keys, key, klen);
    d->expires--;
    server.stat.expiredKeys++;
    if (kv->type == OBJ_STREAM) signalKeyAsReady(d, key, klen);
    freeKvMaybeLazy(kv, server.lazyfreeLazyUserDel);
    notifyKeyspaceEvent(NOTIFY_EXPIRED, "expired", key, klen, d->id);
    signalModifiedKey(NULL, d, key, klen);
    /* Replicas and the AOF never expire keys themselves: they are told. */
    propagateDeletion(d->id, key, klen, false);
    if (key != small) tfree(key);
}

kvobj *dbFind(db *d, const char *key, size_t len) { return htFind(d->keys, key, len); }

/* Finds 'key', deleting it first if its TTL has passed.  During CLIENT
 * PAUSE a read ('write' false) treats an expired key as missing but leaves
 * it in place, as Redis 7.0 does; a write still deletes it. */
static kvobj *lookupLive(db *d, const char *key, size_t len, bool write) {
    kvobj *kv = htFind(d->keys, key, len);
    if (kv && kvIsExpired(kv)) {
        if (!write && pauseActive()) return NULL;
        dbExpireKey(d, kv);
        return NULL;
    }
    return kv;
}

kvobj *lookupKeyWrite(db *d, const char *key, size_t len) {
    kvobj *kv = lookupLive(d, key, len, true);
    if (kv) kv->lru = server.lruclock; /* writes count as access, as in Redis */
    return kv;
}

kvobj *lookupKeyReadWithFlags(db *d, const char *key, size_t len, int flags) {
    kvobj *kv = lookupLive(d, key, len, false);
    if (kv) {
        server.stat.keyspaceHits++;
        if (!(flags & LOOKUP_NOTOUCH)) kv->lru = server.lruclock;
    } else {
        server.stat.keyspaceMisses++;
        if (!(flags & LOOKUP_NONOTIFY)) notifyKeyspaceEvent(NOTIFY_KEY_MISS, "keymiss", key, len, d->id);
    }
    return kv;
}

kvobj *lookupKeyRead(db *d, const char *key, size_t len) {
    return lookupKeyReadWithFlags(d, key, len, 0);
}

kvobj *lookupReadTyped(client *c, slice key, int type, bool *wrongtype) {
    kvobj *kv = lookupRead(c, key);
    *wrongtype = kv && kv->type != (uint32_t)type;
    if (*wrongtype) addReplyError(c, ERR_WRONGTYPE);
    return *wrongtype ? NULL : kv;
}

kvobj *lookupWriteTyped(client *c, slice key, int type, bool *wrongtype) {
    kvobj *kv = lookupWrite(c, key);
    *wrongtype = kv && kv->type != (uint32_t)type;
    if (*wrongtype) addReplyError(c, ERR_WRONGTYPE);
    return *wrongtype ? NULL : kv;
}

/* Links 'kv' (key absent) into 'd' and counts its TTL. */
static void dbLink(db *d, kvobj *kv) {
    htAddNew(d->keys, kv);
    if (kv->flags & KV_FLAG_EXPIRE) d->expires++;
}

void dbAdd(db *d, kvobj *kv) {
    dbLink(d, kv);
    /* Class 'n': a key came into existence (before the command's own
     * event, as in Redis 7.0). */
    notifyKeyspaceEvent(NOTIFY_NEW, "new", kvKey(kv), kvKeyLen(kv), d->id);
    /* Any path that creates a list, sorted set or stream (RENAME, COPY,
     * MOVE, the STORE commands, LMOVE...) may satisfy blocked clients, as
     * in Redis 7.0's dbAdd.  Free when nobody is blocked. */
    if (kv->type == OBJ_LIST || kv->type == OBJ_ZSET || kv->type == OBJ_STREAM)
        signalKeyAsReady(d, kvKey(kv), kvKeyLen(kv));
}

void dbReplace(db *d, kvobj *old, kvobj *kv, bool keepOldValue) {
    bool ok = htReplace(d->keys, old, kv);
    serverAssert(ok);
    /* A stream going away ends XREADGROUP waits on it (Redis 7.0). */
    if (old->type == OBJ_STREAM) signalKeyAsReady(d, kvKey(kv), kvKeyLen(kv));
    if (old->flags & KV_FLAG_EXPIRE) d->expires--;
    if (kv->flags & KV_FLAG_EXPIRE) d->expires++;
    if (keepOldValue)
        kvFreeShell(old);
    else
        freeKvMaybeLazy(old, false);
}

void dbSet(db *d, kvobj *kv) {
    /* A write lookup, so an expired-but-stored key is expired first, with
     * its "expired" event, before the new value's event: Redis's setKey. */
    kvobj *old = lookupKeyWrite(d, kvKey(kv), kvKeyLen(kv));
    if (old)
        dbReplace(d, old, kv, false);
    else
        dbAdd(d, kv);
}

bool dbDelete(db *d, const char *key, size_t len, bool lazy) {
    kvobj *kv = htUnlink(d->keys, key, len);
    if (!kv) return false;
    if (kv->flags & KV_FLAG_EXPIRE) d->expires--;
    if (kv->type == OBJ_STREAM) signalKeyAsReady(d, key, len);
    freeKvMaybeLazy(kv, lazy);
    return true;
}

bool dbDeleteNotify(client *c, slice key) {
    /* No lazy expiry first: Redis deletes the destination raw, so an
     * expired-but-stored one goes with "del", not "expired". */
    if (!dbDelete(c->db, key.ptr, key.len, false)) return false;
    keyModified(c, key, NOTIFY_GENERIC, "del");
    return true;
}

kvobj *dbUnlink(db *d, const char *key, size_t len) {
    kvobj *kv = htUnlink(d->keys, key, len);
    if (kv && (kv->flags & KV_FLAG_EXPIRE)) d->expires--;
    if (kv && kv->type == OBJ_STREAM) signalKeyAsReady(d, key, len);
    return kv;
}

kvobj *dbSetExpire(db *d, kvobj *kv, long long when) {
    if (when >= 0 && (kv->flags & KV_FLAG_EXPIRE)) {
        kvUpdateExpire(kv, when);
        return kv;
    }
    if (when < 0 && !(kv->flags & KV_FLAG_EXPIRE)) return kv;
    /* Adding or removing the TTL changes the entry's size: rebuild it and
     * swap it into the table in place of the old one. */
    size_t klen = kvKeyLen(kv);
    kvobj *old = kv;
    char small[256];
    char *key = klen <= sizeof(small) ? small : tmalloc(klen);
    memcpy(key, kvKey(kv), klen);
    /* Unlink first: kvWithExpire frees the old shell. */
    kvobj *unlinked = htUnlink(d->keys, key, klen);
    serverAssert(unlinked == old);
    if (old->flags & KV_FLAG_EXPIRE) d->expires--;
    kvobj *n = kvWithExpire(old, when);
    dbLink(d, n); /* the same key again: not a new one for blocked clients */
    if (key != small) tfree(key);
    return n;
}

long long dbEmpty(int id, bool async) {
    long long removed = 0;
    int start = id < 0 ? 0 : id, end = id < 0 ? server.dbnum - 1 : id;
    for (int j = start; j <= end; j++) {
        db *d = &server.dbs[j];
        touchAllWatchedKeysInDb(d, NULL);
        /* Waiters on streams about to vanish (XREADGROUP) get unblocked. */
        blockingSignalDb(d);
        removed += (long long)htSize(d->keys);
        if (async && htSize(d->keys) > 0) {
            /* Swap in a fresh table; the old one is freed off-thread. */
            hashtable *old = d->keys;
            d->keys = htCreate(&keyspaceType);
            lazyfreeTable(old);
        } else {
            htEmpty(d->keys, NULL);
        }
        d->expires = 0;
        d->expireCursor = 0;
        d->avgTtl = 0;
    }
    return removed;
}

void dbSwap(int a, int b) {
    /* Watchers stay with the db id, so whoever watches a key that leaves
     * or arrives sees a change. */
    touchAllWatchedKeysInDb(&server.dbs[a], &server.dbs[b]);
    touchAllWatchedKeysInDb(&server.dbs[b], &server.dbs[a]);
    /* Keys leaving either db (streams: XREADGROUP waits end) ... */
    blockingSignalDb(&server.dbs[a]);
    blockingSignalDb(&server.dbs[b]);
    db tmp = server.dbs[a];
    server.dbs[a].keys = server.dbs[b].keys;
    server.dbs[a].expires = server.dbs[b].expires;
    server.dbs[a].expireCursor = server.dbs[b].expireCursor;
    server.dbs[a].avgTtl = server.dbs[b].avgTtl;
    server.dbs[b].keys = tmp.keys;
    server.dbs[b].expires = tmp.expires;
    server.dbs[b].expireCursor = tmp.expireCursor;
    server.dbs[b].avgTtl = tmp.avgTtl;
    /* ... and keys arriving: clients blocked in either db now face the
     * other db's keys. */
    blockingSignalDb(&server.dbs[a]);
    blockingSignalDb(&server.dbs[b]);
}

void signalModifiedKey(client *c, db *d, const char *key, size_t len) {
    (void)c;
    touchWatchedKey(d, key, len);
}

void keyModifiedIn(client *c, db *d, const char *key, size_t len, int cls, const char *event) {
    signalModifiedKey(c, d, key, len);
    if (event) notifyKeyspaceEvent(cls, event, key, len, d->id);
    server.dirty++;
}
