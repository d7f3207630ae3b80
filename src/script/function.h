/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The function libraries (function.c) as FUNCTION DUMP/RESTORE and the RDB
 * functions section (funcdump.c) see them.
 */
#ifndef TERN_SCRIPT_FUNCTION_H
#define TERN_SCRIPT_FUNCTION_H

#include <stdbool.h>

#include "server/server.h"

typedef struct library library;

/* One registered function. */
typedef struct function {
    struct function *next; /* functions table chain */
    library *lib;
    char *name;     /* as registered */
    char *key;      /* lowercased: the table key (names are case-insensitive) */
    char *desc;     /* or NULL */
    uint64_t flags; /* SCRIPT_FLAG_* */
    int ref;        /* the callback in the FUNCTION engine's registry */
} function;

/* A library: its name, its whole code (metadata line included, as
 * FUNCTION LIST WITHCODE and DUMP give it back) and its functions in
 * registration order. */
struct library {
    library *next; /* libraries table chain */
    char *name;
    sbuf *code;
    function **funcs;
    int nfuncs, cap;
};

/* Compiles and runs 'code' ('len' bytes, "#!lua name=<lib>" first) into
 * a new, unlinked library.  NULL with Redis's message in '*err' (an sbuf
 * the caller frees) when the metadata, the code or the registrations are
 * wrong, when it registers no function, or (with 'refuseExisting') when a
 * library of that name is linked already. */
library *libraryCreate(const char *code, size_t len, bool refuseExisting, sbuf **err);
/* Frees an unlinked library and its functions. */
void libraryFree(library *l);
/* The linked library named 'name', or NULL. */
library *libraryLookup(const char *name, size_t len);
/* Links 'l' (no library of that name and no function of its may be
 * linked) / unlinks it (it stays valid, owned by the caller). */
void libraryLink(library *l);
void libraryUnlink(library *l);
/* The name of a function of 'l' that a linked library already has, or NULL. */
const char *libraryCollision(const library *l);
/* Calls 'fn' for every linked library (none may be linked or unlinked
 * meanwhile). */
void librariesForEach(void (*fn)(library *l, void *priv), void *priv);
/* Unlinks and frees every library. */
void librariesFlush(void);
/* The linked function named 'name' (any case), or NULL. */
function *functionLookup(const char *name, size_t len);
/* Replies Redis's error for extra arguments to a FUNCTION subcommand
 * ("unknown subcommand or wrong number of arguments for '<sub>'"). */
void functionReplyArgsError(client *c);

/* FUNCTION LOAD's limit on a library's top level, in milliseconds. */
#define FUNCTION_LOAD_TIMEOUT_MS 500

/* The time limit for running a library's top level (0: none, for code
 * loaded from a trusted source such as an RDB file). */
void functionsSetLoadTimeout(long long ms);

#endif
