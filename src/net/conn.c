/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Client connections: listeners, accept, the read -> parse -> execute path
 * and the write path.
 *
 * Reads: a client with no unfinished command reads up to 16 KB into one
 * read buffer that all clients share, runs every complete command straight
 * from it (pipelining, zero copy), and only the bytes of an unfinished
 * command are copied into the client's own query buffer.  So an idle
 * client, or one that announced a 512 MB argument and went quiet, holds
 * just the bytes it sent, not a 16 KB buffer of its own.  A client with
 * an unfinished command reads into its own buffer, up to 16 KB or, while a
 * big bulk argument is arriving, up to as many bytes as the buffer already
 * holds (so it at most doubles and never grows ahead of the data that
 * really arrived).  The consumed prefix is dropped once per read.
 *
 * Big arguments: once 1/32 of a bulk of at least 32 KB has arrived (enough
 * to show the announced length is meant; a client that announces 512 MB
 * and sends little still costs only what it sent, times two), the bytes
 * of it that came move to a buffer of the bulk's final size and the rest
 * is read straight into that buffer, at most 1 MB per event.  The parser
 * skips the detached body (resp.h respDetachBulk), argv points into the
 * buffer, and a command storing the argument as a value takes the buffer
 * itself (clientTakeArgBuffer): a 256 MB SET costs one allocation of
 * 256 MB, about one copy out of the socket, and no copy of the value.
 *
 * Writes: replies collect in the client's buffers and the client joins the
 * pending-write list.  Before the loop sleeps, each pending client gets one
 * writev of everything it has; only a client whose socket is full gets a
 * writable handler.  So a pipeline of 10,000 commands read in one batch is
 * answered with a handful of syscalls.
 */
#include "net/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/access.h"
#include "core/blocking.h"
#include "core/command.h"
#include "core/db.h"
#include "core/multi.h"
#include "core/pause.h"
#include "core/pubsub.h"
#include "ds/numfmt.h"
#include "ds/sbufref.h"
#include "net/reply.h"
#include "net/tls.h"
#include "server/monitor.h"

#define MAX_WRITE_PER_EVENT (1024 * 1024)
/* At most this many bytes are read from one client per event, so a big
 * upload shares the loop with everyone else (Redis's fairness). */
#define MAX_READ_PER_EVENT (1024 * 1024)
/* A bulk argument of at least this many bytes gets a buffer of its own
 * once 1/BIGARG_PROOF_SHARE of it has arrived (see the file comment). */
#define BIGARG_MIN_BYTES (32 * 1024)
#define BIGARG_PROOF_SHARE 32
#define MAX_ACCEPTS_PER_CALL 1000
#define WRITE_IOV_MAX 64
/* An emptied private query buffer bigger than this is freed at once. */
#define QUERYBUF_KEEP_BYTES 1024

static void readQueryFromClient(eventLoop *el, int fd, void *data, int mask);
static void sendReplyToClient(eventLoop *el, int fd, void *data, int mask);

/* The read buffer shared by clients that have no unfinished command (see
 * the file comment).  Only the main thread touches it; it is never freed
 * (one 16 KB allocation for the life of the process).  'sharedInUse' is set
 * while commands run from it: should events ever be processed from inside
 * a command (a busy script, loading), other clients then read into their
 * own buffers instead of overwriting the running command's arguments. */
static sbuf *sharedReadBuf;
static bool sharedInUse;

/* ---- sockets ---- */

static int setNonBlock(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags == -1) return -1;
    return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

void setKeepAlive(int fd, int interval) {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof(yes));
    if (interval <= 0) return;
    int idle = interval, intvl = interval / 3 ? interval / 3 : 1, cnt = 3;
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

static void acceptHandler(eventLoop *el, int fd, void *data, int mask);

static int listenTcp(const char *addr, int port) {
    bool v6 = strchr(addr, ':') != NULL;
    const char *a = addr;
    if (a[0] == '-') a++; /* "-::1" means optional in redis.conf */
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1) return -1;
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    int rc;
    if (v6) {
        struct sockaddr_in6 sa = {0};
        sa.sin6_family = AF_INET6;
        sa.sin6_port = htons((uint16_t)port);
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &yes, sizeof(yes));
        if (inet_pton(AF_INET6, strcmp(a, "*") == 0 ? "::" : a, &sa.sin6_addr) != 1) {
            close(fd);
            errno = EINVAL;
            return -1;
        }
        rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    } else {
        struct sockaddr_in sa = {0};
        sa.sin_family = AF_INET;
        sa.sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, strcmp(a, "*") == 0 ? "0.0.0.0" : a, &sa.sin_addr) != 1) {
            close(fd);
            errno = EINVAL;
            return -1;
        }
        rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    }
    if (rc == -1 || listen(fd, server.tcpBacklog) == -1 || setNonBlock(fd) == -1) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static int listenUnix(const char *path, unsigned int perm) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1) return -1;
    struct sockaddr_un sa = {0};
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa.sun_path)) {
        close(fd);
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(sa.sun_path, path);
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
        listen(fd, server.tcpBacklog) == -1 || setNonBlock(fd) == -1) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if (perm) chmod(path, perm);
    return fd;
}

int listenAll(void) {
    server.ipfdCount = 0;
    if (server.port != 0) {
        for (int j = 0; j < server.bindaddrCount; j++) {
            const char *addr = server.bindaddr[j];
            int fd = listenTcp(addr, server.port);
            if (fd == -1) {
                if (addr[0] == '-') continue; /* optional address */
                serverLog(LL_WARNING, "Could not create server TCP listening socket %s:%d: %s",
                          addr, server.port, strerror(errno));
                /* Redis's wording: test harnesses watch for it to retry on
                 * another port. */
                serverLog(LL_WARNING, "Failed listening on port %d (TCP), aborting.", server.port);
                return C_ERR;
            }
            server.ipfd[server.ipfdCount++] = fd;
            loopAddFile(server.el, fd, LOOP_READABLE, acceptHandler, NULL);
        }
    }
    server.tlsfdCount = 0;
    if (tlsConfig.port != 0) {
        if (!tlsConfigured() && tlsConfigure() == C_ERR) {
            serverLog(LL_WARNING, "Failed to configure TLS. Check logs for more info.");
            return C_ERR;
        }
        for (int j = 0; j < server.bindaddrCount; j++) {
            const char *addr = server.bindaddr[j];
            int fd = listenTcp(addr, tlsConfig.port);
            if (fd == -1) {
                if (addr[0] == '-') continue;
                serverLog(LL_WARNING, "Could not create server TLS listening socket %s:%d: %s",
                          addr, tlsConfig.port, strerror(errno));
                serverLog(LL_WARNING, "Failed listening on port %d (TLS), aborting.",
                          tlsConfig.port);
                return C_ERR;
            }
            server.tlsfd[server.tlsfdCount++] = fd;
            loopAddFile(server.el, fd, LOOP_READABLE, acceptHandler, NULL);
        }
    }
    server.sofd = -1;
    if (server.unixsocket) {
        server.sofd = listenUnix(server.unixsocket, server.unixsocketperm);
        if (server.sofd == -1) {
            serverLog(LL_WARNING, "Failed opening Unix socket: %s", strerror(errno));
            return C_ERR;
        }
        loopAddFile(server.el, server.sofd, LOOP_READABLE, acceptHandler, NULL);
    }
    if (server.ipfdCount == 0 && server.tlsfdCount == 0 && server.sofd == -1) {
        serverLog(LL_WARNING, "Configured to not listen anywhere, exiting.");
        return C_ERR;
    }
    return C_OK;
}

void closeListeners(void) {
    for (int j = 0; j < server.ipfdCount; j++) {
        loopDelFile(server.el, server.ipfd[j], LOOP_READABLE);
        close(server.ipfd[j]);
    }
    server.ipfdCount = 0;
    for (int j = 0; j < server.tlsfdCount; j++) {
        loopDelFile(server.el, server.tlsfd[j], LOOP_READABLE);
        close(server.tlsfd[j]);
    }
    server.tlsfdCount = 0;
    if (server.sofd != -1) {
        loopDelFile(server.el, server.sofd, LOOP_READABLE);
        close(server.sofd);
        if (server.unixsocket) unlink(server.unixsocket);
        server.sofd = -1;
    }
}

static void formatAddr(const struct sockaddr_storage *sa, char *out, size_t cap) {
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
        port = ntohs(s->sin_port);
    } else if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
        port = ntohs(s->sin6_port);
    }
    snprintf(out, cap, "%s:%d", ip, port);
}

static void acceptHandler(eventLoop *el, int lfd, void *data, int mask) {
    for (int n = 0; n < MAX_ACCEPTS_PER_CALL; n++) {
        struct sockaddr_storage sa;
        socklen_t salen = sizeof(sa);
        int fd = accept4(lfd, (struct sockaddr *)&sa, &salen, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd == -1) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                serverLog(LL_VERBOSE, "Accepting client connection: %s", strerror(errno));
            return;
        }
        bool isUnix = lfd == server.sofd;
        bool isTls = false;
        for (int j = 0; j < server.tlsfdCount; j++) isTls |= lfd == server.tlsfd[j];
        if (server.numClients >= server.maxclients) {
            static const char err[] = "-ERR max number of clients reached\r\n";
            if (write(fd, err, sizeof(err) - 1) < 0) { /* the client is gone anyway */
            }
            close(fd);
            server.stat.rejectedConn++;
            continue;
        }
        if (!isUnix) {
            int yes = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
            if (server.tcpkeepalive) setKeepAlive(fd, server.tcpkeepalive);
        }
        client *c = createClient(fd);
        if (!c) {
            close(fd);
            continue;
        }
        if (isTls) {
            /* The handshake runs from the read (and write) handler. */
            c->tls = tlsConnNew(fd);
            if (!c->tls) {
                serverLog(LL_WARNING, "Error creating a TLS connection");
                freeClient(c);
                continue;
            }
        }
        if (isUnix) {
            c->flags |= CLIENT_UNIX_SOCKET;
            snprintf(c->addr, sizeof(c->addr), "%s:0", server.unixsocket);
            snprintf(c->laddr, sizeof(c->laddr), "%s:0", server.unixsocket);
        } else {
            formatAddr(&sa, c->addr, sizeof(c->addr));
            struct sockaddr_storage la;
            socklen_t lalen = sizeof(la);
            if (getsockname(fd, (struct sockaddr *)&la, &lalen) == 0)
                formatAddr(&la, c->laddr, sizeof(c->laddr));
        }
        server.stat.numConnections++;
    }
}

/* ---- client lifecycle ---- */

client *createClient(int fd) {
    /* Not zeroed as a whole: the 16 KB reply buffer stays untouched (and so
     * costs no resident memory) until the client is answered. */
    client *c = tmalloc(sizeof(client));
    memset(c, 0, offsetof(client, buf));
    c->fd = fd;
    if (fd >= 0 && loopAddFile(server.el, fd, LOOP_READABLE, readQueryFromClient, c) == -1) {
        tfree(c);
        return NULL;
    }
    c->id = ++server.nextClientId;
    c->resp = 2;
    c->db = &server.dbs[0];
    c->querybuf = sbufNewCap(0);
    respParserInit(&c->parser);
    c->ctime = c->lastInteraction = server.unixtimeMs;
    if (fd < 0) {
        /* No user: fake clients (AOF loading, scripts' callers set their
         * own) may run anything. */
        c->flags |= CLIENT_FAKE | CLIENT_AUTHENTICATED;
        return c;
    }
    accessResetClient(c);
    c->next = server.clients;
    if (server.clients) server.clients->prev = c;
    server.clients = c;
    server.numClients++;
    return c;
}

/* The bytes of reply block 'b' (its own, or the value it refers to). */
static inline char *blockBytes(replyBlock *b) { return b->ref ? b->ref->buf : b->data; }

static void freeBlock(replyBlock *b) {
    if (b->ref) sbufRefRelease(b->ref);
    tfree(b);
}

static void freeReplyBlocks(client *c) {
    replyBlock *b = c->replyHead;
    while (b) {
        replyBlock *n = b->next;
        freeBlock(b);
        b = n;
    }
    c->replyHead = c->replyTail = NULL;
    c->replyBytes = 0;
}

/* Frees the detached arguments of the command just run (those it did not
 * take as values). */
static void freeBigArgs(client *c) {
    for (int j = 0; j < c->bigargCount; j++) sbufFree(c->bigargs[j]);
    c->bigargCount = 0;
    c->bigargNeed = 0;
}

/* Puts the detached arguments of the command at 'cmdStart' of the query
 * buffer back where they were cut out (CLIENT PAUSE postponed it: it is
 * parsed again from the buffer later).  One copy of each, in a case rare
 * enough not to deserve better. */
static void restoreBigArgs(client *c, size_t cmdStart) {
    sbuf *q = c->querybuf;
    size_t extra = 0;
    for (int j = 0; j < c->bigargCount; j++) extra += c->bigargs[j]->len;
    sbuf *n = sbufNewCap(q->len + extra);
    size_t from = 0;
    for (int j = 0; j < c->bigargCount; j++) {
        size_t at = cmdStart + c->bigargAt[j];
        n = sbufCat(n, q->buf + from, at - from);
        n = sbufCat(n, c->bigargs[j]->buf, c->bigargs[j]->len);
        from = at;
    }
    n = sbufCat(n, q->buf + from, q->len - from);
    sbufFree(q);
    c->querybuf = n;
    freeBigArgs(c);
}

sbuf *clientTakeArgBuffer(client *c, slice arg) {
    for (int j = 0; j < c->bigargCount; j++) {
        sbuf *b = c->bigargs[j];
        if (b && b->buf == arg.ptr && b->len == arg.len) {
            c->bigargs[j] = NULL;
            return b;
        }
    }
    return NULL;
}

size_t clientQueryBytes(const client *c, size_t *freeBytes) {
    size_t len = c->querybuf->len, room = c->querybuf->cap - c->querybuf->len;
    for (int j = 0; j < c->bigargCount; j++) {
        const sbuf *b = c->bigargs[j];
        if (!b) continue;
        len += b->len;
        room += b->cap - b->len;
    }
    if (freeBytes) *freeBytes = room;
    return len;
}

size_t clientQueryAllocBytes(const client *c) {
    size_t total = sbufAllocSize(c->querybuf);
    for (int j = 0; j < c->bigargCount; j++) total += sbufAllocSize(c->bigargs[j]);
    return total;
}

static void removeFromPending(client *c) {
    if (!c->inPendingList) return;
    client **link = &server.pendingWrites;
    while (*link && *link != c) link = &(*link)->pendingNext;
    if (*link) *link = c->pendingNext;
    c->inPendingList = false;
}

void freeClient(client *c) {
    if (server.currentClient == c) {
        freeClientAsync(c);
        return;
    }
    blockingClientFree(c);
    multiClientFree(c);
    pubsubClientFree(c);
    monitorStop(c);
    pauseClientFree(c);
    if (c->fd >= 0) {
        loopDelFile(server.el, c->fd, LOOP_READABLE | LOOP_WRITABLE);
        tlsConnFree(c->tls);
        close(c->fd);
        if (c->prev)
            c->prev->next = c->next;
        else
            server.clients = c->next;
        if (c->next) c->next->prev = c->prev;
        server.numClients--;
    }
    removeFromPending(c);
    if (c->querybuf != sharedReadBuf) sbufFree(c->querybuf);
    freeBigArgs(c);
    tfree(c->bigargs);
    tfree(c->bigargAt);
    respParserFree(&c->parser);
    tfree(c->argv);
    freeReplyBlocks(c);
    sbufFree(c->name);
    sbufFree(c->libName);
    sbufFree(c->libVer);
    tfree(c);
}

static void addToPending(client *c) {
    if (c->inPendingList) return;
    c->inPendingList = true;
    c->pendingNext = server.pendingWrites;
    server.pendingWrites = c;
}

void freeClientAsync(client *c) {
    c->flags |= CLIENT_CLOSE_ASAP;
    addToPending(c);
}

void clientInstallWriteHandler(client *c) {
    if (c->fd < 0) return;
    addToPending(c);
}

size_t clientOutputBytes(const client *c) { return c->bufpos + c->replyBytes; }

/* ---- reading ---- */

static void processInputBuffer(client *c) {
    respLimits lim;
    lim.maxBulkLen = server.protoMaxBulkLen;
    /* A blocked client's next commands wait in the buffer until it is
     * unblocked (core/blocking.c resumes them). */
    while (!(c->flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP | CLIENT_BLOCKED |
                         CLIENT_POSTPONED | CLIENT_RESUMING))) {
        size_t avail = c->querybuf->len - c->qpos;
        if (avail == 0) break;
        char *start = c->querybuf->buf + c->qpos;
        lim.authenticated = !accessAuthRequired(c);
        int r = respParse(&c->parser, start, avail, &lim);
        if (r == RESP_MORE) break;
        if (r == RESP_ERR) {
            serverLog(LL_VERBOSE, "Protocol error (%s) from client: id=%llu addr=%s",
                      c->parser.error, (unsigned long long)c->id, c->addr);
            addReplyError(c, c->parser.error);
            c->flags |= CLIENT_CLOSE_AFTER_REPLY;
            c->qpos = c->querybuf->len;
            respParserReset(&c->parser);
            break;
        }
        if (r == RESP_EMPTY) {
            c->qpos += c->parser.consumed;
            respParserReset(&c->parser);
            continue;
        }
        int argc = c->parser.argc;
        if (argc > c->argvcap) {
            c->argvcap = argc < 16 ? 16 : argc;
            tfree(c->argv);
            c->argv = tmalloc(sizeof(slice) * (size_t)c->argvcap);
        }
        for (int j = 0, k = 0; j < argc; j++) {
            size_t off = c->parser.args[j].off;
            c->argv[j].ptr = off == RESP_ARG_DETACHED ? c->bigargs[k++]->buf : start + off;
            c->argv[j].len = c->parser.args[j].len;
        }
        c->argc = argc;
        size_t cmdStart = c->qpos;
        c->qpos += c->parser.consumed;
        respParserReset(&c->parser);
        if (c->parser.argcap > 1024 && argc <= 1024) {
            /* Give back the slot array of a huge command. */
            respParserFree(&c->parser);
        }
        processCommand(c);
        c->argc = 0;
        /* Held by CLIENT PAUSE: the command stays in the buffer and is
         * parsed again when the client resumes. */
        if (c->flags & CLIENT_POSTPONED) c->qpos = cmdStart;
        if (c->bigargCount) {
            if (c->flags & CLIENT_POSTPONED)
                restoreBigArgs(c, cmdStart);
            else
                freeBigArgs(c);
        }
    }
    /* The shared buffer's leftover is copied out by the caller instead. */
    if (c->qpos && c->querybuf != sharedReadBuf) {
        sbufConsume(c->querybuf, c->qpos);
        c->qpos = 0;
    }
}

/* After 'c' ran the commands in the shared buffer: moves the bytes of an
 * unfinished command (from c->qpos on) into the client's own buffer
 * 'own', and makes that the query buffer again. */
static void leaveSharedBuffer(client *c, sbuf *own) {
    sbuf *q = c->querybuf;
    size_t left = q->len - c->qpos;
    if (left) own = sbufCat(own, q->buf + c->qpos, left);
    q->len = 0;
    c->qpos = 0;
    c->querybuf = own;
}

void processPendingInput(client *c) {
    if (c->flags & (CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY | CLIENT_BLOCKED | CLIENT_POSTPONED))
        return;
    if (c->querybuf->len == c->qpos) return;
    client *outer = server.currentClient;
    server.currentClient = c;
    processInputBuffer(c);
    server.currentClient = outer;
    if ((c->flags & CLIENT_CLOSE_ASAP) && outer != c) freeClient(c);
}

/* Installs or removes the writable handler a TLS connection needs while
 * OpenSSL waits for the socket to take bytes (handshake, or a read that
 * must write first).  false when the client could not be watched. */
static bool tlsWantWrite(client *c, bool on) {
    bool has = (loopFileMask(server.el, c->fd) & LOOP_WRITABLE) != 0;
    if (on && !has) return loopAddFile(server.el, c->fd, LOOP_WRITABLE, sendReplyToClient, c) != -1;
    if (!on && has && c->bufpos == 0 && !c->replyHead)
        loopDelFile(server.el, c->fd, LOOP_WRITABLE);
    return true;
}

/* Advances the TLS handshake of 'c'.  1: done; 0: waiting for the socket;
 * -1: failed (the client was freed). */
static int tlsAdvanceHandshake(client *c) {
    int r = tlsHandshake(c->tls);
    if (r == TLS_IO_OK) {
        tlsWantWrite(c, false);
        return 1;
    }
    if (r == TLS_IO_ERROR || !tlsWantWrite(c, r == TLS_IO_WANT_WRITE)) {
        serverLog(LL_VERBOSE, "TLS handshake with %s failed", c->addr);
        freeClient(c);
        return -1;
    }
    return 0;
}

/* read(2) for 'c', over TLS when it has it: the count, 0 at end of
 * stream, -1 with errno (EAGAIN: try again later). */
static ssize_t connRead(client *c, void *buf, size_t len) {
    if (!c->tls) return read(c->fd, buf, len);
    int status;
    ssize_t n = tlsRead(c->tls, buf, len, &status);
    if (n >= 0) return n;
    switch (status) {
        case TLS_IO_WANT_WRITE:
            tlsWantWrite(c, true);
            /* fall through */
        case TLS_IO_WANT_READ: errno = EAGAIN; return -1;
        case TLS_IO_CLOSED: return 0;
        default: errno = EIO; return -1;
    }
}

static bool readQueryOnce(client *c);

static void readQueryFromClient(eventLoop *el, int fd, void *data, int mask) {
    client *c = data;
    if (c->flags & (CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY)) return;
    /* A client's input is not read again while one of its commands runs. */
    if (c == server.currentClient) return;
    if (c->tls && !tlsHandshakeDone(c->tls) && tlsAdvanceHandshake(c) != 1) return;
    /* OpenSSL may hold decrypted bytes of a record longer than one read;
     * the socket will not signal them, so read on while there are some. */
    for (int j = 0; j < 64; j++) {
        if (!readQueryOnce(c)) return;
        if (!c->tls || !tlsPending(c->tls)) return;
        if (c->flags & (CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY)) return;
    }
}

/* Reads up to 'len' bytes for 'c' into 'dst'.  Returns the count, 0 when
 * nothing is there now, or -1 when the client was freed (error or end of
 * stream). */
static ssize_t readSocket(client *c, char *dst, size_t len) {
    ssize_t n = connRead(c, dst, len);
    if (n == -1) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
        serverLog(LL_VERBOSE, "Reading from client: %s", strerror(errno));
        freeClient(c);
        return -1;
    }
    if (n == 0) {
        serverLog(LL_VERBOSE, "Client closed connection id=%llu addr=%s",
                  (unsigned long long)c->id, c->addr);
        freeClient(c);
        return -1;
    }
    c->lastInteraction = server.unixtimeMs;
    server.stat.netInputBytes += n;
    return n;
}

/* Closes 'c' (and returns true) when its input passed
 * client-query-buffer-limit.  'len' is what it holds. */
static bool overQueryLimit(client *c, size_t len) {
    if ((long long)len <= server.clientMaxQuerybufLen) return false;
    serverLog(LL_WARNING,
              "Closing client that reached max query buffer length: id=%llu addr=%s "
              "(qbuf initial bytes: ...)",
              (unsigned long long)c->id, c->addr);
    server.stat.clientQbufLimitDisconnections++;
    freeClient(c);
    return true;
}

static void closeOutOfMemory(client *c) {
    serverLog(LL_WARNING, "Closing client id=%llu: out of memory for the query buffer",
              (unsigned long long)c->id);
    freeClient(c);
}

/* Moves the big bulk being read out of the query buffer into a buffer of
 * its final size once enough of it arrived (see the file comment).
 * Returns C_ERR when the client was freed (out of memory). */
static int maybeDetachBulk(client *c) {
    sbuf *q = c->querybuf;
    size_t missing = respPendingBulk(&c->parser, q->len - c->qpos);
    if (missing <= 2) return C_OK; /* not in a body, or only its CRLF is missing */
    size_t at = respBulkStart(&c->parser), start = c->qpos + at;
    size_t have = q->len - start;
    size_t total = have + missing - 2;
    if (total < BIGARG_MIN_BYTES || have < total / BIGARG_PROOF_SHARE) return C_OK;
    if (c->bigargCount == c->bigargCap) {
        c->bigargCap = c->bigargCap ? c->bigargCap * 2 : 2;
        c->bigargs = trealloc(c->bigargs, sizeof(sbuf *) * (size_t)c->bigargCap);
        c->bigargAt = trealloc(c->bigargAt, sizeof(size_t) * (size_t)c->bigargCap);
    }
    sbuf *b = sbufTryNewCap(total);
    if (!b || !respDetachBulk(&c->parser)) {
        sbufFree(b);
        closeOutOfMemory(c);
        return C_ERR;
    }
    memcpy(b->buf, q->buf + start, have);
    b->len = have;
    c->bigargAt[c->bigargCount] = at;
    c->bigargs[c->bigargCount++] = b;
    c->bigargNeed = total - have;
    if (q->cap > QUERYBUF_KEEP_BYTES) {
        /* What stays is the command's head.  The memory the body needed
         * goes back to the kernel, not just to the allocator: it would
         * otherwise stay resident next to the value's buffer and add
         * 1/32 to the peak. */
        c->querybuf = sbufNew(q->buf, start);
        tfreeReturningPages(q);
    } else {
        sbufSetLen(q, start);
    }
    return C_OK;
}

/* Runs the commands that input of 'c' completed.  'shared' says the input
 * is in the shared buffer, 'own' is then the client's own buffer.  false
 * when the client was freed. */
static bool runInput(client *c, bool shared, sbuf *own) {
    client *outer = server.currentClient;
    server.currentClient = c;
    processInputBuffer(c);
    server.currentClient = outer;
    if (shared) {
        sharedInUse = false;
        leaveSharedBuffer(c, own);
    } else if (c->querybuf->len == 0 && c->querybuf->cap > QUERYBUF_KEEP_BYTES) {
        /* The unfinished command is done and the next read goes to the
         * shared buffer: give back what a big argument made this grow to. */
        sbufFree(c->querybuf);
        c->querybuf = sbufNewCap(0);
    }
    if (c->flags & CLIENT_CLOSE_ASAP) {
        freeClient(c);
        return false;
    }
    return true;
}

/* Reads the body of a detached big argument straight into its buffer.
 * The bytes after the body (its CRLF, more arguments) are never read with
 * it: the parser waits for them, and once the body is complete the next
 * read goes to the query buffer again.  false when the client was freed. */
static bool readBigArg(client *c) {
    sbuf *b = c->bigargs[c->bigargCount - 1];
    size_t want = c->bigargNeed < MAX_READ_PER_EVENT ? c->bigargNeed : MAX_READ_PER_EVENT;
    ssize_t n = readSocket(c, b->buf + b->len, want);
    if (n <= 0) return n == 0;
    b->len += (size_t)n;
    c->bigargNeed -= (size_t)n;
    if (overQueryLimit(c, clientQueryBytes(c, NULL))) return false;
    if (!c->bigargNeed) b->buf[b->len] = '\0';
    return true;
}

/* One read and what it completes.  false when the client was freed. */
static bool readQueryOnce(client *c) {
    if (c->bigargNeed) return readBigArg(c);
    size_t readlen = READ_CHUNK_BYTES;
    /* Nothing unfinished: the parser is at a command start and the read
     * can go to the shared buffer. */
    bool shared = c->querybuf->len == 0 && !sharedInUse;
    sbuf *q;
    if (shared) {
        if (!sharedReadBuf) sharedReadBuf = sbufNewCap(READ_CHUNK_BYTES);
        q = sharedReadBuf;
        q->len = 0;
    } else {
        if (maybeDetachBulk(c) == C_ERR) return false;
        if (c->bigargNeed) return readBigArg(c);
        q = c->querybuf;
        size_t pending = respPendingBulk(&c->parser, q->len - c->qpos);
        if (pending > readlen) {
            /* A big argument is arriving but has not shown it is real
             * yet: fill the room there is, or double what we hold, so
             * memory follows the bytes that came, not the length
             * announced, and the buffer is not reallocated per read. */
            size_t room = q->cap - q->len;
            readlen = room >= READ_CHUNK_BYTES ? room : (q->len > readlen ? q->len : readlen);
            if (readlen > pending) readlen = pending;
            if (readlen > MAX_READ_PER_EVENT) readlen = MAX_READ_PER_EVENT;
        }
        q = sbufTryMakeRoom(q, readlen);
        if (!q) {
            closeOutOfMemory(c);
            return false;
        }
        c->querybuf = q;
    }
    ssize_t n = readSocket(c, q->buf + q->len, readlen);
    if (n <= 0) return n == 0;
    q->len += (size_t)n;
    q->buf[q->len] = '\0';
    if (overQueryLimit(c, shared ? q->len : clientQueryBytes(c, NULL))) return false;
    sbuf *own = c->querybuf;
    if (shared) {
        c->querybuf = q;
        sharedInUse = true;
    }
    return runInput(c, shared, own);
}

/* ---- writing ---- */

/* Writes as much pending output as the socket takes.  Returns C_ERR when
 * the client was freed. */
static int writeToClient(client *c) {
    if (c->tls && !tlsHandshakeDone(c->tls)) {
        int h = tlsAdvanceHandshake(c);
        if (h < 0) return C_ERR;
        if (h == 0) return C_OK;
    }
    size_t total = 0;
    while (c->bufpos > 0 || c->replyHead) {
        struct iovec iov[WRITE_IOV_MAX];
        int cnt = 0;
        size_t offset = c->sentlen;
        if (c->bufpos > 0) {
            iov[cnt].iov_base = c->buf + offset;
            iov[cnt].iov_len = c->bufpos - offset;
            cnt++;
            offset = 0;
        }
        for (replyBlock *b = c->replyHead; b && cnt < WRITE_IOV_MAX; b = b->next) {
            if (b->used == offset) {
                offset = 0;
                continue;
            }
            iov[cnt].iov_base = blockBytes(b) + offset;
            iov[cnt].iov_len = b->used - offset;
            cnt++;
            offset = 0;
        }
        if (cnt == 0) {
            freeReplyBlocks(c); /* only empty blocks were left */
            c->sentlen = 0;
            break;
        }
        ssize_t n;
        if (c->tls) {
            /* One chunk per SSL_write; the loop comes back for the rest. */
            int status;
            n = tlsWrite(c->tls, iov[0].iov_base, iov[0].iov_len, &status);
            if (n < 0 && (status == TLS_IO_WANT_WRITE || status == TLS_IO_WANT_READ)) break;
            if (n < 0) errno = EIO;
        } else {
            /* One chunk (the common small reply) takes the cheaper write(2). */
            n = cnt == 1 ? write(c->fd, iov[0].iov_base, iov[0].iov_len) : writev(c->fd, iov, cnt);
        }
        if (n <= 0) {
            if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) break;
            serverLog(LL_VERBOSE, "Error writing to client: %s", strerror(errno));
            freeClient(c);
            return C_ERR;
        }
        total += (size_t)n;
        server.stat.netOutputBytes += n;
        size_t left = (size_t)n;
        if (c->bufpos > 0) {
            size_t pend = c->bufpos - c->sentlen;
            if (left >= pend) {
                left -= pend;
                c->bufpos = 0;
                c->sentlen = 0;
            } else {
                c->sentlen += left;
                left = 0;
            }
        }
        while (left > 0 || (c->replyHead && c->replyHead->used == c->sentlen && c->bufpos == 0)) {
            replyBlock *b = c->replyHead;
            if (!b) break;
            size_t pend = b->used - c->sentlen;
            if (left >= pend) {
                left -= pend;
                c->replyBytes -= b->used;
                c->replyHead = b->next;
                if (!c->replyHead) c->replyTail = NULL;
                freeBlock(b);
                c->sentlen = 0;
            } else {
                c->sentlen += left;
                left = 0;
            }
        }
        if (total >= MAX_WRITE_PER_EVENT) break;
    }
    if (total) c->lastInteraction = server.unixtimeMs;
    if (c->bufpos == 0 && !c->replyHead) {
        c->sentlen = 0;
        if (loopFileMask(server.el, c->fd) & LOOP_WRITABLE)
            loopDelFile(server.el, c->fd, LOOP_WRITABLE);
        if (c->flags & CLIENT_CLOSE_AFTER_REPLY) {
            freeClient(c);
            return C_ERR;
        }
    }
    return C_OK;
}

static void sendReplyToClient(eventLoop *el, int fd, void *data, int mask) {
    writeToClient((client *)data);
}

void handleClientsBeforeSleep(void) {
    while (server.pendingWrites) {
        client *c = server.pendingWrites;
        server.pendingWrites = c->pendingNext;
        c->inPendingList = false;
        if (c->flags & CLIENT_CLOSE_ASAP) {
            freeClient(c);
            continue;
        }
        if (writeToClient(c) == C_ERR) continue;
        if ((c->bufpos > 0 || c->replyHead) && !(loopFileMask(server.el, c->fd) & LOOP_WRITABLE)) {
            if (loopAddFile(server.el, c->fd, LOOP_WRITABLE, sendReplyToClient, c) == -1)
                freeClient(c);
        }
    }
}

void processEventsWhileBlocked(void) {
    /* A bounded number of passes: the script must get the CPU back even
     * when clients keep sending. */
    for (int j = 0; j < 4; j++) {
        handleClientsBeforeSleep();
        if (loopPollOnce(server.el) == 0) break;
    }
    handleClientsBeforeSleep();
}

const char *clientReplyBytes(client *c, size_t *len, char **owned) {
    *owned = NULL;
    if (!c->replyHead) {
        *len = c->bufpos;
        return c->buf;
    }
    size_t total = c->bufpos;
    for (replyBlock *b = c->replyHead; b; b = b->next) total += b->used;
    char *p = tmalloc(total ? total : 1);
    memcpy(p, c->buf, c->bufpos);
    size_t off = c->bufpos;
    for (replyBlock *b = c->replyHead; b; b = b->next) {
        memcpy(p + off, blockBytes(b), b->used);
        off += b->used;
    }
    *owned = p;
    *len = total;
    return p;
}

void clientDiscardReply(client *c) {
    c->bufpos = 0;
    c->sentlen = 0;
    if (c->replyHead) freeReplyBlocks(c);
}

void clientsCron(void) {
    long long now = server.unixtimeMs;
    client *c = server.clients;
    while (c) {
        client *next = c->next;
        if (server.maxidletime &&
            !(c->flags & (CLIENT_CLOSE_ASAP | CLIENT_PUBSUB | CLIENT_BLOCKED | CLIENT_MONITOR |
                          CLIENT_POSTPONED)) &&
            now - c->lastInteraction > server.maxidletime * 1000) {
            serverLog(LL_VERBOSE, "Closing idle client");
            freeClient(c);
        } else if (c->replyBytes && obufLimitApplies(c)) {
            obufEnforceLimit(c); /* a soft limit can expire while nothing is added */
        }
        c = next;
    }
}
