/* SPDX-License-Identifier: BSD-3-Clause
 *
 * EVAL, EVALSHA, their _RO forms and SCRIPT: the script cache and the EVAL
 * engine (its own Lua interpreter and fake client).
 *
 * The cache maps a script's SHA1 (40 lowercase hex digits) to its body,
 * its shebang flags and a registry reference to the compiled function:
 *
 *   scripts: hashtable sha -> evalScript { sha, flags, ref, body... }
 *   lru:     evalScript <-> evalScript ... (only scripts EVAL created)
 *
 * A script that only ever arrived through EVAL can be evicted: at most
 * EVAL_LRU_MAX of them are kept, the least recently run leaves first (as
 * Redis 7.4 does), so a client that builds a new script text per call
 * cannot grow the cache without bound.  SCRIPT LOAD pins a script: it
 * stays until SCRIPT FLUSH.  Each lookup or insertion is O(1).
 *
 * A shebang first line ("#!lua flags=no-writes,allow-oom") declares flags;
 * the line is left out of the compiled text but its newline is kept so
 * error line numbers match the body the user sent.
 */
#include <lauxlib.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "core/args.h"
#include "core/command.h"
#include "core/errors.h"
#include "core/propagate.h"
#include "net/conn.h"
#include "net/reply.h"
#include "script/lua.h"
#include "script/script.h"

#define EVAL_LRU_MAX 500

typedef struct evalScript {
    struct evalScript *next; /* hashtable chain */
    struct evalScript *lruPrev, *lruNext;
    bool inLru;
    char sha[41];
    uint64_t flags;
    int ref; /* the compiled function in the registry */
    size_t len;
    char body[];
} evalScript;

static lua_State *evalLua;
static client *evalClient;
static hashtable *scripts;
static evalScript *lruHead, *lruTail; /* oldest first */
static size_t lruCount;
static size_t scriptsBytes; /* bodies and entries, for INFO */
static long long evictedScripts;

static const void *scriptKey(const void *e, size_t *len) {
    *len = 40;
    return ((const evalScript *)e)->sha;
}

static void scriptFree(void *e) {
    scriptsBytes -= tallocSize(e);
    tfree(e);
}

static const htType scriptHtType = {scriptKey, scriptFree};

void scriptSha1Hex(char out[41], const char *p, size_t len) {
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(p, len, md, &mdlen, EVP_sha1(), NULL) || mdlen != 20)
        serverPanic("SHA1 digest failed");
    for (int j = 0; j < 20; j++) {
        out[j * 2] = hex[md[j] >> 4];
        out[j * 2 + 1] = hex[md[j] & 15];
    }
    out[40] = '\0';
}

/* ---- the LRU of EVAL-only scripts ---- */

static void lruUnlink(evalScript *s) {
    if (!s->inLru) return;
    if (s->lruPrev)
        s->lruPrev->lruNext = s->lruNext;
    else
        lruHead = s->lruNext;
    if (s->lruNext)
        s->lruNext->lruPrev = s->lruPrev;
    else
        lruTail = s->lruPrev;
    s->lruPrev = s->lruNext = NULL;
    s->inLru = false;
    lruCount--;
}

static void lruAppend(evalScript *s) {
    s->lruPrev = lruTail;
    s->lruNext = NULL;
    if (lruTail)
        lruTail->lruNext = s;
    else
        lruHead = s;
    lruTail = s;
    s->inLru = true;
    lruCount++;
}

static void evictOldest(void) {
    evalScript *s = lruHead;
    lruUnlink(s);
    luaL_unref(evalLua, LUA_REGISTRYINDEX, s->ref);
    htDelete(scripts, s->sha, 40);
    evictedScripts++;
}

/* ---- the engine ---- */

static void evalEngineCreate(void) {
    evalLua = luaVmCreate(LUAVM_EVAL);
    scripts = htCreate(&scriptHtType);
    lruHead = lruTail = NULL;
    lruCount = 0;
}

static void evalEngineFree(void) {
    htRelease(scripts);
    scripts = NULL;
    luaVmFree(evalLua);
    evalLua = NULL;
    lruHead = lruTail = NULL;
    lruCount = 0;
}

void evalInit(void) {
    evalClient = scriptCreateEngineClient();
    evalEngineCreate();
}

void evalRelease(void) {
    evalEngineFree();
    freeClient(evalClient);
    evalClient = NULL;
}

size_t evalVmMemory(void) {
    return evalLua ? luaVmMemory(evalLua) : 0;
}
size_t evalScriptsMemory(void) {
    return scriptsBytes + (scripts ? htOverheadBytes(scripts) : 0);
}
size_t evalScriptCount(void) {
    return scripts ? htSize(scripts) : 0;
}
long long evalEvictedScripts(void) {
    return evictedScripts;
}

/* ---- shebang ---- */

/* Reads the shebang of 'body' (if any): its flags into '*flags' and the
 * length of the line (without its newline) into '*skip'.  On a bad
 * shebang returns C_ERR with Redis's message (without "ERR ") in 'err'
 * ('cap' bytes). */
static int parseShebang(const char *body, size_t len, uint64_t *flags, size_t *skip, char *err,
                        size_t cap) {
    *flags = SCRIPT_FLAG_EVAL_COMPAT;
    *skip = 0;
    /* Redis reads the body as a C string here: a NUL ends it. */
    size_t clen = strnlen(body, len);
    if (clen < 2 || body[0] != '#' || body[1] != '!') return C_OK;
    const char *nl = memchr(body, '\n', clen);
    if (!nl) {
        snprintf(err, cap, "Invalid script shebang");
        return C_ERR;
    }
    size_t lineLen = (size_t)(nl - body);
    char *line = tmemdup(body, lineLen);
    respArg *parts = NULL;
    int cap2 = 0;
    int n = respSplitArgs(line, lineLen, &parts, &cap2);
    int rc = C_ERR;
    if (n <= 0) {
        snprintf(err, cap, "Invalid engine in script shebang");
        goto done;
    }
    if (parts[0].len != 5 || memcmp(line + parts[0].off, "#!lua", 5) != 0) {
        snprintf(err, cap, "Unexpected engine in script shebang: %.*s", (int)parts[0].len,
                 line + parts[0].off);
        goto done;
    }
    uint64_t f = 0;
    for (int j = 1; j < n; j++) {
        const char *w = line + parts[j].off;
        size_t wl = parts[j].len;
        if (wl >= 6 && memcmp(w, "flags=", 6) == 0) {
            uint64_t more;
            char bad[128];
            if (wl > 6 && scriptParseFlagList(w + 6, wl - 6, &more, bad, sizeof(bad)) != C_OK) {
                snprintf(err, cap, "Unexpected flag in script shebang: %s", bad);
                goto done;
            }
            if (wl > 6) f |= more;
        } else {
            snprintf(err, cap, "Unknown lua shebang option: %.*s", (int)wl, w);
            goto done;
        }
    }
    *flags = f;
    *skip = lineLen;
    rc = C_OK;
done:
    tfree(parts);
    tfree(line);
    return rc;
}

/* ---- the cache ---- */

static evalScript *lookupScript(const char *sha) {
    return htFind(scripts, sha, 40);
}

/* The cache key of argument 'a': a given SHA1 ('given', 40 bytes) in
 * lower case, as Redis matches them, or the SHA1 of a script body. */
static void scriptShaOf(slice a, bool given, char sha[41]) {
    if (!given) {
        scriptSha1Hex(sha, a.ptr, a.len);
        return;
    }
    for (int j = 0; j < 40; j++) {
        char ch = a.ptr[j];
        sha[j] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + ('a' - 'A')) : ch;
    }
    sha[40] = '\0';
}

/* Compiles 'body' into the cache under 'sha' (its SHA1).  Replies the
 * error to 'c' and returns NULL when it does not compile. */
static evalScript *createScript(client *c, const char *body, size_t len, const char *sha,
                                bool evalOnly) {
    uint64_t flags;
    size_t skip;
    char err[256];
    if (parseShebang(body, len, &flags, &skip, err, sizeof(err)) != C_OK) {
        addReplyErrorFormat(c, "ERR %s", err);
        return NULL;
    }
    if (luaVmCompile(evalLua, body + skip, len - skip, LUA_EVAL_CHUNKNAME) != 0) {
        addReplyErrorFormat(c, "ERR Error compiling script (new function): %s",
                            lua_tostring(evalLua, -1));
        lua_pop(evalLua, 1);
        return NULL;
    }
    evalScript *s = tmalloc(sizeof(*s) + len);
    memset(s, 0, sizeof(*s));
    memcpy(s->sha, sha, 41);
    s->flags = flags;
    s->ref = luaL_ref(evalLua, LUA_REGISTRYINDEX);
    s->len = len;
    memcpy(s->body, body, len);
    scriptsBytes += tallocSize(s);
    htAddNew(scripts, s);
    if (evalOnly) {
        if (lruCount >= EVAL_LRU_MAX) evictOldest();
        lruAppend(s);
    }
    return s;
}

/* ---- EVAL ---- */

static void evalGeneric(client *c, bool bySha, bool ro) {
    if (bySha && c->argv[1].len != 40) {
        addReplyError(c, ERR_NOSCRIPT);
        return;
    }
    long long numkeys;
    if (getLongLongOrReply(c, c->argv[2], &numkeys, NULL) != C_OK) return;
    if (numkeys > c->argc - 3) {
        addReplyError(c, "ERR Number of keys can't be greater than number of args");
        return;
    }
    if (numkeys < 0) {
        addReplyError(c, "ERR Number of keys can't be negative");
        return;
    }
    char sha[41];
    scriptShaOf(c->argv[1], bySha, sha);
    evalScript *s = lookupScript(sha);
    if (!s) {
        if (bySha) {
            addReplyError(c, ERR_NOSCRIPT);
            return;
        }
        s = createScript(c, c->argv[1].ptr, c->argv[1].len, sha, true);
        if (!s) return;
    } else if (s->inLru) {
        lruUnlink(s);
        lruAppend(s);
    }
    scriptRun run;
    if (scriptPrepareRun(&run, evalClient, c, s->sha, s->flags, ro, true) != C_OK) return;
    /* Effects replication: the commands the script runs propagate
     * themselves, so replaying them needs neither the script nor the
     * same clock or random numbers. */
    propagateSuppress(c);
    luaVmPushErrorHandler(evalLua);
    lua_rawgeti(evalLua, LUA_REGISTRYINDEX, s->ref);
    int n = (int)numkeys;
    luaRunScript(&run, evalLua, c->argv + 3, n, c->argv + 3 + n, c->argc - 3 - n);
    lua_pop(evalLua, 1); /* the error handler */
    scriptResetRun(&run);
}

void evalCommand(client *c) {
    evalGeneric(c, false, false);
}
void evalRoCommand(client *c) {
    evalGeneric(c, false, true);
}
void evalShaCommand(client *c) {
    evalGeneric(c, true, false);
}
void evalShaRoCommand(client *c) {
    evalGeneric(c, true, true);
}

uint64_t evalCommandFlags(client *c, uint64_t cmdFlags) {
    bool bySha = c->cmd->proc == evalShaCommand || c->cmd->proc == evalShaRoCommand;
    if (c->argc < 2 || (bySha && c->argv[1].len != 40)) return cmdFlags;
    char sha[41];
    scriptShaOf(c->argv[1], bySha, sha);
    evalScript *s = lookupScript(sha);
    uint64_t flags;
    if (s) {
        flags = s->flags;
    } else {
        /* Not compiled yet: the shebang alone says (a bad one is
         * reported when EVAL runs). */
        size_t skip;
        char err[256];
        if (bySha ||
            parseShebang(c->argv[1].ptr, c->argv[1].len, &flags, &skip, err, sizeof(err)) != C_OK)
            return cmdFlags;
    }
    if (flags & SCRIPT_FLAG_EVAL_COMPAT) return cmdFlags;
    return scriptFlagsToCmdFlags(cmdFlags, flags);
}

/* ---- SCRIPT ---- */

void scriptExistsCommand(client *c) {
    addReplyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        slice a = c->argv[j];
        bool found = false;
        if (a.len == 40) {
            char sha[41];
            scriptShaOf(a, true, sha);
            found = lookupScript(sha) != NULL;
        }
        addReplyLongLong(c, found);
    }
}

void scriptFlushCommand(client *c) {
    if (c->argc == 3 && !sliceIs(c->argv[2], "sync") && !sliceIs(c->argv[2], "async")) {
        addReplyError(c, "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
        return;
    }
    if (c->argc > 3) {
        addReplyError(c, "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
        return;
    }
    /* ASYNC and SYNC both free now: the interpreter has to be replaced
     * before the next EVAL anyway. */
    evalEngineFree();
    evalEngineCreate();
    addReplyOK(c);
}

void scriptLoadCommand(client *c) {
    char sha[41];
    scriptSha1Hex(sha, c->argv[2].ptr, c->argv[2].len);
    evalScript *s = lookupScript(sha);
    if (!s) s = createScript(c, c->argv[2].ptr, c->argv[2].len, sha, false);
    if (!s) return;
    lruUnlink(s); /* loaded explicitly: never evicted */
    addReplyBulk(c, s->sha, 40);
}

void scriptKillCommand(client *c) {
    scriptKill(c, true);
}

void scriptDebugCommand(client *c) {
    slice mode = c->argv[2];
    if (sliceIs(mode, "no")) {
        addReplyOK(c);
    } else if (sliceIs(mode, "yes") || sliceIs(mode, "sync")) {
        addReplyError(c, "ERR The Lua debugger is not supported by this server");
    } else {
        addReplyError(c, "ERR Use SCRIPT DEBUG YES/SYNC/NO");
    }
}

void scriptHelpCommand(client *c) {
    static const char *help[] = {
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        NULL};
    addReplyHelp(c, help);
}
