/*
 * agg_scheme.c — choosing how a partitioned aggregate splits its rows, and
 * applying that choice to rows and to groups (see agg_scheme.h).
 */
#include "agg_scheme.h"

#include <sched.h>
#include <stdlib.h>

#include "column.h"
#include "types.h"

_Static_assert(((size_t)1 << SLI_AGG_RANGE_MAX_BITS) <= SLI_AGG_RMAP_SIZE,
               "a range partition's window fits the range map");

/* A range scheme for t's one integer key, from the values its groups hold.
 * @return false when there is none to be had (several keys, another type,
 * no valid key, or windows wider than SLI_AGG_RANGE_MAX_BITS). */
static bool choose_range(const sli_agg_table *t, unsigned pbits, size_t seen, size_t total, sli_agg_scheme *s)
{
    if (t->nkeys != 1) return false;
    const sli_column *c = &t->keys[0].col;
    sl_ptype pt = sli_ptype(c->type);
    if (pt != SL_P_I8 && pt != SL_P_I16 && pt != SL_P_I32 && pt != SL_P_I64) return false;
    bool any = false;
    int64_t lo = 0, hi = 0, last = 0;
    size_t falls = 0; /* groups whose key is below the one before */
    for (size_t g = 0; g < t->ngroups; g++) {
        if (!sli_valid(c->validity, g)) continue;
        int64_t v = sli_agg_int_at(c->data, pt, g);
        falls += any && v < last;
        last = v;
        if (!any || v < lo) lo = v;
        if (!any || v > hi) hi = v;
        any = true;
    }
    if (!any) return false;
    __int128 ehi = hi;
    /* Keys that rise group after group (but for the order a vector's new
     * groups are made in: about half fall in random input) come from
     * input sorted by the key: as far again per row still to come. */
    bool rising = falls < t->ngroups / 8;
    if (rising && seen && total > seen) ehi = lo + ((__int128)hi - lo) * (__int128)total / (__int128)seen;
    /* Widened by an eighth of the span each side, within int64. */
    __int128 pad = (ehi - lo) / 8, wlo = lo - pad, whi = ehi + pad;
    if (wlo < INT64_MIN) wlo = INT64_MIN;
    if (whi > INT64_MAX) whi = INT64_MAX;
    uint64_t span = (uint64_t)(whi - wlo);
    unsigned need = span ? 64 - (unsigned)__builtin_clzll(span) : 0; /* span < 2^need */
    if (need > SLI_AGG_RANGE_MAX_BITS + pbits && pbits < SLI_AGG_RANGE_MAX_PBITS)
        pbits = need - SLI_AGG_RANGE_MAX_BITS < SLI_AGG_RANGE_MAX_PBITS ? need - SLI_AGG_RANGE_MAX_BITS
                                                                        : SLI_AGG_RANGE_MAX_PBITS;
    unsigned shift = need > pbits ? need - pbits : 0;
    if (shift > SLI_AGG_RANGE_MAX_BITS) return false;
    *s = (sli_agg_scheme){.pbits = pbits, .range = true, .lo = (int64_t)wlo, .shift = shift};
    return true;
}

static void choose(const sli_agg_table *first, unsigned pbits, size_t seen, size_t total, sli_agg_scheme *s)
{
    if (pbits < 1) pbits = 1; /* the bounds sli_part_rows_init keeps */
    if (pbits > 12) pbits = 12;
    if (!choose_range(first, pbits, seen, total, s)) *s = (sli_agg_scheme){.pbits = pbits};
}

void sli_agg_scheme_agree(sli_agg_scheme_once *once, const sli_agg_table *first, unsigned pbits, size_t seen,
                          size_t total, sli_agg_scheme *out)
{
    if (!once) {
        choose(first, pbits, seen, total, out);
        return;
    }
    int unset = 0;
    if (atomic_compare_exchange_strong(&once->state, &unset, 1)) {
        choose(first, pbits, seen, total, &once->s);
        atomic_store_explicit(&once->state, 2, memory_order_release);
    } else {
        while (atomic_load_explicit(&once->state, memory_order_acquire) != 2) sched_yield();
    }
    *out = once->s;
}

/* In-range rows take their partition in one pass that only notes whether
 * some row fell outside; only then a second pass routes those by hash. */
#define STAMP_ROWS(tn, T)                                                                                    \
    static void rows_##tn(const sli_agg_scheme *s, const T *restrict v, const uint8_t *validity,             \
                          const uint32_t *sel, size_t n, uint64_t *restrict out, uint8_t *restrict dirty)    \
    {                                                                                                        \
        unsigned top = 64 - s->pbits, sh = s->shift, pb = s->pbits;                                          \
        uint64_t lo = (uint64_t)s->lo, outside = 0;                                                          \
        if (!validity && !sel)                                                                               \
            for (size_t i = 0; i < n; i++) {                                                                 \
                uint64_t q = ((uint64_t)(int64_t)v[i] - lo) >> sh;                                           \
                outside |= q >> pb;                                                                          \
                out[i] = q << top;                                                                           \
            }                                                                                                \
        else                                                                                                 \
            for (size_t i = 0; i < n; i++) {                                                                 \
                uint32_t r = sel ? sel[i] : (uint32_t)i;                                                     \
                uint64_t q = ((uint64_t)(int64_t)v[r] - lo) >> sh;                                           \
                outside |= (q >> pb) | !sli_valid(validity, r);                                              \
                out[r] = q << top;                                                                           \
            }                                                                                                \
        for (size_t i = 0; outside && i < n; i++) {                                                          \
            uint32_t r = sel ? sel[i] : (uint32_t)i;                                                         \
            bool valid = sli_valid(validity, r);                                                             \
            size_t q = valid ? sli_agg_range_part(s, v[r]) : 0;                                              \
            if (valid && (((uint64_t)(int64_t)v[r] - lo) >> sh) >> pb == 0) continue;                        \
            out[r] = (uint64_t)q << top;                                                                     \
            dirty[q] = 1;                                                                                    \
        }                                                                                                    \
    }
STAMP_ROWS(i8, int8_t)
STAMP_ROWS(i16, int16_t)
STAMP_ROWS(i32, int32_t)
STAMP_ROWS(i64, int64_t)

void sli_agg_scheme_rows(const sli_agg_scheme *s, const sli_vec *key, const uint32_t *sel, size_t n,
                         uint64_t *out, uint8_t *dirty)
{
    switch (sli_ptype(key->type)) {
    case SL_P_I8: rows_i8(s, key->data, key->validity, sel, n, out, dirty); break;
    case SL_P_I16: rows_i16(s, key->data, key->validity, sel, n, out, dirty); break;
    case SL_P_I32: rows_i32(s, key->data, key->validity, sel, n, out, dirty); break;
    default: rows_i64(s, key->data, key->validity, sel, n, out, dirty); break;
    }
}

/* @return the partition of group g of t. */
static size_t group_part(const sli_agg_scheme *s, const sli_agg_table *t, sl_ptype pt, size_t g)
{
    if (!s->range) return sli_agg_partition(t->ghash[g], s->pbits);
    const sli_column *c = &t->keys[0].col;
    return sli_valid(c->validity, g) ? sli_agg_range_part(s, sli_agg_int_at(c->data, pt, g)) : 0;
}

sl_status sli_agg_scheme_groups(const sli_agg_scheme *s, const sli_agg_table *t, uint32_t **groups,
                                size_t **start)
{
    size_t np = (size_t)1 << s->pbits;
    sl_ptype pt = s->range ? sli_ptype(t->keys[0].col.type) : SL_P_I64;
    *groups = malloc((t->ngroups ? t->ngroups : 1) * sizeof **groups);
    *start = calloc(np + 1, sizeof **start);
    if (!*groups || !*start) return SL_ERR_NOMEM;
    size_t *st = *start;
    for (size_t g = 0; g < t->ngroups; g++) st[group_part(s, t, pt, g) + 1]++;
    for (size_t q = 1; q <= np; q++) st[q] += st[q - 1];
    for (size_t g = 0; g < t->ngroups; g++) (*groups)[st[group_part(s, t, pt, g)]++] = (uint32_t)g;
    for (size_t q = np; q > 0; q--) st[q] = st[q - 1]; /* back to starts */
    st[0] = 0;
    return SL_OK;
}
