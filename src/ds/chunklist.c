/* SPDX-License-Identifier: BSD-3-Clause
 *
 * chunklist implementation: chunks, their links and limits, pushes, pops,
 * rebuilding, the list API and iteration.  See chunklist.h for the layout
 * and the entry encoding, ds/clcodec.c for the entry primitives.
 *
 * Inside a chunk, entries are numbered 0..count-1 and grouped: group 0 is
 * entries [0, h) and starts at 'start'; group g >= 1 is entries
 * [h + (g-1)*K, h + g*K) and starts at cps[g-1].  1 <= h <= K, and when
 * there is a single group h == count.  Pushing at the head grows group 0
 * (or opens a new one when it is full), pushing at the tail grows the last
 * group, so both ends are O(1).  'last' caches the offset of the last entry
 * so the tail is read in O(1); after a pop at the tail it is found again by
 * walking the last group (at most K-1 steps).
 *
 * Prefix coding: an entry of group g >= 1 other than the group's first may
 * store only what follows the prefix it shares with that first entry
 * ("item:1000", "item:1001", ... cost 2-3 bytes each instead of 10).  The
 * first entry of a group never changes while the group exists, except in
 * group 0, which pushes and pops at the head change: group 0 therefore
 * holds only full entries.  When pushes at the head fill group 0 it is
 * compressed as it becomes group 1; when pops at the head empty group 0,
 * group 1 is expanded as it becomes group 0.  Both are O(K) once per K
 * pushes or pops.  Any change in the middle decodes the chunk's values and
 * re-appends them into fresh chunks (O(chunk), like the memmove a listpack
 * insert costs), which also splits the chunk when it overflows.
 */
#include "ds/chunklist.h"
#include "ds/clchunk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds/alloc.h"
#include "ds/numfmt.h"

/* ---- limits from the fill ---- */

/* Data bytes a chunk with several entries may hold: the size classes of
 * 4..64 KiB less the header for -1..-5, the 8 KiB safety limit otherwise. */
static inline uint32_t maxDataOf(const chunklist *l) {
    return (uint32_t)((l->fill < 0 ? 4096u << (-l->fill - 1) : SAFETY_BYTES) - HDR);
}

/* Entries a chunk may hold. */
static inline uint32_t maxCountOf(const chunklist *l) {
    return l->fill < 0 ? UINT32_MAX : l->fill > 0 ? (uint32_t)l->fill : 1;
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
    for (uint32_t g = 0; g + 1u < c->groups; g++)
        cpSet(c, g, (uint32_t)((int64_t)c->cps[g] + delta));
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
    if (ncap > maxDataOf(l)) ncap = want > maxDataOf(l) ? want : maxDataOf(l);
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
    if (freeBytes < n || (freeBytes < used / 2 && c->cap < maxDataOf(l))) {
        c = chunkGrow(l, c, n);
        if (where == CL_TAIL ? c->cap - c->end >= n : c->start >= n) return c;
    }
    chunkMoveData(c, where == CL_TAIL ? 0 : c->cap - used);
    return c;
}

static inline bool chunkAllows(const chunklist *l, const clChunk *c, uint32_t n) {
    return c->count < maxCountOf(l) && (size_t)(c->end - c->start) + n <= maxDataOf(l);
}

/* ---- group 0 recoding ---- */

/* Offset where group 0 ends. */
static inline uint32_t group0End(const clChunk *c) {
    return c->groups >= 2 ? c->cps[0] : c->end;
}

/* Rewrites group 0 with 'recode' applied to every entry but the first,
 * right-aligned to where the group ends (so later groups do not move).
 * The caller guarantees the result fits before that point.  'recode'
 * writes the new encoding of entry 'e' at 'out' and returns its size. */
static void rewriteGroup0(clChunk *c, uint32_t newSize,
                          uint32_t (*recode)(const clChunk *c, uint32_t off, unsigned char *out)) {
    uint32_t end = group0End(c);
    unsigned char small[2048];
    unsigned char *tmp = newSize <= sizeof(small) ? small : tmalloc(newSize);
    uint32_t off = c->start, w = 0, lastW = 0;
    for (uint32_t i = 0; i < c->h; i++) {
        uint32_t sz = entrySize(c->data + off);
        lastW = w;
        if (i == 0) {
            memcpy(tmp, c->data + off, sz);
            w += sz;
        } else {
            w += recode(c, off, tmp + w);
        }
        off += sz;
    }
    memcpy(c->data + end - newSize, tmp, newSize);
    c->start = end - newSize;
    if (c->groups == 1) c->last = c->start + lastW;
    if (tmp != small) tfree(tmp);
}

static uint32_t recodeCompress(const clChunk *c, uint32_t off, unsigned char *out) {
    clEntry e;
    uint32_t sz = entryDecode(c->data + off, &e);
    item it = {e.str, e.len, e.val};
    enc d;
    if (clEncodeDelta(&d, c->data + c->start, &it)) {
        encWrite(out, &d);
        return encSize(&d);
    }
    memcpy(out, c->data + off, sz);
    return sz;
}

static uint32_t recodeExpand(const clChunk *c, uint32_t off, unsigned char *out) {
    clEntry e;
    uint32_t sz = decodeAt(c, off, c->start, &e);
    if (!isDelta(c->data + off)) {
        memcpy(out, c->data + off, sz);
        return sz;
    }
    enc f;
    clEncodeRawStr(&f, e.str, e.len);
    encWrite(out, &f);
    return encSize(&f);
}

/* Group 0 (full, K entries) is about to become group 1: prefix-code its
 * entries against its first.  Only shrinks. */
static void compressGroup0(clChunk *c) {
    clEntry h;
    entryDecode(c->data + c->start, &h);
    if (!h.str) return;
    uint32_t newSize = 0, off = c->start;
    for (uint32_t i = 0; i < c->h; i++) {
        uint32_t sz = entrySize(c->data + off);
        if (i == 0) {
            newSize += sz;
        } else {
            clEntry e;
            entryDecode(c->data + off, &e);
            item it = {e.str, e.len, e.val};
            enc d;
            newSize += clEncodeDelta(&d, c->data + c->start, &it) ? encSize(&d) : sz;
        }
        off += sz;
    }
    if (newSize < off - c->start) rewriteGroup0(c, newSize, recodeCompress);
}

static clChunk *rebuildChunk(chunklist *l, clChunk *c);

/* Group 1 just became group 0: store its entries in full again.  Returns
 * the chunk, moved when it had to grow, or the first of the chunks that
 * replace it when the expanded values no longer fit in one. */
static clChunk *expandGroup0(chunklist *l, clChunk *c) {
    uint32_t extra = 0, off = c->start;
    for (uint32_t i = 0; i < c->h; i++) {
        const unsigned char *p = c->data + off;
        /* Full, a value of at most 62 bytes has a 1-byte header: it grows
         * by its prefix less the header byte it saves. */
        if (isDelta(p)) extra += ((uint32_t)(p[0] & 3u) << 3 | (uint32_t)(p[1] >> 5)) - 1;
        off += entrySize(p);
    }
    if (extra == 0) return c;
    uint32_t oldSize = off - c->start, used = c->end - c->start;
    if (c->start < extra) {
        if ((size_t)used + extra > maxDataOf(l)) return rebuildChunk(l, c);
        if (c->cap - used < extra) c = chunkGrow(l, c, extra);
        chunkMoveData(c, c->cap - used);
    }
    rewriteGroup0(c, oldSize + extra, recodeExpand);
    return c;
}

/* ---- pushes and pops on a chunk (room already made) ---- */

static void chunkPushHead(clChunk *c, const enc *e) {
    uint32_t n = encSize(e);
    if (c->count && c->h == K) compressGroup0(c);
    uint32_t oldStart = c->start;
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
        clCpsResize(c, stored, stored + 1);
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
        clCpsResize(c, stored, stored + 1);
        cpSet(c, stored, off);
        c->groups++;
    }
    c->last = off;
    c->count++;
}

static void chunkMakeEmpty(clChunk *c) {
    clCpsResize(c, c->groups ? c->groups - 1u : 0, 0);
    c->groups = 0;
    c->h = 0;
    c->last = c->start;
}

/* Removes the first entry.  Returns the chunk (which is empty when it held
 * one entry), or what replaced it (see expandGroup0). */
static clChunk *chunkPopHead(chunklist *l, clChunk *c) {
    c->start += entrySize(c->data + c->start);
    c->count--;
    if (c->count == 0) {
        chunkMakeEmpty(c);
        return c;
    }
    if (c->h > 1) {
        c->h--;
        return c;
    }
    /* Group 0 is gone; group 1 (which starts at 'start') takes over. */
    uint32_t stored = c->groups - 1u;
    memmove(c->cps, c->cps + 1, (stored - 1) * sizeof(uint16_t));
    clCpsResize(c, stored, stored - 1);
    c->groups--;
    c->h = (uint8_t)(c->groups == 1 ? c->count : K);
    return expandGroup0(l, c);
}

static void chunkPopTail(clChunk *c) {
    uint32_t idx = c->count - 1;
    c->end = c->last;
    c->count--;
    if (c->count == 0) {
        chunkMakeEmpty(c);
        return;
    }
    if (c->groups == 1) {
        c->h--;
    } else if (idx == groupFirst(c, c->groups - 1u)) {
        uint32_t stored = c->groups - 1u;
        clCpsResize(c, stored, stored - 1);
        c->groups--;
    }
    c->last = clOffsetOf(c, c->count - 1);
}

/* ---- rebuilding: decode values, append them into fresh chunks ---- */

typedef struct itemVec {
    item *v;
    size_t n;
    unsigned char *mem; /* assembled prefix-coded values */
    size_t memUsed;
} itemVec;

/* Bytes needed to assemble the prefix-coded values of 'c'. */
static size_t deltaBytes(const clChunk *c) {
    size_t total = 0;
    for (uint32_t off = c->start; off < c->end;) {
        const unsigned char *p = c->data + off;
        if (isDelta(p)) total += ((size_t)(p[0] & 3u) << 3 | (size_t)(p[1] >> 5)) + (p[1] & 31u);
        off += entrySize(p);
    }
    return total;
}

/* Sizes 'iv' for the entries of 'a' and 'b' (may be NULL) plus 'extra'
 * more items. */
static void itemVecInit(itemVec *iv, const clChunk *a, const clChunk *b, size_t extra) {
    size_t n = a->count + (b ? b->count : 0) + extra;
    size_t mem = deltaBytes(a) + (b ? deltaBytes(b) : 0);
    iv->v = tmalloc(sizeof(item) * (n ? n : 1));
    iv->n = 0;
    iv->mem = mem ? tmalloc(mem) : NULL;
    iv->memUsed = 0;
}

static void itemVecFree(itemVec *iv) {
    tfree(iv->v);
    tfree(iv->mem);
}

/* Appends the values of 'c' to 'iv'.  Full strings point into 'c', which
 * must outlive the items. */
static void collectItems(const clChunk *c, itemVec *iv) {
    uint32_t off = c->start, head = c->start;
    for (uint32_t i = 0; i < c->count; i++) {
        if (isGroupFirst(c, i)) head = off;
        clEntry e;
        off += decodeAt(c, off, head, &e);
        item *it = &iv->v[iv->n++];
        it->val = e.val;
        it->len = e.len;
        it->str = e.str;
        if (e.str == e.buf) {
            memcpy(iv->mem + iv->memUsed, e.buf, e.len);
            it->str = iv->mem + iv->memUsed;
            iv->memUsed += e.len;
        }
    }
}

static size_t fullSize(const item *it) {
    enc e;
    clEncodeItem(&e, it);
    return encSize(&e);
}

/* Appends 'items' into new chunks linked after 'after' (NULL: at the
 * head), each filled up to the limits.  Returns the last new chunk, or
 * 'after' when there are no items.  Does not touch l->count. */
static clChunk *buildChunks(chunklist *l, clChunk *after, const item *items, size_t n) {
    size_t i = 0;
    while (i < n) {
        size_t est = fullSize(&items[i]);
        for (size_t j = i + 1; j < n && est < maxDataOf(l); j++)
            est += fullSize(&items[j]);
        if (est > maxDataOf(l)) {
            size_t first = fullSize(&items[i]);
            est = first > maxDataOf(l) ? first : maxDataOf(l);
        }
        clChunk *c = chunkNew(est, CL_TAIL);
        linkAfter(l, after, c);
        do {
            enc e;
            clEncodeForTail(c, &e, &items[i]);
            uint32_t sz = encSize(&e);
            if (c->count && !chunkAllows(l, c, sz)) break;
            c = chunkRoom(l, c, CL_TAIL, sz);
            chunkPushTail(c, &e);
            i++;
        } while (i < n);
        if (c->cap - c->end > 64 && c->cap - c->end > c->end / 8) {
            /* Prefix coding made it smaller than estimated: give back the
             * rest (the data starts at 0). */
            clChunk *old = c;
            c = trealloc(c, HDR + c->end);
            size_t usable = tallocSize(c) - HDR;
            c->cap = usable > UINT32_MAX ? UINT32_MAX : (uint32_t)usable;
            if (c != old) relink(l, c);
        }
        after = c;
    }
    return after;
}

/* Replaces the run of chunks 'first'..'lastOld' by chunks holding 'items'
 * (which may point into the old chunks, freed afterwards).  Returns the
 * first new chunk (NULL when there are no items); '*newLast' gets the last. */
static clChunk *replaceRun(chunklist *l, clChunk *first, clChunk *lastOld, const item *items,
                           size_t n, clChunk **newLast) {
    clChunk *before = first->prev;
    clChunk *built = buildChunks(l, before, items, n);
    clChunk *c = first;
    for (;;) {
        clChunk *next = c->next;
        bool done = c == lastOld;
        unlinkFree(l, c);
        if (done) break;
        c = next;
    }
    if (newLast) *newLast = n ? built : NULL;
    if (!n) return NULL;
    return before ? before->next : l->head;
}

static clChunk *rebuildChunk(chunklist *l, clChunk *c) {
    itemVec iv;
    itemVecInit(&iv, c, NULL, 0);
    collectItems(c, &iv);
    clChunk *first = replaceRun(l, c, c, iv.v, iv.n, NULL);
    itemVecFree(&iv);
    return first;
}

/* Merges 'a' and 'b' (== a->next) into one chunk when they fit in one.
 * Returns the merged chunk, or NULL when they stay apart. */
static clChunk *tryMerge(chunklist *l, clChunk *a, clChunk *b) {
    if (!a || !b) return NULL;
    if ((uint64_t)a->count + b->count > maxCountOf(l) ||
        (size_t)(a->end - a->start) + (b->end - b->start) > maxDataOf(l))
        return NULL;
    itemVec iv;
    itemVecInit(&iv, a, b, 0);
    collectItems(a, &iv);
    collectItems(b, &iv);
    clChunk *m = replaceRun(l, a, b, iv.v, iv.n, NULL);
    itemVecFree(&iv);
    return m;
}

/* ---- list ---- */

chunklist *clCreate(int fill) {
    chunklist *l = tcalloc(sizeof(*l));
    if (fill < -5) fill = -5;
    if (fill > FILL_MAX) fill = FILL_MAX;
    l->fill = fill;
    return l;
}

size_t clChunkDataLimit(const chunklist *l) {
    return maxDataOf(l);
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
            n->cps = tmalloc(clCpsCapFor(stored) * sizeof(uint16_t));
            for (uint32_t g = 0; g < stored; g++)
                n->cps[g] = (uint16_t)(c->cps[g] - c->start);
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

/* Appends 'it' at the tail of chunk 'c' if its limits allow.  Returns
 * false (and changes nothing) when they do not. */
static bool chunkAppendItem(chunklist *l, clChunk *c, const item *it) {
    enc e;
    clEncodeForTail(c, &e, it);
    uint32_t n = encSize(&e);
    if (!chunkAllows(l, c, n)) return false;
    c = chunkRoom(l, c, CL_TAIL, n);
    chunkPushTail(c, &e);
    return true;
}

static void pushItem(chunklist *l, int where, const item *it) {
    clChunk *c = where == CL_HEAD ? l->head : l->tail;
    l->count++;
    if (where == CL_TAIL) {
        if (c && chunkAppendItem(l, c, it)) return;
        buildChunks(l, c, it, 1);
        return;
    }
    enc e;
    clEncodeItem(&e, it);
    uint32_t n = encSize(&e);
    if (c && chunkAllows(l, c, n)) {
        c = chunkRoom(l, c, CL_HEAD, n);
    } else {
        c = chunkNew(n, CL_HEAD);
        linkAfter(l, NULL, c);
    }
    chunkPushHead(c, &e);
}

void clPush(chunklist *l, int where, const void *s, size_t len) {
    item it;
    clItemFromBytes(&it, s, len);
    pushItem(l, where, &it);
}

void clPushEntry(chunklist *l, int where, const clEntry *ent) {
    item it = {ent->str, ent->len, ent->val};
    pushItem(l, where, &it);
}

bool clPeek(const chunklist *l, int where, clEntry *e) {
    const clChunk *c = where == CL_HEAD ? l->head : l->tail;
    if (!c) return false;
    if (where == CL_HEAD)
        entryDecode(c->data + c->start, e);
    else
        decodeAt(c, c->last, groupStart(c, c->groups - 1u), e);
    return true;
}

void clPopDiscard(chunklist *l, int where) {
    clChunk *c = where == CL_HEAD ? l->head : l->tail;
    if (where == CL_HEAD)
        c = chunkPopHead(l, c);
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
    decodeAt(c, clOffsetOf(c, j), groupStart(c, groupOf(c, j)), e);
    return true;
}

void clInsertAt(chunklist *l, size_t idx, const void *s, size_t len) {
    item it;
    clItemFromBytes(&it, s, len);
    if (idx == 0 || idx == l->count) {
        pushItem(l, idx == 0 ? CL_HEAD : CL_TAIL, &it);
        return;
    }
    uint32_t j;
    clChunk *c = findChunk(l, idx, &j);
    l->count++;
    if (j == 0 && c->prev && chunkAppendItem(l, c->prev, &it)) return;
    itemVec iv;
    itemVecInit(&iv, c, NULL, 1);
    collectItems(c, &iv);
    memmove(iv.v + j + 1, iv.v + j, (iv.n - j) * sizeof(item));
    iv.v[j] = it;
    iv.n++;
    replaceRun(l, c, c, iv.v, iv.n, NULL);
    itemVecFree(&iv);
}

void clReplaceAt(chunklist *l, size_t idx, const void *s, size_t len) {
    uint32_t j;
    clChunk *c = findChunk(l, idx, &j);
    itemVec iv;
    itemVecInit(&iv, c, NULL, 0);
    collectItems(c, &iv);
    clItemFromBytes(&iv.v[j], s, len);
    replaceRun(l, c, c, iv.v, iv.n, NULL);
    itemVecFree(&iv);
}

void clDeleteRange(chunklist *l, size_t start, size_t n) {
    if (n == 0) return;
    bool inner = start > 0 && start + n < l->count;
    uint32_t j;
    clChunk *c = findChunk(l, start, &j);
    while (n) {
        if (j == c->count) {
            /* This chunk's part of the range is gone: go on in the next. */
            c = c->next;
            j = 0;
        }
        uint32_t take = n < c->count - j ? (uint32_t)n : c->count - j;
        if (take == c->count) {
            clChunk *next = c->next;
            unlinkFree(l, c);
            c = next;
            j = 0;
        } else if (j == 0 && take <= 2 * K) {
            /* A few at the front: pop them (O(1) each). */
            c = chunkPopHead(l, c);
            take = 1;
        } else if (j + take == c->count && take <= 2 * K) {
            chunkPopTail(c);
            take = 1;
        } else {
            itemVec iv;
            itemVecInit(&iv, c, NULL, 0);
            collectItems(c, &iv);
            memmove(iv.v + j, iv.v + j + take, (iv.n - j - take) * sizeof(item));
            iv.n -= take;
            clChunk *lastNew;
            replaceRun(l, c, c, iv.v, iv.n, &lastNew);
            itemVecFree(&iv);
            /* The range goes on (if at all) at the start of the next chunk. */
            c = lastNew->next;
            j = 0;
        }
        l->count -= take;
        n -= take;
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

static size_t chunkCountMatches(const clChunk *c, const clNeedle *needle) {
    size_t m = 0;
    uint32_t off = c->start, head = c->start;
    for (uint32_t i = 0; i < c->count; i++) {
        if (isGroupFirst(c, i)) head = off;
        clEntry e;
        off += decodeAt(c, off, head, &e);
        if (clMatches(&e, needle)) m++;
    }
    return m;
}

/* Rebuilds 'c' without its values equal to 'needle': skips the first
 * 'skip' matches, then drops at most 'want'.  Returns how many it dropped;
 * '*first'/'*lastNew' get the chunks that replaced 'c' (NULL if none). */
static size_t chunkFilter(chunklist *l, clChunk *c, const clNeedle *needle, size_t skip,
                          size_t want, clChunk **first, clChunk **lastNew) {
    itemVec iv;
    itemVecInit(&iv, c, NULL, 0);
    collectItems(c, &iv);
    size_t removed = 0, seen = 0, w = 0;
    for (size_t r = 0; r < iv.n; r++) {
        const item *it = &iv.v[r];
        clEntry e;
        e.str = it->str;
        e.len = it->len;
        e.val = it->val;
        if (removed < want && clMatches(&e, needle) && seen++ >= skip)
            removed++;
        else
            iv.v[w++] = *it;
    }
    iv.n = w;
    *first = replaceRun(l, c, c, iv.v, iv.n, lastNew);
    itemVecFree(&iv);
    return removed;
}

size_t clRemoveEqual(chunklist *l, const clNeedle *needle, int from, size_t limit) {
    size_t removed = 0;
    clChunk *c = from == CL_HEAD ? l->head : l->tail;
    while (c && (limit == 0 || removed < limit)) {
        clChunk *next = from == CL_HEAD ? c->next : c->prev;
        size_t want = limit ? limit - removed : SIZE_MAX, skip = 0;
        size_t m = chunkCountMatches(c, needle);
        if (m == 0) {
            c = next;
            continue;
        }
        /* From the tail only the last 'want' matches of this chunk go. */
        if (from == CL_TAIL && m > want) skip = m - want;
        clChunk *first, *lastNew;
        size_t r = chunkFilter(l, c, needle, skip, want, &first, &lastNew);
        removed += r;
        l->count -= r;
        /* Merge with the neighbour already visited, so 'next' stays valid. */
        if (first && from == CL_HEAD)
            tryMerge(l, first->prev, first);
        else if (lastNew && from == CL_TAIL)
            tryMerge(l, lastNew, lastNew->next);
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
    it->head = 0;
    if (idx >= l->count) return;
    uint32_t j;
    it->c = findChunk(l, idx, &j);
    it->idx = j;
    if (dir == CL_HEAD) {
        it->off = clOffsetOf(it->c, j);
        it->head = groupStart(it->c, groupOf(it->c, j));
    }
}

bool clIterNext(clIter *it, clEntry *e) {
    const clChunk *c = it->c;
    if (!c) return false;
    if (it->dir == CL_HEAD) {
        if (isGroupFirst(c, it->idx)) it->head = it->off;
        it->off += decodeAt(c, it->off, it->head, e);
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
    decodeAt(c, it->goff[j - it->gfirst], it->goff[0], e);
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
    item it;
    clItemFromBytes(&it, s, len);
    return fullSize(&it);
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
    if (c->count > maxCountOf(l)) return false;
    if (c->count > 1 && c->end - c->start > maxDataOf(l)) return false;
    size_t n;
    if (!clBytesValid(c->data + c->start, c->end - c->start, &n) || n != c->count) return false;
    if (c->h < 1 || c->h > K || (c->groups == 1 && c->h != c->count)) return false;
    if (c->groups != 1 + (c->count - c->h + K - 1) / K) return false;
    if (c->groups > 1 && (!c->cps || c->cap > CP_MAX + 1u)) return false;
    uint32_t off = c->start, g = 1, head = c->start;
    for (uint32_t i = 0; i < c->count; i++) {
        const unsigned char *p = c->data + off;
        if (i >= c->h && (i - c->h) % K == 0) {
            if (c->cps[g - 1] != off) return false;
            g++;
        }
        if (isGroupFirst(c, i)) head = off;
        if (isDelta(p)) {
            /* Only inside groups >= 1, never first, against a string at
             * least as long as the shared prefix. */
            if (i < c->h || isGroupFirst(c, i)) return false;
            clEntry h;
            entryDecode(c->data + head, &h);
            uint32_t pl = (uint32_t)(p[0] & 3u) << 3 | (uint32_t)(p[1] >> 5);
            if (!h.str || h.len < pl) return false;
        }
        if (i == c->count - 1 && c->last != off) return false;
        off += entrySize(p);
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
