/* SPDX-License-Identifier: BSD-3-Clause
 *
 * A small harness for unit tests of core/ and types/: a server with its
 * databases, command table and types registered but no event loop work,
 * no listening socket and no config file, and fake clients (no socket)
 * that run commands through the real dispatcher and hand back the exact
 * reply bytes.  Test binaries that include this header link every server
 * object except src/main.c (see UNIT_HARNESS_TESTS in the Makefile).
 *
 *   harnessInit();
 *   client *c = harnessClient();
 *   assert_string_equal(harnessCall(c, "SADD", "s", "1", NULL), ":1\r\n");
 *   harnessFreeClient(c);
 */
#ifndef TERN_TESTS_HARNESS_H
#define TERN_TESTS_HARNESS_H

#include <stddef.h>

#include "server/server.h"

/* Prepares the server state once (later calls do nothing): config
 * defaults, databases, the command table, the types' hooks. */
void harnessInit(void);

/* A new fake client on db 0, RESP2, authenticated.  Free it with
 * harnessFreeClient. */
client *harnessClient(void);
void harnessFreeClient(client *c);

/* Runs the command whose words are the NULL-terminated list after 'c'
 * (processCommand: arity, MULTI, the write path, everything) and returns
 * its reply as a NUL-terminated string of the RESP bytes.  The string
 * stays valid until the next harnessCall; binary replies: use
 * harnessCallArgv and the length. */
const char *harnessCall(client *c, const char *word, ...);
/* The same with 'argc' words in 'argv' (each 'lens[j]' bytes, or strlen
 * when 'lens' is NULL); stores the reply length in '*len' if not NULL. */
const char *harnessCallArgv(client *c, int argc, const char **argv, const size_t *lens,
                            size_t *len);

/* Empties every database (FLUSHALL without the notifications). */
void harnessFlushAll(void);

#endif
