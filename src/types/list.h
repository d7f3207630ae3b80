/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The list type (types/list.c): its configuration and registration.  List
 * values are chunklists (ds/chunklist.h) reported as "quicklist", the only
 * list encoding Redis 7.0 has.
 */
#ifndef TERN_TYPES_LIST_H
#define TERN_TYPES_LIST_H

/* list-max-listpack-size (alias list-max-ziplist-size): chunk limit of
 * lists created from now on. */
extern int listMaxListpackSize;
/* list-compress-depth: only 0 (no compression) is supported. */
extern int listCompressDepth;

/* Registers the list objTypeOps with object.c. */
void listRegisterType(void);

#endif
