/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Blocking operations.  Arrives with lists (issue #3); until then no client
 * ever blocks, so these are no-ops.
 */
#include "core/blocking.h"

void signalKeyAsReady(db *d, const char *key, size_t len) {
    (void)d;
    (void)key;
    (void)len;
}

void blockingProcessReady(void) {}

void blockingClientFree(client *c) { (void)c; }
