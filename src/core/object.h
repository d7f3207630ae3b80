/* SPDX-License-Identifier: BSD-3-Clause
 *
 * kvobj: one key together with its value, in a single allocation that the
 * keyspace hashtable links directly (no separate node, no separate key or
 * value object for small strings).
 *
 *   +------+---------------------+-------+--------+----------+---------+-----------+
 *   | next | type:4 enc:4 lru:24 | flags | keylen | [expire] | key ... | value ... |
 *   +------+---------------------+-------+--------+----------+---------+-----------+
 *     8 B          4 B              1 B    1 or 5B   8 B opt.
 *
 * keylen is one byte below 255, else 0xFF followed by a 4-byte length.  The
 * value part depends on the encoding:
 *   OBJ_ENC_EMBSTR  1-byte length + bytes (strings of at most 44 bytes)
 *   OBJ_ENC_INT     int64 (strings that are canonical integers)
 *   everything else a pointer to the value's own structure (sbuf for RAW)
 *
 * A 16-byte key with a 32-byte value takes 63 bytes, i.e. one 64-byte
 * allocator slot, against ~120 bytes across four allocations in Redis.
 * Changing the expire flag or a string's size re-allocates the kvobj; the
 * caller then swaps it into the keyspace (dbReplace, core/db.h).  Collection values
 * are changed in place through kvSetPtr, which never moves the kvobj.
 *
 * Type and encoding numbers are Redis's (they appear in RDB and DEBUG).
 */
#ifndef TERN_CORE_OBJECT_H
#define TERN_CORE_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define OBJ_STRING 0
#define OBJ_LIST 1
#define OBJ_SET 2
#define OBJ_ZSET 3
#define OBJ_HASH 4
#define OBJ_STREAM 6

#define OBJ_ENC_RAW 0
#define OBJ_ENC_INT 1
#define OBJ_ENC_HASHTABLE 2
#define OBJ_ENC_INTSET 6
#define OBJ_ENC_SKIPLIST 7
#define OBJ_ENC_EMBSTR 8
#define OBJ_ENC_QUICKLIST 9
#define OBJ_ENC_STREAM 10
#define OBJ_ENC_LISTPACK 11

/* Strings up to this length are embedded (reported as "embstr"). */
#define OBJ_EMBSTR_MAX 44
/* Largest string value (proto-max-bulk-len default); SETRANGE/APPEND check it. */
#define OBJ_STRING_MAX (512LL * 1024 * 1024)

#define KV_FLAG_EXPIRE 1
#define KV_FLAG_BIGKEY 2

typedef struct kvobj {
    struct kvobj *next; /* keyspace hashtable chain */
    uint32_t type : 4;
    uint32_t encoding : 4;
    uint32_t lru : 24; /* LRU clock (seconds) or LFU data */
    uint8_t flags;
    unsigned char data[];
} kvobj;

/* Operations a non-string type provides so generic code (DEL, FLUSHALL,
 * COPY, MEMORY USAGE, DEBUG DIGEST) can handle its values.  Each type file
 * registers one with objRegisterType. */
typedef struct objTypeOps {
    const char *name; /* TYPE reply: "list", "hash", ... */
    void (*freeValue)(void *ptr, int encoding);
    void *(*dupValue)(const void *ptr, int encoding);
    size_t (*valueMemory)(const void *ptr, int encoding, size_t samples);
    /* Number of elements (for lazy-free decisions). */
    size_t (*length)(const void *ptr, int encoding);
    /* Feeds the value's contents to 'mix' for DEBUG DIGEST. */
    void (*digest)(const void *ptr, int encoding, void (*mix)(void *state, const void *p, size_t len), void *state);
} objTypeOps;

/* Registers 'ops' for 'type'.  Called once per type at startup. */
void objRegisterType(int type, const objTypeOps *ops);
const objTypeOps *objTypeOpsOf(int type);

/* Name of an encoding as OBJECT ENCODING prints it. */
const char *objEncodingName(int encoding);
/* Name of a type as TYPE prints it. */
const char *objTypeName(int type);

/* ---- construction ---- */

/* New string kvobj for key 'key'/'klen' holding 'val'/'vlen', picking the
 * encoding as SET does (int, embstr or raw).  'expire' is an absolute
 * unix time in ms, or -1.  Caller owns the result. */
kvobj *kvNewString(const char *key, size_t klen, const char *val, size_t vlen, long long expire);
/* Embstr or raw by length, never int: INCRBYFLOAT stores "3" as embstr in
 * Redis, so OBJECT ENCODING must not say int there. */
kvobj *kvNewStringNoInt(const char *key, size_t klen, const char *val, size_t vlen,
                        long long expire);
/* Always raw (APPEND/SETRANGE results are raw in Redis). */
kvobj *kvNewRawString(const char *key, size_t klen, const char *val, size_t vlen, long long expire);
/* New int-encoded string. */
kvobj *kvNewInt(const char *key, size_t klen, long long v, long long expire);
/* New kvobj taking ownership of 'ptr' (an sbuf for RAW strings, or a
 * collection) with the given type and encoding. */
kvobj *kvNewPtr(const char *key, size_t klen, int type, int encoding, void *ptr, long long expire);
/* Copy of 'kv' with its value copied too, under a new key. */
kvobj *kvDup(const kvobj *kv, const char *key, size_t klen);
/* Copy of 'kv' with a different expire ('expire' -1 removes it); the value
 * moves to the copy and 'kv' is freed (shallowly).  Returns the new kvobj. */
kvobj *kvWithExpire(kvobj *kv, long long expire);
/* Frees the kvobj and its value. */
void kvFree(kvobj *kv);
/* Frees only the kvobj shell, not a pointer value (used after the value was
 * handed elsewhere). */
void kvFreeShell(kvobj *kv);

/* ---- access ---- */

static inline size_t kvHeaderLen(const kvobj *kv) {
    return (kv->flags & KV_FLAG_BIGKEY) ? 5 : 1;
}

static inline size_t kvKeyLen(const kvobj *kv) {
    if (kv->flags & KV_FLAG_BIGKEY) {
        uint32_t l;
        memcpy(&l, kv->data + 1, 4);
        return l;
    }
    return kv->data[0];
}

static inline unsigned char *kvExpirePtr(const kvobj *kv) {
    return (unsigned char *)kv->data + kvHeaderLen(kv);
}

static inline const char *kvKey(const kvobj *kv) {
    return (const char *)kvExpirePtr(kv) + ((kv->flags & KV_FLAG_EXPIRE) ? 8 : 0);
}

static inline unsigned char *kvValuePtr(const kvobj *kv) {
    return (unsigned char *)kvKey(kv) + kvKeyLen(kv);
}

static inline long long kvGetExpire(const kvobj *kv) {
    if (!(kv->flags & KV_FLAG_EXPIRE)) return -1;
    long long e;
    memcpy(&e, kvExpirePtr(kv), 8);
    return e;
}

/* Overwrites an existing expire in place (the kvobj must have one). */
static inline void kvUpdateExpire(kvobj *kv, long long when) { memcpy(kvExpirePtr(kv), &when, 8); }

/* Value pointer of a non-embedded encoding. */
static inline void *kvGetPtr(const kvobj *kv) {
    void *p;
    memcpy(&p, kvValuePtr(kv), sizeof(p));
    return p;
}

/* Replaces the value pointer in place (the kvobj does not move). */
static inline void kvSetPtr(kvobj *kv, void *p) { memcpy(kvValuePtr(kv), &p, sizeof(p)); }

static inline long long kvGetInt(const kvobj *kv) {
    long long v;
    memcpy(&v, kvValuePtr(kv), 8);
    return v;
}

/* Bytes of a string value: stores a pointer to them in '*out' (for INT it
 * formats into 'buf', which must hold 32 bytes) and returns the length. */
size_t kvStringBytes(const kvobj *kv, char *buf, const char **out);
/* The sbuf of the raw string 'kv', ready to be changed in place: when
 * replies are still sending it (ds/sbufref.h) the value is copied first
 * and 'kv' points at the copy.  Every in-place edit of a raw string value
 * goes through this (APPEND, SETRANGE, bit writes, HyperLogLog). */
struct sbuf *kvStringForWrite(kvobj *kv);
/* Length of a string value without formatting (INT computes digits). */
size_t kvStringLen(const kvobj *kv);

/* Approximate bytes used by 'kv' and its value (MEMORY USAGE). */
size_t kvMemoryUsage(const kvobj *kv, size_t samples);

/* ---- LRU clock (24 bits of seconds) ---- */
#define KV_LRU_MAX ((1u << 24) - 1)
uint32_t lruClock(void);
/* Seconds since 'kv' was last touched. */
unsigned long long kvIdleSeconds(const kvobj *kv);

#endif
