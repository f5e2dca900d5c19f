/*
 * cases.c — the table of benchmark cases that bench/shim.cc registers, in
 * run order. The bandwidth probe runs first so every engine case can be read
 * as a fraction of it; rows are the input rows one iteration consumes and
 * bytes the bytes of the columns the query reads (for the join: the probe
 * keys plus the build keys and payload).
 */
#include "bench.h"
#include "bench_util.h"

#define R SLI_BENCH_ROWS

const sli_bench_case sli_bench_cases[] = {
    /* the Q6 columns' bytes, counted as the Q6 rows they hold */
    {"bandwidth/read_sum", sli_bench_bandwidth_setup, sli_bench_bandwidth_run, sli_bench_bandwidth_free, R,
     R * 28},
    /* date32 + three decimals */
    {"engine/q6_shape", sli_bench_q6_setup, sli_bench_query_run, sli_bench_query_free, R, R *(4 + 3 * 8)},
    /* date32 + two dictionary codes (int32) + four decimals */
    {"engine/q1_shape", sli_bench_q1_setup, sli_bench_query_run, sli_bench_query_free, R,
     R *(4 + 2 * 4 + 4 * 8)},
    /* probe keys + build keys and payload */
    {"engine/join_probe", sli_bench_join_setup, sli_bench_query_run, sli_bench_query_free, R,
     R * 8 + R / 4 * 16},
    /* int64 key + decimal */
    {"engine/groupby_highcard", sli_bench_groupby_setup, sli_bench_query_run, sli_bench_query_free, R,
     R * 16},
    /* sort key + order key */
    {"engine/top10", sli_bench_topk_setup, sli_bench_query_run, sli_bench_query_free, R, R * 16},
};

const size_t sli_bench_case_count = sizeof sli_bench_cases / sizeof sli_bench_cases[0];
