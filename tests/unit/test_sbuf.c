/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for src/ds/sbuf.c: construction, appends, growth policy
 * (doubling below 1 MiB, then a quarter more, at least 1 MiB), the try-variants that must leave
 * the buffer untouched on refusal, consuming a prefix (the query buffer's
 * use), shrinking, and the invariant that the bytes are always followed by
 * a NUL.  A randomized run checks a sequence of operations against a plain
 * byte-array model (seed printed; SBUF_TEST_SEED replays one).
 */
#include "ds/sbuf.h"

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

#define MIB (1024 * 1024)

static uint64_t rngState;

static uint64_t rngNext(void) {
    uint64_t z = (rngState += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Every sbuf must satisfy these whatever was done to it. */
static void checkInvariants(const sbuf *s) {
    assert_true(s->len <= s->cap);
    assert_int_equal(s->buf[s->len], '\0');
    assert_true(sbufAllocSize(s) >= sizeof(sbuf) + s->cap + 1);
}

static void test_new_copies_bytes_including_nuls(void **state) {
    (void)state;
    sbuf *s = sbufNew("a\0b", 3);
    checkInvariants(s);
    assert_int_equal(s->len, 3);
    assert_memory_equal(s->buf, "a\0b", 3);
    sbufFree(s);

    s = sbufNew(NULL, 5);
    checkInvariants(s);
    assert_memory_equal(s->buf, "\0\0\0\0\0", 5);
    sbufFree(s);

    s = sbufNew("", 0);
    checkInvariants(s);
    assert_int_equal(s->len, 0);
    sbufFree(s);
}

static void test_new_cap_reserves_room_without_length(void **state) {
    (void)state;
    sbuf *s = sbufNewCap(100);
    checkInvariants(s);
    assert_int_equal(s->len, 0);
    assert_true(s->cap >= 100);
    sbuf *same = sbufMakeRoom(s, 100);
    assert_ptr_equal(same, s); /* the room is already there */
    sbufFree(s);

    s = sbufNewCap(0);
    checkInvariants(s);
    sbufFree(s);
}

static void test_try_new_zero(void **state) {
    (void)state;
    sbuf *s = sbufTryNewZero(1000);
    assert_non_null(s);
    checkInvariants(s);
    assert_int_equal(s->len, 1000);
    for (size_t j = 0; j < 1000; j++) assert_int_equal(s->buf[j], 0);
    sbufFree(s);
    /* A size that cannot be represented is refused, not wrapped. */
    assert_null(sbufTryNewZero(SIZE_MAX));
    assert_null(sbufTryNewZero(SIZE_MAX - sizeof(sbuf)));
}

static void test_cat_appends_and_terminates(void **state) {
    (void)state;
    sbuf *s = sbufNew("ab", 2);
    s = sbufCat(s, "cd", 2);
    s = sbufCatStr(s, "ef");
    s = sbufCat(s, "", 0);
    checkInvariants(s);
    assert_int_equal(s->len, 6);
    assert_string_equal(s->buf, "abcdef");
    s = sbufCatPrintf(s, "-%d-%s-", 42, "x");
    assert_string_equal(s->buf, "abcdef-42-x-");
    checkInvariants(s);
    sbufFree(s);
}

static void test_printf_grows_past_the_current_capacity(void **state) {
    (void)state;
    sbuf *s = sbufNewCap(0);
    char big[5000];
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    s = sbufCatPrintf(s, "<%s>", big);
    checkInvariants(s);
    assert_int_equal(s->len, sizeof(big) + 1);
    assert_int_equal(s->buf[0], '<');
    assert_int_equal(s->buf[s->len - 1], '>');
    assert_int_equal(s->buf[2500], 'q');
    /* And exactly at the capacity boundary. */
    sbuf *t = sbufNewCap(10);
    size_t room = t->cap;
    char fill[256];
    memset(fill, 'r', room);
    fill[room] = '\0';
    t = sbufCatPrintf(t, "%s", fill);
    assert_int_equal(t->len, room);
    checkInvariants(t);
    t = sbufCatPrintf(t, "%s", "z");
    assert_int_equal(t->len, room + 1);
    checkInvariants(t);
    sbufFree(t);
    sbufFree(s);
}

static void test_growth_doubles_below_a_mib_then_adds_a_mib(void **state) {
    (void)state;
    sbuf *s = sbufNewCap(0);
    s = sbufMakeRoom(s, 1000);
    assert_true(s->cap >= 2000); /* twice what was needed */
    assert_true(s->cap < 4096);
    sbufFree(s);

    s = sbufNewCap(0);
    s = sbufMakeRoom(s, 2 * MIB);
    assert_true(s->cap >= 3 * MIB); /* need + 1 MiB, not 4 MiB */
    assert_true(s->cap < 4 * MIB); /* allocator size classes round up a little */
    sbufFree(s);

    /* Past 4 MiB the step is a quarter of the need: geometric, so APPEND
     * in a loop stays amortised O(1).  Growing a big buffer (fresh memory
     * advised onto huge pages, then a copy) keeps every byte. */
    s = sbufNewCap(0);
    s = sbufCat(s, "head", 4);
    s = sbufMakeRoom(s, 40 * MIB);
    assert_true(s->cap >= 50 * MIB);
    assert_true(s->cap < 64 * MIB);
    memset(s->buf + 4, 'q', 40 * MIB);
    sbufSetLen(s, 4 + 40 * MIB);
    s = sbufMakeRoom(s, s->cap - s->len + 1);
    assert_memory_equal(s->buf, "head", 4);
    assert_true(s->buf[40 * MIB + 3] == 'q' && s->buf[4 + 40 * MIB] == '\0');
    sbufFree(s);

    /* Appending one byte at a time reallocates O(log n) times. */
    s = sbufNewCap(0);
    int moves = 0;
    size_t lastCap = s->cap;
    for (int j = 0; j < 100000; j++) {
        s = sbufCat(s, "x", 1);
        if (s->cap != lastCap) {
            moves++;
            lastCap = s->cap;
        }
    }
    assert_int_equal(s->len, 100000);
    assert_true(moves < 20);
    checkInvariants(s);
    sbufFree(s);
}

static void test_try_make_room_refuses_absurd_sizes_and_keeps_the_buffer(void **state) {
    (void)state;
    sbuf *s = sbufNew("keep", 4);
    assert_null(sbufTryMakeRoom(s, SIZE_MAX));
    assert_null(sbufTryMakeRoom(s, SIZE_MAX / 2));
    /* 's' is still valid and unchanged. */
    assert_int_equal(s->len, 4);
    assert_string_equal(s->buf, "keep");
    sbuf *t = sbufTryMakeRoom(s, 100);
    assert_non_null(t);
    assert_true(t->cap - t->len >= 100);
    assert_string_equal(t->buf, "keep");
    sbufFree(t);
}

static void test_try_grow_zero_fills_new_space(void **state) {
    (void)state;
    sbuf *s = sbufNew("ab", 2);
    s = sbufTryGrowZero(s, 10);
    assert_non_null(s);
    checkInvariants(s);
    assert_int_equal(s->len, 10);
    assert_memory_equal(s->buf, "ab\0\0\0\0\0\0\0\0", 10);
    /* Shorter or equal: nothing changes. */
    sbuf *same = sbufTryGrowZero(s, 5);
    assert_ptr_equal(same, s);
    assert_int_equal(s->len, 10);
    /* Stale bytes past the old length never show through. */
    sbufSetLen(s, 1);
    s = sbufTryGrowZero(s, 4);
    assert_memory_equal(s->buf, "a\0\0\0", 4);
    checkInvariants(s);
    assert_null(sbufTryGrowZero(s, SIZE_MAX / 2));
    sbufFree(s);
}

static void test_consume_drops_a_prefix(void **state) {
    (void)state;
    sbuf *s = sbufNew("0123456789", 10);
    sbufConsume(s, 0);
    assert_string_equal(s->buf, "0123456789");
    sbufConsume(s, 3);
    checkInvariants(s);
    assert_int_equal(s->len, 7);
    assert_string_equal(s->buf, "3456789");
    sbufConsume(s, 7);
    checkInvariants(s);
    assert_int_equal(s->len, 0);
    s = sbufCat(s, "ab", 2);
    sbufConsume(s, 100); /* more than there is: empties */
    assert_int_equal(s->len, 0);
    checkInvariants(s);
    sbufFree(s);
}

static void test_set_len_and_shrink(void **state) {
    (void)state;
    sbuf *s = sbufNewCap(10000);
    s = sbufCat(s, "hello", 5);
    sbufSetLen(s, 4);
    assert_string_equal(s->buf, "hell");
    s = sbufShrink(s);
    checkInvariants(s);
    assert_true(s->cap < 100);
    assert_string_equal(s->buf, "hell");
    /* A tight buffer is left alone. */
    sbuf *before = s;
    size_t cap = s->cap;
    sbufSetLen(s, cap);
    s = sbufShrink(s);
    assert_ptr_equal(s, before);
    sbufFree(s);
}

static void test_random_operations_match_a_byte_array_model(void **state) {
    (void)state;
    size_t mcap = 1 << 20;
    char *model = malloc(mcap);
    size_t mlen = 0;
    sbuf *s = sbufNewCap(0);
    for (int step = 0; step < 20000; step++) {
        unsigned op = (unsigned)(rngNext() % 6);
        if (op == 0 || op == 1) {
            size_t n = rngNext() % 300;
            char tmp[300];
            for (size_t j = 0; j < n; j++) tmp[j] = (char)rngNext();
            if (mlen + n > mcap) continue;
            s = sbufCat(s, tmp, n);
            memcpy(model + mlen, tmp, n);
            mlen += n;
        } else if (op == 2) {
            size_t n = mlen ? rngNext() % (mlen + 1) : 0;
            sbufConsume(s, n);
            memmove(model, model + n, mlen - n);
            mlen -= n;
        } else if (op == 3) {
            size_t n = rngNext() % 500;
            if (n > mcap) continue;
            sbuf *t = sbufTryGrowZero(s, n);
            assert_non_null(t);
            s = t;
            if (n > mlen) {
                memset(model + mlen, 0, n - mlen);
                mlen = n;
            }
        } else if (op == 4) {
            s = sbufShrink(s);
        } else {
            size_t n = mlen ? rngNext() % (mlen + 1) : 0;
            sbufSetLen(s, n);
            mlen = n;
        }
        checkInvariants(s);
        assert_int_equal(s->len, mlen);
        assert_memory_equal(s->buf, model, mlen);
    }
    sbufFree(s);
    free(model);
}

static void test_alloc_size_counts_header_and_terminator(void **state) {
    (void)state;
    size_t before = tallocUsedMemory();
    sbuf *s = sbufNew("abc", 3);
    assert_int_equal(tallocUsedMemory() - before, sbufAllocSize(s));
    sbufFree(s);
    assert_int_equal(tallocUsedMemory(), before);
}

int main(void) {
    const char *env = getenv("SBUF_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
    printf("test_sbuf seed: %llu (set SBUF_TEST_SEED to replay)\n", (unsigned long long)seed);
    rngState = seed;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_copies_bytes_including_nuls),
        cmocka_unit_test(test_new_cap_reserves_room_without_length),
        cmocka_unit_test(test_try_new_zero),
        cmocka_unit_test(test_cat_appends_and_terminates),
        cmocka_unit_test(test_printf_grows_past_the_current_capacity),
        cmocka_unit_test(test_growth_doubles_below_a_mib_then_adds_a_mib),
        cmocka_unit_test(test_try_make_room_refuses_absurd_sizes_and_keeps_the_buffer),
        cmocka_unit_test(test_try_grow_zero_fills_new_space),
        cmocka_unit_test(test_consume_drops_a_prefix),
        cmocka_unit_test(test_set_len_and_shrink),
        cmocka_unit_test(test_random_operations_match_a_byte_array_model),
        cmocka_unit_test(test_alloc_size_counts_header_and_terminator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
