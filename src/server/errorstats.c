/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Error counters keyed by the error's first word, as INFO errorstats shows
 * them.  A small fixed table: Redis caps distinct prefixes at 128 too, and
 * past that counts nothing new.
 */
#include "server/errorstats.h"

#include <string.h>

#define ERRORSTATS_MAX 128
#define PREFIX_MAX 32

static struct {
    char prefix[PREFIX_MAX];
    long long count;
} table[ERRORSTATS_MAX];
static int used;

void errorstatsIncr(const char *err, size_t len) {
    size_t n = 0;
    while (n < len && n < PREFIX_MAX - 1 && err[n] != ' ') n++;
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

sbuf *errorstatsCatInfo(sbuf *s) {
    for (int j = 0; j < used; j++)
        s = sbufCatPrintf(s, "errorstat_%s:count=%lld\r\n", table[j].prefix, table[j].count);
    return s;
}
