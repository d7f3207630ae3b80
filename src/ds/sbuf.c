/* SPDX-License-Identifier: BSD-3-Clause
 *
 * sbuf implementation: see sbuf.h for layout and growth policy.
 */
#include "ds/sbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ds/alloc.h"

#define SBUF_GROW_LINEAR (1024 * 1024)

/* Records the capacity the allocator really gave 's', asked for 'want'
 * data bytes; a big buffer is advised onto huge pages before its bytes
 * are first touched (up to what was asked: the allocator's rounding past
 * it may never be written, and a huge page there would cost 2 MB). */
static void setCap(sbuf *s, size_t want) {
    s->cap = tallocSize(s) - sizeof(sbuf) - 1;
    tallocAdviseHuge(s, sizeof(sbuf) + want + 1);
}

static size_t growTarget(size_t need) {
    if (need < SBUF_GROW_LINEAR) return need * 2 < 16 ? 16 : need * 2;
    /* A quarter more (at least 1 MiB): still geometric, so each byte is
     * copied a bounded number of times however big the buffer gets (a
     * fixed step would make APPEND in a loop quadratic), while what is
     * reserved and unused stays under a fifth. */
    size_t step = need / 4 > SBUF_GROW_LINEAR ? need / 4 : SBUF_GROW_LINEAR;
    return need + step;
}

sbuf *sbufNewCap(size_t cap) {
    sbuf *s = tmalloc(sizeof(sbuf) + cap + 1);
    s->len = 0;
    setCap(s, cap);
    s->buf[0] = '\0';
    return s;
}

sbuf *sbufNew(const void *p, size_t len) {
    sbuf *s = tmalloc(sizeof(sbuf) + len + 1);
    s->len = len;
    setCap(s, len);
    if (p)
        memcpy(s->buf, p, len);
    else
        memset(s->buf, 0, len);
    s->buf[len] = '\0';
    return s;
}

sbuf *sbufTryNewZero(size_t len) {
    if (len > SIZE_MAX - sizeof(sbuf) - 1) return NULL;
    sbuf *s = ttrymalloc(sizeof(sbuf) + len + 1);
    if (!s) return NULL;
    s->len = len;
    setCap(s, len);
    memset(s->buf, 0, len + 1);
    return s;
}

sbuf *sbufTryNewCap(size_t cap) {
    if (cap > SIZE_MAX - sizeof(sbuf) - 1) return NULL;
    sbuf *s = ttrymalloc(sizeof(sbuf) + cap + 1);
    if (!s) return NULL;
    s->len = 0;
    setCap(s, cap);
    s->buf[0] = '\0';
    return s;
}

/* Moves 's' to an allocation with room for 'cap' bytes, or returns NULL
 * (leaving 's' as it was).  Past 1 MiB the new buffer is fresh memory
 * (advised onto huge pages when big, before the bytes are copied in: a
 * realloc would copy into 4 KB pages first), and the old one's pages go
 * back to the kernel: left in the allocator's cache, the generations a
 * growing buffer leaves behind would stay resident next to it. */
static sbuf *regrow(sbuf *s, size_t cap) {
    size_t size = sizeof(sbuf) + cap + 1;
    if (size < SBUF_GROW_LINEAR) {
        sbuf *n = ttryrealloc(s, size);
        if (n) setCap(n, cap);
        return n;
    }
    sbuf *n = ttrymalloc(size);
    if (!n) return NULL;
    setCap(n, cap);
    n->len = s->len;
    memcpy(n->buf, s->buf, s->len + 1);
    tfreeReturningPages(s);
    return n;
}

sbuf *sbufTryMakeRoom(sbuf *s, size_t extra) {
    if (s->cap - s->len >= extra) return s;
    if (extra > SIZE_MAX / 4 - s->len) return NULL;
    return regrow(s, growTarget(s->len + extra));
}

sbuf *sbufMakeRoom(sbuf *s, size_t extra) {
    if (s->cap - s->len >= extra) return s;
    size_t cap = growTarget(s->len + extra);
    sbuf *n = regrow(s, cap);
    if (!n) {
        /* Out of memory: trealloc aborts with the usual message. */
        n = trealloc(s, sizeof(sbuf) + cap + 1);
        setCap(n, cap);
    }
    return n;
}

sbuf *sbufCat(sbuf *s, const void *p, size_t len) {
    s = sbufMakeRoom(s, len);
    memcpy(s->buf + s->len, p, len);
    s->len += len;
    s->buf[s->len] = '\0';
    return s;
}

sbuf *sbufCatStr(sbuf *s, const char *str) { return sbufCat(s, str, strlen(str)); }

sbuf *sbufCatVPrintf(sbuf *s, const char *fmt, va_list ap) {
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(s->buf + s->len, s->cap - s->len + 1, fmt, cp);
    va_end(cp);
    if (n < 0) return s;
    if ((size_t)n > s->cap - s->len) {
        s = sbufMakeRoom(s, (size_t)n);
        vsnprintf(s->buf + s->len, s->cap - s->len + 1, fmt, ap);
    }
    s->len += (size_t)n;
    return s;
}

sbuf *sbufCatPrintf(sbuf *s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    s = sbufCatVPrintf(s, fmt, ap);
    va_end(ap);
    return s;
}

sbuf *sbufTryGrowZero(sbuf *s, size_t len) {
    if (len <= s->len) return s;
    size_t old = s->len;
    sbuf *n = sbufTryMakeRoom(s, len - old);
    if (!n) return NULL;
    memset(n->buf + old, 0, len - old + 1);
    n->len = len;
    return n;
}

void sbufConsume(sbuf *s, size_t n) {
    if (n >= s->len) {
        s->len = 0;
    } else {
        memmove(s->buf, s->buf + n, s->len - n);
        s->len -= n;
    }
    s->buf[s->len] = '\0';
}

void sbufSetLen(sbuf *s, size_t len) {
    s->len = len;
    s->buf[len] = '\0';
}

sbuf *sbufShrink(sbuf *s) {
    if (s->cap - s->len <= s->len / 10) return s;
    s = trealloc(s, sizeof(sbuf) + s->len + 1);
    setCap(s, s->len);
    return s;
}

void sbufFree(sbuf *s) { tfree(s); }

size_t sbufAllocSize(const sbuf *s) { return tallocSize(s); }

sbuf *sbufCatHumanBytes(sbuf *s, unsigned long long n) {
    static const char units[] = "KMGTP";
    if (n < 1024) return sbufCatPrintf(s, "%lluB", n);
    double d = (double)n / 1024;
    int u = 0;
    while (d >= 1024 && u < 4) {
        d /= 1024;
        u++;
    }
    return sbufCatPrintf(s, "%.2f%c", d, units[u]);
}
