/* SPDX-License-Identifier: BSD-3-Clause
 *
 * TLS connections (net/tls.c): the server's TLS settings (the tls-*
 * directives), the context built from them, and the non-blocking
 * handshake / read / write of one client connection.
 */
#ifndef TERN_NET_TLS_H
#define TERN_NET_TLS_H

#include <stdbool.h>
#include <sys/types.h>

#include "server/server.h"

#define TLS_AUTH_NO 0
#define TLS_AUTH_YES 1
#define TLS_AUTH_OPTIONAL 2

/* Outcomes of tlsHandshake / tlsRead / tlsWrite. */
#define TLS_IO_OK 0
#define TLS_IO_WANT_READ 1  /* call again when the socket is readable */
#define TLS_IO_WANT_WRITE 2 /* ... when it is writable */
#define TLS_IO_CLOSED 3     /* the peer closed the connection */
#define TLS_IO_ERROR 4      /* protocol or socket error: close it */

/* The tls-* directives (owned by the config; strings NULL when unset). */
typedef struct tlsSettings {
    int port;
    char *certFile, *keyFile, *keyFilePass, *caCertFile, *caCertDir;
    char *protocols, *ciphers, *ciphersuites;
    int authClients; /* TLS_AUTH_* */
    bool preferServerCiphers, sessionCaching;
    int sessionCacheSize, sessionCacheTimeout;
    bool replication, cluster;
} tlsSettings;

extern tlsSettings tlsConfig;

/* Builds a server context from tlsConfig and makes it the one new
 * connections use.  C_ERR (logged) leaves the previous one in place. */
int tlsConfigure(void);
/* True once a context was built. */
bool tlsConfigured(void);
void tlsRelease(void);

typedef struct tlsConn tlsConn;

/* A server-side TLS connection on socket 'fd', or NULL without a
 * context. */
tlsConn *tlsConnNew(int fd);
/* Sends close_notify (best effort) and frees; the socket stays open. */
void tlsConnFree(tlsConn *t);
/* Advances the handshake: TLS_IO_OK once it is done. */
int tlsHandshake(tlsConn *t);
bool tlsHandshakeDone(const tlsConn *t);
/* Reads or writes up to 'len' bytes: the count, or -1 with '*status'. */
ssize_t tlsRead(tlsConn *t, void *buf, size_t len, int *status);
ssize_t tlsWrite(tlsConn *t, const void *buf, size_t len, int *status);
/* True when decrypted bytes are buffered in OpenSSL (the socket may not
 * become readable again for them). */
bool tlsPending(const tlsConn *t);

#endif
