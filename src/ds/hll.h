/* SPDX-License-Identifier: BSD-3-Clause
 *
 * HyperLogLog sketches in Redis's byte format, so that a value written by
 * either server is read by the other (GET/SET, DUMP/RESTORE, RDB) and
 * PFCOUNT gives the same estimate for the same input.
 *
 * A sketch is a string: a 16-byte header, then the registers.
 *
 *   +------+-----+-------+---------------------------+--------------+
 *   | HYLL | enc | 0 0 0 | cached cardinality (LE 8) | registers... |
 *   +------+-----+-------+---------------------------+--------------+
 *     4 B    1 B    3 B     8 B; top bit of the last
 *                           byte set = "stale"
 *
 * 16384 registers (P = 14) of 6 bits each.  An element is hashed with
 * MurmurHash64A (seed 0xadc83b19); the low 14 bits pick the register, and
 * the register keeps the largest "position of the first set bit" (1..51)
 * seen among the remaining 50 bits.
 *
 * Two encodings of the registers:
 *   dense  (enc 0)  12288 bytes, register i in bits 6i..6i+5 counting from
 *                   the least significant bit of byte 0 upwards;
 *   sparse (enc 1)  run-length opcodes, in register order:
 *                     00xxxxxx           ZERO:  x+1 (1..64) zero registers
 *                     01xxxxxx yyyyyyyy  XZERO: (x<<8|y)+1 (1..16384) zeros
 *                     1vvvvvxx           VAL:   x+1 (1..4) registers = v+1
 *                   An empty sketch is one XZERO of 16384 (18 bytes).
 * A sparse sketch turns dense when a register needs a value above 32 or
 * the string would outgrow 'sparseMax' bytes (hll-sparse-max-bytes); it
 * never turns back.  Updates edit the opcode stream in place and then
 * merge equal VAL neighbours around the edit exactly as Redis does, so the
 * bytes stay identical to Redis's for the same sequence of additions.
 *
 * The estimate is Ertl's improved estimator ("New cardinality estimation
 * algorithms for HyperLogLog sketches", 2017) over the histogram of
 * register values, evaluated in the same order of floating-point
 * operations as Redis 7.0.
 *
 * A pure library: sketches are sbufs, errors are return values (-1 for a
 * corrupt sketch), nothing replies.
 */
#ifndef TERN_DS_HLL_H
#define TERN_DS_HLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ds/sbuf.h"

#define HLL_P 14
#define HLL_REGISTERS (1 << HLL_P)
#define HLL_BITS 6
#define HLL_REGISTER_MAX 63
#define HLL_HDR_SIZE 16
#define HLL_DENSE_SIZE (HLL_HDR_SIZE + (HLL_REGISTERS * HLL_BITS + 7) / 8)
#define HLL_DENSE 0
#define HLL_SPARSE 1
/* Largest register value a sparse VAL opcode holds. */
#define HLL_SPARSE_VAL_MAX 32
/* Default hll-sparse-max-bytes. */
#define HLL_SPARSE_MAX_DEFAULT 3000

/* MurmurHash64A of 'len' bytes at 'p' with Redis's seed, reading the
 * input as little-endian words on every host. */
uint64_t hllHash(const void *p, size_t len);

/* Register index ('*index', 0..16383) and run length (1..51, the return
 * value) of element 'ele'/'len'. */
int hllPatternLen(const void *ele, size_t len, long *index);

/* True when the 'len' bytes at 'p' have a valid header: the magic, an
 * encoding of 0 or 1, and exactly HLL_DENSE_SIZE bytes when dense.  The
 * sparse opcodes are only checked by the functions that walk them. */
bool hllIsValid(const unsigned char *p, size_t len);

/* Encoding byte (HLL_DENSE or HLL_SPARSE) of a valid sketch. */
static inline int hllEncoding(const unsigned char *p) {
    return p[4];
}

/* New empty sparse sketch (cached cardinality 0, valid).  Caller owns it. */
sbuf *hllNew(void);

/* ---- the cached cardinality ---- */

/* True and '*card' when the cache of sketch 'p' is valid. */
bool hllCacheGet(const unsigned char *p, uint64_t *card);
/* Stores 'card' as the valid cached cardinality. */
void hllCacheSet(unsigned char *p, uint64_t card);
/* Marks the cached cardinality stale. */
void hllCacheInvalidate(unsigned char *p);

/* ---- registers ---- */

/* Register 'i' of the dense register area 'regs' (12288 bytes). */
static inline unsigned hllDenseGet(const unsigned char *regs, long i) {
    unsigned long bit = (unsigned long)i * HLL_BITS;
    unsigned long b = bit >> 3, fb = bit & 7;
    unsigned v = regs[b] >> fb;
    if (fb > 2) v |= (unsigned)regs[b + 1] << (8 - fb);
    return v & HLL_REGISTER_MAX;
}

/* Sets register 'i' of 'regs' to 'v' (0..63). */
static inline void hllDenseSet(unsigned char *regs, long i, unsigned v) {
    unsigned long bit = (unsigned long)i * HLL_BITS;
    unsigned long b = bit >> 3, fb = bit & 7;
    regs[b] = (unsigned char)((regs[b] & ~(HLL_REGISTER_MAX << fb)) | (v << fb));
    if (fb > 2) {
        unsigned hi = 8 - fb; /* bits already stored in byte b */
        regs[b + 1] =
            (unsigned char)((regs[b + 1] & ~(HLL_REGISTER_MAX >> hi)) | (v >> hi));
    }
}

/* Raises register 'index' of sketch '*s' to 'count' (1..63) when it is
 * lower.  A sparse sketch may be edited in place, grow, or turn dense
 * (see the header); '*s' is updated when the buffer moves.  Returns 1 when
 * the register changed, 0 when not, -1 when the sketch is corrupt (a
 * sparse stream that does not reach the register, or fails to convert).
 * The cached cardinality is marked stale on a change of a sparse sketch
 * only; callers invalidate it themselves (PFADD does, once). */
int hllSet(sbuf **s, long index, unsigned count, size_t sparseMax);

/* hllSet for the register and run of element 'ele'/'len'. */
int hllAdd(sbuf **s, const void *ele, size_t len, size_t sparseMax);

/* Converts sparse sketch '*s' to dense (header and cache copied), freeing
 * the old buffer.  Returns 1 when converted, 0 when it already was dense,
 * -1 (and '*s' untouched) when the opcodes do not cover exactly 16384
 * registers. */
int hllToDense(sbuf **s);

/* max[i] = MAX(max[i], register i) over sketch 'p'/'len'; 'max' holds
 * 16384 bytes.  Returns 0, or -1 when a sparse sketch is corrupt ('max'
 * may then be partly updated). */
int hllMergeInto(unsigned char *max, const unsigned char *p, size_t len);

/* Estimated cardinality of sketch 'p'/'len'.  A sparse stream that does
 * not cover exactly 16384 registers sets '*invalid' (the estimate is then
 * meaningless). */
uint64_t hllCount(const unsigned char *p, size_t len, bool *invalid);
/* Estimated cardinality of 16384 registers held one per byte. */
uint64_t hllCountRaw(const unsigned char *regs);
/* The estimate from a histogram of register values ('histo[v]' registers
 * hold v; 64 entries). */
uint64_t hllEstimate(const int *histo);

/* Appends the opcodes of sparse sketch 'p'/'len' to 'out' as PFDEBUG
 * DECODE prints them ("z:3 Z:200 v:5,2", space separated) and returns the
 * buffer. */
sbuf *hllDescribeSparse(sbuf *out, const unsigned char *p, size_t len);

#endif
