/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for src/ds/hll.c.  Fixed vectors pin the hash (register and
 * run of a few elements) and the estimates Debian's redis-server 7.0.15
 * gives for the same inputs; a model of 16384 plain registers checks the
 * dense packing and the sparse editor under random updates (printing
 * their seed; HLL_TEST_SEED replays one): after every update the sparse
 * stream must decode to the model, be well formed, and stay within
 * hll-sparse-max-bytes until it turns dense.  Corrupt streams must be
 * reported, never read past their end.
 */
#include "ds/hll.h"

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

/* ---- helpers ---- */

static const unsigned char *bytes(const sbuf *s) {
    return (const unsigned char *)s->buf;
}

/* Decodes any sketch into one byte per register; false when a sparse
 * stream is malformed (bad opcode sum). */
static bool decode(const sbuf *s, unsigned char *regs) {
    memset(regs, 0, HLL_REGISTERS);
    return hllMergeInto(regs, bytes(s), s->len) == 0;
}

/* Every opcode of a sparse stream lies inside it and the runs cover
 * exactly 16384 registers.  (Adjacent mergeable VALs may remain: Redis
 * merges only around each edit.) */
static void assertWellFormed(const sbuf *s) {
    const unsigned char *p = bytes(s) + HLL_HDR_SIZE, *end = bytes(s) + s->len;
    long total = 0;
    while (p < end) {
        if ((*p & 0xC0) == 0) {
            total += (*p & 0x3F) + 1;
            p++;
        } else if ((*p & 0xC0) == 0x40) {
            assert_true(p + 1 < end);
            total += (((*p & 0x3F) << 8) | p[1]) + 1;
            p += 2;
        } else {
            total += (*p & 3) + 1;
            p++;
        }
    }
    assert_int_equal(total, HLL_REGISTERS);
}

static sbuf *sketchOf(const char *hexBody, int encoding) {
    sbuf *s = sbufNew(NULL, HLL_HDR_SIZE);
    memcpy(s->buf, "HYLL", 4);
    s->buf[4] = (char)encoding;
    size_t n = strlen(hexBody) / 2;
    for (size_t j = 0; j < n; j++) {
        unsigned v;
        sscanf(hexBody + 2 * j, "%2x", &v);
        unsigned char b = (unsigned char)v;
        s = sbufCat(s, &b, 1);
    }
    return s;
}

static char *describe(const sbuf *s) {
    sbuf *out = hllDescribeSparse(sbufNewCap(16), bytes(s), s->len);
    char *r = strdup(out->buf);
    sbufFree(out);
    return r;
}

/* ---- hashing ---- */

/* Register and run of single elements, read from Redis 7.0.15 with
 * PFADD k <e> then PFDEBUG DECODE k. */
static void testPatternLenMatchesRedis(void **state) {
    (void)state;
    static const struct {
        const char *ele;
        long index;
        int count;
    } cases[] = {
        {"a", 12711, 2},        {"b", 15780, 1},        {"hello", 9216, 1},
        {"", 5938, 2},          {"12345678", 10579, 3}, {"123456789abcdefgh", 1958, 3},
        {"tern-hll", 3211, 1},
    };
    for (size_t j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
        long index;
        int count = hllPatternLen(cases[j].ele, strlen(cases[j].ele), &index);
        assert_int_equal(index, cases[j].index);
        assert_int_equal(count, cases[j].count);
    }
}

static void testPatternLenIsCappedAt51(void **state) {
    (void)state;
    for (int j = 0; j < 100000; j++) {
        long index;
        uint64_t e = rngNext();
        int count = hllPatternLen(&e, sizeof(e), &index);
        assert_true(count >= 1 && count <= 51);
        assert_true(index >= 0 && index < HLL_REGISTERS);
    }
}

/* ---- header ---- */

static void testValidity(void **state) {
    (void)state;
    sbuf *s = hllNew();
    assert_int_equal(s->len, HLL_HDR_SIZE + 2);
    assert_true(hllIsValid(bytes(s), s->len));
    assert_false(hllIsValid(bytes(s), HLL_HDR_SIZE - 1));
    s->buf[0] = 'h';
    assert_false(hllIsValid(bytes(s), s->len));
    s->buf[0] = 'H';
    s->buf[4] = 2;
    assert_false(hllIsValid(bytes(s), s->len));
    s->buf[4] = HLL_DENSE; /* dense needs its exact size */
    assert_false(hllIsValid(bytes(s), s->len));
    sbufFree(s);
    sbuf *d = sbufNew(NULL, HLL_DENSE_SIZE);
    memcpy(d->buf, "HYLL", 4);
    assert_true(hllIsValid(bytes(d), d->len));
    assert_false(hllIsValid(bytes(d), d->len - 1));
    sbufFree(d);
}

static void testCache(void **state) {
    (void)state;
    sbuf *s = hllNew();
    unsigned char *p = (unsigned char *)s->buf;
    uint64_t card = 99;
    assert_true(hllCacheGet(p, &card));
    assert_int_equal(card, 0);
    hllCacheSet(p, 0x0102030405060708ULL);
    assert_int_equal(p[8], 0x08); /* little endian */
    assert_int_equal(p[15], 0x01);
    assert_true(hllCacheGet(p, &card));
    assert_int_equal(card, 0x0102030405060708ULL);
    hllCacheInvalidate(p);
    assert_false(hllCacheGet(p, &card));
    sbufFree(s);
}

/* ---- dense registers ---- */

static void testDenseRegistersAgainstModel(void **state) {
    (void)state;
    unsigned char regs[HLL_DENSE_SIZE - HLL_HDR_SIZE];
    unsigned char model[HLL_REGISTERS];
    memset(regs, 0, sizeof(regs));
    for (int round = 0; round < 20; round++) {
        for (long j = 0; j < HLL_REGISTERS; j++) {
            model[j] = (unsigned char)(rngNext() & 63);
            hllDenseSet(regs, j, model[j]);
        }
        for (long j = 0; j < HLL_REGISTERS; j++)
            assert_int_equal(hllDenseGet(regs, j), model[j]);
    }
    /* Bit layout: register 1 = 63 fills bits 6..11 (LSB first). */
    memset(regs, 0, sizeof(regs));
    hllDenseSet(regs, 1, 63);
    assert_int_equal(regs[0], 0xC0);
    assert_int_equal(regs[1], 0x0F);
    assert_int_equal(regs[2], 0);
    hllDenseSet(regs, HLL_REGISTERS - 1, 63);
    assert_int_equal(regs[sizeof(regs) - 1], 0xFC);
}

/* ---- sparse editing ---- */

static void testFirstAndLastRegister(void **state) {
    (void)state;
    sbuf *s = hllNew();
    assert_int_equal(hllSet(&s, 0, 1, HLL_SPARSE_MAX_DEFAULT), 1);
    char *d = describe(s);
    assert_string_equal(d, "v:1,1 Z:16383");
    free(d);
    assert_int_equal(hllSet(&s, HLL_REGISTERS - 1, 5, HLL_SPARSE_MAX_DEFAULT), 1);
    d = describe(s);
    assert_string_equal(d, "v:1,1 Z:16382 v:5,1");
    free(d);
    /* A lower or equal value changes nothing. */
    assert_int_equal(hllSet(&s, HLL_REGISTERS - 1, 5, HLL_SPARSE_MAX_DEFAULT), 0);
    assert_int_equal(hllSet(&s, 0, 1, HLL_SPARSE_MAX_DEFAULT), 0);
    uint64_t card;
    assert_false(hllCacheGet(bytes(s), &card)); /* a change stales the cache */
    sbufFree(s);
}

static void testZeroRunsSplitIntoZeroOrXZero(void **state) {
    (void)state;
    sbuf *s = hllNew();
    hllSet(&s, 100, 3, HLL_SPARSE_MAX_DEFAULT);
    char *d = describe(s);
    assert_string_equal(d, "Z:100 v:3,1 Z:16283");
    free(d);
    hllSet(&s, 40, 2, HLL_SPARSE_MAX_DEFAULT); /* 64 or fewer zeros: ZERO */
    d = describe(s);
    assert_string_equal(d, "z:40 v:2,1 z:59 v:3,1 Z:16283");
    free(d);
    sbufFree(s);
}

/* Neighbouring equal values merge into one VAL of up to 4 registers. */
static void testAdjacentValuesMerge(void **state) {
    (void)state;
    sbuf *s = hllNew();
    for (long j = 10; j < 15; j++)
        hllSet(&s, j, 7, HLL_SPARSE_MAX_DEFAULT);
    char *d = describe(s);
    assert_string_equal(d, "z:10 v:7,4 v:7,1 Z:16369");
    free(d);
    /* Splitting a VAL run: the second register rises; the merge window
     * (five opcodes from the one before the edit) then joins the right
     * part of the split with the VAL after it. */
    hllSet(&s, 11, 9, HLL_SPARSE_MAX_DEFAULT);
    d = describe(s);
    assert_string_equal(d, "z:10 v:7,1 v:9,1 v:7,3 Z:16369");
    free(d);
    sbufFree(s);
}

static void testValueAbove32TurnsDense(void **state) {
    (void)state;
    sbuf *s = hllNew();
    hllSet(&s, 7, 32, HLL_SPARSE_MAX_DEFAULT);
    assert_int_equal(hllEncoding(bytes(s)), HLL_SPARSE);
    assert_int_equal(hllSet(&s, 9, 33, HLL_SPARSE_MAX_DEFAULT), 1);
    assert_int_equal(hllEncoding(bytes(s)), HLL_DENSE);
    assert_int_equal(s->len, HLL_DENSE_SIZE);
    const unsigned char *regs = bytes(s) + HLL_HDR_SIZE;
    assert_int_equal(hllDenseGet(regs, 7), 32);
    assert_int_equal(hllDenseGet(regs, 9), 33);
    assert_int_equal(hllDenseGet(regs, 8), 0);
    sbufFree(s);
}

/* The sparse size limit counts the header: an update that would grow the
 * string past it turns the sketch dense instead; at the limit it stays. */
static void testSparseLimitIsRespected(void **state) {
    (void)state;
    for (size_t limit = 18; limit < 120; limit += 7) {
        sbuf *s = hllNew();
        unsigned char model[HLL_REGISTERS] = {0}, got[HLL_REGISTERS];
        for (int j = 0; j < 200; j++) {
            long idx = (long)(rngNext() % HLL_REGISTERS);
            unsigned v = (unsigned)(rngNext() % 32) + 1;
            bool wasSparse = hllEncoding(bytes(s)) == HLL_SPARSE;
            int r = hllSet(&s, idx, v, limit);
            assert_int_equal(r, v > model[idx]);
            if (v > model[idx]) model[idx] = (unsigned char)v;
            if (hllEncoding(bytes(s)) == HLL_SPARSE) {
                assert_true(s->len <= limit || !wasSparse);
                assertWellFormed(s);
            }
            assert_true(decode(s, got));
            assert_memory_equal(got, model, HLL_REGISTERS);
        }
        sbufFree(s);
    }
}

/* Random updates of a sparse sketch against the model, until and after
 * it turns dense; counts must match a dense sketch fed the same input. */
static void testSparseAgainstModel(void **state) {
    (void)state;
    for (int round = 0; round < 30; round++) {
        sbuf *s = hllNew();
        sbuf *d = sbufNew(NULL, HLL_DENSE_SIZE);
        memcpy(d->buf, "HYLL", 4);
        unsigned char model[HLL_REGISTERS] = {0}, got[HLL_REGISTERS];
        /* Clustered indexes exercise ZERO/VAL splits and merges. */
        long base = (long)(rngNext() % HLL_REGISTERS);
        int n = 1 + (int)(rngNext() % 3000);
        for (int j = 0; j < n; j++) {
            long idx = round % 2 ? (long)(rngNext() % HLL_REGISTERS)
                                 : (base + (long)(rngNext() % 300)) % HLL_REGISTERS;
            unsigned v = (unsigned)(rngNext() % 40) + 1;
            int r = hllSet(&s, idx, v, HLL_SPARSE_MAX_DEFAULT);
            assert_int_equal(r, v > model[idx]);
            hllSet(&d, idx, v, HLL_SPARSE_MAX_DEFAULT);
            if (v > model[idx]) model[idx] = (unsigned char)v;
            if (hllEncoding(bytes(s)) == HLL_SPARSE) assertWellFormed(s);
        }
        assert_true(decode(s, got));
        assert_memory_equal(got, model, HLL_REGISTERS);
        bool invalid = false;
        uint64_t a = hllCount(bytes(s), s->len, &invalid);
        assert_false(invalid);
        assert_int_equal(a, hllCount(bytes(d), d->len, NULL));
        assert_int_equal(a, hllCountRaw(model));
        /* Conversion keeps every register. */
        int conv = hllToDense(&s);
        assert_true(conv == 0 || conv == 1);
        assert_memory_equal(bytes(s) + HLL_HDR_SIZE, bytes(d) + HLL_HDR_SIZE,
                            HLL_DENSE_SIZE - HLL_HDR_SIZE);
        sbufFree(s);
        sbufFree(d);
    }
}

/* ---- estimates ---- */

/* PFCOUNT after adding "ele:0".."ele:N-1", from Redis 7.0.15. */
static void testEstimatesMatchRedis(void **state) {
    (void)state;
    static const struct {
        long n;
        uint64_t card;
    } cases[] = {{10, 10}, {1000, 1002}, {100000, 99778}, {1000000, 1006905}};
    sbuf *s = hllNew();
    long added = 0;
    for (size_t j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
        for (; added < cases[j].n; added++) {
            char ele[32];
            int len = snprintf(ele, sizeof(ele), "ele:%ld", added);
            assert_true(hllAdd(&s, ele, (size_t)len, HLL_SPARSE_MAX_DEFAULT) >= 0);
        }
        assert_int_equal(hllCount(bytes(s), s->len, NULL), cases[j].card);
    }
    sbufFree(s);
}

static void testEmptyEstimateIsZero(void **state) {
    (void)state;
    int histo[64] = {0};
    histo[0] = HLL_REGISTERS;
    assert_int_equal(hllEstimate(histo), 0);
    unsigned char raw[HLL_REGISTERS] = {0};
    assert_int_equal(hllCountRaw(raw), 0);
}

/* ---- corruption ---- */

static void testCorruptStreamsAreReported(void **state) {
    (void)state;
    unsigned char max[HLL_REGISTERS] = {0};
    bool invalid;
    /* Too few registers: one XZERO of 16383. */
    sbuf *s = sketchOf("7ffe", HLL_SPARSE);
    invalid = false;
    hllCount(bytes(s), s->len, &invalid);
    assert_true(invalid);
    assert_int_equal(hllMergeInto(max, bytes(s), s->len), -1);
    assert_int_equal(hllToDense(&s), -1);
    assert_int_equal(hllSet(&s, 16383, 1, HLL_SPARSE_MAX_DEFAULT), -1);
    sbufFree(s);
    /* Too many: a VAL after the full XZERO. */
    s = sketchOf("7fff80", HLL_SPARSE);
    invalid = false;
    hllCount(bytes(s), s->len, &invalid);
    assert_true(invalid);
    assert_int_equal(hllMergeInto(max, bytes(s), s->len), -1);
    sbufFree(s);
    /* A truncated XZERO: the stream ends in its first byte. */
    s = sketchOf("7f", HLL_SPARSE);
    invalid = false;
    hllCount(bytes(s), s->len, &invalid);
    assert_true(invalid);
    assert_int_equal(hllSet(&s, 5, 1, HLL_SPARSE_MAX_DEFAULT), -1);
    char *d = describe(s);
    assert_string_equal(d, "Z:16129");
    free(d);
    sbufFree(s);
    /* An empty stream covers nothing. */
    s = sketchOf("", HLL_SPARSE);
    invalid = false;
    hllCount(bytes(s), s->len, &invalid);
    assert_true(invalid);
    assert_int_equal(hllSet(&s, 0, 1, HLL_SPARSE_MAX_DEFAULT), -1);
    sbufFree(s);
}

/* Random bytes as a sparse stream: every function either succeeds or
 * reports corruption, and ASan checks nothing reads past the end. */
static void testRandomStreamsNeverCrash(void **state) {
    (void)state;
    unsigned char max[HLL_REGISTERS];
    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)(rngNext() % 40);
        sbuf *s = sbufNew(NULL, HLL_HDR_SIZE + len);
        memcpy(s->buf, "HYLL", 4);
        s->buf[4] = HLL_SPARSE;
        for (size_t j = 0; j < len; j++)
            s->buf[HLL_HDR_SIZE + j] = (char)rngNext();
        bool invalid = false;
        hllCount(bytes(s), s->len, &invalid);
        memset(max, 0, sizeof(max));
        int merged = hllMergeInto(max, bytes(s), s->len);
        assert_int_equal(merged == 0, !invalid);
        hllSet(&s, (long)(rngNext() % HLL_REGISTERS), (unsigned)(rngNext() % 40) + 1, 100);
        free(describe(s));
        sbufFree(s);
    }
}

int main(void) {
    const char *env = getenv("HLL_TEST_SEED");
    testSeed = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
    rngState = testSeed;
    printf("hll test seed %llu (HLL_TEST_SEED to replay)\n", (unsigned long long)testSeed);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testPatternLenMatchesRedis),
        cmocka_unit_test(testPatternLenIsCappedAt51),
        cmocka_unit_test(testValidity),
        cmocka_unit_test(testCache),
        cmocka_unit_test(testDenseRegistersAgainstModel),
        cmocka_unit_test(testFirstAndLastRegister),
        cmocka_unit_test(testZeroRunsSplitIntoZeroOrXZero),
        cmocka_unit_test(testAdjacentValuesMerge),
        cmocka_unit_test(testValueAbove32TurnsDense),
        cmocka_unit_test(testSparseLimitIsRespected),
        cmocka_unit_test(testSparseAgainstModel),
        cmocka_unit_test(testEstimatesMatchRedis),
        cmocka_unit_test(testEmptyEstimateIsZero),
        cmocka_unit_test(testCorruptStreamsAreReported),
        cmocka_unit_test(testRandomStreamsNeverCrash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
