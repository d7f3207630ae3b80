/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Allocation wrapper: counts usable bytes and aborts on exhaustion.  See
 * alloc.h for the contract.
 */
#include "ds/alloc.h"

#include <malloc.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_PAGE (2u << 20)

static _Atomic size_t usedMemory;

static void outOfMemory(size_t size) {
    char msg[128];
    int n = snprintf(msg, sizeof(msg), "tern: out of memory allocating %zu bytes\n", size);
    if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0) { /* nothing left to do */
    }
    abort();
}

void *ttrymalloc(size_t size) {
    void *p = malloc(size ? size : 1);
    if (p) atomic_fetch_add_explicit(&usedMemory, malloc_usable_size(p), memory_order_relaxed);
    return p;
}

void *tmalloc(size_t size) {
    void *p = ttrymalloc(size);
    if (!p) outOfMemory(size);
    return p;
}

void *tcalloc(size_t size) {
    void *p = calloc(1, size ? size : 1);
    if (!p) outOfMemory(size);
    atomic_fetch_add_explicit(&usedMemory, malloc_usable_size(p), memory_order_relaxed);
    return p;
}

void *ttryrealloc(void *ptr, size_t size) {
    if (!ptr) return ttrymalloc(size);
    size_t old = malloc_usable_size(ptr);
    void *p = realloc(ptr, size ? size : 1);
    if (!p) return NULL;
    size_t now = malloc_usable_size(p);
    if (now >= old)
        atomic_fetch_add_explicit(&usedMemory, now - old, memory_order_relaxed);
    else
        atomic_fetch_sub_explicit(&usedMemory, old - now, memory_order_relaxed);
    return p;
}

void *trealloc(void *ptr, size_t size) {
    void *p = ttryrealloc(ptr, size);
    if (!p) outOfMemory(size);
    return p;
}

void tfree(void *ptr) {
    if (!ptr) return;
    atomic_fetch_sub_explicit(&usedMemory, malloc_usable_size(ptr), memory_order_relaxed);
    free(ptr);
}

char *tmemdup(const void *p, size_t len) {
    char *d = tmalloc(len + 1);
    if (len) memcpy(d, p, len);
    d[len] = '\0';
    return d;
}

char *tstrdup(const char *s) { return tmemdup(s, strlen(s)); }

size_t tallocSize(const void *ptr) { return ptr ? malloc_usable_size((void *)ptr) : 0; }

size_t tallocUsedMemory(void) { return atomic_load_explicit(&usedMemory, memory_order_relaxed); }

const char *tallocName(void) {
#ifdef USE_JEMALLOC
    return "jemalloc-5.3.0";
#else
    return "libc";
#endif
}

void tallocAdviseHuge(void *ptr, size_t size) {
#ifdef MADV_HUGEPAGE
    if (!ptr || size < TALLOC_HUGE_ADVICE_MIN) return;
    uintptr_t from = ((uintptr_t)ptr + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t to = ((uintptr_t)ptr + size) & ~(uintptr_t)(HUGE_PAGE - 1);
    if (to > from) madvise((void *)from, to - from, MADV_HUGEPAGE);
#else
    (void)ptr;
    (void)size;
#endif
}

void tfreeReturningPages(void *ptr) {
    size_t size = tallocSize(ptr);
    if (size >= (1u << 20)) {
        long page = sysconf(_SC_PAGESIZE);
        uintptr_t mask = (uintptr_t)(page > 0 ? page : 4096) - 1;
        uintptr_t from = ((uintptr_t)ptr + mask) & ~mask;
        uintptr_t to = ((uintptr_t)ptr + size) & ~mask;
        /* Freed memory holds nothing anyone reads: zero pages are fine. */
        if (to > from) madvise((void *)from, to - from, MADV_DONTNEED);
    }
    tfree(ptr);
}
