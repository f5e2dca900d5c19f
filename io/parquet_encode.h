/*
 * parquet_encode.h — the value encodings the Parquet writer uses: the
 * RLE / bit-packed hybrid (definition levels and dictionary indexes),
 * PLAIN booleans, and the hash tables that build a column chunk's
 * dictionary (64-bit keys for fixed-width values, byte strings for utf8).
 *
 * Pure functions over caller buffers; no threads. Output goes to an
 * sli_wbuf (thrift_write.h), whose nomem flag reports allocation failures.
 */
#ifndef SLI_PARQUET_ENCODE_H
#define SLI_PARQUET_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/thrift_write.h"
#include "runtime/column.h"

/** @return the bits needed to hold every value 0..max (0 for max == 0). */
unsigned sli_pq_bit_width(uint32_t max);

/**
 * Appends v[0..n) in the RLE / bit-packed hybrid encoding (Encodings.md)
 * with bit_width bits per value (0..32), without a length prefix: runs of 8
 * or more equal values become RLE runs, the rest bit-packed runs of at most
 * 63 groups of 8 values; the last bit-packed group is padded with zeros.
 * Every v[i] must fit in bit_width bits.
 */
void sli_pq_rle_encode(sli_wbuf *out, const uint32_t *v, size_t n, unsigned bit_width);

/** Appends n booleans (one byte each, 0 or 1) PLAIN: bit-packed, LSB first. */
void sli_pq_plain_bool(sli_wbuf *out, const uint8_t *v, size_t n);

/** A set of 64-bit keys numbered densely in insertion order. */
typedef struct sli_pq_hash64 {
    uint64_t *slot_key;
    uint32_t *slot_idx; /**< index + 1; 0: empty slot */
    size_t mask;        /**< slots - 1 */
    uint64_t *keys;     /**< count keys in insertion order */
    size_t count;
    size_t keys_cap;
} sli_pq_hash64;

/** Empties the set, keeping its memory. Zero-initialise before first use. */
void sli_pq_hash64_clear(sli_pq_hash64 *h);
/** Frees the set's memory. */
void sli_pq_hash64_free(sli_pq_hash64 *h);
/** @return the index of key (added when new), or -1 when out of memory. */
int64_t sli_pq_hash64_insert(sli_pq_hash64 *h, uint64_t key);

/** A set of byte strings (borrowed, not copied) numbered in insertion order. */
typedef struct sli_pq_strset {
    uint32_t *slot_idx; /**< index + 1; 0: empty slot */
    uint32_t *slot_hash;
    size_t mask;
    sli_strview *vals; /**< count strings in insertion order (borrowed) */
    size_t count;
    size_t vals_cap;
    size_t bytes; /**< sum of lengths of vals */
} sli_pq_strset;

/** Empties the set, keeping its memory. Zero-initialise before first use. */
void sli_pq_strset_clear(sli_pq_strset *s);
/** Frees the set's memory. */
void sli_pq_strset_free(sli_pq_strset *s);
/** @return the index of the string (added when new; the bytes must outlive
 *  the set's use), or -1 when out of memory. */
int64_t sli_pq_strset_insert(sli_pq_strset *s, sli_strview v);

#endif
