/*
 * bind.h — name resolution and type checking of expressions.
 *
 * Binding turns a parsed tree into one the executor can run: column names
 * become input indexes, every node gets a type, operands are coerced to a
 * common type by inserted casts (literal casts are folded at once), BETWEEN
 * and IN are rewritten into comparisons, and NOT is pushed down to the
 * comparisons (negation normal form, which keeps SQL's three-valued logic).
 *
 * case: conditions are boolean; the values meet in one type (numbers widen
 * as in comparisons, utf8 only with utf8, NULL with anything); a missing
 * else becomes a typed NULL. year/month/day(date) give int32. Dates:
 * date +- integer days -> date, date - date -> int64, date +- interval:
 * a day interval becomes integer days, a month or year interval stays an
 * SLI_EX_INTERVAL operand of the + or -.
 */
#ifndef SLI_BIND_H
#define SLI_BIND_H

#include <stddef.h>

#include "expr.h"
#include "plan.h"
#include "source.h"

/** The columns an expression can see. */
typedef struct sli_scope {
    size_t ncols;
    char *const *names;
    const sl_type *types;
} sli_scope;

/** Collects aggregate calls met while binding an agg() list. */
typedef struct sli_agg_collector {
    sli_scope input; /**< what aggregate arguments bind against */
    size_t base;     /**< output index of the first aggregate (number of group keys) */
    sli_agg *aggs;   /**< collected; owned by the collector's user */
    size_t naggs;
    size_t cap;
} sli_agg_collector;

/**
 * Binds *e against scope in place (the root may be replaced).
 * @param aggs NULL where aggregate calls are not allowed; else aggregate calls
 *        are moved into it and replaced by references to their output column.
 * @return SL_OK, or an error recorded on ctx (unknown/ambiguous column with
 *         candidates, type error naming the expression and both types).
 */
sl_status sli_bind_expr(sl_context *ctx, const sli_source *src, sli_expr **e, const sli_scope *scope,
                        sli_agg_collector *aggs);

/**
 * Binds a predicate and checks that it is boolean.
 */
sl_status sli_bind_predicate(sl_context *ctx, const sli_source *src, sli_expr **e, const sli_scope *scope);

/**
 * Wraps *e in a cast to `to` (folding it when *e is a literal).
 * @return SL_OK, SL_ERR_TYPE when the cast is not allowed or a literal does
 *         not fit, or SL_ERR_NOMEM.
 */
sl_status sli_coerce(sl_context *ctx, const sli_source *src, sli_expr **e, sl_type to);

/**
 * Replaces a bound boolean expression by its negation in negation normal
 * form (NOT pushed to comparisons; NULL stays NULL). @return SL_OK or NOMEM.
 */
sl_status sli_negate(sl_context *ctx, sli_expr **e);

/** @return the name an output column takes from its expression: the alias,
 *  the column name, or the expression's text. Caller frees. */
char *sli_expr_output_name(const sli_expr *e, const sli_scope *scope);

/** @return a scope over a plan node's output. */
sli_scope sli_plan_scope(const sli_plan *p);

#endif
