/* SPDX-License-Identifier: BSD-3-Clause
 *
 * kvobj construction, encodings and sizes.  See object.h for the layout.
 * This file owns the rule for which encoding a string gets, mirroring what
 * Redis reports: canonical integers of at most 20 chars are "int", strings
 * of at most 44 bytes "embstr", longer ones "raw" (an sbuf of their own).
 */
#include "core/object.h"

#include <stdio.h>
#include <time.h>

#include "ds/alloc.h"
#include "ds/numfmt.h"
#include "ds/sbuf.h"
#include "ds/sbufref.h"
#include "server/server.h"

static const objTypeOps *typeOps[16];

void objRegisterType(int type, const objTypeOps *ops) { typeOps[type] = ops; }

const objTypeOps *objTypeOpsOf(int type) { return typeOps[type]; }

const char *objEncodingName(int enc) {
    switch (enc) {
        case OBJ_ENC_RAW: return "raw";
        case OBJ_ENC_INT: return "int";
        case OBJ_ENC_HASHTABLE: return "hashtable";
        case OBJ_ENC_INTSET: return "intset";
        case OBJ_ENC_SKIPLIST: return "skiplist";
        case OBJ_ENC_EMBSTR: return "embstr";
        case OBJ_ENC_QUICKLIST: return "quicklist";
        case OBJ_ENC_STREAM: return "stream";
        case OBJ_ENC_LISTPACK: return "listpack";
        default: return "unknown";
    }
}

const char *objTypeName(int type) {
    if (type == OBJ_STRING) return "string";
    if (typeOps[type]) return typeOps[type]->name;
    return "unknown";
}

uint32_t lruClock(void) { return (uint32_t)((server.unixtimeMs / 1000) & KV_LRU_MAX); }

unsigned long long kvIdleSeconds(const kvobj *kv) {
    uint32_t now = server.lruclock;
    if (now >= kv->lru) return now - kv->lru;
    return (KV_LRU_MAX - kv->lru) + now;
}

/* Allocates a kvobj with room for a value part of 'vsize' bytes and fills
 * in everything but the value. */
static kvobj *kvAlloc(const char *key, size_t klen, int type, int enc, size_t vsize,
                      long long expire) {
    bool big = klen >= 255;
    size_t hdr = big ? 5 : 1;
    size_t exp = expire >= 0 ? 8 : 0;
    kvobj *kv = tmalloc(offsetof(kvobj, data) + hdr + exp + klen + vsize);
    kv->next = NULL;
    kv->type = (uint32_t)type;
    kv->encoding = (uint32_t)enc;
    kv->lru = server.lruclock;
    kv->flags = (uint8_t)((big ? KV_FLAG_BIGKEY : 0) | (exp ? KV_FLAG_EXPIRE : 0));
    if (big) {
        uint32_t l = (uint32_t)klen;
        kv->data[0] = 0xFF;
        memcpy(kv->data + 1, &l, 4);
    } else {
        kv->data[0] = (unsigned char)klen;
    }
    if (exp) memcpy(kv->data + hdr, &expire, 8);
    memcpy(kv->data + hdr + exp, key, klen);
    return kv;
}

kvobj *kvNewInt(const char *key, size_t klen, long long v, long long expire) {
    kvobj *kv = kvAlloc(key, klen, OBJ_STRING, OBJ_ENC_INT, 8, expire);
    memcpy(kvValuePtr(kv), &v, 8);
    return kv;
}

kvobj *kvNewPtr(const char *key, size_t klen, int type, int enc, void *ptr, long long expire) {
    kvobj *kv = kvAlloc(key, klen, type, enc, sizeof(void *), expire);
    kvSetPtr(kv, ptr);
    return kv;
}

kvobj *kvNewRawString(const char *key, size_t klen, const char *val, size_t vlen,
                      long long expire) {
    return kvNewPtr(key, klen, OBJ_STRING, OBJ_ENC_RAW, sbufNew(val, vlen), expire);
}

kvobj *kvNewString(const char *key, size_t klen, const char *val, size_t vlen, long long expire) {
    long long v;
    if (vlen <= 20 && numStrToLL(val, vlen, &v)) return kvNewInt(key, klen, v, expire);
    return kvNewStringNoInt(key, klen, val, vlen, expire);
}

kvobj *kvNewStringNoInt(const char *key, size_t klen, const char *val, size_t vlen,
                        long long expire) {
    if (vlen <= OBJ_EMBSTR_MAX) {
        kvobj *kv = kvAlloc(key, klen, OBJ_STRING, OBJ_ENC_EMBSTR, 1 + vlen, expire);
        unsigned char *vp = kvValuePtr(kv);
        vp[0] = (unsigned char)vlen;
        memcpy(vp + 1, val, vlen);
        return kv;
    }
    return kvNewRawString(key, klen, val, vlen, expire);
}

/* Size of the value part of 'kv'. */
static size_t kvValueSize(const kvobj *kv) {
    if (kv->encoding == OBJ_ENC_EMBSTR) return 1 + kvValuePtr(kv)[0];
    if (kv->encoding == OBJ_ENC_INT) return 8;
    return sizeof(void *);
}

kvobj *kvWithExpire(kvobj *kv, long long expire) {
    size_t klen = kvKeyLen(kv);
    kvobj *n = kvAlloc(kvKey(kv), klen, kv->type, kv->encoding, kvValueSize(kv), expire);
    memcpy(kvValuePtr(n), kvValuePtr(kv), kvValueSize(kv));
    n->lru = kv->lru;
    tfree(kv);
    return n;
}

kvobj *kvDup(const kvobj *kv, const char *key, size_t klen) {
    kvobj *n = kvAlloc(key, klen, kv->type, kv->encoding, kvValueSize(kv), kvGetExpire(kv));
    if (kv->encoding == OBJ_ENC_EMBSTR || kv->encoding == OBJ_ENC_INT) {
        memcpy(kvValuePtr(n), kvValuePtr(kv), kvValueSize(kv));
    } else if (kv->type == OBJ_STRING) {
        const sbuf *s = kvGetPtr(kv);
        kvSetPtr(n, sbufNew(s->buf, s->len));
    } else {
        kvSetPtr(n, typeOps[kv->type]->dupValue(kvGetPtr(kv), kv->encoding));
    }
    return n;
}

void kvFreeShell(kvobj *kv) { tfree(kv); }

void kvFree(kvobj *kv) {
    if (!kv) return;
    if (kv->encoding != OBJ_ENC_EMBSTR && kv->encoding != OBJ_ENC_INT) {
        if (kv->type == OBJ_STRING)
            sbufRefDisown(kvGetPtr(kv)); /* a reply may still be sending it */
        else
            typeOps[kv->type]->freeValue(kvGetPtr(kv), kv->encoding);
    }
    tfree(kv);
}

size_t kvStringBytes(const kvobj *kv, char *buf, const char **out) {
    switch (kv->encoding) {
        case OBJ_ENC_EMBSTR: {
            const unsigned char *vp = kvValuePtr(kv);
            *out = (const char *)vp + 1;
            return vp[0];
        }
        case OBJ_ENC_INT: {
            size_t l = numLLToStr(buf, 32, kvGetInt(kv));
            *out = buf;
            return l;
        }
        default: {
            const sbuf *s = kvGetPtr(kv);
            *out = s->buf;
            return s->len;
        }
    }
}

sbuf *kvStringForWrite(kvobj *kv) {
    sbuf *s = kvGetPtr(kv);
    if (!sbufRefHeld(s)) return s;
    sbuf *copy = sbufNew(s->buf, s->len);
    kvSetPtr(kv, copy);
    sbufRefDisown(s);
    return copy;
}

size_t kvStringLen(const kvobj *kv) {
    switch (kv->encoding) {
        case OBJ_ENC_EMBSTR: return kvValuePtr(kv)[0];
        case OBJ_ENC_INT: {
            long long v = kvGetInt(kv);
            uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            return numDigits10(u) + (v < 0);
        }
        default: return ((const sbuf *)kvGetPtr(kv))->len;
    }
}

size_t kvMemoryUsage(const kvobj *kv, size_t samples) {
    size_t total = tallocSize(kv) + sizeof(void *); /* plus its bucket slot */
    if (kv->encoding == OBJ_ENC_EMBSTR || kv->encoding == OBJ_ENC_INT) return total;
    if (kv->type == OBJ_STRING) return total + sbufAllocSize(kvGetPtr(kv));
    const objTypeOps *ops = typeOps[kv->type];
    if (ops && ops->valueMemory) total += ops->valueMemory(kvGetPtr(kv), kv->encoding, samples);
    return total;
}
