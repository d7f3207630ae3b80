/* SPDX-License-Identifier: BSD-3-Clause
 *
 * hashtable: a chained hash table with intrusive entries, incremental
 * rehashing and a reverse-binary scan cursor.
 *
 * Entries are caller-allocated structs whose FIRST member is `void *next`;
 * the table links them through it, so a key costs one allocation (the entry,
 * which embeds key and value) plus one bucket pointer, and no separate node.
 *
 *    table[0]: [*]->[entry]->[entry]     table[1] (only while rehashing)
 *              [ ]                       [*]->[entry]
 *              [*]->[entry]              ...
 *
 * Growth doubles when the load reaches 1; shrinking happens below 1/8.
 * Resizing allocates the new bucket array and then moves one bucket per
 * operation (plus htRehashMicros from the server cron), so no single command
 * pays O(N).  Hashing is XXH3 with a per-process random seed (htSetSeed), so
 * clients cannot choose keys that collide.
 *
 * Costs: find/add/remove O(1) expected; scan O(1) amortised per entry;
 * memory 8 bytes per bucket (buckets <= 2 * entries).
 *
 * Hash hint: the table remembers the last entry it found or linked and that
 * entry's hash, so the common "find, then replace what was found" (SET over
 * an existing key) hashes the key once.  Invariant: whenever 'hint' is
 * linked in the table, 'hintHash' is its hash; every path that links an
 * entry updates the hint and every path that unlinks the hinted entry clears
 * it.  Entry keys must not change while linked (true of every user).
 */
#ifndef TERN_DS_HASHTABLE_H
#define TERN_DS_HASHTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct htType {
    /* Returns the key bytes of 'entry' and stores their length in '*len'. */
    const void *(*entryKey)(const void *entry, size_t *len);
    /* Releases 'entry' (called by htDelete, htEmpty, htRelease); may be NULL. */
    void (*entryFree)(void *entry);
} htType;

typedef struct hashtable {
    const htType *type;
    void **table[2];
    size_t size[2]; /* bucket counts, 0 or a power of two */
    size_t used[2];
    long rehashidx; /* next bucket of table[0] to move, -1 when not rehashing */
    int pauseRehash; /* > 0 while safe iterators or scans run */
    int maxChain;    /* longest chain htRandom has seen (fills padding) */
    void *hint;        /* last entry found or linked (see above), or NULL */
    uint64_t hintHash; /* its hash */
} hashtable;

typedef struct htIterator {
    hashtable *ht;
    int table;
    long index;
    void *entry, *nextEntry;
    bool safe;
} htIterator;

/* Seeds the hash function for the whole process (call once at startup). */
void htSetSeed(uint64_t seed);
/* Hashes 'len' bytes at 'key' with the process seed. */
uint64_t htHash(const void *key, size_t len);

/* New empty table using 'type'.  Owned by the caller; release with htRelease. */
hashtable *htCreate(const htType *type);
/* Frees every entry (via type->entryFree) and the table. */
void htRelease(hashtable *ht);
/* Removes and frees every entry; 'callback' (may be NULL) is called every
 * 65536 buckets so long flushes can keep serving events. */
void htEmpty(hashtable *ht, void (*callback)(void));

static inline size_t htSize(const hashtable *ht) { return ht->used[0] + ht->used[1]; }
static inline size_t htBuckets(const hashtable *ht) { return ht->size[0] + ht->size[1]; }
static inline bool htIsRehashing(const hashtable *ht) { return ht->rehashidx != -1; }

/* Returns the entry with key 'key'/'len', or NULL.  The pointer is valid
 * until the entry is removed. */
void *htFind(hashtable *ht, const void *key, size_t len);
/* Same with a precomputed hash 'h' (from htHash). */
void *htFindHashed(hashtable *ht, const void *key, size_t len, uint64_t h);
/* Links 'entry', whose key must not be present yet (the caller checked with
 * htFind).  The table now references it; ownership follows type->entryFree. */
void htAddNew(hashtable *ht, void *entry);
/* Adds 'entry' unless its key exists; returns false (and does nothing) if so. */
bool htAdd(hashtable *ht, void *entry);
/* Swaps 'oldEntry' for 'newEntry' (same key) in place.  Neither is freed.
 * Returns false when 'oldEntry' is not in the table.  When 'oldEntry' is
 * the entry the last find returned, its key is not hashed again. */
bool htReplace(hashtable *ht, void *oldEntry, void *newEntry);
/* Unlinks the entry with this key and returns it (not freed), or NULL. */
void *htUnlink(hashtable *ht, const void *key, size_t len);
/* Unlinks and frees; returns true when something was deleted. */
bool htDelete(hashtable *ht, const void *key, size_t len);

/* Returns a random entry (NULL when empty), every entry equally likely:
 * SRANDMEMBER/HRANDFIELD/SPOP/RANDOMKEY statistics depend on it.  Costs a
 * few bucket probes per call on a table filled as resizing keeps it. */
void *htRandom(hashtable *ht);

/* Reverse-binary scan.  Calls 'fn(priv, entry)' for every entry in the
 * bucket(s) at 'cursor' and returns the next cursor, 0 when done.  Every
 * entry present for the whole scan is reported at least once, even across
 * resizes.  'fn' must not add or remove entries other than the one given;
 * removing the given one is allowed. */
typedef void htScanFn(void *priv, void *entry);
uint64_t htScan(hashtable *ht, uint64_t cursor, htScanFn *fn, void *priv);

/* Iteration.  A safe iterator allows htDelete of the current entry and
 * pauses rehashing; call htIterRelease when done. */
void htIterInit(htIterator *it, hashtable *ht, bool safe);
void *htNext(htIterator *it);
void htIterRelease(htIterator *it);

/* Does incremental rehashing for about 'us' microseconds; returns true if
 * rehashing is still in progress. */
bool htRehashMicros(hashtable *ht, long long us);
/* Moves up to 'n' buckets; returns true when more remain. */
bool htRehash(hashtable *ht, int n);
/* Starts a shrink if the table is mostly empty (called after deletes). */
void htMaybeShrink(hashtable *ht);
/* Bytes used by the bucket arrays (not the entries). */
size_t htOverheadBytes(const hashtable *ht);

#endif
