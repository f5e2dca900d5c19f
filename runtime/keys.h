/*
 * keys.h — hashing and comparing key vectors for hash joins and grouping.
 *
 * Keys of the same logical type hash alike whether they arrive as values,
 * string views or dictionary codes, so a join can build from one encoding
 * and probe with another.
 */
#ifndef SLI_KEYS_H
#define SLI_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "column.h"
#include "vector.h"

/** Dictionaries whose entries' hashes a scratch keeps at once (a key each). */
#define SLI_KEY_DICTS 8

/** The hash of every entry of one dictionary. */
typedef struct sli_key_dict_hashes {
    const sli_dict *dict; /**< NULL: unused */
    uint64_t id;          /**< dict's id: an address reused by a later dictionary is not a hit */
    uint64_t *hashes;
    size_t cap;
} sli_key_dict_hashes;

/** Per-operator scratch for hashing: dictionary hashes (one set per
 *  dictionary, so that several keys hashed in turn each keep theirs) and
 *  widened ints. */
typedef struct sli_key_scratch {
    sli_key_dict_hashes dicts[SLI_KEY_DICTS];
    unsigned next; /**< the set a dictionary not kept yet replaces */
    int32_t *wide; /**< SLI_VEC_SIZE int32 for int8/int16 keys */
} sli_key_scratch;

/** Frees scratch buffers. */
void sli_key_scratch_free(sli_key_scratch *s);

/**
 * Hashes the rows of a key vector into out (combine: mix into out).
 * @return SL_OK or SL_ERR_NOMEM.
 */
sl_status sli_hash_vec(const sli_vec *v, const uint32_t *sel, size_t n, int combine, uint64_t *out,
                       sli_key_scratch *scratch);

/**
 * For i in 0..n-1, clears match[i] unless vector v at row vrow[i] equals
 * column c at row crow[i] (types equal; neither side null there).
 */
void sli_keys_match(const sli_vec *v, const uint32_t *vrow, const sli_column *c, const uint32_t *crow,
                    size_t n, uint8_t *match);

#endif
