/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Hash commands and the two hash encodings.
 *
 * listpack   fields and values as consecutive entries (f1 v1 f2 v2 ...),
 *            in insertion order, while the hash has at most
 *            hash-max-listpack-entries fields and no field or value longer
 *            than hash-max-listpack-value bytes.  The kvobj's value pointer
 *            is the listpack blob itself: ten short fields cost one
 *            allocation of about 2 + sum(len + 1) bytes.  Lookups are a
 *            linear scan, which for such sizes beats hashing.
 * hashtable  a ds/hashtable of hashField entries, one allocation per field
 *            holding the field and value bytes (16 bytes of header).
 *
 * The first write that crosses a threshold converts listpack -> hashtable;
 * nothing converts back (as Redis).  A hash whose last field goes is
 * deleted.  Iteration order of a listpack hash is insertion order, which
 * HGETALL and friends reply exactly as Redis does.
 *
 * Costs: HGET/HSET/HDEL O(1) on hashtable, O(n) scans on small listpacks;
 * HGETALL/HKEYS/HVALS O(n); HRANDFIELD with count O(n + count).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "core/args.h"
#include "core/command.h"
#include "core/db.h"
#include "core/errors.h"
#include "core/notify.h"
#include "core/propagate.h"
#include "ds/listpack.h"
#include "ds/numfmt.h"
#include "net/reply.h"
#include "types/collection.h"
#include "types/hash.h"

/* ---- hashtable encoding: one entry per field ---- */

typedef struct hashField {
    void *next; /* hashtable chain */
    uint32_t flen, vlen;
    char data[]; /* field bytes, then value bytes */
} hashField;

static const void *hashFieldKey(const void *e, size_t *len) {
    const hashField *f = e;
    *len = f->flen;
    return f->data;
}

static void hashFieldFree(void *e) {
    tfree(e);
}

static const htType hashFieldType = {hashFieldKey, hashFieldFree};

static hashField *newHashField(const void *f, size_t flen, const void *v, size_t vlen) {
    hashField *e = tmalloc(sizeof(hashField) + flen + vlen);
    e->next = NULL;
    e->flen = (uint32_t)flen;
    e->vlen = (uint32_t)vlen;
    memcpy(e->data, f, flen);
    if (vlen) memcpy(e->data + flen, v, vlen);
    return e;
}

static inline const char *fieldValue(const hashField *e) {
    return e->data + e->flen;
}

/* ---- encoding-independent access ---- */

static size_t hashLength(const void *ptr, int enc) {
    if (enc == OBJ_ENC_LISTPACK) return lpLength(ptr) / 2;
    return htSize((const hashtable *)ptr);
}

/* Iterates the fields of a hash of either encoding; integer entries of a
 * listpack are formatted into the iterator's buffers. */
typedef struct hashIter {
    int enc;
    listpack *lp;
    unsigned char *p; /* next field entry (listpack) */
    htIterator hi;
    const char *f, *v;
    size_t flen, vlen;
    unsigned char fbuf[LP_INTBUF_SIZE], vbuf[LP_INTBUF_SIZE];
} hashIter;

static void hashIterInit(hashIter *it, void *ptr, int enc) {
    it->enc = enc;
    if (enc == OBJ_ENC_LISTPACK) {
        it->lp = ptr;
        it->p = lpFirst(it->lp);
    } else {
        htIterInit(&it->hi, ptr, false);
    }
}

static bool hashIterNext(hashIter *it) {
    if (it->enc == OBJ_ENC_LISTPACK) {
        if (!it->p) return false;
        unsigned char *vp = lpNext(it->lp, it->p);
        it->f = (const char *)lpGetStr(it->p, &it->flen, it->fbuf);
        it->v = (const char *)lpGetStr(vp, &it->vlen, it->vbuf);
        it->p = lpNext(it->lp, vp);
        return true;
    }
    hashField *e = htNext(&it->hi);
    if (!e) return false;
    it->f = e->data;
    it->flen = e->flen;
    it->v = fieldValue(e);
    it->vlen = e->vlen;
    return true;
}

static void hashIterRelease(hashIter *it) {
    if (it->enc != OBJ_ENC_LISTPACK) htIterRelease(&it->hi);
}

/* Finds 'f' in the hash of 'kv'.  On success stores the value bytes in
 * '*v'/'*vlen' (an integer entry is formatted into 'buf', LP_INTBUF_SIZE
 * bytes) and returns true. */
static bool hashGetValue(const kvobj *kv, slice f, const char **v, size_t *vlen,
                         unsigned char *buf) {
    if (kv->encoding == OBJ_ENC_LISTPACK) {
        listpack *lp = kvGetPtr(kv);
        unsigned char *p = lpFind(lp, lpFirst(lp), f.ptr, f.len, 1);
        if (!p) return false;
        *v = (const char *)lpGetStr(lpNext(lp, p), vlen, buf);
        return true;
    }
    hashField *e = htFind(kvGetPtr(kv), f.ptr, f.len);
    if (!e) return false;
    *v = fieldValue(e);
    *vlen = e->vlen;
    return true;
}

bool hashGetField(const kvobj *kv, const char *f, size_t flen, const char **v, size_t *vlen,
                  unsigned char *buf) {
    slice s = {(char *)f, flen};
    return hashGetValue(kv, s, v, vlen, buf);
}

static bool hashExists(const kvobj *kv, slice f) {
    if (kv->encoding == OBJ_ENC_LISTPACK) {
        listpack *lp = kvGetPtr(kv);
        return lpFind(lp, lpFirst(lp), f.ptr, f.len, 1) != NULL;
    }
    return htFind(kvGetPtr(kv), f.ptr, f.len) != NULL;
}

/* Rebuilds the listpack hash of 'kv' as a hashtable. */
static void hashConvertToTable(kvobj *kv) {
    listpack *lp = kvGetPtr(kv);
    hashtable *ht = htCreate(&hashFieldType);
    hashIter it;
    hashIterInit(&it, lp, OBJ_ENC_LISTPACK);
    while (hashIterNext(&it))
        htAddNew(ht, newHashField(it.f, it.flen, it.v, it.vlen));
    hashIterRelease(&it);
    lpFree(lp);
    kv->encoding = OBJ_ENC_HASHTABLE;
    kvSetPtr(kv, ht);
}

/* Before writing argv[first..last] (fields and values) into 'kv': converts
 * to a hashtable when one of them is longer than hash-max-listpack-value,
 * or when their total could push the listpack past its size limit. */
static void hashTryConversion(kvobj *kv, client *c, int first, int last) {
    if (kv->encoding != OBJ_ENC_LISTPACK) return;
    size_t sum = 0;
    for (int j = first; j <= last; j++) {
        size_t len = c->argv[j].len;
        if ((long long)len > hashMaxListpackValue) {
            hashConvertToTable(kv);
            return;
        }
        sum += len;
    }
    if (!lpSafeToAdd(kvGetPtr(kv), sum)) hashConvertToTable(kv);
}

/* Sets field 'f' to 'v'/'vlen' in 'kv'.  Returns true when the field is new.
 * Converts to a hashtable when the field count or a length passes its
 * threshold.  'v' must not point into the hash itself. */
static bool hashSet(kvobj *kv, slice f, const char *v, size_t vlen) {
    /* Also checked here, not only in hashTryConversion: HINCRBYFLOAT can
     * produce a value longer than its arguments (Redis 7.0 does the same). */
    if (kv->encoding == OBJ_ENC_LISTPACK &&
        ((long long)f.len > hashMaxListpackValue || (long long)vlen > hashMaxListpackValue))
        hashConvertToTable(kv);
    if (kv->encoding == OBJ_ENC_LISTPACK) {
        listpack *lp = kvGetPtr(kv);
        unsigned char *p = lpFind(lp, lpFirst(lp), f.ptr, f.len, 1);
        bool created = p == NULL;
        if (p) {
            unsigned char *vp = lpNext(lp, p);
            lp = lpReplace(lp, &vp, v, vlen);
        } else {
            lp = lpAppendPair(lp, f.ptr, f.len, v, vlen);
        }
        kvSetPtr(kv, lp);
        /* Checked after updates too, so a hash made before the threshold was
         * lowered converts on its next write (as Redis). */
        if ((long long)(lpLength(lp) / 2) > hashMaxListpackEntries) hashConvertToTable(kv);
        return created;
    }
    hashtable *ht = kvGetPtr(kv);
    hashField *e = htFind(ht, f.ptr, f.len);
    if (!e) {
        htAddNew(ht, newHashField(f.ptr, f.len, v, vlen));
        return true;
    }
    size_t have = tallocSize(e), need = sizeof(hashField) + f.len + vlen;
    if (need <= have && need >= have / 2) {
        /* The new value fits the allocation without wasting most of it:
         * overwrite in place. */
        memcpy(e->data + e->flen, v, vlen);
        e->vlen = (uint32_t)vlen;
    } else {
        hashField *n = newHashField(f.ptr, f.len, v, vlen);
        htReplace(ht, e, n);
        tfree(e);
    }
    return false;
}

/* Deletes field 'f'; returns true when it existed. */
static bool hashDelete(kvobj *kv, slice f) {
    if (kv->encoding == OBJ_ENC_LISTPACK) {
        listpack *lp = kvGetPtr(kv);
        unsigned char *p = lpFind(lp, lpFirst(lp), f.ptr, f.len, 1);
        if (!p) return false;
        kvSetPtr(kv, lpDeleteRange(lp, p, 2, NULL));
        return true;
    }
    return htDelete(kvGetPtr(kv), f.ptr, f.len);
}

/* ---- objTypeOps ---- */

static void hashFreeValue(void *ptr, int enc) {
    if (enc == OBJ_ENC_LISTPACK)
        lpFree(ptr);
    else
        htRelease(ptr);
}

static void *hashDupValue(const void *ptr, int enc) {
    if (enc == OBJ_ENC_LISTPACK) return lpDup(ptr);
    hashtable *ht = htCreate(&hashFieldType);
    htIterator it;
    htIterInit(&it, (hashtable *)ptr, false);
    hashField *e;
    while ((e = htNext(&it)))
        htAddNew(ht, newHashField(e->data, e->flen, fieldValue(e), e->vlen));
    htIterRelease(&it);
    return ht;
}

static size_t hashValueMemory(const void *ptr, int enc, size_t samples) {
    if (enc == OBJ_ENC_LISTPACK) return tallocSize(ptr);
    return tableMemoryUsage((hashtable *)ptr, samples);
}

/* Order-independent: each field/value pair hashes on its own and the
 * results are XORed, so both encodings of the same content agree. */
static void hashDigest(const void *ptr, int enc,
                       void (*mix)(void *state, const void *p, size_t len), void *state) {
    uint64_t acc[2] = {0, 0};
    hashIter it;
    hashIterInit(&it, (void *)ptr, enc);
    while (hashIterNext(&it)) {
        XXH128_hash_t h = XXH3_128bits_withSeed(it.v, it.vlen, XXH3_64bits(it.f, it.flen));
        acc[0] ^= h.low64;
        acc[1] ^= h.high64;
    }
    hashIterRelease(&it);
    mix(state, acc, sizeof(acc));
}

static const objTypeOps hashOps = {"hash",          hashFreeValue, hashDupValue,
                                   hashValueMemory, hashLength,    hashDigest};

/* Registers the hash type with object.c (called from types/registry.c). */
void hashRegisterType(void) {
    objRegisterType(OBJ_HASH, &hashOps);
}

/* ---- command helpers ---- */

/* Looks up 'key' for writing, creating an empty listpack hash when absent.
 * Returns NULL after replying WRONGTYPE. */
static kvobj *hashLookupOrCreate(client *c, slice key) {
    bool wrong;
    kvobj *kv = lookupWriteTyped(c, key, OBJ_HASH, &wrong);
    if (wrong) return NULL;
    if (!kv) {
        kv = kvNewPtr(key.ptr, key.len, OBJ_HASH, OBJ_ENC_LISTPACK, lpNew(), -1);
        dbAdd(c->db, kv);
    }
    return kv;
}

/* Deletes the key of 'kv' when its hash became empty (after HDEL). */
static void hashDeleteIfEmpty(client *c, kvobj *kv, slice key) {
    if (hashLength(kvGetPtr(kv), kv->encoding) != 0) return;
    dbDelete(c->db, key.ptr, key.len, false);
    notifyKeyspaceEvent(NOTIFY_GENERIC, "del", key.ptr, key.len, c->db->id);
}

/* ---- commands ---- */

/* HSET, HMSET and HSETNX: 'okReply' selects HMSET's +OK over the count of
 * new fields; 'nx' (HSETNX, one pair) replies 0 and writes nothing when the
 * field exists. */
static void hsetGeneric(client *c, bool okReply, bool nx) {
    if (c->argc % 2 == 1) {
        addReplyErrorArity(c);
        return;
    }
    slice key = c->argv[1];
    kvobj *kv = hashLookupOrCreate(c, key);
    if (!kv) return;
    if (nx && hashExists(kv, c->argv[2])) {
        addReplyLongLong(c, 0);
        return;
    }
    hashTryConversion(kv, c, 2, c->argc - 1);
    long long created = 0;
    for (int j = 2; j < c->argc; j += 2)
        created += hashSet(kv, c->argv[j], c->argv[j + 1].ptr, c->argv[j + 1].len);
    if (okReply)
        addReplyOK(c);
    else
        addReplyLongLong(c, created);
    keyModified(c, key, NOTIFY_HASH, "hset");
}

void hsetCommand(client *c) {
    hsetGeneric(c, false, false);
}

void hmsetCommand(client *c) {
    hsetGeneric(c, true, false);
}

void hsetnxCommand(client *c) {
    hsetGeneric(c, false, true);
}

/* HGET and HMGET ('multi': an array with one value per field; HGET's arity
 * leaves exactly one). */
static void hmgetGeneric(client *c, bool multi) {
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_HASH, &wrong);
    if (wrong) return;
    if (multi) addReplyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        const char *v;
        size_t vlen;
        unsigned char buf[LP_INTBUF_SIZE];
        if (kv && hashGetValue(kv, c->argv[j], &v, &vlen, buf))
            addReplyBulk(c, v, vlen);
        else
            addReplyNull(c);
    }
}

void hgetCommand(client *c) {
    hmgetGeneric(c, false);
}

void hmgetCommand(client *c) {
    hmgetGeneric(c, true);
}

void hdelCommand(client *c) {
    bool wrong;
    slice key = c->argv[1];
    kvobj *kv = lookupWriteTyped(c, key, OBJ_HASH, &wrong);
    if (wrong) return;
    long long deleted = 0;
    if (kv) {
        for (int j = 2; j < c->argc; j++) {
            if (!hashDelete(kv, c->argv[j])) continue;
            deleted++;
            if (hashLength(kvGetPtr(kv), kv->encoding) == 0) break;
        }
        if (deleted) {
            keyModified(c, key, NOTIFY_HASH, "hdel");
            hashDeleteIfEmpty(c, kv, key);
        }
    }
    addReplyLongLong(c, deleted);
}

void hlenCommand(client *c) {
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_HASH, &wrong);
    if (wrong) return;
    addReplyLongLong(c, kv ? (long long)hashLength(kvGetPtr(kv), kv->encoding) : 0);
}

void hstrlenCommand(client *c) {
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_HASH, &wrong);
    if (wrong) return;
    const char *v;
    size_t vlen = 0;
    unsigned char buf[LP_INTBUF_SIZE];
    if (!kv || !hashGetValue(kv, c->argv[2], &v, &vlen, buf)) vlen = 0;
    addReplyLongLong(c, (long long)vlen);
}

void hexistsCommand(client *c) {
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_HASH, &wrong);
    if (wrong) return;
    addReplyLongLong(c, kv && hashExists(kv, c->argv[2]));
}

#define HASH_KEYS 1
#define HASH_VALUES 2

/* HKEYS, HVALS, HGETALL: 'what' is a mask of HASH_KEYS and HASH_VALUES. */
static void hgetallGeneric(client *c, int what) {
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_HASH, &wrong);
    if (wrong) return;
    bool both = what == (HASH_KEYS | HASH_VALUES);
    size_t n = kv ? hashLength(kvGetPtr(kv), kv->encoding) : 0;
    if (both)
        addReplyMapLen(c, (long long)n);
    else
        addReplyArrayLen(c, (long long)n);
    if (!kv) return;
    hashIter it;
    hashIterInit(&it, kvGetPtr(kv), kv->encoding);
    while (hashIterNext(&it)) {
        if (what & HASH_KEYS) addReplyBulk(c, it.f, it.flen);
        if (what & HASH_VALUES) addReplyBulk(c, it.v, it.vlen);
    }
    hashIterRelease(&it);
}

void hkeysCommand(client *c) {
    hgetallGeneric(c, HASH_KEYS);
}

void hvalsCommand(client *c) {
    hgetallGeneric(c, HASH_VALUES);
}

void hgetallCommand(client *c) {
    hgetallGeneric(c, HASH_KEYS | HASH_VALUES);
}

/* The lookup of HINCRBY and HINCRBYFLOAT: the hash at argv[1], created when
 * absent, and the value of field argv[2] in '*v'/'*vlen' (an integer entry
 * formatted into 'buf', LP_INTBUF_SIZE bytes), or '*v' NULL when the field
 * is absent.  Returns NULL after replying WRONGTYPE. */
static kvobj *hashIncrLookup(client *c, const char **v, size_t *vlen, unsigned char *buf) {
    kvobj *kv = hashLookupOrCreate(c, c->argv[1]);
    if (kv && !hashGetValue(kv, c->argv[2], v, vlen, buf)) *v = NULL;
    return kv;
}

/* Stores 'out' as the new value of field argv[2] once HINCRBY or
 * HINCRBYFLOAT has replied it, and signals the change as 'event'. */
static void hashIncrStore(client *c, kvobj *kv, const char *out, size_t outlen, const char *event) {
    slice key = c->argv[1];
    hashTryConversion(kv, c, 2, 2);
    hashSet(kv, c->argv[2], out, outlen);
    keyModified(c, key, NOTIFY_HASH, event);
}

void hincrbyCommand(client *c) {
    long long incr, value = 0;
    if (getLongLongOrReply(c, c->argv[3], &incr, NULL) == C_ERR) return;
    const char *v;
    size_t vlen;
    unsigned char buf[LP_INTBUF_SIZE];
    kvobj *kv = hashIncrLookup(c, &v, &vlen, buf);
    if (!kv) return;
    if (v && !numStrToLL(v, vlen, &value)) {
        addReplyError(c, "ERR hash value is not an integer");
        return;
    }
    if (__builtin_add_overflow(value, incr, &value)) {
        addReplyError(c, ERR_OVERFLOW);
        return;
    }
    char out[NUMFMT_LL_MAX];
    size_t outlen = numLLToStr(out, sizeof(out), value);
    addReplyLongLong(c, value);
    hashIncrStore(c, kv, out, outlen, "hincrby");
}

void hincrbyfloatCommand(client *c) {
    long double incr, value = 0;
    if (getLongDoubleOrReply(c, c->argv[3], &incr, NULL) == C_ERR) return;
    if (isnan(incr) || isinf(incr)) {
        addReplyError(c, "ERR value is NaN or Infinity");
        return;
    }
    const char *v;
    size_t vlen;
    unsigned char buf[LP_INTBUF_SIZE];
    kvobj *kv = hashIncrLookup(c, &v, &vlen, buf);
    if (!kv) return;
    if (v && !numStrToLongDouble(v, vlen, &value)) {
        addReplyError(c, "ERR hash value is not a float");
        return;
    }
    value += incr;
    if (isnan(value) || isinf(value)) {
        addReplyError(c, "ERR increment would produce NaN or Infinity");
        return;
    }
    char out[NUMFMT_LDBL_BUF];
    size_t outlen = numLongDoubleToStr(out, sizeof(out), value);
    addReplyBulk(c, out, outlen);
    hashIncrStore(c, kv, out, outlen, "hincrbyfloat");
    /* Replayed as the result: see INCRBYFLOAT. */
    slice prop[4] = {propArgStr("HSET"), c->argv[1], c->argv[2], {out, outlen}};
    propagateAs(c, 4, prop);
}

/* ---- HRANDFIELD ---- */

/* Replies one field (and its value) of a random-field reply. */
static void addReplyFieldPair(client *c, const char *f, size_t flen, const char *v, size_t vlen,
                              bool withvalues) {
    if (withvalues && c->resp > 2) addReplyArrayLen(c, 2);
    addReplyBulk(c, f, flen);
    if (withvalues) addReplyBulk(c, v, vlen);
}

/* Replies the pair whose field entry is at offset 'off' of 'lp'. */
static void addReplyListpackPair(client *c, listpack *lp, uint32_t off, bool withvalues) {
    unsigned char fbuf[LP_INTBUF_SIZE], vbuf[LP_INTBUF_SIZE];
    size_t flen, vlen = 0;
    const char *f = (const char *)lpGetStr(lp + off, &flen, fbuf);
    const char *v = NULL;
    if (withvalues) v = (const char *)lpGetStr(lpNext(lp, lp + off), &vlen, vbuf);
    addReplyFieldPair(c, f, flen, v, vlen, withvalues);
}

/* Offsets of the field entries of listpack 'lp' (caller frees). */
static uint32_t *listpackFieldOffsets(listpack *lp, size_t *n) {
    size_t entries = lpLength(lp);
    uint32_t *offs = tmalloc(sizeof(uint32_t) * (entries ? entries : 1));
    lpEntryOffsets(lp, offs);
    *n = entries / 2;
    for (size_t j = 0; j < *n; j++)
        offs[j] = offs[2 * j];
    return offs;
}

typedef struct fieldPairReply {
    client *c;
    bool withvalues;
} fieldPairReply;

static void addReplyPickedField(void *priv, void *entry) {
    fieldPairReply *r = priv;
    hashField *e = entry;
    addReplyFieldPair(r->c, e->data, e->flen, fieldValue(e), e->vlen, r->withvalues);
}

/* HRANDFIELD key count [WITHVALUES]: a non-negative count gives distinct
 * fields (at most all), a negative one |count| fields that may repeat. */
static void hrandfieldWithCount(client *c, long long l, bool withvalues) {
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_HASH, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyEmptyArray(c);
        return;
    }
    bool uniq = l >= 0;
    unsigned long long count = uniq ? (unsigned long long)l : (unsigned long long)-l;
    size_t size = hashLength(kvGetPtr(kv), kv->encoding);
    if (count == 0) {
        addReplyEmptyArray(c);
        return;
    }
    bool flat = withvalues && c->resp == 2;
    if (!uniq || count == 1) {
        addReplyArrayLen(c, (long long)(flat ? count * 2 : count));
        if (kv->encoding == OBJ_ENC_LISTPACK) {
            listpack *lp = kvGetPtr(kv);
            size_t n;
            uint32_t *offs = listpackFieldOffsets(lp, &n);
            while (count--) {
                addReplyListpackPair(c, lp, offs[(size_t)random() % n], withvalues);
                if (c->flags & CLIENT_CLOSE_ASAP) break;
            }
            tfree(offs);
        } else {
            while (count--) {
                hashField *e = htRandom(kvGetPtr(kv));
                addReplyFieldPair(c, e->data, e->flen, fieldValue(e), e->vlen, withvalues);
                if (c->flags & CLIENT_CLOSE_ASAP) break;
            }
        }
        return;
    }
    size_t replyCount = count < size ? (size_t)count : size;
    addReplyArrayLen(c, (long long)(flat ? replyCount * 2 : replyCount));
    if (count >= size) {
        /* The whole hash, in its own order. */
        hashIter it;
        hashIterInit(&it, kvGetPtr(kv), kv->encoding);
        while (hashIterNext(&it))
            addReplyFieldPair(c, it.f, it.flen, it.v, it.vlen, withvalues);
        hashIterRelease(&it);
        return;
    }
    if (kv->encoding == OBJ_ENC_LISTPACK) {
        /* Selection sampling: each field is taken with probability
         * needed/remaining, so the result keeps listpack order (as Redis). */
        listpack *lp = kvGetPtr(kv);
        size_t n;
        uint32_t *offs = listpackFieldOffsets(lp, &n);
        size_t need = (size_t)count;
        for (size_t j = 0; j < n && need; j++) {
            if ((size_t)random() % (n - j) < need) {
                addReplyListpackPair(c, lp, offs[j], withvalues);
                need--;
            }
        }
        tfree(offs);
        return;
    }
    fieldPairReply r = {c, withvalues};
    pickDistinctEntries(kvGetPtr(kv), (size_t)count, addReplyPickedField, &r);
}

void hrandfieldCommand(client *c) {
    if (c->argc >= 3) {
        long long l;
        bool withvalues;
        if (getRandomCountArgsOrReply(c, "withvalues", &l, &withvalues) == C_ERR) return;
        hrandfieldWithCount(c, l, withvalues);
        return;
    }
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_HASH, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyNull(c);
        return;
    }
    if (kv->encoding == OBJ_ENC_LISTPACK) {
        listpack *lp = kvGetPtr(kv);
        size_t n = lpLength(lp) / 2;
        unsigned char buf[LP_INTBUF_SIZE];
        size_t len;
        const unsigned char *f =
            lpGetStr(lpSeek(lp, 2 * (long long)((size_t)random() % n)), &len, buf);
        addReplyBulk(c, f, len);
    } else {
        hashField *e = htRandom(kvGetPtr(kv));
        addReplyBulk(c, e->data, e->flen);
    }
}

/* ---- HSCAN ---- */

static long long hscanCompact(client *c, kvobj *kv, const scanOpts *o) {
    long long n = 0;
    hashIter it;
    hashIterInit(&it, kvGetPtr(kv), kv->encoding);
    while (hashIterNext(&it)) {
        if (!scanMatches(o, it.f, it.flen)) continue;
        addReplyBulk(c, it.f, it.flen);
        addReplyBulk(c, it.v, it.vlen);
        n += 2;
    }
    hashIterRelease(&it);
    return n;
}

static long long hscanEntry(client *c, void *entry, const scanOpts *o) {
    hashField *e = entry;
    if (!scanMatches(o, e->data, e->flen)) return 0;
    addReplyBulk(c, e->data, e->flen);
    addReplyBulk(c, fieldValue(e), e->vlen);
    return 2;
}

static const collectionScanType hashScanType = {
    OBJ_HASH, OBJ_ENC_LISTPACK, hscanCompact, scanStepHashtable, 1, hscanEntry,
};

void hscanCommand(client *c) {
    collectionScanCommand(c, &hashScanType);
}
