/* SPDX-License-Identifier: BSD-3-Clause
 *
 * What SCAN, HSCAN, SSCAN and ZSCAN share: parsing the cursor and the
 * MATCH/COUNT/TYPE options with Redis 7.0's rules and error texts, the
 * bounded cursor walk that collects entries, the MATCH filter, and the
 * two-element reply header.  The commands themselves stay with their data
 * (SCAN in core/keys.c, the collection scans in types/collection.c).
 *
 * A walk visits buckets from the cursor until it has COUNT strings, the
 * table is done, or 10*COUNT buckets were visited, so a sparse table cannot
 * stall the server: O(COUNT) work per call.  Entries are only collected
 * here; the caller filters and replies them afterwards, while the table is
 * unchanged.
 */
#ifndef TERN_CORE_SCAN_H
#define TERN_CORE_SCAN_H

#include <stdint.h>

#include "ds/hashtable.h"
#include "server/server.h"

/* Options of a SCAN-like command. */
typedef struct scanOpts {
    long count;      /* COUNT, default 10 */
    bool usePattern; /* MATCH given and not "*" */
    slice pattern;
    bool hasType; /* TYPE given (SCAN only) */
    slice type;
} scanOpts;

/* Parses the cursor 's' as Redis does with strtoul: an optional sign (a
 * negative value wraps), digits up to the end or an embedded NUL, no
 * leading space, no overflow; "" is cursor 0.  Stores it in '*cursor', or
 * replies "ERR invalid cursor" and returns C_ERR. */
int parseScanCursorOrReply(client *c, slice s, uint64_t *cursor);

/* Parses COUNT and MATCH (and TYPE when 'allowType': SCAN only) from
 * argv['first'..] into '*opts'.  Replies the syntax or integer error and
 * returns C_ERR on failure.  'opts' borrows the argv slices. */
int parseScanOptionsOrReply(client *c, int first, bool allowType, scanOpts *opts);

/* True when the bytes 'p'/'len' pass the MATCH filter of 'opts'. */
bool scanMatches(const scanOpts *opts, const void *p, size_t len);

/* The entries one call collected, in visiting order.  Start it zeroed;
 * free 'items' with tfree when done. */
typedef struct scanBatch {
    void **items;
    size_t n, cap;
} scanBatch;

/* One step of a cursor walk over 'table': visits a bucket, calls 'fn' on
 * its entries and returns the next cursor (0 when done), like htScan. */
typedef uint64_t scanStepFn(void *table, uint64_t cursor, htScanFn *fn, void *priv);

/* scanStepFn for a ds/hashtable ('table' is the hashtable). */
uint64_t scanStepHashtable(void *table, uint64_t cursor, htScanFn *fn, void *priv);

/* Walks 'table' with 'step' from 'cursor', appending entries to 'b' until
 * 'count' strings are collected ('perEntry' strings count per entry: 2 for
 * a member and its score), the walk ends, or 10*'count' buckets were
 * visited.  Returns the cursor to reply. */
uint64_t scanCollect(scanStepFn *step, void *table, uint64_t cursor, long count, size_t perEntry,
                     scanBatch *b);

/* Replies the scan header: a 2-element array and 'cursor' as a bulk string.
 * The caller then replies the element array. */
void addReplyScanCursor(client *c, uint64_t cursor);

/* The whole reply of a scan over a missing key: cursor "0", no elements. */
void addReplyEmptyScan(client *c);

#endif
