/* SPDX-License-Identifier: BSD-3-Clause
 *
 * RESP request parsing.  See resp.h for the contract.  The state machine:
 *
 *   START --'*'--> COUNT line --> ARGHDR ('$' line) --> ARGBODY --+
 *     |                             ^                             |
 *     |                             +------- more args -----------+
 *     +--other--> INLINE line (split with quoting rules)
 *
 * Error texts and limits follow Redis 7.0 exactly, since clients and test
 * suites match on them.
 */
#include "net/resp.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "ds/alloc.h"
#include "ds/numfmt.h"

enum { ST_START, ST_COUNT, ST_ARGHDR, ST_ARGBODY, ST_INLINE };

/* Redis 7 caps what an unauthenticated client may send (multibulk only;
 * inline commands are bounded by the 64 KB line limit alone). */
#define RESP_UNAUTH_MAX_ARGS 10
#define RESP_UNAUTH_MAX_BULK 16384

void respParserInit(respParser *p) {
    memset(p, 0, sizeof(*p));
    p->bulkLen = -1;
}

void respParserFree(respParser *p) {
    tfree(p->args);
    p->args = NULL;
    p->argcap = 0;
}

void respParserReset(respParser *p) {
    p->state = ST_START;
    p->stuck = false;
    p->remaining = 0;
    p->bulkLen = -1;
    p->scanned = 0;
    p->lineScan = 0;
    p->skip = 0;
    p->argc = 0;
    p->consumed = 0;
    p->error = NULL;
}

static int fail(respParser *p, const char *msg) {
    p->error = msg;
    return RESP_ERR;
}

/* Makes room for 'n' args; false if that is not possible. */
static bool reserveArgs(respArg **args, int *cap, long long n) {
    if (n <= *cap) return true;
    long long want = *cap ? (long long)*cap * 2 : 8;
    if (want < n) want = n;
    if (want > INT_MAX) return false;
    respArg *a = ttryrealloc(*args, sizeof(respArg) * (size_t)want);
    if (!a) return false;
    *args = a;
    *cap = (int)want;
    return true;
}

static bool isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hexVal(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return c - 'A' + 10;
}

/* isspace() in the C locale: what separates arguments. */
static bool isSpace(char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f';
}

/* What ends an unquoted word.  Narrower than isSpace on purpose: Redis's
 * sdssplitargs keeps \v and \f inside a word ("a\vb" is one argument). */
static bool endsWord(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

int respSplitArgs(char *line, size_t len, respArg **args, int *cap) {
    /* A NUL ends the line, as in Redis (which works on C strings). */
    char *nul = memchr(line, '\0', len);
    if (nul) len = (size_t)(nul - line);
    size_t r = 0; /* read position */
    int argc = 0;
    while (1) {
        while (r < len && isSpace(line[r])) r++;
        if (r >= len) return argc;
        size_t start = r, w = r; /* write position trails read position */
        bool inq = false, insq = false, done = false;
        while (!done) {
            char ch = r < len ? line[r] : '\0';
            char next = r + 1 < len ? line[r + 1] : '\0';
            if (inq) {
                if (ch == '\\' && next == 'x' && r + 3 < len && isHex(line[r + 2]) &&
                    isHex(line[r + 3])) {
                    line[w++] = (char)(hexVal(line[r + 2]) * 16 + hexVal(line[r + 3]));
                    r += 3;
                } else if (ch == '\\' && r + 1 < len) {
                    r++;
                    switch (line[r]) {
                        case 'n': line[w++] = '\n'; break;
                        case 'r': line[w++] = '\r'; break;
                        case 't': line[w++] = '\t'; break;
                        case 'b': line[w++] = '\b'; break;
                        case 'a': line[w++] = '\a'; break;
                        default: line[w++] = line[r]; break;
                    }
                } else if (ch == '"') {
                    /* The closing quote must be followed by space or end. */
                    if (r + 1 < len && !isSpace(next)) return -1;
                    done = true;
                } else if (r >= len) {
                    return -1;
                } else {
                    line[w++] = ch;
                }
            } else if (insq) {
                if (ch == '\\' && next == '\'') {
                    r++;
                    line[w++] = '\'';
                } else if (ch == '\'') {
                    if (r + 1 < len && !isSpace(next)) return -1;
                    done = true;
                } else if (r >= len) {
                    return -1;
                } else {
                    line[w++] = ch;
                }
            } else {
                if (r >= len || endsWord(ch)) {
                    done = true;
                } else if (ch == '"') {
                    inq = true;
                } else if (ch == '\'') {
                    insq = true;
                } else {
                    line[w++] = ch;
                }
            }
            if (r < len) r++;
        }
        if (!reserveArgs(args, cap, argc + 1)) return -1;
        (*args)[argc].off = start;
        (*args)[argc].len = w - start;
        argc++;
    }
}

/* Looks for the byte 'term' ending the line that starts at 'start',
 * resuming at p->lineScan.  Returns its offset once the byte after it has
 * arrived too ('\r' is followed by '\n', which Redis skips unchecked), or
 * -1 while the line is incomplete, or -2 when more than RESP_INLINE_MAX
 * bytes are buffered from 'start' and the line is still open.  A NUL before
 * the terminator makes the line never end, like Redis's strchr. */
static long findLine(respParser *p, const char *buf, size_t len, size_t start, char term) {
    if (!p->stuck) {
        size_t from = p->lineScan > start ? p->lineScan : start;
        const char *t = memchr(buf + from, term, len - from);
        size_t stop = t ? (size_t)(t - buf) : len;
        if (memchr(buf + from, '\0', stop - from)) {
            p->stuck = true;
        } else if (t) {
            /* A '\r' must be followed by one more byte; '\n' needs none. */
            if (term == '\n' || stop + 1 < len) return (long)stop;
            p->lineScan = stop;
            return -1; /* Redis waits here without the size check */
        } else {
            p->lineScan = len;
        }
    }
    return len - start > RESP_INLINE_MAX ? -2 : -1;
}

/* The usual header: 1 to 18 digits without a leading zero (or a lone "0")
 * followed by '\r' and one more byte.  Returns the value and sets '*cr' to
 * the offset of the '\r'; returns -1 when the general path must decide
 * (signs, long numbers, errors, incomplete lines). */
static inline long long fastHeader(const char *buf, size_t len, size_t pos, size_t *cr) {
    size_t j = pos;
    size_t max = len - pos > 18 ? pos + 18 : len; /* 18 digits cannot overflow */
    long long v = 0;
    if (j < max && buf[j] == '0') {
        j++;
    } else {
        while (j < max && buf[j] >= '0' && buf[j] <= '9') v = v * 10 + (buf[j++] - '0');
        if (j == pos) return -1;
    }
    /* A 19th digit, a sign, garbage or a short buffer all land here. */
    if (j + 1 >= len || buf[j] != '\r') return -1;
    *cr = j;
    return v;
}

static int parseInline(respParser *p, char *buf, size_t len) {
    long nl = findLine(p, buf, len, 0, '\n');
    if (nl == -2) return fail(p, "ERR Protocol error: too big inline request");
    if (nl == -1) return RESP_MORE;
    size_t linelen = (size_t)nl;
    if (linelen && buf[linelen - 1] == '\r') linelen--;
    int argc = respSplitArgs(buf, linelen, &p->args, &p->argcap);
    if (argc < 0) return fail(p, "ERR Protocol error: unbalanced quotes in request");
    p->consumed = (size_t)nl + 1;
    p->argc = argc;
    return argc == 0 ? RESP_EMPTY : RESP_DONE;
}

/* Reads the "$<len>" header at 'pos' (the slow path handles everything but
 * the usual form).  Returns the length and sets '*next' past the header, or
 * returns -1 (need more bytes) or -2 (error in p->error). */
static long long parseBulkHeader(respParser *p, const char *buf, size_t len, size_t pos,
                                 const respLimits *lim, size_t *next) {
    size_t cr;
    long long bl = -1;
    if (pos < len && buf[pos] == '$') bl = fastHeader(buf, len, pos + 1, &cr);
    if (bl < 0) {
        long r = findLine(p, buf, len, pos, '\r');
        if (r == -2) return fail(p, "ERR Protocol error: too big bulk count string"), -2;
        if (r == -1) return -1;
        cr = (size_t)r;
        if (buf[pos] != '$') {
            snprintf(p->errbuf, sizeof(p->errbuf), "ERR Protocol error: expected '$', got '%c'",
                     buf[pos]);
            return fail(p, p->errbuf), -2;
        }
        if (!numStrToLL(buf + pos + 1, cr - pos - 1, &bl) || bl < 0)
            return fail(p, "ERR Protocol error: invalid bulk length"), -2;
    }
    if (bl > lim->maxBulkLen) return fail(p, "ERR Protocol error: invalid bulk length"), -2;
    if (!lim->authenticated && bl > RESP_UNAUTH_MAX_BULK)
        return fail(p, "ERR Protocol error: unauthenticated bulk length"), -2;
    *next = cr + 2;
    return bl;
}

int respParse(respParser *p, char *buf, size_t len, const respLimits *lim) {
    if (p->state == ST_START) {
        if (len == 0) return RESP_MORE;
        p->state = buf[0] == '*' ? ST_COUNT : ST_INLINE;
    }
    if (p->state == ST_INLINE) return parseInline(p, buf, len);
    if (p->state == ST_COUNT) {
        size_t cr;
        long long n = fastHeader(buf, len, 1, &cr);
        if (n < 0) {
            long r = findLine(p, buf, len, 0, '\r');
            if (r == -2) return fail(p, "ERR Protocol error: too big mbulk count string");
            if (r == -1) return RESP_MORE;
            cr = (size_t)r;
            if (!numStrToLL(buf + 1, cr - 1, &n))
                return fail(p, "ERR Protocol error: invalid multibulk length");
        }
        if (n > INT_MAX) return fail(p, "ERR Protocol error: invalid multibulk length");
        if (!lim->authenticated && n > RESP_UNAUTH_MAX_ARGS)
            return fail(p, "ERR Protocol error: unauthenticated multibulk length");
        p->scanned = cr + 2;
        if (n <= 0) {
            p->consumed = p->scanned;
            return RESP_EMPTY;
        }
        /* Reserve at most 1024 slots up front: the count is untrusted. */
        if (!reserveArgs(&p->args, &p->argcap, n < 1024 ? n : 1024))
            return fail(p, "ERR Protocol error: invalid multibulk length");
        p->remaining = n;
        p->argc = 0;
        p->bulkLen = -1;
        p->state = ST_ARGHDR;
    }
    /* The argument loop works on locals (stores through p->args could
     * otherwise alias the parser's own fields) and saves them on return.
     * bulkLen < 0 means the next thing to read is a "$" header. */
    size_t pos = p->scanned;
    long long remaining = p->remaining, bl = p->bulkLen;
    int argc = p->argc, skip = p->skip;
    for (;;) {
        /* The CRLF after a detached body (unchecked, like any bulk's). */
        if (skip) {
            if (len - pos < (size_t)skip) break;
            pos += (size_t)skip;
            skip = 0;
        }
        if (remaining == 0) break;
        if (bl < 0) {
            bl = parseBulkHeader(p, buf, len, pos, lim, &pos);
            if (bl == -2) return RESP_ERR;
            if (bl == -1) break;
        }
        /* The bulk and its two trailing bytes must be complete (Redis skips
         * them without checking they are CRLF). */
        if (len - pos < (size_t)bl + 2) break;
        if (argc == p->argcap && !reserveArgs(&p->args, &p->argcap, (long long)argc + 1))
            return fail(p, "ERR Protocol error: invalid multibulk length");
        p->args[argc].off = pos;
        p->args[argc].len = (size_t)bl;
        argc++;
        pos += (size_t)bl + 2;
        bl = -1;
        remaining--;
    }
    p->scanned = pos;
    p->remaining = remaining;
    p->bulkLen = bl;
    p->argc = argc;
    p->skip = skip;
    if (remaining > 0 || skip) {
        p->state = bl < 0 ? ST_ARGHDR : ST_ARGBODY;
        return RESP_MORE;
    }
    p->consumed = pos;
    return RESP_DONE;
}

size_t respPendingBulk(const respParser *p, size_t len) {
    if (p->state != ST_ARGBODY || p->bulkLen < 0) return 0;
    size_t need = p->scanned + (size_t)p->bulkLen + 2;
    return need > len ? need - len : 0;
}

bool respDetachBulk(respParser *p) {
    if (p->argc == p->argcap && !reserveArgs(&p->args, &p->argcap, (long long)p->argc + 1))
        return false;
    p->args[p->argc].off = RESP_ARG_DETACHED;
    p->args[p->argc].len = (size_t)p->bulkLen;
    p->argc++;
    p->remaining--;
    p->bulkLen = -1;
    p->skip = 2;
    p->state = ST_ARGHDR;
    return true;
}

size_t respBulkStart(const respParser *p) { return p->scanned; }

size_t respEncodeHeader(char *dst, char type, long long n) {
    dst[0] = type;
    size_t l = numLLToStr(dst + 1, 24, n);
    dst[l + 1] = '\r';
    dst[l + 2] = '\n';
    return l + 3;
}
