/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Reply encoding into client output buffers.  Bytes go to the client's
 * static 16 KB buffer while no overflow block exists, then to the tail
 * block (16 KB or bigger for large bulks).  Ordering is preserved because
 * once a block exists the static buffer is never appended to again.
 *
 * Deferred lengths insert a "closed" empty block that later receives the
 * header; data written meanwhile goes to blocks after it.  The first block
 * after such a placeholder is small (REPLY_BLOCK_SMALL) and each block
 * after a full one doubles up to 16 KB: replies like COMMAND alternate
 * placeholders with a few dozen bytes of data, and a 16 KB block for each
 * piece cost ~160 times the reply's size.
 *
 * A string value of 64 KB or more is not copied at all: a reference block
 * points at the value's own buffer, which ds/sbufref.h keeps alive and
 * unchanged (writers copy it first, a DEL leaves it to the reply) until
 * the block is sent, however slowly the client reads.
 */
#include "net/reply.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/errors.h"
#include "ds/numfmt.h"
#include "ds/sbufref.h"
#include "core/command.h"
#include "core/pubsub.h"
#include "net/conn.h"
#include "server/errorstats.h"


/* No output for clients that turned replies off, nor for clients about to
 * be closed (e.g. over their output limit: their output will never be
 * sent, so adding more would only grow memory).  Pub/sub frames
 * (CLIENT_PUSHING) pass CLIENT REPLY OFF/SKIP, as in Redis 7.0. */
static bool replyDisabled(client *c) {
    if (c->flags & CLIENT_CLOSE_ASAP) return true;
    return (c->flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP)) && !(c->flags & CLIENT_PUSHING);
}

#define REPLY_BLOCK_SMALL 256
/* String values from this size on are sent without a copy (a reference
 * block); smaller ones are cheaper to copy than to track. */
#define REPLY_REF_MIN (64 * 1024)

static replyBlock *newBlock(size_t size) {
    replyBlock *b = tmalloc(sizeof(replyBlock) + size);
    b->next = NULL;
    b->size = tallocSize(b) - sizeof(replyBlock);
    b->used = 0;
    b->closed = false;
    b->ref = NULL;
    return b;
}

static void appendBlock(client *c, replyBlock *b) {
    if (c->replyTail)
        c->replyTail->next = b;
    else
        c->replyHead = b;
    c->replyTail = b;
}

static void appendToBlocks(client *c, const char *p, size_t len) {
    replyBlock *tail = c->replyTail;
    if (tail && !tail->closed) {
        size_t room = tail->size - tail->used;
        size_t n = len < room ? len : room;
        memcpy(tail->data + tail->used, p, n);
        tail->used += n;
        c->replyBytes += n;
        p += n;
        len -= n;
    }
    if (len) {
        size_t size = REPLY_CHUNK_BYTES;
        if (tail && tail->closed)
            size = REPLY_BLOCK_SMALL;
        else if (tail && tail->size < REPLY_CHUNK_BYTES / 2)
            size = tail->size * 2;
        if (size < len) size = len;
        replyBlock *b = newBlock(size);
        memcpy(b->data, p, len);
        b->used = len;
        c->replyBytes += len;
        appendBlock(c, b);
    }
    /* Output past the static buffer is where a slow reader costs memory. */
    if (obufLimitApplies(c)) obufEnforceLimit(c);
}

void addReplyProto(client *c, const char *p, size_t len) {
    if (replyDisabled(c)) return;
    clientInstallWriteHandler(c);
    if (!c->replyHead) {
        size_t room = sizeof(c->buf) - c->bufpos;
        if (len <= room) {
            memcpy(c->buf + c->bufpos, p, len);
            c->bufpos += len;
            return;
        }
        /* Fill the static buffer, spill the rest. */
        memcpy(c->buf + c->bufpos, p, room);
        c->bufpos += room;
        p += room;
        len -= room;
    }
    appendToBlocks(c, p, len);
}

static void addHeader(client *c, char type, long long n) {
    char hdr[32];
    addReplyProto(c, hdr, respEncodeHeader(hdr, type, n));
}

void addReplyOK(client *c) { addReplyProto(c, "+OK\r\n", 5); }

void addReplyStatusLen(client *c, const char *s, size_t len) {
    addReplyProto(c, "+", 1);
    addReplyProto(c, s, len);
    addReplyProto(c, "\r\n", 2);
}

void addReplyStatus(client *c, const char *status) { addReplyStatusLen(c, status, strlen(status)); }

static void addErrorBytes(client *c, const char *err, size_t len);

void addReplyErrorLen(client *c, const char *err, size_t len) {
    server.stat.totalErrorReplies++;
    errorstatsIncr(err, len);
    addErrorBytes(c, err, len);
}

void addReplyErrorNoStats(client *c, const char *err, size_t len) {
    if (c->cmd) ((command *)c->cmd)->failedCalls++;
    addErrorBytes(c, err, len);
}

static void addErrorBytes(client *c, const char *err, size_t len) {
    char small[512];
    /* Long texts (script errors quote user input) are sent whole. */
    char *buf = len + 3 <= sizeof(small) ? small : tmalloc(len + 3);
    buf[0] = '-';
    for (size_t j = 0; j < len; j++) buf[j + 1] = (err[j] == '\r' || err[j] == '\n') ? ' ' : err[j];
    buf[len + 1] = '\r';
    buf[len + 2] = '\n';
    addReplyProto(c, buf, len + 3);
    if (buf != small) tfree(buf);
}

void addReplyError(client *c, const char *err) { addReplyErrorLen(c, err, strlen(err)); }

void addReplyErrorFormat(client *c, const char *fmt, ...) {
    char small[512];
    char *buf = small;
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof(small)) {
        buf = tmalloc((size_t)n + 1);
        vsnprintf(buf, (size_t)n + 1, fmt, again);
    }
    va_end(again);
    va_end(ap);
    addReplyErrorLen(c, buf, (size_t)n);
    if (buf != small) tfree(buf);
}

void addReplyErrorArity(client *c) {
    addReplyErrorFormat(c, "ERR wrong number of arguments for '%s' command",
                        commandFullName(c->cmd));
}

void addReplyBulk(client *c, const void *p, size_t len) {
    char hdr[32];
    size_t h = respEncodeHeader(hdr, '$', (long long)len);
    if (len < 1024 && !c->replyHead && c->bufpos + h + len + 2 <= sizeof(c->buf) &&
        !replyDisabled(c)) {
        /* Fast path: one copy into the static buffer. */
        clientInstallWriteHandler(c);
        char *d = c->buf + c->bufpos;
        memcpy(d, hdr, h);
        memcpy(d + h, p, len);
        d[h + len] = '\r';
        d[h + len + 1] = '\n';
        c->bufpos += h + len + 2;
        return;
    }
    addReplyProto(c, hdr, h);
    addReplyProto(c, p, len);
    addReplyProto(c, "\r\n", 2);
}

void addReplyBulkCStr(client *c, const char *s) {
    if (!s)
        addReplyNull(c);
    else
        addReplyBulk(c, s, strlen(s));
}

void addReplyBulkSlice(client *c, slice s) { addReplyBulk(c, s.ptr, s.len); }

void addReplyBulkLongLong(client *c, long long v) {
    char buf[32];
    size_t l = numLLToStr(buf, sizeof(buf), v);
    addReplyBulk(c, buf, l);
}

void addReplyBulkKv(client *c, const kvobj *kv) {
    char buf[32];
    const char *p;
    size_t len = kvStringBytes(kv, buf, &p);
    if (len < REPLY_REF_MIN || kv->encoding != OBJ_ENC_RAW || replyDisabled(c)) {
        addReplyBulk(c, p, len);
        return;
    }
    /* A big value is sent from where it lies: a closed block refers to
     * it (the value stays alive and unchanged while the block does, see
     * ds/sbufref.h), and the CRLF goes to the next block. */
    char hdr[32];
    addReplyProto(c, hdr, respEncodeHeader(hdr, '$', (long long)len));
    sbuf *s = kvGetPtr(kv);
    replyBlock *b = tmalloc(sizeof(replyBlock));
    b->next = NULL;
    b->size = b->used = len;
    b->closed = true;
    b->ref = s;
    sbufRefAcquire(s);
    appendBlock(c, b);
    c->replyBytes += len;
    addReplyProto(c, "\r\n", 2);
}

void addReplyLongLong(client *c, long long v) {
    if (v == 0) {
        addReplyProto(c, ":0\r\n", 4);
    } else if (v == 1) {
        addReplyProto(c, ":1\r\n", 4);
    } else {
        addHeader(c, ':', v);
    }
}

void addReplyDouble(client *c, double d) {
    char buf[NUMFMT_DBL_BUF];
    size_t len = numDoubleToStr(buf, sizeof(buf), d);
    if (c->resp == 2) {
        addReplyBulk(c, buf, len);
    } else {
        addReplyProto(c, ",", 1);
        addReplyProto(c, buf, len);
        addReplyProto(c, "\r\n", 2);
    }
}

void addReplyHumanLongDouble(client *c, long double d) {
    char buf[NUMFMT_LDBL_BUF + 3];
    size_t len = numLongDoubleToStr(buf + 1, NUMFMT_LDBL_BUF, d);
    if (c->resp == 2) {
        addReplyBulk(c, buf + 1, len);
        return;
    }
    buf[0] = ',';
    memcpy(buf + 1 + len, "\r\n", 2);
    addReplyProto(c, buf, len + 3);
}

void addReplyBool(client *c, int b) {
    if (c->resp == 2)
        addReplyLongLong(c, b ? 1 : 0);
    else
        addReplyProto(c, b ? "#t\r\n" : "#f\r\n", 4);
}

void addReplyNull(client *c) {
    if (c->resp == 2)
        addReplyProto(c, "$-1\r\n", 5);
    else
        addReplyProto(c, "_\r\n", 3);
}

void addReplyNullArray(client *c) {
    if (c->resp == 2)
        addReplyProto(c, "*-1\r\n", 5);
    else
        addReplyProto(c, "_\r\n", 3);
}

void addReplyArrayLen(client *c, long long n) { addHeader(c, '*', n); }

void addReplyMapLen(client *c, long long n) {
    if (c->resp == 2)
        addHeader(c, '*', n * 2);
    else
        addHeader(c, '%', n);
}

void addReplySetLen(client *c, long long n) { addHeader(c, c->resp == 2 ? '*' : '~', n); }

void addReplyPushLen(client *c, long long n) { addHeader(c, c->resp == 2 ? '*' : '>', n); }

void addReplyEmptyArray(client *c) { addReplyProto(c, "*0\r\n", 4); }

void addReplyVerbatim(client *c, const char *p, size_t len, const char *ext) {
    if (c->resp == 2) {
        addReplyBulk(c, p, len);
        return;
    }
    addHeader(c, '=', (long long)len + 4);
    addReplyProto(c, ext, 3);
    addReplyProto(c, ":", 1);
    addReplyProto(c, p, len);
    addReplyProto(c, "\r\n", 2);
}

void addReplyBigNum(client *c, const char *p, size_t len) {
    if (c->resp == 2) {
        addReplyBulk(c, p, len);
        return;
    }
    addReplyProto(c, "(", 1);
    addReplyProto(c, p, len);
    addReplyProto(c, "\r\n", 2);
}

void *addReplyDeferredLen(client *c) {
    if (replyDisabled(c)) return NULL;
    clientInstallWriteHandler(c);
    replyBlock *b = tmalloc(sizeof(replyBlock) + 32);
    b->next = NULL;
    b->size = 32;
    b->used = 0;
    b->closed = true;
    b->ref = NULL;
    appendBlock(c, b);
    return b;
}

static void setDeferred(client *c, void *handle, char type, long long n) {
    if (!handle) return;
    replyBlock *b = handle;
    b->used = respEncodeHeader(b->data, type, n);
    c->replyBytes += b->used;
}

void setDeferredArrayLen(client *c, void *handle, long long n) { setDeferred(c, handle, '*', n); }

void setDeferredMapLen(client *c, void *handle, long long n) {
    if (c->resp == 2)
        setDeferred(c, handle, '*', n * 2);
    else
        setDeferred(c, handle, '%', n);
}

void setDeferredSetLen(client *c, void *handle, long long n) {
    setDeferred(c, handle, c->resp == 2 ? '*' : '~', n);
}

void addReplyHelp(client *c, const char **lines) {
    const char *name = c->cmd && c->cmd->container ? c->cmd->container : c->cmd->name;
    char upper[64];
    size_t j;
    for (j = 0; name[j] && j < sizeof(upper) - 1; j++)
        upper[j] = (name[j] >= 'a' && name[j] <= 'z') ? (char)(name[j] - 32) : name[j];
    upper[j] = '\0';
    long long n = 0;
    while (lines[n]) n++;
    addReplyArrayLen(c, n + 3);
    char hdr[160];
    snprintf(hdr, sizeof(hdr), "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", upper);
    addReplyStatus(c, hdr);
    for (long long i = 0; i < n; i++) addReplyStatus(c, lines[i]);
    addReplyStatus(c, "HELP");
    addReplyStatus(c, "    Prints this help.");
}

void addReplySubcommandSyntaxError(client *c) {
    char upper[64];
    const char *name = c->argv[0].ptr;
    size_t j, len = c->argv[0].len;
    for (j = 0; j < len && j < sizeof(upper) - 1; j++)
        upper[j] = (name[j] >= 'a' && name[j] <= 'z') ? (char)(name[j] - 32) : name[j];
    upper[j] = '\0';
    size_t sublen = c->argc > 1 ? c->argv[1].len : 0;
    addReplyErrorFormat(c, "ERR unknown subcommand '%.*s'. Try %s HELP.",
                        (int)(sublen < 128 ? sublen : 128), c->argc > 1 ? c->argv[1].ptr : "",
                        upper);
}

void addReplySubcommandArityError(client *c) {
    char upper[64];
    const char *name = c->argv[0].ptr;
    size_t j, len = c->argv[0].len;
    for (j = 0; j < len && j < sizeof(upper) - 1; j++)
        upper[j] = (name[j] >= 'a' && name[j] <= 'z') ? (char)(name[j] - 32) : name[j];
    upper[j] = '\0';
    size_t sublen = c->argc > 1 ? c->argv[1].len : 0;
    addReplyErrorFormat(c,
                        "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try %s "
                        "HELP.",
                        (int)(sublen < 128 ? sublen : 128), c->argc > 1 ? c->argv[1].ptr : "",
                        upper);
}
