/*
 * join_dense.h — the direct-indexed form of a join table: a single integer
 * key whose build values are unique and span a dense range.
 *
 * When the build side's one key column (int32, date32 or int64) holds no
 * value twice and its range kmin..kmax is small next to the row count (a
 * primary key such as TPC-H's order keys, or any key range that fits a
 * small array), the table needs no hashing, no directory and no partitions:
 * an array of kmax - kmin + 2 entries holds, for each key value, its build
 * row + 1 (0: no row). The last entry is always 0, so a probe clamps an
 * out-of-range key to it and looks every row up with one load, without a
 * branch, a hash or a key comparison (the index is the key). The build rows
 * stay in their input order unless the table is partitioned (below).
 *
 * The array is filled by a team of workers, each entering a share of the
 * rows with an atomic exchange (the entry's old value shows a key seen
 * before); a repeated key stops the attempt and the table is built as a
 * hash table instead.
 *
 * A sparse range (TPC-H's order keys use 8 values of every 32) takes the
 * ranked form instead once the flat array would leave the L2 cache with at
 * most half its entries used, and so does any range of 8 to 64 values a
 * row: a bit per key value, in 16-byte blocks of 64 bits and the count of
 * bits set before them (2 bits a value, against the flat array's 32), and
 * the build row numbers in key order. A probe reads its key's block: the
 * bit says whether it matches, the block's count plus the bits below it
 * give its rank, and only a match reads its build row at that rank. The
 * bits are set by the team (an atomic or; a bit already set is a repeat),
 * the counts summed by one thread, and the rows placed at their ranks by
 * the team.
 *
 * A table whose random reads (the array, or the blocks and ranked rows,
 * plus the payload values) pass about an L2 cache, and whose payload
 * columns are all fixed-width (or dictionary codes) without NULLs, is
 * partitioned by key range like a large hash table: the team moves the rows
 * to their partitions (write-combined, join_scatter.h) and then fills the
 * array partition by partition, each worker whole partitions (no atomics).
 * The probe operator buffers its rows by the same ranges
 * (sli_join_dense_parts, join_partition.h) and probes one partition at a
 * time, and the probe-side scan drops rows whose key the table lacks
 * (sli_join_dense_select), so only matches are buffered.
 *
 * Thread safety: building belongs to one thread (and its team); a finished
 * array is read-only and may be probed by several threads.
 */
#ifndef SLI_JOIN_DENSE_H
#define SLI_JOIN_DENSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "join_table.h"

struct sli_team;

/**
 * Builds jt->dense when jt qualifies (see the file comment and
 * sli_join_set_dense): jt's columns are finished, jt->rows and the key range
 * (has_range, kmin, kmax) are set. On success sets jt->dense (and, in the
 * ranked form, dense_blocks), dense_span and unique, and for a large table
 * its partitions by key range (pbits, prow, dense_shift; its rows stored in
 * partition order). team may be NULL. *built says whether the table is
 * direct-indexed; when it is not (it does not qualify, a key repeats, or
 * memory is short) jt is as before, except that a table found to repeat a
 * key after its rows were moved keeps them in their new order (a hash table
 * built over them does not mind).
 * @return SL_OK, or SL_ERR_NOMEM when planning or moving the partitions
 * failed (the table must then be freed).
 */
sl_status sli_join_dense_build(sli_join_table *jt, const struct sli_team *team, bool *built);

/**
 * Keeps the rows (sel, n) (sel NULL: 0..n-1) of the key vector `key` (as
 * for sli_join_dense_probe) whose key value the direct-indexed table jt
 * holds, writing them to out in order: an exact filter (one bit or entry
 * read a row) that a probe-side scan can apply before a partitioned table's
 * probe buffers its rows. @return the number of rows kept.
 */
size_t sli_join_dense_select(const sli_join_table *jt, const sli_vec *key, const uint32_t *sel, size_t n,
                             uint32_t *out);

/**
 * For each row (sel, n) (sel NULL: 0..n-1) of the key vector `key`, writes
 * to out[row] a word whose top jt->pbits bits are the partition of its key
 * value in a table partitioned by key range (partition 0 for a key outside
 * the range, which matches nothing), as join_partition.h buffers by.
 */
void sli_join_dense_parts(const sli_join_table *jt, const sli_vec *key, const uint32_t *sel, size_t n,
                          uint64_t *out);

/**
 * Looks up the n probe rows rows[0..n) (positions in the key vector `key`,
 * an int32, date32 or int64 vector without a dictionary) in a direct-indexed
 * table; `local`: the rows fall in one partition (already in the cache, so
 * nothing is prefetched). With mark (semi, anti and left joins) sets matched[row] to 1 or 0.
 * Unless only_mark, writes each matching row and its build row to
 * probe_rows / build_rows in order.
 * @return the number of matching rows.
 */
size_t sli_join_dense_probe(const sli_join_table *jt, const sli_vec *key, const uint32_t *rows, size_t n,
                            bool local, uint8_t *matched, bool only_mark, uint32_t *probe_rows,
                            uint32_t *build_rows);

#endif
