/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Keyspace notifications.  Publishing arrives with pub/sub (issue #5);
 * until then no class can be enabled and nothing is sent.
 */
#include "core/notify.h"

int notifyFlags = 0;

void notifyKeyspaceEventImpl(int type, const char *event, const char *key, size_t keylen, int dbid) {
    (void)type;
    (void)event;
    (void)key;
    (void)keylen;
    (void)dbid;
}
