/*
 * agg_partition.c — partitioned aggregation (see agg_partition.h).
 *
 * Scattering a vector: each row's partition from the scheme (its keys'
 * hash, as the aggregate table computes it, or its key's range), then its
 * place (its partition's last block, the next row there; a new block when
 * that one is full), then copy the rows column by column, in row order, so
 * the input is read sequentially. Writes go through software
 * write-combining: a 64-byte staging line per partition and column collects
 * values, and a full line is written to the block with non-temporal stores,
 * so the scattered writes neither read the destination lines first nor
 * evict the table's working set. When every column is 8 bytes wide and
 * holds no NULL (integer keys, decimal arguments), each row is instead
 * placed and its values staged in one pass (add_w8), which keeps no per-row
 * places between passes. A block is one piece of memory: per column
 * SLI_PART_BLOCK_ROWS values, a validity bitmap (all ones until a NULL
 * arrives) and a flag saying whether it holds a NULL. Blocks are cut from
 * large slabs (slabs.h), so buffering costs few page faults and no
 * reallocation.
 *
 * Finishing: the partitions are aggregated one after another into the one
 * output table. Before each partition its hash slots are emptied
 * (sli_agg_hash_restart): no key of a partition equals a key of another, so
 * the slots only ever hold one partition's groups and stay in cache, while
 * states and keys are appended at the end of their arrays. The first table's
 * groups are sorted by partition once and merged into their partition. A
 * range partition that no outside or NULL key reached instead finds every
 * group (the first table's, then its rows') through the table's range map
 * at key - window start, and leaves the slots alone; the map's entries are
 * cleared again from the groups it made.
 */
#include "agg_partition.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "buffer.h"
#include "stream_line.h"

size_t sli_agg_part_groups = (size_t)1 << 16;
unsigned sli_agg_part_bits = 8;

/** Rows per block: a multiple of 8 (validity bytes), at most SLI_VEC_SIZE. */
#define SLI_PART_BLOCK_ROWS 1024
#define HUGE                ((size_t)2 << 20)
#define SLAB_BYTES          (4 * HUGE)
#define ARENA_BYTES         ((size_t)1 << 20)
#define LINE                SLI_WC_LINE /* the unit of write-combining */

static size_t up64(size_t x)
{
    return (x + 63) & ~(size_t)63;
}

sl_status sli_part_rows_init(sli_part_rows *pr, const sl_type *types, size_t ncols, size_t nkeys,
                             unsigned pbits)
{
    memset(pr, 0, sizeof *pr);
    sli_slabs_init(&pr->slabs, SLAB_BYTES);
    if (pbits < 1) pbits = 1; /* the partition is hash >> (64 - pbits) */
    if (pbits > 12) pbits = 12;
    pr->pbits = pbits;
    pr->scheme.pbits = pbits;
    pr->nparts = (size_t)1 << pbits;
    pr->ncols = ncols;
    pr->nkeys = nkeys;
    size_t nc = ncols ? ncols : 1;
    pr->types = malloc(nc * sizeof *pr->types);
    pr->width = malloc(nc * sizeof *pr->width);
    pr->voff = malloc(nc * sizeof *pr->voff);
    pr->boff = malloc(nc * sizeof *pr->boff);
    pr->head = calloc(pr->nparts, sizeof *pr->head);
    pr->tail = calloc(pr->nparts, sizeof *pr->tail);
    pr->rows = calloc(pr->nparts, sizeof *pr->rows);
    pr->fill = malloc(pr->nparts * sizeof *pr->fill);
    pr->dirty = calloc(pr->nparts, 1);
    pr->hash = sli_buf_alloc(SLI_VEC_SIZE * sizeof *pr->hash);
    pr->dq = sli_buf_alloc(SLI_VEC_SIZE * sizeof *pr->dq);
    pr->dp = sli_buf_alloc(SLI_VEC_SIZE * sizeof *pr->dp);
    pr->db = sli_buf_alloc(SLI_VEC_SIZE * sizeof *pr->db);
    pr->stage = sli_buf_alloc(pr->nparts * nc * LINE);
    pr->views = sli_buf_alloc(SLI_VEC_SIZE * sizeof *pr->views);
    if (!pr->types || !pr->width || !pr->voff || !pr->boff || !pr->head || !pr->tail || !pr->rows ||
        !pr->fill || !pr->dirty || !pr->hash || !pr->dq || !pr->dp || !pr->db || !pr->stage || !pr->views)
        return SL_ERR_NOMEM;
    for (size_t q = 0; q < pr->nparts; q++) pr->fill[q] = SLI_PART_BLOCK_ROWS; /* no block yet */
    size_t off = up64(sizeof(sli_part_block));
    for (size_t c = 0; c < ncols; c++) {
        pr->types[c] = types[c];
        pr->width[c] = types[c].id == SL_TYPE_UTF8 ? sizeof(sli_strview) : sli_type_width(types[c]);
        pr->voff[c] = off;
        off += up64(SLI_PART_BLOCK_ROWS * pr->width[c]);
        pr->boff[c] = off;
        off += up64(SLI_PART_BLOCK_ROWS / 8);
    }
    pr->foff = off;
    pr->block_bytes = off + up64(nc);
    return SL_OK;
}

/* @return a new empty block, or NULL. */
static sli_part_block *new_block(sli_part_rows *pr)
{
    sli_part_block *b = sli_slabs_cut(&pr->slabs, pr->block_bytes); /* every header byte is written below */
    if (!b) return NULL;
    b->next = NULL;
    b->n = 0;
    char *base = (char *)b;
    for (size_t c = 0; c < pr->ncols; c++) memset(base + pr->boff[c], 0xff, SLI_PART_BLOCK_ROWS / 8);
    memset(base + pr->foff, 0, pr->ncols);
    return b;
}

/* @return a copy of len bytes in the arena (stable until free), or NULL. */
static const char *arena_put(sli_part_rows *pr, const char *p, size_t len)
{
    if (len == 0) return "";
    sli_part_arena *a = pr->arena;
    size_t head = up64(sizeof *a);
    if (!a || a->cap - a->used < len) {
        size_t cap = len > ARENA_BYTES ? len : ARENA_BYTES;
        a = malloc(head + cap);
        if (!a) return NULL;
        a->next = pr->arena;
        a->used = 0;
        a->cap = cap;
        pr->arena = a;
    }
    char *dst = (char *)a + head + a->used;
    memcpy(dst, p, len);
    a->used += len;
    return dst;
}

/* Software write-combining: the value of the i-th row goes to its place
 * (block db[i], row dp[i]) through the staging line of its partition and
 * this column; a full line is streamed to the block in one piece. Rows are
 * read in order, so the input is read sequentially. */
#define STAGE_LOOP(T, VALUE)                                                                                 \
    do {                                                                                                     \
        const size_t per_ = LINE / sizeof(T);                                                                \
        for (size_t i = 0; i < n; i++) {                                                                     \
            uint32_t r = sel ? sel[i] : (uint32_t)i;                                                         \
            size_t at_ = dp[i], in_ = at_ & (per_ - 1);                                                      \
            T *st_ = (T *)(stage + dq[i] * stride);                                                          \
            (void)r;                                                                                         \
            st_[in_] = (VALUE);                                                                              \
            if (in_ == per_ - 1) sli_stream_line((char *)db[i] + voff + (at_ - in_) * sizeof(T), st_);       \
        }                                                                                                    \
    } while (0)

/* @return the arena copy of row r of string vector v ("" when NULL), or .ptr NULL on NOMEM. */
static sli_strview str_copy(sli_part_rows *pr, const sli_vec *v, uint32_t r)
{
    sli_strview sv = {"", 0};
    if (!sli_valid(v->validity, r)) return sv;
    sv = v->dict ? v->dict->views[((const int32_t *)v->data)[r]] : ((const sli_strview *)v->data)[r];
    sv.ptr = arena_put(pr, sv.ptr, sv.len);
    return sv;
}

/* Copies column c of the selected rows to the places chosen for them. */
static sl_status copy_column(sli_part_rows *pr, size_t c, const sli_vec *v, const uint32_t *sel, size_t n)
{
    const uint32_t *restrict dq = pr->dq, *restrict dp = pr->dp;
    sli_part_block *const *restrict db = pr->db;
    char *stage = pr->stage + c * LINE;
    size_t stride = pr->ncols * LINE, voff = pr->voff[c];
    if (pr->types[c].id == SL_TYPE_UTF8) {
        sli_strview *sv = pr->views;
        for (size_t i = 0; i < n; i++)
            if (!(sv[i] = str_copy(pr, v, sel ? sel[i] : (uint32_t)i)).ptr) return SL_ERR_NOMEM;
        STAGE_LOOP(sli_strview, sv[i]);
    } else {
        switch (pr->width[c]) {
        case 1: STAGE_LOOP(uint8_t, ((const uint8_t *)v->data)[r]); break;
        case 2: STAGE_LOOP(uint16_t, ((const uint16_t *)v->data)[r]); break;
        case 4: STAGE_LOOP(uint32_t, ((const uint32_t *)v->data)[r]); break;
        default: STAGE_LOOP(uint64_t, ((const uint64_t *)v->data)[r]); break;
        }
    }
    if (v->validity)
        for (size_t i = 0; i < n; i++) {
            uint32_t r = sel ? sel[i] : (uint32_t)i;
            if (sli_valid(v->validity, r)) continue;
            char *base = (char *)db[i];
            uint8_t *bits = (uint8_t *)base + pr->boff[c];
            bits[dp[i] >> 3] &= (uint8_t) ~(1u << (dp[i] & 7));
            base[pr->foff + c] = 1;
        }
    return SL_OK;
}

/* Gives partition q a new last block when its last one is full (or it has
 * none). @return SL_OK or SL_ERR_NOMEM. */
static inline sl_status room_in(sli_part_rows *pr, uint32_t q)
{
    if (pr->fill[q] != SLI_PART_BLOCK_ROWS) return SL_OK;
    sli_part_block *b = pr->tail[q], *nb = new_block(pr);
    if (!nb) return SL_ERR_NOMEM;
    if (b) {
        b->n = SLI_PART_BLOCK_ROWS;
        b->next = nb;
    } else
        pr->head[q] = nb;
    pr->tail[q] = nb;
    pr->fill[q] = 0;
    return SL_OK;
}

/* Columns at most this many for the one-pass copy below. */
#define W8_MAX_COLS 8

/* The common case of a high-cardinality aggregate (integer keys, decimal or
 * integer arguments): every column 8 bytes wide, no NULLs. Each row is
 * placed and all its values staged in one step, so no per-row places are
 * kept between passes (the staging lines, the input and little else stay
 * in L1). */
static sl_status add_w8(sli_part_rows *pr, const sli_vec *cols, const uint32_t *sel, size_t n)
{
    const size_t nc = pr->ncols, per = LINE / 8;
    const uint64_t *src[W8_MAX_COLS];
    size_t voff[W8_MAX_COLS];
    for (size_t c = 0; c < nc; c++) {
        src[c] = cols[c].data;
        voff[c] = pr->voff[c];
    }
    const uint64_t *restrict hash = pr->hash;
    uint32_t *restrict fill = pr->fill;
    size_t *restrict rows = pr->rows;
    unsigned shift = 64 - pr->pbits;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : (uint32_t)i;
        uint32_t q = (uint32_t)(hash[r] >> shift);
        if (room_in(pr, q)) return SL_ERR_NOMEM;
        uint32_t at = fill[q]++, in = at & (per - 1);
        rows[q]++;
        uint64_t *st = (uint64_t *)(pr->stage + q * nc * LINE);
        for (size_t c = 0; c < nc; c++) st[c * per + in] = src[c][r];
        if (in == per - 1) {
            char *blk = (char *)pr->tail[q];
            for (size_t c = 0; c < nc; c++) sli_stream_line(blk + voff[c] + (at - in) * 8, st + c * per);
        }
    }
    for (size_t q = 0; q < pr->nparts; q++)
        if (pr->tail[q]) pr->tail[q]->n = fill[q]; /* earlier blocks are full */
    pr->total += n;
    return SL_OK;
}

sl_status sli_part_rows_add(sli_part_rows *pr, const sli_vec *cols, const uint32_t *sel, size_t n)
{
    if (n == 0) return SL_OK;
    sl_status s;
    uint64_t *restrict hash = pr->hash;
    if (pr->scheme.range) /* the partition in the top bits, as a hash would give it */
        sli_agg_scheme_rows(&pr->scheme, &cols[0], sel, n, hash, pr->dirty);
    for (size_t k = 0; k < pr->nkeys && !pr->scheme.range; k++)
        if ((s = sli_hash_vec(&cols[k], sel, n, k > 0, hash, &pr->ks))) return s;
    if (pr->nkeys == 0) /* one group: every row in partition 0 */
        for (size_t i = 0; i < n; i++) hash[sel ? sel[i] : i] = 0;
    bool w8 = pr->ncols <= W8_MAX_COLS;
    for (size_t c = 0; c < pr->ncols && w8; c++)
        w8 = pr->types[c].id != SL_TYPE_UTF8 && pr->width[c] == 8 && !cols[c].validity;
    if (w8) return add_w8(pr, cols, sel, n);
    unsigned shift = 64 - pr->pbits;
    /* Each row's place: its partition's last block, at the next row (fill
     * counts the rows of each last block; a new partition's "last block" is
     * full so that the first row makes one). */
    uint32_t *restrict fill = pr->fill;
    for (size_t i = 0; i < n; i++) {
        uint32_t q = (uint32_t)(hash[sel ? sel[i] : i] >> shift);
        if (room_in(pr, q)) return SL_ERR_NOMEM;
        pr->dq[i] = q;
        pr->db[i] = pr->tail[q];
        pr->dp[i] = fill[q]++;
    }
    for (size_t q = 0; q < pr->nparts; q++)
        if (pr->tail[q]) pr->tail[q]->n = fill[q]; /* earlier blocks are full */
    for (size_t i = 0; i < n; i++) pr->rows[pr->dq[i]]++;
    for (size_t c = 0; c < pr->ncols; c++)
        if ((s = copy_column(pr, c, &cols[c], sel, n))) return s;
    pr->total += n;
    return SL_OK;
}

void sli_part_rows_flush(sli_part_rows *pr)
{
    for (size_t q = 0; q < pr->nparts; q++) {
        sli_part_block *b = pr->tail[q];
        if (!b) continue;
        for (size_t c = 0; c < pr->ncols; c++) {
            size_t w = pr->width[c], per = LINE / w, done = b->n & ~(per - 1);
            memcpy((char *)b + pr->voff[c] + done * w, pr->stage + (q * pr->ncols + c) * LINE,
                   (b->n - done) * w);
        }
    }
#if defined(__SSE2__)
    _mm_sfence(); /* the streamed lines are in memory before they are read */
#endif
}

size_t sli_part_rows_block(const sli_part_rows *pr, const sli_part_block *b, sli_vec *cols)
{
    const char *base = (const char *)b;
    const uint8_t *flags = (const uint8_t *)base + pr->foff;
    for (size_t c = 0; c < pr->ncols; c++) {
        cols[c].type = pr->types[c];
        cols[c].data = base + pr->voff[c];
        cols[c].validity = flags[c] ? (const uint8_t *)base + pr->boff[c] : NULL;
        cols[c].dict = NULL;
    }
    return b->n;
}

void sli_part_rows_free(sli_part_rows *pr)
{
    sli_slabs_free(&pr->slabs);
    for (sli_part_arena *a = pr->arena, *next; a; a = next) {
        next = a->next;
        free(a);
    }
    free(pr->types);
    free(pr->width);
    free(pr->voff);
    free(pr->boff);
    free(pr->head);
    free(pr->tail);
    free(pr->rows);
    free(pr->fill);
    free(pr->dirty);
    sli_buf_free(pr->hash);
    sli_buf_free(pr->dq);
    sli_buf_free(pr->dp);
    sli_buf_free(pr->db);
    sli_buf_free(pr->stage);
    sli_buf_free(pr->views);
    sli_key_scratch_free(&pr->ks);
    memset(pr, 0, sizeof *pr);
}

/* ---- the aggregate sink ---------------------------------------------------------------------- */

bool sli_agg_part_wanted(const sli_agg_table *t, size_t workers)
{
    size_t limit = sli_agg_part_groups / (workers ? workers : 1);
    return t->nkeys > 0 && !t->direct && t->ngroups > limit;
}

sl_status sli_agg_part_start(sli_agg_part *p, sli_agg_table *t, sli_agg_scheme_once *once, size_t seen,
                             size_t total)
{
    sli_agg_scheme scheme;
    sli_agg_scheme_agree(once, t, sli_agg_part_bits, seen, total, &scheme);
    size_t nk = t->nkeys, na = t->naggs;
    sl_type *types = malloc((nk + na + 1) * sizeof *types);
    p->arg_col = malloc((na ? na : 1) * sizeof *p->arg_col);
    if (!types || !p->arg_col) {
        free(types);
        return SL_ERR_NOMEM;
    }
    for (size_t k = 0; k < nk; k++) types[k] = t->keys[k].col.type;
    size_t nc = nk;
    for (size_t k = 0; k < na; k++) {
        const sli_agg *a = &t->aggs[k];
        /* count(*) reads no argument, and an alias updates nothing of its own */
        if (!a->arg || a->fn == SLI_AGG_COUNT_STAR || t->alias[k] != k) {
            p->arg_col[k] = SIZE_MAX;
            continue;
        }
        p->arg_col[k] = nc;
        types[nc++] = a->arg->type;
    }
    sl_status s = sli_part_rows_init(&p->rows, types, nc, nk, scheme.pbits);
    if (!s) {
        p->rows.scheme = scheme;
        p->first = *t;
        p->active = true;
        s = sli_agg_table_init(t, types, nk, p->first.aggs, na);
        if (!s) sli_agg_table_force_hash(t);
        if (!s && !t->h.slots) s = SL_ERR_NOMEM; /* force_hash could not allocate */
    }
    free(types);
    return s;
}

sl_status sli_agg_part_add(sli_agg_part *p, const sli_vec *keys, const sli_vec *args, const uint32_t *sel,
                           size_t n)
{
    sli_part_rows *pr = &p->rows;
    sli_vec cols[64];
    sli_vec *v = pr->ncols <= 64 ? cols : malloc(pr->ncols * sizeof *v);
    if (!v) return SL_ERR_NOMEM;
    for (size_t k = 0; k < pr->nkeys; k++) v[k] = keys[k];
    for (size_t k = 0; k < p->first.naggs; k++)
        if (p->arg_col[k] != SIZE_MAX) v[p->arg_col[k]] = args[k];
    sl_status s = sli_part_rows_add(pr, v, sel, n);
    if (v != cols) free(v);
    return s;
}

/* Aggregates the buffered rows of partition q into t. */
static sl_status aggregate_part(const sli_agg_part *p, sli_agg_table *t, size_t q, sli_vec *cols)
{
    const sli_part_rows *pr = &p->rows;
    for (const sli_part_block *b = pr->head[q]; b; b = b->next) {
        size_t m = sli_part_rows_block(pr, b, cols);
        sl_status s = sli_agg_table_groups(t, cols, NULL, m);
        for (size_t k = 0; k < t->naggs && !s; k++)
            s = sli_agg_table_update(t, k, p->arg_col[k] == SIZE_MAX ? NULL : &cols[p->arg_col[k]], NULL, m);
        if (s) return s;
    }
    return SL_OK;
}

/* Under a range scheme: whether partition q can be aggregated through the
 * range map — no source received a key outside the range or a NULL key for
 * it, and every group listed for it lies in its window. */
static bool range_clean(const sli_agg_scheme *sc, size_t q, const sli_agg_part *const *parts,
                        const sli_agg_table *const *tables, uint32_t *const *groups, size_t *const *start,
                        size_t nsrc)
{
    uint64_t lo = (uint64_t)sli_agg_range_start(sc, q);
    for (size_t v = 0; v < nsrc; v++) {
        if (parts[v]->active && parts[v]->rows.dirty[q]) return false;
        const sli_column *c = &tables[v]->keys[0].col;
        sl_ptype pt = sli_ptype(c->type);
        for (size_t i = start[v][q]; i < start[v][q + 1]; i++) {
            uint32_t g = groups[v][i];
            if (!sli_valid(c->validity, g) || ((uint64_t)sli_agg_int_at(c->data, pt, g) - lo) >> sc->shift)
                return false;
        }
    }
    return true;
}

/* Partition q through t's range map: the listed groups merged, then the rows aggregated. */
static sl_status fold_range(sli_agg_table *t, const sli_agg_scheme *sc, size_t q,
                            const sli_agg_part *const *parts, const sli_agg_table *const *tables,
                            uint32_t *const *groups, size_t *const *start, size_t nsrc, sli_vec *cols)
{
    if (!t->rmap && !(t->rmap = sli_buf_alloc(SLI_AGG_RMAP_SIZE * sizeof *t->rmap))) return SL_ERR_NOMEM;
    size_t g0 = t->ngroups;
    t->rmap_on = true;
    t->rlo = sli_agg_range_start(sc, q);
    sl_status s = SL_OK;
    for (size_t v = 0; v < nsrc && !s; v++)
        s = sli_agg_table_merge_groups(t, tables[v], groups[v] + start[v][q], start[v][q + 1] - start[v][q]);
    for (size_t v = 0; v < nsrc && !s; v++)
        if (parts[v]->active) s = aggregate_part(parts[v], t, q, cols);
    t->rmap_on = false;
    const sli_column *c = &t->keys[0].col; /* the map is left all zero */
    sl_ptype pt = sli_ptype(c->type);
    for (size_t g = g0; g < t->ngroups; g++)
        t->rmap[(uint64_t)sli_agg_int_at(c->data, pt, g) - (uint64_t)t->rlo] = 0;
    return s;
}

sl_status sli_agg_part_fold(sli_agg_table *t, size_t q, const sli_agg_part *const *parts,
                            const sli_agg_table *const *tables, uint32_t *const *groups, size_t *const *start,
                            size_t nsrc, sli_vec *cols, size_t expect)
{
    const sli_agg_scheme *sc = NULL;
    for (size_t v = 0; v < nsrc && !sc; v++)
        if (parts[v]->active) sc = &parts[v]->rows.scheme;
    size_t g0 = t->ngroups;
    if (sc && sc->range && !t->direct && range_clean(sc, q, parts, tables, groups, start, nsrc)) {
        sl_status s = fold_range(t, sc, q, parts, tables, groups, start, nsrc, cols);
        t->folds_mapped += t->ngroups > g0;
        return s;
    }
    sl_status s = t->ngroups && !t->direct ? sli_agg_hash_restart(t, expect) : SL_OK;
    for (size_t v = 0; v < nsrc && !s; v++) {
        if (parts[v]->active) s = aggregate_part(parts[v], t, q, cols);
        if (!s)
            s = sli_agg_table_merge_groups(t, tables[v], groups[v] + start[v][q],
                                           start[v][q + 1] - start[v][q]);
    }
    t->folds_hashed += t->ngroups > g0;
    return s;
}

void sli_agg_part_note(const sli_agg_scheme *sc, size_t mapped, size_t hashed, char *buf, size_t cap)
{
    if (sc->range)
        snprintf(buf, cap, "%zu partitions by key range, %zu of them mapped by key, %zu hashed",
                 (size_t)1 << sc->pbits, mapped, hashed);
    else
        snprintf(buf, cap, "%zu partitions by key hash", (size_t)1 << sc->pbits);
}

size_t sli_agg_part_estimate(size_t ngroups, size_t made, size_t merged, size_t rows, size_t rows_left,
                             size_t groups_left)
{
    size_t fresh = made > merged ? made - merged : 0; /* groups the partition's rows added */
    double est = (double)ngroups + (double)fresh / (double)(rows ? rows : 1) * (double)rows_left * 1.125 +
                 (double)groups_left + SLI_VEC_SIZE;
    double bound = (double)ngroups + (double)rows_left + (double)groups_left;
    return (size_t)(est < bound ? est : bound);
}

sl_status sli_agg_part_finish(sli_agg_part *p, sli_agg_table *t)
{
    sli_part_rows *pr = &p->rows;
    sli_part_rows_flush(pr);
    uint32_t *groups = NULL;
    size_t *start = NULL;
    sli_vec *cols = calloc(pr->ncols ? pr->ncols : 1, sizeof *cols);
    sl_status s = cols ? sli_agg_table_prepare_merge(&p->first) : SL_ERR_NOMEM;
    if (!s) s = sli_agg_scheme_groups(&pr->scheme, &p->first, &groups, &start);
    const sli_agg_part *src = p;
    const sli_agg_table *first = &p->first;
    size_t expect = 0, seen = 0;
    bool reserved = false;
    for (size_t q = 0; q < pr->nparts && !s; q++) {
        size_t g0 = t->ngroups;
        if ((s = sli_agg_part_fold(t, q, &src, &first, &groups, &start, 1, cols, expect))) break;
        expect = t->ngroups - g0;
        seen += pr->rows[q];
        if (!reserved && pr->rows[q]) { /* room for the groups to come, grown once */
            reserved = true;
            s = sli_agg_reserve(t, sli_agg_part_estimate(t->ngroups, expect, start[q + 1] - start[q],
                                                         pr->rows[q], pr->total - seen,
                                                         p->first.ngroups - start[q + 1]));
        }
    }
    free(groups);
    free(start);
    free(cols);
    sli_part_rows_free(pr);
    return s;
}

sl_status sli_agg_part_seal(sli_agg_part *p)
{
    sli_part_rows_flush(&p->rows);
    return sli_agg_table_prepare_merge(&p->first);
}

void sli_agg_part_free(sli_agg_part *p)
{
    if (p->active) sli_agg_table_free(&p->first);
    sli_part_rows_free(&p->rows);
    free(p->arg_col);
    memset(p, 0, sizeof *p);
}
