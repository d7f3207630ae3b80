/* SPDX-License-Identifier: BSD-3-Clause
 *
 * zindex: the large sorted-set structure.  Members are kept in two views
 * that share one allocation per member:
 *
 *   - a hashtable (ds/hashtable.h) from member bytes to its zentry, for
 *     O(1) ZSCORE / membership tests;
 *   - a rank-augmented B+tree ordered by (score, member bytes), for
 *     O(log N) rank, insert, delete and positioning, and O(log N + M)
 *     range reads.
 *
 *   zentry (one allocation per member, linked by the hashtable):
 *     +------+-------+-----+-------------+
 *     | next | score | len | member ...  |     16-byte member: 33 B -> 48 B slot
 *     +------+-------+-----+-------------+
 *
 *   B+tree (every leaf at the same depth):
 *
 *                   inner: count[i] | sep[i] = min key of child i | child[i]
 *                  /            |             \
 *     leaf <-> leaf <-> ... <-> leaf          leaf: score[62] | entry*[62]
 *
 * Why a B+tree and not a skiplist: a skiplist node costs a score, a member
 * pointer, a back pointer and on average 1.33 (forward, span) pairs, i.e.
 * ~56 bytes per member in its own allocation, and every step of a search
 * is a cache miss.  A B+tree leaf holds 62 (score, entry pointer) pairs in
 * one 1 KB node: 16 bytes per member at 100% fill, ~23 at the ~70% fill
 * random inserts give, and a search touches about one node per level
 * (3 to 4 levels for a million members) with scores compared inside the
 * node; the member bytes are only read on score ties.  Ranks come from the
 * per-child counts in inner nodes.  With the 48-byte entry and ~8 bytes of
 * hashtable bucket, a million 16-byte members take ~80 bytes each, against
 * ~126 for Redis 7.0's skiplist + dict (see docs/zset.md for the numbers).
 *
 * Appending at the right end (ascending scores, e.g. timestamps) splits a
 * full leaf into full + new instead of two halves, so ordered loads pack
 * leaves full.
 *
 * Ordering: by score, then member bytes (memcmp, a shorter prefix first).
 * -0.0 and 0.0 compare equal as scores.  Scores are never NaN.
 *
 * Ownership: the index owns its entries; pointers returned by the lookup
 * functions stay valid until that member is deleted or the index released.
 * Iterators are invalidated by any insert, delete or score update.
 */
#ifndef TERN_DS_ZINDEX_H
#define TERN_DS_ZINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* One member.  'next' must stay first (hashtable link).  The member bytes
 * follow a length header: one byte below 255, else 0xFF and a 4-byte
 * length. */
typedef struct zentry {
    struct zentry *next;
    double score;
    unsigned char data[];
} zentry;

static inline size_t zentryLen(const zentry *e) {
    if (e->data[0] != 0xFF) return e->data[0];
    uint32_t l;
    memcpy(&l, e->data + 1, 4);
    return l;
}

static inline const char *zentryMember(const zentry *e) {
    return (const char *)e->data + (e->data[0] != 0xFF ? 1 : 5);
}

typedef struct zindex zindex;

/* A position in the order, from zidxSeek.  Valid until the index changes. */
typedef struct zidxIter {
    void *leaf;
    unsigned idx;
} zidxIter;

/* New empty index; the caller owns it (zidxRelease). */
zindex *zidxCreate(void);
/* Frees the index and every entry. */
void zidxRelease(zindex *zi);
/* Deep copy of 'zi'; the caller owns it. */
zindex *zidxDup(const zindex *zi);
/* Number of members. */
size_t zidxLen(const zindex *zi);
/* Bytes allocated for the index, its nodes and its entries. */
size_t zidxMemory(const zindex *zi);

/* The entry of member 'm'/'len', or NULL. */
zentry *zidxFind(zindex *zi, const char *m, size_t len);
/* Adds member 'm'/'len' with 'score' (not NaN); the member must be absent
 * (check with zidxFind).  Returns the new entry. */
zentry *zidxInsert(zindex *zi, const char *m, size_t len, double score);
/* Changes the score of 'e' (an entry of 'zi') to 'score', moving it in the
 * order; in place when its neighbours allow.  'e' stays valid. */
void zidxUpdateScore(zindex *zi, zentry *e, double score);
/* Removes and frees 'e'. */
void zidxDelete(zindex *zi, zentry *e);
/* Removes and frees the 'count' members at ranks [rank, rank+count) (the
 * range is clipped to the size).  Returns how many were removed.
 * O(log N + count). */
size_t zidxDeleteRange(zindex *zi, size_t rank, size_t count);

/* 0-based rank of 'e' in ascending order.  O(log N). */
size_t zidxRank(zindex *zi, const zentry *e);
/* Members whose score is below 's' ('orEqual': below or equal).  Together
 * these give the rank range of any score interval.  O(log N). */
size_t zidxCountBelowScore(zindex *zi, double s, bool orEqual);
/* Members whose bytes sort below 'm'/'len' ('orEqual': or equal to it),
 * assuming all scores are equal (ZRANGEBYLEX's contract). */
size_t zidxCountBelowLex(zindex *zi, const char *m, size_t len, bool orEqual);

/* Positions 'it' at 'rank'; false when rank >= length. */
bool zidxSeek(const zindex *zi, size_t rank, zidxIter *it);
zentry *zidxIterEntry(const zidxIter *it);
/* Moves to the next / previous member; false past the end. */
bool zidxNext(zidxIter *it);
bool zidxPrev(zidxIter *it);

/* Hashtable scan over the members (ZSCAN): calls 'fn(priv, entry)' and
 * returns the next cursor, 0 when done.  Same guarantees as htScan. */
uint64_t zidxScan(zindex *zi, uint64_t cursor, void (*fn)(void *priv, void *entry), void *priv);

/* Verifies every invariant (order, counts, separators, fill, links, the
 * hashtable).  Returns NULL when sound, else a static description of the
 * first problem.  O(N); for tests. */
const char *zidxCheck(const zindex *zi);

#endif
