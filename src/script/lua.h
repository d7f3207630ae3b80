/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The Lua binding: one sandboxed Lua 5.1 interpreter per engine (EVAL has
 * one, FUNCTION another), the redis.* API scripts call, and the conversion
 * of values between Lua and RESP.  Everything here runs on the main thread.
 *
 * Files: lua.c builds and protects the interpreter (allocator with a cap,
 * the allowed libraries, read-only tables, the error handler, the hooks);
 * luaapi.c is the redis.* table and math.random; luaconv.c converts RESP
 * replies to Lua values and Lua values to client replies.  script.c (the
 * engine-neutral run context) is what luaapi.c calls to run a command.
 *
 * Include this as "script/lua.h": the interpreter's own header is <lua.h>.
 */
#ifndef TERN_SCRIPT_LUA_H
#define TERN_SCRIPT_LUA_H

#include <lua.h>
#include <stdbool.h>
#include <stddef.h>

#include "script/script.h"
#include "server/server.h"

/* Chunk names of compiled scripts; errors say "user_script:LINE:". */
#define LUA_EVAL_CHUNKNAME "@user_script"
#define LUA_FUNCTION_CHUNKNAME "@user_function"

typedef enum { LUAVM_EVAL, LUAVM_FUNCTIONS } luaVmKind;

/* Creates a sandboxed interpreter of 'kind': the allowed libraries, the
 * redis table, read-only globals.  Aborts if Lua cannot even start (no
 * memory at startup).  Release with luaVmFree. */
lua_State *luaVmCreate(luaVmKind kind);
/* Closes 'L' and everything it holds. */
void luaVmFree(lua_State *L);
/* Bytes the interpreter 'L' holds on the heap. */
size_t luaVmMemory(lua_State *L);
/* The heap cap applied to every interpreter (lua-memory-limit); changing
 * it affects the next allocation. */
extern long long luaMemoryLimit;
/* Applies ('capped' true) or lifts the cap for 'L'; returns whether it
 * applied before.  It applies only while script code runs (inside the
 * protected calls of EVAL, FCALL and FUNCTION LOAD): everything around
 * them (KEYS/ARGV, compiling, converting replies) allocates unprotected,
 * where a memory error would jump out of C code half way.  A script can
 * so exceed the cap by one reply of a command it ran, before its own next
 * allocation fails. */
bool luaVmSetCapped(lua_State *L, bool capped);

/* Compiles 'len' bytes of 'code' as a chunk named 'chunkname' (one of the
 * LUA_*_CHUNKNAME constants) and pushes the function.  Binary chunks are
 * refused like any text that does not parse.  Returns 0, or non-zero with
 * the error message pushed instead. */
int luaVmCompile(lua_State *L, const char *code, size_t len, const char *chunkname);

/* Pushes the error handler scripts run under (lua_pcall's errfunc): it
 * turns any error into a table {err=..., source=..., line=...}. */
void luaVmPushErrorHandler(lua_State *L);
/* Sets the global 'name' (KEYS, ARGV) of an EVAL interpreter to a new
 * array of 'n' strings from 'argv', bypassing the read-only globals. */
void luaVmSetGlobalArray(lua_State *L, const char *name, slice *argv, int n);
/* Pushes a new array of 'n' strings from 'argv'. */
void luaVmPushArray(lua_State *L, slice *argv, int n);

/* FUNCTION engine: while a library's top level runs, its global lookups go
 * to the load-time API ('loading' true: only redis.register_function,
 * redis.log and the version fields) instead of the real globals. */
void luaVmSetLoadGlobals(lua_State *L, bool loading);
/* Pushes the globals table scripts of 'L' see (the read-only view). */
void luaVmPushGlobals(lua_State *L);

/* Installs the interruption hook on 'L' (every 'count' instructions, or
 * on every line when 'everyLine'): it calls scriptInterrupt and raises the
 * kill error when asked to.  'hook' NULL removes it. */
void luaVmSetHook(lua_State *L, lua_Hook hook, bool everyLine);

/* ---- luaapi.c ---- */

/* Fills the redis table at the top of the stack with the run-time API of
 * 'kind' and replaces math.random/randomseed.  Called by luaVmCreate. */
void luaApiRegister(lua_State *L, luaVmKind kind);
/* Adds redis.register_function/log/version fields to the load-time API
 * table at the top of the stack (FUNCTION engine). */
void luaApiRegisterLoadApi(lua_State *L);
/* Pushes an error table {err="CODE message"}: 'err' is either "-CODE msg"
 * or a plain message that gets the ERR code.  Trailing CR/LF are cut. */
void luaPushError(lua_State *L, const char *err, size_t len);
/* The 48-bit generator behind math.random (Redis's lrand48 sequence). */
void luaRandSeed(int32_t seed);
int32_t luaRandNext(void);

/* Calls the compiled script at the top of the stack (its error handler
 * just below it) for 'run': EVAL sets the KEYS and ARGV globals, FCALL
 * passes them as the two arguments.  Replies the result or the error to
 * the caller, under the time limit.  Pops the function. */
void luaRunScript(scriptRun *run, lua_State *L, slice *keys, int nkeys, slice *args, int nargs);
/* redis.register_function (FUNCTION engine, load time only; function.c). */
int luaRegisterFunction(lua_State *L);

/* ---- luaconv.c ---- */

/* Pushes the Lua value for the RESP reply in 'p' ('len' bytes, one
 * complete reply as the server produced it).  Errors become {err=...}
 * tables flagged as already counted in the error statistics. */
void luaPushReply(lua_State *L, const char *p, size_t len);
/* Replies to 'c' with the Lua value at the top of the stack, popping it.
 * 'scriptResp' is the protocol the script chose with redis.setresp (it
 * decides how booleans are sent). */
void luaReplyToClient(client *c, lua_State *L, int scriptResp);
/* Error details taken from an error value (table or string) at the top of
 * the stack, which stays there.  The strings are owned by 'e' until
 * luaErrorInfoFree. */
typedef struct luaErrorInfo {
    char *msg;    /* "CODE message" */
    char *source; /* chunk name ("@user_script"), or NULL */
    char *line;   /* line number as text, or NULL */
    bool counted; /* the error was already counted (it came from a command) */
} luaErrorInfo;
void luaErrorInfoGet(lua_State *L, luaErrorInfo *e);
void luaErrorInfoFree(luaErrorInfo *e);

#endif
