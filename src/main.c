/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Entry point: `tern-server [config-file] [--directive value ...]`.  The
 * config file and then the options are loaded through the same parser (the
 * options turned into config lines), so options win, as with redis-server.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/config.h"
#include "server/lifecycle.h"
#include "server/server.h"

static void usage(void) {
    fprintf(stderr,
            "Usage: ./tern-server [/path/to/redis.conf] [options] [-]\n"
            "       ./tern-server - (read config from stdin)\n"
            "       ./tern-server -v or --version\n"
            "       ./tern-server -h or --help\n\n"
            "Examples:\n"
            "       ./tern-server (run the server with default conf)\n"
            "       ./tern-server /etc/redis/6379.conf\n"
            "       ./tern-server --port 7777\n"
            "       ./tern-server /etc/myredis.conf --loglevel verbose\n");
    exit(1);
}

int main(int argc, char **argv) {
    /* SORT ... ALPHA collates with the environment's locale, as Redis does. */
    setlocale(LC_COLLATE, "");
    configInitDefaults();
    int j = 1;
    if (argc >= 2) {
        if (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--version") == 0) {
            printf("Tern server v=%s (speaks Redis %s) bits=64\n", TERN_OWN_VERSION, TERN_VERSION);
            return 0;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) usage();
        if (argv[1][0] != '-' || (argv[1][1] == '\0')) {
            sbuf *file = sbufNewCap(256);
            configLoadFile(argv[1], &file);
            if (strcmp(argv[1], "-") != 0) {
                char *abs = realpath(argv[1], NULL);
                server.configfile = abs ? tstrdup(abs) : NULL;
                free(abs);
            }
            /* The file first, then the options, so options win; each with
             * its own origin so errors point at the right place. */
            configLoadText(file->buf, server.configfile);
            sbufFree(file);
            j = 2;
        }
    }
    /* "--name a b --other c" becomes lines "name a b" / "other c". */
    sbuf *text = sbufNewCap(256);
    bool first = true;
    for (; j < argc; j++) {
        if (argv[j][0] == '-' && argv[j][1] == '-' && argv[j][2] != '\0') {
            if (!first) text = sbufCat(text, "\n", 1);
            text = sbufCatStr(text, argv[j] + 2);
            first = false;
        } else {
            text = sbufCat(text, " ", 1);
            text = configCatWord(text, argv[j], strlen(argv[j]), true);
        }
    }
    text = sbufCat(text, "\n", 1);
    configLoadText(text->buf, CONFIG_ORIGIN_ARGS);
    sbufFree(text);

    if (initServer() == C_ERR) return 1;
    /* " PID: <pid>" is what Redis's test suite (and other supervisors)
     * wait for in the log to know the server they started is up. */
    serverLog(LL_NOTICE, "Tern %s (Redis %s compatible) started, Port: %d, PID: %d",
              TERN_OWN_VERSION, TERN_VERSION, server.port, (int)server.pid);
    serverLog(LL_NOTICE, "Ready to accept connections");
    runServer();
    exitServer(0);
}
