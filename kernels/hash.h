/*
 * hash.h — vectorized hashing of key columns for joins and grouping.
 *
 * For each row in the selection (sel == NULL: rows 0..n-1),
 * out[row] = h(v[row]) when combine is 0, or mix(out[row], h(v[row])) when
 * combine is 1 (hashing a second, third... key column). Rows whose validity
 * bit is clear hash as SL_HASH_NULL. Equal values hash equally across kernels
 * of the same type; float64 hashes -0.0 like 0.0 and every NaN alike.
 */
#ifndef SLI_KERNELS_HASH_H
#define SLI_KERNELS_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "isa.h"
#include "runtime/column.h"

#define SL_HASH_NULL 0x9e3779b97f4a7c15ull

typedef void sl_hash_i32_fn(const int32_t *restrict v, const uint8_t *restrict validity, const uint32_t *restrict sel,
                            size_t n, int combine, uint64_t *restrict out);
typedef void sl_hash_i64_fn(const int64_t *restrict v, const uint8_t *restrict validity, const uint32_t *restrict sel,
                            size_t n, int combine, uint64_t *restrict out);
typedef void sl_hash_f64_fn(const double *restrict v, const uint8_t *restrict validity, const uint32_t *restrict sel,
                            size_t n, int combine, uint64_t *restrict out);
typedef void sl_hash_str_fn(const sli_strview *restrict v, const uint8_t *restrict validity,
                            const uint32_t *restrict sel, size_t n, int combine, uint64_t *restrict out);
/** Dictionary-coded strings: h = dict_hashes[codes[row]] (dict_hashes from
 *  hash_str over the dictionary's views, computed once per dictionary). */
typedef void sl_hash_codes_fn(const int32_t *restrict codes, const uint64_t *restrict dict_hashes,
                              const uint8_t *restrict validity, const uint32_t *restrict sel, size_t n, int combine,
                              uint64_t *restrict out);

typedef struct sl_hash_kernels {
    sl_hash_i32_fn *i32;
    sl_hash_i64_fn *i64;
    sl_hash_f64_fn *f64;
    sl_hash_str_fn *str;
    sl_hash_codes_fn *codes;
} sl_hash_kernels;

typedef struct sl_hash_variant {
    const char *name;
    sl_isa isa;
    const sl_hash_kernels *k;
} sl_hash_variant;

extern const sl_hash_variant sl_hash_variants[];
extern const size_t sl_hash_variant_count;
const sl_hash_variant *sli_hash_select(void);

#endif
