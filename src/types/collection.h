/* SPDX-License-Identifier: BSD-3-Clause
 *
 * What the collection types (hash, set, zset) share: the conversion
 * thresholds of the hash and set compact encodings (config directives, see
 * server/config.c), parsing of a signed COUNT argument the way Redis 7.0
 * words its errors, and the body of HSCAN/SSCAN/ZSCAN.
 */
#ifndef TERN_TYPES_COLLECTION_H
#define TERN_TYPES_COLLECTION_H

#include "core/scan.h"
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
