/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Logging: "pid:role dd Mon yyyy hh:mm:ss.mmm <level-char> message", the
 * format Redis operators already grep, to stdout or the configured logfile.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "server/crashreport.h"
#include "server/server.h"

void serverLogRaw(int level, const char *msg) {
    if (level < server.verbosity) return;
    static const char marks[] = ".-*#";
    FILE *fp = server.logfile ? fopen(server.logfile, "a") : stdout;
    if (!fp) return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    char date[64];
    size_t off = strftime(date, sizeof(date), "%d %b %Y %H:%M:%S.", &tm);
    snprintf(date + off, sizeof(date) - off, "%03d", (int)tv.tv_usec / 1000);
    fprintf(fp, "%d:M %s %c %s\n", (int)getpid(), date, marks[level & 3], msg);
    fflush(fp);
    if (server.logfile) fclose(fp);
}

void serverLog(int level, const char *fmt, ...) {
    if (level < server.verbosity) return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    serverLogRaw(level, msg);
}

void serverPanicAt(const char *file, int line, const char *msg) {
    fprintf(stderr, "PANIC at %s:%d: %s\n", file, line, msg);
    crashReportAssertion(file, line, msg);
}
