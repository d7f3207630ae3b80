/* SPDX-License-Identifier: BSD-3-Clause
 *
 * HyperLogLog commands (types/hyperloglog.c) over the sketches of
 * ds/hll.h: what the config table needs from them.
 */
#ifndef TERN_TYPES_HYPERLOGLOG_H
#define TERN_TYPES_HYPERLOGLOG_H

/* hll-sparse-max-bytes: the largest sparse sketch (header included);
 * an update that would grow one past it turns it dense. */
extern long long hllSparseMaxBytes;

#endif
