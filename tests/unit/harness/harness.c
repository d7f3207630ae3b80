/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The unit-test harness of tests/unit/harness/harness.h: real server
 * state without the network.  Commands run through processCommand on fake
 * clients (createClient(-1): no socket, never on the client list), and
 * their reply bytes are taken from the client's buffers with
 * clientReplyBytes, then discarded, so each call returns only its own
 * reply.
 */
#include "harness/harness.h"

#include <stdarg.h>
#include <string.h>

#include "core/command.h"
#include "core/db.h"
#include "ds/alloc.h"
#include "ds/sbuf.h"
#include "net/conn.h"
#include "server/config.h"
#include "types/registry.h"

#define HARNESS_MAX_WORDS 64

static bool ready;
static sbuf *lastReply;

void harnessInit(void) {
    if (ready) return;
    ready = true;
    configInitDefaults();
    updateCachedTime();
    dbInitAll();
    commandTableInit();
    registerTypes();
    lastReply = sbufNewCap(256);
}

client *harnessClient(void) {
    harnessInit();
    return createClient(-1);
}

void harnessFreeClient(client *c) { freeClient(c); }

const char *harnessCallArgv(client *c, int argc, const char **argv, const size_t *lens,
                            size_t *len) {
    if (argc > c->argvcap) {
        tfree(c->argv);
        c->argvcap = argc < 16 ? 16 : argc;
        c->argv = tmalloc(sizeof(slice) * (size_t)c->argvcap);
    }
    for (int j = 0; j < argc; j++) {
        c->argv[j].ptr = (char *)argv[j];
        c->argv[j].len = lens ? lens[j] : strlen(argv[j]);
    }
    c->argc = argc;
    processCommand(c);
    c->argc = 0;
    char *owned;
    size_t n;
    const char *bytes = clientReplyBytes(c, &n, &owned);
    sbufSetLen(lastReply, 0);
    lastReply = sbufCat(lastReply, bytes, n);
    tfree(owned);
    clientDiscardReply(c);
    if (len) *len = n;
    return lastReply->buf;
}

const char *harnessCall(client *c, const char *word, ...) {
    const char *argv[HARNESS_MAX_WORDS];
    int argc = 0;
    va_list ap;
    va_start(ap, word);
    for (const char *w = word; w && argc < HARNESS_MAX_WORDS; w = va_arg(ap, const char *))
        argv[argc++] = w;
    va_end(ap);
    return harnessCallArgv(c, argc, argv, NULL, NULL);
}

void harnessFlushAll(void) {
    for (int j = 0; j < server.dbnum; j++) dbEmpty(j, false);
}
