/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Command dispatch and introspection, built from core/commands.def.
 *
 * processCommand is the single gate every command passes: it resolves the
 * name (and subcommand), checks arity and authentication, refuses what the
 * connection's state forbids (NO_MULTI commands inside MULTI, most
 * commands on a RESP2 connection with subscriptions), queues the command
 * when a transaction is open (core/multi.c), and only then calls the
 * handler through callCommand, which keeps the per-command statistics.
 * Handlers can therefore assume a valid argument count.  Any refusal
 * inside MULTI dooms the transaction, as in Redis.
 *
 * COMMAND, COMMAND INFO/DOCS/COUNT/LIST/GETKEYS read the same table, so
 * introspection cannot disagree with dispatch.  The "arguments" of COMMAND
 * DOCS come from core/cmdargs.def, keyed by the same full names.
 */
#include "core/command.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/access.h"
#include "core/args.h"
#include "core/blocking.h"
#include "core/cmdargs.h"
#include "core/errors.h"
#include "core/keyspec.h"
#include "core/multi.h"
#include "core/pause.h"
#include "core/propagate.h"
#include "ds/glob.h"
#include "net/reply.h"
#include "server/config.h"
#include "server/errorstats.h"
#include "server/monitor.h"
#include "server/slowlog.h"

/* Designated initializers: fields filled at init (subcommands, key specs,
 * statistics) start zeroed whatever their order in the struct. */
#define CMD_FIELDS(proc_, arity_, flags_, fk, lk, ks, acl_, group_, since_, summary_, cx)        \
    .proc = proc_, .arity = arity_, .flags = flags_, .firstKey = fk, .lastKey = lk, .keyStep = ks, \
    .acl = acl_, .group = group_, .since = since_, .summary = summary_, .complexity = cx
#define CMD(n, ...) {.name = n, CMD_FIELDS(__VA_ARGS__)},
#define SUB(cont, n, ...) {.name = cont "|" n, .container = cont, .subname = n, CMD_FIELDS(__VA_ARGS__)},
static command commandTable[] = {
#include "core/commands.def"
};
#undef CMD
#undef SUB

#define NUM_COMMANDS (sizeof(commandTable) / sizeof(commandTable[0]))

static const char *flagNames[CMD_NUM_FLAGS] = {
    "write", "readonly", "denyoom", "admin", "pubsub", "noscript", "blocking", "loading",
    "stale", "skip_monitor", "skip_slowlog", "fast", "no_auth",
    NULL /* may_replicate: Redis 7.0 hides it from COMMAND */,
    NULL /* sentinel: Redis keeps it internal */,
    "no_mandatory_keys", "no_multi", "movablekeys", "allow_busy"};

static const char *aclNames[ACL_NUM_CATEGORIES] = {
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
    "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
    "dangerous", "connection", "transaction", "scripting"};

const char *commandFullName(const command *cmd) { return cmd ? cmd->name : ""; }

/* Name lookup.  Every command passes through here, so it avoids the
 * generic hashtable (a seeded XXH3 call, a key callback and strlen per
 * probe): one pass over the name lowercases it and computes an FNV-1a hash,
 * then an open-addressed array of the top-level commands, kept at most 1/4
 * full, is probed linearly comparing hash and length before the bytes.
 * The names are fixed at startup, so the hash needs no seed: a client can
 * only make its own lookups of unknown names probe a few slots. */
typedef struct cmdSlot {
    command *cmd; /* NULL: empty slot */
    uint32_t hash;
    uint32_t len;
} cmdSlot;

#define CMD_NAME_MAX 64 /* longer names are unknown without a lookup */

static cmdSlot *cmdIndex;
static size_t cmdIndexMask;
static long long numTopLevel; /* COMMAND COUNT */

/* Lowercases 'len' bytes of 'name' into 'lower' and returns their hash. */
static inline uint32_t lowerAndHash(const char *name, size_t len, char *lower) {
    uint32_t h = 2166136261u;
    for (size_t j = 0; j < len; j++) {
        unsigned char ch = (unsigned char)name[j];
        if (ch >= 'A' && ch <= 'Z') ch |= 0x20;
        lower[j] = (char)ch;
        h = (h ^ ch) * 16777619u;
    }
    return h;
}

static void cmdIndexAdd(command *cmd) {
    char lower[CMD_NAME_MAX];
    size_t len = strlen(cmd->name);
    serverAssert(len < CMD_NAME_MAX);
    uint32_t h = lowerAndHash(cmd->name, len, lower);
    size_t i = h & cmdIndexMask;
    while (cmdIndex[i].cmd) i = (i + 1) & cmdIndexMask;
    cmdIndex[i].cmd = cmd;
    cmdIndex[i].hash = h;
    cmdIndex[i].len = (uint32_t)len;
}

static command *lookupBySlice(slice s);

static command *lookupFullName(const char *name) {
    slice s = {(char *)name, strlen(name)};
    return lookupBySlice(s);
}

void commandTableInit(void) {
    size_t slots = 16;
    while (slots < NUM_COMMANDS * 4) slots <<= 1;
    cmdIndex = tcalloc(sizeof(cmdSlot) * slots);
    cmdIndexMask = slots - 1;
    for (size_t j = 0; j < NUM_COMMANDS; j++) {
        command *cmd = &commandTable[j];
        cmd->id = (int)j;
        uint64_t f = cmd->flags;
        if (f & CMD_WRITE) cmd->acl |= ACL_WRITE;
        /* Read-only scripting commands (EVAL_RO, FCALL_RO) stay out of
         * @read, as in Redis: what they read depends on the script. */
        if ((f & CMD_READONLY) && !(cmd->acl & ACL_SCRIPTING)) cmd->acl |= ACL_READ;
        if (f & CMD_ADMIN) cmd->acl |= ACL_ADMIN | ACL_DANGEROUS;
        if (f & CMD_PUBSUB) cmd->acl |= ACL_PUBSUB;
        if (f & CMD_BLOCKING) cmd->acl |= ACL_BLOCKING;
        cmd->acl |= (f & CMD_FAST) ? ACL_FAST : ACL_SLOW;
        if (cmd->container) {
            command *parent = lookupCommandByName(cmd->container, strlen(cmd->container));
            serverAssert(parent != NULL);
            cmd->parent = parent;
            parent->subcommands =
                trealloc(parent->subcommands, sizeof(command *) * (size_t)(parent->numSub + 1));
            parent->subcommands[parent->numSub++] = cmd;
            continue;
        }
        cmdIndexAdd(cmd);
        numTopLevel++;
    }
    keySpecsInit(lookupFullName);
    for (size_t j = 0; j < NUM_COMMANDS; j++) {
        if (keySpecsAgree(&commandTable[j])) continue;
        char msg[200];
        snprintf(msg, sizeof(msg),
                 "command '%s': first/last/step or movablekeys in commands.def disagree with "
                 "its lines in keyspecs.def",
                 commandTable[j].name);
        serverPanic(msg);
    }
    cmdArgsInit();
}

command *lookupCommandByName(const char *name, size_t len) {
    char lower[CMD_NAME_MAX];
    if (len >= sizeof(lower)) return NULL;
    uint32_t h = lowerAndHash(name, len, lower);
    for (size_t i = h & cmdIndexMask;; i = (i + 1) & cmdIndexMask) {
        const cmdSlot *slot = &cmdIndex[i];
        if (!slot->cmd) return NULL;
        if (slot->hash == h && slot->len == len) {
            /* Names are short: a byte loop beats a memcmp call. */
            const char *n = slot->cmd->name;
            size_t j = 0;
            while (j < len && n[j] == lower[j]) j++;
            if (j == len) return slot->cmd;
        }
    }
}

static command *findSubcommand(const command *parent, slice sub) {
    for (int j = 0; j < parent->numSub; j++)
        if (sliceIs(sub, parent->subcommands[j]->subname)) return parent->subcommands[j];
    return NULL;
}

command *lookupCommand(slice *argv, int argc) {
    command *cmd = lookupCommandByName(argv[0].ptr, argv[0].len);
    if (!cmd || !cmd->numSub || argc < 2) return cmd;
    command *sub = findSubcommand(cmd, argv[1]);
    return sub;
}

void commandForEach(void (*fn)(command *cmd, void *priv), void *priv) {
    for (size_t j = 0; j < NUM_COMMANDS; j++) fn(&commandTable[j], priv);
}

int commandCount(void) { return (int)NUM_COMMANDS; }

command *commandById(int id) {
    return id >= 0 && (size_t)id < NUM_COMMANDS ? &commandTable[id] : NULL;
}

const char *commandCategoryName(int bit) {
    return bit >= 0 && bit < ACL_NUM_CATEGORIES ? aclNames[bit] : NULL;
}

uint64_t commandCategoryByName(const char *name, size_t len) {
    for (int j = 0; j < ACL_NUM_CATEGORIES; j++)
        if (strlen(aclNames[j]) == len && strncasecmp(aclNames[j], name, len) == 0)
            return 1ULL << j;
    return 0;
}

static void resetOne(command *cmd, void *priv) {
    (void)priv;
    cmd->calls = cmd->usec = cmd->rejectedCalls = cmd->failedCalls = 0;
}

void commandResetStats(void) { commandForEach(resetOne, NULL); }

/* Replies the "unknown command" error exactly as Redis 7.0 words it. */
static void replyUnknownCommand(client *c) {
    char args[256];
    size_t len = 0;
    args[0] = '\0';
    for (int j = 1; j < c->argc && len < 128; j++) {
        int room = 128 - (int)len;
        int take = (int)c->argv[j].len < room ? (int)c->argv[j].len : room;
        int n = snprintf(args + len, sizeof(args) - len, "'%.*s' ", take, c->argv[j].ptr);
        if (n < 0) break;
        len += (size_t)n;
        if (len >= sizeof(args)) len = sizeof(args) - 1;
    }
    int nlen = (int)(c->argv[0].len < 128 ? c->argv[0].len : 128);
    addReplyErrorFormat(c, "ERR unknown command '%.*s', with args beginning with: %s", nlen,
                        c->argv[0].ptr, args);
}

/* The handler of container commands (CONFIG, CLIENT, ...).  Dispatch
 * always resolves a subcommand or rejects first (arity -2 covers a bare
 * "CONFIG"), so this only runs if a table line is wrong. */
void containerCommand(client *c) { addReplyErrorArity(c); }

/* Error replies already charged to a command.  Nested calls (the commands
 * EXEC runs) advance it, so the outer call is charged only for errors it
 * replied itself, as Redis 7.0 counts failed_calls. */
static long long errorsCounted;

/* Depth of nested callCommand (EXEC and scripts call it for each inner
 * command); only the outermost call samples the clock for the keyspace. */
static int callDepth;

void commandNoteRejection(command *cmd, const char *err, size_t len) {
    server.stat.totalErrorReplies++;
    errorstatsIncr(err, len);
    if (cmd) cmd->rejectedCalls++;
    errorsCounted = server.stat.totalErrorReplies;
}

void callCommand(client *c) {
    command *cmd = (command *)c->cmd;
    errorsCounted = server.stat.totalErrorReplies;
    long long start = ustime();
    if (callDepth == 0) {
        /* The time a command sees (expiry, TTLs, LRU) is taken once per
         * top-level command, from the same clock read that starts its
         * duration, as Redis 7 does; commands inside EXEC or a script keep
         * their caller's time. */
        server.unixtimeMs = start / 1000;
        server.lruclock = lruClock();
        c->lastCmdTime = server.unixtimeMs;
    }
    bool outer = !(c->flags & CLIENT_EXECUTING);
    callDepth++;
    c->flags |= CLIENT_EXECUTING;
    propFrame frame;
    propagateCallBegin(&frame);
    /* Script commands (EVAL, FCALL and their forms: the skip_monitor ones)
     * are shown to MONITOR before the commands they run, not after. */
    if (monitorCount && (cmd->flags & CMD_SKIP_MONITOR)) monitorFeed(c, c->argv, c->argc);
    cmd->proc(c);
    /* The write path's last step: a command that changed the dataset goes
     * to the propagation stream (emitted when the outermost call ends). */
    propagateCallEnd(&frame, c);
    if (outer) c->flags &= ~CLIENT_EXECUTING;
    callDepth--;
    long long dur = ustime() - start;
    cmd->calls++;
    cmd->usec += dur;
    if (server.stat.totalErrorReplies > errorsCounted) cmd->failedCalls++;
    errorsCounted = server.stat.totalErrorReplies;
    server.stat.numCommands++;
    c->lastcmd = cmd;
    /* MONITOR shows what ran, secrets already redacted; administrative
     * commands are never shown. */
    if (monitorCount && !(cmd->flags & (CMD_SKIP_MONITOR | CMD_ADMIN))) monitorFeed(c, c->argv, c->argc);
    /* The slow log: a blocked command is logged once it is served. */
    if (c->flags & CLIENT_BLOCKED)
        slowlogBlockedBegin(c, dur);
    else if (server.slowlogLogSlowerThan >= 0 && !(cmd->flags & CMD_SKIP_SLOWLOG))
        slowlogPush(c, c->argv, c->argc, dur);
}

void commandRedactArg(client *c, int j) {
    static char redacted[] = "(redacted)";
    if (j < c->argc) {
        c->argv[j].ptr = redacted;
        c->argv[j].len = sizeof(redacted) - 1;
    }
}

/* Refuses the command about to run with error 'err', as Redis's
 * rejectCommand does: a refused EXEC discards the transaction and says
 * why ("EXECABORT Transaction discarded because of: ..."); any other
 * refusal inside MULTI dooms the transaction (see the reject label). */
static void rejectCommand(client *c, const char *err) {
    if (c->cmd && (c->cmd->flags & CMD_EXEC)) {
        execCommandAbort(c, err);
        /* MONITOR saw MULTI: show the EXEC that ended it too (Redis 7.0). */
        monitorFeed(c, c->argv, c->argc);
    } else {
        addReplyError(c, err);
    }
}

/* maxmemory with the only policy there is so far, noeviction: over the
 * limit, commands that may grow the dataset are refused, and so is EXEC of
 * a transaction holding one.  Inside MULTI everything but EXEC, DISCARD,
 * QUIT and RESET is refused too, since queueing itself takes memory (Redis
 * 7.0's rules).  Eviction policies are issue #14. */
static bool outOfMemoryFor(client *c, const command *cmd) {
    bool denied = (commandCallFlags(c, cmd) & CMD_DENYOOM) != 0;
    if (cmd->flags & CMD_EXEC) denied = (multiQueuedFlags(c) & CMD_DENYOOM) != 0;
    if ((c->flags & CLIENT_MULTI) && !(cmd->flags & CMD_MULTI_END)) denied = true;
    return denied && tallocUsedMemory() > (size_t)server.maxmemory;
}

/* True when 'cmd' reads, writes or may replicate (Redis's test for what a
 * replica connection may not run); EXEC by what it has queued. */
static bool touchesKeyspace(client *c, const command *cmd) {
    const uint64_t mask = CMD_WRITE | CMD_READONLY | CMD_MAY_REPLICATE;
    if (cmd->flags & CMD_EXEC) return (multiQueuedFlags(c) & mask) != 0;
    return (commandCallFlags(c, cmd) & mask) != 0;
}

void commandSetFlagsProc(commandProc *proc, uint64_t (*fn)(client *c, uint64_t tableFlags)) {
    for (size_t j = 0; j < NUM_COMMANDS; j++)
        if (commandTable[j].proc == proc) commandTable[j].flagsProc = fn;
}

uint64_t commandCallFlags(client *c, const command *cmd) {
    return cmd->flagsProc ? cmd->flagsProc(c, cmd->flags) : cmd->flags;
}

void processCommand(client *c) {
    c->lastCmdTime = server.unixtimeMs;
    c->cmd = NULL;
    command *top = lookupCommandByName(c->argv[0].ptr, c->argv[0].len);
    command *cmd = top;
    if (!top) {
        replyUnknownCommand(c);
        goto reject;
    }
    if (top->numSub && c->argc >= 2) {
        cmd = findSubcommand(top, c->argv[1]);
        if (!cmd) {
            c->cmd = top;
            addReplySubcommandSyntaxError(c);
            goto reject;
        }
    }
    c->cmd = cmd;
    c->lastcmd = cmd; /* CLIENT LIST and ACL LOG name it even if refused */
    if ((cmd->arity > 0 && c->argc != cmd->arity) || (c->argc < -cmd->arity) ||
        (cmd->proc == containerCommand && cmd->numSub)) {
        char err[160];
        snprintf(err, sizeof(err), "ERR wrong number of arguments for '%s' command", cmd->name);
        rejectCommand(c, err);
        cmd->rejectedCalls++;
        goto reject;
    }
    /* DEBUG is gated by enable-debug-command, checked here (before auth,
     * as Redis 7 does) so a refused DEBUG counts as rejected, not failed. */
    if ((cmd->flags & CMD_PROTECTED) && !configAllowsAction(server.enableDebugCmd, c)) {
        rejectCommand(c, "ERR DEBUG command not allowed. If the enable-debug-command option is "
                         "set to \"local\", you can run it from a local connection, otherwise "
                         "you need to set this option in the configuration file, and then "
                         "restart the server.");
        cmd->rejectedCalls++;
        goto reject;
    }
    if (accessAuthRequired(c) && !(cmd->flags & CMD_NO_AUTH)) {
        rejectCommand(c, ERR_NOAUTH);
        cmd->rejectedCalls++;
        goto reject;
    }
    if ((c->flags & CLIENT_MULTI) && (cmd->flags & CMD_NO_MULTI)) {
        rejectCommand(c, "ERR Command not allowed inside a transaction");
        cmd->rejectedCalls++;
        goto reject;
    }
    int deniedPos = 0;
    int denied = accessCheck(c, cmd, c->argv, c->argc, &deniedPos);
    if (denied != ACCESS_OK) {
        slice object = {(char *)cmd->name, strlen(cmd->name)};
        if (denied != ACCESS_DENIED_CMD) object = c->argv[deniedPos];
        accessLogDenial(c, denied, (c->flags & CLIENT_MULTI) ? ACCESS_CTX_MULTI : ACCESS_CTX_TOPLEVEL,
                        object, NULL);
        char err[200];
        rejectCommand(c, accessDeniedError(denied, cmd, err, sizeof(err)));
        cmd->rejectedCalls++;
        goto reject;
    }
    if (server.maxmemory && outOfMemoryFor(c, cmd)) {
        rejectCommand(c, ERR_OOM);
        cmd->rejectedCalls++;
        goto reject;
    }
    /* In RESP2 a subscribed connection carries pushed messages, so it may
     * only run the commands that manage subscriptions (and PING, QUIT,
     * RESET); RESP3 tells pushes apart from replies and allows everything. */
    if ((c->flags & CLIENT_PUBSUB) && c->resp == 2 && !(cmd->flags & CMD_SUBSCRIBED_OK)) {
        char err[200];
        snprintf(err, sizeof(err),
                 "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
                 "RESET are allowed in this context",
                 cmd->name);
        rejectCommand(c, err);
        cmd->rejectedCalls++;
        goto reject;
    }
    /* A script past busy-reply-threshold is serving events: only what may
     * run beside it (SCRIPT KILL, FUNCTION STATS, SHUTDOWN, ...) does. */
    if (server.busyReply && !(cmd->flags & CMD_ALLOW_BUSY)) {
        rejectCommand(c, server.busyReply);
        cmd->rejectedCalls++;
        goto reject;
    }
    /* A monitoring client is a replica to Redis: no keyspace access. */
    if ((c->flags & CLIENT_MONITOR) && touchesKeyspace(c, cmd)) {
        rejectCommand(c, "ERR Replica can't interact with the keyspace");
        cmd->rejectedCalls++;
        goto reject;
    }
    /* CLIENT PAUSE holds the command (unparsed) until the pause ends; the
     * input loop sees CLIENT_POSTPONED and rewinds to it. */
    if (pauseHolds(c, cmd)) {
        pausePostpone(c);
        return;
    }
    if ((c->flags & CLIENT_MULTI) && !(cmd->flags & CMD_MULTI_CONTROL))
        multiQueueCommand(c);
    else
        callCommand(c);
    /* Clients blocked on keys this command filled are served now that it
     * (a whole EXEC or script included) has finished. */
    blockingProcessReady();
    if (c->flags & CLIENT_REPLY_SKIP) c->flags &= ~CLIENT_REPLY_SKIP;
    if (c->flags & CLIENT_REPLY_SKIP_NEXT) {
        c->flags &= ~CLIENT_REPLY_SKIP_NEXT;
        c->flags |= CLIENT_REPLY_SKIP;
    }
    return;
reject:
    /* Inside MULTI a refused command makes EXEC fail with EXECABORT. */
    multiFlagTransaction(c);
    /* An error reply ends a CLIENT REPLY SKIP too. */
    if (c->flags & CLIENT_REPLY_SKIP) c->flags &= ~CLIENT_REPLY_SKIP;
}

int commandGetKeys(const command *cmd, slice *argv, int argc, int *out, int max) {
    keyResult res;
    keyResultInit(&res);
    int n = commandKeys(cmd, argv, argc, &res);
    if (n > max) n = max;
    for (int j = 0; j < n; j++) out[j] = res.keys[j].pos;
    keyResultFree(&res);
    return n;
}

/* ---- COMMAND introspection ---- */

static void addReplyFlags(client *c, const command *cmd) {
    void *h = addReplyDeferredLen(c);
    long long n = 0;
    for (int j = 0; j < CMD_NUM_FLAGS; j++) {
        if ((cmd->flags & (1ULL << j)) && flagNames[j]) {
            addReplyStatus(c, flagNames[j]);
            n++;
        }
    }
    setDeferredSetLen(c, h, n);
}

static void addReplyAcl(client *c, const command *cmd) {
    void *h = addReplyDeferredLen(c);
    long long n = 0;
    for (int j = 0; j < ACL_NUM_CATEGORIES; j++) {
        if (cmd->acl & (1ULL << j)) {
            char buf[32];
            snprintf(buf, sizeof(buf), "@%s", aclNames[j]);
            addReplyStatus(c, buf);
            n++;
        }
    }
    setDeferredSetLen(c, h, n);
}

static void addReplyCommandInfo(client *c, const command *cmd) {
    if (!cmd) {
        addReplyNull(c);
        return;
    }
    addReplyArrayLen(c, 10);
    addReplyBulkCStr(c, cmd->name);
    addReplyLongLong(c, cmd->arity);
    addReplyFlags(c, cmd);
    addReplyLongLong(c, cmd->firstKey);
    addReplyLongLong(c, cmd->lastKey);
    addReplyLongLong(c, cmd->keyStep);
    addReplyAcl(c, cmd);
    addReplySetLen(c, 0); /* tips */
    addReplyKeySpecs(c, cmd);
    /* Redis 7.0's shapes: an empty set without subcommands, else an array. */
    if (cmd->numSub)
        addReplyArrayLen(c, cmd->numSub);
    else
        addReplySetLen(c, 0);
    for (int j = 0; j < cmd->numSub; j++) addReplyCommandInfo(c, cmd->subcommands[j]);
}

static void addReplyCommandDocs(client *c, const command *cmd) {
    const syntaxArg *args = cmdArgsLookup(cmd->name);
    bool hasArgs = args && args->numArgs > 0;
    /* Redis omits the complexity of commands that document none (MONITOR). */
    bool hasComplexity = cmd->complexity && cmd->complexity[0];
    addReplyMapLen(c, 3 + hasComplexity + hasArgs + (cmd->numSub > 0));
    addReplyBulkCStr(c, "summary");
    addReplyBulkCStr(c, cmd->summary);
    addReplyBulkCStr(c, "since");
    addReplyBulkCStr(c, cmd->since);
    addReplyBulkCStr(c, "group");
    addReplyBulkCStr(c, cmd->group);
    if (hasComplexity) {
        addReplyBulkCStr(c, "complexity");
        addReplyBulkCStr(c, cmd->complexity);
    }
    if (hasArgs) {
        /* Redis omits the field for commands without arguments. */
        addReplyBulkCStr(c, "arguments");
        addReplyCommandArgs(c, args);
    }
    if (cmd->numSub) {
        addReplyBulkCStr(c, "subcommands");
        addReplyMapLen(c, cmd->numSub);
        for (int j = 0; j < cmd->numSub; j++) {
            addReplyBulkCStr(c, cmd->subcommands[j]->name);
            addReplyCommandDocs(c, cmd->subcommands[j]);
        }
    }
}

static command *lookupBySlice(slice s) {
    /* COMMAND INFO accepts "config|get" as well as top-level names. */
    const char *bar = memchr(s.ptr, '|', s.len);
    if (!bar) return lookupCommandByName(s.ptr, s.len);
    command *parent = lookupCommandByName(s.ptr, (size_t)(bar - s.ptr));
    if (!parent) return NULL;
    slice sub = {(char *)bar + 1, s.len - (size_t)(bar - s.ptr) - 1};
    return findSubcommand(parent, sub);
}

command *lookupCommandByFullName(slice s) { return lookupBySlice(s); }

void commandCommand(client *c) {
    addReplyArrayLen(c, numTopLevel);
    for (size_t j = 0; j < NUM_COMMANDS; j++)
        if (!commandTable[j].container) addReplyCommandInfo(c, &commandTable[j]);
}

void commandCountCommand(client *c) { addReplyLongLong(c, numTopLevel); }

void commandInfoCommand(client *c) {
    if (c->argc == 2) {
        commandCommand(c);
        return;
    }
    addReplyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) addReplyCommandInfo(c, lookupBySlice(c->argv[j]));
}

void commandDocsCommand(client *c) {
    if (c->argc == 2) {
        addReplyMapLen(c, numTopLevel);
        for (size_t j = 0; j < NUM_COMMANDS; j++) {
            const command *cmd = &commandTable[j];
            if (cmd->container) continue;
            addReplyBulkCStr(c, cmd->name);
            addReplyCommandDocs(c, cmd);
        }
        return;
    }
    void *h = addReplyDeferredLen(c);
    long long found = 0;
    for (int j = 2; j < c->argc; j++) {
        command *cmd = lookupBySlice(c->argv[j]);
        if (!cmd) continue;
        addReplyBulkCStr(c, cmd->name);
        addReplyCommandDocs(c, cmd);
        found++;
    }
    setDeferredMapLen(c, h, found);
}

void commandListCommand(client *c) {
    int mode = 0; /* 0 all, 1 pattern, 2 aclcat, 3 module */
    slice filter = {NULL, 0};
    if (c->argc == 5 && sliceIs(c->argv[2], "filterby")) {
        filter = c->argv[4];
        if (sliceIs(c->argv[3], "pattern"))
            mode = 1;
        else if (sliceIs(c->argv[3], "aclcat"))
            mode = 2;
        else if (sliceIs(c->argv[3], "module"))
            mode = 3;
        else {
            addReplyError(c, ERR_SYNTAX);
            return;
        }
    } else if (c->argc != 2) {
        addReplyError(c, ERR_SYNTAX);
        return;
    }
    uint64_t aclBit = 0;
    if (mode == 2) {
        for (int j = 0; j < ACL_NUM_CATEGORIES; j++)
            if (sliceIs(filter, aclNames[j])) aclBit = 1ULL << j;
    }
    void *h = addReplyDeferredLen(c);
    long long n = 0;
    for (size_t j = 0; j < NUM_COMMANDS; j++) {
        const command *cmd = &commandTable[j];
        if (mode == 3) break;
        if (mode == 1 && !globMatch(filter.ptr, filter.len, cmd->name, strlen(cmd->name), true))
            continue;
        if (mode == 2 && !(cmd->acl & aclBit)) continue;
        addReplyBulkCStr(c, cmd->name);
        n++;
    }
    setDeferredArrayLen(c, h, n);
}

/* COMMAND GETKEYS and GETKEYSANDFLAGS: the checks and error texts of
 * Redis 7.0, in its order (unknown command, no keys at all, arity, then
 * arguments whose keys cannot be found). */
static void getKeysReply(client *c, bool withFlags) {
    slice *argv = c->argv + 2;
    int argc = c->argc - 2;
    command *cmd = lookupCommand(argv, argc);
    if (!cmd) {
        addReplyError(c, "ERR Invalid command specified");
        return;
    }
    if (!commandHasKeys(cmd)) {
        addReplyError(c, "ERR The command has no key arguments");
        return;
    }
    if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
        addReplyError(c, "ERR Invalid number of arguments specified for command");
        return;
    }
    keyResult res;
    keyResultInit(&res);
    int n = commandKeys(cmd, argv, argc, &res);
    if (n == 0 && !(cmd->flags & CMD_NO_MANDATORY_KEYS)) {
        addReplyError(c, "ERR Invalid arguments specified for command");
    } else {
        addReplyArrayLen(c, n);
        for (int j = 0; j < n; j++) {
            if (withFlags) addReplyArrayLen(c, 2);
            addReplyBulkSlice(c, argv[res.keys[j].pos]);
            if (withFlags) addReplyKeyFlags(c, res.keys[j].flags);
        }
    }
    keyResultFree(&res);
}

void commandGetKeysCommand(client *c) { getKeysReply(c, false); }

void commandGetKeysAndFlagsCommand(client *c) { getKeysReply(c, true); }

void commandHelpCommand(client *c) {
    static const char *help[] = {
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
        NULL};
    addReplyHelp(c, help);
}
