/*
 * sql_parse.c — recursive-descent parser of SQL queries into the tree of
 * sql_ast.h.
 *
 *   query    := select [';']
 *   select   := [with] SELECT [DISTINCT | ALL] item {',' item}
 *               FROM from_item { ',' from_item | join }
 *               [WHERE expr] [GROUP BY expr {',' expr}] [HAVING expr]
 *               [ORDER BY expr [ASC|DESC] [NULLS FIRST|LAST] {',' ...}]
 *               [LIMIT integer]
 *   item     := '*' | name '.' '*' | expr [[AS] alias]
 *   from_item:= name [[AS] alias] | '(' select ')' [AS] alias
 *   join     := [INNER] JOIN from_item ON expr | LEFT [OUTER] JOIN from_item ON expr
 *   with     := WITH name AS '(' select ')' {',' name AS '(' select ')'}
 *
 * Expressions are parsed by the plan file's expression parser (parse.c) in
 * its SQL dialect (struct sli_parser in parse.h): the same grammar, plus
 * qualified names `t.c`, `[NOT] EXISTS (select)`, `x [NOT] IN (select)` and
 * `count(DISTINCT x)`. Subqueries come back here through the parser's
 * subquery hook. The tokens come from the shared lexer (lexer.h).
 *
 * SQL that sluice does not run is recognised and reported by name with its
 * position (SL_ERR_UNSUPPORTED): window functions, LIKE, SUBSTRING, scalar
 * subqueries, set operations, WITH RECURSIVE and column lists of WITH names,
 * right/full/cross/natural joins, USING, OFFSET, aggregates over DISTINCT.
 *
 * As in parse.c, the first error wins and is recorded with a caret; two
 * limits (parser recursion depth and expression tree height) keep hostile
 * input from exhausting the stack here and in the passes after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lexer.h"
#include "parse.h"
#include "runtime/context.h"
#include "sql_ast.h"

typedef struct parser {
    sli_parser base;       /* first, so that the subquery hook can find the rest */
    sli_sql_select *block; /* the SELECT whose expressions are being parsed */
} parser;

/* ---- the shared parser's tokens and errors ------------------------------- */

static const sli_token *peek(parser *p, int k)
{
    return sli_parse_peek(&p->base, k);
}

static const sli_token *cur(parser *p)
{
    return sli_parse_cur(&p->base);
}

static sli_token advance(parser *p)
{
    return sli_parse_advance(&p->base);
}

static bool is_kw(parser *p, const char *kw)
{
    return sli_parse_is_kw(&p->base, kw);
}

#define fail_at(p, ...) sli_parse_fail(&(p)->base, __VA_ARGS__)

static void *expected(parser *p, const char *what)
{
    return sli_parse_expected(&p->base, what);
}

static void *unsupported(parser *p, const sli_token *t, const char *what)
{
    return sli_parse_unsupported(&p->base, t, what);
}

static void *nomem(parser *p)
{
    return sli_parse_nomem(&p->base);
}

static bool expect(parser *p, sli_tok_kind k, const char *what)
{
    return sli_parse_expect(&p->base, k, what);
}

static bool enter(parser *p)
{
    return sli_parse_enter(&p->base);
}

static void leave(parser *p)
{
    sli_parse_leave(&p->base);
}

static bool is_reserved(parser *p, const sli_token *t)
{
    return sli_parse_reserved(&p->base, t);
}

static sli_expr *parse_expr(parser *p, int *h)
{
    return sli_parse_expr(&p->base, h);
}

static sli_sql_select *parse_select(parser *p);

/* The parser's subquery hook: '(' select ')' at '(' into the current
 * block's subqueries. @return its index, or -1 after an error. */
static long parse_subquery(sli_parser *base)
{
    parser *p = (parser *)base; /* base is the first member of a parser */
    advance(p);                 /* '(' */
    sli_sql_select *outer = p->block;
    sli_sql_select *sub = parse_select(p);
    p->block = outer;
    if (!sub) return -1;
    if (!expect(p, SLI_TOK_RPAREN, "')' to close the subquery")) {
        sli_sql_select_free(sub);
        return -1;
    }
    sli_sql_select **ns = realloc(outer->subs, (outer->nsubs + 1) * sizeof *ns);
    if (!ns) {
        sli_sql_select_free(sub);
        nomem(p);
        return -1;
    }
    outer->subs = ns;
    outer->subs[outer->nsubs] = sub;
    return (long)outer->nsubs++;
}

/* ---- SELECT blocks -------------------------------------------------------- */

static void ctes_free(sli_sql_cte *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(c[i].name);
        sli_sql_select_free(c[i].sub);
    }
    free(c);
}

void sli_sql_select_free(sli_sql_select *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->nitems; i++) {
        sli_expr_free(s->items[i].expr);
        free(s->items[i].alias);
        free(s->items[i].star);
    }
    free(s->items);
    for (size_t i = 0; i < s->nfrom; i++) {
        free(s->from[i].table);
        sli_sql_select_free(s->from[i].sub);
        free(s->from[i].alias);
        sli_expr_free(s->from[i].on);
    }
    free(s->from);
    sli_expr_free(s->where);
    sli_expr_free_list(s->group, s->ngroup);
    sli_expr_free(s->having);
    sli_expr_free_list(s->order, s->norder);
    for (size_t i = 0; i < s->nsubs; i++) sli_sql_select_free(s->subs[i]);
    free(s->subs);
    ctes_free(s->ctes, s->nctes);
    free(s);
}

static bool push_expr(parser *p, sli_expr ***list, size_t *n, sli_expr *e)
{
    return sli_parse_push(&p->base, list, n, e);
}

/* An optional `[AS] alias`. @return false after an error; *out stays NULL when none. */
static bool parse_alias(parser *p, char **out, bool required)
{
    *out = NULL;
    bool as = false;
    if (is_kw(p, "as")) {
        advance(p);
        as = true;
    }
    const sli_token *t = cur(p);
    if ((t->kind == SLI_TOK_IDENT && !is_reserved(p, t)) || t->kind == SLI_TOK_QIDENT) {
        sli_token name = advance(p);
        if (!(*out = sli_token_text(&name, NULL))) {
            nomem(p);
            return false;
        }
        if (cur(p)->kind == SLI_TOK_LPAREN) {
            unsupported(p, cur(p), "column lists after an alias are");
            free(*out);
            *out = NULL;
            return false;
        }
        return true;
    }
    if (as || required) {
        expected(p, required ? "an alias for the derived table, e.g. (SELECT ...) AS t" : "a name after AS");
        return false;
    }
    return true;
}

static bool parse_item(parser *p, sli_sql_select *s)
{
    sli_sql_item it = {0};
    const sli_token *t = cur(p);
    it.line = t->line;
    it.col = t->col;
    if (t->kind == SLI_TOK_STAR) {
        advance(p);
        if (!(it.star = strdup(""))) return nomem(p), false;
    } else if ((t->kind == SLI_TOK_IDENT || t->kind == SLI_TOK_QIDENT) && peek(p, 1)->kind == SLI_TOK_DOT &&
               peek(p, 2)->kind == SLI_TOK_STAR) {
        sli_token q = advance(p);
        advance(p);
        advance(p);
        if (!(it.star = sli_token_text(&q, NULL))) return nomem(p), false;
    } else {
        int h;
        if (!(it.expr = parse_expr(p, &h))) return false;
        if (!parse_alias(p, &it.alias, false)) {
            sli_expr_free(it.expr);
            return false;
        }
    }
    sli_sql_item *ni = realloc(s->items, (s->nitems + 1) * sizeof *ni);
    if (!ni) {
        sli_expr_free(it.expr);
        free(it.alias);
        free(it.star);
        return nomem(p), false;
    }
    s->items = ni;
    s->items[s->nitems++] = it;
    return true;
}

static bool parse_from_item(parser *p, sli_sql_select *s, sli_sql_join join, const sli_token *jt)
{
    sli_sql_from fi = {0};
    fi.join = join;
    fi.jline = jt ? jt->line : 0;
    fi.jcol = jt ? jt->col : 0;
    const sli_token *t = cur(p);
    fi.line = t->line;
    fi.col = t->col;
    if (t->kind == SLI_TOK_LPAREN) {
        if (!sli_token_is(peek(p, 1), "select") && !sli_token_is(peek(p, 1), "with"))
            return expected(p, "a table name or (SELECT ...)"), false;
        advance(p);
        if (!enter(p)) return false;
        sli_sql_select *outer = p->block;
        fi.sub = parse_select(p);
        p->block = outer;
        leave(p);
        if (!fi.sub) return false;
        if (!expect(p, SLI_TOK_RPAREN, "')' to close the derived table") ||
            !parse_alias(p, &fi.alias, true)) {
            sli_sql_select_free(fi.sub);
            return false;
        }
    } else if ((t->kind == SLI_TOK_IDENT && !is_reserved(p, t)) || t->kind == SLI_TOK_QIDENT) {
        if (peek(p, 1)->kind == SLI_TOK_LPAREN) return unsupported(p, t, "table functions are"), false;
        sli_token name = advance(p);
        if (cur(p)->kind == SLI_TOK_DOT)
            return unsupported(p, cur(p), "schema-qualified table names are"), false;
        if (!(fi.table = sli_token_text(&name, NULL))) return nomem(p), false;
        if (!parse_alias(p, &fi.alias, false)) {
            free(fi.table);
            return false;
        }
    } else {
        return expected(p, "a table name or (SELECT ...)"), false;
    }
    bool ok = true;
    if (join == SLI_SQL_JOIN_INNER || join == SLI_SQL_JOIN_LEFT) {
        if (is_kw(p, "using")) {
            unsupported(p, cur(p), "JOIN ... USING is");
            ok = false;
        } else if (!is_kw(p, "on")) {
            expected(p, "ON after the joined table");
            ok = false;
        } else {
            advance(p);
            int h;
            ok = (fi.on = parse_expr(p, &h)) != NULL;
        }
    }
    sli_sql_from *nf = ok ? realloc(s->from, (s->nfrom + 1) * sizeof *nf) : NULL;
    if (!nf) {
        if (ok) nomem(p);
        free(fi.table);
        free(fi.alias);
        sli_sql_select_free(fi.sub);
        sli_expr_free(fi.on);
        return false;
    }
    s->from = nf;
    s->from[s->nfrom++] = fi;
    return true;
}

static bool parse_from(parser *p, sli_sql_select *s)
{
    if (!parse_from_item(p, s, SLI_SQL_JOIN_FIRST, NULL)) return false;
    for (;;) {
        const sli_token *t = cur(p);
        if (t->kind == SLI_TOK_COMMA) {
            sli_token c = advance(p);
            if (!parse_from_item(p, s, SLI_SQL_JOIN_COMMA, &c)) return false;
            continue;
        }
        if (sli_token_is(t, "join") || sli_token_is(t, "inner")) {
            sli_token jt = advance(p);
            if (sli_token_is(&jt, "inner") && !is_kw(p, "join"))
                return expected(p, "JOIN after INNER"), false;
            if (sli_token_is(&jt, "inner")) advance(p);
            if (!parse_from_item(p, s, SLI_SQL_JOIN_INNER, &jt)) return false;
            continue;
        }
        if (sli_token_is(t, "left")) {
            sli_token jt = advance(p);
            if (is_kw(p, "outer")) advance(p);
            if (is_kw(p, "semi") || is_kw(p, "anti"))
                return fail_at(p, cur(p), SL_ERR_UNSUPPORTED,
                               "LEFT SEMI/ANTI JOIN syntax is not supported (use EXISTS or IN)"),
                       false;
            if (!is_kw(p, "join")) return expected(p, "JOIN after LEFT"), false;
            advance(p);
            if (!parse_from_item(p, s, SLI_SQL_JOIN_LEFT, &jt)) return false;
            continue;
        }
        if (sli_token_is(t, "right"))
            return fail_at(p, t, SL_ERR_UNSUPPORTED,
                           "RIGHT joins are not supported (swap the tables and use LEFT JOIN)"),
                   false;
        if (sli_token_is(t, "full")) return unsupported(p, t, "FULL OUTER joins are"), false;
        if (sli_token_is(t, "cross")) return unsupported(p, t, "CROSS joins are"), false;
        if (sli_token_is(t, "natural")) return unsupported(p, t, "NATURAL joins are"), false;
        return true;
    }
}

/* Reports UNION, INTERSECT or EXCEPT at the current token. @return true when found. */
static bool at_set_operation(parser *p)
{
    if (!is_kw(p, "union") && !is_kw(p, "intersect") && !is_kw(p, "except")) return false;
    fail_at(p, cur(p), SL_ERR_UNSUPPORTED, "set operations (%.*s) are not supported", (int)cur(p)->len,
            cur(p)->text);
    return true;
}

/* SELECT ... at "select"; stops before ')' ';' or the end. */
static sli_sql_select *parse_block(parser *p)
{
    if (!is_kw(p, "select")) {
        if (is_kw(p, "values")) return unsupported(p, cur(p), "VALUES is");
        return expected(p, "SELECT");
    }
    sli_token kw = advance(p);
    sli_sql_select *s = calloc(1, sizeof *s);
    if (!s) return nomem(p);
    s->line = kw.line;
    s->col = kw.col;
    p->block = s;
    if (is_kw(p, "distinct")) {
        advance(p);
        if (is_kw(p, "on")) {
            unsupported(p, cur(p), "DISTINCT ON is");
            goto fail;
        }
        s->distinct = true;
    } else if (is_kw(p, "all")) {
        advance(p);
    }
    for (;;) {
        if (!parse_item(p, s)) goto fail;
        if (cur(p)->kind != SLI_TOK_COMMA) break;
        advance(p);
    }
    if (is_kw(p, "into")) {
        unsupported(p, cur(p), "SELECT INTO is");
        goto fail;
    }
    if (!is_kw(p, "from")) {
        if (cur(p)->kind == SLI_TOK_EOF || cur(p)->kind == SLI_TOK_SEMI || cur(p)->kind == SLI_TOK_RPAREN)
            unsupported(p, cur(p), "SELECT without FROM is");
        else
            expected(p, "',' or FROM");
        goto fail;
    }
    advance(p);
    if (!parse_from(p, s)) goto fail;
    p->block = s;
    if (is_kw(p, "where")) {
        advance(p);
        int h;
        if (!(s->where = parse_expr(p, &h))) goto fail;
    }
    if (is_kw(p, "group")) {
        sli_token g = advance(p);
        s->gline = g.line;
        s->gcol = g.col;
        if (!is_kw(p, "by")) {
            expected(p, "BY after GROUP");
            goto fail;
        }
        advance(p);
        if (is_kw(p, "rollup") || is_kw(p, "cube") || is_kw(p, "grouping")) {
            unsupported(p, cur(p), "grouping sets (ROLLUP, CUBE, GROUPING SETS) are");
            goto fail;
        }
        for (;;) {
            int h;
            if (!push_expr(p, &s->group, &s->ngroup, parse_expr(p, &h))) goto fail;
            if (cur(p)->kind != SLI_TOK_COMMA) break;
            advance(p);
        }
    }
    if (is_kw(p, "having")) {
        advance(p);
        int h;
        if (!(s->having = parse_expr(p, &h))) goto fail;
    }
    if (is_kw(p, "window") || is_kw(p, "qualify")) {
        unsupported(p, cur(p), "window functions are");
        goto fail;
    }
    if (at_set_operation(p)) goto fail;
    if (is_kw(p, "order")) {
        advance(p);
        if (!is_kw(p, "by")) {
            expected(p, "BY after ORDER");
            goto fail;
        }
        advance(p);
        for (;;) {
            if (!push_expr(p, &s->order, &s->norder, sli_parse_order_key(&p->base))) goto fail;
            if (cur(p)->kind != SLI_TOK_COMMA) break;
            advance(p);
        }
    }
    if (is_kw(p, "limit")) {
        advance(p);
        if (cur(p)->kind != SLI_TOK_INT) {
            expected(p, "a non-negative integer after LIMIT");
            goto fail;
        }
        sli_token num = advance(p);
        sli_expr *lit = sli_parse_number(&p->base, &num, false, num.line, num.col);
        if (!lit) goto fail;
        s->has_limit = true;
        s->limit = lit->lit.i;
        sli_expr_free(lit);
    }
    if (is_kw(p, "offset")) {
        unsupported(p, cur(p), "OFFSET is");
        goto fail;
    }
    if (at_set_operation(p)) goto fail;
    return s;
fail:
    sli_sql_select_free(s);
    return NULL;
}

/* One `name AS (select)` of a WITH clause, appended to *ctes. */
static bool parse_cte(parser *p, sli_sql_cte **ctes, size_t *n)
{
    const sli_token *t = cur(p);
    if (!((t->kind == SLI_TOK_IDENT && !is_reserved(p, t)) || t->kind == SLI_TOK_QIDENT))
        return expected(p, "a name for the common table expression, e.g. WITH t AS (SELECT ...)"), false;
    sli_token name = advance(p);
    const sli_token *n1 = peek(p, 1);
    if (cur(p)->kind == SLI_TOK_LPAREN && !sli_token_is(n1, "select") && !sli_token_is(n1, "with"))
        return unsupported(p, cur(p), "column lists after a WITH name, name(c1, ...) AS (...), are"), false;
    if (!is_kw(p, "as")) return expected(p, "AS after the name of the common table expression"), false;
    advance(p);
    if (cur(p)->kind != SLI_TOK_LPAREN)
        return expected(p, "'(' and the query of the common table expression"), false;
    advance(p);
    sli_sql_cte c = {NULL, NULL, name.line, name.col};
    if (!(c.name = sli_token_text(&name, NULL))) return nomem(p), false;
    for (size_t i = 0; i < *n; i++) {
        if (strcasecmp((*ctes)[i].name, c.name) == 0) {
            fail_at(p, &name, SL_ERR_SYNTAX, "'%s' is defined twice in this WITH clause (first at %d:%d)",
                    c.name, (*ctes)[i].line, (*ctes)[i].col);
            free(c.name);
            return false;
        }
    }
    if (!enter(p)) {
        free(c.name);
        return false;
    }
    c.sub = parse_select(p);
    leave(p);
    sli_sql_cte *nc = NULL;
    if (c.sub && expect(p, SLI_TOK_RPAREN, "')' to close the common table expression")) {
        if (!(nc = realloc(*ctes, (*n + 1) * sizeof *nc))) nomem(p);
    }
    if (!nc) {
        free(c.name);
        sli_sql_select_free(c.sub);
        return false;
    }
    *ctes = nc;
    (*ctes)[(*n)++] = c;
    return true;
}

/* [WITH cte {',' cte}] SELECT ...: a SELECT block with the common table
 * expressions before it. Stops before ')' ';' or the end. */
static sli_sql_select *parse_select(parser *p)
{
    sli_sql_cte *ctes = NULL;
    size_t n = 0;
    if (is_kw(p, "with")) {
        advance(p);
        if (is_kw(p, "recursive") && !sli_token_is(peek(p, 1), "as"))
            return unsupported(p, cur(p), "WITH RECURSIVE is");
        for (;;) {
            if (!parse_cte(p, &ctes, &n)) {
                ctes_free(ctes, n);
                return NULL;
            }
            if (cur(p)->kind != SLI_TOK_COMMA) break;
            advance(p);
        }
        if (!is_kw(p, "select")) {
            ctes_free(ctes, n);
            return expected(p, "',' or SELECT after the common table expressions");
        }
    }
    sli_sql_select *s = parse_block(p);
    if (!s) {
        ctes_free(ctes, n);
        return NULL;
    }
    s->ctes = ctes;
    s->nctes = n;
    return s;
}

sli_sql_select *sli_sql_parse(sl_context *ctx, const sli_source *src)
{
    parser ps, *p = &ps;
    sli_parse_init(&p->base, ctx, src, true);
    p->base.subquery = parse_subquery;
    p->block = NULL;
    if (cur(p)->kind == SLI_TOK_EOF) {
        fail_at(p, cur(p), SL_ERR_SYNTAX, "empty query: expected SELECT ...");
        return NULL;
    }
    sli_sql_select *s = parse_select(p);
    if (!s) return NULL;
    while (cur(p)->kind == SLI_TOK_SEMI) advance(p);
    if (cur(p)->kind != SLI_TOK_EOF) {
        char d[64];
        const sli_token *t = cur(p);
        if (sli_token_is(t, "select"))
            fail_at(p, t, SL_ERR_SYNTAX,
                    "expected one query; found a second one (end each with ';' and run one at a time)");
        else
            fail_at(p, t, SL_ERR_SYNTAX, "unexpected %s after the end of the query",
                    sli_token_describe(t, d, sizeof d));
        sli_sql_select_free(s);
        return NULL;
    }
    return s;
}
