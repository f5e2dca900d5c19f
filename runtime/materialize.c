/*
 * materialize.c — appending vectors to columns and reading columns as
 * vectors (see materialize.h). Row loops are gather kernels.
 */
#include "materialize.h"

#include <string.h>

#include "buffer.h"
#include "kernels/gather.h"

static sl_gather_fn *gather_for(const sl_gather_kernels *k, size_t width)
{
    switch (width) {
    case 1: return k->w1;
    case 2: return k->w2;
    case 4: return k->w4;
    case 16: return k->w16;
    default: return k->w8;
    }
}

void sli_vec_copy_values(const sli_vec *v, const uint32_t *sel, size_t n, size_t width, void *dst)
{
    if (sel)
        gather_for(sli_gather_select()->k, width)(v->data, sel, n, dst);
    else
        memcpy(dst, v->data, n * width);
}

sl_status sli_append_vec(sli_colbuilder *b, const sli_vec *v, const uint32_t *sel, size_t n)
{
    if (n == 0) return SL_OK;
    const sl_gather_kernels *gk = sli_gather_select()->k;
    bool codes = false; /* utf8 kept as the vector's dictionary codes */
    if (b->col.type.id == SL_TYPE_UTF8) {
        /* An empty builder adopts the dictionary of the first vector; later
         * vectors of that dictionary append their codes, any other string
         * turns the builder plain (once). */
        codes =
            v->dict && v->dict->count > 0 && (b->col.dict == v->dict || (!b->col.dict && b->col.length == 0));
        if (codes && !b->col.dict) b->col.dict = sli_dict_ref(v->dict);
        sl_status s = codes ? SL_OK : sli_colbuilder_to_plain(b);
        if (s) return s;
    }
    if (b->col.type.id == SL_TYPE_UTF8 && !codes) {
        for (size_t i = 0; i < n; i++) {
            uint32_t row = sel ? sel[i] : (uint32_t)i;
            sl_status s;
            if (!sli_valid(v->validity, row)) {
                s = sli_colbuilder_append_null(b);
            } else {
                sli_strview sv = v->dict ? v->dict->views[((const int32_t *)v->data)[row]]
                                         : ((const sli_strview *)v->data)[row];
                s = sli_colbuilder_append_str(b, sv.ptr, sv.len);
            }
            if (s) return s;
        }
        return SL_OK;
    }
    sl_status s = sli_colbuilder_reserve(b, n);
    if (s) return s;
    size_t w = sli_type_width(b->col.type);
    size_t at = b->col.length;
    char *dst = (char *)b->col.data + at * w;
    sli_vec_copy_values(v, sel, n, w, dst);
    if (v->validity) {
        if ((s = sli_colbuilder_ensure_validity(b))) return s;
        if (sel) {
            gk->bits(v->validity, sel, n, b->col.validity, at);
        } else {
            for (size_t i = 0; i < n; i++) {
                size_t d = at + i;
                uint8_t bit = (uint8_t)((v->validity[i >> 3] >> (i & 7)) & 1);
                b->col.validity[d >> 3] =
                    (uint8_t)((b->col.validity[d >> 3] & ~(1u << (d & 7))) | (bit << (d & 7)));
            }
        }
        size_t nulls = 0;
        for (size_t i = 0; i < n; i++) {
            bool null = !sli_valid(b->col.validity, at + i);
            nulls += null;
            if (codes && null) ((int32_t *)dst)[i] = 0; /* a NULL row's code: any valid one */
        }
        b->col.null_count += nulls;
    }
    b->col.length += n;
    return SL_OK;
}

void sli_vec_from_column(const sli_column *c, size_t start, size_t n, sli_strview *views, sli_vec *out)
{
    out->type = c->type;
    out->validity = c->validity ? c->validity + start / 8 : NULL;
    out->dict = c->dict;
    size_t w = sli_type_width(c->type);
    if (c->type.id == SL_TYPE_UTF8 && !c->dict) {
        const int32_t *off = (const int32_t *)c->data + start;
        for (size_t i = 0; i < n; i++) {
            views[i].ptr = c->bytes + off[i];
            views[i].len = (uint32_t)(off[i + 1] - off[i]);
        }
        out->data = views;
    } else {
        out->data = (const char *)c->data + start * w;
    }
}

void sli_vec_gather_column(const sli_column *c, const uint32_t *idx, size_t n, void *vals, uint8_t *valid,
                           sli_vec *out)
{
    const sl_gather_kernels *gk = sli_gather_select()->k;
    out->type = c->type;
    out->dict = c->dict;
    out->data = vals;
    out->validity = NULL;
    if (c->type.id == SL_TYPE_UTF8 && !c->dict) {
        const int32_t *off = c->data;
        sli_strview *views = vals;
        for (size_t i = 0; i < n; i++) {
            views[i].ptr = c->bytes + off[idx[i]];
            views[i].len = (uint32_t)(off[idx[i] + 1] - off[idx[i]]);
        }
    } else {
        gather_for(gk, sli_type_width(c->type))(c->data, idx, n, vals);
    }
    if (c->validity) {
        gk->bits(c->validity, idx, n, valid, 0);
        out->validity = valid;
    }
}

/* Bytes of one value of a vector of type t: a string is a dictionary code
 * (dict set) or a view. */
static size_t value_width(sl_type t, const sli_dict *dict)
{
    return t.id == SL_TYPE_UTF8 ? (dict ? sizeof(int32_t) : sizeof(sli_strview)) : sli_type_width(t);
}

/* Moves values 0..n-1 of width w to positions pos[0..n) (ascending, so
 * pos[i] >= i), last first: a value's new place is either its own or one
 * already moved. */
#define SPREAD(W)                                                                                            \
    do {                                                                                                     \
        for (size_t i = n; i-- > 0;) memcpy(vals + (size_t)pos[i] * (W), vals + i * (W), (W));               \
    } while (0)

static void spread(unsigned char *vals, size_t w, const uint32_t *pos, size_t n)
{
    switch (w) { /* a fixed width: each copy is one load and one store */
    case 1: SPREAD(1); break;
    case 2: SPREAD(2); break;
    case 4: SPREAD(4); break;
    case 8: SPREAD(8); break;
    default: SPREAD(16); break;
    }
}

void sli_vec_gather_column_at(const sli_column *c, const uint32_t *idx, const uint32_t *pos, size_t n,
                              void *vals, uint8_t *valid, sli_vec *out)
{
    /* gathered in order first (the random reads of the gather kernel), then
     * spread to the positions in the cache */
    sli_vec_gather_column(c, idx, n, vals, valid, out);
    spread(vals, value_width(c->type, c->dict), pos, n);
    if (out->validity)
        for (size_t i = n; i-- > 0;) {
            if (pos[i] == i) continue;
            uint8_t bit = (uint8_t)(1u << (pos[i] & 7));
            if (sli_valid(valid, i))
                valid[pos[i] >> 3] |= bit;
            else
                valid[pos[i] >> 3] &= (uint8_t)~bit;
        }
}

void sli_vec_gather(const sli_vec *v, const uint32_t *idx, size_t n, void *vals, uint8_t *valid, sli_vec *out)
{
    const sl_gather_kernels *gk = sli_gather_select()->k;
    out->type = v->type;
    out->dict = v->dict;
    out->data = vals;
    out->validity = NULL;
    gather_for(gk, value_width(v->type, v->dict))(v->data, idx, n, vals);
    if (v->validity) {
        gk->bits(v->validity, idx, n, valid, 0);
        out->validity = valid;
    }
}
