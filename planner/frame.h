/*
 * frame.h — lazy DataFrames: each transformation binds its expressions
 * against the input's schema and returns a new frame over a new plan node.
 *
 * The public sl_frame_* functions (frame_api.c) parse their text arguments
 * and call these; the plan-file front end (plan_file.c) calls them with the
 * parsed arguments of each step. Every function here takes ownership of the
 * expression trees and arrays passed in, also on failure.
 */
#ifndef SLI_FRAME_H
#define SLI_FRAME_H

#include "expr.h"
#include "plan.h"
#include "source.h"

struct sl_frame {
    sl_context *ctx;
    sli_plan *plan;    /**< one reference held */
    size_t ngroups;    /**< > 0 after groupBy until agg */
    sli_expr **groups; /**< bound group keys (pending groupBy) */
    char **group_names;
    bool grouped; /**< groupBy was called; only agg may follow */
    char *output; /**< the file a plan's final write("...") step names, or NULL; owned */
};

/** @return a frame over plan (taking the reference), or NULL (plan dropped). */
sl_frame *sli_frame_new(sl_context *ctx, sli_plan *plan);

sl_frame *sli_frame_select(const sl_frame *f, sli_expr **exprs, size_t n, const sli_source *src);
sl_frame *sli_frame_where(const sl_frame *f, sli_expr *pred, const sli_source *src);
/** conds: conjuncts of the join condition (usually one tree); how: the join type. */
sl_frame *sli_frame_join(const sl_frame *l, const sl_frame *r, sli_expr **conds, size_t n, sli_join_type how,
                         const sli_source *src);
sl_frame *sli_frame_group_by(const sl_frame *f, sli_expr **keys, size_t n, const sli_source *src);
sl_frame *sli_frame_agg(const sl_frame *f, sli_expr **aggs, size_t n, const sli_source *src);
/** keys are SLI_EX_ORDER nodes. */
sl_frame *sli_frame_order_by(const sl_frame *f, sli_expr **keys, size_t n, const sli_source *src);
sl_frame *sli_frame_limit_n(const sl_frame *f, int64_t n);

#endif
