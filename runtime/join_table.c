/*
 * join_table.c — hash-join build and probe (see join_table.h).
 */
#include "join_table.h"

#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "kernels/filter.h"
#include "materialize.h"

sl_status sli_join_table_init(sli_join_table *jt, const sl_type *types, size_t ncols,
                              const sl_type *key_types, size_t nkeys)
{
    memset(jt, 0, sizeof *jt);
    jt->ncols = ncols;
    jt->nkeys = nkeys;
    jt->builders = calloc(ncols + nkeys, sizeof *jt->builders);
    if (!jt->builders) return SL_ERR_NOMEM;
    for (size_t i = 0; i < ncols; i++) sli_colbuilder_init(&jt->builders[i], types[i]);
    for (size_t i = 0; i < nkeys; i++) sli_colbuilder_init(&jt->builders[ncols + i], key_types[i]);
    return SL_OK;
}

sl_status sli_join_table_append(sli_join_table *jt, const sli_vec *payload, const sli_vec *keys,
                                const uint32_t *sel, size_t n)
{
    for (size_t i = 0; i < jt->ncols; i++) {
        sl_status s = sli_append_vec(&jt->builders[i], &payload[i], sel, n);
        if (s) return s;
    }
    for (size_t i = 0; i < jt->nkeys; i++) {
        sl_status s = sli_append_vec(&jt->builders[jt->ncols + i], &keys[i], sel, n);
        if (s) return s;
    }
    return SL_OK;
}

sl_status sli_join_table_finish(sli_join_table *jt)
{
    size_t nc = jt->ncols + jt->nkeys;
    jt->cols = calloc(nc, sizeof *jt->cols);
    if (!jt->cols) return SL_ERR_NOMEM;
    for (size_t i = 0; i < nc; i++) {
        jt->cols[i] = sli_colbuilder_finish(&jt->builders[i]);
        if (!jt->cols[i]) return SL_ERR_NOMEM;
    }
    free(jt->builders);
    jt->builders = NULL;
    size_t rows = nc ? jt->cols[0]->length : 0;
    if (rows >= SLI_JOIN_END) return SL_ERR_UNSUPPORTED;
    jt->rows = rows;
    size_t buckets = 16;
    while (buckets < rows * 2) buckets <<= 1;
    jt->mask = buckets - 1;
    jt->hashes = malloc((rows ? rows : 1) * sizeof *jt->hashes);
    jt->next = malloc((rows ? rows : 1) * sizeof *jt->next);
    jt->heads = malloc(buckets * sizeof *jt->heads);
    sli_strview *views = malloc(SLI_VEC_SIZE * sizeof *views);
    uint32_t *valid = malloc(2 * SLI_VEC_SIZE * sizeof *valid); /* two buffers, used in turn */
    sli_key_scratch ks = {0};
    if (!jt->hashes || !jt->next || !jt->heads || !views || !valid) {
        free(views);
        free(valid);
        return SL_ERR_NOMEM;
    }
    memset(jt->heads, 0xff, buckets * sizeof *jt->heads);
    const sl_filter_kernels *fk = sli_filter_select()->k;
    sl_status s = SL_OK;
    for (size_t start = 0; start < rows && !s; start += SLI_VEC_SIZE) {
        size_t n = rows - start < SLI_VEC_SIZE ? rows - start : SLI_VEC_SIZE;
        for (size_t k = 0; k < jt->nkeys && !s; k++) {
            sli_vec v;
            sli_vec_from_column(jt->cols[jt->ncols + k], start, n, views, &v);
            s = sli_hash_vec(&v, NULL, n, k > 0, jt->hashes + start, &ks);
        }
        /* Rows with a NULL key never match: leave them out of the chains. */
        size_t m = n;
        const uint32_t *rowsel = NULL;
        for (size_t k = 0; k < jt->nkeys; k++) {
            const uint8_t *vb = jt->cols[jt->ncols + k]->validity;
            if (!vb) continue;
            /* validity is a bitmap over all rows; start is a multiple of 8 */
            uint32_t *dst = rowsel == valid ? valid + SLI_VEC_SIZE : valid;
            m = fk->valid(vb + start / 8, rowsel, m, dst);
            rowsel = dst;
        }
        for (size_t i = 0; i < m; i++) {
            size_t r = start + (rowsel ? rowsel[i] : i);
            uint64_t b = jt->hashes[r] & jt->mask;
            jt->next[r] = jt->heads[b];
            jt->heads[b] = (uint32_t)r;
        }
    }
    sli_key_scratch_free(&ks);
    free(views);
    free(valid);
    return s;
}

void sli_join_table_free(sli_join_table *jt)
{
    size_t nc = jt->ncols + jt->nkeys;
    if (jt->builders)
        for (size_t i = 0; i < nc; i++) sli_colbuilder_discard(&jt->builders[i]);
    free(jt->builders);
    if (jt->cols)
        for (size_t i = 0; i < nc; i++) sli_column_free(jt->cols[i]);
    free(jt->cols);
    free(jt->hashes);
    free(jt->next);
    free(jt->heads);
    memset(jt, 0, sizeof *jt);
}

sl_status sli_join_probe_init(sli_join_probe *p)
{
    memset(p, 0, sizeof *p);
    p->row = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint32_t));
    p->cand = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint32_t));
    p->hash = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint64_t));
    p->hbuf = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint64_t));
    p->sel = sli_buf_alloc(2 * SLI_VEC_SIZE * sizeof(uint32_t)); /* two buffers, used in turn */
    p->match = sli_buf_alloc(SLI_VEC_SIZE);
    return p->row && p->cand && p->hash && p->hbuf && p->sel && p->match ? SL_OK : SL_ERR_NOMEM;
}

void sli_join_probe_free(sli_join_probe *p)
{
    sli_buf_free(p->row);
    sli_buf_free(p->cand);
    sli_buf_free(p->hash);
    sli_buf_free(p->hbuf);
    sli_buf_free(p->sel);
    sli_buf_free(p->match);
    sli_key_scratch_free(&p->scratch);
    memset(p, 0, sizeof *p);
}

sl_status sli_join_probe_start(sli_join_probe *p, const sli_join_table *jt, const sli_vec *keys,
                               const uint32_t *sel, size_t n)
{
    p->keys = keys;
    p->nactive = 0;
    const sl_filter_kernels *fk = sli_filter_select()->k;
    /* Probe rows with a NULL key match nothing. */
    for (size_t k = 0; k < jt->nkeys; k++) {
        if (!keys[k].validity) continue;
        uint32_t *dst = sel == p->sel ? p->sel + SLI_VEC_SIZE : p->sel;
        n = fk->valid(keys[k].validity, sel, n, dst);
        sel = dst;
    }
    for (size_t k = 0; k < jt->nkeys; k++) {
        sl_status s = sli_hash_vec(&keys[k], sel, n, k > 0, p->hbuf, &p->scratch);
        if (s) return s;
    }
    size_t a = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : (uint32_t)i;
        uint64_t h = p->hbuf[r];
        uint32_t c = jt->heads[h & jt->mask];
        p->row[a] = r;
        p->cand[a] = c;
        p->hash[a] = h;
        a += c != SLI_JOIN_END;
    }
    p->nactive = a;
    return SL_OK;
}

size_t sli_join_probe_next(sli_join_probe *p, const sli_join_table *jt, uint32_t *probe_rows,
                           uint32_t *build_rows)
{
    while (p->nactive > 0) {
        size_t na = p->nactive;
        for (size_t i = 0; i < na; i++) p->match[i] = jt->hashes[p->cand[i]] == p->hash[i];
        for (size_t k = 0; k < jt->nkeys; k++)
            sli_keys_match(&p->keys[k], p->row, jt->cols[jt->ncols + k], p->cand, na, p->match);
        size_t out = 0, w = 0;
        for (size_t i = 0; i < na; i++) {
            probe_rows[out] = p->row[i];
            build_rows[out] = p->cand[i];
            out += p->match[i];
            uint32_t nx = jt->next[p->cand[i]];
            p->row[w] = p->row[i];
            p->cand[w] = nx;
            p->hash[w] = p->hash[i];
            w += nx != SLI_JOIN_END;
        }
        p->nactive = w;
        if (out) return out;
    }
    return 0;
}
