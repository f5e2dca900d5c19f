/*
 * test_expr.c — case, extract, date arithmetic, like and substring end to end through the
 * public API: a CSV table in a temporary directory, frames with expressions,
 * and every result value checked against the same computation done here row
 * by row. The table spans several partitions and partial vectors, has NULLs
 * in numbers, dates and strings, a dictionary-coded string column and a
 * plain one, and dates around month ends and leap days.
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
#include "runtime/scan_window.h"
#include "runtime/types.h"
#include "sluice/sluice.h"

static char dir[64];

/* t(i, a, b, s, u, d, p): N rows. a is NULL on every 5th row, b on every 7th,
 * s (four words: dictionary-coded) on every 11th, d on every 9th. u is
 * distinct per row (stored as plain strings). p is a decimal(8,2). */
#define N 7000
static int anull(int i)
{
    return i % 5 == 2;
}
static int64_t av(int i)
{
    return (int64_t)((i * 37) % 61) - 30;
}
static int bnull(int i)
{
    return i % 7 == 4;
}
static int64_t bv(int i)
{
    return (int64_t)((i * 11) % 23) - 11;
}
static int snull(int i)
{
    return i % 11 == 6;
}
static const char *sv(int i)
{
    static const char *w[] = {"alpha", "beta", "gamma", "delta"};
    return w[(i / 3) % 4];
}
static void uv(int i, char *buf, size_t cap)
{
    snprintf(buf, cap, "u%d", i * 7);
}
static int dnull(int i)
{
    return i % 9 == 1;
}
static int month_len(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}
/* Days since 1970: every third row the last day of a month in 1896..2104
 * (1900 and 2100 are not leap years, 2000 is), else any day of 1999..2001. */
static int32_t dv(int i)
{
    if (i % 3 == 0) {
        int y = 1896 + (i / 3) % 209, m = 1 + (i / 7) % 12;
        return sli_date_from_civil(y, m, month_len(y, m));
    }
    return sli_date_from_civil(1999, 1, 1) + (i * 7) % 1096;
}
static int64_t pv(int i)
{
    return (int64_t)((i * 7919) % 20000) - 5000; /* scaled by 100 */
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(tu_make_dir(dir, sizeof dir, "expr"), 0);
    char path[128];
    snprintf(path, sizeof path, "%s/t.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "i,a,b,s,u,d,p\n");
    for (int i = 0; i < N; i++) {
        char u[32], d[16];
        uv(i, u, sizeof u);
        sli_date_format(dv(i), d, sizeof d);
        fprintf(f, "%d,", i);
        if (!anull(i)) fprintf(f, "%lld", (long long)av(i));
        fprintf(f, ",");
        if (!bnull(i)) fprintf(f, "%lld", (long long)bv(i));
        fprintf(f, ",%s,%s,%s,", snull(i) ? "" : sv(i), u, dnull(i) ? "" : d);
        int64_t p = pv(i);
        fprintf(f, "%s%lld.%02lld\n", p < 0 ? "-" : "", (long long)(llabs(p) / 100),
                (long long)(llabs(p) % 100));
    }
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
    sli_csv_set_partition_rows(2500); /* several partitions, partial vectors */
    char path[128];
    snprintf(path, sizeof path, "%s/t.csv", dir);
    assert_int_equal(sl_context_register_csv(ctx, "t", path, NULL), SL_OK);
    sli_csv_set_partition_rows(0);
    return ctx;
}

/* Runs `exprs` as a select over t (optionally filtered by `where`). */
static sl_result *run(sl_context *ctx, const char *where, const char *exprs)
{
    sl_frame *t = sl_frame_table(ctx, "t");
    assert_non_null(t);
    sl_frame *w = where ? sl_frame_where(t, where) : NULL;
    if (where && !w) fail_msg("where(%s): %s", where, sl_context_last_error(ctx));
    sl_frame *s = sl_frame_select(w ? w : t, exprs);
    if (!s) fail_msg("select(%s): %s", exprs, sl_context_last_error(ctx));
    sl_result *r = NULL;
    if (sl_frame_collect(s, &r) != SL_OK) fail_msg("collect: %s", sl_context_last_error(ctx));
    sl_frame_destroy(s);
    sl_frame_destroy(w);
    sl_frame_destroy(t);
    return r;
}

/* Checks an int64 cell against (is_null, value). */
static void check_i64(const sl_result *r, size_t col, size_t row, int is_null, int64_t want, int i)
{
    if (is_null) {
        if (!sl_result_is_null(r, col, row)) fail_msg("row %d col %zu: want NULL", i, col);
        return;
    }
    if (sl_result_is_null(r, col, row))
        fail_msg("row %d col %zu: got NULL, want %lld", i, col, (long long)want);
    int64_t got = sl_result_get_int64(r, col, row);
    if (got != want) fail_msg("row %d col %zu: got %lld, want %lld", i, col, (long long)got, (long long)want);
}

static void check_str(const sl_result *r, size_t col, size_t row, const char *want, int i)
{
    if (!want) {
        if (!sl_result_is_null(r, col, row)) fail_msg("row %d col %zu: want NULL", i, col);
        return;
    }
    if (sl_result_is_null(r, col, row)) fail_msg("row %d col %zu: got NULL, want '%s'", i, col, want);
    size_t len;
    const char *s = sl_result_get_string(r, col, row, &len);
    if (len != strlen(want) || memcmp(s, want, len) != 0)
        fail_msg("row %d col %zu: got '%.*s', want '%s'", i, col, (int)len, s, want);
}

static void test_case_numbers(void **state)
{
    (void)state;
    sl_context *ctx = open_ctx();
    sl_result *r =
        run(ctx, NULL,
            "i,"
            /* 1: NULL conditions fall through; NULL values stay NULL; no else */
            "case when a > 10 then b when a < -10 then a * 2 when a is null then -1 end,"
            /* 2: nested in a condition and in values */
            "case when case when b > 0 then a > 0 else b < 0 end then case when a > 20 then 1 else 2 end "
            "else case when b is null then 3 end end,"
            /* 3: a value computed only on its rows: % by zero elsewhere */
            "case when a <> 0 then 1000 % a when a = 0 then 7 else null end,"
            /* 4: int and decimal meet in decimal(.., 2), the column's own type */
            "case when a > 0 then p when b > 0 then 1 else 0.5 end,"
            /* 5: the simple form over a string column */
            "case s when 'alpha' then 1 when 'beta' then 2 else 0 end,"
            /* 6: a boolean case */
            "case when a > 0 then b > 0 else a is null end");
    assert_int_equal(sl_result_row_count(r), N);
    sl_type t4 = sl_result_column_type(r, 4);
    assert_int_equal(t4.id, SL_TYPE_DECIMAL);
    assert_int_equal(t4.scale, 2);
    assert_int_equal(sl_result_column_type(r, 6).id, SL_TYPE_BOOL);
    for (int i = 0; i < N; i++) {
        size_t row = (size_t)i;
        assert_int_equal(sl_result_get_int64(r, 0, row), i);
        int an = anull(i), bn = bnull(i);
        int64_t a = av(i), b = bv(i);
        /* 1 */
        if (!an && a > 10)
            check_i64(r, 1, row, bn, b, i);
        else if (!an && a < -10)
            check_i64(r, 1, row, 0, a * 2, i);
        else
            check_i64(r, 1, row, !an, -1, i);
        /* 2: the inner condition is NULL when b or a is NULL */
        int cond_null, cond;
        if (bn) {
            cond_null = 1, cond = 0;
        } else if (b > 0) {
            cond_null = an, cond = !an && a > 0;
        } else {
            cond_null = 0, cond = b < 0;
        }
        if (!cond_null && cond)
            check_i64(r, 2, row, 0, !an && a > 20 ? 1 : 2, i);
        else
            check_i64(r, 2, row, !bn, 3, i);
        /* 3 */
        if (an)
            check_i64(r, 3, row, 1, 0, i);
        else
            check_i64(r, 3, row, 0, a != 0 ? 1000 % a : 7, i);
        /* 4 */
        if (!an && a > 0)
            check_i64(r, 4, row, 0, pv(i), i);
        else
            check_i64(r, 4, row, 0, !bn && b > 0 ? 100 : 50, i);
        /* 5 */
        int64_t w5 = snull(i) ? 0 : strcmp(sv(i), "alpha") == 0 ? 1 : strcmp(sv(i), "beta") == 0 ? 2 : 0;
        check_i64(r, 5, row, 0, w5, i);
        /* 6 */
        if (!an && a > 0)
            check_i64(r, 6, row, bn, !bn && b > 0, i);
        else
            check_i64(r, 6, row, 0, an, i);
    }
    sl_result_destroy(r);
    sl_context_destroy(ctx);
}

static void test_case_strings(void **state)
{
    (void)state;
    sl_context *ctx = open_ctx();
    /* under a filter, so the selection is sparse */
    sl_result *r =
        run(ctx, "i % 3 <> 1",
            "i,"
            "case when b > 0 then 'pos' else s end,"                           /* literal vs dictionary */
            "case when s = 'beta' then u when s is null then null else s end," /* plain vs dictionary */
            "case when a > 0 then case when b > 0 then u else 'in' end end");  /* nested, no else */
    size_t row = 0;
    for (int i = 0; i < N; i++) {
        if (i % 3 == 1) continue;
        assert_true(row < sl_result_row_count(r));
        assert_int_equal(sl_result_get_int64(r, 0, row), i);
        char u[32];
        uv(i, u, sizeof u);
        const char *s = snull(i) ? NULL : sv(i);
        check_str(r, 1, row, !bnull(i) && bv(i) > 0 ? "pos" : s, i);
        check_str(r, 2, row, s && strcmp(s, "beta") == 0 ? u : s, i);
        check_str(r, 3, row, !anull(i) && av(i) > 0 ? (!bnull(i) && bv(i) > 0 ? u : "in") : NULL, i);
        row++;
    }
    assert_int_equal(row, sl_result_row_count(r));
    sl_result_destroy(r);
    sl_context_destroy(ctx);
}

/* Reference LIKE: % any run of bytes, _ one byte (recursive; short strings only). */
static int like_ref(const char *s, const char *p)
{
    if (!*p) return !*s;
    if (*p == '%') return like_ref(s, p + 1) || (*s && like_ref(s + 1, p));
    return *s && (*p == '_' || *p == *s) && like_ref(s + 1, p + 1);
}

/* Reference SUBSTRING into buf: bytes at 1-based positions [start, start + len). */
static const char *substr_ref(const char *s, long start, long len, char *buf)
{
    size_t k = 0;
    for (long pos = 1; s[pos - 1]; pos++)
        if (pos >= start && (len < 0 ? 0 : pos < start + len)) buf[k++] = s[pos - 1];
    buf[k] = 0;
    return buf;
}

/* like / not like and substring on the dictionary column s and the plain
 * column u, with NULLs, as values and as filters, under a sparse selection. */
static void test_like_substring(void **state)
{
    (void)state;
    sl_context *ctx = open_ctx();
    sl_result *r = run(ctx, "i % 4 <> 3 and (s like '%l%' or u not like '%1%' or s is null)",
                       "i,"
                       "s like '%l%' as c1,"
                       "s not like 'a_p%' as c2,"
                       "u like 'u1%' as c3,"
                       "not (u like '%7') as c4,"
                       "substring(s, 2, 3) as c5,"
                       "substring(u from 2) as c6,"
                       "substring(s from i % 5 - 1 for i % 4) as c7,"
                       "case when u like '%35%' then substr(u, 1, 2) else s end as c8,"
                       "substring(u, a) as c9");
    size_t row = 0;
    char u[32], buf[64];
    for (int i = 0; i < N; i++) {
        const char *s = snull(i) ? NULL : sv(i);
        uv(i, u, sizeof u);
        if (i % 4 == 3 || !(s == NULL || like_ref(s, "%l%") || !like_ref(u, "%1%"))) continue;
        assert_true(row < sl_result_row_count(r));
        assert_int_equal(sl_result_get_int64(r, 0, row), i);
        check_i64(r, 1, row, !s, s && like_ref(s, "%l%"), i);
        check_i64(r, 2, row, !s, s && !like_ref(s, "a_p%"), i);
        check_i64(r, 3, row, 0, like_ref(u, "u1%"), i);
        check_i64(r, 4, row, 0, !like_ref(u, "%7"), i);
        check_str(r, 5, row, s ? substr_ref(s, 2, 3, buf) : NULL, i);
        check_str(r, 6, row, substr_ref(u, 2, 1000, buf), i);
        check_str(r, 7, row, s ? substr_ref(s, i % 5 - 1, i % 4, buf) : NULL, i);
        check_str(r, 8, row, like_ref(u, "%35%") ? substr_ref(u, 1, 2, buf) : s, i);
        check_str(r, 9, row, anull(i) ? NULL : substr_ref(u, (long)av(i), 1000, buf), i);
        row++;
    }
    assert_int_equal(row, sl_result_row_count(r));
    sl_result_destroy(r);
    sl_context_destroy(ctx);
}

static void test_case_where_and_agg(void **state)
{
    (void)state;
    sl_context *ctx = open_ctx();
    sl_frame *t = sl_frame_table(ctx, "t");
    sl_frame *w = sl_frame_where(t, "case when a > 0 then b > 0 when a < 0 then s = 'gamma' end");
    assert_non_null(w);
    int64_t n = -1, want = 0;
    assert_int_equal(sl_frame_count(w, &n), SL_OK);
    for (int i = 0; i < N; i++)
        want += !anull(i) && ((av(i) > 0 && !bnull(i) && bv(i) > 0) ||
                              (av(i) < 0 && !snull(i) && strcmp(sv(i), "gamma") == 0));
    assert_int_equal(n, want);
    /* group by a case bucket, sum a case value */
    sl_frame *p =
        sl_frame_select(t, "case when a < 0 then 'neg' when a > 0 then 'pos' else 'zero or null' end as "
                           "bucket, case when b > 0 then p else 0 end as pp");
    assert_non_null(p);
    sl_frame *g = sl_frame_group_by(p, "bucket");
    sl_frame *ag = sl_frame_agg(g, "sum(pp) as s, count(*) as c");
    sl_frame *o = sl_frame_order_by(ag, "bucket");
    assert_non_null(o);
    sl_result *r = NULL;
    assert_int_equal(sl_frame_collect(o, &r), SL_OK);
    assert_int_equal(sl_result_row_count(r), 3);
    const char *names[3] = {"neg", "pos", "zero or null"};
    for (size_t k = 0; k < 3; k++) {
        int64_t s = 0, c = 0;
        for (int i = 0; i < N; i++) {
            int bucket = !anull(i) && av(i) < 0 ? 0 : !anull(i) && av(i) > 0 ? 1 : 2;
            if ((size_t)bucket != k) continue;
            c++;
            if (!bnull(i) && bv(i) > 0) s += pv(i);
        }
        check_str(r, 0, k, names[k], (int)k);
        check_i64(r, 1, k, 0, s, (int)k);
        check_i64(r, 2, k, 0, c, (int)k);
    }
    sl_result_destroy(r);
    sl_frame_destroy(o);
    sl_frame_destroy(ag);
    sl_frame_destroy(g);
    sl_frame_destroy(p);
    sl_frame_destroy(w);
    sl_frame_destroy(t);
    sl_context_destroy(ctx);
}

/* add_months as SQL defines it, written out here. */
static int32_t plus_months(int32_t days, int months)
{
    int y, m, d;
    sli_date_civil(days, &y, &m, &d);
    int t = y * 12 + (m - 1) + months;
    int ny = t / 12, nm = t % 12 + 1;
    if (d > month_len(ny, nm)) d = month_len(ny, nm);
    return sli_date_from_civil(ny, nm, d);
}

static void test_dates(void **state)
{
    (void)state;
    sl_context *ctx = open_ctx();
    sl_result *r =
        run(ctx, NULL,
            "i, extract(year from d), extract(month from d), extract(day from d), year(d) * 100 + "
            "month(d),"
            "d + 1, d - a, 40 + d, d + interval '10' day, d - interval '1' month, d + interval '1' "
            "year, d + interval 13 months, d - date '2000-02-29', date '2000-02-29' - d,"
            "d + interval '-25' month + interval '2 days'");
    assert_int_equal(sl_result_column_type(r, 1).id, SL_TYPE_INT32);
    assert_int_equal(sl_result_column_type(r, 5).id, SL_TYPE_DATE32);
    assert_int_equal(sl_result_column_type(r, 12).id, SL_TYPE_INT64);
    int32_t leap = sli_date_from_civil(2000, 2, 29);
    for (int i = 0; i < N; i++) {
        size_t row = (size_t)i;
        int dn = dnull(i), y, m, dd;
        int32_t d = dv(i);
        sli_date_civil(d, &y, &m, &dd);
        check_i64(r, 1, row, dn, y, i);
        check_i64(r, 2, row, dn, m, i);
        check_i64(r, 3, row, dn, dd, i);
        check_i64(r, 4, row, dn, y * 100 + m, i);
        check_i64(r, 5, row, dn, d + 1, i);
        check_i64(r, 6, row, dn || anull(i), d - av(i), i);
        check_i64(r, 7, row, dn, d + 40, i);
        check_i64(r, 8, row, dn, d + 10, i);
        check_i64(r, 9, row, dn, plus_months(d, -1), i);
        check_i64(r, 10, row, dn, plus_months(d, 12), i);
        check_i64(r, 11, row, dn, plus_months(d, 13), i);
        check_i64(r, 12, row, dn, (int64_t)d - leap, i);
        check_i64(r, 13, row, dn, (int64_t)leap - d, i);
        check_i64(r, 14, row, dn, plus_months(d, -25) + 2, i);
    }
    sl_result_destroy(r);

    /* known month ends and leap days, as text */
    r = run(ctx, "i = 0",
            "date '2000-01-31' + interval '1' month, date '1900-01-31' + interval '1' month, "
            "date '2000-02-29' + interval '1' year, date '2000-03-31' - interval '1' month, "
            "date '1999-12-31' + interval '1' day, date '2004-02-29' - interval '4' year, "
            "date '1995-03-15' + interval '3' month, year(date '1998-12-01')");
    const char *want[] = {"2000-02-29", "1900-02-28", "2001-02-28", "2000-02-29",
                          "2000-01-01", "2000-02-29", "1995-06-15", "1998"};
    for (size_t c = 0; c < 8; c++) {
        char buf[32];
        sl_result_format_value(r, c, 0, buf, sizeof buf);
        assert_string_equal(buf, want[c]);
    }
    sl_result_destroy(r);

    /* a date filter with interval arithmetic on both sides */
    sl_frame *t = sl_frame_table(ctx, "t");
    sl_frame *w =
        sl_frame_where(t, "d >= date '2000-01-01' and d < date '2000-01-01' + interval '3' month and "
                          "d + interval '1' month > date '2000-03-01'");
    int64_t n = -1, cnt = 0;
    assert_int_equal(sl_frame_count(w, &n), SL_OK);
    int32_t lo = sli_date_from_civil(2000, 1, 1), hi = sli_date_from_civil(2000, 4, 1),
            mar = sli_date_from_civil(2000, 3, 1);
    for (int i = 0; i < N; i++) cnt += !dnull(i) && dv(i) >= lo && dv(i) < hi && plus_months(dv(i), 1) > mar;
    assert_int_equal(n, cnt);
    sl_frame_destroy(w);
    sl_frame_destroy(t);
    sl_context_destroy(ctx);
}

static void test_nulls_and_folding(void **state)
{
    (void)state;
    sl_context *ctx = open_ctx();
    sl_result *r =
        run(ctx, "i < 3",
            "extract(year from null), year(cast(null as date)), null + interval '1' month, d + null, "
            "case when null then 1 end, case when true then 'x' end, case 1 when 1 then 'one' end");
    assert_int_equal(sl_result_row_count(r), 3);
    assert_int_equal(sl_result_column_type(r, 0).id, SL_TYPE_INT32);
    assert_int_equal(sl_result_column_type(r, 2).id, SL_TYPE_DATE32);
    for (size_t row = 0; row < 3; row++) {
        for (size_t c = 0; c < 5; c++) assert_true(sl_result_is_null(r, c, row));
        check_str(r, 5, row, "x", (int)row);
        check_str(r, 6, row, "one", (int)row);
    }
    sl_result_destroy(r);

    /* literal date arithmetic and a constant case fold to literals at plan time */
    sl_frame *t = sl_frame_table(ctx, "t");
    sl_frame *w =
        sl_frame_where(t, "d < date '1995-01-31' + interval '1' month and s = case when 1 < 2 then 'beta' "
                          "else 'alpha' end and a > year(date '1995-01-01') - 2000");
    assert_non_null(w);
    char *ex = NULL;
    assert_int_equal(sl_frame_explain(w, &ex), SL_OK);
    const char *opt = strstr(ex, "== Optimized plan ==");
    assert_non_null(opt);
    if (!strstr(opt, "date '1995-02-28'") || !strstr(opt, "'beta'") || strstr(opt, "interval") ||
        strstr(opt, "case") || !strstr(opt, "-5"))
        fail_msg("not folded:\n%s", ex);
    free(ex);
    sl_frame_destroy(w);
    sl_frame_destroy(t);
    sl_context_destroy(ctx);
}

/* A select that must fail to bind with `status`, at 1:col, saying `needle`. */
static void bind_error(sl_context *ctx, const char *exprs, sl_status status, int col, const char *needle)
{
    sl_frame *t = sl_frame_table(ctx, "t");
    sl_frame *s = sl_frame_select(t, exprs);
    if (s) fail_msg("select(%s) bound", exprs);
    assert_int_equal(sl_context_last_status(ctx), status);
    const char *msg = sl_context_last_error(ctx);
    char pos[32];
    snprintf(pos, sizeof pos, ":1:%d: ", col);
    if (!strstr(msg, pos) || !strstr(msg, needle))
        fail_msg("select(%s): \"%s\" lacks %s / %s", exprs, msg, pos, needle);
    sl_frame_destroy(t);
}

/* A select that binds but fails when run. */
static void run_error(sl_context *ctx, const char *exprs, sl_status status, const char *needle)
{
    sl_frame *t = sl_frame_table(ctx, "t");
    sl_frame *s = sl_frame_select(t, exprs);
    if (!s) fail_msg("select(%s): %s", exprs, sl_context_last_error(ctx));
    sl_result *r = NULL;
    assert_int_equal(sl_frame_collect(s, &r), status);
    assert_null(r);
    if (!strstr(sl_context_last_error(ctx), needle))
        fail_msg("\"%s\" lacks %s", sl_context_last_error(ctx), needle);
    sl_frame_destroy(s);
    sl_frame_destroy(t);
}

static void test_errors(void **state)
{
    (void)state;
    sl_context *ctx = open_ctx();
    bind_error(ctx, "case when a then 1 end", SL_ERR_TYPE, 11, "the 'when' condition 'a' is int64, not bool");
    bind_error(ctx, "case when a > 0 then 1 else 'x' end", SL_ERR_TYPE, 29,
               "int64 and utf8, which do not mix");
    bind_error(ctx, "case when a > 0 then d else s end", SL_ERR_TYPE, 29, "date and utf8");
    bind_error(ctx, "case when a > 0 then d else 1 end", SL_ERR_TYPE, 29, "date and int64");
    bind_error(ctx, "extract(year from a)", SL_ERR_TYPE, 1,
               "cannot extract year from int64 (only from a date)");
    bind_error(ctx, "month(d, d)", SL_ERR_SYNTAX, 1, "month() takes exactly one argument");
    bind_error(ctx, "a + interval '1' day", SL_ERR_TYPE, 1, "cannot add an interval to int64");
    bind_error(ctx, "interval '1' day - d", SL_ERR_TYPE, 1, "an interval can only be added to");
    bind_error(ctx, "interval '1' day", SL_ERR_TYPE, 1, "an interval can only be added to");
    bind_error(ctx, "i, d * 2", SL_ERR_TYPE, 4, "cannot apply '*' to date and int64");
    bind_error(ctx, "d + d", SL_ERR_TYPE, 1, "cannot apply '+' to date and date");
    bind_error(ctx, "d + p", SL_ERR_TYPE, 1, "cannot apply '+' to date and decimal");
    bind_error(ctx, "1 - d", SL_ERR_TYPE, 1, "cannot apply '-' to int64 and date");
    bind_error(ctx, "i, a like 'x%'", SL_ERR_TYPE, 4, "'like' needs a string, not int64");
    bind_error(ctx, "d not like 'x%'", SL_ERR_TYPE, 1, "'not like' needs a string, not date");
    bind_error(ctx, "substring(a, 1)", SL_ERR_TYPE, 11, "substring() needs a string, not int64");
    bind_error(ctx, "substring(s, 'x')", SL_ERR_TYPE, 14,
               "the start of substring() needs an integer, not utf8");
    bind_error(ctx, "substr(s from 1 for p)", SL_ERR_TYPE, 21, "the length of substring() needs an integer");
    bind_error(ctx, "substring(s, 1, 2, 3)", SL_ERR_SYNTAX, 18, "expected ')' after the length of substring");
    bind_error(ctx, "like(s)", SL_ERR_SYNTAX, 1, "like takes a string and a 'pattern' string literal");
    bind_error(ctx, "s like u", SL_ERR_SYNTAX, 8, "expected a 'pattern' string after 'like'");
    bind_error(ctx, "s like 'a' + 1", SL_ERR_SYNTAX, 12, "but found '+'"); /* the pattern is a literal */
    run_error(ctx, "d + interval '9000' year", SL_ERR_OVERFLOW, "overflow");
    run_error(ctx, "d - 10000000", SL_ERR_OVERFLOW, "overflow");
    run_error(ctx, "case when a = 0 then 1 % a end", SL_ERR_DIV_ZERO, "division by zero");
    run_error(ctx, "case when a = 0 then 1 % 0 else 1 end", SL_ERR_DIV_ZERO, "division by zero");
    /* a constant branch no row reaches is not evaluated, neither at plan time nor at run time */
    sl_result *r =
        run(ctx, "i < 10",
            "case when a > 1000 then 1 % 0 when a < -1000 then 9223372036854775807 + 1 else 5 end");
    assert_int_equal(sl_result_row_count(r), 10);
    for (size_t row = 0; row < 10; row++) check_i64(r, 0, row, 0, 5, (int)row);
    sl_result_destroy(r);
    /* folding at plan time reports the same overflow */
    run_error(ctx, "date '9999-12-31' + 1", SL_ERR_OVERFLOW, "overflow");
    sl_context_destroy(ctx);
}

/* A conjunction of a lower and an upper bound on one value runs as one range
 * pass (runtime/eval.c); each WHERE here must keep exactly the rows its
 * predicate, computed here, keeps. */
typedef bool (*row_pred)(int i);
static bool r_inclusive(int i)
{
    return !anull(i) && av(i) >= -5 && av(i) <= 5;
}
static bool r_strict(int i)
{
    return !anull(i) && av(i) > -5 && av(i) < 5;
}
static bool r_rest(int i)
{
    return !bnull(i) && bv(i) < 3 && !anull(i) && av(i) > 2 && av(i) <= 20;
}
static bool r_none(int i)
{
    (void)i;
    return false;
}
static bool r_decimal(int i)
{
    return pv(i) >= -1050 && pv(i) <= 2025;
}
static bool r_dates(int i)
{
    return !dnull(i) && dv(i) >= sli_date_from_civil(1999, 6, 1) && dv(i) < sli_date_from_civil(2000, 3, 1);
}
static bool r_float(int i)
{
    return !anull(i) && (double)av(i) >= -2.5 && (double)av(i) <= 7.0;
}
static bool r_float_strict(int i)
{
    return !anull(i) && (double)av(i) > -2.5 && (double)av(i) < 7.0;
}
static bool r_expr(int i)
{
    return !anull(i) && av(i) + 1 >= 0 && av(i) + 1 <= 10;
}
static bool r_tiny(int i)
{
    return !bnull(i) && bv(i) > -128 &&
           bv(i) < 0; /* int8: the strict lower bound at the type's least value */
}

/* Chains of bound tests run as bitmaps over a scan's rows (eval.c's dense
 * conjunctions, scan_window.h), switching to selections when few rows pass
 * or a conjunct is no bound test. */
static bool r_eq(int i)
{
    return !anull(i) && av(i) == 3 && !bnull(i) && bv(i) >= 0;
}
static bool r_ne_first(int i)
{
    return !bnull(i) && bv(i) != 0 && !anull(i) && av(i) > 2;
}
static bool r_ne_mid(int i)
{
    return !anull(i) && av(i) > 2 && !bnull(i) && bv(i) != 0 && pv(i) < 1000;
}
static bool r_wide(int i)
{
    return !anull(i) && av(i) >= -30 && !bnull(i) && bv(i) > -12 && pv(i) > -5000;
}
static bool r_sparse_first(int i)
{
    return !anull(i) && av(i) == 7 && !bnull(i) && bv(i) < 0 && pv(i) >= 0;
}
static bool r_sparse_date(int i)
{
    return !anull(i) && av(i) == 7 && !dnull(i) && dv(i) >= sli_date_from_civil(1999, 6, 1);
}
static bool r_str_after(int i)
{
    return !dnull(i) && dv(i) >= sli_date_from_civil(1999, 6, 1) && !snull(i) && strcmp(sv(i), "beta") == 0 &&
           !anull(i) && av(i) < 10;
}
static bool r_or_inside(int i)
{
    return pv(i) < 2000 && ((!anull(i) && av(i) < 0) || (!bnull(i) && bv(i) > 5)) && i % 2 == 0;
}

static void test_ranges(void **state)
{
    (void)state;
    static const struct {
        const char *where;
        row_pred want;
        bool range;   /* EXPLAIN names one range pass */
        bool windows; /* EXPLAIN names the scan's windows: the first conjunct bounds a column */
    } cases[] = {
        {"a >= -5 and a <= 5", r_inclusive, true, true},
        {"a > -5 and a < 5", r_strict, true, true},
        {"5 > a and -5 < a", r_strict, true, true}, /* literals first */
        {"b < 3 and a > 2 and a <= 20", r_rest, true, true},
        {"a >= 10 and a <= 3", r_none, true, true},
        {"a > 9223372036854775806 and a < 100", r_none, true, true},
        {"p between -10.50 and 20.25", r_decimal, true, true},
        {"d >= date '1999-06-01' and d < date '2000-03-01'", r_dates, true, true},
        {"cast(a as double) >= -2.5 and cast(a as double) <= 7.0", r_float, true, false},
        {"cast(a as double) > -2.5 and cast(a as double) < 7.0", r_float_strict, false, false},
        {"a + 1 >= 0 and a + 1 <= 10", r_expr, true, false},
        {"cast(b as tinyint) > -128 and cast(b as tinyint) < 0", r_tiny, true, false},
        {"a = 3 and b >= 0", r_eq, false, true},
        {"b <> 0 and a > 2", r_ne_first, false, true}, /* the optimizer puts a > 2 first */
        {"a > 2 and b <> 0 and p < 10.00", r_ne_mid, false, true},
        {"a >= -30 and b > -12 and p > -50.00", r_wide, false, true},
        {"a = 7 and b < 0 and p >= 0", r_sparse_first, false, true},
        {"a = 7 and d >= date '1999-06-01'", r_sparse_date, false,
         true}, /* a 4-byte column past the bitmaps */
        {"d >= date '1999-06-01' and s = 'beta' and a < 10", r_str_after, false,
         false}, /* s = 'beta' goes first */
        {"p < 20.00 and (a < 0 or b > 5) and i % 2 = 0", r_or_inside, false, true},
    };
    sl_context *ctx = open_ctx();
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        sl_frame *t = sl_frame_table(ctx, "t"), *w = sl_frame_where(t, cases[c].where);
        char *plan = NULL;
        assert_int_equal(sl_frame_explain(w, &plan), SL_OK);
        if ((strstr(plan, "1 bound pair(s) as one range pass each") != NULL) != cases[c].range)
            fail_msg("%s: EXPLAIN says %s", cases[c].where, plan);
        free(plan);
        sl_frame_destroy(w);
        sl_frame_destroy(t);
        /* a scan tests the filter's leading column bounds over windows (scan_window.h) */
        sl_frame *t2 = sl_frame_table(ctx, "t"), *w2 = sl_frame_where(t2, cases[c].where);
        assert_int_equal(sl_frame_explain(w2, &plan), SL_OK);
        bool windows = strstr(plan, "windows of the scan") != NULL;
        if (windows != cases[c].windows) fail_msg("%s: EXPLAIN says %s", cases[c].where, plan);
        free(plan);
        sl_frame_destroy(w2);
        sl_frame_destroy(t2);
        /* the default window (a whole partition here), then windows of one and of two vectors */
        static const size_t wrows[] = {0, 2048, 4096};
        for (size_t wi = 0; wi < sizeof wrows / sizeof wrows[0]; wi++) {
            sli_scan_window_set_rows(wrows[wi]);
            sl_result *r = run(ctx, cases[c].where, "i");
            sli_scan_window_set_rows(0);
            size_t row = 0;
            for (int i = 0; i < N; i++) {
                if (!cases[c].want(i)) continue;
                if (row >= sl_result_row_count(r))
                    fail_msg("%s (window %zu): row %d missing", cases[c].where, wrows[wi], i);
                check_i64(r, 0, row++, 0, i, i);
            }
            if (row != sl_result_row_count(r))
                fail_msg("%s (window %zu): %zu rows, want %zu", cases[c].where, wrows[wi],
                         sl_result_row_count(r), row);
            sl_result_destroy(r);
        }
    }
    sl_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_case_numbers),       cmocka_unit_test(test_case_strings),
        cmocka_unit_test(test_case_where_and_agg), cmocka_unit_test(test_dates),
        cmocka_unit_test(test_nulls_and_folding),  cmocka_unit_test(test_errors),
        cmocka_unit_test(test_like_substring),     cmocka_unit_test(test_ranges),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
