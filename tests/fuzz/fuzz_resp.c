/* SPDX-License-Identifier: BSD-3-Clause
 *
 * libFuzzer target for the RESP request parser (src/net/resp.c): the input
 * is a stream of request bytes fed the way the server feeds a query
 * buffer, commands parsed one after another until the parser needs more
 * bytes or reports a protocol error.  Checks that every finished command's
 * arguments lie inside the buffer and that parsing always advances.
 * Build and run with `make fuzz-targets` / `make fuzz-resp` (clang).
 */
#include <stdlib.h>
#include <string.h>

#include "net/resp.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    char *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);
    respParser p;
    respParserInit(&p);
    const respLimits lim = {512 * 1024 * 1024LL, (size & 1) != 0};
    size_t pos = 0;
    while (pos < size) {
        int rc = respParse(&p, buf + pos, size - pos, &lim);
        if (rc == RESP_MORE || rc == RESP_ERR) break;
        if (rc == RESP_DONE) {
            for (int j = 0; j < p.argc; j++)
                if (p.args[j].off + p.args[j].len > p.consumed) abort();
        }
        if (p.consumed == 0 || p.consumed > size - pos) abort();
        pos += p.consumed;
        respParserReset(&p);
    }
    respParserFree(&p);
    free(buf);
    return 0;
}
