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
 */
#include "agg_table.h"

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
