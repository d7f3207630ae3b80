/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for src/net/resp.c, the request parser.
 *
 * The driver below feeds bytes the way net/conn.c does: it appends what
 * "arrived" to a buffer, calls respParse on the unconsumed part, records
 * every finished command, and between reads moves the buffer to a fresh
 * allocation, so a parser that kept an absolute pointer would fail under
 * ASan.  Every test input is fed whole, at every single split point, byte
 * by byte, and in random chunks (seed printed; RESP_TEST_SEED replays one),
 * and all feedings must give the same commands and the same error.
 *
 * Error texts are Redis 7.0.15's, checked against the real server over a
 * raw socket (tests/integration/test_protocol.py does that end to end).
 */
#include "net/resp.h"

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

#define LIT(s) (s), (sizeof(s) - 1)

static uint64_t rngState;

static uint64_t rngNext(void) {
    uint64_t z = (rngState += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* ---- the feeding driver --------------------------------------------------- */

#define MAX_CMDS 64
#define MAX_ARGS 64

typedef struct parsed {
    int ncmds;
    int argc[MAX_CMDS];
    char *argv[MAX_CMDS][MAX_ARGS]; /* owned copies */
    size_t arglen[MAX_CMDS][MAX_ARGS];
    int nempty;       /* RESP_EMPTY results */
    char error[128];  /* "" when none */
    size_t leftover;  /* unconsumed bytes at the end */
} parsed;

static void parsedFree(parsed *r) {
    for (int i = 0; i < r->ncmds; i++)
        for (int j = 0; j < r->argc[i] && j < MAX_ARGS; j++) free(r->argv[i][j]);
    memset(r, 0, sizeof(*r));
}

/* Feeds 'in' in the chunks whose sizes are 'chunks' (summing to 'len'). */
static void feed(parsed *r, const char *in, size_t len, const size_t *chunks, int nchunks,
                 const respLimits *lim) {
    memset(r, 0, sizeof(*r));
    respParser p;
    respParserInit(&p);
    char *buf = NULL;
    size_t have = 0, qpos = 0, off = 0;
    for (int k = 0; k < nchunks && !r->error[0]; k++) {
        /* A fresh allocation each read: offsets must survive moves. */
        char *nb = malloc(have - qpos + chunks[k] + 1);
        memcpy(nb, buf ? buf + qpos : "", have - qpos);
        memcpy(nb + have - qpos, in + off, chunks[k]);
        have = have - qpos + chunks[k];
        nb[have] = '\0';
        free(buf);
        buf = nb;
        qpos = 0;
        off += chunks[k];
        while (qpos < have) {
            int rc = respParse(&p, buf + qpos, have - qpos, lim);
            if (rc == RESP_MORE) break;
            if (rc == RESP_ERR) {
                snprintf(r->error, sizeof(r->error), "%s", p.error);
                break;
            }
            if (rc == RESP_EMPTY) {
                r->nempty++;
            } else {
                assert_int_equal(rc, RESP_DONE);
                assert_true(r->ncmds < MAX_CMDS);
                int i = r->ncmds++;
                r->argc[i] = p.argc;
                for (int j = 0; j < p.argc && j < MAX_ARGS; j++) {
                    assert_true(p.args[j].off + p.args[j].len <= p.consumed);
                    r->argv[i][j] = malloc(p.args[j].len + 1);
                    memcpy(r->argv[i][j], buf + qpos + p.args[j].off, p.args[j].len);
                    r->arglen[i][j] = p.args[j].len;
                }
            }
            assert_true(p.consumed > 0 && p.consumed <= have - qpos);
            qpos += p.consumed;
            respParserReset(&p);
        }
    }
    r->leftover = have - qpos;
    free(buf);
    respParserFree(&p);
}

static void assertSame(const parsed *a, const parsed *b, const char *how) {
    if (strcmp(a->error, b->error) != 0 || a->ncmds != b->ncmds || a->nempty != b->nempty)
        fail_msg("%s: error '%s' vs '%s', %d vs %d commands, %d vs %d empty", how, a->error,
                 b->error, a->ncmds, b->ncmds, a->nempty, b->nempty);
    for (int i = 0; i < a->ncmds; i++) {
        assert_int_equal(a->argc[i], b->argc[i]);
        for (int j = 0; j < a->argc[i] && j < MAX_ARGS; j++) {
            assert_int_equal(a->arglen[i][j], b->arglen[i][j]);
            assert_memory_equal(a->argv[i][j], b->argv[i][j], a->arglen[i][j]);
        }
    }
    /* After an error the leftover depends on where the error was seen. */
    if (!a->error[0]) assert_int_equal(a->leftover, b->leftover);
}

static const respLimits authed = {512LL * 1024 * 1024, true};
static const respLimits unauthed = {512LL * 1024 * 1024, false};

static void feedWhole(parsed *r, const char *in, size_t len, const respLimits *lim) {
    size_t one = len;
    feed(r, in, len, &one, 1, lim);
}

/* Parses 'in' whole, then at every split point, byte by byte and in random
 * chunks, and checks all give the same result; returns the whole-buffer
 * result in 'out'. */
static void feedEveryWay(parsed *out, const char *in, size_t len, const respLimits *lim) {
    feedWhole(out, in, len, lim);
    parsed other;
    char how[64];
    for (size_t k = 1; k < len; k++) {
        size_t two[2] = {k, len - k};
        feed(&other, in, len, two, 2, lim);
        snprintf(how, sizeof(how), "split at %zu", k);
        assertSame(out, &other, how);
        parsedFree(&other);
    }
    if (len <= 4096) {
        size_t *ones = malloc(sizeof(size_t) * (len ? len : 1));
        for (size_t k = 0; k < len; k++) ones[k] = 1;
        feed(&other, in, len, ones, (int)len, lim);
        assertSame(out, &other, "byte by byte");
        parsedFree(&other);
        free(ones);
    }
    for (int round = 0; round < 20; round++) {
        size_t chunks[256];
        int n = 0;
        size_t left = len;
        while (left && n < 255) {
            size_t c = 1 + rngNext() % 17;
            if (c > left) c = left;
            chunks[n++] = c;
            left -= c;
        }
        if (left) chunks[n++] = left;
        feed(&other, in, len, chunks, n, lim);
        snprintf(how, sizeof(how), "random chunks, round %d", round);
        assertSame(out, &other, how);
        parsedFree(&other);
    }
}

static void assertArg(const parsed *r, int cmd, int arg, const char *bytes, size_t len) {
    assert_true(cmd < r->ncmds);
    assert_true(arg < r->argc[cmd]);
    assert_int_equal(r->arglen[cmd][arg], len);
    assert_memory_equal(r->argv[cmd][arg], bytes, len);
}

/* ---- well-formed input ---------------------------------------------------- */

static void test_pipeline_mixed_at_every_split_point(void **state) {
    (void)state;
    static const char in[] =
        "*1\r\n$4\r\nPING\r\n"
        "SET k v\r\n"
        "*3\r\n$3\r\nSET\r\n$0\r\n\r\n$0\r\n\r\n"                   /* empty args */
        "*2\r\n$4\r\nECHO\r\n$6\r\na\0\r\n\xff\n\r\n"                /* binary bulk */
        "\r\n"                                                        /* empty inline */
        "*0\r\n"                                                      /* empty multibulk */
        "ECHO \"q\\x41\\n\" 'it\\'s' \"\"\n"                          /* quoting */
        "*-1\r\n"
        "*3\r\n$3\r\nSET\r\n$10\r\n0123456789\r\n$1\r\n1\r\n"
        "  PING  \t\r\n"
        "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n";
    parsed r;
    feedEveryWay(&r, LIT(in), &authed);
    assert_string_equal(r.error, "");
    assert_int_equal(r.ncmds, 8);
    assert_int_equal(r.nempty, 3);
    assert_int_equal(r.leftover, 0);
    assertArg(&r, 0, 0, LIT("PING"));
    assert_int_equal(r.argc[1], 3);
    assertArg(&r, 1, 2, LIT("v"));
    assert_int_equal(r.argc[2], 3);
    assertArg(&r, 2, 1, "", 0);
    assertArg(&r, 2, 2, "", 0);
    assertArg(&r, 3, 1, LIT("a\0\r\n\xff\n"));
    assert_int_equal(r.argc[4], 4);
    assertArg(&r, 4, 1, LIT("qA\n"));
    assertArg(&r, 4, 2, LIT("it's"));
    assertArg(&r, 4, 3, "", 0);
    assertArg(&r, 5, 1, LIT("0123456789"));
    assert_int_equal(r.argc[6], 1);
    assertArg(&r, 6, 0, LIT("PING"));
    assertArg(&r, 7, 1, LIT("key"));
    parsedFree(&r);
}

static void test_incomplete_command_waits_and_keeps_its_bytes(void **state) {
    (void)state;
    static const char in[] = "*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk";
    parsed r;
    feedEveryWay(&r, LIT(in), &authed);
    assert_string_equal(r.error, "");
    assert_int_equal(r.ncmds, 1);
    assert_int_equal(r.leftover, sizeof(in) - 1 - 14);
    parsedFree(&r);
}

static void test_bulk_trailer_is_skipped_unchecked_like_redis(void **state) {
    (void)state;
    /* Redis skips the two bytes after a bulk and the byte after a header's
     * '\r' without looking at them. */
    static const char in[] = "*1\r\n$4\r\nPINGxx*1\rX$4\rXPING\r\n";
    parsed r;
    feedEveryWay(&r, LIT(in), &authed);
    assert_string_equal(r.error, "");
    assert_int_equal(r.ncmds, 2);
    assertArg(&r, 1, 0, LIT("PING"));
    parsedFree(&r);
}

static void test_zero_and_negative_counts_are_empty_commands(void **state) {
    (void)state;
    static const char in[] = "*0\r\n*-1\r\n*-5\r\nPING\r\n";
    parsed r;
    feedEveryWay(&r, LIT(in), &authed);
    assert_string_equal(r.error, "");
    assert_int_equal(r.nempty, 3);
    assert_int_equal(r.ncmds, 1);
    parsedFree(&r);
}

static void test_large_bulk_and_many_args(void **state) {
    (void)state;
    /* 200 args and one 70,000-byte bulk, fed in random chunks. */
    size_t cap = 200 * 16 + 80000;
    char *in = malloc(cap);
    size_t n = (size_t)sprintf(in, "*201\r\n$4\r\nMSET\r\n");
    for (int j = 0; j < 199; j++) {
        int alen = j % 10 + 1;
        n += (size_t)sprintf(in + n, "$%d\r\n", alen);
        memset(in + n, 'a' + j % 26, (size_t)alen);
        n += (size_t)alen;
        memcpy(in + n, "\r\n", 2);
        n += 2;
    }
    n += (size_t)sprintf(in + n, "$70000\r\n");
    memset(in + n, 'z', 70000);
    n += 70000;
    memcpy(in + n, "\r\n", 2);
    n += 2;
    parsed whole, other;
    feedWhole(&whole, in, n, &authed);
    assert_string_equal(whole.error, "");
    assert_int_equal(whole.ncmds, 1);
    assert_int_equal(whole.argc[0], 201);
    for (int round = 0; round < 10; round++) {
        size_t chunks[4096];
        int k = 0;
        size_t left = n;
        while (left && k < 4095) {
            size_t c = 1 + rngNext() % 4000;
            if (c > left) c = left;
            chunks[k++] = c;
            left -= c;
        }
        if (left) chunks[k++] = left;
        feed(&other, in, n, chunks, k, &authed);
        assertSame(&whole, &other, "random large chunks");
        parsedFree(&other);
    }
    parsedFree(&whole);
    free(in);
}

static void test_pending_bulk_reports_bytes_still_missing(void **state) {
    (void)state;
    respParser p;
    respParserInit(&p);
    char in[] = "*2\r\n$3\r\nSET\r\n$536870000\r\nab";
    size_t len = sizeof(in) - 1;
    assert_int_equal(respParse(&p, in, len, &authed), RESP_MORE);
    assert_int_equal(respPendingBulk(&p, len), 536870000 + 2 - 2);
    /* Nothing is reserved for the announced size. */
    assert_true(p.argcap <= 1024);
    respParserFree(&p);

    respParserInit(&p);
    assert_int_equal(respParse(&p, in, 5, &authed), RESP_MORE);
    assert_int_equal(respPendingBulk(&p, 5), 0); /* not inside a bulk */
    respParserFree(&p);
}

/* A detached bulk: the caller takes the body out of the stream and feeds
 * only what follows it (CRLF, further arguments), at every split point. */
static void test_detached_bulk_leaves_the_stream(void **state) {
    (void)state;
    const char head[] = "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\n";
    const char tail[] = "\r\n$2\r\nEX\r\n";
    for (int last = 0; last < 2; last++) {
        char in[128];
        size_t hl = sizeof(head) - 1;
        memcpy(in, head, hl);
        if (last) in[1] = '3'; /* the detached bulk is the last argument */
        in[hl] = 'a';          /* one body byte arrived before the detach */
        respParser p;
        respParserInit(&p);
        assert_int_equal(respParse(&p, in, hl + 1, &authed), RESP_MORE);
        assert_int_equal(respPendingBulk(&p, hl + 1), 9 + 2);
        assert_int_equal(respBulkStart(&p), hl);
        assert_true(respDetachBulk(&p));
        /* The body is gone: what follows it goes where it started. */
        size_t tl = last ? 2 : sizeof(tail) - 1;
        memcpy(in + hl, tail, tl);
        for (size_t cut = hl; cut < hl + tl; cut++)
            assert_int_equal(respParse(&p, in, cut, &authed), RESP_MORE);
        assert_int_equal(respParse(&p, in, hl + tl, &authed), RESP_DONE);
        assert_int_equal(p.consumed, hl + tl);
        assert_int_equal(p.argc, last ? 3 : 4);
        assert_true(p.args[2].off == RESP_ARG_DETACHED);
        assert_int_equal(p.args[2].len, 10);
        if (!last) assert_memory_equal(in + p.args[3].off, "EX", 2);
        respParserFree(&p);
    }
}

/* ---- errors --------------------------------------------------------------- */

typedef struct errCase {
    const char *in;
    size_t len;
    const char *error; /* "" = no error, the input just waits */
    int cmdsBefore;    /* commands completed before the error */
} errCase;

static void runErrCases(const errCase *cases, size_t n, const respLimits *lim) {
    for (size_t j = 0; j < n; j++) {
        parsed r;
        feedEveryWay(&r, cases[j].in, cases[j].len, lim);
        if (strcmp(r.error, cases[j].error) != 0 || r.ncmds != cases[j].cmdsBefore)
            fail_msg("case %zu: got error '%s' after %d commands, want '%s' after %d", j,
                     r.error, r.ncmds, cases[j].error, cases[j].cmdsBefore);
        parsedFree(&r);
    }
}

static void test_error_texts_match_redis(void **state) {
    (void)state;
    static const errCase cases[] = {
        {LIT("*x\r\n"), "ERR Protocol error: invalid multibulk length", 0},
        {LIT("*\r\n"), "ERR Protocol error: invalid multibulk length", 0},
        {LIT("*+1\r\n"), "ERR Protocol error: invalid multibulk length", 0},
        {LIT("*01\r\n"), "ERR Protocol error: invalid multibulk length", 0},
        {LIT("*1 \r\n"), "ERR Protocol error: invalid multibulk length", 0},
        {LIT("*2147483648\r\n"), "ERR Protocol error: invalid multibulk length", 0},
        {LIT("*1111111111111111111\r\n"), "ERR Protocol error: invalid multibulk length", 0},
        {LIT("*99999999999999999999\r\n"), "ERR Protocol error: invalid multibulk length", 0},
        {LIT("*1\r\nx4\r\nPING\r\n"), "ERR Protocol error: expected '$', got 'x'", 0},
        {LIT("*1\r\n:4\r\n"), "ERR Protocol error: expected '$', got ':'", 0},
        /* The message keeps the raw byte; the reply layer maps \r to a space. */
        {LIT("*1\r\n\r\n"), "ERR Protocol error: expected '$', got '\r'", 0},
        {LIT("*1\r\n$-1\r\n"), "ERR Protocol error: invalid bulk length", 0},
        {LIT("*1\r\n$\r\n"), "ERR Protocol error: invalid bulk length", 0},
        {LIT("*1\r\n$01\r\n"), "ERR Protocol error: invalid bulk length", 0},
        {LIT("*1\r\n$+1\r\n"), "ERR Protocol error: invalid bulk length", 0},
        {LIT("*1\r\n$1x\r\n"), "ERR Protocol error: invalid bulk length", 0},
        {LIT("*1\r\n$999999999999\r\n"), "ERR Protocol error: invalid bulk length", 0},
        {LIT("*1\r\n$536870913\r\n"), "ERR Protocol error: invalid bulk length", 0},
        {LIT("*1\r\n$536870912\r\n"), "", 0}, /* exactly the limit: waits */
        {LIT("ECHO \"unbalanced\n"), "ERR Protocol error: unbalanced quotes in request", 0},
        {LIT("ECHO 'x\n"), "ERR Protocol error: unbalanced quotes in request", 0},
        {LIT("ECHO \"ab\"c\n"), "ERR Protocol error: unbalanced quotes in request", 0},
        {LIT("ECHO a\"b c\"d\n"), "ERR Protocol error: unbalanced quotes in request", 0},
        {LIT("ECHO \"x\\\"\n"), "ERR Protocol error: unbalanced quotes in request", 0},
        /* Earlier commands in the same buffer still count. */
        {LIT("*1\r\n$4\r\nPING\r\nPING\r\n*y\r\n*1\r\n$4\r\nPING\r\n"),
         "ERR Protocol error: invalid multibulk length", 2},
        /* "$y" where a command starts is an inline command, not an error. */
        {LIT("*1\r\n$4\r\nPING\r\n$y\r\n"), "", 2},
    };
    runErrCases(cases, sizeof(cases) / sizeof(cases[0]), &authed);
}

static void test_proto_max_bulk_len_is_the_callers_limit(void **state) {
    (void)state;
    respLimits lim = {1024 * 1024, true};
    static const errCase cases[] = {
        {LIT("*1\r\n$1048576\r\n"), "", 0},
        {LIT("*1\r\n$1048577\r\n"), "ERR Protocol error: invalid bulk length", 0},
    };
    runErrCases(cases, 2, &lim);
}

/* Builds "prefix" + 'n' copies of 'fill' + "suffix" into a malloc'd buffer. */
static char *build(const char *prefix, size_t plen, char fill, size_t n, const char *suffix,
                   size_t slen, size_t *outLen) {
    char *b = malloc(plen + n + slen);
    memcpy(b, prefix, plen);
    memset(b + plen, fill, n);
    memcpy(b + plen + n, suffix, slen);
    *outLen = plen + n + slen;
    return b;
}

static void expectWhole(const char *in, size_t len, const char *error, const respLimits *lim) {
    parsed r;
    feedWhole(&r, in, len, lim);
    assert_string_equal(r.error, error);
    parsedFree(&r);
    /* And in 16 KB reads, as the server reads. */
    size_t chunks[64];
    int n = 0;
    for (size_t off = 0; off < len; off += 16384) chunks[n++] = len - off < 16384 ? len - off : 16384;
    feed(&r, in, len, chunks, n, lim);
    assert_string_equal(r.error, error);
    parsedFree(&r);
}

static void test_too_big_lines_are_errors_past_64k(void **state) {
    (void)state;
    size_t len;
    char *b;
    /* Inline: 65,536 buffered bytes without a newline wait, 65,537 fail. */
    b = build("", 0, 'x', 65536, "", 0, &len);
    expectWhole(b, len, "", &authed);
    free(b);
    b = build("", 0, 'x', 65537, "", 0, &len);
    expectWhole(b, len, "ERR Protocol error: too big inline request", &authed);
    free(b);
    /* An inline line of 65,536 bytes plus its newline is fine. */
    b = build("", 0, 'x', 65535, "\n", 1, &len);
    expectWhole(b, len, "", &authed);
    free(b);
    /* The count line. */
    b = build("*", 1, '1', 65535, "", 0, &len);
    expectWhole(b, len, "", &authed);
    free(b);
    b = build("*", 1, '1', 65536, "", 0, &len);
    expectWhole(b, len, "ERR Protocol error: too big mbulk count string", &authed);
    free(b);
    /* A bulk header, measured from its own start. */
    b = build("*1\r\n$", 5, '1', 65535, "", 0, &len);
    expectWhole(b, len, "", &authed);
    free(b);
    b = build("*1\r\n$", 5, '1', 65536, "", 0, &len);
    expectWhole(b, len, "ERR Protocol error: too big bulk count string", &authed);
    free(b);
}

static void test_nul_before_line_end_never_ends_the_line(void **state) {
    (void)state;
    /* Redis looks for line ends with strchr, which stops at a NUL: such a
     * line waits until the buffer passes 64 KB, then is "too big". */
    static const errCase waits[] = {
        {LIT("PI\0NG\n"), "", 0},
        {LIT("*1\0\r\n"), "", 0},
        {LIT("*1\r\n\0\r\n"), "", 0},
        {LIT("*1\r\nx\0\r\n"), "", 0},
        {LIT("*1\r\n$4\0\r\nPING\r\n"), "", 0},
    };
    runErrCases(waits, sizeof(waits) / sizeof(waits[0]), &authed);
    size_t len;
    char *b = build(LIT("PI\0NG\n"), 'x', 70000, "", 0, &len);
    expectWhole(b, len, "ERR Protocol error: too big inline request", &authed);
    free(b);
    b = build(LIT("*1\0\r\n"), 'x', 70000, "", 0, &len);
    expectWhole(b, len, "ERR Protocol error: too big mbulk count string", &authed);
    free(b);
    b = build(LIT("*1\r\n\0\r\n"), 'y', 70000, "", 0, &len);
    expectWhole(b, len, "ERR Protocol error: too big bulk count string", &authed);
    free(b);
    /* A NUL inside a bulk body is just data. */
    parsed r;
    feedEveryWay(&r, LIT("*2\r\n$4\r\nECHO\r\n$3\r\n\0\0\0\r\n"), &authed);
    assert_string_equal(r.error, "");
    assertArg(&r, 0, 1, "\0\0\0", 3);
    parsedFree(&r);
}

static void test_unauthenticated_limits(void **state) {
    (void)state;
    size_t len;
    static const errCase cases[] = {
        {LIT("*10\r\n"), "", 0},
        {LIT("*11\r\n"), "ERR Protocol error: unauthenticated multibulk length", 0},
        {LIT("*1\r\n$16384\r\n"), "", 0},
        {LIT("*1\r\n$16385\r\n"), "ERR Protocol error: unauthenticated bulk length", 0},
        /* The general checks come first. */
        {LIT("*x\r\n"), "ERR Protocol error: invalid multibulk length", 0},
        {LIT("*1\r\n$999999999999\r\n"), "ERR Protocol error: invalid bulk length", 0},
        /* Inline commands have no argument cap before AUTH (Redis 7.0). */
        {LIT("a b c d e f g h i j k l m\n"), "", 1},
    };
    runErrCases(cases, sizeof(cases) / sizeof(cases[0]), &unauthed);
    /* The same inputs are fine once authenticated. */
    runErrCases((const errCase[]){{LIT("*11\r\n"), "", 0}, {LIT("*1\r\n$16385\r\n"), "", 0}}, 2,
                &authed);
    /* A full 10-argument command of 16 KB arguments passes. */
    char *b = malloc(10 * 16400 + 16);
    len = (size_t)sprintf(b, "*10\r\n");
    for (int j = 0; j < 10; j++) {
        len += (size_t)sprintf(b + len, "$16384\r\n");
        memset(b + len, 'a' + j, 16384);
        len += 16384;
        memcpy(b + len, "\r\n", 2);
        len += 2;
    }
    parsed r;
    feedWhole(&r, b, len, &unauthed);
    assert_string_equal(r.error, "");
    assert_int_equal(r.ncmds, 1);
    assert_int_equal(r.argc[0], 10);
    parsedFree(&r);
    free(b);
}

/* ---- respSplitArgs -------------------------------------------------------- */

typedef struct splitCase {
    const char *line;
    size_t len;
    int argc; /* -1: unbalanced */
    const char *args[6];
    size_t lens[6];
} splitCase;

static void test_split_args_follows_sdssplitargs(void **state) {
    (void)state;
    /* Each expectation was checked against redis-server 7.0.15's inline
     * parsing (ECHO/SET replies over a raw socket). */
    static const splitCase cases[] = {
        {LIT(""), 0, {0}, {0}},
        {LIT("   \t "), 0, {0}, {0}},
        {LIT("a"), 1, {"a"}, {1}},
        {LIT("  set  k   v  "), 3, {"set", "k", "v"}, {3, 1, 1}},
        {LIT("\"a b\" 'c d'"), 2, {"a b", "c d"}, {3, 3}},
        {LIT("\"\\x41\\x4a\\x4A\\x7e\""), 1, {"AJJ~"}, {4}},
        {LIT("\"\\x4\""), 1, {"x4"}, {2}},          /* incomplete \x: the x is kept */
        {LIT("\"\\xZZ\""), 1, {"xZZ"}, {3}},
        {LIT("\"\\n\\r\\t\\b\\a\\\\\\\"\\q\""), 1, {"\n\r\t\b\a\\\"q"}, {8}},
        {LIT("'\\n'"), 1, {"\\n"}, {2}},            /* single quotes are literal */
        {LIT("'it\\'s'"), 1, {"it's"}, {4}},
        {LIT("'a\\\\'"), -1, {0}, {0}},        /* \\' is a backslash then an escaped quote */
        {LIT("\"\""), 1, {""}, {0}},
        {LIT("'' \"\""), 2, {"", ""}, {0, 0}},
        {LIT("ab\"cd\""), 1, {"abcd"}, {4}},        /* a quote may open mid-word */
        {LIT("a\"b c\""), 1, {"ab c"}, {4}},
        {LIT("a\vb"), 1, {"a\vb"}, {3}},            /* \v and \f stay inside a word */
        {LIT("a\fb"), 1, {"a\fb"}, {3}},
        {LIT("\v a"), 1, {"a"}, {1}},               /* but are skipped between words */
        {LIT("\"x\"\v"), 1, {"x"}, {1}},            /* and may follow a closing quote */
        {LIT("\"x\"\ty"), 2, {"x", "y"}, {1, 1}},
        {LIT("a\rb"), 2, {"a", "b"}, {1, 1}},
        {LIT("a\0b c"), 1, {"a"}, {1}},             /* a NUL ends the line */
        {LIT("\"a\"b"), -1, {0}, {0}},
        {LIT("'a'b"), -1, {0}, {0}},
        {LIT("\"abc"), -1, {0}, {0}},
        {LIT("'abc"), -1, {0}, {0}},
        {LIT("\"abc\\\""), -1, {0}, {0}},
        {LIT("\"abc\\"), -1, {0}, {0}},
        {LIT("a\"b c\"d"), -1, {0}, {0}},
    };
    for (size_t j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
        const splitCase *sc = &cases[j];
        char *line = malloc(sc->len + 1);
        memcpy(line, sc->line, sc->len);
        respArg *args = NULL;
        int cap = 0;
        int argc = respSplitArgs(line, sc->len, &args, &cap);
        if (argc != sc->argc) fail_msg("case %zu: argc %d, want %d", j, argc, sc->argc);
        for (int k = 0; k < argc; k++) {
            if (args[k].len != sc->lens[k] || memcmp(line + args[k].off, sc->args[k], sc->lens[k]))
                fail_msg("case %zu arg %d: got '%.*s'", j, k, (int)args[k].len, line + args[k].off);
        }
        tfree(args);
        free(line);
    }
}

static void test_split_args_grows_past_its_first_capacity(void **state) {
    (void)state;
    char line[3000];
    size_t n = 0;
    for (int j = 0; j < 1000; j++) n += (size_t)sprintf(line + n, "%d ", j % 10);
    respArg *args = NULL;
    int cap = 0;
    assert_int_equal(respSplitArgs(line, n, &args, &cap), 1000);
    assert_true(cap >= 1000);
    assert_int_equal(args[999].len, 1);
    assert_int_equal(line[args[999].off], '9');
    tfree(args);
}

/* ---- encoding ------------------------------------------------------------- */

static void test_encode_header(void **state) {
    (void)state;
    char b[32];
    assert_int_equal(respEncodeHeader(b, '*', 0), 4);
    assert_memory_equal(b, "*0\r\n", 4);
    assert_int_equal(respEncodeHeader(b, '$', -1), 5);
    assert_memory_equal(b, "$-1\r\n", 5);
    size_t n = respEncodeHeader(b, ':', -9223372036854775807LL - 1);
    assert_int_equal(n, 23);
    assert_memory_equal(b, ":-9223372036854775808\r\n", 23);
}

/* ---- randomized: generated pipelines versus their own description -------- */

static void test_random_pipelines_parse_to_what_was_encoded(void **state) {
    (void)state;
    for (int round = 0; round < 50; round++) {
        char in[8192];
        size_t len = 0;
        int ncmds = 1 + (int)(rngNext() % 6);
        char want[8][8][24];
        size_t wantLen[8][8];
        int wantArgc[8];
        for (int i = 0; i < ncmds; i++) {
            int argc = 1 + (int)(rngNext() % 6);
            wantArgc[i] = argc;
            bool isInline = rngNext() % 3 == 0;
            if (!isInline) len += (size_t)sprintf(in + len, "*%d\r\n", argc);
            for (int j = 0; j < argc; j++) {
                size_t alen = isInline ? 1 + rngNext() % 20 : rngNext() % 21;
                for (size_t k = 0; k < alen; k++)
                    want[i][j][k] = isInline ? (char)('a' + rngNext() % 26) : (char)(rngNext() & 0xff);
                wantLen[i][j] = alen;
                if (isInline) {
                    len += (size_t)sprintf(in + len, "%s", j ? " " : "");
                    memcpy(in + len, want[i][j], alen);
                    len += alen;
                } else {
                    len += (size_t)sprintf(in + len, "$%zu\r\n", alen);
                    memcpy(in + len, want[i][j], alen);
                    len += alen;
                    memcpy(in + len, "\r\n", 2);
                    len += 2;
                }
            }
            if (isInline) {
                memcpy(in + len, "\r\n", 2);
                len += 2;
            }
        }
        parsed r;
        feedEveryWay(&r, in, len, &authed);
        assert_string_equal(r.error, "");
        assert_int_equal(r.ncmds, ncmds);
        for (int i = 0; i < ncmds; i++) {
            assert_int_equal(r.argc[i], wantArgc[i]);
            for (int j = 0; j < wantArgc[i]; j++) assertArg(&r, i, j, want[i][j], wantLen[i][j]);
        }
        parsedFree(&r);
    }
}

int main(void) {
    const char *env = getenv("RESP_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
    printf("test_resp seed: %llu (set RESP_TEST_SEED to replay)\n", (unsigned long long)seed);
    rngState = seed;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipeline_mixed_at_every_split_point),
        cmocka_unit_test(test_incomplete_command_waits_and_keeps_its_bytes),
        cmocka_unit_test(test_bulk_trailer_is_skipped_unchecked_like_redis),
        cmocka_unit_test(test_zero_and_negative_counts_are_empty_commands),
        cmocka_unit_test(test_large_bulk_and_many_args),
        cmocka_unit_test(test_pending_bulk_reports_bytes_still_missing),
        cmocka_unit_test(test_detached_bulk_leaves_the_stream),
        cmocka_unit_test(test_error_texts_match_redis),
        cmocka_unit_test(test_proto_max_bulk_len_is_the_callers_limit),
        cmocka_unit_test(test_too_big_lines_are_errors_past_64k),
        cmocka_unit_test(test_nul_before_line_end_never_ends_the_line),
        cmocka_unit_test(test_unauthenticated_limits),
        cmocka_unit_test(test_split_args_follows_sdssplitargs),
        cmocka_unit_test(test_split_args_grows_past_its_first_capacity),
        cmocka_unit_test(test_encode_header),
        cmocka_unit_test(test_random_pipelines_parse_to_what_was_encoded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
