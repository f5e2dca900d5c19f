/*
 * eval_bounds.c — the predicate shapes the evaluator plans by (see
 * eval_bounds.h), and EXPLAIN's description of an expression's kernels.
 */
#include "eval_bounds.h"

#include <stdio.h>
#include <string.h>

#include "eval.h"
#include "kernels/like.h"
#include "types.h"

sl_cmp sli_cmp_mirror(sl_cmp op)
{
    switch (op) {
    case SL_CMP_LT: return SL_CMP_GT;
    case SL_CMP_LE: return SL_CMP_GE;
    case SL_CMP_GT: return SL_CMP_LT;
    case SL_CMP_GE: return SL_CMP_LE;
    default: return op;
    }
}

bool sli_bound_of(const sli_expr *e, sli_rbound *b)
{
    if (e->kind != SLI_EX_BINARY || e->op < SLI_OP_EQ || e->op > SLI_OP_GE) return false;
    sl_cmp op = (sl_cmp)(e->op - SLI_OP_EQ);
    int vi = e->args[0]->kind == SLI_EX_LITERAL ? 1 : 0;
    const sli_expr *v = e->args[vi], *l = e->args[1 - vi];
    if (l->kind != SLI_EX_LITERAL || v->kind == SLI_EX_LITERAL || l->lit.is_null) return false;
    if (v->type.id == SL_TYPE_UTF8 || sli_ptype(v->type) > SL_P_F64) return false;
    if (vi == 1) op = sli_cmp_mirror(op);
    if (op != SL_CMP_LT && op != SL_CMP_LE && op != SL_CMP_GT && op != SL_CMP_GE) return false;
    *b = (sli_rbound){v, vi, op == SL_CMP_GT || op == SL_CMP_GE, op == SL_CMP_LT || op == SL_CMP_GT, &l->lit};
    return true;
}

/* Whether conjuncts x and y bound one value from below and above (float
 * bounds only inclusive: a strict one has no inclusive twin). */
static bool range_pair(const sli_expr *x, const sli_expr *y, sli_rbound *lo, sli_rbound *hi)
{
    sli_rbound a, b;
    if (!sli_bound_of(x, &a) || !sli_bound_of(y, &b) || a.lower == b.lower ||
        !sli_eval_same_expr(a.val, b.val))
        return false;
    *lo = a.lower ? a : b;
    *hi = a.lower ? b : a;
    return sli_ptype(a.val->type) != SL_P_F64 || (!lo->strict && !hi->strict);
}

bool sli_range_shape(const sli_expr *e, sli_rbound *lo, sli_rbound *hi, int *rest)
{
    if (e->kind != SLI_EX_BINARY || e->op != SLI_OP_AND) return false;
    *rest = 0;
    if (range_pair(e->args[0], e->args[1], lo, hi)) return true;
    const sli_expr *f = e->args[0];
    *rest = 1;
    return f->kind == SLI_EX_BINARY && f->op == SLI_OP_AND && range_pair(f->args[1], e->args[1], lo, hi);
}

bool sli_int_bounds(sl_ptype pt, const sli_rbound *lo, const sli_rbound *hi, int64_t *l, int64_t *h)
{
    int bits = pt == SL_P_I8 ? 8 : pt == SL_P_I16 ? 16 : pt == SL_P_I32 ? 32 : 64;
    int64_t tmax = bits == 64 ? INT64_MAX : ((int64_t)1 << (bits - 1)) - 1, tmin = -tmax - 1;
    int64_t a = lo->lit->i, b = hi->lit->i;
    if (lo->strict && a >= tmax) return false; /* x > max */
    if (hi->strict && b <= tmin) return false; /* x < min */
    a += lo->strict;
    b -= hi->strict;
    if (a > tmax || b < tmin || a > b) return false;
    *l = a < tmin ? tmin : a;
    *h = b > tmax ? tmax : b;
    return true;
}

bool sli_bound_test(const sli_expr *e, bool column)
{
    if (e->kind != SLI_EX_BINARY || e->op < SLI_OP_EQ || e->op > SLI_OP_GE || e->op == SLI_OP_NE)
        return false;
    int vi = e->args[0]->kind == SLI_EX_LITERAL ? 1 : 0;
    const sli_expr *v = e->args[vi], *l = e->args[1 - vi];
    return l->kind == SLI_EX_LITERAL && !l->lit.is_null && v->kind != SLI_EX_LITERAL &&
           v->type.id != SL_TYPE_UTF8 && sli_ptype(v->type) <= SL_P_F64 &&
           (!column || v->kind == SLI_EX_COLUMN);
}

/* @return the conjuncts (leaves) of an AND chain, counting one for a non-AND. */
static size_t leaves(const sli_expr *e)
{
    if (e->kind != SLI_EX_BINARY || e->op != SLI_OP_AND) return 1;
    return leaves(e->args[0]) + leaves(e->args[1]);
}

const sli_expr *sli_first_conjunct(const sli_expr *e)
{
    while (e->kind == SLI_EX_BINARY && e->op == SLI_OP_AND) e = e->args[0];
    return e;
}

bool sli_eval_leads_with_column_test(const sli_expr *e)
{
    return leaves(e) <= SLI_DENSE_MAX_CONJ && sli_bound_test(sli_first_conjunct(e), true);
}

bool sli_eval_same_expr(const sli_expr *a, const sli_expr *b)
{
    if (a == b) return true;
    if (!a || !b || a->kind != b->kind || a->op != b->op || a->nargs != b->nargs ||
        a->negated != b->negated || !sli_type_eq(a->type, b->type))
        return false;
    switch (a->kind) {
    case SLI_EX_COLUMN:
        if (a->index != b->index) return false;
        break;
    case SLI_EX_LITERAL:
    case SLI_EX_INTERVAL:
        if (a->lit.is_null != b->lit.is_null || a->lit.i != b->lit.i || a->unit != b->unit ||
            memcmp(&a->lit.f, &b->lit.f, sizeof a->lit.f) != 0 || a->lit.slen != b->lit.slen ||
            (a->lit.slen && memcmp(a->lit.s, b->lit.s, a->lit.slen) != 0) || !a->lit.s != !b->lit.s)
            return false;
        break;
    case SLI_EX_CAST:
        if (!sli_type_eq(a->cast_type, b->cast_type)) return false;
        break;
    case SLI_EX_CALL:
        if (!a->name || !b->name || strcmp(a->name, b->name) != 0) return false;
        break;
    case SLI_EX_ORDER:
        if (a->desc != b->desc || a->nulls_first != b->nulls_first) return false;
        break;
    default: break;
    }
    for (size_t i = 0; i < a->nargs; i++)
        if (!sli_eval_same_expr(a->args[i], b->args[i])) return false;
    return true;
}

void sli_eval_describe(const sli_expr *e, char *buf, size_t cap)
{
    static const char *ptn[] = {"i8", "i16", "i32", "i64", "f64", "str"};
    static const char *cmpn[] = {"eq", "ne", "lt", "le", "gt", "ge"};
    if (e->kind == SLI_EX_BINARY && e->op >= SLI_OP_EQ && e->op <= SLI_OP_GE) {
        const sli_expr *a = e->args[0], *b = e->args[1];
        bool lit = a->kind == SLI_EX_LITERAL || b->kind == SLI_EX_LITERAL;
        const sli_expr *col = a->kind == SLI_EX_LITERAL ? b : a;
        snprintf(buf, cap, "cmp_%s_%s[%s]", lit ? "const" : "col", ptn[sli_ptype(col->type)],
                 cmpn[e->op - SLI_OP_EQ]);
        return;
    }
    if (sli_is_call(e, SLI_LIKE) && e->nargs == 2) {
        static const char *shape[] = {"any", "equal", "prefix", "suffix", "contains", "general"};
        sl_like_pattern pat;
        sli_like_compile(e->args[1]->lit.s ? e->args[1]->lit.s : "", e->args[1]->lit.slen, &pat);
        snprintf(buf, cap, "%slike[%s]", e->negated ? "not_" : "", shape[pat.shape]);
        return;
    }
    /* conjuncts a lower and an upper bound of one value: one range pass each (find_range) */
    size_t nrange = 0;
    for (const sli_expr *c = e; c && c->kind == SLI_EX_BINARY && c->op == SLI_OP_AND;) {
        sli_rbound lo, hi;
        int rest;
        if (!sli_range_shape(c, &lo, &hi, &rest)) {
            c = c->args[0];
            continue;
        }
        nrange++;
        c = rest ? c->args[0]->args[0] : NULL;
    }
    const sli_expr *first = sli_first_conjunct(e);
    const char *and_how = first != e && sli_bound_test(first, false)
                              ? "and: bitmaps of leading bound tests, then refine selection"
                              : "and: refine selection";
    if (nrange) {
        snprintf(buf, cap, "%s, %zu bound pair(s) as one range pass each", and_how, nrange);
        return;
    }
    if (first != e) {
        snprintf(buf, cap, "%s", and_how);
        return;
    }
    snprintf(buf, cap, "%s",
             e->kind == SLI_EX_BINARY && e->op == SLI_OP_OR ? "or: union of selections" : "value");
}
