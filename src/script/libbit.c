/* SPDX-License-Identifier: BSD-3-Clause
 *
 * bit: the Lua BitOp API (http://bitop.luajit.org/api.html) on 32-bit
 * integers.  A Lua number is taken modulo 2^32 the way BitOp does it on
 * double builds: add 2^52 + 2^51 and keep the low 32 bits of the double's
 * representation, which rounds to the nearest integer and wraps negative
 * and large values.  Results are signed 32-bit numbers.
 *
 * tohex(x, n) prints the low |n| hex digits (at most 8; uppercase when n is
 * negative).  n = -2^31, whose negation does not fit, counts as
 * -(2^31 - 1): the overflow behind CVE-2024-31449 cannot happen.
 */
#include "script/libs.h"

#include <lauxlib.h>
#include <stdint.h>
#include <string.h>

static uint32_t barg(lua_State *L, int idx) {
    union {
        lua_Number n;
        uint64_t b;
    } u;
    u.n = luaL_checknumber(L, idx) + 6755399441055744.0; /* 2^52 + 2^51 */
    return (uint32_t)u.b;
}

static int bret(lua_State *L, uint32_t b) {
    lua_pushnumber(L, (lua_Number)(int32_t)b);
    return 1;
}

static int bitTobit(lua_State *L) {
    return bret(L, barg(L, 1));
}
static int bitBnot(lua_State *L) {
    return bret(L, ~barg(L, 1));
}

static int bitBand(lua_State *L) {
    uint32_t b = barg(L, 1);
    for (int j = lua_gettop(L); j > 1; j--)
        b &= barg(L, j);
    return bret(L, b);
}

static int bitBor(lua_State *L) {
    uint32_t b = barg(L, 1);
    for (int j = lua_gettop(L); j > 1; j--)
        b |= barg(L, j);
    return bret(L, b);
}

static int bitBxor(lua_State *L) {
    uint32_t b = barg(L, 1);
    for (int j = lua_gettop(L); j > 1; j--)
        b ^= barg(L, j);
    return bret(L, b);
}

static int bitLshift(lua_State *L) {
    uint32_t b = barg(L, 1), n = barg(L, 2) & 31;
    return bret(L, b << n);
}

static int bitRshift(lua_State *L) {
    uint32_t b = barg(L, 1), n = barg(L, 2) & 31;
    return bret(L, b >> n);
}

static int bitArshift(lua_State *L) {
    uint32_t b = barg(L, 1), n = barg(L, 2) & 31;
    /* Shift of the sign bit in, written without relying on the right shift
     * of a negative number. */
    uint32_t r = b >> n;
    if ((b & 0x80000000u) && n) r |= ~(0xffffffffu >> n);
    return bret(L, r);
}

static int bitRol(lua_State *L) {
    uint32_t b = barg(L, 1), n = barg(L, 2) & 31;
    return bret(L, n ? (b << n) | (b >> (32 - n)) : b);
}

static int bitRor(lua_State *L) {
    uint32_t b = barg(L, 1), n = barg(L, 2) & 31;
    return bret(L, n ? (b >> n) | (b << (32 - n)) : b);
}

static int bitBswap(lua_State *L) {
    uint32_t b = barg(L, 1);
    b = (b >> 24) | ((b >> 8) & 0xff00u) | ((b & 0xff00u) << 8) | (b << 24);
    return bret(L, b);
}

static int bitTohex(lua_State *L) {
    uint32_t b = barg(L, 1);
    int32_t n = lua_isnone(L, 2) ? 8 : (int32_t)barg(L, 2);
    const char *digits = "0123456789abcdef";
    if (n == INT32_MIN) n = INT32_MIN + 1;
    if (n < 0) {
        n = -n;
        digits = "0123456789ABCDEF";
    }
    if (n > 8) n = 8;
    char buf[8];
    for (int i = n; --i >= 0;) {
        buf[i] = digits[b & 15];
        b >>= 4;
    }
    lua_pushlstring(L, buf, (size_t)n);
    return 1;
}

static const luaL_Reg bitFuncs[] = {
    {"tobit", bitTobit}, {"bnot", bitBnot},     {"band", bitBand},     {"bor", bitBor},
    {"bxor", bitBxor},   {"lshift", bitLshift}, {"rshift", bitRshift}, {"arshift", bitArshift},
    {"rol", bitRol},     {"ror", bitRor},       {"bswap", bitBswap},   {"tohex", bitTohex},
    {NULL, NULL},
};

int luaopenBit(lua_State *L) {
    luaL_register(L, "bit", bitFuncs);
    return 1;
}
