/*
 * agg_load.c — groups aggregated elsewhere (the OpenCL aggregate sink,
 * runtime/ocl_exec.c) loaded into an aggregate table, so that the host's
 * own finishing (sli_agg_table_finish: NULL for empty sums, overflow
 * checks, averages) makes the output exactly as for groups it aggregated
 * itself.
 */
#include <string.h>

#include "agg_table.h"

/* Folds one loaded group's fields into group g. */
static void load_fields(sli_agg_table *t, size_t g, const int64_t *f, const size_t *agg_field)
{
    if (t->keep_rows) t->rows[g] += f[0];
    for (size_t k = 0; k < t->naggs; k++) {
        const sli_agg *a = &t->aggs[k];
        const int64_t *v = f + agg_field[k];
        if (t->alias[k] != k) continue; /* sum and avg of one argument share the first one's states */
        if (a->fn == SLI_AGG_SUM || a->fn == SLI_AGG_AVG) {
            __int128 s = (__int128)((unsigned __int128)(uint64_t)v[1] << 64 | (uint64_t)v[0]);
            ((__int128 *)t->state[k])[g] += s;
        } else if (a->fn == SLI_AGG_MIN || a->fn == SLI_AGG_MAX) {
            int64_t x = v[0];
            bool mn = a->fn == SLI_AGG_MIN;
            switch (sli_ptype(a->arg->type)) {
#define PUT(T)                                                                                               \
    do {                                                                                                     \
        T *st = (T *)t->state[k];                                                                            \
        if (!t->seen[k][g] || (mn ? (T)x < st[g] : (T)x > st[g])) st[g] = (T)x;                              \
    } while (0)
            case SL_P_I8: PUT(int8_t); break;
            case SL_P_I16: PUT(int16_t); break;
            case SL_P_I32: PUT(int32_t); break;
            default: PUT(int64_t); break;
#undef PUT
            }
            t->seen[k][g] = 1;
        }
    }
}

sl_status sli_agg_table_load(sli_agg_table *t, const sli_vec *keys, size_t n, const int64_t *const *fields,
                             const size_t *agg_field)
{
    if (t->nkeys == 0) {
        for (size_t i = 0; i < n; i++) load_fields(t, 0, fields[i], agg_field);
        return SL_OK;
    }
    sl_status s = sli_agg_table_groups(t, keys, NULL, n);
    if (s) return s;
    for (size_t i = 0; i < n; i++) {
        uint32_t g = t->gid[i];
        if (t->keep_rows) t->rows[g] -= 1; /* sli_agg_table_groups counted the row itself */
        load_fields(t, g, fields[i], agg_field);
    }
    return SL_OK;
}
