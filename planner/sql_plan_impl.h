/*
 * sql_plan_impl.h — what the two halves of the SQL planner share: the
 * relations being built (a frame and what SQL knows about its columns),
 * scopes for name resolution, and the helpers both call. sql_plan.c plans a
 * SELECT block (its list, GROUP BY, HAVING, ORDER BY, LIMIT) over the one
 * relation that sql_from.c builds from its FROM and WHERE clauses (tables,
 * common table expressions, derived tables, joins, subqueries as semi and
 * anti joins).
 */
#ifndef SLI_SQL_PLAN_IMPL_H
#define SLI_SQL_PLAN_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expr.h"
#include "source.h"
#include "sql_ast.h"

/** Bit of a column mask that marks a reference to the enclosing query. */
#define SLI_SQLP_OUTER_BIT ((uint64_t)1 << 63)

/** A column of a relation. */
typedef struct sli_sqlp_col {
    char *qual;  /**< table alias (or name) the column belongs to; NULL for computed ones */
    char *name;  /**< the name SQL sees */
    char *fname; /**< the frame column's name */
    bool nullable;
} sli_sqlp_col;

/** A relation being built: a frame and what SQL knows about its columns. */
typedef struct sli_sqlp_rel {
    sl_frame *f;
    sli_sqlp_col *c; /**< one per frame column, in order */
    size_t n;
    double rows; /**< size estimate: the largest base table's row count */
    int line, col;
} sli_sqlp_rel;

/** A planned common table expression, in scope in the SELECT block of its WITH. */
typedef struct sli_sqlp_cte {
    const char *name;                /**< its WITH name (the syntax tree's) */
    sli_sqlp_rel rel;                /**< its query; a reference gets a frame over the same plan */
    const struct sli_sqlp_cte *next; /**< the one in scope before it (same WITH or an enclosing one) */
} sli_sqlp_cte;

/** The state of planning one query. */
typedef struct sli_sqlp {
    sl_context *ctx;
    const sli_source *src;
    int depth;                /**< subqueries being planned, one inside the other */
    const sli_sqlp_cte *ctes; /**< common table expressions in scope, innermost first */
} sli_sqlp;

/** A scope: the relations of one FROM clause, and the enclosing query's. */
typedef struct sli_sqlp_scope {
    sli_sqlp_rel **rels;
    size_t nrels;
    const struct sli_sqlp_scope *outer;
} sli_sqlp_scope;

/* ---- sql_plan.c ------------------------------------------------------------ */

/** Records an allocation failure. @return SL_ERR_NOMEM. */
sl_status sli_sqlp_oom(sli_sqlp *p);
/** Records an error at line:col of the query, with a caret. @return s. */
sl_status sli_sqlp_err_at(sli_sqlp *p, sl_status s, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/** Gives the frame layer's last error the position line:col unless it has one. @return its status. */
sl_status sli_sqlp_locate(sli_sqlp *p, int line, int col);
/** Frees r's frame and columns and zeroes it. */
void sli_sqlp_rel_clear(sli_sqlp_rel *r);
/** Appends a column to r (strings copied). @return false on NOMEM. */
bool sli_sqlp_rel_add(sli_sqlp_rel *r, const char *qual, const char *name, const char *fname, bool nullable);
/** @return a column reference to name, or NULL on NOMEM. */
sli_expr *sli_sqlp_col_ref(const char *name, int line, int col);
/** Wraps e in `as name` (takes e). @return NULL on NOMEM (e freed). */
sli_expr *sli_sqlp_alias_of(sli_expr *e, const char *name);
/** @return true when e (or NULL) calls an aggregate anywhere. */
bool sli_sqlp_has_agg(const sli_expr *e);
/** @return true when e is an EXISTS or IN (subquery) node. */
bool sli_sqlp_is_subquery(const sli_expr *e);
/** @return the first subquery node in e, or NULL. */
const sli_expr *sli_sqlp_find_subquery(const sli_expr *e);
/** Resolves every column of e in sc (rewritten to frame names); `used` collects the relations it reads
 *  (bit r for sc->rels[r], SLI_SQLP_OUTER_BIT for the enclosing scopes). */
sl_status sli_sqlp_resolve(sli_sqlp *p, const sli_sqlp_scope *sc, sli_expr *e, uint64_t *used);
/** Resolves every column of e against r alone. */
sl_status sli_sqlp_resolve_in(sli_sqlp *p, sli_sqlp_rel *r, sli_expr *e);
/** Plans a whole SELECT block (a derived table, an IN subquery) into *out. */
sl_status sli_sqlp_plan_select(sli_sqlp *p, sli_sql_select *s, sli_sqlp_rel *out);

/* ---- sql_from.c ------------------------------------------------------------ */

/**
 * The FROM and WHERE clauses of s into *out: the common table expressions
 * of s's WITH (planned once each, in scope until it returns), tables,
 * references to common table expressions, derived tables,
 * explicit joins, comma joins along WHERE equalities, the remaining
 * conditions as filters, and WHERE subqueries as semi and anti joins. With
 * `outer` (an EXISTS subquery's enclosing relation), the conditions that use
 * it are resolved and appended to *corr (the caller frees them).
 */
sl_status sli_sqlp_from_where(sli_sqlp *p, sli_sql_select *s, sli_sqlp_rel *outer, sli_sqlp_rel *out,
                              sli_expr ***corr, size_t *ncorr);

#endif
