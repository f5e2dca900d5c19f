/*
 * bench.h — the micro/engine benchmark harness: the case table that
 * bench/shim.cc registers with Google Benchmark, and the helpers the C cases
 * share (deterministic data generation, in-memory tables, running a plan).
 *
 * A case is a row of sli_bench_cases[]: setup builds its data once per
 * process, runs the query once and checks the answer against a result
 * computed directly in C (a case whose answer differs fails setup and gets no
 * time); run executes one timed iteration on a given number of worker
 * threads (the shim's thread axis: 1, 2, 4, ... up to the CPU count); teardown
 * frees the state. The shim reports items = rows and bytes = bytes per
 * iteration as rates.
 *
 * This header is included from C++ (the shim), so it only declares plain C
 * types and functions; the sluice-specific helpers live in bench_util.h.
 */
#ifndef SLI_BENCH_H
#define SLI_BENCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Rows of the lineitem-like fact tables (TPC-H scale factor 1). */
#define SLI_BENCH_ROWS ((size_t)6000000)

/** Size of the error buffer the shim hands to setup and run. */
#define SLI_BENCH_ERR_CAP 512

typedef struct sli_bench_case {
    const char *name; /**< benchmark name, e.g. "engine/q6_shape" */
    /**
     * Builds the data (deterministic, fixed seed) and checks the answer.
     * @return the case state (owned by the shim, released with teardown), or
     *         NULL with a message in err (cap bytes, NUL-terminated).
     */
    void *(*setup)(char *err, size_t cap);
    /**
     * Runs one timed iteration on `threads` worker threads. The first run at
     * each thread count also checks its answer against setup's.
     * @return 0, or nonzero with a message in err.
     */
    int (*run)(void *state, unsigned threads, char *err, size_t cap);
    /** Frees a state from setup. */
    void (*teardown)(void *state);
    uint64_t rows;  /**< input rows one iteration processes (items) */
    uint64_t bytes; /**< bytes of the columns one iteration reads */
} sli_bench_case;

/** The cases, in the order they run (the bandwidth probe first). */
extern const sli_bench_case sli_bench_cases[];
extern const size_t sli_bench_case_count;

/** @return the name of the kernel variant the engine runs ("scalar", "avx2", ...). */
const char *sli_bench_isa_name(void);

/** @return the ISA the bandwidth probe's sum runs ("avx2" or "baseline"). */
const char *sli_bench_bandwidth_isa(void);

#ifdef __cplusplus
}
#endif

#endif
