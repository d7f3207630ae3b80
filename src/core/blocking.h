/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Blocking commands (BLPOP, BZPOPMIN, ...): clients parked on keys until
 * data arrives or a timeout passes.  dbAdd calls signalKeyAsReady for every
 * new list or sorted set (as Redis 7.0 does, only creation wakes waiters),
 * and SWAPDB calls blockingSignalDb; the ready keys are served once the
 * current top-level command (or whole EXEC / script) has finished, before
 * the loop sleeps.
 *
 * A command that finds nothing to serve calls blockForKeys with a blockOps
 * describing how to serve it later (its 'serve' callback runs the same
 * code as the immediate path) and private arguments it copied out of argv.
 * Waiting clients are indexed per (db, key) in arrival order and served
 * first come, first served.
 *
 * Adding a blocking command (BZPOPMIN, XREAD BLOCK, ...):
 *   1. parse the timeout first (getTimeoutOrReply) and the other options;
 *   2. serve at once if a key has data (same code as the non-blocking
 *      form), replying WRONGTYPE for a key of another type;
 *   3. inside EXEC or a script (CLIENT_DENY_BLOCKING) reply as a timeout;
 *   4. otherwise blockForKeys(c, &myOps, keys, n, deadline, priv) with a
 *      static blockOps whose 'serve' replays step 2 for one key; a value
 *      type other than list/zset/stream also signals from dbAdd (or its
 *      writers).
 * types/list.c (listServe, listBlockOps) is the worked example.
 */
#ifndef TERN_CORE_BLOCKING_H
#define TERN_CORE_BLOCKING_H

#include "server/server.h"

/* How one kind of blocking command is served.  The same table is shared by
 * every client blocked in that command. */
typedef struct blockOps {
    /* Value type that can serve these clients (OBJ_LIST, OBJ_ZSET, ...):
     * keys of another type are skipped, the client keeps waiting. */
    int type;
    /* Serves client 'c' from 'kv', the value at 'key' in c->db (of 'type',
     * never empty).  Replies to 'c' (a result or an error) and returns true
     * when 'c' stops waiting; false keeps it blocked.  'priv' is the
     * argument given to blockForKeys. */
    bool (*serve)(client *c, kvobj *kv, slice key, void *priv);
    /* Replies when the wait times out (or CLIENT UNBLOCK ... TIMEOUT).  NULL
     * replies a null array (RESP2 "*-1", RESP3 "_"), as Redis does for
     * every list, zset and stream command. */
    void (*timeout)(client *c, void *priv);
    /* Called instead of 'serve' when 'key' was signalled but is gone or
     * holds another type (NULL: keep waiting).  Returns true when 'c'
     * stops waiting (it replied).  XREADGROUP uses it: its wait ends when
     * the stream is deleted, as in Redis 7.0. */
    bool (*keyGone)(client *c, slice key, void *priv);
} blockOps;

/* Notes that 'key' in 'd' may now satisfy blocked clients.  Cheap when no
 * client waits on it. */
void signalKeyAsReady(db *d, const char *key, size_t len);
/* Marks every key of 'd' that clients wait on and that exists as ready
 * (after SWAPDB, FLUSHALL-then-restore, ...). */
void blockingSignalDb(db *d);
/* Serves clients blocked on keys that became ready; times out expired
 * waits; resumes the input of clients that were unblocked (only when no
 * command is running).  Called before the event loop sleeps and after each
 * top-level command. */
void blockingProcessReady(void);
/* Queues 'c' so its pending input runs from the next blockingProcessReady
 * outside any command (a client whose CLIENT PAUSE hold ended). */
void blockingResumeLater(client *c);
/* Releases blocking state when a client goes away. */
void blockingClientFree(client *c);

/* Parks 'c' on 'keys' (copied; duplicates count once) in c->db until one
 * of them can serve it or 'deadline' (unix ms, 0 = never) passes.  'priv'
 * (heap-allocated, or NULL) is handed to the callbacks and freed with tfree
 * when the wait ends.  The command must not reply; its reply comes from
 * 'ops' later.  The client reads no further commands until then. */
void blockForKeys(client *c, const blockOps *ops, const slice *keys, int nkeys,
                  long long deadline, void *priv);
/* Clients currently blocked (INFO blocked_clients). */
size_t blockedClientCount(void);
/* Blocked clients that have a deadline (INFO clients_in_timeout_table). */
size_t blockedClientWithDeadlineCount(void);

#endif
