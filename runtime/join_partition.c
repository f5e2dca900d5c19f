/*
 * join_partition.c — probe rows buffered by directory partition (see
 * join_partition.h). A chunk is added in two passes: a histogram that makes
 * room in every partition it touches, then one scatter per column that
 * writes each row at its place (sequential per partition).
 */
#include "join_partition.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"

#define DEFAULT_LIMIT ((size_t)1 << 21)
#define FIRST_CAP     256

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
    b->pbits = pbits;
    b->nparts = (size_t)1 << pbits;
    b->ncols = ncols;
    b->width = malloc(ncols ? ncols : 1);
    b->count = calloc(b->nparts, sizeof *b->count);
    b->cap = calloc(b->nparts, sizeof *b->cap);
    b->add = calloc(b->nparts, sizeof *b->add);
    b->data = calloc(b->nparts * (ncols ? ncols : 1), sizeof *b->data);
    b->part = malloc(SLI_VEC_SIZE * sizeof *b->part);
    b->at = malloc(SLI_VEC_SIZE * sizeof *b->at);
    if (!b->width || !b->count || !b->cap || !b->add || !b->data || !b->part || !b->at) return SL_ERR_NOMEM;
    for (size_t c = 0; c < ncols; c++) b->width[c] = (uint8_t)sli_type_width(types[c]);
    return SL_OK;
}

/* Grows partition p's arrays to hold at least `need` rows. Plain realloc:
 * large blocks move without a copy, and nothing needs clearing; the arrays
 * are padded (SLI_PADDING) like every vector's data. */
static sl_status grow(sli_join_pbuf *b, size_t p, size_t need)
{
    size_t cap = b->cap[p] ? b->cap[p] : FIRST_CAP;
    while (cap < need) cap *= 2;
    for (size_t c = 0; c < b->ncols; c++) {
        void **d = &b->data[p * b->ncols + c];
        void *nd = realloc(*d, cap * b->width[c] + SLI_PADDING);
        if (!nd) return SL_ERR_NOMEM; /* the arrays grown so far keep their rows */
        *d = nd;
    }
    b->cap[p] = cap;
    return SL_OK;
}

/* Writes value sel[i] (or i) of src to row at[i] of partition part[i]'s array. */
#define SCATTER(T)                                                                                           \
    do {                                                                                                     \
        const T *in = src;                                                                                   \
        for (size_t i = 0; i < n; i++) ((T *)dst[part[i] * nc])[at[i]] = in[sel ? sel[i] : i];               \
    } while (0)

static void scatter(const void *src, size_t width, void *const *dst, size_t nc, const uint32_t *part,
                    const uint32_t *at, const uint32_t *sel, size_t n)
{
    switch (width) {
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
    memset(b->add, 0, b->nparts * sizeof *b->add);
    for (size_t i = 0; i < n; i++) {
        uint64_t h = hashes[sel ? sel[i] : i];
        uint32_t p = (uint32_t)((h >> 32) >> (32 - pbits)); /* pbits 0: a 32-bit value shifted by 32: 0 */
        part[i] = p;
        b->add[p]++;
    }
    for (size_t p = 0; p < b->nparts; p++) {
        if (b->count[p] + b->add[p] <= b->cap[p]) continue;
        sl_status s = grow(b, p, b->count[p] + b->add[p]);
        if (s) return s;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t p = part[i];
        at[i] = (uint32_t)b->count[p]++;
    }
    for (size_t c = 0; c < b->ncols; c++)
        scatter(cols[c].data, b->width[c], b->data + c, b->ncols, part, at, sel, n);
    b->rows += n;
    return SL_OK;
}

void sli_join_pbuf_vectors(const sli_join_pbuf *b, size_t p, size_t start, const sl_type *types, sli_vec *out)
{
    for (size_t c = 0; c < b->ncols; c++) {
        out[c].type = types[c];
        out[c].data = (const char *)b->data[p * b->ncols + c] + start * b->width[c];
        out[c].validity = NULL;
        out[c].dict = NULL;
    }
}

void sli_join_pbuf_clear(sli_join_pbuf *b)
{
    if (b->count) memset(b->count, 0, b->nparts * sizeof *b->count);
    b->rows = 0;
}

void sli_join_pbuf_free(sli_join_pbuf *b)
{
    for (size_t i = 0; b->data && i < b->nparts * b->ncols; i++) free(b->data[i]);
    free(b->width);
    free(b->count);
    free(b->cap);
    free(b->add);
    free(b->data);
    free(b->part);
    free(b->at);
    memset(b, 0, sizeof *b);
}
