/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The Lua libraries scripts can use besides Lua's own, each a Lua C module
 * of ours that needs no server state (so unit tests load it into a plain
 * interpreter):
 *
 *   cjson      JSON encode/decode with the options and cjson.null of the
 *              lua-cjson 2.1 build Redis ships (libcjson.c)
 *   cmsgpack   MessagePack pack/unpack/unpack_one/unpack_limit (libmsgpack.c)
 *   struct     Roberto Ierusalimschy's struct: pack/unpack/size (libstruct.c)
 *   bit        Lua BitOp: tobit, tohex, bnot, band, bor, bxor, shifts,
 *              rotations, bswap (libbit.c)
 *
 * Each luaopen* function creates its global table (named by its first
 * argument, as lua_call of a luaopen_* passes it) and returns it.
 * Depth and size limits are enforced so no input can overflow the C stack
 * or an allocation size computation.
 */
#ifndef TERN_SCRIPT_LIBS_H
#define TERN_SCRIPT_LIBS_H

#include <lua.h>

int luaopenCjson(lua_State *L);
int luaopenCmsgpack(lua_State *L);
int luaopenStruct(lua_State *L);
int luaopenBit(lua_State *L);

#endif
