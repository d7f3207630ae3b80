/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Argument syntax of every command, for COMMAND DOCS.  The data is
 * core/cmdargs.def (one usage string per command full name, parsed by
 * ds/cmdsyntax.c); this module parses it once at startup and replies the
 * "arguments" tree in Redis 7.0's shape.
 */
#ifndef TERN_CORE_CMDARGS_H
#define TERN_CORE_CMDARGS_H

#include "ds/cmdsyntax.h"
#include "server/server.h"

/* Parses every usage string of core/cmdargs.def.  Called once, after the
 * command table is built: a malformed string, a duplicate entry or one
 * naming no command is a programming error and panics with the reason. */
void cmdArgsInit(void);

/* The argument tree of the command whose full name is 'fullname'
 * ("set", "client|kill"): a root block whose children are the arguments.
 * NULL when the table has no entry.  Lent until exit. */
const syntaxArg *cmdArgsLookup(const char *fullname);

/* Replies the children of 'root' as COMMAND DOCS's "arguments" array:
 * one map per argument with name, type, key_spec_index (keys), token,
 * since, deprecated_since, flags and nested arguments, each only where it
 * applies, in Redis 7.0's order. */
void addReplyCommandArgs(client *c, const syntaxArg *root);

#endif
