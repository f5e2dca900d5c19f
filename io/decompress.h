/*
 * decompress.h — Parquet page decompression: UNCOMPRESSED, SNAPPY, GZIP
 * (zlib inflate with a gzip or zlib header) and ZSTD. LZO, BROTLI, LZ4 and
 * LZ4_RAW are not read.
 *
 * Thread safety: reentrant (no shared state).
 */
#ifndef SLI_DECOMPRESS_H
#define SLI_DECOMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/sluice.h"

/** @return the name of a Parquet codec number ("SNAPPY"), or "unknown". */
const char *sli_pq_codec_name(int codec);

/** @return true when sli_decompress reads pages of this codec. */
int sli_pq_codec_supported(int codec);

/**
 * Checks, before any output is allocated, that compressed data says it
 * holds dstlen bytes where its format states a size (Snappy's preamble, a
 * ZSTD frame header, a gzip trailer), so a lying page header cannot make the
 * caller allocate a huge buffer for nothing.
 * @return 1 when the size agrees or cannot be known beforehand, else 0.
 */
int sli_decompress_size_ok(int codec, const uint8_t *src, size_t srclen, size_t dstlen);

/**
 * Decompresses srclen bytes at src into exactly dstlen bytes at dst.
 * @param err receives a one-line reason on failure (errlen bytes).
 * @return SL_OK; SL_ERR_UNSUPPORTED for a codec sluice does not read;
 *         SL_ERR_PARQUET when the data is corrupt or does not decompress
 *         to exactly dstlen bytes.
 */
sl_status sli_decompress(int codec, const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen, char *err,
                         size_t errlen);

#endif
