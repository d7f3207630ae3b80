/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Argument parsing helpers (see args.h).
 */
#include "core/args.h"

#include <limits.h>
#include <math.h>
#include <strings.h>

#include "core/errors.h"
#include "ds/numfmt.h"
#include "net/reply.h"

bool sliceIs(slice s, const char *lit) {
    size_t n = strlen(lit);
    return s.len == n && strncasecmp(s.ptr, lit, n) == 0;
}

void sliceToCStr(slice s, char *buf, size_t cap) {
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    memcpy(buf, s.ptr, n);
    buf[n] = '\0';
}

bool sliceLower(slice s, char *buf, size_t cap) {
    if (s.len >= cap) return false;
    for (size_t j = 0; j < s.len; j++) {
        char ch = s.ptr[j];
        buf[j] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
    }
    buf[s.len] = '\0';
    return true;
}

int getLongLongOrReply(client *c, slice s, long long *out, const char *msg) {
    if (!numStrToLL(s.ptr, s.len, out)) {
        addReplyError(c, msg ? msg : ERR_NOT_INT);
        return C_ERR;
    }
    return C_OK;
}

int getRangeLongOrReply(client *c, slice s, long long min, long long max, long long *out,
                        const char *msg) {
    long long v;
    if (getLongLongOrReply(c, s, &v, msg) == C_ERR) return C_ERR;
    if (v < min || v > max) {
        if (msg)
            addReplyError(c, msg);
        else
            /* Redis's wording, typo included ("value must between"). */
            addReplyErrorFormat(c, "ERR value is out of range, value must between %lld and %lld",
                                min, max);
        return C_ERR;
    }
    *out = v;
    return C_OK;
}

int getPositiveLongOrReply(client *c, slice s, long long *out, const char *msg) {
    /* As in Redis, one message covers both "not a number" and "negative". */
    if (!msg) msg = "ERR value is out of range, must be positive";
    long long v;
    if (!numStrToLL(s.ptr, s.len, &v) || v < 0) {
        addReplyError(c, msg);
        return C_ERR;
    }
    *out = v;
    return C_OK;
}

int getDoubleOrReply(client *c, slice s, double *out, const char *msg) {
    if (!numStrToDouble(s.ptr, s.len, out)) {
        addReplyError(c, msg ? msg : ERR_NOT_FLOAT);
        return C_ERR;
    }
    return C_OK;
}

int getLongDoubleOrReply(client *c, slice s, long double *out, const char *msg) {
    if (!numStrToLongDouble(s.ptr, s.len, out)) {
        addReplyError(c, msg ? msg : ERR_NOT_FLOAT);
        return C_ERR;
    }
    return C_OK;
}

int getTimeoutOrReply(client *c, slice s, long long *deadlineMs) {
    long double t;
    if (!numStrToLongDouble(s.ptr, s.len, &t)) {
        addReplyError(c, "ERR timeout is not a float or out of range");
        return C_ERR;
    }
    /* Redis 7.0 takes ceil(seconds * 1000) with a plain cast: a value out
     * of range (inf included) becomes LLONG_MIN there and is reported as
     * negative, while -0.0001 rounds to 0 and means "forever". */
    long double msd = ceill(t * 1000.0L);
    long long ms = msd >= -9223372036854775808.0L && msd < 9223372036854775808.0L
                       ? (long long)msd
                       : LLONG_MIN;
    if (ms < 0) {
        addReplyError(c, ERR_TIMEOUT_NEG);
        return C_ERR;
    }
    /* A deadline past the end of time wraps around in Redis 7.0 and never
     * fires: the same as no timeout. */
    if (ms == 0 || ms > LLONG_MAX - commandTimeMs())
        *deadlineMs = 0;
    else
        *deadlineMs = commandTimeMs() + ms;
    return C_OK;
}
