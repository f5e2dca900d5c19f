/*
 * result_pass.c — the query's result taken straight from the output of the
 * pipeline before it (see result_pass.h).
 */
#include "result_pass.h"

#include <stdlib.h>

#include "column.h"
#include "context.h"
#include "types.h"

bool sli_result_passes(const sli_pipeline *p, const sli_table *src)
{
    if (p->sink != SLI_SINK_RESULT || p->scan || p->nops != 0 || !src || src->source) return false;
    const sli_plan *n = p->sink_node;
    if (n->ncols == 0 || n->ncols != src->schema.ncols) return false;
    for (size_t c = 0; c < n->ncols; c++)
        if (!sli_type_eq(n->types[c], src->schema.types[c])) return false;
    return true;
}

/* A result table with the sink node's field names, without partitions. */
static sli_table *result_table(const sli_plan *n)
{
    sli_table *t = sli_table_create("result");
    for (size_t c = 0; t && c < n->ncols; c++)
        if (sli_table_add_field(t, n->names[c], n->types[c])) {
            sli_table_free(t);
            return NULL;
        }
    return t;
}

/* Gives t one partition of empty columns of its schema's types. */
static sl_status add_empty(sli_table *t)
{
    size_t nc = t->schema.ncols;
    sli_column **cols = calloc(nc ? nc : 1, sizeof *cols);
    sl_status s = cols ? SL_OK : SL_ERR_NOMEM;
    for (size_t c = 0; c < nc && !s; c++) {
        sli_colbuilder b;
        sli_colbuilder_init(&b, t->schema.types[c]);
        if (!(cols[c] = sli_colbuilder_finish(&b))) s = SL_ERR_NOMEM;
    }
    if (!s) return sli_table_add_partition(t, cols); /* owns cols, even on failure */
    for (size_t c = 0; cols && c < nc; c++) sli_column_free(cols[c]);
    free(cols);
    return s;
}

sl_status sli_result_pass(sl_context *ctx, const sli_pipeline *p, sli_table **src, sli_table **out)
{
    *out = NULL;
    sli_table *in = *src;
    *src = NULL;
    sli_table *t = result_table(p->sink_node);
    sl_status s = t ? SL_OK : SL_ERR_NOMEM;
    for (size_t q = 0; q < in->nparts && !s; q++) { /* the columns move, in partition order */
        if (in->parts[q].rows == 0) continue;
        sli_column **cols = in->parts[q].cols;
        in->parts[q].cols = NULL; /* owned by t from here, even on failure */
        s = sli_table_add_partition(t, cols);
    }
    if (!s && t->nparts == 0) s = add_empty(t);
    sli_table_free(in);
    if (s) {
        sli_table_free(t);
        return sli_nomem(ctx, "materialize");
    }
    *out = t;
    return SL_OK;
}
