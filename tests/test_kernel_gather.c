/*
 * test_kernel_gather.c — tests of the gather kernels (kernels/gather.h).
 *
 * Every variant this CPU runs is compared with per-element oracles written
 * here on xorshift data, for every width (1, 2, 4, 8 and 16 bytes as
 * sli_strview), at every length 0..130, with random indexes (duplicates
 * included) and with the identity and reversed permutations; the bit gather
 * at every destination offset 0..17, with and without a source bitmap, and
 * must leave the destination bits outside [dst_off, dst_off + n) untouched.
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
#include "kernels/gather.h"
#include "kernels/isa.h"
#include "runtime/buffer.h"
#include "runtime/column.h"

#define MAXN     130
#define SRC_ROWS 300

/* Index pattern: 0 random (duplicates likely), 1 identity, 2 reversed, 3 one row repeated. */
static void make_idx(uint32_t *idx, size_t n, int pattern)
{
    uint32_t same = (uint32_t)(kt_rnd() % SRC_ROWS);
    for (size_t i = 0; i < n; i++) {
        switch (pattern) {
        case 0: idx[i] = (uint32_t)(kt_rnd() % SRC_ROWS); break;
        case 1: idx[i] = (uint32_t)i; break;
        case 2: idx[i] = (uint32_t)(n - 1 - i); break;
        default: idx[i] = same; break;
        }
    }
}

static void test_values(void **state)
{
    static const size_t widths[] = {1, 2, 4, 8, 16};
    unsigned char *src = sli_buf_alloc(SRC_ROWS * 16), *dst = sli_buf_alloc((MAXN + 1) * 16);
    uint32_t *idx = sli_buf_alloc(MAXN * 4);
    assert_true(src && dst && idx);
    KT_FOR_EACH_VARIANT(gather, k)
    {
        sl_gather_fn *fns[] = {k->w1, k->w2, k->w4, k->w8, k->w16};
        for (size_t w = 0; w < 5; w++) {
            size_t W = widths[w];
            for (size_t n = 0; n <= MAXN; n++) {
                for (int pattern = 0; pattern < 4; pattern++) {
                    kt_rand_bytes(src, SRC_ROWS * W);
                    make_idx(idx, n, pattern);
                    memset(dst, 0xee, (MAXN + 1) * 16);
                    fns[w](src, idx, n, dst);
                    for (size_t i = 0; i < n; i++)
                        for (size_t b = 0; b < W; b++)
                            if (dst[i * W + b] != src[idx[i] * W + b])
                                fail_msg("w%zu n=%zu pattern %d: dst[%zu] byte %zu differs", W, n, pattern, i,
                                         b);
                    for (size_t b = n * W; b < (MAXN + 1) * 16; b++)
                        if (dst[b] != 0xee) fail_msg("w%zu n=%zu: wrote past the end at byte %zu", W, n, b);
                }
            }
        }
        /* w16 moves string views intact */
        const char text[] = "hello world";
        sli_strview views[3] = {{text, 5}, {text + 6, 5}, {NULL, 0}}, out[4];
        const uint32_t order[] = {2, 0, 1, 0};
        k->w16(views, order, 4, out);
        assert_true(out[0].ptr == NULL && out[0].len == 0);
        assert_true(out[1].ptr == text && out[1].len == 5 && out[3].ptr == text);
        assert_true(out[2].ptr == text + 6 && out[2].len == 5);
        /* w8 moves doubles bit-exactly (NaN payloads, -0.0) */
        const uint64_t bits[] = {0x7ff8000000000123ull, 0x8000000000000000ull};
        double d[2], dout[2];
        memcpy(d, bits, sizeof d);
        const uint32_t swap[] = {1, 0};
        k->w8(d, swap, 2, dout);
        assert_memory_equal(&dout[0], &bits[1], 8);
        assert_memory_equal(&dout[1], &bits[0], 8);
    }
    sli_buf_free(src), sli_buf_free(dst), sli_buf_free(idx);
}

static void test_bits(void **state)
{
    enum { DST_BYTES = (MAXN + 18) / 8 + 2 };
    uint8_t *src = sli_buf_alloc(SRC_ROWS / 8 + 1), *dst = sli_buf_alloc(DST_BYTES),
            *before = malloc(DST_BYTES);
    uint32_t *idx = sli_buf_alloc(MAXN * 4);
    assert_true(src && dst && before && idx);
    KT_FOR_EACH_VARIANT(gather, k)
    {
        for (size_t n = 0; n <= MAXN; n++) {
            for (size_t off = 0; off <= 17; off++) {
                for (int pattern = 0; pattern < 4; pattern++) {
                    for (int has_src = 0; has_src < 2; has_src++) {
                        kt_rand_bytes(src, SRC_ROWS / 8 + 1);
                        for (size_t i = 0; i < DST_BYTES; i++) before[i] = dst[i] = (uint8_t)kt_rnd();
                        make_idx(idx, n, pattern);
                        k->bits(has_src ? src : NULL, idx, n, dst, off);
                        for (size_t b = 0; b < DST_BYTES * 8; b++) {
                            int e = (b >= off && b < off + n) ? (has_src ? kt_bit(src, idx[b - off]) : 1)
                                                              : kt_bit(before, b);
                            if (kt_bit(dst, b) != e)
                                fail_msg(
                                    "bits n=%zu off=%zu pattern %d src=%d: dst bit %zu is %d, expected %d", n,
                                    off, pattern, has_src, b, kt_bit(dst, b), e);
                        }
                    }
                }
            }
        }
    }
    sli_buf_free(src), sli_buf_free(dst), sli_buf_free(idx);
    free(before);
}

static void test_select(void **state)
{
    KT_CHECK_SCALAR_SELECT(gather);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_bits),
    };
    kt_seed(0x3c6ef372fe94f82bull);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
