/*
 * opt_util.c — helpers shared by the optimizer passes (see opt_util.h).
 */
#include "opt_util.h"

#include <stdlib.h>
#include <string.h>

#include "runtime/types.h"

void sli_opt_mark(const sli_expr *e, bool *used)
{
    if (!e) return;
    if (e->kind == SLI_EX_COLUMN) used[e->index] = true;
    for (size_t i = 0; i < e->nargs; i++) sli_opt_mark(e->args[i], used);
}

bool sli_opt_refs_within(const sli_expr *e, int lo, int hi)
{
    if (e->kind == SLI_EX_COLUMN && (e->index < lo || e->index >= hi)) return false;
    for (size_t i = 0; i < e->nargs; i++)
        if (e->args[i] && !sli_opt_refs_within(e->args[i], lo, hi)) return false;
    return true;
}

void sli_opt_remap(sli_expr *e, const int *map)
{
    if (!e) return;
    if (e->kind == SLI_EX_COLUMN) e->index = map[e->index];
    for (size_t i = 0; i < e->nargs; i++) sli_opt_remap(e->args[i], map);
}

void sli_opt_shift(sli_expr *e, int by)
{
    if (!e) return;
    if (e->kind == SLI_EX_COLUMN) e->index += by;
    for (size_t i = 0; i < e->nargs; i++) sli_opt_shift(e->args[i], by);
}

bool sli_opt_conjuncts(sli_expr *e, sli_expr ***list, size_t *n, size_t *cap)
{
    if (e->kind == SLI_EX_BINARY && e->op == SLI_OP_AND) {
        sli_expr *l = e->args[0], *r = e->args[1];
        e->nargs = 0;
        sli_expr_free(e);
        bool ok = sli_opt_conjuncts(l, list, n, cap);
        return sli_opt_conjuncts(r, list, n, cap) && ok;
    }
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 4;
        sli_expr **nl = realloc(*list, c * sizeof *nl);
        if (!nl) {
            sli_expr_free(e);
            return false;
        }
        *list = nl;
        *cap = c;
    }
    (*list)[(*n)++] = e;
    return true;
}

sli_expr *sli_opt_and_all(sli_expr **list, size_t n, bool *nomem)
{
    sli_expr *acc = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!acc) {
            acc = list[i];
            continue;
        }
        sli_expr *and = sli_expr_new(SLI_EX_BINARY, acc->line, acc->col);
        if (!and) {
            sli_expr_free(acc);
            for (size_t k = i; k < n; k++) sli_expr_free(list[k]);
            *nomem = true;
            return NULL;
        }
        and->op = SLI_OP_AND;
        and->type = sli_type(SL_TYPE_BOOL);
        bool ok = sli_expr_push(and, acc);
        ok = sli_expr_push(and, list[i]) && ok;
        acc = and;
        if (!ok) {
            sli_expr_free(acc);
            for (size_t k = i + 1; k < n; k++) sli_expr_free(list[k]);
            *nomem = true;
            return NULL;
        }
    }
    return acc;
}

bool sli_opt_set_schema(sli_plan *p, char *const *names, const sl_type *types, size_t n)
{
    char **nn = calloc(n ? n : 1, sizeof *nn);
    sl_type *nt = malloc((n ? n : 1) * sizeof *nt);
    bool ok = nn && nt;
    for (size_t i = 0; ok && i < n; i++) {
        nn[i] = strdup(names[i]);
        nt[i] = types[i];
        ok = nn[i] != NULL;
    }
    if (!ok) {
        if (nn)
            for (size_t i = 0; i < n; i++) free(nn[i]);
        free(nn);
        free(nt);
        return false;
    }
    for (size_t i = 0; i < p->ncols; i++) free(p->names[i]);
    free(p->names);
    free(p->types);
    p->names = nn;
    p->types = nt;
    p->ncols = n;
    return true;
}

sli_plan *sli_opt_filter(sli_plan *child, sli_expr *pred)
{
    sli_plan *f = sli_plan_new(SLI_PLAN_FILTER);
    if (!f || !sli_opt_set_schema(f, child->names, child->types, child->ncols)) {
        sli_plan_unref(f);
        return NULL;
    }
    f->in[0] = child;
    f->pred = pred;
    return f;
}
