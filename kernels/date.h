/*
 * date.h — date32 kernels: the parts of a date (year, month, day), date plus
 * or minus days, date plus or minus months (clamping the day to the end of the
 * month, as SQL does) and the difference of two dates in days.
 *
 * Dates are days since 1970-01-01 (proleptic Gregorian). The date range is
 * SL_DATE_MIN_DAYS (0000-01-01) .. SL_DATE_MAX_DAYS (9999-12-31), what date
 * literals and CSV text can express; arithmetic that leaves it reports
 * SL_ARITH_OVERFLOW rather than wrapping. The part kernels are exact for every
 * int32 from SL_DATE_PART_MIN_DAYS up (all but the 14862 smallest values,
 * which give defined but wrong parts).
 *
 * Every kernel works over a selection (sel == NULL: rows 0..n-1) and reads and
 * writes only the selected rows. Pure functions; thread-safe.
 *
 * The family's variant table and sli_date_select() live in kernels/date.c.
 */
#ifndef SLI_KERNELS_DATE_H
#define SLI_KERNELS_DATE_H

#include <stddef.h>
#include <stdint.h>

#include "arith.h"
#include "isa.h"

/** Days of 0000-01-01 and 9999-12-31: the date range. */
#define SL_DATE_MIN_DAYS (-719528)
#define SL_DATE_MAX_DAYS 2932896
/** The smallest day count the part kernels handle exactly (5.9 million years BC). */
#define SL_DATE_PART_MIN_DAYS (-2147468786)

/** Which part of a date a part kernel extracts. */
typedef enum sl_date_part { SL_DATE_YEAR = 0, SL_DATE_MONTH, SL_DATE_DAY, SL_DATE_PART_COUNT } sl_date_part;

/** out[row] = the year, month (1..12) or day of month (1..31) of days[row]. */
typedef void sl_date_part_fn(const int32_t *restrict days, int32_t *restrict out,
                             const uint32_t *restrict sel, size_t n);

/**
 * out[row] = d[row] + k[row] (add) or d[row] - k[row] (sub) days.
 * @return SL_ARITH_OVERFLOW when a result leaves the date range.
 */
typedef sl_arith_rc sl_date_add_days_fn(const int32_t *restrict d, const int64_t *restrict k,
                                        int32_t *restrict out, const uint32_t *restrict sel, size_t n);

/**
 * out[row] = d[row] plus `months` calendar months; the day is clamped to the
 * last day of the resulting month (2000-01-31 + 1 month = 2000-02-29).
 * @return SL_ARITH_OVERFLOW when a result leaves the date range.
 */
typedef sl_arith_rc sl_date_add_months_fn(const int32_t *restrict d, int64_t months, int32_t *restrict out,
                                          const uint32_t *restrict sel, size_t n);

/** out[row] = a[row] - b[row] in days (always fits int64). */
typedef void sl_date_diff_fn(const int32_t *restrict a, const int32_t *restrict b, int64_t *restrict out,
                             const uint32_t *restrict sel, size_t n);

typedef struct sl_date_kernels {
    sl_date_part_fn *part[SL_DATE_PART_COUNT]; /**< indexed by sl_date_part */
    sl_date_add_days_fn *add_days;
    sl_date_add_days_fn *sub_days;
    sl_date_add_months_fn *add_months;
    sl_date_diff_fn *diff;
} sl_date_kernels;

typedef struct sl_date_variant {
    const char *name;
    sl_isa isa;
    const sl_date_kernels *k;
} sl_date_variant;

extern const sl_date_variant sl_date_variants[];
extern const size_t sl_date_variant_count;

/**
 * @return the variant this CPU runs best (or the one SL_FORCE_ISA names);
 * the first call decides and the answer is cached. Thread-safe.
 */
const sl_date_variant *sli_date_select(void);

#endif
