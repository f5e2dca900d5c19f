/*
 * types.c — status and type names, type parsing, date and decimal text.
 */
#include "types.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const int64_t sli_pow10[19] = {1LL,
                               10LL,
                               100LL,
                               1000LL,
                               10000LL,
                               100000LL,
                               1000000LL,
                               10000000LL,
                               100000000LL,
                               1000000000LL,
                               10000000000LL,
                               100000000000LL,
                               1000000000000LL,
                               10000000000000LL,
                               100000000000000LL,
                               1000000000000000LL,
                               10000000000000000LL,
                               100000000000000000LL,
                               1000000000000000000LL};

const char *sl_status_str(sl_status s)
{
    switch (s) {
    case SL_OK: return "ok";
    case SL_ERR_NOMEM: return "out of memory";
    case SL_ERR_INVALID_ARG: return "invalid argument";
    case SL_ERR_IO: return "i/o error";
    case SL_ERR_SYNTAX: return "syntax error";
    case SL_ERR_UNKNOWN_TABLE: return "unknown table";
    case SL_ERR_UNKNOWN_COLUMN: return "unknown column";
    case SL_ERR_TYPE: return "type error";
    case SL_ERR_CSV: return "malformed csv";
    case SL_ERR_UNSUPPORTED: return "unsupported";
    case SL_ERR_OVERFLOW: return "overflow";
    case SL_ERR_DIV_ZERO: return "division by zero";
    case SL_ERR_INTERNAL: return "internal error";
    case SL_ERR_AMBIGUOUS: return "ambiguous column";
    case SL_ERR_DUPLICATE: return "duplicate name";
    case SL_ERR_MEMORY_LIMIT: return "memory limit exceeded";
    case SL_ERR_PARQUET: return "malformed Parquet file";
    case SL_ERR_DEVICE: return "OpenCL device error";
    case SL_ERR_DEVICE_MEMORY: return "out of device memory";
    }
    return "unknown status";
}

char *sl_type_name(sl_type t, char *buf, size_t cap)
{
    const char *n = "?";
    switch (t.id) {
    case SL_TYPE_NULL: n = "null"; break;
    case SL_TYPE_BOOL: n = "bool"; break;
    case SL_TYPE_INT8: n = "int8"; break;
    case SL_TYPE_INT16: n = "int16"; break;
    case SL_TYPE_INT32: n = "int32"; break;
    case SL_TYPE_INT64: n = "int64"; break;
    case SL_TYPE_FLOAT64: n = "float64"; break;
    case SL_TYPE_DATE32: n = "date"; break;
    case SL_TYPE_UTF8: n = "utf8"; break;
    case SL_TYPE_DECIMAL: snprintf(buf, cap, "decimal(%d,%d)", t.precision, t.scale); return buf;
    }
    snprintf(buf, cap, "%s", n);
    return buf;
}

static bool word_is(const char *s, size_t len, const char *w)
{
    return strlen(w) == len && strncasecmp(s, w, len) == 0;
}

bool sli_type_parse(const char *s, size_t len, sl_type *out)
{
    while (len && isspace((unsigned char)*s)) s++, len--;
    while (len && isspace((unsigned char)s[len - 1])) len--;
    static const struct {
        const char *name;
        sl_type_id id;
    } names[] = {{"bool", SL_TYPE_BOOL},      {"boolean", SL_TYPE_BOOL},  {"int8", SL_TYPE_INT8},
                 {"tinyint", SL_TYPE_INT8},   {"int16", SL_TYPE_INT16},   {"smallint", SL_TYPE_INT16},
                 {"int32", SL_TYPE_INT32},    {"int", SL_TYPE_INT32},     {"integer", SL_TYPE_INT32},
                 {"int64", SL_TYPE_INT64},    {"bigint", SL_TYPE_INT64},  {"float64", SL_TYPE_FLOAT64},
                 {"double", SL_TYPE_FLOAT64}, {"float", SL_TYPE_FLOAT64}, {"date", SL_TYPE_DATE32},
                 {"date32", SL_TYPE_DATE32},  {"utf8", SL_TYPE_UTF8},     {"string", SL_TYPE_UTF8},
                 {"varchar", SL_TYPE_UTF8},   {"text", SL_TYPE_UTF8}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (word_is(s, len, names[i].name)) {
            *out = sli_type(names[i].id);
            return true;
        }
    }
    const char *paren = memchr(s, '(', len);
    if (paren && (word_is(s, (size_t)(paren - s), "decimal") || word_is(s, (size_t)(paren - s), "numeric"))) {
        int p = 0, sc = 0;
        char tmp[64];
        size_t rest = len - (size_t)(paren - s);
        if (rest >= sizeof tmp) return false;
        memcpy(tmp, paren, rest);
        tmp[rest] = 0;
        int used = 0;
        if (sscanf(tmp, " ( %d , %d ) %n", &p, &sc, &used) == 2 && (size_t)used == rest && p >= 1 &&
            p <= 18 && sc >= 0 && sc <= p) {
            *out = sli_decimal(p, sc);
            return true;
        }
        return false;
    }
    return false;
}

/* Days from civil and back, after the well-known era-based method: shift the
 * year to start in March so the leap day is the last day of the year. */
int32_t sli_date_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int mp = (m + 9) % 12;
    int doy = (153 * mp + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

void sli_date_civil(int32_t days, int *y, int *m, int *d)
{
    int z = days + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

bool sli_date_parse(const char *s, size_t len, int32_t *days)
{
    int y = 0, m = 0, d = 0;
    size_t i = 0, nd = 0;
    while (i < len && isdigit((unsigned char)s[i]) && nd < 4) y = y * 10 + (s[i++] - '0'), nd++;
    if (nd != 4 || i >= len || s[i++] != '-') return false;
    nd = 0;
    while (i < len && isdigit((unsigned char)s[i]) && nd < 2) m = m * 10 + (s[i++] - '0'), nd++;
    if (nd == 0 || i >= len || s[i++] != '-') return false;
    nd = 0;
    while (i < len && isdigit((unsigned char)s[i]) && nd < 2) d = d * 10 + (s[i++] - '0'), nd++;
    if (nd == 0 || i != len) return false;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return false;
    *days = sli_date_from_civil(y, m, d);
    return true;
}

size_t sli_date_format(int32_t days, char *buf, size_t cap)
{
    int y, m, d;
    sli_date_civil(days, &y, &m, &d);
    int n = snprintf(buf, cap, "%04d-%02d-%02d", y, m, d);
    return n < 0 ? 0 : (size_t)n;
}

bool sli_decimal_parse(const char *s, size_t len, int scale, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    int64_t v = 0;
    int frac = 0;
    bool seen_dot = false, any = false, round_up = false, dropped = false;
    for (; i < len; i++) {
        char c = s[i];
        if (c == '.' && !seen_dot) {
            seen_dot = true;
            continue;
        }
        if (!isdigit((unsigned char)c)) return false;
        any = true;
        if (seen_dot && frac == scale) {
            if (!dropped) round_up = c >= '5'; /* the first dropped digit decides */
            dropped = true;
            continue;
        }
        if (v > (INT64_MAX - 9) / 10) return false;
        v = v * 10 + (c - '0');
        if (seen_dot) frac++;
    }
    if (!any) return false;
    for (; frac < scale; frac++) {
        if (v > INT64_MAX / 10) return false;
        v *= 10;
    }
    if (round_up) v++;
    if (v >= sli_pow10[18]) return false;
    *out = neg ? -v : v;
    return true;
}

size_t sli_decimal_format(int64_t v, int scale, char *buf, size_t cap)
{
    char tmp[48];
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (scale == 0) {
        int n = snprintf(buf, cap, "%s%" PRIu64, v < 0 ? "-" : "", a);
        return n < 0 ? 0 : (size_t)n;
    }
    uint64_t p = (uint64_t)sli_pow10[scale];
    snprintf(tmp, sizeof tmp, "%s%" PRIu64 ".%0*" PRIu64, v < 0 ? "-" : "", a / p, scale, a % p);
    int n = snprintf(buf, cap, "%s", tmp);
    return n < 0 ? 0 : (size_t)n;
}

bool sli_int_parse(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    if (i == len) return false;
    uint64_t v = 0;
    for (; i < len; i++) {
        if (!isdigit((unsigned char)s[i])) return false;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX) return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

bool sli_float_parse(const char *s, size_t len, double *out)
{
    char tmp[128];
    if (len == 0 || len >= sizeof tmp) return false;
    memcpy(tmp, s, len);
    tmp[len] = 0;
    char *end = NULL;
    errno = 0;
    double v = strtod(tmp, &end);
    /* ERANGE with a finite result is underflow to a subnormal or zero: keep it */
    if (end != tmp + len || (errno == ERANGE && isinf(v))) return false;
    if (isspace((unsigned char)tmp[0])) return false;
    if (isnan(v) && !isalpha((unsigned char)tmp[0]) && tmp[0] != '-' && tmp[0] != '+') return false;
    *out = v;
    return true;
}
