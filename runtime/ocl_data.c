/*
 * ocl_data.c — device dictionaries, key ranges and uploads of table
 * columns (see ocl_data.h). What is measured per column lives in a list on
 * the context, one entry per (table, column), with a generation number that
 * keys the column's device copy, so a table freed and another allocated at
 * its address never meet the old copy.
 */
#include "ocl_data.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "context.h"
#include "eval.h"
#include "types.h"
#include "vector.h"

typedef struct col_entry {
    struct col_entry *next;
    const sli_table *t;
    size_t col;
    uint64_t gen;
    bool has_range;
    int64_t lo, hi;
    sli_dict *dict;  /**< strings: the merged dictionary (one reference) */
    uint32_t *codes; /**< strings: code per row */
} col_entry;

struct sli_ocl_cols {
    col_entry *head;
};

static atomic_uint_fast64_t next_gen = 1;

static void entry_free(col_entry *e)
{
    sli_dict_unref(e->dict);
    sli_buf_free(e->codes);
    free(e);
}

static col_entry *entry_of(sl_context *ctx, const sli_table *t, size_t col)
{
    if (!ctx->ocl_cols) ctx->ocl_cols = calloc(1, sizeof *ctx->ocl_cols);
    if (!ctx->ocl_cols) return NULL;
    for (col_entry *e = ctx->ocl_cols->head; e; e = e->next)
        if (e->t == t && e->col == col) return e;
    col_entry *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->t = t;
    e->col = col;
    e->gen = atomic_fetch_add(&next_gen, 1);
    e->next = ctx->ocl_cols->head;
    ctx->ocl_cols->head = e;
    return e;
}

void sli_ocl_data_forget(sl_context *ctx, const sli_table *t)
{
    if (!ctx || !ctx->ocl_cols) return;
    for (col_entry **pe = &ctx->ocl_cols->head; *pe;) {
        col_entry *e = *pe;
        if (e->t == t) {
            *pe = e->next;
            entry_free(e);
        } else {
            pe = &e->next;
        }
    }
}

void sli_ocl_data_free(sl_context *ctx)
{
    if (!ctx->ocl_cols) return;
    for (col_entry *e = ctx->ocl_cols->head, *n; e; e = n) {
        n = e->next;
        entry_free(e);
    }
    free(ctx->ocl_cols);
    ctx->ocl_cols = NULL;
}

/* ---- strings ---------------------------------------------------------- */

/* Every partition's distinct strings (its dictionary) or, for a plain
 * partition, every row, in one plain column; base[p] is where partition
 * p's entries start. */
static sl_status gather_entries(const sli_table *t, size_t col, size_t *base, sli_column **out)
{
    sli_colbuilder b;
    sli_colbuilder_init(&b, sli_type(SL_TYPE_UTF8));
    sl_status s = SL_OK;
    size_t n = 0;
    for (size_t p = 0; p < t->nparts && !s; p++) {
        const sli_column *c = t->parts[p].cols[col];
        base[p] = n;
        size_t m = c->dict ? c->dict->count : c->length;
        for (size_t i = 0; i < m && !s; i++) {
            sli_strview v = c->dict ? c->dict->views[i] : sli_column_str(c, i);
            s = sli_colbuilder_append_str(&b, v.ptr, v.len);
        }
        n += m;
    }
    if (!s && n == 0) s = sli_colbuilder_reserve(&b, 0);
    *out = s ? NULL : sli_colbuilder_finish(&b);
    if (s) sli_colbuilder_discard(&b);
    return s ? s : *out ? SL_OK : SL_ERR_NOMEM;
}

static sl_status merge_strings(sl_context *ctx, col_entry *e)
{
    const sli_table *t = e->t;
    size_t *base = calloc(t->nparts ? t->nparts : 1, sizeof *base);
    sli_column *all = NULL;
    sl_status s = base ? gather_entries(t, e->col, base, &all) : SL_ERR_NOMEM;
    if (!s && all->length > SLI_OCL_MAX_DICT) s = SL_ERR_UNSUPPORTED;
    if (!s) s = sli_column_dict_encode(all, all->length ? all->length : 1);
    if (!s && all->length && !all->dict)
        s = SL_ERR_INTERNAL; /* encoding keeps plain only past max_distinct */
    uint32_t *codes = s ? NULL : sli_buf_alloc_uninit((t->rows ? t->rows : 1) * sizeof *codes);
    if (!s && !codes) s = SL_ERR_NOMEM;
    if (!s) {
        const int32_t *ec = all->data;
        size_t row = 0;
        for (size_t p = 0; p < t->nparts; p++) {
            const sli_column *c = t->parts[p].cols[e->col];
            const int32_t *pc = c->dict ? c->data : NULL;
            for (size_t i = 0; i < c->length; i++)
                codes[row++] = (uint32_t)ec[base[p] + (pc ? (size_t)pc[i] : i)];
        }
        e->codes = codes;
        e->dict = all->dict ? sli_dict_ref(all->dict) : NULL;
        if (!e->dict) { /* an empty column: an empty dictionary */
            e->dict = sli_dict_new();
            if (!e->dict) s = SL_ERR_NOMEM;
        }
    }
    sli_column_free(all);
    free(base);
    if (s == SL_ERR_UNSUPPORTED)
        return sli_error(ctx, s, "column '%s' has more than %u distinct strings for the device",
                         t->schema.names[e->col], SLI_OCL_MAX_DICT);
    return s == SL_ERR_NOMEM ? sli_nomem(ctx, "a device dictionary") : s;
}

sl_status sli_ocl_strings(sl_context *ctx, const sli_table *t, size_t col, const sli_dict **dict,
                          const uint32_t **codes)
{
    col_entry *e = entry_of(ctx, t, col);
    if (!e) return sli_nomem(ctx, "a device dictionary");
    if (!e->dict) {
        sl_status s = merge_strings(ctx, e);
        if (s) return s;
    }
    *dict = e->dict;
    *codes = e->codes;
    return SL_OK;
}

/* ---- ranges ----------------------------------------------------------- */

#define RANGE_OF(T)                                                                                          \
    do {                                                                                                     \
        const T *v = c->data;                                                                                \
        for (size_t i = 0; i < c->length; i++) {                                                             \
            lo = v[i] < lo ? v[i] : lo;                                                                      \
            hi = v[i] > hi ? v[i] : hi;                                                                      \
        }                                                                                                    \
    } while (0)

sl_status sli_ocl_range(sl_context *ctx, const sli_table *t, size_t col, int64_t *lo_out, int64_t *hi_out)
{
    sl_type type = t->schema.types[col];
    if (type.id == SL_TYPE_UTF8) {
        const sli_dict *d = NULL;
        const uint32_t *codes = NULL;
        sl_status s = sli_ocl_strings(ctx, t, col, &d, &codes);
        if (s) return s;
        *lo_out = 0;
        *hi_out = (int64_t)d->count - 1;
        return SL_OK;
    }
    if (type.id == SL_TYPE_FLOAT64) return SL_ERR_UNSUPPORTED;
    col_entry *e = entry_of(ctx, t, col);
    if (!e) return sli_nomem(ctx, "a column range");
    if (!e->has_range) {
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (size_t p = 0; p < t->nparts; p++) {
            const sli_column *c = t->parts[p].cols[col];
            switch (sli_ptype(type)) {
            case SL_P_I8: RANGE_OF(int8_t); break;
            case SL_P_I16: RANGE_OF(int16_t); break;
            case SL_P_I32: RANGE_OF(int32_t); break;
            default: RANGE_OF(int64_t); break;
            }
        }
        if (lo > hi) lo = 0, hi = -1;
        e->lo = lo;
        e->hi = hi;
        e->has_range = true;
    }
    *lo_out = e->lo;
    *hi_out = e->hi;
    return SL_OK;
}

/* ---- uploads ---------------------------------------------------------- */

uint64_t sli_ocl_input_bytes(const sli_table *t, size_t col)
{
    return (uint64_t)t->rows * sli_type_width(t->schema.types[col]);
}

bool sli_ocl_input_resident(sl_context *ctx, sli_ocl *o, const sli_table *t, size_t col)
{
    col_entry *e = entry_of(ctx, t, col);
    return e && sli_ocl_resident(o, t, e->gen * 4096 + col % 4096);
}

sl_status sli_ocl_input_buffer(sl_context *ctx, sli_ocl *o, const sli_table *t, size_t col, cl_mem *out,
                               uint64_t *bytes, bool *uploaded)
{
    col_entry *e = entry_of(ctx, t, col);
    if (!e) return sli_nomem(ctx, "a device column");
    uint64_t gen = e->gen * 4096 + col % 4096;
    sl_type type = t->schema.types[col];
    size_t w = sli_type_width(type), size = t->rows * w;
    *bytes = size;
    const void *host = NULL;
    void *joined = NULL;
    if (type.id == SL_TYPE_UTF8) {
        const sli_dict *d = NULL;
        const uint32_t *codes = NULL;
        sl_status s = sli_ocl_strings(ctx, t, col, &d, &codes);
        if (s) return s;
        host = codes;
    } else if (t->nparts == 1) {
        host = t->parts[0].cols[col]->data;
    } else if (!sli_ocl_resident(o, t, gen)) {
        joined = sli_buf_alloc_uninit(size ? size : 1);
        if (!joined) return sli_nomem(ctx, "a device column");
        size_t at = 0;
        for (size_t p = 0; p < t->nparts; p++) {
            const sli_column *c = t->parts[p].cols[col];
            memcpy((char *)joined + at, c->data, c->length * w);
            at += c->length * w;
        }
        host = joined;
    }
    sl_status s = sli_ocl_column(ctx, o, t, gen, host, size ? size : w, out, uploaded);
    sli_buf_free(joined);
    return s;
}

/* ---- masks ------------------------------------------------------------ */

sl_status sli_ocl_mask(sl_context *ctx, const sli_dict *dict, const sli_expr *pred, uint8_t **mask)
{
    size_t n = dict->count;
    uint8_t *m = calloc(n ? n : 1, 1);
    uint32_t *sel = malloc(SLI_VEC_SIZE * sizeof *sel);
    sli_eval *ev = NULL;
    sl_status s = m && sel ? sli_eval_create(ctx, pred, &ev) : sli_nomem(ctx, "a device mask");
    for (size_t at = 0; !s && at < n; at += SLI_VEC_SIZE) {
        size_t k = n - at < SLI_VEC_SIZE ? n - at : SLI_VEC_SIZE, got = 0;
        sli_vec v = {0};
        v.type = sli_type(SL_TYPE_UTF8);
        v.data = dict->views + at;
        sli_chunk c = {.n = k, .count = k, .ncols = 1, .cols = &v};
        s = sli_eval_select(ev, &c, sel, &got);
        for (size_t i = 0; !s && i < got; i++) m[at + sel[i]] = 1;
    }
    sli_eval_free(ev);
    free(sel);
    if (s) {
        free(m);
        return s;
    }
    *mask = m;
    return SL_OK;
}
