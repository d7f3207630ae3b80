/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Blocking commands (BLPOP, BZPOPMIN, ...): clients parked on keys until
 * data arrives or a timeout passes.  Write commands that add elements call
 * signalKeyAsReady; the ready keys are served once the current top-level
 * command (or whole EXEC / script) has finished, before the loop sleeps.
 */
#ifndef TERN_CORE_BLOCKING_H
#define TERN_CORE_BLOCKING_H

#include "server/server.h"

/* Notes that 'key' in 'd' may now satisfy blocked clients. */
void signalKeyAsReady(db *d, const char *key, size_t len);
/* Serves clients blocked on keys that became ready; times out expired
 * waits.  Called before the event loop sleeps and after each command. */
void blockingProcessReady(void);
/* Releases blocking state when a client goes away. */
void blockingClientFree(client *c);

#endif
