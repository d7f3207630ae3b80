/* SPDX-License-Identifier: BSD-3-Clause
 *
 * listpack implementation (format and costs in listpack.h).
 *
 * Every change goes through lpSplice, which replaces a byte range of the
 * body by a gap of another size, fixes the header (whose own length may
 * change when a varint crosses 128 or 16384) and reallocates; the caller
 * then writes the encoded entries into the gap.  Entries are encoded into
 * an lpEnc first (header bytes plus a pointer to the payload), so the
 * payload is copied exactly once, straight into place.
 */
#include "ds/listpack.h"

#include <string.h>

#include "ds/alloc.h"
#include "ds/numfmt.h"

/* ---- little-endian helpers ---- */

static inline uint32_t rd16(const unsigned char *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}
static inline uint32_t rd24(const unsigned char *p) {
    return rd16(p) | ((uint32_t)p[2] << 16);
}
static inline uint32_t rd32(const unsigned char *p) {
    return rd24(p) | ((uint32_t)p[3] << 24);
}
static inline uint64_t rd64(const unsigned char *p) {
    return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32);
}
static inline void wrLE(unsigned char *p, uint64_t v, unsigned n) {
    for (unsigned j = 0; j < n; j++)
        p[j] = (unsigned char)(v >> (8 * j));
}

/* ---- header ---- */

static inline unsigned varintLen(uint32_t v) {
    unsigned n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline unsigned varintWrite(unsigned char *p, uint32_t v) {
    unsigned n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

/* Trusted read (the blob was built here or validated). */
static inline unsigned varintRead(const unsigned char *p, uint32_t *out) {
    uint32_t v = p[0] & 0x7F;
    unsigned n = 1;
    while (p[n - 1] & 0x80) {
        v |= (uint32_t)(p[n] & 0x7F) << (7 * n);
        n++;
    }
    *out = v;
    return n;
}

typedef struct lpHeader {
    uint32_t body, count;
    unsigned hlen;
} lpHeader;

static inline void readHeader(const listpack *lp, lpHeader *h) {
    unsigned a = varintRead(lp, &h->body);
    h->hlen = a + varintRead(lp + a, &h->count);
}

static inline unsigned char *bodyEnd(listpack *lp) {
    lpHeader h;
    readHeader(lp, &h);
    return lp + h.hlen + h.body;
}

/* ---- entries ---- */

#define ENC_STR32 0xF0
#define ENC_INT16 0xF1
#define ENC_INT24 0xF2
#define ENC_INT32 0xF3
#define ENC_INT64 0xF4

static inline size_t entrySize(const unsigned char *p) {
    unsigned b = p[0];
    if (b < 0x80) return 1;
    if (b < 0xC0) return 1 + (b & 0x3F);
    if (b < 0xE0) return 2;
    if (b < 0xF0) return 2 + (((size_t)(b & 0x0F) << 8) | p[1]);
    switch (b) {
        case ENC_STR32:
            return 5 + (size_t)rd32(p + 1);
        case ENC_INT16:
            return 3;
        case ENC_INT24:
            return 4;
        case ENC_INT32:
            return 5;
        default:
            return 9;
    }
}

size_t lpEntrySize(const unsigned char *p) {
    return entrySize(p);
}

const unsigned char *lpGet(const unsigned char *p, size_t *len, long long *ival) {
    unsigned b = p[0];
    if (b < 0x80) {
        *ival = b;
        return NULL;
    }
    if (b < 0xC0) {
        *len = b & 0x3F;
        return p + 1;
    }
    if (b < 0xE0) {
        int v = (int)(((b & 0x1F) << 8) | p[1]);
        *ival = v >= 4096 ? v - 8192 : v;
        return NULL;
    }
    if (b < 0xF0) {
        *len = ((size_t)(b & 0x0F) << 8) | p[1];
        return p + 2;
    }
    switch (b) {
        case ENC_STR32:
            *len = rd32(p + 1);
            return p + 5;
        case ENC_INT16:
            *ival = (int16_t)rd16(p + 1);
            return NULL;
        case ENC_INT24: {
            uint32_t u = rd24(p + 1);
            *ival = (u & 0x800000) ? (long long)u - 0x1000000 : (long long)u;
            return NULL;
        }
        case ENC_INT32:
            *ival = (int32_t)rd32(p + 1);
            return NULL;
        default:
            *ival = (long long)rd64(p + 1);
            return NULL;
    }
}

const unsigned char *lpGetStr(const unsigned char *p, size_t *len, unsigned char *buf) {
    long long v;
    const unsigned char *s = lpGet(p, len, &v);
    if (s) return s;
    *len = numLLToStr((char *)buf, LP_INTBUF_SIZE, v);
    return buf;
}

/* An entry ready to be written: header bytes, then 'slen' payload bytes
 * from 's' (strings only). */
typedef struct lpEnc {
    unsigned char hdr[9];
    unsigned hlen;
    const void *s;
    size_t slen;
} lpEnc;

static void encInt(lpEnc *e, long long v) {
    e->s = NULL;
    e->slen = 0;
    if (v >= 0 && v <= 127) {
        e->hdr[0] = (unsigned char)v;
        e->hlen = 1;
    } else if (v >= -4096 && v <= 4095) {
        uint32_t u = (uint32_t)(v & 0x1FFF);
        e->hdr[0] = (unsigned char)(0xC0 | (u >> 8));
        e->hdr[1] = (unsigned char)(u & 0xFF);
        e->hlen = 2;
    } else if (v >= INT16_MIN && v <= INT16_MAX) {
        e->hdr[0] = ENC_INT16;
        wrLE(e->hdr + 1, (uint64_t)v, 2);
        e->hlen = 3;
    } else if (v >= -8388608 && v <= 8388607) {
        e->hdr[0] = ENC_INT24;
        wrLE(e->hdr + 1, (uint64_t)v, 3);
        e->hlen = 4;
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        e->hdr[0] = ENC_INT32;
        wrLE(e->hdr + 1, (uint64_t)v, 4);
        e->hlen = 5;
    } else {
        e->hdr[0] = ENC_INT64;
        wrLE(e->hdr + 1, (uint64_t)v, 8);
        e->hlen = 9;
    }
}

static void encStr(lpEnc *e, const void *s, size_t len) {
    long long v;
    if (len > 0 && len <= 20 && numStrToLL(s, len, &v)) {
        encInt(e, v);
        return;
    }
    e->s = s;
    e->slen = len;
    if (len <= 63) {
        e->hdr[0] = (unsigned char)(0x80 | len);
        e->hlen = 1;
    } else if (len <= 4095) {
        e->hdr[0] = (unsigned char)(0xE0 | (len >> 8));
        e->hdr[1] = (unsigned char)(len & 0xFF);
        e->hlen = 2;
    } else {
        e->hdr[0] = ENC_STR32;
        wrLE(e->hdr + 1, len, 4);
        e->hlen = 5;
    }
}

static inline size_t encSize(const lpEnc *e) {
    return e->hlen + e->slen;
}

static inline unsigned char *encWrite(unsigned char *dst, const lpEnc *e) {
    memcpy(dst, e->hdr, e->hlen);
    if (e->slen) memcpy(dst + e->hlen, e->s, e->slen);
    return dst + e->hlen + e->slen;
}

size_t lpEncodedSize(const void *s, size_t len) {
    lpEnc e;
    encStr(&e, s, len);
    return encSize(&e);
}

/* ---- whole listpack ---- */

listpack *lpNew(void) {
    listpack *lp = tmalloc(2);
    lp[0] = 0; /* body bytes */
    lp[1] = 0; /* entries */
    return lp;
}

void lpFree(listpack *lp) {
    tfree(lp);
}

size_t lpBytes(const listpack *lp) {
    lpHeader h;
    readHeader(lp, &h);
    return h.hlen + h.body;
}

listpack *lpDup(const listpack *lp) {
    size_t n = lpBytes(lp);
    listpack *d = tmalloc(n);
    memcpy(d, lp, n);
    return d;
}

size_t lpLength(const listpack *lp) {
    lpHeader h;
    readHeader(lp, &h);
    return h.count;
}

bool lpSafeToAdd(const listpack *lp, size_t add) {
    size_t have = lp ? lpBytes(lp) : 0;
    return add <= LP_MAX_BYTES && have + add <= LP_MAX_BYTES;
}

/* Replaces the 'del' body bytes at body offset 'off' by a gap of 'ins'
 * bytes and adds 'dcount' to the entry count.  Returns the new listpack;
 * '*gap' points at the gap, which the caller fills.
 *
 * The header length can change, so up to two regions move: the body
 * prefix [0, off) and the tail after the replaced range.  Whichever moves
 * right is moved first when both move right (and the reverse for left),
 * so neither overwrites the other's source. */
static listpack *lpSplice(listpack *lp, size_t off, size_t del, size_t ins, long dcount,
                          unsigned char **gap) {
    lpHeader h;
    readHeader(lp, &h);
    size_t body1 = h.body - del + ins;
    uint32_t count1 = (uint32_t)((long)h.count + dcount);
    unsigned hlen1 = varintLen((uint32_t)body1) + varintLen(count1);
    size_t total0 = h.hlen + h.body, total1 = hlen1 + body1;
    size_t tailLen = h.body - off - del;
    unsigned char *src;
    if (total1 > total0) lp = trealloc(lp, total1);
    src = lp;
    if (hlen1 <= h.hlen) {
        if (hlen1 != h.hlen) memmove(src + hlen1, src + h.hlen, off);
        memmove(src + hlen1 + off + ins, src + h.hlen + off + del, tailLen);
    } else {
        memmove(src + hlen1 + off + ins, src + h.hlen + off + del, tailLen);
        memmove(src + hlen1, src + h.hlen, off);
    }
    if (total1 < total0) lp = trealloc(lp, total1);
    unsigned n = varintWrite(lp, (uint32_t)body1);
    varintWrite(lp + n, count1);
    *gap = lp + hlen1 + off;
    return lp;
}

/* Body offset of entry 'p' (or of the end when 'p' is NULL). */
static size_t bodyOffset(listpack *lp, const unsigned char *p) {
    lpHeader h;
    readHeader(lp, &h);
    return p ? (size_t)(p - lp) - h.hlen : h.body;
}

/* Inserts the 'n' encoded entries at body offset 'off'. */
static listpack *insertEncoded(listpack *lp, size_t off, const lpEnc *e, int n,
                               unsigned char **newp) {
    size_t total = 0;
    for (int j = 0; j < n; j++)
        total += encSize(&e[j]);
    unsigned char *gap;
    lp = lpSplice(lp, off, 0, total, n, &gap);
    if (newp) *newp = gap;
    for (int j = 0; j < n; j++)
        gap = encWrite(gap, &e[j]);
    return lp;
}

/* ---- navigation ---- */

unsigned char *lpFirst(listpack *lp) {
    lpHeader h;
    readHeader(lp, &h);
    return h.count ? lp + h.hlen : NULL;
}

unsigned char *lpNext(listpack *lp, unsigned char *p) {
    p += entrySize(p);
    return p < bodyEnd(lp) ? p : NULL;
}

unsigned char *lpPrev(listpack *lp, unsigned char *p) {
    unsigned char *q = lpFirst(lp), *prev = NULL;
    while (q && q < p) {
        prev = q;
        q += entrySize(q);
    }
    return prev;
}

unsigned char *lpLast(listpack *lp) {
    return lpPrev(lp, bodyEnd(lp));
}

unsigned char *lpSeek(listpack *lp, long long index) {
    long long n = (long long)lpLength(lp);
    if (index < 0) index += n;
    if (index < 0 || index >= n) return NULL;
    unsigned char *p = lpFirst(lp);
    while (index--)
        p += entrySize(p);
    return p;
}

size_t lpEntryOffsets(const listpack *lp, uint32_t *out) {
    lpHeader h;
    readHeader(lp, &h);
    size_t off = h.hlen, end = h.hlen + h.body, n = 0;
    while (off < end) {
        out[n++] = (uint32_t)off;
        off += entrySize(lp + off);
    }
    return n;
}

size_t lpIndexOf(listpack *lp, unsigned char *p) {
    size_t n = 0;
    for (unsigned char *q = lpFirst(lp); q && q < p; q += entrySize(q))
        n++;
    return n;
}

/* ---- search ---- */

bool lpEntryEquals(const unsigned char *p, const void *s, size_t len) {
    size_t elen;
    long long v, sv;
    const unsigned char *e = lpGet(p, &elen, &v);
    if (e) return elen == len && memcmp(e, s, len) == 0;
    return len <= 20 && numStrToLL(s, len, &sv) && sv == v;
}

unsigned char *lpFind(listpack *lp, unsigned char *p, const void *s, size_t len, unsigned skip) {
    if (!p) return NULL;
    unsigned char *end = bodyEnd(lp);
    long long sv = 0;
    /* A canonical integer is always stored as one, so only integer
     * entries can match it (and only string entries a non-integer). */
    bool sInt = len > 0 && len <= 20 && numStrToLL(s, len, &sv);
    while (p < end) {
        unsigned b = p[0];
        if (!sInt && b >= 0x80 && b < 0xC0) {
            /* Fast path: short string. */
            if ((b & 0x3F) == len && memcmp(p + 1, s, len) == 0) return p;
            p += 1 + (b & 0x3F);
        } else {
            size_t elen;
            long long v;
            const unsigned char *e = lpGet(p, &elen, &v);
            if (e ? (elen == len && memcmp(e, s, len) == 0) : (sInt && v == sv)) return p;
            p += entrySize(p);
        }
        for (unsigned j = 0; j < skip && p < end; j++)
            p += entrySize(p);
    }
    return NULL;
}

/* ---- writing ---- */

listpack *lpAppend(listpack *lp, const void *s, size_t len) {
    return lpInsert(lp, NULL, s, len, NULL);
}

listpack *lpAppendInt(listpack *lp, long long v) {
    return lpInsertInt(lp, NULL, v, NULL);
}

listpack *lpPrepend(listpack *lp, const void *s, size_t len) {
    return lpInsert(lp, lpFirst(lp), s, len, NULL);
}

listpack *lpInsert(listpack *lp, unsigned char *p, const void *s, size_t len,
                   unsigned char **newp) {
    lpEnc e;
    encStr(&e, s, len);
    return insertEncoded(lp, bodyOffset(lp, p), &e, 1, newp);
}

listpack *lpInsertInt(listpack *lp, unsigned char *p, long long v, unsigned char **newp) {
    lpEnc e;
    encInt(&e, v);
    return insertEncoded(lp, bodyOffset(lp, p), &e, 1, newp);
}

listpack *lpAppendPair(listpack *lp, const void *a, size_t alen, const void *b, size_t blen) {
    return lpInsertPair(lp, NULL, a, alen, b, blen, NULL);
}

listpack *lpInsertPair(listpack *lp, unsigned char *p, const void *a, size_t alen, const void *b,
                       size_t blen, unsigned char **newp) {
    lpEnc e[2];
    encStr(&e[0], a, alen);
    encStr(&e[1], b, blen);
    return insertEncoded(lp, bodyOffset(lp, p), e, 2, newp);
}

static listpack *replaceEncoded(listpack *lp, unsigned char **p, const lpEnc *e) {
    size_t off = bodyOffset(lp, *p);
    size_t old = entrySize(*p);
    unsigned char *gap;
    if (old == encSize(e)) {
        /* Same size: overwrite in place, no realloc, no memmove. */
        encWrite(*p, e);
        return lp;
    }
    lp = lpSplice(lp, off, old, encSize(e), 0, &gap);
    encWrite(gap, e);
    *p = gap;
    return lp;
}

listpack *lpReplace(listpack *lp, unsigned char **p, const void *s, size_t len) {
    lpEnc e;
    encStr(&e, s, len);
    return replaceEncoded(lp, p, &e);
}

listpack *lpReplaceInt(listpack *lp, unsigned char **p, long long v) {
    lpEnc e;
    encInt(&e, v);
    return replaceEncoded(lp, p, &e);
}

listpack *lpDeleteRange(listpack *lp, unsigned char *p, size_t count, unsigned char **next) {
    unsigned char *end = bodyEnd(lp), *q = p;
    size_t n = 0;
    while (n < count && q < end) {
        q += entrySize(q);
        n++;
    }
    size_t off = bodyOffset(lp, p);
    bool atEnd = q >= end;
    unsigned char *gap;
    lp = lpSplice(lp, off, (size_t)(q - p), 0, -(long)n, &gap);
    if (next) *next = atEnd ? NULL : gap;
    return lp;
}

listpack *lpDelete(listpack *lp, unsigned char *p, unsigned char **next) {
    return lpDeleteRange(lp, p, 1, next);
}

/* ---- validation ---- */

/* Reads a canonical varint of at most 5 bytes from [p, end), value below
 * 2^32.  Returns its length, or 0 when malformed. */
static unsigned varintReadSafe(const unsigned char *p, const unsigned char *end, uint32_t *out) {
    uint64_t v = 0;
    for (unsigned n = 0; n < 5; n++) {
        if (p + n >= end) return 0;
        v |= (uint64_t)(p[n] & 0x7F) << (7 * n);
        if (!(p[n] & 0x80)) {
            if (n > 0 && p[n] == 0) return 0; /* overlong */
            if (v > UINT32_MAX) return 0;
            *out = (uint32_t)v;
            return n + 1;
        }
    }
    return 0;
}

/* Size of the entry at 'p' with 'avail' bytes left in the body, or 0 when
 * the entry is malformed or does not fit. */
static size_t entrySizeSafe(const unsigned char *p, size_t avail) {
    unsigned b = p[0];
    size_t hdr, len = 0;
    if (b < 0x80) {
        hdr = 1;
    } else if (b < 0xC0) {
        hdr = 1;
        len = b & 0x3F;
    } else if (b < 0xE0) {
        hdr = 2;
    } else if (b < 0xF0) {
        if (avail < 2) return 0;
        hdr = 2;
        len = ((size_t)(b & 0x0F) << 8) | p[1];
    } else if (b == ENC_STR32) {
        if (avail < 5) return 0;
        hdr = 5;
        len = rd32(p + 1);
    } else if (b >= ENC_INT16 && b <= ENC_INT64) {
        hdr = b == ENC_INT16 ? 3 : b == ENC_INT24 ? 4 : b == ENC_INT32 ? 5 : 9;
    } else {
        return 0;
    }
    if (hdr > avail || len > avail - hdr) return 0;
    return hdr + len;
}

bool lpValidate(const unsigned char *blob, size_t size, lpEntryCheck *check, void *priv) {
    if (!blob || size < 2 || size > (size_t)UINT32_MAX + 10) return false;
    const unsigned char *end = blob + size;
    uint32_t body, count;
    unsigned a = varintReadSafe(blob, end, &body);
    if (!a) return false;
    unsigned b = varintReadSafe(blob + a, end, &count);
    if (!b) return false;
    if ((size_t)a + b + body != size) return false;
    const unsigned char *p = blob + a + b;
    uint32_t n = 0;
    while (p < end) {
        size_t sz = entrySizeSafe(p, (size_t)(end - p));
        if (!sz || n == UINT32_MAX) return false;
        if (check && !check(p, priv)) return false;
        p += sz;
        n++;
    }
    return n == count;
}
