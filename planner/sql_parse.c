/*
 * sql_parse.c — recursive-descent parser of SQL queries into the tree of
 * sql_ast.h.
 *
 *   query    := select [';']
 *   select   := SELECT [DISTINCT | ALL] item {',' item}
 *               FROM from_item { ',' from_item | join }
 *               [WHERE expr] [GROUP BY expr {',' expr}] [HAVING expr]
 *               [ORDER BY expr [ASC|DESC] [NULLS FIRST|LAST] {',' ...}]
 *               [LIMIT integer]
 *   item     := '*' | name '.' '*' | expr [[AS] alias]
 *   from_item:= name [[AS] alias] | '(' select ')' [AS] alias
 *   join     := [INNER] JOIN from_item ON expr | LEFT [OUTER] JOIN from_item ON expr
 *
 * Expressions follow the plan-file grammar (parse.h: or, and, not,
 * comparisons with BETWEEN / IN (list) / IS [NOT] NULL, + -, * / %, unary
 * minus, literals, date 'YYYY-MM-DD', cast, case, extract, interval, calls)
 * and add qualified names `t.c`, `[NOT] EXISTS (select)` and
 * `x [NOT] IN (select)`. The tokens come from the shared lexer (lexer.h).
 *
 * SQL that sluice does not run is recognised and reported by name with its
 * position (SL_ERR_UNSUPPORTED): window functions, LIKE, SUBSTRING, scalar
 * subqueries, set operations, WITH, right/full/cross/natural joins, USING,
 * OFFSET, aggregates over DISTINCT.
 *
 * As in parse.c, the first error wins and is recorded with a caret; two
 * limits (parser recursion depth and expression tree height) keep hostile
 * input from exhausting the stack here and in the passes after.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lexer.h"
#include "runtime/context.h"
#include "runtime/types.h"
#include "sql_ast.h"

/** Deepest recursion of the parser (parentheses, subqueries, not, minus). */
#define MAX_DEPTH 200
/** Highest expression tree the parser builds. */
#define MAX_HEIGHT 2000
/** Largest interval count. */
#define MAX_INTERVAL 2147483647LL
#define LOOK         3

typedef struct parser {
    sl_context *ctx;
    const sli_source *src;
    sli_lexer lx;
    sli_token look[LOOK];
    int nlook;
    int depth;
    sl_status status;
    sli_sql_select *block; /* the SELECT whose expressions are being parsed */
} parser;

/* ---- tokens and errors ---------------------------------------------------- */

static const sli_token *peek(parser *p, int k)
{
    while (p->nlook <= k) p->look[p->nlook++] = sli_lexer_next(&p->lx);
    return &p->look[k];
}

static const sli_token *cur(parser *p)
{
    return peek(p, 0);
}

static sli_token advance(parser *p)
{
    sli_token t = *peek(p, 0);
    for (int i = 1; i < p->nlook; i++) p->look[i - 1] = p->look[i];
    p->nlook--;
    return t;
}

static bool is_kw(parser *p, const char *kw)
{
    return sli_token_is(cur(p), kw);
}

static void *fail_at(parser *p, const sli_token *t, sl_status s, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records the first error, at token t. @return NULL. */
static void *fail_at(parser *p, const sli_token *t, sl_status s, const char *fmt, ...)
{
    if (p->status != SL_OK) return NULL;
    if (t->kind == SLI_TOK_ERROR) {
        p->status = sli_lexer_report(&p->lx, p->ctx);
        return NULL;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->status = sli_source_error(p->ctx, s, p->src, t->line, t->col, "%s", msg);
    return NULL;
}

static void *expected(parser *p, const char *what)
{
    char d[64];
    const sli_token *t = cur(p);
    return fail_at(p, t, SL_ERR_SYNTAX, "expected %s but found %s", what, sli_token_describe(t, d, sizeof d));
}

static void *unsupported(parser *p, const sli_token *t, const char *what)
{
    return fail_at(p, t, SL_ERR_UNSUPPORTED, "%s not supported", what);
}

static void *nomem(parser *p)
{
    if (p->status == SL_OK) p->status = sli_nomem(p->ctx, "the SQL parser");
    return NULL;
}

static bool expect(parser *p, sli_tok_kind k, const char *what)
{
    if (cur(p)->kind == k) {
        advance(p);
        return true;
    }
    expected(p, what);
    return false;
}

static bool enter(parser *p)
{
    if (p->depth >= MAX_DEPTH) {
        fail_at(p, cur(p), SL_ERR_SYNTAX, "query nested too deeply");
        return false;
    }
    p->depth++;
    return true;
}

static void leave(parser *p)
{
    p->depth--;
}

/* Words that never start an operand nor serve as an implicit alias. */
static const char *const reserved[] = {
    "select", "from",   "where",   "group",   "by",    "having",    "order",  "limit",    "offset",  "join",
    "inner",  "left",   "right",   "full",    "outer", "cross",     "on",     "using",    "natural", "and",
    "or",     "not",    "between", "in",      "is",    "as",        "asc",    "desc",     "when",    "then",
    "else",   "end",    "like",    "ilike",   "union", "intersect", "except", "distinct", "all",     "with",
    "over",   "window", "nulls",   "similar", "fetch", NULL};

static bool is_reserved(const sli_token *t)
{
    if (t->kind != SLI_TOK_IDENT) return false;
    for (const char *const *r = reserved; *r; r++)
        if (sli_token_is(t, *r)) return true;
    return false;
}

static char *lower_dup(const sli_token *t)
{
    char *s = sli_token_text(t, NULL);
    if (s)
        for (char *q = s; *q; q++)
            if (*q >= 'A' && *q <= 'Z') *q = (char)(*q - 'A' + 'a');
    return s;
}

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

/* ---- expression nodes ----------------------------------------------------- */

static sli_expr *parse_expr(parser *p, int *h);
static sli_sql_select *parse_select(parser *p);

static sli_expr *new_node(parser *p, sli_expr_kind kind, int line, int col)
{
    sli_expr *e = sli_expr_new(kind, line, col);
    return e ? e : nomem(p);
}

/* A node of `kind` over a (and b, c when given) positioned at a; takes the
 * children, also on failure. `h` is the children's height. */
static sli_expr *wrap(parser *p, sli_expr_kind kind, sli_op op, sli_expr *a, sli_expr *b, sli_expr *c, int h,
                      const sli_token *at)
{
    sli_expr *e = NULL;
    if (h + 1 > MAX_HEIGHT)
        fail_at(p, at, SL_ERR_SYNTAX, "expression nested too deeply");
    else
        e = new_node(p, kind, a->line, a->col);
    if (!e) {
        sli_expr_free(a);
        sli_expr_free(b);
        sli_expr_free(c);
        return NULL;
    }
    e->op = op;
    bool ok = sli_expr_push(e, a);
    if (b) ok = ok ? sli_expr_push(e, b) : (sli_expr_free(b), false);
    if (c) ok = ok ? sli_expr_push(e, c) : (sli_expr_free(c), false);
    if (!ok) {
        sli_expr_free(e);
        return nomem(p);
    }
    return e;
}

/* Appends child to e (taking it). @return false after an error. */
static bool push(parser *p, sli_expr *e, sli_expr *child)
{
    if (!child) return false;
    if (!sli_expr_push(e, child)) {
        nomem(p);
        return false;
    }
    return true;
}

static sli_expr *number_literal(parser *p, const sli_token *t, bool neg, int line, int col)
{
    sli_expr *e = new_node(p, SLI_EX_LITERAL, line, col);
    if (!e) return NULL;
    const char *s = t->text;
    size_t n = t->len;
    if (t->kind == SLI_TOK_INT) {
        uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        for (size_t i = 0; i < n; i++) {
            uint64_t d = (uint64_t)(s[i] - '0');
            if (v > (limit - d) / 10) {
                sli_expr_free(e);
                return fail_at(p, t, SL_ERR_SYNTAX, "integer literal out of range");
            }
            v = v * 10 + d;
        }
        e->lit.type = sli_type(SL_TYPE_INT64);
        e->lit.i = neg ? (int64_t)(0 - v) : (int64_t)v;
        return e;
    }
    if (t->kind == SLI_TOK_DECIMAL) {
        const char *dot = memchr(s, '.', n);
        size_t lead = 0, ints = (size_t)(dot - s), frac = n - ints - 1;
        while (lead < ints && s[lead] == '0') lead++;
        size_t precision = ints - lead + frac;
        if (precision < 1) precision = 1;
        int64_t v = 0;
        if (precision <= 18 && sli_decimal_parse(s, n, (int)frac, &v)) {
            e->lit.type = sli_decimal((int)precision, (int)frac);
            e->lit.i = neg ? -v : v;
            return e;
        }
    }
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%.*s", (int)(n < sizeof tmp - 1 ? n : sizeof tmp - 1), s);
    double f = strtod(tmp, NULL);
    if (isinf(f)) {
        sli_expr_free(e);
        return fail_at(p, t, SL_ERR_SYNTAX, "float literal out of range");
    }
    e->lit.type = sli_type(SL_TYPE_FLOAT64);
    e->lit.f = neg ? -f : f;
    return e;
}

/* cast '(' expr AS type ')' at "cast". */
static sli_expr *parse_cast(parser *p, int *h)
{
    sli_token kw = advance(p);
    advance(p); /* '(' */
    int ha;
    sli_expr *a = parse_expr(p, &ha);
    if (!a) return NULL;
    if (!is_kw(p, "as")) {
        sli_expr_free(a);
        return expected(p, "AS in CAST(... AS type)");
    }
    advance(p);
    if (cur(p)->kind != SLI_TOK_IDENT) {
        sli_expr_free(a);
        return expected(p, "a type name");
    }
    sli_token tname = advance(p);
    char text[96];
    size_t len =
        (size_t)snprintf(text, sizeof text, "%.*s", tname.len > 40 ? 40 : (int)tname.len, tname.text);
    /* SQL spellings of the types sluice knows */
    static const char *const alias[][2] = {{"integer", "int32"},  {"int", "int32"},     {"bigint", "int64"},
                                           {"smallint", "int16"}, {"tinyint", "int8"},  {"double", "float64"},
                                           {"real", "float64"},   {"float", "float64"}, {"varchar", "utf8"},
                                           {"text", "utf8"},      {"string", "utf8"},   {"boolean", "bool"},
                                           {"numeric", "decimal"}};
    for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
        if (strcasecmp(text, alias[i][0]) == 0) len = (size_t)snprintf(text, sizeof text, "%s", alias[i][1]);
    if (sli_token_is(&tname, "double") && is_kw(p, "precision")) advance(p);
    bool is_utf8 = strcmp(text, "utf8") == 0;
    if (cur(p)->kind == SLI_TOK_LPAREN) {
        advance(p);
        if (!is_utf8) text[len++] = '(';
        for (;;) {
            if (cur(p)->kind != SLI_TOK_INT) {
                sli_expr_free(a);
                return expected(p, "a number in the type's parameters");
            }
            sli_token num = advance(p);
            if (!is_utf8 && len + num.len + 2 < sizeof text) {
                memcpy(text + len, num.text, num.len);
                len += num.len;
            }
            if (cur(p)->kind != SLI_TOK_COMMA) break;
            advance(p);
            if (!is_utf8 && len + 2 < sizeof text) text[len++] = ',';
        }
        if (!expect(p, SLI_TOK_RPAREN, "')' after the type's parameters")) {
            sli_expr_free(a);
            return NULL;
        }
        if (!is_utf8) text[len++] = ')';
        text[len] = 0;
    }
    sl_type type;
    if (!sli_type_parse(text, len, &type)) {
        sli_expr_free(a);
        return fail_at(
            p, &tname, SL_ERR_SYNTAX,
            "unknown type '%s' (expected boolean, tinyint, smallint, integer, bigint, double, date, "
            "decimal(p,s) or varchar)",
            text);
    }
    if (!expect(p, SLI_TOK_RPAREN, "')' to close CAST(")) {
        sli_expr_free(a);
        return NULL;
    }
    sli_expr *e = new_node(p, SLI_EX_CAST, kw.line, kw.col);
    if (!e) {
        sli_expr_free(a);
        return NULL;
    }
    if (!push(p, e, a)) {
        sli_expr_free(e);
        return NULL;
    }
    e->cast_type = type;
    *h = ha + 1;
    return e;
}

/* name '(' [DISTINCT] args | '*' ')' [OVER ...] at the name. */
static sli_expr *parse_call(parser *p, int *h)
{
    sli_token tname = advance(p);
    if (sli_token_is(&tname, "substring") || sli_token_is(&tname, "substr"))
        return unsupported(p, &tname, "SUBSTRING is");
    if (sli_token_is(&tname, "coalesce") || sli_token_is(&tname, "nullif"))
        return fail_at(p, &tname, SL_ERR_UNSUPPORTED, "%.*s() is not supported (use CASE WHEN)",
                       (int)tname.len, tname.text);
    advance(p); /* '(' */
    sli_expr *e = new_node(p, SLI_EX_CALL, tname.line, tname.col);
    if (!e) return NULL;
    if (!(e->name = lower_dup(&tname))) {
        sli_expr_free(e);
        return nomem(p);
    }
    *h = 1;
    if (is_kw(p, "distinct")) {
        if (strcmp(e->name, "count") != 0 || peek(p, 1)->kind == SLI_TOK_STAR) {
            fail_at(p, cur(p), SL_ERR_UNSUPPORTED, "%s(DISTINCT ...) is not supported (count(DISTINCT x) is)",
                    e->name);
            sli_expr_free(e);
            return NULL;
        }
        advance(p);
        free(e->name);
        if (!(e->name = strdup(SLI_SQL_COUNT_DISTINCT))) {
            sli_expr_free(e);
            return nomem(p);
        }
    }
    if (is_kw(p, "all")) advance(p);
    if (strcmp(e->name, "count") == 0 && cur(p)->kind == SLI_TOK_STAR && peek(p, 1)->kind == SLI_TOK_RPAREN) {
        sli_token star = advance(p);
        if (!push(p, e, new_node(p, SLI_EX_STAR, star.line, star.col))) {
            sli_expr_free(e);
            return NULL;
        }
        *h = 2;
    } else if (cur(p)->kind != SLI_TOK_RPAREN) {
        for (;;) {
            int ha;
            if (!push(p, e, parse_expr(p, &ha))) {
                sli_expr_free(e);
                return NULL;
            }
            *h = max_int(*h, ha + 1);
            if (cur(p)->kind != SLI_TOK_COMMA) break;
            advance(p);
        }
    }
    if (!expect(p, SLI_TOK_RPAREN, e->nargs ? "',' or ')'" : "')'")) {
        sli_expr_free(e);
        return NULL;
    }
    if (is_kw(p, "over") || is_kw(p, "filter")) {
        bool over = is_kw(p, "over");
        sli_expr_free(e);
        return unsupported(p, &tname, over ? "window functions are" : "aggregate FILTER is");
    }
    return e;
}

/* CASE [operand] WHEN c THEN v ... [ELSE v] END at "case"; the simple form
 * becomes the searched one with `operand = c` conditions. */
static sli_expr *parse_case(parser *p, int *h)
{
    sli_token kw = advance(p);
    sli_expr *e = new_node(p, SLI_EX_CASE, kw.line, kw.col);
    if (!e) return NULL;
    sli_expr *subject = NULL;
    int hs = 0;
    *h = 1;
    if (!is_kw(p, "when") && !(subject = parse_expr(p, &hs))) goto fail;
    if (!is_kw(p, "when")) {
        expected(p, "WHEN");
        goto fail;
    }
    while (is_kw(p, "when")) {
        sli_token wt = advance(p);
        int hc, hv;
        sli_expr *c = parse_expr(p, &hc);
        if (!c) goto fail;
        if (subject) {
            sli_expr *s = sli_expr_clone(subject);
            if (!s) {
                sli_expr_free(c);
                nomem(p);
                goto fail;
            }
            hc = max_int(hs, hc);
            if (!(c = wrap(p, SLI_EX_BINARY, SLI_OP_EQ, s, c, NULL, hc, &wt))) goto fail;
            hc++;
        }
        if (!push(p, e, c)) goto fail;
        if (!is_kw(p, "then")) {
            expected(p, "THEN after the WHEN condition");
            goto fail;
        }
        advance(p);
        if (!push(p, e, parse_expr(p, &hv))) goto fail;
        *h = max_int(*h, max_int(hc, hv) + 1);
    }
    if (is_kw(p, "else")) {
        advance(p);
        int hv;
        if (!push(p, e, parse_expr(p, &hv))) goto fail;
        *h = max_int(*h, hv + 1);
    }
    if (!is_kw(p, "end")) {
        expected(p, "WHEN, ELSE or END");
        goto fail;
    }
    advance(p);
    if (*h > MAX_HEIGHT) {
        fail_at(p, &kw, SL_ERR_SYNTAX, "expression nested too deeply");
        goto fail;
    }
    sli_expr_free(subject);
    return e;
fail:
    sli_expr_free(subject);
    sli_expr_free(e);
    return NULL;
}

/* EXTRACT '(' YEAR|MONTH|DAY FROM expr ')' -> year(expr) etc. */
static sli_expr *parse_extract(parser *p, int *h)
{
    sli_token kw = advance(p);
    advance(p); /* '(' */
    if (cur(p)->kind != SLI_TOK_IDENT) return expected(p, "YEAR, MONTH or DAY in EXTRACT(... FROM date)");
    sli_token field = advance(p);
    char *name = lower_dup(&field);
    if (!name) return nomem(p);
    if (sli_date_part_of(name) < 0) {
        fail_at(p, &field, SL_ERR_UNSUPPORTED,
                "EXTRACT(%.40s FROM ...) is not supported (YEAR, MONTH and DAY are)", name);
        free(name);
        return NULL;
    }
    sli_expr *e = new_node(p, SLI_EX_CALL, kw.line, kw.col);
    if (!e) {
        free(name);
        return NULL;
    }
    e->name = name;
    if (!is_kw(p, "from")) {
        sli_expr_free(e);
        return expected(p, "FROM in EXTRACT(field FROM date)");
    }
    advance(p);
    int ha;
    if (!push(p, e, parse_expr(p, &ha)) || !expect(p, SLI_TOK_RPAREN, "')' to close EXTRACT(")) {
        sli_expr_free(e);
        return NULL;
    }
    *h = ha + 1;
    return e;
}

static int interval_unit(const char *s, size_t n)
{
    static const char *const units[] = {"day", "month", "year"};
    for (int u = 0; u < 3; u++) {
        size_t l = strlen(units[u]);
        if ((n == l || (n == l + 1 && (s[l] == 's' || s[l] == 'S'))) && strncasecmp(s, units[u], l) == 0)
            return u;
    }
    return -1;
}

/* INTERVAL ['-'] INT unit | INTERVAL 'n' unit | INTERVAL 'n unit' at "interval". */
static sli_expr *parse_interval(parser *p)
{
    sli_token kw = advance(p);
    bool neg = false;
    if (cur(p)->kind == SLI_TOK_MINUS) {
        advance(p);
        neg = true;
    }
    sli_token num = advance(p);
    const char *s = num.text;
    size_t n = num.len, i = 0;
    if (num.kind == SLI_TOK_STRING) {
        s++;
        n -= 2;
        while (i < n && s[i] == ' ') i++;
        if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    } else if (num.kind != SLI_TOK_INT) {
        return fail_at(p, &num, SL_ERR_SYNTAX, "expected a number or a quoted number after INTERVAL");
    }
    int64_t v = 0;
    size_t digits = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
        v = v * 10 + (s[i] - '0');
        if (v > MAX_INTERVAL) return fail_at(p, &num, SL_ERR_SYNTAX, "interval out of range");
    }
    int unit = -1;
    if (num.kind == SLI_TOK_STRING) {
        while (i < n && s[i] == ' ') i++;
        size_t w = i;
        while (i < n && s[i] != ' ') i++;
        bool bad_unit = w < i && (unit = interval_unit(s + w, i - w)) < 0;
        while (i < n && s[i] == ' ') i++;
        if (!digits || i < n || bad_unit)
            return fail_at(p, &num, SL_ERR_SYNTAX,
                           "invalid interval %.*s (expected a whole number such as '3')",
                           (int)(num.len > 40 ? 40 : num.len), num.text);
    }
    if (unit < 0) {
        const sli_token *t = cur(p);
        if (t->kind != SLI_TOK_IDENT || (unit = interval_unit(t->text, t->len)) < 0)
            return expected(p, "DAY, MONTH or YEAR after the interval's count");
        advance(p);
    }
    sli_expr *e = new_node(p, SLI_EX_INTERVAL, kw.line, kw.col);
    if (!e) return NULL;
    e->lit.type = sli_type(SL_TYPE_INT64);
    e->lit.i = neg ? -v : v;
    e->unit = (sli_interval_unit)unit;
    return e;
}

/* Parses '(' select ')' at '(' into the current block's subqueries.
 * @return its index, or -1 after an error. */
static long parse_subquery(parser *p)
{
    advance(p); /* '(' */
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

static bool at_subquery(parser *p)
{
    return cur(p)->kind == SLI_TOK_LPAREN && sli_token_is(peek(p, 1), "select");
}

/* A column name, `t.c` or `"quoted"` at an identifier. */
static sli_expr *parse_name(parser *p)
{
    sli_token a = advance(p);
    sli_expr *e = new_node(p, SLI_EX_COLUMN, a.line, a.col);
    if (!e) return NULL;
    if (cur(p)->kind == SLI_TOK_DOT &&
        (peek(p, 1)->kind == SLI_TOK_IDENT || peek(p, 1)->kind == SLI_TOK_QIDENT)) {
        advance(p);
        sli_token b = advance(p);
        if (!(e->lit.s = sli_token_text(&a, &e->lit.slen)) || !(e->name = sli_token_text(&b, NULL))) {
            sli_expr_free(e);
            return nomem(p);
        }
        if (cur(p)->kind == SLI_TOK_DOT) {
            sli_expr_free(e);
            return fail_at(p, cur(p), SL_ERR_UNSUPPORTED,
                           "names with more than one qualifier are not supported");
        }
        return e;
    }
    if (!(e->name = sli_token_text(&a, NULL))) {
        sli_expr_free(e);
        return nomem(p);
    }
    return e;
}

static sli_expr *parse_primary(parser *p, int *h)
{
    const sli_token *t = cur(p);
    *h = 1;
    switch (t->kind) {
    case SLI_TOK_INT:
    case SLI_TOK_DECIMAL:
    case SLI_TOK_FLOAT: {
        sli_token num = advance(p);
        return number_literal(p, &num, false, num.line, num.col);
    }
    case SLI_TOK_STRING: {
        sli_token tok = advance(p);
        sli_expr *e = new_node(p, SLI_EX_LITERAL, tok.line, tok.col);
        if (!e) return NULL;
        if (!(e->lit.s = sli_token_text(&tok, &e->lit.slen))) {
            sli_expr_free(e);
            return nomem(p);
        }
        e->lit.type = sli_type(SL_TYPE_UTF8);
        return e;
    }
    case SLI_TOK_QIDENT: return parse_name(p);
    case SLI_TOK_LPAREN: {
        if (at_subquery(p)) return unsupported(p, peek(p, 1), "scalar subqueries are");
        sli_token lp = advance(p);
        if (!enter(p)) return NULL;
        sli_expr *e = parse_expr(p, h);
        leave(p);
        if (e && cur(p)->kind == SLI_TOK_COMMA) {
            sli_expr_free(e);
            return fail_at(p, &lp, SL_ERR_UNSUPPORTED, "row values (a, b) are not supported");
        }
        if (e && !expect(p, SLI_TOK_RPAREN, "')'")) {
            sli_expr_free(e);
            return NULL;
        }
        return e;
    }
    case SLI_TOK_IDENT: break;
    default: return expected(p, "an expression");
    }
    if (is_reserved(t)) {
        if (sli_token_is(t, "distinct")) return unsupported(p, t, "DISTINCT here is");
        return expected(p, "an expression");
    }
    if (sli_token_is(t, "true") || sli_token_is(t, "false") || sli_token_is(t, "null")) {
        sli_token tok = advance(p);
        sli_expr *e = new_node(p, SLI_EX_LITERAL, tok.line, tok.col);
        if (!e) return NULL;
        if (sli_token_is(&tok, "null")) {
            e->lit.type = sli_type(SL_TYPE_NULL);
            e->lit.is_null = true;
        } else {
            e->lit.type = sli_type(SL_TYPE_BOOL);
            e->lit.i = sli_token_is(&tok, "true");
        }
        return e;
    }
    if ((sli_token_is(t, "date") || sli_token_is(t, "timestamp")) && peek(p, 1)->kind == SLI_TOK_STRING) {
        if (sli_token_is(t, "timestamp")) return unsupported(p, t, "TIMESTAMP literals are");
        sli_token kw = advance(p);
        sli_token str = advance(p);
        size_t len;
        char *s = sli_token_text(&str, &len);
        if (!s) return nomem(p);
        int32_t days;
        bool ok = sli_date_parse(s, len, &days);
        if (!ok) fail_at(p, &str, SL_ERR_SYNTAX, "invalid date '%.40s' (expected 'YYYY-MM-DD')", s);
        free(s);
        if (!ok) return NULL;
        sli_expr *e = new_node(p, SLI_EX_LITERAL, kw.line, kw.col);
        if (!e) return NULL;
        e->lit.type = sli_type(SL_TYPE_DATE32);
        e->lit.i = days;
        return e;
    }
    bool call = peek(p, 1)->kind == SLI_TOK_LPAREN;
    if (call && sli_token_is(t, "cast")) return parse_cast(p, h);
    if (sli_token_is(t, "case")) return parse_case(p, h);
    if (call && sli_token_is(t, "extract")) return parse_extract(p, h);
    if (sli_token_is(t, "interval") && (peek(p, 1)->kind == SLI_TOK_STRING ||
                                        peek(p, 1)->kind == SLI_TOK_INT || peek(p, 1)->kind == SLI_TOK_MINUS))
        return parse_interval(p);
    if (sli_token_is(t, "exists") && call) {
        sli_token kw = advance(p);
        if (!at_subquery(p)) return expected(p, "'(SELECT' after EXISTS");
        if (!enter(p)) return NULL;
        long k = parse_subquery(p);
        leave(p);
        if (k < 0) return NULL;
        sli_expr *e = new_node(p, SLI_EX_CALL, kw.line, kw.col);
        if (e && !(e->name = strdup(SLI_SQL_EXISTS))) {
            sli_expr_free(e);
            return nomem(p);
        }
        if (e) e->lit.i = k;
        return e;
    }
    if (call) return parse_call(p, h);
    return parse_name(p);
}

static bool is_number(const sli_token *t)
{
    return t->kind == SLI_TOK_INT || t->kind == SLI_TOK_DECIMAL || t->kind == SLI_TOK_FLOAT;
}

static sli_expr *unary_node(parser *p, const sli_token *at, sli_op op, sli_expr *a, int ha, int *h)
{
    if (!a) return NULL;
    if (ha + 1 > MAX_HEIGHT) {
        sli_expr_free(a);
        return fail_at(p, at, SL_ERR_SYNTAX, "expression nested too deeply");
    }
    sli_expr *e = new_node(p, SLI_EX_UNARY, at->line, at->col);
    if (!e) {
        sli_expr_free(a);
        return NULL;
    }
    if (!push(p, e, a)) {
        sli_expr_free(e);
        return NULL;
    }
    e->op = op;
    *h = ha + 1;
    return e;
}

static sli_expr *parse_unary(parser *p, int *h)
{
    if (cur(p)->kind == SLI_TOK_PLUS) advance(p);
    if (cur(p)->kind != SLI_TOK_MINUS) return parse_primary(p, h);
    sli_token minus = advance(p);
    if (is_number(cur(p))) {
        sli_token num = advance(p);
        *h = 1;
        return number_literal(p, &num, true, minus.line, minus.col);
    }
    if (!enter(p)) return NULL;
    int ha = 0;
    sli_expr *a = parse_unary(p, &ha);
    leave(p);
    return unary_node(p, &minus, SLI_OP_NEG, a, ha, h);
}

typedef enum level { LV_OR, LV_AND, LV_ADD, LV_MUL } level;

static sli_expr *parse_level(parser *p, level lv, int *h);
static sli_expr *parse_not(parser *p, int *h);

static sli_op level_op(level lv, const sli_token *t)
{
    switch (lv) {
    case LV_OR: return sli_token_is(t, "or") ? SLI_OP_OR : SLI_OP_NONE;
    case LV_AND: return sli_token_is(t, "and") ? SLI_OP_AND : SLI_OP_NONE;
    case LV_ADD:
        return t->kind == SLI_TOK_PLUS ? SLI_OP_ADD : t->kind == SLI_TOK_MINUS ? SLI_OP_SUB : SLI_OP_NONE;
    case LV_MUL:
        return t->kind == SLI_TOK_STAR      ? SLI_OP_MUL
               : t->kind == SLI_TOK_SLASH   ? SLI_OP_DIV
               : t->kind == SLI_TOK_PERCENT ? SLI_OP_MOD
                                            : SLI_OP_NONE;
    }
    return SLI_OP_NONE;
}

static sli_expr *parse_operand(parser *p, level lv, int *h)
{
    switch (lv) {
    case LV_OR: return parse_level(p, LV_AND, h);
    case LV_AND: return parse_not(p, h);
    case LV_ADD: return parse_level(p, LV_MUL, h);
    case LV_MUL: return parse_unary(p, h);
    }
    return NULL;
}

static sli_expr *parse_level(parser *p, level lv, int *h)
{
    sli_expr *l = parse_operand(p, lv, h);
    sli_op op;
    while (l && (op = level_op(lv, cur(p))) != SLI_OP_NONE) {
        sli_token optok = advance(p);
        int hr;
        sli_expr *r = parse_operand(p, lv, &hr);
        if (!r) {
            sli_expr_free(l);
            return NULL;
        }
        *h = max_int(*h, hr);
        l = wrap(p, SLI_EX_BINARY, op, l, r, NULL, *h, &optok);
        (*h)++;
    }
    return l;
}

static sli_op compare_op(const sli_token *t)
{
    switch (t->kind) {
    case SLI_TOK_EQ: return SLI_OP_EQ;
    case SLI_TOK_NE: return SLI_OP_NE;
    case SLI_TOK_LT: return SLI_OP_LT;
    case SLI_TOK_LE: return SLI_OP_LE;
    case SLI_TOK_GT: return SLI_OP_GT;
    case SLI_TOK_GE: return SLI_OP_GE;
    default: return SLI_OP_NONE;
    }
}

static bool is_pattern_kw(const sli_token *t)
{
    return sli_token_is(t, "like") || sli_token_is(t, "ilike") || sli_token_is(t, "similar");
}

static bool at_comparison(parser *p)
{
    const sli_token *t = cur(p);
    if (compare_op(t) != SLI_OP_NONE || sli_token_is(t, "between") || sli_token_is(t, "in") ||
        sli_token_is(t, "is") || is_pattern_kw(t))
        return true;
    return sli_token_is(t, "not") && (sli_token_is(peek(p, 1), "between") || sli_token_is(peek(p, 1), "in") ||
                                      is_pattern_kw(peek(p, 1)));
}

/* `[not] in (...)` after the operand l (owned), at '('. */
static sli_expr *parse_in(parser *p, sli_expr *l, bool negated, const sli_token *kw, int *h)
{
    if (at_subquery(p)) {
        if (!enter(p)) {
            sli_expr_free(l);
            return NULL;
        }
        long k = parse_subquery(p);
        leave(p);
        if (k < 0) {
            sli_expr_free(l);
            return NULL;
        }
        sli_expr *e = wrap(p, SLI_EX_CALL, SLI_OP_NONE, l, NULL, NULL, *h, kw);
        if (!e) return NULL;
        if (!(e->name = strdup(SLI_SQL_IN))) {
            sli_expr_free(e);
            return nomem(p);
        }
        e->lit.i = k;
        e->negated = negated;
        (*h)++;
        return e;
    }
    sli_expr *e = wrap(p, SLI_EX_IN, SLI_OP_NONE, l, NULL, NULL, *h, kw);
    if (!e) return NULL;
    e->negated = negated;
    (*h)++;
    if (!expect(p, SLI_TOK_LPAREN, "'(' after IN")) {
        sli_expr_free(e);
        return NULL;
    }
    for (;;) {
        int hi;
        if (!push(p, e, parse_expr(p, &hi))) {
            sli_expr_free(e);
            return NULL;
        }
        *h = max_int(*h, hi + 1);
        if (cur(p)->kind != SLI_TOK_COMMA) break;
        advance(p);
    }
    if (!expect(p, SLI_TOK_RPAREN, "',' or ')'")) {
        sli_expr_free(e);
        return NULL;
    }
    return e;
}

static sli_expr *parse_comparison_tail(parser *p, sli_expr *l, int *h)
{
    sli_op op = compare_op(cur(p));
    if (op != SLI_OP_NONE) {
        sli_token optok = advance(p);
        if (sli_token_is(cur(p), "any") || sli_token_is(cur(p), "all") || sli_token_is(cur(p), "some")) {
            sli_expr_free(l);
            return unsupported(p, cur(p), "quantified comparisons (ANY, ALL, SOME) are");
        }
        int hr;
        sli_expr *r = parse_level(p, LV_ADD, &hr);
        if (!r) {
            sli_expr_free(l);
            return NULL;
        }
        *h = max_int(*h, hr);
        sli_expr *e = wrap(p, SLI_EX_BINARY, op, l, r, NULL, *h, &optok);
        (*h)++;
        return e;
    }
    bool negated = false;
    if (is_kw(p, "not")) {
        advance(p);
        negated = true;
    }
    sli_token kw = advance(p);
    if (is_pattern_kw(&kw)) {
        sli_expr_free(l);
        return fail_at(p, &kw, SL_ERR_UNSUPPORTED, "%s is not supported yet",
                       sli_token_is(&kw, "similar") ? "SIMILAR TO"
                       : sli_token_is(&kw, "ilike") ? "ILIKE"
                                                    : "LIKE");
    }
    if (sli_token_is(&kw, "between")) {
        int hlo, hhi;
        if (is_kw(p, "symmetric")) {
            sli_expr_free(l);
            return unsupported(p, cur(p), "BETWEEN SYMMETRIC is");
        }
        sli_expr *lo = parse_level(p, LV_ADD, &hlo);
        if (!lo) {
            sli_expr_free(l);
            return NULL;
        }
        if (!is_kw(p, "and")) {
            sli_expr_free(l);
            sli_expr_free(lo);
            return expected(p, "AND in BETWEEN ... AND ...");
        }
        advance(p);
        sli_expr *hi = parse_level(p, LV_ADD, &hhi);
        if (!hi) {
            sli_expr_free(l);
            sli_expr_free(lo);
            return NULL;
        }
        *h = max_int(*h, max_int(hlo, hhi));
        sli_expr *e = wrap(p, SLI_EX_BETWEEN, SLI_OP_NONE, l, lo, hi, *h, &kw);
        if (e) e->negated = negated;
        (*h)++;
        return e;
    }
    if (sli_token_is(&kw, "in")) return parse_in(p, l, negated, &kw, h);
    /* is [not] null */
    if (is_kw(p, "not")) {
        advance(p);
        negated = true;
    }
    if (is_kw(p, "distinct")) {
        sli_expr_free(l);
        return unsupported(p, cur(p), "IS [NOT] DISTINCT FROM is");
    }
    if (!is_kw(p, "null")) {
        sli_expr_free(l);
        return expected(p, negated ? "NULL after IS NOT" : "NULL or NOT NULL after IS");
    }
    advance(p);
    sli_expr *e = wrap(p, SLI_EX_IS_NULL, SLI_OP_NONE, l, NULL, NULL, *h, &kw);
    if (e) e->negated = negated;
    (*h)++;
    return e;
}

static sli_expr *parse_comparison(parser *p, int *h)
{
    sli_expr *l = parse_level(p, LV_ADD, h);
    if (!l) return NULL;
    if (is_kw(p, "not") && !at_comparison(p)) {
        sli_expr_free(l);
        advance(p);
        return expected(p, "BETWEEN, IN or LIKE after NOT");
    }
    if (!at_comparison(p)) return l;
    sli_expr *e = parse_comparison_tail(p, l, h);
    if (e && at_comparison(p)) {
        sli_expr_free(e);
        return fail_at(p, cur(p), SL_ERR_SYNTAX,
                       "comparison operators do not chain (use AND, or parentheses)");
    }
    return e;
}

static sli_expr *parse_not(parser *p, int *h)
{
    if (!is_kw(p, "not")) return parse_comparison(p, h);
    sli_token kw = advance(p);
    if (!enter(p)) return NULL;
    int ha = 0;
    sli_expr *a = parse_not(p, &ha);
    leave(p);
    if (a && a->kind == SLI_EX_CALL && a->name &&
        (strcmp(a->name, SLI_SQL_EXISTS) == 0 || strcmp(a->name, SLI_SQL_IN) == 0)) {
        a->negated = !a->negated; /* not exists / not (x in (select ...)) */
        *h = ha;
        return a;
    }
    return unary_node(p, &kw, SLI_OP_NOT, a, ha, h);
}

static sli_expr *parse_expr(parser *p, int *h)
{
    if (!enter(p)) return NULL;
    sli_expr *e = parse_level(p, LV_OR, h);
    leave(p);
    return e;
}

/* ---- SELECT blocks -------------------------------------------------------- */

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
    free(s);
}

static bool push_expr(parser *p, sli_expr ***list, size_t *n, sli_expr *e)
{
    if (!e) return false;
    sli_expr **nl = realloc(*list, (*n + 1) * sizeof *nl);
    if (!nl) {
        sli_expr_free(e);
        nomem(p);
        return false;
    }
    *list = nl;
    (*list)[(*n)++] = e;
    return true;
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
    if ((t->kind == SLI_TOK_IDENT && !is_reserved(t)) || t->kind == SLI_TOK_QIDENT) {
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
        if (!sli_token_is(peek(p, 1), "select")) return expected(p, "a table name or (SELECT ...)"), false;
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
    } else if ((t->kind == SLI_TOK_IDENT && !is_reserved(t)) || t->kind == SLI_TOK_QIDENT) {
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

static sli_expr *parse_order_item(parser *p)
{
    int h;
    sli_expr *a = parse_expr(p, &h);
    if (!a) return NULL;
    bool desc = false;
    int nulls_first = -1;
    if (is_kw(p, "asc") || is_kw(p, "desc")) {
        desc = is_kw(p, "desc");
        advance(p);
    }
    if (is_kw(p, "nulls")) {
        advance(p);
        if (!is_kw(p, "first") && !is_kw(p, "last")) {
            sli_expr_free(a);
            return expected(p, "FIRST or LAST after NULLS");
        }
        nulls_first = is_kw(p, "first");
        advance(p);
    }
    sli_token at = *cur(p);
    sli_expr *e = wrap(p, SLI_EX_ORDER, SLI_OP_NONE, a, NULL, NULL, h, &at);
    if (e) {
        e->desc = desc;
        e->nulls_first = nulls_first;
        e->line = e->args[0]->line;
        e->col = e->args[0]->col;
    }
    return e;
}

/* SELECT ... at "select"; stops before ')' ';' or the end. */
static sli_sql_select *parse_select(parser *p)
{
    if (!is_kw(p, "select")) {
        if (is_kw(p, "with")) return unsupported(p, cur(p), "WITH (common table expressions) is");
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
    if (is_kw(p, "union") || is_kw(p, "intersect") || is_kw(p, "except")) {
        fail_at(p, cur(p), SL_ERR_UNSUPPORTED, "set operations (%.*s) are not supported", (int)cur(p)->len,
                cur(p)->text);
        goto fail;
    }
    if (is_kw(p, "order")) {
        advance(p);
        if (!is_kw(p, "by")) {
            expected(p, "BY after ORDER");
            goto fail;
        }
        advance(p);
        for (;;) {
            if (!push_expr(p, &s->order, &s->norder, parse_order_item(p))) goto fail;
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
        sli_expr *lit = number_literal(p, &num, false, num.line, num.col);
        if (!lit) goto fail;
        s->has_limit = true;
        s->limit = lit->lit.i;
        sli_expr_free(lit);
    }
    if (is_kw(p, "offset")) {
        unsupported(p, cur(p), "OFFSET is");
        goto fail;
    }
    if (is_kw(p, "union") || is_kw(p, "intersect") || is_kw(p, "except")) {
        fail_at(p, cur(p), SL_ERR_UNSUPPORTED, "set operations (%.*s) are not supported", (int)cur(p)->len,
                cur(p)->text);
        goto fail;
    }
    return s;
fail:
    sli_sql_select_free(s);
    return NULL;
}

sli_sql_select *sli_sql_parse(sl_context *ctx, const sli_source *src)
{
    parser ps, *p = &ps;
    memset(p, 0, sizeof *p);
    p->ctx = ctx;
    p->src = src;
    sli_lexer_init(&p->lx, src);
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
