/*
 * test_kernel_agg.c — tests of the aggregate update kernels (kernels/agg.h).
 *
 * Every variant this CPU runs is compared with per-row oracles written here
 * (sums in __int128 / long double, min/max by an explicit total order with
 * NaN on top) on xorshift data with edge values (type limits, NaN, -0.0,
 * infinities), at every length 0..130, global (gid == NULL) and grouped, dense
 * and with random sparse selections, with and without nulls, starting from a
 * zeroed state and from a state left by an earlier call.
 */
/* cmocka.h needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_test.h"
#include "kernels/agg.h"
#include "kernels/isa.h"
#include "runtime/buffer.h"

#define MAXN 130
#define MAXG 7

/* One test case: rows, selection, validity and groups, split into two calls
 * (rows [0, half) of the selection, then the rest) to test accumulation. */
typedef struct agg_case {
    size_t n, m, half;
    const uint32_t *sel; /* NULL: dense */
    const uint8_t *validity;
    const uint32_t *gid; /* NULL: global */
    size_t ngroups;
} agg_case;

/* Row of selection position i. */
static size_t row_of(const agg_case *c, size_t i)
{
    return c->sel ? c->sel[i] : i;
}

/*
 * The selection positions [from, m) as a kernel argument. The kernels take no
 * row offset, so the second half of a dense case becomes an explicit
 * selection of rows [from, m), written to buf; the first half stays dense.
 */
static const uint32_t *split_sel(const agg_case *c, size_t from, uint32_t *buf)
{
    if (c->sel) return c->sel + from;
    if (from == 0) return NULL; /* the first half stays dense */
    for (size_t i = from; i < c->m; i++) buf[i - from] = (uint32_t)i;
    return buf;
}

/* ---- data ---------------------------------------------------------------------------------- */

#define RAND_INT(tn, T, TMIN, TMAX)                                                                          \
    static T rand_##tn(void)                                                                                 \
    {                                                                                                        \
        static const int64_t edge[] = {TMIN, TMAX, 0, -1, 1};                                                \
        return (T)kt_rand_edgy_i64(edge, sizeof edge / sizeof edge[0]);                                      \
    }
RAND_INT(i8, int8_t, INT8_MIN, INT8_MAX)
RAND_INT(i16, int16_t, INT16_MIN, INT16_MAX)
RAND_INT(i32, int32_t, INT32_MIN, INT32_MAX)
RAND_INT(i64, int64_t, INT64_MIN, INT64_MAX)

static double rand_f64(void)
{
    static const double edge[] = {NAN, -0.0, 0.0, INFINITY, -INFINITY, 1.0, -1.0, 1e300, -1e300};
    return kt_rand_edgy_f64(edge, sizeof edge / sizeof edge[0], 5);
}

/* Finite, moderate values so that sums have a known tolerance. */
static double rand_f64_finite(void)
{
    return kt_rnd() % 4 == 0 ? -0.0 : (double)(int64_t)kt_rnd() / 1e12;
}

/* ---- oracle helpers ---------------------------------------------------------------------------- */

/* Total order for min/max: numbers by value (-0.0 == 0.0), NaN above all, NaN == NaN. */
static int order_f64(double x, double y)
{
    if (isnan(x) || isnan(y)) return isnan(x) - isnan(y);
    return x < y ? -1 : x > y;
}

static int same_f64(double x, double y)
{
    return order_f64(x, y) == 0;
}

static void make_case(agg_case *c, size_t n, int mode, int nulls, int grouped, uint32_t *sel,
                      uint8_t *validity, uint32_t *gid)
{
    c->n = n;
    c->sel = kt_make_sel(mode, n, sel, &c->m);
    c->half = c->m ? kt_rnd() % (c->m + 1) : 0;
    for (size_t i = 0; i < MAXN / 8 + 1; i++)
        validity[i] = (uint8_t)(kt_rnd() % 4 == 0 ? kt_rnd() : 0xff ^ (kt_rnd() & kt_rnd()));
    c->validity = nulls ? validity : NULL;
    c->ngroups = grouped ? 1 + kt_rnd() % MAXG : 1;
    for (size_t i = 0; i < n; i++) gid[i] = (uint32_t)(kt_rnd() % c->ngroups);
    c->gid = grouped ? gid : NULL;
}

static size_t group_of(const agg_case *c, size_t row)
{
    return c->gid ? c->gid[row] : 0;
}

/* ---- sum and count --------------------------------------------------------------------------- */

static void test_sum_count(void **state)
{
    int64_t *vi = sli_buf_alloc(MAXN * 8);
    double *vf = sli_buf_alloc(MAXN * 8);
    uint32_t *sel = sli_buf_alloc(MAXN * 4), *gid = sli_buf_alloc(MAXN * 4), *tail = sli_buf_alloc(MAXN * 4);
    uint8_t *validity = sli_buf_alloc(MAXN / 8 + 1);
    assert_true(vi && vf && sel && gid && tail && validity);
    KT_FOR_EACH_VARIANT(agg, k)
    {
        for (size_t n = 0; n <= MAXN; n++) {
            for (int mode = 0; mode < KT_NMODES; mode++) {
                for (int nulls = 0; nulls < 2; nulls++) {
                    for (int grouped = 0; grouped < 2; grouped++) {
                        agg_case c;
                        make_case(&c, n, mode, nulls, grouped, sel, validity, gid);
                        /* big values so that sums pass the int64 range */
                        int big = kt_rnd() % 2;
                        for (size_t i = 0; i < n; i++) {
                            vi[i] = big ? (kt_rnd() % 2 ? INT64_MAX : INT64_MIN + (int64_t)(kt_rnd() % 3))
                                        : rand_i64();
                            vf[i] = rand_f64_finite();
                        }
                        __int128 esum[MAXG] = {0}, gsum[MAXG] = {0};
                        long double efsum[MAXG] = {0}, eabs[MAXG] = {0};
                        int64_t ecnt[MAXG] = {0}, ecnt_star[MAXG] = {0};
                        for (size_t i = 0; i < c.m; i++) {
                            size_t r = row_of(&c, i), g = group_of(&c, r);
                            ecnt_star[g]++;
                            if (!kt_is_valid(c.validity, r)) continue;
                            esum[g] += vi[r];
                            efsum[g] += vf[r];
                            eabs[g] += fabsl(vf[r]);
                            ecnt[g]++;
                        }
                        double fsum[MAXG] = {0};
                        int64_t cnt[MAXG] = {0}, cnt_star[MAXG] = {0};
                        const uint32_t *s1 = split_sel(&c, 0, tail);
                        k->sum_i64(gsum, c.gid, vi, c.validity, s1, c.half);
                        k->sum_f64(fsum, c.gid, vf, c.validity, s1, c.half);
                        k->count(cnt, c.gid, c.validity, s1, c.half);
                        k->count(cnt_star, c.gid, NULL, s1, c.half);
                        const uint32_t *s2 = split_sel(&c, c.half, tail);
                        k->sum_i64(gsum, c.gid, vi, c.validity, s2, c.m - c.half);
                        k->sum_f64(fsum, c.gid, vf, c.validity, s2, c.m - c.half);
                        k->count(cnt, c.gid, c.validity, s2, c.m - c.half);
                        k->count(cnt_star, c.gid, NULL, s2, c.m - c.half);
                        for (size_t g = 0; g < c.ngroups; g++) {
                            if (gsum[g] != esum[g])
                                fail_msg("sum_i64 n=%zu mode=%d nulls=%d grouped=%d group %zu: %lld.., "
                                         "expected %lld..",
                                         n, mode, nulls, grouped, g, (long long)(gsum[g] >> 64),
                                         (long long)(esum[g] >> 64));
                            if (fabsl(fsum[g] - efsum[g]) > 1e-12L * (eabs[g] + 1))
                                fail_msg("sum_f64 n=%zu group %zu: %.17g, expected %.17Lg", n, g, fsum[g],
                                         efsum[g]);
                            if (cnt[g] != ecnt[g] || cnt_star[g] != ecnt_star[g])
                                fail_msg("count n=%zu group %zu: %lld/%lld, expected %lld/%lld", n, g,
                                         (long long)cnt[g], (long long)cnt_star[g], (long long)ecnt[g],
                                         (long long)ecnt_star[g]);
                        }
                    }
                }
            }
        }
    }
    sli_buf_free(vi), sli_buf_free(vf), sli_buf_free(sel), sli_buf_free(gid), sli_buf_free(tail);
    sli_buf_free(validity);
}

/* Sums beyond int64 are exact; NaN and infinities follow IEEE. */
static void test_sum_known(void **state)
{
    KT_FOR_EACH_VARIANT(agg, k)
    {
        int64_t big[100];
        for (int i = 0; i < 100; i++) big[i] = INT64_MAX;
        __int128 s = 0;
        k->sum_i64(&s, NULL, big, NULL, NULL, 100);
        assert_true(s == (__int128)INT64_MAX * 100);
        for (int i = 0; i < 100; i++) big[i] = INT64_MIN;
        s = 0;
        k->sum_i64(&s, NULL, big, NULL, NULL, 100);
        assert_true(s == (__int128)INT64_MIN * 100);
        const double f[] = {1.0, NAN, 2.0}, g[] = {INFINITY, 1.0}, h[] = {INFINITY, -INFINITY};
        double d = 0;
        k->sum_f64(&d, NULL, f, NULL, NULL, 3);
        assert_true(isnan(d));
        const uint8_t skip_nan = 0x5;
        d = 0;
        k->sum_f64(&d, NULL, f, &skip_nan, NULL, 3); /* the NaN row is null */
        assert_true(d == 3.0);
        d = 0;
        k->sum_f64(&d, NULL, g, NULL, NULL, 2);
        assert_true(d == INFINITY);
        d = 0;
        k->sum_f64(&d, NULL, h, NULL, NULL, 2);
        assert_true(isnan(d));
    }
}

/* ---- min and max ------------------------------------------------------------------------------ */

#define ORDER_INT(x, y) (((x) > (y)) - ((x) < (y)))
#define ORDER_F64(x, y) order_f64((x), (y))
#define SAME_INT(x, y)  ((x) == (y))
#define SAME_F64(x, y)  same_f64((x), (y))

#define CHECK_MINMAX(tn, T, ORDER, SAME)                                                                     \
    static void check_minmax_##tn(const sl_agg_kernels *k)                                                   \
    {                                                                                                        \
        T *v = sli_buf_alloc(MAXN * sizeof(T));                                                              \
        uint32_t *sel = sli_buf_alloc(MAXN * 4), *gid = sli_buf_alloc(MAXN * 4),                             \
                 *tail = sli_buf_alloc(MAXN * 4);                                                            \
        uint8_t *validity = sli_buf_alloc(MAXN / 8 + 1);                                                     \
        assert_true(v &&sel &&gid &&tail &&validity);                                                        \
        for (size_t n = 0; n <= MAXN; n++) {                                                                 \
            for (int mode = 0; mode < KT_NMODES; mode++) {                                                   \
                for (int nulls = 0; nulls < 2; nulls++) {                                                    \
                    for (int grouped = 0; grouped < 2; grouped++) {                                          \
                        agg_case c;                                                                          \
                        make_case(&c, n, mode, nulls, grouped, sel, validity, gid);                          \
                        for (size_t i = 0; i < n; i++) v[i] = rand_##tn();                                   \
                        T emin[MAXG], emax[MAXG];                                                            \
                        int eseen[MAXG] = {0};                                                               \
                        for (size_t i = 0; i < c.m; i++) {                                                   \
                            size_t r = row_of(&c, i), g = group_of(&c, r);                                   \
                            if (!kt_is_valid(c.validity, r)) continue;                                       \
                            if (!eseen[g] || ORDER(v[r], emin[g]) < 0) emin[g] = v[r];                       \
                            if (!eseen[g] || ORDER(v[r], emax[g]) > 0) emax[g] = v[r];                       \
                            eseen[g] = 1;                                                                    \
                        }                                                                                    \
                        T mn[MAXG], mx[MAXG];                                                                \
                        memset(mn, 0, sizeof mn), memset(mx, 0, sizeof mx);                                  \
                        uint8_t smn[MAXG] = {0}, smx[MAXG] = {0};                                            \
                        const uint32_t *s1 = split_sel(&c, 0, tail);                                         \
                        k->min_##tn(mn, smn, c.gid, v, c.validity, s1, c.half);                              \
                        k->max_##tn(mx, smx, c.gid, v, c.validity, s1, c.half);                              \
                        const uint32_t *s2 = split_sel(&c, c.half, tail);                                    \
                        k->min_##tn(mn, smn, c.gid, v, c.validity, s2, c.m - c.half);                        \
                        k->max_##tn(mx, smx, c.gid, v, c.validity, s2, c.m - c.half);                        \
                        for (size_t g = 0; g < c.ngroups; g++) {                                             \
                            if ((smn[g] != 0) != eseen[g] || (smx[g] != 0) != eseen[g])                      \
                                fail_msg("minmax_" #tn " n=%zu group %zu: seen %d/%d, expected %d", n, g,    \
                                         smn[g], smx[g], eseen[g]);                                          \
                            if (eseen[g] && (!SAME(mn[g], emin[g]) || !SAME(mx[g], emax[g])))                \
                                fail_msg("minmax_" #tn " n=%zu mode=%d nulls=%d grouped=%d group %zu: "      \
                                         "min/max %g/%g, expected %g/%g",                                    \
                                         n, mode, nulls, grouped, g, (double)mn[g], (double)mx[g],           \
                                         (double)emin[g], (double)emax[g]);                                  \
                        }                                                                                    \
                    }                                                                                        \
                }                                                                                            \
            }                                                                                                \
        }                                                                                                    \
        sli_buf_free(v), sli_buf_free(sel), sli_buf_free(gid), sli_buf_free(tail), sli_buf_free(validity);   \
    }
CHECK_MINMAX(i8, int8_t, ORDER_INT, SAME_INT)
CHECK_MINMAX(i16, int16_t, ORDER_INT, SAME_INT)
CHECK_MINMAX(i32, int32_t, ORDER_INT, SAME_INT)
CHECK_MINMAX(i64, int64_t, ORDER_INT, SAME_INT)
CHECK_MINMAX(f64, double, ORDER_F64, SAME_F64)

static void test_minmax(void **state)
{
    KT_FOR_EACH_VARIANT(agg, k)
    {
        check_minmax_i8(k);
        check_minmax_i16(k);
        check_minmax_i32(k);
        check_minmax_i64(k);
        check_minmax_f64(k);
    }
}

static void test_minmax_known(void **state)
{
    KT_FOR_EACH_VARIANT(agg, k)
    {
        const double f[] = {NAN, 3.0, -INFINITY, NAN};
        double mn = 0, mx = 0;
        uint8_t smn = 0, smx = 0;
        k->min_f64(&mn, &smn, NULL, f, NULL, NULL, 4);
        k->max_f64(&mx, &smx, NULL, f, NULL, NULL, 4);
        assert_true(smn && smx && mn == -INFINITY && isnan(mx));
        mn = 0, smn = 0;
        k->min_f64(&mn, &smn, NULL, f, NULL, NULL, 1); /* only NaN: min is NaN */
        assert_true(smn && isnan(mn));
        const int64_t w[] = {INT64_MIN, INT64_MAX};
        const uint8_t only_second = 0x2;
        int64_t imn = 0;
        uint8_t simn = 0;
        k->min_i64(&imn, &simn, NULL, w, &only_second, NULL, 2);
        assert_true(simn && imn == INT64_MAX);
        imn = 0, simn = 0;
        const uint8_t none = 0;
        k->min_i64(&imn, &simn, NULL, w, &none, NULL, 2); /* every row null: nothing seen */
        assert_true(!simn);
    }
}

/*
 * Global float64 min/max, bit for bit against the scalar reference: which NaN
 * (sign) and which zero (-0.0 or 0.0) a variant keeps depends on row order,
 * and SIMD variants must keep the reference's. Values come from a pool of
 * signed zeros, NaNs and infinities; the state starts seeded or not.
 */
static void test_minmax_f64_bits(void **state)
{
    static const double pool[] = {NAN, -NAN, 0.0, -0.0, 1.0, -1.0, INFINITY, -INFINITY};
    double *v = sli_buf_alloc(MAXN * 8);
    uint32_t *sel = sli_buf_alloc(MAXN * 4);
    uint8_t *validity = sli_buf_alloc(MAXN / 8 + 1);
    assert_true(v && sel && validity);
    const sl_agg_kernels *ref = sl_agg_variants[0].k;
    KT_FOR_EACH_VARIANT(agg, k)
    {
        for (size_t n = 0; n <= MAXN; n++) {
            for (int mode = 0; mode < KT_NMODES; mode++) {
                for (int nulls = 0; nulls < 2; nulls++) {
                    size_t m;
                    const uint32_t *s = kt_make_sel(mode, n, sel, &m);
                    kt_rand_bytes(validity, MAXN / 8 + 1);
                    unsigned npool = kt_rnd() % 2 ? 8 : 4; /* sometimes only NaNs and zeros */
                    for (size_t i = 0; i < n; i++) v[i] = pool[kt_rnd() % npool];
                    for (int mx = 0; mx < 2; mx++) {
                        double st[2] = {pool[kt_rnd() % 8], 0};
                        st[1] = st[0];
                        uint8_t seen[2];
                        seen[0] = seen[1] = (uint8_t)(kt_rnd() % 2);
                        const uint8_t *val = nulls ? validity : NULL;
                        if (mx) {
                            ref->max_f64(&st[0], &seen[0], NULL, v, val, s, m);
                            k->max_f64(&st[1], &seen[1], NULL, v, val, s, m);
                        } else {
                            ref->min_f64(&st[0], &seen[0], NULL, v, val, s, m);
                            k->min_f64(&st[1], &seen[1], NULL, v, val, s, m);
                        }
                        if (seen[0] != seen[1] || memcmp(&st[0], &st[1], 8) != 0)
                            fail_msg("%s %s_f64 n=%zu mode=%d nulls=%d: %g (seen %d), expected %g (seen %d)",
                                     kt_variant_name, mx ? "max" : "min", n, mode, nulls, st[1], seen[1],
                                     st[0], seen[0]);
                    }
                }
            }
        }
    }
    sli_buf_free(v), sli_buf_free(sel), sli_buf_free(validity);
}

static void test_select(void **state)
{
    KT_CHECK_SCALAR_SELECT(agg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select),    cmocka_unit_test(test_sum_known),
        cmocka_unit_test(test_sum_count), cmocka_unit_test(test_minmax_known),
        cmocka_unit_test(test_minmax),    cmocka_unit_test(test_minmax_f64_bits),
    };
    kt_seed(0x6a09e667f3bcc909ull);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
