/*
 * shared_api.c — uses libsluice.so through the public header only, the way
 * an embedding program does: the exported symbols suffice to load data, run
 * a plan and read the rows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sluice/sluice.h"

static void test_plan_through_shared_library(void **state)
{
    (void)state;
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    assert_int_equal(sl_context_register_dir(ctx, SLUICE_SOURCE_DIR "/examples/data"), SL_OK);
    sl_frame *f =
        sl_frame_from_plan(ctx, "table(\"exams\").where(result > 90).select(name).orderBy(name)", "t");
    assert_non_null(f);
    sl_result *r = NULL;
    assert_int_equal(sl_frame_collect(f, &r), SL_OK);
    assert_int_equal(sl_result_row_count(r), 2);
    size_t len;
    const char *s = sl_result_get_string(r, 0, 1, &len);
    assert_int_equal(len, 4);
    assert_memory_equal(s, "Hana", 4);
    assert_string_equal(sl_status_str(SL_ERR_TYPE), "type error");
    sl_result_destroy(r);
    sl_frame_destroy(f);
    sl_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_plan_through_shared_library)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
