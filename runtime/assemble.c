/*
 * assemble.c — parallel copy of fixed-width column segments into one
 * output column per column (see assemble.h).
 */
#include "assemble.h"

#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "workers.h"

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
    size_t nw = nsegs ? 1 : 0;
    for (size_t i = 0; i < nb && !s; i++) {
        if (!copies[i]) continue;
        sl_type t = cols[i]->type;
        if (!(data[i] = sli_buf_alloc_uninit((total ? total : 1) * sli_type_width(t)))) s = SL_ERR_NOMEM;
        bool nullable = false;
        for (size_t g = 0; g < nsegs && !nullable; g++) nullable = cols[segs[g].w * nb + i]->null_count > 0;
        if (nullable && !(valid[i] = sli_buf_alloc((total + 7) / 8))) s = SL_ERR_NOMEM;
    }
    if (!s) {
        if (team && team->nworkers > 1 && nsegs > 1) nw = team->nworkers; /* (some may get no segment) */
        asm_job j = {cols, nb, nsegs, nw ? nw : 1, copies, segs, data};
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
