/*
 * scalar/like.c — the scalar reference LIKE and SUBSTRING kernels (like.h).
 *
 * One selection loop per pattern shape, stamped by a macro so that the shape
 * test is hoisted out of the row loop; the output is written branch-free
 * (out[k] = row; k += pred). sel and out are not restrict-qualified in the
 * loops (see scalar/filter.c).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernels/like.h"

static inline bool m_any(const sli_strview *s, const sl_like_pattern *p)
{
    (void)s;
    (void)p;
    return true;
}

static inline bool m_equal(const sli_strview *s, const sl_like_pattern *p)
{
    return s->len == p->nlen && (p->nlen == 0 || memcmp(s->ptr, p->needle, p->nlen) == 0);
}

static inline bool m_prefix(const sli_strview *s, const sl_like_pattern *p)
{
    return s->len >= p->nlen && memcmp(s->ptr, p->needle, p->nlen) == 0;
}

static inline bool m_suffix(const sli_strview *s, const sl_like_pattern *p)
{
    return s->len >= p->nlen && memcmp(s->ptr + (s->len - p->nlen), p->needle, p->nlen) == 0;
}

static inline bool m_contains(const sli_strview *s, const sl_like_pattern *p)
{
    return s->len >= p->nlen && memmem(s->ptr, s->len, p->needle, p->nlen) != NULL;
}

static inline bool m_general(const sli_strview *s, const sl_like_pattern *p)
{
    return sli_like_match(s->ptr, s->len, p->needle, p->nlen);
}

#define STAMP_SELECT(name, MATCH)                                                                            \
    static size_t select_##name(const sl_like_pattern *pat, bool negate, const sli_strview *v,               \
                                const uint32_t *sel, size_t n, uint32_t *out)                                \
    {                                                                                                        \
        size_t k = 0;                                                                                        \
        unsigned neg = negate;                                                                               \
        if (sel == NULL) {                                                                                   \
            for (size_t i = 0; i < n; i++) {                                                                 \
                out[k] = (uint32_t)i;                                                                        \
                k += (unsigned)MATCH(&v[i], pat) ^ neg;                                                      \
            }                                                                                                \
        } else {                                                                                             \
            for (size_t i = 0; i < n; i++) {                                                                 \
                uint32_t row = sel[i];                                                                       \
                out[k] = row;                                                                                \
                k += (unsigned)MATCH(&v[row], pat) ^ neg;                                                    \
            }                                                                                                \
        }                                                                                                    \
        return k;                                                                                            \
    }

STAMP_SELECT(any, m_any)
STAMP_SELECT(equal, m_equal)
STAMP_SELECT(prefix, m_prefix)
STAMP_SELECT(suffix, m_suffix)
STAMP_SELECT(contains, m_contains)
STAMP_SELECT(general, m_general)

static size_t like_select(const sl_like_pattern *pat, bool negate, const sli_strview *restrict v,
                          const uint32_t *restrict sel, size_t n, uint32_t *restrict out)
{
    switch (pat->shape) {
    case SL_LIKE_ANY: return select_any(pat, negate, v, sel, n, out);
    case SL_LIKE_EQUAL: return select_equal(pat, negate, v, sel, n, out);
    case SL_LIKE_PREFIX: return select_prefix(pat, negate, v, sel, n, out);
    case SL_LIKE_SUFFIX: return select_suffix(pat, negate, v, sel, n, out);
    case SL_LIKE_CONTAINS: return select_contains(pat, negate, v, sel, n, out);
    case SL_LIKE_GENERAL: break;
    }
    return select_general(pat, negate, v, sel, n, out);
}

static inline sli_strview sub(sli_strview s, int64_t start, const int64_t *len, size_t row)
{
    /* [start, end) in 1-based positions, clipped to [1, len(s) + 1) */
    int64_t end;
    if (len == NULL)
        end = (int64_t)s.len + 1;
    else if (len[row] < 0)
        end = start; /* empty */
    else
        end = start > INT64_MAX - len[row] ? INT64_MAX : start + len[row];
    int64_t lo = start < 1 ? 1 : start, hi = end > (int64_t)s.len + 1 ? (int64_t)s.len + 1 : end;
    sli_strview r = {s.ptr, 0};
    if (hi > lo) {
        r.ptr = s.ptr + (lo - 1);
        r.len = (uint32_t)(hi - lo);
    }
    return r;
}

static void substr(const sli_strview *restrict v, const int64_t *restrict start, const int64_t *restrict len,
                   sli_strview *restrict out, const uint32_t *restrict sel, size_t n)
{
    if (sel == NULL) {
        for (size_t i = 0; i < n; i++) out[i] = sub(v[i], start[i], len, i);
    } else {
        for (size_t i = 0; i < n; i++) {
            uint32_t row = sel[i];
            out[row] = sub(v[row], start[row], len, row);
        }
    }
}

const sl_like_kernels sli_like_scalar = {like_select, substr};
