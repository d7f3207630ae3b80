/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Stream entry ids: a millisecond time and a sequence number, both
 * unsigned 64-bit, ordered by (ms, seq).  Shared by the stream node
 * encoding (ds/streamnode.h), the id-keyed B+tree (ds/idtree.h) and the
 * stream type (types/stream.h).  Header only.
 */
#ifndef TERN_DS_STREAMID_H
#define TERN_DS_STREAMID_H

#include <stdbool.h>
#include <stdint.h>

typedef struct streamID {
    uint64_t ms;
    uint64_t seq;
} streamID;

#define STREAMID_MIN ((streamID){0, 0})
#define STREAMID_MAX ((streamID){UINT64_MAX, UINT64_MAX})

/* -1, 0 or 1 as 'a' sorts before, equal to or after 'b'. */
static inline int streamIDCompare(streamID a, streamID b) {
    if (a.ms != b.ms) return a.ms < b.ms ? -1 : 1;
    if (a.seq != b.seq) return a.seq < b.seq ? -1 : 1;
    return 0;
}

static inline bool streamIDIsZero(streamID a) { return a.ms == 0 && a.seq == 0; }

/* Successor of '*id'; false (and '*id' wrapped to 0-0) when it was the
 * largest id. */
static inline bool streamIDIncr(streamID *id) {
    if (id->seq != UINT64_MAX) {
        id->seq++;
        return true;
    }
    if (id->ms != UINT64_MAX) {
        id->ms++;
        id->seq = 0;
        return true;
    }
    id->ms = id->seq = 0;
    return false;
}

/* Predecessor of '*id'; false (and '*id' wrapped to the largest id) when
 * it was 0-0. */
static inline bool streamIDDecr(streamID *id) {
    if (id->seq != 0) {
        id->seq--;
        return true;
    }
    if (id->ms != 0) {
        id->ms--;
        id->seq = UINT64_MAX;
        return true;
    }
    id->ms = id->seq = UINT64_MAX;
    return false;
}

#endif
