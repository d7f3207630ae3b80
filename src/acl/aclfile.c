/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Where users come from besides ACL SETUSER: "user ..." lines of the
 * config file, the aclfile (ACL LOAD / ACL SAVE and startup), and the
 * rewrite of user lines into the config file.
 *
 * Config lines are only queued while the config is read (the command
 * table, which rules name, is built later) and applied by
 * aclLoadAtStartup; an error there stops the server as Redis does.  An
 * aclfile is all or nothing: every line is applied to a new set of users
 * and only when none failed does it replace the current one.  Clients of
 * the replaced users are disconnected (the default user is updated in
 * place, so its clients stay), as in Redis 7.0.
 *
 * The file format is Redis's: one "user <name> <rule> ..." per line,
 * words split on single spaces, no quoting.  ACL SAVE writes it to a
 * temporary file next to the target and renames it over, so a crash never
 * leaves half a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acl/acl.h"
#include "acl/user.h"
#include "core/access.h"
#include "core/client.h"
#include "net/reply.h"

char *aclFile;

/* "user" lines from the config, each an argv copy (argv[0] is the name). */
typedef struct pendingUser {
    int argc;
    char **argv;
} pendingUser;

static pendingUser *pending;
static int numPending;

const char *aclQueueConfigUser(char **argv, int argc) {
    /* A name may appear once, the default user's included (rules are
     * checked later, once the command table exists). */
    for (int j = 0; j < numPending; j++)
        if (strcmp(pending[j].argv[0], argv[0]) == 0)
            return "Duplicate user found. A user can only be defined once in config files";
    pending = trealloc(pending, sizeof(*pending) * (size_t)(numPending + 1));
    pendingUser *p = &pending[numPending++];
    p->argc = argc;
    p->argv = tmalloc(sizeof(char *) * (size_t)argc);
    for (int j = 0; j < argc; j++) p->argv[j] = tstrdup(argv[j]);
    return NULL;
}

static void freePending(void) {
    for (int j = 0; j < numPending; j++) {
        for (int k = 0; k < pending[j].argc; k++)
            tfree(pending[j].argv[k]);
        tfree(pending[j].argv);
    }
    tfree(pending);
    pending = NULL;
    numPending = 0;
}

bool aclHasConfigUsers(void) {
    return numPending > 0;
}

/* Applies the queued config users; the default user, if named, is reset
 * first.  Exits on the first bad rule. */
static void loadConfigUsers(void) {
    for (int j = 0; j < numPending; j++) {
        pendingUser *p = &pending[j];
        slice name = {p->argv[0], strlen(p->argv[0])};
        slice *ops = tmalloc(sizeof(*ops) * (size_t)(p->argc + 1));
        int nops = 0;
        aclUser *u = aclFindUser(name.ptr, name.len);
        if (u && u != aclDefault) {
            fprintf(stderr, "Duplicate user '%s' found in the configuration\n", p->argv[0]);
            exit(1);
        }
        if (u) ops[nops++] = (slice){"reset", 5};
        for (int k = 1; k < p->argc; k++)
            ops[nops++] = (slice){p->argv[k], strlen(p->argv[k])};
        if (aclHasSpaces(name.ptr, name.len)) {
            fprintf(stderr,
                    "Error in user declaration '%s': Usernames can't contain spaces or "
                    "null characters\n",
                    p->argv[0]);
            exit(1);
        }
        sbuf *err = aclUserApplyRules(u, name, ops, nops);
        tfree(ops);
        if (err) {
            /* "ERR Error in ACL SETUSER modifier '<op>': <why>" */
            fprintf(stderr, "Error in user declaration '%s': %s\n", p->argv[0],
                    err->len > 4 ? err->buf + 4 : err->buf);
            sbufFree(err);
            exit(1);
        }
    }
    freePending();
    aclDefaultChanged();
}

/* Splits 'line' on single spaces into 'out' (capacity 'cap'); returns the
 * count.  Empty words (two spaces) are kept: they are no-op rules. */
static int splitSpaces(char *line, char ***out, int *cap) {
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == *cap) {
            *cap = *cap ? *cap * 2 : 16;
            *out = trealloc(*out, sizeof(char *) * (size_t)*cap);
        }
        (*out)[n++] = p;
        char *sp = strchr(p, ' ');
        if (!sp) break;
        *sp = '\0';
        p = sp + 1;
    }
    return n;
}

static char *trimInPlace(char *s, const char *chars) {
    while (*s && strchr(chars, *s))
        s++;
    size_t len = strlen(s);
    while (len && strchr(chars, s[len - 1]))
        s[--len] = '\0';
    return s;
}

/* Loads 'path' into a new user set.  On success installs it and returns
 * NULL; otherwise returns the errors (Redis's texts) and changes nothing. */
static sbuf *loadFile(const char *path) {
    FILE *fp = fopen(path, "r");
    if (!fp)
        return sbufCatPrintf(sbufNewCap(64), "Error loading ACLs, opening file '%s': %s", path,
                             strerror(errno));
    sbuf *text = sbufNewCap(1024);
    char buf[4096];
    size_t nread;
    while ((nread = fread(buf, 1, sizeof(buf), fp)) > 0)
        text = sbufCat(text, buf, nread);
    fclose(fp);
    /* A NUL ends the text, as the C string Redis reads it into. */
    sbufSetLen(text, strlen(text->buf));

    int oldCount = 0;
    aclUser **old = aclSwapUsers(NULL, 0, &oldCount);
    sbuf *errors = sbufNewCap(64);
    char **words = NULL;
    int cap = 0, linenum = 0;
    char *line = text->buf;
    while (line) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        linenum++;
        char *l = trimInPlace(line, " \t\r\n");
        line = nl ? nl + 1 : NULL;
        if (!*l) continue;
        int argc = splitSpaces(l, &words, &cap);
        if (strcmp(words[0], "user") != 0 || argc < 2) {
            errors = sbufCatPrintf(errors,
                                   "%s:%d should start with user keyword followed by the "
                                   "username. ",
                                   path, linenum);
            continue;
        }
        slice name = {words[1], strlen(words[1])};
        if (aclHasSpaces(name.ptr, name.len)) {
            errors = sbufCatPrintf(errors, "'%s:%d: username '%s' contains invalid characters. ",
                                   path, linenum, words[1]);
            continue;
        }
        if (aclFindUser(name.ptr, name.len)) {
            errors = sbufCatPrintf(errors, "WARNING: Duplicate user '%s' found on line %d. ",
                                   words[1], linenum);
            continue;
        }
        aclUser *u = aclUserCreate(name.ptr, name.len);
        aclAddUser(u);
        /* Join selectors spread over words, then apply rule by rule so
         * every unknown command is reported, as Redis does. */
        slice *ops = tmalloc(sizeof(*ops) * (size_t)argc);
        int nops = 0;
        for (int j = 2; j < argc; j++)
            ops[nops++] = (slice){words[j], strlen(words[j])};
        int nmerged = 0;
        sbuf **merged = aclMergeSelectorArgs(ops, nops, &nmerged, NULL);
        tfree(ops);
        if (!merged) {
            errors = sbufCatPrintf(errors, "%s:%d: Unmatched parenthesis in selector definition.",
                                   path, linenum);
            continue;
        }
        bool syntaxError = false;
        for (int j = 0; j < nmerged; j++) {
            char *op = trimInPlace(merged[j]->buf, "\t\r\n");
            int rc = aclUserSetRule(u, op, strlen(op));
            if (rc == ACL_RULE_OK) continue;
            if (rc == ACL_RULE_UNKNOWN) {
                errors = sbufCatPrintf(errors, "%s:%d: Error in applying operation '%s': %s. ",
                                       path, linenum, op, aclRuleError(rc));
            } else if (!syntaxError) {
                errors = sbufCatPrintf(errors, "%s:%d: %s. ", path, linenum, aclRuleError(rc));
                syntaxError = true;
            }
        }
        for (int j = 0; j < nmerged; j++)
            sbufFree(merged[j]);
        tfree(merged);
    }
    tfree(words);
    sbufFree(text);

    if (errors->len) {
        int n = 0;
        aclUser **loaded = aclSwapUsers(old, oldCount, &n);
        for (int j = 0; j < n; j++)
            aclUserFree(loaded[j]);
        tfree(loaded);
        errors = sbufCatStr(errors, "WARNING: ACL errors detected, no change to the previously "
                                    "active ACL rules was performed");
        return errors;
    }
    sbufFree(errors);
    /* The default user keeps its identity (clients point at it): take the
     * loaded rules into it, or the built-in ones when the file has none. */
    aclUser *loadedDefault = aclFindUser("default", 7);
    if (loadedDefault) {
        aclUserCopyRules(aclDefault, loadedDefault);
        aclUnlinkUser(loadedDefault);
        aclUserFree(loadedDefault);
    } else {
        aclUserSetRule(aclDefault, "reset", 5);
        aclUserSetRule(aclDefault, "+@all", 5);
        aclUserSetRule(aclDefault, "~*", 2);
        aclUserSetRule(aclDefault, "&*", 2);
        aclUserSetRule(aclDefault, "on", 2);
        aclUserSetRule(aclDefault, "nopass", 6);
    }
    aclAddUser(aclDefault);
    for (int j = 0; j < oldCount; j++)
        if (old[j] != aclDefault) aclFreeUserAndKillClients(old[j]);
    tfree(old);
    aclDefaultChanged();
    return NULL;
}

void aclLoadAtStartup(void) {
    if (aclFile && numPending) {
        fprintf(stderr,
                "Configuring Redis with users defined in redis.conf and at the same setting an "
                "ACL file path is invalid. This setup is very likely to lead to configuration "
                "errors and security holes, please define either an ACL file or declare users "
                "directly in your redis.conf, but not both.\n");
        exit(1);
    }
    loadConfigUsers();
    if (aclFile) {
        sbuf *err = loadFile(aclFile);
        if (err) {
            fprintf(stderr, "Aborting Redis startup because of ACL errors: %s\n", err->buf);
            sbufFree(err);
            exit(1);
        }
    }
}

static void replyNoAclFile(client *c) {
    addReplyError(c, "ERR This Redis instance is not configured to use an ACL file. You may want "
                     "to specify users via the ACL SETUSER command and then issue a CONFIG "
                     "REWRITE (assuming you have a Redis configuration file set) in order to "
                     "store users in the Redis configuration.");
}

void aclLoadCommand(client *c) {
    if (!aclFile) {
        replyNoAclFile(c);
        return;
    }
    sbuf *err = loadFile(aclFile);
    if (!err) {
        addReplyOK(c);
        return;
    }
    sbuf *msg = sbufCatStr(sbufNewCap(err->len + 4), "ERR ");
    msg = sbufCat(msg, err->buf, err->len);
    for (size_t j = 0; j < msg->len; j++)
        if (msg->buf[j] == '\r' || msg->buf[j] == '\n') msg->buf[j] = ' ';
    addReplyErrorLen(c, msg->buf, msg->len);
    sbufFree(msg);
    sbufFree(err);
}

sbuf *aclCatUserLine(sbuf *s, aclUser *u) {
    const sbuf *d = aclUserDescription(u);
    s = sbufCat(s, "user ", 5);
    s = sbufCat(s, u->name, u->nameLen);
    s = sbufCat(s, " ", 1);
    return sbufCat(s, d->buf, d->len);
}

sbuf *aclCatConfigUsers(sbuf *s) {
    for (int j = 0; j < aclNumUsers; j++) {
        s = aclCatUserLine(s, aclUsers[j]);
        s = sbufCat(s, "\n", 1);
    }
    return s;
}

/* Writes every user to 'path' through a temporary file.  C_OK or C_ERR
 * (logged). */
static int saveFile(const char *path) {
    sbuf *text = sbufNewCap(256);
    for (int j = 0; j < aclNumUsers; j++) {
        text = aclCatUserLine(text, aclUsers[j]);
        text = sbufCat(text, "\n", 1);
    }
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid());
    int rc = C_ERR;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd == -1) {
        serverLog(LL_WARNING, "Opening temp ACL file for ACL SAVE: %s", strerror(errno));
        goto out;
    }
    size_t off = 0;
    while (off < text->len) {
        ssize_t w = write(fd, text->buf + off, text->len - off);
        if (w <= 0) {
            if (w < 0 && errno == EINTR) continue;
            serverLog(LL_WARNING, "Writing ACL file for ACL SAVE: %s", strerror(errno));
            close(fd);
            unlink(tmp);
            goto out;
        }
        off += (size_t)w;
    }
    if (fsync(fd) == -1 || close(fd) == -1) {
        serverLog(LL_WARNING, "Syncing ACL file for ACL SAVE: %s", strerror(errno));
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, path) == -1) {
        serverLog(LL_WARNING, "Renaming ACL file for ACL SAVE: %s", strerror(errno));
        unlink(tmp);
        goto out;
    }
    rc = C_OK;
out:
    sbufFree(text);
    return rc;
}

void aclSaveCommand(client *c) {
    if (!aclFile) {
        replyNoAclFile(c);
        return;
    }
    if (saveFile(aclFile) == C_ERR) {
        addReplyError(c, "ERR There was an error trying to save the ACLs. Please check the server "
                         "logs for more information");
        return;
    }
    addReplyOK(c);
}

void aclRelease(void) {
    freePending();
    aclLogReset();
    for (int j = 0; j < aclNumUsers; j++)
        aclUserFree(aclUsers[j]);
    tfree(aclUsers);
    aclUsers = NULL;
    aclNumUsers = 0;
    aclDefault = NULL;
    accessDefaultUser = NULL;
}
