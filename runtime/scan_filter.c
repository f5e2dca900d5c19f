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

/* The rows of *sel (n of them) whose key v lies in the build keys' range
 * kmin..kmax (one range pass), written to one of fs's selection buffers (*sel then points
 * there). A key type the range does not describe passes every row.
 * @return how many rows remain. */
static size_t key_range(const sl_filter_kernels *fk, sli_scan_filter_state *fs, const sli_vec *v,
                        const uint32_t **sel, size_t n)
{
    const sli_join_table *jt = fs->jt;
    sl_type_id kt = jt->cols[jt->ncols]->type.id, t = v->type.id;
    bool w4 = (t == SL_TYPE_INT32 || t == SL_TYPE_DATE32) && (kt == SL_TYPE_INT32 || kt == SL_TYPE_DATE32);
    bool w8 = t == SL_TYPE_INT64 && kt == SL_TYPE_INT64;
    if ((!w4 && !w8) || !n) return n;
    uint32_t *a = *sel == fs->sel ? fs->sel + SLI_VEC_SIZE : fs->sel;
    if (w4)
        n = fk->range_i32(v->data, (int32_t)jt->kmin, (int32_t)jt->kmax, *sel, n, a);
    else
        n = fk->range_i64(v->data, jt->kmin, jt->kmax, *sel, n, a);
    *sel = a;
    return n;
}

bool sli_scan_filters_apply(sli_scan_filter_state *states, const sli_pipeline *p, sli_chunk *c)
{
    const sl_filter_kernels *fk = sli_filter_select()->k;
    for (size_t f = 0; f < p->nfilters && c->count; f++) {
        sli_scan_filter_state *fs = &states[f];
        const sli_scan_filter *sf = &p->filters[f];
        size_t nkeys = p->ops[sf->op].node->nkeys, before = c->count, n = c->count;
        /* A direct-indexed table has no bloom filter, only its key range. */
        bool range = nkeys == 1 && !fs->roff && fs->jt->has_range, bloom = !fs->off && fs->jt->bloom;
        if (!range && !bloom) continue;
        const uint32_t *sel = c->sel;
        if (range) {
            n = key_range(fk, fs, &c->cols[sf->cols[0]], &sel, n);
            fs->rseen += before;
            fs->rkept += n;
            if (fs->rseen >= 65536) {
                fs->roff = fs->rkept * 10 > fs->rseen * 9;
                fs->rseen = fs->rkept = 0;
            }
            if (!bloom) {
                c->sel = sel;
                c->count = n;
                continue;
            }
        }
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
