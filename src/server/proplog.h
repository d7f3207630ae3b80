/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The propagation log behind DEBUG PROPAGATION-LOG (server/proplog.c).
 */
#ifndef TERN_SERVER_PROPLOG_H
#define TERN_SERVER_PROPLOG_H

#include "server/server.h"

/* DEBUG PROPAGATION-LOG <file>: appends the propagation stream from now on
 * to <file> in RESP (a log already open is closed first).  DEBUG
 * PROPAGATION-LOG OFF: stops it and flushes the file. */
void debugPropagationLog(client *c);

#endif
