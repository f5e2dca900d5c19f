/*
 * eval_bounds.h — the predicate shapes the evaluator (eval.c) plans by:
 * a comparison of a value with a literal as a bound, two bounds of one
 * value as a range, the bound tests that can run as bitmaps over dense
 * rows, and the first conjunct of an AND chain. These read bound
 * expressions only; eval.c keeps what it computes from them per node.
 * Thread-safe: pure functions.
 */
#ifndef SLI_EVAL_BOUNDS_H
#define SLI_EVAL_BOUNDS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "kernels/cast.h"
#include "kernels/filter.h"
#include "planner/expr.h"

/** Most conjuncts of an AND chain that a dense selection looks at. */
#define SLI_DENSE_MAX_CONJ 16

/** @return whether e calls the function `name`. */
static inline bool sli_is_call(const sli_expr *e, const char *name)
{
    return e->kind == SLI_EX_CALL && e->name && strcmp(e->name, name) == 0;
}

/** @return op with its operands swapped (a < b is b > a). */
sl_cmp sli_cmp_mirror(sl_cmp op);

/** A bound: an expression comparing a fixed-width value (argument vi) with
 *  a non-NULL literal by <, <=, > or >=. */
typedef struct sli_rbound {
    const sli_expr *val;
    int vi;
    bool lower, strict;
    const sli_value *lit;
} sli_rbound;

/** @return whether e is a bound, described in *b. */
bool sli_bound_of(const sli_expr *e, sli_rbound *b);

/**
 * The range test an AND expression ends with: its two conjuncts (*rest 0),
 * or its second and the last conjunct of its first, an AND (*rest 1: the
 * first's first conjunct comes before). Float bounds only when inclusive.
 * @return whether there is one.
 */
bool sli_range_shape(const sli_expr *e, sli_rbound *lo, sli_rbound *hi, int *rest);

/** Inclusive integer bounds *l..*h of a range over physical type pt.
 *  @return false when no value of the type lies in it. */
bool sli_int_bounds(sl_ptype pt, const sli_rbound *lo, const sli_rbound *hi, int64_t *l, int64_t *h);

/** @return whether e compares a fixed-width column (any value when
 *  !column) with a non-NULL literal by =, <, <=, > or >=: a bound test. */
bool sli_bound_test(const sli_expr *e, bool column);

/** @return the first conjunct of an AND chain (e itself when no AND). */
const sli_expr *sli_first_conjunct(const sli_expr *e);

#endif
