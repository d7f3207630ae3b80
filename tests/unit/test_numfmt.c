/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for src/ds/numfmt.c: every boundary of the integer parsers,
 * the strtod/strtold acceptance rules, and the exact reply text of doubles
 * and long doubles.  Expected strings were taken from Debian's
 * redis-server 7.0.15 (ZSCORE, INCRBYFLOAT, XADD replies) so a change in
 * these tests is a change in what clients see.  Randomized cross-checks
 * against libc print their seed; set NUMFMT_TEST_SEED to replay one.
 */
#include "ds/numfmt.h"

#include <float.h>
#include <limits.h>
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

/* Length of a string literal, so embedded NULs count. */
#define LIT(s) (s), (sizeof(s) - 1)

static uint64_t testSeed;

static uint64_t rngState;

static uint64_t rngNext(void) {
    /* splitmix64: tiny, deterministic, good enough to pick test inputs. */
    uint64_t z = (rngState += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* ---- numStrToLL ---------------------------------------------------------- */

typedef struct llCase {
    const char *text;
    size_t len;
    bool ok;
    long long value;
} llCase;

static void test_strToLL_table(void **state) {
    (void)state;
    static const llCase cases[] = {
        {LIT("0"), true, 0},
        {LIT("1"), true, 1},
        {LIT("-1"), true, -1},
        {LIT("9"), true, 9},
        {LIT("10"), true, 10},
        {LIT("1234567890"), true, 1234567890LL},
        {LIT("9223372036854775807"), true, LLONG_MAX},
        {LIT("9223372036854775806"), true, LLONG_MAX - 1},
        {LIT("9223372036854775808"), false, 0},
        {LIT("9223372036854775810"), false, 0},
        {LIT("-9223372036854775808"), true, LLONG_MIN},
        {LIT("-9223372036854775807"), true, LLONG_MIN + 1},
        {LIT("-9223372036854775809"), false, 0},
        {LIT("18446744073709551615"), false, 0},
        {LIT("18446744073709551616"), false, 0},
        {LIT("99999999999999999999"), false, 0},  /* 20 digits, > 2^64 */
        {LIT("-99999999999999999999"), false, 0}, /* 21 bytes */
        {LIT("100000000000000000000"), false, 0}, /* 21 bytes */
        {LIT("-0"), false, 0},
        {LIT("00"), false, 0},
        {LIT("01"), false, 0},
        {LIT("-01"), false, 0},
        {LIT("+1"), false, 0},
        {LIT("+0"), false, 0},
        {LIT(" 1"), false, 0},
        {LIT("1 "), false, 0},
        {LIT("\t1"), false, 0},
        {LIT(""), false, 0},
        {LIT("-"), false, 0},
        {LIT("--1"), false, 0},
        {LIT("1-"), false, 0},
        {LIT("1a"), false, 0},
        {LIT("a1"), false, 0},
        {LIT("1.0"), false, 0},
        {LIT("1e3"), false, 0},
        {LIT("0x10"), false, 0},
        {LIT("1\0"), false, 0},
        {LIT("\0"), false, 0},
        {LIT("12\0003"), false, 0},
    };
    for (size_t j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
        long long v = 424242;
        bool ok = numStrToLL(cases[j].text, cases[j].len, &v);
        if (ok != cases[j].ok)
            fail_msg("numStrToLL case %zu (\"%s\"): got %d", j, cases[j].text, ok);
        if (ok) {
            assert_true(v == cases[j].value);
        } else {
            assert_true(v == 424242); /* untouched on failure */
        }
        /* A NULL output pointer is allowed and changes nothing. */
        assert_int_equal(numStrToLL(cases[j].text, cases[j].len, NULL), cases[j].ok);
    }
}

static void test_strToLL_usesOnlyLen(void **state) {
    (void)state;
    long long v;
    /* The slice is not NUL-terminated at 'len': bytes after it are ignored. */
    assert_true(numStrToLL("12345", 2, &v));
    assert_true(v == 12);
    assert_true(numStrToLL("-7xyz", 2, &v));
    assert_true(v == -7);
    assert_false(numStrToLL("0123", 0, &v));
}

/* ---- numStrToULL --------------------------------------------------------- */

typedef struct ullCase {
    const char *text;
    size_t len;
    bool ok;
    unsigned long long value;
} ullCase;

static void test_strToULL_table(void **state) {
    (void)state;
    /* The odd rows are Redis 7.0.15's string2ull, checked through XADD:
     * "05-1" -> 5-1, "+6-1" -> 6-1, " 7-1" -> 7-1, "9--01" ->
     * 9-18446744073709551615, "0x12-1" and "18446744073709551616-1"
     * -> invalid stream ID. */
    static const ullCase cases[] = {
        {LIT("0"), true, 0},
        {LIT("1"), true, 1},
        {LIT("9223372036854775807"), true, 9223372036854775807ULL},
        {LIT("9223372036854775808"), true, 9223372036854775808ULL},
        {LIT("18446744073709551615"), true, ULLONG_MAX},
        {LIT("18446744073709551616"), false, 0},
        {LIT("99999999999999999999"), false, 0},
        {LIT("05"), true, 5},
        {LIT("+6"), true, 6},
        {LIT(" 7"), true, 7},
        {LIT("\t\n\v\f\r 8"), true, 8},
        {LIT("+1"), true, 1},
        {LIT("01"), true, 1},
        {LIT("000000000000000000001"), true, 1},
        {LIT("-0"), true, 0},
        {LIT("-01"), true, ULLONG_MAX},
        {LIT(" -5"), true, ULLONG_MAX - 4},
        {LIT("-9223372036854775809"), true, 9223372036854775807ULL},
        {LIT("-18446744073709551615"), true, 1},
        {LIT("-18446744073709551616"), false, 0},
        {LIT("-1"), false, 0},
        {LIT("-9223372036854775808"), false, 0},
        {LIT(""), false, 0},
        {LIT(" "), false, 0},
        {LIT("+"), false, 0},
        {LIT("-"), false, 0},
        {LIT("+-1"), false, 0},
        {LIT("7 "), false, 0},
        {LIT("0x12"), false, 0},
        {LIT("1.0"), false, 0},
        {LIT("\0"), false, 0},
        /* The text is a C string to string2ull: it ends at a NUL. */
        {LIT("12\0zz"), true, 12},
        {LIT("05\0-1"), true, 5},
    };
    for (size_t j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
        unsigned long long v = 424242;
        bool ok = numStrToULL(cases[j].text, cases[j].len, &v);
        if (ok != cases[j].ok)
            fail_msg("numStrToULL case %zu (\"%s\"): got %d", j, cases[j].text, ok);
        if (ok) {
            if (v != cases[j].value)
                fail_msg("numStrToULL case %zu: got %llu want %llu", j, v, cases[j].value);
        } else {
            assert_true(v == 424242);
        }
        assert_int_equal(numStrToULL(cases[j].text, cases[j].len, NULL), cases[j].ok);
    }
    unsigned long long v;
    assert_true(numStrToULL("4567", 2, &v));
    assert_true(v == 45);
}

/* ---- numLLToStr / numDigits10 -------------------------------------------- */

static void test_llToStr_values(void **state) {
    (void)state;
    static const struct {
        long long v;
        const char *text;
    } cases[] = {
        {0, "0"},
        {1, "1"},
        {-1, "-1"},
        {9, "9"},
        {10, "10"},
        {-10, "-10"},
        {99, "99"},
        {100, "100"},
        {101, "101"},
        {-999, "-999"},
        {1000, "1000"},
        {12345678901LL, "12345678901"},
        {LLONG_MAX, "9223372036854775807"},
        {LLONG_MIN, "-9223372036854775808"},
        {LLONG_MIN + 1, "-9223372036854775807"},
    };
    for (size_t j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
        char buf[NUMFMT_LL_MAX];
        size_t n = numLLToStr(buf, sizeof(buf), cases[j].v);
        assert_int_equal(n, strlen(cases[j].text));
        assert_string_equal(buf, cases[j].text);
    }
}

static void test_llToStr_capacity(void **state) {
    (void)state;
    char buf[32];
    /* "-9223372036854775808" is the longest: it and its NUL fill
     * NUMFMT_LL_MAX bytes exactly. */
    assert_int_equal(strlen("-9223372036854775808"), NUMFMT_LL_MAX - 1);
    assert_int_equal(numLLToStr(buf, 21, LLONG_MIN), 20);
    assert_string_equal(buf, "-9223372036854775808");

    memset(buf, 'x', sizeof(buf));
    assert_int_equal(numLLToStr(buf, 20, LLONG_MIN), 0);
    assert_int_equal(buf[0], 'x'); /* untouched when it does not fit */
    assert_int_equal(numLLToStr(buf, 0, 5), 0);
    assert_int_equal(numLLToStr(buf, 1, 5), 0);
    assert_int_equal(numLLToStr(buf, 2, 5), 1);
    assert_string_equal(buf, "5");
    assert_int_equal(numLLToStr(buf, 3, -5), 2);
    assert_string_equal(buf, "-5");
    assert_int_equal(numLLToStr(buf, 2, -5), 0);
    assert_int_equal(numLLToStr(buf, 3, 100), 0);
    assert_int_equal(numLLToStr(buf, 4, 100), 3);
    assert_string_equal(buf, "100");
}

static void test_digits10(void **state) {
    (void)state;
    assert_int_equal(numDigits10(0), 1);
    uint64_t p = 1;
    for (unsigned d = 1; d <= 19; d++) {
        assert_int_equal(numDigits10(p), d);
        assert_int_equal(numDigits10(p * 10 - 1), d);
        p *= 10;
    }
    assert_int_equal(numDigits10(p), 20); /* 10^19 */
    assert_int_equal(numDigits10(UINT64_MAX), 20);
}

static void test_ll_randomRoundTrip(void **state) {
    (void)state;
    rngState = testSeed;
    for (int j = 0; j < 200000; j++) {
        uint64_t r = rngNext();
        /* Mix full-width values with short ones so every length is hit. */
        long long v = (long long)(r >> (rngNext() % 64));
        if ((rngNext() & 1) && v != LLONG_MIN) v = -v;
        char want[64], got[NUMFMT_LL_MAX];
        int wn = snprintf(want, sizeof(want), "%lld", v);
        size_t n = numLLToStr(got, sizeof(got), v);
        if ((int)n != wn || strcmp(got, want) != 0)
            fail_msg("seed %llu: numLLToStr(%lld) = \"%s\"", (unsigned long long)testSeed, v, got);
        assert_int_equal(numDigits10(v < 0 ? 0 - (uint64_t)v : (uint64_t)v), v < 0 ? n - 1 : n);
        long long back;
        assert_true(numStrToLL(got, n, &back));
        assert_true(back == v);
        unsigned long long ub;
        assert_int_equal(numStrToULL(got, n, &ub), v >= 0);
        if (v >= 0) assert_true(ub == (unsigned long long)v);
    }
}

/* ---- numStrToDouble ------------------------------------------------------ */

typedef struct dblCase {
    const char *text;
    size_t len;
    bool ok;
    double value;
} dblCase;

static void test_strToDouble_table(void **state) {
    (void)state;
    static const dblCase cases[] = {
        {LIT("0"), true, 0.0},
        {LIT("1"), true, 1.0},
        {LIT("1.5"), true, 1.5},
        {LIT("-2.25"), true, -2.25},
        {LIT("+1"), true, 1.0},
        {LIT(".5"), true, 0.5},
        {LIT("5."), true, 5.0},
        {LIT("1e3"), true, 1000.0},
        {LIT("1E3"), true, 1000.0},
        {LIT("0x10"), true, 16.0}, /* ZADD z 0x10 a; ZSCORE -> "16" */
        {LIT("0x1p3"), true, 8.0},
        {LIT("1.7976931348623157e308"), true, DBL_MAX},
        {LIT("5e-324"), true, 4.9406564584124654e-324}, /* denormal: kept */
        {LIT("1e-310"), true, 1e-310},
        {LIT("1e400"), false, 0},
        {LIT("-1e400"), false, 0},
        {LIT("1e-400"), false, 0}, /* underflow to zero */
        {LIT("nan"), false, 0},
        {LIT("NaN"), false, 0},
        {LIT("-nan"), false, 0},
        {LIT(" 1"), false, 0},
        {LIT("\t1"), false, 0},
        {LIT("\n1"), false, 0},
        {LIT("1 "), false, 0},
        {LIT(""), false, 0},
        {LIT("-"), false, 0},
        {LIT("+"), false, 0},
        {LIT("."), false, 0},
        {LIT("e1"), false, 0},
        {LIT("1e"), false, 0}, /* strtod stops before the 'e' */
        {LIT("1x"), false, 0},
        {LIT("1\0"), false, 0}, /* ZADD z "1\x00" b -> not a valid float */
        {LIT("1\0002"), false, 0},
    };
    for (size_t j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
        double v = 4242.0;
        bool ok = numStrToDouble(cases[j].text, cases[j].len, &v);
        if (ok != cases[j].ok)
            fail_msg("numStrToDouble case %zu (\"%s\"): got %d", j, cases[j].text, ok);
        if (ok) {
            if (v != cases[j].value) fail_msg("numStrToDouble case %zu: got %.17g", j, v);
        } else {
            assert_true(v == 4242.0);
        }
        assert_int_equal(numStrToDouble(cases[j].text, cases[j].len, NULL), cases[j].ok);
    }
}

static void test_strToDouble_specials(void **state) {
    (void)state;
    double v;
    assert_true(numStrToDouble(LIT("inf"), &v));
    assert_true(isinf(v) && v > 0);
    assert_true(numStrToDouble(LIT("+inf"), &v));
    assert_true(isinf(v) && v > 0);
    assert_true(numStrToDouble(LIT("-inf"), &v));
    assert_true(isinf(v) && v < 0);
    assert_true(numStrToDouble(LIT("Infinity"), &v));
    assert_true(isinf(v) && v > 0);
    assert_true(numStrToDouble(LIT("-0"), &v));
    assert_true(v == 0 && signbit(v));
    /* Only 'len' bytes are read. */
    assert_true(numStrToDouble("2.5junk", 3, &v));
    assert_true(v == 2.5);
}

static void test_strToDouble_long(void **state) {
    (void)state;
    /* Far longer than the stack copy: Redis accepts it (6000+ bytes). */
    size_t zeros = 6000;
    char *text = malloc(zeros + 16);
    assert_non_null(text);
    memcpy(text, "0.", 2);
    memset(text + 2, '0', zeros);
    size_t len = 2 + zeros;
    len += (size_t)sprintf(text + len, "1e%zu", zeros + 1);
    double v;
    assert_true(numStrToDouble(text, len, &v));
    assert_true(v == 1.0);
    text[len - 1] = 'x';
    assert_false(numStrToDouble(text, len, &v));
    free(text);

    /* Exactly at the stack buffer boundary, both sides. */
    for (size_t n = 250; n < 262; n++) {
        char *t = malloc(n);
        assert_non_null(t);
        memset(t, '0', n);
        t[n - 1] = '7';
        assert_true(numStrToDouble(t, n, &v));
        assert_true(v == 7.0);
        free(t);
    }
}

/* ---- numStrToLongDouble -------------------------------------------------- */

static void test_strToLongDouble(void **state) {
    (void)state;
    long double v = 0;
    assert_true(numStrToLongDouble(LIT("1.5"), &v));
    assert_true(v == 1.5L);
    assert_true(numStrToLongDouble(LIT("5.0e3"), &v));
    assert_true(v == 5000.0L);
    assert_true(numStrToLongDouble(LIT("1e5"), &v));
    assert_true(v == 100000.0L);
    assert_true(numStrToLongDouble(LIT("0x10"), &v));
    assert_true(v == 16.0L);
    assert_true(numStrToLongDouble(LIT("+1"), &v));
    assert_true(v == 1.0L);
    assert_true(numStrToLongDouble(LIT("inf"), &v));
    assert_true(isinf(v));
    assert_true(numStrToLongDouble(LIT("-0"), &v));
    assert_true(v == 0 && signbit(v));
    /* 1e400 overflows a double but not a long double. */
    assert_int_equal(numStrToLongDouble(LIT("1e400"), &v), LDBL_MAX_10_EXP >= 400);

    v = 99;
    assert_false(numStrToLongDouble(LIT("1e5000"), &v));
    assert_false(numStrToLongDouble(LIT("1e-5000"), &v));
    assert_false(numStrToLongDouble(LIT("nan"), &v));
    assert_false(numStrToLongDouble(LIT(" 1"), &v));
    assert_false(numStrToLongDouble(LIT("1 "), &v));
    assert_false(numStrToLongDouble(LIT(""), &v));
    assert_false(numStrToLongDouble(LIT("-"), &v));
    assert_false(numStrToLongDouble(LIT("abc"), &v));
    assert_false(numStrToLongDouble(LIT("1\0abc"), &v)); /* SET k "1\x00abc" */
    assert_true(v == 99);
#if LDBL_MANT_DIG == 64
    /* x87 extended: a denormal result is kept (INCRBYFLOAT replies "0"). */
    assert_true(numStrToLongDouble(LIT("1e-4940"), &v));
    assert_true(v > 0);
#endif
    assert_true(numStrToLongDouble("2.5junk", 3, &v));
    assert_true(v == 2.5L);
}

static void test_strToLongDouble_lengthLimit(void **state) {
    (void)state;
    /* Redis: 5119 bytes of "000...1" parse, 5120 bytes are rejected. */
    char *t = malloc(5121);
    assert_non_null(t);
    long double v;
    memset(t, '0', 5121);
    t[5118] = '1';
    assert_true(numStrToLongDouble(t, 5119, &v));
    assert_true(v == 1.0L);
    t[5118] = '0';
    t[5119] = '1';
    assert_false(numStrToLongDouble(t, 5120, &v));
    free(t);
}

/* ---- numDoubleToStr ------------------------------------------------------ */

static void expectDouble(double v, const char *want) {
    char buf[NUMFMT_DBL_BUF];
    size_t n = numDoubleToStr(buf, sizeof(buf), v);
    if (n != strlen(want) || strcmp(buf, want) != 0)
        fail_msg("numDoubleToStr(%.17g) = \"%s\", want \"%s\"", v, buf, want);
}

static double parseD(const char *s) {
    double v;
    assert_true(numStrToDouble(s, strlen(s), &v));
    return v;
}

static void test_doubleToStr(void **state) {
    (void)state;
    /* ZADD z <text> a; ZSCORE z a on redis-server 7.0.15. */
    expectDouble(parseD("1.1"), "1.1000000000000001");
    expectDouble(parseD("-1.1"), "-1.1000000000000001");
    expectDouble(parseD("1e300"), "1.0000000000000001e+300");
    expectDouble(parseD("0.1"), "0.10000000000000001");
    expectDouble(parseD("1e-300"), "1e-300");
    expectDouble(parseD("5e-324"), "4.9406564584124654e-324");
    expectDouble(parseD("2.5e-5"), "2.5000000000000001e-05");
    expectDouble(parseD("1.7976931348623157e308"), "1.7976931348623157e+308");
    expectDouble(parseD("1e16"), "10000000000000000");
    expectDouble(parseD("1e17"), "1e+17");
    expectDouble(parseD("123456789012345678"), "1.2345678901234568e+17");
    expectDouble(parseD("9007199254740993"), "9007199254740992");
    expectDouble(parseD("0x10"), "16");
    expectDouble(0.0, "0");
    expectDouble(-0.0, "-0"); /* skiplist-encoded ZSCORE of -0 */
    expectDouble(1.5, "1.5");
    expectDouble(-1.5, "-1.5");
    expectDouble(3.0, "3");
    expectDouble(-3.0, "-3");
    expectDouble(INFINITY, "inf");
    expectDouble(-INFINITY, "-inf");
    expectDouble(NAN, "nan");
    expectDouble(-NAN, "nan");

    /* Both sides of the +-2^52 integer fast path give the same digits. */
    expectDouble(4503599627370495.0, "4503599627370495");
    expectDouble(4503599627370496.0, "4503599627370496");
    expectDouble(4503599627370497.0, "4503599627370497");
    expectDouble(-4503599627370495.0, "-4503599627370495");
    expectDouble(-4503599627370496.0, "-4503599627370496");
    expectDouble(-4503599627370497.0, "-4503599627370497");
    expectDouble(4503599627370495.5, "4503599627370495.5");
    expectDouble(9007199254740992.0, "9007199254740992");
    expectDouble(18014398509481984.0, "18014398509481984");
    expectDouble(99999999999999984.0, "99999999999999984");
    expectDouble(DBL_MIN, "2.2250738585072014e-308");
}

static void test_doubleToStr_capacity(void **state) {
    (void)state;
    char buf[NUMFMT_DBL_BUF];
    assert_int_equal(numDoubleToStr(buf, 19, 1.1), 18);
    assert_string_equal(buf, "1.1000000000000001");
    assert_int_equal(numDoubleToStr(buf, 18, 1.1), 0);
    assert_int_equal(numDoubleToStr(buf, 4, INFINITY), 3);
    assert_int_equal(numDoubleToStr(buf, 3, INFINITY), 0);
    assert_int_equal(numDoubleToStr(buf, 2, -0.0), 0);
    assert_int_equal(numDoubleToStr(buf, 3, -0.0), 2);
    assert_int_equal(numDoubleToStr(buf, 2, 42.0), 0);
    assert_int_equal(numDoubleToStr(buf, 0, 1.5), 0);
    /* The longest "%.17g" output fits the advertised buffer easily. */
    assert_true(numDoubleToStr(buf, sizeof(buf), -2.2250738585072009e-308) > 0);
}

static void test_doubleToStr_randomMatchesPrintf(void **state) {
    (void)state;
    rngState = testSeed ^ 0xD0D0D0D0ULL;
    for (int j = 0; j < 200000; j++) {
        double v;
        uint64_t bits = rngNext();
        if (j % 2) {
            /* Small integers and halves, to exercise the fast path. */
            v = (double)(long long)(rngNext() >> (rngNext() % 64)) / ((j % 4 == 1) ? 1 : 2);
            if (rngNext() & 1) v = -v;
        } else {
            memcpy(&v, &bits, sizeof(v));
        }
        if (isnan(v) || isinf(v) || v == 0) continue;
        char want[64], got[NUMFMT_DBL_BUF];
        snprintf(want, sizeof(want), "%.17g", v);
        numDoubleToStr(got, sizeof(got), v);
        if (strcmp(got, want) != 0)
            fail_msg("seed %llu: numDoubleToStr(%a) = \"%s\", want \"%s\"",
                     (unsigned long long)testSeed, v, got, want);
        /* Every reply parses back to the same double. */
        assert_true(parseD(got) == v);
    }
}

/* ---- numLongDoubleToStr -------------------------------------------------- */

static void expectLongDouble(long double v, const char *want) {
    static char buf[NUMFMT_LDBL_BUF];
    size_t n = numLongDoubleToStr(buf, sizeof(buf), v);
    if (n != strlen(want) || strcmp(buf, want) != 0)
        fail_msg("numLongDoubleToStr(%La) = \"%s\", want \"%s\"", v, buf, want);
}

static long double parseLD(const char *s) {
    long double v;
    assert_true(numStrToLongDouble(s, strlen(s), &v));
    return v;
}

/* One INCRBYFLOAT: parse the stored text and the increment, add, format. */
static size_t incrByFloat(char *stored, size_t cap, const char *incr) {
    long double v = parseLD(stored) + parseLD(incr);
    return numLongDoubleToStr(stored, cap, v);
}

static void test_longDoubleToStr(void **state) {
    (void)state;
    /* SET k <text>; INCRBYFLOAT k 0 on redis-server 7.0.15. */
    expectLongDouble(3.0L, "3");
    expectLongDouble(parseLD("3.0"), "3");
    expectLongDouble(parseLD("10.5"), "10.5");
    expectLongDouble(parseLD("1e5"), "100000");
    expectLongDouble(parseLD("5.0e3"), "5000");
    expectLongDouble(parseLD("1e17"), "100000000000000000");
    expectLongDouble(parseLD("1e20"), "100000000000000000000");
    expectLongDouble(parseLD("1.1"), "1.1");
    expectLongDouble(parseLD("-1.5"), "-1.5");
    expectLongDouble(parseLD("0.0000001"), "0.0000001");
    expectLongDouble(parseLD("1e-20"), "0");
    expectLongDouble(parseLD("0x10"), "16");
    expectLongDouble(0.0L, "0");
    expectLongDouble(-0.0L, "0");
    expectLongDouble(-1e-20L, "0"); /* "-0.00000000000000000" -> "-0" -> "0" */
    expectLongDouble(-0.5L, "-0.5");
    expectLongDouble(INFINITY, "inf");
    expectLongDouble(-INFINITY, "-inf");
    expectLongDouble(NAN, "nan");
#if LDBL_MANT_DIG == 64
    expectLongDouble(parseLD("123456789.123456789"), "123456789.12345678899873747");
    expectLongDouble(
        parseLD("1e308"),
        "999999999999999999966858796558456456605600998474155672077970479949217348688"
        "380618721001269218885393204467472250540132231521347495939605835974208144301"
        "964187679591000196031907786631096045071066679391533957889389145605435630612"
        "68364901618630217086589253444881623791300855757318142424510452728255046343928578048");
#endif
}

static void test_longDoubleToStr_incrByFloatSequences(void **state) {
    (void)state;
    /* INCRBYFLOAT k 0.1, eleven times, from a missing key. */
    static const char *const tenths[] = {"0.1", "0.2", "0.3", "0.4", "0.5", "0.6",
                                         "0.7", "0.8", "0.9", "1",   "1.1"};
    char stored[NUMFMT_LDBL_BUF] = "0";
    for (size_t j = 0; j < sizeof(tenths) / sizeof(tenths[0]); j++) {
        size_t n = incrByFloat(stored, sizeof(stored), "0.1");
        assert_int_equal(n, strlen(tenths[j]));
        assert_string_equal(stored, tenths[j]);
    }
#if LDBL_MANT_DIG == 64
    /* INCRBYFLOAT k 1e308 twice: the long double does not overflow. */
    strcpy(stored, "0");
    incrByFloat(stored, sizeof(stored), "1e308");
    incrByFloat(stored, sizeof(stored), "1e308");
    assert_string_equal(stored,
                        "199999999999999999993371759311691291321120199694831134415594095989843469"
                        "737676123744200253843777078640893494450108026446304269499187921167194841"
                        "628860392837535918200039206381557326219209014213335878306791577877829121"
                        "087126122536729803237260434173178506889763247582601711514636284849020905"
                        "456510092687857156096");
#endif
}

static void test_longDoubleToStr_capacity(void **state) {
    (void)state;
    static char buf[NUMFMT_LDBL_BUF];
    /* The largest finite long double fits the advertised buffer. */
    size_t n = numLongDoubleToStr(buf, sizeof(buf), LDBL_MAX);
    assert_true(n > 0);
    assert_int_equal(n, strlen(buf));
    assert_non_null(strchr("0123456789", buf[n - 1]));
    n = numLongDoubleToStr(buf, sizeof(buf), -LDBL_MAX);
    assert_true(n > 0 && buf[0] == '-');

    /* Room is needed for the untrimmed "%.17Lf" text, as in Redis. */
    assert_int_equal(numLongDoubleToStr(buf, 20, 3.0L), 1); /* "3." + 17 zeros */
    assert_string_equal(buf, "3");
    assert_int_equal(numLongDoubleToStr(buf, 19, 3.0L), 0);
    assert_int_equal(numLongDoubleToStr(buf, 4, INFINITY), 3);
    assert_int_equal(numLongDoubleToStr(buf, 3, INFINITY), 0);
    assert_int_equal(numLongDoubleToStr(buf, 5, -INFINITY), 4);
    assert_int_equal(numLongDoubleToStr(buf, 4, -INFINITY), 0);
    assert_int_equal(numLongDoubleToStr(buf, 0, 1.0L), 0);
}

static void test_longDoubleToStr_randomRoundTrip(void **state) {
    (void)state;
    rngState = testSeed ^ 0x1D1D1D1DULL;
    for (int j = 0; j < 20000; j++) {
        long double v = (long double)(long long)(rngNext() >> (rngNext() % 64)) /
                        (long double)(1ULL << (rngNext() % 20));
        if (rngNext() & 1) v = -v;
        char buf[NUMFMT_LDBL_BUF], want[NUMFMT_LDBL_BUF];
        size_t n = numLongDoubleToStr(buf, sizeof(buf), v);
        assert_true(n > 0);
        /* Naive model of the trimming rule. */
        snprintf(want, sizeof(want), "%.17Lf", v);
        size_t wl = strlen(want);
        while (want[wl - 1] == '0')
            want[--wl] = '\0';
        if (want[wl - 1] == '.') want[--wl] = '\0';
        if (strcmp(want, "-0") == 0) strcpy(want, "0");
        if (strcmp(buf, want) != 0)
            fail_msg("seed %llu: numLongDoubleToStr(%La) = \"%s\", want \"%s\"",
                     (unsigned long long)testSeed, v, buf, want);
        assert_null(strchr(buf, 'e'));
    }
}

int main(void) {
    const char *env = getenv("NUMFMT_TEST_SEED");
    testSeed = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
    printf("test_numfmt seed %llu (NUMFMT_TEST_SEED to replay)\n", (unsigned long long)testSeed);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strToLL_table),
        cmocka_unit_test(test_strToLL_usesOnlyLen),
        cmocka_unit_test(test_strToULL_table),
        cmocka_unit_test(test_llToStr_values),
        cmocka_unit_test(test_llToStr_capacity),
        cmocka_unit_test(test_digits10),
        cmocka_unit_test(test_ll_randomRoundTrip),
        cmocka_unit_test(test_strToDouble_table),
        cmocka_unit_test(test_strToDouble_specials),
        cmocka_unit_test(test_strToDouble_long),
        cmocka_unit_test(test_strToLongDouble),
        cmocka_unit_test(test_strToLongDouble_lengthLimit),
        cmocka_unit_test(test_doubleToStr),
        cmocka_unit_test(test_doubleToStr_capacity),
        cmocka_unit_test(test_doubleToStr_randomMatchesPrintf),
        cmocka_unit_test(test_longDoubleToStr),
        cmocka_unit_test(test_longDoubleToStr_incrByFloatSequences),
        cmocka_unit_test(test_longDoubleToStr_capacity),
        cmocka_unit_test(test_longDoubleToStr_randomRoundTrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
