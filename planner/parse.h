/*
 * parse.h — the plan-file and expression parser.
 *
 * Plan-file grammar (keywords are case-insensitive; `#` and `--` start a
 * comment that runs to the end of the line):
 *
 *   program  := { 'let' IDENT '=' chain ';' } chain [';']
 *   chain    := source { '.' step }
 *   source   := 'table' '(' STRING ')' | IDENT            -- IDENT: a let binding
 *   step     := IDENT '(' [ arg { ',' arg } ] ')'
 *   arg      := chain (first argument of join only) | expr
 *
 * Steps: select(expr [as name], ...), where(pred) / filter(pred),
 * join(chain, cond), groupBy(expr, ...), agg(aggexpr [as name], ...),
 * orderBy(expr [asc|desc] [nulls first|last], ...), limit(int).
 *
 * Expressions (precedence low to high):
 *   or; and; not; comparison (= == <> != < <= > >=, [not] between .. and ..,
 *   [not] in (list), is [not] null); + -; * / %; unary -; primary.
 *   Primary: integer (int64), decimal (1.25 -> decimal(3,2)), float
 *   (1e3 or 1.5e-2 -> float64), 'string' ('' escapes a quote), date 'YYYY-MM-DD',
 *   true, false, null, cast(expr as type), case, extract, interval,
 *   name(args) / count(*), a column name (IDENT or "quoted ident"), ( expr ).
 *   `expr as name` is allowed wherever a list item is.
 *
 *   case     := 'case' 'when' expr 'then' expr { 'when' expr 'then' expr }
 *               [ 'else' expr ] 'end'                          -- searched
 *             | 'case' expr 'when' expr 'then' expr { ... } [ 'else' expr ] 'end'
 *               -- simple: each `when a` becomes `operand = a` (a copy of the operand)
 *   extract  := 'extract' '(' ('year'|'month'|'day') 'from' expr ')'
 *               -- the same tree as the calls year(expr), month(expr), day(expr)
 *   interval := 'interval' ( ['-'] INT | STRING ) unit       -- interval '3' month, interval 3 month
 *             | 'interval' STRING                            -- interval '3 months'
 *   unit     := day[s] | month[s] | year[s]
 *   `when`, `then`, `else` and `end` never start an operand; a column with
 *   such a name (or named case, interval, extract) is written "quoted".
 */
#ifndef SLI_PARSE_H
#define SLI_PARSE_H

#include <stddef.h>

#include "expr.h"
#include "source.h"

typedef struct sli_pchain sli_pchain;

/** One `.method(args)` step of a chain. */
typedef struct sli_pstep {
    char *method;      /**< as written, e.g. "groupBy" */
    int line, col;     /**< position of the method name */
    sli_pchain *input; /**< join: the chain of the first argument; else NULL */
    sli_expr **args;   /**< the expression arguments (for join, those after input) */
    size_t nargs;
} sli_pstep;

/** A source followed by steps. */
struct sli_pchain {
    char *table;   /**< table("name") source, or NULL */
    char *ref;     /**< let-binding name used as source, or NULL */
    int line, col; /**< position of the source */
    sli_pstep *steps;
    size_t nsteps;
};

typedef struct sli_program {
    size_t nlets;
    char **let_names;
    int *let_lines, *let_cols;
    sli_pchain **let_chains;
    sli_pchain *main; /**< the final chain */
} sli_program;

/**
 * Parses a plan file. On a syntax error records "name:line:col: ..." with a
 * caret on ctx and returns NULL.
 * @return a program the caller frees with sli_program_free.
 */
sli_program *sli_parse_program(sl_context *ctx, const sli_source *src);

void sli_program_free(sli_program *p);
void sli_pchain_free(sli_pchain *c);

/** What a list of expressions may contain. */
typedef enum sli_list_mode {
    SLI_LIST_PLAIN = 0, /**< expressions with optional `as name` */
    SLI_LIST_ORDER = 1, /**< sort keys: each item becomes an SLI_EX_ORDER node */
} sli_list_mode;

/**
 * Parses a comma-separated list of expressions (the whole text).
 * @param out receives a malloc'd array of n trees the caller frees with
 *        sli_expr_free_list.
 * @return SL_OK or SL_ERR_SYNTAX/SL_ERR_NOMEM (error recorded on ctx).
 */
sl_status sli_parse_expr_list(sl_context *ctx, const sli_source *src, sli_list_mode mode, sli_expr ***out,
                              size_t *n);

#endif
