/* SPDX-License-Identifier: BSD-3-Clause
 *
 * intset implementation (layout in intset.h).  Values are read and written
 * through width-dispatching helpers; byte-by-byte little-endian access keeps
 * the format independent of the host and of alignment (the 5-byte header
 * leaves values unaligned), and compilers turn it into plain loads on x86.
 */
#include "ds/intset.h"

#include <string.h>

#include "ds/alloc.h"

#define IS_HDR 5

static inline unsigned widthOf(const intset *is) {
    return is[0];
}

static inline uint32_t countOf(const intset *is) {
    return (uint32_t)is[1] | ((uint32_t)is[2] << 8) | ((uint32_t)is[3] << 16) |
           ((uint32_t)is[4] << 24);
}

static inline void setCount(intset *is, uint32_t n) {
    is[1] = (unsigned char)n;
    is[2] = (unsigned char)(n >> 8);
    is[3] = (unsigned char)(n >> 16);
    is[4] = (unsigned char)(n >> 24);
}

static inline int64_t readAt(const unsigned char *p, unsigned w) {
    switch (w) {
        case 1:
            return (int8_t)p[0];
        case 2:
            return (int16_t)(uint16_t)(p[0] | (p[1] << 8));
        case 4: {
            uint32_t u;
            memcpy(&u, p, 4);
            return (int32_t)u;
        }
        default: {
            uint64_t u;
            memcpy(&u, p, 8);
            return (int64_t)u;
        }
    }
}

static inline void writeAt(unsigned char *p, unsigned w, int64_t v) {
    switch (w) {
        case 1:
            p[0] = (unsigned char)v;
            break;
        case 2: {
            uint16_t u = (uint16_t)v;
            memcpy(p, &u, 2);
            break;
        }
        case 4: {
            uint32_t u = (uint32_t)v;
            memcpy(p, &u, 4);
            break;
        }
        default: {
            uint64_t u = (uint64_t)v;
            memcpy(p, &u, 8);
        }
    }
}

/* The memcpy-based 2/4/8-byte paths assume a little-endian host, which is
 * what every supported target is; refuse to build elsewhere rather than
 * write blobs another host would misread. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "intset.c assumes a little-endian host"
#endif

static inline unsigned widthFor(int64_t v) {
    if (v >= INT8_MIN && v <= INT8_MAX) return 1;
    if (v >= INT16_MIN && v <= INT16_MAX) return 2;
    if (v >= INT32_MIN && v <= INT32_MAX) return 4;
    return 8;
}

static inline int64_t get(const intset *is, uint32_t pos) {
    unsigned w = widthOf(is);
    return readAt(is + IS_HDR + (size_t)pos * w, w);
}

intset *intsetNew(void) {
    intset *is = tmalloc(IS_HDR);
    is[0] = 1;
    setCount(is, 0);
    return is;
}

void intsetFree(intset *is) {
    tfree(is);
}

size_t intsetBytes(const intset *is) {
    return IS_HDR + (size_t)widthOf(is) * countOf(is);
}

intset *intsetDup(const intset *is) {
    size_t n = intsetBytes(is);
    intset *d = tmalloc(n);
    memcpy(d, is, n);
    return d;
}

uint32_t intsetLength(const intset *is) {
    return countOf(is);
}

unsigned intsetWidth(const intset *is) {
    return widthOf(is);
}

int64_t intsetGet(const intset *is, uint32_t pos) {
    return get(is, pos);
}

uint32_t intsetLowerBound(const intset *is, int64_t v) {
    uint32_t lo = 0, hi = countOf(is);
    unsigned w = widthOf(is);
    const unsigned char *base = is + IS_HDR;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (readAt(base + (size_t)mid * w, w) < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool intsetFind(const intset *is, int64_t v) {
    if (widthFor(v) > widthOf(is)) return false; /* cannot be stored here */
    uint32_t pos = intsetLowerBound(is, v);
    return pos < countOf(is) && get(is, pos) == v;
}

/* Re-encodes every value at width 'w' (wider than now) and inserts 'v',
 * which needs that width and is therefore below or above all others. */
static intset *upgradeAndAdd(intset *is, int64_t v) {
    unsigned w0 = widthOf(is), w = widthFor(v);
    uint32_t n = countOf(is);
    bool front = v < 0;
    is = trealloc(is, IS_HDR + (size_t)w * (n + 1));
    unsigned char *base = is + IS_HDR;
    /* Back to front, so no value is overwritten before it was read. */
    for (uint32_t j = n; j-- > 0;)
        writeAt(base + (size_t)(j + front) * w, w, readAt(base + (size_t)j * w0, w0));
    writeAt(base + (front ? 0 : (size_t)n * w), w, v);
    is[0] = (unsigned char)w;
    setCount(is, n + 1);
    return is;
}

intset *intsetAdd(intset *is, int64_t v, bool *added) {
    if (widthFor(v) > widthOf(is)) {
        if (added) *added = true;
        return upgradeAndAdd(is, v);
    }
    uint32_t n = countOf(is), pos = intsetLowerBound(is, v);
    if (pos < n && get(is, pos) == v) {
        if (added) *added = false;
        return is;
    }
    unsigned w = widthOf(is);
    is = trealloc(is, IS_HDR + (size_t)w * (n + 1));
    unsigned char *at = is + IS_HDR + (size_t)pos * w;
    memmove(at + w, at, (size_t)(n - pos) * w);
    writeAt(at, w, v);
    setCount(is, n + 1);
    if (added) *added = true;
    return is;
}

intset *intsetRemoveAt(intset *is, uint32_t pos) {
    uint32_t n = countOf(is);
    unsigned w = widthOf(is);
    unsigned char *at = is + IS_HDR + (size_t)pos * w;
    memmove(at, at + w, (size_t)(n - pos - 1) * w);
    setCount(is, n - 1);
    return trealloc(is, IS_HDR + (size_t)w * (n - 1));
}

intset *intsetRemovePositions(intset *is, const uint32_t *pos, size_t n) {
    if (n == 0) return is;
    uint32_t count = countOf(is);
    unsigned w = widthOf(is);
    unsigned char *base = is + IS_HDR;
    size_t k = 0, out = pos[0];
    for (size_t j = pos[0]; j < count; j++) {
        if (k < n && pos[k] == j) {
            k++;
            continue;
        }
        memmove(base + out * w, base + j * w, w);
        out++;
    }
    setCount(is, (uint32_t)out);
    return trealloc(is, IS_HDR + (size_t)w * out);
}

intset *intsetRemove(intset *is, int64_t v, bool *removed) {
    bool found = false;
    if (widthFor(v) <= widthOf(is)) {
        uint32_t pos = intsetLowerBound(is, v);
        if (pos < countOf(is) && get(is, pos) == v) {
            is = intsetRemoveAt(is, pos);
            found = true;
        }
    }
    if (removed) *removed = found;
    return is;
}

bool intsetValidate(const unsigned char *blob, size_t size, bool deep) {
    if (!blob || size < IS_HDR) return false;
    unsigned w = blob[0];
    if (w != 1 && w != 2 && w != 4 && w != 8) return false;
    uint64_t n = countOf(blob);
    if ((uint64_t)(size - IS_HDR) != n * w) return false;
    if (!deep) return true;
    const unsigned char *base = blob + IS_HDR;
    for (uint64_t j = 1; j < n; j++)
        if (readAt(base + (j - 1) * w, w) >= readAt(base + j * w, w)) return false;
    return true;
}
