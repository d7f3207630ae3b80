/* SPDX-License-Identifier: BSD-3-Clause
 *
 * resp: the RESP request parser (multibulk and inline) and small encoding
 * helpers.  No sockets, no globals: the parser is fed a byte range that
 * starts at the first byte of the current command and keeps its progress
 * in a respParser, so a command split across any number of reads is parsed
 * in O(bytes) total, and fed again after more bytes arrive.
 *
 * Arguments are reported as (offset, length) pairs relative to the command
 * start: the bytes stay in the caller's query buffer (zero copy), which may
 * be reallocated between calls without invalidating anything.  Inline
 * commands are unquoted in place (the unquoted form is never longer).
 *
 * Nothing is allocated for an argument until its bytes exist: a client that
 * announces a 512 MB bulk and sends nothing costs only its parser state.
 *
 * Lines (the "*N" count, each "$N" header, an inline command) are searched
 * from where the previous call stopped, so a line that trickles in byte by
 * byte still costs O(bytes).  Redis searches them in a C string, so a NUL
 * byte before the terminator means the line never ends; we keep that
 * (the client then waits until it has sent more than RESP_INLINE_MAX bytes
 * and gets the "too big" error), because the difference is observable.
 *
 * Cost: O(bytes) per command, with a fast path for the usual "$<digits>\r\n"
 * header that neither calls memchr nor the general integer parser.
 */
#ifndef TERN_NET_RESP_H
#define TERN_NET_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RESP_DONE 0 /* a whole command is parsed */
#define RESP_MORE 1 /* need more bytes */
#define RESP_ERR 2  /* protocol error: reply p->error and close */
#define RESP_EMPTY 3 /* an empty command (blank line, "*0"): skip 'consumed' bytes */

/* Longest line (inline command, or a count/length line) we accept. */
#define RESP_INLINE_MAX (64 * 1024)

typedef struct respArg {
    size_t off; /* RESP_ARG_DETACHED: the bytes were moved out (respDetachBulk) */
    size_t len;
} respArg;

/* The 'off' of an argument whose bytes the caller keeps elsewhere. */
#define RESP_ARG_DETACHED ((size_t)-1)

typedef struct respLimits {
    long long maxBulkLen; /* proto-max-bulk-len */
    bool authenticated;   /* false: at most 10 args and 16 KB per bulk, as in Redis 7 */
} respLimits;

typedef struct respParser {
    int state;
    bool stuck;          /* a NUL came before the line's terminator (see above) */
    long long remaining; /* multibulk args still to read */
    long long bulkLen;   /* length of the bulk being read, -1 when none */
    size_t scanned;      /* parse position relative to the command start */
    size_t lineScan;     /* where the search for the current line's end resumes */
    int skip;            /* bytes to pass over before the next header (a detached bulk's CRLF) */
    int argc;
    int argcap;
    respArg *args;     /* owned */
    size_t consumed;   /* bytes of the finished command (after DONE/EMPTY) */
    const char *error; /* message after RESP_ERR (points into errbuf or static) */
    char errbuf[64];
} respParser;

/* Initialises 'p' (no allocation yet). */
void respParserInit(respParser *p);
/* Frees the argument array. */
void respParserFree(respParser *p);
/* Forgets the current command so the next call starts a new one. */
void respParserReset(respParser *p);

/* Parses from 'buf' (the first byte of the current command; 'len' bytes
 * available).  Returns RESP_DONE (args in p->args[0..argc), p->consumed set),
 * RESP_MORE, RESP_EMPTY (skip p->consumed bytes) or RESP_ERR (p->error is
 * the Redis error text without the leading '-').  'buf' is modified in place
 * for inline commands.  The argument array can grow to 'argc' entries; an
 * allocation failure for an absurd count is reported as RESP_ERR. */
int respParse(respParser *p, char *buf, size_t len, const respLimits *lim);

/* Bytes still expected for the argument being read (0 when unknown), so
 * the reader can size its next read without trusting the announced length. */
size_t respPendingBulk(const respParser *p, size_t len);

/* Takes the bulk being read out of the byte stream: the caller moves the
 * bytes of it that arrived (from p->scanned on, relative to the command
 * start) and all that follow, up to its length, into a buffer of its own,
 * and feeds the parser only what comes after the body (its CRLF, then the
 * next arguments) at the position the body started.  The argument is
 * reported with off RESP_ARG_DETACHED.  Only valid while
 * respPendingBulk() is non-zero.  Returns false when the argument slot
 * cannot be allocated (the caller treats it as out of memory). */
bool respDetachBulk(respParser *p);
/* Offset of the first body byte of the bulk being read, relative to the
 * command start (meaningful while respPendingBulk() is non-zero). */
size_t respBulkStart(const respParser *p);

/* Writes "<type><n>\r\n" into 'dst' (at least 32 bytes) and returns its length. */
size_t respEncodeHeader(char *dst, char type, long long n);

/* Splits 'line' ('len' bytes) into arguments with the rules of Redis's
 * sdssplitargs (inline commands, redis-cli, config files), unquoting in
 * place (a NUL byte ends the line, as in Redis):
 *   - arguments are separated by white space (isspace: space \t \n \v \f
 *     \r), but an unquoted word ends only at space, \t, \n or \r: "a\vb"
 *     is one argument, as in Redis;
 *   - "..." takes \n \r \t \b \a \xHH and \<any> for that character;
 *   - '...' is literal except \' for a quote;
 *   - a quote may start in the middle of a word (a"b c" is one argument,
 *     "ab c"), but a closing quote must be followed by white space or the
 *     end of the line, and an unclosed quote is an error.
 * Stores (offset,len) pairs in '*args' (grown as needed, capacity in
 * '*cap'; the caller frees it with tfree) and returns the count, or -1 on
 * unbalanced quotes. */
int respSplitArgs(char *line, size_t len, respArg **args, int *cap);

#endif
