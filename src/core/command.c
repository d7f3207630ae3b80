/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Command dispatch and introspection, built from core/commands.def.
 *
 * processCommand is the single gate every command passes: it resolves the
 * name (and subcommand), checks arity and authentication, and only then
 * calls the handler through callCommand, which keeps the per-command
 * statistics.  Handlers can therefore assume a valid argument count.
 *
 * COMMAND, COMMAND INFO/DOCS/COUNT/LIST/GETKEYS read the same table, so
 * introspection cannot disagree with dispatch.
 */
#include "core/command.h"

#include <stdio.h>
#include <strings.h>

#include "core/args.h"
#include "core/blocking.h"
#include "core/errors.h"
#include "ds/glob.h"
#include "net/reply.h"

#define CMD(n, proc, arity, flags, fk, lk, ks, acl, group, since, summary, cx) \
    {n, NULL, NULL, proc, arity, flags, fk, lk, ks, acl, group, since, summary, cx, NULL, 0, 0, 0, 0, 0},
#define SUB(cont, n, proc, arity, flags, fk, lk, ks, acl, group, since, summary, cx) \
    {cont "|" n, cont, n, proc, arity, flags, fk, lk, ks, acl, group, since, summary, cx, NULL, 0, 0, 0, 0, 0},
static command commandTable[] = {
#include "core/commands.def"
};
#undef CMD
#undef SUB

#define NUM_COMMANDS (sizeof(commandTable) / sizeof(commandTable[0]))

static const char *flagNames[CMD_NUM_FLAGS] = {
    "write", "readonly", "denyoom", "admin", "pubsub", "noscript", "blocking", "loading",
    "stale", "skip_monitor", "skip_slowlog", "fast", "no_auth", "may_replicate", "sentinel",
    "no_mandatory_keys", "no_multi", "movablekeys", "allow_busy"};

static const char *aclNames[ACL_NUM_CATEGORIES] = {
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
    "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
    "dangerous", "connection", "transaction", "scripting"};

typedef struct cmdNode {
    struct cmdNode *next;
    command *cmd;
} cmdNode;

static const void *cmdNodeKey(const void *e, size_t *len) {
    const cmdNode *n = e;
    *len = strlen(n->cmd->name);
    return n->cmd->name;
}

static void cmdNodeFree(void *e) { tfree(e); }

static const htType commandHtType = {cmdNodeKey, cmdNodeFree};

const char *commandFullName(const command *cmd) { return cmd ? cmd->name : ""; }

void commandTableInit(void) {
    server.commands = htCreate(&commandHtType);
    for (size_t j = 0; j < NUM_COMMANDS; j++) {
        command *cmd = &commandTable[j];
        uint64_t f = cmd->flags;
        if (f & CMD_WRITE) cmd->acl |= ACL_WRITE;
        if (f & CMD_READONLY) cmd->acl |= ACL_READ;
        if (f & CMD_ADMIN) cmd->acl |= ACL_ADMIN | ACL_DANGEROUS;
        if (f & CMD_PUBSUB) cmd->acl |= ACL_PUBSUB;
        if (f & CMD_BLOCKING) cmd->acl |= ACL_BLOCKING;
        cmd->acl |= (f & CMD_FAST) ? ACL_FAST : ACL_SLOW;
        if (cmd->container) {
            command *parent = lookupCommandByName(cmd->container, strlen(cmd->container));
            serverAssert(parent != NULL);
            parent->subcommands =
                trealloc(parent->subcommands, sizeof(command *) * (size_t)(parent->numSub + 1));
            parent->subcommands[parent->numSub++] = cmd;
            continue;
        }
        cmdNode *n = tmalloc(sizeof(*n));
        n->cmd = cmd;
        htAddNew(server.commands, n);
    }
}

command *lookupCommandByName(const char *name, size_t len) {
    char lower[64];
    if (len >= sizeof(lower)) return NULL;
    for (size_t j = 0; j < len; j++) {
        char ch = name[j];
        lower[j] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
    }
    cmdNode *n = htFind(server.commands, lower, len);
    return n ? n->cmd : NULL;
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

/* Handler of container commands (CLIENT, CONFIG, ...): only reached when
 * no subcommand was given, which the arity check already refuses. */
void containerCommand(client *c) { addReplyErrorArity(c); }

void callCommand(client *c) {
    command *cmd = (command *)c->cmd;
    long long errs = server.stat.totalErrorReplies;
    long long start = ustime();
    c->flags |= CLIENT_EXECUTING;
    cmd->proc(c);
    c->flags &= ~CLIENT_EXECUTING;
    long long dur = ustime() - start;
    cmd->calls++;
    cmd->usec += dur;
    if (server.stat.totalErrorReplies != errs) cmd->failedCalls++;
    server.stat.numCommands++;
    c->lastcmd = cmd;
}

void processCommand(client *c) {
    updateCachedTime();
    c->lastCmdTime = server.unixtimeMs;
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
    if ((cmd->arity > 0 && c->argc != cmd->arity) || (c->argc < -cmd->arity) ||
        (!cmd->proc && cmd->numSub)) {
        addReplyErrorArity(c);
        cmd->rejectedCalls++;
        goto reject;
    }
    if (!(c->flags & CLIENT_AUTHENTICATED) && !(cmd->flags & CMD_NO_AUTH)) {
        addReplyError(c, ERR_NOAUTH);
        cmd->rejectedCalls++;
        goto reject;
    }
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
    /* An error reply ends a CLIENT REPLY SKIP too. */
    if (c->flags & CLIENT_REPLY_SKIP) c->flags &= ~CLIENT_REPLY_SKIP;
}

int commandGetKeys(const command *cmd, slice *argv, int argc, int *out, int max) {
    if (cmd->firstKey <= 0) return 0;
    int last = cmd->lastKey < 0 ? argc + cmd->lastKey : cmd->lastKey;
    if (last >= argc) last = argc - 1;
    int n = 0;
    for (int j = cmd->firstKey; j <= last && n < max; j += cmd->keyStep) out[n++] = j;
    return n;
}

/* ---- COMMAND introspection ---- */

static void addReplyFlags(client *c, const command *cmd) {
    void *h = addReplyDeferredLen(c);
    long long n = 0;
    for (int j = 0; j < CMD_NUM_FLAGS; j++) {
        if (cmd->flags & (1ULL << j)) {
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

static void addReplyKeySpecs(client *c, const command *cmd) {
    if (cmd->firstKey <= 0) {
        addReplyArrayLen(c, 0);
        return;
    }
    addReplyArrayLen(c, 1);
    addReplyMapLen(c, 3);
    addReplyBulkCStr(c, "flags");
    addReplySetLen(c, 1);
    addReplyStatus(c, (cmd->flags & CMD_WRITE) ? "RW" : "RO");
    addReplyBulkCStr(c, "begin_search");
    addReplyMapLen(c, 2);
    addReplyBulkCStr(c, "type");
    addReplyBulkCStr(c, "index");
    addReplyBulkCStr(c, "spec");
    addReplyMapLen(c, 1);
    addReplyBulkCStr(c, "index");
    addReplyLongLong(c, cmd->firstKey);
    addReplyBulkCStr(c, "find_keys");
    addReplyMapLen(c, 2);
    addReplyBulkCStr(c, "type");
    addReplyBulkCStr(c, "range");
    addReplyBulkCStr(c, "spec");
    addReplyMapLen(c, 3);
    addReplyBulkCStr(c, "lastkey");
    addReplyLongLong(c, cmd->lastKey < 0 ? cmd->lastKey : cmd->lastKey - cmd->firstKey);
    addReplyBulkCStr(c, "keystep");
    addReplyLongLong(c, cmd->keyStep);
    addReplyBulkCStr(c, "limit");
    addReplyLongLong(c, 0);
}

static void addReplyCommandInfo(client *c, const command *cmd) {
    if (!cmd) {
        addReplyNullArray(c);
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
    addReplyArrayLen(c, 0); /* tips */
    addReplyKeySpecs(c, cmd);
    addReplyArrayLen(c, cmd->numSub);
    for (int j = 0; j < cmd->numSub; j++) addReplyCommandInfo(c, cmd->subcommands[j]);
}

static void addReplyCommandDocs(client *c, const command *cmd) {
    addReplyMapLen(c, cmd->numSub ? 5 : 4);
    addReplyBulkCStr(c, "summary");
    addReplyBulkCStr(c, cmd->summary);
    addReplyBulkCStr(c, "since");
    addReplyBulkCStr(c, cmd->since);
    addReplyBulkCStr(c, "group");
    addReplyBulkCStr(c, cmd->group);
    addReplyBulkCStr(c, "complexity");
    addReplyBulkCStr(c, cmd->complexity);
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

void commandCommand(client *c) {
    addReplyArrayLen(c, (long long)htSize(server.commands));
    htIterator it;
    htIterInit(&it, server.commands, false);
    cmdNode *n;
    while ((n = htNext(&it))) addReplyCommandInfo(c, n->cmd);
    htIterRelease(&it);
}

void commandCountCommand(client *c) { addReplyLongLong(c, (long long)htSize(server.commands)); }

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
        addReplyMapLen(c, (long long)htSize(server.commands));
        htIterator it;
        htIterInit(&it, server.commands, false);
        cmdNode *n;
        while ((n = htNext(&it))) {
            addReplyBulkCStr(c, n->cmd->name);
            addReplyCommandDocs(c, n->cmd);
        }
        htIterRelease(&it);
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

void commandGetKeysCommand(client *c) {
    slice *argv = c->argv + 2;
    int argc = c->argc - 2;
    command *cmd = lookupCommand(argv, argc);
    if (!cmd) {
        addReplyError(c, "ERR Invalid command specified");
        return;
    }
    if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
        addReplyError(c, "ERR Invalid number of arguments specified for command");
        return;
    }
    int keys[256];
    int n = commandGetKeys(cmd, argv, argc, keys, 256);
    if (n <= 0) {
        addReplyError(c, "ERR The command has no key arguments");
        return;
    }
    addReplyArrayLen(c, n);
    for (int j = 0; j < n; j++) addReplyBulkSlice(c, argv[keys[j]]);
}

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
