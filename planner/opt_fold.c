/*
 * opt_fold.c — constant folding: every subexpression without column
 * references (such as `1 - 0.05` or `cast('1995-03-15' as date) > x`'s left
 * side, `date '1995-03-15' + interval '3' month`, or a case over literals) is
 * evaluated once at plan time by the same vectorized evaluator that runs
 * queries, and replaced by a literal. Interval operands are never folded on
 * their own: they only have a meaning next to their date.
 */
#include <stdlib.h>
#include <string.h>

#include "optimizer.h"
#include "runtime/context.h"
#include "runtime/eval.h"

static bool constant(const sli_expr *e)
{
    if (e->kind == SLI_EX_COLUMN || e->kind == SLI_EX_STAR) return false;
    /* bound calls are scalar functions (aggregates became column references) */
    if (e->kind == SLI_EX_CALL && sli_date_part_of(e->name) < 0) return false;
    for (size_t i = 0; i < e->nargs; i++)
        if (!e->args[i] || !constant(e->args[i])) return false;
    return true;
}

static sl_status fold_expr(sl_context *ctx, sli_expr **pe)
{
    sli_expr *e = *pe;
    if (!e) return SL_OK;
    if (e->kind == SLI_EX_LITERAL || e->kind == SLI_EX_INTERVAL) return SL_OK;
    if (!constant(e) || e->kind == SLI_EX_ORDER || e->kind == SLI_EX_ALIAS) {
        for (size_t i = 0; i < e->nargs; i++) {
            sl_status s = fold_expr(ctx, &e->args[i]);
            if (s && e->kind == SLI_EX_CASE && i > 0 && (s == SL_ERR_DIV_ZERO || s == SL_ERR_OVERFLOW)) {
                /* A case part after the first condition may never run: its
                 * error belongs to the rows that reach it, if any, at run time. */
                sli_error_clear(ctx);
                continue;
            }
            if (s) return s;
        }
        return SL_OK;
    }
    sli_eval *ev;
    sl_status s = sli_eval_create(ctx, e, &ev);
    if (s) return s;
    sli_chunk one = {1, 1, NULL, 0, NULL};
    sli_vec v;
    s = sli_eval_value(ev, &one, &v);
    if (s) {
        sli_eval_free(ev);
        return s;
    }
    sli_expr *lit = sli_expr_new(SLI_EX_LITERAL, e->line, e->col);
    if (!lit) {
        sli_eval_free(ev);
        return sli_nomem(ctx, "constant folding");
    }
    lit->type = lit->lit.type = e->type;
    lit->lit.is_null = !sli_valid(v.validity, 0);
    if (!lit->lit.is_null) {
        switch (sli_ptype(e->type)) {
        case SL_P_I8: lit->lit.i = ((const int8_t *)v.data)[0]; break;
        case SL_P_I16: lit->lit.i = ((const int16_t *)v.data)[0]; break;
        case SL_P_I32: lit->lit.i = ((const int32_t *)v.data)[0]; break;
        case SL_P_I64: lit->lit.i = ((const int64_t *)v.data)[0]; break;
        case SL_P_F64: lit->lit.f = ((const double *)v.data)[0]; break;
        default: {
            /* utf8: the view may point into e's own literals, so copy before freeing e */
            sli_strview sv =
                v.dict ? v.dict->views[((const int32_t *)v.data)[0]] : ((const sli_strview *)v.data)[0];
            lit->lit.s = malloc((size_t)sv.len + 1);
            if (!lit->lit.s) {
                sli_expr_free(lit);
                sli_eval_free(ev);
                return sli_nomem(ctx, "constant folding");
            }
            if (sv.len) memcpy(lit->lit.s, sv.ptr, sv.len);
            lit->lit.s[sv.len] = 0;
            lit->lit.slen = sv.len;
            break;
        }
        }
    }
    sli_eval_free(ev);
    sli_expr_free(e);
    *pe = lit;
    return SL_OK;
}

static sl_status fold_list(sl_context *ctx, sli_expr **list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sl_status s = fold_expr(ctx, &list[i]);
        if (s) return s;
    }
    return SL_OK;
}

static sl_status fold_plan(sl_context *ctx, sli_plan *p)
{
    sl_status s = SL_OK;
    for (int i = 0; i < 2 && !s; i++)
        if (p->in[i]) s = fold_plan(ctx, p->in[i]);
    if (s) return s;
    switch (p->kind) {
    case SLI_PLAN_FILTER: return fold_expr(ctx, &p->pred);
    case SLI_PLAN_PROJECT: return fold_list(ctx, p->exprs, p->ncols);
    case SLI_PLAN_JOIN:
        if ((s = fold_list(ctx, p->lkeys, p->nkeys))) return s;
        return fold_list(ctx, p->rkeys, p->nkeys);
    case SLI_PLAN_AGG:
        if ((s = fold_list(ctx, p->groups, p->ngroups))) return s;
        for (size_t i = 0; i < p->naggs && !s; i++) s = fold_expr(ctx, &p->aggs[i].arg);
        return s;
    case SLI_PLAN_SORT: return fold_list(ctx, p->keys, p->nkeys);
    default: return SL_OK;
    }
}

sl_status sli_opt_fold(sl_context *ctx, sli_plan **p)
{
    return fold_plan(ctx, *p);
}
