/* SPDX-License-Identifier: BSD-3-Clause
 *
 * SORT and SORT_RO over lists, sets and sorted sets:
 *
 *   SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET ...]]
 *            [ASC|DESC] [ALPHA] [STORE destination]
 *
 * The elements are copied into one arena (so lookups through patterns,
 * which may expire keys, and a STORE into the source itself are safe),
 * weighted (the element itself, or the value BY names: "w_*" a string
 * key, "h_*->f" a hash field, no '*' at all means "don't sort"), sorted
 * with the C library's qsort_r, and the LIMIT window is replied or stored
 * as a list, each element replaced by its GET values ("#" is the element).
 *
 * Ordering, as Redis defines it: numeric weights compare as doubles, ties
 * broken by the elements' bytes, so numeric results are fully
 * determined; ALPHA compares with strcoll() (the locale the server
 * started in; plain bytes when storing, for replicas' sake), a missing BY
 * value first.  Ties between equal ALPHA BY values keep the input order
 * (glibc's qsort is a merge sort); for a set or sorted set that order is
 * the structure's own, which is not Redis's hash order, and with LIMIT
 * Redis's partial sort may order such ties differently too (see
 * docs/commands.md).
 *
 * "Don't sort" returns lists and sorted sets in their order (reversed by
 * DESC) reading only the LIMIT window; a set is sorted ALPHA anyway when
 * the result is stored or the caller is a script, so replicas see the
 * same result.
 *
 * Costs: O(N + M log M) for N elements and M sorted (M = N unless nothing
 * is sorted), plus one key lookup per element per pattern.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/access.h"
#include "core/args.h"
#include "core/db.h"
#include "core/errors.h"
#include "core/notify.h"
#include "ds/chunklist.h"
#include "ds/listpack.h"
#include "net/reply.h"
#include "types/hash.h"
#include "types/list.h"
#include "types/zset.h"

/* One element to sort: its bytes (NUL-terminated in the arena), its
 * numeric weight, and for ALPHA with BY the weight's bytes. */
typedef struct sortItem {
    size_t off, len;
    double score;
    size_t cmpOff, cmpLen; /* ALPHA BY value, NUL-terminated in the arena */
    bool hasCmp;
} sortItem;

typedef struct sortState {
    sortItem *items;
    size_t n, cap;
    sbuf *arena;
    sbuf *scratch; /* key names built from patterns */
    /* the comparison */
    bool desc, alpha, byPattern, binary;
} sortState;

/* A BY or GET pattern, NUL-terminated ('len' counts every byte, as the
 * argument may hold NULs past which Redis's C-string searches stop). */
typedef struct sortPattern {
    char *s;
    size_t len;
} sortPattern;

static size_t arenaAdd(sortState *st, const char *p, size_t len) {
    size_t off = st->arena->len;
    st->arena = sbufCat(st->arena, p, len);
    st->arena = sbufCat(st->arena, "", 1);
    return off;
}

static void addElement(sortState *st, const char *p, size_t len) {
    if (st->n == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 16;
        st->items = trealloc(st->items, st->cap * sizeof(sortItem));
    }
    sortItem *it = &st->items[st->n++];
    it->off = arenaAdd(st, p, len);
    it->len = len;
    it->score = 0;
    it->hasCmp = false;
}

static void addSetMember(void *priv, const char *m, size_t len) {
    addElement(priv, m, len);
}

/* ---- patterns ---- */

/* The value 'pat' names for element 'e'/'elen': the element itself for
 * "#"; else the pattern's first '*' replaced by the element gives a key,
 * read as a string or, when "->field" follows the '*', as that field of
 * a hash.  True with '*v'/'*vlen' (valid until the keyspace changes;
 * 'buf' holds 32 bytes for integers), false when missing or of another
 * type. */
static bool lookupByPattern(client *c, sortState *st, const sortPattern *pat, const char *e,
                            size_t elen, const char **v, size_t *vlen, char *buf) {
    const char *s = pat->s;
    if (s[0] == '#' && s[1] == '\0') {
        *v = e;
        *vlen = elen;
        return true;
    }
    const char *star = strchr(s, '*');
    if (!star) return false;
    const char *arrow = strstr(star + 1, "->");
    size_t fieldlen = 0;
    const char *field = NULL;
    if (arrow && arrow[2] != '\0') {
        field = arrow + 2;
        fieldlen = pat->len - (size_t)(arrow - s) - 2;
    }
    size_t prefix = (size_t)(star - s);
    size_t postfix = pat->len - (prefix + 1) - (fieldlen ? fieldlen + 2 : 0);
    sbufSetLen(st->scratch, 0);
    st->scratch = sbufCat(st->scratch, s, prefix);
    st->scratch = sbufCat(st->scratch, e, elen);
    st->scratch = sbufCat(st->scratch, star + 1, postfix);
    kvobj *kv = lookupKeyRead(c->db, st->scratch->buf, st->scratch->len);
    if (!kv) return false;
    if (field) {
        if (kv->type != OBJ_HASH) return false;
        return hashGetField(kv, field, fieldlen, v, vlen, (unsigned char *)buf);
    }
    if (kv->type != OBJ_STRING) return false;
    *vlen = kvStringBytes(kv, buf, v);
    return true;
}

/* Redis reads a weight with strtod over the bytes up to the first NUL:
 * leading spaces, hex and "inf" pass, trailing bytes, overflow and NaN
 * do not.  False when the weight is not a number. */
static bool parseWeight(const char *p, size_t len, double *out) {
    char small[128];
    char *s = len < sizeof(small) ? small : tmalloc(len + 1);
    memcpy(s, p, len);
    s[len] = '\0';
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    bool ok = end[0] == '\0' && errno != ERANGE && !isnan(*out);
    if (s != small) tfree(s);
    return ok;
}

/* ---- comparison ---- */

static int cmpBytes(const char *a, size_t alen, const char *b, size_t blen) {
    size_t min = alen < blen ? alen : blen;
    int c = memcmp(a, b, min);
    if (c) return c;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static int sortCompare(const void *pa, const void *pb, void *priv) {
    const sortState *st = priv;
    const sortItem *a = pa, *b = pb;
    const char *arena = st->arena->buf;
    int cmp;
    if (!st->alpha) {
        if (a->score > b->score)
            cmp = 1;
        else if (a->score < b->score)
            cmp = -1;
        else
            cmp = cmpBytes(arena + a->off, a->len, arena + b->off, b->len);
    } else if (st->byPattern) {
        if (!a->hasCmp || !b->hasCmp)
            cmp = a->hasCmp == b->hasCmp ? 0 : !a->hasCmp ? -1 : 1;
        else if (st->binary)
            cmp = cmpBytes(arena + a->cmpOff, a->cmpLen, arena + b->cmpOff, b->cmpLen);
        else
            cmp = strcoll(arena + a->cmpOff, arena + b->cmpOff);
    } else if (st->binary) {
        cmp = cmpBytes(arena + a->off, a->len, arena + b->off, b->len);
    } else {
        cmp = strcoll(arena + a->off, arena + b->off);
    }
    return st->desc ? -cmp : cmp;
}

/* ---- loading ---- */

static void loadList(sortState *st, kvobj *kv, size_t first, size_t n, bool rev) {
    const chunklist *l = kvGetPtr(kv);
    if (n == 0) return;
    clIter it;
    clEntry e;
    clIterInit(&it, l, rev ? clLength(l) - 1 - first : first, rev ? CL_TAIL : CL_HEAD);
    for (size_t j = 0; j < n && clIterNext(&it, &e); j++) {
        char buf[CL_INT_BUF];
        const unsigned char *p;
        size_t len = clEntryBytes(&e, buf, &p);
        addElement(st, (const char *)p, len);
    }
}

static void loadZset(sortState *st, kvobj *kv, size_t first, size_t n, bool rev) {
    if (n == 0) return;
    size_t len = zsetLength(kv);
    zsetIter it;
    zmember m;
    zsetIterInit(&it, kv, rev ? len - 1 - first : first, rev);
    for (size_t j = 0; j < n && zsetIterNext(&it, &m); j++)
        addElement(st, m.ptr, m.len);
    zsetIterRelease(&it);
}

static size_t valueLength(kvobj *kv) {
    if (!kv) return 0;
    if (kv->type == OBJ_LIST) return clLength(kvGetPtr(kv));
    if (kv->type == OBJ_ZSET) return zsetLength(kv);
    return zsetSetReader()->length(kv);
}

/* ---- output ---- */

typedef struct sortOpts {
    sortPattern by;
    bool hasBy, dontsort, desc, alpha;
    long long limitStart, limitCount;
    sortPattern *gets;
    int ngets;
    bool hasStore;
    slice store;
} sortOpts;

static void replyResult(client *c, sortState *st, const sortOpts *o, long long start,
                        long long end) {
    long long n = end - start + 1;
    addReplyArrayLen(c, o->ngets ? o->ngets * n : n);
    for (long long j = start; j <= end; j++) {
        const sortItem *it = &st->items[j];
        const char *e = st->arena->buf + it->off;
        if (!o->ngets) addReplyBulk(c, e, it->len);
        for (int g = 0; g < o->ngets; g++) {
            const char *v;
            size_t vlen;
            char buf[32];
            /* A lookup can expire keys, but never moves the arena. */
            if (lookupByPattern(c, st, &o->gets[g], st->arena->buf + it->off, it->len, &v, &vlen,
                                buf))
                addReplyBulk(c, v, vlen);
            else
                addReplyNull(c);
        }
    }
}

/* STORE: the window (or its GET values, "" for missing ones) as a new
 * list replacing the destination; an empty result deletes it.  A new
 * list wakes clients blocked on the key. */
static void storeResult(client *c, sortState *st, const sortOpts *o, long long start,
                        long long end) {
    long long n = end - start + 1, outlen = o->ngets ? o->ngets * n : n;
    slice dst = o->store;
    if (outlen <= 0) {
        dbDeleteNotify(c, dst);
        addReplyLongLong(c, 0);
        return;
    }
    chunklist *l = clCreate(listMaxListpackSize);
    for (long long j = start; j <= end; j++) {
        const sortItem *it = &st->items[j];
        if (!o->ngets) clPush(l, CL_TAIL, st->arena->buf + it->off, it->len);
        for (int g = 0; g < o->ngets; g++) {
            const char *v;
            size_t vlen;
            char buf[32];
            if (lookupByPattern(c, st, &o->gets[g], st->arena->buf + it->off, it->len, &v, &vlen,
                                buf))
                clPush(l, CL_TAIL, v, vlen);
            else
                clPush(l, CL_TAIL, "", 0);
        }
    }
    lookupWrite(c, dst); /* lets an expired destination go first */
    dbSet(c->db, kvNewPtr(dst.ptr, dst.len, OBJ_LIST, OBJ_ENC_QUICKLIST, l, -1));
    keyModified(c, dst, NOTIFY_LIST, "sortstore");
    addReplyLongLong(c, outlen);
}

/* ---- the command ---- */

static sortPattern patternOf(slice arg) {
    /* The argument is not NUL-terminated when it comes from a MULTI queue
     * or a script: copy its bytes only. */
    sortPattern p = {tmalloc(arg.len + 1), arg.len};
    memcpy(p.s, arg.ptr, arg.len);
    p.s[arg.len] = '\0';
    return p;
}

/* Parses the options after the key.  C_ERR after replying. */
static int parseSortOptionsOrReply(client *c, bool readonly, sortOpts *o) {
    o->limitStart = 0;
    o->limitCount = -1;
    for (int j = 2; j < c->argc; j++) {
        int left = c->argc - j - 1;
        slice a = c->argv[j];
        if (sliceIs(a, "asc")) {
            o->desc = false;
        } else if (sliceIs(a, "desc")) {
            o->desc = true;
        } else if (sliceIs(a, "alpha")) {
            o->alpha = true;
        } else if (sliceIs(a, "limit") && left >= 2) {
            if (getLongLongOrReply(c, c->argv[j + 1], &o->limitStart, NULL) == C_ERR ||
                getLongLongOrReply(c, c->argv[j + 2], &o->limitCount, NULL) == C_ERR)
                return C_ERR;
            j += 2;
        } else if (!readonly && sliceIs(a, "store") && left >= 1) {
            o->hasStore = true;
            o->store = c->argv[++j];
        } else if (sliceIs(a, "by") && left >= 1) {
            if (o->hasBy) tfree(o->by.s);
            o->by = patternOf(c->argv[++j]);
            o->hasBy = true;
            /* A constant pattern means "don't sort" (BY nosort); as in
             * Redis, a later BY with a '*' does not undo that. */
            if (!strchr(o->by.s, '*')) {
                o->dontsort = true;
            } else if (!accessFullKeyRead(c)) {
                /* A pattern reads keys the ACL check never saw. */
                addReplyError(c, "ERR BY option of SORT denied due to insufficient ACL "
                                 "permissions.");
                return C_ERR;
            }
        } else if (sliceIs(a, "get") && left >= 1) {
            if (!accessFullKeyRead(c)) {
                addReplyError(c, "ERR GET option of SORT denied due to insufficient ACL "
                                 "permissions.");
                return C_ERR;
            }
            o->gets = trealloc(o->gets, sizeof(sortPattern) * (size_t)(o->ngets + 1));
            o->gets[o->ngets++] = patternOf(c->argv[++j]);
        } else {
            addReplyError(c, ERR_SYNTAX);
            return C_ERR;
        }
    }
    return C_OK;
}

static void sortGeneric(client *c, bool readonly) {
    sortOpts o = {0};
    sortState st = {0};
    if (parseSortOptionsOrReply(c, readonly, &o) == C_ERR) goto done;
    kvobj *kv = lookupRead(c, c->argv[1]);
    if (kv && kv->type != OBJ_LIST && kv->type != OBJ_SET && kv->type != OBJ_ZSET) {
        addReplyError(c, ERR_WRONGTYPE);
        goto done;
    }
    bool alpha = o.alpha, byPattern = o.hasBy, dontsort = o.dontsort;
    /* An unsorted set comes out in an order replicas may not share: sort
     * it when storing or when a script (a fake client) asks. */
    if (dontsort && kv && kv->type == OBJ_SET && (o.hasStore || (c->flags & CLIENT_FAKE))) {
        dontsort = false;
        alpha = true;
        byPattern = false;
    }

    /* Redis converts a compact sorted set for good before sorting it;
     * the encoding is observable (OBJECT ENCODING), so do the same. */
    if (kv && kv->type == OBJ_ZSET) zsetConvertToLarge(kv);

    /* The LIMIT window, clamped as Redis does. */
    long long len = (long long)valueLength(kv);
    long long start = o.limitStart < 0 ? 0 : o.limitStart > len ? len : o.limitStart;
    long long count = o.limitCount < -1 ? -1 : o.limitCount > len ? len : o.limitCount;
    long long end = count < 0 ? len - 1 : start + count - 1;
    if (start >= len) {
        start = len - 1;
        end = len - 2;
    }
    if (end >= len) end = len - 1;

    st.arena = sbufNewCap(256);
    st.scratch = sbufNewCap(64);
    if (kv && dontsort && kv->type != OBJ_SET) {
        /* Ordered values give just the window, in order or reversed. */
        long long n = end - start + 1;
        if (n > 0) {
            if (kv->type == OBJ_LIST)
                loadList(&st, kv, (size_t)start, (size_t)n, o.desc);
            else
                loadZset(&st, kv, (size_t)start, (size_t)n, o.desc);
            end -= start;
            start = 0;
        }
    } else if (kv && kv->type == OBJ_LIST) {
        loadList(&st, kv, 0, (size_t)len, false);
    } else if (kv && kv->type == OBJ_ZSET) {
        loadZset(&st, kv, 0, (size_t)len, false);
    } else if (kv) {
        zsetSetReader()->forEach(kv, addSetMember, &st);
    }

    bool convError = false;
    if (!dontsort) {
        for (size_t j = 0; j < st.n; j++) {
            sortItem *it = &st.items[j];
            const char *v = st.arena->buf + it->off;
            size_t vlen = it->len;
            char buf[32];
            if (byPattern && !lookupByPattern(c, &st, &o.by, st.arena->buf + it->off, it->len, &v,
                                              &vlen, buf))
                continue;
            if (alpha) {
                if (byPattern) {
                    /* The arena may move: copy the value before adding. */
                    char *copy = tmemdup(v, vlen);
                    it->cmpOff = arenaAdd(&st, copy, vlen);
                    it->cmpLen = vlen;
                    it->hasCmp = true;
                    tfree(copy);
                }
            } else if (!parseWeight(v, vlen, &it->score)) {
                convError = true;
            }
        }
        st.desc = o.desc;
        st.alpha = alpha;
        st.byPattern = byPattern;
        st.binary = o.hasStore;
        if (st.n > 1) qsort_r(st.items, st.n, sizeof(sortItem), sortCompare, &st);
    }

    if (convError)
        addReplyError(c, "ERR One or more scores can't be converted into double");
    else if (o.hasStore)
        storeResult(c, &st, &o, start, end);
    else
        replyResult(c, &st, &o, start, end);
done:
    if (o.hasBy) tfree(o.by.s);
    for (int g = 0; g < o.ngets; g++)
        tfree(o.gets[g].s);
    tfree(o.gets);
    tfree(st.items);
    if (st.arena) sbufFree(st.arena);
    if (st.scratch) sbufFree(st.scratch);
}

/* SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
 * [ALPHA] [STORE destination]: the sorted elements, or with STORE their
 * count. */
void sortCommand(client *c) {
    sortGeneric(c, false);
}

/* SORT_RO: SORT without STORE. */
void sortroCommand(client *c) {
    sortGeneric(c, true);
}
