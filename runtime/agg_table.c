/*
 * agg_table.c — hash aggregation (see agg_table.h).
 */
#include "agg_table.h"

#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "context.h"
#include "kernels/agg.h"
#include "materialize.h"
#include "types.h"

static size_t state_width(const sli_agg *a)
{
    switch (a->fn) {
    case SLI_AGG_COUNT:
    case SLI_AGG_COUNT_STAR: return sizeof(int64_t);
    case SLI_AGG_SUM:
    case SLI_AGG_AVG: return sli_ptype(a->arg->type) == SL_P_F64 ? sizeof(double) : sizeof(__int128);
    case SLI_AGG_MIN:
    case SLI_AGG_MAX: return sli_type_width(a->arg->type);
    }
    return 8;
}

static sl_status grow_states(sli_agg_table *t, size_t cap)
{
    for (size_t k = 0; k < t->naggs; k++) {
        size_t w = state_width(&t->aggs[k]);
        void *s = sli_buf_realloc(t->state[k], t->cap * w, cap * w);
        if (!s) return SL_ERR_NOMEM;
        t->state[k] = s;
        int64_t *c = sli_buf_realloc(t->count[k], t->cap * sizeof(int64_t), cap * sizeof(int64_t));
        if (!c) return SL_ERR_NOMEM;
        t->count[k] = c;
        uint8_t *sn = sli_buf_realloc(t->seen[k], t->cap, cap);
        if (!sn) return SL_ERR_NOMEM;
        t->seen[k] = sn;
    }
    uint64_t *gh = sli_buf_realloc(t->ghash, t->cap * sizeof(uint64_t), cap * sizeof(uint64_t));
    if (!gh) return SL_ERR_NOMEM;
    t->ghash = gh;
    t->cap = cap;
    return SL_OK;
}

static sl_status rehash(sli_agg_table *t, size_t nslots)
{
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots) return SL_ERR_NOMEM;
    for (size_t g = 0; g < t->ngroups; g++) {
        size_t s = t->ghash[g] & (nslots - 1);
        while (slots[s]) s = (s + 1) & (nslots - 1);
        slots[s] = (uint32_t)(g + 1);
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    return SL_OK;
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
    t->seen = calloc(naggs ? naggs : 1, sizeof *t->seen);
    t->hbuf = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint64_t));
    t->gid = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint32_t));
    if (!t->keys || !t->state || !t->count || !t->seen || !t->hbuf || !t->gid) return SL_ERR_NOMEM;
    for (size_t i = 0; i < nkeys; i++) sli_colbuilder_init(&t->keys[i], key_types[i]);
    sl_status s = grow_states(t, nkeys ? 1024 : 1);
    if (s) return s;
    if (nkeys == 0) {
        t->ngroups = 1; /* the global group exists even without rows */
        return SL_OK;
    }
    return rehash(t, 2048);
}

/* Row `r` of the key vectors equals group g's keys (NULL equals NULL). */
static bool same_group(const sli_agg_table *t, const sli_vec *keys, uint32_t r, size_t g)
{
    for (size_t k = 0; k < t->nkeys; k++) {
        const sli_vec *v = &keys[k];
        const sli_column *c = &t->keys[k].col;
        bool vn = !sli_valid(v->validity, r), cn = !sli_valid(c->validity, g);
        if (vn || cn) {
            if (vn != cn) return false;
            continue;
        }
        uint8_t m = 1;
        uint32_t crow = (uint32_t)g;
        sli_keys_match(v, &r, c, &crow, 1, &m);
        if (!m) return false;
    }
    return true;
}

sl_status sli_agg_table_groups(sli_agg_table *t, const sli_vec *keys, const uint32_t *sel, size_t n)
{
    if (t->nkeys == 0) return SL_OK;
    for (size_t k = 0; k < t->nkeys; k++) {
        sl_status s = sli_hash_vec(&keys[k], sel, n, k > 0, t->hbuf, &t->ks);
        if (s) return s;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : (uint32_t)i;
        uint64_t h = t->hbuf[r];
        size_t slot = h & (t->nslots - 1);
        for (;;) {
            uint32_t e = t->slots[slot];
            if (e == 0) {
                /* A new group: store its keys, then its slot. */
                if (t->ngroups == UINT32_MAX - 1) return SL_ERR_UNSUPPORTED;
                if (t->ngroups == t->cap) {
                    sl_status s = grow_states(t, t->cap * 2);
                    if (s) return s;
                }
                for (size_t k = 0; k < t->nkeys; k++) {
                    sl_status s = sli_append_vec(&t->keys[k], &keys[k], &r, 1);
                    if (s) return s;
                }
                size_t g = t->ngroups++;
                t->ghash[g] = h;
                t->slots[slot] = (uint32_t)(g + 1);
                t->gid[r] = (uint32_t)g;
                if (t->ngroups * 2 > t->nslots) {
                    sl_status s = rehash(t, t->nslots * 2);
                    if (s) return s;
                }
                break;
            }
            size_t g = e - 1;
            if (t->ghash[g] == h && same_group(t, keys, r, g)) {
                t->gid[r] = (uint32_t)g;
                break;
            }
            slot = (slot + 1) & (t->nslots - 1);
        }
    }
    return SL_OK;
}

sl_status sli_agg_table_update(sli_agg_table *t, size_t k, const sli_vec *arg, const uint32_t *sel, size_t n)
{
    const sl_agg_kernels *ak = sli_agg_select()->k;
    const sli_agg *a = &t->aggs[k];
    const uint32_t *gid = t->nkeys ? t->gid : NULL;
    void *st = t->state[k];
    switch (a->fn) {
    case SLI_AGG_COUNT_STAR: ak->count(st, gid, NULL, sel, n); return SL_OK;
    case SLI_AGG_COUNT: ak->count(st, gid, arg->validity, sel, n); return SL_OK;
    case SLI_AGG_SUM:
    case SLI_AGG_AVG:
        if (sli_ptype(arg->type) == SL_P_F64)
            ak->sum_f64(st, gid, arg->data, arg->validity, sel, n);
        else
            ak->sum_i64(st, gid, arg->data, arg->validity, sel, n);
        ak->count(t->count[k], gid, arg->validity, sel, n);
        return SL_OK;
    case SLI_AGG_MIN:
    case SLI_AGG_MAX: {
        bool mn = a->fn == SLI_AGG_MIN;
        uint8_t *seen = t->seen[k];
        switch (sli_ptype(arg->type)) {
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
    const void *st = t->state[k];
    const int64_t *cnt = t->count[k];
    const uint8_t *seen = t->seen[k];
    sl_ptype pt = a->arg ? sli_ptype(a->arg->type) : SL_P_I64;
    int scale = a->arg && a->arg->type.id == SL_TYPE_DECIMAL ? a->arg->type.scale : 0;
    for (size_t g = 0; g < t->ngroups && !s; g++) {
        switch (a->fn) {
        case SLI_AGG_COUNT:
        case SLI_AGG_COUNT_STAR: s = sli_colbuilder_append_i64(&b, ((const int64_t *)st)[g]); break;
        case SLI_AGG_SUM:
            if (cnt[g] == 0)
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
            if (cnt[g] == 0)
                s = sli_colbuilder_append_null(&b);
            else if (pt == SL_P_F64)
                s = sli_colbuilder_append_f64(&b, ((const double *)st)[g] / (double)cnt[g]);
            else {
                __int128 v = ((const __int128 *)st)[g];
                double avg = (double)v / (double)sli_pow10[scale] / (double)cnt[g];
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
    free(t->seen);
    sli_buf_free(t->ghash);
    free(t->slots);
    sli_buf_free(t->hbuf);
    sli_buf_free(t->gid);
    sli_key_scratch_free(&t->ks);
    memset(t, 0, sizeof *t);
}
