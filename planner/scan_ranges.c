/*
 * scan_ranges.c — the value ranges a pipeline's leading filters allow on its
 * scan's columns, so that an external table's storage units (Parquet row
 * groups) whose statistics fall outside them are never read.
 *
 * Only conjuncts of the filters that come right after the scan count, and
 * of those only a column compared with a literal of the column's own type
 * (=, <, <=, >, >=, either side), a non-negated BETWEEN of two such
 * literals, and a non-negated IN list of them. Anything else is simply not
 * used: the filter still runs on every row that is read, so ranges only
 * ever skip units that hold no qualifying row.
 */
#include <math.h>
#include <stdint.h>

#include "pipeline.h"
#include "runtime/types.h"

/* @return true when t's values are compared as int64 (or as float64). */
static bool rangeable(sl_type t, bool *is_float)
{
    *is_float = t.id == SL_TYPE_FLOAT64;
    return *is_float || sli_is_integer(t) || t.id == SL_TYPE_DATE32 || t.id == SL_TYPE_DECIMAL ||
           t.id == SL_TYPE_BOOL;
}

/* @return whether e is a non-null literal of exactly type t. */
static bool lit_of(const sli_expr *e, sl_type t)
{
    return e->kind == SLI_EX_LITERAL && !e->lit.is_null && sli_type_eq(e->lit.type, t);
}

typedef struct acc {
    const sli_plan *scan;
    sli_scan_range *out;
    size_t n, cap;
} acc;

/* Narrows (or adds) the range of scan output column c to [lo, hi]. */
static void narrow(acc *a, int c, bool is_float, int64_t lo, int64_t hi, double flo, double fhi)
{
    size_t col = a->scan->cols[c];
    for (size_t i = 0; i < a->n; i++) {
        sli_scan_range *r = &a->out[i];
        if (r->col != col) continue;
        if (r->lo < lo) r->lo = lo;
        if (r->hi > hi) r->hi = hi;
        if (r->flo < flo) r->flo = flo;
        if (r->fhi > fhi) r->fhi = fhi;
        return;
    }
    if (a->n == a->cap) return;
    sli_scan_range r = {col, is_float, lo, hi, flo, fhi};
    a->out[a->n++] = r;
}

/* Records the range one comparison `col op lit` allows. */
static void compare(acc *a, int c, sli_op op, const sli_value *v, bool is_float)
{
    int64_t lo = INT64_MIN, hi = INT64_MAX;
    double flo = -INFINITY, fhi = INFINITY;
    if (is_float) {
        if (isnan(v->f)) return;
        if (op == SLI_OP_EQ) flo = fhi = v->f;
        else if (op == SLI_OP_LT || op == SLI_OP_LE) fhi = v->f;
        else if (op == SLI_OP_GT || op == SLI_OP_GE) flo = v->f;
        else return;
    } else {
        /* Strict bounds stay inclusive: a unit is skipped only when no value
         * of it can pass, so widening by one is harmless. */
        if (op == SLI_OP_EQ) lo = hi = v->i;
        else if (op == SLI_OP_LT || op == SLI_OP_LE) hi = v->i;
        else if (op == SLI_OP_GT || op == SLI_OP_GE) lo = v->i;
        else return;
    }
    narrow(a, c, is_float, lo, hi, flo, fhi);
}

static sli_op mirror(sli_op op)
{
    switch (op) {
    case SLI_OP_LT: return SLI_OP_GT;
    case SLI_OP_LE: return SLI_OP_GE;
    case SLI_OP_GT: return SLI_OP_LT;
    case SLI_OP_GE: return SLI_OP_LE;
    default: return op;
    }
}

static void walk(acc *a, const sli_expr *e)
{
    bool is_float;
    if (e->kind == SLI_EX_BINARY && e->op == SLI_OP_AND) {
        walk(a, e->args[0]);
        walk(a, e->args[1]);
        return;
    }
    if (e->kind == SLI_EX_BINARY && e->nargs == 2) {
        const sli_expr *l = e->args[0], *r = e->args[1];
        if (l->kind == SLI_EX_COLUMN && rangeable(l->type, &is_float) && lit_of(r, l->type))
            compare(a, l->index, e->op, &r->lit, is_float);
        else if (r->kind == SLI_EX_COLUMN && rangeable(r->type, &is_float) && lit_of(l, r->type))
            compare(a, r->index, mirror(e->op), &l->lit, is_float);
        return;
    }
    if (e->kind == SLI_EX_BETWEEN && !e->negated && e->args[0]->kind == SLI_EX_COLUMN) {
        const sli_expr *c = e->args[0];
        if (!rangeable(c->type, &is_float) || !lit_of(e->args[1], c->type) || !lit_of(e->args[2], c->type))
            return;
        compare(a, c->index, SLI_OP_GE, &e->args[1]->lit, is_float);
        compare(a, c->index, SLI_OP_LE, &e->args[2]->lit, is_float);
        return;
    }
    if (e->kind == SLI_EX_IN && !e->negated && e->nargs > 1 && e->args[0]->kind == SLI_EX_COLUMN) {
        const sli_expr *c = e->args[0];
        if (!rangeable(c->type, &is_float)) return;
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        double flo = INFINITY, fhi = -INFINITY;
        for (size_t i = 1; i < e->nargs; i++) {
            const sli_expr *v = e->args[i];
            if (!lit_of(v, c->type) || (is_float && isnan(v->lit.f))) return;
            if (v->lit.i < lo) lo = v->lit.i;
            if (v->lit.i > hi) hi = v->lit.i;
            if (v->lit.f < flo) flo = v->lit.f;
            if (v->lit.f > fhi) fhi = v->lit.f;
        }
        if (is_float) narrow(a, c->index, true, INT64_MIN, INT64_MAX, flo, fhi);
        else narrow(a, c->index, false, lo, hi, -INFINITY, INFINITY);
    }
}

size_t sli_scan_ranges(const sli_pipeline *p, sli_scan_range *out, size_t cap)
{
    if (!p->scan) return 0;
    acc a = {p->scan, out, 0, cap};
    /* Filters directly on the scan see its columns; the first operator that
     * is not a filter ends the run (a projection renumbers the columns). */
    const sli_plan *input = p->scan;
    for (size_t i = 0; i < p->nops && p->ops[i].kind == SLI_POP_FILTER && p->ops[i].node->in[0] == input; i++) {
        walk(&a, p->ops[i].node->pred);
        input = p->ops[i].node;
    }
    return a.n;
}
