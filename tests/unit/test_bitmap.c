/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for src/ds/bitmap.c.  Fixed cases pin the bit numbering and
 * the word boundaries (a range starting or ending on either side of an
 * 8-byte word, single-byte ranges, unaligned buffers); randomized
 * cross-checks compare every function with a bit-by-bit model over random
 * buffers and ranges, printing their seed (BITMAP_TEST_SEED replays one).
 * The overflow arithmetic of BITFIELD is checked against exact arithmetic
 * and against cases taken from Debian's redis-server 7.0.15.
 */
#include "ds/bitmap.h"

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

/* ---- the model: one bit at a time ---- */

static int modelBit(const unsigned char *p, size_t len, uint64_t i) {
    if ((i >> 3) >= len) return 0;
    return (p[i >> 3] >> (7 - (i & 7))) & 1;
}

static void modelSetBit(unsigned char *p, uint64_t i, int v) {
    unsigned char m = (unsigned char)(1u << (7 - (i & 7)));
    p[i >> 3] = (unsigned char)(v ? (p[i >> 3] | m) : (p[i >> 3] & ~m));
}

static uint64_t modelCount(const unsigned char *p, uint64_t first, uint64_t last) {
    uint64_t n = 0;
    for (uint64_t i = first; i <= last; i++)
        n += (uint64_t)modelBit(p, (size_t)-1, i);
    return n;
}

static int64_t modelFind(const unsigned char *p, uint64_t first, uint64_t last, int bit) {
    for (uint64_t i = first; i <= last; i++)
        if (modelBit(p, (size_t)-1, i) == bit) return (int64_t)i;
    return -1;
}

static uint64_t modelGetField(const unsigned char *p, size_t len, uint64_t off, int bits) {
    uint64_t v = 0;
    for (int j = 0; j < bits; j++)
        v = (v << 1) | (uint64_t)modelBit(p, len, off + (uint64_t)j);
    return v;
}

static void fillRandom(unsigned char *p, size_t len, int density) {
    /* density 0: random bytes; 1: mostly zero; 2: mostly ones. */
    for (size_t j = 0; j < len; j++) {
        unsigned char b = (unsigned char)rngNext();
        if (density == 1) b = (rngNext() % 8 == 0) ? (unsigned char)(1u << (rngNext() % 8)) : 0;
        if (density == 2) b = (rngNext() % 8 == 0) ? (unsigned char)~(1u << (rngNext() % 8)) : 0xFF;
        p[j] = b;
    }
}

/* ---- fixed cases ---- */

static void test_bitNumbering(void **state) {
    (void)state;
    const unsigned char s[] = {0x80, 0x01}; /* bits 0 and 15 */
    assert_int_equal(bitmapCount(s, 2), 2);
    assert_int_equal(bitmapFindRange(s, 0, 15, 1), 0);
    assert_int_equal(bitmapFindRange(s, 1, 15, 1), 15);
    assert_int_equal(bitmapFindRange(s, 1, 14, 1), -1);
    assert_int_equal(bitmapFindRange(s, 0, 15, 0), 1);
    assert_int_equal(bitmapCountRange(s, 0, 0), 1);
    assert_int_equal(bitmapCountRange(s, 1, 14), 0);
    assert_int_equal(bitmapCountRange(s, 15, 15), 1);
    /* "foobar" has 26 set bits (Redis's BITCOUNT example). */
    assert_int_equal(bitmapCount((const unsigned char *)"foobar", 6), 26);
    assert_int_equal(bitmapCountRange((const unsigned char *)"foobar", 8, 15), 6);
    assert_int_equal(bitmapCountRange((const unsigned char *)"foobar", 5, 30), 17);
}

static void test_wordBoundaries(void **state) {
    (void)state;
    unsigned char buf[64 + 1];
    /* One set bit at every position of a 64-byte buffer, seen through
     * every alignment of the buffer start. */
    for (size_t shift = 0; shift < 2; shift++) {
        unsigned char *p = buf + shift;
        for (uint64_t bit = 0; bit < 63 * 8; bit++) {
            memset(p, 0, 63);
            modelSetBit(p, bit, 1);
            assert_int_equal(bitmapCount(p, 63), 1);
            assert_int_equal(bitmapFindRange(p, 0, 63 * 8 - 1, 1), (int64_t)bit);
            assert_int_equal(bitmapCountRange(p, bit, bit), 1);
            if (bit) assert_int_equal(bitmapCountRange(p, 0, bit - 1), 0);
            memset(p, 0xFF, 63);
            modelSetBit(p, bit, 0);
            assert_int_equal(bitmapFindRange(p, 0, 63 * 8 - 1, 0), (int64_t)bit);
            assert_int_equal(bitmapCount(p, 63), 63 * 8 - 1);
        }
    }
    /* Nothing found: all zeros looking for 1, all ones looking for 0. */
    memset(buf, 0, sizeof(buf));
    assert_int_equal(bitmapFindRange(buf, 3, 500, 1), -1);
    memset(buf, 0xFF, sizeof(buf));
    assert_int_equal(bitmapFindRange(buf, 3, 500, 0), -1);
    assert_int_equal(bitmapCount(buf, 0), 0);
}

static void test_ops(void **state) {
    (void)state;
    const unsigned char a[] = {0xFF, 0x0F, 0xAA}, b[] = {0xF0};
    const unsigned char *src[3] = {a, b, NULL};
    size_t len[3] = {3, 1, 0};
    unsigned char out[3];
    bitmapOp(BITMAP_AND, out, 3, src, len, 2);
    assert_memory_equal(out, ((unsigned char[]){0xF0, 0x00, 0x00}), 3);
    bitmapOp(BITMAP_OR, out, 3, src, len, 2);
    assert_memory_equal(out, ((unsigned char[]){0xFF, 0x0F, 0xAA}), 3);
    bitmapOp(BITMAP_XOR, out, 3, src, len, 2);
    assert_memory_equal(out, ((unsigned char[]){0x0F, 0x0F, 0xAA}), 3);
    bitmapOp(BITMAP_NOT, out, 3, src, len, 1);
    assert_memory_equal(out, ((unsigned char[]){0x00, 0xF0, 0x55}), 3);
    /* A missing (NULL) source reads as empty. */
    bitmapOp(BITMAP_AND, out, 3, src, len, 3);
    assert_memory_equal(out, ((unsigned char[]){0, 0, 0}), 3);
    const unsigned char *src2[2] = {NULL, a};
    size_t len2[2] = {0, 3};
    bitmapOp(BITMAP_OR, out, 3, src2, len2, 2);
    assert_memory_equal(out, a, 3);
}

static void test_fields(void **state) {
    (void)state;
    unsigned char p[3] = {0, 0, 0};
    /* Redis's documented example: u5 = 23 at offset 7. */
    bitmapSetField(p, 7, 5, 23);
    assert_memory_equal(p, ((unsigned char[]){0x01, 0x70, 0x00}), 3);
    assert_int_equal(bitmapGetField(p, 3, 7, 5), 23);
    assert_int_equal(bitmapGetSignedField(p, 3, 7, 5), -9);
    /* Reads past the end are zero. */
    assert_int_equal(bitmapGetField(p, 3, 20, 8), 0);
    assert_int_equal(bitmapGetField(NULL, 0, 1000, 64), 0);
    /* 64-bit fields at every in-byte alignment. */
    unsigned char q[10];
    for (int shift = 0; shift < 8; shift++) {
        memset(q, 0xA5, sizeof(q));
        bitmapSetField(q, (uint64_t)shift, 64, 0x0123456789ABCDEFULL);
        assert_true(bitmapGetField(q, 10, (uint64_t)shift, 64) == 0x0123456789ABCDEFULL);
        assert_true(bitmapGetSignedField(q, 10, (uint64_t)shift, 64) == 0x0123456789ABCDEF);
        /* Neighbouring bits untouched. */
        for (int j = 0; j < shift; j++)
            assert_int_equal(modelBit(q, 10, (uint64_t)j),
                             modelBit((unsigned char[]){0xA5}, 1, (uint64_t)j));
    }
    memset(q, 0, sizeof(q));
    bitmapSetField(q, 3, 1, 1);
    assert_int_equal(bitmapGetSignedField(q, 10, 3, 1), -1);
    assert_int_equal(bitmapGetField(q, 10, 3, 1), 1);
}

static void test_overflow(void **state) {
    (void)state;
    uint64_t u;
    int64_t i;
    /* Results of BITFIELD on redis-server 7.0.15. */
    assert_int_equal(bitmapAddUnsigned(255, 1, 8, BITMAP_WRAP, &u), 1);
    assert_int_equal(u, 0);
    assert_int_equal(bitmapAddUnsigned(5, 300, 8, BITMAP_WRAP, &u), 1);
    assert_int_equal(u, 49);
    assert_int_equal(bitmapAddUnsigned(10, -300, 8, BITMAP_SAT, &u), -1);
    assert_int_equal(u, 0);
    /* SET u8 -1: the cast is huge, so it is an overflow (SAT: 255). */
    assert_int_equal(bitmapAddUnsigned((uint64_t)-1, 0, 8, BITMAP_SAT, &u), 1);
    assert_int_equal(u, 255);
    assert_int_equal(bitmapAddUnsigned((uint64_t)-1, 0, 8, BITMAP_WRAP, &u), 1);
    assert_int_equal(u, 255);
    assert_int_equal(bitmapAddSigned(200, 0, 8, BITMAP_WRAP, &i), 1);
    assert_int_equal(i, -56);
    assert_int_equal(bitmapAddSigned(-200, 0, 8, BITMAP_SAT, &i), -1);
    assert_int_equal(i, -128);
    assert_int_equal(bitmapAddSigned(INT64_MAX, 1, 64, BITMAP_WRAP, &i), 1);
    assert_true(i == INT64_MIN);
    assert_int_equal(bitmapAddSigned(INT64_MIN, -1, 64, BITMAP_SAT, &i), -1);
    assert_true(i == INT64_MIN);
    assert_int_equal(bitmapAddSigned(-1, 0, 1, BITMAP_FAIL, &i), 0);
    assert_int_equal(i, -1);
    assert_int_equal(bitmapAddSigned(1, 0, 1, BITMAP_WRAP, &i), 1);
    assert_int_equal(i, -1);
    assert_int_equal(bitmapAddUnsigned(INT64_MAX, 1, 63, BITMAP_WRAP, &u), 1);
    assert_int_equal(u, 0);
    /* Redis quirk: SET i58 -2^63 under SAT stores the maximum, because
     * max - value wraps negative; a value just below the minimum is an
     * underflow as expected. */
    assert_int_equal(bitmapAddSigned(INT64_MIN, 0, 58, BITMAP_SAT, &i), 1);
    assert_true(i == (1LL << 57) - 1);
    assert_int_equal(bitmapAddSigned(-(1LL << 57) - 1, 0, 58, BITMAP_SAT, &i), -1);
    assert_true(i == -(1LL << 57));
}

/* ---- randomized cross-checks ---- */

static void test_randomCountAndFind(void **state) {
    (void)state;
    rngState = testSeed;
    unsigned char buf[300];
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = 1 + rngNext() % 200, shift = rngNext() % 8;
        unsigned char *p = buf + shift;
        fillRandom(p, len, (int)(rngNext() % 3));
        uint64_t nbits = len * 8;
        uint64_t a = rngNext() % nbits, b = rngNext() % nbits;
        uint64_t first = a < b ? a : b, last = a < b ? b : a;
        if (rngNext() % 4 == 0) first = 0, last = nbits - 1;
        uint64_t want = modelCount(p, first, last), got = bitmapCountRange(p, first, last);
        if (want != got)
            fail_msg("seed %llu: count [%llu,%llu] of %zu bytes = %llu, model %llu",
                     (unsigned long long)testSeed, (unsigned long long)first,
                     (unsigned long long)last, len, (unsigned long long)got,
                     (unsigned long long)want);
        if (first == 0 && last == nbits - 1) assert_true(bitmapCount(p, len) == want);
        for (int bit = 0; bit < 2; bit++) {
            int64_t w = modelFind(p, first, last, bit), g = bitmapFindRange(p, first, last, bit);
            if (w != g)
                fail_msg("seed %llu: find %d in [%llu,%llu] of %zu bytes = %lld, model %lld",
                         (unsigned long long)testSeed, bit, (unsigned long long)first,
                         (unsigned long long)last, len, (long long)g, (long long)w);
        }
    }
}

static void test_randomOps(void **state) {
    (void)state;
    rngState = testSeed ^ 1;
    unsigned char data[5][100], out[100], model[100];
    for (int iter = 0; iter < 5000; iter++) {
        int op = (int)(rngNext() % 4);
        size_t n = op == BITMAP_NOT ? 1 : 1 + rngNext() % 5, maxlen = 0;
        const unsigned char *src[5];
        size_t len[5];
        for (size_t k = 0; k < n; k++) {
            len[k] = rngNext() % 100;
            fillRandom(data[k], len[k], 0);
            src[k] = (rngNext() % 8 == 0) ? NULL : data[k];
            if (!src[k]) len[k] = 0;
            if (len[k] > maxlen) maxlen = len[k];
        }
        if (!maxlen) continue;
        if (op == BITMAP_NOT && len[0] != maxlen) continue;
        for (size_t j = 0; j < maxlen; j++) {
            unsigned v = j < len[0] ? src[0][j] : 0;
            if (op == BITMAP_NOT) v = ~v & 0xFF;
            for (size_t k = 1; k < n; k++) {
                unsigned b = j < len[k] ? src[k][j] : 0;
                v = op == BITMAP_AND ? (v & b) : op == BITMAP_OR ? (v | b) : (v ^ b);
            }
            model[j] = (unsigned char)v;
        }
        memset(out, 0x5A, sizeof(out));
        bitmapOp(op, out, maxlen, src, len, n);
        if (memcmp(out, model, maxlen) != 0)
            fail_msg("seed %llu: op %d over %zu sources differs from the model",
                     (unsigned long long)testSeed, op, n);
    }
}

static void test_randomFields(void **state) {
    (void)state;
    rngState = testSeed ^ 2;
    unsigned char p[40], m[40];
    for (int iter = 0; iter < 50000; iter++) {
        size_t len = 10 + rngNext() % 30;
        fillRandom(p, len, 0);
        memcpy(m, p, len);
        int bits = 1 + (int)(rngNext() % 64);
        uint64_t off = rngNext() % (len * 8 - (uint64_t)bits + 1);
        uint64_t want = modelGetField(p, len, off, bits);
        assert_true(bitmapGetField(p, len, off, bits) == want);
        int64_t s = bitmapGetSignedField(p, len, off, bits);
        if (bits < 64 && (want >> (bits - 1)))
            assert_true((uint64_t)s == (want | (~0ULL << bits)));
        else
            assert_true((uint64_t)s == want);
        /* Reading past the end. */
        uint64_t far = len * 8 - (uint64_t)(rngNext() % 8);
        assert_true(bitmapGetField(p, len, far, bits) == modelGetField(p, len, far, bits));
        uint64_t v = rngNext();
        bitmapSetField(p, off, bits, v);
        for (int j = 0; j < bits; j++)
            modelSetBit(m, off + (uint64_t)j, (int)((v >> (bits - 1 - j)) & 1));
        if (memcmp(p, m, len) != 0)
            fail_msg("seed %llu: set %d bits at %llu differs from the model",
                     (unsigned long long)testSeed, bits, (unsigned long long)off);
    }
}

static void test_randomOverflow(void **state) {
    (void)state;
    rngState = testSeed ^ 3;
    for (int iter = 0; iter < 200000; iter++) {
        int bits = 1 + (int)(rngNext() % 64);
        int64_t incr = (int64_t)rngNext() >> (rngNext() % 64);
        /* signed */
        __int128 max = (__int128)((bits == 64 ? ~0ULL : (1ULL << bits) - 1) >> 1), min = -max - 1;
        int64_t value = (int64_t)(min + (__int128)(rngNext() % (uint64_t)(max - min)));
        __int128 sum = (__int128)value + incr;
        int64_t out;
        int over = bitmapAddSigned(value, incr, bits, BITMAP_SAT, &out);
        int wantOver = sum > max ? 1 : sum < min ? -1 : 0;
        assert_int_equal(over, wantOver);
        assert_true((__int128)out == (wantOver > 0 ? max : wantOver < 0 ? min : sum));
        bitmapAddSigned(value, incr, bits, BITMAP_WRAP, &out);
        __int128 mod = (__int128)1 << bits;
        __int128 w = ((sum - min) % mod + mod) % mod + min;
        assert_true((__int128)out == w);
        /* unsigned */
        if (bits == 64) continue;
        uint64_t umax = (1ULL << bits) - 1, uv = rngNext() & umax, uout;
        __int128 usum = (__int128)uv + incr;
        over = bitmapAddUnsigned(uv, incr, bits, BITMAP_SAT, &uout);
        wantOver = usum > (__int128)umax ? 1 : usum < 0 ? -1 : 0;
        assert_int_equal(over, wantOver);
        assert_true(uout == (wantOver > 0 ? umax : wantOver < 0 ? 0 : (uint64_t)usum));
        bitmapAddUnsigned(uv, incr, bits, BITMAP_WRAP, &uout);
        assert_true(uout == ((uint64_t)usum & umax));
    }
}

int main(void) {
    const char *env = getenv("BITMAP_TEST_SEED");
    testSeed = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
    printf("test_bitmap seed %llu (BITMAP_TEST_SEED to replay)\n", (unsigned long long)testSeed);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bitNumbering),
        cmocka_unit_test(test_wordBoundaries),
        cmocka_unit_test(test_ops),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_randomCountAndFind),
        cmocka_unit_test(test_randomOps),
        cmocka_unit_test(test_randomFields),
        cmocka_unit_test(test_randomOverflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
