/*
 * sql_plan.c — turns a parsed SQL query (sql_ast.h) into frames, calling
 * the same transformations (frame.h) a DataFrame chain calls, so the query
 * gets the logical plan its DataFrame twin gets.
 *
 * The SQL scoping rules are applied here, before any tree reaches the frame
 * layer: every column reference is resolved against the tables of its FROM
 * clause (by alias-qualified or plain name, case-insensitively) and
 * rewritten to the name the frame column really has. Frame columns must
 * have distinct names to be addressed, so when two FROM items share a
 * column name (a self-join, or a derived table), the later item's column is
 * renamed "alias.column" by a projection before the join.
 *
 * A SELECT block becomes:
 *   WITH      each common table expression planned once, in order (each
 *             sees those before it and an enclosing block's); a FROM item
 *             naming one gets a frame over that shared plan, which the
 *             optimizer copies per reference, so it is computed per reference
 *   FROM      a scan per table, a nested plan per derived table; explicit
 *             joins in order; comma-separated items are joined by hash joins
 *             on the WHERE equalities that link them, in FROM order (each
 *             next the first linked to those joined; opt_join_order.c then
 *             orders them by cost), with one-table conditions applied before
 *             the joins and the remaining conditions after them
 *   WHERE     a filter; [NOT] EXISTS (correlated by equalities) and
 *             x [NOT] IN (SELECT ...) become semi and anti joins
 *   GROUP BY  groupBy(keys).agg(items), where items are the SELECT, HAVING
 *             and ORDER BY expressions that are not group keys themselves
 *             (aggregates anywhere in them; the frame layer computes the
 *             aggregates and projects the expressions over them)
 *   HAVING    a hidden boolean agg item, filtered on and projected away
 *   ORDER BY  output names, SELECT expressions, or hidden sort columns
 *   LIMIT     limit after the sort; a last projection drops hidden columns
 *
 * FROM and WHERE are planned in sql_from.c; this file has the relations'
 * helpers, name resolution, and everything from the SELECT list on. What the
 * two share is in sql_plan_impl.h.
 *
 * Errors point into the query text with line:column and a caret.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bind.h"
#include "frame.h"
#include "runtime/context.h"
#include "sql_ast.h"
#include "sql_plan_impl.h"

typedef sli_sqlp_col scol;
typedef sli_sqlp_rel rel;
typedef sli_sqlp planner;
typedef sli_sqlp_scope scope;

/* ---- small helpers -------------------------------------------------------- */

sl_status sli_sqlp_oom(planner *p)
{
    return sli_nomem(p->ctx, "SQL planner");
}

sl_status sli_sqlp_err_at(planner *p, sl_status s, int line, int col, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sli_source_error(p->ctx, s, p->src, line, col, "%s", msg);
}

/* Gives an error from the frame layer a position unless it has one. */
sl_status sli_sqlp_locate(planner *p, int line, int col)
{
    sl_context *ctx = p->ctx;
    size_t n = strlen(p->src->name);
    sl_status s = ctx->last_status ? ctx->last_status : SL_ERR_INTERNAL;
    if (strncmp(ctx->last_error, p->src->name, n) == 0 && ctx->last_error[n] == ':') return s;
    char msg[SLI_ERROR_CAP];
    snprintf(msg, sizeof msg, "%s", ctx->last_error);
    return sli_source_error(ctx, s, p->src, line, col, "%s", msg);
}

void sli_sqlp_rel_clear(rel *r)
{
    sl_frame_destroy(r->f);
    for (size_t i = 0; i < r->n; i++) {
        free(r->c[i].qual);
        free(r->c[i].name);
        free(r->c[i].fname);
    }
    free(r->c);
    memset(r, 0, sizeof *r);
}

/* Appends a column (strings copied). @return false on NOMEM. */
bool sli_sqlp_rel_add(rel *r, const char *qual, const char *name, const char *fname, bool nullable)
{
    scol *nc = realloc(r->c, (r->n + 1) * sizeof *nc);
    if (!nc) return false;
    r->c = nc;
    scol *c = &r->c[r->n];
    c->qual = qual ? strdup(qual) : NULL;
    c->name = strdup(name);
    c->fname = strdup(fname);
    c->nullable = nullable;
    if ((qual && !c->qual) || !c->name || !c->fname) {
        free(c->qual);
        free(c->name);
        free(c->fname);
        return false;
    }
    r->n++;
    return true;
}

sli_expr *sli_sqlp_col_ref(const char *name, int line, int col)
{
    sli_expr *e = sli_expr_new(SLI_EX_COLUMN, line, col);
    if (e && !(e->name = strdup(name))) {
        sli_expr_free(e);
        return NULL;
    }
    return e;
}

/* Wraps e in `as name` (takes e). */
sli_expr *sli_sqlp_alias_of(sli_expr *e, const char *name)
{
    if (!e) return NULL;
    sli_expr *a = sli_expr_new(SLI_EX_ALIAS, e->line, e->col);
    if (!a || !(a->name = strdup(name)) || !sli_expr_push(a, e)) {
        if (a && !a->nargs) sli_expr_free(e);
        sli_expr_free(a);
        return NULL;
    }
    return a;
}

static bool is_agg_name(const char *name)
{
    static const char *const aggs[] = {"count", "sum", "min", "max", "avg", "mean", SLI_SQL_COUNT_DISTINCT,
                                       NULL};
    for (const char *const *a = aggs; *a; a++)
        if (strcmp(name, *a) == 0) return true;
    return false;
}

static bool is_agg_call(const sli_expr *e)
{
    return e->kind == SLI_EX_CALL && e->name && is_agg_name(e->name);
}

bool sli_sqlp_has_agg(const sli_expr *e)
{
    if (!e) return false;
    if (is_agg_call(e)) return true;
    for (size_t i = 0; i < e->nargs; i++)
        if (sli_sqlp_has_agg(e->args[i])) return true;
    return false;
}

bool sli_sqlp_is_subquery(const sli_expr *e)
{
    return e->kind == SLI_EX_CALL && e->name &&
           (strcmp(e->name, SLI_SQL_EXISTS) == 0 || strcmp(e->name, SLI_SQL_IN) == 0);
}

const sli_expr *sli_sqlp_find_subquery(const sli_expr *e)
{
    if (!e) return NULL;
    if (sli_sqlp_is_subquery(e)) return e;
    for (size_t i = 0; i < e->nargs; i++) {
        const sli_expr *s = sli_sqlp_find_subquery(e->args[i]);
        if (s) return s;
    }
    return NULL;
}

static bool str_eq(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

/* Structural equality of two trees (after resolution). */
static bool expr_eq(const sli_expr *a, const sli_expr *b)
{
    if (a->kind != b->kind || a->op != b->op || a->negated != b->negated || a->nargs != b->nargs)
        return false;
    switch (a->kind) {
    case SLI_EX_COLUMN:
        if (!str_eq(a->name, b->name) || !str_eq(a->lit.s, b->lit.s)) return false;
        break;
    case SLI_EX_LITERAL:
        if (a->lit.type.id != b->lit.type.id || a->lit.type.scale != b->lit.type.scale ||
            a->lit.is_null != b->lit.is_null || a->lit.i != b->lit.i || a->lit.f != b->lit.f ||
            a->lit.slen != b->lit.slen || (a->lit.slen && memcmp(a->lit.s, b->lit.s, a->lit.slen) != 0))
            return false;
        break;
    case SLI_EX_CAST:
        if (a->cast_type.id != b->cast_type.id || a->cast_type.precision != b->cast_type.precision ||
            a->cast_type.scale != b->cast_type.scale)
            return false;
        break;
    case SLI_EX_CALL:
    case SLI_EX_ALIAS:
        if (!str_eq(a->name, b->name)) return false;
        break;
    case SLI_EX_INTERVAL:
        if (a->unit != b->unit || a->lit.i != b->lit.i) return false;
        break;
    case SLI_EX_ORDER:
        if (a->desc != b->desc || a->nulls_first != b->nulls_first) return false;
        break;
    default: break;
    }
    for (size_t i = 0; i < a->nargs; i++)
        if (!expr_eq(a->args[i], b->args[i])) return false;
    return true;
}

/* ---- name resolution ------------------------------------------------------ */

static bool qual_matches(const scol *c, const char *qual)
{
    return !qual || (c->qual && strcasecmp(c->qual, qual) == 0);
}

/* Finds `qual.name` among rels. @return matches; *ri, *ci the first one. */
static int find_col(rel *const *rels, size_t nrels, const char *qual, const char *name, size_t *ri,
                    size_t *ci)
{
    int hits = 0;
    for (int exact = 1; exact >= 0 && hits == 0; exact--) {
        for (size_t r = 0; r < nrels; r++) {
            for (size_t i = 0; i < rels[r]->n; i++) {
                const scol *c = &rels[r]->c[i];
                if (!qual_matches(c, qual)) continue;
                if (exact ? strcmp(c->name, name) != 0 : strcasecmp(c->name, name) != 0) continue;
                if (!hits) *ri = r, *ci = i;
                hits++;
            }
        }
    }
    return hits;
}

static bool has_qual(rel *const *rels, size_t nrels, const char *qual)
{
    for (size_t r = 0; r < nrels; r++)
        for (size_t i = 0; i < rels[r]->n; i++)
            if (qual_matches(&rels[r]->c[i], qual)) return true;
    return false;
}

/* Resolves one column reference, rewriting its name to the frame name. */
static sl_status resolve_col(planner *p, const scope *sc, sli_expr *e, uint64_t *used)
{
    const char *qual = e->lit.s;
    uint64_t outer_bit = 0;
    for (const scope *s = sc; s; s = s->outer, outer_bit = SLI_SQLP_OUTER_BIT) {
        size_t ri = 0, ci = 0;
        int hits = find_col(s->rels, s->nrels, qual, e->name, &ri, &ci);
        if (hits > 1)
            return sli_sqlp_err_at(
                p, SL_ERR_AMBIGUOUS, e->line, e->col,
                "column '%s' is ambiguous: more than one table in FROM has it; qualify it, e.g. t.%s",
                e->name, e->name);
        if (hits == 1) {
            char *fname = strdup(s->rels[ri]->c[ci].fname);
            if (!fname) return sli_sqlp_oom(p);
            free(e->name);
            e->name = fname;
            free(e->lit.s);
            e->lit.s = NULL;
            e->lit.slen = 0;
            if (used) *used |= outer_bit ? SLI_SQLP_OUTER_BIT : ((uint64_t)1 << (ri < 62 ? ri : 62));
            return SL_OK;
        }
        if (qual && has_qual(s->rels, s->nrels, qual))
            return sli_sqlp_err_at(p, SL_ERR_UNKNOWN_COLUMN, e->line, e->col, "table '%s' has no column '%s'",
                                   qual, e->name);
    }
    if (qual)
        return sli_sqlp_err_at(p, SL_ERR_UNKNOWN_TABLE, e->line, e->col,
                               "unknown table or alias '%s' in '%s.%s'", qual, qual, e->name);
    size_t total = 0;
    for (size_t r = 0; r < sc->nrels; r++) total += sc->rels[r]->n;
    const char **names = malloc((total ? total : 1) * sizeof *names);
    char cand[1024] = "";
    if (names) {
        size_t k = 0;
        for (size_t r = 0; r < sc->nrels; r++)
            for (size_t i = 0; i < sc->rels[r]->n; i++) names[k++] = sc->rels[r]->c[i].name;
        sli_suggest(e->name, names, total, cand, sizeof cand);
        free(names);
    }
    return sli_sqlp_err_at(p, SL_ERR_UNKNOWN_COLUMN, e->line, e->col, "unknown column '%s'; %s", e->name,
                           cand);
}

/* Resolves every column of e; `used` collects the relations it reads. */
sl_status sli_sqlp_resolve(planner *p, const scope *sc, sli_expr *e, uint64_t *used)
{
    if (e->kind == SLI_EX_COLUMN) return resolve_col(p, sc, e, used);
    if (sli_sqlp_is_subquery(e))
        return sli_sqlp_err_at(p, SL_ERR_UNSUPPORTED, e->line, e->col,
                               "subqueries are only supported as conditions of WHERE joined by AND "
                               "([NOT] EXISTS, x [NOT] IN (SELECT ...))");
    for (size_t i = 0; i < e->nargs; i++) {
        sl_status s = sli_sqlp_resolve(p, sc, e->args[i], used);
        if (s) return s;
    }
    return SL_OK;
}

sl_status sli_sqlp_resolve_in(planner *p, rel *r, sli_expr *e)
{
    rel *rels[1] = {r};
    scope sc = {rels, 1, NULL};
    return sli_sqlp_resolve(p, &sc, e, NULL);
}

/* ---- SELECT --------------------------------------------------------------- */

/* What one output column of the SELECT list is. */
typedef struct outcol {
    sli_expr *expr; /**< resolved expression (owned until handed on) */
    char *name;     /**< output name */
    char *fname;    /**< plain path: the projection's column name (unique), or NULL */
    bool aliased;   /**< named by AS */
    bool nullable;
    int ref; /**< agg path: index of the agg-output column it reads */
} outcol;

static void outcols_free(outcol *o, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sli_expr_free(o[i].expr);
        free(o[i].name);
        free(o[i].fname);
    }
    free(o);
}

static bool expr_nullable(const sli_expr *e, const rel *r)
{
    if (e->kind == SLI_EX_COLUMN) {
        for (size_t k = 0; k < r->n; k++)
            if (strcmp(r->c[k].fname, e->name) == 0) return r->c[k].nullable;
        return true;
    }
    if (e->kind == SLI_EX_CALL && e->name && strcmp(e->name, "count") == 0) return false;
    if (e->kind == SLI_EX_LITERAL) return e->lit.is_null;
    return true;
}

/* Expands the SELECT list against r into o[0..*n). */
static sl_status expand_items(planner *p, sli_sql_select *s, rel *r, outcol **out, size_t *nout)
{
    outcol *o = NULL;
    size_t n = 0, cap = 0;
    sl_status st = SL_OK;
    for (size_t i = 0; i < s->nitems && !st; i++) {
        sli_sql_item *it = &s->items[i];
        size_t want = it->star ? r->n : 1;
        if (n + want > cap) {
            size_t nc = (n + want) * 2;
            outcol *no = realloc(o, nc * sizeof *no);
            if (!no) {
                st = sli_sqlp_oom(p);
                break;
            }
            o = no;
            cap = nc;
        }
        if (it->star) {
            size_t before = n;
            for (size_t k = 0; k < r->n; k++) {
                if (it->star[0] && !qual_matches(&r->c[k], it->star)) continue;
                outcol *c = &o[n];
                memset(c, 0, sizeof *c);
                c->expr = sli_sqlp_col_ref(r->c[k].fname, it->line, it->col);
                c->name = strdup(r->c[k].name);
                c->nullable = r->c[k].nullable;
                n++;
                if (!c->expr || !c->name) st = sli_sqlp_oom(p);
            }
            if (!st && n == before)
                st = sli_sqlp_err_at(p, SL_ERR_UNKNOWN_TABLE, it->line, it->col,
                                     "unknown table or alias '%s' in %s.*", it->star, it->star);
            continue;
        }
        outcol *c = &o[n++];
        memset(c, 0, sizeof *c);
        c->aliased = it->alias != NULL;
        if (it->alias)
            c->name = strdup(it->alias);
        else if (it->expr->kind == SLI_EX_COLUMN)
            c->name = strdup(it->expr->name);
        else {
            sli_scope none = {0, NULL, NULL};
            c->name = sli_expr_output_name(it->expr, &none);
        }
        if (!c->name) {
            st = sli_sqlp_oom(p);
            break;
        }
        c->expr = it->expr;
        it->expr = NULL;
        if ((st = sli_sqlp_resolve_in(p, r, c->expr))) break;
        c->nullable = expr_nullable(c->expr, r);
    }
    if (st) {
        outcols_free(o, n);
        return st;
    }
    *out = o;
    *nout = n;
    return SL_OK;
}

/* Output column that an ORDER BY / GROUP BY name or ordinal refers to, or -1. */
static long output_ref(planner *p, const sli_expr *a, const outcol *o, size_t n, sl_status *st)
{
    *st = SL_OK;
    if (a->kind == SLI_EX_LITERAL && a->lit.type.id == SL_TYPE_INT64 && !a->lit.is_null) {
        if (a->lit.i < 1 || (size_t)a->lit.i > n) {
            *st =
                sli_sqlp_err_at(p, SL_ERR_SYNTAX, a->line, a->col,
                                "position %lld is not in the select list (1 to %zu)", (long long)a->lit.i, n);
            return -1;
        }
        return (long)a->lit.i - 1;
    }
    if (a->kind != SLI_EX_COLUMN || a->lit.s) return -1;
    long found = -1;
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(o[i].name, a->name) != 0) continue;
        if (found >= 0 && !expr_eq(o[found].expr, o[i].expr)) {
            *st = sli_sqlp_err_at(p, SL_ERR_AMBIGUOUS, a->line, a->col,
                                  "'%s' names more than one output column", a->name);
            return -1;
        }
        if (found < 0) found = (long)i;
    }
    return found;
}

/* Resolves *pe against r, where a bare name that is no column of r but a
 * SELECT alias stands for that item's expression (HAVING n > 1, ORDER BY n + 1). */
static sl_status resolve_aliased(planner *p, rel *r, sli_expr **pe, const outcol *o, size_t n)
{
    sli_expr *e = *pe;
    if (e->kind == SLI_EX_COLUMN && !e->lit.s) {
        size_t ri, ci;
        rel *rels[1] = {r};
        for (size_t i = 0; i < n && find_col(rels, 1, NULL, e->name, &ri, &ci) == 0; i++) {
            if (!o[i].aliased || strcasecmp(o[i].name, e->name) != 0) continue;
            sli_expr *c = sli_expr_clone(o[i].expr);
            if (!c) return sli_sqlp_oom(p);
            sli_expr_free(e);
            *pe = c;
            return SL_OK;
        }
    }
    if (e->kind == SLI_EX_COLUMN || sli_sqlp_is_subquery(e)) return sli_sqlp_resolve_in(p, r, e);
    for (size_t i = 0; i < e->nargs; i++) {
        sl_status s = resolve_aliased(p, r, &e->args[i], o, n);
        if (s) return s;
    }
    return SL_OK;
}

static sl_status apply_frame(planner *p, rel *r, sl_frame *f, int line, int col)
{
    if (!f) return sli_sqlp_locate(p, line, col);
    sl_frame_destroy(r->f);
    r->f = f;
    return SL_OK;
}

/* Sort keys (ORDER nodes over column names) then limit. */
static sl_status order_limit(planner *p, sli_sql_select *s, rel *r, char **keyname)
{
    sl_status st = SL_OK;
    if (s->norder) {
        sli_expr **keys = calloc(s->norder, sizeof *keys);
        if (!keys) return sli_sqlp_oom(p);
        for (size_t k = 0; k < s->norder && !st; k++) {
            sli_expr *ord = s->order[k];
            sli_expr *key = sli_expr_new(SLI_EX_ORDER, ord->line, ord->col);
            sli_expr *ref = sli_sqlp_col_ref(keyname[k], ord->line, ord->col);
            if (!key || !ref || !sli_expr_push(key, ref)) {
                if (!key) sli_expr_free(ref);
                sli_expr_free(key);
                st = sli_sqlp_oom(p);
                break;
            }
            key->desc = ord->desc;
            key->nulls_first = ord->nulls_first;
            keys[k] = key;
        }
        if (st) {
            sli_expr_free_list(keys, s->norder);
            return st;
        }
        st = apply_frame(p, r, sli_frame_order_by(r->f, keys, s->norder, p->src), s->order[0]->line,
                         s->order[0]->col);
    }
    if (!st && s->has_limit) st = apply_frame(p, r, sli_frame_limit_n(r->f, s->limit), s->line, s->col);
    return st;
}

/* The last projection: output i reads frame column src[i], named o[i].name. */
static sl_status final_project(planner *p, rel *r, outcol *o, size_t n, char *const *srcname, bool needed,
                               sli_sql_select *s)
{
    if (needed) {
        sli_expr **list = calloc(n ? n : 1, sizeof *list);
        if (!list) return sli_sqlp_oom(p);
        for (size_t i = 0; i < n; i++) {
            sli_expr *ref = sli_sqlp_col_ref(srcname[i], s->line, s->col);
            list[i] = strcmp(srcname[i], o[i].name) == 0 ? ref : sli_sqlp_alias_of(ref, o[i].name);
            if (!list[i]) {
                sli_expr_free_list(list, n);
                return sli_sqlp_oom(p);
            }
        }
        sl_status st = apply_frame(p, r, sli_frame_select(r->f, list, n, p->src), s->line, s->col);
        if (st) return st;
    }
    for (size_t i = 0; i < r->n; i++) {
        free(r->c[i].qual);
        free(r->c[i].name);
        free(r->c[i].fname);
    }
    r->n = 0;
    for (size_t i = 0; i < n; i++)
        if (!sli_sqlp_rel_add(r, NULL, o[i].name, sl_frame_column_name(r->f, i), o[i].nullable))
            return sli_sqlp_oom(p);
    return SL_OK;
}

static char *hidden_name(const char *what, size_t k)
{
    char buf[48];
    snprintf(buf, sizeof buf, "__sql_%s%zu", what, k);
    return strdup(buf);
}

/* SELECT without aggregation. */
static sl_status plan_plain(planner *p, sli_sql_select *s, rel *r, outcol *o, size_t n)
{
    size_t total = n;
    char **keyname = calloc(s->norder + 1, sizeof *keyname);
    outcol *all = realloc(o, (n + s->norder + 1) * sizeof *all);
    sl_status st = keyname && all ? SL_OK : sli_sqlp_oom(p);
    if (all) o = all;
    /* projection names: the output names, made distinct so sort keys can address them */
    bool renamed = false;
    for (size_t i = 0; i < n && !st; i++) {
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++) dup = strcmp(o[j].name, o[i].name) == 0;
        o[i].fname = dup ? hidden_name("col", i) : strdup(o[i].name);
        if (!o[i].fname) st = sli_sqlp_oom(p);
        renamed = renamed || dup;
    }
    for (size_t k = 0; k < s->norder && !st; k++) {
        sli_expr *a = s->order[k]->args[0];
        long ref = output_ref(p, a, o, n, &st);
        if (st) break;
        if (ref < 0) {
            if ((st = resolve_aliased(p, r, &s->order[k]->args[0], o, n))) break;
            a = s->order[k]->args[0];
            for (size_t i = 0; i < n && ref < 0; i++)
                if (expr_eq(o[i].expr, a)) ref = (long)i;
        }
        if (ref < 0) {
            outcol *h = &o[total];
            memset(h, 0, sizeof *h);
            h->name = hidden_name("order", k);
            h->fname = h->name ? strdup(h->name) : NULL;
            h->expr = a;
            s->order[k]->args[0] = NULL;
            s->order[k]->nargs = 0;
            total++;
            if (!h->fname) st = sli_sqlp_oom(p);
            ref = (long)total - 1;
        }
        if (!st && !(keyname[k] = strdup(o[ref].fname))) st = sli_sqlp_oom(p);
    }
    /* the projection (skipped when it would pass the input through as it is) */
    bool identity = !st && total == r->n;
    for (size_t i = 0; identity && i < total; i++)
        identity = o[i].expr->kind == SLI_EX_COLUMN && strcmp(o[i].expr->name, r->c[i].fname) == 0 &&
                   strcmp(o[i].fname, r->c[i].fname) == 0;
    if (!st && !identity) {
        sli_expr **list = calloc(total, sizeof *list);
        if (!list) st = sli_sqlp_oom(p);
        for (size_t i = 0; i < total && !st; i++) {
            sli_expr *e = sli_expr_clone(o[i].expr);
            bool plain = e && e->kind == SLI_EX_COLUMN && strcmp(e->name, o[i].fname) == 0;
            list[i] = plain ? e : sli_sqlp_alias_of(e, o[i].fname);
            if (!list[i]) st = sli_sqlp_oom(p);
        }
        if (st)
            sli_expr_free_list(list, total);
        else
            st = apply_frame(p, r, sli_frame_select(r->f, list, total, p->src), s->line, s->col);
    }
    if (!st) st = order_limit(p, s, r, keyname);
    char **srcname = calloc(n ? n : 1, sizeof *srcname);
    if (!st && !srcname) st = sli_sqlp_oom(p);
    for (size_t i = 0; i < n && !st; i++) srcname[i] = o[i].fname;
    if (!st) st = final_project(p, r, o, n, srcname, total != n || renamed, s);
    free(srcname);
    for (size_t k = 0; k < s->norder; k++) free(keyname ? keyname[k] : NULL);
    free(keyname);
    outcols_free(o, total);
    return st;
}

/* Replaces subtrees equal to a group key (outside aggregates) by a
 * reference to the key's name. */
static sl_status subst_groups(planner *p, sli_expr **pe, sli_expr *const *g, char *const *gname, size_t ng)
{
    sli_expr *e = *pe;
    for (size_t j = 0; j < ng; j++) {
        if (expr_eq(e, g[j])) {
            sli_expr *ref = sli_sqlp_col_ref(gname[j], e->line, e->col);
            if (!ref) return sli_sqlp_oom(p);
            sli_expr_free(e);
            *pe = ref;
            return SL_OK;
        }
    }
    if (is_agg_call(e)) return SL_OK;
    for (size_t i = 0; i < e->nargs; i++) {
        sl_status s = subst_groups(p, &e->args[i], g, gname, ng);
        if (s) return s;
    }
    return SL_OK;
}

/* A column outside aggregates that is not a group key. */
static const sli_expr *stray_column(const sli_expr *e, char *const *gname, size_t ng)
{
    if (is_agg_call(e)) return NULL;
    if (e->kind == SLI_EX_COLUMN) {
        for (size_t j = 0; j < ng; j++)
            if (strcmp(e->name, gname[j]) == 0) return NULL;
        return e;
    }
    for (size_t i = 0; i < e->nargs; i++) {
        const sli_expr *c = stray_column(e->args[i], gname, ng);
        if (c) return c;
    }
    return NULL;
}

/* Prepares an agg() item: group keys substituted, no stray column. */
/* Turns count(DISTINCT dx) into count(__sql_distinct), the column of the
 * first aggregation (see plan_grouped). */
static sl_status rewrite_distinct(planner *p, sli_expr *e, const sli_expr *dx)
{
    if (e->kind == SLI_EX_CALL && e->name && strcmp(e->name, SLI_SQL_COUNT_DISTINCT) == 0) {
        if (!dx)
            return sli_sqlp_err_at(p, SL_ERR_UNSUPPORTED, e->line, e->col,
                                   "count(DISTINCT ...) is only supported in the SELECT list and HAVING");
        if (e->nargs != 1 || !expr_eq(e->args[0], dx))
            return sli_sqlp_err_at(
                p, SL_ERR_UNSUPPORTED, e->line, e->col,
                "count(DISTINCT ...) of different expressions in one query is not supported");
        sli_expr *ref = sli_sqlp_col_ref("__sql_distinct", e->line, e->col);
        char *name = strdup("count");
        if (!ref || !name) {
            sli_expr_free(ref);
            free(name);
            return sli_sqlp_oom(p);
        }
        sli_expr_free(e->args[0]);
        e->args[0] = ref;
        free(e->name);
        e->name = name;
        return SL_OK;
    }
    for (size_t i = 0; i < e->nargs; i++) {
        sl_status s = rewrite_distinct(p, e->args[i], dx);
        if (s) return s;
    }
    return SL_OK;
}

/* Finds the argument of the first count(DISTINCT ...) in e (*dx) and
 * whether another aggregate appears (*other). */
static void scan_aggs(const sli_expr *e, const sli_expr **dx, bool *other)
{
    if (e->kind == SLI_EX_CALL && e->name && strcmp(e->name, SLI_SQL_COUNT_DISTINCT) == 0) {
        if (!*dx && e->nargs == 1) *dx = e->args[0];
        return;
    }
    if (is_agg_call(e)) {
        *other = true;
        return;
    }
    for (size_t i = 0; i < e->nargs; i++) scan_aggs(e->args[i], dx, other);
}

static sl_status agg_item(planner *p, sli_expr **pe, sli_expr *const *g, char *const *gname, size_t ng,
                          const rel *r, const sli_expr *dx)
{
    sl_status s = subst_groups(p, pe, g, gname, ng);
    if (s) return s;
    if ((s = rewrite_distinct(p, *pe, dx))) return s;
    const sli_expr *c = stray_column(*pe, gname, ng);
    if (c) {
        const char *shown = c->name;
        for (size_t k = 0; k < r->n; k++)
            if (strcmp(r->c[k].fname, c->name) == 0) shown = r->c[k].name;
        return sli_sqlp_err_at(p, SL_ERR_SYNTAX, c->line, c->col,
                               "column '%s' must appear in GROUP BY or be used in an aggregate function",
                               shown);
    }
    return SL_OK;
}

typedef struct aggitems {
    sli_expr **e; /**< ALIAS nodes */
    char **name;
    size_t n, cap;
} aggitems;

static bool aggitems_push(aggitems *a, sli_expr *e, const char *name)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 8;
        sli_expr **ne = realloc(a->e, cap * sizeof *ne);
        if (ne) a->e = ne;
        char **nn = realloc(a->name, cap * sizeof *nn);
        if (nn) a->name = nn;
        if (!ne || !nn) {
            sli_expr_free(e);
            return false;
        }
        a->cap = cap;
    }
    char *nm = strdup(name);
    sli_expr *al = nm ? sli_sqlp_alias_of(e, name) : (sli_expr_free(e), NULL);
    if (!al) {
        free(nm);
        return false;
    }
    a->e[a->n] = al;
    a->name[a->n++] = nm;
    return true;
}

static void aggitems_free(aggitems *a)
{
    sli_expr_free_list(a->e, a->n);
    for (size_t i = 0; i < a->n; i++) free(a->name[i]);
    free(a->name);
}

static bool name_used(const char *name, char *const *gname, size_t ng, const aggitems *a)
{
    for (size_t j = 0; j < ng; j++)
        if (strcmp(gname[j], name) == 0) return true;
    for (size_t j = 0; j < a->n; j++)
        if (strcmp(a->name[j], name) == 0) return true;
    return false;
}

static sli_expr *count_star(int line, int col)
{
    sli_expr *cnt = sli_expr_new(SLI_EX_CALL, line, col);
    sli_expr *star = sli_expr_new(SLI_EX_STAR, line, col);
    if (!cnt || !star || !(cnt->name = strdup("count")) || !sli_expr_push(cnt, star)) {
        if (cnt && !cnt->nargs) sli_expr_free(star);
        sli_expr_free(cnt);
        return NULL;
    }
    return cnt;
}

/* Replaces each aggregate call of a HAVING condition by a reference to the
 * agg() item that computes it: an item equal to it, else a new item named
 * by its text (as an unnamed SELECT aggregate is), or a hidden name when
 * that text names another column. */
static sl_status having_aggs(planner *p, sli_expr **pe, char *const *gname, size_t ng, aggitems *a)
{
    sli_expr *e = *pe;
    if (!is_agg_call(e)) {
        for (size_t i = 0; i < e->nargs; i++) {
            sl_status s = having_aggs(p, &e->args[i], gname, ng, a);
            if (s) return s;
        }
        return SL_OK;
    }
    const char *name = NULL;
    for (size_t j = 0; j < a->n && !name; j++)
        if (expr_eq(a->e[j]->args[0], e)) name = a->name[j];
    char *fresh = NULL;
    if (!name) {
        sli_scope none = {0, NULL, NULL};
        fresh = sli_expr_output_name(e, &none);
        if (fresh && name_used(fresh, gname, ng, a)) {
            free(fresh);
            fresh = hidden_name("having", a->n);
        }
        if (!fresh) return sli_sqlp_oom(p);
        sli_expr *item = sli_expr_clone(e);
        if (!item || !aggitems_push(a, item, fresh)) {
            free(fresh);
            return sli_sqlp_oom(p);
        }
        name = fresh;
    }
    sli_expr *ref = sli_sqlp_col_ref(name, e->line, e->col);
    free(fresh);
    if (!ref) return sli_sqlp_oom(p);
    sli_expr_free(e);
    *pe = ref;
    return SL_OK;
}

/* r = r.groupBy(keys as their names, dx as __sql_distinct).agg(count(*)). */
static sl_status distinct_stage(planner *p, rel *r, sli_expr *const *g, char *const *gname, size_t ng,
                                const sli_expr *dx, const sli_sql_select *s)
{
    sli_expr **keys = calloc(ng + 1, sizeof *keys);
    sli_expr **items = calloc(1, sizeof *items);
    bool ok = keys && items;
    for (size_t j = 0; ok && j < ng; j++)
        ok = (keys[j] = sli_sqlp_alias_of(sli_expr_clone(g[j]), gname[j])) != NULL;
    ok = ok && (keys[ng] = sli_sqlp_alias_of(sli_expr_clone(dx), "__sql_distinct")) != NULL;
    ok = ok && (items[0] = sli_sqlp_alias_of(count_star(s->line, s->col), "__sql_n")) != NULL;
    if (!ok) {
        sli_expr_free_list(keys, ng + 1);
        sli_expr_free_list(items, 1);
        return sli_sqlp_oom(p);
    }
    sl_frame *grouped = sli_frame_group_by(r->f, keys, ng + 1, p->src);
    if (!grouped) {
        sli_expr_free_list(items, 1);
        return sli_sqlp_locate(p, dx->line, dx->col);
    }
    sl_frame *agg = sli_frame_agg(grouped, items, 1, p->src);
    sl_frame_destroy(grouped);
    return apply_frame(p, r, agg, dx->line, dx->col);
}

/* SELECT with GROUP BY, aggregates, HAVING or DISTINCT. */
static sl_status plan_grouped(planner *p, sli_sql_select *s, rel *r, outcol *o, size_t n)
{
    sl_status st = SL_OK;
    size_t ng = s->distinct && !s->ngroup ? n : s->ngroup;
    sli_expr **g = calloc(ng ? ng : 1, sizeof *g);
    char **gname = calloc(ng ? ng : 1, sizeof *gname);
    bool *gnull = calloc(ng ? ng : 1, sizeof *gnull);
    char **keyname = calloc(s->norder + 1, sizeof *keyname);
    aggitems ai = {0};
    if (!g || !gname || !gnull || !keyname) st = sli_sqlp_oom(p);
    /* group keys */
    for (size_t j = 0; j < ng && !st; j++) {
        long ref = -1;
        if (s->distinct && !s->ngroup) {
            ref = (long)j;
        } else {
            sli_expr *a = s->group[j];
            /* a bare name that is no input column but a SELECT alias names that item */
            size_t ri, ci;
            rel *rels[1] = {r};
            bool input = a->kind == SLI_EX_COLUMN && find_col(rels, 1, a->lit.s, a->name, &ri, &ci) > 0;
            if (!input) ref = output_ref(p, a, o, n, &st);
            if (st) break;
            if (ref < 0) {
                if ((st = sli_sqlp_resolve_in(p, r, a))) break;
                g[j] = a;
                s->group[j] = NULL;
            }
        }
        if (ref >= 0 && !(g[j] = sli_expr_clone(o[ref].expr))) st = sli_sqlp_oom(p);
        if (st) break;
        /* its name: the alias of the SELECT item it is, its column, or its text */
        const char *nm = NULL;
        for (size_t i = 0; i < n && !nm; i++)
            if (o[i].aliased && expr_eq(o[i].expr, g[j])) nm = o[i].name;
        if (!nm && g[j]->kind == SLI_EX_COLUMN) nm = g[j]->name;
        if (nm)
            gname[j] = strdup(nm);
        else {
            sli_scope none = {0, NULL, NULL};
            gname[j] = sli_expr_output_name(g[j], &none);
        }
        if (!gname[j])
            st = sli_sqlp_oom(p);
        else
            gnull[j] = expr_nullable(g[j], r);
    }
    /* HAVING is resolved before the aggregates are looked at */
    sli_expr *having = s->having;
    s->having = NULL;
    if (!st && having) {
        const sli_expr *sq = sli_sqlp_find_subquery(having);
        if (sq)
            st = sli_sqlp_err_at(p, SL_ERR_UNSUPPORTED, sq->line, sq->col,
                                 "subqueries in HAVING are not supported");
        if (!st) st = resolve_aliased(p, r, &having, o, n);
    }
    /* count(DISTINCT x): a first aggregation by the keys and x, whose rows
     * the second one counts (NULL x counts nothing, as it should) */
    sli_expr *dx = NULL;
    if (!st) {
        const sli_expr *found = NULL;
        bool other = false;
        for (size_t i = 0; i < n; i++) scan_aggs(o[i].expr, &found, &other);
        if (having) scan_aggs(having, &found, &other);
        if (found && other)
            st = sli_sqlp_err_at(p, SL_ERR_UNSUPPORTED, s->line, s->col,
                                 "count(DISTINCT ...) together with other aggregates is not supported");
        else if (found && !(dx = sli_expr_clone(found)))
            st = sli_sqlp_oom(p);
    }
    if (!st && dx) st = distinct_stage(p, r, g, gname, ng, dx, s);
    /* SELECT items: group keys, or agg() items */
    for (size_t i = 0; i < n && !st; i++) {
        o[i].ref = -1;
        for (size_t j = 0; j < ng && o[i].ref < 0; j++) {
            if (expr_eq(o[i].expr, g[j])) {
                o[i].ref = (int)j;
                o[i].nullable = gnull[j];
            }
        }
        if (o[i].ref >= 0) continue;
        sli_expr *e = sli_expr_clone(o[i].expr);
        if (!e) {
            st = sli_sqlp_oom(p);
            break;
        }
        if ((st = agg_item(p, &e, g, gname, ng, r, dx))) {
            sli_expr_free(e);
            break;
        }
        o[i].nullable = !(is_agg_call(e) && strcmp(e->name, "count") == 0);
        char *hid = name_used(o[i].name, gname, ng, &ai) ? hidden_name("item", i) : NULL;
        if (!aggitems_push(&ai, e, hid ? hid : o[i].name)) st = sli_sqlp_oom(p);
        free(hid);
        o[i].ref = (int)(ng + ai.n - 1);
    }
    /* HAVING: a filter over the aggregation, its aggregates items of their own */
    sli_expr *hcond = NULL;
    if (!st && having) {
        sli_expr *h = having;
        having = NULL;
        st = agg_item(p, &h, g, gname, ng, r, dx);
        if (!st) st = having_aggs(p, &h, gname, ng, &ai);
        if (st)
            sli_expr_free(h);
        else
            hcond = h;
    }
    /* ORDER BY: an output column, a group key, or a hidden item */
    for (size_t k = 0; k < s->norder && !st; k++) {
        sli_expr *a = s->order[k]->args[0];
        long ref = output_ref(p, a, o, n, &st);
        const char *nm = NULL;
        if (st) break;
        if (ref < 0) {
            if ((st = resolve_aliased(p, r, &s->order[k]->args[0], o, n))) break;
            a = s->order[k]->args[0];
            for (size_t i = 0; i < n && ref < 0; i++)
                if (expr_eq(o[i].expr, a)) ref = (long)i;
            for (size_t j = 0; j < ng && ref < 0 && !nm; j++)
                if (expr_eq(g[j], a)) nm = gname[j];
        }
        if (ref >= 0) nm = o[ref].ref < (int)ng ? gname[o[ref].ref] : ai.name[o[ref].ref - (int)ng];
        if (!nm) {
            s->order[k]->args[0] = NULL;
            s->order[k]->nargs = 0;
            if ((st = agg_item(p, &a, g, gname, ng, r, dx))) {
                sli_expr_free(a);
                break;
            }
            char *hid = hidden_name("order", k);
            if (!hid || !aggitems_push(&ai, a, hid)) {
                free(hid);
                st = sli_sqlp_oom(p);
                break;
            }
            free(hid);
            nm = ai.name[ai.n - 1];
        }
        if (!(keyname[k] = strdup(nm))) st = sli_sqlp_oom(p);
    }
    /* agg() needs an item: a hidden count when the query has none */
    if (!st && ai.n == 0) {
        sli_expr *cnt = count_star(s->line, s->col);
        if (!cnt || !aggitems_push(&ai, cnt, "__sql_count")) st = sli_sqlp_oom(p);
    }
    /* the frames: groupBy(keys).agg(items) */
    if (!st) {
        sl_frame *grouped = NULL;
        if (ng) {
            sli_expr **keys = calloc(ng, sizeof *keys);
            if (!keys) st = sli_sqlp_oom(p);
            for (size_t j = 0; j < ng && !st; j++) {
                /* after a count(DISTINCT) stage the keys are its columns */
                sli_expr *k = dx ? sli_sqlp_col_ref(gname[j], s->line, s->col) : sli_expr_clone(g[j]);
                bool plain = k && k->kind == SLI_EX_COLUMN && strcmp(k->name, gname[j]) == 0;
                keys[j] = plain ? k : sli_sqlp_alias_of(k, gname[j]);
                if (!keys[j]) st = sli_sqlp_oom(p);
            }
            if (st)
                sli_expr_free_list(keys, ng);
            else if (!(grouped = sli_frame_group_by(r->f, keys, ng, p->src)))
                st = sli_sqlp_locate(p, s->gline, s->gcol);
        }
        if (!st) {
            sli_expr **items = ai.e;
            size_t nitems = ai.n;
            ai.e = NULL;
            sl_frame *agg = sli_frame_agg(grouped ? grouped : r->f, items, nitems, p->src);
            st = apply_frame(p, r, agg, s->line, s->col);
        }
        sl_frame_destroy(grouped);
    }
    if (!st && hcond) {
        sli_expr *cond = hcond;
        hcond = NULL;
        st = apply_frame(p, r, sli_frame_where(r->f, cond, p->src), s->line, s->col);
    }
    if (!st) st = order_limit(p, s, r, keyname);
    /* the last projection: SELECT order and names, hidden columns dropped */
    char **srcname = calloc(n ? n : 1, sizeof *srcname);
    if (!st && !srcname) st = sli_sqlp_oom(p);
    bool needed = n != ng + ai.n;
    for (size_t i = 0; i < n && !st; i++) {
        int ref = o[i].ref;
        srcname[i] = ref < (int)ng ? gname[ref] : ai.name[ref - (int)ng];
        const char *at = i < ng ? gname[i] : i - ng < ai.n ? ai.name[i - ng] : "";
        if (strcmp(srcname[i], at) != 0 || strcmp(srcname[i], o[i].name) != 0) needed = true;
    }
    if (!st) st = final_project(p, r, o, n, srcname, needed, s);
    free(srcname);
    aggitems_free(&ai); /* after agg() took the items, only their names are left */
    sli_expr_free(dx);
    sli_expr_free(having);
    sli_expr_free(hcond);
    for (size_t j = 0; j < ng; j++) {
        sli_expr_free(g ? g[j] : NULL);
        free(gname ? gname[j] : NULL);
    }
    for (size_t k = 0; k < s->norder; k++) free(keyname ? keyname[k] : NULL);
    free(g);
    free(gname);
    free(gnull);
    free(keyname);
    outcols_free(o, n);
    return st;
}

sl_status sli_sqlp_plan_select(planner *p, sli_sql_select *s, rel *out)
{
    memset(out, 0, sizeof *out);
    sli_expr **corr = NULL;
    size_t ncorr = 0;
    sl_status st = sli_sqlp_from_where(p, s, NULL, out, &corr, &ncorr);
    sli_expr_free_list(corr, ncorr);
    if (st) return st;
    outcol *o = NULL;
    size_t n = 0;
    if ((st = expand_items(p, s, out, &o, &n))) return st;
    bool grouped = s->ngroup || s->having || s->distinct;
    for (size_t i = 0; i < n && !grouped; i++) grouped = sli_sqlp_has_agg(o[i].expr);
    for (size_t k = 0; k < s->norder && !grouped; k++) grouped = sli_sqlp_has_agg(s->order[k]);
    if (s->distinct && s->ngroup) {
        outcols_free(o, n);
        return sli_sqlp_err_at(p, SL_ERR_UNSUPPORTED, s->line, s->col,
                               "SELECT DISTINCT with GROUP BY is not supported");
    }
    for (size_t i = 0; i < n && s->distinct; i++) {
        if (sli_sqlp_has_agg(o[i].expr)) {
            outcols_free(o, n);
            return sli_sqlp_err_at(p, SL_ERR_UNSUPPORTED, s->line, s->col,
                                   "SELECT DISTINCT over aggregates is not supported");
        }
    }
    return grouped ? plan_grouped(p, s, out, o, n) : plan_plain(p, s, out, o, n);
}

sl_frame *sli_sql_plan(sl_context *ctx, const sli_source *src, sli_sql_select *s)
{
    planner p = {ctx, src, 0, NULL};
    rel r;
    sl_status st = sli_sqlp_plan_select(&p, s, &r);
    if (st) {
        sli_sqlp_rel_clear(&r);
        return NULL;
    }
    sl_frame *f = r.f;
    r.f = NULL;
    sli_sqlp_rel_clear(&r);
    return f;
}
