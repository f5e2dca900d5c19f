/*
 * gen_tpch.c — the eight TPC-H tables (specification v3, clause 4.2.3).
 *
 * Row counts (SF x): supplier 10,000; part 200,000; partsupp 800,000;
 * customer 150,000; orders 1,500,000; lineitem 1 to 7 per order (about
 * 6,000,000); nation 25; region 5. Every row draws from its own stream
 * (stream id per table, row number), so chunks are independent. Orders and
 * lineitem come from one chunk function: an order's lines are drawn from
 * the order's stream, and O_TOTALPRICE and O_ORDERSTATUS are computed from
 * them. Money, quantities, discounts and taxes are decimal(15,2) in cents;
 * dates are date32; keys are int64; low-cardinality strings are
 * dictionary-encoded with the fixed dictionaries of gen_build.c.
 */
#include <stdlib.h>
#include <string.h>

#include "gen_build.h"
#include "runtime/types.h"

enum { ST_REGION = 1, ST_NATION, ST_SUPPLIER, ST_CUSTOMER, ST_PART, ST_PARTSUPP, ST_ORDERS, ST_COMPLAINTS };

static const sli_gen_colspec REGION_COLS[] = {
    {"r_regionkey", SLI_GEN_I64, SLI_D_NONE, 0},
    {"r_name", SLI_GEN_STR, SLI_D_REGION, 0},
    {"r_comment", SLI_GEN_STR, SLI_D_NONE, 115},
};
static const sli_gen_colspec NATION_COLS[] = {
    {"n_nationkey", SLI_GEN_I64, SLI_D_NONE, 0},
    {"n_name", SLI_GEN_STR, SLI_D_NATION, 0},
    {"n_regionkey", SLI_GEN_I64, SLI_D_NONE, 0},
    {"n_comment", SLI_GEN_STR, SLI_D_NONE, 114},
};
static const sli_gen_colspec SUPPLIER_COLS[] = {
    {"s_suppkey", SLI_GEN_I64, SLI_D_NONE, 0},   {"s_name", SLI_GEN_STR, SLI_D_NONE, 24},
    {"s_address", SLI_GEN_STR, SLI_D_NONE, 40},  {"s_nationkey", SLI_GEN_I64, SLI_D_NONE, 0},
    {"s_phone", SLI_GEN_STR, SLI_D_NONE, 15},    {"s_acctbal", SLI_GEN_DEC, SLI_D_NONE, 0},
    {"s_comment", SLI_GEN_STR, SLI_D_NONE, 100},
};
static const sli_gen_colspec CUSTOMER_COLS[] = {
    {"c_custkey", SLI_GEN_I64, SLI_D_NONE, 0},       {"c_name", SLI_GEN_STR, SLI_D_NONE, 24},
    {"c_address", SLI_GEN_STR, SLI_D_NONE, 40},      {"c_nationkey", SLI_GEN_I64, SLI_D_NONE, 0},
    {"c_phone", SLI_GEN_STR, SLI_D_NONE, 15},        {"c_acctbal", SLI_GEN_DEC, SLI_D_NONE, 0},
    {"c_mktsegment", SLI_GEN_STR, SLI_D_SEGMENT, 0}, {"c_comment", SLI_GEN_STR, SLI_D_NONE, 117},
};
static const sli_gen_colspec PART_COLS[] = {
    {"p_partkey", SLI_GEN_I64, SLI_D_NONE, 0},        {"p_name", SLI_GEN_STR, SLI_D_NONE, 64},
    {"p_mfgr", SLI_GEN_STR, SLI_D_MFGR, 0},           {"p_brand", SLI_GEN_STR, SLI_D_BRAND, 0},
    {"p_type", SLI_GEN_STR, SLI_D_TYPE, 0},           {"p_size", SLI_GEN_I32, SLI_D_NONE, 0},
    {"p_container", SLI_GEN_STR, SLI_D_CONTAINER, 0}, {"p_retailprice", SLI_GEN_DEC, SLI_D_NONE, 0},
    {"p_comment", SLI_GEN_STR, SLI_D_NONE, 22},
};
static const sli_gen_colspec PARTSUPP_COLS[] = {
    {"ps_partkey", SLI_GEN_I64, SLI_D_NONE, 0},   {"ps_suppkey", SLI_GEN_I64, SLI_D_NONE, 0},
    {"ps_availqty", SLI_GEN_I32, SLI_D_NONE, 0},  {"ps_supplycost", SLI_GEN_DEC, SLI_D_NONE, 0},
    {"ps_comment", SLI_GEN_STR, SLI_D_NONE, 198},
};
static const sli_gen_colspec ORDERS_COLS[] = {
    {"o_orderkey", SLI_GEN_I64, SLI_D_NONE, 0},
    {"o_custkey", SLI_GEN_I64, SLI_D_NONE, 0},
    {"o_orderstatus", SLI_GEN_STR, SLI_D_ORDERSTATUS, 0},
    {"o_totalprice", SLI_GEN_DEC, SLI_D_NONE, 0},
    {"o_orderdate", SLI_GEN_DATE, SLI_D_NONE, 0},
    {"o_orderpriority", SLI_GEN_STR, SLI_D_PRIORITY, 0},
    {"o_clerk", SLI_GEN_STR, SLI_D_NONE, 24},
    {"o_shippriority", SLI_GEN_I32, SLI_D_NONE, 0},
    {"o_comment", SLI_GEN_STR, SLI_D_NONE, 79},
};
static const sli_gen_colspec LINEITEM_COLS[] = {
    {"l_orderkey", SLI_GEN_I64, SLI_D_NONE, 0},         {"l_partkey", SLI_GEN_I64, SLI_D_NONE, 0},
    {"l_suppkey", SLI_GEN_I64, SLI_D_NONE, 0},          {"l_linenumber", SLI_GEN_I32, SLI_D_NONE, 0},
    {"l_quantity", SLI_GEN_DEC, SLI_D_NONE, 0},         {"l_extendedprice", SLI_GEN_DEC, SLI_D_NONE, 0},
    {"l_discount", SLI_GEN_DEC, SLI_D_NONE, 0},         {"l_tax", SLI_GEN_DEC, SLI_D_NONE, 0},
    {"l_returnflag", SLI_GEN_STR, SLI_D_RETURNFLAG, 0}, {"l_linestatus", SLI_GEN_STR, SLI_D_LINESTATUS, 0},
    {"l_shipdate", SLI_GEN_DATE, SLI_D_NONE, 0},        {"l_commitdate", SLI_GEN_DATE, SLI_D_NONE, 0},
    {"l_receiptdate", SLI_GEN_DATE, SLI_D_NONE, 0},     {"l_shipinstruct", SLI_GEN_STR, SLI_D_INSTRUCT, 0},
    {"l_shipmode", SLI_GEN_STR, SLI_D_MODE, 0},         {"l_comment", SLI_GEN_STR, SLI_D_NONE, 43},
};

static const sli_gen_tablespec T_REGION = SLI_GEN_TABLE("region", REGION_COLS);
static const sli_gen_tablespec T_NATION = SLI_GEN_TABLE("nation", NATION_COLS);
static const sli_gen_tablespec T_SUPPLIER = SLI_GEN_TABLE("supplier", SUPPLIER_COLS);
static const sli_gen_tablespec T_CUSTOMER = SLI_GEN_TABLE("customer", CUSTOMER_COLS);
static const sli_gen_tablespec T_PART = SLI_GEN_TABLE("part", PART_COLS);
static const sli_gen_tablespec T_PARTSUPP = SLI_GEN_TABLE("partsupp", PARTSUPP_COLS);
static const sli_gen_tablespec T_ORDERS_LINEITEM[2] = {
    SLI_GEN_TABLE("orders", ORDERS_COLS),
    SLI_GEN_TABLE("lineitem", LINEITEM_COLS),
};

#define COL SLI_GEN_COL /* short for the chunk functions below */

/* ---- region, nation ----------------------------------------------------------- */

static sl_status region_chunk(const sli_gen_run_state *g, size_t chunk, uint64_t first, size_t n,
                              sli_gen_part *parts)
{
    sli_gen_part *p = &parts[0]; /* allocated by the driver */
    for (size_t i = 0; i < n; i++) {
        uint64_t row = first + i;
        sli_rng r = sli_rng_at(g->seed, ST_REGION, row);
        COL(p, 0, int64_t)[i] = (int64_t)row;
        COL(p, 1, int32_t)[i] = (int32_t)row;
        sli_gen_put_text(g, &r, p->cols[2], i, 31, 115);
    }
    return SL_OK;
}

static sl_status nation_chunk(const sli_gen_run_state *g, size_t chunk, uint64_t first, size_t n,
                              sli_gen_part *parts)
{
    sli_gen_part *p = &parts[0]; /* allocated by the driver */
    for (size_t i = 0; i < n; i++) {
        uint64_t row = first + i;
        sli_rng r = sli_rng_at(g->seed, ST_NATION, row);
        COL(p, 0, int64_t)[i] = (int64_t)row;
        COL(p, 1, int32_t)[i] = (int32_t)row;
        COL(p, 2, int64_t)[i] = sli_gen_nation_region[row];
        sli_gen_put_text(g, &r, p->cols[3], i, 31, 114);
    }
    return SL_OK;
}

/* ---- supplier, customer ----------------------------------------------------------- */

/* Fills the columns supplier and customer share: key, name, address,
 * nation, phone, account balance (columns 0-5). */
static void party_row(sli_gen_part *p, size_t i, int64_t key, const char *prefix, sli_rng *r)
{
    COL(p, 0, int64_t)[i] = key;
    int nation = sli_gen_party(p, i, prefix, key, 40, r);
    COL(p, 3, int64_t)[i] = nation;
    sli_gen_put_phone(p->cols[4], i, r, nation);
    COL(p, 5, int64_t)[i] = sli_rng_range(r, -99999, 999999);
}

static sl_status supplier_chunk(const sli_gen_run_state *g, size_t chunk, uint64_t first, size_t n,
                                sli_gen_part *parts)
{
    sli_gen_part *p = &parts[0]; /* allocated by the driver */
    /* SF x 5 suppliers get "Customer ... Complaints" and SF x 5 "Customer ...
     * Recommends" in their comments (clause 4.2.3): one of every 2,000 rows
     * each, at an offset drawn from the seed. */
    sli_rng cr = sli_rng_at(g->seed, ST_COMPLAINTS, 0);
    uint64_t special = (uint64_t)sli_rng_range(&cr, 0, 999);
    char buf[128];
    for (size_t i = 0; i < n; i++) {
        uint64_t row = first + i;
        sli_rng r = sli_rng_at(g->seed, ST_SUPPLIER, row);
        party_row(p, i, (int64_t)row + 1, "Supplier#", &r);
        uint32_t len;
        const char *t = sli_gen_text(g->pool, &r, 25, 100, &len);
        memcpy(buf, t, len);
        if (row % 2000 == special || row % 2000 == special + 1000) {
            int64_t p1 = sli_rng_range(&r, 0, (int64_t)len - 19);
            int64_t p2 = sli_rng_range(&r, p1 + 9, (int64_t)len - 10);
            memcpy(buf + p1, "Customer", 8);
            memcpy(buf + p2, row % 2000 == special ? "Complaints" : "Recommends", 10);
        }
        sli_gen_put(p->cols[6], i, buf, len);
    }
    return SL_OK;
}

static sl_status customer_chunk(const sli_gen_run_state *g, size_t chunk, uint64_t first, size_t n,
                                sli_gen_part *parts)
{
    sli_gen_part *p = &parts[0]; /* allocated by the driver */
    for (size_t i = 0; i < n; i++) {
        sli_rng r = sli_rng_at(g->seed, ST_CUSTOMER, first + i);
        party_row(p, i, (int64_t)(first + i) + 1, "Customer#", &r);
        COL(p, 6, int32_t)[i] = (int32_t)sli_rng_range(&r, 0, 4);
        sli_gen_put_text(g, &r, p->cols[7], i, 29, 116);
    }
    return SL_OK;
}

/* ---- part, partsupp ----------------------------------------------------------- */

static sl_status part_chunk(const sli_gen_run_state *g, size_t chunk, uint64_t first, size_t n,
                            sli_gen_part *parts)
{
    sli_gen_part *p = &parts[0]; /* allocated by the driver */
    for (size_t i = 0; i < n; i++) {
        uint64_t row = first + i;
        int64_t key = (int64_t)row + 1;
        sli_rng r = sli_rng_at(g->seed, ST_PART, row);
        COL(p, 0, int64_t)[i] = key;
        sli_gen_put_colors(p->cols[1], i, &r, 5); /* P_NAME */
        int m = (int)sli_rng_range(&r, 1, 5);
        int b = (int)sli_rng_range(&r, 1, 5);
        COL(p, 2, int32_t)[i] = m - 1;
        COL(p, 3, int32_t)[i] = (m - 1) * 5 + (b - 1);
        COL(p, 4, int32_t)[i] = (int32_t)sli_rng_range(&r, 0, 149);
        COL(p, 5, int32_t)[i] = (int32_t)sli_rng_range(&r, 1, 50);
        COL(p, 6, int32_t)[i] = (int32_t)sli_rng_range(&r, 0, 39);
        COL(p, 7, int64_t)[i] = sli_gen_retail_cents(key);
        sli_gen_put_text(g, &r, p->cols[8], i, 5, 22);
    }
    return SL_OK;
}

/* @return the suppkey of the i-th (0..3) supplier of a part (clause 4.2.3). */
static inline int64_t ps_suppkey(int64_t partkey, int64_t i, int64_t S)
{
    return (partkey + i * (S / 4 + (partkey - 1) / S)) % S + 1;
}

static sl_status partsupp_chunk(const sli_gen_run_state *g, size_t chunk, uint64_t first, size_t n,
                                sli_gen_part *parts)
{
    sli_gen_part *p = &parts[0]; /* allocated by the driver */
    int64_t S = (int64_t)sli_gen_scaled(g->sf, 10000);
    for (size_t i = 0; i < n; i++) {
        uint64_t prow = first + i;
        int64_t pkey = (int64_t)prow + 1;
        sli_rng r = sli_rng_at(g->seed, ST_PARTSUPP, prow);
        for (int k = 0; k < 4; k++) {
            size_t o = i * 4 + (size_t)k;
            COL(p, 0, int64_t)[o] = pkey;
            COL(p, 1, int64_t)[o] = ps_suppkey(pkey, k, S);
            COL(p, 2, int32_t)[o] = (int32_t)sli_rng_range(&r, 1, 9999);
            COL(p, 3, int64_t)[o] = sli_rng_range(&r, 100, 100000);
            sli_gen_put_text(g, &r, p->cols[4], o, 49, 198);
        }
    }
    return SL_OK;
}

/* ---- orders and lineitem ----------------------------------------------------------- */

static sl_status orders_chunk(const sli_gen_run_state *g, size_t chunk, uint64_t first, size_t n,
                              sli_gen_part *parts)
{
    /* Pass 1: the line count of each order is its stream's first draw. */
    size_t nlines = 0;
    for (size_t i = 0; i < n; i++) {
        sli_rng r = sli_rng_at(g->seed, ST_ORDERS, first + i);
        nlines += (size_t)sli_rng_range(&r, 1, 7);
    }
    sli_gen_part *o = &parts[0], *l = &parts[1];
    sl_status s = sli_gen_part_alloc(o, &T_ORDERS_LINEITEM[0], n);
    if (!s) s = sli_gen_part_alloc(l, &T_ORDERS_LINEITEM[1], nlines);
    if (s) return s;
    int64_t C = (int64_t)sli_gen_scaled(g->sf, 150000);
    int64_t P = (int64_t)sli_gen_scaled(g->sf, 200000);
    int64_t S = (int64_t)sli_gen_scaled(g->sf, 10000);
    int64_t clerks = (int64_t)sli_gen_scaled(g->sf, 1000);
    int64_t with_orders = C - C / 3; /* custkeys not divisible by 3 */
    char buf[32];
    int64_t *l_ok = COL(l, 0, int64_t), *l_pk = COL(l, 1, int64_t), *l_sk = COL(l, 2, int64_t);
    int32_t *l_ln = COL(l, 3, int32_t);
    int64_t *l_q = COL(l, 4, int64_t), *l_ep = COL(l, 5, int64_t), *l_d = COL(l, 6, int64_t),
            *l_t = COL(l, 7, int64_t);
    int32_t *l_rf = COL(l, 8, int32_t), *l_ls = COL(l, 9, int32_t), *l_sd = COL(l, 10, int32_t),
            *l_cd = COL(l, 11, int32_t), *l_rd = COL(l, 12, int32_t), *l_si = COL(l, 13, int32_t),
            *l_sm = COL(l, 14, int32_t);
    size_t li = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t row = first + i;
        sli_rng r = sli_rng_at(g->seed, ST_ORDERS, row);
        int lines = (int)sli_rng_range(&r, 1, 7);
        int64_t okey = sli_gen_orderkey(row);
        int64_t cr = sli_rng_range(&r, 0, with_orders - 1);
        int32_t odate = (int32_t)sli_rng_range(&r, SLI_GEN_STARTDATE, SLI_GEN_ENDDATE - 151);
        COL(o, 0, int64_t)[i] = okey;
        COL(o, 1, int64_t)[i] = (cr / 2) * 3 + cr % 2 + 1;
        COL(o, 4, int32_t)[i] = odate;
        COL(o, 5, int32_t)[i] = (int32_t)sli_rng_range(&r, 0, 4);
        sli_gen_put(o->cols[6], i, buf, sli_gen_keyname(buf, "Clerk#", sli_rng_range(&r, 1, clerks)));
        COL(o, 7, int32_t)[i] = 0;
        sli_gen_put_text(g, &r, o->cols[8], i, 19, 78);
        int64_t total = 0;
        int nopen = 0;
        for (int k = 0; k < lines; k++, li++) {
            int64_t pk = sli_rng_range(&r, 1, P);
            int64_t sk = ps_suppkey(pk, sli_rng_range(&r, 0, 3), S);
            int64_t q = sli_rng_range(&r, 1, 50);
            int64_t d = sli_rng_range(&r, 0, 10);
            int64_t t = sli_rng_range(&r, 0, 8);
            int32_t sd = odate + (int32_t)sli_rng_range(&r, 1, 121);
            int32_t cd = odate + (int32_t)sli_rng_range(&r, 30, 90);
            int32_t rd = sd + (int32_t)sli_rng_range(&r, 1, 30);
            int ra = (int)sli_rng_range(&r, 0, 1);
            int64_t ep = q * sli_gen_retail_cents(pk);
            l_ok[li] = okey;
            l_pk[li] = pk;
            l_sk[li] = sk;
            l_ln[li] = k + 1;
            l_q[li] = q * 100;
            l_ep[li] = ep;
            l_d[li] = d;
            l_t[li] = t;
            l_rf[li] = rd <= SLI_GEN_CURRENTDATE ? (ra ? 2 : 0) : 1; /* R / A : N */
            l_ls[li] = sd > SLI_GEN_CURRENTDATE;                     /* O : F */
            nopen += sd > SLI_GEN_CURRENTDATE;
            l_sd[li] = sd;
            l_cd[li] = cd;
            l_rd[li] = rd;
            l_si[li] = (int32_t)sli_rng_range(&r, 0, 3);
            l_sm[li] = (int32_t)sli_rng_range(&r, 0, 6);
            sli_gen_put_text(g, &r, l->cols[15], li, 10, 43);
            /* each line's ext * (1 + tax) * (1 - discount), rounded to cents */
            total += (ep * (100 + t) * (100 - d) + 5000) / 10000;
        }
        COL(o, 2, int32_t)[i] = nopen == 0 ? 0 : nopen == lines ? 1 : 2; /* F, O, P */
        COL(o, 3, int64_t)[i] = total;
    }
    return SL_OK;
}

/* ---- the run ----------------------------------------------------------- */

sl_status sli_gen_tpch(sl_context *ctx, sli_gen_run_state *g, const bool *want, sli_gen_sink sink, void *arg)
{
    /* indexes in sli_gen_table_names order */
    static const long I_REGION[] = {0}, I_NATION[] = {1}, I_SUPPLIER[] = {2}, I_CUSTOMER[] = {3},
                      I_PART[] = {4}, I_PARTSUPP[] = {5}, I_OL[] = {6, 7};
    double sf = g->sf;
    const sli_gen_group groups[] = {
        {"region", 5, &T_REGION, 1, I_REGION, region_chunk, 1},
        {"nation", 25, &T_NATION, 1, I_NATION, nation_chunk, 1},
        {"supplier", sli_gen_scaled(sf, 10000), &T_SUPPLIER, 1, I_SUPPLIER, supplier_chunk, 1},
        {"customer", sli_gen_scaled(sf, 150000), &T_CUSTOMER, 1, I_CUSTOMER, customer_chunk, 1},
        {"part", sli_gen_scaled(sf, 200000), &T_PART, 1, I_PART, part_chunk, 1},
        {"partsupp", sli_gen_scaled(sf, 200000), &T_PARTSUPP, 1, I_PARTSUPP, partsupp_chunk,
         4}, /* 4 per part */
        {"lineitem", sli_gen_scaled(sf, 1500000), T_ORDERS_LINEITEM, 2, I_OL, orders_chunk,
         0}, /* per order */
    };
    return sli_gen_drive(ctx, g, groups, sizeof groups / sizeof *groups, want, sink, arg);
}
