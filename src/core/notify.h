/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Keyspace notifications (notify-keyspace-events).  Every command that
 * changes a key calls notifyKeyspaceEvent with Redis's event name ("set",
 * "del", "expire", "lpush", ...) and class; when the class is enabled the
 * event is published on __keyspace@<db>__:<key> and/or
 * __keyevent@<db>__:<event>.
 */
#ifndef TERN_CORE_NOTIFY_H
#define TERN_CORE_NOTIFY_H

#include <stddef.h>

#define NOTIFY_KEYSPACE (1 << 0) /* K */
#define NOTIFY_KEYEVENT (1 << 1) /* E */
#define NOTIFY_GENERIC (1 << 2)  /* g */
#define NOTIFY_STRING (1 << 3)   /* $ */
#define NOTIFY_LIST (1 << 4)     /* l */
#define NOTIFY_SET (1 << 5)      /* s */
#define NOTIFY_HASH (1 << 6)     /* h */
#define NOTIFY_ZSET (1 << 7)     /* z */
#define NOTIFY_EXPIRED (1 << 8)  /* x */
#define NOTIFY_EVICTED (1 << 9)  /* e */
#define NOTIFY_STREAM (1 << 10)  /* t */
#define NOTIFY_KEY_MISS (1 << 11) /* m */
#define NOTIFY_LOADED (1 << 12)  /* module only */
#define NOTIFY_MODULE (1 << 13)  /* d */
#define NOTIFY_NEW (1 << 14)     /* n */

/* Enabled classes (parsed from notify-keyspace-events); 0 = off. */
extern int notifyFlags;

/* Parses a notify-keyspace-events string ("KEA", "Ex", "" ...) into
 * NOTIFY_* flags; returns -1 when it holds a character that is not a
 * class.  'A' stands for "g$lshzxetd" (not m or n), as in Redis. */
int notifyParseFlags(const char *classes);
/* Appends 'flags' as CONFIG GET shows them (Redis's normalized order:
 * "A" or the single classes, then K, E, m) to 's'; returns the possibly
 * moved buffer. */
struct sbuf *notifyCatFlags(struct sbuf *s, int flags);

/* Publishes event 'event' of class 'type' for key 'key'/'keylen' in db
 * 'dbid' when enabled.  Cheap when notifications are off. */
void notifyKeyspaceEventImpl(int type, const char *event, const char *key, size_t keylen, int dbid);

static inline void notifyKeyspaceEvent(int type, const char *event, const char *key, size_t keylen,
                                       int dbid) {
    if (notifyFlags & type) notifyKeyspaceEventImpl(type, event, key, keylen, dbid);
}

#endif
