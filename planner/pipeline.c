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
#include "runtime/memory.h"
#include "runtime/scan_window.h"
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
    p->filters_at = 0;
    while (p->filters_at < p->nops && p->ops[p->filters_at].kind == SLI_POP_FILTER) p->filters_at++;
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

/* The text after an operator's label (k == nops: the sink's), without a newline. */
static void op_detail(const sli_pipeline *p, size_t k, sli_sbuf *out)
{
    if (k == p->nops) {
        const sli_plan *s = p->sink_node;
        switch (p->sink) {
        case SLI_SINK_RESULT: sli_sbuf_printf(out, "result"); break;
        case SLI_SINK_BUILD:
            sli_sbuf_printf(out, "hash-join build on ");
            for (size_t c = 0; c < s->nkeys; c++) {
                if (c) sli_sbuf_append(out, ", ", 2);
                put_expr(out, s->rkeys[c], s->in[1]);
            }
            break;
        case SLI_SINK_AGG:
            sli_sbuf_printf(out, "hash aggregate (%zu key(s), %zu aggregate(s)) [agg %s]", s->ngroups,
                            s->naggs, sli_agg_select()->name);
            break;
        case SLI_SINK_SORT:
            if (p->topk)
                sli_sbuf_printf(out, "top-%lld on ", (long long)p->topk_k);
            else
                sli_sbuf_printf(out, "sort on ");
            for (size_t c = 0; c < s->nkeys; c++) {
                if (c) sli_sbuf_append(out, ", ", 2);
                put_expr(out, s->keys[c], s->in[0]);
            }
            sli_sbuf_printf(out, " [sort %s]", sli_sort_select()->name);
            break;
        }
        return;
    }
    const sli_pop *op = &p->ops[k];
    const sli_plan *n = op->node;
    char kd[128];
    switch (op->kind) {
    case SLI_POP_FILTER:
        put_expr(out, n->pred, n->in[0]);
        sli_eval_describe(n->pred, kd, sizeof kd);
        sli_sbuf_printf(out, "  [%s]", kd);
        if (k == 0 && sli_eval_leads_with_column_test(n->pred))
            sli_sbuf_printf(out, " [leading bound tests over %zu-row windows of the scan]",
                            sli_scan_window_rows());
        break;
    case SLI_POP_PROJECT:
        for (size_t c = 0; c < n->ncols; c++) {
            if (c) sli_sbuf_append(out, ", ", 2);
            put_expr(out, n->exprs[c], n->in[0]);
        }
        break;
    case SLI_POP_PROBE:
        sli_sbuf_printf(out, "hash table of pipeline %zu on ", op->build + 1);
        for (size_t c = 0; c < n->nkeys; c++) {
            if (c) sli_sbuf_append(out, ", ", 2);
            put_expr(out, n->lkeys[c], n->in[0]);
        }
        sli_sbuf_printf(out,
                        "  [%s join, hash %s, open addressing with tags, radix-partitioned when large; "
                        "direct-indexed when the key is unique and dense]",
                        sli_join_type_name(n->jtype), sli_hash_select()->name);
        break;
    case SLI_POP_LIMIT: sli_sbuf_printf(out, "%lld", (long long)n->limit); break;
    }
}

/* The label of position k in EXPLAIN's text (8 columns wide, padded). */
static const char *op_label(const sli_pipeline *p, size_t k)
{
    if (k == p->nops) return "sink    ";
    switch (p->ops[k].kind) {
    case SLI_POP_FILTER: return "filter  ";
    case SLI_POP_PROJECT: return "project ";
    case SLI_POP_PROBE: return "probe   ";
    case SLI_POP_LIMIT: return "limit   ";
    }
    return "?       ";
}

/* The kind of position k in the profile's JSON. */
static const char *op_kind(const sli_pipeline *p, size_t k)
{
    if (k == p->nops) {
        switch (p->sink) {
        case SLI_SINK_RESULT: return "result";
        case SLI_SINK_BUILD: return "build";
        case SLI_SINK_AGG: return "aggregate";
        case SLI_SINK_SORT: return p->topk ? "top-k" : "sort";
        }
        return "?";
    }
    switch (p->ops[k].kind) {
    case SLI_POP_FILTER: return "filter";
    case SLI_POP_PROJECT: return "project";
    case SLI_POP_PROBE: return "probe";
    case SLI_POP_LIMIT: return "limit";
    }
    return "?";
}

static void put_size(sli_sbuf *out, uint64_t bytes)
{
    char buf[32];
    sli_mem_format_size(bytes, buf, sizeof buf);
    sli_sbuf_printf(out, "%s", buf);
}

/* The bloom filters of a scan pipeline, one line each. */
static void describe_scan_filters(const sli_pipeline *p, sli_sbuf *out)
{
    for (size_t f = 0; f < p->nfilters; f++) {
        const sli_pop *op = &p->ops[p->filters[f].op];
        sli_sbuf_printf(out, "  filter  bloom filter of pipeline %zu's hash table on ", op->build + 1);
        for (size_t c = 0; c < op->node->nkeys; c++)
            sli_sbuf_printf(out, "%s%s", c ? ", " : "", p->scan->names[p->filters[f].cols[c]]);
        sli_sbuf_printf(out, "  [%s]\n", p->filters_at ? "pushed below the probes" : "pushed into the scan");
    }
}

static void describe(const sli_physical *ph, size_t threads, const sli_profile *pf, sli_sbuf *out)
{
    const char *isa = sli_filter_select()->name;
    for (size_t i = 0; i < ph->npipes; i++) {
        const sli_pipeline *p = &ph->pipes[i];
        const sli_pipe_prof *pp = pf && i < pf->npipes ? &pf->pipes[i] : NULL;
        if (pp && pp->device[0]) {
            /* one generated kernel: measured as a whole; its operators are
             * listed without CPU counters */
            sli_sbuf_printf(out,
                            "Pipeline %zu (device opencl, %s, one generated kernel): ran on the device, ",
                            i + 1, pp->device);
            sli_prof_put_ms(out, pp->wall_ns);
            sli_sbuf_printf(out, ", rows read %llu, sink rows %llu\n", (unsigned long long)pp->rows_read,
                            (unsigned long long)pp->sink_rows);
            pp = NULL;
        } else {
            sli_sbuf_printf(out, "Pipeline %zu (device cpu, kernels %s, %d rows per vector, ", i + 1, isa,
                            SLI_VEC_SIZE);
            if (threads > 1 && !sli_pipeline_parallel(p))
                sli_sbuf_printf(out, "1 worker: it has a limit)");
            else
                sli_sbuf_printf(out, "up to %zu worker%s)", threads, threads == 1 ? "" : "s");
            if (pp) {
                sli_sbuf_printf(out, ": ran on %zu worker%s, %zu morsel%s, ", pp->workers,
                                pp->workers == 1 ? "" : "s", pp->morsels, pp->morsels == 1 ? "" : "s");
                sli_prof_put_ms(out, pp->wall_ns);
                sli_sbuf_printf(out, ", peak memory ");
                put_size(out, pp->peak_bytes);
            }
            sli_sbuf_printf(out, "\n");
        }
        if (p->scan) {
            sli_sbuf_printf(out, "  source  scan %s [", p->scan->table->name);
            describe_names(out, p->scan);
            const sli_table_source *src = p->scan->table->source;
            if (src)
                sli_sbuf_printf(out, "] %s, %zu row group(s), only these columns read", src->kind,
                                src->units);
            else
                sli_sbuf_printf(out, "] %zu partition(s)", p->scan->table->nparts);
        } else {
            sli_sbuf_printf(out, "  source  output of pipeline %zu [", p->source + 1);
            describe_names(out, p->source_node);
            sli_sbuf_printf(out, "]");
        }
        if (pp) {
            sli_sbuf_printf(out, "  (rows read %llu \u2192 %llu, ", (unsigned long long)pp->rows_read,
                            (unsigned long long)sli_pipe_prof_source_out(pp));
            sli_prof_put_ms(out, pp->source_ns);
            if (p->scan && p->scan->table->source) {
                sli_sbuf_printf(out, ", row groups read %zu, skipped %zu, file read ", pp->units_read,
                                pp->units_skipped);
                sli_prof_put_ms(out, pp->load_ns);
            }
            sli_sbuf_printf(out, ")");
        }
        sli_sbuf_printf(out, "\n");
        if (p->scan) {
            if (p->scan->table->source) {
                sli_scan_range ranges[32];
                size_t nr = sli_scan_ranges(p, ranges, sizeof ranges / sizeof *ranges);
                if (nr) {
                    sli_sbuf_printf(out, "  prune   row groups by min/max of ");
                    for (size_t r = 0; r < nr; r++)
                        sli_sbuf_printf(out, "%s%s", r ? ", " : "",
                                        p->scan->table->schema.names[ranges[r].col]);
                    sli_sbuf_printf(out, "\n");
                }
            }
        }
        for (size_t k = 0; k <= p->nops; k++) {
            if (p->scan && k == p->filters_at) describe_scan_filters(p, out);
            sli_sbuf_printf(out, "  %s", op_label(p, k));
            op_detail(p, k, out);
            if (pp) {
                sli_sbuf_printf(out, "  (rows %llu \u2192 %llu, ", (unsigned long long)pp->ops[k].rows_in,
                                (unsigned long long)sli_pipe_prof_rows_out(pp, k));
                sli_prof_put_ms(out, sli_pipe_prof_self_ns(pp, k));
                if (k == p->nops) {
                    sli_sbuf_printf(out, ", memory ");
                    put_size(out, pp->sink_bytes);
                    if (pp->sink_note[0]) sli_sbuf_printf(out, ", %s", pp->sink_note);
                }
                sli_sbuf_printf(out, ")");
            }
            sli_sbuf_printf(out, "\n");
        }
    }
}

void sli_physical_describe(const sli_physical *ph, size_t threads, sli_sbuf *out)
{
    describe(ph, threads, NULL, out);
}

void sli_physical_describe_profiled(const sli_physical *ph, const sli_profile *pf, sli_sbuf *out)
{
    describe(ph, pf->threads, pf, out);
}

static void json_ms(sli_sbuf *out, const char *key, uint64_t ns)
{
    sli_sbuf_printf(out, "\"%s\": %.3f", key, (double)ns / 1e6);
}

void sli_physical_profile_json(const sli_physical *ph, const sli_profile *pf, sli_sbuf *out)
{
    sli_sbuf_printf(out, "{\"threads\": %zu, ", pf->threads);
    json_ms(out, "wall_ms", pf->wall_ns);
    sli_sbuf_printf(out, ", \"rows\": %llu, \"peak_bytes\": %llu, \"pipelines\": [",
                    (unsigned long long)pf->rows, (unsigned long long)pf->peak_bytes);
    sli_sbuf d = {0};
    for (size_t i = 0; i < ph->npipes && i < pf->npipes; i++) {
        const sli_pipeline *p = &ph->pipes[i];
        const sli_pipe_prof *pp = &pf->pipes[i];
        sli_sbuf_printf(out, "%s\n  {\"id\": %zu, \"workers\": %zu, \"morsels\": %zu, \"vectors\": %llu, ",
                        i ? "," : "", i + 1, pp->workers, pp->morsels, (unsigned long long)pp->vectors);
        json_ms(out, "wall_ms", pp->wall_ns);
        sli_sbuf_printf(out, ", \"peak_bytes\": %llu,\n   \"source\": {", (unsigned long long)pp->peak_bytes);
        if (p->scan) {
            sli_sbuf_printf(out, "\"kind\": \"scan\", \"table\": ");
            sli_prof_put_json_str(out, p->scan->table->name, strlen(p->scan->table->name));
            sli_sbuf_printf(out, ", \"format\": ");
            const char *fmt = p->scan->table->source ? p->scan->table->source->kind : "memory";
            sli_prof_put_json_str(out, fmt, strlen(fmt));
        } else {
            sli_sbuf_printf(out, "\"kind\": \"pipeline\", \"pipeline\": %zu", p->source + 1);
        }
        sli_sbuf_printf(out,
                        ", \"rows_read\": %llu, \"rows_out\": %llu, \"row_groups_read\": %zu, "
                        "\"row_groups_skipped\": %zu, \"bloom_filters\": %zu, ",
                        (unsigned long long)pp->rows_read, (unsigned long long)sli_pipe_prof_source_out(pp),
                        pp->units_read, pp->units_skipped, p->nfilters);
        json_ms(out, "time_ms", pp->source_ns);
        sli_sbuf_printf(out, ", ");
        json_ms(out, "load_ms", pp->load_ns);
        sli_sbuf_printf(out, "},\n   \"operators\": [");
        for (size_t k = 0; k <= p->nops; k++) {
            sli_sbuf_printf(out, "%s\n    {\"kind\": \"%s\", \"sink\": %s, \"detail\": ", k ? "," : "",
                            op_kind(p, k), k == p->nops ? "true" : "false");
            d.len = 0;
            if (d.buf) d.buf[0] = '\0';
            op_detail(p, k, &d);
            sli_prof_put_json_str(out, d.buf ? d.buf : "", d.len);
            sli_sbuf_printf(out, ", \"rows_in\": %llu, \"rows_out\": %llu, ",
                            (unsigned long long)pp->ops[k].rows_in,
                            (unsigned long long)sli_pipe_prof_rows_out(pp, k));
            json_ms(out, "time_ms", sli_pipe_prof_self_ns(pp, k));
            if (k == p->nops) {
                sli_sbuf_printf(out, ", ");
                json_ms(out, "finish_ms", pp->finish_ns);
                if (pp->sink_note[0]) {
                    sli_sbuf_printf(out, ", \"table\": ");
                    sli_prof_put_json_str(out, pp->sink_note, strlen(pp->sink_note));
                }
            }
            sli_sbuf_printf(out, ", \"memory_bytes\": %llu}",
                            (unsigned long long)(k == p->nops ? pp->sink_bytes : 0));
        }
        sli_sbuf_printf(out, "]}");
    }
    sli_sbuf_free(&d);
    sli_sbuf_printf(out, "\n]}\n");
}

uint64_t sli_pipeline_scan_bytes(const sli_pipeline *p)
{
    uint64_t b = 0;
    if (p->scan)
        for (size_t c = 0; c < p->scan->ncols; c++)
            b += (uint64_t)p->scan->table->rows * sli_type_width(p->scan->types[c]);
    return b;
}
