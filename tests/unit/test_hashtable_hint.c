/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for the hash hint of src/ds/hashtable.c: htReplace reuses the
 * hash of the entry the last find returned, so the invariant "a linked
 * hinted entry has its true hash" must survive every way entries come and
 * go: replace, unlink, delete, empty, rehashing, and a freed address being
 * reused by an entry with another key (the case a stale hint would turn
 * into a corrupt table).  A randomized run cross-checks a table against a
 * plain array model after every step (seed printed; HT_TEST_SEED replays).
 */
#include "ds/hashtable.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "ds/alloc.h"

typedef struct entry {
    void *next;
    int value;
    char key[16];
} entry;

static const void *entryKeyOf(const void *e, size_t *len) {
    const entry *x = e;
    *len = strlen(x->key);
    return x->key;
}

static void entryFree(void *e) { tfree(e); }

static const htType type = {entryKeyOf, entryFree};

static entry *newEntry(const char *key, int value) {
    entry *e = tmalloc(sizeof(*e));
    e->next = NULL;
    e->value = value;
    snprintf(e->key, sizeof(e->key), "%s", key);
    return e;
}

static entry *find(hashtable *ht, const char *key) { return htFind(ht, key, strlen(key)); }

static uint64_t rngState;

static uint64_t rngNext(void) {
    uint64_t z = (rngState += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void test_find_then_replace_swaps_the_entry(void **state) {
    (void)state;
    hashtable *ht = htCreate(&type);
    for (int j = 0; j < 100; j++) {
        char k[16];
        snprintf(k, sizeof(k), "k%d", j);
        htAddNew(ht, newEntry(k, j));
    }
    entry *old = find(ht, "k42");
    assert_non_null(old);
    entry *n = newEntry("k42", 4242);
    assert_true(htReplace(ht, old, n));
    tfree(old);
    assert_ptr_equal(find(ht, "k42"), n);
    assert_int_equal(find(ht, "k42")->value, 4242);
    assert_int_equal(htSize(ht), 100);
    htRelease(ht);
}

static void test_replace_without_a_find_first_still_works(void **state) {
    (void)state;
    hashtable *ht = htCreate(&type);
    entry *a = newEntry("a", 1), *b = newEntry("b", 2);
    htAddNew(ht, a);
    htAddNew(ht, b);
    assert_non_null(find(ht, "b")); /* the hint is now b */
    entry *a2 = newEntry("a", 10);
    assert_true(htReplace(ht, a, a2));
    tfree(a);
    assert_int_equal(find(ht, "a")->value, 10);
    assert_int_equal(find(ht, "b")->value, 2);
    htRelease(ht);
}

static void test_replace_of_an_entry_not_in_the_table_fails(void **state) {
    (void)state;
    hashtable *ht = htCreate(&type);
    entry *a = newEntry("a", 1);
    entry *stranger = newEntry("a", 2);
    entry *other = newEntry("a", 3);
    assert_false(htReplace(ht, stranger, other)); /* empty table */
    htAddNew(ht, a);
    assert_false(htReplace(ht, stranger, other)); /* same key, another entry */
    assert_ptr_equal(find(ht, "a"), a);
    tfree(stranger);
    tfree(other);
    htRelease(ht);
}

static void test_a_freed_hinted_address_reused_for_another_key_is_safe(void **state) {
    (void)state;
    hashtable *ht = htCreate(&type);
    for (int j = 0; j < 50; j++) {
        char k[16];
        snprintf(k, sizeof(k), "x%d", j);
        htAddNew(ht, newEntry(k, j));
    }
    /* Find "x7" (hint = it), delete it, and add a new key in memory that
     * may well reuse the same address; then replace that new entry. */
    assert_non_null(find(ht, "x7"));
    assert_true(htDelete(ht, "x7", 2));
    entry *fresh = newEntry("brand-new", 99);
    htAddNew(ht, fresh);
    entry *repl = newEntry("brand-new", 100);
    assert_true(htReplace(ht, fresh, repl));
    tfree(fresh);
    assert_int_equal(find(ht, "brand-new")->value, 100);
    /* The same through htUnlink and htEmpty. */
    entry *u = find(ht, "x8");
    assert_ptr_equal(htUnlink(ht, "x8", 2), u);
    tfree(u);
    htEmpty(ht, NULL);
    entry *again = newEntry("again", 1);
    htAddNew(ht, again);
    entry *again2 = newEntry("again", 2);
    assert_true(htReplace(ht, again, again2));
    tfree(again);
    assert_int_equal(find(ht, "again")->value, 2);
    htRelease(ht);
}

static void test_replace_during_rehashing_finds_the_entry_in_either_table(void **state) {
    (void)state;
    hashtable *ht = htCreate(&type);
    int n = 0;
    char k[16];
    /* Grow until a rehash is in progress. */
    while (!htIsRehashing(ht) || n < 64) {
        snprintf(k, sizeof(k), "r%d", n);
        htAddNew(ht, newEntry(k, n));
        n++;
        if (n > 100000) fail_msg("never started rehashing");
    }
    for (int j = 0; j < n; j++) {
        snprintf(k, sizeof(k), "r%d", j);
        entry *old = j % 2 ? find(ht, k) : NULL;
        if (!old) {
            /* Without a find: the hint belongs to some other entry. */
            htIterator it;
            htIterInit(&it, ht, false);
            entry *e;
            while ((e = htNext(&it)))
                if (strcmp(e->key, k) == 0) old = e;
            htIterRelease(&it);
        }
        assert_non_null(old);
        entry *nw = newEntry(k, j + 1000000);
        assert_true(htReplace(ht, old, nw));
        tfree(old);
    }
    for (int j = 0; j < n; j++) {
        snprintf(k, sizeof(k), "r%d", j);
        assert_int_equal(find(ht, k)->value, j + 1000000);
    }
    htRelease(ht);
}

static void test_random_operations_match_an_array_model(void **state) {
    (void)state;
    enum { KEYS = 300 };
    int model[KEYS];
    for (int j = 0; j < KEYS; j++) model[j] = -1;
    hashtable *ht = htCreate(&type);
    char k[16];
    for (int step = 0; step < 50000; step++) {
        int key = (int)(rngNext() % KEYS);
        snprintf(k, sizeof(k), "m%d", key);
        unsigned op = (unsigned)(rngNext() % 4);
        entry *cur = find(ht, k);
        assert_true((cur == NULL) == (model[key] < 0));
        if (cur) assert_int_equal(cur->value, model[key]);
        if (op == 0 && !cur) {
            htAddNew(ht, newEntry(k, step));
            model[key] = step;
        } else if (op == 1 && cur) {
            entry *nw = newEntry(k, step);
            assert_true(htReplace(ht, cur, nw));
            tfree(cur);
            model[key] = step;
        } else if (op == 2 && cur) {
            assert_true(htDelete(ht, k, strlen(k)));
            model[key] = -1;
        } else if (op == 3) {
            htRehash(ht, 1);
        }
    }
    size_t live = 0;
    for (int j = 0; j < KEYS; j++) live += model[j] >= 0;
    assert_int_equal(htSize(ht), live);
    htRelease(ht);
}

int main(void) {
    const char *env = getenv("HT_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
    printf("test_hashtable_hint seed: %llu (set HT_TEST_SEED to replay)\n",
           (unsigned long long)seed);
    rngState = seed;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_then_replace_swaps_the_entry),
        cmocka_unit_test(test_replace_without_a_find_first_still_works),
        cmocka_unit_test(test_replace_of_an_entry_not_in_the_table_fails),
        cmocka_unit_test(test_a_freed_hinted_address_reused_for_another_key_is_safe),
        cmocka_unit_test(test_replace_during_rehashing_finds_the_entry_in_either_table),
        cmocka_unit_test(test_random_operations_match_an_array_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
