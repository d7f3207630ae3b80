/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The configuration table and everything that reads or writes it: the
 * config file, "--name value" command-line options, CONFIG GET/SET.
 *
 * Each directive is one row: name, kind (bool/int/memory/string/enum/
 * special), where its value lives in 'server', bounds, default, and whether
 * CONFIG SET may change it.  CONFIG SET validates every pair before
 * applying any, and rolls back applied ones if an apply hook fails, so a
 * multi-pair SET is all or nothing as in Redis 7.
 *
 * Directives we do not implement are absent, so both the config file and
 * CONFIG SET refuse them with Redis's errors instead of ignoring them.
 */
#include "server/config.h"
#include "server/errorstats.h"
#include "server/lifecycle.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/args.h"
#include "core/command.h"
#include "ds/glob.h"
#include "ds/numfmt.h"
#include "net/conn.h"
#include "net/reply.h"
#include "types/list.h"

enum { CT_BOOL, CT_INT, CT_LL, CT_MEM, CT_STRING, CT_ENUM, CT_SPECIAL };

#define CFG_IMMUTABLE 1
#define CFG_OCTAL 2

typedef struct configEntry configEntry;
typedef int cfgSetFn(const configEntry *e, char **argv, int argc, const char **err);
typedef sbuf *cfgGetFn(const configEntry *e, sbuf *s);
typedef int cfgApplyFn(const char **err);

struct configEntry {
    const char *name;
    int kind;
    unsigned flags;
    void *ptr;
    long long min, max;
    const char *def; /* default as text, applied through the parser */
    const char *const *enumNames;
    cfgSetFn *set; /* CT_SPECIAL */
    cfgGetFn *get; /* CT_SPECIAL */
    cfgApplyFn *apply;
};

static const char *const loglevelNames[] = {"debug", "verbose", "notice", "warning", NULL};
static const char *const debugCmdNames[] = {"no", "yes", "local", NULL};

static int setBind(const configEntry *e, char **argv, int argc, const char **err);
static sbuf *getBind(const configEntry *e, sbuf *s);
static int setDir(const configEntry *e, char **argv, int argc, const char **err);
static sbuf *getDir(const configEntry *e, sbuf *s);
static int setSave(const configEntry *e, char **argv, int argc, const char **err);
static sbuf *getSave(const configEntry *e, sbuf *s);
static int setAppendonly(const configEntry *e, char **argv, int argc, const char **err);
static sbuf *getAppendonly(const configEntry *e, sbuf *s);
static int applyListeners(const char **err);

static const configEntry configTable[] = {
    {"appendonly", CT_SPECIAL, 0, NULL, 0, 0, "no", NULL, setAppendonly, getAppendonly, NULL},
    {"bind", CT_SPECIAL, 0, NULL, 0, 0, "127.0.0.1 -::1", NULL, setBind, getBind, applyListeners},
    {"client-query-buffer-limit", CT_MEM, 0, &server.clientMaxQuerybufLen, 1024 * 1024, LLONG_MAX, "1gb", NULL, NULL, NULL, NULL},
    {"daemonize", CT_BOOL, CFG_IMMUTABLE, &server.daemonize, 0, 1, "no", NULL, NULL, NULL, NULL},
    {"databases", CT_INT, CFG_IMMUTABLE, &server.dbnum, 1, INT_MAX, "16", NULL, NULL, NULL, NULL},
    {"dir", CT_SPECIAL, 0, NULL, 0, 0, NULL, NULL, setDir, getDir, NULL},
    {"enable-debug-command", CT_ENUM, CFG_IMMUTABLE, &server.enableDebugCmd, 0, 2, "no", debugCmdNames, NULL, NULL, NULL},
    {"hz", CT_INT, 0, &server.hz, 0, INT_MAX, "10", NULL, NULL, NULL, NULL},
    {"lazyfree-lazy-user-del", CT_BOOL, 0, &server.lazyfreeLazyUserDel, 0, 1, "no", NULL, NULL, NULL, NULL},
    {"lazyfree-lazy-user-flush", CT_BOOL, 0, &server.lazyfreeLazyUserFlush, 0, 1, "no", NULL, NULL, NULL, NULL},
    {"list-compress-depth", CT_INT, 0, &listCompressDepth, 0, 0, "0", NULL, NULL, NULL, NULL},
    {"list-max-listpack-size", CT_INT, 0, &listMaxListpackSize, INT_MIN, INT_MAX, "-2", NULL, NULL, NULL, NULL},
    {"list-max-ziplist-size", CT_INT, 0, &listMaxListpackSize, INT_MIN, INT_MAX, "-2", NULL, NULL, NULL, NULL},
    {"logfile", CT_STRING, CFG_IMMUTABLE, &server.logfile, 0, 0, "", NULL, NULL, NULL, NULL},
    {"loglevel", CT_ENUM, 0, &server.verbosity, 0, 3, "notice", loglevelNames, NULL, NULL, NULL},
    {"maxclients", CT_INT, 0, &server.maxclients, 1, INT_MAX, "10000", NULL, NULL, NULL, NULL},
    {"pidfile", CT_STRING, CFG_IMMUTABLE, &server.pidfile, 0, 0, "", NULL, NULL, NULL, NULL},
    {"port", CT_INT, 0, &server.port, 0, 65535, "6379", NULL, NULL, NULL, applyListeners},
    {"proto-max-bulk-len", CT_MEM, 0, &server.protoMaxBulkLen, 1024 * 1024, LLONG_MAX, "512mb", NULL, NULL, NULL, NULL},
    {"requirepass", CT_STRING, 0, &server.requirepass, 0, 0, "", NULL, NULL, NULL, NULL},
    {"save", CT_SPECIAL, 0, NULL, 0, 0, "", NULL, setSave, getSave, NULL},
    {"tcp-backlog", CT_INT, CFG_IMMUTABLE, &server.tcpBacklog, 0, INT_MAX, "511", NULL, NULL, NULL, NULL},
    {"tcp-keepalive", CT_INT, 0, &server.tcpkeepalive, 0, INT_MAX, "300", NULL, NULL, NULL, NULL},
    {"timeout", CT_LL, 0, &server.maxidletime, 0, INT_MAX, "0", NULL, NULL, NULL, NULL},
    {"unixsocket", CT_STRING, CFG_IMMUTABLE, &server.unixsocket, 0, 0, "", NULL, NULL, NULL, NULL},
    {"unixsocketperm", CT_INT, CFG_IMMUTABLE | CFG_OCTAL, &server.unixsocketperm, 0, 0777, "0", NULL, NULL, NULL, NULL},
};

#define NUM_CONFIGS (sizeof(configTable) / sizeof(configTable[0]))

static const configEntry *findConfig(const char *name) {
    for (size_t j = 0; j < NUM_CONFIGS; j++)
        if (strcasecmp(configTable[j].name, name) == 0) return &configTable[j];
    return NULL;
}

bool configParseMemory(const char *s, long long *out) {
    size_t len = strlen(s);
    long long mul = 1;
    size_t numlen = len;
    static const struct {
        const char *suffix;
        long long mul;
    } units[] = {{"k", 1000LL}, {"kb", 1024LL}, {"m", 1000LL * 1000},
                 {"mb", 1024LL * 1024}, {"g", 1000LL * 1000 * 1000}, {"gb", 1024LL * 1024 * 1024}};
    for (size_t j = 0; j < sizeof(units) / sizeof(units[0]); j++) {
        size_t sl = strlen(units[j].suffix);
        if (len > sl && strcasecmp(s + len - sl, units[j].suffix) == 0 &&
            isdigit((unsigned char)s[len - sl - 1])) {
            mul = units[j].mul;
            numlen = len - sl;
        }
    }
    long long v;
    if (!numStrToLL(s, numlen, &v)) return false;
    if (v < 0 || (v > 0 && mul > LLONG_MAX / v)) return false;
    *out = v * mul;
    return true;
}

/* Parses 'argv' into the value of 'e' without applying it; stores it in
 * 'out' (a long long, or a string pointer for CT_STRING). */
static int parseValue(const configEntry *e, char **argv, int argc, long long *num,
                      const char **err) {
    if (argc != 1) {
        *err = "wrong number of arguments";
        return C_ERR;
    }
    const char *v = argv[0];
    switch (e->kind) {
        case CT_BOOL:
            if (strcasecmp(v, "yes") == 0)
                *num = 1;
            else if (strcasecmp(v, "no") == 0)
                *num = 0;
            else {
                *err = "argument must be 'yes' or 'no'";
                return C_ERR;
            }
            return C_OK;
        case CT_INT:
        case CT_LL: {
            char *end;
            errno = 0;
            long long n = (e->flags & CFG_OCTAL) ? strtoll(v, &end, 8) : 0;
            if (e->flags & CFG_OCTAL) {
                if (*v == '\0' || *end != '\0' || errno) {
                    *err = "argument couldn't be parsed into an integer";
                    return C_ERR;
                }
            } else if (!numStrToLL(v, strlen(v), &n)) {
                *err = "argument couldn't be parsed into an integer";
                return C_ERR;
            }
            if (n < e->min || n > e->max) {
                static char buf[128];
                snprintf(buf, sizeof(buf), "argument must be between %lld and %lld inclusive",
                         e->min, e->max);
                *err = buf;
                return C_ERR;
            }
            *num = n;
            return C_OK;
        }
        case CT_MEM: {
            long long n;
            if (!configParseMemory(v, &n)) {
                *err = "argument must be a memory value";
                return C_ERR;
            }
            if (n < e->min || n > e->max) {
                static char buf[128];
                snprintf(buf, sizeof(buf), "argument must be between %lld and %lld inclusive",
                         e->min, e->max);
                *err = buf;
                return C_ERR;
            }
            *num = n;
            return C_OK;
        }
        case CT_ENUM:
            for (int j = 0; e->enumNames[j]; j++) {
                if (strcasecmp(v, e->enumNames[j]) == 0) {
                    *num = j;
                    return C_OK;
                }
            }
            {
                static char buf[256];
                size_t n = (size_t)snprintf(buf, sizeof(buf), "argument(s) must be one of the following: ");
                for (int j = 0; e->enumNames[j]; j++)
                    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", j ? ", " : "",
                                          e->enumNames[j]);
                *err = buf;
            }
            return C_ERR;
        default:
            return C_OK;
    }
}

/* Stores a value into the field of 'e'. */
static void storeValue(const configEntry *e, long long num, const char *str) {
    switch (e->kind) {
        case CT_BOOL: *(bool *)e->ptr = num != 0; break;
        case CT_INT:
        case CT_ENUM: *(int *)e->ptr = (int)num; break;
        case CT_LL:
        case CT_MEM: *(long long *)e->ptr = num; break;
        case CT_STRING: {
            char **field = e->ptr;
            tfree(*field);
            *field = (str && *str) ? tstrdup(str) : NULL;
            break;
        }
    }
}

/* Parses and stores one directive.  Returns C_OK or C_ERR with '*err'. */
static int setConfig(const configEntry *e, char **argv, int argc, const char **err) {
    if (e->kind == CT_SPECIAL) return e->set(e, argv, argc, err);
    if (e->kind == CT_STRING) {
        if (argc != 1) {
            *err = "wrong number of arguments";
            return C_ERR;
        }
        storeValue(e, 0, argv[0]);
        return C_OK;
    }
    long long num;
    if (parseValue(e, argv, argc, &num, err) == C_ERR) return C_ERR;
    storeValue(e, num, NULL);
    return C_OK;
}

static sbuf *getConfigValue(const configEntry *e, sbuf *s) {
    switch (e->kind) {
        case CT_BOOL: return sbufCatStr(s, *(bool *)e->ptr ? "yes" : "no");
        case CT_INT:
            if (e->flags & CFG_OCTAL) return sbufCatPrintf(s, "%o", *(unsigned *)e->ptr);
            return sbufCatPrintf(s, "%d", *(int *)e->ptr);
        case CT_LL:
        case CT_MEM: return sbufCatPrintf(s, "%lld", *(long long *)e->ptr);
        case CT_STRING: {
            const char *v = *(char **)e->ptr;
            return sbufCatStr(s, v ? v : "");
        }
        case CT_ENUM: return sbufCatStr(s, e->enumNames[*(int *)e->ptr]);
        default: return e->get(e, s);
    }
}

/* ---- special directives ---- */

static int setBind(const configEntry *e, char **argv, int argc, const char **err) {
    if (argc < 1 || argc > CONFIG_MAX_BIND) {
        *err = "Too many bind addresses specified.";
        return C_ERR;
    }
    for (int j = 0; j < server.bindaddrCount; j++) tfree(server.bindaddr[j]);
    server.bindaddrCount = 0;
    for (int j = 0; j < argc; j++) {
        if (argv[j][0] == '\0') continue;
        server.bindaddr[server.bindaddrCount++] = tstrdup(argv[j]);
    }
    return C_OK;
}

static sbuf *getBind(const configEntry *e, sbuf *s) {
    for (int j = 0; j < server.bindaddrCount; j++)
        s = sbufCatPrintf(s, "%s%s", j ? " " : "", server.bindaddr[j]);
    return s;
}

static int setDir(const configEntry *e, char **argv, int argc, const char **err) {
    if (argc != 1) {
        *err = "wrong number of arguments";
        return C_ERR;
    }
    if (chdir(argv[0]) == -1) {
        static char buf[256];
        snprintf(buf, sizeof(buf), "No such file or directory");
        *err = buf;
        return C_ERR;
    }
    return C_OK;
}

static sbuf *getDir(const configEntry *e, sbuf *s) {
    char buf[4096];
    if (!getcwd(buf, sizeof(buf))) buf[0] = '\0';
    return sbufCatStr(s, buf);
}

static int setSave(const configEntry *e, char **argv, int argc, const char **err) {
    /* RDB snapshots are not implemented yet: only "no snapshots" is honest. */
    for (int j = 0; j < argc; j++) {
        if (argv[j][0] != '\0') {
            *err = "RDB snapshotting is not supported yet by Tern (only save \"\")";
            return C_ERR;
        }
    }
    return C_OK;
}

static sbuf *getSave(const configEntry *e, sbuf *s) { return s; }

static int setAppendonly(const configEntry *e, char **argv, int argc, const char **err) {
    if (argc != 1 || strcasecmp(argv[0], "no") != 0) {
        *err = strcasecmp(argc ? argv[0] : "", "yes") == 0
                   ? "AOF persistence is not supported yet by Tern"
                   : "argument must be 'yes' or 'no'";
        return C_ERR;
    }
    return C_OK;
}

static sbuf *getAppendonly(const configEntry *e, sbuf *s) { return sbufCatStr(s, "no"); }

static int applyListeners(const char **err) {
    if (!server.el) return C_OK;
    closeListeners();
    if (listenAll() == C_ERR) {
        *err = "Unable to listen on this port";
        return C_ERR;
    }
    return C_OK;
}

/* ---- loading ---- */

void configInitDefaults(void) {
    for (size_t j = 0; j < NUM_CONFIGS; j++) {
        const configEntry *e = &configTable[j];
        if (!e->def) continue;
        char *copy = tstrdup(e->def);
        respArg *args = NULL;
        int cap = 0;
        int argc = respSplitArgs(copy, strlen(copy), &args, &cap);
        char *argv[CONFIG_MAX_BIND];
        for (int k = 0; k < argc && k < CONFIG_MAX_BIND; k++) {
            argv[k] = copy + args[k].off;
            argv[k][args[k].len] = '\0';
        }
        const char *err = NULL;
        if (argc == 0) {
            argv[0] = "";
            argc = 1;
        }
        if (setConfig(e, argv, argc, &err) == C_ERR) {
            fprintf(stderr, "internal: bad default for %s: %s\n", e->name, err);
            exit(1);
        }
        tfree(args);
        tfree(copy);
    }
    server.activeExpireEnabled = 1;
}

static void configFatal(const char *origin, int line, const char *text, const char *msg) {
    fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (Tern %s) ***\n", TERN_OWN_VERSION);
    fprintf(stderr, "Reading the configuration file%s%s, at line %d\n", origin ? " " : "",
            origin ? origin : "", line);
    fprintf(stderr, ">>> '%s'\n", text);
    fprintf(stderr, "%s\n", msg);
    exit(1);
}

void configLoadText(const char *text, const char *origin) {
    char *copy = tstrdup(text);
    char *line = copy;
    int lineno = 0;
    respArg *args = NULL;
    int cap = 0;
    while (line && *line) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        lineno++;
        char *orig = tstrdup(line);
        char *p = line;
        while (*p == ' ' || *p == '\t' || *p == '\r') p++;
        if (*p && *p != '#') {
            size_t len = strlen(p);
            while (len && (p[len - 1] == '\r' || p[len - 1] == ' ' || p[len - 1] == '\t')) len--;
            int argc = respSplitArgs(p, len, &args, &cap);
            if (argc < 0) configFatal(origin, lineno, orig, "Unbalanced quotes in configuration line");
            if (argc > 0) {
                char **argv = tmalloc(sizeof(char *) * (size_t)argc);
                /* Terminate each argument in place (unquoting never grows). */
                for (int k = 0; k < argc; k++) argv[k] = p + args[k].off;
                for (int k = 0; k < argc; k++) argv[k][args[k].len] = '\0';
                const configEntry *e = findConfig(argv[0]);
                const char *err = NULL;
                if (!e) {
                    configFatal(origin, lineno, orig, "Bad directive or wrong number of arguments");
                } else if (e->kind != CT_SPECIAL && argc != 2) {
                    configFatal(origin, lineno, orig, "wrong number of arguments");
                } else if (setConfig(e, argv + 1, argc - 1, &err) == C_ERR) {
                    configFatal(origin, lineno, orig, err);
                }
                tfree(argv);
            }
        }
        tfree(orig);
        line = nl ? nl + 1 : NULL;
    }
    tfree(args);
    tfree(copy);
}

void configLoadFile(const char *path, sbuf **text) {
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!fp) {
        fprintf(stderr, "Fatal error, can't open config file '%s': %s\n", path, strerror(errno));
        exit(1);
    }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) *text = sbufCat(*text, buf, n);
    if (fp != stdin) fclose(fp);
}

void freeConfigStrings(void) {
    for (size_t j = 0; j < NUM_CONFIGS; j++)
        if (configTable[j].kind == CT_STRING) storeValue(&configTable[j], 0, NULL);
    for (int j = 0; j < server.bindaddrCount; j++) tfree(server.bindaddr[j]);
    server.bindaddrCount = 0;
    tfree(server.configfile);
    server.configfile = NULL;
}

/* ---- CONFIG command ---- */

void configGetCommand(client *c) {
    void *h = addReplyDeferredLen(c);
    long long pairs = 0;
    bool seen[NUM_CONFIGS] = {0};
    for (int a = 2; a < c->argc; a++) {
        slice pat = c->argv[a];
        for (size_t j = 0; j < NUM_CONFIGS; j++) {
            const configEntry *e = &configTable[j];
            if (seen[j]) continue;
            if (!globMatch(pat.ptr, pat.len, e->name, strlen(e->name), true)) continue;
            seen[j] = true;
            sbuf *v = getConfigValue(e, sbufNewCap(32));
            addReplyBulkCStr(c, e->name);
            addReplyBulk(c, v->buf, v->len);
            sbufFree(v);
            pairs++;
        }
    }
    setDeferredMapLen(c, h, pairs);
}

void configSetCommand(client *c) {
    if ((c->argc - 2) % 2 != 0) {
        addReplyErrorArity(c);
        return;
    }
    int n = (c->argc - 2) / 2;
    const configEntry **entries = tmalloc(sizeof(*entries) * (size_t)n);
    char **values = tmalloc(sizeof(char *) * (size_t)n);
    sbuf **old = tcalloc(sizeof(sbuf *) * (size_t)n);
    const char *err = NULL;
    const char *errName = NULL;
    int applied = 0;
    for (int j = 0; j < n; j++) values[j] = NULL;
    for (int j = 0; j < n; j++) {
        char name[128];
        sliceToCStr(c->argv[2 + j * 2], name, sizeof(name));
        const configEntry *e = findConfig(name);
        if (!e) {
            addReplyErrorFormat(c, "ERR Unknown option or number of arguments for CONFIG SET - '%s'",
                                name);
            goto done;
        }
        for (int k = 0; k < j; k++) {
            if (entries[k] == e) {
                addReplyErrorFormat(c, "ERR Duplicate parameter - '%s'", name);
                goto done;
            }
        }
        entries[j] = e;
        if (e->flags & CFG_IMMUTABLE) {
            addReplyErrorFormat(c, "ERR CONFIG SET failed (possibly related to argument '%s') - can't set immutable config", e->name);
            goto done;
        }
        slice v = c->argv[3 + j * 2];
        values[j] = tmemdup(v.ptr, v.len);
    }
    /* Validate every value before touching anything. */
    for (int j = 0; j < n; j++) {
        const configEntry *e = entries[j];
        long long num;
        if (e->kind != CT_SPECIAL && e->kind != CT_STRING &&
            parseValue(e, &values[j], 1, &num, &err) == C_ERR) {
            errName = e->name;
            goto fail;
        }
    }
    for (int j = 0; j < n; j++) {
        const configEntry *e = entries[j];
        old[j] = getConfigValue(e, sbufNewCap(32));
        char *argv[CONFIG_MAX_BIND];
        int argc = 1;
        respArg *args = NULL;
        int cap = 0;
        char *copy = NULL;
        if (e->kind == CT_SPECIAL) {
            copy = tstrdup(values[j]);
            argc = respSplitArgs(copy, strlen(copy), &args, &cap);
            if (argc > CONFIG_MAX_BIND) argc = CONFIG_MAX_BIND;
            for (int k = 0; k < argc; k++) {
                argv[k] = copy + args[k].off;
                argv[k][args[k].len] = '\0';
            }
            if (argc <= 0) {
                argv[0] = "";
                argc = 1;
            }
        } else {
            argv[0] = values[j];
        }
        int rc = setConfig(e, argv, argc, &err);
        tfree(args);
        tfree(copy);
        if (rc == C_ERR) {
            errName = e->name;
            goto rollback;
        }
        applied = j + 1;
    }
    for (int j = 0; j < n; j++) {
        if (entries[j]->apply && entries[j]->apply(&err) == C_ERR) {
            errName = entries[j]->name;
            goto rollback;
        }
    }
    addReplyOK(c);
    goto done;
rollback:
    for (int j = 0; j < applied; j++) {
        const char *ignored;
        char *argv[1] = {old[j]->buf};
        setConfig(entries[j], argv, 1, &ignored);
        if (entries[j]->apply) entries[j]->apply(&ignored);
    }
fail:
    addReplyErrorFormat(c, "ERR CONFIG SET failed (possibly related to argument '%s') - %s",
                        errName, err);
done:
    for (int j = 0; j < n; j++) {
        tfree(values[j]);
        sbufFree(old[j]);
    }
    tfree(entries);
    tfree(values);
    tfree(old);
}

void configResetStatCommand(client *c) {
    long long start = server.stat.startTimeMs;
    size_t peak = server.stat.peakMemory;
    memset(&server.stat, 0, sizeof(server.stat));
    server.stat.startTimeMs = start;
    server.stat.peakMemory = peak;
    commandResetStats();
    errorstatsReset();
    addReplyOK(c);
}

void configRewriteCommand(client *c) {
    if (!server.configfile) {
        addReplyError(c, "ERR The server is running without a config file");
        return;
    }
    /* Rewrite: keep the file's comments and lines, update values of the
     * directives we know, append the ones that differ from defaults. */
    sbuf *text = sbufNewCap(1024);
    configLoadFile(server.configfile, &text);
    sbuf *out = sbufNewCap(text->len + 256);
    bool written[NUM_CONFIGS] = {0};
    char *line = text->buf;
    while (line && *line) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char name[128] = "";
        sscanf(line, "%127s", name);
        const configEntry *e = name[0] && name[0] != '#' ? findConfig(name) : NULL;
        if (e) {
            size_t idx = (size_t)(e - configTable);
            if (!written[idx]) {
                sbuf *v = getConfigValue(e, sbufNewCap(32));
                out = sbufCatPrintf(out, "%s %s\n", e->name, v->len ? v->buf : "\"\"");
                sbufFree(v);
                written[idx] = true;
            }
        } else {
            out = sbufCat(out, line, len);
            out = sbufCat(out, "\n", 1);
        }
        line = nl ? nl + 1 : NULL;
    }
    FILE *fp = fopen(server.configfile, "w");
    if (!fp || fwrite(out->buf, 1, out->len, fp) != out->len) {
        if (fp) fclose(fp);
        addReplyErrorFormat(c, "ERR Rewriting config file: %s", strerror(errno));
    } else {
        fclose(fp);
        addReplyOK(c);
    }
    sbufFree(out);
    sbufFree(text);
}

void configHelpCommand(client *c) {
    static const char *help[] = {
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        NULL};
    addReplyHelp(c, help);
}
