/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for src/core/keyspec.c through the real command table (the
 * harness, tests/unit/harness): keys and their flags for fixed, movable
 * and keyword-found keys, the fallback to a command's key function, and
 * that every command with key specs has a legacy triple that agrees.
 */
#include "core/keyspec.h"

#include <stdio.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/command.h"
#include "harness/harness.h"

#define MAX_WORDS 16

/* The keys of the invocation given as words (NULL-terminated), as
 * "pos:flags" pairs joined by spaces in 'out'. */
static int keysOf(char *out, size_t cap, const char *word, ...) {
    const char *words[MAX_WORDS];
    slice argv[MAX_WORDS];
    int argc = 0;
    va_list ap;
    va_start(ap, word);
    for (const char *w = word; w; w = va_arg(ap, const char *)) words[argc++] = w;
    va_end(ap);
    for (int j = 0; j < argc; j++) argv[j] = (slice){(char *)words[j], strlen(words[j])};
    command *cmd = lookupCommand(argv, argc);
    assert_non_null(cmd);
    keyResult res;
    keyResultInit(&res);
    int n = commandKeys(cmd, argv, argc, &res);
    size_t len = 0;
    out[0] = '\0';
    for (int j = 0; j < n; j++)
        len += (size_t)snprintf(out + len, cap - len, "%s%d:%x", j ? " " : "", res.keys[j].pos,
                                res.keys[j].flags);
    keyResultFree(&res);
    return n;
}

static void test_fixedKeysCarryTheirSpecFlags(void **state) {
    char got[256];
    assert_int_equal(keysOf(got, sizeof(got), "get", "k", NULL), 1);
    char want[64];
    snprintf(want, sizeof(want), "1:%x", KS_RO | KS_ACCESS);
    assert_string_equal(got, want);
    assert_int_equal(keysOf(got, sizeof(got), "mset", "a", "1", "b", "2", NULL), 2);
    snprintf(want, sizeof(want), "1:%x 3:%x", KS_OW | KS_UPDATE, KS_OW | KS_UPDATE);
    assert_string_equal(got, want);
}

static void test_lmoveHasASourceAndADestinationSpec(void **state) {
    char got[256], want[64];
    assert_int_equal(keysOf(got, sizeof(got), "lmove", "a", "b", "left", "right", NULL), 2);
    snprintf(want, sizeof(want), "1:%x 2:%x", KS_RW | KS_ACCESS | KS_DELETE, KS_RW | KS_INSERT);
    assert_string_equal(got, want);
}

static void test_keyCountsComeFromTheArguments(void **state) {
    char got[256];
    assert_int_equal(keysOf(got, sizeof(got), "zunionstore", "d", "2", "a", "b", "weights", "1",
                            "2", NULL),
                     3);
    assert_int_equal(keysOf(got, sizeof(got), "eval", "s", "0", NULL), 0);
    /* A count the spec cannot parse goes to the key function, which reads
     * it as C's atoi does and lists the destination last. */
    assert_int_equal(keysOf(got, sizeof(got), "zunionstore", "d", "2x", "a", "b", NULL), 3);
    assert_string_equal(got, "3:0 4:0 1:0");
    assert_int_equal(keysOf(got, sizeof(got), "zunionstore", "d", "9", "a", NULL), 0);
}

static void test_keywordSpecsFindKeysAfterTheirKeyword(void **state) {
    char got[256];
    assert_int_equal(
        keysOf(got, sizeof(got), "xread", "count", "1", "streams", "a", "b", "0", "0", NULL), 2);
    assert_int_equal(keysOf(got, sizeof(got), "georadius", "g", "1", "2", "3", "km", "store", "d",
                            NULL),
                     2);
    /* An odd count after STREAMS still yields the spec's half (rounded
     * down), as Redis 7.0's range with limit 2 does. */
    assert_int_equal(keysOf(got, sizeof(got), "xread", "streams", "a", "0", "x", NULL), 1);
}

static void test_variableFlagsAskTheKeyFunction(void **state) {
    char got[256], want[64];
    keysOf(got, sizeof(got), "set", "k", "v", "get", NULL);
    snprintf(want, sizeof(want), "1:%x", KS_RW | KS_ACCESS | KS_UPDATE);
    assert_string_equal(got, want);
    keysOf(got, sizeof(got), "sort", "k", "by", "store", "store", "d", NULL);
    snprintf(want, sizeof(want), "1:%x 5:%x", KS_RO | KS_ACCESS, KS_OW | KS_UPDATE);
    assert_string_equal(got, want);
}

static void test_manyKeysGrowPastTheInlineBuffer(void **state) {
    const char *words[2 + 2 * 40];
    slice argv[2 + 2 * 40];
    int argc = 0;
    words[argc++] = "mset";
    for (int j = 0; j < 40; j++) {
        words[argc++] = "k";
        words[argc++] = "v";
    }
    for (int j = 0; j < argc; j++) argv[j] = (slice){(char *)words[j], strlen(words[j])};
    keyResult res;
    keyResultInit(&res);
    assert_int_equal(commandKeys(lookupCommand(argv, argc), argv, argc, &res), 40);
    assert_int_equal(res.keys[39].pos, 79);
    keyResultFree(&res);
}

static void checkAgrees(command *cmd, void *priv) {
    int *bad = priv;
    if (!keySpecsAgree(cmd)) {
        fprintf(stderr, "legacy keys of '%s' disagree with its specs\n", cmd->name);
        (*bad)++;
    }
    if ((cmd->firstKey > 0) && !commandHasKeys(cmd) && !(cmd->keySpecs[0].flags & KS_NOT_KEY)) (*bad)++;
}

static void test_everyCommandsLegacyKeysAgreeWithItsSpecs(void **state) {
    int bad = 0;
    commandForEach(checkAgrees, &bad);
    assert_int_equal(bad, 0);
}

int main(void) {
    harnessInit();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixedKeysCarryTheirSpecFlags),
        cmocka_unit_test(test_lmoveHasASourceAndADestinationSpec),
        cmocka_unit_test(test_keyCountsComeFromTheArguments),
        cmocka_unit_test(test_keywordSpecsFindKeysAfterTheirKeyword),
        cmocka_unit_test(test_variableFlagsAskTheKeyFunction),
        cmocka_unit_test(test_manyKeysGrowPastTheInlineBuffer),
        cmocka_unit_test(test_everyCommandsLegacyKeysAgreeWithItsSpecs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
