/*
 * join_partition.h — probe rows of a hash join buffered by the partition of
 * their key: the directory partition of its hash, or the key range of a
 * partitioned direct-indexed table (join_dense.h).
 *
 * When the join table is partitioned (join_table.h), the probe operator
 * does not look rows up as they arrive: each row's partition is computed
 * once (the word of its top bits is not kept: computing it again costs
 * less than storing it) and its values are appended to the buffer of its
 * partition. When the buffer is full (or the input ends), the operator
 * probes one partition at a time, so that partition's directory, keys and
 * payload stay in the cache, and it reads the probe rows back as plain
 * vectors (no gather).
 *
 * A partition's rows are stored in blocks (every column's values of those
 * rows, each column padded like a vector): a first block of 256 rows, so a
 * partition that gets few rows holds little, then blocks of SLI_VEC_SIZE
 * rows. A block reads back as vectors, and a partition grows without moving
 * the rows it holds. Blocks come from slabs of the column allocator, are kept
 * when the buffer is emptied and reused by the next rows.
 *
 * Only fixed-width values without nulls are buffered (one byte per bool);
 * the caller sends chunks with strings or nulls down the direct probe.
 * Thread safety: a buffer belongs to one operator instance and one thread.
 */
#ifndef SLI_JOIN_PARTITION_H
#define SLI_JOIN_PARTITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slabs.h"
#include "vector.h"

typedef struct sli_join_pbuf {
    unsigned pbits; /**< 1 << pbits partitions, by a word's top pbits as in the table */
    size_t nparts;
    size_t ncols;
    uint8_t *width;      /**< ncols: bytes per value (1, 2, 4 or 8) */
    size_t *coff;        /**< ncols: offset of a column's values in a block of SLI_VEC_SIZE rows */
    size_t *coff0;       /**< ncols: the same in a partition's first, smaller block */
    size_t block_bytes;  /**< bytes of a block */
    size_t block0_bytes; /**< bytes of a first block */
    size_t *count;       /**< nparts: rows held */
    char ***blocks;      /**< nparts: the partition's blocks, in row order */
    size_t *nblocks;     /**< nparts: blocks it has (kept when emptied) */
    size_t *bcap;        /**< nparts: room in its blocks array */
    sli_slabs slabs;     /**< blocks are cut from them */
    uint8_t *stage; /**< nparts * ncols staging lines of SLI_WC_LINE bytes */
    bool sealed;    /**< every row added is in the blocks (sli_join_pbuf_seal) */
    size_t rows;    /**< rows held in all partitions */
    size_t *add;    /**< nparts: scratch, rows of one chunk per partition */
    uint32_t *part; /**< SLI_VEC_SIZE scratch: partition of each row of a chunk */
    uint32_t *at;   /**< SLI_VEC_SIZE scratch: its position in the partition */
} sli_join_pbuf;

/** @return true when values of type t can be buffered (fixed width, not utf8). */
bool sli_join_pbuf_accepts(sl_type t);

/**
 * Prepares an empty buffer of 1 << pbits partitions for columns of `types`
 * (each accepted by sli_join_pbuf_accepts). @return SL_OK or SL_ERR_NOMEM
 * (free it with sli_join_pbuf_free either way).
 */
sl_status sli_join_pbuf_init(sli_join_pbuf *b, unsigned pbits, const sl_type *types, size_t ncols);

/**
 * Appends the rows (sel, n) (sel NULL: 0..n-1) of the vectors cols[0..ncols)
 * to the partitions their key hashes hashes[row] (by row position) name,
 * in order. The vectors' validity is
 * ignored: the caller only sends rows without nulls.
 * @return SL_OK or SL_ERR_NOMEM (the buffer then holds the rows it held before).
 */
sl_status sli_join_pbuf_add(sli_join_pbuf *b, const sli_vec *cols, const uint64_t *hashes,
                            const uint32_t *sel, size_t n);

/**
 * Writes the rows still held in staging lines to their blocks; the rows
 * added so far may then be read (sli_join_pbuf_vectors) until the next add.
 */
void sli_join_pbuf_seal(sli_join_pbuf *b);

/**
 * Points out[0..ncols) at partition p's rows from row start (< count[p])
 * to the end of the block that holds it, or to the partition's last row
 * (at most SLI_VEC_SIZE rows; types `types`, no validity, no dictionary).
 * The buffer must be sealed (sli_join_pbuf_seal) since the last add. The
 * vectors stay valid until the next add, clear or free.
 * @return the number of rows the vectors hold.
 */
size_t sli_join_pbuf_vectors(const sli_join_pbuf *b, size_t p, size_t start, const sl_type *types,
                             sli_vec *out);

/** Empties the buffer and keeps its memory. */
void sli_join_pbuf_clear(sli_join_pbuf *b);

/** Frees what the buffer owns; the struct itself belongs to the caller. */
void sli_join_pbuf_free(sli_join_pbuf *b);

/**
 * Test hook (not thread-safe; set it before running a query): the number of
 * buffered rows at which the probe operator probes and empties its buffer
 * (0 restores the default, 1 << 21).
 */
void sli_join_pbuf_set_limit(size_t rows);

/** @return the limit set by sli_join_pbuf_set_limit. */
size_t sli_join_pbuf_limit(void);

#endif
