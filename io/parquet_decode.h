/*
 * parquet_decode.h — Parquet's value and level encodings, decoded from a
 * page's bytes into plain arrays: the RLE / bit-packed hybrid (levels,
 * dictionary indexes, booleans), PLAIN byte arrays and booleans,
 * DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and
 * BYTE_STREAM_SPLIT (parquet-format's Encodings.md).
 *
 * Every decoder takes the bytes it may read (pointer and length) and the
 * number of values wanted, checks every size, count and bit width against
 * them before use, and on failure returns false with a one-line reason in
 * err (SLI_PQ_ERRLEN bytes), which the caller prefixes with the file, row
 * group and column. Nothing is read outside [p, p + len).
 *
 * Thread safety: all functions are reentrant.
 */
#ifndef SLI_PARQUET_DECODE_H
#define SLI_PARQUET_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/column.h"

/** Size of the err buffers the decoders write to. */
#define SLI_PQ_ERRLEN 200

/**
 * Decodes n values of the RLE / bit-packed hybrid encoding (no length
 * prefix) with bit width bw (0..32) into out.
 * @param used may be NULL; receives the bytes consumed.
 * @return false when the runs end before n values or are malformed.
 */
bool sli_pq_rle_decode(const uint8_t *p, size_t len, unsigned bw, uint32_t *out, size_t n, size_t *used,
                       char *err);

/**
 * Unpacks n booleans stored one bit each, least significant bit first (the
 * PLAIN encoding of BOOLEAN), into out (0 or 1 bytes).
 * @return false when len is under (n + 7) / 8.
 */
bool sli_pq_bool_unpack(const uint8_t *p, size_t len, uint8_t *out, size_t n, size_t *used, char *err);

/**
 * Decodes n PLAIN BYTE_ARRAY values (4-byte little-endian length, then the
 * bytes) into views pointing into p.
 * @return false when a length runs past the end.
 */
bool sli_pq_plain_bytes(const uint8_t *p, size_t len, sli_strview *out, size_t n, size_t *used, char *err);

/**
 * Decodes DELTA_BINARY_PACKED values. The header's total count must be n.
 * With is32 the values wrap to 32 bits (INT32 columns) and are stored sign
 * extended. @param used receives the bytes the whole encoded block took.
 * @return false on a malformed header (block size not a multiple of 128,
 *         miniblock size not a multiple of 32, bit width over 64 or 32) or
 *         when the data ends early.
 */
bool sli_pq_delta_decode(const uint8_t *p, size_t len, bool is32, int64_t *out, size_t n, size_t *used,
                         char *err);

/**
 * Decodes n DELTA_LENGTH_BYTE_ARRAY values into views pointing into p.
 * @return false when a length is negative or the bytes run past the end.
 */
bool sli_pq_delta_length_decode(const uint8_t *p, size_t len, sli_strview *out, size_t n, char *err);

/**
 * Decodes n DELTA_BYTE_ARRAY values (prefix lengths, suffix lengths, then
 * suffixes). The values are built in a buffer allocated with malloc and
 * returned in *owned (the caller frees it; NULL when n is 0); the views
 * point into it.
 * @return false on a malformed page, a prefix longer than the previous
 *         value, or out of memory (err says which).
 */
bool sli_pq_delta_bytes_decode(const uint8_t *p, size_t len, sli_strview *out, size_t n, char **owned,
                               char *err);

/**
 * Decodes n BYTE_STREAM_SPLIT values of width bytes each into out (n *
 * width bytes, each value in little-endian byte order).
 * @return false when len is under n * width.
 */
bool sli_pq_bss_decode(const uint8_t *p, size_t len, size_t width, size_t n, uint8_t *out, char *err);

#endif
