/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Generic keyspace commands: DEL, UNLINK, EXISTS, TYPE, RENAME, RENAMENX,
 * COPY, MOVE, SWAPDB, KEYS, SCAN, RANDOMKEY, DBSIZE, TOUCH, FLUSHDB,
 * FLUSHALL and OBJECT.  They work on any type through kvobj and
 * objTypeOps; the EXPIRE family lives in core/expire.c.
 *
 * Costs: everything is O(1) per key named, except KEYS (O(N) over the db),
 * SCAN (O(COUNT) buckets per call, at most 10*COUNT), COPY (O(size of the
 * value)) and FLUSHDB/FLUSHALL (O(N), or O(1) with ASYNC).
 *
 * Keys are bytes inside their kvobj, so renaming a key builds a new kvobj
 * around the same value (the value itself never moves or gets copied);
 * MOVE re-links the very same kvobj into the other database.
 *
 * Every change calls keyModified (WATCH, keyspace event, dirty counter)
 * with Redis's event names: del, rename_from, rename_to, copy_to,
 * move_from, move_to.  FLUSHDB, FLUSHALL and SWAPDB count in dirty
 * themselves and are always propagated, as in Redis.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "core/args.h"
#include "core/command.h"
#include "core/db.h"
#include "core/errors.h"
#include "core/notify.h"
#include "core/propagate.h"
#include "core/scan.h"
#include "ds/glob.h"
#include "net/reply.h"

/* Redis shares the integers 0..9999 between all keys and reports their
 * reference count as INT_MAX. */
#define SHARED_INTEGERS 10000
#define SHARED_REFCOUNT INT_MAX

/* ---- DEL / UNLINK / EXISTS / TOUCH / TYPE / DBSIZE ---- */

/* DEL and UNLINK: 'lazy' hands big values to the lazy-free thread. */
static void delGeneric(client *c, bool lazy) {
    long long deleted = 0;
    for (int j = 1; j < c->argc; j++) {
        slice k = c->argv[j];
        kvobj *kv = lookupWrite(c, k);
        if (!kv) continue;
        if (dbDelete(c->db, k.ptr, k.len, lazy)) {
            keyModified(c, k, NOTIFY_GENERIC, "del");
            deleted++;
        }
    }
    addReplyLongLong(c, deleted);
}

void delCommand(client *c) { delGeneric(c, server.lazyfreeLazyUserDel); }

void unlinkCommand(client *c) { delGeneric(c, true); }

/* EXISTS counts a key once per mention: "EXISTS k k" replies 2. */
void existsCommand(client *c) {
    long long count = 0;
    for (int j = 1; j < c->argc; j++)
        if (lookupKeyReadWithFlags(c->db, c->argv[j].ptr, c->argv[j].len, LOOKUP_NOTOUCH)) count++;
    addReplyLongLong(c, count);
}

void touchCommand(client *c) {
    long long count = 0;
    for (int j = 1; j < c->argc; j++)
        if (lookupRead(c, c->argv[j])) count++;
    addReplyLongLong(c, count);
}

void typeCommand(client *c) {
    slice k = c->argv[1];
    kvobj *kv = lookupKeyReadWithFlags(c->db, k.ptr, k.len, LOOKUP_NOTOUCH);
    addReplyStatus(c, kv ? objTypeName(kv->type) : "none");
}

void dbsizeCommand(client *c) { addReplyLongLong(c, (long long)dbSize(c->db)); }

/* ---- RENAME / RENAMENX / COPY / MOVE / SWAPDB ---- */

/* Builds a kvobj named 'key' around the value of 'kv', which must already
 * be unlinked from its db.  The value moves (never copied), TTL and LRU
 * stay; the old shell is freed.  Returns the new kvobj, owned by the
 * caller. */
static kvobj *kvMoveToKey(kvobj *kv, slice key) {
    long long expire = kvGetExpire(kv);
    kvobj *n;
    if (kv->encoding == OBJ_ENC_INT) {
        n = kvNewInt(key.ptr, key.len, kvGetInt(kv), expire);
    } else if (kv->encoding == OBJ_ENC_EMBSTR) {
        /* An embedded string can hold a canonical integer (INCRBYFLOAT's
         * "17"): rebuild it as embstr, never int, so the encoding moves
         * with the value as in Redis. */
        char buf[32];
        const char *p;
        size_t len = kvStringBytes(kv, buf, &p);
        n = kvNewStringNoInt(key.ptr, key.len, p, len, expire);
    } else {
        n = kvNewPtr(key.ptr, key.len, (int)kv->type, (int)kv->encoding, kvGetPtr(kv), expire);
    }
    n->lru = kv->lru;
    kvFreeShell(kv);
    return n;
}

static bool sliceEquals(slice a, slice b) {
    return a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0;
}

/* RENAME and RENAMENX ('nx').  Renaming a key onto itself is a no-op that
 * still requires the key to exist (Redis replies OK, or 0 for RENAMENX). */
static void renameGeneric(client *c, bool nx) {
    slice src = c->argv[1], dst = c->argv[2];
    kvobj *kv = lookupWrite(c, src);
    if (!kv) {
        addReplyError(c, ERR_NO_SUCH_KEY);
        return;
    }
    if (sliceEquals(src, dst)) {
        if (nx)
            addReplyLongLong(c, 0);
        else
            addReplyOK(c);
        return;
    }
    /* 'kv' stays valid across this lookup: entries never move in memory,
     * and only the key looked up can be deleted. */
    if (lookupWrite(c, dst)) {
        if (nx) {
            addReplyLongLong(c, 0);
            return;
        }
        dbDelete(c->db, dst.ptr, dst.len, false);
    }
    kvobj *unlinked = dbUnlink(c->db, src.ptr, src.len);
    serverAssert(unlinked == kv);
    dbAdd(c->db, kvMoveToKey(kv, dst));
    keyModified(c, src, NOTIFY_GENERIC, "rename_from");
    keyModified(c, dst, NOTIFY_GENERIC, "rename_to");
    if (nx)
        addReplyLongLong(c, 1);
    else
        addReplyOK(c);
}

void renameCommand(client *c) { renameGeneric(c, false); }

void renamenxCommand(client *c) { renameGeneric(c, true); }

/* Parses a database index argument as MOVE and COPY do (Redis's
 * getIntFromObjectOrReply, typo included, then selectDb). */
static int getDbOrReply(client *c, slice s, db **out) {
    long long id;
    if (getLongLongOrReply(c, s, &id, NULL) == C_ERR) return C_ERR;
    if (id < INT_MIN || id > INT_MAX) {
        addReplyError(c, "ERR value is out of range, value must between -2147483648 and 2147483647");
        return C_ERR;
    }
    if (id < 0 || id >= server.dbnum) {
        addReplyError(c, ERR_DB_INDEX);
        return C_ERR;
    }
    *out = dbGet((int)id);
    return C_OK;
}

/* COPY source destination [DB destination-db] [REPLACE] */
void copyCommand(client *c) {
    db *src = c->db, *dst = c->db;
    bool replace = false;
    for (int j = 3; j < c->argc; j++) {
        int more = c->argc - j - 1;
        if (sliceIs(c->argv[j], "replace")) {
            replace = true;
        } else if (sliceIs(c->argv[j], "db") && more >= 1) {
            if (getDbOrReply(c, c->argv[j + 1], &dst) == C_ERR) return;
            j++;
        } else {
            addReplyError(c, ERR_SYNTAX);
            return;
        }
    }
    slice key = c->argv[1], newkey = c->argv[2];
    if (src == dst && sliceEquals(key, newkey)) {
        addReplyError(c, ERR_SAME_OBJECT);
        return;
    }
    kvobj *kv = lookupRead(c, key);
    if (!kv) {
        addReplyLongLong(c, 0);
        return;
    }
    if (lookupKeyWrite(dst, newkey.ptr, newkey.len)) {
        if (!replace) {
            addReplyLongLong(c, 0);
            return;
        }
        dbDelete(dst, newkey.ptr, newkey.len, false);
    }
    if (kv->type != OBJ_STRING && !objTypeOpsOf((int)kv->type)) {
        addReplyError(c, "ERR unknown type object");
        return;
    }
    kvobj *copy = kvDup(kv, newkey.ptr, newkey.len);
    copy->lru = server.lruclock; /* a new object, as in Redis */
    dbAdd(dst, copy);
    keyModifiedIn(c, dst, newkey.ptr, newkey.len, NOTIFY_GENERIC, "copy_to");
    addReplyLongLong(c, 1);
}

void moveCommand(client *c) {
    db *src = c->db, *dst;
    slice key = c->argv[1];
    if (getDbOrReply(c, c->argv[2], &dst) == C_ERR) return;
    if (src == dst) {
        addReplyError(c, ERR_SAME_OBJECT);
        return;
    }
    if (!lookupWrite(c, key) || lookupKeyWrite(dst, key.ptr, key.len)) {
        addReplyLongLong(c, 0);
        return;
    }
    /* The same kvobj (value, TTL, LRU) is re-linked into the target db. */
    dbAdd(dst, dbUnlink(src, key.ptr, key.len));
    keyModifiedIn(c, src, key.ptr, key.len, NOTIFY_GENERIC, "move_from");
    keyModifiedIn(c, dst, key.ptr, key.len, NOTIFY_GENERIC, "move_to");
    addReplyLongLong(c, 1);
}

void swapdbCommand(client *c) {
    long long a, b;
    if (getRangeLongOrReply(c, c->argv[1], INT_MIN, INT_MAX, &a, "ERR invalid first DB index") ==
        C_ERR)
        return;
    if (getRangeLongOrReply(c, c->argv[2], INT_MIN, INT_MAX, &b, "ERR invalid second DB index") ==
        C_ERR)
        return;
    if (a < 0 || a >= server.dbnum || b < 0 || b >= server.dbnum) {
        addReplyError(c, ERR_DB_INDEX);
        return;
    }
    if (a != b) {
        dbSwap((int)a, (int)b);
        /* Every key of both databases changed for its readers.  WATCH
         * (core/multi.c) must dirty all clients watching keys in either
         * db, and blocked clients (core/blocking.c) must be served when a
         * key they wait on now exists; Redis does both here
         * (touchAllWatchedKeysInDb, scanDatabaseForReadyKeys).  Those
         * modules own that state and hook in at this point. */
    }
    server.dirty++;
    addReplyOK(c);
}

/* ---- KEYS / SCAN / RANDOMKEY ---- */

void keysCommand(client *c) {
    slice pat = c->argv[1];
    /* A lone "*" also matches the empty key, which the glob itself does
     * not (Redis makes the same special case). */
    bool all = pat.len == 1 && pat.ptr[0] == '*';
    void *h = addReplyDeferredLen(c);
    long long n = 0;
    htIterator it;
    htIterInit(&it, c->db->keys, false);
    kvobj *kv;
    while ((kv = htNext(&it)) != NULL) {
        const char *k = kvKey(kv);
        size_t klen = kvKeyLen(kv);
        if (!all && !globMatch(pat.ptr, pat.len, k, klen, false)) continue;
        /* Redis 7.0 hides expired keys here without deleting them. */
        if (kvIsExpired(kv)) continue;
        addReplyBulk(c, k, klen);
        n++;
    }
    htIterRelease(&it);
    setDeferredArrayLen(c, h, n);
}

/* True when the TYPE filter keeps 'kv'.  Like Redis, the check is a read
 * lookup: an expired key is deleted and counts as type "none", and that
 * key is then reported (under TYPE none) although it no longer exists.
 * '*deleted' tells the caller 'kv' was freed; the key name was copied to
 * 'keyCopy' (caller frees with tfree) so it can still be replied. */
static bool scanTypeMatches(client *c, kvobj *kv, slice type, bool *deleted, char **keyCopy) {
    *deleted = false;
    *keyCopy = NULL;
    const char *name;
    if (kvIsExpired(kv)) {
        size_t klen = kvKeyLen(kv);
        *keyCopy = tmalloc(klen ? klen : 1);
        memcpy(*keyCopy, kvKey(kv), klen);
        lookupKeyReadWithFlags(c->db, *keyCopy, klen, LOOKUP_NOTOUCH);
        *deleted = true;
        name = "none";
    } else {
        server.stat.keyspaceHits++;
        name = objTypeName((int)kv->type);
    }
    size_t nlen = strlen(name);
    return type.len == nlen && strncasecmp(type.ptr, name, nlen) == 0;
}

/* SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
 *
 * Visits buckets from the cursor until COUNT keys are collected, the scan
 * ends, or 10*COUNT buckets were visited (so a sparse table cannot stall
 * the server), then filters by pattern, type and expiry.  The cursor is
 * the hashtable's reverse-binary bucket cursor, which is why every key
 * present for the whole iteration is returned at least once even while
 * the table grows or shrinks. */
void scanCommand(client *c) {
    uint64_t cursor;
    scanOpts o;
    if (parseScanCursorOrReply(c, c->argv[1], &cursor) == C_ERR) return;
    if (parseScanOptionsOrReply(c, 2, true, &o) == C_ERR) return;

    scanBatch b = {NULL, 0, 0};
    cursor = scanCollect(scanStepHashtable, c->db->keys, cursor, o.count, 1, &b);
    addReplyScanCursor(c, cursor);
    void *h = addReplyDeferredLen(c);
    long long n = 0;
    /* Entries never move in memory and each is deleted at most once here,
     * by its own turn, so the collected pointers stay valid. */
    for (size_t j = 0; j < b.n; j++) {
        kvobj *kv = b.items[j];
        if (!scanMatches(&o, kvKey(kv), kvKeyLen(kv))) continue;
        if (o.hasType) {
            bool deleted;
            char *keyCopy;
            size_t klen = kvKeyLen(kv);
            bool keep = scanTypeMatches(c, kv, o.type, &deleted, &keyCopy);
            if (deleted) {
                if (keep) {
                    addReplyBulk(c, keyCopy, klen);
                    n++;
                }
                tfree(keyCopy);
                continue;
            }
            if (!keep) continue;
        }
        if (kvIsExpired(kv)) {
            dbExpireKey(c->db, kv);
            continue;
        }
        addReplyBulk(c, kvKey(kv), kvKeyLen(kv));
        n++;
    }
    setDeferredArrayLen(c, h, n);
    tfree(b.items);
}

/* RANDOMKEY: a random live key, or nil when the db is empty.  A pick that
 * turns out expired is deleted and we pick again, as Redis does; each
 * failed try removes a key, so the loop ends after at most as many tries
 * as there are expired keys (work the active cycle would do anyway). */
void randomkeyCommand(client *c) {
    while (1) {
        kvobj *kv = htRandom(c->db->keys);
        if (!kv) {
            addReplyNull(c);
            return;
        }
        if (kvIsExpired(kv)) {
            dbExpireKey(c->db, kv);
            continue;
        }
        addReplyBulk(c, kvKey(kv), kvKeyLen(kv));
        return;
    }
}

/* ---- FLUSHDB / FLUSHALL ---- */

/* Parses the optional ASYNC|SYNC argument of FLUSHDB/FLUSHALL. */
static int getFlushAsyncOrReply(client *c, bool *async) {
    *async = server.lazyfreeLazyUserFlush;
    if (c->argc > 2) {
        addReplyError(c, ERR_SYNTAX);
        return C_ERR;
    }
    if (c->argc == 2) {
        if (sliceIs(c->argv[1], "sync")) {
            *async = false;
        } else if (sliceIs(c->argv[1], "async")) {
            *async = true;
        } else {
            addReplyError(c, ERR_SYNTAX);
            return C_ERR;
        }
    }
    return C_OK;
}

/* Every key of a flushed db changed for WATCH: core/multi.c must dirty all
 * clients watching keys in it (Redis: touchAllWatchedKeysInDb from
 * signalFlushedDb); that module hooks in at the two call sites below. */

void flushdbCommand(client *c) {
    bool async;
    if (getFlushAsyncOrReply(c, &async) == C_ERR) return;
    server.dirty += dbEmpty(c->db->id, async);
    /* Propagated even when the db was already empty, as in Redis. */
    propagateAs(c, c->argc, c->argv);
    addReplyOK(c);
}

void flushallCommand(client *c) {
    bool async;
    if (getFlushAsyncOrReply(c, &async) == C_ERR) return;
    server.dirty += dbEmpty(-1, async) + 1; /* always a change, as in Redis */
    addReplyOK(c);
}

/* ---- OBJECT ---- */

/* The container itself: the dispatcher routes "OBJECT <sub>" to the
 * subcommand and answers a bare OBJECT with the arity error, so this only
 * runs if the table changes. */
void objectCommand(client *c) { addReplySubcommandSyntaxError(c); }

void objectHelpCommand(client *c) {
    static const char *help[] = {
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        NULL};
    addReplyHelp(c, help);
}

/* The key of an OBJECT subcommand without touching its LRU clock; replies
 * nil and returns NULL when absent. */
static kvobj *objectLookupOrReply(client *c) {
    slice k = c->argv[2];
    kvobj *kv = lookupKeyReadWithFlags(c->db, k.ptr, k.len, LOOKUP_NOTOUCH | LOOKUP_NONOTIFY);
    if (!kv) addReplyNull(c);
    return kv;
}

/* No maxmemory-policy exists yet, so the policy is always "noeviction":
 * Redis then shares small integers and tracks idle time, never frequency.
 * When eviction arrives, an LRU/LFU policy with maxmemory set turns
 * sharing off and an LFU policy swaps IDLETIME for FREQ. */
static bool lfuPolicySelected(void) { return false; }

static bool sharedIntegersEnabled(void) { return true; }

void objectEncodingCommand(client *c) {
    kvobj *kv = objectLookupOrReply(c);
    if (kv) addReplyBulkCStr(c, objEncodingName((int)kv->encoding));
}

void objectRefcountCommand(client *c) {
    kvobj *kv = objectLookupOrReply(c);
    if (!kv) return;
    bool shared = sharedIntegersEnabled() && kv->type == OBJ_STRING &&
                  kv->encoding == OBJ_ENC_INT && kvGetInt(kv) >= 0 &&
                  kvGetInt(kv) < SHARED_INTEGERS;
    addReplyLongLong(c, shared ? SHARED_REFCOUNT : 1);
}

void objectIdletimeCommand(client *c) {
    kvobj *kv = objectLookupOrReply(c);
    if (!kv) return;
    if (lfuPolicySelected()) {
        addReplyError(c, "ERR An LFU maxmemory policy is selected, idle time not tracked. Please "
                         "note that when switching between policies at runtime LRU and LFU data "
                         "will take some time to adjust.");
        return;
    }
    addReplyLongLong(c, (long long)kvIdleSeconds(kv));
}

void objectFreqCommand(client *c) {
    kvobj *kv = objectLookupOrReply(c);
    if (!kv) return;
    if (!lfuPolicySelected()) {
        addReplyError(c, "ERR An LFU maxmemory policy is not selected, access frequency not "
                         "tracked. Please note that when switching between policies at runtime "
                         "LRU and LFU data will take some time to adjust.");
        return;
    }
    addReplyLongLong(c, 0);
}
