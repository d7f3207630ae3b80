/* SPDX-License-Identifier: BSD-3-Clause
 *
 * What the collection types (hash, set, and later zset) share: the
 * conversion thresholds of their compact encodings (config directives, see
 * server/config.c), parsing of a signed COUNT argument the way Redis 7.0
 * words its errors, and the argument parsing and reply of HSCAN/SSCAN/ZSCAN.
 */
#ifndef TERN_TYPES_COLLECTION_H
#define TERN_TYPES_COLLECTION_H

#include <stdint.h>

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

/* Parses a SCAN cursor as Redis does (strtoul: an optional sign, digits,
 * stops at a NUL; no leading space, nothing after, no overflow), replying
 * "ERR invalid cursor" on failure. */
int getScanCursorOrReply(client *c, slice s, uint64_t *cursor);

typedef struct scanOptions {
    slice pattern; /* MATCH, when usePattern */
    bool usePattern;
    long long count; /* COUNT, default 10 */
} scanOptions;

/* Parses the MATCH/COUNT options of HSCAN/SSCAN/ZSCAN from argv[first..].
 * Returns C_OK, or C_ERR after replying a syntax or integer error. */
int getScanOptionsOrReply(client *c, int first, scanOptions *opt);

/* True when 'p'/'len' passes the MATCH filter of 'opt'. */
bool scanMatches(const scanOptions *opt, const void *p, size_t len);

/* Replies the scan header: a 2-element array and the next cursor as a bulk
 * string.  The caller then replies the element array. */
void addReplyScanCursor(client *c, uint64_t cursor);

/* The reply of a scan over a missing key: cursor "0", no elements. */
void addReplyEmptyScan(client *c);

#endif
