/*
 * opt_filter_order.c — conjunct ordering. The executor evaluates a
 * filter's AND chain left to right, each conjunct only on the rows the
 * ones before it kept, so the cheap and selective conjuncts should come
 * first. Within one filter the conjuncts are stably sorted by rank:
 *   0  a column compared for equality with a literal (numeric, date, bool)
 *   1  a column compared with a literal by a range (<, <=, >, >=, BETWEEN)
 *   2  other comparisons of a column with literals (<>, IN, IS NULL)
 *   3  other expressions over numbers, dates and booleans
 *   4  anything reading or comparing strings (=, IN, LIKE on utf8)
 * except that a string column that reads as dictionary codes
 * (sli_opt_column_coded: a table in memory, or a Parquet column with a
 * dictionary page in every row group) compared with literals (=, <>, IN,
 * an OR of equalities) ranks as a number would (0 for =, else 2): the
 * executor tests each dictionary entry once and then the rows' 4-byte codes
 * (TPC-H Q19's l_shipinstruct = 'DELIVER IN PERSON' keeps a quarter of
 * lineitem, and now goes first).
 * Correctness: a conjunct that can raise an error (arithmetic that may
 * overflow or divide by zero, a narrowing cast, a function call) is a
 * fence: no conjunct moves across it, so rows that reached it before
 * still reach it, and rows that did not still do not; conjuncts are only
 * reordered between fences. AND is commutative in Kleene logic, so the
 * surviving rows are the same. Runs last, after opt_prune.c.
 */
#include <stdlib.h>

#include "opt_util.h"
#include "optimizer.h"

static bool is_int_like(sl_type_id t)
{
    return t == SL_TYPE_BOOL || t == SL_TYPE_INT8 || t == SL_TYPE_INT16 || t == SL_TYPE_INT32 ||
           t == SL_TYPE_INT64 || t == SL_TYPE_DATE32;
}

/* @return true when evaluating e may raise an error on some row. */
static bool can_fail(const sli_expr *e)
{
    if (!e) return false;
    switch (e->kind) {
    case SLI_EX_UNARY:
        if (e->op == SLI_OP_NEG) return true;
        break;
    case SLI_EX_BINARY:
        switch (e->op) {
        case SLI_OP_ADD:
        case SLI_OP_SUB:
        case SLI_OP_MUL:
        case SLI_OP_DIV:
        case SLI_OP_MOD: return true;
        default: break;
        }
        break;
    case SLI_EX_CAST: {
        /* Widening an integer to int64 or float64 cannot fail; any other
         * cast (narrowing, rescaling a decimal, parsing a string) might. */
        sl_type_id from = e->nargs ? e->args[0]->type.id : SL_TYPE_NULL;
        sl_type_id to = e->cast_type.id;
        bool safe = from == to && from != SL_TYPE_DECIMAL;
        if (is_int_like(from) && from != SL_TYPE_DATE32 && (to == SL_TYPE_INT64 || to == SL_TYPE_FLOAT64))
            safe = true;
        if (from == SL_TYPE_NULL) safe = true;
        if (!safe) return true;
        break;
    }
    case SLI_EX_CALL:
    case SLI_EX_INTERVAL: return true;
    default: break;
    }
    for (size_t i = 0; i < e->nargs; i++)
        if (can_fail(e->args[i])) return true;
    return false;
}

static bool reads_string(const sli_expr *e)
{
    if (!e) return false;
    if (e->type.id == SL_TYPE_UTF8) return true;
    if (e->kind == SLI_EX_CALL) return true; /* LIKE and friends: treat as costly */
    for (size_t i = 0; i < e->nargs; i++)
        if (reads_string(e->args[i])) return true;
    return false;
}

static bool is_col(const sli_expr *e)
{
    return e->kind == SLI_EX_COLUMN;
}

static bool all_literals(const sli_expr *e, size_t from)
{
    for (size_t i = from; i < e->nargs; i++)
        if (e->args[i]->kind != SLI_EX_LITERAL) return false;
    return true;
}

/* Whether c compares a dictionary-encoded string column of `in` (the
 * filter's input) with literals only: `=` or `<>` (either way round), IN,
 * or an OR of such comparisons. */
static bool coded_compare(const sli_expr *c, const sli_plan *in)
{
    if (!in) return false;
    if (c->kind == SLI_EX_BINARY && c->op == SLI_OP_OR && c->nargs == 2)
        return coded_compare(c->args[0], in) && coded_compare(c->args[1], in);
    const sli_expr *col = NULL;
    if (c->kind == SLI_EX_BINARY && (c->op == SLI_OP_EQ || c->op == SLI_OP_NE) && c->nargs == 2) {
        if (is_col(c->args[0]) && c->args[1]->kind == SLI_EX_LITERAL) col = c->args[0];
        if (is_col(c->args[1]) && c->args[0]->kind == SLI_EX_LITERAL) col = c->args[1];
    } else if (c->kind == SLI_EX_IN && c->nargs >= 2 && is_col(c->args[0]) && all_literals(c, 1)) {
        col = c->args[0];
    }
    return col && col->type.id == SL_TYPE_UTF8 && sli_opt_column_coded(in, col->index);
}

static int rank(const sli_expr *c, const sli_plan *in)
{
    if (coded_compare(c, in)) return c->kind == SLI_EX_BINARY && c->op == SLI_OP_EQ ? 0 : 2;
    if (reads_string(c)) return 4;
    if (c->kind == SLI_EX_BINARY && c->nargs == 2) {
        const sli_expr *a = c->args[0], *b = c->args[1];
        bool col_lit = (is_col(a) && b->kind == SLI_EX_LITERAL) || (is_col(b) && a->kind == SLI_EX_LITERAL);
        if (col_lit) {
            switch (c->op) {
            case SLI_OP_EQ: return 0;
            case SLI_OP_LT:
            case SLI_OP_LE:
            case SLI_OP_GT:
            case SLI_OP_GE: return 1;
            case SLI_OP_NE: return 2;
            default: break;
            }
        }
    }
    if (c->kind == SLI_EX_BETWEEN && c->nargs == 3 && is_col(c->args[0]) && all_literals(c, 1))
        return c->negated ? 2 : 1;
    if (c->kind == SLI_EX_IN && c->nargs >= 1 && is_col(c->args[0]) && all_literals(c, 1)) return 2;
    if (c->kind == SLI_EX_IS_NULL && c->nargs == 1 && is_col(c->args[0])) return 2;
    return 3;
}

/* Stable insertion sort of list[lo, hi) by rank (lists are short). */
static void sort_range(sli_expr **list, const int *r, int *rr, size_t lo, size_t hi)
{
    for (size_t i = lo; i < hi; i++) rr[i] = r[i];
    for (size_t i = lo + 1; i < hi; i++) {
        sli_expr *e = list[i];
        int k = rr[i];
        size_t j = i;
        while (j > lo && rr[j - 1] > k) {
            list[j] = list[j - 1];
            rr[j] = rr[j - 1];
            j--;
        }
        list[j] = e;
        rr[j] = k;
    }
}

/* Orders the conjuncts of one predicate over `in` (taking it). @return
 * NULL with *nomem set on NOMEM. */
static sli_expr *order_pred(sli_expr *pred, const sli_plan *in, bool *nomem)
{
    sli_expr **conj = NULL;
    size_t n = 0, cap = 0;
    if (!sli_opt_conjuncts(pred, &conj, &n, &cap)) {
        sli_expr_free_list(conj, n);
        *nomem = true;
        return NULL;
    }
    int *r = malloc((n ? n : 1) * 2 * sizeof *r);
    if (r) {
        for (size_t i = 0; i < n; i++) r[i] = rank(conj[i], in);
        size_t lo = 0;
        for (size_t i = 0; i <= n; i++) {
            if (i < n && !can_fail(conj[i])) continue;
            sort_range(conj, r, r + n, lo, i); /* the fence at i stays put */
            lo = i + 1;
        }
        free(r);
    }
    /* Without memory for ranks the order is simply kept. */
    sli_expr *out = sli_opt_and_all(conj, n, nomem);
    free(conj);
    return out;
}

sl_status sli_opt_filter_order(sl_context *ctx, sli_plan **p)
{
    return sli_opt_rewrite_filters(ctx, *p, order_pred);
}
