/*
 * pipeline.c — cutting a plan into pipelines (see pipeline.h).
 */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "kernels/agg.h"
#include "kernels/filter.h"
#include "kernels/hash.h"
#include "kernels/sort.h"
#include "runtime/context.h"
#include "runtime/eval.h"
#include "runtime/topk.h"

typedef struct builder {
    sl_context *ctx;
    sli_physical *ph;
    size_t cap;
    bool failed;
} builder;

static size_t add_pipe(builder *b, const sli_pipeline *p)
{
    if (b->ph->npipes == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 8;
        sli_pipeline *np = realloc(b->ph->pipes, cap * sizeof *np);
        if (!np) {
            b->failed = true;
            free(p->ops);
            return 0;
        }
        b->ph->pipes = np;
        b->cap = cap;
    }
    b->ph->pipes[b->ph->npipes] = *p;
    return b->ph->npipes++;
}

static void add_op(builder *b, sli_pipeline *p, sli_pop_kind kind, const sli_plan *node, size_t build)
{
    sli_pop *ops = realloc(p->ops, (p->nops + 1) * sizeof *ops);
    if (!ops) {
        b->failed = true;
        return;
    }
    p->ops = ops;
    ops[p->nops].kind = kind;
    ops[p->nops].node = node;
    ops[p->nops].build = build;
    p->nops++;
}

/* Builds the open pipeline that produces `node`'s output. */
static sli_pipeline open_pipe(builder *b, const sli_plan *node)
{
    sli_pipeline p;
    memset(&p, 0, sizeof p);
    switch (node->kind) {
    case SLI_PLAN_SCAN:
        p.scan = node;
        p.source_node = node;
        return p;
    case SLI_PLAN_FILTER:
    case SLI_PLAN_PROJECT:
    case SLI_PLAN_LIMIT:
        p = open_pipe(b, node->in[0]);
        if (node->kind == SLI_PLAN_LIMIT && node->in[0]->kind == SLI_PLAN_SORT &&
            node->limit <= SLI_TOPK_MAX && !b->failed) {
            /* orderBy(...).limit(k): the sort sink keeps only the best k rows */
            b->ph->pipes[p.source].topk = true;
            b->ph->pipes[p.source].topk_k = node->limit;
        }
        add_op(b, &p,
               node->kind == SLI_PLAN_FILTER    ? SLI_POP_FILTER
               : node->kind == SLI_PLAN_PROJECT ? SLI_POP_PROJECT
                                                : SLI_POP_LIMIT,
               node, 0);
        return p;
    case SLI_PLAN_JOIN: {
        sli_pipeline build = open_pipe(b, node->in[1]);
        build.sink = SLI_SINK_BUILD;
        build.sink_node = node;
        size_t id = add_pipe(b, &build);
        p = open_pipe(b, node->in[0]);
        add_op(b, &p, SLI_POP_PROBE, node, id);
        return p;
    }
    case SLI_PLAN_AGG:
    case SLI_PLAN_SORT: {
        sli_pipeline below = open_pipe(b, node->in[0]);
        below.sink = node->kind == SLI_PLAN_AGG ? SLI_SINK_AGG : SLI_SINK_SORT;
        below.sink_node = node;
        p.source = add_pipe(b, &below);
        p.source_node = node;
        return p;
    }
    }
    return p;
}

/* Follows column `col` of operator `opi`'s input back to the pipeline's scan.
 * @return the scan column, or -1 when it is computed or a limit lies between. */
static long trace_to_scan(const sli_pipeline *p, size_t opi, size_t col)
{
    while (opi-- > 0) {
        const sli_pop *op = &p->ops[opi];
        const sli_plan *n = op->node;
        switch (op->kind) {
        case SLI_POP_FILTER: break;
        case SLI_POP_PROJECT:
            if (n->exprs[col]->kind != SLI_EX_COLUMN) return -1;
            col = (size_t)n->exprs[col]->index;
            break;
        case SLI_POP_PROBE:
            if (col >= n->in[0]->ncols) return -1; /* a right column */
            break;
        case SLI_POP_LIMIT: return -1; /* filtering earlier would change which rows the limit keeps */
        }
    }
    return (long)col;
}

/* Finds the inner and semi joins whose probe keys are plain scan columns. */
static void push_scan_filters(builder *b, sli_pipeline *p)
{
    if (!p->scan) return;
    for (size_t i = 0; i < p->nops; i++) {
        const sli_plan *n = p->ops[i].node;
        if (p->ops[i].kind != SLI_POP_PROBE || (n->jtype != SLI_JOIN_INNER && n->jtype != SLI_JOIN_SEMI))
            continue;
        size_t *cols = malloc(n->nkeys * sizeof *cols);
        if (!cols) {
            b->failed = true;
            return;
        }
        bool ok = true;
        for (size_t k = 0; k < n->nkeys && ok; k++) {
            long c =
                n->lkeys[k]->kind == SLI_EX_COLUMN ? trace_to_scan(p, i, (size_t)n->lkeys[k]->index) : -1;
            ok = c >= 0;
            if (ok) cols[k] = (size_t)c;
        }
        sli_scan_filter *f = ok ? realloc(p->filters, (p->nfilters + 1) * sizeof *f) : NULL;
        if (!f) {
            free(cols);
            if (ok) b->failed = true;
            continue;
        }
        p->filters = f;
        f[p->nfilters].op = i;
        f[p->nfilters].cols = cols;
        p->nfilters++;
    }
}

static void free_filters(sli_pipeline *p)
{
    for (size_t i = 0; i < p->nfilters; i++) free(p->filters[i].cols);
    free(p->filters);
    p->filters = NULL;
    p->nfilters = 0;
}

sl_status sli_physical_build(sl_context *ctx, sli_plan *root, sli_physical **out)
{
    *out = NULL;
    sli_physical *ph = calloc(1, sizeof *ph);
    if (!ph) return sli_nomem(ctx, "physical plan");
    ph->root = sli_plan_ref(root);
    builder b = {ctx, ph, 0, false};
    sli_pipeline last = open_pipe(&b, root);
    last.sink = SLI_SINK_RESULT;
    last.sink_node = root;
    add_pipe(&b, &last);
    for (size_t i = 0; !b.failed && i < ph->npipes; i++) push_scan_filters(&b, &ph->pipes[i]);
    if (b.failed) {
        sli_physical_free(ph);
        return sli_nomem(ctx, "physical plan");
    }
    *out = ph;
    return SL_OK;
}

void sli_physical_free(sli_physical *ph)
{
    if (!ph) return;
    for (size_t i = 0; i < ph->npipes; i++) {
        free(ph->pipes[i].ops);
        free_filters(&ph->pipes[i]);
    }
    free(ph->pipes);
    sli_plan_unref(ph->root);
    free(ph);
}

static void put_expr(sli_sbuf *out, const sli_expr *e, const sli_plan *input)
{
    char text[512];
    size_t n = sli_expr_format(e, input ? (const char *const *)input->names : NULL, text, sizeof text);
    if (n >= sizeof text) n = sizeof text - 1;
    sli_sbuf_append(out, text, n);
}

static void describe_names(sli_sbuf *out, const sli_plan *p)
{
    for (size_t i = 0; i < p->ncols; i++) sli_sbuf_printf(out, "%s%s", i ? ", " : "", p->names[i]);
}

bool sli_pipeline_parallel(const sli_pipeline *p)
{
    for (size_t i = 0; i < p->nops; i++)
        if (p->ops[i].kind == SLI_POP_LIMIT) return false;
    return true;
}

void sli_physical_describe(const sli_physical *ph, size_t threads, sli_sbuf *out)
{
    const char *isa = sli_filter_select()->name;
    for (size_t i = 0; i < ph->npipes; i++) {
        const sli_pipeline *p = &ph->pipes[i];
        sli_sbuf_printf(out, "Pipeline %zu (device cpu, kernels %s, %d rows per vector, ", i + 1, isa,
                        SLI_VEC_SIZE);
        if (threads > 1 && !sli_pipeline_parallel(p))
            sli_sbuf_printf(out, "1 worker: it has a limit)\n");
        else
            sli_sbuf_printf(out, "up to %zu worker%s)\n", threads, threads == 1 ? "" : "s");
        if (p->scan) {
            sli_sbuf_printf(out, "  source  scan %s [", p->scan->table->name);
            describe_names(out, p->scan);
            const sli_table_source *src = p->scan->table->source;
            if (src) {
                sli_sbuf_printf(out, "] %s, %zu row group(s), only these columns read\n", src->kind, src->units);
                sli_scan_range ranges[32];
                size_t nr = sli_scan_ranges(p, ranges, sizeof ranges / sizeof *ranges);
                if (nr) {
                    sli_sbuf_printf(out, "  prune   row groups by min/max of ");
                    for (size_t r = 0; r < nr; r++)
                        sli_sbuf_printf(out, "%s%s", r ? ", " : "", p->scan->table->schema.names[ranges[r].col]);
                    sli_sbuf_printf(out, "\n");
                }
            } else {
                sli_sbuf_printf(out, "] %zu partition(s)\n", p->scan->table->nparts);
            }
            for (size_t f = 0; f < p->nfilters; f++) {
                const sli_pop *op = &p->ops[p->filters[f].op];
                sli_sbuf_printf(out, "  filter  bloom filter of pipeline %zu's hash table on ",
                                op->build + 1);
                for (size_t c = 0; c < op->node->nkeys; c++)
                    sli_sbuf_printf(out, "%s%s", c ? ", " : "", p->scan->names[p->filters[f].cols[c]]);
                sli_sbuf_printf(out, "  [pushed into the scan]\n");
            }
        } else {
            sli_sbuf_printf(out, "  source  output of pipeline %zu [", p->source + 1);
            describe_names(out, p->source_node);
            sli_sbuf_printf(out, "]\n");
        }
        for (size_t k = 0; k < p->nops; k++) {
            const sli_pop *op = &p->ops[k];
            const sli_plan *n = op->node;
            char kd[128];
            switch (op->kind) {
            case SLI_POP_FILTER:
                sli_sbuf_printf(out, "  filter  ");
                put_expr(out, n->pred, n->in[0]);
                sli_eval_describe(n->pred, kd, sizeof kd);
                sli_sbuf_printf(out, "  [%s]\n", kd);
                break;
            case SLI_POP_PROJECT:
                sli_sbuf_printf(out, "  project ");
                for (size_t c = 0; c < n->ncols; c++) {
                    if (c) sli_sbuf_append(out, ", ", 2);
                    put_expr(out, n->exprs[c], n->in[0]);
                }
                sli_sbuf_printf(out, "\n");
                break;
            case SLI_POP_PROBE:
                sli_sbuf_printf(out, "  probe   hash table of pipeline %zu on ", op->build + 1);
                for (size_t c = 0; c < n->nkeys; c++) {
                    if (c) sli_sbuf_append(out, ", ", 2);
                    put_expr(out, n->lkeys[c], n->in[0]);
                }
                sli_sbuf_printf(
                    out, "  [%s join, hash %s, open addressing with tags, radix-partitioned when large]\n",
                    sli_join_type_name(n->jtype), sli_hash_select()->name);
                break;
            case SLI_POP_LIMIT: sli_sbuf_printf(out, "  limit   %lld\n", (long long)n->limit); break;
            }
        }
        const sli_plan *s = p->sink_node;
        switch (p->sink) {
        case SLI_SINK_RESULT: sli_sbuf_printf(out, "  sink    result\n"); break;
        case SLI_SINK_BUILD:
            sli_sbuf_printf(out, "  sink    hash-join build on ");
            for (size_t c = 0; c < s->nkeys; c++) {
                if (c) sli_sbuf_append(out, ", ", 2);
                put_expr(out, s->rkeys[c], s->in[1]);
            }
            sli_sbuf_printf(out, "\n");
            break;
        case SLI_SINK_AGG:
            sli_sbuf_printf(out, "  sink    hash aggregate (%zu key(s), %zu aggregate(s)) [agg %s]\n",
                            s->ngroups, s->naggs, sli_agg_select()->name);
            break;
        case SLI_SINK_SORT:
            if (p->topk)
                sli_sbuf_printf(out, "  sink    top-%lld on ", (long long)p->topk_k);
            else
                sli_sbuf_printf(out, "  sink    sort on ");
            for (size_t c = 0; c < s->nkeys; c++) {
                if (c) sli_sbuf_append(out, ", ", 2);
                put_expr(out, s->keys[c], s->in[0]);
            }
            sli_sbuf_printf(out, " [sort %s]\n", sli_sort_select()->name);
            break;
        }
    }
}
