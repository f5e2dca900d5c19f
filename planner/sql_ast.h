/*
 * sql_ast.h — the SQL front end's syntax tree, its parser (sql_parse.c) and
 * its planner (sql_plan.c).
 *
 * A query is parsed into a tree of SELECT blocks whose expressions are the
 * shared unbound sli_expr trees (expr.h), with four SQL-only encodings that
 * the planner removes before any tree reaches the frame layer:
 *   - a qualified column `t.c` is an SLI_EX_COLUMN named "c" whose lit.s
 *     holds the qualifier "t";
 *   - `[not] exists (select ...)` is an SLI_EX_CALL named SLI_SQL_EXISTS
 *     (negated for the not form) whose lit.i indexes the enclosing block's
 *     `subs`;
 *   - `x [not] in (select ...)` is an SLI_EX_CALL named SLI_SQL_IN with
 *     args[0] = x, `negated` for the not form, lit.i indexing `subs`;
 *   - `count(distinct x)` is an SLI_EX_CALL named SLI_SQL_COUNT_DISTINCT.
 * A WITH clause is kept on the SELECT block it precedes (`ctes`); a FROM
 * item naming one of its common table expressions (or an enclosing
 * block's) is an item with `table` set, told apart only by the planner.
 * The planner turns the tree into frames (frame.h) exactly as a DataFrame
 * chain would build them, so SQL and plan files share one optimizer and
 * executor.
 */
#ifndef SLI_SQL_AST_H
#define SLI_SQL_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expr.h"
#include "parse.h" /* the shared expression parser; SLI_SQL_EXISTS, SLI_SQL_IN, SLI_SQL_COUNT_DISTINCT */
#include "source.h"

typedef struct sli_sql_select sli_sql_select;

/** How a FROM item joins the items before it. */
typedef enum sli_sql_join {
    SLI_SQL_JOIN_FIRST = 0, /**< the first item of the FROM clause */
    SLI_SQL_JOIN_COMMA,     /**< `, item`: joined through WHERE equalities */
    SLI_SQL_JOIN_INNER,     /**< `[inner] join item on cond` */
    SLI_SQL_JOIN_LEFT,      /**< `left [outer] join item on cond` */
} sli_sql_join;

/** One item of a FROM clause: a table or a derived table. */
typedef struct sli_sql_from {
    char *table;         /**< table name, or NULL for a derived table */
    sli_sql_select *sub; /**< derived table `(select ...)`, or NULL */
    char *alias;         /**< `[as] alias`, or NULL */
    int line, col;       /**< position of the table name or '(' */
    sli_sql_join join;   /**< how it joins what comes before it */
    sli_expr *on;        /**< INNER/LEFT: the ON condition */
    int jline, jcol;     /**< position of the join keyword (or the comma) */
} sli_sql_from;

/** One common table expression of a WITH clause: `name AS (select)`. */
typedef struct sli_sql_cte {
    char *name;          /**< the name FROM items refer to it by */
    sli_sql_select *sub; /**< its query */
    int line, col;       /**< position of the name */
} sli_sql_cte;

/** One item of a SELECT list. */
typedef struct sli_sql_item {
    sli_expr *expr; /**< NULL for `*` and `t.*` */
    char *alias;    /**< `[as] alias`, or NULL */
    char *star;     /**< `t.*`: the qualifier; `*`: "" ; else NULL */
    int line, col;  /**< position of the item's first token */
} sli_sql_item;

/** One SELECT block. */
struct sli_sql_select {
    int line, col;     /**< position of the SELECT keyword */
    sli_sql_cte *ctes; /**< `WITH` before the SELECT, in order; visible to the FROM clauses within */
    size_t nctes;
    bool distinct;
    sli_sql_item *items;
    size_t nitems;
    sli_sql_from *from;
    size_t nfrom;
    sli_expr *where;  /**< or NULL */
    sli_expr **group; /**< GROUP BY expressions */
    size_t ngroup;
    int gline, gcol;  /**< position of GROUP */
    sli_expr *having; /**< or NULL */
    sli_expr **order; /**< ORDER BY keys: SLI_EX_ORDER nodes */
    size_t norder;
    bool has_limit;
    int64_t limit;
    sli_sql_select **subs; /**< subqueries referenced from expressions (by index) */
    size_t nsubs;
};

/**
 * Parses one SQL query (optionally ended by ';'). Keywords are
 * case-insensitive. On an error records "name:line:col: message" with a
 * caret on ctx (SL_ERR_SYNTAX, or SL_ERR_UNSUPPORTED naming a feature) and
 * returns NULL.
 * @return a tree the caller frees with sli_sql_select_free.
 * Thread safety: uses only ctx, which must not be shared during the call.
 */
sli_sql_select *sli_sql_parse(sl_context *ctx, const sli_source *src);

/** Frees a SELECT block and everything under it. NULL is ignored. */
void sli_sql_select_free(sli_sql_select *s);

/**
 * Builds the frame of a parsed query over the tables registered in ctx.
 * The tree is consumed in part (expressions are moved out of it), but must
 * still be freed by the caller with sli_sql_select_free.
 * @return a new frame (sl_frame_destroy), or NULL with the error on ctx.
 * Thread safety: as the frame functions (one thread per context).
 */
sl_frame *sli_sql_plan(sl_context *ctx, const sli_source *src, sli_sql_select *s);

#endif
