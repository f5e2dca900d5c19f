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

/* sli_opt_factor_or as a filter rewrite (it needs no input). */
static sli_expr *factor(sli_expr *pred, const sli_plan *input, bool *nomem)
{
    (void)input;
    return sli_opt_factor_or(pred, nomem);
}

sl_status sli_opt_or_factor(sl_context *ctx, sli_plan **p)
{
    return sli_opt_rewrite_filters(ctx, *p, factor);
}
