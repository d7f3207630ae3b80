/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Keyspace notifications: the notify-keyspace-events classes and the two
 * messages each enabled event publishes through pub/sub:
 *
 *   __keyspace@<db>__:<key>    message <event>   (class K)
 *   __keyevent@<db>__:<event>  message <key>     (class E)
 *
 * Commands call notifyKeyspaceEvent (notify.h), which tests the class bit
 * inline, so a disabled class costs one AND at the call site.  When nobody
 * subscribes to anything the channel names are not even built.
 */
#include "core/notify.h"

#include <stdio.h>
#include <string.h>

#include "core/pubsub.h"
#include "ds/sbuf.h"

int notifyFlags = 0;

/* What 'A' stands for; 'm' (key miss) and 'n' (new key) must be asked
 * for by name. */
#define NOTIFY_ALL                                                                      \
    (NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET | \
     NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE)

/* Classes in the order Redis prints them. */
static const struct {
    char ch;
    int flag;
} classes[] = {{'g', NOTIFY_GENERIC}, {'$', NOTIFY_STRING},  {'l', NOTIFY_LIST},
               {'s', NOTIFY_SET},     {'h', NOTIFY_HASH},    {'z', NOTIFY_ZSET},
               {'x', NOTIFY_EXPIRED}, {'e', NOTIFY_EVICTED}, {'t', NOTIFY_STREAM},
               {'d', NOTIFY_MODULE},  {'n', NOTIFY_NEW},     {'K', NOTIFY_KEYSPACE},
               {'E', NOTIFY_KEYEVENT}, {'m', NOTIFY_KEY_MISS}};

#define NUM_CLASSES (sizeof(classes) / sizeof(classes[0]))

int notifyParseFlags(const char *s) {
    int flags = 0;
    for (; *s; s++) {
        if (*s == 'A') {
            flags |= NOTIFY_ALL;
            continue;
        }
        size_t j;
        for (j = 0; j < NUM_CLASSES && classes[j].ch != *s; j++) {
        }
        if (j == NUM_CLASSES) return -1;
        flags |= classes[j].flag;
    }
    return flags;
}

sbuf *notifyCatFlags(sbuf *s, int flags) {
    /* Redis 7.0 prints "A" instead of the single classes when all of them
     * are on, and then drops 'n' ("An" reads back as "A"); kept as is. */
    bool all = (flags & NOTIFY_ALL) == NOTIFY_ALL;
    if (all) s = sbufCat(s, "A", 1);
    for (size_t j = 0; j < NUM_CLASSES; j++) {
        int f = classes[j].flag;
        bool typeClass = !(f & (NOTIFY_KEYSPACE | NOTIFY_KEYEVENT | NOTIFY_KEY_MISS));
        if ((flags & f) && !(all && typeClass)) s = sbufCat(s, &classes[j].ch, 1);
    }
    return s;
}

/* Publishes on "<prefix><db>__:<suffix>" the message 'msg'. */
static void publishOn(const char *prefix, int dbid, const char *suffix, size_t slen,
                      const char *msg, size_t mlen) {
    char small[256];
    char head[40];
    int hlen = snprintf(head, sizeof(head), "%s%d__:", prefix, dbid);
    size_t len = (size_t)hlen + slen;
    char *ch = len <= sizeof(small) ? small : tmalloc(len);
    memcpy(ch, head, (size_t)hlen);
    memcpy(ch + hlen, suffix, slen);
    pubsubPublish(ch, len, msg, mlen);
    if (ch != small) tfree(ch);
}

void notifyKeyspaceEventImpl(int type, const char *event, const char *key, size_t keylen, int dbid) {
    (void)type;
    if (!pubsubHasListeners()) return;
    size_t elen = strlen(event);
    if (notifyFlags & NOTIFY_KEYSPACE) publishOn("__keyspace@", dbid, key, keylen, event, elen);
    if (notifyFlags & NOTIFY_KEYEVENT) publishOn("__keyevent@", dbid, event, elen, key, keylen);
}
