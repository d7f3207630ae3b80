/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Argument parsing helpers shared by command handlers.  The *OrReply
 * functions send Redis's exact error and return C_ERR, so a handler just
 * returns when they fail.
 */
#ifndef TERN_CORE_ARGS_H
#define TERN_CORE_ARGS_H

#include "server/server.h"

/* Parses a strict integer ("ERR value is not an integer or out of range"). */
int getLongLongOrReply(client *c, slice s, long long *out, const char *msg);
/* Same, requiring min <= value <= max. */
int getRangeLongOrReply(client *c, slice s, long long min, long long max, long long *out,
                        const char *msg);
/* Parses a non-negative integer; error names it with 'msg' or the default. */
int getPositiveLongOrReply(client *c, slice s, long long *out, const char *msg);
/* Parses a double ("ERR value is not a valid float"). */
int getDoubleOrReply(client *c, slice s, double *out, const char *msg);
int getLongDoubleOrReply(client *c, slice s, long double *out, const char *msg);
/* Parses a blocking timeout in seconds (fractional allowed) into an
 * absolute ms deadline (0 = forever). */
int getTimeoutOrReply(client *c, slice s, long long *deadlineMs);

/* Copies 's' into 'buf' (capacity 'cap') NUL-terminated, truncating. */
void sliceToCStr(slice s, char *buf, size_t cap);
/* ASCII-lowercased copy into 'buf'; returns false if it does not fit. */
bool sliceLower(slice s, char *buf, size_t cap);

#endif
