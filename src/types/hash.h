/* SPDX-License-Identifier: BSD-3-Clause
 *
 * What other command files need from hash values (types/hash.c): reading
 * one field (SORT's BY/GET "key->field" patterns).
 */
#ifndef TERN_TYPES_HASH_H
#define TERN_TYPES_HASH_H

#include <stdbool.h>
#include <stddef.h>

#include "server/server.h"

/* Bytes of field 'f'/'flen' in the hash 'kv': true with '*v'/'*vlen'
 * (an integer entry is formatted into 'buf', 21 bytes; otherwise the bytes
 * lie in the value, valid until the hash changes), false when absent. */
bool hashGetField(const kvobj *kv, const char *f, size_t flen, const char **v, size_t *vlen,
                  unsigned char *buf);

#endif
