/* SPDX-License-Identifier: BSD-3-Clause
 *
 * sbuf: a growable byte buffer with its length and capacity in a small
 * header, always NUL-terminated so it can be handed to strtod and friends.
 *
 *     +--------+--------+---------------------------+----+
 *     | len    | cap    | bytes ...                 | \0 |
 *     +--------+--------+---------------------------+----+
 *
 * Used for raw string values, query buffers and assembled text (INFO).
 * Functions that may grow the buffer return the (possibly moved) pointer;
 * the caller must reassign it.  Growth doubles up to 1 MiB, then adds a
 * quarter (at least 1 MiB), so appends are amortised O(1) while a huge
 * string reserves at most a fifth more than it holds.
 */
#ifndef TERN_DS_SBUF_H
#define TERN_DS_SBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct sbuf {
    size_t len; /* bytes in use */
    size_t cap; /* bytes available for data, excluding the NUL */
    char buf[];
} sbuf;

/* New buffer holding a copy of 'len' bytes at 'p' ('p' may be NULL for
 * zero-filled).  Aborts on out-of-memory. */
sbuf *sbufNew(const void *p, size_t len);
/* New empty buffer with room for 'cap' bytes. */
sbuf *sbufNewCap(size_t cap);
/* Like sbufNew(NULL, len) but returns NULL instead of aborting, for sizes
 * that come from untrusted input. */
sbuf *sbufTryNewZero(size_t len);
/* New empty buffer with room for 'cap' bytes, or NULL when that cannot be
 * allocated (untrusted sizes); the room is not touched, so it costs no
 * resident memory until written. */
sbuf *sbufTryNewCap(size_t cap);
/* Appends 'len' bytes; returns the possibly moved buffer. */
sbuf *sbufCat(sbuf *s, const void *p, size_t len);
sbuf *sbufCatStr(sbuf *s, const char *str);
sbuf *sbufCatPrintf(sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
sbuf *sbufCatVPrintf(sbuf *s, const char *fmt, va_list ap);
/* Ensures room for 'extra' more bytes after len; returns the buffer. */
sbuf *sbufMakeRoom(sbuf *s, size_t extra);
/* Same, returning NULL (and leaving 's' untouched) when memory runs out. */
sbuf *sbufTryMakeRoom(sbuf *s, size_t extra);
/* Grows to 'len' bytes, zero-filling new space (SETRANGE, SETBIT).  Returns
 * NULL on allocation failure, leaving 's' valid. */
sbuf *sbufTryGrowZero(sbuf *s, size_t len);
/* Drops the first 'n' bytes (consumed query data). */
void sbufConsume(sbuf *s, size_t n);
/* Sets length to 'len' (<= cap) and NUL-terminates. */
void sbufSetLen(sbuf *s, size_t len);
/* Shrinks capacity to the length when it wastes more than 10%. */
sbuf *sbufShrink(sbuf *s);
void sbufFree(sbuf *s);
/* Appends 'n' bytes the way INFO prints sizes ("512B", "1.50K", "2.00M",
 * up to "P"); returns the possibly moved 's'. */
sbuf *sbufCatHumanBytes(sbuf *s, unsigned long long n);
/* Total allocated bytes (for MEMORY USAGE). */
size_t sbufAllocSize(const sbuf *s);

#endif
