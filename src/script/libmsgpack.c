/* SPDX-License-Identifier: BSD-3-Clause
 *
 * cmsgpack: MessagePack for scripts, byte-compatible with the
 * lua-cmsgpack 0.4.0 Redis 7.0 ships:
 *
 *   cmsgpack.pack(v1, v2, ...)     one string, the values packed back to back
 *   cmsgpack.unpack(s)             every value in s
 *   cmsgpack.unpack_one(s[, off])  next offset (-1 at the end), one value
 *   cmsgpack.unpack_limit(s, n[, off])  next offset, up to n values
 *
 * Packing: a number that is an exact 64-bit integer uses the smallest
 * integer form, otherwise a float when a float holds it exactly, else a
 * double; strings use fixstr/str8/str16/str32; a table whose keys are
 * exactly 1..n is an array (read with the length operator and normal
 * indexing), any other table a map; tables nested 16 deep pack as nil
 * (so a table that contains itself packs to a finite string); anything
 * else packs as nil.  Unpacking: nil, booleans, integers (uint64 above
 * 2^63 wraps to negative, as the original pushes it), float, double,
 * str8/16/32, arrays and maps; bin and ext types are "Bad data format".
 *
 * The output buffer belongs to a userdata on the stack and grows through
 * the interpreter's allocator, so its memory cap applies and an error
 * half way leaks nothing (the collector frees it).  Unpacking
 * checks every length against what is left before reading, and nesting is
 * bounded by the Lua stack (each level needs a slot: a deep input ends in
 * a Lua error, never a C stack overflow).
 */
#include "script/libs.h"

#include <lauxlib.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define PACK_MAX_NESTING 16
/* Decoding depth beyond which an input is refused: well inside the Lua
 * stack, far beyond anything a packer of tables 16 deep produces. */
#define UNPACK_MAX_NESTING 4000

/* ---- packing ---- */

/* The output: a growable buffer in a userdata on the stack (freed by its
 * __gc), allocated through the interpreter's allocator. */
typedef struct mpbuf {
    lua_State *L;
    char *p;
    size_t len, cap;
} mpbuf;

static void bufAdd(mpbuf *b, const void *s, size_t len) {
    if (b->cap - b->len < len) {
        if (len > SIZE_MAX / 4 - b->len) luaL_error(b->L, "not enough memory");
        size_t cap = b->cap ? b->cap : 64;
        while (cap - b->len < len)
            cap *= 2;
        void *ud;
        lua_Alloc f = lua_getallocf(b->L, &ud);
        char *p = f(ud, b->p, b->cap, cap);
        if (!p) luaL_error(b->L, "not enough memory");
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, len);
    b->len += len;
}

static void bufByte(mpbuf *b, unsigned char c) {
    bufAdd(b, &c, 1);
}

static int bufGc(lua_State *L) {
    mpbuf *b = lua_touserdata(L, 1);
    if (b && b->p) {
        void *ud;
        lua_Alloc f = lua_getallocf(L, &ud);
        f(ud, b->p, b->cap, 0);
        b->p = NULL;
    }
    return 0;
}

static void putBE(mpbuf *b, unsigned char tag, uint64_t v, int bytes) {
    unsigned char out[9];
    out[0] = tag;
    for (int j = 0; j < bytes; j++)
        out[1 + j] = (unsigned char)((v >> (8 * (bytes - 1 - j))) & 0xff);
    bufAdd(b, out, (size_t)bytes + 1);
}

static void packInt(mpbuf *b, int64_t n) {
    if (n >= 0) {
        if (n <= 127)
            bufByte(b, (unsigned char)n);
        else if (n <= 0xff)
            putBE(b, 0xcc, (uint64_t)n, 1);
        else if (n <= 0xffff)
            putBE(b, 0xcd, (uint64_t)n, 2);
        else if (n <= 0xffffffffLL)
            putBE(b, 0xce, (uint64_t)n, 4);
        else
            putBE(b, 0xcf, (uint64_t)n, 8);
    } else {
        if (n >= -32)
            bufByte(b, (unsigned char)(n & 0xff));
        else if (n >= -128)
            putBE(b, 0xd0, (uint64_t)n, 1);
        else if (n >= -32768)
            putBE(b, 0xd1, (uint64_t)n, 2);
        else if (n >= -2147483648LL)
            putBE(b, 0xd2, (uint64_t)n, 4);
        else
            putBE(b, 0xd3, (uint64_t)n, 8);
    }
}

static void packDouble(mpbuf *b, double d) {
    float f = (float)d;
    if (d == (double)f) {
        uint32_t bits;
        memcpy(&bits, &f, 4);
        putBE(b, 0xca, bits, 4);
    } else {
        uint64_t bits;
        memcpy(&bits, &d, 8);
        putBE(b, 0xcb, bits, 8);
    }
}

static void packNumber(mpbuf *b, lua_Number n) {
    if (n >= -9223372036854775808.0 && n < 9223372036854775808.0 && (lua_Number)(int64_t)n == n)
        packInt(b, (int64_t)n);
    else
        packDouble(b, n);
}

static void packString(mpbuf *b, const char *s, size_t len) {
    if (len < 32)
        bufByte(b, (unsigned char)(0xa0 | len));
    else if (len <= 0xff)
        putBE(b, 0xd9, len, 1);
    else if (len <= 0xffff)
        putBE(b, 0xda, len, 2);
    else
        putBE(b, 0xdb, len & 0xffffffffULL, 4);
    bufAdd(b, s, len);
}

static void packHeader(mpbuf *b, unsigned char fix, unsigned char t16, uint64_t n) {
    if (n <= 15)
        bufByte(b, (unsigned char)(fix | n));
    else if (n <= 0xffff)
        putBE(b, t16, n, 2);
    else
        putBE(b, (unsigned char)(t16 + 1), n & 0xffffffffULL, 4);
}

/* True when the table at the top has exactly the keys 1..n. */
static bool isArray(lua_State *L) {
    int top = lua_gettop(L);
    long long count = 0, max = 0;
    luaL_checkstack(L, 2, "in function table_is_an_array");
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        lua_Number n;
        if (lua_type(L, -1) != LUA_TNUMBER || (n = lua_tonumber(L, -1)) <= 0 || n > INT_MAX ||
            (lua_Number)(int)n != n) {
            lua_settop(L, top);
            return false;
        }
        if (n > max) max = (long long)n;
        count++;
    }
    lua_settop(L, top);
    return max == count;
}

static void packValue(lua_State *L, mpbuf *b, int level);

static void packTable(lua_State *L, mpbuf *b, int level) {
    if (isArray(L)) {
        size_t len = lua_objlen(L, -1);
        packHeader(b, 0x90, 0xdc, len);
        luaL_checkstack(L, 1, "in function mp_encode_lua_table_as_array");
        for (size_t j = 1; j <= len; j++) {
            lua_pushnumber(L, (lua_Number)j);
            lua_gettable(L, -2);
            packValue(L, b, level + 1);
        }
        return;
    }
    luaL_checkstack(L, 3, "in function mp_encode_lua_table_as_map");
    size_t len = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        len++;
    }
    packHeader(b, 0x80, 0xde, len);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pushvalue(L, -2);
        packValue(L, b, level + 1); /* the key */
        packValue(L, b, level + 1); /* the value */
    }
}

/* Packs the value at the top and pops it. */
static void packValue(lua_State *L, mpbuf *b, int level) {
    int t = lua_type(L, -1);
    if (t == LUA_TTABLE && level == PACK_MAX_NESTING) t = LUA_TNIL;
    switch (t) {
        case LUA_TSTRING: {
            size_t len;
            const char *s = lua_tolstring(L, -1, &len);
            packString(b, s, len);
            break;
        }
        case LUA_TBOOLEAN:
            bufByte(b, lua_toboolean(L, -1) ? 0xc3 : 0xc2);
            break;
        case LUA_TNUMBER:
            packNumber(b, lua_tonumber(L, -1));
            break;
        case LUA_TTABLE:
            packTable(L, b, level);
            break;
        default:
            bufByte(b, 0xc0);
    }
    lua_pop(L, 1);
}

static int mpPack(lua_State *L) {
    int n = lua_gettop(L);
    if (n == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
    if (!lua_checkstack(L, n + 4))
        return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
    mpbuf *b = lua_newuserdata(L, sizeof(*b));
    memset(b, 0, sizeof(*b));
    b->L = L;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_setmetatable(L, -2);
    for (int j = 1; j <= n; j++) {
        lua_pushvalue(L, j);
        packValue(L, b, 0);
    }
    lua_pushlstring(L, b->p ? b->p : "", b->len);
    return 1;
}

/* ---- unpacking ---- */

typedef struct cursor {
    const unsigned char *p;
    size_t left;
    int err; /* 1: missing bytes, 2: bad format */
    int depth;
} cursor;

#define NEED(c, n)                                                                                 \
    do {                                                                                           \
        if ((c)->left < (size_t)(n)) {                                                             \
            (c)->err = 1;                                                                          \
            return;                                                                                \
        }                                                                                          \
    } while (0)

static uint64_t getBE(const unsigned char *p, int bytes) {
    uint64_t v = 0;
    for (int j = 0; j < bytes; j++)
        v = (v << 8) | p[j];
    return v;
}

static void consume(cursor *c, size_t n) {
    c->p += n;
    c->left -= n;
}

static void unpackValue(lua_State *L, cursor *c);

static void unpackArray(lua_State *L, cursor *c, size_t len) {
    lua_newtable(L);
    luaL_checkstack(L, 1, "in function mp_decode_to_lua_array");
    for (size_t j = 1; j <= len; j++) {
        lua_pushnumber(L, (lua_Number)j);
        unpackValue(L, c);
        if (c->err) return;
        lua_settable(L, -3);
    }
}

static void unpackMap(lua_State *L, cursor *c, size_t len) {
    lua_newtable(L);
    while (len--) {
        unpackValue(L, c);
        if (c->err) return;
        unpackValue(L, c);
        if (c->err) return;
        lua_settable(L, -3);
    }
}

static void unpackString(lua_State *L, cursor *c, int hdr, int lenBytes) {
    NEED(c, hdr);
    size_t len = (size_t)getBE(c->p + 1, lenBytes);
    consume(c, (size_t)hdr);
    NEED(c, len);
    lua_pushlstring(L, (const char *)c->p, len);
    consume(c, len);
}

static void unpackNested(lua_State *L, cursor *c, bool map, size_t len, size_t hdr) {
    if (++c->depth > UNPACK_MAX_NESTING) {
        c->err = 2;
        return;
    }
    consume(c, hdr);
    if (map)
        unpackMap(L, c, len);
    else
        unpackArray(L, c, len);
    c->depth--;
}

static void unpackValue(lua_State *L, cursor *c) {
    NEED(c, 1);
    luaL_checkstack(L, 1,
                    "too many return values at once; use unpack_one or unpack_limit instead.");
    unsigned char b = c->p[0];
    switch (b) {
        case 0xcc:
            NEED(c, 2);
            lua_pushnumber(L, c->p[1]);
            consume(c, 2);
            return;
        case 0xd0:
            NEED(c, 2);
            lua_pushnumber(L, (signed char)c->p[1]);
            consume(c, 2);
            return;
        case 0xcd:
            NEED(c, 3);
            lua_pushnumber(L, (lua_Number)getBE(c->p + 1, 2));
            consume(c, 3);
            return;
        case 0xd1:
            NEED(c, 3);
            lua_pushnumber(L, (int16_t)getBE(c->p + 1, 2));
            consume(c, 3);
            return;
        case 0xce:
            NEED(c, 5);
            lua_pushnumber(L, (lua_Number)getBE(c->p + 1, 4));
            consume(c, 5);
            return;
        case 0xd2:
            NEED(c, 5);
            lua_pushnumber(L, (int32_t)(uint32_t)getBE(c->p + 1, 4));
            consume(c, 5);
            return;
        case 0xcf:
        case 0xd3:
            NEED(c, 9);
            lua_pushnumber(L, (lua_Number)(int64_t)getBE(c->p + 1, 8));
            consume(c, 9);
            return;
        case 0xc0:
            lua_pushnil(L);
            consume(c, 1);
            return;
        case 0xc3:
        case 0xc2:
            lua_pushboolean(L, b == 0xc3);
            consume(c, 1);
            return;
        case 0xca: {
            NEED(c, 5);
            uint32_t bits = (uint32_t)getBE(c->p + 1, 4);
            float f;
            memcpy(&f, &bits, 4);
            lua_pushnumber(L, f);
            consume(c, 5);
            return;
        }
        case 0xcb: {
            NEED(c, 9);
            uint64_t bits = getBE(c->p + 1, 8);
            double d;
            memcpy(&d, &bits, 8);
            lua_pushnumber(L, d);
            consume(c, 9);
            return;
        }
        case 0xd9:
            unpackString(L, c, 2, 1);
            return;
        case 0xda:
            unpackString(L, c, 3, 2);
            return;
        case 0xdb:
            unpackString(L, c, 5, 4);
            return;
        case 0xdc:
        case 0xde:
            NEED(c, 3);
            unpackNested(L, c, b == 0xde, (size_t)getBE(c->p + 1, 2), 3);
            return;
        case 0xdd:
        case 0xdf:
            NEED(c, 5);
            unpackNested(L, c, b == 0xdf, (size_t)getBE(c->p + 1, 4), 5);
            return;
        default:
            break;
    }
    if ((b & 0x80) == 0) {
        lua_pushnumber(L, b);
        consume(c, 1);
    } else if ((b & 0xe0) == 0xe0) {
        lua_pushnumber(L, (signed char)b);
        consume(c, 1);
    } else if ((b & 0xe0) == 0xa0) {
        size_t len = b & 0x1f;
        NEED(c, 1 + len);
        lua_pushlstring(L, (const char *)c->p + 1, len);
        consume(c, 1 + len);
    } else if ((b & 0xf0) == 0x90) {
        unpackNested(L, c, false, b & 0xf, 1);
    } else if ((b & 0xf0) == 0x80) {
        unpackNested(L, c, true, b & 0xf, 1);
    } else {
        c->err = 2;
    }
}

static int unpackFull(lua_State *L, lua_Integer limit, lua_Integer offset) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    bool all = !limit && !offset;
    if (offset < 0 || limit < 0)
        return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.",
                          (int)offset, (int)len);
    if ((size_t)offset > len)
        return luaL_error(L, "Start offset %d greater than input length %d.", (int)offset,
                          (int)len);
    if (all) limit = INT_MAX;
    cursor c = {(const unsigned char *)s + offset, len - (size_t)offset, 0, 0};
    int count;
    for (count = 0; c.left > 0 && count < limit; count++) {
        unpackValue(L, &c);
        if (c.err == 1) return luaL_error(L, "Missing bytes in input.");
        if (c.err == 2) return luaL_error(L, "Bad data format in input.");
    }
    if (!all) {
        luaL_checkstack(L, 1, "in function mp_unpack_full");
        lua_pushinteger(L, c.left == 0 ? -1 : (lua_Integer)(len - c.left));
        lua_insert(L, 2);
        count++;
    }
    return count;
}

static int mpUnpack(lua_State *L) {
    return unpackFull(L, 0, 0);
}

static int mpUnpackOne(lua_State *L) {
    lua_Integer offset = luaL_optinteger(L, 2, 0);
    lua_settop(L, 1);
    return unpackFull(L, 1, offset);
}

static int mpUnpackLimit(lua_State *L) {
    lua_Integer limit = luaL_checkinteger(L, 2);
    lua_Integer offset = luaL_optinteger(L, 3, 0);
    lua_settop(L, 1);
    return unpackFull(L, limit, offset);
}

int luaopenCmsgpack(lua_State *L) {
    static const luaL_Reg funcs[] = {
        {"pack", mpPack},
        {"unpack", mpUnpack},
        {"unpack_one", mpUnpackOne},
        {"unpack_limit", mpUnpackLimit},
        {NULL, NULL},
    };
    lua_newtable(L);
    for (const luaL_Reg *r = funcs; r->name; r++) {
        if (r->func == mpPack) {
            lua_newtable(L); /* the output buffer's metatable */
            lua_pushcfunction(L, bufGc);
            lua_setfield(L, -2, "__gc");
            lua_pushcclosure(L, mpPack, 1);
        } else {
            lua_pushcfunction(L, r->func);
        }
        lua_setfield(L, -2, r->name);
    }
    lua_pushliteral(L, "cmsgpack");
    lua_setfield(L, -2, "_NAME");
    lua_pushliteral(L, "lua-cmsgpack 0.4.0");
    lua_setfield(L, -2, "_VERSION");
    lua_pushliteral(L, "Copyright (C) 2012, Salvatore Sanfilippo");
    lua_setfield(L, -2, "_COPYRIGHT");
    lua_pushliteral(L, "MessagePack C implementation for Lua");
    lua_setfield(L, -2, "_DESCRIPTION");
    lua_pushvalue(L, -1);
    lua_setglobal(L, "cmsgpack");
    return 1;
}
