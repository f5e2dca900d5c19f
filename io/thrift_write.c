/*
 * thrift_write.c — the Thrift compact protocol encoder (see thrift_write.h).
 *
 * Wire rules (Thrift's compact protocol specification): a field header is
 * one byte `delta << 4 | type` when the id grows by 1..15 over the previous
 * field of the same struct, else the type byte followed by the id as a
 * zigzag varint; booleans live in the header's type (1 true, 2 false);
 * integers are zigzag varints; binary is a varint length and the bytes; a
 * list header is `size << 4 | elem` for sizes under 15, else `0xF0 | elem`
 * and a varint size; a struct ends with a 0 byte.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "io/thrift_write.h"

bool sli_wbuf_reserve(sli_wbuf *b, size_t extra)
{
    if (b->nomem) return false;
    if (b->cap - b->len >= extra) return true;
    size_t need = b->len + extra;
    if (need < b->len) {
        b->nomem = true; /* size overflow */
        return false;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) cap = cap * 2 > cap ? cap * 2 : need;
    uint8_t *p = realloc(b->data, cap);
    if (!p) {
        b->nomem = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void sli_wbuf_put(sli_wbuf *b, const void *p, size_t n)
{
    if (n == 0 || !sli_wbuf_reserve(b, n)) return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void sli_wbuf_varint(sli_wbuf *b, uint64_t v)
{
    if (!sli_wbuf_reserve(b, 10)) return; /* 64 bits take at most 10 bytes */
    uint8_t *d = b->data + b->len;
    size_t n = 0;
    while (v >= 0x80) {
        d[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    d[n++] = (uint8_t)v;
    b->len += n;
}

void sli_wbuf_free(sli_wbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->nomem = false;
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

void sli_tw_init(sli_thrift_writer *w, sli_wbuf *out)
{
    w->out = out;
    w->last_id = 0;
    w->depth = 0;
}

static void field_header(sli_thrift_writer *w, int16_t id, unsigned type)
{
    int delta = id - w->last_id;
    if (delta > 0 && delta <= 15) {
        sli_wbuf_byte(w->out, (uint8_t)(delta << 4 | (int)type));
    } else {
        sli_wbuf_byte(w->out, (uint8_t)type);
        sli_wbuf_varint(w->out, zigzag(id));
    }
    w->last_id = id;
}

void sli_tw_i32(sli_thrift_writer *w, int16_t id, int32_t v)
{
    field_header(w, id, SLI_TC_I32);
    sli_wbuf_varint(w->out, zigzag(v));
}

void sli_tw_i64(sli_thrift_writer *w, int16_t id, int64_t v)
{
    field_header(w, id, SLI_TC_I64);
    sli_wbuf_varint(w->out, zigzag(v));
}

void sli_tw_byte(sli_thrift_writer *w, int16_t id, int8_t v)
{
    field_header(w, id, SLI_TC_BYTE);
    sli_wbuf_byte(w->out, (uint8_t)v);
}

void sli_tw_bool(sli_thrift_writer *w, int16_t id, bool v)
{
    field_header(w, id, v ? SLI_TC_TRUE : SLI_TC_FALSE);
}

void sli_tw_binary(sli_thrift_writer *w, int16_t id, const void *p, size_t n)
{
    field_header(w, id, SLI_TC_BINARY);
    sli_wbuf_varint(w->out, n);
    sli_wbuf_put(w->out, p, n);
}

void sli_tw_string(sli_thrift_writer *w, int16_t id, const char *s)
{
    sli_tw_binary(w, id, s, strlen(s));
}

static void push(sli_thrift_writer *w)
{
    assert(w->depth < SLI_TW_MAX_DEPTH); /* Parquet's metadata nests 5 deep at most */
    w->stack[w->depth++] = w->last_id;
    w->last_id = 0;
}

void sli_tw_struct_begin(sli_thrift_writer *w, int16_t id)
{
    field_header(w, id, SLI_TC_STRUCT);
    push(w);
}

void sli_tw_struct_end(sli_thrift_writer *w)
{
    sli_wbuf_byte(w->out, SLI_TC_STOP);
    if (w->depth > 0) w->last_id = w->stack[--w->depth];
}

void sli_tw_list_begin(sli_thrift_writer *w, int16_t id, sli_thrift_ctype elem, size_t n)
{
    field_header(w, id, SLI_TC_LIST);
    if (n < 15) {
        sli_wbuf_byte(w->out, (uint8_t)(n << 4 | (size_t)elem));
    } else {
        sli_wbuf_byte(w->out, (uint8_t)(0xF0 | (unsigned)elem));
        sli_wbuf_varint(w->out, n);
    }
}

void sli_tw_elem_i32(sli_thrift_writer *w, int32_t v)
{
    sli_wbuf_varint(w->out, zigzag(v));
}

void sli_tw_elem_binary(sli_thrift_writer *w, const void *p, size_t n)
{
    sli_wbuf_varint(w->out, n);
    sli_wbuf_put(w->out, p, n);
}

void sli_tw_elem_struct_begin(sli_thrift_writer *w)
{
    push(w);
}
