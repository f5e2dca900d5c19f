/*
 * executor.c — push-based, vector-at-a-time execution of pipelines
 * (see executor.h). Operators hold their evaluators and scratch vectors in
 * op_state; a chunk flows through push() without being copied until a
 * join probe gathers its matches or a sink materializes it. A probe against
 * a radix-partitioned hash table buffers its input by partition
 * (join_partition.h) and probes it one partition at a time when the buffer
 * is full or the source is exhausted (flush_ops); a join's bloom filter
 * can run right after the scan and its leading filters (scan_filter.h).
 */
#include "executor.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "agg_partition.h"
#include "agg_table.h"
#include "agg_team.h"
#include "assemble.h"
#include "buffer.h"
#include "context.h"
#include "eval.h"
#include "join_dense.h"
#include "join_partition.h"
#include "join_table.h"
#include "kernels/filter.h"
#include "kernels/sort.h"
#include "materialize.h"
#include "memory.h"
#include "morsel.h"
#include "ocl_data.h"
#include "ocl_exec.h"
#include "placement.h"
#include "profile.h"
#include "result_pass.h"
#include "scan_filter.h"
#include "scan_window.h"
#include "sort_table.h"
#include "topk.h"
#include "topology.h"
#include "workers.h"

/* What a finished pipeline leaves for later ones. */
typedef struct pipe_output {
    sli_table *table;   /**< AGG / SORT / RESULT output */
    sli_join_table *jt; /**< BUILD output */
    char note[96];      /**< AGG: how it partitioned its rows (sli_agg_part_note), else "" */
} pipe_output;

typedef struct op_state {
    sli_eval **evs; /**< FILTER: 1; PROJECT: ncols; PROBE: nkeys */
    size_t nevs;
    uint32_t *sel;
    sli_vec *cols; /**< output vectors */
    sli_vec *keys; /**< PROBE key vectors */
    sli_join_probe probe;
    uint32_t *prow, *brow;
    uint32_t *bidx; /**< PROBE (left outer): build rows with "no row" replaced */
    /* PROBE against a radix-partitioned table: probe rows without nulls are
     * buffered by partition (left columns, then key values) and probed
     * partition by partition; other rows are probed as they come. */
    bool buffering;
    sli_join_pbuf pbuf;
    sl_type *ptypes;    /**< buffered column types: left columns, then keys that are not one */
    size_t *kcol;       /**< nkeys: the buffered column holding key k */
    size_t nbuf;        /**< buffered columns */
    sli_vec *fvecs;     /**< nbuf: a chunk's rows to buffer, or buffered rows */
    sli_vec *fkeys;     /**< nkeys: the key vectors of buffered rows */
    uint64_t *phash;    /**< SLI_VEC_SIZE: key hashes by row position */
    sli_key_scratch ks; /**< for hashing keys before buffering */
    void **vals;        /**< PROBE: per output column gather scratch */
    uint8_t **valid;
    const sli_join_table *jt;
    int64_t remaining; /**< LIMIT */
} op_state;

typedef struct run {
    sl_context *ctx;
    const sli_pipeline *p;
    op_state *ops;
    bool done;
    /* sinks */
    sli_colbuilder *builders; /**< RESULT, SORT */
    size_t nbuilders;
    sli_join_table *jt; /**< BUILD */
    sli_agg_table agg;  /**< AGG */
    bool agg_ready;
    sli_agg_part aggp;           /**< AGG: rows by partition once agg outgrows the caches */
    sli_agg_scheme_once *scheme; /**< AGG, parallel runs: the partitioning every worker adopts */
    size_t scanned, src_rows;    /**< source rows this run read, and the source's rows (AGG: sorted keys) */
    size_t workers;              /**< the team's workers in a parallel run, else 0 */
    sli_join_table *placed;      /**< BUILD on a team: the shared table rows are placed in (or NULL) */
    const size_t *part_row;      /**< with placed: each source partition's first row */
    size_t row_at;               /**< with placed: the source row of the chunk being pushed */
    sli_eval **sink_evs; /**< BUILD: rkeys; AGG: groups (then NULL per aggregate) */
    sli_eval *agg_args;  /**< AGG: every aggregate's argument, common parts shared */
    size_t nsink_evs;
    sli_vec *sink_vecs;
    sli_scan_filter_state *sfs; /**< p->nfilters */
    sli_topk *topk;         /**< SORT under a small limit */
    /* Parallel runs: where each morsel's rows start in the builder sinks
     * (RESULT, SORT, BUILD), so the workers' rows can be put back in the
     * order of the source (parallel.c's assembly below). */
    size_t out_rows;             /**< rows appended to the builder sink so far */
    size_t hint_rows;            /**< rows this run's source will likely push (sizes the join build) */
    const struct sli_team *team; /**< parallel runs: the team, for sinks that finish in parallel */
    struct segment *segs;
    size_t nsegs, segcap;
    /* EXPLAIN ANALYZE (profile.h): NULL when profiling is off */
    sli_op_prof *prof; /**< p->nops + 1: this worker's operators, then its sink */
    uint64_t src_ns;   /**< loading vectors and pushed bloom filters */
    size_t morsels;    /**< morsels this worker took */
} run;

/* Rows [row, next segment's row) of a worker's builder sink came from the
 * morsel with sequence number seq (source order). */
typedef struct segment {
    size_t seq;
    size_t row;
} segment;

static sli_sort_spec *sort_specs(const sli_plan *n);

static sl_status nomem(run *r, const char *where)
{
    return sli_nomem(r->ctx, where);
}

static void free_evs(sli_eval **evs, size_t n)
{
    if (!evs) return;
    for (size_t i = 0; i < n; i++) sli_eval_free(evs[i]);
    free(evs);
}

static sl_status make_evs(run *r, sli_expr *const *exprs, size_t n, sli_eval ***out)
{
    *out = calloc(n ? n : 1, sizeof **out);
    if (!*out) return nomem(r, "operator");
    for (size_t i = 0; i < n; i++) {
        if (!exprs[i]) continue;
        sl_status s = sli_eval_create(r->ctx, exprs[i], &(*out)[i]);
        if (s) return s;
    }
    return SL_OK;
}

/* ---- operator setup ----------------------------------------------------- */

/* Whether a PROBE operator buffers its rows by partition: once its table is
 * partitioned (its directory, or its array and rows, no longer fit the
 * cache), fixed-width probe rows are buffered by partition and probed one
 * partition at a time; rows with strings are probed as they come. The
 * buffered columns: the left columns, then the keys that are not one. */
static bool probe_buffers(const sli_plan *n, const sli_join_table *jt)
{
    if (jt->pbits == 0) return false;
    for (size_t c = 0; c < n->in[0]->ncols; c++)
        if (!sli_join_pbuf_accepts(n->in[0]->types[c])) return false;
    for (size_t k = 0; k < n->nkeys; k++)
        if (n->lkeys[k]->kind != SLI_EX_COLUMN && !sli_join_pbuf_accepts(n->lkeys[k]->type)) return false;
    return true;
}

static sl_status op_init(run *r, const sli_pop *op, op_state *st, pipe_output *outs)
{
    const sli_plan *n = op->node;
    sl_status s;
    switch (op->kind) {
    case SLI_POP_FILTER:
        st->nevs = 1;
        if ((s = make_evs(r, &n->pred, 1, &st->evs))) return s;
        st->sel = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint32_t));
        return st->sel ? SL_OK : nomem(r, "filter");
    case SLI_POP_PROJECT:
        st->nevs = n->ncols;
        if ((s = make_evs(r, n->exprs, n->ncols, &st->evs))) return s;
        st->cols = calloc(n->ncols, sizeof *st->cols);
        return st->cols ? SL_OK : nomem(r, "project");
    case SLI_POP_PROBE: {
        st->nevs = n->nkeys;
        if ((s = make_evs(r, n->lkeys, n->nkeys, &st->evs))) return s;
        st->jt = outs[op->build].jt;
        st->keys = calloc(n->nkeys, sizeof *st->keys);
        st->cols = calloc(n->ncols, sizeof *st->cols);
        st->vals = calloc(n->ncols, sizeof *st->vals);
        st->valid = calloc(n->ncols, sizeof *st->valid);
        st->prow = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint32_t));
        st->brow = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint32_t));
        st->bidx = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint32_t));
        if (!st->keys || !st->cols || !st->vals || !st->valid || !st->prow || !st->brow || !st->bidx)
            return nomem(r, "probe");
        for (size_t c = 0; c < n->ncols; c++) {
            st->vals[c] = sli_buf_alloc(SLI_VEC_SIZE * sizeof(sli_strview));
            st->valid[c] = sli_buf_alloc(SLI_VEC_SIZE / 8);
            if (!st->vals[c] || !st->valid[c]) return nomem(r, "probe");
        }
        if (sli_join_probe_init(&st->probe)) return nomem(r, "probe");
        if (!probe_buffers(n, st->jt)) return SL_OK;
        size_t nl = n->in[0]->ncols, nb = nl;
        st->ptypes = malloc((nl + n->nkeys) * sizeof *st->ptypes);
        st->kcol = malloc(n->nkeys * sizeof *st->kcol);
        st->fvecs = calloc(nl + n->nkeys, sizeof *st->fvecs);
        st->fkeys = calloc(n->nkeys, sizeof *st->fkeys);
        st->phash = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint64_t));
        if (!st->ptypes || !st->kcol || !st->fvecs || !st->fkeys || !st->phash) return nomem(r, "probe");
        for (size_t c = 0; c < nl; c++) st->ptypes[c] = n->in[0]->types[c];
        for (size_t k = 0; k < n->nkeys; k++) {
            /* A key that is a left column is that column's vector: buffer it once. */
            if (n->lkeys[k]->kind == SLI_EX_COLUMN) {
                st->kcol[k] = (size_t)n->lkeys[k]->index;
                continue;
            }
            st->kcol[k] = nb;
            st->ptypes[nb++] = n->lkeys[k]->type;
        }
        st->nbuf = nb;
        st->buffering = true;
        if (sli_join_pbuf_init(&st->pbuf, st->jt->pbits, st->ptypes, nb)) return nomem(r, "probe");
        return SL_OK;
    }
    case SLI_POP_LIMIT: st->remaining = n->limit; return SL_OK;
    }
    return SL_OK;
}

static void op_free(const sli_pop *op, op_state *st)
{
    free_evs(st->evs, st->nevs);
    sli_buf_free(st->sel);
    free(st->cols);
    free(st->keys);
    if (op->kind == SLI_POP_PROBE) {
        sli_join_probe_free(&st->probe);
        for (size_t c = 0; st->vals && c < op->node->ncols; c++) {
            sli_buf_free(st->vals[c]);
            sli_buf_free(st->valid[c]);
        }
    }
    free(st->vals);
    free(st->valid);
    sli_join_pbuf_free(&st->pbuf);
    free(st->ptypes);
    free(st->kcol);
    free(st->fvecs);
    free(st->fkeys);
    sli_buf_free(st->phash);
    sli_key_scratch_free(&st->ks);
    sli_buf_free(st->prow);
    sli_buf_free(st->brow);
    sli_buf_free(st->bidx);
}

/* ---- sinks -------------------------------------------------------------- */

static sl_status init_builders(run *r, const sli_plan *node)
{
    r->nbuilders = node->ncols;
    r->builders = calloc(node->ncols ? node->ncols : 1, sizeof *r->builders);
    if (!r->builders) return nomem(r, "materialize");
    for (size_t i = 0; i < node->ncols; i++) sli_colbuilder_init(&r->builders[i], node->types[i]);
    /* Every row of the source arrives: room for them at once, instead of
     * growing (and, on several workers at a time, remapping) step by step. */
    for (size_t i = 0; i < node->ncols && r->hint_rows; i++)
        if (sli_colbuilder_reserve(&r->builders[i], r->hint_rows)) return nomem(r, "materialize");
    return SL_OK;
}

/* @return the size of the machine's last-level cache (hwloc's: the C
 * library's can name the host's where a virtual machine has less), or 0
 * when unknown. */
static uint64_t llc_bytes(sl_context *ctx)
{
    const sli_topology *t = sli_context_topology(ctx);
    for (int l = SLI_TOPO_CACHE_LEVELS; t && l > 0; l--)
        if (t->cache_size[l]) return t->cache_size[l];
    return 0;
}

static sl_status sink_init(run *r)
{
    const sli_pipeline *p = r->p;
    const sli_plan *n = p->sink_node;
    sl_status s;
    switch (p->sink) {
    case SLI_SINK_RESULT: return init_builders(r, n);
    case SLI_SINK_SORT: {
        if (!p->topk) return init_builders(r, n->in[0]);
        sli_sort_spec *specs = sort_specs(n);
        s = specs ? sli_topk_create(n->in[0]->names, n->in[0]->types, n->in[0]->ncols, specs, n->nkeys,
                                    p->topk_k, &r->topk)
                  : SL_ERR_NOMEM;
        free(specs);
        return s ? nomem(r, "top-k") : SL_OK;
    }
    case SLI_SINK_BUILD: {
        const sli_plan *right = n->in[1];
        sl_type *kt = malloc(n->nkeys * sizeof *kt);
        if (!kt) return nomem(r, "join build");
        for (size_t k = 0; k < n->nkeys; k++) kt[k] = n->rkeys[k]->type;
        r->jt = calloc(1, sizeof *r->jt);
        s = r->jt ? sli_join_table_init(r->jt, right->types, right->ncols, kt, n->nkeys) : SL_ERR_NOMEM;
        free(kt);
        if (!s && r->hint_rows) s = sli_join_table_reserve(r->jt, r->hint_rows);
        if (s) return nomem(r, "join build");
        r->nsink_evs = n->nkeys;
        if ((s = make_evs(r, n->rkeys, n->nkeys, &r->sink_evs))) return s;
        r->sink_vecs = calloc(n->nkeys, sizeof *r->sink_vecs);
        return r->sink_vecs ? SL_OK : nomem(r, "join build");
    }
    case SLI_SINK_AGG: {
        sl_type *kt = malloc((n->ngroups ? n->ngroups : 1) * sizeof *kt);
        if (!kt) return nomem(r, "aggregate");
        for (size_t k = 0; k < n->ngroups; k++) kt[k] = n->groups[k]->type;
        s = sli_agg_table_init(&r->agg, kt, n->ngroups, n->aggs, n->naggs);
        r->agg_ready = true;
        free(kt);
        if (s) return nomem(r, "aggregate");
        r->nsink_evs = n->ngroups + n->naggs;
        sli_expr **exprs = calloc(r->nsink_evs ? r->nsink_evs : 1, sizeof *exprs);
        if (!exprs) return nomem(r, "aggregate");
        for (size_t k = 0; k < n->ngroups; k++) exprs[k] = n->groups[k];
        for (size_t k = 0; k < n->naggs; k++) exprs[n->ngroups + k] = n->aggs[k].arg;
        s = sli_eval_create_list(r->ctx, (const sli_expr *const *)exprs + n->ngroups, n->naggs, &r->agg_args);
        for (size_t k = 0; k < n->naggs; k++) exprs[n->ngroups + k] = NULL; /* evaluated by agg_args */
        if (!s) s = make_evs(r, exprs, r->nsink_evs, &r->sink_evs);
        free(exprs);
        if (s) return s;
        r->sink_vecs = calloc(r->nsink_evs ? r->nsink_evs : 1, sizeof *r->sink_vecs);
        return r->sink_vecs ? SL_OK : nomem(r, "aggregate");
    }
    }
    return SL_OK;
}

static sl_status sink_consume(run *r, const sli_chunk *c)
{
    sl_status s;
    switch (r->p->sink) {
    case SLI_SINK_RESULT:
    case SLI_SINK_SORT:
        if (r->topk) return sli_topk_consume(r->topk, c) ? nomem(r, "top-k") : SL_OK;
        for (size_t i = 0; i < r->nbuilders; i++)
            if ((s = sli_append_vec(&r->builders[i], &c->cols[i], c->sel, c->count)))
                return nomem(r, "materialize");
        r->out_rows += c->count;
        return SL_OK;
    case SLI_SINK_BUILD:
        for (size_t k = 0; k < r->nsink_evs; k++)
            if ((s = sli_eval_value(r->sink_evs[k], c, &r->sink_vecs[k]))) return s;
        if (r->placed) /* every source row reaches the sink: the chunk's rows are row_at on */
            sli_join_table_place(r->placed, c->cols, r->sink_vecs, c->sel, c->count, r->row_at);
        else if (sli_join_table_append(r->jt, c->cols, r->sink_vecs, c->sel, c->count))
            return nomem(r, "join build");
        r->out_rows += c->count;
        return SL_OK;
    case SLI_SINK_AGG: {
        const sli_plan *n = r->p->sink_node;
        for (size_t k = 0; k < n->ngroups; k++)
            if ((s = sli_eval_value(r->sink_evs[k], c, &r->sink_vecs[k]))) return s;
        if (r->aggp.active) {
            if ((s = sli_eval_values(r->agg_args, c, r->sink_vecs + n->ngroups))) return s;
            s = sli_agg_part_add(&r->aggp, r->sink_vecs, r->sink_vecs + n->ngroups, c->sel, c->count);
            return s ? nomem(r, "aggregate") : SL_OK;
        }
        if ((s = sli_eval_values(r->agg_args, c, r->sink_vecs + n->ngroups))) return s;
        size_t bad = 0;
        s = sli_agg_table_add(&r->agg, r->sink_vecs, r->sink_vecs + n->ngroups, c->sel, c->count, &bad);
        if (s && bad == SIZE_MAX) /* finding the groups failed */
            return s == SL_ERR_UNSUPPORTED ? sli_error(r->ctx, s, "aggregate: more than 2 billion groups")
                                           : nomem(r, "aggregate");
        if (s)
            return sli_error(r->ctx, s, "aggregate %s: unsupported argument type",
                             sli_agg_name(n->aggs[bad].fn));
        if (sli_agg_part_wanted(&r->agg, r->workers) &&
            sli_agg_part_start(&r->aggp, &r->agg, r->scheme, r->scanned, r->src_rows))
            return nomem(r, "aggregate");
        return SL_OK;
    }
    }
    return SL_OK;
}

static sl_status finish_builders(run *r, const sli_plan *schema, sli_table **out)
{
    sli_table *t = sli_table_create("result");
    sli_column **cols = calloc(r->nbuilders ? r->nbuilders : 1, sizeof *cols);
    sl_status s = t && cols ? SL_OK : SL_ERR_NOMEM;
    for (size_t i = 0; i < r->nbuilders && !s; i++) {
        s = sli_table_add_field(t, schema->names[i], schema->types[i]);
        if (!s && !(cols[i] = sli_colbuilder_finish(&r->builders[i]))) s = SL_ERR_NOMEM;
    }
    if (!s && r->nbuilders) {
        s = sli_table_add_partition(t, cols);
        cols = NULL;
    }
    if (s) {
        if (cols)
            for (size_t i = 0; i < r->nbuilders; i++) sli_column_free(cols[i]);
        free(cols);
        sli_table_free(t);
        return nomem(r, "materialize");
    }
    free(cols);
    *out = t;
    return SL_OK;
}

/* The SORT node's keys as specs over its input's columns. */
static sli_sort_spec *sort_specs(const sli_plan *n)
{
    sli_sort_spec *specs = calloc(n->nkeys ? n->nkeys : 1, sizeof *specs);
    for (size_t k = 0; specs && k < n->nkeys; k++) {
        specs[k].col = (size_t)n->keys[k]->args[0]->index;
        specs[k].desc = n->keys[k]->desc;
        specs[k].nulls_first = n->keys[k]->nulls_first == 1;
    }
    return specs;
}

static sl_status sink_finish(run *r, pipe_output *out)
{
    const sli_plan *n = r->p->sink_node;
    sl_status s;
    switch (r->p->sink) {
    case SLI_SINK_RESULT: return finish_builders(r, n, &out->table);
    case SLI_SINK_SORT: {
        if (r->topk) {
            s = sli_topk_finish(r->topk, &out->table);
            return s ? nomem(r, "top-k") : SL_OK;
        }
        sli_table *unsorted = NULL;
        if ((s = finish_builders(r, n->in[0], &unsorted))) return s;
        sli_sort_spec *specs = sort_specs(n);
        s = specs ? sli_sort_table(unsorted, specs, n->nkeys, -1, &out->table) : SL_ERR_NOMEM;
        free(specs);
        sli_table_free(unsorted);
        return s ? nomem(r, "sort") : SL_OK;
    }
    case SLI_SINK_BUILD:
        /* Below 4096 rows the cache plays no part in the table's form
         * (join_dense.c), and the topology need not be found for it. */
        if (r->jt->rows >= 4096) r->jt->llc_bytes = llc_bytes(r->ctx);
        s = sli_join_table_finish_on(r->jt, r->team);
        if (s == SL_ERR_UNSUPPORTED)
            return sli_error(r->ctx, s, "hash join build side has more than 4 billion rows");
        if (s) return nomem(r, "join build");
        out->jt = r->jt;
        r->jt = NULL;
        return SL_OK;
    case SLI_SINK_AGG: {
        sli_agg_scheme sc = r->aggp.rows.scheme; /* finish frees the rows */
        if (r->aggp.active && (s = sli_agg_part_finish(&r->aggp, &r->agg)))
            return s == SL_ERR_UNSUPPORTED ? sli_error(r->ctx, s, "aggregate: more than 2 billion groups")
                                           : nomem(r, "aggregate");
        if (sc.pbits)
            sli_agg_part_note(&sc, r->agg.folds_mapped, r->agg.folds_hashed, out->note, sizeof out->note);
        s = sli_agg_table_finish(&r->agg, r->ctx, n->names, &out->table);
        return s == SL_ERR_NOMEM ? nomem(r, "aggregate") : s;
    }
    }
    return SL_OK;
}

/* ---- pushing chunks ----------------------------------------------------- */

static sl_status push(run *r, size_t opi, const sli_chunk *c);

/* Gathers build column c at rows brow[0..m); a row SLI_JOIN_END (an
 * unmatched row of a left outer join) becomes NULL. */
static void gather_build(op_state *st, const sli_column *c, size_t rows, size_t m, void *vals, uint8_t *valid,
                         sli_vec *out)
{
    size_t nend = 0;
    for (size_t i = 0; i < m; i++) {
        uint32_t b = st->brow[i];
        nend += b == SLI_JOIN_END;
        st->bidx[i] = b == SLI_JOIN_END ? 0 : b;
    }
    if (nend == 0) {
        sli_vec_gather_column(c, st->brow, m, vals, valid, out);
        return;
    }
    if (rows == 0) { /* an empty build side: every value is NULL */
        memset(vals, 0, m * sizeof(sli_strview));
        memset(valid, 0, (m + 7) / 8);
        out->type = c->type;
        out->dict = NULL;
        out->data = vals;
        out->validity = valid;
        return;
    }
    sli_vec_gather_column(c, st->bidx, m, vals, valid, out);
    if (!out->validity) {
        memset(valid, 0xff, (m + 7) / 8);
        out->validity = valid;
    }
    for (size_t i = 0; i < m; i++)
        if (st->brow[i] == SLI_JOIN_END) valid[i >> 3] &= (uint8_t) ~(1u << (i & 7));
}

/* @return whether rows[0..n) strictly ascend. */
static bool ascending(const uint32_t *rows, size_t n)
{
    bool up = true;
    for (size_t i = 1; i < n; i++) up &= rows[i] > rows[i - 1];
    return up;
}

/* Probes the rows of chunk c whose key vectors are `keys` and pushes the
 * output; `buffered`: the rows come from one partition of the buffer. */

static sl_status probe_chunk(run *r, size_t opi, const sli_chunk *c, const sli_vec *keys, bool buffered)
{
    const sli_pop *op = &r->p->ops[opi];
    op_state *st = &r->ops[opi];
    const sli_plan *n = op->node;
    sl_status s;
    /* A bloom filter pushed into the scan already dropped the rows it rejects;
     * buffered rows probe one partition whose directory is in the cache,
     * where the filter would cost about as much as the lookup it saves. */
    st->probe.bloom_done = buffered;
    st->probe.local = buffered;
    for (size_t f = 0; f < r->p->nfilters; f++)
        if (r->p->filters[f].op == opi && !r->sfs[f].off) st->probe.bloom_done = true;
    if (sli_join_probe_start(&st->probe, st->jt, n->jtype, keys, c->sel, c->count)) return nomem(r, "probe");
    size_t nl = n->in[0]->ncols;
    size_t m;
    while ((m = sli_join_probe_next(&st->probe, st->jt, st->prow, st->brow)) > 0) {
        if (!sli_join_keeps_right(n->jtype)) {
            /* Semi and anti joins select rows of the chunk: no copy. */
            sli_chunk out = {c->n, m, st->prow, nl, c->cols};
            if ((s = push(r, opi + 1, &out))) return s;
            if (r->done) break;
            continue;
        }
        if (n->jtype == SLI_JOIN_INNER && ascending(st->prow, m)) {
            /* Each chunk row at most once, in order: the left columns stay
             * as they are under a selection of the matched rows, and the
             * right values go to those rows' positions. Nothing of the
             * left side is copied, however many joins follow. */
            for (size_t i = 0; i < nl; i++) st->cols[i] = c->cols[i];
            for (size_t i = nl; i < n->ncols; i++)
                sli_vec_gather_column_at(st->jt->cols[i - nl], st->brow, st->prow, m, st->vals[i],
                                         st->valid[i], &st->cols[i]);
            sli_chunk out = {c->n, m, st->prow, n->ncols, st->cols};
            if ((s = push(r, opi + 1, &out))) return s;
            if (r->done) break;
            continue;
        }
        for (size_t i = 0; i < nl; i++)
            sli_vec_gather(&c->cols[i], st->prow, m, st->vals[i], st->valid[i], &st->cols[i]);
        for (size_t i = nl; i < n->ncols; i++)
            gather_build(st, st->jt->cols[i - nl], st->jt->rows, m, st->vals[i], st->valid[i], &st->cols[i]);
        sli_chunk out = {m, m, NULL, n->ncols, st->cols};
        if ((s = push(r, opi + 1, &out))) return s;
        if (r->done) break;
    }
    return SL_OK;
}

/* Streams partition p of jt into the cache when `rows` buffered rows are
 * about to probe it: enough to touch most of it. */
static void warm_for(const sli_join_table *jt, size_t p, size_t rows)
{
    if (rows && rows >= (jt->prow[p + 1] - jt->prow[p]) / 4) sli_join_table_warm(jt, (uint32_t)p);
}

/* Probes the rows that buffer b (this run's, or a team mate's, which is
 * only read) holds for partition p, a vector at a time. */
static sl_status probe_buffered(run *r, size_t opi, const sli_join_pbuf *b, size_t p)
{
    op_state *st = &r->ops[opi];
    const sli_plan *n = r->p->ops[opi].node;
    size_t nl = n->in[0]->ncols;
    sl_status s = SL_OK;
    for (size_t start = 0, m; start < b->count[p] && !s && !r->done; start += m) {
        m = sli_join_pbuf_vectors(b, p, start, st->ptypes, st->fvecs);
        for (size_t k = 0; k < n->nkeys; k++) st->fkeys[k] = st->fvecs[st->kcol[k]];
        sli_chunk chunk = {m, m, NULL, nl, st->fvecs};
        s = probe_chunk(r, opi, &chunk, st->fkeys, true);
    }
    return s;
}

/* Probes the buffered rows one partition at a time, a vector at a time, so
 * each partition's directory and build rows are loaded into the cache once,
 * then empties the buffer. Every buffered row is probed exactly once, so
 * results equal the unbuffered path's (in another order). */
static sl_status flush_probe(run *r, size_t opi)
{
    op_state *st = &r->ops[opi];
    sli_join_pbuf *b = &st->pbuf;
    sl_status s = SL_OK;
    sli_join_pbuf_seal(b);
    for (size_t p = 0; p < b->nparts && !s && !r->done; p++) {
        warm_for(st->jt, p, b->count[p]);
        s = probe_buffered(r, opi, b, p);
    }
    sli_join_pbuf_clear(b);
    return s;
}

static sl_status push_probe(run *r, size_t opi, const sli_chunk *c)
{
    op_state *st = &r->ops[opi];
    const sli_plan *n = r->p->ops[opi].node;
    sl_status s;
    for (size_t k = 0; k < n->nkeys; k++)
        if ((s = sli_eval_value(st->evs[k], c, &st->keys[k]))) return s;
    if (!st->buffering) return probe_chunk(r, opi, c, st->keys, false);
    /* The buffer holds values only: a chunk with nulls is probed as it comes. */
    size_t nl = n->in[0]->ncols;
    for (size_t i = 0; i < nl; i++) st->fvecs[i] = c->cols[i];
    for (size_t k = 0; k < n->nkeys; k++) st->fvecs[st->kcol[k]] = st->keys[k];
    for (size_t i = 0; i < st->nbuf; i++)
        if (st->fvecs[i].validity) return probe_chunk(r, opi, c, st->keys, false);
    if (st->jt->dense) /* partitioned by key range */
        sli_join_dense_parts(st->jt, &st->keys[0], c->sel, c->count, st->phash);
    else
        for (size_t k = 0; k < n->nkeys; k++)
            if (sli_hash_vec(&st->keys[k], c->sel, c->count, k > 0, st->phash, &st->ks))
                return nomem(r, "probe");
    if (sli_join_pbuf_add(&st->pbuf, st->fvecs, st->phash, c->sel, c->count)) return nomem(r, "probe");
    return st->pbuf.rows >= sli_join_pbuf_limit() ? flush_probe(r, opi) : SL_OK;
}

/* After the source is exhausted: probes what the operators still buffer,
 * earlier operators first (their output may fill a later one's buffer). */
static sl_status flush_ops(run *r)
{
    sl_status s = SL_OK;
    for (size_t i = 0; i < r->p->nops && !s; i++) {
        if (r->p->ops[i].kind != SLI_POP_PROBE || !r->ops[i].buffering) continue;
        uint64_t t0 = r->prof ? sli_prof_now() : 0;
        s = flush_probe(r, i);
        if (r->prof) r->prof[i].ns += sli_prof_now() - t0; /* the probe's own work, and what it pushes on */
    }
    return s;
}

static sl_status push_op(run *r, size_t opi, const sli_chunk *c);

/* Pushes c into operator opi (opi == nops: the sink). With profiling on,
 * counts its rows and times the call, which includes the operators after
 * it (profile.h). */
static sl_status push(run *r, size_t opi, const sli_chunk *c)
{
    sli_chunk f;
    if (r->sfs && opi == r->p->filters_at && opi) {
        /* the scan filters, after the leading filters (pipeline.h) */
        f = *c;
        if (!sli_scan_filters_apply(r->sfs, r->p, &f)) return nomem(r, "scan filter");
        if (!f.count) return SL_OK;
        c = &f;
    }
    if (!r->prof) return push_op(r, opi, c);
    sli_op_prof *op = &r->prof[opi];
    op->rows_in += c->count;
    uint64_t t0 = sli_prof_now();
    sl_status s = push_op(r, opi, c);
    op->ns += sli_prof_now() - t0;
    return s;
}

static sl_status push_op(run *r, size_t opi, const sli_chunk *c)
{
    if (opi == r->p->nops) return sink_consume(r, c);
    const sli_pop *op = &r->p->ops[opi];
    op_state *st = &r->ops[opi];
    sl_status s;
    switch (op->kind) {
    case SLI_POP_FILTER: {
        size_t k;
        if ((s = sli_eval_select(st->evs[0], c, st->sel, &k))) return s;
        if (k == 0) return SL_OK;
        sli_chunk out = {c->n, k, st->sel, c->ncols, c->cols};
        return push(r, opi + 1, &out);
    }
    case SLI_POP_PROJECT: {
        for (size_t i = 0; i < st->nevs; i++)
            if ((s = sli_eval_value(st->evs[i], c, &st->cols[i]))) return s;
        sli_chunk out = {c->n, c->count, c->sel, st->nevs, st->cols};
        return push(r, opi + 1, &out);
    }
    case SLI_POP_PROBE: return push_probe(r, opi, c);
    case SLI_POP_LIMIT: {
        if (st->remaining <= 0) {
            r->done = true;
            return SL_OK;
        }
        size_t k = (int64_t)c->count < st->remaining ? c->count : (size_t)st->remaining;
        st->remaining -= (int64_t)k;
        if (st->remaining == 0) r->done = true;
        sli_chunk out = {c->sel ? c->n : k, k, c->sel, c->ncols, c->cols};
        return push(r, opi + 1, &out);
    }
    }
    return SL_OK;
}

/* ---- sources ------------------------------------------------------------ */

static sl_status scan_filters_init(run *r, pipe_output *outs)
{
    const sli_pipeline *p = r->p;
    if (!p->nfilters) return SL_OK;
    if (!(r->sfs = sli_scan_filters_new(p->nfilters))) return nomem(r, "scan filter");
    for (size_t f = 0; f < p->nfilters; f++) r->sfs[f].jt = outs[p->ops[p->filters[f].op].build].jt;
    return SL_OK;
}

/* The evaluator of the FILTER that receives a scan's vectors first, or NULL. */
static sli_eval *leading_filter(const run *r)
{
    return r->p->nops && r->p->ops[0].kind == SLI_POP_FILTER ? r->ops[0].evs[0] : NULL;
}

static sl_status scan_bufs_init(run *r, sli_scan_bufs *b, const sli_table *t, const size_t *colmap,
                                size_t ncols, sli_eval *filter)
{
    return sli_scan_bufs_init(b, t, colmap, ncols, filter) ? SL_OK : nomem(r, "scan");
}

/* Calls fn on every vector of table t (all columns), in order. */
static sl_status each_vector(run *r, const sli_table *t, sl_status (*fn)(run *, const sli_chunk *))
{
    sli_scan_bufs b = {0};
    sl_status s = scan_bufs_init(r, &b, t, NULL, t->schema.ncols, NULL);
    for (size_t p = 0; p < t->nparts && !s; p++)
        for (size_t start = 0; start < t->parts[p].rows && !s; start += SLI_VEC_SIZE) {
            size_t n = t->parts[p].rows - start < SLI_VEC_SIZE ? t->parts[p].rows - start : SLI_VEC_SIZE;
            sli_scan_bufs_load(&b, &t->parts[p], NULL, start, n);
            sli_chunk chunk = {n, n, NULL, b.ncols, b.vecs};
            s = fn(r, &chunk);
        }
    sli_scan_bufs_free(&b);
    return s;
}

/* Pushes vector c, loaded from row `start`, through the leading filter by
 * its window's bitmap (scan_window.h), as push(r, 0, c) would. */
static sl_status push_window(run *r, sli_scan_bufs *b, const sli_chunk *c, size_t start)
{
    uint64_t t0 = r->prof ? sli_prof_now() : 0;
    size_t k;
    sl_status s = sli_scan_window_select(b, c, start, r->ops[0].sel, &k);
    sli_chunk out = {c->n, k, r->ops[0].sel, c->ncols, c->cols};
    if (!s && k) s = push(r, 1, &out);
    if (r->prof) {
        r->prof[0].rows_in += c->count;
        r->prof[0].ns += sli_prof_now() - t0;
    }
    return s;
}

/* Pushes rows [begin, end) of partition `part` of `t` (columns `colmap`, or
 * all when NULL) in vectors; begin is a multiple of the vector size, so
 * vectors start at multiples of 8 (bitmaps stay byte-aligned). */
static sl_status scan_rows(run *r, sli_scan_bufs *b, const sli_table *t, const size_t *colmap, size_t part,
                           size_t begin, size_t end, sli_exec_stats *stats)
{
    const sli_partition *pt = &t->parts[part];
    sl_status s = SL_OK;
    for (size_t start = begin; start < end && !s && !r->done; start += SLI_VEC_SIZE) {
        size_t n = end - start < SLI_VEC_SIZE ? end - start : SLI_VEC_SIZE;
        size_t wrows = sli_scan_window_rows();
        if (sli_scan_windows(b) && (start - begin) % wrows == 0) {
            uint64_t tw = r->prof ? sli_prof_now() : 0; /* the leading filter's time */
            size_t w = end - start < wrows ? end - start : wrows;
            if ((s = sli_scan_window_test(b, pt, colmap, start, w))) break;
            if (r->prof) r->prof[0].ns += sli_prof_now() - tw;
        }
        uint64_t t0 = r->prof ? sli_prof_now() : 0;
        sli_scan_bufs_load(b, pt, colmap, start, n);
        sli_chunk chunk = {n, n, NULL, b->ncols, b->vecs};
        r->scanned += n;
        if (r->part_row) r->row_at = r->part_row[part] + start;
        if (stats) {
            stats->vectors++;
            stats->rows_in += n;
        }
        if (r->sfs && !r->p->filters_at && !sli_scan_filters_apply(r->sfs, r->p, &chunk)) {
            s = nomem(r, "scan filter");
            break;
        }
        if (r->prof) r->src_ns += sli_prof_now() - t0;
        if (sli_scan_windows(b))
            s = push_window(r, b, &chunk, start);
        else if (chunk.count)
            s = push(r, 0, &chunk);
    }
    return s;
}

/* Pushes every row of `t` in vectors, on this thread. */
static sl_status scan(run *r, const sli_table *t, const size_t *colmap, size_t ncols, sli_exec_stats *stats)
{
    sli_scan_bufs b = {0};
    sl_status s = scan_bufs_init(r, &b, t, colmap, ncols, leading_filter(r));
    r->src_rows = t->rows;
    for (size_t p = 0; p < t->nparts && !s && !r->done; p++) {
        r->morsels++; /* a serial run takes each partition whole */
        s = scan_rows(r, &b, t, colmap, p, 0, t->parts[p].rows, stats);
    }
    sli_scan_bufs_free(&b);
    return s;
}

static void run_free(run *r)
{
    for (size_t i = 0; r->ops && i < r->p->nops; i++) op_free(&r->p->ops[i], &r->ops[i]);
    free(r->ops);
    sli_topk_free(r->topk);
    if (r->builders)
        for (size_t i = 0; i < r->nbuilders; i++) sli_colbuilder_discard(&r->builders[i]);
    free(r->builders);
    if (r->jt) {
        sli_join_table_free(r->jt);
        free(r->jt);
    }
    if (r->agg_ready) sli_agg_table_free(&r->agg);
    sli_agg_part_free(&r->aggp);
    free_evs(r->sink_evs, r->nsink_evs);
    sli_eval_free(r->agg_args);
    free(r->sink_vecs);
    sli_scan_filters_free(r->sfs, r->p->nfilters);
    free(r->segs);
}

/* Sets up a run of pipeline p: its operators, sink and scan filters;
 * hint_rows is about how many rows its source will push (0: unknown), kept
 * only when every row reaches the sink: a join build reserves that many rows,
 * zeroed, and a filtered one would zero (fault in) pages it never fills. On
 * failure the run is still ready for run_free. */
static sl_status run_init(run *r, sl_context *ctx, const sli_pipeline *p, pipe_output *outs, size_t hint_rows)
{
    memset(r, 0, sizeof *r);
    r->ctx = ctx;
    r->p = p;
    size_t keep = 0; /* operators before the first that may drop rows */
    while (keep < p->nops && p->ops[keep].kind == SLI_POP_PROJECT) keep++;
    r->hint_rows = keep < p->nops || p->nfilters ? 0 : hint_rows;
    r->ops = calloc(p->nops ? p->nops : 1, sizeof *r->ops);
    sl_status s = r->ops ? SL_OK : sli_nomem(ctx, "pipeline");
    for (size_t i = 0; i < p->nops && !s; i++) s = op_init(r, &p->ops[i], &r->ops[i], outs);
    if (!s) s = sink_init(r);
    if (!s) s = scan_filters_init(r, outs);
    return s;
}

/* ---- parallel pipelines -------------------------------------------------- */

/* A pipeline run by a team: one run per worker, fed morsels of the source by
 * the scheduler; the workers' sinks are combined into worker 0's at the end. */
typedef struct par_run {
    sli_join_table *placed; /**< BUILD: the table the workers place rows in (placeable), or NULL */
    const size_t *part_row; /**< with placed: each source partition's first row */
    const sli_table *src;
    const size_t *colmap; /**< source columns, or NULL: all */
    size_t ncols;
    size_t nw;
    run *runs;             /**< nw */
    sl_context *wctx;      /**< nw: each worker's own error slot */
    sli_exec_stats *stats; /**< nw */
    sli_morsel_sched *sched;
    size_t morsel;       /**< rows per morsel */
    size_t rows;         /**< rows of the source */
    size_t *seq0;        /**< per partition: the sequence number of its first morsel */
    sli_pipe_prof *pp;   /**< profiling: the pipeline's measurements, or NULL */
    _Atomic bool failed; /**< a worker failed: the others stop taking morsels */
    sli_agg_scheme_once scheme; /**< AGG: how the workers partition their rows */
    /* what each worker sets its run up from (run_init, on the worker) */
    const sli_pipeline *p;
    pipe_output *outs;
    size_t hint_rows;
    sli_op_prof *prof; /**< nw * nprof, or NULL */
    size_t nprof;
    size_t shared_op;              /**< the first PROBE that buffers rows (flush_shared), or SIZE_MAX */
    sli_team_barrier flush_bar[2]; /**< flush_shared: every buffer sealed; every buffer read */
} par_run;

static sl_status add_segment(run *r, size_t seq)
{
    if (r->nsegs == r->segcap) {
        size_t cap = r->segcap ? 2 * r->segcap : 16;
        segment *g = realloc(r->segs, cap * sizeof *g);
        if (!g) return nomem(r, "pipeline");
        r->segs = g;
        r->segcap = cap;
    }
    r->segs[r->nsegs++] = (segment){seq, r->out_rows};
    return SL_OK;
}

/*
 * The end of a team's run whose pipeline buffers probe rows by partition
 * (pr->shared_op): worker w probes partitions w, w + N, ... with the rows
 * every worker buffered for them, so each partition of the table is warmed
 * into one worker's cache once, where each worker flushing its own buffer
 * would warm every partition. Called by every worker of a concurrent team
 * (also one that failed: the others wait for it at the barriers); when one
 * failed, nobody probes. Rows the shared operator's output leaves in a
 * later operator's buffer are flushed by each worker afterwards.
 */
static sl_status flush_shared(par_run *pr, size_t w, bool ok)
{
    run *r = &pr->runs[w];
    size_t opi = pr->shared_op, nw = pr->nw;
    op_state *st = ok && r->ops ? &r->ops[opi] : NULL;
    if (st && st->buffering)
        sli_join_pbuf_seal(&st->pbuf);
    else
        atomic_store_explicit(&pr->failed, true, memory_order_relaxed);
    sli_team_barrier_wait(&pr->flush_bar[0], nw);
    sl_status s = SL_OK;
    if (!atomic_load_explicit(&pr->failed, memory_order_relaxed)) {
        uint64_t t0 = r->prof ? sli_prof_now() : 0;
        for (size_t p = w; p < st->pbuf.nparts && !s && !r->done; p += nw) {
            size_t rows = 0;
            for (size_t v = 0; v < nw; v++) rows += pr->runs[v].ops[opi].pbuf.count[p];
            warm_for(st->jt, p, rows);
            for (size_t v = 0; v < nw && !s; v++) s = probe_buffered(r, opi, &pr->runs[v].ops[opi].pbuf, p);
        }
        if (r->prof) r->prof[opi].ns += sli_prof_now() - t0;
    }
    sli_team_barrier_wait(&pr->flush_bar[1], nw);
    if (st && st->buffering) sli_join_pbuf_clear(&st->pbuf);
    return s;
}

static sl_status par_worker(size_t w, void *arg)
{
    par_run *pr = arg;
    run *r = &pr->runs[w];
    sli_scan_bufs b = {0};
    /* Each worker sets its own run up: in parallel, and in its node's memory. */
    sl_status s = run_init(r, &pr->wctx[w], pr->p, pr->outs, pr->placed ? 0 : pr->hint_rows);
    r->placed = pr->placed;
    r->part_row = pr->placed ? pr->part_row : NULL;
    if (pr->prof) r->prof = pr->prof + w * pr->nprof;
    r->scheme = &pr->scheme;
    r->src_rows = pr->rows;
    r->workers = pr->nw;
    if (!s) s = scan_bufs_init(r, &b, pr->src, pr->colmap, pr->ncols, leading_filter(r));
    sli_morsel m;
    while (!s && !atomic_load_explicit(&pr->failed, memory_order_relaxed) &&
           sli_morsel_next(pr->sched, w, &m)) {
        r->morsels++;
        s = add_segment(r, pr->seq0[m.part] + m.begin / pr->morsel);
        if (!s) s = scan_rows(r, &b, pr->src, pr->colmap, m.part, m.begin, m.end, &pr->stats[w]);
    }
    /* Rows a buffering operator still holds come after every morsel's, worker by worker. */
    if (!s) s = add_segment(r, SIZE_MAX - pr->nw + w);
    if (pr->shared_op != SIZE_MAX && sli_team_concurrent()) { /* every worker of the team comes here */
        sl_status fs = flush_shared(pr, w, s == SL_OK);
        if (!s) s = fs;
    }
    if (!s) s = flush_ops(r);
    if (s) atomic_store_explicit(&pr->failed, true, memory_order_relaxed);
    sli_scan_bufs_free(&b);
    return s;
}

/* The builders of a run's RESULT, SORT or BUILD sink. */
static sli_colbuilder *sink_builders(run *r, size_t *n)
{
    if (r->p->sink == SLI_SINK_BUILD) {
        *n = r->jt->ncols + r->jt->nkeys;
        return r->jt->builders;
    }
    *n = r->nbuilders;
    return r->builders;
}

typedef struct seg_ref {
    size_t seq, w, row, end;
} seg_ref;

static int cmp_seg(const void *a, const void *b)
{
    size_t x = ((const seg_ref *)a)->seq, y = ((const seg_ref *)b)->seq;
    return x < y ? -1 : x > y;
}

/* Moves the rows of every worker's result or sort-input builders into worker
 * 0's, in the order of the morsels they came from, so the result does not
 * depend on how morsels were spread over workers (assemble.h). */
static sl_status assemble_builders(par_run *pr, const sli_team *team)
{
    run *r0 = &pr->runs[0];
    size_t nb, nsegs = 0, k = 0;
    sink_builders(r0, &nb);
    for (size_t w = 0; w < pr->nw; w++) nsegs += pr->runs[w].nsegs;
    seg_ref *refs = malloc((nsegs ? nsegs : 1) * sizeof *refs);
    sli_asm_seg *segs = malloc((nsegs ? nsegs : 1) * sizeof *segs);
    sli_column **cols = calloc(pr->nw * nb + 1, sizeof *cols);
    sl_status s = refs && segs && cols ? SL_OK : SL_ERR_NOMEM;
    for (size_t w = 0; w < pr->nw && !s; w++) {
        run *r = &pr->runs[w];
        size_t n;
        sli_colbuilder *bs = sink_builders(r, &n);
        for (size_t i = 0; i < nb && !s; i++)
            if (!(cols[w * nb + i] = sli_colbuilder_finish(&bs[i]))) s = SL_ERR_NOMEM;
        for (size_t g = 0; g < r->nsegs; g++)
            refs[k++] = (seg_ref){r->segs[g].seq, w, r->segs[g].row,
                                  g + 1 < r->nsegs ? r->segs[g + 1].row : r->out_rows};
    }
    size_t total = 0;
    if (!s) {
        qsort(refs, nsegs, sizeof *refs, cmp_seg);
        for (size_t g = 0; g < nsegs; total += refs[g].end - refs[g].row, g++)
            segs[g] = (sli_asm_seg){refs[g].w, refs[g].row, refs[g].end, total};
        s = sli_assemble_segments(team, cols, pr->nw, nb, segs, nsegs, sink_builders(r0, &nb));
    }
    r0->out_rows = total;
    for (size_t i = 0; cols && i < pr->nw * nb; i++) sli_column_free(cols[i]);
    free(cols);
    free(segs);
    free(refs);
    return s ? nomem(r0, "materialize") : SL_OK;
}

/* Appends the rows of every other worker's join build to worker 0's (assemble.h). */
static sl_status concat_build(par_run *pr, const sli_team *team)
{
    size_t nb = 0;
    sli_colbuilder **src = malloc(pr->nw * sizeof *src);
    size_t *rows = malloc(pr->nw * sizeof *rows);
    sl_status s = src && rows ? SL_OK : SL_ERR_NOMEM;
    for (size_t w = 0; w < pr->nw && !s; w++) {
        src[w] = sink_builders(&pr->runs[w], &nb);
        rows[w] = pr->runs[w].out_rows;
        if (w) sli_join_table_merge_seen(pr->runs[0].jt, pr->runs[w].jt);
    }
    if (!s) s = sli_assemble_concat(team, src, rows, pr->nw, nb);
    free(src);
    free(rows);
    return s ? nomem(&pr->runs[0], "join build") : SL_OK;
}

/* Feeds the rows of every other worker's top-k into worker 0's. */
static sl_status merge_topk(par_run *pr)
{
    run *r0 = &pr->runs[0];
    sl_status s = SL_OK;
    for (size_t w = 1; w < pr->nw && !s; w++) {
        sli_table *t = NULL;
        if (sli_topk_finish(pr->runs[w].topk, &t)) return nomem(r0, "top-k");
        s = each_vector(r0, t, sink_consume); /* worker 0's sink is that top-k */
        sli_table_free(t);
    }
    return s;
}

/* A fresh table for the sink's groups and aggregates, as sink_init makes one. */
/* Combines the workers' aggregates into the pipeline's output (agg_team.h). */
static sl_status merge_agg(par_run *pr, const sli_team *team, pipe_output *out)
{
    sli_agg_worker *ws = calloc(pr->nw, sizeof *ws);
    if (!ws) return nomem(&pr->runs[0], "aggregate");
    for (size_t w = 0; w < pr->nw; w++)
        ws[w] = (sli_agg_worker){&pr->runs[w].agg, &pr->runs[w].aggp, &pr->wctx[w]};
    sl_status s = sli_agg_team_merge(pr->runs[0].p->sink_node, ws, pr->nw, team, pr->runs[0].ctx, &out->table,
                                     out->note, sizeof out->note);
    free(ws);
    return s;
}

/* Rows per morsel: SLI_MORSEL_ROWS, or less for small sources so that every
 * worker gets several; always whole vectors. */
static size_t morsel_rows(size_t rows, size_t nw)
{
    size_t m = SLI_MORSEL_ROWS, want = rows / (nw * 4);
    if (want < m)
        m = want < SLI_VEC_SIZE ? SLI_VEC_SIZE : (want + SLI_VEC_SIZE - 1) / SLI_VEC_SIZE * SLI_VEC_SIZE;
    return m;
}

/* @return whether a team builds pipeline p's join table by placing rows: a
 * BUILD whose every source row reaches it (projections only) and whose
 * columns are all fixed-width. */
static bool placeable(const sli_pipeline *p, size_t rows)
{
    if (p->sink != SLI_SINK_BUILD || p->nfilters || !rows) return false;
    for (size_t i = 0; i < p->nops; i++)
        if (p->ops[i].kind != SLI_POP_PROJECT) return false;
    const sli_plan *n = p->sink_node, *right = n->in[1];
    for (size_t c = 0; c < right->ncols; c++)
        if (right->types[c].id == SL_TYPE_UTF8 || right->types[c].id == SL_TYPE_NULL) return false;
    for (size_t k = 0; k < n->nkeys; k++)
        if (n->rkeys[k]->type.id == SL_TYPE_UTF8 || n->rkeys[k]->type.id == SL_TYPE_NULL) return false;
    return true;
}

/* The table a team's workers place their rows in (placeable). */
static sl_status placed_init(par_run *pr, sl_context *ctx)
{
    const sli_plan *n = pr->p->sink_node;
    sl_type *kt = malloc(n->nkeys * sizeof *kt);
    pr->placed = calloc(1, sizeof *pr->placed);
    sl_status s = kt && pr->placed ? SL_OK : SL_ERR_NOMEM;
    for (size_t k = 0; k < n->nkeys && !s; k++) kt[k] = n->rkeys[k]->type;
    if (!s) s = sli_join_table_init(pr->placed, n->in[1]->types, n->in[1]->ncols, kt, n->nkeys);
    if (!s) s = sli_join_table_place_init(pr->placed, pr->rows);
    free(kt);
    return s ? sli_nomem(ctx, "join build") : SL_OK;
}

/* Worker 0's sink takes the placed table, whole. */
static sl_status adopt_placed(par_run *pr)
{
    run *r0 = &pr->runs[0];
    sli_join_table_place_done(pr->placed, pr->rows);
    sli_join_table_free(r0->jt);
    free(r0->jt);
    r0->jt = pr->placed;
    pr->placed = NULL;
    return SL_OK;
}

static sl_status run_parallel(sl_context *ctx, const sli_pipeline *p, pipe_output *outs, pipe_output *out,
                              sli_exec_stats *stats, par_run *pr, const sli_team *team)
{
    size_t nw = pr->nw, np = pr->src->nparts;
    pr->runs = calloc(nw, sizeof *pr->runs);
    pr->wctx = calloc(nw, sizeof *pr->wctx);
    pr->stats = calloc(nw, sizeof *pr->stats);
    size_t *prow = calloc(np + 1, sizeof *prow);
    unsigned *pnode = calloc(np + 1, sizeof *pnode);
    pr->seq0 = calloc(np + 1, sizeof *pr->seq0);
    size_t nprof = p->nops + 1;
    sli_op_prof *prof = pr->pp ? calloc(nw * nprof, sizeof *prof) : NULL;
    sl_status s = pr->runs && pr->wctx && pr->stats && prow && pnode && pr->seq0 && (prof || !pr->pp)
                      ? SL_OK
                      : sli_nomem(ctx, "pipeline");
    /* Partitions' home nodes, round-robin over the nodes the team uses. */
    size_t nnodes = 1;
    for (size_t w = 0; w < nw; w++)
        if (team->node[w] + 1 > nnodes) nnodes = team->node[w] + 1;
    if (!s && np) s = sli_place_partitions(NULL, np, nnodes, SLI_PLACE_ROUND_ROBIN, pnode);
    for (size_t i = 0, seq = 0; !s && i < np; i++) {
        prow[i] = pr->src->parts[i].rows;
        pr->seq0[i] = seq;
        seq += (prow[i] + pr->morsel - 1) / pr->morsel;
    }
    if (!s) s = sli_morsel_create(prow, pnode, np, team->node, nw, nnodes, pr->morsel, &pr->sched);
    if (s && s != SL_ERR_NOMEM)
        s = sli_error(ctx, s, "pipeline: cannot schedule %zu workers", nw);
    else if (s)
        s = sli_nomem(ctx, "pipeline");
    /* Each worker records its errors in its own copy of the context. */
    for (size_t w = 0; w < nw && !s; w++) {
        pr->wctx[w] = *ctx;
        sli_error_clear(&pr->wctx[w]);
        if (prof) pr->runs[w].prof = prof + w * nprof; /* (again after the worker's run_init) */
    }
    pr->p = p;
    pr->outs = outs;
    pr->hint_rows = pr->rows / nw + pr->morsel;
    pr->shared_op = SIZE_MAX;
    for (size_t i = 0; i < p->nops && nw > 1 && pr->shared_op == SIZE_MAX; i++)
        if (p->ops[i].kind == SLI_POP_PROBE && probe_buffers(p->ops[i].node, outs[p->ops[i].build].jt))
            pr->shared_op = i;
    if (!s && placeable(p, pr->rows)) {
        pr->part_row = prow; /* each partition's first row (prow holds the counts until here) */
        for (size_t i = 0, at = 0; i < np; i++) {
            size_t c = prow[i];
            prow[i] = at;
            at += c;
        }
        s = placed_init(pr, ctx);
    }
    pr->prof = prof;
    pr->nprof = nprof;
    if (!s) {
        s = sli_team_run(team, par_worker, pr);
        bool reported = false;
        for (size_t w = 0; w < nw; w++) {
            if (s && !reported && pr->wctx[w].last_status) { /* the first worker's error */
                sli_error(ctx, pr->wctx[w].last_status, "%s", pr->wctx[w].last_error);
                reported = true;
            }
            pr->runs[w].ctx = ctx;
            if (stats) {
                stats->vectors += pr->stats[w].vectors;
                stats->rows_in += pr->stats[w].rows_in;
            }
            if (prof) {
                sli_pipe_prof_add(pr->pp, pr->runs[w].prof);
                pr->pp->source_ns += pr->runs[w].src_ns;
                pr->pp->morsels += pr->runs[w].morsels;
            }
        }
        if (s && !reported) /* the team could not start */
            s = s == SL_ERR_NOMEM ? sli_nomem(ctx, "pipeline")
                                  : sli_error(ctx, s, "pipeline: cannot run its workers");
    }
    uint64_t t_finish = prof ? sli_prof_now() : 0;
    if (!s) {
        switch (p->sink) {
        case SLI_SINK_RESULT:
        case SLI_SINK_SORT: s = pr->runs[0].topk ? merge_topk(pr) : assemble_builders(pr, team); break;
        case SLI_SINK_BUILD: s = pr->placed ? adopt_placed(pr) : concat_build(pr, team); break;
        case SLI_SINK_AGG: s = merge_agg(pr, team, out); break;
        }
    }
    if (!s && p->sink != SLI_SINK_AGG) {
        pr->runs[0].team = team;
        s = sink_finish(&pr->runs[0], out);
    }
    if (prof) pr->pp->finish_ns += sli_prof_now() - t_finish;
    for (size_t w = 0; pr->runs && w < nw; w++) {
        if (!pr->runs[w].p) continue;
        pr->runs[w].ctx = ctx;
        run_free(&pr->runs[w]);
    }
    if (pr->placed) { /* a failed run */
        sli_join_table_free(pr->placed);
        free(pr->placed);
    }
    sli_morsel_free(pr->sched);
    free(pr->runs);
    free(pr->wctx);
    free(pr->stats);
    free(pr->seq0);
    free(prow);
    free(pnode);
    free(prof);
    return s;
}

/* Reads what a pipeline's scan of an external table needs: its columns, of
 * the storage units its leading filters do not rule out. */
static sl_status load_external(sl_context *ctx, const sli_pipeline *p, sli_table **out, sli_exec_stats *stats)
{
    const sli_table *t = p->scan->table;
    sli_scan_range ranges[32];
    size_t nranges = sli_scan_ranges(p, ranges, sizeof ranges / sizeof *ranges);
    size_t read = 0;
    sl_status s =
        t->source->load(t->source->self, ctx, p->scan->cols, p->scan->ncols, ranges, nranges, out, &read);
    if (!s && stats) {
        stats->units_read += read;
        stats->units_skipped += t->source->units - read;
    }
    return s;
}

/* Runs one pipeline; pp: its measurements when profiling, else NULL. */
static sl_status run_pipeline(sl_context *ctx, const sli_pipeline *p, pipe_output *outs, pipe_output *out,
                              sli_exec_stats *stats, sli_pipe_prof *pp)
{
    sli_table *loaded = NULL;
    if (p->scan && p->scan->table->source) {
        uint64_t t0 = pp ? sli_prof_now() : 0;
        sl_status s = load_external(ctx, p, &loaded, stats);
        if (pp) pp->load_ns = sli_prof_now() - t0;
        if (s) return s;
    }
    if (!p->scan && sli_result_passes(p, outs[p->source].table)) { /* result_pass.h */
        uint64_t t0 = pp ? sli_prof_now() : 0;
        size_t rows = outs[p->source].table->rows, parts = outs[p->source].table->nparts;
        sl_status s = sli_result_pass(ctx, p, &outs[p->source].table, &out->table);
        if (stats) stats->rows_in += rows;
        if (pp) {
            pp->workers = 1;
            pp->morsels = parts;
            pp->finish_ns = sli_prof_now() - t0;
            pp->ops[0].rows_in = rows; /* the sink's time is finish_ns */
        }
        return s;
    }
    /* A loaded external table holds exactly the scan's columns, in order. */
    const sli_table *src = loaded ? loaded : p->scan ? p->scan->table : outs[p->source].table;
    const size_t *colmap = p->scan && !loaded ? p->scan->cols : NULL;
    size_t ncols = p->scan ? p->scan->ncols : p->source_node->ncols;
    size_t rows = 0;
    for (size_t i = 0; i < src->nparts; i++) rows += src->parts[i].rows;
    size_t nw = sli_pipeline_parallel(p) ? sl_context_threads(ctx) : 1;
    size_t morsel = nw > 1 ? morsel_rows(rows, nw) : 0;
    if (nw > 1) {
        size_t morsels = 0;
        for (size_t i = 0; i < src->nparts; i++) morsels += (src->parts[i].rows + morsel - 1) / morsel;
        if (morsels < nw) nw = morsels;
    }
    sl_status s;
    if (nw > 1) {
        sli_team team;
        s = sli_team_init(&team, nw, sli_context_topology(ctx), ctx->numa_off ? SLI_NUMA_OFF : SLI_NUMA_ON,
                          true);
        if (s) {
            s = s == SL_ERR_NOMEM ? sli_nomem(ctx, "pipeline") : sli_error(ctx, s, "pipeline: bad team");
        } else {
            par_run pr = {.src = src,
                          .colmap = colmap,
                          .ncols = ncols,
                          .nw = nw,
                          .morsel = morsel,
                          .rows = rows,
                          .pp = pp};
            s = run_parallel(ctx, p, outs, out, stats, &pr, &team);
            sli_team_free(&team);
        }
    } else {
        run r;
        s = run_init(&r, ctx, p, outs, rows);
        if (!s && pp) r.prof = pp->ops; /* one worker: it counts into the pipeline's counters */
        if (!s) s = scan(&r, src, colmap, ncols, stats);
        if (!s) s = flush_ops(&r);
        uint64_t t_finish = pp ? sli_prof_now() : 0;
        if (!s) s = sink_finish(&r, out);
        if (pp) {
            pp->finish_ns += sli_prof_now() - t_finish;
            pp->source_ns += r.src_ns;
            pp->morsels += r.morsels;
        }
        run_free(&r);
    }
    if (pp) pp->workers = nw;
    if (loaded) sli_ocl_data_forget(ctx, loaded);
    sli_table_free(loaded);
    return s;
}

/* Runs one pipeline, and with profiling on measures it: wall time, what its
 * source read, the rows its sink holds and the bytes they take (the memory
 * budget's growth: what the pipeline keeps once its scratch is freed). */
static sl_status run_pipeline_measured(sl_context *ctx, const sli_pipeline *p, pipe_output *outs,
                                       pipe_output *out, sli_exec_stats *stats, sli_pipe_prof *pp)
{
    if (!pp) return run_pipeline(ctx, p, outs, out, stats, NULL);
    sli_exec_stats ps = {0};
    sli_mem_budget *b = sli_mem_current();
    uint64_t used0 = b ? atomic_load(&b->used) : 0, t0 = sli_prof_now();
    /* the budget's peak restarts at what is held now, for this pipeline's own */
    uint64_t peak0 = b ? atomic_exchange(&b->peak, used0) : 0;
    sl_status s = run_pipeline(ctx, p, outs, out, &ps, pp);
    pp->wall_ns = sli_prof_now() - t0;
    uint64_t used1 = b ? atomic_load(&b->used) : 0;
    pp->peak_bytes = b ? atomic_load(&b->peak) : 0;
    if (b && peak0 > pp->peak_bytes) atomic_store(&b->peak, peak0);
    pp->sink_bytes = used1 > used0 ? used1 - used0 : 0;
    pp->ran = s == SL_OK;
    pp->vectors = ps.vectors;
    pp->rows_read = ps.rows_in;
    pp->units_read = ps.units_read;
    pp->units_skipped = ps.units_skipped;
    if (out->table) {
        pp->sink_rows = out->table->rows;
        snprintf(pp->sink_note, sizeof pp->sink_note, "%s", out->note);
    } else if (out->jt) {
        pp->sink_rows = out->jt->rows;
        sli_join_table_describe(out->jt, pp->sink_note, sizeof pp->sink_note);
    }
    if (stats) {
        stats->vectors += ps.vectors;
        stats->rows_in += ps.rows_in;
        stats->units_read += ps.units_read;
        stats->units_skipped += ps.units_skipped;
    }
    return s;
}

/* Runs the device group whose root is pipeline i; on a fallback, runs the
 * group's builds on the CPU (the caller then runs i itself). *done tells
 * whether i's output is in outs[i]. */
static sl_status run_device_group(sl_context *ctx, const sli_devplan *dp, const sli_physical *ph, size_t i,
                                  pipe_output *outs, sli_exec_stats *stats, sli_profile *prof, bool *done)
{
    bool fell = false;
    sl_status s = sli_ocl_run_group(ctx, dp, ph, i, &outs[i].table, &fell, stats, prof);
    *done = !s && !fell;
    if (s || *done) return s;
    size_t *idx = malloc(ph->npipes * sizeof *idx);
    if (!idx) return sli_nomem(ctx, "execution");
    size_t n = sli_devplan_group(ph, i, idx);
    for (size_t k = 0; !s && k < n; k++)
        if (idx[k] != i)
            s = run_pipeline_measured(ctx, &ph->pipes[idx[k]], outs, &outs[idx[k]], stats,
                                      prof ? &prof->pipes[idx[k]] : NULL);
    free(idx);
    return s;
}

static sl_status execute_pipelines(sl_context *ctx, const sli_physical *ph, sli_table **out,
                                   sli_exec_stats *stats, sli_profile *prof)
{
    pipe_output *outs = calloc(ph->npipes, sizeof *outs);
    if (!outs) return sli_nomem(ctx, "execution");
    sli_devplan *dp = NULL;
    sl_status s = sli_devplan_make(ctx, ph, &dp);
    for (size_t i = 0; i < ph->npipes && !s; i++) {
        const sli_pipeline *p = &ph->pipes[i];
        if (dp->on_device[i] && p->sink == SLI_SINK_BUILD) continue; /* runs with its probe's group */
        bool done = false;
        if (dp->on_device[i]) s = run_device_group(ctx, dp, ph, i, outs, stats, prof, &done);
        if (s || done) continue;
        ctx->bytes_scanned += sli_pipeline_scan_bytes(p);
        s = run_pipeline_measured(ctx, p, outs, &outs[i], stats, prof ? &prof->pipes[i] : NULL);
    }
    sli_devplan_free(dp);
    if (!s) {
        *out = outs[ph->npipes - 1].table;
        outs[ph->npipes - 1].table = NULL;
    }
    for (size_t i = 0; i < ph->npipes; i++) {
        sli_table_free(outs[i].table);
        if (outs[i].jt) {
            sli_join_table_free(outs[i].jt);
            free(outs[i].jt);
        }
    }
    free(outs);
    return s;
}

/* Runs the pipelines under the context's memory budget (memory.h): the
 * buffers they allocate are charged to it, and a refused allocation fails
 * the query with SL_ERR_MEMORY_LIMIT naming the operator. */
sl_status sli_execute(sl_context *ctx, const sli_physical *ph, sli_table **out, sli_exec_stats *stats)
{
    return sli_execute_profiled(ctx, ph, out, stats, NULL);
}

sl_status sli_execute_profiled(sl_context *ctx, const sli_physical *ph, sli_table **out,
                               sli_exec_stats *stats, sli_profile *prof)
{
    *out = NULL;
    if (prof) memset(prof, 0, sizeof *prof);
    if (prof) {
        size_t *nops = malloc((ph->npipes ? ph->npipes : 1) * sizeof *nops);
        if (!nops) return sli_nomem(ctx, "profile");
        for (size_t i = 0; i < ph->npipes; i++) nops[i] = ph->pipes[i].nops;
        int bad = sli_profile_init(prof, nops, ph->npipes);
        free(nops);
        if (bad) return sli_nomem(ctx, "profile");
        prof->threads = sl_context_threads(ctx);
    }
    uint64_t t0 = prof ? sli_prof_now() : 0;
    if (ctx) {
        free(ctx->warnings);
        ctx->warnings = NULL;
        ctx->bytes_scanned = 0;
    }
    sli_mem_budget budget;
    sli_mem_budget_init(&budget, ctx ? ctx->memory_limit : 0);
    sli_mem_budget *prev = sli_mem_attach(&budget);
    sl_status s = execute_pipelines(ctx, ph, out, stats, prof);
    if (prof) {
        prof->wall_ns = sli_prof_now() - t0;
        prof->rows = *out ? (*out)->rows : 0;
        prof->peak_bytes = atomic_load(&budget.peak);
    }
    /* A failure the budget caused reports the limit, whichever path failed. */
    if (s && s != SL_ERR_MEMORY_LIMIT && atomic_load(&budget.refused)) s = sli_nomem(ctx, "the query");
    sli_mem_attach(prev);
    return s;
}
