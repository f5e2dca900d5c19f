/*
 * sql_from.c — the FROM and WHERE clauses of a SELECT block into one
 * relation (sql_plan_impl.h), planned before its SELECT list (sql_plan.c).
 *
 * The common table expressions of a block's WITH are planned first, once
 * each and in order, and stay in scope while its FROM and WHERE are planned
 * (subqueries and derived tables included). A FROM item naming one (before
 * any table of that name) is a new frame over the same plan with the
 * columns requalified by the item's name or alias, as a derived table would
 * be; the optimizer copies the plan per reference.
 *
 * FROM items are tables (a scan) and derived tables (a nested SELECT block);
 * an item's columns whose frame names clash with those of the items before
 * it (or of the enclosing query) are renamed "alias.column" by a projection.
 * An item followed by explicit joins (`[left] join ... on`) is one unit; the
 * units separated by commas are joined by hash joins on the WHERE
 * equalities that link two of them, in FROM order: the first unit, then
 * the first one linked to those joined so far (the optimizer then orders
 * the joins by estimated cost, opt_join_order.c). Conditions on one
 * unit filter it before the joins, the others filter the result.
 *
 * WHERE conjuncts that are subqueries come last: [NOT] EXISTS correlated by
 * equalities with the outer query, and x [NOT] IN (SELECT ...), become semi
 * and anti joins of the relation with the subquery's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "frame.h"
#include "opt_util.h"
#include "runtime/table.h"
#include "sql_ast.h"
#include "sql_plan_impl.h"

/** Deepest nesting of subqueries the planner follows. */
#define MAX_NESTING 64
/** Most FROM items one block may join by commas (one mask bit each). */
#define MAX_UNITS 62

typedef sli_sqlp_col scol;
typedef sli_sqlp_rel rel;
typedef sli_sqlp planner;
typedef sli_sqlp_scope scope;

/* ---- helpers -------------------------------------------------------------- */

/* l and r (both taken), left-associated like the parser builds them. */
static sli_expr *and_of(sli_expr *l, sli_expr *r)
{
    if (!l) return r;
    if (!r) return l;
    return sli_expr_binary(SLI_OP_AND, l, r, l->line, l->col);
}

/* Splits a tree of ANDs (or NULL) into its conjuncts (taking it). */
static bool split_and(sli_expr *e, sli_expr ***list, size_t *n)
{
    size_t cap = *n;
    return !e || sli_opt_conjuncts(e, list, n, &cap);
}

/* Which of rels (bits) a resolved tree reads, by frame name. */
static uint64_t mask_of(const sli_expr *e, rel *const *rels, size_t nrels)
{
    uint64_t m = 0;
    if (e->kind == SLI_EX_COLUMN) {
        for (size_t r = 0; r < nrels; r++)
            for (size_t i = 0; i < rels[r]->n; i++)
                if (strcmp(rels[r]->c[i].fname, e->name) == 0) m |= (uint64_t)1 << r;
    }
    for (size_t i = 0; i < e->nargs; i++) m |= mask_of(e->args[i], rels, nrels);
    return m;
}

static int popcount64(uint64_t m)
{
    int n = 0;
    for (; m; m &= m - 1) n++;
    return n;
}

/* ---- FROM items ----------------------------------------------------------- */

static bool fname_taken(const char *name, rel *const *others, size_t nothers, const rel *self, size_t upto)
{
    for (size_t o = 0; o < nothers; o++)
        for (size_t i = 0; i < others[o]->n; i++)
            if (strcmp(others[o]->c[i].fname, name) == 0) return true;
    for (size_t i = 0; i < upto; i++)
        if (strcmp(self->c[i].fname, name) == 0) return true;
    return false;
}

/* Renames r's columns whose frame names clash with those of `others` (a
 * projection "alias.column"), so that joined columns stay addressable. */
static sl_status uniquify(planner *p, rel *r, rel *const *others, size_t nothers)
{
    bool clash = false;
    for (size_t i = 0; i < r->n && !clash; i++) clash = fname_taken(r->c[i].fname, others, nothers, r, 0);
    if (!clash) return SL_OK;
    sli_expr **list = calloc(r->n, sizeof *list);
    if (!list) return sli_sqlp_oom(p);
    for (size_t i = 0; i < r->n; i++) {
        char *fresh = NULL;
        if (fname_taken(r->c[i].fname, others, nothers, r, i)) {
            size_t cap = strlen(r->c[i].fname) + (r->c[i].qual ? strlen(r->c[i].qual) : 0) + 24;
            fresh = malloc(cap);
            if (!fresh) break;
            snprintf(fresh, cap, "%s.%s", r->c[i].qual ? r->c[i].qual : "", r->c[i].name);
            for (int k = 2; fname_taken(fresh, others, nothers, r, i); k++)
                snprintf(fresh, cap, "%s.%s#%d", r->c[i].qual ? r->c[i].qual : "", r->c[i].name, k);
        }
        sli_expr *ref = sli_sqlp_col_ref(r->c[i].fname, r->line, r->col);
        list[i] = fresh ? sli_sqlp_alias_of(ref, fresh) : ref;
        if (fresh && list[i]) {
            free(r->c[i].fname);
            r->c[i].fname = fresh;
        } else {
            free(fresh);
        }
        if (!list[i]) break;
    }
    for (size_t i = 0; i < r->n; i++) {
        if (!list[i]) {
            sli_expr_free_list(list, r->n);
            return sli_sqlp_oom(p);
        }
    }
    sl_frame *f = sli_frame_select(r->f, list, r->n, p->src);
    if (!f) return sli_sqlp_locate(p, r->line, r->col);
    sl_frame_destroy(r->f);
    r->f = f;
    return SL_OK;
}

/* The common table expression named `name` in scope, or NULL. */
static const sli_sqlp_cte *find_cte(const planner *p, const char *name)
{
    for (const sli_sqlp_cte *c = p->ctes; c; c = c->next)
        if (strcasecmp(c->name, name) == 0) return c;
    return NULL;
}

/* A FROM item naming the common table expression c: a frame over its plan,
 * its columns qualified by the item's alias or name. */
static sl_status plan_cte_ref(planner *p, const sli_sqlp_cte *c, const sli_sql_from *fi, rel *out)
{
    out->f = sli_frame_new(p->ctx, sli_plan_ref(c->rel.f->plan));
    if (!out->f) return sli_sqlp_oom(p);
    out->rows = c->rel.rows;
    const char *qual = fi->alias ? fi->alias : fi->table;
    for (size_t i = 0; i < c->rel.n; i++) {
        const scol *col = &c->rel.c[i];
        if (!sli_sqlp_rel_add(out, qual, col->name, col->fname, col->nullable)) return sli_sqlp_oom(p);
    }
    return SL_OK;
}

/* A table, common table expression or derived table of FROM. */
static sl_status plan_item(planner *p, sli_sql_from *fi, rel *out)
{
    memset(out, 0, sizeof *out);
    out->line = fi->line;
    out->col = fi->col;
    const sli_sqlp_cte *cte = fi->table ? find_cte(p, fi->table) : NULL;
    if (cte) return plan_cte_ref(p, cte, fi, out);
    if (fi->sub) {
        sl_status s = sli_sqlp_plan_select(p, fi->sub, out);
        if (s) return s;
        for (size_t i = 0; i < out->n; i++) {
            free(out->c[i].qual);
            if (!(out->c[i].qual = strdup(fi->alias))) return sli_sqlp_oom(p);
        }
        out->line = fi->line;
        out->col = fi->col;
        return SL_OK;
    }
    out->f = sl_frame_table(p->ctx, fi->table);
    if (!out->f) return sli_sqlp_locate(p, fi->line, fi->col);
    const sli_table *t = out->f->plan->table;
    out->rows = t ? (double)t->rows : 0;
    const char *qual = fi->alias ? fi->alias : fi->table;
    for (size_t i = 0; i < sl_frame_column_count(out->f); i++) {
        bool nullable = !t || t->source != NULL;
        for (size_t k = 0; t && !nullable && k < t->nparts; k++)
            nullable = t->parts[k].cols[i]->null_count > 0;
        const char *name = sl_frame_column_name(out->f, i);
        if (!sli_sqlp_rel_add(out, qual, name, name, nullable)) return sli_sqlp_oom(p);
    }
    return SL_OK;
}

/* Joins r (taken) onto l: l = l JOIN r ON conds. */
static sl_status join_into(planner *p, rel *l, rel *r, sli_expr **conds, size_t n, sli_join_type how,
                           int line, int col)
{
    sl_frame *j = sli_frame_join(l->f, r->f, conds, n, how, p->src);
    if (!j) {
        sli_sqlp_rel_clear(r);
        return sli_sqlp_locate(p, line, col);
    }
    sl_frame_destroy(l->f);
    l->f = j;
    bool keeps = how == SLI_JOIN_INNER || how == SLI_JOIN_LEFT;
    for (size_t i = 0; keeps && i < r->n; i++) {
        if (!sli_sqlp_rel_add(l, r->c[i].qual, r->c[i].name, r->c[i].fname,
                              r->c[i].nullable || how == SLI_JOIN_LEFT)) {
            sli_sqlp_rel_clear(r);
            return sli_sqlp_oom(p);
        }
    }
    if (r->rows > l->rows) l->rows = r->rows;
    sli_sqlp_rel_clear(r);
    return SL_OK;
}

/* `l [left] join r on cond` with r already uniquified against l. */
static sl_status plan_explicit_join(planner *p, rel *l, rel *r, sli_sql_from *fi)
{
    sli_expr **conj = NULL;
    size_t n = 0;
    sli_expr *on = fi->on;
    fi->on = NULL;
    if (!split_and(on, &conj, &n)) {
        sli_expr_free_list(conj, n);
        sli_sqlp_rel_clear(r);
        return sli_sqlp_oom(p);
    }
    rel *rels[2] = {l, r};
    scope sc = {rels, 2, NULL};
    sl_status s = SL_OK;
    sli_expr *right_only = NULL;
    size_t keep = 0;
    for (size_t i = 0; i < n && !s; i++) {
        const sli_expr *sq = sli_sqlp_find_subquery(conj[i]);
        if (sq) {
            s = sli_sqlp_err_at(p, SL_ERR_UNSUPPORTED, sq->line, sq->col,
                                "subqueries in ON are not supported");
            break;
        }
        uint64_t used = 0;
        if ((s = sli_sqlp_resolve(p, &sc, conj[i], &used))) break;
        if (fi->join == SLI_SQL_JOIN_LEFT && used == 2) {
            /* a condition on the right table alone filters it before the join */
            right_only = and_of(right_only, conj[i]);
            conj[i] = NULL;
            if (!right_only) s = sli_sqlp_oom(p);
            continue;
        }
        if (fi->join == SLI_SQL_JOIN_LEFT && (used & 2) == 0) {
            s = sli_sqlp_err_at(p, SL_ERR_UNSUPPORTED, conj[i]->line, conj[i]->col,
                                "a LEFT JOIN condition that does not use the joined table is not supported");
            break;
        }
        conj[keep++] = conj[i];
        conj[i] = keep - 1 == i ? conj[i] : NULL;
    }
    if (!s && right_only) {
        sl_frame *f = sli_frame_where(r->f, right_only, p->src);
        right_only = NULL;
        if (!f)
            s = sli_sqlp_locate(p, fi->line, fi->col);
        else {
            sl_frame_destroy(r->f);
            r->f = f;
        }
    }
    sli_expr_free(right_only);
    if (s) {
        sli_expr_free_list(conj, n);
        sli_sqlp_rel_clear(r);
        return s;
    }
    if (keep == 0) {
        free(conj);
        sli_sqlp_rel_clear(r);
        return sli_sqlp_err_at(
            p, SL_ERR_UNSUPPORTED, fi->jline, fi->jcol,
            "a join needs an equality between a column of each side in ON; cross joins are not supported");
    }
    return join_into(p, l, r, conj, keep, fi->join == SLI_SQL_JOIN_LEFT ? SLI_JOIN_LEFT : SLI_JOIN_INNER,
                     fi->jline, fi->jcol);
}

/* The units of a FROM clause: items separated by commas, each with the
 * explicit joins that follow it. Frame names are made distinct across all
 * units and from `outer` (the enclosing query's relation, or NULL). */
static sl_status build_units(planner *p, sli_sql_select *s, rel *outer, rel **units, size_t *nunits)
{
    rel *u = calloc(s->nfrom, sizeof *u);
    if (!u) return sli_sqlp_oom(p);
    size_t n = 0;
    sl_status st = SL_OK;
    rel **others = calloc(s->nfrom + 1, sizeof *others);
    if (!others) st = sli_sqlp_oom(p);
    for (size_t i = 0; i < s->nfrom && !st; i++) {
        sli_sql_from *fi = &s->from[i];
        rel r;
        if ((st = plan_item(p, fi, &r))) {
            sli_sqlp_rel_clear(&r);
            break;
        }
        size_t no = 0;
        for (size_t k = 0; k < n; k++) others[no++] = &u[k];
        if (outer) others[no++] = outer;
        if ((st = uniquify(p, &r, others, no))) {
            sli_sqlp_rel_clear(&r);
            break;
        }
        if (fi->join == SLI_SQL_JOIN_FIRST || fi->join == SLI_SQL_JOIN_COMMA) {
            if (n == MAX_UNITS) {
                sli_sqlp_rel_clear(&r);
                st = sli_sqlp_err_at(p, SL_ERR_UNSUPPORTED, fi->line, fi->col,
                                     "more than %d tables separated by commas", MAX_UNITS);
                break;
            }
            u[n++] = r;
        } else {
            st = plan_explicit_join(p, &u[n - 1], &r, fi);
        }
    }
    free(others);
    if (st) {
        for (size_t k = 0; k < n; k++) sli_sqlp_rel_clear(&u[k]);
        free(u);
        return st;
    }
    *units = u;
    *nunits = n;
    return SL_OK;
}

static sl_status filter_rel(planner *p, rel *r, sli_expr *pred)
{
    if (!pred) return SL_OK;
    int line = pred->line, col = pred->col;
    sl_frame *f = sli_frame_where(r->f, pred, p->src);
    if (!f) return sli_sqlp_locate(p, line, col);
    sl_frame_destroy(r->f);
    r->f = f;
    return SL_OK;
}

/* Joins comma-separated units (taken) into *out through the equalities
 * among conj (taken; resolved; masks over the units). */
static sl_status combine_units(planner *p, rel *u, size_t nu, sli_expr **conj, uint64_t *mask, size_t nc,
                               rel *out)
{
    sl_status s = SL_OK;
    rel *ptrs[MAX_UNITS];
    for (size_t k = 0; k < nu; k++) ptrs[k] = &u[k];
    if (nu == 1) {
        sli_expr *pred = NULL;
        for (size_t i = 0; i < nc; i++) {
            pred = and_of(pred, conj[i]);
            conj[i] = NULL;
            if (!pred) s = sli_sqlp_oom(p);
        }
        if (!s) s = filter_rel(p, &u[0], pred);
        *out = u[0];
        memset(&u[0], 0, sizeof u[0]);
        return s;
    }
    /* conditions on one table go onto that table */
    for (size_t k = 0; k < nu && !s; k++) {
        sli_expr *pred = NULL;
        for (size_t i = 0; i < nc; i++) {
            if (!conj[i] || !(mask[i] == ((uint64_t)1 << k) || (mask[i] == 0 && k == 0))) continue;
            pred = and_of(pred, conj[i]);
            conj[i] = NULL;
            if (!pred) s = sli_sqlp_oom(p);
        }
        if (!s) s = filter_rel(p, &u[k], pred);
    }
    /* equalities between two tables are the join edges */
    uint64_t *ends = calloc(nc ? nc : 1, sizeof *ends);
    if (!ends && !s) s = sli_sqlp_oom(p);
    for (size_t i = 0; i < nc && !s; i++) {
        sli_expr *c = conj[i];
        if (!c || c->kind != SLI_EX_BINARY || c->op != SLI_OP_EQ) continue;
        uint64_t a = mask_of(c->args[0], ptrs, nu), b = mask_of(c->args[1], ptrs, nu);
        if (popcount64(a) == 1 && popcount64(b) == 1 && a != b) ends[i] = a | b;
    }
    size_t start = 0;
    uint64_t joined = (uint64_t)1 << start;
    if (!s) {
        *out = u[start];
        memset(&u[start], 0, sizeof u[start]);
    }
    for (size_t step = 1; step < nu && !s; step++) {
        size_t best = nu;
        for (size_t k = 0; k < nu; k++) {
            if (joined & ((uint64_t)1 << k)) continue;
            bool linked = false;
            for (size_t i = 0; i < nc && !linked; i++)
                linked = conj[i] && ends[i] && (ends[i] & ((uint64_t)1 << k)) && (ends[i] & joined);
            if (linked && best == nu) best = k;
        }
        if (best == nu) {
            for (size_t k = 0; k < nu; k++) {
                if (joined & ((uint64_t)1 << k)) continue;
                s = sli_sqlp_err_at(
                    p, SL_ERR_UNSUPPORTED, u[k].line, u[k].col,
                    "this table is not linked to the other tables by an equality in WHERE (e.g. a.x = b.y); "
                    "cross joins are not supported");
                break;
            }
            break;
        }
        sli_expr **conds = calloc(nc, sizeof *conds);
        size_t ncond = 0;
        if (!conds) {
            s = sli_sqlp_oom(p);
            break;
        }
        uint64_t bit = (uint64_t)1 << best;
        for (size_t i = 0; i < nc; i++) {
            if (conj[i] && ends[i] && (ends[i] & bit) && (ends[i] & joined)) {
                conds[ncond++] = conj[i];
                conj[i] = NULL;
            }
        }
        int line = conds[0]->line, col = conds[0]->col;
        s = join_into(p, out, &u[best], conds, ncond, SLI_JOIN_INNER, line, col);
        joined |= bit;
    }
    free(ends);
    /* what remains applies after the joins */
    sli_expr *rest = NULL;
    for (size_t i = 0; i < nc; i++) {
        if (!conj[i]) continue;
        if (s) {
            sli_expr_free(conj[i]);
        } else {
            rest = and_of(rest, conj[i]);
            if (!rest) s = sli_sqlp_oom(p);
        }
        conj[i] = NULL;
    }
    if (!s)
        s = filter_rel(p, out, rest);
    else
        sli_expr_free(rest);
    return s;
}

/* ---- subqueries in WHERE -------------------------------------------------- */

static bool simple_block(const sli_sql_select *s)
{
    if (s->ngroup || s->having || s->distinct || s->has_limit) return false;
    for (size_t i = 0; i < s->nitems; i++)
        if (s->items[i].expr && sli_sqlp_has_agg(s->items[i].expr)) return false;
    return true;
}

/* r = r semi/anti join (the EXISTS subquery sub, correlated by
 * equalities). With in_x (taken; resolved against r), `in_x IN (sub)`: the
 * same semi join with in_x = the subquery's column as one more key, which
 * also lets an IN subquery be correlated. */
static sl_status plan_exists(planner *p, rel *r, sli_sql_select *sub, bool negated, int line, int col,
                             sli_expr *in_x)
{
    if (!simple_block(sub)) {
        sli_expr_free(in_x);
        return sli_sqlp_err_at(
            p, SL_ERR_UNSUPPORTED, line, col,
            "EXISTS over a subquery with GROUP BY, HAVING, DISTINCT, LIMIT or aggregates is not supported");
    }
    rel sr;
    memset(&sr, 0, sizeof sr);
    sli_expr **corr = NULL;
    size_t ncorr = 0;
    sl_status s = sli_sqlp_from_where(p, sub, r, &sr, &corr, &ncorr);
    if (!s && in_x) {
        sli_sql_item *it = &sub->items[0];
        sli_expr *c = sub->nitems == 1 ? it->expr : NULL;
        sli_expr *eq = c ? sli_expr_new(SLI_EX_BINARY, line, col) : NULL;
        sli_expr **nl = eq ? realloc(corr, (ncorr + 1) * sizeof *nl) : NULL;
        if (!c)
            s = sli_sqlp_err_at(p, SL_ERR_SYNTAX, sub->line, sub->col,
                                "the subquery of IN must return one column");
        else if (!nl)
            s = sli_sqlp_oom(p);
        else
            corr = nl;
        if (!s) {
            it->expr = NULL;
            s = sli_sqlp_resolve_in(p, &sr, c);
            eq->op = SLI_OP_EQ;
            bool ok = sli_expr_push(eq, in_x);
            in_x = NULL;
            ok = sli_expr_push(eq, c) && ok;
            if (ok) { /* the IN equality is the first key */
                memmove(corr + 1, corr, ncorr * sizeof *corr);
                corr[0] = eq;
                ncorr++;
            } else if (!s)
                s = sli_sqlp_oom(p);
            if (!ok) sli_expr_free(eq);
        } else {
            sli_expr_free(eq);
        }
    }
    sli_expr_free(in_x);
    if (!s && ncorr == 0)
        s = sli_sqlp_err_at(p, SL_ERR_UNSUPPORTED, line, col,
                            "EXISTS needs a subquery correlated by an equality with the outer query "
                            "(e.g. WHERE inner.k = outer.k); uncorrelated EXISTS is not supported");
    rel *rels[2] = {r, &sr};
    for (size_t i = 0; i < ncorr && !s; i++) {
        sli_expr *c = corr[i];
        bool ok = c->kind == SLI_EX_BINARY && c->op == SLI_OP_EQ;
        if (ok) {
            uint64_t a = mask_of(c->args[0], rels, 2), b = mask_of(c->args[1], rels, 2);
            ok = (a == 1 && b == 2) || (a == 2 && b == 1);
        }
        if (!ok)
            s = sli_sqlp_err_at(
                p, SL_ERR_UNSUPPORTED, c->line, c->col,
                "a condition in a subquery that uses the outer query must be an equality between an "
                "outer and "
                "an inner expression");
    }
    if (s) {
        sli_expr_free_list(corr, ncorr);
        sli_sqlp_rel_clear(&sr);
        return s;
    }
    return join_into(p, r, &sr, corr, ncorr, negated ? SLI_JOIN_ANTI : SLI_JOIN_SEMI, line, col);
}

/* Applies the WHERE conjuncts that are subqueries to r. Takes conj. */
static sl_status apply_subqueries(planner *p, sli_sql_select *s, rel *r, sli_expr **conj, size_t n)
{
    sl_status st = SL_OK;
    for (size_t i = 0; i < n && !st; i++) {
        sli_expr *c = conj[i];
        if (!sli_sqlp_is_subquery(c)) {
            const sli_expr *sq = sli_sqlp_find_subquery(c);
            st = sli_sqlp_err_at(
                p, SL_ERR_UNSUPPORTED, sq->line, sq->col,
                "a subquery must be a condition of its own in WHERE, joined to the others by AND "
                "(not under OR, NOT or an expression)");
            break;
        }
        sli_sql_select *sub = s->subs[c->lit.i];
        if (strcmp(c->name, SLI_SQL_EXISTS) == 0) {
            st = plan_exists(p, r, sub, c->negated, c->line, c->col, NULL);
            continue;
        }
        /* x [not] in (select col ...) */
        int line = c->line, col = c->col;
        sli_expr *x = c->args[0];
        c->args[0] = NULL;
        c->nargs = 0;
        if ((st = sli_sqlp_resolve_in(p, r, x))) {
            sli_expr_free(x);
            break;
        }
        if (!c->negated && simple_block(sub) && sub->nitems == 1 && sub->items[0].expr) {
            st = plan_exists(p, r, sub, false, line, col, x);
            continue;
        }
        rel sq;
        if ((st = sli_sqlp_plan_select(p, sub, &sq))) {
            sli_expr_free(x);
            sli_sqlp_rel_clear(&sq);
            break;
        }
        if (sq.n != 1) {
            sli_expr_free(x);
            sli_sqlp_rel_clear(&sq);
            st = sli_sqlp_err_at(p, SL_ERR_SYNTAX, sub->line, sub->col,
                                 "the subquery of IN must return one column, not %zu", sq.n);
            break;
        }
        rel *others[1] = {r};
        if ((st = uniquify(p, &sq, others, 1))) {
            sli_expr_free(x);
            sli_sqlp_rel_clear(&sq);
            break;
        }
        if (c->negated) {
            bool x_nullable = true;
            if (x->kind == SLI_EX_COLUMN)
                for (size_t k = 0; k < r->n; k++)
                    if (strcmp(r->c[k].fname, x->name) == 0) x_nullable = r->c[k].nullable;
            if (x_nullable || sq.c[0].nullable) {
                sli_expr_free(x);
                sli_sqlp_rel_clear(&sq);
                st = sli_sqlp_err_at(p, SL_ERR_UNSUPPORTED, line, col,
                                     "NOT IN (SELECT ...) is only supported when neither side can be NULL "
                                     "(NULLs make NOT IN unknown); use NOT EXISTS");
                break;
            }
        }
        sli_expr *eq = sli_expr_new(SLI_EX_BINARY, line, col);
        sli_expr *ref = sli_sqlp_col_ref(sq.c[0].fname, line, col);
        bool ok = eq && ref;
        if (eq) eq->op = SLI_OP_EQ;
        if (ok)
            ok = sli_expr_push(eq, x);
        else
            sli_expr_free(x);
        if (ok)
            ok = sli_expr_push(eq, ref);
        else
            sli_expr_free(ref);
        sli_expr **conds = ok ? malloc(sizeof *conds) : NULL;
        if (!conds) {
            sli_expr_free(eq);
            sli_sqlp_rel_clear(&sq);
            st = sli_sqlp_oom(p);
            break;
        }
        conds[0] = eq;
        st = join_into(p, r, &sq, conds, 1, c->negated ? SLI_JOIN_ANTI : SLI_JOIN_SEMI, line, col);
    }
    sli_expr_free_list(conj, n);
    return st;
}

/* Plans the common table expressions of s's WITH into ctes (s->nctes of
 * them, zeroed), each put in scope on p as soon as it is planned. */
static sl_status plan_ctes(planner *p, sli_sql_select *s, sli_sqlp_cte *ctes)
{
    for (size_t i = 0; i < s->nctes; i++) {
        sl_status st = sli_sqlp_plan_select(p, s->ctes[i].sub, &ctes[i].rel);
        if (st) return st;
        ctes[i].name = s->ctes[i].name;
        ctes[i].next = p->ctes;
        p->ctes = &ctes[i];
    }
    return SL_OK;
}

static sl_status from_where(planner *p, sli_sql_select *s, rel *outer, rel *out, sli_expr ***corr,
                            size_t *ncorr);

/* FROM and WHERE of s into *out, with s's common table expressions in
 * scope. With `outer` (an EXISTS subquery), the conditions that use the
 * outer query are resolved and returned in *corr. */
sl_status sli_sqlp_from_where(planner *p, sli_sql_select *s, rel *outer, rel *out, sli_expr ***corr,
                              size_t *ncorr)
{
    memset(out, 0, sizeof *out);
    if (++p->depth > MAX_NESTING) {
        p->depth--;
        return sli_sqlp_err_at(p, SL_ERR_UNSUPPORTED, s->line, s->col, "subqueries nested too deeply");
    }
    const sli_sqlp_cte *scope_before = p->ctes;
    sli_sqlp_cte *ctes = s->nctes ? calloc(s->nctes, sizeof *ctes) : NULL;
    sl_status st = s->nctes && !ctes ? sli_sqlp_oom(p) : plan_ctes(p, s, ctes);
    if (!st) st = from_where(p, s, outer, out, corr, ncorr);
    p->ctes = scope_before;
    for (size_t i = 0; ctes && i < s->nctes; i++) sli_sqlp_rel_clear(&ctes[i].rel);
    free(ctes);
    p->depth--;
    return st;
}

/* sli_sqlp_from_where once the common table expressions are in scope. */
static sl_status from_where(planner *p, sli_sql_select *s, rel *outer, rel *out, sli_expr ***corr,
                            size_t *ncorr)
{
    rel *u = NULL;
    size_t nu = 0;
    sl_status st = build_units(p, s, outer, &u, &nu);
    sli_expr **conj = NULL, **subq = NULL;
    size_t nc = 0, nsub = 0;
    uint64_t *mask = NULL;
    if (!st) {
        sli_expr *w = s->where;
        s->where = NULL;
        /* A conjunct common to every OR branch (a join key in each branch of
         * TPC-H Q19) becomes a WHERE conjunct of its own before join
         * equalities are looked for; the optimizer shares the rewrite. */
        bool nomem = false;
        w = sli_opt_factor_or(w, &nomem);
        if (nomem || !split_and(w, &conj, &nc)) st = sli_sqlp_oom(p);
    }
    if (!st) {
        mask = calloc(nc ? nc : 1, sizeof *mask);
        if (!mask) st = sli_sqlp_oom(p);
    }
    rel *ptrs[MAX_UNITS];
    for (size_t k = 0; k < nu; k++) ptrs[k] = &u[k];
    rel *optr[1] = {outer};
    scope osc = {optr, 1, NULL};
    scope sc = {ptrs, nu, outer ? &osc : NULL};
    size_t keep = 0;
    for (size_t i = 0; i < nc && !st; i++) {
        sli_expr *c = conj[i];
        conj[i] = NULL;
        if (sli_sqlp_find_subquery(c)) {
            sli_expr **ns = realloc(subq, (nsub + 1) * sizeof *ns);
            if (!ns) {
                sli_expr_free(c);
                st = sli_sqlp_oom(p);
                break;
            }
            subq = ns;
            subq[nsub++] = c;
            continue;
        }
        uint64_t used = 0;
        if ((st = sli_sqlp_resolve(p, &sc, c, &used))) {
            sli_expr_free(c);
            break;
        }
        if (used & SLI_SQLP_OUTER_BIT) {
            sli_expr **nl = realloc(*corr, (*ncorr + 1) * sizeof *nl);
            if (!nl) {
                sli_expr_free(c);
                st = sli_sqlp_oom(p);
                break;
            }
            *corr = nl;
            (*corr)[(*ncorr)++] = c;
            continue;
        }
        mask[keep] = mask_of(c, ptrs, nu);
        conj[keep++] = c;
    }
    if (st) {
        for (size_t i = 0; i < nc; i++) sli_expr_free(conj[i]);
        for (size_t k = 0; k < nu; k++) sli_sqlp_rel_clear(&u[k]);
    } else {
        st = combine_units(p, u, nu, conj, mask, keep, out);
        for (size_t k = 0; k < nu; k++) sli_sqlp_rel_clear(&u[k]);
    }
    free(conj);
    free(mask);
    free(u);
    if (!st) {
        st = apply_subqueries(p, s, out, subq, nsub);
        subq = NULL;
    }
    sli_expr_free_list(subq, nsub);
    return st;
}
