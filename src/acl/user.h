/* SPDX-License-Identifier: BSD-3-Clause
 *
 * ACL users and selectors: the data model behind ACL SETUSER and the rule
 * language of Redis 7.0, private to acl/.
 *
 * A user has flags (on/off, nopass, payload sanitizing), a list of password
 * hashes (hex SHA-256, never the clear text) and one or more selectors.
 * The first selector is the root one (the rules written outside
 * parentheses); each "(...)" rule adds another.  A command is allowed when
 * any selector allows the command and all its keys and channels.
 *
 *   aclUser ─┬─ name, flags, passwords[64-char hex] ...
 *            └─ selectors[0] root ── allowed bitmap (one bit per command id,
 *               selectors[1..]        the last bit: commands added later),
 *                                     first-arg exceptions, key patterns
 *                                     (~ %R~ %W~), channel patterns (&)
 *
 * Users live in an array sorted by name (ACL LIST order, binary search);
 * the default user is never removed, so a pointer to it stays valid.
 * Clients point at their user; deleting a user disconnects its clients.
 */
#ifndef TERN_ACL_USER_H
#define TERN_ACL_USER_H

#include <stdbool.h>
#include <stdint.h>

#include "server/server.h"

#define ACL_USER_ENABLED (1u << 0)
#define ACL_USER_DISABLED (1u << 1)
#define ACL_USER_NOPASS (1u << 2)
#define ACL_USER_SKIP_SANITIZE (1u << 3)
#define ACL_USER_SANITIZE (1u << 4)

#define ACL_SEL_ROOT (1u << 0)
#define ACL_SEL_ALLKEYS (1u << 1)
#define ACL_SEL_ALLCHANNELS (1u << 2)
#define ACL_SEL_ALLCOMMANDS (1u << 3)
#define ACL_SEL_UNRESTRICTED (ACL_SEL_ALLKEYS | ACL_SEL_ALLCHANNELS | ACL_SEL_ALLCOMMANDS)

/* Key pattern permissions: %R~ %W~ and ~ (both). */
#define ACL_KEY_READ 1
#define ACL_KEY_WRITE 2
#define ACL_KEY_ALL (ACL_KEY_READ | ACL_KEY_WRITE)

/* Bits in a command bitmap: every table entry has one, and the last one
 * records "+@all" (so ACL LIST can tell "+@all -x" from "-@all +...").
 * commandCount() must stay below ACL_FUTURE_BIT (checked at init). */
#define ACL_CMD_BITS 1024
#define ACL_CMD_WORDS (ACL_CMD_BITS / 64)
#define ACL_FUTURE_BIT (ACL_CMD_BITS - 1)

#define ACL_HASH_LEN 64 /* hex SHA-256 */

/* A key or channel pattern; 'flags' ACL_KEY_* (0 for channels). */
typedef struct aclPattern {
    int flags;
    size_t len;
    char str[]; /* NUL-terminated too */
} aclPattern;

/* "+cmd|arg": 'cmd' (no subcommands) allowed when argv[1] is 'arg'. */
typedef struct aclFirstArg {
    int cmdId;
    size_t len;
    char str[];
} aclFirstArg;

typedef struct aclSelector {
    uint32_t flags; /* ACL_SEL_* */
    uint64_t allowed[ACL_CMD_WORDS];
    aclFirstArg **firstArgs; /* in the order given */
    int numFirstArgs;
    aclPattern **keys;
    int numKeys;
    aclPattern **channels;
    int numChannels;
} aclSelector;

typedef struct aclUser {
    char *name; /* NUL-terminated copy; names have no spaces or NULs */
    size_t nameLen;
    uint32_t flags; /* ACL_USER_* */
    char (*passwords)[ACL_HASH_LEN];
    int numPasswords;
    aclSelector **selectors; /* [0] is the root selector */
    int numSelectors;
    sbuf *description; /* cached ACL LIST text (after "user <name> "), or NULL */
} aclUser;

/* Why a rule was refused (aclRuleError gives Redis's text for each). */
enum {
    ACL_RULE_OK = 0,
    ACL_RULE_SYNTAX,             /* EINVAL */
    ACL_RULE_UNKNOWN,            /* ENOENT: unknown command or category */
    ACL_RULE_KEYS_AFTER_ALL,     /* EEXIST */
    ACL_RULE_CHANNELS_AFTER_ALL, /* EISDIR */
    ACL_RULE_NO_SUCH_PASS,       /* ENODEV */
    ACL_RULE_BAD_HASH,           /* EBADMSG */
    ACL_RULE_DUPLICATE_USER,     /* EALREADY */
    ACL_RULE_SUBCOMMAND_ARG,     /* ECHILD */
};

/* acl-pubsub-default: ACL_SEL_ALLCHANNELS or 0 (resetchannels). */
extern uint32_t aclPubsubDefault;

/* ---- users (acl/user.c) ---- */

/* A new user called 'name' ('len' bytes), "off" with no permissions, not
 * yet in the registry. */
aclUser *aclUserCreate(const char *name, size_t len);
void aclUserFree(aclUser *u);
/* Makes 'dst' hold the same rules as 'src' (its name stays). */
void aclUserCopyRules(aclUser *dst, const aclUser *src);
/* Applies one rule 'op' ('len' bytes) to 'u'.  Returns ACL_RULE_OK or the
 * reason; on failure 'u' may be partly changed (callers work on a copy). */
int aclUserSetRule(aclUser *u, const char *op, size_t len);
/* Redis's text for a rule failure 'code'. */
const char *aclRuleError(int code);
/* Applies rules 'ops' to a copy of 'u' (a new user called 'name' when 'u'
 * is NULL), joining selectors spread over several words, and only if all
 * apply makes the change (adding the new user to the registry).  Returns
 * NULL, or an error text in a new sbuf for the caller to free. */
sbuf *aclUserApplyRules(aclUser *u, slice name, const slice *ops, int numOps);
/* Joins selector rules spread over several words ("(~a" "+get)") into
 * one each; returns 'count' new sbufs (the caller frees them and the
 * array), or NULL with '*badIndex' the word of an unclosed '('. */
sbuf **aclMergeSelectorArgs(const slice *ops, int numOps, int *count, int *badIndex);
/* Stores the hex SHA-256 of 'len' bytes at 'p' in 'out'. */
void aclHashPassword(const void *p, size_t len, char out[ACL_HASH_LEN]);
/* True when 'p' is one of the password hashes of 'u' (constant time per
 * hash compared). */
bool aclUserHasPassword(const aclUser *u, const char hash[ACL_HASH_LEN]);
/* True when 'len' bytes at 's' contain whitespace or NUL. */
bool aclHasSpaces(const char *s, size_t len);

/* ---- the registry (acl/user.c) ---- */

/* The default user (never NULL after aclInit). */
extern aclUser *aclDefault;
aclUser *aclFindUser(const char *name, size_t len);
/* Adds 'u' (its name must be new). */
void aclAddUser(aclUser *u);
/* Removes 'u' from the registry without freeing it. */
void aclUnlinkUser(aclUser *u);
/* Users sorted by name: 'aclUsers[0 .. aclNumUsers-1]'. */
extern aclUser **aclUsers;
extern int aclNumUsers;
/* Replaces the whole registry with 'users' ('n', sorted), as ACL LOAD does;
 * returns the old array for the caller to release. */
aclUser **aclSwapUsers(aclUser **users, int n, int *oldCount);

/* ---- selectors (acl/selector.c) ---- */

/* The user flags in the order ACL GETUSER and ACL LIST show them, with
 * the word each one is written as. */
typedef struct aclFlagName {
    const char *name;
    uint32_t flag;
} aclFlagName;
#define ACL_NUM_USER_FLAG_NAMES 5
extern const aclFlagName aclUserFlagNames[ACL_NUM_USER_FLAG_NAMES];

aclSelector *aclSelectorCreate(uint32_t flags);
aclSelector *aclSelectorDup(const aclSelector *s);
void aclSelectorFree(aclSelector *s);
/* Applies one selector rule ("~k", "+get", "allkeys", ...). */
int aclSelectorSetRule(aclSelector *s, const char *op, size_t len);
static inline bool aclSelectorBit(const aclSelector *s, int id) {
    return (s->allowed[id >> 6] >> (id & 63)) & 1;
}
/* Appends the command rules of 's' ("+@all -debug", "-@all +get") to 'out'. */
sbuf *aclSelectorDescribeCommands(const aclSelector *s, sbuf *out);
/* Appends the whole selector (keys, channels, commands) as ACL LIST shows it. */
sbuf *aclSelectorDescribe(const aclSelector *s, sbuf *out);
/* Appends one key pattern with its prefix (~, %R~, %W~). */
sbuf *aclPatternDescribe(const aclPattern *p, sbuf *out);
/* The ACL LIST text of 'u' after "user <name> ", cached in the user. */
const sbuf *aclUserDescription(aclUser *u);
/* Forgets the cached description of 'u' (after its rules changed). */
void aclUserInvalidate(aclUser *u);

/* ---- checks, log (acl/check.c, acl/log.c) ---- */

/* ACCESS_OK or why 'u' may not run 'cmd' with 'argv'/'argc'; '*errpos'
 * gets the refused key or channel argument. */
int aclUserCheck(const aclUser *u, const command *cmd, slice *argv, int argc, int *errpos);
/* Call after the default user's rules changed (keeps core/access.h's view). */
void aclDefaultChanged(void);
/* The ACL LOG (see acl/log.c). */
void aclLogAdd(client *c, int reason, int context, slice object, const slice *username);
void aclLogReset(void);
/* Replies the newest 'count' entries. */
void aclLogReply(client *c, long long count);

#endif
