/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Configuration: the table of directives (redis.conf names), loading a
 * config file plus command-line "--name value" overrides, and CONFIG
 * GET/SET/RESETSTAT/REWRITE.
 */
#ifndef TERN_SERVER_CONFIG_H
#define TERN_SERVER_CONFIG_H

#include "server/server.h"

/* The 'origin' configLoadText gets for command-line options. */
#define CONFIG_ORIGIN_ARGS "(command line)"

/* Sets every directive to its default. */
void configInitDefaults(void);
/* Applies config text 'text' (file contents followed by command-line
 * options); 'origin' names the file for error messages.  On error prints a
 * Redis-style fatal message and exits(1). */
void configLoadText(const char *text, const char *origin);
/* Reads 'path' and applies it; exits on error. */
void configLoadFile(const char *path, sbuf **text);
/* Appends 'v' ('len' bytes) to 's' as one config-file word that
 * configLoadText reads back byte for byte: as is when it is plain and
 * 'quote' is false, otherwise double-quoted with \" \\ \n \r \t \xHH escapes (an empty
 * value is "").  Returns the possibly moved 's'.  CONFIG REWRITE and the
 * command-line options (main.c, 'quote' true: Redis quotes every option
 * argument, and its errors show them so) both write words through it. */
sbuf *configCatWord(sbuf *s, const char *v, size_t len, bool quote);
/* True when 'c' connects from this machine (loopback or Unix socket). */
bool clientIsLocal(const client *c);
/* Whether a no/yes/local setting (0/1/2: enable-debug-command,
 * enable-protected-configs) lets 'c' go ahead. */
bool configAllowsAction(int setting, const client *c);
/* Parses a memory size ("1gb", "512mb", "100"); false if invalid. */
bool configParseMemory(const char *s, long long *out);

#endif
