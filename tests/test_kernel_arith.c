/*
 * test_kernel_arith.c — tests of the arithmetic kernels (kernels/arith.h).
 *
 * Every variant this CPU runs is compared with oracles written here in
 * __int128 (exact results, so overflow is a range check) on xorshift data, at
 * every length 0..130, at data offsets 0..2, dense and with random sparse
 * selections. Two data regimes: "safe" values that never fail (every output is
 * checked) and "edgy" values (INT64_MIN/MAX, 0, -1, NaN, -0.0, inf) where the
 * return code must match and outputs are checked when it is SL_ARITH_OK.
 * Rows outside the selection must never be written. A third regime bounds the
 * operands of each call near the limits of the multiply's fast path (the
 * bit lengths of max |a| and max |b| summing to 59..66, with -2^k, 2^k,
 * 2^k - 1 and INT64_MIN among the values), so that both its unchecked pass
 * and its checked fallback run, with and without overflow.
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
#include "kernels/arith.h"
#include "kernels/isa.h"
#include "runtime/buffer.h"

#define MAXN         130
#define SENTINEL_I64 ((int64_t)0x5a5a5a5a5a5a5a5aull)

typedef __int128 i128;

static int64_t rand_safe(void)
{
    return (int64_t)(kt_rnd() % (1u << 30)) - (1 << 29);
}

static int64_t rand_edgy(void)
{
    static const int64_t edge[] = {INT64_MIN,           INT64_MAX,     0,          -1, 1,
                                   INT64_MIN + 1,       INT64_MAX - 1, 2,          -2, (int64_t)1 << 32,
                                   -((int64_t)1 << 32), 3037000500,    -3037000500};
    return kt_rand_edgy_i64(edge, sizeof edge / sizeof edge[0]);
}

/* ---- int64 oracles ------------------------------------------------------------------- */

static int fits64(i128 v)
{
    return v >= INT64_MIN && v <= INT64_MAX;
}

/* @return the status for one row; *r receives the exact result when OK. */
static sl_arith_rc oracle_i64(int op, int64_t x, int64_t y, int64_t *r)
{
    i128 v;
    switch (op) {
    case SL_ARITH_ADD: v = (i128)x + y; break;
    case SL_ARITH_SUB: v = (i128)x - y; break;
    case SL_ARITH_MUL: v = (i128)x * y; break;
    case SL_ARITH_DIV:
        if (y == 0) return SL_ARITH_DIV_ZERO;
        v = (i128)x / y; /* C division truncates toward zero */
        break;
    default:
        if (y == 0) return SL_ARITH_DIV_ZERO;
        v = (i128)x - ((i128)x / y) * y; /* sign of the dividend */
        break;
    }
    if (!fits64(v)) return SL_ARITH_OVERFLOW;
    *r = (int64_t)v;
    return SL_ARITH_OK;
}

/* round_half_away(x * 10^shift / y), straightforwardly; |shift| <= 18. */
static sl_arith_rc oracle_div_scaled(int64_t x, int64_t y, int shift, int64_t *r)
{
    if (y == 0) return SL_ARITH_DIV_ZERO;
    i128 p = 1;
    for (int i = 0; i < (shift < 0 ? -shift : shift); i++) p *= 10;
    i128 num = shift >= 0 ? (i128)x * p : (i128)x;
    i128 den = shift >= 0 ? (i128)y : (i128)y * p;
    i128 q = num / den, rem = num % den;
    i128 twice = 2 * (rem < 0 ? -rem : rem);
    if (twice >= (den < 0 ? -den : den)) q += ((num < 0) == (den < 0)) ? 1 : -1;
    if (!fits64(q)) return SL_ARITH_OVERFLOW;
    *r = (int64_t)q;
    return SL_ARITH_OK;
}

/* Runs op over one case and checks rc, outputs and untouched rows. */
static void check_i64_case(const sl_arith_kernels *k, int op, int shift, const int64_t *a, const int64_t *b,
                           const uint32_t *s, size_t m, size_t n, int64_t *out, int64_t *expv, uint8_t *in,
                           const char *what)
{
    sl_arith_rc exp_rc = SL_ARITH_OK;
    for (size_t i = 0; i < m && exp_rc == SL_ARITH_OK; i++) {
        uint32_t row = s ? s[i] : (uint32_t)i;
        if (op < 0)
            exp_rc = oracle_div_scaled(a[row], b[row], shift, &expv[row]);
        else if (op == SL_ARITH_OP_COUNT) /* negation */
            exp_rc = oracle_i64(SL_ARITH_SUB, 0, a[row], &expv[row]);
        else
            exp_rc = oracle_i64(op, a[row], b[row], &expv[row]);
    }
    for (size_t i = 0; i < n; i++) out[i] = SENTINEL_I64;
    sl_arith_rc rc;
    if (op < 0)
        rc = k->div_scaled_i64(a, b, shift, out, s, m);
    else if (op == SL_ARITH_OP_COUNT)
        rc = k->neg_i64(a, out, s, m);
    else
        rc = k->i64[op](a, b, out, s, m);
    /* add/sub/mul/neg report overflow wherever it is; div/mod report the first problem */
    if (rc != exp_rc)
        fail_msg("%s op=%d n=%zu m=%zu shift=%d: rc %d, expected %d", what, op, n, m, shift, rc, exp_rc);
    kt_mark(s, m, n, in);
    for (size_t r = 0; r < n; r++) {
        if (!in[r] && out[r] != SENTINEL_I64)
            fail_msg("%s op=%d n=%zu: unselected row %zu written", what, op, n, r);
        if (in[r] && rc == SL_ARITH_OK && out[r] != expv[r])
            fail_msg("%s op=%d n=%zu row %zu: %lld op %lld = %lld, expected %lld", what, op, n, r,
                     (long long)a[r], b ? (long long)b[r] : 0LL, (long long)out[r], (long long)expv[r]);
    }
}

static void test_i64(void **state)
{
    int64_t *a = sli_buf_alloc((MAXN + 3) * 8), *b = sli_buf_alloc((MAXN + 3) * 8);
    int64_t *out = sli_buf_alloc(MAXN * 8), *expv = sli_buf_alloc(MAXN * 8);
    uint32_t *sel = sli_buf_alloc(MAXN * 4);
    uint8_t *in = sli_buf_alloc(MAXN);
    assert_true(a && b && out && expv && sel && in);
    size_t seen_ok = 0, seen_ovf = 0, seen_dz = 0;
    KT_FOR_EACH_VARIANT(arith, k)
    {
        for (size_t n = 0; n <= MAXN; n++) {
            for (int mode = 0; mode < KT_NMODES; mode++) {
                for (size_t off = 0; off < 3; off++) {
                    for (int edgy = 0; edgy < 2; edgy++) {
                        for (size_t i = 0; i < n + off; i++) {
                            a[i] = edgy ? rand_edgy() : rand_safe();
                            b[i] = edgy ? rand_edgy() : rand_safe();
                            if (!edgy && b[i] == 0) b[i] = 7; /* safe: no zero divisors */
                        }
                        size_t m;
                        const uint32_t *s = kt_make_sel(mode, n, sel, &m);
                        /* ops 0..4, then negation (OP_COUNT), then div_scaled (-1) */
                        for (int op = -1; op <= SL_ARITH_OP_COUNT; op++) {
                            int shift = op < 0 ? (int)(kt_rnd() % 37) - 18 : 0;
                            if (!edgy && shift > 9) shift = 9; /* safe values times 10^9 still fit */
                            check_i64_case(k, op, shift, a + off, b + off, s, m, n, out, expv, in,
                                           edgy ? "i64 edgy" : "i64 safe");
                        }
                        if (edgy && m > 0) {
                            sl_arith_rc rc = k->i64[SL_ARITH_DIV](a + off, b + off, out, s, m);
                            seen_ok += rc == SL_ARITH_OK;
                            seen_ovf += rc == SL_ARITH_OVERFLOW;
                            seen_dz += rc == SL_ARITH_DIV_ZERO;
                        }
                    }
                }
            }
        }
    }
    /* the edgy data reaches every outcome */
    assert_true(seen_ok > 0 && seen_ovf > 0 && seen_dz > 0);
    sli_buf_free(a), sli_buf_free(b), sli_buf_free(out), sli_buf_free(expv), sli_buf_free(sel),
        sli_buf_free(in);
}

/* Hand-written cases with known answers. */
static void test_i64_known(void **state)
{
    KT_FOR_EACH_VARIANT(arith, k)
    {
        int64_t out[4];
        {
            const int64_t a[] = {7, -7, 7, -7}, b[] = {2, 2, -2, -2};
            assert_int_equal(k->i64[SL_ARITH_DIV](a, b, out, NULL, 4), SL_ARITH_OK);
            assert_true(out[0] == 3 && out[1] == -3 && out[2] == -3 && out[3] == 3);
            assert_int_equal(k->i64[SL_ARITH_MOD](a, b, out, NULL, 4), SL_ARITH_OK);
            assert_true(out[0] == 1 && out[1] == -1 && out[2] == 1 && out[3] == -1);
        }
        {
            const int64_t a[] = {INT64_MIN, 1}, b[] = {-1, 0};
            assert_int_equal(k->i64[SL_ARITH_DIV](a, b, out, NULL, 2), SL_ARITH_OVERFLOW); /* first problem */
            assert_int_equal(k->i64[SL_ARITH_DIV](a + 1, b + 1, out, NULL, 1), SL_ARITH_DIV_ZERO);
            assert_int_equal(k->i64[SL_ARITH_MOD](a, b, out, NULL, 1), SL_ARITH_OK);
            assert_int_equal(out[0], 0);
            assert_int_equal(k->neg_i64(a, out, NULL, 1), SL_ARITH_OVERFLOW);
            assert_int_equal(k->i64[SL_ARITH_ADD](a, b, out, NULL, 1), SL_ARITH_OVERFLOW);
            const int64_t c[] = {INT64_MAX, INT64_MIN}, d[] = {1, 1};
            assert_int_equal(k->i64[SL_ARITH_ADD](c, d, out, NULL, 1), SL_ARITH_OVERFLOW);
            assert_int_equal(k->i64[SL_ARITH_SUB](c + 1, d, out, NULL, 1), SL_ARITH_OVERFLOW);
            assert_int_equal(k->i64[SL_ARITH_SUB](c, d, out, NULL, 1), SL_ARITH_OK);
            assert_int_equal(out[0], INT64_MAX - 1);
            const uint32_t sel[] = {1}; /* the overflowing row 0 is not selected */
            assert_int_equal(k->i64[SL_ARITH_ADD](c, d, out, sel, 1), SL_ARITH_OK);
            assert_int_equal(out[1], INT64_MIN + 1);
        }
        {
            /* decimal division: 1/3 -> 0.33, 2/3 -> 0.67, -1/2 -> -1, 5/2 -> 3, -5/2 -> -3, 1.5 (scale 1) / 1
             */
            const int64_t a[] = {1, 2, -1, 5}, b[] = {3, 3, 2, 2};
            assert_int_equal(k->div_scaled_i64(a, b, 2, out, NULL, 4), SL_ARITH_OK);
            assert_true(out[0] == 33 && out[1] == 67 && out[2] == -50 && out[3] == 250);
            assert_int_equal(k->div_scaled_i64(a, b, 0, out, NULL, 4), SL_ARITH_OK);
            assert_true(out[0] == 0 && out[1] == 1 && out[2] == -1 && out[3] == 3);
            const int64_t e[] = {-5}, f[] = {2};
            assert_int_equal(k->div_scaled_i64(e, f, 0, out, NULL, 1), SL_ARITH_OK);
            assert_int_equal(out[0], -3);
            assert_int_equal(k->div_scaled_i64(e, f, -1, out, NULL, 1), SL_ARITH_OK); /* -0.25 -> 0 */
            assert_int_equal(out[0], 0);
            const int64_t g[] = {15}, h[] = {1};
            assert_int_equal(k->div_scaled_i64(g, h, -1, out, NULL, 1), SL_ARITH_OK); /* 1.5 -> 2 */
            assert_int_equal(out[0], 2);
            const int64_t big[] = {INT64_MAX, 0, 1}, one[] = {1, 1, 1};
            assert_int_equal(k->div_scaled_i64(big, one, 1, out, NULL, 1), SL_ARITH_OVERFLOW);
            assert_int_equal(k->div_scaled_i64(big + 1, one, 40, out, NULL, 1), SL_ARITH_OK); /* 0 * 10^40 */
            assert_int_equal(out[0], 0);
            assert_int_equal(k->div_scaled_i64(big + 2, one, 40, out, NULL, 1), SL_ARITH_OVERFLOW);
            assert_int_equal(k->div_scaled_i64(big + 2, one, 38, out, NULL, 1), SL_ARITH_OVERFLOW);
            assert_int_equal(k->div_scaled_i64(big, one, -40, out, NULL, 1), SL_ARITH_OK);
            assert_int_equal(out[0], 0);
            assert_int_equal(k->div_scaled_i64(big, one + 1, 18, out, NULL, 1), SL_ARITH_OVERFLOW);
            const int64_t z[] = {0};
            assert_int_equal(k->div_scaled_i64(big + 1, z, 2, out, NULL, 1), SL_ARITH_DIV_ZERO);
            /* exactly at the int64 limit after rounding */
            const int64_t lim[] = {INT64_MAX}, lim_b[] = {10};
            assert_int_equal(k->div_scaled_i64(lim, lim_b, 1, out, NULL, 1), SL_ARITH_OK);
            assert_int_equal(out[0], INT64_MAX);
            const int64_t mn[] = {INT64_MIN}, m1[] = {-1};
            assert_int_equal(k->div_scaled_i64(mn, m1, 0, out, NULL, 1), SL_ARITH_OVERFLOW);
        }
    }
}

/* ---- int64 operands near the multiply's bounds ---------------------------------------- */

/* The multiply's magnitude word: |x| for x >= 0, |x| - 1 below. */
static uint64_t mag(int64_t x)
{
    return x < 0 ? (uint64_t) - (x + 1) : (uint64_t)x;
}

static unsigned bits(uint64_t w)
{
    unsigned k = 0;
    while (k < 64 && (w >> k) != 0) k++;
    return k;
}

/* @return a value with |x| <= 2^k, k <= 63, often at the edge: -2^k, 2^k
 * (when it fits), 2^k - 1, 1 - 2^k, or random magnitudes below 2^k. */
static int64_t rand_bounded(unsigned k)
{
    uint64_t p = (uint64_t)1 << k;
    uint64_t r = kt_rnd() & (p - 1);
    switch (kt_rnd() % 6) {
    case 0: return k == 63 ? INT64_MIN : -(int64_t)p;
    case 1: return k == 63 ? INT64_MAX : (int64_t)p;
    case 2: return (int64_t)(p - 1);
    case 3: return -(int64_t)(p - 1);
    case 4: return -(int64_t)r;
    default: return (int64_t)r;
    }
}

/*
 * Each case draws bit lengths la and lb with la + lb in 59..64 and fills
 * a and b under them, then checks add, sub and mul against the oracle. The
 * dense multiplies are counted by the path the operands send them to
 * (bits(OR of mag(a))) + bits(OR of mag(b)) <= 62: the unchecked pass stands)
 * and by outcome; every path and outcome must be reached.
 */
static void test_i64_bounds(void **state)
{
    int64_t *a = sli_buf_alloc((MAXN + 3) * 8), *b = sli_buf_alloc((MAXN + 3) * 8);
    int64_t *out = sli_buf_alloc(MAXN * 8), *expv = sli_buf_alloc(MAXN * 8);
    uint32_t *sel = sli_buf_alloc(MAXN * 4);
    uint8_t *in = sli_buf_alloc(MAXN);
    assert_true(a && b && out && expv && sel && in);
    size_t fast = 0, checked_ok = 0, checked_ovf = 0;
    KT_FOR_EACH_VARIANT(arith, k)
    {
        for (size_t n = 0; n <= MAXN; n++) {
            for (int mode = 0; mode < KT_NMODES; mode++) {
                for (size_t off = 0; off < 3; off++) {
                    unsigned la = (unsigned)(kt_rnd() % 64);
                    int lbs = 59 + (int)(kt_rnd() % 6) - (int)la;
                    unsigned lb = lbs < 0 ? 0 : lbs > 63 ? 63 : (unsigned)lbs;
                    for (size_t i = 0; i < n + off; i++) {
                        a[i] = rand_bounded(la);
                        b[i] = rand_bounded(lb);
                    }
                    if (kt_rnd() % 2 && n > 0) { /* mixed signs: swap some signs of b */
                        size_t r = off + kt_rnd() % n;
                        b[r] = b[r] == INT64_MIN ? INT64_MAX : -b[r];
                    }
                    size_t m;
                    const uint32_t *s = kt_make_sel(mode, n, sel, &m);
                    for (int op = SL_ARITH_ADD; op <= SL_ARITH_MUL; op++)
                        check_i64_case(k, op, 0, a + off, b + off, s, m, n, out, expv, in, "i64 bounds");
                    if (s || m == 0) continue;
                    uint64_t ma = 0, mb = 0;
                    for (size_t i = 0; i < m; i++) ma |= mag(a[off + i]), mb |= mag(b[off + i]);
                    sl_arith_rc rc = k->i64[SL_ARITH_MUL](a + off, b + off, out, NULL, m);
                    if (bits(ma) + bits(mb) <= 62) {
                        assert_int_equal(rc, SL_ARITH_OK); /* the bounds prove it */
                        fast++;
                    } else {
                        checked_ok += rc == SL_ARITH_OK;
                        checked_ovf += rc == SL_ARITH_OVERFLOW;
                    }
                }
            }
        }
    }
    assert_true(fast > 100 && checked_ok > 100 && checked_ovf > 100);
    sli_buf_free(a), sli_buf_free(b), sli_buf_free(out), sli_buf_free(expv), sli_buf_free(sel),
        sli_buf_free(in);
}

/* ---- a * (k +- b) ------------------------------------------------------------------- */

/* Runs mul_lin_i64 over one case against the exact two-step result
 * (k +- b, then the product; overflow of either step is an overflow).
 * @return the status it returned. */
static sl_arith_rc check_lin_case(const sl_arith_kernels *k, const int64_t *a, const int64_t *b, int64_t c,
                                  bool neg, const uint32_t *s, size_t m, size_t n, int64_t *out,
                                  int64_t *expv, uint8_t *in, const char *what)
{
    sl_arith_rc exp_rc = SL_ARITH_OK;
    for (size_t i = 0; i < m && exp_rc == SL_ARITH_OK; i++) {
        uint32_t row = s ? s[i] : (uint32_t)i;
        int64_t t;
        exp_rc = oracle_i64(neg ? SL_ARITH_SUB : SL_ARITH_ADD, c, b[row], &t);
        if (exp_rc == SL_ARITH_OK) exp_rc = oracle_i64(SL_ARITH_MUL, a[row], t, &expv[row]);
    }
    for (size_t i = 0; i < n; i++) out[i] = SENTINEL_I64;
    sl_arith_rc rc = k->mul_lin_i64(a, b, c, neg, out, s, m);
    if (rc != exp_rc)
        fail_msg("%s k=%lld neg=%d n=%zu m=%zu: rc %d, expected %d", what, (long long)c, neg, n, m, rc,
                 exp_rc);
    kt_mark(s, m, n, in);
    for (size_t r = 0; r < n; r++) {
        if (!in[r] && out[r] != SENTINEL_I64) fail_msg("%s n=%zu: unselected row %zu written", what, n, r);
        if (in[r] && rc == SL_ARITH_OK && out[r] != expv[r])
            fail_msg("%s row %zu: %lld * (%lld %c %lld) = %lld, expected %lld", what, r, (long long)a[r],
                     (long long)c, neg ? '-' : '+', (long long)b[r], (long long)out[r], (long long)expv[r]);
    }
    return rc;
}

/* Every variant on safe values (every output checked), edgy ones (INT64_MIN,
 * MAX, ... in a, b and k), and operands bounded near the limits of the two
 * fast paths: |a| and |k +- b| within 2^31 (32-bit products), and bit
 * lengths summing to 59..66 (64-bit products, or the checked loop). */
static void test_mul_lin(void **state)
{
    (void)state;
    int64_t *a = sli_buf_alloc((MAXN + 3) * 8), *b = sli_buf_alloc((MAXN + 3) * 8);
    int64_t *out = sli_buf_alloc(MAXN * 8), *expv = sli_buf_alloc(MAXN * 8);
    uint32_t *sel = sli_buf_alloc(MAXN * 4);
    uint8_t *in = sli_buf_alloc(MAXN);
    assert_true(a && b && out && expv && sel && in);
    size_t seen[2] = {0, 0};
    KT_FOR_EACH_VARIANT(arith, k)
    {
        for (size_t n = 0; n <= MAXN; n++)
            for (int mode = 0; mode < KT_NMODES; mode++)
                for (size_t off = 0; off < 3; off++)
                    for (int regime = 0; regime < 4; regime++) {
                        /* 0 safe, 1 edgy, 2 near 2^31, 3 near 2^62 */
                        unsigned la = regime == 2 ? 29 + (unsigned)(kt_rnd() % 4) : (unsigned)(kt_rnd() % 64);
                        int lbs = 59 + (int)(kt_rnd() % 8) - (int)la;
                        unsigned lb = regime == 2 ? 29 + (unsigned)(kt_rnd() % 4)
                                                  : (lbs < 0    ? 0
                                                     : lbs > 62 ? 62
                                                                : (unsigned)lbs);
                        int64_t c = regime == 1   ? rand_edgy()
                                    : regime == 0 ? rand_safe()
                                                  : (int64_t)(kt_rnd() % 201) - 100;
                        for (size_t i = 0; i < n + off; i++) {
                            a[i] = regime == 0 ? rand_safe() : regime == 1 ? rand_edgy() : rand_bounded(la);
                            b[i] = regime == 0 ? rand_safe() : regime == 1 ? rand_edgy() : rand_bounded(lb);
                        }
                        size_t m;
                        const uint32_t *s = kt_make_sel(mode, n, sel, &m);
                        for (int neg = 0; neg < 2; neg++) {
                            sl_arith_rc rc =
                                check_lin_case(k, a + off, b + off, c, neg, s, m, n, out, expv, in,
                                               regime == 0 ? "lin safe" : "lin edgy/bounded");
                            if (m > 0) seen[rc == SL_ARITH_OK]++;
                        }
                    }
    }
    assert_true(seen[0] > 100 && seen[1] > 100); /* both outcomes reached */
    sli_buf_free(a), sli_buf_free(b), sli_buf_free(out), sli_buf_free(expv), sli_buf_free(sel),
        sli_buf_free(in);
}

/* Multiplies with known answers at the edges of the fast path's bounds. */
static void test_mul_known(void **state)
{
    const int64_t p31 = (int64_t)1 << 31, p62 = (int64_t)1 << 62;
    KT_FOR_EACH_VARIANT(arith, k)
    {
        int64_t out[8];
        {
            /* bit lengths 31 + 31: unchecked; (-2^31)^2 = 2^62 */
            const int64_t a[] = {-p31, p31 - 1, -p31, 0}, b[] = {-p31, p31 - 1, p31 - 1, -p31};
            assert_int_equal(k->i64[SL_ARITH_MUL](a, b, out, NULL, 4), SL_ARITH_OK);
            assert_true(out[0] == p62 && out[1] == (p31 - 1) * (p31 - 1) && out[2] == -p31 * (p31 - 1) &&
                        out[3] == 0);
        }
        {
            /* bit lengths 32 + 31 = 63: checked; 2^31 * -2^31 = -2^62, -2^32 * 2^31 = -2^63 fits */
            const int64_t a[] = {p31, -2 * p31}, b[] = {-p31, p31};
            assert_int_equal(k->i64[SL_ARITH_MUL](a, b, out, NULL, 2), SL_ARITH_OK);
            assert_true(out[0] == -p62 && out[1] == INT64_MIN);
            /* -2^32 * -2^31 = 2^63 does not */
            const int64_t c[] = {-p31}, d[] = {-2 * p31};
            assert_int_equal(k->i64[SL_ARITH_MUL](c, d, out, NULL, 1), SL_ARITH_OVERFLOW);
        }
        {
            /* INT64_MIN: * 1 and * 0 fit, * -1 overflows */
            const int64_t a[] = {INT64_MIN, INT64_MIN, INT64_MIN}, b[] = {1, 0, -1};
            assert_int_equal(k->i64[SL_ARITH_MUL](a, b, out, NULL, 2), SL_ARITH_OK);
            assert_true(out[0] == INT64_MIN && out[1] == 0);
            assert_int_equal(k->i64[SL_ARITH_MUL](a, b, out, NULL, 3), SL_ARITH_OVERFLOW);
        }
        {
            /* small rows and one overflowing last row: the unchecked pass must not stand */
            int64_t a[8], b[8];
            for (int i = 0; i < 8; i++) a[i] = i - 4, b[i] = 3 - i;
            a[7] = p62, b[7] = 2;
            assert_int_equal(k->i64[SL_ARITH_MUL](a, b, out, NULL, 8), SL_ARITH_OVERFLOW);
            assert_int_equal(k->i64[SL_ARITH_MUL](a, b, out, NULL, 7), SL_ARITH_OK);
            for (int i = 0; i < 7; i++) assert_true(out[i] == (int64_t)(i - 4) * (3 - i));
            /* the same rows selected without the last: OK */
            const uint32_t sel[] = {0, 3, 6};
            assert_int_equal(k->i64[SL_ARITH_MUL](a, b, out, sel, 3), SL_ARITH_OK);
            assert_true(out[0] == -12 && out[3] == 0 && out[6] == -6);
        }
    }
}

/* ---- float64 ---------------------------------------------------------------------------- */

static double rand_f64(void)
{
    static const double edge[] = {NAN, -0.0, 0.0, INFINITY, -INFINITY, 1.0, -1.0, 1e308, -1e308, 5e-324};
    return kt_rand_edgy_f64(edge, sizeof edge / sizeof edge[0], 4);
}

/* Same value: identical bits, or both NaN. */
static int same_f64(double x, double y)
{
    if (isnan(x) || isnan(y)) return isnan(x) && isnan(y);
    return memcmp(&x, &y, sizeof x) == 0;
}

static double oracle_f64(int op, double x, double y)
{
    switch (op) {
    case SL_ARITH_ADD: return x + y;
    case SL_ARITH_SUB: return x - y;
    case SL_ARITH_MUL: return x * y;
    case SL_ARITH_DIV: return x / y;
    case SL_ARITH_MOD: return fmod(x, y);
    default: return -x;
    }
}

static void test_f64(void **state)
{
    double *a = sli_buf_alloc((MAXN + 3) * 8), *b = sli_buf_alloc((MAXN + 3) * 8),
           *out = sli_buf_alloc(MAXN * 8);
    uint32_t *sel = sli_buf_alloc(MAXN * 4);
    uint8_t *in = sli_buf_alloc(MAXN);
    assert_true(a && b && out && sel && in);
    const double sentinel = 12345.678;
    KT_FOR_EACH_VARIANT(arith, k)
    {
        for (size_t n = 0; n <= MAXN; n++) {
            for (int mode = 0; mode < KT_NMODES; mode++) {
                for (size_t off = 0; off < 3; off++) {
                    for (size_t i = 0; i < n + off; i++) a[i] = rand_f64(), b[i] = rand_f64();
                    size_t m;
                    const uint32_t *s = kt_make_sel(mode, n, sel, &m);
                    kt_mark(s, m, n, in);
                    for (int op = 0; op <= SL_ARITH_OP_COUNT; op++) {
                        for (size_t i = 0; i < n; i++) out[i] = sentinel;
                        sl_arith_rc rc = op == SL_ARITH_OP_COUNT ? k->neg_f64(a + off, out, s, m)
                                                                 : k->f64[op](a + off, b + off, out, s, m);
                        assert_int_equal(rc, SL_ARITH_OK);
                        for (size_t r = 0; r < n; r++) {
                            double e = in[r] ? oracle_f64(op, a[off + r], b[off + r]) : sentinel;
                            if (!same_f64(out[r], e))
                                fail_msg("f64 op=%d n=%zu row %zu: %g, expected %g", op, n, r, out[r], e);
                        }
                    }
                }
            }
        }
    }
    sli_buf_free(a), sli_buf_free(b), sli_buf_free(out), sli_buf_free(sel), sli_buf_free(in);
}

static void test_select(void **state)
{
    KT_CHECK_SCALAR_SELECT(arith);
    assert_int_equal(sl_arith_variants[0].isa, SL_ISA_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select),     cmocka_unit_test(test_i64_known), cmocka_unit_test(test_i64),
        cmocka_unit_test(test_i64_bounds), cmocka_unit_test(test_mul_known), cmocka_unit_test(test_mul_lin),
        cmocka_unit_test(test_f64),
    };
    kt_seed(0x9e3779b97f4a7c15ull);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
