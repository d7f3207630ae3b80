/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Commands about the server process itself: TIME and SHUTDOWN.
 *
 * SHUTDOWN goes through the same prepareForShutdown/exitServer path as
 * SIGTERM, so a client-requested exit is as clean as a signalled one
 * (pidfile removed, Unix socket unlinked, memory freed).  On success the
 * caller gets no reply: its connection simply closes, as with Redis.
 */
#include <sys/time.h>

#include "core/args.h"
#include "core/command.h"
#include "core/errors.h"
#include "net/reply.h"
#include "server/lifecycle.h"

/* TIME: unix seconds and microseconds, as two bulk strings. */
void timeCommand(client *c) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    addReplyArrayLen(c, 2);
    addReplyBulkLongLong(c, (long long)tv.tv_sec);
    addReplyBulkLongLong(c, (long long)tv.tv_usec);
}

/* SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT].  NOW and FORCE are
 * accepted as Redis 7 does; with no replicas to wait for and no save that
 * can fail except an explicit SAVE, NOW changes nothing and FORCE only lets
 * SAVE's failure pass.  ABORT has no shutdown in progress to cancel. */
void shutdownCommand(client *c) {
    int flags = SHUTDOWN_DEFAULT;
    bool abort = false;
    for (int j = 1; j < c->argc; j++) {
        slice a = c->argv[j];
        if (sliceIs(a, "nosave")) {
            flags |= SHUTDOWN_NOSAVE;
        } else if (sliceIs(a, "save")) {
            flags |= SHUTDOWN_SAVE;
        } else if (sliceIs(a, "now")) {
            flags |= SHUTDOWN_NOW;
        } else if (sliceIs(a, "force")) {
            flags |= SHUTDOWN_FORCE;
        } else if (sliceIs(a, "abort")) {
            abort = true;
        } else {
            addReplyError(c, ERR_SYNTAX);
            return;
        }
    }
    if ((abort && flags != SHUTDOWN_DEFAULT) ||
        ((flags & SHUTDOWN_NOSAVE) && (flags & SHUTDOWN_SAVE))) {
        addReplyError(c, ERR_SYNTAX);
        return;
    }
    if (abort) {
        addReplyError(c, "ERR No shutdown in progress.");
        return;
    }
    /* While a script is past busy-reply-threshold only NOSAVE may stop the
     * server (its changes so far must not reach a snapshot). */
    if (server.busyReply && !(flags & SHUTDOWN_NOSAVE)) {
        addReplyError(c, server.busyReply);
        return;
    }
    if (!(flags & SHUTDOWN_NOW) && (c->flags & CLIENT_DENY_BLOCKING)) {
        addReplyError(c,
                      "ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client");
        return;
    }
    if (prepareForShutdown(flags) == C_OK) exitServer(0);
    addReplyError(c, "ERR Errors trying to SHUTDOWN. Check logs.");
}
