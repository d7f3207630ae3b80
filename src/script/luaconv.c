/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Lua <-> RESP conversion, both directions, as Redis 7.0 does it.
 *
 * RESP -> Lua (a command's reply, read straight from the fake client's
 * output bytes):
 *
 *   integer      number          bulk / status   string / {ok=...}
 *   null bulk    false           null array      false
 *   array        table 1..n      error           {err="CODE msg"}
 *   RESP3: null nil, boolean boolean, double {double=n}, map {map={k=v}},
 *   set {set={k=true}}, big number {big_number="..."}, verbatim string
 *   {verbatim_string={format="txt", string="..."}}; attributes are skipped.
 *
 * Lua -> RESP (what a script returns):
 *
 *   number       integer (truncated; out of range gives LLONG_MIN, as the
 *                x86 conversion Redis relies on)
 *   string       bulk            nil, function, ...   null
 *   boolean      RESP2 script: true :1, false null; setresp(3): a boolean
 *   table        {err=} error, {ok=} status, {double=}, {big_number=},
 *                {verbatim_string=}, {map=}, {set=}, else an array of
 *                t[1], t[2], ... up to the first nil (raw access: no
 *                metamethod runs)
 *
 * Both walk recursively; a Lua value nested deeper than the Lua stack
 * allows ends that branch with "ERR reached lua stack limit".
 */
#include "script/lua.h"

#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ds/numfmt.h"
#include "net/reply.h"

/* ---- RESP -> Lua ---- */

static void checkStack(lua_State *L, int n) {
    if (!lua_checkstack(L, n)) serverPanic("lua stack limit reached converting a reply");
}

/* The line that starts at 'p' (up to CR LF): its length, and the position
 * after the CR LF in '*next'. */
static size_t lineLen(const char *p, const char *end, const char **next) {
    const char *cr = memchr(p, '\r', (size_t)(end - p));
    if (!cr) cr = end;
    *next = cr + 2 <= end ? cr + 2 : end;
    return (size_t)(cr - p);
}

/* The integer of a reply line the server itself wrote (a length, a count
 * or an integer reply), so always well formed. */
static long long lineNumber(const char *p, size_t len) {
    long long v;
    if (numStrToLL(p, len, &v)) return v;
    char buf[32];
    if (len >= sizeof(buf)) len = sizeof(buf) - 1;
    memcpy(buf, p, len);
    buf[len] = '\0';
    return strtoll(buf, NULL, 10);
}

static const char *parseReply(lua_State *L, const char *p, const char *end, bool push);

static const char *parseAggregate(lua_State *L, char type, long long n, const char *p,
                                  const char *end, bool push) {
    if (type == '*' || type == '>') {
        if (push) {
            checkStack(L, 2);
            lua_createtable(L, n > 0 && n < 1024 ? (int)n : 0, 0);
        }
        for (long long j = 0; j < n; j++) {
            p = parseReply(L, p, end, push);
            if (push) lua_rawseti(L, -2, (int)(j + 1));
        }
        return p;
    }
    if (push) {
        checkStack(L, 4);
        lua_newtable(L);
        lua_pushstring(L, type == '%' ? "map" : "set");
        lua_newtable(L);
    }
    for (long long j = 0; j < n; j++) {
        p = parseReply(L, p, end, push);
        if (type == '%') {
            p = parseReply(L, p, end, push);
        } else if (push) {
            checkStack(L, 1);
            lua_pushboolean(L, 1);
        }
        if (push) lua_rawset(L, -3);
    }
    if (push) lua_rawset(L, -3);
    return p;
}

static const char *parseReply(lua_State *L, const char *p, const char *end, bool push) {
    if (p >= end) {
        if (push) lua_pushnil(L);
        return end;
    }
    char type = *p++;
    const char *next;
    size_t len = lineLen(p, end, &next);
    if (push) checkStack(L, 4);
    switch (type) {
        case '+':
            if (push) {
                lua_newtable(L);
                lua_pushlstring(L, p, len);
                lua_setfield(L, -2, "ok");
            }
            return next;
        case '-':
            if (push) {
                /* The error code is the first word, as luaPushError expects
                 * from a "-CODE message" text. */
                luaPushError(L, p - 1, len + 1);
                lua_pushboolean(L, 1);
                lua_setfield(L, -2, "ignore_error_stats_update");
            }
            return next;
        case ':':
            if (push) lua_pushnumber(L, (lua_Number)lineNumber(p, len));
            return next;
        case '_':
            if (push) lua_pushnil(L);
            return next;
        case '#':
            if (push) lua_pushboolean(L, len > 0 && p[0] == 't');
            return next;
        case ',':
            if (push) {
                char buf[64];
                size_t n = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
                memcpy(buf, p, n);
                buf[n] = '\0';
                lua_newtable(L);
                lua_pushnumber(L, strtod(buf, NULL));
                lua_setfield(L, -2, "double");
            }
            return next;
        case '(':
            if (push) {
                lua_newtable(L);
                lua_pushlstring(L, p, len);
                lua_setfield(L, -2, "big_number");
            }
            return next;
        case '$':
        case '=': {
            long long n = lineNumber(p, len);
            if (n < 0) {
                if (push) lua_pushboolean(L, 0);
                return next;
            }
            const char *body = next;
            if ((long long)(end - body) < n) n = end - body;
            const char *after = body + n + 2 <= end ? body + n + 2 : end;
            if (!push) return after;
            if (type == '$') {
                lua_pushlstring(L, body, (size_t)n);
            } else {
                /* "txt:" then the text. */
                size_t fl = n >= 4 ? 3 : 0;
                lua_newtable(L);
                lua_pushliteral(L, "verbatim_string");
                lua_newtable(L);
                lua_pushlstring(L, body + (fl ? 4 : 0), (size_t)n - (fl ? 4 : 0));
                lua_setfield(L, -2, "string");
                lua_pushlstring(L, body, fl);
                lua_setfield(L, -2, "format");
                lua_rawset(L, -3);
            }
            return after;
        }
        case '*':
        case '%':
        case '~':
        case '>': {
            long long n = lineNumber(p, len);
            if (n < 0) {
                if (push) lua_pushboolean(L, 0);
                return next;
            }
            return parseAggregate(L, type, n, next, end, push);
        }
        case '|': {
            /* Attributes are not shown to scripts: skip the pairs, then the
             * reply they decorate is the value. */
            long long n = lineNumber(p, len);
            p = next;
            for (long long j = 0; j < 2 * n; j++)
                p = parseReply(L, p, end, false);
            return parseReply(L, p, end, push);
        }
        default:
            if (push) lua_pushnil(L);
            return end;
    }
}

void luaPushReply(lua_State *L, const char *p, size_t len) {
    parseReply(L, p, p + len, true);
}

/* ---- Lua -> RESP ---- */

/* The field 'name' of the table at the top, raw, pushed; returns its type. */
static int rawField(lua_State *L, const char *name) {
    lua_pushstring(L, name);
    lua_rawget(L, -2);
    return lua_type(L, -1);
}

static long long numberToLongLong(lua_Number n) {
    if (!(n > -9223372036854775808.0 && n < 9223372036854775808.0)) return LLONG_MIN;
    return (long long)n;
}

/* A string of the C-string kind Redis builds with sdsnew: up to the first
 * NUL, CR and LF turned into spaces. */
static char *cstrNoNewlines(lua_State *L, int idx, size_t *len) {
    const char *s = lua_tostring(L, idx);
    size_t n = strlen(s);
    char *out = tmalloc(n + 1);
    for (size_t j = 0; j < n; j++)
        out[j] = (s[j] == '\r' || s[j] == '\n') ? ' ' : s[j];
    out[n] = '\0';
    *len = n;
    return out;
}

static bool replyTable(client *c, lua_State *L, int scriptResp) {
    int t = rawField(L, "err");
    if (t == LUA_TSTRING) {
        lua_pop(L, 1);
        luaErrorInfo e;
        luaErrorInfoGet(L, &e);
        const char *msg = e.msg ? e.msg : "";
        if (e.counted)
            addReplyErrorNoStats(c, msg, strlen(msg));
        else
            addReplyError(c, msg);
        luaErrorInfoFree(&e);
        return true;
    }
    lua_pop(L, 1);
    if (rawField(L, "ok") == LUA_TSTRING) {
        size_t len;
        char *ok = cstrNoNewlines(L, -1, &len);
        addReplyStatusLen(c, ok, len);
        tfree(ok);
        lua_pop(L, 1);
        return true;
    }
    lua_pop(L, 1);
    if (rawField(L, "double") == LUA_TNUMBER) {
        addReplyDouble(c, lua_tonumber(L, -1));
        lua_pop(L, 1);
        return true;
    }
    lua_pop(L, 1);
    if (rawField(L, "big_number") == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        char *num = tmemdup(s, len);
        for (size_t j = 0; j < len; j++)
            if (num[j] == '\r' || num[j] == '\n') num[j] = ' ';
        addReplyBigNum(c, num, len);
        tfree(num);
        lua_pop(L, 1);
        return true;
    }
    lua_pop(L, 1);
    if (rawField(L, "verbatim_string") == LUA_TTABLE) {
        if (rawField(L, "format") == LUA_TSTRING) {
            lua_pushstring(L, "string");
            lua_rawget(L, -3); /* the verbatim table, below the format */
            if (lua_type(L, -1) == LUA_TSTRING) {
                size_t len, flen;
                const char *s = lua_tolstring(L, -1, &len);
                const char *f = lua_tolstring(L, -2, &flen);
                char ext[4] = "   ";
                memcpy(ext, f, flen < 3 ? flen : 3);
                addReplyVerbatim(c, s, len, ext);
                lua_pop(L, 3);
                return true;
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (rawField(L, "map") == LUA_TTABLE) {
        void *h = addReplyDeferredLen(c);
        long long n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pushvalue(L, -2);
            luaReplyToClient(c, L, scriptResp); /* the key */
            luaReplyToClient(c, L, scriptResp); /* the value */
            n++;
        }
        setDeferredMapLen(c, h, n);
        lua_pop(L, 1);
        return true;
    }
    lua_pop(L, 1);
    if (rawField(L, "set") == LUA_TTABLE) {
        void *h = addReplyDeferredLen(c);
        long long n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            luaReplyToClient(c, L, scriptResp);
            n++;
        }
        setDeferredSetLen(c, h, n);
        lua_pop(L, 1);
        return true;
    }
    lua_pop(L, 1);
    return false;
}

void luaReplyToClient(client *c, lua_State *L, int scriptResp) {
    if (!lua_checkstack(L, 4)) {
        /* A table that contains itself, or one nested too deep. */
        addReplyError(c, "ERR reached lua stack limit");
        lua_pop(L, 1);
        return;
    }
    switch (lua_type(L, -1)) {
        case LUA_TSTRING: {
            size_t len;
            const char *s = lua_tolstring(L, -1, &len);
            addReplyBulk(c, s, len);
            break;
        }
        case LUA_TBOOLEAN:
            if (scriptResp == 2) {
                if (lua_toboolean(L, -1))
                    addReplyLongLong(c, 1);
                else
                    addReplyNull(c);
            } else {
                addReplyBool(c, lua_toboolean(L, -1));
            }
            break;
        case LUA_TNUMBER:
            addReplyLongLong(c, numberToLongLong(lua_tonumber(L, -1)));
            break;
        case LUA_TTABLE: {
            if (replyTable(c, L, scriptResp)) break;
            void *h = addReplyDeferredLen(c);
            long long n = 0;
            for (int j = 1;; j++) {
                lua_rawgeti(L, -1, j);
                if (lua_isnil(L, -1)) {
                    lua_pop(L, 1);
                    break;
                }
                luaReplyToClient(c, L, scriptResp);
                n++;
            }
            setDeferredArrayLen(c, h, n);
            break;
        }
        default:
            addReplyNull(c);
    }
    lua_pop(L, 1);
}
