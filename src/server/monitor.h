/* SPDX-License-Identifier: BSD-3-Clause
 *
 * MONITOR: the clients that see every executed command as a text line.
 */
#ifndef TERN_SERVER_MONITOR_H
#define TERN_SERVER_MONITOR_H

#include "server/server.h"

/* Number of monitoring clients; callers test it before formatting work. */
extern size_t monitorCount;

/* Sends the line for the command 'c' ran ('argc' arguments 'argv', in
 * c->db) to every monitor.  Does nothing when nobody monitors. */
void monitorFeed(client *c, const slice *argv, int argc);
/* Ends monitoring for 'c' (RESET, disconnect); harmless if it was not. */
void monitorStop(client *c);

#endif
