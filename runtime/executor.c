/*
 * executor.c — push-based, vector-at-a-time execution of pipelines
 * (see executor.h). Operators hold their evaluators and scratch vectors in
 * op_state; a chunk flows through push() without being copied until a
 * join probe gathers its matches or a sink materializes it.
 */
#include "executor.h"

#include <stdlib.h>
#include <string.h>

#include "agg_table.h"
#include "buffer.h"
#include "context.h"
#include "eval.h"
#include "join_table.h"
#include "kernels/sort.h"
#include "materialize.h"

/* What a finished pipeline leaves for later ones. */
typedef struct pipe_output {
    sli_table *table;   /**< AGG / SORT / RESULT output */
    sli_join_table *jt; /**< BUILD output */
} pipe_output;

typedef struct op_state {
    sli_eval **evs; /**< FILTER: 1; PROJECT: ncols; PROBE: nkeys */
    size_t nevs;
    uint32_t *sel;
    sli_vec *cols; /**< output vectors */
    sli_vec *keys; /**< PROBE key vectors */
    sli_join_probe probe;
    uint32_t *prow, *brow;
    void **vals; /**< PROBE: per output column gather scratch */
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
    sli_eval **sink_evs; /**< BUILD: rkeys; AGG: groups then agg args */
    size_t nsink_evs;
    sli_vec *sink_vecs;
} run;

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
        if (!st->keys || !st->cols || !st->vals || !st->valid || !st->prow || !st->brow)
            return nomem(r, "probe");
        for (size_t c = 0; c < n->ncols; c++) {
            st->vals[c] = sli_buf_alloc(SLI_VEC_SIZE * sizeof(sli_strview));
            st->valid[c] = sli_buf_alloc(SLI_VEC_SIZE / 8);
            if (!st->vals[c] || !st->valid[c]) return nomem(r, "probe");
        }
        return sli_join_probe_init(&st->probe) ? nomem(r, "probe") : SL_OK;
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
    sli_buf_free(st->prow);
    sli_buf_free(st->brow);
}

/* ---- sinks -------------------------------------------------------------- */

static sl_status init_builders(run *r, const sli_plan *node)
{
    r->nbuilders = node->ncols;
    r->builders = calloc(node->ncols ? node->ncols : 1, sizeof *r->builders);
    if (!r->builders) return nomem(r, "materialize");
    for (size_t i = 0; i < node->ncols; i++) sli_colbuilder_init(&r->builders[i], node->types[i]);
    return SL_OK;
}

static sl_status sink_init(run *r)
{
    const sli_pipeline *p = r->p;
    const sli_plan *n = p->sink_node;
    sl_status s;
    switch (p->sink) {
    case SLI_SINK_RESULT:
    case SLI_SINK_SORT: return init_builders(r, p->sink == SLI_SINK_SORT ? n->in[0] : n);
    case SLI_SINK_BUILD: {
        const sli_plan *right = n->in[1];
        sl_type *kt = malloc(n->nkeys * sizeof *kt);
        if (!kt) return nomem(r, "join build");
        for (size_t k = 0; k < n->nkeys; k++) kt[k] = n->rkeys[k]->type;
        r->jt = calloc(1, sizeof *r->jt);
        s = r->jt ? sli_join_table_init(r->jt, right->types, right->ncols, kt, n->nkeys) : SL_ERR_NOMEM;
        free(kt);
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
        s = make_evs(r, exprs, r->nsink_evs, &r->sink_evs);
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
        for (size_t i = 0; i < r->nbuilders; i++)
            if ((s = sli_append_vec(&r->builders[i], &c->cols[i], c->sel, c->count)))
                return nomem(r, "materialize");
        return SL_OK;
    case SLI_SINK_BUILD:
        for (size_t k = 0; k < r->nsink_evs; k++)
            if ((s = sli_eval_value(r->sink_evs[k], c, &r->sink_vecs[k]))) return s;
        if (sli_join_table_append(r->jt, c->cols, r->sink_vecs, c->sel, c->count))
            return nomem(r, "join build");
        return SL_OK;
    case SLI_SINK_AGG: {
        const sli_plan *n = r->p->sink_node;
        for (size_t k = 0; k < n->ngroups; k++)
            if ((s = sli_eval_value(r->sink_evs[k], c, &r->sink_vecs[k]))) return s;
        s = sli_agg_table_groups(&r->agg, r->sink_vecs, c->sel, c->count);
        if (s == SL_ERR_UNSUPPORTED) return sli_error(r->ctx, s, "aggregate: more than 4 billion groups");
        if (s) return nomem(r, "aggregate");
        for (size_t k = 0; k < n->naggs; k++) {
            sli_vec *arg = NULL;
            if (r->sink_evs[n->ngroups + k]) {
                arg = &r->sink_vecs[n->ngroups + k];
                if ((s = sli_eval_value(r->sink_evs[n->ngroups + k], c, arg))) return s;
            }
            if ((s = sli_agg_table_update(&r->agg, k, arg, c->sel, c->count)))
                return sli_error(r->ctx, s, "aggregate %s: unsupported argument type",
                                 sli_agg_name(n->aggs[k].fn));
        }
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

static sl_sort_kind sort_kind(sl_type t)
{
    switch (sli_ptype(t)) {
    case SL_P_I8: return SL_SORT_I8;
    case SL_P_I16: return SL_SORT_I16;
    case SL_P_I32: return SL_SORT_I32;
    case SL_P_I64: return SL_SORT_I64;
    case SL_P_F64: return SL_SORT_F64;
    default: return SL_SORT_STR;
    }
}

/* Sorts a materialized table by the SORT node's keys into a new table. */
static sl_status sort_table(run *r, const sli_plan *n, sli_table *in, sli_table **out)
{
    size_t rows = in->rows, nc = in->schema.ncols;
    sli_column **cols = in->nparts ? in->parts[0].cols : NULL;
    sl_sort_key *keys = calloc(n->nkeys, sizeof *keys);
    sli_strview **views = calloc(n->nkeys, sizeof *views);
    uint32_t *idx = malloc((rows ? rows : 1) * sizeof *idx);
    sl_status s = keys && views && idx ? SL_OK : SL_ERR_NOMEM;
    for (size_t k = 0; k < n->nkeys && !s; k++) {
        const sli_expr *key = n->keys[k];
        const sli_column *c = cols[key->args[0]->index];
        keys[k].kind = sort_kind(c->type);
        keys[k].validity = c->validity;
        keys[k].desc = key->desc;
        keys[k].nulls_first = key->nulls_first == 1;
        keys[k].data = c->data;
        if (keys[k].kind == SL_SORT_STR) {
            views[k] = malloc((rows ? rows : 1) * sizeof(sli_strview));
            if (!views[k]) {
                s = SL_ERR_NOMEM;
                break;
            }
            for (size_t i = 0; i < rows; i++) views[k][i] = sli_column_str(c, i);
            keys[k].data = views[k];
        }
    }
    for (size_t i = 0; i < rows && !s; i++) idx[i] = (uint32_t)i;
    if (!s && rows && n->nkeys) s = sli_sort_select()->k->sort(idx, rows, keys, n->nkeys);
    /* Gather every column in sorted order, a vector at a time. */
    sli_colbuilder *b = calloc(nc ? nc : 1, sizeof *b);
    void *vals = sli_buf_alloc(SLI_VEC_SIZE * sizeof(sli_strview));
    uint8_t *valid = sli_buf_alloc(SLI_VEC_SIZE / 8);
    if (!b || !vals || !valid) s = SL_ERR_NOMEM;
    for (size_t c = 0; c < nc && !s; c++) {
        sli_colbuilder_init(&b[c], in->schema.types[c]);
        s = sli_colbuilder_reserve(&b[c], rows);
        for (size_t start = 0; start < rows && !s; start += SLI_VEC_SIZE) {
            size_t m = rows - start < SLI_VEC_SIZE ? rows - start : SLI_VEC_SIZE;
            sli_vec v;
            sli_vec_gather_column(cols[c], idx + start, m, vals, valid, &v);
            s = sli_append_vec(&b[c], &v, NULL, m);
        }
    }
    if (!s) {
        r->builders = b;
        r->nbuilders = nc;
        b = NULL;
        s = finish_builders(r, n, out);
    } else {
        s = nomem(r, "sort");
    }
    if (b)
        for (size_t c = 0; c < nc; c++) sli_colbuilder_discard(&b[c]);
    free(b);
    sli_buf_free(vals);
    sli_buf_free(valid);
    if (views)
        for (size_t k = 0; k < n->nkeys; k++) free(views[k]);
    free(views);
    free(keys);
    free(idx);
    return s;
}

static sl_status sink_finish(run *r, pipe_output *out)
{
    const sli_plan *n = r->p->sink_node;
    sl_status s;
    switch (r->p->sink) {
    case SLI_SINK_RESULT: return finish_builders(r, n, &out->table);
    case SLI_SINK_SORT: {
        sli_table *unsorted = NULL;
        if ((s = finish_builders(r, n->in[0], &unsorted))) return s;
        free(r->builders);
        r->builders = NULL;
        r->nbuilders = 0;
        s = sort_table(r, n, unsorted, &out->table);
        sli_table_free(unsorted);
        return s;
    }
    case SLI_SINK_BUILD:
        s = sli_join_table_finish(r->jt);
        if (s == SL_ERR_UNSUPPORTED)
            return sli_error(r->ctx, s, "hash join build side has more than 4 billion rows");
        if (s) return nomem(r, "join build");
        out->jt = r->jt;
        r->jt = NULL;
        return SL_OK;
    case SLI_SINK_AGG:
        s = sli_agg_table_finish(&r->agg, r->ctx, n->names, &out->table);
        return s == SL_ERR_NOMEM ? nomem(r, "aggregate") : s;
    }
    return SL_OK;
}

/* ---- pushing chunks ----------------------------------------------------- */

static sl_status push(run *r, size_t opi, const sli_chunk *c);

static sl_status push_probe(run *r, size_t opi, const sli_chunk *c)
{
    const sli_pop *op = &r->p->ops[opi];
    op_state *st = &r->ops[opi];
    const sli_plan *n = op->node;
    sl_status s;
    for (size_t k = 0; k < n->nkeys; k++)
        if ((s = sli_eval_value(st->evs[k], c, &st->keys[k]))) return s;
    if (sli_join_probe_start(&st->probe, st->jt, st->keys, c->sel, c->count)) return nomem(r, "probe");
    size_t nl = n->in[0]->ncols;
    size_t m;
    while ((m = sli_join_probe_next(&st->probe, st->jt, st->prow, st->brow)) > 0) {
        for (size_t i = 0; i < nl; i++)
            sli_vec_gather(&c->cols[i], st->prow, m, st->vals[i], st->valid[i], &st->cols[i]);
        for (size_t i = nl; i < n->ncols; i++)
            sli_vec_gather_column(st->jt->cols[i - nl], st->brow, m, st->vals[i], st->valid[i], &st->cols[i]);
        sli_chunk out = {m, m, NULL, n->ncols, st->cols};
        if ((s = push(r, opi + 1, &out))) return s;
        if (r->done) break;
    }
    return SL_OK;
}

static sl_status push(run *r, size_t opi, const sli_chunk *c)
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

/* Pushes every row of `t` (columns `colmap`, or all when NULL) in vectors. */
static sl_status scan(run *r, const sli_table *t, const size_t *colmap, size_t ncols, sli_exec_stats *stats)
{
    sli_vec *vecs = calloc(ncols ? ncols : 1, sizeof *vecs);
    sli_strview **views = calloc(ncols ? ncols : 1, sizeof *views);
    sl_status s = vecs && views ? SL_OK : nomem(r, "scan");
    for (size_t c = 0; c < ncols && !s; c++) {
        size_t tc = colmap ? colmap[c] : c;
        if (t->schema.types[tc].id == SL_TYPE_UTF8 &&
            !(views[c] = sli_buf_alloc(SLI_VEC_SIZE * sizeof(sli_strview))))
            s = nomem(r, "scan");
    }
    for (size_t p = 0; p < t->nparts && !s && !r->done; p++) {
        const sli_partition *part = &t->parts[p];
        /* A morsel is a whole partition for now; vectors start at multiples of 8. */
        for (size_t start = 0; start < part->rows && !s && !r->done; start += SLI_VEC_SIZE) {
            size_t n = part->rows - start < SLI_VEC_SIZE ? part->rows - start : SLI_VEC_SIZE;
            for (size_t c = 0; c < ncols; c++)
                sli_vec_from_column(part->cols[colmap ? colmap[c] : c], start, n, views[c], &vecs[c]);
            sli_chunk chunk = {n, n, NULL, ncols, vecs};
            if (stats) {
                stats->vectors++;
                stats->rows_in += n;
            }
            s = push(r, 0, &chunk);
        }
    }
    for (size_t c = 0; views && c < ncols; c++) sli_buf_free(views[c]);
    free(views);
    free(vecs);
    return s;
}

static void run_free(run *r)
{
    for (size_t i = 0; r->ops && i < r->p->nops; i++) op_free(&r->p->ops[i], &r->ops[i]);
    free(r->ops);
    if (r->builders)
        for (size_t i = 0; i < r->nbuilders; i++) sli_colbuilder_discard(&r->builders[i]);
    free(r->builders);
    if (r->jt) {
        sli_join_table_free(r->jt);
        free(r->jt);
    }
    if (r->agg_ready) sli_agg_table_free(&r->agg);
    free_evs(r->sink_evs, r->nsink_evs);
    free(r->sink_vecs);
}

static sl_status run_pipeline(sl_context *ctx, const sli_pipeline *p, pipe_output *outs, pipe_output *out,
                              sli_exec_stats *stats)
{
    run r;
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    r.p = p;
    r.ops = calloc(p->nops ? p->nops : 1, sizeof *r.ops);
    sl_status s = r.ops ? SL_OK : sli_nomem(ctx, "pipeline");
    for (size_t i = 0; i < p->nops && !s; i++) s = op_init(&r, &p->ops[i], &r.ops[i], outs);
    if (!s) s = sink_init(&r);
    if (!s) {
        if (p->scan)
            s = scan(&r, p->scan->table, p->scan->cols, p->scan->ncols, stats);
        else
            s = scan(&r, outs[p->source].table, NULL, p->source_node->ncols, stats);
    }
    if (!s) s = sink_finish(&r, out);
    run_free(&r);
    return s;
}

sl_status sli_execute(sl_context *ctx, const sli_physical *ph, sli_table **out, sli_exec_stats *stats)
{
    *out = NULL;
    pipe_output *outs = calloc(ph->npipes, sizeof *outs);
    if (!outs) return sli_nomem(ctx, "execution");
    sl_status s = SL_OK;
    for (size_t i = 0; i < ph->npipes && !s; i++) s = run_pipeline(ctx, &ph->pipes[i], outs, &outs[i], stats);
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
