/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The MEMORY command family: USAGE (one key), STATS (where memory goes),
 * DOCTOR, MALLOC-STATS, PURGE and HELP.
 *
 * MEMORY USAGE reports Tern's own layout (kvMemoryUsage: the kvobj holding
 * key and value, its bucket slot, and the value's structures, sampling
 * nested values), so its numbers are smaller than Redis's for the same data
 * and never equal to them.  MEMORY STATS keeps Redis 7.0's field names and
 * order; fields for features Tern lacks (replication backlog, AOF buffer,
 * Lua) are 0, and the per-db "expires" table is 0 because TTLs live inside
 * the keys.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#ifdef USE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#include "core/args.h"
#include "core/command.h"
#include "core/db.h"
#include "core/errors.h"
#include "net/reply.h"
#include "server/info.h"

/* Samples MEMORY USAGE takes of a nested value by default (as Redis). */
#define MEMORY_DEFAULT_SAMPLES 5

/* MEMORY USAGE key [SAMPLES count]: bytes, or nil for a missing key.  Like
 * Redis it looks the key up without expiring it. */
void memoryUsageCommand(client *c) {
    long long samples = MEMORY_DEFAULT_SAMPLES;
    for (int j = 3; j < c->argc; j++) {
        if (sliceIs(c->argv[j], "samples") && j + 1 < c->argc) {
            if (getLongLongOrReply(c, c->argv[j + 1], &samples, NULL) == C_ERR) return;
            if (samples < 0) {
                addReplyError(c, ERR_SYNTAX);
                return;
            }
            if (samples == 0) samples = LLONG_MAX; /* 0 means all of them */
            j++;
        } else {
            addReplyError(c, ERR_SYNTAX);
            return;
        }
    }
    kvobj *kv = dbFind(c->db, c->argv[2].ptr, c->argv[2].len);
    if (!kv) {
        addReplyNull(c);
        return;
    }
    addReplyLongLong(c, (long long)kvMemoryUsage(kv, (size_t)samples));
}

/* MEMORY STATS: a map of Redis 7.0's fields (see the file comment). */
void memoryStatsCommand(client *c) {
    memoryReport r;
    getMemoryReport(&r);
    long long keys = 0;
    int dbsShown = 0;
    for (int j = 0; j < server.dbnum; j++) {
        size_t n = dbSize(&server.dbs[j]);
        keys += (long long)n;
        if (n) dbsShown++;
    }
    size_t netUsed = r.used > r.startup ? r.used - r.startup : 0;
    addReplyMapLen(c, 27 + dbsShown);
    addReplyBulkCStr(c, "peak.allocated");
    addReplyLongLong(c, (long long)r.peak);
    addReplyBulkCStr(c, "total.allocated");
    addReplyLongLong(c, (long long)r.used);
    addReplyBulkCStr(c, "startup.allocated");
    addReplyLongLong(c, (long long)r.startup);
    addReplyBulkCStr(c, "replication.backlog");
    addReplyLongLong(c, 0);
    addReplyBulkCStr(c, "clients.slaves");
    addReplyLongLong(c, 0);
    addReplyBulkCStr(c, "clients.normal");
    addReplyLongLong(c, (long long)r.clientsNormal);
    addReplyBulkCStr(c, "cluster.links");
    addReplyLongLong(c, 0);
    addReplyBulkCStr(c, "aof.buffer");
    addReplyLongLong(c, 0);
    addReplyBulkCStr(c, "lua.caches");
    addReplyLongLong(c, 0);
    addReplyBulkCStr(c, "functions.caches");
    addReplyLongLong(c, 0);
    for (int j = 0; j < server.dbnum; j++) {
        if (!dbSize(&server.dbs[j])) continue;
        char name[32];
        snprintf(name, sizeof(name), "db.%d", j);
        addReplyBulkCStr(c, name);
        addReplyMapLen(c, 3);
        addReplyBulkCStr(c, "overhead.hashtable.main");
        addReplyLongLong(c, (long long)htOverheadBytes(server.dbs[j].keys));
        addReplyBulkCStr(c, "overhead.hashtable.expires");
        addReplyLongLong(c, 0);
        addReplyBulkCStr(c, "overhead.hashtable.slot-to-keys");
        addReplyLongLong(c, 0);
    }
    addReplyBulkCStr(c, "overhead.total");
    addReplyLongLong(c, (long long)r.overhead);
    addReplyBulkCStr(c, "keys.count");
    addReplyLongLong(c, keys);
    addReplyBulkCStr(c, "keys.bytes-per-key");
    addReplyLongLong(c, keys ? (long long)(netUsed / (size_t)keys) : 0);
    addReplyBulkCStr(c, "dataset.bytes");
    addReplyLongLong(c, (long long)r.dataset);
    addReplyBulkCStr(c, "dataset.percentage");
    addReplyDouble(c, (double)(float)(safeRatio((double)r.dataset, (double)netUsed) * 100));
    addReplyBulkCStr(c, "peak.percentage");
    addReplyDouble(c, (double)(float)(safeRatio((double)r.used, (double)r.peak) * 100));
    addReplyBulkCStr(c, "allocator.allocated");
    addReplyLongLong(c, (long long)r.allocated);
    addReplyBulkCStr(c, "allocator.active");
    addReplyLongLong(c, (long long)r.active);
    addReplyBulkCStr(c, "allocator.resident");
    addReplyLongLong(c, (long long)r.resident);
    addReplyBulkCStr(c, "allocator-fragmentation.ratio");
    addReplyDouble(c, (double)(float)safeRatio((double)r.active, (double)r.allocated));
    addReplyBulkCStr(c, "allocator-fragmentation.bytes");
    addReplyLongLong(c, (long long)r.active - (long long)r.allocated);
    addReplyBulkCStr(c, "allocator-rss.ratio");
    addReplyDouble(c, (double)(float)safeRatio((double)r.resident, (double)r.active));
    addReplyBulkCStr(c, "allocator-rss.bytes");
    addReplyLongLong(c, (long long)r.resident - (long long)r.active);
    addReplyBulkCStr(c, "rss-overhead.ratio");
    addReplyDouble(c, (double)(float)safeRatio((double)r.rss, (double)r.resident));
    addReplyBulkCStr(c, "rss-overhead.bytes");
    addReplyLongLong(c, r.resident ? (long long)r.rss - (long long)r.resident : 0);
    addReplyBulkCStr(c, "fragmentation");
    addReplyDouble(c, (double)(float)safeRatio((double)r.rss, (double)r.used));
    addReplyBulkCStr(c, "fragmentation.bytes");
    addReplyLongLong(c, (long long)r.rss - (long long)r.used);
}

/* MEMORY DOCTOR: Redis's verdicts for the two cases Tern can judge (too
 * little data to say anything; nothing wrong).  The fragmentation and peak
 * heuristics come back if a real problem ever needs them. */
void memoryDoctorCommand(client *c) {
    static const char empty[] =
        "Hi Sam, this instance is empty or is using very little memory, my issues detector can't "
        "be used in these conditions. Please, leave for your mission on Earth and fill it with "
        "some data. The new Sam and I will be back to our programming as soon as I finished "
        "rebooting.";
    static const char fine[] =
        "Hi Sam, I can't find any memory issue in your instance. I can only account for what "
        "occurs on this base.";
    bool small = tallocUsedMemory() < 5 * 1024 * 1024;
    const char *text = small ? empty : fine;
    addReplyVerbatim(c, text, strlen(text), "txt");
}

#ifdef USE_JEMALLOC
static void catMallocStats(void *priv, const char *msg) {
    sbuf **s = priv;
    *s = sbufCatStr(*s, msg);
}
#endif

/* MEMORY MALLOC-STATS: jemalloc's own report, or Redis's "not supported" line. */
void memoryMallocStatsCommand(client *c) {
#ifdef USE_JEMALLOC
    sbuf *s = sbufNewCap(16 * 1024);
    malloc_stats_print(catMallocStats, &s, NULL);
    addReplyVerbatim(c, s->buf, s->len, "txt");
    sbufFree(s);
#else
    static const char msg[] = "Stats not supported for the current allocator";
    addReplyVerbatim(c, msg, sizeof(msg) - 1, "txt");
#endif
}

/* MEMORY PURGE: asks jemalloc to return dirty pages to the system. */
void memoryPurgeCommand(client *c) {
#ifdef USE_JEMALLOC
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "arena.%d.purge", MALLCTL_ARENAS_ALL);
    mallctl(cmd, NULL, NULL, NULL, 0);
#endif
    addReplyOK(c);
}

/* MEMORY HELP. */
void memoryHelpCommand(client *c) {
    static const char *help[] = {
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        NULL};
    addReplyHelp(c, help);
}
