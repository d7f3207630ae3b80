/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for src/ds/glob.c.  Fixed cases come from Debian's
 * redis-server 7.0.15 (KEYS for case-sensitive matching, CONFIG GET for
 * nocase), quirks included; a randomized cross-check compares globMatch
 * with a naive model (tokenize, then dynamic programming, no work bound)
 * on short patterns over a small alphabet, printing its seed
 * (GLOB_TEST_SEED replays one); and the pathological patterns that Redis
 * bounds are checked for both their answer and their running time.
 */
#include "ds/glob.h"

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

static bool match(const char *pat, const char *str) {
    return globMatch(pat, strlen(pat), str, strlen(str), false);
}

static bool matchNocase(const char *pat, const char *str) {
    return globMatch(pat, strlen(pat), str, strlen(str), true);
}

static double nowSeconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Returns a heap string of 'times' copies of 'unit'. */
static char *repeat(const char *unit, size_t times) {
    size_t ulen = strlen(unit);
    char *out = malloc(ulen * times + 1);
    assert_non_null(out);
    for (size_t j = 0; j < times; j++)
        memcpy(out + j * ulen, unit, ulen);
    out[ulen * times] = '\0';
    return out;
}

/* ---- plain semantics ----------------------------------------------------- */

static void test_basics(void **state) {
    (void)state;
    assert_true(match("hello", "hello"));
    assert_false(match("hello", "hell"));
    assert_false(match("hell", "hello"));
    assert_false(match("hello", "Hello"));
    assert_true(match("h?llo", "hello"));
    assert_true(match("h?llo", "hallo"));
    assert_false(match("h?llo", "hllo"));
    assert_true(match("h*llo", "hllo"));
    assert_true(match("h*llo", "heeeello"));
    assert_true(match("h*", "h"));
    assert_true(match("*o", "hello"));
    assert_true(match("*ll*", "hello"));
    assert_false(match("*x*", "hello"));
    assert_true(match("*", "anything"));
    assert_true(match("***", "x"));
    assert_true(match("a***b", "ab"));
    assert_true(match("a*b*c", "aXbYc"));
    assert_true(match("a*b*c", "abbbcbc"));
    assert_false(match("a*b*c", "acb"));
    assert_true(match("??", "ab"));
    assert_false(match("??", "a"));
    assert_true(match("user:*:name", "user:1000:name"));
    assert_false(match("user:*:name", "user:1000:nam"));
}

static void test_emptyStrings(void **state) {
    (void)state;
    assert_true(match("", ""));
    assert_false(match("", "a"));
    /* Redis: SET "" x; KEYS ** and SCAN MATCH ** do not return "". */
    assert_false(match("*", ""));
    assert_false(match("**", ""));
    assert_false(match("?", ""));
    assert_false(match("[^a]", ""));
    assert_true(match("a*", "a"));
    assert_true(match("a**", "a"));
    assert_false(match("a*?", "a"));
}

static void test_classes(void **state) {
    (void)state;
    assert_true(match("h[ae]llo", "hello"));
    assert_true(match("h[ae]llo", "hallo"));
    assert_false(match("h[ae]llo", "hillo"));
    assert_true(match("h[^e]llo", "hallo"));
    assert_false(match("h[^e]llo", "hello"));
    assert_true(match("h[a-b]llo", "hbllo"));
    assert_false(match("h[a-b]llo", "hcllo"));
    assert_true(match("[0-9][0-9]", "42"));
    assert_false(match("[0-9][0-9]", "4x"));
    assert_true(match("[abc0-9x]", "7"));
    assert_true(match("[abc0-9x]", "x"));
    assert_false(match("[abc0-9x]", "d"));
    /* Reversed ranges mean the same range. */
    assert_true(match("[z-a]", "m"));
    assert_true(match("[9-0]", "5"));
    assert_false(match("[z-a]", "A"));
    /* Range ends are inclusive. */
    assert_true(match("[b-d]", "b"));
    assert_true(match("[b-d]", "d"));
    assert_false(match("[b-d]", "a"));
    assert_false(match("[b-d]", "e"));
    /* '-' is an ordinary member only where no range fits.  "[ab-]" is
     * 'a', then the range 'b'..']' (the ']' is taken as the range end and
     * the class never closes), so it has no '-'. */
    assert_true(match("[-a]", "-"));
    assert_true(match("[a-]", "_"));
    assert_false(match("[ab-]", "-"));
    assert_true(match("[ab-]", "_"));
    assert_true(match("[ab-]", "a"));
    /* A class consumes exactly one byte. */
    assert_false(match("[ab]", "ab"));
    assert_false(match("[^a]", "bb"));
}

/* Results of KEYS <pattern> on a redis-server 7.0.15 holding exactly the
 * keys abc, ABC, a], \, b, x and ^. */
static void test_redisKeysQuirks(void **state) {
    (void)state;
    static const char *const keys[] = {"abc", "ABC", "a]", "\\", "b", "x", "^"};
    static const struct {
        const char *pattern;
        const char *matches; /* the matching keys, space separated */
    } cases[] = {
        /* "a-]" is the range ']'..'a' and the class never closes, so the
         * '*' is a member too: one byte from "]^_`a*". */
        {"[a-]*", "^"},       {"[z-a]*", "abc a] b x"},
        {"[\\]]*", ""},       {"\\\\", "\\"},
        {"[^a]", "\\ b x ^"}, {"a\\", ""},
        {"*\\", "\\"},        {"[\\", "\\"}, /* a lone '\' at the end of a class is literal */
        {"[a-", ""},          {"[]", ""},    /* empty set */
        {"[]]*", ""},                        /* empty set, then "]*" */
        {"[\\a]*", "abc a]"}, {"[A-Z]*", "ABC"},
        {"?", "\\ b x ^"},    {"*", "abc ABC a] \\ b x ^"},
    };
    for (size_t j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
        char got[128] = "";
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
            if (!match(cases[j].pattern, keys[k])) continue;
            if (got[0]) strcat(got, " ");
            strcat(got, keys[k]);
        }
        if (strcmp(got, cases[j].matches) != 0)
            fail_msg("KEYS %s: got {%s}, want {%s}", cases[j].pattern, got, cases[j].matches);
    }
}

static void test_unclosedAndDegenerateClasses(void **state) {
    (void)state;
    /* "[" alone: an empty unclosed class, matches nothing. */
    assert_false(match("[", "a"));
    assert_false(match("[", "["));
    /* "[^": negated empty class, matches any one byte (KEYS [^ -> "a"). */
    assert_true(match("[^", "a"));
    assert_true(match("[^", "^"));
    assert_false(match("[^", "ab"));
    assert_true(match("[^]", "z"));
    /* Unclosed class with members. */
    assert_true(match("[abc", "b"));
    assert_false(match("[abc", "d"));
    assert_false(match("[abc", "bc"));
    assert_true(match("x[ab", "xa"));
    /* An escaped ']' is a member and does not close the class. */
    assert_true(match("[\\]]", "]"));
    assert_true(match("[\\]a]", "a"));
    assert_false(match("[\\]]", "\\"));
    /* ']' right after '[' closes an empty set. */
    assert_false(match("[]a]", "a"));
    assert_false(match("[]a]", "]"));
}

static void test_escapes(void **state) {
    (void)state;
    assert_true(match("\\*", "*"));
    assert_false(match("\\*", "a"));
    assert_true(match("\\?", "?"));
    assert_false(match("\\?", "a"));
    assert_true(match("\\[a]", "[a]"));
    assert_false(match("\\[a]", "a"));
    assert_true(match("a\\*b", "a*b"));
    assert_false(match("a\\*b", "aXb"));
    assert_true(match("\\a", "a")); /* escaping an ordinary byte */
    assert_true(match("\\\\", "\\"));
    assert_true(match("\\", "\\")); /* trailing lone '\' is literal */
    assert_false(match("\\", "a"));
    assert_true(match("[\\-]", "-"));
    assert_true(match("[\\^]", "^"));
    assert_false(match("[\\^]", "a"));
    /* An escaped byte cannot start a range: "[\a-c]" is {a, -, c}. */
    assert_true(match("[\\a-c]", "-"));
    assert_true(match("[\\a-c]", "c"));
    assert_false(match("[\\a-c]", "b"));
}

/* CONFIG GET <pattern> on redis-server 7.0.15 (nocase) against the
 * parameter "maxmemory". */
static void test_nocase(void **state) {
    (void)state;
    assert_true(matchNocase("MAXMEMORY", "maxmemory"));
    assert_true(matchNocase("maxmemor?", "maxmemory"));
    assert_true(matchNocase("MAX*", "maxmemory"));
    assert_true(matchNocase("\\MAXMEMOR?", "maxmemory"));
    assert_true(matchNocase("\\maxmemor?", "maxmemory"));
    assert_true(matchNocase("[M]axmemory", "maxmemory"));
    assert_true(matchNocase("[^M]axmemory", "baxmemory"));
    assert_false(matchNocase("[^M]axmemory", "maxmemory"));
    assert_true(matchNocase("[M-m]axmemory", "maxmemory"));
    assert_true(matchNocase("[L-N]axmemory", "maxmemory"));
    /* Quirk: an escaped member of a class is compared exactly. */
    assert_false(matchNocase("[\\M]axmemory", "maxmemory"));
    assert_true(matchNocase("[\\m]axmemory", "maxmemory"));
    /* Quirk: range ends are folded after ordering, so 'Z'..'a' becomes
     * 'z'..'a', which is empty. */
    assert_false(matchNocase("[Z-a]axmemory", "maxmemory"));
    assert_false(matchNocase("[Z-a]", "Z"));
    assert_false(matchNocase("[Z-a]", "_"));
    assert_true(match("[Z-a]", "_"));
    /* Only ASCII letters fold. */
    assert_false(matchNocase("\xc0", "\xe0"));
    assert_false(matchNocase("@", "`"));
    assert_true(matchNocase("hello", "HeLLo"));
    assert_false(match("hello", "HeLLo"));
}

static void test_binarySafety(void **state) {
    (void)state;
    /* Embedded NULs on both sides; lengths, not terminators, count. */
    assert_true(globMatch("a?b", 3, "a\0b", 3, false));
    assert_true(globMatch("a\0*", 3, "a\0b", 3, false));
    assert_false(globMatch("a\0*", 3, "a", 1, false));
    assert_true(globMatch("[\0]", 3, "\0", 1, false));
    /* Only 'plen' pattern bytes are read. */
    assert_true(globMatch("ab*junk", 2, "ab", 2, false));
    assert_true(globMatch("a[bc]", 3, "ab", 2, false)); /* unclosed "[b" */
    assert_false(globMatch("a[bc]", 3, "ac", 2, false));

    /* Ranges compare signed chars, as Redis does: KEYS "[a-\xff]" over
     * {\xff, \x80, \xfe, b, A, \x00} returns A, \x00 and \xff. */
    const char *rng = "[a-\xff]";
    assert_true(globMatch(rng, 5, "\xff", 1, false));
    assert_true(globMatch(rng, 5, "A", 1, false));
    assert_true(globMatch(rng, 5, "\0", 1, false));
    assert_false(globMatch(rng, 5, "\x80", 1, false));
    assert_false(globMatch(rng, 5, "\xfe", 1, false));
    assert_false(globMatch(rng, 5, "b", 1, false));
    assert_true(match("[\x80-\x90]", "\x80"));
    assert_false(match("[\x80-\x90]", "\xfe"));
    assert_true(match("[^a-\xff]", "\xfe"));
    assert_true(match("[^a-\xff]", "b"));
    assert_true(match("\xff*", "\xff\xfe"));
}

/* ---- bounded work ---------------------------------------------------------- */

static void test_nestingLimit(void **state) {
    (void)state;
    /* KEYS with ("*a" x k) over the key "a" x 1001: k=1000 matches,
     * k=1001 does not (each '*' nests one level; Redis stops past 1000). */
    char *subject = repeat("a", 1001);
    char *p999 = repeat("*a", 999);
    char *p1000 = repeat("*a", 1000);
    char *p1001 = repeat("*a", 1001);
    assert_true(match(p999, subject));
    assert_true(match(p1000, subject));
    assert_false(match(p1001, subject));
    /* Stars reached only after the subject is used up do not nest. */
    char *trailing = repeat("a*", 1001);
    assert_true(match(trailing, subject));
    char *pat = malloc(1001 + 3000 + 1);
    assert_non_null(pat);
    memset(pat, 'a', 1001);
    memset(pat + 1001, '*', 3000);
    pat[4001] = '\0';
    assert_true(match(pat, subject));
    /* Consecutive stars collapse into one level. */
    char *doubled = repeat("**a", 1000);
    assert_true(match(doubled, subject));
    free(subject);
    free(p999);
    free(p1000);
    free(p1001);
    free(trailing);
    free(pat);
    free(doubled);
}

static void test_pathologicalIsFast(void **state) {
    (void)state;
    char *subject = repeat("a", 30000);
    static const char *const patterns[] = {
        "a*a*a*a*a*a*a*a*a*a*b",
        "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
        "*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?b",
        "*[a]*[a]*[a]*[a]*[a]*[a]*[a]*[a]*[a]*[a]*[b]",
        "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*aa",
    };
    double start = nowSeconds();
    for (size_t j = 0; j + 1 < sizeof(patterns) / sizeof(patterns[0]); j++)
        assert_false(match(patterns[j], subject));
    assert_true(match(patterns[4], subject));
    /* Nocase takes the same path. */
    assert_false(matchNocase(patterns[0], subject));

    /* Hundreds of stars against a long subject that almost matches. */
    char *many = repeat("*a", 900);
    char *manyB = malloc(strlen(many) + 2);
    assert_non_null(manyB);
    strcpy(manyB, many);
    strcat(manyB, "b");
    assert_false(match(manyB, subject));
    double elapsed = nowSeconds() - start;
    /* Backtracking without the bound would take longer than the universe;
     * the bounded matcher needs milliseconds (seconds under sanitizers). */
    if (elapsed > 10.0) fail_msg("pathological patterns took %.2fs", elapsed);
    free(many);
    free(manyB);
    free(subject);
}

/* ---- randomized cross-check against a naive model --------------------------- */

enum { TOK_LIT, TOK_ANY, TOK_STAR, TOK_CLASS };
enum { MEM_EXACT, MEM_FOLD, MEM_RANGE };

typedef struct modelMember {
    int kind;
    unsigned char a, b;
} modelMember;

typedef struct modelTok {
    int kind;
    unsigned char byte; /* TOK_LIT */
    bool negate;        /* TOK_CLASS */
    int nmembers;
    modelMember members[32];
} modelTok;

static int modelLower(int ch) {
    return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
}

/* Tokenizes 'p' the way the documented rules read it, independently of
 * glob.c's pointer walking. */
static int modelCompile(const char *p, size_t n, modelTok *toks) {
    int nt = 0;
    size_t i = 0;
    while (i < n) {
        modelTok *t = &toks[nt++];
        memset(t, 0, sizeof(*t));
        if (p[i] == '*') {
            t->kind = TOK_STAR;
            i++;
        } else if (p[i] == '?') {
            t->kind = TOK_ANY;
            i++;
        } else if (p[i] == '\\') {
            t->kind = TOK_LIT;
            t->byte = (unsigned char)(i + 1 < n ? p[i + 1] : '\\');
            i += i + 1 < n ? 2 : 1;
        } else if (p[i] == '[') {
            t->kind = TOK_CLASS;
            size_t j = i + 1;
            if (j < n && p[j] == '^') {
                t->negate = true;
                j++;
            }
            for (;;) {
                if (j >= n) { /* unclosed: runs to the end */
                    i = n;
                    break;
                }
                modelMember *m = &t->members[t->nmembers];
                if (p[j] == '\\' && j + 1 < n) {
                    *m = (modelMember){MEM_EXACT, (unsigned char)p[j + 1], 0};
                    j += 2;
                } else if (p[j] == ']') {
                    i = j + 1;
                    break;
                } else if (j + 2 < n && p[j + 1] == '-') {
                    *m = (modelMember){MEM_RANGE, (unsigned char)p[j], (unsigned char)p[j + 2]};
                    j += 3;
                } else {
                    *m = (modelMember){MEM_FOLD, (unsigned char)p[j], 0};
                    j++;
                }
                t->nmembers++;
            }
        } else {
            t->kind = TOK_LIT;
            t->byte = (unsigned char)p[i];
            i++;
        }
    }
    return nt;
}

static bool modelByte(const modelTok *t, unsigned char ch, bool nocase) {
    switch (t->kind) {
        case TOK_ANY:
            return true;
        case TOK_LIT:
            return t->byte == ch || (nocase && modelLower(t->byte) == modelLower(ch));
        default:
            break;
    }
    bool hit = false;
    for (int k = 0; k < t->nmembers; k++) {
        const modelMember *m = &t->members[k];
        if (m->kind == MEM_EXACT) {
            hit |= m->a == ch;
        } else if (m->kind == MEM_FOLD) {
            hit |= m->a == ch || (nocase && modelLower(m->a) == modelLower(ch));
        } else {
            int lo = (signed char)m->a, hi = (signed char)m->b, c = (signed char)ch;
            if (lo > hi) {
                int tmp = lo;
                lo = hi;
                hi = tmp;
            }
            if (nocase) {
                lo = modelLower(lo);
                hi = modelLower(hi);
                c = modelLower(c);
            }
            hit |= c >= lo && c <= hi;
        }
    }
    return t->negate ? !hit : hit;
}

/* Classic DP: ok[i][j] = tokens i.. match subject j..  Only the empty
 * pattern matches the empty subject (Redis's rule). */
static bool modelMatch(const char *p, size_t plen, const char *s, size_t slen, bool nocase) {
    if (slen == 0) return plen == 0;
    modelTok toks[32];
    int nt = modelCompile(p, plen, toks);
    bool ok[33][33];
    memset(ok, 0, sizeof(ok));
    ok[nt][slen] = true;
    for (int i = nt - 1; i >= 0; i--) {
        for (int j = (int)slen; j >= 0; j--) {
            if (toks[i].kind == TOK_STAR)
                ok[i][j] = ok[i + 1][j] || (j < (int)slen && ok[i][j + 1]);
            else
                ok[i][j] = j < (int)slen && modelByte(&toks[i], (unsigned char)s[j], nocase) &&
                           ok[i + 1][j + 1];
        }
    }
    return ok[0][0];
}

static uint64_t rngState;

static uint64_t rngNext(void) {
    uint64_t z = (rngState += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void test_randomAgainstModel(void **state) {
    (void)state;
    static const char patAlpha[] = "abA*?[]^-\\\xff";
    static const char strAlpha[] = "abAB-]^\\\xff";
    rngState = testSeed;
    long matches = 0;
    for (int iter = 0; iter < 400000; iter++) {
        char pat[12], str[12];
        size_t plen = rngNext() % 11, slen = rngNext() % 11;
        for (size_t j = 0; j < plen; j++)
            pat[j] = patAlpha[rngNext() % (sizeof(patAlpha) - 1)];
        for (size_t j = 0; j < slen; j++)
            str[j] = strAlpha[rngNext() % (sizeof(strAlpha) - 1)];
        bool nocase = rngNext() & 1;
        bool want = modelMatch(pat, plen, str, slen, nocase);
        bool got = globMatch(pat, plen, str, slen, nocase);
        if (got != want)
            fail_msg("seed %llu: globMatch(\"%.*s\", \"%.*s\", nocase=%d) = %d, model says %d",
                     (unsigned long long)testSeed, (int)plen, pat, (int)slen, str, nocase, got,
                     want);
        matches += got;
    }
    /* The alphabet is small enough that plenty of pairs do match. */
    assert_true(matches > 10000);
}

/* ---- globIsLiteral --------------------------------------------------------- */

static void test_isLiteral(void **state) {
    (void)state;
    assert_true(globIsLiteral("", 0));
    assert_true(globIsLiteral("hello", 5));
    assert_true(globIsLiteral("a]b^c-d", 7)); /* ']' '^' '-' are plain outside [ */
    assert_true(globIsLiteral("a\0b", 3));
    assert_false(globIsLiteral("a*", 2));
    assert_false(globIsLiteral("?", 1));
    assert_false(globIsLiteral("x[y", 3));
    assert_false(globIsLiteral("x\\y", 3));
    assert_false(globIsLiteral("a\0*", 3));
    /* Only 'plen' bytes count. */
    assert_true(globIsLiteral("ab*", 2));
    /* A literal pattern matches itself and nothing else. */
    assert_true(match("a]b^c-d", "a]b^c-d"));
}

int main(void) {
    const char *env = getenv("GLOB_TEST_SEED");
    testSeed = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
    printf("test_glob seed %llu (GLOB_TEST_SEED to replay)\n", (unsigned long long)testSeed);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basics),
        cmocka_unit_test(test_emptyStrings),
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_redisKeysQuirks),
        cmocka_unit_test(test_unclosedAndDegenerateClasses),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_nocase),
        cmocka_unit_test(test_binarySafety),
        cmocka_unit_test(test_nestingLimit),
        cmocka_unit_test(test_pathologicalIsFast),
        cmocka_unit_test(test_randomAgainstModel),
        cmocka_unit_test(test_isLiteral),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
