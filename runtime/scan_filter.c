/*
 * scan_filter.c — pushed bloom filters over a probe pipeline's chunks (see
 * scan_filter.h).
 */
#include "scan_filter.h"

#include <stdlib.h>

#include "buffer.h"
#include "kernels/filter.h"

sli_scan_filter_state *sli_scan_filters_new(size_t n)
{
    sli_scan_filter_state *fs = calloc(n ? n : 1, sizeof *fs);
    if (!fs) return NULL;
    for (size_t f = 0; f < n; f++) {
        fs[f].hashes = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint64_t));
        fs[f].sel = sli_buf_alloc(2 * SLI_VEC_SIZE * sizeof(uint32_t));
        if (!fs[f].hashes || !fs[f].sel) {
            sli_scan_filters_free(fs, n);
            return NULL;
        }
    }
    return fs;
}

void sli_scan_filters_free(sli_scan_filter_state *fs, size_t n)
{
    for (size_t f = 0; fs && f < n; f++) {
        sli_buf_free(fs[f].hashes);
        sli_buf_free(fs[f].sel);
        sli_key_scratch_free(&fs[f].ks);
    }
    free(fs);
}

bool sli_scan_filters_apply(sli_scan_filter_state *states, const sli_pipeline *p, sli_chunk *c)
{
    const sl_filter_kernels *fk = sli_filter_select()->k;
    for (size_t f = 0; f < p->nfilters && c->count; f++) {
        sli_scan_filter_state *fs = &states[f];
        if (fs->off || !fs->jt->bloom) continue;
        const sli_scan_filter *sf = &p->filters[f];
        size_t nkeys = p->ops[sf->op].node->nkeys, before = c->count, n = c->count;
        const uint32_t *sel = c->sel;
        for (size_t k = 0; k < nkeys; k++) {
            const sli_vec *v = &c->cols[sf->cols[k]];
            if (!v->validity) continue;
            uint32_t *dst = sel == fs->sel ? fs->sel + SLI_VEC_SIZE : fs->sel;
            n = fk->valid(v->validity, sel, n, dst);
            sel = dst;
        }
        for (size_t k = 0; k < nkeys && n; k++)
            if (sli_hash_vec(&c->cols[sf->cols[k]], sel, n, k > 0, fs->hashes, &fs->ks)) return false;
        uint32_t *dst = sel == fs->sel ? fs->sel + SLI_VEC_SIZE : fs->sel;
        n = n ? sli_join_bloom_select(fs->jt, fs->hashes, sel, n, dst) : 0;
        c->sel = dst;
        c->count = n;
        fs->seen += before;
        fs->kept += n;
        if (fs->seen >= 65536) {
            fs->off = fs->kept * 10 > fs->seen * 9;
            fs->seen = fs->kept = 0;
        }
    }
    return true;
}
