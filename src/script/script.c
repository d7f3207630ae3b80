/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The engine-neutral part of running a script (see script.h).
 *
 * A command from a script runs on the engine's fake client through
 * callCommand, after the checks Redis 7.0 makes in the same order:
 * known command, arity, noscript, writes from a read-only run, OOM (only
 * before the first write: a script that already changed data is never
 * stopped half way).  Its reply stays in the fake client's buffer for the
 * engine to convert.
 *
 * Time limit: the engine calls scriptInterrupt every 100000 instructions.
 * Once the run is older than busy-reply-threshold it is "timed out":
 * server.busyReply makes the dispatcher answer other clients -BUSY (except
 * allow_busy commands such as SCRIPT KILL), and every later call serves
 * pending events (processEventsWhileBlocked: reads, those commands,
 * writes; no timers, no blocked-client wakeups, so the dataset cannot
 * change under the script).  The caller is never read meanwhile: it is
 * server.currentClient, which the reader skips.
 */
#include "script/script.h"

#include <stdio.h>
#include <string.h>

#include "core/access.h"
#include "core/command.h"
#include "core/propagate.h"
#include "net/conn.h"
#include "net/reply.h"

const scriptFlagName scriptFlagNames[] = {
    {SCRIPT_FLAG_NO_WRITES, "no-writes"},
    {SCRIPT_FLAG_ALLOW_OOM, "allow-oom"},
    {SCRIPT_FLAG_ALLOW_STALE, "allow-stale"},
    {SCRIPT_FLAG_NO_CLUSTER, "no-cluster"},
    {SCRIPT_FLAG_ALLOW_CROSS_SLOT, "allow-cross-slot-keys"},
    {0, NULL},
};

long long scriptBusyThresholdMs = 5000;
bool scriptDisableDenyScript;

#define BUSY_EVAL                                                                                  \
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
#define BUSY_FUNCTION                                                                              \
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."

static scriptRun *current;

scriptRun *scriptCurrentRun(void) {
    return current;
}

client *scriptCreateEngineClient(void) {
    client *c = createClient(-1);
    /* Blocking commands answer at once, as inside EXEC. */
    c->flags |= CLIENT_DENY_BLOCKING | CLIENT_SCRIPT;
    return c;
}

int scriptParseFlagList(const char *p, size_t len, uint64_t *out, char *bad, size_t cap) {
    uint64_t flags = 0;
    size_t start = 0;
    for (size_t j = 0; j <= len; j++) {
        if (j < len && p[j] != ',') continue;
        const char *w = p + start;
        size_t wl = j - start;
        const scriptFlagName *f = scriptFlagNames;
        while (f->name && !(strlen(f->name) == wl && memcmp(f->name, w, wl) == 0))
            f++;
        if (!f->name) {
            snprintf(bad, cap, "%.*s", (int)wl, w);
            return C_ERR;
        }
        flags |= f->flag;
        start = j + 1;
    }
    *out = flags;
    return C_OK;
}

uint64_t scriptFlagsToCmdFlags(uint64_t cmdFlags, uint64_t scriptFlags) {
    cmdFlags &= ~(CMD_STALE | CMD_DENYOOM | CMD_WRITE | CMD_MAY_REPLICATE);
    if (!(scriptFlags & (SCRIPT_FLAG_ALLOW_OOM | SCRIPT_FLAG_NO_WRITES))) cmdFlags |= CMD_DENYOOM;
    if (!(scriptFlags & SCRIPT_FLAG_NO_WRITES)) cmdFlags |= CMD_WRITE;
    if (scriptFlags & SCRIPT_FLAG_ALLOW_STALE) cmdFlags |= CMD_STALE;
    return cmdFlags;
}

/* Used memory over maxmemory (no eviction exists to make room first). */
static bool overMaxmemory(void) {
    return server.maxmemory > 0 && tallocUsedMemory() > (size_t)server.maxmemory;
}

int scriptPrepareRun(scriptRun *run, client *engine, client *caller, const char *name,
                     uint64_t scriptFlags, bool ro, bool isEval) {
    serverAssert(current == NULL);
    bool oom = overMaxmemory();
    if (!(scriptFlags & SCRIPT_FLAG_EVAL_COMPAT)) {
        if (!(scriptFlags & SCRIPT_FLAG_NO_WRITES) && ro) {
            addReplyError(caller,
                          "ERR Can not execute a script with write flag using *_ro command.");
            return C_ERR;
        }
        /* no-writes implies allow-oom, and was tested first. */
        if (oom && !(scriptFlags & (SCRIPT_FLAG_ALLOW_OOM | SCRIPT_FLAG_NO_WRITES))) {
            addReplyError(caller,
                          "OOM allow-oom flag is not set on the script, can not run it when "
                          "used memory > 'maxmemory'");
            return C_ERR;
        }
    }
    run->caller = caller;
    run->engine = engine;
    run->name = name;
    run->resp = 2;
    run->replFlags = PROP_ALL;
    run->flags = isEval ? RUN_EVAL : 0;
    if (oom) run->flags |= RUN_OOM_AT_START;
    if (ro || (!(scriptFlags & SCRIPT_FLAG_EVAL_COMPAT) && (scriptFlags & SCRIPT_FLAG_NO_WRITES)))
        run->flags |= RUN_READONLY;
    if (!(scriptFlags & SCRIPT_FLAG_EVAL_COMPAT) && (scriptFlags & SCRIPT_FLAG_ALLOW_OOM))
        run->flags |= RUN_ALLOW_OOM;
    run->startUs = loopMonoMicros();
    engine->db = caller->db;
    engine->resp = 2;
    current = run;
    return C_OK;
}

void scriptResetRun(scriptRun *run) {
    serverAssert(current == run);
    if (run->flags & RUN_TIMEDOUT) server.busyReply = NULL;
    current = NULL;
}

long long scriptRunDurationMs(void) {
    return current ? (loopMonoMicros() - current->startUs) / 1000 : 0;
}

/* Counts a refused command the way Redis does: an error reply in the
 * statistics and a rejected call of 'cmd' (when known). */
static int refuse(const command *cmd, const char *err, const char **out) {
    char text[256];
    const char *t = err;
    if (err[0] == '-')
        t = err + 1;
    else {
        snprintf(text, sizeof(text), "ERR %s", err);
        t = text;
    }
    commandNoteRejection((command *)cmd, t, strlen(t));
    *out = err;
    return C_ERR;
}

int scriptCall(scriptRun *run, const char **err) {
    client *c = run->engine;
    command *cmd = lookupCommand(c->argv, c->argc);
    c->cmd = cmd;
    if (!cmd) return refuse(NULL, "Unknown Redis command called from script", err);
    if ((cmd->arity > 0 && cmd->arity != c->argc) || c->argc < -cmd->arity)
        return refuse(cmd, "Wrong number of args calling Redis command from script", err);
    if ((cmd->flags & CMD_NOSCRIPT) && !scriptDisableDenyScript)
        return refuse(cmd, "This Redis command is not allowed from script", err);
    /* The script runs with its caller's permissions. */
    c->user = run->caller->user;
    int deniedPos = 0;
    int denied = accessCheck(c, cmd, c->argv, c->argc, &deniedPos);
    if (denied != ACCESS_OK) {
        slice object = {(char *)cmd->name, strlen(cmd->name)};
        if (denied != ACCESS_DENIED_CMD) object = c->argv[deniedPos];
        accessLogDenial(run->caller, denied, ACCESS_CTX_LUA, object, NULL);
        return refuse(cmd, accessScriptDeniedError(denied), err);
    }
    if ((run->flags & RUN_READONLY) && (cmd->flags & (CMD_WRITE | CMD_MAY_REPLICATE)))
        return refuse(cmd, "Write commands are not allowed from read-only scripts.", err);
    /* OOM is decided by the state at the script's start, and only until it
     * first writes: it cannot be stopped half way through its changes. */
    if (!(run->flags & (RUN_ALLOW_OOM | RUN_WRITE_DIRTY)) && (run->flags & RUN_OOM_AT_START) &&
        server.maxmemory > 0 && (cmd->flags & CMD_DENYOOM))
        return refuse(cmd, "-OOM command not allowed when used memory > 'maxmemory'.", err);
    if (cmd->flags & CMD_WRITE) run->flags |= RUN_WRITE_DIRTY;
    /* The command propagates itself inside the EVAL/FCALL unit (which
     * wraps several in MULTI/EXEC), to where redis.set_repl allows. */
    int oldMask = propagateSetTargetMask(run->replFlags);
    callCommand(c);
    propagateSetTargetMask(oldMask);
    return C_OK;
}

/* ---- lifecycle and INFO ---- */

void scriptingInit(void) {
    evalInit();
    functionsInit();
    /* A script's declared flags decide what the dispatcher checks for
     * EVAL/FCALL (a no-writes script runs over maxmemory, one without
     * allow-oom does not), as Redis's per-call command flags do. */
    commandSetFlagsProc(evalCommand, evalCommandFlags);
    commandSetFlagsProc(evalRoCommand, evalCommandFlags);
    commandSetFlagsProc(evalShaCommand, evalCommandFlags);
    commandSetFlagsProc(evalShaRoCommand, evalCommandFlags);
    commandSetFlagsProc(fcallCommand, fcallCommandFlags);
    commandSetFlagsProc(fcallRoCommand, fcallCommandFlags);
}

void scriptingRelease(void) {
    evalRelease();
    functionsRelease();
}

long long scriptingEvictedScripts(void) {
    return evalEvictedScripts();
}

sbuf *scriptingCatInfoMemory(sbuf *s) {
    size_t vmEval = evalVmMemory(), vmFunctions = functionsVmMemory();
    size_t scriptsEval = evalScriptsMemory(), functionsMem = functionsMemoryOverhead();
    s = sbufCatPrintf(s, "used_memory_lua:%zu\r\nused_memory_vm_eval:%zu\r\n", vmEval, vmEval);
    s = sbufCatStr(s, "used_memory_lua_human:");
    s = sbufCatHumanBytes(s, vmEval);
    s = sbufCatPrintf(s,
                      "\r\nused_memory_scripts_eval:%zu\r\nnumber_of_cached_scripts:%zu\r\n"
                      "number_of_functions:%zu\r\nnumber_of_libraries:%zu\r\n"
                      "used_memory_vm_functions:%zu\r\nused_memory_vm_total:%zu\r\n",
                      scriptsEval, evalScriptCount(), functionsCount(), functionsLibraryCount(),
                      vmFunctions, vmEval + vmFunctions);
    s = sbufCatStr(s, "used_memory_vm_total_human:");
    s = sbufCatHumanBytes(s, vmEval + vmFunctions);
    s = sbufCatPrintf(s, "\r\nused_memory_functions:%zu\r\nused_memory_scripts:%zu\r\n",
                      functionsMem, scriptsEval + functionsMem);
    s = sbufCatStr(s, "used_memory_scripts_human:");
    s = sbufCatHumanBytes(s, scriptsEval + functionsMem);
    return sbufCatStr(s, "\r\n");
}

bool scriptInterrupt(void) {
    scriptRun *run = current;
    if (!run) return false;
    if (run->flags & RUN_TIMEDOUT) {
        processEventsWhileBlocked();
        return (run->flags & RUN_KILLED) != 0;
    }
    long long elapsed = (loopMonoMicros() - run->startUs) / 1000;
    if (scriptBusyThresholdMs <= 0 || elapsed < scriptBusyThresholdMs) return false;
    serverLog(LL_WARNING,
              "Slow script detected: still in execution after %lld milliseconds. You can try "
              "killing the script using the %s command. Script name is: %s.",
              elapsed, (run->flags & RUN_EVAL) ? "SCRIPT KILL" : "FUNCTION KILL", run->name);
    run->flags |= RUN_TIMEDOUT;
    server.busyReply = (run->flags & RUN_EVAL) ? BUSY_EVAL : BUSY_FUNCTION;
    processEventsWhileBlocked();
    return (run->flags & RUN_KILLED) != 0;
}

void scriptKill(client *c, bool isEval) {
    if (!current) {
        addReplyError(c, "NOTBUSY No scripts in execution right now.");
        return;
    }
    if (current->flags & RUN_WRITE_DIRTY) {
        addReplyError(c, "UNKILLABLE Sorry the script already executed write commands against the "
                         "dataset. You can either wait the script termination or kill the server "
                         "in a hard way using the SHUTDOWN NOSAVE command.");
        return;
    }
    bool runIsEval = (current->flags & RUN_EVAL) != 0;
    if (isEval != runIsEval) {
        addReplyError(c, runIsEval ? BUSY_EVAL : BUSY_FUNCTION);
        return;
    }
    current->flags |= RUN_KILLED;
    addReplyOK(c);
}
