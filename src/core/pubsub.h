/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Publish/subscribe (SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, PUBLISH, SPUBLISH,
 * PUBSUB ...) and the output-buffer limits that protect the server from
 * subscribers that do not read (client-output-buffer-limit).
 *
 * A client's pub/sub state lives behind c->pstate, allocated on its first
 * subscription (or the first time its output passes a soft limit).
 */
#ifndef TERN_CORE_PUBSUB_H
#define TERN_CORE_PUBSUB_H

#include <stdbool.h>

#include "server/server.h"

/* Publishes 'msg' ('mlen' bytes) on channel 'channel' ('clen' bytes) to the
 * channel's subscribers and to every client whose pattern matches it.  The
 * message frame is encoded once per protocol version and the same bytes are
 * appended to each receiver.  Returns the number of deliveries (a client
 * subscribed to the channel and to a matching pattern counts twice), as
 * PUBLISH replies. */
long long pubsubPublish(const char *channel, size_t clen, const char *msg, size_t mlen);
/* True when some client is subscribed to any channel or pattern (lets
 * keyspace notifications skip building channel names nobody listens to). */
bool pubsubHasListeners(void);
/* Drops every subscription of 'c' without replying and clears
 * CLIENT_PUBSUB (RESET). */
void pubsubUnsubscribeAll(client *c);
/* Visitor of pubsubForEachSubscription: 'isPattern' tells a PSUBSCRIBE
 * pattern from a channel or shard channel; returning false stops. */
typedef bool pubsubVisitProc(bool isPattern, const char *name, size_t len, void *priv);
/* Calls 'fn' for every subscription of 'c' until it returns false; returns
 * false when it stopped early.  'fn' must not change subscriptions. */
bool pubsubForEachSubscription(const client *c, pubsubVisitProc *fn, void *priv);
/* Releases subscriptions and the state of 'c' when it goes away. */
void pubsubClientFree(client *c);

/* ---- client-output-buffer-limit ---- */

/* Client classes of the limits, in Redis's order. */
#define OBUF_CLASS_NORMAL 0
#define OBUF_CLASS_REPLICA 1
#define OBUF_CLASS_PUBSUB 2
#define OBUF_CLASS_COUNT 3

typedef struct obufLimit {
    long long hard;        /* bytes, 0 = none */
    long long soft;        /* bytes, 0 = none */
    long long softSeconds; /* how long the soft limit may be exceeded */
} obufLimit;

extern obufLimit obufLimits[OBUF_CLASS_COUNT];
/* Bit (1 << class) set for each class with a hard or soft limit. */
extern unsigned obufLimitedClasses;

/* True when the class of 'c' has a limit at all: the reply path calls
 * obufEnforceLimit only then, so unlimited clients pay one test. */
static inline bool obufLimitApplies(const client *c) {
    if (c->fd < 0) return false; /* a fake client's output is read back, not sent */
    int cls = (c->flags & CLIENT_PUBSUB) ? OBUF_CLASS_PUBSUB : OBUF_CLASS_NORMAL;
    return (obufLimitedClasses >> cls) & 1;
}

/* Checks the output held by 'c' against its class's limits; a client over
 * the hard limit, or over the soft limit for longer than the soft seconds,
 * is scheduled to close (freeClientAsync) and counted in
 * server.stat.clientOutbufLimitDisconnections.  Safe to call from inside
 * the reply path and from the cron. */
void obufEnforceLimit(client *c);

/* Parses "<class> <hard> <soft> <seconds> ..." from 'argc' words in 'argv'
 * (a single word holding the whole list is split first) and applies it
 * all-or-nothing.  Returns C_OK, or C_ERR with Redis's message in '*err'. */
int obufLimitsSet(char **argv, int argc, const char **err);
/* Appends the limits as CONFIG GET prints them ("normal 0 0 0 slave ...")
 * to 's'; returns the possibly moved buffer. */
sbuf *obufLimitsCat(sbuf *s);

#endif
