/*
 * profile.h — the measurements of EXPLAIN ANALYZE: per pipeline and per
 * operator counters that the executor fills while a query runs with
 * profiling on, and helpers that format them.
 *
 * Every worker counts into its own sli_op_prof array (no atomics on the hot
 * path); the executor sums the workers' arrays into the pipeline's
 * sli_pipe_prof once the pipeline has run. Times are CLOCK_MONOTONIC
 * nanoseconds taken around each operator call, once per vector; an
 * operator's time is inclusive (it contains the operators after it, which
 * it calls), so its own time is its time minus its successor's
 * (sli_pipe_prof_self_ns). With profiling off the executor holds a NULL
 * array and pays one predictable branch per vector.
 */
#ifndef SLI_PROFILE_H
#define SLI_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sbuf.h"

/** One operator's counters (index nops is the pipeline's sink). */
typedef struct sli_op_prof {
    uint64_t rows_in; /**< rows (selected) pushed into the operator */
    uint64_t ns;      /**< inclusive nanoseconds, summed over workers */
} sli_op_prof;

/** One pipeline's measurements. */
typedef struct sli_pipe_prof {
    bool ran;
    size_t nops; /**< operators; ops has nops + 1 entries, the last the sink */
    sli_op_prof *ops;
    size_t workers;       /**< workers it ran on */
    size_t morsels;       /**< morsels taken (a serial run counts each source partition as one) */
    uint64_t vectors;     /**< vectors its source produced */
    uint64_t rows_read;   /**< rows its source read */
    uint64_t source_ns;   /**< loading vectors and pushed bloom filters, summed over workers */
    uint64_t load_ns;     /**< external tables: reading the file (wall) */
    size_t units_read;    /**< Parquet row groups read */
    size_t units_skipped; /**< Parquet row groups their statistics ruled out */
    uint64_t finish_ns;   /**< combining the workers' sinks and finishing the sink (wall) */
    uint64_t sink_rows;   /**< rows the sink holds at the end (result, groups, sorted or build rows) */
    uint64_t sink_bytes;  /**< bytes its output holds at the end (memory budget delta) */
    uint64_t peak_bytes;  /**< the most bytes the query held at once while it ran (its memory budget) */
    uint64_t wall_ns;     /**< the whole pipeline, wall clock */
    char device[160];     /**< ran on the OpenCL device: its name (no per-operator counters); else "" */
    char sink_note[96];   /**< how a join build laid its table out (sli_join_table_describe) or an
                             aggregate partitioned its rows (sli_agg_part_note); else "" */
} sli_pipe_prof;

/** A query's measurements: one entry per pipeline of its physical plan. */
typedef struct sli_profile {
    sli_pipe_prof *pipes;
    size_t npipes;
    size_t threads;   /**< the context's thread count */
    uint64_t wall_ns; /**< the whole execution */
    uint64_t rows;    /**< rows of the query's result */
    uint64_t peak_bytes; /**< the most bytes the query held at once (its memory budget's peak) */
} sli_profile;

/** @return the monotonic clock in nanoseconds. */
static inline uint64_t sli_prof_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/**
 * Sets up a profile for npipes pipelines with nops[i] operators each.
 * @return 0, or -1 when out of memory (pf is then empty and freeable).
 */
int sli_profile_init(sli_profile *pf, const size_t *nops, size_t npipes);

void sli_profile_free(sli_profile *pf);

/** Adds a worker's counters (nops + 1 entries) into a pipeline's. */
void sli_pipe_prof_add(sli_pipe_prof *pp, const sli_op_prof *w);

/** @return rows that left position k (k == nops: the sink's rows at the end). */
uint64_t sli_pipe_prof_rows_out(const sli_pipe_prof *pp, size_t k);

/** @return rows the source passed on (after pushed bloom filters). */
uint64_t sli_pipe_prof_source_out(const sli_pipe_prof *pp);

/** @return the nanoseconds position k took itself (the sink: with finishing). */
uint64_t sli_pipe_prof_self_ns(const sli_pipe_prof *pp, size_t k);

/** Appends nanoseconds as milliseconds ("1.234 ms"). */
void sli_prof_put_ms(sli_sbuf *out, uint64_t ns);

/** Appends a JSON string literal (quotes included) of s[0..n). */
void sli_prof_put_json_str(sli_sbuf *out, const char *s, size_t n);

#endif
