/*
 * stream_line.h — software write-combining's last step: a full 64-byte
 * staging line written to its place in memory with streaming (non-temporal)
 * stores, past the caches, for scatters whose output is read again only much
 * later (partitioned aggregation rows, join build columns).
 */
#ifndef SLI_STREAM_LINE_H
#define SLI_STREAM_LINE_H

#include <stdint.h>
#include <string.h>
#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#endif

/** Bytes of a staging line: a cache line. */
#define SLI_WC_LINE 64

/**
 * Writes the SLI_WC_LINE bytes at line to dst (64-byte aligned). On x86-64
 * the line is read in 8-byte pieces: narrower or 8-byte values were just
 * stored into it one by one, and a wider load could not be forwarded from
 * those stores. Pairs of pieces are streamed as 16-byte stores: 8-byte
 * streaming stores write memory at half the rate on some processors (AMD
 * Zen). Call _mm_sfence (or any fence) before other threads read dst.
 */
static inline void sli_stream_line(void *dst, const void *line)
{
#if defined(__SSE2__) && defined(__x86_64__)
    const long long *s = line;
    if (((uintptr_t)dst & 15) == 0) {
        __m128i *d = dst;
        for (int i = 0; i < SLI_WC_LINE / 16; i++) {
            __m128i lo = _mm_loadl_epi64((const __m128i *)(s + 2 * i));
            __m128i hi = _mm_loadl_epi64((const __m128i *)(s + 2 * i + 1));
            _mm_stream_si128(d + i, _mm_unpacklo_epi64(lo, hi));
        }
        return;
    }
    long long *d = dst;
    for (int i = 0; i < SLI_WC_LINE / 8; i++) _mm_stream_si64(d + i, s[i]);
#else
    memcpy(dst, line, SLI_WC_LINE);
#endif
}

#endif
