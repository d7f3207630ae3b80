/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Startup and shutdown entry points used by main.c and SHUTDOWN.
 */
#ifndef TERN_SERVER_LIFECYCLE_H
#define TERN_SERVER_LIFECYCLE_H

#define SHUTDOWN_DEFAULT 0
#define SHUTDOWN_SAVE 1
#define SHUTDOWN_NOSAVE 2
#define SHUTDOWN_NOW 4
#define SHUTDOWN_FORCE 8

/* Opens listeners, creates databases and the cron.  C_OK or C_ERR. */
int initServer(void);
/* Runs the event loop until shutdown. */
void runServer(void);
/* Stops accepting, removes the pidfile.  C_OK when the server may exit. */
int prepareForShutdown(int flags);
/* Frees everything and exits with 'code'. */
void exitServer(int code) __attribute__((noreturn));
/* Applies a new maxclients (CONFIG SET): fd limit and event loop size. */
int applyMaxclients(const char **err);
/* Frees strings the config owns (shutdown). */
void freeConfigStrings(void);

#endif
