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

/** Splits an AND tree into conjuncts (taking the tree). @return false on NOMEM. */
bool sli_opt_conjuncts(sli_expr *e, sli_expr ***list, size_t *n, size_t *cap);

/** @return the AND of a list of conjuncts (taking them), or NULL when n is 0
 *  or on NOMEM (then *nomem is set and the list is freed). */
sli_expr *sli_opt_and_all(sli_expr **list, size_t n, bool *nomem);

/** Replaces p's output schema by a copy of names/types. @return false on NOMEM. */
bool sli_opt_set_schema(sli_plan *p, char *const *names, const sl_type *types, size_t n);

/** @return a FILTER node over child (taking it) with pred, or NULL on NOMEM. */
sli_plan *sli_opt_filter(sli_plan *child, sli_expr *pred);

#endif
