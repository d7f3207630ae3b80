/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The slow log: the most recent commands whose execution took at least
 * slowlog-log-slower-than microseconds, at most slowlog-max-len of them,
 * and the SLOWLOG command that reads it.
 */
#ifndef TERN_SERVER_SLOWLOG_H
#define TERN_SERVER_SLOWLOG_H

#include "server/server.h"

/* Arguments kept per entry, and bytes kept per argument (Redis's limits). */
#define SLOWLOG_ENTRY_MAX_ARGC 32
#define SLOWLOG_ENTRY_MAX_STRING 128

/* Logs the command 'c' is running ('argc' arguments 'argv') if it took
 * 'durationUs' or more.  The arguments are copied (truncated as Redis
 * truncates them); the caller keeps its own.  Does nothing while the log
 * is disabled (a negative threshold). */
void slowlogPush(client *c, const slice *argv, int argc, long long durationUs);

/* A command that blocked: its statistics are charged when it is served.
 * slowlogBlockedBegin remembers the arguments of 'c's current command and
 * its first run time 'durationUs' (c->blockedCall, owned here);
 * slowlogBlockedEnd charges that time plus 'replyUs' to the command's
 * INFO commandstats and the slow log, as Redis does when it unblocks a
 * client, and frees the record; slowlogBlockedDiscard frees it without
 * logging (a timeout, a client that went away). */
void slowlogBlockedBegin(client *c, long long durationUs);
void slowlogBlockedEnd(client *c, long long replyUs, bool hadErrors);
void slowlogBlockedDiscard(client *c);

/* Frees every entry (SLOWLOG RESET, shutdown). */
void slowlogReset(void);

#endif
