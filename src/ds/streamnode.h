/* SPDX-License-Identifier: BSD-3-Clause
 *
 * streamNode: a run of consecutive stream entries packed into one
 * allocation.  A stream is an idtree (ds/idtree.h) of these nodes keyed by
 * their master id; docs/streams.md explains the whole layout and why.
 *
 *   header (64 B): master id, last id, live count, deleted count, sizes,
 *                  number of master fields
 *   data:  | master field 1 | ... | master field M | entry | entry | ... |
 *
 * The master fields are the field names of the entry that created the
 * node; an entry with exactly those names stores only its values.  Each
 * entry is
 *
 *   | head | [id bytes] | [nfields varint] | [field] value | ... |
 *
 *   head: bit 0-1  id kind, relative to the previous entry's id (the first
 *                  entry's "previous" is master.ms, master.seq - 1):
 *                    0  same ms, seq + delta
 *                    1  ms + delta, seq 0
 *                    2  ms + delta, seq given in full
 *         bit 2    same fields as the master (no names, no count stored)
 *         bit 3    deleted (XDEL, XTRIM inside a node): kept in place, so
 *                  flipping it never moves bytes
 *         bit 4-7  delta - 1 when below 15; 15 means the delta follows as
 *                  a varint
 *
 * so the common entry ("same ms, next seq" or "next ms, seq 0", same
 * fields) spends one byte on flags and id together.  Varints are LEB128.
 * A field or value is one element:
 *
 *   0xxxxxxx               the integer 0..127 (decimal text)
 *   10llllll + bytes       string of 0..63 bytes
 *   110lllll llllllll + b  string of 64..8255 bytes
 *   1110kkkk + k bytes     integer of k (1..8) bytes, little-endian,
 *                          two's complement (canonical decimal text)
 *   11110000 + u32 + b     longer string
 *
 * Strings that are canonical decimal int64s ("12", not "012" or "+12") are
 * stored as integers and read back as the same text.
 *
 * The node also tracks 'rbody', the size Redis 7.0's listpack encoding of
 * the same entries would have, because Redis decides where a node ends by
 * that size (stream-node-max-bytes): splitting where Redis splits keeps
 * approximate trimming (MAXLEN ~) giving the same lengths as Redis, and
 * lets RDB files carry the same nodes.
 *
 * Walking is forward only (ids are deltas); a reverse walk collects the
 * entry positions of one node first (snCollect).  Costs: append O(entry),
 * seek inside a node O(entries in node), no per-entry pointers.
 */
#ifndef TERN_DS_STREAMNODE_H
#define TERN_DS_STREAMNODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ds/streamid.h"

/* A byte string argument (layout-compatible with the server's slice, but
 * this library does not depend on it). */
typedef struct snStr {
    const char *ptr;
    size_t len;
} snStr;

typedef struct streamNode {
    streamID master; /* id the node was created with (its index key) */
    streamID last;   /* id of the last entry, deleted or not */
    uint32_t count;   /* live entries */
    uint32_t deleted; /* entries flagged deleted */
    uint32_t bytes;   /* used bytes of data[] */
    uint32_t cap;     /* allocated bytes of data[] */
    uint32_t rbody;   /* Redis listpack size, without header and counters */
    uint32_t start;   /* offset of the first entry in data[] */
    uint32_t mfields; /* number of master fields */
    uint32_t pad;
    unsigned char data[];
} streamNode;

/* One entry as read by snFirst/snNext/snAt: 'off' and 'id' locate it;
 * 'next' is the offset just past it. */
typedef struct snEntry {
    streamID id;
    uint32_t off;
    uint32_t next;
    uint32_t nfields;
    uint32_t body; /* offset of its first field or value */
    bool deleted;
    bool same;
} snEntry;

/* Walks the fields and values of one entry (snFields). */
typedef struct snFieldIter {
    const unsigned char *f; /* next master field (same-fields entries) */
    const unsigned char *p; /* next stored element */
    bool same;
    char fbuf[21], vbuf[21];
} snFieldIter;

/* The position of one entry, for reverse walks (snCollect). */
typedef struct snPos {
    streamID id;
    uint32_t off;
} snPos;

/* Redis listpack limit on a node, and on an entry's total size. */
#define SN_MAX_BYTES (1UL << 30)

/* New node holding one entry 'id' with 'nfields' field/value pairs in
 * 'fv' (fv[2j] field, fv[2j+1] value); its fields become the master
 * fields.  Owned by the caller (snFree). */
streamNode *snNew(streamID id, const snStr *fv, size_t nfields);
/* New node with master id 'master' and master fields 'fields' but no
 * entries yet (loading a serialized node).  Owned by the caller. */
streamNode *snNewEmpty(streamID master, const snStr *fields, size_t nfields);
void snFree(streamNode *n);
streamNode *snDup(const streamNode *n);
/* Allocator bytes of the node. */
size_t snAllocSize(const streamNode *n);
/* Size of Redis 7.0's listpack holding the same node. */
size_t snRedisBytes(const streamNode *n);

/* Appends entry 'id' (greater than n->last, or >= n->master in an empty
 * node) with 'nfields' pairs from 'fv', flagged deleted when 'deleted'.
 * Returns the possibly moved node. */
streamNode *snAppend(streamNode *n, streamID id, const snStr *fv, size_t nfields, bool deleted);
/* Releases spare capacity (a node that will take no more appends).
 * Returns the possibly moved node. */
streamNode *snShrink(streamNode *n);

/* First entry (deleted ones included); false when the node is empty. */
bool snFirst(const streamNode *n, snEntry *e);
/* The entry after 'e' ('e' is overwritten); false at the end. */
bool snNext(const streamNode *n, snEntry *e);
/* Entry at position 'pos' (from snCollect). */
void snAt(const streamNode *n, snPos pos, snEntry *e);
/* Writes the position of every entry, in order, into 'out' (room for
 * count + deleted) and returns how many. */
size_t snCollect(const streamNode *n, snPos *out);

/* Starts reading the fields of 'e'; each snFieldNext gives one field and
 * its value (pointers valid until the next call or a node change). */
void snFields(const streamNode *n, const snEntry *e, snFieldIter *it);
void snFieldNext(snFieldIter *it, const char **f, size_t *flen, const char **v, size_t *vlen);

/* Master field 'j' (< n->mfields); 'buf' holds 21 bytes for integers. */
const char *snMasterField(const streamNode *n, uint32_t j, size_t *len, char *buf);

/* Flags live entry 'e' deleted (count - 1, deleted + 1); bytes do not
 * move, so 'e' and later positions stay valid. */
void snMarkDeleted(streamNode *n, snEntry *e);

/* Redis listpack sizes (the rbody bookkeeping; exposed for tests and the
 * RDB writer): an integer entry, a string entry (stored as an integer
 * when canonical), both with their back-length. */
size_t snRedisIntSize(int64_t v);
size_t snRedisStrSize(const char *s, size_t len);

#endif
