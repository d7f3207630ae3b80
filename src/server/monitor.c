/* SPDX-License-Identifier: BSD-3-Clause
 *
 * MONITOR: clients that receive every command the server executes, one
 * status line each, in Redis's format:
 *
 *   +<unix seconds>.<microseconds> [<db> <peer>] "arg" "arg" ...
 *
 * where <peer> is the client's address, "unix:<path>" for Unix-socket
 * clients and "lua" for commands a script runs; arguments are quoted with
 * C-style escapes (\n \r \t \a \b \" \\ and \xHH for other unprintable
 * bytes).  A command is shown after it ran, with the arguments it left: AUTH
 * and friends have redacted their secrets by then.  Administrative commands
 * (CONFIG, DEBUG, CLIENT LIST, ...) and those flagged skip_monitor are not
 * shown, except that the script commands (EVAL, FCALL, ...) are shown when
 * they start, so a script's own commands follow their caller's line.
 *
 * A monitoring client may still run commands that touch no keys (PING,
 * INFO, QUIT, RESET...); keyspace commands get Redis's replica refusal.
 * RESET ends monitoring, QUIT and disconnecting too.
 *
 * The monitors are kept in an array (rarely more than a few); feeding is a
 * no-op test of its length when nobody monitors, and otherwise formats the
 * line once and appends it to every monitor's output: O(args + monitors).
 */
#include "server/monitor.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "core/command.h"
#include "net/reply.h"

static client **monitors;
static size_t monitorCap;
size_t monitorCount;

/* Appends 'p' ('len' bytes) to 's' in double quotes, escaped as Redis's
 * sdscatrepr does. */
static sbuf *catRepr(sbuf *s, const char *p, size_t len) {
    char buf[256];
    size_t n = 0;
    buf[n++] = '"';
    for (size_t j = 0; j < len; j++) {
        if (n > sizeof(buf) - 8) {
            s = sbufCat(s, buf, n);
            n = 0;
        }
        unsigned char ch = (unsigned char)p[j];
        switch (ch) {
            case '\\':
            case '"':
                buf[n++] = '\\';
                buf[n++] = (char)ch;
                break;
            case '\n': buf[n++] = '\\'; buf[n++] = 'n'; break;
            case '\r': buf[n++] = '\\'; buf[n++] = 'r'; break;
            case '\t': buf[n++] = '\\'; buf[n++] = 't'; break;
            case '\a': buf[n++] = '\\'; buf[n++] = 'a'; break;
            case '\b': buf[n++] = '\\'; buf[n++] = 'b'; break;
            default:
                if (ch >= 32 && ch < 127) {
                    buf[n++] = (char)ch;
                } else {
                    static const char hex[] = "0123456789abcdef";
                    buf[n++] = '\\';
                    buf[n++] = 'x';
                    buf[n++] = hex[ch >> 4];
                    buf[n++] = hex[ch & 15];
                }
        }
    }
    buf[n++] = '"';
    return sbufCat(s, buf, n);
}

void monitorFeed(client *c, const slice *argv, int argc) {
    if (monitorCount == 0) return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    sbuf *line = sbufNewCap(64);
    line = sbufCatPrintf(line, "+%ld.%06ld ", (long)tv.tv_sec, (long)tv.tv_usec);
    if (c->flags & CLIENT_SCRIPT)
        line = sbufCatPrintf(line, "[%d lua] ", c->db->id);
    else if (c->flags & CLIENT_UNIX_SOCKET)
        line = sbufCatPrintf(line, "[%d unix:%s] ", c->db->id, server.unixsocket ? server.unixsocket : "");
    else
        line = sbufCatPrintf(line, "[%d %s] ", c->db->id, c->addr);
    for (int j = 0; j < argc; j++) {
        if (j) line = sbufCat(line, " ", 1);
        line = catRepr(line, argv[j].ptr, argv[j].len);
    }
    line = sbufCat(line, "\r\n", 2);
    for (size_t j = 0; j < monitorCount; j++) addReplyProto(monitors[j], line->buf, line->len);
    sbufFree(line);
}

void monitorStop(client *c) {
    if (!(c->flags & CLIENT_MONITOR)) return;
    c->flags &= ~CLIENT_MONITOR;
    for (size_t j = 0; j < monitorCount; j++) {
        if (monitors[j] != c) continue;
        memmove(monitors + j, monitors + j + 1, sizeof(client *) * (monitorCount - j - 1));
        monitorCount--;
        break;
    }
    if (monitorCount == 0) {
        tfree(monitors);
        monitors = NULL;
        monitorCap = 0;
    }
}

/* MONITOR: from now on the caller receives a line per executed command.
 * A second MONITOR on the same connection is ignored without a reply, and
 * inside MULTI or a script it is refused, as in Redis 7.0. */
void monitorCommand(client *c) {
    if (c->flags & CLIENT_DENY_BLOCKING) {
        addReplyError(c, "ERR MONITOR isn't allowed for DENY BLOCKING client");
        return;
    }
    if (c->flags & CLIENT_MONITOR) return;
    if (monitorCount == monitorCap) {
        monitorCap = monitorCap ? monitorCap * 2 : 4;
        monitors = trealloc(monitors, sizeof(client *) * monitorCap);
    }
    monitors[monitorCount++] = c;
    c->flags |= CLIENT_MONITOR;
    addReplyOK(c);
}
