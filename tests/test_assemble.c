/*
 * test_assemble.c — tests of the parallel assembly of fixed-width column
 * segments (runtime/assemble.h): segments of several workers' columns, in
 * shuffled order and of every length including empty, with and without
 * NULLs, copied by teams of 1 to 4 workers and by the calling thread alone,
 * give exactly the output a row-by-row copy gives; utf8 columns are left
 * to the caller.
 */
/* cmocka.h needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <stdlib.h>
#include <string.h>

#include "kernel_test.h"
#include "runtime/assemble.h"
#include "runtime/workers.h"

#define WORKERS 3
#define ROWS    5000 /* per worker */

/* Worker w's column of type t: values from 1000000 * w + row (modulo 2 for
 * bool, 30000 for the integers), a NULL at every row where
 * (row + w) % nulls == 0 when nulls > 0. */
static sli_column *make_column(sl_type t, size_t w, size_t nulls)
{
    sli_colbuilder b;
    sli_colbuilder_init(&b, t);
    for (size_t r = 0; r < ROWS; r++) {
        if (nulls && (r + w) % nulls == 0)
            assert_int_equal(sli_colbuilder_append_null(&b), SL_OK);
        else if (t.id == SL_TYPE_FLOAT64)
            assert_int_equal(sli_colbuilder_append_f64(&b, (double)(1000000 * w + r) + 0.5), SL_OK);
        else
            assert_int_equal(sli_colbuilder_append_i64(
                                 &b, (int64_t)((1000000 * w + r) % (t.id == SL_TYPE_BOOL ? 2 : 30000))),
                             SL_OK);
    }
    sli_column *c = sli_colbuilder_finish(&b);
    assert_non_null(c);
    return c;
}

/* The value of row r of c as int64 bits (for comparing). */
static int64_t value_at(const sli_column *c, size_t r)
{
    switch (sli_type_width(c->type)) {
    case 1: return ((const int8_t *)c->data)[r];
    case 2: return ((const int16_t *)c->data)[r];
    case 4: return ((const int32_t *)c->data)[r];
    default: return ((const int64_t *)c->data)[r];
    }
}

static void check(const sli_team *team, size_t nsegs_per_worker)
{
    const sl_type types[] = {{SL_TYPE_BOOL, 0, 0},   {SL_TYPE_INT16, 0, 0},   {SL_TYPE_INT64, 0, 0},
                             {SL_TYPE_DATE32, 0, 0}, {SL_TYPE_FLOAT64, 0, 0}, {SL_TYPE_DECIMAL, 15, 2},
                             {SL_TYPE_UTF8, 0, 0}};
    const size_t nb = sizeof types / sizeof types[0];
    const size_t nulls[] = {0, 7, 0, 1, 3, 0, 0};
    sli_column *cols[WORKERS * 7];
    for (size_t w = 0; w < WORKERS; w++)
        for (size_t i = 0; i < nb; i++)
            cols[w * nb + i] = make_column(
                types[i].id == SL_TYPE_UTF8 ? (sl_type){SL_TYPE_INT32, 0, 0} : types[i], w, nulls[i]);
    cols[6]->type = types[6]; /* the utf8 column: only worker 0's type is looked at, it is not copied */
    bool copies[7];
    for (size_t i = 0; i < nb; i++) copies[i] = sli_assemble_copies(types[i]);
    assert_false(copies[6]);

    /* cut every worker's rows into segments (some empty), then shuffle them */
    size_t nsegs = WORKERS * nsegs_per_worker;
    sli_asm_seg *segs = malloc(nsegs * sizeof *segs);
    for (size_t w = 0; w < WORKERS; w++) {
        size_t *cut = malloc((nsegs_per_worker + 1) * sizeof *cut);
        cut[0] = 0;
        cut[nsegs_per_worker] = ROWS;
        for (size_t k = 1; k < nsegs_per_worker; k++) cut[k] = kt_rnd() % (ROWS + 1);
        for (size_t k = 1; k < nsegs_per_worker; k++) /* sort the inner cuts */
            for (size_t m = k; m > 1 && cut[m - 1] > cut[m]; m--) {
                size_t x = cut[m];
                cut[m] = cut[m - 1];
                cut[m - 1] = x;
            }
        for (size_t k = 0; k < nsegs_per_worker; k++)
            segs[w * nsegs_per_worker + k] = (sli_asm_seg){w, cut[k], cut[k + 1], 0};
        free(cut);
    }
    for (size_t g = nsegs; g > 1; g--) {
        size_t k = kt_rnd() % g;
        sli_asm_seg x = segs[g - 1];
        segs[g - 1] = segs[k];
        segs[k] = x;
    }
    size_t total = 0;
    for (size_t g = 0; g < nsegs; g++) {
        segs[g].at = total;
        total += segs[g].end - segs[g].row;
    }
    assert_int_equal(total, WORKERS * ROWS);

    sli_colbuilder dst[7];
    memset(dst, 0, sizeof dst);
    assert_int_equal(sli_assemble_fixed(team, cols, nb, copies, segs, nsegs, total, dst), SL_OK);
    for (size_t i = 0; i < nb; i++) {
        if (!copies[i]) continue;
        sli_column *out = sli_colbuilder_finish(&dst[i]);
        assert_non_null(out);
        assert_int_equal(out->length, total);
        assert_int_equal(out->type.id, types[i].id);
        size_t want_nulls = 0;
        for (size_t g = 0; g < nsegs; g++) {
            const sli_column *c = cols[segs[g].w * nb + i];
            for (size_t r = segs[g].row, at = segs[g].at; r < segs[g].end; r++, at++) {
                bool v = sli_valid(c->validity, r);
                want_nulls += !v;
                assert_int_equal(sli_valid(out->validity, at), v);
                if (v && value_at(out, at) != value_at(c, r))
                    fail_msg("column %zu row %zu: worker %zu row %zu differs", i, at, segs[g].w, r);
            }
        }
        assert_int_equal(out->null_count, want_nulls);
        assert_int_equal(out->validity != NULL, want_nulls > 0);
        sli_column_free(out);
    }
    for (size_t k = 0; k < WORKERS * nb; k++) sli_column_free(cols[k]);
    free(segs);
}

static void test_assemble(void **state)
{
    (void)state;
    check(NULL, 1);
    check(NULL, 9);
    for (size_t workers = 1; workers <= 4; workers++) {
        sli_team team;
        assert_int_equal(sli_team_init(&team, workers, NULL, SLI_NUMA_OFF, false), SL_OK);
        check(&team, 1);
        check(&team, 2);
        check(&team, 17);
        check(&team, 200); /* many empty and one-row segments */
        sli_team_free(&team);
    }
}

int main(void)
{
    kt_seed(88172645463325252ull);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_assemble),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
