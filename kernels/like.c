/*
 * like.c — the variant table of the LIKE / SUBSTRING kernel family (like.h),
 * sli_like_select(), and the pattern compiler and reference matcher the
 * variants share. Kept apart from variants.c like date.c: the family has only
 * its scalar variant so far; the choice follows the same rule (sli_isa_pick,
 * so SL_FORCE_ISA applies) and is cached after the first call.
 */
#include "like.h"

#include <stdatomic.h>
#include <stddef.h>

/* The scalar kernel set, defined in kernels/scalar/like.c. */
extern const sl_like_kernels sli_like_scalar;

const sl_like_variant sl_like_variants[] = {{"scalar", SL_ISA_NONE, &sli_like_scalar}};
const size_t sl_like_variant_count = sizeof sl_like_variants / sizeof sl_like_variants[0];

const sl_like_variant *sli_like_select(void)
{
    static const sl_like_variant *_Atomic chosen;
    const sl_like_variant *v = atomic_load_explicit(&chosen, memory_order_relaxed);
    if (v == NULL) {
        sl_isa isas[sizeof sl_like_variants / sizeof sl_like_variants[0]];
        for (size_t i = 0; i < sl_like_variant_count; i++) isas[i] = sl_like_variants[i].isa;
        v = &sl_like_variants[sli_isa_pick(isas, sl_like_variant_count)];
        /* two threads racing here store the same answer */
        atomic_store_explicit(&chosen, v, memory_order_relaxed);
    }
    return v;
}

void sli_like_compile(const char *p, size_t n, sl_like_pattern *out)
{
    size_t lead = 0, trail = 0;
    while (lead < n && p[lead] == '%') lead++;
    if (lead == n) {
        out->shape = n ? SL_LIKE_ANY : SL_LIKE_EQUAL; /* '' matches only '' */
        out->needle = p;
        out->nlen = 0;
        return;
    }
    while (trail < n - lead && p[n - 1 - trail] == '%') trail++;
    const char *mid = p + lead;
    size_t mlen = n - lead - trail;
    bool wild = false;
    for (size_t i = 0; i < mlen; i++) wild |= mid[i] == '%' || mid[i] == '_';
    out->needle = mid;
    out->nlen = mlen;
    if (wild)
        out->shape = SL_LIKE_GENERAL, out->needle = p, out->nlen = n;
    else if (!lead && !trail)
        out->shape = SL_LIKE_EQUAL;
    else if (!lead)
        out->shape = SL_LIKE_PREFIX;
    else if (!trail)
        out->shape = SL_LIKE_SUFFIX;
    else
        out->shape = SL_LIKE_CONTAINS;
}

bool sli_like_match(const char *s, size_t n, const char *p, size_t m)
{
    size_t i = 0, j = 0;
    size_t star = SIZE_MAX, mark = 0; /* the last '%' seen and where its run of s ends */
    while (i < n) {
        if (j < m && p[j] == '%') {
            star = j++;
            mark = i;
        } else if (j < m && (p[j] == '_' || p[j] == s[i])) {
            i++;
            j++;
        } else if (star != SIZE_MAX) {
            /* let the last '%' swallow one more byte and retry after it */
            j = star + 1;
            i = ++mark;
        } else {
            return false;
        }
    }
    while (j < m && p[j] == '%') j++;
    return j == m;
}
