/*
 * opt_semi_push.c — semi and anti joins move below inner joins. A semi (or
 * anti) join keeps the rows of its left input that have (or lack) a match;
 * when its keys use the columns of only one input of the inner join below
 * it, keeping those rows before the inner join gives the same rows, since
 * the inner join neither adds nor changes them:
 *     semi(A join B, key of A) = semi(A) join B
 *     semi(A join B, key of B) = A join semi(B)
 * and likewise for anti. A selective semi join (TPC-H Q18's IN subquery
 * keeps 62 of 1.5M orders) then shrinks a build side, or the probe rows,
 * before the other joins instead of after them. The inner join's output is
 * unchanged (a semi join outputs its left columns only), so nothing above
 * it needs rebinding. Runs after opt_pushdown.c and before opt_join_side.c,
 * which then sees the smaller input.
 */
#include "opt_util.h"
#include "optimizer.h"
#include "runtime/context.h"

/* Whether every left key of join j uses columns in [lo, hi) only. */
static bool keys_within(const sli_plan *j, int lo, int hi)
{
    for (size_t k = 0; k < j->nkeys; k++)
        if (!sli_opt_refs_within(j->lkeys[k], lo, hi)) return false;
    return true;
}

/* Moves the semi or anti join at *pp below the inner join it reads, as far
 * as it goes. @return false on NOMEM (the plan is left valid). */
static bool push(sli_plan **pp)
{
    sli_plan *j = *pp;
    if (j->kind != SLI_PLAN_JOIN || (j->jtype != SLI_JOIN_SEMI && j->jtype != SLI_JOIN_ANTI)) return true;
    sli_plan *i = j->in[0];
    if (i->kind != SLI_PLAN_JOIN || i->jtype != SLI_JOIN_INNER || i->refcount != 1) return true;
    int nl = (int)i->in[0]->ncols, n = (int)i->ncols;
    if (n != nl + (int)i->in[1]->ncols) return true; /* not the inner-join shape */
    int side = keys_within(j, 0, nl) ? 0 : keys_within(j, nl, n) ? 1 : -1;
    if (side < 0) return true;
    sli_plan *below = i->in[side];
    if (!sli_opt_set_schema(j, below->names, below->types, below->ncols)) return false;
    if (side == 1)
        for (size_t k = 0; k < j->nkeys; k++) sli_opt_shift(j->lkeys[k], -nl);
    /* j takes i's place over `below`; i takes j's place in the tree */
    j->in[0] = below;
    i->in[side] = j;
    *pp = i;
    return push(&i->in[side]);
}

static bool walk(sli_plan **pp)
{
    if (!push(pp)) return false;
    for (int k = 0; k < 2; k++)
        if ((*pp)->in[k] && !walk(&(*pp)->in[k])) return false;
    return true;
}

sl_status sli_opt_semi_push(sl_context *ctx, sli_plan **p)
{
    return walk(p) ? SL_OK : sli_nomem(ctx, "optimizer");
}
