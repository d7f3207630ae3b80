/* SPDX-License-Identifier: BSD-3-Clause
 *
 * GEO commands that read or write single members: GEOADD, GEOPOS,
 * GEODIST, GEOHASH (the area searches live in types/geosearch.c).  A geo
 * index is a sorted set: GEOADD stores each position as the member's
 * score, the 52-bit geohash of ds/geohash.h, so ZRANGE, ZREM and friends
 * work on it too, and a member's position is read back from its score.
 *
 * Costs: GEOADD O(log N) per member (it is ZADD underneath, with ZADD's
 * keyspace event), the others O(log N) per member asked for.
 */
#include "types/geo.h"

#include <string.h>

#include "core/args.h"
#include "core/db.h"
#include "core/errors.h"
#include "core/notify.h"
#include "ds/geohash.h"
#include "net/reply.h"
#include "types/zset.h"

int geoGetLonLatOrReply(client *c, const slice *argv, double *lon, double *lat) {
    if (getDoubleOrReply(c, argv[0], lon, NULL) == C_ERR) return C_ERR;
    if (getDoubleOrReply(c, argv[1], lat, NULL) == C_ERR) return C_ERR;
    if (!geoValidLonLat(*lon, *lat)) {
        addReplyErrorFormat(c, "ERR invalid longitude,latitude pair %f,%f", *lon, *lat);
        return C_ERR;
    }
    return C_OK;
}

double geoGetUnitOrReply(client *c, slice unit) {
    if (sliceIs(unit, "m")) return 1;
    if (sliceIs(unit, "km")) return 1000;
    if (sliceIs(unit, "ft")) return 0.3048;
    if (sliceIs(unit, "mi")) return 1609.34;
    addReplyError(c, "ERR unsupported unit provided. please use M, KM, FT, MI");
    return -1;
}

bool geoMemberLonLat(kvobj *kv, slice member, double *lon, double *lat) {
    double score;
    if (!zsetScore(kv, member.ptr, member.len, &score)) return false;
    return geoScoreToLonLat(score, lon, lat);
}

void geoReplyDistance(client *c, double d) {
    char buf[32];
    size_t len = geoFormatDistance(buf, d);
    addReplyBulk(c, buf, len);
}

void geoReplyLonLat(client *c, double lon, double lat) {
    addReplyArrayLen(c, 2);
    addReplyHumanLongDouble(c, lon);
    addReplyHumanLongDouble(c, lat);
}

/* GEOADD key [NX|XX] [CH] longitude latitude member [...]: ZADD with the
 * geohashes as scores.  Every position is checked before anything is
 * written; replies the members added (with CH: added or moved). */
void geoaddCommand(client *c) {
    slice key = c->argv[1];
    int flags = 0, first = 2;
    bool ch = false;
    for (; first < c->argc; first++) {
        slice opt = c->argv[first];
        if (sliceIs(opt, "nx"))
            flags |= ZADD_IN_NX;
        else if (sliceIs(opt, "xx"))
            flags |= ZADD_IN_XX;
        else if (sliceIs(opt, "ch"))
            ch = true;
        else
            break;
    }
    int args = c->argc - first;
    if (args % 3 || args == 0 || ((flags & ZADD_IN_NX) && (flags & ZADD_IN_XX))) {
        addReplyError(c, ERR_SYNTAX);
        return;
    }
    int n = args / 3;
    double small[16];
    double *scores = n <= 16 ? small : tmalloc(sizeof(double) * (size_t)n);
    for (int j = 0; j < n; j++) {
        double lon, lat;
        if (geoGetLonLatOrReply(c, &c->argv[first + j * 3], &lon, &lat) == C_ERR) goto done;
        scores[j] = (double)geoScore(lon, lat);
    }
    bool wrong;
    kvobj *kv = lookupWriteTyped(c, key, OBJ_ZSET, &wrong);
    if (wrong) goto done;
    int added = 0, updated = 0;
    if (!kv) {
        if (flags & ZADD_IN_XX) {
            addReplyLongLong(c, 0);
            goto done;
        }
        kv = zsetNewKv(key.ptr, key.len, c->argv[first + 2].len);
        dbAdd(c->db, kv);
    }
    for (int j = 0; j < n; j++) {
        slice m = c->argv[first + j * 3 + 2];
        int out;
        zsetAdd(kv, scores[j], m.ptr, m.len, flags, &out, NULL);
        if (out & ZADD_OUT_ADDED) added++;
        if (out & ZADD_OUT_UPDATED) updated++;
    }
    addReplyLongLong(c, ch ? added + updated : added);
    if (added || updated) {
        keyModified(c, key, NOTIFY_ZSET, "zadd");
    }
done:
    if (scores != small) tfree(scores);
}

/* GEOPOS key [member ...]: a [longitude, latitude] pair per member, a
 * null array for a missing one. */
void geoposCommand(client *c) {
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_ZSET, &wrong);
    if (wrong) return;
    addReplyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        double lon, lat;
        if (kv && geoMemberLonLat(kv, c->argv[j], &lon, &lat))
            geoReplyLonLat(c, lon, lat);
        else
            addReplyNullArray(c);
    }
}

/* GEODIST key member1 member2 [M|KM|FT|MI]: the distance, or null when
 * either member (or the key) is missing.  The unit is checked first. */
void geodistCommand(client *c) {
    double toMeters = 1;
    if (c->argc == 5) {
        toMeters = geoGetUnitOrReply(c, c->argv[4]);
        if (toMeters < 0) return;
    } else if (c->argc > 5) {
        addReplyError(c, ERR_SYNTAX);
        return;
    }
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_ZSET, &wrong);
    if (wrong) return;
    double lon1, lat1, lon2, lat2;
    if (!kv || !geoMemberLonLat(kv, c->argv[2], &lon1, &lat1) ||
        !geoMemberLonLat(kv, c->argv[3], &lon2, &lat2)) {
        addReplyNull(c);
        return;
    }
    geoReplyDistance(c, geoDistance(lon1, lat1, lon2, lat2) / toMeters);
}

/* GEOHASH key [member ...]: the standard 11-character geohash of each
 * member, null for a missing one. */
void geohashCommand(client *c) {
    bool wrong;
    kvobj *kv = lookupReadTyped(c, c->argv[1], OBJ_ZSET, &wrong);
    if (wrong) return;
    addReplyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        double lon, lat;
        if (kv && geoMemberLonLat(kv, c->argv[j], &lon, &lat)) {
            char buf[11];
            geoHashString(lon, lat, buf);
            addReplyBulk(c, buf, sizeof(buf));
        } else {
            addReplyNull(c);
        }
    }
}
