/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The access-control gate's state and the texts of its refusals; see
 * core/access.h.  acl/ fills it in at startup.
 */
#include "core/access.h"

#include <stdio.h>

const accessOps *accessImpl;
struct aclUser *accessDefaultUser;
bool accessDefaultOpen = true;

void accessInstall(const accessOps *ops) {
    accessImpl = ops;
}

int accessAuthenticate(client *c, slice user, slice pass) {
    return accessImpl ? accessImpl->authenticate(c, user, pass) : C_ERR;
}

void accessLogDenial(client *c, int reason, int context, slice object, const slice *username) {
    if (accessImpl) accessImpl->logDenial(c, reason, context, object, username);
}

const char *accessDeniedError(int reason, const command *cmd, char *buf, size_t cap) {
    switch (reason) {
        case ACCESS_DENIED_CMD:
            snprintf(buf, cap, "NOPERM this user has no permissions to run the '%s' command",
                     cmd->name);
            break;
        case ACCESS_DENIED_KEY:
            snprintf(buf, cap,
                     "NOPERM this user has no permissions to access one of the keys "
                     "used as arguments");
            break;
        case ACCESS_DENIED_CHANNEL:
            snprintf(buf, cap,
                     "NOPERM this user has no permissions to access one of the "
                     "channels used as arguments");
            break;
        default:
            snprintf(buf, cap, "ERR no permission");
            break;
    }
    return buf;
}

const char *accessScriptDeniedError(int reason) {
    switch (reason) {
        case ACCESS_DENIED_CMD:
            return "The user executing the script can't run this command or subcommand";
        case ACCESS_DENIED_KEY:
            return "The user executing the script can't access at least one of the keys "
                   "mentioned in the command arguments";
        case ACCESS_DENIED_CHANNEL:
            return "The user executing the script can't publish to the channel mentioned in the "
                   "command";
        default:
            return "The user executing the script lacking the permissions for the command";
    }
}

const char *accessExecDeniedReason(int reason) {
    switch (reason) {
        case ACCESS_DENIED_CMD:
            return "no permission to execute the command or subcommand";
        case ACCESS_DENIED_KEY:
            return "no permission to touch the specified keys";
        case ACCESS_DENIED_CHANNEL:
            return "no permission to access one of the channels used as arguments";
        default:
            return "no permission";
    }
}

const char *accessUserName(const client *c) {
    if (!accessImpl || !c->user) return "default";
    return accessImpl->userName(c);
}
