/*
 * bandwidth.c — the machine's read bandwidth on 1, 2, ... threads, measured
 * in the same run as the engine cases so they can be reported as a fraction
 * of it (DESIGN.md §8): a plain SIMD sum (SIMDe, bandwidth_sum.h; native AVX2
 * when the CPU has it) over a buffer as large as the Q6 shape's four columns
 * (6M rows x 28 bytes), far larger than the caches, split into one contiguous
 * slice per OpenMP thread.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_util.h"

/** Bytes the sum reads: the Q6 columns (date32 + three decimal(15,2)). */
#define BW_BYTES (SLI_BENCH_ROWS * (4 + 3 * 8))

typedef struct bw_state {
    int64_t *buf; /* BW_BYTES, 64-byte aligned */
    size_t n;     /* int64 values */
    int64_t expect;
} bw_state;

#define BW_SUM_NAME sum_baseline
static int64_t sum_baseline(const int64_t *restrict p, size_t n);
#include "bandwidth_sum.h"

/* @return the sum through the widest variant this CPU runs. */
static int64_t simd_sum(const int64_t *restrict p, size_t n)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (__builtin_cpu_supports("avx2")) return sli_bench_sum_avx2(p, n);
#endif
    return sum_baseline(p, n);
}

const char *sli_bench_bandwidth_isa(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (__builtin_cpu_supports("avx2")) return "avx2";
#endif
    return "baseline";
}

void *sli_bench_bandwidth_setup(char *err, size_t cap)
{
    _Static_assert(BW_BYTES % 128 == 0, "the sum reads whole 128-byte blocks");
    bw_state *s = calloc(1, sizeof *s);
    if (!s) return sli_bench_fail(err, cap, "out of memory");
    s->n = BW_BYTES / sizeof(int64_t);
    s->buf = aligned_alloc(64, BW_BYTES);
    if (!s->buf) {
        free(s);
        return sli_bench_fail(err, cap, "cannot allocate %zu bytes", (size_t)BW_BYTES);
    }
    /* every page written, so the timed loop never faults */
    sli_bench_rng rng = {42};
    int64_t expect = 0;
    for (size_t i = 0; i < s->n; i++) {
        s->buf[i] = (int64_t)(sli_bench_next(&rng) >> 40); /* sums stay far below 2^63 */
        expect += s->buf[i];
    }
    s->expect = expect;
    int64_t got = simd_sum(s->buf, s->n);
    if (got != expect) {
        sli_bench_bandwidth_free(s);
        return sli_bench_fail(err, cap, "SIMD sum %" PRId64 " differs from the scalar sum %" PRId64, got,
                              expect);
    }
    return s;
}

int sli_bench_bandwidth_run(void *state, unsigned threads, char *err, size_t cap)
{
    bw_state *s = state;
    /* threads contiguous slices of whole 128-byte blocks, one per thread */
    size_t per = (s->n / 16 + threads - 1) / threads * 16;
    int64_t got = 0;
#pragma omp parallel for num_threads((int)threads) reduction(+ : got) schedule(static, 1)
    for (unsigned t = 0; t < threads; t++) {
        size_t lo = (size_t)t * per < s->n ? (size_t)t * per : s->n;
        size_t hi = lo + per < s->n ? lo + per : s->n;
        got += simd_sum(s->buf + lo, hi - lo);
    }
    if (got != s->expect) {
        sli_bench_fail(err, cap, "SIMD sum %" PRId64 " differs from %" PRId64, got, s->expect);
        return 1;
    }
    return 0;
}

void sli_bench_bandwidth_free(void *state)
{
    bw_state *s = state;
    if (!s) return;
    free(s->buf);
    free(s);
}
