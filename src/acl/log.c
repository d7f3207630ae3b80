/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The ACL LOG: recent denials (commands, keys, channels, failed AUTH),
 * newest first, at most acllog-max-len entries.  A denial like one of the
 * 10 newest entries (same reason, context, object and user, within 60 s)
 * bumps that entry's count and moves it to the front instead of adding
 * one, as Redis 7.0 groups them, so a client hammering one refused command
 * costs one entry.
 *
 * Entries are a doubly linked list; adding is O(1) plus the bounded scan,
 * trimming drops from the tail.
 */
#include <string.h>

#include "acl/acl.h"
#include "acl/user.h"
#include "core/access.h"
#include "core/client.h"
#include "net/conn.h"
#include "net/reply.h"

#define ACL_LOG_GROUP_MS 60000
#define ACL_LOG_SCAN 10

long long aclLogMaxLen = 128;

typedef struct aclLogEntry {
    struct aclLogEntry *prev, *next;
    long long count;
    int reason, context;
    sbuf *object, *username, *cinfo;
    long long ctime; /* ms of the latest occurrence */
} aclLogEntry;

static aclLogEntry *logHead, *logTail;
static long long logLen;

static void entryFree(aclLogEntry *e) {
    sbufFree(e->object);
    sbufFree(e->username);
    sbufFree(e->cinfo);
    tfree(e);
}

static void unlinkEntry(aclLogEntry *e) {
    if (e->prev)
        e->prev->next = e->next;
    else
        logHead = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        logTail = e->prev;
    e->prev = e->next = NULL;
    logLen--;
}

static void pushFront(aclLogEntry *e) {
    e->prev = NULL;
    e->next = logHead;
    if (logHead) logHead->prev = e;
    logHead = e;
    if (!logTail) logTail = e;
    logLen++;
}

static bool sameBytes(const sbuf *a, const sbuf *b) {
    return a->len == b->len && memcmp(a->buf, b->buf, a->len) == 0;
}

void aclLogAdd(client *c, int reason, int context, slice object, const slice *username) {
    long long now = mstime();
    sbuf *obj = sbufNew(object.ptr, object.len);
    sbuf *user = username ? sbufNew(username->ptr, username->len)
                          : sbufNew(((aclUser *)c->user)->name, ((aclUser *)c->user)->nameLen);
    sbuf *cinfo = catClientInfo(sbufNewCap(256), c);
    int scanned = 0;
    for (aclLogEntry *e = logHead; e && scanned < ACL_LOG_SCAN; e = e->next, scanned++) {
        long long delta = e->ctime - now;
        if (delta < 0) delta = -delta;
        if (e->reason != reason || e->context != context || delta > ACL_LOG_GROUP_MS ||
            !sameBytes(e->object, obj) || !sameBytes(e->username, user))
            continue;
        unlinkEntry(e);
        pushFront(e);
        sbufFree(e->cinfo);
        e->cinfo = cinfo;
        e->ctime = now;
        e->count++;
        sbufFree(obj);
        sbufFree(user);
        return;
    }
    aclLogEntry *e = tcalloc(sizeof(*e));
    e->count = 1;
    e->reason = reason;
    e->context = context;
    e->object = obj;
    e->username = user;
    e->cinfo = cinfo;
    e->ctime = now;
    pushFront(e);
    while (logLen > aclLogMaxLen && logTail) {
        aclLogEntry *last = logTail;
        unlinkEntry(last);
        entryFree(last);
    }
}

void aclLogReset(void) {
    while (logHead) {
        aclLogEntry *e = logHead;
        unlinkEntry(e);
        entryFree(e);
    }
}

static const char *reasonName(int reason) {
    switch (reason) {
        case ACCESS_DENIED_CMD:
            return "command";
        case ACCESS_DENIED_KEY:
            return "key";
        case ACCESS_DENIED_CHANNEL:
            return "channel";
        case ACCESS_DENIED_AUTH:
            return "auth";
        default:
            return "unknown";
    }
}

static const char *contextName(int context) {
    switch (context) {
        case ACCESS_CTX_TOPLEVEL:
            return "toplevel";
        case ACCESS_CTX_MULTI:
            return "multi";
        case ACCESS_CTX_LUA:
            return "lua";
        default:
            return "unknown";
    }
}

void aclLogReply(client *c, long long count) {
    if (count > logLen) count = logLen;
    if (count < 0) count = 0;
    addReplyArrayLen(c, count);
    long long now = mstime();
    for (aclLogEntry *e = logHead; e && count > 0; e = e->next, count--) {
        addReplyMapLen(c, 7);
        addReplyBulkCStr(c, "count");
        addReplyLongLong(c, e->count);
        addReplyBulkCStr(c, "reason");
        addReplyBulkCStr(c, reasonName(e->reason));
        addReplyBulkCStr(c, "context");
        addReplyBulkCStr(c, contextName(e->context));
        addReplyBulkCStr(c, "object");
        addReplyBulk(c, e->object->buf, e->object->len);
        addReplyBulkCStr(c, "username");
        addReplyBulk(c, e->username->buf, e->username->len);
        addReplyBulkCStr(c, "age-seconds");
        addReplyDouble(c, (double)(now - e->ctime) / 1000);
        addReplyBulkCStr(c, "client-info");
        addReplyBulk(c, e->cinfo->buf, e->cinfo->len);
    }
}
