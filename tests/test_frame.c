/*
 * test_frame.c — the lazy DataFrame C API end to end: transformations build
 * plans without running them, actions give the right rows (checked against
 * values computed here row by row), across many vectors and partitions, with
 * SQL's NULL semantics, and every misuse reports a clear error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_util.h"

#include "io/csv.h"
#include "sluice/sluice.h"

static char dir[64];

/* A deterministic table t(k, g, v, d, s): N rows over several partitions;
 * v is NULL on every 7th row; s is one of five strings. */
#define N 10000
static int64_t kv(int i)
{
    return (int64_t)((i * 7919) % 1000);
}
static int64_t gv(int i)
{
    return i % 13;
}
static int vnull(int i)
{
    return i % 7 == 3;
}
static int64_t vv(int i)
{
    return (int64_t)(i % 101) - 50;
}
static const char *sv(int i)
{
    static const char *w[] = {"alpha", "beta", "gamma", "delta", ""};
    return w[i % 5];
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(tu_make_dir(dir, sizeof dir, "frame"), 0);
    char path[128];
    snprintf(path, sizeof path, "%s/t.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "k,g,v,d,s\n");
    for (int i = 0; i < N; i++) {
        fprintf(f, "%lld,%lld,", (long long)kv(i), (long long)gv(i));
        if (!vnull(i)) fprintf(f, "%lld", (long long)vv(i));
        fprintf(f, ",%d.%02d,\"%s\"\n", i % 50, i % 100, sv(i));
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/dim.csv", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "gk,label\n");
    for (int g = 0; g < 13; g += 2) fprintf(f, "%d,L%d\n", g, g); /* even groups only */
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return tu_remove_dir(dir);
}

static sl_context *open_ctx(void)
{
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sli_csv_set_partition_rows(3000); /* several partitions, partial vectors */
    assert_int_equal(sl_context_register_dir(ctx, dir), SL_OK);
    sli_csv_set_partition_rows(0);
    return ctx;
}

static sl_result *collect(sl_frame *f)
{
    assert_non_null(f);
    sl_result *r = NULL;
    assert_int_equal(sl_frame_collect(f, &r), SL_OK);
    return r;
}

static void test_filter_project(void **state)
{
    (void)state;
    sl_context *ctx = open_ctx();
    sl_frame *t = sl_frame_table(ctx, "t");
    sl_frame *w = sl_frame_where(t, "v > 10 and k < 500 or s = 'beta'");
    sl_frame *p = sl_frame_select(w, "k, v * 2 + 1 as v2, s");
    sl_result *r = collect(p);
    size_t row = 0;
    for (int i = 0; i < N; i++) {
        int pass = (!vnull(i) && vv(i) > 10 && kv(i) < 500) || strcmp(sv(i), "beta") == 0;
        if (!pass) continue;
        assert_true(row < sl_result_row_count(r));
        assert_int_equal(sl_result_get_int64(r, 0, row), kv(i));
        if (vnull(i)) {
            assert_true(sl_result_is_null(r, 1, row));
        } else {
            assert_false(sl_result_is_null(r, 1, row));
            assert_int_equal(sl_result_get_int64(r, 1, row), vv(i) * 2 + 1);
        }
        size_t len;
        const char *s = sl_result_get_string(r, 2, row, &len);
        assert_int_equal(len, strlen(sv(i)));
        assert_memory_equal(s, sv(i), len);
        row++;
    }
    assert_int_equal(row, sl_result_row_count(r));
    sl_result_destroy(r);
    sl_frame_destroy(p);
    sl_frame_destroy(w);
    sl_frame_destroy(t);
    sl_context_destroy(ctx);
}

static void test_null_logic(void **state)
{
    (void)state;
    sl_context *ctx = open_ctx();
    sl_frame *t = sl_frame_table(ctx, "t");
    /* not (v > 0): NULL rows stay out; not (v > 0 or g = 1): rows with g = 1 never pass */
    sl_frame *w = sl_frame_where(t, "not (v > 0 or g = 1)");
    int64_t n = -1;
    assert_int_equal(sl_frame_count(w, &n), SL_OK);
    int64_t want = 0;
    for (int i = 0; i < N; i++) want += !vnull(i) && !(vv(i) > 0) && gv(i) != 1;
    assert_int_equal(n, want);
    sl_frame *w2 = sl_frame_where(t, "v is null or v not between -10 and 10");
    assert_int_equal(sl_frame_count(w2, &n), SL_OK);
    want = 0;
    for (int i = 0; i < N; i++) want += vnull(i) || vv(i) < -10 || vv(i) > 10;
    assert_int_equal(n, want);
    sl_frame *w3 = sl_frame_where(t, "v not in (1, 2, null)");
    assert_int_equal(sl_frame_count(w3, &n), SL_OK);
    assert_int_equal(n, 0); /* x <> NULL is never true */
    sl_frame_destroy(w3);
    sl_frame_destroy(w2);
    sl_frame_destroy(w);
    sl_frame_destroy(t);
    sl_context_destroy(ctx);
}

static void test_group_by(void **state)
{
    (void)state;
    sl_context *ctx = open_ctx();
    sl_frame *t = sl_frame_table(ctx, "t");
    sl_frame *g = sl_frame_group_by(t, "g");
    sl_frame *a = sl_frame_agg(g, "count(*) as n, count(v) as nv, sum(v) as sv, min(v) as lo, max(d) as hi, "
                                  "sum(d) as sd, avg(v) as av");
    sl_frame *o = sl_frame_order_by(a, "g desc");
    sl_result *r = collect(o);
    assert_int_equal(sl_result_row_count(r), 13);
    for (size_t row = 0; row < 13; row++) {
        int64_t grp = 12 - (int64_t)row;
        int64_t n = 0, nv = 0, s = 0, lo = INT64_MAX, hi = INT64_MIN, sd = 0;
        for (int i = 0; i < N; i++) {
            if (gv(i) != grp) continue;
            n++;
            int64_t d = (i % 50) * 100 + i % 100;
            sd += d;
            if (d > hi) hi = d;
            if (vnull(i)) continue;
            nv++;
            s += vv(i);
            if (vv(i) < lo) lo = vv(i);
        }
        assert_int_equal(sl_result_get_int64(r, 0, row), grp);
        assert_int_equal(sl_result_get_int64(r, 1, row), n);
        assert_int_equal(sl_result_get_int64(r, 2, row), nv);
        assert_int_equal(sl_result_get_int64(r, 3, row), s);
        assert_int_equal(sl_result_get_int64(r, 4, row), lo);
        assert_int_equal(sl_result_get_int64(r, 5, row), hi); /* decimal, scaled by 100 */
        assert_int_equal(sl_result_get_int64(r, 6, row), sd);
        assert_true(sl_result_get_double(r, 7, row) == (double)s / (double)nv);
        char buf[32];
        sl_result_format_value(r, 5, row, buf, sizeof buf);
        char want[32];
        snprintf(want, sizeof want, "%lld.%02lld", (long long)(hi / 100), (long long)(hi % 100));
        assert_string_equal(buf, want);
    }
    sl_result_destroy(r);
    sl_frame_destroy(o);
    sl_frame_destroy(a);
    sl_frame_destroy(g);
    sl_frame_destroy(t);
    sl_context_destroy(ctx);
}

static void test_join(void **state)
{
    (void)state;
    sl_context *ctx = open_ctx();
    sl_frame *t = sl_frame_table(ctx, "t");
    sl_frame *d = sl_frame_table(ctx, "dim");
    sl_frame *j = sl_frame_join(t, d, "g = gk and k >= 0");
    sl_frame *g = sl_frame_group_by(j, "label");
    sl_frame *a = sl_frame_agg(g, "count(*) as n, sum(k) as sk");
    sl_frame *o = sl_frame_order_by(a, "label");
    sl_result *r = collect(o);
    assert_int_equal(sl_result_row_count(r), 7);
    for (size_t row = 0; row < 7; row++) {
        size_t len;
        const char *lab = sl_result_get_string(r, 0, row, &len);
        /* labels sort as L0, L10, L12, L2, L4, L6, L8 */
        static const int order[] = {0, 10, 12, 2, 4, 6, 8};
        char want[8];
        snprintf(want, sizeof want, "L%d", order[row]);
        assert_int_equal(len, strlen(want));
        assert_memory_equal(lab, want, len);
        int64_t n = 0, sk = 0;
        for (int i = 0; i < N; i++)
            if (gv(i) == order[row]) n++, sk += kv(i);
        assert_int_equal(sl_result_get_int64(r, 1, row), n);
        assert_int_equal(sl_result_get_int64(r, 2, row), sk);
    }
    sl_result_destroy(r);
    sl_frame_destroy(o);
    sl_frame_destroy(a);
    sl_frame_destroy(g);
    sl_frame_destroy(j);
    sl_frame_destroy(d);
    sl_frame_destroy(t);
    sl_context_destroy(ctx);
}

static void test_order_limit(void **state)
{
    (void)state;
    sl_context *ctx = open_ctx();
    sl_frame *t = sl_frame_table(ctx, "t");
    sl_frame *o = sl_frame_order_by(t, "v desc nulls last, k * -1");
    sl_frame *l = sl_frame_limit(o, 5);
    sl_result *r = collect(l);
    assert_int_equal(sl_result_row_count(r), 5);
    assert_int_equal(sl_result_column_count(r), 5); /* the computed sort key is not an output */
    int64_t prev_v = INT64_MAX, prev_k = INT64_MAX;
    for (size_t row = 0; row < 5; row++) {
        int64_t v = sl_result_get_int64(r, 2, row), k = sl_result_get_int64(r, 0, row);
        assert_int_equal(v, 50);
        assert_true(v < prev_v || (v == prev_v && k <= prev_k));
        prev_v = v;
        prev_k = k;
    }
    sl_frame *z = sl_frame_limit(t, 0);
    int64_t n = -1;
    assert_int_equal(sl_frame_count(z, &n), SL_OK);
    assert_int_equal(n, 0);
    sl_result_destroy(r);
    sl_frame_destroy(z);
    sl_frame_destroy(l);
    sl_frame_destroy(o);
    sl_frame_destroy(t);
    sl_context_destroy(ctx);
}

static void test_lazy_and_errors(void **state)
{
    (void)state;
    sl_context *ctx = open_ctx();
    sl_frame *t = sl_frame_table(ctx, "t");
    /* Building a frame runs nothing: the division by zero surfaces at the action. */
    sl_frame *bad = sl_frame_select(t, "k / 0 as x, k % 0 as y");
    assert_non_null(bad);
    sl_result *r = NULL;
    assert_int_equal(sl_frame_collect(bad, &r), SL_ERR_DIV_ZERO);
    assert_null(r);
    assert_non_null(strstr(sl_context_last_error(ctx), "division by zero"));
    sl_frame_destroy(bad);

    assert_null(sl_frame_table(ctx, "tt"));
    assert_int_equal(sl_context_last_status(ctx), SL_ERR_UNKNOWN_TABLE);
    assert_non_null(strstr(sl_context_last_error(ctx), "did you mean: t"));
    assert_null(sl_frame_select(t, "nope"));
    assert_int_equal(sl_context_last_status(ctx), SL_ERR_UNKNOWN_COLUMN);
    assert_null(sl_frame_where(t, "s + 1 > 0"));
    assert_int_equal(sl_context_last_status(ctx), SL_ERR_TYPE);
    assert_null(sl_frame_where(t, "k"));
    assert_int_equal(sl_context_last_status(ctx), SL_ERR_TYPE);
    assert_null(sl_frame_where(t, "k >"));
    assert_int_equal(sl_context_last_status(ctx), SL_ERR_SYNTAX);
    assert_null(sl_frame_select(t, "sum(k)"));
    assert_non_null(strstr(sl_context_last_error(ctx), "only allowed in agg"));
    assert_null(sl_frame_limit(t, -3));
    assert_int_equal(sl_context_last_status(ctx), SL_ERR_INVALID_ARG);
    sl_frame *g = sl_frame_group_by(t, "g");
    assert_null(sl_frame_select(g, "g"));
    assert_int_equal(sl_frame_collect(g, &r), SL_ERR_INVALID_ARG);
    sl_frame *big = sl_frame_select(t, "9223372036854775807 + k as x");
    assert_int_equal(sl_frame_collect(big, &r), SL_ERR_OVERFLOW);
    assert_non_null(strstr(sl_context_last_error(ctx), "overflow"));
    sl_frame_destroy(big);
    sl_frame_destroy(g);
    sl_frame_destroy(t);
    sl_context_destroy(ctx);
}

static void test_explain_and_write(void **state)
{
    (void)state;
    sl_context *ctx = open_ctx();
    sl_frame *f =
        sl_frame_from_plan(ctx,
                           "let d = table(\"dim\");\n"
                           "table(\"t\").join(d, g = gk).where(v > 0 and label = 'L2').select(k, label)",
                           "inline.plan");
    assert_non_null(f);
    char *ex = NULL;
    assert_int_equal(sl_frame_explain(f, &ex), SL_OK);
    /* the filter reached both sides of the join, and the scans read only what they need */
    assert_non_null(strstr(ex, "Scan t [k, g, v]"));
    assert_non_null(strstr(ex, "Filter (label = 'L2')"));
    assert_non_null(strstr(ex, "sink    hash-join build"));
    free(ex);
    char path[128];
    snprintf(path, sizeof path, "%s/out.csv", dir);
    assert_int_equal(sl_frame_write_csv(f, path), SL_OK);
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    char line[64];
    assert_non_null(fgets(line, sizeof line, in));
    assert_string_equal(line, "k,label\n");
    int rows = 0;
    while (fgets(line, sizeof line, in)) rows++;
    fclose(in);
    int want = 0;
    for (int i = 0; i < N; i++) want += gv(i) == 2 && !vnull(i) && vv(i) > 0;
    assert_int_equal(rows, want);
    /* show prints a table of the first rows */
    FILE *mem = tmpfile();
    assert_non_null(mem);
    assert_int_equal(sl_frame_show(f, 2, mem), SL_OK);
    rewind(mem);
    char text[1024] = "";
    size_t got = fread(text, 1, sizeof text - 1, mem);
    text[got] = 0;
    fclose(mem);
    assert_non_null(strstr(text, "| k "));
    assert_non_null(strstr(text, "(2 rows)"));
    sl_frame_destroy(f);
    sl_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_project),    cmocka_unit_test(test_null_logic),
        cmocka_unit_test(test_group_by),          cmocka_unit_test(test_join),
        cmocka_unit_test(test_order_limit),       cmocka_unit_test(test_lazy_and_errors),
        cmocka_unit_test(test_explain_and_write),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
