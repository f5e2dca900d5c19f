/*
 * filter.h — selection kernels: compare a column with a constant or another
 * column and write the positions that pass into a selection vector.
 *
 * Conventions shared by every selection kernel:
 *  - `sel` lists n row positions to test, ascending; sel == NULL means the
 *    dense rows 0..n-1.
 *  - Positions that pass are written to `out` in order; the count is returned.
 *    out must not alias sel (both are restrict): callers pass a separate buffer.
 *  - Branch-free: out[k] = row; k += pred;
 *  - Values are read at row positions (v[row]); nulls are not looked at:
 *    callers drop null rows first with select_valid.
 * A range kernel tests lo <= v[row] && v[row] <= hi in one pass (a
 * conjunction of a lower and an upper bound on one column, as BETWEEN
 * writes it); with floats a NaN passes no range.
 * Bitmap kernels serve dense conjunctions (runtime/eval.c): bits_range_<type>
 * writes, or ANDs into, one bit per row of n dense values (bit i%64 of word
 * i/64: lo <= v[i] <= hi; bits from n up to the word's end are zero; with
 * and_into a word already zero is not tested again) and returns how many
 * bits are set, and bits_rows turns such a bitmap into row positions.
 * Types are stamped per physical type: i8, i16, i32 (int32, date32), i64
 * (int64, decimal), f64; comparisons of strings use the string kernels.
 */
#ifndef SLI_KERNELS_FILTER_H
#define SLI_KERNELS_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "isa.h"
#include "runtime/column.h"

/** Comparison operators, in this order, index the kernel arrays below. */
typedef enum sl_cmp {
    SL_CMP_EQ = 0,
    SL_CMP_NE,
    SL_CMP_LT,
    SL_CMP_LE,
    SL_CMP_GT,
    SL_CMP_GE,
    SL_CMP_COUNT
} sl_cmp;

#define SLI_FILTER_TYPES(X) X(i8, int8_t) X(i16, int16_t) X(i32, int32_t) X(i64, int64_t) X(f64, double)

#define SLI_DECL_FILTER_FN(tn, T)                                                                            \
    typedef size_t sl_filter_const_##tn##_fn(const T *restrict v, T c, const uint32_t *restrict sel,         \
                                             size_t n, uint32_t *restrict out);                              \
    typedef size_t sl_filter_col_##tn##_fn(const T *restrict a, const T *restrict b,                         \
                                           const uint32_t *restrict sel, size_t n, uint32_t *restrict out);  \
    typedef size_t sl_filter_range_##tn##_fn(const T *restrict v, T lo, T hi, const uint32_t *restrict sel,  \
                                             size_t n, uint32_t *restrict out);                              \
    typedef size_t sl_filter_bits_range_##tn##_fn(const T *restrict v, T lo, T hi, size_t n,                 \
                                                  uint64_t *restrict bits, bool and_into);
SLI_FILTER_TYPES(SLI_DECL_FILTER_FN)
#undef SLI_DECL_FILTER_FN

/** Positions i < n whose bit is set in bits ((n + 63) / 64 words), ascending,
 *  into out (n entries at most). @return how many. */
typedef size_t sl_filter_bits_rows_fn(const uint64_t *restrict bits, size_t n, uint32_t *restrict out);
/** Rows whose validity bit is set (validity != NULL). */
typedef size_t sl_filter_valid_fn(const uint8_t *restrict validity, const uint32_t *restrict sel, size_t n,
                                  uint32_t *restrict out);
/** Rows whose byte is nonzero (bool columns). */
typedef size_t sl_filter_true_fn(const uint8_t *restrict v, const uint32_t *restrict sel, size_t n,
                                 uint32_t *restrict out);
/** Rows whose string compares to c by op (byte-wise, like memcmp then length). */
typedef size_t sl_filter_str_const_fn(sl_cmp op, const sli_strview *restrict v, sli_strview c,
                                      const uint32_t *restrict sel, size_t n, uint32_t *restrict out);
typedef size_t sl_filter_str_col_fn(sl_cmp op, const sli_strview *restrict a, const sli_strview *restrict b,
                                    const uint32_t *restrict sel, size_t n, uint32_t *restrict out);
/** Rows whose dictionary code has pass[code] != 0 (a predicate evaluated once
 *  per dictionary entry, then applied to codes). */
typedef size_t sl_filter_codes_fn(const int32_t *restrict codes, const uint8_t *restrict pass,
                                  const uint32_t *restrict sel, size_t n, uint32_t *restrict out);

typedef struct sl_filter_kernels {
#define SLI_FILTER_MEMBERS(tn, T)                                                                            \
    sl_filter_const_##tn##_fn *cmp_const_##tn[SL_CMP_COUNT];                                                 \
    sl_filter_col_##tn##_fn *cmp_col_##tn[SL_CMP_COUNT];                                                     \
    sl_filter_range_##tn##_fn *range_##tn;                                                                   \
    sl_filter_bits_range_##tn##_fn *bits_range_##tn;
    SLI_FILTER_TYPES(SLI_FILTER_MEMBERS)
#undef SLI_FILTER_MEMBERS
    sl_filter_valid_fn *valid;
    sl_filter_true_fn *is_true;
    sl_filter_str_const_fn *str_const;
    sl_filter_str_col_fn *str_col;
    sl_filter_codes_fn *codes;
    sl_filter_bits_rows_fn *bits_rows;
} sl_filter_kernels;

typedef struct sl_filter_variant {
    const char *name;
    sl_isa isa;
    const sl_filter_kernels *k;
} sl_filter_variant;

extern const sl_filter_variant sl_filter_variants[];
extern const size_t sl_filter_variant_count;

/** @return the variant chosen for this CPU (or by SL_FORCE_ISA); cached. */
const sl_filter_variant *sli_filter_select(void);

#endif
