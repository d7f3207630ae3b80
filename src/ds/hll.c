/* SPDX-License-Identifier: BSD-3-Clause
 *
 * HyperLogLog sketches (see hll.h for the byte format).
 *
 * The sparse editor works on one opcode at a time: find the opcode that
 * covers the register, replace it by up to three opcodes (the run before,
 * the new single-register VAL, the run after: at most 5 bytes for an XZERO
 * split in the middle), then merge equal VAL neighbours in a window of
 * five opcodes starting at the opcode before the edit.  That window is
 * part of the format's observable behaviour: a full re-normalisation would
 * produce different (if equivalent) bytes than Redis.
 *
 * Costs: dense updates O(1); sparse updates O(size of the stream), which
 * hll-sparse-max-bytes bounds; counting O(16384) registers.
 */
#include "ds/hll.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ds/alloc.h"

/* ---- hashing ---- */

#define MURMUR_M 0xc6a4a7935bd1e995ULL
#define MURMUR_R 47
#define HLL_SEED 0xadc83b19ULL

static inline uint64_t loadLE64(const unsigned char *p) {
    uint64_t w = 0;
    for (int j = 7; j >= 0; j--)
        w = (w << 8) | p[j];
    return w;
}

uint64_t hllHash(const void *key, size_t len) {
    const unsigned char *p = key;
    /* Redis passes the length as an int; the format depends on it only
     * for elements of 2 GB or more, which a request cannot carry. */
    uint64_t h = HLL_SEED ^ ((uint64_t)(int)len * MURMUR_M);
    size_t words = len / 8;
    for (size_t j = 0; j < words; j++, p += 8) {
        uint64_t k = loadLE64(p);
        k *= MURMUR_M;
        k ^= k >> MURMUR_R;
        k *= MURMUR_M;
        h ^= k;
        h *= MURMUR_M;
    }
    size_t tail = len & 7;
    if (tail) {
        uint64_t t = 0;
        for (size_t j = tail; j-- > 0;)
            t = (t << 8) | p[j];
        h ^= t;
        h *= MURMUR_M;
    }
    h ^= h >> MURMUR_R;
    h *= MURMUR_M;
    h ^= h >> MURMUR_R;
    return h;
}

int hllPatternLen(const void *ele, size_t len, long *index) {
    uint64_t h = hllHash(ele, len);
    *index = (long)(h & (HLL_REGISTERS - 1));
    /* A sentinel bit above the 50 hash bits caps the run at 51. */
    uint64_t rest = (h >> HLL_P) | (1ULL << (64 - HLL_P));
    return __builtin_ctzll(rest) + 1;
}

/* ---- header ---- */

bool hllIsValid(const unsigned char *p, size_t len) {
    if (len < HLL_HDR_SIZE || memcmp(p, "HYLL", 4) != 0) return false;
    if (p[4] > HLL_SPARSE) return false;
    if (p[4] == HLL_DENSE && len != HLL_DENSE_SIZE) return false;
    return true;
}

bool hllCacheGet(const unsigned char *p, uint64_t *card) {
    if (p[15] & 0x80) return false;
    *card = loadLE64(p + 8);
    return true;
}

void hllCacheSet(unsigned char *p, uint64_t card) {
    for (int j = 0; j < 8; j++)
        p[8 + j] = (unsigned char)(card >> (8 * j));
}

void hllCacheInvalidate(unsigned char *p) {
    p[15] |= 0x80;
}

/* ---- sparse opcodes ---- */

#define OP_XZERO_BIT 0x40
#define OP_VAL_BIT 0x80
#define ZERO_MAX_LEN 64
#define XZERO_MAX_LEN 16384
#define VAL_MAX_LEN 4

static inline bool opIsZero(const unsigned char *p) {
    return (*p & 0xC0) == 0;
}
static inline bool opIsXZero(const unsigned char *p) {
    return (*p & 0xC0) == OP_XZERO_BIT;
}
static inline bool opIsVal(const unsigned char *p) {
    return (*p & OP_VAL_BIT) != 0;
}
static inline long zeroLen(const unsigned char *p) {
    return (*p & 0x3F) + 1;
}
static inline unsigned valValue(const unsigned char *p) {
    return ((*p >> 2) & 0x1F) + 1;
}
static inline long valLen(const unsigned char *p) {
    return (*p & 3) + 1;
}
static inline unsigned char opVal(unsigned value, long len) {
    return (unsigned char)(OP_VAL_BIT | ((value - 1) << 2) | (unsigned)(len - 1));
}

/* Writes a run of 'len' zero registers (ZERO when it fits, else XZERO)
 * at 'p'; returns the bytes written. */
static int putZeros(unsigned char *p, long len) {
    if (len <= ZERO_MAX_LEN) {
        p[0] = (unsigned char)(len - 1);
        return 1;
    }
    p[0] = (unsigned char)(OP_XZERO_BIT | ((len - 1) >> 8));
    p[1] = (unsigned char)((len - 1) & 0xFF);
    return 2;
}

sbuf *hllNew(void) {
    unsigned char body[HLL_HDR_SIZE + 2] = {'H', 'Y', 'L', 'L', HLL_SPARSE};
    putZeros(body + HLL_HDR_SIZE, XZERO_MAX_LEN);
    return sbufNew(body, sizeof(body));
}

/* Registers covered by the opcode at 'p' (which lies before 'end'), and
 * its size in '*oplen'.  An XZERO cut short by the end of the stream reads
 * its missing second byte as zero, as Redis (whose strings end in a NUL)
 * does. */
static inline long opSpan(const unsigned char *p, const unsigned char *end, int *oplen) {
    *oplen = 1;
    if (opIsZero(p)) return zeroLen(p);
    if (opIsVal(p)) return valLen(p);
    *oplen = 2;
    unsigned lo = p + 1 < end ? p[1] : 0;
    return (((long)(*p & 0x3F) << 8) | lo) + 1;
}

/* Calls 'fn' for each run of the sparse stream 'p'..'end' (register
 * 'first', 'len' registers of value 'v'); stops early, returning -1, when
 * 'fn' returns false.  Returns the number of registers the runs cover. */
typedef bool sparseRunFn(void *priv, long first, long len, unsigned v);
static long sparseWalk(const unsigned char *p, const unsigned char *end, sparseRunFn *fn,
                       void *priv) {
    long idx = 0;
    while (p < end) {
        int oplen;
        long len = opSpan(p, end, &oplen);
        unsigned v = opIsVal(p) ? valValue(p) : 0;
        if (!fn(priv, idx, len, v)) return -1;
        idx += len;
        p += oplen;
    }
    return idx;
}

/* ---- dense conversion ---- */

static bool denseFromRun(void *priv, long first, long len, unsigned v) {
    unsigned char *regs = priv;
    if (first + len > HLL_REGISTERS) return false;
    if (v)
        for (long j = first; j < first + len; j++)
            hllDenseSet(regs, j, v);
    return true;
}

int hllToDense(sbuf **s) {
    sbuf *sp = *s;
    const unsigned char *p = (const unsigned char *)sp->buf;
    if (hllEncoding(p) == HLL_DENSE) return 0;
    sbuf *d = sbufNew(NULL, HLL_DENSE_SIZE);
    unsigned char *dp = (unsigned char *)d->buf;
    memcpy(dp, p, HLL_HDR_SIZE);
    dp[4] = HLL_DENSE;
    long n = sparseWalk(p + HLL_HDR_SIZE, p + sp->len, denseFromRun, dp + HLL_HDR_SIZE);
    if (n != HLL_REGISTERS) {
        sbufFree(d);
        return -1;
    }
    sbufFree(sp);
    *s = d;
    return 1;
}

/* ---- sparse editing ---- */

/* Merges adjacent VAL opcodes of equal value whose runs fit one opcode,
 * visiting at most five opcodes from 'p' (a merge uses one visit and
 * stays in place to try the merged opcode with its right neighbour).
 * Returns the new end of the stream. */
static unsigned char *mergeAround(unsigned char *p, unsigned char *end) {
    for (int visits = 5; p < end && visits > 0; visits--) {
        if (opIsXZero(p)) {
            p += 2;
            continue;
        }
        if (opIsZero(p)) {
            p++;
            continue;
        }
        if (p + 1 < end && opIsVal(p + 1) && valValue(p) == valValue(p + 1)) {
            long len = valLen(p) + valLen(p + 1);
            if (len <= VAL_MAX_LEN) {
                p[1] = opVal(valValue(p), len);
                memmove(p, p + 1, (size_t)(end - p - 1));
                end--;
                continue;
            }
        }
        p++;
    }
    return end;
}

/* Dense update after a sparse sketch had to turn dense. */
static int promoteAndSet(sbuf **s, long index, unsigned count) {
    if (hllToDense(s) < 0) return -1;
    hllDenseSet((unsigned char *)(*s)->buf + HLL_HDR_SIZE, index, count);
    return 1;
}

static int sparseSet(sbuf **s, long index, unsigned count, size_t sparseMax) {
    if (count > HLL_SPARSE_VAL_MAX) return promoteAndSet(s, index, count);
    sbuf *sp = *s;
    unsigned char *start = (unsigned char *)sp->buf + HLL_HDR_SIZE;
    unsigned char *end = (unsigned char *)sp->buf + sp->len;

    /* Find the opcode 'p' covering 'index': it spans registers
     * first..first+span-1; 'prev' is the opcode before it. */
    unsigned char *p = start, *prev = NULL;
    long first = 0, span = 0;
    int oplen = 1;
    while (p < end) {
        span = opSpan(p, end, &oplen);
        if (index <= first + span - 1) break;
        prev = p;
        p += oplen;
        first += span;
    }
    /* Not found, or a truncated XZERO (Redis would write past the end of
     * the stream there; a corrupt sketch is refused instead). */
    if (p >= end || p + oplen > end) return -1;

    unsigned char seq[5];
    int seqlen = 0;
    long last = first + span - 1;
    if (opIsVal(p)) {
        unsigned cur = valValue(p);
        if (cur >= count) return 0;
        if (span == 1) {
            *p = opVal(count, 1);
            goto merge;
        }
        if (index != first) seq[seqlen++] = opVal(cur, index - first);
        seq[seqlen++] = opVal(count, 1);
        if (index != last) seq[seqlen++] = opVal(cur, last - index);
    } else {
        if (opIsZero(p) && span == 1) {
            *p = opVal(count, 1);
            goto merge;
        }
        if (index != first) seqlen += putZeros(seq + seqlen, index - first);
        seq[seqlen++] = opVal(count, 1);
        if (index != last) seqlen += putZeros(seq + seqlen, last - index);
    }

    int delta = seqlen - oplen;
    if (delta > 0) {
        if (sp->len + (size_t)delta > sparseMax) return promoteAndSet(s, index, count);
        size_t poff = (size_t)(p - (unsigned char *)sp->buf);
        size_t prevoff = prev ? (size_t)(prev - (unsigned char *)sp->buf) : 0;
        sp = sbufMakeRoom(sp, (size_t)delta);
        *s = sp;
        p = (unsigned char *)sp->buf + poff;
        prev = prev ? (unsigned char *)sp->buf + prevoff : NULL;
        start = (unsigned char *)sp->buf + HLL_HDR_SIZE;
        end = (unsigned char *)sp->buf + sp->len;
    }
    unsigned char *next = p + oplen;
    if (delta) memmove(next + delta, next, (size_t)(end - next));
    memcpy(p, seq, (size_t)seqlen);
    end += delta;

merge:
    end = mergeAround(prev ? prev : start, end);
    sbufSetLen(sp, (size_t)(end - (unsigned char *)sp->buf));
    hllCacheInvalidate((unsigned char *)sp->buf);
    return 1;
}

int hllSet(sbuf **s, long index, unsigned count, size_t sparseMax) {
    unsigned char *p = (unsigned char *)(*s)->buf;
    if (hllEncoding(p) == HLL_SPARSE) return sparseSet(s, index, count, sparseMax);
    unsigned char *regs = p + HLL_HDR_SIZE;
    if (hllDenseGet(regs, index) >= count) return 0;
    hllDenseSet(regs, index, count);
    return 1;
}

int hllAdd(sbuf **s, const void *ele, size_t len, size_t sparseMax) {
    long index;
    int count = hllPatternLen(ele, len, &index);
    return hllSet(s, index, (unsigned)count, sparseMax);
}

/* ---- merging ---- */

static bool maxFromRun(void *priv, long first, long len, unsigned v) {
    unsigned char *max = priv;
    if (first + len > HLL_REGISTERS) return false;
    for (long j = first; j < first + len; j++)
        if (v > max[j]) max[j] = (unsigned char)v;
    return true;
}

int hllMergeInto(unsigned char *max, const unsigned char *p, size_t len) {
    if (hllEncoding(p) == HLL_DENSE) {
        /* Four registers in every three bytes. */
        const unsigned char *r = p + HLL_HDR_SIZE;
        for (long j = 0; j < HLL_REGISTERS; j += 4, r += 3) {
            unsigned char v[4] = {
                (unsigned char)(r[0] & 63),
                (unsigned char)(((r[0] >> 6) | (r[1] << 2)) & 63),
                (unsigned char)(((r[1] >> 4) | (r[2] << 4)) & 63),
                (unsigned char)(r[2] >> 2),
            };
            for (int k = 0; k < 4; k++)
                if (v[k] > max[j + k]) max[j + k] = v[k];
        }
        return 0;
    }
    long n = sparseWalk(p + HLL_HDR_SIZE, p + len, maxFromRun, max);
    return n == HLL_REGISTERS ? 0 : -1;
}

/* ---- estimating ---- */

/* Ertl's sigma and tau, iterated to their floating-point fixed points. */
static double sigma(double x) {
    if (x == 1.) return INFINITY;
    double y = 1, z = x, prev;
    do {
        x *= x;
        prev = z;
        z += x * y;
        y += y;
    } while (prev != z);
    return z;
}

static double tau(double x) {
    if (x == 0. || x == 1.) return 0.;
    double y = 1.0, z = 1 - x, prev;
    do {
        x = sqrt(x);
        prev = z;
        y *= 0.5;
        z -= pow(1 - x, 2) * y;
    } while (prev != z);
    return z / 3;
}

uint64_t hllEstimate(const int *histo) {
    const double m = HLL_REGISTERS;
    const int q = 64 - HLL_P;
    /* The operation order matters to the last bit, and the last bit
     * matters to the rounded result: keep it as Redis 7.0 has it. */
    double z = m * tau((m - histo[q + 1]) / m);
    for (int j = q; j >= 1; j--) {
        z += histo[j];
        z *= 0.5;
    }
    z += m * sigma(histo[0] / m);
    return (uint64_t)llroundl(0.721347520444481703680 * m * m / z);
}

static bool histoFromRun(void *priv, long first, long len, unsigned v) {
    int *histo = priv;
    /* Past the last register the sketch is corrupt whatever follows;
     * stopping here also keeps the counts from overflowing. */
    if (first + len > HLL_REGISTERS) return false;
    histo[v] += (int)len;
    return true;
}

uint64_t hllCount(const unsigned char *p, size_t len, bool *invalid) {
    int histo[64] = {0};
    if (hllEncoding(p) == HLL_DENSE) {
        const unsigned char *r = p + HLL_HDR_SIZE;
        for (long j = 0; j < HLL_REGISTERS; j += 4, r += 3) {
            histo[r[0] & 63]++;
            histo[((r[0] >> 6) | (r[1] << 2)) & 63]++;
            histo[((r[1] >> 4) | (r[2] << 4)) & 63]++;
            histo[r[2] >> 2]++;
        }
    } else {
        long n = sparseWalk(p + HLL_HDR_SIZE, p + len, histoFromRun, histo);
        if (n != HLL_REGISTERS && invalid) *invalid = true;
    }
    return hllEstimate(histo);
}

uint64_t hllCountRaw(const unsigned char *regs) {
    int histo[64] = {0};
    for (long j = 0; j < HLL_REGISTERS; j++)
        histo[regs[j] & 63]++;
    return hllEstimate(histo);
}

/* ---- debugging ---- */

sbuf *hllDescribeSparse(sbuf *out, const unsigned char *p, size_t len) {
    const unsigned char *q = p + HLL_HDR_SIZE, *end = p + len;
    bool firstOp = true;
    while (q < end) {
        if (!firstOp) out = sbufCat(out, " ", 1);
        firstOp = false;
        if (opIsZero(q)) {
            out = sbufCatPrintf(out, "z:%ld", zeroLen(q));
            q++;
        } else if (opIsXZero(q)) {
            int oplen;
            out = sbufCatPrintf(out, "Z:%ld", opSpan(q, end, &oplen));
            q += 2;
        } else {
            out = sbufCatPrintf(out, "v:%u,%ld", valValue(q), valLen(q));
            q++;
        }
    }
    return out;
}
