/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The argument syntax of the commands, from core/cmdargs.def.
 *
 * At startup every usage string is parsed into a syntaxArg tree (a few
 * hundred small allocations, kept until exit) and the entries are sorted
 * by full name, so a lookup is a binary search: COMMAND DOCS with no
 * names does one per command.  The trees are read-only afterwards.
 *
 * redis-cli builds its interactive hints from these trees (it renders
 * "[EX seconds|PX milliseconds|...]" itself) and asserts on their shape,
 * so the reply keeps Redis's types exactly: maps of bulk strings, the
 * flags as a set of status strings, key_spec_index as an integer.
 */
#include "core/cmdargs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/command.h"
#include "net/reply.h"

typedef struct cmdArgsEntry {
    const char *name;
    const char *usage;
    syntaxArg *root;
} cmdArgsEntry;

#define ARGS(name, usage) {name, usage, NULL},
static cmdArgsEntry cmdArgsTable[] = {
#include "core/cmdargs.def"
};
#undef ARGS

#define NUM_ENTRIES (sizeof(cmdArgsTable) / sizeof(cmdArgsTable[0]))

static int entryCompare(const void *a, const void *b) {
    return strcmp(((const cmdArgsEntry *)a)->name, ((const cmdArgsEntry *)b)->name);
}

/* Whether 'fullname' ("client|kill") names a command of the table. */
static bool isCommand(const char *fullname) {
    const char *bar = strchr(fullname, '|');
    slice argv[2] = {{(char *)fullname, bar ? (size_t)(bar - fullname) : strlen(fullname)},
                     {bar ? (char *)bar + 1 : NULL, bar ? strlen(bar + 1) : 0}};
    command *cmd = lookupCommand(argv, bar ? 2 : 1);
    return cmd && strcmp(cmd->name, fullname) == 0;
}

void cmdArgsInit(void) {
    char msg[512], err[200];
    for (size_t j = 0; j < NUM_ENTRIES; j++) {
        cmdArgsEntry *e = &cmdArgsTable[j];
        if (!isCommand(e->name)) {
            snprintf(msg, sizeof(msg), "cmdargs.def: '%s' is not a command", e->name);
            serverPanic(msg);
        }
        e->root = syntaxParse(e->usage, err, sizeof(err));
        if (!e->root) {
            snprintf(msg, sizeof(msg), "cmdargs.def: '%s': %s", e->name, err);
            serverPanic(msg);
        }
    }
    qsort(cmdArgsTable, NUM_ENTRIES, sizeof(cmdArgsEntry), entryCompare);
    for (size_t j = 1; j < NUM_ENTRIES; j++) {
        if (strcmp(cmdArgsTable[j - 1].name, cmdArgsTable[j].name) == 0) {
            snprintf(msg, sizeof(msg), "cmdargs.def: '%s' is listed twice", cmdArgsTable[j].name);
            serverPanic(msg);
        }
    }
}

const syntaxArg *cmdArgsLookup(const char *fullname) {
    cmdArgsEntry key = {fullname, NULL, NULL};
    const cmdArgsEntry *e =
        bsearch(&key, cmdArgsTable, NUM_ENTRIES, sizeof(cmdArgsEntry), entryCompare);
    return e ? e->root : NULL;
}

static void addReplyArg(client *c, const syntaxArg *a) {
    int flags = 0;
    for (unsigned f = a->flags; f; f &= f - 1) flags++;
    bool key = a->keySpecIndex >= 0;
    long long fields = 2 + key + !!a->token + !!a->since + !!a->deprecatedSince + !!flags +
                       (a->numArgs > 0);
    addReplyMapLen(c, fields);
    addReplyBulkCStr(c, "name");
    addReplyBulkCStr(c, a->name);
    addReplyBulkCStr(c, "type");
    addReplyBulkCStr(c, syntaxTypeName(a->type));
    if (key) {
        addReplyBulkCStr(c, "key_spec_index");
        addReplyLongLong(c, a->keySpecIndex);
    }
    if (a->token) {
        addReplyBulkCStr(c, "token");
        addReplyBulkCStr(c, a->token);
    }
    if (a->since) {
        addReplyBulkCStr(c, "since");
        addReplyBulkCStr(c, a->since);
    }
    if (a->deprecatedSince) {
        addReplyBulkCStr(c, "deprecated_since");
        addReplyBulkCStr(c, a->deprecatedSince);
    }
    if (flags) {
        addReplyBulkCStr(c, "flags");
        addReplySetLen(c, flags);
        if (a->flags & SYNTAX_OPTIONAL) addReplyStatus(c, "optional");
        if (a->flags & SYNTAX_MULTIPLE) addReplyStatus(c, "multiple");
        if (a->flags & SYNTAX_MULTIPLE_TOKEN) addReplyStatus(c, "multiple_token");
    }
    if (a->numArgs) {
        addReplyBulkCStr(c, "arguments");
        addReplyCommandArgs(c, a);
    }
}

void addReplyCommandArgs(client *c, const syntaxArg *root) {
    addReplyArrayLen(c, root->numArgs);
    for (int j = 0; j < root->numArgs; j++) addReplyArg(c, &root->args[j]);
}
