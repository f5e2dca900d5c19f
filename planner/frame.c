/*
 * frame.c — the lazy DataFrame transformations (see frame.h). Each one binds
 * its expressions eagerly, so that a wrong name fails where it is written,
 * and only builds a plan node; nothing runs until an action.
 */
#include "frame.h"

#include <stdlib.h>
#include <string.h>

#include "bind.h"
#include "opt_util.h"
#include "runtime/context.h"
#include "runtime/types.h"

sl_frame *sli_frame_new(sl_context *ctx, sli_plan *plan)
{
    if (!plan) {
        sli_nomem(ctx, "frame");
        return NULL;
    }
    sl_frame *f = calloc(1, sizeof *f);
    if (!f) {
        sli_plan_unref(plan);
        sli_nomem(ctx, "frame");
        return NULL;
    }
    f->ctx = ctx;
    f->plan = plan;
    return f;
}

void sl_frame_destroy(sl_frame *f)
{
    if (!f) return;
    sli_plan_unref(f->plan);
    sli_expr_free_list(f->groups, f->ngroups);
    if (f->group_names)
        for (size_t i = 0; i < f->ngroups; i++) free(f->group_names[i]);
    free(f->group_names);
    free(f->output);
    free(f);
}

const char *sl_frame_output_path(const sl_frame *f)
{
    return f ? f->output : NULL;
}

size_t sl_frame_column_count(const sl_frame *f)
{
    return f ? f->plan->ncols : 0;
}

const char *sl_frame_column_name(const sl_frame *f, size_t i)
{
    return f && i < f->plan->ncols ? f->plan->names[i] : NULL;
}

sl_type sl_frame_column_type(const sl_frame *f, size_t i)
{
    return f && i < f->plan->ncols ? f->plan->types[i] : sli_type(SL_TYPE_NULL);
}

static bool check_not_grouped(const sl_frame *f, const char *what)
{
    if (!f->grouped) return true;
    sli_error(f->ctx, SL_ERR_INVALID_ARG, "%s after groupBy: a grouped frame must be followed by agg(...)",
              what);
    return false;
}

/* A node over f's plan (one new reference to it). */
static sli_plan *node_over(const sl_frame *f, sli_plan_kind kind)
{
    sli_plan *p = sli_plan_new(kind);
    if (p) p->in[0] = sli_plan_ref(f->plan);
    return p;
}

static sl_frame *fail(sl_context *ctx, sli_plan *p, sli_expr **exprs, size_t n)
{
    sli_plan_unref(p);
    sli_expr_free_list(exprs, n);
    return NULL;
}

/* Removes a top-level alias, returning the aliased expression. */
static sli_expr *strip_alias(sli_expr *e)
{
    if (e->kind != SLI_EX_ALIAS) return e;
    sli_expr *inner = e->args[0];
    e->nargs = 0;
    sli_expr_free(e);
    return inner;
}

/* @return a bound reference to input column `index`, or NULL on NOMEM. */
static sli_expr *column_ref(const char *name, int index, sl_type type, int line, int col)
{
    sli_expr *ref = sli_expr_new(SLI_EX_COLUMN, line, col);
    if (!ref || !(ref->name = strdup(name))) {
        sli_expr_free(ref);
        return NULL;
    }
    ref->index = index;
    ref->type = type;
    return ref;
}

/* Makes projection p's first n outputs pass its input's first n columns
 * through. p->exprs must have room. @return false on NOMEM (p owns what it
 * accounts for in p->ncols). */
static bool pass_through(sli_plan *p, char *const *names, const sl_type *types, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sli_expr *ref = column_ref(names[i], (int)i, types[i], 0, 0);
        if (!ref) return false;
        p->exprs[i] = ref;
        if (!sli_plan_add_col(p, names[i], types[i])) {
            p->exprs[i] = NULL;
            sli_expr_free(ref);
            return false;
        }
    }
    return true;
}

sl_frame *sli_frame_select(const sl_frame *f, sli_expr **exprs, size_t n, const sli_source *src)
{
    sl_context *ctx = f->ctx;
    if (!check_not_grouped(f, "select")) return fail(ctx, NULL, exprs, n);
    if (n == 0) {
        sli_error(ctx, SL_ERR_INVALID_ARG, "select needs at least one expression");
        return fail(ctx, NULL, exprs, n);
    }
    sli_plan *p = node_over(f, SLI_PLAN_PROJECT);
    if (!p || !(p->exprs = calloc(n, sizeof *p->exprs))) {
        sli_nomem(ctx, "select");
        return fail(ctx, p, exprs, n);
    }
    sli_scope scope = sli_plan_scope(f->plan);
    for (size_t i = 0; i < n; i++) {
        char *name = sli_expr_output_name(exprs[i], &scope);
        if (!name) {
            sli_nomem(ctx, "select");
            return fail(ctx, p, exprs, n);
        }
        exprs[i] = strip_alias(exprs[i]);
        sl_status s = sli_bind_expr(ctx, src, &exprs[i], &scope, NULL);
        if (s == SL_OK && exprs[i]->type.id == SL_TYPE_NULL)
            s = sli_coerce(ctx, src, &exprs[i], sli_type(SL_TYPE_INT32));
        if (s || !sli_plan_add_col(p, name, exprs[i]->type)) {
            free(name);
            if (!s) sli_nomem(ctx, "select");
            /* p owns exprs[0..p->ncols); free the rest here */
            for (size_t k = p->ncols; k < n; k++) sli_expr_free(exprs[k]);
            free(exprs);
            sli_plan_unref(p);
            return NULL;
        }
        free(name);
        p->exprs[i] = exprs[i];
    }
    free(exprs);
    return sli_frame_new(ctx, p);
}

sl_frame *sli_frame_where(const sl_frame *f, sli_expr *pred, const sli_source *src)
{
    sl_context *ctx = f->ctx;
    if (!check_not_grouped(f, "where")) {
        sli_expr_free(pred);
        return NULL;
    }
    sli_plan *p = node_over(f, SLI_PLAN_FILTER);
    if (!p) {
        sli_expr_free(pred);
        sli_nomem(ctx, "where");
        return NULL;
    }
    sli_scope scope = sli_plan_scope(f->plan);
    if (sli_bind_predicate(ctx, src, &pred, &scope)) {
        sli_expr_free(pred);
        sli_plan_unref(p);
        return NULL;
    }
    p->pred = pred;
    for (size_t i = 0; i < f->plan->ncols; i++) {
        if (!sli_plan_add_col(p, f->plan->names[i], f->plan->types[i])) {
            sli_nomem(ctx, "where");
            sli_plan_unref(p);
            return NULL;
        }
    }
    return sli_frame_new(ctx, p);
}

/* Which join inputs an expression's columns come from: bit 0 left, bit 1 right. */
static int sides(const sli_expr *e, size_t nleft)
{
    int m = 0;
    if (e->kind == SLI_EX_COLUMN) m |= (size_t)e->index < nleft ? 1 : 2;
    for (size_t i = 0; i < e->nargs; i++) m |= sides(e->args[i], nleft);
    return m;
}

static void shift_columns(sli_expr *e, int by)
{
    if (e->kind == SLI_EX_COLUMN) e->index += by;
    for (size_t i = 0; i < e->nargs; i++) shift_columns(e->args[i], by);
}

sl_frame *sli_frame_join(const sl_frame *l, const sl_frame *r, sli_expr **conds, size_t n, sli_join_type how,
                         const sli_source *src)
{
    sl_context *ctx = l->ctx;
    if (!check_not_grouped(l, "join") || !check_not_grouped(r, "join")) return fail(ctx, NULL, conds, n);
    if (n == 0) {
        sli_error(ctx, SL_ERR_INVALID_ARG, "join needs a condition, e.g. join(o, l_orderkey = o_orderkey)");
        return fail(ctx, NULL, conds, n);
    }
    sli_plan *j = sli_plan_new(SLI_PLAN_JOIN);
    if (!j) return fail(ctx, NULL, conds, n);
    j->in[0] = sli_plan_ref(l->plan);
    j->in[1] = sli_plan_ref(r->plan);
    j->jtype = how;
    size_t nl = l->plan->ncols;
    bool ok = true;
    for (size_t i = 0; i < nl && ok; i++) ok = sli_plan_add_col(j, l->plan->names[i], l->plan->types[i]);
    for (size_t i = 0; i < r->plan->ncols && ok; i++)
        ok = sli_plan_add_col(j, r->plan->names[i], r->plan->types[i]);
    if (!ok) {
        sli_nomem(ctx, "join");
        return fail(ctx, j, conds, n);
    }
    sli_scope scope = sli_plan_scope(j);
    sli_expr **conj = NULL;
    size_t nconj = 0, cap = 0;
    for (size_t i = 0; i < n; i++) {
        if (sli_bind_predicate(ctx, src, &conds[i], &scope)) {
            sli_expr_free_list(conj, nconj);
            return fail(ctx, j, conds, n);
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!sli_opt_conjuncts(conds[i], &conj, &nconj, &cap)) ok = false;
        conds[i] = NULL;
    }
    free(conds);
    if (!ok) {
        sli_nomem(ctx, "join");
        sli_expr_free_list(conj, nconj);
        sli_plan_unref(j);
        return NULL;
    }
    /* Equalities with one side on each input become hash keys; the rest
     * stays as a filter over the join's output. */
    j->lkeys = calloc(nconj, sizeof *j->lkeys);
    j->rkeys = calloc(nconj, sizeof *j->rkeys);
    sli_expr *rest = NULL;
    if (!j->lkeys || !j->rkeys) ok = false;
    for (size_t i = 0; i < nconj && ok; i++) {
        sli_expr *c = conj[i];
        conj[i] = NULL;
        int ls = 0, rs = 0;
        if (c->kind == SLI_EX_BINARY && c->op == SLI_OP_EQ) {
            ls = sides(c->args[0], nl);
            rs = sides(c->args[1], nl);
        }
        if ((ls == 1 && rs == 2) || (ls == 2 && rs == 1)) {
            sli_expr *a = c->args[ls == 1 ? 0 : 1], *b = c->args[ls == 1 ? 1 : 0];
            c->nargs = 0;
            sli_expr_free(c);
            shift_columns(b, -(int)nl);
            j->lkeys[j->nkeys] = a;
            j->rkeys[j->nkeys] = b;
            j->nkeys++;
        } else if (!rest) {
            rest = c;
        } else {
            sli_expr *and = sli_expr_new(SLI_EX_BINARY, c->line, c->col);
            if (!and) {
                sli_expr_free(c);
                ok = false;
                break;
            }
            and->op = SLI_OP_AND;
            and->type = sli_type(SL_TYPE_BOOL);
            ok = sli_expr_push(and, rest);
            ok = sli_expr_push(and, c) && ok;
            rest = and;
        }
    }
    sli_expr_free_list(conj, nconj);
    if (!ok) {
        sli_expr_free(rest);
        sli_plan_unref(j);
        sli_nomem(ctx, "join");
        return NULL;
    }
    if (j->nkeys == 0) {
        sli_expr_free(rest);
        sli_plan_unref(j);
        sli_error(ctx, SL_ERR_UNSUPPORTED,
                  "join needs at least one equality between a column of each side (e.g. a_id = b_id); "
                  "cross joins are not supported");
        return NULL;
    }
    if (how != SLI_JOIN_INNER && rest) {
        sli_expr_free(rest);
        sli_plan_unref(j);
        sli_error(ctx, SL_ERR_UNSUPPORTED,
                  "%s join: only equalities between a column of each side are supported in its condition "
                  "(conditions that are not such equalities can only be applied after an inner join)",
                  sli_join_type_name(how));
        return NULL;
    }
    if (!sli_join_keeps_right(how)) {
        /* Semi and anti joins output only the left columns; the right ones
         * were in scope only to bind the condition. */
        for (size_t i = nl; i < j->ncols; i++) free(j->names[i]);
        j->ncols = nl;
    }
    sl_frame *jf = sli_frame_new(ctx, j);
    if (!jf || !rest) {
        sli_expr_free(rest);
        return jf;
    }
    /* The residual condition is already bound to the join's output. */
    sli_plan *flt = node_over(jf, SLI_PLAN_FILTER);
    ok = flt != NULL;
    for (size_t i = 0; ok && i < jf->plan->ncols; i++)
        ok = sli_plan_add_col(flt, jf->plan->names[i], jf->plan->types[i]);
    sl_frame_destroy(jf);
    if (!ok) {
        sli_expr_free(rest);
        sli_plan_unref(flt);
        sli_nomem(ctx, "join");
        return NULL;
    }
    flt->pred = rest;
    return sli_frame_new(ctx, flt);
}

sl_frame *sli_frame_group_by(const sl_frame *f, sli_expr **keys, size_t n, const sli_source *src)
{
    sl_context *ctx = f->ctx;
    if (!check_not_grouped(f, "groupBy")) return fail(ctx, NULL, keys, n);
    sl_frame *g = calloc(1, sizeof *g);
    char **names = calloc(n ? n : 1, sizeof *names);
    if (!g || !names) {
        free(g);
        free(names);
        sli_nomem(ctx, "groupBy");
        return fail(ctx, NULL, keys, n);
    }
    sli_scope scope = sli_plan_scope(f->plan);
    for (size_t i = 0; i < n; i++) {
        names[i] = sli_expr_output_name(keys[i], &scope);
        keys[i] = strip_alias(keys[i]);
        sl_status s = names[i] ? sli_bind_expr(ctx, src, &keys[i], &scope, NULL) : sli_nomem(ctx, "groupBy");
        if (s) {
            for (size_t k = 0; k <= i; k++) free(names[k]);
            free(names);
            free(g);
            return fail(ctx, NULL, keys, n);
        }
    }
    g->ctx = ctx;
    g->plan = sli_plan_ref(f->plan);
    g->groups = keys;
    g->ngroups = n;
    g->group_names = names;
    g->grouped = true;
    return g;
}

/* An agg() list item that is exactly the k-th collected aggregate. */
static bool is_bare_agg(const sli_expr *e, size_t base, size_t k)
{
    return e->kind == SLI_EX_COLUMN && (size_t)e->index == base + k;
}

sl_frame *sli_frame_agg(const sl_frame *f, sli_expr **items, size_t n, const sli_source *src)
{
    sl_context *ctx = f->ctx;
    if (n == 0) {
        sli_error(ctx, SL_ERR_INVALID_ARG, "agg needs at least one aggregate, e.g. agg(count(*) as n)");
        return fail(ctx, NULL, items, n);
    }
    size_t ng = f->ngroups;
    sli_agg_collector col = {sli_plan_scope(f->plan), ng, NULL, 0, 0};
    sli_scope gscope = {ng, f->group_names, NULL};
    sl_type *gtypes = malloc((ng ? ng : 1) * sizeof *gtypes);
    char **names = calloc(n, sizeof *names);
    sli_plan *agg = node_over(f, SLI_PLAN_AGG);
    bool ok = gtypes && names && agg;
    for (size_t i = 0; ok && i < ng; i++) gtypes[i] = f->groups[i]->type;
    gscope.types = gtypes;
    sl_status s = ok ? SL_OK : sli_nomem(ctx, "agg");
    for (size_t i = 0; i < n && !s; i++) {
        names[i] = sli_expr_output_name(items[i], &gscope);
        if (!names[i])
            s = sli_nomem(ctx, "agg");
        else {
            items[i] = strip_alias(items[i]);
            s = sli_bind_expr(ctx, src, &items[i], &gscope, &col);
        }
    }
    if (!s && col.naggs == 0 && ng == 0)
        s = sli_error(ctx, SL_ERR_INVALID_ARG, "agg needs an aggregate function");
    /* AGG node: group keys then aggregates. */
    if (!s) {
        agg->ngroups = ng;
        agg->groups = calloc(ng ? ng : 1, sizeof *agg->groups);
        if (!agg->groups) s = sli_nomem(ctx, "agg");
        for (size_t i = 0; !s && i < ng; i++) {
            if (!(agg->groups[i] = sli_expr_clone(f->groups[i])) ||
                !sli_plan_add_col(agg, f->group_names[i], gtypes[i]))
                s = sli_nomem(ctx, "agg");
        }
    }
    bool bare = n == col.naggs;
    for (size_t i = 0; bare && i < n; i++) bare = is_bare_agg(items[i], ng, i);
    if (!s) {
        agg->aggs = col.aggs;
        agg->naggs = col.naggs;
        col.aggs = NULL;
        for (size_t k = 0; !s && k < agg->naggs; k++) {
            char tmp[32];
            snprintf(tmp, sizeof tmp, "__agg%zu", k);
            if (!sli_plan_add_col(agg, bare ? names[k] : tmp, agg->aggs[k].type)) s = sli_nomem(ctx, "agg");
        }
    }
    for (size_t k = 0; k < col.naggs && col.aggs; k++) sli_expr_free(col.aggs[k].arg);
    free(col.aggs);
    sl_frame *out = NULL;
    if (!s && bare) {
        sli_expr_free_list(items, n);
        items = NULL;
        out = sli_frame_new(ctx, agg);
        agg = NULL;
    } else if (!s) {
        /* Expressions over aggregates: a projection on top of the AGG node. */
        sli_plan *p = sli_plan_new(SLI_PLAN_PROJECT);
        if (!p)
            s = sli_nomem(ctx, "agg");
        else {
            p->in[0] = agg;
            agg = NULL;
            p->exprs = calloc(ng + n, sizeof *p->exprs);
            if (!p->exprs) s = sli_nomem(ctx, "agg");
            if (!s && !pass_through(p, f->group_names, gtypes, ng)) s = sli_nomem(ctx, "agg");
            for (size_t i = 0; !s && i < n; i++) {
                p->exprs[ng + i] = items[i];
                items[i] = NULL;
                if (!sli_plan_add_col(p, names[i], p->exprs[ng + i]->type)) s = sli_nomem(ctx, "agg");
            }
            if (s) {
                /* p->ncols tracks how many exprs p owns */
                for (size_t i = p->ncols; i < ng + n; i++) sli_expr_free(p->exprs[i]);
                sli_plan_unref(p);
            } else {
                out = sli_frame_new(ctx, p);
            }
        }
    }
    if (items) sli_expr_free_list(items, n);
    if (names)
        for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    free(gtypes);
    sli_plan_unref(agg);
    return out;
}

sl_frame *sli_frame_order_by(const sl_frame *f, sli_expr **keys, size_t n, const sli_source *src)
{
    sl_context *ctx = f->ctx;
    if (!check_not_grouped(f, "orderBy")) return fail(ctx, NULL, keys, n);
    if (n == 0) {
        sli_error(ctx, SL_ERR_INVALID_ARG, "orderBy needs at least one key");
        return fail(ctx, NULL, keys, n);
    }
    sli_scope scope = sli_plan_scope(f->plan);
    bool plain = true;
    for (size_t i = 0; i < n; i++) {
        if (sli_bind_expr(ctx, src, &keys[i], &scope, NULL)) return fail(ctx, NULL, keys, n);
        if (keys[i]->args[0]->kind != SLI_EX_COLUMN) plain = false;
    }
    sli_plan *below = sli_plan_ref(f->plan);
    size_t nc = f->plan->ncols;
    bool ok = true;
    if (!plain) {
        /* Expression keys are computed by a projection under the sort and
         * dropped by one above it. */
        sli_plan *p = sli_plan_new(SLI_PLAN_PROJECT);
        ok = p && (p->exprs = calloc(nc + n, sizeof *p->exprs));
        if (p)
            p->in[0] = below;
        else
            sli_plan_unref(below);
        below = p;
        ok = ok && pass_through(p, f->plan->names, f->plan->types, nc);
        for (size_t i = 0; ok && i < n; i++) {
            char tmp[32];
            snprintf(tmp, sizeof tmp, "__sort%zu", i);
            sli_expr *k = keys[i]->args[0];
            keys[i]->args[0] = NULL;
            p->exprs[nc + i] = k;
            ok = sli_plan_add_col(p, tmp, k->type);
            sli_expr *ref = column_ref(tmp, (int)(nc + i), k->type, k->line, k->col);
            ok = ok && ref;
            keys[i]->args[0] = ref;
        }
        if (p && !ok) {
            /* free exprs p does not account for */
            for (size_t m = p->ncols; m < nc + n; m++) sli_expr_free(p->exprs[m]);
        }
    }
    sli_plan *s = ok ? sli_plan_new(SLI_PLAN_SORT) : NULL;
    if (s) {
        s->in[0] = below;
        below = NULL;
        s->keys = keys;
        s->nkeys = n;
        keys = NULL;
        for (size_t i = 0; ok && i < s->in[0]->ncols; i++)
            ok = sli_plan_add_col(s, s->in[0]->names[i], s->in[0]->types[i]);
    }
    sli_plan_unref(below);
    if (keys) sli_expr_free_list(keys, n);
    if (!s || !ok) {
        sli_plan_unref(s);
        sli_nomem(ctx, "orderBy");
        return NULL;
    }
    if (plain) return sli_frame_new(ctx, s);
    sli_plan *top = sli_plan_new(SLI_PLAN_PROJECT);
    ok = top && (top->exprs = calloc(nc, sizeof *top->exprs));
    if (top)
        top->in[0] = s;
    else
        sli_plan_unref(s);
    ok = ok && pass_through(top, f->plan->names, f->plan->types, nc);
    if (!ok) {
        sli_plan_unref(top);
        sli_nomem(ctx, "orderBy");
        return NULL;
    }
    return sli_frame_new(ctx, top);
}

sl_frame *sli_frame_limit_n(const sl_frame *f, int64_t n)
{
    if (!check_not_grouped(f, "limit")) return NULL;
    if (n < 0) {
        sli_error(f->ctx, SL_ERR_INVALID_ARG, "limit must be >= 0, not %lld", (long long)n);
        return NULL;
    }
    sli_plan *p = node_over(f, SLI_PLAN_LIMIT);
    bool ok = p != NULL;
    for (size_t i = 0; ok && i < f->plan->ncols; i++)
        ok = sli_plan_add_col(p, f->plan->names[i], f->plan->types[i]);
    if (!ok) {
        sli_plan_unref(p);
        sli_nomem(f->ctx, "limit");
        return NULL;
    }
    p->limit = n;
    return sli_frame_new(f->ctx, p);
}
