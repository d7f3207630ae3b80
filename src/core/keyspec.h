/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Key specs: where a command's keys are in its arguments and how it uses
 * them, as data (core/keyspecs.def), the one source for COMMAND GETKEYS,
 * COMMAND GETKEYSANDFLAGS, COMMAND INFO's key specs, ACL key checks and
 * (later) cluster slots.
 *
 * A spec is a begin-search step (a fixed index, or the argument after a
 * keyword searched from some position) and a find-keys step (a range from
 * there: last key relative to the first, step, and an optional "limit"
 * dividing the remaining arguments; or a count read from an argument
 * followed by that many keys).  A command whose keys a spec cannot
 * describe exactly (SORT's STORE, SET's GET changing the access flags)
 * also names a key function in the table, used when its specs cannot
 * answer, the way Redis 7.0 falls back from key specs to getkeys
 * functions.
 */
#ifndef TERN_CORE_KEYSPEC_H
#define TERN_CORE_KEYSPEC_H

#include <stdint.h>

#include "server/server.h"

/* Key flags, in the order COMMAND prints them. */
#define KS_RO (1u << 0)              /* read only */
#define KS_RW (1u << 1)              /* read and write */
#define KS_OW (1u << 2)              /* overwrite without reading */
#define KS_RM (1u << 3)              /* removes the key */
#define KS_ACCESS (1u << 4)          /* returns or copies user data */
#define KS_UPDATE (1u << 5)          /* updates the value */
#define KS_INSERT (1u << 6)          /* only adds data */
#define KS_DELETE (1u << 7)          /* only removes data */
#define KS_NOT_KEY (1u << 8)         /* a name, not a key (ignored by GETKEYS) */
#define KS_INCOMPLETE (1u << 9)      /* may miss keys: the key function decides */
#define KS_VARIABLE_FLAGS (1u << 10) /* flags depend on the arguments */
#define KS_NUM_FLAGS 11

typedef enum { KSPEC_BS_UNKNOWN, KSPEC_BS_INDEX, KSPEC_BS_KEYWORD } keySpecBeginType;
typedef enum { KSPEC_FK_UNKNOWN, KSPEC_FK_RANGE, KSPEC_FK_KEYNUM } keySpecFindType;

typedef struct keySpec {
    const char *command; /* full name in core/commands.def */
    uint32_t flags;      /* KS_* */
    keySpecBeginType bsType;
    union {
        int pos; /* KSPEC_BS_INDEX: argv index of the first key */
        struct {
            const char *keyword; /* matched ignoring case */
            int startfrom;       /* search from here; negative: from the end, backwards */
        } keyword;
    } bs;
    keySpecFindType fkType;
    union {
        struct {
            int lastkey; /* relative to the first key; negative: from the end */
            int keystep;
            int limit; /* lastkey -1 only: keys are 1/limit of what remains */
        } range;
        struct {
            int keynumidx; /* relative to the begin-search index */
            int firstkey;  /* relative to the begin-search index */
            int keystep;
        } keynum;
    } fk;
    const char *notes; /* COMMAND INFO "notes", or NULL */
} keySpec;

/* What ACL key permissions a key's use needs (%R~ / %W~; the same bits
 * as the ACL pattern flags), from its flags as Redis 7.0 maps them: ACCESS
 * reads; INSERT, DELETE, UPDATE write.  A use that is neither (EXISTS,
 * TYPE: metadata) needs only a pattern naming the key. */
#define KEY_NEED_READ 1
#define KEY_NEED_WRITE 2

/* One key of an invocation: its argv index, the KS_* flags of its use and
 * the KEY_NEED_* those imply. */
typedef struct keyRef {
    int pos;
    uint32_t flags;
    int need;
} keyRef;

/* The keys of one invocation.  Starts on the inline buffer; grows on the
 * heap for commands with many keys (MSET, DEL): keyResultFree releases. */
#define KEYRESULT_INLINE 16
typedef struct keyResult {
    keyRef *keys;
    int num, size;
    keyRef buf[KEYRESULT_INLINE];
} keyResult;

/* A key function: fills 'res' (reset to empty) with the keys of the
 * invocation 'argv' ('argc' words, argv[0] the command name) and returns
 * their count, 0 when the arguments have none it can find. */
typedef int keysProc(const command *cmd, slice *argv, int argc, keyResult *res);

/* Attaches every KEYSPEC and KEYFN line of core/keyspecs.def to its
 * command (found with 'lookup', which resolves full names); serverPanic
 * on a line naming an unknown command.  Called once from commandTableInit. */
void keySpecsInit(command *(*lookup)(const char *fullName));

/* True when the legacy first/last/step and CMD_MOVABLE_KEYS of 'cmd' in
 * core/commands.def are what its key specs imply (Redis derives them so). */
bool keySpecsAgree(const command *cmd);

/* True when 'cmd' may take keys (a spec that is not NOT_KEY, or a key
 * function): what COMMAND GETKEYS requires before looking. */
bool commandHasKeys(const command *cmd);

/* Initializes 'res' empty. */
void keyResultInit(keyResult *res);
/* Releases what 'res' allocated; 'res' may be reused after keyResultInit. */
void keyResultFree(keyResult *res);

/* The keys of the invocation 'argv' ('argc' words) of 'cmd', with flags,
 * into 'res' (initialized by the caller, freed by the caller): the specs
 * when they describe the keys exactly, else the command's key function,
 * as Redis 7.0's getKeysFromCommandWithSpecs.  Returns the count; 0 when
 * the arguments name no key (or are malformed). */
int commandKeys(const command *cmd, slice *argv, int argc, keyResult *res);

/* commandKeys into a caller's array: writes up to 'max' keys of the
 * invocation into 'out' and returns how many (ACL checks use this). */
int commandKeyRefs(const command *cmd, slice *argv, int argc, keyRef *out, int max);

/* Replies the set of names of the KS_* bits in 'flags' (GETKEYSANDFLAGS). */
void addReplyKeyFlags(client *c, uint32_t flags);
/* Replies the "key specs" field of COMMAND INFO for 'cmd'. */
void addReplyKeySpecs(client *c, const command *cmd);

#endif
