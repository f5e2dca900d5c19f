/*
 * test_parse.c — tests of the lexer, the plan-file and expression parser, and
 * the expression helpers (format, clone) and source errors.
 *
 * Shapes are checked on the trees themselves and through sli_expr_format,
 * which prints every binary operator in parentheses. Errors are checked for
 * their status, their "name:line:col: " prefix, their text and the caret
 * line. The fuzz-ish tests feed prefixes and random bytes and only require a
 * status and no crash or leak (run under AddressSanitizer).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "planner/expr.h"
#include "planner/lexer.h"
#include "planner/parse.h"
#include "planner/source.h"
#include "runtime/context.h"
#include "runtime/types.h"

/* ---- helpers ------------------------------------------------------------- */

static sl_context *new_ctx(void)
{
    sl_context *ctx = NULL;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    return ctx;
}

/* Parses text as a plain list and returns its only item. */
static sli_expr *parse_one_mode(const char *text, sli_list_mode mode)
{
    sl_context *ctx = new_ctx();
    sli_source src = {"<expr>", text};
    sli_expr **list = NULL;
    size_t n = 0;
    sl_status s = sli_parse_expr_list(ctx, &src, mode, &list, &n);
    if (s != SL_OK) fail_msg("parsing \"%s\" failed: %s", text, sl_context_last_error(ctx));
    assert_int_equal(n, 1);
    sli_expr *e = list[0];
    free(list);
    sl_context_destroy(ctx);
    return e;
}

static sli_expr *parse_one(const char *text)
{
    return parse_one_mode(text, SLI_LIST_PLAIN);
}

static char fmt_buf[4096];

static const char *fmt(const sli_expr *e)
{
    size_t need = sli_expr_format(e, NULL, fmt_buf, sizeof fmt_buf);
    assert_true(need < sizeof fmt_buf);
    assert_int_equal(strlen(fmt_buf), need);
    return fmt_buf;
}

/* Parses text and checks its formatted form. */
static void check_format(const char *text, const char *want)
{
    sli_expr *e = parse_one(text);
    assert_string_equal(fmt(e), want);
    sli_expr_free(e);
}

/* Checks an error message: "name:line:col: <msg...>", the source line, then a
 * caret under col (source tabs copied, spaces otherwise). */
static void check_message(const char *msg, const char *name, const char *src_text, int line, int col,
                          const char *needle)
{
    char prefix[128];
    snprintf(prefix, sizeof prefix, "%s:%d:%d: ", name, line, col);
    if (strncmp(msg, prefix, strlen(prefix)) != 0)
        fail_msg("message \"%s\" lacks prefix \"%s\"", msg, prefix);
    const char *nl = strchr(msg, '\n');
    size_t first_len = nl ? (size_t)(nl - msg) : strlen(msg);
    char first[1024];
    snprintf(first, sizeof first, "%.*s", (int)first_len, msg);
    if (!strstr(first, needle)) fail_msg("message \"%s\" lacks \"%s\"", first, needle);
    assert_non_null(nl); /* an excerpt follows */
    /* the excerpt is the source line */
    const char *ls = src_text;
    for (int l = 1; l < line; l++) ls = strchr(ls, '\n') + 1;
    const char *le = strchr(ls, '\n');
    size_t llen = le ? (size_t)(le - ls) : strlen(ls);
    const char *ex = nl + 1;
    const char *nl2 = strchr(ex, '\n');
    assert_non_null(nl2);
    assert_int_equal((size_t)(nl2 - ex), llen);
    assert_memory_equal(ex, ls, llen);
    /* the caret line */
    const char *caret = nl2 + 1;
    assert_int_equal(strlen(caret), (size_t)col);
    for (int i = 0; i < col - 1; i++) assert_int_equal(caret[i], ls[i] == '\t' ? '\t' : ' ');
    assert_int_equal(caret[col - 1], '^');
}

/* Parses an expression list that must fail. */
static void check_expr_error(const char *text, sl_status want, int line, int col, const char *needle)
{
    sl_context *ctx = new_ctx();
    sli_source src = {"<expr>", text};
    sli_expr **list = (sli_expr **)&src; /* must be overwritten */
    size_t n = 99;
    sl_status s = sli_parse_expr_list(ctx, &src, SLI_LIST_PLAIN, &list, &n);
    if (s != want) fail_msg("\"%s\": status %d, want %d (%s)", text, s, want, sl_context_last_error(ctx));
    assert_null(list);
    assert_int_equal(n, 0);
    assert_int_equal(sl_context_last_status(ctx), want);
    check_message(sl_context_last_error(ctx), "<expr>", text, line, col, needle);
    sl_context_destroy(ctx);
}

/* Parses a plan that must fail. */
static void check_plan_error(const char *text, sl_status want, int line, int col, const char *needle)
{
    sl_context *ctx = new_ctx();
    sli_source src = {"q.plan", text};
    sli_program *p = sli_parse_program(ctx, &src);
    if (p) fail_msg("\"%s\" parsed", text);
    if (sl_context_last_status(ctx) != want)
        fail_msg("\"%s\": status %d, want %d (%s)", text, sl_context_last_status(ctx), want,
                 sl_context_last_error(ctx));
    check_message(sl_context_last_error(ctx), "q.plan", text, line, col, needle);
    sl_context_destroy(ctx);
}

static sli_program *parse_plan(const char *text)
{
    sl_context *ctx = new_ctx();
    sli_source src = {"q.plan", text};
    sli_program *p = sli_parse_program(ctx, &src);
    if (!p) fail_msg("plan failed: %s", sl_context_last_error(ctx));
    sl_context_destroy(ctx);
    return p;
}

/* ---- lexer --------------------------------------------------------------- */

static void test_lexer_tokens(void **state)
{
    (void)state;
    const char *text = "ab_1 \"q \"\"x\"\"\" 12 1.5 .25 1e3 2.5E-2 'it''s'\n"
                       "( ) , . ; = == <> != < <= > >= + - * / % # comment\n"
                       "  x -- comment\n";
    sli_source src = {"t", text};
    sli_lexer lx;
    sli_lexer_init(&lx, &src);
    static const struct {
        sli_tok_kind kind;
        const char *text;
        int line, col;
    } want[] = {
        {SLI_TOK_IDENT, "ab_1", 1, 1},    {SLI_TOK_QIDENT, "\"q \"\"x\"\"\"", 1, 6},
        {SLI_TOK_INT, "12", 1, 16},       {SLI_TOK_DECIMAL, "1.5", 1, 19},
        {SLI_TOK_DECIMAL, ".25", 1, 23},  {SLI_TOK_FLOAT, "1e3", 1, 27},
        {SLI_TOK_FLOAT, "2.5E-2", 1, 31}, {SLI_TOK_STRING, "'it''s'", 1, 38},
        {SLI_TOK_LPAREN, "(", 2, 1},      {SLI_TOK_RPAREN, ")", 2, 3},
        {SLI_TOK_COMMA, ",", 2, 5},       {SLI_TOK_DOT, ".", 2, 7},
        {SLI_TOK_SEMI, ";", 2, 9},        {SLI_TOK_EQ, "=", 2, 11},
        {SLI_TOK_EQ, "==", 2, 13},        {SLI_TOK_NE, "<>", 2, 16},
        {SLI_TOK_NE, "!=", 2, 19},        {SLI_TOK_LT, "<", 2, 22},
        {SLI_TOK_LE, "<=", 2, 24},        {SLI_TOK_GT, ">", 2, 27},
        {SLI_TOK_GE, ">=", 2, 29},        {SLI_TOK_PLUS, "+", 2, 32},
        {SLI_TOK_MINUS, "-", 2, 34},      {SLI_TOK_STAR, "*", 2, 36},
        {SLI_TOK_SLASH, "/", 2, 38},      {SLI_TOK_PERCENT, "%", 2, 40},
        {SLI_TOK_IDENT, "x", 3, 3},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        sli_token t = sli_lexer_next(&lx);
        assert_int_equal(t.kind, want[i].kind);
        assert_int_equal(t.len, strlen(want[i].text));
        assert_memory_equal(t.text, want[i].text, t.len);
        assert_int_equal(t.line, want[i].line);
        assert_int_equal(t.col, want[i].col);
    }
    sli_token eof = sli_lexer_next(&lx);
    assert_int_equal(eof.kind, SLI_TOK_EOF);
    /* the end of input is placed just after the last token, not on the blank line */
    assert_int_equal(eof.line, 3);
    assert_int_equal(eof.col, 4);
    assert_int_equal(sli_lexer_next(&lx).kind, SLI_TOK_EOF);

    /* decoding of quoted tokens */
    sli_lexer_init(&lx, &src);
    sli_token t = sli_lexer_next(&lx);
    assert_true(sli_token_is(&t, "AB_1"));
    assert_false(sli_token_is(&t, "ab"));
    t = sli_lexer_next(&lx);
    size_t len;
    char *s = sli_token_text(&t, &len);
    assert_string_equal(s, "q \"x\"");
    assert_int_equal(len, 5);
    free(s);
    assert_false(sli_token_is(&t, "q")); /* a quoted identifier is never a keyword */
}

static void test_lexer_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int col;
        const char *msg;
    } cases[] = {
        {"a ! b", 3, "unexpected character '!'"},
        {"a @", 3, "unexpected character '@'"},
        {"x \x01", 3, "unexpected character '\\x01'"},
        {"x \xc3\xa9", 3, "unexpected character '\xc3\xa9'"},
        {"x 'abc", 3, "unterminated string"},
        {"x \"abc", 3, "unterminated quoted identifier"},
        {"12abc", 1, "malformed number '12abc'"},
        {"1e+", 1, "malformed number"},
        {"1.5.3", 1, "malformed number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sli_source src = {"lx", cases[i].text};
        sli_lexer lx;
        sli_lexer_init(&lx, &src);
        sli_token t;
        do t = sli_lexer_next(&lx);
        while (t.kind != SLI_TOK_ERROR && t.kind != SLI_TOK_EOF);
        assert_int_equal(t.kind, SLI_TOK_ERROR);
        assert_int_equal(t.col, cases[i].col);
        assert_int_equal(sli_lexer_next(&lx).kind, SLI_TOK_ERROR); /* sticky */
        sl_context *ctx = new_ctx();
        assert_int_equal(sli_lexer_report(&lx, ctx), SL_ERR_SYNTAX);
        check_message(sl_context_last_error(ctx), "lx", cases[i].text, 1, cases[i].col, cases[i].msg);
        sl_context_destroy(ctx);
    }
}

/* ---- expressions --------------------------------------------------------- */

static void test_precedence(void **state)
{
    (void)state;
    sli_expr *e = parse_one("a + b * c");
    assert_int_equal(e->kind, SLI_EX_BINARY);
    assert_int_equal(e->op, SLI_OP_ADD);
    assert_int_equal(e->nargs, 2);
    assert_int_equal(e->args[0]->kind, SLI_EX_COLUMN);
    assert_string_equal(e->args[0]->name, "a");
    assert_int_equal(e->args[1]->op, SLI_OP_MUL);
    assert_string_equal(e->args[1]->args[0]->name, "b");
    assert_string_equal(e->args[1]->args[1]->name, "c");
    assert_int_equal(e->line, 1);
    assert_int_equal(e->col, 1);
    assert_int_equal(e->args[1]->col, 5);
    sli_expr_free(e);

    e = parse_one("a - b - c"); /* left associative */
    assert_int_equal(e->op, SLI_OP_SUB);
    assert_int_equal(e->args[0]->kind, SLI_EX_BINARY);
    assert_int_equal(e->args[0]->op, SLI_OP_SUB);
    assert_string_equal(e->args[1]->name, "c");
    sli_expr_free(e);

    e = parse_one("a or b and not c = 1");
    assert_int_equal(e->op, SLI_OP_OR);
    assert_int_equal(e->args[1]->op, SLI_OP_AND);
    assert_int_equal(e->args[1]->args[1]->kind, SLI_EX_UNARY);
    assert_int_equal(e->args[1]->args[1]->op, SLI_OP_NOT);
    assert_int_equal(e->args[1]->args[1]->args[0]->op, SLI_OP_EQ);
    sli_expr_free(e);

    check_format("a * b + c / d % e", "((a * b) + ((c / d) % e))");
    check_format("a / b / c", "((a / b) / c)");
    check_format("a and b and c", "((a and b) and c)");
    check_format("a or b or c", "((a or b) or c)");
    check_format("(a + b) * c", "((a + b) * c)");
    check_format("-a * b", "(-a * b)");
    check_format("a * -b", "(a * -b)");
    check_format("- -a", "-(-a)");
    check_format("a + b < c * d", "((a + b) < (c * d))");
    check_format("a = 1 or b <> 2 and c != 3", "((a = 1) or ((b <> 2) and (c <> 3)))");
    check_format("a == 1", "(a = 1)");
    check_format("not a and b", "((not (a)) and b)");
    check_format("not not a", "not (not (a))");
    check_format("NOT a OR B", "((not (a)) or B)");
    check_format("x between 1 and 2 and y", "((x between 1 and 2) and y)");
    check_format("a >= b + 1", "(a >= (b + 1))");
    check_format("a <= 1", "(a <= 1)");
    check_format("a > 1", "(a > 1)");
    check_format("(a < b) = (c < d)", "((a < b) = (c < d))");
}

static void test_literals(void **state)
{
    (void)state;
    sli_expr *e = parse_one("42");
    assert_int_equal(e->kind, SLI_EX_LITERAL);
    assert_int_equal(e->lit.type.id, SL_TYPE_INT64);
    assert_false(e->lit.is_null);
    assert_int_equal(e->lit.i, 42);
    sli_expr_free(e);

    e = parse_one("9223372036854775807");
    assert_int_equal(e->lit.i, INT64_MAX);
    sli_expr_free(e);
    e = parse_one("-9223372036854775808");
    assert_int_equal(e->kind, SLI_EX_LITERAL);
    assert_int_equal(e->lit.type.id, SL_TYPE_INT64);
    assert_true(e->lit.i == INT64_MIN);
    assert_string_equal(fmt(e), "-9223372036854775808");
    sli_expr_free(e);
    e = parse_one("- 7"); /* a minus before a number folds into it */
    assert_int_equal(e->kind, SLI_EX_LITERAL);
    assert_int_equal(e->lit.i, -7);
    sli_expr_free(e);
    e = parse_one("-(7)"); /* but not through parentheses */
    assert_int_equal(e->kind, SLI_EX_UNARY);
    assert_int_equal(e->op, SLI_OP_NEG);
    assert_int_equal(e->args[0]->lit.i, 7);
    sli_expr_free(e);

    e = parse_one("1.25");
    assert_int_equal(e->lit.type.id, SL_TYPE_DECIMAL);
    assert_int_equal(e->lit.type.precision, 3);
    assert_int_equal(e->lit.type.scale, 2);
    assert_int_equal(e->lit.i, 125);
    sli_expr_free(e);
    e = parse_one("-0.05");
    assert_int_equal(e->lit.type.id, SL_TYPE_DECIMAL);
    assert_int_equal(e->lit.type.precision, 2);
    assert_int_equal(e->lit.type.scale, 2);
    assert_int_equal(e->lit.i, -5);
    assert_string_equal(fmt(e), "-0.05");
    sli_expr_free(e);
    e = parse_one(".5");
    assert_int_equal(e->lit.type.precision, 1);
    assert_int_equal(e->lit.type.scale, 1);
    assert_int_equal(e->lit.i, 5);
    assert_string_equal(fmt(e), "0.5");
    sli_expr_free(e);
    e = parse_one("123456789012345.678"); /* 18 digits: still a decimal */
    assert_int_equal(e->lit.type.id, SL_TYPE_DECIMAL);
    assert_int_equal(e->lit.type.precision, 18);
    assert_int_equal(e->lit.type.scale, 3);
    assert_true(e->lit.i == 123456789012345678LL);
    sli_expr_free(e);
    e = parse_one("1234567890123456.789"); /* 19 digits: float64 */
    assert_int_equal(e->lit.type.id, SL_TYPE_FLOAT64);
    assert_true(e->lit.f == 1234567890123456.789);
    sli_expr_free(e);

    e = parse_one("1e3");
    assert_int_equal(e->lit.type.id, SL_TYPE_FLOAT64);
    assert_true(e->lit.f == 1000.0);
    sli_expr_free(e);
    e = parse_one("-2.5E-2");
    assert_int_equal(e->lit.type.id, SL_TYPE_FLOAT64);
    assert_true(e->lit.f == -0.025);
    sli_expr_free(e);

    e = parse_one("'it''s'");
    assert_int_equal(e->lit.type.id, SL_TYPE_UTF8);
    assert_string_equal(e->lit.s, "it's");
    assert_int_equal(e->lit.slen, 4);
    assert_string_equal(fmt(e), "'it''s'");
    sli_expr_free(e);
    e = parse_one("''");
    assert_int_equal(e->lit.type.id, SL_TYPE_UTF8);
    assert_string_equal(e->lit.s, "");
    assert_int_equal(e->lit.slen, 0);
    sli_expr_free(e);

    e = parse_one("DATE '1998-12-01'");
    assert_int_equal(e->lit.type.id, SL_TYPE_DATE32);
    assert_int_equal(e->lit.i, sli_date_from_civil(1998, 12, 1));
    assert_int_equal(e->lit.i, 10561);
    assert_string_equal(fmt(e), "date '1998-12-01'");
    sli_expr_free(e);
    e = parse_one("date"); /* without a string it is a column */
    assert_int_equal(e->kind, SLI_EX_COLUMN);
    assert_string_equal(e->name, "date");
    sli_expr_free(e);

    e = parse_one("TRUE");
    assert_int_equal(e->lit.type.id, SL_TYPE_BOOL);
    assert_int_equal(e->lit.i, 1);
    sli_expr_free(e);
    e = parse_one("false");
    assert_int_equal(e->lit.type.id, SL_TYPE_BOOL);
    assert_int_equal(e->lit.i, 0);
    sli_expr_free(e);
    e = parse_one("null");
    assert_int_equal(e->lit.type.id, SL_TYPE_NULL);
    assert_true(e->lit.is_null);
    assert_string_equal(fmt(e), "null");
    sli_expr_free(e);

    e = parse_one("\"odd \"\"name\"\"\"");
    assert_int_equal(e->kind, SLI_EX_COLUMN);
    assert_string_equal(e->name, "odd \"name\"");
    assert_string_equal(fmt(e), "\"odd \"\"name\"\"\"");
    sli_expr_free(e);
}

static void test_predicates(void **state)
{
    (void)state;
    sli_expr *e = parse_one("x between 1 and y + 2");
    assert_int_equal(e->kind, SLI_EX_BETWEEN);
    assert_false(e->negated);
    assert_int_equal(e->nargs, 3);
    assert_int_equal(e->args[2]->op, SLI_OP_ADD);
    sli_expr_free(e);
    e = parse_one("x NOT BETWEEN 1 AND 2");
    assert_int_equal(e->kind, SLI_EX_BETWEEN);
    assert_true(e->negated);
    assert_string_equal(fmt(e), "x not between 1 and 2");
    sli_expr_free(e);

    e = parse_one("x in (1, 2, 3)");
    assert_int_equal(e->kind, SLI_EX_IN);
    assert_false(e->negated);
    assert_int_equal(e->nargs, 4);
    assert_int_equal(e->args[3]->lit.i, 3);
    sli_expr_free(e);
    e = parse_one("s not in ('a', 'b')");
    assert_true(e->negated);
    assert_int_equal(e->nargs, 3);
    assert_string_equal(fmt(e), "s not in ('a', 'b')");
    sli_expr_free(e);

    e = parse_one("x is null");
    assert_int_equal(e->kind, SLI_EX_IS_NULL);
    assert_false(e->negated);
    sli_expr_free(e);
    e = parse_one("x + 1 is not null");
    assert_int_equal(e->kind, SLI_EX_IS_NULL);
    assert_true(e->negated);
    assert_int_equal(e->args[0]->op, SLI_OP_ADD);
    assert_string_equal(fmt(e), "(x + 1) is not null");
    sli_expr_free(e);

    e = parse_one("not x in (1) and y is null");
    assert_int_equal(e->op, SLI_OP_AND);
    assert_int_equal(e->args[0]->op, SLI_OP_NOT);
    assert_int_equal(e->args[0]->args[0]->kind, SLI_EX_IN);
    sli_expr_free(e);
}

static void test_cast_and_calls(void **state)
{
    (void)state;
    sli_expr *e = parse_one("cast(x as decimal(15, 2))");
    assert_int_equal(e->kind, SLI_EX_CAST);
    assert_int_equal(e->cast_type.id, SL_TYPE_DECIMAL);
    assert_int_equal(e->cast_type.precision, 15);
    assert_int_equal(e->cast_type.scale, 2);
    assert_string_equal(e->args[0]->name, "x");
    assert_string_equal(fmt(e), "cast(x as decimal(15,2))");
    sli_expr_free(e);
    static const struct {
        const char *text;
        sl_type_id id;
    } casts[] = {{"CAST(x AS int64)", SL_TYPE_INT64},
                 {"cast(x as date)", SL_TYPE_DATE32},
                 {"cast(x as varchar)", SL_TYPE_UTF8},
                 {"cast(1 + 2 as Double)", SL_TYPE_FLOAT64}};
    for (size_t i = 0; i < sizeof casts / sizeof casts[0]; i++) {
        e = parse_one(casts[i].text);
        assert_int_equal(e->kind, SLI_EX_CAST);
        assert_int_equal(e->cast_type.id, casts[i].id);
        sli_expr_free(e);
    }

    e = parse_one("count(*)");
    assert_int_equal(e->kind, SLI_EX_CALL);
    assert_string_equal(e->name, "count");
    assert_int_equal(e->nargs, 1);
    assert_int_equal(e->args[0]->kind, SLI_EX_STAR);
    assert_string_equal(fmt(e), "count(*)");
    sli_expr_free(e);
    e = parse_one("SUM(l_extendedprice * (1 - l_discount))");
    assert_int_equal(e->kind, SLI_EX_CALL);
    assert_string_equal(e->name, "sum");
    assert_int_equal(e->nargs, 1);
    assert_string_equal(fmt(e), "sum((l_extendedprice * (1 - l_discount)))");
    sli_expr_free(e);
    e = parse_one("f()");
    assert_int_equal(e->kind, SLI_EX_CALL);
    assert_int_equal(e->nargs, 0);
    sli_expr_free(e);
    e = parse_one("Coalesce(a, b, 0)");
    assert_string_equal(e->name, "coalesce");
    assert_int_equal(e->nargs, 3);
    assert_string_equal(fmt(e), "coalesce(a, b, 0)");
    sli_expr_free(e);
}

static void test_aliases(void **state)
{
    (void)state;
    sl_context *ctx = new_ctx();
    sli_source src = {"<select>", "a + 1 as b, \"x y\" AS \"odd name\", c"};
    sli_expr **list = NULL;
    size_t n = 0;
    assert_int_equal(sli_parse_expr_list(ctx, &src, SLI_LIST_PLAIN, &list, &n), SL_OK);
    assert_int_equal(n, 3);
    assert_int_equal(list[0]->kind, SLI_EX_ALIAS);
    assert_string_equal(list[0]->name, "b");
    assert_int_equal(list[0]->args[0]->op, SLI_OP_ADD);
    assert_int_equal(list[0]->col, 1);
    assert_int_equal(list[1]->kind, SLI_EX_ALIAS);
    assert_string_equal(list[1]->name, "odd name");
    assert_string_equal(list[1]->args[0]->name, "x y");
    assert_int_equal(list[2]->kind, SLI_EX_COLUMN);
    assert_string_equal(fmt(list[0]), "(a + 1) as b");
    assert_string_equal(fmt(list[1]), "\"x y\" as \"odd name\"");
    sli_expr_free_list(list, n);
    sl_context_destroy(ctx);
}

static void test_order_mode(void **state)
{
    (void)state;
    sl_context *ctx = new_ctx();
    sli_source src = {"<order>",
                      "revenue DESC, o_orderdate, a asc nulls first, b desc NULLS LAST, c nulls last"};
    sli_expr **list = NULL;
    size_t n = 0;
    assert_int_equal(sli_parse_expr_list(ctx, &src, SLI_LIST_ORDER, &list, &n), SL_OK);
    assert_int_equal(n, 5);
    static const struct {
        bool desc;
        int nulls_first;
        const char *text;
    } want[] = {{true, -1, "revenue desc"},
                {false, -1, "o_orderdate asc"},
                {false, 1, "a asc nulls first"},
                {true, 0, "b desc nulls last"},
                {false, 0, "c asc nulls last"}};
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(list[i]->kind, SLI_EX_ORDER);
        assert_int_equal(list[i]->nargs, 1);
        assert_int_equal(list[i]->args[0]->kind, SLI_EX_COLUMN);
        assert_int_equal(list[i]->desc, want[i].desc);
        assert_int_equal(list[i]->nulls_first, want[i].nulls_first);
        assert_string_equal(fmt(list[i]), want[i].text);
    }
    sli_expr_free_list(list, n);

    /* formatted sort keys parse back in ORDER mode */
    sli_expr *e = parse_one_mode("x + 1 desc nulls first", SLI_LIST_ORDER);
    assert_string_equal(fmt(e), "(x + 1) desc nulls first");
    sli_expr_free(e);

    /* no alias in a sort key, and no sort direction in a plain list */
    src.text = "a as b";
    list = NULL;
    assert_int_equal(sli_parse_expr_list(ctx, &src, SLI_LIST_ORDER, &list, &n), SL_ERR_SYNTAX);
    assert_null(list);
    check_message(sl_context_last_error(ctx), "<order>", src.text, 1, 3,
                  "an alias is not allowed in a sort key");
    src.text = "a nulls middle";
    assert_int_equal(sli_parse_expr_list(ctx, &src, SLI_LIST_ORDER, &list, &n), SL_ERR_SYNTAX);
    check_message(sl_context_last_error(ctx), "<order>", src.text, 1, 9,
                  "expected 'first' or 'last' after 'nulls' but found 'middle'");
    sl_context_destroy(ctx);
    check_expr_error("a desc", SL_ERR_SYNTAX, 1, 3, "expected ',' or end of input but found 'desc'");
}

/* ---- plan files ---------------------------------------------------------- */

static void test_program(void **state)
{
    (void)state;
    const char *text = "# a TPC-H like plan\n"
                       "let orders = table(\"orders\").where(o_orderdate < date '1995-03-15');\n"
                       "let Cust = table('customer')  -- a comment\n"
                       "    .filter(c_mktsegment = 'BUILDING');\n"
                       "table(\"lineitem\")\n"
                       "  .join(orders.join(Cust, c_custkey = o_custkey), l_orderkey = o_orderkey)\n"
                       "  .groupBy(l_orderkey, o_orderdate)\n"
                       "  .agg(sum(l_extendedprice * (1 - l_discount)) as revenue)\n"
                       "  .orderBy(revenue desc, o_orderdate)\n"
                       "  .limit(10);\n";
    sli_program *p = parse_plan(text);
    assert_int_equal(p->nlets, 2);
    assert_string_equal(p->let_names[0], "orders");
    assert_int_equal(p->let_lines[0], 2);
    assert_int_equal(p->let_cols[0], 5);
    assert_string_equal(p->let_names[1], "Cust");
    assert_int_equal(p->let_lines[1], 3);
    sli_pchain *c = p->let_chains[0];
    assert_string_equal(c->table, "orders");
    assert_null(c->ref);
    assert_int_equal(c->nsteps, 1);
    assert_string_equal(c->steps[0].method, "where");
    assert_int_equal(c->steps[0].nargs, 1);
    assert_int_equal(c->steps[0].args[0]->op, SLI_OP_LT);
    assert_int_equal(c->steps[0].args[0]->args[1]->lit.type.id, SL_TYPE_DATE32);
    c = p->let_chains[1];
    assert_string_equal(c->table, "customer");
    assert_string_equal(c->steps[0].method, "filter");
    assert_int_equal(c->steps[0].line, 4);
    assert_int_equal(c->steps[0].col, 6);

    c = p->main;
    assert_string_equal(c->table, "lineitem");
    assert_int_equal(c->line, 5);
    assert_int_equal(c->col, 1);
    assert_int_equal(c->nsteps, 5);
    sli_pstep *j = &c->steps[0];
    assert_string_equal(j->method, "join");
    assert_non_null(j->input);
    assert_null(j->input->table);
    assert_string_equal(j->input->ref, "orders");
    assert_int_equal(j->input->nsteps, 1);
    assert_string_equal(j->input->steps[0].method, "join");
    assert_string_equal(j->input->steps[0].input->ref, "Cust");
    assert_int_equal(j->input->steps[0].input->nsteps, 0);
    assert_int_equal(j->input->steps[0].nargs, 1);
    assert_int_equal(j->nargs, 1);
    assert_int_equal(j->args[0]->op, SLI_OP_EQ);
    assert_string_equal(c->steps[1].method, "groupBy");
    assert_int_equal(c->steps[1].nargs, 2);
    assert_null(c->steps[1].input);
    assert_string_equal(c->steps[2].method, "agg");
    assert_int_equal(c->steps[2].args[0]->kind, SLI_EX_ALIAS);
    assert_string_equal(c->steps[2].args[0]->name, "revenue");
    assert_int_equal(c->steps[2].args[0]->args[0]->kind, SLI_EX_CALL);
    assert_string_equal(c->steps[3].method, "orderBy");
    assert_int_equal(c->steps[3].nargs, 2);
    assert_int_equal(c->steps[3].args[0]->kind, SLI_EX_ORDER);
    assert_true(c->steps[3].args[0]->desc);
    assert_int_equal(c->steps[3].args[1]->kind, SLI_EX_ORDER);
    assert_false(c->steps[3].args[1]->desc);
    assert_string_equal(c->steps[4].method, "limit");
    assert_int_equal(c->steps[4].nargs, 1);
    assert_int_equal(c->steps[4].args[0]->lit.i, 10);
    assert_int_equal(c->steps[4].line, 10);
    assert_int_equal(c->steps[4].col, 4);
    sli_program_free(p);

    /* no lets, no semicolon, other spellings of sort, unknown methods kept as written */
    p = parse_plan("t.sort(a).order_by(b desc).ORDERBY(c).Frobnicate(d as e).select()");
    assert_int_equal(p->nlets, 0);
    assert_string_equal(p->main->ref, "t");
    assert_int_equal(p->main->nsteps, 5);
    for (size_t i = 0; i < 3; i++) assert_int_equal(p->main->steps[i].args[0]->kind, SLI_EX_ORDER);
    assert_string_equal(p->main->steps[2].method, "ORDERBY");
    assert_string_equal(p->main->steps[3].method, "Frobnicate");
    assert_int_equal(p->main->steps[3].args[0]->kind, SLI_EX_ALIAS);
    assert_int_equal(p->main->steps[4].nargs, 0);
    sli_program_free(p);

    /* an undefined name is left to the planner */
    p = parse_plan("-- only a comment line\n  nowhere . limit(-1)");
    assert_string_equal(p->main->ref, "nowhere");
    assert_int_equal(p->main->line, 2);
    assert_int_equal(p->main->col, 3);
    assert_int_equal(p->main->steps[0].args[0]->lit.i, -1);
    sli_program_free(p);
}

static void test_comments(void **state)
{
    (void)state;
    check_format("a # the first column\n + b -- and the second\n", "(a + b)");
    check_format("a--b", "a");
    check_format("-- leading\n# more\nx", "x");
}

/* ---- helpers: format, clone, round trip ---------------------------------- */

static void test_round_trip(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "a + b * c - d / e % f",
        "-a - -b",
        "- - a",
        "-(1)",
        "-(-(1.5))",
        "not not (a and b or c)",
        "x between -1 and 2.50 + y",
        "(a between 1 and 2) = (b in (1, 2))",
        "x not in (1, 'two', date '2024-02-29', null, true, false)",
        "(x is null) is not null",
        "cast(cast(x as int32) as decimal(18,4))",
        "count(*) + sum(a) * avg(b)",
        "1e300 * 1.5e-7 + 0.1e0 + 123456e0 - 5e-324",
        "-0.0e0",
        "12345678901234567890.5",
        "'a''b' = \"c\"\"d\"",
        "\"select\" + \"1col\" + \"and\" + _ok9",
        "-9223372036854775808 - 9223372036854775807",
        "a <> b and a != c and a <= d and a >= e and a < f and a > g",
        "(a or b) and (c or not d)",
        "f(g(h(1)), 2)",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        sli_expr *e1 = parse_one(texts[i]);
        char *t1 = strdup(fmt(e1));
        sli_expr *e2 = parse_one(t1);
        const char *t2 = fmt(e2);
        if (strcmp(t1, t2) != 0) fail_msg("\"%s\": \"%s\" then \"%s\"", texts[i], t1, t2);
        /* the second parse gives the same tree shape as the first */
        assert_int_equal(e1->kind, e2->kind);
        assert_int_equal(e1->op, e2->op);
        assert_int_equal(e1->nargs, e2->nargs);
        assert_int_equal(e1->lit.type.id, e2->lit.type.id);
        free(t1);
        sli_expr_free(e1);
        sli_expr_free(e2);
    }
    check_format("-(1)", "-(1)");
    check_format("- - a", "-(-a)");
    check_format("1.0", "1.0");
    check_format("1e0", "1e0");
    check_format("2.5e1", "25e0");
    check_format("0.1e0", "0.1e0");
    check_format("1e300", "1e+300");
}

static void test_format_details(void **state)
{
    (void)state;
    /* bound columns print their input's names */
    sli_expr *e = parse_one("a + b");
    e->args[0]->index = 1;
    e->args[1]->index = -1; /* not bound: keeps its own name */
    const char *names[] = {"zero", "one two"};
    char buf[64];
    assert_int_equal(sli_expr_format(e, names, buf, sizeof buf), strlen("(\"one two\" + b)"));
    assert_string_equal(buf, "(\"one two\" + b)");
    /* small buffers: the full length is returned and the text is cut and terminated */
    assert_int_equal(sli_expr_format(e, NULL, buf, 4), 7);
    assert_string_equal(buf, "(a ");
    assert_int_equal(sli_expr_format(e, NULL, NULL, 0), 7);
    sli_expr_free(e);

    /* trees built by hand: a negated literal, NOT under an operator, special floats */
    sli_expr *neg = sli_expr_new(SLI_EX_UNARY, 1, 1);
    assert_int_equal(neg->index, -1);
    assert_int_equal(neg->nulls_first, -1);
    neg->op = SLI_OP_NEG;
    sli_expr *lit = sli_expr_new(SLI_EX_LITERAL, 1, 2);
    lit->lit.type = sli_type(SL_TYPE_INT64);
    lit->lit.i = -3;
    assert_true(sli_expr_push(neg, lit));
    assert_string_equal(fmt(neg), "-(-3)");

    sli_expr *bin = sli_expr_new(SLI_EX_BINARY, 1, 1);
    bin->op = SLI_OP_EQ;
    sli_expr *not = sli_expr_new(SLI_EX_UNARY, 1, 1);
    not ->op = SLI_OP_NOT;
    sli_expr *col = sli_expr_new(SLI_EX_COLUMN, 1, 1);
    col->name = strdup("x");
    assert_true(sli_expr_push(not, col));
    assert_true(sli_expr_push(bin, not ));
    assert_true(sli_expr_push(bin, neg));
    assert_string_equal(fmt(bin), "((not (x)) = -(-3))");
    sli_expr *back = parse_one(fmt(bin));
    assert_string_equal(fmt(back), "((not (x)) = -(-3))");
    sli_expr_free(back);
    sli_expr_free(bin);

    sli_expr *f = sli_expr_new(SLI_EX_LITERAL, 1, 1);
    f->lit.type = sli_type(SL_TYPE_FLOAT64);
    f->lit.f = 1.0 / 0.0;
    assert_string_equal(fmt(f), "cast('inf' as float64)");
    f->lit.f = 0.1;
    assert_string_equal(fmt(f), "0.1e0");
    f->lit.type = sli_decimal(5, 0);
    f->lit.i = 12;
    assert_string_equal(fmt(f), "cast(12 as decimal(5,0))");
    f->lit.type = sli_type(SL_TYPE_INT32);
    f->lit.is_null = true;
    assert_string_equal(fmt(f), "cast(null as int32)");
    sli_expr_free(f);

    assert_string_equal(sli_op_str(SLI_OP_NE), "<>");
    assert_string_equal(sli_op_str(SLI_OP_AND), "and");
    assert_string_equal(sli_op_str(SLI_OP_MOD), "%");
}

static void test_clone(void **state)
{
    (void)state;
    sli_expr *e = parse_one("sum(cast(a as decimal(15,2)) * 'x''y') as \"total\"");
    sli_expr *c = sli_expr_clone(e);
    assert_non_null(c);
    assert_ptr_not_equal(c, e);
    assert_ptr_not_equal(c->name, e->name);
    assert_string_equal(c->name, "total");
    assert_ptr_not_equal(c->args, e->args);
    assert_ptr_not_equal(c->args[0], e->args[0]);
    sli_expr *lit_e = e->args[0]->args[0]->args[1];
    sli_expr *lit_c = c->args[0]->args[0]->args[1];
    assert_ptr_not_equal(lit_c->lit.s, lit_e->lit.s);
    assert_string_equal(lit_c->lit.s, "x'y");
    assert_int_equal(lit_c->lit.slen, 3);
    assert_int_equal(c->args[0]->args[0]->args[0]->cast_type.precision, 15);
    char t1[256];
    snprintf(t1, sizeof t1, "%s", fmt(e));
    sli_expr_free(e); /* the copy does not share anything with the original */
    assert_string_equal(fmt(c), t1);
    assert_string_equal(t1, "sum((cast(a as decimal(15,2)) * 'x''y')) as total");
    sli_expr_free(c);
    assert_null(sli_expr_clone(NULL));
    sli_expr_free(NULL);
    sli_expr_free_list(NULL, 3);
}

/* ---- errors -------------------------------------------------------------- */

static void test_expr_errors(void **state)
{
    (void)state;
    check_expr_error("a = 'abc", SL_ERR_SYNTAX, 1, 5, "unterminated string");
    check_expr_error("a = b ? c", SL_ERR_SYNTAX, 1, 7, "unexpected character '?'");
    check_expr_error("f(a, b", SL_ERR_SYNTAX, 1, 7, "expected ',' or ')' but found end of input");
    check_expr_error("(a + b", SL_ERR_SYNTAX, 1, 7, "expected ')' but found end of input");
    check_expr_error("(a, b)", SL_ERR_SYNTAX, 1, 3, "expected ')' but found ','");
    check_expr_error("a +", SL_ERR_SYNTAX, 1, 4, "expected an expression but found end of input");
    check_expr_error("a * * b", SL_ERR_SYNTAX, 1, 5, "expected an expression but found '*'");
    check_expr_error("a and or b", SL_ERR_SYNTAX, 1, 7, "expected an expression but found 'or'");
    check_expr_error("", SL_ERR_SYNTAX, 1, 1, "expected an expression but found end of input");
    check_expr_error("a,", SL_ERR_SYNTAX, 1, 3, "expected an expression but found end of input");
    check_expr_error("d = date '1998-13-01'", SL_ERR_SYNTAX, 1, 10, "invalid date '1998-13-01'");
    check_expr_error("a < b < c", SL_ERR_SYNTAX, 1, 7, "comparison operators do not chain");
    check_expr_error("a = b is null", SL_ERR_SYNTAX, 1, 7, "comparison operators do not chain");
    check_expr_error("a between 1 and 2 between 3 and 4", SL_ERR_SYNTAX, 1, 19,
                     "comparison operators do not chain");
    check_expr_error("a not b", SL_ERR_SYNTAX, 1, 7, "expected 'between' or 'in' after 'not' but found 'b'");
    check_expr_error("a is nul", SL_ERR_SYNTAX, 1, 6,
                     "expected 'null' or 'not null' after 'is' but found 'nul'");
    check_expr_error("a between 1 or 2", SL_ERR_SYNTAX, 1, 13, "expected 'and' in between");
    check_expr_error("a in 1", SL_ERR_SYNTAX, 1, 6, "expected '(' after 'in' but found '1'");
    check_expr_error("a in ()", SL_ERR_SYNTAX, 1, 7, "expected an expression but found ')'");
    check_expr_error("9223372036854775808", SL_ERR_SYNTAX, 1, 1, "integer literal out of range");
    check_expr_error("-9223372036854775809", SL_ERR_SYNTAX, 1, 2, "integer literal out of range");
    check_expr_error("1e999", SL_ERR_SYNTAX, 1, 1, "float literal out of range");
    check_expr_error("cast(a as blob)", SL_ERR_SYNTAX, 1, 11, "unknown type 'blob'");
    check_expr_error("cast(a as decimal(40,2))", SL_ERR_SYNTAX, 1, 11, "unknown type 'decimal(40,2)'");
    check_expr_error("cast(a, int)", SL_ERR_SYNTAX, 1, 7, "expected 'as' in cast");
    check_expr_error("count(distinct x)", SL_ERR_SYNTAX, 1, 7, "count(distinct ...) is not supported yet");
    check_expr_error("sum(*)", SL_ERR_SYNTAX, 1, 5, "expected an expression but found '*'");
    check_expr_error("a as", SL_ERR_SYNTAX, 1, 5, "expected a name after 'as' but found end of input");
    check_expr_error("a b", SL_ERR_SYNTAX, 1, 3, "expected ',' or end of input but found 'b'");
    check_expr_error("x = 1\n  and y = 'oops", SL_ERR_SYNTAX, 2, 11, "unterminated string");
    check_expr_error("x =\t\t'oops", SL_ERR_SYNTAX, 1, 6, "unterminated string");
    check_expr_error("a + \"\n", SL_ERR_SYNTAX, 1, 5, "unterminated quoted identifier");
    /* the first problem in the text is reported, even when the lexer finds a later one */
    check_expr_error("a b 'x", SL_ERR_SYNTAX, 1, 3, "expected ',' or end of input but found 'b'");
}

static void test_plan_errors(void **state)
{
    (void)state;
    check_plan_error("", SL_ERR_SYNTAX, 1, 1,
                     "empty plan: expected a chain such as table(\"t\").select(...)");
    check_plan_error("  # nothing\n", SL_ERR_SYNTAX, 1, 1, "empty plan");
    check_plan_error("let a = table(\"x\");\nlet a = table(\"y\");\na", SL_ERR_DUPLICATE, 2, 5,
                     "'a' is already defined");
    check_plan_error("table(\"t\").select(a) garbage", SL_ERR_SYNTAX, 1, 22,
                     "unexpected 'garbage' after the end of the plan");
    check_plan_error("table(\"t\");\ntable(\"u\")", SL_ERR_SYNTAX, 2, 1,
                     "unexpected 'table' after the end of the plan");
    check_plan_error("table(\"t\").select(a b)", SL_ERR_SYNTAX, 1, 21, "expected ',' or ')' but found 'b'");
    check_plan_error("table(\"t\").where(a < b < c)", SL_ERR_SYNTAX, 1, 24,
                     "comparison operators do not chain");
    check_plan_error("table(\"t\").select(a", SL_ERR_SYNTAX, 1, 20,
                     "expected ',' or ')' but found end of input");
    check_plan_error("table(\"t\").select", SL_ERR_SYNTAX, 1, 18,
                     "expected '(' after 'select' but found end");
    check_plan_error("table(\"t\").'x'", SL_ERR_SYNTAX, 1, 12,
                     "expected a method name after '.' but found string 'x'");
    check_plan_error("table(\"t\").5", SL_ERR_SYNTAX, 1, 11, "unexpected '.5' after the end of the plan");
    check_plan_error("table(t.x)", SL_ERR_SYNTAX, 1, 8, "expected ')' after the table name but found '.'");
    check_plan_error("table(1)", SL_ERR_SYNTAX, 1, 7, "expected a table name");
    check_plan_error("let = table(\"x\"); a", SL_ERR_SYNTAX, 1, 5,
                     "expected a name after 'let' but found '='");
    check_plan_error("let a table(\"x\"); a", SL_ERR_SYNTAX, 1, 7, "expected '=' after the let name");
    check_plan_error("let a = table(\"x\")\na", SL_ERR_SYNTAX, 2, 1, "expected ';' after the let binding");
    check_plan_error("let a = table(\"x\");", SL_ERR_SYNTAX, 1, 20, "expected a chain such as");
    check_plan_error("(a)", SL_ERR_SYNTAX, 1, 1, "expected table(\"name\") or the name of a let binding");
    check_plan_error("t.where(d = date '2020-02-30')", SL_ERR_SYNTAX, 1, 18, "invalid date '2020-02-30'");
    check_plan_error("t.agg(count(DISTINCT x))", SL_ERR_SYNTAX, 1, 13,
                     "count(distinct ...) is not supported yet");
    check_plan_error("t.join(u.where(a ! b), c)", SL_ERR_SYNTAX, 1, 18, "unexpected character '!'");
    check_plan_error("t.orderBy(a as b)", SL_ERR_SYNTAX, 1, 13, "an alias is not allowed in a sort key");
    /* a tab before the error: the caret line keeps it */
    check_plan_error("t\n\t.select(a +)", SL_ERR_SYNTAX, 2, 13, "expected an expression but found ')'");
}

static char *repeat(const char *s, size_t times, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    char *out = malloc(n * times + m + 1);
    assert_non_null(out);
    for (size_t i = 0; i < times; i++) memcpy(out + i * n, s, n);
    memcpy(out + n * times, tail, m + 1);
    return out;
}

static void test_deep_nesting(void **state)
{
    (void)state;
    sl_context *ctx = new_ctx();
    sli_expr **list = NULL;
    size_t n = 0;
    const char *pieces[][2] = {{"(", "x"}, {"not ", "x"}, {"- ", "x"}, {"f(", "x"}, {"a in (", "x"}};
    for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
        char *text = repeat(pieces[k][0], 10000, pieces[k][1]);
        sli_source src = {"<deep>", text};
        assert_int_equal(sli_parse_expr_list(ctx, &src, SLI_LIST_PLAIN, &list, &n), SL_ERR_SYNTAX);
        assert_non_null(strstr(sl_context_last_error(ctx), "expression nested too deeply"));
        assert_non_null(strstr(sl_context_last_error(ctx), "<deep>:1:"));
        free(text);
    }
    /* long flat chains make deep trees too */
    char *text = repeat("a + ", 100000, "a");
    sli_source src = {"<deep>", text};
    assert_int_equal(sli_parse_expr_list(ctx, &src, SLI_LIST_PLAIN, &list, &n), SL_ERR_SYNTAX);
    assert_non_null(strstr(sl_context_last_error(ctx), "expression nested too deeply"));
    free(text);
    /* nested joins */
    text = repeat("t.join(", 5000, "u");
    src.text = text;
    assert_null(sli_parse_program(ctx, &src));
    assert_non_null(strstr(sl_context_last_error(ctx), "expression nested too deeply"));
    free(text);
    /* but moderate nesting is fine */
    text = repeat("(", 100, "x");
    char *full = malloc(strlen(text) + 101);
    strcpy(full, text);
    for (int i = 0; i < 100; i++) strcat(full, ")");
    src.text = full;
    assert_int_equal(sli_parse_expr_list(ctx, &src, SLI_LIST_PLAIN, &list, &n), SL_OK);
    assert_int_equal(n, 1);
    assert_string_equal(list[0]->name, "x");
    sli_expr_free_list(list, n);
    free(full);
    free(text);
    /* and a long but not too long flat list is fine */
    text = repeat("a + ", 1000, "a");
    src.text = text;
    assert_int_equal(sli_parse_expr_list(ctx, &src, SLI_LIST_PLAIN, &list, &n), SL_OK);
    sli_expr_free_list(list, n);
    free(text);
    sl_context_destroy(ctx);
}

static void test_source_error(void **state)
{
    (void)state;
    sl_context *ctx = new_ctx();
    sli_source src = {"f.plan", "one\ntwo\tx\nthree"};
    assert_int_equal(sli_source_error(ctx, SL_ERR_TYPE, &src, 2, 5, "bad %s", "thing"), SL_ERR_TYPE);
    assert_int_equal(sl_context_last_status(ctx), SL_ERR_TYPE);
    assert_string_equal(sl_context_last_error(ctx), "f.plan:2:5: bad thing\ntwo\tx\n   \t^");
    /* a line past the text: no excerpt */
    sli_source_error(ctx, SL_ERR_SYNTAX, &src, 7, 1, "far");
    assert_string_equal(sl_context_last_error(ctx), "f.plan:7:1: far");
    /* no name */
    sli_source anon = {NULL, "x"};
    sli_source_error(ctx, SL_ERR_SYNTAX, &anon, 1, 2, "end");
    assert_string_equal(sl_context_last_error(ctx), "<input>:1:2: end\nx\n ^");
    /* a very long line is cut around the column */
    char *line = repeat("abcdefghij", 100, "");
    sli_source big = {"big", line};
    sli_source_error(ctx, SL_ERR_SYNTAX, &big, 1, 501, "here");
    const char *msg = sl_context_last_error(ctx);
    assert_true(strncmp(msg, "big:1:501: here\n...", 19) == 0);
    const char *caret = strrchr(msg, '\n') + 1;
    const char *excerpt = strchr(msg, '\n') + 1;
    size_t at = strlen(caret) - 1;
    assert_int_equal(caret[at], '^');
    assert_int_equal(excerpt[at], line[500]);
    assert_true(strlen(caret) < 100);
    free(line);
    /* a NULL context is allowed */
    assert_int_equal(sli_source_error(NULL, SL_ERR_SYNTAX, &src, 1, 1, "x"), SL_ERR_SYNTAX);
    sl_context_destroy(ctx);
}

/* ---- robustness ---------------------------------------------------------- */

static const char *const fuzz_plan = "let o = table(\"orders\").where(o_orderdate < date '1995-03-15' and "
                                     "o_x not in (1, 2.5, -3e2, 'a''b'));\n"
                                     "table(\"lineitem\") # c\n .join(o, l_orderkey = o_orderkey)\n"
                                     "  .groupBy(l_orderkey).agg(sum(cast(l_x as decimal(15,2))) as \"r v\", "
                                     "count(*) as n)\n  .orderBy(r desc nulls first, n).limit(10);\n";

static uint32_t next_rand(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 16;
}

/* Appends a random expression in the grammar (not always a valid one: operators
 * are mixed without parentheses, so chained comparisons and the like occur). */
static void gen_expr(char *buf, size_t cap, uint32_t *seed, int depth)
{
    static const char *const leaves[] = {
        "a",    "b_1",   "\"q x\"", "0",       "42",  "-7",      "1.25",
        "-0.5", ".75",   "1e3",     "-2.5e-3", "'s'", "'it''s'", "date '2024-02-29'",
        "true", "false", "null",    "count(*)"};
    static const char *const binops[] = {" + ", " - ",  " * ", " / ",  " % ",   " = ", " <> ",
                                         " < ", " <= ", " > ", " >= ", " and ", " or "};
    size_t len = strlen(buf);
    if (len + 80 >= cap || depth <= 0 || next_rand(seed) % 4 == 0) {
        snprintf(buf + len, cap - len, "%s", leaves[next_rand(seed) % (sizeof leaves / sizeof leaves[0])]);
        return;
    }
    switch (next_rand(seed) % 10) {
    case 0:
    case 1:
    case 2:
        gen_expr(buf, cap, seed, depth - 1);
        strncat(buf, binops[next_rand(seed) % (sizeof binops / sizeof binops[0])], cap - strlen(buf) - 1);
        gen_expr(buf, cap, seed, depth - 1);
        break;
    case 3:
        strncat(buf, "(", cap - len - 1);
        gen_expr(buf, cap, seed, depth - 1);
        strncat(buf, ")", cap - strlen(buf) - 1);
        break;
    case 4:
        strncat(buf, next_rand(seed) % 2 ? "not " : "- ", cap - len - 1);
        gen_expr(buf, cap, seed, depth - 1);
        break;
    case 5:
        gen_expr(buf, cap, seed, depth - 1);
        strncat(buf, next_rand(seed) % 2 ? " between " : " not between ", cap - strlen(buf) - 1);
        gen_expr(buf, cap, seed, depth - 1);
        strncat(buf, " and ", cap - strlen(buf) - 1);
        gen_expr(buf, cap, seed, depth - 1);
        break;
    case 6:
        gen_expr(buf, cap, seed, depth - 1);
        strncat(buf, next_rand(seed) % 2 ? " in (" : " not in (", cap - strlen(buf) - 1);
        gen_expr(buf, cap, seed, depth - 1);
        strncat(buf, ", ", cap - strlen(buf) - 1);
        gen_expr(buf, cap, seed, depth - 1);
        strncat(buf, ")", cap - strlen(buf) - 1);
        break;
    case 7:
        gen_expr(buf, cap, seed, depth - 1);
        strncat(buf, next_rand(seed) % 2 ? " is null" : " is not null", cap - strlen(buf) - 1);
        break;
    case 8:
        strncat(buf, "cast(", cap - len - 1);
        gen_expr(buf, cap, seed, depth - 1);
        strncat(buf, next_rand(seed) % 2 ? " as decimal(12,3))" : " as int32)", cap - strlen(buf) - 1);
        break;
    default:
        strncat(buf, "F(", cap - len - 1);
        gen_expr(buf, cap, seed, depth - 1);
        strncat(buf, ", ", cap - strlen(buf) - 1);
        gen_expr(buf, cap, seed, depth - 1);
        strncat(buf, ")", cap - strlen(buf) - 1);
        break;
    }
}

/* Random expressions that parse must format to text that parses to the same
 * text and the same tree (compared through a second formatting). */
static void test_random_round_trip(void **state)
{
    (void)state;
    sl_context *ctx = new_ctx();
    uint32_t seed = 777;
    int parsed = 0, compound = 0;
    for (int iter = 0; iter < 5000; iter++) {
        char text[2048] = "";
        gen_expr(text, sizeof text, &seed, 6);
        sli_source src = {"gen", text};
        sli_expr **l1 = NULL;
        size_t n1 = 0;
        if (sli_parse_expr_list(ctx, &src, SLI_LIST_PLAIN, &l1, &n1) != SL_OK) {
            assert_int_equal(sl_context_last_status(ctx), SL_ERR_SYNTAX);
            continue;
        }
        assert_int_equal(n1, 1);
        parsed++;
        if (l1[0]->nargs > 0) compound++;
        size_t need = sli_expr_format(l1[0], NULL, NULL, 0);
        char *t1 = malloc(need + 1);
        assert_non_null(t1);
        assert_int_equal(sli_expr_format(l1[0], NULL, t1, need + 1), need);
        sli_source s2 = {"again", t1};
        sli_expr **l2 = NULL;
        size_t n2 = 0;
        if (sli_parse_expr_list(ctx, &s2, SLI_LIST_PLAIN, &l2, &n2) != SL_OK)
            fail_msg("\"%s\" formatted as \"%s\" does not parse: %s", text, t1, sl_context_last_error(ctx));
        char *t2 = malloc(need + 1);
        assert_non_null(t2);
        if (sli_expr_format(l2[0], NULL, t2, need + 1) != need || strcmp(t1, t2) != 0)
            fail_msg("\"%s\": \"%s\" then \"%s\"", text, t1, t2);
        /* a clone formats the same */
        sli_expr *c = sli_expr_clone(l1[0]);
        assert_non_null(c);
        assert_int_equal(sli_expr_format(c, NULL, t2, need + 1), need);
        assert_string_equal(t1, t2);
        sli_expr_free(c);
        free(t1);
        free(t2);
        sli_expr_free_list(l1, n1);
        sli_expr_free_list(l2, n2);
    }
    /* the generator must reach the interesting cases */
    assert_true(parsed > 1000);
    assert_true(compound > 500);
    sl_context_destroy(ctx);
}

static void test_fuzz(void **state)
{
    (void)state;
    sl_context *ctx = new_ctx();
    size_t len = strlen(fuzz_plan);
    char *buf = malloc(len + 1);
    assert_non_null(buf);
    int ok = 0;
    for (size_t cut = 0; cut <= len; cut++) {
        memcpy(buf, fuzz_plan, cut);
        buf[cut] = 0;
        sli_source src = {"prefix", buf};
        sli_program *p = sli_parse_program(ctx, &src);
        if (p) {
            ok++;
            sli_program_free(p);
        } else {
            sl_status s = sl_context_last_status(ctx);
            assert_true(s == SL_ERR_SYNTAX || s == SL_ERR_DUPLICATE);
            assert_true(strncmp(sl_context_last_error(ctx), "prefix:", 7) == 0);
        }
        sli_expr **list = NULL;
        size_t n = 0;
        sl_status s = sli_parse_expr_list(ctx, &src, cut % 2 ? SLI_LIST_ORDER : SLI_LIST_PLAIN, &list, &n);
        assert_true(s == SL_OK || s == SL_ERR_SYNTAX);
        sli_expr_free_list(list, n);
    }
    assert_true(ok >= 2); /* the whole plan, with and without its last ';' */

    /* random bytes, and random tokens from the grammar's alphabet */
    static const char *const words[] = {"(",
                                        ")",
                                        ",",
                                        ".",
                                        ";",
                                        "=",
                                        "<>",
                                        "<",
                                        "+",
                                        "-",
                                        "*",
                                        "/",
                                        "and",
                                        "or",
                                        "not",
                                        "between",
                                        "in",
                                        "is",
                                        "null",
                                        "as",
                                        "desc",
                                        "nulls",
                                        "first",
                                        "let",
                                        "table",
                                        "join",
                                        "cast",
                                        "date",
                                        "'1998-01-01'",
                                        "x",
                                        "\"q\"",
                                        "1",
                                        "2.5",
                                        "1e3",
                                        "count",
                                        "sum",
                                        "select",
                                        "orderBy",
                                        "'s'",
                                        "#c\n",
                                        " "};
    uint32_t seed = 12345;
    char rnd[256];
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = 0;
        seed = seed * 1103515245u + 12345u;
        size_t want = (seed >> 16) % 120;
        if (iter % 2 == 0) {
            for (; n < want; n++) {
                seed = seed * 1103515245u + 12345u;
                char c = (char)((seed >> 16) & 0xff);
                rnd[n] = c ? c : ' ';
            }
        } else {
            while (n < want) {
                seed = seed * 1103515245u + 12345u;
                const char *w = words[(seed >> 16) % (sizeof words / sizeof words[0])];
                size_t wl = strlen(w);
                if (n + wl + 1 >= sizeof rnd) break;
                memcpy(rnd + n, w, wl);
                n += wl;
                rnd[n++] = ' ';
            }
        }
        rnd[n] = 0;
        sli_source src = {"rnd", rnd};
        sli_program *p = sli_parse_program(ctx, &src);
        if (!p) assert_true(sl_context_last_status(ctx) != SL_OK);
        sli_program_free(p);
        sli_expr **list = NULL;
        size_t cnt = 0;
        sl_status s =
            sli_parse_expr_list(ctx, &src, iter % 3 == 0 ? SLI_LIST_ORDER : SLI_LIST_PLAIN, &list, &cnt);
        if (s == SL_OK) {
            /* whatever parses formats to text that parses to the same text */
            for (size_t i = 0; i < cnt; i++) {
                size_t need = sli_expr_format(list[i], NULL, NULL, 0);
                char *t1 = malloc(need + 1);
                sli_expr_format(list[i], NULL, t1, need + 1);
                sli_source s2 = {"again", t1};
                sli_expr **l2 = NULL;
                size_t n2 = 0;
                if (sli_parse_expr_list(ctx, &s2, iter % 3 == 0 ? SLI_LIST_ORDER : SLI_LIST_PLAIN, &l2,
                                        &n2) != SL_OK)
                    fail_msg("\"%s\" formatted as \"%s\" does not parse: %s", rnd, t1,
                             sl_context_last_error(ctx));
                assert_int_equal(n2, 1);
                char *t2 = malloc(need + 1);
                assert_int_equal(sli_expr_format(l2[0], NULL, t2, need + 1), need);
                assert_string_equal(t1, t2);
                free(t1);
                free(t2);
                sli_expr_free_list(l2, n2);
            }
        } else {
            assert_int_equal(s, SL_ERR_SYNTAX);
            assert_null(list);
        }
        sli_expr_free_list(list, cnt);
    }
    free(buf);
    sl_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lexer_tokens), cmocka_unit_test(test_lexer_errors),
        cmocka_unit_test(test_precedence),   cmocka_unit_test(test_literals),
        cmocka_unit_test(test_predicates),   cmocka_unit_test(test_cast_and_calls),
        cmocka_unit_test(test_aliases),      cmocka_unit_test(test_order_mode),
        cmocka_unit_test(test_program),      cmocka_unit_test(test_comments),
        cmocka_unit_test(test_round_trip),   cmocka_unit_test(test_format_details),
        cmocka_unit_test(test_clone),        cmocka_unit_test(test_expr_errors),
        cmocka_unit_test(test_plan_errors),  cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_source_error), cmocka_unit_test(test_random_round_trip),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
