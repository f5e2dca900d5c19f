/*
 * join_table.h — the hash table of an inner equi-join.
 *
 * The build side's rows are materialized column-wise (the build input's
 * columns followed by the evaluated key columns). Rows are chained per
 * bucket (heads[] + next[]), each with its full hash, so a probe compares
 * hashes first and touches keys only for likely matches. Probing walks all
 * chains of a chunk in lock-step rounds: each round tests one candidate per
 * probe row with typed loops, emits matches and advances the chains.
 */
#ifndef SLI_JOIN_TABLE_H
#define SLI_JOIN_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "column.h"
#include "keys.h"
#include "vector.h"

#define SLI_JOIN_END UINT32_MAX

typedef struct sli_join_table {
    size_t ncols; /**< payload columns */
    size_t nkeys;
    sli_colbuilder *builders; /**< ncols + nkeys while building */
    sli_column **cols;        /**< ncols + nkeys after finish */
    size_t rows;
    uint64_t *hashes;
    uint32_t *next;
    uint32_t *heads;
    uint64_t mask;
} sli_join_table;

/** Prepares an empty table for payload `types` and key `key_types`. */
sl_status sli_join_table_init(sli_join_table *jt, const sl_type *types, size_t ncols,
                              const sl_type *key_types, size_t nkeys);

/** Appends the selected rows of a chunk's payload vectors and key vectors. */
sl_status sli_join_table_append(sli_join_table *jt, const sli_vec *payload, const sli_vec *keys,
                                const uint32_t *sel, size_t n);

/** Freezes the columns and builds the bucket chains. */
sl_status sli_join_table_finish(sli_join_table *jt);

void sli_join_table_free(sli_join_table *jt);

/** Probe state of one chunk; lives in the probing operator. */
typedef struct sli_join_probe {
    const sli_vec *keys; /**< the chunk's key vectors (nkeys) */
    size_t nactive;
    uint32_t *row;  /**< SLI_VEC_SIZE: probe row of each active chain */
    uint32_t *cand; /**< build row each chain is at */
    uint64_t *hash; /**< probe hash per active chain */
    uint64_t *hbuf; /**< hashes by row position */
    uint32_t *sel;  /**< scratch selection */
    uint8_t *match;
    sli_key_scratch scratch;
} sli_join_probe;

sl_status sli_join_probe_init(sli_join_probe *p);
void sli_join_probe_free(sli_join_probe *p);

/** Starts probing the rows (sel, n) with key vectors `keys`. */
sl_status sli_join_probe_start(sli_join_probe *p, const sli_join_table *jt, const sli_vec *keys,
                               const uint32_t *sel, size_t n);

/**
 * Produces the next matches: probe rows and build rows, at most SLI_VEC_SIZE.
 * @return the number of matches; 0 when the chunk is exhausted.
 */
size_t sli_join_probe_next(sli_join_probe *p, const sli_join_table *jt, uint32_t *probe_rows,
                           uint32_t *build_rows);

#endif
