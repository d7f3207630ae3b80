/* SPDX-License-Identifier: BSD-3-Clause
 *
 * zindex implementation.  See zindex.h for the layout and the reasons for
 * a B+tree; the notes here cover the invariants the code keeps.
 *
 * Inner nodes: child[i] for i < n, count[i] = members under child[i], and
 * for i >= 1 sep[i] = (score, entry) of the smallest member under child[i]
 * exactly.  Because separators point at live entries, deleting a member
 * that is the minimum of some subtree replaces the separator that names it
 * before the entry is freed (fixMinSeparator).  An insert never changes a
 * subtree minimum that a separator names: descent picks the last child
 * whose minimum is below the key, so a new key lands at position 0 only in
 * the leftmost leaf of the whole tree, whose minimum no separator names.
 *
 * Fill: a node that drops below a quarter of its capacity after a removal
 * borrows from or merges with a sibling under the same parent, so no leaf
 * but the root is ever empty and every inner node has at least two
 * children (a root inner node left with one child is replaced by it).
 * Splits at the right or left edge of the tree (ordered loads) leave small
 * nodes there on purpose; they fill up as the load goes on.
 *
 * Each operation descends once from the root, recording the path (node and
 * child index per level) so that splits, merges and count updates walk back
 * up without parent pointers.
 */
#include "ds/zindex.h"

#include <stdio.h>
#include <stdlib.h>

#include "ds/alloc.h"
#include "ds/hashtable.h"

/* 8 + 16 + 62 * 16 = 1016 bytes: one 1 KB allocator slot. */
#define LEAF_CAP 62
/* 8 + 63 * 32 = 2024 bytes: one 2 KB slot. */
#define INNER_CAP 63
#define LEAF_MIN (LEAF_CAP / 4)
#define INNER_MIN (INNER_CAP / 4)
/* Fanout >= INNER_MIN (15) at every inner level but the root: 24 levels
 * hold far more members than memory can. */
#define MAX_DEPTH 24

typedef struct zleaf {
    uint32_t n;
    struct zleaf *prev, *next;
    double score[LEAF_CAP];
    zentry *ent[LEAF_CAP];
} zleaf;

typedef struct zinner {
    uint32_t n;
    size_t count[INNER_CAP];
    double sepScore[INNER_CAP]; /* [0] unused */
    zentry *sepEnt[INNER_CAP];
    void *child[INNER_CAP];
} zinner;

struct zindex {
    hashtable *ht;
    void *root; /* a zleaf when height == 0 */
    int height; /* inner levels above the leaves */
    zleaf *head, *tail;
    size_t count;
    size_t nodeBytes;  /* allocator bytes of all nodes */
    size_t entryBytes; /* allocator bytes of all entries */
};

/* Root-to-leaf path: node[l] is the inner node at depth l, idx[l] the child
 * taken there; depth runs 0 .. height-1. */
typedef struct zpath {
    zinner *node[MAX_DEPTH];
    unsigned idx[MAX_DEPTH];
} zpath;

/* ---- entries and the hashtable ---- */

static const void *entryKey(const void *p, size_t *len) {
    const zentry *e = p;
    *len = zentryLen(e);
    return zentryMember(e);
}

static void entryFree(void *p) {
    tfree(p);
}

static const htType zentryHtType = {entryKey, entryFree};

static zentry *newEntry(const char *m, size_t len, double score) {
    size_t hdr = len < 255 ? 1 : 5;
    zentry *e = tmalloc(sizeof(zentry) + hdr + len);
    e->next = NULL;
    e->score = score;
    if (hdr == 1) {
        e->data[0] = (unsigned char)len;
    } else {
        uint32_t l = (uint32_t)len;
        e->data[0] = 0xFF;
        memcpy(e->data + 1, &l, 4);
    }
    memcpy(e->data + hdr, m, len);
    return e;
}

/* ---- keys and comparison ---- */

enum { KEY_FULL, KEY_SCORE, KEY_LEX };

/* A search target.  below() is true for members strictly before the
 * target position: (score, member) < key for KEY_FULL, score < s (or <=
 * with orEqual) for KEY_SCORE, member < m (or <=) for KEY_LEX. */
typedef struct zkey {
    int kind;
    bool orEqual;
    double score;
    const char *m;
    size_t len;
} zkey;

static inline int cmpMember(const zentry *e, const char *m, size_t len) {
    size_t el = zentryLen(e);
    size_t min = el < len ? el : len;
    int c = memcmp(zentryMember(e), m, min);
    if (c) return c;
    return el < len ? -1 : el > len ? 1 : 0;
}

static inline bool below(const zkey *k, double s, const zentry *e) {
    switch (k->kind) {
        case KEY_SCORE:
            return k->orEqual ? s <= k->score : s < k->score;
        case KEY_LEX: {
            int c = cmpMember(e, k->m, k->len);
            return k->orEqual ? c <= 0 : c < 0;
        }
        default: {
            if (s != k->score) return s < k->score;
            int c = cmpMember(e, k->m, k->len);
            return k->orEqual ? c <= 0 : c < 0;
        }
    }
}

static zkey fullKey(const zentry *e, double score, bool orEqual) {
    zkey k = {KEY_FULL, orEqual, score, zentryMember(e), zentryLen(e)};
    return k;
}

/* Last child index i >= 1 whose separator is below 'k', or 0. */
static unsigned innerPick(const zinner *in, const zkey *k) {
    unsigned lo = 1, hi = in->n; /* answer in [lo-1, hi-1] */
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (below(k, in->sepScore[mid], in->sepEnt[mid]))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1;
}

/* First leaf index whose member is not below 'k' (n when all are). */
static unsigned leafPick(const zleaf *lf, const zkey *k) {
    unsigned lo = 0, hi = lf->n;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (below(k, lf->score[mid], lf->ent[mid]))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Descends by 'k', filling 'path'; returns the leaf.  '*rank' (may be NULL)
 * gets the number of members in leaves left of the returned one. */
static zleaf *descend(const zindex *zi, const zkey *k, zpath *path, size_t *rank) {
    void *n = zi->root;
    size_t r = 0;
    for (int d = 0; d < zi->height; d++) {
        zinner *in = n;
        unsigned i = innerPick(in, k);
        path->node[d] = in;
        path->idx[d] = i;
        for (unsigned j = 0; j < i; j++)
            r += in->count[j];
        n = in->child[i];
    }
    if (rank) *rank = r;
    return n;
}

/* ---- allocation ---- */

static zleaf *newLeaf(zindex *zi) {
    zleaf *lf = tmalloc(sizeof(zleaf));
    lf->n = 0;
    lf->prev = lf->next = NULL;
    zi->nodeBytes += tallocSize(lf);
    return lf;
}

static zinner *newInner(zindex *zi) {
    zinner *in = tmalloc(sizeof(zinner));
    in->n = 0;
    zi->nodeBytes += tallocSize(in);
    return in;
}

static void freeLeaf(zindex *zi, zleaf *lf) {
    zi->nodeBytes -= tallocSize(lf);
    tfree(lf);
}

static void freeInner(zindex *zi, zinner *in) {
    zi->nodeBytes -= tallocSize(in);
    tfree(in);
}

zindex *zidxCreate(void) {
    zindex *zi = tcalloc(sizeof(*zi));
    zi->ht = htCreate(&zentryHtType);
    zleaf *lf = newLeaf(zi);
    zi->root = lf;
    zi->head = zi->tail = lf;
    return zi;
}

static void freeNode(zindex *zi, void *n, int height) {
    if (height == 0) {
        freeLeaf(zi, n);
        return;
    }
    zinner *in = n;
    for (unsigned j = 0; j < in->n; j++)
        freeNode(zi, in->child[j], height - 1);
    freeInner(zi, in);
}

void zidxRelease(zindex *zi) {
    if (!zi) return;
    freeNode(zi, zi->root, zi->height);
    htRelease(zi->ht); /* frees the entries */
    tfree(zi);
}

size_t zidxLen(const zindex *zi) {
    return zi->count;
}

size_t zidxMemory(const zindex *zi) {
    return tallocSize(zi) + htOverheadBytes(zi->ht) + zi->nodeBytes + zi->entryBytes;
}

zentry *zidxFind(zindex *zi, const char *m, size_t len) {
    return htFind(zi->ht, m, len);
}

/* ---- insertion ---- */

/* True when every node on 'path' above depth 'd' took its last child: the
 * node at depth 'd' is the rightmost one at its level. */
static bool pathRightmost(const zpath *path, int d) {
    for (int j = d - 1; j >= 0; j--)
        if (path->idx[j] + 1 != path->node[j]->n) return false;
    return true;
}

/* Inserts child 'c' (holding 'cnt' members, minimum ('s', 'e')) into the
 * inner node at depth 'd' of 'path', right after child path->idx[d], and
 * splits upwards as needed.  The count of child path->idx[d] must already
 * be right. */
static void innerInsertAfter(zindex *zi, zpath *path, int d, void *c, size_t cnt, double s,
                             zentry *e) {
    while (1) {
        zinner *in = path->node[d];
        unsigned pos = path->idx[d] + 1;
        if (in->n < INNER_CAP) {
            unsigned tail = in->n - pos;
            memmove(&in->count[pos + 1], &in->count[pos], tail * sizeof(in->count[0]));
            memmove(&in->sepScore[pos + 1], &in->sepScore[pos], tail * sizeof(double));
            memmove(&in->sepEnt[pos + 1], &in->sepEnt[pos], tail * sizeof(zentry *));
            memmove(&in->child[pos + 1], &in->child[pos], tail * sizeof(void *));
            in->count[pos] = cnt;
            in->sepScore[pos] = s;
            in->sepEnt[pos] = e;
            in->child[pos] = c;
            in->n++;
            return;
        }
        /* Full: lay the INNER_CAP + 1 children out in order, then cut. */
        size_t tc[INNER_CAP + 1];
        double ts[INNER_CAP + 1];
        zentry *te[INNER_CAP + 1];
        void *tch[INNER_CAP + 1];
        unsigned total = INNER_CAP + 1;
        for (unsigned j = 0, k = 0; j < total; j++) {
            if (j == pos) {
                tc[j] = cnt;
                ts[j] = s;
                te[j] = e;
                tch[j] = c;
            } else {
                tc[j] = in->count[k];
                ts[j] = in->sepScore[k];
                te[j] = in->sepEnt[k];
                tch[j] = in->child[k];
                k++;
            }
        }
        /* Appending at the right edge: keep the left node nearly full.  The
         * new node gets two children, the minimum any inner node has. */
        unsigned cut = total / 2;
        if (pos == total - 1 && pathRightmost(path, d)) cut = total - 2;
        zinner *right = newInner(zi);
        in->n = cut;
        right->n = total - cut;
        size_t lsum = 0, rsum = 0;
        for (unsigned j = 0; j < cut; j++) {
            in->count[j] = tc[j];
            in->sepScore[j] = ts[j];
            in->sepEnt[j] = te[j];
            in->child[j] = tch[j];
            lsum += tc[j];
        }
        for (unsigned j = cut; j < total; j++) {
            right->count[j - cut] = tc[j];
            right->sepScore[j - cut] = ts[j];
            right->sepEnt[j - cut] = te[j];
            right->child[j - cut] = tch[j];
            rsum += tc[j];
        }
        /* The new node's minimum is its first child's separator. */
        c = right;
        cnt = rsum;
        s = ts[cut];
        e = te[cut];
        if (d == 0) {
            zinner *root = newInner(zi);
            root->n = 2;
            root->count[0] = lsum;
            root->child[0] = in;
            root->count[1] = rsum;
            root->sepScore[1] = s;
            root->sepEnt[1] = e;
            root->child[1] = right;
            zi->root = root;
            zi->height++;
            return;
        }
        d--;
        path->node[d]->count[path->idx[d]] = lsum;
    }
}

/* Inserts ('s', 'e') at 'pos' of 'lf' (the leaf 'path' leads to), splitting
 * it when full.  Counts on the path already include the new member. */
static void leafInsertAt(zindex *zi, zpath *path, zleaf *lf, unsigned pos, double s, zentry *e) {
    if (lf->n < LEAF_CAP) {
        unsigned tail = lf->n - pos;
        memmove(&lf->score[pos + 1], &lf->score[pos], tail * sizeof(double));
        memmove(&lf->ent[pos + 1], &lf->ent[pos], tail * sizeof(zentry *));
        lf->score[pos] = s;
        lf->ent[pos] = e;
        lf->n++;
        return;
    }
    double ts[LEAF_CAP + 1];
    zentry *te[LEAF_CAP + 1];
    unsigned total = LEAF_CAP + 1;
    memcpy(ts, lf->score, pos * sizeof(double));
    memcpy(te, lf->ent, pos * sizeof(zentry *));
    ts[pos] = s;
    te[pos] = e;
    memcpy(ts + pos + 1, lf->score + pos, (LEAF_CAP - pos) * sizeof(double));
    memcpy(te + pos + 1, lf->ent + pos, (LEAF_CAP - pos) * sizeof(zentry *));
    /* Ordered loads: appending at the very end keeps the full leaf full and
     * starts a new one; prepending at the very start likewise. */
    unsigned cut = total / 2;
    if (pos == LEAF_CAP && lf->next == NULL)
        cut = LEAF_CAP;
    else if (pos == 0 && lf->prev == NULL)
        cut = 1;
    zleaf *right = newLeaf(zi);
    memcpy(lf->score, ts, cut * sizeof(double));
    memcpy(lf->ent, te, cut * sizeof(zentry *));
    lf->n = cut;
    memcpy(right->score, ts + cut, (total - cut) * sizeof(double));
    memcpy(right->ent, te + cut, (total - cut) * sizeof(zentry *));
    right->n = total - cut;
    right->prev = lf;
    right->next = lf->next;
    if (lf->next)
        lf->next->prev = right;
    else
        zi->tail = right;
    lf->next = right;
    if (zi->height == 0) {
        zinner *root = newInner(zi);
        root->n = 2;
        root->count[0] = lf->n;
        root->child[0] = lf;
        root->count[1] = right->n;
        root->sepScore[1] = right->score[0];
        root->sepEnt[1] = right->ent[0];
        root->child[1] = right;
        zi->root = root;
        zi->height = 1;
        return;
    }
    int d = zi->height - 1;
    path->node[d]->count[path->idx[d]] = lf->n;
    innerInsertAfter(zi, path, d, right, right->n, right->score[0], right->ent[0]);
}

/* Links 'e' (with e->score set) into the tree. */
static void treeInsert(zindex *zi, zentry *e) {
    zpath path;
    zkey k = fullKey(e, e->score, false);
    zleaf *lf = descend(zi, &k, &path, NULL);
    for (int d = 0; d < zi->height; d++)
        path.node[d]->count[path.idx[d]]++;
    unsigned pos = leafPick(lf, &k);
    leafInsertAt(zi, &path, lf, pos, e->score, e);
    zi->count++;
}

zentry *zidxInsert(zindex *zi, const char *m, size_t len, double score) {
    zentry *e = newEntry(m, len, score);
    zi->entryBytes += tallocSize(e);
    htAddNew(zi->ht, e);
    treeInsert(zi, e);
    return e;
}

/* ---- deletion ---- */

/* After the first member of 'lf' was removed: the separator that named it
 * (at the deepest depth where the path did not take child 0) must name the
 * new minimum of that subtree, which is the leaf's new first member or,
 * when the leaf is now empty, the first member of the next leaf.  (An
 * empty last leaf is always the child taken at its parent's depth with a
 * left sibling, and merging it into that sibling drops the separator, so
 * it is left alone.) */
static void fixMinSeparator(zindex *zi, zpath *path, zleaf *lf) {
    int d = zi->height - 1;
    while (d >= 0 && path->idx[d] == 0)
        d--;
    if (d < 0) return;
    zinner *in = path->node[d];
    unsigned i = path->idx[d];
    if (lf->n > 0) {
        in->sepScore[i] = lf->score[0];
        in->sepEnt[i] = lf->ent[0];
    } else if (lf->next) {
        in->sepScore[i] = lf->next->score[0];
        in->sepEnt[i] = lf->next->ent[0];
    }
}

/* Removes child 'i' (and its separator) from 'in'. */
static void innerRemoveChild(zinner *in, unsigned i) {
    unsigned tail = in->n - i - 1;
    memmove(&in->count[i], &in->count[i + 1], tail * sizeof(in->count[0]));
    memmove(&in->sepScore[i], &in->sepScore[i + 1], tail * sizeof(double));
    memmove(&in->sepEnt[i], &in->sepEnt[i + 1], tail * sizeof(zentry *));
    memmove(&in->child[i], &in->child[i + 1], tail * sizeof(void *));
    in->n--;
}

/* Restores the fill of the inner node at depth 'd' of 'path' after it lost
 * a child, then of its ancestors, and collapses a single-child root. */
static void rebalanceInner(zindex *zi, zpath *path, int d) {
    for (; d > 0; d--) {
        zinner *node = path->node[d];
        if (node->n >= INNER_MIN) break;
        zinner *parent = path->node[d - 1];
        unsigned i = path->idx[d - 1];
        unsigned li = i > 0 ? i - 1 : 0;
        zinner *left = parent->child[li], *right = parent->child[li + 1];
        if (left->n + right->n <= INNER_CAP) {
            unsigned base = left->n;
            for (unsigned j = 0; j < right->n; j++) {
                left->count[base + j] = right->count[j];
                left->sepScore[base + j] = j ? right->sepScore[j] : parent->sepScore[li + 1];
                left->sepEnt[base + j] = j ? right->sepEnt[j] : parent->sepEnt[li + 1];
                left->child[base + j] = right->child[j];
            }
            left->n += right->n;
            parent->count[li] += parent->count[li + 1];
            innerRemoveChild(parent, li + 1);
            freeInner(zi, right);
            continue; /* the parent lost a child */
        }
        unsigned total = left->n + right->n, want = total / 2;
        size_t moved = 0;
        if (left->n < want) {
            /* The first m children of 'right' go to the end of 'left'. */
            unsigned m = want - left->n, base = left->n;
            for (unsigned j = 0; j < m; j++) {
                left->count[base + j] = right->count[j];
                left->sepScore[base + j] = j ? right->sepScore[j] : parent->sepScore[li + 1];
                left->sepEnt[base + j] = j ? right->sepEnt[j] : parent->sepEnt[li + 1];
                left->child[base + j] = right->child[j];
                moved += right->count[j];
            }
            parent->sepScore[li + 1] = right->sepScore[m];
            parent->sepEnt[li + 1] = right->sepEnt[m];
            unsigned rest = right->n - m;
            memmove(&right->count[0], &right->count[m], rest * sizeof(right->count[0]));
            memmove(&right->sepScore[0], &right->sepScore[m], rest * sizeof(double));
            memmove(&right->sepEnt[0], &right->sepEnt[m], rest * sizeof(zentry *));
            memmove(&right->child[0], &right->child[m], rest * sizeof(void *));
            left->n += m;
            right->n = rest;
            parent->count[li] += moved;
            parent->count[li + 1] -= moved;
        } else {
            /* The last m children of 'left' go to the front of 'right'. */
            unsigned m = left->n - want, from = left->n - m;
            memmove(&right->count[m], &right->count[0], right->n * sizeof(right->count[0]));
            memmove(&right->sepScore[m], &right->sepScore[0], right->n * sizeof(double));
            memmove(&right->sepEnt[m], &right->sepEnt[0], right->n * sizeof(zentry *));
            memmove(&right->child[m], &right->child[0], right->n * sizeof(void *));
            right->sepScore[m] = parent->sepScore[li + 1];
            right->sepEnt[m] = parent->sepEnt[li + 1];
            for (unsigned j = 0; j < m; j++) {
                right->count[j] = left->count[from + j];
                right->sepScore[j] = left->sepScore[from + j];
                right->sepEnt[j] = left->sepEnt[from + j];
                right->child[j] = left->child[from + j];
                moved += left->count[from + j];
            }
            parent->sepScore[li + 1] = left->sepScore[from];
            parent->sepEnt[li + 1] = left->sepEnt[from];
            left->n = from;
            right->n += m;
            parent->count[li] -= moved;
            parent->count[li + 1] += moved;
        }
        break;
    }
    while (zi->height > 0 && ((zinner *)zi->root)->n == 1) {
        zinner *r = zi->root;
        zi->root = r->child[0];
        zi->height--;
        freeInner(zi, r);
    }
}

/* Restores the fill of 'lf' (reached through 'path') after removals. */
static void rebalanceLeaf(zindex *zi, zpath *path, zleaf *lf) {
    if (zi->height == 0 || lf->n >= LEAF_MIN) return;
    int d = zi->height - 1;
    zinner *parent = path->node[d];
    unsigned i = path->idx[d];
    unsigned li = i > 0 ? i - 1 : 0;
    zleaf *left = parent->child[li], *right = parent->child[li + 1];
    if (left->n + right->n <= LEAF_CAP) {
        memcpy(&left->score[left->n], right->score, right->n * sizeof(double));
        memcpy(&left->ent[left->n], right->ent, right->n * sizeof(zentry *));
        left->n += right->n;
        left->next = right->next;
        if (right->next)
            right->next->prev = left;
        else
            zi->tail = left;
        parent->count[li] += parent->count[li + 1];
        innerRemoveChild(parent, li + 1);
        freeLeaf(zi, right);
        rebalanceInner(zi, path, d);
        return;
    }
    unsigned total = left->n + right->n, want = total / 2;
    if (left->n < want) {
        unsigned m = want - left->n;
        memcpy(&left->score[left->n], right->score, m * sizeof(double));
        memcpy(&left->ent[left->n], right->ent, m * sizeof(zentry *));
        memmove(right->score, right->score + m, (right->n - m) * sizeof(double));
        memmove(right->ent, right->ent + m, (right->n - m) * sizeof(zentry *));
        left->n += m;
        right->n -= m;
        parent->count[li] += m;
        parent->count[li + 1] -= m;
    } else {
        unsigned m = left->n - want;
        memmove(right->score + m, right->score, right->n * sizeof(double));
        memmove(right->ent + m, right->ent, right->n * sizeof(zentry *));
        memcpy(right->score, &left->score[left->n - m], m * sizeof(double));
        memcpy(right->ent, &left->ent[left->n - m], m * sizeof(zentry *));
        left->n -= m;
        right->n += m;
        parent->count[li] -= m;
        parent->count[li + 1] += m;
    }
    parent->sepScore[li + 1] = right->score[0];
    parent->sepEnt[li + 1] = right->ent[0];
}

/* Unlinks 'k' members at 'pos' of 'lf' (reached through 'path') from the
 * tree, without freeing their entries, and rebalances. */
static void leafRemove(zindex *zi, zpath *path, zleaf *lf, unsigned pos, unsigned k) {
    for (int d = 0; d < zi->height; d++)
        path->node[d]->count[path->idx[d]] -= k;
    unsigned tail = lf->n - pos - k;
    memmove(&lf->score[pos], &lf->score[pos + k], tail * sizeof(double));
    memmove(&lf->ent[pos], &lf->ent[pos + k], tail * sizeof(zentry *));
    lf->n -= k;
    zi->count -= k;
    if (pos == 0) fixMinSeparator(zi, path, lf);
    rebalanceLeaf(zi, path, lf);
}

/* Finds 'e' (whose tree position is keyed by 'score') in the tree. */
static zleaf *locate(zindex *zi, const zentry *e, double score, zpath *path, unsigned *pos) {
    zkey k = fullKey(e, score, true);
    zleaf *lf = descend(zi, &k, path, NULL);
    zkey strict = fullKey(e, score, false);
    unsigned p = leafPick(lf, &strict);
    if (p >= lf->n || lf->ent[p] != e) {
        fprintf(stderr, "zindex: entry not found in its tree\n");
        abort();
    }
    *pos = p;
    return lf;
}

static void forgetEntry(zindex *zi, zentry *e) {
    zi->entryBytes -= tallocSize(e);
    zentry *u = htUnlink(zi->ht, zentryMember(e), zentryLen(e));
    if (u != e) {
        fprintf(stderr, "zindex: entry not found in its hashtable\n");
        abort();
    }
    tfree(e);
}

void zidxDelete(zindex *zi, zentry *e) {
    zpath path;
    unsigned pos;
    zleaf *lf = locate(zi, e, e->score, &path, &pos);
    leafRemove(zi, &path, lf, pos, 1);
    forgetEntry(zi, e);
}

/* Descends to 'rank' (< count), filling 'path' when not NULL; '*pos' gets
 * the index in the returned leaf. */
static zleaf *descendRank(const zindex *zi, size_t rank, zpath *path, unsigned *pos) {
    void *n = zi->root;
    for (int d = 0; d < zi->height; d++) {
        zinner *in = n;
        unsigned i = 0;
        while (i + 1 < in->n && rank >= in->count[i])
            rank -= in->count[i++];
        if (path) {
            path->node[d] = in;
            path->idx[d] = i;
        }
        n = in->child[i];
    }
    *pos = (unsigned)rank;
    return n;
}

size_t zidxDeleteRange(zindex *zi, size_t rank, size_t count) {
    if (rank >= zi->count) return 0;
    if (count > zi->count - rank) count = zi->count - rank;
    size_t left = count;
    zentry *batch[LEAF_CAP];
    while (left > 0) {
        zpath path;
        unsigned pos;
        zleaf *lf = descendRank(zi, rank, &path, &pos);
        unsigned k = lf->n - pos;
        if (k > left) k = (unsigned)left;
        memcpy(batch, &lf->ent[pos], k * sizeof(zentry *));
        leafRemove(zi, &path, lf, pos, k);
        for (unsigned j = 0; j < k; j++)
            forgetEntry(zi, batch[j]);
        left -= k;
    }
    return count;
}

/* ---- score updates ---- */

void zidxUpdateScore(zindex *zi, zentry *e, double score) {
    zpath path;
    unsigned pos;
    zleaf *lf = locate(zi, e, e->score, &path, &pos);
    /* In place when the new key still sits between its neighbours. */
    zkey k = fullKey(e, score, false);
    bool afterPrev, beforeNext;
    if (pos > 0)
        afterPrev = below(&k, lf->score[pos - 1], lf->ent[pos - 1]);
    else
        afterPrev = !lf->prev ||
                    below(&k, lf->prev->score[lf->prev->n - 1], lf->prev->ent[lf->prev->n - 1]);
    if (pos + 1 < lf->n)
        beforeNext = !below(&k, lf->score[pos + 1], lf->ent[pos + 1]);
    else
        beforeNext = !lf->next || !below(&k, lf->next->score[0], lf->next->ent[0]);
    if (afterPrev && beforeNext) {
        lf->score[pos] = score;
        e->score = score;
        if (pos == 0) {
            int d = zi->height - 1;
            while (d >= 0 && path.idx[d] == 0)
                d--;
            if (d >= 0) path.node[d]->sepScore[path.idx[d]] = score;
        }
        return;
    }
    leafRemove(zi, &path, lf, pos, 1);
    e->score = score;
    treeInsert(zi, e);
}

/* ---- ranks and iteration ---- */

static size_t countBelow(const zindex *zi, const zkey *k) {
    zpath path;
    size_t rank;
    zleaf *lf = descend(zi, k, &path, &rank);
    return rank + leafPick(lf, k);
}

size_t zidxRank(zindex *zi, const zentry *e) {
    zkey k = fullKey(e, e->score, false);
    return countBelow(zi, &k);
}

size_t zidxCountBelowScore(zindex *zi, double s, bool orEqual) {
    zkey k = {KEY_SCORE, orEqual, s, NULL, 0};
    return countBelow(zi, &k);
}

size_t zidxCountBelowLex(zindex *zi, const char *m, size_t len, bool orEqual) {
    zkey k = {KEY_LEX, orEqual, 0, m, len};
    return countBelow(zi, &k);
}

bool zidxSeek(const zindex *zi, size_t rank, zidxIter *it) {
    if (rank >= zi->count) return false;
    unsigned pos;
    it->leaf = descendRank(zi, rank, NULL, &pos);
    it->idx = pos;
    return true;
}

zentry *zidxIterEntry(const zidxIter *it) {
    return ((zleaf *)it->leaf)->ent[it->idx];
}

bool zidxNext(zidxIter *it) {
    zleaf *lf = it->leaf;
    if (it->idx + 1 < lf->n) {
        it->idx++;
        return true;
    }
    if (!lf->next) return false;
    it->leaf = lf->next;
    it->idx = 0;
    return true;
}

bool zidxPrev(zidxIter *it) {
    zleaf *lf = it->leaf;
    if (it->idx > 0) {
        it->idx--;
        return true;
    }
    if (!lf->prev) return false;
    it->leaf = lf->prev;
    it->idx = lf->prev->n - 1;
    return true;
}

zindex *zidxDup(const zindex *zi) {
    zindex *copy = zidxCreate();
    /* Ascending order: every insert appends, which packs leaves full. */
    for (const zleaf *lf = zi->head; lf; lf = lf->next)
        for (unsigned j = 0; j < lf->n; j++) {
            const zentry *e = lf->ent[j];
            zidxInsert(copy, zentryMember(e), zentryLen(e), e->score);
        }
    return copy;
}

uint64_t zidxScan(zindex *zi, uint64_t cursor, void (*fn)(void *priv, void *entry), void *priv) {
    return htScan(zi->ht, cursor, fn, priv);
}

/* ---- invariant check ---- */

typedef struct checkState {
    const zindex *zi;
    const zleaf *nextLeaf; /* the leaf the list says comes next */
    const zleaf *prevLeaf;
    double lastScore;
    const zentry *last;
    size_t seen;
    const char *err;
} checkState;

/* Checks the subtree 'n' of 'height' whose minimum must be ('ms', 'me')
 * (me NULL: no separator names it); returns its member count. */
static size_t checkNode(checkState *st, const void *n, int height, bool isRoot, double ms,
                        const zentry *me) {
    if (height == 0) {
        const zleaf *lf = n;
        if (lf != st->nextLeaf) return st->err = "leaf list out of order", 0;
        if (lf->prev != st->prevLeaf) return st->err = "leaf prev link wrong", 0;
        if (!isRoot && lf->n < LEAF_MIN && lf->next && lf->prev)
            return st->err = "underfull leaf", 0;
        if (!isRoot && lf->n < 1) return st->err = "empty non-root leaf", 0;
        if (lf->n > LEAF_CAP) return st->err = "leaf overflow", 0;
        if (me && (lf->ent[0] != me || lf->score[0] != ms))
            return st->err = "separator is not the subtree minimum", 0;
        for (unsigned j = 0; j < lf->n; j++) {
            const zentry *e = lf->ent[j];
            if (e->score != lf->score[j]) return st->err = "leaf score differs from entry", 0;
            if (st->last) {
                zkey k = fullKey(e, e->score, false);
                if (!below(&k, st->lastScore, st->last)) return st->err = "members out of order", 0;
            }
            if (htFind(st->zi->ht, zentryMember(e), zentryLen(e)) != e)
                return st->err = "member missing from the hashtable", 0;
            st->last = e;
            st->lastScore = e->score;
            st->seen++;
        }
        st->prevLeaf = lf;
        st->nextLeaf = lf->next;
        return lf->n;
    }
    const zinner *in = n;
    if (in->n > INNER_CAP || in->n < 2) return st->err = "inner node fill out of bounds", 0;
    size_t total = 0;
    for (unsigned j = 0; j < in->n; j++) {
        size_t c = checkNode(st, in->child[j], height - 1, false, j ? in->sepScore[j] : ms,
                             j ? in->sepEnt[j] : me);
        if (st->err) return 0;
        if (c != in->count[j]) return st->err = "inner count differs from subtree size", 0;
        total += c;
    }
    return total;
}

const char *zidxCheck(const zindex *zi) {
    checkState st = {zi, zi->head, NULL, 0, NULL, 0, NULL};
    size_t n = checkNode(&st, zi->root, zi->height, true, 0, NULL);
    if (st.err) return st.err;
    if (st.nextLeaf != NULL || st.prevLeaf != zi->tail) return "leaf list does not end at the tail";
    if (n != zi->count || st.seen != zi->count) return "member count wrong";
    if (htSize(zi->ht) != zi->count) return "hashtable size differs";
    return NULL;
}
