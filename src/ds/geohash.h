/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Geohash math for the GEO commands, bit for bit as Redis does it, so a
 * sorted-set score written by either server decodes to the same
 * coordinates on the other and searches return the same members with the
 * same distances.
 *
 * A position is a 52-bit integer: longitude and latitude are each scaled
 * to 26 bits over their range (longitude -180..180, latitude
 * -85.05112878..85.05112878, the Web Mercator limits), and the two are
 * interleaved, latitude in the even bits and longitude in the odd ones:
 *
 *   bit  51 50 49 48 ...  1  0
 *        lo la lo la ... lo la      (lo = longitude bit, la = latitude bit)
 *
 * so a prefix of 2*s bits names a cell of the grid at "step" s and every
 * point inside it has a score in [prefix << (52-2s), (prefix+1) << (52-2s)).
 * A point decodes to the centre of its step-26 cell (about 0.6 m wide).
 *
 * Searching a circle or a box: pick the step whose cells are about the
 * size of the search area, take the centre's cell and its eight
 * neighbours, drop neighbours the area cannot reach, and scan the score
 * range of each remaining cell, checking every candidate's distance.
 * Distances use the haversine formula on a sphere of radius 6372797.560856
 * m, with Redis's order of floating-point operations.
 *
 * A pure library: no server state, no replies.
 */
#ifndef TERN_DS_GEOHASH_H
#define TERN_DS_GEOHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GEO_STEP_MAX 26
#define GEO_LAT_MIN -85.05112878
#define GEO_LAT_MAX 85.05112878
#define GEO_LONG_MIN -180
#define GEO_LONG_MAX 180

/* A cell: its 2*step interleaved bits.  {0, 0} means "no cell". */
typedef struct geoHash {
    uint64_t bits;
    int step;
} geoHash;

typedef struct geoRange {
    double min, max;
} geoRange;

/* The bounds of a cell. */
typedef struct geoArea {
    geoRange lon, lat;
} geoArea;

/* The ranges of the stored scores (Web Mercator latitude limits). */
extern const geoRange geoLonRange, geoLatRange;

/* True when 'lon'/'lat' lie inside the indexable ranges (GEOADD's check). */
bool geoValidLonLat(double lon, double lat);

/* Cell of step 'step' (1..32) holding 'lon'/'lat' over the ranges
 * 'lonr'/'latr'.  False (and '*out' untouched) when the point lies outside
 * the indexable ranges or 'step' is out of bounds. */
bool geoEncode(geoRange lonr, geoRange latr, double lon, double lat, int step, geoHash *out);

/* Bounds of cell 'h' over 'lonr'/'latr'.  False for the "no cell" hash. */
bool geoDecode(geoRange lonr, geoRange latr, geoHash h, geoArea *out);

/* The 52-bit score of 'lon'/'lat' (which must be valid). */
uint64_t geoScore(double lon, double lat);

/* Coordinates of the point a score encodes: the centre of its step-26
 * cell, clamped to the indexable ranges.  Scores are taken as Redis takes
 * them (the double truncated to an integer); false only for a score that
 * does not name a cell. */
bool geoScoreToLonLat(double score, double *lon, double *lat);

/* The score range [*min, *max) of the points inside cell 'h'. */
void geoCellScores(geoHash h, uint64_t *min, uint64_t *max);

/* The standard 11-character geohash (base32, latitude -90..90) of
 * 'lon'/'lat', as GEOHASH replies it; writes 11 bytes, no NUL. */
void geoHashString(double lon, double lat, char *out);

/* Great-circle distance in metres between two points (degrees). */
double geoDistance(double lon1, double lat1, double lon2, double lat2);
/* Distance along a meridian between two latitudes (degrees), in metres. */
double geoLatDistance(double lat1, double lat2);

/* ---- searching ---- */

#define GEO_SHAPE_RADIUS 1
#define GEO_SHAPE_BOX 2

/* A search area around 'lon'/'lat': a circle of 'radius' or a box of
 * 'width' x 'height', in units of 'conversion' metres. */
typedef struct geoShape {
    int type;
    double lon, lat;
    double conversion;
    double radius;
    double width, height;
} geoShape;

/* Step whose cells cover a range of 'meters' around latitude 'lat'. */
int geoEstimateStep(double meters, double lat);

/* The cells to scan for 'shape', in Redis's order (centre, N, S, E, W, NE,
 * NW, SE, SW) with the unreachable ones and repeats removed: writes up to
 * 9 cells to 'out' and returns how many. */
int geoSearchCells(const geoShape *shape, geoHash *out);

/* True when 'lon'/'lat' lies inside 'shape'; '*dist' then holds its
 * distance from the centre in metres. */
bool geoInShape(const geoShape *shape, double lon, double lat, double *dist);

/* Formats 'd' with exactly four decimals, rounded to nearest even at the
 * fourth as Redis's distances are ("12.3457"); 'buf' holds 32 bytes.
 * Returns the length. */
size_t geoFormatDistance(char *buf, double d);

#endif
