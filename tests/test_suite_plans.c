/*
 * test_suite_plans.c — the benchmark query suites (bench/queries/tpch and
 * bench/queries/ssb): every query written both as SQL (qN.sql) and as a plan
 * file (qN.plan) must build the same optimized and physical plan, compared
 * as test_sql.c compares the examples (the EXPLAIN text from "== Optimized
 * plan ==" on). The tables are those of the generators (io/gen_*.c) at SF
 * 0.01, made in memory and registered on the context, so the row estimates
 * that order the joins are the generated tables'. The plan files join their
 * tables in the SQL's FROM order, as the SQL planner does, and the optimizer
 * orders both the same way.
 *
 * A query whose two forms plan differently for a reason that is not a
 * mistake in either file is listed in KNOWN_DIFFERENT with that reason. Its
 * forms must still give the same rows, and its plans must still differ: a
 * listed query whose plans agree fails, so that its entry is removed.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "io/gen.h"
#include "plan_text.h"
#include "runtime/context.h"
#include "sluice/sluice.h"

#define QUERIES SLUICE_SOURCE_DIR "/bench/queries"

/* ---- known differences --------------------------------------------------- */

typedef struct known {
    const char *suite, *query, *reason;
} known;

/* Entries {suite, query, reason}; a NULL suite ends the list, which may
 * hold nothing else. */
static const known KNOWN_DIFFERENT[] = {
    {NULL, NULL, NULL},
};

static const known *known_difference(const char *suite, const char *query)
{
    for (const known *k = KNOWN_DIFFERENT; k->suite; k++)
        if (strcmp(k->suite, suite) == 0 && strcmp(k->query, query) == 0) return k;
    return NULL;
}

/* ---- data ---------------------------------------------------------------- */

static sl_status register_table(sl_context *ctx, const sli_team *team, sli_table *t, bool first, bool last,
                                void *arg)
{
    (void)team, (void)arg;
    assert_true(first && last); /* whole tables */
    return sli_context_add_table(ctx, t);
}

/* A context holding the tables of one benchmark at SF 0.01. */
static sl_context *suite_ctx(sli_gen_bench bench)
{
    sl_context *ctx = NULL;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sl_context_set_threads(ctx, 2);
    sli_gen_options o;
    memset(&o, 0, sizeof o);
    o.bench = bench;
    o.sf = 0.01;
    o.seed = 1; /* what `sluice gen` uses */
    o.threads = 2;
    if (sli_gen_run(ctx, &o, NULL, register_table, NULL) != SL_OK)
        fail_msg("cannot generate the tables: %s", sl_context_last_error(ctx));
    return ctx;
}

/* ---- helpers ------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The query names (file names without ".sql") of dir that have a .plan twin, sorted. */
static size_t twin_names(const char *dir, char ***out)
{
    DIR *d = opendir(dir);
    if (!d) fail_msg("cannot open %s", dir);
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".sql") != 0) continue;
        char twin[1024];
        int w = snprintf(twin, sizeof twin, "%s/%.*s.plan", dir, (int)(len - 4), de->d_name);
        if (w < 0 || (size_t)w >= sizeof twin) continue; /* a path too long for the buffer is no twin here */
        FILE *f = fopen(twin, "rb");
        if (!f) continue;
        fclose(f);
        names = realloc(names, (n + 1) * sizeof *names);
        assert_non_null(names);
        names[n] = strndup(de->d_name, len - 4);
        assert_non_null(names[n++]);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    *out = names;
    return n;
}

/* ---- the suites ---------------------------------------------------------- */

/* Checks every query of bench/queries/<suite>; @return how many gave the same plan. */
static size_t check_suite(const char *suite, sli_gen_bench bench, size_t *nqueries)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", QUERIES, suite);
    char **names = NULL;
    size_t n = twin_names(dir, &names);
    sl_context *ctx = suite_ctx(bench);
    size_t same = 0, failures = 0;
    for (size_t i = 0; i < n; i++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s.sql", dir, names[i]);
        char *sql = pt_read_file(path, false);
        snprintf(path, sizeof path, "%s/%s.plan", dir, names[i]);
        char *plan = pt_read_file(path, false);
        assert_non_null(sql);
        assert_non_null(plan);
        sl_frame *a = sl_frame_from_sql(ctx, sql, "sql");
        if (!a) fail_msg("%s/%s.sql: %s", suite, names[i], sl_context_last_error(ctx));
        sl_frame *b = sl_frame_from_plan(ctx, plan, "plan");
        if (!b) fail_msg("%s/%s.plan: %s", suite, names[i], sl_context_last_error(ctx));
        char *ea = pt_optimized(a), *eb = pt_optimized(b);
        bool equal = strcmp(ea, eb) == 0;
        const known *k = known_difference(suite, names[i]);
        if (equal && !k) {
            same++;
        } else if (equal) {
            print_error("%s/%s: the SQL and the plan file now give the same plan; remove its entry from "
                        "KNOWN_DIFFERENT\n",
                        suite, names[i]);
            failures++;
        } else if (!k) {
            print_error("%s/%s: the SQL and the plan file give different plans\n-- SQL:\n%s-- plan:\n%s",
                        suite, names[i], ea, eb);
            failures++;
        } else {
            char *ra = pt_rows(a, false), *rb = pt_rows(b, false);
            if (strcmp(ra, rb) != 0) {
                print_error("%s/%s (listed: %s): the rows differ\n-- SQL:\n%s-- plan:\n%s", suite, names[i],
                            k->reason, ra, rb);
                failures++;
            }
            free(ra);
            free(rb);
        }
        free(ea);
        free(eb);
        sl_frame_destroy(a);
        sl_frame_destroy(b);
        free(sql);
        free(plan);
        free(names[i]);
    }
    free(names);
    sl_context_destroy(ctx);
    print_message("%s: %zu of %zu queries give the same optimized plan as SQL and as a plan file\n", suite,
                  same, n);
    if (failures) fail_msg("%s: %zu queries failed", suite, failures);
    *nqueries = n;
    return same;
}

static void test_tpch(void **state)
{
    (void)state;
    size_t n = 0, same = check_suite("tpch", SLI_GEN_TPCH, &n);
    assert_true(n >= 12); /* Q1, Q3, Q5 to Q10, Q12, Q14, Q18, Q19 */
    assert_true(same >= 12);
}

static void test_ssb(void **state)
{
    (void)state;
    size_t n = 0, same = check_suite("ssb", SLI_GEN_SSB, &n);
    assert_true(n >= 13); /* Q1.1 to Q4.3 */
    assert_true(same >= 3);
}

/* Every entry of KNOWN_DIFFERENT names a query that exists. */
static void test_known_entries_exist(void **state)
{
    (void)state;
    for (const known *k = KNOWN_DIFFERENT; k->suite; k++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s/%s.plan", QUERIES, k->suite, k->query);
        char *text = pt_read_file(path, false);
        if (!text) fail_msg("KNOWN_DIFFERENT lists %s/%s, which has no plan file", k->suite, k->query);
        free(text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_entries_exist),
        cmocka_unit_test(test_tpch),
        cmocka_unit_test(test_ssb),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
