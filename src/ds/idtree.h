/* SPDX-License-Identifier: BSD-3-Clause
 *
 * idtree: an ordered map from stream ids (ds/streamid.h) to non-NULL
 * pointers, as a B+tree.  Streams use it three ways: the index of packed
 * nodes (master id -> node), a consumer group's pending entries list and
 * each consumer's (entry id -> pending record).
 *
 *   inner:  | n | key[1..n-1] | child[0..n-1] |    key[i] <= every key
 *                                                  under child[i], and
 *                                                  > every key under
 *                                                  child[i-1]
 *   leaf:   | n | cap | prev | next | (id, value) x cap |  sorted by id
 *
 * A full leaf holds 41 slots of 24 bytes (1008 bytes: one 1 KB allocator
 * slot); the root leaf of a small tree starts with room for 2 and doubles,
 * so a pending list with a handful of entries costs about a hundred bytes.
 * Inserting past the right edge of the tree (the normal case: new ids only
 * grow) opens a new leaf instead of splitting the full one in half, so
 * ordered loads leave leaves 100% full.  A removal that leaves a node
 * under a quarter full borrows from or merges with a sibling.
 *
 * Costs: find, insert, remove, seek O(log N); stepping an iterator O(1)
 * amortised; memory ~24-32 bytes per key plus the values' own.
 *
 * Iterators are plain positions: any insert or remove invalidates every
 * iterator of the tree (re-seek by id afterwards).
 */
#ifndef TERN_DS_IDTREE_H
#define TERN_DS_IDTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "ds/streamid.h"

typedef struct idtree idtree;
struct idtLeaf;

/* A position in the tree ('leaf' NULL: past either end). */
typedef struct idtIter {
    struct idtLeaf *leaf;
    int pos;
} idtIter;

/* New empty tree, owned by the caller (idtFree). */
idtree *idtNew(void);
/* Frees 't', calling 'freeVal' (may be NULL) on every value first. */
void idtFree(idtree *t, void (*freeVal)(void *val));
/* Number of keys. */
size_t idtSize(const idtree *t);
/* Allocator bytes held by the tree itself (not the values). */
size_t idtMemory(const idtree *t);

/* Adds 'id' -> 'val' ('val' not NULL).  Returns false, changing nothing,
 * when 'id' is already present. */
bool idtInsert(idtree *t, streamID id, void *val);
/* Value of 'id', or NULL when absent. */
void *idtFind(const idtree *t, streamID id);
/* Removes 'id'; returns its value (the caller now owns it) or NULL when
 * absent. */
void *idtRemove(idtree *t, streamID id);

/* First / last key; false (and an invalid iterator) when empty. */
bool idtSeekFirst(const idtree *t, idtIter *it);
bool idtSeekLast(const idtree *t, idtIter *it);
/* First key >= 'id' / last key <= 'id'; false when there is none. */
bool idtSeekGE(const idtree *t, idtIter *it, streamID id);
bool idtSeekLE(const idtree *t, idtIter *it, streamID id);
/* Moves one key forward / back; false when it walked off the end (the
 * iterator is then invalid). */
bool idtNext(idtIter *it);
bool idtPrev(idtIter *it);
/* True while the iterator points at a key. */
static inline bool idtValid(const idtIter *it) { return it->leaf != NULL; }
/* Key and value at a valid iterator. */
streamID idtIterId(const idtIter *it);
void *idtIterVal(const idtIter *it);
/* Replaces the value at a valid iterator (the key stays). */
void idtIterSetVal(const idtIter *it, void *val);

/* Checks the tree's invariants (order, separators, sibling links, counts,
 * fill); returns NULL when they hold or a description of the first one
 * broken.  For tests. */
const char *idtCheck(const idtree *t);

#endif
