/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Helpers shared by the collection types (see collection.h): encoding
 * thresholds, COUNT parsing, and HSCAN/SSCAN argument parsing.
 */
#include "types/collection.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/args.h"
#include "core/errors.h"
#include "ds/glob.h"
#include "ds/numfmt.h"
#include "net/reply.h"

/* Redis 7.0's compiled-in defaults (redis.conf ships 128 for the hash
 * entries; a server started without a config file reports 512). */
long long hashMaxListpackEntries = 512;
long long hashMaxListpackValue = 64;
long long setMaxIntsetEntries = 512;

int getSignedCountOrReply(client *c, slice s, long long *out) {
    long long v;
    if (!numStrToLL(s.ptr, s.len, &v)) {
        addReplyError(c, ERR_NOT_INT);
        return C_ERR;
    }
    if (v < -LLONG_MAX) {
        addReplyErrorFormat(c, "ERR value is out of range, value must between %lld and %lld",
                            -LLONG_MAX, LLONG_MAX);
        return C_ERR;
    }
    *out = v;
    return C_OK;
}

int getScanCursorOrReply(client *c, slice s, uint64_t *cursor) {
    char small[64];
    char *buf = s.len < sizeof(small) ? small : tmalloc(s.len + 1);
    memcpy(buf, s.ptr, s.len);
    buf[s.len] = '\0';
    char *end;
    errno = 0;
    unsigned long v = strtoul(buf, &end, 10);
    bool ok = !isspace((unsigned char)buf[0]) && *end == '\0' && errno != ERANGE;
    if (buf != small) tfree(buf);
    if (!ok) {
        addReplyError(c, "ERR invalid cursor");
        return C_ERR;
    }
    *cursor = v;
    return C_OK;
}

int getScanOptionsOrReply(client *c, int first, scanOptions *opt) {
    opt->usePattern = false;
    opt->pattern.ptr = NULL;
    opt->pattern.len = 0;
    opt->count = 10;
    for (int j = first; j < c->argc; j++) {
        bool more = j + 1 < c->argc;
        if (sliceIs(c->argv[j], "count") && more) {
            if (getLongLongOrReply(c, c->argv[j + 1], &opt->count, NULL) == C_ERR) return C_ERR;
            if (opt->count < 1) {
                addReplyError(c, ERR_SYNTAX);
                return C_ERR;
            }
            j++;
        } else if (sliceIs(c->argv[j], "match") && more) {
            opt->pattern = c->argv[j + 1];
            /* "*" matches everything: skip the matching work. */
            opt->usePattern = !(opt->pattern.len == 1 && opt->pattern.ptr[0] == '*');
            j++;
        } else {
            addReplyError(c, ERR_SYNTAX);
            return C_ERR;
        }
    }
    return C_OK;
}

bool scanMatches(const scanOptions *opt, const void *p, size_t len) {
    return !opt->usePattern || globMatch(opt->pattern.ptr, opt->pattern.len, p, len, false);
}

void addReplyScanCursor(client *c, uint64_t cursor) {
    char buf[NUMFMT_LL_MAX];
    addReplyArrayLen(c, 2);
    /* Cursors are unsigned 64-bit. */
    int n = 0;
    char tmp[NUMFMT_LL_MAX];
    do {
        tmp[n++] = (char)('0' + cursor % 10);
        cursor /= 10;
    } while (cursor);
    for (int j = 0; j < n; j++)
        buf[j] = tmp[n - 1 - j];
    addReplyBulk(c, buf, (size_t)n);
}

void addReplyEmptyScan(client *c) {
    addReplyScanCursor(c, 0);
    addReplyArrayLen(c, 0);
}
