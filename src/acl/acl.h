/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Access control lists (Redis 7.0 ACLs): users, their rules, the checks
 * the dispatcher makes through core/access.h, and the ACL LOG.  This header
 * is what the rest of the server (startup, config) uses; the data model is
 * acl/user.h, private to acl/.
 */
#ifndef TERN_ACL_ACL_H
#define TERN_ACL_ACL_H

#include <stdbool.h>

#include "server/server.h"

/* Creates the default user ("on nopass ~* &* +@all") and installs the
 * access hooks.  Call once, after the command table is built. */
void aclInit(void);

/* requirepass: makes 'pass' (NUL-terminated; NULL or "" for none) the only
 * password of the default user, or makes it nopass. */
void aclSetDefaultPassword(const char *pass);

/* acl-pubsub-default: 1 for allchannels (new users may use every
 * channel), 0 for resetchannels; aclApplyPubsubDefault makes it effective. */
extern int aclPubsubDefaultAll;
void aclApplyPubsubDefault(void);
/* Appends a "user ..." config line for every user (CONFIG REWRITE). */
sbuf *aclCatConfigUsers(sbuf *s);

/* acllog-max-len (entries kept; trimmed on the next entry). */
extern long long aclLogMaxLen;

/* A user whose rules were revoked: its subscribed clients that now name a
 * channel the new rules refuse are disconnected (ACL SETUSER, LOAD). */
struct aclUser;
void aclKillRevokedSubscribers(struct aclUser *old, struct aclUser *updated);
/* Disconnects every client authenticated as 'u' (after the current reply
 * for the calling client) and makes them the default user,
 * unauthenticated.  Then frees 'u', which must be out of the registry. */
void aclFreeUserAndKillClients(struct aclUser *u);

/* aclfile: the path ACL LOAD / SAVE use, or NULL (owned by the config). */
extern char *aclFile;
/* A "user <name> <rule> ..." config line ('argv' from the name on):
 * queued until aclLoadAtStartup.  NULL, or why it is refused (a name
 * given twice). */
const char *aclQueueConfigUser(char **argv, int argc);
/* True when the config file declared users. */
bool aclHasConfigUsers(void);
/* After aclInit and the config: applies the config's users, then the
 * aclfile; exits with Redis's message on any error. */
void aclLoadAtStartup(void);
/* Appends "user <name> <rules>" (ACL LIST, ACL SAVE, CONFIG REWRITE). */
sbuf *aclCatUserLine(sbuf *s, struct aclUser *u);
/* Frees every user and the log (shutdown). */
void aclRelease(void);

#endif
