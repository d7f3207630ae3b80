/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The list of data types: each type file exposes a register function that
 * hands its objTypeOps to object.c.  Strings need none (object.c handles
 * them directly).
 */
#include "types/registry.h"
#include "server/server.h"
#include "types/list.h"
#include "types/stream.h"
#include "types/zset.h"

void hashRegisterType(void); /* types/hash.c */
void setRegisterType(void);  /* types/set.c */

void registerTypes(void) {
    listRegisterType();
    hashRegisterType();
    setRegisterType();
    zsetRegisterType();
    streamRegisterType();
}
