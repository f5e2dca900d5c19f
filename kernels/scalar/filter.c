/*
 * scalar/filter.c — the scalar reference selection kernels (filter.h).
 *
 * Every kernel has two loops, one for the dense rows 0..n-1 (sel == NULL) and
 * one over a selection vector, and writes its output branch-free: the row is
 * stored at out[k] unconditionally and k advances by the predicate (0 or 1).
 * Per-type and per-operator functions are stamped by macros.
 *
 * sel and out are deliberately not restrict-qualified here: filter.h allows
 * out == sel (in-place compaction). That is safe because out[k] is written
 * only after sel[i] was read, and k <= i.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernels/filter.h"

/* ---- comparisons of fixed-width values ------------------------------------ */

#define OP_EQ(x, y) ((x) == (y))
#define OP_NE(x, y) ((x) != (y))
#define OP_LT(x, y) ((x) < (y))
#define OP_LE(x, y) ((x) <= (y))
#define OP_GT(x, y) ((x) > (y))
#define OP_GE(x, y) ((x) >= (y))

/* Calls X(tn, T, opname, OPMACRO) for every operator, in sl_cmp order. */
/* clang-format off */
#define FOR_OPS(X, tn, T)                                                                                    \
    X(tn, T, eq, OP_EQ)                                                                                      \
    X(tn, T, ne, OP_NE)                                                                                      \
    X(tn, T, lt, OP_LT)                                                                                      \
    X(tn, T, le, OP_LE)                                                                                      \
    X(tn, T, gt, OP_GT)                                                                                      \
    X(tn, T, ge, OP_GE)
/* clang-format on */

/* v[row] OP c */
#define STAMP_CONST(tn, T, opn, OP)                                                                          \
    static size_t cmp_const_##tn##_##opn(const T *restrict v, T c, const uint32_t *sel, size_t n,            \
                                         uint32_t *out)                                                      \
    {                                                                                                        \
        size_t k = 0;                                                                                        \
        if (sel == NULL) {                                                                                   \
            for (size_t i = 0; i < n; i++) {                                                                 \
                out[k] = (uint32_t)i;                                                                        \
                k += OP(v[i], c);                                                                            \
            }                                                                                                \
        } else {                                                                                             \
            for (size_t i = 0; i < n; i++) {                                                                 \
                uint32_t row = sel[i];                                                                       \
                out[k] = row;                                                                                \
                k += OP(v[row], c);                                                                          \
            }                                                                                                \
        }                                                                                                    \
        return k;                                                                                            \
    }

/* a[row] OP b[row] */
#define STAMP_COL(tn, T, opn, OP)                                                                            \
    static size_t cmp_col_##tn##_##opn(const T *restrict a, const T *restrict b, const uint32_t *sel,        \
                                       size_t n, uint32_t *out)                                              \
    {                                                                                                        \
        size_t k = 0;                                                                                        \
        if (sel == NULL) {                                                                                   \
            for (size_t i = 0; i < n; i++) {                                                                 \
                out[k] = (uint32_t)i;                                                                        \
                k += OP(a[i], b[i]);                                                                         \
            }                                                                                                \
        } else {                                                                                             \
            for (size_t i = 0; i < n; i++) {                                                                 \
                uint32_t row = sel[i];                                                                       \
                out[k] = row;                                                                                \
                k += OP(a[row], b[row]);                                                                     \
            }                                                                                                \
        }                                                                                                    \
        return k;                                                                                            \
    }

/* lo <= v[row] <= hi */
#define STAMP_RANGE(tn, T)                                                                                   \
    static size_t range_##tn(const T *restrict v, T lo, T hi, const uint32_t *sel, size_t n, uint32_t *out)  \
    {                                                                                                        \
        size_t k = 0;                                                                                        \
        if (sel == NULL) {                                                                                   \
            for (size_t i = 0; i < n; i++) {                                                                 \
                out[k] = (uint32_t)i;                                                                        \
                k += (v[i] >= lo) & (v[i] <= hi);                                                            \
            }                                                                                                \
        } else {                                                                                             \
            for (size_t i = 0; i < n; i++) {                                                                 \
                uint32_t row = sel[i];                                                                       \
                out[k] = row;                                                                                \
                k += (v[row] >= lo) & (v[row] <= hi);                                                        \
            }                                                                                                \
        }                                                                                                    \
        return k;                                                                                            \
    }

#define STAMP_TYPE(tn, T) FOR_OPS(STAMP_CONST, tn, T) FOR_OPS(STAMP_COL, tn, T) STAMP_RANGE(tn, T)
SLI_FILTER_TYPES(STAMP_TYPE)
#undef STAMP_TYPE

/* ---- validity, bool and dictionary codes ------------------------------------ */

static inline unsigned bit_at(const uint8_t *bits, size_t i)
{
    return (bits[i >> 3] >> (i & 7)) & 1u;
}

/* Stamps a kernel over one uint8_t-ish input whose predicate for row is PRED(row). */
#define STAMP_UNARY(name, PARAMS, PRED)                                                                      \
    static size_t name PARAMS                                                                                \
    {                                                                                                        \
        size_t k = 0;                                                                                        \
        if (sel == NULL) {                                                                                   \
            for (size_t i = 0; i < n; i++) {                                                                 \
                out[k] = (uint32_t)i;                                                                        \
                k += PRED(i);                                                                                \
            }                                                                                                \
        } else {                                                                                             \
            for (size_t i = 0; i < n; i++) {                                                                 \
                uint32_t row = sel[i];                                                                       \
                out[k] = row;                                                                                \
                k += PRED(row);                                                                              \
            }                                                                                                \
        }                                                                                                    \
        return k;                                                                                            \
    }

#define PRED_VALID(row) bit_at(validity, (row))
#define PRED_TRUE(row)  (v[(row)] != 0)
#define PRED_CODE(row)  (pass[codes[(row)]] != 0)
#define PRED_ALL(row)   1

STAMP_UNARY(valid_bits, (const uint8_t *restrict validity, const uint32_t *sel, size_t n, uint32_t *out),
            PRED_VALID)
STAMP_UNARY(valid_all, (const uint32_t *sel, size_t n, uint32_t *out), PRED_ALL)
STAMP_UNARY(select_true, (const uint8_t *restrict v, const uint32_t *sel, size_t n, uint32_t *out), PRED_TRUE)
STAMP_UNARY(select_codes,
            (const int32_t *restrict codes, const uint8_t *restrict pass, const uint32_t *sel, size_t n,
             uint32_t *out),
            PRED_CODE)

static size_t select_valid(const uint8_t *restrict validity, const uint32_t *sel, size_t n, uint32_t *out)
{
    /* filter.h asks callers for a bitmap; a missing one means every row is valid. */
    if (validity == NULL) return valid_all(sel, n, out);
    return valid_bits(validity, sel, n, out);
}

/* ---- strings ------------------------------------------------------------------ */

/* Three-way byte-wise comparison: memcmp over the common prefix, then length. */
static inline int str_cmp(sli_strview a, sli_strview b)
{
    uint32_t m = a.len < b.len ? a.len : b.len;
    int c = m ? memcmp(a.ptr, b.ptr, m) : 0;
    if (c != 0) return c;
    return (a.len > b.len) - (a.len < b.len);
}

static inline int str_eq(sli_strview a, sli_strview b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

#define SP_EQ(x, y) str_eq((x), (y))
#define SP_NE(x, y) (!str_eq((x), (y)))
#define SP_LT(x, y) (str_cmp((x), (y)) < 0)
#define SP_LE(x, y) (str_cmp((x), (y)) <= 0)
#define SP_GT(x, y) (str_cmp((x), (y)) > 0)
#define SP_GE(x, y) (str_cmp((x), (y)) >= 0)

/* One loop pair per operator; the operator switch stays outside the loops. */
#define STR_LOOPS(PRED, LHS, RHS)                                                                            \
    do {                                                                                                     \
        if (sel == NULL) {                                                                                   \
            for (size_t i = 0; i < n; i++) {                                                                 \
                size_t row = i;                                                                              \
                out[k] = (uint32_t)row;                                                                      \
                k += PRED(LHS, RHS);                                                                         \
            }                                                                                                \
        } else {                                                                                             \
            for (size_t i = 0; i < n; i++) {                                                                 \
                uint32_t row = sel[i];                                                                       \
                out[k] = row;                                                                                \
                k += PRED(LHS, RHS);                                                                         \
            }                                                                                                \
        }                                                                                                    \
    } while (0)

#define STR_SWITCH(LHS, RHS)                                                                                 \
    switch (op) {                                                                                            \
    case SL_CMP_EQ: STR_LOOPS(SP_EQ, LHS, RHS); break;                                                       \
    case SL_CMP_NE: STR_LOOPS(SP_NE, LHS, RHS); break;                                                       \
    case SL_CMP_LT: STR_LOOPS(SP_LT, LHS, RHS); break;                                                       \
    case SL_CMP_LE: STR_LOOPS(SP_LE, LHS, RHS); break;                                                       \
    case SL_CMP_GT: STR_LOOPS(SP_GT, LHS, RHS); break;                                                       \
    case SL_CMP_GE: STR_LOOPS(SP_GE, LHS, RHS); break;                                                       \
    default: break; /* not an operator: nothing passes */                                                    \
    }

static size_t str_const(sl_cmp op, const sli_strview *restrict v, sli_strview c, const uint32_t *sel,
                        size_t n, uint32_t *out)
{
    size_t k = 0;
    STR_SWITCH(v[row], c)
    return k;
}

static size_t str_col(sl_cmp op, const sli_strview *restrict a, const sli_strview *restrict b,
                      const uint32_t *sel, size_t n, uint32_t *out)
{
    size_t k = 0;
    STR_SWITCH(a[row], b[row])
    return k;
}

/* ---- bitmaps of dense rows --------------------------------------------------------- */

/* Bit i of the 64-row word w: lo <= v[w * 64 + i] <= hi; with and_into the
 * word is ANDed with what is there, and a word already zero is left alone. */
#define STAMP_BITS_RANGE(tn, T)                                                                              \
    static size_t bits_range_##tn(const T *restrict v, T lo, T hi, size_t n, uint64_t *restrict bits,        \
                                  bool and_into)                                                             \
    {                                                                                                        \
        size_t k = 0;                                                                                        \
        for (size_t w = 0; w * 64 < n; w++) {                                                                \
            if (and_into && bits[w] == 0) continue;                                                          \
            size_t end = n - w * 64 < 64 ? n : w * 64 + 64;                                                  \
            uint64_t m = 0;                                                                                  \
            for (size_t i = w * 64; i < end; i++) m |= (uint64_t)((v[i] >= lo) & (v[i] <= hi)) << (i & 63);  \
            bits[w] = and_into ? bits[w] & m : m;                                                            \
            for (uint64_t x = bits[w]; x; x &= x - 1) k++;                                                   \
        }                                                                                                    \
        return k;                                                                                            \
    }
SLI_FILTER_TYPES(STAMP_BITS_RANGE)

static size_t bits_rows(const uint64_t *restrict bits, size_t n, uint32_t *restrict out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        out[k] = (uint32_t)i;
        k += (bits[i / 64] >> (i & 63)) & 1u;
    }
    return k;
}

/* ---- the kernel set ------------------------------------------------------------ */

#define OPS_ARRAY(pre, tn)                                                                                   \
    {                                                                                                        \
        pre##tn##_eq, pre##tn##_ne, pre##tn##_lt, pre##tn##_le, pre##tn##_gt, pre##tn##_ge                   \
    }
#define MEMBERS(tn, T)                                                                                       \
    .cmp_const_##tn = OPS_ARRAY(cmp_const_, tn), .cmp_col_##tn = OPS_ARRAY(cmp_col_, tn),                    \
    .range_##tn = range_##tn, .bits_range_##tn = bits_range_##tn,

/* clang-format off */
const sl_filter_kernels sli_filter_scalar = {
    SLI_FILTER_TYPES(MEMBERS) /* .cmp_const_<type>, .cmp_col_<type> and .range_<type> for every type */
    .valid = select_valid,
    .is_true = select_true,
    .str_const = str_const,
    .str_col = str_col,
    .codes = select_codes,
    .bits_rows = bits_rows,
};
/* clang-format on */
