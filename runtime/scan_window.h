/*
 * scan_window.h — a scan source's views of a partition's columns.
 *
 * The scan pushes a partition's rows as vectors of SLI_VEC_SIZE rows, each
 * column a view of the partition's array (plain strings as decoded views).
 * When the pipeline starts with a filter whose leading conjuncts compare
 * fixed-width columns with literals (sli_eval_scan_tests), the scan first
 * tests them over a window of SLI_SCAN_WINDOW rows, one column at a time,
 * into a bitmap: one long pass per column keeps the memory's prefetchers
 * ahead, where vector-sized passes over several columns in turn keep
 * restarting them. Once few rows pass, the further such conjuncts test
 * only those rows, for the whole window at once, into a list of rows
 * (sli_eval_scan_bits). Each vector of the window then takes its rows from
 * the bitmap or the list and the filter tests only its remaining
 * conjuncts on them (sli_scan_window_select).
 *
 * Not thread-safe: one per worker.
 */
#ifndef SLI_SCAN_WINDOW_H
#define SLI_SCAN_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eval.h"
#include "kernels/filter.h"
#include "table.h"
#include "vector.h"

/** Rows a window's tests cover (a multiple of SLI_VEC_SIZE; a morsel on a
 *  team is shorter). 64K rows ran the TPC-H Q6 shape 7% faster than 16K on
 *  the development VM (1 MiB of L2 per core). */
#define SLI_SCAN_WINDOW ((size_t)65536)

typedef struct sli_scan_bufs {
    sli_vec *vecs;       /**< ncols: the current vector */
    sli_strview **views; /**< ncols: views of a plain string column's rows, else NULL */
    size_t ncols;
    /* windows (ev != NULL) */
    sli_eval *ev; /**< the leading filter's evaluator (borrowed) */
    size_t tests; /**< its leading conjuncts that read columns */
    const sl_filter_kernels *fk;
    sli_vec *wvecs; /**< ncols: the window's fixed-width columns */
    uint64_t *bits; /**< SLI_SCAN_WINDOW / 64: the window's rows passing `tested` conjuncts */
    const uint32_t *rows; /**< instead of bits when not NULL: those rows, ascending (the evaluator's) */
    size_t nrows, next;   /**< how many; the first one a later vector takes */
    uint32_t *sel;        /**< SLI_VEC_SIZE: one vector's rows from the bitmap or the list */
    bool *tested_col;     /**< ncols: read by the `tests` conjuncts (in the cache after a window) */
    size_t wstart, tested;
} sli_scan_bufs;

/**
 * Sets b up for columns colmap[0..ncols) of table t (colmap NULL: the first
 * ncols). filter: the evaluator of a FILTER that receives every vector
 * first, or NULL; windows are used when its leading conjuncts allow.
 * @return false when out of memory (b is then freed).
 */
bool sli_scan_bufs_init(sli_scan_bufs *b, const sli_table *t, const size_t *colmap, size_t ncols,
                        sli_eval *filter);

/** Frees what b holds; a zeroed b is fine. */
void sli_scan_bufs_free(sli_scan_bufs *b);

/** Points b->vecs at rows [start, start + n) of partition pt (n ≤ SLI_VEC_SIZE). */
void sli_scan_bufs_load(sli_scan_bufs *b, const sli_partition *pt, const size_t *colmap, size_t start,
                        size_t n);

/**
 * Test hook (not thread-safe; set it before running a query): the rows of
 * a window, rounded down to whole vectors, at most SLI_SCAN_WINDOW (0
 * restores SLI_SCAN_WINDOW).
 */
void sli_scan_window_set_rows(size_t rows);

/** @return the rows of a window (sli_scan_window_set_rows). */
size_t sli_scan_window_rows(void);

/** @return whether b tests windows (b->ev != NULL). */
static inline bool sli_scan_windows(const sli_scan_bufs *b)
{
    return b->ev != NULL;
}

/**
 * Tests the filter's leading conjuncts over rows [start, start + n) of
 * partition pt (n ≤ sli_scan_window_rows(); start a multiple of 8).
 * @return SL_OK, or the evaluator's error.
 */
sl_status sli_scan_window_test(sli_scan_bufs *b, const sli_partition *pt, const size_t *colmap, size_t start,
                               size_t n);

/**
 * The rows of vector c (loaded from row `start`, inside the last window
 * tested, start - window start a multiple of 64) that pass the whole
 * filter, into out (SLI_VEC_SIZE capacity).
 * @return SL_OK, or the evaluator's error.
 */
sl_status sli_scan_window_select(sli_scan_bufs *b, const sli_chunk *c, size_t start, uint32_t *out,
                                 size_t *nout);

#endif
