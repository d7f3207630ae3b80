/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The CLIENT command family (ID, INFO, LIST, KILL, SETNAME, GETNAME,
 * SETINFO, REPLY, NO-EVICT, HELP) and the one-line client description that
 * CLIENT LIST and CLIENT INFO print (catClientInfo).
 *
 * The line has Redis 7.0's fields in Redis 7.0's order, so tools that split
 * it on spaces and '=' keep working:
 *
 *   id addr laddr fd name age idle flags db sub psub ssub multi qbuf
 *   qbuf-free argv-mem multi-mem rbs rbp obl oll omem tot-mem events cmd
 *   user redir resp
 *
 * Memory fields describe Tern's buffers: rbs is the 16 KB static reply
 * buffer, obl the bytes in it, oll/omem the overflow blocks.  Redis 7.2's
 * lib-name/lib-ver fields are not printed (7.0 has none); CLIENT SETINFO
 * still stores them, since client libraries send it on connect.
 *
 * CLIENT LIST walks every client: O(N).  server.clients keeps the newest
 * client first; listings run from the tail so the oldest comes first, as in
 * Redis.
 */
#include "core/client.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/access.h"
#include "core/args.h"
#include "core/command.h"
#include "core/errors.h"
#include "net/conn.h"
#include "net/reply.h"

/* ---- client lookup ---- */

int clientType(const client *c) {
    return (c->flags & CLIENT_PUBSUB) ? CLIENT_TYPE_PUBSUB : CLIENT_TYPE_NORMAL;
}

int clientTypeByName(slice name) {
    if (sliceIs(name, "normal")) return CLIENT_TYPE_NORMAL;
    if (sliceIs(name, "slave") || sliceIs(name, "replica")) return CLIENT_TYPE_REPLICA;
    if (sliceIs(name, "pubsub")) return CLIENT_TYPE_PUBSUB;
    if (sliceIs(name, "master")) return CLIENT_TYPE_MASTER;
    return -1;
}

client *lookupClientById(uint64_t id) {
    for (client *c = server.clients; c; c = c->next)
        if (c->id == id) return c;
    return NULL;
}

client *clientListFirst(void) {
    client *c = server.clients;
    while (c && c->next)
        c = c->next;
    return c;
}

client *clientListNext(const client *c) {
    return c->prev;
}

/* ---- the CLIENT LIST line ---- */

/* Bytes 'c' holds: the struct (with its static reply buffer), the query
 * buffer, the argument array, reply blocks and names. */
static size_t clientMemory(const client *c) {
    size_t total = tallocSize(c) + clientQueryAllocBytes(c) + tallocSize(c->argv);
    for (const replyBlock *b = c->replyHead; b; b = b->next)
        total += tallocSize(b);
    if (c->name) total += sbufAllocSize(c->name);
    if (c->libName) total += sbufAllocSize(c->libName);
    if (c->libVer) total += sbufAllocSize(c->libVer);
    return total + multiQueuedMemory(c);
}

/* The flags field: one letter per state, "N" when none applies. */
static void clientFlagLetters(const client *c, char *out) {
    char *p = out;
    if (c->flags & CLIENT_MONITOR) *p++ = 'O';
    if (c->flags & CLIENT_PUBSUB) *p++ = 'P';
    if (c->flags & CLIENT_MULTI) *p++ = 'x';
    if (c->flags & (CLIENT_BLOCKED | CLIENT_POSTPONED)) *p++ = 'b';
    if (c->flags & CLIENT_DIRTY_CAS) *p++ = 'd';
    if (c->flags & CLIENT_CLOSE_AFTER_REPLY) *p++ = 'c';
    if (c->flags & CLIENT_CLOSE_ASAP) *p++ = 'A';
    if (c->flags & CLIENT_UNIX_SOCKET) *p++ = 'U';
    if (c->flags & CLIENT_NO_EVICT) *p++ = 'e';
    if (p == out) *p++ = 'N';
    *p = '\0';
}

sbuf *catClientInfo(sbuf *s, client *c) {
    char flags[16];
    clientFlagLetters(c, flags);
    char events[3] = "";
    int mask = c->fd >= 0 ? loopFileMask(server.el, c->fd) : 0;
    int ne = 0;
    if (mask & LOOP_READABLE) events[ne++] = 'r';
    if (mask & LOOP_WRITABLE) events[ne++] = 'w';
    events[ne] = '\0';
    long long sub, psub, ssub;
    pubsubClientCounts(c, &sub, &psub, &ssub);
    size_t argvMem = 0;
    for (int j = 0; j < c->argc; j++)
        argvMem += c->argv[j].len;
    size_t blocks = 0;
    for (const replyBlock *b = c->replyHead; b; b = b->next)
        blocks++;
    /* The command running now counts as the last one, as in Redis. */
    const command *last = (c->flags & CLIENT_EXECUTING) ? c->cmd : c->lastcmd;
    long long now = server.unixtimeMs;
    size_t qfree, qbuf = clientQueryBytes(c, &qfree);
    return sbufCatPrintf(
        s,
        "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%d sub=%lld "
        "psub=%lld ssub=%lld multi=%lld qbuf=%zu qbuf-free=%zu argv-mem=%zu multi-mem=%zu "
        "rbs=%zu rbp=%zu obl=%zu oll=%zu omem=%zu tot-mem=%zu events=%s cmd=%s user=%s "
        "redir=-1 resp=%d",
        (unsigned long long)c->id, c->addr, c->laddr, c->fd, c->name ? c->name->buf : "",
        (now - c->ctime) / 1000, (now - c->lastInteraction) / 1000, flags, c->db->id, sub, psub,
        ssub, (c->flags & CLIENT_MULTI) ? multiQueuedCount(c) : -1LL, qbuf, qfree, argvMem, multiQueuedMemory(c), sizeof(c->buf),
        sizeof(c->buf), c->bufpos, blocks, c->replyBytes, clientMemory(c), events,
        last ? commandFullName(last) : "NULL", accessUserName(c), c->resp);
}

/* ---- CLIENT subcommands ---- */

/* CLIENT ID: the connection's id, unique for the life of the process. */
void clientIdCommand(client *c) {
    addReplyLongLong(c, (long long)c->id);
}

/* CLIENT INFO: the caller's CLIENT LIST line (a verbatim string in RESP3). */
void clientInfoCommand(client *c) {
    sbuf *s = catClientInfo(sbufNewCap(256), c);
    s = sbufCat(s, "\n", 1);
    addReplyVerbatim(c, s->buf, s->len, "txt");
    sbufFree(s);
}

/* CLIENT LIST [TYPE type] | [ID id [id ...]]: one line per client, oldest
 * first (IDs in the order given; unknown ones are skipped). */
void clientListCommand(client *c) {
    int type = -1;
    sbuf *s = sbufNewCap(256);
    if (c->argc == 4 && sliceIs(c->argv[2], "type")) {
        type = clientTypeByName(c->argv[3]);
        if (type == -1) {
            char name[128];
            sliceToCStr(c->argv[3], name, sizeof(name));
            addReplyErrorFormat(c, "ERR Unknown client type '%s'", name);
            sbufFree(s);
            return;
        }
    } else if (c->argc > 3 && sliceIs(c->argv[2], "id")) {
        for (int j = 3; j < c->argc; j++) {
            long long id;
            if (getLongLongOrReply(c, c->argv[j], &id, "ERR Invalid client ID") == C_ERR) {
                sbufFree(s);
                return;
            }
            client *cl = id > 0 ? lookupClientById((uint64_t)id) : NULL;
            if (!cl) continue;
            s = catClientInfo(s, cl);
            s = sbufCat(s, "\n", 1);
        }
        addReplyVerbatim(c, s->buf, s->len, "txt");
        sbufFree(s);
        return;
    } else if (c->argc != 2) {
        addReplyError(c, ERR_SYNTAX);
        sbufFree(s);
        return;
    }
    for (client *cl = clientListFirst(); cl; cl = clientListNext(cl)) {
        if (type != -1 && clientType(cl) != type) continue;
        s = catClientInfo(s, cl);
        s = sbufCat(s, "\n", 1);
    }
    addReplyVerbatim(c, s->buf, s->len, "txt");
    sbufFree(s);
}

/* Filters of CLIENT KILL's new form; unset ones match everything. */
typedef struct killFilter {
    long long id; /* 0: any */
    int type;     /* -1: any */
    const slice *addr, *laddr;
    bool filterUser;
    const struct aclUser *user;
    bool skipme;
} killFilter;

static bool sliceEqStr(const slice *s, const char *str) {
    return s->len == strlen(str) && memcmp(s->ptr, str, s->len) == 0;
}

static bool killMatches(const killFilter *f, const client *cl) {
    if (f->addr && !sliceEqStr(f->addr, cl->addr)) return false;
    if (f->laddr && !sliceEqStr(f->laddr, cl->laddr)) return false;
    if (f->type != -1 && clientType(cl) != f->type) return false;
    if (f->id != 0 && cl->id != (uint64_t)f->id) return false;
    if (f->filterUser && cl->user != f->user) return false;
    return true;
}

/* Parses the option/value pairs of CLIENT KILL's new form into 'f'. */
static int parseKillFilterOrReply(client *c, killFilter *f) {
    for (int j = 2; j < c->argc; j += 2) {
        bool more = j + 1 < c->argc;
        slice opt = c->argv[j];
        if (more && sliceIs(opt, "id")) {
            if (getRangeLongOrReply(c, c->argv[j + 1], 1, LLONG_MAX, &f->id,
                                    "ERR client-id should be greater than 0") == C_ERR)
                return C_ERR;
        } else if (more && sliceIs(opt, "type")) {
            f->type = clientTypeByName(c->argv[j + 1]);
            if (f->type == -1) {
                char name[128];
                sliceToCStr(c->argv[j + 1], name, sizeof(name));
                addReplyErrorFormat(c, "ERR Unknown client type '%s'", name);
                return C_ERR;
            }
        } else if (more && sliceIs(opt, "addr")) {
            f->addr = &c->argv[j + 1];
        } else if (more && sliceIs(opt, "laddr")) {
            f->laddr = &c->argv[j + 1];
        } else if (more && sliceIs(opt, "user")) {
            f->filterUser = true;
            f->user = accessImpl ? accessImpl->findUser(c->argv[j + 1]) : NULL;
            if (!f->user) {
                char name[128];
                sliceToCStr(c->argv[j + 1], name, sizeof(name));
                addReplyErrorFormat(c, "ERR No such user '%s'", name);
                return C_ERR;
            }
        } else if (more && sliceIs(opt, "skipme")) {
            if (sliceIs(c->argv[j + 1], "yes")) {
                f->skipme = true;
            } else if (sliceIs(c->argv[j + 1], "no")) {
                f->skipme = false;
            } else {
                addReplyError(c, ERR_SYNTAX);
                return C_ERR;
            }
        } else {
            addReplyError(c, ERR_SYNTAX);
            return C_ERR;
        }
    }
    return C_OK;
}

/* CLIENT KILL addr (old form: OK or "No such client", may kill the caller)
 * or CLIENT KILL <filter> <value> ... (new form: the number killed, the
 * caller spared unless SKIPME no).  A killed caller gets its reply first. */
void clientKillCommand(client *c) {
    killFilter f = {.id = 0, .type = -1, .addr = NULL, .laddr = NULL, .filterUser = false,
                    .user = NULL, .skipme = true};
    bool oldForm = c->argc == 3;
    if (oldForm) {
        f.addr = &c->argv[2];
        f.skipme = false;
    } else if (parseKillFilterOrReply(c, &f) == C_ERR) {
        return;
    }
    long long killed = 0;
    bool closeSelf = false;
    client *cl = clientListFirst();
    while (cl) {
        client *next = clientListNext(cl);
        if (killMatches(&f, cl) && !(cl == c && f.skipme)) {
            if (cl == c)
                closeSelf = true;
            else
                freeClient(cl);
            killed++;
        }
        cl = next;
    }
    if (oldForm) {
        if (killed == 0)
            addReplyError(c, "ERR No such client");
        else
            addReplyOK(c);
    } else {
        addReplyLongLong(c, killed);
    }
    if (closeSelf) c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

/* Rejects names with bytes outside '!'..'~' (they would break the space
 * separated CLIENT LIST line).  'what' starts the error text. */
static int checkClientAttrOrReply(client *c, slice v, const char *what) {
    for (size_t j = 0; j < v.len; j++) {
        unsigned char ch = (unsigned char)v.ptr[j];
        if (ch < '!' || ch > '~') {
            addReplyErrorFormat(c, "ERR %s cannot contain spaces, newlines or special characters.",
                                what);
            return C_ERR;
        }
    }
    return C_OK;
}

/* CLIENT SETNAME name: names the connection; "" removes the name. */
void clientSetnameCommand(client *c) {
    slice name = c->argv[2];
    if (checkClientAttrOrReply(c, name, "Client names") == C_ERR) return;
    sbufFree(c->name);
    c->name = name.len ? sbufNew(name.ptr, name.len) : NULL; /* "" removes the name */
    addReplyOK(c);
}

/* CLIENT GETNAME: the name, or nil when none was set. */
void clientGetnameCommand(client *c) {
    if (c->name)
        addReplyBulk(c, c->name->buf, c->name->len);
    else
        addReplyNull(c);
}

/* CLIENT SETINFO LIB-NAME|LIB-VER value (Redis 7.2; texts as 7.2's). */
void clientSetinfoCommand(client *c) {
    slice attr = c->argv[2], v = c->argv[3];
    sbuf **dest;
    char name[64];
    sliceToCStr(attr, name, sizeof(name));
    if (sliceIs(attr, "lib-name")) {
        dest = &c->libName;
    } else if (sliceIs(attr, "lib-ver")) {
        dest = &c->libVer;
    } else {
        addReplyErrorFormat(c, "ERR Unrecognized option '%s'", name);
        return;
    }
    if (checkClientAttrOrReply(c, v, name) == C_ERR) return;
    sbufFree(*dest);
    *dest = v.len ? sbufNew(v.ptr, v.len) : NULL;
    addReplyOK(c);
}

/* CLIENT REPLY ON|OFF|SKIP.  OFF and SKIP reply nothing (that is their
 * point); SKIP takes effect for the next command (see processCommand). */
void clientReplyCommand(client *c) {
    slice mode = c->argv[2];
    if (sliceIs(mode, "on")) {
        c->flags &= ~(CLIENT_REPLY_SKIP | CLIENT_REPLY_OFF);
        addReplyOK(c);
    } else if (sliceIs(mode, "off")) {
        c->flags |= CLIENT_REPLY_OFF;
    } else if (sliceIs(mode, "skip")) {
        if (!(c->flags & CLIENT_REPLY_OFF)) c->flags |= CLIENT_REPLY_SKIP_NEXT;
    } else {
        addReplyError(c, ERR_SYNTAX);
    }
}

/* CLIENT NO-EVICT ON|OFF: only a flag (shown as 'e') until client eviction exists. */
void clientNoEvictCommand(client *c) {
    if (sliceIs(c->argv[2], "on")) {
        c->flags |= CLIENT_NO_EVICT;
    } else if (sliceIs(c->argv[2], "off")) {
        c->flags &= ~CLIENT_NO_EVICT;
    } else {
        addReplyError(c, ERR_SYNTAX);
        return;
    }
    addReplyOK(c);
}

/* CLIENT HELP. */
void clientHelpCommand(client *c) {
    /* Redis 7.0's text, limited to the subcommands Tern has. */
    static const char *help[] = {"GETNAME",
                                 "    Return the name of the current connection.",
                                 "ID",
                                 "    Return the ID of the current connection.",
                                 "INFO",
                                 "    Return information about the current client connection.",
                                 "KILL <ip:port>",
                                 "    Kill connection made from <ip:port>.",
                                 "KILL <option> <value> [<option> <value> [...]]",
                                 "    Kill connections. Options are:",
                                 "    * ADDR (<ip:port>|<unixsocket>:0)",
                                 "      Kill connections made from the specified address",
                                 "    * LADDR (<ip:port>|<unixsocket>:0)",
                                 "      Kill connections made to specified local address",
                                 "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
                                 "      Kill connections by type.",
                                 "    * USER <username>",
                                 "      Kill connections authenticated by <username>.",
                                 "    * SKIPME (YES|NO)",
                                 "      Skip killing current connection (default: yes).",
                                 "LIST [options ...]",
                                 "    Return information about client connections. Options:",
                                 "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
                                 "      Return clients of specified type.",
                                 "REPLY (ON|OFF|SKIP)",
                                 "    Control the replies sent to the current connection.",
                                 "SETNAME <name>",
                                 "    Assign the name <name> to the current connection.",
                                 "SETINFO <option> <value>",
                                 "    Set client meta attr. Options are:",
                                 "    * LIB-NAME: the client lib name.",
                                 "    * LIB-VER: the client lib version.",
                                 "NO-EVICT (ON|OFF)",
                                 "    Protect current client connection from eviction.",
                                 NULL};
    addReplyHelp(c, help);
}
