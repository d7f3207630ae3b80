/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Streams: the value layer shared by the stream command files
 * (streamcmds.c: XADD XLEN XRANGE XREVRANGE XDEL XTRIM XSETID;
 * streamread.c: XREAD XREADGROUP and their blocking forms;
 * streamgroups.c: consumer groups, XGROUP XACK XPENDING XCLAIM XAUTOCLAIM;
 * streaminfo.c: XINFO).
 *
 *   stream
 *     nodes: idtree  master id -> streamNode (ds/streamnode.h), each a run
 *                    of up to stream-node-max-entries entries packed with
 *                    delta ids and shared field names
 *     length, first/last/max-deleted ids, entries-added
 *     groups: sorted array of streamCG (by name, bytewise, as Redis lists
 *             them)
 *   streamCG
 *     last delivered id, entries-read, pel: idtree id -> streamNACK,
 *     consumers: sorted array of streamConsumer
 *   streamConsumer
 *     name, seen time, pel: idtree id -> streamNACK (the same records as
 *     the group's PEL, which owns them)
 *
 * OBJECT ENCODING says "stream", as Redis.  docs/streams.md explains the
 * layout and what it costs; node boundaries follow Redis's rules exactly
 * (see ds/streamnode.h), so approximate trimming removes what Redis would.
 *
 * Costs: append O(1) amortised (plus the fields); seek by id O(log N) to
 * the node, then O(node entries); length O(1); group and consumer lookup
 * O(log G) by binary search (inserting one moves O(G) pointers).
 */
#ifndef TERN_TYPES_STREAM_H
#define TERN_TYPES_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ds/idtree.h"
#include "ds/streamid.h"
#include "ds/streamnode.h"
#include "server/server.h"

/* stream-node-max-bytes / stream-node-max-entries (server/config.c). */
extern long long streamNodeMaxBytes;
extern long long streamNodeMaxEntries;

/* entries-read of a group whose counter is unknown. */
#define SCG_INVALID_ENTRIES_READ -1LL

typedef struct streamConsumer streamConsumer;

/* A delivered, not yet acknowledged entry. */
typedef struct streamNACK {
    long long deliveryTime; /* unix ms of the last delivery */
    long long deliveryCount;
    streamConsumer *consumer;
} streamNACK;

struct streamConsumer {
    long long seenTime; /* unix ms of the last read/claim by it */
    idtree *pel;
    size_t nameLen;
    char name[];
};

typedef struct streamCG {
    streamID lastId;
    long long entriesRead; /* SCG_INVALID_ENTRIES_READ when unknown */
    idtree *pel;           /* owns the streamNACKs */
    streamConsumer **consumers;
    size_t nconsumers, consumersCap;
    size_t nameLen;
    char name[];
} streamCG;

typedef struct stream {
    idtree *nodes;
    uint64_t length;
    streamID first, last, maxDeleted;
    uint64_t entriesAdded;
    streamCG **groups; /* NULL until the first group */
    size_t ngroups, groupsCap;
} stream;

/* Walks the entries between two ids (both inclusive) in either
 * direction; see streamIterStart.  Valid while the stream is unchanged. */
typedef struct streamIter {
    stream *s;
    streamID start, end;
    bool rev;
    bool skipDeleted; /* true unless the caller wants tombstones too */
    bool started, done;
    idtIter ti;
    streamNode *node; /* node being walked, NULL between nodes */
    snEntry e;
    snPos *pos; /* reverse walks: positions of the node's entries */
    size_t npos, ipos, posCap;
    snPos small[64];
} streamIter;

/* Registers the stream objTypeOps (called from types/registry.c). */
void streamRegisterType(void);

/* New empty stream kvobj for 'key'.  The caller owns it. */
kvobj *streamNewKv(const char *key, size_t klen);
static inline stream *streamOf(kvobj *kv) { return (stream *)kvGetPtr(kv); }

/* ---- ids ---- */

/* Parses a stream id as Redis does: "ms-seq", "ms" (the sequence is then
 * 'missingSeq'), "-" and "+" unless 'strict'; with 'seqGiven' not NULL the
 * form "ms-*" is accepted and reported by '*seqGiven' = false.  Replies
 * "ERR Invalid stream ID specified as stream command argument" and
 * returns C_ERR when invalid ('c' NULL: no reply). */
int streamParseIDOrReply(client *c, slice s, streamID *id, uint64_t missingSeq, bool strict,
                         bool *seqGiven);
/* Parses a range bound: "(" makes it exclusive (then it is parsed
 * strictly, and '*exclusive' is set). */
int streamParseIntervalIDOrReply(client *c, slice s, streamID *id, bool *exclusive,
                                 uint64_t missingSeq);
/* Formats 'id' as "ms-seq" into 'buf' (STREAM_ID_STR bytes); returns the
 * length. */
#define STREAM_ID_STR 44
size_t streamIDToStr(streamID id, char *buf);
/* Bulk reply of an id. */
void addReplyStreamID(client *c, streamID id);

/* ---- entries ---- */

/* The id XADD would give a new entry: 'given' (when not NULL) as is if
 * 'seqGiven', else with the sequence auto-generated for its ms; NULL
 * makes one from the clock.  Returns false when no valid id exists (the
 * sequence would overflow). */
bool streamNextID(const stream *s, const streamID *given, bool seqGiven, streamID *out);
/* Appends entry 'id' (> s->last) with 'nfields' pairs from 'fv' (argv
 * slices: field, value, field, value ...).  The caller checked that the
 * elements fit (streamElementsFit). */
void streamAppend(stream *s, streamID id, const slice *fv, size_t nfields);
/* False when the fields and values of one entry are too large to store
 * (XADD's "Elements are too large to be stored"). */
bool streamElementsFit(const slice *fv, size_t nfields);
/* Flags entry 'id' deleted; false when there is no live entry with it.
 * Empty nodes are freed.  Does not touch first/maxDeleted (XDEL does). */
bool streamDeleteEntry(stream *s, streamID id);
/* True when a live entry 'id' exists. */
bool streamEntryExists(stream *s, streamID id);
/* First ('first') or last live entry id; false when the stream is empty.
 * With 'tombstones' deleted entries count as well. */
bool streamEdgeID(stream *s, bool first, bool tombstones, streamID *out);

/* ---- trimming ---- */

#define STREAM_TRIM_NONE 0
#define STREAM_TRIM_MAXLEN 1
#define STREAM_TRIM_MINID 2

typedef struct streamTrimArgs {
    int strategy;     /* STREAM_TRIM_* */
    bool approx;      /* "~": whole nodes only */
    long long limit;  /* most entries to remove, 0 = no limit */
    long long maxlen; /* MAXLEN */
    streamID minid;   /* MINID */
} streamTrimArgs;

/* Trims 's' as XADD/XTRIM do; returns the number of entries removed. */
long long streamTrim(stream *s, const streamTrimArgs *a);

/* ---- iteration ---- */

/* Starts a walk of the entries with start <= id <= end ('start' NULL:
 * from the first, 'end' NULL: to the last), backwards when 'rev'.
 * Deleted entries are skipped unless it->skipDeleted is cleared after
 * starting.  Release with streamIterStop. */
void streamIterStart(streamIter *it, stream *s, const streamID *start, const streamID *end,
                     bool rev);
/* Next entry: its id and field count; false at the end. */
bool streamIterNext(streamIter *it, streamID *id, uint32_t *nfields);
/* Starts reading the current entry's fields (snFieldNext reads them). */
void streamIterFields(streamIter *it, snFieldIter *fi);
void streamIterStop(streamIter *it);

/* Replies entries in [start, end] (either may be NULL), at most 'count'
 * (0 = all), as an array of [id, [field, value, ...]] unless 'raw' (then
 * only the entries, no array header).  Returns how many were replied. */
size_t streamReplyRange(client *c, stream *s, const streamID *start, const streamID *end,
                        size_t count, bool rev, bool raw);
/* Replies one entry found by the iterator (used by group reads). */
void streamReplyIterEntry(client *c, streamIter *it, streamID id, uint32_t nfields);

/* ---- consumer groups (streamgroups.c) ---- */

/* Group 'name' of 's', or NULL. */
streamCG *streamLookupCG(stream *s, const char *name, size_t len);
/* Creates group 'name' at 'id' with 'entriesRead'; NULL when it exists. */
streamCG *streamCreateCG(stream *s, const char *name, size_t len, streamID id,
                         long long entriesRead);
/* Consumer 'name' of 'cg', or NULL; refreshes its seen time when
 * 'refresh'. */
streamConsumer *streamLookupConsumer(streamCG *cg, const char *name, size_t len, bool refresh);
/* Creates consumer 'name' (absent) in 'cg' and returns it. */
streamConsumer *streamCreateConsumer(streamCG *cg, const char *name, size_t len);
/* Frees every group of 's' (stream free). */
void streamFreeGroups(stream *s);
/* Copies the groups of 'src' into 'dst' (COPY). */
void streamDupGroups(stream *dst, const stream *src);
/* Allocator bytes of the groups of 's'. */
size_t streamGroupsMemory(const stream *s);

/* Lag of 'cg' as XINFO reports it: true and '*lag', or false when it
 * cannot be known (a null reply). */
bool streamGroupLag(stream *s, streamCG *cg, long long *lag);
/* The logical read counter of 'id' (entries added up to it), or
 * SCG_INVALID_ENTRIES_READ when it cannot be known. */
long long streamEstimateDistanceFromFirstEverEntry(stream *s, streamID id);
/* True when [start, end] ('end' NULL: to the end) may hold a deleted
 * entry. */
bool streamRangeHasTombstones(stream *s, streamID start, const streamID *end);

/* Serves a group read: replies the entries after 'start' (exclusive of
 * nothing: 'start' itself is included) up to 'count' (0 = all) as an
 * array, moving the group's last id and counter, and (unless 'noack')
 * recording them as pending for 'consumer'.  Returns how many. */
size_t streamReplyGroupNew(client *c, slice key, stream *s, streamCG *cg,
                           streamConsumer *consumer, streamID start, size_t count, bool noack);
/* Serves a consumer's history: its pending entries from 'start' on, at
 * most 'count' (0 = all), deleted ones as [id, nil]. */
size_t streamReplyConsumerHistory(client *c, slice key, stream *s, streamCG *cg,
                                  streamConsumer *consumer, streamID start, size_t count);

/* Propagation of consumer-group state (core/propagate.h).  Deliveries
 * and claims depend on the clock and on who reads first, so they replay as
 * explicit commands, each counting one change in server.dirty:
 *
 *   streamPropagateClaim     XCLAIM <key> <group> <consumer> 0 <id> TIME <ms>
 *                            RETRYCOUNT <n> FORCE JUSTID LASTID <group last id>
 *                            (the record as 'nack' now holds it; for an entry
 *                            that no longer exists the replay drops the record)
 *   streamPropagateGroupId   XGROUP SETID <key> <group> <last id> ENTRIESREAD <n>
 *   streamPropagateConsumer  XGROUP CREATECONSUMER <key> <group> <consumer>
 */
void streamPropagateClaim(client *c, slice key, const streamCG *cg, streamID id,
                          const streamNACK *nack);
void streamPropagateGroupId(client *c, slice key, const streamCG *cg);
void streamPropagateConsumer(client *c, slice key, const streamCG *cg, slice consumer);

/* "ERR unknown subcommand or wrong number of arguments for '<sub>'. Try
 * <CMD> HELP." as Redis 7.0 replies it from inside a subcommand. */
void addReplySubcommandArgsError(client *c);

#endif
