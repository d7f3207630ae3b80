/* SPDX-License-Identifier: BSD-3-Clause
 *
 * zpack: the compact sorted-set encoding (OBJECT ENCODING reports it as
 * "listpack", as Redis does for small sorted sets).  One allocation holds
 * every member in ascending (score, member bytes) order:
 *
 *   +-----------+-----------+---------+---------+-----+
 *   | count u32 | body u32  | entry 0 | entry 1 | ... |
 *   +-----------+-----------+---------+---------+-----+
 *   entry: | score: 8-byte double | length: LEB128 varint | member bytes |
 *
 * A member of up to 127 bytes costs 9 bytes over its own length, with no
 * pointers at all; three 5-byte members with any scores fit in 50 bytes.
 * The score comes first so that an ordered scan compares scores without
 * decoding lengths.  A -0 score is stored as 0: Redis's listpack stores
 * integral scores as integers and so loses the sign of zero, and replies
 * must show the same.
 *
 * Entries are addressed by byte offsets ("positions") from the start of
 * the blob; zpEnd() is the position after the last entry.  Positions are
 * valid until the zpack changes.  Every operation is a linear scan or a
 * memmove: O(N), meant for the small sizes the conversion thresholds
 * allow.  Functions that change a zpack return the (possibly moved)
 * pointer, which the caller must use from then on.
 */
#ifndef TERN_DS_ZPACK_H
#define TERN_DS_ZPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef unsigned char zpack;

#define ZP_HEADER 8
/* Largest blob zpSafeToAdd accepts (1 GiB, as Redis's listpack). */
#define ZP_MAX_BYTES (1UL << 30)

/* New empty zpack, owned by the caller (zpFree). */
zpack *zpNew(void);
void zpFree(zpack *zp);
/* Copy of 'zp', owned by the caller. */
zpack *zpDup(const zpack *zp);
/* Number of members. */
size_t zpLen(const zpack *zp);
/* Size of the blob in bytes, header included. */
size_t zpBytes(const zpack *zp);
/* True when a member of 'len' bytes can be added without passing
 * ZP_MAX_BYTES. */
bool zpSafeToAdd(const zpack *zp, size_t len);

/* Position of the first entry (== zpEnd when empty) and past the last. */
static inline size_t zpFirst(const zpack *zp) {
    (void)zp;
    return ZP_HEADER;
}
size_t zpEnd(const zpack *zp);

/* Reads the entry at 'pos' (< zpEnd): stores its member bytes in '*m'
 * (pointing into the blob) and '*len', its score in '*score' (any of the
 * three may be NULL), and returns the position of the next entry. */
size_t zpRead(const zpack *zp, size_t pos, const char **m, size_t *len, double *score);
/* Position of the entry with 0-based 'rank' (zpEnd when rank >= length). */
size_t zpSeek(const zpack *zp, size_t rank);
/* Finds member 'm'/'len'.  Returns its position (0 when absent) and,
 * when found, its score in '*score' and its rank in '*rank' (both
 * optional). */
size_t zpFind(const zpack *zp, const char *m, size_t len, double *score, size_t *rank);
/* Positions of all entries, in order, into 'out' (room for zpLen
 * entries); returns the count.  Makes backward walks O(1) per step. */
size_t zpPositions(const zpack *zp, uint32_t *out);

/* Inserts member 'm'/'len' (must be absent) with 'score' (not NaN) at its
 * place in the order.  Returns the new zpack. */
zpack *zpInsert(zpack *zp, const char *m, size_t len, double score);
/* Appends a member known to sort after every present one (conversions and
 * ordered rebuilds).  Returns the new zpack. */
zpack *zpAppend(zpack *zp, const char *m, size_t len, double score);
/* Removes the entry at 'pos'.  Returns the new zpack. */
zpack *zpDeleteAt(zpack *zp, size_t pos);
/* Removes 'count' entries starting at 'rank' (clipped to the end).
 * Returns the new zpack. */
zpack *zpDeleteRange(zpack *zp, size_t rank, size_t count);

#endif
