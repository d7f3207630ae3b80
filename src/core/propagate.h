/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The propagation stream: every change to the dataset, as the commands
 * that replay it.  The AOF appends this stream to its file, replicas will
 * apply it; replaying it from the start on an empty server rebuilds the
 * same dataset.
 *
 * Producers (command handlers) do nothing in the common case: the
 * dispatcher (core/command.c callCommand) compares the dirty counter
 * before and after the handler, and a command that changed something is
 * propagated as it was sent.  A handler whose replay would not be
 * deterministic says what to replay instead:
 *
 *   EXPIRE k 10          -> propagateAs  PEXPIREAT k <abs ms>
 *   SET k v EX 10        -> propagateAs  SET k v PXAT <abs ms>
 *   SPOP k 3             -> propagateAs  SREM k a b c   (or DEL k)
 *   INCRBYFLOAT k 1.5    -> propagateAs  SET k <result> KEEPTTL
 *   BLPOP k 0 (served)   -> propagateAs  LPOP k
 *   XREADGROUP ...       -> propagateAs  XCLAIM ... per entry, XGROUP SETID
 *   EXEC                 -> propagateSuppress: the queued commands
 *                           propagate themselves, wrapped below
 *
 * propagateAs may be called several times (each call adds one command);
 * calling it at all replaces the command's own argv.  Changes that are not
 * the command's own (a key found expired on lookup, an eviction) go through
 * propagateAlso / propagateDeletion and never replace it.
 *
 * Execution units.  The commands one top-level call produces (a command
 * and the expired keys it met, an EXEC, a script, a blocked client being
 * served) are collected and handed to consumers when the unit ends; when a
 * unit produced more than one command they are wrapped in MULTI ... EXEC
 * so a replica or a truncated AOF sees them atomically.  A unit that
 * produced nothing emits nothing.  Outside any unit (the active expiry
 * cycle) each command is emitted at once.
 *
 * Consumers register a propConsumer.  Each receives the stream in order,
 * one command per feed() call, with SELECT inserted whenever the command's
 * database differs from the consumer's 'selectedDb' (set it to -1 to get a
 * SELECT before the next command, e.g. when a new AOF file starts).  The
 * argv handed to feed() is owned by the stream and valid during the call
 * only; a consumer keeping it encodes it (propagateCatResp) or copies it.
 * With no consumer registered nothing is copied: only dirty is counted.
 *
 * Costs: with consumers, one allocation per propagated command (argv and
 * bytes together); none otherwise.
 */
#ifndef TERN_CORE_PROPAGATE_H
#define TERN_CORE_PROPAGATE_H

#include "server/server.h"

/* Who a propagated command is for (a consumer says what it takes). */
#define PROP_AOF (1 << 0)
#define PROP_REPL (1 << 1)
#define PROP_ALL (PROP_AOF | PROP_REPL)

typedef struct propConsumer {
    /* Receives one command of the stream; 'argv' is valid during the call
     * only. */
    void (*feed)(struct propConsumer *pc, int argc, const slice *argv);
    int targets;    /* PROP_AOF and/or PROP_REPL */
    int selectedDb; /* db the stream so far left selected; -1: none yet */
    void *priv;
    struct propConsumer *next;
} propConsumer;

/* Adds 'pc' (owned by the caller, which keeps it alive until removed) to
 * the consumers; it receives every command propagated from now on. */
void propagateAddConsumer(propConsumer *pc);
/* Removes 'pc'; a no-op when it is not registered. */
void propagateRemoveConsumer(propConsumer *pc);
/* True when some consumer is registered (producers may skip building a
 * rewrite otherwise; propagateAs already does nothing then). */
bool propagateWanted(void);

/* One call of a command, kept on the caller's stack by the dispatcher
 * (callCommand), by blocking.c while it serves a client, by scripts. */
typedef struct propFrame {
    struct propFrame *parent;
    long long dirtyBefore;
    bool replaced; /* the command chose its own propagated form (or none) */
} propFrame;

/* Opens 'f' around one command call (it may nest: EXEC, scripts). */
void propagateCallBegin(propFrame *f);
/* Closes 'f': when the dirty counter moved and the command did not call
 * propagateAs/propagateSuppress, its argv ('c', or nothing when NULL) is
 * propagated.  Closing the outermost frame emits the unit. */
void propagateCallEnd(propFrame *f, client *c);

/* The current command of 'c' (in c->db) replays as 'argv[0..argc-1]' (copied).
 * Each call adds one command; the command's own argv is then not
 * propagated.  Outside a frame the command is emitted at once. */
void propagateAs(client *c, int argc, const slice *argv);
/* The current command replays as nothing of its own (EXEC, scripts: the
 * commands they ran propagate themselves). */
void propagateSuppress(client *c);
/* Propagates 'argv' in db 'dbid' to the consumers matching 'targets',
 * beside whatever the current command propagates. */
void propagateAlso(int dbid, int argc, const slice *argv, int targets);
/* Propagates the deletion of 'key' in db 'dbid' (an expired or evicted key)
 * as DEL, or UNLINK when 'lazy'. */
void propagateDeletion(int dbid, const char *key, size_t len, bool lazy);

/* Limits what is propagated from now on to the consumers in 'targets'
 * (PROP_ALL lifts it; 0 propagates nothing); returns the previous limit.
 * Scripts set it around each command they run (redis.set_repl). */
int propagateSetTargetMask(int targets);

/* Appends 'argv' to 's' as a RESP array of bulk strings (the AOF format
 * and the replication stream); returns the possibly moved buffer. */
sbuf *propagateCatResp(sbuf *s, int argc, const slice *argv);

/* Helpers for building rewritten argv: a slice over a C string, and a
 * slice over a decimal integer formatted into 'buf' (at least 21 bytes). */
slice propArgStr(const char *s);
slice propArgLongLong(char *buf, long long v);

#endif
