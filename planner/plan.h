/*
 * plan.h — logical plan nodes.
 *
 * A plan is a tree of immutable, reference-counted nodes; frames share
 * subtrees. Each node knows its output schema (names and types). Expressions
 * in a node are bound: their column indexes point into the node's input
 * (for a join: the left columns followed by the right ones; join keys are
 * bound to their own side).
 *
 *   SCAN     table columns `cols` of a registered table
 *   FILTER   rows of in[0] where `pred` is true
 *   PROJECT  `exprs` over in[0], one per output column
 *   JOIN     equi-join (`jtype`: inner, left outer, semi, anti) of in[0]
 *            (probe side) and in[1] (build side) on lkeys[i] = rkeys[i];
 *            output: left columns then right columns (semi, anti: left only)
 *   AGG      group in[0] by `groups`, compute `aggs`; output: groups then aggs
 *   SORT     in[0] ordered by `keys` (SLI_EX_ORDER nodes)
 *   LIMIT    the first `limit` rows of in[0]
 */
#ifndef SLI_PLAN_H
#define SLI_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "expr.h"
#include "runtime/join_type.h"
#include "runtime/sbuf.h"
#include "runtime/table.h"

typedef enum sli_plan_kind {
    SLI_PLAN_SCAN,
    SLI_PLAN_FILTER,
    SLI_PLAN_PROJECT,
    SLI_PLAN_JOIN,
    SLI_PLAN_AGG,
    SLI_PLAN_SORT,
    SLI_PLAN_LIMIT,
} sli_plan_kind;

typedef enum sli_agg_fn {
    SLI_AGG_COUNT_STAR,
    SLI_AGG_COUNT,
    SLI_AGG_SUM,
    SLI_AGG_MIN,
    SLI_AGG_MAX,
    SLI_AGG_AVG,
} sli_agg_fn;

typedef struct sli_agg {
    sli_agg_fn fn;
    sli_expr *arg; /**< bound to the AGG node's input; NULL for count(*) */
    sl_type type;  /**< result type */
} sli_agg;

typedef struct sli_plan {
    size_t refcount;
    sli_plan_kind kind;
    struct sli_plan *in[2];

    size_t ncols; /**< output schema */
    char **names;
    sl_type *types;

    const sli_table *table; /**< SCAN */
    size_t *cols;           /**< SCAN: table column per output column */
    sli_expr *pred;         /**< FILTER */
    sli_expr **exprs;       /**< PROJECT: ncols expressions */
    size_t nkeys;           /**< JOIN, SORT */
    sli_expr **lkeys;       /**< JOIN: bound to in[0] */
    sli_expr **rkeys;       /**< JOIN: bound to in[1] */
    sli_join_type jtype;    /**< JOIN */
    bool ordered;           /**< JOIN: inputs placed by opt_join_order.c; later passes keep them */
    sli_expr **keys;        /**< SORT: ORDER nodes bound to in[0] */
    size_t ngroups;         /**< AGG */
    sli_expr **groups;
    size_t naggs;
    sli_agg *aggs;
    int64_t limit; /**< LIMIT */
} sli_plan;

/** @return a node of `kind` with refcount 1 and no schema, or NULL. */
sli_plan *sli_plan_new(sli_plan_kind kind);

/** Adds a reference. @return p. */
sli_plan *sli_plan_ref(sli_plan *p);

/** Drops a reference; frees the node (and drops its inputs) at zero. */
void sli_plan_unref(sli_plan *p);

/** Appends an output column (name copied). @return false on NOMEM. */
bool sli_plan_add_col(sli_plan *p, const char *name, sl_type type);

/** @return a deep copy of the whole tree (fresh nodes, refcount 1), or NULL. */
sli_plan *sli_plan_clone(const sli_plan *p);

/** @return the aggregate function's name ("sum"). */
const char *sli_agg_name(sli_agg_fn fn);

/** Appends an indented tree description of the plan (one node a line). */
void sli_plan_describe(const sli_plan *p, sli_sbuf *out);

#endif
