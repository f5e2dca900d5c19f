/*
 * join_table.h — the hash table of an equi-join (inner, left outer, semi,
 * anti), its bloom filter and the vectorized probe.
 *
 * The build side's rows are materialized column-wise (the build input's
 * columns followed by the evaluated key columns). The directory is open
 * addressing with linear probing: one 64-bit slot per build row whose key
 * is not NULL, holding a 32-bit tag (the hash's high half) and the row
 * index + 1 (0: empty slot). A probe compares tags first, so a miss
 * usually ends at an empty slot without touching the key columns.
 * Duplicate build keys simply occupy several slots of one cluster.
 *
 * When the build side outgrows the cache the directory is radix-partitioned
 * by the hash's top bits: each partition is its own small open-addressing
 * table (load factor at most 3/4, sized to fit L2), the build scatters the
 * rows by partition (their values move by a scatter in row order, not a
 * gather, through write-combining lines: join_scatter.h), clears and fills
 * one partition's directory at a time, and stores the build rows in
 * partition order. The probe operator (executor.c) then
 * buffers probe rows by partition (join_partition.h) and probes them one
 * partition at a time, after streaming that partition into the cache
 * (sli_join_table_warm). A blocked bloom filter (one 64-bit word per key,
 * four bits set; the word chosen by the hash's top bits) is built from the
 * keys' hashes; it can be tested before the probe, or pushed into the
 * probe-side scan for inner and semi joins.
 *
 * Probing walks all rows of a chunk in lock-step rounds: each round loads
 * one slot per active probe row, compares tags, compares keys of the tag
 * hits with typed loops, emits matches and advances the rows still
 * searching. A join on one 4- or 8-byte integer key instead walks each row's
 * cluster to its end in a plain loop that compares tags and keys inline
 * (after prefetching every row's first slot when the directory is large, and
 * a few searches ahead within the loop). While filling the directory of such
 * a join the build compares keys of equal tags; when no key repeats, the
 * table is marked unique and that loop stops at a row's first match instead
 * of walking the rest of the cluster.
 * A single unique integer key over a dense range skips all of this: the
 * table is then an array indexed by the key (join_dense.h).
 * Thread safety: a finished table is read-only and may be probed by several
 * threads, each with its own sli_join_probe.
 */
#ifndef SLI_JOIN_TABLE_H
#define SLI_JOIN_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "column.h"
#include "join_type.h"
#include "keys.h"
#include "vector.h"

/** A build row index that stands for "no row" (an unmatched left row). */
#define SLI_JOIN_END UINT32_MAX

/** 64 key values of a ranked direct-indexed table (join_dense.h): a bit per
 * value that a build row holds, and how many values before them do. */
typedef struct sli_dense_block {
    uint64_t bits;
    uint64_t rank;
} sli_dense_block;

typedef struct sli_join_table {
    size_t ncols; /**< payload columns */
    size_t nkeys;
    sli_colbuilder *builders; /**< ncols + nkeys while building */
    sli_column **cols;        /**< ncols + nkeys after finish */
    size_t rows;
    uint64_t *slots;      /**< all partitions' directories: tag << 32 | (row + 1); 0 empty */
    unsigned pbits;       /**< log2 of the partition count (0: one table) */
    size_t *poff;         /**< 1 << pbits: first slot of each partition */
    uint32_t *pmask;      /**< 1 << pbits: slots - 1 of each partition (a power of two) */
    size_t *prow;         /**< (1 << pbits) + 1: first build row of each partition, then the end */
    uint64_t *bloom;      /**< NULL: no bloom filter */
    unsigned bloom_shift; /**< 64 - log2(words): a key's word is its hash's top bits */
    bool probe_bloom;     /**< test the bloom filter inside the probe too */
    bool unique;          /**< one 4- or 8-byte integer key, no two rows equal: a probe stops at its match */
    bool has_range; /**< one int32, date32 or int64 key with a non-NULL value: kmin..kmax holds them all */
    int64_t kmin, kmax;
    /** While building, one int32, date32 or int64 key: the least and
     *  greatest value appended or placed so far (seen_lo > seen_hi: none),
     *  so that finishing need not read the keys again for their range;
     *  seen_lost once a key vector had NULLs (the range is then read). */
    int64_t seen_lo, seen_hi;
    bool seen_lost;
    /* Direct-indexed (join_dense.h), no directory, when dense is set: flat,
     * dense_span + 1 entries of row + 1; ranked (dense_blocks set), the build
     * rows in key order (rows + 1 entries) and (dense_span >> 6) + 1 blocks. */
    uint32_t *dense;
    sli_dense_block *dense_blocks;
    uint64_t dense_span; /**< kmax - kmin + 1 */
    /** Partitioned (pbits > 0): key value kmin + x is in partition x >> dense_shift. */
    unsigned dense_shift;
    uint64_t llc_bytes;  /**< last-level cache bytes (0: unknown), set before finishing */
} sli_join_table;

/** Prepares an empty table for payload `types` and key `key_types`. @return SL_OK or SL_ERR_NOMEM. */
sl_status sli_join_table_init(sli_join_table *jt, const sl_type *types, size_t ncols,
                              const sl_type *key_types, size_t nkeys);

/**
 * Makes room for `rows` more build rows in every column, so that appending
 * them does not grow (and copy) the columns step by step. Only a hint: a
 * table may receive more or fewer rows. @return SL_OK or SL_ERR_NOMEM.
 * Thread safety: like append, on a table being built by one thread.
 */
sl_status sli_join_table_reserve(sli_join_table *jt, size_t rows);

/**
 * Folds the key range that `from` saw while building into `into`'s (a
 * table whose builders received from's rows, concatenated).
 */
void sli_join_table_merge_seen(sli_join_table *into, const sli_join_table *from);

/** Appends the selected rows of a chunk's payload vectors and key vectors. @return SL_OK or SL_ERR_NOMEM. */
sl_status sli_join_table_append(sli_join_table *jt, const sli_vec *payload, const sli_vec *keys,
                                const uint32_t *sel, size_t n);

/**
 * Placed builds: a team's workers write the rows of their morsels straight
 * into one table, each at its rows' place in the source, instead of each
 * building its own columns to be concatenated. sli_join_table_place_init
 * sizes every column for `rows` rows (payload and keys fixed-width, not
 * strings); sli_join_table_place writes rows [at, at + n); once every row
 * is written, sli_join_table_place_done sets the length and drops the
 * validity of columns that received no NULL.
 * @return SL_OK or SL_ERR_NOMEM (init).
 * Thread safety: place may run on several threads at once for disjoint
 * rows; init and done on one, before and after.
 */
sl_status sli_join_table_place_init(sli_join_table *jt, size_t rows);
void sli_join_table_place(sli_join_table *jt, const sli_vec *payload, const sli_vec *keys,
                          const uint32_t *sel, size_t n, size_t at);
void sli_join_table_place_done(sli_join_table *jt, size_t rows);

/**
 * Freezes the columns, builds the (partitioned) directory and the bloom filter.
 * @return SL_OK, SL_ERR_NOMEM, or SL_ERR_UNSUPPORTED past 4 billion rows.
 */
sl_status sli_join_table_finish(sli_join_table *jt);

struct sli_team;
/**
 * sli_join_table_finish with the partitions' directories filled by a team
 * of workers (workers.h), each taking partitions in turn; team NULL: by the
 * calling thread. The result is the same table either way.
 * @return as sli_join_table_finish.
 */
sl_status sli_join_table_finish_on(sli_join_table *jt, const struct sli_team *team);

/**
 * Reads partition `part`'s directory and its build rows' values in address
 * order, one load per cache line, so that a probe of many rows in that
 * partition finds them in the cache instead of missing on each first touch.
 * Only a hint: results do not depend on it. Safe on a finished table from
 * several threads.
 */
void sli_join_table_warm(const sli_join_table *jt, uint32_t part);

/** Frees everything the table owns; the struct itself belongs to the caller. */
void sli_join_table_free(sli_join_table *jt);

/** @return the rows a partition of a partitioned build is meant to hold (sli_join_set_partition_rows). */
size_t sli_join_partition_rows(void);

/** @return whether column c moves by the write-combined scatter when rows
 * are reordered: fixed-width values or dictionary codes, without nulls. */
bool sli_join_column_scatters(const sli_column *c);

/**
 * Writes how a finished table is laid out, for EXPLAIN ANALYZE: "direct-
 * indexed over N key values", or "hash table in P partition(s)" with ",
 * unique keys" and ", bloom filter" when they apply. Truncates at cap.
 */
void sli_join_table_describe(const sli_join_table *jt, char *buf, size_t cap);

/**
 * Test hooks (not thread-safe; set them before running a query):
 * partition the directory when the build side has more than 2 * rows rows,
 * aiming at `rows` rows per partition (0 restores the default, 8192).
 */
void sli_join_set_partition_rows(size_t rows);

/** Bloom filter policy: -1 automatic (the default), 0 never, 1 always (built and tested in the probe). */
void sli_join_set_bloom(int mode);

/**
 * Direct-indexed tables (join_dense.h): -1 automatic (the default: unique
 * keys in a range of at most 256K values or 8 per row, or 64 per row in the
 * ranked form), 0 never (always the hash directory), 1 whenever the keys
 * are unique and span at most 16M values.
 */
void sli_join_set_dense(int mode);

/**
 * The form of direct-indexed tables: -1 automatic (the default: ranked when
 * the flat array would pass 1 MiB with at most half its entries used), 0
 * always flat, 1 always ranked. Process-wide; set it before queries run.
 */
void sli_join_set_dense_ranked(int mode);

/** @return the bloom policy set by sli_join_set_bloom. */
int sli_join_bloom_mode(void);

/**
 * Keeps the rows (sel, n) (sel NULL: 0..n-1) whose hash hashes[row] may be in
 * the bloom filter, writing them to out in order. jt->bloom must be set.
 * @return the number of rows kept.
 */
size_t sli_join_bloom_select(const sli_join_table *jt, const uint64_t *hashes, const uint32_t *sel, size_t n,
                             uint32_t *out);

/** Probe state of one chunk; lives in the probing operator (not shared between threads). */
typedef struct sli_join_probe {
    sli_join_type type;
    bool bloom_done;        /**< set by the caller: the rows already passed this table's bloom filter */
    bool local;             /**< set by the caller: the rows fall in one directory partition */
    const sli_vec *keys;    /**< the chunk's key vectors (nkeys) */
    const uint32_t *in_sel; /**< the chunk's selection (NULL: 0..in_n-1) */
    size_t in_n;
    size_t nactive;
    int phase;       /**< 0: probing rounds; 1: unmatched / matched rows left to emit; 2: done */
    int direct;      /**< 0: lock-step rounds; 4 or 8: one integer key of that width, row by row */
    bool dense;      /**< the table is direct-indexed: one lookup per row of `row` */
    size_t next;     /**< direct: the next active search to walk */
    uint32_t *row;   /**< SLI_VEC_SIZE: probe row of each active search */
    uint32_t *part;  /**< its partition */
    uint32_t *pos;   /**< its slot within the partition */
    uint32_t *tag;   /**< its tag */
    uint64_t *hbuf;  /**< hashes by row position */
    uint64_t *slotv; /**< the slot each active search looks at this round */
    uint32_t *sel;   /**< scratch selections (two buffers) */
    uint32_t *crow, *cbuild, *cidx; /**< tag hits of a round */
    uint8_t *match;
    uint8_t *matched; /**< by row position: found a match */
    sli_key_scratch scratch;
} sli_join_probe;

/** Allocates the probe's buffers. @return SL_OK or SL_ERR_NOMEM. */
sl_status sli_join_probe_init(sli_join_probe *p);

/** Frees the probe's buffers. */
void sli_join_probe_free(sli_join_probe *p);

/**
 * Starts probing the rows (sel, n) with key vectors `keys` for a join of
 * `type`. keys and sel must stay valid until sli_join_probe_next returns 0.
 * @return SL_OK or SL_ERR_NOMEM.
 */
sl_status sli_join_probe_start(sli_join_probe *p, const sli_join_table *jt, sli_join_type type,
                               const sli_vec *keys, const uint32_t *sel, size_t n);

/**
 * Produces the next output rows, at most SLI_VEC_SIZE. INNER and LEFT give
 * pairs (probe_rows[i], build_rows[i]); LEFT gives build row SLI_JOIN_END for
 * an unmatched probe row. SEMI and ANTI fill only probe_rows, once per chunk,
 * in ascending order (a selection vector over the chunk).
 * @return the number of output rows; 0 when the chunk is exhausted.
 */
size_t sli_join_probe_next(sli_join_probe *p, const sli_join_table *jt, uint32_t *probe_rows,
                           uint32_t *build_rows);

#endif
