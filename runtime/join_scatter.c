/*
 * join_scatter.c — write-combined radix scatter of a hash-join build (see
 * join_scatter.h).
 *
 * The staging line of a partition mirrors the aligned output line that holds
 * its next position: the value for position i goes to slot i % per of the
 * line (per values of one width per line). When slot per - 1 is written the
 * line is complete from its first slot or from the partition's start,
 * whichever is later; it is streamed whole, or copied in part.
 */
#include "join_scatter.h"

#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#endif

#include "buffer.h"
#include "stream_line.h"

#define LINE SLI_WC_LINE

sl_status sli_join_wc_init(sli_join_wc *wc, const size_t *start, size_t nparts)
{
    memset(wc, 0, sizeof *wc);
    wc->nparts = nparts;
    wc->start = malloc((nparts + 1) * sizeof *wc->start);
    wc->next = malloc((nparts ? nparts : 1) * sizeof *wc->next);
    wc->stage = sli_buf_alloc((nparts ? nparts : 1) * LINE);
    if (!wc->start || !wc->next || !wc->stage) return SL_ERR_NOMEM;
    memcpy(wc->start, start, (nparts + 1) * sizeof *start);
    return SL_OK;
}

void sli_join_wc_free(sli_join_wc *wc)
{
    free(wc->start);
    free(wc->next);
    sli_buf_free(wc->stage);
    sli_buf_free(wc->wide);
    memset(wc, 0, sizeof *wc);
}

/* Scatters values of type T; see sli_join_wc_scatter. */
#define WC_SCATTER(T)                                                                                        \
    do {                                                                                                     \
        const size_t per = LINE / sizeof(T);                                                                 \
        const T *restrict src = in;                                                                          \
        T *restrict dst = out;                                                                               \
        for (size_t r = 0; r < n; r++) {                                                                     \
            size_t q = part[r];                                                                              \
            if (q >= np) continue;                                                                           \
            size_t at = next[q]++, slot = at & (per - 1);                                                    \
            T *line = (T *)(stage + q * LINE);                                                               \
            line[slot] = src[r];                                                                             \
            if (slot != per - 1) continue;                                                                   \
            size_t first = at - slot; /* the line's first position */                                        \
            if (first >= start[q])                                                                           \
                sli_stream_line(dst + first, line);                                                          \
            else /* the line begins in the partition before */                                               \
                memcpy(dst + start[q], line + (start[q] - first), (at + 1 - start[q]) * sizeof(T));          \
        }                                                                                                    \
        for (size_t p = 0; p < np; p++) { /* the partial last lines */                                       \
            size_t end = next[p], first = end & ~(per - 1);                                                  \
            if (first < start[p]) first = start[p];                                                          \
            if (end > first)                                                                                 \
                memcpy(dst + first, (T *)(stage + p * LINE) + (first & (per - 1)),                           \
                       (end - first) * sizeof(T));                                                           \
        }                                                                                                    \
    } while (0)

void sli_join_wc_scatter(sli_join_wc *wc, const void *in, size_t width, const uint16_t *part, size_t n,
                         void *out)
{
    const size_t np = wc->nparts;
    const size_t *restrict start = wc->start;
    size_t *restrict next = wc->next;
    uint8_t *restrict stage = wc->stage;
    memcpy(next, start, np * sizeof *next);
    switch (width) {
    case 1: WC_SCATTER(uint8_t); break;
    case 2: WC_SCATTER(uint16_t); break;
    case 4: WC_SCATTER(uint32_t); break;
    default: WC_SCATTER(uint64_t); break;
    }
#if defined(__SSE2__) && defined(__x86_64__)
    _mm_sfence(); /* the streamed lines reach memory before anyone reads them */
#endif
}

/* nc columns of 8-byte values in one pass over the rows (nc a constant in
 * each caller, so the column loops unroll). Partition q's lines for its
 * columns lie next to each other in stage. */
static inline __attribute__((always_inline)) void
scatter8(const size_t *restrict start, size_t *restrict next, size_t np, uint64_t *restrict stage,
         const uint64_t *const *in, size_t nc, const uint16_t *restrict part, size_t n, uint64_t *const *out)
{
    const size_t per = LINE / 8;
    for (size_t r = 0; r < n; r++) {
        size_t q = part[r];
        if (q >= np) continue;
        size_t at = next[q]++, slot = at & (per - 1);
        uint64_t *line = stage + q * nc * per;
        for (size_t c = 0; c < nc; c++) line[c * per + slot] = in[c][r];
        if (slot != per - 1) continue;
        size_t first = at - slot;
        if (first >= start[q])
            for (size_t c = 0; c < nc; c++) sli_stream_line(out[c] + first, line + c * per);
        else /* the line begins in the partition before */
            for (size_t c = 0; c < nc; c++)
                memcpy(out[c] + start[q], line + c * per + (start[q] - first), (at + 1 - start[q]) * 8);
    }
    for (size_t p = 0; p < np; p++) { /* the partial last lines */
        size_t end = next[p], first = end & ~(per - 1);
        if (first < start[p]) first = start[p];
        if (end > first)
            for (size_t c = 0; c < nc; c++)
                memcpy(out[c] + first, stage + (p * nc + c) * per + (first & (per - 1)), (end - first) * 8);
    }
}

sl_status sli_join_wc_scatter8(sli_join_wc *wc, const uint64_t *const *in, size_t nc, const uint16_t *part,
                               size_t n, uint64_t *const *out)
{
    const size_t np = wc->nparts;
    if (nc == 0 || nc > SLI_WC_MAX_COLS) return SL_ERR_INTERNAL;
    if (wc->wide_cols < nc) {
        sli_buf_free(wc->wide);
        wc->wide_cols = 0;
        if (!(wc->wide = sli_buf_alloc((np ? np : 1) * nc * LINE))) return SL_ERR_NOMEM;
        wc->wide_cols = nc;
    }
    memcpy(wc->next, wc->start, np * sizeof *wc->next);
    uint64_t *stage = (uint64_t *)wc->wide;
    switch (nc) {
    case 1: scatter8(wc->start, wc->next, np, stage, in, 1, part, n, out); break;
    case 2: scatter8(wc->start, wc->next, np, stage, in, 2, part, n, out); break;
    case 3: scatter8(wc->start, wc->next, np, stage, in, 3, part, n, out); break;
    default: scatter8(wc->start, wc->next, np, stage, in, 4, part, n, out); break;
    }
#if defined(__SSE2__) && defined(__x86_64__)
    _mm_sfence();
#endif
    return SL_OK;
}
