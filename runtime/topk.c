/*
 * topk.c — top-k by a candidate buffer with a rising threshold (see topk.h).
 */
#include "topk.h"

#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "kernels/filter.h"
#include "materialize.h"

struct sli_topk {
    size_t ncols;
    char **names;
    sl_type *types;
    sli_sort_spec *specs;
    size_t nspecs;
    size_t k;
    size_t compact_at; /**< buffered rows that trigger a compaction */
    sli_colbuilder *b;
    bool have_threshold;
    int64_t thr_i; /**< first key of the k-th row (fixed-width ints) */
    double thr_f;  /**< ... or float64 */
    uint32_t *sel, *sel2;
};

static void reset_builders(sli_topk *t)
{
    for (size_t i = 0; i < t->ncols; i++) sli_colbuilder_init(&t->b[i], t->types[i]);
}

sl_status sli_topk_create(char *const *names, const sl_type *types, size_t ncols, const sli_sort_spec *specs,
                          size_t nspecs, int64_t k, sli_topk **out)
{
    *out = NULL;
    sli_topk *t = calloc(1, sizeof *t);
    if (!t) return SL_ERR_NOMEM;
    t->ncols = ncols;
    t->nspecs = nspecs;
    t->k = k < 0 ? 0 : (size_t)k;
    t->compact_at = 2 * t->k < 8192 ? 8192 : 2 * t->k;
    t->names = calloc(ncols ? ncols : 1, sizeof *t->names);
    t->types = malloc((ncols ? ncols : 1) * sizeof *t->types);
    t->specs = malloc((nspecs ? nspecs : 1) * sizeof *t->specs);
    t->b = calloc(ncols ? ncols : 1, sizeof *t->b);
    t->sel = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint32_t));
    t->sel2 = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint32_t));
    bool ok = t->names && t->types && t->specs && t->b && t->sel && t->sel2;
    for (size_t i = 0; ok && i < ncols; i++) ok = (t->names[i] = strdup(names[i])) != NULL;
    if (!ok) {
        sli_topk_free(t);
        return SL_ERR_NOMEM;
    }
    memcpy(t->types, types, ncols * sizeof *types);
    memcpy(t->specs, specs, nspecs * sizeof *specs);
    reset_builders(t);
    *out = t;
    return SL_OK;
}

/* Sorts the buffer, keeps the best k rows, and refills the buffer with them. */
static sl_status compact(sli_topk *t, sli_table **best_out)
{
    sli_column **cols = calloc(t->ncols ? t->ncols : 1, sizeof *cols);
    if (!cols) return SL_ERR_NOMEM;
    for (size_t i = 0; i < t->ncols; i++) {
        if (!(cols[i] = sli_colbuilder_finish(&t->b[i]))) {
            for (size_t j = 0; j < i; j++) sli_column_free(cols[j]);
            for (size_t j = i + 1; j < t->ncols; j++) sli_colbuilder_discard(&t->b[j]);
            free(cols);
            reset_builders(t);
            return SL_ERR_NOMEM;
        }
    }
    reset_builders(t);
    sli_table *all = NULL, *best = NULL;
    sl_status s = sli_table_from_columns("topk", t->names, t->types, t->ncols, cols, &all);
    if (!s) s = sli_sort_table(all, t->specs, t->nspecs, (int64_t)t->k, &best);
    sli_table_free(all);
    if (s) return s;
    if (best_out) {
        *best_out = best;
        return SL_OK;
    }
    /* Back into the buffer, and the k-th row's first key becomes the threshold. */
    size_t rows = best->rows;
    for (size_t i = 0; i < t->ncols && !s && rows; i++) {
        sli_vec v;
        sli_strview *views = malloc(rows * sizeof *views);
        if (!views) {
            s = SL_ERR_NOMEM;
            break;
        }
        sli_vec_from_column(best->parts[0].cols[i], 0, rows, views, &v);
        s = sli_append_vec(&t->b[i], &v, NULL, rows);
        free(views);
    }
    if (!s && rows == t->k && rows > 0 && t->nspecs) {
        const sli_column *c = best->parts[0].cols[t->specs[0].col];
        size_t r = rows - 1;
        t->have_threshold = sli_valid(c->validity, r) && c->type.id != SL_TYPE_UTF8;
        if (t->have_threshold) {
            switch (sli_ptype(c->type)) {
            case SL_P_I8: t->thr_i = ((const int8_t *)c->data)[r]; break;
            case SL_P_I16: t->thr_i = ((const int16_t *)c->data)[r]; break;
            case SL_P_I32: t->thr_i = ((const int32_t *)c->data)[r]; break;
            case SL_P_I64: t->thr_i = ((const int64_t *)c->data)[r]; break;
            default: t->thr_f = ((const double *)c->data)[r]; break;
            }
        }
    }
    sli_table_free(best);
    return s;
}

/* Rows of the chunk that can still enter the top k: first key at least as
 * good as the threshold (ties stay: later keys may decide). */
static const uint32_t *prefilter(sli_topk *t, const sli_chunk *c, size_t *n)
{
    *n = c->count;
    if (!t->have_threshold) return c->sel;
    const sli_sort_spec *sp = &t->specs[0];
    const sli_vec *v = &c->cols[sp->col];
    if (v->validity && sp->nulls_first) return c->sel; /* NULLs would rank first: keep all */
    const sl_filter_kernels *fk = sli_filter_select()->k;
    const uint32_t *sel = c->sel;
    size_t m = c->count;
    if (v->validity) { /* NULLs rank last: they cannot enter */
        m = fk->valid(v->validity, sel, m, t->sel2);
        sel = t->sel2;
    }
    sl_cmp op = sp->desc ? SL_CMP_GE : SL_CMP_LE;
    switch (sli_ptype(v->type)) {
    case SL_P_I8: m = fk->cmp_const_i8[op](v->data, (int8_t)t->thr_i, sel, m, t->sel); break;
    case SL_P_I16: m = fk->cmp_const_i16[op](v->data, (int16_t)t->thr_i, sel, m, t->sel); break;
    case SL_P_I32: m = fk->cmp_const_i32[op](v->data, (int32_t)t->thr_i, sel, m, t->sel); break;
    case SL_P_I64: m = fk->cmp_const_i64[op](v->data, t->thr_i, sel, m, t->sel); break;
    default: m = fk->cmp_const_f64[op](v->data, t->thr_f, sel, m, t->sel); break;
    }
    *n = m;
    return t->sel;
}

sl_status sli_topk_consume(sli_topk *t, const sli_chunk *c)
{
    if (t->k == 0) return SL_OK;
    size_t n;
    const uint32_t *sel = prefilter(t, c, &n);
    if (n == 0) return SL_OK;
    for (size_t i = 0; i < t->ncols; i++) {
        sl_status s = sli_append_vec(&t->b[i], &c->cols[i], sel, n);
        if (s) return s;
    }
    return t->ncols && t->b[0].col.length >= t->compact_at ? compact(t, NULL) : SL_OK;
}

sl_status sli_topk_finish(sli_topk *t, sli_table **out)
{
    *out = NULL;
    return compact(t, out);
}

void sli_topk_free(sli_topk *t)
{
    if (!t) return;
    for (size_t i = 0; t->names && i < t->ncols; i++) free(t->names[i]);
    if (t->b)
        for (size_t i = 0; i < t->ncols; i++) sli_colbuilder_discard(&t->b[i]);
    free(t->names);
    free(t->types);
    free(t->specs);
    free(t->b);
    sli_buf_free(t->sel);
    sli_buf_free(t->sel2);
    free(t);
}
