/* SPDX-License-Identifier: BSD-3-Clause
 *
 * streamNode implementation: the entry and element encodings described in
 * streamnode.h, and the Redis listpack size bookkeeping.  Appends measure
 * the entry first (one pass over the arguments, remembering which are
 * integers), grow the allocation geometrically, then write it.
 */
#include "ds/streamnode.h"

#include <string.h>

#include "ds/alloc.h"
#include "ds/numfmt.h"

#define SN_HEAD_KIND_MASK 0x03
#define SN_KIND_SEQ 0   /* same ms, seq + delta */
#define SN_KIND_MS 1    /* ms + delta, seq 0 */
#define SN_KIND_MSSEQ 2 /* ms + delta, seq in full */
#define SN_HEAD_SAME 0x04
#define SN_HEAD_DELETED 0x08
#define SN_SMALL_SHIFT 4
#define SN_SMALL_VARINT 15

/* Redis's stream entry flags (in its listpack encoding). */
#define RSTREAM_FLAG_DELETED 1
#define RSTREAM_FLAG_SAMEFIELDS 2

/* ---- varints ---- */

static inline unsigned varLen(uint64_t v) {
    unsigned n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline unsigned varPut(unsigned char *p, uint64_t v) {
    unsigned n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

static inline const unsigned char *varGet(const unsigned char *p, uint64_t *out) {
    uint64_t v = 0;
    unsigned shift = 0;
    while (*p & 0x80) {
        v |= (uint64_t)(*p++ & 0x7F) << shift;
        shift += 7;
    }
    v |= (uint64_t)*p++ << shift;
    *out = v;
    return p;
}

/* ---- elements ---- */

/* What one argument encodes as: an integer (canonical text) or bytes. */
typedef struct elemInfo {
    bool isInt;
    long long v;
} elemInfo;

static inline elemInfo elemParse(const char *s, size_t len) {
    elemInfo ei = {false, 0};
    if (len > 0 && len <= 20 && ((unsigned)((unsigned char)s[0] - '0') <= 9 || s[0] == '-'))
        ei.isInt = numStrToLL(s, len, &ei.v);
    return ei;
}

/* Bytes of a signed integer in two's complement, 1..8. */
static inline unsigned intBytes(long long v) {
    unsigned k = 1;
    while (k < 8) {
        long long lim = 1LL << (8 * k - 1);
        if (v >= -lim && v < lim) break;
        k++;
    }
    return k;
}

static inline size_t elemSize(const elemInfo *ei, size_t len) {
    if (ei->isInt) return (ei->v >= 0 && ei->v <= 127) ? 1 : 1 + intBytes(ei->v);
    if (len < 64) return 1 + len;
    if (len < 64 + 8192) return 2 + len;
    return 5 + len;
}

static inline unsigned char *elemPut(unsigned char *p, const elemInfo *ei, const char *s,
                                     size_t len) {
    if (ei->isInt) {
        if (ei->v >= 0 && ei->v <= 127) {
            *p++ = (unsigned char)ei->v;
            return p;
        }
        unsigned k = intBytes(ei->v);
        uint64_t u = (uint64_t)ei->v;
        *p++ = (unsigned char)(0xE0 | k);
        for (unsigned j = 0; j < k; j++) *p++ = (unsigned char)(u >> (8 * j));
        return p;
    }
    if (len < 64) {
        *p++ = (unsigned char)(0x80 | len);
    } else if (len < 64 + 8192) {
        size_t l = len - 64;
        *p++ = (unsigned char)(0xC0 | (l >> 8));
        *p++ = (unsigned char)(l & 0xFF);
    } else {
        uint32_t l = (uint32_t)len;
        *p++ = 0xF0;
        memcpy(p, &l, 4);
        p += 4;
    }
    memcpy(p, s, len);
    return p + len;
}

/* Reads the element at 'p' into '*s'/'*len' (integers formatted into
 * 'buf', 21 bytes); returns the position after it. */
static inline const unsigned char *elemGet(const unsigned char *p, const char **s, size_t *len,
                                           char *buf) {
    unsigned char h = *p;
    if (h < 0x80) {
        if (h < 10) {
            buf[0] = (char)('0' + h);
            *len = 1;
        } else {
            *len = numLLToStr(buf, 21, h);
        }
        *s = buf;
        return p + 1;
    }
    if (h < 0xC0) {
        *len = h & 0x3F;
        *s = (const char *)p + 1;
        return p + 1 + *len;
    }
    if (h < 0xE0) {
        *len = (((size_t)(h & 0x1F) << 8) | p[1]) + 64;
        *s = (const char *)p + 2;
        return p + 2 + *len;
    }
    if (h < 0xF0) {
        unsigned k = h & 0x0F;
        uint64_t u = 0;
        for (unsigned j = 0; j < k; j++) u |= (uint64_t)p[1 + j] << (8 * j);
        if (k < 8 && (u >> (8 * k - 1)) & 1) u |= ~0ULL << (8 * k); /* sign-extend */
        *len = numLLToStr(buf, 21, (long long)u);
        *s = buf;
        return p + 1 + k;
    }
    uint32_t l;
    memcpy(&l, p + 1, 4);
    *len = l;
    *s = (const char *)p + 5;
    return p + 5 + l;
}

static inline const unsigned char *elemSkip(const unsigned char *p) {
    unsigned char h = *p;
    if (h < 0x80) return p + 1;
    if (h < 0xC0) return p + 1 + (h & 0x3F);
    if (h < 0xE0) return p + 2 + ((((size_t)(h & 0x1F) << 8) | p[1]) + 64);
    if (h < 0xF0) return p + 1 + (h & 0x0F);
    uint32_t l;
    memcpy(&l, p + 1, 4);
    return p + 5 + l;
}

/* ---- Redis listpack sizes ---- */

static inline size_t rlpBacklen(size_t l) {
    if (l <= 127) return 1;
    if (l < 16383) return 2;
    if (l < 2097151) return 3;
    if (l < 268435455) return 4;
    return 5;
}

size_t snRedisIntSize(int64_t v) {
    if (v >= 0 && v <= 127) return 2;
    if (v >= -4096 && v <= 4095) return 3;
    if (v >= -32768 && v <= 32767) return 4;
    if (v >= -8388608 && v <= 8388607) return 5;
    if (v >= -2147483648LL && v <= 2147483647LL) return 6;
    return 10;
}

static inline size_t rlpElemSize(const elemInfo *ei, size_t len) {
    if (ei->isInt) return snRedisIntSize(ei->v);
    size_t enc = len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
    return enc + rlpBacklen(enc);
}

size_t snRedisStrSize(const char *s, size_t len) {
    elemInfo ei = elemParse(s, len);
    return rlpElemSize(&ei, len);
}

size_t snRedisBytes(const streamNode *n) {
    /* 6-byte header, the terminator, the two master counters. */
    return 7 + snRedisIntSize(n->count) + snRedisIntSize(n->deleted) + n->rbody;
}

/* ---- allocation ---- */

static streamNode *nodeAlloc(size_t cap) {
    streamNode *n = tmalloc(sizeof(streamNode) + cap);
    n->cap = (uint32_t)(tallocSize(n) - sizeof(streamNode));
    return n;
}

/* Makes room for 'add' more bytes. */
static streamNode *nodeReserve(streamNode *n, size_t add) {
    size_t need = (size_t)n->bytes + add;
    if (need <= n->cap) return n;
    size_t cap = (size_t)n->cap + n->cap / 2;
    if (cap < need) cap = need;
    if (cap < 64) cap = 64;
    n = trealloc(n, sizeof(streamNode) + cap);
    n->cap = (uint32_t)(tallocSize(n) - sizeof(streamNode));
    return n;
}

streamNode *snNewEmpty(streamID master, const snStr *fields, size_t nfields) {
    size_t sz = 0, rb = snRedisIntSize((int64_t)nfields) + snRedisIntSize(0);
    for (size_t j = 0; j < nfields; j++) {
        elemInfo ei = elemParse(fields[j].ptr, fields[j].len);
        sz += elemSize(&ei, fields[j].len);
        rb += rlpElemSize(&ei, fields[j].len);
    }
    streamNode *n = nodeAlloc(sz + 64);
    n->master = master;
    n->last = master;
    n->count = n->deleted = 0;
    n->rbody = (uint32_t)rb;
    n->mfields = (uint32_t)nfields;
    n->pad = 0;
    unsigned char *p = n->data;
    for (size_t j = 0; j < nfields; j++) {
        elemInfo ei = elemParse(fields[j].ptr, fields[j].len);
        p = elemPut(p, &ei, fields[j].ptr, fields[j].len);
    }
    n->bytes = n->start = (uint32_t)(p - n->data);
    return n;
}

streamNode *snNew(streamID id, const snStr *fv, size_t nfields) {
    snStr small[16] = {{0}};
    snStr *fields = nfields <= 16 ? small : tmalloc(sizeof(snStr) * nfields);
    for (size_t j = 0; j < nfields; j++) fields[j] = fv[2 * j];
    streamNode *n = snNewEmpty(id, fields, nfields);
    if (fields != small) tfree(fields);
    return snAppend(n, id, fv, nfields, false);
}

void snFree(streamNode *n) { tfree(n); }

streamNode *snDup(const streamNode *n) {
    streamNode *d = nodeAlloc(n->bytes);
    uint32_t cap = d->cap;
    memcpy(d, n, sizeof(streamNode) + n->bytes);
    d->cap = cap;
    return d;
}

size_t snAllocSize(const streamNode *n) { return tallocSize(n); }

streamNode *snShrink(streamNode *n) {
    if (n->cap == n->bytes) return n;
    n = trealloc(n, sizeof(streamNode) + n->bytes);
    n->cap = (uint32_t)(tallocSize(n) - sizeof(streamNode));
    return n;
}

/* ---- appending ---- */

/* True when the fields of 'fv' are exactly the master fields. */
static bool sameAsMaster(const streamNode *n, const snStr *fv, size_t nfields) {
    if (nfields != n->mfields) return false;
    const unsigned char *p = n->data;
    char buf[21];
    for (size_t j = 0; j < nfields; j++) {
        const char *s;
        size_t len;
        p = elemGet(p, &s, &len, buf);
        if (len != fv[2 * j].len || memcmp(s, fv[2 * j].ptr, len) != 0) return false;
    }
    return true;
}

streamNode *snAppend(streamNode *n, streamID id, const snStr *fv, size_t nfields, bool deleted) {
    bool same = sameAsMaster(n, fv, nfields);
    size_t nel = same ? nfields : 2 * nfields;
    elemInfo small[32];
    elemInfo *ei = nel <= 32 ? small : tmalloc(sizeof(elemInfo) * nel);

    /* Id relative to the previous entry. */
    streamID prev = n->last;
    if (n->count + n->deleted == 0) {
        prev = n->master;
        prev.seq--; /* wraps at 0: the deltas below wrap back */
    }
    unsigned kind;
    uint64_t delta;
    if (id.ms == prev.ms) {
        kind = SN_KIND_SEQ;
        delta = id.seq - prev.seq;
    } else {
        kind = id.seq == 0 ? SN_KIND_MS : SN_KIND_MSSEQ;
        delta = id.ms - prev.ms;
    }
    unsigned smallDelta = delta - 1 < SN_SMALL_VARINT ? (unsigned)(delta - 1) : SN_SMALL_VARINT;
    size_t size = 1;
    if (smallDelta == SN_SMALL_VARINT) size += varLen(delta);
    if (kind == SN_KIND_MSSEQ) size += varLen(id.seq);
    if (!same) size += varLen(nfields);

    /* Redis: flags, ms diff, seq diff, [numfields, fields], values, lp-count. */
    size_t rb = snRedisIntSize(same ? RSTREAM_FLAG_SAMEFIELDS : 0) +
                snRedisIntSize((int64_t)(id.ms - n->master.ms)) +
                snRedisIntSize((int64_t)(id.seq - n->master.seq));
    int64_t lpCount = (int64_t)nfields + 3;
    if (!same) {
        rb += snRedisIntSize((int64_t)nfields);
        lpCount += (int64_t)nfields + 1;
    }
    rb += snRedisIntSize(lpCount);
    size_t k = 0;
    for (size_t j = 0; j < nfields; j++) {
        if (!same) {
            const snStr *f = &fv[2 * j];
            ei[k] = elemParse(f->ptr, f->len);
            size += elemSize(&ei[k], f->len);
            rb += rlpElemSize(&ei[k], f->len);
            k++;
        }
        const snStr *v = &fv[2 * j + 1];
        ei[k] = elemParse(v->ptr, v->len);
        size += elemSize(&ei[k], v->len);
        rb += rlpElemSize(&ei[k], v->len);
        k++;
    }

    n = nodeReserve(n, size);
    unsigned char *p = n->data + n->bytes;
    *p++ = (unsigned char)(kind | (same ? SN_HEAD_SAME : 0) | (deleted ? SN_HEAD_DELETED : 0) |
                           (smallDelta << SN_SMALL_SHIFT));
    if (smallDelta == SN_SMALL_VARINT) p += varPut(p, delta);
    if (kind == SN_KIND_MSSEQ) p += varPut(p, id.seq);
    if (!same) p += varPut(p, nfields);
    k = 0;
    for (size_t j = 0; j < nfields; j++) {
        if (!same) {
            p = elemPut(p, &ei[k], fv[2 * j].ptr, fv[2 * j].len);
            k++;
        }
        p = elemPut(p, &ei[k], fv[2 * j + 1].ptr, fv[2 * j + 1].len);
        k++;
    }
    n->bytes = (uint32_t)(p - n->data);
    n->rbody += (uint32_t)rb;
    n->last = id;
    if (deleted)
        n->deleted++;
    else
        n->count++;
    if (ei != small) tfree(ei);
    return n;
}

/* ---- reading ---- */

/* Decodes the entry at 'off' whose predecessor has id 'prev'. */
static void decodeAt(const streamNode *n, uint32_t off, streamID prev, snEntry *e) {
    const unsigned char *p = n->data + off;
    unsigned char h = *p++;
    uint64_t delta = h >> SN_SMALL_SHIFT;
    if (delta == SN_SMALL_VARINT)
        p = varGet(p, &delta);
    else
        delta++;
    switch (h & SN_HEAD_KIND_MASK) {
        case SN_KIND_SEQ:
            e->id.ms = prev.ms;
            e->id.seq = prev.seq + delta;
            break;
        case SN_KIND_MS:
            e->id.ms = prev.ms + delta;
            e->id.seq = 0;
            break;
        default:
            e->id.ms = prev.ms + delta;
            p = varGet(p, &e->id.seq);
            break;
    }
    e->same = h & SN_HEAD_SAME;
    e->deleted = h & SN_HEAD_DELETED;
    uint32_t nel;
    if (e->same) {
        e->nfields = n->mfields;
        nel = n->mfields;
    } else {
        uint64_t nf;
        p = varGet(p, &nf);
        e->nfields = (uint32_t)nf;
        nel = 2 * (uint32_t)nf;
    }
    e->off = off;
    e->body = (uint32_t)(p - n->data);
    for (uint32_t j = 0; j < nel; j++) p = elemSkip(p);
    e->next = (uint32_t)(p - n->data);
}

bool snFirst(const streamNode *n, snEntry *e) {
    if (n->start >= n->bytes) return false;
    streamID prev = n->master;
    prev.seq--;
    decodeAt(n, n->start, prev, e);
    return true;
}

bool snNext(const streamNode *n, snEntry *e) {
    if (e->next >= n->bytes) return false;
    decodeAt(n, e->next, e->id, e);
    return true;
}

void snAt(const streamNode *n, snPos pos, snEntry *e) {
    /* decodeAt recomputes the id from the predecessor; rebuild it from the
     * known id instead of re-walking the node. */
    decodeAt(n, pos.off, (streamID){0, 0}, e);
    e->id = pos.id;
}

size_t snCollect(const streamNode *n, snPos *out) {
    snEntry e;
    size_t k = 0;
    for (bool ok = snFirst(n, &e); ok; ok = snNext(n, &e)) {
        out[k].id = e.id;
        out[k].off = e.off;
        k++;
    }
    return k;
}

void snFields(const streamNode *n, const snEntry *e, snFieldIter *it) {
    it->same = e->same;
    it->f = n->data;
    it->p = n->data + e->body;
}

void snFieldNext(snFieldIter *it, const char **f, size_t *flen, const char **v, size_t *vlen) {
    if (it->same)
        it->f = elemGet(it->f, f, flen, it->fbuf);
    else
        it->p = elemGet(it->p, f, flen, it->fbuf);
    it->p = elemGet(it->p, v, vlen, it->vbuf);
}

const char *snMasterField(const streamNode *n, uint32_t j, size_t *len, char *buf) {
    const unsigned char *p = n->data;
    for (uint32_t k = 0; k < j; k++) p = elemSkip(p);
    const char *s;
    elemGet(p, &s, len, buf);
    return s;
}

void snMarkDeleted(streamNode *n, snEntry *e) {
    n->data[e->off] |= SN_HEAD_DELETED;
    e->deleted = true;
    n->count--;
    n->deleted++;
}
