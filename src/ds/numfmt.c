/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Number parsing and formatting with the exact acceptance rules and output
 * bytes of Redis 7.0, so that "not an integer" / "not a valid float" errors
 * fire on the same inputs and numeric replies are the same text.
 *
 * Integers are handled by hand (no libc): parsing is one pass over at most
 * 20 bytes, formatting writes two digits per step from a table.
 * Floating point parsing and formatting go through strtod/strtold and
 * snprintf, because Redis's observable rules are defined in terms of them
 * (which spellings strtod accepts, what "%.17g" prints); only the checks
 * around those calls are ours.  The text those functions need must be
 * NUL-terminated while our input is a (pointer, length) slice, so it is
 * copied to a stack buffer first; only a double longer than
 * NUMFMT_PARSE_STACK bytes (legal, if absurd: "0.000...1") takes a
 * temporary heap copy (ttrymalloc: the length is client-controlled).
 * Nothing else allocates and there is no state.
 */
#include "ds/numfmt.h"

#include "ds/alloc.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Redis rejects integer text of this many bytes or more outright (its
 * LONG_STR_SIZE), before looking at the digits. */
#define NUMFMT_LL_TEXT_LIMIT 21
/* string2ld copies into a 5*1024 byte buffer; longer input is rejected. */
#define NUMFMT_LDBL_TEXT_LIMIT (5 * 1024)
/* Doubles up to this length are parsed from a stack copy. */
#define NUMFMT_PARSE_STACK 256

/* "00" "01" ... "99": lets numLLToStr emit two digits per division. */
static const char numfmtDigitPairs[201] = "00010203040506070809"
                                          "10111213141516171819"
                                          "20212223242526272829"
                                          "30313233343536373839"
                                          "40414243444546474849"
                                          "50515253545556575859"
                                          "60616263646566676869"
                                          "70717273747576777879"
                                          "80818283848586878889"
                                          "90919293949596979899";

/* isspace() in the "C" locale, which is what Redis runs with for
 * character classes (it only sets LC_COLLATE from the environment). */
static bool numIsSpace(char ch) {
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' || ch == '\r';
}

static bool numIsDigit(char ch) {
    return ch >= '0' && ch <= '9';
}

/* Accumulates the decimal digits s[from, len) into '*acc'.  Returns false
 * on a non-digit or when the value no longer fits in 64 bits. */
static bool numAccumulate(const char *s, size_t from, size_t len, uint64_t *acc) {
    uint64_t v = *acc;
    for (size_t j = from; j < len; j++) {
        if (!numIsDigit(s[j])) return false;
        unsigned d = (unsigned)(s[j] - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *acc = v;
    return true;
}

/* Parses 's' ('len' bytes) as a canonical signed decimal: "0", or an
 * optional '-' followed by a non-zero digit and more digits.  "-0", "+1",
 * "01", " 1", "1 " and anything shorter than one digit or of 21 bytes and
 * more are rejected, as is anything outside [LLONG_MIN, LLONG_MAX].  On
 * success stores the value in '*out' (when 'out' is not NULL) and returns
 * true; on failure returns false and leaves '*out' alone. */
bool numStrToLL(const char *s, size_t len, long long *out) {
    if (len == 0 || len >= NUMFMT_LL_TEXT_LIMIT) return false;
    if (len == 1 && s[0] == '0') {
        if (out) *out = 0;
        return true;
    }

    bool negative = s[0] == '-';
    size_t j = negative ? 1 : 0;
    /* The first digit must be 1-9: this alone rejects "-", "-0", "00"
     * and every other leading zero. */
    if (j == len || s[j] < '1' || s[j] > '9') return false;

    uint64_t v = 0;
    if (!numAccumulate(s, j, len, &v)) return false;

    if (negative) {
        /* |LLONG_MIN| is one more than LLONG_MAX and has no positive
         * long long, so build the result without negating it. */
        if (v > (uint64_t)LLONG_MAX + 1) return false;
        if (out) *out = v == (uint64_t)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
    } else {
        if (v > (uint64_t)LLONG_MAX) return false;
        if (out) *out = (long long)v;
    }
    return true;
}

/* Parses 's' ('len' bytes) as an unsigned 64-bit decimal exactly as Redis
 * 7.0's string2ull does, which is what stream IDs (XADD, XRANGE, ...) go
 * through.  That function takes a C string, so the text ends at the first
 * NUL byte inside 'len'.  Canonical text is tried first with numStrToLL and
 * rejected if negative; otherwise the rules are strtoull's in base 10:
 * leading white space, then '+' or '-', then at least one digit, leading
 * zeros allowed, nothing after the digits, no overflow past 2^64-1, and a
 * '-' wraps the value modulo 2^64.  So " 7", "+6", "05" and "-01"
 * (= 18446744073709551615) are all accepted, as Redis accepts them.
 * Stores '*out' (when not NULL) and returns true on success; returns false
 * and leaves '*out' alone otherwise. */
bool numStrToULL(const char *s, size_t len, unsigned long long *out) {
    len = strnlen(s, len);

    long long ll;
    if (numStrToLL(s, len, &ll)) {
        if (ll < 0) return false;
        if (out) *out = (unsigned long long)ll;
        return true;
    }

    /* The lenient strtoull path.  It is done by hand so no NUL-terminated
     * copy is needed; the accepted language is the same in the C locale. */
    size_t j = 0;
    while (j < len && numIsSpace(s[j]))
        j++;
    bool negative = false;
    if (j < len && (s[j] == '+' || s[j] == '-')) {
        negative = s[j] == '-';
        j++;
    }
    if (j == len) return false; /* no digits: strtoull converts nothing */
    uint64_t v = 0;
    if (!numAccumulate(s, j, len, &v)) return false;
    if (out) *out = negative ? (unsigned long long)(0 - v) : (unsigned long long)v;
    return true;
}

/* Number of decimal digits needed for 'v'; 0 has one digit. */
unsigned numDigits10(uint64_t v) {
    unsigned n = 1;
    while (v >= 10000) {
        v /= 10000;
        n += 4;
    }
    if (v >= 1000) return n + 3;
    if (v >= 100) return n + 2;
    if (v >= 10) return n + 1;
    return n;
}

/* Writes 'v' in decimal, with a '-' when negative, followed by a NUL into
 * 'dst', which holds 'cap' bytes.  Returns the number of characters written
 * (not counting the NUL), or 0 without touching 'dst' when the text plus
 * its NUL does not fit.  NUMFMT_LL_MAX bytes always suffice. */
size_t numLLToStr(char *dst, size_t cap, long long v) {
    bool negative = v < 0;
    /* 0 - (unsigned) is well defined for LLONG_MIN too. */
    uint64_t mag = negative ? 0 - (uint64_t)v : (uint64_t)v;
    size_t len = numDigits10(mag) + (negative ? 1 : 0);
    if (len + 1 > cap) return 0;

    dst[len] = '\0';
    size_t pos = len;
    while (mag >= 100) {
        unsigned pair = (unsigned)(mag % 100) * 2;
        mag /= 100;
        dst[--pos] = numfmtDigitPairs[pair + 1];
        dst[--pos] = numfmtDigitPairs[pair];
    }
    if (mag >= 10) {
        unsigned pair = (unsigned)mag * 2;
        dst[--pos] = numfmtDigitPairs[pair + 1];
        dst[--pos] = numfmtDigitPairs[pair];
    } else {
        dst[--pos] = (char)('0' + mag);
    }
    if (negative) dst[--pos] = '-';
    return len;
}

/* Parses 's' ('len' bytes) as Redis 7.0 parses a double argument (ZADD
 * scores, ZINCRBY increments; string2d / getDoubleFromObject):
 * strtod must consume every byte, the first byte may not be white space,
 * NaN is rejected, and so is a result that overflowed to +-HUGE_VAL or
 * underflowed to zero (denormal results are kept).  Whatever strtod
 * accepts besides plain decimals is accepted too: "+1", "inf", "-Infinity",
 * "0x1p3", ".5", "5.".  An embedded NUL byte makes the input invalid.
 * Stores '*out' (when not NULL) and returns true on success.  Input longer
 * than NUMFMT_PARSE_STACK bytes is copied to the heap; if that allocation
 * fails the input is reported invalid. */
bool numStrToDouble(const char *s, size_t len, double *out) {
    if (len == 0 || numIsSpace(s[0])) return false;

    char stackbuf[NUMFMT_PARSE_STACK];
    char *buf = stackbuf;
    if (len >= sizeof(stackbuf)) {
        /* Argument length is client-controlled: fail softly, never abort. */
        buf = ttrymalloc(len + 1);
        if (buf == NULL) return false;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';

    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    bool ok = (size_t)(end - buf) == len && !isnan(v) &&
              !(errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0));
    if (buf != stackbuf) tfree(buf);

    if (ok && out) *out = v;
    return ok;
}

/* Parses 's' ('len' bytes) as a long double the way INCRBYFLOAT and
 * HINCRBYFLOAT read both the stored value and the increment (Redis's
 * string2ld): the same rules as numStrToDouble but with strtold, and input
 * of 5*1024 bytes or more is rejected without being looked at.  Stores
 * '*out' (when not NULL) and returns true on success. */
bool numStrToLongDouble(const char *s, size_t len, long double *out) {
    if (len == 0 || len >= NUMFMT_LDBL_TEXT_LIMIT || numIsSpace(s[0])) return false;

    char buf[NUMFMT_LDBL_TEXT_LIMIT];
    memcpy(buf, s, len);
    buf[len] = '\0';

    char *end;
    errno = 0;
    long double v = strtold(buf, &end);
    if ((size_t)(end - buf) != len || isnan(v) || errno == EINVAL) return false;
    if (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || v == 0)) return false;
    if (out) *out = v;
    return true;
}

/* Copies the NUL-terminated 'text' into 'buf' ('cap' bytes) when it fits.
 * Returns its length, or 0 when it does not fit. */
static size_t numCopyText(char *buf, size_t cap, const char *text) {
    size_t len = strlen(text);
    if (len + 1 > cap) return 0;
    memcpy(buf, text, len + 1);
    return len;
}

/* Writes 'v' into 'buf' ('cap' bytes, NUL-terminated) as Redis 7.0.15
 * replies with a double in RESP2 and RESP3 (ZSCORE, ZINCRBY, WITHSCORES):
 * C's "%.17g", with "inf" and "-inf" spelled out and any NaN as "nan".
 * Zero keeps its sign ("-0"), 1.1 is "1.1000000000000001", 1e300 is
 * "1.0000000000000001e+300", 1e16 is "10000000000000000" and 1e17 is
 * "1e+17".  Integral values inside +-2^52 take a fast path that prints the
 * same digits.  Returns the length written, or 0 when 'cap' is too small
 * (NUMFMT_DBL_BUF always suffices). */
size_t numDoubleToStr(char *buf, size_t cap, double v) {
    if (isnan(v)) return numCopyText(buf, cap, "nan");
    if (isinf(v)) return numCopyText(buf, cap, v > 0 ? "inf" : "-inf");
    if (v == 0) return numCopyText(buf, cap, signbit(v) ? "-0" : "0");

    /* An integer below 2^52 in magnitude converts to long long exactly and
     * "%.17g" would print it as plain digits, so skip snprintf. */
    if (v > -4503599627370496.0 && v < 4503599627370496.0 && v == (double)(long long)v)
        return numLLToStr(buf, cap, (long long)v);

    int n = snprintf(buf, cap, "%.17g", v);
    if (n < 0 || (size_t)n + 1 > cap) return 0;
    return (size_t)n;
}

/* Writes 'v' into 'buf' ('cap' bytes, NUL-terminated) as INCRBYFLOAT and
 * HINCRBYFLOAT store and reply with it (Redis's ld2string in human mode):
 * "%.17Lf", then trailing zeros after the point are dropped and a bare
 * trailing '.' with them, and a result of "-0" becomes "0".  So 3.0 is "3",
 * 10.5 is "10.5", 1e17 is "100000000000000000", 1e-20 is "0", and a huge
 * value prints every integer digit (up to about 4950 characters, hence
 * NUMFMT_LDBL_BUF).  Infinities are "inf"/"-inf" and any NaN "nan", though
 * INCRBYFLOAT refuses to produce either.  Returns the length, or 0 when
 * 'cap' is too small (the content of 'buf' is then unspecified). */
size_t numLongDoubleToStr(char *buf, size_t cap, long double v) {
    if (isnan(v)) return numCopyText(buf, cap, "nan");
    if (isinf(v)) return numCopyText(buf, cap, v > 0 ? "inf" : "-inf");

    int n = snprintf(buf, cap, "%.17Lf", v);
    if (n < 0 || (size_t)n + 1 > cap) return 0;
    size_t len = (size_t)n;

    /* A finite value printed with precision 17 always has a '.'. */
    while (buf[len - 1] == '0')
        len--;
    if (buf[len - 1] == '.') len--;
    if (len == 2 && buf[0] == '-' && buf[1] == '0') {
        buf[0] = '0';
        len = 1;
    }
    buf[len] = '\0';
    return len;
}
