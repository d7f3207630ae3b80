/* SPDX-License-Identifier: BSD-3-Clause
 *
 * INFO [section ...]: server state as "field:value" lines grouped under
 * "# Section" headers, sections separated by an empty line, all lines ending
 * in CRLF.  Section and field names are Redis 7.0's, in Redis 7.0's order,
 * because exporters and client libraries key on them.
 *
 * Sections, in print order: server clients memory persistence stats
 * replication cpu modules commandstats errorstats cluster keyspace.
 * "default" (and no argument) is all of them except commandstats; "all" and
 * "everything" add commandstats.  Names are case-insensitive; unknown ones
 * print nothing.  Redis's latencystats (per-command percentiles) is not
 * kept by Tern and never printed.
 *
 * Tern adds one field of its own, tern_version, at the end of the server
 * section; parsers key on names, so an extra field is harmless.
 *
 * Features Tern does not have yet (persistence, replication, Lua, active
 * defrag, tracking) report the values Redis reports when they are off or
 * idle, so dashboards show a quiet server rather than missing fields.
 *
 * INFO walks every client for the clients/memory fields and every command
 * for commandstats: O(clients + commands).
 */
#include "server/info.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifdef USE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#include "core/blocking.h"
#include "core/client.h"
#include "core/command.h"
#include "core/db.h"
#include "core/pause.h"
#include "net/conn.h"
#include "net/reply.h"
#include "script/script.h"
#include "server/errorstats.h"

enum {
    SEC_SERVER,
    SEC_CLIENTS,
    SEC_MEMORY,
    SEC_PERSISTENCE,
    SEC_STATS,
    SEC_REPLICATION,
    SEC_CPU,
    SEC_MODULES,
    SEC_COMMANDSTATS,
    SEC_ERRORSTATS,
    SEC_CLUSTER,
    SEC_KEYSPACE,
    SEC_COUNT
};

static const char *sectionNames[SEC_COUNT] = {
    "server", "clients", "memory",       "persistence", "stats",   "replication",
    "cpu",    "modules", "commandstats", "errorstats",  "cluster", "keyspace"};

static const char *sectionTitles[SEC_COUNT] = {
    "Server", "Clients", "Memory",       "Persistence", "Stats",   "Replication",
    "CPU",    "Modules", "Commandstats", "Errorstats",  "Cluster", "Keyspace"};

/* ---- samples for instantaneous_* ---- */

#define INFO_SAMPLES 16

typedef struct metricSamples {
    long long lastTimeMs, lastValue;
    long long rates[INFO_SAMPLES]; /* per second */
    int idx;
} metricSamples;

enum { METRIC_OPS, METRIC_NET_IN, METRIC_NET_OUT, METRIC_COUNT };
static metricSamples metrics[METRIC_COUNT];
static size_t startupMemory;
static char replId[41];

void infoRecordStartup(void) {
    startupMemory = tallocUsedMemory();
    /* The replication ID is a random 40-hex id of its own, like run_id. */
    static const char hex[] = "0123456789abcdef";
    for (int j = 0; j < 40; j++)
        replId[j] = hex[random() & 15];
    replId[40] = '\0';
}

static void sampleMetric(int m, long long value, long long nowMs) {
    metricSamples *s = &metrics[m];
    if (s->lastTimeMs > 0 && nowMs > s->lastTimeMs) {
        s->rates[s->idx] = (value - s->lastValue) * 1000 / (nowMs - s->lastTimeMs);
        s->idx = (s->idx + 1) % INFO_SAMPLES;
    }
    s->lastTimeMs = nowMs;
    s->lastValue = value;
}

void infoCronSample(void) {
    long long now = mstime();
    /* Redis samples every 100 ms; so do we, whatever hz is. */
    if (now - metrics[METRIC_OPS].lastTimeMs < 100) return;
    sampleMetric(METRIC_OPS, server.stat.numCommands, now);
    sampleMetric(METRIC_NET_IN, server.stat.netInputBytes, now);
    sampleMetric(METRIC_NET_OUT, server.stat.netOutputBytes, now);
}

static long long metricRate(int m) {
    long long sum = 0;
    for (int j = 0; j < INFO_SAMPLES; j++)
        sum += metrics[m].rates[j];
    return sum / INFO_SAMPLES;
}

/* ---- helpers ---- */

size_t processRss(void) {
    int fd = open("/proc/self/statm", O_RDONLY);
    if (fd == -1) return 0;
    char buf[256];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';
    unsigned long long size, resident;
    if (sscanf(buf, "%llu %llu", &size, &resident) != 2) return 0;
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

static sbuf *catField(sbuf *s, const char *name, long long v) {
    return sbufCatPrintf(s, "%s:%lld\r\n", name, v);
}

static sbuf *catHumanField(sbuf *s, const char *name, unsigned long long v) {
    s = sbufCatPrintf(s, "%s:%llu\r\n%s_human:", name, v, name);
    s = sbufCatHumanBytes(s, v);
    return sbufCat(s, "\r\n", 2);
}

/* Allocator statistics: allocated, active and resident bytes, from
 * jemalloc when we use it, zero otherwise (as Redis on libc reports). */
static void allocatorStats(size_t *allocated, size_t *active, size_t *resident) {
    *allocated = *active = *resident = 0;
#ifdef USE_JEMALLOC
    uint64_t epoch = 1;
    size_t sz = sizeof(epoch);
    mallctl("epoch", &epoch, &sz, &epoch, sz); /* refresh the cached stats */
    sz = sizeof(size_t);
    mallctl("stats.allocated", allocated, &sz, NULL, 0);
    mallctl("stats.active", active, &sz, NULL, 0);
    mallctl("stats.resident", resident, &sz, NULL, 0);
#endif
}

double safeRatio(double a, double b) {
    return b > 0 ? a / b : 0;
}

/* ---- sections ---- */

static sbuf *catServer(sbuf *s) {
    struct utsname name;
    if (uname(&name) != 0) memset(&name, 0, sizeof(name));
    long long uptime = (server.unixtimeMs - server.stat.startTimeMs) / 1000;
    char exe[1024];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    s = sbufCatPrintf(s,
                      "redis_version:%s\r\n"
                      "redis_git_sha1:00000000\r\n"
                      "redis_git_dirty:0\r\n"
                      "redis_build_id:0\r\n"
                      "redis_mode:standalone\r\n"
                      "os:%s %s %s\r\n"
                      "arch_bits:%d\r\n"
                      "monotonic_clock:POSIX clock_gettime\r\n"
                      "multiplexing_api:epoll\r\n"
                      "atomicvar_api:c11-builtin\r\n"
                      "gcc_version:%d.%d.%d\r\n"
                      "process_id:%d\r\n"
                      "process_supervised:no\r\n"
                      "run_id:%s\r\n"
                      "tcp_port:%d\r\n"
                      "server_time_usec:%lld\r\n"
                      "uptime_in_seconds:%lld\r\n"
                      "uptime_in_days:%lld\r\n"
                      "hz:%d\r\n"
                      "configured_hz:%d\r\n"
                      "lru_clock:%u\r\n"
                      "executable:%s\r\n"
                      "config_file:%s\r\n"
                      "io_threads_active:0\r\n"
                      "tern_version:%s\r\n",
                      TERN_VERSION, name.sysname, name.release, name.machine,
                      (int)(sizeof(void *) * 8),
#ifdef __GNUC__
                      __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__,
#else
                      0, 0, 0,
#endif
                      (int)server.pid, server.runid, server.port, ustime(), uptime, uptime / 86400,
                      server.hz, server.hz, server.lruclock, exe,
                      server.configfile ? server.configfile : "", TERN_OWN_VERSION);
    return s;
}

static sbuf *catClients(sbuf *s) {
    size_t maxIn = 0, maxOut = 0;
    for (client *c = server.clients; c; c = c->next) {
        size_t in = clientQueryAllocBytes(c), out = clientOutputBytes(c);
        if (in > maxIn) maxIn = in;
        if (out > maxOut) maxOut = out;
    }
    return sbufCatPrintf(s,
                         "connected_clients:%zu\r\n"
                         "cluster_connections:0\r\n"
                         "maxclients:%u\r\n"
                         "client_recent_max_input_buffer:%zu\r\n"
                         "client_recent_max_output_buffer:%zu\r\n"
                         "blocked_clients:%zu\r\n"
                         "tracking_clients:0\r\n"
                         "clients_in_timeout_table:%zu\r\n",
                         server.numClients, server.maxclients, maxIn, maxOut,
                         blockedClientCount() + pausePostponedCount(),
                         blockedClientWithDeadlineCount());
}

/* Bytes of normal clients' buffers (mem_clients_normal). */
static size_t clientsMemory(void) {
    size_t total = 0;
    for (client *c = server.clients; c; c = c->next)
        total += tallocSize(c) + clientQueryAllocBytes(c) + c->replyBytes;
    return total;
}

void getMemoryReport(memoryReport *r) {
    r->used = tallocUsedMemory();
    if (r->used > server.stat.peakMemory) server.stat.peakMemory = r->used;
    r->peak = server.stat.peakMemory;
    r->startup = startupMemory;
    r->rss = processRss();
    allocatorStats(&r->allocated, &r->active, &r->resident);
    r->clientsNormal = clientsMemory();
    r->overhead = r->startup + r->clientsNormal;
    for (int j = 0; j < server.dbnum; j++)
        r->overhead += htOverheadBytes(server.dbs[j].keys);
    r->dataset = r->used > r->overhead ? r->used - r->overhead : 0;
}

static sbuf *catMemory(sbuf *s) {
    memoryReport r;
    getMemoryReport(&r);
    size_t used = r.used, peak = r.peak, rss = r.rss, overhead = r.overhead, dataset = r.dataset;
    size_t allocated = r.allocated, active = r.active, resident = r.resident;
    size_t clientsMem = r.clientsNormal;
    size_t netUsed = used > startupMemory ? used - startupMemory : 0;
    unsigned long long sysmem =
        (unsigned long long)sysconf(_SC_PHYS_PAGES) * (unsigned long long)sysconf(_SC_PAGESIZE);

    s = catHumanField(s, "used_memory", used);
    s = catHumanField(s, "used_memory_rss", rss);
    s = catHumanField(s, "used_memory_peak", peak);
    s = sbufCatPrintf(s, "used_memory_peak_perc:%.2f%%\r\n",
                      safeRatio((double)used, (double)peak) * 100);
    s = sbufCatPrintf(s, "used_memory_overhead:%zu\r\n", overhead);
    s = sbufCatPrintf(s, "used_memory_startup:%zu\r\n", startupMemory);
    s = sbufCatPrintf(s, "used_memory_dataset:%zu\r\n", dataset);
    s = sbufCatPrintf(s, "used_memory_dataset_perc:%.2f%%\r\n",
                      safeRatio((double)dataset, (double)netUsed) * 100);
    s = sbufCatPrintf(
        s, "allocator_allocated:%zu\r\nallocator_active:%zu\r\nallocator_resident:%zu\r\n",
        allocated, active, resident);
    s = catHumanField(s, "total_system_memory", sysmem);
    s = scriptingCatInfoMemory(s);
    s = catHumanField(s, "maxmemory", (unsigned long long)server.maxmemory);
    s = sbufCatStr(s, "maxmemory_policy:noeviction\r\n");
    s = sbufCatPrintf(
        s,
        "allocator_frag_ratio:%.2f\r\n"
        "allocator_frag_bytes:%lld\r\n"
        "allocator_rss_ratio:%.2f\r\n"
        "allocator_rss_bytes:%lld\r\n"
        "rss_overhead_ratio:%.2f\r\n"
        "rss_overhead_bytes:%lld\r\n"
        "mem_fragmentation_ratio:%.2f\r\n"
        "mem_fragmentation_bytes:%lld\r\n",
        safeRatio((double)active, (double)allocated), (long long)active - (long long)allocated,
        safeRatio((double)resident, (double)active), (long long)resident - (long long)active,
        safeRatio((double)rss, (double)resident),
        resident ? (long long)rss - (long long)resident : 0, safeRatio((double)rss, (double)used),
        (long long)rss - (long long)used);
    s = sbufCatPrintf(s,
                      "mem_not_counted_for_evict:0\r\n"
                      "mem_replication_backlog:0\r\n"
                      "mem_total_replication_buffers:0\r\n"
                      "mem_clients_slaves:0\r\n"
                      "mem_clients_normal:%zu\r\n"
                      "mem_cluster_links:0\r\n"
                      "mem_aof_buffer:0\r\n"
                      "mem_allocator:%s\r\n"
                      "active_defrag_running:0\r\n"
                      "lazyfree_pending_objects:%zu\r\n"
                      "lazyfreed_objects:%lld\r\n",
                      clientsMem, tallocName(), lazyfreePending(), lazyfreedObjects());
    return s;
}

static sbuf *catPersistence(sbuf *s) {
    /* Persistence is not implemented yet: what Redis prints with save ""
     * and appendonly no before any save ran. */
    return sbufCatPrintf(s,
                         "loading:0\r\n"
                         "async_loading:0\r\n"
                         "current_cow_peak:0\r\n"
                         "current_cow_size:0\r\n"
                         "current_cow_size_age:0\r\n"
                         "current_fork_perc:0.00\r\n"
                         "current_save_keys_processed:0\r\n"
                         "current_save_keys_total:0\r\n"
                         "rdb_changes_since_last_save:%lld\r\n"
                         "rdb_bgsave_in_progress:0\r\n"
                         "rdb_last_save_time:%lld\r\n"
                         "rdb_last_bgsave_status:ok\r\n"
                         "rdb_last_bgsave_time_sec:-1\r\n"
                         "rdb_current_bgsave_time_sec:-1\r\n"
                         "rdb_saves:0\r\n"
                         "rdb_last_cow_size:0\r\n"
                         "rdb_last_load_keys_expired:0\r\n"
                         "rdb_last_load_keys_loaded:0\r\n"
                         "aof_enabled:0\r\n"
                         "aof_rewrite_in_progress:0\r\n"
                         "aof_rewrite_scheduled:0\r\n"
                         "aof_last_rewrite_time_sec:-1\r\n"
                         "aof_current_rewrite_time_sec:-1\r\n"
                         "aof_last_bgrewrite_status:ok\r\n"
                         "aof_rewrites:0\r\n"
                         "aof_rewrites_consecutive_failures:0\r\n"
                         "aof_last_write_status:ok\r\n"
                         "aof_last_cow_size:0\r\n"
                         "module_fork_in_progress:0\r\n"
                         "module_fork_last_cow_size:0\r\n",
                         server.dirty, server.stat.startTimeMs / 1000);
}

static sbuf *catStats(sbuf *s) {
    const serverStats *st = &server.stat;
    s = catField(s, "total_connections_received", st->numConnections);
    s = catField(s, "total_commands_processed", st->numCommands);
    s = catField(s, "instantaneous_ops_per_sec", metricRate(METRIC_OPS));
    s = catField(s, "total_net_input_bytes", st->netInputBytes);
    s = catField(s, "total_net_output_bytes", st->netOutputBytes);
    s = sbufCatStr(s, "total_net_repl_input_bytes:0\r\ntotal_net_repl_output_bytes:0\r\n");
    s = sbufCatPrintf(s, "instantaneous_input_kbps:%.2f\r\ninstantaneous_output_kbps:%.2f\r\n",
                      (double)metricRate(METRIC_NET_IN) / 1024,
                      (double)metricRate(METRIC_NET_OUT) / 1024);
    s = sbufCatStr(s,
                   "instantaneous_input_repl_kbps:0.00\r\ninstantaneous_output_repl_kbps:0.00\r\n");
    s = catField(s, "rejected_connections", st->rejectedConn);
    s = sbufCatStr(s, "sync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\n");
    s = catField(s, "expired_keys", st->expiredKeys);
    s = sbufCatPrintf(s, "expired_stale_perc:%.2f\r\n", (double)st->expiredStalePerc);
    s = sbufCatStr(s, "expired_time_cap_reached_count:0\r\n");
    s = catField(s, "expire_cycle_cpu_milliseconds", st->expireCycleCpuMs);
    s = catField(s, "evicted_keys", st->evictedKeys);
    /* Redis 7.4's field: EVAL-only scripts dropped from the cache. */
    s = catField(s, "evicted_scripts", scriptingEvictedScripts());
    s = sbufCatStr(s, "evicted_clients:0\r\n"
                      "total_eviction_exceeded_time:0\r\n"
                      "current_eviction_exceeded_time:0\r\n");
    s = catField(s, "keyspace_hits", st->keyspaceHits);
    s = catField(s, "keyspace_misses", st->keyspaceMisses);
    s = catField(s, "pubsub_channels", pubsubTotalChannels());
    s = catField(s, "pubsub_patterns", pubsubTotalPatterns());
    s = catField(s, "pubsubshard_channels", pubsubTotalShardChannels());
    s = sbufCatStr(s, "latest_fork_usec:0\r\n"
                      "total_forks:0\r\n"
                      "migrate_cached_sockets:0\r\n"
                      "slave_expires_tracked_keys:0\r\n"
                      "active_defrag_hits:0\r\n"
                      "active_defrag_misses:0\r\n"
                      "active_defrag_key_hits:0\r\n"
                      "active_defrag_key_misses:0\r\n"
                      "total_active_defrag_time:0\r\n"
                      "current_active_defrag_time:0\r\n"
                      "tracking_total_keys:0\r\n"
                      "tracking_total_items:0\r\n"
                      "tracking_total_prefixes:0\r\n"
                      "unexpected_error_replies:0\r\n");
    s = catField(s, "total_error_replies", st->totalErrorReplies);
    s = sbufCatStr(s, "dump_payload_sanitizations:0\r\n"
                      "total_reads_processed:0\r\n"
                      "total_writes_processed:0\r\n"
                      "io_threaded_reads_processed:0\r\n"
                      "io_threaded_writes_processed:0\r\n"
                      "reply_buffer_shrinks:0\r\n"
                      "reply_buffer_expands:0\r\n");
    /* Not in Redis 7.0 (Redis 7.4 added them with these names): appended
     * last so parsers that expect 7.0's fields are unaffected. */
    s = catField(s, "client_query_buffer_limit_disconnections", st->clientQbufLimitDisconnections);
    s = catField(s, "client_output_buffer_limit_disconnections", st->clientOutbufLimitDisconnections);
    return s;
}

static sbuf *catReplication(sbuf *s) {
    return sbufCatPrintf(s,
                         "role:master\r\n"
                         "connected_slaves:0\r\n"
                         "master_failover_state:no-failover\r\n"
                         "master_replid:%s\r\n"
                         "master_replid2:0000000000000000000000000000000000000000\r\n"
                         "master_repl_offset:0\r\n"
                         "second_repl_offset:-1\r\n"
                         "repl_backlog_active:0\r\n"
                         "repl_backlog_size:1048576\r\n"
                         "repl_backlog_first_byte_offset:0\r\n"
                         "repl_backlog_histlen:0\r\n",
                         replId);
}

static sbuf *catCpu(sbuf *s) {
    struct rusage self, children, thread;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    getrusage(RUSAGE_THREAD, &thread);
#define TV(tv) (long)(tv).tv_sec, (long)(tv).tv_usec
    return sbufCatPrintf(s,
                         "used_cpu_sys:%ld.%06ld\r\n"
                         "used_cpu_user:%ld.%06ld\r\n"
                         "used_cpu_sys_children:%ld.%06ld\r\n"
                         "used_cpu_user_children:%ld.%06ld\r\n"
                         "used_cpu_sys_main_thread:%ld.%06ld\r\n"
                         "used_cpu_user_main_thread:%ld.%06ld\r\n",
                         TV(self.ru_stime), TV(self.ru_utime), TV(children.ru_stime),
                         TV(children.ru_utime), TV(thread.ru_stime), TV(thread.ru_utime));
#undef TV
}

static void catOneCommandStat(command *cmd, void *priv) {
    sbuf **s = priv;
    if (!cmd->calls && !cmd->failedCalls && !cmd->rejectedCalls) return;
    *s = sbufCatPrintf(*s,
                       "cmdstat_%s:calls=%lld,usec=%lld,usec_per_call=%.2f,rejected_calls=%lld,"
                       "failed_calls=%lld\r\n",
                       commandFullName(cmd), cmd->calls, cmd->usec,
                       cmd->calls ? (double)cmd->usec / (double)cmd->calls : 0.0,
                       cmd->rejectedCalls, cmd->failedCalls);
}

static sbuf *catKeyspace(sbuf *s) {
    for (int j = 0; j < server.dbnum; j++) {
        const db *d = &server.dbs[j];
        size_t keys = dbSize(d);
        if (keys == 0) continue;
        s = sbufCatPrintf(s, "db%d:keys=%zu,expires=%zu,avg_ttl=%lld\r\n", j, keys, d->expires,
                          d->avgTtl);
    }
    return s;
}

static sbuf *catSection(sbuf *s, int sec) {
    switch (sec) {
        case SEC_SERVER:
            return catServer(s);
        case SEC_CLIENTS:
            return catClients(s);
        case SEC_MEMORY:
            return catMemory(s);
        case SEC_PERSISTENCE:
            return catPersistence(s);
        case SEC_STATS:
            return catStats(s);
        case SEC_REPLICATION:
            return catReplication(s);
        case SEC_CPU:
            return catCpu(s);
        case SEC_MODULES:
            return s;
        case SEC_COMMANDSTATS:
            commandForEach(catOneCommandStat, &s);
            return s;
        case SEC_ERRORSTATS:
            return errorstatsCatInfo(s);
        case SEC_CLUSTER:
            return sbufCatStr(s, "cluster_enabled:0\r\n");
        case SEC_KEYSPACE:
            return catKeyspace(s);
        default:
            return s;
    }
}

sbuf *infoCatSection(sbuf *s, const char *name) {
    for (int k = 0; k < SEC_COUNT; k++) {
        if (strcasecmp(name, sectionNames[k]) != 0) continue;
        s = sbufCatPrintf(s, "# %s\r\n", sectionTitles[k]);
        return catSection(s, k);
    }
    return s;
}

/* INFO [section ...] */
void infoCommand(client *c) {
    bool want[SEC_COUNT] = {0};
    bool byDefault = c->argc == 1;
    for (int j = 1; j < c->argc; j++) {
        slice a = c->argv[j];
        if (sliceIs(a, "default")) {
            byDefault = true;
        } else if (sliceIs(a, "all") || sliceIs(a, "everything")) {
            for (int k = 0; k < SEC_COUNT; k++)
                want[k] = true;
        } else {
            for (int k = 0; k < SEC_COUNT; k++)
                if (sliceIs(a, sectionNames[k])) want[k] = true;
        }
    }
    if (byDefault)
        for (int k = 0; k < SEC_COUNT; k++)
            if (k != SEC_COMMANDSTATS) want[k] = true;
    sbuf *s = sbufNewCap(4096);
    bool first = true;
    for (int k = 0; k < SEC_COUNT; k++) {
        if (!want[k]) continue;
        if (!first) s = sbufCat(s, "\r\n", 2);
        first = false;
        s = sbufCatPrintf(s, "# %s\r\n", sectionTitles[k]);
        s = catSection(s, k);
    }
    addReplyVerbatim(c, s->buf, s->len, "txt");
    sbufFree(s);
}
