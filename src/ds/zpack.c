/* SPDX-License-Identifier: BSD-3-Clause
 *
 * zpack implementation: see zpack.h for the layout.  The header's body
 * length lets an append or a delete resize the blob without walking it;
 * every other operation walks entries from the start.
 */
#include "ds/zpack.h"

#include <string.h>

#include "ds/alloc.h"

static inline uint32_t getU32(const zpack *zp, size_t at) {
    uint32_t v;
    memcpy(&v, zp + at, 4);
    return v;
}

static inline void setU32(zpack *zp, size_t at, uint32_t v) { memcpy(zp + at, &v, 4); }

static inline size_t bodyLen(const zpack *zp) { return getU32(zp, 4); }

/* Bytes of the varint encoding 'v'. */
static size_t varintSize(size_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static size_t varintPut(unsigned char *p, size_t v) {
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

static size_t varintGet(const unsigned char *p, size_t *v) {
    size_t r = 0, n = 0;
    unsigned shift = 0;
    while (p[n] & 0x80) {
        r |= (size_t)(p[n++] & 0x7F) << shift;
        shift += 7;
    }
    r |= (size_t)p[n++] << shift;
    *v = r;
    return n;
}

zpack *zpNew(void) {
    zpack *zp = tmalloc(ZP_HEADER);
    setU32(zp, 0, 0);
    setU32(zp, 4, 0);
    return zp;
}

void zpFree(zpack *zp) { tfree(zp); }

zpack *zpDup(const zpack *zp) {
    zpack *copy = tmalloc(zpBytes(zp));
    memcpy(copy, zp, zpBytes(zp));
    return copy;
}

size_t zpLen(const zpack *zp) { return getU32(zp, 0); }

size_t zpBytes(const zpack *zp) { return ZP_HEADER + bodyLen(zp); }

size_t zpEnd(const zpack *zp) { return ZP_HEADER + bodyLen(zp); }

bool zpSafeToAdd(const zpack *zp, size_t len) {
    size_t have = zp ? zpBytes(zp) : ZP_HEADER;
    return len < ZP_MAX_BYTES && have + 8 + 10 + len <= ZP_MAX_BYTES;
}

size_t zpRead(const zpack *zp, size_t pos, const char **m, size_t *len, double *score) {
    if (score) memcpy(score, zp + pos, 8);
    size_t l;
    size_t h = varintGet(zp + pos + 8, &l);
    if (m) *m = (const char *)zp + pos + 8 + h;
    if (len) *len = l;
    return pos + 8 + h + l;
}

size_t zpSeek(const zpack *zp, size_t rank) {
    size_t pos = zpFirst(zp), end = zpEnd(zp);
    while (rank-- > 0 && pos < end) pos = zpRead(zp, pos, NULL, NULL, NULL);
    return pos;
}

size_t zpFind(const zpack *zp, const char *m, size_t len, double *score, size_t *rank) {
    size_t pos = zpFirst(zp), end = zpEnd(zp), r = 0;
    while (pos < end) {
        const char *em;
        size_t elen;
        double s;
        size_t next = zpRead(zp, pos, &em, &elen, &s);
        if (elen == len && memcmp(em, m, len) == 0) {
            if (score) *score = s;
            if (rank) *rank = r;
            return pos;
        }
        pos = next;
        r++;
    }
    return 0;
}

size_t zpPositions(const zpack *zp, uint32_t *out) {
    size_t pos = zpFirst(zp), end = zpEnd(zp), n = 0;
    while (pos < end) {
        out[n++] = (uint32_t)pos;
        pos = zpRead(zp, pos, NULL, NULL, NULL);
    }
    return n;
}

/* Makes room for 'need' bytes at 'pos' and writes the entry there. */
static zpack *insertAt(zpack *zp, size_t pos, const char *m, size_t len, double score) {
    if (score == 0) score = 0; /* -0 is stored as 0 (see zpack.h) */
    size_t need = 8 + varintSize(len) + len;
    size_t total = zpBytes(zp);
    zp = trealloc(zp, total + need);
    memmove(zp + pos + need, zp + pos, total - pos);
    memcpy(zp + pos, &score, 8);
    size_t h = varintPut(zp + pos + 8, len);
    memcpy(zp + pos + 8 + h, m, len);
    setU32(zp, 0, getU32(zp, 0) + 1);
    setU32(zp, 4, (uint32_t)(bodyLen(zp) + need));
    return zp;
}

zpack *zpInsert(zpack *zp, const char *m, size_t len, double score) {
    size_t pos = zpFirst(zp), end = zpEnd(zp);
    while (pos < end) {
        const char *em;
        size_t elen;
        double s;
        size_t next = zpRead(zp, pos, &em, &elen, &s);
        if (s > score) break;
        if (s == score) {
            size_t min = elen < len ? elen : len;
            int c = memcmp(em, m, min);
            if (c > 0 || (c == 0 && elen > len)) break;
        }
        pos = next;
    }
    return insertAt(zp, pos, m, len, score);
}

zpack *zpAppend(zpack *zp, const char *m, size_t len, double score) {
    return insertAt(zp, zpEnd(zp), m, len, score);
}

/* Removes the 'bytes' bytes holding 'n' entries at 'pos'. */
static zpack *removeBytes(zpack *zp, size_t pos, size_t bytes, size_t n) {
    size_t total = zpBytes(zp);
    memmove(zp + pos, zp + pos + bytes, total - pos - bytes);
    setU32(zp, 0, (uint32_t)(getU32(zp, 0) - n));
    setU32(zp, 4, (uint32_t)(bodyLen(zp) - bytes));
    return trealloc(zp, total - bytes);
}

zpack *zpDeleteAt(zpack *zp, size_t pos) {
    size_t next = zpRead(zp, pos, NULL, NULL, NULL);
    return removeBytes(zp, pos, next - pos, 1);
}

zpack *zpDeleteRange(zpack *zp, size_t rank, size_t count) {
    size_t from = zpSeek(zp, rank), end = zpEnd(zp), to = from, n = 0;
    while (n < count && to < end) {
        to = zpRead(zp, to, NULL, NULL, NULL);
        n++;
    }
    if (n == 0) return zp;
    return removeBytes(zp, from, to - from, n);
}
