/*
 * frame_api.c — the public DataFrame API: text arguments are parsed with
 * the plan-file expression grammar and handed to the transformations in
 * frame.c; actions optimize the plan, cut it into pipelines and run it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind.h"
#include "frame.h"
#include "io/csv.h"
#include "io/parquet.h"
#include "optimizer.h"
#include "parse.h"
#include "pipeline.h"
#include "runtime/context.h"
#include "runtime/executor.h"
#include "runtime/memory.h"
#include "runtime/ocl_exec.h"
#include "runtime/result.h"
#include "runtime/types.h"

sl_frame *sl_frame_table(sl_context *ctx, const char *name)
{
    if (!ctx) return NULL;
    if (!name) {
        sli_error(ctx, SL_ERR_INVALID_ARG, "sl_frame_table: name is NULL");
        return NULL;
    }
    sli_table *t = sli_context_find_table(ctx, name);
    if (!t) {
        const char **names = malloc((ctx->ntables ? ctx->ntables : 1) * sizeof *names);
        char cand[1024] = "";
        if (names) {
            for (size_t i = 0; i < ctx->ntables; i++) names[i] = ctx->tables[i]->name;
            sli_suggest(name, names, ctx->ntables, cand, sizeof cand);
            free(names);
        }
        sli_error(ctx, SL_ERR_UNKNOWN_TABLE, "unknown table '%s'; %s", name, cand);
        return NULL;
    }
    sli_plan *p = sli_plan_new(SLI_PLAN_SCAN);
    bool ok = p && (p->cols = malloc((t->schema.ncols ? t->schema.ncols : 1) * sizeof *p->cols));
    for (size_t i = 0; ok && i < t->schema.ncols; i++) {
        p->cols[i] = i;
        ok = sli_plan_add_col(p, t->schema.names[i], t->schema.types[i]);
    }
    if (!ok) {
        sli_plan_unref(p);
        sli_nomem(ctx, "table scan");
        return NULL;
    }
    p->table = t;
    return sli_frame_new(ctx, p);
}

/* Parses a text argument of a transformation into a list of expressions. */
static bool parse_list(const sl_frame *f, const char *what, const char *text, sli_list_mode mode,
                       sli_expr ***out, size_t *n)
{
    if (!text) {
        sli_error(f->ctx, SL_ERR_INVALID_ARG, "%s: the expression text is NULL", what);
        return false;
    }
    sli_source src = {what, text};
    return sli_parse_expr_list(f->ctx, &src, mode, out, n) == SL_OK;
}

sl_frame *sl_frame_select(const sl_frame *f, const char *exprs)
{
    sli_expr **list;
    size_t n;
    if (!f || !parse_list(f, "<select>", exprs, SLI_LIST_PLAIN, &list, &n)) return NULL;
    sli_source src = {"<select>", exprs};
    return sli_frame_select(f, list, n, &src);
}

sl_frame *sl_frame_where(const sl_frame *f, const char *pred)
{
    sli_expr **list;
    size_t n;
    if (!f || !parse_list(f, "<where>", pred, SLI_LIST_PLAIN, &list, &n)) return NULL;
    if (n != 1) {
        sli_expr_free_list(list, n);
        sli_error(f->ctx, SL_ERR_SYNTAX,
                  "<where>: expected one condition, found %zu (combine them with 'and')", n);
        return NULL;
    }
    sli_source src = {"<where>", pred};
    sli_expr *e = list[0];
    free(list);
    return sli_frame_where(f, e, &src);
}

sl_frame *sl_frame_join(const sl_frame *left, const sl_frame *right, const char *on)
{
    return sl_frame_join_how(left, right, on, "inner");
}

sl_frame *sl_frame_join_how(const sl_frame *left, const sl_frame *right, const char *on, const char *how)
{
    sli_expr **list;
    size_t n;
    if (!left || !right) return NULL;
    if (left->ctx != right->ctx) {
        sli_error(left->ctx, SL_ERR_INVALID_ARG, "join: the frames belong to different contexts");
        return NULL;
    }
    sli_join_type jt = SLI_JOIN_INNER;
    if (how && !sli_join_type_parse(how, &jt)) {
        sli_error(left->ctx, SL_ERR_INVALID_ARG,
                  "join: unknown join type '%s'; types: inner, left (left_outer), semi (left_semi), "
                  "anti (left_anti)",
                  how);
        return NULL;
    }
    if (!parse_list(left, "<join>", on, SLI_LIST_PLAIN, &list, &n)) return NULL;
    sli_source src = {"<join>", on};
    return sli_frame_join(left, right, list, n, jt, &src);
}

sl_frame *sl_frame_group_by(const sl_frame *f, const char *keys)
{
    sli_expr **list;
    size_t n;
    if (!f || !parse_list(f, "<groupBy>", keys, SLI_LIST_PLAIN, &list, &n)) return NULL;
    sli_source src = {"<groupBy>", keys};
    return sli_frame_group_by(f, list, n, &src);
}

sl_frame *sl_frame_agg(const sl_frame *f, const char *aggs)
{
    sli_expr **list;
    size_t n;
    if (!f || !parse_list(f, "<agg>", aggs, SLI_LIST_PLAIN, &list, &n)) return NULL;
    sli_source src = {"<agg>", aggs};
    return sli_frame_agg(f, list, n, &src);
}

sl_frame *sl_frame_order_by(const sl_frame *f, const char *keys)
{
    sli_expr **list;
    size_t n;
    if (!f || !parse_list(f, "<orderBy>", keys, SLI_LIST_ORDER, &list, &n)) return NULL;
    sli_source src = {"<orderBy>", keys};
    return sli_frame_order_by(f, list, n, &src);
}

sl_frame *sl_frame_limit(const sl_frame *f, int64_t n)
{
    return f ? sli_frame_limit_n(f, n) : NULL;
}

/* ---- actions ------------------------------------------------------------ */

static sl_status ready(const sl_frame *f)
{
    if (!f) return SL_ERR_INVALID_ARG;
    if (f->grouped)
        return sli_error(f->ctx, SL_ERR_INVALID_ARG,
                         "a grouped frame cannot run: follow groupBy with agg(...)");
    return SL_OK;
}

static sl_status run_plan(sl_context *ctx, const sli_plan *plan, sli_table **out)
{
    sli_plan *opt = NULL;
    sli_physical *ph = NULL;
    sl_status s = sli_optimize(ctx, plan, &opt);
    if (!s) s = sli_physical_build(ctx, opt, &ph);
    if (!s) s = sli_execute(ctx, ph, out, NULL);
    sli_physical_free(ph);
    sli_plan_unref(opt);
    return s;
}

sl_status sl_frame_collect(const sl_frame *f, sl_result **out)
{
    if (!out) return f ? sli_error(f->ctx, SL_ERR_INVALID_ARG, "collect: out is NULL") : SL_ERR_INVALID_ARG;
    *out = NULL;
    sl_status s = ready(f);
    if (s) return s;
    sli_table *t = NULL;
    if ((s = run_plan(f->ctx, f->plan, &t))) return s;
    *out = sli_result_new(t);
    if (!*out) {
        sli_table_free(t);
        return sli_nomem(f->ctx, "result");
    }
    return SL_OK;
}

sl_status sl_frame_count(const sl_frame *f, int64_t *out)
{
    sl_status s = ready(f);
    if (s) return s;
    if (!out) return sli_error(f->ctx, SL_ERR_INVALID_ARG, "count: out is NULL");
    /* count(*) over the frame: an aggregate, so no rows are materialized */
    sli_plan *agg = sli_plan_new(SLI_PLAN_AGG);
    if (!agg || !(agg->aggs = calloc(1, sizeof *agg->aggs)) ||
        !sli_plan_add_col(agg, "count", sli_type(SL_TYPE_INT64))) {
        sli_plan_unref(agg);
        return sli_nomem(f->ctx, "count");
    }
    agg->in[0] = sli_plan_ref(f->plan);
    agg->naggs = 1;
    agg->aggs[0].fn = SLI_AGG_COUNT_STAR;
    agg->aggs[0].type = sli_type(SL_TYPE_INT64);
    sli_table *t = NULL;
    s = run_plan(f->ctx, agg, &t);
    sli_plan_unref(agg);
    if (s) return s;
    *out = ((const int64_t *)t->parts[0].cols[0]->data)[0];
    sli_table_free(t);
    return SL_OK;
}

/* EXPLAIN: the plans, the pipelines, where each runs (and with `kernels`,
 * the OpenCL C of the device pipelines). */
static sl_status explain(const sl_frame *f, bool kernels, char **out)
{
    sl_status s = ready(f);
    if (s) return s;
    if (!out) return sli_error(f->ctx, SL_ERR_INVALID_ARG, "explain: out is NULL");
    *out = NULL;
    sli_plan *opt = NULL;
    sli_physical *ph = NULL;
    if ((s = sli_optimize(f->ctx, f->plan, &opt))) return s;
    if ((s = sli_physical_build(f->ctx, opt, &ph))) {
        sli_plan_unref(opt);
        return s;
    }
    sli_sbuf b = {0};
    sli_sbuf_printf(&b, "== Logical plan ==\n");
    sli_plan_describe(f->plan, &b);
    sli_sbuf_printf(&b, "\n== Optimized plan ==\n");
    sli_plan_describe(opt, &b);
    sli_sbuf_printf(&b, "\n== Physical plan: %zu pipeline(s) ==\n", ph->npipes);
    sli_physical_describe(ph, sl_context_threads(f->ctx), &b);
    /* EXPLAIN shows why a pipeline stays on the CPU; --strict fails only a run. */
    bool strict = f->ctx->device_strict;
    f->ctx->device_strict = false;
    sli_devplan *dp = NULL;
    s = sli_devplan_make(f->ctx, ph, &dp);
    f->ctx->device_strict = strict;
    if (!s) {
        sli_sbuf_printf(&b, "\n");
        sli_devplan_describe(dp, kernels, &b);
    }
    sli_devplan_free(dp);
    sli_physical_free(ph);
    sli_plan_unref(opt);
    if (s) {
        sli_sbuf_free(&b);
        return s;
    }
    *out = sli_sbuf_take(&b);
    return *out ? SL_OK : sli_nomem(f->ctx, "explain");
}

sl_status sl_frame_explain(const sl_frame *f, char **out)
{
    return explain(f, false, out);
}

sl_status sl_frame_explain_kernels(const sl_frame *f, char **out)
{
    return explain(f, true, out);
}

/* Runs the plan with profiling on: its rows into *rows (NULL: discarded)
 * and the annotated plan into *text_out and *json_out (either NULL: not
 * made). Nothing is returned on failure. */
static sl_status run_profiled(const sl_frame *f, sl_result **rows, char **text_out, char **json_out)
{
    if (rows) *rows = NULL;
    if (text_out) *text_out = NULL;
    if (json_out) *json_out = NULL;
    sl_status s = ready(f);
    if (s) return s;
    sli_plan *opt = NULL;
    sli_physical *ph = NULL;
    sli_table *t = NULL;
    sli_profile prof = {0};
    s = sli_optimize(f->ctx, f->plan, &opt);
    if (!s) s = sli_physical_build(f->ctx, opt, &ph);
    if (!s) s = sli_execute_profiled(f->ctx, ph, &t, NULL, &prof);
    char *text = NULL, *json = NULL;
    if (!s && text_out) {
        sli_sbuf b = {0};
        sli_sbuf_printf(&b, "== Physical plan: %zu pipeline(s), analyzed: %zu thread(s), %llu row(s), ",
                        ph->npipes, prof.threads, (unsigned long long)prof.rows);
        sli_prof_put_ms(&b, prof.wall_ns);
        char peak[32];
        sli_mem_format_size(prof.peak_bytes, peak, sizeof peak);
        sli_sbuf_printf(&b, ", peak memory %s ==\n", peak);
        sli_physical_describe_profiled(ph, &prof, &b);
        if (!(text = sli_sbuf_take(&b))) s = sli_nomem(f->ctx, "explain analyze");
    }
    if (!s && json_out) {
        sli_sbuf b = {0};
        sli_physical_profile_json(ph, &prof, &b);
        if (!(json = sli_sbuf_take(&b))) s = sli_nomem(f->ctx, "explain analyze");
    }
    sl_result *r = NULL;
    if (!s && rows) {
        if ((r = sli_result_new(t)))
            t = NULL;
        else
            s = sli_nomem(f->ctx, "result");
    }
    sli_table_free(t);
    sli_profile_free(&prof);
    sli_physical_free(ph);
    sli_plan_unref(opt);
    if (s) {
        free(text);
        free(json);
        sl_result_destroy(r);
        return s;
    }
    if (rows) *rows = r;
    if (text_out) *text_out = text;
    if (json_out) *json_out = json;
    return SL_OK;
}

sl_status sl_frame_explain_analyze(const sl_frame *f, char **text_out, char **json_out)
{
    return run_profiled(f, NULL, text_out, json_out);
}

sl_status sl_frame_collect_profiled(const sl_frame *f, sl_result **out, char **text_out, char **json_out)
{
    if (!out)
        return f ? sli_error(f->ctx, SL_ERR_INVALID_ARG, "collect_profiled: out is NULL")
                 : SL_ERR_INVALID_ARG;
    *out = NULL;
    return run_profiled(f, out, text_out, json_out);
}

sl_status sl_frame_show(const sl_frame *f, int64_t n, FILE *out)
{
    sl_status s = ready(f);
    if (s) return s;
    if (!out) return sli_error(f->ctx, SL_ERR_INVALID_ARG, "show: out is NULL");
    sl_frame *limited = n >= 0 ? sli_frame_limit_n(f, n) : NULL;
    if (n >= 0 && !limited) return sl_context_last_status(f->ctx);
    sl_result *r = NULL;
    s = sl_frame_collect(limited ? limited : f, &r);
    sl_frame_destroy(limited);
    if (s) return s;
    s = sl_result_print(r, SL_FORMAT_TABLE, out);
    sl_result_destroy(r);
    return s ? sli_error(f->ctx, s, "show: cannot write the rows") : SL_OK;
}

sl_status sl_frame_write_csv(const sl_frame *f, const char *path)
{
    sl_status s = ready(f);
    if (s) return s;
    if (!path) return sli_error(f->ctx, SL_ERR_INVALID_ARG, "write_csv: path is NULL");
    sli_table *t = NULL;
    if ((s = run_plan(f->ctx, f->plan, &t))) return s;
    /* Write to a temporary file and rename, so a failure never leaves a
     * truncated file where the old one was. */
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp) {
        sli_table_free(t);
        return sli_nomem(f->ctx, "write_csv");
    }
    snprintf(tmp, plen + 16, "%s.tmp%d", path, (int)(plen % 997));
    FILE *fp = fopen(tmp, "wb");
    if (!fp) {
        s = sli_error(f->ctx, SL_ERR_IO, "cannot write '%s'", path);
    } else {
        s = sli_csv_write(f->ctx, t, fp);
        if (fclose(fp) != 0 && !s) s = sli_error(f->ctx, SL_ERR_IO, "cannot write '%s'", path);
        if (!s && rename(tmp, path) != 0) s = sli_error(f->ctx, SL_ERR_IO, "cannot write '%s'", path);
        if (s) remove(tmp);
    }
    free(tmp);
    sli_table_free(t);
    return s;
}

sl_status sl_frame_write_parquet(const sl_frame *f, const char *path, const sl_parquet_options *opts)
{
    sl_status s = ready(f);
    if (s) return s;
    if (!path) return sli_error(f->ctx, SL_ERR_INVALID_ARG, "write_parquet: path is NULL");
    sli_table *t = NULL;
    if ((s = run_plan(f->ctx, f->plan, &t))) return s;
    /* sli_parquet_write writes a temporary file and renames it into place. */
    s = sli_parquet_write(f->ctx, t, path, opts);
    sli_table_free(t);
    return s;
}
