/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Parser for command usage strings: the documented syntax of a command
 * ("key value [NX | XX] [GET] [EX seconds:integer | ...]") turned into the
 * argument tree that COMMAND DOCS replies (name, type, token, flags,
 * children).  A pure library: no server state, no replies.
 *
 * Grammar, by example (the full rules are in cmdsyntax.c):
 *
 *   key value            two arguments; a lowercase word is an argument
 *                        named by the word, of type string ("key" defaults
 *                        to key, "pattern" to pattern)
 *   seconds:integer      a type suffix: key integer double pattern
 *                        unix-time string
 *   GET  "="             an UPPERCASE word or a quoted text is a keyword:
 *                        alone it is a pure-token argument named by its
 *                        lowercase text; before an argument it becomes
 *                        that argument's token ("EX seconds")
 *   [x]  [a b]  [a | b]  optional argument / block / oneof
 *   <a b>  <a | b>       required block / oneof; "<x>" is a block of one
 *   [LIMIT offset count] a keyword opening a block is the block's token;
 *   n=[COUNT count [ANY]] in a named block it stays the first argument's
 *   x [x ...]            x repeated: flag multiple; "T x [T x ...]" adds
 *                        multiple_token; "a b [a b ...]" makes a block
 *   name=[NX | XX]       names an argument (a group's default name joins
 *                        its children's names with '_')
 *   x@6.2.0  x!2.8.12    since / deprecated_since
 *   key2:key#0           key_spec_index of a key or a pattern (keys
 *                        without one are numbered in order)
 *
 * The tree is heap-allocated and owned by the caller (syntaxFree).
 */
#ifndef TERN_DS_CMDSYNTAX_H
#define TERN_DS_CMDSYNTAX_H

#include <stddef.h>

typedef enum syntaxType {
    SYNTAX_STRING,
    SYNTAX_INTEGER,
    SYNTAX_DOUBLE,
    SYNTAX_KEY,
    SYNTAX_PATTERN,
    SYNTAX_UNIX_TIME,
    SYNTAX_PURE_TOKEN,
    SYNTAX_ONEOF,
    SYNTAX_BLOCK
} syntaxType;

#define SYNTAX_OPTIONAL (1u << 0)
#define SYNTAX_MULTIPLE (1u << 1)
#define SYNTAX_MULTIPLE_TOKEN (1u << 2)

typedef struct syntaxArg {
    char *name;            /* NULL only for the root */
    char *token;           /* keyword before the value; NULL: none */
    char *since;           /* NULL: as old as the command */
    char *deprecatedSince; /* NULL: not deprecated */
    syntaxType type;
    int keySpecIndex; /* SYNTAX_KEY only, else -1 */
    unsigned flags;   /* SYNTAX_OPTIONAL | SYNTAX_MULTIPLE | SYNTAX_MULTIPLE_TOKEN */
    int numArgs;      /* children of a oneof or block */
    struct syntaxArg *args;
} syntaxArg;

/* Parses 'usage' (NUL-terminated).  Returns the root, a SYNTAX_BLOCK with
 * no name whose children are the command's arguments (none for ""); the
 * caller owns it and releases it with syntaxFree.  On a malformed string
 * returns NULL and writes a message naming the byte offset into 'err'
 * ('errlen' bytes, always NUL-terminated when 'errlen' > 0). */
syntaxArg *syntaxParse(const char *usage, char *err, size_t errlen);

/* Releases a tree returned by syntaxParse ('root' may be NULL). */
void syntaxFree(syntaxArg *root);

/* The type as COMMAND DOCS spells it ("pure-token", "unix-time", ...). */
const char *syntaxTypeName(syntaxType type);

#endif
