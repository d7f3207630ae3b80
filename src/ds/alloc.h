/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The one allocation wrapper.  Every heap allocation in Tern goes through
 * these functions so that (1) running out of memory aborts with a clear
 * message instead of crashing later on a NULL, and (2) the bytes in use are
 * counted for INFO memory, MEMORY USAGE and maxmemory.  Sizes that come from
 * untrusted input (a client's announced length) use the try-variants, which
 * return NULL instead of aborting so the caller can reply with an error.
 *
 * The counter holds usable sizes (malloc_usable_size), so it matches what the
 * allocator really hands out.  It is atomic because the lazy-free thread
 * releases memory concurrently with the main thread.
 */
#ifndef TERN_DS_ALLOC_H
#define TERN_DS_ALLOC_H

#include <stddef.h>

/* Allocate 'size' bytes; aborts the process on failure. */
void *tmalloc(size_t size);
/* Allocate 'size' zeroed bytes; aborts on failure. */
void *tcalloc(size_t size);
/* Resize 'ptr' (may be NULL) to 'size' bytes; aborts on failure.  Returns
 * the new pointer; the old one is invalid afterwards. */
void *trealloc(void *ptr, size_t size);
/* Like tmalloc/trealloc but return NULL on failure (untrusted sizes). */
void *ttrymalloc(size_t size);
void *ttryrealloc(void *ptr, size_t size);
/* Release 'ptr' (NULL is fine). */
void tfree(void *ptr);
/* Copy of the NUL-terminated 's' / of 'len' bytes plus a NUL. */
char *tstrdup(const char *s);
char *tmemdup(const void *p, size_t len);
/* Advises the kernel to back the interior of the big allocation 'ptr'
 * ('size' bytes) with huge pages (Linux transparent huge pages in madvise
 * mode); nothing for allocations under 8 MB.  A big value is then faulted
 * in 2 MB at a time instead of 4 KB, which on a virtual machine is most
 * of what receiving it costs.  Purely advice: nothing changes if refused. */
#define TALLOC_HUGE_ADVICE_MIN (8u << 20)
void tallocAdviseHuge(void *ptr, size_t size);
/* Like tfree, but the whole pages inside a big allocation (1 MB or more)
 * go back to the kernel first instead of staying resident in the
 * allocator's cache: for a transient buffer whose memory should not add
 * to the peak RSS of what replaces it (a query buffer a big argument just
 * left). */
void tfreeReturningPages(void *ptr);
/* Usable size of an allocation made by this module. */
size_t tallocSize(const void *ptr);
/* Bytes currently allocated through this module. */
size_t tallocUsedMemory(void);
/* Name of the allocator ("jemalloc-5.3.0" or "libc"). */
const char *tallocName(void);

#endif
