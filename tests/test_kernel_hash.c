/*
 * test_kernel_hash.c — tests of the hashing kernels (kernels/hash.h).
 *
 * A hash function has no independent oracle, so the tests check:
 *  - plumbing, per variant: every row of a batch (dense or selected, with or
 *    without nulls, fresh or combined) equals the scalar kernel run on that one
 *    row alone; null rows hash as SL_HASH_NULL; unselected rows are untouched;
 *    lengths 0..130;
 *  - equalities the header promises: -0.0 and 0.0, every NaN, int32 and int64
 *    of the same number, equal strings at different addresses, dictionary
 *    codes and the strings they stand for;
 *  - quality: no collisions among many distinct keys, even low bits, about
 *    half the output bits flip per input bit, combine is order-sensitive and
 *    not xor.
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
#include "kernels/hash.h"
#include "kernels/isa.h"
#include "runtime/buffer.h"

#define MAXN     130
#define SENTINEL 0x0123456789abcdefull

static const sl_hash_kernels *ref(void)
{
    return sl_hash_variants[0].k;
}

/* ---- single-value hashes through the scalar reference ---------------------------------- */

static uint64_t h_i64(int64_t x)
{
    uint64_t o;
    ref()->i64(&x, NULL, NULL, 1, 0, &o);
    return o;
}

static uint64_t h_i32(int32_t x)
{
    uint64_t o;
    ref()->i32(&x, NULL, NULL, 1, 0, &o);
    return o;
}

static uint64_t h_f64(double x)
{
    uint64_t o;
    ref()->f64(&x, NULL, NULL, 1, 0, &o);
    return o;
}

static uint64_t h_str(const char *p, uint32_t len)
{
    sli_strview v = {p, len};
    uint64_t o;
    ref()->str(&v, NULL, NULL, 1, 0, &o);
    return o;
}

/* combine(old, h(x)) for an int64 x, through the scalar reference */
static uint64_t h_comb_i64(uint64_t old, int64_t x)
{
    uint64_t o = old;
    ref()->i64(&x, NULL, NULL, 1, 1, &o);
    return o;
}

/* combine(old, SL_HASH_NULL): one null row alone, through the scalar reference */
static uint64_t null_combined(uint64_t old)
{
    const uint8_t none = 0;
    const int64_t unused = 0;
    uint64_t o = old;
    ref()->i64(&unused, &none, NULL, 1, 1, &o);
    return o;
}

/* ---- random data ------------------------------------------------------------------------- */

static const struct {
    const char *s;
    uint32_t len;
} pool[] = {{"", 0},
            {"a", 1},
            {"ab", 2},
            {"ba", 2},
            {"abcdefgh", 8},
            {"abcdefghi", 9},
            {"abcdefgh\0", 9},
            {"a\0", 2},
            {"\xff\xfe", 2},
            {"0123456789abcdef", 16},
            {"0123456789abcdeg", 16},
            {"the quick brown fox", 19}};
#define POOL (sizeof pool / sizeof pool[0])

static int64_t rand_i64(void)
{
    static const int64_t edge[] = {INT64_MIN, INT64_MAX, 0, -1, 1};
    return kt_rnd() % 4 == 0 ? edge[kt_rnd() % 5]
           : kt_rnd() % 2    ? (int64_t)(kt_rnd() % 8)
                             : (int64_t)kt_rnd();
}

static double rand_f64(void)
{
    static const double edge[] = {NAN, -NAN, -0.0, 0.0, INFINITY, -INFINITY, 1.0, 5e-324};
    return kt_rnd() % 3 == 0 ? edge[kt_rnd() % 8] : (double)(int64_t)kt_rnd() / 1e6;
}

/*
 * Checks one kernel call against per-row scalar calls. `call(k, validity,
 * sel, m, comb, out)` runs the family's kernel over the current data;
 * `single(row, comb, out)` does the same for one row alone via the scalar
 * reference.
 */
typedef void batch_fn(const sl_hash_kernels *k, const uint8_t *validity, const uint32_t *sel, size_t m,
                      int comb, uint64_t *out);
typedef uint64_t single_fn(size_t row, int comb, uint64_t old);

static void check_batch(const sl_hash_kernels *k, batch_fn *call, single_fn *single, size_t n,
                        const char *what)
{
    uint32_t sel[MAXN];
    uint64_t out[MAXN], old[MAXN];
    uint8_t validity[MAXN / 8 + 1], in[MAXN];
    for (int mode = 0; mode < KT_NMODES; mode++) {
        for (int nulls = 0; nulls < 2; nulls++) {
            for (int comb = 0; comb < 2; comb++) {
                kt_rand_bytes(validity, sizeof validity);
                size_t m;
                const uint32_t *s = kt_make_sel(mode, n, sel, &m);
                kt_mark(s, m, n, in);
                for (size_t i = 0; i < n; i++) out[i] = old[i] = comb ? kt_rnd() : SENTINEL;
                call(k, nulls ? validity : NULL, s, m, comb, out);
                for (size_t r = 0; r < n; r++) {
                    uint64_t e;
                    if (!in[r]) {
                        e = old[r];
                    } else if (nulls && !kt_is_valid(validity, r)) {
                        e = comb ? null_combined(old[r]) : SL_HASH_NULL;
                    } else {
                        e = single(r, comb, old[r]);
                    }
                    if (out[r] != e)
                        fail_msg("%s n=%zu mode=%d nulls=%d comb=%d row %zu: %016llx, expected %016llx", what,
                                 n, mode, nulls, comb, r, (unsigned long long)out[r], (unsigned long long)e);
                }
            }
        }
    }
}

/* The data every batch and single function reads. */
static int32_t d_i32[MAXN];
static int64_t d_i64[MAXN];
static double d_f64[MAXN];
static sli_strview d_str[MAXN];
static int32_t d_codes[MAXN];
static sli_strview d_dict[POOL];
static uint64_t d_dict_hashes[POOL];
static char d_arena[MAXN * 20];

#define BATCH(name, member, data)                                                                            \
    static void batch_##name(const sl_hash_kernels *k, const uint8_t *validity, const uint32_t *sel,         \
                             size_t m, int comb, uint64_t *out)                                              \
    {                                                                                                        \
        k->member(data, validity, sel, m, comb, out);                                                        \
    }                                                                                                        \
    static uint64_t single_##name(size_t row, int comb, uint64_t old)                                        \
    {                                                                                                        \
        uint64_t o = old;                                                                                    \
        ref()->member(&data[row], NULL, NULL, 1, comb, &o);                                                  \
        return o;                                                                                            \
    }
BATCH(i32, i32, d_i32)
BATCH(i64, i64, d_i64)
BATCH(f64, f64, d_f64)
BATCH(str, str, d_str)

static void batch_codes(const sl_hash_kernels *k, const uint8_t *validity, const uint32_t *sel, size_t m,
                        int comb, uint64_t *out)
{
    k->codes(d_codes, d_dict_hashes, validity, sel, m, comb, out);
}

/* A code hashes like the string it stands for. */
static uint64_t single_codes(size_t row, int comb, uint64_t old)
{
    uint64_t o = old;
    ref()->str(&d_dict[d_codes[row]], NULL, NULL, 1, comb, &o);
    return o;
}

static void test_batches(void **state)
{
    for (size_t i = 0; i < POOL; i++) {
        d_dict[i].ptr = pool[i].s;
        d_dict[i].len = pool[i].len;
    }
    ref()->str(d_dict, NULL, NULL, POOL, 0, d_dict_hashes);
    KT_FOR_EACH_VARIANT(hash, k)
    {
        for (size_t n = 0; n <= MAXN; n++) {
            char *arena = d_arena;
            for (size_t i = 0; i < n; i++) {
                d_i64[i] = rand_i64();
                d_i32[i] = (int32_t)d_i64[i];
                d_f64[i] = rand_f64();
                size_t p = kt_rnd() % POOL;
                memcpy(arena, pool[p].s, pool[p].len);
                d_str[i].ptr = pool[p].len == 0 && kt_rnd() % 2 ? NULL : arena;
                d_str[i].len = pool[p].len;
                arena += pool[p].len;
                d_codes[i] = (int32_t)(kt_rnd() % POOL);
            }
            check_batch(k, batch_i32, single_i32, n, "i32");
            check_batch(k, batch_i64, single_i64, n, "i64");
            check_batch(k, batch_f64, single_f64, n, "f64");
            check_batch(k, batch_str, single_str, n, "str");
            check_batch(k, batch_codes, single_codes, n, "codes");
        }
    }
}

/* A null row's code may be garbage: the kernel must not look it up. */
static void test_null_code_not_read(void **state)
{
    const int32_t codes[] = {0, 1000000, 1};
    const uint64_t dict_hashes[] = {11, 22};
    const uint8_t validity[] = {0x5}; /* row 1 is null */
    KT_FOR_EACH_VARIANT(hash, k)
    {
        uint64_t out[3];
        k->codes(codes, dict_hashes, validity, NULL, 3, 0, out);
        assert_true(out[0] == 11 && out[1] == SL_HASH_NULL && out[2] == 22);
    }
}

/* ---- equalities the header promises ------------------------------------------------------ */

static void test_equalities(void **state)
{
    assert_true(h_f64(-0.0) == h_f64(0.0));
    uint64_t nan_bits[] = {0x7ff8000000000000ull, 0xfff8000000000000ull, 0x7ff0000000000001ull,
                           0x7fffffffffffffffull, 0xfff0000000deadbeull};
    for (size_t i = 0; i < 5; i++) {
        double x;
        memcpy(&x, &nan_bits[i], 8);
        assert_true(isnan(x));
        assert_true(h_f64(x) == h_f64(NAN));
    }
    assert_true(h_f64(1.0) != h_f64(-1.0));
    assert_true(h_f64(INFINITY) != h_f64(NAN));
    assert_true(h_f64(0.0) != h_f64(5e-324));

    const int32_t i32s[] = {0, 1, -1, INT32_MIN, INT32_MAX, 12345};
    for (size_t i = 0; i < 6; i++) assert_true(h_i32(i32s[i]) == h_i64(i32s[i]));

    char a[32] = "hello, world: a longer string", b[40];
    memcpy(b + 3, a, 29); /* unaligned copy */
    assert_true(h_str(a, 29) == h_str(b + 3, 29));
    assert_true(h_str(NULL, 0) == h_str(a, 0));

    /* each variant agrees with the scalar reference on single values */
    KT_FOR_EACH_VARIANT(hash, k)
    {
        double z[] = {-0.0, NAN};
        uint64_t o[2];
        k->f64(z, NULL, NULL, 2, 0, o);
        assert_true(o[0] == h_f64(0.0) && o[1] == h_f64(NAN));
        uint8_t none = 0;
        k->i64((const int64_t[]){5}, &none, NULL, 1, 0, o);
        assert_true(o[0] == SL_HASH_NULL);
    }
}

/* ---- quality ------------------------------------------------------------------------------- */

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

static size_t duplicates(uint64_t *h, size_t n)
{
    qsort(h, n, sizeof *h, cmp_u64);
    size_t d = 0;
    for (size_t i = 1; i < n; i++) d += h[i] == h[i - 1];
    return d;
}

static void test_quality(void **state)
{
    enum { N = 1 << 16 };
    uint64_t *h = malloc(N * sizeof *h);
    int64_t *keys = malloc(N * sizeof *keys);
    assert_true(h && keys);

    /* sequential and strided ints: no collisions, even low 8 bits */
    for (int stride = 1; stride <= 1024; stride *= 32) {
        for (size_t i = 0; i < N; i++) keys[i] = (int64_t)i * stride - N / 2;
        ref()->i64(keys, NULL, NULL, N, 0, h);
        unsigned buckets[256] = {0};
        for (size_t i = 0; i < N; i++) buckets[h[i] & 255]++;
        for (int b = 0; b < 256; b++) /* expected 256 each; 6 sigma is about 96 */
            if (buckets[b] < 150 || buckets[b] > 362)
                fail_msg("stride %d: low-bit bucket %d holds %u", stride, b, buckets[b]);
        assert_int_equal(duplicates(h, N), 0);
    }

    /* avalanche: flipping one input bit flips about 32 output bits */
    for (int bit = 0; bit < 64; bit++) {
        unsigned long total = 0;
        for (int t = 0; t < 200; t++) {
            int64_t x = (int64_t)kt_rnd();
            total +=
                (unsigned long)__builtin_popcountll(h_i64(x) ^ h_i64((int64_t)((uint64_t)x ^ (1ull << bit))));
        }
        double mean = total / 200.0;
        if (mean < 28 || mean > 36) fail_msg("input bit %d flips %.1f output bits on average", bit, mean);
    }

    /* strings: short, prefixed, differing in one byte anywhere */
    char buf[40];
    size_t k = 0;
    for (uint32_t len = 0; len <= 24; len++) {
        for (int pos = 0; pos < (int)len || (len == 0 && pos == 0); pos++) {
            for (int c = 0; c < 64; c++) {
                memset(buf, 'x', sizeof buf);
                if (len) buf[pos] = (char)c;
                h[k++] = h_str(buf, len);
                if (len == 0) break;
            }
        }
    }
    assert_int_equal(duplicates(h, k), 0);
    assert_true(h_str("ab", 2) != h_str("ba", 2));
    assert_true(h_str("a", 1) != h_str("a\0", 2));
    assert_true(h_str("", 0) != h_str("\0", 1));

    /* combine: order matters, equal halves do not cancel, a pair table has no collisions */
    uint64_t h1 = h_i64(1), h2 = h_i64(2);
    assert_true(h_comb_i64(h1, 2) != h_comb_i64(h2, 1));
    assert_true(h_comb_i64(h1, 1) != 0 && h_comb_i64(h1, 1) != h_comb_i64(h2, 2));
    assert_true(h_comb_i64(h1, 2) != (h1 ^ h2));
    k = 0;
    for (int64_t x = 0; x < 256; x++)
        for (int64_t y = 0; y < 256; y++) h[k++] = h_comb_i64(h_i64(x), y);
    assert_int_equal(duplicates(h, k), 0);

    free(h);
    free(keys);
}

static void test_select(void **state)
{
    KT_CHECK_SCALAR_SELECT(hash);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_batches),
        cmocka_unit_test(test_null_code_not_read),
        cmocka_unit_test(test_equalities),
        cmocka_unit_test(test_quality),
    };
    kt_seed(0xda3e39cb94b95bdbull);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
