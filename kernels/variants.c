/*
 * variants.c — the variant table of every kernel family and the functions
 * that choose one variant per family for this CPU.
 *
 * Each table lists the scalar reference first, then the SIMD variants of
 * kernels/simd/. sli_<family>_select() picks through sli_isa_pick() (so
 * SL_FORCE_ISA applies) and caches the choice: the first call decides, and two
 * threads racing on the first call compute the same answer.
 */
#include <stdatomic.h>
#include <stddef.h>

#include "agg.h"
#include "arith.h"
#include "cast.h"
#include "filter.h"
#include "gather.h"
#include "hash.h"
#include "isa.h"
#include "sort.h"

/* The scalar kernel sets, defined in kernels/scalar/<family>.c. */
extern const sl_filter_kernels sli_filter_scalar;
extern const sl_arith_kernels sli_arith_scalar;
extern const sl_cast_kernels sli_cast_scalar;
extern const sl_hash_kernels sli_hash_scalar;
extern const sl_agg_kernels sli_agg_scalar;
extern const sl_sort_kernels sli_sort_scalar;
extern const sl_gather_kernels sli_gather_scalar;

/*
 * The SIMD kernel sets, defined in kernels/simd/<family>.c, which
 * cmake/Simd.cmake compiles once per target (sli_<family>_<isa>). The tables
 * list them after the scalar reference; sli_isa_pick() takes the best one the
 * CPU runs.
 */
#ifdef SLI_HAVE_SIMD128
#define SLI_DECL_128(fam) extern const sl_##fam##_kernels sli_##fam##_simd128;
#define SLI_128(fam)                                                                                         \
    ,                                                                                                        \
    {                                                                                                        \
        "simd128", SL_ISA_SIMD128, &sli_##fam##_simd128                                                      \
    }
#else
#define SLI_DECL_128(fam)
#define SLI_128(fam)
#endif
#ifdef SLI_HAVE_SIMD_X86
#define SLI_DECL_X86(fam)                                                                                    \
    extern const sl_##fam##_kernels sli_##fam##_avx2;                                                        \
    extern const sl_##fam##_kernels sli_##fam##_avx512;
#define SLI_X86(fam)                                                                                         \
    , {"avx2", SL_ISA_AVX2, &sli_##fam##_avx2},                                                              \
    {                                                                                                        \
        "avx512", SL_ISA_AVX512, &sli_##fam##_avx512                                                         \
    }
#else
#define SLI_DECL_X86(fam)
#define SLI_X86(fam)
#endif
SLI_DECL_128(filter)
SLI_DECL_X86(filter)
SLI_DECL_128(arith)
SLI_DECL_X86(arith)
SLI_DECL_128(cast)
SLI_DECL_X86(cast)
SLI_DECL_128(hash)
SLI_DECL_X86(hash)
SLI_DECL_128(agg)
SLI_DECL_X86(agg)
SLI_DECL_128(gather)
SLI_DECL_X86(gather)
SLI_DECL_128(sort)
SLI_DECL_X86(sort)

const sl_filter_variant sl_filter_variants[] = {{"scalar", SL_ISA_NONE, &sli_filter_scalar} SLI_128(filter)
                                                    SLI_X86(filter)};
const sl_arith_variant sl_arith_variants[] = {{"scalar", SL_ISA_NONE, &sli_arith_scalar} SLI_128(arith)
                                                  SLI_X86(arith)};
const sl_cast_variant sl_cast_variants[] = {{"scalar", SL_ISA_NONE, &sli_cast_scalar} SLI_128(cast)
                                                SLI_X86(cast)};
const sl_hash_variant sl_hash_variants[] = {{"scalar", SL_ISA_NONE, &sli_hash_scalar} SLI_128(hash)
                                                SLI_X86(hash)};
const sl_agg_variant sl_agg_variants[] = {{"scalar", SL_ISA_NONE, &sli_agg_scalar} SLI_128(agg) SLI_X86(agg)};
const sl_sort_variant sl_sort_variants[] = {{"scalar", SL_ISA_NONE, &sli_sort_scalar} SLI_128(sort)
                                                SLI_X86(sort)};
const sl_gather_variant sl_gather_variants[] = {{"scalar", SL_ISA_NONE, &sli_gather_scalar} SLI_128(gather)
                                                    SLI_X86(gather)};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Stamps sl_<fam>_variant_count and sli_<fam>_select() for one family. */
#define SLI_STAMP_SELECT(fam)                                                                                \
    const size_t sl_##fam##_variant_count = COUNT_OF(sl_##fam##_variants);                                   \
    const sl_##fam##_variant *sli_##fam##_select(void)                                                       \
    {                                                                                                        \
        static const sl_##fam##_variant *_Atomic chosen;                                                     \
        const sl_##fam##_variant *v = atomic_load_explicit(&chosen, memory_order_relaxed);                   \
        if (v == NULL) {                                                                                     \
            sl_isa isas[COUNT_OF(sl_##fam##_variants)];                                                      \
            for (size_t i = 0; i < COUNT_OF(sl_##fam##_variants); i++) isas[i] = sl_##fam##_variants[i].isa; \
            v = &sl_##fam##_variants[sli_isa_pick(isas, COUNT_OF(sl_##fam##_variants))];                     \
            atomic_store_explicit(&chosen, v, memory_order_relaxed);                                         \
        }                                                                                                    \
        return v;                                                                                            \
    }

SLI_STAMP_SELECT(filter)
SLI_STAMP_SELECT(arith)
SLI_STAMP_SELECT(cast)
SLI_STAMP_SELECT(hash)
SLI_STAMP_SELECT(agg)
SLI_STAMP_SELECT(sort)
SLI_STAMP_SELECT(gather)
