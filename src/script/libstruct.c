/* SPDX-License-Identifier: BSD-3-Clause
 *
 * struct: binary packing in the format language of Roberto Ierusalimschy's
 * struct library, as Redis scripts use it (struct.pack, struct.unpack,
 * struct.size).
 *
 * A format is a sequence of options:
 *   > <       big / little endian (default: native, little on x86)
 *   !n        maximum alignment n (a power of 2; "!" alone is 8)
 *   b B h H l L T i[n] I[n]   signed/unsigned integers of 1, 2, 8, 8
 *             (size_t), n (default 4) bytes; n at most 32
 *   f d       float, double
 *   c[n]      n bytes of a string (n = 0: the whole string when packing,
 *             the length given by the previous number when unpacking)
 *   s         a NUL-terminated string
 *   x         one padding byte
 *   ' '       ignored
 * Integers wider than 8 bytes keep only their low 8 bytes of value (the
 * rest is zero when packing, dropped when unpacking), as the original does
 * with its 64-bit integer type; its shifts past 64 bits wrap the count as
 * x86 does, and so do ours, without undefined behaviour.
 */
#include "script/libs.h"

#include <ctype.h>
#include <lauxlib.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define MAXINTSIZE 32
#define MAXALIGN 8

typedef struct fmtState {
    int little; /* 1: little endian */
    int align;
} fmtState;

static void fmtInit(fmtState *h) {
    h->little = 1;
    h->align = 1;
}

/* An optional decimal count at '*fmt', or 'def'. */
static int readCount(lua_State *L, const char **fmt, int def) {
    if (!isdigit((unsigned char)**fmt)) return def;
    int a = 0;
    while (isdigit((unsigned char)**fmt)) {
        int d = **fmt - '0';
        if (a > (INT_MAX - d) / 10) luaL_error(L, "integral size overflow");
        a = a * 10 + d;
        (*fmt)++;
    }
    return a;
}

static size_t optSize(lua_State *L, int opt, const char **fmt) {
    switch (opt) {
        case 'B':
        case 'b':
            return 1;
        case 'H':
        case 'h':
            return 2;
        case 'L':
        case 'l':
        case 'T':
            return 8;
        case 'f':
            return 4;
        case 'd':
            return 8;
        case 'x':
            return 1;
        case 'c':
            return (size_t)readCount(L, fmt, 1);
        case 'i':
        case 'I': {
            int sz = readCount(L, fmt, 4);
            if (sz > MAXINTSIZE)
                luaL_error(L, "integral size %d is larger than limit of %d", sz, MAXINTSIZE);
            return (size_t)sz;
        }
        default:
            return 0;
    }
}

static size_t padding(size_t len, const fmtState *h, int opt, size_t size) {
    if (size == 0 || opt == 'c') return 0;
    if (size > (size_t)h->align) size = (size_t)h->align;
    return (size - (len & (size - 1))) & (size - 1);
}

static void control(lua_State *L, int opt, const char **fmt, fmtState *h) {
    switch (opt) {
        case ' ':
            return;
        case '>':
            h->little = 0;
            return;
        case '<':
            h->little = 1;
            return;
        case '!': {
            int a = readCount(L, fmt, MAXALIGN);
            if (a <= 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
            h->align = a;
            return;
        }
        default:
            luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
    }
}

/* The two's complement bits of 'n' as the original computes them (its
 * casts of out-of-range doubles behave as on x86). */
static uint64_t numberBits(lua_Number n) {
    if (n < 0) {
        if (n >= -9223372036854775808.0) return (uint64_t)(int64_t)n;
        return 0x8000000000000000ULL;
    }
    if (n < 18446744073709551616.0) return (uint64_t)n;
    return n == n ? 0 : 0x8000000000000000ULL;
}

static void putInteger(lua_State *L, luaL_Buffer *b, int arg, int little, size_t size) {
    uint64_t v = numberBits(luaL_checknumber(L, arg));
    char buf[MAXINTSIZE];
    for (size_t j = 0; j < size; j++) {
        char byte = (char)(j < 8 ? (v >> (8 * j)) & 0xff : 0);
        buf[little ? j : size - 1 - j] = byte;
    }
    luaL_addlstring(b, buf, size);
}

static void orderBytes(char *p, size_t size, int little) {
    if (little) return; /* native order is little endian */
    for (size_t i = 0, j = size - 1; i < j; i++, j--) {
        char t = p[i];
        p[i] = p[j];
        p[j] = t;
    }
}

static int structPack(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    fmtState h;
    fmtInit(&h);
    int arg = 2;
    size_t total = 0;
    lua_pushnil(L); /* separates the arguments from the buffer's pieces */
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    while (*fmt) {
        int opt = *fmt++;
        size_t size = optSize(L, opt, &fmt);
        size_t pad = padding(total, &h, opt, size);
        total += pad;
        while (pad-- > 0)
            luaL_addchar(&b, '\0');
        switch (opt) {
            case 'b':
            case 'B':
            case 'h':
            case 'H':
            case 'l':
            case 'L':
            case 'T':
            case 'i':
            case 'I':
                putInteger(L, &b, arg++, h.little, size);
                break;
            case 'x':
                luaL_addchar(&b, '\0');
                break;
            case 'f': {
                float f = (float)luaL_checknumber(L, arg++);
                orderBytes((char *)&f, 4, h.little);
                luaL_addlstring(&b, (char *)&f, 4);
                break;
            }
            case 'd': {
                double d = luaL_checknumber(L, arg++);
                orderBytes((char *)&d, 8, h.little);
                luaL_addlstring(&b, (char *)&d, 8);
                break;
            }
            case 'c':
            case 's': {
                size_t l;
                const char *s = luaL_checklstring(L, arg++, &l);
                if (size == 0) size = l;
                /* The original names the argument after this one here. */
                luaL_argcheck(L, l >= size, arg, "string too short");
                luaL_addlstring(&b, s, size);
                if (opt == 's') {
                    luaL_addchar(&b, '\0');
                    size++;
                }
                break;
            }
            default:
                control(L, opt, &fmt, &h);
        }
        total += size;
    }
    luaL_pushresult(&b);
    return 1;
}

static lua_Number getInteger(const char *p, int little, int isSigned, size_t size) {
    uint64_t v = 0;
    for (size_t j = 0; j < size; j++) {
        unsigned char byte = (unsigned char)p[little ? size - 1 - j : j];
        v = (v << 8) | byte;
    }
    if (!isSigned) return (lua_Number)v;
    uint64_t mask = ~0ULL << ((size * 8 - 1) & 63);
    if (v & mask) v |= mask;
    return (lua_Number)(int64_t)v;
}

static int structUnpack(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    size_t ld;
    const char *data = luaL_checklstring(L, 2, &ld);
    /* As in the original, a negative offset wraps to a huge position and
     * fails as "data string too short". */
    size_t pos = (size_t)luaL_optinteger(L, 3, 1);
    luaL_argcheck(L, pos > 0, 3, "offset must be 1 or greater");
    pos--;
    fmtState h;
    fmtInit(&h);
    int n = 0;
    while (*fmt) {
        int opt = *fmt++;
        size_t size = optSize(L, opt, &fmt);
        pos += padding(pos, &h, opt, size);
        luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
        luaL_checkstack(L, 2, "too many results");
        switch (opt) {
            case 'b':
            case 'B':
            case 'h':
            case 'H':
            case 'l':
            case 'L':
            case 'T':
            case 'i':
            case 'I':
                lua_pushnumber(L, getInteger(data + pos, h.little, islower(opt), size));
                n++;
                break;
            case 'x':
                break;
            case 'f': {
                float f;
                memcpy(&f, data + pos, 4);
                orderBytes((char *)&f, 4, h.little);
                lua_pushnumber(L, f);
                n++;
                break;
            }
            case 'd': {
                double d;
                memcpy(&d, data + pos, 8);
                orderBytes((char *)&d, 8, h.little);
                lua_pushnumber(L, d);
                n++;
                break;
            }
            case 'c':
                if (size == 0) {
                    if (n == 0 || !lua_isnumber(L, -1))
                        luaL_error(L, "format 'c0' needs a previous size");
                    lua_Number want = lua_tonumber(L, -1);
                    size = want >= 0 && want < 18446744073709551616.0 ? (size_t)want : SIZE_MAX;
                    lua_pop(L, 1);
                    n--;
                    luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
                }
                lua_pushlstring(L, data + pos, size);
                n++;
                break;
            case 's': {
                const char *e = memchr(data + pos, '\0', ld - pos);
                if (!e) luaL_error(L, "unfinished string in data");
                size = (size_t)(e - (data + pos)) + 1;
                lua_pushlstring(L, data + pos, size - 1);
                n++;
                break;
            }
            default:
                control(L, opt, &fmt, &h);
        }
        pos += size;
    }
    lua_pushinteger(L, (lua_Integer)pos + 1);
    return n + 1;
}

static int structSize(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    fmtState h;
    fmtInit(&h);
    size_t pos = 0;
    while (*fmt) {
        int opt = *fmt++;
        size_t size = optSize(L, opt, &fmt);
        pos += padding(pos, &h, opt, size);
        if (opt == 's')
            luaL_argerror(L, 1, "option 's' has no fixed size");
        else if (opt == 'c' && size == 0)
            luaL_argerror(L, 1, "option 'c0' has no fixed size");
        if (!isalnum(opt)) control(L, opt, &fmt, &h);
        pos += size;
    }
    lua_pushinteger(L, (lua_Integer)pos);
    return 1;
}

static const luaL_Reg structFuncs[] = {
    {"pack", structPack},
    {"unpack", structUnpack},
    {"size", structSize},
    {NULL, NULL},
};

int luaopenStruct(lua_State *L) {
    luaL_register(L, "struct", structFuncs);
    return 1;
}
