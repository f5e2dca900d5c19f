/*
 * bench_util.h — helpers the C benchmark cases share: a seeded generator,
 * TPC-H-like lineitem columns, in-memory tables built with the internal
 * column builders, and a query state that runs a plan through the engine.
 *
 * Everything here is single-threaded and deterministic: the same seed gives
 * the same data on every machine.
 */
#ifndef SLI_BENCH_UTIL_H
#define SLI_BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench.h"
#include "sluice/sluice.h"

/* ---- deterministic generator (splitmix64) ------------------------------- */

typedef struct sli_bench_rng {
    uint64_t s;
} sli_bench_rng;

/** @return the next 64 random bits. */
uint64_t sli_bench_next(sli_bench_rng *r);

/** @return a uniform integer in [lo, hi] (hi >= lo). */
int64_t sli_bench_uniform(sli_bench_rng *r, int64_t lo, int64_t hi);

/** @return days since 1970-01-01 of a proleptic Gregorian date. */
int32_t sli_bench_days(int y, int m, int d);

/** @return the TPC-H order key of the j-th order (0-based): keys are sparse,
 *  8 used out of every 32 (1..8, 33..40, ...). */
static inline int64_t sli_bench_orderkey(int64_t j)
{
    return (j / 8) * 32 + (j % 8) + 1;
}

/** @return the order index of a TPC-H order key, or -1 if no order has it. */
static inline int64_t sli_bench_order_index(int64_t key)
{
    if (key < 1 || (key - 1) % 32 >= 8) return -1;
    return (key - 1) / 32 * 8 + (key - 1) % 32;
}

/* ---- lineitem-like data -------------------------------------------------- */

/** The seed every case generates its lineitem-like data from. */
#define SLI_BENCH_SEED ((uint64_t)20261125)

/**
 * Columns of a TPC-H-like lineitem (dbgen's distributions): orders of 1..7
 * lines with order dates uniform in 1992-01-01 .. 1998-08-02; per line a part
 * with its retail price, quantity 1..50, discount 0.00..0.10, tax
 * 0.00..0.08, ship date 1..121 days after the order, return flag R/A for
 * lines received by 1995-06-17 and N after, line status F/O by ship date.
 * Decimals are scaled by 100 (decimal(15,2)).
 */
typedef struct sli_bench_lineitem {
    size_t rows;
    int64_t *orderkey;
    int32_t *shipdate;
    int64_t *quantity;
    int64_t *extendedprice;
    int64_t *discount;
    int64_t *tax;
    char *returnflag;
    char *linestatus;
} sli_bench_lineitem;

/** Generates `rows` lines from a seed into li (arrays owned by li).
 *  @return true, or false when out of memory (li is left empty). */
bool sli_bench_lineitem_generate(size_t rows, uint64_t seed, sli_bench_lineitem *li);

/** Frees the arrays of li. */
void sli_bench_lineitem_free(sli_bench_lineitem *li);

/* ---- in-memory tables ---------------------------------------------------- */

/**
 * One column given as a plain array of `rows` values: int32 for date32, int64
 * for int64 and decimal, one char per value for utf8 (built as one-character
 * strings and dictionary-encoded, as the CSV loader does). Borrowed.
 */
typedef struct sli_bench_col {
    const char *name;
    sl_type type;
    const void *data;
} sli_bench_col;

/**
 * Builds a table from arrays (partitions of SLI_PARTITION_ROWS rows) with the
 * internal column builders and registers it in ctx under `name`.
 * @return true, or false with a message in err.
 */
bool sli_bench_add_table(sl_context *ctx, const char *name, const sli_bench_col *cols, size_t ncols,
                         size_t rows, char *err, size_t cap);

/* ---- a query run through the engine -------------------------------------- */

/** The state of an engine case: a context with its tables and a plan text. */
typedef struct sli_bench_query {
    sl_context *ctx;
    const char *plan;   /**< static text */
    sl_result *expect;  /**< setup's answer, checked against C; owned */
    uint64_t checked;   /**< bit t: the answer on t threads matched expect */
} sli_bench_query;

/** @return a new query state with an empty context, or NULL (message in err). */
sli_bench_query *sli_bench_query_create(const char *plan, char *err, size_t cap);

/**
 * Parses the plan and collects its rows (sl_frame_from_plan +
 * sl_frame_collect: optimizer, pipelines, executor).
 * @return the result (caller destroys it), or NULL with a message in err.
 */
sl_result *sli_bench_query_collect(sli_bench_query *q, char *err, size_t cap);

/**
 * Case run function for a sli_bench_query state: one collect on `threads`
 * workers, result dropped. The first run at each thread count compares its
 * rows with q->expect (as multisets: row order may differ where the query
 * does not order) and fails on a difference.
 */
int sli_bench_query_run(void *state, unsigned threads, char *err, size_t cap);

/** Case teardown function for a sli_bench_query state. NULL is ignored. */
void sli_bench_query_free(void *state);

/** Formats an error into err; @return NULL, so setup code can `return sli_bench_fail(...)`. */
void *sli_bench_fail(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/** Checks a result column's name and type (decimal scale when scale >= 0).
 *  @return true, or false with a message in err. */
bool sli_bench_check_column(const sl_result *r, size_t col, sl_type_id id, int scale, char *err, size_t cap);

/* ---- the cases (one file each) ------------------------------------------- */

void *sli_bench_bandwidth_setup(char *err, size_t cap);
int sli_bench_bandwidth_run(void *state, unsigned threads, char *err, size_t cap);
void sli_bench_bandwidth_free(void *state);
/** The bandwidth sum compiled with -mavx2 (bandwidth_avx2.c); call only on AVX2 CPUs. */
int64_t sli_bench_sum_avx2(const int64_t *restrict p, size_t n);

void *sli_bench_q6_setup(char *err, size_t cap);
void *sli_bench_q1_setup(char *err, size_t cap);
void *sli_bench_join_setup(char *err, size_t cap);
void *sli_bench_groupby_setup(char *err, size_t cap);
void *sli_bench_topk_setup(char *err, size_t cap);

#endif
