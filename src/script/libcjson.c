/* SPDX-License-Identifier: BSD-3-Clause
 *
 * cjson: JSON for scripts, behaving like the lua-cjson 2.1.0 build Redis
 * 7.0 ships (same output bytes, same error texts, same options):
 *
 *   cjson.encode(v)  cjson.decode(s)  cjson.null  cjson.new()
 *   cjson.encode_sparse_array([convert[, ratio[, safe]]])   false, 2, 10
 *   cjson.encode_max_depth([n]) 1000    cjson.decode_max_depth([n]) 1000
 *   cjson.encode_number_precision([n]) 14 (1..14, "%.<n>g")
 *   cjson.encode_keep_buffer([bool]) true
 *   cjson.encode_invalid_numbers([bool|"null"]) false
 *   cjson.decode_invalid_numbers([bool]) true (hex, inf, nan, "+1", "01")
 *
 * Encoding: nil and cjson.null give null; a table whose keys are all
 * integers >= 1 is an array up to its largest key (holes give null)
 * unless it is "excessively sparse" (largest key > safe and > ratio x the
 * number of keys: an error, or an object when convert is on); any other
 * table is an object whose number keys are written as strings.  "/" is
 * escaped as "\/", control characters and DEL as \uXXXX.
 * Decoding: JSON null gives cjson.null (a NULL light userdata); the input
 * ends at its first NUL byte.
 *
 * Each cjson table (cjson.new() makes another) keeps its options and two
 * scratch buffers in a userdata shared by its functions.  The buffers are
 * allocated through the interpreter's allocator, so its memory cap applies
 * to them, and they belong to the userdata, so an error half way through
 * leaks nothing.  Nesting is bounded by the depth options and by the Lua
 * stack, whichever is hit first, so no input can exhaust the C stack;
 * sizes are checked before they are multiplied.
 */
#include "script/libs.h"

#include <lauxlib.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct jbuf {
    char *p;
    size_t len, cap;
} jbuf;

typedef struct jsonCfg {
    int sparseConvert, sparseRatio, sparseSafe;
    int encodeMaxDepth, decodeMaxDepth;
    int encodeInvalid; /* 0 off, 1 on, 2 "null" */
    int precision;
    int keepBuffer;
    int decodeInvalid;
    jbuf enc, tmp;
} jsonCfg;

/* ---- buffers ---- */

static void jbufFree(lua_State *L, jbuf *b) {
    void *ud;
    lua_Alloc f = lua_getallocf(L, &ud);
    if (b->p) f(ud, b->p, b->cap, 0);
    b->p = NULL;
    b->len = b->cap = 0;
}

static void jbufReserve(lua_State *L, jbuf *b, size_t extra) {
    if (b->cap - b->len >= extra) return;
    if (extra > SIZE_MAX / 2 - b->len) luaL_error(L, "not enough memory");
    size_t want = b->len + extra;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < want)
        cap *= 2;
    void *ud;
    lua_Alloc f = lua_getallocf(L, &ud);
    char *p = f(ud, b->p, b->cap, cap);
    if (!p) luaL_error(L, "not enough memory");
    b->p = p;
    b->cap = cap;
}

static void jbufAdd(lua_State *L, jbuf *b, const char *s, size_t len) {
    jbufReserve(L, b, len);
    memcpy(b->p + b->len, s, len);
    b->len += len;
}

static void jbufChar(lua_State *L, jbuf *b, char c) {
    jbufReserve(L, b, 1);
    b->p[b->len++] = c;
}

/* ---- options ---- */

static jsonCfg *getCfg(lua_State *L) {
    jsonCfg *cfg = lua_touserdata(L, lua_upvalueindex(1));
    if (!cfg) luaL_error(L, "BUG: Unable to fetch CJSON configuration");
    return cfg;
}

static jsonCfg *optionArgs(lua_State *L, int n) {
    luaL_argcheck(L, lua_gettop(L) <= n, n + 1, "found too many arguments");
    while (lua_gettop(L) < n)
        lua_pushnil(L);
    return getCfg(L);
}

static void intOption(lua_State *L, int idx, int *setting, int min, int max) {
    if (!lua_isnil(L, idx)) {
        int v = (int)luaL_checkinteger(L, idx);
        char msg[64];
        snprintf(msg, sizeof(msg), "expected integer between %d and %d", min, max);
        /* The original names argument 1 whatever the position. */
        luaL_argcheck(L, min <= v && v <= max, 1, msg);
        *setting = v;
    }
    lua_pushinteger(L, *setting);
}

/* An on/off option (also "null" for encode_invalid_numbers). */
static void enumOption(lua_State *L, int idx, int *setting, const char *const *names) {
    static const char *const onOff[] = {"off", "on", NULL};
    if (!names) names = onOff;
    if (!lua_isnil(L, idx)) {
        if (lua_isboolean(L, idx))
            *setting = lua_toboolean(L, idx);
        else
            *setting = luaL_checkoption(L, idx, NULL, names);
    }
    if (*setting == 0 || *setting == 1)
        lua_pushboolean(L, *setting);
    else
        lua_pushstring(L, names[*setting]);
}

static int cfgSparse(lua_State *L) {
    jsonCfg *cfg = optionArgs(L, 3);
    enumOption(L, 1, &cfg->sparseConvert, NULL);
    intOption(L, 2, &cfg->sparseRatio, 0, INT_MAX);
    intOption(L, 3, &cfg->sparseSafe, 0, INT_MAX);
    return 3;
}

static int cfgEncodeDepth(lua_State *L) {
    jsonCfg *cfg = optionArgs(L, 1);
    intOption(L, 1, &cfg->encodeMaxDepth, 1, INT_MAX);
    return 1;
}

static int cfgDecodeDepth(lua_State *L) {
    jsonCfg *cfg = optionArgs(L, 1);
    intOption(L, 1, &cfg->decodeMaxDepth, 1, INT_MAX);
    return 1;
}

static int cfgPrecision(lua_State *L) {
    jsonCfg *cfg = optionArgs(L, 1);
    intOption(L, 1, &cfg->precision, 1, 14);
    return 1;
}

static int cfgKeepBuffer(lua_State *L) {
    jsonCfg *cfg = optionArgs(L, 1);
    enumOption(L, 1, &cfg->keepBuffer, NULL);
    if (!cfg->keepBuffer) jbufFree(L, &cfg->enc);
    return 1;
}

static int cfgEncodeInvalid(lua_State *L) {
    static const char *const names[] = {"off", "on", "null", NULL};
    jsonCfg *cfg = optionArgs(L, 1);
    enumOption(L, 1, &cfg->encodeInvalid, names);
    return 1;
}

static int cfgDecodeInvalid(lua_State *L) {
    jsonCfg *cfg = optionArgs(L, 1);
    enumOption(L, 1, &cfg->decodeInvalid, NULL);
    return 1;
}

static int cfgGc(lua_State *L) {
    jsonCfg *cfg = lua_touserdata(L, 1);
    if (cfg) {
        jbufFree(L, &cfg->enc);
        jbufFree(L, &cfg->tmp);
    }
    return 0;
}

/* ---- encoding ---- */

static int encodeError(lua_State *L, int idx, const char *why) {
    return luaL_error(L, "Cannot serialise %s: %s", lua_typename(L, lua_type(L, idx)), why);
}

static void encodeString(lua_State *L, jbuf *b, int idx) {
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    static const char hex[] = "0123456789abcdef";
    if (len > SIZE_MAX / 6 - 3) luaL_error(L, "not enough memory");
    jbufReserve(L, b, len + 2);
    b->p[b->len++] = '"';
    for (size_t j = 0; j < len; j++) {
        unsigned char ch = (unsigned char)s[j];
        const char *esc = NULL;
        switch (ch) {
            case '"':
                esc = "\\\"";
                break;
            case '\\':
                esc = "\\\\";
                break;
            case '/':
                esc = "\\/";
                break;
            case '\b':
                esc = "\\b";
                break;
            case '\t':
                esc = "\\t";
                break;
            case '\n':
                esc = "\\n";
                break;
            case '\f':
                esc = "\\f";
                break;
            case '\r':
                esc = "\\r";
                break;
            default:
                break;
        }
        if (esc) {
            jbufAdd(L, b, esc, 2);
        } else if (ch < 0x20 || ch == 0x7f) {
            char u[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
            jbufAdd(L, b, u, 6);
        } else {
            jbufChar(L, b, (char)ch);
        }
    }
    jbufChar(L, b, '"');
}

static void encodeNumber(lua_State *L, jsonCfg *cfg, jbuf *b, int idx) {
    double n = lua_tonumber(L, idx);
    if (isinf(n) || isnan(n)) {
        if (cfg->encodeInvalid == 0) encodeError(L, idx, "must not be NaN or Inf");
        if (cfg->encodeInvalid == 2) {
            jbufAdd(L, b, "null", 4);
            return;
        }
        if (isnan(n)) {
            /* Never "-nan", whatever the sign bit. */
            jbufAdd(L, b, "nan", 3);
            return;
        }
    }
    char buf[32];
    int len = snprintf(buf, sizeof(buf), "%.*g", cfg->precision, n);
    jbufAdd(L, b, buf, (size_t)len);
}

/* The array length of the table at the top: its largest integer key, or
 * -1 for an object (or an excessively sparse array in convert mode). */
static int arrayLength(lua_State *L, jsonCfg *cfg) {
    int max = 0, items = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        double k;
        if (lua_type(L, -2) == LUA_TNUMBER && (k = lua_tonumber(L, -2)) != 0 && floor(k) == k &&
            k >= 1) {
            if (k > max) max = k > INT_MAX ? INT_MAX : (int)k;
            items++;
            lua_pop(L, 1);
            continue;
        }
        lua_pop(L, 2);
        return -1;
    }
    if (cfg->sparseRatio > 0 && (double)max > (double)items * cfg->sparseRatio &&
        max > cfg->sparseSafe) {
        if (!cfg->sparseConvert) encodeError(L, -1, "excessively sparse array");
        return -1;
    }
    return max;
}

static void encodeValue(lua_State *L, jsonCfg *cfg, int depth, jbuf *b);

static void encodeTable(lua_State *L, jsonCfg *cfg, int depth, jbuf *b) {
    depth++;
    if (depth > cfg->encodeMaxDepth || !lua_checkstack(L, 3))
        luaL_error(L, "Cannot serialise, excessive nesting (%d)", depth);
    int n = arrayLength(L, cfg);
    if (n > 0) {
        jbufChar(L, b, '[');
        for (int j = 1; j <= n; j++) {
            if (j > 1) jbufChar(L, b, ',');
            lua_rawgeti(L, -1, j);
            encodeValue(L, cfg, depth, b);
            lua_pop(L, 1);
        }
        jbufChar(L, b, ']');
        return;
    }
    jbufChar(L, b, '{');
    bool first = true;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (!first) jbufChar(L, b, ',');
        first = false;
        int kt = lua_type(L, -2);
        if (kt == LUA_TNUMBER) {
            jbufChar(L, b, '"');
            encodeNumber(L, cfg, b, -2);
            jbufAdd(L, b, "\":", 2);
        } else if (kt == LUA_TSTRING) {
            encodeString(L, b, -2);
            jbufChar(L, b, ':');
        } else {
            encodeError(L, -2, "table key must be a number or string");
        }
        encodeValue(L, cfg, depth, b);
        lua_pop(L, 1);
    }
    jbufChar(L, b, '}');
}

static void encodeValue(lua_State *L, jsonCfg *cfg, int depth, jbuf *b) {
    switch (lua_type(L, -1)) {
        case LUA_TSTRING:
            encodeString(L, b, -1);
            break;
        case LUA_TNUMBER:
            encodeNumber(L, cfg, b, -1);
            break;
        case LUA_TBOOLEAN:
            if (lua_toboolean(L, -1))
                jbufAdd(L, b, "true", 4);
            else
                jbufAdd(L, b, "false", 5);
            break;
        case LUA_TTABLE:
            encodeTable(L, cfg, depth, b);
            break;
        case LUA_TNIL:
            jbufAdd(L, b, "null", 4);
            break;
        case LUA_TLIGHTUSERDATA:
            if (lua_touserdata(L, -1) == NULL) {
                jbufAdd(L, b, "null", 4);
                break;
            }
            /* fall through */
        default:
            encodeError(L, -1, "type not supported");
    }
}

static int jsonEncode(lua_State *L) {
    jsonCfg *cfg = getCfg(L);
    luaL_argcheck(L, lua_gettop(L) == 1, 1, "expected 1 argument");
    cfg->enc.len = 0;
    encodeValue(L, cfg, 0, &cfg->enc);
    lua_pushlstring(L, cfg->enc.p ? cfg->enc.p : "", cfg->enc.len);
    if (!cfg->keepBuffer) jbufFree(L, &cfg->enc);
    return 1;
}

/* ---- decoding ---- */

typedef enum {
    T_OBJ_BEGIN,
    T_OBJ_END,
    T_ARR_BEGIN,
    T_ARR_END,
    T_STRING,
    T_NUMBER,
    T_BOOLEAN,
    T_NULL,
    T_COLON,
    T_COMMA,
    T_END,
    T_WHITESPACE,
    T_ERROR,
    T_UNKNOWN
} tokType;

static const char *const tokNames[] = {
    "T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING",     "T_NUMBER", "T_BOOLEAN",
    "T_NULL",      "T_COLON",   "T_COMMA",     "T_END",     "T_WHITESPACE", "T_ERROR",  "T_UNKNOWN",
};

typedef struct token {
    tokType type;
    size_t index;
    const char *err; /* T_ERROR */
    const char *str; /* T_STRING (in the scratch buffer) */
    size_t strLen;
    double num;
    int boolean;
} token;

typedef struct parser {
    lua_State *L;
    jsonCfg *cfg;
    const char *data, *p;
    int depth;
} parser;

static tokType charToken(unsigned char ch) {
    switch (ch) {
        case '{':
            return T_OBJ_BEGIN;
        case '}':
            return T_OBJ_END;
        case '[':
            return T_ARR_BEGIN;
        case ']':
            return T_ARR_END;
        case ',':
            return T_COMMA;
        case ':':
            return T_COLON;
        case '\0':
            return T_END;
        case ' ':
        case '\t':
        case '\n':
        case '\r':
            return T_WHITESPACE;
        case 'f':
        case 'i':
        case 'I':
        case 'n':
        case 'N':
        case 't':
        case '"':
        case '+':
        case '-':
            return T_UNKNOWN;
        default:
            return (ch >= '0' && ch <= '9') ? T_UNKNOWN : T_ERROR;
    }
}

static void tokenError(parser *ps, token *t, const char *why) {
    t->type = T_ERROR;
    t->index = (size_t)(ps->p - ps->data);
    t->err = why;
}

static int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f') return 10 + c - 'a';
    return -1;
}

static int hex4(const char *p) {
    int v = 0;
    for (int j = 0; j < 4; j++) {
        int d = hexValue(p[j]); /* a NUL (end of input) is not a digit */
        if (d < 0) return -1;
        v = (v << 4) | d;
    }
    return v;
}

/* \uXXXX (or a surrogate pair) at ps->p into the scratch buffer. */
static int unicodeEscape(parser *ps) {
    int cp = hex4(ps->p + 2);
    size_t used = 6;
    if (cp < 0) return -1;
    if ((cp & 0xF800) == 0xD800) {
        if (cp & 0x400) return -1; /* a low surrogate first */
        if (ps->p[6] != '\\' || ps->p[7] != 'u') return -1;
        int low = hex4(ps->p + 8);
        if (low < 0 || (low & 0xFC00) != 0xDC00) return -1;
        cp = (((cp & 0x3FF) << 10) | (low & 0x3FF)) + 0x10000;
        used = 12;
    }
    char u[4];
    size_t n;
    if (cp <= 0x7F) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp <= 0x7FF) {
        u[0] = (char)((cp >> 6) | 0xC0);
        u[1] = (char)((cp & 0x3F) | 0x80);
        n = 2;
    } else if (cp <= 0xFFFF) {
        u[0] = (char)((cp >> 12) | 0xE0);
        u[1] = (char)(((cp >> 6) & 0x3F) | 0x80);
        u[2] = (char)((cp & 0x3F) | 0x80);
        n = 3;
    } else {
        u[0] = (char)((cp >> 18) | 0xF0);
        u[1] = (char)(((cp >> 12) & 0x3F) | 0x80);
        u[2] = (char)(((cp >> 6) & 0x3F) | 0x80);
        u[3] = (char)((cp & 0x3F) | 0x80);
        n = 4;
    }
    jbufAdd(ps->L, &ps->cfg->tmp, u, n);
    ps->p += used;
    return 0;
}

static void stringToken(parser *ps, token *t) {
    jbuf *tmp = &ps->cfg->tmp;
    tmp->len = 0;
    ps->p++; /* the opening quote */
    char ch;
    while ((ch = *ps->p) != '"') {
        if (!ch) {
            tokenError(ps, t, "unexpected end of string");
            return;
        }
        if (ch == '\\') {
            char esc = ps->p[1];
            switch (esc) {
                case '"':
                    ch = '"';
                    break;
                case '\\':
                    ch = '\\';
                    break;
                case '/':
                    ch = '/';
                    break;
                case 'b':
                    ch = '\b';
                    break;
                case 't':
                    ch = '\t';
                    break;
                case 'n':
                    ch = '\n';
                    break;
                case 'f':
                    ch = '\f';
                    break;
                case 'r':
                    ch = '\r';
                    break;
                case 'u':
                    if (unicodeEscape(ps) == 0) continue;
                    tokenError(ps, t, "invalid unicode escape code");
                    return;
                default:
                    tokenError(ps, t, "invalid escape code");
                    return;
            }
            ps->p++;
        }
        jbufChar(ps->L, tmp, ch);
        ps->p++;
    }
    ps->p++; /* the closing quote */
    t->type = T_STRING;
    t->str = tmp->p ? tmp->p : "";
    t->strLen = tmp->len;
}

/* Numbers strict JSON forbids but strtod accepts: a leading '+', hex,
 * leading zeros, inf and nan. */
static bool invalidNumber(const char *p) {
    if (*p == '+') return true;
    if (*p == '-') p++;
    if (*p == '0') {
        int c2 = p[1];
        return (c2 | 0x20) == 'x' || (c2 >= '0' && c2 <= '9');
    }
    if (*p <= '9') return false;
    return strncasecmp(p, "inf", 3) == 0 || strncasecmp(p, "nan", 3) == 0;
}

static void numberToken(parser *ps, token *t) {
    char *end;
    t->type = T_NUMBER;
    t->num = strtod(ps->p, &end);
    if (end == ps->p)
        tokenError(ps, t, "invalid number");
    else
        ps->p = end;
}

static void nextToken(parser *ps, token *t) {
    int ch;
    for (;;) {
        ch = (unsigned char)*ps->p;
        t->type = charToken((unsigned char)ch);
        if (t->type != T_WHITESPACE) break;
        ps->p++;
    }
    t->index = (size_t)(ps->p - ps->data);
    if (t->type == T_ERROR) {
        tokenError(ps, t, "invalid token");
        return;
    }
    if (t->type == T_END) return;
    if (t->type != T_UNKNOWN) {
        ps->p++;
        return;
    }
    if (ch == '"') {
        stringToken(ps, t);
    } else if (ch == '-' || (ch >= '0' && ch <= '9')) {
        if (!ps->cfg->decodeInvalid && invalidNumber(ps->p))
            tokenError(ps, t, "invalid number");
        else
            numberToken(ps, t);
    } else if (strncmp(ps->p, "true", 4) == 0) {
        t->type = T_BOOLEAN;
        t->boolean = 1;
        ps->p += 4;
    } else if (strncmp(ps->p, "false", 5) == 0) {
        t->type = T_BOOLEAN;
        t->boolean = 0;
        ps->p += 5;
    } else if (strncmp(ps->p, "null", 4) == 0) {
        t->type = T_NULL;
        ps->p += 4;
    } else if (ps->cfg->decodeInvalid && invalidNumber(ps->p)) {
        numberToken(ps, t);
    } else {
        tokenError(ps, t, "invalid token");
    }
}

static int parseError(parser *ps, const char *expected, const token *t) {
    const char *found = t->type == T_ERROR ? t->err : tokNames[t->type];
    return luaL_error(ps->L, "Expected %s but found %s at character %d", expected, found,
                      (int)(t->index + 1));
}

static void descend(parser *ps, int slots) {
    ps->depth++;
    if (ps->depth <= ps->cfg->decodeMaxDepth && lua_checkstack(ps->L, slots)) return;
    luaL_error(ps->L, "Found too many nested data structures (%d) at character %d", ps->depth,
               (int)(ps->p - ps->data));
}

static void parseValue(parser *ps, token *t);

static void parseObject(parser *ps) {
    lua_State *L = ps->L;
    token t;
    descend(ps, 3);
    lua_newtable(L);
    nextToken(ps, &t);
    if (t.type == T_OBJ_END) {
        ps->depth--;
        return;
    }
    for (;;) {
        if (t.type != T_STRING) parseError(ps, "object key string", &t);
        lua_pushlstring(L, t.str, t.strLen);
        nextToken(ps, &t);
        if (t.type != T_COLON) parseError(ps, "colon", &t);
        nextToken(ps, &t);
        parseValue(ps, &t);
        lua_rawset(L, -3);
        nextToken(ps, &t);
        if (t.type == T_OBJ_END) {
            ps->depth--;
            return;
        }
        if (t.type != T_COMMA) parseError(ps, "comma or object end", &t);
        nextToken(ps, &t);
    }
}

static void parseArray(parser *ps) {
    lua_State *L = ps->L;
    token t;
    descend(ps, 2);
    lua_newtable(L);
    nextToken(ps, &t);
    if (t.type == T_ARR_END) {
        ps->depth--;
        return;
    }
    for (int i = 1;; i++) {
        parseValue(ps, &t);
        lua_rawseti(L, -2, i);
        nextToken(ps, &t);
        if (t.type == T_ARR_END) {
            ps->depth--;
            return;
        }
        if (t.type != T_COMMA) parseError(ps, "comma or array end", &t);
        nextToken(ps, &t);
    }
}

static void parseValue(parser *ps, token *t) {
    lua_State *L = ps->L;
    switch (t->type) {
        case T_STRING:
            lua_pushlstring(L, t->str, t->strLen);
            break;
        case T_NUMBER:
            lua_pushnumber(L, t->num);
            break;
        case T_BOOLEAN:
            lua_pushboolean(L, t->boolean);
            break;
        case T_OBJ_BEGIN:
            parseObject(ps);
            break;
        case T_ARR_BEGIN:
            parseArray(ps);
            break;
        case T_NULL:
            lua_pushlightuserdata(L, NULL);
            break;
        default:
            parseError(ps, "value", t);
    }
}

/* Scratch kept between calls is capped: one huge document must not pin
 * its size for the life of the interpreter. */
#define TMP_KEEP_BYTES (64 * 1024)

static int jsonDecode(lua_State *L) {
    jsonCfg *cfg = getCfg(L);
    luaL_argcheck(L, lua_gettop(L) == 1, 1, "expected 1 argument");
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    if (len >= 2 && (!s[0] || !s[1]))
        luaL_error(L, "JSON parser does not support UTF-16 or UTF-32");
    if (cfg->tmp.cap > TMP_KEEP_BYTES) jbufFree(L, &cfg->tmp);
    cfg->tmp.len = 0;
    /* A decoded string is never longer than the text it came from. */
    jbufReserve(L, &cfg->tmp, len + 1);
    parser ps = {L, cfg, s, s, 0};
    token t;
    nextToken(&ps, &t);
    parseValue(&ps, &t);
    nextToken(&ps, &t);
    if (t.type != T_END) parseError(&ps, "the end", &t);
    return 1;
}

/* ---- module ---- */

static int jsonNew(lua_State *L);

static const luaL_Reg jsonFuncs[] = {
    {"encode", jsonEncode},
    {"decode", jsonDecode},
    {"encode_sparse_array", cfgSparse},
    {"encode_max_depth", cfgEncodeDepth},
    {"decode_max_depth", cfgDecodeDepth},
    {"encode_number_precision", cfgPrecision},
    {"encode_keep_buffer", cfgKeepBuffer},
    {"encode_invalid_numbers", cfgEncodeInvalid},
    {"decode_invalid_numbers", cfgDecodeInvalid},
    {"new", jsonNew},
    {NULL, NULL},
};

static int jsonNew(lua_State *L) {
    lua_newtable(L);
    jsonCfg *cfg = lua_newuserdata(L, sizeof(*cfg));
    memset(cfg, 0, sizeof(*cfg));
    cfg->sparseRatio = 2;
    cfg->sparseSafe = 10;
    cfg->encodeMaxDepth = 1000;
    cfg->decodeMaxDepth = 1000;
    cfg->precision = 14;
    cfg->keepBuffer = 1;
    cfg->decodeInvalid = 1;
    lua_newtable(L);
    lua_pushcfunction(L, cfgGc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    for (const luaL_Reg *r = jsonFuncs; r->name; r++) {
        lua_pushvalue(L, -1);
        lua_pushcclosure(L, r->func, 1);
        lua_setfield(L, -3, r->name);
    }
    lua_pop(L, 1);
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null");
    lua_pushliteral(L, "cjson");
    lua_setfield(L, -2, "_NAME");
    lua_pushliteral(L, "2.1.0");
    lua_setfield(L, -2, "_VERSION");
    return 1;
}

int luaopenCjson(lua_State *L) {
    jsonNew(L);
    lua_pushvalue(L, -1);
    lua_setglobal(L, "cjson");
    return 1;
}
