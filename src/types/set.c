/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Set commands and the two set encodings (as Redis 7.0: no listpack sets).
 *
 * intset     a sorted array of integers (ds/intset.h) while every member is
 *            a canonical integer and there are at most set-max-intset-entries
 *            of them.  The kvobj's value pointer is the intset blob: ten
 *            small integers take one 16-byte allocation.
 * hashtable  a ds/hashtable of setMember entries, one allocation per member
 *            (12 bytes of header plus the bytes).
 *
 * The first add of a non-integer, or of one member too many, converts to a
 * hashtable; nothing converts back (as Redis).  A set whose last member goes
 * is deleted.  Intset iteration is ascending, so replies that follow set
 * order (SMEMBERS, SINTER, SUNION, SDIFF of integer sets) match Redis byte
 * for byte; hashtable order is our own.
 *
 * The algebra (SINTER/SUNION/SDIFF and their STORE forms) follows Redis 7.0
 * step by step where it shows: SINTER walks the smallest set (a stable sort
 * by size keeps argument order on ties), SUNION/SDIFF build the result as a
 * set that starts as an intset, and SDIFF picks between its two algorithms
 * by the same estimate, because the result's encoding depends on it.
 *
 * Costs: SADD/SREM/SISMEMBER O(1) on hashtable, O(log n) search plus O(n)
 * memmove on intset; SMEMBERS O(n); SINTER O(n*m) for the smallest n;
 * SPOP/SRANDMEMBER with count O(n + count) at worst.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "core/args.h"
#include "core/command.h"
#include "core/db.h"
#include "core/errors.h"
#include "core/notify.h"
#include "core/propagate.h"
#include "ds/intset.h"
#include "ds/numfmt.h"
#include "net/reply.h"
#include "types/collection.h"
#include "types/zset.h"

/* ---- hashtable encoding: one entry per member ---- */

typedef struct setMember {
    void *next; /* hashtable chain */
    uint32_t len;
    char data[];
} setMember;

static const void *setMemberKey(const void *e, size_t *len) {
    const setMember *m = e;
    *len = m->len;
    return m->data;
}

static void setMemberFree(void *e) {
    tfree(e);
}

static const htType setMemberType = {setMemberKey, setMemberFree};

static setMember *newSetMember(const void *s, size_t len) {
    setMember *m = tmalloc(offsetof(setMember, data) + len);
    m->next = NULL;
    m->len = (uint32_t)len;
    memcpy(m->data, s, len);
    return m;
}

/* ---- set values of either encoding ---- */

/* A set's encoding and structure, detached from any key (the results of
 * SUNION and friends are built as one before they get a key, if ever). */
typedef struct setVal {
    int enc;
    void *ptr;
} setVal;

/* One member as iterators and random picks produce it: an integer from an
 * intset, or bytes from a hashtable. */
typedef struct setElem {
    bool isInt;
    long long v;
    const char *s;
    size_t len;
} setElem;

static inline setVal setValOf(const kvobj *kv) {
    return (setVal){(int)kv->encoding, kvGetPtr(kv)};
}

static inline void setValStore(kvobj *kv, setVal sv) {
    kv->encoding = (uint32_t)sv.enc;
    kvSetPtr(kv, sv.ptr);
}

static setVal setValNewIntset(void) {
    return (setVal){OBJ_ENC_INTSET, intsetNew()};
}

/* A missing key is the empty set {0, NULL}: multi-key commands sort and
 * compare missing keys by size like any other. */
static size_t setValSize(const setVal *sv) {
    if (!sv->ptr) return 0;
    if (sv->enc == OBJ_ENC_INTSET) return intsetLength(sv->ptr);
    return htSize((const hashtable *)sv->ptr);
}

static void setValFree(setVal *sv) {
    if (sv->enc == OBJ_ENC_INTSET)
        intsetFree(sv->ptr);
    else
        htRelease(sv->ptr);
    sv->ptr = NULL;
}

/* Bytes of 'e': an integer is formatted into 'buf' (NUMFMT_LL_MAX bytes). */
static const char *elemBytes(const setElem *e, char *buf, size_t *len) {
    if (!e->isInt) {
        *len = e->len;
        return e->s;
    }
    *len = numLLToStr(buf, NUMFMT_LL_MAX, e->v);
    return buf;
}

/* Canonical integer text fits an intset; anything else does not. */
static inline bool bytesAsInt(const char *s, size_t len, long long *v) {
    return len <= 20 && numStrToLL(s, len, v);
}

static void setValConvertToTable(setVal *sv) {
    intset *is = sv->ptr;
    hashtable *ht = htCreate(&setMemberType);
    uint32_t n = intsetLength(is);
    for (uint32_t j = 0; j < n; j++) {
        char buf[NUMFMT_LL_MAX];
        size_t len = numLLToStr(buf, sizeof(buf), intsetGet(is, j));
        htAddNew(ht, newSetMember(buf, len));
    }
    intsetFree(is);
    sv->enc = OBJ_ENC_HASHTABLE;
    sv->ptr = ht;
}

/* Adds 'e' to 'sv'; returns true when it was absent.  Converts the intset
 * to a hashtable for a non-integer or when it grows past the threshold
 * (itself capped at 2^30 entries, as Redis). */
static bool setValAdd(setVal *sv, const setElem *e) {
    long long v = e->v;
    if (sv->enc == OBJ_ENC_INTSET) {
        if (e->isInt || bytesAsInt(e->s, e->len, &v)) {
            bool added;
            sv->ptr = intsetAdd(sv->ptr, v, &added);
            long long max = setMaxIntsetEntries < (1LL << 30) ? setMaxIntsetEntries : (1LL << 30);
            if (added && (long long)intsetLength(sv->ptr) > max) setValConvertToTable(sv);
            return added;
        }
        setValConvertToTable(sv);
    }
    char buf[NUMFMT_LL_MAX];
    size_t len;
    const char *s = elemBytes(e, buf, &len);
    hashtable *ht = sv->ptr;
    if (htFind(ht, s, len)) return false;
    htAddNew(ht, newSetMember(s, len));
    return true;
}

static bool setValRemove(setVal *sv, const setElem *e) {
    if (sv->enc == OBJ_ENC_INTSET) {
        long long v = e->v;
        if (!e->isInt && !bytesAsInt(e->s, e->len, &v)) return false;
        bool removed;
        sv->ptr = intsetRemove(sv->ptr, v, &removed);
        return removed;
    }
    char buf[NUMFMT_LL_MAX];
    size_t len;
    const char *s = elemBytes(e, buf, &len);
    return htDelete(sv->ptr, s, len);
}

static bool setValContains(const setVal *sv, const setElem *e) {
    if (sv->enc == OBJ_ENC_INTSET) {
        long long v = e->v;
        if (!e->isInt && !bytesAsInt(e->s, e->len, &v)) return false;
        return intsetFind(sv->ptr, v);
    }
    char buf[NUMFMT_LL_MAX];
    size_t len;
    const char *s = elemBytes(e, buf, &len);
    return htFind(sv->ptr, s, len) != NULL;
}

static inline setElem elemOfSlice(slice s) {
    return (setElem){false, 0, s.ptr, s.len};
}
static inline setElem elemOfInt(long long v) {
    return (setElem){true, v, NULL, 0};
}
static inline setElem elemOfMember(const setMember *m) {
    return (setElem){false, 0, m->data, m->len};
}

static void addReplySetElem(client *c, const setElem *e) {
    if (e->isInt)
        addReplyBulkLongLong(c, e->v);
    else
        addReplyBulk(c, e->s, e->len);
}

typedef struct setIter {
    setVal sv;
    uint32_t pos;
    htIterator hi;
} setIter;

static void setIterInit(setIter *it, setVal sv) {
    it->sv = sv;
    it->pos = 0;
    if (sv.enc != OBJ_ENC_INTSET) htIterInit(&it->hi, sv.ptr, false);
}

static bool setIterNext(setIter *it, setElem *e) {
    if (it->sv.enc == OBJ_ENC_INTSET) {
        if (it->pos >= intsetLength(it->sv.ptr)) return false;
        *e = elemOfInt(intsetGet(it->sv.ptr, it->pos++));
        return true;
    }
    setMember *m = htNext(&it->hi);
    if (!m) return false;
    *e = elemOfMember(m);
    return true;
}

static void setIterRelease(setIter *it) {
    if (it->sv.enc != OBJ_ENC_INTSET) htIterRelease(&it->hi);
}

/* A random member of the non-empty 'sv' (not removed). */
static setElem setValRandom(const setVal *sv) {
    if (sv->enc == OBJ_ENC_INTSET) {
        intset *is = sv->ptr;
        return elemOfInt(intsetGet(is, (uint32_t)((size_t)random() % intsetLength(is))));
    }
    return elemOfMember(htRandom(sv->ptr));
}

/* ---- objTypeOps ---- */

static void setFreeValue(void *ptr, int enc) {
    setVal sv = {enc, ptr};
    setValFree(&sv);
}

static void *setDupValue(const void *ptr, int enc) {
    if (enc == OBJ_ENC_INTSET) return intsetDup(ptr);
    hashtable *ht = htCreate(&setMemberType);
    htIterator it;
    htIterInit(&it, (hashtable *)ptr, false);
    setMember *m;
    while ((m = htNext(&it)))
        htAddNew(ht, newSetMember(m->data, m->len));
    htIterRelease(&it);
    return ht;
}

static size_t setValueMemory(const void *ptr, int enc, size_t samples) {
    if (enc == OBJ_ENC_INTSET) return tallocSize(ptr);
    return tableMemoryUsage((hashtable *)ptr, samples);
}

static size_t setLength(const void *ptr, int enc) {
    setVal sv = {enc, (void *)ptr};
    return setValSize(&sv);
}

/* Order- and encoding-independent: members hash as their text, XORed. */
static void setDigest(const void *ptr, int enc, void (*mix)(void *state, const void *p, size_t len),
                      void *state) {
    uint64_t acc[2] = {0, 0};
    setIter it;
    setElem e;
    setIterInit(&it, (setVal){enc, (void *)ptr});
    while (setIterNext(&it, &e)) {
        char buf[NUMFMT_LL_MAX];
        size_t len;
        const char *s = elemBytes(&e, buf, &len);
        XXH128_hash_t h = XXH3_128bits(s, len);
        acc[0] ^= h.low64;
        acc[1] ^= h.high64;
    }
    setIterRelease(&it);
    mix(state, acc, sizeof(acc));
}

static const objTypeOps setOps = {"set",          setFreeValue, setDupValue,
                                  setValueMemory, setLength,    setDigest};

/* ---- read access for ZUNION/ZINTER/ZDIFF (types/zset.h) ---- */

static size_t setReaderLength(const kvobj *kv) {
    setVal sv = setValOf(kv);
    return setValSize(&sv);
}

static bool setReaderContains(const kvobj *kv, const char *m, size_t len) {
    setVal sv = setValOf(kv);
    setElem e = {false, 0, m, len};
    return setValContains(&sv, &e);
}

static void setReaderForEach(const kvobj *kv, void (*fn)(void *priv, const char *m, size_t len),
                             void *priv) {
    setIter it;
    setElem e;
    setIterInit(&it, setValOf(kv));
    while (setIterNext(&it, &e)) {
        char buf[NUMFMT_LL_MAX];
        size_t len;
        const char *s = elemBytes(&e, buf, &len);
        fn(priv, s, len);
    }
    setIterRelease(&it);
}

static const setReader setReaderOps = {setReaderLength, setReaderContains, setReaderForEach};

/* Registers the set type with object.c (called from types/registry.c), and
 * its read access with the sorted-set algebra. */
void setRegisterType(void) {
    objRegisterType(OBJ_SET, &setOps);
    zsetRegisterSetReader(&setReaderOps);
}

/* ---- command helpers ---- */

/* Deletes 'key' after its set lost its last member. */
static void setDeleteEmptied(client *c, slice key) {
    dbDelete(c->db, key.ptr, key.len, false);
    notifyKeyspaceEvent(NOTIFY_GENERIC, "del", key.ptr, key.len, c->db->id);
}

/* A new set for a first member 's': an intset when it is an integer. */
static setVal setValCreateFor(slice s) {
    long long v;
    if (bytesAsInt(s.ptr, s.len, &v)) return setValNewIntset();
    return (setVal){OBJ_ENC_HASHTABLE, htCreate(&setMemberType)};
}

/* The set of 'kv' into '*sv'; or, when 'kv' is NULL, a new set at 'key'
 * with the encoding a first member 'first' calls for, added to the db.
 * Returns the set's kvobj. */
static kvobj *setOrCreate(client *c, kvobj *kv, slice key, slice first, setVal *sv) {
    if (kv) {
        *sv = setValOf(kv);
        return kv;
    }
    *sv = setValCreateFor(first);
    kv = kvNewPtr(key.ptr, key.len, OBJ_SET, sv->enc, sv->ptr, -1);
    dbAdd(c->db, kv);
    return kv;
}

/* Stores 'sv' as the value of 'key' (replacing whatever was there, TTL
 * included), or deletes 'key' when 'sv' is empty; replies the size and
 * sends 'event' or "del".  Takes ownership of 'sv'. */
static void setStoreResult(client *c, slice key, setVal *sv, const char *event) {
    size_t n = setValSize(sv);
    if (n > 0) {
        dbSet(c->db, kvNewPtr(key.ptr, key.len, OBJ_SET, sv->enc, sv->ptr, -1));
        addReplyLongLong(c, (long long)n);
        keyModified(c, key, NOTIFY_SET, event);
        return;
    }
    setValFree(sv);
    addReplyLongLong(c, 0);
    dbDeleteNotify(c, key);
}

/* ---- single-set commands ---- */

void saddCommand(client *c) {
    bool wrong;
    slice key = c->argv[1];
    kvobj *kv = lookupWriteTyped(c, key, OBJ_SET, &wrong);
    if (wrong) return;
    setVal sv;
    kv = setOrCreate(c, kv, key, c->argv[2], &sv);
    long long added = 0;
    for (int j = 2; j < c->argc; j++) {
        setElem e = elemOfSlice(c->argv[j]);
        added += setValAdd(&sv, &e);
    }
    setValStore(kv, sv);
    if (added) {
        keyModified(c, key, NOTIFY_SET, "sadd");
    }
    addReplyLongLong(c, added);
}

void sremCommand(client *c) {
    bool wrong;
    slice key = c->argv[1];
    kvobj *kv = lookupWriteTyped(c, key, OBJ_SET, &wrong);
    if (wrong) return;
    long long deleted = 0;
    bool emptied = false;
    if (kv) {
        setVal sv = setValOf(kv);
        for (int j = 2; j < c->argc; j++) {
            setElem e = elemOfSlice(c->argv[j]);
            if (!setValRemove(&sv, &e)) continue;
            deleted++;
            if (setValSize(&sv) == 0) {
                emptied = true;
                break;
            }
        }
        setValStore(kv, sv);
    }
    if (deleted) {
        keyModified(c, key, NOTIFY_SET, "srem");
        if (emptied) setDeleteEmptied(c, key);
    }
    addReplyLongLong(c, deleted);
}

/* SISMEMBER and SMISMEMBER ('multi': an array with one answer per member;
 * SISMEMBER's arity leaves exactly one). */
static void sismemberGeneric(client *c, bool multi) {
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_SET, &wrong);
    if (wrong) return;
    setVal sv = kv ? setValOf(kv) : (setVal){0, NULL};
    if (multi) addReplyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        setElem e = elemOfSlice(c->argv[j]);
        addReplyLongLong(c, kv && setValContains(&sv, &e));
    }
}

void sismemberCommand(client *c) {
    sismemberGeneric(c, false);
}

void smismemberCommand(client *c) {
    sismemberGeneric(c, true);
}

void scardCommand(client *c) {
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_SET, &wrong);
    if (wrong) return;
    addReplyLongLong(c, kv ? (long long)setLength(kvGetPtr(kv), kv->encoding) : 0);
}

void smoveCommand(client *c) {
    slice src = c->argv[1], dst = c->argv[2];
    kvobj *srcKv = lookupWrite(c, src);
    kvobj *dstKv = lookupWrite(c, dst);
    /* A missing source answers 0 before any type check (Redis 7.0). */
    if (!srcKv) {
        addReplyLongLong(c, 0);
        return;
    }
    if (srcKv->type != OBJ_SET || (dstKv && dstKv->type != OBJ_SET)) {
        addReplyError(c, ERR_WRONGTYPE);
        return;
    }
    setElem e = elemOfSlice(c->argv[3]);
    setVal srcSv = setValOf(srcKv);
    if (srcKv == dstKv) {
        addReplyLongLong(c, setValContains(&srcSv, &e));
        return;
    }
    if (!setValRemove(&srcSv, &e)) {
        addReplyLongLong(c, 0);
        return;
    }
    setValStore(srcKv, srcSv);
    keyModified(c, src, NOTIFY_SET, "srem");
    if (setValSize(&srcSv) == 0) setDeleteEmptied(c, src);
    setVal dstSv;
    dstKv = setOrCreate(c, dstKv, dst, c->argv[3], &dstSv);
    bool added = setValAdd(&dstSv, &e);
    setValStore(dstKv, dstSv);
    if (added) {
        keyModified(c, dst, NOTIFY_SET, "sadd");
    }
    addReplyLongLong(c, 1);
}

/* ---- algebra ---- */

/* Looks up the 'n' keys as sets into 'sets' (a missing key gives a NULL
 * ptr).  Replies WRONGTYPE and returns C_ERR when one is not a set; every
 * key is checked even after a missing one, as Redis. */
static int lookupSetsOrReply(client *c, slice *keys, int n, bool forWrite, setVal *sets) {
    for (int j = 0; j < n; j++) {
        kvobj *kv = forWrite ? lookupWrite(c, keys[j]) : lookupRead(c, keys[j]);
        if (!kv) {
            sets[j] = (setVal){0, NULL};
            continue;
        }
        if (kv->type != OBJ_SET) {
            addReplyError(c, ERR_WRONGTYPE);
            return C_ERR;
        }
        sets[j] = setValOf(kv);
    }
    return C_OK;
}

/* SINTER, SINTERSTORE, SINTERCARD and SMEMBERS.  With 'dst' the result is
 * stored there; with 'cardOnly' only counted, stopping at 'limit' (0 = no
 * limit). */
static void sinterGeneric(client *c, slice *keys, int n, slice *dst, bool cardOnly,
                          long long limit) {
    setVal *sets = tmalloc(sizeof(setVal) * (size_t)n);
    if (lookupSetsOrReply(c, keys, n, dst != NULL, sets) == C_ERR) {
        tfree(sets);
        return;
    }
    bool empty = false;
    for (int j = 0; j < n; j++)
        empty |= sets[j].ptr == NULL;
    if (empty) {
        tfree(sets);
        if (dst) {
            dbDeleteNotify(c, *dst);
            addReplyLongLong(c, 0);
        } else if (cardOnly) {
            addReplyLongLong(c, 0);
        } else {
            addReplySetLen(c, 0);
        }
        return;
    }
    /* Smallest first (insertion sort: stable, and n is small). */
    for (int j = 1; j < n; j++) {
        setVal t = sets[j];
        int k = j;
        for (; k > 0 && setValSize(&sets[k - 1]) > setValSize(&t); k--)
            sets[k] = sets[k - 1];
        sets[k] = t;
    }
    setVal result = {0, NULL};
    void *deferred = NULL;
    if (dst)
        result = setValNewIntset();
    else if (!cardOnly)
        deferred = addReplyDeferredLen(c);
    long long card = 0;
    setIter it;
    setElem e;
    setIterInit(&it, sets[0]);
    while (setIterNext(&it, &e)) {
        int j = 1;
        for (; j < n; j++) {
            if (sets[j].ptr == sets[0].ptr) continue;
            if (!setValContains(&sets[j], &e)) break;
        }
        if (j < n) continue;
        if (cardOnly) {
            card++;
            if (limit && card >= limit) break;
        } else if (dst) {
            setValAdd(&result, &e);
        } else {
            addReplySetElem(c, &e);
            card++;
        }
    }
    setIterRelease(&it);
    tfree(sets);
    if (cardOnly)
        addReplyLongLong(c, card);
    else if (dst)
        setStoreResult(c, *dst, &result, "sinterstore");
    else
        setDeferredSetLen(c, deferred, card);
}

void sinterCommand(client *c) {
    sinterGeneric(c, c->argv + 1, c->argc - 1, NULL, false, 0);
}

void smembersCommand(client *c) {
    sinterGeneric(c, c->argv + 1, 1, NULL, false, 0);
}

void sinterstoreCommand(client *c) {
    sinterGeneric(c, c->argv + 2, c->argc - 2, &c->argv[1], false, 0);
}

void sintercardCommand(client *c) {
    long long numkeys, limit = 0;
    if (getRangeLongOrReply(c, c->argv[1], 1, LLONG_MAX, &numkeys,
                            "ERR numkeys should be greater than 0") == C_ERR)
        return;
    if (numkeys > c->argc - 2) {
        addReplyError(c, "ERR Number of keys can't be greater than number of args");
        return;
    }
    for (int j = 2 + (int)numkeys; j < c->argc; j++) {
        if (sliceIs(c->argv[j], "limit") && j + 1 < c->argc) {
            j++;
            if (getPositiveLongOrReply(c, c->argv[j], &limit, "ERR LIMIT can't be negative") ==
                C_ERR)
                return;
        } else {
            addReplyError(c, ERR_SYNTAX);
            return;
        }
    }
    sinterGeneric(c, c->argv + 2, (int)numkeys, NULL, true, limit);
}

#define SET_OP_UNION 0
#define SET_OP_DIFF 1

/* SUNION, SDIFF and their STORE forms, and the whole-set replies of
 * SPOP/SRANDMEMBER.  The result is built as a set of its own (starting as an
 * intset), then replied in its order or stored at 'dst'. */
static void sunionDiffGeneric(client *c, slice *keys, int n, slice *dst, int op) {
    setVal *sets = tmalloc(sizeof(setVal) * (size_t)n);
    if (lookupSetsOrReply(c, keys, n, dst != NULL, sets) == C_ERR) {
        tfree(sets);
        return;
    }
    bool sameset = false;
    for (int j = 1; j < n; j++)
        if (sets[0].ptr && sets[j].ptr == sets[0].ptr) sameset = true;
    int algo = 0;
    if (op == SET_OP_DIFF && sets[0].ptr && !sameset) {
        /* Algorithm 1 walks the first set and probes the others: about
         * n*|s0|/2 work.  Algorithm 2 copies the first set and removes the
         * members of the others: sum(|sj|).  Same choice as Redis, which
         * matters beyond speed: algorithm 2 can push the intermediate
         * result past the intset limit and leave a hashtable behind. */
        long long one = 0, two = 0;
        for (int j = 0; j < n; j++) {
            if (!sets[j].ptr) continue;
            one += (long long)setValSize(&sets[0]);
            two += (long long)setValSize(&sets[j]);
        }
        one /= 2;
        algo = one <= two ? 1 : 2;
        if (algo == 1) {
            /* Probe the biggest sets first: members leave sooner. */
            for (int j = 2; j < n; j++) {
                setVal t = sets[j];
                int k = j;
                for (; k > 1 && setValSize(&sets[k - 1]) < setValSize(&t); k--)
                    sets[k] = sets[k - 1];
                sets[k] = t;
            }
        }
    }
    setVal result = setValNewIntset();
    setIter it;
    setElem e;
    if (op == SET_OP_UNION) {
        for (int j = 0; j < n; j++) {
            if (!sets[j].ptr) continue;
            setIterInit(&it, sets[j]);
            while (setIterNext(&it, &e))
                setValAdd(&result, &e);
            setIterRelease(&it);
        }
    } else if (algo == 1) {
        setIterInit(&it, sets[0]);
        while (setIterNext(&it, &e)) {
            int j = 1;
            for (; j < n; j++) {
                if (!sets[j].ptr) continue;
                if (sets[j].ptr == sets[0].ptr || setValContains(&sets[j], &e)) break;
            }
            if (j == n) setValAdd(&result, &e);
        }
        setIterRelease(&it);
    } else if (algo == 2) {
        for (int j = 0; j < n; j++) {
            if (!sets[j].ptr) continue;
            setIterInit(&it, sets[j]);
            while (setIterNext(&it, &e)) {
                if (j == 0)
                    setValAdd(&result, &e);
                else
                    setValRemove(&result, &e);
            }
            setIterRelease(&it);
            if (setValSize(&result) == 0) break;
        }
    }
    tfree(sets);
    if (dst) {
        setStoreResult(c, *dst, &result, op == SET_OP_UNION ? "sunionstore" : "sdiffstore");
        return;
    }
    addReplySetLen(c, (long long)setValSize(&result));
    setIterInit(&it, result);
    while (setIterNext(&it, &e))
        addReplySetElem(c, &e);
    setIterRelease(&it);
    setValFree(&result);
}

void sunionCommand(client *c) {
    sunionDiffGeneric(c, c->argv + 1, c->argc - 1, NULL, SET_OP_UNION);
}

void sdiffCommand(client *c) {
    sunionDiffGeneric(c, c->argv + 1, c->argc - 1, NULL, SET_OP_DIFF);
}

void sunionstoreCommand(client *c) {
    sunionDiffGeneric(c, c->argv + 2, c->argc - 2, &c->argv[1], SET_OP_UNION);
}

void sdiffstoreCommand(client *c) {
    sunionDiffGeneric(c, c->argv + 2, c->argc - 2, &c->argv[1], SET_OP_DIFF);
}

/* ---- random members ---- */

/* Picks 'count' distinct positions out of 'n' by selection sampling into
 * 'out' (ascending).  O(n). */
static void samplePositions(size_t n, size_t count, uint32_t *out) {
    size_t got = 0;
    for (size_t j = 0; j < n && got < count; j++)
        if ((size_t)random() % (n - j) < count - got) out[got++] = (uint32_t)j;
}

static void shuffleInts(long long *v, size_t n) {
    for (size_t j = n; j > 1; j--) {
        size_t k = (size_t)random() % j;
        long long t = v[j - 1];
        v[j - 1] = v[k];
        v[k] = t;
    }
}

/* A SPOP replays as the SREM of the members it took: they are gathered
 * as they are popped and sent SPOP_PROP_BATCH to a command (Redis batches
 * them the same way).  Nothing is gathered when no one consumes the
 * propagation stream. */
#define SPOP_PROP_BATCH 1024

typedef struct spopProp {
    client *c;
    slice key;
    bool on;
    int n;
    sbuf *bytes; /* the batch's members back to back */
    size_t lens[SPOP_PROP_BATCH];
} spopProp;

static void spopPropInit(spopProp *p, client *c, slice key) {
    p->c = c;
    p->key = key;
    p->on = propagateWanted();
    p->n = 0;
    p->bytes = NULL;
}

static void spopPropFlush(spopProp *p) {
    if (p->n == 0) return;
    slice *argv = tmalloc(sizeof(slice) * (size_t)(p->n + 2));
    argv[0] = propArgStr("SREM");
    argv[1] = p->key;
    size_t off = 0;
    for (int j = 0; j < p->n; j++) {
        argv[j + 2] = (slice){p->bytes->buf + off, p->lens[j]};
        off += p->lens[j];
    }
    propagateAs(p->c, p->n + 2, argv);
    tfree(argv);
    sbufFree(p->bytes);
    p->bytes = NULL;
    p->n = 0;
}

static void spopPropAdd(spopProp *p, const char *m, size_t len) {
    if (!p->on) return;
    if (!p->bytes) p->bytes = sbufNewCap(256);
    p->bytes = sbufCat(p->bytes, m, len);
    p->lens[p->n++] = len;
    if (p->n == SPOP_PROP_BATCH) spopPropFlush(p);
}

static void spopPropAddInt(spopProp *p, long long v) {
    char buf[24];
    slice s = propArgLongLong(buf, v);
    spopPropAdd(p, s.ptr, s.len);
}

/* SPOP key count with 0 < count < size. */
static void spopSome(client *c, kvobj *kv, slice key, size_t count) {
    spopProp prop;
    spopPropInit(&prop, c, key);
    setVal sv = setValOf(kv);
    size_t size = setValSize(&sv), remaining = size - count;
    /* Popping few: random picks; popping most: keep a random few instead
     * (Redis's SPOP_MOVE_STRATEGY_MUL of 5). */
    bool popFew = remaining * 5 > count;
    addReplySetLen(c, (long long)count);
    if (sv.enc == OBJ_ENC_INTSET) {
        /* One pass: choose the positions, reply them, compact the rest. */
        intset *is = sv.ptr;
        uint32_t *pos = tmalloc(sizeof(uint32_t) * count);
        samplePositions(size, count, pos);
        long long *popped = tmalloc(sizeof(long long) * count);
        for (size_t k = 0; k < count; k++)
            popped[k] = intsetGet(is, pos[k]);
        kvSetPtr(kv, intsetRemovePositions(is, pos, count));
        /* Redis replies few pops in pick order and many in set order. */
        if (popFew) shuffleInts(popped, count);
        for (size_t k = 0; k < count; k++) {
            addReplyBulkLongLong(c, popped[k]);
            spopPropAddInt(&prop, popped[k]);
        }
        spopPropFlush(&prop);
        tfree(popped);
        tfree(pos);
        return;
    }
    hashtable *ht = sv.ptr;
    if (popFew) {
        while (count--) {
            setMember *m = htRandom(ht);
            htUnlink(ht, m->data, m->len);
            addReplyBulk(c, m->data, m->len);
            spopPropAdd(&prop, m->data, m->len);
            tfree(m);
        }
        spopPropFlush(&prop);
        return;
    }
    /* Move the members that stay into a new table; reply the old one. */
    hashtable *keep = htCreate(&setMemberType);
    while (remaining--) {
        setMember *m = htRandom(ht);
        htUnlink(ht, m->data, m->len);
        htAddNew(keep, m);
    }
    htIterator it;
    htIterInit(&it, ht, false);
    setMember *m;
    while ((m = htNext(&it))) {
        addReplyBulk(c, m->data, m->len);
        spopPropAdd(&prop, m->data, m->len);
    }
    htIterRelease(&it);
    spopPropFlush(&prop);
    htRelease(ht);
    kvSetPtr(kv, keep);
}

void spopCommand(client *c) {
    slice key = c->argv[1];
    if (c->argc > 3) {
        addReplyError(c, ERR_SYNTAX);
        return;
    }
    bool wrong;
    if (c->argc == 3) {
        long long count;
        if (getPositiveLongOrReply(c, c->argv[2], &count,
                                   "ERR value is out of range, must be positive") == C_ERR)
            return;
        kvobj *kv = lookupWriteTyped(c, key, OBJ_SET, &wrong);
        if (wrong) return;
        if (!kv || count == 0) {
            addReplySetLen(c, 0);
            return;
        }
        size_t size = setLength(kvGetPtr(kv), kv->encoding);
        keyModified(c, key, NOTIFY_SET, "spop");
        if ((unsigned long long)count >= size) {
            sunionDiffGeneric(c, &key, 1, NULL, SET_OP_UNION);
            setDeleteEmptied(c, key);
            slice prop[2] = {propArgStr("DEL"), key};
            propagateAs(c, 2, prop);
        } else {
            spopSome(c, kv, key, (size_t)count);
        }
        return;
    }
    kvobj *kv = lookupWriteTyped(c, key, OBJ_SET, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyNull(c);
        return;
    }
    setVal sv = setValOf(kv);
    setElem e = setValRandom(&sv);
    char buf[24];
    slice prop[3] = {propArgStr("SREM"), key, {(char *)e.s, e.len}};
    if (e.isInt) prop[2] = propArgLongLong(buf, e.v);
    /* Before the member's bytes go away with it. */
    propagateAs(c, 3, prop);
    if (e.isInt) {
        addReplyBulkLongLong(c, e.v);
        kvSetPtr(kv, intsetRemove(sv.ptr, e.v, NULL));
    } else {
        addReplyBulk(c, e.s, e.len);
        htDelete(sv.ptr, e.s, e.len); /* frees the bytes 'e' pointed at */
    }
    keyModified(c, key, NOTIFY_SET, "spop");
    if (setLength(kvGetPtr(kv), kv->encoding) == 0) setDeleteEmptied(c, key);
}

static void addReplyPickedMember(void *priv, void *entry) {
    setMember *m = entry;
    addReplyBulk(priv, m->data, m->len);
}

/* SRANDMEMBER key count with 1 < count < size: distinct members. */
static void srandmemberDistinct(client *c, setVal *sv, size_t count) {
    size_t size = setValSize(sv);
    addReplyArrayLen(c, (long long)count);
    if (sv->enc == OBJ_ENC_INTSET) {
        uint32_t *pos = tmalloc(sizeof(uint32_t) * count);
        long long *vals = tmalloc(sizeof(long long) * count);
        samplePositions(size, count, pos);
        for (size_t k = 0; k < count; k++)
            vals[k] = intsetGet(sv->ptr, pos[k]);
        shuffleInts(vals, count);
        for (size_t k = 0; k < count; k++)
            addReplyBulkLongLong(c, vals[k]);
        tfree(vals);
        tfree(pos);
        return;
    }
    pickDistinctEntries(sv->ptr, count, addReplyPickedMember, c);
}

void srandmemberCommand(client *c) {
    if (c->argc > 3) {
        addReplyError(c, ERR_SYNTAX);
        return;
    }
    bool wrong;
    if (c->argc == 3) {
        long long l;
        if (getSignedCountOrReply(c, c->argv[2], &l) == C_ERR) return;
        kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_SET, &wrong);
        if (wrong) return;
        if (!kv || l == 0) {
            addReplyEmptyArray(c);
            return;
        }
        bool uniq = l > 0;
        unsigned long long count = uniq ? (unsigned long long)l : (unsigned long long)-l;
        setVal sv = setValOf(kv);
        if (!uniq || count == 1) {
            addReplyArrayLen(c, (long long)count);
            while (count--) {
                setElem e = setValRandom(&sv);
                addReplySetElem(c, &e);
                if (c->flags & CLIENT_CLOSE_ASAP) break;
            }
            return;
        }
        if (count >= setValSize(&sv)) {
            /* The whole set in its own order, as an array (unlike SPOP,
             * which replies a freshly built set). */
            addReplyArrayLen(c, (long long)setValSize(&sv));
            setIter it;
            setElem e;
            setIterInit(&it, sv);
            while (setIterNext(&it, &e))
                addReplySetElem(c, &e);
            setIterRelease(&it);
            return;
        }
        srandmemberDistinct(c, &sv, (size_t)count);
        return;
    }
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_SET, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyNull(c);
        return;
    }
    setVal sv = setValOf(kv);
    setElem e = setValRandom(&sv);
    addReplySetElem(c, &e);
}

/* ---- SSCAN ---- */

static long long sscanCompact(client *c, kvobj *kv, const scanOpts *o) {
    intset *is = kvGetPtr(kv);
    long long n = 0;
    for (uint32_t j = 0; j < intsetLength(is); j++) {
        char buf[NUMFMT_LL_MAX];
        size_t len = numLLToStr(buf, sizeof(buf), intsetGet(is, j));
        if (!scanMatches(o, buf, len)) continue;
        addReplyBulk(c, buf, len);
        n++;
    }
    return n;
}

static long long sscanEntry(client *c, void *entry, const scanOpts *o) {
    setMember *m = entry;
    if (!scanMatches(o, m->data, m->len)) return 0;
    addReplyBulk(c, m->data, m->len);
    return 1;
}

static const collectionScanType setScanType = {
    OBJ_SET, OBJ_ENC_INTSET, sscanCompact, scanStepHashtable, 1, sscanEntry,
};

void sscanCommand(client *c) {
    collectionScanCommand(c, &setScanType);
}
