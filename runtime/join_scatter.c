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
