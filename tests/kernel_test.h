/*
 * kernel_test.h — helpers shared by the kernel tests (tests/test_kernel_*.c).
 *
 * The kernel tests all run every kernel variant this CPU supports on seeded
 * xorshift data, dense and through random selection vectors, with and without
 * validity bitmaps. This header holds the pieces they share:
 *  - a xorshift64 generator (kt_seed, kt_rnd) and a random byte filler;
 *  - selection vectors for the standard selection modes (kt_make_sel) and the
 *    per-row "is selected" map (kt_mark);
 *  - validity bitmap reads (kt_bit, kt_is_valid);
 *  - the loop over runnable variants (KT_FOR_EACH_VARIANT) and the check that
 *    SL_FORCE_ISA=scalar selects a family's scalar entry (KT_CHECK_SCALAR_SELECT).
 *
 * Each test includes this header once, after cmocka.h (the macros use
 * cmocka's assertions), and calls kt_seed with its own seed at the start of
 * main, so that its data does not change with the other tests. The generator
 * state is per test program: the tests of one program share one sequence, in
 * the order cmocka runs them.
 *
 * Everything here is static inline, so a test that does not use a helper gets
 * no unused-function warning.
 */
#ifndef SLI_TESTS_KERNEL_TEST_H
#define SLI_TESTS_KERNEL_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/isa.h"

/* ---- random numbers ------------------------------------------------------------------------- */

/** Seed used when a test never calls kt_seed (and in place of a zero seed). */
#define KT_DEFAULT_SEED 0x2545f4914f6cdd1dull

/** State of the xorshift64 generator; set with kt_seed, advanced by kt_rnd. */
static uint64_t kt_rng_state = KT_DEFAULT_SEED;

/** Restarts the generator from `seed`. Xorshift never leaves state 0, so a
 *  zero seed is replaced by KT_DEFAULT_SEED. */
static inline void kt_seed(uint64_t seed)
{
    kt_rng_state = seed ? seed : KT_DEFAULT_SEED;
}

/** @return the next value of the xorshift64 (13, 7, 17) sequence. */
static inline uint64_t kt_rnd(void)
{
    kt_rng_state ^= kt_rng_state << 13;
    kt_rng_state ^= kt_rng_state >> 7;
    kt_rng_state ^= kt_rng_state << 17;
    return kt_rng_state;
}

/** Fills p[0..n) with random bytes, one kt_rnd() call per byte (low byte kept):
 *  data columns, or validity bitmaps with about half the rows null. */
static inline void kt_rand_bytes(void *p, size_t n)
{
    unsigned char *b = p;
    for (size_t i = 0; i < n; i++) b[i] = (unsigned char)kt_rnd();
}

/**
 * @return a random integer for kernel data: a quarter of the time one of
 * edge[0..nedge) (type limits and other values the test cares about), a
 * quarter of the time a small value in -3..3 (so equal values are common), and
 * otherwise 64 random bits. Callers cast it to their type, keeping the low bits.
 */
static inline int64_t kt_rand_edgy_i64(const int64_t *edge, size_t nedge)
{
    switch (kt_rnd() % 4) {
    case 0: return edge[kt_rnd() % nedge];
    case 1: return (int64_t)(kt_rnd() % 7) - 3;
    default: return (int64_t)kt_rnd();
    }
}

/**
 * @return a random double for kernel data: one time in `ways` one of
 * edge[0..nedge) (NaN, infinities, -0.0 and the like), one time in `ways` a
 * small integer in -3..3, and otherwise a random int64 divided by 1e9.
 */
static inline double kt_rand_edgy_f64(const double *edge, size_t nedge, unsigned ways)
{
    switch (kt_rnd() % ways) {
    case 0: return edge[kt_rnd() % nedge];
    case 1: return (double)((int)(kt_rnd() % 7) - 3);
    default: return (double)(int64_t)kt_rnd() / 1e9;
    }
}

/* ---- selection vectors ----------------------------------------------------------------------- */

/** Number of selection modes kt_make_sel knows; loop `mode` over 0..KT_NMODES-1. */
#define KT_NMODES 5

/**
 * Builds a selection over rows 0..nrows-1 for `mode`:
 *  0: dense (returns NULL, the kernels' "every row" selection);
 *  1..3: random ascending subsets holding about 50%, 10% and 90% of the rows;
 *  4: every row listed explicitly.
 * Positions are written to `sel` (room for nrows) and *m receives how many.
 * @return sel, or NULL for mode 0.
 */
static inline const uint32_t *kt_make_sel(int mode, size_t nrows, uint32_t *sel, size_t *m)
{
    static const unsigned pct[KT_NMODES] = {100, 50, 10, 90, 100};
    if (mode == 0) {
        *m = nrows;
        return NULL;
    }
    size_t k = 0;
    for (size_t r = 0; r < nrows; r++)
        if (kt_rnd() % 100 < pct[mode]) sel[k++] = (uint32_t)r;
    *m = k;
    return sel;
}

/** Sets in[r] to 1 for the rows r < nrows that selection (s, m) lists and to 0
 *  for the others; s == NULL selects every row. */
static inline void kt_mark(const uint32_t *s, size_t m, size_t nrows, uint8_t *in)
{
    memset(in, s ? 0 : 1, nrows);
    if (s)
        for (size_t i = 0; i < m; i++) in[s[i]] = 1;
}

/* ---- bitmaps --------------------------------------------------------------------------------- */

/** @return bit i (0 or 1) of bitmap b, least significant bit of each byte first. */
static inline int kt_bit(const uint8_t *b, size_t i)
{
    return (b[i / 8] >> (i % 8)) & 1;
}

/** @return whether row r is valid (non-null); validity == NULL means every row is. */
static inline int kt_is_valid(const uint8_t *validity, size_t r)
{
    return !validity || kt_bit(validity, r);
}

/* ---- variants -------------------------------------------------------------------------------- */

/** @return whether this CPU can run a variant built for `isa`. */
static inline int kt_runnable(sl_isa isa)
{
    return isa <= sli_isa_detect();
}

/*
 * Emulated AVX-512 variants. cmake/Simd.cmake also compiles the 512-bit SIMD
 * kernels without AVX-512 flags (SIMDe then emulates every intrinsic) into a
 * test-only object set, linked into the kernel tests with KT_HAVE_EMU defined;
 * sli_simd_emu_variant("filter") returns its sl_filter_variant ("avx512-emu",
 * runnable on any CPU), or NULL for a family without SIMD kernels. So the
 * AVX-512 code is verified on machines without AVX-512.
 */
#ifdef KT_HAVE_EMU
const void *sli_simd_emu_variant(const char *family);
#define KT_EMU(fam) sli_simd_emu_variant(#fam)
#else
#define KT_EMU(fam) NULL
#endif

/** Name of the variant KT_FOR_EACH_VARIANT is running (for failure messages). */
static const char *kt_variant_name __attribute__((unused)) = "";

/** @return entry v of family table `tab` (count entries), then the emulated
 *  variant `emu` at v == count (NULL when there is none). */
static inline const void *kt_variant_at(const void *tab, size_t size, size_t count, const void *emu, size_t v)
{
    return v < count ? (const char *)tab + v * size : emu;
}

/**
 * Runs the statement that follows once per variant of kernel family `fam`
 * that this CPU can run: the table sl_<fam>_variants in order (natively
 * compiled variants the CPU lacks are skipped), then the emulated AVX-512
 * variant when the test links one. `k` is bound to the variant's kernel set
 * (const sl_<fam>_kernels *) and kt_variant_name to its name:
 *
 *     KT_FOR_EACH_VARIANT(agg, k) { ... k->count(...) ... }
 *
 * `continue` in the body moves on to the next variant; so does `break` (it
 * leaves only the macro's inner loop). Do not nest two of these loops.
 */
#define KT_FOR_EACH_VARIANT(fam, k)                                                                          \
    for (size_t kt_v_ = 0; kt_v_ <= sl_##fam##_variant_count; kt_v_++)                                       \
        for (const sl_##fam##_variant *kt_var_ =                                                             \
                 kt_variant_at(sl_##fam##_variants, sizeof(sl_##fam##_variant), sl_##fam##_variant_count,    \
                               KT_EMU(fam), kt_v_);                                                          \
             kt_var_ && kt_runnable(kt_var_->isa) && (kt_variant_name = kt_var_->name); kt_var_ = NULL)      \
            for (const sl_##fam##_kernels *k = kt_var_->k; k; k = NULL)

/**
 * Checks, with cmocka assertions, that family `fam` has at least one variant
 * and that with SL_FORCE_ISA=scalar its selector returns the first entry of
 * its table (the scalar one). Unsets SL_FORCE_ISA afterwards. Call it before
 * anything else in the test program calls the selector, which caches.
 */
#define KT_CHECK_SCALAR_SELECT(fam)                                                                          \
    do {                                                                                                     \
        assert_int_equal(setenv("SL_FORCE_ISA", "scalar", 1), 0);                                            \
        assert_true(sl_##fam##_variant_count >= 1);                                                          \
        assert_ptr_equal(sli_##fam##_select(), &sl_##fam##_variants[0]);                                     \
        assert_int_equal(unsetenv("SL_FORCE_ISA"), 0);                                                       \
    } while (0)

#endif
