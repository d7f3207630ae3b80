/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Client lookup and the facts about clients that other modules own but
 * introspection (CLIENT LIST, INFO clients/stats) reports: subscription
 * counts come from core/pubsub.c, queued-command counts from core/multi.c.
 */
#ifndef TERN_CORE_CLIENT_H
#define TERN_CORE_CLIENT_H

#include "server/server.h"

/* Client types as CLIENT LIST TYPE / CLIENT KILL TYPE name them. */
#define CLIENT_TYPE_NORMAL 0
#define CLIENT_TYPE_REPLICA 1
#define CLIENT_TYPE_PUBSUB 2
#define CLIENT_TYPE_MASTER 3

/* Type of 'c' (pub/sub when it has subscriptions, else normal). */
int clientType(const client *c);
/* Type for a name ("normal", "replica"/"slave", "pubsub", "master"), or -1. */
int clientTypeByName(slice name);
/* The client with id 'id', or NULL. */
client *lookupClientById(uint64_t id);
/* Clients in their creation order: the first (oldest) one, and the next. */
client *clientListFirst(void);
client *clientListNext(const client *c);

/* ---- provided by core/pubsub.c ---- */

/* Subscriptions of 'c': channels, patterns and shard channels. */
void pubsubClientCounts(const client *c, long long *channels, long long *patterns,
                        long long *shardChannels);
/* Server-wide distinct channels and patterns with subscribers (INFO stats). */
long long pubsubTotalChannels(void);
long long pubsubTotalPatterns(void);
long long pubsubTotalShardChannels(void);

/* ---- provided by core/multi.c ---- */

/* Commands queued by 'c' inside MULTI (only asked while CLIENT_MULTI). */
long long multiQueuedCount(const client *c);
/* Bytes held by those queued commands. */
size_t multiQueuedMemory(const client *c);

#endif
