/*
 * date.c — the variant table of the date kernel family (date.h) and
 * sli_date_select(). Kept apart from variants.c so that the family can grow
 * SIMD variants on its own; the choice follows the same rule (sli_isa_pick,
 * so SL_FORCE_ISA applies) and is cached after the first call.
 */
#include "date.h"

#include <stdatomic.h>
#include <stddef.h>

/* The scalar kernel set, defined in kernels/scalar/date.c. */
extern const sl_date_kernels sli_date_scalar;

const sl_date_variant sl_date_variants[] = {{"scalar", SL_ISA_NONE, &sli_date_scalar}};
const size_t sl_date_variant_count = sizeof sl_date_variants / sizeof sl_date_variants[0];

const sl_date_variant *sli_date_select(void)
{
    static const sl_date_variant *_Atomic chosen;
    const sl_date_variant *v = atomic_load_explicit(&chosen, memory_order_relaxed);
    if (v == NULL) {
        sl_isa isas[sizeof sl_date_variants / sizeof sl_date_variants[0]];
        for (size_t i = 0; i < sl_date_variant_count; i++) isas[i] = sl_date_variants[i].isa;
        v = &sl_date_variants[sli_isa_pick(isas, sl_date_variant_count)];
        /* two threads racing here store the same answer */
        atomic_store_explicit(&chosen, v, memory_order_relaxed);
    }
    return v;
}
