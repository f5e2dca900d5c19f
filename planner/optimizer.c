/*
 * optimizer.c — runs the optimizer passes over a private copy of a plan.
 */
#include "optimizer.h"

#include "runtime/context.h"

sl_status sli_optimize(sl_context *ctx, const sli_plan *plan, sli_plan **out)
{
    *out = NULL;
    sli_plan *p = sli_plan_clone(plan);
    if (!p) return sli_nomem(ctx, "optimizer");
    sl_status s = sli_opt_fold(ctx, &p);
    if (!s) s = sli_opt_or_factor(ctx, &p);
    if (!s) s = sli_opt_pushdown(ctx, &p);
    if (!s) s = sli_opt_semi_push(ctx, &p);
    if (!s) s = sli_opt_join_order(ctx, &p);
    if (!s) s = sli_opt_join_side(ctx, &p);
    if (!s) s = sli_opt_prune(ctx, &p);
    if (!s) s = sli_opt_project(ctx, &p);
    if (!s) s = sli_opt_filter_order(ctx, &p);
    if (s) {
        sli_plan_unref(p);
        return s;
    }
    *out = p;
    return SL_OK;
}
