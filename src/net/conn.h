/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Connections: listening sockets, accept, the client lifecycle, reading and
 * parsing queries, and writing replies back.
 */
#ifndef TERN_NET_CONN_H
#define TERN_NET_CONN_H

#include "server/server.h"

/* Opens the TCP and Unix listeners from the config.  Returns C_OK or C_ERR
 * (logged). */
int listenAll(void);
void closeListeners(void);
/* Creates a client for an accepted socket 'fd' (or -1 for a fake client). */
client *createClient(int fd);
/* Frees the client now (closes the socket).  Safe only outside its own
 * handler; otherwise use freeClientAsync. */
void freeClient(client *c);
/* Marks 'c' to be freed at the next safe point. */
void freeClientAsync(client *c);
/* The buffer holding 'arg', an argument of the command 'c' is running,
 * when it is a big argument read into a buffer of its own: the caller
 * owns it afterwards (a SET stores it as the value, no copy), and 'arg'
 * keeps pointing at its bytes.  NULL when 'arg' lies in the query buffer
 * (copy it then). */
sbuf *clientTakeArgBuffer(client *c, slice arg);
/* Bytes of input 'c' holds (query buffer and big arguments), and in
 * '*freeBytes' (may be NULL) the room left in those buffers. */
size_t clientQueryBytes(const client *c, size_t *freeBytes);
/* Bytes allocated for the input of 'c'. */
size_t clientQueryAllocBytes(const client *c);
/* Runs the complete commands already in the query buffer of 'c' (input
 * that arrived while it was blocked).  May free 'c'. */
void processPendingInput(client *c);
/* Called by the reply layer when a client gains output. */
void clientInstallWriteHandler(client *c);
/* Before sleeping: writes pending replies, frees clients marked to close. */
void handleClientsBeforeSleep(void);
/* Serves events while a long command (a script past busy-reply-threshold)
 * runs: writes pending replies, then a few non-blocking passes of reads
 * (whose commands the dispatcher answers -BUSY) and writes.  No timers
 * run and no blocked client is served, so the dataset stays still. */
void processEventsWhileBlocked(void);
/* The bytes of the reply pending in 'c' (a fake client): in place when
 * they sit in the static buffer, else gathered into a copy returned in
 * '*owned' (the caller frees it with tfree). */
const char *clientReplyBytes(client *c, size_t *len, char **owned);
/* Drops the pending reply of 'c' (a fake client whose reply was read). */
void clientDiscardReply(client *c);
/* Cron work on clients: closes those idle past the timeout. */
void clientsCron(void);
/* Total bytes a client holds for output (static buffer + blocks). */
size_t clientOutputBytes(const client *c);
/* Formats one CLIENT LIST line for 'c' into 's'. */
sbuf *catClientInfo(sbuf *s, client *c);
/* Sets the TCP keepalive on a socket. */
void setKeepAlive(int fd, int interval);

#endif
