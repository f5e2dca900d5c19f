/*
 * parquet_meta.c — decoding Parquet's footer and page headers from the
 * Thrift compact protocol into the structs of parquet_meta.h.
 *
 * Each struct decoder reads fields until STOP, takes the fields it knows
 * (checking their wire type) and skips every other one. Required fields are
 * tracked in a bit mask and checked at the end. Lists are allocated with
 * counts already bounded by the bytes left (sli_thrift_list).
 */
#include "io/parquet_meta.h"

#include <stdlib.h>
#include <string.h>

#include "io/parquet_format.h"
#include "io/thrift_read.h"

/* ---- typed field reads --------------------------------------------------- */

static bool rd_i32(sli_thrift *t, uint8_t ty, int32_t *v)
{
    if (ty != SLI_TC_I32) return sli_thrift_fail(t, "an i32 field has another type");
    return sli_thrift_i32(t, v);
}

static bool rd_i64(sli_thrift *t, uint8_t ty, int64_t *v)
{
    if (ty != SLI_TC_I64 && ty != SLI_TC_I32) return sli_thrift_fail(t, "an i64 field has another type");
    return sli_thrift_i64(t, v);
}

static bool rd_bin(sli_thrift *t, uint8_t ty, sli_pq_bytes *v)
{
    if (ty != SLI_TC_BINARY) return sli_thrift_fail(t, "a binary field has another type");
    return sli_thrift_binary(t, &v->ptr, &v->len);
}

static bool rd_bool(sli_thrift *t, uint8_t ty, bool *v)
{
    if (ty != SLI_TC_TRUE && ty != SLI_TC_FALSE) return sli_thrift_fail(t, "a bool field has another type");
    *v = ty == SLI_TC_TRUE;
    return true;
}

/* Enters a struct and loops over its fields until STOP or an error:
 * `STRUCT_LOOP(t, id, ty) { switch (id) ... }`; after the loop the caller
 * checks t->failed and calls sli_thrift_struct_end. */
#define STRUCT_LOOP(t, id, ty)                                                                               \
    int16_t last_##id = 0, id = 0;                                                                           \
    uint8_t ty = 0;                                                                                          \
    if (!sli_thrift_struct_begin(t)) return false;                                                           \
    while (sli_thrift_field(t, &last_##id, &id, &ty) && ty != SLI_TC_STOP)

/* ---- Statistics ---------------------------------------------------------- */

static bool dec_stats(sli_thrift *t, sli_pq_stats *s)
{
    memset(s, 0, sizeof *s);
    STRUCT_LOOP(t, id, ty)
    {
        bool ok;
        switch (id) {
        case 1: ok = s->has_legacy_max = rd_bin(t, ty, &s->legacy_max); break;
        case 2: ok = s->has_legacy_min = rd_bin(t, ty, &s->legacy_min); break;
        case 3: ok = s->has_null_count = rd_i64(t, ty, &s->null_count); break;
        case 5: ok = s->has_max = rd_bin(t, ty, &s->max); break;
        case 6: ok = s->has_min = rd_bin(t, ty, &s->min); break;
        default: ok = sli_thrift_skip(t, ty); break;
        }
        if (!ok) return false;
    }
    if (t->failed) return false;
    sli_thrift_struct_end(t);
    return true;
}

/* ---- SchemaElement and LogicalType --------------------------------------- */

static bool dec_decimal_type(sli_thrift *t, sli_pq_logical *l)
{
    unsigned seen = 0;
    STRUCT_LOOP(t, id, ty)
    {
        bool ok;
        switch (id) {
        case 1: ok = rd_i32(t, ty, &l->scale), seen |= 1; break;
        case 2: ok = rd_i32(t, ty, &l->precision), seen |= 2; break;
        default: ok = sli_thrift_skip(t, ty); break;
        }
        if (!ok) return false;
    }
    if (t->failed) return false;
    sli_thrift_struct_end(t);
    if (seen != 3) return sli_thrift_fail(t, "DecimalType without scale or precision");
    return true;
}

static bool dec_int_type(sli_thrift *t, sli_pq_logical *l)
{
    unsigned seen = 0;
    STRUCT_LOOP(t, id, ty)
    {
        bool ok;
        switch (id) {
        case 1: {
            int64_t w = 0;
            ok = sli_thrift_int_field(t, ty, &w);
            l->bit_width = (int)(w < 0 || w > 64 ? -1 : w);
            seen |= 1;
            break;
        }
        case 2: ok = rd_bool(t, ty, &l->is_signed), seen |= 2; break;
        default: ok = sli_thrift_skip(t, ty); break;
        }
        if (!ok) return false;
    }
    if (t->failed) return false;
    sli_thrift_struct_end(t);
    if (seen != 3) return sli_thrift_fail(t, "IntType without bitWidth or isSigned");
    return true;
}

static bool dec_logical(sli_thrift *t, sli_pq_logical *l)
{
    memset(l, 0, sizeof *l);
    STRUCT_LOOP(t, id, ty)
    {
        bool ok;
        if (ty != SLI_TC_STRUCT) return sli_thrift_fail(t, "a LogicalType member is not a struct");
        l->kind = id;
        switch (id) {
        case SLI_PQ_LT_DECIMAL: ok = dec_decimal_type(t, l); break;
        case SLI_PQ_LT_INTEGER: ok = dec_int_type(t, l); break;
        default: ok = sli_thrift_skip(t, ty); break;
        }
        if (!ok) return false;
    }
    if (t->failed) return false;
    sli_thrift_struct_end(t);
    return true;
}

static bool dec_schema_elem(sli_thrift *t, sli_pq_schema_elem *e)
{
    memset(e, 0, sizeof *e);
    bool has_name = false;
    STRUCT_LOOP(t, id, ty)
    {
        bool ok;
        switch (id) {
        case 1: ok = e->has_type = rd_i32(t, ty, &e->type); break;
        case 2: ok = rd_i32(t, ty, &e->type_length); break;
        case 3: ok = e->has_repetition = rd_i32(t, ty, &e->repetition); break;
        case 4: ok = has_name = rd_bin(t, ty, &e->name); break;
        case 5: ok = rd_i32(t, ty, &e->num_children); break;
        case 6: ok = e->has_converted = rd_i32(t, ty, &e->converted); break;
        case 7: ok = rd_i32(t, ty, &e->scale); break;
        case 8: ok = rd_i32(t, ty, &e->precision); break;
        case 10:
            if (ty != SLI_TC_STRUCT) return sli_thrift_fail(t, "logicalType is not a struct");
            ok = e->has_logical = dec_logical(t, &e->logical);
            break;
        default: ok = sli_thrift_skip(t, ty); break;
        }
        if (!ok) return false;
    }
    if (t->failed) return false;
    sli_thrift_struct_end(t);
    if (!has_name) return sli_thrift_fail(t, "SchemaElement without a name");
    return true;
}

/* ---- ColumnMetaData, ColumnChunk, RowGroup ------------------------------- */

static bool dec_column_meta(sli_thrift *t, sli_pq_chunk *c)
{
    unsigned seen = 0;
    STRUCT_LOOP(t, id, ty)
    {
        bool ok;
        switch (id) {
        case 1: ok = rd_i32(t, ty, &c->type), seen |= 1; break;
        case 4: ok = rd_i32(t, ty, &c->codec), seen |= 2; break;
        case 5: ok = rd_i64(t, ty, &c->num_values), seen |= 4; break;
        case 6: ok = rd_i64(t, ty, &c->total_uncompressed_size); break;
        case 7: ok = rd_i64(t, ty, &c->total_compressed_size), seen |= 8; break;
        case 9: ok = rd_i64(t, ty, &c->data_page_offset), seen |= 16; break;
        case 11: ok = c->has_dictionary_page_offset = rd_i64(t, ty, &c->dictionary_page_offset); break;
        case 12:
            if (ty != SLI_TC_STRUCT) return sli_thrift_fail(t, "statistics is not a struct");
            ok = c->has_stats = dec_stats(t, &c->stats);
            break;
        default: ok = sli_thrift_skip(t, ty); break;
        }
        if (!ok) return false;
    }
    if (t->failed) return false;
    sli_thrift_struct_end(t);
    if (seen != 31) return sli_thrift_fail(t, "ColumnMetaData lacks a required field");
    return true;
}

static bool dec_chunk(sli_thrift *t, sli_pq_chunk *c)
{
    memset(c, 0, sizeof *c);
    STRUCT_LOOP(t, id, ty)
    {
        bool ok;
        switch (id) {
        case 1: {
            sli_pq_bytes fp;
            ok = c->has_file_path = rd_bin(t, ty, &fp);
            break;
        }
        case 3:
            if (ty != SLI_TC_STRUCT) return sli_thrift_fail(t, "meta_data is not a struct");
            ok = c->has_meta = dec_column_meta(t, c);
            break;
        default: ok = sli_thrift_skip(t, ty); break;
        }
        if (!ok) return false;
    }
    if (t->failed) return false;
    sli_thrift_struct_end(t);
    return true;
}

static bool dec_row_group(sli_thrift *t, sli_pq_row_group *rg)
{
    memset(rg, 0, sizeof *rg);
    unsigned seen = 0;
    STRUCT_LOOP(t, id, ty)
    {
        bool ok = true;
        switch (id) {
        case 1: {
            uint8_t et;
            uint32_t n;
            if (ty != SLI_TC_LIST || rg->columns) return sli_thrift_fail(t, "columns is not a list");
            if (!sli_thrift_list(t, &et, &n)) return false;
            if (et != SLI_TC_STRUCT) return sli_thrift_fail(t, "columns holds no structs");
            rg->columns = calloc(n ? n : 1, sizeof *rg->columns);
            if (!rg->columns) return sli_thrift_fail(t, "out of memory");
            rg->ncolumns = n;
            for (uint32_t i = 0; i < n && ok; i++) ok = dec_chunk(t, &rg->columns[i]);
            seen |= 1;
            break;
        }
        case 2: ok = rd_i64(t, ty, &rg->total_byte_size); break;
        case 3: ok = rd_i64(t, ty, &rg->num_rows), seen |= 2; break;
        default: ok = sli_thrift_skip(t, ty); break;
        }
        if (!ok) return false;
    }
    if (t->failed) return false;
    sli_thrift_struct_end(t);
    if (seen != 3) return sli_thrift_fail(t, "RowGroup lacks columns or num_rows");
    return true;
}

/* ---- FileMetaData -------------------------------------------------------- */

static bool dec_file_meta(sli_thrift *t, sli_pq_file_meta *m)
{
    unsigned seen = 0;
    STRUCT_LOOP(t, id, ty)
    {
        bool ok = true;
        switch (id) {
        case 1: ok = rd_i32(t, ty, &m->version); break;
        case 2: {
            uint8_t et;
            uint32_t n;
            if (ty != SLI_TC_LIST || m->schema) return sli_thrift_fail(t, "schema is not a list");
            if (!sli_thrift_list(t, &et, &n)) return false;
            if (et != SLI_TC_STRUCT) return sli_thrift_fail(t, "schema holds no structs");
            m->schema = calloc(n ? n : 1, sizeof *m->schema);
            if (!m->schema) return sli_thrift_fail(t, "out of memory");
            m->nschema = n;
            for (uint32_t i = 0; i < n && ok; i++) ok = dec_schema_elem(t, &m->schema[i]);
            seen |= 1;
            break;
        }
        case 3: ok = rd_i64(t, ty, &m->num_rows), seen |= 2; break;
        case 4: {
            uint8_t et;
            uint32_t n;
            if (ty != SLI_TC_LIST || m->row_groups) return sli_thrift_fail(t, "row_groups is not a list");
            if (!sli_thrift_list(t, &et, &n)) return false;
            if (et != SLI_TC_STRUCT) return sli_thrift_fail(t, "row_groups holds no structs");
            m->row_groups = calloc(n ? n : 1, sizeof *m->row_groups);
            if (!m->row_groups) return sli_thrift_fail(t, "out of memory");
            m->nrow_groups = n;
            for (uint32_t i = 0; i < n && ok; i++) ok = dec_row_group(t, &m->row_groups[i]);
            seen |= 4;
            break;
        }
        case 6: ok = m->has_created_by = rd_bin(t, ty, &m->created_by); break;
        default: ok = sli_thrift_skip(t, ty); break;
        }
        if (!ok) return false;
    }
    if (t->failed) return false;
    sli_thrift_struct_end(t);
    if (seen != 7) return sli_thrift_fail(t, "FileMetaData lacks schema, num_rows or row_groups");
    return true;
}

bool sli_pq_meta_decode(const uint8_t *buf, size_t len, sli_pq_file_meta *out, const char **why)
{
    memset(out, 0, sizeof *out);
    sli_thrift t;
    sli_thrift_init(&t, buf, len);
    if (!dec_file_meta(&t, out)) {
        *why = t.why ? t.why : "malformed metadata";
        sli_pq_meta_free(out);
        return false;
    }
    return true;
}

void sli_pq_meta_free(sli_pq_file_meta *m)
{
    if (!m) return;
    free(m->schema);
    for (uint32_t i = 0; m->row_groups && i < m->nrow_groups; i++) free(m->row_groups[i].columns);
    free(m->row_groups);
    memset(m, 0, sizeof *m);
}

/* ---- PageHeader ---------------------------------------------------------- */

static bool dec_data_page_v1(sli_thrift *t, sli_pq_page_header *h)
{
    unsigned seen = 0;
    STRUCT_LOOP(t, id, ty)
    {
        bool ok;
        switch (id) {
        case 1: ok = rd_i32(t, ty, &h->num_values), seen |= 1; break;
        case 2: ok = rd_i32(t, ty, &h->encoding), seen |= 2; break;
        case 3: ok = rd_i32(t, ty, &h->def_encoding), seen |= 4; break;
        case 4: ok = rd_i32(t, ty, &h->rep_encoding), seen |= 8; break;
        default: ok = sli_thrift_skip(t, ty); break;
        }
        if (!ok) return false;
    }
    if (t->failed) return false;
    sli_thrift_struct_end(t);
    if (seen != 15) return sli_thrift_fail(t, "DataPageHeader lacks a required field");
    return true;
}

static bool dec_data_page_v2(sli_thrift *t, sli_pq_page_header *h)
{
    unsigned seen = 0;
    h->is_compressed = true;
    STRUCT_LOOP(t, id, ty)
    {
        bool ok;
        switch (id) {
        case 1: ok = rd_i32(t, ty, &h->num_values), seen |= 1; break;
        case 2: ok = rd_i32(t, ty, &h->num_nulls), seen |= 2; break;
        case 3: ok = rd_i32(t, ty, &h->num_rows), seen |= 4; break;
        case 4: ok = rd_i32(t, ty, &h->encoding), seen |= 8; break;
        case 5: ok = rd_i32(t, ty, &h->def_length), seen |= 16; break;
        case 6: ok = rd_i32(t, ty, &h->rep_length), seen |= 32; break;
        case 7: ok = rd_bool(t, ty, &h->is_compressed); break;
        default: ok = sli_thrift_skip(t, ty); break;
        }
        if (!ok) return false;
    }
    if (t->failed) return false;
    sli_thrift_struct_end(t);
    if (seen != 63) return sli_thrift_fail(t, "DataPageHeaderV2 lacks a required field");
    return true;
}

static bool dec_dict_page(sli_thrift *t, sli_pq_page_header *h)
{
    unsigned seen = 0;
    STRUCT_LOOP(t, id, ty)
    {
        bool ok;
        switch (id) {
        case 1: ok = rd_i32(t, ty, &h->dict_num_values), seen |= 1; break;
        case 2: ok = rd_i32(t, ty, &h->dict_encoding), seen |= 2; break;
        default: ok = sli_thrift_skip(t, ty); break;
        }
        if (!ok) return false;
    }
    if (t->failed) return false;
    sli_thrift_struct_end(t);
    if (seen != 3) return sli_thrift_fail(t, "DictionaryPageHeader lacks a required field");
    return true;
}

static bool dec_page_header(sli_thrift *t, sli_pq_page_header *h)
{
    unsigned seen = 0;
    STRUCT_LOOP(t, id, ty)
    {
        bool ok;
        switch (id) {
        case 1: ok = rd_i32(t, ty, &h->type), seen |= 1; break;
        case 2: ok = rd_i32(t, ty, &h->uncompressed_size), seen |= 2; break;
        case 3: ok = rd_i32(t, ty, &h->compressed_size), seen |= 4; break;
        case 5:
            if (ty != SLI_TC_STRUCT) return sli_thrift_fail(t, "data_page_header is not a struct");
            ok = h->has_v1 = dec_data_page_v1(t, h);
            break;
        case 7:
            if (ty != SLI_TC_STRUCT) return sli_thrift_fail(t, "dictionary_page_header is not a struct");
            ok = h->has_dict = dec_dict_page(t, h);
            break;
        case 8:
            if (ty != SLI_TC_STRUCT) return sli_thrift_fail(t, "data_page_header_v2 is not a struct");
            ok = h->has_v2 = dec_data_page_v2(t, h);
            break;
        default: ok = sli_thrift_skip(t, ty); break;
        }
        if (!ok) return false;
    }
    if (t->failed) return false;
    sli_thrift_struct_end(t);
    if (seen != 7) return sli_thrift_fail(t, "PageHeader lacks type or sizes");
    if (h->uncompressed_size < 0 || h->compressed_size < 0) return sli_thrift_fail(t, "negative page size");
    return true;
}

bool sli_pq_page_header_decode(const uint8_t *buf, size_t len, sli_pq_page_header *out, size_t *used,
                               const char **why)
{
    memset(out, 0, sizeof *out);
    sli_thrift t;
    sli_thrift_init(&t, buf, len);
    if (!dec_page_header(&t, out)) {
        *why = t.why ? t.why : "malformed page header";
        return false;
    }
    *used = (size_t)(t.p - buf);
    return true;
}
