/* SPDX-License-Identifier: BSD-3-Clause
 *
 * hashtable implementation.  See hashtable.h for the design; the notes here
 * cover the two subtle parts, incremental rehashing and the scan cursor.
 *
 * Rehashing: while table[1] exists, buckets of table[0] below rehashidx are
 * empty (moved), new entries go to table[1], and lookups try both.  Each
 * find/add/remove moves one bucket (skipping at most 10 empty ones), so the
 * cost of a resize is spread over the operations that follow it.  Resizes
 * never start while rehashing is paused (safe iterators, scans), because a
 * new table[1] would invalidate the bucket the iterator stands on.
 *
 * Scan: the cursor walks bucket indices in bit-reversed order, incrementing
 * the high bits first.  With a table of 2^n buckets, the buckets already
 * visited are exactly those whose reversed index is below the reversed
 * cursor; doubling or halving the table maps each of them onto buckets that
 * are also "below" in the new size, so nothing present throughout is
 * missed.  While rehashing we visit the bucket in the smaller table and
 * every bucket of the larger table that expands from it.
 */
#include "ds/hashtable.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "ds/alloc.h"

#define HT_INITIAL_SIZE 4
#define HT_EMPTY_VISITS 10

static uint64_t hashSeed = 0x9e3779b97f4a7c15ULL;

typedef struct htNode {
    struct htNode *next;
} htNode;

void htSetSeed(uint64_t seed) { hashSeed = seed; }

uint64_t htHash(const void *key, size_t len) { return XXH3_64bits_withSeed(key, len, hashSeed); }

static inline const void *entryKey(const hashtable *ht, const void *e, size_t *len) {
    return ht->type->entryKey(e, len);
}

static inline bool keyEquals(const hashtable *ht, const void *e, const void *key, size_t len) {
    size_t elen;
    const void *ekey = entryKey(ht, e, &elen);
    return elen == len && memcmp(ekey, key, len) == 0;
}

static inline uint64_t entryHash(const hashtable *ht, const void *e) {
    size_t len;
    const void *k = entryKey(ht, e, &len);
    return htHash(k, len);
}

hashtable *htCreate(const htType *type) {
    hashtable *ht = tcalloc(sizeof(*ht));
    ht->type = type;
    ht->rehashidx = -1;
    return ht;
}

static void freeTable(hashtable *ht, int t, void (*callback)(void)) {
    for (size_t i = 0; i < ht->size[t] && ht->used[t] > 0; i++) {
        if (callback && (i & 65535) == 0) callback();
        htNode *n = ht->table[t][i];
        while (n) {
            htNode *next = n->next;
            if (ht->type->entryFree) ht->type->entryFree(n);
            ht->used[t]--;
            n = next;
        }
    }
    tfree(ht->table[t]);
    ht->table[t] = NULL;
    ht->size[t] = 0;
    ht->used[t] = 0;
}

void htEmpty(hashtable *ht, void (*callback)(void)) {
    ht->hint = NULL;
    freeTable(ht, 0, callback);
    freeTable(ht, 1, callback);
    ht->rehashidx = -1;
}

void htRelease(hashtable *ht) {
    if (!ht) return;
    htEmpty(ht, NULL);
    tfree(ht);
}

static size_t nextPower(size_t n) {
    size_t s = HT_INITIAL_SIZE;
    while (s < n) s <<= 1;
    return s;
}

/* Allocates table[1] with room for 'target' entries and starts rehashing
 * (or installs table[0] directly when the table is empty). */
static void resizeTo(hashtable *ht, size_t target) {
    size_t size = nextPower(target);
    if (size == ht->size[0]) return;
    void **t = tcalloc(size * sizeof(void *));
    if (ht->table[0] == NULL) {
        ht->table[0] = t;
        ht->size[0] = size;
        return;
    }
    ht->table[1] = t;
    ht->size[1] = size;
    ht->used[1] = 0;
    ht->rehashidx = 0;
}

static void maybeExpand(hashtable *ht) {
    if (htIsRehashing(ht) || ht->pauseRehash) return;
    if (ht->size[0] == 0) {
        resizeTo(ht, HT_INITIAL_SIZE);
    } else if (ht->used[0] >= ht->size[0]) {
        resizeTo(ht, ht->size[0] * 2);
    }
}

void htMaybeShrink(hashtable *ht) {
    if (htIsRehashing(ht) || ht->pauseRehash) return;
    if (ht->size[0] > HT_INITIAL_SIZE && ht->used[0] < ht->size[0] / 8) resizeTo(ht, ht->used[0]);
}

bool htRehash(hashtable *ht, int n) {
    if (!htIsRehashing(ht)) return false;
    int emptyVisits = n * HT_EMPTY_VISITS;
    while (n-- && ht->used[0] != 0) {
        while (ht->table[0][ht->rehashidx] == NULL) {
            ht->rehashidx++;
            if (--emptyVisits == 0) return true;
        }
        htNode *e = ht->table[0][ht->rehashidx];
        size_t mask1 = ht->size[1] - 1;
        while (e) {
            htNode *next = e->next;
            size_t idx = entryHash(ht, e) & mask1;
            e->next = ht->table[1][idx];
            ht->table[1][idx] = e;
            ht->used[0]--;
            ht->used[1]++;
            e = next;
        }
        ht->table[0][ht->rehashidx] = NULL;
        ht->rehashidx++;
    }
    if (ht->used[0] == 0) {
        tfree(ht->table[0]);
        ht->table[0] = ht->table[1];
        ht->size[0] = ht->size[1];
        ht->used[0] = ht->used[1];
        ht->table[1] = NULL;
        ht->size[1] = 0;
        ht->used[1] = 0;
        ht->rehashidx = -1;
        return false;
    }
    return true;
}

static inline void rehashStep(hashtable *ht) {
    if (ht->pauseRehash == 0 && htIsRehashing(ht)) htRehash(ht, 1);
}

static long long nowMicros(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

bool htRehashMicros(hashtable *ht, long long us) {
    if (ht->pauseRehash) return htIsRehashing(ht);
    long long start = nowMicros();
    while (htRehash(ht, 100)) {
        if (nowMicros() - start > us) return true;
    }
    return false;
}

void *htFindHashed(hashtable *ht, const void *key, size_t len, uint64_t h) {
    if (htSize(ht) == 0) return NULL;
    rehashStep(ht);
    for (int t = 0; t <= 1; t++) {
        if (ht->size[t] == 0) break;
        size_t idx = h & (ht->size[t] - 1);
        if (t == 0 && (long)idx < ht->rehashidx) continue;
        for (htNode *e = ht->table[t][idx]; e; e = e->next) {
            if (keyEquals(ht, e, key, len)) {
                ht->hint = e;
                ht->hintHash = h;
                return e;
            }
        }
        if (!htIsRehashing(ht)) break;
    }
    return NULL;
}

void *htFind(hashtable *ht, const void *key, size_t len) {
    return htFindHashed(ht, key, len, htHash(key, len));
}

void htAddNew(hashtable *ht, void *entry) {
    rehashStep(ht);
    maybeExpand(ht);
    int t = htIsRehashing(ht) ? 1 : 0;
    uint64_t h = entryHash(ht, entry);
    size_t idx = h & (ht->size[t] - 1);
    /* Also keeps the hint right if 'entry' reuses a freed hinted address. */
    ht->hint = entry;
    ht->hintHash = h;
    htNode *n = entry;
    n->next = ht->table[t][idx];
    ht->table[t][idx] = n;
    ht->used[t]++;
}

bool htAdd(hashtable *ht, void *entry) {
    size_t len;
    const void *key = entryKey(ht, entry, &len);
    if (htFind(ht, key, len)) return false;
    htAddNew(ht, entry);
    return true;
}

/* Returns the address of the link that points at the entry with this key
 * (a bucket slot or a predecessor's next), or NULL; '*tableOut' gets the
 * table index. */
static htNode **findLink(hashtable *ht, const void *key, size_t len, int *tableOut) {
    if (htSize(ht) == 0) return NULL;
    uint64_t h = htHash(key, len);
    for (int t = 0; t <= 1; t++) {
        if (ht->size[t] == 0) break;
        size_t idx = h & (ht->size[t] - 1);
        if (t == 0 && (long)idx < ht->rehashidx) continue;
        htNode **link = (htNode **)&ht->table[t][idx];
        while (*link) {
            if (keyEquals(ht, *link, key, len)) {
                *tableOut = t;
                return link;
            }
            link = &(*link)->next;
        }
        if (!htIsRehashing(ht)) break;
    }
    return NULL;
}

bool htReplace(hashtable *ht, void *oldEntry, void *newEntry) {
    if (htSize(ht) == 0) return false;
    uint64_t h = oldEntry == ht->hint ? ht->hintHash : entryHash(ht, oldEntry);
    /* The entry is known, so the chain is searched by identity: no key
     * comparisons. */
    for (int t = 0; t <= 1; t++) {
        if (ht->size[t] == 0) break;
        size_t idx = h & (ht->size[t] - 1);
        if (t == 0 && (long)idx < ht->rehashidx) continue;
        htNode **link = (htNode **)&ht->table[t][idx];
        while (*link && *link != oldEntry) link = &(*link)->next;
        if (*link) {
            htNode *n = newEntry;
            n->next = (*link)->next;
            *link = n;
            ht->hint = newEntry;
            ht->hintHash = h;
            return true;
        }
        if (!htIsRehashing(ht)) break;
    }
    return false;
}

void *htUnlink(hashtable *ht, const void *key, size_t len) {
    rehashStep(ht);
    int t;
    htNode **link = findLink(ht, key, len, &t);
    if (!link) return NULL;
    htNode *e = *link;
    *link = e->next;
    e->next = NULL;
    ht->used[t]--;
    if (ht->hint == e) ht->hint = NULL;
    htMaybeShrink(ht);
    return e;
}

bool htDelete(hashtable *ht, const void *key, size_t len) {
    void *e = htUnlink(ht, key, len);
    if (!e) return false;
    if (ht->type->entryFree) ht->type->entryFree(e);
    return true;
}

/* A random bucket, NULL when it is one of table[0]'s already moved ones. */
static htNode *randomBucket(hashtable *ht) {
    size_t total = ht->size[0] + ht->size[1];
    size_t i = (size_t)random() % total;
    if (i < ht->size[0]) return (long)i < ht->rehashidx ? NULL : ht->table[0][i];
    return ht->table[1][i - ht->size[0]];
}

/* Rejection sampling: a random bucket and a random position below K (an
 * upper bound on chain lengths); the entry at that position, if the chain
 * has one, is returned.  Each entry then has the same chance 1/(buckets*K).
 * K is the longest chain seen so far; a longer one raises it.  After many
 * misses (a table emptied faster than it shrinks) any entry of a random
 * non-empty chain is taken instead, slightly biased but bounded in time. */
void *htRandom(hashtable *ht) {
    if (htSize(ht) == 0) return NULL;
    rehashStep(ht);
    if (ht->maxChain < 1) ht->maxChain = 1;
    for (int tries = 0; tries < 1000; tries++) {
        htNode *e = randomBucket(ht);
        if (!e) continue;
        int pos = (int)((size_t)random() % (size_t)ht->maxChain);
        int n = 0;
        htNode *hit = NULL;
        for (; e; e = e->next, n++)
            if (n == pos) hit = e;
        if (n > ht->maxChain) {
            ht->maxChain = n; /* K was too small: start over with the new bound */
            continue;
        }
        if (hit) return hit;
    }
    htNode *head = NULL;
    while (!head) head = randomBucket(ht);
    size_t n = 0;
    for (htNode *e = head; e; e = e->next) n++;
    size_t pick = (size_t)random() % n;
    while (pick--) head = head->next;
    return head;
}

static uint64_t rev(uint64_t v) {
    uint64_t r = 0;
    for (int i = 0; i < 64; i++) {
        r = (r << 1) | (v & 1);
        v >>= 1;
    }
    return r;
}

static void scanBucket(htNode *e, htScanFn *fn, void *priv) {
    while (e) {
        htNode *next = e->next; /* 'fn' may delete 'e' */
        fn(priv, e);
        e = next;
    }
}

uint64_t htScan(hashtable *ht, uint64_t v, htScanFn *fn, void *priv) {
    if (htSize(ht) == 0) return 0;
    ht->pauseRehash++;
    if (!htIsRehashing(ht)) {
        uint64_t m0 = ht->size[0] - 1;
        scanBucket(ht->table[0][v & m0], fn, priv);
        v |= ~m0;
        v = rev(v);
        v++;
        v = rev(v);
    } else {
        int small = ht->size[0] <= ht->size[1] ? 0 : 1;
        int large = 1 - small;
        uint64_t m0 = ht->size[small] - 1, m1 = ht->size[large] - 1;
        scanBucket(ht->table[small][v & m0], fn, priv);
        do {
            scanBucket(ht->table[large][v & m1], fn, priv);
            v |= ~m1;
            v = rev(v);
            v++;
            v = rev(v);
        } while (v & (m0 ^ m1));
    }
    ht->pauseRehash--;
    return v;
}

void htIterInit(htIterator *it, hashtable *ht, bool safe) {
    it->ht = ht;
    it->table = 0;
    it->index = -1;
    it->entry = it->nextEntry = NULL;
    it->safe = safe;
    if (safe) ht->pauseRehash++;
}

void *htNext(htIterator *it) {
    hashtable *ht = it->ht;
    while (1) {
        if (it->nextEntry) {
            it->entry = it->nextEntry;
            it->nextEntry = ((htNode *)it->entry)->next;
            return it->entry;
        }
        it->index++;
        if (it->index >= (long)ht->size[it->table]) {
            if (it->table == 0 && htIsRehashing(ht)) {
                it->table = 1;
                it->index = 0;
            } else {
                return NULL;
            }
        }
        if (ht->size[it->table] == 0) return NULL;
        it->nextEntry = ht->table[it->table][it->index];
    }
}

void htIterRelease(htIterator *it) {
    if (it->safe) it->ht->pauseRehash--;
}

size_t htOverheadBytes(const hashtable *ht) {
    return sizeof(*ht) + (ht->size[0] + ht->size[1]) * sizeof(void *);
}
