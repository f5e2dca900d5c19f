/*
 * opt_prune.c — projection pruning. Walking down from the root with the
 * set of columns each node's parent needs, every node drops the outputs
 * nobody reads, so scans read, joins carry and sorts materialize only the
 * columns the query uses. Column indexes above are rewritten to match.
 *
 * A filter still outputs the columns only its predicate reads (its output
 * is its input's), and a join every column of both inputs, its keys
 * included. A join build stores every column of its input, so a projection
 * over a join's build input drops such columns first, keeping what the
 * parent reads and the keys.
 * Without it, a string a scan's filter tests (TPC-H Q9's p_name) travels
 * through every join build above it.
 */
#include <stdlib.h>
#include <string.h>

#include "opt_util.h"
#include "optimizer.h"
#include "runtime/context.h"

/* Prunes p to the outputs marked in need (p->ncols entries); fills map
 * (old output index -> new, -1 when dropped). @return false on NOMEM. */
static bool prune(sli_plan *p, const bool *need, int *map);

static bool keep_schema(sli_plan *p, const int *map, size_t n_old)
{
    size_t n = 0;
    for (size_t i = 0; i < n_old; i++) n += map[i] >= 0;
    char **names = calloc(n ? n : 1, sizeof *names);
    sl_type *types = malloc((n ? n : 1) * sizeof *types);
    if (!names || !types) {
        free(names);
        free(types);
        return false;
    }
    for (size_t i = 0; i < n_old; i++) {
        if (map[i] < 0) continue;
        names[map[i]] = p->names[i];
        types[map[i]] = p->types[i];
    }
    bool ok = sli_opt_set_schema(p, names, types, n);
    free(names);
    free(types);
    return ok;
}

/* Puts a projection of plain column references over *pp that keeps only
 * the outputs marked in keep (at least one), in order, when some are not
 * marked; map[i] receives output i's index after it (-1: dropped).
 * @return false on NOMEM (*pp is then left as it was). */
static bool narrow(sli_plan **pp, const bool *keep, int *map)
{
    sli_plan *c = *pp;
    size_t n = c->ncols, k = 0;
    for (size_t i = 0; i < n; i++) map[i] = keep[i] ? (int)k++ : -1;
    if (k == 0 && n > 0) map[0] = (int)k++; /* one column stays so rows still count */
    if (k == n) return true;
    sli_plan *proj = sli_plan_new(SLI_PLAN_PROJECT);
    char **names = malloc(k * sizeof *names);
    sl_type *types = malloc(k * sizeof *types);
    bool ok = proj && names && types;
    if (ok) {
        proj->exprs = calloc(k, sizeof *proj->exprs);
        ok = proj->exprs != NULL;
    }
    for (size_t i = 0; ok && i < n; i++) {
        if (map[i] < 0) continue;
        sli_expr *e = sli_opt_column_ref(c->names[i], c->types[i], (int)i);
        if (!(ok = e != NULL)) break;
        proj->exprs[map[i]] = e;
        names[map[i]] = c->names[i];
        types[map[i]] = c->types[i];
    }
    if (ok) ok = sli_opt_set_schema(proj, names, types, k);
    free(names);
    free(types);
    if (!ok) {
        if (proj) {
            for (size_t j = 0; proj->exprs && j < k; j++) sli_expr_free(proj->exprs[j]);
            free(proj->exprs);
            proj->exprs = NULL;
            sli_plan_unref(proj);
        }
        return false;
    }
    proj->in[0] = c; /* takes the reference *pp held */
    *pp = proj;
    return true;
}

/* Narrows input k of p (pruned already; cmap: its outputs before pruning
 * to after, cneed: which of those p reads) to the columns p reads, and
 * composes cmap with the narrowing. @return false on NOMEM. */
static bool narrow_input(sli_plan *p, size_t k, const bool *cneed, int *cmap, size_t n_old)
{
    size_t n = p->in[k]->ncols;
    bool *keep = calloc(n ? n : 1, sizeof *keep);
    int *nmap = malloc((n ? n : 1) * sizeof *nmap);
    bool ok = keep && nmap;
    for (size_t i = 0; ok && i < n_old; i++)
        if (cneed[i] && cmap[i] >= 0) keep[cmap[i]] = true;
    if (ok) ok = narrow(&p->in[k], keep, nmap);
    for (size_t i = 0; ok && i < n_old; i++)
        if (cmap[i] >= 0) cmap[i] = nmap[cmap[i]];
    free(keep);
    free(nmap);
    return ok;
}

/* Children pass their map through unchanged (filter, sort, limit). */
static bool prune_passthrough(sli_plan *p, const bool *need, int *map, sli_expr **exprs, size_t nexprs)
{
    sli_plan *c = p->in[0];
    bool *cneed = calloc(c->ncols ? c->ncols : 1, sizeof *cneed);
    if (!cneed) return false;
    memcpy(cneed, need, p->ncols * sizeof *cneed);
    for (size_t i = 0; i < nexprs; i++) sli_opt_mark(exprs[i], cneed);
    bool ok = prune(c, cneed, map);
    free(cneed);
    if (!ok) return false;
    for (size_t i = 0; i < nexprs; i++) sli_opt_remap(exprs[i], map);
    return sli_opt_set_schema(p, c->names, c->types, c->ncols);
}

static bool prune(sli_plan *p, const bool *need, int *map)
{
    size_t n = p->ncols;
    switch (p->kind) {
    case SLI_PLAN_SCAN: {
        int k = 0;
        bool any = false;
        for (size_t i = 0; i < n; i++) any |= need[i];
        for (size_t i = 0; i < n; i++) {
            /* with nothing needed, keep one column so rows still count */
            bool keep = need[i] || (!any && i == 0);
            map[i] = keep ? k : -1;
            if (keep) p->cols[k++] = p->cols[i];
        }
        return keep_schema(p, map, n);
    }
    case SLI_PLAN_FILTER: return prune_passthrough(p, need, map, &p->pred, 1);
    case SLI_PLAN_SORT: return prune_passthrough(p, need, map, p->keys, p->nkeys);
    case SLI_PLAN_LIMIT: return prune_passthrough(p, need, map, NULL, 0);
    case SLI_PLAN_PROJECT: {
        sli_plan *c = p->in[0];
        bool any = false;
        for (size_t i = 0; i < n; i++) any |= need[i];
        bool *cneed = calloc(c->ncols ? c->ncols : 1, sizeof *cneed);
        int *cmap = malloc((c->ncols ? c->ncols : 1) * sizeof *cmap);
        if (!cneed || !cmap) {
            free(cneed);
            free(cmap);
            return false;
        }
        int k = 0;
        for (size_t i = 0; i < n; i++) {
            bool keep = need[i] || (!any && i == 0);
            map[i] = keep ? k++ : -1;
            if (keep) sli_opt_mark(p->exprs[i], cneed);
        }
        bool ok = prune(c, cneed, cmap);
        if (ok) {
            sli_expr **kept = calloc(k ? (size_t)k : 1, sizeof *kept);
            ok = kept != NULL;
            for (size_t i = 0; ok && i < n; i++) {
                if (map[i] < 0) {
                    sli_expr_free(p->exprs[i]);
                    continue;
                }
                sli_opt_remap(p->exprs[i], cmap);
                kept[map[i]] = p->exprs[i];
            }
            if (ok) {
                free(p->exprs);
                p->exprs = kept;
                ok = keep_schema(p, map, n);
            }
        }
        free(cneed);
        free(cmap);
        return ok;
    }
    case SLI_PLAN_JOIN: {
        sli_plan *l = p->in[0], *r = p->in[1];
        size_t nl = l->ncols, nr = r->ncols;
        bool *ln = calloc(nl ? nl : 1, sizeof *ln), *rn = calloc(nr ? nr : 1, sizeof *rn);
        int *lm = malloc((nl ? nl : 1) * sizeof *lm), *rm = malloc((nr ? nr : 1) * sizeof *rm);
        bool ok = ln && rn && lm && rm;
        if (ok) {
            memcpy(ln, need, nl * sizeof *ln);
            /* Semi and anti joins output no right columns: only their keys are read. */
            if (sli_join_keeps_right(p->jtype)) memcpy(rn, need + nl, nr * sizeof *rn);
            for (size_t k = 0; k < p->nkeys; k++) {
                sli_opt_mark(p->lkeys[k], ln);
                sli_opt_mark(p->rkeys[k], rn);
            }
            ok = prune(l, ln, lm) && prune(r, rn, rm) && narrow_input(p, 1, rn, rm, nr);
            r = p->in[1];
        }
        if (ok) {
            for (size_t k = 0; k < p->nkeys; k++) {
                sli_opt_remap(p->lkeys[k], lm);
                sli_opt_remap(p->rkeys[k], rm);
            }
            int nl2 = (int)l->ncols;
            for (size_t i = 0; i < nl; i++) map[i] = lm[i];
            if (sli_join_keeps_right(p->jtype))
                for (size_t i = 0; i < nr; i++) map[nl + i] = rm[i] < 0 ? -1 : nl2 + rm[i];
            ok = keep_schema(p, map, n);
        }
        free(ln);
        free(rn);
        free(lm);
        free(rm);
        return ok;
    }
    case SLI_PLAN_AGG: {
        sli_plan *c = p->in[0];
        bool *cneed = calloc(c->ncols ? c->ncols : 1, sizeof *cneed);
        int *cmap = malloc((c->ncols ? c->ncols : 1) * sizeof *cmap);
        bool ok = cneed && cmap;
        if (ok) {
            for (size_t i = 0; i < p->ngroups; i++) sli_opt_mark(p->groups[i], cneed);
            for (size_t i = 0; i < p->naggs; i++) sli_opt_mark(p->aggs[i].arg, cneed);
            ok = prune(c, cneed, cmap);
        }
        if (ok) {
            for (size_t i = 0; i < p->ngroups; i++) sli_opt_remap(p->groups[i], cmap);
            for (size_t i = 0; i < p->naggs; i++) sli_opt_remap(p->aggs[i].arg, cmap);
            for (size_t i = 0; i < n; i++) map[i] = (int)i;
        }
        free(cneed);
        free(cmap);
        return ok;
    }
    }
    return true;
}

sl_status sli_opt_prune(sl_context *ctx, sli_plan **pp)
{
    sli_plan *p = *pp;
    bool *need = malloc((p->ncols ? p->ncols : 1) * sizeof *need);
    int *map = malloc((p->ncols ? p->ncols : 1) * sizeof *map);
    bool ok = need && map;
    for (size_t i = 0; ok && i < p->ncols; i++) need[i] = true;
    if (ok) ok = prune(p, need, map);
    free(need);
    free(map);
    return ok ? SL_OK : sli_nomem(ctx, "optimizer");
}
