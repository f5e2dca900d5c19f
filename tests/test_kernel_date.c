/*
 * test_kernel_date.c — tests of the date kernels (kernels/date.h).
 *
 * Every variant this CPU runs is checked against oracles written here on top
 * of runtime/types.c (sli_date_civil, sli_date_from_civil): the year, month
 * and day of every day from 1900-01-01 to 2100-12-31, of the ends of the date
 * range and of random int32 days; day and month arithmetic across month ends,
 * leap years and the edges of the date range (where it must report
 * overflow); the difference of two dates. Each kernel also runs through
 * random selections at every length 0..130, and rows outside the selection
 * must never be written.
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
#include "kernels/date.h"
#include "kernels/isa.h"
#include "runtime/types.h"

#ifndef KT_EMU_date
#define KT_EMU_date NULL /* no SIMD date kernels (and so no emulated variant) yet */
#endif

#define MAXN     130
#define SENTINEL 0x5a5a5a5a

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_len(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Oracle of add_months: @return 0 and *out, or 1 when outside the range. */
static int months_oracle(int32_t days, int64_t months, int32_t *out)
{
    int y, m, d;
    sli_date_civil(days, &y, &m, &d);
    __int128 t = (__int128)y * 12 + (m - 1) + months;
    if (t < 0 || t > 9999 * 12 + 11) return 1;
    int ny = (int)(t / 12), nm = (int)(t % 12) + 1;
    if (d > month_len(ny, nm)) d = month_len(ny, nm);
    *out = sli_date_from_civil(ny, nm, d);
    return 0;
}

/* Civil date of any day count, with 64-bit floor divisions: the oracle for
 * days that runtime/types.c's int arithmetic cannot take. */
static void civil_ref(int64_t days, int *y, int *m, int *d)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* A random date in the range, a quarter of the time near a month end. */
static int32_t rand_date(void)
{
    int32_t span = SL_DATE_MAX_DAYS - SL_DATE_MIN_DAYS + 1;
    if (kt_rnd() % 4 == 0) {
        int y = (int)(kt_rnd() % 10000), m = (int)(kt_rnd() % 12) + 1;
        return sli_date_from_civil(y, m, month_len(y, m) - (int)(kt_rnd() % 3));
    }
    return SL_DATE_MIN_DAYS + (int32_t)(kt_rnd() % (uint64_t)span);
}

static void test_select(void **state)
{
    (void)state;
    KT_CHECK_SCALAR_SELECT(date);
}

static void test_range_constants(void **state)
{
    (void)state;
    assert_int_equal(SL_DATE_MIN_DAYS, sli_date_from_civil(0, 1, 1));
    assert_int_equal(SL_DATE_MAX_DAYS, sli_date_from_civil(9999, 12, 31));
}

/* Every day of 1900..2100 in one dense call per part. */
static void test_parts_every_day(void **state)
{
    (void)state;
    int32_t first = sli_date_from_civil(1900, 1, 1), last = sli_date_from_civil(2100, 12, 31);
    size_t n = (size_t)(last - first + 1);
    int32_t *days = malloc(n * sizeof *days), *out = malloc(n * sizeof *out);
    assert_non_null(days);
    assert_non_null(out);
    for (size_t i = 0; i < n; i++) days[i] = first + (int32_t)i;
    KT_FOR_EACH_VARIANT(date, k)
    {
        for (int p = 0; p < SL_DATE_PART_COUNT; p++) {
            k->part[p](days, out, NULL, n);
            for (size_t i = 0; i < n; i++) {
                int y, m, d;
                sli_date_civil(days[i], &y, &m, &d);
                int want = p == SL_DATE_YEAR ? y : p == SL_DATE_MONTH ? m : d;
                if (out[i] != want) fail_msg("part %d of day %d: got %d, want %d", p, days[i], out[i], want);
            }
        }
    }
    free(days);
    free(out);
}

/* Random days (whole int32 range and the date range's ends) through random selections. */
static void test_parts_selected(void **state)
{
    (void)state;
    int32_t days[MAXN], out[MAXN];
    uint32_t sel[MAXN];
    uint8_t in[MAXN];
    const int32_t edge[] = {SL_DATE_MIN_DAYS, SL_DATE_MAX_DAYS,      0,          -1, 59, 60, 11016, -25508,
                            INT32_MAX,        SL_DATE_PART_MIN_DAYS, -2000000000};
    KT_FOR_EACH_VARIANT(date, k)
    {
        for (size_t n = 0; n <= MAXN; n++) {
            for (int mode = 0; mode < KT_NMODES; mode++) {
                for (size_t i = 0; i < n; i++) {
                    uint64_t r = kt_rnd() % 4;
                    days[i] = r == 0   ? edge[kt_rnd() % (sizeof edge / sizeof edge[0])]
                              : r == 1 ? (int32_t)(uint32_t)kt_rnd() / 1000
                                       : rand_date();
                }
                size_t m;
                const uint32_t *s = kt_make_sel(mode, n, sel, &m);
                kt_mark(s, m, n, in);
                for (int p = 0; p < SL_DATE_PART_COUNT; p++) {
                    for (size_t i = 0; i < n; i++) out[i] = SENTINEL;
                    k->part[p](days, out, s, m);
                    for (size_t i = 0; i < n; i++) {
                        if (!in[i]) {
                            assert_int_equal(out[i], SENTINEL);
                            continue;
                        }
                        int y, mo, d;
                        civil_ref(days[i], &y, &mo, &d);
                        assert_int_equal(out[i], p == SL_DATE_YEAR ? y : p == SL_DATE_MONTH ? mo : d);
                    }
                }
            }
        }
    }
}

static void test_months_known(void **state)
{
    (void)state;
    struct {
        const char *from;
        int64_t months;
        const char *want;
    } cases[] = {
        {"2000-01-31", 1, "2000-02-29"},  {"1999-01-31", 1, "1999-02-28"},
        {"2000-03-31", -1, "2000-02-29"}, {"1900-01-31", 1, "1900-02-28"},
        {"2000-02-29", 12, "2001-02-28"}, {"2000-02-29", 48, "2004-02-29"},
        {"1995-03-15", 3, "1995-06-15"},  {"1994-12-31", -120, "1984-12-31"},
        {"1993-10-01", 3, "1994-01-01"},  {"0000-01-01", 0, "0000-01-01"},
        {"9999-12-31", 0, "9999-12-31"},  {"0001-03-31", -13, "0000-02-29"},
    };
    KT_FOR_EACH_VARIANT(date, k)
    {
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            int32_t d, want, out = 0;
            assert_true(sli_date_parse(cases[c].from, strlen(cases[c].from), &d));
            assert_true(sli_date_parse(cases[c].want, strlen(cases[c].want), &want));
            assert_int_equal(k->add_months(&d, cases[c].months, &out, NULL, 1), SL_ARITH_OK);
            assert_int_equal(out, want);
        }
        int32_t lo = SL_DATE_MIN_DAYS, hi = SL_DATE_MAX_DAYS, out;
        assert_int_equal(k->add_months(&lo, -1, &out, NULL, 1), SL_ARITH_OVERFLOW);
        assert_int_equal(k->add_months(&hi, 1, &out, NULL, 1), SL_ARITH_OVERFLOW);
        assert_int_equal(k->add_months(&hi, INT64_MAX, &out, NULL, 1), SL_ARITH_OVERFLOW);
        assert_int_equal(k->add_months(&hi, INT64_MIN, &out, NULL, 1), SL_ARITH_OVERFLOW);
        assert_int_equal(k->add_months(&hi, INT64_MAX, &out, NULL, 0), SL_ARITH_OK); /* no rows */
        /* an overflowing row outside the selection does not count */
        int32_t two[2] = {SL_DATE_MAX_DAYS, 0}, res[2] = {7, 7};
        uint32_t one = 1;
        assert_int_equal(k->add_months(two, 1, res, &one, 1), SL_ARITH_OK);
        assert_int_equal(res[0], 7);
        assert_int_equal(res[1], 31);
    }
}

static void test_arith_random(void **state)
{
    (void)state;
    int32_t a[MAXN], b[MAXN], out[MAXN];
    int64_t k64[MAXN], d64[MAXN];
    uint32_t sel[MAXN];
    uint8_t in[MAXN];
    const int64_t edge[] = {INT64_MAX, INT64_MIN, 1, -1, 0, 31, -31, 365, -365, 2932896, -719528, 3652424};
    KT_FOR_EACH_VARIANT(date, k)
    {
        for (size_t n = 0; n <= MAXN; n++) {
            for (int mode = 0; mode < KT_NMODES; mode++) {
                size_t m;
                const uint32_t *s = kt_make_sel(mode, n, sel, &m);
                kt_mark(s, m, n, in);
                int64_t months = kt_rnd() % 8 == 0 ? kt_rand_edgy_i64(edge, sizeof edge / sizeof edge[0])
                                                   : (int64_t)(kt_rnd() % 2001) - 1000;
                for (size_t i = 0; i < n; i++) {
                    a[i] = rand_date();
                    b[i] = rand_date();
                    k64[i] = kt_rnd() % 16 == 0 ? kt_rand_edgy_i64(edge, sizeof edge / sizeof edge[0])
                                                : (int64_t)(kt_rnd() % 20001) - 10000;
                }
                /* add_days and sub_days */
                for (int sub = 0; sub < 2; sub++) {
                    int want_bad = 0;
                    for (size_t i = 0; i < n; i++) out[i] = SENTINEL;
                    sl_arith_rc rc = (sub ? k->sub_days : k->add_days)(a, k64, out, s, m);
                    for (size_t i = 0; i < n; i++) {
                        if (!in[i]) {
                            assert_int_equal(out[i], SENTINEL);
                            continue;
                        }
                        __int128 x = (__int128)a[i] + (sub ? -(__int128)k64[i] : (__int128)k64[i]);
                        if (x < SL_DATE_MIN_DAYS || x > SL_DATE_MAX_DAYS)
                            want_bad = 1;
                        else
                            assert_int_equal(out[i], (int32_t)x);
                    }
                    assert_int_equal(rc, want_bad ? SL_ARITH_OVERFLOW : SL_ARITH_OK);
                }
                /* add_months */
                int want_bad = 0;
                for (size_t i = 0; i < n; i++) out[i] = SENTINEL;
                sl_arith_rc rc = k->add_months(a, months, out, s, m);
                for (size_t i = 0; i < n; i++) {
                    if (!in[i]) {
                        assert_int_equal(out[i], SENTINEL);
                        continue;
                    }
                    int32_t want;
                    if (months_oracle(a[i], months, &want))
                        want_bad = 1;
                    else
                        assert_int_equal(out[i], want);
                }
                assert_int_equal(rc, want_bad ? SL_ARITH_OVERFLOW : SL_ARITH_OK);
                /* diff */
                for (size_t i = 0; i < n; i++) d64[i] = INT64_MIN;
                k->diff(a, b, d64, s, m);
                for (size_t i = 0; i < n; i++)
                    assert_true(in[i] ? d64[i] == (int64_t)a[i] - b[i] : d64[i] == INT64_MIN);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select),          cmocka_unit_test(test_range_constants),
        cmocka_unit_test(test_parts_every_day), cmocka_unit_test(test_parts_selected),
        cmocka_unit_test(test_months_known),    cmocka_unit_test(test_arith_random),
    };
    kt_seed(0x9e3779b97f4a7c15ull);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
