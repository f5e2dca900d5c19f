/*
 * gather.h — gather kernels: dst[i] = src[idx[i]] for i in 0..n-1, for
 * values of 1, 2, 4, 8 and 16 bytes (16: sli_strview), and for validity bits
 * (dst bit i = src bit idx[i]; src == NULL reads as all valid). Used to
 * materialize join output, sort output and result columns.
 */
#ifndef SLI_KERNELS_GATHER_H
#define SLI_KERNELS_GATHER_H

#include <stddef.h>
#include <stdint.h>

#include "isa.h"

typedef void sl_gather_fn(const void *restrict src, const uint32_t *restrict idx, size_t n, void *restrict dst);
/** dst bits [dst_off, dst_off + n) receive src bits idx[0..n); other dst bits are kept. */
typedef void sl_gather_bits_fn(const uint8_t *restrict src, const uint32_t *restrict idx, size_t n,
                               uint8_t *restrict dst, size_t dst_off);

typedef struct sl_gather_kernels {
    sl_gather_fn *w1, *w2, *w4, *w8, *w16;
    sl_gather_bits_fn *bits;
} sl_gather_kernels;

typedef struct sl_gather_variant {
    const char *name;
    sl_isa isa;
    const sl_gather_kernels *k;
} sl_gather_variant;

extern const sl_gather_variant sl_gather_variants[];
extern const size_t sl_gather_variant_count;
const sl_gather_variant *sli_gather_select(void);

#endif
