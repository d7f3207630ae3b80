/* SPDX-License-Identifier: BSD-3-Clause
 *
 * What the bitmap command files (types/bitops.c, types/bitfield.c) share:
 * parsing a bit offset and reaching a string value as a growable byte
 * buffer.
 */
#ifndef TERN_TYPES_BITOPS_H
#define TERN_TYPES_BITOPS_H

#include <stdbool.h>
#include <stdint.h>

#include "server/server.h"

/* Parses a bit offset with Redis's rules and its error ("ERR bit offset
 * is not an integer or out of range"): a non-negative integer whose byte
 * lies below proto-max-bulk-len.  With 'hash' and a leading '#' the number
 * counts fields of 'bits' bits (BITFIELD's "#3" = bit 3*bits).  Returns
 * C_OK and '*out', or C_ERR after replying. */
int getBitOffsetOrReply(client *c, slice arg, bool hash, int bits, uint64_t *out);

/* Looks up 'key' for writing as a string that must reach bit 'maxbit':
 * creates it (zero bytes) when missing, otherwise turns an int or embstr
 * value into a raw one and zero-pads it in place (amortised growth).
 * '*dirty' tells whether the key was created or grew.  Returns the value's
 * buffer, valid until the keyspace next changes, or NULL after replying
 * (WRONGTYPE, or an allocation that failed). */
sbuf *lookupStringForBitWrite(client *c, slice key, uint64_t maxbit, bool *dirty);

#endif
