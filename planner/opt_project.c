/*
 * opt_project.c — projection merging. A projection over another projection
 * becomes one, its columns rewritten over the lower one's input (a column
 * the lower one computes is replaced by its expression, which happens only
 * where the upper one reads it at most once, so nothing is computed
 * twice); a projection that passes its input through as it is (every
 * column in order, under the same name) goes away. The SQL planner and
 * the optimizer's own passes stack projections (a subquery's select list,
 * the names an IN subquery gets, a HAVING test read by a filter whose
 * pushdown left it unused); what is left is one projection per place.
 */
#include <stdlib.h>
#include <string.h>

#include "opt_util.h"
#include "optimizer.h"
#include "runtime/context.h"

/* Counts in uses[i] the references of e to column i. */
static void count_uses(const sli_expr *e, size_t *uses)
{
    if (!e) return;
    if (e->kind == SLI_EX_COLUMN) uses[e->index]++;
    for (size_t i = 0; i < e->nargs; i++) count_uses(e->args[i], uses);
}

/* Merges the projection below p into p when no computed column of it is
 * read twice. @return false on NOMEM; *merged tells whether it merged. */
static bool merge(sli_plan *p, bool *merged)
{
    sli_plan *c = p->in[0];
    *merged = false;
    size_t *uses = calloc(c->ncols ? c->ncols : 1, sizeof *uses);
    if (!uses) return false;
    for (size_t i = 0; i < p->ncols; i++) count_uses(p->exprs[i], uses);
    bool twice = false;
    for (size_t i = 0; i < c->ncols && !twice; i++) twice = uses[i] > 1 && c->exprs[i]->kind != SLI_EX_COLUMN;
    free(uses);
    if (twice) return true;
    sli_expr **exprs = calloc(p->ncols ? p->ncols : 1, sizeof *exprs);
    bool ok = exprs != NULL;
    for (size_t i = 0; ok && i < p->ncols; i++) {
        exprs[i] = sli_expr_clone(p->exprs[i]);
        ok = exprs[i] && sli_opt_inline_projection(&exprs[i], c, false);
    }
    if (!ok) {
        if (exprs) sli_expr_free_list(exprs, p->ncols);
        return false;
    }
    sli_expr_free_list(p->exprs, p->ncols);
    p->exprs = exprs;
    p->in[0] = c->in[0];
    c->in[0] = NULL;
    sli_plan_unref(c);
    *merged = true;
    return true;
}

/* @return true when projection p passes its input through unchanged. */
static bool is_identity(const sli_plan *p)
{
    const sli_plan *c = p->in[0];
    if (p->ncols != c->ncols) return false;
    for (size_t i = 0; i < p->ncols; i++) {
        const sli_expr *e = p->exprs[i];
        if (e->kind != SLI_EX_COLUMN || e->index != (int)i || strcmp(p->names[i], c->names[i]) != 0)
            return false;
    }
    return true;
}

static bool walk(sli_plan **pp)
{
    for (;;) {
        sli_plan *p = *pp;
        if (p->kind != SLI_PLAN_PROJECT) break;
        bool merged = false;
        /* a node another plan shares is left as it is */
        if (p->in[0]->kind == SLI_PLAN_PROJECT && p->refcount == 1 && p->in[0]->refcount == 1 &&
            !merge(p, &merged))
            return false;
        if (merged) continue;
        if (!is_identity(p)) break;
        *pp = sli_plan_ref(p->in[0]);
        sli_plan_unref(p);
    }
    sli_plan *p = *pp;
    for (int i = 0; i < 2; i++)
        if (p->in[i] && !walk(&p->in[i])) return false;
    return true;
}

sl_status sli_opt_project(sl_context *ctx, sli_plan **p)
{
    return walk(p) ? SL_OK : sli_nomem(ctx, "optimizer");
}
