/* SPDX-License-Identifier: BSD-3-Clause
 *
 * GEO area searches: GEOSEARCH, GEOSEARCHSTORE and the deprecated
 * GEORADIUS, GEORADIUSBYMEMBER (with STORE / STOREDIST) and their _RO
 * variants, all one generic command as in Redis, which fixes the order in
 * which arguments are checked and so which error a bad call gets.
 *
 * A search takes the cells ds/geohash.h picks for the circle or box (at
 * most nine), reads each cell's score interval from the sorted set in
 * score order, keeps the members inside the shape with their distance,
 * then sorts by distance when asked (COUNT without ANY implies ASC) and
 * replies or stores the first COUNT.  With ANY the scan stops as soon as
 * COUNT members were found, so they are not necessarily the nearest.
 *
 * Results are gathered first (member bytes copied into one arena), so a
 * store into the source key itself is safe.  Sorting uses the C library's
 * qsort with Redis's comparator; members at exactly the same distance
 * keep the scan order (glibc's qsort is a merge sort), as in Redis except
 * for COUNT without ANY on more matches than COUNT, where Redis's partial
 * quicksort may order such ties differently.
 *
 * Costs: O(N + log M) for N members in the scanned cells of a set of M,
 * plus O(K log K) to sort K matches.
 */
#include <stdlib.h>
#include <string.h>

#include "core/args.h"
#include "core/db.h"
#include "core/errors.h"
#include "core/notify.h"
#include "ds/geohash.h"
#include "net/reply.h"
#include "types/geo.h"
#include "types/zset.h"

/* Variants of the generic search. */
#define GEO_FROM_COORDS (1 << 0) /* GEORADIUS: centre from arguments */
#define GEO_FROM_MEMBER (1 << 1) /* GEORADIUSBYMEMBER: centre from a member */
#define GEO_NOSTORE (1 << 2)     /* _RO: no STORE / STOREDIST */
#define GEO_SEARCH (1 << 3)      /* GEOSEARCH syntax */
#define GEO_SEARCHSTORE (1 << 4) /* GEOSEARCHSTORE: destination first, STOREDIST flag */

#define SORT_NONE 0
#define SORT_ASC 1
#define SORT_DESC 2

/* One match: position, distance (metres until the reply), score, and
 * the member as an offset into the results' arena. */
typedef struct geoPoint {
    double lon, lat, dist, score;
    size_t off, len;
} geoPoint;

typedef struct geoResults {
    geoPoint *points;
    size_t used, cap;
    sbuf *arena;
} geoResults;

static void resultsAdd(geoResults *r, const zmember *m, double lon, double lat, double dist) {
    if (r->used == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->points = trealloc(r->points, r->cap * sizeof(geoPoint));
    }
    geoPoint *p = &r->points[r->used++];
    p->lon = lon;
    p->lat = lat;
    p->dist = dist;
    p->score = m->score;
    p->off = r->arena->len;
    p->len = m->len;
    r->arena = sbufCat(r->arena, m->ptr, m->len);
}

static void resultsFree(geoResults *r) {
    tfree(r->points);
    sbufFree(r->arena);
}

/* Scans cell 'cell' of 'kv' for members inside 'shape', stopping once
 * 'limit' (0: none) results are held. */
static void scanCell(kvobj *kv, geoHash cell, const geoShape *shape, geoResults *r,
                     size_t limit) {
    uint64_t min, max;
    geoCellScores(cell, &min, &max);
    zscoreRange range = {(double)min, (double)max, false, true};
    size_t lo, hi;
    zsetScoreRanks(kv, &range, &lo, &hi);
    if (lo >= hi) return;
    zsetIter it;
    zmember m;
    zsetIterInit(&it, kv, lo, false);
    for (size_t j = lo; j < hi && zsetIterNext(&it, &m); j++) {
        double lon, lat, dist;
        if (geoScoreToLonLat(m.score, &lon, &lat) && geoInShape(shape, lon, lat, &dist))
            resultsAdd(r, &m, lon, lat, dist);
        if (limit && r->used >= limit) break;
    }
    zsetIterRelease(&it);
}

static void search(kvobj *kv, const geoShape *shape, geoResults *r, size_t limit) {
    geoHash cells[9];
    int n = geoSearchCells(shape, cells);
    for (int j = 0; j < n; j++) {
        if (limit && r->used >= limit) break;
        scanCell(kv, cells[j], shape, r, limit);
    }
}

static int byDistanceAsc(const void *a, const void *b) {
    double da = ((const geoPoint *)a)->dist, dbb = ((const geoPoint *)b)->dist;
    return da > dbb ? 1 : da == dbb ? 0 : -1;
}

static int byDistanceDesc(const void *a, const void *b) {
    return -byDistanceAsc(a, b);
}

/* ---- arguments ---- */

/* "radius unit": C_OK with the radius and metres per unit, or C_ERR
 * after replying. */
static int getRadiusOrReply(client *c, const slice *argv, geoShape *s) {
    if (getDoubleOrReply(c, argv[0], &s->radius, "ERR need numeric radius") == C_ERR)
        return C_ERR;
    if (s->radius < 0) {
        addReplyError(c, "ERR radius cannot be negative");
        return C_ERR;
    }
    s->conversion = geoGetUnitOrReply(c, argv[1]);
    return s->conversion < 0 ? C_ERR : C_OK;
}

/* "width height unit", likewise. */
static int getBoxOrReply(client *c, const slice *argv, geoShape *s) {
    if (getDoubleOrReply(c, argv[0], &s->width, "ERR need numeric width") == C_ERR ||
        getDoubleOrReply(c, argv[1], &s->height, "ERR need numeric height") == C_ERR)
        return C_ERR;
    if (s->height < 0 || s->width < 0) {
        addReplyError(c, "ERR height or width cannot be negative");
        return C_ERR;
    }
    s->conversion = geoGetUnitOrReply(c, argv[2]);
    return s->conversion < 0 ? C_ERR : C_OK;
}

typedef struct searchOpts {
    bool withdist, withhash, withcoord, any;
    bool frommember, fromlonlat, byradius, bybox;
    bool storedist;
    bool hasStore;
    slice store;
    int sort;
    long long count;
} searchOpts;

/* Parses the options from 'argv[base]' on (see georadiusGeneric for the
 * Redis rules this keeps: which option each variant accepts, FROMMEMBER
 * read only when the key exists).  C_ERR after replying. */
static int parseOptionsOrReply(client *c, int base, int flags, kvobj *kv, geoShape *shape,
                               searchOpts *o) {
    int remaining = c->argc - base;
    bool search = flags & GEO_SEARCH, canStore = !(flags & (GEO_NOSTORE | GEO_SEARCH));
    for (int i = 0; i < remaining; i++) {
        slice arg = c->argv[base + i];
        const slice *next = &c->argv[base + i + 1];
        if (sliceIs(arg, "withdist")) {
            o->withdist = true;
        } else if (sliceIs(arg, "withhash")) {
            o->withhash = true;
        } else if (sliceIs(arg, "withcoord")) {
            o->withcoord = true;
        } else if (sliceIs(arg, "any")) {
            o->any = true;
        } else if (sliceIs(arg, "asc")) {
            o->sort = SORT_ASC;
        } else if (sliceIs(arg, "desc")) {
            o->sort = SORT_DESC;
        } else if (sliceIs(arg, "count") && i + 1 < remaining) {
            if (getLongLongOrReply(c, next[0], &o->count, NULL) == C_ERR) return C_ERR;
            if (o->count <= 0) {
                addReplyError(c, "ERR COUNT must be > 0");
                return C_ERR;
            }
            i++;
        } else if ((sliceIs(arg, "store") || sliceIs(arg, "storedist")) && i + 1 < remaining &&
                   canStore) {
            o->hasStore = true;
            o->store = next[0];
            o->storedist = sliceIs(arg, "storedist");
            i++;
        } else if (sliceIs(arg, "storedist") && search && (flags & GEO_SEARCHSTORE)) {
            o->storedist = true;
        } else if (sliceIs(arg, "frommember") && i + 1 < remaining && search && !o->fromlonlat) {
            /* Without the key the member cannot be read: the search
             * answers empty once the arguments are checked. */
            if (kv && !geoMemberLonLat(kv, next[0], &shape->lon, &shape->lat)) {
                addReplyError(c, "ERR could not decode requested zset member");
                return C_ERR;
            }
            o->frommember = true;
            i++;
        } else if (sliceIs(arg, "fromlonlat") && i + 2 < remaining && search && !o->frommember) {
            if (geoGetLonLatOrReply(c, next, &shape->lon, &shape->lat) == C_ERR) return C_ERR;
            o->fromlonlat = true;
            i += 2;
        } else if (sliceIs(arg, "byradius") && i + 2 < remaining && search && !o->bybox) {
            if (getRadiusOrReply(c, next, shape) == C_ERR) return C_ERR;
            shape->type = GEO_SHAPE_RADIUS;
            o->byradius = true;
            i += 2;
        } else if (sliceIs(arg, "bybox") && i + 3 < remaining && search && !o->byradius) {
            if (getBoxOrReply(c, next, shape) == C_ERR) return C_ERR;
            shape->type = GEO_SHAPE_BOX;
            o->bybox = true;
            i += 3;
        } else {
            addReplyError(c, ERR_SYNTAX);
            return C_ERR;
        }
    }
    return C_OK;
}

/* ---- results ---- */

static void replyResults(client *c, const geoResults *r, size_t n, const geoShape *shape,
                         const searchOpts *o) {
    int extra = o->withdist + o->withhash + o->withcoord;
    addReplyArrayLen(c, (long long)n);
    for (size_t j = 0; j < n; j++) {
        const geoPoint *p = &r->points[j];
        if (extra) addReplyArrayLen(c, extra + 1);
        addReplyBulk(c, r->arena->buf + p->off, p->len);
        if (o->withdist) geoReplyDistance(c, p->dist / shape->conversion);
        if (o->withhash) addReplyLongLong(c, (long long)p->score);
        if (o->withcoord) geoReplyLonLat(c, p->lon, p->lat);
    }
}

/* Replaces 'dst' by a sorted set of the first 'n' results, scored by
 * geohash or (STOREDIST) by distance in the request's unit; an empty
 * result deletes 'dst'.  Replies the number stored. */
static void storeResults(client *c, const geoResults *r, size_t n, const geoShape *shape,
                         const searchOpts *o, int flags) {
    slice dst = o->store;
    if (n == 0) {
        dbDeleteNotify(c, dst);
        addReplyLongLong(c, 0);
        return;
    }
    size_t maxLen = 0, total = 0;
    for (size_t j = 0; j < n; j++) {
        if (r->points[j].len > maxLen) maxLen = r->points[j].len;
        total += r->points[j].len;
    }
    kvobj *kv = zsetFitsCompact(n, maxLen, total) ? zsetNewCompactKv(dst.ptr, dst.len)
                                                  : zsetNewLargeKv(dst.ptr, dst.len);
    for (size_t j = 0; j < n; j++) {
        const geoPoint *p = &r->points[j];
        double score = o->storedist ? p->dist / shape->conversion : p->score;
        int out;
        zsetAdd(kv, score, r->arena->buf + p->off, p->len, 0, &out, NULL);
    }
    lookupWrite(c, dst); /* lets an expired destination go first */
    dbSet(c->db, kv);
    keyModified(c, dst, NOTIFY_ZSET, (flags & GEO_SEARCH) ? "geosearchstore" : "georadiusstore");
    addReplyLongLong(c, (long long)n);
}

/* ---- the generic search ---- */

static void geoSearchGeneric(client *c, int srcIndex, int flags) {
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[srcIndex], OBJ_ZSET, &wrong);
    if (wrong) return;
    geoShape shape = {0};
    searchOpts o = {0};
    int base;
    if (flags & GEO_FROM_COORDS) {
        base = 6;
        shape.type = GEO_SHAPE_RADIUS;
        if (geoGetLonLatOrReply(c, &c->argv[2], &shape.lon, &shape.lat) == C_ERR) return;
        if (getRadiusOrReply(c, &c->argv[4], &shape) == C_ERR) return;
    } else if (flags & GEO_FROM_MEMBER) {
        base = 5;
        /* A missing key still gets its options checked (Redis skips the
         * member and the radius then). */
        if (kv) {
            shape.type = GEO_SHAPE_RADIUS;
            if (!geoMemberLonLat(kv, c->argv[2], &shape.lon, &shape.lat)) {
                addReplyError(c, "ERR could not decode requested zset member");
                return;
            }
            if (getRadiusOrReply(c, &c->argv[3], &shape) == C_ERR) return;
        }
    } else {
        base = 2;
        if (flags & GEO_SEARCHSTORE) {
            base = 3;
            o.hasStore = true;
            o.store = c->argv[1];
        }
    }
    if (parseOptionsOrReply(c, base, flags, kv, &shape, &o) == C_ERR) return;

    slice name = c->argv[0];
    if (o.hasStore && (o.withdist || o.withhash || o.withcoord)) {
        addReplyErrorFormat(c, "ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD "
                               "options",
                            (flags & GEO_SEARCHSTORE) ? "GEOSEARCHSTORE"
                                                      : "STORE option in GEORADIUS");
        return;
    }
    if ((flags & GEO_SEARCH) && !(o.frommember || o.fromlonlat)) {
        addReplyErrorFormat(c, "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %.*s",
                            (int)name.len, name.ptr);
        return;
    }
    if ((flags & GEO_SEARCH) && !(o.byradius || o.bybox)) {
        addReplyErrorFormat(c, "ERR exactly one of BYRADIUS and BYBOX can be specified for %.*s",
                            (int)name.len, name.ptr);
        return;
    }
    if (o.any && !o.count) {
        addReplyError(c, "ERR the ANY argument requires COUNT argument");
        return;
    }
    if (!kv) {
        if (o.hasStore) {
            dbDeleteNotify(c, o.store);
            addReplyLongLong(c, 0);
        } else {
            addReplyEmptyArray(c);
        }
        return;
    }
    /* The nearest COUNT need sorting; ANY takes whatever came first. */
    if (o.count && o.sort == SORT_NONE && !o.any) o.sort = SORT_ASC;

    geoResults r = {NULL, 0, 0, sbufNewCap(64)};
    search(kv, &shape, &r, o.any ? (size_t)o.count : 0);
    if (r.used == 0 && !o.hasStore) {
        addReplyEmptyArray(c);
        resultsFree(&r);
        return;
    }
    size_t n = o.count == 0 || r.used < (size_t)o.count ? r.used : (size_t)o.count;
    if (o.sort != SORT_NONE && r.used > 1)
        qsort(r.points, r.used, sizeof(geoPoint),
              o.sort == SORT_ASC ? byDistanceAsc : byDistanceDesc);
    if (o.hasStore)
        storeResults(c, &r, n, &shape, &o, flags);
    else
        replyResults(c, &r, n, &shape, &o);
    resultsFree(&r);
}

/* GEORADIUS key longitude latitude radius M|KM|FT|MI [WITHCOORD]
 * [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC|DESC] [STORE key]
 * [STOREDIST key] (deprecated since 6.2 in favour of GEOSEARCH). */
void georadiusCommand(client *c) {
    geoSearchGeneric(c, 1, GEO_FROM_COORDS);
}

/* GEORADIUSBYMEMBER key member radius unit [...]: around a member. */
void georadiusbymemberCommand(client *c) {
    geoSearchGeneric(c, 1, GEO_FROM_MEMBER);
}

/* GEORADIUS_RO: GEORADIUS without STORE / STOREDIST. */
void georadiusroCommand(client *c) {
    geoSearchGeneric(c, 1, GEO_FROM_COORDS | GEO_NOSTORE);
}

/* GEORADIUSBYMEMBER_RO: GEORADIUSBYMEMBER without STORE / STOREDIST. */
void georadiusbymemberroCommand(client *c) {
    geoSearchGeneric(c, 1, GEO_FROM_MEMBER | GEO_NOSTORE);
}

/* GEOSEARCH key FROMMEMBER member|FROMLONLAT lon lat BYRADIUS r unit|BYBOX
 * w h unit [ASC|DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST]
 * [WITHHASH]. */
void geosearchCommand(client *c) {
    geoSearchGeneric(c, 1, GEO_SEARCH);
}

/* GEOSEARCHSTORE destination source ... [STOREDIST]. */
void geosearchstoreCommand(client *c) {
    geoSearchGeneric(c, 2, GEO_SEARCH | GEO_SEARCHSTORE);
}
