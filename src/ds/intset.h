/* SPDX-License-Identifier: BSD-3-Clause
 *
 * intset: a sorted array of distinct 64-bit integers stored at the
 * narrowest width that holds them all, for small sets of integers.
 *
 *   +-------+-----------+---------+---------+-----+
 *   | width | count u32 | value 0 | value 1 | ... |   values ascending,
 *   +-------+-----------+---------+---------+-----+   little-endian
 *     1 B       4 B      width bytes each
 *
 * 'width' is 1, 2, 4 or 8 bytes (int8/int16/int32/int64).  Adding a value
 * that does not fit widens every element in one pass (O(n)); the width never
 * shrinks, as in Redis.  The int8 step (Redis starts at int16) halves the
 * size of sets of small numbers: ten values 0..9 take 15 bytes.
 *
 * Costs: find O(log n) (binary search); add/remove O(n) memmove plus a
 * realloc; get by position O(1); bytes exactly 5 + width * count.
 * Blobs from outside must pass intsetValidate before any other use.
 */
#ifndef TERN_DS_INTSET_H
#define TERN_DS_INTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef unsigned char intset;

/* New empty intset, owned by the caller (free with intsetFree). */
intset *intsetNew(void);
void intsetFree(intset *is);
/* Copy owned by the caller. */
intset *intsetDup(const intset *is);

/* Adds 'v'; '*added' (optional) tells whether it was absent.  Returns the
 * possibly moved intset. */
intset *intsetAdd(intset *is, int64_t v, bool *added);
/* Removes 'v'; '*removed' (optional) tells whether it was present. */
intset *intsetRemove(intset *is, int64_t v, bool *removed);
/* Removes the value at position 'pos' (< length). */
intset *intsetRemoveAt(intset *is, uint32_t pos);
/* Removes the values at the 'n' strictly ascending positions 'pos' (each
 * < length) in one O(length) pass. */
intset *intsetRemovePositions(intset *is, const uint32_t *pos, size_t n);
/* True when 'v' is in the set. */
bool intsetFind(const intset *is, int64_t v);
/* Position of the first value >= 'v' (length when none): the rank of 'v'. */
uint32_t intsetLowerBound(const intset *is, int64_t v);

/* Number of values. */
uint32_t intsetLength(const intset *is);
/* Value at position 'pos' (0 = smallest; must be < length). */
int64_t intsetGet(const intset *is, uint32_t pos);
/* Bytes of the blob. */
size_t intsetBytes(const intset *is);
/* Width of each value in bytes (1, 2, 4 or 8). */
unsigned intsetWidth(const intset *is);

/* Checks that the 'size' bytes at 'blob' are a valid intset: known width,
 * size equal to 5 + width * count, values strictly ascending.  Never reads
 * outside the blob.  'deep' false skips the ordering check (O(1)). */
bool intsetValidate(const unsigned char *blob, size_t size, bool deep);

#endif
