/*
 * scan_filter.c — pushed bloom filters over a probe pipeline's chunks (see
 * scan_filter.h).
 */
#include "scan_filter.h"

#include <stdlib.h>

#include "buffer.h"
#include "join_dense.h"
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

/* @return 4 or 8 when the probe column v holds keys of the build key's
 * width (int32 or date32 against either, int64 against int64), else 0. */
static int key_width(const sli_join_table *jt, const sli_vec *v)
{
    sl_type_id kt = jt->cols[jt->ncols]->type.id, t = v->type.id;
    if ((t == SL_TYPE_INT32 || t == SL_TYPE_DATE32) && (kt == SL_TYPE_INT32 || kt == SL_TYPE_DATE32))
        return 4;
    return t == SL_TYPE_INT64 && kt == SL_TYPE_INT64 ? 8 : 0;
}

/* @return the one of fs's two selection buffers that sel is not. */
static uint32_t *other_sel(sli_scan_filter_state *fs, const uint32_t *sel)
{
    return sel == fs->sel ? fs->sel + SLI_VEC_SIZE : fs->sel;
}

/* The rows of *sel (n of them) whose key v lies in the build keys' range
 * kmin..kmax (one range pass), written to one of fs's selection buffers (*sel then points
 * there). A key type the range does not describe passes every row.
 * @return how many rows remain. */
static size_t key_range(const sl_filter_kernels *fk, sli_scan_filter_state *fs, const sli_vec *v,
                        const uint32_t **sel, size_t n)
{
    const sli_join_table *jt = fs->jt;
    int w = key_width(jt, v);
    if (!w || !n) return n;
    uint32_t *a = other_sel(fs, *sel);
    if (w == 4)
        n = fk->range_i32(v->data, (int32_t)jt->kmin, (int32_t)jt->kmax, *sel, n, a);
    else
        n = fk->range_i64(v->data, jt->kmin, jt->kmax, *sel, n, a);
    *sel = a;
    return n;
}

/* Counts a test (the key range; the bloom filter or the table's entries):
 * `in` rows in, `out` kept, into its counters; past 64K rows, a test that
 * keeps more than 90% turns off. */
static void count_kept(size_t *seen, size_t *kept, bool *off, size_t in, size_t out)
{
    *seen += in;
    *kept += out;
    if (*seen >= 65536) {
        *off = *kept * 10 > *seen * 9;
        *seen = *kept = 0;
    }
}

/* Keeps the rows of *sel (n) whose key v a partitioned direct-indexed table
 * holds (an exact test, so its probe buffers matches only), in one of fs's
 * selection buffers. @return how many rows remain. */
static size_t dense_member(sli_scan_filter_state *fs, const sli_vec *v, const uint32_t **sel, size_t n)
{
    uint32_t *a = other_sel(fs, *sel);
    n = n ? sli_join_dense_select(fs->jt, v, *sel, n, a) : 0;
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
        /* A direct-indexed table has no bloom filter, only its key range;
         * a partitioned one also filters by its own entries, exactly (its
         * probe then buffers matches only). */
        const sli_join_table *jt = fs->jt;
        bool range = nkeys == 1 && !fs->roff && jt->has_range, bloom = !fs->off && jt->bloom;
        bool member =
            nkeys == 1 && !fs->off && jt->dense && jt->pbits && key_width(jt, &c->cols[sf->cols[0]]);
        if (!range && !bloom && !member) continue;
        const uint32_t *sel = c->sel;
        if (range) {
            n = key_range(fk, fs, &c->cols[sf->cols[0]], &sel, n);
            count_kept(&fs->rseen, &fs->rkept, &fs->roff, before, n);
        }
        if (!bloom) {
            if (member) {
                size_t m = dense_member(fs, &c->cols[sf->cols[0]], &sel, n);
                count_kept(&fs->seen, &fs->kept, &fs->off, n, m);
                n = m;
            }
            c->sel = sel;
            c->count = n;
            continue;
        }
        for (size_t k = 0; k < nkeys; k++) {
            const sli_vec *v = &c->cols[sf->cols[k]];
            if (!v->validity) continue;
            uint32_t *dst = other_sel(fs, sel);
            n = fk->valid(v->validity, sel, n, dst);
            sel = dst;
        }
        for (size_t k = 0; k < nkeys && n; k++)
            if (sli_hash_vec(&c->cols[sf->cols[k]], sel, n, k > 0, fs->hashes, &fs->ks)) return false;
        uint32_t *dst = other_sel(fs, sel);
        n = n ? sli_join_bloom_select(fs->jt, fs->hashes, sel, n, dst) : 0;
        c->sel = dst;
        c->count = n;
        count_kept(&fs->seen, &fs->kept, &fs->off, before, n);
    }
    return true;
}
