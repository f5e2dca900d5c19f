/*
 * test_parse_expr.c — parser tests of the expression forms added for
 * projections: case (searched and simple), extract(... from ...) and the
 * year/month/day spellings, intervals, [not] like and substring. Shapes are checked through
 * sli_expr_format (which prints a tree so that it parses back to the same
 * tree: checked too), and errors for their status, "<expr>:line:col: ",
 * text and caret line.
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
#include "planner/parse.h"
#include "planner/source.h"
#include "runtime/context.h"

static sli_expr *parse_one(const char *text)
{
    sl_context *ctx = NULL;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sli_source src = {"<expr>", text};
    sli_expr **list = NULL;
    size_t n = 0;
    sl_status s = sli_parse_expr_list(ctx, &src, SLI_LIST_PLAIN, &list, &n);
    if (s != SL_OK) fail_msg("parsing \"%s\" failed: %s", text, sl_context_last_error(ctx));
    assert_int_equal(n, 1);
    sli_expr *e = list[0];
    free(list);
    sl_context_destroy(ctx);
    return e;
}

static char *fmt(const sli_expr *e)
{
    size_t need = sli_expr_format(e, NULL, NULL, 0);
    char *buf = malloc(need + 1);
    assert_non_null(buf);
    assert_int_equal(sli_expr_format(e, NULL, buf, need + 1), need);
    return buf;
}

/* Parses text, checks its printed form, and that the printed form parses
 * back to a tree that prints the same. */
static void check_format(const char *text, const char *want)
{
    sli_expr *e = parse_one(text);
    char *got = fmt(e);
    assert_string_equal(got, want);
    sli_expr *back = parse_one(got);
    char *again = fmt(back);
    assert_string_equal(again, got);
    free(again);
    free(got);
    sli_expr_free(back);
    sli_expr_free(e);
}

/* An expression list that must fail with `needle` at line:col, with the
 * source line and a caret under col. */
static void check_error(const char *text, int line, int col, const char *needle)
{
    sl_context *ctx = NULL;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sli_source src = {"<expr>", text};
    sli_expr **list = NULL;
    size_t n = 99;
    sl_status s = sli_parse_expr_list(ctx, &src, SLI_LIST_PLAIN, &list, &n);
    if (s != SL_ERR_SYNTAX) fail_msg("\"%s\": status %d (%s)", text, s, sl_context_last_error(ctx));
    assert_null(list);
    assert_int_equal(n, 0);
    const char *msg = sl_context_last_error(ctx);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "<expr>:%d:%d: ", line, col);
    if (strncmp(msg, prefix, strlen(prefix)) != 0) fail_msg("\"%s\" lacks prefix \"%s\"", msg, prefix);
    const char *nl = strchr(msg, '\n');
    assert_non_null(nl);
    char first[512];
    snprintf(first, sizeof first, "%.*s", (int)(nl - msg), msg);
    if (!strstr(first, needle)) fail_msg("\"%s\" lacks \"%s\"", first, needle);
    const char *ls = text;
    for (int l = 1; l < line; l++) ls = strchr(ls, '\n') + 1;
    const char *le = strchr(ls, '\n');
    size_t llen = le ? (size_t)(le - ls) : strlen(ls);
    const char *nl2 = strchr(nl + 1, '\n');
    assert_non_null(nl2);
    assert_int_equal((size_t)(nl2 - nl - 1), llen);
    assert_memory_equal(nl + 1, ls, llen);
    const char *caret = nl2 + 1;
    assert_int_equal(strlen(caret), (size_t)col);
    assert_int_equal(caret[col - 1], '^');
    sl_context_destroy(ctx);
}

static void test_case_searched(void **state)
{
    (void)state;
    check_format("case when a > 1 then 'x' when b then 'y' else 'z' end",
                 "case when (a > 1) then 'x' when b then 'y' else 'z' end");
    check_format("CASE WHEN a THEN 1 END", "case when a then 1 end");
    check_format("case when a then b + 1 else -c end * 2", "(case when a then (b + 1) else -c end * 2)");
    /* nested, in conditions and values */
    check_format("case when case when a then true end then case when b then 1 else 2 end end",
                 "case when case when a then true end then case when b then 1 else 2 end end");
    check_format("case when a is null or b not in (1, 2) then x between 1 and 2 end",
                 "case when ((a is null) or (b not in (1, 2))) then x between 1 and 2 end");
    sli_expr *e = parse_one("case when a then 1 when b then 2 else 3 end as k");
    assert_int_equal(e->kind, SLI_EX_ALIAS);
    const sli_expr *c = e->args[0];
    assert_int_equal(c->kind, SLI_EX_CASE);
    assert_int_equal(c->nargs, 5);
    assert_int_equal(c->line, 1);
    assert_int_equal(c->col, 1);
    sli_expr_free(e);
    /* without else: an even number of arguments */
    e = parse_one("case when a then 1 end");
    assert_int_equal(e->nargs, 2);
    sli_expr_free(e);
}

static void test_case_simple(void **state)
{
    (void)state;
    /* the simple form is rewritten to the searched one */
    check_format("case x when 1 then 'a' when 2 then 'b' else 'c' end",
                 "case when (x = 1) then 'a' when (x = 2) then 'b' else 'c' end");
    check_format("case a + b when c * 2 then 1 end", "case when ((a + b) = (c * 2)) then 1 end");
    sli_expr *e = parse_one("case s when 'a' then 1 end");
    assert_int_equal(e->nargs, 2);
    assert_int_equal(e->args[0]->kind, SLI_EX_BINARY);
    assert_int_equal(e->args[0]->op, SLI_OP_EQ);
    assert_string_equal(e->args[0]->args[0]->name, "s");
    sli_expr_free(e);
}

static void test_extract(void **state)
{
    (void)state;
    check_format("extract(year from d)", "year(d)");
    check_format("EXTRACT(Month FROM o_orderdate + 1)", "month((o_orderdate + 1))");
    check_format("extract(day from date '1998-12-01')", "day(date '1998-12-01')");
    check_format("year(d) * 100 + month(d)", "((year(d) * 100) + month(d))");
    sli_expr *e = parse_one("extract(year from d)");
    assert_int_equal(e->kind, SLI_EX_CALL);
    assert_string_equal(e->name, "year");
    assert_int_equal(e->nargs, 1);
    sli_expr_free(e);
    /* extract and interval stay usable as column names when quoted */
    check_format("\"extract\" + \"interval\"", "(\"extract\" + \"interval\")");
    check_format("extract + 1", "(\"extract\" + 1)");
}

static void test_interval(void **state)
{
    (void)state;
    check_format("d + interval '3' month", "(d + interval '3' month)");
    check_format("d - interval 3 months", "(d - interval '3' month)");
    check_format("d + interval '1' YEAR", "(d + interval '1' year)");
    check_format("d + interval '90' day", "(d + interval '90' day)");
    check_format("d + interval '2 days'", "(d + interval '2' day)");
    check_format("d + interval '-2' year", "(d + interval '-2' year)");
    check_format("d + interval -2 month", "(d + interval '-2' month)");
    check_format("date '1995-01-01' + interval '1' year - interval ' 5 day '",
                 "((date '1995-01-01' + interval '1' year) - interval '5' day)");
    sli_expr *e = parse_one("interval '7' month");
    assert_int_equal(e->kind, SLI_EX_INTERVAL);
    assert_int_equal(e->lit.i, 7);
    assert_int_equal(e->unit, SLI_IV_MONTH);
    sli_expr_free(e);
}

static void test_like_substring(void **state)
{
    (void)state;
    check_format("a like 'x%'", "(a like 'x%')");
    check_format("a not like '%it''s_'", "(a not like '%it''s_')");
    check_format("not a like ''", "not ((a like ''))");
    check_format("a + 1 like 'x' or b like 'z'", "(((a + 1) like 'x') or (b like 'z'))");
    check_format("substring(a from 2 for 3)", "substring(a, 2, 3)");
    check_format("SUBSTR(a, -2 * x)", "substring(a, (-2 * x))");
}

static void test_errors(void **state)
{
    (void)state;
    check_error("case a then 1 end", 1, 8, "expected 'when' after the case operand but found 'then'");
    check_error("case end", 1, 6, "expected an expression but found 'end'");
    check_error("case when then 1 end", 1, 11, "expected an expression but found 'then'");
    check_error("case when a 1 end", 1, 13, "expected 'then' after the 'when' condition but found '1'");
    check_error("case when a then 1", 1, 19, "expected 'when', 'else' or 'end' but found end of input");
    check_error("x,\n  case when a then 1 else 2 when b then 3 end", 2, 29,
                "expected 'end' after the 'else' value but found 'when'");
    check_error("case when a then end", 1, 18, "expected an expression but found 'end'");
    check_error("a like 'x' like 'y'", 1, 12, "comparison operators do not chain");
    check_error("a not like", 1, 11, "expected a 'pattern' string after 'like' but found end of input");
    check_error("substring(a, 1, 2, 3)", 1, 18, "expected ')' after the length of substring but found ','");
    check_error("substring(a 1)", 1, 13, "expected 'from' or ',' in substring( but found '1'");
    check_error("extract(hour from d)", 1, 9,
                "cannot extract 'hour' from a date (expected year, month or day)");
    check_error("extract(year d)", 1, 14, "expected 'from' in extract(field from date) but found 'd'");
    check_error("extract('year' from d)", 1, 9, "expected year, month or day in extract(... from date)");
    check_error("extract(year from d", 1, 20, "expected ')' to close extract( but found end of input");
    check_error("d + interval '3' week", 1, 18, "expected day, month or year after the interval's count");
    check_error("d + interval '3'", 1, 17, "expected day, month or year after the interval's count");
    check_error("d + interval 'x' day", 1, 14, "invalid interval 'x'");
    check_error("d + interval '3 weeks'", 1, 14, "invalid interval '3 weeks'");
    check_error("d + interval '1.5' day", 1, 14, "invalid interval '1.5'");
    check_error("d + interval 99999999999 day", 1, 14, "interval out of range");
    check_error("d + interval - x day", 1, 16, "expected a number or a quoted number after 'interval'");
}

/* One expression through the shared parser driven directly (parse.h), in
 * the plan-file or the SQL dialect, with no subquery hook. */
static sli_expr *parse_driven(sl_context *ctx, const char *text, bool sql, sl_status want)
{
    sli_source src = {"<expr>", text};
    sli_parser p;
    sli_parse_init(&p, ctx, &src, sql);
    int h = 0;
    sli_expr *e = sli_parse_expr(&p, &h);
    assert_int_equal(p.status, want);
    if (e) {
        assert_int_equal(sli_parse_cur(&p)->kind, SLI_TOK_EOF);
        assert_true(h >= 1);
    }
    return e;
}

static void test_dialects(void **state)
{
    (void)state;
    sl_context *ctx = NULL;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    /* t.c: a qualified column in SQL; the plan file stops before the '.' */
    sli_expr *e = parse_driven(ctx, "t.c", true, SL_OK);
    assert_non_null(e);
    assert_int_equal(e->kind, SLI_EX_COLUMN);
    assert_string_equal(e->name, "c");
    assert_string_equal(e->lit.s, "t");
    sli_expr_free(e);
    sli_source src = {"<expr>", "t.c"};
    sli_parser p;
    sli_parse_init(&p, ctx, &src, false);
    int h;
    e = sli_parse_expr(&p, &h);
    assert_non_null(e);
    assert_string_equal(e->name, "t");
    assert_null(e->lit.s);
    assert_int_equal(sli_parse_cur(&p)->kind, SLI_TOK_DOT);
    sli_expr_free(e);
    /* count(distinct x) */
    e = parse_driven(ctx, "COUNT(DISTINCT x)", true, SL_OK);
    assert_string_equal(e->name, SLI_SQL_COUNT_DISTINCT);
    assert_int_equal(e->nargs, 1);
    sli_expr_free(e);
    assert_null(parse_driven(ctx, "count(distinct x)", false, SL_ERR_SYNTAX));
    assert_non_null(
        strstr(sl_context_last_error(ctx), "<expr>:1:7: count(distinct ...) is not supported yet"));
    /* SQL's type names in cast; unknown to plan files */
    e = parse_driven(ctx, "cast(a as varchar(25))", true, SL_OK);
    assert_int_equal(e->cast_type.id, SL_TYPE_UTF8);
    sli_expr_free(e);
    assert_null(parse_driven(ctx, "cast(a as varchar(25))", false, SL_ERR_SYNTAX));
    /* the same error, worded for each dialect */
    assert_null(parse_driven(ctx, "a between 1 or 2", false, SL_ERR_SYNTAX));
    assert_non_null(
        strstr(sl_context_last_error(ctx), "expected 'and' in between ... and ... but found 'or'"));
    assert_null(parse_driven(ctx, "a between 1 or 2", true, SL_ERR_SYNTAX));
    assert_non_null(strstr(sl_context_last_error(ctx), "expected AND in BETWEEN ... AND ... but found 'or'"));
    /* like and substring in both dialects: the same trees */
    for (int sql = 0; sql < 2; sql++) {
        e = parse_driven(ctx, "a NOT LIKE 'x%'", sql, SL_OK);
        assert_int_equal(e->kind, SLI_EX_CALL);
        assert_string_equal(e->name, SLI_LIKE);
        assert_true(e->negated);
        assert_int_equal(e->nargs, 2);
        assert_string_equal(e->args[1]->lit.s, "x%");
        sli_expr_free(e);
        e = parse_driven(ctx, "SUBSTRING(a FROM 2 FOR 3)", sql, SL_OK);
        assert_string_equal(e->name, SLI_SUBSTRING);
        assert_int_equal(e->nargs, 3);
        sli_expr_free(e);
        e = parse_driven(ctx, "substr(a, 2)", sql, SL_OK);
        assert_string_equal(e->name, SLI_SUBSTRING);
        assert_int_equal(e->nargs, 2);
        sli_expr_free(e);
    }
    assert_null(parse_driven(ctx, "a like 'x%' escape '!'", true, SL_ERR_UNSUPPORTED));
    assert_non_null(strstr(sl_context_last_error(ctx), "<expr>:1:13: LIKE ... ESCAPE is not supported"));
    assert_null(parse_driven(ctx, "a like 'x%' escape '!'", false, SL_ERR_UNSUPPORTED));
    assert_non_null(strstr(sl_context_last_error(ctx), "<expr>:1:13: 'escape' in like is not supported"));
    assert_null(parse_driven(ctx, "a like b", true, SL_ERR_SYNTAX));
    assert_non_null(strstr(sl_context_last_error(ctx),
                           "<expr>:1:8: expected a 'pattern' string after LIKE but found 'b'"));
    assert_null(parse_driven(ctx, "substring(a for 2)", true, SL_ERR_SYNTAX));
    assert_non_null(strstr(sl_context_last_error(ctx), "<expr>:1:13: expected FROM or ',' in SUBSTRING("));
    assert_null(parse_driven(ctx, "substring(a from 1, 2)", true, SL_ERR_SYNTAX));
    assert_non_null(
        strstr(sl_context_last_error(ctx), "<expr>:1:19: expected FOR or ')' in SUBSTRING(... FROM"));
    /* SQL that sluice does not run, and subqueries without a hook to parse them */
    assert_null(parse_driven(ctx, "a ilike 'x%'", true, SL_ERR_UNSUPPORTED));
    assert_non_null(strstr(sl_context_last_error(ctx), "<expr>:1:3: ILIKE is not supported yet"));
    assert_null(parse_driven(ctx, "not exists (select 1 from t)", true, SL_ERR_UNSUPPORTED));
    assert_non_null(strstr(sl_context_last_error(ctx), "<expr>:1:13: subqueries are not supported"));
    assert_null(parse_driven(ctx, "a in (select 1 from t)", true, SL_ERR_UNSUPPORTED));
    assert_non_null(strstr(sl_context_last_error(ctx), "<expr>:1:7: subqueries are not supported"));
    sl_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_case_searched),  cmocka_unit_test(test_case_simple),
        cmocka_unit_test(test_extract),        cmocka_unit_test(test_interval),
        cmocka_unit_test(test_errors),         cmocka_unit_test(test_dialects),
        cmocka_unit_test(test_like_substring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
