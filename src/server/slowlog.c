/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The slow log and the SLOWLOG command (GET [count] | LEN | RESET | HELP).
 *
 * Entries form a doubly linked list, newest at the head; a push trims the
 * tail down to slowlog-max-len (lowering the setting takes effect at the
 * next push, as in Redis).  Each entry is one allocation:
 *
 *   +-----------------------------+----------------+--------------------+
 *   | links id time duration argc | slice argv[n]  | argument bytes,    |
 *   | peer/name offsets           |                | peer, client name  |
 *   +-----------------------------+----------------+--------------------+
 *
 * The arguments are Redis 7.0's truncation of the command: at most 32 (the
 * last one replaced by "... (N more arguments)" when there were more), each
 * at most 128 bytes (then "... (N more bytes)" is appended).  Secrets are
 * already gone: AUTH, HELLO's AUTH and CONFIG SET requirepass replace them
 * with "(redacted)" in the argument vector before the call ends
 * (commandRedactArg).
 *
 * A command that blocks (BLPOP, XREAD BLOCK, ...) is logged when it is
 * served, with the time of its first run plus the time it took to serve
 * it, never the time it waited; its arguments are copied when it blocks,
 * because the query buffer they point into moves on.
 *
 * Pushing is O(argc) for the copy; GET n is O(n); RESET is O(entries).
 */
#include "server/slowlog.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/args.h"
#include "core/command.h"
#include "net/reply.h"

typedef struct slowlogEntry {
    struct slowlogEntry *prev, *next;
    long long id, time, duration;
    int argc;
    size_t peerOff, peerLen, nameOff, nameLen; /* into the entry's bytes */
    slice argv[];
} slowlogEntry;

/* What a blocked command needs to be charged once it is served. */
typedef struct blockedCall {
    long long duration;  /* of the first run, in microseconds */
    slowlogEntry *entry; /* arguments copied at block time, not yet linked */
} blockedCall;

static slowlogEntry *newest, *oldest;
static long long entries;
static long long nextId;

/* Bytes one argument takes in an entry, and its text. */
static size_t argCopy(slice a, char *out) {
    if (a.len <= SLOWLOG_ENTRY_MAX_STRING) {
        if (out) memcpy(out, a.ptr, a.len);
        return a.len;
    }
    char suffix[64];
    int n = snprintf(suffix, sizeof(suffix), "... (%zu more bytes)", a.len - SLOWLOG_ENTRY_MAX_STRING);
    if (out) {
        memcpy(out, a.ptr, SLOWLOG_ENTRY_MAX_STRING);
        memcpy(out + SLOWLOG_ENTRY_MAX_STRING, suffix, (size_t)n);
    }
    return SLOWLOG_ENTRY_MAX_STRING + (size_t)n;
}

/* The peer Redis prints for 'c': its address, "?:0" for clients without a
 * socket (scripts). */
static const char *peerOf(const client *c) { return c->addr[0] ? c->addr : "?:0"; }

/* A new unlinked entry holding the truncated arguments, peer and name. */
static slowlogEntry *entryCreate(const client *c, const slice *argv, int argc) {
    int kept = argc > SLOWLOG_ENTRY_MAX_ARGC ? SLOWLOG_ENTRY_MAX_ARGC : argc;
    bool cut = kept != argc;
    char more[64];
    int moreLen = 0;
    if (cut) moreLen = snprintf(more, sizeof(more), "... (%d more arguments)", argc - kept + 1);
    const char *peer = peerOf(c);
    size_t peerLen = strlen(peer);
    size_t nameLen = c->name ? c->name->len : 0;
    size_t bytes = peerLen + nameLen;
    for (int j = 0; j < kept; j++) bytes += (cut && j == kept - 1) ? (size_t)moreLen : argCopy(argv[j], NULL);
    size_t hdr = sizeof(slowlogEntry) + sizeof(slice) * (size_t)kept;
    slowlogEntry *e = tmalloc(hdr + bytes);
    char *p = (char *)e + hdr;
    e->prev = e->next = NULL;
    e->argc = kept;
    for (int j = 0; j < kept; j++) {
        size_t n;
        if (cut && j == kept - 1) {
            memcpy(p, more, (size_t)moreLen);
            n = (size_t)moreLen;
        } else {
            n = argCopy(argv[j], p);
        }
        e->argv[j].ptr = p;
        e->argv[j].len = n;
        p += n;
    }
    e->peerOff = (size_t)(p - (char *)e);
    e->peerLen = peerLen;
    memcpy(p, peer, peerLen);
    p += peerLen;
    e->nameOff = (size_t)(p - (char *)e);
    e->nameLen = nameLen;
    if (nameLen) memcpy(p, c->name->buf, nameLen);
    return e;
}

static void unlinkEntry(slowlogEntry *e) {
    if (e->prev)
        e->prev->next = e->next;
    else
        newest = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        oldest = e->prev;
    entries--;
}

/* Links 'e' at the newest (or frees it when it is not slow enough) and
 * trims the oldest entries past slowlog-max-len. */
static void entryCommit(slowlogEntry *e, long long durationUs) {
    if (server.slowlogLogSlowerThan < 0 || durationUs < server.slowlogLogSlowerThan) {
        tfree(e);
    } else {
        e->id = nextId++;
        e->time = ustime() / 1000000;
        e->duration = durationUs;
        e->prev = NULL;
        e->next = newest;
        if (newest)
            newest->prev = e;
        else
            oldest = e;
        newest = e;
        entries++;
    }
    while (entries > server.slowlogMaxLen && oldest) {
        slowlogEntry *old = oldest;
        unlinkEntry(old);
        tfree(old);
    }
}

void slowlogPush(client *c, const slice *argv, int argc, long long durationUs) {
    if (server.slowlogLogSlowerThan < 0) return;
    if (durationUs < server.slowlogLogSlowerThan) {
        /* Redis trims on every call that reaches the log, slow or not. */
        entryCommit(NULL, -1);
        return;
    }
    entryCommit(entryCreate(c, argv, argc), durationUs);
}

void slowlogBlockedBegin(client *c, long long durationUs) {
    slowlogBlockedDiscard(c);
    blockedCall *bc = tmalloc(sizeof(*bc));
    bc->duration = durationUs;
    bc->entry = NULL;
    if (server.slowlogLogSlowerThan >= 0 && !(c->cmd->flags & CMD_SKIP_SLOWLOG))
        bc->entry = entryCreate(c, c->argv, c->argc);
    c->blockedCall = bc;
}

void slowlogBlockedEnd(client *c, long long replyUs, bool hadErrors) {
    blockedCall *bc = c->blockedCall;
    if (!bc) return;
    c->blockedCall = NULL;
    long long total = bc->duration + replyUs;
    command *cmd = (command *)c->lastcmd;
    if (cmd) {
        cmd->usec += total;
        if (hadErrors) cmd->failedCalls++;
    }
    if (bc->entry) entryCommit(bc->entry, total);
    tfree(bc);
}

void slowlogBlockedDiscard(client *c) {
    blockedCall *bc = c->blockedCall;
    if (!bc) return;
    c->blockedCall = NULL;
    tfree(bc->entry);
    tfree(bc);
}

void slowlogReset(void) {
    while (oldest) {
        slowlogEntry *e = oldest;
        unlinkEntry(e);
        tfree(e);
    }
}

/* ---- SLOWLOG ---- */

/* SLOWLOG GET [count]: the newest 'count' entries (10 by default, -1 for
 * all), each [id, unix time, microseconds, [args...], peer, client name].
 * Redis accepts only GET and GET count; more words are a syntax error. */
void slowlogGetCommand(client *c) {
    long long count = 10;
    if (c->argc > 3) {
        addReplySubcommandArityError(c);
        return;
    }
    if (c->argc == 3 &&
        getRangeLongOrReply(c, c->argv[2], -1, LLONG_MAX, &count,
                            "ERR count should be greater than or equal to -1") == C_ERR)
        return;
    if (count == -1 || count > entries) count = entries;
    addReplyArrayLen(c, count);
    slowlogEntry *e = newest;
    for (long long n = 0; n < count; n++, e = e->next) {
        addReplyArrayLen(c, 6);
        addReplyLongLong(c, e->id);
        addReplyLongLong(c, e->time);
        addReplyLongLong(c, e->duration);
        addReplyArrayLen(c, e->argc);
        for (int j = 0; j < e->argc; j++) addReplyBulkSlice(c, e->argv[j]);
        addReplyBulk(c, (char *)e + e->peerOff, e->peerLen);
        addReplyBulk(c, (char *)e + e->nameOff, e->nameLen);
    }
}

/* SLOWLOG LEN: the number of entries kept. */
void slowlogLenCommand(client *c) { addReplyLongLong(c, entries); }

/* SLOWLOG RESET: drops every entry (ids keep growing). */
void slowlogResetCommand(client *c) {
    slowlogReset();
    addReplyOK(c);
}

/* SLOWLOG HELP. */
void slowlogHelpCommand(client *c) {
    static const char *help[] = {
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        NULL};
    addReplyHelp(c, help);
}
