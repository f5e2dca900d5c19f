/*
 * types.h — helpers for sluice's logical types: names, parsing, dates and
 * decimals as text.
 */
#ifndef SLI_TYPES_H
#define SLI_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/sluice.h"

/** 10^0 .. 10^18. */
extern const int64_t sli_pow10[19];

static inline sl_type sli_type(sl_type_id id)
{
    sl_type t = {id, 0, 0};
    return t;
}

static inline sl_type sli_decimal(int precision, int scale)
{
    sl_type t = {SL_TYPE_DECIMAL, (uint8_t)precision, (uint8_t)scale};
    return t;
}

static inline bool sli_type_eq(sl_type a, sl_type b)
{
    return a.id == b.id && (a.id != SL_TYPE_DECIMAL || (a.precision == b.precision && a.scale == b.scale));
}

/** @return true for int8..int64. */
static inline bool sli_is_integer(sl_type t)
{
    return t.id >= SL_TYPE_INT8 && t.id <= SL_TYPE_INT64;
}

/** @return true for integers, float64 and decimals. */
static inline bool sli_is_numeric(sl_type t)
{
    return sli_is_integer(t) || t.id == SL_TYPE_FLOAT64 || t.id == SL_TYPE_DECIMAL;
}

/**
 * Parses a type name: bool|boolean, int8|tinyint, int16|smallint,
 * int32|int|integer, int64|bigint, float64|double|float, date|date32,
 * decimal(p,s)|numeric(p,s), utf8|string|varchar|text (case-insensitive).
 * @return true on success.
 */
bool sli_type_parse(const char *s, size_t len, sl_type *out);

/** Parses YYYY-MM-DD into days since 1970-01-01. @return true when valid. */
bool sli_date_parse(const char *s, size_t len, int32_t *days);

/** Writes a date as YYYY-MM-DD. @return characters written. */
size_t sli_date_format(int32_t days, char *buf, size_t cap);

/** Converts days since epoch to a civil year/month/day. */
void sli_date_civil(int32_t days, int *y, int *m, int *d);

/** @return days since epoch of a civil date (proleptic Gregorian). */
int32_t sli_date_from_civil(int y, int m, int d);

/**
 * Parses a decimal literal ("-12.345") at `scale` into a scaled int64.
 * Extra fraction digits are rounded half away from zero.
 * @return true when it is a number that fits 18 digits.
 */
bool sli_decimal_parse(const char *s, size_t len, int scale, int64_t *out);

/** Writes a scaled int64 as a decimal with `scale` fraction digits. */
size_t sli_decimal_format(int64_t v, int scale, char *buf, size_t cap);

/** Parses an integer. @return true when all of s is an int64. */
bool sli_int_parse(const char *s, size_t len, int64_t *out);

/** Parses a float. @return true when all of s is a number. */
bool sli_float_parse(const char *s, size_t len, double *out);

#endif
