/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Which arguments of a command are keys, and what the command does to
 * each (read, write): what ACL key permissions and COMMAND GETKEYS need.
 *
 * Most commands name their keys at fixed positions (first, last, step in
 * core/commands.def).  Movable-key commands say where their keys are in
 * the arguments: a count (EVAL, ZUNIONSTORE, LMPOP ...), a keyword (SORT
 * ... STORE, GEORADIUS ... STORE, XREAD ... STREAMS, MIGRATE ... KEYS).
 * Each gets a finder here, chosen once per command at init by name, and
 * the per-key needs come from core/keyflags.def.
 *
 * A malformed invocation (a count that is not a number, or larger than
 * the arguments) yields no keys rather than an error: the command itself
 * will refuse it, and an ACL check of no keys cannot grant anything the
 * command bit does not.
 */
#include "core/keyspecs.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/command.h"

enum {
    FIND_RANGE = 0,    /* firstKey..lastKey by keyStep */
    FIND_NUMKEYS,      /* count at 'arg', keys after it */
    FIND_DEST_NUMKEYS, /* ZUNIONSTORE: dest at 1, count at 2 */
    FIND_SORT,
    FIND_GEORADIUS,
    FIND_MIGRATE,
    FIND_XREAD,
    FIND_SET,
    FIND_BITFIELD,
    FIND_NONE,
};

typedef struct keyFinder {
    unsigned char kind, arg;
    unsigned char first, rest; /* KEY_NEED_* */
} keyFinder;

static keyFinder *finders;
static int numFinders;

static const struct {
    const char *name;
    int kind, arg;
} movable[] = {
    {"eval", FIND_NUMKEYS, 2},
    {"eval_ro", FIND_NUMKEYS, 2},
    {"evalsha", FIND_NUMKEYS, 2},
    {"evalsha_ro", FIND_NUMKEYS, 2},
    {"fcall", FIND_NUMKEYS, 2},
    {"fcall_ro", FIND_NUMKEYS, 2},
    {"sintercard", FIND_NUMKEYS, 1},
    {"zintercard", FIND_NUMKEYS, 1},
    {"lmpop", FIND_NUMKEYS, 1},
    {"zmpop", FIND_NUMKEYS, 1},
    {"zunion", FIND_NUMKEYS, 1},
    {"zinter", FIND_NUMKEYS, 1},
    {"zdiff", FIND_NUMKEYS, 1},
    {"blmpop", FIND_NUMKEYS, 2},
    {"bzmpop", FIND_NUMKEYS, 2},
    {"zunionstore", FIND_DEST_NUMKEYS, 2},
    {"zinterstore", FIND_DEST_NUMKEYS, 2},
    {"zdiffstore", FIND_DEST_NUMKEYS, 2},
    {"sort", FIND_SORT, 0},
    {"sort_ro", FIND_SORT, 0},
    {"georadius", FIND_GEORADIUS, 0},
    {"georadiusbymember", FIND_GEORADIUS, 0},
    {"migrate", FIND_MIGRATE, 0},
    {"xread", FIND_XREAD, 0},
    {"xreadgroup", FIND_XREAD, 0},
    {"set", FIND_SET, 0},
    {"bitfield", FIND_BITFIELD, 0},
};

static const struct {
    const char *name;
    int first, rest;
} needs[] = {
#define KEYFLAGS(n, f, r) {n, f, r},
#include "core/keyflags.def"
#undef KEYFLAGS
};

void keyspecsInit(void) {
    numFinders = commandCount();
    finders = tcalloc(sizeof(*finders) * (size_t)numFinders);
    for (int id = 0; id < numFinders; id++) {
        const command *cmd = commandById(id);
        keyFinder *f = &finders[id];
        /* Without key specs in Redis's table: a read-only command reads,
         * any other writes (and reads, to be safe). */
        f->first = f->rest =
            (cmd->flags & CMD_WRITE) ? (KEY_NEED_READ | KEY_NEED_WRITE) : KEY_NEED_READ;
        for (size_t j = 0; j < sizeof(needs) / sizeof(needs[0]); j++) {
            if (strcmp(needs[j].name, cmd->name) == 0) {
                f->first = (unsigned char)needs[j].first;
                f->rest = (unsigned char)needs[j].rest;
                break;
            }
        }
        f->kind = cmd->firstKey > 0 ? FIND_RANGE : FIND_NONE;
        for (size_t j = 0; j < sizeof(movable) / sizeof(movable[0]); j++) {
            if (strcmp(movable[j].name, cmd->name) == 0) {
                f->kind = (unsigned char)movable[j].kind;
                f->arg = (unsigned char)movable[j].arg;
                break;
            }
        }
    }
}

void keyspecsRelease(void) {
    tfree(finders);
    finders = NULL;
    numFinders = 0;
}

static bool argIs(slice a, const char *word) {
    size_t n = strlen(word);
    return a.len == n && strncasecmp(a.ptr, word, n) == 0;
}

/* A non-negative decimal count, or -1. */
static long long parseCount(slice a) {
    if (a.len == 0 || a.len > 18) return -1;
    long long n = 0;
    for (size_t j = 0; j < a.len; j++) {
        if (a.ptr[j] < '0' || a.ptr[j] > '9') return -1;
        n = n * 10 + (a.ptr[j] - '0');
    }
    return n;
}

static int add(keyRef *out, int n, int max, int pos, int need) {
    if (n < max) {
        out[n].pos = pos;
        out[n].need = need;
        n++;
    }
    return n;
}

int commandKeyRefs(const command *cmd, slice *argv, int argc, keyRef *out, int max) {
    if (!finders || cmd->id < 0 || cmd->id >= numFinders) return 0;
    const keyFinder *f = &finders[cmd->id];
    int n = 0;
    switch (f->kind) {
        case FIND_RANGE:
        case FIND_SET:
        case FIND_BITFIELD: {
            int last = cmd->lastKey < 0 ? argc + cmd->lastKey : cmd->lastKey;
            if (last >= argc) last = argc - 1;
            int first = f->first;
            if (f->kind == FIND_SET) {
                first = KEY_NEED_WRITE;
                for (int j = 3; j < argc; j++)
                    if (argIs(argv[j], "get")) first = KEY_NEED_READ | KEY_NEED_WRITE;
            } else if (f->kind == FIND_BITFIELD) {
                /* Only GET (and OVERFLOW) operations: a read. */
                bool ro = true;
                for (int j = 2; j < argc && ro; j++) {
                    int more = argc - j - 1;
                    if (argIs(argv[j], "get") && more >= 2)
                        j += 2;
                    else if (argIs(argv[j], "overflow") && more >= 1)
                        j += 1;
                    else
                        ro = false;
                }
                first = ro ? KEY_NEED_READ : (KEY_NEED_READ | KEY_NEED_WRITE);
            }
            for (int j = cmd->firstKey; j > 0 && j <= last; j += cmd->keyStep)
                n = add(out, n, max, j, n == 0 ? first : f->rest);
            return n;
        }
        case FIND_NUMKEYS:
        case FIND_DEST_NUMKEYS: {
            int at = f->arg;
            if (at >= argc) return 0;
            long long count = parseCount(argv[at]);
            if (count < 0 || count > argc - at - 1) return 0;
            if (f->kind == FIND_DEST_NUMKEYS) n = add(out, n, max, 1, f->first);
            for (long long j = 0; j < count; j++)
                n = add(out, n, max, (int)(at + 1 + j), n == 0 ? f->first : f->rest);
            return n;
        }
        case FIND_SORT: {
            if (argc < 2) return 0;
            n = add(out, n, max, 1, f->first);
            if (cmd->flags & CMD_WRITE) {
                int store = 0;
                for (int j = 2; j < argc; j++) {
                    if (argIs(argv[j], "limit"))
                        j += 2;
                    else if (argIs(argv[j], "get") || argIs(argv[j], "by"))
                        j += 1;
                    else if (argIs(argv[j], "store") && j + 1 < argc)
                        store = ++j;
                }
                if (store) n = add(out, n, max, store, f->rest);
            }
            return n;
        }
        case FIND_GEORADIUS: {
            if (argc < 2) return 0;
            n = add(out, n, max, 1, f->first);
            int store = 0;
            for (int j = 5; j < argc; j++)
                if ((argIs(argv[j], "store") || argIs(argv[j], "storedist")) && j + 1 < argc)
                    store = ++j;
            if (store) n = add(out, n, max, store, f->rest);
            return n;
        }
        case FIND_MIGRATE: {
            if (argc < 6) return 0;
            for (int j = 6; j < argc; j++) {
                if (argIs(argv[j], "keys")) {
                    if (argv[3].len) return 0;
                    for (int k = j + 1; k < argc; k++)
                        n = add(out, n, max, k, f->first);
                    return n;
                } else if (argIs(argv[j], "auth")) {
                    j += 1;
                } else if (argIs(argv[j], "auth2")) {
                    j += 2;
                }
            }
            return add(out, n, max, 3, f->first);
        }
        case FIND_XREAD: {
            int streams = 0;
            for (int j = 1; j < argc; j++) {
                if (argIs(argv[j], "streams")) {
                    streams = j;
                    break;
                }
                /* GROUP takes two arguments that may be "streams". */
                if (argIs(argv[j], "group"))
                    j += 2;
                else if (argIs(argv[j], "count") || argIs(argv[j], "block"))
                    j += 1;
            }
            if (!streams) return 0;
            int rest = argc - streams - 1;
            if (rest <= 0 || rest % 2) return 0;
            for (int k = 0; k < rest / 2; k++)
                n = add(out, n, max, streams + 1 + k, f->first);
            return n;
        }
        default:
            return 0;
    }
}
