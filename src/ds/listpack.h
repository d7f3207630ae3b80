/* SPDX-License-Identifier: BSD-3-Clause
 *
 * listpack: a sequence of entries (byte strings or integers) packed into
 * one contiguous allocation, for small hashes, sorted sets and lists.
 *
 *   +--------------+--------------+---------+---------+-----+---------+
 *   | body: varint | count: varint| entry 0 | entry 1 | ... | entry N |
 *   +--------------+--------------+---------+---------+-----+---------+
 *
 * 'body' is the byte length of the entries, 'count' their number; both are
 * LEB128 varints (one byte each below 128), so a small listpack carries two
 * bytes of header and no terminator.  Each entry is a header byte, maybe a
 * few length/value bytes, then the string bytes:
 *
 *   0xxxxxxx                 integer 0..127                    1 byte
 *   10llllll                 string of 0..63 bytes             1 + len
 *   110xxxxx xxxxxxxx        integer -4096..4095 (13 bits)     2 bytes
 *   1110llll llllllll        string of 64..4095 bytes          2 + len
 *   11110000 + u32           string of any length              5 + len
 *   11110001 + 2/3/4/8 bytes integer int16/int24/int32/int64   3/4/5/9 bytes
 *    ..11110100
 *
 * Strings that are canonical decimal integers ("12", not "012" or "+12")
 * are stored as integers and read back as the same text.  Multi-byte
 * values are little-endian.  There is no per-entry back-length, so an entry
 * costs one byte over its payload (Redis's listpack spends two): stepping
 * backwards is a forward scan (lpPrev, lpLast are O(n)); code that walks
 * backwards a lot takes all entry offsets once with lpEntryOffsets.
 *
 * Pairs (hash field/value, sorted-set member/score) are two consecutive
 * entries; lpFind's 'skip' steps over the second of each pair and the
 * *Pair functions write both with one reallocation.
 *
 * Pointers to entries ('p') are valid until the next change to the
 * listpack; every function that changes it returns the (possibly moved)
 * listpack and, where useful, the entry position in the new one.  Bytes
 * being written must not point into the listpack itself.  A
 * listpack never exceeds LP_MAX_BYTES: callers check lpSafeToAdd first
 * and convert to another encoding when it says no.  Blobs from outside
 * (RDB, RESTORE) must pass lpValidate before any other function sees them.
 *
 * Costs: append O(1) amortised plus the realloc; insert/delete/replace
 * O(n) memmove; find/seek O(n); length and byte size O(1).
 */
#ifndef TERN_DS_LISTPACK_H
#define TERN_DS_LISTPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef unsigned char listpack;

/* Largest listpack lpSafeToAdd allows (1 GiB, as Redis). */
#define LP_MAX_BYTES (1UL << 30)
/* Size of the buffer lpGetStr needs to format an integer entry. */
#define LP_INTBUF_SIZE 21

/* ---- whole listpack ---- */

/* New empty listpack, owned by the caller (free with lpFree). */
listpack *lpNew(void);
/* Frees 'lp' (NULL is fine). */
void lpFree(listpack *lp);
/* Copy of 'lp', owned by the caller. */
listpack *lpDup(const listpack *lp);
/* Total bytes of the blob (header included). */
size_t lpBytes(const listpack *lp);
/* Number of entries. */
size_t lpLength(const listpack *lp);
/* True when 'add' more bytes keep 'lp' within LP_MAX_BYTES. */
bool lpSafeToAdd(const listpack *lp, size_t add);
/* Bytes an entry holding 'len' bytes of 's' takes (integers count their
 * compact size), for callers that estimate growth. */
size_t lpEncodedSize(const void *s, size_t len);

/* ---- navigation ---- */

/* First entry, or NULL when empty. */
unsigned char *lpFirst(listpack *lp);
/* Entry after 'p', or NULL at the end. */
unsigned char *lpNext(listpack *lp, unsigned char *p);
/* Entry before 'p' (NULL for the first).  O(n): a forward scan. */
unsigned char *lpPrev(listpack *lp, unsigned char *p);
/* Last entry, or NULL when empty.  O(n). */
unsigned char *lpLast(listpack *lp);
/* Entry at 'index' (negative counts from the end, -1 last), or NULL when
 * out of range.  O(n). */
unsigned char *lpSeek(listpack *lp, long long index);
/* Writes the offset of every entry from the start of 'lp' into 'out'
 * (room for lpLength entries) and returns the count: one O(n) pass that
 * makes backward or random access O(1) until 'lp' changes. */
size_t lpEntryOffsets(const listpack *lp, uint32_t *out);
/* Index of entry 'p' in 'lp'.  O(n). */
size_t lpIndexOf(listpack *lp, unsigned char *p);

/* ---- reading entries ---- */

/* Reads entry 'p': for a string returns its bytes and stores the length
 * in '*len'; for an integer returns NULL and stores it in '*ival'. */
const unsigned char *lpGet(const unsigned char *p, size_t *len, long long *ival);
/* Reads entry 'p' as bytes; an integer is formatted into 'buf'
 * (LP_INTBUF_SIZE bytes).  Returns the bytes, length in '*len'. */
const unsigned char *lpGetStr(const unsigned char *p, size_t *len, unsigned char *buf);
/* True when entry 'p' holds exactly the bytes 's'/'len'. */
bool lpEntryEquals(const unsigned char *p, const void *s, size_t len);
/* Bytes entry 'p' occupies in the blob. */
size_t lpEntrySize(const unsigned char *p);

/* Finds, from entry 'p' on, the first entry equal to 's'/'len', comparing
 * one entry then stepping over 'skip' (1 to look only at hash fields).
 * Returns the entry or NULL. */
unsigned char *lpFind(listpack *lp, unsigned char *p, const void *s, size_t len, unsigned skip);

/* ---- writing (each returns the possibly moved listpack) ---- */

/* Appends the string 's'/'len' (stored as an integer when it is one). */
listpack *lpAppend(listpack *lp, const void *s, size_t len);
listpack *lpAppendInt(listpack *lp, long long v);
/* Inserts before the first entry. */
listpack *lpPrepend(listpack *lp, const void *s, size_t len);
/* Inserts 's'/'len' before entry 'p' ('p' NULL appends).  When 'newp' is
 * not NULL it receives the new entry's position. */
listpack *lpInsert(listpack *lp, unsigned char *p, const void *s, size_t len, unsigned char **newp);
listpack *lpInsertInt(listpack *lp, unsigned char *p, long long v, unsigned char **newp);
/* Appends two entries at once (a field and its value). */
listpack *lpAppendPair(listpack *lp, const void *a, size_t alen, const void *b, size_t blen);
/* Inserts two entries before 'p' ('p' NULL appends); '*newp' (optional)
 * receives the first one's position. */
listpack *lpInsertPair(listpack *lp, unsigned char *p, const void *a, size_t alen, const void *b,
                       size_t blen, unsigned char **newp);
/* Replaces entry '*p' by 's'/'len'; '*p' is updated to the new entry. */
listpack *lpReplace(listpack *lp, unsigned char **p, const void *s, size_t len);
listpack *lpReplaceInt(listpack *lp, unsigned char **p, long long v);
/* Deletes entry 'p'; '*next' (optional) receives the entry that followed
 * it, or NULL when it was the last. */
listpack *lpDelete(listpack *lp, unsigned char *p, unsigned char **next);
/* Deletes 'count' entries starting at 'p' (fewer if the end comes first);
 * '*next' (optional) as for lpDelete. */
listpack *lpDeleteRange(listpack *lp, unsigned char *p, size_t count, unsigned char **next);

/* ---- validation ---- */

/* Called for each entry during validation; return false to reject. */
typedef bool lpEntryCheck(const unsigned char *p, void *priv);

/* Checks that the 'size' bytes at 'blob' form a well-formed listpack:
 * header inside the blob, body length matching 'size', every entry
 * decodable and inside the body, entry count matching the header, and
 * 'check' (may be NULL) accepting each entry.  Never reads outside
 * [blob, blob+size).  Only a blob that passed may be used as a listpack. */
bool lpValidate(const unsigned char *blob, size_t size, lpEntryCheck *check, void *priv);

#endif
