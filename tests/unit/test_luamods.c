/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for the Lua modules of src/script/lib*.c (cjson, cmsgpack,
 * struct, bit), loaded into a plain interpreter with no server around.
 *
 * The table below is each expression with what Debian's redis-server
 * 7.0.15 returns for it (EVAL "pcall(function() return EXPR end)" 0,
 * the ok flag and tostring of the value), errors included: the snippets
 * are compiled under the chunk name "@user_script" so error positions read
 * as they do in Redis.  Hostile inputs (deep nesting, self-references,
 * truncated packets, CVE-2024-31449's tohex width) must end in the same
 * error, never a crash.  Randomized round trips and a bit-op model print
 * their seed; set LUAMODS_TEST_SEED to replay one.
 */
#include "script/libs.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

static uint64_t rngState;

static uint64_t rngNext(void) {
    uint64_t z = (rngState += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void openModule(lua_State *L, const char *name, lua_CFunction open) {
    lua_pushcfunction(L, open);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    lua_setglobal(L, name);
}

static lua_State *newState(void) {
    lua_State *L = luaL_newstate();
    assert_non_null(L);
    luaL_openlibs(L);
    openModule(L, "cjson", luaopenCjson);
    openModule(L, "cmsgpack", luaopenCmsgpack);
    openModule(L, "struct", luaopenStruct);
    openModule(L, "bit", luaopenBit);
    return L;
}

/* Runs "return EXPR" under pcall as the Redis reference did; '*ok' and the
 * tostring of the value, which stays on the stack until the next call. */
static const char *evalExpr(lua_State *L, const char *expr, int *ok, size_t *len) {
    char code[1024];
    snprintf(code, sizeof(code),
             "local ok, v = pcall(function() return %s end) return ok and 1 or 0, tostring(v)",
             expr);
    lua_settop(L, 0);
    if (luaL_loadbuffer(L, code, strlen(code), "@user_script") != 0)
        fail_msg("does not compile: %s: %s", expr, lua_tostring(L, -1));
    if (lua_pcall(L, 0, 2, 0) != 0) fail_msg("raised: %s: %s", expr, lua_tostring(L, -1));
    *ok = (int)lua_tonumber(L, 1);
    return lua_tolstring(L, 2, len);
}

typedef struct exprCase {
    const char *expr;
    int ok;
    const char *want;
    size_t wantLen;
} exprCase;

static const exprCase cases[] = {
    {"cjson.encode({1, 2, 3, 'x'})", 1, "[1,2,3,\"x\"]", 11},
    {"cjson.encode({a = {b = {true, false}}})", 1, "{\"a\":{\"b\":[true,false]}}", 24},
    {"cjson.encode(cjson.null)", 1, "null", 4},
    {"cjson.encode({})", 1, "{}", 2},
    {"cjson.encode('quote\" slash/ nl\\n tab\\t ctl\\1 del\\127')", 1,
     "\"quote\\\" slash\\/ nl\\n tab\\t ctl\\u0001 del\\u007f\"", 48},
    {"cjson.encode(0.1)", 1, "0.1", 3},
    {"cjson.encode(1/3)", 1, "0.33333333333333", 16},
    {"cjson.encode(123456789012345678)", 1, "1.2345678901235e+17", 19},
    {"cjson.encode(-0)", 1, "-0", 2},
    {"cjson.encode({[1] = 'a', [3] = 'c'})", 1, "[\"a\",null,\"c\"]", 14},
    {"cjson.encode({[1] = 'a', [20] = 'c'})", 0,
     "user_script:1: Cannot serialise table: excessively sparse array", 63},
    {"cjson.encode(1/0)", 0, "user_script:1: Cannot serialise number: must not be NaN or Inf", 62},
    {"cjson.encode(function() end)", 0,
     "user_script:1: Cannot serialise function: type not supported", 60},
    {"cjson.encode({[true] = 1})", 0,
     "user_script:1: Cannot serialise boolean: table key must be a number or string", 77},
    {"cjson.decode('[1,2,{\"a\":null}]')[3].a == cjson.null and 'null ok' or 'no'", 1, "null ok",
     7},
    {"cjson.encode(cjson.decode('{\"k\":[1.5,\"s\",true,null]}'))", 1,
     "{\"k\":[1.5,\"s\",true,null]}", 25},
    {"cjson.decode('\"\\\\u00e9\\\\ud83d\\\\ude00\"')", 1, "\303\251\360\237\230\200", 6},
    {"tostring(cjson.decode('12345678901234567890'))", 1, "1.2345678901235e+19", 19},
    {"tostring(cjson.decode('0x10'))", 1, "16", 2},
    {"cjson.decode('[1,2')", 0,
     "user_script:1: Expected comma or array end but found T_END at character 5", 73},
    {"cjson.decode('{\"a\":1,}')", 0,
     "user_script:1: Expected object key string but found T_OBJ_END at character 8", 76},
    {"cjson.decode('')", 0, "user_script:1: Expected value but found T_END at character 1", 60},
    {"cjson.decode('\"abc')", 0,
     "user_script:1: Expected value but found unexpected end of string at character 5", 79},
    {"cjson.decode('nul')", 0,
     "user_script:1: Expected value but found invalid token at character 1", 68},
    {"cjson.decode(string.rep('[', 1100) .. string.rep(']', 1100))", 0,
     "user_script:1: Found too many nested data structures (1001) at character 1001", 77},
    {"cjson.encode(cjson.decode(string.rep('[', 900) .. string.rep(']', 900))) == string.rep('[', "
     "900) .. string.rep(']', 900) and 'deep ok' or 'no'",
     1, "no", 2},
    {"(function() local t = {} local c = t for i = 1, 1100 do c[1] = {} c = c[1] end return "
     "cjson.encode(t) end)()",
     0, "user_script:1: Cannot serialise, excessive nesting (1001)", 57},
    {"(function() local t = {} t[1] = t return cjson.encode(t) end)()", 0,
     "user_script:1: Cannot serialise, excessive nesting (1001)", 57},
    {"cmsgpack.pack(1, -1, 127, 128, -32, -33, 255, 256, 65535, 65536, -32768, -32769, 4294967295, "
     "4294967296, -2147483648, -2147483649)",
     1,
     "\001\377\177\314\200\340\320\337\314\377\315\001\000\315\377\377\316\000\001\000\000\321\200"
     "\000\322\377\377\177\377\316\377\377\377\377\317\000\000\000\001\000\000\000\000\322\200\000"
     "\000\000\323\377\377\377\377\177\377\377\377",
     57},
    {"cmsgpack.pack(0.5, 1e300, -0.25, 3.1)", 1,
     "\312?\000\000\000\313~7\344<\210\000u\234\312\276\200\000\000\313@"
     "\010\314\314\314\314\314\315",
     28},
    {"cmsgpack.pack('', string.rep('a', 31), string.rep('b', 32))", 1,
     "\240\277aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\331 bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 67},
    {"#cmsgpack.pack(string.rep('c', 255), string.rep('d', 256), string.rep('e', 65535), "
     "string.rep('f', 65536))",
     1, "131595", 6},
    {"cmsgpack.pack({1, 2, 3}, {a = 1}, {}, true, false, nil)", 1,
     "\223\001\002\003\201\241a\001\220\303\302\300", 12},
    {"table.concat({cmsgpack.unpack(cmsgpack.pack(1, 'two', 3.5, true))}, ',')", 0,
     "user_script:1: invalid value (boolean) at index 4 in table for 'concat'", 71},
    {"cjson.encode({cmsgpack.unpack(cmsgpack.pack({1, {2, {3}}, {k = 'v'}}))})", 1,
     "[[1,[2,[3]],{\"k\":\"v\"}]]", 23},
    {"cmsgpack.unpack('\\217')", 0, "user_script:1: Missing bytes in input.", 38},
    {"cmsgpack.unpack('\\220\\0\\5\\1')", 0, "user_script:1: Missing bytes in input.", 38},
    {"cmsgpack.unpack('\\196\\1a')", 0, "user_script:1: Bad data format in input.", 40},
    {"tostring(select(1, cmsgpack.unpack_one(cmsgpack.pack(1, 2), 0)))", 1, "1", 1},
    {"table.concat({cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}, ',')", 1, "2,1,2", 5},
    {"table.concat({cmsgpack.unpack_one(cmsgpack.pack(1, 2), 1)}, ',')", 1, "-1,2", 4},
    {"#cmsgpack.unpack(string.rep('\\145', 100000) .. '\\1') > 0 and 'deep' or 'no'", 0,
     "user_script:1: stack overflow (in function mp_decode_to_lua_array)", 66},
    {"(function() local t = {} t[1] = t return #cmsgpack.pack(t) end)()", 1, "17", 2},
    {"cmsgpack.unpack(cmsgpack.pack(18446744073709551615))", 1, "1.844674407371e+19", 18},
    {"tostring(cmsgpack.unpack('\\207\\255\\255\\255\\255\\255\\255\\255\\255'))", 1, "-1", 2},
    {"struct.pack('>i2<I4bBhH', 1, 2, -3, 250, -300, 65000)", 1,
     "\000\001\002\000\000\000\375\372\324\376\350\375", 12},
    {"struct.pack('i8', -2)", 1, "\376\377\377\377\377\377\377\377", 8},
    {"struct.pack('d', 1.5) .. struct.pack('f', -2)", 1,
     "\000\000\000\000\000\000\370?\000\000\000\300", 12},
    {"struct.pack('c3s', 'abcdef', 'zz')", 1, "abczz\000", 6},
    {"struct.pack('!4bi', 1, 2)", 1, "\001\000\000\000\002\000\000\000", 8},
    {"table.concat({struct.unpack('>i2<I4', struct.pack('>i2<I4', -5, 77))}, ',')", 1, "-5,77,7",
     7},
    {"table.concat({struct.unpack('c0b', '\\3abc')}, ',')", 0,
     "user_script:1: format 'c0' needs a previous size", 48},
    {"table.concat({struct.unpack('s', 'hi\\0rest')}, ',')", 1, "hi,4", 4},
    {"tostring(struct.size('>i2I4bd!8d'))", 1, "24", 2},
    {"struct.pack('i33', 1)", 0, "user_script:1: integral size 33 is larger than limit of 32", 58},
    {"struct.pack('y', 1)", 0,
     "user_script:1: bad argument #1 to 'pack' (invalid format option 'y')", 68},
    {"struct.unpack('i4', 'ab')", 0,
     "user_script:1: bad argument #2 to 'unpack' (data string too short)", 66},
    {"struct.size('s')", 0,
     "user_script:1: bad argument #1 to 'size' (option 's' has no fixed size)", 71},
    {"struct.unpack('c5', 'abc')", 0,
     "user_script:1: bad argument #2 to 'unpack' (data string too short)", 66},
    {"struct.pack('!3i', 1)", 0, "user_script:1: alignment 3 is not a power of 2", 46},
    {"tostring(bit.tobit(2^32 + 5))", 1, "5", 1},
    {"tostring(bit.tobit(-1))", 1, "-1", 2},
    {"bit.tohex(65535)", 1, "0000ffff", 8},
    {"bit.tohex(-1, -4)", 1, "FFFF", 4},
    {"bit.tohex(65535, -2147483648)", 1, "0000FFFF", 8},
    {"bit.tohex(65535, 2147483647)", 1, "0000ffff", 8},
    {"bit.tohex(1, 0)", 1, "", 0},
    {"tostring(bit.band(0xff00, 0x0ff0, 0x00ff))", 1, "0", 1},
    {"tostring(bit.bor(1, 2, 4))", 1, "7", 1},
    {"tostring(bit.bxor(5, 3))", 1, "6", 1},
    {"tostring(bit.bnot(0))", 1, "-1", 2},
    {"tostring(bit.lshift(1, 31))", 1, "-2147483648", 11},
    {"tostring(bit.rshift(-1, 28))", 1, "15", 2},
    {"tostring(bit.arshift(-256, 4))", 1, "-16", 3},
    {"tostring(bit.rol(0x12345678, 8))", 1, "878082066", 9},
    {"tostring(bit.ror(0x12345678, 8))", 1, "2014458966", 10},
    {"tostring(bit.bswap(0x12345678))", 1, "2018915346", 10},
    {"tostring(bit.lshift(1, 33))", 1, "2", 1},
    {"tostring(bit.tobit(1.5)) .. tostring(bit.tobit(2.5)) .. tostring(bit.tobit(-1.5))", 1, "22-2",
     4},
    {"bit.band('x')", 0, "user_script:1: bad argument #1 to 'band' (number expected, got string)",
     70},
};

static void test_expressions_match_redis(void **state) {
    (void)state;
    lua_State *L = newState();
    int failures = 0;
    for (size_t j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
        int ok;
        size_t len;
        const char *got = evalExpr(L, cases[j].expr, &ok, &len);
        if (ok != cases[j].ok || len != cases[j].wantLen || memcmp(got, cases[j].want, len) != 0) {
            print_error("%s\n  got  %d %.*s\n  want %d %s\n", cases[j].expr, ok, (int)len, got,
                        cases[j].ok, cases[j].want);
            failures++;
        }
    }
    lua_close(L);
    assert_int_equal(failures, 0);
}

/* Random integers and doubles survive pack/unpack; each value packs to
 * the smallest MessagePack form (checked by length). */
static void test_msgpack_random_round_trips(void **state) {
    (void)state;
    lua_State *L = newState();
    for (int j = 0; j < 2000; j++) {
        uint64_t r = rngNext();
        double v;
        switch (r & 3) {
            case 0:
                v = (double)(int64_t)(rngNext() >> (rngNext() % 64));
                break;
            case 1:
                v = -(double)(int64_t)(rngNext() >> (1 + rngNext() % 63));
                break;
            case 2:
                v = (double)(int32_t)rngNext() / 7.0;
                break;
            default:
                v = (double)(rngNext() % 300) - 150;
                break;
        }
        lua_settop(L, 0);
        lua_getglobal(L, "cmsgpack");
        lua_getfield(L, -1, "unpack");
        lua_getfield(L, -2, "pack");
        lua_pushnumber(L, v);
        lua_call(L, 1, 1);
        lua_call(L, 1, 1);
        double back = lua_tonumber(L, -1);
        if (back != v) fail_msg("%.17g came back as %.17g", v, back);
    }
    lua_close(L);
}

/* bit.* against a C model on random 32-bit operands. */
static void test_bit_ops_match_a_model(void **state) {
    (void)state;
    lua_State *L = newState();
    static const char *const ops[] = {"band",   "bor",     "bxor", "lshift",
                                      "rshift", "arshift", "rol",  "ror"};
    for (int j = 0; j < 4000; j++) {
        uint32_t a = (uint32_t)rngNext(), b = (uint32_t)rngNext();
        int op = (int)(rngNext() % 8);
        uint32_t n = b & 31, want = 0;
        switch (op) {
            case 0:
                want = a & b;
                break;
            case 1:
                want = a | b;
                break;
            case 2:
                want = a ^ b;
                break;
            case 3:
                want = a << n;
                break;
            case 4:
                want = a >> n;
                break;
            case 5:
                want = (uint32_t)((int32_t)a >> n);
                break;
            case 6:
                want = n ? (a << n) | (a >> (32 - n)) : a;
                break;
            default:
                want = n ? (a >> n) | (a << (32 - n)) : a;
                break;
        }
        lua_settop(L, 0);
        lua_getglobal(L, "bit");
        lua_getfield(L, -1, ops[op]);
        lua_pushnumber(L, (double)(int32_t)a);
        lua_pushnumber(L, (double)(int32_t)b);
        lua_call(L, 2, 1);
        double got = lua_tonumber(L, -1);
        if (got != (double)(int32_t)want)
            fail_msg("bit.%s(%d, %d) = %.0f, want %d", ops[op], (int32_t)a, (int32_t)b, got,
                     (int32_t)want);
    }
    lua_close(L);
}

/* Every prefix of valid packets is refused cleanly (no read past the end). */
static void test_truncated_inputs_are_errors(void **state) {
    (void)state;
    lua_State *L = newState();
    const char *packers[] = {
        "return cmsgpack.pack({1, 'two', {3.5, {k = 'v'}}, 2^40, -2^40, string.rep('x', 300)})",
        "return cjson.encode({1, 'two', {3.5, {k = 'v'}}, 2^40, -2^40, string.rep('x', 300)})",
    };
    const char *unpackers[] = {"cmsgpack", "cjson"};
    for (int p = 0; p < 2; p++) {
        lua_settop(L, 0);
        assert_int_equal(luaL_dostring(L, packers[p]), 0);
        size_t len;
        const char *whole = lua_tolstring(L, 1, &len);
        char *copy = malloc(len);
        memcpy(copy, whole, len);
        for (size_t cut = 0; cut < len; cut++) {
            lua_settop(L, 0);
            lua_getglobal(L, unpackers[p]);
            lua_getfield(L, -1, p == 0 ? "unpack" : "decode");
            lua_pushlstring(L, copy, cut);
            /* Errors are the expected outcome; the check is that nothing
             * crashes or reads out of bounds (ASan). */
            (void)lua_pcall(L, 1, LUA_MULTRET, 0);
        }
        free(copy);
    }
    lua_close(L);
}

int main(void) {
    const char *env = getenv("LUAMODS_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
    printf("luamods test seed: %llu (LUAMODS_TEST_SEED to replay)\n", (unsigned long long)seed);
    rngState = seed;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expressions_match_redis),
        cmocka_unit_test(test_msgpack_random_round_trips),
        cmocka_unit_test(test_bit_ops_match_a_model),
        cmocka_unit_test(test_truncated_inputs_are_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
