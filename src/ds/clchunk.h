/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Inside a chunklist chunk (private to ds/chunklist.c and ds/clcodec.c):
 * the chunk header, the entry encoder's types, and the entry, group and
 * prefix-coding primitives both files use.  ds/chunklist.h describes the
 * entry encoding; ds/chunklist.c the groups and the prefix coding.
 */
#ifndef TERN_DS_CLCHUNK_H
#define TERN_DS_CLCHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ds/chunklist.h"

struct clChunk {
    clChunk *prev, *next;
    uint16_t *cps;  /* offsets of the first entries of groups 1..groups-1 */
    uint32_t cap;   /* bytes in data[] */
    uint32_t start; /* live entries are data[start, end) */
    uint32_t end;
    uint32_t last;   /* offset of the last entry (when count > 0) */
    uint32_t count;  /* entries */
    uint16_t groups; /* checkpoint groups (0 when empty) */
    uint8_t h;       /* entries in group 0 */
    unsigned char data[];
};

#define K CL_GROUP
#define HDR (sizeof(clChunk))
/* Byte limit for count-limited chunks (Redis's SIZE_SAFETY_LIMIT). */
#define SAFETY_BYTES 8192
#define FILL_MAX 32767
/* Checkpoint offsets are 16-bit: chunks with several entries stay below. */
#define CP_MAX 0xFFFF
/* Prefix-coded entries: 111111pp pppsssss <s bytes>. */
#define DELTA_MAX_PREFIX 31
#define DELTA_MAX_SUFFIX 31

typedef struct enc {
    unsigned char hdr[9];
    uint32_t hlen;
    const unsigned char *payload;
    size_t plen;
} enc;

/* An element while it moves between encodings: a string (str != NULL)
 * or the integer 'val'. */
typedef struct item {
    const unsigned char *str;
    size_t len;
    long long val;
} item;

/* Encodes 's' as a string entry, never as an integer. */
void clEncodeRawStr(enc *e, const void *s, size_t len);

/* Offset of entry 'i' (< count): its group's start plus a short walk. */
uint32_t clOffsetOf(const clChunk *c, uint32_t i);

/* Capacity of the checkpoint array for 'n' stored offsets: powers of two,
 * so adding one group reallocates only at the boundaries. */
uint32_t clCpsCapFor(uint32_t n);

void clCpsResize(clChunk *c, uint32_t oldN, uint32_t newN);

void clPanicCheckpoint(uint32_t off);

/* Encodes the string 'it' relative to the full entry at 'headEntry' when
 * that is shorter than storing it whole.  Returns true when it did. */
bool clEncodeDelta(enc *e, const unsigned char *headEntry, const item *it);

void clItemFromBytes(item *it, const void *s, size_t len);

/* The full (stand-alone) encoding of 'it'. */
void clEncodeItem(enc *e, const item *it);

/* The encoding of 'it' as the next entry at the tail of 'c': prefix-coded
 * inside a group >= 1 when that is shorter, full otherwise. */
void clEncodeForTail(const clChunk *c, enc *e, const item *it);

static inline uint32_t rd16(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static inline uint32_t rd32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t rd64(const unsigned char *p) {
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Sign-extends the low 'bits' bits of 'raw'. */
static inline long long signExtend(uint64_t raw, int bits) {
    uint64_t m = 1ULL << (bits - 1);
    return (long long)((raw ^ m) - m);
}

static inline uint32_t encSize(const enc *e) {
    return e->hlen + (uint32_t)e->plen;
}

static inline void encWrite(unsigned char *p, const enc *e) {
    memcpy(p, e->hdr, e->hlen);
    if (e->plen) memcpy(p + e->hlen, e->payload, e->plen);
}

/* Total bytes of the (well-formed) entry at 'p'. */
static inline uint32_t entrySize(const unsigned char *p) {
    unsigned t = p[0];
    if (t < 0x80) return 1;
    if (t < 0xC0) return 1 + (t & 0x3F);
    if (t < 0xE0) return 2;
    if (t < 0xF0) return 3;
    if (t < 0xF8) return 4;
    switch (t) {
        case 0xF8:
            return 5;
        case 0xF9:
            return 9;
        case 0xFA:
            return 3 + rd16(p + 1);
        case 0xFB:
            return 5 + rd32(p + 1);
        default:
            return 2 + (p[1] & 31u); /* prefix-coded string */
    }
}

/* Decodes the full (not prefix-coded) entry at 'p' into 'e' and returns
 * its total size. */
static inline uint32_t entryDecode(const unsigned char *p, clEntry *e) {
    unsigned t = p[0];
    if (t < 0x80) {
        e->str = NULL;
        e->val = t;
        return 1;
    }
    if (t < 0xC0) {
        e->str = p + 1;
        e->len = t & 0x3F;
        return 1 + (uint32_t)e->len;
    }
    e->str = NULL;
    if (t < 0xE0) {
        e->val = signExtend((uint64_t)(t & 0x1F) << 8 | p[1], 13);
        return 2;
    }
    if (t < 0xF0) {
        e->val = signExtend((uint64_t)(t & 0x0F) << 16 | (uint64_t)p[1] << 8 | p[2], 20);
        return 3;
    }
    if (t < 0xF8) {
        e->val = signExtend(
            (uint64_t)(t & 0x07) << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3], 27);
        return 4;
    }
    switch (t) {
        case 0xF8:
            e->val = (int32_t)rd32(p + 1);
            return 5;
        case 0xF9:
            e->val = (long long)rd64(p + 1);
            return 9;
        case 0xFA:
            e->str = p + 3;
            e->len = rd16(p + 1);
            return 3 + (uint32_t)e->len;
        default:
            e->str = p + 5;
            e->len = rd32(p + 1);
            return 5 + (uint32_t)e->len;
    }
}

static inline uint32_t groupOf(const clChunk *c, uint32_t i) {
    return i < c->h ? 0 : 1 + (i - c->h) / K;
}

static inline uint32_t groupFirst(const clChunk *c, uint32_t g) {
    return g == 0 ? 0 : c->h + (g - 1) * K;
}

static inline uint32_t groupStart(const clChunk *c, uint32_t g) {
    return g == 0 ? c->start : c->cps[g - 1];
}

static inline uint32_t groupSize(const clChunk *c, uint32_t g) {
    uint32_t first = groupFirst(c, g), size = g == 0 ? c->h : K;
    return first + size > c->count ? c->count - first : size;
}

static inline void cpSet(clChunk *c, uint32_t slot, uint32_t off) {
    /* Only chunks with several entries have checkpoints, and those are
     * never bigger than 64 KiB. */
    if (off > CP_MAX) clPanicCheckpoint(off);
    c->cps[slot] = (uint16_t)off;
}

static inline bool isGroupFirst(const clChunk *c, uint32_t i) {
    return i == 0 || (i >= c->h && (i - c->h) % K == 0);
}

static inline bool isDelta(const unsigned char *p) {
    return p[0] >= 0xFC;
}

/* Decodes the entry at 'off' of 'c', whose group's first entry is at
 * 'head'.  A prefix-coded value is assembled in e->buf. */
static inline uint32_t decodeAt(const clChunk *c, uint32_t off, uint32_t head, clEntry *e) {
    const unsigned char *p = c->data + off;
    if (!isDelta(p)) return entryDecode(p, e);
    uint32_t pl = (uint32_t)(p[0] & 3u) << 3 | (uint32_t)(p[1] >> 5), sl = p[1] & 31u;
    clEntry h;
    entryDecode(c->data + head, &h);
    memcpy(e->buf, h.str, pl);
    memcpy(e->buf + pl, p + 2, sl);
    e->str = e->buf;
    e->len = pl + sl;
    return 2 + sl;
}

#endif
