/* SPDX-License-Identifier: BSD-3-Clause
 *
 * FUNCTION DUMP and FUNCTION RESTORE, in Redis 7.0's payload format so
 * payloads move between Tern and Redis in both directions:
 *
 *   per library:  0xF5 (RDB FUNCTION2 opcode)  <RDB string: the library code>
 *   footer:       RDB version (2 bytes, little endian: 10)
 *                 CRC-64 of everything before it (8 bytes, little endian)
 *
 * An RDB string is a length (6-bit, 14-bit, 32- or 64-bit big-endian
 * forms) then the bytes, or a special encoding: an 8/16/32-bit integer
 * written as text, or LZF (compressed length, raw length, data).  DUMP
 * writes codes longer than 20 bytes LZF-compressed when that saves space,
 * as Redis does with rdbcompression on; RESTORE reads every form, and the
 * pre-release FUNCTION opcode (0xF6: name, engine, description, code) of
 * Redis 7.0 rc1/rc2, which it turns into a "#!<engine> name=<name>" code.
 *
 * The payload is untrusted: every length is checked against the bytes
 * left before anything is allocated, and nothing changes unless every
 * library in it builds and the whole set can be linked (RESTORE is all or
 * nothing, as in Redis).  Library building and linking are function.c's.
 *
 * The CRC-64 here (Jones polynomial, reflected, bitwise: payloads are
 * small) and the RDB string codec are private until the RDB layer lands
 * its shared ones.
 */
#include <liblzf/lzf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/command.h"
#include "net/reply.h"
#include "script/function.h"
#include "script/lua.h"

#define RDB_OPCODE_FUNCTION2 245
#define RDB_OPCODE_FUNCTION_PRE_GA 246
#define FUNCDUMP_RDB_VERSION 10

/* ---- CRC-64 ---- */

static uint64_t crc64Bitwise(const unsigned char *p, size_t len) {
    const uint64_t poly = 0x95ac9329ac4bc9b5ULL; /* 0xad93d23594c935a9 reflected */
    uint64_t crc = 0;
    for (size_t j = 0; j < len; j++) {
        crc ^= p[j];
        for (int k = 0; k < 8; k++) crc = (crc & 1) ? (crc >> 1) ^ poly : crc >> 1;
    }
    return crc;
}

/* ---- writing ---- */

static sbuf *catLen(sbuf *s, uint64_t len) {
    unsigned char b[9];
    size_t n;
    if (len < (1 << 6)) {
        b[0] = (unsigned char)len;
        n = 1;
    } else if (len < (1 << 14)) {
        b[0] = (unsigned char)(0x40 | (len >> 8));
        b[1] = (unsigned char)(len & 0xff);
        n = 2;
    } else if (len <= UINT32_MAX) {
        b[0] = 0x80;
        for (int j = 0; j < 4; j++) b[1 + j] = (unsigned char)(len >> (24 - 8 * j));
        n = 5;
    } else {
        b[0] = 0x81;
        for (int j = 0; j < 8; j++) b[1 + j] = (unsigned char)(len >> (56 - 8 * j));
        n = 9;
    }
    return sbufCat(s, b, n);
}

/* An RDB string: LZF when longer than 20 bytes and compression saves at
 * least 4 bytes (Redis's rule), else as is.  Library codes always start
 * with "#!", so the integer encodings never apply. */
static sbuf *catString(sbuf *s, const char *p, size_t len) {
    if (len > 20) {
        size_t cap = len - 4;
        char *out = tmalloc(cap);
        unsigned clen = lzf_compress(p, (unsigned)len, out, (unsigned)cap);
        if (clen > 0) {
            unsigned char tag = 0xC3; /* special encoding 3: LZF */
            s = sbufCat(s, &tag, 1);
            s = catLen(s, clen);
            s = catLen(s, len);
            s = sbufCat(s, out, clen);
            tfree(out);
            return s;
        }
        tfree(out);
    }
    s = catLen(s, len);
    return sbufCat(s, p, len);
}

static void dumpOne(library *l, void *priv) {
    sbuf **s = priv;
    unsigned char op = RDB_OPCODE_FUNCTION2;
    *s = sbufCat(*s, &op, 1);
    *s = catString(*s, l->code->buf, l->code->len);
}

void functionDumpCommand(client *c) {
    sbuf *s = sbufNewCap(256);
    librariesForEach(dumpOne, &s);
    unsigned char footer[10] = {FUNCDUMP_RDB_VERSION & 0xff, FUNCDUMP_RDB_VERSION >> 8};
    s = sbufCat(s, footer, 2);
    uint64_t crc = crc64Bitwise((const unsigned char *)s->buf, s->len);
    for (int j = 0; j < 8; j++) footer[2 + j] = (unsigned char)(crc >> (8 * j));
    s = sbufCat(s, footer + 2, 8);
    addReplyBulk(c, s->buf, s->len);
    sbufFree(s);
}

/* ---- reading ---- */

typedef struct payloadReader {
    const unsigned char *p;
    size_t left;
} payloadReader;

static bool readByte(payloadReader *r, unsigned char *out) {
    if (r->left < 1) return false;
    *out = *r->p++;
    r->left--;
    return true;
}

/* A length, or (with '*special' set) the number of a special encoding. */
static bool readLen(payloadReader *r, uint64_t *len, bool *special) {
    unsigned char b;
    *special = false;
    if (!readByte(r, &b)) return false;
    switch (b >> 6) {
        case 0: *len = b & 0x3f; return true;
        case 1: {
            unsigned char lo;
            if (!readByte(r, &lo)) return false;
            *len = ((uint64_t)(b & 0x3f) << 8) | lo;
            return true;
        }
        case 2: {
            int n = b == 0x80 ? 4 : b == 0x81 ? 8 : 0;
            if (!n || r->left < (size_t)n) return false;
            uint64_t v = 0;
            for (int j = 0; j < n; j++) v = (v << 8) | r->p[j];
            r->p += n;
            r->left -= (size_t)n;
            *len = v;
            return true;
        }
        default:
            *special = true;
            *len = b & 0x3f;
            return true;
    }
}

/* An RDB string into a new buffer ('*out', '*outLen'; NUL-terminated);
 * false on malformed or truncated input. */
static bool readString(payloadReader *r, char **out, size_t *outLen) {
    uint64_t len;
    bool special;
    if (!readLen(r, &len, &special)) return false;
    if (!special) {
        if (len > r->left) return false;
        *out = tmalloc(len + 1);
        memcpy(*out, r->p, len);
        (*out)[len] = '\0';
        *outLen = len;
        r->p += len;
        r->left -= len;
        return true;
    }
    if (len <= 2) {
        int n = 1 << len; /* 1, 2 or 4 bytes, little endian */
        if (r->left < (size_t)n) return false;
        uint32_t u = 0;
        for (int j = n - 1; j >= 0; j--) u = (u << 8) | r->p[j];
        long long v = n == 1 ? (int8_t)u : n == 2 ? (int16_t)u : (int32_t)u;
        r->p += n;
        r->left -= (size_t)n;
        char buf[24];
        int k = snprintf(buf, sizeof(buf), "%lld", v);
        *out = tmemdup(buf, (size_t)k + 1);
        *outLen = (size_t)k;
        return true;
    }
    if (len != 3) return false;
    uint64_t clen, rawLen;
    bool sp1, sp2;
    if (!readLen(r, &clen, &sp1) || !readLen(r, &rawLen, &sp2) || sp1 || sp2) return false;
    /* The raw length is bounded by what the compressed bytes can expand
     * to (LZF at most about 1:256), so a forged header cannot make us
     * allocate gigabytes. */
    if (clen > r->left || clen == 0 || rawLen == 0 || rawLen / 256 > clen + 16) return false;
    char *buf = ttrymalloc(rawLen + 1);
    if (!buf) return false;
    if (lzf_decompress(r->p, (unsigned)clen, buf, (unsigned)rawLen) != rawLen) {
        tfree(buf);
        return false;
    }
    buf[rawLen] = '\0';
    r->p += clen;
    r->left -= clen;
    *out = buf;
    *outLen = rawLen;
    return true;
}

/* One library record (after its opcode) as library code in '*code'.
 * On failure returns false with Redis's text in '*err' (static). */
static bool readLibraryCode(payloadReader *r, int opcode, sbuf **code, const char **err) {
    char *s;
    size_t len;
    if (opcode == RDB_OPCODE_FUNCTION2) {
        if (!readString(r, &s, &len)) {
            *err = "Failed loading library payload";
            return false;
        }
        *code = sbufNew(s, len);
        tfree(s);
        return true;
    }
    char *name = NULL, *engine = NULL, *desc = NULL, *blob = NULL;
    size_t nl, el, dl, bl;
    uint64_t hasDesc;
    bool special, ok = false;
    if (!readString(r, &name, &nl)) {
        *err = "Failed loading library name";
    } else if (!readString(r, &engine, &el)) {
        *err = "Failed loading engine name";
    } else if (!readLen(r, &hasDesc, &special) || special) {
        *err = "Failed loading library description indicator";
    } else if (hasDesc && !readString(r, &desc, &dl)) {
        *err = "Failed loading library description";
    } else if (!readString(r, &blob, &bl)) {
        *err = "Failed loading library blob";
    } else {
        *code = sbufCatPrintf(sbufNewCap(nl + el + bl + 16), "#!%s name=%s\n", engine, name);
        *code = sbufCat(*code, blob, bl);
        ok = true;
    }
    tfree(name);
    tfree(engine);
    tfree(desc);
    tfree(blob);
    return ok;
}

/* ---- RESTORE ---- */

typedef enum { RESTORE_APPEND, RESTORE_REPLACE, RESTORE_FLUSH } restorePolicy;

typedef struct restoreSet {
    library **libs;
    int n, cap;
} restoreSet;

static void restoreSetFree(restoreSet *set) {
    for (int j = 0; j < set->n; j++) libraryFree(set->libs[j]);
    tfree(set->libs);
}

/* A function name two libraries of the payload both register, or NULL. */
static const char *innerCollision(const restoreSet *set, library *l) {
    for (int j = 0; j < set->n; j++) {
        library *o = set->libs[j];
        for (int a = 0; a < l->nfuncs; a++)
            for (int b = 0; b < o->nfuncs; b++)
                if (strcmp(l->funcs[a]->key, o->funcs[b]->key) == 0) return l->funcs[a]->name;
    }
    return NULL;
}

/* Builds every library of the payload in 'data' into 'set', unlinked.
 * On failure replies the error and returns C_ERR. */
static int buildPayload(client *c, slice data, restoreSet *set) {
    payloadReader r = {(const unsigned char *)data.ptr, data.len - 10};
    while (r.left > 0) {
        unsigned char op;
        readByte(&r, &op);
        if (op != RDB_OPCODE_FUNCTION2 && op != RDB_OPCODE_FUNCTION_PRE_GA) {
            addReplyError(c, "ERR given type is not a function");
            return C_ERR;
        }
        sbuf *code = NULL;
        const char *err;
        if (!readLibraryCode(&r, op, &code, &err)) {
            addReplyErrorFormat(c, "ERR %s", err);
            return C_ERR;
        }
        sbuf *why = NULL;
        library *l = libraryCreate(code->buf, code->len, false, &why);
        sbufFree(code);
        if (!l) {
            addReplyErrorFormat(c, "ERR %s", why->buf);
            sbufFree(why);
            return C_ERR;
        }
        bool dupName = false;
        for (int j = 0; j < set->n && !dupName; j++)
            dupName = strcmp(set->libs[j]->name, l->name) == 0;
        const char *clash = dupName ? NULL : innerCollision(set, l);
        if (dupName || clash) {
            if (dupName)
                addReplyErrorFormat(c, "ERR Library '%s' already exists", l->name);
            else
                addReplyErrorFormat(c, "ERR Function %s already exists", clash);
            libraryFree(l);
            return C_ERR;
        }
        if (set->n == set->cap) {
            set->cap = set->cap ? set->cap * 2 : 4;
            set->libs = trealloc(set->libs, sizeof(library *) * (size_t)set->cap);
        }
        set->libs[set->n++] = l;
    }
    return C_OK;
}

/* Links every library of 'set' (emptying it) under 'policy'; on a
 * collision replies the error and leaves the linked libraries as they
 * were. */
static int joinPayload(client *c, restoreSet *set, restorePolicy policy) {
    if (policy == RESTORE_FLUSH) {
        librariesFlush();
    } else if (policy == RESTORE_APPEND) {
        for (int j = 0; j < set->n; j++) {
            if (libraryLookup(set->libs[j]->name, strlen(set->libs[j]->name))) {
                addReplyErrorFormat(c, "ERR Library %s already exists", set->libs[j]->name);
                return C_ERR;
            }
        }
    }
    /* REPLACE: the old libraries of those names step aside, to come back
     * if a function name still collides. */
    library **old = tcalloc(sizeof(library *) * (size_t)(set->n ? set->n : 1));
    for (int j = 0; j < set->n; j++) {
        old[j] = libraryLookup(set->libs[j]->name, strlen(set->libs[j]->name));
        if (old[j]) libraryUnlink(old[j]);
    }
    const char *clash = NULL;
    for (int j = 0; j < set->n && !clash; j++) clash = libraryCollision(set->libs[j]);
    if (clash) {
        addReplyErrorFormat(c, "ERR Function %s already exists", clash);
        for (int j = 0; j < set->n; j++)
            if (old[j]) libraryLink(old[j]);
        tfree(old);
        return C_ERR;
    }
    for (int j = 0; j < set->n; j++) {
        libraryLink(set->libs[j]);
        libraryFree(old[j]);
    }
    set->n = 0;
    tfree(old);
    return C_OK;
}

static bool payloadFooterOk(slice data) {
    if (data.len < 10) return false;
    const unsigned char *f = (const unsigned char *)data.ptr + data.len - 10;
    if ((f[0] | (f[1] << 8)) > FUNCDUMP_RDB_VERSION) return false;
    uint64_t crc = crc64Bitwise((const unsigned char *)data.ptr, data.len - 8);
    for (int j = 0; j < 8; j++)
        if (f[2 + j] != (unsigned char)(crc >> (8 * j))) return false;
    return true;
}

void functionRestoreCommand(client *c) {
    if (c->argc > 4) {
        functionReplyArgsError(c);
        return;
    }
    restorePolicy policy = RESTORE_APPEND;
    if (c->argc == 4) {
        slice p = c->argv[3];
        if (sliceIs(p, "append")) {
            policy = RESTORE_APPEND;
        } else if (sliceIs(p, "replace")) {
            policy = RESTORE_REPLACE;
        } else if (sliceIs(p, "flush")) {
            policy = RESTORE_FLUSH;
        } else {
            addReplyError(c, "ERR Wrong restore policy given, value should be either FLUSH, "
                             "APPEND or REPLACE.");
            return;
        }
    }
    slice data = c->argv[2];
    if (!payloadFooterOk(data)) {
        addReplyError(c, "ERR DUMP payload version or checksum are wrong");
        return;
    }
    /* Redis runs a payload's top level without a time limit; a payload
     * is as untrusted as FUNCTION LOAD's code, so it gets the same one
     * (deliberately stricter: a hostile payload cannot hang the server). */
    functionsSetLoadTimeout(FUNCTION_LOAD_TIMEOUT_MS);
    restoreSet set = {NULL, 0, 0};
    if (buildPayload(c, data, &set) == C_OK && joinPayload(c, &set, policy) == C_OK) {
        server.dirty++;
        addReplyOK(c);
    }
    restoreSetFree(&set);
}
