/* SPDX-License-Identifier: BSD-3-Clause
 *
 * What the collection types (hash, set, zset) share: the conversion
 * thresholds of the hash and set compact encodings (config directives, see
 * server/config.c), parsing of a signed COUNT argument the way Redis 7.0
 * words its errors, the memory estimate of a table encoding, distinct
 * random picks (HRANDFIELD, SRANDMEMBER, ZRANDMEMBER), and the body of
 * HSCAN/SSCAN/ZSCAN.
 */
#ifndef TERN_TYPES_COLLECTION_H
#define TERN_TYPES_COLLECTION_H

#include <stdint.h>

#include "core/scan.h"
#include "ds/hashtable.h"
#include "server/server.h"

/* Encoding thresholds (redis.conf names in comments).  A collection moves to
 * its big encoding on the first write that crosses one; it never moves back. */
extern long long hashMaxListpackEntries; /* hash-max-listpack-entries */
extern long long hashMaxListpackValue;   /* hash-max-listpack-value */
extern long long setMaxIntsetEntries;    /* set-max-intset-entries */

/* Parses 's' as an integer in [-LLONG_MAX, LLONG_MAX], replying Redis 7.0's
 * "ERR value is out of range, value must between ..." or the not-an-integer
 * error.  Returns C_OK or C_ERR (already replied). */
int getSignedCountOrReply(client *c, slice s, long long *out);

/* MEMORY USAGE of the hashtable 'ht' whose entries are single allocations:
 * its own overhead plus the mean size of its first 'samples' entries (all
 * when 0) times the entry count. */
size_t tableMemoryUsage(hashtable *ht, size_t samples);

/* Parses the arguments after the key of HRANDFIELD/ZRANDMEMBER key [count
 * [WITHVALUES|WITHSCORES]] ('withWord' names the flag), given argc >= 3:
 * the signed count into '*count' and the flag into '*with'.  As Redis 7.0,
 * the count is parsed first, then the flag, then a count whose doubled
 * reply would not be representable is refused.  C_ERR after replying. */
int getRandomCountArgsOrReply(client *c, const char *withWord, long long *count, bool *with);

/* The values already picked by a distinct random draw (HRANDFIELD,
 * SRANDMEMBER, ZRANDMEMBER with a positive count): open addressing sized
 * for 'n' picks at half load. */
typedef struct pickSet {
    uintptr_t *slots; /* UINTPTR_MAX marks a free slot */
    size_t mask;
    int shift;
} pickSet;
void pickSetInit(pickSet *ps, size_t n);
/* Adds 'v' (an entry address or a rank, never UINTPTR_MAX); returns false
 * when it was picked before. */
bool pickSetAdd(pickSet *ps, uintptr_t v);
void pickSetRelease(pickSet *ps);

/* Calls 'fn(priv, entry)' on 'count' distinct random entries of 'ht', where
 * 0 < 'count' < its size, in pick order.  For more than a third of the
 * table, a partial shuffle of all entries; otherwise random picks with
 * repeats rejected (Redis's two strategies).  Uses random(). */
void pickDistinctEntries(hashtable *ht, size_t count, void (*fn)(void *priv, void *entry),
                         void *priv);

/* How HSCAN, SSCAN and ZSCAN read one collection type. */
typedef struct collectionScanType {
    int type;            /* OBJ_HASH, OBJ_SET, OBJ_ZSET */
    int compactEncoding; /* this encoding is replied whole, with cursor 0 */
    /* Replies the elements of the compact value of 'kv' that pass 'o' and
     * returns how many strings it replied. */
    long long (*replyCompact)(client *c, kvobj *kv, const scanOpts *o);
    /* Walks the big encoding's value (the kvobj's pointer). */
    scanStepFn *step;
    size_t perEntry; /* strings one collected entry counts for toward COUNT */
    /* Replies the collected 'entry' when it passes 'o' and returns how
     * many strings it replied (0 when filtered out). */
    long long (*replyEntry)(client *c, void *entry, const scanOpts *o);
} collectionScanType;

/* HSCAN/SSCAN/ZSCAN key cursor [MATCH pattern] [COUNT count] over a value of
 * type 't->type', in Redis 7.0's order: the cursor is checked first, then
 * the key (WRONGTYPE; a missing key replies an empty scan), and only then
 * the options.  A compact value is replied whole with cursor 0; a big one
 * by a bounded walk (core/scan.h). */
void collectionScanCommand(client *c, const collectionScanType *t);

#endif
