/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Redis Functions: libraries of named functions loaded with FUNCTION LOAD
 * and called with FCALL / FCALL_RO, run by the FUNCTION engine's own Lua
 * interpreter and fake client.
 *
 *   libraries: hashtable name -> library { name, code, functions[] }
 *   functions: hashtable lowercased name -> function { lib, name, flags, ref }
 *
 * Library names are case-sensitive and function names case-insensitive,
 * as in Redis 7.0 (its function dictionary folds case, its library one
 * does not).  A library is built completely before it is linked: its
 * code runs once (the top level, with only the load-time API in sight and
 * a 500 ms time limit), registering its functions into the library being
 * loaded; only when that succeeded and no function name collides is it
 * linked into both tables, replacing an old library of the same name
 * (REPLACE), which stays linked if anything fails.  FUNCTION RESTORE uses
 * the same building block for every library of a payload (funcdump.c).
 */
#include "script/function.h"

#include <lauxlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/args.h"
#include "core/propagate.h"
#include "ds/glob.h"
#include "ds/numfmt.h"
#include "net/conn.h"
#include "net/reply.h"
#include "script/lua.h"
#include "script/script.h"

#define ENGINE_NAME "LUA"

static lua_State *fnLua;
static client *fnClient;
static hashtable *libraries;
static hashtable *functions;
static size_t librariesBytes;

/* The library FUNCTION LOAD is building (register_function adds to it). */
static library *loading;
static long long loadStartUs;
static long long loadTimeoutMs;

/* ---- tables ---- */

static const void *libraryKey(const void *e, size_t *len) {
    const library *l = e;
    *len = strlen(l->name);
    return l->name;
}

static const htType libraryHtType = {libraryKey, NULL};

static const void *functionKey(const void *e, size_t *len) {
    const function *f = e;
    *len = strlen(f->key);
    return f->key;
}

static const htType functionHtType = {functionKey, NULL};

static char *lowerDup(const char *s, size_t len) {
    char *d = tmalloc(len + 1);
    for (size_t j = 0; j < len; j++)
        d[j] = (s[j] >= 'A' && s[j] <= 'Z') ? (char)(s[j] + 32) : s[j];
    d[len] = '\0';
    return d;
}

static size_t libraryBytes(const library *l) {
    size_t n = tallocSize(l) + tallocSize(l->name) + sbufAllocSize(l->code);
    for (int j = 0; j < l->nfuncs; j++) {
        const function *f = l->funcs[j];
        n += tallocSize(f) + tallocSize(f->name) + tallocSize(f->key) +
             (f->desc ? tallocSize(f->desc) : 0);
    }
    return n;
}

static library *libraryNew(const char *name, size_t nameLen, const char *code, size_t codeLen) {
    library *l = tcalloc(sizeof(*l));
    l->name = tmemdup(name, nameLen);
    l->code = sbufNew(code, codeLen);
    return l;
}

void libraryFree(library *l) {
    if (!l) return;
    for (int j = 0; j < l->nfuncs; j++) {
        function *f = l->funcs[j];
        if (fnLua) luaL_unref(fnLua, LUA_REGISTRYINDEX, f->ref);
        tfree(f->name);
        tfree(f->key);
        tfree(f->desc);
        tfree(f);
    }
    tfree(l->funcs);
    tfree(l->name);
    sbufFree(l->code);
    tfree(l);
}

library *libraryLookup(const char *name, size_t len) {
    return htFind(libraries, name, len);
}

function *functionLookup(const char *name, size_t len) {
    char *key = lowerDup(name, len);
    function *f = htFind(functions, key, len);
    tfree(key);
    return f;
}

void libraryLink(library *l) {
    htAddNew(libraries, l);
    for (int j = 0; j < l->nfuncs; j++)
        htAddNew(functions, l->funcs[j]);
    librariesBytes += libraryBytes(l);
}

void libraryUnlink(library *l) {
    for (int j = 0; j < l->nfuncs; j++)
        htUnlink(functions, l->funcs[j]->key, strlen(l->funcs[j]->key));
    htUnlink(libraries, l->name, strlen(l->name));
    librariesBytes -= libraryBytes(l);
}

const char *libraryCollision(const library *l) {
    for (int j = 0; j < l->nfuncs; j++) {
        const function *f = l->funcs[j];
        if (htFind(functions, f->key, strlen(f->key))) return f->name;
    }
    return NULL;
}

void librariesForEach(void (*fn)(library *l, void *priv), void *priv) {
    htIterator it;
    htIterInit(&it, libraries, false);
    library *l;
    while ((l = htNext(&it)))
        fn(l, priv);
    htIterRelease(&it);
}

/* Unlinks and frees every library. */
void librariesFlush(void) {
    htIterator it;
    htIterInit(&it, libraries, true);
    library *l;
    while ((l = htNext(&it))) {
        libraryUnlink(l);
        libraryFree(l);
    }
    htIterRelease(&it);
}

/* ---- the engine ---- */

void functionsInit(void) {
    fnLua = luaVmCreate(LUAVM_FUNCTIONS);
    fnClient = scriptCreateEngineClient();
    libraries = htCreate(&libraryHtType);
    functions = htCreate(&functionHtType);
    librariesBytes = 0;
}

void functionsRelease(void) {
    librariesFlush();
    htRelease(libraries);
    htRelease(functions);
    luaVmFree(fnLua);
    fnLua = NULL;
    freeClient(fnClient);
    fnClient = NULL;
}

size_t functionsVmMemory(void) {
    return fnLua ? luaVmMemory(fnLua) : 0;
}
size_t functionsMemoryOverhead(void) {
    return librariesBytes + htOverheadBytes(libraries) + htOverheadBytes(functions);
}
size_t functionsCount(void) {
    return htSize(functions);
}
size_t functionsLibraryCount(void) {
    return htSize(libraries);
}

/* ---- loading a library ---- */

static bool validName(const char *s, size_t len) {
    if (len == 0) return false;
    for (size_t j = 0; j < len; j++) {
        char ch = s[j];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_'))
            return false;
    }
    return true;
}

#define ERR_BAD_NAME                                                                               \
    "Library names can only contain letters, numbers, or underscores(_) and must be at least "     \
    "one character long"

static void loadHook(lua_State *L, lua_Debug *ar) {
    if (!loading || loadTimeoutMs <= 0) return;
    if ((loopMonoMicros() - loadStartUs) / 1000 <= loadTimeoutMs) return;
    luaVmSetHook(L, loadHook, true);
    luaPushError(L, "FUNCTION LOAD timeout", 21);
    lua_error(L);
}

static sbuf *errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static sbuf *errorf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    sbuf *s = sbufCatVPrintf(sbufNewCap(64), fmt, ap);
    va_end(ap);
    return s;
}

library *libraryCreate(const char *code, size_t len, bool refuseExisting, sbuf **err) {
    /* The metadata line is read as a C string, as Redis does. */
    size_t clen = strnlen(code, len);
    if (clen < 2 || code[0] != '#' || code[1] != '!') {
        *err = errorf("Missing library metadata");
        return NULL;
    }
    const char *nl = memchr(code, '\n', clen);
    if (!nl) {
        *err = errorf("Invalid library metadata");
        return NULL;
    }
    size_t lineLen = (size_t)(nl - code);
    char *line = tmemdup(code, lineLen);
    respArg *parts = NULL;
    int cap = 0;
    int n = respSplitArgs(line, lineLen, &parts, &cap);
    library *l = NULL;
    const char *name = NULL;
    size_t nameLen = 0;
    if (n <= 0) {
        *err = errorf("Invalid library metadata");
        goto done;
    }
    for (int j = 1; j < n; j++) {
        const char *w = line + parts[j].off;
        size_t wl = parts[j].len;
        if (wl >= 5 && strncasecmp(w, "name=", 5) == 0) {
            if (name) {
                *err = errorf("Invalid metadata value, name argument was given multiple times");
                goto done;
            }
            name = w + 5;
            nameLen = wl - 5;
            continue;
        }
        *err = errorf("Invalid metadata value given: %.*s", (int)wl, w);
        goto done;
    }
    if (!name) {
        *err = errorf("Library name was not given");
        goto done;
    }
    if (!validName(name, nameLen)) {
        *err = errorf(ERR_BAD_NAME);
        goto done;
    }
    const char *engine = line + parts[0].off + 2;
    size_t engineLen = parts[0].len - 2;
    if (engineLen != 3 || strncasecmp(engine, ENGINE_NAME, 3) != 0) {
        *err = errorf("Engine '%.*s' not found", (int)engineLen, engine);
        goto done;
    }
    /* Redis refuses an existing name before running any of the code. */
    if (refuseExisting && libraryLookup(name, nameLen)) {
        *err = errorf("Library '%.*s' already exists", (int)nameLen, name);
        goto done;
    }
    l = libraryNew(name, nameLen, code, len);
    /* Compile what follows the metadata line (its newline kept, so line
     * numbers match), then run the top level to register functions. */
    if (luaVmCompile(fnLua, nl, len - lineLen, LUA_FUNCTION_CHUNKNAME) != 0) {
        *err = errorf("Error compiling function: %s", lua_tostring(fnLua, -1));
        lua_pop(fnLua, 1);
        libraryFree(l);
        l = NULL;
        goto done;
    }
    loading = l;
    loadStartUs = loopMonoMicros();
    luaVmSetLoadGlobals(fnLua, true);
    luaVmSetHook(fnLua, loadHook, false);
    luaVmSetCapped(fnLua, true);
    int rc = lua_pcall(fnLua, 0, 0, 0);
    luaVmSetCapped(fnLua, false);
    luaVmSetHook(fnLua, NULL, false);
    luaVmSetLoadGlobals(fnLua, false);
    loading = NULL;
    if (rc != 0) {
        luaErrorInfo e;
        luaErrorInfoGet(fnLua, &e);
        *err = errorf("Error registering functions: %s", e.msg ? e.msg : "unknown error");
        luaErrorInfoFree(&e);
        lua_pop(fnLua, 1);
        libraryFree(l);
        l = NULL;
        goto done;
    }
    if (l->nfuncs == 0) {
        *err = errorf("No functions registered");
        libraryFree(l);
        l = NULL;
    }
done:
    tfree(parts);
    tfree(line);
    return l;
}

/* Adds a function to the library being loaded; C_ERR with the message. */
static int addFunction(const char *name, size_t nameLen, const char *desc, size_t descLen,
                       uint64_t flags, int ref, const char **err) {
    if (!validName(name, nameLen)) {
        *err = ERR_BAD_NAME;
        return C_ERR;
    }
    for (int j = 0; j < loading->nfuncs; j++) {
        const function *f = loading->funcs[j];
        if (strlen(f->name) == nameLen && memcmp(f->name, name, nameLen) == 0) {
            *err = "Function already exists in the library";
            return C_ERR;
        }
    }
    function *f = tcalloc(sizeof(*f));
    f->lib = loading;
    f->name = tmemdup(name, nameLen);
    f->key = lowerDup(name, nameLen);
    f->desc = desc ? tmemdup(desc, descLen) : NULL;
    f->flags = flags;
    f->ref = ref;
    if (loading->nfuncs == loading->cap) {
        loading->cap = loading->cap ? loading->cap * 2 : 4;
        loading->funcs = trealloc(loading->funcs, sizeof(function *) * (size_t)loading->cap);
    }
    loading->funcs[loading->nfuncs++] = f;
    return C_OK;
}

static int raiseMsg(lua_State *L, const char *msg) {
    luaPushError(L, msg, strlen(msg));
    return lua_error(L);
}

/* The flags table at the top of the stack; C_ERR on an unknown flag. */
static int readFlags(lua_State *L, uint64_t *out) {
    uint64_t flags = 0;
    for (int j = 1;; j++) {
        lua_pushnumber(L, j);
        lua_gettable(L, -2);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
        }
        if (!lua_isstring(L, -1)) {
            lua_pop(L, 1);
            return C_ERR;
        }
        const char *s = lua_tostring(L, -1);
        const scriptFlagName *f = scriptFlagNames;
        while (f->name && strcasecmp(f->name, s) != 0)
            f++;
        lua_pop(L, 1);
        if (!f->name) return C_ERR;
        flags |= f->flag;
    }
    *out = flags;
    return C_OK;
}

int luaRegisterFunction(lua_State *L) {
    if (!loading)
        return raiseMsg(L, "redis.register_function can only be called on FUNCTION LOAD command");
    int argc = lua_gettop(L);
    if (argc < 1 || argc > 2)
        return raiseMsg(L, "wrong number of arguments to redis.register_function");
    const char *name = NULL, *desc = NULL;
    size_t nameLen = 0, descLen = 0;
    uint64_t flags = 0;
    int ref = LUA_NOREF;
    const char *err = NULL;
    if (argc == 2) {
        if (!lua_isstring(L, 1))
            return raiseMsg(L, "first argument to redis.register_function must be a string");
        if (!lua_isfunction(L, 2))
            return raiseMsg(L, "second argument to redis.register_function must be a function");
        name = lua_tolstring(L, 1, &nameLen);
        ref = luaL_ref(L, LUA_REGISTRYINDEX);
    } else {
        if (!lua_istable(L, 1))
            return raiseMsg(L, "calling redis.register_function with a single argument is only "
                               "applicable to Lua table (representing named arguments).");
        lua_pushnil(L);
        while (lua_next(L, 1)) {
            if (!lua_isstring(L, -2)) {
                err = "named argument key given to redis.register_function is not a string";
                break;
            }
            const char *key = lua_tostring(L, -2);
            if (strcasecmp(key, "function_name") == 0) {
                if (!lua_isstring(L, -1)) {
                    err =
                        "function_name argument given to redis.register_function must be a string";
                    break;
                }
                name = lua_tolstring(L, -1, &nameLen);
            } else if (strcasecmp(key, "description") == 0) {
                if (!lua_isstring(L, -1)) {
                    err = "description argument given to redis.register_function must be a string";
                    break;
                }
                desc = lua_tolstring(L, -1, &descLen);
            } else if (strcasecmp(key, "callback") == 0) {
                if (!lua_isfunction(L, -1)) {
                    err = "callback argument given to redis.register_function must be a function";
                    break;
                }
                if (ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, ref);
                ref = luaL_ref(L, LUA_REGISTRYINDEX);
                continue;
            } else if (strcasecmp(key, "flags") == 0) {
                if (!lua_istable(L, -1)) {
                    err = "flags argument to redis.register_function must be a table representing "
                          "function flags";
                    break;
                }
                if (readFlags(L, &flags) != C_OK) {
                    err = "unknown flag given";
                    break;
                }
            } else {
                err = "unknown argument given to redis.register_function";
                break;
            }
            /* The strings stay alive: the table holds them. */
            lua_pop(L, 1);
        }
        if (!err && !name) err = "redis.register_function must get a function name argument";
        if (!err && ref == LUA_NOREF) err = "redis.register_function must get a callback argument";
    }
    if (!err && addFunction(name, nameLen, desc, descLen, flags, ref, &err) == C_OK) return 0;
    if (ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, ref);
    return raiseMsg(L, err);
}

/* Builds a library from 'code' and links it, replacing one of the same
 * name when 'replace'.  Returns it, or NULL with the message in '*err'. */
static library *loadLibrary(const char *code, size_t len, bool replace, sbuf **err) {
    library *l = libraryCreate(code, len, !replace, err);
    if (!l) return NULL;
    library *old = libraryLookup(l->name, strlen(l->name));
    if (old) libraryUnlink(old);
    const char *clash = libraryCollision(l);
    if (clash) {
        *err = errorf("Function %s already exists", clash);
        libraryFree(l);
        if (old) libraryLink(old);
        return NULL;
    }
    libraryLink(l);
    libraryFree(old);
    return l;
}

/* ---- FCALL ---- */

static void fcallGeneric(client *c, bool ro) {
    function *f = functionLookup(c->argv[1].ptr, c->argv[1].len);
    if (!f) {
        addReplyError(c, "ERR Function not found");
        return;
    }
    long long numkeys;
    if (!numStrToLL(c->argv[2].ptr, c->argv[2].len, &numkeys)) {
        addReplyError(c, "ERR Bad number of keys provided");
        return;
    }
    if (numkeys > c->argc - 3) {
        addReplyError(c, "ERR Number of keys can't be greater than number of args");
        return;
    }
    if (numkeys < 0) {
        addReplyError(c, "ERR Number of keys can't be negative");
        return;
    }
    scriptRun run;
    if (scriptPrepareRun(&run, fnClient, c, f->name, f->flags, ro, false) != C_OK) return;
    propagateSuppress(c); /* its commands propagate themselves, as with EVAL */
    luaVmPushErrorHandler(fnLua);
    lua_rawgeti(fnLua, LUA_REGISTRYINDEX, f->ref);
    int n = (int)numkeys;
    luaRunScript(&run, fnLua, c->argv + 3, n, c->argv + 3 + n, c->argc - 3 - n);
    lua_pop(fnLua, 1);
    scriptResetRun(&run);
}

void fcallCommand(client *c) {
    fcallGeneric(c, false);
}
void fcallRoCommand(client *c) {
    fcallGeneric(c, true);
}

uint64_t fcallCommandFlags(client *c, uint64_t cmdFlags) {
    if (c->argc < 2) return cmdFlags;
    function *f = functionLookup(c->argv[1].ptr, c->argv[1].len);
    return f ? scriptFlagsToCmdFlags(cmdFlags, f->flags) : cmdFlags;
}

/* ---- FUNCTION ---- */

void functionLoadCommand(client *c) {
    bool replace = false;
    int pos = 2;
    while (pos < c->argc - 1) {
        slice a = c->argv[pos++];
        if (sliceIs(a, "replace")) {
            replace = true;
            continue;
        }
        addReplyErrorFormat(c, "ERR Unknown option given: %.*s", (int)a.len, a.ptr);
        return;
    }
    if (pos >= c->argc) {
        addReplyError(c, "ERR Function code is missing");
        return;
    }
    sbuf *err = NULL;
    loadTimeoutMs = FUNCTION_LOAD_TIMEOUT_MS;
    library *l = loadLibrary(c->argv[pos].ptr, c->argv[pos].len, replace, &err);
    if (!l) {
        addReplyErrorFormat(c, "ERR %s", err->buf);
        sbufFree(err);
        return;
    }
    /* Libraries are data: FUNCTION LOAD/DELETE/FLUSH count as changes and
     * propagate as sent (the AOF and replicas load the same code). */
    server.dirty++;
    addReplyBulkCStr(c, l->name);
}

void functionDeleteCommand(client *c) {
    library *l = libraryLookup(c->argv[2].ptr, c->argv[2].len);
    if (!l) {
        addReplyError(c, "ERR Library not found");
        return;
    }
    libraryUnlink(l);
    libraryFree(l);
    server.dirty++;
    addReplyOK(c);
}

void functionKillCommand(client *c) {
    scriptKill(c, false);
}

/* The error Redis gives from inside a subcommand for extra arguments. */
void functionReplyArgsError(client *c) {
    addReplyErrorFormat(c,
                        "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try "
                        "FUNCTION HELP.",
                        (int)(c->argv[1].len < 128 ? c->argv[1].len : 128), c->argv[1].ptr);
}

void functionFlushCommand(client *c) {
    if (c->argc > 3) {
        functionReplyArgsError(c);
        return;
    }
    if (c->argc == 3 && !sliceIs(c->argv[2], "sync") && !sliceIs(c->argv[2], "async")) {
        addReplyError(c, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
        return;
    }
    librariesFlush();
    server.dirty++;
    addReplyOK(c);
}

static void replyFlags(client *c, uint64_t flags) {
    long long n = 0;
    for (const scriptFlagName *f = scriptFlagNames; f->name; f++)
        if (flags & f->flag) n++;
    addReplySetLen(c, n);
    for (const scriptFlagName *f = scriptFlagNames; f->name; f++)
        if (flags & f->flag) addReplyStatus(c, f->name);
}

typedef struct listCtx {
    client *c;
    slice pattern;
    bool hasPattern, withCode;
    long long count;
} listCtx;

static void listOne(library *l, void *priv) {
    listCtx *ctx = priv;
    client *c = ctx->c;
    if (ctx->hasPattern &&
        !globMatch(ctx->pattern.ptr, ctx->pattern.len, l->name, strlen(l->name), true))
        return;
    ctx->count++;
    addReplyMapLen(c, ctx->withCode ? 4 : 3);
    addReplyBulkCStr(c, "library_name");
    addReplyBulkCStr(c, l->name);
    addReplyBulkCStr(c, "engine");
    addReplyBulkCStr(c, ENGINE_NAME);
    addReplyBulkCStr(c, "functions");
    addReplyArrayLen(c, l->nfuncs);
    for (int j = 0; j < l->nfuncs; j++) {
        function *f = l->funcs[j];
        addReplyMapLen(c, 3);
        addReplyBulkCStr(c, "name");
        addReplyBulkCStr(c, f->name);
        addReplyBulkCStr(c, "description");
        addReplyBulkCStr(c, f->desc);
        addReplyBulkCStr(c, "flags");
        replyFlags(c, f->flags);
    }
    if (ctx->withCode) {
        addReplyBulkCStr(c, "library_code");
        addReplyBulk(c, l->code->buf, l->code->len);
    }
}

void functionListCommand(client *c) {
    listCtx ctx = {c, {NULL, 0}, false, false, 0};
    for (int j = 2; j < c->argc; j++) {
        slice a = c->argv[j];
        if (!ctx.withCode && sliceIs(a, "withcode")) {
            ctx.withCode = true;
            continue;
        }
        if (!ctx.hasPattern && sliceIs(a, "libraryname")) {
            if (j >= c->argc - 1) {
                addReplyError(c, "ERR library name argument was not given");
                return;
            }
            ctx.pattern = c->argv[++j];
            ctx.hasPattern = true;
            continue;
        }
        addReplyErrorFormat(c, "ERR Unknown argument %.*s", (int)a.len, a.ptr);
        return;
    }
    void *h = NULL;
    if (ctx.hasPattern)
        h = addReplyDeferredLen(c);
    else
        addReplyArrayLen(c, (long long)htSize(libraries));
    librariesForEach(listOne, &ctx);
    if (h) setDeferredArrayLen(c, h, ctx.count);
}

void functionStatsCommand(client *c) {
    scriptRun *run = scriptCurrentRun();
    if (run && (run->flags & RUN_EVAL)) {
        addReplyError(c, "BUSY Redis is busy running a script. You can only call SCRIPT KILL or "
                         "SHUTDOWN NOSAVE.");
        return;
    }
    addReplyMapLen(c, 2);
    addReplyBulkCStr(c, "running_script");
    if (!run) {
        addReplyNull(c);
    } else {
        addReplyMapLen(c, 3);
        addReplyBulkCStr(c, "name");
        addReplyBulkCStr(c, run->name);
        addReplyBulkCStr(c, "command");
        addReplyArrayLen(c, run->caller->argc);
        for (int j = 0; j < run->caller->argc; j++)
            addReplyBulkSlice(c, run->caller->argv[j]);
        addReplyBulkCStr(c, "duration_ms");
        addReplyLongLong(c, scriptRunDurationMs());
    }
    addReplyBulkCStr(c, "engines");
    addReplyMapLen(c, 1);
    addReplyBulkCStr(c, ENGINE_NAME);
    addReplyMapLen(c, 2);
    addReplyBulkCStr(c, "libraries_count");
    addReplyLongLong(c, (long long)htSize(libraries));
    addReplyBulkCStr(c, "functions_count");
    addReplyLongLong(c, (long long)htSize(functions));
}

void functionHelpCommand(client *c) {
    static const char *help[] = {
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME "
        "argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored using "
        "FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a "
        "restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, "
        "abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, "
        "replace the old",
        "      libraries with the new libraries (notice that even on this option there is a chance "
        "of failure",
        "      in case of functions name collision with another library).",
        NULL};
    addReplyHelp(c, help);
}

void functionsSetLoadTimeout(long long ms) {
    loadTimeoutMs = ms;
}
