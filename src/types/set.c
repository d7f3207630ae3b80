/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Set values: the two set encodings (as Redis 7.0: no listpack sets), the
 * type's registration, and the helpers the set commands share (types/set.h;
 * the commands are in setcmds.c, setops.c, setrandom.c).
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
#include "types/set.h"
#include "types/zset.h"

/* ---- hashtable encoding: one entry per member ---- */

static const void *setMemberKey(const void *e, size_t *len) {
    const setMember *m = e;
    *len = m->len;
    return m->data;
}

static void setMemberFree(void *e) {
    tfree(e);
}

const htType setMemberType = {setMemberKey, setMemberFree};

static setMember *newSetMember(const void *s, size_t len) {
    setMember *m = tmalloc(offsetof(setMember, data) + len);
    m->next = NULL;
    m->len = (uint32_t)len;
    memcpy(m->data, s, len);
    return m;
}

/* ---- set values of either encoding ---- */

setVal setValNewIntset(void) {
    return (setVal){OBJ_ENC_INTSET, intsetNew()};
}

/* A missing key is the empty set {0, NULL}: multi-key commands sort and
 * compare missing keys by size like any other. */
size_t setValSize(const setVal *sv) {
    if (!sv->ptr) return 0;
    if (sv->enc == OBJ_ENC_INTSET) return intsetLength(sv->ptr);
    return htSize((const hashtable *)sv->ptr);
}

void setValFree(setVal *sv) {
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
bool setValAdd(setVal *sv, const setElem *e) {
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

bool setValRemove(setVal *sv, const setElem *e) {
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

bool setValContains(const setVal *sv, const setElem *e) {
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

void addReplySetElem(client *c, const setElem *e) {
    if (e->isInt)
        addReplyBulkLongLong(c, e->v);
    else
        addReplyBulk(c, e->s, e->len);
}

void setIterInit(setIter *it, setVal sv) {
    it->sv = sv;
    it->pos = 0;
    if (sv.enc != OBJ_ENC_INTSET) htIterInit(&it->hi, sv.ptr, false);
}

bool setIterNext(setIter *it, setElem *e) {
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

void setIterRelease(setIter *it) {
    if (it->sv.enc != OBJ_ENC_INTSET) htIterRelease(&it->hi);
}

/* A random member of the non-empty 'sv' (not removed). */
setElem setValRandom(const setVal *sv) {
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

size_t setLength(const void *ptr, int enc) {
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
void setDeleteEmptied(client *c, slice key) {
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
kvobj *setOrCreate(client *c, kvobj *kv, slice key, slice first, setVal *sv) {
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
void setStoreResult(client *c, slice key, setVal *sv, const char *event) {
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
