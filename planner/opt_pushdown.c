/*
 * opt_pushdown.c — predicate pushdown. A filter moves below projections
 * (a column the projection computes is replaced by its expression in the
 * predicate, so that the filter can go on below it), below sorts, and
 * into the inputs of a join (each conjunct to the side whose columns it
 * uses; for a left outer join only to the left side); a conjunct that reads
 * both sides of a join stays above it, and what it implies about one side
 * alone (see implied()) filters that side too; adjacent filters merge.
 * Filtering early means fewer
 * rows reach the join build, the probe and the aggregate.
 */
#include <stdlib.h>

#include "opt_util.h"
#include "optimizer.h"
#include "runtime/context.h"

/* Pushes the filter at *pp down as far as it goes. */
static sl_status push_filter(sl_context *ctx, sli_plan **pp);

static sl_status merge_into(sl_context *ctx, sli_plan **pp)
{
    sli_plan *f = *pp, *c = f->in[0];
    sli_expr *list[2] = {c->pred, f->pred};
    bool nomem = false;
    sli_expr *both = sli_opt_and_all(list, 2, &nomem);
    c->pred = NULL;
    f->pred = NULL;
    if (nomem) return sli_nomem(ctx, "optimizer");
    f->pred = both;
    f->in[0] = c->in[0];
    c->in[0] = NULL;
    sli_plan_unref(c);
    return push_filter(ctx, pp);
}

/* Filter over a projection: the predicate is rewritten over the
 * projection's input (computed columns substituted) and moves below it.
 * @return false on NOMEM. */
static bool through_project(sli_plan **pp)
{
    sli_plan *f = *pp, *p = f->in[0];
    sli_plan *below = p->in[0];
    sli_expr *pred = sli_expr_clone(f->pred);
    if (!pred || !sli_opt_inline_projection(&pred, p, true) ||
        !sli_opt_set_schema(f, below->names, below->types, below->ncols)) {
        sli_expr_free(pred);
        return false;
    }
    sli_expr_free(f->pred);
    f->pred = pred;
    /* project(filter(below)) */
    f->in[0] = below;
    p->in[0] = f;
    *pp = p;
    return true;
}

/* The part of e that columns [lo, hi) alone imply: a conjunct reading only
 * them, an AND of such parts, or an OR whose every branch implies one. Of
 * `(n1 = 'FRANCE' and n2 = 'GERMANY') or (n1 = 'GERMANY' and n2 = 'FRANCE')`
 * (TPC-H Q7) the n1 columns imply `n1 = 'FRANCE' or n1 = 'GERMANY'`, which
 * can filter n1's side of a join while the whole OR stays above it.
 * @return a new tree, or NULL when nothing is implied (or on NOMEM: *nomem). */
static sli_expr *implied(const sli_expr *e, int lo, int hi, bool *nomem)
{
    bool is_and = e->kind == SLI_EX_BINARY && e->op == SLI_OP_AND && e->nargs == 2;
    bool is_or = e->kind == SLI_EX_BINARY && e->op == SLI_OP_OR && e->nargs == 2;
    if (!is_and && !is_or) {
        if (!sli_opt_refs_within(e, lo, hi)) return NULL;
        sli_expr *c = sli_expr_clone(e);
        if (!c) *nomem = true;
        return c;
    }
    sli_expr *a = implied(e->args[0], lo, hi, nomem);
    sli_expr *b = implied(e->args[1], lo, hi, nomem);
    if (is_or && (!a || !b)) {
        sli_expr_free(a);
        sli_expr_free(b);
        return NULL;
    }
    if (!a || !b) return a ? a : b;
    sli_expr *r = sli_expr_binary(e->op, a, b, e->line, e->col);
    if (!r) {
        *nomem = true;
        return NULL;
    }
    r->type = e->type;
    return r;
}

static sl_status into_join(sl_context *ctx, sli_plan **pp)
{
    sli_plan *f = *pp, *j = f->in[0];
    int nl = (int)j->in[0]->ncols, nt = (int)j->ncols;
    sli_expr **conj = NULL, **left = NULL, **right = NULL, **rest = NULL;
    size_t n = 0, cap = 0, nlft = 0, nrgt = 0, nrst = 0;
    sli_expr *pred = f->pred;
    f->pred = NULL;
    if (!sli_opt_conjuncts(pred, &conj, &n, &cap)) goto nomem;
    /* each conjunct goes one way, and an OR that stays above may add one
     * implied conjunct to each side */
    left = malloc((2 * n + 1) * sizeof *left);
    right = malloc((2 * n + 1) * sizeof *right);
    rest = malloc((n ? n : 1) * sizeof *rest);
    if (!left || !right || !rest) goto nomem;
    for (size_t i = 0; i < n; i++) {
        if (sli_opt_refs_within(conj[i], 0, nl)) {
            left[nlft++] = conj[i];
        } else if (j->jtype == SLI_JOIN_INNER && sli_opt_refs_within(conj[i], nl, nt)) {
            /* Only an inner join may filter its build side early: below a left
             * outer join the right columns of unmatched rows become NULL, so a
             * predicate on them stays above. (Semi and anti joins output only
             * left columns, so nothing reaches here for them.) */
            sli_opt_shift(conj[i], -nl);
            right[nrgt++] = conj[i];
        } else {
            bool nm = false;
            sli_expr *l = implied(conj[i], 0, nl, &nm);
            sli_expr *r = j->jtype == SLI_JOIN_INNER ? implied(conj[i], nl, nt, &nm) : NULL;
            if (l) left[nlft++] = l;
            if (r) {
                sli_opt_shift(r, -nl);
                right[nrgt++] = r;
            }
            rest[nrst++] = conj[i];
            if (nm) {
                conj[i] = NULL;
                for (size_t k = i + 1; k < n; k++) sli_expr_free(conj[k]);
                sli_expr_free_list(left, nlft);
                sli_expr_free_list(right, nrgt);
                sli_expr_free_list(rest, nrst);
                left = right = rest = NULL;
                goto nomem_lists;
            }
        }
        conj[i] = NULL;
    }
    bool nm = false;
    sli_expr *lp = sli_opt_and_all(left, nlft, &nm);
    sli_expr *rp = sli_opt_and_all(right, nrgt, &nm);
    sli_expr *xp = sli_opt_and_all(rest, nrst, &nm);
    free(conj);
    free(left);
    free(right);
    free(rest);
    conj = left = right = rest = NULL;
    if (nm) {
        sli_expr_free(lp);
        sli_expr_free(rp);
        sli_expr_free(xp);
        return sli_nomem(ctx, "optimizer");
    }
    sl_status s = SL_OK;
    for (int side = 0; side < 2; side++) {
        sli_expr *sp = side ? rp : lp;
        if (!sp) continue;
        sli_plan *nf = sli_opt_filter(j->in[side], sp);
        if (!nf) {
            sli_expr_free(sp);
            if (side == 0) sli_expr_free(rp);
            sli_expr_free(xp);
            return sli_nomem(ctx, "optimizer");
        }
        j->in[side] = nf;
        if (!s) s = push_filter(ctx, &j->in[side]);
    }
    if (xp) {
        f->pred = xp;
        return s;
    }
    /* Nothing stays above the join: drop the filter node. */
    f->in[0] = NULL;
    sli_plan_unref(f);
    *pp = j;
    return s;
nomem:
    if (conj)
        for (size_t i = 0; i < n; i++) sli_expr_free(conj[i]);
nomem_lists:
    free(conj);
    free(left);
    free(right);
    free(rest);
    return sli_nomem(ctx, "optimizer");
}

static sl_status push_filter(sl_context *ctx, sli_plan **pp)
{
    sli_plan *f = *pp;
    sli_plan *c = f->in[0];
    switch (c->kind) {
    case SLI_PLAN_FILTER: return merge_into(ctx, pp);
    case SLI_PLAN_PROJECT:
        if (!through_project(pp)) return sli_nomem(ctx, "optimizer");
        return push_filter(ctx, &(*pp)->in[0]);
    case SLI_PLAN_SORT:
        /* sort(filter(x)) */
        f->in[0] = c->in[0];
        c->in[0] = f;
        *pp = c;
        return push_filter(ctx, &c->in[0]);
    case SLI_PLAN_JOIN: return into_join(ctx, pp);
    default: return SL_OK;
    }
}

static sl_status walk(sl_context *ctx, sli_plan **pp)
{
    sl_status s = SL_OK;
    if ((*pp)->kind == SLI_PLAN_FILTER) s = push_filter(ctx, pp);
    if (s) return s;
    for (int i = 0; i < 2 && !s; i++)
        if ((*pp)->in[i]) s = walk(ctx, &(*pp)->in[i]);
    return s;
}

sl_status sli_opt_pushdown(sl_context *ctx, sli_plan **p)
{
    return walk(ctx, p);
}
