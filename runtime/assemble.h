/*
 * assemble.h — the parallel part of putting a parallel pipeline's output
 * together: segments of the workers' columns copied, in the order of the
 * morsels they came from, into one column per output column.
 *
 * A result or sort input made by several workers is a list of segments
 * (rows [row, end) of worker w's columns, bound for rows [at, ...) of the
 * output). Fixed-width columns (every type but utf8) are copied here by the
 * team, each worker taking a share of the segments and copying their values
 * with memcpy into the output's preallocated buffer; validity bits, which
 * two segments may share a byte of, are set afterwards by one thread, and
 * only for columns that hold a NULL. utf8 columns (offsets into per-worker
 * byte arrays, or dictionary codes) stay with the caller's serial path.
 *
 * sli_assemble_segments and sli_assemble_concat are the two uses: a result
 * or sort input in morsel order, and a join build worker by worker.
 *
 * Thread safety: one call at a time per output; the team's workers write
 * disjoint rows.
 */
#ifndef SLI_ASSEMBLE_H
#define SLI_ASSEMBLE_H

#include <stdbool.h>
#include <stddef.h>

#include "column.h"
#include "sluice/sluice.h"

struct sli_team;

/** One segment: rows [row, end) of worker w's columns go to rows [at, at + end - row). */
typedef struct sli_asm_seg {
    size_t w, row, end, at;
} sli_asm_seg;

/** @return whether sli_assemble_fixed copies columns of type t (fixed width). */
bool sli_assemble_copies(sl_type t);

/**
 * Fills dst[i] for every i < nb with copies[i] set: a fresh builder holding
 * the `total` rows of the segments segs[0..nsegs) of column i, where worker
 * w's column i is cols[w * nb + i] (columns of a type sli_assemble_copies
 * accepts). The segments must cover rows 0..total of the output exactly.
 * The team (NULL: this thread alone) copies the values.
 * @return SL_OK or SL_ERR_NOMEM (dst[i] is then left as it was).
 */
sl_status sli_assemble_fixed(const struct sli_team *team, sli_column *const *cols, size_t nb,
                             const bool *copies, const sli_asm_seg *segs, size_t nsegs, size_t total,
                             sli_colbuilder *dst);

/**
 * Puts segments segs[0..nsegs) (in output order, `at` set, covering rows
 * 0..total of the output) of the nw workers' columns (worker w's column i
 * is cols[w * nb + i]) into the fresh builders dst[0..nb). Past 64K rows
 * with several workers the fixed-width columns go through
 * sli_assemble_fixed on the team; the rest is gathered here.
 * @return SL_OK or SL_ERR_NOMEM.
 */
sl_status sli_assemble_segments(const struct sli_team *team, sli_column *const *cols, size_t nw, size_t nb,
                                const sli_asm_seg *segs, size_t nsegs, sli_colbuilder *dst);

/**
 * Appends the rows of workers 1..nw-1's builders src[w][0..nb) (rows[w]
 * rows each) to worker 0's, src[0]: whole columns, worker by worker (an
 * order-free output such as a join build). Past 64K rows in all, the
 * fixed-width columns are copied into fresh columns by the team
 * (sli_assemble_fixed, worker 0's rows included); strings are appended here.
 * The other workers' builders are left finished (empty).
 * @return SL_OK or SL_ERR_NOMEM.
 */
sl_status sli_assemble_concat(const struct sli_team *team, sli_colbuilder *const *src, const size_t *rows,
                              size_t nw, size_t nb);

#endif
