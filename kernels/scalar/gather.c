/*
 * scalar/gather.c — the scalar reference gather kernels (gather.h):
 * dst[i] = src[idx[i]] for values of 1, 2, 4, 8 and 16 bytes, and for
 * validity bits.
 *
 * Values are moved with fixed-size memcpy, which compiles to one load and one
 * store of the right width and does not care about the element's C type
 * (int64, double or a 16-byte sli_strview all move as bytes).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernels/gather.h"

#define STAMP_GATHER(name, W)                                                                                \
    static void name(const void *restrict src, const uint32_t *restrict idx, size_t n, void *restrict dst)   \
    {                                                                                                        \
        const unsigned char *restrict s = src;                                                               \
        unsigned char *restrict d = dst;                                                                     \
        for (size_t i = 0; i < n; i++) memcpy(d + i * (W), s + (size_t)idx[i] * (W), (W));                   \
    }

STAMP_GATHER(gather_w1, 1)
STAMP_GATHER(gather_w2, 2)
STAMP_GATHER(gather_w4, 4)
STAMP_GATHER(gather_w8, 8)
STAMP_GATHER(gather_w16, 16)

static inline unsigned bit_at(const uint8_t *bits, size_t i)
{
    return (bits[i >> 3] >> (i & 7)) & 1u;
}

/* dst bits [dst_off, dst_off + n) = src bits idx[0..n); src == NULL reads as all set. */
static void gather_bits(const uint8_t *restrict src, const uint32_t *restrict idx, size_t n,
                        uint8_t *restrict dst, size_t dst_off)
{
    size_t i = 0;
    /* Single bits up to a byte boundary of dst. */
    for (; i < n && ((dst_off + i) & 7) != 0; i++) {
        size_t b = dst_off + i;
        unsigned v = src ? bit_at(src, idx[i]) : 1u;
        dst[b >> 3] = (uint8_t)((dst[b >> 3] & ~(1u << (b & 7))) | (v << (b & 7)));
    }
    /* Whole dst bytes, assembled from eight source bits. */
    for (; n - i >= 8; i += 8) {
        unsigned byte = 0xff;
        if (src) {
            byte = 0;
            for (unsigned j = 0; j < 8; j++) byte |= bit_at(src, idx[i + j]) << j;
        }
        dst[(dst_off + i) >> 3] = (uint8_t)byte;
    }
    /* The tail: single bits again, keeping the bits after dst_off + n. */
    for (; i < n; i++) {
        size_t b = dst_off + i;
        unsigned v = src ? bit_at(src, idx[i]) : 1u;
        dst[b >> 3] = (uint8_t)((dst[b >> 3] & ~(1u << (b & 7))) | (v << (b & 7)));
    }
}

const sl_gather_kernels sli_gather_scalar = {
    .w1 = gather_w1,
    .w2 = gather_w2,
    .w4 = gather_w4,
    .w8 = gather_w8,
    .w16 = gather_w16,
    .bits = gather_bits,
};
