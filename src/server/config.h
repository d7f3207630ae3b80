/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Configuration: the table of directives (redis.conf names), loading a
 * config file plus command-line "--name value" overrides, and CONFIG
 * GET/SET/RESETSTAT/REWRITE.
 */
#ifndef TERN_SERVER_CONFIG_H
#define TERN_SERVER_CONFIG_H

#include "server/server.h"

/* Sets every directive to its default. */
void configInitDefaults(void);
/* Applies config text 'text' (file contents followed by command-line
 * options); 'origin' names the file for error messages.  On error prints a
 * Redis-style fatal message and exits(1). */
void configLoadText(const char *text, const char *origin);
/* Reads 'path' and applies it; exits on error. */
void configLoadFile(const char *path, sbuf **text);
/* Parses a memory size ("1gb", "512mb", "100"); false if invalid. */
bool configParseMemory(const char *s, long long *out);

#endif
