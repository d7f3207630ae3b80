/* SPDX-License-Identifier: BSD-3-Clause
 *
 * ACL selectors: which commands, keys and channels one set of rules
 * allows, the selector rules of the ACL language, and the text ACL LIST /
 * GETUSER show for them.
 *
 * Commands are a bitmap indexed by command id (core/command.h).  Allowing
 * or denying a container command does the same to all its subcommands;
 * a category rule applies to every command and subcommand in it, in table
 * order, exactly as Redis 7.0 walks its table, so the same rules give the
 * same bitmap.  "+@all" also sets the reserved last bit, which is how the
 * description knows to start from "+@all" and subtract.
 *
 * The description is recomputed from the bitmap (not remembered from the
 * rules given), as Redis 7.0 does: starting from +@all or -@all it
 * repeatedly applies the category that best matches what is left (more
 * commands agreeing than disagreeing, fewest disagreeing), then fixes the
 * remaining single commands.  The greedy search costs O(categories^2 x
 * commands), about 10^5 steps; descriptions are cached per user.
 */
#include <ctype.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "acl/user.h"
#include "core/command.h"
#include "net/resp.h"

uint32_t aclPubsubDefault = 0;

static aclPattern *patternNew(const char *p, size_t len, int flags) {
    aclPattern *pat = tmalloc(sizeof(*pat) + len + 1);
    pat->flags = flags;
    pat->len = len;
    memcpy(pat->str, p, len);
    pat->str[len] = '\0';
    return pat;
}

static aclPattern *patternDup(const aclPattern *p) {
    return patternNew(p->str, p->len, p->flags);
}

static void patternsClear(aclPattern ***list, int *n) {
    for (int j = 0; j < *n; j++)
        tfree((*list)[j]);
    tfree(*list);
    *list = NULL;
    *n = 0;
}

static aclPattern **patternsDup(aclPattern *const *list, int n) {
    if (!n) return NULL;
    aclPattern **out = tmalloc(sizeof(*out) * (size_t)n);
    for (int j = 0; j < n; j++)
        out[j] = patternDup(list[j]);
    return out;
}

static int patternFind(aclPattern *const *list, int n, const char *p, size_t len) {
    for (int j = 0; j < n; j++)
        if (list[j]->len == len && memcmp(list[j]->str, p, len) == 0) return j;
    return -1;
}

static void patternAppend(aclPattern ***list, int *n, aclPattern *pat) {
    *list = trealloc(*list, sizeof(**list) * (size_t)(*n + 1));
    (*list)[(*n)++] = pat;
}

aclSelector *aclSelectorCreate(uint32_t flags) {
    aclSelector *s = tcalloc(sizeof(*s));
    s->flags = flags | aclPubsubDefault;
    return s;
}

static void firstArgsClear(aclSelector *s) {
    for (int j = 0; j < s->numFirstArgs; j++)
        tfree(s->firstArgs[j]);
    tfree(s->firstArgs);
    s->firstArgs = NULL;
    s->numFirstArgs = 0;
}

/* Drops the first-arg exceptions of command 'id' only. */
static void firstArgsClearFor(aclSelector *s, int id) {
    int k = 0;
    for (int j = 0; j < s->numFirstArgs; j++) {
        if (s->firstArgs[j]->cmdId == id)
            tfree(s->firstArgs[j]);
        else
            s->firstArgs[k++] = s->firstArgs[j];
    }
    s->numFirstArgs = k;
    if (!k) firstArgsClear(s);
}

static void firstArgAdd(aclSelector *s, int id, const char *arg, size_t len) {
    for (int j = 0; j < s->numFirstArgs; j++) {
        const aclFirstArg *fa = s->firstArgs[j];
        if (fa->cmdId == id && fa->len == len && strncasecmp(fa->str, arg, len) == 0) return;
    }
    aclFirstArg *fa = tmalloc(sizeof(*fa) + len + 1);
    fa->cmdId = id;
    fa->len = len;
    memcpy(fa->str, arg, len);
    fa->str[len] = '\0';
    s->firstArgs = trealloc(s->firstArgs, sizeof(*s->firstArgs) * (size_t)(s->numFirstArgs + 1));
    s->firstArgs[s->numFirstArgs++] = fa;
}

aclSelector *aclSelectorDup(const aclSelector *src) {
    aclSelector *s = tmalloc(sizeof(*s));
    *s = *src;
    s->keys = patternsDup(src->keys, src->numKeys);
    s->channels = patternsDup(src->channels, src->numChannels);
    s->firstArgs = NULL;
    s->numFirstArgs = 0;
    for (int j = 0; j < src->numFirstArgs; j++)
        firstArgAdd(s, src->firstArgs[j]->cmdId, src->firstArgs[j]->str, src->firstArgs[j]->len);
    return s;
}

void aclSelectorFree(aclSelector *s) {
    if (!s) return;
    patternsClear(&s->keys, &s->numKeys);
    patternsClear(&s->channels, &s->numChannels);
    firstArgsClear(s);
    tfree(s);
}

/* ---- the command bitmap ---- */

static void setBit(aclSelector *s, int id, bool on) {
    uint64_t bit = 1ULL << (id & 63);
    if (on) {
        s->allowed[id >> 6] |= bit;
    } else {
        s->allowed[id >> 6] &= ~bit;
        s->flags &= ~ACL_SEL_ALLCOMMANDS;
    }
}

/* Allows or denies 'cmd' and, for a container, all its subcommands. */
static void changePerm(aclSelector *s, const command *cmd, bool on) {
    setBit(s, cmd->id, on);
    firstArgsClearFor(s, cmd->id);
    for (int j = 0; j < cmd->numSub; j++)
        setBit(s, cmd->subcommands[j]->id, on);
}

static void setCategory(aclSelector *s, uint64_t cat, bool on) {
    int n = commandCount();
    for (int id = 0; id < n; id++) {
        const command *cmd = commandById(id);
        if (cmd->acl & cat) changePerm(s, cmd, on);
    }
}

static void setAll(aclSelector *s, bool on) {
    memset(s->allowed, on ? 0xff : 0, sizeof(s->allowed));
    if (on)
        s->flags |= ACL_SEL_ALLCOMMANDS;
    else
        s->flags &= ~ACL_SEL_ALLCOMMANDS;
    firstArgsClear(s);
}

/* ---- selector rules ---- */

static bool isRule(const char *op, size_t len, const char *word) {
    return strlen(word) == len && strncasecmp(op, word, len) == 0;
}

/* "+name", "+name|sub" or "+name|firstarg" (len excludes the '+'). */
static int allowCommand(aclSelector *s, const char *name, size_t len) {
    const char *bar = NULL;
    for (size_t j = len; j > 0; j--) {
        if (name[j - 1] == '|') {
            bar = name + j - 1;
            break;
        }
    }
    if (!bar) {
        command *cmd = lookupCommandByFullName((slice){(char *)name, len});
        if (!cmd) return ACL_RULE_UNKNOWN;
        changePerm(s, cmd, true);
        return ACL_RULE_OK;
    }
    size_t baseLen = (size_t)(bar - name);
    command *base = lookupCommandByFullName((slice){(char *)name, baseLen});
    if (!base) return ACL_RULE_UNKNOWN;
    if (base->parent) return ACL_RULE_SUBCOMMAND_ARG;
    size_t subLen = len - baseLen - 1;
    if (subLen == 0) return ACL_RULE_SYNTAX;
    if (base->numSub) {
        command *sub = lookupCommandByFullName((slice){(char *)name, len});
        if (!sub) return ACL_RULE_UNKNOWN;
        changePerm(s, sub, true);
        return ACL_RULE_OK;
    }
    /* SELECT|0, DEBUG|OBJECT: a first argument of a command without
     * subcommands (deprecated by Redis, still accepted). */
    serverLog(LL_WARNING,
              "Deprecation warning: Allowing a first arg of an otherwise blocked command is a "
              "misuse of ACL and may get disabled in the future (offender: +%.*s)",
              (int)len, name);
    firstArgAdd(s, base->id, bar + 1, subLen);
    return ACL_RULE_OK;
}

static int addKeyPattern(aclSelector *s, const char *op, size_t len) {
    if (s->flags & ACL_SEL_ALLKEYS) return ACL_RULE_KEYS_AFTER_ALL;
    int flags = 0;
    size_t off = 1;
    if (op[0] == '%') {
        for (; off < len; off++) {
            char ch = (char)toupper((unsigned char)op[off]);
            if (ch == 'R' && !(flags & ACL_KEY_READ)) {
                flags |= ACL_KEY_READ;
            } else if (ch == 'W' && !(flags & ACL_KEY_WRITE)) {
                flags |= ACL_KEY_WRITE;
            } else if (op[off] == '~') {
                off++;
                break;
            } else {
                return ACL_RULE_SYNTAX;
            }
        }
        /* Redis accepts a bare "%" (a pattern with no permission) and then
         * crashes describing it; refuse it instead. */
        if (!flags) return ACL_RULE_SYNTAX;
    } else {
        flags = ACL_KEY_ALL;
    }
    const char *pat = op + off;
    size_t plen = len - off;
    if (aclHasSpaces(pat, plen)) return ACL_RULE_SYNTAX;
    int at = patternFind(s->keys, s->numKeys, pat, plen);
    if (at >= 0)
        s->keys[at]->flags |= flags;
    else
        patternAppend(&s->keys, &s->numKeys, patternNew(pat, plen, flags));
    s->flags &= ~ACL_SEL_ALLKEYS;
    return ACL_RULE_OK;
}

static int addChannelPattern(aclSelector *s, const char *op, size_t len) {
    if (s->flags & ACL_SEL_ALLCHANNELS) return ACL_RULE_CHANNELS_AFTER_ALL;
    if (aclHasSpaces(op + 1, len - 1)) return ACL_RULE_SYNTAX;
    if (patternFind(s->channels, s->numChannels, op + 1, len - 1) < 0)
        patternAppend(&s->channels, &s->numChannels, patternNew(op + 1, len - 1, 0));
    s->flags &= ~ACL_SEL_ALLCHANNELS;
    return ACL_RULE_OK;
}

int aclSelectorSetRule(aclSelector *s, const char *op, size_t len) {
    if (isRule(op, len, "allkeys") || isRule(op, len, "~*")) {
        s->flags |= ACL_SEL_ALLKEYS;
        patternsClear(&s->keys, &s->numKeys);
    } else if (isRule(op, len, "resetkeys")) {
        s->flags &= ~ACL_SEL_ALLKEYS;
        patternsClear(&s->keys, &s->numKeys);
    } else if (isRule(op, len, "allchannels") || isRule(op, len, "&*")) {
        s->flags |= ACL_SEL_ALLCHANNELS;
        patternsClear(&s->channels, &s->numChannels);
    } else if (isRule(op, len, "resetchannels")) {
        s->flags &= ~ACL_SEL_ALLCHANNELS;
        patternsClear(&s->channels, &s->numChannels);
    } else if (isRule(op, len, "allcommands") || isRule(op, len, "+@all")) {
        setAll(s, true);
    } else if (isRule(op, len, "nocommands") || isRule(op, len, "-@all")) {
        setAll(s, false);
    } else if (len && (op[0] == '~' || op[0] == '%')) {
        return addKeyPattern(s, op, len);
    } else if (len && op[0] == '&') {
        return addChannelPattern(s, op, len);
    } else if (len && op[0] == '+' && (len < 2 || op[1] != '@')) {
        return allowCommand(s, op + 1, len - 1);
    } else if (len && op[0] == '-' && (len < 2 || op[1] != '@')) {
        command *cmd = lookupCommandByFullName((slice){(char *)op + 1, len - 1});
        if (!cmd) return ACL_RULE_UNKNOWN;
        changePerm(s, cmd, false);
    } else if (len >= 2 && (op[0] == '+' || op[0] == '-') && op[1] == '@') {
        uint64_t cat = commandCategoryByName(op + 2, len - 2);
        if (!cat) return ACL_RULE_UNKNOWN;
        setCategory(s, cat, op[0] == '+');
    } else {
        return ACL_RULE_SYNTAX;
    }
    return ACL_RULE_OK;
}

/* ---- descriptions ---- */

sbuf *aclPatternDescribe(const aclPattern *p, sbuf *out) {
    if (p->flags == ACL_KEY_ALL)
        out = sbufCat(out, "~", 1);
    else if (p->flags == ACL_KEY_READ)
        out = sbufCat(out, "%R~", 3);
    else
        out = sbufCat(out, "%W~", 3);
    return sbufCat(out, p->str, p->len);
}

/* Counts the commands of category 'cat' allowed ('*on') and denied
 * ('*off') by the bitmap of 's'. */
static void countCategory(const aclSelector *s, uint64_t cat, long *on, long *off) {
    *on = *off = 0;
    int n = commandCount();
    for (int id = 0; id < n; id++) {
        if (!(commandById(id)->acl & cat)) continue;
        if (aclSelectorBit(s, id))
            (*on)++;
        else
            (*off)++;
    }
}

static sbuf *describeSingle(const aclSelector *s, aclSelector *fake, const command *cmd,
                            sbuf *out) {
    bool user = aclSelectorBit(s, cmd->id);
    if (user != aclSelectorBit(fake, cmd->id)) {
        out = sbufCatPrintf(out, "%c%s ", user ? '+' : '-', cmd->name);
        changePerm(fake, cmd, user);
    }
    for (int j = 0; j < cmd->numSub; j++)
        out = describeSingle(s, fake, cmd->subcommands[j], out);
    if (!user) {
        for (int j = 0; j < s->numFirstArgs; j++)
            if (s->firstArgs[j]->cmdId == cmd->id)
                out = sbufCatPrintf(out, "+%s|%s ", cmd->name, s->firstArgs[j]->str);
    }
    return out;
}

sbuf *aclSelectorDescribeCommands(const aclSelector *s, sbuf *out) {
    size_t start = out->len;
    aclSelector fake, temp;
    memset(&fake, 0, sizeof(fake));
    memset(&temp, 0, sizeof(temp));
    bool additive = !aclSelectorBit(s, ACL_FUTURE_BIT);
    setAll(&fake, !additive);
    out = sbufCatStr(out, additive ? "-@all " : "+@all ");
    memcpy(temp.allowed, s->allowed, sizeof(temp.allowed));
    bool applied[ACL_NUM_CATEGORIES] = {false};
    for (;;) {
        int best = -1;
        long mindiff = LONG_MAX, maxsame = 0;
        for (int j = 0; j < ACL_NUM_CATEGORIES; j++) {
            if (applied[j]) continue;
            long on, off;
            countCategory(&temp, 1ULL << j, &on, &off);
            long diff = additive ? off : on, same = additive ? on : off;
            if (same > diff && (diff < mindiff || (diff == mindiff && same > maxsame))) {
                best = j;
                mindiff = diff;
                maxsame = same;
            }
        }
        if (best < 0) break;
        setCategory(&fake, 1ULL << best, additive);
        setCategory(&temp, 1ULL << best, !additive);
        out = sbufCatPrintf(out, "%c@%s ", additive ? '+' : '-', commandCategoryName(best));
        applied[best] = true;
    }
    int n = commandCount();
    for (int id = 0; id < n; id++) {
        const command *cmd = commandById(id);
        if (!cmd->parent) out = describeSingle(s, &fake, cmd, out);
    }
    if (out->len > start) sbufSetLen(out, out->len - 1); /* the last space */
    /* The rules just written must rebuild exactly this bitmap; anything
     * else would show an administrator permissions the user does not
     * have (Redis aborts here too). */
    for (int id = 0; id < n; id++)
        if (aclSelectorBit(s, id) != aclSelectorBit(&fake, id))
            serverPanic("ACL description does not rebuild the command bitmap");
    firstArgsClear(&fake);
    firstArgsClear(&temp);
    return out;
}

sbuf *aclSelectorDescribe(const aclSelector *s, sbuf *out) {
    if (s->flags & ACL_SEL_ALLKEYS) {
        out = sbufCat(out, "~* ", 3);
    } else {
        for (int j = 0; j < s->numKeys; j++) {
            out = aclPatternDescribe(s->keys[j], out);
            out = sbufCat(out, " ", 1);
        }
    }
    if (s->flags & ACL_SEL_ALLCHANNELS) {
        out = sbufCat(out, "&* ", 3);
    } else {
        out = sbufCatStr(out, "resetchannels ");
        for (int j = 0; j < s->numChannels; j++) {
            out = sbufCat(out, "&", 1);
            out = sbufCat(out, s->channels[j]->str, s->channels[j]->len);
            out = sbufCat(out, " ", 1);
        }
    }
    return aclSelectorDescribeCommands(s, out);
}
