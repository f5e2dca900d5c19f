/*
 * eval.h — vectorized evaluation of bound expressions.
 *
 * An evaluator is made once per expression and pipeline (later: per worker)
 * and owns the scratch vectors of every node, so evaluating a chunk never
 * allocates. Values are computed only at the chunk's selected positions;
 * predicates refine the selection with branch-free selection kernels (and:
 * one after the other; or: the second only on rows the first rejected).
 * A case evaluates each condition as a selection over the rows no earlier
 * branch took and each value only on its own rows, writing results at their
 * row positions (never compacting). Date parts and date arithmetic run the
 * kernels of kernels/date.h.
 *
 * One evaluator may hold a list of expressions (sli_eval_create_list): equal
 * value subexpressions among them (arithmetic, casts, date functions, and
 * whole expressions) are built once and computed once per evaluation, the
 * other expressions reading the first result. When most of a chunk's rows
 * are selected and every expression is plain arithmetic over fixed-width
 * values, values are computed for every row of the chunk (dense loops); an
 * error there is not reported but makes the evaluator compute the selected
 * rows again, and only those from then on.
 * Not thread-safe: one evaluator per thread.
 */
#ifndef SLI_EVAL_H
#define SLI_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "planner/expr.h"
#include "vector.h"

typedef struct sli_eval sli_eval;

/**
 * Prepares an evaluator for a bound expression (which must outlive it).
 * @return SL_OK or SL_ERR_NOMEM (recorded on ctx).
 */
sl_status sli_eval_create(sl_context *ctx, const sli_expr *e, sli_eval **out);

/**
 * Prepares one evaluator for n bound expressions (NULL entries compute
 * nothing), sharing their equal value subexpressions. The expressions must
 * outlive the evaluator.
 * @return SL_OK or SL_ERR_NOMEM (recorded on ctx).
 */
sl_status sli_eval_create_list(sl_context *ctx, const sli_expr *const *exprs, size_t n, sli_eval **out);

/** Frees the evaluator and its scratch. NULL is ignored. */
void sli_eval_free(sli_eval *ev);

/**
 * Computes every expression of the list for the selected rows of `in` into
 * outs[i] (left as is for a NULL expression). Results may point into `in`
 * or into the evaluator's scratch (equal expressions: the same scratch),
 * valid until the next call.
 * @return SL_OK, SL_ERR_OVERFLOW or SL_ERR_DIV_ZERO (recorded on ctx).
 */
sl_status sli_eval_values(sli_eval *ev, const sli_chunk *in, sli_vec *outs);

/**
 * Computes the expression of a one-expression evaluator (sli_eval_create)
 * for the selected rows of `in`. The result vector
 * may point into `in` or into the evaluator's scratch, valid until the next
 * call. @return SL_OK, SL_ERR_OVERFLOW or SL_ERR_DIV_ZERO (recorded on ctx).
 */
sl_status sli_eval_value(sli_eval *ev, const sli_chunk *in, sli_vec *out);

/**
 * Evaluates a boolean expression and writes the selected rows of `in` for
 * which it is true (not false, not NULL) to out (SLI_VEC_SIZE capacity).
 */
sl_status sli_eval_select(sli_eval *ev, const sli_chunk *in, uint32_t *out, size_t *nout);

/**
 * Scans filter morsels by column (executor.c's scan source, scan_window.h):
 * @return how many leading conjuncts of the evaluator's predicate (an AND
 * chain, or one test) compare one fixed-width column with literals (a
 * range, or =, <, <=, >, >=), so that sli_eval_scan_bits can test them on
 * vectors of any length. 0 when the first one does not.
 */
size_t sli_eval_scan_tests(sli_eval *ev);

/**
 * @return whether predicate e starts with a bound test on a fixed-width
 * column (its first conjunct compares one with a literal by =, <, <=, > or
 * >=) and has at most 16 conjuncts: the filters a scan tests over windows
 * (sli_eval_scan_tests is then above 0).
 */
bool sli_eval_leads_with_column_test(const sli_expr *e);

/**
 * Marks read[c] for each column c (of the chunks sli_eval_scan_bits takes,
 * c < ncols) that the first `tests` leading conjuncts test.
 */
void sli_eval_scan_columns(sli_eval *ev, size_t tests, bool *read, size_t ncols);

/**
 * Tests up to max_tests (at most sli_eval_scan_tests) leading conjuncts
 * over the in->n dense rows of `in` (no selection; its vectors may be longer
 * than SLI_VEC_SIZE), bit i of bits[i / 64] set when row i passes every one
 * ((n + 63) / 64 words, bits past n zero). Once few rows pass, the further
 * conjuncts among them test only those rows (for the whole of `in` at once),
 * and the rows passing them all come back as a list instead: *rows (owned
 * by ev, valid until its next call) holds *nrows ascending row numbers, and
 * bits is left as it was after the dense tests. *rows is NULL when bits
 * holds the answer. The rest is left to sli_eval_select_from.
 * @return SL_OK or SL_ERR_NOMEM; *tested says how many conjuncts the bits
 * or the list hold (≥ 1).
 */
sl_status sli_eval_scan_bits(sli_eval *ev, const sli_chunk *in, size_t max_tests, uint64_t *bits,
                             size_t *tested, const uint32_t **rows, size_t *nrows);

/**
 * sli_eval_select for the conjuncts from index `from` on: the selected rows
 * of `in` (which passed the ones before) that pass the rest, into out
 * (SLI_VEC_SIZE capacity; not in->sel).
 */
sl_status sli_eval_select_from(sli_eval *ev, const sli_chunk *in, size_t from, uint32_t *out, size_t *nout);

/** @return true when a and b are the same bound expression (same tree,
 *  columns, literals and types), so they compute the same values. */
bool sli_eval_same_expr(const sli_expr *a, const sli_expr *b);

/** @return a short description of the kernels an expression uses, e.g.
 *  "cmp_const_i64[lt]"; written into buf (for EXPLAIN). */
void sli_eval_describe(const sli_expr *e, char *buf, size_t cap);

#endif
