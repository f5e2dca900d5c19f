/*
 * join.c — a hash join through the engine: the build side holds 1.5M unique
 * int64 keys (TPC-H order keys, 8 of every 32 used) with a decimal payload in
 * random order; the probe side holds 6M keys drawn uniformly from a key range
 * four times as wide, so about a quarter of the probes match; the query sums
 * the payload of the matches and counts them. Setup checks both against a
 * direct lookup in C.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "bench_util.h"

#define JOIN_BUILD_ROWS (SLI_BENCH_ROWS / 4)

static const char join_plan[] = "let b = table(\"build\");\n"
                                "table(\"probe\").join(b, p_key = b_key)\n"
                                "  .agg(sum(b_val) as total, count(*) as matches)\n";

void *sli_bench_join_setup(char *err, size_t cap)
{
    const size_t nb = JOIN_BUILD_ROWS, np = SLI_BENCH_ROWS;
    int64_t *bkey = malloc(nb * sizeof *bkey), *bval = malloc(nb * sizeof *bval);
    int64_t *pkey = malloc(np * sizeof *pkey);
    sli_bench_query *q = NULL;
    if (!bkey || !bval || !pkey) goto nomem;

    sli_bench_rng rng = {SLI_BENCH_SEED + 3};
    for (size_t j = 0; j < nb; j++) bkey[j] = sli_bench_orderkey((int64_t)j);
    for (size_t j = nb; j > 1; j--) { /* Fisher-Yates: build keys in random order */
        size_t k = (size_t)sli_bench_uniform(&rng, 0, (int64_t)j - 1);
        int64_t t = bkey[j - 1];
        bkey[j - 1] = bkey[k];
        bkey[k] = t;
    }
    for (size_t j = 0; j < nb; j++)
        bval[j] = sli_bench_uniform(&rng, 85700, 55588800); /* o_totalprice-like */
    for (size_t i = 0; i < np; i++)
        pkey[i] = sli_bench_orderkey(sli_bench_uniform(&rng, 0, 4 * (int64_t)nb - 1));

    /* the answer: payload by order index, then one lookup per probe */
    int64_t *by_index = malloc(nb * sizeof *by_index);
    if (!by_index) goto nomem;
    for (size_t j = 0; j < nb; j++) by_index[sli_bench_order_index(bkey[j])] = bval[j];
    __int128 total = 0;
    int64_t matches = 0;
    for (size_t i = 0; i < np; i++) {
        int64_t x = sli_bench_order_index(pkey[i]);
        if (x >= 0 && x < (int64_t)nb) {
            total += by_index[x];
            matches++;
        }
    }
    free(by_index);

    q = sli_bench_query_create(join_plan, err, cap);
    const sli_bench_col bcols[] = {{"b_key", {SL_TYPE_INT64, 0, 0}, bkey},
                                   {"b_val", {SL_TYPE_DECIMAL, 15, 2}, bval}};
    const sli_bench_col pcols[] = {{"p_key", {SL_TYPE_INT64, 0, 0}, pkey}};
    bool ok = q && sli_bench_add_table(q->ctx, "build", bcols, 2, nb, err, cap) &&
              sli_bench_add_table(q->ctx, "probe", pcols, 1, np, err, cap);
    free(bkey);
    free(bval);
    free(pkey);
    sl_result *r = ok ? sli_bench_query_collect(q, err, cap) : NULL;
    ok = r && sli_bench_check_column(r, 0, SL_TYPE_DECIMAL, 2, err, cap) &&
         sli_bench_check_column(r, 1, SL_TYPE_INT64, -1, err, cap);
    if (ok && sl_result_row_count(r) != 1) {
        sli_bench_fail(err, cap, "join returned %zu rows, expected 1", sl_result_row_count(r));
        ok = false;
    }
    if (ok && ((__int128)sl_result_get_int64(r, 0, 0) != total || sl_result_get_int64(r, 1, 0) != matches)) {
        sli_bench_fail(err, cap,
                       "join: total %" PRId64 " over %" PRId64 " matches, expected %" PRId64 " over %" PRId64,
                       sl_result_get_int64(r, 0, 0), sl_result_get_int64(r, 1, 0), (int64_t)total, matches);
        ok = false;
    }
    if (ok)
        q->expect = r; /* the answer every thread count is compared with */
    else
        sl_result_destroy(r);
    if (!ok) {
        sli_bench_query_free(q);
        return NULL;
    }
    return q;

nomem:
    free(bkey);
    free(bval);
    free(pkey);
    return sli_bench_fail(err, cap, "out of memory generating the join tables");
}
