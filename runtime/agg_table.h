/*
 * agg_table.h — grouped aggregation state: groups and their aggregate states.
 *
 * A table finds the group of every row of a vector, then folds aggregate
 * arguments into per-group states a vector at a time. Group keys are kept
 * column-wise in builders (in order of first appearance, which is the order
 * of the output). Three ways find a row's group:
 *  - direct (agg_direct.c): while every key is an integer, bool, date,
 *    decimal or string with a small domain, each key value maps to a dense id
 *    (integers: value - min + 1; strings: an id per distinct string, cached
 *    per dictionary code), the ids are packed into one index, and the index
 *    selects the group in an array — no hashing;
 *  - hash (agg_hash.c): otherwise, a vectorized probe of an open-addressing
 *    table of (hash tag, group id) slots. A table starts direct when its key
 *    types allow and moves to hashing, once, when the domain grows too large;
 *  - range map (agg_direct.c, sli_agg_range_groups): a hashing table folding
 *    one range partition of a partitioned aggregate (agg_partition.h) finds
 *    the groups of its one integer key at key - window start in an array.
 * Without group keys there is exactly one group, so a global aggregate over
 * no rows still yields one row.
 *
 * States: sum/avg keep a 128-bit (int, decimal) or double sum per group;
 * min/max a value and a `seen` byte. Tables with count or avg aggregates
 * keep the number of rows per group (`rows`), which is count(*) and, until
 * an argument with a NULL arrives, also the number of non-NULL values of
 * count/sum/avg; until then a sum needs no count at all (each group has a
 * row, and every row has a value).
 *
 * Thread-local pre-aggregation (agg_merge.c): each worker fills its own table;
 * sli_agg_table_merge folds one table into another, optionally only the
 * groups of one hash partition, so partitions can be merged in parallel.
 *
 * Not thread-safe: one table per thread; see sli_agg_table_merge for what
 * may run concurrently.
 */
#ifndef SLI_AGG_TABLE_H
#define SLI_AGG_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "column.h"
#include "keys.h"
#include "planner/plan.h"
#include "table.h"
#include "vector.h"

/** Largest direct index, in bits (the group array has 2^bits entries). */
#define SLI_AGG_DIRECT_MAX_BITS 18

/** One key of a direct index: how its values become dense ids (0 is NULL). */
typedef struct sli_agg_dkey {
    bool is_str;
    bool has_range; /**< ints: lo/hi hold the values seen */
    int64_t lo, hi; /**< ints: id = value - lo + 1 */
    size_t card;    /**< ids in use, NULL included */
    unsigned bits, shift;
    /* strings: the distinct strings by id - 1, and a hash set over them */
    sli_colbuilder strs;
    uint32_t *sslots; /**< id, 0 empty */
    uint64_t *shash;  /**< hash by id - 1 */
    size_t nsslots;
    const sli_dict *dict; /**< the dictionary code_ids belongs to */
    uint64_t dict_id;     /**< its id (a freed dictionary's address may come back) */
    uint32_t *code_ids;   /**< id by code, 0 not yet looked up */
    size_t code_cap;
    uint32_t *ids; /**< plain strings: SLI_VEC_SIZE ids by row */
} sli_agg_dkey;

typedef struct sli_agg_direct {
    sli_agg_dkey *keys;
    unsigned bits;  /**< total index bits */
    uint32_t *map;  /**< 2^bits entries: group id + 1, 0 none */
    uint64_t *gidx; /**< direct index by group */
    uint32_t *idx;  /**< SLI_VEC_SIZE indexes by row */
    /* two dictionary-coded keys: group id + 1 by code pair (code0 * count1 +
     * code1) for the dictionaries pair_dict, 0 not known yet */
    const sli_dict *pair_dict[2];
    uint64_t pair_id[2];
    uint32_t *pair;
} sli_agg_direct;

typedef struct sli_agg_hash {
    /** Per slot: (hash >> 33) << 33 | NULL-key bit 32 | (group id + 1), 0 empty;
     *  with one integer key, followed by the key's value (`inl`). */
    uint64_t *slots;
    size_t nslots;
    size_t base;   /**< slots hold groups base..ngroups-1 (sli_agg_hash_restart) */
    bool inl;      /**< one integer key: kept in the slot, compared there */
    int64_t *kval; /**< inl: SLI_VEC_SIZE key values by row */
    /* SLI_VEC_SIZE probe scratch: rows still probing and their slots; the
     * candidates whose tag matched (group, row, index among the active). */
    uint32_t *act, *pos, *cand, *crow, *cidx;
    uint8_t *match, *keep;
} sli_agg_hash;

typedef struct sli_agg_table {
    size_t nkeys;
    sli_colbuilder *keys;
    size_t naggs;
    const sli_agg *aggs;
    size_t ngroups, cap;
    bool direct;           /**< direct index in use (else hashing) */
    bool hashes_valid;     /**< ghash holds every group's hash */
    uint64_t *ghash;       /**< hash by group (hash mode; or after prepare_merge) */
    int64_t *rows;         /**< rows by group; allocated only when keep_rows */
    bool keep_rows;        /**< some aggregate needs exact row counts (count, avg, global); else
                                a sum only needs to know that its group has rows */
    size_t ngroups_before; /**< groups before the current vector */
    void **state;          /**< per aggregate, by group */
    int64_t **count;       /**< per count/sum/avg: non-NULL values, once `counted` (allocated then) */
    bool *counted;         /**< per aggregate: count[k] is kept (else it equals rows) */
    size_t *alias;         /**< per aggregate: the one whose states it shares (sum/avg of
                                equal arguments), or itself */
    uint8_t **seen;        /**< per min/max: has a value */
    uint64_t *hbuf;        /**< SLI_VEC_SIZE hashes by row */
    uint32_t *gid;         /**< SLI_VEC_SIZE group ids by row */
    sli_key_scratch ks;
    sli_agg_direct d;
    sli_agg_hash h;
    /* A range partition being aggregated without hashing (agg_partition.c):
     * while rmap_on, the group of key k is rmap[k - rlo] - 1 (0: none yet). */
    bool rmap_on;
    int64_t rlo;
    size_t folds_mapped, folds_hashed; /**< partitions with groups folded in: through rmap, by hashing */
    uint32_t *rmap; /**< SLI_AGG_RMAP_SIZE entries, all 0 while !rmap_on; allocated on first use */
} sli_agg_table;

/**
 * Prepares an empty table for keys of key_types and the aggregates aggs
 * (borrowed: they must outlive the table). The table starts direct when every
 * key type allows it. Free with sli_agg_table_free even on failure.
 * @return SL_OK or SL_ERR_NOMEM.
 */
sl_status sli_agg_table_init(sli_agg_table *t, const sl_type *key_types, size_t nkeys, const sli_agg *aggs,
                             size_t naggs);

/** Makes a table that has no rows yet use hashing (tests compare the two ways). */
void sli_agg_table_force_hash(sli_agg_table *t);

/**
 * Finds or creates the group of each selected row (sel NULL: rows 0..n-1);
 * fills t->gid by row position and counts the rows per group.
 * @return SL_OK, SL_ERR_NOMEM, or SL_ERR_UNSUPPORTED past 2^31 groups.
 */
sl_status sli_agg_table_groups(sli_agg_table *t, const sli_vec *keys, const uint32_t *sel, size_t n);

/**
 * Folds aggregate k's argument (NULL for count(*)) at the selected rows into
 * the groups in t->gid (set by the last sli_agg_table_groups on these rows).
 * @return SL_OK, SL_ERR_NOMEM, or SL_ERR_UNSUPPORTED for an argument type the
 *         aggregate does not take.
 */
sl_status sli_agg_table_update(sli_agg_table *t, size_t k, const sli_vec *arg, const uint32_t *sel, size_t n);

/**
 * Builds the output table: key columns then aggregate columns named `names`.
 * The key builders move into the output: call at most once.
 * @return SL_OK, SL_ERR_NOMEM, or SL_ERR_OVERFLOW (message on ctx) when a
 *         sum does not fit its type.
 */
sl_status sli_agg_table_finish(sli_agg_table *t, sl_context *ctx, char *const *names, sli_table **out);

/**
 * Loads n groups aggregated elsewhere (agg_load.c): row i has key values
 * keys[k] at position i (n <= SLI_VEC_SIZE; no selection) and fields[i]:
 * fields[i][0] its rows, and aggregate k's state from fields[i][agg_field[k]]
 * (sum, avg: low and high word of a 128-bit sum; min, max: the value).
 * Arguments have no NULLs (counts equal rows). Equal keys combine.
 * @return SL_OK, SL_ERR_NOMEM or SL_ERR_UNSUPPORTED (too many groups).
 */
sl_status sli_agg_table_load(sli_agg_table *t, const sli_vec *keys, size_t n, const int64_t *const *fields,
                             const size_t *agg_field);

/** Frees everything the table holds (also after a failed init). */
void sli_agg_table_free(sli_agg_table *t);

/**
 * Makes src ready to be merged from: computes and keeps every group's hash.
 * After it, sli_agg_table_merge only reads src, so several threads may merge
 * different partitions of the same src into their own dst at once.
 * @return SL_OK or SL_ERR_NOMEM.
 */
sl_status sli_agg_table_prepare_merge(sli_agg_table *src);

/**
 * @return the partition of a group hash when tables are split into 2^pbits
 *         partitions by the top hash bits (0 when pbits is 0).
 */
static inline size_t sli_agg_partition(uint64_t hash, unsigned pbits)
{
    return pbits ? (size_t)(hash >> (64 - pbits)) : 0;
}

/**
 * Folds the groups of src (prepared with sli_agg_table_prepare_merge) whose
 * partition is `part` of 2^pbits (pbits 0: every group) into dst: groups with
 * equal keys combine (sums and counts add, min/max keep the extreme, avg adds
 * its sum and count), others are appended. Both tables must have been made
 * with the same key types and aggregates. src is only read.
 * @return SL_OK, SL_ERR_NOMEM or SL_ERR_UNSUPPORTED (too many groups).
 */
sl_status sli_agg_table_merge(sli_agg_table *dst, const sli_agg_table *src, unsigned pbits, size_t part);

/**
 * Like sli_agg_table_merge, for the src groups groups[0..n) only (each listed
 * once); src needs no prepare_merge.
 * @return SL_OK, SL_ERR_NOMEM or SL_ERR_UNSUPPORTED (too many groups).
 */
sl_status sli_agg_table_merge_groups(sli_agg_table *dst, const sli_agg_table *src, const uint32_t *groups,
                                     size_t n);

/* ---- between the agg_*.c files ------------------------------------------ */

/**
 * Allocates aggregate k's per-group count of non-NULL values (zeroed, cap
 * groups) unless it exists; the caller fills it before setting counted[k].
 * @return SL_OK or SL_ERR_NOMEM.
 */
sl_status sli_agg_start_count(sli_agg_table *t, size_t k);
/** Makes room for one more group's states; ngroups is not changed. */
sl_status sli_agg_grow(sli_agg_table *t);
/** Appends row r of the key vectors as group t->ngroups (states already grown). */
sl_status sli_agg_append_keys(sli_agg_table *t, const sli_vec *keys, uint32_t r);
/** Hashes groups [from, to) of t from its key builders into out[0..to-from). */
sl_status sli_agg_group_hashes(sli_agg_table *t, size_t from, size_t to, uint64_t *out);

/** Direct mode: sets up the keys. @return false when a key type cannot be direct. */
bool sli_agg_direct_init(sli_agg_table *t, const sl_type *key_types);
void sli_agg_direct_free(sli_agg_table *t);
/**
 * Direct mode: fills t->gid for the selected rows. When the domain grows past
 * SLI_AGG_DIRECT_MAX_BITS it moves the table to hashing instead (t->direct
 * becomes false) and returns SL_OK without filling gid; the caller then hashes.
 * @return SL_OK or SL_ERR_NOMEM.
 */
sl_status sli_agg_direct_groups(sli_agg_table *t, const sli_vec *keys, const uint32_t *sel, size_t n);

/** @return the integer at row r of fixed-width data of physical type pt (I8..I64). */
static inline int64_t sli_agg_int_at(const void *data, sl_ptype pt, size_t r)
{
    switch (pt) {
    case SL_P_I8: return ((const int8_t *)data)[r];
    case SL_P_I16: return ((const int16_t *)data)[r];
    case SL_P_I32: return ((const int32_t *)data)[r];
    default: return ((const int64_t *)data)[r];
    }
}

/** Entries of a table's range map: the widest key window of a range partition. */
#define SLI_AGG_RMAP_SIZE ((size_t)1 << 16)
/**
 * Hash mode, while rmap_on: fills t->gid for the selected rows through the
 * range map, adding groups for keys it has none for. Every selected key must
 * be valid and within [rlo, rlo + SLI_AGG_RMAP_SIZE). New groups get no hash
 * (hashes_valid becomes false).
 * @return SL_OK, SL_ERR_NOMEM or SL_ERR_UNSUPPORTED (too many groups).
 */
sl_status sli_agg_range_groups(sli_agg_table *t, const sli_vec *keys, const uint32_t *sel, size_t n);

/** Hash mode: allocates scratch and slots for the groups the table has. */
sl_status sli_agg_hash_init(sli_agg_table *t);
void sli_agg_hash_free(sli_agg_table *t);
/** Hash mode: fills t->gid for the selected rows (vectorized probe). */
sl_status sli_agg_hash_groups(sli_agg_table *t, const sli_vec *keys, const uint32_t *sel, size_t n);
/**
 * Hash mode: empties the slots, so later lookups find only groups created
 * from here on (earlier groups keep their states and stay in the output).
 * For callers that know later keys differ from every earlier one (the
 * partitions of agg_partition.c); `expect` sizes the slots.
 * @return SL_OK or SL_ERR_NOMEM.
 */
sl_status sli_agg_hash_restart(sli_agg_table *t, size_t expect);
/** Makes room for cap groups' states (no-op when there is). @return SL_OK or SL_ERR_NOMEM. */
sl_status sli_agg_reserve(sli_agg_table *t, size_t cap);

/** Groups up to which sli_agg_sum_small applies. */
#define SLI_AGG_SMALL_GROUPS 256

/**
 * Grouped int64 sum for at most SLI_AGG_SMALL_GROUPS groups (agg_sum_small.c):
 * like the sum_i64 kernel of agg.h with ngroups states.
 * @return false, having done nothing, when it does not apply (too many
 *         groups or rows, or a value too large for its exact int64 partials).
 */
bool sli_agg_sum_small(__int128 *restrict state, size_t ngroups, const uint32_t *restrict gid,
                       const int64_t *restrict v, const uint8_t *restrict validity,
                       const uint32_t *restrict sel, size_t n);

/** Groups and sums up to which sli_agg_sums_fused applies. */
#define SLI_AGG_FUSED_GROUPS 32
#define SLI_AGG_FUSED_SUMS   8

/**
 * state[j][gid[row]] += v[j][row] for j < nsums <= SLI_AGG_FUSED_SUMS and the
 * selected rows, and rows[gid[row]] += 1 unless rows is NULL, for
 * ngroups <= SLI_AGG_FUSED_GROUPS, in one pass (agg_sum_small.c).
 * The caller guarantees v[j][row] in [-2^52, 2^52) at the selected rows.
 */
void sli_agg_sums_fused(__int128 *const *state, const int64_t *const *v, size_t nsums, int64_t *rows,
                        size_t ngroups, const uint32_t *restrict gid, const uint32_t *restrict sel, size_t n);

/**
 * Folds every aggregate's argument (args[k]; ignored for count(*)) at the
 * selected rows into the groups in t->gid, like sli_agg_table_update for each
 * k, with the sums that allow it done together by sli_agg_sums_fused.
 * @return as sli_agg_table_update; on an error *failed is the aggregate's k.
 */
sl_status sli_agg_table_update_all(sli_agg_table *t, const sli_vec *args, const uint32_t *sel, size_t n,
                                   size_t *failed);

/**
 * sli_agg_table_groups then sli_agg_table_update_all, with the rows per
 * group counted in the same pass as the sums where one pass applies.
 * @return as those two; on an error *failed is the aggregate's k, or
 *         SIZE_MAX when finding the groups failed.
 */
sl_status sli_agg_table_add(sli_agg_table *t, const sli_vec *keys, const sli_vec *args, const uint32_t *sel,
                            size_t n, size_t *failed);

/** rows[gid[row]] += 1 for the selected rows, chains broken the same way. */
void sli_agg_count_small(int64_t *restrict rows, size_t ngroups, const uint32_t *restrict gid,
                         const uint32_t *restrict sel, size_t n);

/** Finds or creates groups without counting rows (merge uses it). */
sl_status sli_agg_assign(sli_agg_table *t, const sli_vec *keys, const uint32_t *sel, size_t n);

#endif
