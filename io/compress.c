/*
 * compress.c — page compression with Snappy, ZSTD and gzip (see compress.h).
 *
 * GZIP in Parquet is a gzip member (RFC 1952): zlib's deflate writes one
 * when its window-bits argument is 15 + 16. The deflate stream and the ZSTD
 * context are made once per compressor and reset between pages.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "io/compress.h"

struct sli_compressor {
    sli_pq_codec codec;
    int level;
    ZSTD_CCtx *zctx; /**< ZSTD only */
    z_stream gz;     /**< GZIP only, once gz_ready */
    int gz_ready;
};

sl_status sli_compressor_create(sli_pq_codec codec, int level, sli_compressor **out)
{
    *out = NULL;
    if (codec != SLI_PQ_UNCOMPRESSED && codec != SLI_PQ_SNAPPY && codec != SLI_PQ_ZSTD &&
        codec != SLI_PQ_GZIP)
        return SL_ERR_INVALID_ARG;
    if (codec == SLI_PQ_ZSTD && (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel() || level == 0))
        return SL_ERR_INVALID_ARG;
    if (codec == SLI_PQ_GZIP && (level < 0 || level > 9)) return SL_ERR_INVALID_ARG;
    sli_compressor *z = calloc(1, sizeof *z);
    if (!z) return SL_ERR_NOMEM;
    z->codec = codec;
    z->level = level;
    if (codec == SLI_PQ_ZSTD) {
        z->zctx = ZSTD_createCCtx();
        if (!z->zctx) {
            free(z);
            return SL_ERR_NOMEM;
        }
    } else if (codec == SLI_PQ_GZIP) {
        int lvl = level == 0 ? Z_DEFAULT_COMPRESSION : level;
        /* 15 + 16: a 32 KiB window with a gzip header and trailer. */
        int rc = deflateInit2(&z->gz, lvl, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
        if (rc != Z_OK) {
            free(z);
            return rc == Z_MEM_ERROR ? SL_ERR_NOMEM : SL_ERR_INVALID_ARG;
        }
        z->gz_ready = 1;
    }
    *out = z;
    return SL_OK;
}

void sli_compressor_free(sli_compressor *z)
{
    if (!z) return;
    if (z->zctx) ZSTD_freeCCtx(z->zctx);
    if (z->gz_ready) deflateEnd(&z->gz);
    free(z);
}

size_t sli_compress_bound(const sli_compressor *z, size_t n)
{
    switch (z->codec) {
    case SLI_PQ_SNAPPY: return snappy_max_compressed_length(n);
    case SLI_PQ_ZSTD: return ZSTD_compressBound(n);
    case SLI_PQ_GZIP: {
        /* deflateBound assumes a zlib wrapper (6 bytes); gzip's is 18. */
        uLong b = deflateBound((z_streamp)&z->gz, (uLong)n);
        return (size_t)b + 32;
    }
    default: return n;
    }
}

static sl_status gzip(sli_compressor *z, const void *src, size_t n, void *dst, size_t cap, size_t *out_len)
{
    if (n > UINT_MAX || cap > UINT_MAX) return SL_ERR_INTERNAL; /* pages are far smaller */
    if (deflateReset(&z->gz) != Z_OK) return SL_ERR_INTERNAL;
    z->gz.next_in = (Bytef *)(uintptr_t)src; /* zlib's API is not const-correct; it only reads */
    z->gz.avail_in = (uInt)n;
    z->gz.next_out = dst;
    z->gz.avail_out = (uInt)cap;
    int rc = deflate(&z->gz, Z_FINISH);
    if (rc != Z_STREAM_END) return rc == Z_MEM_ERROR ? SL_ERR_NOMEM : SL_ERR_INTERNAL;
    *out_len = cap - z->gz.avail_out;
    return SL_OK;
}

sl_status sli_compress(sli_compressor *z, const void *src, size_t n, void *dst, size_t cap, size_t *out_len)
{
    *out_len = 0;
    switch (z->codec) {
    case SLI_PQ_SNAPPY: {
        size_t len = cap;
        if (snappy_compress(src, n, dst, &len) != SNAPPY_OK) return SL_ERR_INTERNAL;
        *out_len = len;
        return SL_OK;
    }
    case SLI_PQ_ZSTD: {
        size_t r = ZSTD_compressCCtx(z->zctx, dst, cap, src, n, z->level);
        if (ZSTD_isError(r))
            return ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation ? SL_ERR_NOMEM : SL_ERR_INTERNAL;
        *out_len = r;
        return SL_OK;
    }
    case SLI_PQ_GZIP: return gzip(z, src, n, dst, cap, out_len);
    default:
        if (n > cap) return SL_ERR_INTERNAL;
        if (n) memcpy(dst, src, n);
        *out_len = n;
        return SL_OK;
    }
}
