/*
 * parse.c — recursive-descent parser of expressions and expression lists: the
 * expression grammar of plan files (whose statements, let bindings and
 * chains, parse_program.c parses), of the C API's expression text, and of the
 * SQL front end (sql_parse.c).
 *
 * The grammar is written out in parse.h. Expressions are parsed one function
 * per precedence level (or < and < not < comparison < additive <
 * multiplicative < unary minus < primary). Two limits keep hostile input from
 * exhausting the stack, here and in every later pass that walks the trees
 * recursively: the parser's own recursion depth (parentheses, `not`, unary
 * minus, nested joins, subqueries) and the height of the trees it builds
 * (long operator chains such as a + b + c + ... are built by loops, but are
 * deep trees).
 *
 * One grammar serves two dialects (sli_parser.sql). The SQL one adds the
 * forms listed at struct sli_parser in parse.h, words its messages with SQL
 * keywords in capitals, and names what sluice does not run
 * (SL_ERR_UNSUPPORTED); each difference is tested where it is made, so the
 * plan-file grammar reads straight through.
 *
 * The first error wins: it is recorded on the context with its position and
 * a caret (sli_source_error), every function then returns NULL up to the
 * entry point, and whatever was built is freed on the way.
 */
#include "parse.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lexer.h"
#include "parse_impl.h"
#include "runtime/context.h"
#include "runtime/types.h"

/** Deepest recursion of the parser: nested parentheses, not, unary minus, joins. */
#define MAX_DEPTH 256
/** The same for SQL, whose parentheses and subqueries count twice. */
#define MAX_DEPTH_SQL 200
/** Highest expression tree the parser builds. */
#define MAX_HEIGHT 2000
/** Number of tokens of lookahead. */
#define LOOK 3

typedef sli_parser parser;

/* Picks the plan-file or the SQL wording of a message. */
#define WORDS(p, plan_words, sql_words) ((p)->sql ? (sql_words) : (plan_words))

/* ---- tokens and errors --------------------------------------------------- */

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

static void *fail_vat(parser *p, const sli_token *t, sl_status s, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void *fail_vat(parser *p, const sli_token *t, sl_status s, const char *fmt, va_list ap)
{
    if (p->status != SL_OK) return NULL;
    if (t->kind == SLI_TOK_ERROR) {
        p->status = sli_lexer_report(&p->lx, p->ctx);
        return NULL;
    }
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    p->status = sli_source_error(p->ctx, s, p->src, t->line, t->col, "%s", msg);
    return NULL;
}

static void *fail_at(parser *p, const sli_token *t, sl_status s, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records an error at token t (or the lexer's error when t is one). @return NULL. */
static void *fail_at(parser *p, const sli_token *t, sl_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_vat(p, t, s, fmt, ap);
    va_end(ap);
    return NULL;
}

/* "expected <what> but found <current token>". @return NULL. */
static void *expected(parser *p, const char *what)
{
    char d[64];
    const sli_token *t = cur(p);
    return fail_at(p, t, SL_ERR_SYNTAX, "expected %s but found %s", what, sli_token_describe(t, d, sizeof d));
}

/* "<what> not supported" (SL_ERR_UNSUPPORTED) at t. @return NULL. */
static void *unsupported(parser *p, const sli_token *t, const char *what)
{
    return fail_at(p, t, SL_ERR_UNSUPPORTED, "%s not supported", what);
}

static void *nomem(parser *p)
{
    if (p->status == SL_OK) p->status = sli_nomem(p->ctx, WORDS(p, "the parser", "the SQL parser"));
    return NULL;
}

/* Consumes a token of kind k or records "expected <what>". */
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
    if (p->depth >= (p->sql ? MAX_DEPTH_SQL : MAX_DEPTH)) {
        fail_at(p, cur(p), SL_ERR_SYNTAX, "%s nested too deeply", WORDS(p, "expression", "query"));
        return false;
    }
    p->depth++;
    return true;
}

static void leave(parser *p)
{
    p->depth--;
}

void sli_parse_init(sli_parser *p, sl_context *ctx, const sli_source *src, bool sql)
{
    memset(p, 0, sizeof *p);
    p->ctx = ctx;
    p->src = src;
    p->sql = sql;
    sli_lexer_init(&p->lx, src);
}

const sli_token *sli_parse_peek(sli_parser *p, int k)
{
    return k < LOOK ? peek(p, k) : NULL; /* look[] holds LOOK tokens */
}

const sli_token *sli_parse_cur(sli_parser *p)
{
    return cur(p);
}

sli_token sli_parse_advance(sli_parser *p)
{
    return advance(p);
}

bool sli_parse_is_kw(sli_parser *p, const char *kw)
{
    return is_kw(p, kw);
}

bool sli_parse_expect(sli_parser *p, sli_tok_kind k, const char *what)
{
    return expect(p, k, what);
}

void *sli_parse_expected(sli_parser *p, const char *what)
{
    return expected(p, what);
}

void *sli_parse_fail(sli_parser *p, const sli_token *t, sl_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_vat(p, t, s, fmt, ap);
    va_end(ap);
    return NULL;
}

void *sli_parse_unsupported(sli_parser *p, const sli_token *t, const char *what)
{
    return unsupported(p, t, what);
}

void *sli_parse_nomem(sli_parser *p)
{
    return nomem(p);
}

bool sli_parse_enter(sli_parser *p)
{
    return enter(p);
}

void sli_parse_leave(sli_parser *p)
{
    leave(p);
}

/* ---- expressions --------------------------------------------------------- */

static sli_expr *parse_expr(parser *p, int *h);

static sli_expr *new_node(parser *p, sli_expr_kind kind, int line, int col)
{
    sli_expr *e = sli_expr_new(kind, line, col);
    return e ? e : nomem(p);
}

/* Makes a node of `kind` and `op` over children a (and b, c when not NULL),
 * positioned at a, whose height is one more than `h`. Takes ownership of the
 * children, also on failure. */
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

/* Appends child to e (taking it; NULL after an error). @return false after an error. */
static bool push(parser *p, sli_expr *e, sli_expr *child)
{
    if (!child) return false;
    if (!sli_expr_push(e, child)) {
        nomem(p);
        return false;
    }
    return true;
}

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

static const char *const reserved[] = {"and", "or",   "not",  "between", "in",   "is",  "as",
                                       "asc", "desc", "when", "then",    "else", "end", NULL};

/* SQL's: also the words that end an expression in a SELECT block, or that
 * start SQL that sluice reports as unsupported. */
static const char *const reserved_sql[] = {
    "select", "from",   "where",   "group",   "by",    "having",    "order",  "limit",    "offset",  "join",
    "inner",  "left",   "right",   "full",    "outer", "cross",     "on",     "using",    "natural", "and",
    "or",     "not",    "between", "in",      "is",    "as",        "asc",    "desc",     "when",    "then",
    "else",   "end",    "like",    "ilike",   "union", "intersect", "except", "distinct", "all",     "with",
    "over",   "window", "nulls",   "similar", "fetch", NULL};

bool sli_parse_reserved(const sli_parser *p, const sli_token *t)
{
    if (t->kind != SLI_TOK_IDENT) return false;
    for (const char *const *r = p->sql ? reserved_sql : reserved; *r; r++)
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

/* A number token, negated when `neg` (a minus directly before it), at line:col. */
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
        while (lead < ints && s[lead] == '0') lead++; /* leading zeros are not significant */
        size_t precision = ints - lead + frac;
        if (precision < 1) precision = 1;
        int64_t v = 0;
        if (precision <= 18 && sli_decimal_parse(s, n, (int)frac, &v)) {
            e->lit.type = sli_decimal((int)precision, (int)frac);
            e->lit.i = neg ? -v : v;
            return e;
        }
        /* too many digits for a decimal: read it as float64 */
    }
    char *tmp = malloc(n + 1);
    if (!tmp) {
        sli_expr_free(e);
        return nomem(p);
    }
    memcpy(tmp, s, n);
    tmp[n] = 0;
    double f = strtod(tmp, NULL);
    free(tmp);
    if (isinf(f)) {
        sli_expr_free(e);
        return fail_at(p, t, SL_ERR_SYNTAX, "float literal out of range");
    }
    e->lit.type = sli_type(SL_TYPE_FLOAT64);
    e->lit.f = neg ? -f : f;
    return e;
}

sli_expr *sli_parse_number(sli_parser *p, const sli_token *t, bool neg, int line, int col)
{
    return number_literal(p, t, neg, line, col);
}

/* SQL: rewrites an SQL type name in text (len bytes) to the name sluice
 * knows, e.g. integer -> int32, varchar -> utf8. @return the new length. */
static size_t sql_type_name(char *text, size_t cap, size_t len)
{
    static const char *const alias[][2] = {{"integer", "int32"},  {"int", "int32"},     {"bigint", "int64"},
                                           {"smallint", "int16"}, {"tinyint", "int8"},  {"double", "float64"},
                                           {"real", "float64"},   {"float", "float64"}, {"varchar", "utf8"},
                                           {"text", "utf8"},      {"string", "utf8"},   {"boolean", "bool"},
                                           {"numeric", "decimal"}};
    for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
        if (strcasecmp(text, alias[i][0]) == 0) len = (size_t)snprintf(text, cap, "%s", alias[i][1]);
    return len;
}

/* cast '(' expr 'as' type ')' with the current token at "cast". */
static sli_expr *parse_cast(parser *p, int *h)
{
    sli_token kw = advance(p);
    advance(p); /* '(' */
    int ha;
    sli_expr *a = parse_expr(p, &ha);
    if (!a) return NULL;
    if (!is_kw(p, "as")) {
        sli_expr_free(a);
        return expected(p, WORDS(p, "'as' in cast(... as type)", "AS in CAST(... AS type)"));
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
    bool skip_params = false; /* SQL's varchar(n): the length is not kept */
    if (p->sql) {
        len = sql_type_name(text, sizeof text, len);
        if (sli_token_is(&tname, "double") && is_kw(p, "precision")) advance(p);
        skip_params = strcmp(text, "utf8") == 0;
    }
    if (cur(p)->kind == SLI_TOK_LPAREN) {
        /* decimal(15,2): the parameters are numbers separated by commas */
        advance(p);
        if (!skip_params) text[len++] = '(';
        for (;;) {
            if (cur(p)->kind != SLI_TOK_INT) {
                sli_expr_free(a);
                return expected(p, "a number in the type's parameters");
            }
            sli_token num = advance(p);
            if (!skip_params && len + num.len + 2 < sizeof text) {
                memcpy(text + len, num.text, num.len);
                len += num.len;
            }
            if (cur(p)->kind != SLI_TOK_COMMA) break;
            advance(p);
            if (!skip_params && len + 2 < sizeof text) text[len++] = ',';
        }
        if (!expect(p, SLI_TOK_RPAREN, "')' after the type's parameters")) {
            sli_expr_free(a);
            return NULL;
        }
        if (!skip_params) text[len++] = ')';
        text[len] = 0;
    }
    sl_type type;
    if (!sli_type_parse(text, len, &type)) {
        sli_expr_free(a);
        return fail_at(p, &tname, SL_ERR_SYNTAX, "unknown type '%s' (expected %s)", text,
                       WORDS(p, "bool, int8, int16, int32, int64, float64, date, decimal(p,s) or utf8",
                             "boolean, tinyint, smallint, integer, bigint, double, date, decimal(p,s) or "
                             "varchar"));
    }
    if (!expect(p, SLI_TOK_RPAREN, WORDS(p, "')' to close cast(", "')' to close CAST("))) {
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

/* `distinct` after the '(' of call e. Plan files: an error (a column named
 * distinct is an argument). SQL: count(distinct x) becomes a call named
 * SLI_SQL_COUNT_DISTINCT; other aggregates over distinct are unsupported.
 * @return false after an error. */
static bool call_distinct(parser *p, sli_expr *e)
{
    if (!p->sql) {
        if (peek(p, 1)->kind == SLI_TOK_COMMA || peek(p, 1)->kind == SLI_TOK_RPAREN) return true;
        fail_at(p, cur(p), SL_ERR_SYNTAX, "%s(distinct ...) is not supported yet", e->name);
        return false;
    }
    if (strcmp(e->name, "count") != 0 || peek(p, 1)->kind == SLI_TOK_STAR) {
        fail_at(p, cur(p), SL_ERR_UNSUPPORTED, "%s(DISTINCT ...) is not supported (count(DISTINCT x) is)",
                e->name);
        return false;
    }
    advance(p);
    free(e->name);
    if (!(e->name = strdup(SLI_SQL_COUNT_DISTINCT))) {
        nomem(p);
        return false;
    }
    return true;
}

/* substring '(' expr ( 'from' expr [ 'for' expr ] | ',' expr [ ',' expr ] ) ')'
 * (also spelled substr), past the name and at '(': a call named "substring"
 * with two or three arguments. */
static sli_expr *parse_substring(parser *p, const sli_token *tname, int *h)
{
    advance(p); /* '(' */
    sli_expr *e = new_node(p, SLI_EX_CALL, tname->line, tname->col);
    if (!e) return NULL;
    if (!(e->name = strdup(SLI_SUBSTRING))) {
        sli_expr_free(e);
        return nomem(p);
    }
    *h = 1;
    int ha;
    if (!push(p, e, parse_expr(p, &ha))) goto fail;
    *h = max_int(*h, ha + 1);
    bool std = is_kw(p, "from");
    if (!std && cur(p)->kind != SLI_TOK_COMMA) {
        expected(p, WORDS(p, "'from' or ',' in substring(", "FROM or ',' in SUBSTRING("));
        goto fail;
    }
    advance(p);
    if (!push(p, e, parse_expr(p, &ha))) goto fail;
    *h = max_int(*h, ha + 1);
    if (std ? is_kw(p, "for") : cur(p)->kind == SLI_TOK_COMMA) {
        advance(p);
        if (!push(p, e, parse_expr(p, &ha))) goto fail;
        *h = max_int(*h, ha + 1);
    }
    if (!expect(
            p, SLI_TOK_RPAREN,
            e->nargs == 3 ? "')' after the length of substring"
            : std ? WORDS(p, "'for' or ')' in substring(... from ...", "FOR or ')' in SUBSTRING(... FROM ...")
                  : "',' or ')'"))
        goto fail;
    return e;
fail:
    sli_expr_free(e);
    return NULL;
}

/* name '(' [args] ')' with the current token at the name. SQL also takes
 * name '(' DISTINCT | ALL args ')' and reports COALESCE, NULLIF and OVER /
 * FILTER clauses as unsupported. substring / substr have their own forms. */
static sli_expr *parse_call(parser *p, int *h)
{
    sli_token tname = advance(p);
    if (sli_token_is(&tname, "substring") || sli_token_is(&tname, "substr"))
        return parse_substring(p, &tname, h);
    if (p->sql && (sli_token_is(&tname, "coalesce") || sli_token_is(&tname, "nullif")))
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
    if (is_kw(p, "distinct") && !call_distinct(p, e)) {
        sli_expr_free(e);
        return NULL;
    }
    if (p->sql && is_kw(p, "all")) advance(p);
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
    if (p->sql && (is_kw(p, "over") || is_kw(p, "filter"))) {
        bool over = is_kw(p, "over");
        sli_expr_free(e);
        return unsupported(p, &tname, over ? "window functions are" : "aggregate FILTER is");
    }
    return e;
}

/* case [subject] when c then v {when c then v} [else v] end, with the current
 * token at "case". The simple form (with a subject) becomes the searched one:
 * each `when a` turns into `subject = a` over its own copy of the subject. */
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
        expected(p, p->sql ? "WHEN" : subject ? "'when' after the case operand" : "'when' after 'case'");
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
            expected(p, WORDS(p, "'then' after the 'when' condition", "THEN after the WHEN condition"));
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
        expected(p, p->sql         ? "WHEN, ELSE or END"
                    : e->nargs % 2 ? "'end' after the 'else' value"
                                   : "'when', 'else' or 'end'");
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

/* extract '(' year|month|day 'from' expr ')' with the current token at
 * "extract"; it becomes the call year(expr), month(expr) or day(expr). */
static sli_expr *parse_extract(parser *p, int *h)
{
    sli_token kw = advance(p);
    advance(p); /* '(' */
    if (cur(p)->kind != SLI_TOK_IDENT)
        return expected(p, WORDS(p, "year, month or day in extract(... from date)",
                                 "YEAR, MONTH or DAY in EXTRACT(... FROM date)"));
    sli_token field = advance(p);
    char *name = lower_dup(&field);
    if (!name) return nomem(p);
    if (sli_date_part_of(name) < 0) {
        if (p->sql)
            fail_at(p, &field, SL_ERR_UNSUPPORTED,
                    "EXTRACT(%.40s FROM ...) is not supported (YEAR, MONTH and DAY are)", name);
        else
            fail_at(p, &field, SL_ERR_SYNTAX,
                    "cannot extract '%.40s' from a date (expected year, month or day)", name);
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
        return expected(p,
                        WORDS(p, "'from' in extract(field from date)", "FROM in EXTRACT(field FROM date)"));
    }
    advance(p);
    int ha;
    if (!push(p, e, parse_expr(p, &ha)) ||
        !expect(p, SLI_TOK_RPAREN, WORDS(p, "')' to close extract(", "')' to close EXTRACT("))) {
        sli_expr_free(e);
        return NULL;
    }
    *h = ha + 1;
    return e;
}

/* @return the unit a word names (day[s], month[s], year[s]), or -1. */
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

/* Largest count an interval takes. */
#define MAX_INTERVAL 2147483647LL

/* interval ['-'] INT unit | interval 'n' unit | interval 'n unit', with the
 * current token at "interval". Units: day[s], month[s], year[s]. */
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
    if (num.kind == SLI_TOK_STRING) { /* the quotes around the text */
        s++;
        n -= 2;
        while (i < n && s[i] == ' ') i++;
        if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    } else if (num.kind != SLI_TOK_INT) {
        return fail_at(p, &num, SL_ERR_SYNTAX, "expected a number or a quoted number after %s",
                       WORDS(p, "'interval'", "INTERVAL"));
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
                           "invalid interval %.*s (expected a whole number such as %s)",
                           (int)(num.len > 40 ? 40 : num.len), num.text, WORDS(p, "'3' or '3 month'", "'3'"));
    }
    if (unit < 0) {
        const sli_token *t = cur(p);
        if (t->kind != SLI_TOK_IDENT || (unit = interval_unit(t->text, t->len)) < 0)
            return expected(p, WORDS(p, "day, month or year after the interval's count",
                                     "DAY, MONTH or YEAR after the interval's count"));
        advance(p);
    }
    sli_expr *e = new_node(p, SLI_EX_INTERVAL, kw.line, kw.col);
    if (!e) return NULL;
    e->lit.type = sli_type(SL_TYPE_INT64);
    e->lit.i = neg ? -v : v;
    e->unit = (sli_interval_unit)unit;
    return e;
}

/* @return true at '(' select, or '(' with in SQL (a subquery). */
static bool at_subquery(parser *p)
{
    const sli_token *next = peek(p, 1);
    return cur(p)->kind == SLI_TOK_LPAREN &&
           (sli_token_is(next, "select") || (p->subquery && sli_token_is(next, "with")));
}

/* SQL: the subquery at '(' select, through the hook. @return its index, or -1 after an error. */
static long parse_subquery(parser *p)
{
    if (!p->subquery) {
        unsupported(p, peek(p, 1), "subqueries are");
        return -1;
    }
    if (!enter(p)) return -1;
    long k = p->subquery(p);
    leave(p);
    return k;
}

/* SQL: exists '(' select ')' with the current token at "exists". */
static sli_expr *parse_exists(parser *p)
{
    sli_token kw = advance(p);
    if (!at_subquery(p)) return expected(p, "'(SELECT' after EXISTS");
    long k = parse_subquery(p);
    if (k < 0) return NULL;
    sli_expr *e = new_node(p, SLI_EX_CALL, kw.line, kw.col);
    if (e && !(e->name = strdup(SLI_SQL_EXISTS))) {
        sli_expr_free(e);
        return nomem(p);
    }
    if (e) e->lit.i = k;
    return e;
}

/* A column name at an identifier or "quoted identifier"; SQL also takes `t.c`. */
static sli_expr *parse_name(parser *p)
{
    sli_token a = advance(p);
    sli_expr *e = new_node(p, SLI_EX_COLUMN, a.line, a.col);
    if (!e) return NULL;
    if (p->sql && cur(p)->kind == SLI_TOK_DOT &&
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

/* '(' expr ')' at '('. SQL reports scalar subqueries and row values, and
 * counts the parentheses as one more level of depth. */
static sli_expr *parse_parens(parser *p, int *h)
{
    if (p->sql && at_subquery(p)) return unsupported(p, peek(p, 1), "scalar subqueries are");
    sli_token lp = advance(p);
    if (p->sql && !enter(p)) return NULL;
    sli_expr *e = parse_expr(p, h);
    if (p->sql) leave(p);
    if (e && p->sql && cur(p)->kind == SLI_TOK_COMMA) {
        sli_expr_free(e);
        return fail_at(p, &lp, SL_ERR_UNSUPPORTED, "row values (a, b) are not supported");
    }
    if (e && !expect(p, SLI_TOK_RPAREN, "')'")) {
        sli_expr_free(e);
        return NULL;
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
    case SLI_TOK_LPAREN: return parse_parens(p, h);
    case SLI_TOK_IDENT: break;
    default: return expected(p, "an expression");
    }

    if (sli_parse_reserved(p, t)) {
        if (p->sql && sli_token_is(t, "distinct")) return unsupported(p, t, "DISTINCT here is");
        return expected(p, "an expression");
    }
    bool is_true = sli_token_is(t, "true");
    if (is_true || sli_token_is(t, "false") || sli_token_is(t, "null")) {
        sli_token tok = advance(p);
        sli_expr *e = new_node(p, SLI_EX_LITERAL, tok.line, tok.col);
        if (!e) return NULL;
        if (sli_token_is(&tok, "null")) {
            e->lit.type = sli_type(SL_TYPE_NULL);
            e->lit.is_null = true;
        } else {
            e->lit.type = sli_type(SL_TYPE_BOOL);
            e->lit.i = is_true;
        }
        return e;
    }
    if (p->sql && sli_token_is(t, "timestamp") && peek(p, 1)->kind == SLI_TOK_STRING)
        return unsupported(p, t, "TIMESTAMP literals are");
    if (sli_token_is(t, "date") && peek(p, 1)->kind == SLI_TOK_STRING) {
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
    if (p->sql && call && sli_token_is(t, "exists")) return parse_exists(p);
    if (call) return parse_call(p, h);
    return parse_name(p);
}

static bool is_number(const sli_token *t)
{
    return t->kind == SLI_TOK_INT || t->kind == SLI_TOK_DECIMAL || t->kind == SLI_TOK_FLOAT;
}

/* Wraps operand a (of height ha, NULL after an error) in a unary `op` node at
 * token `at`, checking the height limit. Takes a. */
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
    if (p->sql && cur(p)->kind == SLI_TOK_PLUS) advance(p);
    if (cur(p)->kind != SLI_TOK_MINUS) return parse_primary(p, h);
    sli_token minus = advance(p);
    if (is_number(cur(p))) {
        /* folded, so that -9223372036854775808 is an int64 literal */
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

/* The left-associative binary levels, lowest precedence first. */
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

/* like (both dialects); SQL also ilike and similar to (recognised to be
 * reported as unsupported). */
static bool is_pattern_kw(parser *p, const sli_token *t)
{
    return sli_token_is(t, "like") || (p->sql && (sli_token_is(t, "ilike") || sli_token_is(t, "similar")));
}

/* @return true when the current token starts a comparison after an operand. */
static bool at_comparison(parser *p)
{
    const sli_token *t = cur(p);
    if (compare_op(t) != SLI_OP_NONE || sli_token_is(t, "between") || sli_token_is(t, "in") ||
        sli_token_is(t, "is") || is_pattern_kw(p, t))
        return true;
    return sli_token_is(t, "not") && (sli_token_is(peek(p, 1), "between") || sli_token_is(peek(p, 1), "in") ||
                                      is_pattern_kw(p, peek(p, 1)));
}

/* `[not] in (a, b, ...)` after the operand l (owned), at '('; in SQL also
 * `[not] in (select ...)`. */
static sli_expr *parse_in(parser *p, sli_expr *l, bool negated, const sli_token *kw, int *h)
{
    if (p->sql && at_subquery(p)) {
        long k = parse_subquery(p);
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
    if (!expect(p, SLI_TOK_LPAREN, WORDS(p, "'(' after 'in'", "'(' after IN"))) {
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

/* `[not] like 'pattern'` after the operand l (owned), past `like`: a call
 * named "like" over (l, pattern literal), `negated` for the not form. The
 * pattern must be a string literal; ESCAPE is refused. */
static sli_expr *parse_like(parser *p, sli_expr *l, bool negated, const sli_token *kw, int *h)
{
    if (cur(p)->kind != SLI_TOK_STRING) {
        sli_expr_free(l);
        return expected(p, WORDS(p, "a 'pattern' string after 'like'", "a 'pattern' string after LIKE"));
    }
    sli_token tok = advance(p);
    sli_expr *pat = new_node(p, SLI_EX_LITERAL, tok.line, tok.col);
    if (!pat) {
        sli_expr_free(l);
        return NULL;
    }
    if (!(pat->lit.s = sli_token_text(&tok, &pat->lit.slen))) {
        sli_expr_free(l);
        sli_expr_free(pat);
        return nomem(p);
    }
    pat->lit.type = sli_type(SL_TYPE_UTF8);
    if (is_kw(p, "escape")) {
        sli_expr_free(l);
        sli_expr_free(pat);
        return fail_at(p, cur(p), SL_ERR_UNSUPPORTED, "%s is not supported (%% and _ have no escape)",
                       WORDS(p, "'escape' in like", "LIKE ... ESCAPE"));
    }
    sli_expr *e = wrap(p, SLI_EX_CALL, SLI_OP_NONE, l, pat, NULL, *h, kw);
    if (!e) return NULL;
    e->negated = negated;
    (*h)++;
    if (!(e->name = strdup(SLI_LIKE))) {
        sli_expr_free(e);
        return nomem(p);
    }
    return e;
}

/* One comparison after its left operand l (owned). */
static sli_expr *parse_comparison_tail(parser *p, sli_expr *l, int *h)
{
    sli_op op = compare_op(cur(p));
    if (op != SLI_OP_NONE) {
        sli_token optok = advance(p);
        if (p->sql && (is_kw(p, "any") || is_kw(p, "all") || is_kw(p, "some"))) {
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
    if (sli_token_is(&kw, "like")) return parse_like(p, l, negated, &kw, h);
    if (is_pattern_kw(p, &kw)) {
        sli_expr_free(l);
        return fail_at(p, &kw, SL_ERR_UNSUPPORTED, "%s is not supported yet",
                       sli_token_is(&kw, "similar") ? "SIMILAR TO" : "ILIKE");
    }
    if (sli_token_is(&kw, "between")) {
        int hlo, hhi;
        if (p->sql && is_kw(p, "symmetric")) {
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
            return expected(p, WORDS(p, "'and' in between ... and ...", "AND in BETWEEN ... AND ..."));
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
    if (p->sql && is_kw(p, "distinct")) {
        sli_expr_free(l);
        return unsupported(p, cur(p), "IS [NOT] DISTINCT FROM is");
    }
    if (!is_kw(p, "null")) {
        sli_expr_free(l);
        return expected(p, p->sql    ? (negated ? "NULL after IS NOT" : "NULL or NOT NULL after IS")
                           : negated ? "'null' after 'is not'"
                                     : "'null' or 'not null' after 'is'");
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
        return expected(p, WORDS(p, "'between' or 'in' after 'not'", "BETWEEN, IN or LIKE after NOT"));
    }
    if (!at_comparison(p)) return l;
    sli_expr *e = parse_comparison_tail(p, l, h);
    if (e && at_comparison(p)) {
        sli_expr_free(e);
        return fail_at(p, cur(p), SL_ERR_SYNTAX, "comparison operators do not chain (use %s, or parentheses)",
                       WORDS(p, "'and'", "AND"));
    }
    return e;
}

/* @return true for SQL's subquery tests, which `not` negates in place. */
static bool is_subquery_test(const sli_expr *e)
{
    return e->kind == SLI_EX_CALL && e->name &&
           (strcmp(e->name, SLI_SQL_EXISTS) == 0 || strcmp(e->name, SLI_SQL_IN) == 0);
}

static sli_expr *parse_not(parser *p, int *h)
{
    if (!is_kw(p, "not")) return parse_comparison(p, h);
    sli_token kw = advance(p);
    if (!enter(p)) return NULL;
    int ha = 0;
    sli_expr *a = parse_not(p, &ha);
    leave(p);
    if (p->sql && a && is_subquery_test(a)) {
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

sli_expr *sli_parse_expr(sli_parser *p, int *h)
{
    return parse_expr(p, h);
}

/* The rest of a sort key after its expression a (of height h, owned):
 * `[asc|desc] [nulls first|last]`. */
static sli_expr *order_tail(parser *p, sli_expr *a, int h)
{
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
            return expected(p, WORDS(p, "'first' or 'last' after 'nulls'", "FIRST or LAST after NULLS"));
        }
        nulls_first = is_kw(p, "first");
        advance(p);
    }
    sli_token at = *cur(p);
    sli_expr *e = wrap(p, SLI_EX_ORDER, SLI_OP_NONE, a, NULL, NULL, h, &at);
    if (e) {
        e->desc = desc;
        e->nulls_first = nulls_first;
    }
    return e;
}

sli_expr *sli_parse_order_key(sli_parser *p)
{
    int h;
    sli_expr *a = parse_expr(p, &h);
    return a ? order_tail(p, a, h) : NULL;
}

/* One list item: `expr [as name]`, or in ORDER mode `expr [asc|desc] [nulls first|last]`. */
static sli_expr *parse_item(parser *p, sli_list_mode mode)
{
    int h;
    sli_expr *a = parse_expr(p, &h);
    if (!a) return NULL;
    if (mode == SLI_LIST_PLAIN) {
        if (!is_kw(p, "as")) return a;
        advance(p);
        const sli_token *t = cur(p);
        if (t->kind != SLI_TOK_IDENT && t->kind != SLI_TOK_QIDENT) {
            sli_expr_free(a);
            return expected(p, "a name after 'as'");
        }
        sli_token name = advance(p);
        sli_expr *e = wrap(p, SLI_EX_ALIAS, SLI_OP_NONE, a, NULL, NULL, h, &name);
        if (e && !(e->name = sli_token_text(&name, NULL))) {
            sli_expr_free(e);
            return nomem(p);
        }
        return e;
    }
    if (is_kw(p, "as")) {
        sli_expr_free(a);
        return fail_at(p, cur(p), SL_ERR_SYNTAX, "an alias is not allowed in a sort key");
    }
    return order_tail(p, a, h);
}

sli_expr *sli_parse_item(sli_parser *p, sli_list_mode mode)
{
    return parse_item(p, mode);
}

/* Appends e (NULL after an error) to a growing array. Frees e on failure. */
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

bool sli_parse_push(sli_parser *p, sli_expr ***list, size_t *n, sli_expr *e)
{
    return push_expr(p, list, n, e);
}

sl_status sli_parse_expr_list(sl_context *ctx, const sli_source *src, sli_list_mode mode, sli_expr ***out,
                              size_t *n)
{
    parser ps, *p = &ps;
    sli_parse_init(p, ctx, src, false);
    sli_expr **list = NULL;
    size_t count = 0;
    for (;;) {
        sli_expr *e = parse_item(p, mode);
        if (!e || !push_expr(p, &list, &count, e)) break;
        if (cur(p)->kind == SLI_TOK_COMMA) {
            advance(p);
            continue;
        }
        if (cur(p)->kind != SLI_TOK_EOF) expected(p, "',' or end of input");
        break;
    }
    if (p->status != SL_OK) {
        sli_expr_free_list(list, count);
        list = NULL;
        count = 0;
    }
    if (out)
        *out = list;
    else
        sli_expr_free_list(list, count);
    if (n) *n = count;
    return p->status;
}
