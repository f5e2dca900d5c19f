/*
 * simd/sort.c — the sort kernel (sort.h) for each SIMD target (simd.h).
 *
 * One fixed-width key (int8..int64, float64) is sorted by a stable LSD radix
 * sort, one byte per pass, over 64-bit codes whose unsigned order is the key
 * order of the reference (kernels/scalar/sort.c):
 *  - integers: the value's bits with the sign bit flipped, w bytes only;
 *  - float64: -0.0 as 0.0, every NaN as the largest code, negative numbers
 *    with every bit flipped and positive ones with the sign bit set;
 *  - desc: the code complemented (ties still keep input order);
 *  - null rows get code 0 (so they keep input order among themselves) and are
 *    moved, stably, before or after the others (nulls_first; desc does not
 *    move nulls).
 * Passes whose byte is the same in every code are skipped. Several keys and
 * string keys use the reference merge sort.
 */
#include <stdlib.h>

#include "kernels/sort.h"
#include "simd.h"

extern const sl_sort_kernels sli_sort_scalar;

static inline unsigned bit_at(const uint8_t *bits, size_t i)
{
    return (bits[i >> 3] >> (i & 7)) & 1u;
}

/* The order-preserving code of row r of key k (integers use only their
 * width's low bytes). */
static inline uint64_t key_code(const sl_sort_key *k, uint32_t r)
{
    switch (k->kind) {
    case SL_SORT_I8: return (uint8_t)((const int8_t *)k->data)[r] ^ 0x80u;
    case SL_SORT_I16: return (uint16_t)((const int16_t *)k->data)[r] ^ 0x8000u;
    case SL_SORT_I32: return (uint32_t)((const int32_t *)k->data)[r] ^ 0x80000000u;
    case SL_SORT_I64: return (uint64_t)((const int64_t *)k->data)[r] ^ ((uint64_t)1 << 63);
    default: { /* SL_SORT_F64 */
        double x = ((const double *)k->data)[r];
        if (x != x) return ~(uint64_t)0; /* NaN: above +inf, all NaNs equal */
        if (x == 0.0) x = 0.0;           /* -0.0 equals 0.0 */
        uint64_t b;
        memcpy(&b, &x, sizeof b);
        return (b >> 63) ? ~b : b | ((uint64_t)1 << 63);
    }
    }
}

static sl_status sort_radix(uint32_t *idx, size_t n, const sl_sort_key *keys, size_t nkeys)
{
    if (n < 2 || nkeys == 0) return SL_OK;
    const sl_sort_key *k = &keys[0];
    if (nkeys != 1 || k->kind > SL_SORT_F64 || n > UINT32_MAX)
        return sli_sort_scalar.sort(idx, n, keys, nkeys);
    size_t bytes = k->kind == SL_SORT_I8 ? 1 : k->kind == SL_SORT_I16 ? 2 : k->kind == SL_SORT_I32 ? 4 : 8;

    /* Before touching idx: it stays unchanged on failure. */
    uint64_t *code = malloc(n * sizeof *code), *code2 = malloc(n * sizeof *code2);
    uint32_t *idx2 = malloc(n * sizeof *idx2);
    if (code == NULL || code2 == NULL || idx2 == NULL) {
        free(code), free(code2), free(idx2);
        return SL_ERR_NOMEM;
    }
    uint64_t flip = k->desc ? ~(uint64_t)0 : 0;
    if (k->desc && bytes < 8) flip = ((uint64_t)1 << (8 * bytes)) - 1;
    size_t nulls = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = idx[i];
        int valid = k->validity == NULL || bit_at(k->validity, r);
        code[i] = valid ? key_code(k, r) ^ flip : 0;
        nulls += !valid;
    }

    uint32_t *src = idx, *dst = idx2;
    uint64_t *csrc = code, *cdst = code2;
    for (size_t pass = 0; pass < bytes; pass++) {
        unsigned shift = (unsigned)(8 * pass);
        size_t count[256] = {0};
        for (size_t i = 0; i < n; i++) count[(csrc[i] >> shift) & 0xff]++;
        if (count[(csrc[0] >> shift) & 0xff] == n) continue; /* every code has this byte */
        size_t pos[256], sum = 0;
        for (unsigned b = 0; b < 256; b++) {
            pos[b] = sum;
            sum += count[b];
        }
        for (size_t i = 0; i < n; i++) {
            size_t p = pos[(csrc[i] >> shift) & 0xff]++;
            dst[p] = src[i];
            cdst[p] = csrc[i];
        }
        uint32_t *t = src;
        src = dst, dst = t;
        uint64_t *ct = csrc;
        csrc = cdst, cdst = ct;
    }

    if (nulls == 0) {
        if (src != idx) memcpy(idx, src, n * sizeof *idx);
    } else { /* stable partition: nulls before or after the valid rows */
        size_t nv = 0, nn = 0, vbase = k->nulls_first ? nulls : 0, nbase = k->nulls_first ? 0 : n - nulls;
        for (size_t i = 0; i < n; i++) {
            uint32_t r = src[i];
            if (k->validity == NULL || bit_at(k->validity, r))
                dst[vbase + nv++] = r;
            else
                dst[nbase + nn++] = r;
        }
        if (dst != idx) memcpy(idx, dst, n * sizeof *idx);
    }
    free(code), free(code2), free(idx2);
    return SL_OK;
}

const sl_sort_kernels SLI_SIMD_NAME(sort) = {
    .sort = sort_radix,
};

#ifdef SLI_SIMD_EMU
const sl_sort_variant sli_sort_emu_variant = {"avx512-emu", SL_ISA_NONE, &SLI_SIMD_NAME(sort)};
#endif
