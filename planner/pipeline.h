/*
 * pipeline.h — the physical plan: the optimized logical plan cut into
 * pipelines at the pipeline breakers (hash-join build, aggregation, sort).
 *
 * A pipeline is source -> operators -> sink. The source is a table scan or
 * the materialized output of an earlier pipeline's sink (aggregate or sort).
 * Operators (filter, project, hash probe, limit) pass chunks to each other
 * without materializing anything. Pipelines are listed in the order they
 * must run: a join's build pipeline before the pipeline that probes it.
 */
#ifndef SLI_PIPELINE_H
#define SLI_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"
#include "runtime/profile.h"
#include "runtime/sbuf.h"

typedef enum sli_pop_kind {
    SLI_POP_FILTER,  /**< node: FILTER */
    SLI_POP_PROJECT, /**< node: PROJECT */
    SLI_POP_PROBE,   /**< node: JOIN; build: index of its build pipeline */
    SLI_POP_LIMIT,   /**< node: LIMIT */
} sli_pop_kind;

typedef enum sli_sink_kind {
    SLI_SINK_RESULT, /**< collect the query's rows */
    SLI_SINK_BUILD,  /**< node: JOIN; build its hash table from the right input */
    SLI_SINK_AGG,    /**< node: AGG */
    SLI_SINK_SORT,   /**< node: SORT */
} sli_sink_kind;

typedef struct sli_pop {
    sli_pop_kind kind;
    const sli_plan *node;
    size_t build; /**< PROBE: pipeline whose sink built the hash table */
} sli_pop;

/**
 * A join's bloom filter pushed into the probe pipeline's scan (inner and
 * semi joins whose probe keys are plain scan columns): rows it rejects are
 * dropped right after the scan and the pipeline's leading filters (a
 * comparison costs less per row than hashing a key), before its other
 * operators.
 */
typedef struct sli_scan_filter {
    size_t op;    /**< the PROBE operator (index in ops) whose hash table's filter is applied */
    size_t *cols; /**< per key of that join: the scan output column that holds it */
} sli_scan_filter;

typedef struct sli_pipeline {
    const sli_plan *scan;        /**< SCAN source, or NULL */
    size_t source;               /**< else: pipeline whose sink output is read */
    const sli_plan *source_node; /**< the node whose output the source yields */
    sli_pop *ops;
    size_t nops;
    sli_sink_kind sink;
    const sli_plan *sink_node; /**< BUILD: JOIN, AGG, SORT; RESULT: the root */
    sli_scan_filter *filters;  /**< SCAN sources only: pushed join filters, applied in order */
    bool topk;                 /**< SORT sink under a limit: keep only the first topk_k rows */
    int64_t topk_k;
    size_t nfilters;
    size_t filters_at; /**< the scan filters run before this operator (after the FILTERs before it) */
} sli_pipeline;

typedef struct sli_physical {
    sli_plan *root; /**< the optimized plan (one reference held) */
    sli_pipeline *pipes;
    size_t npipes;
} sli_physical;

/**
 * Cuts an optimized plan into pipelines. Takes a reference to root.
 * @return SL_OK or SL_ERR_NOMEM (recorded on ctx).
 */
sl_status sli_physical_build(sl_context *ctx, sli_plan *root, sli_physical **out);

/**
 * Appends a description of the pipelines, their operators and kernels, and
 * how many workers each may run on when a query has `threads` of them.
 */
void sli_physical_describe(const sli_physical *ph, size_t threads, sli_sbuf *out);

/**
 * EXPLAIN ANALYZE: sli_physical_describe's text, with the measurements of a
 * profiled run (pf from sli_execute_profiled on ph) appended to each line:
 * per pipeline "ran on N workers, M morsels, T ms" (wall); per source "rows
 * read R -> out, T ms" (and Parquet row groups read and skipped); per
 * operator and sink "rows in -> out, T ms" (CPU time summed over workers,
 * the operators after it excluded) and for the sink "memory B" (bytes its
 * output holds at the end).
 */
void sli_physical_describe_profiled(const sli_physical *ph, const sli_profile *pf, sli_sbuf *out);

/**
 * The same measurements as JSON (schema in include/sluice/sluice.h, at
 * sl_frame_explain_analyze).
 */
void sli_physical_profile_json(const sli_physical *ph, const sli_profile *pf, sli_sbuf *out);

/**
 * @return whether a pipeline may run on several workers: one with a LIMIT
 * stops at the first rows of its source, so it runs on one.
 */
bool sli_pipeline_parallel(const sli_pipeline *p);

void sli_physical_free(sli_physical *ph);

/** @return bytes of the table columns a pipeline's scan reads (rows x
 *  width of each scanned column); 0 without a scan. */
uint64_t sli_pipeline_scan_bytes(const sli_pipeline *p);

/**
 * Fills out[0..cap) with the value ranges the filters right after a
 * pipeline's scan allow on the scanned table's columns (scan_ranges.c), so
 * an external table can skip storage units that hold no qualifying row.
 * @return the number of ranges written (0 for a pipeline without a scan).
 */
size_t sli_scan_ranges(const sli_pipeline *p, sli_scan_range *out, size_t cap);

#endif
