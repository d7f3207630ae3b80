/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The set value layer shared by the set files of types/ (private to them):
 * the two encodings (see types/set.c), a detached set value 'setVal',
 * members as 'setElem', iteration, and the helpers the commands share.
 * The commands are split by concern, as sorted sets are: single-set
 * commands and SSCAN (setcmds.c), algebra (setops.c), random members
 * (setrandom.c).
 */
#ifndef TERN_TYPES_SET_H
#define TERN_TYPES_SET_H

#include "core/db.h"
#include "core/object.h"
#include "ds/hashtable.h"
#include "ds/numfmt.h"

typedef struct setMember {
    void *next; /* hashtable chain */
    uint32_t len;
    char data[];
} setMember;

/* A set's encoding and structure, detached from any key (the results of
 * SUNION and friends are built as one before they get a key, if ever). */
typedef struct setVal {
    int enc;
    void *ptr;
} setVal;

/* One member as iterators and random picks produce it: an integer from an
 * intset, or bytes from a hashtable. */
typedef struct setElem {
    bool isInt;
    long long v;
    const char *s;
    size_t len;
} setElem;

typedef struct setIter {
    setVal sv;
    uint32_t pos;
    htIterator hi;
} setIter;

/* The hashtable encoding's entry type (one setMember per member). */
extern const htType setMemberType;

static inline setVal setValOf(const kvobj *kv) {
    return (setVal){(int)kv->encoding, kvGetPtr(kv)};
}

static inline void setValStore(kvobj *kv, setVal sv) {
    kv->encoding = (uint32_t)sv.enc;
    kvSetPtr(kv, sv.ptr);
}

static inline setElem elemOfSlice(slice s) {
    return (setElem){false, 0, s.ptr, s.len};
}

static inline setElem elemOfInt(long long v) {
    return (setElem){true, v, NULL, 0};
}

static inline setElem elemOfMember(const setMember *m) {
    return (setElem){false, 0, m->data, m->len};
}

/* Canonical integer text fits an intset; anything else does not. */
static inline bool bytesAsInt(const char *s, size_t len, long long *v) {
    return len <= 20 && numStrToLL(s, len, v);
}

setVal setValNewIntset(void);

/* A missing key is the empty set {0, NULL}: multi-key commands sort and
 * compare missing keys by size like any other. */
size_t setValSize(const setVal *sv);

void setValFree(setVal *sv);

/* Adds 'e' to 'sv'; returns true when it was absent.  Converts the intset
 * to a hashtable for a non-integer or when it grows past the threshold
 * (itself capped at 2^30 entries, as Redis). */
bool setValAdd(setVal *sv, const setElem *e);

bool setValRemove(setVal *sv, const setElem *e);

bool setValContains(const setVal *sv, const setElem *e);

void addReplySetElem(client *c, const setElem *e);

void setIterInit(setIter *it, setVal sv);

bool setIterNext(setIter *it, setElem *e);

void setIterRelease(setIter *it);

/* A random member of the non-empty 'sv' (not removed). */
setElem setValRandom(const setVal *sv);

size_t setLength(const void *ptr, int enc);

/* Deletes 'key' after its set lost its last member. */
void setDeleteEmptied(client *c, slice key);

/* The set of 'kv' into '*sv'; or, when 'kv' is NULL, a new set at 'key'
 * with the encoding a first member 'first' calls for, added to the db.
 * Returns the set's kvobj. */
kvobj *setOrCreate(client *c, kvobj *kv, slice key, slice first, setVal *sv);

/* Stores 'sv' as the value of 'key' (replacing whatever was there, TTL
 * included), or deletes 'key' when 'sv' is empty; replies the size and
 * sends 'event' or "del".  Takes ownership of 'sv'. */
void setStoreResult(client *c, slice key, setVal *sv, const char *event);

#define SET_OP_UNION 0
#define SET_OP_DIFF 1
/* SUNION / SDIFF (op SET_OP_*) of the sets at 'keys' ('n' of them):
 * replied, or stored at '*dst' when 'dst' is not NULL (setops.c).  SPOP
 * and SRANDMEMBER reply a whole set through it. */
void sunionDiffGeneric(client *c, slice *keys, int n, slice *dst, int op);

#endif
