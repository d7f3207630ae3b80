/* SPDX-License-Identifier: BSD-3-Clause
 *
 * DEBUG PROPAGATION-LOG <file> | OFF: a consumer of the propagation stream
 * (core/propagate.h) that appends every command to a file in RESP, the
 * same bytes an AOF would hold.  Tests record a workload with it and
 * replay the file into an empty server to check that the stream rebuilds
 * the dataset.  Writes are buffered by stdio and flushed by OFF; an error
 * while writing stops the log (reported by OFF).
 */
#include "server/proplog.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/propagate.h"
#include "net/reply.h"

static FILE *logFile;
static bool logFailed;
static sbuf *logBuf;
static propConsumer logConsumer;

static void logFeed(propConsumer *pc, int argc, const slice *argv) {
    (void)pc;
    if (logFailed) return;
    sbufConsume(logBuf, logBuf->len);
    logBuf = propagateCatResp(logBuf, argc, argv);
    if (fwrite(logBuf->buf, 1, logBuf->len, logFile) != logBuf->len) logFailed = true;
}

/* Stops the log; returns false when writing it failed at some point. */
static bool logStop(void) {
    propagateRemoveConsumer(&logConsumer);
    bool ok = !logFailed && fclose(logFile) == 0;
    logFile = NULL;
    sbufFree(logBuf);
    logBuf = NULL;
    return ok;
}

void debugPropagationLog(client *c) {
    slice arg = c->argv[2];
    if (sliceIs(arg, "off")) {
        if (logFile && !logStop()) {
            addReplyError(c, "ERR writing the propagation log failed");
            return;
        }
        addReplyOK(c);
        return;
    }
    if (logFile) logStop();
    char path[4096];
    if (arg.len >= sizeof(path)) {
        addReplyError(c, "ERR path too long");
        return;
    }
    memcpy(path, arg.ptr, arg.len);
    path[arg.len] = '\0';
    logFile = fopen(path, "a");
    if (!logFile) {
        addReplyErrorFormat(c, "ERR can't open %s: %s", path, strerror(errno));
        return;
    }
    logFailed = false;
    logBuf = sbufNewCap(256);
    logConsumer = (propConsumer){.feed = logFeed, .targets = PROP_AOF, .selectedDb = -1};
    propagateAddConsumer(&logConsumer);
    addReplyOK(c);
}
