/*
 * scalar/date.c — the scalar reference date kernels (date.h).
 *
 * Days to civil year/month/day is the era-based method (a 400-year era has
 * 146097 days; shifting the year to start on March 1 puts the leap day last),
 * written without branches and in 32-bit unsigned arithmetic so that
 * compilers vectorize the dense loops: the day count is first moved up by a
 * whole number of eras so that it is never negative, which turns every floor
 * division into an unsigned division by a constant, and the March-based month
 * goes back to January-based with a compare instead of a branch. The shift
 * (ERA_SHIFT eras) keeps every int32 from SL_DATE_PART_MIN_DAYS up in range
 * of uint32; the 14862 int32 values below it (5.8 million years BC) give wrong
 * but defined results. Civil to days runs the same method backwards. Range
 * failures are ORed into a flag without branching per row.
 */
#include <stdint.h>

#include "kernels/date.h"
#include "rows.h"

/* Eras added before dividing: the most that keeps INT32_MAX + 719468 + the
 * shift below 2^32. */
#define ERA_SHIFT 14694u
_Static_assert(SL_DATE_PART_MIN_DAYS == -719468 - (int64_t)ERA_SHIFT * 146097,
               "the smallest day count the shift makes non-negative");

typedef struct civil {
    int32_t y, m, d;
} civil;

static inline civil civil_from_days(int32_t days)
{
    uint32_t z = (uint32_t)days + 719468u + ERA_SHIFT * 146097u; /* wraps to days + 719468 + shift */
    uint32_t era = z / 146097;
    uint32_t doe = z - era * 146097;                                      /* 0 .. 146096 */
    uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0 .. 399 */
    uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* 0 .. 365, from March 1 */
    uint32_t mp = (5 * doy + 2) / 153;                                    /* 0 .. 11, March = 0 */
    civil c;
    c.d = (int32_t)(doy - (153 * mp + 2) / 5 + 1);
    c.m = (int32_t)(mp + 3) - 12 * (int32_t)(mp >= 10);
    c.y = (int32_t)(yoe + era * 400) - (int32_t)(ERA_SHIFT * 400) + (c.m <= 2);
    return c;
}

/* Days since 1970-01-01 of y-m-d, for 0 <= y <= 9999 and a valid m and d. */
static inline int32_t days_from_civil(int32_t y, int32_t m, int32_t d)
{
    uint32_t yy = (uint32_t)(y - (m <= 2) + 400); /* one era up: never negative */
    uint32_t era = yy / 400;
    uint32_t yoe = yy - era * 400;
    uint32_t mp = (uint32_t)(m + 9) - 12 * (uint32_t)(m >= 3); /* March = 0 */
    uint32_t doy = (153 * mp + 2) / 5 + (uint32_t)d - 1;
    uint32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe) - 146097 - 719468;
}

static void part_year(const int32_t *restrict days, int32_t *restrict out, const uint32_t *restrict sel,
                      size_t n)
{
#define BODY(r) out[r] = civil_from_days(days[r]).y
    FOR_ROWS(BODY);
#undef BODY
}

static void part_month(const int32_t *restrict days, int32_t *restrict out, const uint32_t *restrict sel,
                       size_t n)
{
#define BODY(r) out[r] = civil_from_days(days[r]).m
    FOR_ROWS(BODY);
#undef BODY
}

static void part_day(const int32_t *restrict days, int32_t *restrict out, const uint32_t *restrict sel,
                     size_t n)
{
#define BODY(r) out[r] = civil_from_days(days[r]).d
    FOR_ROWS(BODY);
#undef BODY
}

/* date ± days, checked against the date range; stamped for add and sub. */
#define DAYS_BODY(r, builtin)                                                                                \
    do {                                                                                                     \
        int64_t x;                                                                                           \
        bad |= (unsigned)builtin((int64_t)d[r], k[r], &x);                                                   \
        bad |= (unsigned)(x < SL_DATE_MIN_DAYS) | (unsigned)(x > SL_DATE_MAX_DAYS);                          \
        out[r] = (int32_t)(uint32_t)(uint64_t)x;                                                             \
    } while (0)
#define DAYS_KERNEL(name, builtin)                                                                           \
    static sl_arith_rc name(const int32_t *restrict d, const int64_t *restrict k, int32_t *restrict out,     \
                            const uint32_t *restrict sel, size_t n)                                          \
    {                                                                                                        \
        unsigned bad = 0;                                                                                    \
        if (sel == NULL) {                                                                                   \
            for (size_t i = 0; i < n; i++) DAYS_BODY(i, builtin);                                            \
        } else {                                                                                             \
            for (size_t i = 0; i < n; i++) DAYS_BODY(sel[i], builtin);                                       \
        }                                                                                                    \
        return bad ? SL_ARITH_OVERFLOW : SL_ARITH_OK;                                                        \
    }
DAYS_KERNEL(add_days, __builtin_add_overflow)
DAYS_KERNEL(sub_days, __builtin_sub_overflow)
#undef DAYS_KERNEL
#undef DAYS_BODY

/* Months from year 0 of the last month of the date range (9999-12). */
#define MAX_MONTH (9999 * 12 + 11)

/* `months` is within +-2 * (MAX_MONTH + 1) (add_months checks). */
static inline int32_t shift_months(int32_t days, int32_t months, unsigned *bad)
{
    civil c = civil_from_days(days);
    int32_t t = c.y * 12 + (c.m - 1) + months; /* |c.y| < 5.9e6: no overflow */
    *bad |= (unsigned)(t < 0) | (unsigned)(t > MAX_MONTH);
    uint32_t u = (uint32_t)(t < 0 ? 0 : t > MAX_MONTH ? MAX_MONTH : t); /* keep computing on a valid month */
    uint32_t uy = u / 12, um = u % 12 + 1;
    int32_t y = (int32_t)uy, m = (int32_t)um;
    int32_t leap = (uy % 4 == 0) & ((uy % 100 != 0) | (uy % 400 == 0));
    /* 30 or 31 by the parity of m ^ (m >> 3) (31 for 1, 3, 5, 7, 8, 10, 12);
     * February: 28 or 29. No table and no variable shift, so it vectorizes. */
    int32_t dim = 30 + (int32_t)((um ^ (um >> 3)) & 1) - (m == 2) * (2 - leap);
    return days_from_civil(y, m, c.d < dim ? c.d : dim);
}

static sl_arith_rc add_months(const int32_t *restrict d, int64_t months, int32_t *restrict out,
                              const uint32_t *restrict sel, size_t n)
{
    if (n == 0) return SL_ARITH_OK;
    /* Beyond the width of the date range every row overflows; this also keeps
     * the month arithmetic below far from int64 limits. */
    if (months > 2 * (MAX_MONTH + 1) || months < -2 * (MAX_MONTH + 1)) return SL_ARITH_OVERFLOW;
    unsigned bad = 0;
    int32_t mo = (int32_t)months;
#define BODY(r) out[r] = shift_months(d[r], mo, &bad)
    FOR_ROWS(BODY);
#undef BODY
    return bad ? SL_ARITH_OVERFLOW : SL_ARITH_OK;
}

static void diff(const int32_t *restrict a, const int32_t *restrict b, int64_t *restrict out,
                 const uint32_t *restrict sel, size_t n)
{
#define BODY(r) out[r] = (int64_t)a[r] - (int64_t)b[r]
    FOR_ROWS(BODY);
#undef BODY
}

const sl_date_kernels sli_date_scalar = {
    .part = {part_year, part_month, part_day},
    .add_days = add_days,
    .sub_days = sub_days,
    .add_months = add_months,
    .diff = diff,
};
