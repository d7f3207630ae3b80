/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Usage-string parser (see cmdsyntax.h for the notation by example).
 *
 * Grammar:
 *
 *   usage   := seq
 *   seq     := { item }                       items separated by spaces
 *   alts    := seq { '|' seq } [ '...' ]      inside a group only
 *   item    := [ word '=' ] primary { annot }
 *   primary := word | '"' text '"' | '[' alts ']' | '<' alts '>'
 *   annot   := '@' version | '!' version | '#' digits
 *
 * A word is a run of bytes other than space and []<>|="@!# ; one with an
 * uppercase letter and no lowercase letter is a keyword.  An argument word
 * may end in ":type".
 *
 * Each sequence is resolved in three passes, innermost group first:
 *   1. binding: a keyword directly followed by an argument (a word or a
 *      group) without a token becomes that argument's token;
 *   2. keywords left alone become pure-token arguments;
 *   3. folding: a repetition group "[... ...]" must restate the k
 *      arguments before it (names, keywords and structure; types and
 *      annotations need not be repeated); they get the multiple flag, as
 *      one block when k > 1.  The repetition's own copy is discarded.
 * A group then becomes: a oneof when it has alternatives, else a block,
 * except that "[x]" just marks x optional.  When a block's first argument
 * got its token by binding, the token moves up to the block
 * ("[LIMIT offset count]"), as Redis documents such blocks, unless the
 * block is named ("count=[COUNT count [ANY]]" keeps COUNT on the count);
 * a bare keyword opening a block whose next argument has a token of its
 * own ("[FULL [COUNT count]]") becomes the block's token, named or not.
 * Finally keys without '#' get key_spec_index 0, 1, ... in order.
 *
 * Work and memory are linear in the string; nodes own their strings and
 * children and move between lists by struct copy.
 */
#include "ds/cmdsyntax.h"

#include "ds/alloc.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum { ITEM_NODE, ITEM_KEYWORD, ITEM_REPEAT };

/* A parsed item of a sequence before it is resolved. */
typedef struct synItem {
    syntaxArg node; /* ITEM_KEYWORD: the text in node.token; ITEM_REPEAT: a
                       block whose children are the repeated arguments */
    int kind;
    bool boundToken; /* node.token came from a keyword before it */
    bool labelled;   /* carries a name= or an annotation */
    bool lone;       /* a keyword left alone (pass 2 made it a pure token) */
} synItem;

typedef struct synList {
    synItem *items;
    int len, cap;
} synList;

typedef struct synParser {
    const char *s;
    size_t pos;
    char *err;
    size_t errlen;
    bool failed;
    bool named; /* the group about to be parsed has a name= */
} synParser;

static const char *typeNames[] = {"string", "integer",    "double", "key", "pattern",
                                  "unix-time", "pure-token", "oneof",  "block"};

const char *syntaxTypeName(syntaxType type) { return typeNames[type]; }

static void argClear(syntaxArg *a) {
    tfree(a->name);
    tfree(a->token);
    tfree(a->since);
    tfree(a->deprecatedSince);
    for (int j = 0; j < a->numArgs; j++) argClear(&a->args[j]);
    tfree(a->args);
    memset(a, 0, sizeof(*a));
}

void syntaxFree(syntaxArg *root) {
    if (!root) return;
    argClear(root);
    tfree(root);
}

static void listPush(synList *l, const synItem *it) {
    if (l->len == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->items = trealloc(l->items, sizeof(synItem) * (size_t)l->cap);
    }
    l->items[l->len++] = *it;
}

/* Drops items [from, from+n) without freeing them (their nodes moved). */
static void listCut(synList *l, int from, int n) {
    memmove(l->items + from, l->items + from + n, sizeof(synItem) * (size_t)(l->len - from - n));
    l->len -= n;
}

static void listClear(synList *l) {
    for (int j = 0; j < l->len; j++) argClear(&l->items[j].node);
    tfree(l->items);
    memset(l, 0, sizeof(*l));
}

static bool fail(synParser *p, const char *msg) {
    if (!p->failed && p->errlen) snprintf(p->err, p->errlen, "%s at offset %zu", msg, p->pos);
    p->failed = true;
    return false;
}

static bool isWordChar(char ch) {
    return ch != '\0' && ch != ' ' && !strchr("[]<>|=\"@!#", ch);
}

static void skipSpaces(synParser *p) {
    while (p->s[p->pos] == ' ') p->pos++;
}

/* Default name of a group: its children's names joined with '_'. */
static char *joinNames(const syntaxArg *args, int n) {
    size_t len = 0;
    for (int j = 0; j < n; j++) len += strlen(args[j].name) + 1;
    char *name = tmalloc(len ? len : 1), *w = name;
    for (int j = 0; j < n; j++) {
        size_t l = strlen(args[j].name);
        memcpy(w, args[j].name, l);
        w += l;
        *w++ = '_';
    }
    if (w > name) w--;
    *w = '\0';
    return name;
}

/* Moves the nodes of 'l' into a new block; with 'lift', a token bound to
 * the first one becomes the block's.  Empties 'l'. */
static syntaxArg blockFrom(synList *l, bool lift) {
    syntaxArg b = {0};
    b.type = SYNTAX_BLOCK;
    b.keySpecIndex = -1;
    b.numArgs = l->len;
    b.args = tmalloc(sizeof(syntaxArg) * (size_t)l->len);
    for (int j = 0; j < l->len; j++) b.args[j] = l->items[j].node;
    if (lift && l->items[0].boundToken) {
        b.token = b.args[0].token;
        b.args[0].token = NULL;
    } else if (lift && l->len >= 2 && l->items[0].lone && !l->items[0].labelled) {
        /* "[FULL [COUNT count]]": a bare keyword opening a block whose next
         * argument has its own token is the block's token. */
        b.token = b.args[0].token;
        b.args[0].token = NULL;
        argClear(&b.args[0]);
        b.numArgs--;
        memmove(&b.args[0], &b.args[1], sizeof(syntaxArg) * (size_t)b.numArgs);
    }
    b.name = joinNames(b.args, b.numArgs);
    l->len = 0;
    return b;
}

/* Moves the alternatives 'alts' into a new oneof; empties them. */
static syntaxArg oneofFrom(synList *alts, int n) {
    syntaxArg o = {0};
    o.type = SYNTAX_ONEOF;
    o.keySpecIndex = -1;
    o.numArgs = n;
    o.args = tmalloc(sizeof(syntaxArg) * (size_t)n);
    for (int j = 0; j < n; j++) {
        if (alts[j].len == 1) {
            o.args[j] = alts[j].items[0].node;
            alts[j].len = 0;
        } else {
            o.args[j] = blockFrom(&alts[j], true);
        }
    }
    o.name = joinNames(o.args, n);
    return o;
}

static bool isValueType(syntaxType t) {
    return t != SYNTAX_PURE_TOKEN && t != SYNTAX_ONEOF && t != SYNTAX_BLOCK;
}

static bool sameText(const char *a, const char *b) {
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

/* "<x>" is written where Redis has a block of one argument; a repetition
 * may restate it as plain "x". */
static const syntaxArg *unwrap(const syntaxArg *a) {
    while (a->type == SYNTAX_BLOCK && a->numArgs == 1 && !a->token && !a->flags) a = &a->args[0];
    return a;
}

/* Whether repetition 'b' restates 'a': same words, keywords, structure
 * and optional/multiple flags; types, group names and annotations are not
 * compared.  'ignoreToken' skips the tokens of this level. */
static bool sameShape(const syntaxArg *a, const syntaxArg *b, bool ignoreToken) {
    a = unwrap(a);
    b = unwrap(b);
    if (!ignoreToken && !sameText(a->token, b->token)) return false;
    unsigned mask = SYNTAX_OPTIONAL | SYNTAX_MULTIPLE | SYNTAX_MULTIPLE_TOKEN;
    if ((a->flags & mask) != (b->flags & mask)) return false;
    if (isValueType(a->type) || isValueType(b->type))
        return isValueType(a->type) && isValueType(b->type) && sameText(a->name, b->name);
    if (a->type != b->type || a->numArgs != b->numArgs) return false;
    for (int j = 0; j < a->numArgs; j++)
        if (!sameShape(&a->args[j], &b->args[j], false)) return false;
    return true;
}

/* Pass 3 for the repetition at l->items[at]. */
static bool foldRepeat(synParser *p, synList *l, int at) {
    syntaxArg *rep = &l->items[at].node;
    int k = rep->numArgs, first = at - k;
    if (first < 0) return fail(p, "a repetition restates more arguments than precede it");
    const syntaxArg *p0 = &l->items[first].node, *b0 = &rep->args[0];
    bool repeatsToken = p0->token && b0->token;
    for (int j = 0; j < k; j++) {
        if (!sameShape(&l->items[first + j].node, &rep->args[j], j == 0 && p0->token && !b0->token))
            return fail(p, "a repetition does not restate the arguments before it");
    }
    unsigned flags = SYNTAX_MULTIPLE | (repeatsToken ? SYNTAX_MULTIPLE_TOKEN : 0);
    argClear(rep);
    listCut(l, at, 1);
    if (k == 1) {
        if (l->items[first].node.flags & SYNTAX_MULTIPLE)
            return fail(p, "an argument repeated twice");
        l->items[first].node.flags |= flags;
        return true;
    }
    synList run = {l->items + first, k, k};
    synItem block = {0};
    block.kind = ITEM_NODE;
    block.node = blockFrom(&run, true);
    block.node.flags |= flags;
    l->items[first] = block;
    listCut(l, first + 1, k - 1);
    return true;
}

/* Passes 1-3 over one sequence (see the file comment). */
static bool resolveSeq(synParser *p, synList *l) {
    for (int j = 0; j + 1 < l->len; j++) {
        synItem *kw = &l->items[j], *next = &l->items[j + 1];
        if (kw->kind != ITEM_KEYWORD || next->kind != ITEM_NODE || next->node.token) continue;
        if (kw->labelled) return fail(p, "name or annotate the argument after a keyword");
        next->node.token = kw->node.token;
        kw->node.token = NULL;
        next->boundToken = true;
        argClear(&kw->node);
        listCut(l, j, 1);
    }
    for (int j = 0; j < l->len; j++) {
        synItem *it = &l->items[j];
        if (it->kind != ITEM_KEYWORD) continue;
        it->kind = ITEM_NODE;
        it->lone = true;
        it->node.type = SYNTAX_PURE_TOKEN;
        if (!it->node.name) {
            it->node.name = tstrdup(it->node.token);
            for (char *c = it->node.name; *c; c++)
                if (*c >= 'A' && *c <= 'Z') *c = (char)(*c | 0x20);
        }
    }
    for (int j = 0; j < l->len; j++) {
        if (l->items[j].kind != ITEM_REPEAT) continue;
        int k = l->items[j].node.numArgs;
        if (!foldRepeat(p, l, j)) return false;
        j -= k; /* continue after the folded argument */
    }
    return true;
}

static bool parseItem(synParser *p, synItem *out);

/* Parses items up to 'close' (0: the end), a '|' or a final "...". */
static bool parseSeq(synParser *p, char close, synList *out, bool *ellipsis) {
    for (;;) {
        skipSpaces(p);
        char ch = p->s[p->pos];
        if (ch == '\0') {
            if (close) return fail(p, "unclosed group");
            break;
        }
        if (close && ch == close) break;
        if (ch == '|') {
            if (!close) return fail(p, "'|' outside a group");
            break;
        }
        if (ch == ']' || ch == '>') return fail(p, "unbalanced group");
        if (strncmp(p->s + p->pos, "...", 3) == 0 && !isWordChar(p->s[p->pos + 3])) {
            p->pos += 3;
            skipSpaces(p);
            if (close != ']' || p->s[p->pos] != ']') return fail(p, "'...' must end a [...] group");
            *ellipsis = true;
            break;
        }
        synItem it;
        bool ok = parseItem(p, &it);
        if (!ok) return false;
        listPush(out, &it);
    }
    return resolveSeq(p, out);
}

/* Parses a '[' or '<' group at p->pos into 'out'. */
static bool parseGroup(synParser *p, synItem *out) {
    bool named = p->named;
    p->named = false;
    char open = p->s[p->pos++];
    char close = open == '[' ? ']' : '>';
    synList *alts = NULL;
    int n = 0;
    bool repeat = false, ok = true;
    for (;;) {
        alts = trealloc(alts, sizeof(synList) * (size_t)(n + 1));
        memset(&alts[n], 0, sizeof(synList));
        ok = parseSeq(p, close, &alts[n++], &repeat);
        if (!ok) break;
        if (alts[n - 1].len == 0) {
            ok = fail(p, "empty group or alternative");
            break;
        }
        if (p->s[p->pos] == '|') {
            p->pos++;
            continue;
        }
        p->pos++; /* the closing bracket */
        break;
    }
    if (ok && repeat) {
        out->kind = ITEM_REPEAT;
        if (n == 1) {
            out->node = blockFrom(&alts[0], false); /* the restated arguments */
        } else {
            out->node.type = SYNTAX_BLOCK;
            out->node.numArgs = 1;
            out->node.args = tmalloc(sizeof(syntaxArg));
            out->node.args[0] = oneofFrom(alts, n);
        }
    } else if (ok && n > 1) {
        out->node = oneofFrom(alts, n);
    } else if (ok && alts[0].len == 1 && open == '[') {
        out->node = alts[0].items[0].node;
        alts[0].len = 0;
        if (out->node.flags & SYNTAX_OPTIONAL) ok = fail(p, "an argument made optional twice");
    } else if (ok) {
        out->node = blockFrom(&alts[0], true);
        if (named && out->node.token && out->node.numArgs > 0 &&
            !out->node.args[0].token && out->node.args[0].type != SYNTAX_PURE_TOKEN) {
            /* "count=[COUNT count [ANY]]": a named block keeps the token
             * bound to its first argument there (GEOSEARCH's COUNT). */
            out->node.args[0].token = out->node.token;
            out->node.token = NULL;
        }
    }
    if (ok && open == '[' && !repeat) out->node.flags |= SYNTAX_OPTIONAL;
    for (int j = 0; j < n; j++) listClear(&alts[j]);
    tfree(alts);
    return ok;
}

static const char *typeSuffixes[] = {"string", "integer", "double", "key", "pattern", "unix-time"};

/* An argument word: "name" or "name:type". */
static void wordNode(syntaxArg *a, const char *w, size_t len) {
    const char *colon = memrchr(w, ':', len);
    a->type = SYNTAX_STRING;
    if (colon && colon > w) {
        size_t tlen = len - (size_t)(colon + 1 - w);
        for (int t = 0; t < (int)(sizeof(typeSuffixes) / sizeof(typeSuffixes[0])); t++) {
            if (strlen(typeSuffixes[t]) == tlen && memcmp(colon + 1, typeSuffixes[t], tlen) == 0) {
                a->type = (syntaxType)t;
                a->name = tmemdup(w, (size_t)(colon - w));
                return;
            }
        }
    }
    a->name = tmemdup(w, len);
    if (strcmp(a->name, "key") == 0) a->type = SYNTAX_KEY;
    if (strcmp(a->name, "pattern") == 0) a->type = SYNTAX_PATTERN;
}

static bool isKeyword(const char *w, size_t len) {
    bool upper = false;
    for (size_t j = 0; j < len; j++) {
        if (w[j] >= 'a' && w[j] <= 'z') return false;
        if (w[j] >= 'A' && w[j] <= 'Z') upper = true;
    }
    return upper;
}

/* Reads a version after '@' or '!' into a new string. */
static bool parseVersion(synParser *p, char **dst) {
    if (*dst) return fail(p, "a version given twice");
    size_t start = ++p->pos;
    while ((p->s[p->pos] >= '0' && p->s[p->pos] <= '9') || p->s[p->pos] == '.') p->pos++;
    if (p->pos == start) return fail(p, "expected a version");
    *dst = tmemdup(p->s + start, p->pos - start);
    return true;
}

static bool parseAnnotations(synParser *p, synItem *it) {
    for (;;) {
        char ch = p->s[p->pos];
        bool ok = true;
        if (ch == '@') {
            ok = parseVersion(p, &it->node.since);
        } else if (ch == '!') {
            ok = parseVersion(p, &it->node.deprecatedSince);
        } else if (ch == '#') {
            size_t start = ++p->pos;
            int idx = 0;
            while (p->s[p->pos] >= '0' && p->s[p->pos] <= '9' && idx < 1000)
                idx = idx * 10 + (p->s[p->pos++] - '0');
            if (p->pos == start) return fail(p, "expected a key spec index");
            /* SORT documents its BY/GET patterns with the key spec of the
             * keys they name. */
            if (it->kind != ITEM_NODE ||
                (it->node.type != SYNTAX_KEY && it->node.type != SYNTAX_PATTERN))
                return fail(p, "a key spec index on an argument that is not a key or pattern");
            it->node.keySpecIndex = idx;
        } else {
            return true;
        }
        if (!ok) return false;
        it->labelled = true;
    }
}

static bool parseItem(synParser *p, synItem *out) {
    memset(out, 0, sizeof(*out));
    out->kind = ITEM_NODE;
    out->node.keySpecIndex = -1;
    const char *s = p->s;
    size_t start = p->pos, end = start;
    while (isWordChar(s[end])) end++;
    char *label = NULL;
    if (end > start && s[end] == '=') {
        label = tmemdup(s + start, end - start);
        p->pos = start = end + 1;
    }
    bool ok = true;
    char ch = s[p->pos];
    if (ch == '[' || ch == '<') {
        p->named = label != NULL;
        ok = parseGroup(p, out);
    } else if (ch == '"') {
        const char *q = strchr(s + p->pos + 1, '"');
        if (!q || q == s + p->pos + 1) {
            ok = fail(p, "bad quoted keyword");
        } else {
            out->kind = ITEM_KEYWORD;
            out->node.token = tmemdup(s + p->pos + 1, (size_t)(q - s - p->pos - 1));
            p->pos = (size_t)(q - s) + 1;
        }
    } else {
        end = p->pos;
        while (isWordChar(s[end])) end++;
        if (end == p->pos) {
            ok = fail(p, "expected an argument");
        } else if (isKeyword(s + p->pos, end - p->pos)) {
            out->kind = ITEM_KEYWORD;
            out->node.token = tmemdup(s + p->pos, end - p->pos);
        } else {
            wordNode(&out->node, s + p->pos, end - p->pos);
        }
        if (ok) p->pos = end;
    }
    if (ok) ok = parseAnnotations(p, out);
    if (ok && label) {
        tfree(out->node.name);
        out->node.name = label;
        out->labelled = true;
        label = NULL;
    }
    if (ok && out->kind == ITEM_REPEAT && out->labelled)
        ok = fail(p, "a repetition takes no name or annotation");
    if (ok && !strchr(" |]>", s[p->pos])) ok = fail(p, "expected a space after an argument");
    tfree(label);
    if (!ok) argClear(&out->node);
    return ok;
}

/* Numbers the keys that have no explicit '#', depth first. */
static void numberKeys(syntaxArg *a, int *next) {
    if (a->type == SYNTAX_KEY && a->keySpecIndex < 0) a->keySpecIndex = (*next)++;
    for (int j = 0; j < a->numArgs; j++) numberKeys(&a->args[j], next);
}

syntaxArg *syntaxParse(const char *usage, char *err, size_t errlen) {
    synParser p = {usage, 0, err, errlen, false, false};
    if (errlen) err[0] = '\0';
    synList top = {0};
    bool ellipsis = false;
    if (!parseSeq(&p, 0, &top, &ellipsis)) {
        listClear(&top);
        return NULL;
    }
    syntaxArg *root = tcalloc(sizeof(*root));
    root->type = SYNTAX_BLOCK;
    root->keySpecIndex = -1;
    root->numArgs = top.len;
    if (top.len) root->args = tmalloc(sizeof(syntaxArg) * (size_t)top.len);
    for (int j = 0; j < top.len; j++) root->args[j] = top.items[j].node;
    tfree(top.items);
    int next = 0;
    numberKeys(root, &next);
    return root;
}
