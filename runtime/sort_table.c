/*
 * sort_table.c — stable multi-key sort of a materialized table through the
 * sort kernel, then a gather of every column in sorted order, a vector at a
 * time (see sort_table.h).
 */
#include "sort_table.h"

#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "kernels/sort.h"
#include "materialize.h"
#include "vector.h"

static sl_sort_kind sort_kind(sl_type t)
{
    switch (sli_ptype(t)) {
    case SL_P_I8: return SL_SORT_I8;
    case SL_P_I16: return SL_SORT_I16;
    case SL_P_I32: return SL_SORT_I32;
    case SL_P_I64: return SL_SORT_I64;
    case SL_P_F64: return SL_SORT_F64;
    default: return SL_SORT_STR;
    }
}

sl_status sli_table_from_columns(const char *name, char *const *names, const sl_type *types, size_t ncols,
                                 sli_column **cols, sli_table **out)
{
    *out = NULL;
    sli_table *t = sli_table_create(name);
    sl_status s = t ? SL_OK : SL_ERR_NOMEM;
    for (size_t i = 0; i < ncols && !s; i++) s = sli_table_add_field(t, names[i], types[i]);
    if (s) {
        for (size_t i = 0; i < ncols; i++) sli_column_free(cols[i]);
        free(cols);
        sli_table_free(t);
        return s;
    }
    if (ncols) {
        s = sli_table_add_partition(t, cols); /* takes cols */
    } else {
        free(cols);
    }
    if (s) {
        sli_table_free(t);
        return s;
    }
    *out = t;
    return SL_OK;
}

sl_status sli_sort_table(const sli_table *in, const sli_sort_spec *specs, size_t nspecs, int64_t limit,
                         sli_table **out)
{
    *out = NULL;
    size_t rows = in->rows, nc = in->schema.ncols;
    size_t keep = limit < 0 || (uint64_t)limit > rows ? rows : (size_t)limit;
    sli_column **cols = in->nparts ? in->parts[0].cols : NULL;
    sl_sort_key *keys = calloc(nspecs ? nspecs : 1, sizeof *keys);
    sli_strview **views = calloc(nspecs ? nspecs : 1, sizeof *views);
    uint32_t *idx = malloc((rows ? rows : 1) * sizeof *idx);
    sli_column **sorted = calloc(nc ? nc : 1, sizeof *sorted);
    void *vals = sli_buf_alloc(SLI_VEC_SIZE * sizeof(sli_strview));
    uint8_t *valid = sli_buf_alloc(SLI_VEC_SIZE / 8);
    sl_status s = keys && views && idx && sorted && vals && valid ? SL_OK : SL_ERR_NOMEM;
    for (size_t k = 0; k < nspecs && !s && rows; k++) {
        const sli_column *c = cols[specs[k].col];
        keys[k].kind = sort_kind(c->type);
        keys[k].validity = c->validity;
        keys[k].desc = specs[k].desc;
        keys[k].nulls_first = specs[k].nulls_first;
        keys[k].data = c->data;
        if (keys[k].kind == SL_SORT_STR) {
            /* the kernel compares string views; dictionary codes decode here */
            views[k] = malloc(rows * sizeof(sli_strview));
            if (!views[k]) {
                s = SL_ERR_NOMEM;
                break;
            }
            for (size_t i = 0; i < rows; i++) views[k][i] = sli_column_str(c, i);
            keys[k].data = views[k];
        }
    }
    for (size_t i = 0; i < rows && !s; i++) idx[i] = (uint32_t)i;
    if (!s && rows > 1 && nspecs) s = sli_sort_select()->k->sort(idx, rows, keys, nspecs);
    for (size_t c = 0; c < nc && !s; c++) {
        sli_colbuilder b;
        sli_colbuilder_init(&b, in->schema.types[c]);
        s = sli_colbuilder_reserve(&b, keep);
        for (size_t start = 0; start < keep && !s; start += SLI_VEC_SIZE) {
            size_t m = keep - start < SLI_VEC_SIZE ? keep - start : SLI_VEC_SIZE;
            sli_vec v;
            sli_vec_gather_column(cols[c], idx + start, m, vals, valid, &v);
            s = sli_append_vec(&b, &v, NULL, m);
        }
        if (s) {
            sli_colbuilder_discard(&b);
        } else if (!(sorted[c] = sli_colbuilder_finish(&b))) {
            s = SL_ERR_NOMEM;
        }
    }
    if (!s) {
        s = sli_table_from_columns(in->name, in->schema.names, in->schema.types, nc, sorted, out);
        sorted = NULL;
    }
    if (sorted) {
        for (size_t c = 0; c < nc; c++) sli_column_free(sorted[c]);
        free(sorted);
    }
    if (views)
        for (size_t k = 0; k < nspecs; k++) free(views[k]);
    free(views);
    free(keys);
    free(idx);
    sli_buf_free(vals);
    sli_buf_free(valid);
    return s;
}
