/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Generic keyspace commands: DEL, UNLINK, EXISTS, TYPE, RENAME, COPY, KEYS,
 * SCAN, RANDOMKEY, DBSIZE, FLUSHDB/FLUSHALL, TOUCH, SWAPDB, MOVE, OBJECT.
 * They work on any type through kvobj and objTypeOps.
 */
#include <string.h>

#include "core/args.h"
#include "core/command.h"
#include "core/db.h"
#include "core/errors.h"
#include "core/notify.h"
#include "net/reply.h"

/* DEL and UNLINK: 'lazy' hands big values to the lazy-free thread. */
static void delGeneric(client *c, bool lazy) {
    long long deleted = 0;
    for (int j = 1; j < c->argc; j++) {
        slice k = c->argv[j];
        kvobj *kv = lookupWrite(c, k);
        if (!kv) continue;
        if (dbDelete(c->db, k.ptr, k.len, lazy)) {
            signalModifiedKey(c, c->db, k.ptr, k.len);
            notifyKeyspaceEvent(NOTIFY_GENERIC, "del", k.ptr, k.len, c->db->id);
            deleted++;
        }
    }
    addReplyLongLong(c, deleted);
}

void delCommand(client *c) { delGeneric(c, server.lazyfreeLazyUserDel); }

/* Parses the optional ASYNC|SYNC argument of FLUSHDB/FLUSHALL. */
static int getFlushAsyncOrReply(client *c, bool *async) {
    *async = server.lazyfreeLazyUserFlush;
    if (c->argc > 2) {
        addReplyError(c, ERR_SYNTAX);
        return C_ERR;
    }
    if (c->argc == 2) {
        if (sliceIs(c->argv[1], "sync")) {
            *async = false;
        } else if (sliceIs(c->argv[1], "async")) {
            *async = true;
        } else {
            addReplyError(c, ERR_SYNTAX);
            return C_ERR;
        }
    }
    return C_OK;
}

void flushdbCommand(client *c) {
    bool async;
    if (getFlushAsyncOrReply(c, &async) == C_ERR) return;
    dbEmpty(c->db->id, async);
    addReplyOK(c);
}

void flushallCommand(client *c) {
    bool async;
    if (getFlushAsyncOrReply(c, &async) == C_ERR) return;
    dbEmpty(-1, async);
    addReplyOK(c);
}
