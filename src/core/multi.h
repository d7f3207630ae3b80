/* SPDX-License-Identifier: BSD-3-Clause
 *
 * MULTI/EXEC/WATCH.  signalModifiedKey (core/db.c) calls touchWatchedKey
 * so any change to a watched key, by anyone, aborts the watcher's EXEC.
 */
#ifndef TERN_CORE_MULTI_H
#define TERN_CORE_MULTI_H

#include "server/server.h"

/* Marks clients watching 'key' in 'd' as dirty. */
void touchWatchedKey(db *d, const char *key, size_t len);
/* Releases MULTI/WATCH state when a client goes away or RESETs. */
void multiClientFree(client *c);

#endif
