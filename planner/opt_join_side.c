/*
 * opt_join_side.c — build-side choice. A hash join builds its table from
 * in[1] and streams in[0] through it, so the build input should be the
 * smaller one. For every inner join whose right input is estimated larger
 * than its left (sli_opt_estimate_rows: table row counts times default
 * selectivities, see opt_util.h), the inputs and key lists are swapped and
 * a projection of plain column references above the join restores the
 * original column order, so the join's output schema is unchanged. Only
 * inner joins are swapped: the other types are not symmetric, and only
 * those opt_join_order.c has not placed (the regions of joins it could not
 * describe). Runs after opt_pushdown.c (so the estimates see the filters at
 * the scans) and before opt_prune.c (which prunes through the new
 * projection).
 */
#include <stdlib.h>
#include <string.h>

#include "opt_util.h"
#include "optimizer.h"
#include "runtime/context.h"

/* Swaps the inputs of the join at *pp and puts the restoring projection
 * above it. @return false on NOMEM (the plan is left as it was). */
static bool swap_join(sli_plan **pp)
{
    sli_plan *j = *pp;
    size_t nl = j->in[0]->ncols, nr = j->in[1]->ncols, n = j->ncols;
    if (n != nl + nr) return true; /* not the inner-join shape; leave it */
    sli_plan *proj = sli_plan_new(SLI_PLAN_PROJECT);
    char **names = malloc((n ? n : 1) * sizeof *names);
    sl_type *types = malloc((n ? n : 1) * sizeof *types);
    bool ok = proj && names && types && sli_opt_set_schema(proj, j->names, j->types, n);
    if (ok) {
        proj->exprs = calloc(n ? n : 1, sizeof *proj->exprs);
        ok = proj->exprs != NULL;
    }
    /* Output column i of the join (left columns, then right) is column
     * nr + i of the swapped join when it came from the left, i - nl when
     * it came from the right. */
    for (size_t i = 0; ok && i < n; i++) {
        sli_expr *c = sli_opt_column_ref(j->names[i], j->types[i], (int)(i < nl ? nr + i : i - nl));
        if (!(ok = c != NULL)) break;
        proj->exprs[i] = c;
    }
    if (ok) {
        for (size_t i = 0; i < n; i++) {
            size_t from = i < nr ? nl + i : i - nr; /* swapped output i: right columns first */
            names[i] = j->names[from];
            types[i] = j->types[from];
        }
        ok = sli_opt_set_schema(j, names, types, n);
    }
    free(names);
    free(types);
    if (!ok) {
        sli_plan_unref(proj); /* frees the exprs made so far; in[0] is still NULL */
        return false;
    }
    sli_plan *t = j->in[0];
    j->in[0] = j->in[1];
    j->in[1] = t;
    sli_expr **k = j->lkeys;
    j->lkeys = j->rkeys;
    j->rkeys = k;
    proj->in[0] = j;
    *pp = proj;
    return true;
}

static sl_status walk(sl_context *ctx, sli_plan **pp)
{
    sli_plan *p = *pp;
    for (int i = 0; i < 2; i++) {
        if (!p->in[i]) continue;
        sl_status s = walk(ctx, &p->in[i]);
        if (s) return s;
    }
    if (p->kind != SLI_PLAN_JOIN || p->jtype != SLI_JOIN_INNER || p->ordered) return SL_OK;
    if (sli_opt_estimate_rows(p->in[1]) <= sli_opt_estimate_rows(p->in[0])) return SL_OK;
    return swap_join(pp) ? SL_OK : sli_nomem(ctx, "optimizer");
}

sl_status sli_opt_join_side(sl_context *ctx, sli_plan **p)
{
    return walk(ctx, p);
}
