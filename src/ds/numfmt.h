/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Number parsing and formatting with Redis's exact rules, so replies
 * and errors match byte for byte.  Pure functions with no state; the only
 * allocation is a temporary copy inside numStrToDouble for input longer
 * than a few hundred bytes.
 */
#ifndef TERN_DS_NUMFMT_H
#define TERN_DS_NUMFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Buffer size that always fits numLLToStr output: the 20 characters of
 * "-9223372036854775808" plus the NUL. */
#define NUMFMT_LL_MAX 21
/* Buffer size that always fits numDoubleToStr / numLongDoubleToStr output. */
#define NUMFMT_DBL_BUF 128
#define NUMFMT_LDBL_BUF 5200

/* Parses 's' ('len' bytes) as a signed 64-bit decimal the way Redis's
 * string2ll does: optional '-', digits, no '+', no spaces, no leading zeros
 * (except "0" itself), must fit.  Returns true and stores '*out' on success. */
bool numStrToLL(const char *s, size_t len, long long *out);

/* Parses 's' ('len' bytes, ending early at a NUL) as an unsigned 64-bit
 * decimal the way Redis's string2ull does for stream IDs: canonical text as
 * numStrToLL (negative rejected), otherwise strtoull's base-10 rules, so
 * leading spaces, a '+' or '-' sign and leading zeros are accepted and '-'
 * wraps modulo 2^64 ("05" -> 5, "-01" -> 2^64-1).  Overflow is rejected. */
bool numStrToULL(const char *s, size_t len, unsigned long long *out);

/* Writes 'v' in decimal to 'dst' (capacity 'cap', NUL-terminated) and
 * returns the length, or 0 when 'cap' is too small. */
size_t numLLToStr(char *dst, size_t cap, long long v);

/* Number of decimal digits of 'v' (used to size replies without writing). */
unsigned numDigits10(uint64_t v);

/* Parses a double as Redis's string2d: strtod over the whole input, no
 * leading/trailing space, NaN rejected, "inf"/"-inf"/"+inf" accepted.
 * Returns true on success. */
bool numStrToDouble(const char *s, size_t len, double *out);

/* Parses a long double as Redis's string2ld (INCRBYFLOAT, HINCRBYFLOAT):
 * strtold over the whole input, at most 5*1024 bytes, no spaces, NaN
 * rejected.  Returns true on success. */
bool numStrToLongDouble(const char *s, size_t len, long double *out);

/* Formats a double the way Redis 7.0 replies with one (ZSCORE etc.):
 * "inf"/"-inf"/"nan", zero as "0" or "-0", everything else as "%.17g"
 * prints it (1.1 -> "1.1000000000000001", 1e17 -> "1e+17"); integral values
 * inside +-2^52 take a faster path with the same digits.  Returns the
 * length written to 'buf', or 0 when 'cap' is too small. */
size_t numDoubleToStr(char *buf, size_t cap, double v);

/* Formats a long double the way INCRBYFLOAT replies (ld2string, human mode):
 * "%.17Lf" with trailing zeros and a trailing '.' removed, "-0" as "0",
 * "inf"/"-inf".  Returns the length, or 0 on failure. */
size_t numLongDoubleToStr(char *buf, size_t cap, long double v);

#endif
