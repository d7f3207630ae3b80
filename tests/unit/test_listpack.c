/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for src/ds/listpack.c: every integer and string encoding at
 * its boundaries, header varints crossing 128 and 16384, pair helpers,
 * randomized cross-checks of every operation against a naive model (an
 * array of byte strings), and validation of truncated, mutated and random
 * blobs (which must be rejected or at least never read out of bounds; run
 * under ASan to see the latter).  The seed is printed; set
 * LISTPACK_TEST_SEED to replay a run.
 */
#include "ds/listpack.h"

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

#include "ds/alloc.h"
#include "ds/numfmt.h"

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

/* ---- a naive model: an array of owned byte strings ---- */

typedef struct str {
    char *p;
    size_t len;
} str;

typedef struct model {
    str *v;
    size_t n, cap;
} model;

static void modelInsert(model *m, size_t at, const char *p, size_t len) {
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->v = realloc(m->v, m->cap * sizeof(str));
    }
    memmove(m->v + at + 1, m->v + at, (m->n - at) * sizeof(str));
    m->v[at].p = malloc(len ? len : 1);
    memcpy(m->v[at].p, p, len);
    m->v[at].len = len;
    m->n++;
}

static void modelDelete(model *m, size_t at, size_t count) {
    if (at + count > m->n) count = m->n - at;
    for (size_t j = at; j < at + count; j++)
        free(m->v[j].p);
    memmove(m->v + at, m->v + at + count, (m->n - at - count) * sizeof(str));
    m->n -= count;
}

static void modelFree(model *m) {
    modelDelete(m, 0, m->n);
    free(m->v);
}

/* Fails with the seed when the listpack's contents differ from the model's,
 * checked forwards, backwards, by seek and by offsets. */
static void checkSame(listpack *lp, const model *m) {
    unsigned char buf[LP_INTBUF_SIZE];
    if (lpLength(lp) != m->n)
        fail_msg("seed %llu: length %zu, want %zu", (unsigned long long)testSeed, lpLength(lp),
                 m->n);
    if (!lpValidate(lp, lpBytes(lp), NULL, NULL))
        fail_msg("seed %llu: own blob fails validation", (unsigned long long)testSeed);
    size_t j = 0;
    for (unsigned char *p = lpFirst(lp); p; p = lpNext(lp, p), j++) {
        size_t len;
        const unsigned char *s = lpGetStr(p, &len, buf);
        if (j >= m->n || len != m->v[j].len || memcmp(s, m->v[j].p, len) != 0)
            fail_msg("seed %llu: entry %zu differs", (unsigned long long)testSeed, j);
        if (!lpEntryEquals(p, m->v[j].p, m->v[j].len))
            fail_msg("seed %llu: lpEntryEquals false at %zu", (unsigned long long)testSeed, j);
    }
    assert_int_equal(j, m->n);
    /* Backwards through lpPrev is O(n^2): only for small ones. */
    if (m->n <= 64) {
        j = m->n;
        for (unsigned char *p = lpLast(lp); p; p = lpPrev(lp, p)) {
            size_t len;
            const unsigned char *s = lpGetStr(p, &len, buf);
            j--;
            assert_int_equal(len, m->v[j].len);
            assert_memory_equal(s, m->v[j].p, len);
        }
        assert_int_equal(j, 0);
    }
    uint32_t *offs = malloc((m->n + 1) * sizeof(uint32_t));
    assert_int_equal(lpEntryOffsets(lp, offs), m->n);
    for (size_t k = 0; k < m->n; k++) {
        size_t len;
        const unsigned char *s = lpGetStr(lp + offs[m->n - 1 - k], &len, buf);
        assert_int_equal(len, m->v[m->n - 1 - k].len);
        assert_memory_equal(s, m->v[m->n - 1 - k].p, len);
    }
    free(offs);
    if (m->n) {
        size_t k = rngBelow(m->n);
        unsigned char *p = lpSeek(lp, (long long)k);
        assert_non_null(p);
        assert_int_equal(lpIndexOf(lp, p), k);
        assert_ptr_equal(lpSeek(lp, (long long)k - (long long)m->n), p);
    }
    assert_null(lpSeek(lp, (long long)m->n));
    assert_null(lpSeek(lp, -(long long)m->n - 1));
}

/* A random value: integers near every encoding boundary, near-integers
 * that must stay strings, and strings of every length class. */
static size_t randomValue(char *buf, size_t cap) {
    static const long long edges[] = {0,         127,
                                      128,       -1,
                                      -4096,     -4097,
                                      4095,      4096,
                                      32767,     32768,
                                      -32768,    -32769,
                                      8388607,   8388608,
                                      -8388608,  -8388609,
                                      INT32_MAX, (long long)INT32_MAX + 1,
                                      INT32_MIN, (long long)INT32_MIN - 1,
                                      LLONG_MAX, LLONG_MIN};
    switch (rngBelow(8)) {
        case 0: {
            long long v = edges[rngBelow(sizeof(edges) / sizeof(edges[0]))];
            return numLLToStr(buf, cap, v);
        }
        case 1:
            return numLLToStr(buf, cap, (long long)rngNext());
        case 2:
            return numLLToStr(buf, cap, (long long)rngBelow(300) - 150);
        case 3: {
            static const char *odd[] = {"012",
                                        "-0",
                                        "+1",
                                        " 1",
                                        "1 ",
                                        "",
                                        "00",
                                        "-",
                                        "9223372036854775808",
                                        "-9223372036854775809",
                                        "1.5",
                                        "0x10"};
            const char *s = odd[rngBelow(sizeof(odd) / sizeof(odd[0]))];
            size_t l = strlen(s);
            memcpy(buf, s, l);
            return l;
        }
        default: {
            static const size_t lens[] = {0, 1, 5, 63, 64, 65, 200, 4095, 4096, 5000};
            size_t l = rngBelow(4) ? rngBelow(30) : lens[rngBelow(sizeof(lens) / sizeof(lens[0]))];
            if (l > cap) l = cap;
            for (size_t j = 0; j < l; j++)
                buf[j] = (char)('a' + rngBelow(26));
            if (l && rngBelow(4) == 0) buf[0] = (char)rngBelow(256); /* binary */
            return l;
        }
    }
}

/* ---- fixed cases ---- */

static void test_emptyListpack(void **state) {
    (void)state;
    listpack *lp = lpNew();
    assert_int_equal(lpLength(lp), 0);
    assert_int_equal(lpBytes(lp), 2);
    assert_null(lpFirst(lp));
    assert_null(lpLast(lp));
    assert_null(lpSeek(lp, 0));
    assert_null(lpSeek(lp, -1));
    assert_null(lpFind(lp, lpFirst(lp), "x", 1, 0));
    assert_true(lpValidate(lp, lpBytes(lp), NULL, NULL));
    listpack *d = lpDup(lp);
    assert_memory_equal(d, lp, 2);
    lpFree(d);
    lpFree(lp);
}

typedef struct sizeCase {
    long long v;
    size_t bytes;
} sizeCase;

static void test_integerEncodingsAtEachBoundary(void **state) {
    (void)state;
    static const sizeCase cases[] = {
        {0, 1},
        {127, 1},
        {128, 2},
        {-1, 2},
        {4095, 2},
        {-4096, 2},
        {4096, 3},
        {-4097, 3},
        {32767, 3},
        {-32768, 3},
        {32768, 4},
        {-32769, 4},
        {8388607, 4},
        {-8388608, 4},
        {8388608, 5},
        {-8388609, 5},
        {INT32_MAX, 5},
        {INT32_MIN, 5},
        {(long long)INT32_MAX + 1, 9},
        {(long long)INT32_MIN - 1, 9},
        {LLONG_MAX, 9},
        {LLONG_MIN, 9},
    };
    for (size_t j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
        char text[32];
        size_t tl = numLLToStr(text, sizeof(text), cases[j].v);
        listpack *lp = lpAppend(lpNew(), text, tl);
        lp = lpAppendInt(lp, cases[j].v);
        assert_int_equal(lpBytes(lp), 2 + 2 * cases[j].bytes);
        assert_int_equal(lpEncodedSize(text, tl), cases[j].bytes);
        for (unsigned char *p = lpFirst(lp); p; p = lpNext(lp, p)) {
            size_t len;
            long long v = 0;
            assert_null(lpGet(p, &len, &v));
            assert_true(v == cases[j].v);
            assert_int_equal(lpEntrySize(p), cases[j].bytes);
            assert_true(lpEntryEquals(p, text, tl));
        }
        assert_ptr_equal(lpFind(lp, lpFirst(lp), text, tl, 0), lpFirst(lp));
        lpFree(lp);
    }
}

static void test_stringEncodingsAtEachBoundary(void **state) {
    (void)state;
    static const size_t lens[] = {0, 1, 63, 64, 4095, 4096, 70000};
    static const size_t hdr[] = {1, 1, 1, 2, 2, 5, 5};
    char *s = malloc(70000);
    for (size_t j = 0; j < 70000; j++)
        s[j] = (char)('a' + j % 26);
    for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
        listpack *lp = lpAppend(lpNew(), s, lens[j]);
        unsigned char *p = lpFirst(lp);
        size_t len;
        long long v;
        const unsigned char *got = lpGet(p, &len, &v);
        assert_non_null(got);
        assert_int_equal(len, lens[j]);
        assert_memory_equal(got, s, len);
        assert_int_equal(lpEntrySize(p), hdr[j] + lens[j]);
        assert_true(lpValidate(lp, lpBytes(lp), NULL, NULL));
        lpFree(lp);
    }
    free(s);
}

static void test_nearIntegersStayStrings(void **state) {
    (void)state;
    static const char *odd[] = {"012", "-0", "+1", " 1", "1 ", "00", "-", "9223372036854775808",
                                "1e3"};
    for (size_t j = 0; j < sizeof(odd) / sizeof(odd[0]); j++) {
        listpack *lp = lpAppend(lpNew(), odd[j], strlen(odd[j]));
        size_t len;
        long long v;
        const unsigned char *s = lpGet(lpFirst(lp), &len, &v);
        assert_non_null(s);
        assert_int_equal(len, strlen(odd[j]));
        assert_memory_equal(s, odd[j], len);
        /* "012" must not find the integer 12 and vice versa. */
        lp = lpAppend(lp, "12", 2);
        assert_ptr_equal(lpFind(lp, lpFirst(lp), odd[j], strlen(odd[j]), 0), lpFirst(lp));
        lpFree(lp);
    }
    listpack *lp = lpAppend(lpNew(), "012", 3);
    assert_null(lpFind(lp, lpFirst(lp), "12", 2, 0));
    lpFree(lp);
}

static void test_headerVarintsGrowAndShrink(void **state) {
    (void)state;
    /* Body length crossing 127/128 and 16383/16384, count crossing 127/128:
     * the header changes size and the entries must move with it. */
    model m = {0};
    listpack *lp = lpNew();
    char one = 'x';
    for (int j = 0; j < 300; j++) {
        lp = lpAppend(lp, &one, 1); /* 2 bytes per entry */
        modelInsert(&m, m.n, &one, 1);
        if (j == 62 || j == 63 || j == 64 || j == 126 || j == 127 || j == 128) checkSame(lp, &m);
    }
    checkSame(lp, &m);
    char *big = malloc(20000);
    memset(big, 'b', 20000);
    for (size_t l = 16370; l < 16400; l++) {
        listpack *t = lpPrepend(lpNew(), big, l - 5);
        t = lpPrepend(t, "ab", 2);
        assert_true(lpValidate(t, lpBytes(t), NULL, NULL));
        assert_int_equal(lpLength(t), 2);
        size_t len;
        long long v;
        assert_int_equal(lpGet(lpLast(t), &len, &v)[0], 'b');
        assert_int_equal(len, l - 5);
        t = lpDelete(t, lpFirst(t), NULL);
        assert_true(lpValidate(t, lpBytes(t), NULL, NULL));
        lpFree(t);
    }
    free(big);
    while (m.n) {
        unsigned char *next;
        lp = lpDelete(lp, lpFirst(lp), &next);
        modelDelete(&m, 0, 1);
        assert_true(m.n ? next == lpFirst(lp) : next == NULL);
        if (m.n == 127 || m.n == 128 || m.n == 63 || m.n == 64) checkSame(lp, &m);
    }
    assert_int_equal(lpBytes(lp), 2);
    lpFree(lp);
    modelFree(&m);
}

static void test_pairsAndFindWithSkip(void **state) {
    (void)state;
    listpack *lp = lpNew();
    /* Values equal to later fields must not be found when skipping them. */
    lp = lpAppendPair(lp, "a", 1, "b", 1);
    lp = lpAppendPair(lp, "b", 1, "1", 1);
    lp = lpAppendPair(lp, "1", 1, "c", 1);
    assert_int_equal(lpLength(lp), 6);
    unsigned char *p = lpFind(lp, lpFirst(lp), "b", 1, 1);
    assert_int_equal(lpIndexOf(lp, p), 2);
    p = lpFind(lp, lpFirst(lp), "1", 1, 1);
    assert_int_equal(lpIndexOf(lp, p), 4);
    assert_null(lpFind(lp, lpFirst(lp), "c", 1, 1));
    assert_non_null(lpFind(lp, lpFirst(lp), "c", 1, 0));
    /* Insert a pair in the middle and delete one. */
    unsigned char *np;
    lp = lpInsertPair(lp, lpSeek(lp, 2), "m", 1, "12345", 5, &np);
    assert_int_equal(lpIndexOf(lp, np), 2);
    assert_true(lpEntryEquals(lpSeek(lp, 3), "12345", 5));
    unsigned char *next;
    lp = lpDeleteRange(lp, lpSeek(lp, 0), 2, &next);
    assert_ptr_equal(next, lpFirst(lp));
    assert_true(lpEntryEquals(lpFirst(lp), "m", 1));
    /* Replace a value in place (same size) and with a different size. */
    p = lpSeek(lp, 1);
    lp = lpReplace(lp, &p, "54321", 5);
    assert_true(lpEntryEquals(p, "54321", 5));
    lp = lpReplace(lp, &p, "a much longer value than before", 31);
    assert_true(lpEntryEquals(p, "a much longer value than before", 31));
    assert_true(lpEntryEquals(lpNext(lp, p), "b", 1));
    lp = lpReplaceInt(lp, &p, -70000);
    assert_true(lpEntryEquals(p, "-70000", 6));
    /* Deleting past the end stops at the end. */
    lp = lpDeleteRange(lp, lpSeek(lp, 4), 100, &next);
    assert_null(next);
    assert_int_equal(lpLength(lp), 4);
    assert_true(lpValidate(lp, lpBytes(lp), NULL, NULL));
    lpFree(lp);
}

/* ---- randomized cross-check ---- */

static void test_randomOperationsMatchModel(void **state) {
    (void)state;
    rngState = testSeed;
    char *buf = malloc(8192);
    for (int round = 0; round < 40; round++) {
        model m = {0};
        listpack *lp = lpNew();
        int ops = 50 + (int)rngBelow(400);
        for (int op = 0; op < ops; op++) {
            size_t len = randomValue(buf, 8192);
            switch (rngBelow(9)) {
                case 0:
                case 1:
                    lp = lpAppend(lp, buf, len);
                    modelInsert(&m, m.n, buf, len);
                    break;
                case 2:
                    lp = lpPrepend(lp, buf, len);
                    modelInsert(&m, 0, buf, len);
                    break;
                case 3: {
                    size_t at = rngBelow(m.n + 1);
                    unsigned char *np;
                    lp = lpInsert(lp, at < m.n ? lpSeek(lp, (long long)at) : NULL, buf, len, &np);
                    modelInsert(&m, at, buf, len);
                    assert_int_equal(lpIndexOf(lp, np), at);
                    break;
                }
                case 4: {
                    if (!m.n) break;
                    size_t at = rngBelow(m.n);
                    unsigned char *next;
                    lp = lpDelete(lp, lpSeek(lp, (long long)at), &next);
                    modelDelete(&m, at, 1);
                    if (at < m.n)
                        assert_int_equal(lpIndexOf(lp, next), at);
                    else
                        assert_null(next);
                    break;
                }
                case 5: {
                    if (!m.n) break;
                    size_t at = rngBelow(m.n), cnt = rngBelow(6);
                    lp = lpDeleteRange(lp, lpSeek(lp, (long long)at), cnt, NULL);
                    modelDelete(&m, at, cnt);
                    break;
                }
                case 6: {
                    if (!m.n) break;
                    size_t at = rngBelow(m.n);
                    unsigned char *p = lpSeek(lp, (long long)at);
                    lp = lpReplace(lp, &p, buf, len);
                    assert_int_equal(lpIndexOf(lp, p), at);
                    modelDelete(&m, at, 1);
                    modelInsert(&m, at, buf, len);
                    break;
                }
                case 7: {
                    if (!m.n) break;
                    /* Find an existing value: the model's first match. */
                    size_t at = rngBelow(m.n);
                    size_t first = 0;
                    while (m.v[first].len != m.v[at].len ||
                           memcmp(m.v[first].p, m.v[at].p, m.v[at].len) != 0)
                        first++;
                    unsigned char *p = lpFind(lp, lpFirst(lp), m.v[at].p, m.v[at].len, 0);
                    assert_non_null(p);
                    assert_int_equal(lpIndexOf(lp, p), first);
                    break;
                }
                default: {
                    /* Find a random value: present exactly when the model has it. */
                    bool want = false;
                    for (size_t j = 0; j < m.n && !want; j++)
                        want = m.v[j].len == len && memcmp(m.v[j].p, buf, len) == 0;
                    assert_int_equal(lpFind(lp, lpFirst(lp), buf, len, 0) != NULL, want);
                    break;
                }
            }
            if (op % 16 == 0) checkSame(lp, &m);
        }
        checkSame(lp, &m);
        listpack *d = lpDup(lp);
        checkSame(d, &m);
        lpFree(d);
        lpFree(lp);
        modelFree(&m);
    }
    free(buf);
}

/* ---- validation ---- */

static bool rejectStrings(const unsigned char *p, void *priv) {
    size_t len;
    long long v;
    (*(int *)priv)++;
    return lpGet(p, &len, &v) == NULL;
}

static listpack *sampleListpack(void) {
    listpack *lp = lpNew();
    lp = lpAppend(lp, "field", 5);
    lp = lpAppendInt(lp, 100);
    lp = lpAppendInt(lp, -3000);
    lp = lpAppendInt(lp, 1LL << 40);
    char mid[100];
    memset(mid, 'm', sizeof(mid));
    lp = lpAppend(lp, mid, sizeof(mid));
    lp = lpAppendInt(lp, 70000);
    lp = lpAppend(lp, "", 0);
    return lp;
}

static void test_validateAcceptsOwnBlobsAndCallsCheck(void **state) {
    (void)state;
    listpack *lp = sampleListpack();
    assert_true(lpValidate(lp, lpBytes(lp), NULL, NULL));
    int calls = 0;
    assert_false(lpValidate(lp, lpBytes(lp), rejectStrings, &calls));
    assert_int_equal(calls, 1);
    listpack *ints = lpAppendInt(lpAppendInt(lpNew(), 1), 2);
    calls = 0;
    assert_true(lpValidate(ints, lpBytes(ints), rejectStrings, &calls));
    assert_int_equal(calls, 2);
    lpFree(ints);
    lpFree(lp);
}

static void test_validateRejectsTruncatedAndPaddedBlobs(void **state) {
    (void)state;
    listpack *lp = sampleListpack();
    size_t size = lpBytes(lp);
    for (size_t cut = 0; cut < size; cut++) {
        /* A fresh copy of exactly 'cut' bytes, so ASan sees any overread. */
        unsigned char *b = malloc(cut ? cut : 1);
        memcpy(b, lp, cut);
        assert_false(lpValidate(b, cut, NULL, NULL));
        free(b);
    }
    unsigned char *padded = malloc(size + 1);
    memcpy(padded, lp, size);
    padded[size] = 0;
    assert_false(lpValidate(padded, size + 1, NULL, NULL));
    free(padded);
    assert_false(lpValidate(NULL, 0, NULL, NULL));
    lpFree(lp);
}

static void test_validateRejectsBadHeadersAndEntries(void **state) {
    (void)state;
    /* Count says 2, one entry present. */
    unsigned char a[] = {1, 2, 5};
    assert_false(lpValidate(a, sizeof(a), NULL, NULL));
    /* Invalid entry byte 0xF5. */
    unsigned char b[] = {1, 1, 0xF5};
    assert_false(lpValidate(b, sizeof(b), NULL, NULL));
    /* String length running past the end. */
    unsigned char c[] = {3, 1, 0x85, 'a', 'b'};
    assert_false(lpValidate(c, sizeof(c), NULL, NULL));
    /* 32-bit string length near 4 GiB. */
    unsigned char d[] = {6, 1, 0xF0, 0xFF, 0xFF, 0xFF, 0xFF, 'x'};
    assert_false(lpValidate(d, sizeof(d), NULL, NULL));
    /* Overlong varint (0x80 0x00 for 0). */
    unsigned char e[] = {0x80, 0x00, 0};
    assert_false(lpValidate(e, sizeof(e), NULL, NULL));
    /* Varint that never ends. */
    unsigned char f[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    assert_false(lpValidate(f, sizeof(f), NULL, NULL));
    /* A two-byte string header cut after its first byte. */
    unsigned char g[] = {1, 1, 0xE0};
    assert_false(lpValidate(g, sizeof(g), NULL, NULL));
    /* Integer entry cut short. */
    unsigned char h[] = {3, 1, 0xF4, 1, 2};
    assert_false(lpValidate(h, sizeof(h), NULL, NULL));
    /* A valid one built by hand: "ab" then 7. */
    unsigned char ok[] = {4, 2, 0x82, 'a', 'b', 7};
    assert_true(lpValidate(ok, sizeof(ok), NULL, NULL));
}

static void test_validateSurvivesRandomCorruption(void **state) {
    (void)state;
    rngState = testSeed ^ 0x5555;
    listpack *lp = sampleListpack();
    size_t size = lpBytes(lp);
    unsigned char tmp[LP_INTBUF_SIZE];
    for (int round = 0; round < 20000; round++) {
        unsigned char *b = malloc(size);
        memcpy(b, lp, size);
        int flips = 1 + (int)rngBelow(3);
        for (int j = 0; j < flips; j++)
            b[rngBelow(size)] = (unsigned char)rngNext();
        if (lpValidate(b, size, NULL, NULL)) {
            /* Accepted: walking it must stay in bounds (ASan checks). */
            for (unsigned char *p = lpFirst(b); p; p = lpNext(b, p)) {
                size_t len;
                lpGetStr(p, &len, tmp);
            }
        }
        free(b);
    }
    /* Pure garbage of random sizes. */
    for (int round = 0; round < 20000; round++) {
        size_t n = 1 + rngBelow(40);
        unsigned char *b = malloc(n);
        for (size_t j = 0; j < n; j++)
            b[j] = (unsigned char)rngNext();
        if (rngBelow(2)) b[0] = (unsigned char)(n - 2 < 128 ? n - 2 : b[0]);
        if (lpValidate(b, n, NULL, NULL))
            for (unsigned char *p = lpFirst(b); p; p = lpNext(b, p))
                (void)lpEntrySize(p);
        free(b);
    }
    lpFree(lp);
}

static void test_safeToAddBoundsTheSize(void **state) {
    (void)state;
    listpack *lp = lpNew();
    assert_true(lpSafeToAdd(lp, 100));
    assert_true(lpSafeToAdd(lp, LP_MAX_BYTES - 2));
    assert_false(lpSafeToAdd(lp, LP_MAX_BYTES - 1));
    assert_false(lpSafeToAdd(lp, SIZE_MAX));
    assert_true(lpSafeToAdd(NULL, LP_MAX_BYTES));
    lpFree(lp);
}

int main(void) {
    const char *env = getenv("LISTPACK_TEST_SEED");
    testSeed = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
    printf("test_listpack seed %llu (LISTPACK_TEST_SEED to replay)\n",
           (unsigned long long)testSeed);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_emptyListpack),
        cmocka_unit_test(test_integerEncodingsAtEachBoundary),
        cmocka_unit_test(test_stringEncodingsAtEachBoundary),
        cmocka_unit_test(test_nearIntegersStayStrings),
        cmocka_unit_test(test_headerVarintsGrowAndShrink),
        cmocka_unit_test(test_pairsAndFindWithSkip),
        cmocka_unit_test(test_randomOperationsMatchModel),
        cmocka_unit_test(test_validateAcceptsOwnBlobsAndCallsCheck),
        cmocka_unit_test(test_validateRejectsTruncatedAndPaddedBlobs),
        cmocka_unit_test(test_validateRejectsBadHeadersAndEntries),
        cmocka_unit_test(test_validateSurvivesRandomCorruption),
        cmocka_unit_test(test_safeToAddBoundsTheSize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
