/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The addReply* family: the only way command code produces protocol.  Each
 * function knows RESP2 versus RESP3 (client->resp), so handlers say what
 * they mean (a map, a double, a null) and never write raw bytes.
 *
 * Replies accumulate in the client's 16 KB static buffer, then in a list of
 * blocks; the event loop writes them out in as few writev calls as it can
 * (see net/conn.c).
 */
#ifndef TERN_NET_REPLY_H
#define TERN_NET_REPLY_H

#include <stdarg.h>

#include "server/server.h"

/* Appends raw protocol bytes (internal use by reply/pubsub code). */
void addReplyProto(client *c, const char *p, size_t len);

void addReplyOK(client *c);
/* "+<status>\r\n" (status without the '+'). */
void addReplyStatus(client *c, const char *status);
void addReplyStatusLen(client *c, const char *s, size_t len);
/* Error reply; 'err' is the full text without '-', e.g. "ERR syntax error"
 * or "WRONGTYPE ...".  Newlines are replaced with spaces.  Counts it in
 * INFO errorstats. */
void addReplyError(client *c, const char *err);
void addReplyErrorLen(client *c, const char *err, size_t len);
/* An error already counted where it first happened (a script returning
 * the error of a command it ran): not counted again, but the command
 * being run is charged a failed call, as Redis does. */
void addReplyErrorNoStats(client *c, const char *err, size_t len);
void addReplyErrorFormat(client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "ERR wrong number of arguments for '<cmd>' command". */
void addReplyErrorArity(client *c);
void addReplyBulk(client *c, const void *p, size_t len);
void addReplyBulkCStr(client *c, const char *s); /* NULL gives a null */
void addReplyBulkSlice(client *c, slice s);
void addReplyBulkLongLong(client *c, long long v);
/* A string kvobj's value as a bulk. */
void addReplyBulkKv(client *c, const kvobj *kv);
void addReplyLongLong(client *c, long long v);
/* RESP3 double (",<d>"), RESP2 bulk in Redis 7.0 format. */
void addReplyDouble(client *c, double d);
/* A long double in human form ("%.17Lf", trailing zeros cut): a bulk string
 * in RESP2, a RESP3 double otherwise (GEOPOS coordinates, as in Redis). */
void addReplyHumanLongDouble(client *c, long double d);
/* RESP3 boolean, RESP2 integer 1/0. */
void addReplyBool(client *c, int b);
/* RESP2 "$-1", RESP3 "_". */
void addReplyNull(client *c);
/* RESP2 "*-1", RESP3 "_". */
void addReplyNullArray(client *c);
void addReplyArrayLen(client *c, long long n);
/* RESP3 map of 'n' pairs, RESP2 array of 2n. */
void addReplyMapLen(client *c, long long n);
/* RESP3 set, RESP2 array. */
void addReplySetLen(client *c, long long n);
/* RESP3 attribute-free push ('>'), RESP2 array. */
void addReplyPushLen(client *c, long long n);
/* RESP3 verbatim string ("txt"), RESP2 bulk. */
void addReplyVerbatim(client *c, const char *p, size_t len, const char *ext);
/* RESP3 big number, RESP2 bulk. */
void addReplyBigNum(client *c, const char *p, size_t len);
/* Canned "*0" / "$0" replies. */
void addReplyEmptyArray(client *c);

/* Deferred lengths, for replies whose element count is known only at the
 * end.  The returned handle stays valid until the matching set call. */
void *addReplyDeferredLen(client *c);
void setDeferredArrayLen(client *c, void *handle, long long n);
void setDeferredMapLen(client *c, void *handle, long long n);
void setDeferredSetLen(client *c, void *handle, long long n);

/* Help text as an array of status lines: 'lines' is NULL-terminated.  The
 * header line "<CMD> <subcommand> [<arg> [value] [opt] ...]. Subcommands
 * are:" is added, and the trailing HELP line, as Redis does. */
void addReplyHelp(client *c, const char **lines);
/* "ERR unknown subcommand '<sub>'. Try <CMD> HELP." */
void addReplySubcommandSyntaxError(client *c);
/* "ERR unknown subcommand or wrong number of arguments for '<sub>'. Try
 * <CMD> HELP.": what Redis 7.0 replies when a known subcommand gets an
 * argument count its handler does not accept. */
void addReplySubcommandArityError(client *c);

#endif
