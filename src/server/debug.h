/* SPDX-License-Identifier: BSD-3-Clause
 *
 * DEBUG DIGEST support that data types use from objTypeOps.digest.
 *
 * A type's digest function receives 'mix' and 'state'.  Bytes fed with
 * mix() are hashed in order, which suits strings, lists, sorted sets and
 * streams (their order is part of the value).  Sets and hashes have no
 * order: wrap each element (a set member; a hash field and its value) in
 * digestElementBegin/digestElementEnd and the elements are combined
 * order-independently, so two equal sets digest equally whatever their
 * internal layout.
 */
#ifndef TERN_SERVER_DEBUG_H
#define TERN_SERVER_DEBUG_H

/* Starts one unordered element: mix() calls until digestElementEnd go into
 * it.  'state' is the pointer the digest function received. */
void digestElementBegin(void *state);
/* Ends the element and folds it into the value order-independently. */
void digestElementEnd(void *state);

#endif
