/* SPDX-License-Identifier: BSD-3-Clause
 *
 * DEBUG: introspection and test hooks, gated by enable-debug-command
 * (no|yes|local) in processCommand exactly as Redis 7 gates it.
 *
 * Subcommands: HELP, SLEEP, OBJECT, SET-ACTIVE-EXPIRE, DIGEST,
 * DIGEST-VALUE, PROTOCOL, LOG, ERROR, POPULATE, and SEGFAULT / ASSERT,
 * which crash the server on purpose to exercise the bug report
 * (server/crashreport.c).
 *
 * DIGEST is Tern's own: stable for equal datasets (same keys, types,
 * values and TTL presence in the same dbs) and different otherwise with
 * overwhelming probability, but not the numbers Redis prints for the same
 * data; an empty dataset digests to forty zeros as in Redis.  Each key's
 * digest is a 128-bit XXH3 chain over db id, key, type, value and TTL
 * presence, widened to Redis's 20-byte format; the dataset digest XORs the
 * key digests, so it does not depend on iteration order.
 *
 * OBJECT's serializedlength is the RDB length of the value computed
 * without LZF compression (Redis compresses strings over 20 bytes, so its
 * number can be smaller); for collections it is an estimate summed over
 * the elements the type feeds to the digest.
 */
#include "server/debug.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <xxhash.h>

#include "core/args.h"
#include "core/command.h"
#include "core/db.h"
#include "core/errors.h"
#include "ds/numfmt.h"
#include "net/reply.h"
#include "script/script.h"
#include "server/config.h"
#include "server/proplog.h"
#include "server/server.h"

/* ---- digests ---- */

#define DIGEST_LEN 20

typedef struct digestState {
    XXH128_hash_t ordered; /* running hash of ordered bytes */
    XXH128_hash_t elem;    /* current unordered element */
    XXH128_hash_t set;     /* XOR of finished unordered elements */
    bool inElem, anyElem;
    size_t serialized; /* RDB-like length estimate (DEBUG OBJECT) */
} digestState;

static XXH128_hash_t chain(XXH128_hash_t h, const void *p, size_t len) {
    /* Seeding each step with the running hash makes the result depend on
     * the order and the boundaries of the pieces (XXH3 hashes the length). */
    XXH128_hash_t n = XXH3_128bits_withSeed(p, len, h.low64 ^ (h.high64 * 0x9E3779B97F4A7C15ULL));
    n.high64 ^= h.high64;
    return n;
}

/* Bytes RDB spends on a length prefix. */
static size_t rdbLenBytes(size_t len) {
    if (len < 64) return 1;
    if (len < 16384) return 2;
    if (len <= UINT32_MAX) return 5;
    return 9;
}

/* RDB length of a string: small integers get the 2/3/5-byte encodings. */
static size_t rdbStringLen(const char *p, size_t len) {
    long long v;
    if (len <= 11 && numStrToLL(p, len, &v)) {
        if (v >= -128 && v <= 127) return 2;
        if (v >= -32768 && v <= 32767) return 3;
        if (v >= INT32_MIN && v <= INT32_MAX) return 5;
    }
    return rdbLenBytes(len) + len;
}

static void digestMix(void *state, const void *p, size_t len) {
    digestState *d = state;
    if (d->inElem)
        d->elem = chain(d->elem, p, len);
    else
        d->ordered = chain(d->ordered, p, len);
    d->serialized += rdbStringLen(p, len);
}

void digestElementBegin(void *state) {
    digestState *d = state;
    d->inElem = true;
    d->elem = (XXH128_hash_t){0x51, 0x7a};
}

void digestElementEnd(void *state) {
    digestState *d = state;
    d->inElem = false;
    d->anyElem = true;
    d->set.low64 ^= d->elem.low64;
    d->set.high64 ^= d->elem.high64;
}

/* Feeds the type, the value and TTL presence of 'kv' into 'd'. */
static void digestValue(digestState *d, const kvobj *kv) {
    unsigned char type = (unsigned char)kv->type;
    d->ordered = chain(d->ordered, &type, 1);
    d->serialized = 0;
    if (kv->type == OBJ_STRING) {
        char buf[32];
        const char *p;
        size_t len = kvStringBytes(kv, buf, &p);
        digestMix(d, p, len);
    } else {
        const objTypeOps *ops = objTypeOpsOf(kv->type);
        if (ops && ops->digest) ops->digest(kvGetPtr(kv), kv->encoding, digestMix, d);
        if (d->anyElem) d->ordered = chain(d->ordered, &d->set, sizeof(d->set));
    }
    if (kv->flags & KV_FLAG_EXPIRE) d->ordered = chain(d->ordered, "!!expire!!", 10);
}

/* Widens a 128-bit hash to Redis's 20-byte digest. */
static void digestBytes(XXH128_hash_t h, unsigned char out[DIGEST_LEN]) {
    XXH128_canonical_t canon;
    XXH128_canonicalFromHash(&canon, h);
    memcpy(out, canon.digest, 16);
    uint32_t extra = XXH32(canon.digest, 16, 0x7465726e);
    memcpy(out + 16, &extra, 4);
}

static void addReplyDigest(client *c, const unsigned char d[DIGEST_LEN]) {
    static const char hex[] = "0123456789abcdef";
    char out[DIGEST_LEN * 2];
    for (int j = 0; j < DIGEST_LEN; j++) {
        out[j * 2] = hex[d[j] >> 4];
        out[j * 2 + 1] = hex[d[j] & 15];
    }
    addReplyStatusLen(c, out, sizeof(out));
}

typedef struct datasetDigest {
    int dbid;
    unsigned char acc[DIGEST_LEN];
} datasetDigest;

static void digestKeyCb(void *priv, void *entry) {
    datasetDigest *dd = priv;
    const kvobj *kv = entry;
    digestState d = {0};
    d.ordered = chain(d.ordered, &dd->dbid, sizeof(dd->dbid));
    d.ordered = chain(d.ordered, kvKey(kv), kvKeyLen(kv));
    digestValue(&d, kv);
    unsigned char one[DIGEST_LEN];
    digestBytes(d.ordered, one);
    for (int j = 0; j < DIGEST_LEN; j++)
        dd->acc[j] ^= one[j];
}

static void debugDigest(client *c) {
    datasetDigest dd = {0};
    for (int j = 0; j < server.dbnum; j++) {
        db *d = dbGet(j);
        if (dbSize(d) == 0) continue;
        dd.dbid = j;
        uint64_t cursor = 0;
        do {
            cursor = htScan(d->keys, cursor, digestKeyCb, &dd);
        } while (cursor != 0);
    }
    addReplyDigest(c, dd.acc);
}

static void debugDigestValue(client *c) {
    addReplyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        unsigned char out[DIGEST_LEN] = {0};
        kvobj *kv = dbFind(c->db, c->argv[j].ptr, c->argv[j].len);
        if (kv) {
            digestState d = {0};
            digestValue(&d, kv);
            digestBytes(d.ordered, out);
        }
        addReplyDigest(c, out);
    }
}

/* ---- DEBUG OBJECT ---- */

static void debugObject(client *c) {
    kvobj *kv = dbFind(c->db, c->argv[2].ptr, c->argv[2].len);
    if (!kv) {
        addReplyError(c, ERR_NO_SUCH_KEY);
        return;
    }
    size_t serialized;
    if (kv->type == OBJ_STRING && kv->encoding == OBJ_ENC_INT) {
        char buf[32];
        size_t len = numLLToStr(buf, sizeof(buf), kvGetInt(kv));
        serialized = rdbStringLen(buf, len);
    } else {
        digestState d = {0};
        digestValue(&d, kv);
        serialized = d.serialized;
    }
    /* Redis shares the integers 0..9999 and prints their refcount as
     * INT_MAX; Tern stores them inline, but keeps the number. */
    int refcount = 1;
    if (kv->encoding == OBJ_ENC_INT && kvGetInt(kv) >= 0 && kvGetInt(kv) < 10000)
        refcount = 2147483647;
    char line[256];
    snprintf(line, sizeof(line),
             "Value at:%p refcount:%d encoding:%s serializedlength:%zu lru:%u "
             "lru_seconds_idle:%llu",
             (void *)kv, refcount, objEncodingName(kv->encoding), serialized, (unsigned)kv->lru,
             kvIdleSeconds(kv));
    addReplyStatus(c, line);
}

/* ---- DEBUG PROTOCOL ---- */

static void debugProtocol(client *c) {
    slice t = c->argv[2];
    if (sliceIs(t, "string")) {
        addReplyBulkCStr(c, "Hello World");
    } else if (sliceIs(t, "integer")) {
        addReplyLongLong(c, 12345);
    } else if (sliceIs(t, "double")) {
        addReplyDouble(c, 3.141);
    } else if (sliceIs(t, "bignum")) {
        static const char big[] = "1234567999999999999999999999999999999";
        addReplyBigNum(c, big, sizeof(big) - 1);
    } else if (sliceIs(t, "null")) {
        addReplyNull(c);
    } else if (sliceIs(t, "array")) {
        addReplyArrayLen(c, 3);
        for (int j = 0; j < 3; j++)
            addReplyLongLong(c, j);
    } else if (sliceIs(t, "set")) {
        addReplySetLen(c, 3);
        for (int j = 0; j < 3; j++)
            addReplyLongLong(c, j);
    } else if (sliceIs(t, "map")) {
        addReplyMapLen(c, 3);
        for (int j = 0; j < 3; j++) {
            addReplyLongLong(c, j);
            addReplyBool(c, j == 1);
        }
    } else if (sliceIs(t, "attrib")) {
        if (c->resp >= 3) {
            /* The reply API has no attribute type (nothing else sends one),
             * so this test value writes the header itself. */
            addReplyProto(c, "|1\r\n", 4);
            addReplyBulkCStr(c, "key-popularity");
            addReplyArrayLen(c, 2);
            addReplyBulkCStr(c, "key:123");
            addReplyLongLong(c, 90);
        }
        addReplyBulkCStr(c, "Some real reply following the attribute");
    } else if (sliceIs(t, "push")) {
        if (c->resp < 3) {
            addReplyError(c, "ERR RESP2 is not supported by this command");
            return;
        }
        addReplyPushLen(c, 2);
        addReplyBulkCStr(c, "server-cpu-usage");
        addReplyLongLong(c, 42);
        addReplyBulkCStr(c, "Some real reply following the push reply");
    } else if (sliceIs(t, "true")) {
        addReplyBool(c, 1);
    } else if (sliceIs(t, "false")) {
        addReplyBool(c, 0);
    } else if (sliceIs(t, "verbatim")) {
        static const char text[] = "This is a verbatim\nstring";
        addReplyVerbatim(c, text, sizeof(text) - 1, "txt");
    } else {
        addReplyError(c, "ERR Wrong protocol type name. Please use one of the following: "
                         "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|"
                         "true|false");
    }
}

/* ---- the rest ---- */

/* strtod of an argument, as Redis parses DEBUG SLEEP (garbage gives 0). */
static double sliceToDouble(slice s) {
    char buf[64];
    sliceToCStr(s, buf, sizeof(buf));
    return strtod(buf, NULL);
}

static void debugSleep(client *c) {
    double secs = sliceToDouble(c->argv[2]);
    long long us = (long long)(secs * 1000000);
    if (us > 0) {
        struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
        nanosleep(&ts, NULL);
    }
    addReplyOK(c);
}

static void debugPopulate(client *c) {
    /* Redis gives the range error for non-numbers too. */
    static const char *msg = "ERR value is out of range, must be positive";
    long long count, size = 0;
    if (getPositiveLongOrReply(c, c->argv[2], &count, msg) == C_ERR) return;
    if (c->argc == 5 && getPositiveLongOrReply(c, c->argv[4], &size, msg) == C_ERR) return;
    char prefix[128] = "key";
    if (c->argc >= 4) sliceToCStr(c->argv[3], prefix, sizeof(prefix));
    char *padded = NULL;
    if (size > 0 && !(padded = ttrymalloc((size_t)size))) {
        addReplyError(c, "ERR value size too big for this server's memory");
        return;
    }
    for (long long j = 0; j < count; j++) {
        char key[160], val[64];
        int klen = snprintf(key, sizeof(key), "%s:%lld", prefix, j);
        if (lookupKeyWrite(c->db, key, (size_t)klen)) continue;
        int vlen = snprintf(val, sizeof(val), "value:%lld", j);
        kvobj *kv;
        if (size == 0) {
            kv = kvNewString(key, (size_t)klen, val, (size_t)vlen, -1);
        } else {
            /* The value text, cut or zero-padded to 'size' bytes. */
            memset(padded, 0, (size_t)size);
            memcpy(padded, val, (size_t)vlen < (size_t)size ? (size_t)vlen : (size_t)size);
            kv = kvNewString(key, (size_t)klen, padded, (size_t)size, -1);
        }
        dbAdd(c->db, kv);
        /* A debugging shortcut around the write path, as in Redis: WATCH
         * sees the keys, but they count no change and are not propagated. */
        signalModifiedKey(c, c->db, key, (size_t)klen);
    }
    tfree(padded);
    addReplyOK(c);
}

/* DEBUG ERROR text: the text as an error reply, newlines made spaces.  Like
 * Redis it bypasses the error path, so INFO errorstats and the command's
 * failed_calls do not count it. */
static void debugError(client *c, slice text) {
    sbuf *s = sbufNewCap(text.len + 3);
    s = sbufCat(s, "-", 1);
    for (size_t j = 0; j < text.len; j++) {
        char ch = text.ptr[j];
        s = sbufCat(s, (ch == '\r' || ch == '\n') ? " " : &text.ptr[j], 1);
    }
    s = sbufCat(s, "\r\n", 2);
    addReplyProto(c, s->buf, s->len);
    sbufFree(s);
}

static void debugHelp(client *c) {
    static const char *help[] = {
        "ASSERT",
        "    Fail an assertion on purpose: the server logs a bug report and exits.",
        "DIGEST",
        "    Output a hex signature representing the current DB content.",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Output a hex signature of the values of all the specified keys.",
        "ERROR <string>",
        "    Return a Redis protocol error with <string> as message. Useful for clients",
        "    unit tests to simulate Redis errors.",
        "LOG <message>",
        "    Write <message> to the server log.",
        "OBJECT <key>",
        "    Show low level info about `key` and associated value.",
        "POPULATE <count> [<prefix>] [<size>]",
        "    Create <count> string keys named key:<num>. If <prefix> is specified then",
        "    it is used instead of the 'key' prefix.",
        "PROPAGATION-LOG <file>|OFF",
        "    Append every command propagated from now on (what an AOF would hold) to",
        "    <file> in RESP; OFF stops and flushes it.",
        "PROTOCOL <type>",
        "    Reply with a test value of the specified type. <type> can be: string,",
        "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
        "    true, false.",
        "QUICKLIST-PACKED-THRESHOLD <size>",
        "    Accepted for Redis compatibility; Tern's list chunks hold elements of any",
        "    size, so there is no threshold to change.",
        "SEGFAULT",
        "    Crash the server with an invalid memory write (logs a bug report).",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Setting it to 0 disables expiring keys in background when they are not",
        "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
        "    default.",
        "SET-DISABLE-DENY-SCRIPTS <0|1>",
        "    Setting it to 1 allows commands flagged noscript (and DEBUG itself) to run",
        "    from scripts, for tests.",
        "SLEEP <seconds>",
        "    Stop the server for <seconds>. Decimals allowed.",
        NULL};
    addReplyHelp(c, help);
}

/* A real invalid write (not raise()), so the report shows a fault with an
 * address and the stack of the command that caused it. */
static void debugSegfault(void) {
    char *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) raise(SIGSEGV);
    *(volatile char *)page = 'x';
    raise(SIGSEGV); /* not reached */
}

/* DEBUG <subcommand> ...: each subcommand checks its own argument count,
 * and an unknown one or a wrong count gets Redis's combined error. */
/* DEBUG QUICKLIST-PACKED-THRESHOLD size: in Redis, the element size from
 * which a list element gets a node of its own.  A Tern chunk holds an
 * element of any size, so there is nothing to switch; the size is checked
 * as Redis checks it (a memory value below 4gb, "b" suffix allowed) so
 * scripts written for Redis run unchanged. */
static void debugPackedThreshold(client *c) {
    char buf[64];
    slice a = c->argv[2];
    long long v = a.len == 0 ? 0 : -1; /* "" reads as 0, as in Redis */
    if (a.len > 0 && a.len < sizeof(buf)) {
        memcpy(buf, a.ptr, a.len);
        buf[a.len] = '\0';
        if (a.len > 1 && (buf[a.len - 1] == 'b' || buf[a.len - 1] == 'B') &&
            isdigit((unsigned char)buf[a.len - 2]))
            buf[a.len - 1] = '\0';
        if (!configParseMemory(buf, &v)) v = -1;
    }
    if (v < 0 || v >= (1LL << 32)) {
        addReplyError(c, "ERR argument must be a memory value bigger than 1 and smaller than 4gb");
        return;
    }
    addReplyOK(c);
}

void debugCommand(client *c) {
    slice sub = c->argv[1];
    int argc = c->argc;
    if (sliceIs(sub, "help") && argc == 2) {
        debugHelp(c);
    } else if (sliceIs(sub, "sleep") && argc == 3) {
        debugSleep(c);
    } else if (sliceIs(sub, "object") && argc == 3) {
        debugObject(c);
    } else if (sliceIs(sub, "set-active-expire") && argc == 3) {
        char buf[32];
        sliceToCStr(c->argv[2], buf, sizeof(buf));
        server.activeExpireEnabled = atoi(buf);
        addReplyOK(c);
    } else if (sliceIs(sub, "set-disable-deny-scripts") && argc == 3) {
        char buf[32];
        sliceToCStr(c->argv[2], buf, sizeof(buf));
        scriptDisableDenyScript = atoi(buf) != 0;
        addReplyOK(c);
    } else if (sliceIs(sub, "digest") && argc == 2) {
        debugDigest(c);
    } else if (sliceIs(sub, "digest-value") && argc >= 2) {
        debugDigestValue(c);
    } else if (sliceIs(sub, "protocol") && argc == 3) {
        debugProtocol(c);
    } else if (sliceIs(sub, "log") && argc == 3) {
        serverLog(LL_WARNING, "DEBUG LOG: %.*s", (int)c->argv[2].len, c->argv[2].ptr);
        addReplyOK(c);
    } else if (sliceIs(sub, "error") && argc == 3) {
        debugError(c, c->argv[2]);
    } else if (sliceIs(sub, "populate") && argc >= 3 && argc <= 5) {
        debugPopulate(c);
    } else if (sliceIs(sub, "quicklist-packed-threshold") && argc == 3) {
        debugPackedThreshold(c);
    } else if (sliceIs(sub, "propagation-log") && argc == 3) {
        debugPropagationLog(c);
    } else if (sliceIs(sub, "segfault")) { /* any arguments, as in Redis */
        debugSegfault();
    } else if (sliceIs(sub, "assert")) {
        serverAssert(sub.len == 0); /* false on purpose */
    } else {
        int len = (int)(sub.len < 128 ? sub.len : 128);
        addReplyErrorFormat(c,
                            "ERR unknown subcommand or wrong number of arguments for '%.*s'. "
                            "Try DEBUG HELP.",
                            len, sub.ptr);
    }
}
