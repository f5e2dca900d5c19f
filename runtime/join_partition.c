/*
 * join_partition.c — probe rows buffered by partition (see
 * join_partition.h). A chunk is added in passes: a histogram that also
 * gives each row its place among the chunk's rows of its partition, room
 * made in every partition it touches (blocks for the rows to come), the
 * partitions' earlier rows added to the places, then one scatter per column
 * that writes each row at its place (sequential per partition) through a
 * 64-byte staging line per partition and column, as agg_partition.c does:
 * full lines are streamed to the blocks, and sli_join_pbuf_seal copies the
 * partial last lines before rows are read.
 */
#include "join_partition.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#endif

#include "buffer.h"
#include "stream_line.h"

#define DEFAULT_LIMIT ((size_t)1 << 21)
/* Rows of a partition's first block (a probe of a large table that gets
 * few rows does not hold a full vector's room in every partition); its
 * later blocks hold SLI_VEC_SIZE rows. */
#define FIRST_ROWS 256
/* Bytes of a slab blocks are cut from (slabs.h). */
#define SLAB_BYTES ((size_t)2 << 20)

static size_t g_limit = DEFAULT_LIMIT;

void sli_join_pbuf_set_limit(size_t rows)
{
    g_limit = rows ? rows : DEFAULT_LIMIT;
}

size_t sli_join_pbuf_limit(void)
{
    return g_limit;
}

bool sli_join_pbuf_accepts(sl_type t)
{
    return t.id != SL_TYPE_UTF8;
}

sl_status sli_join_pbuf_init(sli_join_pbuf *b, unsigned pbits, const sl_type *types, size_t ncols)
{
    memset(b, 0, sizeof *b);
    sli_slabs_init(&b->slabs, SLAB_BYTES);
    b->pbits = pbits;
    b->nparts = (size_t)1 << pbits;
    b->ncols = ncols;
    b->width = malloc(ncols ? ncols : 1);
    b->coff = malloc((ncols ? ncols : 1) * sizeof *b->coff);
    b->coff0 = malloc((ncols ? ncols : 1) * sizeof *b->coff0);
    b->count = calloc(b->nparts, sizeof *b->count);
    b->blocks = calloc(b->nparts, sizeof *b->blocks);
    b->nblocks = calloc(b->nparts, sizeof *b->nblocks);
    b->bcap = calloc(b->nparts, sizeof *b->bcap);
    b->add = calloc(b->nparts, sizeof *b->add);
    b->part = malloc(SLI_VEC_SIZE * sizeof *b->part);
    b->at = malloc(SLI_VEC_SIZE * sizeof *b->at);
    b->stage = sli_buf_alloc(b->nparts * (ncols ? ncols : 1) * SLI_WC_LINE);
    b->sealed = true;
    if (!b->width || !b->coff || !b->coff0 || !b->count || !b->blocks || !b->nblocks || !b->bcap || !b->add ||
        !b->part || !b->at || !b->stage)
        return SL_ERR_NOMEM;
    size_t off = 0, off0 = 0;
    for (size_t c = 0; c < ncols; c++) {
        b->width[c] = (uint8_t)sli_type_width(types[c]);
        b->coff[c] = off;
        b->coff0[c] = off0;
        /* each column padded like a vector's data, and cache-line aligned */
        off += (SLI_VEC_SIZE * b->width[c] + SLI_PADDING + SLI_ALIGN - 1) & ~(size_t)(SLI_ALIGN - 1);
        off0 += (FIRST_ROWS * b->width[c] + SLI_PADDING + SLI_ALIGN - 1) & ~(size_t)(SLI_ALIGN - 1);
    }
    b->block_bytes = off ? off : SLI_ALIGN;
    b->block0_bytes = off0 ? off0 : SLI_ALIGN;
    return SL_OK;
}

/* Block k of a partition and the row within it of the partition's row a. */
static inline size_t block_of(size_t a, size_t *in)
{
    if (a < FIRST_ROWS) {
        *in = a;
        return 0;
    }
    a -= FIRST_ROWS;
    *in = a % SLI_VEC_SIZE;
    return 1 + a / SLI_VEC_SIZE;
}

/* @return the rows nb blocks of a partition hold. */
static inline size_t rows_in(size_t nb)
{
    return nb ? FIRST_ROWS + (nb - 1) * SLI_VEC_SIZE : 0;
}

/* Gives partition p blocks for at least `need` rows. @return SL_OK or
 * SL_ERR_NOMEM (the blocks it has keep their rows). */
static sl_status grow(sli_join_pbuf *b, size_t p, size_t need)
{
    size_t want = need <= FIRST_ROWS ? 1 : 1 + (need - FIRST_ROWS + SLI_VEC_SIZE - 1) / SLI_VEC_SIZE;
    if (want > b->bcap[p]) {
        size_t cap = b->bcap[p] ? 2 * b->bcap[p] : 4;
        while (cap < want) cap *= 2;
        char **nb = realloc(b->blocks[p], cap * sizeof *nb);
        if (!nb) return SL_ERR_NOMEM;
        b->blocks[p] = nb;
        b->bcap[p] = cap;
    }
    while (b->nblocks[p] < want) {
        char *blk = sli_slabs_cut(&b->slabs, b->nblocks[p] ? b->block_bytes : b->block0_bytes);
        if (!blk) return SL_ERR_NOMEM;
        b->blocks[p][b->nblocks[p]++] = blk;
    }
    return SL_OK;
}

/* Writes value sel[i] (or i) of src to row at[i] of partition part[i]
 * (column c at offset off of its blocks, off0 of its first) through the
 * partition's staging line for the column: a full line goes to the block
 * in one piece with streaming stores, so the blocks' lines are never read
 * first (the rows of a partition arrive in order, so its line fills from
 * slot 0 on). */
#define SCATTER(T)                                                                                           \
    do {                                                                                                     \
        const size_t per = SLI_WC_LINE / sizeof(T);                                                          \
        const T *in = src;                                                                                   \
        for (size_t i = 0; i < n; i++) {                                                                     \
            uint32_t a = at[i], q = part[i], slot = a & (uint32_t)(per - 1);                                 \
            T *line = (T *)(stage + ((size_t)q * nc + c) * SLI_WC_LINE);                                     \
            line[slot] = in[sel ? sel[i] : i];                                                               \
            if (slot != per - 1) continue;                                                                   \
            size_t in_;                                                                                      \
            size_t k_ = block_of(a, &in_);                                                                   \
            sli_stream_line(blocks[q][k_] + (k_ ? off : off0) + (in_ - slot) * sizeof(T), line);             \
        }                                                                                                    \
    } while (0)

static void scatter(const sli_join_pbuf *b, size_t c, const void *src, const uint32_t *part,
                    const uint32_t *at, const uint32_t *sel, size_t n)
{
    char *const *const *blocks = (char *const *const *)b->blocks;
    uint8_t *stage = b->stage;
    size_t nc = b->ncols, off = b->coff[c], off0 = b->coff0[c];
    switch (b->width[c]) {
    case 1: SCATTER(uint8_t); break;
    case 2: SCATTER(uint16_t); break;
    case 4: SCATTER(uint32_t); break;
    default: SCATTER(uint64_t); break;
    }
}

sl_status sli_join_pbuf_add(sli_join_pbuf *b, const sli_vec *cols, const uint64_t *hashes,
                            const uint32_t *sel, size_t n)
{
    assert(n <= SLI_VEC_SIZE); /* part and at hold one chunk */
    uint32_t *part = b->part, *at = b->at;
    unsigned pbits = b->pbits;
    size_t *restrict add = b->add, *restrict count = b->count;
    memset(add, 0, b->nparts * sizeof *add);
    for (size_t i = 0; i < n; i++) { /* each row's partition and place among the chunk's rows there */
        uint64_t h = hashes[sel ? sel[i] : i];
        uint32_t p = (uint32_t)((h >> 32) >> (32 - pbits)); /* pbits 0: a 32-bit value shifted by 32: 0 */
        part[i] = p;
        at[i] = (uint32_t)add[p]++;
    }
    for (size_t p = 0; p < b->nparts; p++) {
        if (count[p] + add[p] <= rows_in(b->nblocks[p])) continue;
        sl_status s = grow(b, p, count[p] + add[p]);
        if (s) return s;
    }
    for (size_t i = 0; i < n; i++) at[i] += (uint32_t)count[part[i]]; /* after the rows there before */
    for (size_t p = 0; p < b->nparts; p++) count[p] += add[p];
    for (size_t c = 0; c < b->ncols; c++) scatter(b, c, cols[c].data, part, at, sel, n);
    b->rows += n;
    b->sealed = false;
    return SL_OK;
}

void sli_join_pbuf_seal(sli_join_pbuf *b)
{
    if (b->sealed) return;
    for (size_t p = 0; p < b->nparts; p++) {
        size_t end = b->count[p];
        for (size_t c = 0; c < b->ncols && end; c++) {
            size_t w = b->width[c], per = SLI_WC_LINE / w, first = end & ~(per - 1);
            if (end == first) continue; /* its last line was streamed */
            size_t in, k = block_of(first, &in);
            memcpy(b->blocks[p][k] + (k ? b->coff[c] : b->coff0[c]) + in * w,
                   b->stage + (p * b->ncols + c) * SLI_WC_LINE, (end - first) * w);
        }
    }
#if defined(__SSE2__) && defined(__x86_64__)
    _mm_sfence(); /* the streamed lines are in memory before they are read */
#endif
    b->sealed = true;
}

size_t sli_join_pbuf_vectors(const sli_join_pbuf *b, size_t p, size_t start, const sl_type *types,
                             sli_vec *out)
{
    assert(b->sealed && start < b->count[p]);
    size_t in, k = block_of(start, &in);
    const char *blk = b->blocks[p][k];
    for (size_t c = 0; c < b->ncols; c++) {
        out[c].type = types[c];
        out[c].data = blk + (k ? b->coff[c] : b->coff0[c]) + in * b->width[c];
        out[c].validity = NULL;
        out[c].dict = NULL;
    }
    size_t end = rows_in(k + 1); /* the block's end */
    return (end < b->count[p] ? end : b->count[p]) - start;
}

void sli_join_pbuf_clear(sli_join_pbuf *b)
{
    if (b->count) memset(b->count, 0, b->nparts * sizeof *b->count);
    b->rows = 0;
    b->sealed = true;
}

void sli_join_pbuf_free(sli_join_pbuf *b)
{
    sli_slabs_free(&b->slabs);
    for (size_t p = 0; b->blocks && p < b->nparts; p++) free(b->blocks[p]);
    free(b->width);
    free(b->coff);
    free(b->coff0);
    free(b->count);
    free(b->blocks);
    free(b->nblocks);
    free(b->bcap);
    free(b->add);
    free(b->part);
    free(b->at);
    sli_buf_free(b->stage);
    memset(b, 0, sizeof *b);
}
