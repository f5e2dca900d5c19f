/*
 * agg_sum_small.c — grouped int64/decimal sums when there are few groups
 * (a runtime loop next to the agg.h kernels; see agg_table.h).
 *
 * The grouped sum kernel adds each row into a 128-bit state[gid[row]]; with
 * a handful of groups, consecutive rows hit the same state and every add waits
 * for the previous store (a chain through memory), and the 128-bit add is two
 * instructions. Here a vector is first summed into int64 partials, four copies
 * of them used round-robin by row so neighbouring rows never wait on each
 * other, and the partials are added to the 128-bit states once per vector.
 * int64 partials are exact when every |value| < 2^52: a vector has at most
 * SLI_VEC_SIZE = 2^11 rows, so |partial| < 2^63. The bound is checked in the
 * same pass; when it fails nothing is written and the caller uses the
 * kernel. Row counts per group are kept the same way.
 *
 * sli_agg_table_update_all folds several sums at once: every int64/decimal
 * sum or avg without NULLs (in this vector and before) over at most
 * SLI_AGG_FUSED_GROUPS groups is added in one pass over the rows, each row's
 * group id read once and its values added into a row of per-group int64
 * partials (again four copies, by row). A decimal column of precision <= 15
 * needs no bound check (|v| < 10^15 < 2^50); other values are checked over
 * every row position the selection spans (a superset of the selected rows,
 * which is safe: a value too large only sends that sum to the kernel).
 * sli_agg_table_add also counts the rows per group in that pass, after
 * finding the groups without counting them. A selection holding at least
 * 3/4 of the rows it spans is run as dense rows: the rows it skips get the
 * group id ngroups in t->gid, a slot of partials that is dropped, which is
 * cheaper than reading each row through the selection.
 *
 * This file is runtime code, built for the baseline instruction set; its
 * two hot loops (the fused sums and the marking of skipped rows) are built
 * once more for AVX2 on x86-64 and chosen per call from the aggregate
 * kernels' level (sli_agg_select, so SL_FORCE_ISA reaches them too).
 */
#include <string.h>

#include "agg_table.h"
#include "kernels/agg.h"

#define LANES 4

static inline uint64_t valid_mask(const uint8_t *validity, uint32_t r)
{
    return validity ? -(uint64_t)((validity[r >> 3] >> (r & 7)) & 1) : ~(uint64_t)0;
}

/* Partials wrap (unsigned) if a value is too large; `m` then shows it and
 * nothing is written. v ^ (v >> 63) is |v| or |v| - 1. */
#define ADD(l, r, mask)                                                                                      \
    do {                                                                                                     \
        int64_t x_ = v[r];                                                                                   \
        m |= (uint64_t)(x_ ^ (x_ >> 63));                                                                    \
        acc[l][gid[r]] += (uint64_t)x_ & (mask);                                                             \
    } while (0)

bool sli_agg_sum_small(__int128 *restrict state, size_t ngroups, const uint32_t *restrict gid,
                       const int64_t *restrict v, const uint8_t *restrict validity,
                       const uint32_t *restrict sel, size_t n)
{
    if (ngroups > SLI_AGG_SMALL_GROUPS || n > SLI_VEC_SIZE) return false;
    uint64_t acc[LANES][SLI_AGG_SMALL_GROUPS], m = 0;
    for (size_t l = 0; l < LANES; l++)
        for (size_t g = 0; g < ngroups; g++) acc[l][g] = 0;
    size_t i = 0;
    if (!sel && !validity) {
        for (; i + LANES <= n; i += LANES)
            for (size_t l = 0; l < LANES; l++) ADD(l, i + l, ~(uint64_t)0);
    } else {
        for (; i + LANES <= n; i += LANES)
            for (size_t l = 0; l < LANES; l++) {
                uint32_t r = sel ? sel[i + l] : (uint32_t)(i + l);
                ADD(l, r, valid_mask(validity, r));
            }
    }
    for (; i < n; i++) {
        uint32_t r = sel ? sel[i] : (uint32_t)i;
        ADD(0, r, valid_mask(validity, r));
    }
    if (m >= ((uint64_t)1 << 52)) return false;
    for (size_t g = 0; g < ngroups; g++) {
        uint64_t s = 0;
        for (size_t l = 0; l < LANES; l++) s += acc[l][g];
        state[g] += (int64_t)s; /* exact: |sum| < 2^52 * 2^11 = 2^63 */
    }
    return true;
}

void sli_agg_count_small(int64_t *restrict rows, size_t ngroups, const uint32_t *restrict gid,
                         const uint32_t *restrict sel, size_t n)
{
    if (ngroups > SLI_AGG_SMALL_GROUPS) {
        if (sel)
            for (size_t i = 0; i < n; i++) rows[gid[sel[i]]]++;
        else
            for (size_t i = 0; i < n; i++) rows[gid[i]]++;
        return;
    }
    uint32_t acc[LANES][SLI_AGG_SMALL_GROUPS];
    for (size_t l = 0; l < LANES; l++)
        for (size_t g = 0; g < ngroups; g++) acc[l][g] = 0;
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (size_t l = 0; l < LANES; l++) acc[l][gid[sel ? sel[i + l] : i + l]]++;
    for (; i < n; i++) acc[0][gid[sel ? sel[i] : i]]++;
    for (size_t g = 0; g < ngroups; g++) rows[g] += (int64_t)acc[0][g] + acc[1][g] + acc[2][g] + acc[3][g];
}

/* ---- several sums in one pass ---------------------------------------------------------- */

/* Every v[i] in [-2^52, 2^52) for rows 0..rows-1: v + 2^52 in [0, 2^53) as
 * an unsigned number (an add and an or a row, which vectorize). */
static bool small_values(const int64_t *restrict v, size_t rows)
{
    const uint64_t off = (uint64_t)1 << 52;
    uint64_t m[8] = {0}; /* independent chains, a vector register's worth or two */
    size_t i = 0;
    for (; i + 8 <= rows; i += 8)
        for (size_t l = 0; l < 8; l++) m[l] |= (uint64_t)v[i + l] + off;
    for (; i < rows; i++) m[0] |= (uint64_t)v[i] + off;
    return (m[0] | m[1] | m[2] | m[3] | m[4] | m[5] | m[6] | m[7]) < ((uint64_t)1 << 53);
}

/* Partials of one lane and group: the sums, then the row count. */
#define WIDTH (SLI_AGG_FUSED_SUMS + 1)

/* Partial slots: the groups, and one more that update() sends unselected
 * rows to when it runs a selection as dense rows (its partials are dropped). */
#define SLOTS (SLI_AGG_FUSED_GROUPS + 1)

/* acc[lane][g][j] += v[j][row], and with C acc[lane][g][K] += 1; K and C are
 * constants after inlining, so a row's adds unroll. Sums are exact in int64:
 * each value is in [-2^52, 2^52) and a vector has at most 2^11 rows, so
 * every sum is in [-2^63, 2^63). */
static inline __attribute__((always_inline)) void fused_rows(uint64_t (*restrict acc)[SLOTS][WIDTH],
                                                             const int64_t *const *restrict v, size_t K,
                                                             bool C, const uint32_t *restrict gid,
                                                             const uint32_t *restrict sel, size_t n)
{
    const int64_t *p[SLI_AGG_FUSED_SUMS];
    for (size_t j = 0; j < K; j++) p[j] = v[j];
#define FUSED_ROW(l, r)                                                                                      \
    do {                                                                                                     \
        uint64_t *a_ = acc[l][gid[r]];                                                                       \
        for (size_t j = 0; j < K; j++) a_[j] += (uint64_t)p[j][r];                                           \
        if (C) a_[K]++;                                                                                      \
    } while (0)
    size_t i = 0;
    if (sel) {
        for (; i + LANES <= n; i += LANES)
            for (size_t l = 0; l < LANES; l++) FUSED_ROW(l, sel[i + l]);
        for (; i < n; i++) FUSED_ROW(0, sel[i]);
    } else {
        for (; i + LANES <= n; i += LANES)
            for (size_t l = 0; l < LANES; l++) FUSED_ROW(l, i + l);
        for (; i < n; i++) FUSED_ROW(0, i);
    }
#undef FUSED_ROW
}

/* sli_agg_sums_fused, where gid[row] may also be ngroups: such rows go to a
 * slot whose partials are dropped. */
static inline __attribute__((always_inline)) void sums_body(__int128 *const *state, const int64_t *const *v,
                                                            size_t nsums, int64_t *rows, size_t ngroups,
                                                            const uint32_t *restrict gid,
                                                            const uint32_t *restrict sel, size_t n)
{
    uint64_t acc[LANES][SLOTS][WIDTH];
    for (size_t l = 0; l < LANES; l++)
        for (size_t g = 0; g <= ngroups; g++)
            for (size_t j = 0; j < WIDTH; j++) acc[l][g][j] = 0;
    bool c = rows != NULL;
#define FUSED_CASE(k)                                                                                        \
    case k:                                                                                                  \
        if (c)                                                                                               \
            fused_rows(acc, v, k, true, gid, sel, n);                                                        \
        else                                                                                                 \
            fused_rows(acc, v, k, false, gid, sel, n);                                                       \
        break;
    switch (nsums < SLI_AGG_FUSED_SUMS ? nsums : SLI_AGG_FUSED_SUMS) {
        FUSED_CASE(0)
        FUSED_CASE(1)
        FUSED_CASE(2)
        FUSED_CASE(3)
        FUSED_CASE(4)
        FUSED_CASE(5)
        FUSED_CASE(6)
        FUSED_CASE(7)
        FUSED_CASE(SLI_AGG_FUSED_SUMS)
    }
#undef FUSED_CASE
    for (size_t g = 0; g < ngroups; g++) {
        for (size_t j = 0; j < nsums; j++) {
            uint64_t s = 0;
            for (size_t l = 0; l < LANES; l++) s += acc[l][g][j];
            state[j][g] += (int64_t)s; /* exact: in [-2^63, 2^63) */
        }
        if (c)
            rows[g] += (int64_t)(acc[0][g][nsums] + acc[1][g][nsums] + acc[2][g][nsums] + acc[3][g][nsums]);
    }
}

/* sums_body compiled for the baseline and, on x86-64, for AVX2, whose
 * 256-bit adds take a row's partials four at a time; the AVX2 copy runs
 * where the aggregate kernels chosen (sli_agg_select, SL_FORCE_ISA) are
 * AVX2 or wider. */
static void sums_base(__int128 *const *state, const int64_t *const *v, size_t nsums, int64_t *rows,
                      size_t ngroups, const uint32_t *restrict gid, const uint32_t *restrict sel, size_t n)
{
    sums_body(state, v, nsums, rows, ngroups, gid, sel, n);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AVX2_COPY 1
__attribute__((target("avx2"))) static void sums_avx2(__int128 *const *state, const int64_t *const *v,
                                                      size_t nsums, int64_t *rows, size_t ngroups,
                                                      const uint32_t *restrict gid,
                                                      const uint32_t *restrict sel, size_t n)
{
    sums_body(state, v, nsums, rows, ngroups, gid, sel, n);
}
#endif

static void sums_pass(__int128 *const *state, const int64_t *const *v, size_t nsums, int64_t *rows,
                      size_t ngroups, const uint32_t *restrict gid, const uint32_t *restrict sel, size_t n)
{
#ifdef HAVE_AVX2_COPY
    if (sli_agg_select()->isa >= SL_ISA_AVX2) {
        sums_avx2(state, v, nsums, rows, ngroups, gid, sel, n);
        return;
    }
#endif
    sums_base(state, v, nsums, rows, ngroups, gid, sel, n);
}

void sli_agg_sums_fused(__int128 *const *state, const int64_t *const *v, size_t nsums, int64_t *rows,
                        size_t ngroups, const uint32_t *restrict gid, const uint32_t *restrict sel, size_t n)
{
    sums_pass(state, v, nsums, rows, ngroups, gid, sel, n);
}

/* gid[r] = drop for each row r < rows that sel[0..n) skips (rows <=
 * SLI_VEC_SIZE). Branch-free: a byte per row says whether it is selected,
 * then a pass over the rows keeps or replaces each id. */
static inline __attribute__((always_inline)) void
mark_body(uint32_t *restrict gid, uint32_t drop, const uint32_t *restrict sel, size_t n, size_t rows)
{
    uint8_t in[SLI_VEC_SIZE];
    memset(in, 0, rows);
    for (size_t i = 0; i < n; i++) in[sel[i]] = 1;
    for (size_t r = 0; r < rows; r++) {
        uint32_t keep = -(uint32_t)in[r];
        gid[r] = (gid[r] & keep) | (drop & ~keep);
    }
}

/* mark_body for the baseline and for AVX2 (bytes widened to ids eight at a
 * time), chosen like sums_pass's copies. */
static void mark_base(uint32_t *restrict gid, uint32_t drop, const uint32_t *restrict sel, size_t n,
                      size_t rows)
{
    mark_body(gid, drop, sel, n, rows);
}

#ifdef HAVE_AVX2_COPY
__attribute__((target("avx2"))) static void mark_avx2(uint32_t *restrict gid, uint32_t drop,
                                                      const uint32_t *restrict sel, size_t n, size_t rows)
{
    mark_body(gid, drop, sel, n, rows);
}
#endif

static void mark_unselected(uint32_t *restrict gid, uint32_t drop, const uint32_t *restrict sel, size_t n,
                            size_t rows)
{
#ifdef HAVE_AVX2_COPY
    if (sli_agg_select()->isa >= SL_ISA_AVX2) {
        mark_avx2(gid, drop, sel, n, rows);
        return;
    }
#endif
    mark_base(gid, drop, sel, n, rows);
}

/* A sum this vector can fold into int64 partials: int64/decimal values, no
 * NULLs so far (so no count to keep), its own states. */
static bool fusable(const sli_agg_table *t, size_t k, const sli_vec *arg)
{
    const sli_agg *a = &t->aggs[k];
    return (a->fn == SLI_AGG_SUM || a->fn == SLI_AGG_AVG) && t->alias[k] == k && !t->counted[k] && arg &&
           !arg->validity && sli_ptype(arg->type) == SL_P_I64;
}

/* Values of a decimal column of precision <= 15 are below 10^15 < 2^52. */
static bool bounded_by_type(const sli_agg *a)
{
    return a->arg->kind == SLI_EX_COLUMN && a->arg->type.id == SL_TYPE_DECIMAL &&
           a->arg->type.precision <= 15;
}

/* sli_agg_table_update_all; with count_rows the rows per group are counted
 * too (before any aggregate that reads them), in the fused pass when it runs. */
static sl_status update(sli_agg_table *t, const sli_vec *args, const uint32_t *sel, size_t n, bool count_rows,
                        size_t *failed)
{
    bool done[SLI_AGG_FUSED_SUMS * 4] = {false};
    __int128 *state[SLI_AGG_FUSED_SUMS];
    const int64_t *v[SLI_AGG_FUSED_SUMS];
    size_t nf = 0;
    if (t->nkeys && t->ngroups <= SLI_AGG_FUSED_GROUPS && n > 0) {
        size_t rows = sel ? sel[n - 1] + 1 : n;
        for (size_t k = 0; k < t->naggs && k < SLI_AGG_FUSED_SUMS * 4 && nf < SLI_AGG_FUSED_SUMS; k++) {
            const sli_vec *arg = t->aggs[k].arg ? &args[k] : NULL;
            if (!fusable(t, k, arg) || (!bounded_by_type(&t->aggs[k]) && !small_values(arg->data, rows)))
                continue;
            state[nf] = t->state[k];
            v[nf++] = arg->data;
            done[k] = true;
        }
        if (nf || count_rows) {
            /* A selection of at least 3/4 of the rows it spans runs as dense
             * rows (contiguous loads, no indirection): the skipped rows go to
             * the dropped slot, whose partials may wrap and are never read. */
            bool dense = sel && 4 * n >= 3 * rows;
            if (dense) mark_unselected(t->gid, (uint32_t)t->ngroups, sel, n, rows);
            sums_pass(state, v, nf, count_rows ? t->rows : NULL, t->ngroups, t->gid, dense ? NULL : sel,
                      dense ? rows : n);
        }
    } else if (count_rows) {
        sli_agg_count_small(t->rows, t->ngroups, t->gid, sel, n);
    }
    for (size_t k = 0; k < t->naggs; k++) {
        if (k < SLI_AGG_FUSED_SUMS * 4 && done[k]) continue;
        sl_status s = sli_agg_table_update(t, k, t->aggs[k].arg ? &args[k] : NULL, sel, n);
        if (s) {
            *failed = k;
            return s;
        }
    }
    return SL_OK;
}

sl_status sli_agg_table_update_all(sli_agg_table *t, const sli_vec *args, const uint32_t *sel, size_t n,
                                   size_t *failed)
{
    return update(t, args, sel, n, false, failed);
}

sl_status sli_agg_table_add(sli_agg_table *t, const sli_vec *keys, const sli_vec *args, const uint32_t *sel,
                            size_t n, size_t *failed)
{
    sl_status s;
    if (!t->nkeys || !t->keep_rows || n == 0) {
        if ((s = sli_agg_table_groups(t, keys, sel, n))) {
            *failed = SIZE_MAX;
            return s;
        }
        return update(t, args, sel, n, false, failed);
    }
    /* sli_agg_table_groups without its count of rows, which the update does */
    t->ngroups_before = t->ngroups;
    if ((s = sli_agg_assign(t, keys, sel, n))) {
        *failed = SIZE_MAX;
        return s;
    }
    return update(t, args, sel, n, true, failed);
}
