/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for src/ds/sbufref.c: readers keep a buffer alive after its
 * owner disowns it, the last reader frees it, an owner without readers
 * frees at once, and the registry empties (so its fast path is taken).
 * Under ASan a premature free or a leak fails the run.
 */
#include "ds/sbufref.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

static void test_disowned_buffer_lives_until_the_last_reader(void **state) {
    (void)state;
    sbuf *s = sbufNew("value", 5);
    sbuf *other = sbufNew("other", 5);
    sbufRefAcquire(s);
    sbufRefAcquire(s);
    sbufRefAcquire(other);
    assert_true(sbufRefHeld(s));
    assert_int_equal(sbufRefCount(), 2);
    sbufRefDisown(s);
    assert_memory_equal(s->buf, "value", 5); /* still readable */
    sbufRefRelease(s);
    assert_memory_equal(s->buf, "value", 5);
    sbufRefRelease(s); /* frees it */
    assert_int_equal(sbufRefCount(), 1);
    sbufRefRelease(other); /* not disowned: the owner still has it */
    assert_false(sbufRefHeld(other));
    assert_int_equal(sbufRefCount(), 0);
    sbufRefDisown(other); /* no readers: freed now */
}

static void test_many_buffers_grow_the_registry(void **state) {
    (void)state;
    sbuf *bufs[100];
    for (int j = 0; j < 100; j++) {
        bufs[j] = sbufNewCap(8);
        sbufRefAcquire(bufs[j]);
    }
    assert_int_equal(sbufRefCount(), 100);
    for (int j = 0; j < 100; j += 2) sbufRefDisown(bufs[j]);
    for (int j = 99; j >= 0; j--) {
        assert_true(sbufRefHeld(bufs[j]));
        sbufRefRelease(bufs[j]);
    }
    assert_int_equal(sbufRefCount(), 0);
    for (int j = 1; j < 100; j += 2) sbufRefDisown(bufs[j]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_disowned_buffer_lives_until_the_last_reader),
        cmocka_unit_test(test_many_buffers_grow_the_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
