/* SPDX-License-Identifier: BSD-3-Clause
 *
 * sbufref: readers of a buffer that has one owner.  A big string value is
 * sent to clients straight from its sbuf (no copy of the value per GET):
 * each pending reply holding it is a reader.  While readers hold a buffer
 * its owner must neither change nor free it: a writer copies it first
 * (copy on write), and an owner letting go of it (DEL, overwrite, FLUSHALL)
 * disowns it instead of freeing it, so the last reader frees it.
 *
 * The registry is a small array searched linearly: it holds one entry per
 * distinct buffer with readers (big values with replies still in flight),
 * so it is short; with no entry at all every call is one atomic load.  It
 * is guarded by a mutex because the lazy-free thread disowns values too.
 */
#ifndef TERN_DS_SBUFREF_H
#define TERN_DS_SBUFREF_H

#include <stdbool.h>

#include "ds/sbuf.h"

/* Registers one more reader of 's' (which its owner still holds). */
void sbufRefAcquire(sbuf *s);
/* Drops a reader of 's'; the last reader of a disowned buffer frees it. */
void sbufRefRelease(sbuf *s);
/* True while readers hold 's': its owner must copy it before a change. */
bool sbufRefHeld(const sbuf *s);
/* The owner lets go of 's': freed now when no reader holds it, else by
 * the last reader's release. */
void sbufRefDisown(sbuf *s);
/* Buffers with readers now (INFO, tests). */
unsigned long sbufRefCount(void);

#endif
