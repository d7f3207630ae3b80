/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Key specs and key extraction (core/keyspec.h), built from
 * core/keyspecs.def.
 *
 * The specs are a static array grouped by command; keySpecsInit points
 * each command at its run of entries and at its key function.  Finding
 * the keys of an invocation walks the specs in order (Redis 7.0's
 * rules, kept exactly because COMMAND GETKEYS shows them): a spec whose
 * keyword is absent contributes nothing, a spec that cannot be resolved
 * (unknown type, a key count that does not parse, positions past the end,
 * or an INCOMPLETE spec) makes the whole answer come from the command's
 * key function instead, and so does any VARIABLE_FLAGS spec, since only
 * the function knows the flags of this call.  Cost: O(arguments) per
 * call, no allocation up to KEYRESULT_INLINE keys.
 */
#include "core/keyspec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ds/alloc.h"
#include "ds/numfmt.h"
#include "net/reply.h"

/* ---- the table ---- */

#define BS_INDEX(p) .bsType = KSPEC_BS_INDEX, .bs.pos = (p)
#define BS_KEYWORD(kw, from) .bsType = KSPEC_BS_KEYWORD, .bs.keyword = {(kw), (from)}
#define BS_UNKNOWN .bsType = KSPEC_BS_UNKNOWN
#define FK_RANGE(last, step, lim) .fkType = KSPEC_FK_RANGE, .fk.range = {(last), (step), (lim)}
#define FK_KEYNUM(idx, first, step) .fkType = KSPEC_FK_KEYNUM, .fk.keynum = {(idx), (first), (step)}
#define FK_UNKNOWN .fkType = KSPEC_FK_UNKNOWN
#define KEYSPEC(name, fl, bs, fk, nt) {.command = (name), .flags = (fl), bs, fk, .notes = (nt)},
#define KEYFN(name, proc)
#define KEYFN_NUMKEYS(name, store, count, first)
static const keySpec keySpecTable[] = {
#include "core/keyspecs.def"
};
#undef KEYSPEC
#undef KEYFN
#undef KEYFN_NUMKEYS

#define NUM_KEYSPECS (sizeof(keySpecTable) / sizeof(keySpecTable[0]))

/* ---- results ---- */

void keyResultInit(keyResult *res) {
    res->keys = res->buf;
    res->num = 0;
    res->size = KEYRESULT_INLINE;
}

void keyResultFree(keyResult *res) {
    if (res->keys != res->buf) tfree(res->keys);
    keyResultInit(res);
}

static void keyResultAdd(keyResult *res, int pos, uint32_t flags) {
    if (res->num == res->size) {
        int size = res->size * 2;
        keyRef *keys = tmalloc(sizeof(keyRef) * (size_t)size);
        memcpy(keys, res->keys, sizeof(keyRef) * (size_t)res->num);
        if (res->keys != res->buf) tfree(res->keys);
        res->keys = keys;
        res->size = size;
    }
    keyRef *k = &res->keys[res->num++];
    k->pos = pos;
    k->flags = flags;
    k->need = ((flags & KS_ACCESS) ? KEY_NEED_READ : 0) |
              ((flags & (KS_INSERT | KS_DELETE | KS_UPDATE)) ? KEY_NEED_WRITE : 0);
}

/* ---- key functions ---- */

/* C's atoi of an argument: leading spaces, a sign, digits, anything
 * after ignored, and the int truncation of a long that overflowed.  The
 * numkeys fallbacks read their count this way (Redis 7.0 does), so
 * "2abc" counts two keys although the spec's strict parse refused it. */
static int argAtoi(slice s) {
    char small[64];
    char *buf = s.len < sizeof(small) ? small : tmalloc(s.len + 1);
    memcpy(buf, s.ptr, s.len);
    buf[s.len] = '\0';
    int v = (int)strtol(buf, NULL, 10);
    if (buf != small) tfree(buf);
    return v;
}

/* Keys counted by argv[count], starting at argv[first], then argv[store]
 * when 'store' is not 0; none when the count is below 1 or more than the
 * arguments left. */
static int numkeysKeys(int store, int count, int first, slice *argv, int argc, keyResult *res) {
    int num = argAtoi(argv[count]);
    if (num < 1 || num > argc - first) return 0;
    for (int j = 0; j < num; j++)
        keyResultAdd(res, first + j, 0);
    if (store) keyResultAdd(res, store, 0);
    return res->num;
}

/* SET: argv[1], read too when a GET option is present. */
static int setKeys(const command *cmd, slice *argv, int argc, keyResult *res) {
    for (int j = 3; j < argc; j++) {
        if (argv[j].len == 3 && strncasecmp(argv[j].ptr, "get", 3) == 0) {
            keyResultAdd(res, 1, KS_RW | KS_ACCESS | KS_UPDATE);
            return 1;
        }
    }
    keyResultAdd(res, 1, KS_OW | KS_UPDATE);
    return 1;
}

/* BITFIELD: argv[1], read-only when every operation is a complete GET
 * (OVERFLOW between them allowed); anything else may write. */
static int bitfieldKeys(const command *cmd, slice *argv, int argc, keyResult *res) {
    bool readonly = true;
    for (int j = 2; j < argc; j++) {
        int rest = argc - j - 1;
        if (sliceIs(argv[j], "get") && rest >= 2) {
            j += 2;
        } else if ((sliceIs(argv[j], "set") || sliceIs(argv[j], "incrby")) && rest >= 3) {
            readonly = false;
            break;
        } else if (sliceIs(argv[j], "overflow") && rest >= 1) {
            j += 1;
        } else {
            readonly = false; /* a syntax error: assume it writes */
            break;
        }
    }
    keyResultAdd(res, 1, readonly ? KS_RO | KS_ACCESS : KS_RW | KS_ACCESS | KS_UPDATE);
    return 1;
}

/* SORT_RO: the sorted key; BY/GET keys come from the data, not argv. */
static int sortRoKeys(const command *cmd, slice *argv, int argc, keyResult *res) {
    keyResultAdd(res, 1, KS_RO | KS_ACCESS);
    return 1;
}

/* SORT: the sorted key and the last STORE destination.  Options are
 * skipped by their argument counts (LIMIT 2, GET 1, BY 1) so a GET
 * pattern named "store" is not taken for the keyword. */
static int sortKeys(const command *cmd, slice *argv, int argc, keyResult *res) {
    keyResultAdd(res, 1, KS_RO | KS_ACCESS);
    int store = 0;
    for (int j = 2; j < argc; j++) {
        if (sliceIs(argv[j], "limit"))
            j += 2;
        else if (sliceIs(argv[j], "get") || sliceIs(argv[j], "by"))
            j += 1;
        else if (sliceIs(argv[j], "store") && j + 1 < argc)
            store = j + 1;
    }
    if (store) keyResultAdd(res, store, KS_OW | KS_UPDATE);
    return res->num;
}

/* GEORADIUS[BYMEMBER]: the source key and the last STORE/STOREDIST
 * destination after argv[5]. */
static int georadiusKeys(const command *cmd, slice *argv, int argc, keyResult *res) {
    int store = 0;
    for (int j = 5; j < argc; j++) {
        if ((sliceIs(argv[j], "store") || sliceIs(argv[j], "storedist")) && j + 1 < argc) {
            store = j + 1;
            j++;
        }
    }
    keyResultAdd(res, 1, 0);
    if (store) keyResultAdd(res, store, 0);
    return res->num;
}

/* XREAD/XREADGROUP: the first half of what follows the STREAMS keyword,
 * found by skipping the options before it (a group or consumer may itself
 * be named "streams"). */
static int xreadKeys(const command *cmd, slice *argv, int argc, keyResult *res) {
    int streams = -1;
    for (int j = 1; j < argc && streams < 0; j++) {
        if (sliceIs(argv[j], "block") || sliceIs(argv[j], "count"))
            j++;
        else if (sliceIs(argv[j], "group"))
            j += 2;
        else if (sliceIs(argv[j], "streams"))
            streams = j;
        else if (!sliceIs(argv[j], "noack"))
            break;
    }
    int num = streams < 0 ? 0 : argc - streams - 1;
    if (num == 0 || num % 2) return 0;
    for (int j = streams + 1; j < argc - num / 2; j++)
        keyResultAdd(res, j, 0);
    return res->num;
}

/* The KEYFN lines, resolved to functions at init. */
typedef struct keyFnEntry {
    const char *command;
    keysProc *proc;
    int store, count, first; /* KEYFN_NUMKEYS when proc is NULL */
} keyFnEntry;

#define KEYSPEC(name, fl, bs, fk, nt)
#define KEYFN(name, fn) {(name), fn, 0, 0, 0},
#define KEYFN_NUMKEYS(name, st, cnt, fst) {(name), NULL, (st), (cnt), (fst)},
static const keyFnEntry keyFnTable[] = {
#include "core/keyspecs.def"
};
#undef KEYSPEC
#undef KEYFN
#undef KEYFN_NUMKEYS

#define NUM_KEYFNS (sizeof(keyFnTable) / sizeof(keyFnTable[0]))

/* The numkeys entry of each command using one, by command: commands
 * reach it through cmd->keysArg (an index into keyFnTable). */
static int numkeysProc(const command *cmd, slice *argv, int argc, keyResult *res) {
    const keyFnEntry *e = &keyFnTable[cmd->keysArg];
    return numkeysKeys(e->store, e->count, e->first, argv, argc, res);
}

/* ---- init ---- */

/* What Redis derives for COMMAND's legacy (first, last, step) and the
 * movablekeys flag from the specs: the union of consecutive index/range
 * specs of step 1 (a lone index/range spec is taken whole); any other
 * spec, or an incomplete one, makes the keys movable. */
static void legacyFromSpecs(const command *cmd, int *first, int *last, int *step, bool *movable) {
    *first = *last = *step = 0;
    *movable = false;
    if (cmd->numKeySpecs == 0) return;
    const keySpec *ks = cmd->keySpecs;
    if (cmd->numKeySpecs == 1 && ks->bsType == KSPEC_BS_INDEX && ks->fkType == KSPEC_FK_RANGE) {
        *first = ks->bs.pos;
        *last =
            ks->fk.range.lastkey >= 0 ? ks->bs.pos + ks->fk.range.lastkey : ks->fk.range.lastkey;
        *step = ks->fk.range.keystep;
        *movable = (ks->flags & KS_INCOMPLETE) != 0;
        return;
    }
    int lo = 0, hi = 0, prevLast = 0;
    for (int j = 0; j < cmd->numKeySpecs; j++) {
        const keySpec *s = &ks[j];
        if (s->bsType != KSPEC_BS_INDEX || s->fkType != KSPEC_FK_RANGE ||
            s->fk.range.keystep != 1 || (prevLast && prevLast != s->bs.pos - 1)) {
            *movable = true;
            continue;
        }
        if (s->flags & KS_INCOMPLETE) *movable = true;
        if (!lo || s->bs.pos < lo) lo = s->bs.pos;
        int abs = s->fk.range.lastkey >= 0 ? s->fk.range.lastkey + s->bs.pos : s->fk.range.lastkey;
        /* Compared unsigned, as Redis does: a negative (from the end)
         * last key is larger than any positive one. */
        if ((unsigned)abs > (unsigned)hi) hi = abs;
        prevLast = hi;
    }
    if (!lo) {
        *movable = true;
        return;
    }
    *first = lo;
    *last = hi;
    *step = 1;
}

static void tablePanic(const char *what, const char *name) {
    char msg[160];
    snprintf(msg, sizeof(msg), "core/keyspecs.def: %s '%s'", what, name);
    serverPanic(msg);
}

void keySpecsInit(command *(*lookup)(const char *fullName)) {
    for (size_t j = 0; j < NUM_KEYSPECS;) {
        command *cmd = lookup(keySpecTable[j].command);
        if (!cmd) tablePanic("unknown command", keySpecTable[j].command);
        if (cmd->keySpecs) tablePanic("lines not together for", cmd->name);
        cmd->keySpecs = &keySpecTable[j];
        while (j < NUM_KEYSPECS && strcmp(keySpecTable[j].command, cmd->name) == 0) {
            cmd->numKeySpecs++;
            j++;
        }
    }
    for (size_t j = 0; j < NUM_KEYFNS; j++) {
        command *cmd = lookup(keyFnTable[j].command);
        if (!cmd) tablePanic("unknown command", keyFnTable[j].command);
        cmd->getKeys = keyFnTable[j].proc ? keyFnTable[j].proc : numkeysProc;
        cmd->keysArg = (int)j;
    }
}

bool keySpecsAgree(const command *cmd) {
    int first, last, step;
    bool movable;
    legacyFromSpecs(cmd, &first, &last, &step, &movable);
    return first == cmd->firstKey && last == cmd->lastKey && step == cmd->keyStep &&
           movable == ((cmd->flags & CMD_MOVABLE_KEYS) != 0);
}

/* ---- extraction ---- */

bool commandHasKeys(const command *cmd) {
    if (cmd->getKeys) return true;
    for (int j = 0; j < cmd->numKeySpecs; j++)
        if (!(cmd->keySpecs[j].flags & KS_NOT_KEY)) return true;
    return false;
}

/* Where the keys of 's' begin: an argv index, 0 when its keyword is
 * absent (no keys from this spec), -1 when the spec cannot tell. */
static int specBegin(const keySpec *s, slice *argv, int argc) {
    if (s->bsType == KSPEC_BS_INDEX) return s->bs.pos;
    if (s->bsType != KSPEC_BS_KEYWORD) return -1;
    int from = s->bs.keyword.startfrom;
    int start = from > 0 ? from : argc + from;
    int end = from > 0 ? argc - 1 : 1;
    /* Redis stops one short of 'end' (it never examines it). */
    for (int j = start; j != end; j = start <= end ? j + 1 : j - 1) {
        if (j >= argc || j < 1) break;
        if (sliceIs(argv[j], s->bs.keyword.keyword)) return j + 1;
    }
    return 0;
}

/* Adds the keys 's' finds to 'res'; false when the spec cannot answer
 * (the caller then asks the key function). */
static bool specKeys(const command *cmd, const keySpec *s, slice *argv, int argc, keyResult *res) {
    int first = specBegin(s, argv, argc);
    if (first == 0) return true;
    if (first < 0) return false;
    int last, step;
    if (s->fkType == KSPEC_FK_RANGE) {
        step = s->fk.range.keystep;
        if (s->fk.range.lastkey >= 0)
            last = first + s->fk.range.lastkey;
        else if (!s->fk.range.limit)
            last = argc + s->fk.range.lastkey;
        else
            last = first + ((argc - first) / s->fk.range.limit + s->fk.range.lastkey);
    } else if (s->fkType == KSPEC_FK_KEYNUM) {
        step = s->fk.keynum.keystep;
        int at = first + s->fk.keynum.keynumidx;
        long long num;
        if (at >= argc || !numStrToLL(argv[at].ptr, argv[at].len, &num) || num < 0) return false;
        if (num > argc) return false; /* keeps 'last' in int range; fails below anyway */
        first += s->fk.keynum.firstkey;
        last = first + (int)num - 1;
    } else {
        return false;
    }
    if (last >= argc || last < first || first >= argc) return false;
    for (int j = first; j <= last; j += step)
        keyResultAdd(res, j, s->flags);
    return !(s->flags & KS_INCOMPLETE);
}

int commandKeys(const command *cmd, slice *argv, int argc, keyResult *res) {
    res->num = 0;
    bool specsUsable = false, variable = false;
    for (int j = 0; j < cmd->numKeySpecs; j++) {
        if (!(cmd->keySpecs[j].flags & KS_NOT_KEY)) specsUsable = true;
        if (cmd->keySpecs[j].flags & KS_VARIABLE_FLAGS) variable = true;
    }
    if (specsUsable && !variable) {
        bool ok = true;
        for (int j = 0; j < cmd->numKeySpecs && ok; j++) {
            const keySpec *s = &cmd->keySpecs[j];
            if (s->flags & KS_NOT_KEY) continue;
            ok = specKeys(cmd, s, argv, argc, res);
        }
        if (ok) return res->num;
        res->num = 0;
    }
    return cmd->getKeys ? cmd->getKeys(cmd, argv, argc, res) : 0;
}

int commandKeyRefs(const command *cmd, slice *argv, int argc, keyRef *out, int max) {
    keyResult res;
    keyResultInit(&res);
    int n = commandKeys(cmd, argv, argc, &res);
    if (n > max) n = max;
    memcpy(out, res.keys, sizeof(keyRef) * (size_t)(n > 0 ? n : 0));
    keyResultFree(&res);
    return n;
}

/* ---- COMMAND replies ---- */

static const char *keyFlagNames[KS_NUM_FLAGS] = {
    "RO",     "RW",     "OW",      "RM",         "access",        "update",
    "insert", "delete", "not_key", "incomplete", "variable_flags"};

void addReplyKeyFlags(client *c, uint32_t flags) {
    int n = 0;
    for (int j = 0; j < KS_NUM_FLAGS; j++)
        if (flags & (1u << j)) n++;
    addReplySetLen(c, n);
    for (int j = 0; j < KS_NUM_FLAGS; j++)
        if (flags & (1u << j)) addReplyStatus(c, keyFlagNames[j]);
}

static void addReplyBeginSearch(client *c, const keySpec *s) {
    addReplyMapLen(c, 2);
    addReplyBulkCStr(c, "type");
    if (s->bsType == KSPEC_BS_INDEX) {
        addReplyBulkCStr(c, "index");
        addReplyBulkCStr(c, "spec");
        addReplyMapLen(c, 1);
        addReplyBulkCStr(c, "index");
        addReplyLongLong(c, s->bs.pos);
    } else if (s->bsType == KSPEC_BS_KEYWORD) {
        addReplyBulkCStr(c, "keyword");
        addReplyBulkCStr(c, "spec");
        addReplyMapLen(c, 2);
        addReplyBulkCStr(c, "keyword");
        addReplyBulkCStr(c, s->bs.keyword.keyword);
        addReplyBulkCStr(c, "startfrom");
        addReplyLongLong(c, s->bs.keyword.startfrom);
    } else {
        addReplyBulkCStr(c, "unknown");
        addReplyBulkCStr(c, "spec");
        addReplyMapLen(c, 0);
    }
}

static void addReplyField(client *c, const char *name, long long v) {
    addReplyBulkCStr(c, name);
    addReplyLongLong(c, v);
}

static void addReplyFindKeys(client *c, const keySpec *s) {
    addReplyMapLen(c, 2);
    addReplyBulkCStr(c, "type");
    if (s->fkType == KSPEC_FK_RANGE) {
        addReplyBulkCStr(c, "range");
        addReplyBulkCStr(c, "spec");
        addReplyMapLen(c, 3);
        addReplyField(c, "lastkey", s->fk.range.lastkey);
        addReplyField(c, "keystep", s->fk.range.keystep);
        addReplyField(c, "limit", s->fk.range.limit);
    } else if (s->fkType == KSPEC_FK_KEYNUM) {
        addReplyBulkCStr(c, "keynum");
        addReplyBulkCStr(c, "spec");
        addReplyMapLen(c, 3);
        addReplyField(c, "keynumidx", s->fk.keynum.keynumidx);
        addReplyField(c, "firstkey", s->fk.keynum.firstkey);
        addReplyField(c, "keystep", s->fk.keynum.keystep);
    } else {
        addReplyBulkCStr(c, "unknown");
        addReplyBulkCStr(c, "spec");
        addReplyMapLen(c, 0);
    }
}

void addReplyKeySpecs(client *c, const command *cmd) {
    addReplySetLen(c, cmd->numKeySpecs);
    for (int j = 0; j < cmd->numKeySpecs; j++) {
        const keySpec *s = &cmd->keySpecs[j];
        addReplyMapLen(c, s->notes ? 4 : 3);
        if (s->notes) {
            addReplyBulkCStr(c, "notes");
            addReplyBulkCStr(c, s->notes);
        }
        addReplyBulkCStr(c, "flags");
        addReplyKeyFlags(c, s->flags);
        addReplyBulkCStr(c, "begin_search");
        addReplyBeginSearch(c, s);
        addReplyBulkCStr(c, "find_keys");
        addReplyFindKeys(c, s);
    }
}
