/* SPDX-License-Identifier: BSD-3-Clause
 *
 * INFO: the text report of server state, section by section, with Redis
 * 7.0's section and field names so exporters and client libraries parse it
 * unchanged.  Also the instantaneous-rate sampler the cron feeds.
 */
#ifndef TERN_SERVER_INFO_H
#define TERN_SERVER_INFO_H

#include "server/server.h"

/* Notes the memory in use once startup is complete (used_memory_startup). */
void infoRecordStartup(void);
/* Takes one sample for the instantaneous_* rates; call from the cron. */
void infoCronSample(void);
/* Where memory goes, for INFO memory and MEMORY STATS. */
typedef struct memoryReport {
    size_t used, peak, startup, rss;
    size_t allocated, active, resident; /* from the allocator; 0 without jemalloc */
    size_t clientsNormal;               /* client structs and buffers */
    size_t overhead;                    /* startup + clients + keyspace tables */
    size_t dataset;                     /* used - overhead */
} memoryReport;
void getMemoryReport(memoryReport *r);
/* Appends the INFO section 'name' ("server", "memory", ...), title line
 * included, to 's'; an unknown name appends nothing.  Returns the possibly
 * moved buffer. */
sbuf *infoCatSection(sbuf *s, const char *name);
/* a / b, or 0 when b is 0 (ratios of possibly missing statistics). */
double safeRatio(double a, double b);
/* The resident set size of this process in bytes (0 if unknown). */
size_t processRss(void);

#endif
