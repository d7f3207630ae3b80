/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for src/ds/hashtable.c: add/find/delete/replace, incremental
 * rehashing in both directions (lookups must work in the middle of it),
 * safe iteration with deletion, htRandom, a randomized cross-check of every
 * operation against a naive model, and the scan guarantee the SCAN command
 * relies on: every entry present for the whole scan is reported at least
 * once, while entries are added and removed and the table grows and
 * shrinks between calls.  Randomized tests print their seed
 * (HT_TEST_SEED replays one).
 */
#include "ds/hashtable.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static uint64_t testSeed;
static uint64_t rngState;

/* splitmix64: small, seedable, good enough for test data. */
static uint64_t rngNext(void) {
    uint64_t z = (rngState += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* ---- test entries ---------------------------------------------------------- */

/* An entry as the table wants it: 'next' first, key inside. */
typedef struct testEntry {
    void *next;
    int id;      /* the key is the decimal form of id */
    int version; /* distinguishes replacements */
    size_t keylen;
    char key[24];
} testEntry;

static long liveEntries; /* allocated and not yet freed */

static const void *entryKey(const void *e, size_t *len) {
    const testEntry *t = e;
    *len = t->keylen;
    return t->key;
}

static void entryFree(void *e) {
    liveEntries--;
    free(e);
}

static const htType testType = {entryKey, entryFree};

static testEntry *newEntry(int id) {
    testEntry *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    t->id = id;
    t->keylen = (size_t)snprintf(t->key, sizeof(t->key), "key:%d", id);
    liveEntries++;
    return t;
}

static testEntry *findId(hashtable *ht, int id) {
    char key[24];
    int n = snprintf(key, sizeof(key), "key:%d", id);
    return htFind(ht, key, (size_t)n);
}

static bool deleteId(hashtable *ht, int id) {
    char key[24];
    int n = snprintf(key, sizeof(key), "key:%d", id);
    return htDelete(ht, key, (size_t)n);
}

static testEntry *unlinkId(hashtable *ht, int id) {
    char key[24];
    int n = snprintf(key, sizeof(key), "key:%d", id);
    return htUnlink(ht, key, (size_t)n);
}

static void finishRehash(hashtable *ht) {
    while (htRehash(ht, 100)) {
    }
}

/* Counts entries by walking a (non-safe) iterator and checks each once. */
static size_t countByIteration(hashtable *ht, int maxId) {
    char *seen = calloc((size_t)maxId + 1, 1);
    assert_non_null(seen);
    htIterator it;
    htIterInit(&it, ht, false);
    testEntry *e;
    size_t n = 0;
    while ((e = htNext(&it)) != NULL) {
        assert_true(e->id >= 0 && e->id <= maxId);
        assert_int_equal(seen[e->id], 0);
        seen[e->id] = 1;
        n++;
    }
    htIterRelease(&it);
    free(seen);
    return n;
}

static int setupTable(void **state) {
    liveEntries = 0;
    *state = htCreate(&testType);
    return 0;
}

static int teardownTable(void **state) {
    htRelease(*state);
    assert_int_equal(liveEntries, 0);
    return 0;
}

/* ---- basic operations --------------------------------------------------------- */

static void test_emptyTable(void **state) {
    hashtable *ht = *state;
    assert_int_equal(htSize(ht), 0);
    assert_null(findId(ht, 1));
    assert_false(deleteId(ht, 1));
    assert_null(unlinkId(ht, 1));
    assert_null(htRandom(ht));
    assert_int_equal(htScan(ht, 0, NULL, NULL), 0);
    assert_int_equal(countByIteration(ht, 1), 0);
    htEmpty(ht, NULL);
    assert_int_equal(htSize(ht), 0);
}

static void test_addFindDelete(void **state) {
    hashtable *ht = *state;
    const int n = 5000;
    for (int i = 0; i < n; i++) {
        testEntry *e = newEntry(i);
        assert_true(htAdd(ht, e));
        assert_ptr_equal(findId(ht, i), e);
    }
    assert_int_equal(htSize(ht), n);
    /* A second entry with an existing key is refused and left alone. */
    testEntry *dup = newEntry(42);
    assert_false(htAdd(ht, dup));
    assert_int_not_equal(findId(ht, 42), dup);
    entryFree(dup);
    for (int i = 0; i < n; i++) assert_non_null(findId(ht, i));
    assert_null(findId(ht, n));
    assert_null(findId(ht, -1));
    /* Delete the even ids. */
    for (int i = 0; i < n; i += 2) assert_true(deleteId(ht, i));
    for (int i = 0; i < n; i += 2) assert_false(deleteId(ht, i));
    assert_int_equal(htSize(ht), n / 2);
    for (int i = 0; i < n; i++) {
        if (i % 2)
            assert_non_null(findId(ht, i));
        else
            assert_null(findId(ht, i));
    }
    /* Unlink hands the entry back without freeing it. */
    testEntry *u = unlinkId(ht, 1);
    assert_non_null(u);
    assert_int_equal(u->id, 1);
    assert_null(u->next);
    assert_null(findId(ht, 1));
    assert_int_equal(liveEntries, n / 2);
    entryFree(u);
    assert_int_equal(countByIteration(ht, n), htSize(ht));
    htEmpty(ht, NULL);
    assert_int_equal(htSize(ht), 0);
    assert_int_equal(liveEntries, 0);
    /* The table is reusable after htEmpty. */
    assert_true(htAdd(ht, newEntry(7)));
    assert_non_null(findId(ht, 7));
}

static void test_emptyAndBinaryKeys(void **state) {
    hashtable *ht = *state;
    testEntry *empty = newEntry(0);
    empty->keylen = 0;
    testEntry *bin = newEntry(1);
    memcpy(bin->key, "a\0b", 3);
    bin->keylen = 3;
    testEntry *prefix = newEntry(2);
    memcpy(prefix->key, "a", 1);
    prefix->keylen = 1;
    assert_true(htAdd(ht, empty));
    assert_true(htAdd(ht, bin));
    assert_true(htAdd(ht, prefix));
    assert_ptr_equal(htFind(ht, "", 0), empty);
    assert_ptr_equal(htFind(ht, "a\0b", 3), bin);
    assert_ptr_equal(htFind(ht, "a", 1), prefix);
    assert_null(htFind(ht, "a\0c", 3));
    assert_true(htDelete(ht, "a\0b", 3));
    assert_ptr_equal(htFind(ht, "a", 1), prefix);
    assert_ptr_equal(htFind(ht, "", 0), empty);
}

static void test_replace(void **state) {
    hashtable *ht = *state;
    for (int i = 0; i < 100; i++) htAddNew(ht, newEntry(i));
    testEntry *old = findId(ht, 50);
    testEntry *repl = newEntry(50);
    repl->version = 1;
    assert_true(htReplace(ht, old, repl));
    assert_ptr_equal(findId(ht, 50), repl);
    assert_int_equal(htSize(ht), 100);
    /* The old entry was not freed: we still own it. */
    assert_int_equal(liveEntries, 102 - 1);
    entryFree(old);
    /* Replacing something that is not in the table fails. */
    testEntry *stranger = newEntry(50);
    testEntry *other = newEntry(50);
    assert_false(htReplace(ht, stranger, other));
    assert_ptr_equal(findId(ht, 50), repl);
    entryFree(stranger);
    entryFree(other);
    testEntry *missing = newEntry(1000);
    testEntry *missing2 = newEntry(1000);
    assert_false(htReplace(ht, missing, missing2));
    entryFree(missing);
    entryFree(missing2);
    /* Neighbours in the same chain keep working after a replacement. */
    for (int i = 0; i < 100; i++) assert_non_null(findId(ht, i));
    assert_int_equal(countByIteration(ht, 1000), 100);
}

/* ---- incremental rehashing ----------------------------------------------------- */

static void test_growRehashesIncrementally(void **state) {
    hashtable *ht = *state;
    int id = 0;
    /* Fill until a resize starts. */
    while (!htIsRehashing(ht)) htAddNew(ht, newEntry(id++));
    size_t oldSize = ht->size[0];
    assert_true(ht->size[1] == oldSize * 2);
    /* Keep adding while it is rehashing: lookups must see both tables. */
    for (int k = 0; k < 8; k++) htAddNew(ht, newEntry(id++));
    for (int i = 0; i < id; i++) assert_non_null(findId(ht, i));
    assert_int_equal(htSize(ht), id);
    /* Grow through several doublings, checking everything at each step. */
    for (int round = 0; round < 6; round++) {
        int target = id * 2;
        while (id < target) {
            htAddNew(ht, newEntry(id++));
            if (htIsRehashing(ht) && (id % 7) == 0) {
                for (int i = 0; i < id; i += 13) assert_non_null(findId(ht, i));
                assert_int_equal(countByIteration(ht, id), htSize(ht));
            }
        }
    }
    finishRehash(ht);
    assert_false(htIsRehashing(ht));
    assert_true(ht->size[0] >= (size_t)id);
    assert_null(ht->table[1]);
    for (int i = 0; i < id; i++) assert_non_null(findId(ht, i));
    assert_int_equal(countByIteration(ht, id), id);
}

static void test_shrinkRehashesIncrementally(void **state) {
    hashtable *ht = *state;
    const int n = 4096;
    for (int i = 0; i < n; i++) htAddNew(ht, newEntry(i));
    finishRehash(ht);
    size_t bigSize = ht->size[0];
    assert_true(bigSize >= (size_t)n);
    /* Delete until the table is below 1/8 full: a shrink starts. */
    int next = 0;
    while (!htIsRehashing(ht) && next < n) assert_true(deleteId(ht, next++));
    assert_true(htIsRehashing(ht));
    assert_true(ht->size[1] < bigSize);
    /* In the middle of the shrink every survivor is found and iterated. */
    for (int i = next; i < n; i++) assert_non_null(findId(ht, i));
    assert_int_equal(countByIteration(ht, n), htSize(ht));
    /* Deleting while shrinking works too. */
    for (int k = 0; k < 10; k++) assert_true(deleteId(ht, next++));
    finishRehash(ht);
    assert_true(ht->size[0] < bigSize);
    assert_true(ht->size[0] >= htSize(ht));
    for (int i = 0; i < n; i++) {
        if (i < next)
            assert_null(findId(ht, i));
        else
            assert_non_null(findId(ht, i));
    }
    /* Deleting everything shrinks back to the minimum. */
    while (next < n) {
        assert_true(deleteId(ht, next++));
        if (htIsRehashing(ht)) htRehash(ht, 10);
    }
    finishRehash(ht);
    htMaybeShrink(ht);
    finishRehash(ht);
    assert_int_equal(htSize(ht), 0);
    assert_true(ht->size[0] <= 8);
}

static void test_rehashMicrosFinishes(void **state) {
    hashtable *ht = *state;
    int id = 0;
    while (!htIsRehashing(ht) || ht->size[0] < 1024) {
        htAddNew(ht, newEntry(id++));
        if (htIsRehashing(ht) && ht->size[0] < 1024) finishRehash(ht);
    }
    while (htRehashMicros(ht, 1000)) {
    }
    assert_false(htIsRehashing(ht));
    assert_int_equal(countByIteration(ht, id), id);
}

/* ---- iteration ----------------------------------------------------------------- */

static void test_safeIterationWithDeletion(void **state) {
    hashtable *ht = *state;
    const int n = 3000;
    for (int i = 0; i < n; i++) htAddNew(ht, newEntry(i));
    /* Start the iteration in the middle of a rehash, the hard case. */
    int extra = n;
    while (!htIsRehashing(ht)) htAddNew(ht, newEntry(extra++));
    htRehash(ht, 3);
    assert_true(htIsRehashing(ht));
    long rehashidx = ht->rehashidx;

    char *seen = calloc((size_t)extra, 1);
    assert_non_null(seen);
    htIterator it;
    htIterInit(&it, ht, true);
    testEntry *e;
    size_t visited = 0;
    while ((e = htNext(&it)) != NULL) {
        assert_int_equal(seen[e->id], 0);
        seen[e->id] = 1;
        visited++;
        /* Delete every other entry, the current one, and look a few up:
         * lookups must not move buckets under the iterator. */
        if (e->id % 2 == 0) assert_true(deleteId(ht, e->id));
        assert_non_null(findId(ht, 1));
        assert_int_equal(ht->rehashidx, rehashidx);
    }
    htIterRelease(&it);
    assert_int_equal(visited, (size_t)extra);
    for (int i = 0; i < extra; i++) assert_int_equal(seen[i], 1);
    free(seen);
    assert_int_equal(htSize(ht), (size_t)(extra / 2));
    /* Rehashing resumes after the iterator is released. */
    finishRehash(ht);
    for (int i = 0; i < extra; i++) {
        if (i % 2)
            assert_non_null(findId(ht, i));
        else
            assert_null(findId(ht, i));
    }
}

static void test_randomReturnsEveryEntry(void **state) {
    hashtable *ht = *state;
    const int n = 16;
    for (int i = 0; i < n; i++) htAddNew(ht, newEntry(i));
    int hits[16] = {0};
    for (int k = 0; k < 20000; k++) {
        testEntry *e = htRandom(ht);
        assert_non_null(e);
        assert_ptr_equal(findId(ht, e->id), e);
        hits[e->id]++;
    }
    for (int i = 0; i < n; i++) assert_true(hits[i] > 200);
    /* Also while rehashing (entries split between two tables). */
    int id = n;
    while (!htIsRehashing(ht)) htAddNew(ht, newEntry(id++));
    for (int k = 0; k < 2000; k++) {
        testEntry *e = htRandom(ht);
        assert_non_null(e);
        assert_true(e->id >= 0 && e->id < id);
    }
}

/* Pearson's chi-square of 'draws' htRandom results over ids 0..n-1. */
static double chiSquare(hashtable *ht, int n, int draws) {
    int *hits = calloc((size_t)n, sizeof(int));
    assert_non_null(hits);
    for (int k = 0; k < draws; k++) {
        testEntry *e = htRandom(ht);
        assert_true(e->id >= 0 && e->id < n);
        hits[e->id]++;
    }
    double expect = (double)draws / n, chi = 0;
    for (int i = 0; i < n; i++) chi += (hits[i] - expect) * (hits[i] - expect) / expect;
    free(hits);
    return chi;
}

/* Every entry equally likely, whatever its place in a chain: a set of ten
 * members in sixteen buckets must not favour the ones alone in theirs
 * (Redis's suite checks SRANDMEMBER's histogram).  The bound is the
 * chi-square mean plus six standard deviations. */
static void test_randomIsUniform(void **state) {
    hashtable *ht = *state;
    int sizes[] = {10, 100, 1000};
    int made = 0;
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        int n = sizes[s];
        while (made < n) htAddNew(ht, newEntry(made++));
        double df = n - 1;
        assert_true(chiSquare(ht, n, 200 * n) < df + 6 * sqrt(2 * df));
    }
    /* Sparse: most entries deleted, the table not shrunk yet (or shrinking). */
    for (int i = 100; i < made; i++) assert_true(deleteId(ht, i));
    assert_true(chiSquare(ht, 100, 20000) < 99 + 6 * sqrt(2 * 99.0));
}

/* ---- randomized cross-check against a naive model --------------------------------- */

static void test_randomAgainstModel(void **state) {
    hashtable *ht = *state;
    rngState = testSeed;
    enum { KEYS = 2000 };
    testEntry *model[KEYS] = {0}; /* the entry the table should hold per id */
    size_t modelSize = 0;
    for (int step = 0; step < 300000; step++) {
        /* Phases bias towards adding or deleting so the table repeatedly
         * grows and shrinks through several sizes. */
        bool growing = (step / 20000) % 2 == 0;
        int id = (int)(rngNext() % KEYS);
        unsigned op = (unsigned)(rngNext() % 100);
        if (op < (growing ? 50u : 20u)) {
            testEntry *e = newEntry(id);
            bool added = htAdd(ht, e);
            if (added != (model[id] == NULL))
                fail_msg("seed %llu step %d: htAdd(%d) = %d", (unsigned long long)testSeed, step,
                         id, added);
            if (added) {
                model[id] = e;
                modelSize++;
            } else {
                entryFree(e);
            }
        } else if (op < 80) {
            bool deleted = deleteId(ht, id);
            if (deleted != (model[id] != NULL))
                fail_msg("seed %llu step %d: htDelete(%d) = %d", (unsigned long long)testSeed,
                         step, id, deleted);
            if (deleted) {
                model[id] = NULL;
                modelSize--;
            }
        } else if (op < 90) {
            if (model[id]) {
                testEntry *e = newEntry(id);
                e->version = model[id]->version + 1;
                assert_true(htReplace(ht, model[id], e));
                entryFree(model[id]);
                model[id] = e;
            }
        } else if (op < 95) {
            htRehash(ht, 1 + (int)(rngNext() % 4));
        } else {
            testEntry *e = htRandom(ht);
            if (modelSize == 0)
                assert_null(e);
            else
                assert_ptr_equal(model[e->id], e);
        }
        testEntry *found = findId(ht, id);
        if (found != model[id])
            fail_msg("seed %llu step %d: htFind(%d) = %p, model %p", (unsigned long long)testSeed,
                     step, id, (void *)found, (void *)model[id]);
        if (htSize(ht) != modelSize)
            fail_msg("seed %llu step %d: size %zu, model %zu", (unsigned long long)testSeed, step,
                     htSize(ht), modelSize);
        if (step % 5000 == 0) {
            assert_int_equal(countByIteration(ht, KEYS), modelSize);
            for (int i = 0; i < KEYS; i++) assert_ptr_equal(findId(ht, i), model[i]);
        }
    }
    assert_int_equal(liveEntries, (long)modelSize);
}

/* ---- scan ------------------------------------------------------------------------ */

/* How many mutating scans saw the table grow / shrink mid-scan. */
static int scansThatGrew, scansThatShrank;

typedef struct scanState {
    hashtable *ht;
    int *reported; /* times each id was reported */
    int maxId;
} scanState;

static void scanCount(void *priv, void *entry) {
    scanState *s = priv;
    testEntry *e = entry;
    assert_true(e->id >= 0 && e->id < s->maxId);
    /* Only entries that are in the table right now are reported. */
    assert_ptr_equal(findId(s->ht, e->id), e);
    s->reported[e->id]++;
}

static void test_scanStaticTable(void **state) {
    hashtable *ht = *state;
    const int n = 1000;
    for (int i = 0; i < n; i++) htAddNew(ht, newEntry(i));
    finishRehash(ht);
    int *reported = calloc((size_t)n, sizeof(int));
    scanState s = {ht, reported, n};
    uint64_t cursor = 0;
    long calls = 0;
    do {
        cursor = htScan(ht, cursor, scanCount, &s);
        calls++;
    } while (cursor != 0);
    /* A table that does not change reports every entry exactly once, in
     * one call per bucket. */
    for (int i = 0; i < n; i++) assert_int_equal(reported[i], 1);
    assert_int_equal(calls, (long)ht->size[0]);
    free(reported);
}

static void deleteInCallback(void *priv, void *entry) {
    scanState *s = priv;
    testEntry *e = entry;
    s->reported[e->id]++;
    assert_true(deleteId(s->ht, e->id));
}

static void test_scanMayDeleteTheReportedEntry(void **state) {
    hashtable *ht = *state;
    const int n = 500;
    for (int i = 0; i < n; i++) htAddNew(ht, newEntry(i));
    int *reported = calloc((size_t)n, sizeof(int));
    scanState s = {ht, reported, n};
    uint64_t cursor = 0;
    do {
        cursor = htScan(ht, cursor, deleteInCallback, &s);
    } while (cursor != 0);
    for (int i = 0; i < n; i++) assert_int_equal(reported[i], 1);
    assert_int_equal(htSize(ht), 0);
    free(reported);
}

/* How far a scan has got, 0..1: the cursor counts upwards in bit-reversed
 * order, so its reversal read as a fraction of 2^64 is the progress. */
static double scanProgress(uint64_t cursor) {
    uint64_t r = 0;
    for (int i = 0; i < 64; i++) {
        r = (r << 1) | (cursor & 1);
        cursor >>= 1;
    }
    return (double)r / 18446744073709551616.0;
}

/* One full scan while the table changes between calls.  Ids below
 * 'stable' are present throughout and must all be reported; the rest come
 * and go.  'plan' drives the size: grow (add many volatile entries), then
 * shrink (delete them), with random rehash steps and deletes in between. */
static void scanWhileMutating(hashtable *ht, int stable, int volatileMax, uint64_t seed) {
    rngState = seed;
    int maxId = stable + volatileMax;
    int *reported = calloc((size_t)maxId, sizeof(int));
    bool *present = calloc((size_t)maxId, sizeof(bool));
    assert_non_null(reported);
    assert_non_null(present);
    for (int i = 0; i < stable; i++) {
        htAddNew(ht, newEntry(i));
        present[i] = true;
    }
    /* Some volatile entries to start with, so shrinking is possible too. */
    int startVolatile = (int)(rngNext() % (uint64_t)(volatileMax / 2 + 1));
    for (int i = 0; i < startVolatile; i++) {
        htAddNew(ht, newEntry(stable + i));
        present[stable + i] = true;
    }
    if (rngNext() & 1) finishRehash(ht);

    scanState s = {ht, reported, maxId};
    uint64_t cursor = 0;
    long calls = 0;
    size_t startSize = ht->size[0], maxSize = startSize;
    bool grew = false, shrank = false;
    do {
        cursor = htScan(ht, cursor, scanCount, &s);
        calls++;
        /* First mostly adds (the table grows), then mostly deletes (it
         * shrinks back), then a random mix until the scan ends. */
        double progress = scanProgress(cursor);
        int phase = progress < 0.3 ? 0 : progress < 0.8 ? 1 : 2;
        int ops = (int)(rngNext() % 40);
        for (int k = 0; k < ops; k++) {
            int id = stable + (int)(rngNext() % (uint64_t)volatileMax);
            bool add = phase == 0 ? (rngNext() % 10) < 9 : phase == 1 ? (rngNext() % 10) < 1
                                                                       : (rngNext() & 1);
            if (add && !present[id]) {
                htAddNew(ht, newEntry(id));
                present[id] = true;
            } else if (!add && present[id]) {
                assert_true(deleteId(ht, id));
                present[id] = false;
            }
        }
        if (rngNext() % 3 == 0) htRehash(ht, (int)(rngNext() % 8));
        size_t target = htIsRehashing(ht) ? ht->size[1] : ht->size[0];
        grew |= target > startSize;
        shrank |= target < maxSize;
        if (target > maxSize) maxSize = target;
        if (calls > 1000000) fail_msg("seed %llu: scan does not terminate", (unsigned long long)seed);
    } while (cursor != 0);

    for (int i = 0; i < stable; i++)
        if (reported[i] < 1)
            fail_msg("seed %llu: stable entry %d (of %d, volatile %d) never reported",
                     (unsigned long long)seed, i, stable, volatileMax);
    scansThatGrew += grew;
    scansThatShrank += shrank;
    htEmpty(ht, NULL);
    free(reported);
    free(present);
}

static void test_scanReportsStableEntriesWhileTableChanges(void **state) {
    hashtable *ht = *state;
    static const int shapes[][2] = {{1, 8}, {3, 200}, {10, 1000}, {100, 3000}, {500, 5000},
                                    {2000, 500}, {64, 64}, {5, 4000}};
    for (int run = 0; run < 200; run++) {
        const int *shape = shapes[run % (int)(sizeof(shapes) / sizeof(shapes[0]))];
        scanWhileMutating(ht, shape[0], shape[1], testSeed + (uint64_t)run * 7919);
    }
    /* The scenarios really exercised resizes in the middle of scans. */
    assert_true(scansThatGrew > 120);
    printf("mutating scans: %d grew, %d shrank mid-scan\n", scansThatGrew, scansThatShrank);
    assert_true(scansThatShrank > 80);
}

/* A deterministic scenario: the table doubles twice and then shrinks by
 * 32x in the middle of one scan; stable entries must all come back. */
static void test_scanAcrossGrowAndShrink(void **state) {
    hashtable *ht = *state;
    const int stable = 300, vol = 20000;
    int *reported = calloc((size_t)(stable + vol), sizeof(int));
    for (int i = 0; i < stable; i++) htAddNew(ht, newEntry(i));
    finishRehash(ht);
    scanState s = {ht, reported, stable + vol};
    uint64_t cursor = 0;
    int calls = 0, added = 0;
    bool grew = false, shrank = false;
    size_t startSize = ht->size[0];
    do {
        cursor = htScan(ht, cursor, scanCount, &s);
        calls++;
        if ((size_t)calls == startSize / 4 && !grew) {
            /* Quadruple the table, leaving it mid-rehash. */
            while (htSize(ht) < startSize * 4) htAddNew(ht, newEntry(stable + added++));
            grew = true;
        } else if (grew && !shrank && calls % 50 == 0 && !htIsRehashing(ht)) {
            for (int i = 0; i < added; i++) assert_true(deleteId(ht, stable + i));
            shrank = true;
        }
        if (calls % 3 == 0) htRehash(ht, 2);
    } while (cursor != 0);
    assert_true(grew);
    for (int i = 0; i < stable; i++) assert_true(reported[i] >= 1);
    free(reported);
}

int main(void) {
    const char *env = getenv("HT_TEST_SEED");
    testSeed = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
    printf("test_hashtable seed %llu (HT_TEST_SEED to replay)\n", (unsigned long long)testSeed);
    htSetSeed(testSeed * 31 + 7);
    srandom((unsigned)testSeed);

#define T(fn) cmocka_unit_test_setup_teardown(fn, setupTable, teardownTable)
    const struct CMUnitTest tests[] = {
        T(test_emptyTable),
        T(test_addFindDelete),
        T(test_emptyAndBinaryKeys),
        T(test_replace),
        T(test_growRehashesIncrementally),
        T(test_shrinkRehashesIncrementally),
        T(test_rehashMicrosFinishes),
        T(test_safeIterationWithDeletion),
        T(test_randomReturnsEveryEntry),
        T(test_randomIsUniform),
        T(test_randomAgainstModel),
        T(test_scanStaticTable),
        T(test_scanMayDeleteTheReportedEntry),
        T(test_scanReportsStableEntriesWhileTableChanges),
        T(test_scanAcrossGrowAndShrink),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
