/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Glob matching with Redis's rules, used by KEYS, SCAN MATCH, CONFIG GET,
 * PSUBSCRIBE and friends: '*' any run, '?' one byte, '[abc]', '[a-z]',
 * '[^x]' (negation), and backslash escapes.  Byte-oriented, no locale.
 */
#ifndef TERN_DS_GLOB_H
#define TERN_DS_GLOB_H

#include <stdbool.h>
#include <stddef.h>

/* Returns true when 'str' ('slen' bytes) matches 'pat' ('plen' bytes).
 * 'nocase' folds ASCII case.  Recursion depth is bounded so that hostile
 * patterns such as "a*a*a*...b" cannot exhaust the stack or spin for ever;
 * a pattern that would exceed the bound does not match. */
bool globMatch(const char *pat, size_t plen, const char *str, size_t slen, bool nocase);

/* Returns true when 'pat' contains no special characters, so it can only
 * match itself (lets KEYS/SCAN do a direct lookup). */
bool globIsLiteral(const char *pat, size_t plen);

#endif
