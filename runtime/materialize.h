/*
 * materialize.h — moving rows between vectors and columns.
 *
 * Pipeline breakers materialize: they append the selected rows of a chunk
 * to column builders (hash-join build side, sort input, results), and later
 * read columns back as vectors.
 */
#ifndef SLI_MATERIALIZE_H
#define SLI_MATERIALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "column.h"
#include "vector.h"

/**
 * Appends the rows sel[0..n) (sel NULL: 0..n-1) of vector v to builder b
 * (whose type must match v's). Dictionary-coded strings stay codes while
 * every vector the builder received carries the same dictionary (the
 * builder holds a reference); otherwise they are decoded to strings.
 * @return SL_OK, SL_ERR_NOMEM or SL_ERR_OVERFLOW (string bytes past 2 GiB).
 */
sl_status sli_append_vec(sli_colbuilder *b, const sli_vec *v, const uint32_t *sel, size_t n);

/** Copies the fixed-width values (`width` bytes each) of v at rows sel, or
 *  0..n-1, to dst[0..n) (a gather kernel, or one memcpy). */
void sli_vec_copy_values(const sli_vec *v, const uint32_t *sel, size_t n, size_t width, void *dst);

/**
 * Makes a vector over rows [start, start + n) of a column. start must be a
 * multiple of 8 (validity bytes are shared, not copied). Plain utf8 needs
 * `views` scratch of n entries for the string views.
 */
void sli_vec_from_column(const sli_column *c, size_t start, size_t n, sli_strview *views, sli_vec *out);

/**
 * Makes a vector of the rows idx[0..n) of a column, gathered into scratch
 * `vals` (n values of at most 16 bytes) and `valid` (n bits).
 */
void sli_vec_gather_column(const sli_column *c, const uint32_t *idx, size_t n, void *vals, uint8_t *valid,
                           sli_vec *out);

/**
 * Like sli_vec_gather_column, but row idx[i] goes to position pos[i] of the
 * output instead of position i: the output spans the positions' index
 * space (vals and valid sized for it) and holds values only at
 * pos[0..n), so a selection of exactly those positions reads it. pos must
 * ascend strictly.
 */
void sli_vec_gather_column_at(const sli_column *c, const uint32_t *idx, const uint32_t *pos, size_t n,
                              void *vals, uint8_t *valid, sli_vec *out);

/** Gathers rows idx[0..n) of a vector into scratch, like sli_vec_gather_column. */
void sli_vec_gather(const sli_vec *v, const uint32_t *idx, size_t n, void *vals, uint8_t *valid,
                    sli_vec *out);

#endif
