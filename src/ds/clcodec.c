/* SPDX-License-Identifier: BSD-3-Clause
 *
 * chunklist entries: encoding values into entries (integers in 1..9
 * bytes, strings with a 1..5-byte header), validating untrusted entry
 * bytes, the checkpoint groups of a chunk, and prefix coding against a
 * group's first entry.  The layouts are in ds/chunklist.h and
 * ds/chunklist.c; the list operations that use these are in chunklist.c.
 */
#include "ds/clchunk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds/alloc.h"
#include "ds/numfmt.h"

/* ---- entry encoding ---- */

static inline void wr32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
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
void clEncodeRawStr(enc *e, const void *s, size_t len) {
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
            if (left < 2) return false;
            need = 2 + (size_t)(p[off + 1] & 31u);
        }
        if (need > left) return false;
        off += need;
        n++;
    }
    *count = n;
    return true;
}

/* ---- chunk groups ---- */

/* Offset of entry 'i' (< count): its group's start plus a short walk. */
uint32_t clOffsetOf(const clChunk *c, uint32_t i) {
    uint32_t g = groupOf(c, i);
    uint32_t off = groupStart(c, g);
    for (uint32_t k = groupFirst(c, g); k < i; k++)
        off += entrySize(c->data + off);
    return off;
}

/* Capacity of the checkpoint array for 'n' stored offsets: powers of two,
 * so adding one group reallocates only at the boundaries. */
uint32_t clCpsCapFor(uint32_t n) {
    if (n == 0) return 0;
    uint32_t cap = 4;
    while (cap < n)
        cap <<= 1;
    return cap;
}

void clCpsResize(clChunk *c, uint32_t oldN, uint32_t newN) {
    uint32_t oc = clCpsCapFor(oldN), nc = clCpsCapFor(newN);
    if (oc == nc) return;
    if (nc == 0) {
        tfree(c->cps);
        c->cps = NULL;
        return;
    }
    c->cps = trealloc(c->cps, nc * sizeof(uint16_t));
}

void clPanicCheckpoint(uint32_t off) {
    fprintf(stderr, "chunklist: checkpoint offset %u beyond 64 KiB\n", off);
    abort();
}

/* ---- prefix coding ---- */

/* Encodes the string 'it' relative to the full entry at 'headEntry' when
 * that is shorter than storing it whole.  Returns true when it did. */
bool clEncodeDelta(enc *e, const unsigned char *headEntry, const item *it) {
    clEntry h;
    entryDecode(headEntry, &h);
    if (!h.str || !it->str) return false;
    size_t max = h.len < it->len ? h.len : it->len;
    if (max > DELTA_MAX_PREFIX) max = DELTA_MAX_PREFIX;
    size_t pl = 0;
    while (pl < max && h.str[pl] == it->str[pl])
        pl++;
    /* Two header bytes against one: worth it from a 2-byte prefix on. */
    if (pl < 2 || it->len - pl > DELTA_MAX_SUFFIX) return false;
    e->hdr[0] = (unsigned char)(0xFC | (pl >> 3));
    e->hdr[1] = (unsigned char)((pl & 7) << 5 | (it->len - pl));
    e->hlen = 2;
    e->payload = it->str + pl;
    e->plen = it->len - pl;
    return true;
}

void clItemFromBytes(item *it, const void *s, size_t len) {
    long long v;
    if (len && len <= 20 && numStrToLL(s, len, &v)) {
        it->str = NULL;
        it->val = v;
    } else {
        it->str = s;
        it->len = len;
    }
}

/* The full (stand-alone) encoding of 'it'. */
void clEncodeItem(enc *e, const item *it) {
    if (it->str)
        clEncodeRawStr(e, it->str, it->len);
    else
        encodeInt(e, it->val);
}

/* The encoding of 'it' as the next entry at the tail of 'c': prefix-coded
 * inside a group >= 1 when that is shorter, full otherwise. */
void clEncodeForTail(const clChunk *c, enc *e, const item *it) {
    if (c->groups >= 2 && (c->count - c->h) % K != 0 &&
        clEncodeDelta(e, c->data + c->cps[c->groups - 2], it))
        return;
    clEncodeItem(e, it);
}
