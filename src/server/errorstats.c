/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Error counters keyed by the error's first word, as INFO errorstats shows
 * them.  A small fixed table: Redis 7.2 caps distinct prefixes at 128 too,
 * and past that counts nothing new.  The prefix is the text before the
 * first space within the error's first 31 bytes (32 with Redis's '-');
 * an error without one counts as "ERR", as in Redis.  INFO lists prefixes
 * in byte order, the order of Redis's radix tree.
 */
#include "server/errorstats.h"

#include <stdlib.h>
#include <string.h>

#define ERRORSTATS_MAX 128
#define PREFIX_MAX 32

typedef struct errorCount {
    char prefix[PREFIX_MAX];
    long long count;
} errorCount;

static errorCount table[ERRORSTATS_MAX];
static int used;

void errorstatsIncr(const char *err, size_t len) {
    const char *space = memchr(err, ' ', len < PREFIX_MAX - 1 ? len : PREFIX_MAX - 1);
    size_t n = space ? (size_t)(space - err) : 3;
    if (!space) err = "ERR";
    for (int j = 0; j < used; j++) {
        if (strlen(table[j].prefix) == n && memcmp(table[j].prefix, err, n) == 0) {
            table[j].count++;
            return;
        }
    }
    if (used == ERRORSTATS_MAX) return;
    memcpy(table[used].prefix, err, n);
    table[used].prefix[n] = '\0';
    table[used].count = 1;
    used++;
}

void errorstatsReset(void) { used = 0; }

static int byPrefix(const void *a, const void *b) {
    return strcmp(((const errorCount *)a)->prefix, ((const errorCount *)b)->prefix);
}

sbuf *errorstatsCatInfo(sbuf *s) {
    qsort(table, (size_t)used, sizeof(table[0]), byPrefix);
    for (int j = 0; j < used; j++)
        s = sbufCatPrintf(s, "errorstat_%s:count=%lld\r\n", table[j].prefix, table[j].count);
    return s;
}
