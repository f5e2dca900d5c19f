/*
 * result_pass.h — the query's result taken straight from the output of the
 * pipeline before it.
 *
 * A query whose plan ends in an aggregate or a sort has a last pipeline that
 * only reads that breaker's output into the result: no operators between
 * source and sink. Running it as a pipeline copies every row once per
 * worker's builders and once more to put them in morsel order. Instead, the
 * result takes the breaker's output table itself: its non-empty partitions
 * move into the result, in partition order (the order a scan would read
 * them in), and nothing is copied. A result of several partitions reads as
 * one sequence of rows (result.h). The rows and their order are those the
 * pipeline would have produced.
 *
 * Thread safety: like the executor, one call per query.
 */
#ifndef SLI_RESULT_PASS_H
#define SLI_RESULT_PASS_H

#include <stdbool.h>
#include <stddef.h>

#include "planner/pipeline.h"
#include "sluice/sluice.h"
#include "table.h"

/**
 * @return whether pipeline p only passes the output of an earlier pipeline
 * to the result: a pipeline source, no operators, a result sink, and a
 * source table whose schema has the result's types (src: that table).
 */
bool sli_result_passes(const sli_pipeline *p, const sli_table *src);

/**
 * Makes the result of pipeline p (sli_result_passes holds) from *src, the
 * output of its source pipeline, which this call consumes: *src is NULL on
 * return, success or not. Its non-empty partitions move into the result,
 * in order; without any, the result has one empty partition.
 * @return SL_OK with *out set (owned by the caller), or SL_ERR_NOMEM
 *         (recorded on ctx as a materialize failure).
 */
sl_status sli_result_pass(sl_context *ctx, const sli_pipeline *p, sli_table **src, sli_table **out);

#endif
