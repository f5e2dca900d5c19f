/*
 * gen_random.h — deterministic random streams for the data generators.
 *
 * The generators need the same rows for a given seed whatever the thread
 * count and however the rows are cut into chunks. So randomness is
 * counter-based: every row of every table has a stream of its own, made by
 * hashing (seed, stream id, row number). Any chunk can start at any row
 * without replaying the rows before it, and the values of a row never depend
 * on which thread generated it. Within a row the stream is a SplitMix64
 * sequence (Steele, Lea and Flood, OOPSLA 2014), which passes BigCrush and is
 * a few instructions per draw.
 *
 * Thread safety: a stream is a plain value; use one per thread.
 */
#ifndef SLI_GEN_RANDOM_H
#define SLI_GEN_RANDOM_H

#include <stdint.h>

/** A random stream: the SplitMix64 state. */
typedef struct sli_rng {
    uint64_t state;
} sli_rng;

/** The finalizer of SplitMix64 (a bijective 64-bit mix). */
static inline uint64_t sli_rng_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/**
 * @return the stream of row `row` of stream family `stream` under `seed`.
 * Distinct (stream, row) pairs give unrelated sequences.
 */
static inline sli_rng sli_rng_at(uint64_t seed, uint32_t stream, uint64_t row)
{
    sli_rng r;
    r.state = sli_rng_mix(sli_rng_mix(seed ^ ((uint64_t)stream * 0xD1B54A32D192ED03ull)) + row);
    return r;
}

/** @return the next 64 random bits of the stream. */
static inline uint64_t sli_rng_next(sli_rng *r)
{
    r->state += 0x9E3779B97F4A7C15ull;
    return sli_rng_mix(r->state);
}

/** @return a uniform integer in [lo, hi] (hi >= lo), without modulo bias
 *  worth measuring (Lemire's multiply-shift on 64 bits). */
static inline int64_t sli_rng_range(sli_rng *r, int64_t lo, int64_t hi)
{
    uint64_t span = (uint64_t)(hi - lo) + 1;
    unsigned __int128 m = (unsigned __int128)sli_rng_next(r) * span;
    return lo + (int64_t)(uint64_t)(m >> 64);
}

#endif
