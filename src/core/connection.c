/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Connection-level commands: PING, ECHO, QUIT, RESET, SELECT, HELLO.
 * They change only the calling client's state (protocol, db, auth).  AUTH
 * and the users HELLO AUTH checks against live in acl/.
 */
#include <limits.h>
#include <string.h>

#include "core/access.h"
#include "core/args.h"
#include "core/command.h"
#include "core/db.h"
#include "core/errors.h"
#include "core/multi.h"
#include "core/pubsub.h"
#include "net/conn.h"
#include "net/reply.h"
#include "server/monitor.h"

void pingCommand(client *c) {
    if (c->argc > 2) {
        addReplyErrorArity(c);
        return;
    }
    if ((c->flags & CLIENT_PUBSUB) && c->resp == 2) {
        /* A RESP2 subscriber reads arrays only: ["pong", <arg or "">]. */
        addReplyArrayLen(c, 2);
        addReplyBulk(c, "pong", 4);
        addReplyBulkSlice(c, c->argc == 2 ? c->argv[1] : (slice){"", 0});
    } else if (c->argc == 1)
        addReplyProto(c, "+PONG\r\n", 7);
    else
        addReplyBulkSlice(c, c->argv[1]);
}

void echoCommand(client *c) { addReplyBulkSlice(c, c->argv[1]); }

void quitCommand(client *c) {
    addReplyOK(c);
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

void selectCommand(client *c) {
    long long id;
    /* Redis parses the index as a C int with the generic messages; only a
     * parsed index outside 0..databases-1 gets the DB-specific one. */
    if (getRangeLongOrReply(c, c->argv[1], INT_MIN, INT_MAX, &id, NULL) == C_ERR) return;
    if (id < 0 || id >= server.dbnum) {
        addReplyError(c, ERR_DB_INDEX);
        return;
    }
    c->db = dbGet((int)id);
    addReplyOK(c);
}

void helloCommand(client *c) {
    long long ver = 0;
    int next = 1;
    if (c->argc >= 2) {
        if (getLongLongOrReply(c, c->argv[1], &ver,
                               "ERR Protocol version is not an integer or out of range") == C_ERR)
            return;
        next = 2;
        if (ver < 2 || ver > 3) {
            addReplyError(c, "NOPROTO unsupported protocol version");
            return;
        }
    }
    slice setname = {NULL, 0};
    bool hasName = false;
    for (int j = next; j < c->argc; j++) {
        int more = c->argc - j - 1;
        if (sliceIs(c->argv[j], "AUTH") && more >= 2) {
            int rc = accessAuthenticate(c, c->argv[j + 1], c->argv[j + 2]);
            commandRedactArg(c, j + 1);
            commandRedactArg(c, j + 2);
            if (rc == C_ERR) {
                addReplyError(c, ERR_WRONGPASS);
                return;
            }
            j += 2;
        } else if (sliceIs(c->argv[j], "SETNAME") && more >= 1) {
            setname = c->argv[j + 1];
            hasName = true;
            j++;
        } else {
            addReplyErrorFormat(c, "ERR Syntax error in HELLO option '%.*s'",
                                (int)(c->argv[j].len < 128 ? c->argv[j].len : 128),
                                c->argv[j].ptr);
            return;
        }
    }
    if (!(c->flags & CLIENT_AUTHENTICATED)) {
        addReplyError(c, "NOAUTH HELLO must be called with the client already authenticated, "
                         "otherwise the HELLO <proto> AUTH <user> <pass> option can be used to "
                         "authenticate the client and select the RESP protocol version at the "
                         "same time");
        return;
    }
    if (hasName) {
        for (size_t k = 0; k < setname.len; k++) {
            if (setname.ptr[k] < '!' || setname.ptr[k] > '~') {
                addReplyError(c, "ERR Client names cannot contain spaces, newlines or special "
                                 "characters.");
                return;
            }
        }
        sbufFree(c->name);
        c->name = setname.len ? sbufNew(setname.ptr, setname.len) : NULL;
    }
    if (ver) c->resp = (int)ver;
    addReplyMapLen(c, 7);
    addReplyBulkCStr(c, "server");
    addReplyBulkCStr(c, "redis");
    addReplyBulkCStr(c, "version");
    addReplyBulkCStr(c, TERN_VERSION);
    addReplyBulkCStr(c, "proto");
    addReplyLongLong(c, c->resp);
    addReplyBulkCStr(c, "id");
    addReplyLongLong(c, (long long)c->id);
    addReplyBulkCStr(c, "mode");
    addReplyBulkCStr(c, "standalone");
    addReplyBulkCStr(c, "role");
    addReplyBulkCStr(c, "master");
    addReplyBulkCStr(c, "modules");
    addReplyArrayLen(c, 0);
}

void resetCommand(client *c) {
    multiDiscard(c);
    pubsubUnsubscribeAll(c);
    monitorStop(c);
    c->resp = 2;
    c->db = dbGet(0);
    c->flags &= ~(CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP | CLIENT_REPLY_SKIP_NEXT | CLIENT_NO_EVICT);
    accessResetClient(c);
    sbufFree(c->name);
    c->name = NULL;
    addReplyStatus(c, "RESET");
}
