/*
 * decompress.c — page decompression for the Parquet reader (see decompress.h).
 *
 * Every codec is asked to produce exactly the page's uncompressed size:
 * Snappy's and ZSTD's frames state their size, which is checked before
 * decoding; gzip's trailer states it modulo 2^32, checked the same way; zlib
 * never writes past the output buffer it is given.
 */
#include "io/decompress.h"

#include <snappy-c.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "io/parquet_format.h"

const char *sli_pq_codec_name(int codec)
{
    switch (codec) {
    case SLI_PQ_UNCOMPRESSED: return "UNCOMPRESSED";
    case SLI_PQ_SNAPPY: return "SNAPPY";
    case SLI_PQ_GZIP: return "GZIP";
    case SLI_PQ_LZO: return "LZO";
    case SLI_PQ_BROTLI: return "BROTLI";
    case SLI_PQ_LZ4: return "LZ4";
    case SLI_PQ_ZSTD: return "ZSTD";
    case SLI_PQ_LZ4_RAW: return "LZ4_RAW";
    }
    return "unknown";
}

int sli_pq_codec_supported(int codec)
{
    return codec == SLI_PQ_UNCOMPRESSED || codec == SLI_PQ_SNAPPY || codec == SLI_PQ_GZIP ||
           codec == SLI_PQ_ZSTD;
}

int sli_decompress_size_ok(int codec, const uint8_t *src, size_t srclen, size_t dstlen)
{
    switch (codec) {
    case SLI_PQ_UNCOMPRESSED: return srclen == dstlen;
    case SLI_PQ_SNAPPY: {
        size_t n = 0;
        return snappy_uncompressed_length((const char *)src, srclen, &n) == SNAPPY_OK && n == dstlen;
    }
    case SLI_PQ_ZSTD: {
        unsigned long long n = ZSTD_getFrameContentSize(src, srclen);
        return n != ZSTD_CONTENTSIZE_ERROR && (n == ZSTD_CONTENTSIZE_UNKNOWN || n == dstlen);
    }
    case SLI_PQ_GZIP:
        if (srclen >= 18 && src[0] == 0x1f && src[1] == 0x8b) {
            const uint8_t *t = src + srclen - 4;
            uint32_t isize =
                (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 | (uint32_t)t[3] << 24;
            return isize == (uint32_t)dstlen;
        }
        /* A zlib stream states no size: at most 1032:1 is what deflate can reach. */
        return dstlen / 1032 <= srclen;
    default: return 1;
    }
}

static sl_status inflate_all(const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen, char *err,
                             size_t errlen)
{
    if (srclen > UINT32_MAX || dstlen > UINT32_MAX) {
        snprintf(err, errlen, "GZIP page over 4 GiB");
        return SL_ERR_PARQUET;
    }
    /* A gzip member ends with the uncompressed size modulo 2^32. */
    if (srclen >= 18 && src[0] == 0x1f && src[1] == 0x8b) {
        const uint8_t *t = src + srclen - 4;
        uint32_t isize = (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 | (uint32_t)t[3] << 24;
        if (isize != (uint32_t)dstlen) {
            snprintf(err, errlen, "GZIP data holds %u bytes where the page header says %zu", isize, dstlen);
            return SL_ERR_PARQUET;
        }
    }
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 32) != Z_OK) { /* 32: accept a gzip or a zlib header */
        snprintf(err, errlen, "cannot start zlib");
        return SL_ERR_NOMEM;
    }
    z.next_in = (Bytef *)(uintptr_t)src;
    z.avail_in = (uInt)srclen;
    z.next_out = dst;
    z.avail_out = (uInt)dstlen;
    bool ended = false;
    for (;;) {
        int r = inflate(&z, Z_FINISH);
        if (r == Z_STREAM_END) {
            ended = true;
            /* Concatenated gzip members: go on with the next one. */
            if (z.avail_in > 0 && z.avail_out > 0 && inflateReset(&z) == Z_OK) continue;
            break;
        }
        if (r != Z_OK) break; /* corrupt data, or no room left (Z_BUF_ERROR) */
    }
    size_t out = dstlen - z.avail_out;
    inflateEnd(&z);
    if (!ended || out != dstlen) {
        snprintf(err, errlen, "GZIP data is corrupt or does not hold the %zu bytes the page header says",
                 dstlen);
        return SL_ERR_PARQUET;
    }
    return SL_OK;
}

sl_status sli_decompress(int codec, const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen, char *err,
                         size_t errlen)
{
    switch (codec) {
    case SLI_PQ_UNCOMPRESSED:
        if (srclen != dstlen) {
            snprintf(err, errlen, "uncompressed page of %zu bytes says it holds %zu", srclen, dstlen);
            return SL_ERR_PARQUET;
        }
        if (dstlen) memcpy(dst, src, dstlen);
        return SL_OK;
    case SLI_PQ_SNAPPY: {
        size_t n = 0;
        if (snappy_uncompressed_length((const char *)src, srclen, &n) != SNAPPY_OK || n != dstlen) {
            snprintf(err, errlen,
                     "SNAPPY data is corrupt or does not hold the %zu bytes the page header says", dstlen);
            return SL_ERR_PARQUET;
        }
        size_t out = dstlen;
        if (snappy_uncompress((const char *)src, srclen, (char *)dst, &out) != SNAPPY_OK || out != dstlen) {
            snprintf(err, errlen, "SNAPPY data is corrupt");
            return SL_ERR_PARQUET;
        }
        return SL_OK;
    }
    case SLI_PQ_ZSTD: {
        unsigned long long n = ZSTD_getFrameContentSize(src, srclen);
        if (n == ZSTD_CONTENTSIZE_ERROR || (n != ZSTD_CONTENTSIZE_UNKNOWN && n != dstlen)) {
            snprintf(err, errlen, "ZSTD data is corrupt or does not hold the %zu bytes the page header says",
                     dstlen);
            return SL_ERR_PARQUET;
        }
        size_t r = ZSTD_decompress(dst, dstlen, src, srclen);
        if (ZSTD_isError(r) || r != dstlen) {
            snprintf(err, errlen, "ZSTD data is corrupt (%s)",
                     ZSTD_isError(r) ? ZSTD_getErrorName(r) : "short output");
            return SL_ERR_PARQUET;
        }
        return SL_OK;
    }
    case SLI_PQ_GZIP: return inflate_all(src, srclen, dst, dstlen, err, errlen);
    default:
        snprintf(err, errlen, "codec %s is not supported", sli_pq_codec_name(codec));
        return SL_ERR_UNSUPPORTED;
    }
}
