/* SPDX-License-Identifier: BSD-3-Clause
 *
 * chunklist: the list value type.  A doubly linked list of chunks, each one
 * allocation holding a header and a contiguous packed run of entries:
 *
 *   chunklist { head, tail, count, ... }
 *      |
 *      v
 *   +--------+----------------------------------------------+
 *   | header | gap | e0 e1 e2 ... e(n-1) |        gap         |   chunk
 *   +--------+----------------------------------------------+
 *               ^start                  ^end              ^cap
 *
 * The live bytes sit anywhere inside the buffer with free room on both
 * sides, so a push at either end writes in place (O(1) amortised; the
 * buffer grows geometrically up to the chunk limit, and data moves only
 * when one side runs out of room).  Redis's listpack moves the whole node on
 * every push at the head.
 *
 * Entry encoding (one tag byte, no back-length):
 *
 *   0xxxxxxx                      integer 0..127                      1 byte
 *   10llllll <bytes>              string of 0..63 bytes               1 + len
 *   110xxxxx x                    13-bit signed integer               2
 *   1110xxxx x x                  20-bit signed integer               3
 *   11110xxx x x x                27-bit signed integer               4
 *   0xF8 <int32>  0xF9 <int64>    wider integers (little endian)      5, 9
 *   0xFA <u16 len> <bytes>        string up to 65535 bytes            3 + len
 *   0xFB <u32 len> <bytes>        longer string                       5 + len
 *   111111pp pppsssss <s bytes>   the first p (2..31) bytes of its    2 + s
 *                                 group's first entry, then s (0..31)
 *
 * A string is stored as an integer when it is a canonical decimal integer
 * (no '+', no leading zeros, fits int64), so replies round-trip exactly.
 * Walking backwards without a back-length per entry is done with
 * checkpoints: entries form groups of CL_GROUP, and the chunk keeps the
 * 16-bit offset of each group's first entry (group 0 starts at 'start' and
 * may be short, so a push at the head does not renumber anything).  That
 * costs 2 bytes per 16 entries instead of Redis's 1-3 bytes per entry.
 * Entries after the first of a group (except in group 0) share the prefix
 * they have with that first entry: 16 consecutive "item:NNNNNN" take about
 * 3.5 bytes each, a run of identical short values 2 (Redis: 13 and 5).  A
 * short string takes len+1 bytes at worst (Redis: len+2), 1..1,000,000 as
 * integers 3 bytes on average (Redis: 5).  Finding entry i in a chunk skips
 * to its group and walks at most CL_GROUP-1 entries; finding the chunk
 * skips whole chunks by their counts from the nearer end of the list.
 *
 * Chunk size follows list-max-listpack-size ('fill'): -1..-5 limit the
 * chunk's allocation to 4, 8, 16, 32, 64 KiB (header included, so a full
 * chunk is exactly one allocator size class); a positive fill limits the
 * entries per chunk (with an 8 KiB safety limit on bytes).  An element too
 * big for any chunk gets a chunk of its own.  Changes in the middle rebuild
 * the chunk (splitting it when it overflows); deletions in the middle merge
 * a chunk into its neighbour when both fit in one.
 *
 * Costs: push/pop at either end O(1) amortised; index O(chunks/2 + 16);
 * insert/delete/replace in the middle O(chunks/2 + chunk size).
 */
#ifndef TERN_DS_CHUNKLIST_H
#define TERN_DS_CHUNKLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CL_HEAD 0
#define CL_TAIL 1

/* Entries per checkpoint group. */
#define CL_GROUP 16
/* Longest element the format stores (chunk offsets are 32-bit). */
#define CL_MAX_ELEMENT ((size_t)UINT32_MAX - 1024)
/* Bytes a string needs to format an integer entry (with the NUL). */
#define CL_INT_BUF 21

typedef struct clChunk clChunk;

/* 32 bytes: one allocator slot per list. */
typedef struct chunklist {
    clChunk *head, *tail;
    size_t count;    /* entries in all chunks */
    uint32_t chunks; /* number of chunks */
    int32_t fill;    /* list-max-listpack-size, clamped to -5..32767 */
} chunklist;

/* One element as read from a chunk.  'str' points into the chunk or, for
 * a prefix-coded value, into 'buf' (so do not copy a clEntry by value); it
 * is valid until the list next changes.  When it is NULL the element is
 * the integer 'val'. */
typedef struct clEntry {
    const unsigned char *str;
    size_t len;
    long long val;
    unsigned char buf[64];
} clEntry;

/* A value to search for (LREM, LPOS, LINSERT), prepared once so that each
 * comparison is a tag check plus one integer or memcmp comparison. */
typedef struct clNeedle {
    const unsigned char *str;
    size_t len;
    bool isInt;
    long long val;
} clNeedle;

/* Read-only cursor.  Any change to the list invalidates it. */
typedef struct clIter {
    const chunklist *l;
    const clChunk *c; /* chunk of the next entry, NULL at the end */
    uint32_t idx;     /* index of the next entry within 'c' */
    uint32_t off;     /* its offset (forward iteration) */
    uint32_t head;    /* offset of its group's first entry (forward) */
    int dir;          /* CL_HEAD: towards the tail; CL_TAIL: towards the head */
    /* Reverse iteration: offsets of the entries of one group of 'c'. */
    uint32_t gfirst, gcount;
    uint32_t goff[CL_GROUP];
} clIter;

/* New empty list with chunks sized by 'fill' (list-max-listpack-size
 * semantics; values below -5 act as -5, 0 as 1).  Caller owns it. */
chunklist *clCreate(int fill);
/* Frees the list and all its chunks ('l' may be NULL). */
void clRelease(chunklist *l);
/* Bytes of entries a chunk of 'l' holding several may contain. */
size_t clChunkDataLimit(const chunklist *l);
/* Deep copy of 'l' (chunks packed tight).  Caller owns it. */
chunklist *clDup(const chunklist *l);
static inline size_t clLength(const chunklist *l) { return l->count; }

/* Adds the string 's'/'len' at the head (CL_HEAD) or tail (CL_TAIL).
 * 'len' must not exceed CL_MAX_ELEMENT. */
void clPush(chunklist *l, int where, const void *s, size_t len);
/* Adds a copy of entry 'e' (which must not point into 'l'). */
void clPushEntry(chunklist *l, int where, const clEntry *e);
/* Reads the element at one end into 'e'.  Returns false when empty. */
bool clPeek(const chunklist *l, int where, clEntry *e);
/* Removes the element at one end (the list must not be empty). */
void clPopDiscard(chunklist *l, int where);

/* Reads element 'idx' (negative counts from the tail, -1 is the last).
 * Returns false when out of range. */
bool clIndex(const chunklist *l, long long idx, clEntry *e);
/* Inserts 's'/'len' so that it becomes element 'idx' (0 <= idx <= length). */
void clInsertAt(chunklist *l, size_t idx, const void *s, size_t len);
/* Replaces element 'idx' (0 <= idx < length) with 's'/'len'. */
void clReplaceAt(chunklist *l, size_t idx, const void *s, size_t len);
/* Deletes 'n' elements starting at 'start' (the range must exist). */
void clDeleteRange(chunklist *l, size_t start, size_t n);
/* Deletes elements equal to 'needle', scanning from the head (CL_HEAD) or
 * the tail (CL_TAIL), at most 'limit' of them (0: all).  Returns how many. */
size_t clRemoveEqual(chunklist *l, const clNeedle *needle, int from, size_t limit);

/* Prepares 'n' to match the string 's'/'len' ('s' must stay valid). */
void clNeedleInit(clNeedle *n, const void *s, size_t len);
/* True when entry 'e' equals the needle's string. */
static inline bool clMatches(const clEntry *e, const clNeedle *n) {
    if (!e->str) return n->isInt && e->val == n->val;
    return !n->isInt && e->len == n->len && (n->len == 0 || memcmp(e->str, n->str, n->len) == 0);
}
/* The bytes of 'e': its string, or the integer formatted into 'buf'
 * (CL_INT_BUF bytes).  Stores the pointer in '*p' and returns the length. */
size_t clEntryBytes(const clEntry *e, char *buf, const unsigned char **p);

/* Positions 'it' at element 'idx' (0 <= idx <= length; idx == length gives
 * an exhausted forward cursor), moving towards the tail (dir CL_HEAD) or
 * the head (dir CL_TAIL). */
void clIterInit(clIter *it, const chunklist *l, size_t idx, int dir);
/* Reads the next element into 'e'; returns false when none is left. */
bool clIterNext(clIter *it, clEntry *e);

/* Bytes the element 's'/'len' takes inside a chunk. */
size_t clEncodedSize(const void *s, size_t len);
/* Bytes allocated for the list, its chunks and their checkpoints. */
size_t clMemoryUsage(const chunklist *l);
/* Checks every invariant (links, counts, limits, entry bounds, checkpoint
 * offsets).  Returns true when the list is consistent (tests, debugging). */
bool clValidate(const chunklist *l);
/* Checks that 'len' bytes at 'p' are a sequence of well-formed entries
 * whose lengths stay inside the buffer; stores their number in '*count'.
 * For loading untrusted bytes (a future RDB reader).  Whether a
 * prefix-coded entry's group start can supply its prefix is checked by
 * clValidate, which knows the groups. */
bool clBytesValid(const unsigned char *p, size_t len, size_t *count);

#endif
