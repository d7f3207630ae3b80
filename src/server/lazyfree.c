/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Lazy freeing: one background thread that releases big values and whole
 * keyspace tables, so UNLINK and FLUSHALL ASYNC cost the main thread O(1).
 * Values below LAZYFREE_THRESHOLD elements are cheaper to free inline than
 * to hand over, exactly the trade-off Redis makes.
 *
 * The queue is a mutex-protected singly linked list; the thread sleeps on a
 * condition variable.  Only the allocator is shared with the main thread,
 * and it is thread-safe.
 */
#include <pthread.h>

#include "core/db.h"

#define LAZYFREE_THRESHOLD 64

typedef struct lazyJob {
    struct lazyJob *next;
    kvobj *kv;
    hashtable *table;
} lazyJob;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static lazyJob *head, *tail;
static size_t pending;
static long long freed;
static bool stopping, started;
static pthread_t thread;

static void *lazyfreeMain(void *arg) {
    (void)arg;
    pthread_mutex_lock(&lock);
    while (1) {
        while (!head && !stopping) pthread_cond_wait(&wake, &lock);
        if (!head && stopping) break;
        lazyJob *j = head;
        head = j->next;
        if (!head) tail = NULL;
        pthread_mutex_unlock(&lock);
        if (j->kv) kvFree(j->kv);
        if (j->table) htRelease(j->table);
        tfree(j);
        pthread_mutex_lock(&lock);
        pending--;
        freed++;
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

void lazyfreeInit(void) {
    if (pthread_create(&thread, NULL, lazyfreeMain, NULL) == 0) started = true;
}

void lazyfreeShutdown(void) {
    if (!started) return;
    pthread_mutex_lock(&lock);
    stopping = true;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    pthread_join(thread, NULL);
    started = false;
}

static void enqueue(kvobj *kv, hashtable *table) {
    lazyJob *j = tmalloc(sizeof(*j));
    j->next = NULL;
    j->kv = kv;
    j->table = table;
    pthread_mutex_lock(&lock);
    if (tail)
        tail->next = j;
    else
        head = j;
    tail = j;
    pending++;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
}

void freeKvMaybeLazy(kvobj *kv, bool lazy) {
    if (lazy && started && kv->type != OBJ_STRING) {
        const objTypeOps *ops = objTypeOpsOf(kv->type);
        if (ops && ops->length && ops->length(kvGetPtr(kv), kv->encoding) > LAZYFREE_THRESHOLD) {
            enqueue(kv, NULL);
            return;
        }
    }
    kvFree(kv);
}

void lazyfreeTable(hashtable *ht) {
    if (!started) {
        htRelease(ht);
        return;
    }
    enqueue(NULL, ht);
}

size_t lazyfreePending(void) {
    pthread_mutex_lock(&lock);
    size_t n = pending;
    pthread_mutex_unlock(&lock);
    return n;
}

long long lazyfreedObjects(void) {
    pthread_mutex_lock(&lock);
    long long n = freed;
    pthread_mutex_unlock(&lock);
    return n;
}
