/* SPDX-License-Identifier: BSD-3-Clause
 *
 * CLIENT PAUSE: holding clients' commands for a while, all of them or only
 * those that may change the dataset, and keeping keys from expiring or
 * being evicted meanwhile.
 */
#ifndef TERN_CORE_PAUSE_H
#define TERN_CORE_PAUSE_H

#include "server/server.h"

#define PAUSE_OFF 0
#define PAUSE_WRITE 1
#define PAUSE_ALL 2

/* The pause in force (PAUSE_*); read through pauseActive(), which ends a
 * pause whose time is up. */
extern int pauseType;

/* True while a pause of either kind is in force: expiry and eviction must
 * leave keys alone.  Ends an expired pause (and releases its clients). */
bool pauseActive(void);

/* True when the command 'cmd' that 'c' is about to run must wait for the
 * pause to end (the dispatcher's last check, as in Redis 7.0).  The caller
 * then calls pausePostpone and returns without replying. */
bool pauseHolds(client *c, const command *cmd);
/* Parks 'c': its current command stays in the query buffer (the input
 * loop rewinds to it on seeing CLIENT_POSTPONED) and runs again, in
 * arrival order with the other held clients, once the pause ends. */
void pausePostpone(client *c);
/* Forgets 'c' (it is being freed). */
void pauseClientFree(client *c);
/* Clients held now (counted in INFO blocked_clients, as Redis does). */
size_t pausePostponedCount(void);

#endif
