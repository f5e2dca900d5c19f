/*
 * bandwidth_avx2.c — the bandwidth probe's sum (bandwidth_sum.h) compiled
 * with -mavx2 (bench/CMakeLists.txt) so SIMDe emits native AVX2; bandwidth.c
 * calls it only when the CPU has AVX2.
 */
#include "bench_util.h"

#define BW_SUM_NAME sli_bench_sum_avx2
#include "bandwidth_sum.h"
