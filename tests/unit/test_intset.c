/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for src/ds/intset.c: width upgrades at every boundary (and
 * that a wider value lands first or last), the exact blob size, removal,
 * rank, validation of corrupt blobs, and randomized cross-checks against a
 * naive model (a sorted array).  The seed is printed; set INTSET_TEST_SEED
 * to replay a run.
 */
#include "ds/intset.h"

#include <limits.h>
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

static uint64_t rngNext(void) {
    uint64_t z = (rngState += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static size_t rngBelow(size_t n) {
    return n ? (size_t)(rngNext() % n) : 0;
}

static unsigned widthNeeded(int64_t v) {
    if (v >= INT8_MIN && v <= INT8_MAX) return 1;
    if (v >= INT16_MIN && v <= INT16_MAX) return 2;
    if (v >= INT32_MIN && v <= INT32_MAX) return 4;
    return 8;
}

static void test_emptyIntset(void **state) {
    (void)state;
    intset *is = intsetNew();
    assert_int_equal(intsetLength(is), 0);
    assert_int_equal(intsetBytes(is), 5);
    assert_int_equal(intsetWidth(is), 1);
    assert_false(intsetFind(is, 0));
    assert_int_equal(intsetLowerBound(is, 5), 0);
    bool removed = true;
    is = intsetRemove(is, 3, &removed);
    assert_false(removed);
    assert_true(intsetValidate(is, intsetBytes(is), true));
    intsetFree(is);
}

static void test_tenSmallValuesTakeFifteenBytes(void **state) {
    (void)state;
    intset *is = intsetNew();
    for (int j = 9; j >= 0; j--)
        is = intsetAdd(is, j, NULL);
    assert_int_equal(intsetBytes(is), 15);
    for (uint32_t j = 0; j < 10; j++)
        assert_true(intsetGet(is, j) == (int64_t)j);
    intsetFree(is);
}

typedef struct upgradeCase {
    int64_t v;
    unsigned width;
} upgradeCase;

static void test_widthUpgradesAtEachBoundary(void **state) {
    (void)state;
    static const upgradeCase cases[] = {
        {127, 1},
        {-128, 1},
        {128, 2},
        {-129, 2},
        {32767, 2},
        {-32768, 2},
        {32768, 4},
        {-32769, 4},
        {INT32_MAX, 4},
        {INT32_MIN, 4},
        {(int64_t)INT32_MAX + 1, 8},
        {(int64_t)INT32_MIN - 1, 8},
        {INT64_MAX, 8},
        {INT64_MIN, 8},
    };
    for (size_t j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
        intset *is = intsetNew();
        is = intsetAdd(is, 5, NULL);
        is = intsetAdd(is, -7, NULL);
        is = intsetAdd(is, 100, NULL);
        bool added = false;
        is = intsetAdd(is, cases[j].v, &added);
        assert_true(added);
        assert_int_equal(intsetWidth(is), cases[j].width);
        assert_int_equal(intsetBytes(is), 5 + 4 * cases[j].width);
        assert_int_equal(intsetLength(is), 4);
        /* Still sorted, with the new value at its place. */
        for (uint32_t k = 1; k < 4; k++)
            assert_true(intsetGet(is, k - 1) < intsetGet(is, k));
        assert_true(intsetFind(is, cases[j].v));
        assert_true(intsetFind(is, -7) && intsetFind(is, 5) && intsetFind(is, 100));
        is = intsetAdd(is, cases[j].v, &added);
        assert_false(added);
        /* Removing the wide value keeps the width (as Redis). */
        bool removed = false;
        is = intsetRemove(is, cases[j].v, &removed);
        assert_true(removed);
        assert_int_equal(intsetWidth(is), cases[j].width);
        assert_false(intsetFind(is, cases[j].v));
        assert_true(intsetValidate(is, intsetBytes(is), true));
        intsetFree(is);
    }
}

static void test_findOfAValueWiderThanTheSetIsFalse(void **state) {
    (void)state;
    intset *is = intsetAdd(intsetNew(), 1, NULL);
    assert_false(intsetFind(is, 1LL << 40));
    assert_false(intsetFind(is, INT64_MIN));
    bool removed = true;
    is = intsetRemove(is, 1LL << 40, &removed);
    assert_false(removed);
    intsetFree(is);
}

static void test_removeAtAndLowerBound(void **state) {
    (void)state;
    intset *is = intsetNew();
    for (int j = 0; j < 10; j++)
        is = intsetAdd(is, j * 10, NULL);
    assert_int_equal(intsetLowerBound(is, -5), 0);
    assert_int_equal(intsetLowerBound(is, 0), 0);
    assert_int_equal(intsetLowerBound(is, 1), 1);
    assert_int_equal(intsetLowerBound(is, 90), 9);
    assert_int_equal(intsetLowerBound(is, 91), 10);
    is = intsetRemoveAt(is, 0);
    is = intsetRemoveAt(is, 8);
    assert_int_equal(intsetLength(is), 8);
    assert_true(intsetGet(is, 0) == 10);
    assert_true(intsetGet(is, 7) == 80);
    intset *d = intsetDup(is);
    assert_memory_equal(d, is, intsetBytes(is));
    intsetFree(d);
    intsetFree(is);
}

static void test_removePositionsInOnePass(void **state) {
    (void)state;
    rngState = testSeed ^ 0x77;
    for (int round = 0; round < 200; round++) {
        uint32_t n = (uint32_t)rngBelow(60);
        intset *is = intsetNew();
        for (uint32_t j = 0; j < n; j++)
            is = intsetAdd(is, (int64_t)j * 1000 - 20000, NULL);
        uint32_t pos[60], k = 0;
        bool gone[60] = {false};
        for (uint32_t j = 0; j < n; j++)
            if (rngBelow(3) == 0) {
                pos[k++] = j;
                gone[j] = true;
            }
        is = intsetRemovePositions(is, pos, k);
        assert_int_equal(intsetLength(is), n - k);
        assert_int_equal(intsetBytes(is), 5 + intsetWidth(is) * (n - k));
        uint32_t at = 0;
        for (uint32_t j = 0; j < n; j++) {
            if (gone[j]) continue;
            if (intsetGet(is, at++) != (int64_t)j * 1000 - 20000)
                fail_msg("seed %llu: wrong survivor", (unsigned long long)testSeed);
        }
        assert_true(intsetValidate(is, intsetBytes(is), true));
        intsetFree(is);
    }
}

static void test_randomOperationsMatchModel(void **state) {
    (void)state;
    rngState = testSeed;
    for (int round = 0; round < 60; round++) {
        int64_t *model = NULL;
        size_t n = 0, cap = 0;
        unsigned maxWidth = 1;
        intset *is = intsetNew();
        /* Values from a range that changes per round, so some rounds stay
         * narrow and others upgrade mid-way. */
        int shift = (int)rngBelow(64);
        int ops = 100 + (int)rngBelow(500);
        for (int op = 0; op < ops; op++) {
            int64_t v = (int64_t)(rngNext() >> shift) * (rngBelow(2) ? 1 : -1);
            if (rngBelow(10) == 0 && n) v = model[rngBelow(n)];
            size_t pos = 0;
            while (pos < n && model[pos] < v)
                pos++;
            bool present = pos < n && model[pos] == v;
            switch (rngBelow(4)) {
                case 0:
                case 1: {
                    bool added;
                    is = intsetAdd(is, v, &added);
                    assert_int_equal(added, !present);
                    if (!present) {
                        if (n == cap) {
                            cap = cap ? cap * 2 : 16;
                            model = realloc(model, cap * sizeof(int64_t));
                        }
                        memmove(model + pos + 1, model + pos, (n - pos) * sizeof(int64_t));
                        model[pos] = v;
                        n++;
                        if (widthNeeded(v) > maxWidth) maxWidth = widthNeeded(v);
                    }
                    break;
                }
                case 2: {
                    bool removed;
                    is = intsetRemove(is, v, &removed);
                    assert_int_equal(removed, present);
                    if (present) {
                        memmove(model + pos, model + pos + 1, (n - pos - 1) * sizeof(int64_t));
                        n--;
                    }
                    break;
                }
                default:
                    assert_int_equal(intsetFind(is, v), present);
                    assert_int_equal(intsetLowerBound(is, v), pos);
            }
            if (intsetLength(is) != n)
                fail_msg("seed %llu: length differs", (unsigned long long)testSeed);
        }
        assert_int_equal(intsetWidth(is), maxWidth);
        assert_int_equal(intsetBytes(is), 5 + maxWidth * n);
        for (size_t j = 0; j < n; j++)
            if (intsetGet(is, (uint32_t)j) != model[j])
                fail_msg("seed %llu: value %zu differs", (unsigned long long)testSeed, j);
        assert_true(intsetValidate(is, intsetBytes(is), true));
        intsetFree(is);
        free(model);
    }
}

static void test_validateRejectsCorruptBlobs(void **state) {
    (void)state;
    intset *is = intsetNew();
    for (int j = 0; j < 6; j++)
        is = intsetAdd(is, j * 1000, NULL); /* width 2 */
    size_t size = intsetBytes(is);
    assert_true(intsetValidate(is, size, true));
    for (size_t cut = 0; cut < size; cut++) {
        unsigned char *b = malloc(cut ? cut : 1);
        memcpy(b, is, cut);
        assert_false(intsetValidate(b, cut, true));
        free(b);
    }
    unsigned char *b = malloc(size);
    /* Unknown width. */
    memcpy(b, is, size);
    b[0] = 3;
    assert_false(intsetValidate(b, size, false));
    /* Count too large for the size (and a huge count that would overflow
     * a 32-bit multiplication). */
    memcpy(b, is, size);
    b[1] = 7;
    assert_false(intsetValidate(b, size, false));
    memcpy(b, is, size);
    b[0] = 8;
    b[1] = b[2] = b[3] = b[4] = 0xFF;
    assert_false(intsetValidate(b, size, false));
    /* Out of order, and a duplicate: only the deep check sees them. */
    memcpy(b, is, size);
    b[5] = 0xFF;
    b[6] = 0x7F; /* first value 32767 > second */
    assert_true(intsetValidate(b, size, false));
    assert_false(intsetValidate(b, size, true));
    memcpy(b, is, size);
    memcpy(b + 7, b + 5, 2);
    assert_false(intsetValidate(b, size, true));
    free(b);
    assert_false(intsetValidate(NULL, 0, false));
    intsetFree(is);
}

int main(void) {
    const char *env = getenv("INTSET_TEST_SEED");
    testSeed = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
    printf("test_intset seed %llu (INTSET_TEST_SEED to replay)\n", (unsigned long long)testSeed);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_emptyIntset),
        cmocka_unit_test(test_tenSmallValuesTakeFifteenBytes),
        cmocka_unit_test(test_widthUpgradesAtEachBoundary),
        cmocka_unit_test(test_findOfAValueWiderThanTheSetIsFalse),
        cmocka_unit_test(test_removeAtAndLowerBound),
        cmocka_unit_test(test_removePositionsInOnePass),
        cmocka_unit_test(test_randomOperationsMatchModel),
        cmocka_unit_test(test_validateRejectsCorruptBlobs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
