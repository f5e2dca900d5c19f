/*
 * thrift_read.c — the Thrift compact protocol reader (see thrift_read.h).
 *
 * Encoding reminders (Thrift's compact protocol specification):
 *  - integers are zigzag varints (LEB128, 7 bits a byte, low group first);
 *  - a field header is one byte: high nibble the id delta (1..15) from the
 *    previous field, or 0 followed by the id as a zigzag i16; low nibble the
 *    type code; bool fields carry their value in the type code;
 *  - a list/set header is one byte: high nibble the size (15: a varint size
 *    follows), low nibble the element type;
 *  - a map is a varint size, then (if non-zero) one byte key/value types;
 *  - binary is a varint length and the bytes; double is 8 bytes little-endian.
 */
#include "io/thrift_read.h"

#include <string.h>

#include "io/parquet_format.h"

void sli_thrift_init(sli_thrift *t, const void *buf, size_t len)
{
    t->p = (const uint8_t *)buf;
    t->end = t->p + len;
    t->depth = 0;
    t->failed = false;
    t->why = NULL;
}

bool sli_thrift_fail(sli_thrift *t, const char *why)
{
    if (!t->failed) {
        t->failed = true;
        t->why = why;
    }
    t->p = t->end; /* nothing more is read after a failure */
    return false;
}

bool sli_thrift_varint(sli_thrift *t, uint64_t *v)
{
    if (t->failed) return false;
    uint64_t r = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
        if (t->p >= t->end) return sli_thrift_fail(t, "truncated varint");
        uint8_t b = *t->p++;
        if (shift == 63 && (b & 0x7e)) return sli_thrift_fail(t, "varint over 64 bits");
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = r;
            return true;
        }
    }
    return sli_thrift_fail(t, "varint longer than 10 bytes");
}

static int64_t unzigzag(uint64_t u)
{
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

bool sli_thrift_i64(sli_thrift *t, int64_t *v)
{
    uint64_t u;
    if (!sli_thrift_varint(t, &u)) return false;
    *v = unzigzag(u);
    return true;
}

bool sli_thrift_i32(sli_thrift *t, int32_t *v)
{
    int64_t w;
    if (!sli_thrift_i64(t, &w)) return false;
    if (w < INT32_MIN || w > INT32_MAX) return sli_thrift_fail(t, "i32 out of range");
    *v = (int32_t)w;
    return true;
}

bool sli_thrift_i16(sli_thrift *t, int16_t *v)
{
    int64_t w;
    if (!sli_thrift_i64(t, &w)) return false;
    if (w < INT16_MIN || w > INT16_MAX) return sli_thrift_fail(t, "i16 out of range");
    *v = (int16_t)w;
    return true;
}

bool sli_thrift_byte(sli_thrift *t, int8_t *v)
{
    if (t->failed) return false;
    if (t->p >= t->end) return sli_thrift_fail(t, "truncated byte");
    *v = (int8_t)*t->p++;
    return true;
}

bool sli_thrift_double(sli_thrift *t, double *v)
{
    if (t->failed) return false;
    if (sli_thrift_left(t) < 8) return sli_thrift_fail(t, "truncated double");
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--) u = (u << 8) | t->p[i];
    memcpy(v, &u, sizeof *v);
    t->p += 8;
    return true;
}

bool sli_thrift_binary(sli_thrift *t, const uint8_t **p, uint32_t *len)
{
    uint64_t n;
    if (!sli_thrift_varint(t, &n)) return false;
    if (n > sli_thrift_left(t)) return sli_thrift_fail(t, "binary longer than the bytes left");
    if (n > UINT32_MAX) return sli_thrift_fail(t, "binary over 4 GiB");
    *p = t->p;
    *len = (uint32_t)n;
    t->p += n;
    return true;
}

bool sli_thrift_struct_begin(sli_thrift *t)
{
    if (t->failed) return false;
    if (++t->depth > SLI_THRIFT_MAX_DEPTH) return sli_thrift_fail(t, "structs nested too deep");
    return true;
}

void sli_thrift_struct_end(sli_thrift *t)
{
    if (t->depth > 0) t->depth--;
}

bool sli_thrift_field(sli_thrift *t, int16_t *last_id, int16_t *id, uint8_t *type)
{
    if (t->failed) return false;
    if (t->p >= t->end) return sli_thrift_fail(t, "truncated struct (no STOP field)");
    uint8_t b = *t->p++;
    uint8_t ty = b & 0x0f;
    if (ty == SLI_TC_STOP) {
        *type = SLI_TC_STOP;
        *id = 0;
        return true;
    }
    if (ty > SLI_TC_STRUCT) return sli_thrift_fail(t, "invalid field type code");
    uint8_t delta = b >> 4;
    if (delta) {
        int32_t nid = *last_id + delta;
        if (nid > INT16_MAX) return sli_thrift_fail(t, "field id out of range");
        *id = (int16_t)nid;
    } else if (!sli_thrift_i16(t, id)) {
        return false;
    }
    *last_id = *id;
    *type = ty;
    return true;
}

bool sli_thrift_list(sli_thrift *t, uint8_t *elem_type, uint32_t *n)
{
    if (t->failed) return false;
    if (t->p >= t->end) return sli_thrift_fail(t, "truncated list header");
    uint8_t b = *t->p++;
    uint64_t size = b >> 4;
    if (size == 15 && !sli_thrift_varint(t, &size)) return false;
    uint8_t ty = b & 0x0f;
    if (ty == SLI_TC_STOP || ty > SLI_TC_STRUCT) return sli_thrift_fail(t, "invalid list element type");
    if (size > sli_thrift_left(t)) return sli_thrift_fail(t, "list longer than the bytes left");
    if (size > UINT32_MAX) return sli_thrift_fail(t, "list over 4 billion elements");
    *elem_type = ty;
    *n = (uint32_t)size;
    return true;
}

bool sli_thrift_bool_elem(sli_thrift *t, bool *v)
{
    int8_t b;
    if (!sli_thrift_byte(t, &b)) return false;
    if (b != 0 && b != 1 && b != 2) return sli_thrift_fail(t, "invalid bool value");
    *v = b == 1;
    return true;
}

bool sli_thrift_int_field(sli_thrift *t, uint8_t type, int64_t *v)
{
    switch (type) {
    case SLI_TC_BYTE: {
        int8_t b;
        if (!sli_thrift_byte(t, &b)) return false;
        *v = b;
        return true;
    }
    case SLI_TC_I16:
    case SLI_TC_I32:
    case SLI_TC_I64: return sli_thrift_i64(t, v);
    default: return sli_thrift_fail(t, "integer field of another type");
    }
}

static bool skip_elem(sli_thrift *t, uint8_t type)
{
    /* Outside a field header a bool is one byte. */
    if (type == SLI_TC_TRUE || type == SLI_TC_FALSE) {
        bool b;
        return sli_thrift_bool_elem(t, &b);
    }
    return sli_thrift_skip(t, type);
}

bool sli_thrift_skip(sli_thrift *t, uint8_t type)
{
    if (t->failed) return false;
    switch (type) {
    case SLI_TC_TRUE:
    case SLI_TC_FALSE: return true; /* the value was in the field header */
    case SLI_TC_BYTE: {
        int8_t b;
        return sli_thrift_byte(t, &b);
    }
    case SLI_TC_I16:
    case SLI_TC_I32:
    case SLI_TC_I64: {
        uint64_t u;
        return sli_thrift_varint(t, &u);
    }
    case SLI_TC_DOUBLE: {
        double d;
        return sli_thrift_double(t, &d);
    }
    case SLI_TC_BINARY: {
        const uint8_t *p;
        uint32_t n;
        return sli_thrift_binary(t, &p, &n);
    }
    case SLI_TC_LIST:
    case SLI_TC_SET: {
        uint8_t et;
        uint32_t n;
        if (!sli_thrift_list(t, &et, &n)) return false;
        if (++t->depth > SLI_THRIFT_MAX_DEPTH) return sli_thrift_fail(t, "containers nested too deep");
        for (uint32_t i = 0; i < n; i++)
            if (!skip_elem(t, et)) return false;
        t->depth--;
        return true;
    }
    case SLI_TC_MAP: {
        uint64_t n;
        if (!sli_thrift_varint(t, &n)) return false;
        if (n == 0) return true;
        if (t->p >= t->end) return sli_thrift_fail(t, "truncated map header");
        uint8_t kv = *t->p++;
        uint8_t kt = kv >> 4, vt = kv & 0x0f;
        if (kt == SLI_TC_STOP || kt > SLI_TC_STRUCT || vt == SLI_TC_STOP || vt > SLI_TC_STRUCT)
            return sli_thrift_fail(t, "invalid map types");
        if (n > sli_thrift_left(t)) return sli_thrift_fail(t, "map longer than the bytes left");
        if (++t->depth > SLI_THRIFT_MAX_DEPTH) return sli_thrift_fail(t, "containers nested too deep");
        for (uint64_t i = 0; i < n; i++)
            if (!skip_elem(t, kt) || !skip_elem(t, vt)) return false;
        t->depth--;
        return true;
    }
    case SLI_TC_STRUCT: {
        if (!sli_thrift_struct_begin(t)) return false;
        int16_t last = 0, id;
        uint8_t ft;
        for (;;) {
            if (!sli_thrift_field(t, &last, &id, &ft)) return false;
            if (ft == SLI_TC_STOP) break;
            if (!sli_thrift_skip(t, ft)) return false;
        }
        sli_thrift_struct_end(t);
        return true;
    }
    default: return sli_thrift_fail(t, "invalid type code");
    }
}
