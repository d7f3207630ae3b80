/* SPDX-License-Identifier: BSD-3-Clause
 *
 * ACL users: creation, the user-level rules of the ACL language (on/off,
 * passwords, selectors, reset), all-or-nothing application of a rule list,
 * and the registry of users sorted by name.  See acl/user.h for the model.
 *
 * Passwords are kept only as hex SHA-256 (OpenSSL's libcrypto); comparing
 * a candidate touches every byte of every stored hash, so the time taken
 * says nothing about how much of a hash matched.
 */
#include "acl/user.h"

#include <ctype.h>
#include <openssl/sha.h>
#include <string.h>
#include <strings.h>

#include "acl/acl.h"
#include "net/resp.h"

aclUser *aclDefault;
aclUser **aclUsers;
int aclNumUsers;

bool aclHasSpaces(const char *s, size_t len) {
    for (size_t j = 0; j < len; j++)
        if (isspace((unsigned char)s[j]) || s[j] == '\0') return true;
    return false;
}

void aclHashPassword(const void *p, size_t len, char out[ACL_HASH_LEN]) {
    static const char hex[] = "0123456789abcdef";
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(p, len, md);
    for (int j = 0; j < SHA256_DIGEST_LENGTH; j++) {
        out[j * 2] = hex[md[j] >> 4];
        out[j * 2 + 1] = hex[md[j] & 15];
    }
}

bool aclUserHasPassword(const aclUser *u, const char hash[ACL_HASH_LEN]) {
    bool found = false;
    for (int j = 0; j < u->numPasswords; j++) {
        unsigned diff = 0;
        for (int k = 0; k < ACL_HASH_LEN; k++)
            diff |= (unsigned char)(u->passwords[j][k] ^ hash[k]);
        found |= diff == 0;
    }
    return found;
}

static bool validHash(const char *h, size_t len) {
    if (len != ACL_HASH_LEN) return false;
    for (size_t j = 0; j < len; j++)
        if (!((h[j] >= '0' && h[j] <= '9') || (h[j] >= 'a' && h[j] <= 'f'))) return false;
    return true;
}

aclUser *aclUserCreate(const char *name, size_t len) {
    aclUser *u = tcalloc(sizeof(*u));
    u->name = tmemdup(name, len + 1);
    u->name[len] = '\0';
    u->nameLen = len;
    u->flags = ACL_USER_DISABLED;
    u->selectors = tmalloc(sizeof(*u->selectors));
    u->selectors[0] = aclSelectorCreate(ACL_SEL_ROOT);
    u->numSelectors = 1;
    return u;
}

static void clearSelectors(aclUser *u, int keep) {
    for (int j = keep; j < u->numSelectors; j++)
        aclSelectorFree(u->selectors[j]);
    u->numSelectors = keep;
}

void aclUserFree(aclUser *u) {
    if (!u) return;
    clearSelectors(u, 0);
    tfree(u->selectors);
    tfree(u->passwords);
    sbufFree(u->description);
    tfree(u->name);
    tfree(u);
}

void aclUserInvalidate(aclUser *u) {
    sbufFree(u->description);
    u->description = NULL;
}

void aclUserCopyRules(aclUser *dst, const aclUser *src) {
    clearSelectors(dst, 0);
    dst->selectors = trealloc(dst->selectors, sizeof(*dst->selectors) * (size_t)src->numSelectors);
    for (int j = 0; j < src->numSelectors; j++)
        dst->selectors[j] = aclSelectorDup(src->selectors[j]);
    dst->numSelectors = src->numSelectors;
    tfree(dst->passwords);
    dst->passwords = NULL;
    if (src->numPasswords) {
        dst->passwords = tmalloc(sizeof(*dst->passwords) * (size_t)src->numPasswords);
        memcpy(dst->passwords, src->passwords, sizeof(*dst->passwords) * (size_t)src->numPasswords);
    }
    dst->numPasswords = src->numPasswords;
    dst->flags = src->flags;
    aclUserInvalidate(dst);
}

static int findPassword(const aclUser *u, const char hash[ACL_HASH_LEN]) {
    for (int j = 0; j < u->numPasswords; j++)
        if (memcmp(u->passwords[j], hash, ACL_HASH_LEN) == 0) return j;
    return -1;
}

static void addPassword(aclUser *u, const char hash[ACL_HASH_LEN]) {
    if (findPassword(u, hash) < 0) {
        u->passwords =
            trealloc(u->passwords, sizeof(*u->passwords) * (size_t)(u->numPasswords + 1));
        memcpy(u->passwords[u->numPasswords++], hash, ACL_HASH_LEN);
    }
    u->flags &= ~ACL_USER_NOPASS;
}

static void clearPasswords(aclUser *u) {
    tfree(u->passwords);
    u->passwords = NULL;
    u->numPasswords = 0;
}

static bool isRule(const char *op, size_t len, const char *word) {
    return strlen(word) == len && strncasecmp(op, word, len) == 0;
}

/* "(rule rule ...)": a new selector built from the words inside, split
 * like a config line.  Unbalanced quotes give an empty selector, as in
 * Redis. */
static int addSelector(aclUser *u, const char *op, size_t len) {
    aclSelector *s = aclSelectorCreate(0);
    char *inner = tmemdup(op + 1, len - 2);
    respArg *args = NULL;
    int cap = 0;
    int argc = respSplitArgs(inner, len - 2, &args, &cap);
    int rc = ACL_RULE_OK;
    for (int j = 0; j < argc && rc == ACL_RULE_OK; j++)
        rc = aclSelectorSetRule(s, inner + args[j].off, args[j].len);
    tfree(args);
    tfree(inner);
    if (rc != ACL_RULE_OK) {
        aclSelectorFree(s);
        return rc;
    }
    u->selectors = trealloc(u->selectors, sizeof(*u->selectors) * (size_t)(u->numSelectors + 1));
    u->selectors[u->numSelectors++] = s;
    return ACL_RULE_OK;
}

int aclUserSetRule(aclUser *u, const char *op, size_t len) {
    aclUserInvalidate(u);
    if (len == 0) return ACL_RULE_OK;
    if (isRule(op, len, "on")) {
        u->flags = (u->flags | ACL_USER_ENABLED) & ~ACL_USER_DISABLED;
    } else if (isRule(op, len, "off")) {
        u->flags = (u->flags | ACL_USER_DISABLED) & ~ACL_USER_ENABLED;
    } else if (isRule(op, len, "skip-sanitize-payload")) {
        u->flags = (u->flags | ACL_USER_SKIP_SANITIZE) & ~ACL_USER_SANITIZE;
    } else if (isRule(op, len, "sanitize-payload")) {
        u->flags = (u->flags | ACL_USER_SANITIZE) & ~ACL_USER_SKIP_SANITIZE;
    } else if (isRule(op, len, "nopass")) {
        u->flags |= ACL_USER_NOPASS;
        clearPasswords(u);
    } else if (isRule(op, len, "resetpass")) {
        u->flags &= ~ACL_USER_NOPASS;
        clearPasswords(u);
    } else if (op[0] == '>' || op[0] == '#') {
        char hash[ACL_HASH_LEN];
        if (op[0] == '>') {
            aclHashPassword(op + 1, len - 1, hash);
        } else {
            if (!validHash(op + 1, len - 1)) return ACL_RULE_BAD_HASH;
            memcpy(hash, op + 1, ACL_HASH_LEN);
        }
        addPassword(u, hash);
    } else if (op[0] == '<' || op[0] == '!') {
        char hash[ACL_HASH_LEN];
        if (op[0] == '<') {
            aclHashPassword(op + 1, len - 1, hash);
        } else {
            if (!validHash(op + 1, len - 1)) return ACL_RULE_BAD_HASH;
            memcpy(hash, op + 1, ACL_HASH_LEN);
        }
        int at = findPassword(u, hash);
        if (at < 0) return ACL_RULE_NO_SUCH_PASS;
        memmove(u->passwords[at], u->passwords[at + 1],
                sizeof(*u->passwords) * (size_t)(u->numPasswords - at - 1));
        u->numPasswords--;
    } else if (op[0] == '(' && op[len - 1] == ')' && len >= 2) {
        return addSelector(u, op, len);
    } else if (isRule(op, len, "clearselectors")) {
        clearSelectors(u, 1);
    } else if (isRule(op, len, "reset")) {
        aclUserSetRule(u, "resetpass", 9);
        aclUserSetRule(u, "resetkeys", 9);
        aclUserSetRule(u, "resetchannels", 13);
        if (aclPubsubDefault & ACL_SEL_ALLCHANNELS) aclUserSetRule(u, "allchannels", 11);
        aclUserSetRule(u, "off", 3);
        aclUserSetRule(u, "sanitize-payload", 16);
        aclUserSetRule(u, "clearselectors", 14);
        aclUserSetRule(u, "-@all", 5);
    } else {
        return aclSelectorSetRule(u->selectors[0], op, len);
    }
    return ACL_RULE_OK;
}

const char *aclRuleError(int code) {
    switch (code) {
        case ACL_RULE_UNKNOWN:
            return "Unknown command or category name in ACL";
        case ACL_RULE_SYNTAX:
            return "Syntax error";
        case ACL_RULE_KEYS_AFTER_ALL:
            return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid "
                   "and does not have any effect. Try 'resetkeys' to start with an empty list of "
                   "patterns";
        case ACL_RULE_CHANNELS_AFTER_ALL:
            return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid "
                   "and does not have any effect. Try 'resetchannels' to start with an empty list "
                   "of channels";
        case ACL_RULE_NO_SUCH_PASS:
            return "The password you are trying to remove from the user does not exist";
        case ACL_RULE_BAD_HASH:
            return "The password hash must be exactly 64 characters and contain only lowercase "
                   "hexadecimal characters";
        case ACL_RULE_DUPLICATE_USER:
            return "Duplicate user found. A user can only be defined once in config files";
        case ACL_RULE_SUBCOMMAND_ARG:
            return "Allowing first-arg of a subcommand is not supported";
        default:
            return "Wrong format";
    }
}

/* Appends 'len' bytes at 'p' to 'out' with CR and LF turned into spaces,
 * so an error that quotes user input stays one protocol line. */
static sbuf *catSafe(sbuf *out, const char *p, size_t len) {
    size_t at = out->len;
    out = sbufCat(out, p, len);
    for (size_t j = at; j < out->len; j++)
        if (out->buf[j] == '\r' || out->buf[j] == '\n') out->buf[j] = ' ';
    return out;
}

sbuf **aclMergeSelectorArgs(const slice *ops, int numOps, int *count, int *badIndex) {
    sbuf **merged = tmalloc(sizeof(*merged) * (size_t)(numOps ? numOps : 1));
    int nm = 0, open = -1;
    sbuf *cur = NULL;
    for (int j = 0; j < numOps; j++) {
        slice op = ops[j];
        if (open < 0 && op.len && op.ptr[0] == '(' && op.ptr[op.len - 1] != ')') {
            cur = sbufNew(op.ptr, op.len);
            open = j;
            continue;
        }
        if (open >= 0) {
            cur = sbufCat(cur, " ", 1);
            cur = sbufCat(cur, op.ptr, op.len);
            if (op.len && op.ptr[op.len - 1] == ')') {
                merged[nm++] = cur;
                cur = NULL;
                open = -1;
            }
            continue;
        }
        merged[nm++] = sbufNew(op.ptr, op.len);
    }
    if (open >= 0) {
        sbufFree(cur);
        for (int j = 0; j < nm; j++)
            sbufFree(merged[j]);
        tfree(merged);
        if (badIndex) *badIndex = open;
        return NULL;
    }
    *count = nm;
    return merged;
}

sbuf *aclUserApplyRules(aclUser *u, slice name, const slice *ops, int numOps) {
    int nm = 0, open = -1;
    sbuf **merged = aclMergeSelectorArgs(ops, numOps, &nm, &open);
    sbuf *err = NULL;
    if (!merged) {
        err = sbufCatStr(sbufNewCap(64), "ERR Unmatched parenthesis in acl selector starting at '");
        err = catSafe(err, ops[open].ptr, ops[open].len);
        return sbufCatStr(err, "'.");
    }
    aclUser *temp = aclUserCreate(name.ptr, name.len);
    if (u) aclUserCopyRules(temp, u);
    for (int j = 0; j < nm; j++) {
        int rc = aclUserSetRule(temp, merged[j]->buf, merged[j]->len);
        if (rc != ACL_RULE_OK) {
            err = sbufCatStr(sbufNewCap(64), "ERR Error in ACL SETUSER modifier '");
            err = catSafe(err, merged[j]->buf, merged[j]->len);
            err = sbufCatPrintf(err, "': %s", aclRuleError(rc));
            aclUserFree(temp);
            goto done;
        }
    }
    if (u) {
        aclKillRevokedSubscribers(u, temp);
        aclUserCopyRules(u, temp);
        aclUserFree(temp);
    } else {
        aclAddUser(temp);
    }
done:
    for (int j = 0; j < nm; j++)
        sbufFree(merged[j]);
    tfree(merged);
    return err;
}

/* ---- the registry ---- */

/* Index of the first user whose name is >= 'name' (byte order, shorter
 * first on a common prefix, as Redis's radix tree orders them). */
static int lowerBound(const char *name, size_t len) {
    int lo = 0, hi = aclNumUsers;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        const aclUser *m = aclUsers[mid];
        size_t n = m->nameLen < len ? m->nameLen : len;
        int cmp = memcmp(m->name, name, n);
        if (cmp == 0) cmp = m->nameLen < len ? -1 : (m->nameLen > len ? 1 : 0);
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

aclUser *aclFindUser(const char *name, size_t len) {
    int at = lowerBound(name, len);
    if (at < aclNumUsers && aclUsers[at]->nameLen == len &&
        memcmp(aclUsers[at]->name, name, len) == 0)
        return aclUsers[at];
    return NULL;
}

void aclAddUser(aclUser *u) {
    int at = lowerBound(u->name, u->nameLen);
    aclUsers = trealloc(aclUsers, sizeof(*aclUsers) * (size_t)(aclNumUsers + 1));
    memmove(aclUsers + at + 1, aclUsers + at, sizeof(*aclUsers) * (size_t)(aclNumUsers - at));
    aclUsers[at] = u;
    aclNumUsers++;
}

void aclUnlinkUser(aclUser *u) {
    int at = lowerBound(u->name, u->nameLen);
    serverAssert(at < aclNumUsers && aclUsers[at] == u);
    memmove(aclUsers + at, aclUsers + at + 1, sizeof(*aclUsers) * (size_t)(aclNumUsers - at - 1));
    aclNumUsers--;
}

aclUser **aclSwapUsers(aclUser **users, int n, int *oldCount) {
    aclUser **old = aclUsers;
    *oldCount = aclNumUsers;
    aclUsers = users;
    aclNumUsers = n;
    return old;
}

const aclFlagName aclUserFlagNames[ACL_NUM_USER_FLAG_NAMES] = {
    {"on", ACL_USER_ENABLED},
    {"off", ACL_USER_DISABLED},
    {"nopass", ACL_USER_NOPASS},
    {"skip-sanitize-payload", ACL_USER_SKIP_SANITIZE},
    {"sanitize-payload", ACL_USER_SANITIZE},
};

const sbuf *aclUserDescription(aclUser *u) {
    if (u->description) return u->description;
    sbuf *d = sbufNewCap(128);
    for (int j = 0; j < ACL_NUM_USER_FLAG_NAMES; j++)
        if (u->flags & aclUserFlagNames[j].flag)
            d = sbufCatPrintf(d, "%s ", aclUserFlagNames[j].name);
    for (int j = 0; j < u->numPasswords; j++) {
        d = sbufCat(d, "#", 1);
        d = sbufCat(d, u->passwords[j], ACL_HASH_LEN);
        d = sbufCat(d, " ", 1);
    }
    for (int j = 0; j < u->numSelectors; j++) {
        if (j) d = sbufCat(d, " (", 2);
        d = aclSelectorDescribe(u->selectors[j], d);
        if (j) d = sbufCat(d, ")", 1);
    }
    u->description = d;
    return d;
}
