/* SPDX-License-Identifier: BSD-3-Clause
 *
 * idtree implementation.  See idtree.h for the layout; the notes here cover
 * the invariants the code keeps.
 *
 * Separators are bounds, not copies of live keys: key[i] of an inner node
 * is <= every key under child[i] and > every key under child[i-1].
 * Removing a key never breaks that, so removals touch separators only when
 * they move keys between siblings (borrow) or drop a child (merge).
 * Descent takes the last child whose separator is <= the id.
 *
 * Fill: every leaf but the root is non-empty and every inner node has at
 * least two children (a root left with one is replaced by it), so a node
 * always has a sibling to borrow from or merge with.  A node
 * that falls under a quarter full after a removal borrows from or merges
 * with a sibling under the same parent.  Splits at the right edge leave a
 * small node there on purpose; it fills up as appends go on.
 *
 * Each update descends once from the root recording the path (node and
 * child index per level), so splits and merges walk back up without
 * parent pointers.
 */
#include "ds/idtree.h"

#include <stdint.h>
#include <string.h>

#include "ds/alloc.h"

/* 24 + 41 * 24 = 1008 bytes: one 1 KB allocator slot. */
#define LEAF_MAX 41
/* 8 + 41 * 16 + 41 * 8 = 992 bytes. */
#define INNER_MAX 41
#define LEAF_MIN (LEAF_MAX / 4)
#define INNER_MIN (INNER_MAX / 4)
#define LEAF_FIRST_CAP 2
/* Fanout >= 2 at every level: 64 levels are more than memory allows. */
#define MAX_DEPTH 64

typedef struct idtSlot {
    streamID id;
    void *val;
} idtSlot;

typedef struct idtLeaf {
    uint32_t n, cap;
    struct idtLeaf *prev, *next;
    idtSlot s[];
} idtLeaf;

typedef struct idtInner {
    uint32_t n;
    streamID key[INNER_MAX]; /* key[0] unused */
    void *child[INNER_MAX];
} idtInner;

struct idtree {
    void *root; /* NULL when empty; an idtLeaf when height == 0 */
    int height; /* inner levels above the leaves */
    size_t count;
    size_t bytes;
};

typedef struct idtPath {
    idtInner *node[MAX_DEPTH];
    uint32_t idx[MAX_DEPTH];
} idtPath;

/* ---- allocation ---- */

static idtLeaf *leafNew(idtree *t, uint32_t cap) {
    idtLeaf *l = tmalloc(sizeof(idtLeaf) + sizeof(idtSlot) * cap);
    l->n = 0;
    l->cap = cap;
    l->prev = l->next = NULL;
    t->bytes += tallocSize(l);
    return l;
}

static void leafFree(idtree *t, idtLeaf *l) {
    t->bytes -= tallocSize(l);
    tfree(l);
}

/* Resizes the root leaf (the only leaf) to 'cap' slots. */
static idtLeaf *rootLeafResize(idtree *t, idtLeaf *l, uint32_t cap) {
    t->bytes -= tallocSize(l);
    l = trealloc(l, sizeof(idtLeaf) + sizeof(idtSlot) * cap);
    l->cap = cap;
    t->bytes += tallocSize(l);
    t->root = l;
    return l;
}

static idtInner *innerNew(idtree *t) {
    idtInner *in = tmalloc(sizeof(idtInner));
    in->n = 0;
    t->bytes += tallocSize(in);
    return in;
}

static void innerFree(idtree *t, idtInner *in) {
    t->bytes -= tallocSize(in);
    tfree(in);
}

idtree *idtNew(void) {
    idtree *t = tcalloc(sizeof(*t));
    t->bytes = tallocSize(t);
    return t;
}

static void freeSubtree(void *node, int height, void (*freeVal)(void *)) {
    if (height == 0) {
        idtLeaf *l = node;
        if (freeVal)
            for (uint32_t j = 0; j < l->n; j++) freeVal(l->s[j].val);
        tfree(l);
        return;
    }
    idtInner *in = node;
    for (uint32_t j = 0; j < in->n; j++) freeSubtree(in->child[j], height - 1, freeVal);
    tfree(in);
}

void idtFree(idtree *t, void (*freeVal)(void *val)) {
    if (!t) return;
    if (t->root) freeSubtree(t->root, t->height, freeVal);
    tfree(t);
}

size_t idtSize(const idtree *t) { return t->count; }

size_t idtMemory(const idtree *t) { return t->bytes; }

/* ---- search ---- */

/* Child index to descend into for 'id': the last i with i == 0 or
 * key[i] <= id. */
static uint32_t innerPick(const idtInner *in, streamID id) {
    uint32_t lo = 1, hi = in->n; /* answer in [lo-1, hi-1] */
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (streamIDCompare(in->key[mid], id) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1;
}

/* First slot with id >= 'id' (n when none). */
static uint32_t leafLowerBound(const idtLeaf *l, streamID id) {
    uint32_t lo = 0, hi = l->n;
    /* Appends and head trims probe the ends: check the last slot first. */
    if (hi && streamIDCompare(l->s[hi - 1].id, id) < 0) return hi;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (streamIDCompare(l->s[mid].id, id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Leaf that would hold 'id'; fills 'path' when not NULL. */
static idtLeaf *descend(const idtree *t, streamID id, idtPath *path) {
    void *node = t->root;
    for (int d = 0; d < t->height; d++) {
        idtInner *in = node;
        uint32_t i = innerPick(in, id);
        if (path) {
            path->node[d] = in;
            path->idx[d] = i;
        }
        node = in->child[i];
    }
    return node;
}

void *idtFind(const idtree *t, streamID id) {
    if (!t->root) return NULL;
    idtLeaf *l = descend(t, id, NULL);
    uint32_t p = leafLowerBound(l, id);
    if (p < l->n && streamIDCompare(l->s[p].id, id) == 0) return l->s[p].val;
    return NULL;
}

/* ---- insertion ---- */

/* Inserts separator 'key' and child 'right' just after child path->idx[d]
 * of path->node[d], splitting upwards as needed.  'rightEdge' says the
 * new child extends the right edge of the whole tree. */
static void insertInParent(idtree *t, idtPath *path, int d, streamID key, void *right,
                           bool rightEdge) {
    if (d < 0) {
        idtInner *root = innerNew(t);
        root->n = 2;
        root->child[0] = t->root;
        root->child[1] = right;
        root->key[1] = key;
        t->root = root;
        t->height++;
        return;
    }
    idtInner *in = path->node[d];
    uint32_t pos = path->idx[d] + 1;
    if (in->n < INNER_MAX) {
        memmove(&in->key[pos + 1], &in->key[pos], sizeof(streamID) * (in->n - pos));
        memmove(&in->child[pos + 1], &in->child[pos], sizeof(void *) * (in->n - pos));
        in->key[pos] = key;
        in->child[pos] = right;
        in->n++;
        return;
    }
    idtInner *nr = innerNew(t);
    streamID up;
    if (rightEdge && pos == in->n) {
        /* Ordered growth: the left node stays full and the new one starts
         * with its last child and the new one (two children, so every
         * non-root inner node always has a sibling pair to rebalance with). */
        nr->n = 2;
        nr->key[0] = in->key[in->n - 1];
        nr->child[0] = in->child[in->n - 1];
        nr->key[1] = key;
        nr->child[1] = right;
        in->n--;
        up = nr->key[0];
    } else {
        /* Split into halves, then place the new child in its half (at
         * pos == h it goes last in the left one). */
        uint32_t h = (INNER_MAX + 1) / 2;
        nr->n = in->n - h;
        memcpy(&nr->key[0], &in->key[h], sizeof(streamID) * nr->n);
        memcpy(&nr->child[0], &in->child[h], sizeof(void *) * nr->n);
        in->n = h;
        idtInner *dst = in;
        if (pos > h) {
            dst = nr;
            pos -= h;
        }
        memmove(&dst->key[pos + 1], &dst->key[pos], sizeof(streamID) * (dst->n - pos));
        memmove(&dst->child[pos + 1], &dst->child[pos], sizeof(void *) * (dst->n - pos));
        dst->key[pos] = key;
        dst->child[pos] = right;
        dst->n++;
        up = nr->key[0];
    }
    insertInParent(t, path, d - 1, up, nr, rightEdge);
}

bool idtInsert(idtree *t, streamID id, void *val) {
    if (!t->root) {
        idtLeaf *l = leafNew(t, LEAF_FIRST_CAP);
        l->n = 1;
        l->s[0].id = id;
        l->s[0].val = val;
        t->root = l;
        t->height = 0;
        t->count = 1;
        return true;
    }
    idtPath path;
    idtLeaf *l = descend(t, id, &path);
    uint32_t pos = leafLowerBound(l, id);
    if (pos < l->n && streamIDCompare(l->s[pos].id, id) == 0) return false;
    t->count++;
    if (l->n == l->cap && t->height == 0 && l->cap < LEAF_MAX) {
        uint32_t cap = l->cap * 2 > LEAF_MAX ? LEAF_MAX : l->cap * 2;
        l = rootLeafResize(t, l, cap);
    }
    if (l->n < l->cap) {
        memmove(&l->s[pos + 1], &l->s[pos], sizeof(idtSlot) * (l->n - pos));
        l->s[pos].id = id;
        l->s[pos].val = val;
        l->n++;
        return true;
    }
    bool rightEdge = l->next == NULL && pos == l->n;
    idtLeaf *nr = leafNew(t, LEAF_MAX);
    if (rightEdge) {
        nr->n = 1;
        nr->s[0].id = id;
        nr->s[0].val = val;
    } else {
        uint32_t h = (LEAF_MAX + 1) / 2;
        nr->n = l->n - h;
        memcpy(&nr->s[0], &l->s[h], sizeof(idtSlot) * nr->n);
        l->n = h;
        idtLeaf *dst = l;
        if (pos > h) {
            dst = nr;
            pos -= h;
        }
        memmove(&dst->s[pos + 1], &dst->s[pos], sizeof(idtSlot) * (dst->n - pos));
        dst->s[pos].id = id;
        dst->s[pos].val = val;
        dst->n++;
    }
    nr->next = l->next;
    nr->prev = l;
    if (l->next) l->next->prev = nr;
    l->next = nr;
    insertInParent(t, &path, t->height - 1, nr->s[0].id, nr, rightEdge);
    return true;
}

/* ---- removal ---- */

/* Rebalances inner node path->node[d] after it lost a child. */
static void fixInner(idtree *t, idtPath *path, int d) {
    idtInner *in = path->node[d];
    if (d == 0) {
        if (in->n == 1) {
            t->root = in->child[0];
            t->height--;
            innerFree(t, in);
        }
        return;
    }
    if (in->n >= INNER_MIN) return;
    idtInner *parent = path->node[d - 1];
    uint32_t pi = path->idx[d - 1];
    /* Work on the pair (left, right) = (child li, child li+1) of parent. */
    uint32_t li = pi > 0 ? pi - 1 : pi;
    idtInner *left = parent->child[li], *right = parent->child[li + 1];
    streamID sep = parent->key[li + 1];
    if (left->n + right->n <= INNER_MAX) {
        right->key[0] = sep;
        memcpy(&left->key[left->n], &right->key[0], sizeof(streamID) * right->n);
        memcpy(&left->child[left->n], &right->child[0], sizeof(void *) * right->n);
        left->n += right->n;
        innerFree(t, right);
        memmove(&parent->key[li + 1], &parent->key[li + 2],
                sizeof(streamID) * (parent->n - li - 2));
        memmove(&parent->child[li + 1], &parent->child[li + 2],
                sizeof(void *) * (parent->n - li - 2));
        parent->n--;
        fixInner(t, path, d - 1);
        return;
    }
    /* Borrow: even out the two, rotating through the separator. */
    right->key[0] = sep;
    if (left->n < right->n) {
        uint32_t k = (right->n - left->n) / 2;
        memcpy(&left->key[left->n], &right->key[0], sizeof(streamID) * k);
        memcpy(&left->child[left->n], &right->child[0], sizeof(void *) * k);
        left->n += k;
        memmove(&right->key[0], &right->key[k], sizeof(streamID) * (right->n - k));
        memmove(&right->child[0], &right->child[k], sizeof(void *) * (right->n - k));
        right->n -= k;
    } else {
        uint32_t k = (left->n - right->n) / 2;
        memmove(&right->key[k], &right->key[0], sizeof(streamID) * right->n);
        memmove(&right->child[k], &right->child[0], sizeof(void *) * right->n);
        memcpy(&right->key[0], &left->key[left->n - k], sizeof(streamID) * k);
        memcpy(&right->child[0], &left->child[left->n - k], sizeof(void *) * k);
        right->n += k;
        left->n -= k;
    }
    parent->key[li + 1] = right->key[0];
}

void *idtRemove(idtree *t, streamID id) {
    if (!t->root) return NULL;
    idtPath path;
    idtLeaf *l = descend(t, id, &path);
    uint32_t pos = leafLowerBound(l, id);
    if (pos >= l->n || streamIDCompare(l->s[pos].id, id) != 0) return NULL;
    void *val = l->s[pos].val;
    memmove(&l->s[pos], &l->s[pos + 1], sizeof(idtSlot) * (l->n - pos - 1));
    l->n--;
    t->count--;
    if (t->height == 0) {
        if (l->n == 0) {
            leafFree(t, l);
            t->root = NULL;
        } else if (l->cap > 4 && l->n <= l->cap / 4) {
            rootLeafResize(t, l, l->cap / 2);
        }
        return val;
    }
    if (l->n >= LEAF_MIN) return val;
    int d = t->height - 1;
    idtInner *parent = path.node[d];
    uint32_t pi = path.idx[d];
    uint32_t li = pi > 0 ? pi - 1 : pi;
    idtLeaf *left = parent->child[li], *right = parent->child[li + 1];
    if (left->n + right->n <= LEAF_MAX) {
        memcpy(&left->s[left->n], &right->s[0], sizeof(idtSlot) * right->n);
        left->n += right->n;
        left->next = right->next;
        if (right->next) right->next->prev = left;
        leafFree(t, right);
        memmove(&parent->key[li + 1], &parent->key[li + 2],
                sizeof(streamID) * (parent->n - li - 2));
        memmove(&parent->child[li + 1], &parent->child[li + 2],
                sizeof(void *) * (parent->n - li - 2));
        parent->n--;
        fixInner(t, &path, d);
        return val;
    }
    if (left->n < right->n) {
        uint32_t k = (right->n - left->n) / 2;
        memcpy(&left->s[left->n], &right->s[0], sizeof(idtSlot) * k);
        left->n += k;
        memmove(&right->s[0], &right->s[k], sizeof(idtSlot) * (right->n - k));
        right->n -= k;
    } else {
        uint32_t k = (left->n - right->n) / 2;
        memmove(&right->s[k], &right->s[0], sizeof(idtSlot) * right->n);
        memcpy(&right->s[0], &left->s[left->n - k], sizeof(idtSlot) * k);
        right->n += k;
        left->n -= k;
    }
    parent->key[li + 1] = right->s[0].id;
    return val;
}

/* ---- iteration ---- */

static void *edgeLeaf(const idtree *t, bool last) {
    void *node = t->root;
    for (int d = 0; d < t->height; d++) {
        idtInner *in = node;
        node = in->child[last ? in->n - 1 : 0];
    }
    return node;
}

bool idtSeekFirst(const idtree *t, idtIter *it) {
    it->leaf = t->root ? edgeLeaf(t, false) : NULL;
    it->pos = 0;
    return it->leaf != NULL;
}

bool idtSeekLast(const idtree *t, idtIter *it) {
    it->leaf = t->root ? edgeLeaf(t, true) : NULL;
    it->pos = it->leaf ? (int)it->leaf->n - 1 : 0;
    return it->leaf != NULL;
}

bool idtSeekGE(const idtree *t, idtIter *it, streamID id) {
    it->leaf = NULL;
    if (!t->root) return false;
    idtLeaf *l = descend(t, id, NULL);
    uint32_t p = leafLowerBound(l, id);
    if (p == l->n) {
        l = l->next;
        p = 0;
    }
    it->leaf = l;
    it->pos = (int)p;
    return l != NULL;
}

bool idtSeekLE(const idtree *t, idtIter *it, streamID id) {
    it->leaf = NULL;
    if (!t->root) return false;
    idtLeaf *l = descend(t, id, NULL);
    uint32_t p = leafLowerBound(l, id);
    int pos;
    if (p < l->n && streamIDCompare(l->s[p].id, id) == 0)
        pos = (int)p;
    else
        pos = (int)p - 1;
    if (pos < 0) {
        l = l->prev;
        pos = l ? (int)l->n - 1 : 0;
    }
    it->leaf = l;
    it->pos = pos;
    return l != NULL;
}

bool idtNext(idtIter *it) {
    if (!it->leaf) return false;
    if (++it->pos >= (int)it->leaf->n) {
        it->leaf = it->leaf->next;
        it->pos = 0;
    }
    return it->leaf != NULL;
}

bool idtPrev(idtIter *it) {
    if (!it->leaf) return false;
    if (--it->pos < 0) {
        it->leaf = it->leaf->prev;
        it->pos = it->leaf ? (int)it->leaf->n - 1 : 0;
    }
    return it->leaf != NULL;
}

streamID idtIterId(const idtIter *it) { return it->leaf->s[it->pos].id; }

void *idtIterVal(const idtIter *it) { return it->leaf->s[it->pos].val; }

void idtIterSetVal(const idtIter *it, void *val) { it->leaf->s[it->pos].val = val; }

/* ---- invariants ---- */

typedef struct checkState {
    const char *err;
    size_t count;
    idtLeaf *prevLeaf;
    bool havePrev;
    streamID prevId;
} checkState;

static void checkNode(const idtree *t, void *node, int height, bool isRoot, const streamID *lo,
                      const streamID *hi, checkState *st) {
    if (st->err) return;
    if (height == 0) {
        idtLeaf *l = node;
        if (!isRoot && l->n == 0) st->err = "empty non-root leaf";
        if (l->n > l->cap || l->cap > LEAF_MAX) st->err = "leaf over capacity";
        if (l->prev != st->prevLeaf) st->err = "broken prev link";
        if (st->prevLeaf && st->prevLeaf->next != l) st->err = "broken next link";
        for (uint32_t j = 0; j < l->n && !st->err; j++) {
            streamID id = l->s[j].id;
            if (st->havePrev && streamIDCompare(st->prevId, id) >= 0) st->err = "keys out of order";
            if (lo && streamIDCompare(id, *lo) < 0) st->err = "key below its separator";
            if (hi && streamIDCompare(id, *hi) >= 0) st->err = "key not below the next separator";
            if (!l->s[j].val) st->err = "NULL value";
            st->prevId = id;
            st->havePrev = true;
        }
        st->count += l->n;
        st->prevLeaf = l;
        return;
    }
    idtInner *in = node;
    if (in->n < 2) st->err = "inner node with fewer than two children";
    if (in->n > INNER_MAX) st->err = "inner over capacity";
    for (uint32_t j = 1; j < in->n && !st->err; j++) {
        if (lo && streamIDCompare(in->key[j], *lo) < 0) st->err = "separator below bound";
        if (hi && streamIDCompare(in->key[j], *hi) >= 0) st->err = "separator above bound";
        if (j > 1 && streamIDCompare(in->key[j - 1], in->key[j]) >= 0)
            st->err = "separators out of order";
    }
    for (uint32_t j = 0; j < in->n && !st->err; j++) {
        const streamID *clo = j ? &in->key[j] : lo;
        const streamID *chi = j + 1 < in->n ? &in->key[j + 1] : hi;
        checkNode(t, in->child[j], height - 1, false, clo, chi, st);
    }
}

const char *idtCheck(const idtree *t) {
    checkState st = {0};
    if (!t->root) return t->count ? "count of an empty tree" : NULL;
    checkNode(t, t->root, t->height, true, NULL, NULL, &st);
    if (st.err) return st.err;
    if (st.prevLeaf && st.prevLeaf->next) return "last leaf has a next";
    if (st.count != t->count) return "count mismatch";
    return NULL;
}
