/*
 * assemble.c — putting a parallel pipeline's output together: segments in
 * order, builds worker by worker, fixed-width columns copied by the team
 * (see assemble.h).
 */
#include "assemble.h"

#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "materialize.h"
#include "workers.h"

/* Below this many rows the output is put together by one thread. */
#define PARALLEL_ROWS ((size_t)1 << 16)

typedef struct asm_job {
    sli_column *const *cols;
    size_t nb, nsegs, nw;
    const bool *copies;
    const sli_asm_seg *segs;
    void **data; /**< per column: the output's values */
} asm_job;

bool sli_assemble_copies(sl_type t)
{
    return t.id != SL_TYPE_UTF8;
}

/* Worker w copies the values of its share of the segments, every column. */
static sl_status copy_worker(size_t w, void *arg)
{
    const asm_job *j = arg;
    size_t lo = j->nsegs * w / j->nw, hi = j->nsegs * (w + 1) / j->nw;
    for (size_t g = lo; g < hi; g++) {
        const sli_asm_seg *sg = &j->segs[g];
        for (size_t i = 0; i < j->nb; i++) {
            if (!j->copies[i]) continue;
            const sli_column *c = j->cols[sg->w * j->nb + i];
            size_t width = sli_type_width(c->type);
            memcpy((char *)j->data[i] + sg->at * width, (const char *)c->data + sg->row * width,
                   (sg->end - sg->row) * width);
        }
    }
    return SL_OK;
}

/* Sets the validity bits of column i (one thread): every row valid, then
 * each NULL of the segments cleared. @return the NULL count. */
static size_t fill_validity(uint8_t *bits, size_t total, sli_column *const *cols, size_t nb, size_t i,
                            const sli_asm_seg *segs, size_t nsegs)
{
    memset(bits, 0xff, (total + 7) / 8);
    size_t nulls = 0;
    for (size_t g = 0; g < nsegs; g++) {
        const sli_column *c = cols[segs[g].w * nb + i];
        if (!c->null_count) continue;
        for (size_t r = segs[g].row, at = segs[g].at; r < segs[g].end; r++, at++)
            if (!sli_valid(c->validity, r)) {
                bits[at >> 3] &= (uint8_t) ~(1u << (at & 7));
                nulls++;
            }
    }
    return nulls;
}

sl_status sli_assemble_fixed(const sli_team *team, sli_column *const *cols, size_t nb, const bool *copies,
                             const sli_asm_seg *segs, size_t nsegs, size_t total, sli_colbuilder *dst)
{
    void **data = calloc(nb ? nb : 1, sizeof *data);
    uint8_t **valid = calloc(nb ? nb : 1, sizeof *valid);
    sl_status s = data && valid ? SL_OK : SL_ERR_NOMEM;
    for (size_t i = 0; i < nb && !s; i++) {
        if (!copies[i]) continue;
        sl_type t = cols[i]->type;
        if (!(data[i] = sli_buf_alloc_uninit((total ? total : 1) * sli_type_width(t)))) s = SL_ERR_NOMEM;
        bool nullable = false;
        for (size_t g = 0; g < nsegs && !nullable; g++) nullable = cols[segs[g].w * nb + i]->null_count > 0;
        if (nullable && !(valid[i] = sli_buf_alloc((total + 7) / 8))) s = SL_ERR_NOMEM;
    }
    if (!s) {
        /* (with more workers than segments, some get none) */
        size_t nw = team && team->nworkers > 1 && nsegs > 1 ? team->nworkers : 1;
        asm_job j = {cols, nb, nsegs, nw, copies, segs, data};
        s = j.nw > 1 ? sli_team_run(team, copy_worker, &j) : copy_worker(0, &j);
    }
    for (size_t i = 0; i < nb; i++) {
        if (!copies[i]) continue;
        if (s) {
            sli_buf_free(data ? data[i] : NULL);
            sli_buf_free(valid ? valid[i] : NULL);
            continue;
        }
        sli_colbuilder *b = &dst[i];
        sli_colbuilder_init(b, cols[i]->type);
        b->col.data = data[i];
        b->col.length = total;
        b->cap = total;
        if (valid[i]) {
            b->col.validity = valid[i];
            b->col.null_count = fill_validity(valid[i], total, cols, nb, i, segs, nsegs);
            b->vcap = (total + 7) / 8;
        }
    }
    free(data);
    free(valid);
    return s;
}

sl_status sli_assemble_segments(const sli_team *team, sli_column *const *cols, size_t nw, size_t nb,
                                const sli_asm_seg *segs, size_t nsegs, sli_colbuilder *dst)
{
    size_t total = nsegs ? segs[nsegs - 1].at + segs[nsegs - 1].end - segs[nsegs - 1].row : 0;
    bool *copies = calloc(nb ? nb : 1, sizeof *copies);
    /* Segments start at any row, so their bitmaps need not be byte-aligned:
     * the rest is gathered by index into scratch vectors. */
    void *vals = sli_buf_alloc(SLI_VEC_SIZE * sizeof(sli_strview));
    uint8_t *valid = sli_buf_alloc(SLI_VEC_SIZE / 8);
    uint32_t *idx = sli_buf_alloc(SLI_VEC_SIZE * sizeof *idx);
    sl_status s = copies && vals && valid && idx ? SL_OK : SL_ERR_NOMEM;
    for (size_t i = 0; i < nb; i++) sli_colbuilder_init(&dst[i], cols[i]->type);
    bool any = false;
    for (size_t i = 0; i < nb && !s && nw > 1 && total >= PARALLEL_ROWS; i++)
        any |= copies[i] = sli_assemble_copies(cols[i]->type);
    if (any && !s) s = sli_assemble_fixed(team, cols, nb, copies, segs, nsegs, total, dst);
    for (size_t g = 0; g < nsegs && !s; g++) {
        const sli_asm_seg *sg = &segs[g];
        for (size_t start = sg->row; start < sg->end && !s; start += SLI_VEC_SIZE) {
            size_t n = sg->end - start < SLI_VEC_SIZE ? sg->end - start : SLI_VEC_SIZE;
            for (size_t j = 0; j < n; j++) idx[j] = (uint32_t)(start + j);
            for (size_t i = 0; i < nb && !s; i++) {
                if (copies[i]) continue;
                sli_vec v;
                sli_vec_gather_column(cols[sg->w * nb + i], idx, n, vals, valid, &v);
                s = sli_append_vec(&dst[i], &v, NULL, n);
            }
        }
    }
    free(copies);
    sli_buf_free(vals);
    sli_buf_free(valid);
    sli_buf_free(idx);
    return s;
}

sl_status sli_assemble_concat(const sli_team *team, sli_colbuilder *const *src, const size_t *rows, size_t nw,
                              size_t nb)
{
    sli_colbuilder *dst = src[0];
    size_t more = 0, total = rows[0];
    for (size_t w = 1; w < nw; w++) more += rows[w];
    total += more;
    bool *copies = calloc(nb ? nb : 1, sizeof *copies);
    sli_column **cols = calloc(nw * nb + 1, sizeof *cols);
    sli_asm_seg *segs = malloc(nw * sizeof *segs);
    sli_strview *views = sli_buf_alloc(SLI_VEC_SIZE * sizeof *views);
    sl_status s = views && copies && cols && segs ? SL_OK : SL_ERR_NOMEM;
    bool any = false;
    for (size_t i = 0; i < nb && !s && total >= PARALLEL_ROWS; i++)
        any |= copies[i] = sli_assemble_copies(dst[i].col.type);
    /* with copies: every worker's columns (worker 0's too) finished first */
    for (size_t w = 0, at = 0; any && w < nw && !s; w++) {
        for (size_t i = 0; i < nb && !s; i++)
            if ((w > 0 || copies[i]) && !(cols[w * nb + i] = sli_colbuilder_finish(&src[w][i])))
                s = SL_ERR_NOMEM;
        segs[w] = (sli_asm_seg){w, 0, rows[w], at};
        at += rows[w];
    }
    if (any && !s) s = sli_assemble_fixed(team, cols, nb, copies, segs, nw, total, dst);
    for (size_t i = 0; i < nb && !s; i++)
        if (!copies[i]) s = sli_colbuilder_reserve(&dst[i], more);
    for (size_t w = 1; w < nw && !s; w++) {
        for (size_t i = 0; i < nb && !s; i++) {
            if (copies[i]) continue;
            sli_column *c = any ? cols[w * nb + i] : sli_colbuilder_finish(&src[w][i]);
            if (!c) s = SL_ERR_NOMEM;
            /* chunks start at multiples of the vector size: bitmaps stay byte-aligned */
            for (size_t start = 0; c && start < c->length && !s; start += SLI_VEC_SIZE) {
                size_t m = c->length - start < SLI_VEC_SIZE ? c->length - start : SLI_VEC_SIZE;
                sli_vec v;
                sli_vec_from_column(c, start, m, views, &v);
                s = sli_append_vec(&dst[i], &v, NULL, m);
            }
            if (!any) sli_column_free(c);
        }
    }
    for (size_t k = 0; k < nw * nb && cols; k++) sli_column_free(cols[k]);
    free(cols);
    free(segs);
    free(copies);
    sli_buf_free(views);
    return s;
}
