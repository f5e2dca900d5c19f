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
 *   [not] in (list), is [not] null, [not] like 'pattern'); + -; * / %; unary -;
 *   primary.
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
 *   like     := expr ['not'] 'like' STRING     -- a call named SLI_LIKE; no 'escape'
 *   substring := ('substring'|'substr') '(' expr ( 'from' expr ['for' expr]
 *               | ',' expr [',' expr] ) ')'    -- a call named SLI_SUBSTRING
 *   `when`, `then`, `else` and `end` never start an operand; a column with
 *   such a name (or named case, interval, extract) is written "quoted".
 */
#ifndef SLI_PARSE_H
#define SLI_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "expr.h"
#include "lexer.h"
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

/* ---- the expression parser, driven by another front end (SQL) ------------- */

/** Name of the call node that stands for `exists (subquery)` (SQL dialect). */
#define SLI_SQL_EXISTS "$exists"
/** Name of the call node that stands for `x in (subquery)` (SQL dialect). */
#define SLI_SQL_IN "$in"
/** Name of the call node that stands for `count(distinct x)` (SQL dialect). */
#define SLI_SQL_COUNT_DISTINCT "$count_distinct"

typedef struct sli_parser sli_parser;

/**
 * Parses '(' select ')' with the current token at '(' and keeps the
 * subquery. @return its index (stored in the node's lit.i), or -1 after an
 * error recorded on the parser.
 */
typedef long sli_subquery_fn(sli_parser *p);

/**
 * The state of one parse: a lexer with three tokens of lookahead, the
 * recursion depth and the first error. The SQL dialect differs from the plan
 * file's in its error messages (keywords written in capitals), its reserved
 * words, its limits (depth 200: "query nested too deeply"), and these forms:
 * qualified names `t.c` (an SLI_EX_COLUMN named "c" whose lit.s holds "t"),
 * `[not] exists (select ...)` and `x [not] in (select ...)` (calls named
 * SLI_SQL_EXISTS and SLI_SQL_IN, `negated` for the not forms, lit.i from the
 * subquery hook), `count(distinct x)` (a call named SLI_SQL_COUNT_DISTINCT),
 * `f(all x)`, unary plus, SQL type names in cast (integer, varchar(n), double
 * precision, ...), and SL_ERR_UNSUPPORTED errors naming the SQL it does not
 * run (ILIKE, SIMILAR TO, LIKE ... ESCAPE, window functions, scalar subqueries,
 * row values, ...).
 */
struct sli_parser {
    sl_context *ctx;
    const sli_source *src;
    sli_lexer lx;
    sli_token look[3]; /**< look[0] is the current token */
    int nlook;
    int depth;
    sl_status status;          /**< the first error; SL_OK while parsing goes well */
    bool sql;                  /**< the SQL dialect */
    sli_subquery_fn *subquery; /**< SQL: parses subqueries; NULL: none allowed */
};

/** Starts parsing src in the plan-file dialect (sql = true: the SQL one). */
void sli_parse_init(sli_parser *p, sl_context *ctx, const sli_source *src, bool sql);

/** @return the token k places ahead of the current one (k < 3). */
const sli_token *sli_parse_peek(sli_parser *p, int k);
/** @return the current token. */
const sli_token *sli_parse_cur(sli_parser *p);
/** Consumes the current token. @return it. */
sli_token sli_parse_advance(sli_parser *p);
/** @return true when the current token is the keyword kw (any case). */
bool sli_parse_is_kw(sli_parser *p, const char *kw);
/** Consumes a token of kind k, or records "expected <what> but found ...". */
bool sli_parse_expect(sli_parser *p, sli_tok_kind k, const char *what);
/** Records "expected <what> but found <current token>" (first error wins). @return NULL. */
void *sli_parse_expected(sli_parser *p, const char *what);
/** Records an error at t (the lexer's, when t is an error token). @return NULL. */
void *sli_parse_fail(sli_parser *p, const sli_token *t, sl_status s, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/** Records "<what> not supported" (SL_ERR_UNSUPPORTED) at t. @return NULL. */
void *sli_parse_unsupported(sli_parser *p, const sli_token *t, const char *what);
/** Records an allocation failure. @return NULL. */
void *sli_parse_nomem(sli_parser *p);
/** Enters one level of recursion; false (error recorded) past the limit. */
bool sli_parse_enter(sli_parser *p);
/** Leaves a level entered with sli_parse_enter. */
void sli_parse_leave(sli_parser *p);
/** @return true for words that never start an operand (nor, in SQL, serve as an alias). */
bool sli_parse_reserved(const sli_parser *p, const sli_token *t);

/**
 * Parses one expression at the current token.
 * @param h receives the height of the tree.
 * @return the tree (sli_expr_free), or NULL after an error.
 */
sli_expr *sli_parse_expr(sli_parser *p, int *h);

/** Parses one sort key `expr [asc|desc] [nulls first|last]` into an SLI_EX_ORDER node. */
sli_expr *sli_parse_order_key(sli_parser *p);

/**
 * Appends e to the growing array *list of *n trees. e may be NULL (a failed
 * parse: nothing is appended); it is freed when the array cannot grow.
 * @return false after an error.
 */
bool sli_parse_push(sli_parser *p, sli_expr ***list, size_t *n, sli_expr *e);

/** @return a literal of the number token t, negated when neg, positioned at line:col. */
sli_expr *sli_parse_number(sli_parser *p, const sli_token *t, bool neg, int line, int col);

#endif
