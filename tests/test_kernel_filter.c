/*
 * test_kernel_filter.c — tests of the selection kernels (kernels/filter.h)
 * and of ISA selection (kernels/isa.h).
 *
 * Every variant this CPU runs is compared with a per-row oracle written here
 * (comparisons with a constant and between columns, and ranges lo..hi),
 * on xorshift data with edge values (type limits, NaN, -0.0, infinities,
 * empty and prefix strings, duplicates), at every length 0..130, at data
 * offsets 0..2, dense and with random sparse selections, and in place
 * (out == sel).
 */
/* cmocka.h needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_test.h"
#include "kernels/filter.h"
#include "kernels/isa.h"
#include "runtime/buffer.h"

#define MAXN 130

/*
 * filter.h says out must not alias sel (its function types qualify both
 * restrict), but the kernels still write out[k] only after reading sel[i],
 * k <= i, and the in-place tests check that. GCC's -Wrestrict rejects a
 * visible alias at the call, so they pass the same buffer through this opaque
 * copy instead.
 */
static uint32_t *opaque(uint32_t *p)
{
    uint32_t *volatile q = p;
    return q;
}

/* ---- random values per type ------------------------------------------------------ */

#define RAND_INT(tn, T, TMIN, TMAX)                                                                          \
    static T rand_##tn(void)                                                                                 \
    {                                                                                                        \
        static const int64_t edge[] = {TMIN, TMAX, 0, -1, 1, (T)(TMIN + 1), (T)(TMAX - 1)};                  \
        return (T)kt_rand_edgy_i64(edge, sizeof edge / sizeof edge[0]);                                      \
    }
RAND_INT(i8, int8_t, INT8_MIN, INT8_MAX)
RAND_INT(i16, int16_t, INT16_MIN, INT16_MAX)
RAND_INT(i32, int32_t, INT32_MIN, INT32_MAX)
RAND_INT(i64, int64_t, INT64_MIN, INT64_MAX)

static double rand_f64(void)
{
    static const double edge[] = {NAN,  -NAN,    -0.0,     0.0,     INFINITY, -INFINITY, 1.0,
                                  -1.0, DBL_MAX, -DBL_MAX, DBL_MIN, 5e-324,   -5e-324};
    return kt_rand_edgy_f64(edge, sizeof edge / sizeof edge[0], 4);
}

/* ---- oracles -------------------------------------------------------------------- */

#define ORACLE_CMP(tn, T)                                                                                    \
    static int cmp_##tn(sl_cmp op, T x, T y)                                                                 \
    {                                                                                                        \
        switch (op) {                                                                                        \
        case SL_CMP_EQ: return x == y;                                                                       \
        case SL_CMP_NE: return x != y;                                                                       \
        case SL_CMP_LT: return x < y;                                                                        \
        case SL_CMP_LE: return x <= y;                                                                       \
        case SL_CMP_GT: return x > y;                                                                        \
        case SL_CMP_GE: return x >= y;                                                                       \
        default: return 0;                                                                                   \
        }                                                                                                    \
    }
SLI_FILTER_TYPES(ORACLE_CMP)

/* Checks a kernel's output against the expected positions; ctx names the case. */
static void expect_positions(size_t got, const uint32_t *out, size_t exp, const uint32_t *expv,
                             const char *what, size_t n, int mode, int op)
{
    if (got != exp)
        fail_msg("%s %s n=%zu mode=%d op=%d: %zu rows passed, expected %zu", kt_variant_name, what, n, mode,
                 op, got, exp);
    for (size_t i = 0; i < exp; i++)
        if (out[i] != expv[i])
            fail_msg("%s %s n=%zu mode=%d op=%d: out[%zu]=%u, expected %u", kt_variant_name, what, n, mode,
                     op, i, out[i], expv[i]);
}

/* ---- fixed-width comparisons ---------------------------------------------------- */

#define CHECK_TYPE(tn, T)                                                                                    \
    static void check_##tn(const sl_filter_kernels *k)                                                       \
    {                                                                                                        \
        T *a = sli_buf_alloc((MAXN + 3) * sizeof(T));                                                        \
        T *b = sli_buf_alloc((MAXN + 3) * sizeof(T));                                                        \
        uint32_t *sel = sli_buf_alloc((MAXN + 3) * 4), *out = sli_buf_alloc((MAXN + 3) * 4);                 \
        uint32_t *inplace = sli_buf_alloc((MAXN + 3) * 4), *expv = sli_buf_alloc((MAXN + 3) * 4);            \
        assert_non_null(a), assert_non_null(b), assert_non_null(sel), assert_non_null(out);                  \
        assert_non_null(inplace), assert_non_null(expv);                                                     \
        for (size_t n = 0; n <= MAXN; n++) {                                                                 \
            for (int mode = 0; mode < KT_NMODES; mode++) {                                                   \
                for (size_t off = 0; off < 3; off++) {                                                       \
                    for (size_t i = 0; i < n + off; i++) {                                                   \
                        a[i] = rand_##tn();                                                                  \
                        b[i] = kt_rnd() % 3 == 0 ? a[i] : rand_##tn();                                       \
                    }                                                                                        \
                    size_t m;                                                                                \
                    const uint32_t *s = kt_make_sel(mode, n, sel, &m);                                       \
                    const T *va = a + off, *vb = b + off;                                                    \
                    for (int op = 0; op < SL_CMP_COUNT; op++) {                                              \
                        T c = (n > 0 && kt_rnd() % 2) ? va[kt_rnd() % n] : rand_##tn();                      \
                        size_t exp = 0;                                                                      \
                        for (size_t i = 0; i < m; i++) {                                                     \
                            uint32_t row = s ? s[i] : (uint32_t)i;                                           \
                            if (cmp_##tn((sl_cmp)op, va[row], c)) expv[exp++] = row;                         \
                        }                                                                                    \
                        size_t got = k->cmp_const_##tn[op](va, c, s, m, out);                                \
                        expect_positions(got, out, exp, expv, "cmp_const_" #tn, n, mode, op);                \
                        if (s) { /* in place: out == sel */                                                  \
                            memcpy(inplace, s, m * 4);                                                       \
                            got = k->cmp_const_##tn[op](va, c, inplace, m, opaque(inplace));                 \
                            expect_positions(got, inplace, exp, expv, "cmp_const_" #tn " in place", n, mode, \
                                             op);                                                            \
                        }                                                                                    \
                        exp = 0;                                                                             \
                        for (size_t i = 0; i < m; i++) {                                                     \
                            uint32_t row = s ? s[i] : (uint32_t)i;                                           \
                            if (cmp_##tn((sl_cmp)op, va[row], vb[row])) expv[exp++] = row;                   \
                        }                                                                                    \
                        got = k->cmp_col_##tn[op](va, vb, s, m, out);                                        \
                        expect_positions(got, out, exp, expv, "cmp_col_" #tn, n, mode, op);                  \
                        if (s) {                                                                             \
                            memcpy(inplace, s, m * 4);                                                       \
                            got = k->cmp_col_##tn[op](va, vb, inplace, m, opaque(inplace));                  \
                            expect_positions(got, inplace, exp, expv, "cmp_col_" #tn " in place", n, mode,   \
                                             op);                                                            \
                        }                                                                                    \
                    }                                                                                        \
                    /* ranges: bounds from the data or random, so some are empty (lo > hi) */                \
                    for (int t = 0; t < 3; t++) {                                                            \
                        T lo = (n > 0 && kt_rnd() % 2) ? va[kt_rnd() % n] : rand_##tn();                     \
                        T hi = (n > 0 && kt_rnd() % 2) ? va[kt_rnd() % n] : rand_##tn();                     \
                        if (t < 2 && hi < lo) {                                                              \
                            T x = lo;                                                                        \
                            lo = hi;                                                                         \
                            hi = x;                                                                          \
                        }                                                                                    \
                        size_t exp = 0;                                                                      \
                        for (size_t i = 0; i < m; i++) {                                                     \
                            uint32_t row = s ? s[i] : (uint32_t)i;                                           \
                            if (va[row] >= lo && va[row] <= hi) expv[exp++] = row;                           \
                        }                                                                                    \
                        size_t got = k->range_##tn(va, lo, hi, s, m, out);                                   \
                        expect_positions(got, out, exp, expv, "range_" #tn, n, mode, t);                     \
                        if (s) {                                                                             \
                            memcpy(inplace, s, m * 4);                                                       \
                            got = k->range_##tn(va, lo, hi, inplace, m, opaque(inplace));                    \
                            expect_positions(got, inplace, exp, expv, "range_" #tn " in place", n, mode, t); \
                        }                                                                                    \
                    }                                                                                        \
                }                                                                                            \
            }                                                                                                \
        }                                                                                                    \
        sli_buf_free(a), sli_buf_free(b), sli_buf_free(sel), sli_buf_free(out);                              \
        sli_buf_free(inplace), sli_buf_free(expv);                                                           \
    }
SLI_FILTER_TYPES(CHECK_TYPE)

static void test_cmp_fixed(void **state)
{
    KT_FOR_EACH_VARIANT(filter, k)
    {
        check_i8(k);
        check_i16(k);
        check_i32(k);
        check_i64(k);
        check_f64(k);
    }
}

/* ---- bitmaps of dense rows -------------------------------------------------------- */

/* The expected bitmap of a range over v[0..n) ANDed (and_into) with `prior`,
 * and how many bits it sets. */
#define BITS_ORACLE(tn, T)                                                                                   \
    static size_t bits_oracle_##tn(const T *v, T lo, T hi, size_t n, const uint64_t *prior, bool and_into,   \
                                   uint64_t *exp)                                                            \
    {                                                                                                        \
        size_t count = 0;                                                                                    \
        for (size_t w = 0; w < (n + 63) / 64; w++) exp[w] = 0;                                               \
        for (size_t i = 0; i < n; i++) {                                                                     \
            bool pass = v[i] >= lo && v[i] <= hi && (!and_into || ((prior[i / 64] >> (i % 64)) & 1u));       \
            exp[i / 64] |= (uint64_t)pass << (i % 64);                                                       \
            count += pass;                                                                                   \
        }                                                                                                    \
        return count;                                                                                        \
    }
SLI_FILTER_TYPES(BITS_ORACLE)

#define BITS_WORDS ((MAXN + 63) / 64)

/* bits_range_<tn> at every length and offset, writing and ANDing into a
 * random prior bitmap (some words zero), and bits_rows on its result. */
#define CHECK_BITS(tn, T)                                                                                    \
    static void check_bits_##tn(const sl_filter_kernels *k)                                                  \
    {                                                                                                        \
        T a[MAXN + 3];                                                                                       \
        uint64_t bits[BITS_WORDS], prior[BITS_WORDS], exp[BITS_WORDS];                                       \
        uint32_t out[MAXN + 16], expv[MAXN];                                                                 \
        for (size_t n = 0; n <= MAXN; n++)                                                                   \
            for (size_t off = 0; off < 3; off++) {                                                           \
                for (size_t i = 0; i < n + off; i++) a[i] = rand_##tn();                                     \
                const T *v = a + off;                                                                        \
                for (int t = 0; t < 4; t++) {                                                                \
                    T lo = (n > 0 && kt_rnd() % 2) ? v[kt_rnd() % n] : rand_##tn();                          \
                    T hi = (n > 0 && kt_rnd() % 2) ? v[kt_rnd() % n] : rand_##tn();                          \
                    if (t < 3 && hi < lo) {                                                                  \
                        T x = lo;                                                                            \
                        lo = hi;                                                                             \
                        hi = x;                                                                              \
                    }                                                                                        \
                    bool and_into = t % 2;                                                                   \
                    for (size_t w = 0; w < BITS_WORDS; w++) {                                                \
                        prior[w] = kt_rnd() % 4 == 0 ? 0 : kt_rnd();                                         \
                        if ((w + 1) * 64 > n)                                                                \
                            prior[w] &= n > w * 64 ? ~(uint64_t)0 >> (64 - (n - w * 64)) : 0;                \
                        bits[w] = prior[w];                                                                  \
                    }                                                                                        \
                    size_t want = bits_oracle_##tn(v, lo, hi, n, prior, and_into, exp);                      \
                    size_t got = k->bits_range_##tn(v, lo, hi, n, bits, and_into);                           \
                    if (got != want)                                                                         \
                        fail_msg("%s bits_range_" #tn " n=%zu off=%zu t=%d: %zu bits set, expected %zu",     \
                                 kt_variant_name, n, off, t, got, want);                                     \
                    for (size_t w = 0; w < (n + 63) / 64; w++)                                               \
                        if (bits[w] != exp[w])                                                               \
                            fail_msg("%s bits_range_" #tn " n=%zu off=%zu t=%d: word %zu is %#llx, "         \
                                     "expected %#llx",                                                       \
                                     kt_variant_name, n, off, t, w, (unsigned long long)bits[w],             \
                                     (unsigned long long)exp[w]);                                            \
                    size_t e = 0;                                                                            \
                    for (size_t i = 0; i < n; i++)                                                           \
                        if ((exp[i / 64] >> (i % 64)) & 1u) expv[e++] = (uint32_t)i;                         \
                    expect_positions(k->bits_rows(bits, n, out), out, e, expv, "bits_rows", n, off, t);      \
                }                                                                                            \
            }                                                                                                \
    }
SLI_FILTER_TYPES(CHECK_BITS)

static void test_bits(void **state)
{
    (void)state;
    KT_FOR_EACH_VARIANT(filter, k)
    {
        check_bits_i8(k);
        check_bits_i16(k);
        check_bits_i32(k);
        check_bits_i64(k);
        check_bits_f64(k);
    }
}

/* Hand-picked cases: IEEE comparisons with NaN and signed zeros. */
static void test_cmp_f64_ieee(void **state)
{
    const double v[] = {NAN, -0.0, 0.0, 1.0, -INFINITY, INFINITY};
    uint32_t out[8];
    KT_FOR_EACH_VARIANT(filter, k)
    {
        assert_int_equal(k->cmp_const_f64[SL_CMP_EQ](v, 0.0, NULL, 6, out), 2); /* -0.0 == 0.0 */
        assert_int_equal(out[0], 1);
        assert_int_equal(out[1], 2);
        assert_int_equal(k->cmp_const_f64[SL_CMP_NE](v, NAN, NULL, 6, out), 6); /* NaN != everything */
        assert_int_equal(k->cmp_const_f64[SL_CMP_GE](v, NAN, NULL, 6, out), 0);
        assert_int_equal(k->cmp_const_f64[SL_CMP_LT](v, 0.5, NULL, 6, out), 3); /* -0, 0, -inf */
        assert_int_equal(out[2], 4);
        assert_int_equal(k->range_f64(v, -INFINITY, 0.0, NULL, 6, out), 3); /* -0, 0, -inf; not NaN */
        assert_int_equal(out[2], 4);
        assert_int_equal(k->range_f64(v, NAN, INFINITY, NULL, 6, out), 0);
    }
}

/* ---- validity, bool, codes -------------------------------------------------------- */

static void test_valid_true_codes(void **state)
{
    uint8_t *bits = sli_buf_alloc(MAXN / 8 + 1), *bytes = sli_buf_alloc(MAXN), *pass = sli_buf_alloc(16);
    int32_t *codes = sli_buf_alloc(MAXN * 4);
    uint32_t *sel = sli_buf_alloc(MAXN * 4), *out = sli_buf_alloc(MAXN * 4), *expv = sli_buf_alloc(MAXN * 4);
    uint32_t *inplace = sli_buf_alloc(MAXN * 4);
    assert_true(bits && bytes && pass && codes && sel && out && expv && inplace);
    KT_FOR_EACH_VARIANT(filter, k)
    {
        for (size_t n = 0; n <= MAXN; n++) {
            for (int mode = 0; mode < KT_NMODES; mode++) {
                kt_rand_bytes(bits, MAXN / 8 + 1);
                for (size_t i = 0; i < n; i++) {
                    static const uint8_t truthy[] = {0, 0, 1, 2, 255, 128};
                    bytes[i] = truthy[kt_rnd() % 6];
                    codes[i] = (int32_t)(kt_rnd() % 16);
                }
                for (size_t i = 0; i < 16; i++) pass[i] = (uint8_t)(kt_rnd() % 3 == 0 ? 0 : kt_rnd() % 256);
                size_t m;
                const uint32_t *s = kt_make_sel(mode, n, sel, &m);

                size_t exp = 0;
                for (size_t i = 0; i < m; i++) {
                    uint32_t row = s ? s[i] : (uint32_t)i;
                    if (kt_bit(bits, row)) expv[exp++] = row;
                }
                expect_positions(k->valid(bits, s, m, out), out, exp, expv, "valid", n, mode, -1);
                if (s) {
                    memcpy(inplace, s, m * 4);
                    expect_positions(k->valid(bits, inplace, m, opaque(inplace)), inplace, exp, expv,
                                     "valid in place", n, mode, -1);
                }

                exp = 0;
                for (size_t i = 0; i < m; i++) {
                    uint32_t row = s ? s[i] : (uint32_t)i;
                    if (bytes[row]) expv[exp++] = row;
                }
                expect_positions(k->is_true(bytes, s, m, out), out, exp, expv, "is_true", n, mode, -1);

                exp = 0;
                for (size_t i = 0; i < m; i++) {
                    uint32_t row = s ? s[i] : (uint32_t)i;
                    if (pass[codes[row]]) expv[exp++] = row;
                }
                expect_positions(k->codes(codes, pass, s, m, out), out, exp, expv, "codes", n, mode, -1);
            }
        }
    }
    sli_buf_free(bits), sli_buf_free(bytes), sli_buf_free(pass), sli_buf_free(codes);
    sli_buf_free(sel), sli_buf_free(out), sli_buf_free(expv), sli_buf_free(inplace);
}

/* ---- strings -------------------------------------------------------------------- */

static const struct {
    const char *s;
    uint32_t len;
} pool[] = {
    {"", 0},
    {"a", 1},
    {"ab", 2},
    {"abc", 3},
    {"abd", 3},
    {"b", 1},
    {"ba", 2},
    {"abcdefgh", 8},
    {"abcdefghi", 9},
    {"abcdefgh\0", 9},
    {"\xff", 1},
    {"\x80"
     "abc",
     4},
    {"a\0b", 3},
    {"a\0", 2},
    {"zzzzzzzzzzzzzzzzz", 17},
};
#define POOL (sizeof pool / sizeof pool[0])

/* Copies a pool string into the arena so equal strings have distinct addresses;
 * an empty string gets a NULL pointer half of the time. */
static sli_strview rand_str(char **arena)
{
    size_t p = kt_rnd() % POOL;
    sli_strview v = {*arena, pool[p].len};
    memcpy(*arena, pool[p].s, pool[p].len);
    *arena += pool[p].len;
    if (v.len == 0 && kt_rnd() % 2) v.ptr = NULL;
    return v;
}

static int oracle_strcmp(sli_strview x, sli_strview y)
{
    for (uint32_t i = 0; i < x.len && i < y.len; i++) {
        unsigned char cx = (unsigned char)x.ptr[i], cy = (unsigned char)y.ptr[i];
        if (cx != cy) return cx < cy ? -1 : 1;
    }
    return x.len < y.len ? -1 : x.len > y.len ? 1 : 0;
}

static int oracle_strop(sl_cmp op, sli_strview x, sli_strview y)
{
    int c = oracle_strcmp(x, y);
    switch (op) {
    case SL_CMP_EQ: return c == 0;
    case SL_CMP_NE: return c != 0;
    case SL_CMP_LT: return c < 0;
    case SL_CMP_LE: return c <= 0;
    case SL_CMP_GT: return c > 0;
    case SL_CMP_GE: return c >= 0;
    default: return 0;
    }
}

static void test_strings(void **state)
{
    char *arena_mem = malloc(3 * (MAXN + 1) * 17);
    sli_strview *a = sli_buf_alloc(MAXN * sizeof(sli_strview)),
                *b = sli_buf_alloc(MAXN * sizeof(sli_strview));
    uint32_t *sel = sli_buf_alloc(MAXN * 4), *out = sli_buf_alloc(MAXN * 4), *expv = sli_buf_alloc(MAXN * 4);
    assert_true(arena_mem && a && b && sel && out && expv);
    KT_FOR_EACH_VARIANT(filter, k)
    {
        for (size_t n = 0; n <= MAXN; n++) {
            for (int mode = 0; mode < KT_NMODES; mode++) {
                char *arena = arena_mem;
                for (size_t i = 0; i < n; i++) {
                    a[i] = rand_str(&arena);
                    b[i] = kt_rnd() % 3 == 0 ? a[i] : rand_str(&arena);
                }
                sli_strview c = rand_str(&arena);
                size_t m;
                const uint32_t *s = kt_make_sel(mode, n, sel, &m);
                for (int op = 0; op < SL_CMP_COUNT; op++) {
                    size_t exp = 0;
                    for (size_t i = 0; i < m; i++) {
                        uint32_t row = s ? s[i] : (uint32_t)i;
                        if (oracle_strop((sl_cmp)op, a[row], c)) expv[exp++] = row;
                    }
                    expect_positions(k->str_const((sl_cmp)op, a, c, s, m, out), out, exp, expv, "str_const",
                                     n, mode, op);
                    exp = 0;
                    for (size_t i = 0; i < m; i++) {
                        uint32_t row = s ? s[i] : (uint32_t)i;
                        if (oracle_strop((sl_cmp)op, a[row], b[row])) expv[exp++] = row;
                    }
                    expect_positions(k->str_col((sl_cmp)op, a, b, s, m, out), out, exp, expv, "str_col", n,
                                     mode, op);
                }
            }
        }
    }
    free(arena_mem);
    sli_buf_free(a), sli_buf_free(b), sli_buf_free(sel), sli_buf_free(out), sli_buf_free(expv);
}

/* ---- ISA choice ------------------------------------------------------------------- */

static void test_isa_pick(void **state)
{
    const sl_isa isas[] = {SL_ISA_NONE, SL_ISA_SIMD128, SL_ISA_AVX2, SL_ISA_AVX512};
    sl_isa cpu = sli_isa_detect();
    assert_true(cpu == SL_ISA_NONE || cpu == SL_ISA_SIMD128 || cpu == SL_ISA_AVX2 || cpu == SL_ISA_AVX512);
    assert_string_equal(sli_isa_name(SL_ISA_NONE), "scalar");
    assert_string_equal(sli_isa_name(SL_ISA_SIMD128), "simd128");
    assert_string_equal(sli_isa_name(SL_ISA_AVX2), "avx2");
    assert_string_equal(sli_isa_name(SL_ISA_AVX512), "avx512");

    assert_int_equal(setenv("SL_FORCE_ISA", "scalar", 1), 0);
    assert_int_equal(sli_isa_pick(isas, 4), 0);
    assert_int_equal(sli_isa_pick(isas, 1), 0);

    /* Forcing a level the CPU lacks, or an unknown name, falls back to the best. */
    assert_int_equal(setenv("SL_FORCE_ISA", "avx512", 1), 0);
    assert_int_equal(sli_isa_pick(isas, 4), (size_t)cpu);
    assert_int_equal(setenv("SL_FORCE_ISA", "avx2", 1), 0);
    assert_int_equal(sli_isa_pick(isas, 4), cpu >= SL_ISA_AVX2 ? 2 : (size_t)cpu);
    assert_int_equal(setenv("SL_FORCE_ISA", "simd128", 1), 0);
    assert_int_equal(sli_isa_pick(isas, 4), cpu >= SL_ISA_SIMD128 ? 1 : 0);
    assert_int_equal(sli_isa_pick(isas, 1), 0); /* forced variant absent from the table */
    assert_int_equal(setenv("SL_FORCE_ISA", "sse9", 1), 0);
    assert_int_equal(sli_isa_pick(isas, 4), (size_t)cpu);

    assert_int_equal(unsetenv("SL_FORCE_ISA"), 0);
    assert_int_equal(sli_isa_pick(isas, 4), (size_t)cpu);
    assert_int_equal(sli_isa_pick(isas, 1), 0);
    const sl_isa reversed[] = {SL_ISA_NONE, SL_ISA_AVX512, SL_ISA_AVX2, SL_ISA_SIMD128};
    size_t r = sli_isa_pick(reversed, 4);
    assert_int_equal(reversed[r], cpu);

    /* The family's choice, made under SL_FORCE_ISA=scalar, is the scalar entry. */
    assert_int_equal(setenv("SL_FORCE_ISA", "scalar", 1), 0);
    assert_ptr_equal(sli_filter_select(), &sl_filter_variants[0]);
    assert_ptr_equal(sli_filter_select(), &sl_filter_variants[0]); /* cached */
    assert_string_equal(sl_filter_variants[0].name, "scalar");
    assert_int_equal(sl_filter_variants[0].isa, SL_ISA_NONE);
    assert_int_equal(unsetenv("SL_FORCE_ISA"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_isa_pick),     cmocka_unit_test(test_cmp_fixed),
        cmocka_unit_test(test_cmp_f64_ieee), cmocka_unit_test(test_valid_true_codes),
        cmocka_unit_test(test_strings),      cmocka_unit_test(test_bits),
    };
    kt_seed(0x2545f4914f6cdd1dull);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
