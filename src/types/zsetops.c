/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Sorted-set algebra: ZUNION, ZINTER, ZDIFF, their STORE forms and
 * ZINTERCARD.  Inputs may be sorted sets or plain sets (members scored
 * 1.0); plain sets are read through the setReader that types/set.c
 * registers.  A missing key is an empty input.
 *
 * Method: the members of the result are gathered with their aggregated
 * scores (a hashtable accumulates ZUNION; ZINTER walks the smallest input
 * and probes the others; ZDIFF walks the first input), sorted once by
 * (score, member), and then either replied or loaded in order into the
 * destination, compact when it fits the conversion thresholds.
 *
 * Costs: ZUNION O(N + M log M) for N input members and M results; ZINTER
 * O(N*K + M log M) with N the smallest input and K inputs; ZDIFF
 * O(N*K + M log M) with N the first input.
 *
 * Redis facts kept: inputs other than ZDIFF's are processed smallest
 * first (a stable sort by size), which fixes the order in which floating
 * sums are added; weight * score and SUM results that are NaN (inf - inf,
 * 0 * inf) count as 0.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/args.h"
#include "core/command.h"
#include "core/db.h"
#include "core/errors.h"
#include "core/notify.h"
#include "net/reply.h"
#include "types/zset.h"

#define OP_UNION 0
#define OP_INTER 1
#define OP_DIFF 2

#define AGGR_SUM 0
#define AGGR_MIN 1
#define AGGR_MAX 2

/* One input: a sorted set, a plain set, or nothing (missing key). */
typedef struct opSource {
    kvobj *kv;
    double weight;
    size_t len;
} opSource;

/* A result member with its score; the bytes follow the struct. */
typedef struct accEntry {
    struct accEntry *next; /* hashtable link */
    double score;
    size_t len;
    char m[];
} accEntry;

static const void *accKey(const void *e, size_t *len) {
    const accEntry *a = e;
    *len = a->len;
    return a->m;
}

static void accFree(void *e) {
    tfree(e);
}

static const htType accHtType = {accKey, accFree};

static accEntry *newAcc(const char *m, size_t len, double score) {
    accEntry *a = tmalloc(sizeof(accEntry) + len);
    a->next = NULL;
    a->score = score;
    a->len = len;
    memcpy(a->m, m, len);
    return a;
}

static size_t sourceLength(const opSource *s) {
    if (!s->kv) return 0;
    if (s->kv->type == OBJ_ZSET) return zsetLength(s->kv);
    return zsetSetReader()->length(s->kv);
}

/* Score of 'm' in source 's' (1.0 for a plain set member). */
static bool sourceFind(const opSource *s, const char *m, size_t len, double *score) {
    if (!s->kv) return false;
    if (s->kv->type == OBJ_ZSET) return zsetScore(s->kv, m, len, score);
    if (!zsetSetReader()->contains(s->kv, m, len)) return false;
    *score = 1.0;
    return true;
}

typedef void memberFn(void *priv, const char *m, size_t len, double score);

typedef struct setAdapter {
    memberFn *fn;
    void *priv;
} setAdapter;

static void setMemberCb(void *priv, const char *m, size_t len) {
    setAdapter *a = priv;
    a->fn(a->priv, m, len, 1.0);
}

/* Calls 'fn' for every member of 's'; sorted sets go from the highest
 * member down, as Redis walks them. */
static void sourceForEach(const opSource *s, memberFn *fn, void *priv) {
    if (!s->kv) return;
    if (s->kv->type == OBJ_SET) {
        setAdapter a = {fn, priv};
        zsetSetReader()->forEach(s->kv, setMemberCb, &a);
        return;
    }
    size_t n = zsetLength(s->kv);
    if (n == 0) return;
    zsetIter it;
    zmember zm;
    zsetIterInit(&it, s->kv, n - 1, true);
    while (zsetIterNext(&it, &zm))
        fn(priv, zm.ptr, zm.len, zm.score);
    zsetIterRelease(&it);
}

static void aggregate(double *target, double v, int aggr) {
    if (aggr == AGGR_SUM) {
        *target += v;
        if (isnan(*target)) *target = 0.0;
    } else if (aggr == AGGR_MIN) {
        if (v < *target) *target = v;
    } else if (v > *target) {
        *target = v;
    }
}

/* The gathered result. */
typedef struct opResult {
    accEntry **items;
    size_t n, cap;
    size_t maxLen;
    hashtable *acc; /* ZUNION's accumulator (owns its entries) */
    opSource *src;
    int nsrc;
    int aggr;
    double curWeight; /* ZUNION: weight of the input being added */
    bool cardOnly;
    long long limit;
    size_t card;
} opResult;

static void resultPush(opResult *r, accEntry *a) {
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->items = trealloc(r->items, r->cap * sizeof(accEntry *));
    }
    r->items[r->n++] = a;
    if (a->len > r->maxLen) r->maxLen = a->len;
}

static void unionCb(void *priv, const char *m, size_t len, double score) {
    opResult *r = priv;
    double s = score * r->curWeight;
    if (isnan(s)) s = 0;
    accEntry *a = htFind(r->acc, m, len);
    if (a)
        aggregate(&a->score, s, r->aggr);
    else
        htAddNew(r->acc, newAcc(m, len, s));
}

static void interCb(void *priv, const char *m, size_t len, double score) {
    opResult *r = priv;
    if (r->cardOnly && r->limit && r->card >= (size_t)r->limit) return;
    double total = r->src[0].weight * score;
    if (isnan(total)) total = 0;
    for (int j = 1; j < r->nsrc; j++) {
        double v;
        if (r->src[j].kv == r->src[0].kv) {
            v = score;
        } else if (!sourceFind(&r->src[j], m, len, &v)) {
            return;
        }
        aggregate(&total, v * r->src[j].weight, r->aggr);
    }
    if (r->cardOnly) {
        r->card++;
        return;
    }
    resultPush(r, newAcc(m, len, total));
}

static void diffCb(void *priv, const char *m, size_t len, double score) {
    opResult *r = priv;
    for (int j = 1; j < r->nsrc; j++) {
        double v;
        if (r->src[j].kv == r->src[0].kv || sourceFind(&r->src[j], m, len, &v)) return;
    }
    resultPush(r, newAcc(m, len, score));
}

static int cmpAcc(const void *pa, const void *pb) {
    const accEntry *a = *(accEntry *const *)pa, *b = *(accEntry *const *)pb;
    if (a->score != b->score) return a->score < b->score ? -1 : 1;
    size_t min = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->m, b->m, min);
    if (c) return c;
    return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
}

/* Builds the destination set from the sorted result: compact when it fits
 * the thresholds, as Redis converts its result. */
static kvobj *buildResultKv(slice dst, const opResult *r) {
    size_t total = 0;
    for (size_t j = 0; j < r->n; j++)
        total += r->items[j]->len;
    kvobj *kv = zsetFitsCompact(r->n, r->maxLen, total) ? zsetNewCompactKv(dst.ptr, dst.len)
                                                        : zsetNewLargeKv(dst.ptr, dst.len);
    for (size_t j = 0; j < r->n; j++)
        zsetAppendSorted(kv, r->items[j]->m, r->items[j]->len, r->items[j]->score);
    return kv;
}

/* The whole family.  'dst' is the destination (STORE forms) or NULL;
 * 'numkeysIdx' the index of numkeys; 'cardOnly' for ZINTERCARD. */
static void zsetOpGeneric(client *c, const slice *dst, int numkeysIdx, int op, bool cardOnly) {
    long long setnum;
    if (getLongLongOrReply(c, c->argv[numkeysIdx], &setnum, NULL) == C_ERR) return;
    if (setnum < 1) {
        addReplyErrorFormat(c, "ERR at least 1 input key is needed for '%s' command",
                            commandFullName(c->cmd));
        return;
    }
    if (setnum > c->argc - (numkeysIdx + 1)) {
        addReplyError(c, ERR_SYNTAX);
        return;
    }
    int n = (int)setnum;
    opSource *src = tcalloc(sizeof(opSource) * (size_t)n);
    opResult r = {0};
    r.src = src;
    r.nsrc = n;
    r.aggr = AGGR_SUM;
    bool withScores = false;
    int j = numkeysIdx + 1;
    for (int i = 0; i < n; i++, j++) {
        kvobj *kv = lookupRead(c, c->argv[j]);
        if (kv && kv->type != OBJ_ZSET && !(kv->type == OBJ_SET && zsetSetReader())) {
            addReplyError(c, ERR_WRONGTYPE);
            goto cleanup;
        }
        src[i].kv = kv;
        src[i].weight = 1.0;
    }
    while (j < c->argc) {
        int remaining = c->argc - j;
        slice a = c->argv[j];
        if (op != OP_DIFF && !cardOnly && remaining >= n + 1 && sliceIs(a, "weights")) {
            j++;
            for (int i = 0; i < n; i++, j++) {
                if (getDoubleOrReply(c, c->argv[j], &src[i].weight,
                                     "ERR weight value is not a float") == C_ERR)
                    goto cleanup;
            }
        } else if (op != OP_DIFF && !cardOnly && remaining >= 2 && sliceIs(a, "aggregate")) {
            slice v = c->argv[j + 1];
            if (sliceIs(v, "sum")) {
                r.aggr = AGGR_SUM;
            } else if (sliceIs(v, "min")) {
                r.aggr = AGGR_MIN;
            } else if (sliceIs(v, "max")) {
                r.aggr = AGGR_MAX;
            } else {
                addReplyError(c, ERR_SYNTAX);
                goto cleanup;
            }
            j += 2;
        } else if (!dst && !cardOnly && sliceIs(a, "withscores")) {
            withScores = true;
            j++;
        } else if (cardOnly && remaining >= 2 && sliceIs(a, "limit")) {
            if (getPositiveLongOrReply(c, c->argv[j + 1], &r.limit,
                                       "ERR LIMIT can't be negative") == C_ERR)
                goto cleanup;
            j += 2;
        } else {
            addReplyError(c, ERR_SYNTAX);
            goto cleanup;
        }
    }
    for (int i = 0; i < n; i++)
        src[i].len = sourceLength(&src[i]);
    if (op != OP_DIFF) {
        /* Smallest first; stable, like glibc's merge-sort qsort. */
        for (int i = 1; i < n; i++) {
            opSource t = src[i];
            int k = i - 1;
            while (k >= 0 && src[k].len > t.len) {
                src[k + 1] = src[k];
                k--;
            }
            src[k + 1] = t;
        }
    }
    r.cardOnly = cardOnly;
    if (op == OP_UNION) {
        r.acc = htCreate(&accHtType);
        for (int i = 0; i < n; i++) {
            r.curWeight = src[i].weight;
            sourceForEach(&src[i], unionCb, &r);
        }
        htIterator it;
        htIterInit(&it, r.acc, false);
        accEntry *a;
        while ((a = htNext(&it)))
            resultPush(&r, a);
        htIterRelease(&it);
    } else if (op == OP_INTER) {
        if (src[0].len > 0) sourceForEach(&src[0], interCb, &r);
    } else if (src[0].len > 0) {
        sourceForEach(&src[0], diffCb, &r);
    }
    if (cardOnly) {
        addReplyLongLong(c, (long long)r.card);
        goto cleanup;
    }
    if (r.n > 1) qsort(r.items, r.n, sizeof(accEntry *), cmpAcc);
    if (dst) {
        slice d = *dst;
        if (r.n > 0) {
            kvobj *kv = buildResultKv(d, &r);
            lookupWrite(c, d); /* lets an expired destination go first */
            /* dbSet wakes blocked clients only when it creates the key:
             * Redis 7.0 leaves them waiting when the store overwrites a
             * value of another type. */
            dbSet(c->db, kv);
            addReplyLongLong(c, (long long)r.n);
            keyModified(c, d, NOTIFY_ZSET,
                        op == OP_UNION   ? "zunionstore"
                        : op == OP_INTER ? "zinterstore"
                                         : "zdiffstore");
        } else {
            addReplyLongLong(c, 0);
            dbDeleteNotify(c, d);
        }
    } else {
        addReplyArrayLen(c, (long long)(withScores && c->resp == 2 ? r.n * 2 : r.n));
        for (size_t i = 0; i < r.n; i++) {
            zmember m;
            m.ptr = r.items[i]->m;
            m.len = r.items[i]->len;
            m.score = r.items[i]->score;
            zsetReplyMember(c, &m, withScores);
        }
    }
cleanup:
    if (r.acc) {
        htRelease(r.acc); /* frees the entries the items point to */
    } else {
        for (size_t i = 0; i < r.n; i++)
            tfree(r.items[i]);
    }
    tfree(r.items);
    tfree(src);
}

void zunionCommand(client *c) {
    zsetOpGeneric(c, NULL, 1, OP_UNION, false);
}

void zinterCommand(client *c) {
    zsetOpGeneric(c, NULL, 1, OP_INTER, false);
}

void zdiffCommand(client *c) {
    zsetOpGeneric(c, NULL, 1, OP_DIFF, false);
}

void zintercardCommand(client *c) {
    zsetOpGeneric(c, NULL, 1, OP_INTER, true);
}

void zunionstoreCommand(client *c) {
    zsetOpGeneric(c, &c->argv[1], 2, OP_UNION, false);
}

void zinterstoreCommand(client *c) {
    zsetOpGeneric(c, &c->argv[1], 2, OP_INTER, false);
}

void zdiffstoreCommand(client *c) {
    zsetOpGeneric(c, &c->argv[1], 2, OP_DIFF, false);
}
