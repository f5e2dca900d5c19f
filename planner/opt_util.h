/*
 * opt_util.h — small helpers the optimizer passes share: column reference
 * sets, index remapping, conjunct lists and schema copies.
 */
#ifndef SLI_OPT_UTIL_H
#define SLI_OPT_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"

/** Sets used[i] for every column i that e references. */
void sli_opt_mark(const sli_expr *e, bool *used);

/** @return true when every column e references is in [lo, hi). */
bool sli_opt_refs_within(const sli_expr *e, int lo, int hi);

/** Rewrites each column index i of e to map[i]. */
void sli_opt_remap(sli_expr *e, const int *map);

/** Adds `by` to every column index of e. */
void sli_opt_shift(sli_expr *e, int by);

/**
 * Rewrites *pe, an expression over projection p's output, over p's input:
 * each column is replaced by a copy of the expression of p that computes
 * it; with keep_names, a column p only passes through keeps its own node
 * (and name) and takes its input index instead.
 * @return false on NOMEM (the tree stays whole, partly rewritten).
 */
bool sli_opt_inline_projection(sli_expr **pe, const sli_plan *p, bool keep_names);

/** Splits an AND tree into conjuncts (taking the tree). @return false on NOMEM. */
bool sli_opt_conjuncts(sli_expr *e, sli_expr ***list, size_t *n, size_t *cap);

/**
 * Replaces the predicate of every FILTER node of the tree p by fn(pred,
 * input), which takes the predicate (input: the filter's input plan) and
 * returns its replacement, setting *nomem when it could not allocate (it
 * then returns a usable predicate).
 * @return SL_OK or SL_ERR_NOMEM (recorded on ctx).
 */
sl_status sli_opt_rewrite_filters(sl_context *ctx, sli_plan *p,
                                  sli_expr *(*fn)(sli_expr *pred, const sli_plan *input, bool *nomem));

/** @return the AND of a list of conjuncts (taking them), or NULL when n is 0
 *  or on NOMEM (then *nomem is set and the list is freed). */
sli_expr *sli_opt_and_all(sli_expr **list, size_t n, bool *nomem);

/** Replaces p's output schema by a copy of names/types. @return false on NOMEM. */
bool sli_opt_set_schema(sli_plan *p, char *const *names, const sl_type *types, size_t n);

/** @return true when a and b are the same tree: kinds, operators, names
 *  (and SQL qualifiers), column indexes, literals, casts and types all equal.
 *  Works on bound and on unbound (name-resolved) trees; conservative: trees
 *  that differ only in spelling compare unequal. */
bool sli_opt_expr_eq(const sli_expr *a, const sli_expr *b);

/**
 * OR factoring: in every top-level conjunct of e that is an OR, the
 * conjuncts common to all OR branches are taken out:
 * `(a and b) or (a and c)` becomes `a and (b or c)`, and `(a and b) or a`
 * becomes `a` (a branch left empty is true). Kleene logic keeps the
 * distributive law, so NULLs give the same result. Takes e (NULL allowed).
 * @return the rewritten tree, or NULL with *nomem set (e freed).
 */
sli_expr *sli_opt_factor_or(sli_expr *e, bool *nomem);

/**
 * Distinct values of column col of plan p's output, when the data say so:
 * the largest dictionary of a dictionary-encoded utf8 column of a table in
 * memory, traced through filters and renames (so the executor compares its
 * 4-byte codes). @return 0 when unknown (any other column).
 */
double sli_opt_column_ndv(const sli_plan *p, int col);

/**
 * @return whether column col of plan p's output is a string column that
 * reads as dictionary codes: dictionary-encoded in a table in memory, or
 * (as its source says) likely so in a table read from storage (a Parquet
 * column with a dictionary page in every row group). Traced as
 * sli_opt_column_ndv traces.
 */
bool sli_opt_column_coded(const sli_plan *p, int col);

/**
 * The estimated selectivity of one filter conjunct over `input` (NULL: no
 * data to look at). A column compared with literals whose distinct values
 * are known (a dictionary-encoded string column of a table in memory):
 * `=` 1/d, `<>` 1 - 1/d, IN k/d. Otherwise defaults, for lack of
 * statistics: an equality (`=`, a non-negated IS NULL) 0.1, a range (`<`,
 * `<=`, `>`, `>=`, BETWEEN) 0.3, an IN list 0.1 per value (at most 0.5),
 * LIKE 0.1 (NOT LIKE 0.9), anything else 0.5. An AND is the product of its operands', an OR a + b - ab.
 */
double sli_opt_selectivity(const sli_expr *conjunct, const sli_plan *input);

/**
 * Estimated output rows of a plan: a scan, its table's row count (an
 * external Parquet table knows it too); a filter, its input times the
 * selectivity of each conjunct (two ranges on one column, a BETWEEN as the
 * binder writes it, count once); a join, its probe (left) input; an
 * aggregate, one row without groups, else 10% of its input (at least 1);
 * a limit, at most its count; other nodes, their input.
 */
double sli_opt_estimate_rows(const sli_plan *p);

/** @return a reference to input column `index` named `name` (copied) of
 *  type `type`, or NULL on NOMEM. */
sli_expr *sli_opt_column_ref(const char *name, sl_type type, int index);

/** @return a FILTER node over child (taking it) with pred, or NULL on NOMEM. */
sli_plan *sli_opt_filter(sli_plan *child, sli_expr *pred);

#endif
