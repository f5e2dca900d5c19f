/*
 * optimizer.h — rewrites a logical plan into an equivalent, cheaper one.
 *
 * The optimizer works on a private copy of the plan (frames share theirs)
 * and applies its passes in order, one file per pass:
 *   opt_fold.c      constant folding of literal-only subexpressions
 *   opt_or_factor.c conjuncts common to every branch of an OR taken out
 *                   of it (a join key written in each branch of TPC-H Q19)
 *   opt_pushdown.c  filters pushed through projections (computed columns
 *                   substituted), sorts and joins toward the scans (and what
 *                   an OR over both inputs of a join implies about each),
 *                   adjacent filters merged
 *   opt_semi_push.c semi and anti joins moved below the inner joins whose
 *                   one input their keys use
 *   opt_join_order.c  each tree of inner joins rebuilt in the order of least
 *                   estimated cost (cardinality estimates, equivalence
 *                   classes of keys); a projection keeps the column order
 *   opt_join_side.c the smaller input (estimated) of an inner join is its
 *                   build side, for the joins opt_join_order.c left alone
 *   opt_prune.c     only the columns a query uses are scanned and carried
 *                   (a projection drops the columns, computed or not, that
 *                   nobody above reads)
 *   opt_project.c   adjacent projections merged into one, projections that
 *                   pass their input through unchanged removed
 *   opt_filter_order.c  a filter's conjuncts ordered cheap and selective
 *                   first, never across one that can raise an error
 */
#ifndef SLI_OPTIMIZER_H
#define SLI_OPTIMIZER_H

#include "plan.h"

/**
 * @param out receives the optimized plan (caller unrefs).
 * @return SL_OK, SL_ERR_NOMEM, or an evaluation error from constant folding
 *         (e.g. a literal division by zero), recorded on ctx.
 */
sl_status sli_optimize(sl_context *ctx, const sli_plan *plan, sli_plan **out);

/* The passes; each rewrites *p in place (the root may be replaced). */
sl_status sli_opt_fold(sl_context *ctx, sli_plan **p);
sl_status sli_opt_or_factor(sl_context *ctx, sli_plan **p);
sl_status sli_opt_pushdown(sl_context *ctx, sli_plan **p);
sl_status sli_opt_semi_push(sl_context *ctx, sli_plan **p);
sl_status sli_opt_join_order(sl_context *ctx, sli_plan **p);

/**
 * The rows opt_join_order.c estimates for the tree of inner joins rooted at
 * p (another node: sli_opt_estimate_rows). @return the estimate, or -1
 * when the tree is one it cannot describe or memory ran out.
 */
double sli_opt_join_rows(const sli_plan *p);
sl_status sli_opt_join_side(sl_context *ctx, sli_plan **p);
sl_status sli_opt_prune(sl_context *ctx, sli_plan **p);
sl_status sli_opt_project(sl_context *ctx, sli_plan **p);
sl_status sli_opt_filter_order(sl_context *ctx, sli_plan **p);

#endif
