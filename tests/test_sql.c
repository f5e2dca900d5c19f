/*
 * test_sql.c — tests of the SQL front end (planner/sql_parse.c and
 * planner/sql_plan.c): every example query in SQL builds the optimized plan
 * of its plan-file twin (or, where only names differ, the same rows); more
 * SQL forms against their DataFrame twins and against known rows of
 * examples/data; and errors with their status, "sql:line:col:" position and
 * caret line. A last test feeds every prefix of some example queries, which
 * must fail cleanly or plan.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plan_text.h"
#include "planner/sql_ast.h"
#include "sluice/sluice.h"

#define EXAMPLES SLUICE_SOURCE_DIR "/examples"

/* ---- helpers ------------------------------------------------------------- */

static sl_context *data_ctx(void)
{
    sl_context *ctx = NULL;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sl_context_set_threads(ctx, 2);
    if (sl_context_register_dir(ctx, EXAMPLES "/data") != SL_OK)
        fail_msg("cannot register the example data: %s", sl_context_last_error(ctx));
    return ctx;
}

static sl_frame *sql_frame(sl_context *ctx, const char *sql)
{
    sl_frame *f = sl_frame_from_sql(ctx, sql, "sql");
    if (!f) fail_msg("SQL failed: %s\n%s", sql, sl_context_last_error(ctx));
    return f;
}

static sl_frame *plan_frame(sl_context *ctx, const char *plan)
{
    sl_frame *f = sl_frame_from_plan(ctx, plan, "plan");
    if (!f) fail_msg("plan failed: %s\n%s", plan, sl_context_last_error(ctx));
    return f;
}

/* Rows of a SQL query. */
static char *sql_rows(sl_context *ctx, const char *sql)
{
    sl_frame *f = sql_frame(ctx, sql);
    char *t = pt_rows(f, true);
    sl_frame_destroy(f);
    return t;
}

static void expect_rows(sl_context *ctx, const char *sql, const char *want)
{
    char *got = sql_rows(ctx, sql);
    if (strcmp(got, want) != 0) fail_msg("%s\n-- got:\n%s-- want:\n%s", sql, got, want);
    free(got);
}

/* The SQL and the plan file build the same optimized plan and rows. */
static void expect_twin(sl_context *ctx, const char *sql, const char *plan, bool same_text)
{
    sl_frame *a = sql_frame(ctx, sql), *b = plan_frame(ctx, plan);
    if (same_text) {
        char *ea = pt_optimized(a), *eb = pt_optimized(b);
        if (strcmp(ea, eb) != 0) fail_msg("plans differ for\n%s\n-- SQL:\n%s-- plan:\n%s", sql, ea, eb);
        free(ea);
        free(eb);
    }
    char *ra = pt_rows(a, true), *rb = pt_rows(b, true);
    if (strcmp(ra, rb) != 0) fail_msg("rows differ for\n%s\n-- SQL:\n%s-- plan:\n%s", sql, ra, rb);
    free(ra);
    free(rb);
    sl_frame_destroy(a);
    sl_frame_destroy(b);
}

/* The query fails with status s and a message starting with `prefix`
 * (e.g. "sql:1:8: unknown column") followed by the line and a caret. */
static void expect_error(sl_context *ctx, const char *sql, sl_status s, const char *prefix)
{
    sl_frame *f = sl_frame_from_sql(ctx, sql, "sql");
    if (f) fail_msg("expected an error for: %s", sql);
    const char *msg = sl_context_last_error(ctx);
    if (sl_context_last_status(ctx) != s)
        fail_msg("%s\nstatus %s, wanted %s: %s", sql, sl_status_str(sl_context_last_status(ctx)),
                 sl_status_str(s), msg);
    if (strncmp(msg, prefix, strlen(prefix)) != 0)
        fail_msg("%s\nmessage: %s\nwanted prefix: %s", sql, msg, prefix);
    size_t n = strlen(msg);
    if (n < 2 || msg[n - 1] != '^' || !strchr(msg, '\n')) fail_msg("%s\nno caret line in: %s", sql, msg);
}

/* ---- the examples -------------------------------------------------------- */

/* Examples whose SQL names intermediate columns differently from the plan
 * file (the plan computes them in a select before groupBy), so only their
 * rows must agree. */
static const char *const NAMES_DIFFER[] = {"case_extract.sql", NULL};

static void test_examples(void **state)
{
    (void)state;
    sl_context *ctx = data_ctx();
    DIR *d = opendir(EXAMPLES);
    assert_non_null(d);
    struct dirent *de;
    int checked = 0;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 5 || strcmp(de->d_name + n - 4, ".sql") != 0) continue;
        char path[1024], twin[1024];
        snprintf(path, sizeof path, "%s/%s", EXAMPLES, de->d_name);
        snprintf(twin, sizeof twin, "%s/%.*s.plan", EXAMPLES, (int)(n - 4), de->d_name);
        char *sql = pt_read_file(path, true), *plan = pt_read_file(twin, true);
        bool same_text = true;
        for (const char *const *x = NAMES_DIFFER; *x; x++)
            if (strcmp(*x, de->d_name) == 0) same_text = false;
        expect_twin(ctx, sql, plan, same_text);
        free(sql);
        free(plan);
        checked++;
    }
    closedir(d);
    assert_true(checked >= 9);
    sl_context_destroy(ctx);
}

/* ---- more SQL against DataFrame twins ------------------------------------ */

static void test_twins(void **state)
{
    (void)state;
    sl_context *ctx = data_ctx();
    /* comma join in FROM order, its one-table condition below; the optimizer
     * then makes the larger side the probe */
    expect_twin(ctx,
                "SELECT o_orderstatus, count(*) AS n FROM orders, lineitem "
                "WHERE o_orderkey = l_orderkey AND l_quantity > 45 GROUP BY o_orderstatus ORDER BY n DESC",
                "table(\"orders\").join(table(\"lineitem\").where(l_quantity > 45), o_orderkey = l_orderkey)"
                ".groupBy(o_orderstatus).agg(count(*) as n).orderBy(n desc)",
                true);
    /* IN (subquery) is a semi join */
    expect_twin(ctx,
                "select count(*) as n from orders where o_orderkey in "
                "(select l_orderkey from lineitem where l_shipmode = 'AIR');",
                "let a = table(\"lineitem\").where(l_shipmode = 'AIR');"
                "table(\"orders\").join(a, o_orderkey = l_orderkey, 'semi').agg(count(*) as n)",
                true);
    /* an IN over a grouped subquery joins the subquery's result */
    expect_twin(
        ctx,
        "select count(*) as n from orders where o_orderkey in "
        "(select l_orderkey from lineitem group by l_orderkey having count(*) > 5)",
        "let a = table(\"lineitem\").groupBy(l_orderkey).agg(count(*) > 5 as h).where(h).select(l_orderkey);"
        "table(\"orders\").join(a, o_orderkey = l_orderkey, 'semi').agg(count(*) as n)",
        false);
    /* HAVING's aggregates are items named by their text, filtered on; the
     * plan file writing them so gives the same plan */
    expect_twin(ctx,
                "select count(*) as n from orders where o_orderkey in "
                "(select l_orderkey from lineitem group by l_orderkey having count(*) > 5)",
                "let a = table(\"lineitem\").groupBy(l_orderkey).agg(count(*)).where(\"count(*)\" > 5)"
                ".select(l_orderkey);"
                "table(\"orders\").join(a, o_orderkey = l_orderkey, 'semi').agg(count(*) as n)",
                true);
    /* a HAVING aggregate that is a SELECT item is read from that item */
    expect_twin(ctx,
                "select subject, max(result) as best from exams group by subject "
                "having max(result) > 90 and count(*) > 1 order by subject",
                "table(\"exams\").groupBy(subject).agg(max(result) as best, count(*))"
                ".where(best > 90 and \"count(*)\" > 1).orderBy(subject).select(subject, best)",
                true);
    /* a correlated IN is a semi join on both equalities */
    expect_twin(ctx,
                "select count(*) as n from orders o where o_orderkey in "
                "(select l_orderkey from lineitem l where l.l_quantity = o.o_shippriority + 1)",
                "table(\"orders\").join(table(\"lineitem\"), o_orderkey = l_orderkey and "
                "o_shippriority + 1 = l_quantity, 'semi').agg(count(*) as n)",
                true);
    /* aliases, qualified names, expressions, ORDER BY an alias, LIMIT */
    expect_twin(
        ctx,
        "SELECT e.id, e.result * 2 dbl FROM exams AS e WHERE e.subject = 'math' ORDER BY dbl DESC LIMIT 2",
        "table(\"exams\").where(subject = 'math').select(id, result * 2 as dbl).orderBy(dbl desc).limit(2)",
        true);
    /* explicit join with conditions in WHERE on both sides */
    expect_twin(
        ctx,
        "SELECT o_orderpriority, sum(l_quantity) AS q FROM lineitem INNER JOIN orders ON l_orderkey = "
        "o_orderkey WHERE l_shipmode = 'MAIL' AND o_orderstatus = 'F' GROUP BY o_orderpriority "
        "ORDER BY o_orderpriority",
        "table(\"lineitem\").where(l_shipmode = 'MAIL').join(table(\"orders\").where(o_orderstatus = 'F'), "
        "l_orderkey = o_orderkey).groupBy(o_orderpriority).agg(sum(l_quantity) as "
        "q).orderBy(o_orderpriority)",
        true);
    /* sum(a)/sum(b): aggregate, then project */
    expect_twin(
        ctx,
        "SELECT l_returnflag, sum(l_extendedprice * l_discount) / sum(l_extendedprice) AS share "
        "FROM lineitem GROUP BY l_returnflag ORDER BY l_returnflag",
        "table(\"lineitem\").groupBy(l_returnflag)"
        ".agg(sum(l_extendedprice * l_discount) / sum(l_extendedprice) as share).orderBy(l_returnflag)",
        true);
    /* NOT EXISTS with an extra inner condition is an anti join */
    expect_twin(
        ctx,
        "SELECT count(*) AS n FROM orders o WHERE NOT EXISTS "
        "(SELECT * FROM lineitem l WHERE l.l_orderkey = o.o_orderkey AND l.l_quantity > 49)",
        "table(\"orders\").join(table(\"lineitem\").where(l_quantity > 49), o_orderkey = l_orderkey, 'anti')"
        ".agg(count(*) as n)",
        true);
    sl_context_destroy(ctx);
}

/* ---- rows ------------------------------------------------------------------ */

static void test_rows(void **state)
{
    (void)state;
    sl_context *ctx = data_ctx();
    expect_rows(ctx, "select id, result from exams where result > 90 order by result desc",
                "id|result\n8|97\n1|91\n");
    /* keywords in any case, trailing ';', comments */
    expect_rows(ctx, "SeLeCt ID fRoM exams -- a comment\n WHERE id BETWEEN 2 AND 3 oRdEr By id;;",
                "ID\n2\n3\n");
    /* block comments, also over lines; positions after them stay right */
    expect_rows(ctx, "select /* the key */ id from exams /* a\nb */ where id = 4", "id\n4\n");
    expect_error(ctx, "select /* x\n */ idd from exams", SL_ERR_UNKNOWN_COLUMN,
                 "sql:2:5: unknown column 'idd'");
    expect_error(ctx, "select id from exams /* open", SL_ERR_SYNTAX, "sql:1:22: unterminated comment");
    /* IS NULL, IN (list), NOT, OR */
    expect_rows(ctx,
                "select name from exams where result is null or (id in (1, 2) and not subject = 'physics') "
                "order by name",
                "name\nAda\nBrian\nDana\n");
    /* GROUP BY with HAVING over an aggregate not in SELECT, ORDER BY an aggregate not in SELECT */
    expect_rows(ctx,
                "select subject, max(result) as best from exams group by subject "
                "having count(result) >= 3 and min(result) > 50 order by avg(result) desc",
                "subject|best\nchemistry|88\nphysics|97\nmath|91\n");
    /* a HAVING aggregate whose text is the name of another item gets a hidden name */
    expect_rows(ctx,
                "select subject, count(*) as \"max(result)\" from exams group by subject "
                "having max(result) > 90 order by subject",
                "subject|max(result)\nmath|4\nphysics|3\n");
    /* count(*) vs count(x) with NULLs; group by an alias; nulls ordering */
    expect_rows(ctx,
                "select extract(year from taken) as y, count(*) as n, count(result) as r from exams "
                "group by y order by y nulls first",
                "y|n|r\nNULL|1|0\n2026|9|9\n");
    /* DISTINCT, ordinals */
    expect_rows(ctx, "select distinct subject from exams order by 1 desc",
                "subject\nphysics\nmath\nchemistry\n");
    /* ORDER BY a column that is not selected */
    expect_rows(ctx, "select name from exams where subject = 'chemistry' order by result",
                "name\nGoran\nJones, Kim\nFatima\n");
    /* CASE, CAST, dates and intervals at month ends */
    expect_rows(ctx,
                "select case when result >= 80 then 'A' when result >= 60 then 'B' else 'C' end as g, "
                "cast(result as decimal(5,1)) as r, date '2024-01-31' + interval '1' month as d, "
                "taken - interval 12 day as t from exams where id in (1, 5) order by id",
                "g|r|d|t\nA|91.0|2024-02-29|2025-12-31\nC|55.0|2024-02-29|2026-01-01\n");
    /* self join: both sides keep their columns */
    expect_rows(ctx,
                "select a.name, b.name from exams a join exams b on a.subject = b.subject "
                "where a.result > 90 and b.result < a.result order by 1, 2",
                "name|name\nAda|Brian\nAda|Ivan\nHana|Chen\nHana|Emil\n");
    /* three-way comma join with a one-table condition */
    expect_rows(ctx,
                "select a.id, c.name from exams a, exams b, exams c "
                "where a.id = b.id and b.id = c.id and c.result > 90 order by a.id",
                "id|name\n1|Ada\n8|Hana\n");
    /* derived table with an aggregate, filtered outside */
    expect_rows(
        ctx,
        "select t.s, t.m from (select subject as s, max(result) as m from exams group by subject) as t "
        "where t.m > 90 order by t.s",
        "s|m\nmath|91\nphysics|97\n");
    /* LEFT JOIN keeps unmatched rows; a right-only ON condition filters the right side */
    expect_rows(ctx,
                "select a.id, b.result from exams a left join exams b on a.id = b.id and b.result > 90 "
                "where a.id <= 3 order by a.id",
                "id|result\n1|91\n2|NULL\n3|NULL\n");
    /* NOT IN over columns without NULLs; IN over a grouped subquery */
    expect_rows(
        ctx, "select count(*) as n from exams where id not in (select id from exams where subject = 'math')",
        "n\n6\n");
    expect_rows(ctx,
                "select name from exams where subject in (select subject from exams group by subject "
                "having count(*) = 4) order by id",
                "name\nAda\nBrian\nDana\nIvan\n");
    /* empty input to an aggregate: one row */
    expect_rows(ctx, "select count(*) as n, sum(result) as s from exams where id > 100", "n|s\n0|NULL\n");
    /* count(DISTINCT x): NULLs are not counted */
    expect_rows(ctx, "select count(distinct subject) as n from exams where id < 5", "n\n2\n");
    expect_rows(ctx, "select count(distinct result) as n from exams where subject = 'math'", "n\n3\n");
    expect_rows(ctx, "select count(distinct result) as n from exams where id > 100", "n\n0\n");
    expect_rows(ctx,
                "select extract(year from taken) as y, count(distinct subject) as n from exams group by y "
                "having count(distinct subject) > 0 order by y nulls first",
                "y|n\nNULL|1\n2026|3\n");
    /* group key used inside an expression */
    expect_rows(ctx, "select subject, count(*) * 10 as x from exams group by subject order by subject",
                "subject|x\nchemistry|30\nmath|40\nphysics|30\n");
    sl_context_destroy(ctx);
}

/* ---- WITH ---------------------------------------------------------------- */

/* Two queries give the same optimized plan and the same rows. */
static void expect_same(sl_context *ctx, const char *sql, const char *twin)
{
    sl_frame *a = sql_frame(ctx, sql), *b = sql_frame(ctx, twin);
    char *ea = pt_optimized(a), *eb = pt_optimized(b);
    if (strcmp(ea, eb) != 0) fail_msg("plans differ for\n%s\n%s\n-- 1:\n%s-- 2:\n%s", sql, twin, ea, eb);
    char *ra = pt_rows(a, true), *rb = pt_rows(b, true);
    if (strcmp(ra, rb) != 0) fail_msg("rows differ for\n%s\n%s\n-- 1:\n%s-- 2:\n%s", sql, twin, ra, rb);
    free(ea);
    free(eb);
    free(ra);
    free(rb);
    sl_frame_destroy(a);
    sl_frame_destroy(b);
}

#define MATH   "(SELECT id, name, result FROM exams WHERE subject = 'math')"
#define GRADED "(SELECT id, subject, result FROM exams WHERE result IS NOT NULL)"

static void test_with(void **state)
{
    (void)state;
    sl_context *ctx = data_ctx();
    /* one CTE, by its name, qualified by it, and under an alias */
    expect_rows(ctx, "WITH m AS " MATH " SELECT name FROM m WHERE result > 65 ORDER BY id",
                "name\nAda\nIvan\n");
    expect_rows(ctx, "with m as " MATH " select m.name from m where m.result > 65 order by m.id",
                "name\nAda\nIvan\n");
    expect_rows(ctx, "WITH m AS " MATH " SELECT x.* FROM m AS x WHERE x.result > 65 ORDER BY x.id",
                "id|name|result\n1|Ada|91\n9|Ivan|70\n");
    /* a reference is planned exactly as the derived table it names */
    expect_same(ctx, "WITH m AS " MATH " SELECT x.name FROM m x WHERE x.result > 65 ORDER BY x.id",
                "SELECT x.name FROM " MATH " x WHERE x.result > 65 ORDER BY x.id");
    /* the second CTE reads the first; the query joins both */
    expect_rows(ctx,
                "WITH g AS " GRADED ", best AS (SELECT subject, max(result) AS top FROM g GROUP BY subject) "
                "SELECT subject, top FROM best ORDER BY subject",
                "subject|top\nchemistry|88\nmath|91\nphysics|97\n");
    expect_rows(
        ctx,
        "WITH g AS " GRADED ", best AS (SELECT subject, max(result) AS top FROM g GROUP BY subject) "
        "SELECT g.id FROM g, best WHERE g.subject = best.subject AND g.result = best.top ORDER BY g.id",
        "id\n1\n6\n8\n");
    /* one CTE referenced twice: a self-join, explicit and through WHERE */
    expect_rows(ctx,
                "WITH g AS " GRADED " SELECT a.id, b.id FROM g a JOIN g b ON a.subject = b.subject "
                "WHERE a.result > 90 AND b.result < a.result ORDER BY 1, 2",
                "id|id\n1|2\n1|9\n8|3\n8|5\n");
    expect_same(ctx, "WITH g AS " GRADED " SELECT count(*) AS n FROM g a, g b WHERE a.id = b.id",
                "SELECT count(*) AS n FROM " GRADED " a, " GRADED " b WHERE a.id = b.id");
    expect_rows(ctx, "WITH g AS " GRADED " SELECT count(*) AS n FROM g, g h WHERE g.subject = h.subject",
                "n\n27\n");
    /* WITH at the start of a derived table and of a CTE's own query */
    expect_rows(ctx,
                "SELECT t.n FROM (WITH c AS (SELECT subject, count(*) AS n FROM exams GROUP BY subject) "
                "SELECT n FROM c WHERE subject = 'math') t",
                "n\n4\n");
    expect_rows(ctx,
                "WITH a AS (WITH b AS (SELECT id FROM exams WHERE id < 4) SELECT id FROM b WHERE id > 1) "
                "SELECT count(*) AS n FROM a",
                "n\n2\n");
    /* CTEs are in scope in WHERE subqueries and in derived tables */
    expect_rows(ctx, "WITH m AS " MATH " SELECT id FROM exams WHERE id IN (SELECT id FROM m) ORDER BY id",
                "id\n1\n2\n4\n9\n");
    expect_rows(ctx,
                "SELECT id FROM exams WHERE id IN (WITH m AS " MATH " SELECT id FROM m WHERE result > 65) "
                "ORDER BY id",
                "id\n1\n9\n");
    expect_rows(ctx,
                "WITH hi AS (SELECT id FROM exams WHERE result > 80) SELECT e.id FROM exams e "
                "WHERE EXISTS (SELECT 1 FROM hi WHERE hi.id = e.id) ORDER BY e.id",
                "id\n1\n6\n8\n10\n");
    expect_rows(ctx,
                "WITH t AS (SELECT id FROM exams WHERE id <= 3) SELECT count(*) AS n FROM "
                "(SELECT id FROM t WHERE id > 1) u",
                "n\n2\n");
    /* a CTE shadows a table of its name; its own query still reads the table */
    expect_rows(ctx,
                "WITH exams AS (SELECT id, name FROM exams WHERE id <= 2) SELECT count(*) AS n FROM exams",
                "n\n2\n");
    expect_rows(ctx, "WITH orders AS (SELECT id FROM exams) SELECT count(*) AS n FROM orders", "n\n10\n");
    /* nested scopes: an inner CTE shadows an outer one of its name there only */
    expect_rows(ctx,
                "WITH t AS (SELECT id FROM exams WHERE id <= 3) SELECT count(*) AS n FROM t, "
                "(WITH t AS (SELECT id AS k FROM exams WHERE id <= 2) SELECT k FROM t) u WHERE t.id = u.k",
                "n\n2\n");
    /* the tree: the WITH on the block it precedes */
    sli_source src = {"sql", "with a as (select x from t), b as (select y from a) "
                             "select * from (with c as (select 1 as z from u) select z from c) d, b"};
    sli_sql_select *tree = sli_sql_parse(ctx, &src);
    if (!tree) fail_msg("%s", sl_context_last_error(ctx));
    assert_int_equal(tree->nctes, 2);
    assert_string_equal(tree->ctes[0].name, "a");
    assert_string_equal(tree->ctes[1].name, "b");
    assert_int_equal(tree->ctes[1].col, 30);
    assert_string_equal(tree->ctes[1].sub->from[0].table, "a");
    assert_int_equal(tree->nfrom, 2);
    assert_int_equal(tree->from[0].sub->nctes, 1);
    assert_string_equal(tree->from[1].table, "b");
    sli_sql_select_free(tree);
    /* errors */
    expect_error(ctx, "WITH RECURSIVE t AS (SELECT id FROM exams) SELECT id FROM t", SL_ERR_UNSUPPORTED,
                 "sql:1:6: WITH RECURSIVE is not supported");
    expect_error(ctx, "WITH t(a) AS (SELECT id FROM exams) SELECT a FROM t", SL_ERR_UNSUPPORTED,
                 "sql:1:7: column lists after a WITH name");
    expect_error(ctx,
                 "WITH t AS (SELECT id FROM exams), u AS (SELECT id FROM t), T AS (SELECT id FROM exams) "
                 "SELECT id FROM t",
                 SL_ERR_SYNTAX, "sql:1:60: 'T' is defined twice in this WITH clause (first at 1:6)");
    expect_error(ctx, "WITH t (SELECT id FROM exams) SELECT id FROM t", SL_ERR_SYNTAX,
                 "sql:1:8: expected AS after the name of the common table expression");
    expect_error(ctx, "WITH t AS SELECT id FROM exams SELECT id FROM t", SL_ERR_SYNTAX,
                 "sql:1:11: expected '('");
    expect_error(ctx, "WITH t AS (SELECT id FROM exams SELECT id FROM t", SL_ERR_SYNTAX,
                 "sql:1:33: expected ')'");
    expect_error(ctx, "WITH t AS (SELECT id FROM exams) u AS (SELECT id FROM t) SELECT id FROM u",
                 SL_ERR_SYNTAX, "sql:1:34: expected ',' or SELECT");
    expect_error(ctx, "WITH AS (SELECT id FROM exams) SELECT id FROM exams", SL_ERR_SYNTAX,
                 "sql:1:6: expected a name for the common table expression");
    expect_error(ctx, "WITH t AS (SELECT idd FROM exams) SELECT * FROM t", SL_ERR_UNKNOWN_COLUMN,
                 "sql:1:19: unknown column 'idd'");
    expect_error(ctx, "WITH t AS (SELECT id FROM exams) SELECT t.name FROM t", SL_ERR_UNKNOWN_COLUMN,
                 "sql:1:41: table 't' has no column 'name'");
    /* a CTE is not in scope outside its block, nor before its definition */
    expect_error(
        ctx, "SELECT u.id FROM (WITH q AS (SELECT id FROM exams) SELECT id FROM q) u JOIN q ON u.id = q.id",
        SL_ERR_UNKNOWN_TABLE, "sql:1:77: unknown table 'q'");
    expect_error(ctx, "WITH a AS (SELECT id FROM b), b AS (SELECT id FROM exams) SELECT id FROM a",
                 SL_ERR_UNKNOWN_TABLE, "sql:1:27: unknown table 'b'");
    sl_context_destroy(ctx);
}

/* ---- errors ------------------------------------------------------------- */

static void test_errors(void **state)
{
    (void)state;
    sl_context *ctx = data_ctx();
    expect_error(ctx, "SELEC id FROM exams", SL_ERR_SYNTAX, "sql:1:1: expected SELECT");
    expect_error(ctx, "", SL_ERR_SYNTAX, "sql:1:1: empty query");
    expect_error(ctx, "SELECT id FROM exams WHERE", SL_ERR_SYNTAX, "sql:1:27: expected an expression");
    expect_error(ctx, "SELECT id,\n  FROM exams", SL_ERR_SYNTAX, "sql:2:3: expected an expression");
    expect_error(ctx, "SELECT id FROM exams; SELECT 1", SL_ERR_SYNTAX, "sql:1:23: expected one query");
    expect_error(ctx, "SELECT rank() OVER (ORDER BY id) FROM exams", SL_ERR_UNSUPPORTED,
                 "sql:1:8: window functions are not supported");
    expect_error(ctx, "SELECT id FROM exams WHERE name LIKE 'A%' ESCAPE '!'", SL_ERR_UNSUPPORTED,
                 "sql:1:43: LIKE ... ESCAPE is not supported");
    expect_error(ctx, "SELECT id FROM exams WHERE name ILIKE 'A%'", SL_ERR_UNSUPPORTED,
                 "sql:1:33: ILIKE is not supported");
    expect_error(ctx, "SELECT sum(DISTINCT result) FROM exams", SL_ERR_UNSUPPORTED,
                 "sql:1:12: sum(DISTINCT ...) is not supported");
    expect_error(ctx, "SELECT count(DISTINCT subject), count(*) FROM exams", SL_ERR_UNSUPPORTED,
                 "sql:1:1: count(DISTINCT ...) together with other aggregates is not supported");
    expect_error(ctx, "SELECT count(DISTINCT subject), count(DISTINCT id) FROM exams", SL_ERR_UNSUPPORTED,
                 "sql:1:33: count(DISTINCT ...) of different expressions");
    expect_error(ctx, "SELECT * FROM exams a RIGHT JOIN exams b ON a.id = b.id", SL_ERR_UNSUPPORTED,
                 "sql:1:23: RIGHT joins are not supported");
    expect_error(ctx, "SELECT id FROM exams UNION SELECT id FROM exams", SL_ERR_UNSUPPORTED,
                 "sql:1:22: set operations (UNION) are not supported");
    expect_error(ctx, "WITH RECURSIVE t AS (SELECT 1) SELECT * FROM t", SL_ERR_UNSUPPORTED,
                 "sql:1:6: WITH RECURSIVE is not supported");
    expect_error(ctx, "SELECT (SELECT max(id) FROM exams) FROM exams", SL_ERR_UNSUPPORTED,
                 "sql:1:9: scalar subqueries are not supported");
    expect_error(ctx, "SELECT id FROM exams LIMIT 1 OFFSET 2", SL_ERR_UNSUPPORTED,
                 "sql:1:30: OFFSET is not supported");
    expect_error(ctx, "SELECT idd FROM exams", SL_ERR_UNKNOWN_COLUMN, "sql:1:8: unknown column 'idd'");
    expect_error(ctx, "SELECT id\nFROM exams\nWHERE nme = 'x'", SL_ERR_UNKNOWN_COLUMN,
                 "sql:3:7: unknown column 'nme'");
    expect_error(ctx, "SELECT x.id FROM exams e", SL_ERR_UNKNOWN_TABLE,
                 "sql:1:8: unknown table or alias 'x'");
    expect_error(ctx, "SELECT e.idd FROM exams e", SL_ERR_UNKNOWN_COLUMN,
                 "sql:1:8: table 'e' has no column 'idd'");
    expect_error(ctx, "SELECT * FROM examz", SL_ERR_UNKNOWN_TABLE, "sql:1:15: unknown table 'examz'");
    expect_error(ctx, "SELECT id FROM exams a, exams b WHERE a.id = b.id", SL_ERR_AMBIGUOUS,
                 "sql:1:8: column 'id' is ambiguous");
    expect_error(ctx, "SELECT subject, result FROM exams GROUP BY subject", SL_ERR_SYNTAX,
                 "sql:1:17: column 'result' must appear in GROUP BY");
    expect_error(ctx, "SELECT id FROM exams WHERE name > 5", SL_ERR_TYPE, "sql:1:28: type error");
    expect_error(ctx, "SELECT id FROM exams WHERE result NOT IN (SELECT result FROM exams)",
                 SL_ERR_UNSUPPORTED,
                 "sql:1:28: NOT IN (SELECT ...) is only supported when neither side can be NULL");
    expect_error(ctx, "SELECT a.id FROM exams a LEFT JOIN exams b ON a.id = b.id AND a.result > 3",
                 SL_ERR_UNSUPPORTED, "sql:1:63: a LEFT JOIN condition that does not use the joined table");
    expect_error(ctx, "SELECT a.id FROM exams a LEFT JOIN exams b ON a.id < b.id", SL_ERR_UNSUPPORTED,
                 "sql:1:26: ");
    expect_error(ctx, "SELECT a.id FROM exams a, orders o WHERE a.result > 1", SL_ERR_UNSUPPORTED,
                 "sql:1:27: this table is not linked to the other tables");
    expect_error(ctx, "SELECT id FROM exams WHERE id = 1 OR EXISTS (SELECT 1 FROM exams e WHERE e.id = id)",
                 SL_ERR_UNSUPPORTED, "sql:1:38: a subquery must be a condition of its own");
    expect_error(ctx, "SELECT id FROM exams WHERE EXISTS (SELECT 1 FROM orders)", SL_ERR_UNSUPPORTED,
                 "sql:1:28: EXISTS needs a subquery correlated");
    expect_error(ctx, "SELECT id FROM exams ORDER BY 3", SL_ERR_SYNTAX,
                 "sql:1:31: position 3 is not in the select list");
    expect_error(ctx, "SELECT id FROM exams WHERE id IN (SELECT id, name FROM exams)", SL_ERR_SYNTAX,
                 "sql:1:35: the subquery of IN must return one column");
    expect_error(ctx, "SELECT sum(name) FROM exams", SL_ERR_TYPE, "sql:1:8: type error");
    expect_error(ctx, "SELECT id FROM (SELECT id FROM exams)", SL_ERR_SYNTAX, "sql:1:38: expected an alias");
    expect_error(ctx, "SELECT date '2024-02-30' FROM exams", SL_ERR_SYNTAX, "sql:1:13: invalid date");
    sl_context_destroy(ctx);
}

/* Deep nesting fails cleanly instead of exhausting the stack. */
static void test_limits(void **state)
{
    (void)state;
    sl_context *ctx = data_ctx();
    size_t n = 5000;
    char *q = malloc(n * 2 + 64);
    assert_non_null(q);
    strcpy(q, "SELECT ");
    size_t len = strlen(q);
    for (size_t i = 0; i < n; i++) q[len++] = '(';
    q[len++] = '1';
    for (size_t i = 0; i < n; i++) q[len++] = ')';
    strcpy(q + len, " FROM exams");
    expect_error(ctx, q, SL_ERR_SYNTAX, "sql:1:");
    /* a long chain a + a + ... is a deep tree */
    len = (size_t)sprintf(q, "SELECT id");
    for (size_t i = 0; i < 2500 && len + 8 < n * 2; i++) len += (size_t)sprintf(q + len, "+id");
    strcpy(q + len, " FROM exams");
    expect_error(ctx, q, SL_ERR_SYNTAX, "sql:1:");
    free(q);
    sl_context_destroy(ctx);
}

/* Every prefix of every example query fails with a message or plans. */
static void test_prefixes(void **state)
{
    (void)state;
    sl_context *ctx = data_ctx();
    const char *names[] = {"anti_join.sql", "case_extract.sql", "left_join.sql", "top_orders.sql"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", EXAMPLES, names[k]);
        char *sql = pt_read_file(path, true);
        size_t n = strlen(sql);
        for (size_t cut = 0; cut < n; cut++) {
            char *pre = strndup(sql, cut);
            assert_non_null(pre);
            sl_frame *f = sl_frame_from_sql(ctx, pre, "sql");
            if (!f) {
                assert_int_not_equal(sl_context_last_status(ctx), SL_OK);
                assert_true(strncmp(sl_context_last_error(ctx), "sql:", 4) == 0);
            }
            sl_frame_destroy(f);
            free(pre);
        }
        free(sql);
    }
    sl_context_destroy(ctx);
}

/* Each word of some rich queries replaced by an unknown name, or removed:
 * every variant plans or fails with a positioned message, and (under
 * AddressSanitizer) frees what it built on every error path. */
static void test_mutations(void **state)
{
    (void)state;
    sl_context *ctx = data_ctx();
    const char *queries[] = {
        "select a.name, b.name, count(distinct b.id) as n from exams a join exams b on a.subject = b.subject "
        "where a.result > 60 group by a.name, b.name having count(distinct b.id) > 0 order by n desc, 1 "
        "limit 3",
        "select o_orderpriority, count(*) as c from orders o where exists (select 1 from lineitem l where "
        "l.l_orderkey = o.o_orderkey and l_quantity > 40) and o_orderkey not in (select o_orderkey from "
        "orders "
        "where o_orderstatus = 'X') group by o_orderpriority order by c",
        "select t.s, max(t.m) from (select subject as s, result as m from exams where result is not null) t, "
        "exams e left join exams f on e.id = f.id and f.result > 80 where t.m = e.result group by t.s",
        "select case when result between 1 and 50 then 'low' else 'high' end as g, cast(sum(result) as "
        "double) "
        "/ count(*) as avg_r from exams where taken < date '2026-01-13' + interval '1' day group by g order "
        "by g",
        "with g as (select id, subject, result from exams where result is not null), best as (select "
        "subject, max(result) as top from g group by subject) select g.id, b.top from g join best b on "
        "g.subject = b.subject where g.result < b.top and g.id in (select id from g where result > 60) order "
        "by 1",
    };
    for (size_t k = 0; k < sizeof queries / sizeof queries[0]; k++) {
        const char *q = queries[k];
        size_t n = strlen(q);
        for (size_t i = 0; i < n; i++) {
            bool word = (q[i] >= 'a' && q[i] <= 'z') || q[i] == '_';
            bool start =
                i == 0 || !((q[i - 1] >= 'a' && q[i - 1] <= 'z') || q[i - 1] == '_' || q[i - 1] == '.' ||
                            (q[i - 1] >= '0' && q[i - 1] <= '9') || q[i - 1] == '\'');
            if (!word || !start) continue;
            size_t e = i;
            while (e < n && ((q[e] >= 'a' && q[e] <= 'z') || q[e] == '_' || (q[e] >= '0' && q[e] <= '9')))
                e++;
            for (int variant = 0; variant < 2; variant++) {
                char *m = malloc(n + 8);
                assert_non_null(m);
                snprintf(m, n + 8, "%.*s%s%s", (int)i, q, variant ? "" : "zz", q + e);
                sl_frame *f = sl_frame_from_sql(ctx, m, "sql");
                if (!f && strncmp(sl_context_last_error(ctx), "sql:", 4) != 0)
                    fail_msg("%s\nan error without a position: %s", m, sl_context_last_error(ctx));
                sl_frame_destroy(f);
                free(m);
            }
        }
        /* one character removed, or a parenthesis or comma put in */
        for (size_t i = 0; i < n; i++) {
            for (int variant = 0; variant < 3; variant++) {
                char *m = malloc(n + 8);
                assert_non_null(m);
                if (variant == 0)
                    snprintf(m, n + 8, "%.*s%s", (int)i, q, q + i + 1);
                else
                    snprintf(m, n + 8, "%.*s%c%s", (int)i, q, variant == 1 ? '(' : ',', q + i);
                sl_frame *f = sl_frame_from_sql(ctx, m, "sql");
                if (!f && strncmp(sl_context_last_error(ctx), "sql:", 4) != 0)
                    fail_msg("%s\nan error without a position: %s", m, sl_context_last_error(ctx));
                sl_frame_destroy(f);
                free(m);
            }
        }
        sl_frame *f = sql_frame(ctx, q);
        char *rows = pt_rows(f, true);
        free(rows);
        sl_frame_destroy(f);
    }
    sl_context_destroy(ctx);
}

/* The parser alone: the tree of a query. */
static void test_parse_tree(void **state)
{
    (void)state;
    sl_context *ctx = NULL;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sli_source src = {
        "sql", "select distinct a.x as y, t.*, * from t1 a join (select 1 as c from u) t on a.x = t.c, "
               "t3 where exists (select 1 from v where v.k = a.x) group by 1 having count(*) > 1 "
               "order by y desc nulls first limit 7"};
    sli_sql_select *s = sli_sql_parse(ctx, &src);
    if (!s) fail_msg("%s", sl_context_last_error(ctx));
    assert_true(s->distinct);
    assert_int_equal(s->nitems, 3);
    assert_string_equal(s->items[0].alias, "y");
    assert_string_equal(s->items[0].expr->name, "x");
    assert_string_equal(s->items[0].expr->lit.s, "a");
    assert_string_equal(s->items[1].star, "t");
    assert_string_equal(s->items[2].star, "");
    assert_int_equal(s->nfrom, 3);
    assert_string_equal(s->from[0].table, "t1");
    assert_string_equal(s->from[0].alias, "a");
    assert_int_equal(s->from[1].join, SLI_SQL_JOIN_INNER);
    assert_non_null(s->from[1].sub);
    assert_non_null(s->from[1].on);
    assert_int_equal(s->from[2].join, SLI_SQL_JOIN_COMMA);
    assert_int_equal(s->nsubs, 1);
    assert_string_equal(s->where->name, SLI_SQL_EXISTS);
    assert_int_equal(s->ngroup, 1);
    assert_non_null(s->having);
    assert_int_equal(s->norder, 1);
    assert_true(s->order[0]->desc);
    assert_int_equal(s->order[0]->nulls_first, 1);
    assert_true(s->has_limit);
    assert_int_equal(s->limit, 7);
    sli_sql_select_free(s);
    sl_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_examples),  cmocka_unit_test(test_twins),      cmocka_unit_test(test_rows),
        cmocka_unit_test(test_errors),    cmocka_unit_test(test_limits),     cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_mutations), cmocka_unit_test(test_parse_tree), cmocka_unit_test(test_with),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
