/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The ACL command family (SETUSER, GETUSER, DELUSER, LIST, USERS, WHOAMI,
 * CAT, GENPASS, LOG, DRYRUN, HELP; LOAD and SAVE are in acl/aclfile.c) and
 * AUTH.  Replies and errors follow Redis 7.0.15 byte for byte; where Redis
 * lists commands in its hash-table order (ACL CAT) we list them in table
 * order.
 */
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "acl/acl.h"
#include "acl/user.h"
#include "core/access.h"
#include "core/args.h"
#include "core/command.h"
#include "core/errors.h"
#include "net/reply.h"

#define GENPASS_MAX_BITS 4096

/* The error Redis gives an ACL subcommand called with arguments it does
 * not take (the dispatcher's arity check is looser). */
static void replyBadSubcommandArgs(client *c) {
    int len = (int)(c->argv[1].len < 128 ? c->argv[1].len : 128);
    addReplyErrorFormat(c,
                        "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try ACL "
                        "HELP.",
                        len, c->argv[1].ptr);
}

static void replyFormatArg(client *c, const char *fmt, slice arg) {
    char buf[256];
    sliceToCStr(arg, buf, sizeof(buf));
    addReplyErrorFormat(c, fmt, buf);
}

static void setuser(client *c) {
    slice name = c->argv[2];
    if (aclHasSpaces(name.ptr, name.len)) {
        addReplyError(c, "ERR Usernames can't contain spaces or null characters");
        return;
    }
    aclUser *u = aclFindUser(name.ptr, name.len);
    sbuf *err = aclUserApplyRules(u, name, c->argv + 3, c->argc - 3);
    if (err) {
        addReplyErrorLen(c, err->buf, err->len);
        sbufFree(err);
        return;
    }
    aclDefaultChanged();
    addReplyOK(c);
}

void aclSetuserCommand(client *c) {
    setuser(c);
    /* Rules may hold passwords: the slow log and MONITOR show none of the
     * arguments (as Redis, the user name included). */
    for (int j = 2; j < c->argc; j++)
        commandRedactArg(c, j);
}

void aclDeluserCommand(client *c) {
    for (int j = 2; j < c->argc; j++) {
        if (c->argv[j].len == 7 && memcmp(c->argv[j].ptr, "default", 7) == 0) {
            addReplyError(c, "ERR The 'default' user cannot be removed");
            return;
        }
    }
    long long deleted = 0;
    for (int j = 2; j < c->argc; j++) {
        aclUser *u = aclFindUser(c->argv[j].ptr, c->argv[j].len);
        if (!u) continue;
        aclUnlinkUser(u);
        aclFreeUserAndKillClients(u);
        deleted++;
    }
    addReplyLongLong(c, deleted);
}

static void replySelector(client *c, const aclSelector *s) {
    addReplyBulkCStr(c, "commands");
    sbuf *d = aclSelectorDescribeCommands(s, sbufNewCap(64));
    addReplyBulk(c, d->buf, d->len);
    sbufFree(d);
    addReplyBulkCStr(c, "keys");
    if (s->flags & ACL_SEL_ALLKEYS) {
        addReplyBulk(c, "~*", 2);
    } else {
        d = sbufNewCap(32);
        for (int j = 0; j < s->numKeys; j++) {
            if (j) d = sbufCat(d, " ", 1);
            d = aclPatternDescribe(s->keys[j], d);
        }
        addReplyBulk(c, d->buf, d->len);
        sbufFree(d);
    }
    addReplyBulkCStr(c, "channels");
    if (s->flags & ACL_SEL_ALLCHANNELS) {
        addReplyBulk(c, "&*", 2);
    } else {
        d = sbufNewCap(32);
        for (int j = 0; j < s->numChannels; j++) {
            if (j) d = sbufCat(d, " ", 1);
            d = sbufCat(d, "&", 1);
            d = sbufCat(d, s->channels[j]->str, s->channels[j]->len);
        }
        addReplyBulk(c, d->buf, d->len);
        sbufFree(d);
    }
}

void aclGetuserCommand(client *c) {
    aclUser *u = aclFindUser(c->argv[2].ptr, c->argv[2].len);
    if (!u) {
        addReplyNull(c);
        return;
    }
    addReplyMapLen(c, 6);
    addReplyBulkCStr(c, "flags");
    long long nflags = 0;
    for (int j = 0; j < ACL_NUM_USER_FLAG_NAMES; j++)
        if (u->flags & aclUserFlagNames[j].flag) nflags++;
    addReplySetLen(c, nflags);
    for (int j = 0; j < ACL_NUM_USER_FLAG_NAMES; j++)
        if (u->flags & aclUserFlagNames[j].flag) addReplyBulkCStr(c, aclUserFlagNames[j].name);
    addReplyBulkCStr(c, "passwords");
    addReplyArrayLen(c, u->numPasswords);
    for (int j = 0; j < u->numPasswords; j++)
        addReplyBulk(c, u->passwords[j], ACL_HASH_LEN);
    replySelector(c, u->selectors[0]);
    addReplyBulkCStr(c, "selectors");
    addReplyArrayLen(c, u->numSelectors - 1);
    for (int j = 1; j < u->numSelectors; j++) {
        addReplyMapLen(c, 3);
        replySelector(c, u->selectors[j]);
    }
}

static void listUsers(client *c, bool namesOnly) {
    addReplyArrayLen(c, aclNumUsers);
    for (int j = 0; j < aclNumUsers; j++) {
        aclUser *u = aclUsers[j];
        if (namesOnly) {
            addReplyBulk(c, u->name, u->nameLen);
            continue;
        }
        const sbuf *d = aclUserDescription(u);
        sbuf *line = sbufNewCap(5 + u->nameLen + 1 + d->len);
        line = sbufCat(line, "user ", 5);
        line = sbufCat(line, u->name, u->nameLen);
        line = sbufCat(line, " ", 1);
        line = sbufCat(line, d->buf, d->len);
        addReplyBulk(c, line->buf, line->len);
        sbufFree(line);
    }
}

void aclListCommand(client *c) {
    listUsers(c, false);
}

void aclUsersCommand(client *c) {
    listUsers(c, true);
}

void aclWhoamiCommand(client *c) {
    if (!c->user) {
        addReplyNull(c);
        return;
    }
    const aclUser *u = c->user;
    addReplyBulk(c, u->name, u->nameLen);
}

void aclCatCommand(client *c) {
    if (c->argc > 3) {
        replyBadSubcommandArgs(c);
        return;
    }
    if (c->argc == 2) {
        addReplyArrayLen(c, ACL_NUM_CATEGORIES);
        for (int j = 0; j < ACL_NUM_CATEGORIES; j++)
            addReplyBulkCStr(c, commandCategoryName(j));
        return;
    }
    uint64_t cat = commandCategoryByName(c->argv[2].ptr, c->argv[2].len);
    if (!cat) {
        replyFormatArg(c, "ERR Unknown category '%.128s'", c->argv[2]);
        return;
    }
    void *h = addReplyDeferredLen(c);
    long long n = 0;
    int total = commandCount();
    for (int id = 0; id < total; id++) {
        const command *cmd = commandById(id);
        if (!(cmd->acl & cat)) continue;
        addReplyBulkCStr(c, cmd->name);
        n++;
    }
    setDeferredArrayLen(c, h, n);
}

void aclGenpassCommand(client *c) {
    if (c->argc > 3) {
        replyBadSubcommandArgs(c);
        return;
    }
    long long bits = 256;
    if (c->argc == 3 && getLongLongOrReply(c, c->argv[2], &bits, NULL) == C_ERR) return;
    if (bits <= 0 || bits > GENPASS_MAX_BITS) {
        addReplyErrorFormat(c,
                            "ERR ACL GENPASS argument must be the number of bits for the output "
                            "password, a positive number up to %d",
                            GENPASS_MAX_BITS);
        return;
    }
    static const char hex[] = "0123456789abcdef";
    size_t chars = (size_t)(bits + 3) / 4;
    unsigned char raw[GENPASS_MAX_BITS / 8];
    char out[GENPASS_MAX_BITS / 4];
    if (RAND_bytes(raw, (int)((chars + 1) / 2)) != 1) serverPanic("RAND_bytes failed");
    for (size_t j = 0; j < chars; j++)
        out[j] = hex[(raw[j / 2] >> ((j & 1) ? 0 : 4)) & 15];
    addReplyBulk(c, out, chars);
}

void aclLogCommand(client *c) {
    if (c->argc > 3) {
        replyBadSubcommandArgs(c);
        return;
    }
    long long count = 10;
    if (c->argc == 3) {
        if (sliceIs(c->argv[2], "reset")) {
            aclLogReset();
            addReplyOK(c);
            return;
        }
        if (getLongLongOrReply(c, c->argv[2], &count, NULL) == C_ERR) return;
    }
    aclLogReply(c, count);
}

void aclDryrunCommand(client *c) {
    aclUser *u = aclFindUser(c->argv[2].ptr, c->argv[2].len);
    if (!u) {
        replyFormatArg(c, "ERR User '%s' not found", c->argv[2]);
        return;
    }
    slice *argv = c->argv + 3;
    int argc = c->argc - 3;
    command *cmd = lookupCommand(argv, argc);
    if (!cmd) {
        replyFormatArg(c, "ERR Command '%s' not found", argv[0]);
        return;
    }
    if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
        addReplyErrorFormat(c, "ERR wrong number of arguments for '%s' command", cmd->name);
        return;
    }
    int pos = 0;
    int r = aclUserCheck(u, cmd, argv, argc, &pos);
    if (r == ACCESS_OK) {
        addReplyOK(c);
        return;
    }
    sbuf *msg = sbufNewCap(96);
    if (r == ACCESS_DENIED_CMD) {
        msg = sbufCatPrintf(msg, "This user has no permissions to run the '%s' command", cmd->name);
    } else {
        msg = sbufCatStr(msg, "This user has no permissions to access the '");
        msg = sbufCat(msg, argv[pos].ptr, argv[pos].len);
        msg = sbufCatStr(msg, r == ACCESS_DENIED_KEY ? "' key" : "' channel");
    }
    addReplyBulk(c, msg->buf, msg->len);
    sbufFree(msg);
}

void aclHelpCommand(client *c) {
    static const char *help[] = {
        "CAT [<category>]",
        "    List all commands that belong to <category>, or all command categories",
        "    when no category is specified.",
        "DELUSER <username> [<username> ...]",
        "    Delete a list of users.",
        "DRYRUN <username> <command> [<arg> ...]",
        "    Returns whether the user can execute the given command without executing the "
        "command.",
        "GETUSER <username>",
        "    Get the user's details.",
        "GENPASS [<bits>]",
        "    Generate a secure 256-bit user password. The optional `bits` argument can",
        "    be used to specify a different size.",
        "LIST",
        "    Show users details in config file format.",
        "LOAD",
        "    Reload users from the ACL file.",
        "LOG [<count> | RESET]",
        "    Show the ACL log entries.",
        "SAVE",
        "    Save the current config to the ACL file.",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "    Create or modify a user with the specified attributes.",
        "USERS",
        "    List all the registered usernames.",
        "WHOAMI",
        "    Return the current connection username.",
        NULL};
    addReplyHelp(c, help);
}

void authCommand(client *c) {
    if (c->argc > 3) {
        addReplyError(c, ERR_SYNTAX);
        return;
    }
    slice user = {"default", 7}, pass = c->argv[1];
    if (c->argc == 2) {
        /* The old one-argument form errs when there is nothing to check. */
        if (aclDefault->flags & ACL_USER_NOPASS) {
            commandRedactArg(c, 1);
            addReplyError(c, "ERR AUTH <password> called without any password configured for "
                             "the default user. Are you sure your configuration is correct?");
            return;
        }
    } else {
        user = c->argv[1];
        pass = c->argv[2];
    }
    int rc = accessAuthenticate(c, user, pass);
    /* The slow log and MONITOR show the command without its secrets. */
    commandRedactArg(c, 1);
    if (c->argc == 3) commandRedactArg(c, 2);
    if (rc == C_OK)
        addReplyOK(c);
    else
        addReplyError(c, ERR_WRONGPASS);
}
