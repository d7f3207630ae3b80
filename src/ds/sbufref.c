/* SPDX-License-Identifier: BSD-3-Clause
 *
 * sbufref implementation: see sbufref.h.  Entries are (buffer, readers,
 * disowned) triples in one growable array; removal swaps in the last.
 */
#include "ds/sbufref.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "ds/alloc.h"

typedef struct refEntry {
    const sbuf *s;
    unsigned long readers;
    bool disowned;
} refEntry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static refEntry *entries;
static size_t count, cap;
static _Atomic size_t published; /* 'count', readable without the lock */

static refEntry *find(const sbuf *s) {
    for (size_t j = 0; j < count; j++)
        if (entries[j].s == s) return &entries[j];
    return NULL;
}

static void removeEntry(refEntry *e) {
    *e = entries[--count];
    atomic_store(&published, count);
    if (count == 0) {
        tfree(entries);
        entries = NULL;
        cap = 0;
    }
}

void sbufRefAcquire(sbuf *s) {
    pthread_mutex_lock(&lock);
    refEntry *e = find(s);
    if (!e) {
        if (count == cap) {
            cap = cap ? cap * 2 : 8;
            entries = trealloc(entries, sizeof(refEntry) * cap);
        }
        e = &entries[count++];
        e->s = s;
        e->readers = 0;
        e->disowned = false;
        atomic_store(&published, count);
    }
    e->readers++;
    pthread_mutex_unlock(&lock);
}

void sbufRefRelease(sbuf *s) {
    bool freeIt = false;
    pthread_mutex_lock(&lock);
    refEntry *e = find(s);
    if (e && --e->readers == 0) {
        freeIt = e->disowned;
        removeEntry(e);
    }
    pthread_mutex_unlock(&lock);
    if (freeIt) sbufFree(s);
}

bool sbufRefHeld(const sbuf *s) {
    if (atomic_load(&published) == 0) return false;
    pthread_mutex_lock(&lock);
    bool held = find(s) != NULL;
    pthread_mutex_unlock(&lock);
    return held;
}

void sbufRefDisown(sbuf *s) {
    bool freeIt = true;
    if (atomic_load(&published) != 0) {
        pthread_mutex_lock(&lock);
        refEntry *e = find(s);
        if (e) {
            e->disowned = true;
            freeIt = false;
        }
        pthread_mutex_unlock(&lock);
    }
    if (freeIt) sbufFree(s);
}

unsigned long sbufRefCount(void) { return (unsigned long)atomic_load(&published); }
