/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Bit arithmetic over byte strings (see bitmap.h for the bit numbering).
 *
 * Words are loaded with memcpy (no alignment assumptions, no aliasing
 * games) and, for searching, turned big-endian so that "the first bit of
 * the string" is the word's most significant bit and a count of leading
 * zeros is a bit position.
 */
#include "ds/bitmap.h"

#include <string.h>

/* ---- words ---- */

static inline uint64_t loadWord(const unsigned char *p) {
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static inline void storeWord(unsigned char *p, uint64_t w) {
    memcpy(p, &w, 8);
}

/* The 8 bytes at 'p' as a big-endian number: byte 0 is the top byte. */
static inline uint64_t loadWordBE(const unsigned char *p) {
    uint64_t w = loadWord(p);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

/* ---- counting ---- */

/* Portable population count of one word (the classic SWAR reduction). */
static inline uint64_t popcountSwar(uint64_t w) {
    w = w - ((w >> 1) & 0x5555555555555555ULL);
    w = (w & 0x3333333333333333ULL) + ((w >> 2) & 0x3333333333333333ULL);
    w = (w + (w >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return (w * 0x0101010101010101ULL) >> 56;
}

static uint64_t countWordsPortable(const unsigned char *p, size_t words) {
    uint64_t total = 0;
    for (size_t j = 0; j < words; j++)
        total += popcountSwar(loadWord(p + j * 8));
    return total;
}

#if defined(__x86_64__) && defined(__GNUC__)
/* Four independent sums keep the popcount unit busy every cycle. */
__attribute__((target("popcnt"))) static uint64_t countWordsPopcnt(const unsigned char *p,
                                                                   size_t words) {
    uint64_t a = 0, b = 0, c = 0, d = 0;
    size_t j = 0;
    for (; j + 4 <= words; j += 4) {
        a += (uint64_t)__builtin_popcountll(loadWord(p + j * 8));
        b += (uint64_t)__builtin_popcountll(loadWord(p + j * 8 + 8));
        c += (uint64_t)__builtin_popcountll(loadWord(p + j * 8 + 16));
        d += (uint64_t)__builtin_popcountll(loadWord(p + j * 8 + 24));
    }
    for (; j < words; j++)
        a += (uint64_t)__builtin_popcountll(loadWord(p + j * 8));
    return a + b + c + d;
}
#endif

typedef uint64_t countWordsFn(const unsigned char *p, size_t words);

static countWordsFn *pickCountWords(void) {
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("popcnt")) return countWordsPopcnt;
#endif
    return countWordsPortable;
}

uint64_t bitmapCount(const unsigned char *p, size_t len) {
    static countWordsFn *countWords;
    if (!countWords) countWords = pickCountWords();
    size_t words = len / 8;
    uint64_t total = words ? countWords(p, words) : 0;
    for (size_t j = words * 8; j < len; j++)
        total += (uint64_t)__builtin_popcount(p[j]);
    return total;
}

/* Byte masks: the bits from in-byte position 'from' to the end of the
 * byte, and from its start up to position 'to' (positions 0..7, 0 = MSB). */
static inline unsigned char maskFrom(unsigned from) {
    return (unsigned char)(0xFFu >> from);
}
static inline unsigned char maskTo(unsigned to) {
    return (unsigned char)(0xFFu << (7 - to));
}

uint64_t bitmapCountRange(const unsigned char *p, uint64_t first, uint64_t last) {
    uint64_t fb = first >> 3, lb = last >> 3;
    unsigned head = maskFrom(first & 7), tail = maskTo(last & 7);
    if (fb == lb) return (uint64_t)__builtin_popcount(p[fb] & head & tail);
    return (uint64_t)__builtin_popcount(p[fb] & head) + bitmapCount(p + fb + 1, lb - fb - 1) +
           (uint64_t)__builtin_popcount(p[lb] & tail);
}

/* ---- searching ---- */

/* Position (0..7) of the first set bit of a non-zero byte. */
static inline int firstBitOfByte(unsigned v) {
    return __builtin_clz(v) - 24;
}

int64_t bitmapFindRange(const unsigned char *p, uint64_t first, uint64_t last, int bit) {
    /* Looking for a 0 is looking for a 1 in the complement. */
    unsigned flip = bit ? 0 : 0xFF;
    uint64_t wflip = bit ? 0 : ~0ULL;
    uint64_t fb = first >> 3, lb = last >> 3;
    unsigned v = (p[fb] ^ flip) & maskFrom(first & 7);
    if (fb == lb) v &= maskTo(last & 7);
    if (v) return (int64_t)(fb * 8 + (uint64_t)firstBitOfByte(v));
    if (fb == lb) return -1;
    uint64_t j = fb + 1;
    for (; j + 8 <= lb; j += 8) {
        uint64_t w = loadWordBE(p + j) ^ wflip;
        if (w) return (int64_t)(j * 8 + (uint64_t)__builtin_clzll(w));
    }
    for (; j < lb; j++) {
        v = p[j] ^ flip;
        if (v) return (int64_t)(j * 8 + (uint64_t)firstBitOfByte(v));
    }
    v = (p[lb] ^ flip) & maskTo(last & 7);
    if (v) return (int64_t)(lb * 8 + (uint64_t)firstBitOfByte(v));
    return -1;
}

/* ---- BITOP ---- */

void bitmapOp(int op, unsigned char *dst, size_t dstLen, const unsigned char *const *src,
              const size_t *len, size_t n) {
    size_t l0 = src[0] ? len[0] : 0;
    size_t j;
    if (op == BITMAP_NOT) {
        for (j = 0; j + 8 <= l0; j += 8)
            storeWord(dst + j, ~loadWord(src[0] + j));
        for (; j < l0; j++)
            dst[j] = (unsigned char)~src[0][j];
        return;
    }
    if (l0) memcpy(dst, src[0], l0);
    memset(dst + l0, 0, dstLen - l0);
    for (size_t k = 1; k < n; k++) {
        const unsigned char *s = src[k];
        size_t l = s ? len[k] : 0;
        if (op == BITMAP_AND) {
            for (j = 0; j + 8 <= l; j += 8)
                storeWord(dst + j, loadWord(dst + j) & loadWord(s + j));
            for (; j < l; j++)
                dst[j] &= s[j];
            memset(dst + l, 0, dstLen - l); /* missing bytes read as zero */
        } else if (op == BITMAP_OR) {
            for (j = 0; j + 8 <= l; j += 8)
                storeWord(dst + j, loadWord(dst + j) | loadWord(s + j));
            for (; j < l; j++)
                dst[j] |= s[j];
        } else {
            for (j = 0; j + 8 <= l; j += 8)
                storeWord(dst + j, loadWord(dst + j) ^ loadWord(s + j));
            for (; j < l; j++)
                dst[j] ^= s[j];
        }
    }
}

/* ---- fields ---- */

/* A field of at most 64 bits spans at most 9 bytes: they are gathered
 * into a 128-bit number, big-endian, so the field is a shift and a mask. */
typedef unsigned __int128 u128;

static inline uint64_t fieldMask(int bits) {
    return bits == 64 ? ~0ULL : (1ULL << bits) - 1;
}

uint64_t bitmapGetField(const unsigned char *p, size_t len, uint64_t offset, int bits) {
    uint64_t fb = offset >> 3, lb = (offset + (uint64_t)bits - 1) >> 3;
    u128 acc = 0;
    for (uint64_t j = fb; j <= lb; j++)
        acc = (acc << 8) | (j < len ? p[j] : 0);
    unsigned after = 7 - ((offset + (uint64_t)bits - 1) & 7); /* bits past the field */
    return (uint64_t)(acc >> after) & fieldMask(bits);
}

int64_t bitmapGetSignedField(const unsigned char *p, size_t len, uint64_t offset, int bits) {
    uint64_t u = bitmapGetField(p, len, offset, bits);
    if (bits < 64 && (u >> (bits - 1)) & 1) u |= ~fieldMask(bits); /* sign-extend */
    return (int64_t)u;
}

void bitmapSetField(unsigned char *p, uint64_t offset, int bits, uint64_t value) {
    uint64_t fb = offset >> 3, lb = (offset + (uint64_t)bits - 1) >> 3;
    u128 acc = 0;
    for (uint64_t j = fb; j <= lb; j++)
        acc = (acc << 8) | p[j];
    unsigned after = 7 - ((offset + (uint64_t)bits - 1) & 7);
    u128 mask = (u128)fieldMask(bits) << after;
    acc = (acc & ~mask) | (((u128)(value & fieldMask(bits))) << after);
    for (uint64_t j = lb + 1; j-- > fb;) {
        p[j] = (unsigned char)acc;
        acc >>= 8;
    }
}

/* ---- overflow ---- */

/* The unsigned adder works on the exact sum (128-bit), which is what
 * Redis's checks amount to once their edge cases are unfolded. */
typedef __int128 i128;

int bitmapAddUnsigned(uint64_t value, int64_t incr, int bits, int policy, uint64_t *out) {
    uint64_t max = fieldMask(bits);
    i128 sum = (i128)value + incr;
    int over = sum > (i128)max ? 1 : sum < 0 ? -1 : 0;
    if (!over)
        *out = (uint64_t)sum;
    else if (policy == BITMAP_WRAP)
        *out = (value + (uint64_t)incr) & max;
    else if (policy == BITMAP_SAT)
        *out = over > 0 ? max : 0;
    return over;
}

int bitmapAddSigned(int64_t value, int64_t incr, int bits, int policy, int64_t *out) {
    int64_t max = (int64_t)(fieldMask(bits) >> 1), min = -max - 1;
    /* Redis compares against max - value in wrapping 64-bit arithmetic.
     * For a field narrower than 64 bits that difference wraps negative
     * when a SET value lies far below the minimum (under max - 2^63), and
     * such a value then counts as an overflow, not an underflow (SAT
     * stores the maximum).  Kept for compatibility; within the field's
     * range, and for 64-bit fields, this is the exact sum's range check. */
    int64_t maxincr = (int64_t)((uint64_t)max - (uint64_t)value);
    int64_t minincr = (int64_t)((uint64_t)min - (uint64_t)value);
    int over = 0;
    if (value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr))
        over = 1;
    else if (value < min || (bits != 64 && incr < minincr) ||
             (value < 0 && incr < 0 && incr < minincr))
        over = -1;
    if (!over) {
        *out = (int64_t)((uint64_t)value + (uint64_t)incr);
    } else if (policy == BITMAP_WRAP) {
        uint64_t u = ((uint64_t)value + (uint64_t)incr) & fieldMask(bits);
        if (bits < 64 && (u >> (bits - 1)) & 1) u |= ~fieldMask(bits);
        *out = (int64_t)u;
    } else if (policy == BITMAP_SAT) {
        *out = over > 0 ? max : min;
    }
    return over;
}
