/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Geohash math (see geohash.h).  Every floating-point expression keeps the
 * operand order of Redis 7.0's, since reordering changes the last bit and
 * the last bit can move a point across a cell edge or a radius.
 */
#include "ds/geohash.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#define EARTH_RADIUS 6372797.560856
#define MERCATOR_MAX 20037726.37
#define DEG_RAD (M_PI / 180.0)

const geoRange geoLonRange = {GEO_LONG_MIN, GEO_LONG_MAX};
const geoRange geoLatRange = {GEO_LAT_MIN, GEO_LAT_MAX};

static inline double degRad(double deg) {
    return deg * DEG_RAD;
}
static inline double radDeg(double rad) {
    return rad / DEG_RAD;
}

/* ---- bit interleaving ---- */

/* Spreads the 32 bits of 'v' over the even bits of the result. */
static inline uint64_t spread(uint32_t v) {
    uint64_t x = v;
    x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
    x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
    x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
    x = (x | (x << 2)) & 0x3333333333333333ULL;
    x = (x | (x << 1)) & 0x5555555555555555ULL;
    return x;
}

/* Gathers the even bits of 'x' into 32 bits. */
static inline uint32_t gather(uint64_t x) {
    x &= 0x5555555555555555ULL;
    x = (x | (x >> 1)) & 0x3333333333333333ULL;
    x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
    x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
    x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
    x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
    return (uint32_t)x;
}

/* ---- encoding ---- */

bool geoValidLonLat(double lon, double lat) {
    return !(lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX);
}

bool geoEncode(geoRange lonr, geoRange latr, double lon, double lat, int step, geoHash *out) {
    if (step < 1 || step > 32) return false;
    if ((lonr.min == 0 && lonr.max == 0) || (latr.min == 0 && latr.max == 0)) return false;
    /* Whatever the ranges, nothing outside the indexable area encodes. */
    if (!geoValidLonLat(lon, lat)) return false;
    if (lat < latr.min || lat > latr.max || lon < lonr.min || lon > lonr.max) return false;
    double latOff = (lat - latr.min) / (latr.max - latr.min);
    double lonOff = (lon - lonr.min) / (lonr.max - lonr.min);
    latOff *= (double)(1ULL << step);
    lonOff *= (double)(1ULL << step);
    out->bits = spread((uint32_t)latOff) | (spread((uint32_t)lonOff) << 1);
    out->step = step;
    return true;
}

bool geoDecode(geoRange lonr, geoRange latr, geoHash h, geoArea *out) {
    if (h.bits == 0 && h.step == 0) return false;
    if ((lonr.min == 0 && lonr.max == 0) || (latr.min == 0 && latr.max == 0)) return false;
    uint32_t ilat = gather(h.bits), ilon = gather(h.bits >> 1);
    double latScale = latr.max - latr.min, lonScale = lonr.max - lonr.min;
    double cells = (double)(1ULL << h.step);
    out->lat.min = latr.min + (ilat * 1.0 / cells) * latScale;
    out->lat.max = latr.min + ((ilat + 1) * 1.0 / cells) * latScale;
    out->lon.min = lonr.min + (ilon * 1.0 / cells) * lonScale;
    out->lon.max = lonr.min + ((ilon + 1) * 1.0 / cells) * lonScale;
    return true;
}

static inline uint64_t align52(geoHash h) {
    return h.bits << (52 - h.step * 2);
}

uint64_t geoScore(double lon, double lat) {
    geoHash h = {0, 0};
    geoEncode(geoLonRange, geoLatRange, lon, lat, GEO_STEP_MAX, &h);
    return align52(h);
}

/* The double-to-uint64 conversion x86-64 compilers emit (Redis casts a
 * score that way): defined here for every input, including the negative
 * and out-of-range scores a plain ZADD can store. */
static uint64_t scoreToBits(double s) {
    const double two63 = 9223372036854775808.0;
    const uint64_t sign = 0x8000000000000000ULL;
    if (s >= two63) {
        double t = s - two63;
        return t >= two63 ? 0 : ((uint64_t)(int64_t)t ^ sign); /* +inf: 0 */
    }
    if (!(s >= -two63)) return sign; /* -inf, NaN: the "indefinite" integer */
    return (uint64_t)(int64_t)s;
}

bool geoScoreToLonLat(double score, double *lon, double *lat) {
    geoHash h = {scoreToBits(score), GEO_STEP_MAX};
    geoArea a;
    if (!geoDecode(geoLonRange, geoLatRange, h, &a)) return false;
    double x = (a.lon.min + a.lon.max) / 2;
    if (x > GEO_LONG_MAX) x = GEO_LONG_MAX;
    if (x < GEO_LONG_MIN) x = GEO_LONG_MIN;
    double y = (a.lat.min + a.lat.max) / 2;
    if (y > GEO_LAT_MAX) y = GEO_LAT_MAX;
    if (y < GEO_LAT_MIN) y = GEO_LAT_MIN;
    *lon = x;
    *lat = y;
    return true;
}

void geoCellScores(geoHash h, uint64_t *min, uint64_t *max) {
    *min = align52(h);
    h.bits++;
    *max = align52(h);
}

void geoHashString(double lon, double lat, char *out) {
    static const char alphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
    const geoRange lonr = {-180, 180}, latr = {-90, 90};
    geoHash h = {0, 0};
    geoEncode(lonr, latr, lon, lat, GEO_STEP_MAX, &h);
    for (int j = 0; j < 10; j++)
        out[j] = alphabet[(h.bits >> (52 - (j + 1) * 5)) & 0x1F];
    /* 52 bits make ten characters and two bits; the 11th, kept for
     * compatibility with older replies, reads as zero. */
    out[10] = alphabet[0];
}

/* ---- distances ---- */

double geoLatDistance(double lat1, double lat2) {
    return EARTH_RADIUS * fabs(degRad(lat2) - degRad(lat1));
}

double geoDistance(double lon1, double lat1, double lon2, double lat2) {
    double lon1r = degRad(lon1), lon2r = degRad(lon2);
    double v = sin((lon2r - lon1r) / 2);
    /* Same longitude: the distance is along the meridian. */
    if (v == 0.0) return geoLatDistance(lat1, lat2);
    double lat1r = degRad(lat1), lat2r = degRad(lat2);
    double u = sin((lat2r - lat1r) / 2);
    double a = u * u + cos(lat1r) * cos(lat2r) * v * v;
    return 2.0 * EARTH_RADIUS * asin(sqrt(a));
}

/* ---- searching ---- */

int geoEstimateStep(double meters, double lat) {
    if (meters == 0) return GEO_STEP_MAX;
    int step = 1;
    while (meters < MERCATOR_MAX) {
        meters *= 2;
        step++;
    }
    step -= 2; /* so that the area fits the cells in most cases */
    /* Cells narrow towards the poles. */
    if (lat > 66 || lat < -66) {
        step--;
        if (lat > 80 || lat < -80) step--;
    }
    if (step < 1) step = 1;
    if (step > GEO_STEP_MAX) step = GEO_STEP_MAX;
    return step;
}

/* Moves cell 'h' one column east ('d' > 0) or west, wrapping around. */
static void moveLon(geoHash *h, int d) {
    uint64_t x = h->bits & 0xAAAAAAAAAAAAAAAAULL; /* longitude bits */
    uint64_t y = h->bits & 0x5555555555555555ULL;
    uint64_t zz = 0x5555555555555555ULL >> (64 - h->step * 2);
    if (d > 0) {
        x = x + (zz + 1);
    } else {
        x = x | zz;
        x = x - (zz + 1);
    }
    x &= 0xAAAAAAAAAAAAAAAAULL >> (64 - h->step * 2);
    h->bits = x | y;
}

/* Moves cell 'h' one row north ('d' > 0) or south, wrapping around. */
static void moveLat(geoHash *h, int d) {
    uint64_t x = h->bits & 0xAAAAAAAAAAAAAAAAULL;
    uint64_t y = h->bits & 0x5555555555555555ULL; /* latitude bits */
    uint64_t zz = 0xAAAAAAAAAAAAAAAAULL >> (64 - h->step * 2);
    if (d > 0) {
        y = y + (zz + 1);
    } else {
        y = y | zz;
        y = y - (zz + 1);
    }
    y &= 0x5555555555555555ULL >> (64 - h->step * 2);
    h->bits = x | y;
}

/* Indexes of the nine cells, in the order they are scanned. */
enum { C_CENTER, C_N, C_S, C_E, C_W, C_NE, C_NW, C_SE, C_SW, C_CELLS };

static void neighbours(geoHash h, geoHash *cells) {
    static const int moves[C_CELLS][2] = {
        {0, 0}, {0, 1}, {0, -1}, {1, 0}, {-1, 0}, {1, 1}, {-1, 1}, {1, -1}, {-1, -1},
    };
    for (int j = 0; j < C_CELLS; j++) {
        cells[j] = h;
        if (moves[j][0]) moveLon(&cells[j], moves[j][0]);
        if (moves[j][1]) moveLat(&cells[j], moves[j][1]);
    }
}

/* The bounding box [minlon, minlat, maxlon, maxlat] of 'shape'.  The
 * longitude span is measured at the edge nearer the pole. */
static void boundingBox(const geoShape *s, double *b) {
    double height = s->conversion * (s->type == GEO_SHAPE_RADIUS ? s->radius : s->height / 2);
    double width = s->conversion * (s->type == GEO_SHAPE_RADIUS ? s->radius : s->width / 2);
    const double latDelta = radDeg(height / EARTH_RADIUS);
    const double lonDeltaTop = radDeg(width / EARTH_RADIUS / cos(degRad(s->lat + latDelta)));
    const double lonDeltaBottom = radDeg(width / EARTH_RADIUS / cos(degRad(s->lat - latDelta)));
    bool south = s->lat < 0;
    b[0] = south ? s->lon - lonDeltaBottom : s->lon - lonDeltaTop;
    b[2] = south ? s->lon + lonDeltaBottom : s->lon + lonDeltaTop;
    b[1] = s->lat - latDelta;
    b[3] = s->lat + latDelta;
}

static void clearCell(geoHash *h) {
    h->bits = 0;
    h->step = 0;
}

int geoSearchCells(const geoShape *s, geoHash *out) {
    double b[4];
    boundingBox(s, b);
    double minLon = b[0], minLat = b[1], maxLon = b[2], maxLat = b[3];
    double meters = s->type == GEO_SHAPE_RADIUS
                        ? s->radius
                        : sqrt((s->width / 2) * (s->width / 2) + (s->height / 2) * (s->height / 2));
    meters *= s->conversion;
    int step = geoEstimateStep(meters, s->lat);

    geoHash centre = {0, 0}, cells[C_CELLS];
    geoArea area = {{0, 0}, {0, 0}};
    geoEncode(geoLonRange, geoLatRange, s->lon, s->lat, step, &centre);
    neighbours(centre, cells);
    geoDecode(geoLonRange, geoLatRange, centre, &area);

    /* When the area reaches past a neighbour (the centre sits near an
     * edge of its cell), use cells one step larger. */
    geoArea n = area, so = area, e = area, w = area;
    geoDecode(geoLonRange, geoLatRange, cells[C_N], &n);
    geoDecode(geoLonRange, geoLatRange, cells[C_S], &so);
    geoDecode(geoLonRange, geoLatRange, cells[C_E], &e);
    geoDecode(geoLonRange, geoLatRange, cells[C_W], &w);
    bool larger = n.lat.max < maxLat || so.lat.min > minLat || e.lon.max < maxLon ||
                  w.lon.min > minLon;
    if (step > 1 && larger) {
        step--;
        geoEncode(geoLonRange, geoLatRange, s->lon, s->lat, step, &centre);
        neighbours(centre, cells);
        geoDecode(geoLonRange, geoLatRange, centre, &area);
    }

    /* Drop the neighbours on sides the area does not reach. */
    if (step >= 2) {
        if (area.lat.min < minLat) {
            clearCell(&cells[C_S]);
            clearCell(&cells[C_SW]);
            clearCell(&cells[C_SE]);
        }
        if (area.lat.max > maxLat) {
            clearCell(&cells[C_N]);
            clearCell(&cells[C_NE]);
            clearCell(&cells[C_NW]);
        }
        if (area.lon.min < minLon) {
            clearCell(&cells[C_W]);
            clearCell(&cells[C_SW]);
            clearCell(&cells[C_NW]);
        }
        if (area.lon.max > maxLon) {
            clearCell(&cells[C_E]);
            clearCell(&cells[C_SE]);
            clearCell(&cells[C_NE]);
        }
    }

    /* Huge areas can make neighbours coincide.  As in Redis, a cell is
     * skipped when it equals the last one scanned, except that the
     * comparison starts only after a neighbour (not the centre) was
     * scanned. */
    int count = 0, last = 0;
    for (int j = 0; j < C_CELLS; j++) {
        if (cells[j].bits == 0 && cells[j].step == 0) continue;
        if (last && cells[j].bits == cells[last].bits && cells[j].step == cells[last].step)
            continue;
        out[count++] = cells[j];
        last = j;
    }
    return count;
}

bool geoInShape(const geoShape *s, double lon, double lat, double *dist) {
    if (s->type == GEO_SHAPE_RADIUS) {
        *dist = geoDistance(s->lon, s->lat, lon, lat);
        return !(*dist > s->radius * s->conversion);
    }
    double widthM = s->width * s->conversion, heightM = s->height * s->conversion;
    /* The cheaper latitude test first. */
    if (geoLatDistance(lat, s->lat) > heightM / 2) return false;
    if (geoDistance(lon, lat, s->lon, lat) > widthM / 2) return false;
    *dist = geoDistance(s->lon, s->lat, lon, lat);
    return true;
}

size_t geoFormatDistance(char *buf, double d) {
    if (d == 0) {
        memcpy(buf, "0.0000", 7);
        return 6;
    }
    long long v = llrint(d * 10000.0);
    size_t n = 0;
    unsigned long long u;
    if (v < 0) {
        buf[n++] = '-';
        u = v == LLONG_MIN ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)-v;
    } else {
        u = (unsigned long long)v;
    }
    char digits[24];
    int nd = 0;
    do {
        digits[nd++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    while (nd < 5) digits[nd++] = '0'; /* at least "0.xxxx" */
    for (int j = nd - 1; j >= 4; j--) buf[n++] = digits[j];
    buf[n++] = '.';
    for (int j = 3; j >= 0; j--) buf[n++] = digits[j];
    buf[n] = '\0';
    return n;
}
