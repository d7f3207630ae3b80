/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for src/ds/chunklist.c.  Fixed cases cover the integer
 * encodings at each width boundary, strings at the 63/64 and 65535/65536
 * length boundaries, chunk limits at N and N+1 entries (count fills) and
 * bytes (size fills), huge elements that get a chunk of their own, and the
 * bounds checks of clBytesValid on truncated and oversized lengths.  A
 * randomized cross-check runs thousands of mixed operations against a
 * naive array model under several fills, validating every invariant after
 * each step; it prints its seed (CHUNKLIST_TEST_SEED replays one).
 */
#include "ds/chunklist.h"

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

static uint64_t testSeed;
static uint64_t rngState;

static uint64_t rnd(void) {
    /* xorshift64*: reproducible from the printed seed. */
    rngState ^= rngState >> 12;
    rngState ^= rngState << 25;
    rngState ^= rngState >> 27;
    return rngState * 2685821657736338717ULL;
}

static size_t rndBelow(size_t n) { return n ? (size_t)(rnd() % n) : 0; }

static void assertEntryIs(const clEntry *e, const char *s, size_t len) {
    char buf[CL_INT_BUF];
    const unsigned char *p;
    size_t n = clEntryBytes(e, buf, &p);
    assert_int_equal(n, len);
    assert_memory_equal(p, s, len);
}

static void pushStr(chunklist *l, int where, const char *s) { clPush(l, where, s, strlen(s)); }

/* ---- encodings ---------------------------------------------------------- */

static void test_integerEncodingsRoundTripAtEveryWidth(void **state) {
    (void)state;
    static const struct {
        const char *s;
        size_t size;
    } cases[] = {
        {"0", 1},
        {"127", 1},
        {"128", 2},
        {"-1", 2},
        {"4095", 2},
        {"-4096", 2},
        {"4096", 3},
        {"-4097", 3},
        {"524287", 3},
        {"-524288", 3},
        {"524288", 4},
        {"-524289", 4},
        {"67108863", 4},
        {"-67108864", 4},
        {"67108864", 5},
        {"-67108865", 5},
        {"2147483647", 5},
        {"-2147483648", 5},
        {"2147483648", 9},
        {"-2147483649", 9},
        {"9223372036854775807", 9},
        {"-9223372036854775808", 9},
    };
    chunklist *l = clCreate(-2);
    for (size_t j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
        assert_int_equal(clEncodedSize(cases[j].s, strlen(cases[j].s)), cases[j].size);
        pushStr(l, CL_TAIL, cases[j].s);
    }
    assert_true(clValidate(l));
    for (size_t j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
        clEntry e;
        assert_true(clIndex(l, (long long)j, &e));
        assert_null(e.str);
        assertEntryIs(&e, cases[j].s, strlen(cases[j].s));
    }
    clRelease(l);
}

static void test_nonCanonicalNumbersStayStrings(void **state) {
    (void)state;
    static const char *cases[] = {"01", "-0", "+5", " 5", "5 ", "1e3", "0x10", "",
                                  "9223372036854775808", "-9223372036854775809", "1.5"};
    chunklist *l = clCreate(-2);
    for (size_t j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
        assert_int_equal(clEncodedSize(cases[j], strlen(cases[j])), 1 + strlen(cases[j]));
        pushStr(l, CL_HEAD, cases[j]);
    }
    size_t n = sizeof(cases) / sizeof(cases[0]);
    for (size_t j = 0; j < n; j++) {
        clEntry e;
        assert_true(clIndex(l, -1 - (long long)j, &e));
        assert_non_null(e.str);
        assertEntryIs(&e, cases[j], strlen(cases[j]));
    }
    clRelease(l);
}

static void test_stringLengthBoundaries(void **state) {
    (void)state;
    static const size_t lens[] = {0, 1, 63, 64, 65535, 65536, 100000};
    static const size_t hdr[] = {1, 1, 1, 3, 3, 5, 5};
    chunklist *l = clCreate(-2);
    for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
        char *s = malloc(lens[j] + 1);
        for (size_t k = 0; k < lens[j]; k++) s[k] = (char)('a' + (k * 7 + j) % 26);
        assert_int_equal(clEncodedSize(s, lens[j]), hdr[j] + lens[j]);
        clPush(l, CL_TAIL, s, lens[j]);
        free(s);
    }
    assert_true(clValidate(l));
    for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
        clEntry e;
        assert_true(clIndex(l, (long long)j, &e));
        assert_int_equal(e.len, lens[j]);
        for (size_t k = 0; k < lens[j]; k++) assert_int_equal(e.str[k], 'a' + (k * 7 + j) % 26);
    }
    clRelease(l);
}

static void test_needlesMatchByValueAndEncoding(void **state) {
    (void)state;
    chunklist *l = clCreate(-2);
    pushStr(l, CL_TAIL, "1");
    pushStr(l, CL_TAIL, "01");
    pushStr(l, CL_TAIL, "x");
    clNeedle n;
    clEntry e;
    clNeedleInit(&n, "1", 1);
    assert_true(clIndex(l, 0, &e) && clMatches(&e, &n));
    assert_true(clIndex(l, 1, &e) && !clMatches(&e, &n));
    clNeedleInit(&n, "01", 2);
    assert_true(clIndex(l, 0, &e) && !clMatches(&e, &n));
    assert_true(clIndex(l, 1, &e) && clMatches(&e, &n));
    clNeedleInit(&n, "", 0);
    assert_true(clIndex(l, 2, &e) && !clMatches(&e, &n));
    clRelease(l);
}

/* ---- chunk limits ------------------------------------------------------- */

static void test_countFillSplitsAtNPlusOne(void **state) {
    (void)state;
    static const int fills[] = {1, 2, 3, 16, 17, 128};
    for (size_t f = 0; f < sizeof(fills) / sizeof(fills[0]); f++) {
        for (int where = CL_HEAD; where <= CL_TAIL; where++) {
            int n = fills[f];
            chunklist *l = clCreate(n);
            for (int j = 0; j < n; j++) pushStr(l, where, "v");
            assert_int_equal(l->chunks, 1);
            pushStr(l, where, "v");
            assert_int_equal(l->chunks, 2);
            assert_true(clValidate(l));
            clRelease(l);
        }
    }
    /* 0 acts as 1, as in Redis. */
    chunklist *l = clCreate(0);
    pushStr(l, CL_TAIL, "a");
    pushStr(l, CL_TAIL, "b");
    assert_int_equal(l->chunks, 2);
    clRelease(l);
}

static void test_sizeFillSplitsAtTheByteLimit(void **state) {
    (void)state;
    /* Entries of 64 bytes (63-byte strings with a 1-byte header; they
     * share 31 bytes with their group's first, but a 32-byte rest is too
     * long for prefix coding, so every entry stays 64 bytes). */
    char s[64];
    memset(s, 'z', 63);
    for (int fill = -1; fill >= -6; fill--) {
        int level = fill < -5 ? 5 : -fill;
        for (int where = CL_HEAD; where <= CL_TAIL; where++) {
            chunklist *l = clCreate(fill);
            size_t fits = clChunkDataLimit(l) / 64;
            assert_true(clChunkDataLimit(l) < (4096u << (level - 1)));
            assert_true(fits >= (4096u << (level - 1)) / 64 - 1);
            for (size_t j = 0; j < fits; j++) clPush(l, where, s, 63);
            assert_int_equal(l->chunks, 1);
            clPush(l, where, s, 63);
            assert_int_equal(l->chunks, 2);
            assert_true(clValidate(l));
            /* A full chunk stays inside its allocator size class. */
            assert_true(clMemoryUsage(l) <= 2 * (4096u << (level - 1)) + 512);
            clRelease(l);
        }
    }
}

static void test_hugeElementsGetTheirOwnChunk(void **state) {
    (void)state;
    size_t big = 200000;
    char *s = malloc(big);
    memset(s, 'h', big);
    chunklist *l = clCreate(-2);
    pushStr(l, CL_TAIL, "a");
    clPush(l, CL_TAIL, s, big);
    pushStr(l, CL_TAIL, "b");
    assert_int_equal(l->chunks, 3);
    clInsertAt(l, 2, "c", 1);
    clInsertAt(l, 1, "d", 1);
    assert_true(clValidate(l));
    clEntry e;
    assert_true(clIndex(l, 2, &e));
    assert_int_equal(e.len, big);
    /* Replacing the huge element with a small one and back. */
    clReplaceAt(l, 2, "small", 5);
    assert_true(clValidate(l));
    clReplaceAt(l, 0, s, big);
    assert_true(clValidate(l));
    assert_true(clIndex(l, 0, &e) && e.len == big);
    clDeleteRange(l, 0, 1);
    assert_true(clValidate(l));
    assert_int_equal(clLength(l), 4);
    const char *want[] = {"d", "small", "c", "b"};
    for (int j = 0; j < 4; j++) {
        assert_true(clIndex(l, j, &e));
        assertEntryIs(&e, want[j], strlen(want[j]));
    }
    free(s);
    clRelease(l);
}

static void test_prefixCodingShrinksSharedPrefixesFromBothEnds(void **state) {
    (void)state;
    char buf[64];
    for (int where = CL_HEAD; where <= CL_TAIL; where++) {
        chunklist *l = clCreate(-2);
        for (int j = 0; j < 4000; j++) {
            int n = snprintf(buf, sizeof(buf), "session:user:%06d", j);
            clPush(l, where, buf, (size_t)n);
        }
        assert_true(clValidate(l));
        /* 19 bytes each in full; most entries keep only a 3-byte tail. */
        assert_true(clMemoryUsage(l) < 4000 * 8);
        for (int j = 0; j < 4000; j++) {
            clEntry e;
            int k = where == CL_TAIL ? j : 3999 - j;
            int n = snprintf(buf, sizeof(buf), "session:user:%06d", k);
            assert_true(clIndex(l, j, &e));
            assertEntryIs(&e, buf, (size_t)n);
        }
        /* Pops from the head expand group 1 into group 0 as it takes over. */
        for (int j = 0; j < 4000; j++) {
            clEntry e;
            int k = where == CL_TAIL ? j : 3999 - j;
            int n = snprintf(buf, sizeof(buf), "session:user:%06d", k);
            assert_true(clPeek(l, CL_HEAD, &e));
            assertEntryIs(&e, buf, (size_t)n);
            clPopDiscard(l, CL_HEAD);
            if (j % 97 == 0) assert_true(clValidate(l));
        }
        assert_int_equal(clLength(l), 0);
        clRelease(l);
    }
}

static void test_expandingGroup1PastTheLimitSplitsTheChunk(void **state) {
    (void)state;
    /* Group 0: 16 one-byte integers.  Then 31-byte-prefix strings stored
     * as 5-byte suffixes.  Popping group 0 makes group 1 the head group,
     * whose values must be stored whole again: 30 bytes more each, more
     * than the full 4 KiB chunk has room for. */
    chunklist *l = clCreate(-1);
    for (int j = 0; j < 16; j++) pushStr(l, CL_TAIL, "1");
    char buf[64];
    memset(buf, 'P', 31);
    size_t pushed = 0;
    while (l->chunks == 1) {
        int n = snprintf(buf + 31, sizeof(buf) - 31, "%03d", (int)(pushed % 1000));
        clPush(l, CL_TAIL, buf, 31 + (size_t)n);
        pushed++;
    }
    clPopDiscard(l, CL_TAIL); /* back to one full chunk */
    pushed--;
    assert_int_equal(l->chunks, 1);
    for (int j = 0; j < 16; j++) clPopDiscard(l, CL_HEAD);
    assert_true(clValidate(l));
    assert_int_equal(l->chunks, 2);
    assert_int_equal(clLength(l), pushed);
    for (size_t j = 0; j < pushed; j++) {
        clEntry e;
        int n = snprintf(buf + 31, sizeof(buf) - 31, "%03d", (int)(j % 1000));
        assert_true(clIndex(l, (long long)j, &e));
        assertEntryIs(&e, buf, 31 + (size_t)n);
    }
    clRelease(l);
}

static void test_bytesValidRejectsTruncatedAndOversizedEntries(void **state) {
    (void)state;
    size_t n;
    const unsigned char ok[] = {0x05, 0x83, 'a', 'b', 'c', 0xC1, 0x00, 0xFA, 0x02, 0x00, 'x', 'y'};
    assert_true(clBytesValid(ok, sizeof(ok), &n));
    assert_int_equal(n, 4);
    assert_true(clBytesValid(ok, 0, &n));
    assert_int_equal(n, 0);
    /* Every strict prefix that cuts an entry is refused. */
    for (size_t cut = 1; cut < sizeof(ok); cut++) {
        bool boundary = cut == 1 || cut == 5 || cut == 7;
        assert_int_equal(clBytesValid(ok, cut, &n), boundary);
    }
    const unsigned char huge32[] = {0xFB, 0xFF, 0xFF, 0xFF, 0xFF, 'a'};
    assert_false(clBytesValid(huge32, sizeof(huge32), &n));
    const unsigned char huge16[] = {0xFA, 0xFF, 0xFF, 'a'};
    assert_false(clBytesValid(huge16, sizeof(huge16), &n));
    const unsigned char shortHdr[] = {0xFB, 0x01};
    assert_false(clBytesValid(shortHdr, sizeof(shortHdr), &n));
    const unsigned char int64Cut[] = {0xF9, 1, 2, 3};
    assert_false(clBytesValid(int64Cut, sizeof(int64Cut), &n));
    /* Prefix-coded entries: two header bytes, then up to 31. */
    const unsigned char delta[] = {0xFC, 0x43, 'a', 'b', 'c'};
    assert_true(clBytesValid(delta, sizeof(delta), &n));
    assert_int_equal(n, 1);
    assert_false(clBytesValid(delta, 1, &n));
    assert_false(clBytesValid(delta, 4, &n));
}

static void test_queueWorkloadReusesChunks(void **state) {
    (void)state;
    /* LPUSH + RPOP for a long time keeps memory bounded. */
    chunklist *l = clCreate(-2);
    for (int j = 0; j < 1000; j++) pushStr(l, CL_HEAD, "job-payload");
    size_t before = clMemoryUsage(l);
    for (int j = 0; j < 200000; j++) {
        pushStr(l, CL_HEAD, "job-payload");
        clEntry e;
        assert_true(clPeek(l, CL_TAIL, &e));
        assertEntryIs(&e, "job-payload", 11);
        clPopDiscard(l, CL_TAIL);
    }
    assert_true(clValidate(l));
    assert_true(clMemoryUsage(l) <= before + 16384);
    clRelease(l);
}

static void test_millionShortItemsArePacked(void **state) {
    (void)state;
    chunklist *l = clCreate(-2);
    char buf[32];
    for (int j = 0; j < 1000000; j++) {
        int n = snprintf(buf, sizeof(buf), "item:%d", j);
        clPush(l, CL_TAIL, buf, (size_t)n);
    }
    /* Redis 7.0 needs about 13 bytes per item here (len + 2 per listpack
     * entry); prefix coding against each group's first entry leaves ~4.5. */
    size_t payload = 0;
    for (int j = 0; j < 1000000; j++) payload += (size_t)snprintf(buf, sizeof(buf), "item:%d", j);
    size_t used = clMemoryUsage(l);
    print_message("1e6 items: %zu bytes (%.2f per item, payload %.2f)\n", used, used / 1e6,
                  payload / 1e6);
    assert_true(used < 1000000 * 6);
    clEntry e;
    assert_true(clIndex(l, 765432, &e));
    assertEntryIs(&e, "item:765432", 11);
    clRelease(l);
}

/* ---- randomized cross-check against an array model ---------------------- */

typedef struct model {
    char **v;
    size_t *len;
    size_t n, cap;
} model;

static void modelInsert(model *m, size_t idx, const char *s, size_t len) {
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->v = realloc(m->v, m->cap * sizeof(char *));
        m->len = realloc(m->len, m->cap * sizeof(size_t));
    }
    memmove(m->v + idx + 1, m->v + idx, (m->n - idx) * sizeof(char *));
    memmove(m->len + idx + 1, m->len + idx, (m->n - idx) * sizeof(size_t));
    m->v[idx] = malloc(len + 1);
    memcpy(m->v[idx], s, len);
    m->len[idx] = len;
    m->n++;
}

static void modelDelete(model *m, size_t idx) {
    free(m->v[idx]);
    memmove(m->v + idx, m->v + idx + 1, (m->n - idx - 1) * sizeof(char *));
    memmove(m->len + idx, m->len + idx + 1, (m->n - idx - 1) * sizeof(size_t));
    m->n--;
}

static void modelFree(model *m) {
    for (size_t j = 0; j < m->n; j++) free(m->v[j]);
    free(m->v);
    free(m->len);
}

/* A random element: small alphabets so duplicates (for LREM) are common. */
static size_t randomElement(char *buf, size_t cap) {
    switch (rndBelow(12)) {
        case 0: return (size_t)snprintf(buf, cap, "%d", (int)rndBelow(200) - 100);
        case 1: {
            long long v = (long long)(rnd() >> rndBelow(64)) * (rndBelow(2) ? 1 : -1);
            return (size_t)snprintf(buf, cap, "%lld", v);
        }
        case 2: return (size_t)snprintf(buf, cap, "0%d", (int)rndBelow(10));
        case 3: {
            size_t len = rndBelow(2) ? 63 + rndBelow(3) : rndBelow(300);
            if (len > cap) len = cap;
            for (size_t k = 0; k < len; k++) buf[k] = (char)('a' + rndBelow(3));
            return len;
        }
        case 4: return 0;
        case 5: return (size_t)snprintf(buf, cap, "item:%d", (int)rndBelow(3000));
        case 6: {
            /* A shared 20..40-byte prefix and a 0..40-byte tail: around the
             * 31-byte limits of prefix coding. */
            size_t p = 20 + rndBelow(21), t = rndBelow(41);
            memset(buf, 'p', p);
            for (size_t k = 0; k < t; k++) buf[p + k] = (char)('0' + rndBelow(2));
            return p + t;
        }
        default: return (size_t)snprintf(buf, cap, "e%d", (int)rndBelow(20));
    }
}

static void assertSame(const chunklist *l, const model *m) {
    assert_true(clValidate(l));
    assert_int_equal(clLength(l), m->n);
}

static void checkRange(const chunklist *l, const model *m, size_t from, size_t count, int dir) {
    clIter it;
    clEntry e;
    if (dir == CL_HEAD) {
        clIterInit(&it, l, from, CL_HEAD);
        for (size_t k = 0; k < count; k++) {
            assert_true(clIterNext(&it, &e));
            assertEntryIs(&e, m->v[from + k], m->len[from + k]);
        }
        if (from + count == m->n) assert_false(clIterNext(&it, &e));
    } else {
        clIterInit(&it, l, from, CL_TAIL);
        for (size_t k = 0; k < count; k++) {
            assert_true(clIterNext(&it, &e));
            assertEntryIs(&e, m->v[from - k], m->len[from - k]);
        }
        if (count == from + 1) assert_false(clIterNext(&it, &e));
    }
}

static void randomRun(int fill, int ops, size_t maxLen) {
    chunklist *l = clCreate(fill);
    model m = {0};
    char buf[400];
    for (int op = 0; op < ops; op++) {
        size_t len;
        int lastOp = (int)rndBelow(14);
        switch (lastOp) {
            case 0:
            case 1:
            case 2: { /* push */
                if (m.n >= maxLen) break;
                int where = (int)rndBelow(2);
                len = randomElement(buf, sizeof(buf));
                clPush(l, where, buf, len);
                modelInsert(&m, where == CL_HEAD ? 0 : m.n, buf, len);
                break;
            }
            case 3:
            case 4: { /* pop */
                if (!m.n) break;
                int where = (int)rndBelow(2);
                clEntry e;
                assert_true(clPeek(l, where, &e));
                size_t idx = where == CL_HEAD ? 0 : m.n - 1;
                assertEntryIs(&e, m.v[idx], m.len[idx]);
                clPopDiscard(l, where);
                modelDelete(&m, idx);
                break;
            }
            case 5: { /* index */
                long long idx = (long long)rndBelow(m.n + 4) - 2;
                if (rndBelow(2)) idx = -idx - 1;
                clEntry e;
                long long norm = idx < 0 ? idx + (long long)m.n : idx;
                bool in = norm >= 0 && norm < (long long)m.n;
                assert_int_equal(clIndex(l, idx, &e), in);
                if (in) assertEntryIs(&e, m.v[norm], m.len[norm]);
                break;
            }
            case 6: { /* insert */
                if (m.n >= maxLen) break;
                size_t idx = rndBelow(m.n + 1);
                len = randomElement(buf, sizeof(buf));
                clInsertAt(l, idx, buf, len);
                modelInsert(&m, idx, buf, len);
                break;
            }
            case 7: { /* replace */
                if (!m.n) break;
                size_t idx = rndBelow(m.n);
                len = randomElement(buf, sizeof(buf));
                clReplaceAt(l, idx, buf, len);
                modelDelete(&m, idx);
                modelInsert(&m, idx, buf, len);
                break;
            }
            case 8: { /* delete range */
                if (!m.n) break;
                size_t start = rndBelow(m.n);
                size_t n = rndBelow(rndBelow(4) ? 5 : m.n - start + 1);
                if (start + n > m.n) n = m.n - start;
                clDeleteRange(l, start, n);
                for (size_t k = 0; k < n; k++) modelDelete(&m, start);
                break;
            }
            case 9: { /* remove equal */
                len = randomElement(buf, sizeof(buf));
                if (m.n && rndBelow(2)) {
                    size_t pick = rndBelow(m.n);
                    len = m.len[pick];
                    memcpy(buf, m.v[pick], len);
                }
                clNeedle needle;
                clNeedleInit(&needle, buf, len);
                int from = (int)rndBelow(2);
                size_t limit = rndBelow(4);
                size_t got = clRemoveEqual(l, &needle, from, limit);
                size_t want = 0;
                if (from == CL_HEAD) {
                    for (size_t k = 0; k < m.n && (!limit || want < limit);) {
                        if (m.len[k] == len && memcmp(m.v[k], buf, len) == 0) {
                            modelDelete(&m, k);
                            want++;
                        } else {
                            k++;
                        }
                    }
                } else {
                    for (size_t k = m.n; k-- > 0 && (!limit || want < limit);) {
                        if (m.len[k] == len && memcmp(m.v[k], buf, len) == 0) {
                            modelDelete(&m, k);
                            want++;
                        }
                    }
                }
                assert_int_equal(got, want);
                break;
            }
            case 10: { /* forward range */
                if (!m.n) break;
                size_t from = rndBelow(m.n);
                checkRange(l, &m, from, rndBelow(m.n - from + 1), CL_HEAD);
                break;
            }
            case 11: { /* backward range */
                if (!m.n) break;
                size_t from = rndBelow(m.n);
                checkRange(l, &m, from, rndBelow(from + 2), CL_TAIL);
                break;
            }
            case 12: { /* duplicate */
                if (rndBelow(20)) break;
                chunklist *d = clDup(l);
                assertSame(d, &m);
                if (m.n) checkRange(d, &m, 0, m.n, CL_HEAD);
                clRelease(d);
                break;
            }
            default: { /* bulk pushes to cross chunk boundaries */
                size_t k = rndBelow(60);
                int where = (int)rndBelow(2);
                for (size_t j = 0; j < k && m.n < maxLen; j++) {
                    len = (size_t)snprintf(buf, sizeof(buf), "%zu", rndBelow(5000));
                    clPush(l, where, buf, len);
                    modelInsert(&m, where == CL_HEAD ? 0 : m.n, buf, len);
                }
                break;
            }
        }
        if (!clValidate(l))
            print_message("invalid after op %d (step %d, fill %d)\n", lastOp, op, fill);
        assertSame(l, &m);
    }
    if (m.n) {
        checkRange(l, &m, 0, m.n, CL_HEAD);
        checkRange(l, &m, m.n - 1, m.n, CL_TAIL);
    }
    modelFree(&m);
    clRelease(l);
}

static void test_randomOperationsMatchTheModel(void **state) {
    (void)state;
    static const int fills[] = {-2, -1, 1, 2, 3, 5, 16, 17, 40};
    for (size_t f = 0; f < sizeof(fills) / sizeof(fills[0]); f++) {
        randomRun(fills[f], 15000, 600);
    }
    randomRun(-2, 3000, 5000);
}

int main(void) {
    const char *env = getenv("CHUNKLIST_TEST_SEED");
    testSeed = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL) ^ (uint64_t)clock();
    if (!testSeed) testSeed = 1;
    rngState = testSeed;
    printf("chunklist random seed: %llu (CHUNKLIST_TEST_SEED=%llu to replay)\n",
           (unsigned long long)testSeed, (unsigned long long)testSeed);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integerEncodingsRoundTripAtEveryWidth),
        cmocka_unit_test(test_nonCanonicalNumbersStayStrings),
        cmocka_unit_test(test_stringLengthBoundaries),
        cmocka_unit_test(test_needlesMatchByValueAndEncoding),
        cmocka_unit_test(test_countFillSplitsAtNPlusOne),
        cmocka_unit_test(test_sizeFillSplitsAtTheByteLimit),
        cmocka_unit_test(test_hugeElementsGetTheirOwnChunk),
        cmocka_unit_test(test_prefixCodingShrinksSharedPrefixesFromBothEnds),
        cmocka_unit_test(test_expandingGroup1PastTheLimitSplitsTheChunk),
        cmocka_unit_test(test_bytesValidRejectsTruncatedAndOversizedEntries),
        cmocka_unit_test(test_queueWorkloadReusesChunks),
        cmocka_unit_test(test_millionShortItemsArePacked),
        cmocka_unit_test(test_randomOperationsMatchTheModel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
