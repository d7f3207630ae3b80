/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The process-wide server state and the types every command implementation
 * sees: client, db, command.  A command handler includes this one header.
 *
 * Threading: everything here belongs to the main thread, except the
 * allocation counter (atomic) and the lazy-free queue (server/lazyfree.c).
 */
#ifndef TERN_SERVER_SERVER_H
#define TERN_SERVER_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/object.h"
#include "ds/alloc.h"
#include "ds/hashtable.h"
#include "ds/sbuf.h"
#include "net/eventloop.h"
#include "net/resp.h"

#define C_OK 0
#define C_ERR -1

#define TERN_VERSION "7.0.15"  /* the Redis version we speak for (INFO, HELLO) */
#define TERN_OWN_VERSION "0.1.0"

#define CONFIG_DEFAULT_PORT 6379
#define CONFIG_MAX_BIND 16
#define REPLY_CHUNK_BYTES (16 * 1024)
#define READ_CHUNK_BYTES (16 * 1024)

/* ---- argument views ---- */

/* A command argument: bytes in the client's query buffer (or in a copy
 * owned by MULTI/scripts).  Not NUL-terminated.  Valid during the call. */
typedef struct slice {
    char *ptr;
    size_t len;
} slice;

/* True when 's' equals the ASCII string 'lit', ignoring case. */
bool sliceIs(slice s, const char *lit);

/* ---- databases ---- */

typedef struct db {
    hashtable *keys; /* kvobj entries */
    int id;
    size_t expires;          /* keys that carry a TTL */
    uint64_t expireCursor;   /* active expiry scan position */
    long long avgTtl;
} db;

/* ---- clients ---- */

#define CLIENT_CLOSE_AFTER_REPLY (1 << 0)
#define CLIENT_CLOSE_ASAP (1 << 1)
#define CLIENT_AUTHENTICATED (1 << 3)
#define CLIENT_REPLY_OFF (1 << 4)
#define CLIENT_REPLY_SKIP_NEXT (1 << 5)
#define CLIENT_REPLY_SKIP (1 << 6)
#define CLIENT_UNIX_SOCKET (1 << 7)
#define CLIENT_NO_EVICT (1 << 8)
#define CLIENT_FAKE (1 << 10)      /* no socket (scripts, AOF loading) */
#define CLIENT_EXECUTING (1 << 11)
#define CLIENT_DENY_BLOCKING (1 << 12) /* inside EXEC or a script: blocking commands don't block */
#define CLIENT_MULTI (1 << 13)         /* between MULTI and EXEC (core/multi.c) */
#define CLIENT_DIRTY_CAS (1 << 14)     /* a WATCHed key changed: EXEC fails */
#define CLIENT_DIRTY_EXEC (1 << 15)    /* a queueing error: EXEC fails with EXECABORT */
#define CLIENT_PUBSUB (1 << 16)        /* has subscriptions (core/pubsub.c) */
#define CLIENT_BLOCKED (1 << 17)       /* waiting in a blocking command (core/blocking.c) */
#define CLIENT_PUSHING (1 << 18)       /* writing a pub/sub frame: CLIENT REPLY OFF/SKIP don't apply */
#define CLIENT_SCRIPT (1 << 19)        /* the fake client scripts run commands on (script/) */
#define CLIENT_RESUMING (1 << 25)      /* queued to run its pending input in order (core/blocking.c) */
#define CLIENT_MONITOR (1 << 26)       /* receives every command (server/monitor.c) */
#define CLIENT_POSTPONED (1 << 27)     /* held by CLIENT PAUSE, its command to be rerun (core/pause.c) */

typedef struct replyBlock {
    struct replyBlock *next;
    size_t size;   /* capacity of data[] */
    size_t used;   /* bytes written */
    bool closed;   /* a deferred-length placeholder or a reference: append nothing */
    sbuf *ref;     /* when set, the bytes are ref->buf[0..used): a big value sent
                    * without a copy, held through ds/sbufref.h */
    char data[];
} replyBlock;

typedef struct client {
    uint64_t id;
    int fd;
    int resp; /* 2 or 3 */
    uint32_t flags;
    db *db;
    /* Query side. */
    sbuf *querybuf;
    size_t qpos; /* start of the first unprocessed command */
    respParser parser;
    int argc;
    int argvcap;
    slice *argv;
    /* Big bulk arguments of the command being read, moved out of the query
     * buffer into buffers of their final size (net/conn.c). */
    sbuf **bigargs;
    size_t *bigargAt; /* where each was cut out, from the command's start */
    int bigargCount, bigargCap;
    size_t bigargNeed; /* bytes still to arrive for bigargs[bigargCount - 1] */
    const struct command *cmd, *lastcmd;
    /* Reply side: the static buffer first, then overflow blocks. */
    size_t bufpos;
    size_t sentlen; /* bytes of the first pending chunk already written */
    replyBlock *replyHead, *replyTail;
    size_t replyBytes; /* bytes held in blocks */
    /* Identity and bookkeeping. */
    sbuf *name, *libName, *libVer;
    char addr[64], laddr[64];
    long long ctime, lastInteraction; /* ms */
    long long lastCmdTime;
    struct client *prev, *next;           /* server.clients list */
    struct client *pendingNext;           /* pending write list */
    bool inPendingList;
    /* Feature state, allocated on first use (NULL otherwise). */
    struct blockState *bstate;   /* core/blocking.c */
    struct multiState *mstate;   /* core/multi.c */
    struct pubsubState *pstate;  /* core/pubsub.c */
    /* Who the client is (acl/user.c; NULL: a fake client, which may run
     * anything).  Authentication state is CLIENT_AUTHENTICATED. */
    struct aclUser *user;
    struct blockedCall *blockedCall; /* server/slowlog.c: a blocked command's stats */
    struct tlsConn *tls; /* net/tls.c, for clients of a tls-port; else NULL */
    char buf[REPLY_CHUNK_BYTES];
} client;

/* ---- command table ---- */

typedef void commandProc(client *c);

/* Command flags (COMMAND INFO names in comments). */
#define CMD_WRITE (1ULL << 0)        /* write */
#define CMD_READONLY (1ULL << 1)     /* readonly */
#define CMD_DENYOOM (1ULL << 2)      /* denyoom */
#define CMD_ADMIN (1ULL << 3)        /* admin */
#define CMD_PUBSUB (1ULL << 4)       /* pubsub */
#define CMD_NOSCRIPT (1ULL << 5)     /* noscript */
#define CMD_BLOCKING (1ULL << 6)     /* blocking */
#define CMD_LOADING (1ULL << 7)      /* loading */
#define CMD_STALE (1ULL << 8)        /* stale */
#define CMD_SKIP_MONITOR (1ULL << 9) /* skip_monitor */
#define CMD_SKIP_SLOWLOG (1ULL << 10) /* skip_slowlog */
#define CMD_FAST (1ULL << 11)        /* fast */
#define CMD_NO_AUTH (1ULL << 12)     /* no_auth */
#define CMD_MAY_REPLICATE (1ULL << 13) /* may_replicate */
#define CMD_SENTINEL (1ULL << 14)
#define CMD_NO_MANDATORY_KEYS (1ULL << 15) /* no_mandatory_keys */
#define CMD_NO_MULTI (1ULL << 16)    /* no_multi */
#define CMD_MOVABLE_KEYS (1ULL << 17) /* movablekeys */
#define CMD_ALLOW_BUSY (1ULL << 18)  /* allow_busy */
#define CMD_NUM_FLAGS 19
/* Dispatch rules kept as flags (COMMAND never prints these): which
 * commands act at once inside MULTI, which leave a transaction (never
 * refused for memory there), which a refusal answers with EXECABORT,
 * which a RESP2 subscribed connection may run, and which
 * enable-debug-command gates.  Bits far above the printed ones, so new
 * printed flags never collide with them. */
#define CMD_MULTI_CONTROL (1ULL << 48) /* EXEC DISCARD MULTI WATCH QUIT RESET */
#define CMD_MULTI_END (1ULL << 49)     /* EXEC DISCARD QUIT RESET */
#define CMD_EXEC (1ULL << 50)          /* EXEC: refusal discards the transaction */
#define CMD_SUBSCRIBED_OK (1ULL << 51) /* (P|S)(UN)SUBSCRIBE PING QUIT RESET */
#define CMD_PROTECTED (1ULL << 52)     /* DEBUG: gated by enable-debug-command */

/* ACL categories (bit positions match the order of the names table). */
#define ACL_KEYSPACE (1ULL << 0)
#define ACL_READ (1ULL << 1)
#define ACL_WRITE (1ULL << 2)
#define ACL_SET (1ULL << 3)
#define ACL_SORTEDSET (1ULL << 4)
#define ACL_LIST (1ULL << 5)
#define ACL_HASH (1ULL << 6)
#define ACL_STRING (1ULL << 7)
#define ACL_BITMAP (1ULL << 8)
#define ACL_HYPERLOGLOG (1ULL << 9)
#define ACL_GEO (1ULL << 10)
#define ACL_STREAM (1ULL << 11)
#define ACL_PUBSUB (1ULL << 12)
#define ACL_ADMIN (1ULL << 13)
#define ACL_FAST (1ULL << 14)
#define ACL_SLOW (1ULL << 15)
#define ACL_BLOCKING (1ULL << 16)
#define ACL_DANGEROUS (1ULL << 17)
#define ACL_CONNECTION (1ULL << 18)
#define ACL_TRANSACTION (1ULL << 19)
#define ACL_SCRIPTING (1ULL << 20)
#define ACL_NUM_CATEGORIES 21

struct keySpec;
struct keyResult;

typedef struct command {
    const char *name;      /* lower case; "config|get" for subcommands */
    const char *container; /* parent name for subcommands, else NULL */
    const char *subname;   /* part after '|' */
    commandProc *proc;
    int arity;
    uint64_t flags;
    int firstKey, lastKey, keyStep;
    uint64_t acl; /* categories given in the table (implied ones added at init) */
    const char *group, *since, *summary, *complexity;
    /* Filled at init. */
    struct command **subcommands;
    int numSub;
    int id; /* position in the table: 0 .. commandCount()-1 (ACL bitmaps) */
    const struct command *parent; /* the container of a subcommand, else NULL */
    /* Statistics (INFO commandstats). */
    long long calls, usec, rejectedCalls, failedCalls;
    /* Flags that depend on the arguments (EVAL, FCALL: what the script
     * declares), or NULL; set with commandSetFlagsProc. */
    uint64_t (*flagsProc)(struct client *c, uint64_t tableFlags);
    /* Key specs and key function from core/keyspecs.def (core/keyspec.h),
     * attached at init; keysArg is the function's table entry. */
    const struct keySpec *keySpecs;
    int numKeySpecs;
    int (*getKeys)(const struct command *cmd, slice *argv, int argc, struct keyResult *res);
    int keysArg;
} command;

/* ---- server ---- */

typedef struct serverStats {
    long long numCommands, numConnections, rejectedConn;
    long long expiredKeys, evictedKeys, keyspaceHits, keyspaceMisses;
    long long netInputBytes, netOutputBytes;
    long long totalErrorReplies;
    long long startTimeMs;
    long long clientQbufLimitDisconnections, clientOutbufLimitDisconnections;
    size_t peakMemory;
    long long expiredStalePerc, expireCycleCpuMs;
} serverStats;

typedef struct serverState {
    /* Config (see server/config.c for directives). */
    char *bindaddr[CONFIG_MAX_BIND];
    int bindaddrCount;
    int port;
    char *unixsocket;
    unsigned int unixsocketperm;
    bool daemonize;
    char *pidfile;
    char *logfile;
    int verbosity;
    int dbnum;
    long long maxidletime; /* seconds, 0 = never */
    int tcpkeepalive;
    int tcpBacklog;
    unsigned int maxclients;
    char *requirepass;
    long long protoMaxBulkLen;
    long long clientMaxQuerybufLen;
    int hz;
    char *dir;
    int enableDebugCmd; /* 0 no, 1 yes, 2 local */
    char *configfile;   /* absolute path, or NULL */
    bool lazyfreeLazyUserDel, lazyfreeLazyUserFlush;
    long long maxmemory;
    long long slowlogLogSlowerThan;
    long long slowlogMaxLen;
    int activeExpireEnabled;
    /* Runtime. */
    eventLoop *el;
    pid_t pid;
    char runid[41];
    int ipfd[CONFIG_MAX_BIND];
    int ipfdCount;
    int tlsfd[CONFIG_MAX_BIND]; /* tls-port listeners (net/tls.c connections) */
    int tlsfdCount;
    int sofd;
    db *dbs;
    client *clients; /* doubly linked list head */
    size_t numClients;
    client *pendingWrites;
    client *currentClient;
    uint64_t nextClientId;
    long long unixtimeMs; /* cached at each event loop iteration */
    uint32_t lruclock;
    long long cronloops;
    volatile int shutdownAsap;
    /* While a script past busy-reply-threshold lets events be served:
     * the -BUSY text other clients' commands get (set by script/). */
    const char *busyReply;
    /* Changes to the dataset (one per key or element changed, as Redis
     * counts them): save rules and INFO rdb_changes_since_last_save read
     * it, and a command that moved it gets propagated (core/propagate.h). */
    long long dirty;
    serverStats stat;
} serverState;

extern serverState server;

/* Logging (server/log.c). */
#define LL_DEBUG 0
#define LL_VERBOSE 1
#define LL_NOTICE 2
#define LL_WARNING 3
void serverLog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void serverLogRaw(int level, const char *msg);
/* Unrecoverable internal error: logs file:line and aborts. */
void serverPanicAt(const char *file, int line, const char *msg) __attribute__((noreturn));
#define serverPanic(msg) serverPanicAt(__FILE__, __LINE__, (msg))
#define serverAssert(cond) ((cond) ? (void)0 : serverPanicAt(__FILE__, __LINE__, "assertion failed: " #cond))

/* Time helpers. */
long long mstime(void);
long long ustime(void);
/* Cached time refreshed every loop iteration and before each command. */
static inline long long commandTimeMs(void) { return server.unixtimeMs; }
void updateCachedTime(void);

#endif
