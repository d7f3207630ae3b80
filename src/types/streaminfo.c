/* SPDX-License-Identifier: BSD-3-Clause
 *
 * XINFO STREAM [FULL [COUNT n]], XINFO GROUPS, XINFO CONSUMERS and XINFO
 * HELP, with Redis 7.0's fields in its order.
 *
 * "radix-tree-keys" is our node count, which equals Redis's (nodes split
 * where Redis's listpacks do).  "radix-tree-nodes" counts the nodes Redis's
 * radix tree would have for the same node keys: it depends only on the
 * set of 16-byte big-endian keys, so it is derived from the sorted keys'
 * common prefixes (raxNodeCount) in one pass over the index.
 */
#include <string.h>

#include "core/args.h"
#include "core/db.h"
#include "core/errors.h"
#include "net/reply.h"
#include "types/stream.h"

/* Bytes the 16-byte big-endian forms of 'a' and 'b' share at the start. */
static int commonPrefix(streamID a, streamID b) {
    if (a.ms != b.ms) return __builtin_clzll(a.ms ^ b.ms) / 8;
    if (a.seq != b.seq) return 8 + __builtin_clzll(a.seq ^ b.seq) / 8;
    return 16;
}

/* Nodes of a compressed radix tree (Redis's rax) holding the keys of 't'
 * as 16-byte strings: the head, one node per key, one per branching prefix
 * (the distinct longest common prefixes of neighbouring keys), and one
 * compressed node on every edge from a branch that spans more than one
 * byte.  Branches are found with the usual stack over the neighbours'
 * common-prefix lengths. */
static long long raxNodeCount(const idtree *t) {
    size_t n = idtSize(t);
    if (n == 0) return 1;
    long long total = 1 + (long long)n;
    int stack[17], sp = 0;
    idtIter it;
    idtSeekFirst(t, &it);
    streamID prev = idtIterId(&it);
    int lprev = -1; /* prefix shared with the previous key */
    for (size_t i = 0; i < n; i++) {
        int l = -1; /* prefix shared with the next key (-1: none) */
        if (i + 1 < n) {
            idtNext(&it);
            streamID cur = idtIterId(&it);
            l = commonPrefix(prev, cur);
            prev = cur;
        }
        /* The leaf hangs off the deeper of its two neighbouring branches. */
        int parent = lprev > l ? lprev : l;
        if (parent >= 0 && 16 - parent > 1) total++;
        /* Close branches deeper than 'l'; open one at 'l'. */
        while (sp && stack[sp - 1] > l) {
            int d = stack[--sp];
            int up = sp ? stack[sp - 1] : -1;
            if (l > up) up = l;
            if (up >= 0 && d - up > 1) total++;
        }
        if (l >= 0 && (!sp || stack[sp - 1] < l)) {
            stack[sp++] = l;
            if (l > 0) total++;
        }
        lprev = l;
    }
    return total;
}

/* Replies one entry by id (first/last entry), or a null. */
static void replyEdgeEntry(client *c, stream *s, bool last) {
    if (!streamReplyRange(c, s, NULL, NULL, 1, last, true)) addReplyNull(c);
}

static void replyGroupLag(client *c, stream *s, streamCG *cg) {
    long long lag;
    if (streamGroupLag(s, cg, &lag))
        addReplyLongLong(c, lag);
    else
        addReplyNull(c);
}

static void replyEntriesRead(client *c, const streamCG *cg) {
    if (cg->entriesRead != SCG_INVALID_ENTRIES_READ)
        addReplyLongLong(c, cg->entriesRead);
    else
        addReplyNull(c);
}

/* XINFO STREAM key [FULL [COUNT count]]. */
static void xinfoStream(client *c, stream *s) {
    bool full = true;
    long long count = 10;
    int optc = c->argc - 3;
    if (optc == 0) {
        full = false;
    } else {
        if ((optc != 1 && optc != 3) || !sliceIs(c->argv[3], "full")) {
            addReplySubcommandArgsError(c);
            return;
        }
        if (optc == 3) {
            if (!sliceIs(c->argv[4], "count")) {
                addReplySubcommandArgsError(c);
                return;
            }
            if (getLongLongOrReply(c, c->argv[5], &count, NULL) == C_ERR) return;
            if (count < 0) count = 10;
        }
    }
    addReplyMapLen(c, full ? 9 : 10);
    addReplyBulkCStr(c, "length");
    addReplyLongLong(c, (long long)s->length);
    addReplyBulkCStr(c, "radix-tree-keys");
    addReplyLongLong(c, (long long)idtSize(s->nodes));
    addReplyBulkCStr(c, "radix-tree-nodes");
    addReplyLongLong(c, raxNodeCount(s->nodes));
    addReplyBulkCStr(c, "last-generated-id");
    addReplyStreamID(c, s->last);
    addReplyBulkCStr(c, "max-deleted-entry-id");
    addReplyStreamID(c, s->maxDeleted);
    addReplyBulkCStr(c, "entries-added");
    addReplyLongLong(c, (long long)s->entriesAdded);
    addReplyBulkCStr(c, "recorded-first-entry-id");
    addReplyStreamID(c, s->first);
    if (!full) {
        addReplyBulkCStr(c, "groups");
        addReplyLongLong(c, (long long)s->ngroups);
        addReplyBulkCStr(c, "first-entry");
        replyEdgeEntry(c, s, false);
        addReplyBulkCStr(c, "last-entry");
        replyEdgeEntry(c, s, true);
        return;
    }
    addReplyBulkCStr(c, "entries");
    streamReplyRange(c, s, NULL, NULL, (size_t)count, false, false);
    addReplyBulkCStr(c, "groups");
    addReplyArrayLen(c, (long long)s->ngroups);
    for (size_t g = 0; g < s->ngroups; g++) {
        streamCG *cg = s->groups[g];
        addReplyMapLen(c, 7);
        addReplyBulkCStr(c, "name");
        addReplyBulk(c, cg->name, cg->nameLen);
        addReplyBulkCStr(c, "last-delivered-id");
        addReplyStreamID(c, cg->lastId);
        addReplyBulkCStr(c, "entries-read");
        replyEntriesRead(c, cg);
        addReplyBulkCStr(c, "lag");
        replyGroupLag(c, s, cg);
        addReplyBulkCStr(c, "pel-count");
        addReplyLongLong(c, (long long)idtSize(cg->pel));
        addReplyBulkCStr(c, "pending");
        void *dl = addReplyDeferredLen(c);
        long long n = 0;
        idtIter it;
        for (bool ok = idtSeekFirst(cg->pel, &it); ok && (!count || n < count); ok = idtNext(&it)) {
            streamNACK *nack = idtIterVal(&it);
            addReplyArrayLen(c, 4);
            addReplyStreamID(c, idtIterId(&it));
            addReplyBulk(c, nack->consumer->name, nack->consumer->nameLen);
            addReplyLongLong(c, nack->deliveryTime);
            addReplyLongLong(c, nack->deliveryCount);
            n++;
        }
        setDeferredArrayLen(c, dl, n);
        addReplyBulkCStr(c, "consumers");
        addReplyArrayLen(c, (long long)cg->nconsumers);
        for (size_t j = 0; j < cg->nconsumers; j++) {
            streamConsumer *sc = cg->consumers[j];
            addReplyMapLen(c, 4);
            addReplyBulkCStr(c, "name");
            addReplyBulk(c, sc->name, sc->nameLen);
            addReplyBulkCStr(c, "seen-time");
            addReplyLongLong(c, sc->seenTime);
            addReplyBulkCStr(c, "pel-count");
            addReplyLongLong(c, (long long)idtSize(sc->pel));
            addReplyBulkCStr(c, "pending");
            void *cdl = addReplyDeferredLen(c);
            long long m = 0;
            for (bool ok = idtSeekFirst(sc->pel, &it); ok && (!count || m < count);
                 ok = idtNext(&it)) {
                streamNACK *nack = idtIterVal(&it);
                addReplyArrayLen(c, 3);
                addReplyStreamID(c, idtIterId(&it));
                addReplyLongLong(c, nack->deliveryTime);
                addReplyLongLong(c, nack->deliveryCount);
                m++;
            }
            setDeferredArrayLen(c, cdl, m);
        }
    }
}

static const char *xinfoHelp[] = {"CONSUMERS <key> <groupname>",
                                  "    Show consumers of <groupname>.",
                                  "GROUPS <key>",
                                  "    Show the stream consumer groups.",
                                  "STREAM <key> [FULL [COUNT <count>]",
                                  "    Show information about the stream.",
                                  NULL};

/* Every XINFO subcommand (one body, as in Redis). */
void xinfoCommand(client *c) {
    slice opt = c->argv[1];
    if (sliceIs(opt, "help")) {
        if (c->argc != 2)
            addReplySubcommandArgsError(c);
        else
            addReplyHelp(c, xinfoHelp);
        return;
    }
    if (c->argc < 3) {
        addReplySubcommandArgsError(c);
        return;
    }
    slice key = c->argv[2];
    bool wrong;
    kvobj *kv = lookupReadTyped(c, key, OBJ_STREAM, &wrong);
    if (wrong) return;
    if (!kv) {
        addReplyError(c, ERR_NO_SUCH_KEY);
        return;
    }
    stream *s = streamOf(kv);
    if (sliceIs(opt, "consumers") && c->argc == 4) {
        slice gname = c->argv[3];
        streamCG *cg = streamLookupCG(s, gname.ptr, gname.len);
        if (!cg) {
            addReplyErrorFormat(c, "NOGROUP No such consumer group '%.*s' for key name '%.*s'",
                                (int)strnlen(gname.ptr, gname.len), gname.ptr,
                                (int)strnlen(key.ptr, key.len), key.ptr);
            return;
        }
        addReplyArrayLen(c, (long long)cg->nconsumers);
        long long now = mstime();
        for (size_t j = 0; j < cg->nconsumers; j++) {
            streamConsumer *sc = cg->consumers[j];
            long long idle = now - sc->seenTime;
            addReplyMapLen(c, 3);
            addReplyBulkCStr(c, "name");
            addReplyBulk(c, sc->name, sc->nameLen);
            addReplyBulkCStr(c, "pending");
            addReplyLongLong(c, (long long)idtSize(sc->pel));
            addReplyBulkCStr(c, "idle");
            addReplyLongLong(c, idle < 0 ? 0 : idle);
        }
    } else if (sliceIs(opt, "groups") && c->argc == 3) {
        addReplyArrayLen(c, (long long)s->ngroups);
        for (size_t g = 0; g < s->ngroups; g++) {
            streamCG *cg = s->groups[g];
            addReplyMapLen(c, 6);
            addReplyBulkCStr(c, "name");
            addReplyBulk(c, cg->name, cg->nameLen);
            addReplyBulkCStr(c, "consumers");
            addReplyLongLong(c, (long long)cg->nconsumers);
            addReplyBulkCStr(c, "pending");
            addReplyLongLong(c, (long long)idtSize(cg->pel));
            addReplyBulkCStr(c, "last-delivered-id");
            addReplyStreamID(c, cg->lastId);
            addReplyBulkCStr(c, "entries-read");
            replyEntriesRead(c, cg);
            addReplyBulkCStr(c, "lag");
            replyGroupLag(c, s, cg);
        }
    } else if (sliceIs(opt, "stream")) {
        xinfoStream(c, s);
    } else {
        addReplySubcommandArgsError(c);
    }
}
