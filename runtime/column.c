/*
 * column.c — Arrow-layout columns, dictionaries and column builders.
 */
#include "column.h"

#include <stdlib.h>
#include <string.h>

#include "buffer.h"

size_t sli_type_width(sl_type t)
{
    switch (t.id) {
    case SL_TYPE_BOOL:
    case SL_TYPE_INT8: return 1;
    case SL_TYPE_INT16: return 2;
    case SL_TYPE_INT32:
    case SL_TYPE_DATE32:
    case SL_TYPE_UTF8: return 4;
    case SL_TYPE_INT64:
    case SL_TYPE_FLOAT64:
    case SL_TYPE_DECIMAL: return 8;
    case SL_TYPE_NULL: return 1;
    }
    return 8;
}

sli_dict *sli_dict_new(void)
{
    static uint64_t next_id;
    sli_dict *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->refcount = 1;
    d->id = __atomic_add_fetch(&next_id, 1, __ATOMIC_RELAXED);
    return d;
}

/* References are taken and dropped by the workers of a query at once (their
 * builders keep the codes of a shared dictionary): the count is atomic. */
sli_dict *sli_dict_ref(const sli_dict *d)
{
    sli_dict *m = (sli_dict *)d; /* the count is the one mutable field */
    if (m) __atomic_fetch_add(&m->refcount, 1, __ATOMIC_RELAXED);
    return m;
}

void sli_dict_unref(sli_dict *d)
{
    if (!d || __atomic_sub_fetch(&d->refcount, 1, __ATOMIC_ACQ_REL) > 0) return;
    sli_buf_free(d->offsets);
    sli_buf_free(d->bytes);
    free(d->views);
    free(d);
}

void sli_column_free(sli_column *c)
{
    if (!c) return;
    sli_buf_free(c->validity);
    sli_buf_free(c->data);
    sli_buf_free(c->bytes);
    sli_dict_unref(c->dict);
    free(c);
}

/* ---- dictionary encoding ------------------------------------------------ */

static uint64_t str_hash(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a: fine for a one-off load step */
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)p[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

/* Rows whose distinct values decide whether a sampled encoding goes on. */
#define SAMPLE_ROWS 1024

/* sli_column_dict_encode; sampled: also gives up after SAMPLE_ROWS rows
 * when more than half of them were distinct. */
static sl_status dict_encode(sli_column *c, size_t max_distinct, bool sampled)
{
    if (c->type.id != SL_TYPE_UTF8 || c->dict || c->length == 0) return SL_OK;
    const int32_t *off = (const int32_t *)c->data;
    size_t slots = 64;
    while (slots < 2 * (max_distinct + 1)) slots <<= 1;
    int32_t *table = malloc(slots * sizeof *table);              /* value index + 1, 0 empty */
    int32_t *first = malloc((max_distinct + 1) * sizeof *first); /* row of each value */
    int32_t *codes = sli_buf_alloc(c->length * sizeof(int32_t));
    if (!table || !first || !codes) {
        free(table);
        free(first);
        sli_buf_free(codes);
        return SL_ERR_NOMEM;
    }
    memset(table, 0, slots * sizeof *table);
    size_t count = 0;
    for (size_t i = 0; i < c->length; i++) {
        const char *p = c->bytes + off[i];
        size_t n = (size_t)(off[i + 1] - off[i]);
        size_t s = str_hash(p, n) & (slots - 1);
        for (;;) {
            int32_t e = table[s];
            if (e == 0) {
                if (count == max_distinct) goto keep_plain;
                first[count] = (int32_t)i;
                table[s] = (int32_t)++count;
                codes[i] = (int32_t)(count - 1);
                break;
            }
            int32_t r = first[e - 1];
            size_t rn = (size_t)(off[r + 1] - off[r]);
            if (rn == n && memcmp(c->bytes + off[r], p, n) == 0) {
                codes[i] = e - 1;
                break;
            }
            s = (s + 1) & (slots - 1);
        }
        if (sampled && i + 1 == SAMPLE_ROWS && 2 * count > SAMPLE_ROWS) goto keep_plain;
    }
    {
        sli_dict *d = sli_dict_new();
        size_t total = 0;
        for (size_t k = 0; k < count; k++) total += (size_t)(off[first[k] + 1] - off[first[k]]);
        if (d) {
            d->offsets = sli_buf_alloc((count + 1) * sizeof(int32_t));
            d->bytes = sli_buf_alloc(total);
            d->views = malloc((count ? count : 1) * sizeof(sli_strview));
        }
        if (!d || !d->offsets || !d->bytes || !d->views) {
            sli_dict_unref(d);
            free(table);
            free(first);
            sli_buf_free(codes);
            return SL_ERR_NOMEM;
        }
        d->count = count;
        size_t pos = 0;
        for (size_t k = 0; k < count; k++) {
            int32_t r = first[k];
            size_t n = (size_t)(off[r + 1] - off[r]);
            memcpy(d->bytes + pos, c->bytes + off[r], n);
            d->offsets[k] = (int32_t)pos;
            d->views[k].ptr = d->bytes + pos;
            d->views[k].len = (uint32_t)n;
            pos += n;
        }
        d->offsets[count] = (int32_t)pos;
        sli_buf_free(c->data);
        sli_buf_free(c->bytes);
        c->data = codes;
        c->bytes = NULL;
        c->bytes_len = 0;
        c->dict = d;
        free(table);
        free(first);
        return SL_OK;
    }
keep_plain:
    free(table);
    free(first);
    sli_buf_free(codes);
    return SL_OK;
}

sl_status sli_column_dict_encode(sli_column *c, size_t max_distinct)
{
    return dict_encode(c, max_distinct, false);
}

sl_status sli_column_dict_encode_repeating(sli_column *c, size_t max_distinct)
{
    return dict_encode(c, max_distinct, true);
}

/* ---- builders ----------------------------------------------------------- */

void sli_colbuilder_init(sli_colbuilder *b, sl_type type)
{
    memset(b, 0, sizeof *b);
    b->col.type = type;
}

sl_status sli_colbuilder_reserve(sli_colbuilder *b, size_t n)
{
    size_t need = b->col.length + n;
    if (need <= b->cap && b->col.data) return SL_OK;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < need) cap *= 2;
    size_t w = sli_type_width(b->col.type);
    size_t extra = b->col.type.id == SL_TYPE_UTF8 ? 1 : 0; /* offsets hold length + 1 */
    /* every value is written before it is read; utf8 offsets start at 0 */
    void *d = sli_buf_realloc_uninit(b->col.data, (b->cap + extra) * w, (cap + extra) * w);
    if (!d) return SL_ERR_NOMEM;
    if (extra && !b->col.data) ((int32_t *)d)[0] = 0;
    b->col.data = d;
    if (b->vcap) {
        size_t vcap = (cap + 7) / 8;
        uint8_t *v = sli_buf_realloc(b->col.validity, b->vcap, vcap);
        if (!v) return SL_ERR_NOMEM;
        memset(v + b->vcap, 0xff, vcap - b->vcap);
        b->col.validity = v;
        b->vcap = vcap;
    }
    b->cap = cap;
    return SL_OK;
}

static sl_status grow1(sli_colbuilder *b)
{
    return b->col.length < b->cap && b->col.data ? SL_OK : sli_colbuilder_reserve(b, 1);
}

sl_status sli_colbuilder_ensure_validity(sli_colbuilder *b)
{
    if (b->vcap) return SL_OK;
    size_t vcap = (b->cap + 7) / 8;
    uint8_t *v = sli_buf_alloc(vcap);
    if (!v) return SL_ERR_NOMEM;
    memset(v, 0xff, vcap);
    b->col.validity = v;
    b->vcap = vcap;
    return SL_OK;
}

sl_status sli_colbuilder_append_null(sli_colbuilder *b)
{
    sl_status s = grow1(b);
    if (s) return s;
    if ((s = sli_colbuilder_ensure_validity(b))) return s;
    size_t i = b->col.length;
    b->col.validity[i >> 3] &= (uint8_t) ~(1u << (i & 7));
    b->col.null_count++;
    if (b->col.type.id == SL_TYPE_UTF8 && !b->col.dict) {
        int32_t *off = b->col.data;
        off[i + 1] = off[i];
    } else {
        memset((char *)b->col.data + i * sli_type_width(b->col.type), 0, sli_type_width(b->col.type));
    }
    b->col.length++;
    return SL_OK;
}

sl_status sli_colbuilder_append_i64(sli_colbuilder *b, int64_t v)
{
    sl_status s = grow1(b);
    if (s) return s;
    size_t i = b->col.length++;
    switch (b->col.type.id) {
    case SL_TYPE_BOOL:
    case SL_TYPE_INT8: ((int8_t *)b->col.data)[i] = (int8_t)v; break;
    case SL_TYPE_INT16: ((int16_t *)b->col.data)[i] = (int16_t)v; break;
    case SL_TYPE_INT32:
    case SL_TYPE_DATE32: ((int32_t *)b->col.data)[i] = (int32_t)v; break;
    case SL_TYPE_FLOAT64: ((double *)b->col.data)[i] = (double)v; break;
    default: ((int64_t *)b->col.data)[i] = v; break;
    }
    return SL_OK;
}

sl_status sli_colbuilder_append_f64(sli_colbuilder *b, double v)
{
    sl_status s = grow1(b);
    if (s) return s;
    ((double *)b->col.data)[b->col.length++] = v;
    return SL_OK;
}

sl_status sli_colbuilder_to_plain(sli_colbuilder *b)
{
    const sli_dict *d = b->col.dict;
    if (!d) return SL_OK;
    size_t n = b->col.length, total = 0;
    const int32_t *codes = b->col.data;
    for (size_t i = 0; i < n; i++)
        if (sli_valid(b->col.validity, i)) total += d->views[codes[i]].len;
    if (total > INT32_MAX) return SL_ERR_OVERFLOW;
    size_t bcap = total ? total : 1;
    int32_t *off = sli_buf_alloc((b->cap + 1) * sizeof *off);
    char *bytes = sli_buf_alloc_uninit(bcap);
    if (!off || !bytes) {
        sli_buf_free(off);
        sli_buf_free(bytes);
        return SL_ERR_NOMEM;
    }
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        if (sli_valid(b->col.validity, i)) {
            sli_strview v = d->views[codes[i]];
            if (v.len) memcpy(bytes + at, v.ptr, v.len);
            at += v.len;
        }
        off[i + 1] = (int32_t)at;
    }
    sli_buf_free(b->col.data);
    sli_dict_unref(b->col.dict);
    b->col.dict = NULL;
    b->col.data = off;
    b->col.bytes = bytes;
    b->col.bytes_len = total;
    b->bytes_cap = bcap;
    return SL_OK;
}

sl_status sli_colbuilder_append_str(sli_colbuilder *b, const char *p, size_t len)
{
    sl_status s = b->col.dict ? sli_colbuilder_to_plain(b) : SL_OK;
    if (!s) s = grow1(b);
    if (s) return s;
    if (len > INT32_MAX || b->col.bytes_len + len > INT32_MAX) return SL_ERR_OVERFLOW;
    if (b->col.bytes_len + len > b->bytes_cap || !b->col.bytes) {
        size_t cap = b->bytes_cap ? b->bytes_cap : 4096;
        while (cap < b->col.bytes_len + len) cap *= 2;
        char *nb = sli_buf_realloc_uninit(b->col.bytes, b->bytes_cap, cap);
        if (!nb) return SL_ERR_NOMEM;
        b->col.bytes = nb;
        b->bytes_cap = cap;
    }
    memcpy(b->col.bytes + b->col.bytes_len, p, len);
    b->col.bytes_len += len;
    int32_t *off = b->col.data;
    size_t i = b->col.length++;
    off[i + 1] = (int32_t)b->col.bytes_len;
    return SL_OK;
}

sli_column *sli_colbuilder_finish(sli_colbuilder *b)
{
    if (!b->col.data && sli_colbuilder_reserve(b, 0) != SL_OK) {
        sli_colbuilder_discard(b);
        return NULL;
    }
    if (b->col.type.id == SL_TYPE_UTF8 && !b->col.dict && !b->col.bytes) {
        b->col.bytes = sli_buf_alloc(0);
        if (!b->col.bytes) {
            sli_colbuilder_discard(b);
            return NULL;
        }
    }
    sli_column *c = malloc(sizeof *c);
    if (!c) {
        sli_colbuilder_discard(b);
        return NULL;
    }
    *c = b->col;
    if (c->null_count == 0) {
        sli_buf_free(c->validity);
        c->validity = NULL;
    }
    memset(b, 0, sizeof *b);
    return c;
}

void sli_colbuilder_discard(sli_colbuilder *b)
{
    sli_buf_free(b->col.validity);
    sli_buf_free(b->col.data);
    sli_buf_free(b->col.bytes);
    sli_dict_unref(b->col.dict);
    memset(b, 0, sizeof *b);
}
