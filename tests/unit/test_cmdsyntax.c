/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for src/ds/cmdsyntax.c: each construct of the usage notation
 * against the tree Redis 7.0's COMMAND DOCS has for a command written
 * that way (SET, ZADD, CLIENT KILL, CONFIG GET, LCS, HELLO ...), and every
 * error message on malformed strings (run under ASan, the error paths
 * must free what they built).  The trees are compared through a compact
 * rendering, one argument per line.
 */
#include "ds/cmdsyntax.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* Renders 'a' as "name:type [ksi=N] [token=T] [since=V] [dep=V] [flags]"
 * per line, children indented by two spaces. */
static void render(const syntaxArg *a, int depth, char *out, size_t cap) {
    size_t len = strlen(out);
    len += (size_t)snprintf(out + len, cap - len, "%*s%s:%s", depth * 2, "", a->name,
                            syntaxTypeName(a->type));
    if (a->keySpecIndex >= 0)
        len += (size_t)snprintf(out + len, cap - len, " ksi=%d", a->keySpecIndex);
    if (a->token) len += (size_t)snprintf(out + len, cap - len, " token=%s", a->token);
    if (a->since) len += (size_t)snprintf(out + len, cap - len, " since=%s", a->since);
    if (a->deprecatedSince)
        len += (size_t)snprintf(out + len, cap - len, " dep=%s", a->deprecatedSince);
    if (a->flags & SYNTAX_OPTIONAL) len += (size_t)snprintf(out + len, cap - len, " optional");
    if (a->flags & SYNTAX_MULTIPLE) len += (size_t)snprintf(out + len, cap - len, " multiple");
    if (a->flags & SYNTAX_MULTIPLE_TOKEN)
        len += (size_t)snprintf(out + len, cap - len, " multiple_token");
    snprintf(out + len, cap - len, "\n");
    for (int j = 0; j < a->numArgs; j++) render(&a->args[j], depth + 1, out, cap);
}

static void expectTree(const char *usage, const char *expected) {
    char err[200], out[8192] = "";
    syntaxArg *root = syntaxParse(usage, err, sizeof(err));
    if (!root) fail_msg("%s: %s", usage, err);
    assert_null(root->name);
    assert_int_equal(root->type, SYNTAX_BLOCK);
    for (int j = 0; j < root->numArgs; j++) render(&root->args[j], 0, out, sizeof(out));
    syntaxFree(root);
    if (strcmp(out, expected) != 0)
        fail_msg("%s\n--- got\n%s--- expected\n%s", usage, out, expected);
}

static void expectError(const char *usage, const char *message) {
    char err[200];
    syntaxArg *root = syntaxParse(usage, err, sizeof(err));
    if (root) {
        syntaxFree(root);
        fail_msg("%s: parsed, expected \"%s\"", usage, message);
    }
    if (strcmp(err, message) != 0) fail_msg("%s: got \"%s\", expected \"%s\"", usage, err, message);
}

static void test_words_get_their_name_and_a_default_or_given_type(void **state) {
    (void)state;
    expectTree("", "");
    expectTree("key value", "key:key ksi=0\nvalue:string\n");
    expectTree("pattern cursor:integer t:unix-time d:double k:key p:pattern s:string",
               "pattern:pattern\ncursor:integer\nt:unix-time\nd:double\nk:key ksi=0\n"
               "p:pattern\ns:string\n");
    /* A colon that is not a type suffix is part of the name (CLIENT KILL). */
    expectTree("ip:port yes/no", "ip:port:string\nyes/no:string\n");
    expectTree("  key   value  ", "key:key ksi=0\nvalue:string\n");
    /* A named block keeps a bound token on its first argument. */
    expectTree("count=[COUNT count:integer [ANY]]",
               "count:block optional\n  count:integer token=COUNT\n  any:pure-token token=ANY "
               "optional\n");
    /* A pattern naming keys (SORT's BY/GET) carries an explicit key spec. */
    expectTree("key [BY pattern#1] [STORE d:key#2]",
               "key:key ksi=0\npattern:pattern ksi=1 token=BY optional\n"
               "d:key ksi=2 token=STORE optional\n");
}

static void test_keywords_bind_to_the_next_argument_or_stand_alone(void **state) {
    (void)state;
    expectTree("key [GET] [EX seconds:integer]",
               "key:key ksi=0\nget:pure-token token=GET optional\n"
               "seconds:integer token=EX optional\n");
    expectTree("A B c", "a:pure-token token=A\nc:string token=B\n");
    expectTree("[\"=\" | approximately=\"~\"] x",
               "=_approximately:oneof optional\n  =:pure-token token==\n"
               "  approximately:pure-token token=~\nx:string\n");
    expectTree("[LIB-NAME libname]", "libname:string token=LIB-NAME optional\n");
}

static void test_groups_become_oneof_block_or_an_optional_argument(void **state) {
    (void)state;
    expectTree("<ON | OFF | SKIP>",
               "on_off_skip:oneof\n  on:pure-token token=ON\n  off:pure-token token=OFF\n"
               "  skip:pure-token token=SKIP\n");
    /* A keyword opening a block is the block's token (ZRANGE's LIMIT). */
    expectTree("[LIMIT offset:integer count:integer]",
               "offset_count:block token=LIMIT optional\n  offset:integer\n  count:integer\n");
    /* A keyword before a group is the group's token (CLIENT LIST's TYPE). */
    expectTree("[TYPE <NORMAL | MASTER>]@5.0.0",
               "normal_master:oneof token=TYPE since=5.0.0 optional\n"
               "  normal:pure-token token=NORMAL\n  master:pure-token token=MASTER\n");
    expectTree("arguments=[protover:integer [AUTH username password] [SETNAME clientname]]",
               "arguments:block optional\n  protover:integer\n"
               "  username_password:block token=AUTH optional\n    username:string\n"
               "    password:string\n  clientname:string token=SETNAME optional\n");
    expectTree("<x>", "x:block\n  x:string\n");
    /* A bare keyword opening a block whose next argument has its own token
     * is the block's token (XINFO STREAM's FULL [COUNT count]). */
    expectTree("full=[FULL [COUNT count:integer]]",
               "full:block token=FULL optional\n  count:integer token=COUNT optional\n");
    expectTree("[EX s | FROM a b]",
               "s_a_b:oneof optional\n  s:string token=EX\n  a_b:block token=FROM\n"
               "    a:string\n    b:string\n");
}

static void test_repetitions_set_multiple_and_multiple_token(void **state) {
    (void)state;
    expectTree("key [key ...] timeout:double",
               "key:key ksi=0 multiple\ntimeout:double\n");
    expectTree("[section [section ...]]", "section:string optional multiple\n");
    expectTree("key field value [field value ...]",
               "key:key ksi=0\nfield_value:block multiple\n  field:string\n  value:string\n");
    expectTree("[PREFIX prefix [PREFIX prefix ...]]",
               "prefix:string token=PREFIX optional multiple multiple_token\n");
    expectTree("[WEIGHTS weight:integer [weight ...]]",
               "weight:integer token=WEIGHTS optional multiple\n");
    /* CONFIG GET: a block of one, repeated. */
    expectTree("<parameter> [parameter ...]", "parameter:block multiple\n  parameter:string\n");
    expectTree("[ID id=<client-id:integer [client-id ...]>]@6.2.0",
               "id:block token=ID since=6.2.0 optional\n  client-id:integer multiple\n");
    expectTree("[GET a b [GET a b ...]]",
               "a_b:block token=GET optional multiple multiple_token\n  a:string\n  b:string\n");
    expectTree("<[A x] | [B y]> [[A x] | [B y] ...]",
               "x_y:oneof multiple\n  x:string token=A optional\n  y:string token=B optional\n");
}

static void test_labels_and_annotations_apply_to_the_argument(void **state) {
    (void)state;
    expectTree("key value condition=[NX | XX]@2.6.12 [GET]@6.2.0 "
               "expiration=[EX seconds:integer@2.6.12 | KEEPTTL@6.0.0]",
               "key:key ksi=0\nvalue:string\n"
               "condition:oneof since=2.6.12 optional\n  nx:pure-token token=NX\n"
               "  xx:pure-token token=XX\nget:pure-token token=GET since=6.2.0 optional\n"
               "expiration:oneof optional\n  seconds:integer token=EX since=2.6.12\n"
               "  keepttl:pure-token token=KEEPTTL since=6.0.0\n");
    expectTree("change=[CH]@3.0.2 x!2.8.12@1.0.0",
               "change:pure-token token=CH since=3.0.2 optional\n"
               "x:string since=1.0.0 dep=2.8.12\n");
    /* Keys are numbered in order unless given an index (LCS). */
    expectTree("destination:key key [key ...] key1:key key2:key#0",
               "destination:key ksi=0\nkey:key ksi=1 multiple\nkey1:key ksi=2\nkey2:key ksi=0\n");
    expectTree("key value [key value ...]",
               "key_value:block multiple\n  key:key ksi=0\n  value:string\n");
}

static void test_malformed_strings_are_refused_with_the_offset(void **state) {
    (void)state;
    expectError("x [", "unclosed group at offset 3");
    expectError("x ]", "unbalanced group at offset 2");
    expectError("a | b", "'|' outside a group at offset 2");
    expectError("x ...", "'...' must end a [...] group at offset 5");
    expectError("<x ...>", "'...' must end a [...] group at offset 6");
    expectError("[x ...]", "a repetition restates more arguments than precede it at offset 7");
    expectError("a [b ...]", "a repetition does not restate the arguments before it at offset 9");
    expectError("a [a ...] [a ...]",
                "a repetition does not restate the arguments before it at offset 17");
    expectError("EX@1 s", "name or annotate the argument after a keyword at offset 6");
    expectError("n=EX s", "name or annotate the argument after a keyword at offset 6");
    expectError("x[y]", "expected a space after an argument at offset 1");
    expectError("[= | ~]", "expected an argument at offset 1");
    expectError("[]", "empty group or alternative at offset 1");
    expectError("[a | ]", "empty group or alternative at offset 5");
    expectError("[[x]]", "an argument made optional twice at offset 5");
    expectError("k#1", "a key spec index on an argument that is not a key or pattern at offset 3");
    expectError("key#", "expected a key spec index at offset 4");
    expectError("x@", "expected a version at offset 2");
    expectError("x@1@2", "a version given twice at offset 3");
    expectError("\"\" x", "bad quoted keyword at offset 0");
    expectError("\"x", "bad quoted keyword at offset 0");
    expectError("l=[x ...]", "a repetition takes no name or annotation at offset 9");
    expectError("x [x ...]@1", "a repetition takes no name or annotation at offset 11");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words_get_their_name_and_a_default_or_given_type),
        cmocka_unit_test(test_keywords_bind_to_the_next_argument_or_stand_alone),
        cmocka_unit_test(test_groups_become_oneof_block_or_an_optional_argument),
        cmocka_unit_test(test_repetitions_set_multiple_and_multiple_token),
        cmocka_unit_test(test_labels_and_annotations_apply_to_the_argument),
        cmocka_unit_test(test_malformed_strings_are_refused_with_the_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
