/*
 * keys.c — key hashing and comparison for joins and grouping (see keys.h).
 */
#include "keys.h"

#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "kernels/cast.h"
#include "kernels/hash.h"

void sli_key_scratch_free(sli_key_scratch *s)
{
    for (size_t i = 0; i < SLI_KEY_DICTS; i++) free(s->dicts[i].hashes);
    sli_buf_free(s->wide);
    memset(s, 0, sizeof *s);
}

sl_status sli_hash_vec(const sli_vec *v, const uint32_t *sel, size_t n, int combine, uint64_t *out,
                       sli_key_scratch *s)
{
    const sl_hash_kernels *hk = sli_hash_select()->k;
    switch (sli_ptype(v->type)) {
    case SL_P_I8:
    case SL_P_I16: {
        if (!s->wide && !(s->wide = sli_buf_alloc(SLI_VEC_SIZE * sizeof(int32_t)))) return SL_ERR_NOMEM;
        sli_cast_select()->k->cast[sli_ptype(v->type)][SL_P_I32](v->data, s->wide, sel, n);
        hk->i32(s->wide, v->validity, sel, n, combine, out);
        return SL_OK;
    }
    case SL_P_I32: hk->i32(v->data, v->validity, sel, n, combine, out); return SL_OK;
    case SL_P_I64: hk->i64(v->data, v->validity, sel, n, combine, out); return SL_OK;
    case SL_P_F64: hk->f64(v->data, v->validity, sel, n, combine, out); return SL_OK;
    default: break;
    }
    if (!v->dict) {
        hk->str(v->data, v->validity, sel, n, combine, out);
        return SL_OK;
    }
    /* The entries' hashes, computed once per dictionary while it stays kept. */
    sli_key_dict_hashes *e = NULL;
    for (size_t i = 0; i < SLI_KEY_DICTS && !e; i++)
        if (s->dicts[i].dict == v->dict && s->dicts[i].id == v->dict->id) e = &s->dicts[i];
    if (!e) {
        e = &s->dicts[s->next];
        s->next = (s->next + 1) % SLI_KEY_DICTS;
        size_t cnt = v->dict->count ? v->dict->count : 1;
        if (e->cap < cnt) {
            uint64_t *h = realloc(e->hashes, cnt * sizeof *h);
            if (!h) return SL_ERR_NOMEM;
            e->hashes = h;
            e->cap = cnt;
        }
        hk->str(v->dict->views, NULL, NULL, v->dict->count, 0, e->hashes);
        e->dict = v->dict;
        e->id = v->dict->id;
    }
    hk->codes(v->data, e->hashes, v->validity, sel, n, combine, out);
    return SL_OK;
}

#define MATCH_LOOP(T)                                                                                        \
    do {                                                                                                     \
        const T *a = v->data, *b = c->data;                                                                  \
        for (size_t i = 0; i < n; i++) match[i] &= a[vrow[i]] == b[crow[i]];                                 \
    } while (0)

void sli_keys_match(const sli_vec *v, const uint32_t *vrow, const sli_column *c, const uint32_t *crow,
                    size_t n, uint8_t *match)
{
    switch (sli_ptype(v->type)) {
    case SL_P_I8: MATCH_LOOP(int8_t); return;
    case SL_P_I16: MATCH_LOOP(int16_t); return;
    case SL_P_I32: MATCH_LOOP(int32_t); return;
    case SL_P_I64: MATCH_LOOP(int64_t); return;
    case SL_P_F64: MATCH_LOOP(double); return;
    default: break;
    }
    for (size_t i = 0; i < n; i++) {
        if (!match[i]) continue;
        sli_strview a = v->dict ? v->dict->views[((const int32_t *)v->data)[vrow[i]]]
                                : ((const sli_strview *)v->data)[vrow[i]];
        sli_strview b = sli_column_str(c, crow[i]);
        match[i] = a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
    }
}
