/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The keyspace: databases of kvobj entries, lookup with lazy expiry, and
 * the operations every type uses to add, replace and delete keys.
 */
#ifndef TERN_CORE_DB_H
#define TERN_CORE_DB_H

#include "server/server.h"

/* Creates server.dbnum empty databases. */
void dbInitAll(void);
/* Frees every database (shutdown under sanitizers). */
void dbFreeAll(void);
db *dbGet(int id);

/* Lookup for reading: expires the key if due, counts a hit or a miss,
 * refreshes the LRU clock, and publishes a "keymiss" event when absent.
 * Returns NULL when absent. */
kvobj *lookupKeyRead(db *d, const char *key, size_t len);
/* Flags for lookupKeyReadWithFlags. */
#define LOOKUP_NOTOUCH (1 << 0)  /* leave the LRU clock alone (TYPE, EXISTS, TTL, OBJECT) */
#define LOOKUP_NONOTIFY (1 << 1) /* no "keymiss" event (OBJECT) */
/* lookupKeyRead with the behaviours in 'flags' switched off.  Hit/miss
 * statistics are always counted, as in Redis. */
kvobj *lookupKeyReadWithFlags(db *d, const char *key, size_t len, int flags);
/* Lookup for writing: expires the key if due, no hit/miss stats. */
kvobj *lookupKeyWrite(db *d, const char *key, size_t len);
/* Raw lookup: no expiry, no stats (for introspection). */
kvobj *dbFind(db *d, const char *key, size_t len);

/* Convenience wrappers over the argv slice. */
static inline kvobj *lookupRead(client *c, slice key) { return lookupKeyRead(c->db, key.ptr, key.len); }
static inline kvobj *lookupWrite(client *c, slice key) { return lookupKeyWrite(c->db, key.ptr, key.len); }

/* Looks up 'key' for reading; when it exists but is not of 'type', replies
 * WRONGTYPE and sets '*wrongtype'.  Returns the kvobj or NULL. */
kvobj *lookupReadTyped(client *c, slice key, int type, bool *wrongtype);
kvobj *lookupWriteTyped(client *c, slice key, int type, bool *wrongtype);

/* Adds 'kv' whose key must be absent.  The db owns it afterwards.  A new
 * list or sorted set wakes clients blocked on its key (signalKeyAsReady). */
void dbAdd(db *d, kvobj *kv);
/* Replaces 'old' (present in 'd') by 'kv' with the same key; frees 'old'
 * (and its value unless 'keepOldValue'). */
void dbReplace(db *d, kvobj *old, kvobj *kv, bool keepOldValue);
/* Sets the key of 'kv' to 'kv', replacing any existing value (and its TTL,
 * since 'kv' carries its own).  An existing key that is due is expired
 * first (its "expired" event precedes the caller's).  The db owns 'kv'. */
void dbSet(db *d, kvobj *kv);
/* Deletes the key; returns true when it existed.  'lazy' hands big values
 * to the lazy-free thread. */
bool dbDelete(db *d, const char *key, size_t len, bool lazy);
/* Deletes 'key' from the client's db the way a command overwriting it with
 * an empty result does (SINTERSTORE, ZUNIONSTORE, ZRANGESTORE, ...):
 * when the key is stored (even expired: no lazy expiry, as in Redis),
 * deletes it, signals the change and publishes "del".  Returns true when a
 * key was deleted. */
bool dbDeleteNotify(client *c, slice key);
/* Removes the key from 'd' without freeing it and returns its kvobj (NULL
 * when absent).  The caller owns the result: RENAME and MOVE re-add it. */
kvobj *dbUnlink(db *d, const char *key, size_t len);
/* Sets or removes the TTL of an existing key ('when' ms, -1 removes).
 * Returns the possibly moved kvobj. */
kvobj *dbSetExpire(db *d, kvobj *kv, long long when);
/* True if 'kv' is logically expired at the current command time. */
bool kvIsExpired(const kvobj *kv);
/* Removes 'kv' because it expired (counts stats).  'kv' is invalid after. */
void dbExpireKey(db *d, kvobj *kv);
/* Empties one db ('id' >= 0) or all (-1); returns the keys removed. */
long long dbEmpty(int id, bool async);
/* Swaps two databases' contents.  Clients keep their db index, so each
 * sees the other database's keys afterwards; clients blocked in either db
 * are offered the keys they wait on (blockingSignalDb). */
void dbSwap(int a, int b);
size_t dbSize(const db *d);

/* WATCH's hook: marks the clients watching 'key' in 'd' dirty.  Commands
 * call keyModified instead, which does this and more. */
void signalModifiedKey(client *c, db *d, const char *key, size_t len);

/* The write path for one key, called after a command changed 'key' in
 * 'd': signals it (WATCH, later client-side caching), publishes keyspace
 * event 'event' of class 'cls' (NOTIFY_* from core/notify.h; 'event' NULL
 * publishes nothing) and counts one change in server.dirty, which is what
 * makes the dispatcher propagate the command (core/propagate.h) and what
 * save rules count.  A command changing several elements of one key may
 * add the rest to server.dirty itself, as Redis counts them. */
void keyModifiedIn(client *c, db *d, const char *key, size_t len, int cls, const char *event);
/* keyModifiedIn for 'key' in the client's db. */
static inline void keyModified(client *c, slice key, int cls, const char *event) {
    keyModifiedIn(c, c->db, key.ptr, key.len, cls, event);
}

/* Gives 'key' (its live kvobj 'kv') the absolute expire time 'when' (ms),
 * as EXPIRE and GETEX do: a time not after the command's time deletes the
 * key and publishes "del", a later one sets the TTL and publishes
 * "expire"; the change is signalled either way.  'kv' may be invalid
 * afterwards (core/expire.c). */
void setExpireOrDelete(client *c, kvobj *kv, slice key, long long when);

/* Active expiry cycle, called from the cron: samples keys with a TTL and
 * removes the expired ones within a CPU budget. */
void activeExpireCycle(void);

/* Hands a value to the lazy-free thread when it is big enough (UNLINK,
 * FLUSHALL ASYNC); frees it inline otherwise. */
void freeKvMaybeLazy(kvobj *kv, bool lazy);
/* Frees a whole keyspace table off the main thread (FLUSHALL ASYNC). */
void lazyfreeTable(hashtable *ht);
void lazyfreeInit(void);
void lazyfreeShutdown(void);
size_t lazyfreePending(void);
long long lazyfreedObjects(void);

#endif
