/*
 * test_ocl_exec.c — pipelines run as generated OpenCL kernels (on PoCL here)
 * give exactly the CPU's rows, one test per operator shape: filters and
 * global aggregates, grouping by a small (local memory) and a large (hash
 * table) key domain, date parts, joins (inner, semi, anti) with build-side
 * strings as group keys, string predicates as masks, casts and case. EXPLAIN
 * must show each of them on the device, so a silent fallback fails the
 * test; rows a result sink materializes come back in source order. Then the
 * fallbacks themselves: an overflow reports the CPU's error, repeated
 * inner-join keys (fine into an aggregate) under a result sink and a device
 * too small for a column rerun on the CPU with a warning (the latter fails
 * under --strict), and --strict lists what the generator does not support.
 * A repeated query compiles nothing new and moves no column again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_util.h"

#include "io/csv.h"
#include "runtime/context.h"
#include "runtime/ocl.h"
#include "sluice/sluice.h"

static char dir[64];
static const char *no_device;

#define N 30000

static const char *const WORDS[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta"};

static void write_tables(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/f.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "k,g,v,d,s,x,b\n");
    for (int i = 0; i < N; i++) {
        long long k = (long long)((i * 7919LL) % 100003) * 1000003LL; /* a wide key domain */
        int y = 1991 + (i * 37) % 9, m = 1 + (i * 11) % 12, dd = 1 + (i * 13) % 28;
        fprintf(f, "%lld,%d,%d,%04d-%02d-%02d,%s,%d.%02d,%d\n", k, i % 600, (i % 201) - 100, y, m, dd,
                WORDS[(i / 7) % 6], (i % 5000) - 2500, i % 100, i % 3);
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/dim.csv", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "id,name,grp\n");
    for (int i = 0; i < 500; i++) fprintf(f, "%d,%s-%d,%d\n", i, WORDS[i % 6], i % 9, i % 5);
    fclose(f);
    snprintf(path, sizeof path, "%s/dup.csv", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "id,tag\n");
    for (int i = 0; i < 400; i++) fprintf(f, "%d,%d\n", i % 300, i);
    fclose(f);
}

/* A context with the three tables: several partitions each. */
static sl_context *open_ctx(void)
{
    sl_context *ctx = NULL;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sl_context_set_threads(ctx, 2);
    static const struct {
        const char *name, *schema;
    } tabs[] = {
        {"f", "k int64, g int32, v int16, d date, s utf8, x decimal(12,2), b int8"},
        {"dim", "id int32, name utf8, grp int64"},
        {"dup", "id int64, tag int64"},
    };
    sli_csv_set_partition_rows(4096);
    for (size_t i = 0; i < sizeof tabs / sizeof *tabs; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s.csv", dir, tabs[i].name);
        sl_csv_options o = {0};
        o.delimiter = ',';
        o.schema = tabs[i].schema;
        sl_status st = sl_context_register_csv(ctx, tabs[i].name, path, &o);
        if (st) print_error("%s: %s\n", path, sl_context_last_error(ctx));
        assert_int_equal(st, SL_OK);
    }
    sli_csv_set_partition_rows(0);
    return ctx;
}

/* Runs plan text under `mode`; the rows as CSV (malloc'd) or NULL with *st. */
static char *run(sl_context *ctx, sl_device_mode mode, bool strict, const char *plan, sl_status *st)
{
    sl_context_set_device(ctx, mode, strict);
    sl_frame *fr = sl_frame_from_plan(ctx, plan, "<test>");
    if (!fr) print_error("plan: %s\n", sl_context_last_error(ctx));
    assert_non_null(fr);
    sl_result *r = NULL;
    *st = sl_frame_collect(fr, &r);
    char *text = NULL;
    if (!*st) {
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        assert_int_equal(sl_result_print(r, SL_FORMAT_CSV, m), SL_OK);
        fclose(m);
    }
    sl_result_destroy(r);
    sl_frame_destroy(fr);
    return text;
}

/* The number of pipelines EXPLAIN places on the OpenCL device. */
static int device_pipelines(sl_context *ctx, const char *plan)
{
    sl_context_set_device(ctx, SL_DEVICE_OPENCL, false);
    sl_frame *fr = sl_frame_from_plan(ctx, plan, "<test>");
    assert_non_null(fr);
    char *ex = NULL;
    assert_int_equal(sl_frame_explain(fr, &ex), SL_OK);
    int n = 0;
    for (const char *p = ex; (p = strstr(p, ": opencl (")); p++) n++;
    free(ex);
    sl_frame_destroy(fr);
    return n;
}

/* The plan gives the same rows on the device as on the CPU, with at least
 * `on_device` pipelines on the device and no fallback. */
static void same_rows(const char *plan, int on_device)
{
    if (no_device) skip();
    sl_context *ctx = open_ctx();
    sl_status s1, s2;
    char *cpu = run(ctx, SL_DEVICE_CPU, false, plan, &s1);
    assert_int_equal(s1, SL_OK);
    char *dev = run(ctx, SL_DEVICE_OPENCL, true, plan, &s2);
    if (s2) print_error("device: %s\n", sl_context_last_error(ctx));
    assert_int_equal(s2, SL_OK);
    assert_string_equal(sl_context_last_warnings(ctx), "");
    assert_string_equal(dev, cpu);
    assert_true(device_pipelines(ctx, plan) >= on_device);
    assert_true(strchr(cpu, '\n') != NULL); /* a header at least */
    free(cpu);
    free(dev);
    sl_context_destroy(ctx);
}

static void test_filter_global_agg(void **state)
{
    (void)state;
    same_rows("table(\"f\").where(v > 10 and b <> 1 and d >= date '1993-01-01')"
              ".agg(count(*) as n, sum(x) as sx, min(v) as mn, max(d) as mx, avg(x) as ax, sum(k) as sk)",
              1);
}

static void test_group_small_domain(void **state)
{
    (void)state;
    same_rows("table(\"f\").groupBy(b, s).agg(count(*) as n, sum(v) as sv, min(x) as mn, max(x) as mx)"
              ".orderBy(b, s)",
              1);
}

static void test_group_hash(void **state)
{
    (void)state;
    same_rows("table(\"f\").where(v < 0).groupBy(k).agg(sum(x) as sx, count(v) as n).orderBy(k)", 1);
}

static void test_group_date_parts(void **state)
{
    (void)state;
    same_rows("table(\"f\").groupBy(year(d) as y, month(d) as m).agg(sum(x * v) as t, avg(v) as a)"
              ".orderBy(y, m)",
              1);    /* the year computed by a projection first, as TPC-H Q7 to Q9 do */
    same_rows("table(\"f\").select(year(d) as y, day(d) as dd, x).where(dd < 20).groupBy(y).agg(sum(x) as t)"
              ".orderBy(y)",
              1);
}

static void test_join_inner_build_strings(void **state)
{
    (void)state;
    same_rows("let d = table(\"dim\").where(grp < 3);\n"
              "table(\"f\").join(d, g = id).groupBy(name).agg(sum(x) as sx, count(*) as n).orderBy(name)",
              2);
}

static void test_join_semi_anti(void **state)
{
    (void)state;
    same_rows("let d = table(\"dim\").where(name like 'a%' or name like '%-3');\n"
              "table(\"f\").join(d, g = id, 'semi').groupBy(s).agg(count(*) as n).orderBy(s)",
              2);
    same_rows("let d = table(\"dim\").where(grp = 1);\n"
              "table(\"f\").join(d, g = id, 'anti').agg(count(*) as n, sum(v) as t)",
              2);
}

static void test_expressions(void **state)
{
    (void)state;
    same_rows("table(\"f\").where(s in ('beta', 'zeta') or s not like '%a' or v between -5 and 5)"
              ".select(b, case when v > 50 then x * 2 when v < -50 then cast(v as decimal(12,2)) else x end as c,"
              " cast(x as int64) as xi, (v % 7) + b * 3 as w)"
              ".groupBy(b).agg(sum(c) as sc, sum(xi) as si, max(w) as mw).orderBy(b)",
              1);
}

/* Rows materialized on the device (prefix sums) come back in source order,
 * across the table's partitions, strings decoded through the dictionary. */
static void test_result_rows(void **state)
{
    (void)state;
    same_rows("table(\"f\").where(v > 90 or s = 'zeta').select(k, s, x, d, b, v * 2 + 1 as w)", 1);
    same_rows("let d = table(\"dim\").where(grp = 2);\n"
              "table(\"f\").join(d, g = id).where(x > 0).select(k, name, v)",
              2);
    same_rows("table(\"f\").where(v > 1000)", 1); /* no row at all */
}

/* Overflow on the device: the CPU reruns the pipeline and reports its error. */
static void test_overflow_reports_cpu_error(void **state)
{
    (void)state;
    if (no_device) skip();
    sl_context *ctx = open_ctx();
    const char *plan = "table(\"f\").agg(sum(k * k * k) as boom)";
    sl_status s1, s2;
    char *cpu = run(ctx, SL_DEVICE_CPU, false, plan, &s1);
    char cpu_err[512];
    snprintf(cpu_err, sizeof cpu_err, "%s", sl_context_last_error(ctx));
    char *dev = run(ctx, SL_DEVICE_OPENCL, false, plan, &s2);
    assert_int_equal(s1, SL_ERR_OVERFLOW);
    assert_int_equal(s2, SL_ERR_OVERFLOW);
    assert_string_equal(sl_context_last_error(ctx), cpu_err);
    assert_null(cpu);
    assert_null(dev);
    sl_context_destroy(ctx);
}

/* An inner join whose build side repeats keys: into an aggregate, the probe
 * visits every build row of a key on the device; into result rows (one
 * row per work-item) the query reruns on the CPU with a warning. */
static void test_repeated_build_keys(void **state)
{
    (void)state;
    same_rows("table(\"f\").join(table(\"dup\"), g = id).groupBy(b).agg(sum(tag) as t, count(*) as n).orderBy(b)",
              2);
    if (no_device) skip();
    sl_context *ctx = open_ctx();
    const char *plan = "table(\"f\").join(table(\"dup\"), g = id).where(v > 95).select(k, tag)";
    sl_status s1, s2;
    char *cpu = run(ctx, SL_DEVICE_CPU, false, plan, &s1);
    char *dev = run(ctx, SL_DEVICE_OPENCL, false, plan, &s2);
    assert_int_equal(s1, SL_OK);
    assert_int_equal(s2, SL_OK);
    assert_non_null(strstr(sl_context_last_warnings(ctx), "repeats a key"));
    assert_string_equal(dev, cpu);
    free(cpu);
    free(dev);
    sl_context_destroy(ctx);
}

/* A device with too little memory for a column: same rows, with a warning;
 * --strict fails instead. */
static void test_device_memory_fallback(void **state)
{
    (void)state;
    if (no_device) skip();
    setenv("SL_OPENCL_MEMORY", "16K", 1);
    sl_context *ctx = open_ctx();
    const char *plan = "table(\"f\").groupBy(s).agg(sum(x) as sx).orderBy(s)";
    sl_status s1, s2, s3;
    char *cpu = run(ctx, SL_DEVICE_CPU, false, plan, &s1);
    char *dev = run(ctx, SL_DEVICE_OPENCL, false, plan, &s2);
    assert_int_equal(s1, SL_OK);
    assert_int_equal(s2, SL_OK);
    assert_non_null(strstr(sl_context_last_warnings(ctx), "out of memory"));
    assert_string_equal(dev, cpu);
    char *strict = run(ctx, SL_DEVICE_OPENCL, true, plan, &s3);
    assert_int_equal(s3, SL_ERR_DEVICE_MEMORY);
    assert_null(strict);
    free(cpu);
    free(dev);
    sl_context_destroy(ctx);
    unsetenv("SL_OPENCL_MEMORY");
}

/* --strict lists what the generator does not support, up front. */
static void test_strict_lists_unsupported(void **state)
{
    (void)state;
    if (no_device) skip();
    sl_context *ctx = open_ctx();
    sl_status s;
    char *rows = run(ctx, SL_DEVICE_OPENCL, true,
                     "table(\"f\").agg(sum(cast(v as float64)) as t)", &s);
    assert_null(rows);
    assert_int_equal(s, SL_ERR_DEVICE);
    assert_non_null(strstr(sl_context_last_error(ctx), "float sum"));
    rows = run(ctx, SL_DEVICE_OPENCL, false, "table(\"f\").agg(sum(cast(v as float64)) as t)", &s);
    assert_int_equal(s, SL_OK); /* not strict: the pipeline runs on the CPU */
    free(rows);
    sl_context_destroy(ctx);
}

/* The second run of a query builds no program and moves no column. */
static void test_repeat_uses_caches(void **state)
{
    (void)state;
    if (no_device) skip();
    sl_context *ctx = open_ctx();
    const char *plan = "table(\"f\").where(v > 0).groupBy(s).agg(sum(x) as sx).orderBy(s)";
    sl_status s;
    free(run(ctx, SL_DEVICE_OPENCL, true, plan, &s));
    assert_int_equal(s, SL_OK);
    size_t compiled, from_disk, cols1, cols2;
    uint64_t bytes1, bytes2;
    sli_ocl_program_stats(ctx->ocl, &compiled, &from_disk);
    sli_ocl_cache_stats(ctx->ocl, &bytes1, &cols1);
    assert_true(cols1 >= 3); /* v, s (codes), x */
    free(run(ctx, SL_DEVICE_OPENCL, true, plan, &s));
    assert_int_equal(s, SL_OK);
    size_t compiled2, from_disk2;
    sli_ocl_program_stats(ctx->ocl, &compiled2, &from_disk2);
    sli_ocl_cache_stats(ctx->ocl, &bytes2, &cols2);
    assert_int_equal(compiled2 + from_disk2, compiled + from_disk);
    assert_int_equal(cols2, cols1);
    assert_true(bytes2 == bytes1);
    sl_context_destroy(ctx);
}

static void test_explain_shows_kernels(void **state)
{
    (void)state;
    if (no_device) skip();
    sl_context *ctx = open_ctx();
    sl_context_set_device(ctx, SL_DEVICE_OPENCL, false);
    sl_frame *fr = sl_frame_from_plan(ctx, "table(\"f\").where(s = 'beta').agg(count(*) as n)", "<test>");
    char *ex = NULL;
    assert_int_equal(sl_frame_explain_kernels(fr, &ex), SL_OK);
    assert_non_null(strstr(ex, "Devices:"));
    assert_non_null(strstr(ex, "__kernel void sl_pipe"));
    assert_non_null(strstr(ex, "m0[")); /* the string predicate became a mask */
    free(ex);
    sl_frame_destroy(fr);
    sl_context_set_device(ctx, SL_DEVICE_CPU, false);
    fr = sl_frame_from_plan(ctx, "table(\"f\").agg(count(*) as n)", "<test>");
    assert_int_equal(sl_frame_explain_kernels(fr, &ex), SL_OK);
    assert_non_null(strstr(ex, "cpu, host: --device cpu"));
    assert_null(strstr(ex, "__kernel"));
    free(ex);
    sl_frame_destroy(fr);
    sl_context_destroy(ctx);
}

/* LeakSanitizer's hook: PoCL and its LLVM keep compiler state they never
 * free; none of it is sluice's. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libpocl.so\nleak:libLLVM\n";
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(tu_make_dir(dir, sizeof dir, "oclx"), 0);
    write_tables();
    cl_platform_id p;
    cl_uint np = 0;
    if (clGetPlatformIDs(1, &p, &np) != CL_SUCCESS || np == 0) {
        no_device = "no OpenCL platform is installed";
        fprintf(stderr, "test_ocl_exec: skipped: %s\n", no_device);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return tu_remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_global_agg),
        cmocka_unit_test(test_group_small_domain),
        cmocka_unit_test(test_group_hash),
        cmocka_unit_test(test_group_date_parts),
        cmocka_unit_test(test_join_inner_build_strings),
        cmocka_unit_test(test_join_semi_anti),
        cmocka_unit_test(test_expressions),
        cmocka_unit_test(test_result_rows),
        cmocka_unit_test(test_overflow_reports_cpu_error),
        cmocka_unit_test(test_repeated_build_keys),
        cmocka_unit_test(test_device_memory_fallback),
        cmocka_unit_test(test_strict_lists_unsupported),
        cmocka_unit_test(test_repeat_uses_caches),
        cmocka_unit_test(test_explain_shows_kernels),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
