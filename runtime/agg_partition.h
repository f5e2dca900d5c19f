/*
 * agg_partition.h — partitioned aggregation.
 *
 * A hash table with more groups than the caches hold misses the cache on
 * nearly every row (its slot, its state, its key). Once a table has grown
 * past sli_agg_part_groups groups, the aggregate sink stops inserting into it
 * and instead scatters each vector's rows (key values and aggregate
 * arguments) into 2^pbits partitions, by the scheme of agg_scheme.h: the
 * top bits of the key hash (the bits sli_agg_partition and
 * sli_agg_table_merge use), or key range for one integer key. At the end
 * each partition is aggregated on its own, with a table whose working set
 * is a partition's groups only (it fits in L2 for the sizes this is tuned
 * for), and the groups the first table already held are folded in,
 * partition by partition (sli_agg_part_fold). A clean range partition finds
 * its groups through a map indexed by key, without hashing.
 *
 * Two parts:
 *  - sli_part_rows: rows of several columns buffered by partition, in
 *    blocks of up to 1024 rows stored column-wise so that a block reads
 *    back as a vector without copying. Strings are copied into an arena the
 *    buffer owns. Reusable by any partitioned sink (the parallel runtime's
 *    thread-local pre-aggregation hands partitions to workers the same way).
 *  - sli_agg_part: the aggregate sink's driver: when to start partitioning,
 *    scattering, and the final per-partition aggregation into one table.
 *
 * The output holds the same groups with the same aggregates as the table
 * without partitioning would; only the order of the groups differs (groups
 * of partition 0 first). Float sums add in a different order.
 *
 * Not thread-safe: one instance per thread. The knobs are process-wide and
 * must only be changed while no query runs (tests lower them).
 */
#ifndef SLI_AGG_PARTITION_H
#define SLI_AGG_PARTITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agg_scheme.h"
#include "agg_table.h"
#include "keys.h"
#include "slabs.h"
#include "vector.h"

/** Groups past which a hashing aggregate table moves to partitioning. */
extern size_t sli_agg_part_groups;
/** Partition bits used once partitioning starts (2^bits partitions, 1..12). */
extern unsigned sli_agg_part_bits;

/** A block of up to 1024 rows of every column (payload follows). */
typedef struct sli_part_block {
    struct sli_part_block *next;
    size_t n; /**< rows filled */
} sli_part_block;

/** A chunk of the string arena. */
typedef struct sli_part_arena {
    struct sli_part_arena *next;
    size_t used, cap;
} sli_part_arena;

typedef struct sli_part_rows {
    sli_agg_scheme scheme; /**< how rows find their partition (init: by hash) */
    unsigned pbits;
    size_t nparts;
    size_t ncols, nkeys; /**< columns; the first nkeys decide the partition */
    sl_type *types;
    size_t *width;       /**< per column: bytes per value (strings: sli_strview) */
    size_t *voff, *boff; /**< per column: offset of values / validity bits in a block */
    size_t foff;         /**< offset of the per-column "has a NULL" bytes */
    size_t block_bytes;
    sli_part_block **head, **tail; /**< per partition: first and last block */
    size_t *rows;                  /**< per partition: rows buffered */
    uint32_t *fill;                /**< per partition: rows in its last block */
    uint8_t *dirty; /**< per partition: received a key outside the range scheme's range, or NULL */
    size_t total;                  /**< rows buffered in all partitions */
    sli_slabs slabs;               /**< blocks are cut from them */
    sli_part_arena *arena;    /**< newest first */
    /* SLI_VEC_SIZE scratch by selected row: hash (by row position), and
     * where the row goes: partition, block, row in the block */
    uint64_t *hash;
    uint32_t *dq, *dp;
    sli_part_block **db;
    sli_strview *views; /**< string copies of one vector */
    char *stage;        /**< per partition and column: a 64-byte write-combining line */
    sli_key_scratch ks;
} sli_part_rows;

/**
 * Prepares empty buffers for columns of types[0..ncols), the first nkeys of
 * which are the keys that choose a row's partition, in 2^pbits partitions.
 * Free with sli_part_rows_free even on failure.
 * @return SL_OK or SL_ERR_NOMEM.
 */
sl_status sli_part_rows_init(sli_part_rows *pr, const sl_type *types, size_t ncols, size_t nkeys,
                             unsigned pbits);

/**
 * Appends the selected rows (sel NULL: 0..n-1) of cols[0..ncols) (types as
 * given to init; dictionary-coded strings are decoded) to their partitions.
 * @return SL_OK or SL_ERR_NOMEM.
 */
sl_status sli_part_rows_add(sli_part_rows *pr, const sli_vec *cols, const uint32_t *sel, size_t n);

/**
 * Writes out the values still held in write-combining lines; call after the
 * last sli_part_rows_add and before reading blocks.
 */
void sli_part_rows_flush(sli_part_rows *pr);

/**
 * Makes vectors over the rows of block b (after sli_part_rows_flush):
 * cols[c] for each column.
 * @return the rows in the block. The vectors stay valid until the buffer is freed.
 */
size_t sli_part_rows_block(const sli_part_rows *pr, const sli_part_block *b, sli_vec *cols);

/** Frees everything the buffer holds (also after a failed init). */
void sli_part_rows_free(sli_part_rows *pr);

/** The aggregate sink once its table outgrows the caches. */
typedef struct sli_agg_part {
    bool active;         /**< partitioning has started */
    sli_agg_table first; /**< the groups found before it started */
    sli_part_rows rows;  /**< keys then the stored aggregate arguments */
    size_t *arg_col;     /**< per aggregate: its column in rows, or SIZE_MAX (none needed) */
} sli_agg_part;

/**
 * @return true when t should move to partitioning now: past
 * sli_agg_part_groups / workers groups (workers: the tables of a team that
 * each see a share of the rows; 0 counts as 1), so that a team's first
 * tables together hold about as many groups as one thread's would and each
 * worker starts scattering that much sooner.
 */
bool sli_agg_part_wanted(const sli_agg_table *t, size_t workers);

/**
 * Starts partitioning: the groups of *t move into p->first and *t becomes an
 * empty table with the same keys and aggregates, which sli_agg_part_finish
 * later fills. The rows are split by the scheme agreed in `once` (the
 * threads of one parallel aggregate share it; NULL: this table's own
 * choice; seen and total: source rows read so far and in all, 0 unknown;
 * agg_scheme.h). p must be zeroed before. On failure free both with
 * sli_agg_part_free and sli_agg_table_free.
 * @return SL_OK or SL_ERR_NOMEM.
 */
sl_status sli_agg_part_start(sli_agg_part *p, sli_agg_table *t, sli_agg_scheme_once *once, size_t seen,
                             size_t total);

/**
 * Buffers the selected rows of a chunk: keys[0..nkeys) then one vector per
 * aggregate (args[k] is read only when the aggregate has an argument).
 * @return SL_OK or SL_ERR_NOMEM.
 */
sl_status sli_agg_part_add(sli_agg_part *p, const sli_vec *keys, const sli_vec *args, const uint32_t *sel,
                           size_t n);

/**
 * Aggregates the buffered rows partition by partition into t (the table
 * sli_agg_part_start left empty) and merges in the groups of p->first, so
 * that sli_agg_table_finish(t) gives the whole result. Frees the buffers.
 * @return SL_OK, SL_ERR_NOMEM, SL_ERR_UNSUPPORTED (too many groups or an
 *         argument type an aggregate does not take).
 */
sl_status sli_agg_part_finish(sli_agg_part *p, sli_agg_table *t);

/**
 * Ends the scatter phase for a merge across threads: writes out the staging
 * lines and computes every p->first group's hash (sli_agg_table_prepare_merge).
 * After it, p is only read by sli_agg_part_aggregate.
 * @return SL_OK or SL_ERR_NOMEM.
 */
sl_status sli_agg_part_seal(sli_agg_part *p);

/**
 * Aggregates partition q of several sources into t (made like the table
 * sli_agg_part_start emptied, and holding no group of partition q yet):
 * for each source v, the rows parts[v] buffered for q (after
 * sli_agg_part_seal; parts[v] may be inactive, holding no rows) and the
 * groups tables[v] lists as groups[v][start[v][q] .. start[v][q + 1])
 * (sli_agg_scheme_groups under the same scheme). Under a range scheme, when
 * every key of the partition is valid and within its window (no source
 * marked it dirty), groups and rows find their groups through t's range map
 * instead of by hashing. Otherwise t's hash slots are first emptied
 * (sli_agg_hash_restart, sized for `expect` groups) when it has groups.
 * @param cols scratch for as many vectors as the sources' rows have columns.
 * @return SL_OK, SL_ERR_NOMEM or SL_ERR_UNSUPPORTED.
 * Thread safety: reads the sources only, so several threads may fold
 * different partitions of the same sources at once, each into its own t.
 */
sl_status sli_agg_part_fold(sli_agg_table *t, size_t q, const sli_agg_part *const *parts,
                            const sli_agg_table *const *tables, uint32_t *const *groups, size_t *const *start,
                            size_t nsrc, sli_vec *cols, size_t expect);

/**
 * How many groups a table folding partitions one after another will hold
 * in the end, estimated after the first partition with buffered rows: it
 * holds ngroups, of which the partition made `made` from `merged` groups of
 * first tables and `rows` rows; rows_left rows and groups_left first-table
 * groups are still to come. Each row to come adds groups at the partition's
 * rate, an eighth more; never more than one group per row or group to come.
 */
size_t sli_agg_part_estimate(size_t ngroups, size_t made, size_t merged, size_t rows, size_t rows_left,
                             size_t groups_left);

/**
 * Describes how a partitioned aggregate ran, for EXPLAIN ANALYZE: its
 * scheme, and under a range scheme how many partitions with groups found
 * them through the range map and how many by hashing (the tables'
 * folds_mapped and folds_hashed), into buf (cap bytes).
 */
void sli_agg_part_note(const sli_agg_scheme *sc, size_t mapped, size_t hashed, char *buf, size_t cap);

/** Frees what p holds (safe on a zeroed or finished p). */
void sli_agg_part_free(sli_agg_part *p);

#endif
