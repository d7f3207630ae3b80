/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Glob matching with the observable rules of Redis 7.0's stringmatchlen,
 * quirks included, because KEYS, SCAN MATCH, PSUBSCRIBE and CONFIG GET
 * expose them to clients:
 *
 *   '*'      any run of bytes (runs of '*' count as one)
 *   '?'      exactly one byte
 *   '\x'     the byte x, outside or inside a class; a final lone '\' is a
 *            literal backslash
 *   '[...]'  one byte from the set; '[^...]' negates it.  "a-z" is a range
 *            and "z-a" means the same.  The class ends at the first ']' that
 *            is not escaped and not the end of a range, or at the end of
 *            the pattern (an unclosed class is still a class).  "[]" is an
 *            empty set and matches nothing; "[^" matches any byte.
 *
 * Range ends and the subject byte are compared as signed chars, as Redis
 * does on x86/ARM Linux, so bytes 0x80-0xff sort below '\0'.  With 'nocase'
 * ASCII letters are folded, except for an escaped byte inside a class,
 * which Redis compares exactly; range ends are folded after they are put in
 * order, so "[Z-a]" under nocase matches nothing.  The empty string is only
 * matched by the empty pattern ("*" does not match it: Redis callers treat
 * a lone "*" as "everything" before matching).
 *
 * Work is bounded the way Redis bounds it.  Each '*' tries the rest of the
 * pattern at every remaining offset, recursively; once one such attempt
 * has tried every offset and failed, no earlier '*' can do better (it
 * could only hand later offsets to the same sub-pattern), so the whole
 * match is abandoned.  That keeps "a*a*a*...b" to O(pattern * subject)
 * steps.  Stack depth is one frame per '*' and is capped at
 * GLOB_MAX_NESTING: a pattern that needs deeper nesting simply does not
 * match, as in Redis 7.
 */
#include "ds/glob.h"

/* Redis gives up at more than 1000 nested '*' expansions. */
#define GLOB_MAX_NESTING 1000

typedef struct globCtx {
    bool nocase;
    /* Set when some '*' has exhausted every offset: nothing can match. */
    bool giveUp;
} globCtx;

static int globLower(int ch) {
    return ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch;
}

static bool globSameByte(char a, char b, bool nocase) {
    if (a == b) return true;
    return nocase && globLower((unsigned char)a) == globLower((unsigned char)b);
}

/* Matches the class that starts just after the '[' at '*pp' against the
 * byte 'ch'.  On return '*pp'/'*plenp' point at the byte that ends the
 * class (its ']' or, when unclosed, the last byte of the pattern), so the
 * caller's usual one-byte step moves past it.  Returns whether 'ch' is in
 * the class, negation applied. */
static bool globClass(const char **pp, size_t *plenp, char ch, bool nocase) {
    const char *p = *pp;
    size_t plen = *plenp;
    bool negate = plen > 0 && p[0] == '^';
    if (negate) {
        p++;
        plen--;
    }

    bool hit = false;
    for (;;) {
        if (plen == 0) {
            /* Unclosed: the last pattern byte stands in for the ']'. */
            p--;
            plen++;
            break;
        }
        if (p[0] == '\\' && plen >= 2) {
            p++;
            plen--;
            /* Redis compares escaped class members exactly, even nocase. */
            if (p[0] == ch) hit = true;
        } else if (p[0] == ']') {
            break;
        } else if (plen >= 3 && p[1] == '-') {
            int lo = (signed char)p[0];
            int hi = (signed char)p[2];
            int c = (signed char)ch;
            if (lo > hi) {
                int t = lo;
                lo = hi;
                hi = t;
            }
            if (nocase) {
                lo = globLower(lo);
                hi = globLower(hi);
                c = globLower(c);
            }
            if (c >= lo && c <= hi) hit = true;
            p += 2;
            plen -= 2;
        } else if (globSameByte(p[0], ch, nocase)) {
            hit = true;
        }
        p++;
        plen--;
    }
    *pp = p;
    *plenp = plen;
    return negate ? !hit : hit;
}

static bool globMatchFrom(const char *p, size_t plen, const char *s, size_t slen, globCtx *ctx,
                          int nesting) {
    if (nesting > GLOB_MAX_NESTING) return false;

    while (plen > 0 && slen > 0) {
        switch (p[0]) {
            case '*':
                while (plen > 1 && p[1] == '*') {
                    p++;
                    plen--;
                }
                if (plen == 1) return true;
                /* Try the rest of the pattern at every offset.  Offsets are not
                 * tried at the very end of the subject: the rest starts with a
                 * non-'*' byte and so cannot match an empty string. */
                while (slen > 0) {
                    if (globMatchFrom(p + 1, plen - 1, s, slen, ctx, nesting + 1)) return true;
                    if (ctx->giveUp) return false;
                    s++;
                    slen--;
                }
                ctx->giveUp = true;
                return false;
            case '?':
                break;
            case '[':
                p++;
                plen--;
                if (!globClass(&p, &plen, s[0], ctx->nocase)) return false;
                break;
            case '\\':
                if (plen >= 2) {
                    p++;
                    plen--;
                }
                if (!globSameByte(p[0], s[0], ctx->nocase)) return false;
                break;
            default:
                if (!globSameByte(p[0], s[0], ctx->nocase)) return false;
                break;
        }
        p++;
        plen--;
        s++;
        slen--;
        if (slen == 0) {
            /* Trailing stars match the empty rest of the subject. */
            while (plen > 0 && p[0] == '*') {
                p++;
                plen--;
            }
        }
    }
    return plen == 0 && slen == 0;
}

/* Returns true when 'str' ('slen' bytes) matches 'pat' ('plen' bytes);
 * 'nocase' folds ASCII letters.  Neither buffer needs a NUL terminator and
 * both may contain any bytes.  The rules, quirks and work bound are those
 * in the file header: at most GLOB_MAX_NESTING nested '*' expansions, past
 * which the pattern does not match.  Never fails otherwise. */
bool globMatch(const char *pat, size_t plen, const char *str, size_t slen, bool nocase) {
    globCtx ctx = {.nocase = nocase, .giveUp = false};
    return globMatchFrom(pat, plen, str, slen, &ctx, 0);
}

/* Returns true when 'pat' ('plen' bytes) contains none of '*', '?', '['
 * or '\', so the only string it can match is itself. */
bool globIsLiteral(const char *pat, size_t plen) {
    for (size_t j = 0; j < plen; j++) {
        char ch = pat[j];
        if (ch == '*' || ch == '?' || ch == '[' || ch == '\\') return false;
    }
    return true;
}
