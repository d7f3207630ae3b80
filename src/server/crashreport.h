/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Bug reports in the log when the server dies of a fatal signal or a failed
 * assertion (see crashreport.c for the layout of a report).
 */
#ifndef TERN_SERVER_CRASHREPORT_H
#define TERN_SERVER_CRASHREPORT_H

/* Installs the handlers for SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT
 * (on an alternate stack).  Call once at startup, after the log is set up. */
void crashReportInstall(void);

/* Writes a bug report for the failed assertion or panic 'msg' at
 * 'file':'line' and ends the process with SIGABRT.  Never returns. */
void crashReportAssertion(const char *file, int line, const char *msg) __attribute__((noreturn));

#endif
