/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Sorted-set values: the two encodings (compact listpack, large zindex) behind
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

#include "ds/listpack.h"
#include "ds/numfmt.h"
#include "net/reply.h"

long long zsetMaxListpackEntries = 128;
long long zsetMaxListpackValue = 64;

static const setReader *registeredSetReader;

void zsetRegisterSetReader(const setReader *r) {
    registeredSetReader = r;
}

const setReader *zsetSetReader(void) {
    return registeredSetReader;
}

/* ---- the compact encoding: member, score pairs in a listpack ---- */

/* Integral scores within +-2^62 are stored as integers (Redis's
 * double2ll test), everything else as "%.17g" text.  Writes the text into
 * 'buf' (NUMFMT_DBL_BUF bytes) and returns its length. */
static size_t scoreText(char *buf, double s) {
    if (s >= -4611686018427387904.0 && s <= 4611686018427387904.0 && s == (double)(long long)s)
        return numLLToStr(buf, NUMFMT_DBL_BUF, (long long)s);
    return numDoubleToStr(buf, NUMFMT_DBL_BUF, s);
}

/* Score of the score entry 'p'. */
static double lpScore(const unsigned char *p) {
    size_t len;
    long long v;
    const unsigned char *s = lpGet(p, &len, &v);
    if (!s) return (double)v;
    char buf[NUMFMT_DBL_BUF];
    if (len >= sizeof(buf)) len = sizeof(buf) - 1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return strtod(buf, NULL);
}

/* Member bytes of the member entry 'p'; integers are formatted into
 * 'intbuf' (LP_INTBUF_SIZE bytes). */
static const char *lpMember(const unsigned char *p, size_t *len, char *intbuf) {
    return (const char *)lpGetStr(p, len, (unsigned char *)intbuf);
}

/* Reads the pair whose member entry is 'p' into '*out' and returns the
 * next member entry (NULL after the last pair). */
static unsigned char *lpReadPair(listpack *lp, unsigned char *p, zmember *out) {
    out->ptr = lpMember(p, &out->len, out->intbuf);
    unsigned char *sp = lpNext(lp, p);
    out->score = lpScore(sp);
    return lpNext(lp, sp);
}

static int cmpBytes(const char *a, size_t alen, const char *b, size_t blen) {
    size_t min = alen < blen ? alen : blen;
    int c = memcmp(a, b, min);
    if (c) return c;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* Inserts a member known to be absent at its place in the order. */
static listpack *lpInsertMember(listpack *lp, const char *m, size_t len, double score) {
    unsigned char *p = lpFirst(lp);
    while (p) {
        unsigned char *sp = lpNext(lp, p);
        double s = lpScore(sp);
        if (s > score) break;
        if (s == score) {
            char ib[LP_INTBUF_SIZE];
            size_t elen;
            const char *e = lpMember(p, &elen, ib);
            if (cmpBytes(e, elen, m, len) > 0) break;
        }
        p = lpNext(lp, sp);
    }
    char stext[NUMFMT_DBL_BUF];
    size_t slen = scoreText(stext, score);
    return lpInsertPair(lp, p, m, len, stext, slen, NULL);
}

/* The member entry of 'm' and (optional) its score and rank, or NULL. */
static unsigned char *lpFindMember(listpack *lp, const char *m, size_t len, double *score,
                                   size_t *rank) {
    unsigned char *p = lpFirst(lp);
    if (!p) return NULL;
    p = lpFind(lp, p, m, len, 1);
    if (!p) return NULL;
    if (score) *score = lpScore(lpNext(lp, p));
    if (rank) *rank = lpIndexOf(lp, p) / 2;
    return p;
}

/* ---- creation and conversion ---- */

kvobj *zsetNewLargeKv(const char *key, size_t klen) {
    return kvNewPtr(key, klen, OBJ_ZSET, OBJ_ENC_SKIPLIST, zidxCreate(), -1);
}

kvobj *zsetNewCompactKv(const char *key, size_t klen) {
    return kvNewPtr(key, klen, OBJ_ZSET, OBJ_ENC_LISTPACK, lpNew(), -1);
}

kvobj *zsetNewKv(const char *key, size_t klen, size_t firstLen) {
    if (zsetMaxListpackEntries == 0 || (unsigned long long)zsetMaxListpackValue < firstLen)
        return zsetNewLargeKv(key, klen);
    return zsetNewCompactKv(key, klen);
}

bool zsetFitsCompact(size_t n, size_t maxLen, size_t totalLen) {
    return n <= (unsigned long long)zsetMaxListpackEntries &&
           maxLen <= (unsigned long long)zsetMaxListpackValue && lpSafeToAdd(NULL, totalLen);
}

void zsetAppendSorted(kvobj *kv, const char *m, size_t len, double score) {
    if (kv->encoding == OBJ_ENC_SKIPLIST) {
        zidxInsert(kvGetPtr(kv), m, len, score);
        return;
    }
    char stext[NUMFMT_DBL_BUF];
    size_t slen = scoreText(stext, score);
    kvSetPtr(kv, lpAppendPair(kvGetPtr(kv), m, len, stext, slen));
}

/* Rebuilds a compact set as a large one. */
static void convertToLarge(kvobj *kv) {
    listpack *lp = kvGetPtr(kv);
    zindex *zi = zidxCreate();
    zmember m;
    for (unsigned char *p = lpFirst(lp); p;) {
        p = lpReadPair(lp, p, &m);
        zidxInsert(zi, m.ptr, m.len, m.score);
    }
    lpFree(lp);
    kvSetPtr(kv, zi);
    kv->encoding = OBJ_ENC_SKIPLIST;
}

void zsetConvertToLarge(kvobj *kv) {
    if (kv->encoding == OBJ_ENC_LISTPACK) convertToLarge(kv);
}

void zsetForEachCompact(kvobj *kv,
                        void (*fn)(void *priv, const char *m, size_t len, const char *score,
                                   size_t slen),
                        void *priv) {
    listpack *lp = kvGetPtr(kv);
    unsigned char *p = lpFirst(lp);
    while (p) {
        char mb[LP_INTBUF_SIZE], sb[LP_INTBUF_SIZE];
        size_t mlen, slen;
        const char *m = lpMember(p, &mlen, mb);
        unsigned char *sp = lpNext(lp, p);
        const char *s = (const char *)lpGetStr(sp, &slen, (unsigned char *)sb);
        fn(priv, m, mlen, s, slen);
        p = lpNext(lp, sp);
    }
}

/* ---- reads ---- */

size_t zsetLength(const kvobj *kv) {
    if (kv->encoding == OBJ_ENC_LISTPACK) return lpLength(kvGetPtr(kv)) / 2;
    return zidxLen(kvGetPtr(kv));
}

bool zsetScore(kvobj *kv, const char *m, size_t len, double *score) {
    if (kv->encoding == OBJ_ENC_LISTPACK)
        return lpFindMember(kvGetPtr(kv), m, len, score, NULL) != NULL;
    zentry *e = zidxFind(kvGetPtr(kv), m, len);
    if (!e) return false;
    *score = e->score;
    return true;
}

long long zsetRank(kvobj *kv, const char *m, size_t len, bool rev, double *score) {
    size_t n = zsetLength(kv), rank;
    double s;
    if (kv->encoding == OBJ_ENC_LISTPACK) {
        if (!lpFindMember(kvGetPtr(kv), m, len, &s, &rank)) return -1;
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

void zsetPickerInit(zsetPicker *pk, kvobj *kv) {
    pk->kv = kv;
    pk->offsets = NULL;
    if (kv->encoding != OBJ_ENC_LISTPACK) return;
    listpack *lp = kvGetPtr(kv);
    size_t n = lpLength(lp);
    pk->offsets = n <= 256 ? pk->small : tmalloc(n * sizeof(uint32_t));
    lpEntryOffsets(lp, pk->offsets);
}

void zsetPick(zsetPicker *pk, size_t rank, zmember *out) {
    if (!pk->offsets) {
        zsetAtRank(pk->kv, rank, out);
        return;
    }
    listpack *lp = kvGetPtr(pk->kv);
    out->ptr = lpMember(lp + pk->offsets[2 * rank], &out->len, out->intbuf);
    out->score = lpScore(lp + pk->offsets[2 * rank + 1]);
}

void zsetPickerRelease(zsetPicker *pk) {
    if (pk->offsets && pk->offsets != pk->small) tfree(pk->offsets);
    pk->offsets = NULL;
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
                listpack *lp = kvGetPtr(kv);
                lp = lpDeleteRange(lp, lpFindMember(lp, m, len, NULL, NULL), 2, NULL);
                kvSetPtr(kv, lpInsertMember(lp, m, len, score));
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
        listpack *lp = kvGetPtr(kv);
        if (lpLength(lp) / 2 + 1 > (unsigned long long)zsetMaxListpackEntries ||
            len > (unsigned long long)zsetMaxListpackValue || !lpSafeToAdd(lp, len)) {
            convertToLarge(kv);
        } else {
            kvSetPtr(kv, lpInsertMember(lp, m, len, score));
        }
    }
    if (kv->encoding == OBJ_ENC_SKIPLIST) zidxInsert(kvGetPtr(kv), m, len, score);
    *outFlags |= ZADD_OUT_ADDED;
    if (newScore) *newScore = score;
    return true;
}

bool zsetDel(kvobj *kv, const char *m, size_t len) {
    if (kv->encoding == OBJ_ENC_LISTPACK) {
        listpack *lp = kvGetPtr(kv);
        unsigned char *p = lpFindMember(lp, m, len, NULL, NULL);
        if (!p) return false;
        kvSetPtr(kv, lpDeleteRange(lp, p, 2, NULL));
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
    if (kv->encoding == OBJ_ENC_LISTPACK) {
        listpack *lp = kvGetPtr(kv);
        unsigned char *p = lpSeek(lp, (long long)rank * 2);
        if (p) kvSetPtr(kv, lpDeleteRange(lp, p, count * 2, NULL));
    } else
        zidxDeleteRange(kvGetPtr(kv), rank, count);
}

/* ---- ranges ---- */

static bool scoreGteMin(double s, const zscoreRange *r) {
    return r->minex ? s > r->min : s >= r->min;
}

static bool scoreLteMax(double s, const zscoreRange *r) {
    return r->maxex ? s < r->max : s <= r->max;
}

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
    listpack *lp = kvGetPtr(kv);
    unsigned char *p = lpFirst(lp);
    size_t rank = 0, a = 0;
    bool in = false;
    while (p) {
        unsigned char *sp = lpNext(lp, p);
        double s = lpScore(sp);
        p = lpNext(lp, sp);
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

/* The member of pair 'i' of a compact set, tested against a lex range. */
typedef struct lexProbe {
    listpack *lp;
    const uint32_t *off; /* entry offsets (lpEntryOffsets) */
    const zlexRange *r;
} lexProbe;

static bool lexPairGteMin(const lexProbe *pr, size_t i) {
    char ib[LP_INTBUF_SIZE];
    size_t len;
    const char *m = lpMember(pr->lp + pr->off[2 * i], &len, ib);
    return lexGteMin(m, len, pr->r);
}

static bool lexPairLteMax(const lexProbe *pr, size_t i) {
    char ib[LP_INTBUF_SIZE];
    size_t len;
    const char *m = lpMember(pr->lp + pr->off[2 * i], &len, ib);
    return lexLteMax(m, len, pr->r);
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
    listpack *lp = kvGetPtr(kv);
    size_t n = lpLength(lp) / 2;
    if (n == 0) return;
    uint32_t small[256];
    uint32_t *off = n <= 128 ? small : tmalloc(2 * n * sizeof(uint32_t));
    lpEntryOffsets(lp, off);
    lexProbe pr = {lp, off, r};
    bool ok = lexPairGteMin(&pr, n - 1) && lexPairLteMax(&pr, 0);
    if (ok && !rev) {
        size_t a = 0;
        while (a < n && !lexPairGteMin(&pr, a))
            a++;
        size_t b = a;
        while (b < n && lexPairLteMax(&pr, b))
            b++;
        *lo = a;
        *hi = b;
    } else if (ok) {
        size_t b = n;
        while (b > 0 && !lexPairLteMax(&pr, b - 1))
            b--;
        size_t a = b;
        while (a > 0 && lexPairGteMin(&pr, a - 1))
            a--;
        *lo = a;
        *hi = b;
    }
    if (off != small) tfree(off);
}

/* ---- iteration ---- */

void zsetIterInit(zsetIter *it, kvobj *kv, size_t rank, bool rev) {
    it->encoding = kv->encoding;
    it->rev = rev;
    it->started = false;
    it->offsets = NULL;
    if (kv->encoding == OBJ_ENC_LISTPACK) {
        listpack *lp = kvGetPtr(kv);
        it->lp = lp;
        if (rev) {
            size_t n = lpLength(lp);
            it->offsets = n <= 256 ? it->small : tmalloc(n * sizeof(uint32_t));
            lpEntryOffsets(lp, it->offsets);
            it->idx = rank + 1; /* the next pair is idx - 1 */
        } else {
            it->p = lpSeek(lp, (long long)rank * 2);
        }
        return;
    }
    zidxSeek(kvGetPtr(kv), rank, &it->zi);
}

bool zsetIterNext(zsetIter *it, zmember *out) {
    if (it->encoding == OBJ_ENC_LISTPACK) {
        unsigned char *p;
        if (it->rev) {
            if (it->idx == 0) return false;
            it->idx--;
            p = it->lp + it->offsets[2 * it->idx];
        } else {
            p = it->p;
            if (!p) return false;
        }
        unsigned char *next = lpReadPair(it->lp, p, out);
        if (!it->rev) it->p = next;
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
    if (it->offsets && it->offsets != it->small) tfree(it->offsets);
    it->offsets = NULL;
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
        default:
            return false;
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
        lpFree(ptr);
    else
        zidxRelease(ptr);
}

static void *zsetDupValue(const void *ptr, int encoding) {
    if (encoding == OBJ_ENC_LISTPACK) return lpDup(ptr);
    return zidxDup(ptr);
}

static size_t zsetValueMemory(const void *ptr, int encoding, size_t samples) {
    (void)samples;
    if (encoding == OBJ_ENC_LISTPACK) return tallocSize(ptr);
    return zidxMemory(ptr);
}

static size_t zsetValueLength(const void *ptr, int encoding) {
    if (encoding == OBJ_ENC_LISTPACK) return lpLength(ptr) / 2;
    return zidxLen(ptr);
}

/* Feeds each member and its score in order; both encodings digest alike. */
static void zsetDigest(const void *ptr, int encoding,
                       void (*mix)(void *state, const void *p, size_t len), void *state) {
    char buf[NUMFMT_DBL_BUF];
    if (encoding == OBJ_ENC_LISTPACK) {
        listpack *lp = (listpack *)ptr;
        zmember m;
        for (unsigned char *p = lpFirst(lp); p;) {
            p = lpReadPair(lp, p, &m);
            mix(state, m.ptr, m.len);
            mix(state, buf, numDoubleToStr(buf, sizeof(buf), m.score));
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

void zsetRegisterType(void) {
    objRegisterType(OBJ_ZSET, &zsetTypeOps);
}
