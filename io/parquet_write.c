/*
 * parquet_write.c — writing a table as one Parquet file (see parquet.h).
 *
 * File layout: "PAR1", then per row group one column chunk per column, then
 * the FileMetaData footer (Thrift compact protocol), its 4-byte length and
 * "PAR1". Row groups take opts->row_group_rows rows, cut across the
 * table's partitions as needed (a row group is a list of partition
 * segments).
 *
 * A column chunk is a dictionary page (when dictionary encoding pays: at
 * most half as many distinct values as non-null values and a PLAIN
 * dictionary under 1 MiB) followed by v1 data pages of about 1 MiB each:
 * definition levels (OPTIONAL columns only: a column is OPTIONAL when any
 * partition holds a null, else REQUIRED) as a length-prefixed RLE hybrid,
 * then the values, PLAIN or as RLE_DICTIONARY indexes. Every page is
 * compressed on its own with the chosen codec.
 *
 * Chunks are encoded in parallel: a batch of row groups is cut into
 * row group x column tasks that the context's worker team takes from an
 * atomic counter; each worker owns its scratch buffers and compressor.
 * The encoded chunks are then written in order and freed, so memory holds
 * one batch of compressed chunks at a time. The file is written under a
 * temporary name in the target's directory and renamed into place; on any
 * failure the temporary file is removed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/compress.h"
#include "io/parquet.h"
#include "io/parquet_encode.h"
#include "io/parquet_format.h"
#include "io/thrift_write.h"
#include "runtime/context.h"
#include "runtime/types.h"
#include "runtime/workers.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the Parquet writer copies values as little-endian bytes"
#endif

#define PAGE_BITS          ((size_t)8 << 20) /* about 1 MiB of encoded values per data page */
#define PAGE_MAX_ROWS      ((size_t)1 << 20) /* and at most this many rows */
#define DICT_MAX_BYTES     ((size_t)1 << 20) /* a larger PLAIN dictionary is not written */
#define DEFAULT_ROW_GROUP  ((size_t)1 << 20) /* sl_parquet_options.row_group_rows == 0 */
#define DEFAULT_ZSTD_LEVEL 3

/* How one sluice column is stored. */
typedef struct colspec {
    sli_pq_type phys;
    size_t width;  /* bytes per flattened value: 1 (bool), 4 or 8; 0 for byte arrays */
    bool optional; /* some partition holds a null */
} colspec;

/* Rows [start, start + rows) of partition part. */
typedef struct seg {
    size_t part, start, rows;
} seg;

/* A row group: segments seg0 .. seg0 + nseg - 1. */
typedef struct rgroup {
    size_t seg0, nseg, rows;
} rgroup;

/* One encoded column chunk and what the footer says about it. */
typedef struct chunk {
    sli_wbuf bytes;   /* the pages with their headers; freed once written */
    int64_t dict_off; /* offsets relative to the chunk's start; -1: no dictionary page */
    int64_t data_off;
    int64_t uncompressed; /* page headers + uncompressed page bodies */
    int64_t compressed;   /* bytes.len */
    int64_t num_values;   /* rows, nulls included */
    int64_t null_count;
    int32_t data_pages;
    bool dict;
    bool has_minmax;
    uint8_t min[8], max[8]; /* fixed-width statistics, PLAIN */
    size_t mm_len;
    sli_strview smin, smax; /* byte-array statistics (borrowed from the table) */
    int64_t file_pos;       /* where the chunk starts in the file */
    sl_status status;
} chunk;

/* A worker's reusable buffers. */
typedef struct scratch {
    uint32_t *defs; /* per row: 1 valid, 0 null (OPTIONAL columns) */
    size_t defs_cap;
    uint8_t *vals; /* the non-null values, flattened to their physical width */
    size_t vals_cap;
    sli_strview *views; /* the non-null strings (PLAIN byte arrays) */
    size_t views_cap;
    uint32_t *idx; /* dictionary index per non-null value */
    size_t idx_cap;
    uint32_t *remap; /* in-memory dictionary code, or value - min, -> chunk dictionary index */
    size_t remap_cap;
    uint64_t *keys; /* the direct-map dictionary's keys */
    size_t keys_cap;
    const uint64_t *dict_keys; /* a fixed-width chunk's dictionary: s->keys or s->h.keys */
    size_t ndict;
    sli_pq_hash64 h;
    sli_pq_strset ss;
    sli_wbuf body, hdr;
    uint8_t *comp;
    size_t comp_cap;
    sli_compressor *z;
} scratch;

typedef struct job {
    const sli_table *t;
    const colspec *spec;
    const seg *segs;
    const rgroup *rgs;
    chunk *chunks; /* nrg * ncols, row-group major */
    size_t ncols;
    size_t rg0, nrg; /* the batch */
    sli_pq_codec codec;
    scratch *scr;
    atomic_size_t next;
    atomic_bool failed;
} job;

/* Makes *p hold at least n elements of size elem. */
static bool grow(void *pp, size_t *cap, size_t n, size_t elem)
{
    void **p = pp;
    if (n <= *cap && *p) return true;
    size_t c = *cap ? *cap : 1024;
    while (c < n) c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q) return false;
    *p = q;
    *cap = c;
    return true;
}

static void scratch_free(scratch *s)
{
    free(s->defs);
    free(s->vals);
    free(s->views);
    free(s->idx);
    free(s->remap);
    free(s->keys);
    sli_pq_hash64_free(&s->h);
    sli_pq_strset_free(&s->ss);
    sli_wbuf_free(&s->body);
    sli_wbuf_free(&s->hdr);
    free(s->comp);
    sli_compressor_free(s->z);
}

/* ---- flattening --------------------------------------------------------- */

/* Copies the valid values of rows [start, start + n) of c to dst at the
 * physical width w. @return the number copied. */
static size_t flatten_fixed(const sli_column *c, size_t start, size_t n, uint8_t *dst, size_t w)
{
    const uint8_t *vd = c->validity;
    size_t k = 0;
    switch (c->type.id) {
    case SL_TYPE_BOOL: {
        const uint8_t *s = (const uint8_t *)c->data + start;
        for (size_t i = 0; i < n; i++)
            if (sli_valid(vd, start + i)) dst[k++] = s[i] != 0;
        return k;
    }
    case SL_TYPE_INT8: {
        const int8_t *s = (const int8_t *)c->data + start;
        int32_t *d = (int32_t *)(void *)dst;
        for (size_t i = 0; i < n; i++)
            if (sli_valid(vd, start + i)) d[k++] = s[i];
        return k;
    }
    case SL_TYPE_INT16: {
        const int16_t *s = (const int16_t *)c->data + start;
        int32_t *d = (int32_t *)(void *)dst;
        for (size_t i = 0; i < n; i++)
            if (sli_valid(vd, start + i)) d[k++] = s[i];
        return k;
    }
    case SL_TYPE_DECIMAL:
        if (w == 4) { /* precision <= 9: every value fits an int32 */
            const int64_t *s = (const int64_t *)c->data + start;
            int32_t *d = (int32_t *)(void *)dst;
            for (size_t i = 0; i < n; i++)
                if (sli_valid(vd, start + i)) d[k++] = (int32_t)s[i];
            return k;
        }
        /* fall through: stored as int64 */
        __attribute__((fallthrough));
    default: { /* int32, date32, int64, float64, decimal: same width */
        const uint8_t *s = (const uint8_t *)c->data + start * w;
        if (!vd) {
            memcpy(dst, s, n * w);
            return n;
        }
        for (size_t i = 0; i < n; i++)
            if (sli_valid(vd, start + i)) memcpy(dst + w * k++, s + w * i, w);
        return k;
    }
    }
}

/* Fills s->defs (OPTIONAL columns) and s->vals / s->views for one chunk.
 * @return the number of non-null values, or (size_t)-1 when out of memory. */
static size_t flatten(const job *j, scratch *s, const rgroup *rg, size_t ci, bool want_views)
{
    const colspec *sp = &j->spec[ci];
    size_t r = 0, nv = 0;
    if (sp->optional && !grow(&s->defs, &s->defs_cap, rg->rows, sizeof *s->defs)) return (size_t)-1;
    if (sp->phys == SLI_PQ_BYTE_ARRAY) {
        if (want_views && !grow(&s->views, &s->views_cap, rg->rows, sizeof *s->views)) return (size_t)-1;
    } else if (!grow(&s->vals, &s->vals_cap, rg->rows * sp->width + 8, 1)) {
        return (size_t)-1;
    }
    for (size_t k = 0; k < rg->nseg; k++) {
        const seg *g = &j->segs[rg->seg0 + k];
        const sli_column *c = j->t->parts[g->part].cols[ci];
        if (sp->optional)
            for (size_t i = 0; i < g->rows; i++) s->defs[r++] = sli_valid(c->validity, g->start + i);
        if (sp->phys != SLI_PQ_BYTE_ARRAY) {
            nv += flatten_fixed(c, g->start, g->rows, s->vals + nv * sp->width, sp->width);
        } else if (want_views) {
            for (size_t i = 0; i < g->rows; i++)
                if (sli_valid(c->validity, g->start + i)) s->views[nv++] = sli_column_str(c, g->start + i);
        } else if (!c->validity) {
            nv += g->rows;
        } else {
            for (size_t i = 0; i < g->rows; i++) nv += sli_valid(c->validity, g->start + i);
        }
    }
    return nv;
}

/* ---- dictionaries ------------------------------------------------------- */

/* Integer chunks whose values span fewer than this many numbers build their
 * dictionary through a direct map (value - min -> index) instead of a hash. */
#define DIRECT_SPAN ((uint64_t)1 << 18)

/* @return value i of s->vals as a dictionary key: the PLAIN bytes read as
 * an unsigned integer (int32 values zero-extended). */
static inline uint64_t key_at(const scratch *s, size_t i, size_t w)
{
    if (w == 4) {
        uint32_t x;
        memcpy(&x, s->vals + 4 * i, 4);
        return x;
    }
    uint64_t k;
    memcpy(&k, s->vals + 8 * i, 8);
    return k;
}

/* The direct-map dictionary of dict_fixed for integers in [lo, lo + span). */
static int dict_direct(scratch *s, size_t nv, size_t w, int64_t lo, uint64_t span, size_t max_distinct)
{
    if (!grow(&s->remap, &s->remap_cap, (size_t)span, sizeof *s->remap)) return -1;
    if (!grow(&s->keys, &s->keys_cap, max_distinct + 1, sizeof *s->keys)) return -1;
    memset(s->remap, 0xff, (size_t)span * sizeof *s->remap);
    size_t n = 0;
    for (size_t i = 0; i < nv; i++) {
        int64_t v;
        if (w == 4) {
            int32_t x;
            memcpy(&x, s->vals + 4 * i, 4);
            v = x;
        } else {
            memcpy(&v, s->vals + 8 * i, 8);
        }
        size_t off = (size_t)((uint64_t)v - (uint64_t)lo); /* < span: lo is the minimum */
        uint32_t e = s->remap[off];
        if (e == UINT32_MAX) {
            if (n == max_distinct) return 0;
            e = s->remap[off] = (uint32_t)n;
            s->keys[n++] = key_at(s, i, w);
        }
        s->idx[i] = e;
    }
    s->dict_keys = s->keys;
    s->ndict = n;
    return 1;
}

/* Builds the chunk dictionary of the nv fixed-width values in s->vals
 * (s->dict_keys, s->ndict) and their indexes (s->idx). c holds the
 * values' statistics. @return 1 when dictionary encoding pays, 0 when it
 * does not, -1 when out of memory. */
static int dict_fixed(scratch *s, const chunk *c, sli_pq_type phys, size_t nv, size_t w)
{
    if (!grow(&s->idx, &s->idx_cap, nv, sizeof *s->idx)) return -1;
    size_t max_distinct = nv / 2;
    if (max_distinct > DICT_MAX_BYTES / w) max_distinct = DICT_MAX_BYTES / w;
    if ((phys == SLI_PQ_INT32 || phys == SLI_PQ_INT64) && c->has_minmax) {
        int64_t lo, hi;
        if (w == 4) {
            int32_t a, b;
            memcpy(&a, c->min, 4);
            memcpy(&b, c->max, 4);
            lo = a, hi = b;
        } else {
            memcpy(&lo, c->min, 8);
            memcpy(&hi, c->max, 8);
        }
        uint64_t span = (uint64_t)hi - (uint64_t)lo + 1; /* 0 only for the full int64 range */
        if (span != 0 && span <= DIRECT_SPAN) return dict_direct(s, nv, w, lo, span, max_distinct);
    }
    sli_pq_hash64_clear(&s->h);
    for (size_t i = 0; i < nv; i++) {
        int64_t e = sli_pq_hash64_insert(&s->h, key_at(s, i, w));
        if (e < 0) return -1;
        if (s->h.count > max_distinct) return 0;
        s->idx[i] = (uint32_t)e;
    }
    s->dict_keys = s->h.keys;
    s->ndict = s->h.count;
    return 1;
}

/* As dict_fixed for the utf8 column ci of row group rg, read straight from
 * the partitions: an in-memory dictionary maps its codes once per segment. */
static int dict_str(const job *j, scratch *s, const rgroup *rg, size_t ci, size_t nv)
{
    sli_pq_strset_clear(&s->ss);
    if (!grow(&s->idx, &s->idx_cap, nv, sizeof *s->idx)) return -1;
    size_t max_distinct = nv / 2, v = 0;
    for (size_t k = 0; k < rg->nseg; k++) {
        const seg *g = &j->segs[rg->seg0 + k];
        const sli_column *c = j->t->parts[g->part].cols[ci];
        if (c->dict) {
            if (!grow(&s->remap, &s->remap_cap, c->dict->count, sizeof *s->remap)) return -1;
            memset(s->remap, 0xff, c->dict->count * sizeof *s->remap);
            const int32_t *codes = c->data;
            for (size_t i = g->start; i < g->start + g->rows; i++) {
                if (!sli_valid(c->validity, i)) continue;
                uint32_t code = (uint32_t)codes[i];
                if (s->remap[code] == UINT32_MAX) {
                    int64_t e = sli_pq_strset_insert(&s->ss, c->dict->views[code]);
                    if (e < 0) return -1;
                    if (s->ss.count > max_distinct || s->ss.bytes + 4 * s->ss.count > DICT_MAX_BYTES)
                        return 0;
                    s->remap[code] = (uint32_t)e;
                }
                s->idx[v++] = s->remap[code];
            }
        } else {
            for (size_t i = g->start; i < g->start + g->rows; i++) {
                if (!sli_valid(c->validity, i)) continue;
                int64_t e = sli_pq_strset_insert(&s->ss, sli_column_str(c, i));
                if (e < 0) return -1;
                if (s->ss.count > max_distinct || s->ss.bytes + 4 * s->ss.count > DICT_MAX_BYTES) return 0;
                s->idx[v++] = (uint32_t)e;
            }
        }
    }
    return 1;
}

/* ---- statistics --------------------------------------------------------- */

/* Byte-wise (unsigned) order of strings, a prefix first. */
static int strcmp_view(sli_strview a, sli_strview b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int r = n ? memcmp(a.ptr, b.ptr, n) : 0;
    if (r) return r;
    return (a.len > b.len) - (a.len < b.len);
}

static void stats_str(chunk *c, const sli_strview *v, size_t n)
{
    if (n == 0) return;
    sli_strview lo = v[0], hi = v[0];
    for (size_t i = 1; i < n; i++) {
        if (strcmp_view(v[i], lo) < 0) lo = v[i];
        if (strcmp_view(v[i], hi) > 0) hi = v[i];
    }
    c->smin = lo;
    c->smax = hi;
    c->has_minmax = true;
}

/* Min and max of n values of physical type phys, read as PLAIN bytes at
 * stride `stride` from p. */
static void stats_fixed(chunk *c, sli_pq_type phys, const uint8_t *p, size_t n, size_t stride)
{
    if (n == 0) return;
    switch (phys) {
    case SLI_PQ_BOOLEAN: {
        uint8_t lo = 1, hi = 0;
        for (size_t i = 0; i < n; i++) {
            lo &= p[i * stride];
            hi |= p[i * stride];
        }
        c->min[0] = lo;
        c->max[0] = hi;
        c->mm_len = 1;
        break;
    }
    case SLI_PQ_INT32: {
        int32_t lo, hi, x;
        memcpy(&lo, p, 4);
        hi = lo;
        for (size_t i = 1; i < n; i++) {
            memcpy(&x, p + i * stride, 4);
            if (x < lo) lo = x;
            if (x > hi) hi = x;
        }
        memcpy(c->min, &lo, 4);
        memcpy(c->max, &hi, 4);
        c->mm_len = 4;
        break;
    }
    case SLI_PQ_INT64: {
        int64_t lo, hi, x;
        memcpy(&lo, p, 8);
        hi = lo;
        for (size_t i = 1; i < n; i++) {
            memcpy(&x, p + i * stride, 8);
            if (x < lo) lo = x;
            if (x > hi) hi = x;
        }
        memcpy(c->min, &lo, 8);
        memcpy(c->max, &hi, 8);
        c->mm_len = 8;
        break;
    }
    default: { /* DOUBLE: NaN is left out; a zero min is -0.0 and a zero max +0.0 (parquet.thrift) */
        double lo = INFINITY, hi = -INFINITY, x;
        bool any = false;
        for (size_t i = 0; i < n; i++) {
            memcpy(&x, p + i * stride, 8);
            if (isnan(x)) continue;
            any = true;
            if (x < lo) lo = x;
            if (x > hi) hi = x;
        }
        if (!any) return;
        if (lo == 0) lo = -0.0;
        if (hi == 0) hi = 0.0;
        memcpy(c->min, &lo, 8);
        memcpy(c->max, &hi, 8);
        c->mm_len = 8;
        break;
    }
    }
    c->has_minmax = true;
}

/* ---- pages -------------------------------------------------------------- */

/* Compresses s->body and appends it with its page header to the chunk.
 * @return SL_OK, SL_ERR_NOMEM or the codec's failure. */
static sl_status emit_page(const job *j, scratch *s, chunk *c, sli_pq_page_type type, size_t nvalues,
                           sli_pq_encoding enc)
{
    if (s->body.nomem) return SL_ERR_NOMEM;
    const uint8_t *payload = s->body.data;
    size_t clen = s->body.len;
    if (j->codec != SLI_PQ_UNCOMPRESSED) {
        size_t bound = sli_compress_bound(s->z, s->body.len);
        if (!grow(&s->comp, &s->comp_cap, bound, 1)) return SL_ERR_NOMEM;
        sl_status st = sli_compress(s->z, s->body.data, s->body.len, s->comp, s->comp_cap, &clen);
        if (st) return st;
        payload = s->comp;
    }
    s->hdr.len = 0;
    sli_thrift_writer w;
    sli_tw_init(&w, &s->hdr);
    /* PageHeader: 1 type, 2 uncompressed_page_size, 3 compressed_page_size,
     * 5 data_page_header, 7 dictionary_page_header. */
    sli_tw_i32(&w, 1, type);
    sli_tw_i32(&w, 2, (int32_t)s->body.len);
    sli_tw_i32(&w, 3, (int32_t)clen);
    if (type == SLI_PQ_DICTIONARY_PAGE) {
        sli_tw_struct_begin(&w, 7); /* DictionaryPageHeader: 1 num_values, 2 encoding */
        sli_tw_i32(&w, 1, (int32_t)nvalues);
        sli_tw_i32(&w, 2, enc);
        sli_tw_struct_end(&w);
    } else {
        /* DataPageHeader: 1 num_values, 2 encoding, 3 definition and
         * 4 repetition level encodings. */
        sli_tw_struct_begin(&w, 5);
        sli_tw_i32(&w, 1, (int32_t)nvalues);
        sli_tw_i32(&w, 2, enc);
        sli_tw_i32(&w, 3, SLI_PQ_RLE);
        sli_tw_i32(&w, 4, SLI_PQ_RLE);
        sli_tw_struct_end(&w);
    }
    sli_tw_struct_end(&w);
    if (s->hdr.nomem) return SL_ERR_NOMEM;
    if (type == SLI_PQ_DICTIONARY_PAGE)
        c->dict_off = (int64_t)c->bytes.len;
    else if (c->data_pages++ == 0)
        c->data_off = (int64_t)c->bytes.len;
    if (!sli_wbuf_reserve(&c->bytes, s->hdr.len + clen)) return SL_ERR_NOMEM;
    sli_wbuf_put(&c->bytes, s->hdr.data, s->hdr.len);
    sli_wbuf_put(&c->bytes, payload, clen);
    c->uncompressed += (int64_t)(s->hdr.len + s->body.len);
    return SL_OK;
}

static void put_u32(sli_wbuf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    sli_wbuf_put(b, x, 4);
}

/* Appends n strings PLAIN: a 4-byte length, then the bytes. */
static void plain_strings(sli_wbuf *b, const sli_strview *v, size_t n)
{
    size_t total = 4 * n;
    for (size_t i = 0; i < n; i++) total += v[i].len;
    if (!sli_wbuf_reserve(b, total)) return;
    for (size_t i = 0; i < n; i++) {
        put_u32(b, v[i].len);
        sli_wbuf_put(b, v[i].ptr, v[i].len);
    }
}

/* The dictionary page: the distinct values PLAIN. */
static sl_status dict_page(const job *j, scratch *s, chunk *c, const colspec *sp)
{
    s->body.len = 0;
    size_t n;
    if (sp->phys == SLI_PQ_BYTE_ARRAY) {
        n = s->ss.count;
        plain_strings(&s->body, s->ss.vals, n);
    } else {
        n = s->ndict;
        if (!sli_wbuf_reserve(&s->body, n * sp->width)) return SL_ERR_NOMEM;
        for (size_t i = 0; i < n; i++)
            sli_wbuf_put(&s->body, &s->dict_keys[i], sp->width); /* low bytes: little-endian */
    }
    return emit_page(j, s, c, SLI_PQ_DICTIONARY_PAGE, n, SLI_PQ_PLAIN);
}

/* Encodes column ci of row group rgi into c. */
static sl_status encode_chunk(const job *j, scratch *s, size_t rgi, size_t ci, chunk *c)
{
    const rgroup *rg = &j->rgs[rgi];
    const colspec *sp = &j->spec[ci];
    bool str = sp->phys == SLI_PQ_BYTE_ARRAY;
    c->dict_off = -1;
    c->num_values = (int64_t)rg->rows;

    size_t nv = flatten(j, s, rg, ci, false);
    if (nv == (size_t)-1) return SL_ERR_NOMEM;
    c->null_count = (int64_t)(rg->rows - nv);

    if (!str) stats_fixed(c, sp->phys, s->vals, nv, sp->width);
    int d = 0;
    if (sp->phys != SLI_PQ_BOOLEAN && nv >= 2)
        d = str ? dict_str(j, s, rg, ci, nv) : dict_fixed(s, c, sp->phys, nv, sp->width);
    if (d < 0) return SL_ERR_NOMEM;
    c->dict = d == 1;
    if (str && !c->dict && flatten(j, s, rg, ci, true) == (size_t)-1) return SL_ERR_NOMEM;
    if (str) stats_str(c, c->dict ? s->ss.vals : s->views, c->dict ? s->ss.count : nv);

    unsigned bw = 0;
    if (c->dict) {
        sl_status st = dict_page(j, s, c, sp);
        if (st) return st;
        size_t ndict = str ? s->ss.count : s->ndict;
        bw = sli_pq_bit_width((uint32_t)(ndict - 1));
        if (bw == 0) bw = 1; /* a one-entry dictionary still takes 1 bit, as other writers do */
    }
    size_t vbits = c->dict ? bw : sp->phys == SLI_PQ_BOOLEAN ? 1 : 8 * sp->width;
    /* Room for the pages uncompressed up front: growing by copies costs
     * more, and pages never touched are never faulted in. */
    size_t est = rg->rows / 8 + nv * vbits / 8 + 4096;
    if (str && !c->dict)
        for (size_t i = 0; i < nv; i++) est += 4 + (size_t)s->views[i].len;
    if (!sli_wbuf_reserve(&c->bytes, est)) return SL_ERR_NOMEM;
    size_t r0 = 0, v0 = 0;
    while (r0 < rg->rows) {
        /* Cut the page: about PAGE_BITS of values and levels. */
        size_t r1 = r0, v1 = v0, bits = 0;
        while (r1 < rg->rows && bits < PAGE_BITS && r1 - r0 < PAGE_MAX_ROWS) {
            if (sp->optional) {
                bits += 1;
                if (!s->defs[r1]) {
                    r1++;
                    continue;
                }
            }
            bits += str && !c->dict ? 8 * (4 + (size_t)s->views[v1].len) : vbits;
            v1++;
            r1++;
        }
        s->body.len = 0;
        if (sp->optional) { /* definition levels: 4-byte length, then the hybrid */
            put_u32(&s->body, 0);
            size_t at = s->body.len;
            sli_pq_rle_encode(&s->body, s->defs + r0, r1 - r0, 1);
            if (s->body.nomem) return SL_ERR_NOMEM;
            uint32_t len = (uint32_t)(s->body.len - at);
            memcpy(s->body.data + at - 4, &len, 4);
        }
        if (c->dict) {
            sli_wbuf_byte(&s->body, (uint8_t)bw);
            sli_pq_rle_encode(&s->body, s->idx + v0, v1 - v0, bw);
        } else if (sp->phys == SLI_PQ_BOOLEAN) {
            sli_pq_plain_bool(&s->body, s->vals + v0, v1 - v0);
        } else if (str) {
            plain_strings(&s->body, s->views + v0, v1 - v0);
        } else {
            sli_wbuf_put(&s->body, s->vals + v0 * sp->width, (v1 - v0) * sp->width);
        }
        sl_status st =
            emit_page(j, s, c, SLI_PQ_DATA_PAGE, r1 - r0, c->dict ? SLI_PQ_RLE_DICTIONARY : SLI_PQ_PLAIN);
        if (st) return st;
        r0 = r1;
        v0 = v1;
    }
    c->compressed = (int64_t)c->bytes.len;
    return SL_OK;
}

/* A worker: takes tasks (row group x column of the batch) until none is
 * left or one failed. */
static sl_status work(size_t w, void *arg)
{
    job *j = arg;
    scratch *s = &j->scr[w];
    size_t ntasks = j->nrg * j->ncols;
    for (;;) {
        if (atomic_load_explicit(&j->failed, memory_order_relaxed)) return SL_OK;
        size_t t = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed);
        if (t >= ntasks) return SL_OK;
        size_t rg = j->rg0 + t / j->ncols, ci = t % j->ncols;
        chunk *c = &j->chunks[rg * j->ncols + ci];
        sl_status st = encode_chunk(j, s, rg, ci, c);
        if (st) {
            c->status = st;
            atomic_store_explicit(&j->failed, true, memory_order_relaxed);
            return st;
        }
    }
}

/* ---- the file ----------------------------------------------------------- */

/* Maps a sluice type to its storage. @return false for a type Parquet
 * output does not take. */
static bool map_type(sl_type t, colspec *sp)
{
    switch (t.id) {
    case SL_TYPE_BOOL: sp->phys = SLI_PQ_BOOLEAN, sp->width = 1; return true;
    case SL_TYPE_INT8:
    case SL_TYPE_INT16:
    case SL_TYPE_INT32:
    case SL_TYPE_DATE32: sp->phys = SLI_PQ_INT32, sp->width = 4; return true;
    case SL_TYPE_INT64: sp->phys = SLI_PQ_INT64, sp->width = 8; return true;
    case SL_TYPE_FLOAT64: sp->phys = SLI_PQ_DOUBLE, sp->width = 8; return true;
    case SL_TYPE_DECIMAL:
        if (t.precision < 1 || t.precision > 18 || t.scale > t.precision) return false;
        sp->phys = t.precision <= 9 ? SLI_PQ_INT32 : SLI_PQ_INT64;
        sp->width = t.precision <= 9 ? 4 : 8;
        return true;
    case SL_TYPE_UTF8: sp->phys = SLI_PQ_BYTE_ARRAY, sp->width = 0; return true;
    default: return false;
    }
}

/* Writes n bytes, retrying short writes. @return 0, or an errno value. */
static int write_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t k = write(fd, b, n);
        if (k < 0) {
            if (errno == EINTR) continue;
            return errno ? errno : EIO;
        }
        b += k;
        n -= (size_t)k;
    }
    return 0;
}

/* One SchemaElement of a leaf column. */
static void schema_column(sli_thrift_writer *w, const char *name, sl_type t, const colspec *sp)
{
    /* SchemaElement: 1 type, 3 repetition_type, 4 name, 6 converted_type,
     * 7 scale, 8 precision, 10 logicalType. */
    sli_tw_elem_struct_begin(w);
    sli_tw_i32(w, 1, sp->phys);
    sli_tw_i32(w, 3, sp->optional ? SLI_PQ_OPTIONAL : SLI_PQ_REQUIRED);
    sli_tw_string(w, 4, name);
    switch (t.id) {
    case SL_TYPE_INT8:
    case SL_TYPE_INT16:
        sli_tw_i32(w, 6, t.id == SL_TYPE_INT8 ? SLI_PQ_CT_INT_8 : SLI_PQ_CT_INT_16);
        sli_tw_struct_begin(w, 10);
        sli_tw_struct_begin(w, 10); /* LogicalType.INTEGER: IntType 1 bitWidth, 2 isSigned */
        sli_tw_byte(w, 1, t.id == SL_TYPE_INT8 ? 8 : 16);
        sli_tw_bool(w, 2, true);
        sli_tw_struct_end(w);
        sli_tw_struct_end(w);
        break;
    case SL_TYPE_DATE32:
        sli_tw_i32(w, 6, SLI_PQ_CT_DATE);
        sli_tw_struct_begin(w, 10);
        sli_tw_struct_begin(w, 6); /* LogicalType.DATE */
        sli_tw_struct_end(w);
        sli_tw_struct_end(w);
        break;
    case SL_TYPE_DECIMAL:
        sli_tw_i32(w, 6, SLI_PQ_CT_DECIMAL);
        sli_tw_i32(w, 7, t.scale);
        sli_tw_i32(w, 8, t.precision);
        sli_tw_struct_begin(w, 10);
        sli_tw_struct_begin(w, 5); /* LogicalType.DECIMAL: 1 scale, 2 precision */
        sli_tw_i32(w, 1, t.scale);
        sli_tw_i32(w, 2, t.precision);
        sli_tw_struct_end(w);
        sli_tw_struct_end(w);
        break;
    case SL_TYPE_UTF8:
        sli_tw_i32(w, 6, SLI_PQ_CT_UTF8);
        sli_tw_struct_begin(w, 10);
        sli_tw_struct_begin(w, 1); /* LogicalType.STRING */
        sli_tw_struct_end(w);
        sli_tw_struct_end(w);
        break;
    default: break;
    }
    sli_tw_struct_end(w);
}

/* One ColumnChunk of the footer. */
static void column_chunk(sli_thrift_writer *w, const char *name, const colspec *sp, const chunk *c,
                         sli_pq_codec codec)
{
    /* ColumnChunk: 2 file_offset, 3 meta_data. file_offset is deprecated
     * and, with no ColumnMetaData outside the footer, 0 (parquet.thrift). */
    sli_tw_elem_struct_begin(w);
    sli_tw_i64(w, 2, 0);
    /* ColumnMetaData: 1 type, 2 encodings, 3 path_in_schema, 4 codec,
     * 5 num_values, 6 total_uncompressed_size, 7 total_compressed_size,
     * 9 data_page_offset, 11 dictionary_page_offset, 12 statistics,
     * 13 encoding_stats. */
    sli_tw_struct_begin(w, 3);
    sli_tw_i32(w, 1, sp->phys);
    sli_tw_list_begin(w, 2, SLI_TC_I32, c->dict ? 3 : 2);
    sli_tw_elem_i32(w, SLI_PQ_PLAIN);
    sli_tw_elem_i32(w, SLI_PQ_RLE);
    if (c->dict) sli_tw_elem_i32(w, SLI_PQ_RLE_DICTIONARY);
    sli_tw_list_begin(w, 3, SLI_TC_BINARY, 1);
    sli_tw_elem_binary(w, name, strlen(name));
    sli_tw_i32(w, 4, codec);
    sli_tw_i64(w, 5, c->num_values);
    sli_tw_i64(w, 6, c->uncompressed);
    sli_tw_i64(w, 7, c->compressed);
    sli_tw_i64(w, 9, c->file_pos + c->data_off);
    if (c->dict) sli_tw_i64(w, 11, c->file_pos + c->dict_off);
    /* Statistics: 3 null_count, 5 max_value, 6 min_value. */
    sli_tw_struct_begin(w, 12);
    sli_tw_i64(w, 3, c->null_count);
    if (c->has_minmax && sp->phys == SLI_PQ_BYTE_ARRAY) {
        sli_tw_binary(w, 5, c->smax.ptr, c->smax.len);
        sli_tw_binary(w, 6, c->smin.ptr, c->smin.len);
    } else if (c->has_minmax) {
        sli_tw_binary(w, 5, c->max, c->mm_len);
        sli_tw_binary(w, 6, c->min, c->mm_len);
    }
    sli_tw_struct_end(w);
    /* PageEncodingStats: 1 page_type, 2 encoding, 3 count. */
    sli_tw_list_begin(w, 13, SLI_TC_STRUCT, c->dict ? 2 : 1);
    if (c->dict) {
        sli_tw_elem_struct_begin(w);
        sli_tw_i32(w, 1, SLI_PQ_DICTIONARY_PAGE);
        sli_tw_i32(w, 2, SLI_PQ_PLAIN);
        sli_tw_i32(w, 3, 1);
        sli_tw_struct_end(w);
    }
    sli_tw_elem_struct_begin(w);
    sli_tw_i32(w, 1, SLI_PQ_DATA_PAGE);
    sli_tw_i32(w, 2, c->dict ? SLI_PQ_RLE_DICTIONARY : SLI_PQ_PLAIN);
    sli_tw_i32(w, 3, c->data_pages);
    sli_tw_struct_end(w);
    sli_tw_struct_end(w); /* meta_data */
    sli_tw_struct_end(w); /* the ColumnChunk */
}

/* Encodes the FileMetaData footer into out. */
static void footer(sli_wbuf *out, const sli_table *t, const colspec *spec, const rgroup *rgs, size_t nrg,
                   const chunk *chunks, sli_pq_codec codec)
{
    size_t ncols = t->schema.ncols;
    sli_thrift_writer w;
    sli_tw_init(&w, out);
    /* FileMetaData: 1 version, 2 schema, 3 num_rows, 4 row_groups,
     * 6 created_by, 7 column_orders. */
    sli_tw_i32(&w, 1, 2);
    sli_tw_list_begin(&w, 2, SLI_TC_STRUCT, ncols + 1);
    sli_tw_elem_struct_begin(&w); /* the root: 4 name, 5 num_children */
    sli_tw_string(&w, 4, "schema");
    sli_tw_i32(&w, 5, (int32_t)ncols);
    sli_tw_struct_end(&w);
    for (size_t i = 0; i < ncols; i++) schema_column(&w, t->schema.names[i], t->schema.types[i], &spec[i]);
    sli_tw_i64(&w, 3, (int64_t)t->rows);
    sli_tw_list_begin(&w, 4, SLI_TC_STRUCT, nrg);
    for (size_t g = 0; g < nrg; g++) {
        /* RowGroup: 1 columns, 2 total_byte_size, 3 num_rows, 5 file_offset,
         * 6 total_compressed_size. */
        const chunk *row = &chunks[g * ncols];
        int64_t unc = 0, comp = 0;
        sli_tw_elem_struct_begin(&w);
        sli_tw_list_begin(&w, 1, SLI_TC_STRUCT, ncols);
        for (size_t i = 0; i < ncols; i++) {
            column_chunk(&w, t->schema.names[i], &spec[i], &row[i], codec);
            unc += row[i].uncompressed;
            comp += row[i].compressed;
        }
        sli_tw_i64(&w, 2, unc);
        sli_tw_i64(&w, 3, (int64_t)rgs[g].rows);
        if (ncols) sli_tw_i64(&w, 5, row[0].file_pos);
        sli_tw_i64(&w, 6, comp);
        sli_tw_struct_end(&w);
    }
    char by[64];
    snprintf(by, sizeof by, "sluice version %d.%d.%d", SLUICE_VERSION_MAJOR, SLUICE_VERSION_MINOR,
             SLUICE_VERSION_PATCH);
    sli_tw_string(&w, 6, by);
    /* ColumnOrder: the union's field 1, TYPE_ORDER (an empty struct). */
    sli_tw_list_begin(&w, 7, SLI_TC_STRUCT, ncols);
    for (size_t i = 0; i < ncols; i++) {
        sli_tw_elem_struct_begin(&w);
        sli_tw_struct_begin(&w, 1);
        sli_tw_struct_end(&w);
        sli_tw_struct_end(&w);
    }
    sli_tw_struct_end(&w);
}

static const char *status_words(sl_status s)
{
    switch (s) {
    case SL_ERR_NOMEM: return "out of memory";
    case SL_ERR_INTERNAL: return "the compressor failed";
    default: return sl_status_str(s);
    }
}

/* Cuts the table's partitions into row groups of rg_rows rows. */
static sl_status plan_row_groups(const sli_table *t, size_t rg_rows, seg **segs_out, rgroup **rgs_out,
                                 size_t *nrg_out)
{
    size_t maxrg = t->rows / rg_rows + 1, maxseg = t->nparts + maxrg;
    seg *segs = malloc(maxseg * sizeof *segs);
    rgroup *rgs = malloc(maxrg * sizeof *rgs);
    if (!segs || !rgs) {
        free(segs);
        free(rgs);
        return SL_ERR_NOMEM;
    }
    size_t nseg = 0, nrg = 0;
    rgroup cur = {0, 0, 0};
    for (size_t p = 0; p < t->nparts; p++) {
        size_t start = 0, prow = t->parts[p].rows;
        while (start < prow) {
            size_t take = prow - start;
            if (take > rg_rows - cur.rows) take = rg_rows - cur.rows;
            segs[nseg++] = (seg){p, start, take};
            cur.nseg++;
            cur.rows += take;
            start += take;
            if (cur.rows == rg_rows) {
                rgs[nrg++] = cur;
                cur = (rgroup){nseg, 0, 0};
            }
        }
    }
    if (cur.rows > 0) rgs[nrg++] = cur;
    *segs_out = segs;
    *rgs_out = rgs;
    *nrg_out = nrg;
    return SL_OK;
}

/* Encodes and writes every row group to fd, from offset 4 (after the
 * magic), then the footer. Errors are recorded on ctx naming path. */
static sl_status write_body(sl_context *ctx, const char *path, int fd, job *j, const rgroup *rgs, size_t nrg,
                            chunk *chunks, int level)
{
    const sli_table *t = j->t;
    size_t ncols = t->schema.ncols;
    size_t nw = ctx ? sl_context_threads(ctx) : 1;
    size_t batch = ncols >= 2 * nw ? 1 : (2 * nw + (ncols ? ncols : 1) - 1) / (ncols ? ncols : 1);
    size_t most_tasks = batch * ncols < nrg * ncols ? batch * ncols : nrg * ncols;
    if (nw > most_tasks) nw = most_tasks;
    if (nw == 0) nw = 1;
    sl_status s = SL_OK;
    j->scr = calloc(nw, sizeof *j->scr);
    if (!j->scr) return sli_error(ctx, SL_ERR_NOMEM, "writing '%s': out of memory", path);
    for (size_t w = 0; w < nw && !s; w++) s = sli_compressor_create(j->codec, level, &j->scr[w].z);
    if (s) {
        s = s == SL_ERR_NOMEM ? sli_error(ctx, s, "writing '%s': out of memory", path)
                              : sli_error(ctx, s, "writing '%s': bad compression level %d", path, level);
    }
    sli_team team = {0};
    bool have_team = false;
    if (!s && nw > 1) {
        s = sli_team_init(&team, nw, sli_context_topology(ctx), ctx->numa_off ? SLI_NUMA_OFF : SLI_NUMA_ON,
                          true);
        if (s) s = sli_error(ctx, s, "writing '%s': cannot start %zu workers", path, nw);
        have_team = !s;
    }
    int64_t pos = 4;
    for (size_t rg0 = 0; rg0 < nrg && !s; rg0 += batch) {
        j->rg0 = rg0;
        j->nrg = nrg - rg0 < batch ? nrg - rg0 : batch;
        atomic_store(&j->next, 0);
        atomic_store(&j->failed, false);
        if (have_team)
            sli_team_run(&team, work, j);
        else
            work(0, j);
        for (size_t g = rg0; g < rg0 + j->nrg && !s; g++) {
            for (size_t i = 0; i < ncols && !s; i++) {
                chunk *c = &chunks[g * ncols + i];
                if (c->status)
                    s = sli_error(ctx, c->status, "writing '%s': row group %zu, column %s: %s", path, g,
                                  t->schema.names[i], status_words(c->status));
            }
        }
        for (size_t g = rg0; g < rg0 + j->nrg && !s; g++) {
            for (size_t i = 0; i < ncols && !s; i++) {
                chunk *c = &chunks[g * ncols + i];
                c->file_pos = pos;
                int e = write_all(fd, c->bytes.data, c->bytes.len);
                if (e) s = sli_error(ctx, SL_ERR_IO, "cannot write '%s': %s", path, strerror(e));
                pos += (int64_t)c->bytes.len;
                /* The buffer goes to the same task of the next batch, whose
                 * pages are already mapped. */
                size_t next = (g + batch) * ncols + i;
                if (g + batch < nrg) {
                    chunks[next].bytes = c->bytes;
                    chunks[next].bytes.len = 0;
                    c->bytes = (sli_wbuf){0};
                } else {
                    sli_wbuf_free(&c->bytes);
                }
            }
        }
    }
    if (have_team) sli_team_free(&team);
    for (size_t w = 0; w < nw; w++) scratch_free(&j->scr[w]);
    free(j->scr);
    j->scr = NULL;
    if (s) return s;

    sli_wbuf f = {0};
    footer(&f, t, j->spec, rgs, nrg, chunks, j->codec);
    uint32_t flen = (uint32_t)f.len;
    put_u32(&f, flen);
    sli_wbuf_put(&f, SLI_PARQUET_MAGIC, 4);
    if (f.nomem) {
        sli_wbuf_free(&f);
        return sli_error(ctx, SL_ERR_NOMEM, "writing '%s': out of memory", path);
    }
    int e = write_all(fd, f.data, f.len);
    sli_wbuf_free(&f);
    if (e) return sli_error(ctx, SL_ERR_IO, "cannot write '%s': %s", path, strerror(e));
    return SL_OK;
}

sl_status sli_parquet_write(sl_context *ctx, const sli_table *t, const char *path,
                            const sl_parquet_options *opts)
{
    if (!t || !path)
        return sli_error(ctx, SL_ERR_INVALID_ARG, "writing Parquet: table and path must not be NULL");
    sl_parquet_options o = {0};
    if (opts) o = *opts;
    sli_pq_codec codec;
    switch (o.codec) {
    case SL_PARQUET_SNAPPY: codec = SLI_PQ_SNAPPY; break;
    case SL_PARQUET_ZSTD: codec = SLI_PQ_ZSTD; break;
    case SL_PARQUET_GZIP: codec = SLI_PQ_GZIP; break;
    case SL_PARQUET_NONE: codec = SLI_PQ_UNCOMPRESSED; break;
    default:
        return sli_error(ctx, SL_ERR_INVALID_ARG, "writing '%s': unknown compression codec %d", path,
                         (int)o.codec);
    }
    int level = codec == SLI_PQ_ZSTD ? (o.zstd_level ? o.zstd_level : DEFAULT_ZSTD_LEVEL) : 0;
    if (codec == SLI_PQ_ZSTD && (level < 1 || level > 22))
        return sli_error(ctx, SL_ERR_INVALID_ARG, "writing '%s': ZSTD level %d is not in 1..22", path, level);
    size_t rg_rows = o.row_group_rows ? o.row_group_rows : DEFAULT_ROW_GROUP;
    if (rg_rows > INT32_MAX)
        return sli_error(ctx, SL_ERR_INVALID_ARG, "writing '%s': %zu rows per row group is too many", path,
                         rg_rows);

    size_t in_memory = 0;
    for (size_t p = 0; p < t->nparts; p++) in_memory += t->parts[p].rows;
    if (in_memory != t->rows) /* a table whose rows live elsewhere (a file source) */
        return sli_error(ctx, SL_ERR_INVALID_ARG,
                         "writing '%s': table %s holds %zu of its %zu rows in memory", path,
                         t->name ? t->name : "?", in_memory, t->rows);
    size_t ncols = t->schema.ncols;
    colspec *spec = calloc(ncols ? ncols : 1, sizeof *spec);
    if (!spec) return sli_error(ctx, SL_ERR_NOMEM, "writing '%s': out of memory", path);
    for (size_t i = 0; i < ncols; i++) {
        if (!map_type(t->schema.types[i], &spec[i])) {
            char tn[64];
            sl_type_name(t->schema.types[i], tn, sizeof tn);
            free(spec);
            return sli_error(ctx, SL_ERR_UNSUPPORTED,
                             "writing '%s': column %s has type %s, which Parquet output does not support",
                             path, t->schema.names[i], tn);
        }
        for (size_t p = 0; p < t->nparts; p++)
            if (t->parts[p].cols[i]->null_count > 0) spec[i].optional = true;
    }
    seg *segs = NULL;
    rgroup *rgs = NULL;
    size_t nrg = 0;
    chunk *chunks = NULL;
    sl_status s = plan_row_groups(t, rg_rows, &segs, &rgs, &nrg);
    if (!s && !(chunks = calloc(nrg * ncols > 0 ? nrg * ncols : 1, sizeof *chunks))) s = SL_ERR_NOMEM;
    if (s) {
        free(spec), free(segs), free(rgs);
        return sli_error(ctx, SL_ERR_NOMEM, "writing '%s': out of memory", path);
    }

    /* The temporary file sits next to the target so that rename is atomic. */
    static atomic_uint counter;
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 64);
    int fd = -1;
    if (!tmp) {
        s = sli_error(ctx, SL_ERR_NOMEM, "writing '%s': out of memory", path);
    } else {
        snprintf(tmp, plen + 64, "%s.%ld.%u.tmp", path, (long)getpid(), atomic_fetch_add(&counter, 1));
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0) s = sli_error(ctx, SL_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
    }
    if (!s) {
        int e = write_all(fd, SLI_PARQUET_MAGIC, 4);
        if (e) s = sli_error(ctx, SL_ERR_IO, "cannot write '%s': %s", path, strerror(e));
    }
    if (!s) {
        job j = {
            .t = t, .spec = spec, .segs = segs, .rgs = rgs, .chunks = chunks, .ncols = ncols, .codec = codec};
        s = write_body(ctx, path, fd, &j, rgs, nrg, chunks, level);
    }
    if (fd >= 0) {
        if (close(fd) != 0 && !s)
            s = sli_error(ctx, SL_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
        if (!s && rename(tmp, path) != 0)
            s = sli_error(ctx, SL_ERR_IO, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
        if (s) unlink(tmp);
    }
    for (size_t i = 0; i < nrg * ncols; i++) sli_wbuf_free(&chunks[i].bytes);
    free(chunks);
    free(tmp);
    free(spec);
    free(segs);
    free(rgs);
    return s;
}
