/*
 * format.c — one column value as text (see format.h).
 */
#include "format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types.h"

/* Copies n bytes to buf with snprintf truncation rules. @return n. */
static size_t put(char *buf, size_t cap, const char *s, size_t n)
{
    if (cap > 0) {
        size_t k = n < cap - 1 ? n : cap - 1;
        memcpy(buf, s, k);
        buf[k] = 0;
    }
    return n;
}

static size_t put_i64(char *buf, size_t cap, int64_t v)
{
    char tmp[24];
    char *end = tmp + sizeof tmp, *p = end;
    uint64_t a = v < 0 ? 0 - (uint64_t)v : (uint64_t)v; /* INT64_MIN has no positive int64 */
    do {
        *--p = (char)('0' + a % 10);
        a /= 10;
    } while (a);
    if (v < 0) *--p = '-';
    return put(buf, cap, p, (size_t)(end - p));
}

size_t sli_format_double(double v, char *buf, size_t cap)
{
    if (isnan(v)) return put(buf, cap, "nan", 3);
    if (isinf(v)) return v < 0 ? put(buf, cap, "-inf", 4) : put(buf, cap, "inf", 3);
    char tmp[40];
    int n = 0;
    /* %.17g always reads back exactly; try the shorter ones first. */
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (prec == 17 || strtod(tmp, NULL) == v) break;
    }
    return put(buf, cap, tmp, (size_t)n);
}

size_t sli_format_value(const sli_column *c, size_t row, char *buf, size_t cap)
{
    switch (c->type.id) {
    case SL_TYPE_BOOL:
        return ((const int8_t *)c->data)[row] ? put(buf, cap, "true", 4) : put(buf, cap, "false", 5);
    case SL_TYPE_INT8: return put_i64(buf, cap, ((const int8_t *)c->data)[row]);
    case SL_TYPE_INT16: return put_i64(buf, cap, ((const int16_t *)c->data)[row]);
    case SL_TYPE_INT32: return put_i64(buf, cap, ((const int32_t *)c->data)[row]);
    case SL_TYPE_INT64: return put_i64(buf, cap, ((const int64_t *)c->data)[row]);
    case SL_TYPE_FLOAT64: return sli_format_double(((const double *)c->data)[row], buf, cap);
    case SL_TYPE_DATE32: {
        char tmp[24];
        size_t n = sli_date_format(((const int32_t *)c->data)[row], tmp, sizeof tmp);
        return put(buf, cap, tmp, n);
    }
    case SL_TYPE_DECIMAL: {
        char tmp[48];
        size_t n = sli_decimal_format(((const int64_t *)c->data)[row], c->type.scale, tmp, sizeof tmp);
        return put(buf, cap, tmp, n);
    }
    case SL_TYPE_UTF8: {
        sli_strview s = sli_column_str(c, row);
        return put(buf, cap, s.ptr, s.len);
    }
    case SL_TYPE_NULL: break;
    }
    return put(buf, cap, "", 0);
}
