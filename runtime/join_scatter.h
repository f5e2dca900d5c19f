/*
 * join_scatter.h — software write-combining for the radix scatter of a
 * hash-join build.
 *
 * A partitioned build moves every value to its partition's next place in
 * one output array (partition q owns positions [start[q], start[q + 1])).
 * Stored one by one, such scattered writes each read a destination line
 * first and, with hundreds of partitions, miss the TLB. Here each partition
 * collects values in a 64-byte staging line that mirrors an aligned line of
 * the output; a full line is written in one piece with non-temporal stores.
 * Lines the partition shares with a neighbour are written only for the part
 * that belongs to it, with ordinary stores. The output is complete when
 * sli_join_wc_scatter returns.
 *
 * Thread safety: a sli_join_wc belongs to one thread; two scatters into one
 * array must not run at the same time.
 */
#ifndef SLI_JOIN_SCATTER_H
#define SLI_JOIN_SCATTER_H

#include <stddef.h>
#include <stdint.h>

#include "types.h"

typedef struct sli_join_wc {
    size_t nparts;
    size_t *start;  /**< nparts + 1: first position of each partition, then the end */
    size_t *next;   /**< nparts: next position each partition writes */
    uint8_t *stage; /**< nparts * 64 bytes: one staging line per partition */
    uint8_t *wide;  /**< sli_join_wc_scatter8: a line per partition and column (allocated there) */
    size_t wide_cols;
} sli_join_wc;

/** Most columns sli_join_wc_scatter8 moves in one pass. */
#define SLI_WC_MAX_COLS 4

/**
 * Prepares write-combining for nparts partitions whose positions start at
 * start[0..nparts] (ascending; start[nparts] is the end). The array is
 * copied. @return SL_OK or SL_ERR_NOMEM (free with sli_join_wc_free either way).
 */
sl_status sli_join_wc_init(sli_join_wc *wc, const size_t *start, size_t nparts);

/**
 * Writes in[r] (values of `width` bytes: 1, 2, 4 or 8) for r in 0..n-1 to
 * out at the next position of partition part[r], rows in order, so each
 * partition receives its rows in their input order. Rows with part[r] >=
 * nparts are skipped. Each partition must have room for the rows sent to it.
 * `out` must be 8-byte aligned (64 for the full benefit). Positions are
 * counted from the partitions' starts again on every call, so one sli_join_wc
 * serves every column of a build.
 */
void sli_join_wc_scatter(sli_join_wc *wc, const void *in, size_t width, const uint16_t *part, size_t n,
                         void *out);

/**
 * Like sli_join_wc_scatter for nc columns of 8-byte values at once
 * (1 <= nc <= SLI_WC_MAX_COLS): in[c][r] goes to out[c] at row r's place.
 * Each row's partition is read and its place advanced once for all the
 * columns, rather than once per column.
 * @return SL_OK or SL_ERR_NOMEM (staging lines for nc columns; nothing written).
 */
sl_status sli_join_wc_scatter8(sli_join_wc *wc, const uint64_t *const *in, size_t nc, const uint16_t *part,
                               size_t n, uint64_t *const *out);

/** Frees what the scatter owns; the struct itself belongs to the caller. */
void sli_join_wc_free(sli_join_wc *wc);

#endif
