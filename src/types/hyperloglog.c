/* SPDX-License-Identifier: BSD-3-Clause
 *
 * HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, and the debugging pair
 * PFDEBUG / PFSELFTEST.  A sketch is an ordinary string value in Redis's
 * byte format (ds/hll.h), so GET, SET, DUMP/RESTORE and persistence carry
 * it unchanged, and any string that passes the header check is accepted.
 *
 * Writers need the value as a raw buffer: an embstr value (a small sparse
 * sketch written with SET) becomes raw first, as Redis unshares it.
 * PFCOUNT of one key stores the estimate in the sketch's header cache, so
 * even this read command can change the value (and touches WATCH).
 *
 * Costs: PFADD O(1) per element on a dense sketch, O(sparse size) on a
 * sparse one (bounded by hll-sparse-max-bytes); PFCOUNT O(1) with a valid
 * cache, else O(16384); PFCOUNT of N keys and PFMERGE O(16384 * N).
 */
#include "types/hyperloglog.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"
#include "core/errors.h"
#include "core/notify.h"
#include "ds/hll.h"
#include "net/reply.h"

#define ERR_HLL_WRONGTYPE "WRONGTYPE Key is not a valid HyperLogLog string value."
#define ERR_HLL_CORRUPT "INVALIDOBJ Corrupted HLL object detected"

long long hllSparseMaxBytes = HLL_SPARSE_MAX_DEFAULT;

static size_t sparseMax(void) {
    return hllSparseMaxBytes < 0 ? 0 : (size_t)hllSparseMaxBytes;
}

/* True when 'kv' (a string) holds a valid sketch; replies the HLL
 * WRONGTYPE error otherwise.  Int-encoded values never are sketches. */
static bool isHllOrReply(client *c, const kvobj *kv) {
    if (kv->encoding != OBJ_ENC_INT) {
        char buf[32];
        const char *p;
        size_t len = kvStringBytes(kv, buf, &p);
        if (hllIsValid((const unsigned char *)p, len)) return true;
    }
    addReplyError(c, ERR_HLL_WRONGTYPE);
    return false;
}

/* Looks up 'key' as a sketch, for writing or for reading.  Returns C_OK
 * with '*out' the kvobj or NULL when missing, or C_ERR after replying
 * (WRONGTYPE, or a string that is no sketch). */
static int lookupHllOrReply(client *c, slice key, bool write, kvobj **out) {
    bool wrong;
    kvobj *kv = write ? lookupWriteTyped(c, key, OBJ_STRING, &wrong)
                      : lookupReadTyped(c, key, OBJ_STRING, &wrong);
    if (wrong) return C_ERR;
    if (kv && !isHllOrReply(c, kv)) return C_ERR;
    *out = kv;
    return C_OK;
}

/* The buffer of sketch 'kv' (of 'key'), made raw first when it is an
 * embstr (the kvobj is then replaced; '*kv' follows).  Write the possibly
 * moved buffer back with kvSetPtr. */
static sbuf *unshareHll(client *c, kvobj **kv, slice key) {
    if ((*kv)->encoding == OBJ_ENC_RAW) return kvStringForWrite(*kv);
    char buf[32];
    const char *p;
    size_t len = kvStringBytes(*kv, buf, &p);
    sbuf *s = sbufNew(p, len);
    kvobj *n = kvNewPtr(key.ptr, key.len, OBJ_STRING, OBJ_ENC_RAW, s, kvGetExpire(*kv));
    dbReplace(c->db, *kv, n, false);
    *kv = n;
    return s;
}

/* Adds a new empty sketch under 'key' and returns its kvobj. */
static kvobj *addNewHll(client *c, slice key) {
    kvobj *kv = kvNewPtr(key.ptr, key.len, OBJ_STRING, OBJ_ENC_RAW, hllNew(), -1);
    dbAdd(c->db, kv);
    return kv;
}

/* PFADD key [element ...]: 1 when a register changed or the key was
 * created, else 0.  A corrupt sketch stops the command at that element
 * with INVALIDOBJ (what was added before stays, unannounced, as in
 * Redis). */
void pfaddCommand(client *c) {
    slice key = c->argv[1];
    kvobj *kv;
    if (lookupHllOrReply(c, key, true, &kv) == C_ERR) return;
    int updated = 0;
    if (!kv) {
        kv = addNewHll(c, key);
        updated++;
    } else {
        unshareHll(c, &kv, key);
    }
    sbuf *s = kvGetPtr(kv);
    for (int j = 2; j < c->argc; j++) {
        int r = hllAdd(&s, c->argv[j].ptr, c->argv[j].len, sparseMax());
        if (r < 0) {
            kvSetPtr(kv, s);
            addReplyError(c, ERR_HLL_CORRUPT);
            return;
        }
        updated += r;
    }
    kvSetPtr(kv, s);
    if (updated) {
        hllCacheInvalidate((unsigned char *)s->buf);
        keyModified(c, key, NOTIFY_STRING, "pfadd");
    }
    addReplyLongLong(c, updated ? 1 : 0);
}

/* PFCOUNT of several keys: the estimate of their union, computed on
 * byte-per-register maxima; nothing is cached. */
static void pfcountMany(client *c) {
    unsigned char *max = tcalloc(HLL_REGISTERS);
    for (int j = 1; j < c->argc; j++) {
        kvobj *kv;
        if (lookupHllOrReply(c, c->argv[j], false, &kv) == C_ERR) goto done;
        if (!kv) continue;
        char buf[32];
        const char *p;
        size_t len = kvStringBytes(kv, buf, &p);
        if (hllMergeInto(max, (const unsigned char *)p, len) < 0) {
            addReplyError(c, ERR_HLL_CORRUPT);
            goto done;
        }
    }
    addReplyLongLong(c, (long long)hllCountRaw(max));
done:
    tfree(max);
}

/* PFCOUNT key [key ...].  One key answers from the sketch's cache, or
 * computes the estimate and caches it: the value changes, so WATCH sees
 * a modification, as in Redis. */
void pfcountCommand(client *c) {
    if (c->argc > 2) {
        pfcountMany(c);
        return;
    }
    slice key = c->argv[1];
    kvobj *kv;
    if (lookupHllOrReply(c, key, false, &kv) == C_ERR) return;
    if (!kv) {
        addReplyLongLong(c, 0);
        return;
    }
    sbuf *s = unshareHll(c, &kv, key);
    unsigned char *p = (unsigned char *)s->buf;
    uint64_t card;
    if (!hllCacheGet(p, &card)) {
        bool invalid = false;
        card = hllCount(p, s->len, &invalid);
        if (invalid) {
            addReplyError(c, ERR_HLL_CORRUPT);
            return;
        }
        hllCacheSet(p, card);
        /* The cached cardinality is part of the value's bytes: a change,
         * replayed as the PFCOUNT itself (Redis does the same). */
        keyModified(c, key, 0, NULL);
    }
    addReplyLongLong(c, (long long)card);
}

/* PFMERGE destkey [sourcekey ...]: the destination (itself one of the
 * inputs) gets the register-wise maximum.  It turns dense when any input
 * is dense; otherwise its sparse stream is updated register by register
 * (and may still outgrow hll-sparse-max-bytes).  Publishes "pfadd". */
void pfmergeCommand(client *c) {
    slice dest = c->argv[1];
    unsigned char *max = tcalloc(HLL_REGISTERS);
    bool useDense = false;
    for (int j = 1; j < c->argc; j++) {
        kvobj *kv;
        if (lookupHllOrReply(c, c->argv[j], false, &kv) == C_ERR) goto done;
        if (!kv) continue;
        char buf[32];
        const char *p;
        size_t len = kvStringBytes(kv, buf, &p);
        if (hllEncoding((const unsigned char *)p) == HLL_DENSE) useDense = true;
        if (hllMergeInto(max, (const unsigned char *)p, len) < 0) {
            addReplyError(c, ERR_HLL_CORRUPT);
            goto done;
        }
    }
    /* The destination was checked as the first input. */
    kvobj *kv = lookupWrite(c, dest);
    if (!kv)
        kv = addNewHll(c, dest);
    else
        unshareHll(c, &kv, dest);
    sbuf *s = kvGetPtr(kv);
    if (useDense && hllToDense(&s) < 0) {
        addReplyError(c, ERR_HLL_CORRUPT);
        goto done;
    }
    for (long j = 0; j < HLL_REGISTERS; j++)
        if (max[j]) hllSet(&s, j, max[j], sparseMax());
    kvSetPtr(kv, s);
    hllCacheInvalidate((unsigned char *)s->buf);
    keyModified(c, dest, NOTIFY_STRING, "pfadd");
    addReplyOK(c);
done:
    tfree(max);
}

/* ---- debugging ---- */

/* PFDEBUG GETREG|DECODE|ENCODING|TODENSE key.  The key is looked up
 * (and must be a sketch) before the subcommand is read, as in Redis;
 * GETREG and TODENSE turn a sparse sketch dense. */
void pfdebugCommand(client *c) {
    slice sub = c->argv[1], key = c->argv[2];
    kvobj *kv;
    if (lookupHllOrReply(c, key, true, &kv) == C_ERR) return;
    if (!kv) {
        addReplyError(c, "ERR The specified key does not exist");
        return;
    }
    sbuf *s = unshareHll(c, &kv, key);
    if (sliceIs(sub, "getreg")) {
        if (hllToDense(&s) < 0) {
            addReplyError(c, ERR_HLL_CORRUPT);
            return;
        }
        kvSetPtr(kv, s);
        const unsigned char *regs = (const unsigned char *)s->buf + HLL_HDR_SIZE;
        addReplyArrayLen(c, HLL_REGISTERS);
        for (long j = 0; j < HLL_REGISTERS; j++)
            addReplyLongLong(c, hllDenseGet(regs, j));
    } else if (sliceIs(sub, "decode")) {
        if (hllEncoding((const unsigned char *)s->buf) != HLL_SPARSE) {
            addReplyError(c, "ERR HLL encoding is not sparse");
            return;
        }
        sbuf *out = hllDescribeSparse(sbufNewCap(64), (const unsigned char *)s->buf, s->len);
        addReplyBulk(c, out->buf, out->len);
        sbufFree(out);
    } else if (sliceIs(sub, "encoding")) {
        bool dense = hllEncoding((const unsigned char *)s->buf) == HLL_DENSE;
        addReplyStatus(c, dense ? "dense" : "sparse");
    } else if (sliceIs(sub, "todense")) {
        int r = hllToDense(&s);
        if (r < 0) {
            addReplyError(c, ERR_HLL_CORRUPT);
            return;
        }
        kvSetPtr(kv, s);
        addReplyLongLong(c, r);
    } else {
        addReplyErrorFormat(c, "ERR Unknown PFDEBUG subcommand '%.*s'", (int)sub.len, sub.ptr);
    }
}

/* ---- self test ---- */

#define SELFTEST_CYCLES 1000
#define SELFTEST_ELEMENTS 10000000

/* Register access: random values written to every register of a dense
 * area read back unchanged, with no bleeding into neighbours.  Returns
 * false after replying the first mismatch. */
static bool selftestRegisters(client *c, unsigned char *regs) {
    unsigned char *model = tmalloc(HLL_REGISTERS);
    bool ok = true;
    for (int cycle = 0; cycle < SELFTEST_CYCLES && ok; cycle++) {
        for (long j = 0; j < HLL_REGISTERS; j++) {
            model[j] = (unsigned char)(random() & HLL_REGISTER_MAX);
            hllDenseSet(regs, j, model[j]);
        }
        for (long j = 0; j < HLL_REGISTERS && ok; j++) {
            unsigned v = hllDenseGet(regs, j);
            if (v != model[j]) {
                addReplyErrorFormat(c, "TESTFAILED Register %ld should be %d but is %u", j,
                                    (int)model[j], v);
                ok = false;
            }
        }
    }
    tfree(model);
    return ok;
}

/* Estimates: ten million distinct elements go into a dense and a sparse
 * sketch together; at every power of ten the two must agree, the sparse
 * one must still be sparse while small, and the error must stay within
 * six standard errors (one for ten elements, where collisions make wider
 * errors likely, as Redis allows).  Returns false after replying. */
static bool selftestEstimates(client *c, sbuf *dense) {
    memset(dense->buf + HLL_HDR_SIZE, 0, HLL_DENSE_SIZE - HLL_HDR_SIZE);
    sbuf *sparse = hllNew();
    double relerr = 1.04 / sqrt(HLL_REGISTERS);
    uint64_t seed = (uint64_t)random() | (uint64_t)random() << 32;
    long long checkpoint = 1;
    bool ok = true;
    for (long long j = 1; j <= SELFTEST_ELEMENTS && ok; j++) {
        uint64_t ele = (uint64_t)j ^ seed;
        hllAdd(&dense, &ele, sizeof(ele), sparseMax());
        hllAdd(&sparse, &ele, sizeof(ele), sparseMax());
        if (j != checkpoint) continue;
        const unsigned char *sp = (const unsigned char *)sparse->buf;
        uint64_t est = hllCount((const unsigned char *)dense->buf, dense->len, NULL);
        if (j < hllSparseMaxBytes / 2 && hllEncoding(sp) != HLL_SPARSE) {
            addReplyError(c, "TESTFAILED sparse encoding not used");
            ok = false;
        } else if (est != hllCount(sp, sparse->len, NULL)) {
            addReplyError(c, "TESTFAILED dense/sparse disagree");
            ok = false;
        } else {
            long long abserr = llabs(checkpoint - (long long)est);
            long long maxerr = j == 10 ? 1 : (long long)ceil(relerr * 6 * (double)checkpoint);
            if (abserr > maxerr) {
                addReplyErrorFormat(c, "TESTFAILED Too big error. card:%lld abserr:%lld",
                                    checkpoint, abserr);
                ok = false;
            }
        }
        checkpoint *= 10;
    }
    sbufFree(sparse);
    return ok;
}

/* PFSELFTEST: checks the register packing and the estimator from the
 * inside; OK or a TESTFAILED error.  Takes a few seconds. */
void pfselftestCommand(client *c) {
    sbuf *dense = sbufNew(NULL, HLL_DENSE_SIZE);
    memcpy(dense->buf, "HYLL", 4);
    dense->buf[4] = HLL_DENSE;
    if (selftestRegisters(c, (unsigned char *)dense->buf + HLL_HDR_SIZE) &&
        selftestEstimates(c, dense))
        addReplyOK(c);
    sbufFree(dense);
}
