/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for src/ds/idtree.c.  Fixed cases pin seeks at the edges
 * (empty tree, before the first key, after the last, exact hits) and
 * check that ordered loads pack leaves full; a randomized run of inserts,
 * removals and seeks in both directions is cross-checked against a sorted
 * array, with idtCheck verifying the invariants along the way.  The seed
 * is printed (IDTREE_TEST_SEED replays one).
 */
#include "ds/idtree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ds/alloc.h"

static uint64_t testSeed;
static uint64_t rngState;

static uint64_t rnd(void) {
    rngState ^= rngState >> 12;
    rngState ^= rngState << 25;
    rngState ^= rngState >> 27;
    return rngState * 0x2545F4914F6CDD1DULL;
}

static void checkOrFail(const idtree *t) {
    const char *err = idtCheck(t);
    if (err) fail_msg("idtCheck: %s (seed %llu)", err, (unsigned long long)testSeed);
}

static streamID sid(uint64_t ms, uint64_t seq) { return (streamID){ms, seq}; }

/* Values are the ids' ms + 1 cast to pointers (never NULL). */
static void *val(streamID id) { return (void *)(uintptr_t)(id.ms * 1000 + id.seq + 1); }

static void test_emptyTree(void **state) {
    (void)state;
    idtree *t = idtNew();
    idtIter it;
    assert_int_equal(idtSize(t), 0);
    assert_null(idtFind(t, sid(1, 1)));
    assert_null(idtRemove(t, sid(1, 1)));
    assert_false(idtSeekFirst(t, &it));
    assert_false(idtSeekLast(t, &it));
    assert_false(idtSeekGE(t, &it, sid(0, 0)));
    assert_false(idtSeekLE(t, &it, STREAMID_MAX));
    checkOrFail(t);
    idtFree(t, NULL);
}

static void test_seekEdges(void **state) {
    (void)state;
    idtree *t = idtNew();
    for (uint64_t j = 1; j <= 500; j++) assert_true(idtInsert(t, sid(j * 10, 0), val(sid(j * 10, 0))));
    assert_false(idtInsert(t, sid(10, 0), val(sid(1, 1))));
    checkOrFail(t);
    idtIter it;
    assert_true(idtSeekGE(t, &it, sid(0, 0)));
    assert_int_equal(idtIterId(&it).ms, 10);
    assert_true(idtSeekGE(t, &it, sid(10, 1)));
    assert_int_equal(idtIterId(&it).ms, 20);
    assert_false(idtSeekGE(t, &it, sid(5000, 1)));
    assert_true(idtSeekLE(t, &it, sid(5000, 1)));
    assert_int_equal(idtIterId(&it).ms, 5000);
    assert_true(idtSeekLE(t, &it, sid(19, UINT64_MAX)));
    assert_int_equal(idtIterId(&it).ms, 10);
    assert_false(idtSeekLE(t, &it, sid(9, 0)));
    assert_true(idtSeekLast(t, &it));
    size_t n = 1;
    while (idtPrev(&it)) n++;
    assert_int_equal(n, 500);
    assert_true(idtSeekFirst(t, &it));
    n = 1;
    while (idtNext(&it)) n++;
    assert_int_equal(n, 500);
    idtFree(t, NULL);
}

/* Appends fill every leaf: memory stays near 24 bytes a key. */
static void test_orderedLoadPacks(void **state) {
    (void)state;
    idtree *t = idtNew();
    for (uint64_t j = 0; j < 100000; j++) idtInsert(t, sid(j / 7, j % 7), val(sid(1, 1)));
    checkOrFail(t);
    assert_true(idtMemory(t) < 100000 * 26);
    /* Draining from the head (stream trimming) keeps it valid and small. */
    for (uint64_t j = 0; j < 99990; j++) assert_non_null(idtRemove(t, sid(j / 7, j % 7)));
    checkOrFail(t);
    assert_int_equal(idtSize(t), 10);
    assert_true(idtMemory(t) < 4096);
    idtFree(t, NULL);
}

static void test_smallTreeIsSmall(void **state) {
    (void)state;
    idtree *t = idtNew();
    idtInsert(t, sid(1, 0), val(sid(1, 0)));
    idtInsert(t, sid(2, 0), val(sid(2, 0)));
    assert_true(idtMemory(t) < 128);
    idtFree(t, NULL);
}

static int cmpId(const void *a, const void *b) {
    return streamIDCompare(*(const streamID *)a, *(const streamID *)b);
}

/* Index of the first model key >= id. */
static size_t modelLower(const streamID *m, size_t n, streamID id) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (streamIDCompare(m[mid], id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void freeNothing(void *p) { (void)p; }

static void test_randomizedAgainstModel(void **state) {
    (void)state;
    const char *env = getenv("IDTREE_TEST_SEED");
    testSeed = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
    rngState = testSeed | 1;
    printf("idtree seed %llu\n", (unsigned long long)testSeed);
    idtree *t = idtNew();
    size_t cap = 50000, n = 0;
    streamID *model = malloc(sizeof(streamID) * cap);
    for (int round = 0; round < 200000; round++) {
        /* Phases bias toward growth, then shrinkage, so the tree goes up
         * and down in height several times. */
        int phase = (round / 20000) % 2;
        uint64_t r = rnd() % 100;
        streamID id = sid(rnd() % 3000, rnd() % 4);
        if (r < (phase ? 35u : 60u)) {
            size_t p = modelLower(model, n, id);
            bool present = p < n && streamIDCompare(model[p], id) == 0;
            bool added = idtInsert(t, id, val(id));
            if (added == present) fail_msg("insert disagrees (seed %llu)", (unsigned long long)testSeed);
            if (added && n < cap) {
                memmove(&model[p + 1], &model[p], sizeof(streamID) * (n - p));
                model[p] = id;
                n++;
            } else if (added) {
                idtRemove(t, id);
            }
        } else if (r < 95) {
            if (n && r % 2) id = model[rnd() % n];
            size_t p = modelLower(model, n, id);
            bool present = p < n && streamIDCompare(model[p], id) == 0;
            void *v = idtRemove(t, id);
            if ((v != NULL) != present) fail_msg("remove disagrees (seed %llu)", (unsigned long long)testSeed);
            if (present) {
                assert_ptr_equal(v, val(id));
                memmove(&model[p], &model[p + 1], sizeof(streamID) * (n - p - 1));
                n--;
            }
        } else {
            idtIter it;
            size_t p = modelLower(model, n, id);
            bool ok = idtSeekGE(t, &it, id);
            assert_int_equal(ok, p < n);
            if (ok) assert_int_equal(cmpId(&model[p], &(streamID){idtIterId(&it).ms, idtIterId(&it).seq}), 0);
            if (ok && idtNext(&it)) assert_int_equal(cmpId(&model[p + 1], &(streamID){idtIterId(&it).ms, idtIterId(&it).seq}), 0);
            /* last <= id */
            size_t q = (p < n && streamIDCompare(model[p], id) == 0) ? p + 1 : p;
            ok = idtSeekLE(t, &it, id);
            assert_int_equal(ok, q > 0);
            if (ok) assert_int_equal(cmpId(&model[q - 1], &(streamID){idtIterId(&it).ms, idtIterId(&it).seq}), 0);
            if (ok && idtPrev(&it)) assert_int_equal(cmpId(&model[q - 2], &(streamID){idtIterId(&it).ms, idtIterId(&it).seq}), 0);
        }
        if (round % 5000 == 0) {
            checkOrFail(t);
            assert_int_equal(idtSize(t), n);
            idtIter it;
            size_t k = 0;
            for (bool ok = idtSeekFirst(t, &it); ok; ok = idtNext(&it), k++)
                assert_int_equal(cmpId(&model[k], &(streamID){idtIterId(&it).ms, idtIterId(&it).seq}), 0);
            assert_int_equal(k, n);
        }
    }
    checkOrFail(t);
    idtFree(t, freeNothing);
    free(model);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_emptyTree),
        cmocka_unit_test(test_seekEdges),
        cmocka_unit_test(test_orderedLoadPacks),
        cmocka_unit_test(test_smallTreeIsSmall),
        cmocka_unit_test(test_randomizedAgainstModel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
