/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Sorted-set values: the two encodings (compact zpack, large zindex) behind
 * one set of operations, the conversions between them, range parsing and
 * the objTypeOps that let DEL, COPY and MEMORY USAGE handle sorted sets.
 * See zset.h for the model; the command handlers live in zsetcmds.c,
 * zsetrange.c and zsetops.c.
 *
 * Costs: compact operations are O(N) scans over at most
 * zset-max-listpack-entries members; large ones are O(log N) (zindex.h),
 * range walks O(log N + M).
 */
#include "types/zset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ds/numfmt.h"
#include "ds/zpack.h"
#include "net/reply.h"

long long zsetMaxListpackEntries = 128;
long long zsetMaxListpackValue = 64;

static const setReader *registeredSetReader;

void zsetRegisterSetReader(const setReader *r) { registeredSetReader = r; }

const setReader *zsetSetReader(void) { return registeredSetReader; }

/* ---- creation and conversion ---- */

kvobj *zsetNewLargeKv(const char *key, size_t klen) {
    return kvNewPtr(key, klen, OBJ_ZSET, OBJ_ENC_SKIPLIST, zidxCreate(), -1);
}

kvobj *zsetNewKv(const char *key, size_t klen, size_t firstLen) {
    if (zsetMaxListpackEntries == 0 || (unsigned long long)zsetMaxListpackValue < firstLen)
        return zsetNewLargeKv(key, klen);
    return kvNewPtr(key, klen, OBJ_ZSET, OBJ_ENC_LISTPACK, zpNew(), -1);
}

/* Rebuilds a compact set as a large one. */
static void convertToLarge(kvobj *kv) {
    zpack *zp = kvGetPtr(kv);
    zindex *zi = zidxCreate();
    size_t pos = zpFirst(zp), end = zpEnd(zp);
    while (pos < end) {
        const char *m;
        size_t len;
        double s;
        pos = zpRead(zp, pos, &m, &len, &s);
        zidxInsert(zi, m, len, s);
    }
    zpFree(zp);
    kvSetPtr(kv, zi);
    kv->encoding = OBJ_ENC_SKIPLIST;
}

void zsetMaybeCompact(kvobj *kv, size_t maxLen) {
    if (kv->encoding != OBJ_ENC_SKIPLIST) return;
    zindex *zi = kvGetPtr(kv);
    size_t n = zidxLen(zi);
    if (n > (unsigned long long)zsetMaxListpackEntries ||
        maxLen > (unsigned long long)zsetMaxListpackValue)
        return;
    zpack *zp = zpNew();
    zidxIter it;
    bool more = zidxSeek(zi, 0, &it);
    while (more) {
        zentry *e = zidxIterEntry(&it);
        if (!zpSafeToAdd(zp, zentryLen(e))) {
            zpFree(zp);
            return;
        }
        zp = zpAppend(zp, zentryMember(e), zentryLen(e), e->score);
        more = zidxNext(&it);
    }
    zidxRelease(zi);
    kvSetPtr(kv, zp);
    kv->encoding = OBJ_ENC_LISTPACK;
}

/* ---- reads ---- */

size_t zsetLength(const kvobj *kv) {
    if (kv->encoding == OBJ_ENC_LISTPACK) return zpLen(kvGetPtr(kv));
    return zidxLen(kvGetPtr(kv));
}

bool zsetScore(kvobj *kv, const char *m, size_t len, double *score) {
    if (kv->encoding == OBJ_ENC_LISTPACK) return zpFind(kvGetPtr(kv), m, len, score, NULL) != 0;
    zentry *e = zidxFind(kvGetPtr(kv), m, len);
    if (!e) return false;
    *score = e->score;
    return true;
}

long long zsetRank(kvobj *kv, const char *m, size_t len, bool rev, double *score) {
    size_t n = zsetLength(kv), rank;
    double s;
    if (kv->encoding == OBJ_ENC_LISTPACK) {
        if (!zpFind(kvGetPtr(kv), m, len, &s, &rank)) return -1;
    } else {
        zindex *zi = kvGetPtr(kv);
        zentry *e = zidxFind(zi, m, len);
        if (!e) return -1;
        s = e->score;
        rank = zidxRank(zi, e);
    }
    if (score) *score = s;
    return (long long)(rev ? n - 1 - rank : rank);
}

void zsetAtRank(kvobj *kv, size_t rank, zmember *out) {
    zsetIter it;
    zsetIterInit(&it, kv, rank, false);
    zsetIterNext(&it, out);
    zsetIterRelease(&it);
}

/* ---- writes ---- */

bool zsetAdd(kvobj *kv, double score, const char *m, size_t len, int inFlags, int *outFlags,
             double *newScore) {
    bool incr = inFlags & ZADD_IN_INCR, nx = inFlags & ZADD_IN_NX, xx = inFlags & ZADD_IN_XX;
    bool gt = inFlags & ZADD_IN_GT, lt = inFlags & ZADD_IN_LT;
    *outFlags = 0;
    if (isnan(score)) {
        *outFlags = ZADD_OUT_NAN;
        return false;
    }
    double cur;
    bool exists = zsetScore(kv, m, len, &cur);
    if (exists) {
        if (nx) {
            *outFlags |= ZADD_OUT_NOP;
            return true;
        }
        if (incr) {
            score += cur;
            if (isnan(score)) {
                *outFlags |= ZADD_OUT_NAN;
                return false;
            }
        }
        if ((lt && score >= cur) || (gt && score <= cur)) {
            *outFlags |= ZADD_OUT_NOP;
            return true;
        }
        if (newScore) *newScore = score;
        /* An equal score (0 and -0 included) is no change, as in Redis. */
        if (score != cur) {
            if (kv->encoding == OBJ_ENC_LISTPACK) {
                zpack *zp = kvGetPtr(kv);
                zp = zpDeleteAt(zp, zpFind(zp, m, len, NULL, NULL));
                kvSetPtr(kv, zpInsert(zp, m, len, score));
            } else {
                zindex *zi = kvGetPtr(kv);
                zidxUpdateScore(zi, zidxFind(zi, m, len), score);
            }
            *outFlags |= ZADD_OUT_UPDATED;
        }
        return true;
    }
    if (xx) {
        *outFlags |= ZADD_OUT_NOP;
        return true;
    }
    if (kv->encoding == OBJ_ENC_LISTPACK) {
        zpack *zp = kvGetPtr(kv);
        if (zpLen(zp) + 1 > (unsigned long long)zsetMaxListpackEntries ||
            len > (unsigned long long)zsetMaxListpackValue || !zpSafeToAdd(zp, len)) {
            convertToLarge(kv);
        } else {
            kvSetPtr(kv, zpInsert(zp, m, len, score));
        }
    }
    if (kv->encoding == OBJ_ENC_SKIPLIST) zidxInsert(kvGetPtr(kv), m, len, score);
    *outFlags |= ZADD_OUT_ADDED;
    if (newScore) *newScore = score;
    return true;
}

bool zsetDel(kvobj *kv, const char *m, size_t len) {
    if (kv->encoding == OBJ_ENC_LISTPACK) {
        zpack *zp = kvGetPtr(kv);
        size_t pos = zpFind(zp, m, len, NULL, NULL);
        if (!pos) return false;
        kvSetPtr(kv, zpDeleteAt(zp, pos));
        return true;
    }
    zindex *zi = kvGetPtr(kv);
    zentry *e = zidxFind(zi, m, len);
    if (!e) return false;
    zidxDelete(zi, e);
    return true;
}

void zsetDeleteRanks(kvobj *kv, size_t rank, size_t count) {
    if (count == 0) return;
    if (kv->encoding == OBJ_ENC_LISTPACK)
        kvSetPtr(kv, zpDeleteRange(kvGetPtr(kv), rank, count));
    else
        zidxDeleteRange(kvGetPtr(kv), rank, count);
}

/* ---- ranges ---- */

static bool scoreGteMin(double s, const zscoreRange *r) { return r->minex ? s > r->min : s >= r->min; }

static bool scoreLteMax(double s, const zscoreRange *r) { return r->maxex ? s < r->max : s <= r->max; }

void zsetScoreRanks(kvobj *kv, const zscoreRange *r, size_t *lo, size_t *hi) {
    *lo = *hi = 0;
    if (r->min > r->max || (r->min == r->max && (r->minex || r->maxex))) return;
    if (kv->encoding == OBJ_ENC_SKIPLIST) {
        zindex *zi = kvGetPtr(kv);
        size_t a = zidxCountBelowScore(zi, r->min, r->minex);
        size_t b = zidxCountBelowScore(zi, r->max, !r->maxex);
        if (b > a) {
            *lo = a;
            *hi = b;
        }
        return;
    }
    zpack *zp = kvGetPtr(kv);
    size_t pos = zpFirst(zp), end = zpEnd(zp), rank = 0, a = 0;
    bool in = false;
    while (pos < end) {
        double s;
        pos = zpRead(zp, pos, NULL, NULL, &s);
        if (!in) {
            if (scoreGteMin(s, r)) {
                if (!scoreLteMax(s, r)) return;
                in = true;
                a = rank;
            }
        } else if (!scoreLteMax(s, r)) {
            break;
        }
        rank++;
    }
    if (in) {
        *lo = a;
        *hi = rank;
    }
}

/* Compares 'm'/'len' with bound 'b' like Redis's sdscmplex: "-" is below
 * and "+" above every string. */
static int cmpLex(const char *m, size_t len, const zlexBound *b) {
    if (b->kind == ZLEX_MINUS) return 1;
    if (b->kind == ZLEX_PLUS) return -1;
    size_t min = len < b->len ? len : b->len;
    int c = memcmp(m, b->ptr, min);
    if (c) return c;
    return len < b->len ? -1 : len > b->len ? 1 : 0;
}

static bool lexGteMin(const char *m, size_t len, const zlexRange *r) {
    int c = cmpLex(m, len, &r->min);
    return r->min.ex ? c > 0 : c >= 0;
}

static bool lexLteMax(const char *m, size_t len, const zlexRange *r) {
    int c = cmpLex(m, len, &r->max);
    return r->max.ex ? c < 0 : c <= 0;
}

/* True when the interval itself is empty (min above max, or equal with an
 * exclusive end), compared as sdscmplex compares two bounds. */
static bool lexRangeEmpty(const zlexRange *r) {
    int c;
    if (r->min.kind == r->max.kind && r->min.kind != ZLEX_VALUE)
        c = 0;
    else if (r->min.kind == ZLEX_MINUS || r->max.kind == ZLEX_PLUS)
        c = -1;
    else if (r->min.kind == ZLEX_PLUS || r->max.kind == ZLEX_MINUS)
        c = 1;
    else
        c = cmpLex(r->min.ptr, r->min.len, &r->max);
    return c > 0 || (c == 0 && (r->min.ex || r->max.ex));
}

/* Members of a large set below bound 'b' ('asMin': for a lower end). */
static size_t largeLexBelow(zindex *zi, const zlexBound *b, bool asMin) {
    if (b->kind == ZLEX_MINUS) return 0;
    if (b->kind == ZLEX_PLUS) return zidxLen(zi);
    return zidxCountBelowLex(zi, b->ptr, b->len, asMin ? b->ex : !b->ex);
}

void zsetLexRanks(kvobj *kv, const zlexRange *r, bool rev, size_t *lo, size_t *hi) {
    *lo = *hi = 0;
    if (lexRangeEmpty(r)) return;
    if (kv->encoding == OBJ_ENC_SKIPLIST) {
        zindex *zi = kvGetPtr(kv);
        size_t a = largeLexBelow(zi, &r->min, true), b = largeLexBelow(zi, &r->max, false);
        if (b > a) {
            *lo = a;
            *hi = b;
        }
        return;
    }
    /* Redis's listpack walk: first check that the last member is >= min and
     * the first <= max, then scan from the start (or, reversed, from the
     * end) for the first member inside, and extend while inside. */
    zpack *zp = kvGetPtr(kv);
    size_t n = zpLen(zp);
    if (n == 0) return;
    uint32_t small[128];
    uint32_t *pos = n <= 128 ? small : tmalloc(n * sizeof(uint32_t));
    zpPositions(zp, pos);
    const char *m;
    size_t len;
    zpRead(zp, pos[n - 1], &m, &len, NULL);
    bool ok = lexGteMin(m, len, r);
    zpRead(zp, pos[0], &m, &len, NULL);
    ok = ok && lexLteMax(m, len, r);
    if (ok && !rev) {
        size_t a = 0;
        while (a < n) {
            zpRead(zp, pos[a], &m, &len, NULL);
            if (lexGteMin(m, len, r)) break;
            a++;
        }
        size_t b = a;
        while (b < n) {
            zpRead(zp, pos[b], &m, &len, NULL);
            if (!lexLteMax(m, len, r)) break;
            b++;
        }
        *lo = a;
        *hi = b;
    } else if (ok) {
        size_t b = n;
        while (b > 0) {
            zpRead(zp, pos[b - 1], &m, &len, NULL);
            if (lexLteMax(m, len, r)) break;
            b--;
        }
        size_t a = b;
        while (a > 0) {
            zpRead(zp, pos[a - 1], &m, &len, NULL);
            if (!lexGteMin(m, len, r)) break;
            a--;
        }
        *lo = a;
        *hi = b;
    }
    if (pos != small) tfree(pos);
}

/* ---- iteration ---- */

void zsetIterInit(zsetIter *it, kvobj *kv, size_t rank, bool rev) {
    it->encoding = kv->encoding;
    it->rev = rev;
    it->started = false;
    it->positions = NULL;
    if (kv->encoding == OBJ_ENC_LISTPACK) {
        zpack *zp = kvGetPtr(kv);
        it->zp = zp;
        if (rev) {
            size_t n = zpLen(zp);
            it->positions = n <= 128 ? it->small : tmalloc(n * sizeof(uint32_t));
            zpPositions(zp, it->positions);
            it->idx = rank + 1; /* next to read is idx - 1 */
        } else {
            it->pos = zpSeek(zp, rank);
        }
        return;
    }
    zidxSeek(kvGetPtr(kv), rank, &it->zi);
}

bool zsetIterNext(zsetIter *it, zmember *out) {
    if (it->encoding == OBJ_ENC_LISTPACK) {
        size_t pos;
        if (it->rev) {
            if (it->idx == 0) return false;
            pos = it->positions[--it->idx];
        } else {
            pos = it->pos;
            if (pos >= zpEnd(it->zp)) return false;
        }
        size_t next = zpRead(it->zp, pos, &out->ptr, &out->len, &out->score);
        if (!it->rev) it->pos = next;
        return true;
    }
    if (it->started && !(it->rev ? zidxPrev(&it->zi) : zidxNext(&it->zi))) return false;
    it->started = true;
    zentry *e = zidxIterEntry(&it->zi);
    out->ptr = zentryMember(e);
    out->len = zentryLen(e);
    out->score = e->score;
    return true;
}

void zsetIterRelease(zsetIter *it) {
    if (it->positions && it->positions != it->small) tfree(it->positions);
    it->positions = NULL;
}

/* ---- parsing ---- */

/* One score bound, as Redis's zslParseRange reads it: strtod over the
 * bytes up to the first NUL, which must all be consumed; no NaN.  Unlike
 * ZADD's scores, leading spaces, "" (0) and overflow (to +-inf) pass. */
static bool parseScoreBound(slice s, double *v, bool *ex) {
    char small[128];
    size_t len = s.len;
    const char *p = s.ptr;
    *ex = false;
    if (len > 0 && p[0] == '(') {
        *ex = true;
        p++;
        len--;
    }
    const char *nul = memchr(p, '\0', len);
    if (nul) len = (size_t)(nul - p);
    char *buf = len < sizeof(small) ? small : tmalloc(len + 1);
    memcpy(buf, p, len);
    buf[len] = '\0';
    char *end;
    *v = strtod(buf, &end);
    bool ok = *end == '\0' && !isnan(*v);
    if (buf != small) tfree(buf);
    return ok;
}

int zsetParseScoreRange(slice min, slice max, zscoreRange *r) {
    if (!parseScoreBound(min, &r->min, &r->minex) || !parseScoreBound(max, &r->max, &r->maxex))
        return C_ERR;
    return C_OK;
}

/* One lex bound.  Redis tests the byte after '+'/'-' against the string's
 * NUL terminator, so "-" followed by a NUL byte also means minus. */
static bool parseLexBound(slice s, zlexBound *b) {
    if (s.len == 0) return false;
    switch (s.ptr[0]) {
        case '+':
        case '-':
            if (s.len > 1 && s.ptr[1] != '\0') return false;
            b->kind = s.ptr[0] == '+' ? ZLEX_PLUS : ZLEX_MINUS;
            b->ex = true;
            b->ptr = NULL;
            b->len = 0;
            return true;
        case '(':
        case '[':
            b->kind = ZLEX_VALUE;
            b->ex = s.ptr[0] == '(';
            b->ptr = s.ptr + 1;
            b->len = s.len - 1;
            return true;
        default: return false;
    }
}

int zsetParseLexRange(slice min, slice max, zlexRange *r) {
    if (!parseLexBound(min, &r->min) || !parseLexBound(max, &r->max)) return C_ERR;
    return C_OK;
}

/* ---- replies ---- */

void zsetReplyMember(client *c, const zmember *m, bool withScores) {
    if (withScores && c->resp > 2) addReplyArrayLen(c, 2);
    addReplyBulk(c, m->ptr, m->len);
    if (withScores) addReplyDouble(c, m->score);
}

/* ---- objTypeOps ---- */

static void zsetFreeValue(void *ptr, int encoding) {
    if (encoding == OBJ_ENC_LISTPACK)
        zpFree(ptr);
    else
        zidxRelease(ptr);
}

static void *zsetDupValue(const void *ptr, int encoding) {
    if (encoding == OBJ_ENC_LISTPACK) return zpDup(ptr);
    return zidxDup(ptr);
}

static size_t zsetValueMemory(const void *ptr, int encoding, size_t samples) {
    (void)samples;
    if (encoding == OBJ_ENC_LISTPACK) return tallocSize(ptr);
    return zidxMemory(ptr);
}

static size_t zsetValueLength(const void *ptr, int encoding) {
    if (encoding == OBJ_ENC_LISTPACK) return zpLen(ptr);
    return zidxLen(ptr);
}

/* Feeds each member and its score in order; both encodings digest alike. */
static void zsetDigest(const void *ptr, int encoding,
                       void (*mix)(void *state, const void *p, size_t len), void *state) {
    char buf[NUMFMT_DBL_BUF];
    if (encoding == OBJ_ENC_LISTPACK) {
        const zpack *zp = ptr;
        size_t pos = zpFirst(zp), end = zpEnd(zp);
        while (pos < end) {
            const char *m;
            size_t len;
            double s;
            pos = zpRead(zp, pos, &m, &len, &s);
            mix(state, m, len);
            mix(state, buf, numDoubleToStr(buf, sizeof(buf), s));
        }
        return;
    }
    zidxIter it;
    bool more = zidxSeek(ptr, 0, &it);
    while (more) {
        zentry *e = zidxIterEntry(&it);
        mix(state, zentryMember(e), zentryLen(e));
        mix(state, buf, numDoubleToStr(buf, sizeof(buf), e->score));
        more = zidxNext(&it);
    }
}

static const objTypeOps zsetTypeOps = {
    "zset", zsetFreeValue, zsetDupValue, zsetValueMemory, zsetValueLength, zsetDigest,
};

void zsetRegisterType(void) { objRegisterType(OBJ_ZSET, &zsetTypeOps); }
