/* SPDX-License-Identifier: BSD-3-Clause
 *
 * chunklist implementation.  See chunklist.h for the layout and the entry
 * encoding.
 *
 * Inside a chunk, entries are numbered 0..count-1 and grouped: group 0 is
 * entries [0, h) and starts at 'start'; group g >= 1 is entries
 * [h + (g-1)*K, h + g*K) and starts at cps[g-1].  1 <= h <= K, and when
 * there is a single group h == count.  Pushing at the head grows group 0
 * (or opens a new one when it is full), pushing at the tail grows the last
 * group, so both ends are O(1); any change in the middle rebuilds the
 * chunk's checkpoints with one scan (O(chunk), which the memmove already
 * costs).  'last' caches the offset of the last entry so the tail can be
 * read in O(1); after a pop at the tail it is found again by walking the
 * last group (at most K-1 steps).
 */
#include "ds/chunklist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds/alloc.h"
#include "ds/numfmt.h"

struct clChunk {
    clChunk *prev, *next;
    uint16_t *cps;   /* offsets of the first entries of groups 1..groups-1 */
    uint32_t cap;    /* bytes in data[] */
    uint32_t start;  /* live entries are data[start, end) */
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

/* ---- entry encoding ---- */

typedef struct enc {
    unsigned char hdr[9];
    uint32_t hlen;
    const unsigned char *payload;
    size_t plen;
} enc;

static inline uint32_t rd16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }

static inline uint32_t rd32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t rd64(const unsigned char *p) {
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static inline void wr32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* Sign-extends the low 'bits' bits of 'raw'. */
static inline long long signExtend(uint64_t raw, int bits) {
    uint64_t m = 1ULL << (bits - 1);
    return (long long)((raw ^ m) - m);
}

static void encodeInt(enc *e, long long v) {
    uint64_t u = (uint64_t)v;
    e->payload = NULL;
    e->plen = 0;
    if (v >= 0 && v <= 127) {
        e->hdr[0] = (unsigned char)v;
        e->hlen = 1;
    } else if (v >= -4096 && v <= 4095) {
        u &= 0x1FFF;
        e->hdr[0] = (unsigned char)(0xC0 | (u >> 8));
        e->hdr[1] = (unsigned char)u;
        e->hlen = 2;
    } else if (v >= -(1LL << 19) && v < (1LL << 19)) {
        u &= 0xFFFFF;
        e->hdr[0] = (unsigned char)(0xE0 | (u >> 16));
        e->hdr[1] = (unsigned char)(u >> 8);
        e->hdr[2] = (unsigned char)u;
        e->hlen = 3;
    } else if (v >= -(1LL << 26) && v < (1LL << 26)) {
        u &= 0x7FFFFFF;
        e->hdr[0] = (unsigned char)(0xF0 | (u >> 24));
        e->hdr[1] = (unsigned char)(u >> 16);
        e->hdr[2] = (unsigned char)(u >> 8);
        e->hdr[3] = (unsigned char)u;
        e->hlen = 4;
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        e->hdr[0] = 0xF8;
        wr32(e->hdr + 1, (uint32_t)u);
        e->hlen = 5;
    } else {
        e->hdr[0] = 0xF9;
        wr32(e->hdr + 1, (uint32_t)u);
        wr32(e->hdr + 5, (uint32_t)(u >> 32));
        e->hlen = 9;
    }
}

/* Encodes 's' as a string entry, never as an integer. */
static void encodeRawStr(enc *e, const void *s, size_t len) {
    e->payload = s;
    e->plen = len;
    if (len < 64) {
        e->hdr[0] = (unsigned char)(0x80 | len);
        e->hlen = 1;
    } else if (len <= 0xFFFF) {
        e->hdr[0] = 0xFA;
        e->hdr[1] = (unsigned char)len;
        e->hdr[2] = (unsigned char)(len >> 8);
        e->hlen = 3;
    } else {
        e->hdr[0] = 0xFB;
        wr32(e->hdr + 1, (uint32_t)len);
        e->hlen = 5;
    }
}

/* Encodes an element given as bytes: canonical integers compactly. */
static void encodeStr(enc *e, const void *s, size_t len) {
    long long v;
    if (len && len <= 20 && numStrToLL(s, len, &v)) {
        encodeInt(e, v);
        return;
    }
    encodeRawStr(e, s, len);
}

static inline uint32_t encSize(const enc *e) { return e->hlen + (uint32_t)e->plen; }

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
        case 0xF8: return 5;
        case 0xF9: return 9;
        case 0xFA: return 3 + rd16(p + 1);
        default: return 5 + rd32(p + 1); /* 0xFB */
    }
}

/* Decodes the entry at 'p' into 'e' and returns its total size. */
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
        case 0xF8: e->val = (int32_t)rd32(p + 1); return 5;
        case 0xF9: e->val = (long long)rd64(p + 1); return 9;
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

bool clBytesValid(const unsigned char *p, size_t len, size_t *count) {
    size_t n = 0, off = 0;
    while (off < len) {
        unsigned t = p[off];
        size_t left = len - off, need;
        if (t < 0x80) {
            need = 1;
        } else if (t < 0xC0) {
            need = 1 + (t & 0x3F);
        } else if (t < 0xE0) {
            need = 2;
        } else if (t < 0xF0) {
            need = 3;
        } else if (t < 0xF8) {
            need = 4;
        } else if (t == 0xF8) {
            need = 5;
        } else if (t == 0xF9) {
            need = 9;
        } else if (t == 0xFA) {
            if (left < 3) return false;
            need = 3 + (size_t)rd16(p + off + 1);
        } else if (t == 0xFB) {
            if (left < 5) return false;
            need = 5 + (size_t)rd32(p + off + 1);
        } else {
            return false; /* unassigned tag */
        }
        if (need > left) return false;
        off += need;
        n++;
    }
    *count = n;
    return true;
}

/* ---- chunk groups ---- */

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

/* Offset of entry 'i' (< count): its group's start plus a short walk. */
static uint32_t offsetOf(const clChunk *c, uint32_t i) {
    uint32_t g = groupOf(c, i);
    uint32_t off = groupStart(c, g);
    for (uint32_t k = groupFirst(c, g); k < i; k++) off += entrySize(c->data + off);
    return off;
}

/* Capacity of the checkpoint array for 'n' stored offsets: powers of two,
 * so adding one group reallocates only at the boundaries. */
static uint32_t cpsCapFor(uint32_t n) {
    if (n == 0) return 0;
    uint32_t cap = 4;
    while (cap < n) cap <<= 1;
    return cap;
}

static void cpsResize(clChunk *c, uint32_t oldN, uint32_t newN) {
    uint32_t oc = cpsCapFor(oldN), nc = cpsCapFor(newN);
    if (oc == nc) return;
    if (nc == 0) {
        tfree(c->cps);
        c->cps = NULL;
        return;
    }
    c->cps = trealloc(c->cps, nc * sizeof(uint16_t));
}

static void panicCheckpoint(uint32_t off) {
    fprintf(stderr, "chunklist: checkpoint offset %u beyond 64 KiB\n", off);
    abort();
}

static inline void cpSet(clChunk *c, uint32_t slot, uint32_t off) {
    /* Only chunks with several entries have checkpoints, and those are
     * never bigger than 64 KiB. */
    if (off > CP_MAX) panicCheckpoint(off);
    c->cps[slot] = (uint16_t)off;
}

/* Rebuilds count, last, h and the checkpoints from the bytes in
 * [start, end).  O(entries). */
static void chunkReindex(clChunk *c) {
    uint32_t oldStored = c->groups ? c->groups - 1u : 0;
    uint32_t n = 0, off = c->start, last = c->start;
    while (off < c->end) {
        last = off;
        off += entrySize(c->data + off);
        n++;
    }
    c->count = n;
    c->last = last;
    if (n == 0) {
        cpsResize(c, oldStored, 0);
        c->groups = 0;
        c->h = 0;
        return;
    }
    c->h = (uint8_t)(n < K ? n : K);
    uint32_t groups = 1 + (n - c->h + K - 1) / K;
    cpsResize(c, oldStored, groups - 1);
    c->groups = (uint16_t)groups;
    if (groups == 1) return;
    off = c->start;
    for (uint32_t i = 0; i < n; i++) {
        if (i >= K && i % K == 0) cpSet(c, i / K - 1, off);
        off += entrySize(c->data + off);
    }
}

/* ---- chunk allocation and links ---- */

/* New empty chunk with room for at least 'need' bytes.  The free space is
 * placed on the side the first push will use. */
static clChunk *chunkNew(size_t need, int where) {
    clChunk *c = tmalloc(HDR + need);
    memset(c, 0, HDR);
    size_t usable = tallocSize(c) - HDR;
    c->cap = usable > UINT32_MAX ? UINT32_MAX : (uint32_t)usable;
    c->start = c->end = where == CL_HEAD ? c->cap : 0;
    return c;
}

static void chunkFree(clChunk *c) {
    tfree(c->cps);
    tfree(c);
}

/* Points the neighbours (or the list ends) at 'c' after it moved. */
static void relink(chunklist *l, clChunk *c) {
    if (c->prev)
        c->prev->next = c;
    else
        l->head = c;
    if (c->next)
        c->next->prev = c;
    else
        l->tail = c;
}

/* Links 'c' after 'after' (NULL: at the head). */
static void linkAfter(chunklist *l, clChunk *after, clChunk *c) {
    c->prev = after;
    c->next = after ? after->next : l->head;
    relink(l, c);
    l->chunks++;
}

static void unlinkFree(chunklist *l, clChunk *c) {
    if (c->prev)
        c->prev->next = c->next;
    else
        l->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        l->tail = c->prev;
    l->chunks--;
    chunkFree(c);
}

/* Moves the live bytes so that they start at 'ns', shifting checkpoints. */
static void chunkMoveData(clChunk *c, uint32_t ns) {
    if (ns == c->start) return;
    uint32_t used = c->end - c->start;
    memmove(c->data + ns, c->data + c->start, used);
    int64_t delta = (int64_t)ns - (int64_t)c->start;
    for (uint32_t g = 0; g + 1u < c->groups; g++) cpSet(c, g, (uint32_t)((int64_t)c->cps[g] + delta));
    c->last = (uint32_t)((int64_t)c->last + delta);
    c->start = ns;
    c->end = ns + used;
}

/* Grows 'c' so that it has at least 'n' free bytes in total.  Returns the
 * (possibly moved) chunk. */
static clChunk *chunkGrow(chunklist *l, clChunk *c, uint32_t n) {
    size_t used = c->end - c->start;
    size_t want = used + n;
    size_t ncap = want * 2 < 64 ? 64 : want * 2;
    if (ncap > l->maxData) ncap = want > l->maxData ? want : l->maxData;
    if (ncap <= c->cap) return c;
    clChunk *old = c;
    c = trealloc(c, HDR + ncap);
    size_t usable = tallocSize(c) - HDR;
    c->cap = usable > UINT32_MAX ? UINT32_MAX : (uint32_t)usable;
    if (c != old) relink(l, c);
    return c;
}

/* Makes room for 'n' bytes on side 'where' of 'c', which may hold them
 * (chunkAllows).  Grows while the chunk is small (cheap); otherwise moves
 * the data so that all free space is on the side being pushed.  Either way
 * the work buys room for many pushes, so pushes stay O(1) amortised. */
static clChunk *chunkRoom(chunklist *l, clChunk *c, int where, uint32_t n) {
    if (where == CL_TAIL ? c->cap - c->end >= n : c->start >= n) return c;
    uint32_t used = c->end - c->start;
    uint32_t freeBytes = c->cap - used;
    if (freeBytes < n || (freeBytes < used / 2 && c->cap < l->maxData)) {
        c = chunkGrow(l, c, n);
        if (where == CL_TAIL ? c->cap - c->end >= n : c->start >= n) return c;
    }
    chunkMoveData(c, where == CL_TAIL ? 0 : c->cap - used);
    return c;
}

static inline bool chunkAllows(const chunklist *l, const clChunk *c, uint32_t n) {
    return c->count < l->maxCount && (size_t)(c->end - c->start) + n <= l->maxData;
}

/* ---- pushes and pops on a chunk (room already made) ---- */

static void chunkPushHead(clChunk *c, const enc *e) {
    uint32_t n = encSize(e), oldStart = c->start;
    c->start -= n;
    encWrite(c->data + c->start, e);
    if (c->count == 0) {
        c->end = oldStart;
        c->last = c->start;
        c->h = 1;
        c->groups = 1;
    } else if (c->h < K) {
        c->h++;
    } else {
        /* Group 0 is full: the new entry opens a new group 0. */
        uint32_t stored = c->groups - 1u;
        cpsResize(c, stored, stored + 1);
        memmove(c->cps + 1, c->cps, stored * sizeof(uint16_t));
        cpSet(c, 0, oldStart);
        c->groups++;
        c->h = 1;
    }
    c->count++;
}

static void chunkPushTail(clChunk *c, const enc *e) {
    uint32_t off = c->end;
    encWrite(c->data + off, e);
    c->end += encSize(e);
    uint32_t idx = c->count;
    if (idx == 0) {
        c->start = off;
        c->h = 1;
        c->groups = 1;
    } else if (c->groups == 1 && c->h < K) {
        c->h++;
    } else if ((idx - c->h) % K == 0) {
        uint32_t stored = c->groups - 1u;
        cpsResize(c, stored, stored + 1);
        cpSet(c, stored, off);
        c->groups++;
    }
    c->last = off;
    c->count++;
}

static void chunkPopHead(clChunk *c) {
    c->start += entrySize(c->data + c->start);
    c->count--;
    if (c->count == 0) {
        chunkReindex(c);
    } else if (c->h > 1) {
        c->h--;
    } else {
        /* Group 0 is gone; group 1 (which starts at 'start') takes over. */
        uint32_t stored = c->groups - 1u;
        memmove(c->cps, c->cps + 1, (stored - 1) * sizeof(uint16_t));
        cpsResize(c, stored, stored - 1);
        c->groups--;
        c->h = (uint8_t)(c->groups == 1 ? c->count : K);
    }
}

static void chunkPopTail(clChunk *c) {
    uint32_t idx = c->count - 1;
    c->end = c->last;
    c->count--;
    if (c->count == 0) {
        chunkReindex(c);
        return;
    }
    if (c->groups == 1) {
        c->h--;
    } else if (idx == groupFirst(c, c->groups - 1u)) {
        uint32_t stored = c->groups - 1u;
        cpsResize(c, stored, stored - 1);
        c->groups--;
    }
    c->last = offsetOf(c, c->count - 1);
}

/* ---- list ---- */

chunklist *clCreate(int fill) {
    chunklist *l = tcalloc(sizeof(*l));
    if (fill < -5) fill = -5;
    if (fill > FILL_MAX) fill = FILL_MAX;
    if (fill < 0) {
        l->maxData = (uint32_t)((4096u << (-fill - 1)) - HDR);
        l->maxCount = UINT32_MAX;
    } else {
        l->maxData = (uint32_t)(SAFETY_BYTES - HDR);
        l->maxCount = fill ? (uint32_t)fill : 1;
    }
    return l;
}

void clRelease(chunklist *l) {
    if (!l) return;
    clChunk *c = l->head;
    while (c) {
        clChunk *n = c->next;
        chunkFree(c);
        c = n;
    }
    tfree(l);
}

chunklist *clDup(const chunklist *l) {
    chunklist *d = tmalloc(sizeof(*d));
    *d = *l;
    d->head = d->tail = NULL;
    d->chunks = 0;
    for (const clChunk *c = l->head; c; c = c->next) {
        uint32_t used = c->end - c->start;
        clChunk *n = chunkNew(used, CL_TAIL);
        memcpy(n->data, c->data + c->start, used);
        n->end = used;
        n->count = c->count;
        n->last = c->last - c->start;
        n->h = c->h;
        n->groups = c->groups;
        if (c->groups > 1) {
            uint32_t stored = c->groups - 1u;
            n->cps = tmalloc(cpsCapFor(stored) * sizeof(uint16_t));
            for (uint32_t g = 0; g < stored; g++) n->cps[g] = (uint16_t)(c->cps[g] - c->start);
        }
        linkAfter(d, d->tail, n);
    }
    return d;
}

/* Finds the chunk holding element 'idx' (< count), walking from the
 * nearer end, and its index inside the chunk. */
static clChunk *findChunk(const chunklist *l, size_t idx, uint32_t *local) {
    clChunk *c;
    if (idx < l->count / 2) {
        c = l->head;
        while (idx >= c->count) {
            idx -= c->count;
            c = c->next;
        }
    } else {
        size_t r = l->count - 1 - idx;
        c = l->tail;
        while (r >= c->count) {
            r -= c->count;
            c = c->prev;
        }
        idx = c->count - 1 - r;
    }
    *local = (uint32_t)idx;
    return c;
}

static void pushEnc(chunklist *l, int where, const enc *e) {
    uint32_t n = encSize(e);
    clChunk *c = where == CL_HEAD ? l->head : l->tail;
    if (c && chunkAllows(l, c, n)) {
        c = chunkRoom(l, c, where, n);
    } else {
        c = chunkNew(n, where);
        linkAfter(l, where == CL_HEAD ? NULL : l->tail, c);
    }
    if (where == CL_HEAD)
        chunkPushHead(c, e);
    else
        chunkPushTail(c, e);
    l->count++;
}

void clPush(chunklist *l, int where, const void *s, size_t len) {
    enc e;
    encodeStr(&e, s, len);
    pushEnc(l, where, &e);
}

void clPushEntry(chunklist *l, int where, const clEntry *ent) {
    enc e;
    if (ent->str)
        encodeRawStr(&e, ent->str, ent->len);
    else
        encodeInt(&e, ent->val);
    pushEnc(l, where, &e);
}

bool clPeek(const chunklist *l, int where, clEntry *e) {
    const clChunk *c = where == CL_HEAD ? l->head : l->tail;
    if (!c) return false;
    entryDecode(c->data + (where == CL_HEAD ? c->start : c->last), e);
    return true;
}

void clPopDiscard(chunklist *l, int where) {
    clChunk *c = where == CL_HEAD ? l->head : l->tail;
    if (where == CL_HEAD)
        chunkPopHead(c);
    else
        chunkPopTail(c);
    l->count--;
    if (c->count == 0) unlinkFree(l, c);
}

bool clIndex(const chunklist *l, long long idx, clEntry *e) {
    if (idx < 0) idx += (long long)l->count;
    if (idx < 0 || (size_t)idx >= l->count) return false;
    uint32_t j;
    const clChunk *c = findChunk(l, (size_t)idx, &j);
    entryDecode(c->data + offsetOf(c, j), e);
    return true;
}

/* Inserts 'e' as entry 'j' of 'c', which has room by the limits
 * (chunkAllows).  Moves whichever side of the insertion point is shorter
 * (when the buffer has room there).  Returns the possibly moved chunk. */
static clChunk *chunkInsert(chunklist *l, clChunk *c, uint32_t j, const enc *e) {
    uint32_t n = encSize(e);
    if (c->cap - (c->end - c->start) < n) c = chunkGrow(l, c, n);
    uint32_t off = j < c->count ? offsetOf(c, j) : c->end;
    uint32_t before = off - c->start, after = c->end - off;
    bool canFront = c->start >= n, canBack = c->cap - c->end >= n;
    if (!canFront && !canBack) {
        /* Enough room in total but not on either side: gather it in front. */
        uint32_t used = c->end - c->start;
        chunkMoveData(c, c->cap - used);
        off = c->start + before;
        canFront = true;
    }
    if (canFront && (!canBack || before <= after)) {
        memmove(c->data + c->start - n, c->data + c->start, before);
        c->start -= n;
        off -= n;
    } else {
        memmove(c->data + off + n, c->data + off, after);
        c->end += n;
    }
    encWrite(c->data + off, e);
    chunkReindex(c);
    return c;
}

/* Deletes entries [j, j+n) of 'c' (not all of them), moving the shorter
 * side over the gap. */
static void chunkDeleteEntries(clChunk *c, uint32_t j, uint32_t n) {
    uint32_t a = offsetOf(c, j), b = a;
    for (uint32_t k = 0; k < n; k++) b += entrySize(c->data + b);
    uint32_t gap = b - a;
    if (a - c->start < c->end - b) {
        memmove(c->data + c->start + gap, c->data + c->start, a - c->start);
        c->start += gap;
    } else {
        memmove(c->data + a, c->data + b, c->end - b);
        c->end -= gap;
    }
    chunkReindex(c);
}

/* Splits 'c' before entry 'j' (0 < j < count): entries from j on move to
 * a new chunk linked after 'c', which is returned. */
static clChunk *chunkSplit(chunklist *l, clChunk *c, uint32_t j) {
    uint32_t off = offsetOf(c, j);
    uint32_t bytes = c->end - off;
    clChunk *d = chunkNew(bytes, CL_TAIL);
    memcpy(d->data, c->data + off, bytes);
    d->end = bytes;
    chunkReindex(d);
    c->end = off;
    chunkReindex(c);
    linkAfter(l, c, d);
    return d;
}

/* Appends all of 'b' (== a->next) to 'a' and frees 'b' when both fit in
 * one chunk.  Returns true when merged. */
static bool tryMerge(chunklist *l, clChunk *a, clChunk *b) {
    if (!a || !b) return false;
    uint32_t ub = b->end - b->start;
    if ((uint64_t)a->count + b->count > l->maxCount ||
        (size_t)(a->end - a->start) + ub > l->maxData)
        return false;
    if (a->cap - a->end < ub) {
        if (a->cap - (a->end - a->start) < ub) a = chunkGrow(l, a, ub);
        if (a->cap - a->end < ub) chunkMoveData(a, 0);
    }
    memcpy(a->data + a->end, b->data + b->start, ub);
    a->end += ub;
    chunkReindex(a);
    unlinkFree(l, b);
    return true;
}

static void insertEnc(chunklist *l, size_t idx, const enc *e) {
    if (idx == 0) {
        pushEnc(l, CL_HEAD, e);
        return;
    }
    if (idx == l->count) {
        pushEnc(l, CL_TAIL, e);
        return;
    }
    uint32_t n = encSize(e), j;
    clChunk *c = findChunk(l, idx, &j);
    l->count++;
    if (chunkAllows(l, c, n)) {
        chunkInsert(l, c, j, e);
        return;
    }
    if (j == 0) {
        clChunk *p = c->prev;
        if (p && chunkAllows(l, p, n)) {
            p = chunkRoom(l, p, CL_TAIL, n);
            chunkPushTail(p, e);
        } else {
            clChunk *x = chunkNew(n, CL_TAIL);
            linkAfter(l, p, x);
            chunkPushTail(x, e);
        }
        return;
    }
    clChunk *d = chunkSplit(l, c, j);
    if (chunkAllows(l, c, n)) {
        c = chunkRoom(l, c, CL_TAIL, n);
        chunkPushTail(c, e);
    } else if (chunkAllows(l, d, n)) {
        d = chunkRoom(l, d, CL_HEAD, n);
        chunkPushHead(d, e);
    } else {
        clChunk *x = chunkNew(n, CL_TAIL);
        linkAfter(l, c, x);
        chunkPushTail(x, e);
    }
}

void clInsertAt(chunklist *l, size_t idx, const void *s, size_t len) {
    enc e;
    encodeStr(&e, s, len);
    insertEnc(l, idx, &e);
}

void clReplaceAt(chunklist *l, size_t idx, const void *s, size_t len) {
    enc e;
    encodeStr(&e, s, len);
    uint32_t j, n = encSize(&e);
    clChunk *c = findChunk(l, idx, &j);
    uint32_t off = offsetOf(c, j), old = entrySize(c->data + off);
    if (n == old) {
        /* Same size: offsets and checkpoints stay valid. */
        encWrite(c->data + off, &e);
        return;
    }
    if (c->count == 1) {
        /* A chunk of its own (possibly a huge element): swap in a new one
         * sized for the new element. */
        clChunk *x = chunkNew(n, CL_TAIL);
        chunkPushTail(x, &e);
        linkAfter(l, c, x);
        unlinkFree(l, c);
        return;
    }
    if ((size_t)(c->end - c->start) - old + n <= l->maxData) {
        chunkDeleteEntries(c, j, 1);
        chunkInsert(l, c, j, &e);
        return;
    }
    clDeleteRange(l, idx, 1);
    insertEnc(l, idx, &e);
}

void clDeleteRange(chunklist *l, size_t start, size_t n) {
    if (n == 0) return;
    bool inner = start > 0 && start + n < l->count;
    uint32_t j;
    clChunk *c = findChunk(l, start, &j);
    while (n) {
        clChunk *next = c->next;
        uint32_t take = n < c->count - j ? (uint32_t)n : c->count - j;
        if (take == c->count)
            unlinkFree(l, c);
        else if (j == 0 && take <= 2 * K)
            for (uint32_t k = 0; k < take; k++) chunkPopHead(c);
        else if (j + take == c->count && take <= 2 * K)
            for (uint32_t k = 0; k < take; k++) chunkPopTail(c);
        else
            chunkDeleteEntries(c, j, take);
        l->count -= take;
        n -= take;
        j = 0;
        c = next;
    }
    if (!inner) return;
    /* Join what is left around the removed range when it fits in one
     * chunk, so repeated deletions in the middle do not leave many small
     * chunks.  Deletions at an end of the list (LTRIM, pops) never merge. */
    clChunk *b = findChunk(l, start, &j);
    clChunk *a = j == 0 ? b->prev : b;
    if (a != b)
        tryMerge(l, a, b);
    else if (!tryMerge(l, b->prev, b))
        tryMerge(l, b, b->next);
}

void clNeedleInit(clNeedle *n, const void *s, size_t len) {
    n->str = s;
    n->len = len;
    n->isInt = len && len <= 20 && numStrToLL(s, len, &n->val);
}

/* Removes entries of 'c' equal to 'needle': skips the first 'skip'
 * matches, then removes at most 'want'.  Returns how many it removed. */
static size_t chunkFilter(clChunk *c, const clNeedle *needle, size_t skip, size_t want) {
    uint32_t r = c->start, w = c->start;
    size_t removed = 0, seen = 0;
    while (r < c->end) {
        clEntry e;
        uint32_t sz = entryDecode(c->data + r, &e);
        if (removed < want && clMatches(&e, needle) && seen++ >= skip) {
            removed++;
        } else {
            if (w != r) memmove(c->data + w, c->data + r, sz);
            w += sz;
        }
        r += sz;
    }
    if (removed) {
        c->end = w;
        chunkReindex(c);
    }
    return removed;
}

static size_t chunkCountMatches(const clChunk *c, const clNeedle *needle) {
    size_t m = 0;
    for (uint32_t off = c->start; off < c->end;) {
        clEntry e;
        off += entryDecode(c->data + off, &e);
        if (clMatches(&e, needle)) m++;
    }
    return m;
}

size_t clRemoveEqual(chunklist *l, const clNeedle *needle, int from, size_t limit) {
    size_t removed = 0;
    clChunk *c = from == CL_HEAD ? l->head : l->tail;
    while (c && (limit == 0 || removed < limit)) {
        clChunk *next = from == CL_HEAD ? c->next : c->prev;
        size_t want = limit ? limit - removed : SIZE_MAX, skip = 0;
        if (from == CL_TAIL && limit) {
            /* Only the last 'want' matches of this chunk go. */
            size_t m = chunkCountMatches(c, needle);
            if (m > want) skip = m - want;
        }
        size_t r = chunkFilter(c, needle, skip, want);
        removed += r;
        l->count -= r;
        if (r) {
            /* Merge with the neighbour already visited, so 'next' stays
             * valid. */
            if (c->count == 0)
                unlinkFree(l, c);
            else if (from == CL_HEAD)
                tryMerge(l, c->prev, c);
            else
                tryMerge(l, c, c->next);
        }
        c = next;
    }
    return removed;
}

size_t clEntryBytes(const clEntry *e, char *buf, const unsigned char **p) {
    if (e->str) {
        *p = e->str;
        return e->len;
    }
    *p = (const unsigned char *)buf;
    return numLLToStr(buf, CL_INT_BUF, e->val);
}

/* ---- iteration ---- */

void clIterInit(clIter *it, const chunklist *l, size_t idx, int dir) {
    it->l = l;
    it->dir = dir;
    it->gcount = 0;
    it->c = NULL;
    it->idx = 0;
    it->off = 0;
    if (idx >= l->count) return;
    uint32_t j;
    it->c = findChunk(l, idx, &j);
    it->idx = j;
    if (dir == CL_HEAD) it->off = offsetOf(it->c, j);
}

bool clIterNext(clIter *it, clEntry *e) {
    const clChunk *c = it->c;
    if (!c) return false;
    if (it->dir == CL_HEAD) {
        it->off += entryDecode(c->data + it->off, e);
        if (++it->idx == c->count) {
            it->c = c->next;
            it->idx = 0;
            if (it->c) it->off = it->c->start;
        }
        return true;
    }
    uint32_t j = it->idx;
    if (it->gcount == 0 || j < it->gfirst || j >= it->gfirst + it->gcount) {
        /* Entering a group from its end: record its entries' offsets. */
        uint32_t g = groupOf(c, j);
        uint32_t off = groupStart(c, g);
        it->gfirst = groupFirst(c, g);
        it->gcount = groupSize(c, g);
        for (uint32_t k = 0; k < it->gcount; k++) {
            it->goff[k] = off;
            off += entrySize(c->data + off);
        }
    }
    entryDecode(c->data + it->goff[j - it->gfirst], e);
    if (j == 0) {
        it->c = c->prev;
        it->gcount = 0;
        if (it->c) it->idx = it->c->count - 1;
    } else {
        it->idx = j - 1;
    }
    return true;
}

/* ---- accounting and checks ---- */

size_t clEncodedSize(const void *s, size_t len) {
    enc e;
    encodeStr(&e, s, len);
    return encSize(&e);
}

size_t clMemoryUsage(const chunklist *l) {
    size_t total = tallocSize(l);
    for (const clChunk *c = l->head; c; c = c->next) {
        total += tallocSize(c);
        if (c->cps) total += tallocSize(c->cps);
    }
    return total;
}

static bool chunkValid(const chunklist *l, const clChunk *c) {
    if (c->count == 0 || c->start > c->end || c->end > c->cap) return false;
    if (c->count > l->maxCount) return false;
    if (c->count > 1 && c->end - c->start > l->maxData) return false;
    size_t n;
    if (!clBytesValid(c->data + c->start, c->end - c->start, &n) || n != c->count) return false;
    if (c->h < 1 || c->h > K || (c->groups == 1 && c->h != c->count)) return false;
    if (c->groups != 1 + (c->count - c->h + K - 1) / K) return false;
    if (c->groups > 1 && (!c->cps || c->cap > CP_MAX + 1u)) return false;
    uint32_t off = c->start, g = 1;
    for (uint32_t i = 0; i < c->count; i++) {
        if (i >= c->h && (i - c->h) % K == 0) {
            if (c->cps[g - 1] != off) return false;
            g++;
        }
        if (i == c->count - 1 && c->last != off) return false;
        off += entrySize(c->data + off);
    }
    return off == c->end;
}

bool clValidate(const chunklist *l) {
    size_t total = 0, chunks = 0;
    const clChunk *prev = NULL;
    for (const clChunk *c = l->head; c; c = c->next) {
        if (c->prev != prev || !chunkValid(l, c)) return false;
        total += c->count;
        chunks++;
        prev = c;
    }
    return prev == l->tail && total == l->count && chunks == l->chunks;
}
