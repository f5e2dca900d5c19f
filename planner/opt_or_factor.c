/*
 * opt_or_factor.c — OR factoring. In a filter, a conjunct common to every
 * branch of an OR is taken out of it: `(a and b) or (a and c)` becomes
 * `a and (b or c)` (sli_opt_factor_or in opt_util.c, which the SQL planner
 * also calls on WHERE before it looks for join equalities). A join key or a
 * one-table condition written inside each branch (TPC-H Q19) so becomes a
 * plain conjunct that pushdown can move into a join or down to a scan.
 * Runs before opt_pushdown.c.
 */
#include "opt_util.h"
#include "optimizer.h"
#include "runtime/context.h"

static sl_status walk(sl_context *ctx, sli_plan *p)
{
    if (p->kind == SLI_PLAN_FILTER && p->pred) {
        bool nomem = false;
        p->pred = sli_opt_factor_or(p->pred, &nomem);
        if (nomem) return sli_nomem(ctx, "optimizer");
    }
    for (int i = 0; i < 2; i++) {
        if (!p->in[i]) continue;
        sl_status s = walk(ctx, p->in[i]);
        if (s) return s;
    }
    return SL_OK;
}

sl_status sli_opt_or_factor(sl_context *ctx, sli_plan **p)
{
    return walk(ctx, *p);
}
