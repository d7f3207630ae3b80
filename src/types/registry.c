/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The list of data types: each type file exposes a register function that
 * hands its objTypeOps to object.c.  Strings need none (object.c handles
 * them directly).
 */
#include "server/lifecycle.h"
#include "server/server.h"
#include "types/list.h"

void registerTypes(void) { listRegisterType(); }
