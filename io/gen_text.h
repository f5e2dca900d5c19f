/*
 * gen_text.h — the fixed vocabularies of TPC-H (specification v3, clause
 * 4.2.2.13 and 4.2.3) and SSB, and the pseudo-text grammar of clause 4.2.2.14.
 *
 * Comments are substrings of a text pool: one long string of sentences made
 * by the grammar from a seeded stream, built once per generator run. A
 * comment of length L is the L bytes at a random offset of the pool, as the
 * specification describes (its pool is 300 MB; ours is SLI_GEN_POOL_BYTES,
 * which changes only how often a comment repeats; at 2 MiB the random reads
 * of the pool mostly hit the caches, which made lineitem a third faster to
 * generate than with 8 MiB).
 *
 * Thread safety: the lists are constant and every function is reentrant
 * (a stream is the caller's own).
 */
#ifndef SLI_GEN_TEXT_H
#define SLI_GEN_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "gen_random.h"

/** Bytes of the text pool. */
#define SLI_GEN_POOL_BYTES ((size_t)2 << 20)

/** A list of words. */
typedef struct sli_wordlist {
    const char *const *words;
    size_t count;
} sli_wordlist;

extern const sli_wordlist sli_gen_colors;       /**< 92 colours of P_NAME */
extern const sli_wordlist sli_gen_type_s1;      /**< P_TYPE syllable 1 (6) */
extern const sli_wordlist sli_gen_type_s2;      /**< P_TYPE syllable 2 (5) */
extern const sli_wordlist sli_gen_type_s3;      /**< P_TYPE syllable 3 (5) */
extern const sli_wordlist sli_gen_cont_s1;      /**< P_CONTAINER syllable 1 (5) */
extern const sli_wordlist sli_gen_cont_s2;      /**< P_CONTAINER syllable 2 (8) */
extern const sli_wordlist sli_gen_segments;     /**< C_MKTSEGMENT (5) */
extern const sli_wordlist sli_gen_priorities;   /**< O_ORDERPRIORITY (5) */
extern const sli_wordlist sli_gen_instructions; /**< L_SHIPINSTRUCT (4) */
extern const sli_wordlist sli_gen_modes;        /**< L_SHIPMODE (7) */
extern const sli_wordlist sli_gen_nations;      /**< N_NAME (25), in key order */
extern const sli_wordlist sli_gen_regions;      /**< R_NAME (5), in key order */

/** N_REGIONKEY of each nation, in nation key order. */
extern const int sli_gen_nation_region[25];

/**
 * Builds the text pool from the grammar with a stream seeded by `seed`.
 * @return a string of SLI_GEN_POOL_BYTES bytes, not NUL-terminated, owned by
 *         the caller (free it with sli_buf_free), or NULL when out of memory.
 * Thread safety: reentrant.
 */
char *sli_gen_text_pool(uint64_t seed);

/**
 * Picks a random substring of the pool of random length in [lo, hi]
 * (hi < 4096) from stream r. @return its start; *len receives its length.
 */
static inline const char *sli_gen_text(const char *pool, sli_rng *r, int lo, int hi, uint32_t *len)
{
    uint32_t n = (uint32_t)sli_rng_range(r, lo, hi);
    size_t off = (size_t)sli_rng_range(r, 0, (int64_t)(SLI_GEN_POOL_BYTES - n));
    *len = n;
    return pool + off;
}

/**
 * Writes a random v-string (clause 4.2.2.7: random alphanumeric characters
 * from a 64-symbol alphabet) of length in [lo, hi] into buf (cap >= hi).
 * @return its length.
 */
uint32_t sli_gen_vstring(sli_rng *r, int lo, int hi, char *buf);

/**
 * Writes a phone number of the nation (clause 4.2.2.9):
 * "CC-LLL-LLL-LLLL" with CC = nation + 10. @return 15 (buf needs 16).
 */
uint32_t sli_gen_phone(sli_rng *r, int nation, char *buf);

#endif
