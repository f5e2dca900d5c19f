/*
 * topk.c — top-10 through the engine: the 10 lineitem rows with the largest
 * extended price (decimal(15,2)) out of 6M, with their order keys, as
 * orderBy(l_extendedprice desc).limit(10). Setup checks the ten prices, in
 * order, against a selection done directly in C, and that each returned
 * order key has a line with that price.
 */
#include <inttypes.h>

#include "bench_util.h"

#define TOPK 10

static const char topk_plan[] = "table(\"lineitem\").orderBy(l_extendedprice desc).limit(10)\n";

void *sli_bench_topk_setup(char *err, size_t cap)
{
    sli_bench_lineitem li;
    if (!sli_bench_lineitem_generate(SLI_BENCH_ROWS, SLI_BENCH_SEED, &li))
        return sli_bench_fail(err, cap, "out of memory generating lineitem");

    int64_t top[TOPK]; /* descending; insertion into a short sorted array */
    size_t ntop = 0;
    for (size_t i = 0; i < li.rows; i++) {
        int64_t v = li.extendedprice[i];
        if (ntop == TOPK && v <= top[TOPK - 1]) continue;
        size_t k = ntop < TOPK ? ntop++ : TOPK - 1;
        for (; k > 0 && top[k - 1] < v; k--) top[k] = top[k - 1];
        top[k] = v;
    }

    sli_bench_query *q = sli_bench_query_create(topk_plan, err, cap);
    const sli_bench_col cols[] = {
        {"l_orderkey", {SL_TYPE_INT64, 0, 0}, li.orderkey},
        {"l_extendedprice", {SL_TYPE_DECIMAL, 15, 2}, li.extendedprice},
    };
    bool ok = q && sli_bench_add_table(q->ctx, "lineitem", cols, 2, li.rows, err, cap);
    sl_result *r = ok ? sli_bench_query_collect(q, err, cap) : NULL;
    ok = r && sli_bench_check_column(r, 0, SL_TYPE_INT64, -1, err, cap) &&
         sli_bench_check_column(r, 1, SL_TYPE_DECIMAL, 2, err, cap);
    if (ok && sl_result_row_count(r) != ntop) {
        sli_bench_fail(err, cap, "top-k returned %zu rows, expected %zu", sl_result_row_count(r), ntop);
        ok = false;
    }
    for (size_t row = 0; ok && row < ntop; row++) {
        int64_t key = sl_result_get_int64(r, 0, row), price = sl_result_get_int64(r, 1, row);
        if (price != top[row]) {
            sli_bench_fail(err, cap, "top-k row %zu: price %" PRId64 ", expected %" PRId64, row, price,
                           top[row]);
            ok = false;
        }
        bool found = false; /* a plain scan; ten of them are cheap */
        for (size_t i = 0; ok && !found && i < li.rows; i++)
            found = li.orderkey[i] == key && li.extendedprice[i] == price;
        if (ok && !found) {
            sli_bench_fail(err, cap, "top-k row %zu: no line of order %" PRId64 " has price %" PRId64, row,
                           key, price);
            ok = false;
        }
    }
    if (ok)
        q->expect = r; /* the answer every thread count is compared with */
    else
        sl_result_destroy(r);
    sli_bench_lineitem_free(&li);
    if (!ok) {
        sli_bench_query_free(q);
        return NULL;
    }
    return q;
}
