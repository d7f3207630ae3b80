/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Sorted sets: the value layer shared by the sorted-set command files
 * (zsetcmds.c, zsetrange.c, zsetops.c) and the blocking pops.  It hides
 * the two encodings behind one set of operations on the key's kvobj:
 *
 *   OBJ_ENC_LISTPACK  a listpack (ds/listpack.h) of member, score pairs in
 *                     ascending order, used while the set has at most
 *                     zset-max-listpack-entries members of at most
 *                     zset-max-listpack-value bytes.  As in Redis, a score
 *                     is stored as an integer when it is integral within
 *                     +-2^62 (so -0 reads back as 0) and as "%.17g" text
 *                     otherwise, which is what ZSCAN shows;
 *   OBJ_ENC_SKIPLIST  a zindex (ds/zindex.h): B+tree + hashtable.  Redis
 *                     reports its large encoding as "skiplist", so we do.
 *
 * A set moves from compact to large when an insert would cross either
 * threshold (checked before the insert, as Redis does) and never moves
 * back; results built by ZUNIONSTORE & co. and ZRANGESTORE start compact
 * when they fit.
 *
 * Ranges are handled as rank intervals [lo, hi): the score and lex range
 * functions turn a range into ranks in O(log N) (large) or one scan
 * (compact), and one iterator walks any rank interval in either direction.
 */
#ifndef TERN_TYPES_ZSET_H
#define TERN_TYPES_ZSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ds/zindex.h"
#include "server/server.h"

/* Conversion thresholds (config zset-max-listpack-entries / -value and
 * their zset-max-ziplist-* aliases). */
extern long long zsetMaxListpackEntries;
extern long long zsetMaxListpackValue;

/* ZADD input flags and output flags (zsetAdd). */
#define ZADD_IN_INCR (1 << 0)
#define ZADD_IN_NX (1 << 1)
#define ZADD_IN_XX (1 << 2)
#define ZADD_IN_GT (1 << 3)
#define ZADD_IN_LT (1 << 4)
#define ZADD_OUT_NOP (1 << 0)
#define ZADD_OUT_NAN (1 << 1)
#define ZADD_OUT_ADDED (1 << 2)
#define ZADD_OUT_UPDATED (1 << 3)

/* One member as read from either encoding; 'ptr' points into the value (or
 * into 'intbuf' for a listpack member stored as an integer) and is valid
 * until the set changes.  Use it in place: a copy of the struct may point
 * into the original's buffer. */
typedef struct zmember {
    const char *ptr;
    size_t len;
    double score;
    char intbuf[21];
} zmember;

/* A score interval, as parsed from "1.5", "(1.5", "-inf", "+inf". */
typedef struct zscoreRange {
    double min, max;
    bool minex, maxex;
} zscoreRange;

/* One end of a lex interval: "-" (below everything), "+" (above
 * everything), or "[x" / "(x" (bytes borrowed from the argument). */
#define ZLEX_MINUS 0
#define ZLEX_PLUS 1
#define ZLEX_VALUE 2
typedef struct zlexBound {
    int kind;
    bool ex;
    const char *ptr;
    size_t len;
} zlexBound;

typedef struct zlexRange {
    zlexBound min, max;
} zlexRange;

/* Walks a rank interval forwards or backwards (zsetIterInit). */
typedef struct zsetIter {
    int encoding;
    bool rev;
    /* compact */
    unsigned char *lp;
    unsigned char *p;  /* forward walks: the next member entry */
    uint32_t *offsets; /* reverse walks: every entry's offset */
    size_t idx;        /* reverse walks: pairs left */
    uint32_t small[256];
    /* large */
    zidxIter zi;
    bool started;
} zsetIter;

/* Registers the sorted-set objTypeOps (called from types/registry.c). */
void zsetRegisterType(void);

/* New empty sorted set for 'key' ('klen' bytes), compact unless the
 * thresholds forbid a first member of 'firstLen' bytes (ZADD's rule).
 * The caller owns the kvobj. */
kvobj *zsetNewKv(const char *key, size_t klen, size_t firstLen);
/* New empty sorted set with the large encoding. */
kvobj *zsetNewLargeKv(const char *key, size_t klen);
/* New empty sorted set with the compact encoding, whatever the thresholds
 * (builders of ordered results, which check them themselves). */
kvobj *zsetNewCompactKv(const char *key, size_t klen);
/* Appends member 'm'/'len' with 'score' to a set it sorts after every
 * member of (ordered rebuilds: no search, no conversion). */
void zsetAppendSorted(kvobj *kv, const char *m, size_t len, double score);
/* True when a compact set may hold 'n' members of at most 'maxLen' bytes
 * ('totalLen' altogether) under the current thresholds. */
bool zsetFitsCompact(size_t n, size_t maxLen, size_t totalLen);
/* Gives 'kv' the large encoding if it is compact, in place (the kvobj
 * stays where it is).  SORT does this to every sorted set it reads, as
 * Redis does, so OBJECT ENCODING after a SORT says skiplist there too. */
void zsetConvertToLarge(kvobj *kv);

size_t zsetLength(const kvobj *kv);
/* Score of member 'm'/'len': true and '*score' when present. */
bool zsetScore(kvobj *kv, const char *m, size_t len, double *score);
/* 0-based rank of 'm' ('rev': counted from the highest), -1 when absent;
 * '*score' (optional) gets its score. */
long long zsetRank(kvobj *kv, const char *m, size_t len, bool rev, double *score);

/* Adds or updates member 'm'/'len' as ZADD does with 'inFlags' (ZADD_IN_*):
 * sets ZADD_OUT_* bits in '*outFlags' and the resulting score in
 * '*newScore' (when something was added or updated).  Returns false when
 * the score is or becomes NaN (nothing changed).  May convert the set to
 * the large encoding. */
bool zsetAdd(kvobj *kv, double score, const char *m, size_t len, int inFlags, int *outFlags,
             double *newScore);
/* Removes member 'm'/'len'; true when it was present. */
bool zsetDel(kvobj *kv, const char *m, size_t len);
/* Removes the 'count' members at ranks [rank, rank+count). */
void zsetDeleteRanks(kvobj *kv, size_t rank, size_t count);

/* Rank interval [*lo, *hi) of the members inside 'r' (empty: lo == hi). */
void zsetScoreRanks(kvobj *kv, const zscoreRange *r, size_t *lo, size_t *hi);
/* Rank interval of the members inside 'r'.  On a compact set with mixed
 * scores this follows Redis's listpack scan, which differs between
 * directions ('rev'); with equal scores (the documented use) both agree. */
void zsetLexRanks(kvobj *kv, const zlexRange *r, bool rev, size_t *lo, size_t *hi);

/* Starts a walk at forward rank 'rank' (< length) going up, or down when
 * 'rev'.  zsetIterNext fills '*out' and returns false past the end.  The
 * set must not change during the walk; release with zsetIterRelease. */
void zsetIterInit(zsetIter *it, kvobj *kv, size_t rank, bool rev);
bool zsetIterNext(zsetIter *it, zmember *out);
void zsetIterRelease(zsetIter *it);
/* Member at forward rank 'rank' (< length). */
void zsetAtRank(kvobj *kv, size_t rank, zmember *out);

/* Repeated random access by rank (ZRANDMEMBER): O(N) setup then O(1) per
 * pick on a compact set, O(log N) per pick on a large one.  The set must
 * not change while the picker is in use; release with zsetPickerRelease. */
typedef struct zsetPicker {
    kvobj *kv;
    uint32_t *offsets;
    uint32_t small[256];
} zsetPicker;
void zsetPickerInit(zsetPicker *pk, kvobj *kv);
void zsetPick(zsetPicker *pk, size_t rank, zmember *out);
void zsetPickerRelease(zsetPicker *pk);
/* Calls 'fn' for every member of a compact set in order, with its score as
 * the listpack stores it ("100000000000000000" for 1e17): ZSCAN replies
 * that text. */
void zsetForEachCompact(kvobj *kv,
                        void (*fn)(void *priv, const char *m, size_t len, const char *score,
                                   size_t slen),
                        void *priv);

/* Parses a score range bound pair with Redis's zslParseRange rules
 * (strtod over the bytes up to the first NUL, "(" for exclusive, NaN
 * rejected).  C_ERR when either is invalid (nothing replied). */
int zsetParseScoreRange(slice min, slice max, zscoreRange *r);
/* Parses a lex range ("-", "+", "[x", "(x").  C_ERR when invalid. */
int zsetParseLexRange(slice min, slice max, zlexRange *r);

/* Replies one member: bulk member, then the score when 'withScores'; in
 * RESP3 with scores each pair is its own 2-element array. */
void zsetReplyMember(client *c, const zmember *m, bool withScores);

/* Read access to plain sets for ZUNION/ZINTER/ZDIFF.  types/set.c
 * registers it (zsetRegisterSetReader); until then OBJ_SET inputs cannot
 * exist. */
typedef struct setReader {
    size_t (*length)(const kvobj *kv);
    bool (*contains)(const kvobj *kv, const char *m, size_t len);
    /* Calls 'fn(priv, m, len)' for every member. */
    void (*forEach)(const kvobj *kv, void (*fn)(void *priv, const char *m, size_t len), void *priv);
} setReader;
void zsetRegisterSetReader(const setReader *r);
const setReader *zsetSetReader(void);

#endif
