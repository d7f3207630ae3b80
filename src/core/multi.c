/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Transactions: MULTI queues commands, EXEC runs them back to back (no
 * other client's command runs in between, since all commands execute on
 * the one main thread and EXEC does not return to the event loop), WATCH
 * makes EXEC fail when a watched key changed.
 *
 * Queued commands: c->argv points into the query buffer, which is reused
 * for the next command, so queueing copies the arguments into one
 * allocation per command (slices first, then the bytes).  A queueing
 * error (unknown command, wrong arity, ...) sets CLIENT_DIRTY_EXEC and EXEC
 * answers EXECABORT; errors while EXEC runs are just replies in its array
 * (nothing is rolled back, as in Redis).
 *
 * Watched keys: per db id, a table of the keys someone watches, each with
 * a doubly linked list of watchers (one node per client and key); the
 * client's state keeps its own nodes for UNWATCH.
 *
 *   watchTables[dbid]: key -> watchedKey { watchers } <-> watcher { c } <-> watcher { c' }
 *
 * touchWatchedKey (called after every change through signalModifiedKey)
 * costs one counter test while nobody watches anything.  Tables are kept
 * by db id, not with the db contents, so SWAPDB leaves watchers where they
 * were (as Redis does) and touchAllWatchedKeysInDb decides who is dirty.
 *
 * Expiry follows Redis 7.0: a key that was already logically expired when
 * WATCHed counts as absent (its later removal is no change), while a key
 * that expires after WATCH makes EXEC fail even if nobody removed it yet.
 */
#include "core/multi.h"

#include <string.h>

#include "core/access.h"
#include "core/client.h"
#include "core/command.h"
#include "core/db.h"
#include "core/errors.h"
#include "core/propagate.h"
#include "net/reply.h"

typedef struct queuedCommand {
    const command *cmd;
    int argc;
    slice *argv; /* one allocation: argc slices, then the argument bytes */
} queuedCommand;

typedef struct watchedKey watchedKey;

/* One client watching one key. */
typedef struct watcher {
    struct watcher *prev, *next; /* the key's other watchers */
    watchedKey *wk;
    client *c;
    bool expired; /* the key was already logically expired at WATCH time */
} watcher;

/* A key somebody watches, in its db's watch table. */
struct watchedKey {
    watchedKey *next; /* hashtable chain */
    watcher *watchers;
    int dbid;
    size_t len;
    char key[];
};

typedef struct multiState {
    queuedCommand *cmds;
    int count, cap;
    size_t mem;   /* bytes held by the queue (CLIENT LIST multi-mem) */
    int cmdFlags; /* CMD_* flags of the queued commands, OR-ed */
    watcher **watching; /* this client's watchers */
    int nwatch, watchCap;
} multiState;

static hashtable **watchTables; /* by db id; each created on first WATCH there */
static size_t watchedKeys;      /* keys in all tables */

static const void *watchedKeyKey(const void *e, size_t *len) {
    const watchedKey *wk = e;
    *len = wk->len;
    return wk->key;
}

static void watchedKeyFree(void *e) { tfree(e); }

static const htType watchedKeyType = {watchedKeyKey, watchedKeyFree};

static multiState *stateOf(client *c) {
    if (!c->mstate) c->mstate = tcalloc(sizeof(multiState));
    return c->mstate;
}

/* ---- watching ---- */

static void watchKey(client *c, slice key) {
    int dbid = c->db->id;
    if (!watchTables) watchTables = tcalloc(sizeof(hashtable *) * (size_t)server.dbnum);
    if (!watchTables[dbid]) watchTables[dbid] = htCreate(&watchedKeyType);
    watchedKey *wk = htFind(watchTables[dbid], key.ptr, key.len);
    if (wk) {
        for (watcher *w = wk->watchers; w; w = w->next)
            if (w->c == c) return; /* already watching it */
    } else {
        wk = tmalloc(sizeof(*wk) + key.len);
        wk->next = NULL;
        wk->watchers = NULL;
        wk->dbid = dbid;
        wk->len = key.len;
        memcpy(wk->key, key.ptr, key.len);
        htAddNew(watchTables[dbid], wk);
        watchedKeys++;
    }
    watcher *w = tmalloc(sizeof(*w));
    w->wk = wk;
    w->c = c;
    w->prev = NULL;
    w->next = wk->watchers;
    if (wk->watchers) wk->watchers->prev = w;
    wk->watchers = w;
    kvobj *kv = dbFind(c->db, key.ptr, key.len);
    w->expired = kv && kvIsExpired(kv);
    multiState *ms = stateOf(c);
    if (ms->nwatch == ms->watchCap) {
        ms->watchCap = ms->watchCap ? ms->watchCap * 2 : 8;
        ms->watching = trealloc(ms->watching, sizeof(watcher *) * (size_t)ms->watchCap);
    }
    ms->watching[ms->nwatch++] = w;
}

static void unwatchAll(client *c) {
    multiState *ms = c->mstate;
    if (!ms) return;
    for (int j = 0; j < ms->nwatch; j++) {
        watcher *w = ms->watching[j];
        watchedKey *wk = w->wk;
        if (w->prev)
            w->prev->next = w->next;
        else
            wk->watchers = w->next;
        if (w->next) w->next->prev = w->prev;
        if (!wk->watchers) {
            htDelete(watchTables[wk->dbid], wk->key, wk->len);
            watchedKeys--;
        }
        tfree(w);
    }
    ms->nwatch = 0;
}

void touchWatchedKey(db *d, const char *key, size_t len) {
    if (watchedKeys == 0 || !watchTables[d->id]) return;
    watchedKey *wk = htFind(watchTables[d->id], key, len);
    if (!wk) return;
    for (watcher *w = wk->watchers; w; w = w->next) {
        if (w->expired) {
            /* Removing a key that was already expired at WATCH time
             * changes nothing logically; from now on it is just absent. */
            if (!dbFind(d, key, len)) {
                w->expired = false;
                continue;
            }
        }
        w->c->flags |= CLIENT_DIRTY_CAS;
    }
}

void touchAllWatchedKeysInDb(db *emptied, db *replacedWith) {
    if (watchedKeys == 0 || !watchTables[emptied->id]) return;
    htIterator it;
    htIterInit(&it, watchTables[emptied->id], false);
    watchedKey *wk;
    while ((wk = htNext(&it))) {
        bool inEmptied = dbFind(emptied, wk->key, wk->len) != NULL;
        kvobj *incoming = replacedWith ? dbFind(replacedWith, wk->key, wk->len) : NULL;
        if (!inEmptied && !incoming) continue;
        for (watcher *w = wk->watchers; w; w = w->next) {
            if (w->expired) {
                if (!incoming) {
                    w->expired = false; /* an expired key went away: no change */
                    continue;
                }
                if (kvIsExpired(incoming)) continue; /* expired stays expired */
            } else if (!inEmptied && kvIsExpired(incoming)) {
                w->expired = true; /* absent becomes expired: still absent */
                continue;
            }
            w->c->flags |= CLIENT_DIRTY_CAS;
        }
    }
    htIterRelease(&it);
}

/* True when a key that was live at WATCH time has expired since, even if
 * nothing has removed it yet. */
static bool watchedKeyExpired(client *c) {
    multiState *ms = c->mstate;
    if (!ms) return false;
    for (int j = 0; j < ms->nwatch; j++) {
        watcher *w = ms->watching[j];
        if (w->expired) continue;
        kvobj *kv = dbFind(dbGet(w->wk->dbid), w->wk->key, w->wk->len);
        if (kv && kvIsExpired(kv)) return true;
    }
    return false;
}

/* ---- the queue ---- */

static void freeQueue(queuedCommand *cmds, int count) {
    for (int j = 0; j < count; j++) tfree(cmds[j].argv);
    tfree(cmds);
}

void multiQueueCommand(client *c) {
    /* A doomed transaction stores nothing: clients that pipeline blindly
     * would otherwise pile up memory for commands that never run. */
    if (!(c->flags & (CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC))) {
        multiState *ms = stateOf(c);
        if (ms->count == ms->cap) {
            ms->cap = ms->cap ? ms->cap * 2 : 8;
            ms->cmds = trealloc(ms->cmds, sizeof(queuedCommand) * (size_t)ms->cap);
        }
        size_t bytes = 0;
        for (int j = 0; j < c->argc; j++) bytes += c->argv[j].len;
        slice *argv = tmalloc(sizeof(slice) * (size_t)c->argc + bytes);
        char *p = (char *)(argv + c->argc);
        for (int j = 0; j < c->argc; j++) {
            memcpy(p, c->argv[j].ptr, c->argv[j].len);
            argv[j].ptr = p;
            argv[j].len = c->argv[j].len;
            p += c->argv[j].len;
        }
        ms->mem += sizeof(slice) * (size_t)c->argc + bytes + sizeof(queuedCommand);
        ms->cmdFlags |= commandCallFlags(c, c->cmd);
        ms->cmds[ms->count].cmd = c->cmd;
        ms->cmds[ms->count].argc = c->argc;
        ms->cmds[ms->count].argv = argv;
        ms->count++;
    }
    addReplyProto(c, "+QUEUED\r\n", 9);
}

long long multiQueuedCount(const client *c) {
    return c->mstate ? c->mstate->count : 0;
}

size_t multiQueuedMemory(const client *c) {
    return c->mstate ? c->mstate->mem : 0;
}

int multiQueuedFlags(const client *c) {
    return c->mstate ? c->mstate->cmdFlags : 0;
}

void multiFlagTransaction(client *c) {
    if (c->flags & CLIENT_MULTI) c->flags |= CLIENT_DIRTY_EXEC;
}

void multiDiscard(client *c) {
    multiState *ms = c->mstate;
    if (ms) {
        freeQueue(ms->cmds, ms->count);
        ms->cmds = NULL;
        ms->count = ms->cap = 0;
        ms->mem = 0;
        ms->cmdFlags = 0;
        unwatchAll(c);
    }
    c->flags &= ~(CLIENT_MULTI | CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC);
}

void multiClientFree(client *c) {
    if (!c->mstate) return;
    multiDiscard(c);
    tfree(c->mstate->watching);
    tfree(c->mstate);
    c->mstate = NULL;
}

void execCommandAbort(client *c, const char *err) {
    multiDiscard(c);
    if (strncmp(err, "ERR ", 4) == 0) err += 4;
    addReplyErrorFormat(c, "EXECABORT Transaction discarded because of: %s", err);
}

/* ---- commands ---- */

void multiCommand(client *c) {
    if (c->flags & CLIENT_MULTI) {
        addReplyError(c, "ERR MULTI calls can not be nested");
        return;
    }
    c->flags |= CLIENT_MULTI;
    addReplyOK(c);
}

void discardCommand(client *c) {
    if (!(c->flags & CLIENT_MULTI)) {
        addReplyError(c, "ERR DISCARD without MULTI");
        return;
    }
    multiDiscard(c);
    addReplyOK(c);
}

void execCommand(client *c) {
    if (!(c->flags & CLIENT_MULTI)) {
        addReplyError(c, "ERR EXEC without MULTI");
        return;
    }
    if (watchedKeyExpired(c)) c->flags |= CLIENT_DIRTY_CAS;
    if (c->flags & (CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC)) {
        if (c->flags & CLIENT_DIRTY_EXEC)
            addReplyError(c, ERR_EXECABORT);
        else
            addReplyNullArray(c);
        multiDiscard(c);
        return;
    }
    /* Stop watching first (our own writes must not dirty us, and watching
     * is pointless now), and take the queue out of the state so nothing
     * the commands do can reach it. */
    unwatchAll(c);
    multiState *ms = c->mstate;
    queuedCommand *cmds = ms ? ms->cmds : NULL;
    int count = ms ? ms->count : 0;
    if (ms) {
        ms->cmds = NULL;
        ms->count = ms->cap = 0;
        ms->mem = 0;
        ms->cmdFlags = 0;
    }
    /* Each queued command owes exactly one reply to the array below, so
     * blocking commands must answer at once instead of blocking. */
    bool denyWas = (c->flags & CLIENT_DENY_BLOCKING) != 0;
    c->flags |= CLIENT_DENY_BLOCKING;
    slice *argv = c->argv;
    int argc = c->argc;
    const command *cmd = c->cmd;
    addReplyArrayLen(c, count);
    for (int j = 0; j < count; j++) {
        c->argv = cmds[j].argv;
        c->argc = cmds[j].argc;
        c->cmd = cmds[j].cmd;
        /* Permissions may have changed since the command was queued. */
        int deniedPos = 0;
        int denied = accessCheck(c, c->cmd, c->argv, c->argc, &deniedPos);
        if (denied != ACCESS_OK) {
            slice object = {(char *)c->cmd->name, strlen(c->cmd->name)};
            if (denied != ACCESS_DENIED_CMD) object = c->argv[deniedPos];
            accessLogDenial(c, denied, ACCESS_CTX_MULTI, object, NULL);
            addReplyErrorFormat(c,
                                "NOPERM ACLs rules changed between the moment the transaction "
                                "was accumulated and the EXEC call. This command is no longer "
                                "allowed for the following reason: %s",
                                accessExecDeniedReason(denied));
            continue;
        }
        callCommand(c);
    }
    c->argv = argv;
    c->argc = argc;
    c->cmd = cmd;
    if (!denyWas) c->flags &= ~CLIENT_DENY_BLOCKING;
    freeQueue(cmds, count);
    multiDiscard(c);
    /* The queued commands propagated themselves; with more than one they
     * reach the stream wrapped in MULTI ... EXEC (core/propagate.c). */
    propagateSuppress(c);
}

void watchCommand(client *c) {
    if (c->flags & CLIENT_MULTI) {
        addReplyError(c, "ERR WATCH inside MULTI is not allowed");
        return;
    }
    /* Already doomed: watching more keys cannot change the outcome. */
    if (!(c->flags & CLIENT_DIRTY_CAS))
        for (int j = 1; j < c->argc; j++) watchKey(c, c->argv[j]);
    addReplyOK(c);
}

void unwatchCommand(client *c) {
    unwatchAll(c);
    c->flags &= ~CLIENT_DIRTY_CAS;
    addReplyOK(c);
}
