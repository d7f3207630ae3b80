/* SPDX-License-Identifier: BSD-3-Clause
 *
 * What EVAL and FCALL share, whatever the engine: the run of one script
 * (its caller, the fake client its commands execute on, its flags), the
 * checks every redis.call passes before the command runs, the time limit
 * (busy-reply-threshold: past it other clients get -BUSY while events keep
 * being served) and SCRIPT KILL / FUNCTION KILL.
 *
 * One script runs at a time: scripts are atomic, so a run never nests.
 * The run lives on the stack of EVAL/FCALL; scriptCurrentRun() finds it.
 */
#ifndef TERN_SCRIPT_SCRIPT_H
#define TERN_SCRIPT_SCRIPT_H

#include <stdbool.h>
#include <stdint.h>

#include "server/server.h"

/* Flags a script declares (EVAL shebang, redis.register_function). */
#define SCRIPT_FLAG_NO_WRITES (1ULL << 0)
#define SCRIPT_FLAG_ALLOW_OOM (1ULL << 1)
#define SCRIPT_FLAG_ALLOW_STALE (1ULL << 2)
#define SCRIPT_FLAG_NO_CLUSTER (1ULL << 3)
#define SCRIPT_FLAG_ALLOW_CROSS_SLOT (1ULL << 4)
/* An EVAL script without a shebang: Redis 6 semantics (it may write even
 * from EVAL_RO until it tries, and OOM is checked per command). */
#define SCRIPT_FLAG_EVAL_COMPAT (1ULL << 5)

/* The flag names in declaration order, for parsing and FUNCTION LIST. */
typedef struct scriptFlagName {
    uint64_t flag;
    const char *name;
} scriptFlagName;
extern const scriptFlagName scriptFlagNames[]; /* ends with {0, NULL} */

/* State of a run (scriptRun.flags). */
#define RUN_EVAL (1 << 0)     /* EVAL family (not FCALL): error texts, KILL kind */
#define RUN_READONLY (1 << 1) /* *_RO or no-writes: write commands refused */
#define RUN_ALLOW_OOM (1 << 2)
#define RUN_WRITE_DIRTY (1 << 3)  /* a write command ran: not killable any more */
#define RUN_TIMEDOUT (1 << 4)     /* past busy-reply-threshold: others get BUSY */
#define RUN_KILLED (1 << 5)       /* SCRIPT/FUNCTION KILL asked it to stop */
#define RUN_OOM_AT_START (1 << 6) /* used memory was over maxmemory when it began */

typedef struct scriptRun {
    client *caller;   /* who sent EVAL/FCALL */
    client *engine;   /* the fake client redis.call runs commands on */
    const char *name; /* script sha or function name (owned by the cache/library) */
    int flags;
    int resp;          /* the protocol the script asked for (redis.setresp) */
    int replFlags;     /* redis.set_repl: where its writes propagate */
    long long startUs; /* monotonic start, for the time limit */
} scriptRun;

/* Configuration (server/config.c): busy-reply-threshold alias
 * lua-time-limit, in milliseconds; 0 disables the limit. */
extern long long scriptBusyThresholdMs;
/* DEBUG SET-DISABLE-DENY-SCRIPTS: noscript commands allowed from scripts. */
extern bool scriptDisableDenyScript;

/* Starts a run of the script 'name' with declared 'scriptFlags' for
 * 'caller' on the fake client 'engine'; 'ro' for EVAL_RO/FCALL_RO.
 * Refuses (replying the error to 'caller' and returning C_ERR) what the
 * flags forbid now: writes from *_RO, writes or non-allow-oom scripts over
 * maxmemory.  On C_OK the run is current until scriptResetRun. */
int scriptPrepareRun(scriptRun *run, client *engine, client *caller, const char *name,
                     uint64_t scriptFlags, bool ro, bool isEval);
/* Ends the current run 'run': leaves the BUSY state if it was entered. */
void scriptResetRun(scriptRun *run);
/* The run in progress, or NULL. */
scriptRun *scriptCurrentRun(void);

/* Runs the command in run->engine's argv/argc after the checks a script's
 * command passes (known command, arity, noscript, write permission, OOM).
 * Its reply is left in the engine client's output.  On refusal returns
 * C_ERR with Redis's message (without the error code) in '*err', a static
 * string; the refusal is already counted in the statistics. */
int scriptCall(scriptRun *run, const char **err);

/* The interruption check, called by the engine every 100000 instructions:
 * past the threshold it enters the BUSY state and serves events.  Returns
 * true when the script must stop (killed). */
bool scriptInterrupt(void);

/* SCRIPT KILL ('isEval') or FUNCTION KILL from 'c': replies. */
void scriptKill(client *c, bool isEval);
/* How long the current run has lasted, in milliseconds. */
long long scriptRunDurationMs(void);

/* Parses a comma-separated flag list (the "flags=" shebang value) into
 * '*out'.  Returns C_ERR with the offending word in 'bad' (capacity 'cap'). */
int scriptParseFlagList(const char *p, size_t len, uint64_t *out, char *bad, size_t cap);
/* The command flags EVAL/FCALL of a script with 'scriptFlags' behave with
 * (a declared no-writes script is not a write, etc.). */
uint64_t scriptFlagsToCmdFlags(uint64_t cmdFlags, uint64_t scriptFlags);

/* Creates a fake client for an engine to run commands on. */
client *scriptCreateEngineClient(void);
/* Hex SHA1 of 'len' bytes at 'p' into 'out' (40 digits and a NUL). */
void scriptSha1Hex(char out[41], const char *p, size_t len);

/* ---- the engines (eval.c, function.c) and their lifecycle ---- */

/* Startup: both interpreters, their fake clients, empty caches. */
void scriptingInit(void);
/* Shutdown: frees all of it. */
void scriptingRelease(void);
/* INFO memory: the used_memory_lua ... used_memory_scripts_human lines. */
sbuf *scriptingCatInfoMemory(sbuf *s);
/* INFO stats: evicted_scripts. */
long long scriptingEvictedScripts(void);

void evalInit(void);
void evalRelease(void);
size_t evalVmMemory(void);
size_t evalScriptsMemory(void);
size_t evalScriptCount(void);
long long evalEvictedScripts(void);
/* The command flags EVAL/EVALSHA of the script in c->argv behave with. */
uint64_t evalCommandFlags(client *c, uint64_t cmdFlags);

void functionsInit(void);
void functionsRelease(void);
size_t functionsVmMemory(void);
size_t functionsMemoryOverhead(void);
size_t functionsCount(void);
size_t functionsLibraryCount(void);
/* The command flags FCALL of the function in c->argv behaves with. */
uint64_t fcallCommandFlags(client *c, uint64_t cmdFlags);

#endif
