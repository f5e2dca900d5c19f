/*
 * test_kernel_cast.c — tests of the conversion kernels (kernels/cast.h).
 *
 * Every variant this CPU runs is compared, for all 25 (from, to) pairs and the
 * decimal rescaling kernels, with oracles written here (long double and
 * __int128 range checks) on xorshift data with edge values (type limits,
 * values just inside and outside each range, x.5, NaN, infinities, -0.0), at
 * every length 0..130, dense and with random sparse selections. Rows outside
 * the selection must never be written.
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
#include "kernels/cast.h"
#include "kernels/isa.h"
#include "runtime/buffer.h"

#define MAXN 130

typedef __int128 i128;

/* ---- values held as long double, so every type's value fits exactly -------------------- */

static const size_t width[SL_P_COUNT] = {1, 2, 4, 8, 8};
static const long double lo[SL_P_I64 + 1] = {INT8_MIN, INT16_MIN, INT32_MIN, INT64_MIN};
static const long double hi[SL_P_I64 + 1] = {INT8_MAX, INT16_MAX, INT32_MAX, INT64_MAX};

static long double get(int t, const void *p, size_t i)
{
    switch (t) {
    case SL_P_I8: return ((const int8_t *)p)[i];
    case SL_P_I16: return ((const int16_t *)p)[i];
    case SL_P_I32: return ((const int32_t *)p)[i];
    case SL_P_I64: return ((const int64_t *)p)[i];
    default: return ((const double *)p)[i];
    }
}

/* Stores an integral value known to fit type t (f64: any value). */
static void put(int t, void *p, size_t i, long double v)
{
    switch (t) {
    case SL_P_I8: ((int8_t *)p)[i] = (int8_t)v; break;
    case SL_P_I16: ((int16_t *)p)[i] = (int16_t)v; break;
    case SL_P_I32: ((int32_t *)p)[i] = (int32_t)v; break;
    case SL_P_I64: ((int64_t *)p)[i] = (int64_t)v; break;
    default: ((double *)p)[i] = (double)v; break;
    }
}

/* A random value of type t, often at or near some type's limit. */
static long double rand_val(int t)
{
    long double v;
    switch (kt_rnd() % 5) {
    case 0: { /* a limit of some int type, nudged */
        int u = (int)(kt_rnd() % 4);
        v = (kt_rnd() % 2 ? lo[u] : hi[u]) + (long double)((int)(kt_rnd() % 3) - 1);
        if (t == SL_P_F64 && kt_rnd() % 2) v += kt_rnd() % 2 ? 0.5L : -0.5L;
        break;
    }
    case 1: v = (long double)((int)(kt_rnd() % 9) - 4); break;
    case 2:
        if (t == SL_P_F64) {
            static const double edge[] = {NAN,
                                          -NAN,
                                          INFINITY,
                                          -INFINITY,
                                          -0.0,
                                          0.5,
                                          -0.5,
                                          1.5,
                                          -1.5,
                                          0.999,
                                          9223372036854775808.0,
                                          -9223372036854775808.0,
                                          9223372036854774784.0,
                                          1e300,
                                          127.99,
                                          128.0,
                                          -128.99,
                                          -129.0,
                                          2147483647.5,
                                          -2147483648.9};
            return edge[kt_rnd() % (sizeof edge / sizeof edge[0])];
        }
        v = (long double)(int64_t)kt_rnd();
        break;
    default:
        v = t == SL_P_F64
                ? (long double)((double)(int64_t)kt_rnd() / (double)((uint64_t)1 << (kt_rnd() % 40)))
                : (long double)(int64_t)kt_rnd();
        break;
    }
    if (t == SL_P_F64) return (double)v;
    /* clamp into the type (wrapping would lose the edge) */
    if (v < lo[t]) v = lo[t];
    if (v > hi[t]) v = hi[t];
    return v;
}

/* @return 1 and *r = the converted value when v fits type `to`. */
static int oracle_conv(int from, int to, long double v, long double *r)
{
    if (to == SL_P_F64) {
        *r = (double)v; /* int -> double rounds like the C conversion */
        return 1;
    }
    if (isnan(v)) return 0;
    long double t = from == SL_P_F64 ? truncl(v) : v;
    if (t < lo[to] || t > hi[to]) return 0;
    *r = t;
    return 1;
}

static void test_matrix(void **state)
{
    unsigned char *in = sli_buf_alloc(MAXN * 8), *out = sli_buf_alloc(MAXN * 8),
                  *expv = sli_buf_alloc(MAXN * 8);
    unsigned char *sentinel = sli_buf_alloc(MAXN * 8);
    uint32_t *sel = sli_buf_alloc(MAXN * 4);
    uint8_t *insel = sli_buf_alloc(MAXN);
    assert_true(in && out && expv && sentinel && sel && insel);
    for (size_t i = 0; i < MAXN * 8; i++) sentinel[i] = (unsigned char)(0xa5 ^ i);
    size_t ok_runs = 0, ovf_runs = 0;
    KT_FOR_EACH_VARIANT(cast, k)
    {
        for (int from = 0; from < SL_P_COUNT; from++) {
            for (int to = 0; to < SL_P_COUNT; to++) {
                assert_non_null(k->cast[from][to]);
                for (size_t n = 0; n <= MAXN; n++) {
                    for (int mode = 0; mode < KT_NMODES; mode++) {
                        /* calm runs (small values: must succeed) and wild runs */
                        int wild = (int)(n + (size_t)mode) % 2;
                        for (size_t i = 0; i < n; i++)
                            put(from, in, i,
                                wild ? rand_val(from) : (long double)((int)(kt_rnd() % 200) - 100));
                        size_t m;
                        const uint32_t *s = kt_make_sel(mode, n, sel, &m);
                        kt_mark(s, m, n, insel);
                        sl_arith_rc exp_rc = SL_ARITH_OK;
                        memcpy(expv, sentinel, n * width[to]);
                        for (size_t r = 0; r < n; r++) {
                            long double cv;
                            if (!insel[r]) continue;
                            if (oracle_conv(from, to, get(from, in, r), &cv))
                                put(to, expv, r, cv);
                            else
                                exp_rc = SL_ARITH_OVERFLOW;
                        }
                        memcpy(out, sentinel, n * width[to]);
                        sl_arith_rc rc = k->cast[from][to](in, out, s, m);
                        if (rc != exp_rc)
                            fail_msg("cast %d->%d n=%zu mode=%d: rc %d, expected %d", from, to, n, mode, rc,
                                     exp_rc);
                        if (!wild && rc != SL_ARITH_OK) fail_msg("calm cast %d->%d failed", from, to);
                        ok_runs += rc == SL_ARITH_OK;
                        ovf_runs += rc == SL_ARITH_OVERFLOW;
                        for (size_t r = 0; r < n; r++) {
                            if (!insel[r] || rc == SL_ARITH_OK) {
                                /* unselected rows keep the sentinel; selected ones the oracle's value */
                                long double g = get(to, out, r), e = get(to, expv, r);
                                int same =
                                    memcmp(out + r * width[to], expv + r * width[to], width[to]) == 0 ||
                                    (to == SL_P_F64 && isnan(g) && isnan(e));
                                if (!same)
                                    fail_msg("cast %d->%d n=%zu mode=%d row %zu (in %Lg): %Lg, expected %Lg",
                                             from, to, n, mode, r, get(from, in, r), g, e);
                            }
                        }
                    }
                }
            }
        }
    }
    assert_true(ok_runs > 0 && ovf_runs > 0);
    sli_buf_free(in), sli_buf_free(out), sli_buf_free(expv), sli_buf_free(sentinel), sli_buf_free(sel);
    sli_buf_free(insel);
}

static void test_matrix_known(void **state)
{
    KT_FOR_EACH_VARIANT(cast, k)
    {
        int64_t o64[4];
        int8_t o8[4];
        const double d[] = {-1.9, 1.9, -0.0, 9223372036854774784.0};
        assert_int_equal(k->cast[SL_P_F64][SL_P_I64](d, o64, NULL, 4), SL_ARITH_OK);
        assert_true(o64[0] == -1 && o64[1] == 1 && o64[2] == 0 && o64[3] == 9223372036854774784LL);
        const double big[] = {9223372036854775808.0, NAN, -9223372036854775808.0};
        assert_int_equal(k->cast[SL_P_F64][SL_P_I64](big, o64, NULL, 1), SL_ARITH_OVERFLOW);
        assert_int_equal(k->cast[SL_P_F64][SL_P_I64](big + 1, o64, NULL, 1), SL_ARITH_OVERFLOW);
        assert_int_equal(k->cast[SL_P_F64][SL_P_I64](big + 2, o64, NULL, 1), SL_ARITH_OK);
        assert_true(o64[0] == INT64_MIN);
        const double e8[] = {127.99, -128.99, 128.0};
        assert_int_equal(k->cast[SL_P_F64][SL_P_I8](e8, o8, NULL, 2), SL_ARITH_OK);
        assert_true(o8[0] == 127 && o8[1] == -128);
        assert_int_equal(k->cast[SL_P_F64][SL_P_I8](e8, o8, NULL, 3), SL_ARITH_OVERFLOW);
        const int64_t w[] = {127, 128, -128, -129};
        const uint32_t ok_rows[] = {0, 2};
        assert_int_equal(k->cast[SL_P_I64][SL_P_I8](w, o8, ok_rows, 2), SL_ARITH_OK);
        assert_true(o8[0] == 127 && o8[2] == -128);
        assert_int_equal(k->cast[SL_P_I64][SL_P_I8](w, o8, NULL, 4), SL_ARITH_OVERFLOW);
    }
}

/* ---- decimal rescaling ------------------------------------------------------------------ */

static int64_t rand_i64(void)
{
    static const int64_t edge[] = {INT64_MIN, INT64_MAX, 0,   -1, 1,   5,
                                   -5,        15,        -15, 25, -25, 999999999999999999LL};
    switch (kt_rnd() % 3) {
    case 0: return edge[kt_rnd() % (sizeof edge / sizeof edge[0])];
    case 1: return (int64_t)(kt_rnd() % 2001) - 1000;
    default: return (int64_t)kt_rnd() >> (kt_rnd() % 64);
    }
}

static void test_scale(void **state)
{
    static const int64_t factors[] = {1,  -1,        2,         10, 100, 1000000000, 1000000000000000000LL,
                                      -7, INT64_MAX, INT64_MIN, 0};
    static const double ffactors[] = {1.0, 100.0, 0.01, 1e18, -1e3, 1e-300};
    int64_t *a = sli_buf_alloc(MAXN * 8), *out = sli_buf_alloc(MAXN * 8), *expv = sli_buf_alloc(MAXN * 8);
    double *d = sli_buf_alloc(MAXN * 8), *dout = sli_buf_alloc(MAXN * 8);
    uint32_t *sel = sli_buf_alloc(MAXN * 4);
    uint8_t *in = sli_buf_alloc(MAXN);
    assert_true(a && out && expv && d && dout && sel && in);
    const int64_t sentinel = 0x1234567812345678LL;
    KT_FOR_EACH_VARIANT(cast, k)
    {
        for (size_t n = 0; n <= MAXN; n++) {
            for (int mode = 0; mode < KT_NMODES; mode++) {
                for (size_t i = 0; i < n; i++) {
                    a[i] = rand_i64();
                    static const double dedge[] = {NAN,  INFINITY, -INFINITY, -0.0, 0.5,
                                                   -0.5, 2.5,      -2.5,      1e17, 1e19};
                    d[i] = kt_rnd() % 4 == 0 ? dedge[kt_rnd() % 10] : (double)(int64_t)kt_rnd() / 1e6;
                }
                size_t m;
                const uint32_t *s = kt_make_sel(mode, n, sel, &m);
                kt_mark(s, m, n, in);
                for (size_t fi = 0; fi < sizeof factors / sizeof factors[0]; fi++) {
                    int64_t f = factors[fi];
                    for (int which = 0; which < 2; which++) { /* scale_up, scale_down */
                        sl_arith_rc exp_rc = SL_ARITH_OK;
                        if (which == 1 && f == 0 && m > 0) exp_rc = SL_ARITH_DIV_ZERO;
                        for (size_t r = 0; r < n && exp_rc != SL_ARITH_DIV_ZERO; r++) {
                            if (!in[r]) continue;
                            i128 e;
                            if (which == 0) {
                                e = (i128)a[r] * f;
                            } else {
                                if (f == 0) break;
                                i128 q = (i128)a[r] / f, rem = (i128)a[r] % f;
                                i128 twice = 2 * (rem < 0 ? -rem : rem), af = f < 0 ? -(i128)f : (i128)f;
                                e = q + (twice >= af ? (((a[r] < 0) == (f < 0)) ? 1 : -1) : 0);
                            }
                            if (e < INT64_MIN || e > INT64_MAX)
                                exp_rc = SL_ARITH_OVERFLOW;
                            else
                                expv[r] = (int64_t)e;
                        }
                        for (size_t i = 0; i < n; i++) out[i] = sentinel;
                        sl_arith_rc rc =
                            which == 0 ? k->scale_up(a, f, out, s, m) : k->scale_down(a, f, out, s, m);
                        if (rc != exp_rc)
                            fail_msg("scale %d f=%lld n=%zu: rc %d, expected %d", which, (long long)f, n, rc,
                                     exp_rc);
                        for (size_t r = 0; r < n; r++) {
                            if (!in[r] && out[r] != sentinel)
                                fail_msg("scale %d: unselected row written", which);
                            if (in[r] && rc == SL_ARITH_OK && out[r] != expv[r])
                                fail_msg("scale %d: %lld by %lld gave %lld, expected %lld", which,
                                         (long long)a[r], (long long)f, (long long)out[r],
                                         (long long)expv[r]);
                        }
                    }
                }
                for (size_t fi = 0; fi < sizeof ffactors / sizeof ffactors[0]; fi++) {
                    double f = ffactors[fi];
                    /* unscale: (double)a / f */
                    for (size_t i = 0; i < n; i++) dout[i] = 42.0;
                    assert_int_equal(k->unscale_f64(a, f, dout, s, m), SL_ARITH_OK);
                    for (size_t r = 0; r < n; r++) {
                        double e = in[r] ? (double)a[r] / f : 42.0;
                        if (memcmp(&e, &dout[r], 8) != 0)
                            fail_msg("unscale row %zu: %g, expected %g", r, dout[r], e);
                    }
                    /* scale_f64: llround(d * f) when |result| < 10^18 */
                    sl_arith_rc exp_rc = SL_ARITH_OK;
                    for (size_t r = 0; r < n; r++) {
                        if (!in[r]) continue;
                        double p = d[r] * f;
                        if (isnan(p) || fabs(p) >= 9e18) {
                            exp_rc = SL_ARITH_OVERFLOW;
                            continue;
                        }
                        long long q = llround(p);
                        if (q >= 1000000000000000000LL || q <= -1000000000000000000LL)
                            exp_rc = SL_ARITH_OVERFLOW;
                        else
                            expv[r] = q;
                    }
                    for (size_t i = 0; i < n; i++) out[i] = sentinel;
                    sl_arith_rc rc = k->scale_f64(d, f, out, s, m);
                    if (rc != exp_rc) fail_msg("scale_f64 f=%g n=%zu: rc %d, expected %d", f, n, rc, exp_rc);
                    for (size_t r = 0; r < n; r++) {
                        if (!in[r] && out[r] != sentinel) fail_msg("scale_f64: unselected row written");
                        if (in[r] && rc == SL_ARITH_OK && out[r] != expv[r])
                            fail_msg("scale_f64: %g * %g gave %lld, expected %lld", d[r], f,
                                     (long long)out[r], (long long)expv[r]);
                    }
                }
            }
        }
        /* known answers */
        const int64_t x[] = {15, -15, 14, -25, 922337203685477580LL};
        int64_t o[5];
        assert_int_equal(k->scale_down(x, 10, o, NULL, 4), SL_ARITH_OK);
        assert_true(o[0] == 2 && o[1] == -2 && o[2] == 1 && o[3] == -3);
        assert_int_equal(k->scale_up(x + 4, 10, o, NULL, 1), SL_ARITH_OK);
        assert_true(o[0] == 9223372036854775800LL);
        assert_int_equal(k->scale_up(x + 4, 11, o, NULL, 1), SL_ARITH_OVERFLOW);
        assert_int_equal(k->scale_up(x + 4, -10, o, NULL, 1), SL_ARITH_OK);
        assert_true(o[0] == -9223372036854775800LL);
        const double y[] = {0.125, -2.5, 1e18, 999999999999999872.0};
        assert_int_equal(k->scale_f64(y, 100.0, o, NULL, 2), SL_ARITH_OK);
        assert_true(o[0] == 13 && o[1] == -250);
        assert_int_equal(k->scale_f64(y + 2, 1.0, o, NULL, 1), SL_ARITH_OVERFLOW);
        assert_int_equal(k->scale_f64(y + 3, 1.0, o, NULL, 1), SL_ARITH_OK);
        assert_int_equal(o[0], 999999999999999872LL);
    }
    sli_buf_free(a), sli_buf_free(out), sli_buf_free(expv), sli_buf_free(d), sli_buf_free(dout);
    sli_buf_free(sel), sli_buf_free(in);
}

static void test_select(void **state)
{
    KT_CHECK_SCALAR_SELECT(cast);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_matrix_known),
        cmocka_unit_test(test_matrix),
        cmocka_unit_test(test_scale),
    };
    kt_seed(0x853c49e6748fea9bull);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
