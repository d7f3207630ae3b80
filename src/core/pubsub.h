/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Publish/subscribe.
 */
#ifndef TERN_CORE_PUBSUB_H
#define TERN_CORE_PUBSUB_H

#include "server/server.h"

/* Releases subscriptions when a client goes away or RESETs. */
void pubsubClientFree(client *c);

#endif
