/*
 * opt_util.c — helpers shared by the optimizer passes (see opt_util.h).
 */
#include "opt_util.h"

#include <stdlib.h>
#include <string.h>

#include "runtime/context.h"
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

bool sli_opt_inline_projection(sli_expr **pe, const sli_plan *p, bool keep_names)
{
    sli_expr *e = *pe;
    if (e->kind == SLI_EX_COLUMN) {
        const sli_expr *def = p->exprs[e->index];
        if (keep_names && def->kind == SLI_EX_COLUMN) {
            e->index = def->index;
            return true;
        }
        sli_expr *c = sli_expr_clone(def);
        if (!c) return false;
        sli_expr_free(e);
        *pe = c;
        return true;
    }
    for (size_t i = 0; i < e->nargs; i++)
        if (e->args[i] && !sli_opt_inline_projection(&e->args[i], p, keep_names)) return false;
    return true;
}

/* Splits a tree of `op` (AND or OR) into its operands (taking it). */
static bool split_op(sli_expr *e, sli_op op, sli_expr ***list, size_t *n, size_t *cap)
{
    if (e->kind == SLI_EX_BINARY && e->op == op && e->nargs == 2) {
        sli_expr *l = e->args[0], *r = e->args[1];
        e->nargs = 0;
        sli_expr_free(e);
        bool ok = split_op(l, op, list, n, cap);
        return split_op(r, op, list, n, cap) && ok;
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

bool sli_opt_conjuncts(sli_expr *e, sli_expr ***list, size_t *n, size_t *cap)
{
    return split_op(e, SLI_OP_AND, list, n, cap);
}

sl_status sli_opt_rewrite_filters(sl_context *ctx, sli_plan *p,
                                  sli_expr *(*fn)(sli_expr *pred, const sli_plan *input, bool *nomem))
{
    if (p->kind == SLI_PLAN_FILTER && p->pred) {
        bool nomem = false;
        p->pred = fn(p->pred, p->in[0], &nomem);
        if (nomem) return sli_nomem(ctx, "optimizer");
    }
    for (int i = 0; i < 2; i++) {
        if (!p->in[i]) continue;
        sl_status s = sli_opt_rewrite_filters(ctx, p->in[i], fn);
        if (s) return s;
    }
    return SL_OK;
}

sli_expr *sli_opt_and_all(sli_expr **list, size_t n, bool *nomem)
{
    sli_expr *acc = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!acc) {
            acc = list[i];
            continue;
        }
        acc = sli_expr_binary(SLI_OP_AND, acc, list[i], acc->line, acc->col);
        if (!acc) {
            for (size_t k = i + 1; k < n; k++) sli_expr_free(list[k]);
            *nomem = true;
            return NULL;
        }
        acc->type = sli_type(SL_TYPE_BOOL);
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

static bool name_eq(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

static bool type_eq(sl_type a, sl_type b)
{
    return a.id == b.id && a.precision == b.precision && a.scale == b.scale;
}

bool sli_opt_expr_eq(const sli_expr *a, const sli_expr *b)
{
    if (!a || !b) return a == b;
    if (a->kind != b->kind || a->op != b->op || a->nargs != b->nargs || a->negated != b->negated ||
        a->desc != b->desc || a->nulls_first != b->nulls_first || a->unit != b->unit ||
        a->index != b->index || !type_eq(a->type, b->type) || !type_eq(a->cast_type, b->cast_type) ||
        !name_eq(a->name, b->name))
        return false;
    /* lit carries the literal, a SQL column's qualifier (lit.s) and a SQL
     * subquery's index (lit.i): compare it for every kind. */
    const sli_value *x = &a->lit, *y = &b->lit;
    if (!type_eq(x->type, y->type) || x->is_null != y->is_null || x->i != y->i || x->slen != y->slen ||
        memcmp(&x->f, &y->f, sizeof x->f) != 0)
        return false;
    if ((x->s == NULL) != (y->s == NULL)) return false;
    if (x->s && (x->slen ? memcmp(x->s, y->s, x->slen) != 0 : strcmp(x->s, y->s) != 0)) return false;
    for (size_t i = 0; i < a->nargs; i++)
        if (!sli_opt_expr_eq(a->args[i], b->args[i])) return false;
    return true;
}

/* A branch of an OR as its conjunct list. */
typedef struct branch {
    sli_expr **c;
    size_t n, cap;
} branch;

static void branches_free(branch *b, size_t nb)
{
    for (size_t i = 0; b && i < nb; i++) {
        sli_expr_free_list(b[i].c, b[i].n);
    }
    free(b);
}

/* Removes the first conjunct of b equal to e. @return it, or NULL. */
static sli_expr *take_equal(branch *b, const sli_expr *e)
{
    for (size_t i = 0; i < b->n; i++) {
        if (!b->c[i] || !sli_opt_expr_eq(b->c[i], e)) continue;
        sli_expr *t = b->c[i];
        b->c[i] = NULL;
        return t;
    }
    return NULL;
}

/* Compacts the NULL holes out of a branch. */
static void compact(branch *b)
{
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++)
        if (b->c[i]) b->c[k++] = b->c[i];
    b->n = k;
}

static sli_expr *or_of(sli_expr *l, sli_expr *r, bool *nomem)
{
    sli_expr *o = sli_expr_binary(SLI_OP_OR, l, r, l->line, l->col);
    if (!o) {
        *nomem = true;
        return NULL;
    }
    o->type = sli_type(SL_TYPE_BOOL);
    return o;
}

/* Factors one OR tree (taking it) into the conjuncts appended to out. */
static bool factor_one(sli_expr *e, sli_expr ***out, size_t *nout, size_t *capout)
{
    sli_expr **ors = NULL;
    size_t nor = 0, corr = 0;
    if (!split_op(e, SLI_OP_OR, &ors, &nor, &corr)) {
        free(ors);
        return false;
    }
    branch *b = calloc(nor, sizeof *b);
    if (!b) {
        sli_expr_free_list(ors, nor);
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < nor; i++) {
        if (ok)
            ok = sli_opt_conjuncts(ors[i], &b[i].c, &b[i].n, &b[i].cap);
        else
            sli_expr_free(ors[i]);
    }
    free(ors);
    if (!ok) {
        branches_free(b, nor);
        return false;
    }
    /* Conjuncts of the first branch found in every other branch move out. */
    bool any_empty = false;
    for (size_t i = 0; ok && i < b[0].n; i++) {
        const sli_expr *cand = b[0].c[i];
        bool everywhere = true;
        for (size_t k = 1; k < nor && everywhere; k++) {
            everywhere = false;
            for (size_t j = 0; j < b[k].n; j++)
                if (b[k].c[j] && sli_opt_expr_eq(b[k].c[j], cand)) everywhere = true;
        }
        if (!everywhere) continue;
        for (size_t k = 1; k < nor; k++) sli_expr_free(take_equal(&b[k], cand));
        sli_expr *common = b[0].c[i];
        b[0].c[i] = NULL;
        ok = sli_opt_conjuncts(common, out, nout, capout);
    }
    for (size_t k = 0; k < nor; k++) {
        compact(&b[k]);
        if (b[k].n == 0) any_empty = true;
    }
    if (ok && !any_empty) {
        /* The rest: OR of each branch's remaining AND. */
        sli_expr *acc = NULL;
        bool nomem = false;
        for (size_t k = 0; k < nor && !nomem; k++) {
            sli_expr *a = sli_opt_and_all(b[k].c, b[k].n, &nomem);
            free(b[k].c);
            b[k].c = NULL;
            b[k].n = 0;
            if (nomem) break;
            acc = acc ? or_of(acc, a, &nomem) : a;
            if (nomem) acc = NULL;
        }
        if (nomem) {
            sli_expr_free(acc);
            ok = false;
        } else {
            ok = sli_opt_conjuncts(acc, out, nout, capout);
        }
    }
    /* A branch left empty is true: the OR of the rest is true and drops. */
    branches_free(b, nor);
    return ok;
}

sli_expr *sli_opt_factor_or(sli_expr *e, bool *nomem)
{
    if (!e) return NULL;
    sli_expr **conj = NULL, **out = NULL;
    size_t n = 0, cap = 0, nout = 0, cout = 0;
    bool ok = sli_opt_conjuncts(e, &conj, &n, &cap);
    for (size_t i = 0; i < n; i++) {
        sli_expr *c = conj[i];
        conj[i] = NULL;
        if (!ok) {
            sli_expr_free(c);
        } else if (c->kind == SLI_EX_BINARY && c->op == SLI_OP_OR && c->nargs == 2) {
            ok = factor_one(c, &out, &nout, &cout);
        } else {
            ok = sli_opt_conjuncts(c, &out, &nout, &cout);
        }
    }
    free(conj);
    if (!ok) {
        sli_expr_free_list(out, nout);
        *nomem = true;
        return NULL;
    }
    sli_expr *r = sli_opt_and_all(out, nout, nomem);
    free(out);
    return r;
}

/* The table column that column col of p's output reads, traced through
 * filters and renames to a scan. @return the table (*tc set), or NULL. */
static const sli_table *scan_column(const sli_plan *p, int col, size_t *tc)
{
    while (p && col >= 0) {
        if (p->kind == SLI_PLAN_FILTER) {
            p = p->in[0];
        } else if (p->kind == SLI_PLAN_PROJECT && p->exprs[col]->kind == SLI_EX_COLUMN) {
            col = p->exprs[col]->index;
            p = p->in[0];
        } else {
            break;
        }
    }
    if (!p || col < 0 || p->kind != SLI_PLAN_SCAN || !p->table || !p->cols) return NULL;
    *tc = p->cols[col];
    return p->table;
}

bool sli_opt_column_coded(const sli_plan *p, int col)
{
    size_t tc = 0;
    const sli_table *t = scan_column(p, col, &tc);
    if (!t || t->schema.types[tc].id != SL_TYPE_UTF8) return false;
    if (t->source) return t->source->coded && t->source->coded(t->source->self, tc);
    return sli_opt_column_ndv(p, col) >= 1.0;
}

double sli_opt_column_ndv(const sli_plan *p, int col)
{
    size_t tc = 0, most = 0;
    const sli_table *t = scan_column(p, col, &tc);
    if (!t) return 0.0;
    for (size_t i = 0; i < t->nparts; i++) {
        const sli_column *c = t->parts[i].cols[tc];
        if (!c->dict) return 0.0;
        if (c->dict->count > most) most = c->dict->count;
    }
    return (double)most;
}

/* The distinct values of the column that c compares with literals (c's
 * first argument), or 0 when unknown. */
static double compared_ndv(const sli_expr *c, const sli_plan *input)
{
    if (!input || c->nargs < 2 || c->args[0]->kind != SLI_EX_COLUMN) return 0.0;
    for (size_t i = 1; i < c->nargs; i++)
        if (c->args[i]->kind != SLI_EX_LITERAL) return 0.0;
    return sli_opt_column_ndv(input, c->args[0]->index);
}

double sli_opt_selectivity(const sli_expr *c, const sli_plan *input)
{
    double ndv = compared_ndv(c, input);
    switch (c->kind) {
    case SLI_EX_BINARY:
        switch (c->op) {
        case SLI_OP_AND:
            return sli_opt_selectivity(c->args[0], input) * sli_opt_selectivity(c->args[1], input);
        case SLI_OP_OR: {
            double a = sli_opt_selectivity(c->args[0], input), b = sli_opt_selectivity(c->args[1], input);
            return a + b - a * b;
        }
        case SLI_OP_EQ: return ndv >= 1.0 ? 1.0 / ndv : 0.1;
        case SLI_OP_NE: return ndv >= 1.0 ? 1.0 - 1.0 / ndv : 0.5;
        case SLI_OP_LT:
        case SLI_OP_LE:
        case SLI_OP_GT:
        case SLI_OP_GE: return 0.3;
        default: return 0.5;
        }
    case SLI_EX_BETWEEN: return c->negated ? 0.5 : 0.3;
    case SLI_EX_IS_NULL: return c->negated ? 0.5 : 0.1;
    case SLI_EX_CALL:
        /* a pattern keeps few rows of a column of words or names (TPC-H Q9's
         * '%green%' keeps 5% of part) */
        if (c->name && strcmp(c->name, SLI_LIKE) == 0) return c->negated ? 0.9 : 0.1;
        return 0.5;
    case SLI_EX_IN: {
        double in = ndv >= 1.0 ? (double)(c->nargs - 1) / ndv : 0.1 * (double)(c->nargs - 1);
        if (in > (ndv >= 1.0 ? 1.0 : 0.5)) in = ndv >= 1.0 ? 1.0 : 0.5;
        return c->negated ? 1.0 - in : in;
    }
    default: return 0.5;
    }
}

/* The column a range conjunct `column op literal` bounds, or -1. */
static int range_column(const sli_expr *c)
{
    if (c->kind != SLI_EX_BINARY || c->nargs != 2) return -1;
    if (c->op != SLI_OP_LT && c->op != SLI_OP_LE && c->op != SLI_OP_GT && c->op != SLI_OP_GE) return -1;
    const sli_expr *a = c->args[0], *b = c->args[1];
    if (a->kind == SLI_EX_COLUMN && b->kind == SLI_EX_LITERAL) return a->index;
    if (b->kind == SLI_EX_COLUMN && a->kind == SLI_EX_LITERAL) return b->index;
    return -1;
}

enum { MAX_RANGED = 64 };

/* Multiplies the selectivities of an AND tree's conjuncts. The binder
 * writes BETWEEN as two ranges on one column: only the first range on a
 * column counts, so `x >= a and x <= b` is 0.3 like a BETWEEN. */
static double filter_selectivity(const sli_expr *e, const sli_plan *input, int *ranged, size_t *nranged)
{
    if (e->kind == SLI_EX_BINARY && e->op == SLI_OP_AND && e->nargs == 2)
        return filter_selectivity(e->args[0], input, ranged, nranged) *
               filter_selectivity(e->args[1], input, ranged, nranged);
    int col = range_column(e);
    if (col >= 0) {
        for (size_t i = 0; i < *nranged; i++)
            if (ranged[i] == col) return 1.0;
        if (*nranged < MAX_RANGED) ranged[(*nranged)++] = col;
    }
    return sli_opt_selectivity(e, input);
}

double sli_opt_estimate_rows(const sli_plan *p)
{
    switch (p->kind) {
    case SLI_PLAN_SCAN: return p->table ? (double)p->table->rows : 0.0;
    case SLI_PLAN_FILTER: {
        int ranged[MAX_RANGED];
        size_t nranged = 0;
        double sel = p->pred ? filter_selectivity(p->pred, p->in[0], ranged, &nranged) : 1.0;
        return sli_opt_estimate_rows(p->in[0]) * sel;
    }
    case SLI_PLAN_AGG: {
        if (!p->ngroups) return 1.0;
        double in = sli_opt_estimate_rows(p->in[0]) * 0.1;
        return in < 1.0 ? 1.0 : in;
    }
    case SLI_PLAN_LIMIT: {
        double in = sli_opt_estimate_rows(p->in[0]);
        return p->limit >= 0 && (double)p->limit < in ? (double)p->limit : in;
    }
    case SLI_PLAN_JOIN:
    case SLI_PLAN_PROJECT:
    case SLI_PLAN_SORT: return sli_opt_estimate_rows(p->in[0]);
    }
    return 0.0;
}

sli_expr *sli_opt_column_ref(const char *name, sl_type type, int index)
{
    sli_expr *e = sli_expr_new(SLI_EX_COLUMN, 0, 0);
    if (e) e->name = strdup(name);
    if (!e || !e->name) {
        sli_expr_free(e);
        return NULL;
    }
    e->type = type;
    e->index = index;
    return e;
}
