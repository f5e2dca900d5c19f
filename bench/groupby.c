/*
 * groupby.c — a high-cardinality hash aggregation through the engine: 6M
 * rows into 1.5M groups keyed by an int64 (TPC-H order keys, each group four
 * rows, in random order) with a decimal(15,2) sum per group. Setup checks
 * that every group appears once with its exact sum.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "bench_util.h"

#define GROUPS (SLI_BENCH_ROWS / 4)

static const char groupby_plan[] = "table(\"g\").groupBy(g_key).agg(sum(g_val) as total)\n";

/* Compares the result with the expected per-group sums; marks seen groups. */
static bool check_result(const sl_result *r, const int64_t *expect, uint8_t *seen, char *err, size_t cap)
{
    if (!sli_bench_check_column(r, 0, SL_TYPE_INT64, -1, err, cap) ||
        !sli_bench_check_column(r, 1, SL_TYPE_DECIMAL, 2, err, cap))
        return false;
    if (sl_result_row_count(r) != GROUPS)
        return sli_bench_fail(err, cap, "group-by returned %zu groups, expected %zu", sl_result_row_count(r),
                              (size_t)GROUPS),
               false;
    for (size_t row = 0; row < GROUPS; row++) {
        int64_t key = sl_result_get_int64(r, 0, row);
        int64_t x = sli_bench_order_index(key);
        if (x < 0 || x >= (int64_t)GROUPS || seen[x])
            return sli_bench_fail(err, cap, "group-by row %zu: key %" PRId64 " unknown or repeated", row,
                                  key),
                   false;
        seen[x] = 1;
        if (sl_result_get_int64(r, 1, row) != expect[x])
            return sli_bench_fail(err, cap, "group %" PRId64 ": sum %" PRId64 ", expected %" PRId64, key,
                                  sl_result_get_int64(r, 1, row), expect[x]),
                   false;
    }
    return true;
}

void *sli_bench_groupby_setup(char *err, size_t cap)
{
    const size_t n = SLI_BENCH_ROWS;
    int64_t *key = malloc(n * sizeof *key), *val = malloc(n * sizeof *val);
    int64_t *expect = calloc(GROUPS, sizeof *expect);
    uint8_t *seen = calloc(GROUPS, 1);
    sli_bench_query *q = NULL;
    bool ok = key && val && expect && seen;
    if (!ok) {
        sli_bench_fail(err, cap, "out of memory generating the group-by table");
        goto done;
    }

    sli_bench_rng rng = {SLI_BENCH_SEED + 4};
    for (size_t i = 0; i < n; i++) key[i] = sli_bench_orderkey((int64_t)(i % GROUPS));
    for (size_t j = n; j > 1; j--) { /* Fisher-Yates: groups' rows scattered */
        size_t k = (size_t)sli_bench_uniform(&rng, 0, (int64_t)j - 1);
        int64_t t = key[j - 1];
        key[j - 1] = key[k];
        key[k] = t;
    }
    for (size_t i = 0; i < n; i++) {
        val[i] =
            sli_bench_uniform(&rng, 1, 50) * sli_bench_uniform(&rng, 90000, 209900); /* extendedprice-like */
        expect[sli_bench_order_index(key[i])] += val[i];
    }

    q = sli_bench_query_create(groupby_plan, err, cap);
    const sli_bench_col cols[] = {{"g_key", {SL_TYPE_INT64, 0, 0}, key},
                                  {"g_val", {SL_TYPE_DECIMAL, 15, 2}, val}};
    ok = q && sli_bench_add_table(q->ctx, "g", cols, 2, n, err, cap);
    sl_result *r = ok ? sli_bench_query_collect(q, err, cap) : NULL;
    ok = r && check_result(r, expect, seen, err, cap);
    if (ok)
        q->expect = r; /* the answer every thread count is compared with */
    else
        sl_result_destroy(r);
done:
    free(key);
    free(val);
    free(expect);
    free(seen);
    if (!ok) {
        sli_bench_query_free(q);
        return NULL;
    }
    return q;
}
