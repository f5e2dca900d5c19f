/*
 * scalar/sort.c — the scalar reference multi-key sort (sort.h): a stable,
 * bottom-up merge sort of uint32 row numbers.
 *
 * Runs of RUN rows are first sorted by insertion (stable), then merged in
 * passes that alternate between idx and one temporary buffer; a merge whose
 * halves are already in order is a plain copy, so presorted input is cheap.
 *
 * Key order, per key: a null compares by nulls_first only (desc does not move
 * nulls); two nulls are equal; values compare ascending, or reversed when
 * desc. float64 puts NaN after every number (NaNs are equal to each other) and
 * -0.0 equal to 0.0. Strings compare by memcmp over the common prefix, then
 * the shorter one first.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/sort.h"

#define RUN 32

static inline unsigned bit_at(const uint8_t *bits, size_t i)
{
    return (bits[i >> 3] >> (i & 7)) & 1u;
}

#define CMP3(x, y) (((x) > (y)) - ((x) < (y)))

static inline int cmp_f64(double x, double y)
{
    int xn = x != x, yn = y != y;
    if (xn | yn) return xn - yn; /* NaN is the largest; NaN == NaN */
    return CMP3(x, y);
}

static inline int cmp_str(sli_strview x, sli_strview y)
{
    uint32_t m = x.len < y.len ? x.len : y.len;
    int c = m ? memcmp(x.ptr, y.ptr, m) : 0;
    if (c != 0) return c < 0 ? -1 : 1;
    return CMP3(x.len, y.len);
}

#define VAL(T, k, r) (((const T *)(k)->data)[r])

/* Three-way comparison of rows a and b by every key in turn. */
static int cmp_rows(const sl_sort_key *keys, size_t nkeys, uint32_t a, uint32_t b)
{
    for (size_t i = 0; i < nkeys; i++) {
        const sl_sort_key *k = &keys[i];
        if (k->validity) {
            unsigned va = bit_at(k->validity, a), vb = bit_at(k->validity, b);
            if (va != vb) return (va ? 1 : -1) * (k->nulls_first ? 1 : -1);
            if (!va) continue; /* both null */
        }
        int c;
        switch (k->kind) {
        case SL_SORT_I8: c = CMP3(VAL(int8_t, k, a), VAL(int8_t, k, b)); break;
        case SL_SORT_I16: c = CMP3(VAL(int16_t, k, a), VAL(int16_t, k, b)); break;
        case SL_SORT_I32: c = CMP3(VAL(int32_t, k, a), VAL(int32_t, k, b)); break;
        case SL_SORT_I64: c = CMP3(VAL(int64_t, k, a), VAL(int64_t, k, b)); break;
        case SL_SORT_F64: c = cmp_f64(VAL(double, k, a), VAL(double, k, b)); break;
        case SL_SORT_STR: c = cmp_str(VAL(sli_strview, k, a), VAL(sli_strview, k, b)); break;
        default: c = 0; break; /* an unknown kind orders nothing */
        }
        if (c != 0) return k->desc ? -c : c;
    }
    return 0;
}

/* Stable: an element moves left only past strictly greater ones. */
static void insertion_sort(uint32_t *a, size_t n, const sl_sort_key *keys, size_t nkeys)
{
    for (size_t i = 1; i < n; i++) {
        uint32_t x = a[i];
        size_t j = i;
        while (j > 0 && cmp_rows(keys, nkeys, a[j - 1], x) > 0) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

/* Merges src[lo, mid) and src[mid, hi) into dst[lo, hi); ties take the left side (stable). */
static void merge(const uint32_t *restrict src, size_t lo, size_t mid, size_t hi, uint32_t *restrict dst,
                  const sl_sort_key *keys, size_t nkeys)
{
    if (mid >= hi || cmp_rows(keys, nkeys, src[mid - 1], src[mid]) <= 0) {
        memcpy(dst + lo, src + lo, (hi - lo) * sizeof *src); /* already in order */
        return;
    }
    size_t i = lo, j = mid, k = lo;
    while (i < mid && j < hi) dst[k++] = cmp_rows(keys, nkeys, src[j], src[i]) < 0 ? src[j++] : src[i++];
    while (i < mid) dst[k++] = src[i++];
    while (j < hi) dst[k++] = src[j++];
}

static sl_status sort_rows(uint32_t *idx, size_t n, const sl_sort_key *keys, size_t nkeys)
{
    if (n < 2 || nkeys == 0) return SL_OK;
    if (n <= RUN) {
        insertion_sort(idx, n, keys, nkeys);
        return SL_OK;
    }
    if (n > SIZE_MAX / sizeof *idx) return SL_ERR_NOMEM;
    uint32_t *tmp = malloc(n * sizeof *idx); /* before touching idx: it stays unchanged on failure */
    if (tmp == NULL) return SL_ERR_NOMEM;

    for (size_t lo = 0; lo < n; lo += RUN) insertion_sort(idx + lo, n - lo < RUN ? n - lo : RUN, keys, nkeys);

    uint32_t *src = idx, *dst = tmp;
    for (size_t width = RUN; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = n - lo > width ? lo + width : n;
            size_t hi = n - mid > width ? mid + width : n;
            merge(src, lo, mid, hi, dst, keys, nkeys);
        }
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != idx) memcpy(idx, src, n * sizeof *idx);
    free(tmp);
    return SL_OK;
}

const sl_sort_kernels sli_sort_scalar = {
    .sort = sort_rows,
};
