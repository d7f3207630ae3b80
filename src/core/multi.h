/* SPDX-License-Identifier: BSD-3-Clause
 *
 * MULTI/EXEC/DISCARD/WATCH/UNWATCH.  signalModifiedKey (core/db.c) calls
 * touchWatchedKey so any change to a watched key, by anyone, aborts the
 * watcher's EXEC; dbEmpty and dbSwap call touchAllWatchedKeysInDb.
 *
 * The dispatcher (core/command.c) queues commands while CLIENT_MULTI is
 * set (multiQueueCommand) and reports refused commands through
 * multiFlagTransaction / execCommandAbort.  A client's transaction state
 * lives behind c->mstate, allocated on first use.
 */
#ifndef TERN_CORE_MULTI_H
#define TERN_CORE_MULTI_H

#include "server/server.h"

/* Marks clients watching 'key' ('len' bytes) in 'd' as dirty
 * (CLIENT_DIRTY_CAS).  Call after the change.  O(1) when nobody watches. */
void touchWatchedKey(db *d, const char *key, size_t len);
/* Before 'emptied' loses all its keys (FLUSHDB/FLUSHALL), or swaps its
 * contents with 'replacedWith' (SWAPDB; NULL for a flush): dirties every
 * client watching a key that exists in either, as Redis 7.0 does. */
void touchAllWatchedKeysInDb(db *emptied, db *replacedWith);

/* Copies the command in c->argv (its arguments point into the query
 * buffer, which is reused) to the transaction queue of 'c' and replies
 * QUEUED.  Nothing is stored once the transaction is already doomed. */
void multiQueueCommand(client *c);
/* Notes that a command was refused while 'c' is in MULTI, so EXEC will
 * fail with EXECABORT.  No-op outside MULTI. */
void multiFlagTransaction(client *c);
/* Replies "EXECABORT Transaction discarded because of: <err>" for an EXEC
 * the dispatcher refused ('err' is the refusal, with or without a leading
 * "ERR ") and discards the transaction. */
void execCommandAbort(client *c, const char *err);
/* The CMD_* flags of the commands 'c' has queued, OR-ed together (EXEC of
 * a transaction holding a denyoom command is refused when out of memory). */
int multiQueuedFlags(const client *c);
/* Ends MULTI and forgets queued commands and watched keys (DISCARD, EXEC,
 * RESET). */
void multiDiscard(client *c);
/* Releases MULTI/WATCH state when a client goes away. */
void multiClientFree(client *c);

#endif
