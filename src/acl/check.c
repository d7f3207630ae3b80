/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Permission checks: may this user run this command on these keys and
 * channels?  Installed as the core/access.h implementation by aclInit,
 * together with authentication and the bookkeeping when users change
 * (disconnecting clients of deleted users and subscribers whose channels
 * were revoked).
 *
 * A command passes when some selector of the user allows it: the command
 * bit (or a first-argument exception), every key against a pattern with
 * the needed read/write permission, every channel against a channel
 * pattern.  When all selectors refuse, the reported reason is the most
 * specific one (channel > key > command) and, among equals, the one at the
 * highest argument position, as Redis 7.0 picks it.  The key positions are
 * computed once per check and shared by the selectors.
 *
 * Cost: a user whose root selector allows everything pays one flag test; a
 * restricted one a bit test plus one glob match per key and pattern.
 */
#include "acl/acl.h"

#include <string.h>
#include <strings.h>

#include "acl/user.h"
#include "core/access.h"
#include "core/client.h"
#include "core/command.h"
#include "core/keyspec.h"
#include "core/pubsub.h"
#include "ds/glob.h"
#include "net/conn.h"

#define ACL_MAX_KEYREFS 256

/* The keys of one command invocation with the permission each needs,
 * found once and shared by the selectors. */
typedef struct keyRefs {
    bool ready;
    int n;
    keyRef refs[ACL_MAX_KEYREFS];
} keyRefs;

static void computeKeyRefs(const command *cmd, slice *argv, int argc, keyRefs *kr) {
    kr->ready = true;
    /* Shard channels sit where keys would be; they are checked as
     * channels, not keys. */
    commandProc *p = cmd->proc;
    if (p == spublishCommand || p == ssubscribeCommand || p == sunsubscribeCommand) {
        kr->n = 0;
        return;
    }
    kr->n = commandKeyRefs(cmd, argv, argc, kr->refs, ACL_MAX_KEYREFS);
}

static bool keyAllowed(const aclSelector *s, slice key, int need) {
    for (int j = 0; j < s->numKeys; j++) {
        const aclPattern *p = s->keys[j];
        if ((p->flags & need) != need) continue;
        if (globMatch(p->str, p->len, key.ptr, key.len, false)) return true;
    }
    return false;
}

/* A channel against the channel patterns of 's'; a PSUBSCRIBE pattern is
 * compared literally (it may only be one the rules name). */
static bool channelAllowed(const aclSelector *s, const char *ch, size_t len, bool isPattern) {
    if (s->flags & ACL_SEL_ALLCHANNELS) return true;
    for (int j = 0; j < s->numChannels; j++) {
        const aclPattern *p = s->channels[j];
        if (isPattern) {
            if (p->len == len && memcmp(p->str, ch, len) == 0) return true;
        } else if (globMatch(p->str, p->len, ch, len, false)) {
            return true;
        }
    }
    return false;
}

/* Which arguments of 'cmd' are channels: [first, argc) or just 'first'. */
static bool commandChannels(const command *cmd, int *first, bool *all, bool *isPattern) {
    commandProc *p = cmd->proc;
    *first = 1;
    *isPattern = p == psubscribeCommand;
    if (p == subscribeCommand || p == ssubscribeCommand || p == psubscribeCommand) {
        *all = true;
        return true;
    }
    if (p == publishCommand || p == spublishCommand) {
        *all = false;
        return true;
    }
    return false;
}

static int checkSelector(const aclSelector *s, const command *cmd, slice *argv, int argc,
                         int *errpos, keyRefs *kr) {
    if (!(s->flags & ACL_SEL_ALLCOMMANDS) && !(cmd->flags & CMD_NO_AUTH) &&
        !aclSelectorBit(s, cmd->id)) {
        int idx = cmd->parent ? 2 : 1;
        bool ok = false;
        for (int j = 0; j < s->numFirstArgs && !ok && argc > idx; j++) {
            const aclFirstArg *fa = s->firstArgs[j];
            ok = fa->cmdId == cmd->id && fa->len == argv[idx].len &&
                 strncasecmp(fa->str, argv[idx].ptr, fa->len) == 0;
        }
        if (!ok) return ACCESS_DENIED_CMD;
    }
    if (!(s->flags & ACL_SEL_ALLKEYS) && (cmd->firstKey > 0 || (cmd->flags & CMD_MOVABLE_KEYS))) {
        if (!kr->ready) computeKeyRefs(cmd, argv, argc, kr);
        for (int j = 0; j < kr->n; j++) {
            if (!keyAllowed(s, argv[kr->refs[j].pos], kr->refs[j].need)) {
                *errpos = kr->refs[j].pos;
                return ACCESS_DENIED_KEY;
            }
        }
    }
    int first;
    bool all, isPattern;
    if (!(s->flags & ACL_SEL_ALLCHANNELS) && commandChannels(cmd, &first, &all, &isPattern)) {
        int last = all ? argc - 1 : first;
        for (int j = first; j <= last && j < argc; j++) {
            if (!channelAllowed(s, argv[j].ptr, argv[j].len, isPattern)) {
                *errpos = j;
                return ACCESS_DENIED_CHANNEL;
            }
        }
    }
    return ACCESS_OK;
}

/* ACCESS_OK or the reason 'u' may not run 'cmd' (see the file comment). */
int aclUserCheck(const aclUser *u, const command *cmd, slice *argv, int argc, int *errpos) {
    keyRefs kr;
    kr.ready = false;
    int relevant = ACCESS_DENIED_CMD, lastPos = 0, pos = 0;
    for (int j = 0; j < u->numSelectors; j++) {
        int r = checkSelector(u->selectors[j], cmd, argv, argc, &pos, &kr);
        if (r == ACCESS_OK) return ACCESS_OK;
        if (r > relevant || (r == relevant && pos > lastPos)) {
            relevant = r;
            lastPos = pos;
        }
    }
    *errpos = lastPos;
    return relevant;
}

static int accessCheckImpl(client *c, const command *cmd, slice *argv, int argc, int *errpos) {
    const aclUser *u = c->user;
    if ((u->selectors[0]->flags & ACL_SEL_UNRESTRICTED) == ACL_SEL_UNRESTRICTED) return ACCESS_OK;
    return aclUserCheck(u, cmd, argv, argc, errpos);
}

/* ---- authentication ---- */

/* C_OK when 'user' exists, is enabled, and 'pass' is one of its passwords
 * (or it needs none).  Hashing happens even for unknown users so the
 * time taken does not tell which users exist. */
static aclUser *checkCredentials(slice user, slice pass) {
    char hash[ACL_HASH_LEN];
    aclHashPassword(pass.ptr, pass.len, hash);
    aclUser *u = aclFindUser(user.ptr, user.len);
    if (!u || (u->flags & ACL_USER_DISABLED)) return NULL;
    if (u->flags & ACL_USER_NOPASS) return u;
    return aclUserHasPassword(u, hash) ? u : NULL;
}

static int authenticateImpl(client *c, slice user, slice pass) {
    aclUser *u = checkCredentials(user, pass);
    if (!u) {
        accessLogDenial(c, ACCESS_DENIED_AUTH,
                        (c->flags & CLIENT_MULTI) ? ACCESS_CTX_MULTI : ACCESS_CTX_TOPLEVEL,
                        c->argv[0], &user);
        return C_ERR;
    }
    c->user = u;
    c->flags |= CLIENT_AUTHENTICATED;
    return C_OK;
}

static const char *userNameImpl(const client *c) {
    return ((const aclUser *)c->user)->name;
}

static struct aclUser *findUserImpl(slice name) {
    return aclFindUser(name.ptr, name.len);
}

static bool fullKeyReadImpl(client *c) {
    const aclUser *u = c->user;
    keyRefs kr;
    kr.ready = false;
    for (int j = 0; j < u->numSelectors; j++) {
        const aclSelector *s = u->selectors[j];
        int pos = 0;
        if (checkSelector(s, c->cmd, c->argv, c->argc, &pos, &kr) != ACCESS_OK) continue;
        if (s->flags & ACL_SEL_ALLKEYS) return true;
        for (int k = 0; k < s->numKeys; k++)
            if ((s->keys[k]->flags & ACL_KEY_READ) && s->keys[k]->len == 1 &&
                s->keys[k]->str[0] == '*')
                return true;
    }
    return false;
}

static const accessOps aclOps = {
    .check = accessCheckImpl,
    .logDenial = aclLogAdd,
    .authenticate = authenticateImpl,
    .userName = userNameImpl,
    .findUser = findUserImpl,
    .fullKeyRead = fullKeyReadImpl,
};

/* Keeps core/access.h's view of the default user in step with its rules. */
void aclDefaultChanged(void) {
    accessDefaultOpen =
        (aclDefault->flags & ACL_USER_NOPASS) && !(aclDefault->flags & ACL_USER_DISABLED);
}

void aclInit(void) {
    serverAssert(commandCount() < ACL_FUTURE_BIT);
    aclDefault = aclUserCreate("default", 7);
    aclUserSetRule(aclDefault, "+@all", 5);
    aclUserSetRule(aclDefault, "~*", 2);
    aclUserSetRule(aclDefault, "&*", 2);
    aclUserSetRule(aclDefault, "on", 2);
    aclUserSetRule(aclDefault, "nopass", 6);
    aclAddUser(aclDefault);
    accessDefaultUser = aclDefault;
    aclApplyPubsubDefault();
    aclSetDefaultPassword(server.requirepass);
    accessInstall(&aclOps);
}

int aclPubsubDefaultAll;

void aclApplyPubsubDefault(void) {
    aclPubsubDefault = aclPubsubDefaultAll ? ACL_SEL_ALLCHANNELS : 0;
}

void aclSetDefaultPassword(const char *pass) {
    if (!aclDefault) return; /* config time: aclInit applies it */
    aclUserSetRule(aclDefault, "resetpass", 9);
    if (pass && *pass) {
        size_t len = strlen(pass);
        char *op = tmalloc(len + 1);
        op[0] = '>';
        memcpy(op + 1, pass, len);
        aclUserSetRule(aclDefault, op, len + 1);
        tfree(op);
    } else {
        aclUserSetRule(aclDefault, "nopass", 6);
    }
    aclDefaultChanged();
}

/* ---- when users change ---- */

void aclFreeUserAndKillClients(aclUser *u) {
    for (client *c = clientListFirst(); c; c = clientListNext(c)) {
        if (c->user != u) continue;
        /* Safer to drop the identity at once than to trust that nothing
         * runs for this client before it is closed. */
        c->user = aclDefault;
        c->flags &= ~CLIENT_AUTHENTICATED;
        if (c == server.currentClient)
            c->flags |= CLIENT_CLOSE_AFTER_REPLY;
        else
            freeClientAsync(c);
    }
    aclUserFree(u);
}

typedef struct revokeCheck {
    const aclUser *updated;
} revokeCheck;

static bool subscriptionStillAllowed(bool isPattern, const char *name, size_t len, void *priv) {
    const revokeCheck *rc = priv;
    for (int j = 0; j < rc->updated->numSelectors; j++) {
        const aclSelector *s = rc->updated->selectors[j];
        for (int k = 0; k < s->numChannels; k++) {
            const aclPattern *p = s->channels[k];
            if (isPattern ? (p->len == len && memcmp(p->str, name, len) == 0)
                          : globMatch(p->str, p->len, name, len, false))
                return true;
        }
    }
    return false;
}

static bool hasChannel(const aclUser *u, const aclPattern *p) {
    for (int j = 0; j < u->numSelectors; j++) {
        const aclSelector *s = u->selectors[j];
        for (int k = 0; k < s->numChannels; k++)
            if (s->channels[k]->len == p->len && memcmp(s->channels[k]->str, p->str, p->len) == 0)
                return true;
    }
    return false;
}

void aclKillRevokedSubscribers(aclUser *old, aclUser *updated) {
    for (int j = 0; j < updated->numSelectors; j++)
        if (updated->selectors[j]->flags & ACL_SEL_ALLCHANNELS) return;
    /* Nothing to do when every old channel pattern is still there. */
    bool superset = true;
    for (int j = 0; j < old->numSelectors && superset; j++) {
        const aclSelector *s = old->selectors[j];
        if (s->flags & ACL_SEL_ALLCHANNELS) superset = false;
        for (int k = 0; k < s->numChannels && superset; k++)
            superset = hasChannel(updated, s->channels[k]);
    }
    if (superset) return;
    revokeCheck rc = {updated};
    client *next;
    for (client *c = clientListFirst(); c; c = next) {
        next = clientListNext(c);
        if (c->user != old || !(c->flags & CLIENT_PUBSUB)) continue;
        if (!pubsubForEachSubscription(c, subscriptionStillAllowed, &rc)) freeClient(c);
    }
}
