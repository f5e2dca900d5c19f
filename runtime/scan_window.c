/*
 * scan_window.c — a scan source's column views and its filter windows (see
 * scan_window.h).
 */
#include "scan_window.h"

#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "materialize.h"

static size_t g_window = SLI_SCAN_WINDOW;

void sli_scan_window_set_rows(size_t rows)
{
    rows -= rows % SLI_VEC_SIZE;
    g_window = rows && rows < SLI_SCAN_WINDOW ? rows : SLI_SCAN_WINDOW;
}

size_t sli_scan_window_rows(void)
{
    return g_window;
}

void sli_scan_bufs_free(sli_scan_bufs *b)
{
    for (size_t c = 0; b->views && c < b->ncols; c++) sli_buf_free(b->views[c]);
    free(b->views);
    free(b->vecs);
    free(b->wvecs);
    sli_buf_free(b->bits);
    sli_buf_free(b->sel);
    free(b->tested_col);
    memset(b, 0, sizeof *b);
}

bool sli_scan_bufs_init(sli_scan_bufs *b, const sli_table *t, const size_t *colmap, size_t ncols,
                        sli_eval *filter)
{
    memset(b, 0, sizeof *b);
    b->ncols = ncols;
    b->vecs = calloc(ncols ? ncols : 1, sizeof *b->vecs);
    b->views = calloc(ncols ? ncols : 1, sizeof *b->views);
    bool ok = b->vecs && b->views;
    for (size_t c = 0; ok && c < ncols; c++) {
        size_t tc = colmap ? colmap[c] : c;
        if (t->schema.types[tc].id == SL_TYPE_UTF8 &&
            !(b->views[c] = sli_buf_alloc(SLI_VEC_SIZE * sizeof(sli_strview))))
            ok = false;
    }
    if (ok && filter && (b->tests = sli_eval_scan_tests(filter)) > 0) {
        b->ev = filter;
        b->fk = sli_filter_select()->k;
        b->wvecs = calloc(ncols ? ncols : 1, sizeof *b->wvecs);
        b->bits = sli_buf_alloc(SLI_SCAN_WINDOW / 8);
        b->sel = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint32_t));
        b->tested_col = calloc(ncols ? ncols : 1, sizeof *b->tested_col);
        ok = b->wvecs && b->bits && b->sel && b->tested_col;
        if (ok) sli_eval_scan_columns(filter, b->tests, b->tested_col, ncols);
    }
    if (!ok) sli_scan_bufs_free(b);
    return ok;
}

void sli_scan_bufs_load(sli_scan_bufs *b, const sli_partition *pt, const size_t *colmap, size_t start,
                        size_t n)
{
    for (size_t c = 0; c < b->ncols; c++)
        sli_vec_from_column(pt->cols[colmap ? colmap[c] : c], start, n, b->views[c], &b->vecs[c]);
}

sl_status sli_scan_window_test(sli_scan_bufs *b, const sli_partition *pt, const size_t *colmap, size_t start,
                               size_t n)
{
    for (size_t c = 0; c < b->ncols; c++) {
        const sli_column *col = pt->cols[colmap ? colmap[c] : c];
        if (col->type.id == SL_TYPE_UTF8 && !col->dict) /* the tests read fixed-width columns only */
            b->wvecs[c] = (sli_vec){.type = col->type};
        else
            sli_vec_from_column(col, start, n, NULL, &b->wvecs[c]);
    }
    sli_chunk w = {n, n, NULL, b->ncols, b->wvecs};
    b->wstart = start;
    b->next = 0;
    return sli_eval_scan_bits(b->ev, &w, b->tests, b->bits, &b->tested, &b->rows, &b->nrows);
}

/* Starts fetching the fixed-width values of the window's listed rows
 * b->rows[j..] below row `end`: the rows of the vector after this one,
 * whose cache misses then overlap this vector's work. Columns the
 * window's tests read are in the cache already. */
static void prefetch_listed(const sli_scan_bufs *b, size_t j, size_t end)
{
    size_t stop = j;
    while (stop < b->nrows && b->rows[stop] < end) stop++;
    bool all_tested = b->tested == b->tests;
    for (size_t c = 0; c < b->ncols; c++) {
        const sli_vec *v = &b->wvecs[c];
        if (!v->data || v->type.id == SL_TYPE_UTF8 || (all_tested && b->tested_col[c])) continue;
        size_t w = sli_type_width(v->type);
        for (size_t x = j; x < stop; x++) __builtin_prefetch((const char *)v->data + (size_t)b->rows[x] * w);
    }
}

sl_status sli_scan_window_select(sli_scan_bufs *b, const sli_chunk *c, size_t start, uint32_t *out,
                                 size_t *nout)
{
    size_t k = 0, at = start - b->wstart; /* the vector's first row in the window */
    if (b->rows) {                        /* the list's rows in [at, at + n), as the vector's rows */
        size_t j = b->next;               /* the scan pushes a window's vectors in order */
        for (; j < b->nrows && b->rows[j] < at + c->n; j++) b->sel[k++] = b->rows[j] - (uint32_t)at;
        b->next = j;
        prefetch_listed(b, j, at + 2 * c->n);
    } else {
        k = b->fk->bits_rows(b->bits + at / 64, c->n, b->sel);
    }
    sli_chunk v = {c->n, k, b->sel, c->ncols, c->cols};
    return sli_eval_select_from(b->ev, &v, b->tested, out, nout);
}
