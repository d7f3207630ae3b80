/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The redis.* table scripts call, math.random, and the one routine both
 * engines use to call a compiled script (luaRunScript).
 *
 * redis.call(cmd, ...) puts its arguments on the engine's fake client as
 * slices into the Lua strings on the stack (numbers are first formatted
 * with %.17g, as Redis does, and replaced on the stack by their text so
 * the bytes stay alive while the command runs), lets scriptCall check and
 * run the command, and converts the reply left in the fake client's
 * buffer.  An error reply is raised as a Lua error (redis.call) or
 * returned as an {err=...} table (redis.pcall).
 *
 * math.random is Redis's: a 48-bit linear congruential generator (the
 * drand48 family: x = x * 0x5DEECE66D + 0xB mod 2^48, 31 bits out) whose
 * state is process-wide and starts at the same value in every process,
 * so a given sequence of scripts sees the same numbers; math.randomseed
 * resets it.
 */
#include "script/lua.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/access.h"
#include "core/command.h"
#include "core/propagate.h"
#include "ds/numfmt.h"
#include "net/conn.h"
#include "net/reply.h"
#include "script/script.h"

#define TERN_VERSION_NUM 0x0007000f /* 7.0.15, as REDIS_VERSION_NUM */

/* ---- errors ---- */

void luaPushError(lua_State *L, const char *err, size_t len) {
    const char *code = "ERR";
    size_t codeLen = 3;
    const char *msg = err;
    size_t msgLen = len;
    if (len && err[0] == '-') {
        const char *sp = memchr(err, ' ', len);
        if (sp) {
            code = err + 1;
            codeLen = (size_t)(sp - err - 1);
            msg = sp + 1;
            msgLen = len - (size_t)(sp + 1 - err);
        } else {
            msg = err + 1;
            msgLen = len - 1;
        }
    }
    while (msgLen && (msg[msgLen - 1] == '\r' || msg[msgLen - 1] == '\n'))
        msgLen--;
    lua_newtable(L);
    lua_pushlstring(L, code, codeLen);
    lua_pushliteral(L, " ");
    lua_pushlstring(L, msg, msgLen);
    lua_concat(L, 3);
    lua_setfield(L, -2, "err");
}

static void pushErrorCounted(lua_State *L, const char *err) {
    luaPushError(L, err, strlen(err));
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "ignore_error_stats_update");
}

static int raiseError(lua_State *L, const char *err) {
    luaPushError(L, err, strlen(err));
    return lua_error(L);
}

static char *dupLuaString(lua_State *L, int idx) {
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    return s ? tmemdup(s, len) : NULL;
}

void luaErrorInfoGet(lua_State *L, luaErrorInfo *e) {
    memset(e, 0, sizeof(*e));
    if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER) {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        e->msg = tmalloc(len + 5);
        memcpy(e->msg, "ERR ", 4);
        memcpy(e->msg + 4, s, len);
        e->msg[len + 4] = '\0';
        return;
    }
    if (!lua_istable(L, -1)) return;
    lua_getfield(L, -1, "err");
    if (lua_isstring(L, -1)) e->msg = dupLuaString(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, -1, "source");
    if (lua_isstring(L, -1)) e->source = dupLuaString(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, -1, "line");
    if (lua_isstring(L, -1)) e->line = dupLuaString(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, -1, "ignore_error_stats_update");
    if (lua_isboolean(L, -1)) e->counted = lua_toboolean(L, -1);
    lua_pop(L, 1);
}

void luaErrorInfoFree(luaErrorInfo *e) {
    tfree(e->msg);
    tfree(e->source);
    tfree(e->line);
}

/* ---- redis.call / redis.pcall ---- */

static int redisCommand(lua_State *L, bool raise) {
    scriptRun *run = scriptCurrentRun();
    if (!run)
        return raiseError(L, "redis.call/pcall can only be called inside a script invocation");
    int argc = lua_gettop(L);
    if (argc == 0) {
        luaPushError(L, "Please specify at least one argument for this redis lib call", 61);
        return raise ? lua_error(L) : 1;
    }
    client *c = run->engine;
    if (argc > c->argvcap) {
        tfree(c->argv);
        c->argvcap = argc < 16 ? 16 : argc;
        c->argv = tmalloc(sizeof(slice) * (size_t)c->argvcap);
    }
    for (int j = 1; j <= argc; j++) {
        int t = lua_type(L, j);
        if (t == LUA_TNUMBER) {
            /* Lua's own conversion (%.14g) would lose precision: Redis
             * formats with %.17g, which prints an integer below 1e17 as
             * its digits; those (the common case: counts, indexes) skip
             * the slow floating-point printf. */
            char buf[64];
            lua_Number num = lua_tonumber(L, j);
            size_t n;
            if (num > -1e17 && num < 1e17 && num == (lua_Number)(long long)num &&
                !(num == 0 && signbit(num)))
                n = numLLToStr(buf, sizeof(buf), (long long)num);
            else
                n = (size_t)snprintf(buf, sizeof(buf), "%.17g", (double)num);
            lua_pushlstring(L, buf, n);
            lua_replace(L, j);
        } else if (t != LUA_TSTRING) {
            lua_settop(L, 0);
            luaPushError(L, "Lua redis lib command arguments must be strings or integers", 60);
            return raise ? lua_error(L) : 1;
        }
        size_t len;
        c->argv[j - 1].ptr = (char *)lua_tolstring(L, j, &len);
        c->argv[j - 1].len = len;
    }
    /* The reply conversion needs room: a nested reply of depth d uses a
     * few slots per level (checked again as it goes). */
    lua_checkstack(L, 8);
    /* No Lua code runs between here and the end (the interruption hook
     * only fires on Lua instructions), so redis.call cannot nest. */
    c->argc = argc;
    slice *argv = c->argv;
    const char *err;
    if (scriptCall(run, &err) != C_OK) {
        c->argc = 0;
        lua_settop(L, 0);
        pushErrorCounted(L, err);
    } else {
        c->argv = argv; /* whatever the command did with it */
        /* The arguments are done with: free their stack slots for the
         * reply (a command may take thousands of arguments). */
        c->argc = 0;
        lua_settop(L, 0);
        size_t len;
        char *owned = NULL;
        const char *p = clientReplyBytes(c, &len, &owned);
        if (raise && (len == 0 || p[0] != '-')) raise = false;
        bool capped = luaVmSetCapped(L, false);
        luaPushReply(L, p, len);
        luaVmSetCapped(L, capped);
        tfree(owned);
        clientDiscardReply(c);
    }
    c->argc = 0;
    if (raise) return lua_error(L);
    return 1;
}

static int redisCall(lua_State *L) {
    return redisCommand(L, true);
}
static int redisPcall(lua_State *L) {
    return redisCommand(L, false);
}

/* ---- the other redis.* functions ---- */

static int redisSha1hex(lua_State *L) {
    if (lua_gettop(L) != 1) return raiseError(L, "wrong number of arguments");
    size_t len = 0;
    const char *s = lua_tolstring(L, 1, &len);
    char digest[41];
    scriptSha1Hex(digest, s ? s : "", s ? len : 0);
    lua_pushstring(L, digest);
    return 1;
}

static int redisErrorReply(lua_State *L) {
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
        luaPushError(L, "wrong number or type of arguments", 33);
        return 1;
    }
    size_t len;
    const char *err = lua_tolstring(L, 1, &len);
    if (len && err[0] == '-') {
        luaPushError(L, err, len);
    } else {
        lua_pushliteral(L, "-");
        lua_pushvalue(L, 1);
        lua_concat(L, 2);
        err = lua_tolstring(L, -1, &len);
        luaPushError(L, err, len);
    }
    return 1;
}

static int redisStatusReply(lua_State *L) {
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
        luaPushError(L, "wrong number or type of arguments", 33);
        return 1;
    }
    lua_newtable(L);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "ok");
    return 1;
}

static int redisLog(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc < 2) return raiseError(L, "redis.log() requires two arguments or more.");
    if (!lua_isnumber(L, 1)) return raiseError(L, "First argument must be a number (log level).");
    int level = (int)lua_tonumber(L, 1);
    if (level < LL_DEBUG || level > LL_WARNING) return raiseError(L, "Invalid debug level.");
    if (level < server.verbosity) return 0;
    sbuf *msg = sbufNewCap(64);
    bool first = true;
    for (int j = 2; j <= argc; j++) {
        size_t len;
        const char *s = lua_tolstring(L, j, &len);
        if (!s) continue;
        if (!first) msg = sbufCat(msg, " ", 1);
        msg = sbufCat(msg, s, len);
        first = false;
    }
    serverLogRaw(level, msg->buf);
    sbufFree(msg);
    return 0;
}

static int redisSetresp(lua_State *L) {
    scriptRun *run = scriptCurrentRun();
    if (!run) return raiseError(L, "redis.setresp can only be called inside a script invocation");
    if (lua_gettop(L) != 1) return raiseError(L, "redis.setresp() requires one argument.");
    int resp = (int)lua_tonumber(L, 1);
    if (resp != 2 && resp != 3) return raiseError(L, "RESP version must be 2 or 3.");
    run->resp = resp;
    run->engine->resp = resp;
    return 0;
}

/* redis.REPL_* as Redis numbers them; they are the PROP_* targets. */
#define REPL_NONE 0
#define REPL_AOF PROP_AOF
#define REPL_REPLICA PROP_REPL
#define REPL_ALL PROP_ALL

static int redisSetRepl(lua_State *L) {
    scriptRun *run = scriptCurrentRun();
    if (!run) return raiseError(L, "redis.set_repl can only be called inside a script invocation");
    if (lua_gettop(L) != 1) return raiseError(L, "redis.set_repl() requires two arguments.");
    int flags = (int)lua_tonumber(L, -1);
    if (flags & ~REPL_ALL)
        return raiseError(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or "
                             "REPL_NONE.");
    run->replFlags = flags;
    return 0;
}

static int redisAclCheckCmd(lua_State *L) {
    scriptRun *run = scriptCurrentRun();
    if (!run)
        return raiseError(L, "redis.acl_check_cmd can only be called inside a script invocation");
    int argc = lua_gettop(L);
    if (argc == 0)
        return raiseError(L, "Please specify at least one argument for this redis lib call");
    slice *argv = tmalloc(sizeof(*argv) * (size_t)argc);
    for (int j = 1; j <= argc; j++) {
        if (lua_type(L, j) != LUA_TNUMBER && lua_type(L, j) != LUA_TSTRING) {
            tfree(argv);
            return raiseError(L, "Lua redis lib command arguments must be strings or integers");
        }
        size_t len;
        argv[j - 1].ptr = (char *)lua_tolstring(L, j, &len);
        argv[j - 1].len = len;
    }
    command *cmd = lookupCommand(argv, argc);
    if (!cmd) {
        tfree(argv);
        return raiseError(L, "Invalid command passed to redis.acl_check_cmd()");
    }
    /* The caller's permissions, as redis.call would check them. */
    int pos = 0;
    bool ok = accessCheck(run->caller, cmd, argv, argc, &pos) == ACCESS_OK;
    tfree(argv);
    lua_pushboolean(L, ok);
    return 1;
}

static int redisBreakpoint(lua_State *L) {
    lua_pushboolean(L, 0); /* no debugger session is ever active */
    return 1;
}

static int redisDebug(lua_State *L) {
    return 0;
}

static int redisReplicateCommands(lua_State *L) {
    lua_pushboolean(L, 1); /* effects replication is the only mode */
    return 1;
}

/* ---- math.random ---- */

static uint64_t randState = 0x1234ABCD330EULL;

void luaRandSeed(int32_t seed) {
    randState = ((uint64_t)(uint32_t)seed << 16) | 0x330E;
}

int32_t luaRandNext(void) {
    randState = (randState * 0x5DEECE66DULL + 0xB) & ((1ULL << 48) - 1);
    return (int32_t)(randState >> 17);
}

static int mathRandom(lua_State *L) {
    if (!scriptCurrentRun())
        return luaL_error(L, "math.random can only be called inside a script invocation");
    lua_Number r = (lua_Number)(luaRandNext() % INT32_MAX) / (lua_Number)INT32_MAX;
    switch (lua_gettop(L)) {
        case 0:
            lua_pushnumber(L, r);
            break;
        case 1: {
            int u = luaL_checkint(L, 1);
            luaL_argcheck(L, 1 <= u, 1, "interval is empty");
            lua_pushnumber(L, floor(r * u) + 1);
            break;
        }
        case 2: {
            int l = luaL_checkint(L, 1);
            int u = luaL_checkint(L, 2);
            luaL_argcheck(L, l <= u, 2, "interval is empty");
            lua_pushnumber(L, floor(r * (u - l + 1)) + l);
            break;
        }
        default:
            return luaL_error(L, "wrong number of arguments");
    }
    return 1;
}

static int mathRandomseed(lua_State *L) {
    if (!scriptCurrentRun())
        return luaL_error(L, "math.randomseed can only be called inside a script invocation");
    luaRandSeed(luaL_checkint(L, 1));
    return 0;
}

/* ---- registration ---- */

static void setFn(lua_State *L, const char *name, lua_CFunction fn) {
    lua_pushcfunction(L, fn);
    lua_setfield(L, -2, name);
}

static void setNum(lua_State *L, const char *name, lua_Number n) {
    lua_pushnumber(L, n);
    lua_setfield(L, -2, name);
}

static void registerLogAndVersion(lua_State *L) {
    setFn(L, "log", redisLog);
    setNum(L, "LOG_DEBUG", LL_DEBUG);
    setNum(L, "LOG_VERBOSE", LL_VERBOSE);
    setNum(L, "LOG_NOTICE", LL_NOTICE);
    setNum(L, "LOG_WARNING", LL_WARNING);
    setNum(L, "REDIS_VERSION_NUM", TERN_VERSION_NUM);
    lua_pushstring(L, TERN_VERSION);
    lua_setfield(L, -2, "REDIS_VERSION");
}

void luaApiRegister(lua_State *L, luaVmKind kind) {
    setFn(L, "call", redisCall);
    setFn(L, "pcall", redisPcall);
    registerLogAndVersion(L);
    setFn(L, "setresp", redisSetresp);
    setFn(L, "sha1hex", redisSha1hex);
    setFn(L, "error_reply", redisErrorReply);
    setFn(L, "status_reply", redisStatusReply);
    setFn(L, "set_repl", redisSetRepl);
    setNum(L, "REPL_NONE", REPL_NONE);
    setNum(L, "REPL_AOF", REPL_AOF);
    setNum(L, "REPL_SLAVE", REPL_REPLICA);
    setNum(L, "REPL_REPLICA", REPL_REPLICA);
    setNum(L, "REPL_ALL", REPL_ALL);
    setFn(L, "acl_check_cmd", redisAclCheckCmd);
    if (kind == LUAVM_EVAL) {
        setFn(L, "breakpoint", redisBreakpoint);
        setFn(L, "debug", redisDebug);
        setFn(L, "replicate_commands", redisReplicateCommands);
    }
    lua_getglobal(L, "math");
    setFn(L, "random", mathRandom);
    setFn(L, "randomseed", mathRandomseed);
    lua_pop(L, 1);
}

void luaApiRegisterLoadApi(lua_State *L) {
    lua_pushcfunction(L, luaRegisterFunction);
    lua_setfield(L, -2, "register_function");
    registerLogAndVersion(L);
}

/* ---- running a compiled script ---- */

static void interruptHook(lua_State *L, lua_Debug *ar) {
    if (!scriptInterrupt()) return;
    serverLog(LL_WARNING, "Lua script killed by user with SCRIPT KILL.");
    /* From now on every line raises it again, so pcall cannot swallow it. */
    luaVmSetHook(L, interruptHook, true);
    raiseError(L, "Script killed by user with SCRIPT KILL...");
}

void luaRunScript(scriptRun *run, lua_State *L, slice *keys, int nkeys, slice *args, int nargs) {
    client *c = run->caller;
    bool hooked = scriptBusyThresholdMs > 0;
    if (hooked) luaVmSetHook(L, interruptHook, false);
    int rc;
    if (run->flags & RUN_EVAL) {
        luaVmSetGlobalArray(L, "KEYS", keys, nkeys);
        luaVmSetGlobalArray(L, "ARGV", args, nargs);
        luaVmSetCapped(L, true);
        rc = lua_pcall(L, 0, 1, -2);
    } else {
        luaVmPushArray(L, keys, nkeys);
        luaVmPushArray(L, args, nargs);
        luaVmSetCapped(L, true);
        rc = lua_pcall(L, 2, 1, -4);
    }
    luaVmSetCapped(L, false);
    /* A few incremental collection steps every 50 runs keep garbage from
     * piling up without a full cycle's latency on any one script. */
    static int runs;
    if (++runs == 50) {
        lua_gc(L, LUA_GCSTEP, 50);
        runs = 0;
    }
    if (rc != 0) {
        if (!lua_istable(L, -1)) {
            const char *msg = lua_tostring(L, -1);
            addReplyErrorFormat(c, "ERR Error running script %s, %.100s", run->name,
                                msg ? msg : "execution failure");
            if (rc == LUA_ERRMEM) lua_gc(L, LUA_GCCOLLECT, 0);
        } else {
            luaErrorInfo e;
            luaErrorInfoGet(L, &e);
            sbuf *s = sbufCatStr(sbufNewCap(128), e.msg ? e.msg : "ERR unknown error");
            if (e.line && e.source)
                s = sbufCatPrintf(s, " script: %s, on %s:%s.", run->name, e.source, e.line);
            if (e.counted)
                addReplyErrorNoStats(c, s->buf, s->len);
            else
                addReplyErrorLen(c, s->buf, s->len);
            sbufFree(s);
            luaErrorInfoFree(&e);
        }
        lua_pop(L, 1);
    } else {
        luaReplyToClient(c, L, run->resp);
    }
    if (hooked) luaVmSetHook(L, NULL, false);
}
