/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Publish/subscribe, and the output-buffer limits that keep a subscriber
 * that never reads from eating the server's memory.
 *
 * Three namespaces share one implementation, told apart by 'kind':
 * channels (SUBSCRIBE), patterns (PSUBSCRIBE) and shard channels
 * (SSUBSCRIBE).  Per kind the server keeps a table of topics, and each
 * client a table of its own subscriptions; one 'sub' record links the two:
 *
 *   topics[kind]:  name -> topic { subs[0..n) }
 *                                    |
 *                                    v
 *                  sub { topic, client, idx }  <-  c->pstate->subs[kind]: name -> sub
 *
 * A sub knows its index in its topic's array, so unsubscribing is O(1)
 * (the last element takes its place); a topic disappears with its last
 * subscriber, so PUBSUB CHANNELS only lists channels someone listens to.
 *
 * PUBLISH: one hash lookup for the channel, then a glob match per pattern
 * topic (O(P), as in Redis).  Each frame (the "message" frame, and one
 * "pmessage" frame per matching pattern) is encoded once and the same bytes
 * are appended to every receiver: RESP2 receivers first, then the type byte
 * is flipped from '*' to '>' in place for the RESP3 ones, whose frames
 * differ in nothing else.  Delivery never changes the tables, so no
 * iterator is disturbed; a receiver over its output limit is only marked
 * to close (freeClientAsync).
 *
 * Subscription counts in replies follow Redis 7.0: SUBSCRIBE/PSUBSCRIBE and
 * their unsubscribes report channels + patterns, the shard commands report
 * shard channels only, and a client leaves the pub/sub context (RESP2
 * restrictions, the pubsub output-limit class) when all three are zero.
 */
#include "core/pubsub.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/args.h"
#include "core/client.h"
#include "core/command.h"
#include "ds/glob.h"
#include "net/conn.h"
#include "net/reply.h"
#include "server/config.h"

enum { PS_CHANNEL, PS_PATTERN, PS_SHARD, PS_KINDS };

typedef struct pubsubSub pubsubSub;

typedef struct pubsubTopic {
    struct pubsubTopic *next; /* chain in topics[kind] */
    pubsubSub **subs;         /* subscribers, in no particular order */
    size_t nsubs, cap;
    size_t len;
    char name[];
} pubsubTopic;

struct pubsubSub {
    pubsubSub *next; /* chain in the client's table */
    pubsubTopic *topic;
    client *c;
    size_t idx; /* position in topic->subs */
};

typedef struct pubsubState {
    hashtable *subs[PS_KINDS]; /* NULL while the client has none of a kind */
    long long obufSoftSince;   /* ms when output first passed the soft limit, 0 = under it */
} pubsubState;

static const struct {
    const char *subscribe, *unsubscribe, *message;
    size_t messageLen;
} kindWords[PS_KINDS] = {
    {"subscribe", "unsubscribe", "message", 7},
    {"psubscribe", "punsubscribe", "pmessage", 8},
    {"ssubscribe", "sunsubscribe", "smessage", 8},
};

static hashtable *topics[PS_KINDS]; /* created on first use */

static const void *topicKey(const void *e, size_t *len) {
    const pubsubTopic *t = e;
    *len = t->len;
    return t->name;
}

static void topicFree(void *e) {
    pubsubTopic *t = e;
    tfree(t->subs);
    tfree(t);
}

static const htType topicType = {topicKey, topicFree};

/* A client's table borrows the name from the topic, which outlives it. */
static const void *subKey(const void *e, size_t *len) {
    const pubsubSub *s = e;
    *len = s->topic->len;
    return s->topic->name;
}

static const htType subType = {subKey, NULL};

/* ---- subscriptions ---- */

static pubsubState *stateOf(client *c) {
    if (!c->pstate) c->pstate = tcalloc(sizeof(pubsubState));
    return c->pstate;
}

static size_t subCount(const client *c, int kind) {
    const pubsubState *ps = c->pstate;
    return ps && ps->subs[kind] ? htSize(ps->subs[kind]) : 0;
}

/* The count SUBSCRIBE & co. report after each channel. */
static long long replyCount(const client *c, int kind) {
    if (kind == PS_SHARD) return (long long)subCount(c, PS_SHARD);
    return (long long)(subCount(c, PS_CHANNEL) + subCount(c, PS_PATTERN));
}

static size_t totalCount(const client *c) {
    return subCount(c, PS_CHANNEL) + subCount(c, PS_PATTERN) + subCount(c, PS_SHARD);
}

/* Adds the subscription of 'c' to 'name'; false when it already exists. */
static bool subscribe(client *c, int kind, const char *name, size_t len) {
    pubsubState *ps = stateOf(c);
    if (!ps->subs[kind])
        ps->subs[kind] = htCreate(&subType);
    else if (htFind(ps->subs[kind], name, len))
        return false;
    if (!topics[kind]) topics[kind] = htCreate(&topicType);
    pubsubTopic *t = htFind(topics[kind], name, len);
    if (!t) {
        t = tmalloc(sizeof(*t) + len);
        t->next = NULL;
        t->subs = NULL;
        t->nsubs = t->cap = 0;
        t->len = len;
        memcpy(t->name, name, len);
        htAddNew(topics[kind], t);
    }
    if (t->nsubs == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 4;
        t->subs = trealloc(t->subs, sizeof(*t->subs) * t->cap);
    }
    pubsubSub *s = tmalloc(sizeof(*s));
    s->next = NULL;
    s->topic = t;
    s->c = c;
    s->idx = t->nsubs;
    t->subs[t->nsubs++] = s;
    htAddNew(ps->subs[kind], s);
    return true;
}

/* Removes 's' from its topic (deleting the topic when it was the last
 * subscriber) and frees it.  The caller has unlinked it from the client's
 * table already. */
static void dropSub(int kind, pubsubSub *s) {
    pubsubTopic *t = s->topic;
    pubsubSub *last = t->subs[--t->nsubs];
    t->subs[s->idx] = last;
    last->idx = s->idx;
    if (t->nsubs == 0) htDelete(topics[kind], t->name, t->len);
    tfree(s);
}

static void releaseIfEmpty(pubsubState *ps, int kind) {
    if (ps->subs[kind] && htSize(ps->subs[kind]) == 0) {
        htRelease(ps->subs[kind]);
        ps->subs[kind] = NULL;
    }
}

/* Removes the subscription of 'c' to 'name'; false when there was none. */
static bool unsubscribe(client *c, int kind, const char *name, size_t len) {
    pubsubState *ps = c->pstate;
    if (!ps || !ps->subs[kind]) return false;
    pubsubSub *s = htUnlink(ps->subs[kind], name, len);
    if (!s) return false;
    dropSub(kind, s);
    releaseIfEmpty(ps, kind);
    return true;
}

/* Pub/sub frames reach their client even after CLIENT REPLY OFF or SKIP
 * (Redis 7.0; a RESP3 client that silenced replies still gets its
 * pushes): CLIENT_PUSHING lifts those two for the frame's duration. */
static uint64_t beginPush(client *c) {
    uint64_t was = c->flags & CLIENT_PUSHING;
    c->flags |= CLIENT_PUSHING;
    return was;
}

static void endPush(client *c, uint64_t was) { c->flags = (c->flags & ~CLIENT_PUSHING) | was; }

/* One ["subscribe", name, count] style reply; a NULL 'name' is a null. */
static void addReplyPubsubEvent(client *c, const char *word, const char *name, size_t len,
                                long long count) {
    uint64_t was = beginPush(c);
    addReplyPushLen(c, 3);
    addReplyBulkCStr(c, word);
    if (name)
        addReplyBulk(c, name, len);
    else
        addReplyNull(c);
    addReplyLongLong(c, count);
    endPush(c, was);
}

static void addPushFrame(client *c, const char *frame, size_t len) {
    uint64_t was = beginPush(c);
    addReplyProto(c, frame, len);
    endPush(c, was);
}

/* Drops every subscription of one kind, replying once per channel when
 * 'notify' (and once with a null channel when there were none, as Redis
 * does for a bare UNSUBSCRIBE). */
static void unsubscribeAll(client *c, int kind, bool notify) {
    pubsubState *ps = c->pstate;
    long long dropped = 0;
    if (ps && ps->subs[kind]) {
        htIterator it;
        htIterInit(&it, ps->subs[kind], true);
        pubsubSub *s;
        while ((s = htNext(&it))) {
            pubsubTopic *t = s->topic;
            htUnlink(ps->subs[kind], t->name, t->len);
            if (notify)
                addReplyPubsubEvent(c, kindWords[kind].unsubscribe, t->name, t->len,
                                    replyCount(c, kind));
            dropSub(kind, s);
            dropped++;
        }
        htIterRelease(&it);
        releaseIfEmpty(ps, kind);
    }
    if (notify && dropped == 0)
        addReplyPubsubEvent(c, kindWords[kind].unsubscribe, NULL, 0, replyCount(c, kind));
}

bool pubsubForEachSubscription(const client *c, pubsubVisitProc *fn, void *priv) {
    const pubsubState *ps = c->pstate;
    if (!ps) return true;
    for (int kind = 0; kind < PS_KINDS; kind++) {
        if (!ps->subs[kind]) continue;
        htIterator it;
        htIterInit(&it, ps->subs[kind], false);
        pubsubSub *s;
        bool more = true;
        while (more && (s = htNext(&it)))
            more = fn(kind == PS_PATTERN, s->topic->name, s->topic->len, priv);
        htIterRelease(&it);
        if (!more) return false;
    }
    return true;
}

void pubsubUnsubscribeAll(client *c) {
    for (int kind = 0; kind < PS_KINDS; kind++) unsubscribeAll(c, kind, false);
    c->flags &= ~CLIENT_PUBSUB;
}

void pubsubClientFree(client *c) {
    if (!c->pstate) return;
    pubsubUnsubscribeAll(c);
    tfree(c->pstate);
    c->pstate = NULL;
}

/* ---- counts for introspection (declared in core/client.h) ---- */

void pubsubClientCounts(const client *c, long long *channels, long long *patterns,
                        long long *shardChannels) {
    *channels = (long long)subCount(c, PS_CHANNEL);
    *patterns = (long long)subCount(c, PS_PATTERN);
    *shardChannels = (long long)subCount(c, PS_SHARD);
}

static long long topicCount(int kind) {
    return topics[kind] ? (long long)htSize(topics[kind]) : 0;
}

long long pubsubTotalChannels(void) { return topicCount(PS_CHANNEL); }
long long pubsubTotalPatterns(void) { return topicCount(PS_PATTERN); }
long long pubsubTotalShardChannels(void) { return topicCount(PS_SHARD); }

bool pubsubHasListeners(void) {
    return (topics[PS_CHANNEL] && htSize(topics[PS_CHANNEL])) ||
           (topics[PS_PATTERN] && htSize(topics[PS_PATTERN]));
}

/* ---- publishing ---- */

typedef struct part {
    const char *p;
    size_t len;
} part;

/* Encodes an array of 'n' bulk strings into 'stack' ('cap' bytes) when it
 * fits, else into a new allocation.  Returns the frame; '*len' its size. */
static char *encodeFrame(const part *parts, int n, char *stack, size_t cap, size_t *len) {
    char hdr[32];
    size_t total = respEncodeHeader(hdr, '*', n);
    for (int j = 0; j < n; j++) total += respEncodeHeader(hdr, '$', (long long)parts[j].len) + parts[j].len + 2;
    char *buf = total <= cap ? stack : tmalloc(total);
    size_t pos = respEncodeHeader(buf, '*', n);
    for (int j = 0; j < n; j++) {
        pos += respEncodeHeader(buf + pos, '$', (long long)parts[j].len);
        memcpy(buf + pos, parts[j].p, parts[j].len);
        pos += parts[j].len;
        buf[pos++] = '\r';
        buf[pos++] = '\n';
    }
    *len = pos;
    return buf;
}

/* Appends 'frame' (a RESP2 array) to every subscriber of 't'.  RESP3
 * subscribers get the same bytes as a push: only the first byte differs,
 * so it is flipped in place (the frame is the caller's scratch buffer). */
static void deliver(pubsubTopic *t, char *frame, size_t len) {
    bool resp3 = false;
    for (size_t j = 0; j < t->nsubs; j++) {
        client *c = t->subs[j]->c;
        if (c->resp == 2)
            addPushFrame(c, frame, len);
        else
            resp3 = true;
    }
    if (!resp3) return;
    frame[0] = '>';
    for (size_t j = 0; j < t->nsubs; j++) {
        client *c = t->subs[j]->c;
        if (c->resp != 2) addPushFrame(c, frame, len);
    }
    frame[0] = '*';
}

/* Delivers to the subscribers of topic 'name' of 'kind' (channel or shard
 * channel); returns how many there were. */
static long long publishToTopic(int kind, const char *name, size_t nlen, const char *msg,
                                size_t mlen) {
    pubsubTopic *t = topics[kind] ? htFind(topics[kind], name, nlen) : NULL;
    if (!t) return 0;
    part parts[3] = {{kindWords[kind].message, kindWords[kind].messageLen}, {name, nlen}, {msg, mlen}};
    char stack[512];
    size_t len;
    char *frame = encodeFrame(parts, 3, stack, sizeof(stack), &len);
    long long n = (long long)t->nsubs;
    deliver(t, frame, len);
    if (frame != stack) tfree(frame);
    return n;
}

long long pubsubPublish(const char *channel, size_t clen, const char *msg, size_t mlen) {
    long long receivers = publishToTopic(PS_CHANNEL, channel, clen, msg, mlen);
    if (!topics[PS_PATTERN] || htSize(topics[PS_PATTERN]) == 0) return receivers;
    htIterator it;
    htIterInit(&it, topics[PS_PATTERN], false);
    pubsubTopic *p;
    while ((p = htNext(&it))) {
        if (!globMatch(p->name, p->len, channel, clen, false)) continue;
        part parts[4] = {{"pmessage", 8}, {p->name, p->len}, {channel, clen}, {msg, mlen}};
        char stack[512];
        size_t len;
        char *frame = encodeFrame(parts, 4, stack, sizeof(stack), &len);
        deliver(p, frame, len);
        if (frame != stack) tfree(frame);
        receivers += (long long)p->nsubs;
    }
    htIterRelease(&it);
    return receivers;
}

/* ---- commands ---- */

/* SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE.  A client that must get exactly one
 * reply per command (CLIENT_DENY_BLOCKING: inside EXEC or a script) may
 * not subscribe; Redis 7.0 still lets SUBSCRIBE and PSUBSCRIBE through
 * inside MULTI/EXEC for backward compatibility, but not SSUBSCRIBE. */
static void subscribeGeneric(client *c, int kind, const char *upper) {
    if ((c->flags & CLIENT_DENY_BLOCKING) && (kind == PS_SHARD || !(c->flags & CLIENT_MULTI))) {
        addReplyErrorFormat(c, "ERR %s isn't allowed for a DENY BLOCKING client", upper);
        return;
    }
    for (int j = 1; j < c->argc; j++) {
        slice ch = c->argv[j];
        subscribe(c, kind, ch.ptr, ch.len);
        addReplyPubsubEvent(c, kindWords[kind].subscribe, ch.ptr, ch.len, replyCount(c, kind));
    }
    c->flags |= CLIENT_PUBSUB;
}

/* UNSUBSCRIBE, PUNSUBSCRIBE, SUNSUBSCRIBE: one reply per named channel
 * (subscribed or not), or one per subscription when none is named. */
static void unsubscribeGeneric(client *c, int kind) {
    if (c->argc == 1) {
        unsubscribeAll(c, kind, true);
    } else {
        for (int j = 1; j < c->argc; j++) {
            slice ch = c->argv[j];
            unsubscribe(c, kind, ch.ptr, ch.len);
            addReplyPubsubEvent(c, kindWords[kind].unsubscribe, ch.ptr, ch.len,
                                replyCount(c, kind));
        }
    }
    if (totalCount(c) == 0) c->flags &= ~CLIENT_PUBSUB;
}

void subscribeCommand(client *c) { subscribeGeneric(c, PS_CHANNEL, "SUBSCRIBE"); }
void psubscribeCommand(client *c) { subscribeGeneric(c, PS_PATTERN, "PSUBSCRIBE"); }
void ssubscribeCommand(client *c) { subscribeGeneric(c, PS_SHARD, "SSUBSCRIBE"); }
void unsubscribeCommand(client *c) { unsubscribeGeneric(c, PS_CHANNEL); }
void punsubscribeCommand(client *c) { unsubscribeGeneric(c, PS_PATTERN); }
void sunsubscribeCommand(client *c) { unsubscribeGeneric(c, PS_SHARD); }

void publishCommand(client *c) {
    slice ch = c->argv[1], msg = c->argv[2];
    addReplyLongLong(c, pubsubPublish(ch.ptr, ch.len, msg.ptr, msg.len));
}

void spublishCommand(client *c) {
    slice ch = c->argv[1], msg = c->argv[2];
    addReplyLongLong(c, publishToTopic(PS_SHARD, ch.ptr, ch.len, msg.ptr, msg.len));
}

/* The container itself never runs: the dispatcher answers a bare PUBSUB
 * with the arity error and an unknown subcommand with its own error. */
void pubsubCommand(client *c) { addReplySubcommandSyntaxError(c); }

/* Redis 7.0's error for a known PUBSUB subcommand with too many
 * arguments (the subcommand's arity alone cannot say "at most one"). */
static void replySubcommandArgs(client *c) {
    char upper[64];
    size_t j, n = c->argv[0].len;
    for (j = 0; j < n && j < sizeof(upper) - 1; j++) {
        char ch = c->argv[0].ptr[j];
        upper[j] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 32) : ch;
    }
    upper[j] = '\0';
    addReplyErrorFormat(c,
                        "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try %s "
                        "HELP.",
                        (int)(c->argv[1].len < 128 ? c->argv[1].len : 128), c->argv[1].ptr, upper);
}

/* PUBSUB CHANNELS / SHARDCHANNELS [pattern]. */
static void listTopics(client *c, int kind) {
    if (c->argc > 3) {
        replySubcommandArgs(c);
        return;
    }
    void *h = addReplyDeferredLen(c);
    long long n = 0;
    if (topics[kind]) {
        htIterator it;
        htIterInit(&it, topics[kind], false);
        pubsubTopic *t;
        while ((t = htNext(&it))) {
            if (c->argc == 3 && !globMatch(c->argv[2].ptr, c->argv[2].len, t->name, t->len, false))
                continue;
            addReplyBulk(c, t->name, t->len);
            n++;
        }
        htIterRelease(&it);
    }
    setDeferredArrayLen(c, h, n);
}

/* PUBSUB NUMSUB / SHARDNUMSUB [channel ...]: a flat array of pairs (also
 * in RESP3, as Redis 7.0). */
static void countSubscribers(client *c, int kind) {
    addReplyArrayLen(c, (long long)(c->argc - 2) * 2);
    for (int j = 2; j < c->argc; j++) {
        slice ch = c->argv[j];
        pubsubTopic *t = topics[kind] ? htFind(topics[kind], ch.ptr, ch.len) : NULL;
        addReplyBulkSlice(c, ch);
        addReplyLongLong(c, t ? (long long)t->nsubs : 0);
    }
}

void pubsubChannelsCommand(client *c) { listTopics(c, PS_CHANNEL); }
void pubsubShardChannelsCommand(client *c) { listTopics(c, PS_SHARD); }
void pubsubNumsubCommand(client *c) { countSubscribers(c, PS_CHANNEL); }
void pubsubShardNumsubCommand(client *c) { countSubscribers(c, PS_SHARD); }

void pubsubNumpatCommand(client *c) {
    addReplyLongLong(c, topicCount(PS_PATTERN));
}

void pubsubHelpCommand(client *c) {
    static const char *help[] = {
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: "
        "'*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        NULL};
    addReplyHelp(c, help);
}

/* ---- client-output-buffer-limit ---- */

obufLimit obufLimits[OBUF_CLASS_COUNT];
unsigned obufLimitedClasses;

static const char *const obufClassNames[OBUF_CLASS_COUNT] = {"normal", "slave", "pubsub"};

static int obufClassByName(const char *name) {
    if (strcasecmp(name, "normal") == 0) return OBUF_CLASS_NORMAL;
    if (strcasecmp(name, "slave") == 0 || strcasecmp(name, "replica") == 0)
        return OBUF_CLASS_REPLICA;
    if (strcasecmp(name, "pubsub") == 0) return OBUF_CLASS_PUBSUB;
    return -1;
}

/* A byte count: a memory value, where Redis also takes a "b" unit. */
static bool parseLimitBytes(const char *s, long long *out) {
    size_t len = strlen(s);
    if (len >= 2 && (s[len - 1] == 'b' || s[len - 1] == 'B') && isdigit((unsigned char)s[len - 2])) {
        char num[32];
        if (len - 1 >= sizeof(num)) return false;
        memcpy(num, s, len - 1);
        num[len - 1] = '\0';
        return configParseMemory(num, out);
    }
    return configParseMemory(s, out);
}

/* The soft seconds: Redis 7.0 reads them with strtoll into an int, so
 * "+5" and "05" pass, units do not, and values wrap at 32 bits (only a
 * negative result is refused). */
static bool parseLimitSeconds(const char *s, int *out) {
    if (!*s || isspace((unsigned char)*s)) return false;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end != '\0') return false;
    int secs = (int)(unsigned)(unsigned long long)v;
    if (secs < 0) return false;
    *out = secs;
    return true;
}

int obufLimitsSet(char **argv, int argc, const char **err) {
    char *copy = NULL;
    respArg *args = NULL;
    int cap = 0;
    char *words[64];
    int n = argc;
    int rc = C_ERR;
    if (argc == 1) {
        /* CONFIG SET and "--client-output-buffer-limit 'pubsub 1mb 0 0'"
         * hand over the whole list as one word. */
        copy = tstrdup(argv[0]);
        n = respSplitArgs(copy, strlen(copy), &args, &cap);
        if (n < 0) n = 1; /* unbalanced quotes: let the count check refuse it */
        for (int j = 0; j < n && j < 64; j++) {
            words[j] = copy + args[j].off;
            words[j][args[j].len] = '\0';
        }
        argv = words;
    }
    if (n % 4 != 0 || n > 64) {
        *err = "Wrong number of arguments in buffer limit configuration.";
        goto done;
    }
    /* Validate everything first: the whole string applies or nothing. */
    obufLimit next[OBUF_CLASS_COUNT];
    memcpy(next, obufLimits, sizeof(next));
    for (int j = 0; j < n; j += 4) {
        int cls = obufClassByName(argv[j]);
        if (cls < 0) {
            *err = "Invalid client class specified in buffer limit configuration.";
            goto done;
        }
        long long hard, soft;
        int seconds;
        if (!parseLimitBytes(argv[j + 1], &hard) || !parseLimitBytes(argv[j + 2], &soft) ||
            !parseLimitSeconds(argv[j + 3], &seconds)) {
            *err = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
            goto done;
        }
        next[cls].hard = hard;
        next[cls].soft = soft;
        next[cls].softSeconds = seconds;
    }
    memcpy(obufLimits, next, sizeof(next));
    obufLimitedClasses = 0;
    for (int cls = 0; cls < OBUF_CLASS_COUNT; cls++)
        if (obufLimits[cls].hard || obufLimits[cls].soft) obufLimitedClasses |= 1u << cls;
    rc = C_OK;
done:
    tfree(args);
    tfree(copy);
    return rc;
}

sbuf *obufLimitsCat(sbuf *s) {
    for (int cls = 0; cls < OBUF_CLASS_COUNT; cls++)
        s = sbufCatPrintf(s, "%s%s %lld %lld %lld", cls ? " " : "", obufClassNames[cls],
                          obufLimits[cls].hard, obufLimits[cls].soft, obufLimits[cls].softSeconds);
    return s;
}

void obufEnforceLimit(client *c) {
    if (c->flags & (CLIENT_CLOSE_ASAP | CLIENT_FAKE)) return;
    const obufLimit *l = &obufLimits[(c->flags & CLIENT_PUBSUB) ? OBUF_CLASS_PUBSUB : OBUF_CLASS_NORMAL];
    /* Like Redis, count what waits in the reply list, not the fixed
     * 16 KB buffer every client has anyway. */
    long long used = (long long)c->replyBytes;
    bool hard = l->hard && used >= l->hard;
    bool soft = l->soft && used >= l->soft;
    if (soft) {
        pubsubState *ps = stateOf(c);
        long long now = server.unixtimeMs;
        if (ps->obufSoftSince == 0) {
            ps->obufSoftSince = now;
            soft = false;
        } else if (l->softSeconds > LLONG_MAX / 1000 ||
                   now - ps->obufSoftSince <= l->softSeconds * 1000) {
            soft = false;
        }
    } else if (c->pstate) {
        c->pstate->obufSoftSince = 0;
    }
    if (!hard && !soft) return;
    serverLog(LL_WARNING,
              "Client id=%llu addr=%s scheduled to be closed ASAP for overcoming of output "
              "buffer limits.",
              (unsigned long long)c->id, c->addr);
    server.stat.clientOutbufLimitDisconnections++;
    freeClientAsync(c);
}
