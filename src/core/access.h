/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The access-control gate the core consults: who a client is, whether it
 * must still authenticate, and whether it may run a command on the keys and
 * channels it names.  The core only asks; acl/ (users, rules, ACL LOG)
 * answers, by installing an accessOps table at startup.  Without one every
 * client is authenticated and may run everything (unit tests, tools).
 *
 * Authentication follows Redis 7.0: a client starts as the default user,
 * already authenticated when that user is enabled and "nopass"; otherwise
 * every command but the CMD_NO_AUTH ones (AUTH, HELLO, QUIT, RESET) is
 * refused with NOAUTH until AUTH or HELLO AUTH succeeds.  While the default
 * user is open (nopass, enabled) nobody needs to authenticate, whatever
 * their flag says; that test is one load per command (accessDefaultOpen).
 *
 * Permission checks cost one indirect call per command; a user with every
 * command, key and channel answers it without looking at the arguments.
 */
#ifndef TERN_CORE_ACCESS_H
#define TERN_CORE_ACCESS_H

#include <stdbool.h>

#include "server/server.h"

/* Outcomes of a permission check, in Redis's order (a larger value is the
 * more specific denial when several selectors disagree). */
#define ACCESS_OK 0
#define ACCESS_DENIED_CMD 1
#define ACCESS_DENIED_KEY 2
#define ACCESS_DENIED_AUTH 3
#define ACCESS_DENIED_CHANNEL 4

/* Where a denied command was running, as ACL LOG reports it. */
#define ACCESS_CTX_TOPLEVEL 0
#define ACCESS_CTX_MULTI 1
#define ACCESS_CTX_LUA 2

typedef struct accessOps {
    /* ACCESS_OK, or why the user of 'c' may not run 'cmd' with 'argc'
     * arguments 'argv' (argv[0] is the name); for a key or channel denial
     * '*errpos' is the argv index of the refused argument. */
    int (*check)(client *c, const command *cmd, slice *argv, int argc, int *errpos);
    /* Records a denial in the ACL LOG: 'reason' from check (or
     * ACCESS_DENIED_AUTH), 'context' ACCESS_CTX_*, 'object' the command
     * name, key, channel or (auth) the command that tried, 'username' the
     * user (NULL: the client's own). */
    void (*logDenial)(client *c, int reason, int context, slice object, const slice *username);
    /* Checks 'user'/'pass'; on success makes 'c' that user, authenticated,
     * and returns C_OK; on failure logs it and returns C_ERR. */
    int (*authenticate)(client *c, slice user, slice pass);
    /* The name of the user of 'c' (a new client, RESET: the default one). */
    const char *(*userName)(const client *c);
    /* The user called 'name', or NULL (CLIENT KILL USER compares it with
     * c->user). */
    struct aclUser *(*findUser)(slice name);
    /* True when a selector of the user of 'c' that allows c->cmd with its
     * arguments may read every key (SORT BY/GET patterns need that). */
    bool (*fullKeyRead)(client *c);
} accessOps;

/* The installed implementation, or NULL. */
extern const accessOps *accessImpl;
/* The user new clients (and RESET) start as; owned by acl/. */
extern struct aclUser *accessDefaultUser;
/* True while the default user is enabled and needs no password. */
extern bool accessDefaultOpen;

/* Installs 'ops' (acl/ at startup). */
void accessInstall(const accessOps *ops);

/* Gives 'c' the default user and the authentication state a new
 * connection has (new clients, RESET). */
static inline void accessResetClient(client *c) {
    c->user = accessDefaultUser;
    if (accessDefaultOpen)
        c->flags |= CLIENT_AUTHENTICATED;
    else
        c->flags &= ~CLIENT_AUTHENTICATED;
}

/* True when 'c' must authenticate before running a CMD_NO_AUTH-less
 * command (the pre-authentication protocol limits also apply then). */
static inline bool accessAuthRequired(const client *c) {
    return !(c->flags & CLIENT_AUTHENTICATED) && !accessDefaultOpen;
}

/* ACCESS_OK or the denial for 'c' running 'cmd' (see accessOps.check). */
static inline int accessCheck(client *c, const command *cmd, slice *argv, int argc, int *errpos) {
    if (!accessImpl || !c->user) return ACCESS_OK;
    return accessImpl->check(c, cmd, argv, argc, errpos);
}

/* True when 'c' may read any key with the command it is running (see
 * accessOps.fullKeyRead). */
static inline bool accessFullKeyRead(client *c) {
    if (!accessImpl || !c->user) return true;
    return accessImpl->fullKeyRead(c);
}

/* Authenticates 'c' as 'user' with 'pass' (see accessOps.authenticate);
 * C_ERR without an implementation. */
int accessAuthenticate(client *c, slice user, slice pass);

/* Logs a denial (see accessOps.logDenial); no-op without an implementation. */
void accessLogDenial(client *c, int reason, int context, slice object, const slice *username);

/* Writes the NOPERM error a client gets for denial 'reason' of 'cmd' into
 * 'buf' ('cap' bytes) and returns it. */
const char *accessDeniedError(int reason, const command *cmd, char *buf, size_t cap);

/* The error a script's redis.call gets for denial 'reason' (without the
 * "ERR " prefix, which the script layer adds). */
const char *accessScriptDeniedError(int reason);

/* Why EXEC refuses a queued command whose permission went away. */
const char *accessExecDeniedReason(int reason);

/* The user name of 'c' for CLIENT LIST and ACL LOG ("default" without an
 * implementation). */
const char *accessUserName(const client *c);

#endif
