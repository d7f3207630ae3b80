/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Error statistics by prefix ("ERR", "WRONGTYPE", ...) for INFO errorstats.
 */
#ifndef TERN_SERVER_ERRORSTATS_H
#define TERN_SERVER_ERRORSTATS_H

#include "ds/sbuf.h"
#include <stddef.h>

/* Counts one error reply whose text is 'err' ('len' bytes). */
void errorstatsIncr(const char *err, size_t len);
/* Clears the counters (CONFIG RESETSTAT). */
void errorstatsReset(void);
/* Appends "errorstat_<PREFIX>:count=<n>\r\n" lines to 's'. */
sbuf *errorstatsCatInfo(sbuf *s);

#endif
