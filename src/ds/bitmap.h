/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Bit arithmetic over byte strings, as the bitmap commands (SETBIT,
 * BITCOUNT, BITPOS, BITOP, BITFIELD) see them: bit 0 is the most
 * significant bit of byte 0, bit 8 the most significant bit of byte 1, and
 * so on, so a string reads as one long big-endian number.
 *
 *   byte:      0                 1
 *           +-----------------+-----------------+
 *   bit:    | 0 1 2 3 4 5 6 7 | 8 9 ...      15 |
 *           +-----------------+-----------------+
 *
 * A pure library: no server state, no replies.  Everything runs a word (8
 * bytes) at a time where it can; counting uses the CPU's popcount
 * instruction when it has one (chosen once at run time), so BITCOUNT of a
 * megabyte costs tens of microseconds.
 */
#ifndef TERN_DS_BITMAP_H
#define TERN_DS_BITMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Number of set bits in the 'len' bytes at 'p'. */
uint64_t bitmapCount(const unsigned char *p, size_t len);

/* Number of set bits among bits 'first'..'last' (inclusive) of 'p'; both
 * must lie inside the buffer and 'first' <= 'last'. */
uint64_t bitmapCountRange(const unsigned char *p, uint64_t first, uint64_t last);

/* Position of the first bit equal to 'bit' (0 or 1) among bits
 * 'first'..'last' (inclusive, inside the buffer, 'first' <= 'last'), or -1
 * when there is none. */
int64_t bitmapFindRange(const unsigned char *p, uint64_t first, uint64_t last, int bit);

/* BITOP operations. */
#define BITMAP_AND 0
#define BITMAP_OR 1
#define BITMAP_XOR 2
#define BITMAP_NOT 3

/* Computes 'op' over the 'n' sources 'src[j]' ('len[j]' bytes each; a
 * shorter source reads as zero-padded, a NULL one as empty) into 'dst',
 * which must hold 'dstLen' bytes = the longest source.  NOT takes exactly
 * one source.  'dst' must not overlap any source. */
void bitmapOp(int op, unsigned char *dst, size_t dstLen, const unsigned char *const *src,
              const size_t *len, size_t n);

/* The 'bits'-wide (1..64) field at bit 'offset' of the 'len' bytes at 'p',
 * as an unsigned number; bytes past 'len' read as zero. */
uint64_t bitmapGetField(const unsigned char *p, size_t len, uint64_t offset, int bits);
/* Same field read as a two's complement signed number. */
int64_t bitmapGetSignedField(const unsigned char *p, size_t len, uint64_t offset, int bits);
/* Writes the low 'bits' bits of 'value' into the field at bit 'offset';
 * the field must lie inside the buffer. */
void bitmapSetField(unsigned char *p, uint64_t offset, int bits, uint64_t value);

/* Overflow policies of BITFIELD OVERFLOW. */
#define BITMAP_WRAP 0
#define BITMAP_SAT 1
#define BITMAP_FAIL 2

/* Adds 'incr' to 'value' for an unsigned field of 'bits' (1..63) bits.
 * 'value' is taken as the unsigned 64-bit number it is, so a SET of a
 * negative number (value = the cast, incr = 0) counts as an overflow, as
 * in Redis.  Stores the result in '*out' and returns 0, or on overflow
 * (1) or underflow (-1) stores what 'policy' makes of it (WRAP: the sum
 * modulo 2^bits; SAT: the maximum or 0; FAIL: nothing). */
int bitmapAddUnsigned(uint64_t value, int64_t incr, int bits, int policy, uint64_t *out);
/* The same for a signed field of 'bits' (1..64) bits: WRAP wraps into
 * [-2^(bits-1), 2^(bits-1)), SAT clamps to those ends.  One Redis quirk
 * is kept: a 'value' far below the minimum (SET of a huge negative into a
 * narrow field) counts as an overflow (see bitmap.c). */
int bitmapAddSigned(int64_t value, int64_t incr, int bits, int policy, int64_t *out);

#endif
