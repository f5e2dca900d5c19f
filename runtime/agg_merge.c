/*
 * agg_merge.c — merging aggregation tables: the second half of thread-local
 * pre-aggregation (see agg_table.h).
 *
 * Each worker aggregates its morsels into its own table. At the end the
 * groups are split into 2^pbits partitions by the top bits of their hash;
 * partition p of the result is built by merging partition p of every
 * worker's table into one table, so the partitions can be merged by
 * different threads at once (their groups are disjoint), and the results
 * are concatenated. A merge reads the source's keys as vectors, finds or
 * creates their groups in the destination with the ordinary group lookup,
 * then combines the states of that vector of groups one aggregate at a
 * time (each aggregate's kind decided once per vector). sli_agg_table_merge_groups merges
 * a given list of groups instead (a caller that has already sorted the
 * groups by partition gathers each partition's keys without a scan).
 */
#include <stdlib.h>
#include <string.h>

#include "agg_table.h"
#include "buffer.h"
#include "materialize.h"

sl_status sli_agg_table_prepare_merge(sli_agg_table *src)
{
    if (src->nkeys == 0 || src->hashes_valid) return SL_OK;
    sl_status s = sli_agg_group_hashes(src, 0, src->ngroups, src->ghash);
    if (!s) src->hashes_valid = true;
    return s;
}

#define BETTER_MIN(x, cur) ((x) < (cur))
#define BETTER_MAX(x, cur) ((x) > (cur))
/* NaN is the largest value, as in the min/max kernels. */
#define BETTER_MIN_F(x, cur) ((x) < (cur) || ((cur) != (cur) && (x) == (x)))
#define BETTER_MAX_F(x, cur) ((x) > (cur) || ((x) != (x) && (cur) == (cur)))

/* dst group dg[j] takes src group sg[j]'s value where it is better, j < m. */
#define COMBINE_MM(T, BETTER)                                                                                \
    do {                                                                                                     \
        T *d_ = dst->state[k];                                                                               \
        const T *s_ = src->state[k];                                                                         \
        uint8_t *dseen_ = dst->seen[k];                                                                      \
        const uint8_t *sseen_ = src->seen[k];                                                                \
        for (size_t j = 0; j < m; j++) {                                                                     \
            uint32_t d = dg[j], g = sg[j];                                                                   \
            if (sseen_[g] && (!dseen_[d] || BETTER(s_[g], d_[d]))) {                                         \
                d_[d] = s_[g];                                                                               \
                dseen_[d] = 1;                                                                               \
            }                                                                                                \
        }                                                                                                    \
    } while (0)

/* dst's k-th count gains src group sg[j]'s for dst group dg[j], j < m. */
static void combine_counts(sli_agg_table *dst, const sli_agg_table *src, size_t k, const uint32_t *dg,
                           const uint32_t *sg, size_t m)
{
    int64_t *restrict dc = dst->count[k];
    if (src->counted[k]) {
        const int64_t *sc = src->count[k];
        for (size_t j = 0; j < m; j++) dc[dg[j]] += sc[sg[j]];
    } else if (src->keep_rows) {
        const int64_t *sr = src->rows;
        for (size_t j = 0; j < m; j++) dc[dg[j]] += sr[sg[j]];
    } else {
        for (size_t j = 0; j < m; j++) dc[dg[j]] += 1;
    }
}

/* Folds src group sg[j] into dst group dg[j] for j < m, one aggregate at a
 * time (each aggregate's kind decided once for all the groups). */
static void combine(sli_agg_table *dst, const sli_agg_table *src, const uint32_t *dg, const uint32_t *sg,
                    size_t m)
{
    for (size_t k = 0; k < dst->naggs; k++) {
        const sli_agg *a = &dst->aggs[k];
        sl_ptype pt = a->arg ? sli_ptype(a->arg->type) : SL_P_I64;
        if (dst->alias[k] != k) continue; /* its states are another's */
        switch (a->fn) {
        case SLI_AGG_COUNT_STAR: break;
        case SLI_AGG_SUM:
        case SLI_AGG_AVG:
            if (pt == SL_P_F64) {
                double *restrict d = dst->state[k];
                const double *sv = src->state[k];
                for (size_t j = 0; j < m; j++) d[dg[j]] += sv[sg[j]];
            } else {
                __int128 *restrict d = dst->state[k];
                const __int128 *sv = src->state[k];
                for (size_t j = 0; j < m; j++) d[dg[j]] += sv[sg[j]];
            }
            __attribute__((fallthrough)); /* the count */
        case SLI_AGG_COUNT:
            if (dst->counted[k]) combine_counts(dst, src, k, dg, sg, m);
            break;
        case SLI_AGG_MIN:
        case SLI_AGG_MAX: {
            bool mn = a->fn == SLI_AGG_MIN;
            switch (pt) {
            case SL_P_I8:
                if (mn)
                    COMBINE_MM(int8_t, BETTER_MIN);
                else
                    COMBINE_MM(int8_t, BETTER_MAX);
                break;
            case SL_P_I16:
                if (mn)
                    COMBINE_MM(int16_t, BETTER_MIN);
                else
                    COMBINE_MM(int16_t, BETTER_MAX);
                break;
            case SL_P_I32:
                if (mn)
                    COMBINE_MM(int32_t, BETTER_MIN);
                else
                    COMBINE_MM(int32_t, BETTER_MAX);
                break;
            case SL_P_I64:
                if (mn)
                    COMBINE_MM(int64_t, BETTER_MIN);
                else
                    COMBINE_MM(int64_t, BETTER_MAX);
                break;
            default:
                if (mn)
                    COMBINE_MM(double, BETTER_MIN_F);
                else
                    COMBINE_MM(double, BETTER_MAX_F);
                break;
            }
            break;
        }
        }
    }
    if (dst->keep_rows) {
        int64_t *restrict dr = dst->rows;
        for (size_t j = 0; j < m; j++) dr[dg[j]] += src->rows[sg[j]];
    }
}

/* Counts that src keeps apart from its rows must be kept apart in dst too.
 * @return SL_OK or SL_ERR_NOMEM. */
static sl_status align_counts(sli_agg_table *dst, const sli_agg_table *src)
{
    for (size_t k = 0; k < dst->naggs; k++)
        if (src->counted[k] && !dst->counted[k]) {
            if (sli_agg_start_count(dst, k)) return SL_ERR_NOMEM;
            for (size_t g = 0; g < dst->ngroups; g++) dst->count[k][g] = dst->keep_rows ? dst->rows[g] : 1;
            dst->counted[k] = true;
        }
    return SL_OK;
}

sl_status sli_agg_table_merge_groups(sli_agg_table *dst, const sli_agg_table *src, const uint32_t *groups,
                                     size_t n)
{
    if (align_counts(dst, src)) return SL_ERR_NOMEM;
    if (dst->nkeys == 0) {
        const uint32_t zero = 0;
        for (size_t i = 0; i < n; i++) combine(dst, src, &zero, &groups[i], 1);
        return SL_OK;
    }
    size_t nk = dst->nkeys;
    sli_vec *v = calloc(nk, sizeof *v);
    char *vals = sli_buf_alloc(nk * SLI_VEC_SIZE * 16); /* 16: the widest value, a string view */
    uint8_t *valid = sli_buf_alloc(nk * SLI_VEC_SIZE / 8);
    sl_status s = v && vals && valid ? SL_OK : SL_ERR_NOMEM;
    for (size_t base = 0; base < n && !s; base += SLI_VEC_SIZE) {
        size_t m = n - base < SLI_VEC_SIZE ? n - base : SLI_VEC_SIZE;
        for (size_t k = 0; k < nk; k++)
            sli_vec_gather_column(&src->keys[k].col, groups + base, m, vals + k * SLI_VEC_SIZE * 16,
                                  valid + k * SLI_VEC_SIZE / 8, &v[k]);
        if ((s = sli_agg_assign(dst, v, NULL, m))) break;
        combine(dst, src, dst->gid, groups + base, m);
    }
    free(v);
    sli_buf_free(vals);
    sli_buf_free(valid);
    return s;
}

sl_status sli_agg_table_merge(sli_agg_table *dst, const sli_agg_table *src, unsigned pbits, size_t part)
{
    if (align_counts(dst, src)) return SL_ERR_NOMEM;
    if (dst->nkeys == 0) {
        const uint32_t zero = 0;
        if (part == 0) combine(dst, src, &zero, &zero, 1); /* the global group is in partition 0 */
        return SL_OK;
    }
    if (!src->hashes_valid && pbits) return SL_ERR_INTERNAL; /* prepare_merge first */
    size_t nk = dst->nkeys;
    sli_vec *v = calloc(nk, sizeof *v);
    sli_strview **views = calloc(nk, sizeof *views);
    uint32_t *sel = sli_buf_alloc(SLI_VEC_SIZE * sizeof *sel);
    uint32_t *dg = sli_buf_alloc(SLI_VEC_SIZE * sizeof *dg), *sg = sli_buf_alloc(SLI_VEC_SIZE * sizeof *sg);
    sl_status s = v && views && sel && dg && sg ? SL_OK : SL_ERR_NOMEM;
    for (size_t k = 0; k < nk && !s; k++)
        if (src->keys[k].col.type.id == SL_TYPE_UTF8 &&
            !(views[k] = sli_buf_alloc(SLI_VEC_SIZE * sizeof **views)))
            s = SL_ERR_NOMEM;
    for (size_t base = 0; base < src->ngroups && !s; base += SLI_VEC_SIZE) {
        size_t m = src->ngroups - base < SLI_VEC_SIZE ? src->ngroups - base : SLI_VEC_SIZE, ns = 0;
        for (size_t i = 0; i < m; i++) {
            sel[ns] = (uint32_t)i;
            ns += sli_agg_partition(pbits ? src->ghash[base + i] : 0, pbits) == part;
        }
        if (ns == 0) continue;
        for (size_t k = 0; k < nk; k++) sli_vec_from_column(&src->keys[k].col, base, m, views[k], &v[k]);
        if ((s = sli_agg_assign(dst, v, sel, ns))) break;
        for (size_t j = 0; j < ns; j++) {
            dg[j] = dst->gid[sel[j]];
            sg[j] = (uint32_t)(base + sel[j]);
        }
        combine(dst, src, dg, sg, ns);
    }
    if (views)
        for (size_t k = 0; k < nk; k++) sli_buf_free(views[k]);
    free(views);
    free(v);
    sli_buf_free(sel);
    sli_buf_free(dg);
    sli_buf_free(sg);
    return s;
}
