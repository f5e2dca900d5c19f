/*
 * agg_scheme.h — how a partitioned aggregate assigns rows and groups to its
 * partitions: by the top bits of the key hash, or, for one integer key, by
 * key range.
 *
 * Range partitions let each partition be aggregated without hashing: its
 * keys lie in a window of 2^shift values, so a group is found by indexing a
 * cache-sized array with key - window start (sli_agg_part_fold in
 * agg_partition.c, sli_agg_range_groups in agg_direct.c). The range is not
 * known while rows stream in; it is estimated from the groups a table found
 * before it began partitioning (extended in proportion to the input still
 * to come when their keys rise group after group, as in a table sorted by
 * the key) and widened by an eighth of its span on each side. A key outside
 * it (or the NULL key) goes to a partition chosen by a multiplicative hash
 * of the key and marks that partition, so a wrong estimate still spreads
 * rows evenly; a marked partition is aggregated by hashing as before.
 *
 * The threads of a parallel aggregate must split their rows alike, so the
 * first to start partitioning chooses the scheme and the others adopt it
 * (sli_agg_scheme_agree).
 */
#ifndef SLI_AGG_SCHEME_H
#define SLI_AGG_SCHEME_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agg_table.h"
#include "vector.h"

/** Largest key window of a range partition (entries of its group array). */
#define SLI_AGG_RANGE_MAX_BITS 16
/** Most partition bits the range scheme raises the knob to, to keep windows small. */
#define SLI_AGG_RANGE_MAX_PBITS 10

typedef struct sli_agg_scheme {
    unsigned pbits; /**< 2^pbits partitions */
    bool range;     /**< by key range (one integer key); else by the top hash bits */
    int64_t lo;     /**< range: partition q holds the keys lo + q * 2^shift ... + 2^shift - 1 */
    unsigned shift;
} sli_agg_scheme;

/** One scheme for the threads of a parallel aggregate; zero it before use. */
typedef struct sli_agg_scheme_once {
    _Atomic int state; /**< 0 not chosen, 1 being chosen, 2 chosen */
    sli_agg_scheme s;
} sli_agg_scheme_once;

/**
 * The scheme for a table about to partition: the one already agreed on in
 * `once`, else one chosen from `first` (the groups found so far) with
 * 2^pbits partitions, which is published there. once NULL: just choose.
 * `seen` is how many source rows the caller has read and `total` how many
 * the source holds (0: unknown): when first's keys rise group after group,
 * the input is taken to be sorted by the key and the range is extended in
 * proportion to the rows still to come.
 * Thread safety: any number of threads may call it on one `once`.
 */
void sli_agg_scheme_agree(sli_agg_scheme_once *once, const sli_agg_table *first, unsigned pbits, size_t seen,
                          size_t total, sli_agg_scheme *out);

/** @return the partition of key value k under a range scheme (valid k). */
static inline size_t sli_agg_range_part(const sli_agg_scheme *s, int64_t k)
{
    uint64_t q = ((uint64_t)k - (uint64_t)s->lo) >> s->shift;
    uint64_t h = ((uint64_t)k * 0x9E3779B97F4A7C15ull) >> (64 - s->pbits);
    return (size_t)(q >> s->pbits ? h : q); /* outside the range: by hash */
}

/**
 * Range scheme: gives each selected row r of the key vector its partition
 * in the top pbits of out[r], where a hash scheme keeps the hash, and sets
 * dirty[q] for each partition q that receives a key outside the range or a
 * NULL key (those go to partition 0).
 */
void sli_agg_scheme_rows(const sli_agg_scheme *s, const sli_vec *key, const uint32_t *sel, size_t n,
                         uint64_t *out, uint8_t *dirty);

/** @return the first key of range partition q's window (2^shift keys). */
static inline int64_t sli_agg_range_start(const sli_agg_scheme *s, size_t q)
{
    return (int64_t)((uint64_t)s->lo + ((uint64_t)q << s->shift));
}

/**
 * Lists the groups of t by partition: groups[start[q]..start[q+1]) are
 * partition q's, in group order. A hash scheme needs t's hashes
 * (sli_agg_table_prepare_merge). The caller frees both arrays.
 * @return SL_OK or SL_ERR_NOMEM.
 */
sl_status sli_agg_scheme_groups(const sli_agg_scheme *s, const sli_agg_table *t, uint32_t **groups,
                                size_t **start);

#endif
