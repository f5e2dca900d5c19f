/*
 * test_topk.c — top-k equals a stable full sort followed by the limit, for
 * every k around the buffer sizes, ascending and descending keys, NULLs
 * first and last, ties decided by later keys, and sparse selections; and
 * sli_sort_table itself on a small known input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/format.h"
#include "runtime/materialize.h"
#include "runtime/sort_table.h"
#include "runtime/topk.h"
#include "runtime/types.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

#define ROWS 30000
static char *names[] = {"a", "b", "s"};

/* a: int64 with few distinct values and NULLs; b: float64; s: strings. */
static sli_table *make_input(void)
{
    sl_type types[3] = {sli_type(SL_TYPE_INT64), sli_type(SL_TYPE_FLOAT64), sli_type(SL_TYPE_UTF8)};
    sli_colbuilder b[3];
    for (int i = 0; i < 3; i++) sli_colbuilder_init(&b[i], types[i]);
    for (size_t r = 0; r < ROWS; r++) {
        if (rnd() % 10 == 0) assert_int_equal(sli_colbuilder_append_null(&b[0]), SL_OK);
        else assert_int_equal(sli_colbuilder_append_i64(&b[0], (int64_t)(rnd() % 500) - 250), SL_OK);
        assert_int_equal(sli_colbuilder_append_f64(&b[1], (double)(rnd() % 1000) / 8.0), SL_OK);
        char s[16];
        int n = snprintf(s, sizeof s, "w%llu", (unsigned long long)(rnd() % 50));
        assert_int_equal(sli_colbuilder_append_str(&b[2], s, (size_t)n), SL_OK);
    }
    sli_column **cols = calloc(3, sizeof *cols);
    for (int i = 0; i < 3; i++) assert_non_null(cols[i] = sli_colbuilder_finish(&b[i]));
    sli_table *t = NULL;
    assert_int_equal(sli_table_from_columns("in", names, types, 3, cols, &t), SL_OK);
    return t;
}

static void assert_same_table(const sli_table *x, const sli_table *y)
{
    assert_int_equal(x->rows, y->rows);
    if (x->rows == 0) return;
    for (size_t c = 0; c < x->schema.ncols; c++) {
        const sli_column *a = x->parts[0].cols[c], *b = y->parts[0].cols[c];
        for (size_t r = 0; r < x->rows; r++) {
            assert_int_equal(sli_valid(a->validity, r), sli_valid(b->validity, r));
            if (!sli_valid(a->validity, r)) continue;
            char ba[64], bb[64];
            sli_format_value(a, r, ba, sizeof ba);
            sli_format_value(b, r, bb, sizeof bb);
            assert_string_equal(ba, bb);
        }
    }
}

static void check(const sli_table *in, const sli_sort_spec *specs, size_t nspecs, int64_t k, int sparse)
{
    sli_topk *t = NULL;
    assert_int_equal(sli_topk_create(in->schema.names, in->schema.types, 3, specs, nspecs, k, &t), SL_OK);
    /* the oracle sorts exactly the rows offered, in order */
    sli_colbuilder ob[3];
    for (int i = 0; i < 3; i++) sli_colbuilder_init(&ob[i], in->schema.types[i]);
    static sli_strview views[3][SLI_VEC_SIZE];
    static uint32_t sel[SLI_VEC_SIZE];
    const sli_partition *p = &in->parts[0];
    for (size_t start = 0; start < p->rows; start += SLI_VEC_SIZE) {
        size_t n = p->rows - start < SLI_VEC_SIZE ? p->rows - start : SLI_VEC_SIZE;
        sli_vec v[3];
        for (int i = 0; i < 3; i++) sli_vec_from_column(p->cols[i], start, n, views[i], &v[i]);
        size_t m = 0;
        for (size_t r = 0; r < n; r++)
            if (!sparse || rnd() % 3 == 0) sel[m++] = (uint32_t)r;
        sli_chunk c = {n, m, sparse ? sel : NULL, 3, v};
        assert_int_equal(sli_topk_consume(t, &c), SL_OK);
        for (int i = 0; i < 3; i++) assert_int_equal(sli_append_vec(&ob[i], &v[i], c.sel, m), SL_OK);
    }
    sli_table *got = NULL, *all = NULL, *want = NULL;
    assert_int_equal(sli_topk_finish(t, &got), SL_OK);
    sli_column **cols = calloc(3, sizeof *cols);
    for (int i = 0; i < 3; i++) assert_non_null(cols[i] = sli_colbuilder_finish(&ob[i]));
    assert_int_equal(sli_table_from_columns("all", in->schema.names, in->schema.types, 3, cols, &all), SL_OK);
    assert_int_equal(sli_sort_table(all, specs, nspecs, k, &want), SL_OK);
    assert_same_table(got, want);
    sli_table_free(got);
    sli_table_free(all);
    sli_table_free(want);
    sli_topk_free(t);
}

static void test_topk_matches_sort(void **state)
{
    (void)state;
    sli_table *in = make_input();
    static const int64_t ks[] = {0, 1, 10, 4097, 9000, ROWS + 5};
    for (int order = 0; order < 4; order++) {
        sli_sort_spec specs[3] = {{0, order & 1, (order >> 1) & 1}, {2, false, false}, {1, true, false}};
        for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
            check(in, specs, 3, ks[i], (int)(i + (size_t)order) % 2);
        }
        sli_sort_spec fspec[1] = {{1, order & 1, false}};
        check(in, fspec, 1, 25, order >> 1);
    }
    sli_table_free(in);
}

static void test_sort_table_small(void **state)
{
    (void)state;
    sl_type types[1] = {sli_type(SL_TYPE_INT64)};
    sli_colbuilder b;
    sli_colbuilder_init(&b, types[0]);
    int64_t vals[] = {5, 3, 9, 3, 1};
    for (int i = 0; i < 5; i++) sli_colbuilder_append_i64(&b, vals[i]);
    sli_colbuilder_append_null(&b);
    sli_column **cols = calloc(1, sizeof *cols);
    cols[0] = sli_colbuilder_finish(&b);
    sli_table *t = NULL, *s = NULL;
    assert_int_equal(sli_table_from_columns("t", names, types, 1, cols, &t), SL_OK);
    sli_sort_spec spec = {0, true, true}; /* desc, nulls first */
    assert_int_equal(sli_sort_table(t, &spec, 1, 4, &s), SL_OK);
    assert_int_equal(s->rows, 4);
    const sli_column *c = s->parts[0].cols[0];
    assert_false(sli_valid(c->validity, 0));
    assert_int_equal(((int64_t *)c->data)[1], 9);
    assert_int_equal(((int64_t *)c->data)[2], 5);
    assert_int_equal(((int64_t *)c->data)[3], 3);
    sli_table_free(s);
    sli_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_topk_matches_sort),
                                       cmocka_unit_test(test_sort_table_small)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
