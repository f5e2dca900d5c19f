/*
 * compress.h — whole-buffer compression for Parquet pages: Snappy (raw
 * block format, snappy-c.h), ZSTD (a frame, zstd.h) and GZIP (a gzip member
 * made by zlib's deflate), or none.
 *
 * A compressor keeps the codec's reusable state (a ZSTD context, a deflate
 * stream), so a worker creates one and compresses many pages with it.
 * Thread safety: a compressor belongs to one thread at a time; distinct
 * compressors may run concurrently.
 */
#ifndef SLI_COMPRESS_H
#define SLI_COMPRESS_H

#include <stddef.h>

#include "io/parquet_format.h"
#include "sluice/sluice.h"

/** A codec's state; opaque. */
typedef struct sli_compressor sli_compressor;

/**
 * Creates a compressor.
 * @param codec SLI_PQ_UNCOMPRESSED, SLI_PQ_SNAPPY, SLI_PQ_ZSTD or SLI_PQ_GZIP.
 * @param level ZSTD: its level (1..ZSTD_maxCLevel()); GZIP: zlib's 1..9, or
 *        0 for zlib's default; ignored by the others.
 * @param out receives the compressor, owned by the caller (sli_compressor_free).
 * @return SL_OK; SL_ERR_INVALID_ARG for another codec or a bad level;
 *         SL_ERR_NOMEM.
 */
sl_status sli_compressor_create(sli_pq_codec codec, int level, sli_compressor **out);

/** Frees a compressor. NULL is ignored. */
void sli_compressor_free(sli_compressor *z);

/** @return the most bytes compressing n bytes can produce. */
size_t sli_compress_bound(const sli_compressor *z, size_t n);

/**
 * Compresses src[0..n) into dst, which has room for cap bytes (at least
 * sli_compress_bound(z, n) guarantees success).
 * @param out_len receives the compressed size.
 * @return SL_OK; SL_ERR_NOMEM when the codec could not allocate;
 *         SL_ERR_INTERNAL when the codec fails otherwise (dst too small).
 */
sl_status sli_compress(sli_compressor *z, const void *src, size_t n, void *dst, size_t cap, size_t *out_len);

#endif
