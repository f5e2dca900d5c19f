/*
 * plan.c — logical plan nodes: lifetime, schema, copying and description.
 */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

sli_plan *sli_plan_new(sli_plan_kind kind)
{
    sli_plan *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->refcount = 1;
    p->kind = kind;
    return p;
}

sli_plan *sli_plan_ref(sli_plan *p)
{
    if (p) p->refcount++;
    return p;
}

static void free_exprs(sli_expr **list, size_t n)
{
    sli_expr_free_list(list, n);
}

void sli_plan_unref(sli_plan *p)
{
    if (!p || --p->refcount > 0) return;
    sli_plan_unref(p->in[0]);
    sli_plan_unref(p->in[1]);
    for (size_t i = 0; i < p->ncols; i++) free(p->names[i]);
    free(p->names);
    free(p->types);
    free(p->cols);
    sli_expr_free(p->pred);
    if (p->kind == SLI_PLAN_PROJECT) free_exprs(p->exprs, p->ncols);
    if (p->kind == SLI_PLAN_JOIN) {
        free_exprs(p->lkeys, p->nkeys);
        free_exprs(p->rkeys, p->nkeys);
    }
    if (p->kind == SLI_PLAN_SORT) free_exprs(p->keys, p->nkeys);
    free_exprs(p->groups, p->ngroups);
    for (size_t i = 0; i < p->naggs; i++) sli_expr_free(p->aggs[i].arg);
    free(p->aggs);
    free(p);
}

bool sli_plan_add_col(sli_plan *p, const char *name, sl_type type)
{
    char **names = realloc(p->names, (p->ncols + 1) * sizeof *names);
    if (!names) return false;
    p->names = names;
    sl_type *types = realloc(p->types, (p->ncols + 1) * sizeof *types);
    if (!types) return false;
    p->types = types;
    names[p->ncols] = strdup(name);
    if (!names[p->ncols]) return false;
    types[p->ncols] = type;
    p->ncols++;
    return true;
}

static sli_expr **clone_list(sli_expr *const *list, size_t n, bool *ok)
{
    if (n == 0) return NULL;
    sli_expr **out = calloc(n, sizeof *out);
    if (!out) {
        *ok = false;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (list[i] && !(out[i] = sli_expr_clone(list[i]))) *ok = false;
    }
    return out;
}

sli_plan *sli_plan_clone(const sli_plan *p)
{
    if (!p) return NULL;
    sli_plan *c = sli_plan_new(p->kind);
    if (!c) return NULL;
    bool ok = true;
    for (int i = 0; i < 2; i++) {
        if (p->in[i] && !(c->in[i] = sli_plan_clone(p->in[i]))) ok = false;
    }
    for (size_t i = 0; i < p->ncols && ok; i++) ok = sli_plan_add_col(c, p->names[i], p->types[i]);
    c->table = p->table;
    if (p->cols) {
        c->cols = malloc(p->ncols * sizeof *c->cols);
        if (c->cols)
            memcpy(c->cols, p->cols, p->ncols * sizeof *c->cols);
        else
            ok = false;
    }
    if (p->pred && !(c->pred = sli_expr_clone(p->pred))) ok = false;
    if (p->kind == SLI_PLAN_PROJECT) c->exprs = clone_list(p->exprs, p->ncols, &ok);
    c->nkeys = p->nkeys;
    if (p->kind == SLI_PLAN_JOIN) {
        c->lkeys = clone_list(p->lkeys, p->nkeys, &ok);
        c->rkeys = clone_list(p->rkeys, p->nkeys, &ok);
        c->jtype = p->jtype;
        c->ordered = p->ordered;
    }
    if (p->kind == SLI_PLAN_SORT) c->keys = clone_list(p->keys, p->nkeys, &ok);
    c->ngroups = p->ngroups;
    c->groups = clone_list(p->groups, p->ngroups, &ok);
    if (p->naggs) {
        c->aggs = calloc(p->naggs, sizeof *c->aggs);
        if (c->aggs) {
            c->naggs = p->naggs;
            for (size_t i = 0; i < p->naggs; i++) {
                c->aggs[i] = p->aggs[i];
                c->aggs[i].arg = NULL;
                if (p->aggs[i].arg && !(c->aggs[i].arg = sli_expr_clone(p->aggs[i].arg))) ok = false;
            }
        } else {
            ok = false;
        }
    }
    c->limit = p->limit;
    if (!ok) {
        sli_plan_unref(c);
        return NULL;
    }
    return c;
}

const char *sli_agg_name(sli_agg_fn fn)
{
    switch (fn) {
    case SLI_AGG_COUNT_STAR:
    case SLI_AGG_COUNT: return "count";
    case SLI_AGG_SUM: return "sum";
    case SLI_AGG_MIN: return "min";
    case SLI_AGG_MAX: return "max";
    case SLI_AGG_AVG: return "avg";
    }
    return "?";
}

static void put_expr(sli_sbuf *out, const sli_expr *e, const sli_plan *input)
{
    char small[512];
    const char *const *names = input ? (const char *const *)input->names : NULL;
    size_t need = sli_expr_format(e, names, small, sizeof small);
    if (need < sizeof small) {
        sli_sbuf_append(out, small, need);
        return;
    }
    char *big = malloc(need + 1);
    if (!big) {
        out->failed = true;
        return;
    }
    sli_expr_format(e, names, big, need + 1);
    sli_sbuf_append(out, big, need);
    free(big);
}

/* The names a join's bound expressions see: left columns then right ones. */
static void describe_node(const sli_plan *p, sli_sbuf *out, int depth)
{
    for (int i = 0; i < depth; i++) sli_sbuf_append(out, "  ", 2);
    switch (p->kind) {
    case SLI_PLAN_SCAN:
        sli_sbuf_printf(out, "Scan %s [", p->table->name);
        for (size_t i = 0; i < p->ncols; i++) sli_sbuf_printf(out, "%s%s", i ? ", " : "", p->names[i]);
        sli_sbuf_printf(out, "] (%zu rows)", p->table->rows);
        break;
    case SLI_PLAN_FILTER:
        sli_sbuf_printf(out, "Filter ");
        put_expr(out, p->pred, p->in[0]);
        break;
    case SLI_PLAN_PROJECT:
        sli_sbuf_printf(out, "Project ");
        for (size_t i = 0; i < p->ncols; i++) {
            if (i) sli_sbuf_append(out, ", ", 2);
            put_expr(out, p->exprs[i], p->in[0]);
            if (p->exprs[i]->kind != SLI_EX_COLUMN ||
                strcmp(p->in[0]->names[p->exprs[i]->index], p->names[i]))
                sli_sbuf_printf(out, " as %s", p->names[i]);
        }
        break;
    case SLI_PLAN_JOIN:
        sli_sbuf_printf(out, "HashJoin %s on ", sli_join_type_name(p->jtype));
        for (size_t i = 0; i < p->nkeys; i++) {
            if (i) sli_sbuf_append(out, " and ", 5);
            put_expr(out, p->lkeys[i], p->in[0]);
            sli_sbuf_append(out, " = ", 3);
            put_expr(out, p->rkeys[i], p->in[1]);
        }
        break;
    case SLI_PLAN_AGG:
        sli_sbuf_printf(out, "Aggregate");
        if (p->ngroups) {
            sli_sbuf_printf(out, " by ");
            for (size_t i = 0; i < p->ngroups; i++) {
                if (i) sli_sbuf_append(out, ", ", 2);
                put_expr(out, p->groups[i], p->in[0]);
            }
        }
        sli_sbuf_printf(out, ": ");
        for (size_t i = 0; i < p->naggs; i++) {
            if (i) sli_sbuf_append(out, ", ", 2);
            sli_sbuf_printf(out, "%s(", sli_agg_name(p->aggs[i].fn));
            if (p->aggs[i].arg)
                put_expr(out, p->aggs[i].arg, p->in[0]);
            else
                sli_sbuf_append(out, "*", 1);
            sli_sbuf_printf(out, ") as %s", p->names[p->ngroups + i]);
        }
        break;
    case SLI_PLAN_SORT:
        sli_sbuf_printf(out, "Sort ");
        for (size_t i = 0; i < p->nkeys; i++) {
            if (i) sli_sbuf_append(out, ", ", 2);
            put_expr(out, p->keys[i], p->in[0]);
        }
        break;
    case SLI_PLAN_LIMIT: sli_sbuf_printf(out, "Limit %lld", (long long)p->limit); break;
    }
    sli_sbuf_append(out, "\n", 1);
    for (int i = 0; i < 2; i++)
        if (p->in[i]) describe_node(p->in[i], out, depth + 1);
}

void sli_plan_describe(const sli_plan *p, sli_sbuf *out)
{
    describe_node(p, out, 0);
}
