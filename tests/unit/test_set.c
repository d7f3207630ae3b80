/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for src/types/set*.c through the harness (tests/unit/harness):
 * the intset -> hashtable conversion at set-max-intset-entries and at the
 * first non-integer member, members kept across it, and the algebra
 * commands on mixed encodings, checked on the exact reply bytes.
 */
#include <stdio.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "harness/harness.h"

static client *c;

static int setUp(void **state) {
    harnessFlushAll();
    harnessCall(c, "CONFIG", "SET", "set-max-intset-entries", "512", NULL);
    return 0;
}

static void addInts(const char *key, int from, int to) {
    char buf[32];
    for (int j = from; j <= to; j++) {
        snprintf(buf, sizeof(buf), "%d", j);
        assert_string_equal(harnessCall(c, "SADD", key, buf, NULL), ":1\r\n");
    }
}

static void test_intsetConvertsPastTheEntryLimit(void **state) {
    addInts("s", 1, 512);
    assert_string_equal(harnessCall(c, "OBJECT", "ENCODING", "s", NULL), "$6\r\nintset\r\n");
    addInts("s", 513, 513);
    assert_string_equal(harnessCall(c, "OBJECT", "ENCODING", "s", NULL), "$9\r\nhashtable\r\n");
    assert_string_equal(harnessCall(c, "SCARD", "s", NULL), ":513\r\n");
    assert_string_equal(harnessCall(c, "SISMEMBER", "s", "1", NULL), ":1\r\n");
    assert_string_equal(harnessCall(c, "SISMEMBER", "s", "513", NULL), ":1\r\n");
}

static void test_aNonIntegerMemberConvertsAtOnce(void **state) {
    addInts("s", 1, 3);
    assert_string_equal(harnessCall(c, "SADD", "s", "01", NULL), ":1\r\n");
    assert_string_equal(harnessCall(c, "OBJECT", "ENCODING", "s", NULL), "$9\r\nhashtable\r\n");
    assert_string_equal(harnessCall(c, "SMISMEMBER", "s", "1", "01", "4", NULL),
                        "*3\r\n:1\r\n:1\r\n:0\r\n");
}

static void test_algebraAcrossEncodings(void **state) {
    addInts("a", 1, 5);
    harnessCall(c, "SADD", "b", "4", "5", "six", NULL);
    assert_string_equal(harnessCall(c, "SINTERCARD", "2", "a", "b", NULL), ":2\r\n");
    assert_string_equal(harnessCall(c, "SINTERSTORE", "d", "a", "b", NULL), ":2\r\n");
    assert_string_equal(harnessCall(c, "OBJECT", "ENCODING", "d", NULL), "$6\r\nintset\r\n");
    assert_string_equal(harnessCall(c, "SDIFF", "a", "b", NULL),
                        "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
    assert_string_equal(harnessCall(c, "SUNIONSTORE", "u", "a", "b", NULL), ":6\r\n");
    assert_string_equal(harnessCall(c, "SMOVE", "b", "a", "six", NULL), ":1\r\n");
    assert_string_equal(harnessCall(c, "SCARD", "a", NULL), ":6\r\n");
}

static void test_wrongTypeAndMissingKeys(void **state) {
    harnessCall(c, "SET", "str", "x", NULL);
    assert_string_equal(
        harnessCall(c, "SADD", "str", "1", NULL),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    assert_string_equal(harnessCall(c, "SMEMBERS", "nokey", NULL), "*0\r\n");
    assert_string_equal(harnessCall(c, "SPOP", "nokey", NULL), "$-1\r\n");
    assert_string_equal(harnessCall(c, "SREM", "nokey", "1", NULL), ":0\r\n");
}

static void test_spopWithACountEmptiesAndDeletesTheKey(void **state) {
    addInts("s", 1, 3);
    const char *reply = harnessCall(c, "SPOP", "s", "10", NULL);
    assert_int_equal(strncmp(reply, "*3\r\n", 4), 0);
    assert_string_equal(harnessCall(c, "EXISTS", "s", NULL), ":0\r\n");
}

int main(void) {
    harnessInit();
    c = harnessClient();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_intsetConvertsPastTheEntryLimit, setUp),
        cmocka_unit_test_setup(test_aNonIntegerMemberConvertsAtOnce, setUp),
        cmocka_unit_test_setup(test_algebraAcrossEncodings, setUp),
        cmocka_unit_test_setup(test_wrongTypeAndMissingKeys, setUp),
        cmocka_unit_test_setup(test_spopWithACountEmptiesAndDeletesTheKey, setUp),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    harnessFreeClient(c);
    return rc;
}
