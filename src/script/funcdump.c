/* SPDX-License-Identifier: BSD-3-Clause
 *
 * FUNCTION DUMP and FUNCTION RESTORE.  Their payload is Redis's RDB
 * encoding of the libraries (FUNCTION2 records, RDB version, CRC-64), so
 * they are built on the RDB layer; until that lands on main both answer
 * an error saying so.
 */
#include "core/command.h"
#include "net/reply.h"

void functionDumpCommand(client *c) {
    addReplyError(c, "ERR FUNCTION DUMP needs RDB support, which this build does not have yet");
}

void functionRestoreCommand(client *c) {
    addReplyError(c, "ERR FUNCTION RESTORE needs RDB support, which this build does not have yet");
}
