/* SPDX-License-Identifier: BSD-3-Clause
 *
 * TLS for client connections, with OpenSSL (Debian's libssl): the server
 * context built from the tls-* directives, and the non-blocking handshake,
 * read and write of one connection.  net/conn.c calls these for clients
 * accepted on a tls-port listener; everything else about a client is the
 * same over TLS and plain TCP.
 *
 * Everything runs in the event loop, without threads: a handshake or a
 * read that needs more bytes returns "try again" and the loop calls back
 * when the socket is ready, so a client stalled mid-handshake costs only
 * its own connection.  OpenSSL may need the opposite direction to make
 * progress (a read that must first write, during a handshake); the caller
 * is told which one through tlsConn.want.
 *
 * The context is rebuilt as a whole (CONFIG SET of any tls-* directive, or
 * the first tls-port): a new SSL_CTX is made from the current settings and
 * only replaces the old one if it loaded; connections already open keep
 * the one they started with (OpenSSL reference-counts it).
 */
#include "net/tls.h"

#include <errno.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <string.h>
#include <strings.h>

tlsSettings tlsConfig = {.authClients = TLS_AUTH_YES,
                         .sessionCaching = true,
                         .sessionCacheSize = 20 * 1024,
                         .sessionCacheTimeout = 300};

static SSL_CTX *serverCtx;

struct tlsConn {
    SSL *ssl;
    bool handshakeDone;
};

/* The newest OpenSSL error as text, for the log. */
static const char *lastError(char *buf, size_t cap) {
    unsigned long e = ERR_peek_last_error();
    if (!e) {
        snprintf(buf, cap, "%s", errno ? strerror(errno) : "unknown error");
    } else {
        ERR_error_string_n(e, buf, cap);
    }
    ERR_clear_error();
    return buf;
}

/* tls-protocols: a list like "TLSv1.2 TLSv1.3"; fills the min and max
 * versions.  C_ERR on an unknown name. */
static int parseProtocols(const char *list, int *minv, int *maxv) {
    static const struct {
        const char *name;
        int version;
    } names[] = {{"TLSv1", TLS1_VERSION},
                 {"TLSv1.1", TLS1_1_VERSION},
                 {"TLSv1.2", TLS1_2_VERSION},
                 {"TLSv1.3", TLS1_3_VERSION}};
    *minv = *maxv = 0;
    if (!list || !*list) {
        *minv = TLS1_2_VERSION; /* Redis's default: TLSv1.2 and TLSv1.3 */
        return C_OK;
    }
    const char *p = list;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p) break;
        size_t n = strcspn(p, " ");
        int v = 0;
        for (size_t j = 0; j < sizeof(names) / sizeof(names[0]); j++)
            if (strlen(names[j].name) == n && strncasecmp(names[j].name, p, n) == 0)
                v = names[j].version;
        if (!v) {
            serverLog(LL_WARNING, "Invalid tls-protocols specified. Use a combination of "
                                  "'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.");
            return C_ERR;
        }
        if (!*minv || v < *minv) *minv = v;
        if (v > *maxv) *maxv = v;
        p += n;
    }
    return C_OK;
}

static int passwordCallback(char *buf, int size, int rwflag, void *u) {
    const char *pass = u;
    if (!pass) return -1;
    int n = (int)strlen(pass);
    if (n > size) n = size;
    memcpy(buf, pass, (size_t)n);
    return n;
}

/* A context for the current settings, or NULL (logged). */
static SSL_CTX *buildContext(void) {
    char err[256];
    const tlsSettings *t = &tlsConfig;
    if (!t->certFile || !t->keyFile) {
        serverLog(LL_WARNING, "Failed to configure TLS: tls-cert-file and tls-key-file are "
                              "required");
        return NULL;
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        serverLog(LL_WARNING, "Failed to create TLS context: %s", lastError(err, sizeof(err)));
        return NULL;
    }
    int minv, maxv;
    if (parseProtocols(t->protocols, &minv, &maxv) == C_ERR) goto fail;
    SSL_CTX_set_min_proto_version(ctx, minv);
    SSL_CTX_set_max_proto_version(ctx, maxv);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_SINGLE_DH_USE | SSL_OP_SINGLE_ECDH_USE |
                                 SSL_OP_NO_RENEGOTIATION);
    if (t->preferServerCiphers) SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (t->sessionCaching) {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
        SSL_CTX_sess_set_cache_size(ctx, t->sessionCacheSize);
        SSL_CTX_set_timeout(ctx, (long)t->sessionCacheTimeout);
        SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"tern", 4);
    } else {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    }
    SSL_CTX_set_default_passwd_cb(ctx, passwordCallback);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, t->keyFilePass);
    if (SSL_CTX_use_certificate_chain_file(ctx, t->certFile) <= 0) {
        serverLog(LL_WARNING, "Failed to load certificate: %s: %s", t->certFile,
                  lastError(err, sizeof(err)));
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, t->keyFile, SSL_FILETYPE_PEM) <= 0) {
        serverLog(LL_WARNING, "Failed to load private key: %s: %s", t->keyFile,
                  lastError(err, sizeof(err)));
        goto fail;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        serverLog(LL_WARNING, "The private key does not match the certificate: %s",
                  lastError(err, sizeof(err)));
        goto fail;
    }
    if (t->caCertFile || t->caCertDir) {
        if (SSL_CTX_load_verify_locations(ctx, t->caCertFile, t->caCertDir) <= 0) {
            serverLog(LL_WARNING, "Failed to configure CA certificate(s) file/directory: %s",
                      lastError(err, sizeof(err)));
            goto fail;
        }
    } else if (t->authClients != TLS_AUTH_NO) {
        serverLog(LL_WARNING, "Either tls-ca-cert-file or tls-ca-cert-dir must be specified "
                              "when tls-auth-clients is enabled!");
        goto fail;
    }
    if (t->ciphers && SSL_CTX_set_cipher_list(ctx, t->ciphers) <= 0) {
        serverLog(LL_WARNING, "Failed to configure ciphers: %s", lastError(err, sizeof(err)));
        goto fail;
    }
    if (t->ciphersuites && SSL_CTX_set_ciphersuites(ctx, t->ciphersuites) <= 0) {
        serverLog(LL_WARNING, "Failed to configure ciphersuites: %s", lastError(err, sizeof(err)));
        goto fail;
    }
    int verify = SSL_VERIFY_NONE;
    if (t->authClients == TLS_AUTH_YES) verify = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    if (t->authClients == TLS_AUTH_OPTIONAL) verify = SSL_VERIFY_PEER;
    SSL_CTX_set_verify(ctx, verify, NULL);
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

int tlsConfigure(void) {
    SSL_CTX *ctx = buildContext();
    if (!ctx) return C_ERR;
    SSL_CTX_free(serverCtx);
    serverCtx = ctx;
    return C_OK;
}

bool tlsConfigured(void) {
    return serverCtx != NULL;
}

void tlsRelease(void) {
    SSL_CTX_free(serverCtx);
    serverCtx = NULL;
}

tlsConn *tlsConnNew(int fd) {
    if (!serverCtx) return NULL;
    SSL *ssl = SSL_new(serverCtx);
    if (!ssl) return NULL;
    if (SSL_set_fd(ssl, fd) != 1) {
        SSL_free(ssl);
        return NULL;
    }
    SSL_set_accept_state(ssl);
    tlsConn *t = tcalloc(sizeof(*t));
    t->ssl = ssl;
    return t;
}

void tlsConnFree(tlsConn *t) {
    if (!t) return;
    /* One close_notify, without waiting for the peer's. */
    if (t->handshakeDone) SSL_shutdown(t->ssl);
    ERR_clear_error();
    SSL_free(t->ssl);
    tfree(t);
}

/* Maps an SSL_* result 'r' of 'op' to our outcome: TLS_IO_WANT_READ /
 * TLS_IO_WANT_WRITE (try again), TLS_IO_CLOSED (clean close) or
 * TLS_IO_ERROR (logged at verbose). */
static int ioResult(tlsConn *t, int r, const char *op) {
    int e = SSL_get_error(t->ssl, r);
    char buf[256];
    switch (e) {
        case SSL_ERROR_WANT_READ:
            return TLS_IO_WANT_READ;
        case SSL_ERROR_WANT_WRITE:
            return TLS_IO_WANT_WRITE;
        case SSL_ERROR_ZERO_RETURN:
            return TLS_IO_CLOSED;
        case SSL_ERROR_SYSCALL:
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                ERR_clear_error();
                return TLS_IO_WANT_READ;
            }
            if (ERR_peek_error() == 0 && errno == 0) {
                ERR_clear_error();
                return TLS_IO_CLOSED; /* EOF without close_notify */
            }
            /* fall through */
        default:
            serverLog(LL_VERBOSE, "TLS %s error: %s", op, lastError(buf, sizeof(buf)));
            return TLS_IO_ERROR;
    }
}

int tlsHandshake(tlsConn *t) {
    if (t->handshakeDone) return TLS_IO_OK;
    errno = 0;
    int r = SSL_do_handshake(t->ssl);
    if (r == 1) {
        t->handshakeDone = true;
        return TLS_IO_OK;
    }
    int res = ioResult(t, r, "handshake");
    return res == TLS_IO_CLOSED ? TLS_IO_ERROR : res;
}

bool tlsHandshakeDone(const tlsConn *t) {
    return t->handshakeDone;
}

ssize_t tlsRead(tlsConn *t, void *buf, size_t len, int *status) {
    errno = 0;
    int r = SSL_read(t->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
    if (r > 0) {
        *status = TLS_IO_OK;
        return r;
    }
    *status = ioResult(t, r, "read");
    return -1;
}

ssize_t tlsWrite(tlsConn *t, const void *buf, size_t len, int *status) {
    errno = 0;
    int r = SSL_write(t->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
    if (r > 0) {
        *status = TLS_IO_OK;
        return r;
    }
    *status = ioResult(t, r, "write");
    return -1;
}

bool tlsPending(const tlsConn *t) {
    return SSL_pending(t->ssl) > 0;
}
