/*
 * test_kernel_sort.c — tests of the multi-key sort (kernels/sort.h).
 *
 * Every variant this CPU runs is compared with a stable insertion sort
 * written here over a comparator written independently of the kernel's, on
 * xorshift data with many duplicate keys (so stability shows), edge values
 * (INT64_MIN/MAX, NaN, -0.0, infinities, empty and prefix strings), nulls
 * first or last, ascending and descending, one to three keys, at every length
 * 0..130 and at a few longer lengths that need several merge passes. The row
 * numbers sorted are a random subset of a larger table in random order.
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
#include "kernels/isa.h"
#include "kernels/sort.h"
#include "runtime/buffer.h"

#define MAXROWS 5000

/* ---- columns ------------------------------------------------------------------------------- */

static int8_t c_i8[MAXROWS];
static int16_t c_i16[MAXROWS];
static int32_t c_i32[MAXROWS];
static int64_t c_i64[MAXROWS];
static double c_f64[MAXROWS];
static sli_strview c_str[MAXROWS];
static uint8_t c_valid[SL_SORT_STR + 1][MAXROWS / 8 + 1];
static char arena[MAXROWS * 12];

static const struct {
    const char *s;
    uint32_t len;
} pool[] = {{"", 0},  {"a", 1},    {"ab", 2},  {"abc", 3},         {"abd", 3},
            {"b", 1}, {"\xff", 1}, {"a\0", 2}, {"abcdefghij", 10}, {"abcdefghik", 10}};
#define POOL (sizeof pool / sizeof pool[0])

/* Fills every column; `spread` small gives many duplicates. */
static void fill(size_t rows, unsigned spread)
{
    static const int64_t e64[] = {INT64_MIN, INT64_MAX, 0, -1};
    static const double ef[] = {NAN, -NAN, -0.0, 0.0, INFINITY, -INFINITY};
    char *a = arena;
    for (size_t r = 0; r < rows; r++) {
        int64_t x = (int64_t)(kt_rnd() % spread) - (int64_t)spread / 2;
        c_i8[r] = kt_rnd() % 8 == 0 ? (kt_rnd() % 2 ? INT8_MIN : INT8_MAX) : (int8_t)x;
        c_i16[r] = kt_rnd() % 8 == 0 ? (kt_rnd() % 2 ? INT16_MIN : INT16_MAX) : (int16_t)x;
        c_i32[r] = kt_rnd() % 8 == 0 ? (kt_rnd() % 2 ? INT32_MIN : INT32_MAX) : (int32_t)x;
        c_i64[r] = kt_rnd() % 8 == 0 ? e64[kt_rnd() % 4] : x;
        c_f64[r] = kt_rnd() % 6 == 0 ? ef[kt_rnd() % 6] : (double)x / 2;
        size_t p = kt_rnd() % (spread < POOL ? spread : POOL);
        memcpy(a, pool[p].s, pool[p].len);
        c_str[r].ptr = pool[p].len == 0 && kt_rnd() % 2 ? NULL : a;
        c_str[r].len = pool[p].len;
        a += pool[p].len;
    }
    for (int k = 0; k <= SL_SORT_STR; k++)
        for (size_t i = 0; i < rows / 8 + 1; i++) c_valid[k][i] = (uint8_t)(kt_rnd() | kt_rnd());
}

static const void *column(sl_sort_kind kind)
{
    switch (kind) {
    case SL_SORT_I8: return c_i8;
    case SL_SORT_I16: return c_i16;
    case SL_SORT_I32: return c_i32;
    case SL_SORT_I64: return c_i64;
    case SL_SORT_F64: return c_f64;
    default: return c_str;
    }
}

/* ---- the oracle ------------------------------------------------------------------------------- */

/* Ascending value rank: ints by value; float64 with NaN last and -0.0 == 0.0;
 * strings byte-wise as unsigned chars, a prefix first. */
static int value_order(sl_sort_kind kind, uint32_t a, uint32_t b)
{
    switch (kind) {
    case SL_SORT_I8: return (c_i8[a] > c_i8[b]) - (c_i8[a] < c_i8[b]);
    case SL_SORT_I16: return (c_i16[a] > c_i16[b]) - (c_i16[a] < c_i16[b]);
    case SL_SORT_I32: return (c_i32[a] > c_i32[b]) - (c_i32[a] < c_i32[b]);
    case SL_SORT_I64: return (c_i64[a] > c_i64[b]) - (c_i64[a] < c_i64[b]);
    case SL_SORT_F64: {
        double x = c_f64[a], y = c_f64[b];
        if (isnan(x) || isnan(y)) return isnan(x) - isnan(y);
        return (x > y) - (x < y);
    }
    default: {
        sli_strview x = c_str[a], y = c_str[b];
        for (uint32_t i = 0; i < x.len && i < y.len; i++) {
            unsigned char p = (unsigned char)x.ptr[i], q = (unsigned char)y.ptr[i];
            if (p != q) return p < q ? -1 : 1;
        }
        return (x.len > y.len) - (x.len < y.len);
    }
    }
}

static int oracle_cmp(const sl_sort_key *keys, size_t nkeys, uint32_t a, uint32_t b)
{
    for (size_t i = 0; i < nkeys; i++) {
        const sl_sort_key *k = &keys[i];
        int na = !kt_is_valid(k->validity, a);
        int nb = !kt_is_valid(k->validity, b);
        if (na && nb) continue;
        if (na) return k->nulls_first ? -1 : 1;
        if (nb) return k->nulls_first ? 1 : -1;
        int c = value_order(k->kind, a, b);
        if (k->desc) c = -c;
        if (c) return c;
    }
    return 0;
}

static void oracle_sort(uint32_t *idx, size_t n, const sl_sort_key *keys, size_t nkeys)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && oracle_cmp(keys, nkeys, idx[j - 1], idx[j]) > 0; j--) {
            uint32_t t = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = t;
        }
}

/* ---- tests ------------------------------------------------------------------------------------- */

static void run_case(const sl_sort_kernels *k, size_t n, size_t rows, unsigned spread, size_t nkeys)
{
    static uint32_t idx[MAXROWS], exp_idx[MAXROWS];
    fill(rows, spread);
    /* a random subset of the rows, in random order */
    for (size_t i = 0; i < rows; i++) exp_idx[i] = (uint32_t)i;
    for (size_t i = rows; i > 1; i--) {
        size_t j = kt_rnd() % i;
        uint32_t t = exp_idx[i - 1];
        exp_idx[i - 1] = exp_idx[j];
        exp_idx[j] = t;
    }
    if (kt_rnd() % 4 == 0) /* sometimes presorted input */
        for (size_t i = 0; i < n; i++) exp_idx[i] = (uint32_t)i;
    memcpy(idx, exp_idx, n * sizeof *idx);

    sl_sort_key keys[3];
    for (size_t i = 0; i < nkeys; i++) {
        keys[i].kind = (sl_sort_kind)(kt_rnd() % (SL_SORT_STR + 1));
        keys[i].data = column(keys[i].kind);
        keys[i].validity = kt_rnd() % 2 ? c_valid[keys[i].kind] : NULL;
        keys[i].desc = kt_rnd() % 2;
        keys[i].nulls_first = kt_rnd() % 2;
    }
    oracle_sort(exp_idx, n, keys, nkeys);
    assert_int_equal(k->sort(idx, n, keys, nkeys), SL_OK);
    for (size_t i = 0; i < n; i++)
        if (idx[i] != exp_idx[i])
            fail_msg(
                "n=%zu nkeys=%zu spread=%u key0 kind=%d desc=%d nf=%d nulls=%d: idx[%zu]=%u, expected %u", n,
                nkeys, spread, keys[0].kind, keys[0].desc, keys[0].nulls_first, keys[0].validity != NULL, i,
                idx[i], exp_idx[i]);
}

static void test_random(void **state)
{
    KT_FOR_EACH_VARIANT(sort, k)
    {
        for (size_t n = 0; n <= 130; n++) {
            for (int rep = 0; rep < 12; rep++) {
                unsigned spread = rep % 3 == 0 ? 3 : rep % 3 == 1 ? 20 : 1000000;
                run_case(k, n, n + kt_rnd() % 40, spread, 1 + rep % 3);
            }
        }
        static const size_t longer[] = {255, 256, 257, 1000, 4097, 5000};
        for (size_t i = 0; i < sizeof longer / sizeof longer[0]; i++)
            for (int rep = 0; rep < 3; rep++)
                run_case(k, longer[i], longer[i], rep == 0 ? 4 : 100000, 1 + (size_t)rep);
    }
}

static void test_known(void **state)
{
    KT_FOR_EACH_VARIANT(sort, k)
    {
        /* float64: NaN after numbers ascending, before them descending; -0.0 == 0.0 keeps input order */
        const double f[] = {NAN, 0.0, -INFINITY, -0.0, 2.0, NAN};
        sl_sort_key key = {SL_SORT_F64, f, NULL, false, false};
        uint32_t idx[6] = {0, 1, 2, 3, 4, 5};
        assert_int_equal(k->sort(idx, 6, &key, 1), SL_OK);
        const uint32_t asc[] = {2, 1, 3, 4, 0, 5};
        assert_memory_equal(idx, asc, sizeof asc);
        key.desc = true;
        for (uint32_t i = 0; i < 6; i++) idx[i] = i;
        assert_int_equal(k->sort(idx, 6, &key, 1), SL_OK);
        const uint32_t desc[] = {0, 5, 4, 1, 3, 2};
        assert_memory_equal(idx, desc, sizeof desc);

        /* nulls_first holds under desc too */
        const int64_t x[] = {5, 7, 6};
        const uint8_t valid = 0x5; /* row 1 null */
        sl_sort_key kx = {SL_SORT_I64, x, &valid, true, true};
        uint32_t j[3] = {0, 1, 2};
        assert_int_equal(k->sort(j, 3, &kx, 1), SL_OK);
        assert_true(j[0] == 1 && j[1] == 2 && j[2] == 0);
        kx.nulls_first = false;
        kx.desc = false;
        uint32_t j2[3] = {2, 1, 0};
        assert_int_equal(k->sort(j2, 3, &kx, 1), SL_OK);
        assert_true(j2[0] == 0 && j2[1] == 2 && j2[2] == 1);

        /* strings: prefix first, unsigned bytes, empty first */
        const sli_strview s[] = {{"b", 1}, {"ab", 2}, {"a", 1}, {NULL, 0}, {"\xff", 1}, {"a\0", 2}};
        sl_sort_key ks = {SL_SORT_STR, s, NULL, false, false};
        uint32_t t[6] = {0, 1, 2, 3, 4, 5};
        assert_int_equal(k->sort(t, 6, &ks, 1), SL_OK);
        const uint32_t st[] = {3, 2, 5, 1, 0, 4};
        assert_memory_equal(t, st, sizeof st);

        /* no keys and tiny inputs leave idx as it is */
        uint32_t u[3] = {2, 0, 1};
        assert_int_equal(k->sort(u, 3, NULL, 0), SL_OK);
        assert_true(u[0] == 2 && u[1] == 0 && u[2] == 1);
        assert_int_equal(k->sort(NULL, 0, &ks, 1), SL_OK);
    }
}

static void test_select(void **state)
{
    KT_CHECK_SCALAR_SELECT(sort);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_known),
        cmocka_unit_test(test_random),
    };
    kt_seed(0xbb67ae8584caa73bull);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
