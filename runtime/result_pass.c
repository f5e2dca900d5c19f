/*
 * result_pass.c — the query's result taken straight from the output of the
 * pipeline before it (see result_pass.h).
 */
#include "result_pass.h"

#include <stdlib.h>

#include "assemble.h"
#include "context.h"
#include "types.h"
#include "workers.h"

/* Rows per copied segment: small enough that every worker gets several. */
#define SEG_MIN_ROWS ((size_t)1 << 16)

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

/* Copies the non-empty partitions of src into one partition of t (whose
 * schema gives the types), in order; none gives an empty partition. */
static sl_status concat(sl_context *ctx, const sli_table *src, size_t threads, sli_table *t, size_t *workers)
{
    size_t nb = t->schema.ncols, np = 0;
    size_t seg_rows = src->rows / (threads * 4);
    if (seg_rows < SEG_MIN_ROWS) seg_rows = SEG_MIN_ROWS;
    size_t nsegs = 0;
    for (size_t q = 0; q < src->nparts; q++) {
        nsegs += (src->parts[q].rows + seg_rows - 1) / seg_rows;
        np += src->parts[q].rows > 0;
    }
    size_t ncols = np * nb;
    sli_column **cols = malloc((ncols ? ncols : 1) * sizeof *cols);
    sli_asm_seg *segs = malloc((nsegs ? nsegs : 1) * sizeof *segs);
    sli_colbuilder *dst = calloc(nb ? nb : 1, sizeof *dst);
    sli_column **out = calloc(nb ? nb : 1, sizeof *out);
    sl_status s = cols && segs && dst && out ? SL_OK : SL_ERR_NOMEM;
    size_t g = 0, at = 0, w = 0;
    for (size_t q = 0; q < src->nparts && !s; q++) {
        size_t rows = src->parts[q].rows;
        if (rows == 0) continue;
        for (size_t c = 0; c < nb; c++) cols[w * nb + c] = src->parts[q].cols[c];
        for (size_t row = 0; row < rows; row += seg_rows) {
            size_t end = rows - row < seg_rows ? rows : row + seg_rows;
            segs[g++] = (sli_asm_seg){w, row, end, at};
            at += end - row;
        }
        w++;
    }
    size_t nw = threads < nsegs ? threads : nsegs;
    *workers = nw;
    sli_team team;
    bool have_team = false;
    if (!s && nw > 1) {
        /* without a team (it could not start), this thread copies */
        have_team = sli_team_init(&team, nw, sli_context_topology(ctx),
                                  ctx->numa_off ? SLI_NUMA_OFF : SLI_NUMA_ON, true) == SL_OK;
        if (!have_team) *workers = 1;
    }
    if (!s && np > 0) {
        s = sli_assemble_segments(have_team ? &team : NULL, cols, np, nb, segs, nsegs, dst);
    } else if (!s) {
        for (size_t c = 0; c < nb; c++) sli_colbuilder_init(&dst[c], t->schema.types[c]);
    }
    if (have_team) sli_team_free(&team);
    for (size_t c = 0; c < nb && !s; c++)
        if (!(out[c] = sli_colbuilder_finish(&dst[c]))) s = SL_ERR_NOMEM;
    if (!s) {
        s = sli_table_add_partition(t, out); /* owns out from here, even on failure */
        out = NULL;
    }
    for (size_t c = 0; out && c < nb; c++) sli_column_free(out[c]);
    for (size_t c = 0; dst && c < nb; c++) sli_colbuilder_discard(&dst[c]);
    free(out);
    free(dst);
    free(segs);
    free(cols);
    return s;
}

sl_status sli_result_pass(sl_context *ctx, const sli_pipeline *p, sli_table **src, size_t threads,
                          sli_table **out, size_t *workers)
{
    *out = NULL;
    *workers = 0;
    sli_table *in = *src;
    *src = NULL;
    sli_table *t = result_table(p->sink_node);
    sl_status s = t ? SL_OK : SL_ERR_NOMEM;
    size_t full = 0, only = 0;
    for (size_t q = 0; q < in->nparts; q++)
        if (in->parts[q].rows) {
            full++;
            only = q;
        }
    if (!s && full == 1) { /* the columns move */
        sli_column **cols = in->parts[only].cols;
        in->parts[only].cols = NULL;
        s = sli_table_add_partition(t, cols);
    } else if (!s) {
        s = concat(ctx, in, threads ? threads : 1, t, workers);
    }
    sli_table_free(in);
    if (s) {
        sli_table_free(t);
        return sli_nomem(ctx, "materialize");
    }
    *out = t;
    return SL_OK;
}
