/*
 * harness.c — what the engine cases share: building in-memory tables from
 * arrays with the internal column builders, running a plan through the
 * public API, checking result columns, and naming the kernel ISA.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_util.h"
#include "kernels/filter.h"
#include "runtime/column.h"
#include "runtime/context.h"
#include "runtime/join_table.h"
#include "runtime/table.h"

void *sli_bench_fail(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

const char *sli_bench_isa_name(void)
{
    return sli_filter_select()->name;
}

/* Builds rows [lo, hi) of one array column. @return the column or NULL. */
static sli_column *build_column(const sli_bench_col *c, size_t lo, size_t hi)
{
    sli_colbuilder b;
    memset(&b, 0, sizeof b);
    sli_colbuilder_init(&b, c->type);
    bool ok = sli_colbuilder_reserve(&b, hi - lo) == SL_OK;
    for (size_t i = lo; ok && i < hi; i++) {
        sl_status s;
        switch (c->type.id) {
        case SL_TYPE_DATE32:
        case SL_TYPE_INT32: s = sli_colbuilder_append_i64(&b, ((const int32_t *)c->data)[i]); break;
        case SL_TYPE_UTF8: s = sli_colbuilder_append_str(&b, (const char *)c->data + i, 1); break;
        default: s = sli_colbuilder_append_i64(&b, ((const int64_t *)c->data)[i]); break;
        }
        ok = s == SL_OK;
    }
    if (!ok) {
        sli_colbuilder_discard(&b);
        return NULL;
    }
    sli_column *col = sli_colbuilder_finish(&b);
    if (col && c->type.id == SL_TYPE_UTF8 && sli_column_dict_encode(col, 256) != SL_OK) {
        sli_column_free(col);
        return NULL;
    }
    return col;
}

bool sli_bench_add_table(sl_context *ctx, const char *name, const sli_bench_col *cols, size_t ncols,
                         size_t rows, char *err, size_t cap)
{
    sli_table *t = sli_table_create(name);
    if (!t) return sli_bench_fail(err, cap, "%s: out of memory", name), false;
    for (size_t k = 0; k < ncols; k++) {
        if (sli_table_add_field(t, cols[k].name, cols[k].type) != SL_OK) {
            sli_table_free(t);
            return sli_bench_fail(err, cap, "%s: cannot add column %s", name, cols[k].name), false;
        }
    }
    for (size_t lo = 0; lo < rows; lo += SLI_PARTITION_ROWS) {
        size_t hi = rows - lo < SLI_PARTITION_ROWS ? rows : lo + SLI_PARTITION_ROWS;
        sli_column **part = calloc(ncols, sizeof *part);
        bool ok = part != NULL;
        for (size_t k = 0; ok && k < ncols; k++) ok = (part[k] = build_column(&cols[k], lo, hi)) != NULL;
        if (!ok) {
            for (size_t k = 0; part && k < ncols; k++) sli_column_free(part[k]);
            free(part);
            sli_table_free(t);
            return sli_bench_fail(err, cap, "%s: out of memory building columns", name), false;
        }
        if (sli_table_add_partition(t, part) != SL_OK) { /* takes part either way */
            sli_table_free(t);
            return sli_bench_fail(err, cap, "%s: cannot add a partition", name), false;
        }
    }
    if (sli_context_add_table(ctx, t) != SL_OK) /* frees t on failure */
        return sli_bench_fail(err, cap, "%s: %s", name, sl_context_last_error(ctx)), false;
    return true;
}

sli_bench_query *sli_bench_query_create(const char *plan, char *err, size_t cap)
{
    sli_bench_query *q = calloc(1, sizeof *q);
    if (!q || sl_context_create(&q->ctx) != SL_OK) {
        free(q);
        return sli_bench_fail(err, cap, "out of memory creating a context");
    }
    /* these benchmarks measure the CPU kernels, whatever OpenCL device the
     * machine has (the cost model could send a pipeline there) */
    if (sl_context_set_device(q->ctx, SL_DEVICE_CPU, false) != SL_OK) {
        sli_bench_query_free(q);
        return sli_bench_fail(err, cap, "cannot keep the queries on the CPU");
    }
    /* SLUICE_BENCH_JOIN_FORM=flat|ranked forces the form of direct-indexed
     * join tables (join_table.h), to compare the two on one machine */
    const char *form = getenv("SLUICE_BENCH_JOIN_FORM");
    if (form) {
        int mode = strcmp(form, "flat") == 0 ? 0 : strcmp(form, "ranked") == 0 ? 1 : -1;
        if (mode < 0) {
            sli_bench_query_free(q);
            return sli_bench_fail(err, cap, "SLUICE_BENCH_JOIN_FORM is '%s'; use flat or ranked", form);
        }
        sli_join_set_dense_ranked(mode);
    }
    q->plan = plan;
    return q;
}

sl_result *sli_bench_query_collect(sli_bench_query *q, char *err, size_t cap)
{
    sl_frame *f = sl_frame_from_plan(q->ctx, q->plan, "bench");
    if (!f) return sli_bench_fail(err, cap, "plan: %s", sl_context_last_error(q->ctx));
    sl_result *r = NULL;
    sl_status s = sl_frame_collect(f, &r);
    sl_frame_destroy(f);
    if (s != SL_OK) return sli_bench_fail(err, cap, "collect: %s", sl_context_last_error(q->ctx));
    return r;
}

/* Every row of r as one string (values formatted, separated by 0x1f), sorted.
 * @return the malloc'd array of r's row count strings (one block), or NULL. */
static char **sorted_rows(const sl_result *r)
{
    size_t rows = sl_result_row_count(r), cols = sl_result_column_count(r), bytes = 0;
    char cell[256];
    for (size_t i = 0; i < rows; i++)
        for (size_t c = 0; c < cols; c++) bytes += sl_result_format_value(r, c, i, cell, sizeof cell) + 1;
    char **row = malloc(rows * sizeof *row + bytes + 1);
    if (!row) return NULL;
    char *p = (char *)(row + rows);
    for (size_t i = 0; i < rows; i++) {
        row[i] = p;
        for (size_t c = 0; c < cols; c++) {
            size_t n = sl_result_format_value(r, c, i, cell, sizeof cell);
            memcpy(p, cell, n);
            p += n;
            *p++ = c + 1 < cols ? '\x1f' : '\0';
        }
        if (cols == 0) *p++ = '\0';
    }
    qsort(row, rows, sizeof *row, cmp_str);
    return row;
}

/* Whether got holds the same rows as expect, in any order. */
static bool same_rows(const sl_result *got, const sl_result *expect, char *err, size_t cap)
{
    size_t rows = sl_result_row_count(expect);
    if (sl_result_column_count(got) != sl_result_column_count(expect) || sl_result_row_count(got) != rows)
        return sli_bench_fail(err, cap, "%zu rows x %zu columns, expected %zu x %zu", sl_result_row_count(got),
                              sl_result_column_count(got), rows, sl_result_column_count(expect)),
               false;
    char **a = sorted_rows(got), **b = sorted_rows(expect);
    bool same = a && b;
    if (!a || !b) sli_bench_fail(err, cap, "out of memory comparing results");
    for (size_t i = 0; same && i < rows; i++)
        if (strcmp(a[i], b[i]) != 0) {
            sli_bench_fail(err, cap, "row '%.120s' differs from the expected '%.120s'", a[i], b[i]);
            same = false;
        }
    free(a);
    free(b);
    return same;
}

/* With SLUICE_BENCH_PROFILE set: the query's EXPLAIN ANALYZE on this many
 * threads, on standard error (once per thread count, outside the timing; of
 * a second run, when the buffers of the first are cached as in the timed runs). */
static void print_profile(const sli_bench_query *q, unsigned threads)
{
    sl_frame *f = sl_frame_from_plan(q->ctx, q->plan, "bench");
    char *text = NULL;
    if (f && sl_frame_explain_analyze(f, &text, NULL) == SL_OK) {
        free(text);
        text = NULL;
    }
    if (f && sl_frame_explain_analyze(f, &text, NULL) == SL_OK)
        fprintf(stderr, "-- EXPLAIN ANALYZE on %u thread(s):\n%s\n", threads, text);
    else
        fprintf(stderr, "-- EXPLAIN ANALYZE on %u thread(s) failed: %s\n", threads,
                sl_context_last_error(q->ctx));
    free(text);
    sl_frame_destroy(f);
}

int sli_bench_query_run(void *state, unsigned threads, char *err, size_t cap)
{
    sli_bench_query *q = state;
    if (sl_context_set_threads(q->ctx, threads) != SL_OK) {
        sli_bench_fail(err, cap, "cannot use %u threads", threads);
        return 1;
    }
    sl_result *r = sli_bench_query_collect(q, err, cap);
    if (!r) return 1;
    uint64_t bit = threads < 64 ? (uint64_t)1 << threads : 0;
    bool ok = true;
    if (q->expect && !(q->checked & bit)) {
        char why[SLI_BENCH_ERR_CAP];
        ok = same_rows(r, q->expect, why, sizeof why);
        if (ok)
            q->checked |= bit;
        else
            sli_bench_fail(err, cap, "on %u threads: %s", threads, why);
        if (ok && getenv("SLUICE_BENCH_PROFILE")) print_profile(q, threads);
    }
    sl_result_destroy(r);
    return ok ? 0 : 1;
}

void sli_bench_query_free(void *state)
{
    sli_bench_query *q = state;
    if (!q) return;
    sl_result_destroy(q->expect);
    sl_context_destroy(q->ctx);
    free(q);
}

bool sli_bench_check_column(const sl_result *r, size_t col, sl_type_id id, int scale, char *err, size_t cap)
{
    if (col >= sl_result_column_count(r))
        return sli_bench_fail(err, cap, "result has %zu columns, expected more", sl_result_column_count(r)),
               false;
    sl_type t = sl_result_column_type(r, col);
    if (t.id != id || (scale >= 0 && t.scale != scale)) {
        char name[64];
        sl_type_name(t, name, sizeof name);
        return sli_bench_fail(err, cap, "column %s has type %s, expected type id %d scale %d",
                              sl_result_column_name(r, col), name, (int)id, scale),
               false;
    }
    return true;
}
