/*
 * format.h — one column value as text.
 *
 * The single place that decides how sluice writes a value for people and for
 * CSV: booleans as true/false, integers in decimal, float64 as the shortest
 * text that reads back as the same double, dates as YYYY-MM-DD, decimals
 * exactly with their scale, strings as their raw bytes.
 */
#ifndef SLI_FORMAT_H
#define SLI_FORMAT_H

#include <stddef.h>

#include "column.h"

/**
 * Formats the non-null value at `row` of column c into buf, as snprintf does:
 * at most cap - 1 characters are written followed by a NUL (nothing when cap
 * is 0; buf may then be NULL).
 * float64 uses the shortest of %.15g, %.16g, %.17g that strtod reads back as
 * the same double, and "inf", "-inf", "nan" for the special values. utf8
 * (plain or dictionary-encoded) is copied byte for byte, so the text may hold
 * any byte but NUL-termination. The caller checks validity: a null slot
 * formats as whatever the buffer holds there.
 * @return the length of the full text, excluding the NUL; a value >= cap
 *         means the text was truncated.
 * Thread safety: pure; safe on an immutable column from any thread.
 */
size_t sli_format_value(const sli_column *c, size_t row, char *buf, size_t cap);

/**
 * Formats a double as in sli_format_value (shortest round-trip text).
 * @return the length of the full text, excluding the NUL (snprintf semantics).
 */
size_t sli_format_double(double v, char *buf, size_t cap);

#endif
