/*
 * scalar/hash.c — the scalar reference hashing kernels (hash.h).
 *
 * Integers are hashed by a multiply/xor-shift finalizer over their value
 * widened to 64 bits, so an int32 and an int64 holding the same number hash
 * alike (joins across integer widths). float64 values are normalized first:
 * -0.0 hashes as 0.0 and every NaN as one canonical NaN. Strings are hashed
 * 8 bytes at a time with a multiply/rotate step and the same finalizer.
 * A further key column is folded in with combine(), which is neither
 * commutative nor plain xor, so (x, y) and (y, x) hash differently.
 *
 * Each kernel has separate loops for dense/selected rows, with/without a
 * validity bitmap and fresh/combined output, stamped by one macro.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernels/hash.h"

#define K_MUL1 0xff51afd7ed558ccdull /* odd multipliers with well-spread bits */
#define K_MUL2 0xc4ceb9fe1a85ec53ull
#define K_COMB 0x9fb21c651e98df25ull
#define K_SEED 0x9e3779b97f4a7c15ull /* keeps 0 from hashing to 0 */
#define K_STR  0x2545f4914f6cdd1dull

/* A bijective 64-bit finalizer: every input bit affects every output bit. */
static inline uint64_t fmix64(uint64_t x)
{
    x ^= x >> 33;
    x *= K_MUL1;
    x ^= x >> 33;
    x *= K_MUL2;
    x ^= x >> 33;
    return x;
}

static inline uint64_t rotl64(uint64_t x, unsigned r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t hash_int(int64_t v)
{
    return fmix64((uint64_t)v + K_SEED);
}

static inline uint64_t hash_f64(double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    bits = v == 0.0 ? 0 : bits;                   /* -0.0 and 0.0 */
    bits = v != v ? 0x7ff8000000000000ull : bits; /* every NaN */
    return fmix64(bits + K_SEED);
}

static inline uint64_t hash_bytes(const char *p, uint32_t len)
{
    uint64_t h = K_SEED ^ ((uint64_t)len * K_STR);
    uint32_t i = 0;
    for (; len - i >= 8; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = rotl64(h ^ (w * K_MUL2), 29) * K_MUL1;
    }
    if (i < len) {
        uint64_t w = 0;
        memcpy(&w, p + i, len - i);
        h = rotl64(h ^ (w * K_MUL2), 29) * K_MUL1;
    }
    return fmix64(h);
}

/* Bijective in each argument for a fixed other one. */
static inline uint64_t combine(uint64_t old, uint64_t h)
{
    return fmix64((old * K_COMB) ^ h);
}

static inline unsigned bit_at(const uint8_t *bits, size_t i)
{
    return (bits[i >> 3] >> (i & 7)) & 1u;
}

/* The four loops over rows given by ROW (i or sel[i]): with or without a
 * validity bitmap, fresh or combined output. HV(row) hashes one row and is
 * evaluated only for valid rows (a null row's value may be garbage, e.g. an
 * out-of-range dictionary code). The flag is named `comb` so that it does not
 * hide combine(). */
#define HASH_LOOPS(ROW, HV)                                                                                  \
    do {                                                                                                     \
        if (validity == NULL && !comb) {                                                                     \
            for (size_t i = 0; i < n; i++) {                                                                 \
                size_t row = ROW;                                                                            \
                out[row] = HV(row);                                                                          \
            }                                                                                                \
        } else if (validity == NULL) {                                                                       \
            for (size_t i = 0; i < n; i++) {                                                                 \
                size_t row = ROW;                                                                            \
                out[row] = combine(out[row], HV(row));                                                       \
            }                                                                                                \
        } else if (!comb) {                                                                                  \
            for (size_t i = 0; i < n; i++) {                                                                 \
                size_t row = ROW;                                                                            \
                out[row] = bit_at(validity, row) ? HV(row) : SL_HASH_NULL;                                   \
            }                                                                                                \
        } else {                                                                                             \
            for (size_t i = 0; i < n; i++) {                                                                 \
                size_t row = ROW;                                                                            \
                out[row] = combine(out[row], bit_at(validity, row) ? HV(row) : SL_HASH_NULL);                \
            }                                                                                                \
        }                                                                                                    \
    } while (0)

#define HASH_BODY(HV)                                                                                        \
    do {                                                                                                     \
        if (sel == NULL)                                                                                     \
            HASH_LOOPS(i, HV);                                                                               \
        else                                                                                                 \
            HASH_LOOPS(sel[i], HV);                                                                          \
    } while (0)

#define HV_INT(row)  hash_int((int64_t)v[row])
#define HV_F64(row)  hash_f64(v[row])
#define HV_STR(row)  hash_bytes(v[row].ptr, v[row].len)
#define HV_CODE(row) dict_hashes[codes[row]]

#define STAMP_HASH(name, T, HV)                                                                              \
    static void name(const T *restrict v, const uint8_t *restrict validity, const uint32_t *restrict sel,    \
                     size_t n, int comb, uint64_t *restrict out)                                             \
    {                                                                                                        \
        HASH_BODY(HV);                                                                                       \
    }

STAMP_HASH(hash_i32, int32_t, HV_INT)
STAMP_HASH(hash_i64, int64_t, HV_INT)
STAMP_HASH(hash_f64v, double, HV_F64)
STAMP_HASH(hash_str, sli_strview, HV_STR)

static void hash_codes(const int32_t *restrict codes, const uint64_t *restrict dict_hashes,
                       const uint8_t *restrict validity, const uint32_t *restrict sel, size_t n, int comb,
                       uint64_t *restrict out)
{
    HASH_BODY(HV_CODE);
}

const sl_hash_kernels sli_hash_scalar = {
    .i32 = hash_i32,
    .i64 = hash_i64,
    .f64 = hash_f64v,
    .str = hash_str,
    .codes = hash_codes,
};
