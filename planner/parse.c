/*
 * parse.c — recursive-descent parser of plan files and expression lists.
 *
 * The grammar is written out in parse.h. Expressions are parsed one function
 * per precedence level (or < and < not < comparison < additive <
 * multiplicative < unary minus < primary). Two limits keep hostile input from
 * exhausting the stack, here and in every later pass that walks the trees
 * recursively: the parser's own recursion depth (parentheses, `not`, unary
 * minus, nested joins) and the height of the trees it builds (long operator
 * chains such as a + b + c + ... are built by loops, but are deep trees).
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
#include "runtime/context.h"
#include "runtime/types.h"

/** Deepest recursion of the parser: nested parentheses, not, unary minus, joins. */
#define MAX_DEPTH 256
/** Highest expression tree the parser builds. */
#define MAX_HEIGHT 2000

typedef struct parser {
    sl_context *ctx;
    const sli_source *src;
    sli_lexer lx;
    sli_token look[2]; /* look[0] is the current token */
    int nlook;
    int depth;
    sl_status status; /* the first error; SL_OK while parsing goes well */
} parser;

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
    p->look[0] = p->look[1];
    p->nlook--;
    return t;
}

static bool is_kw(parser *p, const char *kw)
{
    return sli_token_is(cur(p), kw);
}

static void *fail_at(parser *p, const sli_token *t, sl_status s, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records an error at token t (or the lexer's error when t is one). @return NULL. */
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

/* "expected <what> but found <current token>". @return NULL. */
static void *expected(parser *p, const char *what)
{
    char d[64];
    const sli_token *t = cur(p);
    return fail_at(p, t, SL_ERR_SYNTAX, "expected %s but found %s", what, sli_token_describe(t, d, sizeof d));
}

static void *nomem(parser *p)
{
    if (p->status == SL_OK) p->status = sli_nomem(p->ctx, "the parser");
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
    if (p->depth >= MAX_DEPTH) {
        fail_at(p, cur(p), SL_ERR_SYNTAX, "expression nested too deeply");
        return false;
    }
    p->depth++;
    return true;
}

static void leave(parser *p)
{
    p->depth--;
}

static void init_parser(parser *p, sl_context *ctx, const sli_source *src)
{
    memset(p, 0, sizeof *p);
    p->ctx = ctx;
    p->src = src;
    sli_lexer_init(&p->lx, src);
}

/* ---- expressions --------------------------------------------------------- */

static sli_expr *parse_expr(parser *p, int *h);

static sli_expr *new_node(parser *p, sli_expr_kind kind, int line, int col)
{
    sli_expr *e = sli_expr_new(kind, line, col);
    return e ? e : nomem(p);
}

/* Makes a node of `kind` over children a (and b, c when not NULL), positioned
 * at a, whose height is one more than `h`. Takes ownership of the children,
 * also on failure. */
static sli_expr *wrap3(parser *p, sli_expr_kind kind, sli_expr *a, sli_expr *b, sli_expr *c, int h,
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
    bool ok = sli_expr_push(e, a);
    if (b) ok = ok ? sli_expr_push(e, b) : (sli_expr_free(b), false);
    if (c) ok = ok ? sli_expr_push(e, c) : (sli_expr_free(c), false);
    if (!ok) {
        sli_expr_free(e);
        return nomem(p);
    }
    return e;
}

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

static const char *const reserved[] = {"and", "or",   "not",  "between", "in",   "is", "as",
                                       "asc", "desc", "when", "then",    "else", "end"};

/* @return true for words that can never start an operand. */
static bool is_reserved(const sli_token *t)
{
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (sli_token_is(t, reserved[i])) return true;
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
        return expected(p, "'as' in cast(... as type)");
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
    if (cur(p)->kind == SLI_TOK_LPAREN) {
        /* decimal(15,2): the parameters are numbers separated by commas */
        advance(p);
        text[len++] = '(';
        for (;;) {
            if (cur(p)->kind != SLI_TOK_INT) {
                sli_expr_free(a);
                return expected(p, "a number in the type's parameters");
            }
            sli_token num = advance(p);
            if (len + num.len + 2 < sizeof text) {
                memcpy(text + len, num.text, num.len);
                len += num.len;
            }
            if (cur(p)->kind != SLI_TOK_COMMA) break;
            advance(p);
            if (len + 2 < sizeof text) text[len++] = ',';
        }
        if (!expect(p, SLI_TOK_RPAREN, "')' after the type's parameters")) {
            sli_expr_free(a);
            return NULL;
        }
        text[len++] = ')';
        text[len] = 0;
    }
    sl_type type;
    if (!sli_type_parse(text, len, &type)) {
        sli_expr_free(a);
        return fail_at(p, &tname, SL_ERR_SYNTAX,
                       "unknown type '%s' (expected bool, int8, int16, int32, int64, float64, date, "
                       "decimal(p,s) or utf8)",
                       text);
    }
    if (!expect(p, SLI_TOK_RPAREN, "')' to close cast(")) {
        sli_expr_free(a);
        return NULL;
    }
    sli_expr *e = new_node(p, SLI_EX_CAST, kw.line, kw.col);
    if (!e || !sli_expr_push(e, a)) {
        if (!e) sli_expr_free(a);
        sli_expr_free(e);
        return nomem(p);
    }
    e->cast_type = type;
    *h = ha + 1;
    return e;
}

/* name '(' [args] ')' with the current token at the name. */
static sli_expr *parse_call(parser *p, int *h)
{
    sli_token tname = advance(p);
    advance(p); /* '(' */
    sli_expr *e = new_node(p, SLI_EX_CALL, tname.line, tname.col);
    if (!e) return NULL;
    if (!(e->name = lower_dup(&tname))) {
        sli_expr_free(e);
        return nomem(p);
    }
    *h = 1;
    if (is_kw(p, "distinct") && peek(p, 1)->kind != SLI_TOK_COMMA && peek(p, 1)->kind != SLI_TOK_RPAREN) {
        fail_at(p, cur(p), SL_ERR_SYNTAX, "%s(distinct ...) is not supported yet", e->name);
        sli_expr_free(e);
        return NULL;
    }
    if (strcmp(e->name, "count") == 0 && cur(p)->kind == SLI_TOK_STAR && peek(p, 1)->kind == SLI_TOK_RPAREN) {
        sli_token star = advance(p);
        sli_expr *s = new_node(p, SLI_EX_STAR, star.line, star.col);
        if (!s || !sli_expr_push(e, s)) {
            sli_expr_free(e);
            return nomem(p);
        }
        *h = 2;
    } else if (cur(p)->kind != SLI_TOK_RPAREN) {
        for (;;) {
            int ha;
            sli_expr *a = parse_expr(p, &ha);
            if (!a) {
                sli_expr_free(e);
                return NULL;
            }
            if (!sli_expr_push(e, a)) {
                sli_expr_free(e);
                return nomem(p);
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
        expected(p, subject ? "'when' after the case operand" : "'when' after 'case'");
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
            if (!(c = wrap3(p, SLI_EX_BINARY, s, c, NULL, hc, &wt))) goto fail;
            c->op = SLI_OP_EQ;
            hc++;
        }
        if (!sli_expr_push(e, c)) {
            nomem(p);
            goto fail;
        }
        if (!is_kw(p, "then")) {
            expected(p, "'then' after the 'when' condition");
            goto fail;
        }
        advance(p);
        sli_expr *v = parse_expr(p, &hv);
        if (!v) goto fail;
        if (!sli_expr_push(e, v)) {
            nomem(p);
            goto fail;
        }
        *h = max_int(*h, max_int(hc, hv) + 1);
    }
    if (is_kw(p, "else")) {
        advance(p);
        int hv;
        sli_expr *v = parse_expr(p, &hv);
        if (!v) goto fail;
        if (!sli_expr_push(e, v)) {
            nomem(p);
            goto fail;
        }
        *h = max_int(*h, hv + 1);
    }
    if (!is_kw(p, "end")) {
        expected(p, e->nargs % 2 ? "'end' after the 'else' value" : "'when', 'else' or 'end'");
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
    const sli_token *f = cur(p);
    if (f->kind != SLI_TOK_IDENT) return expected(p, "year, month or day in extract(... from date)");
    sli_token field = advance(p);
    char *name = lower_dup(&field);
    if (!name) return nomem(p);
    if (sli_date_part_of(name) < 0) {
        fail_at(p, &field, SL_ERR_SYNTAX, "cannot extract '%.40s' from a date (expected year, month or day)",
                name);
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
        return expected(p, "'from' in extract(field from date)");
    }
    advance(p);
    int ha;
    sli_expr *a = parse_expr(p, &ha);
    if (!a) {
        sli_expr_free(e);
        return NULL;
    }
    if (!sli_expr_push(e, a)) {
        sli_expr_free(e);
        return nomem(p);
    }
    if (!expect(p, SLI_TOK_RPAREN, "')' to close extract(")) {
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
        return fail_at(p, &num, SL_ERR_SYNTAX, "expected a number or a quoted number after 'interval'");
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
                           "invalid interval %.*s (expected a whole number such as '3' or '3 month')",
                           (int)(num.len > 40 ? 40 : num.len), num.text);
    }
    if (unit < 0) {
        const sli_token *t = cur(p);
        if (t->kind != SLI_TOK_IDENT || (unit = interval_unit(t->text, t->len)) < 0)
            return expected(p, "day, month or year after the interval's count");
        advance(p);
    }
    sli_expr *e = new_node(p, SLI_EX_INTERVAL, kw.line, kw.col);
    if (!e) return NULL;
    e->lit.type = sli_type(SL_TYPE_INT64);
    e->lit.i = neg ? -v : v;
    e->unit = (sli_interval_unit)unit;
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
    case SLI_TOK_STRING:
    case SLI_TOK_QIDENT: {
        sli_token tok = advance(p);
        sli_expr *e =
            new_node(p, tok.kind == SLI_TOK_STRING ? SLI_EX_LITERAL : SLI_EX_COLUMN, tok.line, tok.col);
        if (!e) return NULL;
        char *s = sli_token_text(&tok, &e->lit.slen);
        if (!s) {
            sli_expr_free(e);
            return nomem(p);
        }
        if (tok.kind == SLI_TOK_STRING) {
            e->lit.type = sli_type(SL_TYPE_UTF8);
            e->lit.s = s;
        } else {
            e->lit.slen = 0;
            e->name = s;
        }
        return e;
    }
    case SLI_TOK_LPAREN: {
        advance(p);
        sli_expr *e = parse_expr(p, h);
        if (e && !expect(p, SLI_TOK_RPAREN, "')'")) {
            sli_expr_free(e);
            return NULL;
        }
        return e;
    }
    case SLI_TOK_IDENT: break;
    default: return expected(p, "an expression");
    }

    if (is_reserved(t)) return expected(p, "an expression");
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
    if (sli_token_is(t, "cast") && peek(p, 1)->kind == SLI_TOK_LPAREN) return parse_cast(p, h);
    if (sli_token_is(t, "case")) return parse_case(p, h);
    if (sli_token_is(t, "extract") && peek(p, 1)->kind == SLI_TOK_LPAREN) return parse_extract(p, h);
    if (sli_token_is(t, "interval") && (peek(p, 1)->kind == SLI_TOK_STRING ||
                                        peek(p, 1)->kind == SLI_TOK_INT || peek(p, 1)->kind == SLI_TOK_MINUS))
        return parse_interval(p);
    if (peek(p, 1)->kind == SLI_TOK_LPAREN) return parse_call(p, h);

    sli_token tok = advance(p);
    sli_expr *e = new_node(p, SLI_EX_COLUMN, tok.line, tok.col);
    if (!e) return NULL;
    if (!(e->name = sli_token_text(&tok, NULL))) {
        sli_expr_free(e);
        return nomem(p);
    }
    return e;
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
    if (!e || !sli_expr_push(e, a)) {
        if (!e) sli_expr_free(a);
        sli_expr_free(e);
        return nomem(p);
    }
    e->op = op;
    *h = ha + 1;
    return e;
}

static sli_expr *parse_unary(parser *p, int *h)
{
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
        l = wrap3(p, SLI_EX_BINARY, l, r, NULL, *h, &optok);
        if (l) l->op = op;
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

/* @return true when the current token starts a comparison after an operand. */
static bool at_comparison(parser *p)
{
    const sli_token *t = cur(p);
    if (compare_op(t) != SLI_OP_NONE || sli_token_is(t, "between") || sli_token_is(t, "in") ||
        sli_token_is(t, "is"))
        return true;
    return sli_token_is(t, "not") && (sli_token_is(peek(p, 1), "between") || sli_token_is(peek(p, 1), "in"));
}

/* The list of `[not] in (a, b, ...)` with the current token at '('. */
static sli_expr *parse_in_list(parser *p, sli_expr *e, int *h)
{
    if (!expect(p, SLI_TOK_LPAREN, "'(' after 'in'")) {
        sli_expr_free(e);
        return NULL;
    }
    for (;;) {
        int hi;
        sli_expr *item = parse_expr(p, &hi);
        if (!item) {
            sli_expr_free(e);
            return NULL;
        }
        if (!sli_expr_push(e, item)) {
            sli_expr_free(e);
            return nomem(p);
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

/* One comparison after its left operand l (owned). */
static sli_expr *parse_comparison_tail(parser *p, sli_expr *l, int *h)
{
    sli_op op = compare_op(cur(p));
    if (op != SLI_OP_NONE) {
        sli_token optok = advance(p);
        int hr;
        sli_expr *r = parse_level(p, LV_ADD, &hr);
        if (!r) {
            sli_expr_free(l);
            return NULL;
        }
        *h = max_int(*h, hr);
        sli_expr *e = wrap3(p, SLI_EX_BINARY, l, r, NULL, *h, &optok);
        if (e) e->op = op;
        (*h)++;
        return e;
    }
    bool negated = false;
    if (is_kw(p, "not")) {
        advance(p);
        negated = true;
    }
    sli_token kw = advance(p);
    if (sli_token_is(&kw, "between")) {
        int hlo, hhi;
        sli_expr *lo = parse_level(p, LV_ADD, &hlo);
        if (!lo) {
            sli_expr_free(l);
            return NULL;
        }
        if (!is_kw(p, "and")) {
            sli_expr_free(l);
            sli_expr_free(lo);
            return expected(p, "'and' in between ... and ...");
        }
        advance(p);
        sli_expr *hi = parse_level(p, LV_ADD, &hhi);
        if (!hi) {
            sli_expr_free(l);
            sli_expr_free(lo);
            return NULL;
        }
        *h = max_int(*h, max_int(hlo, hhi));
        sli_expr *e = wrap3(p, SLI_EX_BETWEEN, l, lo, hi, *h, &kw);
        if (e) e->negated = negated;
        (*h)++;
        return e;
    }
    if (sli_token_is(&kw, "in")) {
        sli_expr *e = wrap3(p, SLI_EX_IN, l, NULL, NULL, *h, &kw);
        if (!e) return NULL;
        e->negated = negated;
        (*h)++;
        return parse_in_list(p, e, h);
    }
    /* is [not] null */
    if (is_kw(p, "not")) {
        advance(p);
        negated = true;
    }
    if (!is_kw(p, "null")) {
        sli_expr_free(l);
        return expected(p, negated ? "'null' after 'is not'" : "'null' or 'not null' after 'is'");
    }
    advance(p);
    sli_expr *e = wrap3(p, SLI_EX_IS_NULL, l, NULL, NULL, *h, &kw);
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
        return expected(p, "'between' or 'in' after 'not'");
    }
    if (!at_comparison(p)) return l;
    sli_expr *e = parse_comparison_tail(p, l, h);
    if (e && at_comparison(p)) {
        sli_expr_free(e);
        return fail_at(p, cur(p), SL_ERR_SYNTAX,
                       "comparison operators do not chain (use 'and', or parentheses)");
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
    return unary_node(p, &kw, SLI_OP_NOT, a, ha, h);
}

static sli_expr *parse_expr(parser *p, int *h)
{
    if (!enter(p)) return NULL;
    sli_expr *e = parse_level(p, LV_OR, h);
    leave(p);
    return e;
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
        sli_expr *e = wrap3(p, SLI_EX_ALIAS, a, NULL, NULL, h, &name);
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
            return expected(p, "'first' or 'last' after 'nulls'");
        }
        nulls_first = is_kw(p, "first");
        advance(p);
    }
    sli_token at = *cur(p);
    sli_expr *e = wrap3(p, SLI_EX_ORDER, a, NULL, NULL, h, &at);
    if (e) {
        e->desc = desc;
        e->nulls_first = nulls_first;
    }
    return e;
}

/* Appends e to a growing array. Frees e on failure. */
static bool push_expr(parser *p, sli_expr ***list, size_t *n, sli_expr *e)
{
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

sl_status sli_parse_expr_list(sl_context *ctx, const sli_source *src, sli_list_mode mode, sli_expr ***out,
                              size_t *n)
{
    parser ps, *p = &ps;
    init_parser(p, ctx, src);
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

/* ---- plan files ---------------------------------------------------------- */

void sli_pchain_free(sli_pchain *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->nsteps; i++) {
        free(c->steps[i].method);
        sli_pchain_free(c->steps[i].input);
        sli_expr_free_list(c->steps[i].args, c->steps[i].nargs);
    }
    free(c->steps);
    free(c->table);
    free(c->ref);
    free(c);
}

void sli_program_free(sli_program *prog)
{
    if (!prog) return;
    for (size_t i = 0; i < prog->nlets; i++) {
        free(prog->let_names[i]);
        sli_pchain_free(prog->let_chains[i]);
    }
    free(prog->let_names);
    free(prog->let_lines);
    free(prog->let_cols);
    free(prog->let_chains);
    sli_pchain_free(prog->main);
    free(prog);
}

static bool is_order_method(const sli_token *t)
{
    return sli_token_is(t, "orderby") || sli_token_is(t, "order_by") || sli_token_is(t, "sort");
}

static sli_pchain *parse_chain(parser *p);

/* The arguments of a step, with the current token just after its '('. */
static bool parse_step_args(parser *p, sli_pstep *st, bool is_join, sli_list_mode mode)
{
    if (cur(p)->kind == SLI_TOK_RPAREN) {
        advance(p);
        return true;
    }
    for (bool first = true;; first = false) {
        if (first && is_join) {
            if (!(st->input = parse_chain(p))) return false;
        } else {
            sli_expr *e = parse_item(p, mode);
            if (!e || !push_expr(p, &st->args, &st->nargs, e)) return false;
        }
        if (cur(p)->kind != SLI_TOK_COMMA) break;
        advance(p);
    }
    return expect(p, SLI_TOK_RPAREN, "',' or ')'");
}

static bool parse_source(parser *p, sli_pchain *c)
{
    const sli_token *t = cur(p);
    c->line = t->line;
    c->col = t->col;
    if (sli_token_is(t, "table")) {
        advance(p);
        if (!expect(p, SLI_TOK_LPAREN, "'(' after 'table'")) return false;
        sli_tok_kind k = cur(p)->kind;
        if (k != SLI_TOK_STRING && k != SLI_TOK_QIDENT && k != SLI_TOK_IDENT) {
            expected(p, "a table name such as \"lineitem\"");
            return false;
        }
        sli_token name = advance(p);
        if (!(c->table = sli_token_text(&name, NULL))) {
            nomem(p);
            return false;
        }
        return expect(p, SLI_TOK_RPAREN, "')' after the table name");
    }
    if (t->kind != SLI_TOK_IDENT || sli_token_is(t, "let")) {
        expected(p, "table(\"name\") or the name of a let binding");
        return false;
    }
    sli_token name = advance(p);
    if (!(c->ref = sli_token_text(&name, NULL))) {
        nomem(p);
        return false;
    }
    return true;
}

static sli_pchain *parse_chain(parser *p)
{
    if (!enter(p)) return NULL;
    sli_pchain *c = calloc(1, sizeof *c);
    if (!c) {
        leave(p);
        return nomem(p);
    }
    bool ok = parse_source(p, c);
    while (ok && cur(p)->kind == SLI_TOK_DOT) {
        advance(p);
        if (cur(p)->kind != SLI_TOK_IDENT) {
            expected(p, "a method name after '.'");
            ok = false;
            break;
        }
        if (peek(p, 1)->kind != SLI_TOK_LPAREN) {
            char what[96];
            snprintf(what, sizeof what, "'(' after '%.*s'", (int)(cur(p)->len > 40 ? 40 : cur(p)->len),
                     cur(p)->text);
            advance(p);
            expected(p, what);
            ok = false;
            break;
        }
        sli_pstep *ns = realloc(c->steps, (c->nsteps + 1) * sizeof *ns);
        if (!ns) {
            nomem(p);
            ok = false;
            break;
        }
        c->steps = ns;
        sli_pstep *st = &c->steps[c->nsteps++];
        memset(st, 0, sizeof *st);
        sli_token name = advance(p);
        advance(p); /* '(' */
        st->line = name.line;
        st->col = name.col;
        if (!(st->method = sli_token_text(&name, NULL))) {
            nomem(p);
            ok = false;
            break;
        }
        ok = parse_step_args(p, st, sli_token_is(&name, "join"),
                             is_order_method(&name) ? SLI_LIST_ORDER : SLI_LIST_PLAIN);
    }
    leave(p);
    if (!ok) {
        sli_pchain_free(c);
        return NULL;
    }
    return c;
}

/* `let name = chain ;` with the current token at "let". */
static bool parse_let(parser *p, sli_program *prog, size_t *cap)
{
    advance(p);
    const sli_token *t = cur(p);
    if (t->kind != SLI_TOK_IDENT || sli_token_is(t, "let") || sli_token_is(t, "table")) {
        expected(p, "a name after 'let'");
        return false;
    }
    sli_token name = advance(p);
    char *s = sli_token_text(&name, NULL);
    if (!s) {
        nomem(p);
        return false;
    }
    for (size_t i = 0; i < prog->nlets; i++) {
        if (strcmp(prog->let_names[i], s) == 0) {
            fail_at(p, &name, SL_ERR_DUPLICATE, "'%s' is already defined", s);
            free(s);
            return false;
        }
    }
    if (prog->nlets == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        char **nn = realloc(prog->let_names, nc * sizeof *nn);
        if (nn) prog->let_names = nn;
        int *nl = realloc(prog->let_lines, nc * sizeof *nl);
        if (nl) prog->let_lines = nl;
        int *ncol = realloc(prog->let_cols, nc * sizeof *ncol);
        if (ncol) prog->let_cols = ncol;
        sli_pchain **nch = realloc(prog->let_chains, nc * sizeof *nch);
        if (nch) prog->let_chains = nch;
        if (!nn || !nl || !ncol || !nch) {
            free(s);
            nomem(p);
            return false;
        }
        *cap = nc;
    }
    if (!expect(p, SLI_TOK_EQ, "'=' after the let name")) {
        free(s);
        return false;
    }
    sli_pchain *c = parse_chain(p);
    if (!c) {
        free(s);
        return false;
    }
    size_t i = prog->nlets++;
    prog->let_names[i] = s;
    prog->let_lines[i] = name.line;
    prog->let_cols[i] = name.col;
    prog->let_chains[i] = c;
    return expect(p, SLI_TOK_SEMI, "';' after the let binding");
}

sli_program *sli_parse_program(sl_context *ctx, const sli_source *src)
{
    parser ps, *p = &ps;
    init_parser(p, ctx, src);
    sli_program *prog = calloc(1, sizeof *prog);
    if (!prog) {
        nomem(p);
        return NULL;
    }
    size_t cap = 0;
    if (cur(p)->kind == SLI_TOK_EOF) {
        fail_at(p, cur(p), SL_ERR_SYNTAX, "empty plan: expected a chain such as table(\"t\").select(...)");
        goto fail;
    }
    while (is_kw(p, "let"))
        if (!parse_let(p, prog, &cap)) goto fail;
    if (cur(p)->kind == SLI_TOK_EOF) {
        expected(p, "a chain such as table(\"t\").select(...) after the let bindings");
        goto fail;
    }
    if (!(prog->main = parse_chain(p))) goto fail;
    if (cur(p)->kind == SLI_TOK_SEMI) advance(p);
    if (cur(p)->kind != SLI_TOK_EOF) {
        char d[64];
        fail_at(p, cur(p), SL_ERR_SYNTAX, "unexpected %s after the end of the plan",
                sli_token_describe(cur(p), d, sizeof d));
        goto fail;
    }
    return prog;
fail:
    sli_program_free(prog);
    return NULL;
}
