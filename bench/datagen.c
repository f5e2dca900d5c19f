/*
 * datagen.c — deterministic data for the benchmarks: a splitmix64 generator,
 * civil dates as days, and TPC-H-like lineitem columns following dbgen's
 * value distributions (see sli_bench_lineitem in bench_util.h).
 */
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

uint64_t sli_bench_next(sli_bench_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

int64_t sli_bench_uniform(sli_bench_rng *r, int64_t lo, int64_t hi)
{
    uint64_t span = (uint64_t)(hi - lo) + 1;
    /* the modulo bias is below 2^-40 for the spans used here */
    return lo + (int64_t)(sli_bench_next(r) % span);
}

int32_t sli_bench_days(int y, int m, int d)
{
    /* days from civil: shift the year to start in March so leap days come last */
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

void sli_bench_lineitem_free(sli_bench_lineitem *li)
{
    free(li->orderkey);
    free(li->shipdate);
    free(li->quantity);
    free(li->extendedprice);
    free(li->discount);
    free(li->tax);
    free(li->returnflag);
    free(li->linestatus);
    memset(li, 0, sizeof *li);
}

bool sli_bench_lineitem_generate(size_t rows, uint64_t seed, sli_bench_lineitem *li)
{
    memset(li, 0, sizeof *li);
    li->orderkey = malloc(rows * sizeof *li->orderkey + 1);
    li->shipdate = malloc(rows * sizeof *li->shipdate + 1);
    li->quantity = malloc(rows * sizeof *li->quantity + 1);
    li->extendedprice = malloc(rows * sizeof *li->extendedprice + 1);
    li->discount = malloc(rows * sizeof *li->discount + 1);
    li->tax = malloc(rows * sizeof *li->tax + 1);
    li->returnflag = malloc(rows + 1);
    li->linestatus = malloc(rows + 1);
    if (!li->orderkey || !li->shipdate || !li->quantity || !li->extendedprice || !li->discount || !li->tax ||
        !li->returnflag || !li->linestatus) {
        sli_bench_lineitem_free(li);
        return false;
    }
    li->rows = rows;

    const int32_t start = sli_bench_days(1992, 1, 1);
    const int32_t last_order = sli_bench_days(1998, 12, 31) - 151;
    const int32_t current = sli_bench_days(1995, 6, 17);
    sli_bench_rng rng = {seed};
    size_t i = 0;
    for (int64_t order = 0; i < rows; order++) {
        int64_t key = sli_bench_orderkey(order);
        int32_t odate = (int32_t)sli_bench_uniform(&rng, start, last_order);
        int64_t lines = sli_bench_uniform(&rng, 1, 7);
        for (int64_t l = 0; l < lines && i < rows; l++, i++) {
            int64_t part = sli_bench_uniform(&rng, 1, 200000);
            int64_t retail = 90000 + (part / 10) % 20001 + 100 * (part % 1000); /* cents */
            int64_t qty = sli_bench_uniform(&rng, 1, 50);
            int32_t ship = odate + (int32_t)sli_bench_uniform(&rng, 1, 121);
            int32_t receipt = ship + (int32_t)sli_bench_uniform(&rng, 1, 30);
            li->orderkey[i] = key;
            li->quantity[i] = qty * 100;
            li->extendedprice[i] = qty * retail;
            li->discount[i] = sli_bench_uniform(&rng, 0, 10);
            li->tax[i] = sli_bench_uniform(&rng, 0, 8);
            li->shipdate[i] = ship;
            li->returnflag[i] = receipt <= current ? (sli_bench_next(&rng) & 1 ? 'R' : 'A') : 'N';
            li->linestatus[i] = ship > current ? 'O' : 'F';
        }
    }
    return true;
}
