/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The sandboxed Lua interpreter.  Lua 5.1 comes from Debian's liblua5.1,
 * which has none of the read-only-table patches Redis carries in its own
 * copy, so the protection is built on the public API:
 *
 *   script code --reads--> P_G (empty proxy) --__index--> G (real globals)
 *                          |  __newindex: "Attempt to modify a readonly table"
 *                          G's metatable __index: "Script attempted to access
 *                          nonexistent global variable 'x'"
 *
 * Every table reachable from the globals (string, math, redis, cjson, ...,
 * the string metatable, G itself) is replaced by such a proxy, recursively,
 * and the real tables are reachable only through the proxies' metatables,
 * which scripts cannot get: getmetatable, setmetatable, rawget, rawset,
 * next, pairs, ipairs, unpack and the table library are wrapped so that they
 * see through a proxy for reading and refuse it for writing.  The functions
 * that could reach the real tables or the host (debug, getfenv, setfenv,
 * newproxy, io, os, package, require, module, loadlib, dofile, loadfile,
 * print) are not there at all, as in Debian's Redis 7.0.15.
 *
 * Chunks are always parsed as text: lua_load gets a reader whose first
 * answer is empty, so the undump path (which trusts its input) is never
 * taken and a binary chunk fails to parse like any other bad text.  The
 * chunk name is kept on the stack while parsing, so a garbage collection
 * inside the parser cannot free it (the CVE-2025-49844 shape).
 *
 * The heap has a cap (lua-memory-limit): past it an allocation fails and
 * Lua raises "not enough memory", which ends the script with an error.
 * Lua's memory is accounted apart from the dataset (used_memory_lua), as
 * in Redis, so it allocates with the C library directly instead of the
 * tmalloc family: it must also see NULL on failure rather than an abort.
 */
#include "script/lua.h"

#include <lauxlib.h>
#include <limits.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script/libs.h"
#include "script/script.h"

long long luaMemoryLimit = 1024LL * 1024 * 1024;

/* Registry keys (addresses of these statics). */
static char regProxyOf;     /* real table -> its proxy */
static char regRealOf;      /* proxy -> real table */
static char regGlobalsMeta; /* metatable of the globals proxy (its __index switches) */
static char regGlobalsReal; /* the real globals */
static char regLoadApi;     /* FUNCTION engine: globals seen while a library loads */
static char regErrHandler;  /* the error handler */

typedef struct luaHeap {
    size_t used;
    bool capped; /* luaVmSetCapped: script code is running */
} luaHeap;

/* ---- allocator ---- */

static void *luaAlloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    luaHeap *h = ud;
    if (nsize == 0) {
        free(ptr);
        h->used -= osize;
        return NULL;
    }
    if (nsize > osize && luaMemoryLimit > 0 && h->capped &&
        h->used - osize + nsize > (unsigned long long)luaMemoryLimit)
        return NULL;
    void *p = realloc(ptr, nsize);
    if (!p) return NULL;
    h->used = h->used - osize + nsize;
    return p;
}

static int luaPanic(lua_State *L) {
    serverLog(LL_WARNING, "Lua panic: %s", lua_tostring(L, -1));
    serverPanic("unprotected error in the Lua interpreter");
}

bool luaVmSetCapped(lua_State *L, bool capped) {
    void *ud;
    lua_getallocf(L, &ud);
    luaHeap *h = ud;
    bool was = h->capped;
    h->capped = capped;
    return was;
}

size_t luaVmMemory(lua_State *L) {
    void *ud;
    lua_getallocf(L, &ud);
    return ((luaHeap *)ud)->used;
}

/* ---- registry helpers ---- */

static void pushReg(lua_State *L, void *key) {
    lua_pushlightuserdata(L, key);
    lua_rawget(L, LUA_REGISTRYINDEX);
}

static void setRegFromTop(lua_State *L, void *key) {
    lua_pushlightuserdata(L, key);
    lua_insert(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX);
}

/* Replaces a proxy at 'idx' by the real table behind it (in place).
 * Returns true when it was a proxy. */
static bool unwrapAt(lua_State *L, int idx) {
    if (lua_type(L, idx) != LUA_TTABLE) return false;
    if (idx < 0) idx = lua_gettop(L) + idx + 1;
    pushReg(L, &regRealOf);
    lua_pushvalue(L, idx);
    lua_rawget(L, -2);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 2);
        return false;
    }
    lua_replace(L, idx);
    lua_pop(L, 1);
    return true;
}

static bool isProxy(lua_State *L, int idx) {
    if (lua_type(L, idx) != LUA_TTABLE) return false;
    if (idx < 0) idx = lua_gettop(L) + idx + 1;
    pushReg(L, &regRealOf);
    lua_pushvalue(L, idx);
    lua_rawget(L, -2);
    bool yes = !lua_isnil(L, -1);
    lua_pop(L, 2);
    return yes;
}

/* ---- read-only tables ---- */

static int readonlyError(lua_State *L) {
    /* Raised from inside a C function: no position, like Redis's rawset. */
    lua_pushstring(L, "Attempt to modify a readonly table");
    return lua_error(L);
}

static int readonlyNewIndex(lua_State *L) {
    /* A plain assignment in the script: luaL_error names its line. */
    return luaL_error(L, "Attempt to modify a readonly table");
}

static int nonexistentGlobal(lua_State *L) {
    const char *name = lua_tostring(L, 2);
    return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                      name ? name : "?");
}

static void protectTable(lua_State *L, int idx);

/* Replaces the table at 'idx' by its read-only proxy (in place), making
 * the proxy (and protecting its contents) the first time. */
static void protectAt(lua_State *L, int idx) {
    if (idx < 0) idx = lua_gettop(L) + idx + 1;
    if (isProxy(L, idx)) return;
    pushReg(L, &regProxyOf);
    lua_pushvalue(L, idx);
    lua_rawget(L, -2);
    if (!lua_isnil(L, -1)) {
        lua_replace(L, idx);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 2);
    protectTable(L, idx);
}

static void protectTable(lua_State *L, int idx) {
    lua_checkstack(L, 8);
    int real = idx;
    lua_newtable(L); /* proxy */
    int proxy = lua_gettop(L);
    lua_newtable(L); /* its metatable */
    lua_pushvalue(L, real);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, readonlyNewIndex);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, proxy);
    /* Record both directions before walking, so cycles (G._G) end here. */
    pushReg(L, &regProxyOf);
    lua_pushvalue(L, real);
    lua_pushvalue(L, proxy);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    pushReg(L, &regRealOf);
    lua_pushvalue(L, proxy);
    lua_pushvalue(L, real);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    /* Table values are swapped for their proxies.  Keys are only ever
     * strings here, so rewriting existing keys during lua_next is safe. */
    lua_pushnil(L);
    while (lua_next(L, real)) {
        if (lua_type(L, -1) == LUA_TTABLE) {
            protectAt(L, -1);
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, real);
        } else {
            lua_pop(L, 1);
        }
    }
    /* The metatable of the real table (G's error metatable, the string
     * metatable's __index) is protected the same way. */
    if (lua_getmetatable(L, real)) {
        protectAt(L, -1);
        lua_pop(L, 1);
    }
    lua_replace(L, real);
}

/* ---- wrapped base functions ---- */

/* getmetatable(v): the read-only view of a proxy's metatable, the string
 * metatable's proxy for strings, otherwise the usual answer. */
static int sbGetmetatable(lua_State *L) {
    luaL_checkany(L, 1);
    if (isProxy(L, 1)) {
        unwrapAt(L, 1);
        if (!lua_getmetatable(L, 1)) {
            lua_pushnil(L);
            return 1;
        }
        protectAt(L, -1);
        return 1;
    }
    if (!lua_getmetatable(L, 1)) {
        lua_pushnil(L);
        return 1;
    }
    if (lua_type(L, 1) != LUA_TTABLE) {
        protectAt(L, -1); /* the string metatable */
        return 1;
    }
    luaL_getmetafield(L, 1, "__metatable");
    return 1;
}

/* setmetatable, rawget, rawset and unpack are written out rather than
 * wrapped: calling the original from a C wrapper would put a C frame
 * between it and the script, and its errors would lose their position
 * ("user_script:1:") and name. */
static int sbSetmetatable(lua_State *L) {
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argcheck(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table expected");
    if (isProxy(L, 1)) return readonlyError(L);
    if (luaL_getmetafield(L, 1, "__metatable"))
        luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

static int sbRawget(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    unwrapAt(L, 1);
    lua_settop(L, 2);
    lua_rawget(L, 1);
    return 1;
}

static int sbRawset(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    if (isProxy(L, 1)) return readonlyError(L);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

/* unpack(t, i, j), counting in 64 bits: Debian's liblua5.1 computes the
 * element count in an int whose overflow test the compiler may drop, and
 * unpack({}, 0, 2^31 - 1) then crashes it. */
static int sbUnpack(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    unwrapAt(L, 1);
    long long i = luaL_optint(L, 2, 1);
    long long e = lua_isnoneornil(L, 3) ? (long long)lua_objlen(L, 1) : luaL_checkint(L, 3);
    if (i > e) return 0;
    long long n = e - i + 1;
    if (n <= 0 || n >= INT_MAX || !lua_checkstack(L, (int)n))
        return luaL_error(L, "too many results to unpack");
    for (long long k = i; k <= e; k++)
        lua_rawgeti(L, 1, (int)k);
    return (int)n;
}

/* The error handler of sbTableArg's protected call: an error the wrapped
 * function raised itself (a C function called by our C wrapper) is
 * marked, so it can be given the position and name it would have had if
 * the script had called the function directly. */
static int markOwnError(lua_State *L) {
    lua_Debug raiser, caller;
    if (lua_type(L, 1) == LUA_TSTRING && lua_getstack(L, 1, &raiser) &&
        lua_getinfo(L, "S", &raiser) && raiser.what[0] == 'C' && lua_getstack(L, 2, &caller) &&
        lua_getinfo(L, "S", &caller) && caller.what[0] == 'C') {
        lua_newtable(L);
        lua_pushvalue(L, 1);
        lua_rawseti(L, -2, 1);
        return 1;
    }
    lua_settop(L, 1);
    return 1;
}

/* A table library function (upvalue 1, named upvalue 3): with 'write'
 * (upvalue 2) it refuses a proxy as first argument, otherwise it passes
 * the real table instead. */
static int sbTableArg(lua_State *L) {
    bool write = lua_toboolean(L, lua_upvalueindex(2));
    luaL_checktype(L, 1, LUA_TTABLE);
    if (write) {
        if (isProxy(L, 1)) return readonlyError(L);
    } else {
        unwrapAt(L, 1);
    }
    int argc = lua_gettop(L);
    lua_pushcfunction(L, markOwnError);
    lua_insert(L, 1);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 2);
    if (lua_pcall(L, argc, LUA_MULTRET, 1) == 0) {
        lua_remove(L, 1);
        return lua_gettop(L);
    }
    if (lua_istable(L, -1) && lua_objlen(L, -1) == 1 && !isProxy(L, -1)) {
        lua_rawgeti(L, -1, 1);
        if (lua_type(L, -1) == LUA_TSTRING) {
            /* "bad argument #1 to '?'": the original saw no name. */
            const char *msg = lua_tostring(L, -1);
            const char *q = strstr(msg, " to '?'");
            luaL_where(L, 1);
            if (q) {
                lua_pushlstring(L, msg, (size_t)(q - msg));
                lua_pushfstring(L, " to '%s'%s", lua_tostring(L, lua_upvalueindex(3)), q + 7);
                lua_concat(L, 3);
            } else {
                lua_pushvalue(L, -2);
                lua_concat(L, 2);
            }
        }
    }
    return lua_error(L);
}

static int sbNext(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    unwrapAt(L, 1);
    lua_settop(L, 2);
    if (lua_next(L, 1)) return 2;
    lua_pushnil(L);
    return 1;
}

static int sbPairs(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushvalue(L, lua_upvalueindex(1)); /* our next */
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static int sbIpairsAux(lua_State *L) {
    int i = luaL_checkint(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    unwrapAt(L, 1);
    i++;
    lua_pushinteger(L, i);
    lua_rawgeti(L, 1, i);
    return lua_isnil(L, -1) ? 0 : 2;
}

static int sbIpairs(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    lua_pushinteger(L, 0);
    return 3;
}

static int sbCollectgarbage(lua_State *L) {
    /* Only "count" (what scripts use to watch their memory).  A full
     * collection on demand is a latency lever (a loop of them stalls the
     * server for every client), and stopping or retuning the collector
     * would make one script's garbage every later script's problem; the
     * interpreter collects incrementally between scripts anyway. */
    const char *opt = luaL_optstring(L, 1, "collect");
    if (strcmp(opt, "count") == 0) {
        lua_pushnumber(L, (lua_Number)lua_gc(L, LUA_GCCOUNT, 0) +
                              (lua_Number)lua_gc(L, LUA_GCCOUNTB, 0) / 1024);
        return 1;
    }
    return luaL_error(L, "collectgarbage option '%s' is not allowed in scripts", opt);
}

/* ---- compiling text only ---- */

typedef struct chunkReader {
    const char *p;
    size_t len;
    int step;
    int fnIdx;   /* load(): the reader function's stack index, 0 for a buffer */
    int keepIdx; /* stack slot keeping the last piece alive */
} chunkReader;

static const char *readChunk(lua_State *L, void *ud, size_t *size) {
    chunkReader *r = ud;
    if (r->step == 0) {
        /* An empty first piece: lua_load's signature test sees the end
         * of input and chooses the text parser, which then reads on. */
        r->step = 1;
        *size = 0;
        return "";
    }
    if (!r->fnIdx) {
        if (r->step == 2) {
            *size = 0;
            return NULL;
        }
        r->step = 2;
        *size = r->len;
        return r->p;
    }
    lua_pushvalue(L, r->fnIdx);
    lua_call(L, 0, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        *size = 0;
        return NULL;
    }
    if (!lua_isstring(L, -1)) luaL_error(L, "reader function must return a string");
    lua_replace(L, r->keepIdx);
    return lua_tolstring(L, r->keepIdx, size);
}

/* lua_load of text with the chunk name anchored on the stack. */
static int loadText(lua_State *L, chunkReader *r, const char *chunkname) {
    lua_pushstring(L, chunkname);
    int anchor = lua_gettop(L);
    int rc = lua_load(L, readChunk, r, chunkname);
    lua_remove(L, anchor);
    return rc;
}

int luaVmCompile(lua_State *L, const char *code, size_t len, const char *chunkname) {
    chunkReader r = {code, len, 0, 0, 0};
    return loadText(L, &r, chunkname);
}

static int sbLoadstring(lua_State *L) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, s);
    chunkReader r = {s, len, 0, 0, 0};
    if (loadText(L, &r, name) == 0) return 1;
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
}

static int sbLoad(lua_State *L) {
    const char *name = luaL_optstring(L, 2, "=(load)");
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_settop(L, 3); /* slot 3 keeps the reader's last piece */
    chunkReader r = {NULL, 0, 0, 1, 3};
    if (loadText(L, &r, name) == 0) return 1;
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
}

/* ---- pcall and coroutines ---- */

/* pcall as Redis 7 has it: an error raised as a table with an "err" field
 * (every redis.call error) reaches the script as that string. */
static int sbPcall(lua_State *L) {
    int argc = lua_gettop(L);
    /* Redis's pcall() with nothing to call returns nothing. */
    if (argc == 0) return 0;
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) != 0) {
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "err");
            if (lua_isstring(L, -1))
                lua_replace(L, -2);
            else
                lua_pop(L, 1);
        }
        lua_pushboolean(L, 0);
        lua_replace(L, 1);
    }
    return lua_gettop(L);
}

/* A coroutine keeps the hook of the thread that created it.  Before it
 * resumes it gets the current one, so a coroutine made during FUNCTION
 * LOAD (or before a time limit was set) cannot outrun SCRIPT KILL. */
static void inheritHook(lua_State *L, lua_State *co) {
    lua_sethook(co, lua_gethook(L), lua_gethookmask(L), lua_gethookcount(L));
}

static int sbResume(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    luaL_argcheck(L, co, 1, "coroutine expected");
    inheritHook(L, co);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static int sbWrapped(lua_State *L) {
    lua_State *co = lua_tothread(L, lua_upvalueindex(1));
    inheritHook(L, co);
    lua_pushvalue(L, lua_upvalueindex(2)); /* the original resume */
    lua_insert(L, 1);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 2);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    if (lua_toboolean(L, 1)) {
        lua_remove(L, 1);
        return lua_gettop(L);
    }
    lua_settop(L, 2);
    if (lua_isstring(L, 2)) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

static int sbWrap(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_State *co = lua_newthread(L);
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 1);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushcclosure(L, sbWrapped, 2);
    return 1;
}

/* ---- the error handler ---- */

/* Turns the error at index 1 into the table EVAL/FCALL report from:
 * {err="CODE message", source=..., line=...}.  The position is that of
 * the Lua function that raised it (skipping a C function such as error or
 * redis.call, the way a user reads it). */
static int errorHandler(lua_State *L) {
    lua_Debug ar;
    bool have = lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar);
    if (have && strcmp(ar.what, "C") == 0)
        have = lua_getstack(L, 2, &ar) && lua_getinfo(L, "Sl", &ar);
    lua_settop(L, 1);
    if (!lua_istable(L, 1)) {
        /* As tostring(err) would print it; done here because the handler
         * may run while a library loads, with no tostring in sight. */
        switch (lua_type(L, 1)) {
            case LUA_TNIL:
                lua_pushliteral(L, "ERR nil");
                break;
            case LUA_TBOOLEAN:
                lua_pushstring(L, lua_toboolean(L, 1) ? "ERR true" : "ERR false");
                break;
            case LUA_TNUMBER:
            case LUA_TSTRING:
                lua_pushliteral(L, "ERR ");
                lua_pushvalue(L, 1);
                lua_concat(L, 2);
                break;
            default:
                lua_pushfstring(L, "ERR %s: %p", lua_typename(L, lua_type(L, 1)),
                                lua_topointer(L, 1));
        }
        lua_newtable(L);
        lua_insert(L, -2);
        lua_setfield(L, -2, "err");
        lua_replace(L, 1);
    }
    if (have) {
        lua_pushstring(L, ar.source);
        lua_setfield(L, 1, "source");
        lua_pushinteger(L, ar.currentline);
        lua_setfield(L, 1, "line");
    }
    return 1;
}

void luaVmPushErrorHandler(lua_State *L) {
    pushReg(L, &regErrHandler);
}

/* ---- globals ---- */

void luaVmPushGlobals(lua_State *L) {
    lua_pushvalue(L, LUA_GLOBALSINDEX);
}

void luaVmPushArray(lua_State *L, slice *argv, int n) {
    lua_createtable(L, n, 0);
    for (int j = 0; j < n; j++) {
        lua_pushlstring(L, argv[j].ptr, argv[j].len);
        lua_rawseti(L, -2, j + 1);
    }
}

void luaVmSetGlobalArray(lua_State *L, const char *name, slice *argv, int n) {
    pushReg(L, &regGlobalsReal);
    lua_pushstring(L, name);
    luaVmPushArray(L, argv, n);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

void luaVmSetLoadGlobals(lua_State *L, bool loading) {
    pushReg(L, &regGlobalsMeta);
    pushReg(L, loading ? (void *)&regLoadApi : (void *)&regGlobalsReal);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}

void luaVmSetHook(lua_State *L, lua_Hook hook, bool everyLine) {
    if (!hook)
        lua_sethook(L, NULL, 0, 0);
    else if (everyLine)
        lua_sethook(L, hook, LUA_MASKLINE, 0);
    else
        lua_sethook(L, hook, LUA_MASKCOUNT, 100000);
}

/* ---- building the interpreter ---- */

static void openLib(lua_State *L, const char *name, lua_CFunction open) {
    lua_pushcfunction(L, open);
    lua_pushstring(L, name);
    lua_call(L, 1, 0);
}

/* Replaces tbl[name] by a closure of 'fn' whose upvalues are the
 * original, 'flag' and the name. */
static void wrapField(lua_State *L, int tbl, const char *name, lua_CFunction fn, int flag) {
    lua_getfield(L, tbl, name);
    lua_pushboolean(L, flag);
    lua_pushstring(L, name);
    lua_pushcclosure(L, fn, 3);
    lua_setfield(L, tbl, name);
}

static void removeGlobals(lua_State *L, const char *const *names) {
    for (int j = 0; names[j]; j++) {
        lua_pushnil(L);
        lua_setfield(L, LUA_GLOBALSINDEX, names[j]);
    }
}

static int buildState(lua_State *L) {
    luaVmKind kind = (luaVmKind)(intptr_t)lua_touserdata(L, 1);
    lua_settop(L, 0);
    openLib(L, "", luaopen_base);
    openLib(L, LUA_TABLIBNAME, luaopen_table);
    openLib(L, LUA_STRLIBNAME, luaopen_string);
    openLib(L, LUA_MATHLIBNAME, luaopen_math);
    openLib(L, "cjson", luaopenCjson);
    openLib(L, "struct", luaopenStruct);
    openLib(L, "cmsgpack", luaopenCmsgpack);
    openLib(L, "bit", luaopenBit);
    static const char *const gone[] = {"print",    "dofile", "loadfile", "getfenv", "setfenv",
                                       "newproxy", "module", "require",  NULL};
    removeGlobals(L, gone);

    int G = LUA_GLOBALSINDEX;
    lua_newtable(L);
    setRegFromTop(L, &regProxyOf);
    lua_newtable(L);
    setRegFromTop(L, &regRealOf);

    lua_pushcfunction(L, sbGetmetatable);
    lua_setfield(L, G, "getmetatable");
    lua_pushcfunction(L, sbSetmetatable);
    lua_setfield(L, G, "setmetatable");
    lua_pushcfunction(L, sbRawset);
    lua_setfield(L, G, "rawset");
    lua_pushcfunction(L, sbRawget);
    lua_setfield(L, G, "rawget");
    lua_pushcfunction(L, sbUnpack);
    lua_setfield(L, G, "unpack");
    lua_pushcfunction(L, sbNext);
    lua_pushvalue(L, -1);
    lua_setfield(L, G, "next");
    lua_pushcclosure(L, sbPairs, 1);
    lua_setfield(L, G, "pairs");
    lua_pushcfunction(L, sbIpairsAux);
    lua_pushcclosure(L, sbIpairs, 1);
    lua_setfield(L, G, "ipairs");
    lua_pushcfunction(L, sbCollectgarbage);
    lua_setfield(L, G, "collectgarbage");
    lua_pushcfunction(L, sbLoadstring);
    lua_setfield(L, G, "loadstring");
    lua_pushcfunction(L, sbLoad);
    lua_setfield(L, G, "load");
    lua_pushcfunction(L, sbPcall);
    lua_setfield(L, G, "pcall");

    lua_getglobal(L, "table");
    int t = lua_gettop(L);
    static const char *const tableWrites[] = {"insert", "remove", "sort", "setn", NULL};
    static const char *const tableReads[] = {"concat", "maxn", "getn", "foreach", "foreachi", NULL};
    for (int j = 0; tableWrites[j]; j++)
        wrapField(L, t, tableWrites[j], sbTableArg, 1);
    for (int j = 0; tableReads[j]; j++)
        wrapField(L, t, tableReads[j], sbTableArg, 0);
    lua_pop(L, 1);
    lua_getglobal(L, "coroutine");
    t = lua_gettop(L);
    lua_getfield(L, t, "resume");
    lua_pushvalue(L, -1);
    lua_pushcclosure(L, sbResume, 1);
    lua_setfield(L, t, "resume");
    lua_pushcclosure(L, sbWrap, 1);
    lua_setfield(L, t, "wrap");
    lua_pop(L, 1);

    /* The redis table and math.random. */
    lua_newtable(L);
    luaApiRegister(L, kind);
    lua_setglobal(L, "redis");

    lua_pushcfunction(L, errorHandler);
    if (kind == LUAVM_EVAL) {
        /* Scripts can see (and call) it, as in Redis. */
        lua_pushvalue(L, -1);
        lua_setglobal(L, "__redis__err__handler");
    }
    setRegFromTop(L, &regErrHandler);

    /* The string metatable's __index is the string library; protecting
     * the metatable swaps that for the library's proxy. */
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    protectAt(L, -1);
    lua_pop(L, 2);

    /* The real globals: missing names are errors. */
    lua_pushvalue(L, G);
    setRegFromTop(L, &regGlobalsReal);
    lua_newtable(L);
    lua_pushcfunction(L, nonexistentGlobal);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, G);

    if (kind == LUAVM_FUNCTIONS) {
        /* Library code sees only the load-time API while it loads. */
        lua_newtable(L);
        lua_newtable(L);
        luaApiRegisterLoadApi(L);
        lua_newtable(L);
        lua_pushcfunction(L, nonexistentGlobal);
        lua_setfield(L, -2, "__index");
        lua_setmetatable(L, -2);
        lua_setfield(L, -2, "redis");
        lua_newtable(L);
        lua_pushcfunction(L, nonexistentGlobal);
        lua_setfield(L, -2, "__index");
        lua_setmetatable(L, -2);
        protectAt(L, -1);
        setRegFromTop(L, &regLoadApi);
    }

    /* Protect everything reachable from the globals, then make the proxy
     * the globals every chunk compiled from now on runs with. */
    lua_pushvalue(L, G);
    protectAt(L, -1);
    lua_getmetatable(L, -1); /* the proxy's own metatable (hidden) */
    setRegFromTop(L, &regGlobalsMeta);
    lua_replace(L, G);
    return 0;
}

lua_State *luaVmCreate(luaVmKind kind) {
    luaHeap *heap = calloc(1, sizeof(*heap));
    if (!heap) serverPanic("out of memory creating the Lua interpreter");
    lua_State *L = lua_newstate(luaAlloc, heap);
    if (!L) serverPanic("out of memory creating the Lua interpreter");
    lua_atpanic(L, luaPanic);
    if (lua_cpcall(L, buildState, (void *)(intptr_t)kind) != 0) {
        serverLog(LL_WARNING, "Lua setup failed: %s", lua_tostring(L, -1));
        serverPanic("cannot set up the Lua interpreter");
    }
    lua_gc(L, LUA_GCCOLLECT, 0);
    return L;
}

void luaVmFree(lua_State *L) {
    if (!L) return;
    void *ud;
    lua_getallocf(L, &ud);
    lua_close(L);
    free(ud);
}
