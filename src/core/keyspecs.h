/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The keys of a command invocation and what the command does to each
 * (core/keyspecs.c): positions for COMMAND GETKEYS, needs for ACL key
 * permissions.
 */
#ifndef TERN_CORE_KEYSPECS_H
#define TERN_CORE_KEYSPECS_H

#include "server/server.h"

/* What a command does to a key (see core/keyflags.def). */
#define KEY_NEED_READ 1
#define KEY_NEED_WRITE 2

typedef struct keyRef {
    int pos;  /* argv index */
    int need; /* KEY_NEED_* */
} keyRef;

/* Builds the per-command key finders; after the command table. */
void keyspecsInit(void);
void keyspecsRelease(void);
/* Writes the keys of 'cmd' called with 'argv'/'argc' into 'out' (at most
 * 'max') and returns how many; 0 for none or malformed arguments. */
int commandKeyRefs(const command *cmd, slice *argv, int argc, keyRef *out, int max);

#endif
