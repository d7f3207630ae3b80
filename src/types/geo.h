/* SPDX-License-Identifier: BSD-3-Clause
 *
 * What the GEO command files share (types/geo.c: GEOADD, GEOPOS, GEODIST,
 * GEOHASH; types/geosearch.c: GEOSEARCH, GEOSEARCHSTORE and the GEORADIUS
 * family): argument parsing with Redis's error texts and the decoding of
 * a member's position.  A geo index is an ordinary sorted set whose scores
 * are 52-bit geohashes (ds/geohash.h).
 */
#ifndef TERN_TYPES_GEO_H
#define TERN_TYPES_GEO_H

#include <stdbool.h>

#include "server/server.h"

/* Parses 'argv[0]' and 'argv[1]' as longitude and latitude, checking the
 * indexable range.  C_OK and 'lon'/'lat', or C_ERR after replying. */
int geoGetLonLatOrReply(client *c, const slice *argv, double *lon, double *lat);

/* Metres per unit of 'unit' (m, km, ft, mi, any case), or -1 after
 * replying the unsupported-unit error. */
double geoGetUnitOrReply(client *c, slice unit);

/* Position of 'member' of the sorted set 'kv': false when it is not a
 * member. */
bool geoMemberLonLat(kvobj *kv, slice member, double *lon, double *lat);

/* Replies a distance the way Redis prints them: a bulk string with four
 * decimals. */
void geoReplyDistance(client *c, double d);

/* Replies a [longitude, latitude] pair. */
void geoReplyLonLat(client *c, double lon, double lat);

#endif
