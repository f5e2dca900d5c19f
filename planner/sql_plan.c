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
 *   FROM      a scan per table, a nested plan per derived table; explicit
 *             joins in order; comma-separated items are joined by hash joins
 *             on the WHERE equalities that link them, greedily, starting from
 *             the largest table, with one-table conditions applied before the
 *             joins and the remaining conditions after them
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
 * Errors point into the query text with line:column and a caret.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bind.h"
#include "frame.h"
#include "opt_util.h"
#include "runtime/context.h"
#include "runtime/table.h"
#include "sql_ast.h"

/** Deepest nesting of subqueries the planner follows. */
#define MAX_NESTING 64
/** Bit of a column mask that marks a reference to the enclosing query. */
#define OUTER_BIT ((uint64_t)1 << 63)
/** Most FROM items one block may join by commas (one mask bit each). */
#define MAX_UNITS 62

typedef struct scol {
    char *qual;  /**< table alias (or name) the column belongs to; NULL for computed ones */
    char *name;  /**< the name SQL sees */
    char *fname; /**< the frame column's name */
    bool nullable;
} scol;

/** A relation being built: a frame and what SQL knows about its columns. */
typedef struct rel {
    sl_frame *f;
    scol *c; /**< one per frame column, in order */
    size_t n;
    double rows; /**< size estimate: the largest base table's row count */
    int line, col;
} rel;

typedef struct planner {
    sl_context *ctx;
    const sli_source *src;
    int depth;
} planner;

/* A scope: the relations of one FROM clause, and the enclosing query's. */
typedef struct scope {
    rel **rels;
    size_t nrels;
    const struct scope *outer;
} scope;

/* ---- small helpers -------------------------------------------------------- */

static sl_status oom(planner *p)
{
    return sli_nomem(p->ctx, "SQL planner");
}

static sl_status err_at(planner *p, sl_status s, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static sl_status err_at(planner *p, sl_status s, int line, int col, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sli_source_error(p->ctx, s, p->src, line, col, "%s", msg);
}

/* Gives an error from the frame layer a position unless it has one. */
static sl_status locate(planner *p, int line, int col)
{
    sl_context *ctx = p->ctx;
    size_t n = strlen(p->src->name);
    sl_status s = ctx->last_status ? ctx->last_status : SL_ERR_INTERNAL;
    if (strncmp(ctx->last_error, p->src->name, n) == 0 && ctx->last_error[n] == ':') return s;
    char msg[SLI_ERROR_CAP];
    snprintf(msg, sizeof msg, "%s", ctx->last_error);
    return sli_source_error(ctx, s, p->src, line, col, "%s", msg);
}

static void rel_clear(rel *r)
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
static bool rel_add(rel *r, const char *qual, const char *name, const char *fname, bool nullable)
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

static sli_expr *col_ref(const char *name, int line, int col)
{
    sli_expr *e = sli_expr_new(SLI_EX_COLUMN, line, col);
    if (e && !(e->name = strdup(name))) {
        sli_expr_free(e);
        return NULL;
    }
    return e;
}

/* Wraps e in `as name` (takes e). */
static sli_expr *alias_of(sli_expr *e, const char *name)
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

static bool has_agg(const sli_expr *e)
{
    if (!e) return false;
    if (is_agg_call(e)) return true;
    for (size_t i = 0; i < e->nargs; i++)
        if (has_agg(e->args[i])) return true;
    return false;
}

static bool is_subquery_node(const sli_expr *e)
{
    return e->kind == SLI_EX_CALL && e->name &&
           (strcmp(e->name, SLI_SQL_EXISTS) == 0 || strcmp(e->name, SLI_SQL_IN) == 0);
}

static const sli_expr *find_subquery(const sli_expr *e)
{
    if (!e) return NULL;
    if (is_subquery_node(e)) return e;
    for (size_t i = 0; i < e->nargs; i++) {
        const sli_expr *s = find_subquery(e->args[i]);
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
    for (const scope *s = sc; s; s = s->outer, outer_bit = OUTER_BIT) {
        size_t ri = 0, ci = 0;
        int hits = find_col(s->rels, s->nrels, qual, e->name, &ri, &ci);
        if (hits > 1)
            return err_at(
                p, SL_ERR_AMBIGUOUS, e->line, e->col,
                "column '%s' is ambiguous: more than one table in FROM has it; qualify it, e.g. t.%s",
                e->name, e->name);
        if (hits == 1) {
            char *fname = strdup(s->rels[ri]->c[ci].fname);
            if (!fname) return oom(p);
            free(e->name);
            e->name = fname;
            free(e->lit.s);
            e->lit.s = NULL;
            e->lit.slen = 0;
            if (used) *used |= outer_bit ? OUTER_BIT : ((uint64_t)1 << (ri < 62 ? ri : 62));
            return SL_OK;
        }
        if (qual && has_qual(s->rels, s->nrels, qual))
            return err_at(p, SL_ERR_UNKNOWN_COLUMN, e->line, e->col, "table '%s' has no column '%s'", qual,
                          e->name);
    }
    if (qual)
        return err_at(p, SL_ERR_UNKNOWN_TABLE, e->line, e->col, "unknown table or alias '%s' in '%s.%s'",
                      qual, qual, e->name);
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
    return err_at(p, SL_ERR_UNKNOWN_COLUMN, e->line, e->col, "unknown column '%s'; %s", e->name, cand);
}

/* Resolves every column of e; `used` collects the relations it reads. */
static sl_status resolve(planner *p, const scope *sc, sli_expr *e, uint64_t *used)
{
    if (e->kind == SLI_EX_COLUMN) return resolve_col(p, sc, e, used);
    if (is_subquery_node(e))
        return err_at(p, SL_ERR_UNSUPPORTED, e->line, e->col,
                      "subqueries are only supported as conditions of WHERE joined by AND "
                      "([NOT] EXISTS, x [NOT] IN (SELECT ...))");
    for (size_t i = 0; i < e->nargs; i++) {
        sl_status s = resolve(p, sc, e->args[i], used);
        if (s) return s;
    }
    return SL_OK;
}

static sl_status resolve_in(planner *p, rel *r, sli_expr *e)
{
    rel *rels[1] = {r};
    scope sc = {rels, 1, NULL};
    return resolve(p, &sc, e, NULL);
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

static sl_status plan_select(planner *p, sli_sql_select *s, rel *out);

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
    if (!list) return oom(p);
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
        sli_expr *ref = col_ref(r->c[i].fname, r->line, r->col);
        list[i] = fresh ? alias_of(ref, fresh) : ref;
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
            return oom(p);
        }
    }
    sl_frame *f = sli_frame_select(r->f, list, r->n, p->src);
    if (!f) return locate(p, r->line, r->col);
    sl_frame_destroy(r->f);
    r->f = f;
    return SL_OK;
}

/* A table or derived table of FROM. */
static sl_status plan_item(planner *p, sli_sql_from *fi, rel *out)
{
    memset(out, 0, sizeof *out);
    out->line = fi->line;
    out->col = fi->col;
    if (fi->sub) {
        sl_status s = plan_select(p, fi->sub, out);
        if (s) return s;
        for (size_t i = 0; i < out->n; i++) {
            free(out->c[i].qual);
            if (!(out->c[i].qual = strdup(fi->alias))) return oom(p);
        }
        out->line = fi->line;
        out->col = fi->col;
        return SL_OK;
    }
    out->f = sl_frame_table(p->ctx, fi->table);
    if (!out->f) return locate(p, fi->line, fi->col);
    const sli_table *t = out->f->plan->table;
    out->rows = t ? (double)t->rows : 0;
    const char *qual = fi->alias ? fi->alias : fi->table;
    for (size_t i = 0; i < sl_frame_column_count(out->f); i++) {
        bool nullable = !t || t->source != NULL;
        for (size_t k = 0; t && !nullable && k < t->nparts; k++)
            nullable = t->parts[k].cols[i]->null_count > 0;
        const char *name = sl_frame_column_name(out->f, i);
        if (!rel_add(out, qual, name, name, nullable)) return oom(p);
    }
    return SL_OK;
}

/* Joins r (taken) onto l: l = l JOIN r ON conds. */
static sl_status join_into(planner *p, rel *l, rel *r, sli_expr **conds, size_t n, sli_join_type how,
                           int line, int col)
{
    sl_frame *j = sli_frame_join(l->f, r->f, conds, n, how, p->src);
    if (!j) {
        rel_clear(r);
        return locate(p, line, col);
    }
    sl_frame_destroy(l->f);
    l->f = j;
    bool keeps = how == SLI_JOIN_INNER || how == SLI_JOIN_LEFT;
    for (size_t i = 0; keeps && i < r->n; i++) {
        if (!rel_add(l, r->c[i].qual, r->c[i].name, r->c[i].fname,
                     r->c[i].nullable || how == SLI_JOIN_LEFT)) {
            rel_clear(r);
            return oom(p);
        }
    }
    if (r->rows > l->rows) l->rows = r->rows;
    rel_clear(r);
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
        rel_clear(r);
        return oom(p);
    }
    rel *rels[2] = {l, r};
    scope sc = {rels, 2, NULL};
    sl_status s = SL_OK;
    sli_expr *right_only = NULL;
    size_t keep = 0;
    for (size_t i = 0; i < n && !s; i++) {
        const sli_expr *sq = find_subquery(conj[i]);
        if (sq) {
            s = err_at(p, SL_ERR_UNSUPPORTED, sq->line, sq->col, "subqueries in ON are not supported");
            break;
        }
        uint64_t used = 0;
        if ((s = resolve(p, &sc, conj[i], &used))) break;
        if (fi->join == SLI_SQL_JOIN_LEFT && used == 2) {
            /* a condition on the right table alone filters it before the join */
            right_only = and_of(right_only, conj[i]);
            conj[i] = NULL;
            if (!right_only) s = oom(p);
            continue;
        }
        if (fi->join == SLI_SQL_JOIN_LEFT && (used & 2) == 0) {
            s = err_at(p, SL_ERR_UNSUPPORTED, conj[i]->line, conj[i]->col,
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
            s = locate(p, fi->line, fi->col);
        else {
            sl_frame_destroy(r->f);
            r->f = f;
        }
    }
    sli_expr_free(right_only);
    if (s) {
        sli_expr_free_list(conj, n);
        rel_clear(r);
        return s;
    }
    if (keep == 0) {
        free(conj);
        rel_clear(r);
        return err_at(
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
    if (!u) return oom(p);
    size_t n = 0;
    sl_status st = SL_OK;
    rel **others = calloc(s->nfrom + 1, sizeof *others);
    if (!others) st = oom(p);
    for (size_t i = 0; i < s->nfrom && !st; i++) {
        sli_sql_from *fi = &s->from[i];
        rel r;
        if ((st = plan_item(p, fi, &r))) {
            rel_clear(&r);
            break;
        }
        size_t no = 0;
        for (size_t k = 0; k < n; k++) others[no++] = &u[k];
        if (outer) others[no++] = outer;
        if ((st = uniquify(p, &r, others, no))) {
            rel_clear(&r);
            break;
        }
        if (fi->join == SLI_SQL_JOIN_FIRST || fi->join == SLI_SQL_JOIN_COMMA) {
            if (n == MAX_UNITS) {
                rel_clear(&r);
                st = err_at(p, SL_ERR_UNSUPPORTED, fi->line, fi->col,
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
        for (size_t k = 0; k < n; k++) rel_clear(&u[k]);
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
    if (!f) return locate(p, line, col);
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
            if (!pred) s = oom(p);
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
            if (!pred) s = oom(p);
        }
        if (!s) s = filter_rel(p, &u[k], pred);
    }
    /* equalities between two tables are the join edges */
    uint64_t *ends = calloc(nc ? nc : 1, sizeof *ends);
    if (!ends && !s) s = oom(p);
    for (size_t i = 0; i < nc && !s; i++) {
        sli_expr *c = conj[i];
        if (!c || c->kind != SLI_EX_BINARY || c->op != SLI_OP_EQ) continue;
        uint64_t a = mask_of(c->args[0], ptrs, nu), b = mask_of(c->args[1], ptrs, nu);
        if (popcount64(a) == 1 && popcount64(b) == 1 && a != b) ends[i] = a | b;
    }
    size_t start = 0;
    for (size_t k = 1; k < nu; k++)
        if (u[k].rows > u[start].rows) start = k;
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
            if (linked && (best == nu || u[k].rows > u[best].rows)) best = k;
        }
        if (best == nu) {
            for (size_t k = 0; k < nu; k++) {
                if (joined & ((uint64_t)1 << k)) continue;
                s = err_at(
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
            s = oom(p);
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
            if (!rest) s = oom(p);
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

static sl_status plan_from_where(planner *p, sli_sql_select *s, rel *outer, rel *out, sli_expr ***corr,
                                 size_t *ncorr);

static bool simple_block(const sli_sql_select *s)
{
    if (s->ngroup || s->having || s->distinct || s->has_limit) return false;
    for (size_t i = 0; i < s->nitems; i++)
        if (s->items[i].expr && has_agg(s->items[i].expr)) return false;
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
        return err_at(
            p, SL_ERR_UNSUPPORTED, line, col,
            "EXISTS over a subquery with GROUP BY, HAVING, DISTINCT, LIMIT or aggregates is not supported");
    }
    rel sr;
    memset(&sr, 0, sizeof sr);
    sli_expr **corr = NULL;
    size_t ncorr = 0;
    sl_status s = plan_from_where(p, sub, r, &sr, &corr, &ncorr);
    if (!s && in_x) {
        sli_sql_item *it = &sub->items[0];
        sli_expr *c = sub->nitems == 1 ? it->expr : NULL;
        sli_expr *eq = c ? sli_expr_new(SLI_EX_BINARY, line, col) : NULL;
        sli_expr **nl = eq ? realloc(corr, (ncorr + 1) * sizeof *nl) : NULL;
        if (!c)
            s = err_at(p, SL_ERR_SYNTAX, sub->line, sub->col, "the subquery of IN must return one column");
        else if (!nl)
            s = oom(p);
        else
            corr = nl;
        if (!s) {
            it->expr = NULL;
            s = resolve_in(p, &sr, c);
            eq->op = SLI_OP_EQ;
            bool ok = sli_expr_push(eq, in_x);
            in_x = NULL;
            ok = sli_expr_push(eq, c) && ok;
            if (ok) { /* the IN equality is the first key */
                memmove(corr + 1, corr, ncorr * sizeof *corr);
                corr[0] = eq;
                ncorr++;
            } else if (!s)
                s = oom(p);
            if (!ok) sli_expr_free(eq);
        } else {
            sli_expr_free(eq);
        }
    }
    sli_expr_free(in_x);
    if (!s && ncorr == 0)
        s = err_at(p, SL_ERR_UNSUPPORTED, line, col,
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
            s = err_at(p, SL_ERR_UNSUPPORTED, c->line, c->col,
                       "a condition in a subquery that uses the outer query must be an equality between an "
                       "outer and "
                       "an inner expression");
    }
    if (s) {
        sli_expr_free_list(corr, ncorr);
        rel_clear(&sr);
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
        if (!is_subquery_node(c)) {
            const sli_expr *sq = find_subquery(c);
            st = err_at(p, SL_ERR_UNSUPPORTED, sq->line, sq->col,
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
        if ((st = resolve_in(p, r, x))) {
            sli_expr_free(x);
            break;
        }
        if (!c->negated && simple_block(sub) && sub->nitems == 1 && sub->items[0].expr) {
            st = plan_exists(p, r, sub, false, line, col, x);
            continue;
        }
        rel sq;
        if ((st = plan_select(p, sub, &sq))) {
            sli_expr_free(x);
            rel_clear(&sq);
            break;
        }
        if (sq.n != 1) {
            sli_expr_free(x);
            rel_clear(&sq);
            st = err_at(p, SL_ERR_SYNTAX, sub->line, sub->col,
                        "the subquery of IN must return one column, not %zu", sq.n);
            break;
        }
        rel *others[1] = {r};
        if ((st = uniquify(p, &sq, others, 1))) {
            sli_expr_free(x);
            rel_clear(&sq);
            break;
        }
        if (c->negated) {
            bool x_nullable = true;
            if (x->kind == SLI_EX_COLUMN)
                for (size_t k = 0; k < r->n; k++)
                    if (strcmp(r->c[k].fname, x->name) == 0) x_nullable = r->c[k].nullable;
            if (x_nullable || sq.c[0].nullable) {
                sli_expr_free(x);
                rel_clear(&sq);
                st = err_at(p, SL_ERR_UNSUPPORTED, line, col,
                            "NOT IN (SELECT ...) is only supported when neither side can be NULL "
                            "(NULLs make NOT IN unknown); use NOT EXISTS");
                break;
            }
        }
        sli_expr *eq = sli_expr_new(SLI_EX_BINARY, line, col);
        sli_expr *ref = col_ref(sq.c[0].fname, line, col);
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
            rel_clear(&sq);
            st = oom(p);
            break;
        }
        conds[0] = eq;
        st = join_into(p, r, &sq, conds, 1, c->negated ? SLI_JOIN_ANTI : SLI_JOIN_SEMI, line, col);
    }
    sli_expr_free_list(conj, n);
    return st;
}

/* FROM and WHERE of s into *out. With `outer` (an EXISTS subquery), the
 * conditions that use the outer query are resolved and returned in *corr. */
static sl_status plan_from_where(planner *p, sli_sql_select *s, rel *outer, rel *out, sli_expr ***corr,
                                 size_t *ncorr)
{
    memset(out, 0, sizeof *out);
    if (++p->depth > MAX_NESTING) {
        p->depth--;
        return err_at(p, SL_ERR_UNSUPPORTED, s->line, s->col, "subqueries nested too deeply");
    }
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
        if (nomem || !split_and(w, &conj, &nc)) st = oom(p);
    }
    if (!st) {
        mask = calloc(nc ? nc : 1, sizeof *mask);
        if (!mask) st = oom(p);
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
        if (find_subquery(c)) {
            sli_expr **ns = realloc(subq, (nsub + 1) * sizeof *ns);
            if (!ns) {
                sli_expr_free(c);
                st = oom(p);
                break;
            }
            subq = ns;
            subq[nsub++] = c;
            continue;
        }
        uint64_t used = 0;
        if ((st = resolve(p, &sc, c, &used))) {
            sli_expr_free(c);
            break;
        }
        if (used & OUTER_BIT) {
            sli_expr **nl = realloc(*corr, (*ncorr + 1) * sizeof *nl);
            if (!nl) {
                sli_expr_free(c);
                st = oom(p);
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
        for (size_t k = 0; k < nu; k++) rel_clear(&u[k]);
    } else {
        st = combine_units(p, u, nu, conj, mask, keep, out);
        for (size_t k = 0; k < nu; k++) rel_clear(&u[k]);
    }
    free(conj);
    free(mask);
    free(u);
    if (!st) {
        st = apply_subqueries(p, s, out, subq, nsub);
        subq = NULL;
    }
    sli_expr_free_list(subq, nsub);
    p->depth--;
    return st;
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
                st = oom(p);
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
                c->expr = col_ref(r->c[k].fname, it->line, it->col);
                c->name = strdup(r->c[k].name);
                c->nullable = r->c[k].nullable;
                n++;
                if (!c->expr || !c->name) st = oom(p);
            }
            if (!st && n == before)
                st = err_at(p, SL_ERR_UNKNOWN_TABLE, it->line, it->col, "unknown table or alias '%s' in %s.*",
                            it->star, it->star);
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
            st = oom(p);
            break;
        }
        c->expr = it->expr;
        it->expr = NULL;
        if ((st = resolve_in(p, r, c->expr))) break;
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
            *st = err_at(p, SL_ERR_SYNTAX, a->line, a->col,
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
            *st = err_at(p, SL_ERR_AMBIGUOUS, a->line, a->col, "'%s' names more than one output column",
                         a->name);
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
            if (!c) return oom(p);
            sli_expr_free(e);
            *pe = c;
            return SL_OK;
        }
    }
    if (e->kind == SLI_EX_COLUMN || is_subquery_node(e)) return resolve_in(p, r, e);
    for (size_t i = 0; i < e->nargs; i++) {
        sl_status s = resolve_aliased(p, r, &e->args[i], o, n);
        if (s) return s;
    }
    return SL_OK;
}

static sl_status apply_frame(planner *p, rel *r, sl_frame *f, int line, int col)
{
    if (!f) return locate(p, line, col);
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
        if (!keys) return oom(p);
        for (size_t k = 0; k < s->norder && !st; k++) {
            sli_expr *ord = s->order[k];
            sli_expr *key = sli_expr_new(SLI_EX_ORDER, ord->line, ord->col);
            sli_expr *ref = col_ref(keyname[k], ord->line, ord->col);
            if (!key || !ref || !sli_expr_push(key, ref)) {
                if (!key) sli_expr_free(ref);
                sli_expr_free(key);
                st = oom(p);
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
        if (!list) return oom(p);
        for (size_t i = 0; i < n; i++) {
            sli_expr *ref = col_ref(srcname[i], s->line, s->col);
            list[i] = strcmp(srcname[i], o[i].name) == 0 ? ref : alias_of(ref, o[i].name);
            if (!list[i]) {
                sli_expr_free_list(list, n);
                return oom(p);
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
        if (!rel_add(r, NULL, o[i].name, sl_frame_column_name(r->f, i), o[i].nullable)) return oom(p);
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
    sl_status st = keyname && all ? SL_OK : oom(p);
    if (all) o = all;
    /* projection names: the output names, made distinct so sort keys can address them */
    bool renamed = false;
    for (size_t i = 0; i < n && !st; i++) {
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++) dup = strcmp(o[j].name, o[i].name) == 0;
        o[i].fname = dup ? hidden_name("col", i) : strdup(o[i].name);
        if (!o[i].fname) st = oom(p);
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
            if (!h->fname) st = oom(p);
            ref = (long)total - 1;
        }
        if (!st && !(keyname[k] = strdup(o[ref].fname))) st = oom(p);
    }
    /* the projection (skipped when it would pass the input through as it is) */
    bool identity = !st && total == r->n;
    for (size_t i = 0; identity && i < total; i++)
        identity = o[i].expr->kind == SLI_EX_COLUMN && strcmp(o[i].expr->name, r->c[i].fname) == 0 &&
                   strcmp(o[i].fname, r->c[i].fname) == 0;
    if (!st && !identity) {
        sli_expr **list = calloc(total, sizeof *list);
        if (!list) st = oom(p);
        for (size_t i = 0; i < total && !st; i++) {
            sli_expr *e = sli_expr_clone(o[i].expr);
            bool plain = e && e->kind == SLI_EX_COLUMN && strcmp(e->name, o[i].fname) == 0;
            list[i] = plain ? e : alias_of(e, o[i].fname);
            if (!list[i]) st = oom(p);
        }
        if (st)
            sli_expr_free_list(list, total);
        else
            st = apply_frame(p, r, sli_frame_select(r->f, list, total, p->src), s->line, s->col);
    }
    if (!st) st = order_limit(p, s, r, keyname);
    char **srcname = calloc(n ? n : 1, sizeof *srcname);
    if (!st && !srcname) st = oom(p);
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
            sli_expr *ref = col_ref(gname[j], e->line, e->col);
            if (!ref) return oom(p);
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
            return err_at(p, SL_ERR_UNSUPPORTED, e->line, e->col,
                          "count(DISTINCT ...) is only supported in the SELECT list and HAVING");
        if (e->nargs != 1 || !expr_eq(e->args[0], dx))
            return err_at(p, SL_ERR_UNSUPPORTED, e->line, e->col,
                          "count(DISTINCT ...) of different expressions in one query is not supported");
        sli_expr *ref = col_ref("__sql_distinct", e->line, e->col);
        char *name = strdup("count");
        if (!ref || !name) {
            sli_expr_free(ref);
            free(name);
            return oom(p);
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
        return err_at(p, SL_ERR_SYNTAX, c->line, c->col,
                      "column '%s' must appear in GROUP BY or be used in an aggregate function", shown);
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
    sli_expr *al = nm ? alias_of(e, name) : (sli_expr_free(e), NULL);
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

/* r = r.groupBy(keys as their names, dx as __sql_distinct).agg(count(*)). */
static sl_status distinct_stage(planner *p, rel *r, sli_expr *const *g, char *const *gname, size_t ng,
                                const sli_expr *dx, const sli_sql_select *s)
{
    sli_expr **keys = calloc(ng + 1, sizeof *keys);
    sli_expr **items = calloc(1, sizeof *items);
    bool ok = keys && items;
    for (size_t j = 0; ok && j < ng; j++) ok = (keys[j] = alias_of(sli_expr_clone(g[j]), gname[j])) != NULL;
    ok = ok && (keys[ng] = alias_of(sli_expr_clone(dx), "__sql_distinct")) != NULL;
    ok = ok && (items[0] = alias_of(count_star(s->line, s->col), "__sql_n")) != NULL;
    if (!ok) {
        sli_expr_free_list(keys, ng + 1);
        sli_expr_free_list(items, 1);
        return oom(p);
    }
    sl_frame *grouped = sli_frame_group_by(r->f, keys, ng + 1, p->src);
    if (!grouped) {
        sli_expr_free_list(items, 1);
        return locate(p, dx->line, dx->col);
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
    if (!g || !gname || !gnull || !keyname) st = oom(p);
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
                if ((st = resolve_in(p, r, a))) break;
                g[j] = a;
                s->group[j] = NULL;
            }
        }
        if (ref >= 0 && !(g[j] = sli_expr_clone(o[ref].expr))) st = oom(p);
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
            st = oom(p);
        else
            gnull[j] = expr_nullable(g[j], r);
    }
    /* HAVING is resolved before the aggregates are looked at */
    sli_expr *having = s->having;
    s->having = NULL;
    if (!st && having) {
        const sli_expr *sq = find_subquery(having);
        if (sq)
            st = err_at(p, SL_ERR_UNSUPPORTED, sq->line, sq->col, "subqueries in HAVING are not supported");
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
            st = err_at(p, SL_ERR_UNSUPPORTED, s->line, s->col,
                        "count(DISTINCT ...) together with other aggregates is not supported");
        else if (found && !(dx = sli_expr_clone(found)))
            st = oom(p);
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
            st = oom(p);
            break;
        }
        if ((st = agg_item(p, &e, g, gname, ng, r, dx))) {
            sli_expr_free(e);
            break;
        }
        o[i].nullable = !(is_agg_call(e) && strcmp(e->name, "count") == 0);
        char *hid = name_used(o[i].name, gname, ng, &ai) ? hidden_name("item", i) : NULL;
        if (!aggitems_push(&ai, e, hid ? hid : o[i].name)) st = oom(p);
        free(hid);
        o[i].ref = (int)(ng + ai.n - 1);
    }
    /* HAVING: a hidden boolean item */
    if (!st && having) {
        sli_expr *h = having;
        having = NULL;
        st = agg_item(p, &h, g, gname, ng, r, dx);
        if (st)
            sli_expr_free(h);
        else if (!aggitems_push(&ai, h, "__sql_having"))
            st = oom(p);
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
                st = oom(p);
                break;
            }
            free(hid);
            nm = ai.name[ai.n - 1];
        }
        if (!(keyname[k] = strdup(nm))) st = oom(p);
    }
    /* agg() needs an item: a hidden count when the query has none */
    if (!st && ai.n == 0) {
        sli_expr *cnt = count_star(s->line, s->col);
        if (!cnt || !aggitems_push(&ai, cnt, "__sql_count")) st = oom(p);
    }
    /* the frames: groupBy(keys).agg(items) */
    if (!st) {
        sl_frame *grouped = NULL;
        if (ng) {
            sli_expr **keys = calloc(ng, sizeof *keys);
            if (!keys) st = oom(p);
            for (size_t j = 0; j < ng && !st; j++) {
                /* after a count(DISTINCT) stage the keys are its columns */
                sli_expr *k = dx ? col_ref(gname[j], s->line, s->col) : sli_expr_clone(g[j]);
                bool plain = k && k->kind == SLI_EX_COLUMN && strcmp(k->name, gname[j]) == 0;
                keys[j] = plain ? k : alias_of(k, gname[j]);
                if (!keys[j]) st = oom(p);
            }
            if (st)
                sli_expr_free_list(keys, ng);
            else if (!(grouped = sli_frame_group_by(r->f, keys, ng, p->src)))
                st = locate(p, s->gline, s->gcol);
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
    bool has_having = false;
    for (size_t j = 0; j < ai.n; j++) has_having = has_having || strcmp(ai.name[j], "__sql_having") == 0;
    if (!st && has_having) {
        sli_expr *ref = col_ref("__sql_having", s->line, s->col);
        st = ref ? apply_frame(p, r, sli_frame_where(r->f, ref, p->src), s->line, s->col) : oom(p);
    }
    if (!st) st = order_limit(p, s, r, keyname);
    /* the last projection: SELECT order and names, hidden columns dropped */
    char **srcname = calloc(n ? n : 1, sizeof *srcname);
    if (!st && !srcname) st = oom(p);
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

static sl_status plan_select(planner *p, sli_sql_select *s, rel *out)
{
    memset(out, 0, sizeof *out);
    sli_expr **corr = NULL;
    size_t ncorr = 0;
    sl_status st = plan_from_where(p, s, NULL, out, &corr, &ncorr);
    sli_expr_free_list(corr, ncorr);
    if (st) return st;
    outcol *o = NULL;
    size_t n = 0;
    if ((st = expand_items(p, s, out, &o, &n))) return st;
    bool grouped = s->ngroup || s->having || s->distinct;
    for (size_t i = 0; i < n && !grouped; i++) grouped = has_agg(o[i].expr);
    for (size_t k = 0; k < s->norder && !grouped; k++) grouped = has_agg(s->order[k]);
    if (s->distinct && s->ngroup) {
        outcols_free(o, n);
        return err_at(p, SL_ERR_UNSUPPORTED, s->line, s->col,
                      "SELECT DISTINCT with GROUP BY is not supported");
    }
    for (size_t i = 0; i < n && s->distinct; i++) {
        if (has_agg(o[i].expr)) {
            outcols_free(o, n);
            return err_at(p, SL_ERR_UNSUPPORTED, s->line, s->col,
                          "SELECT DISTINCT over aggregates is not supported");
        }
    }
    return grouped ? plan_grouped(p, s, out, o, n) : plan_plain(p, s, out, o, n);
}

sl_frame *sli_sql_plan(sl_context *ctx, const sli_source *src, sli_sql_select *s)
{
    planner p = {ctx, src, 0};
    rel r;
    sl_status st = plan_select(&p, s, &r);
    if (st) {
        rel_clear(&r);
        return NULL;
    }
    sl_frame *f = r.f;
    r.f = NULL;
    rel_clear(&r);
    return f;
}
