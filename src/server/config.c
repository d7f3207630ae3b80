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

#include "acl/acl.h"
#include "core/args.h"
#include "core/command.h"
#include "core/errors.h"
#include "core/notify.h"
#include "core/pubsub.h"
#include "ds/glob.h"
#include "ds/numfmt.h"
#include "net/conn.h"
#include "net/reply.h"
#include "net/tls.h"
#include "types/collection.h"
#include "types/hyperloglog.h"
#include "types/zset.h"
#include "types/list.h"
#include "types/stream.h"
#include "script/lua.h"
#include "script/script.h"

enum { CT_BOOL, CT_INT, CT_UINT, CT_LL, CT_MEM, CT_STRING, CT_ENUM, CT_SPECIAL };

#define CFG_IMMUTABLE 1 /* only from the config file or command line */
#define CFG_OCTAL 2     /* integer written and read in octal (unixsocketperm) */
#define CFG_PROTECTED 4 /* CONFIG SET needs enable-protected-configs (Redis 7) */
#define CFG_SENSITIVE 8 /* a secret: CONFIG SET's value is redacted from logs */

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
static const char *const tlsAuthNames[] = {"no", "yes", "optional", NULL};
static const char *const pubsubDefaultNames[] = {"resetchannels", "allchannels", NULL};

/* Redis clamps hz into [1, 500] silently, and CONFIG GET shows the result. */
#define CONFIG_MIN_HZ 1
#define CONFIG_MAX_HZ 500

/* enable-protected-configs: who may CONFIG SET a CFG_PROTECTED directive
 * (0 no, 1 yes, 2 local connections only).  Nobody else reads it. */
static int enableProtectedConfigs;

static int setBind(const configEntry *e, char **argv, int argc, const char **err);
static sbuf *getBind(const configEntry *e, sbuf *s);
static int setDir(const configEntry *e, char **argv, int argc, const char **err);
static sbuf *getDir(const configEntry *e, sbuf *s);
static int setSave(const configEntry *e, char **argv, int argc, const char **err);
static sbuf *getSave(const configEntry *e, sbuf *s);
static int setAppendonly(const configEntry *e, char **argv, int argc, const char **err);
static sbuf *getAppendonly(const configEntry *e, sbuf *s);
static int applyPort(const char **err);
static int applyBind(const char **err);
static int applyHz(const char **err);
static int applyRequirepass(const char **err);
static int applyPubsubDefault(const char **err);
static int applyTlsPort(const char **err);
static int applyTls(const char **err);
static int setObufLimits(const configEntry *e, char **argv, int argc, const char **err);
static sbuf *getObufLimits(const configEntry *e, sbuf *s);
static int setNotifyEvents(const configEntry *e, char **argv, int argc, const char **err);
static sbuf *getNotifyEvents(const configEntry *e, sbuf *s);

static const configEntry configTable[] = {
    {"acl-pubsub-default", CT_ENUM, 0, &aclPubsubDefaultAll, 0, 1, "resetchannels", pubsubDefaultNames, NULL, NULL, applyPubsubDefault},
    {"aclfile", CT_STRING, CFG_IMMUTABLE, &aclFile, 0, 0, "", NULL, NULL, NULL, NULL},
    {"acllog-max-len", CT_LL, 0, &aclLogMaxLen, 0, LLONG_MAX, "128", NULL, NULL, NULL, NULL},
    {"appendonly", CT_SPECIAL, 0, NULL, 0, 0, "no", NULL, setAppendonly, getAppendonly, NULL},
    {"bind", CT_SPECIAL, 0, NULL, 0, 0, "127.0.0.1 -::1", NULL, setBind, getBind, applyBind},
    {"busy-reply-threshold", CT_LL, 0, &scriptBusyThresholdMs, 0, LLONG_MAX, "5000", NULL, NULL, NULL, NULL},
    {"client-output-buffer-limit", CT_SPECIAL, 0, NULL, 0, 0, "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", NULL, setObufLimits, getObufLimits, NULL},
    {"client-query-buffer-limit", CT_MEM, 0, &server.clientMaxQuerybufLen, 1024 * 1024, LLONG_MAX, "1gb", NULL, NULL, NULL, NULL},
    {"daemonize", CT_BOOL, CFG_IMMUTABLE, &server.daemonize, 0, 1, "no", NULL, NULL, NULL, NULL},
    {"databases", CT_INT, CFG_IMMUTABLE, &server.dbnum, 1, INT_MAX, "16", NULL, NULL, NULL, NULL},
    {"dir", CT_SPECIAL, CFG_PROTECTED, NULL, 0, 0, NULL, NULL, setDir, getDir, NULL},
    {"enable-debug-command", CT_ENUM, CFG_IMMUTABLE, &server.enableDebugCmd, 0, 2, "no", debugCmdNames, NULL, NULL, NULL},
    {"enable-protected-configs", CT_ENUM, CFG_IMMUTABLE, &enableProtectedConfigs, 0, 2, "no", debugCmdNames, NULL, NULL, NULL},
    {"hash-max-listpack-entries", CT_LL, 0, &hashMaxListpackEntries, 0, LLONG_MAX, "512", NULL, NULL, NULL, NULL},
    {"hash-max-listpack-value", CT_MEM, 0, &hashMaxListpackValue, 0, LLONG_MAX, "64", NULL, NULL, NULL, NULL},
    {"hash-max-ziplist-entries", CT_LL, 0, &hashMaxListpackEntries, 0, LLONG_MAX, "512", NULL, NULL, NULL, NULL},
    {"hash-max-ziplist-value", CT_MEM, 0, &hashMaxListpackValue, 0, LLONG_MAX, "64", NULL, NULL, NULL, NULL},
    {"hll-sparse-max-bytes", CT_MEM, 0, &hllSparseMaxBytes, 0, LONG_MAX, "3000", NULL, NULL, NULL, NULL},
    {"hz", CT_INT, 0, &server.hz, 0, INT_MAX, "10", NULL, NULL, NULL, applyHz},
    {"lazyfree-lazy-user-del", CT_BOOL, 0, &server.lazyfreeLazyUserDel, 0, 1, "no", NULL, NULL, NULL, NULL},
    {"lazyfree-lazy-user-flush", CT_BOOL, 0, &server.lazyfreeLazyUserFlush, 0, 1, "no", NULL, NULL, NULL, NULL},
    {"list-compress-depth", CT_INT, 0, &listCompressDepth, 0, 0, "0", NULL, NULL, NULL, NULL},
    {"list-max-listpack-size", CT_INT, 0, &listMaxListpackSize, INT_MIN, INT_MAX, "-2", NULL, NULL, NULL, NULL},
    {"list-max-ziplist-size", CT_INT, 0, &listMaxListpackSize, INT_MIN, INT_MAX, "-2", NULL, NULL, NULL, NULL},
    {"logfile", CT_STRING, CFG_IMMUTABLE, &server.logfile, 0, 0, "", NULL, NULL, NULL, NULL},
    {"loglevel", CT_ENUM, 0, &server.verbosity, 0, 3, "notice", loglevelNames, NULL, NULL, NULL},
    {"lua-memory-limit", CT_MEM, 0, &luaMemoryLimit, 0, LLONG_MAX, "1gb", NULL, NULL, NULL, NULL},
    {"lua-time-limit", CT_LL, 0, &scriptBusyThresholdMs, 0, LLONG_MAX, "5000", NULL, NULL, NULL, NULL},
    {"maxmemory", CT_MEM, 0, &server.maxmemory, 0, LLONG_MAX, "0", NULL, NULL, NULL, NULL},
    {"maxclients", CT_UINT, 0, &server.maxclients, 1, UINT_MAX, "10000", NULL, NULL, NULL, applyMaxclients},
    {"notify-keyspace-events", CT_SPECIAL, 0, NULL, 0, 0, "", NULL, setNotifyEvents, getNotifyEvents, NULL},
    {"pidfile", CT_STRING, CFG_IMMUTABLE, &server.pidfile, 0, 0, "", NULL, NULL, NULL, NULL},
    {"port", CT_INT, 0, &server.port, 0, 65535, "6379", NULL, NULL, NULL, applyPort},
    {"proto-max-bulk-len", CT_MEM, 0, &server.protoMaxBulkLen, 1024 * 1024, LLONG_MAX, "512mb", NULL, NULL, NULL, NULL},
    {"requirepass", CT_STRING, CFG_SENSITIVE, &server.requirepass, 0, 0, "", NULL, NULL, NULL, applyRequirepass},
    {"save", CT_SPECIAL, 0, NULL, 0, 0, "", NULL, setSave, getSave, NULL},
    {"set-max-intset-entries", CT_LL, 0, &setMaxIntsetEntries, 0, LLONG_MAX, "512", NULL, NULL, NULL, NULL},
    {"slowlog-log-slower-than", CT_LL, 0, &server.slowlogLogSlowerThan, -1, LLONG_MAX, "10000", NULL, NULL, NULL, NULL},
    {"slowlog-max-len", CT_LL, 0, &server.slowlogMaxLen, 0, LONG_MAX, "128", NULL, NULL, NULL, NULL},
    {"stream-node-max-bytes", CT_MEM, 0, &streamNodeMaxBytes, 0, LLONG_MAX, "4096", NULL, NULL, NULL, NULL},
    {"stream-node-max-entries", CT_LL, 0, &streamNodeMaxEntries, 0, LLONG_MAX, "100", NULL, NULL, NULL, NULL},
    {"tcp-backlog", CT_INT, CFG_IMMUTABLE, &server.tcpBacklog, 0, INT_MAX, "511", NULL, NULL, NULL, NULL},
    {"tcp-keepalive", CT_INT, 0, &server.tcpkeepalive, 0, INT_MAX, "300", NULL, NULL, NULL, NULL},
    {"timeout", CT_LL, 0, &server.maxidletime, 0, INT_MAX, "0", NULL, NULL, NULL, NULL},
    {"tls-auth-clients", CT_ENUM, 0, &tlsConfig.authClients, 0, 2, "yes", tlsAuthNames, NULL, NULL, applyTls},
    {"tls-ca-cert-dir", CT_STRING, 0, &tlsConfig.caCertDir, 0, 0, "", NULL, NULL, NULL, applyTls},
    {"tls-ca-cert-file", CT_STRING, 0, &tlsConfig.caCertFile, 0, 0, "", NULL, NULL, NULL, applyTls},
    {"tls-cert-file", CT_STRING, 0, &tlsConfig.certFile, 0, 0, "", NULL, NULL, NULL, applyTls},
    {"tls-ciphers", CT_STRING, 0, &tlsConfig.ciphers, 0, 0, "", NULL, NULL, NULL, applyTls},
    {"tls-ciphersuites", CT_STRING, 0, &tlsConfig.ciphersuites, 0, 0, "", NULL, NULL, NULL, applyTls},
    {"tls-cluster", CT_BOOL, 0, &tlsConfig.cluster, 0, 1, "no", NULL, NULL, NULL, NULL},
    {"tls-key-file", CT_STRING, 0, &tlsConfig.keyFile, 0, 0, "", NULL, NULL, NULL, applyTls},
    {"tls-key-file-pass", CT_STRING, 0, &tlsConfig.keyFilePass, 0, 0, "", NULL, NULL, NULL, applyTls},
    {"tls-port", CT_INT, 0, &tlsConfig.port, 0, 65535, "0", NULL, NULL, NULL, applyTlsPort},
    {"tls-prefer-server-ciphers", CT_BOOL, 0, &tlsConfig.preferServerCiphers, 0, 1, "no", NULL, NULL, NULL, applyTls},
    {"tls-protocols", CT_STRING, 0, &tlsConfig.protocols, 0, 0, "", NULL, NULL, NULL, applyTls},
    {"tls-replication", CT_BOOL, 0, &tlsConfig.replication, 0, 1, "no", NULL, NULL, NULL, NULL},
    {"tls-session-cache-size", CT_INT, 0, &tlsConfig.sessionCacheSize, 0, INT_MAX, "20480", NULL, NULL, NULL, applyTls},
    {"tls-session-cache-timeout", CT_INT, 0, &tlsConfig.sessionCacheTimeout, 0, INT_MAX, "300", NULL, NULL, NULL, applyTls},
    {"tls-session-caching", CT_BOOL, 0, &tlsConfig.sessionCaching, 0, 1, "yes", NULL, NULL, NULL, applyTls},
    {"unixsocket", CT_STRING, CFG_IMMUTABLE, &server.unixsocket, 0, 0, "", NULL, NULL, NULL, NULL},
    {"unixsocketperm", CT_INT, CFG_IMMUTABLE | CFG_OCTAL, &server.unixsocketperm, 0, 0777, "0", NULL, NULL, NULL, NULL},
    {"zset-max-listpack-entries", CT_LL, 0, &zsetMaxListpackEntries, 0, LLONG_MAX, "128", NULL, NULL, NULL, NULL},
    {"zset-max-listpack-value", CT_MEM, 0, &zsetMaxListpackValue, 0, LLONG_MAX, "64", NULL, NULL, NULL, NULL},
    /* Redis 7.0 keeps the pre-7.0 names as aliases of the same settings. */
    {"zset-max-ziplist-entries", CT_LL, 0, &zsetMaxListpackEntries, 0, LLONG_MAX, "128", NULL, NULL, NULL, NULL},
    {"zset-max-ziplist-value", CT_MEM, 0, &zsetMaxListpackValue, 0, LLONG_MAX, "64", NULL, NULL, NULL, NULL},
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
        case CT_UINT:
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
        case CT_UINT: *(unsigned int *)e->ptr = (unsigned int)num; break;
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
    long long num = 0;
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
        case CT_UINT: return sbufCatPrintf(s, "%u", *(unsigned int *)e->ptr);
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
        *err = strerror(errno);
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

static int setObufLimits(const configEntry *e, char **argv, int argc, const char **err) {
    return obufLimitsSet(argv, argc, err);
}

static sbuf *getObufLimits(const configEntry *e, sbuf *s) { return obufLimitsCat(s); }

static int setNotifyEvents(const configEntry *e, char **argv, int argc, const char **err) {
    int flags = argc == 1 ? notifyParseFlags(argv[0]) : -1;
    if (flags < 0) {
        *err = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
        return C_ERR;
    }
    notifyFlags = flags;
    return C_OK;
}

static sbuf *getNotifyEvents(const configEntry *e, sbuf *s) { return notifyCatFlags(s, notifyFlags); }

/* Reopens the listeners after 'port' or 'bind' changed ('msg' is Redis's
 * error for each).  At startup (no event loop yet) there is nothing to do. */
static int reopenListeners(const char *msg, const char **err) {
    if (!server.el) return C_OK;
    closeListeners();
    if (listenAll() == C_ERR) {
        *err = msg;
        return C_ERR;
    }
    return C_OK;
}

static int applyPort(const char **err) { return reopenListeners("Unable to listen on this port", err); }

static int applyBind(const char **err) {
    return reopenListeners("Failed to bind to specified addresses.", err);
}

static int applyHz(const char **err) {
    if (server.hz < CONFIG_MIN_HZ) server.hz = CONFIG_MIN_HZ;
    if (server.hz > CONFIG_MAX_HZ) server.hz = CONFIG_MAX_HZ;
    return C_OK;
}

/* requirepass is the default user's only password (acl/ applies it once
 * it has started; at config time it is just stored). */
static int applyRequirepass(const char **err) {
    aclSetDefaultPassword(server.requirepass);
    return C_OK;
}

/* tls-port: reopens the listeners (the TLS context is built the first
 * time one is needed). */
static int applyTlsPort(const char **err) {
    return reopenListeners("Unable to listen on this port", err);
}

/* Any other tls-* directive: once TLS is in use (a context exists), the
 * context is rebuilt so new connections get the change; a setting that
 * does not load is refused, and the old context stays. */
static int applyTls(const char **err) {
    if (!server.el || !tlsConfigured()) return C_OK;
    if (tlsConfigure() == C_ERR) {
        *err = "Unable to update TLS configuration. Check server logs.";
        return C_ERR;
    }
    return C_OK;
}

static int applyPubsubDefault(const char **err) {
    aclApplyPubsubDefault();
    return C_OK;
}

/* Sets 'e' from one value as CONFIG SET receives it: special directives
 * (bind, save) split it into words the way the config file would. */
static int setConfigFromText(const configEntry *e, const char *text, const char **err) {
    if (e->kind != CT_SPECIAL) {
        char *argv[1] = {(char *)text};
        return setConfig(e, argv, 1, err);
    }
    char *copy = tstrdup(text);
    respArg *args = NULL;
    int cap = 0;
    int argc = respSplitArgs(copy, strlen(copy), &args, &cap);
    int rc;
    if (argc < 0) {
        *err = "Unbalanced quotes in configuration line";
        rc = C_ERR;
    } else if (argc > CONFIG_MAX_BIND) {
        *err = "Too many arguments";
        rc = C_ERR;
    } else {
        char *argv[CONFIG_MAX_BIND];
        for (int k = 0; k < argc; k++) {
            argv[k] = copy + args[k].off;
            argv[k][args[k].len] = '\0';
        }
        if (argc == 0) {
            argv[0] = "";
            argc = 1;
        }
        rc = setConfig(e, argv, argc, err);
    }
    tfree(args);
    tfree(copy);
    return rc;
}

/* ---- loading ---- */

/* Each directive's default as CONFIG GET prints it, captured at startup;
 * CONFIG REWRITE leaves directives at their default out of the file. */
static sbuf *defaultValues[NUM_CONFIGS];

void configInitDefaults(void) {
    for (size_t j = 0; j < NUM_CONFIGS; j++) {
        const configEntry *e = &configTable[j];
        if (!e->def) continue;
        const char *err = NULL;
        if (setConfigFromText(e, e->def, &err) == C_ERR) {
            fprintf(stderr, "internal: bad default for %s: %s\n", e->name, err);
            exit(1);
        }
        if (e->apply) e->apply(&err);
        sbufFree(defaultValues[j]);
        defaultValues[j] = getConfigValue(e, sbufNewCap(16));
    }
    server.activeExpireEnabled = 1;
}

static void configFatal(const char *origin, int line, const char *text, const char *msg) {
    fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (Tern %s) ***\n", TERN_OWN_VERSION);
    if (origin && strcmp(origin, CONFIG_ORIGIN_ARGS) == 0)
        fprintf(stderr, "Reading the command line options, at option %d\n", line);
    else
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
                if (strcasecmp(argv[0], "user") == 0 && argc >= 2) {
                    const char *why = aclQueueConfigUser(argv + 1, argc - 1);
                    if (why) {
                        char msg[256];
                        snprintf(msg, sizeof(msg), "Error in user declaration '%s': %s", argv[1],
                                 why);
                        configFatal(origin, lineno, orig, msg);
                    }
                } else if (!e) {
                    configFatal(origin, lineno, orig, "Bad directive or wrong number of arguments");
                } else if (e->kind != CT_SPECIAL && argc != 2) {
                    configFatal(origin, lineno, orig, "wrong number of arguments");
                } else if (setConfig(e, argv + 1, argc - 1, &err) == C_ERR) {
                    configFatal(origin, lineno, orig, err);
                } else if (e->apply && e->apply(&err) == C_ERR) {
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
    for (size_t j = 0; j < NUM_CONFIGS; j++) {
        if (configTable[j].kind == CT_STRING) storeValue(&configTable[j], 0, NULL);
        sbufFree(defaultValues[j]);
        defaultValues[j] = NULL;
    }
    for (int j = 0; j < server.bindaddrCount; j++) tfree(server.bindaddr[j]);
    server.bindaddrCount = 0;
    tfree(server.configfile);
    server.configfile = NULL;
}

/* ---- CONFIG command ---- */

/* True when the connection comes from this machine (loopback or Unix
 * socket): what "local" means for enable-debug-command and friends. */
bool clientIsLocal(const client *c) {
    if (c->flags & CLIENT_UNIX_SOCKET) return true;
    /* IPv6 peers may be printed "[::1]:port" (Redis) or "::1:port". */
    return strncmp(c->addr, "127.0.0.1:", 10) == 0 || strncmp(c->addr, "[::1]:", 6) == 0 ||
           strncmp(c->addr, "::1:", 4) == 0;
}

bool configAllowsAction(int setting, const client *c) {
    return setting == 1 || (setting == 2 && clientIsLocal(c));
}

/* CONFIG GET pattern [pattern ...]: a map of every directive matching any
 * pattern.  As in Redis, a pattern without glob characters is looked up
 * directly and echoed back as the client spelled it ("PORT"); glob
 * patterns match case-insensitively and reply canonical names. */
void configGetCommand(client *c) {
    void *h = addReplyDeferredLen(c);
    long long pairs = 0;
    bool seen[NUM_CONFIGS] = {0};
    for (int a = 2; a < c->argc; a++) {
        slice pat = c->argv[a];
        if (!memchr(pat.ptr, '*', pat.len) && !memchr(pat.ptr, '?', pat.len) &&
            !memchr(pat.ptr, '[', pat.len)) {
            char name[128];
            if (pat.len >= sizeof(name)) continue;
            sliceToCStr(pat, name, sizeof(name));
            const configEntry *e = findConfig(name);
            if (!e || seen[e - configTable]) continue;
            seen[e - configTable] = true;
            sbuf *v = getConfigValue(e, sbufNewCap(32));
            addReplyBulkSlice(c, pat);
            addReplyBulk(c, v->buf, v->len);
            sbufFree(v);
            pairs++;
            continue;
        }
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

/* CONFIG SET name value [name value ...]: all or nothing.  Every name is
 * checked first (unknown, immutable, protected, duplicate: the first problem
 * wins, named as the client spelled it), then every value is parsed and
 * stored, then the apply hooks run; a failure in either of the last two
 * restores the previous values of everything touched. */
void configSetCommand(client *c) {
    if (c->argc % 2 != 0) {
        addReplyError(c, ERR_SYNTAX);
        return;
    }
    int n = (c->argc - 2) / 2;
    const configEntry **entries = tcalloc(sizeof(*entries) * (size_t)n);
    sbuf **old = tcalloc(sizeof(sbuf *) * (size_t)n);
    const char *err = NULL;
    const char *errName = NULL;
    char badArg[160] = "";
    int stored = 0;
    for (int j = 0; j < n; j++) {
        slice name = c->argv[2 + j * 2];
        char buf[128];
        const configEntry *e = NULL;
        if (name.len < sizeof(buf)) {
            sliceToCStr(name, buf, sizeof(buf));
            e = findConfig(buf);
        }
        sliceToCStr(name, badArg, sizeof(badArg));
        if (!e) {
            addReplyErrorFormat(c, "ERR Unknown option or number of arguments for CONFIG SET - '%s'",
                                badArg);
            goto done;
        }
        if (e->flags & CFG_IMMUTABLE) {
            err = "can't set immutable config";
        } else if ((e->flags & CFG_PROTECTED) && !configAllowsAction(enableProtectedConfigs, c)) {
            err = "can't set protected config";
        } else {
            for (int k = 0; k < j; k++)
                if (entries[k] == e) err = "duplicate parameter";
        }
        if (err) {
            errName = badArg;
            goto fail;
        }
        entries[j] = e;
    }
    /* Parse and store every value; remember the old ones for a rollback. */
    for (int j = 0; j < n; j++) {
        const configEntry *e = entries[j];
        slice v = c->argv[3 + j * 2];
        char *value = tmemdup(v.ptr, v.len);
        old[j] = getConfigValue(e, sbufNewCap(32));
        int rc = setConfigFromText(e, value, &err);
        tfree(value);
        if (rc == C_ERR) {
            errName = e->name;
            goto rollback;
        }
        stored = j + 1;
    }
    for (int j = 0; j < n; j++) {
        /* One apply per hook (several tls-* values rebuild one context). */
        bool again = false;
        for (int k = 0; k < j; k++) again |= entries[k]->apply == entries[j]->apply;
        if (again) continue;
        if (entries[j]->apply && entries[j]->apply(&err) == C_ERR) {
            serverLog(LL_WARNING,
                      "Failed applying new configuration. Possibly related to new %s setting. "
                      "Restoring previous settings.",
                      entries[j]->name);
            errName = entries[j]->name;
            goto rollback;
        }
    }
    addReplyOK(c);
    goto done;
rollback:
    for (int j = 0; j < stored; j++) {
        const char *ignored;
        setConfigFromText(entries[j], old[j]->buf, &ignored);
    }
    for (int j = 0; j < stored; j++) {
        const char *ignored;
        if (entries[j]->apply) entries[j]->apply(&ignored);
    }
fail:
    addReplyErrorFormat(c, "ERR CONFIG SET failed (possibly related to argument '%s') - %s",
                        errName, err);
done:
    /* Secrets never reach the slow log or MONITOR, whatever the outcome
     * (Redis redacts every sensitive pair, even after a failure). */
    for (int j = 0; j < n; j++) {
        slice name = c->argv[2 + j * 2];
        char buf[128];
        if (name.len >= sizeof(buf)) continue;
        sliceToCStr(name, buf, sizeof(buf));
        const configEntry *e = findConfig(buf);
        if (e && (e->flags & CFG_SENSITIVE)) commandRedactArg(c, 3 + j * 2);
    }
    for (int j = 0; j < n; j++) sbufFree(old[j]);
    tfree(entries);
    tfree(old);
}

/* CONFIG RESETSTAT: zeroes the INFO stats, commandstats and errorstats
 * (not the memory peak or the start time, as in Redis). */
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

sbuf *configCatWord(sbuf *s, const char *v, size_t len, bool quote) {
    bool plain = len > 0 && !quote;
    for (size_t j = 0; j < len && plain; j++) {
        unsigned char ch = (unsigned char)v[j];
        if (ch <= ' ' || ch >= 127 || ch == '"' || ch == '\'' || ch == '\\') plain = false;
    }
    if (plain) return sbufCat(s, v, len);
    s = sbufCat(s, "\"", 1);
    for (size_t j = 0; j < len; j++) {
        unsigned char ch = (unsigned char)v[j];
        if (ch == '"' || ch == '\\')
            s = sbufCatPrintf(s, "\\%c", ch);
        else if (ch == '\n')
            s = sbufCatStr(s, "\\n");
        else if (ch == '\r')
            s = sbufCatStr(s, "\\r");
        else if (ch == '\t')
            s = sbufCatStr(s, "\\t");
        else if (ch < 32 || ch >= 127)
            s = sbufCatPrintf(s, "\\x%02x", ch);
        else
            s = sbufCat(s, &v[j], 1);
    }
    return sbufCat(s, "\"", 1);
}

/* The config-file line for 'e' with its current value. */
static sbuf *catConfigLine(sbuf *s, const configEntry *e) {
    sbuf *v = getConfigValue(e, sbufNewCap(32));
    s = sbufCatPrintf(s, "%s ", e->name);
    if (e->kind == CT_SPECIAL && v->len)
        s = sbufCat(s, v->buf, v->len); /* already a list of words (bind, save) */
    else
        s = configCatWord(s, v->buf, v->len, false);
    sbufFree(v);
    return sbufCat(s, "\n", 1);
}

#define REWRITE_SIGNATURE "# Generated by CONFIG REWRITE"

/* CONFIG REWRITE: the file keeps its comments and unknown-to-us lines;
 * each directive's first line gets the current value and later duplicates
 * go; directives absent from the file whose value differs from the default
 * are appended after a signature comment, as Redis does.  The new text is
 * written to a temporary file that replaces the old one atomically. */
void configRewriteCommand(client *c) {
    if (!server.configfile) {
        addReplyError(c, "ERR The server is running without a config file");
        return;
    }
    sbuf *text = sbufNewCap(1024);
    FILE *in = fopen(server.configfile, "r");
    if (in) {
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof(buf), in)) > 0) text = sbufCat(text, buf, n);
        fclose(in);
    }
    sbuf *out = sbufNewCap(text->len + 256);
    bool written[NUM_CONFIGS] = {0};
    bool signature = false, usersWritten = false;
    char *line = text->buf;
    while (line && *line) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char name[128] = "";
        sscanf(line, "%127s", name);
        const configEntry *e = name[0] && name[0] != '#' ? findConfig(name) : NULL;
        if (strcasecmp(name, "user") == 0) {
            /* The users in the file are replaced by the current ones (when
             * there is no aclfile), where the first user line was. */
            if (!usersWritten && !aclFile) out = aclCatConfigUsers(out);
            usersWritten = true;
            line = nl ? nl + 1 : NULL;
            continue;
        }
        if (len == strlen(REWRITE_SIGNATURE) && memcmp(line, REWRITE_SIGNATURE, len) == 0)
            signature = true;
        if (e) {
            size_t idx = (size_t)(e - configTable);
            if (!written[idx]) out = catConfigLine(out, e);
            written[idx] = true;
        } else {
            out = sbufCat(out, line, len);
            out = sbufCat(out, "\n", 1);
        }
        line = nl ? nl + 1 : NULL;
    }
    bool appended = signature; /* one signature line, kept where it is */
    for (size_t j = 0; j < NUM_CONFIGS; j++) {
        const configEntry *e = &configTable[j];
        if (written[j] || !defaultValues[j]) continue;
        sbuf *v = getConfigValue(e, sbufNewCap(32));
        bool isDefault = v->len == defaultValues[j]->len &&
                         memcmp(v->buf, defaultValues[j]->buf, v->len) == 0;
        sbufFree(v);
        if (isDefault) continue;
        if (!appended) out = sbufCatStr(out, REWRITE_SIGNATURE "\n");
        appended = true;
        out = catConfigLine(out, e);
    }
    if (!usersWritten && !aclFile) {
        if (!appended) out = sbufCatStr(out, REWRITE_SIGNATURE "\n");
        out = aclCatConfigUsers(out);
    }
    sbuf *tmp = sbufNewCap(64);
    tmp = sbufCatPrintf(tmp, "%s.tmp-%d", server.configfile, (int)getpid());
    FILE *fp = fopen(tmp->buf, "w");
    bool ok = fp && fwrite(out->buf, 1, out->len, fp) == out->len;
    if (fp && fflush(fp) != 0) ok = false;
    if (fp && ok && fsync(fileno(fp)) != 0) ok = false;
    int saved = errno;
    if (fp) fclose(fp);
    if (ok && rename(tmp->buf, server.configfile) == -1) {
        saved = errno;
        ok = false;
    }
    if (!ok) {
        unlink(tmp->buf);
        serverLog(LL_WARNING, "CONFIG REWRITE failed: %s", strerror(saved));
        addReplyErrorFormat(c, "ERR Rewriting config file: %s", strerror(saved));
    } else {
        serverLog(LL_NOTICE, "CONFIG REWRITE executed with success.");
        addReplyOK(c);
    }
    sbufFree(tmp);
    sbufFree(out);
    sbufFree(text);
}

/* CONFIG HELP. */
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
