/*
 * gen_ssb.c — the five Star Schema Benchmark tables (O'Neil, O'Neil and
 * Chen, "Star Schema Benchmark", revision 3).
 *
 * Row counts: lineorder from SF x 1,500,000 orders of 1 to 7 lines (about
 * SF x 6,000,000); customer SF x 30,000; supplier SF x 2,000; part
 * 200,000 x (1 + floor(log2 SF)) for SF >= 1 and SF x 200,000 below; date
 * every day from 1992-01-01 to 1998-12-31 (2,557 rows).
 *
 * Value rules: c_city / s_city are the first 9 characters of the nation
 * name (space padded) and a digit 0-9; p_mfgr is MFGR#m (m 1-5), p_category
 * MFGR#mc (c 1-5), p_brand1 MFGR#mcb (b 1-40); lo_extendedprice =
 * lo_quantity x the part's TPC-H retail price; lo_revenue = extendedprice x
 * (100 - lo_discount) / 100; lo_supplycost = 6/10 of the retail price;
 * lo_ordtotalprice is the order's sum of extendedprice x (1 + tax) x
 * (1 - discount). Money is whole cents (int64, truncated); lo_discount is
 * 0-10 and lo_tax 0-8 (percent); lo_orderdate and lo_commitdate are
 * yyyymmdd keys into date.d_datekey.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gen_build.h"
#include "runtime/types.h"

enum { ST_SSB_CUSTOMER = 21, ST_SSB_SUPPLIER, ST_SSB_PART, ST_SSB_LINEORDER };

static const sli_gen_colspec DATE_COLS[] = {
    {"d_datekey", SLI_GEN_I32, SLI_D_NONE, 0},
    {"d_date", SLI_GEN_STR, SLI_D_NONE, 24},
    {"d_dayofweek", SLI_GEN_STR, SLI_D_DAYOFWEEK, 0},
    {"d_month", SLI_GEN_STR, SLI_D_MONTH, 0},
    {"d_year", SLI_GEN_I32, SLI_D_NONE, 0},
    {"d_yearmonthnum", SLI_GEN_I32, SLI_D_NONE, 0},
    {"d_yearmonth", SLI_GEN_STR, SLI_D_NONE, 8},
    {"d_daynuminweek", SLI_GEN_I32, SLI_D_NONE, 0},
    {"d_daynuminmonth", SLI_GEN_I32, SLI_D_NONE, 0},
    {"d_daynuminyear", SLI_GEN_I32, SLI_D_NONE, 0},
    {"d_monthnuminyear", SLI_GEN_I32, SLI_D_NONE, 0},
    {"d_weeknuminyear", SLI_GEN_I32, SLI_D_NONE, 0},
    {"d_sellingseason", SLI_GEN_STR, SLI_D_SEASON, 0},
    {"d_lastdayinweekfl", SLI_GEN_BOOL, SLI_D_NONE, 0},
    {"d_lastdayinmonthfl", SLI_GEN_BOOL, SLI_D_NONE, 0},
    {"d_holidayfl", SLI_GEN_BOOL, SLI_D_NONE, 0},
    {"d_weekdayfl", SLI_GEN_BOOL, SLI_D_NONE, 0},
};
static const sli_gen_colspec CUSTOMER_COLS[] = {
    {"c_custkey", SLI_GEN_I32, SLI_D_NONE, 0},  {"c_name", SLI_GEN_STR, SLI_D_NONE, 24},
    {"c_address", SLI_GEN_STR, SLI_D_NONE, 25}, {"c_city", SLI_GEN_STR, SLI_D_CITY, 0},
    {"c_nation", SLI_GEN_STR, SLI_D_NATION, 0}, {"c_region", SLI_GEN_STR, SLI_D_REGION, 0},
    {"c_phone", SLI_GEN_STR, SLI_D_NONE, 15},   {"c_mktsegment", SLI_GEN_STR, SLI_D_SEGMENT, 0},
};
static const sli_gen_colspec SUPPLIER_COLS[] = {
    {"s_suppkey", SLI_GEN_I32, SLI_D_NONE, 0},  {"s_name", SLI_GEN_STR, SLI_D_NONE, 24},
    {"s_address", SLI_GEN_STR, SLI_D_NONE, 25}, {"s_city", SLI_GEN_STR, SLI_D_CITY, 0},
    {"s_nation", SLI_GEN_STR, SLI_D_NATION, 0}, {"s_region", SLI_GEN_STR, SLI_D_REGION, 0},
    {"s_phone", SLI_GEN_STR, SLI_D_NONE, 15},
};
static const sli_gen_colspec PART_COLS[] = {
    {"p_partkey", SLI_GEN_I32, SLI_D_NONE, 0},        {"p_name", SLI_GEN_STR, SLI_D_NONE, 22},
    {"p_mfgr", SLI_GEN_STR, SLI_D_SSB_MFGR, 0},       {"p_category", SLI_GEN_STR, SLI_D_SSB_CATEGORY, 0},
    {"p_brand1", SLI_GEN_STR, SLI_D_SSB_BRAND, 0},    {"p_color", SLI_GEN_STR, SLI_D_COLOR, 0},
    {"p_type", SLI_GEN_STR, SLI_D_TYPE, 0},           {"p_size", SLI_GEN_I32, SLI_D_NONE, 0},
    {"p_container", SLI_GEN_STR, SLI_D_CONTAINER, 0},
};
static const sli_gen_colspec LINEORDER_COLS[] = {
    {"lo_orderkey", SLI_GEN_I64, SLI_D_NONE, 0},
    {"lo_linenumber", SLI_GEN_I32, SLI_D_NONE, 0},
    {"lo_custkey", SLI_GEN_I32, SLI_D_NONE, 0},
    {"lo_partkey", SLI_GEN_I32, SLI_D_NONE, 0},
    {"lo_suppkey", SLI_GEN_I32, SLI_D_NONE, 0},
    {"lo_orderdate", SLI_GEN_I32, SLI_D_NONE, 0},
    {"lo_orderpriority", SLI_GEN_STR, SLI_D_PRIORITY, 0},
    {"lo_shippriority", SLI_GEN_STR, SLI_D_SHIPPRI, 0},
    {"lo_quantity", SLI_GEN_I32, SLI_D_NONE, 0},
    {"lo_extendedprice", SLI_GEN_I64, SLI_D_NONE, 0},
    {"lo_ordtotalprice", SLI_GEN_I64, SLI_D_NONE, 0},
    {"lo_discount", SLI_GEN_I32, SLI_D_NONE, 0},
    {"lo_revenue", SLI_GEN_I64, SLI_D_NONE, 0},
    {"lo_supplycost", SLI_GEN_I64, SLI_D_NONE, 0},
    {"lo_tax", SLI_GEN_I32, SLI_D_NONE, 0},
    {"lo_commitdate", SLI_GEN_I32, SLI_D_NONE, 0},
    {"lo_shipmode", SLI_GEN_STR, SLI_D_MODE, 0},
};

static const sli_gen_tablespec T_DATE = SLI_GEN_TABLE("date", DATE_COLS);
static const sli_gen_tablespec T_CUSTOMER = SLI_GEN_TABLE("customer", CUSTOMER_COLS);
static const sli_gen_tablespec T_SUPPLIER = SLI_GEN_TABLE("supplier", SUPPLIER_COLS);
static const sli_gen_tablespec T_PART = SLI_GEN_TABLE("part", PART_COLS);
static const sli_gen_tablespec T_LINEORDER = SLI_GEN_TABLE("lineorder", LINEORDER_COLS);

#define COL SLI_GEN_COL /* short for the chunk functions below */

/** Days from 1992-01-01 to 1998-12-31, inclusive. */
#define SSB_DAYS (SLI_GEN_ENDDATE - SLI_GEN_STARTDATE + 1)

static int32_t datekey(int32_t days)
{
    int y, m, d;
    sli_date_civil(days, &y, &m, &d);
    return y * 10000 + m * 100 + d;
}

/* ---- date ------------------------------------------------------------------- */

static sl_status date_chunk(const sli_gen_run_state *g, size_t chunk, uint64_t first, size_t n,
                            sli_gen_part *parts)
{
    static const char *const MONTHS[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    static const char *const SEASON_OF_MONTH =
        "\2\2\3\3\3\1\1\1\4\4\4\0"; /* Winter.. Christmas (dict codes) */
    sli_gen_part *p = &parts[0];    /* allocated by the driver */
    char buf[40];
    for (size_t i = 0; i < n; i++) {
        int32_t days = SLI_GEN_STARTDATE + (int32_t)(first + i);
        int y, m, d, ny, nm, nd;
        sli_date_civil(days, &y, &m, &d);
        sli_date_civil(days + 1, &ny, &nm, &nd);
        int dow = (int)(((int64_t)days + 4) % 7); /* 1970-01-01 was a Thursday; 0 = Sunday */
        int doy = days - sli_date_from_civil(y, 1, 1) + 1;
        int jan1_dow = (int)(((int64_t)sli_date_from_civil(y, 1, 1) + 4) % 7);
        COL(p, 0, int32_t)[i] = y * 10000 + m * 100 + d;
        int len = snprintf(buf, sizeof buf, "%s %d, %d", MONTHS[m - 1], d, y);
        sli_gen_put(p->cols[1], i, buf, (uint32_t)len);
        COL(p, 2, int32_t)[i] = dow;
        COL(p, 3, int32_t)[i] = m - 1;
        COL(p, 4, int32_t)[i] = y;
        COL(p, 5, int32_t)[i] = y * 100 + m;
        len = snprintf(buf, sizeof buf, "%.3s%d", MONTHS[m - 1], y);
        sli_gen_put(p->cols[6], i, buf, (uint32_t)len);
        COL(p, 7, int32_t)[i] = dow + 1;
        COL(p, 8, int32_t)[i] = d;
        COL(p, 9, int32_t)[i] = doy;
        COL(p, 10, int32_t)[i] = m;
        COL(p, 11, int32_t)[i] = (doy - 1 + jan1_dow) / 7 + 1;
        COL(p, 12, int32_t)[i] = SEASON_OF_MONTH[m - 1];
        COL(p, 13, int8_t)[i] = dow == 6;
        COL(p, 14, int8_t)[i] = nm != m;
        COL(p, 15, int8_t)
        [i] = (m == 1 && d == 1) || (m == 7 && d == 4) || (m == 11 && d == 11) ||
              (m == 12 && (d == 24 || d == 25 || d == 31));
        COL(p, 16, int8_t)[i] = dow >= 1 && dow <= 5;
    }
    return SL_OK;
}

/* ---- customer, supplier ----------------------------------------------------------- */

/* Fills the columns shared by customer and supplier: key, name, address,
 * city, nation, region, phone (columns 0-6). */
static void party_row(sli_gen_part *p, size_t i, int64_t key, const char *prefix, sli_rng *r)
{
    COL(p, 0, int32_t)[i] = (int32_t)key;
    int nation = sli_gen_party(p, i, prefix, key, 25, r);
    COL(p, 3, int32_t)[i] = nation * 10 + (int32_t)sli_rng_range(r, 0, 9);
    COL(p, 4, int32_t)[i] = nation;
    COL(p, 5, int32_t)[i] = sli_gen_nation_region[nation];
    sli_gen_put_phone(p->cols[6], i, r, nation);
}

static sl_status customer_chunk(const sli_gen_run_state *g, size_t chunk, uint64_t first, size_t n,
                                sli_gen_part *parts)
{
    sli_gen_part *p = &parts[0]; /* allocated by the driver */
    for (size_t i = 0; i < n; i++) {
        sli_rng r = sli_rng_at(g->seed, ST_SSB_CUSTOMER, first + i);
        party_row(p, i, (int64_t)(first + i) + 1, "Customer#", &r);
        COL(p, 7, int32_t)[i] = (int32_t)sli_rng_range(&r, 0, 4);
    }
    return SL_OK;
}

static sl_status supplier_chunk(const sli_gen_run_state *g, size_t chunk, uint64_t first, size_t n,
                                sli_gen_part *parts)
{
    sli_gen_part *p = &parts[0]; /* allocated by the driver */
    for (size_t i = 0; i < n; i++) {
        sli_rng r = sli_rng_at(g->seed, ST_SSB_SUPPLIER, first + i);
        party_row(p, i, (int64_t)(first + i) + 1, "Supplier#", &r);
    }
    return SL_OK;
}

/* ---- part ------------------------------------------------------------------- */

static sl_status part_chunk(const sli_gen_run_state *g, size_t chunk, uint64_t first, size_t n,
                            sli_gen_part *parts)
{
    sli_gen_part *p = &parts[0]; /* allocated by the driver */
    const int ncolors = (int)sli_gen_colors.count;
    for (size_t i = 0; i < n; i++) {
        sli_rng r = sli_rng_at(g->seed, ST_SSB_PART, first + i);
        COL(p, 0, int32_t)[i] = (int32_t)(first + i + 1);
        sli_gen_put_colors(p->cols[1], i, &r, 2);
        int m = (int)sli_rng_range(&r, 0, 4), c = (int)sli_rng_range(&r, 0, 4),
            br = (int)sli_rng_range(&r, 0, 39);
        COL(p, 2, int32_t)[i] = m;
        COL(p, 3, int32_t)[i] = m * 5 + c;
        COL(p, 4, int32_t)[i] = (m * 5 + c) * 40 + br;
        COL(p, 5, int32_t)[i] = (int32_t)sli_rng_range(&r, 0, ncolors - 1);
        COL(p, 6, int32_t)[i] = (int32_t)sli_rng_range(&r, 0, 149);
        COL(p, 7, int32_t)[i] = (int32_t)sli_rng_range(&r, 1, 50);
        COL(p, 8, int32_t)[i] = (int32_t)sli_rng_range(&r, 0, 39);
    }
    return SL_OK;
}

/* ---- lineorder ----------------------------------------------------------------- */

typedef struct ssb_sizes {
    int64_t customers, suppliers, parts;
} ssb_sizes;

static ssb_sizes sizes(double sf)
{
    ssb_sizes z;
    z.customers = (int64_t)sli_gen_scaled(sf, 30000);
    z.suppliers = (int64_t)sli_gen_scaled(sf, 2000);
    z.parts = sf >= 1 ? 200000 * (1 + (int64_t)floor(log2(sf))) : (int64_t)sli_gen_scaled(sf, 200000);
    return z;
}

static sl_status lineorder_chunk(const sli_gen_run_state *g, size_t chunk, uint64_t first, size_t n,
                                 sli_gen_part *parts)
{
    size_t nlines = 0;
    for (size_t i = 0; i < n; i++) {
        sli_rng r = sli_rng_at(g->seed, ST_SSB_LINEORDER, first + i);
        nlines += (size_t)sli_rng_range(&r, 1, 7);
    }
    sli_gen_part *p = &parts[0];
    sl_status s = sli_gen_part_alloc(p, &T_LINEORDER, nlines);
    if (s) return s;
    ssb_sizes z = sizes(g->sf);
    size_t li = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t row = first + i;
        sli_rng r = sli_rng_at(g->seed, ST_SSB_LINEORDER, row);
        int lines = (int)sli_rng_range(&r, 1, 7);
        int64_t okey = sli_gen_orderkey(row);
        int32_t cust = (int32_t)sli_rng_range(&r, 1, z.customers);
        int32_t odate = (int32_t)sli_rng_range(&r, SLI_GEN_STARTDATE, SLI_GEN_ENDDATE - 151);
        int32_t okey_date = datekey(odate);
        int32_t prio = (int32_t)sli_rng_range(&r, 0, 4);
        size_t l0 = li;
        int64_t total = 0;
        for (int k = 0; k < lines; k++, li++) {
            int64_t pk = sli_rng_range(&r, 1, z.parts);
            int64_t retail = sli_gen_retail_cents(pk);
            int32_t q = (int32_t)sli_rng_range(&r, 1, 50);
            int32_t d = (int32_t)sli_rng_range(&r, 0, 10);
            int32_t t = (int32_t)sli_rng_range(&r, 0, 8);
            int64_t ep = q * retail;
            COL(p, 0, int64_t)[li] = okey;
            COL(p, 1, int32_t)[li] = k + 1;
            COL(p, 2, int32_t)[li] = cust;
            COL(p, 3, int32_t)[li] = (int32_t)pk;
            COL(p, 4, int32_t)[li] = (int32_t)sli_rng_range(&r, 1, z.suppliers);
            COL(p, 5, int32_t)[li] = okey_date;
            COL(p, 6, int32_t)[li] = prio;
            COL(p, 7, int32_t)[li] = 0;
            COL(p, 8, int32_t)[li] = q;
            COL(p, 9, int64_t)[li] = ep;
            COL(p, 11, int32_t)[li] = d;
            COL(p, 12, int64_t)[li] = ep * (100 - d) / 100;
            COL(p, 13, int64_t)[li] = retail * 6 / 10;
            COL(p, 14, int32_t)[li] = t;
            COL(p, 15, int32_t)[li] = datekey(odate + (int32_t)sli_rng_range(&r, 30, 90));
            COL(p, 16, int32_t)[li] = (int32_t)sli_rng_range(&r, 0, 6);
            total += ep * (100 + t) * (100 - d) / 10000;
        }
        for (size_t k = l0; k < li; k++) COL(p, 10, int64_t)[k] = total;
    }
    return SL_OK;
}

/* ---- the run ----------------------------------------------------------------- */

sl_status sli_gen_ssb(sl_context *ctx, sli_gen_run_state *g, const bool *want, sli_gen_sink sink, void *arg)
{
    static const long I_DATE[] = {0}, I_CUSTOMER[] = {1}, I_SUPPLIER[] = {2}, I_PART[] = {3},
                      I_LINEORDER[] = {4};
    ssb_sizes z = sizes(g->sf);
    const sli_gen_group groups[] = {
        {"date", SSB_DAYS, &T_DATE, 1, I_DATE, date_chunk, 1},
        {"customer", (uint64_t)z.customers, &T_CUSTOMER, 1, I_CUSTOMER, customer_chunk, 1},
        {"supplier", (uint64_t)z.suppliers, &T_SUPPLIER, 1, I_SUPPLIER, supplier_chunk, 1},
        {"part", (uint64_t)z.parts, &T_PART, 1, I_PART, part_chunk, 1},
        {"lineorder", sli_gen_scaled(g->sf, 1500000), &T_LINEORDER, 1, I_LINEORDER, lineorder_chunk,
         0}, /* per order */
    };
    return sli_gen_drive(ctx, g, groups, sizeof groups / sizeof *groups, want, sink, arg);
}
