/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The data types' registration with core: each type's objTypeOps (and
 * the read access other types use, like ZUNION over sets).
 */
#ifndef TERN_TYPES_REGISTRY_H
#define TERN_TYPES_REGISTRY_H

/* Registers each data type's operations with core/object.c.  Called once
 * at startup, after the command table. */
void registerTypes(void);

#endif
