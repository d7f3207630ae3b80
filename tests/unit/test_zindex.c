/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for src/ds/zindex.c.  Fixed cases pin ranks and ranges at the
 * boundaries (empty, one member, ties, infinities, -0); ordered loads
 * check that leaves pack full; and a randomized run of 100,000 inserts,
 * deletes, score updates, range deletes, rank and range queries is
 * cross-checked against a naive sorted array, with zidxCheck verifying
 * the tree's invariants along the way.  The seed is printed
 * (ZINDEX_TEST_SEED replays one).
 */
#include "ds/zindex.h"

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

#include "ds/alloc.h"

static uint64_t testSeed;
static uint64_t rngState;

static uint64_t rnd(void) {
    /* xorshift64*: reproducible from the printed seed. */
    rngState ^= rngState >> 12;
    rngState ^= rngState << 25;
    rngState ^= rngState >> 27;
    return rngState * 0x2545F4914F6CDD1DULL;
}

static void checkOrFail(const zindex *zi) {
    const char *err = zidxCheck(zi);
    if (err) fail_msg("zidxCheck: %s (seed %llu)", err, (unsigned long long)testSeed);
}

static zentry *add(zindex *zi, const char *m, double s) {
    return zidxInsert(zi, m, strlen(m), s);
}

static const char *memberAt(zindex *zi, size_t rank, char *buf) {
    zidxIter it;
    if (!zidxSeek(zi, rank, &it)) return NULL;
    zentry *e = zidxIterEntry(&it);
    memcpy(buf, zentryMember(e), zentryLen(e));
    buf[zentryLen(e)] = '\0';
    return buf;
}

/* ---- fixed cases ---- */

static void test_emptyIndex(void **state) {
    (void)state;
    zindex *zi = zidxCreate();
    zidxIter it;
    assert_int_equal(zidxLen(zi), 0);
    assert_false(zidxSeek(zi, 0, &it));
    assert_null(zidxFind(zi, "a", 1));
    assert_int_equal(zidxCountBelowScore(zi, 0, true), 0);
    assert_int_equal(zidxCountBelowLex(zi, "a", 1, false), 0);
    assert_int_equal(zidxDeleteRange(zi, 0, 10), 0);
    checkOrFail(zi);
    zidxRelease(zi);
}

static void test_leaderboardOrderAndTies(void **state) {
    (void)state;
    zindex *zi = zidxCreate();
    char buf[64];
    add(zi, "alice", 1500);
    zentry *bob = add(zi, "bob", 1200);
    add(zi, "carol", 1750);
    zidxUpdateScore(zi, bob, 1500);
    /* Ties order by member bytes: alice < bob at 1500. */
    assert_string_equal(memberAt(zi, 0, buf), "alice");
    assert_string_equal(memberAt(zi, 1, buf), "bob");
    assert_string_equal(memberAt(zi, 2, buf), "carol");
    assert_int_equal(zidxRank(zi, zidxFind(zi, "carol", 5)), 2);
    assert_true(zidxFind(zi, "bob", 3)->score == 1500);
    assert_int_equal(zidxCountBelowScore(zi, 1500, false), 0);
    assert_int_equal(zidxCountBelowScore(zi, 1500, true), 2);
    assert_int_equal(zidxCountBelowScore(zi, INFINITY, true), 3);
    checkOrFail(zi);
    zidxRelease(zi);
}

static void test_infinitiesZeroAndPrefixes(void **state) {
    (void)state;
    zindex *zi = zidxCreate();
    char buf[64];
    add(zi, "inf", INFINITY);
    add(zi, "ninf", -INFINITY);
    add(zi, "negzero", -0.0);
    add(zi, "zero", 0.0);
    add(zi, "ab", 0.0);
    add(zi, "a", 0.0);
    add(zi, "", 0.0);
    /* -0 and 0 are the same score: the members decide. */
    const char *want[] = {"ninf", "", "a", "ab", "negzero", "zero", "inf"};
    for (size_t j = 0; j < 7; j++)
        assert_string_equal(memberAt(zi, j, buf), want[j]);
    assert_int_equal(zidxCountBelowScore(zi, -INFINITY, false), 0);
    assert_int_equal(zidxCountBelowScore(zi, -INFINITY, true), 1);
    assert_int_equal(zidxCountBelowScore(zi, 0, false), 1);
    assert_int_equal(zidxCountBelowScore(zi, -0.0, true), 6);
    assert_int_equal(zidxCountBelowScore(zi, INFINITY, false), 6);
    assert_int_equal(zidxCountBelowLex(zi, "a", 1, false), 2); /* "ninf" sorts after */
    assert_int_equal(zidxRank(zi, zidxFind(zi, "", 0)), 1);
    checkOrFail(zi);
    zidxRelease(zi);
}

static void test_longMembersAndBinary(void **state) {
    (void)state;
    zindex *zi = zidxCreate();
    char big[1000];
    memset(big, 'x', sizeof(big));
    zentry *e = zidxInsert(zi, big, sizeof(big), 1);
    assert_int_equal(zentryLen(e), 1000);
    assert_ptr_equal(zidxFind(zi, big, sizeof(big)), e);
    assert_null(zidxFind(zi, big, 999));
    zentry *z = zidxInsert(zi, "a\0b", 3, 1);
    assert_ptr_equal(zidxFind(zi, "a\0b", 3), z);
    assert_null(zidxFind(zi, "a", 1));
    assert_int_equal(zidxRank(zi, z), 0);
    checkOrFail(zi);
    zidxRelease(zi);
}

static void test_ascendingLoadPacksLeaves(void **state) {
    (void)state;
    zindex *zi = zidxCreate();
    char m[32];
    size_t n = 200000;
    for (size_t j = 0; j < n; j++) {
        snprintf(m, sizeof(m), "%016zu", j);
        zidxInsert(zi, m, 16, (double)j);
    }
    checkOrFail(zi);
    /* Full leaves: entries (48) + 16 per member + buckets (~8.4). */
    double perMember = (double)zidxMemory(zi) / (double)n;
    printf("ascending load: %.1f bytes per member\n", perMember);
    assert_true(perMember < 78.0);
    for (size_t r = 0; r < n; r += 9973) {
        zidxIter it;
        assert_true(zidxSeek(zi, r, &it));
        assert_true(zidxIterEntry(&it)->score == (double)r);
    }
    /* Emptying from the front keeps every invariant on the way. */
    assert_int_equal(zidxDeleteRange(zi, 0, 100000), 100000);
    checkOrFail(zi);
    assert_int_equal(zidxDeleteRange(zi, 50000, 1000000), 50000);
    checkOrFail(zi);
    assert_int_equal(zidxLen(zi), 50000);
    zidxRelease(zi);
}

static void test_randomLoadStaysUnderEightyEightBytesPerMember(void **state) {
    (void)state;
    rngState = testSeed * 7919 + 3;
    zindex *zi = zidxCreate();
    char m[32];
    size_t n = 200000;
    for (size_t j = 0; j < n; j++) {
        snprintf(m, sizeof(m), "%016zu", j);
        zidxInsert(zi, m, 16, (double)(rnd() % 1000000) / 1000.0);
    }
    checkOrFail(zi);
    /* ~70% leaf fill: entries (48) + ~23 + buckets (~10.5 at this size). */
    double perMember = (double)zidxMemory(zi) / (double)n;
    printf("random load: %.1f bytes per member\n", perMember);
    assert_true(perMember < 88.0);
    zidxRelease(zi);
}

static void test_descendingLoadAndPops(void **state) {
    (void)state;
    zindex *zi = zidxCreate();
    char m[32];
    for (int j = 20000; j > 0; j--) {
        snprintf(m, sizeof(m), "m%d", j);
        zidxInsert(zi, m, strlen(m), (double)j);
    }
    checkOrFail(zi);
    /* Pop from both ends, as ZPOPMIN/ZPOPMAX do. */
    for (int j = 0; j < 9000; j++) {
        zidxIter it;
        assert_true(zidxSeek(zi, 0, &it));
        zentry *e = zidxIterEntry(&it);
        assert_true(e->score == (double)(j + 1));
        zidxDelete(zi, e);
        assert_true(zidxSeek(zi, zidxLen(zi) - 1, &it));
        zidxDelete(zi, zidxIterEntry(&it));
    }
    checkOrFail(zi);
    assert_int_equal(zidxLen(zi), 2000);
    zidxRelease(zi);
}

static void test_iterationBothWays(void **state) {
    (void)state;
    zindex *zi = zidxCreate();
    char m[32];
    for (int j = 0; j < 5000; j++) {
        snprintf(m, sizeof(m), "k%05d", j);
        zidxInsert(zi, m, strlen(m), (double)(j % 7));
    }
    zidxIter it;
    assert_true(zidxSeek(zi, 0, &it));
    size_t n = 1;
    zentry *prev = zidxIterEntry(&it);
    while (zidxNext(&it)) {
        zentry *e = zidxIterEntry(&it);
        assert_true(prev->score < e->score || (prev->score == e->score &&
                                               memcmp(zentryMember(prev), zentryMember(e), 6) < 0));
        prev = e;
        n++;
    }
    assert_int_equal(n, 5000);
    assert_true(zidxSeek(zi, 4999, &it));
    n = 1;
    while (zidxPrev(&it))
        n++;
    assert_int_equal(n, 5000);
    zindex *copy = zidxDup(zi);
    checkOrFail(copy);
    assert_int_equal(zidxLen(copy), 5000);
    zidxRelease(copy);
    zidxRelease(zi);
}

/* ---- randomized cross-check against a sorted array ---- */

typedef struct mItem {
    double score;
    char m[12];
    size_t len;
} mItem;

typedef struct model {
    mItem *a;
    size_t n, cap;
} model;

static int mCmp(double s, const char *m, size_t len, const mItem *b) {
    if (s != b->score) return s < b->score ? -1 : 1;
    size_t min = len < b->len ? len : b->len;
    int c = memcmp(m, b->m, min);
    if (c) return c;
    return len < b->len ? -1 : len > b->len ? 1 : 0;
}

/* Index of the first item not below (s, m). */
static size_t mLower(const model *md, double s, const char *m, size_t len) {
    size_t lo = 0, hi = md->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (mCmp(s, m, len, &md->a[mid]) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t mFind(const model *md, const char *m, size_t len) {
    for (size_t j = 0; j < md->n; j++)
        if (md->a[j].len == len && memcmp(md->a[j].m, m, len) == 0) return j;
    return SIZE_MAX;
}

static void mInsert(model *md, double s, const char *m, size_t len) {
    if (md->n == md->cap) {
        md->cap = md->cap ? md->cap * 2 : 256;
        md->a = realloc(md->a, md->cap * sizeof(mItem));
    }
    size_t at = mLower(md, s, m, len);
    memmove(&md->a[at + 1], &md->a[at], (md->n - at) * sizeof(mItem));
    md->a[at].score = s;
    memcpy(md->a[at].m, m, len);
    md->a[at].len = len;
    md->n++;
}

static void mRemoveAt(model *md, size_t at, size_t k) {
    memmove(&md->a[at], &md->a[at + k], (md->n - at - k) * sizeof(mItem));
    md->n -= k;
}

static double randomScore(void) {
    switch (rnd() % 10) {
        case 0:
            return -INFINITY;
        case 1:
            return INFINITY;
        case 2:
            return (rnd() & 1) ? -0.0 : 0.0;
        case 3:
        case 4:
            return (double)(rnd() % 1000000) / 7.0 - 50000;
        default:
            return (double)(rnd() % 40);
    }
}

static size_t randomMember(char *m) {
    size_t len = rnd() % 4; /* small alphabet: many collisions and prefixes */
    for (size_t j = 0; j < len; j++)
        m[j] = (char)('a' + rnd() % 26);
    size_t extra = rnd() % 4 == 0 ? 0 : 3;
    for (size_t j = 0; j < extra; j++)
        m[len + j] = (char)('0' + rnd() % 10);
    return len + extra;
}

static void compareRange(zindex *zi, const model *md, size_t from, size_t k) {
    zidxIter it;
    if (from >= md->n) {
        assert_false(zidxSeek(zi, from, &it));
        return;
    }
    assert_true(zidxSeek(zi, from, &it));
    for (size_t j = from; j < from + k && j < md->n; j++) {
        zentry *e = zidxIterEntry(&it);
        assert_int_equal(mCmp(e->score, zentryMember(e), zentryLen(e), &md->a[j]), 0);
        if (!zidxNext(&it)) {
            assert_int_equal(j, md->n - 1);
            break;
        }
    }
}

static void test_randomAgainstModel(void **state) {
    (void)state;
    rngState = testSeed * 2654435761u + 1;
    zindex *zi = zidxCreate();
    model md = {NULL, 0, 0};
    size_t target = 3000;
    for (int op = 0; op < 100000; op++) {
        if (op % 20000 == 0) target = (size_t)(rnd() % 8000) + 10;
        char m[12];
        size_t len = randomMember(m);
        double s = randomScore();
        unsigned r = (unsigned)(rnd() % 100);
        bool grow = md.n < target;
        zentry *e = zidxFind(zi, m, len);
        size_t at = mFind(&md, m, len);
        assert_int_equal(e == NULL, at == SIZE_MAX);
        if (r < (grow ? 55u : 30u)) {
            if (e) {
                zidxUpdateScore(zi, e, s);
                mRemoveAt(&md, at, 1);
            } else {
                zidxInsert(zi, m, len, s);
            }
            mInsert(&md, s, m, len);
        } else if (r < 70 && md.n > 0) {
            /* Delete a random existing member. */
            size_t victim = (size_t)(rnd() % md.n);
            zentry *v = zidxFind(zi, md.a[victim].m, md.a[victim].len);
            assert_non_null(v);
            assert_int_equal(zidxRank(zi, v), victim);
            zidxDelete(zi, v);
            mRemoveAt(&md, victim, 1);
        } else if (r < 78 && md.n > 0) {
            /* Nudge a score: mostly in place. */
            size_t who = (size_t)(rnd() % md.n);
            mItem it = md.a[who];
            double ns = it.score + ((rnd() & 1) ? 0.5 : -0.5);
            if (isnan(ns)) ns = 0;
            zidxUpdateScore(zi, zidxFind(zi, it.m, it.len), ns);
            mRemoveAt(&md, who, 1);
            mInsert(&md, ns, it.m, it.len);
        } else if (r < 81 && md.n > 0) {
            size_t from = (size_t)(rnd() % (md.n + 5));
            size_t k = (size_t)(rnd() % 300);
            size_t got = zidxDeleteRange(zi, from, k);
            size_t want = from >= md.n ? 0 : (k < md.n - from ? k : md.n - from);
            assert_int_equal(got, want);
            if (want) mRemoveAt(&md, from, want);
        } else if (r < 90) {
            bool orEqual = rnd() & 1;
            size_t want = 0;
            while (want < md.n && (orEqual ? md.a[want].score <= s : md.a[want].score < s))
                want++;
            assert_int_equal(zidxCountBelowScore(zi, s, orEqual), want);
        } else if (r < 94 && md.n > 0) {
            size_t who = (size_t)(rnd() % md.n);
            zentry *x = zidxFind(zi, md.a[who].m, md.a[who].len);
            assert_int_equal(zidxRank(zi, x), who);
            assert_true(x->score == md.a[who].score);
        } else {
            size_t from = md.n ? (size_t)(rnd() % (md.n + 2)) : 0;
            compareRange(zi, &md, from, (size_t)(rnd() % 130));
        }
        assert_int_equal(zidxLen(zi), md.n);
        if (op % 1000 == 0) checkOrFail(zi);
    }
    checkOrFail(zi);
    compareRange(zi, &md, 0, md.n);
    /* Lex counts on an all-equal-score set, as ZRANGEBYLEX uses them. */
    zidxDeleteRange(zi, 0, zidxLen(zi));
    md.n = 0;
    for (int j = 0; j < 3000; j++) {
        char m[12];
        size_t len = randomMember(m);
        if (zidxFind(zi, m, len)) continue;
        zidxInsert(zi, m, len, 7);
        mInsert(&md, 7, m, len);
    }
    for (int j = 0; j < 2000; j++) {
        char m[12];
        size_t len = randomMember(m);
        bool orEqual = rnd() & 1;
        size_t want = 0;
        while (want < md.n) {
            const mItem *it = &md.a[want];
            size_t min = len < it->len ? len : it->len;
            int c = memcmp(it->m, m, min);
            if (!c) c = it->len < len ? -1 : it->len > len ? 1 : 0;
            if (orEqual ? c > 0 : c >= 0) break;
            want++;
        }
        assert_int_equal(zidxCountBelowLex(zi, m, len, orEqual), want);
    }
    checkOrFail(zi);
    free(md.a);
    zidxRelease(zi);
}

int main(void) {
    const char *env = getenv("ZINDEX_TEST_SEED");
    testSeed = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
    printf("test_zindex seed %llu (ZINDEX_TEST_SEED to replay)\n", (unsigned long long)testSeed);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_emptyIndex),
        cmocka_unit_test(test_leaderboardOrderAndTies),
        cmocka_unit_test(test_infinitiesZeroAndPrefixes),
        cmocka_unit_test(test_longMembersAndBinary),
        cmocka_unit_test(test_ascendingLoadPacksLeaves),
        cmocka_unit_test(test_randomLoadStaysUnderEightyEightBytesPerMember),
        cmocka_unit_test(test_descendingLoadAndPops),
        cmocka_unit_test(test_iterationBothWays),
        cmocka_unit_test(test_randomAgainstModel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
