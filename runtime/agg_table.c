/*
 * agg_table.c — grouped aggregation: group bookkeeping, aggregate states,
 * their updates and the output table (see agg_table.h). Finding a row's
 * group is in agg_direct.c and agg_hash.c; merging tables in agg_merge.c.
 */
#include "agg_table.h"

#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "context.h"
#include "eval.h"
#include "kernels/agg.h"
#include "materialize.h"
#include "types.h"

static size_t state_width(const sli_agg *a)
{
    switch (a->fn) {
    case SLI_AGG_COUNT:
    case SLI_AGG_COUNT_STAR: return 0; /* counts live in rows / count */
    case SLI_AGG_SUM:
    case SLI_AGG_AVG: return sli_ptype(a->arg->type) == SL_P_F64 ? sizeof(double) : sizeof(__int128);
    case SLI_AGG_MIN:
    case SLI_AGG_MAX: return sli_type_width(a->arg->type);
    }
    return 8;
}

static bool has_seen(const sli_agg *a)
{
    return a->fn == SLI_AGG_MIN || a->fn == SLI_AGG_MAX;
}

static bool sums(const sli_agg *a)
{
    return a->fn == SLI_AGG_SUM || a->fn == SLI_AGG_AVG;
}

/* sum(x) and avg(x) of one argument keep the same sum and count: the later
 * one shares the states of the first (Q1 has two such pairs). */
static size_t share_with(const sli_agg *aggs, size_t k)
{
    const sli_agg *a = &aggs[k];
    if (!sums(a)) return k;
    for (size_t j = 0; j < k; j++)
        if (sums(&aggs[j]) && sli_eval_same_expr(aggs[j].arg, a->arg)) return j;
    return k;
}

#define GROW(p, T, oldn, newn)                                                                               \
    do {                                                                                                     \
        T *q_ = sli_buf_realloc((p), (oldn) * sizeof(T), (newn) * sizeof(T));                                \
        if (!q_) return SL_ERR_NOMEM;                                                                        \
        (p) = q_;                                                                                            \
    } while (0)

/* Moves the first `keep` bytes of p into a new buffer of `bytes` whose other
 * bytes are left as they are (for arrays read only below ngroups).
 * @return the new buffer (p is freed) or NULL (p is kept). */
static void *grow_uninit(void *p, size_t keep, size_t bytes)
{
    char *q = sli_buf_alloc_uninit(bytes);
    if (!q) return NULL;
    if (p) memcpy(q, p, keep);
    sli_buf_free(p);
    return q;
}

static sl_status grow_states(sli_agg_table *t, size_t cap)
{
    for (size_t k = 0; k < t->naggs; k++) {
        const sli_agg *a = &t->aggs[k];
        size_t w = state_width(a);
        if (w) GROW(t->state[k], char, t->cap *w, cap *w);
        if (t->count[k]) GROW(t->count[k], int64_t, t->cap, cap);
        if (has_seen(a)) GROW(t->seen[k], uint8_t, t->cap, cap);
    }
    if (t->keep_rows) GROW(t->rows, int64_t, t->cap, cap);
    /* hashes are written as groups are made (or all at once by prepare_merge) */
    uint64_t *gh = grow_uninit(t->ghash, t->ngroups * sizeof *gh, cap * sizeof *gh);
    if (!gh) return SL_ERR_NOMEM;
    t->ghash = gh;
    if (t->d.keys) GROW(t->d.gidx, uint64_t, t->cap, cap);
    t->cap = cap;
    return SL_OK;
}

sl_status sli_agg_grow(sli_agg_table *t)
{
    if (t->ngroups >= (size_t)UINT32_MAX - 1) return SL_ERR_UNSUPPORTED;
    return t->ngroups < t->cap ? SL_OK : grow_states(t, t->cap * 2);
}

sl_status sli_agg_reserve(sli_agg_table *t, size_t cap)
{
    if (cap <= t->cap) return SL_OK;
    for (size_t k = 0; k < t->nkeys; k++) {
        sl_status s = sli_colbuilder_reserve(&t->keys[k], cap - t->keys[k].col.length);
        if (s) return s;
    }
    return grow_states(t, cap);
}

sl_status sli_agg_append_keys(sli_agg_table *t, const sli_vec *keys, uint32_t r)
{
    for (size_t k = 0; k < t->nkeys; k++) {
        sl_status s = sli_append_vec(&t->keys[k], &keys[k], &r, 1);
        if (s) return s;
    }
    return SL_OK;
}

sl_status sli_agg_group_hashes(sli_agg_table *t, size_t from, size_t to, uint64_t *out)
{
    sli_vec *v = calloc(t->nkeys, sizeof *v);
    sli_strview **views = calloc(t->nkeys, sizeof *views);
    uint64_t *h = sli_buf_alloc(SLI_VEC_SIZE * sizeof *h);
    sl_status s = v && views && h ? SL_OK : SL_ERR_NOMEM;
    for (size_t k = 0; k < t->nkeys && !s; k++)
        if (t->keys[k].col.type.id == SL_TYPE_UTF8 &&
            !(views[k] = sli_buf_alloc(SLI_VEC_SIZE * sizeof **views)))
            s = SL_ERR_NOMEM;
    /* Vectors over a column start at multiples of 8 (validity bytes are shared). */
    for (size_t base = from & ~(size_t)7; base < to && !s; base += SLI_VEC_SIZE) {
        size_t m = to - base < SLI_VEC_SIZE ? to - base : SLI_VEC_SIZE;
        for (size_t k = 0; k < t->nkeys && !s; k++) {
            sli_vec_from_column(&t->keys[k].col, base, m, views[k], &v[k]);
            s = sli_hash_vec(&v[k], NULL, m, k > 0, h, &t->ks);
        }
        for (size_t i = base < from ? from - base : 0; i < m && !s; i++) out[base + i - from] = h[i];
    }
    if (views)
        for (size_t k = 0; k < t->nkeys; k++) sli_buf_free(views[k]);
    free(views);
    free(v);
    sli_buf_free(h);
    return s;
}

sl_status sli_agg_table_init(sli_agg_table *t, const sl_type *key_types, size_t nkeys, const sli_agg *aggs,
                             size_t naggs)
{
    memset(t, 0, sizeof *t);
    t->nkeys = nkeys;
    t->naggs = naggs;
    t->aggs = aggs;
    t->keys = calloc(nkeys ? nkeys : 1, sizeof *t->keys);
    t->state = calloc(naggs ? naggs : 1, sizeof *t->state);
    t->count = calloc(naggs ? naggs : 1, sizeof *t->count);
    t->counted = calloc(naggs ? naggs : 1, sizeof *t->counted);
    t->seen = calloc(naggs ? naggs : 1, sizeof *t->seen);
    t->alias = calloc(naggs ? naggs : 1, sizeof *t->alias);
    if (!t->alias) return SL_ERR_NOMEM;
    t->keep_rows = nkeys == 0;
    for (size_t k = 0; k < naggs; k++) {
        t->alias[k] = share_with(aggs, k);
        t->keep_rows |=
            aggs[k].fn == SLI_AGG_COUNT_STAR || aggs[k].fn == SLI_AGG_COUNT || aggs[k].fn == SLI_AGG_AVG;
    }
    t->hbuf = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint64_t));
    t->gid = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint32_t));
    if (!t->keys || !t->state || !t->count || !t->counted || !t->seen || !t->hbuf || !t->gid)
        return SL_ERR_NOMEM;
    for (size_t i = 0; i < nkeys; i++) sli_colbuilder_init(&t->keys[i], key_types[i]);
    if (nkeys == 0) {
        sl_status s = grow_states(t, 1);
        t->ngroups = 1; /* the global group exists even without rows */
        return s;
    }
    t->direct = sli_agg_direct_init(t, key_types);
    if (t->direct && !t->d.keys) return SL_ERR_NOMEM;
    sl_status s = grow_states(t, 1024);
    if (s) return s;
    return t->direct ? SL_OK : sli_agg_hash_init(t);
}

void sli_agg_table_force_hash(sli_agg_table *t)
{
    if (!t->direct || t->ngroups) return;
    sli_agg_direct_free(t);
    t->direct = false;
    if (sli_agg_hash_init(t)) t->direct = false; /* a later groups() call reports NOMEM */
}

sl_status sli_agg_assign(sli_agg_table *t, const sli_vec *keys, const uint32_t *sel, size_t n)
{
    if (t->rmap_on) return sli_agg_range_groups(t, keys, sel, n);
    if (t->direct) {
        sl_status s = sli_agg_direct_groups(t, keys, sel, n);
        if (s || t->direct) return s;
    }
    if (!t->h.slots) return SL_ERR_NOMEM;
    return sli_agg_hash_groups(t, keys, sel, n);
}

sl_status sli_agg_table_groups(sli_agg_table *t, const sli_vec *keys, const uint32_t *sel, size_t n)
{
    if (t->nkeys == 0) {
        t->rows[0] += (int64_t)n;
        return SL_OK;
    }
    t->ngroups_before = t->ngroups;
    if (n == 0) return SL_OK;
    sl_status s = sli_agg_assign(t, keys, sel, n);
    if (s) return s;
    if (t->keep_rows) sli_agg_count_small(t->rows, t->ngroups, t->gid, sel, n);
    return SL_OK;
}

sl_status sli_agg_start_count(sli_agg_table *t, size_t k)
{
    if (t->count[k]) return SL_OK;
    t->count[k] = sli_buf_alloc(t->cap * sizeof(int64_t));
    return t->count[k] ? SL_OK : SL_ERR_NOMEM;
}

/* count/sum/avg: counts non-NULL arguments. Until the first NULL the count
 * equals the rows of the group, so nothing is stored (nor allocated). */
static sl_status update_count(sli_agg_table *t, size_t k, const sli_vec *arg, const uint32_t *gid,
                              const uint32_t *sel, size_t n)
{
    if (t->counted[k]) {
        sli_agg_select()->k->count(t->count[k], gid, arg->validity, sel, n);
        return SL_OK;
    }
    if (!arg->validity) return SL_OK;
    if (sli_agg_start_count(t, k)) return SL_ERR_NOMEM;
    int64_t *c = t->count[k];
    t->counted[k] = true;
    if (!t->keep_rows) {
        /* A sum: groups from earlier vectors have a value; add this one's. */
        for (size_t g = 0; g < t->ngroups_before; g++) c[g] = 1;
        sli_agg_select()->k->count(c, gid, arg->validity, sel, n);
        return SL_OK;
    }
    /* The first NULL: rows (this vector included) less this vector's NULLs. */
    memcpy(c, t->rows, t->ngroups * sizeof *c);
    for (size_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : (uint32_t)i;
        c[gid ? gid[r] : 0] -= !sli_valid(arg->validity, r);
    }
    return SL_OK;
}

sl_status sli_agg_table_update(sli_agg_table *t, size_t k, const sli_vec *arg, const uint32_t *sel, size_t n)
{
    const sl_agg_kernels *ak = sli_agg_select()->k;
    const sli_agg *a = &t->aggs[k];
    const uint32_t *gid = t->nkeys ? t->gid : NULL;
    void *st = t->state[k];
    if (a->fn == SLI_AGG_COUNT_STAR || t->alias[k] != k) return SL_OK; /* rows; another's states */
    sl_ptype pt = sli_ptype(arg->type);
    switch (a->fn) {
    case SLI_AGG_COUNT_STAR: return SL_OK;
    case SLI_AGG_COUNT: return update_count(t, k, arg, gid, sel, n);
    case SLI_AGG_SUM:
    case SLI_AGG_AVG:
        if (pt == SL_P_F64)
            ak->sum_f64(st, gid, arg->data, arg->validity, sel, n);
        else if (pt == SL_P_I64) {
            if (!gid || !sli_agg_sum_small(st, t->ngroups, gid, arg->data, arg->validity, sel, n))
                ak->sum_i64(st, gid, arg->data, arg->validity, sel, n);
        } else
            return SL_ERR_UNSUPPORTED;
        return update_count(t, k, arg, gid, sel, n);
    case SLI_AGG_MIN:
    case SLI_AGG_MAX: {
        bool mn = a->fn == SLI_AGG_MIN;
        uint8_t *seen = t->seen[k];
        switch (pt) {
        case SL_P_I8: (mn ? ak->min_i8 : ak->max_i8)(st, seen, gid, arg->data, arg->validity, sel, n); break;
        case SL_P_I16:
            (mn ? ak->min_i16 : ak->max_i16)(st, seen, gid, arg->data, arg->validity, sel, n);
            break;
        case SL_P_I32:
            (mn ? ak->min_i32 : ak->max_i32)(st, seen, gid, arg->data, arg->validity, sel, n);
            break;
        case SL_P_I64:
            (mn ? ak->min_i64 : ak->max_i64)(st, seen, gid, arg->data, arg->validity, sel, n);
            break;
        case SL_P_F64:
            (mn ? ak->min_f64 : ak->max_f64)(st, seen, gid, arg->data, arg->validity, sel, n);
            break;
        default: return SL_ERR_UNSUPPORTED;
        }
        return SL_OK;
    }
    }
    return SL_ERR_INTERNAL;
}

static sl_status finish_agg(sli_agg_table *t, size_t k, sl_context *ctx, const char *name, sli_column **out)
{
    const sli_agg *a = &t->aggs[k];
    sli_colbuilder b;
    sli_colbuilder_init(&b, a->type);
    sl_status s = sli_colbuilder_reserve(&b, t->ngroups);
    size_t o = t->alias[k];
    const void *st = t->state[o];
    const int64_t *cnt = t->counted[o] ? t->count[o] : t->keep_rows ? t->rows : NULL; /* NULL: 1 */
    const uint8_t *seen = t->seen[k];
    sl_ptype pt = a->arg ? sli_ptype(a->arg->type) : SL_P_I64;
    int scale = a->arg && a->arg->type.id == SL_TYPE_DECIMAL ? a->arg->type.scale : 0;
#define CNT(g) (cnt ? cnt[g] : 1)
    for (size_t g = 0; g < t->ngroups && !s; g++) {
        switch (a->fn) {
        case SLI_AGG_COUNT:
        case SLI_AGG_COUNT_STAR: s = sli_colbuilder_append_i64(&b, CNT(g)); break;
        case SLI_AGG_SUM:
            if (CNT(g) == 0)
                s = sli_colbuilder_append_null(&b);
            else if (pt == SL_P_F64)
                s = sli_colbuilder_append_f64(&b, ((const double *)st)[g]);
            else {
                __int128 v = ((const __int128 *)st)[g];
                __int128 lim =
                    a->type.id == SL_TYPE_DECIMAL ? (__int128)sli_pow10[18] : (__int128)INT64_MAX + 1;
                if (v >= lim || v < -lim) {
                    char tn[32];
                    sli_colbuilder_discard(&b);
                    return sli_error(ctx, SL_ERR_OVERFLOW,
                                     "overflow in aggregate '%s': the sum does not fit %s", name,
                                     sl_type_name(a->type, tn, sizeof tn));
                }
                s = sli_colbuilder_append_i64(&b, (int64_t)v);
            }
            break;
        case SLI_AGG_AVG:
            if (CNT(g) == 0)
                s = sli_colbuilder_append_null(&b);
            else if (pt == SL_P_F64)
                s = sli_colbuilder_append_f64(&b, ((const double *)st)[g] / (double)CNT(g));
            else {
                __int128 v = ((const __int128 *)st)[g];
                double avg = (double)v / (double)sli_pow10[scale] / (double)CNT(g);
                s = sli_colbuilder_append_f64(&b, avg);
            }
            break;
        case SLI_AGG_MIN:
        case SLI_AGG_MAX:
            if (!seen[g]) {
                s = sli_colbuilder_append_null(&b);
                break;
            }
            switch (pt) {
            case SL_P_I8: s = sli_colbuilder_append_i64(&b, ((const int8_t *)st)[g]); break;
            case SL_P_I16: s = sli_colbuilder_append_i64(&b, ((const int16_t *)st)[g]); break;
            case SL_P_I32: s = sli_colbuilder_append_i64(&b, ((const int32_t *)st)[g]); break;
            case SL_P_I64: s = sli_colbuilder_append_i64(&b, ((const int64_t *)st)[g]); break;
            default: s = sli_colbuilder_append_f64(&b, ((const double *)st)[g]); break;
            }
            break;
        }
    }
#undef CNT
    if (s) {
        sli_colbuilder_discard(&b);
        return s;
    }
    *out = sli_colbuilder_finish(&b);
    return *out ? SL_OK : SL_ERR_NOMEM;
}

sl_status sli_agg_table_finish(sli_agg_table *t, sl_context *ctx, char *const *names, sli_table **out)
{
    *out = NULL;
    size_t nc = t->nkeys + t->naggs;
    sli_table *tab = sli_table_create("aggregate");
    sli_column **cols = calloc(nc ? nc : 1, sizeof *cols);
    sl_status s = tab && cols ? SL_OK : SL_ERR_NOMEM;
    for (size_t k = 0; k < t->nkeys && !s; k++) {
        s = sli_table_add_field(tab, names[k], t->keys[k].col.type);
        if (!s) {
            if (!t->keys[k].col.data) s = sli_colbuilder_reserve(&t->keys[k], 0);
            cols[k] = s ? NULL : sli_colbuilder_finish(&t->keys[k]);
            if (!cols[k]) s = SL_ERR_NOMEM;
        }
    }
    for (size_t k = 0; k < t->naggs && !s; k++) {
        s = sli_table_add_field(tab, names[t->nkeys + k], t->aggs[k].type);
        if (!s) s = finish_agg(t, k, ctx, names[t->nkeys + k], &cols[t->nkeys + k]);
    }
    if (s) {
        if (cols)
            for (size_t i = 0; i < nc; i++) sli_column_free(cols[i]);
        free(cols);
        sli_table_free(tab);
        return s;
    }
    s = sli_table_add_partition(tab, cols);
    if (s) {
        sli_table_free(tab);
        return s;
    }
    *out = tab;
    return SL_OK;
}

void sli_agg_table_free(sli_agg_table *t)
{
    if (t->keys)
        for (size_t k = 0; k < t->nkeys; k++) sli_colbuilder_discard(&t->keys[k]);
    free(t->keys);
    for (size_t k = 0; k < t->naggs; k++) {
        if (t->state) sli_buf_free(t->state[k]);
        if (t->count) sli_buf_free(t->count[k]);
        if (t->seen) sli_buf_free(t->seen[k]);
    }
    free(t->state);
    free(t->count);
    free(t->counted);
    free(t->alias);
    free(t->seen);
    sli_buf_free(t->rows);
    sli_buf_free(t->ghash);
    sli_buf_free(t->hbuf);
    sli_buf_free(t->gid);
    sli_buf_free(t->rmap);
    sli_key_scratch_free(&t->ks);
    sli_agg_direct_free(t);
    sli_agg_hash_free(t);
    memset(t, 0, sizeof *t);
}
