/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for src/ds/zpack.c: order and ties, -0 stored as 0, long
 * (multi-byte length) and binary members, positions and range deletes,
 * and a randomized cross-check of inserts, deletes and range deletes
 * against a naive sorted array.  The seed is printed (ZPACK_TEST_SEED
 * replays one).
 */
#include "ds/zpack.h"

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

static const char *memberAt(const zpack *zp, size_t rank, char *buf, double *score) {
    size_t pos = zpSeek(zp, rank);
    if (pos >= zpEnd(zp)) return NULL;
    const char *m;
    size_t len;
    zpRead(zp, pos, &m, &len, score);
    memcpy(buf, m, len);
    buf[len] = '\0';
    return buf;
}

static zpack *add(zpack *zp, const char *m, double s) { return zpInsert(zp, m, strlen(m), s); }

static void test_orderTiesAndLookups(void **state) {
    (void)state;
    zpack *zp = zpNew();
    char buf[64];
    double s;
    assert_int_equal(zpLen(zp), 0);
    assert_int_equal(zpFirst(zp), zpEnd(zp));
    zp = add(zp, "carol", 1750);
    zp = add(zp, "bob", 1500);
    zp = add(zp, "alice", 1500);
    zp = add(zp, "inf", INFINITY);
    zp = add(zp, "ninf", -INFINITY);
    zp = add(zp, "", 1500);
    const char *want[] = {"ninf", "", "alice", "bob", "carol", "inf"};
    for (size_t j = 0; j < 6; j++) assert_string_equal(memberAt(zp, j, buf, &s), want[j]);
    assert_null(memberAt(zp, 6, buf, &s));
    size_t rank;
    assert_true(zpFind(zp, "bob", 3, &s, &rank) != 0);
    assert_true(s == 1500);
    assert_int_equal(rank, 3);
    assert_int_equal(zpFind(zp, "bo", 2, NULL, NULL), 0);
    uint32_t pos[6];
    assert_int_equal(zpPositions(zp, pos), 6);
    assert_int_equal(pos[0], zpFirst(zp));
    assert_int_equal(pos[3], zpSeek(zp, 3));
    zpFree(zp);
}

static void test_negativeZeroIsStoredAsZero(void **state) {
    (void)state;
    zpack *zp = zpNew();
    zp = zpInsert(zp, "z", 1, -0.0);
    double s = 1;
    assert_true(zpFind(zp, "z", 1, &s, NULL) != 0);
    assert_true(s == 0 && !signbit(s));
    zpFree(zp);
}

static void test_longAndBinaryMembers(void **state) {
    (void)state;
    zpack *zp = zpNew();
    char big[70000];
    memset(big, 'q', sizeof(big));
    zp = zpInsert(zp, big, sizeof(big), 2);
    zp = zpInsert(zp, "a\0b", 3, 2);
    zp = zpInsert(zp, "a", 1, 2);
    const char *m;
    size_t len;
    size_t pos = zpRead(zp, zpFirst(zp), &m, &len, NULL);
    assert_int_equal(len, 1);
    pos = zpRead(zp, pos, &m, &len, NULL);
    assert_int_equal(len, 3);
    assert_memory_equal(m, "a\0b", 3);
    zpRead(zp, pos, &m, &len, NULL);
    assert_int_equal(len, sizeof(big));
    assert_true(zpBytes(zp) == ZP_HEADER + 3 * 8 + 1 + 1 + 3 + 1 + 3 + sizeof(big));
    zpack *copy = zpDup(zp);
    assert_memory_equal(copy, zp, zpBytes(zp));
    zpFree(copy);
    zp = zpDeleteRange(zp, 1, 10);
    assert_int_equal(zpLen(zp), 1);
    assert_true(zpSafeToAdd(zp, 100));
    assert_false(zpSafeToAdd(zp, ZP_MAX_BYTES));
    zpFree(zp);
}

typedef struct item {
    double s;
    char m[8];
    size_t len;
} item;

static int cmpItem(double s, const char *m, size_t len, const item *b) {
    if (s != b->s) return s < b->s ? -1 : 1;
    size_t min = len < b->len ? len : b->len;
    int c = memcmp(m, b->m, min);
    if (c) return c;
    return len < b->len ? -1 : len > b->len ? 1 : 0;
}

static void test_randomAgainstModel(void **state) {
    (void)state;
    srandom((unsigned)testSeed);
    zpack *zp = zpNew();
    item model[400];
    size_t n = 0;
    for (int op = 0; op < 20000; op++) {
        int r = (int)(random() % 100);
        char m[8];
        size_t len = (size_t)(random() % 4);
        for (size_t j = 0; j < len; j++) m[j] = (char)('a' + random() % 3);
        double s = (double)(random() % 5) - 2;
        size_t at = n;
        for (size_t j = 0; j < n; j++)
            if (model[j].len == len && memcmp(model[j].m, m, len) == 0) at = j;
        if (r < 50 && at == n && n < 400) {
            zp = zpInsert(zp, m, len, s);
            size_t k = 0;
            while (k < n && cmpItem(s, m, len, &model[k]) > 0) k++;
            memmove(&model[k + 1], &model[k], (n - k) * sizeof(item));
            model[k].s = s;
            memcpy(model[k].m, m, len);
            model[k].len = len;
            n++;
        } else if (r < 80 && at < n) {
            size_t rank;
            size_t pos = zpFind(zp, m, len, NULL, &rank);
            assert_true(pos != 0);
            assert_int_equal(rank, at);
            zp = zpDeleteAt(zp, pos);
            memmove(&model[at], &model[at + 1], (n - at - 1) * sizeof(item));
            n--;
        } else if (r < 85 && n > 0) {
            size_t from = (size_t)random() % (n + 2), k = (size_t)random() % 5;
            zp = zpDeleteRange(zp, from, k);
            if (from < n) {
                if (k > n - from) k = n - from;
                memmove(&model[from], &model[from + k], (n - from - k) * sizeof(item));
                n -= k;
            }
        }
        assert_int_equal(zpLen(zp), n);
        if (op % 50 == 0) {
            size_t pos = zpFirst(zp), j = 0;
            while (pos < zpEnd(zp)) {
                const char *em;
                size_t el;
                double es;
                pos = zpRead(zp, pos, &em, &el, &es);
                assert_int_equal(cmpItem(es, em, el, &model[j]), 0);
                j++;
            }
            assert_int_equal(j, n);
        }
    }
    zpFree(zp);
}

int main(void) {
    const char *env = getenv("ZPACK_TEST_SEED");
    testSeed = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
    printf("test_zpack seed %llu (ZPACK_TEST_SEED to replay)\n", (unsigned long long)testSeed);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orderTiesAndLookups),
        cmocka_unit_test(test_negativeZeroIsStoredAsZero),
        cmocka_unit_test(test_longAndBinaryMembers),
        cmocka_unit_test(test_randomAgainstModel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
